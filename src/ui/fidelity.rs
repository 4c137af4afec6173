//! "How real is this?": the project's FIDELITY.md (read by the core into
//! [`crate::fidelity::Page`]) as a dialog. Every scenario's lesson links to
//! it, and so does the footer. It marks the versions the open scenario
//! runs, and filters behaviours by verdict. The page is fetched from the
//! site the first time the dialog opens (the wasm does not carry it) and
//! kept for the rest of the visit; the service worker keeps it offline.
//!
//! Keyboard: the opener is a button; the dialog takes focus, Tab cycles
//! inside it, Esc or Close returns focus to the opener.

use super::i18n::{Lang, Msg};
use super::markdown;
use super::state::use_store;
use crate::fidelity::{Behaviour, Body, Page, Section, Verdict, components_in_use};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlElement;
use yew::prelude::*;

thread_local! {
    /// The page once read: the dialog opens again without fetching it.
    static READ: RefCell<Option<Rc<Page>>> = const { RefCell::new(None) };
}

/// The fidelity page, as far as the dialog has it.
#[derive(Clone, PartialEq)]
enum Loaded {
    Reading,
    Read(Rc<Page>),
    /// Why it could not be read (offline before it was ever kept, a
    /// server without the file, a malformed page).
    Failed(String),
}

/// Fetches and parses the site's copy of FIDELITY.md, next to the page.
async fn fetch_page() -> Result<Page, String> {
    let reason = |e: JsValue| {
        e.dyn_ref::<js_sys::Error>().map_or_else(|| "network error".to_string(), |e| String::from(e.message()))
    };
    let response = JsFuture::from(gloo::utils::window().fetch_with_str(crate::fidelity::FILE)).await.map_err(reason)?;
    let response: web_sys::Response = response.dyn_into().map_err(reason)?;
    if !response.ok() {
        return Err(format!("HTTP {}", response.status()));
    }
    let text = JsFuture::from(response.text().map_err(reason)?).await.map_err(reason)?;
    crate::fidelity::parse(&text.as_string().unwrap_or_default()).map_err(|e| e.to_string())
}

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The opener's text; the lesson and the footer word it differently.
    #[prop_or(Msg::HowReal)]
    pub label: Msg,
}

/// A button that opens the panel, and the panel while it is open.
#[function_component(HowReal)]
pub fn how_real(props: &Props) -> Html {
    let lang = use_store().lang;
    let open = use_state(|| false);
    let opener = use_node_ref();
    let toggle = |to: bool| {
        let open = open.clone();
        let opener = opener.clone();
        Callback::from(move |_: ()| {
            open.set(to);
            if !to && let Some(b) = opener.cast::<HtmlElement>() {
                let _ = b.focus();
            }
        })
    };
    let (show, hide) = (toggle(true).reform(|_: MouseEvent| ()), toggle(false));
    html! {
        <>
            <button type="button" class="link-button how-real-open" ref={opener} aria-haspopup="dialog"
                    onclick={show}>{ lang.t(props.label) }</button>
            if *open {
                // In the body, so no column's stacking context can draw over it.
                { create_portal(html! { <FidelityDialog on_close={hide} /> }, gloo::utils::body().into()) }
            }
        </>
    }
}

#[derive(Properties, PartialEq)]
struct DialogProps {
    on_close: Callback<()>,
}

/// Which verdicts are shown; `None` shows all.
type Filter = Option<Verdict>;

/// The focusable elements inside `root`, in document order.
fn focusables(root: &HtmlElement) -> Vec<HtmlElement> {
    let Ok(list) = root.query_selector_all("button, a[href], [tabindex='0']") else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.item(i)?.dyn_into::<HtmlElement>().ok()).collect()
}

