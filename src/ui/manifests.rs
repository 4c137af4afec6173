//! The scenario's Kubernetes manifests, to change at the cursor like
//! `kubectl apply` would: a held manifest (`vipsim/hold`) applied as
//! written, or any manifest edited first. Either runs in a new branch.
//!
//! An edited manifest is checked in place: its text replaces the original
//! document in the scenario and the whole scenario is loaded again, so the
//! loader's checks (kinds, fields, names that must exist) apply unchanged
//! and its errors point at the edited lines.

use super::i18n::Msg;
use super::state::{Action, use_store};
use crate::scenario::{Diagnostic, LoadedManifest, load};
use crate::sim::action::Action as SimAction;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

/// A line that starts or ends a YAML document.
fn is_marker(line: &str) -> bool {
    line == "---" || line.starts_with("--- ") || line == "..."
}

/// The lines (0-based, end exclusive) of the document that starts at
/// 1-based `first_line`: up to the next document marker.
fn document_lines(text: &str, first_line: usize) -> std::ops::Range<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let start = first_line.saturating_sub(1).min(lines.len());
    let end = (start + 1..lines.len()).find(|i| is_marker(lines[*i])).unwrap_or(lines.len());
    start..end
}

/// Why an edited manifest cannot be applied.
#[derive(Clone, Debug, PartialEq)]
enum EditProblem {
    /// The loader's errors, with lines counted from the edited text's first line.
    Diagnostics(Vec<Diagnostic>),
    /// The text starts or ends a YAML document: it must stay one manifest.
    NotOneDocument,
}

/// The edited document in place of manifest `index`, loaded with the whole
/// scenario: the manifest as the loader reads it, or why it cannot be.
fn check_edit(
    file: &str,
    scenario_text: &str,
    of: &LoadedManifest,
    index: usize,
    edited: &str,
) -> Result<LoadedManifest, EditProblem> {
    if edited.lines().any(is_marker) {
        return Err(EditProblem::NotOneDocument);
    }
    let range = document_lines(scenario_text, of.line);
    let lines: Vec<&str> = scenario_text.lines().collect();
    let mut spliced: Vec<&str> = lines[..range.start].to_vec();
    spliced.extend(edited.lines());
    spliced.extend(&lines[range.end..]);
    match load::load(file, &spliced.join("\n")) {
        Ok(scenario) => scenario.manifests.get(index).cloned().ok_or(EditProblem::NotOneDocument),
        Err(diagnostics) => Err(EditProblem::Diagnostics(
            diagnostics
                .into_iter()
                .map(|mut d| {
                    d.line = d.line.saturating_sub(range.start).max(1);
                    d
                })
                .collect(),
        )),
    }
}

/// The name `kubectl apply` and timeline `apply` steps use for a held manifest.
fn apply_name(m: &LoadedManifest) -> String {
    let meta = m.manifest.metadata();
    meta.annotations.get("vipsim/id").cloned().unwrap_or_else(|| meta.name.clone())
}

