//! The scenario editor: the open scenario's YAML in a text area with line
//! numbers. Applying loads the text with the same loader as files (its
//! diagnostics mark their lines, with the message and the suggestion) and
//! rebuilds the run in place, at the same moment; the text can be
//! downloaded. No editor library: a text area that grows with its text
//! inside one scrolling box keeps the gutter and the error marks aligned.

use super::i18n::Msg;
use super::state::{Action, Resume, Source, use_store};
use super::{download, storage};
use crate::scenario::{Diagnostic, load};
use gloo::file::ObjectUrl;
use std::collections::BTreeMap;
use std::rc::Rc;
use web_sys::{Element, HtmlTextAreaElement};
use yew::prelude::*;

/// One line of text, in CSS pixels (as in style.css `.yaml-editor`).
const LINE_PX: f64 = 20.0;

/// The byte offset (as UTF-16 for the text area's selection) where 1-based `line` starts.
fn line_start_utf16(text: &str, line: usize) -> u32 {
    text.split_inclusive('\n').take(line.saturating_sub(1)).map(|l| l.encode_utf16().count() as u32).sum()
}

#[function_component(Editor)]
pub fn editor() -> Html {
    let store = use_store();
    let lang = store.lang;
    let source = store.source.clone();
    // The text to edit, and whether it is an edit this browser kept from
    // before a reload (see storage::save_draft).
    let original = |store: &super::state::AppState| -> (String, bool) {
        let Some(source) = &store.source else { return (String::new(), false) };
        match (&store.draft, storage::load_draft(&source.text)) {
            (Some(draft), _) => (draft.to_string(), false),
            (None, Some(kept)) => (kept, true),
            (None, None) => (source.text.to_string(), false),
        }
    };
    let first = use_memo((), |_| original(&store));
    let text = use_state(|| first.0.clone());
    let restored = use_state(|| first.1);
    let diagnostics = use_state(Vec::<Diagnostic>::new);
    let applied = use_state(|| false);
    let area = use_node_ref();
    let scroller = use_node_ref();
    let keep_url = use_mut_ref(|| None::<ObjectUrl>);
    // Another scenario was opened: edit its text.
    {
        let (text, restored, diagnostics, store) = (text.clone(), restored.clone(), diagnostics.clone(), store.clone());
        use_effect_with(source.as_ref().map(|s| Rc::as_ptr(s) as usize), move |_| {
            let (fresh, kept) = original(&store);
            text.set(fresh);
            restored.set(kept);
            diagnostics.set(Vec::new());
        });
    }
    let Some(source) = source else { return html! {} };
    let file = source.shipped.as_ref().map(|id| format!("{id}.yaml")).unwrap_or_else(|| source.file.clone());

    // Every keystroke is kept in the browser too: a reload or a closed tab loses no edit.
    let on_input = {
        let (text, applied, base) = (text.clone(), applied.clone(), source.text.clone());
        Callback::from(move |e: InputEvent| {
            let value = e.target_unchecked_into::<HtmlTextAreaElement>().value();
            storage::save_draft(&base, &value);
            text.set(value);
            applied.set(false);
        })
    };
    // Kept when the text area loses focus, so closing the panel loses nothing.
    let on_change = {
        let store = store.clone();
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlTextAreaElement>().value();
            store.dispatch(Action::Draft(Some(value.into())));
        })
    };
    let apply = {
        let (store, text, diagnostics, applied, restored, source, file) = (
            store.clone(),
            text.clone(),
            diagnostics.clone(),
            applied.clone(),
            restored.clone(),
            source.clone(),
            file.clone(),
        );
        Callback::from(move |_| match load::load(&file, &text) {
            Ok(scenario) => {
                storage::clear_draft();
                restored.set(false);
                diagnostics.set(Vec::new());
                applied.set(true);
                // Unchanged text stays the shipped scenario: links keep naming it by id.
                let shipped = source.shipped.clone().filter(|_| **text == *source.text);
                let variant = store
                    .active()
                    .and_then(|e| store.lineage(e).0)
                    .filter(|v| scenario.doc.spec.timeline_for(Some(v)).is_ok());
                let resume = Resume { time: Some(store.time), host: store.host.clone(), ..Resume::default() };
                let source = Source { file: file.clone(), text: text.as_str().into(), shipped };
                store.dispatch(Action::Open {
                    scenario: Rc::new(scenario),
                    source: Rc::new(source),
                    variant,
                    resume: Some(resume),
                });
            }
            Err(found) => {
                applied.set(false);
                diagnostics.set(found);
            }
        })
    };
    let revert = {
        let (store, text, diagnostics, source, restored) =
            (store.clone(), text.clone(), diagnostics.clone(), source.clone(), restored.clone());
        Callback::from(move |_| {
            storage::clear_draft();
            restored.set(false);
            text.set(source.text.to_string());
            diagnostics.set(Vec::new());
            store.dispatch(Action::Draft(None));
        })
    };
    let save = {
        let (text, keep, file) = (text.clone(), keep_url.clone(), file.clone());
        let name = file.rsplit('/').next().unwrap_or("scenario.yaml").to_string();
        Callback::from(move |_| download(&keep, &name, text.as_bytes(), "application/yaml"))
    };
    let go_to = |line: usize| {
        let (area, scroller, text) = (area.clone(), scroller.clone(), text.clone());
        Callback::from(move |_| {
            if let Some(scroll) = scroller.cast::<Element>() {
                scroll.set_scroll_top(((line as f64 - 3.0) * LINE_PX).max(0.0) as i32);
            }
            if let Some(a) = area.cast::<HtmlTextAreaElement>() {
                let at = line_start_utf16(&text, line);
                let _ = a.focus();
                let _ = a.set_selection_range(at, at);
            }
        })
    };

    let lines = text.split('\n').count();
    let mut by_line: BTreeMap<usize, Vec<&Diagnostic>> = BTreeMap::new();
    for d in diagnostics.iter() {
        by_line.entry(d.line.max(1)).or_default().push(d);
    }
    let said = |d: &Diagnostic| {
        let mut m = if d.path.is_empty() { d.message.clone() } else { format!("{}: {}", d.path, d.message) };
        if let Some(s) = &d.suggestion {
            m.push_str(&lang.f(Msg::DidYouMean, &[s]));
        }
        m
    };
    let gutter = (1..=lines).map(|n| match by_line.get(&n) {
        Some(found) => {
            let title: Vec<String> = found.iter().map(|d| said(d)).collect();
            html! { <span class="error" data-line={n.to_string()} title={title.join("\n")}>{ format!("✕ {n}") }</span> }
        }
        None => html! { <span data-line={n.to_string()}>{ n }</span> },
    });
    let marks = by_line.keys().map(|n| {
        html! { <span class="line-mark" aria-hidden="true" style={format!("top:{}px", (*n as f64 - 1.0) * LINE_PX)}></span> }
    });
    let changed = source.text.as_ref() != text.as_str();
    html! {
        <section class="panel editor" aria-labelledby="editor-title" data-panel="editor">
            <div class="panel-head">
                <h2 id="editor-title">{ lang.t(Msg::PanelEditor) }</h2>
                <div class="row">
                    <button type="button" class="primary" data-do="apply-yaml" onclick={apply}>{ lang.t(Msg::ApplyYaml) }</button>
                    <button type="button" data-do="revert-yaml" onclick={revert} disabled={!changed}>{ lang.t(Msg::RevertYaml) }</button>
                    <button type="button" data-do="download-yaml" onclick={save}>{ lang.t(Msg::DownloadYaml) }</button>
                </div>
            </div>
            <p class="hint">{ lang.t(Msg::EditorHint) }</p>
            if *restored && changed {
                <p class="hint restored" role="status">{ lang.t(Msg::DraftRestored) }</p>
            }
            if !diagnostics.is_empty() {
                <ul class="diagnostics" role="alert" aria-label={lang.t(Msg::EditorErrors)}>
                    { for diagnostics.iter().map(|d| html! {
                        <li data-line={d.line.to_string()}>
                            <button type="button" class="link" onclick={go_to(d.line)}>
                                { lang.f(Msg::LineColumn, &[&d.line, &d.column]) }
                            </button>
                            { " " }{ said(d) }
                        </li>
                    }) }
                </ul>
            } else if *applied {
                <p class="applied" role="status">{ lang.t(Msg::YamlApplied) }</p>
            }
            <div class="yaml-editor" ref={scroller}>
                <div class="gutter" aria-hidden="true">{ for gutter }</div>
                <div class="text">
                    { for marks }
                    <textarea ref={area} name="scenario-yaml" aria-label={lang.t(Msg::ScenarioYaml)} spellcheck="false"
                        wrap="off" rows={lines.to_string()} value={(*text).clone()} oninput={on_input} onchange={on_change} />
                </div>
            </div>
        </section>
    }
}
