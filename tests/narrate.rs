//! The packet log's sentences (`vipsim::narrate`): golden files per shipped
//! scenario in English and Korean, and the exact sentences the lessons
//! turn on. After an intended change, regenerate the goldens with
//! `UPDATE_GOLDEN=1 cargo test --test all narrate::` and review the diff.

use crate::common;

use std::path::PathBuf;
use std::rc::Rc;
use vipsim::narrate::{self, Event, tour};
use vipsim::play::run::Run;
use vipsim::scenario::spec::{FaultAction, FaultStep};
use vipsim::sim::action::Action;
use vipsim::time::Instant;

fn golden_path(id: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(format!("{id}.sentences.txt"))
}

/// Every sentence of a run: its record and step, then the English and
/// the Korean text.
fn golden_text(run: &Run) -> String {
    let mut out = String::new();
    for s in narrate::sentences(run.trace(), run.world()) {
        let tag = format!("[r{} s{}]", s.record, s.step);
        out.push_str(&format!("{tag} {}\n{} {}\n", s.text("en"), " ".repeat(tag.chars().count()), s.text("ko")));
    }
    out
}

fn english(run: &Run) -> Vec<String> {
    narrate::sentences(run.trace(), run.world()).iter().map(|s| s.text("en")).collect()
}

#[test]
fn shipped_scenarios_match_their_golden_sentences() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failures = Vec::new();
    for s in vipsim::catalog::shipped() {
        let actual = golden_text(&common::run(&s.id, None));
        let path = golden_path(&s.id);
        if update {
            std::fs::write(&path, &actual).expect("write golden");
            continue;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        if expected != actual {
            let line = expected.lines().zip(actual.lines()).position(|(a, b)| a != b).unwrap_or(0);
            failures.push(format!(
                "{}: differs from {} at line {}\n  expected: {}\n  actual:   {}",
                s.id,
                path.display(),
                line + 1,
                expected.lines().nth(line).unwrap_or("<end>"),
                actual.lines().nth(line).unwrap_or("<end>"),
            ));
        }
    }
    assert!(failures.is_empty(), "sentences differ (UPDATE_GOLDEN=1 to accept):\n{}", failures.join("\n"));
}

/// The failover's blackhole in the packet log: node-a dies, node-b takes
/// over and its gratuitous ARP bounces off the router (garp: ignore), whose
/// entry stays on node-a until the flush, the burst the endpoint change
/// brings at 70 s too. Frames and node-internal ARP churn say nothing.
#[test]
fn the_failover_blackhole_is_told_in_its_own_words() {
    let run = common::run("metallb-l2-failover", None);
    let said = english(&run);
    let from_20: Vec<&str> = said.iter().map(String::as_str).skip_while(|s| !s.starts_with("20.0 s")).collect();
    assert_eq!(
        from_20,
        [
            "20.0 s: switch forgot node-a's MAC: its port went down",
            "20.0 s: nobody announces 192.168.1.201 (default/web) any more; node-a did",
            "20.0 s: node-a lost power",
            "21.0 s: a request from client to 192.168.1.201 failed (timed out); requests are failing",
            "25.0 s: node-b sent gratuitous ARP: 192.168.1.201 is at node-b's MAC",
            "25.0 s: node-b now announces 192.168.1.201 (default/web)",
            "25.0 s: router ignored a gratuitous ARP from node-b for 192.168.1.201; its entry still points at node-a",
            "70.0 s: node-a is NotReady: its kubelet stopped reporting",
            "70.0 s: default/web has 2 ready endpoints (on node-b, node-c)",
            // The EndpointSlice change resyncs the Service and the leader
            // re-arms its GARP burst (MetalLB 0.14 speaker/main.go
            // handleService calls internal/layer2/announcer.go SetBalancer on
            // every reconcile; FIDELITY.md rows 48-49); the router still
            // ignores it.
            "70.0 s: node-b sent gratuitous ARP: 192.168.1.201 is at node-b's MAC",
            "70.0 s: router ignored a gratuitous ARP from node-b for 192.168.1.201; its entry still points at node-a",
            "90.0 s: router's ARP cache was flushed",
            "90.0 s: router learned that 192.168.1.201 is at node-b",
            "94.0 s: requests from client to 192.168.1.201 succeed again since 90.0 s, after 70 s of failures",
        ]
    );
    let ko = narrate::sentences(run.trace(), run.world());
    let ignored = ko.iter().find(|s| matches!(s.event, Event::GarpIgnored { points_at: Some(_), .. })).unwrap();
    assert_eq!(
        ignored.text("ko"),
        "25.0초: router에서 node-b의 192.168.1.201 gratuitous ARP를 무시했습니다. \
         192.168.1.201 항목은 여전히 node-a의 MAC입니다"
    );
}

/// With `garp: honor` the same burst moves the router's entry at once.
#[test]
fn an_honoured_gratuitous_arp_moves_the_entry_in_one_sentence() {
    let said = english(&common::run("metallb-l2-failover", Some("garp-honor")));
    assert!(
        said.contains(
            &"25.0 s: router accepted a gratuitous ARP: its entry for 192.168.1.201 now points at node-b (was node-a)"
                .to_string()
        )
    );
    assert!(!said.iter().any(|s| s.contains("ignored a gratuitous ARP from node-b")), "{said:#?}");
}

