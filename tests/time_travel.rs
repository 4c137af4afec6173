//! Time travel: the state after jumping back to step k equals the state a
//! fresh run reaches at step k (compared as serialised state), and
//! branching leaves the original run untouched.

use crate::common;

use vipsim::scenario::spec::{FaultAction, FaultStep};
use vipsim::sim::action::Action;

/// The whole world state as text (its `Debug` rendering: every map is
/// ordered, so equal states render equally).
fn state(world: &vipsim::sim::World) -> String {
    format!("{world:?}")
}

#[test]
fn seeking_back_equals_a_fresh_run_to_the_same_step() {
    for id in ["metallb-l2-failover", "cilium-lb-ipam"] {
        let scenario = common::scenario(id);
        let mut run = common::run(id, None);
        let len = run.len();
        for k in [0, 1, 255, 256, 257, len / 3, len / 2, len - 1, len].into_iter().filter(|k| *k <= len) {
            run.seek(len);
            run.seek(k);
            // A fresh world, stepped k times without any snapshot.
            let mut scratch = Vec::new();
            let mut fresh = vipsim::play::build::build(&scenario, None, &mut scratch).expect("builds");
            while fresh.steps < k && vipsim::play::drive::step(&mut fresh, &mut scratch) {}
            assert_eq!(run.cursor(), k);
            assert!(run.world() == &fresh, "{id}: state at step {k} differs after seeking back");
            assert_eq!(state(run.world()), state(&fresh));
        }
    }
}

/// A large world is snapshotted further apart (play/run.rs
/// `snapshot_interval`): 40 nodes, 200 pods behind 20 Services hold about
/// 8,000 EndpointSlice entries and as many Service rule endpoints, so the
/// run keeps a snapshot every several thousand steps instead of every 256 (a copy of
/// such a world is megabytes; at 200 nodes every-256 ran out of memory).
/// Seeking back still lands on exactly the state a fresh run reaches.
/// A step back prepared ahead (the copy of its snapshot made while the
/// page is idle, `Run::prepare_step_back`) lands on the same world as one
/// that copies the snapshot then: from the end, from just past a snapshot,
/// from the start; prepared twice; and prepared, then the cursor moved to
/// another snapshot's steps before the step back.
#[test]
fn a_step_back_prepared_ahead_lands_on_the_same_world() {
    for id in ["metallb-l2-failover", "cilium-lb-ipam"] {
        let mut run = common::run(id, None);
        let len = run.len();
        for (from, to) in [(len, len - 1), (len, len / 2), (257, 256), (257, 255), (3, 0), (len / 2, len / 2 - 40)] {
            run.seek(from);
            run.prepare_step_back();
            run.prepare_step_back();
            run.seek(to);
            assert!(run.world() == &run.world_at(to), "{id}: {from} -> {to}");
            // Prepared at one place, used from another.
            run.prepare_step_back();
            run.seek(from);
            run.seek(to / 2);
            assert!(run.world() == &run.world_at(to / 2), "{id}: {from} -> {}", to / 2);
        }
        // Prepared, then the run changed at the cursor (a console session's
        // own branch): its future and the snapshots there are new.
        let half = run.len() / 2;
        run.seek(half + 3);
        run.prepare_step_back();
        run.act(Action::Fault(FaultStep::new("router", FaultAction::FlushArp)));
        for to in [half + 1, half + 400, half + 2] {
            run.seek(to.min(run.len()));
            assert!(run.world() == &run.world_at(to.min(run.len())), "{id}: after acting, -> {to}");
            run.prepare_step_back();
        }
    }
}

