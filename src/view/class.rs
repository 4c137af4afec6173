//! The class view (`#/class`): an instructor drops many hand-ins
//! ([`crate::handin`]) on the page; each is checked by replaying it, as
//! `vipsim verify` does, and the results read as one table, a learner per
//! row and a goal per column, sortable and exportable as CSV. No server:
//! the replay runs in the instructor's browser.
//!
//! A row says what the replay decided, never what the file claims: a file
//! that was edited, recorded with another vipsim or in another exercise is
//! listed with that problem and no goal results.

use crate::handin::{Checked, Verdict};
use crate::sort::Sort;
use crate::time::Duration;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// What the replay of one hand-in decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Standing {
    Passed,
    Failed,
    Tampered,
    OtherVersion,
    OtherExercise,
    Unreadable,
}

impl Standing {
    /// The word the page's data and the CSV use.
    pub fn id(self) -> &'static str {
        match self {
            Standing::Passed => "passed",
            Standing::Failed => "failed",
            Standing::Tampered => "tampered",
            Standing::OtherVersion => "other-version",
            Standing::OtherExercise => "other-exercise",
            Standing::Unreadable => "unreadable",
        }
    }
}

/// One hand-in, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The file's name (or the start of a pasted code).
    pub file: String,
    /// As the learner typed it; empty when the file could not be read.
    pub learner: String,
    pub exercise: String,
    pub standing: Standing,
    /// Why it was not replayed, as `vipsim verify` says it.
    pub problem: Option<String>,
    /// Each goal's result, in the exercise's order.
    pub goals: Vec<(String, bool)>,
    /// The simulated time of the learner's last action when every goal
    /// passes: the moment in the run at which they solved it.
    pub solved_at: Option<Duration>,
    /// Hints revealed, over all goals.
    pub hints: u32,
    pub actions: usize,
}

impl Row {
    pub fn of(file: &str, checked: &Checked) -> Row {
        let h = checked.handin.as_ref();
        let (standing, problem, goals) = match &checked.verdict {
            Verdict::Replayed(goals) => (
                if checked.passed() { Standing::Passed } else { Standing::Failed },
                None,
                goals.iter().map(|g| (g.name.clone(), g.pass)).collect(),
            ),
            Verdict::Tampered(why) => (Standing::Tampered, Some(why.clone()), vec![]),
            Verdict::OtherVersion { made_with } => {
                (Standing::OtherVersion, Some(format!("recorded with vipsim {made_with}")), vec![])
            }
            Verdict::OtherExercise(why) => (Standing::OtherExercise, Some(why.clone()), vec![]),
            Verdict::Unreadable(why) => (Standing::Unreadable, Some(why.clone()), vec![]),
        };
        Row {
            file: file.to_string(),
            learner: h.map(|h| h.learner.clone()).unwrap_or_default(),
            exercise: h.map(|h| h.exercise.clone()).unwrap_or_default(),
            solved_at: (standing == Standing::Passed).then(|| h.and_then(|h| h.actions.last()).map(|a| a.at)).flatten(),
            standing,
            problem,
            goals,
            hints: h.map(|h| h.hints.values().map(|n| u32::from(*n)).sum()).unwrap_or(0),
            actions: h.map(|h| h.actions.len()).unwrap_or(0),
        }
    }

    pub fn goal(&self, name: &str) -> Option<bool> {
        self.goals.iter().find(|(n, _)| n == name).map(|(_, pass)| *pass)
    }

    pub fn passed_goals(&self) -> usize {
        self.goals.iter().filter(|(_, pass)| *pass).count()
    }
}

/// A column the table sorts by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Column {
    Learner,
    Exercise,
    Standing,
    Passed,
    Goal(String),
    SolvedAt,
    Hints,
    File,
}

/// The class: every hand-in checked so far, in the order they came.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Class {
    pub rows: Vec<Row>,
}

/// Text compared as people read names: case-insensitively first (ASCII
/// letters only: Unicode case mapping would add its tables, 17 KB gzip,
/// to the wasm for this one sort, and a byte order is no collation anyway).
fn by_name(a: &str, b: &str) -> Ordering {
    a.to_ascii_lowercase().cmp(&b.to_ascii_lowercase()).then_with(|| a.cmp(b))
}

