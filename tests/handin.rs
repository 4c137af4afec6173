//! Hand-ins (issue 20, point 1): a learner's actions replayed from the
//! shipped exercise by `vipsim verify`. Every exercise's author solution,
//! taken as a learner takes it (the cursor at each step's time, a branch
//! with its action), passes; the exercise untouched fails; an edited file
//! is reported, never passed.

use std::collections::BTreeMap;
use std::process::Command;
use std::rc::Rc;
use vipsim::handin::{self, Acted, HandIn, Verdict};
use vipsim::play::run::Run;
use vipsim::sim::action::Action;
use vipsim::time::{Duration, Instant};

fn scenario(id: &str) -> (vipsim::catalog::Shipped, Rc<vipsim::scenario::Scenario>) {
    let shipped = vipsim::catalog::find(id).expect("exercise");
    let s = vipsim::scenario::load::load(shipped.file, shipped.yaml).expect("loads");
    (shipped, Rc::new(s))
}

/// The author's solution of exercise `id`, acted out in the playground's
/// way and handed in by `learner`.
fn solved(id: &str, learner: &str) -> HandIn {
    let (shipped, scenario) = scenario(id);
    let mut run = Run::new(scenario.clone(), None, None, None).expect("builds");
    let mut actions = Vec::new();
    for step in &scenario.doc.spec.solution {
        let action = Action::from_step(step).expect("a solution step acts");
        run = handin::act(&run, Instant::ZERO + step.at, action, &mut actions);
    }
    let hints = BTreeMap::from([(scenario.doc.spec.goals[0].name.clone(), 2)]);
    HandIn::new(learner, &shipped.id, shipped.yaml, actions, hints)
}

fn untouched(id: &str) -> HandIn {
    let (shipped, _) = scenario(id);
    HandIn::new("lazy", &shipped.id, shipped.yaml, Vec::new(), BTreeMap::new())
}

fn goals_of(v: &Verdict) -> Vec<(String, bool)> {
    match v {
        Verdict::Replayed(goals) => goals.iter().map(|g| (g.name.clone(), g.pass)).collect(),
        other => panic!("not replayed: {other:?}"),
    }
}

#[test]
fn every_exercise_solution_handed_in_passes_and_the_untouched_exercise_fails() {
    for s in vipsim::catalog::workshop() {
        let good = handin::verify(&solved(&s.id, "ada").to_json());
        assert!(good.passed(), "{}: {:?}", s.id, good.verdict);
        let lazy = handin::verify(&untouched(&s.id).to_json());
        assert!(!lazy.passed(), "{}: passes without acting", s.id);
        assert!(goals_of(&lazy.verdict).iter().any(|(_, pass)| !pass), "{}", s.id);
    }
}

#[test]
fn a_hand_in_holds_actions_with_steps_and_times_and_no_results() {
    let h = solved("ex06-garp-blackhole", "Ada Lovelace");
    let json: serde_json::Value = serde_json::from_str(&h.to_json()).unwrap();
    let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["actions", "exercise", "exerciseSha256", "format", "hints", "integrity", "learner", "vipsim"],
        "no results, only what was done"
    );
    assert_eq!(json["format"], 1);
    assert_eq!(json["vipsim"], env!("CARGO_PKG_VERSION"));
    assert_eq!(json["exercise"], "ex06-garp-blackhole");
    // The author flushes the router's ARP cache at 35 s: the learner's
    // cursor sits on the last step at or before it.
    let acted = &json["actions"][0];
    assert_eq!(acted["action"], serde_json::json!({"fault": {"host": "router", "action": "flush-arp"}}));
    let at = Duration::parse(acted["at"].as_str().unwrap()).unwrap();
    assert!(at <= Duration::from_secs(35) && at > Duration::from_secs(34), "{at}");
    assert_eq!(h.file_name(), "ex06-garp-blackhole-Ada-Lovelace.vipsim.json");
}

