//! The playground's state: the loaded scenario, its runs (the original,
//! variants and branches, each a time-travelling [`Run`]), the playhead,
//! what the learner selected, the language, the visible panels and the
//! workshop progress. Every change goes through [`Action`]. The state is
//! copied on every action (yew's reducer), so everything large in it is
//! shared: each run sits behind `Rc<RunEntry>` with a `RefCell` (seeking
//! moves a run's cursor in place), the console history and the progress
//! behind `Rc`. A copy is a handful of pointer bumps.

use super::i18n::{Lang, Msg};
use super::panels::Panels;
use super::storage::Saved;
use super::story::Story;
use crate::catalog;
use crate::console::session::{self, Effect, Line, Session};
use crate::narrate::tour::{self, Stop as TourStop};
use crate::narrate::{self, Sentence};
use crate::play::family::{self, MAX_BRANCHES, Member};
use crate::play::predict::{self, Checkpoint, Outcome};
use crate::play::run::Run;
use crate::scenario::spec::SOLUTION;
use crate::scenario::{Diagnostic, Scenario};
use crate::share::Progress;
use crate::sim::action::Action as SimAction;
use crate::sort::Collect;
use crate::time::{Duration, Instant};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use yew::Reducible;

pub use crate::view::SPEEDS;

/// Where a branch came from: its parent run, the parent's step where the
/// learner acted, and what they did there and after, each at its step
/// (replayed to reopen a link). A console session's lines are its edits.
#[derive(Clone, Debug, PartialEq)]
pub struct Fork {
    pub parent: usize,
    pub step: u64,
    pub at: Instant,
    pub edits: Vec<(u64, SimAction)>,
}

/// One computed run of the scenario.
pub struct RunEntry {
    /// Stable for the run's life: lineage and console lines refer to it.
    pub id: usize,
    /// Unique to this version of the run: a console session that grows
    /// replaces its entry (same id, new `rev`), and what is drawn from the
    /// run once (charts, whole-run goals) is keyed by it.
    pub rev: usize,
    /// A variant's name, or what the branch changed ("original" is said in
    /// the UI's language, see [`RunEntry::title`]).
    pub label: String,
    pub variant: Option<String>,
    /// None for the original and the variants.
    pub fork: Option<Fork>,
    /// Some for a branch made by console lines.
    pub session: Option<Session>,
    pub run: RefCell<Run>,
    pub story: Story,
    /// The run told in sentences (the packet log, the events' summaries).
    pub sentences: Vec<Sentence>,
    /// The narrated tour's stops over this run.
    pub stops: Vec<TourStop>,
    /// The checkpoints of its timeline (a branch has its root's).
    pub checkpoints: Vec<Checkpoint>,
    /// Each checkpoint's answer over this run, computed when first shown.
    outcomes: RefCell<BTreeMap<usize, Rc<Outcome>>>,
}

impl RunEntry {
    fn new(
        (id, rev): (usize, usize),
        label: String,
        variant: Option<String>,
        fork: Option<Fork>,
        session: Option<Session>,
        run: Run,
    ) -> RunEntry {
        let story = Story::of(&run);
        let sentences = narrate::sentences(run.trace(), run.world());
        let checkpoints = predict::checkpoints(&run.scenario, variant.as_deref());
        let stops = tour::stops(run.trace(), &sentences, run.world());
        RunEntry {
            id,
            rev,
            label,
            variant,
            fork,
            session,
            run: RefCell::new(run),
            story,
            sentences,
            stops,
            checkpoints,
            outcomes: RefCell::default(),
        }
    }

    /// What happened at checkpoint `i` in this run (a branch answers from
    /// its own trace).
    pub fn outcome(&self, i: usize) -> Option<Rc<Outcome>> {
        let cp = self.checkpoints.get(i)?;
        if let Some(o) = self.outcomes.borrow().get(&i) {
            return Some(o.clone());
        }
        let o = Rc::new(predict::outcome(&self.run.borrow(), cp));
        self.outcomes.borrow_mut().insert(i, o.clone());
        Some(o)
    }

    /// The checkpoint the card shows at time `t`: the latest one asked at
    /// or before `t`.
    pub fn checkpoint_at(&self, t: Instant) -> Option<usize> {
        self.checkpoints.iter().rposition(|c| c.at <= t)
    }

    pub fn parent(&self) -> Option<usize> {
        self.fork.as_ref().map(|f| f.parent)
    }

    /// How the run is named on screen: "original", a variant's name, what
    /// a branch changed, or "console at 30.000 s: 3 commands".
    pub fn title(&self, lang: Lang) -> String {
        match (&self.session, &self.fork, &self.variant) {
            (Some(s), _, _) => {
                let msg = if s.commands == 1 { Msg::ConsoleSessionOne } else { Msg::ConsoleSessionMany };
                lang.f(msg, &[&super::secs_in(s.started, lang), &s.commands])
            }
            (None, None, None) if self.label.is_empty() => lang.t(Msg::OriginalRun).to_string(),
            // A variant by its title in the learner's language.
            (None, None, Some(v)) => {
                let run = self.run.borrow();
                let spec = &run.scenario.doc.spec;
                spec.variants
                    .iter()
                    .find(|x| x.name == *v)
                    .map(|x| x.title_in(lang.code()).to_string())
                    .unwrap_or_else(|| v.clone())
            }
            _ => self.label.clone(),
        }
    }
}

/// The text a scenario was opened from, and whether it is a shipped one
/// unchanged (links then name it by id instead of carrying the text).
#[derive(Clone, Debug, PartialEq)]
pub struct Source {
    /// The name diagnostics use.
    pub file: String,
    pub text: Rc<str>,
    pub shipped: Option<String>,
}

impl Source {
    pub fn shipped(s: &catalog::Shipped) -> Source {
        Source { file: format!("scenarios/{}", s.file), text: s.yaml.into(), shipped: Some(s.id.clone()) }
    }
}

/// Where to put the learner after opening a scenario: the edits that made
/// their branch (each at the step it was applied), the cursor, the
/// inspected host and record. From a permalink, or from saved progress.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Resume {
    pub edits: Vec<(u64, SimAction)>,
    pub step: Option<u64>,
    /// A time instead of a step (`embed.html?at=35s`).
    pub time: Option<Instant>,
    pub host: Option<String>,
    pub record: Option<usize>,
}

