//! The requests a run makes, as lanes: one lane per probe, a host curling
//! one target ("client → 192.168.1.201", "lb-0 → 10.0.1.21:31888"). Each
//! request counts when it finishes, with its real result: answered, failed,
//! or dropped on purpose by `externalTrafficPolicy: Local` on a node without
//! a local endpoint (kube-proxy 1.34's "no local endpoints" rule, Cilium's
//! equivalent), which is the policy working, not the service failing. An
//! outage is consecutive failures of the same lane only: two probes of
//! different targets never join into one.

use crate::engine::trace::{Kind, Name, Record};
use crate::narrate::local_drop;
use crate::sim::World;
use crate::sort::Sort;
use crate::time::{Duration, Instant};

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
        } else if local_drop(trace, world, host, &target, *started, r.t).is_some() {
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

/// Consecutive failures of one lane, in the order the requests finished
/// (each counts when it finishes); a Local-policy drop neither starts nor
/// ends an outage. An outage runs from its first failure's start to the
/// start of the success that ends it, unless that success was sent before
/// a failure of the outage (a curl without `-m` typed in the blackhole,
/// answered only by a TCP retransmission after the path came back): it
/// shows the service up only when it finished.
fn outages(probes: &[Probe], end: Instant) -> Vec<Outage> {
    let mut by_done: Vec<&Probe> = probes.iter().collect();
    by_done.stable_sort_by_key(|p| p.done);
    let mut out = Vec::new();
    // (first failure's start, failures, last failure's start)
    let mut open: Option<(Instant, usize, Instant)> = None;
    for p in by_done {
        match (p.outcome, open) {
            (Outcome::LocalDrop, _) => {}
            (Outcome::Failed, None) => open = Some((p.started, 1, p.started)),
            (Outcome::Failed, Some((from, n, last))) => open = Some((from, n + 1, last.max(p.started))),
            (Outcome::Ok, Some((from, failures, last))) => {
                let to = if p.started < last { p.done } else { p.started };
                out.push(Outage { from, to, ongoing: false, failures });
                open = None;
            }
            (Outcome::Ok, None) => {}
        }
    }
    if let Some((from, failures, _)) = open {
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

    fn probe(started: u64, done: u64, outcome: Outcome) -> Probe {
        Probe { started: Instant::from_millis(started), done: Instant::from_millis(done), outcome }
    }

    /// A curl typed at 30 s into the failover's blackhole, without `-m`:
    /// its SYN is retransmitted at 31, 33, 37, 45, 61 and 93 s (Linux's
    /// doubling RTO from 1 s) and the last one is answered once the router's
    /// entry expired at 90 s. The scripted `-m 1` probes fail from 20 s to
    /// 89 s and answer again at 90 s. One outage, 20 s to 90 s: the long
    /// curl's success does not split it at 30 s, and alone it would end the
    /// outage when it finished, not when it was sent.
    #[test]
    fn a_success_sent_before_later_failures_does_not_end_the_outage_early() {
        let mut probes: Vec<Probe> = (20..90).map(|s| probe(s * 1000, s * 1000 + 1000, Outcome::Failed)).collect();
        probes.push(probe(30_000, 93_000, Outcome::Ok));
        probes.push(probe(90_000, 90_004, Outcome::Ok));
        probes.stable_sort_by_key(|p| p.started);
        let end = Instant::from_secs(120);
        assert_eq!(
            outages(&probes, end),
            [Outage { from: Instant::from_secs(20), to: Instant::from_secs(90), ongoing: false, failures: 70 }]
        );
        // Without the scripted success at 90 s, the typed curl ends it at 93 s.
        probes.retain(|p| p.started != Instant::from_secs(90) || p.outcome != Outcome::Ok);
        assert_eq!(
            outages(&probes, end),
            [Outage { from: Instant::from_secs(20), to: Instant::from_secs(93), ongoing: false, failures: 70 }]
        );
        // A success sent after the last failure ends it when it was sent.
        let quick = [probe(20_000, 21_000, Outcome::Failed), probe(22_000, 22_004, Outcome::Ok)];
        assert_eq!(outages(&quick, end)[0].to, Instant::from_secs(22));
    }

    #[test]
    fn a_target_is_the_url_s_host_and_port() {
        assert_eq!(target("curl -s -m 1 http://192.168.1.201/").as_deref(), Some("192.168.1.201"));
        assert_eq!(target("curl -s \"http://10.0.1.21:31888/clientip\"").as_deref(), Some("10.0.1.21:31888"));
        assert_eq!(target("curl --help"), None);
    }

    #[test]
    fn cilium_s_probes_are_lanes_and_the_local_refusal_is_not_an_outage() {
        let lanes = lanes_of("cilium-lb-ipam");
        let labels: Vec<String> = lanes.iter().map(Lane::label).collect();
        assert_eq!(
            labels,
            ["worker-1 → 192.0.2.10", "lb-0 → 192.0.2.10", "lb-0 → 10.0.1.21:31888", "lb-0 → 10.0.1.20:31888"]
        );
        // Via worker-1 with Local (patched at 37 s): worker-1 has no echo
        // pod, and Cilium refuses the request there.
        let via_worker1 = &lanes[2];
        let outcomes: Vec<Outcome> = via_worker1.probes.iter().map(|p| p.outcome).collect();
        assert_eq!(outcomes, [Outcome::Ok, Outcome::LocalDrop]);
        assert!(via_worker1.outages.is_empty(), "a Local refusal is not an outage: {:?}", via_worker1.outages);
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
