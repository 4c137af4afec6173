//! The console as a learner uses it at a run's cursor, like a terminal: a
//! line that only reads prints at once; a line that takes simulated time
//! (`curl`, `arping`, `ping`, `tcpdump`) or changes the world goes into the
//! run, and the cursor moves forward to its completion so its output prints
//! right under it, unless the line ends in `&` (run in the background).
//! Lines typed in one sitting make one branch of the run, a *session*,
//! named after where it started ("console at 30.000 s: 3 commands"); the
//! scenario's own timeline commands are part of the history too.
//!
//! The playground's state keeps the session and the entries; this module
//! decides, so the decisions are tested natively.

use crate::engine::trace::{Kind, Record};
use crate::scenario::spec::StepAction;
use crate::sim::World;
use crate::sim::action::Action;
use crate::time::{Duration, Instant};

/// A console line as typed: the command, and whether it runs in the background.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub cmd: String,
    /// Ends in `&`: the cursor stays where it is while the command runs.
    pub background: bool,
}

impl Line {
    /// Reads a typed line; a single trailing `&` (not `&&`) asks for the background.
    pub fn parse(typed: &str) -> Line {
        let t = typed.trim();
        match t.strip_suffix('&') {
            Some(rest) if !rest.ends_with('&') => Line { cmd: rest.trim_end().to_string(), background: true },
            _ => Line { cmd: t.to_string(), background: false },
        }
    }
}

/// What a line does at the cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// It only reads: its output (or the error), and the world is unchanged.
    Prints(String),
    /// It must go into the run: it takes simulated time, changes the world,
    /// or a goal grades it (the check reads the run's trace).
    Runs,
}

/// Decides what `cmd` on `host` does in `world`: a line that only reads
/// ([`super::run_read_only`]) runs on `world` itself, any other on a copy,
/// and prints at once if the copy is unchanged after it.
pub fn effect(world: &World, host: &str, cmd: &str, graded: bool) -> Effect {
    match super::run_read_only(world, host, cmd) {
        Some(Err(e)) => return Effect::Prints(format!("{e}\n")),
        Some(Ok(_)) if graded => return Effect::Runs,
        Some(Ok(printed)) => return Effect::Prints(printed.text),
        None => {}
    }
    let mut scratch = world.clone();
    let mut trace = Vec::new();
    match super::run(&mut scratch, host, cmd, &mut trace) {
        Err(e) => Effect::Prints(format!("{e}\n")),
        Ok(Some(_)) if graded => Effect::Runs,
        Ok(Some(out)) if scratch == *world => Effect::Prints(out),
        Ok(_) => Effect::Runs,
    }
}

/// The record of the command `cmd` that `host` started at `started`, once it finished.
pub fn finished<'a>(trace: &'a [Record], host: &str, cmd: &str, started: Instant) -> Option<&'a Record> {
    trace.iter().find(|r| {
        matches!(&r.kind, Kind::Command { host: h, cmd: c, started: s, .. } if **h == *host && **c == *cmd && *s == started)
    })
}

/// A finished command's text as a terminal shows it ([`crate::engine::trace::terminal_text`]).
pub fn printed(record: &Record) -> Option<String> {
    match &record.kind {
        Kind::Command { stdout, stderr, stderr_first, .. } => {
            Some(crate::engine::trace::terminal_text(stdout, stderr, *stderr_first))
        }
        _ => None,
    }
}

/// A console session: the branch its lines run in, and what it ran.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    /// When its first line ran.
    pub started: Instant,
    /// Lines that went into the run.
    pub commands: usize,
    /// The step its latest line was applied at.
    pub last_step: u64,
}

impl Session {
    pub fn new(started: Instant, step: u64) -> Session {
        Session { started, commands: 1, last_step: step }
    }

    /// Whether a line at `cursor` continues this session in place: at or
    /// after its latest line (an earlier moment would rewrite what it
    /// printed), and with no branch forked from it after `cursor` (their
    /// past would change under them). Otherwise the line starts a new
    /// session, branched at the cursor.
    pub fn continues_at(&self, cursor: u64, forks_after_cursor: bool) -> bool {
        cursor >= self.last_step && !forks_after_cursor
    }