#[test]
fn a_large_world_is_snapshotted_less_often_and_seeks_exactly() {
    use vipsim::play::run::Run;
    let yaml = common::scale_yaml(40, 200, 20, 15);
    let scenario = vipsim::scenario::load::load("scale.yaml", &yaml).expect("loads");
    let mut run = Run::new(std::rc::Rc::new(scenario.clone()), None, None, None).expect("builds");
    let len = run.len();
    assert!(len > 8_000, "{len} steps");
    // Every 256 steps would be 50; a few come before the pods are ready
    // and the slices fill, while the world is still small.
    assert!(run.snapshots() <= (len / 1_000) as usize, "{} snapshots for {len} steps", run.snapshots());
    for k in [len / 2 + 1, len - 3] {
        run.seek(len);
        run.seek(k);
        let mut scratch = Vec::new();
        let mut fresh = vipsim::play::build::build(&scenario, None, &mut scratch).expect("builds");
        while fresh.steps < k && vipsim::play::drive::step(&mut fresh, &mut scratch) {}
        assert!(run.world() == &fresh, "state at step {k} differs after seeking back");
    }
}

#[test]
fn a_branch_changes_the_future_and_keeps_the_original() {
    let mut run = common::run("metallb-l2-failover", None);
    let original = common::jsonl(&run);
    // At 40 s (router still stuck on node-a's MAC), flush the router's ARP cache.
    run.seek_time(vipsim::time::Instant::from_secs(40));
    let flush = FaultStep::new("router", FaultAction::FlushArp);
    let branch = run.branch(Action::Fault(flush));
    assert_eq!(common::jsonl(&run), original, "the original run is unchanged");
    let ok_after = |r: &vipsim::play::run::Run| {
        common::curls(r.trace(), "client")
            .iter()
            .filter(|(t, exit)| {
                *t >= vipsim::time::Instant::from_secs(45) && *t < vipsim::time::Instant::from_secs(60) && *exit == 0
            })
            .count()
    };
    assert_eq!(ok_after(&run), 0, "without the flush the blackhole lasts");
    assert!(ok_after(&branch) >= 8, "after the flush at 40 s requests succeed again");
    assert_eq!(branch.trace()[..10], run.trace()[..10], "the branch shares the past");
}

/// A scenario that asks for millions of events (the failover's curl loop
/// left running for a day: about 4 million, gigabytes of trace and
/// snapshots) stops at `MAX_STEPS` with a note saying so, instead of
/// exhausting a browser tab.
#[test]
fn a_run_stops_at_the_event_limit_and_says_so() {
    use vipsim::engine::trace::Kind;
    use vipsim::play::run::{MAX_STEPS, Run};
    let shipped = vipsim::catalog::find("metallb-l2-failover").expect("shipped");
    let text = shipped.yaml.replace("  duration: 120s", "  duration: 24h").replace("    until: 118s\n", "");
    let scenario = vipsim::scenario::load::load("day.yaml", &text).expect("loads");
    let run = Run::new(std::rc::Rc::new(scenario), None, None, None).expect("builds");
    assert_eq!(run.len(), MAX_STEPS);
    let last = run.trace().last().expect("a trace");
    let end = run.time_of(MAX_STEPS);
    assert_eq!((last.step, last.t), (MAX_STEPS, end));
    let Kind::Note { text } = &last.kind else { panic!("the last record is {:?}", last.kind) };
    assert_eq!(
        *text,
        format!(
            "vipsim stopped this run at {end} after 200000 events, the most it computes: \
             shorten spec.duration or the repeated steps to see the rest"
        )
    );
    // Far short of the day it asked for.
    assert!(end < vipsim::time::Instant::from_secs(86_400 / 10), "{end}");
    // The invariant that a run finishes its duration says so, at the note.
    let v = vipsim::play::invariants::within_event_limit(&run).unwrap_err();
    assert_eq!(
        (v.t, v.message.as_str()),
        (end, "the run stopped at the 200000-event limit, before its duration (24h)")
    );
    assert_eq!(v.record, Some(last.kind.describe()));
}

