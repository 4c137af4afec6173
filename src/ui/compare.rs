//! Compare: the shown run beside another one (a variant, computed on
//! demand, any branch, or a shipped scenario on the same LAN such as the
//! BGP version of an L2 story) on one time axis to the end of the longer
//! run, across the page's whole width: their requests lane by lane, how
//! the router reached the VIP in each, the figures side by side ("70 s
//! blackhole" against "5 s outage"), and one cursor line over both.

use super::charts::{ChartFigure, path_chart, requests_chart, secs_f, use_canvas};
use super::i18n::Msg;
use super::state::{Action, use_store};
use crate::view::charts::requests_summary;
use crate::view::compare::{hint, same_lan};
use crate::view::duration;
use std::rc::Rc;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// Option values: a run index, a variant not computed yet, or a shipped scenario.
const VARIANT: &str = "variant:";
const ORIGINAL: &str = "original";
const SHIPPED: &str = "shipped:";

#[function_component(Compare)]
pub fn compare() -> Html {
    let store = use_store();
    let lang = store.lang;
    let pair = store.active().cloned().zip(store.compared().cloned());
    let lan = use_memo(store.scenario.as_ref().map(|s| Rc::as_ptr(s) as usize), {
        let scenario = store.scenario.clone();
        move |_| scenario.map(|s| same_lan(&s)).unwrap_or_default()
    });
    let heading = use_node_ref();
    let canvas = use_canvas(heading.clone(), store.active().is_some());
    let drawn = use_memo((pair.as_ref().map(|(a, b)| (a.rev, b.rev)), lang, canvas), {
        let pair = pair.clone();
        move |(_, lang, canvas)| {
            pair.map(|(a, b)| {
                // One time axis to the end of the longer run.
                let end = a.run.borrow().end.max(b.run.borrow().end);
                let runs = [(&a.story, "A"), (&b.story, "B")];
                (
                    Rc::new(requests_chart(&runs, end, *lang, *canvas)),
                    Rc::new(path_chart(&runs, end, *lang, *canvas)),
                    end,
                )
            })
        }
    });
    let Some(active) = store.active().cloned() else { return html! {} };
    let variants = store.scenario.as_ref().map(|s| s.doc.spec.variants.clone()).unwrap_or_default();
    let computed = |v: Option<&str>| store.runs.iter().any(|r| r.fork.is_none() && r.variant.as_deref() == v);
    let on_pick = {
        let store = store.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            if v.is_empty() {
                store.dispatch(Action::Compare(None));
            } else if v == ORIGINAL {
                store.dispatch(Action::CompareVariant(None));
            } else if let Some(name) = v.strip_prefix(VARIANT) {
                store.dispatch(Action::CompareVariant(Some(name.to_string())));
            } else if let Some(id) = v.strip_prefix(SHIPPED) {
                store.dispatch(Action::CompareShipped(id.to_string()));
            } else if let Ok(i) = v.parse() {
                store.dispatch(Action::Compare(Some(i)));
            }
        })
    };
    let picked = match (&store.compare, &store.other_id) {
        (Some(i), _) => i.to_string(),
        (None, Some(id)) => format!("{SHIPPED}{id}"),
        (None, None) => String::new(),
    };
    let picker = html! {
        <label class="field">
            <span>{ lang.t(Msg::CompareWith) }</span>
            <select onchange={on_pick} aria-label={lang.t(Msg::CompareWith)} name="compare">
                <option value="" selected={picked.is_empty()}>{ lang.t(Msg::Nothing) }</option>
                { for store.runs.iter().enumerate().filter(|(i, _)| *i != store.active).map(|(i, r)| html! {
                    <option value={i.to_string()} selected={picked == i.to_string()}>{ lang.f(Msg::RunOption, &[&r.title(lang)]) }</option>
                }) }
                if !computed(None) {
                    <option value={ORIGINAL}>{ lang.f(Msg::VariantOption, &[&lang.t(Msg::OriginalTimeline)]) }</option>
                }
                { for variants.iter().filter(|v| !computed(Some(&v.name))).map(|v| html! {
                    <option value={format!("{VARIANT}{}", v.name)}>
                        { lang.f(Msg::VariantOption, &[&v.title_in(lang.code())]) }
                    </option>
                }) }
                { for lan.iter().map(|s| {
                    let value = format!("{SHIPPED}{}", s.id);
                    html! {
                        <option value={value.clone()} selected={picked == value}>{ lang.f(Msg::SameLanOption, &[&s.title_in(lang.code())]) }</option>
                    }
                }) }
            </select>
        </label>
    };
    let body = match (pair, (*drawn).clone()) {
        (Some((a, b)), Some((requests, path, end))) => {
            let at = secs_f(store.time) / secs_f(end).max(1e-9);
            let row = |name: &str, e: &super::state::RunEntry| {
                let longest = e.story.longest_outage();
                html! {
                    <tr data-run={e.id.to_string()}
                        data-longest-outage-ms={longest.map(|o| o.length().as_millis()).unwrap_or(0).to_string()}>
                        <th scope="row">{ format!("{name}: {}", e.title(lang)) }</th>
                        <td>{ format!("{} / {}", e.story.failures(), e.story.requests()) }</td>
                        <td>{ longest.map(|o| format!("{}{}", duration(o.length(), lang), if o.ongoing { lang.t(Msg::UntilTheEnd) } else { "" }))
                                .unwrap_or_else(|| lang.t(Msg::None).into()) }</td>
                        <td>{ e.story.path.iter().filter(|s| !s.via.is_empty()).count() }</td>
                    </tr>
                }
            };
            let a_text = requests_summary(&a.story, lang);
            let b_text = requests_summary(&b.story, lang);
            html! {
                <>
                    <table class="data compare-table">
                        <thead><tr>
                            <th scope="col">{ lang.t(Msg::Run) }</th><th scope="col">{ lang.t(Msg::FailedRequests) }</th>
                            <th scope="col">{ lang.t(Msg::LongestOutage) }</th><th scope="col">{ lang.t(Msg::PathChanges) }</th>
                        </tr></thead>
                        <tbody>{ row("A", &a) }{ row("B", &b) }</tbody>
                    </table>
                    <ChartFigure name="compare-requests" chart={requests} at={at} lang={lang}
                        title={lang.f(Msg::CompareRequestsTitle, &[&a.title(lang), &b.title(lang)])}
                        summary={html! { { format!("A: {a_text} B: {b_text}") } }} />
                    <ChartFigure name="compare-path" chart={path} at={at} lang={lang} title={lang.t(Msg::ComparePathTitle)}
                        summary={html! { { lang.t(Msg::ComparePathSummary) } }} />
                </>
            }
        }
        _ => html! {
            <p class="hint">{ store.scenario.as_ref().map(|s| hint(s, &lan, lang)).unwrap_or_default() }</p>
        },
    };
    html! {
        <section class="panel compare" aria-labelledby="compare-title" data-panel="compare">
            <h2 id="compare-title" ref={heading}>{ lang.f(Msg::CompareTitle, &[&active.title(lang)]) }</h2>
            { picker }
            { body }
        </section>
    }
}
