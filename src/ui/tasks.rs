//! The workshop's tasks: the scenario's goals beside the topology, checked
//! live at the cursor of the run on screen. The learner acts (faults, the
//! console, edited manifests, router settings: each a branch) and sees
//! each goal pass or fail, with what was found (`GoalResult::found`, in the learner's language).
//! Hints come one at a time (nudge, pointer, solution); "show the
//! solution" opens the author's solution run.
//!
//! A goal counts as passed for the learner's progress when it holds at the
//! cursor *and* over the whole run, as `vipsim check` evaluates it (each
//! goal at its `at`, or at the end): a goal that only holds for now (no
//! flood yet because the trap comes later) is not yet done.

use super::i18n::{self, Lang, Msg};
use super::markdown;
use super::route::WORKSHOP_HASH;
use super::state::{Action, AppState, use_store};
use crate::play::goals::{self, Found, GoalResult};
use crate::scenario::spec::{Goal, SOLUTION};
use crate::time::Instant;
use yew::prelude::*;

/// A goal at the cursor.
#[derive(Clone, Debug, PartialEq)]
enum Verdict {
    /// Holds now; `to_end` is the whole-run check when it disagrees.
    Pass {
        found: Found,
        to_end: Option<Found>,
    },
    Fail {
        found: Option<Found>,
    },
    /// Checked at a later time of the run (`at:`).
    Pending {
        at: Instant,
    },
}

impl Verdict {
    fn state(&self) -> &'static str {
        match self {
            Verdict::Pass { to_end: None, .. } => "pass",
            Verdict::Pass { .. } => "pass-now",
            Verdict::Fail { .. } => "fail",
            Verdict::Pending { .. } => "pending",
        }
    }

    /// Whether the goal counts as done: now and over the whole run.
    fn counts(&self) -> bool {
        matches!(self, Verdict::Pass { to_end: None, .. })
    }
}

/// Each goal at the cursor, given the whole-run results.
fn verdicts(goals: &[Goal], live: &[Option<GoalResult>], whole: &[GoalResult], now: Instant) -> Vec<Verdict> {
    goals
        .iter()
        .enumerate()
        .map(|(i, goal)| {
            let whole = whole.get(i);
            match goal.at.map(|d| Instant::ZERO + d) {
                Some(at) if now < at => Verdict::Pending { at },
                // A goal with a time is evaluated there, whatever the cursor.
                Some(_) => match whole {
                    Some(r) if r.pass => Verdict::Pass { found: r.found.clone(), to_end: None },
                    Some(r) => Verdict::Fail { found: Some(r.found.clone()) },
                    None => Verdict::Fail { found: None },
                },
                None => match (live.get(i).and_then(Option::as_ref), whole) {
                    (Some(l), Some(w)) if l.pass => {
                        Verdict::Pass { found: l.found.clone(), to_end: (!w.pass).then(|| w.found.clone()) }
                    }
                    (Some(l), _) => Verdict::Fail { found: Some(l.found.clone()) },
                    (None, _) => Verdict::Fail { found: None },
                },
            }
        })
        .collect()
}

/// The name of a hint's tier, by its place in the goal's list.
fn tier(index: usize, lang: Lang) -> &'static str {
    lang.t(match index {
        0 => Msg::HintNudge,
        1 => Msg::HintPointer,
        _ => Msg::HintSolution,
    })
}

/// The most recent run that is the learner's own, to go back to from the solution.
fn latest_own_run(s: &AppState) -> Option<usize> {
    (0..s.runs.len()).rev().find(|i| s.lineage(&s.runs[*i]).0.is_none())
}

