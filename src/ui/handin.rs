//! "Hand in" in a workshop exercise: the learner's own run (the original
//! and their branches of it) as a hand-in file and a short code to paste
//! into a chat (`crate::handin`), for an instructor to check with
//! `vipsim verify`. The file carries the actions of the branch on screen
//! with the step and time each was applied, the hints revealed and the
//! name typed here (kept in this browser), never the goals' results.

use super::download;
use super::i18n::Msg;
use super::share_menu::copy;
use super::state::{AppState, use_store};
use crate::catalog;
use crate::handin::{Acted, HandIn};
use crate::time::Instant;
use wasm_bindgen::JsCast;
use web_sys::{HtmlDetailsElement, HtmlInputElement};
use yew::prelude::*;

const LEARNER_KEY: &str = "vipsim.learner";

fn storage() -> Option<web_sys::Storage> {
    gloo::utils::window().local_storage().ok().flatten()
}

/// The actions that made the run on screen, oldest first, as the
/// playground applied them (see `AppState::lineage`, which this follows
/// with each edit's time). A console session's branch carries several
/// edits, each at its own step; the branch's run keeps the past before
/// each of them, so it says that step's time.
fn actions(s: &AppState) -> Vec<Acted> {
    let mut acted = Vec::new();
    let mut at = s.active().cloned();
    while let Some(entry) = at {
        let Some(fork) = &entry.fork else { break };
        let run = entry.run.borrow();
        for (step, action) in fork.edits.iter().rev() {
            let at = run.time_of(*step).saturating_since(Instant::ZERO);
            acted.push(Acted { step: *step, at, action: action.clone() });
        }
        drop(run);
        at = s.runs.iter().find(|r| r.id == fork.parent).cloned();
    }
    acted.reverse();
    acted
}

/// The hand-in of the open exercise's run on screen, if it is one and the
/// learner's own.
fn hand_in(s: &AppState, learner: &str) -> Option<HandIn> {
    let id = s.exercise.as_ref()?;
    let shipped = catalog::workshop().into_iter().find(|w| w.id == *id)?;
    Some(HandIn::new(learner, &shipped.id, shipped.yaml, actions(s), s.hints.clone()))
}

#[function_component(HandInMenu)]
pub fn hand_in_menu() -> Html {
    let store = use_store();
    let lang = store.lang;
    let learner = use_state(|| storage().and_then(|s| s.get_item(LEARNER_KEY).ok().flatten()).unwrap_or_default());
    let copied = use_state(|| None::<bool>);
    // The hand-in is built (hashed, deflated) only while the menu is open,
    // not on every frame of playback.
    let open = use_state(|| false);
    let keep_url = use_mut_ref(|| None::<gloo::file::ObjectUrl>);
    if store.exercise.is_none() {
        return html! {};
    }
    if !store.own_run() {
        return html! { <p class="hint handin-own-run">{ lang.t(Msg::HandInOwnRun) }</p> };
    }
    let on_toggle = {
        let (open, copied) = (open.clone(), copied.clone());
        Callback::from(move |e: Event| {
            if let Some(d) = e.target().and_then(|t| t.dyn_into::<HtmlDetailsElement>().ok()) {
                open.set(d.open());
                copied.set(None);
            }
        })
    };
    let handin = if *open { hand_in(&store, &learner) } else { None };
    let Some(handin) = handin else {
        return html! {
            <details class="menu handin-menu" ontoggle={on_toggle}><summary>{ lang.t(Msg::HandIn) }</summary></details>
        };
    };
    let on_name = {
        let (learner, copied) = (learner.clone(), copied.clone());
        Callback::from(move |e: InputEvent| {
            let name = e.target_unchecked_into::<HtmlInputElement>().value();
            if let Some(s) = storage() {
                let _ = s.set_item(LEARNER_KEY, &name);
            }
            copied.set(None);
            learner.set(name);
        })
    };
    let code = handin.to_code();
    let save = {
        let handin = handin.clone();
        Callback::from(move |_: MouseEvent| {
            download(&keep_url, &handin.file_name(), handin.to_json().as_bytes(), "application/json")
        })
    };
    let copy_code = {
        let (code, copied) = (code.clone(), copied.clone());
        Callback::from(move |_: MouseEvent| {
            let copied = copied.clone();
            copy(&code, Callback::from(move |ok| copied.set(Some(ok))));
        })
    };
    html! {
        <details class="menu handin-menu" open=true ontoggle={on_toggle} data-actions={handin.actions.len().to_string()}>
            <summary>{ lang.t(Msg::HandIn) }</summary>
            <div class="menu-body">
                <p class="hint">{ lang.f(Msg::HandInHint, &[&handin.actions.len()]) }</p>
                <label class="field">
                    <span>{ lang.t(Msg::HandInName) }</span>
                    <input type="text" name="learner" value={(*learner).clone()} oninput={on_name} autocomplete="name" />
                </label>
                <button type="button" data-do="hand-in-file" onclick={save}>{ lang.t(Msg::HandInFile) }</button>
                <label class="field">
                    <span>{ lang.t(Msg::HandInCode) }</span>
                    <textarea readonly=true name="handin-code" rows="3" value={code} />
                </label>
                <button type="button" data-do="copy-handin-code" onclick={copy_code}>{ lang.t(Msg::CopyHandInCode) }</button>
                <p role="status" class="copied">
                    { match *copied {
                        Some(true) => lang.t(Msg::HandInCodeCopied),
                        Some(false) => lang.t(Msg::CopyFailed),
                        None => "",
                    } }
                </p>
            </div>
        </details>
    }
}
