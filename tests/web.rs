//! Tests that run inside headless Chromium (`./dev test` runs them with
//! wasm-bindgen-test-runner). They prove the core behaves the same in wasm:
//! every shipped scenario's trace equals the native golden file byte for
//! byte; and they check what the playground derives from a run.
#![cfg(target_arch = "wasm32")]

use std::rc::Rc;
use vipsim::catalog;
use vipsim::play::run::Run;
use vipsim::scenario::load;
use vipsim::time::{Duration, Instant};
use vipsim::ui::i18n::Lang;
use vipsim::ui::story::{MarkKind, Story};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The native traces (`tests/golden.rs` keeps them up to date), one per shipped scenario.
const GOLDEN: &[(&str, &str)] = &[
    ("bgp-ecmp", include_str!("golden/bgp-ecmp.jsonl")),
    ("cilium-lb-ipam", include_str!("golden/cilium-lb-ipam.jsonl")),
    ("metallb-l2-failover", include_str!("golden/metallb-l2-failover.jsonl")),
    ("metallb-traffic-policy", include_str!("golden/metallb-traffic-policy.jsonl")),
];

fn run(id: &str, variant: Option<&str>) -> Run {
    let shipped = catalog::find(id).expect("shipped");
    let scenario = load::load(shipped.file, shipped.yaml).expect("loads");
    Run::new(Rc::new(scenario), variant, None, None).expect("builds")
}

#[wasm_bindgen_test]
fn durations_parse_the_same_in_the_browser() {
    assert_eq!(Duration::parse("1m30s"), Ok(Duration::from_secs(90)));
    assert_eq!(Duration::from_secs(330).human(), "5m30s");
}

/// The browser's stable sort (`vipsim::sort`, by positions there, the
/// standard one natively) keeps equal elements in their order and moves
/// owned ones whole.
#[wasm_bindgen_test]
fn stable_sorts_keep_equal_elements_in_order_in_the_browser() {
    use vipsim::sort::Sort;
    let mut pairs = vec![(2, 'a'), (1, 'b'), (2, 'c'), (0, 'd'), (1, 'e'), (2, 'f')];
    pairs.stable_sort_by_key(|p| p.0);
    assert_eq!(pairs, [(0, 'd'), (1, 'b'), (1, 'e'), (2, 'a'), (2, 'c'), (2, 'f')]);
    pairs.stable_sort_by(|a, b| b.0.cmp(&a.0));
    assert_eq!(pairs, [(2, 'a'), (2, 'c'), (2, 'f'), (1, 'b'), (1, 'e'), (0, 'd')]);
    let mut words: Vec<String> = ["pod-b", "pod-a", "pod-c", "pod-a"].iter().map(|w| w.to_string()).collect();
    words.stable_sort();
    assert_eq!(words, ["pod-a", "pod-a", "pod-b", "pod-c"]);
}

/// Maps and sets collected by inserting in the browser (`vipsim::sort`)
/// equal the collected ones, a repeated key keeping its last value.
#[wasm_bindgen_test]
fn collected_maps_and_sets_are_the_same_in_the_browser() {
    use std::collections::{BTreeMap, BTreeSet};
    use vipsim::sort::Collect;
    let pairs = [("tier", "web"), ("app", "shop"), ("tier", "db")];
    assert_eq!(pairs.into_iter().collect_map(), BTreeMap::from([("app", "shop"), ("tier", "db")]));
    assert_eq!([5, 1, 3, 1].into_iter().collect_set(), BTreeSet::from([1, 3, 5]));
}

#[wasm_bindgen_test]
fn every_shipped_scenario_has_a_golden_trace() {
    let mut ids: Vec<String> = catalog::shipped().into_iter().map(|s| s.id).collect();
    ids.sort();
    let golden: Vec<&str> = GOLDEN.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, golden);
}

#[wasm_bindgen_test]
fn traces_in_the_browser_equal_the_native_golden_files() {
    for (id, golden) in GOLDEN {
        let jsonl: String = run(id, None).trace().iter().map(|r| r.to_json() + "\n").collect();
        if jsonl != *golden {
            let line = jsonl.lines().zip(golden.lines()).position(|(a, b)| a != b).unwrap_or(0);
            panic!(
                "{id}: the browser's trace differs from tests/golden/{id}.jsonl at line {}\n  native:  {}\n  browser: {}",
                line + 1,
                golden.lines().nth(line).unwrap_or("<end>"),
                jsonl.lines().nth(line).unwrap_or("<end>")
            );
        }
    }
}

#[wasm_bindgen_test]
fn the_failover_story_reads_as_the_lesson_tells_it() {
    let story = Story::of(&run("metallb-l2-failover", None));
    // The blackhole: from node-a's power-off at 20 s to the flush at 90 s.
    let outage = story.longest_outage().expect("an outage");
    assert_eq!(outage.from, Instant::from_secs(20));
    assert!(outage.to >= Instant::from_secs(90) && outage.to <= Instant::from_secs(91), "{outage:?}");
    let fault = story.marks.iter().find(|m| m.kind == MarkKind::Fault).expect("a fault mark");
    assert_eq!(fault.t, Instant::from_secs(20));
    let label = fault.label(Lang::En);
    assert!(label.contains("power-off on node-a"), "{label}");
    let garps = |from: u64, to: u64| {
        story
            .marks
            .iter()
            .filter(|m| m.kind == MarkKind::Garp && m.t >= Instant::from_secs(from) && m.t < Instant::from_secs(to))
            .count()
    };
    assert_eq!(garps(25, 30), 5, "node-b's five GARP rounds");
    // MetalLB re-announces on every resync: node-a's pod leaving the EndpointSlice at 70 s.
    assert_eq!(garps(30, 120), 5, "the second burst");
    // The router's entry: node-a until the flush, node-b after.
    assert_eq!(via_of(&story, 50), Some(vec!["node-a".to_string()]));
    assert_eq!(via_of(&story, 100), Some(vec!["node-b".to_string()]));

    let honoured = Story::of(&run("metallb-l2-failover", Some("garp-honor")));
    let short = honoured.longest_outage().expect("the detection time");
    assert!(short.length() <= Duration::from_secs(8), "{short:?}");
    assert_eq!(via_of(&honoured, 50), Some(vec!["node-b".to_string()]));
}