#[function_component(Tasks)]
pub fn tasks() -> Html {
    let store = use_store();
    let lang = store.lang;
    let entry = store.active().cloned();
    let cursor = store.cursor();
    // Over the whole run, as `vipsim check` does: once per run.
    let whole = use_memo(entry.as_ref().map(|e| e.rev), {
        let entry = entry.clone();
        move |_| entry.map(|e| goals::evaluate(&e.run.borrow())).unwrap_or_default()
    });
    // At the cursor, as it moves: the goals without a time (one with a
    // time is judged at it, from the whole run). A command goal runs its
    // command in a copy of the world, too much to do for nothing on every step.
    let live = use_memo((entry.as_ref().map(|e| e.rev), cursor), {
        let entry = entry.clone();
        move |_| {
            let Some(e) = entry else { return (Vec::new(), Instant::ZERO) };
            let run = e.run.borrow();
            let (world, visible) = (run.world(), run.visible());
            let results = run
                .scenario
                .doc
                .spec
                .goals
                .iter()
                .map(|g| g.at.is_none().then(|| goals::check(g, world, visible, world.now)))
                .collect();
            (results, world.now)
        }
    });
    let goals: &[Goal] = store.scenario.as_ref().map_or(&[], |s| s.doc.spec.goals.as_slice());
    let verdicts = verdicts(goals, &live.0, &whole, live.1);

    // Record what counts in the learner's progress.
    {
        let dispatcher = store.dispatcher();
        let counted: Vec<String> =
            goals.iter().zip(&verdicts).filter(|(_, v)| v.counts()).map(|(g, _)| g.name.clone()).collect();
        let complete = !goals.is_empty() && counted.len() == goals.len();
        let saved = store.exercise_progress().cloned().unwrap_or_default();
        let news = counted.iter().any(|n| !saved.passed.contains(n)) || (complete && !saved.completed);
        let record = store.exercise.is_some() && store.own_run() && news;
        use_effect_with((record, counted, complete), move |(record, counted, complete)| {
            if *record {
                dispatcher.dispatch(Action::GoalsPassed { names: counted.clone(), complete: *complete });
            }
        });
    }

    let Some(scenario) = store.scenario.clone() else { return html! {} };
    let code = lang.code();
    // A story's goals say what its run demonstrates: a quiet list, ticked
    // as the cursor reaches what they check. Graded tasks (red until done,
    // hints) are for exercises.
    if scenario.doc.metadata.exercise.is_none() {
        let items = goals.iter().zip(&verdicts).enumerate().map(|(i, (goal, verdict))| {
            let shown = matches!(verdict, Verdict::Pass { .. });
            let (icon, said) = if shown { ("✓", Msg::ShownYet) } else { ("○", Msg::NotShownYet) };
            html! {
                <li class={classes!("shows", shown.then_some("shown"))} data-goal={i.to_string()} data-state={verdict.state()}>
                    <span class="icon" aria-hidden="true">{ icon }</span>
                    <span class="visually-hidden">{ format!("{}: ", lang.t(said)) }</span>
                    <span class="goal-name">{ goal.name_in(code) }</span>
                </li>
            }
        });
        return html! {
            <section class="panel tasks run-shows" aria-labelledby="tasks-title" data-panel="tasks">
                <h2 id="tasks-title">{ lang.t(Msg::RunShowsTitle) }</h2>
                <p class="hint">{ lang.t(Msg::RunShowsHint) }</p>
                <ul class="shows-list">{ for items }</ul>
            </section>
        };
    }
    // While the first task asks who answers, no card names the node.
    let concealed = store.concealed();
    let items = goals.iter().zip(&verdicts).enumerate().map(|(i, (goal, verdict))| {
        let hints = goal.hints_in(code);
        let shown = (store.hints.get(&goal.name).copied().unwrap_or(0) as usize).min(hints.len());
        let reveal = {
            let store = store.clone();
            let name = goal.name.clone();
            Callback::from(move |_| store.dispatch(Action::RevealHint(name.clone())))
        };
        let (icon, said) = match verdict {
            Verdict::Pass { to_end: None, .. } => ("✓", lang.t(Msg::GoalPasses)),
            Verdict::Pass { .. } => ("◐", lang.t(Msg::GoalPassesForNow)),
            Verdict::Fail { .. } => ("✗", lang.t(Msg::GoalNotYet)),
            Verdict::Pending { .. } => ("…", lang.t(Msg::GoalPending)),
        };
        // What was found, in one line, with the tools' names as code (never literal backticks).
        let found = |f: &Found| {
            markdown::inline(&if concealed { i18n::found_concealed(lang, f) } else { i18n::found(lang, f) })
        };
        html! {
            <li class={classes!("task", verdict.state())} data-goal={i.to_string()} data-state={verdict.state()}
                data-asks={goals::finding(goal).map(|_| "who-answers")}>
                <p class="verdict"><span class="icon" aria-hidden="true">{ icon }</span>{ " " }{ said }</p>
                <p class="goal-name">{ goal.name_in(code) }</p>
                { match verdict {
                    Verdict::Pass { found: f, to_end } => html! {
                        <>
                            <p class="detail">{ found(f) }</p>
                            if let Some(end) = to_end {
                                <p class="detail to-end">{ lang.t(Msg::GoalFailsByEndLead) }{ found(end) }</p>
                            }
                        </>
                    },
                    Verdict::Fail { found: Some(f) } => html! {
                        <p class="detail">{ lang.t(Msg::GoalFoundLead) }{ found(f) }</p>
                    },
                    Verdict::Fail { found: None } => html! {},
                    Verdict::Pending { at } => html! { <p class="detail">{ lang.f(Msg::GoalCheckedAt, &[&super::secs_in(*at, lang)]) }</p> },
                } }
                if shown > 0 {
                    <ol class="hints">
                        { for hints.iter().take(shown).enumerate().map(|(k, h)| html! {
                            <li data-tier={k.to_string()}><strong>{ tier(k, lang) }{ ": " }</strong>{ markdown::inline(h) }</li>
                        }) }
                    </ol>
                }
                if shown < hints.len() {
                    <button type="button" class="hint-button" data-do="hint" onclick={reveal}>
                        { lang.f(if shown == 0 { Msg::ShowHint } else { Msg::ShowNextHint }, &[&tier(shown, lang), &(shown + 1), &hints.len()]) }
                    </button>
                }
            </li>
        }
    });

    let has_solution =
        !scenario.doc.spec.solution.is_empty() || scenario.doc.spec.variants.iter().any(|v| v.name == SOLUTION);
    let watching_solution = store.watching_solution();
    let show_solution = {
        let store = store.clone();
        Callback::from(move |_| store.dispatch(Action::Variant(Some(SOLUTION.to_string()))))
    };
    let back = latest_own_run(&store).map(|i| {
        let store = store.clone();
        Callback::from(move |_| store.dispatch(Action::SwitchRun(i)))
    });
    let progress = store.exercise_progress();
    let complete = progress.is_some_and(|p| p.completed);
    let number = scenario.doc.metadata.exercise;
    html! {
        <section class="panel tasks" aria-labelledby="tasks-title" data-panel="tasks" data-complete={complete.to_string()}>
            <div class="panel-head">
                <h2 id="tasks-title">
                    { match number { Some(n) => lang.f(Msg::TasksOfExercise, &[&n]), None => lang.t(Msg::PanelTasks).into() } }
                </h2>
                <a href={WORKSHOP_HASH}>{ lang.t(Msg::AllExercises) }</a>
            </div>
            <p class="hint">{ lang.t(Msg::TasksHint) }</p>
            if complete {
                <p class="complete" role="status"><span aria-hidden="true">{ "✓ " }</span>{ lang.t(Msg::ExerciseComplete) }</p>
            }
            <ul class="task-list" aria-live="polite">{ for items }</ul>
            if watching_solution {
                <p class="solution-note">{ lang.t(Msg::WatchingSolution) }</p>
                if let Some(back) = back {
                    <button type="button" data-do="back-to-own" onclick={back}>{ lang.t(Msg::BackToYourRun) }</button>
                }
            } else if has_solution {
                <button type="button" class="solution-button" data-do="solution" onclick={show_solution}>
                    { lang.t(Msg::ShowSolution) }
                </button>
            }
            <super::handin::HandInMenu />
        </section>
    }
}
