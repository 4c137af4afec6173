//! Cilium L2 announcements: for each Service a CiliumL2AnnouncementPolicy
//! selects, agents on the selected nodes race for the Lease
//! `cilium-l2announce-<ns>-<svc>` (client-go leader election: lease 15 s,
//! renew deadline 5 s, retry 2 s). The holder's BPF responder answers ARP
//! for the VIP while the agent keeps its liveness fresh; on takeover the new
//! holder sends one gratuitous ARP reply. Unlike MetalLB, the holder is
//! chosen without looking at externalTrafficPolicy: Local (cilium#27800),
//! so it can be a node without a local endpoint, which then drops traffic.

use super::cluster::{Cluster, Key, Lease, LogLine};
use super::objects::Manifest;
use crate::net::host::Host;
use crate::time::{Duration, Instant};
use std::collections::BTreeSet;
use std::net::Ipv4Addr;

/// `l2_announcements_max_liveness`: the responder stops answering this long
/// after the agent last refreshed its liveness.
pub const RESPONDER_LIVENESS: Duration = Duration::from_secs(3);

pub fn lease_name(svc: &Key) -> String {
    let (ns, name) = svc.split_once('/').unwrap_or(("default", svc));
    format!("cilium-l2announce-{ns}-{name}")
}

/// Nodes whose agents may hold the Service's lease: selected by a policy
/// that also selects the Service (with `loadBalancerIPs: true`).
pub fn candidates(k: &Cluster, svc: &Key) -> BTreeSet<String> {
    let Some(s) = k.services.get(svc) else { return BTreeSet::new() };
    if s.ingress.is_empty() {
        return BTreeSet::new();
    }
    let mut labels = s.meta.labels.clone();
    // Cilium matches these virtual labels too.
    labels.insert("io.kubernetes.service.namespace".into(), s.namespace.clone());
    labels.insert("io.kubernetes.service.name".into(), s.meta.name.clone());
    let mut out = BTreeSet::new();
    for stored in k.objects_of("CiliumL2AnnouncementPolicy") {
        let Manifest::CiliumL2AnnouncementPolicy { spec, .. } = &stored.manifest else { continue };
        if !spec.load_balancer_ips {
            continue;
        }
        if !spec.service_selector.as_ref().is_none_or(|sel| sel.matches(&labels)) {
            continue;
        }
        if !spec.interfaces.is_empty() && !spec.interfaces.iter().any(|re| interface_matches(re, "eth0")) {
            continue;
        }
        for n in k.nodes.values() {
            if spec.node_selector.as_ref().is_none_or(|sel| sel.matches(&n.labels)) {
                out.insert(n.name.clone());
            }
        }
    }
    out
}

/// Policy `interfaces` are regular expressions; vipsim supports the common
/// forms: a literal name, `^eth[0-9]+`, `eth.*`, `^eth0$`.
fn interface_matches(pattern: &str, iface: &str) -> bool {
    let p = pattern.trim_start_matches('^').trim_end_matches('$');
    if let Some(prefix) = p.strip_suffix("[0-9]+").or(p.strip_suffix(".*")).or(p.strip_suffix("\\d+")) {
        return iface.starts_with(prefix);
    }
    p == iface
}

/// Whether the node's agent runs (its liveness stays fresh).
pub fn agent_alive(k: &Cluster, hosts: &[Host], node: &str) -> bool {
    k.nodes.get(node).is_some_and(|n| n.agent_running && hosts[n.host].up)
}

/// Whether the agent can reach the API server to renew leases.
pub fn agent_connected(k: &Cluster, hosts: &[Host], node: &str) -> bool {
    agent_alive(k, hosts, node) && k.nodes.get(node).is_some_and(|n| n.kubelet_up)
}

/// Each agent's retry ticks are offset by a fixed per-node phase, so which
/// candidate wins a free lease is deterministic (in client-go it is
/// whichever retry loop fires first).
pub fn retry_phase(node: &str, retry: Duration) -> Duration {
    let h = node.bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64));
    Duration::from_nanos(if retry.as_nanos() == 0 { 0 } else { h % retry.as_nanos() })
}

/// The first retry tick of `node` at or after `t`.
pub fn next_tick(node: &str, retry: Duration, t: Instant) -> Instant {
    let phase = retry_phase(node, retry).as_nanos();
    let r = retry.as_nanos().max(1);
    let t = t.as_nanos();
    let k = if t <= phase { 0 } else { (t - phase).div_ceil(r) };
    Instant::from_nanos(phase + k * r)
}

/// The last retry tick of `node` at or before `t` (its last renewal).
pub fn last_tick(node: &str, retry: Duration, t: Instant) -> Instant {
    let phase = retry_phase(node, retry).as_nanos();
    let r = retry.as_nanos().max(1);
    let t = t.as_nanos();
    if t < phase {
        return Instant::from_nanos(t);
    }
    Instant::from_nanos(phase + (t - phase) / r * r)
}

/// When the lease is free to take: now if nobody holds it, else when it expires.
pub fn free_at(lease: &Lease, duration: Duration) -> Instant {
    match lease.holder {
        None => Instant::ZERO,
        Some(_) => lease.renewed + duration,
    }
}

/// The candidate that takes a free lease first, and when.
pub fn next_holder(k: &Cluster, hosts: &[Host], svc: &Key, now: Instant) -> Option<(String, Instant)> {
    let lease = k.leases.get(svc);
    let from = lease.map(|l| free_at(l, k.config.lease_duration)).unwrap_or(Instant::ZERO).max(now);
    candidates(k, svc)
        .into_iter()
        .filter(|n| agent_connected(k, hosts, n))
        .map(|n| (next_tick(&n, k.config.retry_period, from), n))
        .min()
        .map(|(t, n)| (n, t))
}

/// A Cilium-agent log line (logfmt).
pub fn log_line(now: Instant, msg: &str, svc: &Key, ip: Option<Ipv4Addr>) -> String {
    let ip = ip.map(|i| format!(" ip={i}")).unwrap_or_default();
    format!(
        "time=\"{}\" level=info msg=\"{msg}\" lease=kube-system/{}{ip} subsys=l2-announcer",
        super::timestamp(now),
        lease_name(svc)
    )
}

/// Records a lease change in the agent's log.
pub fn log(k: &mut Cluster, now: Instant, node: &str, msg: &str, svc: &Key, ip: Option<Ipv4Addr>) {
    let line = log_line(now, msg, svc, ip);
    k.logs.push(LogLine { at: now, node: node.to_string(), component: "cilium-agent".into(), line });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_phase_aligned() {
        let retry = Duration::from_secs(2);
        let n = "worker-1";
        let p = retry_phase(n, retry);
        assert!(p < retry);
        let t = next_tick(n, retry, Instant::from_secs(10));
        assert!(t >= Instant::from_secs(10) && t < Instant::from_secs(12));
        assert_eq!((t.as_nanos() - p.as_nanos()) % retry.as_nanos(), 0);
        let l = last_tick(n, retry, Instant::from_secs(10));
        assert!(l <= Instant::from_secs(10) && l > Instant::from_secs(8));
    }

    #[test]
    fn interface_patterns() {
        assert!(interface_matches("^eth[0-9]+", "eth0"));
        assert!(interface_matches("eth0", "eth0"));
        assert!(!interface_matches("^ens[0-9]+", "eth0"));
        assert_eq!(lease_name(&"default/web".to_string()), "cilium-l2announce-default-web");
    }
}
