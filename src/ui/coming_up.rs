//! "Coming up": the control-plane timers that will change who announces
//! the VIP, with countdowns ([`crate::view::coming_up`]).

use super::i18n::Msg;
use super::state::use_store;
use crate::view::coming_up::upcoming;
use yew::prelude::*;

#[function_component(ComingUp)]
pub fn coming_up() -> Html {
    let store = use_store();
    let Some(entry) = store.active().cloned() else { return html! {} };
    let run = entry.run.borrow();
    let world = run.world();
    let list = upcoming(world, store.time.max(world.now), store.lang);
    // Always drawn, with room for two timers, so the page does not jump
    // when a countdown starts or ends.
    html! {
        <div class={classes!("coming-up", list.is_empty().then_some("idle"))}>
            <h3>{ store.lang.t(Msg::ComingUp) }</h3>
            if list.is_empty() {
                <p class="hint">{ store.lang.t(Msg::NothingComingUp) }</p>
            } else {
                <ul>{ for list.iter().map(|u| html! { <li>{ u }</li> }) }</ul>
            }
        </div>
    }
}