/// A line the learner typed into the console, and what came back.
#[derive(Clone, Debug, PartialEq)]
pub struct ConsoleEntry {
    /// The run it ran in (a line that goes into the run runs in a session branch).
    pub run: usize,
    pub host: String,
    /// The command, without a trailing `&`.
    pub line: String,
    pub at: Instant,
    pub result: ConsoleResult,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ConsoleResult {
    /// Printed: a read, an error, or a command the cursor ran forward to.
    Printed(String),
    /// Runs in the background (`&`): it prints when the cursor of its run
    /// passes its completion (found in that run's trace).
    Background,
    /// Still running when its run ends at `end`: it prints nothing.
    Unfinished { end: Instant },
}

/// Something the playground did on its own that the learner should know.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    /// Branches dropped to stay under the cap, by title.
    Dropped(Vec<String>),
}

/// A run being computed a slice at a time, so that the page stays
/// responsive while a large scenario computes (a slice per turn of the
/// browser's event loop, see `super::computing`), and what to do with it
/// once it is complete or the learner stops it.
pub struct Pending {
    /// `None` only while a finished run is handed on.
    run: RefCell<Option<Run>>,
    then: Then,
}

impl Pending {
    /// What is being computed, as the progress bar says it.
    pub fn what(&self) -> Computing {
        match self.then {
            Then::Open { .. } => Computing::Scenario,
            Then::Variant { .. } => Computing::Variant,
            Then::Branch { .. } => Computing::Branch,
        }
    }

    /// How far the computation has got.
    pub fn progress(&self) -> Option<crate::play::run::Progress> {
        self.run.borrow().as_ref().map(Run::progress)
    }
}

/// What is being computed, as the progress bar says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Computing {
    Scenario,
    Variant,
    Branch,
}

/// What happens to a run once computed.
#[derive(Clone)]
enum Then {
    /// The scenario's original run: shown, then `variant` computed and
    /// shown when one is named, then the learner resumed.
    Open { variant: Option<String>, resume: Option<Resume> },
    /// A variant's run (or the original's, `None`).
    Variant { variant: Option<String>, show: Show },
    /// A branch of `parent` made by `action` at the parent's cursor.
    Branch { parent: Rc<RunEntry>, action: SimAction },
}

/// Where a variant's run goes once computed.
#[derive(Clone)]
enum Show {
    /// On screen, as the scenario opens (then the learner is resumed).
    Open(Option<Resume>),
    /// On screen at the same moment as the run shown before.
    Switch,
    /// Beside the shown run, in the compare view.
    Compare,
}

/// Wall time one slice of computing may take before the page draws and
/// takes input again (the Stop button among it).
const SLICE_MS: f64 = 40.0;

/// Events computed between looks at the clock: one event of a large
/// cluster can take milliseconds (a pod turning ready behind 80 Services:
/// 80 EndpointSlices and every node's rules), so the clock is read often.
const STEPS_PER_LOOK: u64 = 4;

/// Computes `run` for one slice; returns whether it is complete.
fn compute_slice(run: &mut Run) -> bool {
    let started = super::now_ms();
    loop {
        if run.compute(STEPS_PER_LOOK) {
            return true;
        }
        if super::now_ms() - started >= SLICE_MS {
            return false;
        }
    }
}

/// Why the last scenario could not be opened.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadProblem {
    /// Loader diagnostics, each with file:line:column.
    pub diagnostics: Vec<Diagnostic>,
    /// A problem that has no location (building the network failed).
    pub message: Option<String>,
    /// The text that failed, to quote the offending lines.
    pub text: Option<Rc<str>>,
}

/// Why the page's address could not be opened.
#[derive(Clone, Debug, PartialEq)]
pub enum LinkProblem {
    /// The link itself is damaged, or from a newer app (the decoder's words).
    Unreadable(String),
    /// It names a scenario this app does not ship.
    UnknownScenario(String),
}

#[derive(Clone, Default)]
pub struct AppState {
    pub scenario: Option<Rc<Scenario>>,
    pub source: Option<Rc<Source>>,
    /// The scenario's id when it is a workshop exercise as shipped: the
    /// only case where the learner's work counts as progress.
    pub exercise: Option<String>,
    pub runs: Vec<Rc<RunEntry>>,
    /// Index into `runs` of the run on screen.
    pub active: usize,
    /// Index into `runs` of the run shown beside it in the compare view.
    pub compare: Option<usize>,
    /// Or a run of another shipped scenario with the same topology (the
    /// BGP version of an L2 story), shown beside it instead.
    pub other: Option<Rc<RunEntry>>,
    /// The shipped id of `other`.
    pub other_id: Option<String>,
    /// The playhead. Between events it runs ahead of the cursor's step time.
    pub time: Instant,
    /// The active run's cursor before the last move: what just happened is
    /// the trace between it and the cursor.
    pub previous: u64,
    pub playing: bool,
    pub speed: f64,
    /// The host (or the switch) the inspector shows.
    pub host: Option<String>,
    /// The trace record (of the active run) the frame view shows.
    pub record: Option<usize>,
    pub problem: Option<LoadProblem>,
    pub console: Rc<Vec<ConsoleEntry>>,
    pub notice: Option<Notice>,
    /// Wall time of the last backward seek, and the worst one so far, in ms.
    pub last_seek_back_ms: f64,
    pub worst_seek_back_ms: f64,
    pub help_open: bool,
    pub lang: Lang,
    pub panels: Panels,
    /// The chrome-less embed player (`embed.html`).
    pub embed: bool,
    /// The workshop progress, saved by the app whenever it changes.
    pub progress: Rc<Progress>,
    /// Why the progress saved in this browser could not be read, and the
    /// storage key it was kept under.
    pub progress_unreadable: Option<(String, String)>,
    /// Hints revealed for the open scenario, per goal name.
    pub hints: BTreeMap<String, u8>,
    pub link_problem: Option<LinkProblem>,
    /// The scenario editor's unapplied text, kept while its panel is closed.
    pub draft: Option<Rc<str>>,
    /// Checkpoints do not pause playback (`embed.html?predict=0`).
    pub predict_off: bool,
    /// The narrated tour's stop on screen (index into the active run's
    /// stops); `None`: no tour.
    pub tour: Option<usize>,
    /// Start the tour once the scenario is open (`?tour=1`).
    pub tour_on_open: bool,
    /// The tour's captions are spoken (the browser's speech synthesis).
    pub speak: bool,
    /// The checkpoint (index into the active run's) whose question waits
    /// for an answer, playback paused.
    pub asking: Option<usize>,
    /// The checkpoint whose answer playback paused at (its card shows
    /// even when the next question is asked at the same moment).
    pub revealing: Option<usize>,
    /// Checkpoints (by id) playback already paused at, to ask and to
    /// reveal, since the scenario was opened: each pauses once.
    asked: BTreeSet<String>,
    revealed: BTreeSet<String>,
    /// The learner's guesses for the open scenario, per checkpoint id
    /// (English label), also kept in `progress` for shipped scenarios.
    pub guesses: BTreeMap<String, String>,
    /// A run being computed (the scenario's, a variant's or a branch's);
    /// starting another computation abandons it.
    pub computing: Option<Rc<Pending>>,
    /// Play was asked for while the scenario's run was being computed:
    /// playback starts once it is shown.
    play_when_ready: bool,
    next_id: usize,
}

