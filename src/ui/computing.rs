//! A run that takes longer than a slice to compute ([`Pending`]): the
//! hook that computes it a slice per turn of the browser's event loop, so
//! the page keeps drawing and taking input, and the progress bar with the
//! button that stops it, keeping what is computed so far.

use super::i18n::Msg;
use super::state::{Action, Computing, Store, use_store};
use crate::view::secs_in;
use std::rc::Rc;
use yew::prelude::*;

/// Asks for the next slice after each one is drawn: the timeout lets the
/// browser paint the progress and run the Stop button's click first.
#[hook]
pub fn use_computation(store: &Store) {
    let key = store.computing.as_ref().map(|p| (Rc::as_ptr(p) as usize, p.progress().map(|p| p.steps)));
    let dispatcher = store.dispatcher();
    use_effect_with(key, move |key| {
        let next = key
            .is_some()
            .then(|| gloo::timers::callback::Timeout::new(0, move || dispatcher.dispatch(Action::Compute)));
        move || drop(next)
    });
}

/// What is being computed, how far it has got in simulated time and
/// events, and Stop.
#[function_component(ComputingStatus)]
pub fn computing_status() -> Html {
    let store = use_store();
    let lang = store.lang;
    let Some(pending) = store.computing.clone() else { return html! {} };
    let Some(progress) = pending.progress() else { return html! {} };
    let what = match pending.what() {
        Computing::Scenario => Msg::Computing,
        Computing::Variant => Msg::ComputingVariant,
        Computing::Branch => Msg::ComputingBranch,
    };
    let stop = {
        let store = store.clone();
        Callback::from(move |_: MouseEvent| store.dispatch(Action::StopComputing))
    };
    let ms = |t: crate::time::Instant| (t.as_nanos() / 1_000_000).to_string();
    html! {
        <section class="computing" aria-label={lang.t(what)}>
            <p class="computing-what">{ lang.t(what) }</p>
            <progress max={ms(progress.end)} value={ms(progress.at)} aria-label={lang.t(what)}></progress>
            <p class="computing-figures" role="status">
                { lang.f(Msg::ComputingProgress, &[&secs_in(progress.at, lang), &secs_in(progress.end, lang), &progress.steps]) }
            </p>
            <button type="button" class="computing-stop" onclick={stop} title={lang.t(Msg::StopComputingHint)}>
                { lang.t(Msg::StopComputing) }
            </button>
        </section>
    }
}