/// A branch is told from its own trace: flushing the router at 30 s ends
/// the blackhole 60 s earlier.
#[test]
fn a_branch_has_its_own_sentences() {
    let mut run = Run::new(Rc::new(common::scenario("metallb-l2-failover")), None, None, None).unwrap();
    run.seek_time(Instant::from_secs(30));
    let branch = common::at_end(run.branch(Action::Fault(FaultStep::new("router", FaultAction::FlushArp))));
    let said = english(&branch);
    let after: Vec<&str> = said.iter().map(String::as_str).skip_while(|s| !s.starts_with("30.0 s")).take(3).collect();
    assert_eq!(
        after,
        [
            "30.0 s: router's ARP cache was flushed",
            "30.0 s: router learned that 192.168.1.201 is at node-b",
            "34.0 s: requests from client to 192.168.1.201 succeed again since 30.0 s, after 10 s of failures",
        ]
    );
}

/// BGP: an ECMP path survives a single success between timeouts; the
/// hold timer and the rehash get their sentences.
#[test]
fn bgp_hold_timer_and_rehash_are_said() {
    let said = english(&common::run("bgp-ecmp", None));
    for s in [
        "28.0 s: the BGP session between node-a and router went down: the hold timer expired",
        "28.0 s: router's route to 192.168.1.201/32 now goes via node-b, node-c",
        "32.0 s: requests from client to 192.168.1.201 succeed again since 28.0 s, after 8 s of failures",
    ] {
        assert!(said.contains(&s.to_string()), "missing {s:?} in {said:#?}");
    }
    assert_eq!(said.iter().filter(|s| s.contains("failed (timed out)")).count(), 2, "{said:#?}");
}

/// Stepping onto a step says that step's sentences, joined; a step with
/// only detail says nothing.
#[test]
fn a_step_says_its_own_sentences() {
    let run = common::run("metallb-l2-failover", None);
    let sentences = narrate::sentences(run.trace(), run.world());
    let flush = sentences.iter().find(|s| s.text("en").contains("cache was flushed")).unwrap();
    assert_eq!(narrate::at_step(&sentences, flush.step, "en"), "90.0 s: router's ARP cache was flushed");
    let learned = sentences.iter().find(|s| s.text("en").contains("learned that 192.168.1.201 is at node-b")).unwrap();
    assert_eq!(
        narrate::at_step(&sentences, learned.step, "ko"),
        "90.0초: router의 ARP 항목: 192.168.1.201의 MAC은 node-b의 MAC"
    );
    let quiet = run.trace().iter().map(|r| r.step).find(|st| !sentences.iter().any(|s| s.step == *st)).unwrap();
    assert_eq!(narrate::at_step(&sentences, quiet, "en"), "");
}

/// The live region after a move: forward, what the steps passed said
/// (the latest five after a long jump); back, the step landed on.
#[test]
fn the_live_region_says_what_the_move_passed() {
    let run = common::run("metallb-l2-failover", None);
    let sentences = narrate::sentences(run.trace(), run.world());
    let step_at = |prefix: &str| sentences.iter().find(|s| s.text("en").starts_with(prefix)).unwrap().step;
    let lost = step_at("20.0 s: node-a lost power");
    let failed = step_at("21.0 s: a request from client");
    // Playing from just before the failure to the first timeout.
    assert_eq!(
        narrate::announce(&sentences, lost - 1, failed, "en", false),
        "20.0 s: switch forgot node-a's MAC: its port went down \
         20.0 s: nobody announces 192.168.1.201 (default/web) any more; node-a did \
         20.0 s: node-a lost power \
         21.0 s: a request from client to 192.168.1.201 failed (timed out); requests are failing"
    );
    // Stepping within quiet steps says nothing; stepping back says the step.
    assert_eq!(narrate::announce(&sentences, lost, lost + 1, "en", false), "");
    assert_eq!(narrate::announce(&sentences, failed, lost, "en", false), narrate::at_step(&sentences, lost, "en"));
    // End from the start: only the last five of the whole run.
    let end = run.len();
    let jump = narrate::announce(&sentences, 0, end, "en", false);
    let last5: Vec<String> = sentences[sentences.len() - 5..].iter().map(|s| s.text("en")).collect();
    assert_eq!(jump, last5.join(" "));
    assert!(jump.starts_with("70.0 s: node-b sent gratuitous ARP"), "{jump}");
}

/// The tour stops at every moment with a note or a sentence and points at
/// the device the note names, else the one the sentence is about.
#[test]
fn tour_stops_point_at_the_device_they_talk_about() {
    let run = common::run("metallb-l2-failover", None);
    let sentences = narrate::sentences(run.trace(), run.world());
    let stops = tour::stops(run.trace(), &sentences, run.world());
    let calm = stops.iter().find(|s| s.note.as_deref().is_some_and(|n| n.starts_with("Calm"))).unwrap();
    assert_eq!((calm.t, calm.subject.as_deref()), (Instant::from_secs(15), Some("node-a")));
    let takeover = stops.iter().find(|s| s.t.as_millis() / 100 == 250).unwrap();
    assert_eq!(takeover.subject.as_deref(), Some("node-b"));
    assert_eq!(
        takeover.lines(&sentences, "en"),
        [
            "25.0 s: node-b sent gratuitous ARP: 192.168.1.201 is at node-b's MAC",
            "25.0 s: node-b now announces 192.168.1.201 (default/web)",
            "25.0 s: router ignored a gratuitous ARP from node-b for 192.168.1.201; its entry still points at node-a",
        ]
    );
    assert!(stops.windows(2).all(|w| w[0].t < w[1].t), "one stop per moment, in time order");
    assert_eq!(tour::next_stop(&stops, takeover.t).map(|i| stops[i].t), Some(Instant::from_secs(26)));
    let reading = takeover.reading_ms(&sentences, "en");
    assert!((tour::MIN_READ_MS..=tour::MAX_READ_MS).contains(&reading), "{reading}");
}