impl PartialEq for AppState {
    /// The runs' contents change only through actions, which always produce
    /// a new state; comparing by identity is enough for yew's re-render test.
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

/// Which way to step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    Back,
    Forward,
}

pub enum Action {
    /// Compute and show a loaded scenario (its variant when named), then
    /// put the learner where `resume` says; without it, a workshop
    /// exercise resumes the learner's saved branch.
    Open {
        scenario: Rc<Scenario>,
        source: Rc<Source>,
        variant: Option<String>,
        resume: Option<Resume>,
    },
    LoadFailed(LoadProblem),
    DismissProblem,
    /// Show the run of a variant of the current scenario (None: the original).
    Variant(Option<String>),
    SeekStep(u64),
    SeekTime(Instant),
    /// Wall-clock milliseconds passed while playing.
    Advance(f64),
    Step(Dir),
    Interesting(Dir),
    Play(bool),
    TogglePlay,
    Speed(f64),
    SelectHost(Option<String>),
    /// Select a trace record of the active run and move the cursor to it.
    SelectRecord(usize),
    ClearRecord,
    /// Apply an action at the cursor in a new branch.
    Branch(SimAction),
    /// Compute the next slice of the run being computed.
    Compute,
    /// End the run being computed where it has got, keeping what is computed.
    StopComputing,
    /// Delete a run (by index) and the branches forked from it.
    DeleteRun(usize),
    DismissNotice,
    /// A console line on a host at the cursor.
    Console {
        host: String,
        line: String,
    },
    ClearConsole,
    SwitchRun(usize),
    /// Compare with a run, or with a variant computed for the purpose.
    Compare(Option<usize>),
    CompareVariant(Option<String>),
    /// Compare with a shipped scenario of the same topology, by id.
    CompareShipped(String),
    Help(bool),
    Lang(Lang),
    Panels(Panels),
    /// Reveal the next hint of the goal with this name.
    RevealHint(String),
    /// Goals (by name) the learner's run satisfies; `complete` when all do.
    GoalsPassed {
        names: Vec<String>,
        complete: bool,
    },
    /// Merge an imported progress file (already validated).
    ImportProgress(Progress),
    LinkProblem(Option<LinkProblem>),
    Draft(Option<Rc<str>>),
    /// Answer checkpoint `checkpoint` of the active run with its choice
    /// `choice`; playback goes on when it was paused for the question.
    Guess {
        checkpoint: usize,
        choice: usize,
    },
    /// Answer the waiting question with its choice `n` (keys 1-9).
    GuessWaiting(usize),
    /// Start the narrated tour at the playhead (from the start when at
    /// the end), or end it.
    Tour(bool),
    /// The tour's next stop (the last one ends the tour).
    TourNext,
    Speak(bool),
}

impl AppState {
    /// Nothing loaded yet, playing at real time when asked to.
    pub fn new(lang: Lang, panels: Panels, embed: bool, saved: Saved) -> AppState {
        AppState {
            speed: 1.0,
            lang,
            panels,
            embed,
            progress: Rc::new(saved.progress),
            progress_unreadable: saved.unreadable,
            ..AppState::default()
        }
    }

    pub fn active(&self) -> Option<&Rc<RunEntry>> {
        self.runs.get(self.active)
    }

    pub fn compared(&self) -> Option<&Rc<RunEntry>> {
        self.compare.and_then(|i| self.runs.get(i)).or(self.other.as_ref())
    }

    pub fn run_index(&self, id: usize) -> Option<usize> {
        self.runs.iter().position(|r| r.id == id)
    }

    fn by_id(&self, id: usize) -> Option<&Rc<RunEntry>> {
        self.runs.iter().find(|r| r.id == id)
    }

    /// The edits that lead from a root run (the original or a variant) to
    /// `entry`, oldest first, and that root's variant.
    pub fn lineage(&self, entry: &RunEntry) -> (Option<String>, Vec<(u64, SimAction)>) {
        let mut edits = Vec::new();
        let mut at = entry;
        while let Some(fork) = &at.fork {
            edits.extend(fork.edits.iter().rev().cloned());
            match self.by_id(fork.parent) {
                Some(parent) => at = parent,
                None => break,
            }
        }
        edits.reverse();
        (at.variant.clone(), edits)
    }

    /// The moments the learner changed `entry`'s run: each edit of its
    /// branch and of the branches it was made from (none for the
    /// scenario's own runs). Every run of a lineage shares the past before
    /// its fork, so the entry's own run tells each edit's time.
    pub fn changed_at(&self, entry: &RunEntry) -> Vec<Instant> {
        let run = entry.run.borrow();
        self.lineage(entry).1.iter().map(|(step, _)| run.time_of(*step)).collect()
    }

