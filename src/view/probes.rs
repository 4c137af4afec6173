//! The requests a run makes, as lanes: one lane per probe, a host curling
//! one target ("client → 192.168.1.201", "lb-0 → 10.0.1.21:31888"). Each
//! request counts when it finishes, with its real result: answered, failed,
//! or dropped on purpose by `externalTrafficPolicy: Local` on a node without
//! a local endpoint (kube-proxy 1.34's "no local endpoints" rule, Cilium's
//! equivalent), which is the policy working, not the service failing. An
//! outage is consecutive failures of the same lane only: two probes of
//! different targets never join into one.

use crate::engine::trace::{DropReason, Kind, Name, Record};
use crate::sim::World;
use crate::sort::Sort;
use crate::time::{Duration, Instant};
use crate::wire::Parsed;
use std::net::Ipv4Addr;

/// What became of one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Failed,
    /// Dropped by `externalTrafficPolicy: Local`: the node it reached has no pod.
    LocalDrop,
}

/// One finished request.
#[derive(Clone, Debug, PartialEq)]
pub struct Probe {
    pub started: Instant,
    pub done: Instant,
    pub outcome: Outcome,
}

/// Consecutive failed requests of one lane: from the first failure's start
/// to the start of the lane's next success (or the end of the run).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outage {
    pub from: Instant,
    pub to: Instant,
    /// No request of the lane succeeded again before the run ended.
    pub ongoing: bool,
    pub failures: usize,
}

impl Outage {
    pub fn length(&self) -> Duration {
        self.to.saturating_since(self.from)
    }
}

/// One host probing one target.
#[derive(Clone, Debug, PartialEq)]
pub struct Lane {
    pub host: Name,
    /// The URL's host and port as typed: `192.168.1.201`, `10.0.1.21:31888`.
    pub target: String,
    /// By start time.
    pub probes: Vec<Probe>,
    pub outages: Vec<Outage>,
}

impl Lane {
    /// "client → 192.168.1.201".
    pub fn label(&self) -> String {
        format!("{} → {}", self.host, self.target)
    }

    pub fn count(&self, outcome: Outcome) -> usize {
        self.probes.iter().filter(|p| p.outcome == outcome).count()
    }
}

/// The target of a `curl` line: the first URL's host and port.
pub fn target(cmd: &str) -> Option<String> {
    let url = cmd.split_whitespace().map(|w| w.trim_matches(|c| c == '"' || c == '\'')).find(|w| w.contains("://"))?;
    let rest = &url[url.find("://")? + 3..];
    Some(rest.split(['/', '?']).next().unwrap_or(rest).to_string())
}

/// The address part of a target (`10.0.1.21:31888` → 10.0.1.21).
fn address(target: &str) -> Option<Ipv4Addr> {
    target.split(':').next()?.parse().ok()
}

/// Every `curl` of the run, in lanes ordered by their first request.
pub fn lanes(trace: &[Record], world: &World, end: Instant) -> Vec<Lane> {
    let mut lanes: Vec<Lane> = Vec::new();
    for r in trace {
        let Kind::Command { host, cmd, started, exit, .. } = &r.kind else { continue };
        if cmd.split_whitespace().next() != Some("curl") {
            continue;
        }
        let Some(target) = target(cmd) else { continue };
        let outcome = if *exit == 0 && !failed_http(r) {
            Outcome::Ok
        } else if local_drop(trace, world, host, &target, *started, r.t) {
            Outcome::LocalDrop
        } else {
            Outcome::Failed
        };
        let probe = Probe { started: *started, done: r.t, outcome };
        match lanes.iter_mut().find(|l| l.host == *host && l.target == target) {
            Some(l) => l.probes.push(probe),
            None => lanes.push(Lane { host: host.clone(), target, probes: vec![probe], outages: Vec::new() }),
        }
    }
    for lane in &mut lanes {
        // Requests finish out of order (a timeout ends after a later success).
        lane.probes.stable_sort_by_key(|p| p.started);
        lane.outages = outages(&lane.probes, end);
    }
    lanes
}

/// `curl -w "HTTP %{http_code}"` printing `HTTP 000`: no answer, whatever the exit status.
fn failed_http(r: &Record) -> bool {
    matches!(&r.kind, Kind::Command { stdout, .. } if stdout.trim() == "HTTP 000")
}

