//! The console: command lines on a chosen host at the cursor, answered by
//! the core's console exactly as the CLI prints them. Up/Down walk the
//! history; Tab completes command names and then host names. Commands that
//! take time or change the world run in a new branch and print when the
//! cursor reaches their completion (the state module decides which).

use super::i18n::Msg;
use super::state::{Action, ConsoleResult, use_store};
use crate::console::COMMANDS;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// The longest common prefix of `words`.
fn common_prefix<'a>(mut words: impl Iterator<Item = &'a str>) -> String {
    let Some(first) = words.next() else { return String::new() };
    let mut prefix = first.to_string();
    for w in words {
        while !w.starts_with(&prefix) {
            prefix.pop();
        }
    }
    prefix
}

/// Completes the last word of `line`: a command name first, then host names.
/// Returns the new line and, when ambiguous, the candidates.
fn complete(line: &str, hosts: &[String]) -> (String, Vec<String>) {
    let (head, word) = match line.rfind(' ') {
        Some(i) => (&line[..=i], &line[i + 1..]),
        None => ("", line),
    };
    let pool: Vec<&str> = if head.trim().is_empty() {
        COMMANDS.iter().map(|c| c.0).collect()
    } else {
        hosts.iter().map(String::as_str).collect()
    };
    let matches: Vec<&str> = pool.into_iter().filter(|c| c.starts_with(word)).collect();
    match matches.as_slice() {
        [] => (line.to_string(), Vec::new()),
        [one] => (format!("{head}{one} "), Vec::new()),
        many => {
            let prefix = common_prefix(many.iter().copied());
            (format!("{head}{prefix}"), many.iter().map(|s| s.to_string()).collect())
        }
    }
}

#[function_component(Console)]
pub fn console() -> Html {
    let store = use_store();
    let lang = store.lang;
    let host = use_state(String::new);
    let line = use_state(String::new);
    let hint = use_state(Vec::<String>::new);
    // Lines typed so far, and where Up/Down is in them (len = the fresh line).
    let history = use_mut_ref(Vec::<String>::new);
    let place = use_mut_ref(|| 0usize);
    let Some(entry) = store.active().cloned() else { return html! {} };
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
        let hosts = hosts.clone();
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
                    let (completed, candidates) = complete(&line, &hosts);
                    line.set(completed);
                    hint.set(candidates);
                }
                _ => return,
            }
            e.prevent_default();
        })
    };
    let cursor = run.cursor();
    let entries = store.console.iter().map(|c| {
        let here = c.run == entry.id;
        let run_name = store.runs.iter().find(|r| r.id == c.run).map(|r| r.title(lang)).unwrap_or_default();
        let output = match &c.result {
            ConsoleResult::Printed(text) => html! { <pre class="out">{ text }</pre> },
            ConsoleResult::Unfinished { end } => html! {
                <p class="pending">{ lang.f(Msg::StillRunning, &[&end.saturating_since(crate::time::Instant::ZERO).human()]) }</p>
            },
            ConsoleResult::Pending { step, output, .. } if here && cursor >= *step => {
                html! { <pre class="out">{ output }</pre> }
            }
            ConsoleResult::Pending { step, done, .. } => {
                let store = store.clone();
                let step = *step;
                let target = store.run_index(c.run);
                let jump = Callback::from(move |_| {
                    if let Some(i) = target {
                        store.dispatch(Action::SwitchRun(i));
                    }
                    store.dispatch(Action::SeekStep(step));
                });
                html! {
                    <p class="pending">
                        { if here { lang.f(Msg::RunningUntil, &[&super::secs(*done)]) } else { lang.f(Msg::RunningUntilIn, &[&super::secs(*done), &run_name]) } }
                        { " " }
                        <button type="button" onclick={jump}>{ lang.t(Msg::JumpThere) }</button>
                    </p>
                }
            }
        };
        html! {
            <li class={classes!((!here).then_some("other-run"))}>
                <div class="cmd"><span class="at">{ format!("[{}] ", super::secs(c.at)) }</span>
                    <span class="prompt">{ format!("{}$ ", c.host) }</span>{ &c.line }</div>
                { output }
            </li>
        }
    });
    html! {
        <section class="panel console" aria-labelledby="console-title" data-panel="console">
            <h2 id="console-title">{ lang.t(Msg::PanelConsole) }</h2>
            <p class="hint">{ lang.t(Msg::ConsoleHintBefore) }<code>{ "help" }</code>{ lang.t(Msg::ConsoleHintAfter) }</p>
            <ol class="console-log" role="log" aria-live="polite" aria-label={lang.t(Msg::ConsoleOutput)}>{ for entries }</ol>
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
                <p class="completions" aria-live="polite">{ hint.join("  ") }</p>
            }
        </section>
    }
}