    /// Whether the shown run is the author's solution (or a branch of it).
    pub fn watching_solution(&self) -> bool {
        self.active().is_some_and(|e| self.lineage(e).0.as_deref() == Some(SOLUTION))
    }

    /// Whether the shown run is the learner's own: the original or their
    /// branches of it, not a variant the author wrote.
    pub fn own_run(&self) -> bool {
        self.active().is_some_and(|e| self.lineage(e).0.is_none())
    }

    /// Whether who answers for the VIP is hidden: an exercise asks the
    /// learner to find it ([`crate::play::goals::finding`]) and no goal
    /// that asks it has passed yet (nor is the author's solution on screen).
    pub fn concealed(&self) -> bool {
        let Some(scenario) = self.scenario.as_ref().filter(|_| self.exercise.is_some()) else { return false };
        let mut asking = scenario.doc.spec.goals.iter().filter(|g| crate::play::goals::finding(g).is_some()).peekable();
        if asking.peek().is_none() || self.watching_solution() {
            return false;
        }
        let passed = self.exercise_progress().map(|p| p.passed.as_slice()).unwrap_or_default();
        !asking.any(|g| passed.contains(&g.name))
    }

    /// The saved progress of the open exercise, if it is one.
    pub fn exercise_progress(&self) -> Option<&crate::share::ExerciseProgress> {
        self.exercise.as_ref().and_then(|id| self.progress.exercises.get(id))
    }

    fn exercise_entry(&mut self) -> Option<&mut crate::share::ExerciseProgress> {
        let id = self.exercise.clone()?;
        Some(Rc::make_mut(&mut self.progress).exercises.entry(id).or_default())
    }

    /// Saves the branch on screen as the exercise's edits, so reopening the
    /// exercise resumes it. Only the learner's own branches count (see
    /// [`AppState::own_run`]).
    fn remember_edits(&mut self) {
        let Some(entry) = self.active().cloned() else { return };
        let (variant, edits) = self.lineage(&entry);
        if variant.is_some() || edits.is_empty() {
            return;
        }
        if let Some(progress) = self.exercise_entry()
            && progress.edits != edits
        {
            progress.edits = edits;
        }
    }

    /// The active run's cursor step (0 when nothing is loaded).
    pub fn cursor(&self) -> u64 {
        self.active().map(|e| e.run.borrow().cursor()).unwrap_or(0)
    }

    fn add_run(&mut self, label: String, variant: Option<String>, fork: Option<Fork>, run: Run) -> usize {
        self.add_entry(label, variant, fork, None, run)
    }

    fn add_entry(
        &mut self,
        label: String,
        variant: Option<String>,
        fork: Option<Fork>,
        session: Option<Session>,
        run: Run,
    ) -> usize {
        let id = self.next_id;
        self.next_id += 1;
        self.runs.push(Rc::new(RunEntry::new((id, id), label, variant, fork, session, run)));
        self.runs.len() - 1
    }

    fn family(&self) -> Vec<Member> {
        self.runs.iter().map(|r| Member { id: r.id, parent: r.parent() }).collect()
    }

    /// Deletes run `index` and every branch forked from it (the original,
    /// run 0, stays). Their memory is freed with the last `Rc`.
    fn delete_run(&mut self, index: usize) {
        let Some(id) = self.runs.get(index).filter(|_| index > 0).map(|r| r.id) else { return };
        let gone = family::with_descendants(&self.family(), id);
        self.remove_runs(&gone);
    }

    /// Removes the runs with these ids, keeping the indices of the shown and
    /// compared runs right (the shown one falls back to the original).
    fn remove_runs(&mut self, ids: &[usize]) {
        let active = self.active().map(|r| r.id);
        let compared = self.compared().map(|r| r.id);
        let shown_gone = active.is_some_and(|a| ids.contains(&a));
        self.runs.retain(|r| !ids.contains(&r.id));
        self.compare = compared.filter(|c| !ids.contains(c)).and_then(|c| self.run_index(c));
        if shown_gone {
            self.activate(0);
            let t = self.time;
            if let Some(entry) = self.active().cloned() {
                let mut run = entry.run.borrow_mut();
                run.seek_time(t);
                self.previous = run.cursor();
            }
        } else {
            self.active = active.and_then(|a| self.run_index(a)).unwrap_or(0);
        }
    }

    /// Past [`MAX_BRANCHES`], drops the oldest branches nobody stands on,
    /// and says which.
    fn keep_under_cap(&mut self) {
        let kept: Vec<usize> = self.active().iter().chain(self.compared().iter()).map(|r| r.id).collect();
        let drop = family::over_cap(&self.family(), &kept, MAX_BRANCHES);
        if drop.is_empty() {
            return;
        }
        let lang = self.lang;
        let names = drop.iter().filter_map(|id| self.by_id(*id)).map(|r| r.title(lang)).collect();
        self.remove_runs(&drop);
        self.notice = Some(Notice::Dropped(names));
    }

    /// Shows the scenario's run for `variant` as `show` says, computing it
    /// (a slice at a time) unless a root run for it exists.
    fn show_variant(&mut self, variant: Option<String>, show: Show) {
        if let Some(i) = self.runs.iter().position(|r| r.fork.is_none() && r.variant == variant) {
            return self.shown(i, show);
        }
        let started = self
            .scenario
            .clone()
            .ok_or_else(|| "no scenario is open".to_string())
            .and_then(|scenario| Run::start(scenario, variant.as_deref(), None, None));
        match started {
            Ok(run) => self.compute(run, Then::Variant { variant, show }),
            Err(e) => {
                self.problem = Some(LoadProblem { message: Some(e), ..LoadProblem::default() });
                if let Show::Open(resume) = show {
                    self.opened(resume);
                }
            }
        }
    }

    /// Puts root run `i` where `show` says.
    fn shown(&mut self, i: usize, show: Show) {
        match show {
            Show::Open(resume) => {
                self.active = i;
                self.opened(resume);
            }
            Show::Switch => self.switch_to(i),
            Show::Compare => {
                self.compare = (i != self.active).then_some(i);
                self.other = None;
                self.other_id = None;
                self.follow_in_compare();
            }
        }
    }

