//! Keyboard shortcuts for the whole page, and the `?` help dialog listing
//! them. Keys typed into a field, a list box or a control that uses them
//! itself (Space on a button) are left alone.

use super::i18n::Msg;
use super::state::{Action, Dir, use_store};
use gloo::events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, KeyboardEvent};
use yew::prelude::*;

/// Each shortcut: its keys and what it does.
const SHORTCUTS: &[(Msg, Msg)] = &[
    (Msg::KeySpace, Msg::KeySpaceDoes),
    (Msg::KeyArrows, Msg::KeyArrowsDo),
    (Msg::KeyShiftArrows, Msg::KeyShiftArrowsDo),
    (Msg::KeyHomeEnd, Msg::KeyHomeEndDo),
    (Msg::KeySlash, Msg::KeySlashDoes),
    (Msg::KeyEventList, Msg::KeyEventListDoes),
    (Msg::KeyConsole, Msg::KeyConsoleDoes),
    (Msg::KeyEnterHost, Msg::KeyEnterHostDoes),
    (Msg::KeyQuestion, Msg::KeyQuestionDoes),
    (Msg::KeyDigits, Msg::KeyDigitsDo),
    (Msg::KeyEsc, Msg::KeyEscDoes),
];

/// Whether the key belongs to the element that has focus.
fn owned_by_target(e: &KeyboardEvent) -> bool {
    let Some(el) = e.target().and_then(|t| t.dyn_into::<HtmlElement>().ok()) else { return false };
    let tag = el.tag_name().to_ascii_lowercase();
    let typing = matches!(tag.as_str(), "input" | "textarea" | "select") || el.is_content_editable();
    let activates =
        matches!(tag.as_str(), "button" | "a" | "summary") || el.get_attribute("role").as_deref() == Some("button");
    typing || (e.key() == " " && activates)
}

#[function_component(Keys)]
pub fn keys() -> Html {
    let store = use_store();
    let close_ref = use_node_ref();
    {
        let dispatcher = store.dispatcher();
        use_effect_with((), move |_| {
            let options = EventListenerOptions::enable_prevent_default();
            let listener = EventListener::new_with_options(&gloo::utils::document(), "keydown", options, move |e| {
                let e: &KeyboardEvent = e.unchecked_ref();
                if e.ctrl_key() || e.meta_key() || e.alt_key() || owned_by_target(e) {
                    return;
                }
                let dir = |back| if back { Dir::Back } else { Dir::Forward };
                let action = match e.key().as_str() {
                    " " => Action::TogglePlay,
                    k @ ("ArrowLeft" | "ArrowRight") if e.shift_key() => Action::Interesting(dir(k == "ArrowLeft")),
                    k @ ("ArrowLeft" | "ArrowRight") => Action::Step(dir(k == "ArrowLeft")),
                    "Home" => Action::SeekStep(0),
                    "End" => Action::SeekStep(u64::MAX),
                    "?" => Action::Help(true),
                    k @ ("1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9") => {
                        Action::GuessWaiting(k.parse::<usize>().unwrap_or(1) - 1)
                    }
                    "Escape" => {
                        dispatcher.dispatch(Action::Help(false));
                        dispatcher.dispatch(Action::Tour(false));
                        Action::ClearRecord
                    }
                    "/" => {
                        if let Some(el) = gloo::utils::document()
                            .query_selector(".events input[type=search]")
                            .ok()
                            .flatten()
                            .and_then(|el| el.dyn_into::<HtmlElement>().ok())
                        {
                            e.prevent_default();
                            let _ = el.focus();
                        }
                        return;
                    }
                    _ => return,
                };
                e.prevent_default();
                dispatcher.dispatch(action);
            });
            move || drop(listener)
        });
    }
    {
        let close_ref = close_ref.clone();
        use_effect_with(store.help_open, move |open| {
            if *open && let Some(b) = close_ref.cast::<HtmlElement>() {
                let _ = b.focus();
            }
        });
    }
    if !store.help_open {
        return html! {};
    }
    let lang = store.lang;
    let close = {
        let store = store.clone();
        Callback::from(move |_| store.dispatch(Action::Help(false)))
    };
    // The dialog's only control is Close: Tab stays on it while the dialog is open.
    let trap = {
        let close_ref = close_ref.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Tab" {
                e.prevent_default();
                if let Some(b) = close_ref.cast::<HtmlElement>() {
                    let _ = b.focus();
                }
            }
        })
    };
    html! {
        <div class="dialog-backdrop" onclick={close.clone()}>
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="keys-title" onkeydown={trap}
                 onclick={Callback::from(|e: MouseEvent| e.stop_propagation())}>
                <h2 id="keys-title">{ lang.t(Msg::KeyboardShortcuts) }</h2>
                <table class="data">
                    <tbody>
                        { for SHORTCUTS.iter().map(|(k, what)| html! {
                            <tr><th scope="row"><kbd>{ lang.t(*k) }</kbd></th><td>{ lang.t(*what) }</td></tr>
                        }) }
                    </tbody>
                </table>
                <button type="button" ref={close_ref} onclick={close}>{ lang.t(Msg::Close) }</button>
            </div>
        </div>
    }
}