#[function_component(Manifests)]
pub fn manifests() -> Html {
    let store = use_store();
    let lang = store.lang;
    // The manifest being edited, its text, and what the loader said about it.
    let editing = use_state(|| None::<usize>);
    let text = use_state(String::new);
    let problem = use_state(|| None::<EditProblem>);
    let (Some(scenario), Some(source)) = (store.scenario.clone(), store.source.clone()) else { return html! {} };
    let now = store.active().map(|e| e.run.borrow().world().now).unwrap_or_default();
    if scenario.manifests.is_empty() {
        return html! {};
    }

    let items = scenario.manifests.iter().enumerate().map(|(i, m)| {
        let meta = m.manifest.metadata();
        let edit = {
            let (editing, text, problem, source) = (editing.clone(), text.clone(), problem.clone(), source.clone());
            let line = m.line;
            Callback::from(move |_| {
                let range = document_lines(&source.text, line);
                let lines: Vec<&str> = source.text.lines().collect();
                text.set(lines[range].join("\n"));
                problem.set(None);
                editing.set(Some(i));
            })
        };
        let apply_held = {
            let store = store.clone();
            let name = apply_name(m);
            Callback::from(move |_| store.dispatch(Action::Branch(SimAction::Apply { name: name.clone() })))
        };
        html! {
            <li data-manifest={i.to_string()}>
                <code>{ format!("{}/{}", m.manifest.kind(), meta.name) }</code>
                if m.held {
                    { " " }<span class="badge">{ lang.t(Msg::Held) }</span>
                }
                <span class="actions">
                    if m.held {
                        <button type="button" data-do="apply-held" onclick={apply_held}>
                            { lang.f(Msg::KubectlApplyAt, &[&super::secs_in(now, lang)]) }
                        </button>
                    }
                    <button type="button" data-do="edit" aria-pressed={(*editing == Some(i)).to_string()} onclick={edit}>
                        { lang.t(Msg::EditManifest) }
                    </button>
                </span>
            </li>
        }
    });

    let editor = editing.and_then(|i| Some((i, scenario.manifests.get(i)?.clone()))).map(|(i, m)| {
        let on_input = {
            let text = text.clone();
            Callback::from(move |e: InputEvent| text.set(e.target_unchecked_into::<HtmlTextAreaElement>().value()))
        };
        let apply = {
            let (store, text, problem, editing, source) =
                (store.clone(), text.clone(), problem.clone(), editing.clone(), source.clone());
            let m = m.clone();
            Callback::from(move |_| match check_edit(&source.file, &source.text, &m, i, &text) {
                Ok(edited) => {
                    problem.set(None);
                    editing.set(None);
                    store.dispatch(Action::Branch(SimAction::ApplyManifest { manifest: Box::new(edited.manifest) }));
                }
                Err(found) => problem.set(Some(found)),
            })
        };
        let cancel = {
            let editing = editing.clone();
            Callback::from(move |_| editing.set(None))
        };
        let name = format!("{}/{}", m.manifest.kind(), m.manifest.metadata().name);
        html! {
            <div class="manifest-editor">
                <label class="field grow">
                    <span>{ lang.f(Msg::EditingManifest, &[&name]) }</span>
                    <textarea rows={(text.lines().count() + 1).clamp(6, 24).to_string()} spellcheck="false"
                        name="manifest" value={(*text).clone()} oninput={on_input} />
                </label>
                if let Some(EditProblem::Diagnostics(found)) = &*problem {
                    <ul class="diagnostics" role="alert">
                        { for found.iter().map(|d| html! {
                            <li data-line={d.line.to_string()}>
                                <strong>{ lang.f(Msg::LineColumn, &[&d.line, &d.column]) }</strong>{ " " }
                                if !d.path.is_empty() { <code>{ &d.path }</code>{ ": " } }
                                { &d.message }
                                if let Some(s) = &d.suggestion { { lang.f(Msg::DidYouMean, &[s]) } }
                            </li>
                        }) }
                    </ul>
                }
                if let Some(EditProblem::NotOneDocument) = &*problem {
                    <p class="error" role="alert">{ lang.t(Msg::OneManifestOnly) }</p>
                }
                <div class="row">
                    <button type="button" data-do="apply-edit" onclick={apply}>
                        { lang.f(Msg::ApplyEditedAt, &[&super::secs_in(now, lang)]) }
                    </button>
                    <button type="button" onclick={cancel}>{ lang.t(Msg::Cancel) }</button>
                </div>
            </div>
        }
    });

    html! {
        <details class="manifests" open={editing.is_some()}>
            <summary>{ lang.t(Msg::ManifestsTitle) }</summary>
            <p class="hint">{ lang.t(Msg::ManifestsHint) }</p>
            <ul class="plain manifest-list">{ for items }</ul>
            { for editor }
        </details>
    }
}