    /// Computes `run` for one slice now; what is left is computed by
    /// [`Action::Compute`], a slice per turn of the browser's event loop.
    /// A run that takes one slice (every shipped scenario) is shown at once.
    fn compute(&mut self, mut run: Run, then: Then) {
        if compute_slice(&mut run) {
            self.computing = None;
            self.computed(run, then);
        } else {
            self.computing = Some(Rc::new(Pending { run: RefCell::new(Some(run)), then }));
        }
    }

    /// The next slice of the run being computed; or, with `stop`, its end
    /// where it has got.
    fn compute_more(&mut self, stop: bool) {
        let Some(pending) = self.computing.clone() else { return };
        let complete = {
            let mut run = pending.run.borrow_mut();
            let Some(run) = run.as_mut() else { return };
            if stop {
                run.stop();
                true
            } else {
                compute_slice(run)
            }
        };
        if complete {
            self.computing = None;
            if let Some(run) = pending.run.borrow_mut().take() {
                self.computed(run, pending.then.clone());
            }
        }
    }

    /// Shows a run now computed, as `then` says.
    fn computed(&mut self, run: Run, then: Then) {
        match then {
            Then::Open { variant, resume } => {
                self.active = self.add_run(String::new(), None, None, run);
                match variant {
                    Some(v) => self.show_variant(Some(v), Show::Open(resume)),
                    None => self.opened(resume),
                }
            }
            Then::Variant { variant, show } => {
                let i = self.add_run(variant.clone().unwrap_or_default(), variant, None, run);
                self.shown(i, show);
            }
            // The parent may have been deleted while its branch computed.
            Then::Branch { parent, action } if self.by_id(parent.id).is_some() => {
                self.branched(&parent, action, run);
                self.remember_edits();
            }
            Then::Branch { .. } => {}
        }
    }

    /// The original run of another shipped scenario, to compare with.
    fn shipped_run(&mut self, id: &str) -> Result<Rc<RunEntry>, String> {
        let shipped = catalog::find(id).ok_or_else(|| format!("no shipped scenario {id}"))?;
        let scenario = crate::scenario::load::load(shipped.file, shipped.yaml)
            .map_err(|e| e.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("; "))?;
        let title = scenario.doc.metadata.title_in(self.lang.code()).to_string();
        let run = Run::new(Rc::new(scenario), None, None, None)?;
        let id = self.next_id;
        self.next_id += 1;
        Ok(Rc::new(RunEntry::new((id, id), title, None, None, None, run)))
    }

    /// Moves the active run's cursor to `step`, and the playhead with it.
    fn seek_step(&mut self, step: u64) {
        let Some(entry) = self.active().cloned() else { return };
        let mut run = entry.run.borrow_mut();
        self.previous = run.cursor();
        let back = step < self.previous;
        let started = super::now_ms();
        run.seek(step);
        if back {
            self.last_seek_back_ms = super::now_ms() - started;
            self.worst_seek_back_ms = self.worst_seek_back_ms.max(self.last_seek_back_ms);
        }
        self.time = run.time_of(run.cursor());
        drop(run);
        self.follow_in_compare();
    }

    /// Moves the playhead to `t` and the active run's cursor to the last step at or before it.
    fn seek_time(&mut self, t: Instant) {
        let Some(entry) = self.active().cloned() else { return };
        let mut run = entry.run.borrow_mut();
        let t = t.min(run.end);
        self.previous = run.cursor();
        let started = super::now_ms();
        run.seek_time(t);
        if run.cursor() < self.previous {
            self.last_seek_back_ms = super::now_ms() - started;
            self.worst_seek_back_ms = self.worst_seek_back_ms.max(self.last_seek_back_ms);
        }
        self.time = t;
        drop(run);
        self.follow_in_compare();
    }

    /// The compared run shows the same moment.
    fn follow_in_compare(&self) {
        if let Some(other) = self.compared() {
            other.run.borrow_mut().seek_time(self.time);
        }
    }

    fn open(&mut self, scenario: Rc<Scenario>, source: Rc<Source>, variant: Option<String>, resume: Option<Resume>) {
        let kept = std::mem::take(self);
        *self = AppState {
            speed: kept.speed,
            next_id: kept.next_id,
            lang: kept.lang,
            panels: kept.panels,
            embed: kept.embed,
            progress: kept.progress,
            progress_unreadable: kept.progress_unreadable,
            predict_off: kept.predict_off,
            tour_on_open: kept.tour_on_open,
            speak: kept.speak,
            ..AppState::default()
        };
        self.guesses = source
            .shipped
            .as_ref()
            .and_then(|id| self.progress.guesses.get(id))
            .map(|g| g.iter().map(|(cp, guess)| (cp.clone(), guess.choice.clone())).collect_map())
            .unwrap_or_default();
        let workshop = catalog::workshop();
        self.exercise = source.shipped.clone().filter(|id| workshop.iter().any(|w| w.id == *id));
        self.hints = self.exercise_progress().map(|p| p.hints.clone()).unwrap_or_default();
        self.scenario = Some(scenario.clone());
        self.source = Some(source);
        match Run::start(scenario, None, None, None) {
            Ok(run) => self.compute(run, Then::Open { variant, resume }),
            Err(e) => {
                self.scenario = None;
                self.problem = Some(LoadProblem { message: Some(e), ..LoadProblem::default() });
            }
        }
    }

    /// The scenario's run is on screen: inspect its resolver, resume the
    /// learner's work, and start the tour or playback if they were asked for.
    fn opened(&mut self, resume: Option<Resume>) {
        self.host = self.active().and_then(|e| e.story.resolver.clone());
        let resume = resume.or_else(|| {
            let edits = self.exercise_progress().map(|p| p.edits.clone()).unwrap_or_default();
            (self.active().is_some_and(|e| e.variant.is_none()) && !edits.is_empty())
                .then(|| Resume { edits, ..Resume::default() })
        });
        if let Some(resume) = resume {
            self.resume(resume);
        }
        if std::mem::take(&mut self.tour_on_open) {
            self.start_tour();
        }
        if std::mem::take(&mut self.play_when_ready) {
            self.playing = self.tour.is_none();
        }
    }

