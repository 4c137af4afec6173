//! The inspector: the selected host's live tables at the cursor (and the
//! selected record up close when the event list, where it usually opens,
//! is hidden). Hosts are chosen here or in the topology.

use super::frame_view::FrameView;
use super::host_tables::HostTables;
use super::i18n::Msg;
use super::panels::Panel;
use super::state::{Action, use_store};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[function_component(Inspector)]
pub fn inspector() -> Html {
    let store = use_store();
    let lang = store.lang;
    let Some(entry) = store.active().cloned() else { return html! {} };
    let names: Vec<String> = {
        let run = entry.run.borrow();
        let net = &run.world().net;
        net.hosts.iter().map(|h| h.name.to_string()).chain(std::iter::once(net.switch.name.to_string())).collect()
    };
    let selected = store.host.clone();
    let on_host = {
        let store = store.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            store.dispatch(Action::SelectHost((!v.is_empty()).then_some(v)));
        })
    };
    html! {
        <section class="panel inspector" aria-labelledby="inspector-title" data-panel="inspector">
            <h2 id="inspector-title">{ lang.t(Msg::PanelInspector) }</h2>
            // The decode opens under the event list; here only when that list is hidden.
            if !store.panels.shows(Panel::Events) {
                <FrameView />
            }
            <label class="field">
                <span>{ lang.t(Msg::Host) }</span>
                <select onchange={on_host} aria-label={lang.t(Msg::InspectHost)} name="inspect-host">
                    <option value="" selected={selected.is_none()}>{ lang.t(Msg::ChooseHost) }</option>
                    { for names.iter().map(|n| html! {
                        <option value={n.clone()} selected={selected.as_deref() == Some(n.as_str())}>{ n }</option>
                    }) }
                </select>
            </label>
            if let Some(host) = selected {
                <HostTables host={host} />
            }
        </section>
    }
}
