//! Every scenario under `tests/regressions/` keeps every invariant: each
//! is a failure the scenario fuzzer (`tests/scenario_fuzz.rs`) once found,
//! shrunk, with a comment saying what broke and what fixed it. Adding a
//! file adds a case. So do the shipped scenarios and workshop exercises,
//! with every variant.
#![cfg(not(target_arch = "wasm32"))]

use vipsim::play::invariants::{self, Subject};

/// The failures of one scenario (and variant), as report lines.
fn broken(name: &str, scenario: vipsim::scenario::Scenario, variant: Option<&str>) -> Vec<String> {
    match invariants::check(&Subject::new(scenario, variant, None), None) {
        Err(e) => vec![format!("{name}: does not build: {e}")],
        Ok((_, outcomes)) => outcomes
            .into_iter()
            .filter_map(|o| o.result.err().map(|v| format!("{name}: FAIL {}: {v}", o.name)))
            .collect(),
    }
}

#[test]
fn every_regression_scenario_keeps_every_invariant() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/regressions exists")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no regression scenarios in {}", dir.display());
    let mut broken = Vec::new();
    for path in &files {
        let name = path.file_name().expect("a file").to_string_lossy().to_string();
        let text = std::fs::read_to_string(path).expect("readable");
        let scenario = match vipsim::scenario::load::load(&name, &text) {
            Ok(s) => s,
            Err(d) => {
                broken.push(format!("{name}: does not load: {}", d[0]));
                continue;
            }
        };
        broken.extend(self::broken(&name, scenario, None));
    }
    let files_broken: std::collections::BTreeSet<&str> =
        broken.iter().filter_map(|b| b.split_once(": ").map(|(f, _)| f)).collect();
    assert!(
        broken.is_empty(),
        "{} of {} regression scenarios break invariants:\n{}",
        files_broken.len(),
        files.len(),
        broken.join("\n")
    );
}

#[test]
fn every_shipped_scenario_and_variant_keeps_every_invariant() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for s in vipsim::catalog::shipped().into_iter().chain(vipsim::catalog::workshop()) {
        let scenario = vipsim::scenario::load::load(s.file, s.yaml).expect("a shipped scenario loads");
        let mut variants: Vec<Option<String>> = vec![None];
        variants.extend(scenario.doc.spec.variants.iter().map(|v| Some(v.name.clone())));
        if !scenario.doc.spec.solution.is_empty() {
            variants.push(Some(vipsim::scenario::spec::SOLUTION.to_string()));
        }
        for v in variants {
            let name = format!("{}{}", s.id, v.as_ref().map(|v| format!(" --variant {v}")).unwrap_or_default());
            failures.extend(broken(&name, scenario.clone(), v.as_deref()));
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} scenarios and variants");
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// The two invariants whose false alarms these files pin, called by name as
/// a developer would on one run: arping's own requests for an address that
/// became the node's, and a ping flood the user asked for.
#[test]
fn an_arping_and_a_flood_ping_the_user_asked_for_are_not_the_model_misbehaving() {
    let run = |file: &str| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions").join(file);
        let text = std::fs::read_to_string(&path).expect("readable");
        let scenario = std::rc::Rc::new(vipsim::scenario::load::load(file, &text).expect("loads"));
        vipsim::play::run::Run::new(scenario, None, None, None).expect("builds")
    };
    let arping = run("arping-keeps-asking-after-the-vip-becomes-local.yaml");
    assert_eq!(invariants::never_addresses_itself(&arping), Ok(()));
    let ping = run("ping-at-the-shortest-interval-is-not-a-storm.yaml");
    assert_eq!(invariants::no_storm(&ping), Ok(()));
    assert_eq!(invariants::within_event_limit(&ping), Ok(()));
}

/// A host's own packet handed back by a neighbour is dropped as a martian
/// source at its first return (Linux's __fib_validate_source, accept_local
/// off), not forwarded until its TTL runs out.
#[test]
fn a_routers_own_packet_handed_back_is_dropped_as_a_martian_source() {
    let file = "own-packet-handed-back-is-a-martian-source.yaml";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions").join(file);
    let text = std::fs::read_to_string(&path).expect("readable");
    let scenario = std::rc::Rc::new(vipsim::scenario::load::load(file, &text).expect("loads"));
    let run = vipsim::play::run::Run::new(scenario, None, None, None).expect("builds");
    let martian: Vec<_> = run
        .trace()
        .iter()
        .filter(|r| {
            matches!(&r.kind, vipsim::engine::trace::Kind::Drop { at, reason: vipsim::engine::trace::DropReason::MartianSource { src }, .. }
                if at.to_string() == "router" && *src == std::net::Ipv4Addr::new(192, 168, 1, 1))
        })
        .collect();
    assert!(!martian.is_empty(), "the router drops its own SYNs handed back");
    assert_eq!(invariants::no_storm(&run), Ok(()));
}