    /// Replays the learner's edits as branches, each at its step, then
    /// moves the cursor and the selection where `resume` says.
    fn resume(&mut self, resume: Resume) {
        for (step, action) in resume.edits {
            self.seek_step(step);
            self.act(action);
        }
        match (resume.step, resume.time) {
            (Some(step), _) => self.seek_step(step),
            (None, Some(t)) => self.seek_time(t),
            (None, None) => {}
        }
        // Nothing "just happened": the view shows the state, not a jump.
        self.previous = self.cursor();
        if resume.host.is_some() {
            self.host = resume.host;
        }
        let cursor = self.cursor();
        self.record = resume.record.filter(|i| {
            self.active().is_some_and(|e| e.run.borrow().trace().get(*i).is_some_and(|r| r.step <= cursor))
        });
    }

    /// Shows run `index` without moving its cursor.
    fn activate(&mut self, index: usize) {
        self.active = index;
        self.record = None;
        if self.compare == Some(index) {
            self.compare = None;
        }
    }

    /// Shows run `index` at the same moment as the run shown before.
    fn switch_to(&mut self, index: usize) {
        if index >= self.runs.len() {
            return;
        }
        self.activate(index);
        let t = self.time;
        if let Some(entry) = self.active().cloned() {
            let mut run = entry.run.borrow_mut();
            run.seek_time(t);
            self.previous = run.cursor();
        }
    }

    /// Applies `action` at the active run's cursor in a new run, and shows it
    /// there (the playhead moves back to the cursor's step if it was ahead).
    fn branch(&mut self, action: SimAction) -> Option<usize> {
        let entry = self.active().cloned()?;
        let run = entry.run.borrow().branch(action.clone());
        self.branched(&entry, action, run)
    }

    /// [`AppState::branch`], computing the branch a slice at a time.
    fn start_branch(&mut self, action: SimAction) {
        let Some(parent) = self.active().cloned() else { return };
        let run = parent.run.borrow().branch_started(action.clone());
        self.compute(run, Then::Branch { parent, action });
    }

    /// Adds `run`, made by `action` at `parent`'s cursor, and shows it.
    fn branched(&mut self, parent: &RunEntry, action: SimAction, run: Run) -> Option<usize> {
        let (cursor, at) = (run.cursor(), run.time_of(run.cursor()));
        let fork = Fork { parent: parent.id, step: cursor, at, edits: vec![(cursor, action)] };
        let index = self.add_run(run.label.clone(), parent.variant.clone(), Some(fork), run);
        self.after_new_run(index, cursor, at)
    }

    fn after_new_run(&mut self, index: usize, cursor: u64, at: Instant) -> Option<usize> {
        let id = self.runs[index].id;
        self.activate(index);
        self.previous = cursor;
        self.time = at;
        self.keep_under_cap();
        self.run_index(id)
    }

    /// Applies what the learner did at the cursor: a console line continues
    /// the console session on screen when it can
    /// ([`Session::continues_at`]), else starts one in a new branch; any
    /// other action makes a new branch. Returns the index of the run it
    /// went into.
    fn act(&mut self, action: SimAction) -> Option<usize> {
        if !session::is_line(&action) {
            return self.branch(action);
        }
        let entry = self.active().cloned()?;
        let cursor = entry.run.borrow().cursor();
        let forks_after =
            self.runs.iter().any(|r| r.fork.as_ref().is_some_and(|f| f.parent == entry.id && f.step > cursor));
        match (&entry.session, &entry.fork) {
            (Some(s), Some(fork)) if s.continues_at(cursor, forks_after) => {
                let mut run = entry.run.borrow().clone();
                run.act(action.clone());
                let mut fork = fork.clone();
                fork.edits.push((cursor, action));
                let session = s.with_line(cursor);
                let rev = self.next_id;
                self.next_id += 1;
                let at = run.time_of(cursor);
                let grown = RunEntry::new(
                    (entry.id, rev),
                    String::new(),
                    entry.variant.clone(),
                    Some(fork),
                    Some(session),
                    run,
                );
                let index = self.active;
                self.runs[index] = Rc::new(grown);
                self.previous = cursor;
                self.time = at;
                Some(index)
            }
            _ => {
                let run = entry.run.borrow().branch(action.clone());
                let (cursor, at) = (run.cursor(), run.time_of(run.cursor()));
                let fork = Fork { parent: entry.id, step: cursor, at, edits: vec![(cursor, action)] };
                let session = Session::new(at, cursor);
                let index = self.add_entry(String::new(), entry.variant.clone(), Some(fork), Some(session), run);
                self.after_new_run(index, cursor, at)
            }
        }
    }

    /// Runs a console line like a terminal. A line that only reads prints at
    /// once; one that takes time or changes the world goes into the console
    /// session's branch ([`AppState::act`]) and the cursor runs forward to
    /// its completion, where it prints, unless it ends in `&`.
    fn console(&mut self, host: String, typed: String) {
        let Some(entry) = self.active().cloned() else { return };
        let Line { cmd, background } = Line::parse(&typed);
        let graded =
            self.scenario.as_ref().is_some_and(|s| crate::play::goals::grades_command(&s.doc.spec.goals, &host, &cmd));
        let (at, effect) = {
            let run = entry.run.borrow();
            (run.world().now, session::effect(run.world(), &host, &cmd, graded))
        };
        let (run_id, result) = match effect {
            // `help` in the learner's language (the commands stay as typed).
            Effect::Prints(_) if cmd == "help" => {
                (entry.id, ConsoleResult::Printed(crate::view::i18n::console_help(self.lang)))
            }
            Effect::Prints(text) => (entry.id, ConsoleResult::Printed(text)),
            Effect::Runs => {
                let Some(index) = self.act(SimAction::Run { host: host.clone(), cmd: cmd.clone() }) else { return };
                let branch = self.runs[index].clone();
                let run = branch.run.borrow();
                let from = run.trace().partition_point(|r| r.step < run.cursor());
                let done = session::finished(&run.trace()[from..], &host, &cmd, at)
                    .map(|r| (r.step, session::printed(r).unwrap_or_default()));
                drop(run);
                let result = match done {
                    _ if background => ConsoleResult::Background,
                    Some((step, text)) => {
                        self.seek_step(step);
                        ConsoleResult::Printed(text)
                    }
                    None => ConsoleResult::Unfinished { end: branch.run.borrow().end },
                };
                (branch.id, result)
            }
        };
        Rc::make_mut(&mut self.console).push(ConsoleEntry { run: run_id, host, line: cmd, at, result });
    }
}

