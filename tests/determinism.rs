//! Determinism: the same scenario and seed give the same trace, every
//! time; another seed moves only what is randomised (timers, ports, ISNs,
//! endpoint picks), not the story's control-plane events.

mod common;

use vipsim::sim::trace::Kind;

#[test]
fn same_seed_same_trace() {
    for s in vipsim::catalog::shipped() {
        let a = common::jsonl(&common::run(&s.id, None));
        let b = common::jsonl(&common::run(&s.id, None));
        assert!(a == b, "{} is not deterministic", s.id);
    }
}

/// The failover's control-plane story (faults, elections, notes) does not
/// depend on the seed; neighbour timers (base_reachable_time is randomised
/// 0.5x-1.5x) and TCP ports do.
#[test]
fn another_seed_changes_only_randomised_things() {
    let story = |run: &vipsim::sim::timeline::Run| -> Vec<String> {
        run.trace()
            .iter()
            .filter(|r| {
                matches!(r.kind, Kind::Fault { .. } | Kind::Leader { .. } | Kind::Note { .. } | Kind::Node { .. })
            })
            .map(|r| format!("{} {}", r.t, r.kind.describe()))
            .collect()
    };
    let a = common::run_seed("metallb-l2-failover", 1);
    let b = common::run_seed("metallb-l2-failover", 2);
    assert_eq!(story(&a), story(&b));
    assert_ne!(common::jsonl(&a), common::jsonl(&b), "the seed must reach the randomised parts");
    let stale_times = |run: &vipsim::sim::timeline::Run| -> Vec<u64> {
        run.trace()
            .iter()
            .filter(|r| matches!(&r.kind, Kind::Neighbor { reason, .. } if reason.contains("reachable time expired")))
            .map(|r| r.t.as_nanos())
            .collect()
    };
    assert_ne!(stale_times(&a), stale_times(&b), "REACHABLE->STALE times follow the randomised reachable time");
}
