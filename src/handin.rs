//! Handing in an exercise: the learner's actions, not their results, in a
//! small versioned file (and a short code to paste into a chat), which
//! anyone can check again by replaying it (`vipsim verify`).
//!
//! A hand-in holds the exercise id and a fingerprint of the exercise file,
//! the vipsim version, who hands it in, the hints they revealed, and every
//! action of their branch in the order the playground applied it (a fault,
//! a console command that took time, changed the world or is graded, a
//! manifest applied or edited, a delete), each with the step and the time
//! it was applied at. It holds no goal result: [`verify`] replays the
//! actions on the exercise this build ships and evaluates its goals as
//! `vipsim check` does, so a pass can only come from actions that pass.
//!
//! The `integrity` field is a SHA-256 over the rest of the content. It
//! catches a file that was edited by hand or damaged, and says so. It is
//! not a signature: the code is public, so whoever means to forge a file
//! can recompute it. What the replay guarantees does not depend on it: a
//! forged file can only claim actions, and passes only if those actions
//! solve the exercise. Actions recorded in another exercise (a different
//! exercise file) or with another vipsim version are reported as such and
//! never counted as passed, because their replay here would not be the
//! replay the learner saw.

use crate::play::goals::{self, GoalResult};
use crate::play::run::Run;
use crate::scenario::{Scenario, load};
use crate::sim::action::Action;
use crate::time::{Duration, Instant};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::rc::Rc;

/// The current hand-in format.
pub const HANDIN_VERSION: u32 = 1;

/// The version of vipsim that writes and verifies hand-ins.
pub const VIPSIM_VERSION: &str = env!("CARGO_PKG_VERSION");

/// One thing the learner did: `action`, applied at step `step` of the run
/// it branched (the playground's cursor), which was at time `at`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Acted {
    pub step: u64,
    pub at: Duration,
    pub action: Action,
}

/// A hand-in file. Unknown fields are refused: a file carrying results
/// (`"passed": true`) or anything else a hand-in does not have was edited.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HandIn {
    pub format: u32,
    /// The learner's name as they typed it.
    pub learner: String,
    /// The exercise id (`metadata.name`).
    pub exercise: String,
    /// SHA-256 of the exercise file the actions were taken in.
    pub exercise_sha256: String,
    /// The vipsim version that recorded the actions.
    pub vipsim: String,
    pub actions: Vec<Acted>,
    /// Hints revealed, per goal name (for the instructor; not graded).
    #[serde(default)]
    pub hints: BTreeMap<String, u8>,
    /// SHA-256 of the content above (see the module comment: it detects
    /// edits, it does not prevent forgery).
    pub integrity: String,
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The fingerprint of an exercise file, as hand-ins carry it.
pub fn exercise_fingerprint(yaml: &str) -> String {
    sha256_hex(yaml.as_bytes())
}

impl HandIn {
    /// A hand-in of `actions` taken in the shipped exercise `exercise`
    /// (its id and file text), sealed with its integrity hash.
    pub fn new(
        learner: &str,
        exercise: &str,
        exercise_yaml: &str,
        actions: Vec<Acted>,
        hints: BTreeMap<String, u8>,
    ) -> HandIn {
        let mut h = HandIn {
            format: HANDIN_VERSION,
            learner: learner.trim().to_string(),
            exercise: exercise.to_string(),
            exercise_sha256: exercise_fingerprint(exercise_yaml),
            vipsim: VIPSIM_VERSION.to_string(),
            actions,
            hints,
            integrity: String::new(),
        };
        h.integrity = h.content_hash();
        h
    }

    /// SHA-256 of the hand-in's content with the integrity field empty,
    /// serialised the one way this struct serialises (so reformatting the
    /// JSON changes nothing, editing a value does).
    pub fn content_hash(&self) -> String {
        let unsealed = HandIn { integrity: String::new(), ..self.clone() };
        sha256_hex(serde_json::to_string(&unsealed).expect("a hand-in always serialises").as_bytes())
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a hand-in always serialises")
    }

