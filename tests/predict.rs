//! Predict, then observe: checkpoints answer from the run they are asked
//! in. The shipped stories and exercises have answers on every run their
//! authors ship; a branch that changes what happens changes the answer and
//! its proof; a checkpoint is invisible to the engine.

use crate::common;

use std::rc::Rc;
use vipsim::engine::trace::{Dir, Kind};
use vipsim::play::predict::{self, Checkpoint, Row};
use vipsim::play::run::Run;
use vipsim::scenario::spec::{FaultAction, FaultStep, SOLUTION};
use vipsim::sim::action::Action;
use vipsim::time::Instant;
use vipsim::wire::Parsed;

fn checkpoint(run: &Run, id: &str) -> Checkpoint {
    predict::checkpoints(&run.scenario, None).into_iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no {id}"))
}

/// The label of the answer to checkpoint `id` over `run`.
fn answer(run: &Run, id: &str) -> Option<String> {
    let cp = checkpoint(run, id);
    predict::outcome(run, &cp).answer.map(|i| cp.predict.choices[i].label.clone())
}

/// A branch of the failover's original run at `at` seconds.
fn failover_branch(at: u64, action: Action) -> Run {
    let mut run = Run::new(Rc::new(common::scenario("metallb-l2-failover")), None, None, None).unwrap();
    run.seek_time(Instant::from_secs(at));
    common::at_end(run.branch(action))
}

#[test]
fn every_shipped_checkpoint_has_an_answer_on_every_shipped_run() {
    let mut asked = 0;
    for s in vipsim::catalog::shipped().into_iter().chain(vipsim::catalog::workshop()) {
        let scenario = common::scenario(&s.id);
        let mut variants: Vec<Option<String>> = vec![None];
        variants.extend(scenario.doc.spec.variants.iter().map(|v| Some(v.name.clone())));
        if !scenario.doc.spec.solution.is_empty() {
            variants.push(Some(SOLUTION.to_string()));
        }
        for v in variants {
            let run = common::run(&s.id, v.as_deref());
            for cp in predict::checkpoints(&run.scenario, v.as_deref()) {
                let o = predict::outcome(&run, &cp);
                let found: Vec<&str> = o.results.iter().map(|r| r.detail.as_str()).collect();
                assert!(o.answer.is_some(), "{} {v:?} {}: no choice holds ({found:?})", s.id, cp.id);
                asked += 1;
            }
        }
    }
    assert!(asked >= 22, "{asked} checkpoints answered");
}

#[test]
fn each_story_asks_at_least_two_questions_in_english_and_korean() {
    for s in vipsim::catalog::shipped() {
        let run = common::run(&s.id, None);
        let cps = predict::checkpoints(&run.scenario, None);
        assert!(cps.len() >= 2, "{}: {} checkpoints", s.id, cps.len());
        for cp in cps {
            let p = &cp.predict;
            assert_ne!(p.question_in("ko"), p.question, "{} {}: question in Korean", s.id, cp.id);
            assert_ne!(p.explain_in(None, "ko"), p.explain, "{} {}: explanation in Korean", s.id, cp.id);
            assert_eq!(p.translations["ko"].choices.len(), p.choices.len(), "{} {}", s.id, cp.id);
        }
    }
}

/// The issue's own example: the router ignores GARP, so its next packet
/// for the VIP goes to node-a's MAC; the proof is that frame. With GARP
/// honoured (the variant), it goes to node-b.
#[test]
fn where_the_next_packet_goes_is_read_from_the_run() {
    let original = common::run("metallb-l2-failover", None);
    let cp = checkpoint(&original, "where-next");
    let o = predict::outcome(&original, &cp);
    assert_eq!(o.answer, Some(0), "{:?}", o.results);
    let node_a = original.world().net.host("node-a").unwrap().ifaces[0].mac;
    let node_b = original.world().net.host("node-b").unwrap().ifaces[0].mac;
    let proof = o.proof.record.expect("the frame that proves it");
    let r = &original.trace()[proof];
    let Kind::Frame { at, dir: Dir::Tx, frame, forward: None, .. } = &r.kind else { panic!("{r:?}") };
    let Parsed::Ipv4 { eth_dst, packet, .. } = Parsed::of(frame.bytes()) else { panic!("not IPv4") };
    assert_eq!((&**at, eth_dst, packet.dst.to_string().as_str()), ("router", node_a, "192.168.1.201"));
    assert!(r.t >= cp.at && r.t <= cp.reveal, "{}", r.t);
    assert_eq!(o.proof.row, Some(Row::Neighbor { host: "router".into(), ip: "192.168.1.201".parse().unwrap() }));

    let honour = common::run("metallb-l2-failover", Some("garp-honor"));
    let o = predict::outcome(&honour, &checkpoint(&honour, "where-next"));
    assert_eq!(o.answer, Some(1));
    let Kind::Frame { frame, .. } = &honour.trace()[o.proof.record.unwrap()].kind else { panic!() };
    assert_eq!(frame.dst(), node_b);
}

/// A learner's branch answers for itself: switching the router to honour
/// GARP at 10 s, or flushing it at 26 s, sends the packet to node-b;
/// powering off node-b as well makes node-c the next leader.
#[test]
fn a_branch_changes_the_answer() {
    let honour = FaultStep {
        garp: Some(vipsim::net::neighbor::GarpPolicy::Honor),
        ..FaultStep::new("router", FaultAction::SetGarp)
    };
    let branch = failover_branch(10, Action::Fault(honour));
    assert_eq!(answer(&branch, "where-next").as_deref(), Some("to node-b's MAC: the new leader"));
    let flushed = failover_branch(26, Action::Fault(FaultStep::new("router", FaultAction::FlushArp)));
    assert_eq!(answer(&flushed, "where-next").as_deref(), Some("to node-b's MAC: the new leader"));
    assert_eq!(answer(&flushed, "who-takes-over").as_deref(), Some("node-b"));
    let both_down = failover_branch(21, Action::Fault(FaultStep::new("node-b", FaultAction::PowerOff)));
    assert_eq!(answer(&both_down, "who-takes-over").as_deref(), Some("node-c"));
    let original = common::run("metallb-l2-failover", None);
    assert_eq!(answer(&original, "who-takes-over").as_deref(), Some("node-b"));
    assert_eq!(answer(&original, "after-flush").as_deref(), Some("they all work again"));
}

#[test]
fn bgp_answers_with_the_route_and_its_row() {
    let run = common::run("bgp-ecmp", None);
    let cp = checkpoint(&run, "route-after-failure");
    let o = predict::outcome(&run, &cp);
    assert_eq!(o.answer, Some(0), "before the hold timer the route still has node-a: {:?}", o.results);
    assert_eq!(o.proof.row, Some(Row::Route { host: "router".into(), ip: "192.168.1.201".parse().unwrap() }));
    assert_eq!(answer(&run, "after-withdraw").as_deref(), Some("some still fail for a while"));
}

/// Checkpoints are the playground's questions: the engine never sees them,
/// so a scenario runs step for step the same with or without them.
#[test]
fn a_checkpoint_does_not_change_the_run() {
    let with = common::scenario("metallb-l2-failover");
    let mut without = with.clone();
    without.doc.spec.timeline.retain(|s| s.predict().is_none());
    assert!(without.doc.spec.timeline.len() < with.doc.spec.timeline.len());
    let a = common::at_end(Run::new(Rc::new(with), None, None, None).unwrap());
    let b = common::at_end(Run::new(Rc::new(without), None, None, None).unwrap());
    assert_eq!(common::jsonl(&a), common::jsonl(&b));
}
