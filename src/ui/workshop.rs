//! The workshop index (`#/workshop`): the exercises in order with the
//! learner's progress on each, and the progress file: export it to keep it
//! or move it to another browser, import one back. An import is checked
//! before anything changes (`Progress::from_json`); a bad file is reported
//! and the progress stays as it was; a good one is merged in.

use super::download;
use super::i18n::{Lang, Msg};
use super::state::{Action, use_store};
use super::storage;
use crate::catalog;
use crate::scenario::load;
use crate::share::{ExerciseProgress, Progress};
use gloo::file::ObjectUrl;
use gloo::file::callbacks::FileReader;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// An exercise as the index lists it.
#[derive(Clone, Debug, PartialEq)]
struct Exercise {
    shipped: catalog::Shipped,
    goals: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Done,
    Started,
    New,
}

impl Status {
    fn of(p: Option<&ExerciseProgress>) -> Status {
        match p {
            Some(p) if p.completed => Status::Done,
            Some(p) if !p.passed.is_empty() || p.hints.values().any(|n| *n > 0) || !p.edits.is_empty() => {
                Status::Started
            }
            _ => Status::New,
        }
    }

    fn id(self) -> &'static str {
        match self {
            Status::Done => "done",
            Status::Started => "in-progress",
            Status::New => "not-started",
        }
    }

    /// An icon and words, never the colour alone.
    fn said(self, lang: Lang) -> (&'static str, &'static str) {
        match self {
            Status::Done => ("✓", lang.t(Msg::StatusDone)),
            Status::Started => ("◐", lang.t(Msg::StatusStarted)),
            Status::New => ("○", lang.t(Msg::StatusNew)),
        }
    }
}

/// What the last import did.
#[derive(Clone, Debug, PartialEq)]
enum Imported {
    Merged(usize),
    Refused(String),
}

#[function_component(WorkshopIndex)]
pub fn workshop_index() -> Html {
    let store = use_store();
    let lang = store.lang;
    let exercises = use_memo((), |_| {
        catalog::workshop()
            .into_iter()
            .map(|shipped| {
                let goals = load::load(shipped.file, shipped.yaml).map(|s| s.doc.spec.goals.len()).unwrap_or_default();
                Exercise { shipped, goals }
            })
            .collect::<Vec<_>>()
    });
    let imported = use_state(|| None::<Imported>);
    let reader = use_mut_ref(|| None::<FileReader>);
    let keep_url = use_mut_ref(|| None::<ObjectUrl>);

    let progress = store.progress.clone();
    let done = exercises.iter().filter(|e| Status::of(progress.exercises.get(&e.shipped.id)) == Status::Done).count();
    let rows = exercises.iter().map(|e| {
        let mine = progress.exercises.get(&e.shipped.id);
        let status = Status::of(mine);
        let (icon, said) = status.said(lang);
        let passed = mine.map(|p| p.passed.len()).unwrap_or(0).min(e.goals);
        let hints: u32 = mine.map(|p| p.hints.values().map(|n| u32::from(*n)).sum()).unwrap_or(0);
        html! {
            <li class={classes!("exercise", status.id())} data-exercise={e.shipped.id.clone()} data-status={status.id()}>
                <span class="status"><span aria-hidden="true">{ icon }</span>{ " " }{ said }</span>
                <a href={format!("#{}", e.shipped.id)}>{ e.shipped.title_in(lang.code()) }</a>
                <span class="figures">{ lang.f(Msg::GoalsPassedOf, &[&passed, &e.goals]) }
                    if hints > 0 { { " · " }{ if hints == 1 { lang.t(Msg::HintsUsedOne).to_string() } else { lang.f(Msg::HintsUsed, &[&hints]) } } }
                </span>
            </li>
        }
    });

    let export = {
        let progress = progress.clone();
        let keep = keep_url.clone();
        Callback::from(move |_| {
            download(&keep, "vipsim-progress.json", progress.to_json().as_bytes(), "application/json")
        })
    };
    let import = {
        let dispatcher = store.dispatcher();
        let imported = imported.clone();
        let reader = reader.clone();
        Callback::from(move |e: Event| {
            let input = e.target_unchecked_into::<HtmlInputElement>();
            let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
            let (dispatcher, imported) = (dispatcher.clone(), imported.clone());
            let file = gloo::file::File::from(file);
            let task = gloo::file::callbacks::read_as_text(&file, move |text| {
                let ids = storage::exercise_ids();
                let known: Vec<&str> = ids.iter().map(String::as_str).collect();
                let checked = text.map_err(|e| e.to_string()).and_then(|t| Progress::from_json(&t, Some(&known)));
                imported.set(Some(match checked {
                    Ok(p) => {
                        let n = p.exercises.len();
                        dispatcher.dispatch(Action::ImportProgress(p));
                        Imported::Merged(n)
                    }
                    Err(why) => Imported::Refused(why),
                }));
            });
            *reader.borrow_mut() = Some(task);
            input.set_value("");
        })
    };

    html! {
        <main class="workshop-index">
            <section class="panel" aria-labelledby="workshop-title" data-panel="workshop">
                <h2 id="workshop-title">{ lang.t(Msg::WorkshopTitle) }</h2>
                <p class="hint">{ lang.t(Msg::WorkshopIntro) }</p>
                <p class="summary" data-done={done.to_string()}>{ lang.f(Msg::ExercisesDone, &[&done, &exercises.len()]) }</p>
                if let Some((why, key)) = &store.progress_unreadable {
                    <p class="error" role="alert">{ lang.f(Msg::ProgressUnreadable, &[why, key]) }</p>
                }
                <ol class="exercises">{ for rows }</ol>
                <p class="class-link"><a href={super::route::CLASS_HASH}>{ lang.t(Msg::ClassLink) }</a></p>
            </section>
            <section class="panel progress-file" aria-labelledby="progress-title">
                <h2 id="progress-title">{ lang.t(Msg::YourProgress) }</h2>
                <p class="hint">{ lang.t(Msg::ProgressHint) }</p>
                <div class="row">
                    <button type="button" data-do="export-progress" onclick={export}>{ lang.t(Msg::ExportProgress) }</button>
                    <label class="button file-button">
                        { lang.t(Msg::ImportProgress) }
                        <input type="file" name="import-progress" accept=".json,application/json" onchange={import}
                            class="visually-hidden" />
                    </label>
                </div>
                { match &*imported {
                    Some(Imported::Merged(n)) => html! {
                        <p class="import-result ok" role="status" data-result="merged">{ if *n == 1 { lang.t(Msg::ImportMergedOne).to_string() } else { lang.f(Msg::ImportMerged, &[n]) } }</p>
                    },
                    Some(Imported::Refused(why)) => html! {
                        <p class="import-result error" role="alert" data-result="refused">{ lang.f(Msg::ImportRefused, &[why]) }</p>
                    },
                    None => html! {},
                } }
            </section>
        </main>
    }
}
