//! Choosing what to run: a shipped scenario or workshop exercise, one of
//! its variants, a YAML file from disk, or YAML pasted in; and the way into
//! the scenario editor. Loader errors are shown by [`super::problems`].

use super::i18n::Lang;
use super::i18n::Msg;
use super::panels::Panel;
use super::panels::Panels;
use super::route::{open_shipped, open_text};
use super::state::{Action, LoadProblem, Slice, Source, use_store};
use crate::catalog;
use gloo::file::callbacks::FileReader;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

/// What the picker shows: the language, the scenario (by identity), the
/// shipped one it came from, the run's variant and the panels.
type Shows = (Lang, Option<usize>, Option<String>, Option<String>, Panels);

#[function_component(Picker)]
pub fn picker() -> Html {
    let store = use_store();
    let key = (
        store.lang,
        store.scenario.as_ref().map(|s| std::rc::Rc::as_ptr(s) as usize),
        store.source.as_ref().and_then(|s| s.shipped.clone()),
        store.active().and_then(|e| e.variant.clone()),
        store.panels,
    );
    html! { <PickerBody slice={Slice { store, key }} /> }
}

#[derive(Properties, PartialEq)]
struct PickerProps {
    slice: Slice<Shows>,
}

#[function_component(PickerBody)]
fn picker_body(props: &PickerProps) -> Html {
    let store = props.slice.store.clone();
    let lang = store.lang;
    let shipped = use_memo((), |_| catalog::shipped());
    let exercises = use_memo((), |_| catalog::workshop());
    let paste_ref = use_node_ref();
    // A file being read; kept alive until its callback has run.
    let reader = use_mut_ref(|| None::<FileReader>);

    let current = store.scenario.as_ref().map(|s| s.id().to_string()).unwrap_or_default();
    // An edited or pasted scenario is "loaded", even when it kept a shipped id.
    let current_shipped = store.source.as_ref().and_then(|s| s.shipped.clone()).unwrap_or_default();
    let on_scenario = {
        let store = store.clone();
        Callback::from(move |e: Event| {
            let id = e.target_unchecked_into::<HtmlSelectElement>().value();
            if let Some(s) = catalog::find(&id) {
                open_shipped(&store.dispatcher(), &s, None);
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
            let dispatcher = store.dispatcher();
            let lang = store.lang;
            let file = gloo::file::File::from(file);
            let task = gloo::file::callbacks::read_as_text(&file, move |text| match text {
                Ok(text) => open_text(&dispatcher, Source { file: name, text: text.into(), shipped: None }, None, None),
                Err(e) => dispatcher.dispatch(Action::LoadFailed(LoadProblem {
                    message: Some(lang.f(Msg::FileUnreadable, &[&name, &e])),
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
                let source = Source { file: "pasted.yaml".into(), text: area.value().into(), shipped: None };
                open_text(&store.dispatcher(), source, None, None);
            }
        })
    };
    let editing = store.panels.shows(Panel::Editor);
    let on_edit = {
        let store = store.clone();
        Callback::from(move |_| store.dispatch(Action::Panels(store.panels.with(Panel::Editor, !editing))))
    };
    let option = |s: &catalog::Shipped| {
        html! {
            <option value={s.id.clone()} selected={s.id == current_shipped}>{ s.title_in(lang.code()) }</option>
        }
    };
    html! {
        <nav class="picker" aria-label={lang.t(Msg::PickerLabel)} data-role="picker">
            <label class="field">
                <span>{ lang.t(Msg::Scenario) }</span>
                <select onchange={on_scenario} aria-label={lang.t(Msg::Scenario)} name="scenario">
                    <optgroup label={lang.t(Msg::Stories)}>{ for shipped.iter().map(option) }</optgroup>
                    if !exercises.is_empty() {
                        <optgroup label={lang.t(Msg::WorkshopExercises)}>{ for exercises.iter().map(option) }</optgroup>
                    }
                    if current_shipped.is_empty() && !current.is_empty() {
                        <option value={current.clone()} selected=true>{ lang.f(Msg::LoadedScenario, &[&current]) }</option>
                    }
                </select>
            </label>
            if !variants.is_empty() {
                <label class="field">
                    <span>{ lang.t(Msg::Variant) }</span>
                    <select onchange={on_variant} aria-label={lang.t(Msg::Variant)} name="variant">
                        <option value="" selected={active_variant.is_empty()}>{ lang.t(Msg::OriginalTimeline) }</option>
                        { for variants.iter().map(|v| html! {
                            <option value={v.name.clone()} selected={v.name == active_variant}>
                                { v.title_in(lang.code()) }
                            </option>
                        }) }
                    </select>
                </label>
            }
            <button type="button" class="edit-yaml" aria-pressed={editing.to_string()} onclick={on_edit}>
                { lang.t(Msg::EditYaml) }
            </button>
            <label class="button file-button">
                { lang.t(Msg::OpenYamlFile) }
                <input type="file" accept=".yaml,.yml,text/yaml" onchange={on_file} class="visually-hidden" />
            </label>
            <details class="paste">
                <summary>{ lang.t(Msg::PasteYaml) }</summary>
                <textarea ref={paste_ref} rows="10" spellcheck="false" aria-label={lang.t(Msg::ScenarioYaml)} name="paste"
                    placeholder="apiVersion: vipsim/v1&#10;kind: Scenario&#10;…" />
                <button type="button" onclick={on_paste}>{ lang.t(Msg::LoadPasted) }</button>
            </details>
        </nav>
    }
}
