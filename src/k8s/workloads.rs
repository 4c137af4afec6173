//! Pods and the scheduler. The scheduler binds pending pods that name no
//! node to a node that passes every hard constraint (nodeSelector, cordon,
//! required pod anti-affinity, DoNotSchedule topology spread) and scores
//! best (fewest matching pods, ScheduleAnyway spread), breaking ties at
//! random like kube-scheduler's `selectHost`. A pod that names its
//! `nodeName` skips the scheduler: it is bound from the start, and the
//! kubelet of that node starts it (see [`super::control`]). The
//! controllers that create pods are in [`super::deployments`].

use super::cluster::{Cluster, Pod, PodPhase};
use super::objects::{LabelSelector, PodSpec, WhenUnsatisfiable};
use crate::net::Cidr;
use crate::net::apps::App;
use crate::rng::SimRng;
use crate::time::Instant;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// Characters Kubernetes uses in generated name suffixes (no vowels, no
/// look-alikes: `rand.String` in apimachinery).
const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

pub fn random_suffix(rng: &mut SimRng, len: usize) -> String {
    (0..len).map(|_| ALPHANUMS[rng.index(ALPHANUMS.len())] as char).collect()
}

/// A name suffix derived from `seed` (FNV-1a, kube's alphabet): stands in
/// for a random suffix where the name must be the same in every run.
pub fn name_suffix(seed: &str, len: usize) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (0..len)
        .map(|_| {
            let c = ALPHANUMS[(h % ALPHANUMS.len() as u64) as usize] as char;
            h /= ALPHANUMS.len() as u64;
            c
        })
        .collect()
}

/// The add-ons' DaemonSets as `(namespace, name)`: the MetalLB speaker,
/// the Cilium agent (vipsim's eBPF datapath) and kube-proxy (the others).
pub fn system_daemonsets(config: &super::cluster::ClusterConfig) -> Vec<(&'static str, &'static str)> {
    use crate::k8s::cluster::LoadBalancerKind;
    use crate::net::host::Datapath;
    let mut out = Vec::new();
    if config.datapath == Datapath::Ebpf || config.load_balancer == LoadBalancerKind::Cilium {
        out.push(("kube-system", "cilium"));
    }
    if config.datapath != Datapath::Ebpf {
        out.push(("kube-system", "kube-proxy"));
    }
    if config.load_balancer == LoadBalancerKind::Metallb {
        out.push(("metallb-system", "speaker"));
    }
    out
}

/// The name of a DaemonSet's pod on `node` (`speaker-x7k2p`).
pub fn daemon_pod_name(daemonset: &str, node: &str) -> String {
    format!("{daemonset}-{}", name_suffix(&format!("{daemonset}/{node}"), 5))
}

/// A pod as the kubelet will run it: labels, spec and the app its image runs.
pub fn new_pod(
    namespace: &str,
    name: String,
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
    spec: PodSpec,
    owner: Option<String>,
    now: Instant,
) -> Pod {
    let app = spec
        .containers
        .first()
        .map(|c| App::from_container(&c.image, &c.args))
        .unwrap_or(App::Generic { image: String::new() });
    let bound_at = spec.node_name.as_ref().map(|_| now);
    Pod {
        namespace: namespace.to_string(),
        name,
        labels,
        annotations,
        owner,
        node: spec.node_name.clone(),
        spec,
        app,
        ip: None,
        phase: PodPhase::Pending,
        ready: false,
        ready_since: None,
        created: now,
        bound_at,
        admitted: false,
        deleted_at: None,
        generation: 0,
        restarts: 0,
        pending_reason: None,
        pod_gc_at: None,
        evict_at: None,
    }
}

fn topology_value<'a>(k: &'a Cluster, node: &str, topology_key: &str) -> Option<&'a str> {
    k.nodes.get(node).and_then(|n| n.labels.get(topology_key)).map(String::as_str)
}

/// Counts pods matching `selector` (in the pod's namespace) per topology value.
fn pods_per_domain(
    k: &Cluster,
    ns: &str,
    selector: &LabelSelector,
    topology_key: &str,
    candidates: &[String],
) -> BTreeMap<String, u32> {
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    for n in candidates {
        if let Some(v) = topology_value(k, n, topology_key) {
            counts.entry(v.to_string()).or_insert(0);
        }
    }
    for p in k.pods.values() {
        if p.namespace != ns || p.terminating() || !selector.matches(&p.labels) {
            continue;
        }
        if let Some(v) = p.node.as_deref().and_then(|n| topology_value(k, n, topology_key)) {
            *counts.entry(v.to_string()).or_insert(0) += 1;
        }
    }
    counts
}

