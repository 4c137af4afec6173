//! The class view (`#/class`): an instructor drops the learners' hand-in
//! files (or pastes their codes) and reads one table, a learner per row
//! and a goal per column ([`crate::view::class`]). Each hand-in is
//! replayed here, one per turn of the event loop, so the page keeps
//! answering (and shows how far it got) while a class of thirty replays.
//! Nothing is uploaded: there is no server.

use super::download;
use super::i18n::{Lang, Msg};
use super::now_ms;
use super::state::use_store;
use crate::handin::Verifier;
use crate::view::class::{Class, Column, Row, Standing};
use gloo::file::callbacks::FileReader;
use gloo::timers::callback::Timeout;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

/// The hand-ins waiting for their replay, the class so far, and the batch's clock.
#[derive(Default)]
struct Work {
    queue: VecDeque<(String, String)>,
    class: Class,
    verifier: Verifier,
    timer: Option<Timeout>,
    /// When the current batch started, and how many rows it started after.
    batch: Option<(f64, usize)>,
    /// The last batch: how many hand-ins, in how many milliseconds.
    took: Option<(usize, f64)>,
    /// Files being read, kept until every one has arrived.
    readers: Vec<FileReader>,
    reading: usize,
}

type Shared = Rc<RefCell<Work>>;

/// Replays the next hand-in, then gives the page a turn before the one after.
fn pump(work: &Shared, redraw: &Callback<()>) {
    let next = work.borrow_mut().queue.pop_front();
    let Some((name, text)) = next else {
        let mut w = work.borrow_mut();
        w.timer = None;
        if let Some((started, before)) = w.batch.take() {
            w.took = Some((w.class.rows.len() - before, now_ms() - started));
        }
        drop(w);
        redraw.emit(());
        return;
    };
    {
        let mut w = work.borrow_mut();
        let checked = w.verifier.verify(&text);
        w.class.rows.push(Row::of(&name, &checked));
    }
    redraw.emit(());
    let (again, redraw) = (work.clone(), redraw.clone());
    work.borrow_mut().timer = Some(Timeout::new(0, move || pump(&again, &redraw)));
}

/// Queues hand-ins and starts replaying them if nothing is.
fn enqueue(work: &Shared, redraw: &Callback<()>, items: Vec<(String, String)>) {
    let idle = {
        let mut w = work.borrow_mut();
        w.queue.extend(items);
        let idle = w.timer.is_none();
        if idle && w.batch.is_none() {
            w.batch = Some((now_ms(), w.class.rows.len()));
        }
        idle
    };
    if idle {
        let (again, redraw) = (work.clone(), redraw.clone());
        work.borrow_mut().timer = Some(Timeout::new(0, move || pump(&again, &redraw)));
    }
}

/// Reads `files` as text and queues each with its name.
fn read_files(work: &Shared, redraw: &Callback<()>, files: web_sys::FileList) {
    for i in 0..files.length() {
        let Some(file) = files.get(i) else { continue };
        let file = gloo::file::File::from(file);
        let name = file.name();
        let (w, r) = (work.clone(), redraw.clone());
        let reader = gloo::file::callbacks::read_as_text(&file, move |text| {
            let text = text.unwrap_or_else(|e| format!("(cannot read the file: {e})"));
            {
                let mut w = w.borrow_mut();
                w.reading -= 1;
                if w.reading == 0 {
                    w.readers.clear();
                }
            }
            enqueue(&w, &r, vec![(name, text)]);
        });
        let mut w = work.borrow_mut();
        w.reading += 1;
        w.readers.push(reader);
    }
}

fn standing(s: Standing, lang: Lang) -> (&'static str, &'static str) {
    match s {
        Standing::Passed => ("✓", lang.t(Msg::StandingPassed)),
        Standing::Failed => ("✗", lang.t(Msg::StandingFailed)),
        Standing::Tampered => ("⚠", lang.t(Msg::StandingTampered)),
        Standing::OtherVersion => ("⚠", lang.t(Msg::StandingOtherVersion)),
        Standing::OtherExercise => ("⚠", lang.t(Msg::StandingOtherExercise)),
        Standing::Unreadable => ("⚠", lang.t(Msg::StandingUnreadable)),
    }
}