    /// The file name the playground offers: `<exercise>-<learner>.vipsim.json`.
    pub fn file_name(&self) -> String {
        let learner: String =
            self.learner.chars().map(|c| if c.is_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect();
        let learner = if learner.trim_matches('-').is_empty() { "learner".to_string() } else { learner };
        format!("{}-{learner}.vipsim.json", self.exercise)
    }

    /// The short code for a chat: a format byte, then the JSON (compact,
    /// without the integrity field's whitespace) deflated, in URL-safe base64.
    pub fn to_code(&self) -> String {
        let body = serde_json::to_vec(self).expect("a hand-in always serialises");
        let mut bytes = vec![HANDIN_VERSION as u8];
        bytes.extend(miniz_oxide::deflate::compress_to_vec(&body, 9));
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Reads a hand-in from a file's text: its JSON, or the short code.
    /// Errors say why the text is no hand-in (damaged, a newer format,
    /// fields a hand-in does not have); the integrity is checked by [`verify`].
    pub fn parse(text: &str) -> Result<HandIn, String> {
        Self::read(text).map_err(|v| match v {
            Verdict::Unreadable(e) | Verdict::Tampered(e) => e,
            other => format!("{other:?}"),
        })
    }

    /// [`HandIn::parse`], telling a text that is no hand-in
    /// ([`Verdict::Unreadable`]) from a hand-in whose fields were changed
    /// into something a hand-in does not hold ([`Verdict::Tampered`]).
    fn read(text: &str) -> Result<HandIn, Verdict> {
        let text = text.trim();
        if text.starts_with('{') {
            return Self::from_json(text.as_bytes());
        }
        let unreadable = |e: &str| Verdict::Unreadable(e.to_string());
        let bytes = URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| unreadable("this is neither a hand-in file nor a hand-in code (not JSON, not base64)"))?;
        let (version, packed) = bytes.split_first().ok_or_else(|| unreadable("this hand-in code is empty"))?;
        match u32::from(*version) {
            1 => {
                // A hand-in is a few kilobytes; a bomb would inflate far beyond.
                let body = miniz_oxide::inflate::decompress_to_vec_with_limit(packed, 1 << 22)
                    .map_err(|_| unreadable("this hand-in code is damaged (it does not decompress)"))?;
                Self::from_json(&body)
            }
            v if v > HANDIN_VERSION => Err(Verdict::Unreadable(format!(
                "this hand-in code was made by a newer vipsim (format {v}); verify it with that version"
            ))),
            v => Err(Verdict::Unreadable(format!("this hand-in code uses format {v}, which this vipsim cannot read"))),
        }
    }

    fn from_json(bytes: &[u8]) -> Result<HandIn, Verdict> {
        let damaged = |e: String| Verdict::Unreadable(format!("this hand-in is damaged (not JSON: {e})"));
        let text = std::str::from_utf8(bytes).map_err(|e| damaged(e.to_string()))?;
        let value: serde_json::Value = crate::json::read(text).map_err(|e| damaged(e.to_string()))?;
        match value.get("format").and_then(|v| v.as_u64()) {
            None => return Err(Verdict::Unreadable("this is not a vipsim hand-in (it has no format)".into())),
            Some(v) if v > HANDIN_VERSION as u64 => {
                return Err(Verdict::Unreadable(format!(
                    "this hand-in was made by a newer vipsim (format {v}); verify it with that version"
                )));
            }
            Some(_) => {}
        }
        // The text again, as a hand-in: through the one JSON reader, rather
        // than a second deserializer of every hand-in type over the tree
        // (issue 17), as progress files are read.
        crate::json::read(text)
            .map_err(|e| Verdict::Tampered(format!("it holds what no hand-in holds, so it was edited: {e}")))
    }
}

/// What [`verify`] found.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// The text is no hand-in this vipsim can read.
    Unreadable(String),
    /// The content does not match its integrity hash, or the replay does
    /// not match the recorded steps and times: the file was edited.
    Tampered(String),
    /// Recorded with another vipsim version.
    OtherVersion { made_with: String },
    /// Recorded in an exercise this build does not ship, or in a different
    /// file than the one it ships under that id.
    OtherExercise(String),
    /// Replayed: each goal's result as `vipsim check` gives it.
    Replayed(Vec<GoalResult>),
}

/// One hand-in, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Checked {
    /// The hand-in, when it could be read.
    pub handin: Option<HandIn>,
    pub verdict: Verdict,
}

impl Checked {
    /// Passed: replayed, and every goal passes.
    pub fn passed(&self) -> bool {
        matches!(&self.verdict, Verdict::Replayed(goals) if !goals.is_empty() && goals.iter().all(|g| g.pass))
    }
}

/// Replays `actions` from the start of `scenario` as the playground made
/// them: each time, move the cursor to the recorded step and branch there
/// with the action. Returns the final run, or the first action whose step
/// or time the replay does not reproduce.
pub fn replay(scenario: Rc<Scenario>, actions: &[Acted]) -> Result<Run, String> {
    replay_from(Run::new(scenario, None, None, None)?, actions)
}

/// [`replay`] from `run`, the exercise's run as it opens.
fn replay_from(mut run: Run, actions: &[Acted]) -> Result<Run, String> {
    for (i, a) in actions.iter().enumerate() {
        run.seek(a.step);
        let at = run.time_of(run.cursor()).saturating_since(Instant::ZERO);
        if run.cursor() != a.step || at != a.at {
            return Err(format!(
                "action {} ({}) is recorded at step {} ({}), but the replay has step {} at {}",
                i + 1,
                a.action.describe(),
                a.step,
                a.at,
                run.cursor(),
                at
            ));
        }
        run = run.branch(a.action.clone());
    }
    Ok(run)
}

