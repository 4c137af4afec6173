//! Predict, then observe: a scenario's checkpoints and their answers over
//! a run. A checkpoint (`predict:` on a timeline step) asks a question at
//! its time; its answer is the first choice whose check holds at the
//! reveal, over what happened from the checkpoint on (trace checks see
//! only records from the checkpoint to the reveal; state checks see the
//! world at the reveal). Nothing is stored: the original, a variant, a
//! branch or an edited scenario each answer from their own run. The proof
//! is the record (a frame, a leader change, a command) or the table row
//! (an ARP entry, a route) that shows the answer.

use super::goals::{self, GoalResult, first_packet_to};
use crate::engine::trace::{Kind, Record};
use crate::play::run::Run;
use crate::scenario::Scenario;
use crate::scenario::spec::{Check, Goal, Predict};
use crate::time::Instant;
use std::net::Ipv4Addr;

/// A checkpoint of a run's timeline.
#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint {
    /// Saved guesses are kept under this: the step's name, or its time.
    pub id: String,
    pub at: Instant,
    pub reveal: Instant,
    pub predict: Predict,
}

/// The checkpoints of the scenario's timeline (or a variant's), in time
/// order; those after the run's end are left out.
pub fn checkpoints(scenario: &Scenario, variant: Option<&str>) -> Vec<Checkpoint> {
    let spec = &scenario.doc.spec;
    let steps = spec.timeline_for(variant).unwrap_or_else(|_| spec.timeline.clone());
    steps
        .iter()
        .filter(|s| s.at <= spec.duration)
        .filter_map(|s| {
            let predict = s.predict()?.clone();
            Some(Checkpoint {
                id: s.checkpoint_id(),
                at: Instant::ZERO + s.at,
                reveal: Instant::ZERO + predict.reveal_at(s.at),
                predict,
            })
        })
        .collect()
}

/// A table row that shows the answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Row {
    /// `host`'s ARP entry for `ip`.
    Neighbor { host: String, ip: Ipv4Addr },
    /// `host`'s route that covers `ip`.
    Route { host: String, ip: Ipv4Addr },
}

impl Row {
    pub fn host(&self) -> &str {
        match self {
            Row::Neighbor { host, .. } | Row::Route { host, .. } => host,
        }
    }
}

/// What proves the answer: a trace record, a table row, or both.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Proof {
    /// Index into the run's trace.
    pub record: Option<usize>,
    pub row: Option<Row>,
}

/// A checkpoint's answer over one run.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The index of the answer: the first choice whose check holds; `None`
    /// when none does (the run did something no choice describes).
    pub answer: Option<usize>,
    /// Each choice's check as evaluated (what was found, in `found`).
    pub results: Vec<GoalResult>,
    pub proof: Proof,
}

/// Evaluates `checkpoint` over `run`. The run's cursor does not move (a
/// copy is moved to the reveal).
pub fn outcome(run: &Run, checkpoint: &Checkpoint) -> Outcome {
    let mut probe = run.clone();
    probe.seek_time(checkpoint.reveal);
    let visible = probe.visible();
    let from = visible.partition_point(|r| r.t < checkpoint.at);
    let window = &visible[from..];
    let results: Vec<GoalResult> = checkpoint
        .predict
        .choices
        .iter()
        .map(|c| {
            let goal = Goal {
                name: c.label.clone(),
                at: None,
                check: c.when.clone().expect("the loader requires `when` on every choice"),
                hints: Vec::new(),
                translations: Default::default(),
            };
            goals::check(&goal, probe.world(), window, checkpoint.reveal)
        })
        .collect();
    let answer = results.iter().position(|r| r.pass);
    let proof = answer
        .and_then(|i| checkpoint.predict.choices[i].when.as_ref())
        .map(|check| proof(check, visible, from))
        .unwrap_or_default();
    Outcome { answer, results, proof }
}

/// The record or row that shows `check` holding: `visible` is the trace up
/// to the reveal, and the checkpoint's window starts at `from`.
fn proof(check: &Check, visible: &[Record], from: usize) -> Proof {
    let window = || visible.iter().enumerate().skip(from);
    let last_before = |keep: &dyn Fn(&Kind) -> bool| visible.iter().rposition(|r| keep(&r.kind));
    match check {
        Check::FrameTo(c) => {
            let ip = c.ip.parse().ok();
            let at = visible.get(from).map(|r| r.t).unwrap_or(Instant::ZERO);
            let after = Instant::ZERO + c.after.unwrap_or_default();
            let record = ip.and_then(|ip| first_packet_to(visible, &c.host, ip, at.max(after))).map(|(i, _)| i);
            Proof { record, row: ip.map(|ip| Row::Neighbor { host: c.host.clone(), ip }) }
        }
        Check::Neighbor(c) => {
            let ip: Option<Ipv4Addr> = c.ip.parse().ok();
            let record = ip.and_then(|ip| {
                last_before(&|k| matches!(k, Kind::Neighbor { host, ip: i, .. } if **host == *c.host && *i == ip))
            });
            Proof { record, row: ip.map(|ip| Row::Neighbor { host: c.host.clone(), ip }) }
        }
        Check::Route(c) => {
            let ip: Option<Ipv4Addr> = c.ip.parse().ok();
            let record = last_before(&|k| matches!(k, Kind::Route { host, .. } if **host == *c.host));
            Proof { record, row: ip.map(|ip| Row::Route { host: c.host.clone(), ip }) }
        }
        Check::Leader(c) => {
            let key = if c.service.contains('/') { c.service.clone() } else { format!("default/{}", c.service) };
            Proof { record: last_before(&|k| matches!(k, Kind::Leader { service, .. } if *service == key)), row: None }
        }
        Check::ExternalIp(c) => {
            let key = if c.service.contains('/') { c.service.clone() } else { format!("default/{}", c.service) };
            Proof { record: last_before(&|k| matches!(k, Kind::Ipam { service, .. } if *service == key)), row: None }
        }
        Check::SuccessRate(c) => {
            let record = window()
                .find(|(_, r)| {
                    matches!(&r.kind, Kind::Command { host, cmd, .. }
                        if **host == *c.host && c.cmd.as_ref().is_none_or(|w| cmd.contains(w.as_str())))
                })
                .map(|(i, _)| i);
            Proof { record, row: None }
        }
        Check::Ran(c) => {
            let record = window()
                .find(|(_, r)| {
                    matches!(&r.kind, Kind::Command { host, cmd, exit: 0, .. }
                        if cmd.contains(c.cmd.as_str()) && c.host.as_ref().is_none_or(|h| **host == **h))
                })
                .map(|(i, _)| i);
            Proof { record, row: None }
        }
        Check::Drops(c) => {
            let record = window()
                .find(|(_, r)| matches!(&r.kind, Kind::Drop { reason, .. } if reason.code() == c.reason))
                .map(|(i, _)| i);
            Proof { record, row: None }
        }
        Check::Floods(_) => {
            let record = window()
                .find(|(_, r)| {
                    matches!(
                        r.kind,
                        Kind::Frame {
                            forward: Some(crate::engine::trace::Forwarded::Flood { unknown_unicast: true }),
                            ..
                        }
                    )
                })
                .map(|(i, _)| i);
            Proof { record, row: None }
        }
        Check::ClientIpObserved(c) => {
            let record = window()
                .find(|(_, r)| matches!(&r.kind, Kind::App { client, .. } if c.ip.parse() == Ok(*client.ip())))
                .map(|(i, _)| i);
            Proof { record, row: None }
        }
        Check::Command(_) => Proof::default(),
    }
}
