//! What the playground keeps in this browser (localStorage): the workshop
//! progress, the chosen language and the scenario editor's unapplied text. Saved progress that this version
//! cannot read (written by a newer app, or damaged) is moved aside under
//! its own key, never overwritten, so an upgrade or a downgrade loses
//! nothing.

use super::i18n::Lang;
use crate::catalog;
use crate::share::{EditorDraft, Progress};
use std::cell::Cell;
use wasm_bindgen::JsCast;

const PROGRESS_KEY: &str = "vipsim.progress";
const UNREADABLE_KEY: &str = "vipsim.progress.unreadable";
const LANG_KEY: &str = "vipsim.lang";
const DRAFT_KEY: &str = "vipsim.editor-draft";

thread_local! {
    /// Set when unreadable progress could not be moved aside: saving would
    /// overwrite it, so this page saves nothing.
    static SAVING_BLOCKED: Cell<bool> = const { Cell::new(false) };
}

fn storage() -> Option<web_sys::Storage> {
    gloo::utils::window().local_storage().ok().flatten()
}

/// The ids progress may mention: the shipped exercises.
pub fn exercise_ids() -> Vec<String> {
    catalog::workshop().into_iter().map(|s| s.id).collect()
}

/// The saved progress as it was loaded.
pub struct Saved {
    pub progress: Progress,
    /// Why the saved progress could not be read, and the key it was moved to.
    pub unreadable: Option<(String, String)>,
}

pub fn load_progress() -> Saved {
    let fresh = |unreadable| Saved { progress: Progress::default(), unreadable };
    let Some(store) = storage() else { return fresh(None) };
    let Some(text) = store.get_item(PROGRESS_KEY).ok().flatten() else { return fresh(None) };
    match Progress::from_json(&text, None) {
        Ok(progress) => Saved { progress, unreadable: None },
        Err(why) => {
            // A free key: an earlier unreadable copy stays as it was.
            let key = std::iter::once(UNREADABLE_KEY.to_string())
                .chain((2..).map(|n| format!("{UNREADABLE_KEY}.{n}")))
                .find(|k| store.get_item(k).ok().flatten().is_none_or(|old| old == text))
                .expect("an unbounded list of keys has a free one");
            match store.set_item(&key, &text) {
                Ok(()) => {
                    let _ = store.remove_item(PROGRESS_KEY);
                    fresh(Some((why, key)))
                }
                Err(_) => {
                    SAVING_BLOCKED.set(true);
                    fresh(Some((why, PROGRESS_KEY.to_string())))
                }
            }
        }
    }
}

/// Saves the progress; a browser that refuses (storage full or disabled)
/// leaves the learner with the export button.
pub fn save_progress(progress: &Progress) -> Result<(), ()> {
    if SAVING_BLOCKED.get() {
        return Err(());
    }
    let store = storage().ok_or(())?;
    store.set_item(PROGRESS_KEY, &progress.to_json()).map_err(|_| ())
}

/// The language chosen with the switch, else the browser's preference.
pub fn language() -> Lang {
    if let Some(lang) = storage().and_then(|s| s.get_item(LANG_KEY).ok().flatten()).and_then(|c| Lang::from_code(&c)) {
        return lang;
    }
    let navigator = gloo::utils::window().navigator();
    let tags: Vec<String> = navigator
        .languages()
        .iter()
        .filter_map(|v| v.dyn_into::<js_sys::JsString>().ok().map(String::from))
        .chain(navigator.language())
        .collect();
    Lang::preferred(tags.iter().map(String::as_str))
}

pub fn save_language(lang: Lang) {
    if let Some(s) = storage() {
        // Not saved (storage disabled): the switch still works for this page.
        let _ = s.set_item(LANG_KEY, lang.code());
    }
}

/// The editor's unapplied text over `base` (the scenario text it was
/// edited from), if this browser kept one.
pub fn load_draft(base: &str) -> Option<String> {
    EditorDraft::restore(&storage()?.get_item(DRAFT_KEY).ok()??, base)
}

/// Keeps the editor's text over `base`; the same text as `base` is no draft.
pub fn save_draft(base: &str, text: &str) {
    let Some(s) = storage() else { return };
    // Not kept (storage full or disabled): the text stays in the editor.
    let _ = if text == base {
        s.remove_item(DRAFT_KEY)
    } else {
        s.set_item(DRAFT_KEY, &EditorDraft::new(base, text).to_json())
    };
}

/// Forgets the kept draft (applied or reverted).
pub fn clear_draft() {
    if let Some(s) = storage() {
        let _ = s.remove_item(DRAFT_KEY);
    }
}