/// Whether a request from `host` to `target` in `[from, to]` was dropped by
/// `externalTrafficPolicy: Local` (a node without a local endpoint).
fn local_drop(trace: &[Record], world: &World, host: &str, target: &str, from: Instant, to: Instant) -> bool {
    let Some(src) = world.net.host(host).and_then(|h| h.primary_ip()) else { return false };
    let dst = address(target);
    let first = trace.partition_point(|r| r.t < from);
    trace[first..].iter().take_while(|r| r.t <= to).any(|r| match &r.kind {
        Kind::Drop { reason: DropReason::NoLocalEndpoints { .. }, frame: Some(frame), .. } => {
            matches!(Parsed::of(frame.bytes()), Parsed::Ipv4 { packet, .. }
                if packet.src == src && dst.is_none_or(|d| packet.dst == d))
        }
        _ => false,
    })
}

/// Consecutive failures of one lane; a Local-policy drop neither starts
/// nor ends an outage.
fn outages(probes: &[Probe], end: Instant) -> Vec<Outage> {
    let mut out = Vec::new();
    let mut open: Option<(Instant, usize)> = None;
    for p in probes {
        match (p.outcome, open) {
            (Outcome::LocalDrop, _) => {}
            (Outcome::Failed, None) => open = Some((p.started, 1)),
            (Outcome::Failed, Some((from, n))) => open = Some((from, n + 1)),
            (Outcome::Ok, Some((from, failures))) => {
                out.push(Outage { from, to: p.started, ongoing: false, failures });
                open = None;
            }
            (Outcome::Ok, None) => {}
        }
    }
    if let Some((from, failures)) = open {
        out.push(Outage { from, to: end, ongoing: true, failures });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::play::run::Run;
    use std::rc::Rc;

    fn lanes_of(id: &str) -> Vec<Lane> {
        let s = crate::catalog::find(id).expect("shipped");
        let scenario = crate::scenario::load::load(s.file, s.yaml).expect("loads");
        let run = Run::new(Rc::new(scenario), None, None, None).expect("builds");
        lanes(run.trace(), run.world(), run.end)
    }

    #[test]
    fn a_target_is_the_url_s_host_and_port() {
        assert_eq!(target("curl -s -m 1 http://192.168.1.201/").as_deref(), Some("192.168.1.201"));
        assert_eq!(target("curl -s \"http://10.0.1.21:31888/clientip\"").as_deref(), Some("10.0.1.21:31888"));
        assert_eq!(target("curl --help"), None);
    }

    #[test]
    fn cilium_s_probes_are_lanes_and_the_local_drop_is_a_drop() {
        let lanes = lanes_of("cilium-lb-ipam");
        let labels: Vec<String> = lanes.iter().map(Lane::label).collect();
        assert_eq!(
            labels,
            ["worker-1 → 192.0.2.10", "lb-0 → 192.0.2.10", "lb-0 → 10.0.1.21:31888", "lb-0 → 10.0.1.20:31888"]
        );
        // Via worker-1 with Local (patched at 37 s): worker-1 has no echo pod.
        let via_worker1 = &lanes[2];
        let outcomes: Vec<Outcome> = via_worker1.probes.iter().map(|p| p.outcome).collect();
        assert_eq!(outcomes, [Outcome::Ok, Outcome::LocalDrop]);
        assert!(via_worker1.outages.is_empty(), "a Local drop is not an outage: {:?}", via_worker1.outages);
        // From outside before the announcement (at 16 s) the VIP times out; at 30 s it answers.
        let vip = &lanes[1];
        assert_eq!(vip.outages.len(), 1);
        assert_eq!(vip.outages[0].failures, 1);
        assert!(!vip.outages[0].ongoing);
    }

    #[test]
    fn the_failover_blackhole_is_one_lane_s_outage_counted_at_completion() {
        let lanes = lanes_of("metallb-l2-failover");
        assert_eq!(lanes.len(), 1);
        let longest = lanes[0].outages.iter().max_by_key(|o| o.length()).expect("the blackhole");
        assert_eq!(longest.from, Instant::from_secs(20));
        assert!(longest.to >= Instant::from_secs(90) && longest.to <= Instant::from_secs(91), "{longest:?}");
        // The 20 s request started before the power-off's effect and finished 1 s later, failed.
        let first_failed = lanes[0].probes.iter().find(|p| p.outcome == Outcome::Failed).expect("failures");
        assert_eq!((first_failed.started, first_failed.done), (Instant::from_secs(20), Instant::from_secs(21)));
    }
}
