//! The console: command lines on a chosen host at the cursor, answered by
//! the core's console exactly as the CLI prints them, like a terminal:
//! a command that takes simulated time runs the run forward to its end and
//! prints under its line (the core's [`crate::console::session`] decides;
//! the state keeps the session's branch). The scenario's own timeline
//! commands are in the history at their times, marked and read-only. Up
//! and Down walk the history; Tab completes commands and their arguments
//! ([`crate::console::complete`]).

use super::i18n::Msg;
use super::state::{Action, ConsoleResult, use_store};
use crate::console::complete::{Candidate, complete};
use crate::console::session::{self, Scripted};
use crate::sort::Sort;
use crate::time::Instant;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// A line of the history: the scenario's, or one the learner typed (by index).
enum Item<'a> {
    Scripted(&'a Scripted),
    Typed(usize),
}

#[function_component(Console)]
pub fn console() -> Html {
    let store = use_store();
    let lang = store.lang;
    let host = use_state(String::new);
    let line = use_state(String::new);
    let hint = use_state(Vec::<Candidate>::new);
    let log = use_node_ref();
    // Lines typed so far, and where Up/Down is in them (len = the fresh line).
    let history = use_mut_ref(Vec::<String>::new);
    let place = use_mut_ref(|| 0usize);
    // The scenario's commands finished by the cursor, once per run version and step.
    let entry = store.active().cloned();
    let cursor = store.cursor();
    let scripted = use_memo((entry.as_ref().map(|e| e.rev), cursor), {
        let entry = entry.clone();
        move |_| {
            entry
                .map(|e| {
                    let run = e.run.borrow();
                    session::scripted(run.world(), run.visible())
                })
                .unwrap_or_default()
        }
    });
    // The newest line stays in view, as in a terminal.
    {
        let log = log.clone();
        use_effect_with(store.console.len(), move |_| {
            if let Some(el) = log.cast::<web_sys::Element>() {
                el.set_scroll_top(el.scroll_height());
            }
        });
    }
    let Some(entry) = entry else { return html! {} };
    let run = entry.run.borrow();
    let hosts: Vec<String> = run.world().net.hosts.iter().map(|h| h.name.to_string()).collect();
    let default_host = store
        .host
        .clone()
        .filter(|h| hosts.contains(h))
        .or_else(|| {
            run.world().net.hosts.iter().find(|h| h.role == crate::net::Role::Client).map(|h| h.name.to_string())
        })
        .or_else(|| hosts.first().cloned())
        .unwrap_or_default();
    let chosen = if hosts.contains(&*host) { (*host).clone() } else { default_host };

    let on_host = {
        let host = host.clone();
        Callback::from(move |e: Event| host.set(e.target_unchecked_into::<HtmlSelectElement>().value()))
    };
    let on_input = {
        let line = line.clone();
        Callback::from(move |e: InputEvent| line.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let submit = {
        let store = store.clone();
        let line = line.clone();
        let history = history.clone();
        let place = place.clone();
        let hint = hint.clone();
        let chosen = chosen.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let text = line.trim().to_string();
            if text.is_empty() {
                return;
            }
            let mut h = history.borrow_mut();
            if h.last() != Some(&text) {
                h.push(text.clone());
            }
            *place.borrow_mut() = h.len();
            line.set(String::new());
            hint.set(Vec::new());
            if text == "clear" {
                store.dispatch(Action::ClearConsole);
            } else {
                store.dispatch(Action::Console { host: chosen.clone(), line: text });
            }
        })
    };
    let on_key = {
        let line = line.clone();
        let history = history.clone();
        let place = place.clone();
        let hint = hint.clone();
        let entry = entry.clone();
        let chosen = chosen.clone();
        Callback::from(move |e: KeyboardEvent| {
            let h = history.borrow();
            let mut p = place.borrow_mut();
            match e.key().as_str() {
                "ArrowUp" if *p > 0 => {
                    *p -= 1;
                    line.set(h[*p].clone());
                }
                "ArrowDown" if *p < h.len() => {
                    *p += 1;
                    line.set(h.get(*p).cloned().unwrap_or_default());
                }
                "Tab" if !line.is_empty() => {
                    let done = complete(entry.run.borrow().world(), &chosen, &line);
                    line.set(done.line);
                    hint.set(done.candidates);
                }
                _ => return,
            }
            e.prevent_default();
        })
    };
    let now = run.world().now;
    drop(run);
    // Oldest first by simulated time; a typed line after the scenario's at the same moment.
    let mut items: Vec<(Instant, Item)> = scripted.iter().map(|s| (s.started, Item::Scripted(s))).collect();
    items.extend(store.console.iter().enumerate().map(|(i, c)| (c.at, Item::Typed(i))));
    items.stable_sort_by_key(|(t, item)| (*t, matches!(item, Item::Typed(_))));
    let entries = items.into_iter().map(|(_, item)| match item {
        Item::Scripted(s) => {
            let repeated = s.every.map(|every| {
                lang.f(Msg::RanTimes, &[&s.runs, &super::secs_in(s.first, lang), &crate::view::duration(every, lang), &s.failed])
            });
            html! {
                <li class="scripted" data-from="scenario">
                    <div class="cmd"><span class="at">{ format!("[{}] ", super::secs(s.started)) }</span>
                        <span class="from" title={lang.t(Msg::FromScenarioTitle)}>{ lang.t(Msg::FromScenario) }</span>{ " " }
                        <span class="prompt">{ format!("{}$ ", s.host) }</span>{ &s.cmd }</div>
                    <pre class="out">{ &s.output }</pre>
                    if let Some(r) = repeated { <p class="repeats">{ r }</p> }
                </li>
            }
        }
        Item::Typed(i) => {
            let c = &store.console[i];
            let here = c.run == entry.id;
            let owner = store.runs.iter().find(|r| r.id == c.run);
            let output = match &c.result {
                ConsoleResult::Printed(text) => html! { <pre class="out">{ text }</pre> },
                ConsoleResult::Unfinished { end } => html! {
                    <p class="pending">{ lang.f(Msg::StillRunning, &[&super::secs_in(*end, lang)]) }</p>
                },
                ConsoleResult::Background => {
                    let done = owner.and_then(|o| {
                        let run = o.run.borrow();
                        session::finished(run.trace(), &c.host, &c.line, c.at)
                            .map(|r| (r.step, r.t, session::printed(r).unwrap_or_default()))
                    });
                    match done {
                        None if owner.is_none() => html! { <p class="pending">{ lang.t(Msg::RunDeleted) }</p> },
                        None => html! { <p class="pending">{ lang.f(Msg::StillRunning, &[&super::secs_in(owner.map(|o| o.run.borrow().end).unwrap_or(now), lang)]) }</p> },
                        Some((step, _, text)) if here && cursor >= step => html! { <pre class="out">{ text }</pre> },
                        Some((step, t, _)) => {
                            // Before the line was typed it is not running yet.
                            let said = if here && store.time < c.at {
                                lang.f(Msg::RunsFromUntil, &[&super::secs_in(c.at, lang), &super::secs_in(t, lang)])
                            } else {
                                lang.f(Msg::RunningUntil, &[&super::secs_in(t, lang)])
                            };
                            let store = store.clone();
                            let target = store.run_index(c.run);
                            let jump = Callback::from(move |_| {
                                if let Some(i) = target {
                                    store.dispatch(Action::SwitchRun(i));
                                }
                                store.dispatch(Action::SeekStep(step));
                            });
                            html! {
                                <p class="pending">
                                    { said }{ " " }
                                    <button type="button" onclick={jump}>{ lang.t(Msg::JumpThere) }</button>
                                </p>
                            }
                        }
                    }
                }
            };
            let elsewhere = (!here).then(|| match owner {
                Some(o) => lang.f(Msg::InRun, &[&o.title(lang)]),
                None => lang.t(Msg::RunDeleted).to_string(),
            });
            html! {
                <li class={classes!("typed", (!here).then_some("other-run"))} data-run={c.run.to_string()}>
                    <div class="cmd"><span class="at">{ format!("[{}] ", super::secs(c.at)) }</span>
                        <span class="prompt">{ format!("{}$ ", c.host) }</span>{ &c.line }
                        if matches!(c.result, ConsoleResult::Background) { { " &" } }
                        if let Some(e) = elsewhere { { " " }<span class="elsewhere">{ e }</span> }</div>
                    { output }
                </li>
            }
        }
    });
    html! {
        <section class="panel console" aria-labelledby="console-title" data-panel="console">
            <h2 id="console-title">{ lang.t(Msg::PanelConsole) }</h2>
            <p class="hint">{ lang.t(Msg::ConsoleHintBefore) }<code>{ "help" }</code>{ lang.t(Msg::ConsoleHintAfter) }</p>
            // The live log wraps the list: `role="log"` on the <ol> itself
            // would take its list role and leave the entries orphan <li>s
            // (axe-core listitem).
            <div role="log" aria-live="polite" aria-label={lang.t(Msg::ConsoleOutput)}>
                <ol class="console-log" ref={log}>{ for entries }</ol>
            </div>
            <form class="console-input" onsubmit={submit}>
                <label class="field">
                    <span class="visually-hidden">{ lang.t(Msg::Host) }</span>
                    <select onchange={on_host} aria-label={lang.t(Msg::ConsoleHost)} name="console-host">
                        { for hosts.iter().map(|h| html! { <option value={h.clone()} selected={*h == chosen}>{ h }</option> }) }
                    </select>
                </label>
                <span class="prompt" aria-hidden="true">{ "$" }</span>
                <input type="text" value={(*line).clone()} oninput={on_input} onkeydown={on_key} name="command"
                    aria-label={lang.t(Msg::Command)} autocomplete="off" spellcheck="false" placeholder="kubectl get svc" />
                <button type="submit">{ lang.t(Msg::RunCommand) }</button>
            </form>
            if !hint.is_empty() {
                <ul class="completions" aria-live="polite" aria-label={lang.t(Msg::Completions)}>
                    { for hint.iter().map(|c| html! {
                        <li><code>{ &c.word }</code>
                            if let Some(n) = &c.note { <span class="note">{ format!(" {n}") }</span> }</li>
                    }) }
                </ul>
            }
        </section>
    }
}