impl Class {
    /// The goals of every exercise in the class, each once, in the order
    /// the exercises list them.
    pub fn goal_columns(&self) -> Vec<String> {
        let mut seen = Vec::new();
        for (name, _) in self.rows.iter().flat_map(|r| &r.goals) {
            if !seen.contains(name) {
                seen.push(name.clone());
            }
        }
        seen
    }

    /// The rows' indices sorted by `column` (missing values last either
    /// way), ties broken by learner (the unnamed last), then file, so the order is the same
    /// in every browser.
    pub fn order(&self, column: &Column, descending: bool) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.rows.len()).collect();
        let key = |r: &Row| -> (bool, i64, String) {
            // (missing, number, text)
            match column {
                Column::Learner => (r.learner.is_empty(), 0, r.learner.clone()),
                Column::Exercise => (r.exercise.is_empty(), 0, r.exercise.clone()),
                Column::Standing => (false, r.standing as i64, String::new()),
                Column::Passed => (r.goals.is_empty(), r.passed_goals() as i64, String::new()),
                Column::Goal(g) => match r.goal(g) {
                    Some(pass) => (false, i64::from(pass), String::new()),
                    None => (true, 0, String::new()),
                },
                Column::SolvedAt => {
                    (r.solved_at.is_none(), r.solved_at.map_or(0, |d| d.as_nanos() as i64), String::new())
                }
                Column::Hints => (false, i64::from(r.hints), String::new()),
                Column::File => (false, 0, r.file.clone()),
            }
        };
        order.stable_sort_by(|&a, &b| {
            let (ra, rb) = (&self.rows[a], &self.rows[b]);
            let (ka, kb) = (key(ra), key(rb));
            let primary = ka.1.cmp(&kb.1).then_with(|| by_name(&ka.2, &kb.2));
            ka.0.cmp(&kb.0)
                .then(if descending { primary.reverse() } else { primary })
                .then_with(|| ra.learner.is_empty().cmp(&rb.learner.is_empty()))
                .then_with(|| by_name(&ra.learner, &rb.learner))
                .then_with(|| ra.file.cmp(&rb.file))
        });
        order
    }

    /// The table as CSV (RFC 4180: fields with a comma, quote or line
    /// break quoted, quotes doubled), rows in `order`: learner, exercise,
    /// file, result, goals passed, one column per goal (pass, fail, or
    /// empty when the exercise has no such goal or was not replayed),
    /// solved at (simulated seconds), hints, actions, problem.
    pub fn to_csv(&self, order: &[usize]) -> String {
        let goals = self.goal_columns();
        let mut header: Vec<String> =
            ["learner", "exercise", "file", "result", "goals passed"].iter().map(|s| s.to_string()).collect();
        header.extend(goals.iter().cloned());
        header.extend(["solved at (s)", "hints", "actions", "problem"].iter().map(|s| s.to_string()));
        let mut out = String::new();
        line(&mut out, &header);
        for &i in order {
            let r = &self.rows[i];
            let mut fields = vec![
                r.learner.clone(),
                r.exercise.clone(),
                r.file.clone(),
                r.standing.id().to_string(),
                if r.goals.is_empty() { String::new() } else { format!("{}/{}", r.passed_goals(), r.goals.len()) },
            ];
            fields.extend(goals.iter().map(|g| match r.goal(g) {
                Some(true) => "pass".to_string(),
                Some(false) => "fail".to_string(),
                None => String::new(),
            }));
            fields.push(r.solved_at.map(|d| format!("{:.3}", d.as_secs_f64())).unwrap_or_default());
            fields.push(r.hints.to_string());
            fields.push(r.actions.to_string());
            fields.push(r.problem.clone().unwrap_or_default());
            line(&mut out, &fields);
        }
        out
    }

    /// How many hand-ins stand each way, for the summary line.
    pub fn tally(&self) -> BTreeMap<Standing, usize> {
        let mut t = BTreeMap::new();
        for r in &self.rows {
            *t.entry(r.standing).or_default() += 1;
        }
        t
    }
}

