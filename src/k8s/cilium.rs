//! Cilium L2 announcements: for each Service a CiliumL2AnnouncementPolicy
//! selects, agents on the selected nodes race for the Lease
//! `cilium-l2announce-<ns>-<svc>` with client-go's leader election (lease
//! 15 s, renew deadline 5 s, retry 2 s; pkg/l2announcer/l2announcer.go of
//! Cilium 1.18, `serviceLeaderElection`, with `ReleaseOnCancel`). Each
//! candidate retries every retry period x 1.0-2.2 (`wait.JitterUntil`,
//! JitterFactor 1.2) and judges the holder's lease expired from the time it
//! last saw the record change; a holder that stops cleanly releases the
//! lease. The holder's BPF responder answers ARP for the Service's
//! addresses the policies announce (its load-balancer IPs with
//! `loadBalancerIPs: true`, its `spec.externalIPs` with `externalIPs:
//! true`) while the agent keeps its liveness fresh; on takeover the new
//! holder sends one gratuitous ARP reply for each. Unlike MetalLB, the holder is chosen without looking at
//! externalTrafficPolicy: Local (cilium#27800), so it can be a node without
//! a local endpoint, which then refuses the traffic (ICMP port unreachable).

use super::cluster::{Cluster, Elector, Key, Lease, Node, Service};
use super::objects::Manifest;
use crate::net::host::Host;
use crate::rng::SimRng;
use crate::time::{Duration, Instant};
use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::rc::Rc;

/// `l2_announcements_max_liveness`: the responder stops answering this long
/// after the agent last refreshed its liveness.
pub const RESPONDER_LIVENESS: Duration = Duration::from_secs(3);

pub fn lease_name(svc: &Key) -> String {
    let (ns, name) = svc.split_once('/').unwrap_or(("default", svc));
    format!("cilium-l2announce-{ns}-{name}")
}

/// The policies that select the Service, as Cilium 1.18's L2 announcer
/// does (pkg/l2announcer/l2announcer.go, `upsertSvc` and `upsertPolicy`):
/// the service selector matches its labels (with the namespace and name
/// Cilium adds), and "Policy IP type and Service IP type must match": the
/// policy sets `loadBalancerIPs` and the Service has a
/// `status.loadBalancer.ingress` address, or it sets `externalIPs` and the
/// Service has `spec.externalIPs` (of any type, ClusterIP too). A policy
/// whose interfaces select no device (vipsim's nodes have one, `eth0`) is
/// left out.
fn selecting<'a>(k: &'a Cluster, svc: &Key) -> Vec<(&'a Service, &'a super::objects::CiliumL2AnnouncementPolicySpec)> {
    let Some(s) = k.services.get(svc) else { return Vec::new() };
    let Some(selects) = PolicyMatch::of(s) else { return Vec::new() };
    usable_policies(k).into_iter().filter(|spec| selects.matches(spec)).map(|spec| (s, spec)).collect()
}

/// The policies whose interfaces select a device of the node (vipsim's
/// nodes have one, `eth0`): the others are left out whatever they select.
fn usable_policies(k: &Cluster) -> Vec<&super::objects::CiliumL2AnnouncementPolicySpec> {
    usable(k.objects_of("CiliumL2AnnouncementPolicy").into_iter()).collect()
}

/// The usable policies among `stored` ([`usable_policies`]).
fn usable<'a>(
    stored: impl Iterator<Item = &'a super::cluster::Stored>,
) -> impl Iterator<Item = &'a super::objects::CiliumL2AnnouncementPolicySpec> {
    stored
        .filter_map(|stored| match &stored.manifest {
            Manifest::CiliumL2AnnouncementPolicy { spec, .. } => Some(spec),
            _ => None,
        })
        .filter(|spec| {
            // No pattern selects every device; a pattern that does not
            // compile makes the policy select nothing. Each pattern is
            // asked once: every elector's try comes here.
            let patterns = &spec.interfaces;
            patterns.iter().try_fold(patterns.is_empty(), |any, re| Some(any | selects_eth0(re)?)).unwrap_or(false)
        })
}

/// Whether a policy's `nodeSelector` (none: every node) selects the node.
fn selects_node(spec: &super::objects::CiliumL2AnnouncementPolicySpec, n: &Node) -> bool {
    spec.node_selector.as_ref().is_none_or(|sel| sel.matches(&n.labels))
}

