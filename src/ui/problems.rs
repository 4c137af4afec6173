//! What could not be opened, said in the page: a scenario's loader errors,
//! each at file:line:column with its line quoted, and a link that is
//! damaged, from a newer app, or names a scenario this app lacks.

use super::i18n::Msg;
use super::state::{Action, LinkProblem, use_store};
use yew::prelude::*;

/// The loader's errors, each at file:line:column with its line quoted.
#[function_component(LoadProblemView)]
pub fn load_problem_view() -> Html {
    let store = use_store();
    let lang = store.lang;
    let Some(problem) = store.problem.clone() else { return html! {} };
    let dismiss = {
        let store = store.clone();
        Callback::from(move |_| store.dispatch(Action::DismissProblem))
    };
    let line_of = |n: usize| problem.text.as_ref().and_then(|t| t.lines().nth(n.checked_sub(1)?)).map(str::to_string);
    html! {
        <section class="load-problem" role="alert" aria-labelledby="load-problem-title">
            <h2 id="load-problem-title">{ lang.t(Msg::LoadProblemTitle) }</h2>
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
                        if let Some(s) = &d.suggestion { { lang.f(Msg::DidYouMean, &[s]) } }
                        if let Some(line) = line_of(d.line) {
                            <pre class="quote"><span class="line-no">{ format!("{:>4} | ", d.line) }</span>{ line }</pre>
                        }
                    </li>
                }) }
            </ul>
            <button type="button" onclick={dismiss}>{ lang.t(Msg::Dismiss) }</button>
        </section>
    }
}

/// Why the page's link could not be opened; the first scenario is shown instead.
#[function_component(LinkProblemView)]
pub fn link_problem_view() -> Html {
    let store = use_store();
    let lang = store.lang;
    let Some(problem) = store.link_problem.clone() else { return html! {} };
    let dismiss = {
        let store = store.clone();
        Callback::from(move |_| store.dispatch(Action::LinkProblem(None)))
    };
    let why = match &problem {
        LinkProblem::Unreadable(why) => why.clone(),
        LinkProblem::UnknownScenario(id) => lang.f(Msg::LinkUnknownScenario, &[id]),
    };
    html! {
        <section class="load-problem link-problem" role="alert" aria-labelledby="link-problem-title">
            <h2 id="link-problem-title">{ lang.t(Msg::LinkProblemTitle) }</h2>
            <p class="why">{ why }</p>
            <p>{ lang.t(Msg::LinkProblemFallback) }</p>
            <button type="button" onclick={dismiss}>{ lang.t(Msg::Dismiss) }</button>
        </section>
    }
}
