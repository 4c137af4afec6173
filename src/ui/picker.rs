//! Choosing what to run: a shipped scenario, one of its variants, a YAML
//! file from disk, or YAML pasted in. Loader errors are shown with their
//! file:line:column and the offending line quoted.

use super::state::{Action, LoadProblem, Store, use_store};
use crate::catalog::{self, Shipped};
use crate::scenario::load;
use gloo::file::callbacks::FileReader;
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

/// Loads a scenario's text and opens it, or reports why it cannot be.
pub fn open_text(store: &Store, file: &str, text: &str, variant: Option<String>) {
    match load::load(file, text) {
        Ok(scenario) => store.dispatch(Action::Open { scenario: Rc::new(scenario), variant }),
        Err(diagnostics) => {
            store.dispatch(Action::LoadFailed(LoadProblem { diagnostics, message: None, text: Some(text.into()) }))
        }
    }
}

pub fn open_shipped(store: &Store, s: &Shipped, variant: Option<String>) {
    open_text(store, &format!("scenarios/{}", s.file), s.yaml, variant);
}

#[function_component(Picker)]
pub fn picker() -> Html {
    let store = use_store();
    let shipped = use_memo((), |_| catalog::shipped());
    let exercises = use_memo((), |_| catalog::workshop());
    let paste_ref = use_node_ref();
    // A file being read; kept alive until its callback has run.
    let reader = use_mut_ref(|| None::<FileReader>);

    let current = store.scenario.as_ref().map(|s| s.id().to_string()).unwrap_or_default();
    let on_scenario = {
        let store = store.clone();
        Callback::from(move |e: Event| {
            let id = e.target_unchecked_into::<HtmlSelectElement>().value();
            if let Some(s) = catalog::find(&id) {
                open_shipped(&store, &s, None);
            }
        })
    };
    let variants = store.scenario.as_ref().map(|s| s.doc.spec.variants.clone()).unwrap_or_default();
    let active_variant = store.active().and_then(|e| e.variant.clone()).unwrap_or_default();
    let on_variant = {
        let store = store.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            store.dispatch(Action::Variant((!v.is_empty()).then_some(v)));
        })
    };
    let on_file = {
        let store = store.clone();
        let reader = reader.clone();
        Callback::from(move |e: Event| {
            let input = e.target_unchecked_into::<HtmlInputElement>();
            let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
            let name = file.name();
            let store = store.clone();
            let file = gloo::file::File::from(file);
            let task = gloo::file::callbacks::read_as_text(&file, move |text| match text {
                Ok(text) => open_text(&store, &name, &text, None),
                Err(e) => store.dispatch(Action::LoadFailed(LoadProblem {
                    message: Some(format!("{name}: could not read the file: {e}")),
                    ..LoadProblem::default()
                })),
            });
            *reader.borrow_mut() = Some(task);
            // Choosing the same file again (after editing it) fires `change` again.
            input.set_value("");
        })
    };
    let on_paste = {
        let store = store.clone();
        let paste_ref = paste_ref.clone();
        Callback::from(move |_| {
            if let Some(area) = paste_ref.cast::<HtmlTextAreaElement>() {
                open_text(&store, "pasted.yaml", &area.value(), None);
            }
        })
    };
    html! {
        <nav class="picker" aria-label="Scenarios">
            <label class="field">
                <span>{ "Scenario" }</span>
                <select onchange={on_scenario} aria-label="Scenario">
                    <optgroup label="Stories">
                        { for shipped.iter().map(|s| html! {
                            <option value={s.id.clone()} selected={s.id == current}>{ &s.title }</option>
                        }) }
                    </optgroup>
                    if !exercises.is_empty() {
                        <optgroup label="Workshop exercises">
                            { for exercises.iter().map(|s| html! {
                                <option value={s.id.clone()} selected={s.id == current}>{ &s.title }</option>
                            }) }
                        </optgroup>
                    }
                    if !current.is_empty() && !shipped.iter().chain(exercises.iter()).any(|s| s.id == current) {
                        <option value={current.clone()} selected=true>{ format!("{current} (loaded)") }</option>
                    }
                </select>
            </label>
            if !variants.is_empty() {
                <label class="field">
                    <span>{ "Variant" }</span>
                    <select onchange={on_variant} aria-label="Variant">
                        <option value="" selected={active_variant.is_empty()}>{ "original timeline" }</option>
                        { for variants.iter().map(|v| html! {
                            <option value={v.name.clone()} selected={v.name == active_variant}>
                                { v.title.clone().unwrap_or_else(|| v.name.clone()) }
                            </option>
                        }) }
                    </select>
                </label>
            }
            <label class="button file-button">
                { "Open YAML file…" }
                <input type="file" accept=".yaml,.yml,text/yaml" onchange={on_file} class="visually-hidden" />
            </label>
            <details class="paste">
                <summary>{ "Paste YAML" }</summary>
                <textarea ref={paste_ref} rows="10" spellcheck="false" aria-label="Scenario YAML"
                    placeholder="apiVersion: vipsim/v1&#10;kind: Scenario&#10;…" />
                <button type="button" onclick={on_paste}>{ "Load pasted scenario" }</button>
            </details>
        </nav>
    }
}

/// The loader's errors, each at file:line:column with its line quoted.
#[function_component(LoadProblemView)]
pub fn load_problem_view() -> Html {
    let store = use_store();
    let Some(problem) = store.problem.clone() else { return html! {} };
    let dismiss = {
        let store = store.clone();
        Callback::from(move |_| store.dispatch(Action::DismissProblem))
    };
    let line_of = |n: usize| problem.text.as_ref().and_then(|t| t.lines().nth(n.checked_sub(1)?)).map(str::to_string);
    html! {
        <section class="load-problem" role="alert" aria-labelledby="load-problem-title">
            <h2 id="load-problem-title">{ "This scenario could not be opened" }</h2>
            if let Some(m) = &problem.message {
                <p>{ m }</p>
            }
            <ul>
                { for problem.diagnostics.iter().map(|d| html! {
                    <li>
                        <code class="where">{ format!("{}:{}:{}", d.file, d.line, d.column) }</code>
                        { " " }
                        if !d.path.is_empty() { <code>{ &d.path }</code>{ ": " } }
                        { &d.message }
                        if let Some(s) = &d.suggestion { { format!(" (did you mean `{s}`?)") } }
                        if let Some(line) = line_of(d.line) {
                            <pre class="quote"><span class="line-no">{ format!("{:>4} | ", d.line) }</span>{ line }</pre>
                        }
                    </li>
                }) }
            </ul>
            <button type="button" onclick={dismiss}>{ "Dismiss" }</button>
        </section>
    }
}