/// What a policy is matched against on the Service's side: the IP types
/// it has, and its labels with the two Cilium adds.
struct PolicyMatch<'a> {
    has_lb: bool,
    has_external: bool,
    service: &'a Service,
}

impl<'a> PolicyMatch<'a> {
    /// `None` for a Service with neither kind of address: no policy selects it.
    fn of(s: &'a Service) -> Option<PolicyMatch<'a>> {
        let (has_lb, has_external) = (!s.ingress.is_empty(), !external_ips(s).is_empty());
        if !has_lb && !has_external {
            return None;
        }
        Some(PolicyMatch { has_lb, has_external, service: s })
    }

    /// The Service's label `key`. Cilium matches two virtual labels too,
    /// over any label of the same name.
    fn label(&self, key: &str) -> Option<&'a str> {
        let s = self.service;
        match key {
            "io.kubernetes.service.namespace" => Some(&s.namespace),
            "io.kubernetes.service.name" => Some(&s.meta.name),
            _ => s.meta.labels.get(key).map(String::as_str),
        }
    }

    fn matches(&self, spec: &super::objects::CiliumL2AnnouncementPolicySpec) -> bool {
        ((spec.load_balancer_ips && self.has_lb) || (spec.external_ips && self.has_external))
            && spec.service_selector.as_ref().is_none_or(|sel| sel.matches_with(|key| self.label(key)))
    }
}

/// A Service's `spec.externalIPs` (the loader refuses one that is not an
/// IPv4 address).
pub fn external_ips(s: &Service) -> Vec<Ipv4Addr> {
    s.spec.external_ips.iter().filter_map(|ip| ip.parse().ok()).collect()
}

/// Whether `node` may hold the Service's lease: a policy that selects
/// the Service ([`selecting`]) selects the node too. Every elector asks it
/// on each try.
pub fn is_candidate(k: &Cluster, svc: &Key, node: &str) -> bool {
    let (Some(n), Some(s)) = (k.nodes.get(node), k.services.get(svc)) else { return false };
    let Some(selects) = PolicyMatch::of(s) else { return false };
    // Whether any policy does: their order does not matter here.
    usable(k.objects_of_kind("CiliumL2AnnouncementPolicy")).any(|spec| selects.matches(spec) && selects_node(spec, n))
}

/// The nodes that may hold each Service's lease ([`is_candidate`]) and
/// pass `keep` (the lease controller keeps the nodes whose agent is
/// connected), for each Service in `svcs`, in their order. The lease
/// controller asks this for every Service on every pass, so the policies
/// are read once, each policy's nodes are listed once, and Services
/// selected by the same policies share one list. `shared` keeps the
/// lists made, by the policies (their numbers) that select: what a list
/// holds changes only with the policies, the nodes and the agents, which
/// change only by what the control loop does not track (the caller
/// empties it then).
pub fn candidates_of_each(
    k: &Cluster,
    svcs: &[Key],
    keep: impl Fn(&str) -> bool,
    shared: &mut Candidates,
) -> Vec<Rc<BTreeSet<String>>> {
    let policies = usable_policies(k);
    let mut nodes_of: Vec<Option<Vec<&String>>> = vec![None; policies.len()];
    svcs.iter()
        .map(|svc| {
            let selects = k.services.get(svc).and_then(PolicyMatch::of);
            let by: Vec<usize> = match &selects {
                Some(m) => (0..policies.len()).filter(|&i| m.matches(policies[i])).collect(),
                None => Vec::new(),
            };
            if let Some((_, set)) = shared.iter().find(|(b, _)| *b == by) {
                return Rc::clone(set);
            }
            let set = {
                let mut out = BTreeSet::new();
                for &i in &by {
                    let spec = policies[i];
                    let nodes = nodes_of[i].get_or_insert_with(|| {
                        k.nodes
                            .values()
                            .filter(|n| selects_node(spec, n))
                            .map(|n| &n.name)
                            .filter(|n| keep(n))
                            .collect()
                    });
                    out.extend(nodes.iter().map(|n| (*n).clone()));
                }
                Rc::new(out)
            };
            shared.push((by, Rc::clone(&set)));
            set
        })
        .collect()
}