#[function_component(FidelityDialog)]
fn fidelity_dialog(props: &DialogProps) -> Html {
    let store = use_store();
    let loaded = use_state(|| READ.with_borrow(Clone::clone).map_or(Loaded::Reading, Loaded::Read));
    {
        let loaded = loaded.clone();
        use_effect_with((), move |_| {
            if *loaded == Loaded::Reading {
                yew::platform::spawn_local(async move {
                    loaded.set(match fetch_page().await {
                        Ok(page) => {
                            let page = Rc::new(page);
                            READ.with_borrow_mut(|read| *read = Some(page.clone()));
                            Loaded::Read(page)
                        }
                        Err(reason) => Loaded::Failed(reason),
                    });
                });
            }
        });
    }
    let filter = use_state(|| None as Filter);
    let dialog = use_node_ref();
    {
        let dialog = dialog.clone();
        use_effect_with((), move |_| {
            if let Some(d) = dialog.cast::<HtmlElement>() {
                let _ = d.focus();
            }
        });
    }
    let in_use: Vec<&'static str> =
        store.active().map(|e| components_in_use(&e.run.borrow().world().cluster.config)).unwrap_or_default();
    let lang = store.lang;
    let scenario_title = store.scenario.as_ref().map(|s| s.doc.metadata.title_in(lang.code()).to_string());

    // Esc closes (and goes no further: the page's own Esc clears the record
    // view); Tab and Shift+Tab wrap around inside the dialog.
    let onkeydown = {
        let close = props.on_close.clone();
        let dialog = dialog.clone();
        Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            "Escape" => {
                e.prevent_default();
                e.stop_propagation();
                close.emit(());
            }
            "Tab" => {
                let Some(root) = dialog.cast::<HtmlElement>() else { return };
                let items = focusables(&root);
                let (Some(first), Some(last)) = (items.first(), items.last()) else { return };
                let active = gloo::utils::document().active_element();
                let at =
                    |el: &HtmlElement| active.as_ref().is_some_and(|a| a == el.unchecked_ref::<web_sys::Element>());
                if e.shift_key() && (at(first) || at(&root)) {
                    e.prevent_default();
                    let _ = last.focus();
                } else if !e.shift_key() && at(last) {
                    e.prevent_default();
                    let _ = first.focus();
                }
            }
            _ => {}
        })
    };
    let close = props.on_close.reform(|_: MouseEvent| ());
    let chip = |label: String, value: Filter| {
        let filter = filter.clone();
        let pressed = *filter == value;
        html! {
            <button type="button" class="chip" aria-pressed={pressed.to_string()}
                    onclick={Callback::from(move |_| filter.set(value))}>{ label }</button>
        }
    };
    let (title, body) = match &*loaded {
        Loaded::Read(page) => {
            let counts = |v: Verdict| page.behaviours().filter(|(_, b)| b.verdict == v).count();
            let total = page.behaviours().count();
            let body = html! {
                <>
                    <div class="intro">{ markdown::render(&page.intro) }</div>
                    if let Some(title) = scenario_title.filter(|_| !in_use.is_empty()) {
                        <p class="in-use">
                            { lang.f(Msg::HowRealInUse, &[&title, &in_use.join(", ")]) }
                        </p>
                    }
                    <div class="chips" role="group" aria-label={lang.t(Msg::HowRealFilter)}>
                        { chip(lang.f(Msg::HowRealAll, &[&total]), None) }
                        { for [Verdict::Exact, Verdict::Simplified, Verdict::NotModelled].into_iter().map(|v| {
                            chip(format!("{} ({})", verdict_name(lang, v), counts(v)), Some(v))
                        }) }
                    </div>
                    { for page.sections.iter().map(|s| section(lang, s, *filter, &in_use)) }
                </>
            };
            (page.title.clone(), body)
        }
        Loaded::Reading => (
            lang.t(Msg::HowReal).to_string(),
            html! { <p class="intro" role="status">{ lang.t(Msg::HowRealLoading) }</p> },
        ),
        Loaded::Failed(reason) => (
            lang.t(Msg::HowReal).to_string(),
            html! { <p class="intro" role="alert">{ lang.f(Msg::HowRealUnavailable, &[reason]) }</p> },
        ),
    };
    html! {
        <div class="dialog-backdrop" onclick={close.clone()}>
            <div class="dialog fidelity" role="dialog" aria-modal="true" aria-labelledby="fidelity-title"
                 aria-busy={(*loaded == Loaded::Reading).to_string()}
                 tabindex="-1" ref={dialog} {onkeydown}
                 onclick={Callback::from(|e: MouseEvent| e.stop_propagation())}>
                <header class="dialog-head">
                    <h2 id="fidelity-title">{ title }</h2>
                    <button type="button" onclick={close.clone()} aria-label={lang.t(Msg::HowRealClose)}>{ lang.t(Msg::Close) }</button>
                </header>
                { body }
                <button type="button" onclick={close}>{ lang.t(Msg::Close) }</button>
            </div>
        </div>
    }
}