/// Where the router's way to the VIP pointed at `t` seconds.
fn via_of(story: &Story, t: u64) -> Option<Vec<String>> {
    let t = Instant::from_secs(t);
    story.path.iter().find(|s| s.from <= t && t < s.to).map(|s| s.via.clone())
}

#[wasm_bindgen_test]
fn stepping_walks_the_steps_that_produced_records() {
    let mut r = run("metallb-l2-failover", None);
    let story = Story::of(&r);
    let first = story.next_step(0).expect("something happens");
    r.seek(first);
    let back = story.previous_step(r.cursor());
    assert!(back < first);
    let next = story.next_step(first).expect("more happens");
    assert!(r.trace().iter().any(|rec| rec.step == next));
    assert!(!r.trace().iter().any(|rec| rec.step > first && rec.step < next), "no step with records is skipped");
}

/// Every message says the same values in both languages (a translation
/// may move a `{n}` slot, never drop or add one).
#[wasm_bindgen_test]
fn translations_use_the_same_slots_as_english() {
    use vipsim::ui::i18n::{Msg, slots};
    for msg in Msg::ALL {
        assert_eq!(slots(msg.text(Lang::Ko)), slots(msg.text(Lang::En)), "{msg:?}");
    }
}

/// The tasks panel's English is `vipsim check`'s sentence, word for word
/// (command output in one line); Korean says the same values.
#[wasm_bindgen_test]
fn goal_findings_read_as_the_cli_prints_them() {
    use vipsim::play::goals::Found;
    use vipsim::ui::i18n::found;
    use vipsim::view::i18n::one_line;
    let s = |v: &str| v.to_string();
    let all = [
        Found::NoRuns { host: s("client") },
        Found::Succeeded { ok: 7, total: 9 },
        Found::NoHost { host: s("r2") },
        Found::BadIp { ip: s("1.2.3") },
        Found::NoEntry { host: s("router"), ip: s("192.168.1.201") },
        Found::Entry {
            host: s("router"),
            ip: s("192.168.1.201"),
            mac: Some(s("02:c2:20:78:cb:53")),
            owner: Some(s("node-a")),
            state: s("REACHABLE"),
        },
        Found::Entry { host: s("router"), ip: s("10.0.0.9"), mac: None, owner: None, state: s("INCOMPLETE") },
        Found::AnnouncedBy { service: s("web"), by: Some(s("node-b")) },
        Found::AnnouncedBy { service: s("web"), by: None },
        Found::ExternalIp { service: s("web"), shown: s("<pending>") },
        Found::NoService { service: s("web") },
        Found::PodsSaw { clients: vec![s("10.0.1.10"), s("10.0.1.21")] },
        Found::PodsSaw { clients: vec![] },
        Found::Output { text: s("NAME  READY") },
        Found::TakesTime,
        Found::Refused { message: s("unknown command: foo") },
        Found::Drops { n: 3, reason: s("no-endpoints") },
        Found::Ran { line: s("router$ arping -c 3 192.168.1.200") },
        Found::NotRanYet { cmd: s("arping") },
        Found::Floods { n: 12 },
    ];
    for f in &all {
        // The playground says a command's output in one line (a table as its
        // row count and first row; issue 18, point 8); the rest is the CLI's sentence.
        let cli = match f {
            Found::Output { text } => Found::Output { text: one_line(text, Lang::En) }.to_string(),
            _ => f.to_string(),
        };
        assert_eq!(found(Lang::En, f), cli);
        let ko = found(Lang::Ko, f);
        assert!(!ko.is_empty());
        if !matches!(f, Found::Refused { .. }) {
            assert_ne!(ko, f.to_string(), "{f:?} is not translated");
        }
    }
}

/// The engine benchmark of `./dev bench` in the browser (issue 21): the
/// same LAN of 200 hosts and the same ten simulated minutes as
/// `vipsim-bench`, trace discarded, timed with `performance.now()`.
/// Ignored by `./dev test` (a debug build says nothing about speed);
/// `./dev bench` runs it built as the playground ships (the `wasm-release`
/// profile) and prints it beside the native figure of the same run.
///
/// Run twice: V8 first runs each wasm function as its baseline compiler
/// (Liftoff) made it, and recompiles the hot ones with its optimising
/// compiler (TurboFan) in the background while the run goes on. The first
/// run is what a reader's first large run costs; the second is the engine
/// as optimised code (on the heap the first run grew), closer to what the
/// native figure measures (the native binary is compiled ahead of time).
#[wasm_bindgen_test]
#[ignore]
fn engine_speed_in_the_browser() {
    use vipsim::play::bench::{run_engine, synthetic_lan};
    let seconds = 600;
    let performance = web_sys::window().expect("a window").performance().expect("performance");
    for run in ["first run", "second run"] {
        let mut world = synthetic_lan(200, seconds);
        let start = performance.now();
        let (events, records) = run_engine(&mut world, seconds, false);
        let secs = (performance.now() - start) / 1000.0;
        assert!(events > 100_000, "{events} events");
        console_log!(
            "  engine in Chromium (wasm), trace discarded, {run}: {events} events in {secs:.2} s = {:.2} M events/s ({records} trace records)",
            events as f64 / secs / 1e6
        );
    }
}