/// The playground computes a run a slice at a time so that the page stays
/// responsive (issue 21, point 4): slices of any size give exactly the run
/// computed at once, and progress reports the simulated time and events
/// reached.
/// What grows with the square of the nodes counts too: a 250-node MetalLB
/// cluster with only 250 pods and one Service holds 62,500 memberlist view
/// entries (each speaker's view of every node) and every node's neighbour
/// entries. Counting only hosts, pods and endpoints (weight 1,000), it was
/// snapshotted every 256 steps, megabytes each time (12.5 GB for ten
/// minutes while the build still queued the memberlist joins); now once or
/// twice.
#[test]
fn a_world_that_grows_with_the_square_of_its_nodes_is_snapshotted_rarely() {
    use vipsim::play::run::Run;
    let yaml = common::scale_yaml(250, 250, 1, 60);
    let scenario = vipsim::scenario::load::load("wide.yaml", &yaml).expect("loads");
    let run = Run::new(std::rc::Rc::new(scenario), None, None, None).expect("builds");
    assert!(run.len() > 2_000, "{} steps", run.len());
    assert!(run.snapshots() <= 2, "{} snapshots for {} steps", run.snapshots(), run.len());
}

#[test]
fn a_run_computed_in_slices_equals_the_run_computed_at_once() {
    use vipsim::play::run::Run;
    let scenario = std::rc::Rc::new(common::scenario("metallb-l2-failover"));
    let whole = Run::new(scenario.clone(), None, None, None).expect("builds");
    for slice in [1, 97, 1_000] {
        let mut run = Run::start(scenario.clone(), None, None, None).expect("builds");
        assert!(!run.is_complete());
        assert_eq!(run.progress().steps, 0);
        let mut slices = 0;
        while !run.compute(slice) {
            slices += 1;
            let p = run.progress();
            assert_eq!(p.steps, slices * slice, "{slice}: events after {slices} slices");
            assert_eq!(p.at, run.time_of(p.steps));
            assert_eq!(p.end, whole.end);
        }
        assert!(run.is_complete());
        // The slice that computes the last event says the run is complete.
        assert_eq!(slices, whole.len().div_ceil(slice) - 1, "{slice}: slices");
        assert_eq!(common::jsonl(&run), common::jsonl(&whole), "{slice}: the trace");
        assert_eq!((run.len(), run.end, run.snapshots()), (whole.len(), whole.end, whole.snapshots()));
        assert_eq!(run.progress().steps, whole.len());
        run.seek(whole.len() / 2);
        assert!(run.world() == &whole.world_at(whole.len() / 2), "{slice}: the world half way");
    }
}

/// Stop keeps what is computed: the run ends where its computation got to,
/// a note says so, and it is a run like any other (seek, branch).
#[test]
fn a_run_stopped_while_computing_keeps_what_it_computed() {
    use vipsim::engine::trace::Kind;
    use vipsim::play::run::Run;
    let scenario = std::rc::Rc::new(common::scenario("metallb-l2-failover"));
    let whole = Run::new(scenario.clone(), None, None, None).expect("builds");
    let mut run = Run::start(scenario, None, None, None).expect("builds");
    assert!(!run.compute(1_000));
    run.stop();
    assert!(run.is_complete());
    assert_eq!(run.len(), 1_000);
    let at = whole.time_of(1_000);
    assert_eq!(run.end, at);
    let (last, computed) = run.trace().split_last().expect("a trace");
    let cut = whole.trace().partition_point(|r| r.step <= 1_000);
    assert_eq!(computed, &whole.trace()[..cut], "the computed records are the full run's");
    assert_eq!((last.step, last.t), (1_000, at));
    let Kind::Note { text } = &last.kind else { panic!("the last record is {:?}", last.kind) };
    assert_eq!(*text, format!("computing was stopped at {at} after 1000 events: the run ends here"));
    assert!(run.compute(10), "a stopped run is complete: it computes nothing more");
    assert_eq!(run.len(), 1_000);
    run.seek(600);
    assert!(run.world() == &whole.world_at(600));
    let flush = FaultStep::new("router", FaultAction::FlushArp);
    let branch = run.branch(Action::Fault(flush));
    assert!(branch.is_complete());
    assert_eq!(branch.end, at, "a branch of a stopped run ends where it does");
}