/// The nodes that may hold a lease, by the policies (their numbers among
/// the usable ones) that select its Service: Services selected by the
/// same policies (usually all of them by the one policy) share a list.
/// Few distinct sets: a list, not a map.
pub type Candidates = Vec<(Vec<usize>, Rc<BTreeSet<String>>)>;

/// The addresses the lease holder `node` answers ARP for (`None`: any
/// node): `desiredEntries` in pkg/l2announcer/l2announcer.go (Cilium 1.18),
/// over the policies selecting the Service (and the node): its
/// load-balancer ingress IPs where a policy sets `loadBalancerIPs: true`,
/// its `spec.externalIPs` where one sets `externalIPs: true`. Each becomes
/// an entry of the L2 announce table, which the responder answers ARP for
/// (pkg/datapath/l2responder/l2responder.go).
pub fn announced_ips(k: &Cluster, svc: &Key, node: Option<&str>) -> Vec<Ipv4Addr> {
    let mut out: Vec<Ipv4Addr> = Vec::new();
    for (s, spec) in selecting(k, svc) {
        let on_node = node.is_none_or(|n| k.nodes.get(n).is_some_and(|n| selects_node(spec, n)));
        if !on_node {
            continue;
        }
        let lb = if spec.load_balancer_ips { s.ingress.clone() } else { Vec::new() };
        let external = if spec.external_ips { external_ips(s) } else { Vec::new() };
        for ip in lb.into_iter().chain(external) {
            if !out.contains(&ip) {
                out.push(ip);
            }
        }
    }
    out
}

/// Policy `interfaces` are Go regular expressions matched anywhere in the
/// device name (`regex.MatchString(device)` in `upsertPolicy`,
/// pkg/l2announcer/l2announcer.go, Cilium 1.18): `eth` and `^eth` select
/// `eth0`. A pattern Go cannot compile makes the agent skip the policy
/// (status `io.cilium/bad-interface-regex`): it selects nothing.
pub fn interface_matches(pattern: &str, iface: &str) -> bool {
    interface_regex(pattern).is_ok_and(|re| re.is_match(iface))
}