fn verdict_name(lang: Lang, v: Verdict) -> &'static str {
    lang.t(match v {
        Verdict::Exact => Msg::VerdictExact,
        Verdict::Simplified => Msg::VerdictSimplified,
        Verdict::NotModelled => Msg::VerdictNotModelled,
    })
}

fn verdict_badge(lang: Lang, v: Verdict) -> Html {
    let class = match v {
        Verdict::Exact => "exact",
        Verdict::Simplified => "simplified",
        Verdict::NotModelled => "not-modelled",
    };
    html! { <span class={classes!("verdict", class)}>{ verdict_name(lang, v) }</span> }
}

fn behaviour_row(lang: Lang, b: &Behaviour) -> Html {
    html! {
        <tr>
            <th scope="row">{ markdown::inline(&b.what) }</th>
            <td>
                { verdict_badge(lang, b.verdict) }
                if !b.detail.is_empty() { { " " }{ markdown::inline(&b.detail) } }
            </td>
            <td class="evidence">{ markdown::inline(&b.evidence) }</td>
        </tr>
    }
}

fn section(lang: Lang, s: &Section, filter: Filter, in_use: &[&str]) -> Html {
    let id = format!("fidelity-{}", s.title.to_ascii_lowercase().replace(|c: char| !c.is_ascii_alphanumeric(), "-"));
    let body = match &s.body {
        Body::Behaviours(rows) => {
            let shown: Vec<&Behaviour> = rows.iter().filter(|b| filter.is_none_or(|v| b.verdict == v)).collect();
            if shown.is_empty() {
                return html! {};
            }
            html! {
                <div class="table-scroll" tabindex="0" role="region" aria-labelledby={id.clone()}>
                    <table class="data">
                        <thead><tr>
                            <th scope="col">{ lang.t(Msg::HowRealBehaviour) }</th>
                            <th scope="col">{ lang.t(Msg::HowRealStatus) }</th>
                            <th scope="col">{ lang.t(Msg::HowRealEvidence) }</th>
                        </tr></thead>
                        <tbody>{ for shown.into_iter().map(|b| behaviour_row(lang, b)) }</tbody>
                    </table>
                </div>
            }
        }
        Body::Table { header, rows } => html! {
            <table class="data">
                <thead><tr>{ for header.iter().map(|h| html! { <th scope="col">{ h }</th> }) }</tr></thead>
                <tbody>
                    { for rows.iter().map(|r| {
                        let used = r.first().is_some_and(|c| in_use.contains(&c.as_str()));
                        html! {
                            <tr class={classes!(used.then_some("changed"))}>
                                { for r.iter().enumerate().map(|(i, c)| if i == 0 {
                                    html! { <th scope="row">{ markdown::inline(c) }</th> }
                                } else {
                                    html! { <td>{ markdown::inline(c) }</td> }
                                }) }
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
        },
        // The closing prose lists simplifications, so it stays under that filter.
        Body::Prose(text) if filter.is_none_or(|v| v == Verdict::Simplified) => {
            html! { <div class="prose">{ markdown::render(text) }</div> }
        }
        Body::Prose(_) => return html! {},
    };
    html! {
        <section aria-labelledby={id.clone()}>
            <h3 {id}>{ &s.title }</h3>
            { body }
        </section>
    }
}