fn line(out: &mut String, fields: &[String]) {
    let quoted: Vec<String> = fields
        .iter()
        .map(|f| if f.contains([',', '"', '\n', '\r']) { format!("\"{}\"", f.replace('"', "\"\"")) } else { f.clone() })
        .collect();
    out.push_str(&quoted.join(","));
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handin::{self, HandIn};
    use crate::play::run::Run;
    use crate::scenario::load;
    use crate::time::Instant;
    use std::rc::Rc;

    fn exercise(id: &str) -> crate::catalog::Shipped {
        crate::catalog::workshop().into_iter().find(|s| s.id == id).expect("a shipped exercise")
    }

    /// A hand-in of ex06 by `learner`: the author's remedy (flush the
    /// router's cache at 35 s) when `solve`, nothing otherwise.
    fn ex06(learner: &str, solve: bool, hints: u8) -> String {
        let shipped = exercise("ex06-garp-blackhole");
        let scenario = Rc::new(load::load(shipped.file, shipped.yaml).unwrap());
        let run = Run::new(scenario, None, None, None).unwrap();
        let mut actions = vec![];
        if solve {
            use crate::scenario::spec::{FaultAction, FaultStep};
            let flush = crate::sim::Action::Fault(FaultStep::new("router", FaultAction::FlushArp));
            handin::act(&run, Instant::ZERO + Duration::from_secs(35), flush, &mut actions);
        }
        let hints = if hints > 0 { [("The router's ARP entry".to_string(), hints)].into() } else { Default::default() };
        HandIn::new(learner, &shipped.id, shipped.yaml, actions, hints).to_json()
    }

    #[test]
    fn a_class_of_hand_ins_reads_as_rows_of_goals() {
        let solved = ex06("Ada", true, 2);
        let lazy = ex06("bob", false, 0);
        let mut edited: serde_json::Value = serde_json::from_str(&solved).unwrap();
        edited["learner"] = "Mallory".into();
        let class = Class {
            rows: vec![
                Row::of("ada.json", &handin::verify(&solved)),
                Row::of("bob.json", &handin::verify(&lazy)),
                Row::of("mallory.json", &handin::verify(&edited.to_string())),
                Row::of("junk.txt", &handin::verify("not a hand-in")),
            ],
        };
        let [ada, bob, mallory, junk] = &class.rows[..] else { unreachable!() };
        assert_eq!((ada.standing, ada.learner.as_str(), ada.hints, ada.actions), (Standing::Passed, "Ada", 2, 1));
        assert_eq!(ada.solved_at, Some(Duration::from_secs(35)));
        assert!(ada.goals.iter().all(|(_, pass)| *pass) && !ada.goals.is_empty());
        assert_eq!((bob.standing, bob.solved_at), (Standing::Failed, None));
        assert_eq!(
            bob.goals.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            ada.goals.iter().map(|(n, _)| n).collect::<Vec<_>>()
        );
        // An edited file is listed with its problem, never with results.
        assert_eq!((mallory.standing, mallory.goals.len()), (Standing::Tampered, 0));
        assert!(mallory.problem.as_deref().unwrap().contains("integrity hash"));
        assert_eq!((junk.standing, junk.learner.as_str()), (Standing::Unreadable, ""));
        assert_eq!(class.goal_columns(), ada.goals.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>());

        // Learner: case-insensitive, the unnamed last. Solved at: unsolved last.
        assert_eq!(class.order(&Column::Learner, false), vec![0, 1, 2, 3]);
        assert_eq!(class.order(&Column::Learner, true), vec![2, 1, 0, 3]);
        assert_eq!(class.order(&Column::SolvedAt, false)[0], 0);
        assert_eq!(class.order(&Column::Standing, true)[3], 0);
        let goal = Column::Goal(ada.goals[0].0.clone());
        assert_eq!(class.order(&goal, true), vec![0, 1, 2, 3]);

        let csv = class.to_csv(&class.order(&Column::Learner, false));
        let lines: Vec<&str> = csv.split("\r\n").collect();
        let goals = class.goal_columns().join(",");
        assert_eq!(
            lines[0],
            format!("learner,exercise,file,result,goals passed,{goals},solved at (s),hints,actions,problem")
        );
        let n = class.goal_columns().len();
        assert_eq!(
            lines[1],
            format!("Ada,ex06-garp-blackhole,ada.json,passed,{n}/{n},{},35.000,2,1,", vec!["pass"; n].join(","))
        );
        assert!(lines[3].starts_with("Mallory,ex06-garp-blackhole,mallory.json,tampered,,"), "{}", lines[3]);
        assert_eq!(lines.len(), 6, "a header, four rows and the final line break");
    }

    #[test]
    fn csv_fields_with_commas_quotes_or_line_breaks_are_quoted() {
        let mut out = String::new();
        line(&mut out, &["plain".into(), "a, b".into(), "say \"hi\"".into(), "two\nlines".into()]);
        assert_eq!(out, "plain,\"a, b\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n");
    }
}