/// Whether an interface pattern selects `eth0` (`None`: it does not
/// compile). Every elector's try asks it of every policy, and compiling
/// the pattern cost more than the rest of the try, so each pattern's
/// answer is kept: it depends on the pattern alone.
fn selects_eth0(pattern: &str) -> Option<bool> {
    thread_local! {
        // A handful of patterns: a list.
        static ANSWERS: std::cell::RefCell<Vec<(String, Option<bool>)>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    ANSWERS.with(|answers| {
        if let Some((_, answer)) = answers.borrow().iter().find(|(p, _)| p == pattern) {
            return *answer;
        }
        let answer = interface_regex(pattern).ok().map(|re| re.is_match("eth0"));
        answers.borrow_mut().push((pattern.to_string(), answer));
        answer
    })
}

/// A policy's interface pattern compiled, or why it does not compile.
/// `Regex::is_match` is unanchored, as Go's `MatchString` is.
pub fn interface_regex(pattern: &str) -> Result<regex_lite::Regex, String> {
    regex_lite::Regex::new(pattern).map_err(|e| e.to_string())
}

/// Whether the node's agent runs (its liveness stays fresh).
pub fn agent_alive(k: &Cluster, hosts: &[Host], node: &str) -> bool {
    k.nodes.get(node).is_some_and(|n| n.agent_running && hosts[n.host].up)
}

/// Whether the agent can reach the API server to renew leases.
pub fn agent_connected(k: &Cluster, hosts: &[Host], node: &str) -> bool {
    k.nodes.get(node).is_some_and(|n| n.agent_running && hosts[n.host].up && n.kubelet_up)
}

/// client-go's `JitterFactor`: a retry waits the retry period plus up to
/// 1.2 times more (`wait.Jitter`), drawn from the elector's own stream.
pub fn retry_wait(retry: Duration, rng: &mut SimRng) -> Duration {
    let extra = retry.as_nanos() / 5 * 6;
    Duration::from_nanos(retry.as_nanos() + rng.range_u64(0, extra))
}

/// One try of `node`'s elector at `t` (client-go `tryAcquireOrRenew`)
/// against the lease as it stands: note when the record last changed
/// (`observedTime`), and tell whether the try takes the lease: there is
/// none, nobody holds it, it is this node's own (a holder resuming), or it
/// expired in this elector's own view.
pub fn try_lease(e: &mut Elector, lease: Option<&Lease>, node: &str, t: Instant, retry: Duration) -> bool {
    let Some(l) = lease else { return true };
    if l.holder.as_deref() == Some(node) {
        return true;
    }
    let version = record_version(l, t, retry);
    if e.observed.map(|(v, _)| v) != Some(version) {
        e.observed = Some((version, t));
    }
    let seen = e.observed.map_or(t, |(_, at)| at);
    l.holder.is_none() || t >= seen + l.duration
}

/// Makes the tries `node`'s elector was due before `until` against the
/// lease as it stood (called before each write to it). None takes the
/// lease: the try that would is an event of its own, made on time.
pub fn catch_up(e: &mut Elector, lease: Option<&Lease>, node: &str, until: Instant, retry: Duration) {
    while e.next_try < until {
        let t = e.next_try;
        if try_lease(e, lease, node, t, retry) {
            // Not reached while every write catches its electors up.
            debug_assert!(false, "{node}: a try at {t} would have taken the lease");
            return;
        }
        e.next_try = t + retry_wait(retry, &mut e.jitter);
    }
}

/// How many tries [`wake_at`] looks ahead: with client-go's timers a
/// candidate wins within about ten, and a lease of days is not walked
/// try by try.
const LOOK_AHEAD: usize = 64;

/// When `node`'s elector must next be woken if nobody writes the lease
/// meanwhile: at its first try that takes the lease (after the record it
/// last saw change is a lease duration old, or at its next try if nobody
/// holds the lease), or at its [`LOOK_AHEAD`]th try if that comes first,
/// which fails and plans again. Never while another holder renews the
/// lease (each try sees a new record) or once the loop stopped.
pub fn wake_at(e: &Elector, lease: Option<&Lease>, node: &str, retry: Duration) -> Option<Instant> {
    let renewed_by_other = lease.is_some_and(|l| l.renewing && l.holder.as_deref().is_some_and(|h| h != node));
    if e.next_try == Instant::MAX || renewed_by_other {
        return None;
    }
    let mut e = e.clone();
    for _ in 1..LOOK_AHEAD {
        let t = e.next_try;
        if try_lease(&mut e, lease, node, t, retry) {
            return Some(t);
        }
        e.next_try = t + retry_wait(retry, &mut e.jitter);
    }
    Some(e.next_try)
}

/// The record's version at `t`: every write (acquire, release, each
/// renewal) changes it, which is all a candidate compares.
pub fn record_version(l: &Lease, t: Instant, retry: Duration) -> u64 {
    let end = if l.renewing { t } else { l.renewed };
    l.writes + end.saturating_since(l.renew_since).as_nanos() / retry.as_nanos().max(1)
}

/// `renewTime` as the API server holds it at `t`: the holder renews every
/// retry period while its renew loop runs (`wait.Until`, no jitter).
pub fn renew_time(l: &Lease, t: Instant, retry: Duration) -> Instant {
    if !l.renewing {
        return l.renewed;
    }
    let r = retry.as_nanos().max(1);
    l.renew_since + Duration::from_nanos(t.saturating_since(l.renew_since).as_nanos() / r * r)
}

/// The lease lines a Cilium agent logs: client-go's leader election
/// writes them through klog (`acquire` in tools/leaderelection/
/// leaderelection.go, client-go 0.34: "attempting to acquire leader lease
/// NS/NAME..." when it starts, "successfully acquired lease NS/NAME" when
/// it wins), and the agent's klog bridge tags them `subsys=klog`. Cilium's
/// own l2announcer logs nothing at info level on these transitions, nor
/// does client-go on a release.
pub fn lease_log_line(now: Instant, event: LeaseLog, svc: &Key) -> String {
    let msg = match event {
        LeaseLog::Attempting => format!("attempting to acquire leader lease kube-system/{}...", lease_name(svc)),
        LeaseLog::Acquired => format!("successfully acquired lease kube-system/{}", lease_name(svc)),
    };
    format!("time=\"{}\" level=info msg=\"{msg}\" subsys=klog", super::timestamp(now))
}

/// Which of client-go's leader-election lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeaseLog {
    Attempting,
    Acquired,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// client-go `wait.Jitter(RetryPeriod, 1.2)`: between 1.0 and 2.2
    /// retry periods, spread over the whole range.
    #[test]
    fn retries_wait_one_to_two_point_two_periods() {
        let retry = Duration::from_secs(2);
        let mut rng = SimRng::new(42);
        let waits: Vec<u64> = (0..2000).map(|_| retry_wait(retry, &mut rng).as_millis()).collect();
        assert!(waits.iter().all(|w| (2000..=4400).contains(w)), "{waits:?}");
        assert!(waits.iter().any(|w| *w < 2100) && waits.iter().any(|w| *w > 4300));
    }

    #[test]
    fn a_renewing_holder_writes_every_retry_period() {
        let retry = Duration::from_secs(2);
        let mut l = Lease {
            created: Instant::ZERO,
            holder: Some("worker-0".into()),
            acquired: Instant::from_secs(25),
            renewed: Instant::from_secs(25),
            duration: Duration::from_secs(15),
            transitions: 0,
            term: 1,
            renewing: true,
            renew_since: Instant::from_secs(25),
            writes: 1,
        };
        assert_eq!(renew_time(&l, Instant::from_millis(30_500), retry), Instant::from_secs(29));
        assert_eq!(record_version(&l, Instant::from_millis(26_999), retry), 1);
        assert_eq!(record_version(&l, Instant::from_secs(27), retry), 2);
        // A crashed holder's record stops changing at its last renewal.
        l.renewing = false;
        l.renewed = Instant::from_secs(29);
        assert_eq!(renew_time(&l, Instant::from_secs(60), retry), Instant::from_secs(29));
        assert_eq!(record_version(&l, Instant::from_secs(60), retry), 3);
    }

    /// The lazy elector (tries made at the next write, the winning one
    /// scheduled) takes the lease at the very try an elector trying on
    /// every retry would: a holder renews until it dies at `death`, and a
    /// candidate that started at `start` must see its record unchanged for
    /// a lease duration, from its own tries' times.
    #[test]
    fn a_lazy_elector_wins_at_the_try_an_eager_one_would() {
        let retry = Duration::from_secs(2);
        let held = |renewing: bool, renewed: Instant| Lease {
            created: Instant::ZERO,
            holder: Some("worker-0".into()),
            acquired: Instant::from_secs(1),
            renewed,
            duration: Duration::from_secs(15),
            transitions: 0,
            term: 1,
            renewing,
            renew_since: Instant::from_secs(1),
            writes: 1,
        };
        for seed in 0..200u64 {
            let start = Instant::from_millis(1_000 + seed * 37);
            let death = Instant::from_millis(20_000 + seed * 613);
            let alive = held(true, Instant::from_secs(1));
            let mut dead = alive.clone();
            dead.renewed = renew_time(&alive, death, retry);
            dead.renewing = false;
            let fresh =
                Elector { generation: 1, observed: None, next_try: start, pending: None, jitter: SimRng::new(seed) };

            // Eager: every try is made at its time against the lease then.
            let mut e = fresh.clone();
            let eager = loop {
                let t = e.next_try;
                let lease = if t < death { &alive } else { &dead };
                if try_lease(&mut e, Some(lease), "worker-1", t, retry) {
                    break t;
                }
                e.next_try = t + retry_wait(retry, &mut e.jitter);
            };

            // Lazy: no winning try while the holder renews; at its death the
            // tries before it are made, and the winning one is planned.
            let mut e = fresh.clone();
            assert_eq!(wake_at(&e, Some(&alive), "worker-1", retry), None);
            catch_up(&mut e, Some(&alive), "worker-1", death, retry);
            assert!(e.next_try >= death);
            let lazy = wake_at(&e, Some(&dead), "worker-1", retry).expect("a dead holder's lease expires");
            assert_eq!(lazy, eager, "seed {seed}");
            // Expired in its own view: at least a lease duration after the
            // holder's last renewal; at most a lease duration after its
            // first try after the death, then one more try (each wait at
            // most 2.2 retry periods).
            assert!(lazy >= dead.renewed + dead.duration, "seed {seed}");
            assert!(lazy < death + dead.duration + retry.mul_ratio(88, 10), "seed {seed}");
        }
    }

    /// A lease of days is not walked try by try: the elector is woken at
    /// its 64th try, which fails, and looks ahead again from there.
    #[test]
    fn a_long_lease_is_looked_ahead_in_steps() {
        let retry = Duration::from_secs(2);
        let dead = Lease {
            created: Instant::ZERO,
            holder: Some("worker-0".into()),
            acquired: Instant::ZERO,
            renewed: Instant::ZERO,
            duration: Duration::from_hours(2_000_000),
            transitions: 0,
            term: 1,
            renewing: false,
            renew_since: Instant::ZERO,
            writes: 1,
        };
        let mut e =
            Elector { generation: 1, observed: None, next_try: Instant::ZERO, pending: None, jitter: SimRng::new(5) };
        let wake = wake_at(&e, Some(&dead), "worker-1", retry).expect("woken");
        // Made one by one, the first 63 tries fail; the 64th is the wake-up.
        for _ in 1..64 {
            let t = e.next_try;
            assert!(!try_lease(&mut e, Some(&dead), "worker-1", t, retry));
            e.next_try = t + retry_wait(retry, &mut e.jitter);
        }
        assert_eq!(wake, e.next_try);
        assert!(wake >= Instant::ZERO + retry.mul_ratio(63, 1) && wake <= Instant::ZERO + retry.mul_ratio(63 * 22, 10));
    }

    /// A released lease (no holder) is taken at the next try; one's own
    /// lease (a holder back from a cut-off) too; a stopped loop never.
    #[test]
    fn a_released_or_own_lease_is_taken_at_the_next_try() {
        let retry = Duration::from_secs(2);
        let mut l = Lease {
            created: Instant::ZERO,
            holder: None,
            acquired: Instant::from_secs(9),
            renewed: Instant::from_secs(9),
            duration: Duration::from_secs(1),
            transitions: 0,
            term: 2,
            renewing: false,
            renew_since: Instant::from_secs(9),
            writes: 4,
        };
        let mut e = Elector {
            generation: 1,
            observed: None,
            next_try: Instant::from_secs(11),
            pending: None,
            jitter: SimRng::new(3),
        };
        assert_eq!(wake_at(&e, Some(&l), "worker-1", retry), Some(Instant::from_secs(11)));
        assert_eq!(wake_at(&e, None, "worker-1", retry), Some(Instant::from_secs(11)));
        l.holder = Some("worker-1".into());
        l.renewing = true;
        assert_eq!(wake_at(&e, Some(&l), "worker-1", retry), Some(Instant::from_secs(11)));
        e.next_try = Instant::MAX;
        assert_eq!(wake_at(&e, Some(&l), "worker-1", retry), None);
    }

    #[test]
    fn interface_patterns() {
        assert!(interface_matches("^eth[0-9]+", "eth0"));
        assert!(interface_matches("eth0", "eth0"));
        assert!(interface_matches("^eth", "eth0"));
        assert!(!interface_matches("^ens[0-9]+", "eth0"));
        assert!(!interface_matches("(eth", "eth0"));
        // Unanchored, as Go's `regexp.MatchString` is (RE2 semantics).
        for p in ["eth", "^eth0$", "eth.*", "^eth\\d+$", "th0", "^(eth|ens)[0-9]+$", "e", "", "(?i)ETH"] {
            assert!(interface_matches(p, "eth0"), "{p}");
        }
        for p in ["^th0", "ens", "^eth$", "^eth0.$", "eth1", "^eth[1-9]", "bond0|ens3", "^(?:en|wl)", "^[^e]"] {
            assert!(!interface_matches(p, "eth0"), "{p}");
        }
        assert!(interface_matches("^en[ops][0-9]+(s[0-9]+)?$", "enp1s0"));
        assert!(interface_matches("^eth[0-9]{1,2}$", "eth10") && !interface_matches("^eth[0-9]{2}$", "eth1"));
        assert_eq!(lease_name(&"default/web".to_string()), "cilium-l2announce-default-web");
    }
}