/// Acts as a learner does in the playground: moves `run`'s cursor to the
/// last step at or before `at`, applies `action` there in a new branch, and
/// records it. (How tests and tools write hand-ins without a browser.)
pub fn act(run: &Run, at: Instant, action: Action, actions: &mut Vec<Acted>) -> Run {
    let mut run = run.clone();
    run.seek_time(at);
    let step = run.cursor();
    let at = run.time_of(step).saturating_since(Instant::ZERO);
    actions.push(Acted { step, at, action: action.clone() });
    run.branch(action)
}

/// Checks one hand-in's text against the exercises this build ships.
pub fn verify(text: &str) -> Checked {
    Verifier::default().verify(text)
}

/// Checks many hand-ins, computing each exercise's opening run once: a
/// class of thirty replays from clones of one run, not thirty runs.
#[derive(Default)]
pub struct Verifier {
    opened: BTreeMap<String, Result<Run, String>>,
}

impl Verifier {
    /// As [`verify`].
    pub fn verify(&mut self, text: &str) -> Checked {
        let handin = match HandIn::read(text) {
            Ok(h) => h,
            Err(verdict) => return Checked { handin: None, verdict },
        };
        let verdict = self.judge(&handin);
        Checked { handin: Some(handin), verdict }
    }

    fn judge(&mut self, h: &HandIn) -> Verdict {
        let shipped = match provenance(h) {
            Ok(shipped) => shipped,
            Err(verdict) => return verdict,
        };
        let opened = self.opened.entry(h.exercise.clone()).or_insert_with(|| {
            let scenario = load::load(shipped.file, shipped.yaml)
                .map_err(|e| format!("the shipped exercise does not load: {e:?}"))?;
            Run::new(Rc::new(scenario), None, None, None)
        });
        match opened {
            Ok(run) => match replay_from(run.clone(), &h.actions) {
                Ok(run) => Verdict::Replayed(goals::evaluate(&run)),
                Err(e) => Verdict::Tampered(e),
            },
            Err(e) => Verdict::Unreadable(e.clone()),
        }
    }
}

/// Whether `h` is sealed, from this version and from an exercise this build
/// ships as it was when the actions were taken.
fn provenance(h: &HandIn) -> Result<crate::catalog::Shipped, Verdict> {
    if h.content_hash() != h.integrity {
        return Err(Verdict::Tampered(
            "its content does not match its integrity hash: the file was edited after it was handed in".into(),
        ));
    }
    if h.vipsim != VIPSIM_VERSION {
        return Err(Verdict::OtherVersion { made_with: h.vipsim.clone() });
    }
    let Some(shipped) = crate::catalog::workshop().into_iter().find(|s| s.id == h.exercise) else {
        return Err(Verdict::OtherExercise(format!("this vipsim has no exercise `{}`", h.exercise)));
    };
    if exercise_fingerprint(shipped.yaml) != h.exercise_sha256 {
        return Err(Verdict::OtherExercise(format!(
            "the actions were recorded in another exercise file than `{}` as this vipsim ships it",
            h.exercise
        )));
    }
    Ok(shipped)
}

/// The report `vipsim verify` prints for one hand-in.
pub fn report(name: &str, c: &Checked) -> String {
    let who = match &c.handin {
        Some(h) => format!(
            "{}: {} in {} (vipsim {}, {} action{})",
            name,
            if h.learner.is_empty() { "(no name)" } else { &h.learner },
            h.exercise,
            h.vipsim,
            h.actions.len(),
            if h.actions.len() == 1 { "" } else { "s" }
        ),
        None => format!("{name}:"),
    };
    let mut out = format!("{who}\n");
    match &c.verdict {
        Verdict::Unreadable(e) => out.push_str(&format!("  UNREADABLE {e}\n")),
        Verdict::Tampered(e) => out.push_str(&format!("  TAMPERED {e}\n")),
        Verdict::OtherVersion { made_with } => out.push_str(&format!(
            "  OTHER VERSION recorded with vipsim {made_with}, this is {VIPSIM_VERSION}: verify it with vipsim {made_with}\n"
        )),
        Verdict::OtherExercise(e) => out.push_str(&format!("  OTHER EXERCISE {e}\n")),
        Verdict::Replayed(goals) => {
            for g in goals {
                out.push_str(&format!("  {} {}: {}\n", if g.pass { "PASS" } else { "FAIL" }, g.name, g.detail));
            }
            let passed = goals.iter().filter(|g| g.pass).count();
            out.push_str(&format!("  {passed}/{} goals passed\n", goals.len()));
        }
    }
    out
}