/// Where playback stops for a checkpoint.
enum Stop {
    Ask(usize),
    Reveal(usize),
}

impl AppState {
    /// The first checkpoint moment playback from the playhead to `to`
    /// reaches that it has not stopped at yet: a question not asked since
    /// the scenario was opened, or the answer to one that was asked (or
    /// guessed).
    fn checkpoint_stop(&self, to: Instant) -> Option<(Instant, Stop)> {
        if self.predict_off {
            return None;
        }
        let entry = self.active()?;
        // A moment at the playhead counts: a question asked at the time
        // another one is answered comes right after it (each stops once).
        let ahead = |t: Instant| self.time <= t && t <= to;
        entry
            .checkpoints
            .iter()
            .enumerate()
            .flat_map(|(i, cp)| {
                let ask = (ahead(cp.at) && !self.asked.contains(&cp.id)).then_some((cp.at, Stop::Ask(i)));
                let seen = self.asked.contains(&cp.id) || self.guesses.contains_key(&cp.id);
                let reveal = (ahead(cp.reveal) && seen && !self.revealed.contains(&cp.id))
                    .then_some((cp.reveal, Stop::Reveal(i)));
                [ask, reveal]
            })
            .flatten()
            .min_by_key(|(t, _)| *t)
    }

    /// Pauses at checkpoint `i`'s reveal: the proof's record is selected
    /// (the events list and the frame view show it) and the host whose
    /// table row proves it is inspected; a saved guess is marked right or
    /// wrong.
    fn reveal(&mut self, i: usize) {
        let Some(entry) = self.active().cloned() else { return };
        let (Some(cp), Some(outcome)) = (entry.checkpoints.get(i), entry.outcome(i)) else { return };
        self.revealed.insert(cp.id.clone());
        if let Some(record) = outcome.proof.record {
            self.record = Some(record);
        }
        if let Some(row) = &outcome.proof.row {
            self.host = Some(row.host().to_string());
        }
        let answer = outcome.answer.map(|a| cp.predict.choices[a].label.as_str());
        if let (Some(guess), Some(id)) =
            (self.guesses.get(&cp.id), self.source.as_ref().and_then(|s| s.shipped.clone()))
        {
            let right = answer == Some(guess.as_str());
            Rc::make_mut(&mut self.progress).reveal(&id, &cp.id, right);
        }
    }

    /// Starts the tour at the first stop at or after the playhead (at the
    /// end of the run: from the start).
    fn start_tour(&mut self) {
        let Some(entry) = self.active().cloned() else { return };
        let first = entry.stops.partition_point(|s| s.t < self.time);
        let first = if first < entry.stops.len() { first } else { 0 };
        self.playing = false;
        self.tour_stop(first);
    }

    /// Shows tour stop `i`: the cursor moves to its moment and the device
    /// it talks about is selected (the topology highlights it). Past the
    /// last stop the tour ends.
    fn tour_stop(&mut self, i: usize) {
        let Some(entry) = self.active().cloned() else { return };
        let Some(stop) = entry.stops.get(i) else {
            self.tour = None;
            return;
        };
        self.tour = Some(i);
        self.seek_step(stop.step);
        if let Some(subject) = &stop.subject {
            self.host = Some(subject.clone());
        }
    }