#[function_component(ClassView)]
pub fn class_view() -> Html {
    let store = use_store();
    let lang = store.lang;
    let work: Shared = use_mut_ref(Work::default);
    let update = use_force_update();
    let redraw = Callback::from(move |_| update.force_update());
    let sort = use_state(|| (Column::Learner, false));
    let keep_url = use_mut_ref(|| None::<gloo::file::ObjectUrl>);
    let codes = use_node_ref();
    {
        // Leaving the page stops the replay.
        let work = work.clone();
        use_effect_with((), move |_| move || work.borrow_mut().timer = None);
    }

    let chosen = {
        let (work, redraw) = (work.clone(), redraw.clone());
        Callback::from(move |e: Event| {
            let input = e.target_unchecked_into::<HtmlInputElement>();
            if let Some(files) = input.files() {
                read_files(&work, &redraw, files);
            }
            input.set_value("");
        })
    };
    let dropped = {
        let (work, redraw) = (work.clone(), redraw.clone());
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            if let Some(files) = e.data_transfer().and_then(|d| d.files()) {
                read_files(&work, &redraw, files);
            }
        })
    };
    let over = Callback::from(|e: DragEvent| e.prevent_default());
    let pasted = {
        let (work, redraw, codes) = (work.clone(), redraw.clone(), codes.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(area) = codes.cast::<HtmlTextAreaElement>() else { return };
            let items: Vec<(String, String)> = area
                .value()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|code| (format!("{}…", code.chars().take(12).collect::<String>()), code.to_string()))
                .collect();
            area.set_value("");
            enqueue(&work, &redraw, items);
        })
    };
    let clear = {
        let (work, redraw) = (work.clone(), redraw.clone());
        Callback::from(move |_| {
            let mut w = work.borrow_mut();
            w.queue.clear();
            w.timer = None;
            w.batch = None;
            w.took = None;
            w.class.rows.clear();
            drop(w);
            redraw.emit(());
        })
    };

    let w = work.borrow();
    let class = &w.class;
    let goals = class.goal_columns();
    let (column, descending) = (*sort).clone();
    let order = class.order(&column, descending);
    let export = {
        let (csv, keep) = (class.to_csv(&order), keep_url.clone());
        Callback::from(move |_| download(&keep, "vipsim-class.csv", csv.as_bytes(), "text/csv"))
    };
    let header = |label: String, col: Column| {
        let current = column == col;
        let aria = if !current {
            "none"
        } else if descending {
            "descending"
        } else {
            "ascending"
        };
        let onclick = {
            let sort = sort.clone();
            let col = col.clone();
            Callback::from(move |_| {
                let (c, d) = (*sort).clone();
                sort.set((col.clone(), c == col && !d));
            })
        };
        html! {
            <th scope="col" aria-sort={aria}>
                <button type="button" class="link-button" {onclick}>{ label }
                    if current { <span aria-hidden="true">{ if descending { " ▼" } else { " ▲" } }</span> }
                </button>
            </th>
        }
    };
    let queued = w.queue.len();
    let replaying = w.timer.is_some() || w.reading > 0;
    let done_in_batch = w.batch.map_or(0, |(_, before)| class.rows.len() - before);
    let tally = class.tally();
    let rows = order.iter().map(|&i| {
        let r = &class.rows[i];
        let (icon, said) = standing(r.standing, lang);
        html! {
            <tr data-standing={r.standing.id()} data-learner={r.learner.clone()}>
                <th scope="row">{ if r.learner.is_empty() { lang.t(Msg::ClassNoName).to_string() } else { r.learner.clone() } }</th>
                <td>{ r.exercise.clone() }</td>
                <td class="standing"><span aria-hidden="true">{ icon }</span>{ " " }{ said }
                    if let Some(p) = &r.problem { <div class="problem">{ p.clone() }</div> }
                </td>
                <td class="num">{ if r.goals.is_empty() { String::new() } else { format!("{}/{}", r.passed_goals(), r.goals.len()) } }</td>
                { for goals.iter().map(|g| match r.goal(g) {
                    Some(true) => html! { <td class="goal pass" data-goal={g.clone()}>{ "✓ " }{ lang.t(Msg::ClassGoalPass) }</td> },
                    Some(false) => html! { <td class="goal fail" data-goal={g.clone()}>{ "✗ " }{ lang.t(Msg::ClassGoalFail) }</td> },
                    None => html! { <td class="goal" data-goal={g.clone()}></td> },
                }) }
                <td class="num">{ r.solved_at.map(|d| format!("{:.3} s", d.as_secs_f64())).unwrap_or_default() }</td>
                <td class="num">{ r.hints }</td>
                <td class="file">{ r.file.clone() }</td>
            </tr>
        }
    });

    html! {
        <main class="class-view">
            <section class="panel" aria-labelledby="class-title" data-panel="class"
                     ondrop={dropped} ondragover={over}>
                <h2 id="class-title">{ lang.t(Msg::ClassTitle) }</h2>
                <p class="hint">{ lang.t(Msg::ClassIntro) }</p>
                <div class="row">
                    <label class="button file-button">
                        { lang.t(Msg::ClassChoose) }
                        <input type="file" name="handins" multiple=true accept=".json,application/json,text/plain"
                            onchange={chosen} class="visually-hidden" />
                    </label>
                    <button type="button" data-do="export-csv" onclick={export} disabled={class.rows.is_empty()}>
                        { lang.t(Msg::ClassExportCsv) }
                    </button>
                    <button type="button" data-do="clear-class" onclick={clear} disabled={class.rows.is_empty() && queued == 0}>
                        { lang.t(Msg::ClassClear) }
                    </button>
                </div>
                <form class="codes" onsubmit={pasted}>
                    <label>{ lang.t(Msg::ClassPaste) }
                        <textarea ref={codes} name="handin-codes" rows="3" spellcheck="false" />
                    </label>
                    <button type="submit">{ lang.t(Msg::ClassAddCodes) }</button>
                </form>
                <p class="class-status" role="status" aria-live="polite"
                   data-rows={class.rows.len().to_string()} data-queued={queued.to_string()}
                   data-ms={w.took.map(|(_, ms)| format!("{ms:.0}")).unwrap_or_default()}>
                    if replaying {
                        { lang.f(Msg::ClassProgress, &[&done_in_batch, &(done_in_batch + queued + w.reading)]) }
                    } else if let Some((n, ms)) = w.took {
                        { lang.f(Msg::ClassDone, &[&n, &format!("{:.1}", ms / 1000.0)]) }{ " " }
                        { lang.f(Msg::ClassTally, &[
                            tally.get(&Standing::Passed).unwrap_or(&0),
                            &class.rows.len(),
                        ]) }
                    } else if class.rows.is_empty() {
                        { lang.t(Msg::ClassEmpty) }
                    }
                </p>
            </section>
            if !class.rows.is_empty() {
                <section class="panel class-table" aria-labelledby="class-table-title">
                    <h2 id="class-table-title" class="visually-hidden">{ lang.t(Msg::ClassTableTitle) }</h2>
                    <div class="table-scroll">
                        <table class="data class">
                            <thead><tr>
                                { header(lang.t(Msg::ClassLearner).into(), Column::Learner) }
                                { header(lang.t(Msg::ClassExercise).into(), Column::Exercise) }
                                { header(lang.t(Msg::ClassResult).into(), Column::Standing) }
                                { header(lang.t(Msg::ClassGoals).into(), Column::Passed) }
                                { for goals.iter().map(|g| header(g.clone(), Column::Goal(g.clone()))) }
                                { header(lang.t(Msg::ClassSolvedAt).into(), Column::SolvedAt) }
                                { header(lang.t(Msg::ClassHints).into(), Column::Hints) }
                                { header(lang.t(Msg::ClassFile).into(), Column::File) }
                            </tr></thead>
                            <tbody>{ for rows }</tbody>
                        </table>
                    </div>
                </section>
            }
        </main>
    }
}