/// Why a node cannot take the pod, in kube-scheduler's words, or `None` if it can.
fn unfit(k: &Cluster, pod: &Pod, node: &str, eligible: &[String]) -> Option<&'static str> {
    let n = &k.nodes[node];
    if n.unschedulable {
        return Some("node(s) were unschedulable");
    }
    if !n.ready || n.unreachable_since.is_some() {
        return Some("node(s) had untolerated taint {node.kubernetes.io/unreachable: }");
    }
    if !pod.spec.node_selector.iter().all(|(key, v)| n.labels.get(key) == Some(v)) {
        return Some("node(s) didn't match Pod's node affinity/selector");
    }
    let anti = pod.spec.affinity.as_ref().and_then(|a| a.pod_anti_affinity.as_ref());
    for term in anti.map(|a| a.required_during_scheduling_ignored_during_execution.as_slice()).unwrap_or(&[]) {
        let here = topology_value(k, node, &term.topology_key);
        let clash = k.pods.values().any(|p| {
            p.namespace == pod.namespace
                && !p.terminating()
                && p.name != pod.name
                && term.label_selector.matches(&p.labels)
                && p.node
                    .as_deref()
                    .is_some_and(|pn| here.is_some() && topology_value(k, pn, &term.topology_key) == here)
        });
        if clash {
            return Some("node(s) didn't match pod anti-affinity rules");
        }
    }
    for c in
        pod.spec.topology_spread_constraints.iter().filter(|c| c.when_unsatisfiable == WhenUnsatisfiable::DoNotSchedule)
    {
        let selector = c.selector_for(&pod.labels);
        let counts = pods_per_domain(k, &pod.namespace, &selector, &c.topology_key, eligible);
        let Some(here) = topology_value(k, node, &c.topology_key) else {
            return Some("node(s) didn't match pod topology spread constraints (missing required label)");
        };
        let min = counts.values().copied().min().unwrap_or(0);
        let after = counts.get(here).copied().unwrap_or(0) + 1;
        if after - min > c.max_skew {
            return Some("node(s) didn't match pod topology spread constraints");
        }
    }
    None
}

/// Lower is better: pods already on the node that this pod's spread
/// constraints count, plus how busy the node is overall.
fn score(k: &Cluster, pod: &Pod, node: &str, eligible: &[String]) -> u64 {
    let on_node = k.pods.values().filter(|p| !p.terminating() && p.node.as_deref() == Some(node)).count() as u64;
    let mut s = on_node;
    for c in &pod.spec.topology_spread_constraints {
        let counts = pods_per_domain(k, &pod.namespace, &c.selector_for(&pod.labels), &c.topology_key, eligible);
        if let Some(here) = topology_value(k, node, &c.topology_key) {
            s += 10 * counts.get(here).copied().unwrap_or(0) as u64;
        }
    }
    s
}

/// Binds pending, unscheduled pods. Returns `(pod key, node)` bindings.
pub fn schedule(k: &mut Cluster, now: Instant, rng: &mut SimRng) -> Vec<(String, String)> {
    let mut bound = Vec::new();
    let pending: Vec<String> =
        k.pods.values().filter(|p| p.node.is_none() && !p.terminating()).map(|p| p.key()).collect();
    for pk in pending {
        let pod = k.pods[&pk].clone();
        let all: Vec<String> = k.nodes.keys().cloned().collect();
        let eligible: Vec<String> =
            all.iter().filter(|n| !k.nodes[*n].unschedulable && k.nodes[*n].ready).cloned().collect();
        let mut reasons: BTreeMap<&'static str, u32> = BTreeMap::new();
        let mut fits: Vec<(u64, String)> = Vec::new();
        for n in &all {
            match unfit(k, &pod, n, &eligible) {
                Some(r) => *reasons.entry(r).or_insert(0) += 1,
                None => fits.push((score(k, &pod, n, &eligible), n.clone())),
            }
        }
        let Some(best) = fits.iter().map(|(s, _)| *s).min() else {
            let detail: Vec<String> = reasons.iter().map(|(r, c)| format!("{c} {r}")).collect();
            let msg = format!(
                "0/{} nodes are available: {}. preemption: 0/{} nodes are available: {} Preemption is not helpful for scheduling.",
                all.len(),
                detail.join(", "),
                all.len(),
                all.len()
            );
            if k.pods[&pk].pending_reason.as_deref() != Some(msg.as_str()) {
                k.event(now, &pod.namespace, &format!("pod/{}", pod.name), "Warning", "FailedScheduling", msg.clone());
            }
            k.pods.get_mut(&pk).unwrap().pending_reason = Some(msg);
            continue;
        };
        let top: Vec<&String> = fits.iter().filter(|(s, _)| *s == best).map(|(_, n)| n).collect();
        let node = top[rng.index(top.len())].clone();
        let p = k.pods.get_mut(&pk).unwrap();
        p.node = Some(node.clone());
        p.bound_at = Some(now);
        p.pending_reason = None;
        k.event(
            now,
            &pod.namespace,
            &format!("pod/{}", pod.name),
            "Normal",
            "Scheduled",
            format!("Successfully assigned {} to {node}", pk),
        );
        bound.push((pk, node));
    }
    bound
}

/// A free pod IP in the node's pod CIDR. `vipsim/pod-ip` on the pod pins it
/// (for scenarios that reproduce a write-up's exact address); otherwise a
/// random free address, as Cilium's and host-local IPAM's bitmap allocators
/// pick (skipping the network address and the node's router address .1).
pub fn allocate_pod_ip(k: &Cluster, cidr: Cidr, pinned: Option<&str>, rng: &mut SimRng) -> Option<Ipv4Addr> {
    let used: std::collections::BTreeSet<Ipv4Addr> = k.pods.values().filter_map(|p| p.ip).collect();
    if let Some(ip) = pinned.and_then(|s| s.parse::<Ipv4Addr>().ok())
        && cidr.contains(ip)
        && !used.contains(&ip)
    {
        return Some(ip);
    }
    let size = cidr.size();
    if size < 4 {
        return None;
    }
    let start = rng.range_u64(2, size - 2);
    (0..size - 3).map(|i| 2 + (start - 2 + i) % (size - 3)).filter_map(|i| cidr.nth(i)).find(|ip| !used.contains(ip))
}