    /// The session after one more line at `step`.
    pub fn with_line(&self, step: u64) -> Session {
        Session { commands: self.commands + 1, last_step: step, ..self.clone() }
    }
}

/// Whether an action is a console line (it may continue a session).
pub fn is_line(action: &Action) -> bool {
    matches!(action, Action::Run { .. })
}

/// A command the scenario's own timeline ran, as the history shows it: a
/// line the timeline repeats (`every:`) is one entry, its latest run.
#[derive(Clone, Debug, PartialEq)]
pub struct Scripted {
    pub host: String,
    pub cmd: String,
    /// When its (latest) run started and finished.
    pub started: Instant,
    pub done: Instant,
    pub output: String,
    pub exit: i32,
    /// How often it ran so far, since `first`, and how many of those failed.
    pub runs: usize,
    pub failed: usize,
    pub first: Instant,
    /// The timeline's interval, for a repeated line.
    pub every: Option<Duration>,
}

/// The scenario's timeline commands that finished by the end of `visible`,
/// oldest first (a repeated line sits at its latest run). A command is the
/// timeline's when a `run:` step names that host and line at a time it was
/// scheduled; lines typed in the console are not.
pub fn scripted(world: &World, visible: &[Record]) -> Vec<Scripted> {
    let timeline = &world.script.timeline;
    let mut out: Vec<(usize, Scripted)> = Vec::new();
    for r in visible {
        let Kind::Command { host, cmd, started, exit, .. } = &r.kind else { continue };
        let step = timeline.iter().position(|s| {
            matches!(&s.action, StepAction::Run(run) if run.host == **host && *run.cmd == **cmd)
                && scheduled(s, *started)
        });
        let Some(step) = step else { continue };
        let every = timeline[step].every.filter(|e| *e > Duration::ZERO);
        let failed = usize::from(*exit != 0);
        let latest = Scripted {
            host: host.to_string(),
            cmd: cmd.to_string(),
            started: *started,
            done: r.t,
            output: printed(r).unwrap_or_default(),
            exit: *exit,
            runs: 1,
            failed,
            first: *started,
            every,
        };
        match out.iter().position(|(s, _)| every.is_some() && *s == step) {
            Some(i) => {
                let (_, before) = out.remove(i);
                out.push((
                    step,
                    Scripted { runs: before.runs + 1, failed: before.failed + failed, first: before.first, ..latest },
                ));
            }
            None => out.push((step, latest)),
        }
    }
    out.into_iter().map(|(_, s)| s).collect()
}

/// Whether a timeline step runs at `t`: its `at`, or a repetition of it.
fn scheduled(step: &crate::scenario::spec::Step, t: Instant) -> bool {
    let at = Instant::ZERO + step.at;
    if t == at {
        return true;
    }
    match step.every.filter(|e| *e > Duration::ZERO) {
        Some(every) if t > at => {
            let since = t.saturating_since(at).as_nanos();
            since.is_multiple_of(every.as_nanos()) && step.until.is_none_or(|u| t <= Instant::ZERO + u)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trailing_ampersand_runs_in_the_background_and_a_double_one_does_not() {
        assert_eq!(Line::parse("curl http://x/ &"), Line { cmd: "curl http://x/".into(), background: true });
        assert_eq!(Line::parse("  ping -c 1 10.0.0.1&  "), Line { cmd: "ping -c 1 10.0.0.1".into(), background: true });
        assert_eq!(Line::parse("true && false"), Line { cmd: "true && false".into(), background: false });
        assert_eq!(Line::parse("kubectl get svc"), Line { cmd: "kubectl get svc".into(), background: false });
    }

    #[test]
    fn a_session_continues_forward_only_and_not_under_a_later_fork() {
        let s = Session::new(Instant::from_secs(30), 700);
        assert!(s.continues_at(700, false));
        assert!(s.continues_at(900, false));
        assert!(!s.continues_at(699, false), "an earlier moment starts a new session");
        assert!(!s.continues_at(900, true), "a branch forked later keeps its past");
        let s = s.with_line(900);
        assert_eq!((s.commands, s.last_step, s.started), (2, 900, Instant::from_secs(30)));
    }
}