    fn guess(&mut self, checkpoint: usize, choice: usize) {
        let Some(entry) = self.active().cloned() else { return };
        let Some(cp) = entry.checkpoints.get(checkpoint) else { return };
        let Some(label) = cp.predict.choices.get(choice).map(|c| c.label.clone()) else { return };
        self.guesses.insert(cp.id.clone(), label.clone());
        if let Some(id) = self.source.as_ref().and_then(|s| s.shipped.clone()) {
            Rc::make_mut(&mut self.progress).guess(&id, &cp.id, &label);
        }
        if self.asking.take() == Some(checkpoint) {
            self.playing = true;
        }
    }
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        // Moving the playhead or the run leaves a waiting question (its
        // card stays while the playhead is between question and answer).
        if matches!(
            action,
            Action::SeekStep(_)
                | Action::SeekTime(_)
                | Action::Step(_)
                | Action::Interesting(_)
                | Action::Play(true)
                | Action::SwitchRun(_)
                | Action::Variant(_)
                | Action::Branch(_)
                | Action::Open { .. }
        ) {
            s.asking = None;
            s.tour = None;
            s.revealing = None;
        }
        // Playing on leaves an answer; showing its proof (SelectRecord) does not.
        if matches!(action, Action::Advance(_)) {
            s.revealing = None;
        }
        match action {
            Action::Open { scenario, source, variant, resume } => s.open(scenario, source, variant, resume),
            Action::LoadFailed(problem) => s.problem = Some(problem),
            Action::DismissProblem => s.problem = None,
            Action::Variant(v) => s.show_variant(v, Show::Switch),
            Action::SeekStep(step) => {
                s.playing = false;
                s.seek_step(step);
            }
            Action::SeekTime(t) => s.seek_time(t),
            Action::Advance(wall_ms) => {
                let Some(end) = s.active().map(|e| e.run.borrow().end) else { return self };
                let sim_ns = (wall_ms * s.speed * 1e6) as u64;
                let t = (s.time + Duration::from_nanos(sim_ns)).min(end);
                match s.checkpoint_stop(t) {
                    Some((at, stop)) => {
                        s.playing = false;
                        s.seek_time(at);
                        match stop {
                            Stop::Ask(i) => {
                                let id = s.active().map(|e| e.checkpoints[i].id.clone()).unwrap_or_default();
                                s.asked.insert(id);
                                s.asking = Some(i);
                            }
                            Stop::Reveal(i) => {
                                s.reveal(i);
                                s.revealing = Some(i);
                            }
                        }
                    }
                    None => {
                        s.seek_time(t);
                        if t >= end {
                            s.playing = false;
                        }
                    }
                }
            }
            Action::Step(dir) => {
                let Some(entry) = s.active().cloned() else { return self };
                let cursor = s.cursor();
                let target = match dir {
                    Dir::Forward => entry.story.next_step(cursor),
                    Dir::Back => Some(entry.story.previous_step(cursor)),
                };
                s.playing = false;
                if let Some(step) = target {
                    s.seek_step(step);
                }
            }
            Action::Interesting(dir) => {
                let Some(entry) = s.active().cloned() else { return self };
                let cursor = s.cursor();
                let mark = match dir {
                    Dir::Forward => entry.story.next_mark(cursor),
                    Dir::Back => entry.story.previous_mark(cursor),
                };
                s.playing = false;
                if let Some(m) = mark {
                    s.seek_step(m.step);
                }
            }
            Action::Play(on) if s.active().is_none() => s.play_when_ready = on && s.computing.is_some(),
            Action::Play(on) => {
                let at_end = s.active().is_some_and(|e| s.time >= e.run.borrow().end);
                if on && at_end {
                    s.seek_time(Instant::ZERO);
                }
                s.playing = on && s.active().is_some();
            }
            // Space moves the tour on while it runs.
            Action::TogglePlay if s.tour.is_some() => {
                let next = s.tour.map_or(0, |i| i + 1);
                s.tour_stop(next);
            }
            Action::TogglePlay => {
                let playing = s.playing;
                return self.reduce(Action::Play(!playing));
            }
            Action::Speed(x) => s.speed = x,
            Action::SelectHost(h) => s.host = h,
            Action::SelectRecord(i) => {
                let step = s.active().and_then(|e| e.run.borrow().trace().get(i).map(|r| r.step));
                if let Some(step) = step {
                    s.record = Some(i);
                    s.playing = false;
                    s.seek_step(step);
                }
            }
            Action::ClearRecord => s.record = None,
            Action::Branch(a) => {
                s.playing = false;
                s.start_branch(a);
            }
            Action::Compute => s.compute_more(false),
            Action::StopComputing => s.compute_more(true),
            Action::Console { host, line } => {
                s.playing = false;
                s.console(host, line);
                s.remember_edits();
            }
            Action::ClearConsole => s.console = Rc::default(),
            Action::DeleteRun(i) => {
                s.playing = false;
                s.delete_run(i);
                s.remember_edits();
            }
            Action::DismissNotice => s.notice = None,
            Action::SwitchRun(i) => {
                s.playing = false;
                s.switch_to(i);
                s.remember_edits();
            }
            Action::Compare(i) => {
                s.compare = i.filter(|i| *i != s.active && *i < s.runs.len());
                s.other = None;
                s.other_id = None;
                s.follow_in_compare();
            }
            Action::CompareShipped(id) => match s.shipped_run(&id) {
                Ok(entry) => {
                    s.compare = None;
                    s.other = Some(entry);
                    s.other_id = Some(id);
                    s.follow_in_compare();
                }
                Err(e) => s.problem = Some(LoadProblem { message: Some(e), ..LoadProblem::default() }),
            },
            Action::CompareVariant(v) => s.show_variant(v, Show::Compare),
            Action::Help(open) => s.help_open = open,
            Action::Lang(lang) => s.lang = lang,
            Action::Panels(panels) => s.panels = panels,
            Action::RevealHint(goal) => {
                let available = s.scenario.as_ref().and_then(|sc| {
                    sc.doc.spec.goals.iter().find(|g| g.name == goal).map(|g| g.hints.len().min(u8::MAX as usize) as u8)
                });
                let Some(available) = available else { return self };
                let shown = s.hints.entry(goal.clone()).or_default();
                *shown = (*shown + 1).min(available);
                let shown = *shown;
                if let Some(progress) = s.exercise_entry() {
                    let saved = progress.hints.entry(goal).or_default();
                    *saved = (*saved).max(shown);
                }
            }
            Action::GoalsPassed { names, complete } => {
                if !s.own_run() {
                    return self;
                }
                let Some(progress) = s.exercise_entry() else { return self };
                for name in names {
                    if !progress.passed.contains(&name) {
                        progress.passed.push(name);
                    }
                }
                progress.completed |= complete;
            }
            Action::ImportProgress(imported) => {
                Rc::make_mut(&mut s.progress).merge(imported);
                // Hints revealed elsewhere show here too.
                if let Some(saved) = s.exercise_progress().map(|p| p.hints.clone()) {
                    for (goal, n) in saved {
                        let shown = s.hints.entry(goal).or_default();
                        *shown = (*shown).max(n);
                    }
                }
            }
            Action::LinkProblem(p) => s.link_problem = p,
            Action::Draft(text) => s.draft = text,
            Action::Guess { checkpoint, choice } => s.guess(checkpoint, choice),
            Action::Tour(true) => s.start_tour(),
            Action::Tour(false) => s.tour = None,
            Action::TourNext => {
                let Some(i) = s.tour else { return self };
                s.tour_stop(i + 1);
            }
            Action::Speak(on) => s.speak = on,
            Action::GuessWaiting(n) => {
                let Some(entry) = s.active().cloned() else { return self };
                let open = s.asking.or_else(|| {
                    entry
                        .checkpoint_at(s.time)
                        .filter(|i| s.revealing.is_none() && s.time < entry.checkpoints[*i].reveal)
                });
                let Some(i) = open else { return self };
                s.guess(i, n);
            }
        }
        Rc::new(s)
    }
}

/// The state handle every component reads and dispatches to.
pub type Store = yew::UseReducerHandle<AppState>;

/// Dispatching only, for code that outlives a render (listeners, file readers).
pub type Dispatcher = yew::UseReducerDispatcher<AppState>;

/// The store, for a part drawn from only some of its fields (`key`): equal
/// while they are, so that a step of the cursor does not draw the part
/// again. The part reads nothing else from the store, not even in its
/// callbacks (which may dispatch).
#[derive(Clone)]
pub struct Slice<K> {
    pub store: Store,
    pub key: K,
}

impl<K: PartialEq> PartialEq for Slice<K> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

/// The store provided at the root of the app.
#[yew::hook]
pub fn use_store() -> Store {
    yew::use_context::<Store>().expect("the app provides the store at its root")
}