#[test]
fn the_short_code_round_trips_and_is_short() {
    for id in ["ex01-find-the-leader", "ex03-spread-pods-for-local"] {
        let h = solved(id, "고은");
        let code = h.to_code();
        assert!(code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{code}");
        assert!(code.len() < h.to_json().len(), "{} vs {}", code.len(), h.to_json().len());
        println!("{id}: hand-in {} bytes as JSON, code {} chars", h.to_json().len(), code.len());
        assert_eq!(HandIn::parse(&code), Ok(h.clone()));
        assert!(handin::verify(&code).passed(), "{id}");
    }
    // Ex01: three actions in well under a chat line's worth.
    let code = solved("ex01-find-the-leader", "ada").to_code();
    assert!(code.len() < 600, "{} chars", code.len());
}

/// Changes one field of a hand-in's JSON.
fn edited(h: &HandIn, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut v: serde_json::Value = serde_json::from_str(&h.to_json()).unwrap();
    edit(&mut v);
    serde_json::to_string_pretty(&v).unwrap()
}

/// Edits a hand-in and seals it again, as a forger who read the code would.
fn forged(h: &HandIn, edit: impl FnOnce(&mut HandIn)) -> String {
    let mut h = h.clone();
    edit(&mut h);
    h.integrity = h.content_hash();
    h.to_json()
}

#[test]
fn edited_files_are_reported_never_passed() {
    let good = solved("ex06-garp-blackhole", "ada");
    let lazy = untouched("ex06-garp-blackhole");
    let tampered = |text: &str| {
        let c = handin::verify(text);
        assert!(!c.passed());
        match c.verdict {
            Verdict::Tampered(why) => why,
            other => panic!("not reported as tampered: {other:?}"),
        }
    };
    // Results added to a file that did nothing.
    let why = tampered(&edited(&lazy, |v| v["passed"] = serde_json::json!(["all"])));
    assert!(why.contains("unknown field `passed`"), "{why}");
    // Someone else's actions pasted in, integrity left as it was.
    let why = tampered(&edited(&lazy, |v| v["actions"] = serde_json::to_value(&good.actions).unwrap()));
    assert!(why.contains("integrity"), "{why}");
    // The learner's name changed.
    assert!(tampered(&edited(&good, |v| v["learner"] = "mallory".into())).contains("integrity"));
    // Reformatting is no edit.
    let compact = serde_json::to_string(&good).unwrap();
    assert!(handin::verify(&compact).passed());
    // Resealed, but the action moved to a time the exercise never had at that step.
    let why = tampered(&forged(&good, |h| h.actions[0].at = h.actions[0].at + Duration::from_millis(1)));
    assert!(why.starts_with("action 1 (flush-arp router) is recorded at step"), "{why}");
}

#[test]
fn actions_from_another_exercise_or_version_are_reported_as_such() {
    let good = solved("ex06-garp-blackhole", "ada");
    // The same actions claimed for exercise 7 (resealed).
    let c = handin::verify(&forged(&good, |h| h.exercise = "ex07-mac-aging-trap".into()));
    assert!(!c.passed());
    assert_eq!(
        c.verdict,
        Verdict::OtherExercise(
            "the actions were recorded in another exercise file than `ex07-mac-aging-trap` as this vipsim ships it"
                .into()
        )
    );
    let c = handin::verify(&forged(&good, |h| h.exercise = "ex99-nothing".into()));
    assert_eq!(c.verdict, Verdict::OtherExercise("this vipsim has no exercise `ex99-nothing`".into()));
    let c = handin::verify(&forged(&good, |h| h.vipsim = "0.0.1".into()));
    assert!(!c.passed());
    assert_eq!(c.verdict, Verdict::OtherVersion { made_with: "0.0.1".into() });
    assert!(handin::report("x", &c).contains("OTHER VERSION recorded with vipsim 0.0.1"));
}

#[test]
fn what_is_no_hand_in_says_so() {
    let unreadable = |text: &str| match handin::verify(text).verdict {
        Verdict::Unreadable(why) => why,
        other => panic!("{other:?}"),
    };
    assert!(unreadable("%%%").starts_with("this is neither a hand-in file nor a hand-in code"));
    assert!(unreadable("{\"version\": 1}").contains("no format"));
    assert!(unreadable("{\"format\": 7}").contains("newer vipsim (format 7)"));
    assert!(unreadable("{").starts_with("this hand-in is damaged (not JSON"));
    let mut code = base64_of(&[1, 2, 3]);
    assert!(unreadable(&code).contains("does not decompress"));
    code = base64_of(&[9]);
    assert!(unreadable(&code).contains("newer vipsim (format 9)"));
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// `vipsim verify` prints each learner's goals and exits 0 only when
/// every hand-in passes.
#[test]
fn the_cli_verifies_files_and_codes() {
    let dir = std::env::temp_dir().join(format!("vipsim-handin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = solved("ex03-spread-pods-for-local", "ada");
    let good_path = dir.join(good.file_name());
    std::fs::write(&good_path, good.to_json()).unwrap();
    let lazy_path = dir.join("lazy.vipsim.json");
    std::fs::write(&lazy_path, untouched("ex03-spread-pods-for-local").to_json()).unwrap();
    let verify = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_vipsim")).arg("verify").args(args).output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let good_arg = good_path.to_str().unwrap();
    let (code, text) = verify(&[good_arg, &good.to_code()]);
    assert_eq!(code, Some(0), "{text}");
    let first = text.lines().next().unwrap();
    assert_eq!(
        first,
        format!("{good_arg}: ada in ex03-spread-pods-for-local (vipsim {}, 1 action)", env!("CARGO_PKG_VERSION"))
    );
    assert!(text.lines().any(|l| l.starts_with("  PASS ")), "{text}");
    let (code, text) = verify(&[good_arg, lazy_path.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("lazy in ex03-spread-pods-for-local"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("  FAIL ")), "{text}");
    let (code, text) = verify(&["no-such-file.json"]);
    assert_eq!(code, Some(1));
    assert!(text.starts_with("no-such-file.json:\n  UNREADABLE cannot read it:"), "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The replay is the playground's: branching at the recorded step gives
/// the same run as acting at that time.
#[test]
fn replay_reproduces_the_learners_run() {
    let (_, scenario) = scenario("ex06-garp-blackhole");
    let run = Run::new(scenario.clone(), None, None, None).unwrap();
    let mut actions: Vec<Acted> = Vec::new();
    let acted = handin::act(&run, Instant::ZERO + Duration::from_secs(35), flush(), &mut actions);
    let replayed = handin::replay(scenario, &actions).unwrap();
    assert_eq!(replayed.trace(), acted.trace());
    assert_eq!(replayed.len(), acted.len());
}

fn flush() -> Action {
    use vipsim::scenario::spec::{FaultAction, FaultStep};
    Action::Fault(FaultStep::new("router", FaultAction::FlushArp))
}

/// The class view's verifier computes each exercise's opening run once and
/// replays every hand-in from a clone of it: the verdicts are exactly those
/// of `verify`, which computes the run afresh for each.
#[test]
fn a_verifier_for_a_class_gives_the_verdicts_of_verify() {
    let shipped = vipsim::catalog::workshop().into_iter().find(|s| s.id == "ex06-garp-blackhole").unwrap();
    let scenario = Rc::new(vipsim::scenario::load::load(shipped.file, shipped.yaml).unwrap());
    let run = Run::new(scenario, None, None, None).unwrap();
    let mut solved = Vec::new();
    handin::act(&run, Instant::ZERO + Duration::from_secs(35), flush(), &mut solved);
    let mut late = Vec::new();
    handin::act(&run, Instant::ZERO + Duration::from_secs(80), flush(), &mut late);
    let texts: Vec<String> = [("a", solved), ("b", vec![]), ("c", late)]
        .into_iter()
        .map(|(who, actions)| HandIn::new(who, &shipped.id, shipped.yaml, actions, Default::default()).to_json())
        .collect();
    let mut verifier = handin::Verifier::default();
    let verdicts: Vec<bool> = texts
        .iter()
        .map(|t| {
            let class = verifier.verify(t);
            assert_eq!(class, handin::verify(t));
            class.passed()
        })
        .collect();
    assert_eq!(&verdicts[..2], &[true, false]);
}
