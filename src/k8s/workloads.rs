//! Pods and the scheduler. The scheduler binds pending pods that name no
//! node to a node that passes every hard constraint (nodeSelector, cordon,
//! required pod anti-affinity, DoNotSchedule topology spread) and scores
//! best (fewest matching pods, ScheduleAnyway spread), breaking ties at
//! random like kube-scheduler's `selectHost`. A pod that names its
//! `nodeName` skips the scheduler: it is bound from the start, and the
//! kubelet of that node starts it (see [`super::control`]). The
//! controllers that create pods are in [`super::deployments`].

use super::cluster::{Cluster, Key, Node, Pod, PodPhase};
use super::objects::{
    LabelSelector, PodSpec, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE, Taint, TaintEffect, WhenUnsatisfiable,
};
use crate::net::Cidr;
use crate::net::apps::App;
use crate::rng::SimRng;
use crate::sort::{Collect, Sort};
use crate::time::Instant;
use std::collections::{BTreeMap, BTreeSet};
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

/// A pod as the API server stores it and the kubelet will run it: labels,
/// spec (with the tolerations the DefaultTolerationSeconds admission plugin
/// adds, `default_toleration` for not-ready and unreachable) and the app
/// its image runs.
#[allow(clippy::too_many_arguments)]
pub fn new_pod(
    namespace: &str,
    name: String,
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
    mut spec: PodSpec,
    owner: Option<String>,
    now: Instant,
    default_toleration: crate::time::Duration,
) -> Pod {
    super::objects::admit_default_tolerations(&mut spec.tolerations, default_toleration.as_secs());
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
        deletion_grace_period: None,
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

/// What the scheduler counts while it places pods, instead of reading
/// every pod for every node it weighs (kube-scheduler's snapshot and the
/// PodTopologySpread / InterPodAffinity pre-filter state do the same): the
/// pods on each node, and per (namespace, selector, topology key) the
/// matching pods per topology value. Kept up to date as pods are bound.
struct Counts {
    /// Nodes a pod could go to now (schedulable and ready): their domains
    /// count, with zero pods, in the spread constraints' minimum.
    eligible: Vec<String>,
    /// Pods per node, by the node's place in `k.nodes` (the scheduler
    /// weighs every node for every pod: no name lookups in that loop).
    on_node: Vec<u64>,
    domains: BTreeMap<DomainKey, Domain>,
}

/// (namespace, selector as JSON, topology key).
type DomainKey = (String, String, String);

/// The pods one selector counts, per value of one topology key.
struct Domain {
    selector: LabelSelector,
    /// Matching pods per topology value (the eligible nodes' values included
    /// with none), as the filters read them.
    counts: BTreeMap<String, u32>,
    /// The same counts for scoring, which reads them for every node and
    /// every pod: each value a slot, each node's slot by its place in
    /// `k.nodes` (`None` without the label), so no lookup per node.
    slots: BTreeMap<String, usize>,
    node_slot: Vec<Option<usize>>,
    slot_pods: Vec<u32>,
}

impl Domain {
    /// Matching pods in the domain of the `index`th node, if it has the label.
    fn at_node(&self, index: usize) -> Option<u32> {
        self.node_slot[index].map(|slot| self.slot_pods[slot])
    }
}

impl Counts {
    fn new(k: &Cluster) -> Counts {
        let eligible = k.nodes.values().filter(|n| !n.unschedulable && n.ready).map(|n| n.name.clone()).collect();
        // A terminating pod still holds its node's resources in the
        // scheduler's cache until it is deleted (NodeResourcesFit counts
        // it); only the spread counts leave it out.
        let mut on_node: BTreeMap<&str, u64> = BTreeMap::new();
        for p in k.pods.values() {
            if let Some(n) = &p.node {
                *on_node.entry(n).or_default() += 1;
            }
        }
        let on_node = k.nodes.keys().map(|n| on_node.get(n.as_str()).copied().unwrap_or(0)).collect();
        Counts { eligible, on_node, domains: BTreeMap::new() }
    }

    /// Counts pods matching `selector` (in namespace `ns`) per topology
    /// value, the eligible nodes' values included with none; returns its key.
    fn count(&mut self, k: &Cluster, ns: &str, selector: &LabelSelector, topology_key: &str) -> DomainKey {
        let key = (ns.to_string(), serde_json::to_string(selector).unwrap_or_default(), topology_key.to_string());
        if self.domains.contains_key(&key) {
            return key;
        }
        let mut counts: BTreeMap<String, u32> = BTreeMap::new();
        for n in &self.eligible {
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
        let mut slots: BTreeMap<String, usize> = BTreeMap::new();
        let mut slot_pods = Vec::new();
        let node_slot = k
            .nodes
            .values()
            .map(|n| {
                let v = n.labels.get(topology_key)?;
                Some(*slots.entry(v.clone()).or_insert_with(|| {
                    slot_pods.push(counts.get(v).copied().unwrap_or(0));
                    slot_pods.len() - 1
                }))
            })
            .collect();
        self.domains.insert(key.clone(), Domain { selector: selector.clone(), counts, slots, node_slot, slot_pods });
        key
    }

    fn domain(&self, key: &DomainKey) -> &BTreeMap<String, u32> {
        &self.domains[key].counts
    }

    /// A pending pod was bound to `node`, the `index`th of `k.nodes`.
    fn bind(&mut self, k: &Cluster, pod: &Pod, node: &str, index: usize) {
        self.on_node[index] += 1;
        for ((ns, _, topology_key), d) in &mut self.domains {
            if pod.namespace == *ns
                && d.selector.matches(&pod.labels)
                && let Some(v) = topology_value(k, node, topology_key)
            {
                *d.counts.entry(v.to_string()).or_insert(0) += 1;
                if let Some(&slot) = d.slots.get(v) {
                    d.slot_pods[slot] += 1;
                }
            }
        }
    }
}

/// The counts a pod's constraints read: per required anti-affinity term
/// and per topology spread constraint.
struct PodKeys {
    anti: Vec<DomainKey>,
    spread: Vec<DomainKey>,
}

impl PodKeys {
    fn of(k: &Cluster, pod: &Pod, counts: &mut Counts, defaults: &mut DefaultSelectors) -> PodKeys {
        let anti = pod.spec.affinity.as_ref().and_then(|a| a.pod_anti_affinity.as_ref());
        let anti = anti
            .map(|a| a.required_during_scheduling_ignored_during_execution.as_slice())
            .unwrap_or(&[])
            .iter()
            .map(|term| counts.count(k, &pod.namespace, &term.label_selector, &term.topology_key))
            .collect();
        let spread = if pod.spec.topology_spread_constraints.is_empty() {
            // kube-scheduler's system default constraints (PodTopologySpread,
            // `defaultingType: System`): hostname with maxSkew 3 and zone
            // with maxSkew 5, both ScheduleAnyway, for a pod that sets none
            // of its own and that a Service or ReplicaSet selects.
            // (A ReplicaSet's pods share their labels: the selector is
            // worked out once per ReplicaSet and label set.)
            let selector = defaults
                .entry((pod.namespace.clone(), pod.owner.clone(), pod.labels.clone()))
                .or_insert_with(|| default_spread_selector(k, pod));
            match selector {
                Some(selector) => {
                    DEFAULT_SPREAD_KEYS.iter().map(|key| counts.count(k, &pod.namespace, selector, key)).collect()
                }
                None => Vec::new(),
            }
        } else {
            pod.spec
                .topology_spread_constraints
                .iter()
                .map(|c| counts.count(k, &pod.namespace, &c.selector_for(&pod.labels), &c.topology_key))
                .collect()
        };
        PodKeys { anti, spread }
    }
}

/// [`default_spread_selector`] by (namespace, owning ReplicaSet, labels).
type DefaultSelectors = BTreeMap<(String, Option<Key>, BTreeMap<String, String>), Option<LabelSelector>>;

/// The topology keys of kube-scheduler's system default spread constraints
/// (`systemDefaultConstraints`, pkg/scheduler/framework/plugins/podtopologyspread/plugin.go).
const DEFAULT_SPREAD_KEYS: [&str; 2] = ["kubernetes.io/hostname", "topology.kubernetes.io/zone"];

/// The pods the system default constraints count for `pod`: those matching
/// the selectors of every Service that selects it, and its ReplicaSet's
/// (`DefaultSelector`, pkg/scheduler/framework/plugins/helper/spread.go,
/// Kubernetes 1.34). The ReplicaSet's selector carries
/// `pod-template-hash`, so during a rolling update a new pod is spread
/// among the new ReplicaSet's pods, away from the nodes that have them.
/// `None` when nothing selects it.
fn default_spread_selector(k: &Cluster, pod: &Pod) -> Option<LabelSelector> {
    let mut selector = LabelSelector::default();
    let mut any = false;
    for svc in k.services.values().filter(|s| s.namespace == pod.namespace) {
        let sel = &svc.spec.selector;
        if !sel.is_empty() && sel.iter().all(|(key, v)| pod.labels.get(key) == Some(v)) {
            selector.match_labels.extend(sel.iter().map(|(key, v)| (key.clone(), v.clone())));
            any = true;
        }
    }
    if let Some(rs) = pod.owner.as_ref().and_then(|o| k.replica_sets.get(o)) {
        selector.match_labels.extend(rs.selector.match_labels.iter().map(|(key, v)| (key.clone(), v.clone())));
        selector.match_expressions.extend(rs.selector.match_expressions.iter().cloned());
        any = true;
    }
    any.then_some(selector)
}

/// Whether the pod tolerates each of these taints (empty values).
fn tolerates_all(pod: &Pod, taints: &[(&'static str, TaintEffect)]) -> bool {
    let taints: Vec<Taint> = taints.iter().map(|&(key, effect)| Taint { key, value: "", effect }).collect();
    super::objects::matching_tolerations(&taints, &pod.spec.tolerations).is_some()
}

/// Why a node cannot take the pod, in kube-scheduler's words, or `None` if it can.
fn unfit(pod: &Pod, n: &Node, counts: &Counts, keys: &PodKeys) -> Option<&'static str> {
    let topology_value = |key: &str| n.labels.get(key).map(String::as_str);
    // The NodeUnschedulable plugin lets a pod that tolerates the cordon's
    // taint through; TaintToleration checks the node's NoSchedule and
    // NoExecute taints, here those of an unreachable node
    // (pkg/scheduler/framework/plugins, Kubernetes 1.34).
    if n.unschedulable && !tolerates_all(pod, &[(TAINT_UNSCHEDULABLE, TaintEffect::NoSchedule)]) {
        return Some("node(s) were unschedulable");
    }
    let unreachable = [(TAINT_UNREACHABLE, TaintEffect::NoSchedule), (TAINT_UNREACHABLE, TaintEffect::NoExecute)];
    if (!n.ready || n.unreachable_since.is_some()) && !tolerates_all(pod, &unreachable) {
        return Some("node(s) had untolerated taint {node.kubernetes.io/unreachable: }");
    }
    if !pod.spec.node_selector.iter().all(|(key, v)| n.labels.get(key) == Some(v)) {
        return Some("node(s) didn't match Pod's node affinity/selector");
    }
    for key in &keys.anti {
        // A matching pod in this node's topology domain (the pending pod
        // itself has no node, so it is not counted).
        let here = topology_value(&key.2);
        if here.is_some_and(|v| counts.domain(key).get(v).is_some_and(|c| *c > 0)) {
            return Some("node(s) didn't match pod anti-affinity rules");
        }
    }
    for (c, key) in pod.spec.topology_spread_constraints.iter().zip(&keys.spread) {
        if c.when_unsatisfiable != WhenUnsatisfiable::DoNotSchedule {
            continue;
        }
        let counts = counts.domain(key);
        let Some(here) = topology_value(&c.topology_key) else {
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
/// constraints (its own, or the system defaults) count, ten each, plus how
/// busy the node is overall (terminating pods included). `spread` holds the
/// constraints' domains, looked up once per pod. (`n` is the `index`th
/// node of `k.nodes`.)
fn score(index: usize, counts: &Counts, spread: &[&Domain]) -> u64 {
    let mut s = counts.on_node[index];
    for domain in spread {
        s += 10 * u64::from(domain.at_node(index).unwrap_or(0));
    }
    s
}

/// kube-scheduler's node list, as places in `k.nodes`: one node of each
/// zone in turn (`nodeTree.list`, pkg/scheduler/backend/cache/node_tree.go;
/// zones keyed by region and zone label, `GetZoneKey`). Zones come in the
/// order their first node was added and nodes within a zone likewise; the
/// scheduler's informer adds the nodes there at its start as the API
/// server lists them, sorted by name, which is `k.nodes`' order.
fn node_list(k: &Cluster) -> Vec<usize> {
    fn label<'a>(n: &'a Node, key: &str, beta: &str) -> &'a str {
        n.labels.get(key).or_else(|| n.labels.get(beta)).map(String::as_str).unwrap_or("")
    }
    let mut zones: Vec<((&str, &str), Vec<usize>)> = Vec::new();
    for (i, n) in k.nodes.values().enumerate() {
        let zone = (
            label(n, "topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/region"),
            label(n, "topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone"),
        );
        match zones.iter_mut().find(|(z, _)| *z == zone) {
            Some((_, nodes)) => nodes.push(i),
            None => zones.push((zone, vec![i])),
        }
    }
    let rounds = zones.iter().map(|(_, nodes)| nodes.len()).max().unwrap_or(0);
    (0..rounds).flat_map(|round| zones.iter().filter_map(move |(_, nodes)| nodes.get(round).copied())).collect()
}

/// How many feasible nodes kube-scheduler looks for before it stops
/// filtering and scores those (`numFeasibleNodesToFind`,
/// pkg/scheduler/schedule_one.go, with `percentageOfNodesToScore` unset):
/// every node below 100 nodes; above, an adaptive share (50 % less one
/// point per 125 nodes, at least 5 %), but never fewer than 100.
fn feasible_nodes_to_find(nodes: usize) -> usize {
    const MIN_FEASIBLE_NODES: usize = 100;
    if nodes < MIN_FEASIBLE_NODES {
        return nodes;
    }
    let percentage = 50usize.saturating_sub(nodes / 125).max(5);
    (nodes * percentage / 100).max(MIN_FEASIBLE_NODES)
}

/// Binds pending, unscheduled pods. Returns `(pod key, node)` bindings.
///
/// For each pod, kube-scheduler filters its node list starting where the
/// last search stopped (`nextStartNodeIndex`) and stops once it has found
/// [`feasible_nodes_to_find`] nodes that fit, so that in a cluster of more
/// than 100 nodes a pod is placed on the best of the nodes it looked at,
/// not of all nodes, and the next pod looks at the next ones
/// (`findNodesThatPassFilters`). The real filter runs 16 nodes at a time,
/// so which nodes past the count it has also looked at varies; vipsim
/// looks at them one by one.
pub fn schedule(k: &mut Cluster, now: Instant, rng: &mut SimRng) -> Vec<(String, String)> {
    let mut bound = Vec::new();
    super::cluster::PodIndex::refresh(k);
    let pending: Vec<String> = k.caches.pods.unscheduled.iter().cloned().collect();
    if pending.is_empty() {
        return bound;
    }
    let all: Vec<String> = k.nodes.keys().cloned().collect();
    let list = node_list(k);
    let to_find = feasible_nodes_to_find(list.len());
    let mut counts = Counts::new(k);
    let mut defaults = DefaultSelectors::new();
    for pk in pending {
        let pod = k.pods[&pk].clone();
        let keys = PodKeys::of(k, &pod, &mut counts, &mut defaults);
        let mut reasons: BTreeMap<&'static str, u32> = BTreeMap::new();
        // (Nodes by their place in `k.nodes`, the order of `all`.)
        let mut fits: Vec<(u64, usize)> = Vec::new();
        let spread: Vec<&Domain> = keys.spread.iter().map(|key| &counts.domains[key]).collect();
        let nodes: Vec<&Node> = k.nodes.values().collect();
        let mut processed = 0;
        for offset in 0..list.len() {
            if fits.len() == to_find {
                break;
            }
            let i = list[(k.next_start_node + offset) % list.len()];
            processed += 1;
            match unfit(&pod, nodes[i], &counts, &keys) {
                Some(r) => *reasons.entry(r).or_insert(0) += 1,
                None => fits.push((score(i, &counts, &spread), i)),
            }
        }
        drop(nodes);
        if !list.is_empty() {
            k.next_start_node = (k.next_start_node + processed) % list.len();
        }
        let Some(best) = fits.iter().map(|(s, _)| *s).min() else {
            // kube-scheduler's FitError.Error() sorts the "count reason"
            // strings as text (sort.Strings), so the count leads the order.
            let mut detail: Vec<String> = reasons.iter().map(|(r, c)| format!("{c} {r}")).collect();
            detail.stable_sort();
            let msg = format!(
                "0/{} nodes are available: {}. preemption: 0/{} nodes are available: {} Preemption is not helpful for scheduling.",
                all.len(),
                detail.join(", "),
                all.len(),
                all.len()
            );
            if k.pods[&pk].pending_reason.as_deref() != Some(msg.as_str()) {
                k.pod_event(now, &pk, "Warning", "FailedScheduling", msg.clone());
            }
            k.pods.get_mut(&pk).unwrap().pending_reason = Some(msg);
            continue;
        };
        // Ties go to a random node (the score heap's `Randomizer`); the
        // candidates in `k.nodes` order, so the draw does not depend on
        // where the search started.
        // (The shared stable sort: `sort_unstable` here was the wasm's one
        // copy of quicksort outside plotters, 3 KB; for indices the order
        // is the same.)
        let mut top: Vec<usize> = fits.iter().filter(|(s, _)| *s == best).map(|(_, n)| *n).collect();
        top.stable_sort();
        let index = top[rng.index(top.len())];
        let node = all[index].clone();
        let p = k.pods.get_mut(&pk).unwrap();
        p.node = Some(node.clone());
        p.bound_at = Some(now);
        p.pending_reason = None;
        counts.bind(k, &pod, &node, index);
        k.touch_pod(&pk);
        k.pod_event(now, &pk, "Normal", "Scheduled", format!("Successfully assigned {pk} to {node}"));
        bound.push((pk, node));
    }
    bound
}

/// Whether the node's pod CIDR has an address left (see [`allocate_pod_ip_among`]).
pub fn has_free_pod_ip(k: &Cluster, cidr: Cidr) -> bool {
    let size = cidr.size();
    if size < 4 {
        return false;
    }
    let used: std::collections::BTreeSet<Ipv4Addr> = k.pods.values().filter_map(|p| p.ip).collect_set();
    (2..size - 1).filter_map(|i| cidr.nth(i)).any(|ip| !used.contains(&ip))
}

/// A free pod IP in the node's pod CIDR, given the addresses in use.
/// `vipsim/pod-ip` on the pod pins it (for scenarios that reproduce a
/// write-up's exact address); otherwise a random free address, as Cilium's
/// and host-local IPAM's bitmap allocators pick (skipping the network
/// address and the node's router address .1).
pub fn allocate_pod_ip_among(
    used: &BTreeSet<Ipv4Addr>,
    cidr: Cidr,
    pinned: Option<&str>,
    rng: &mut SimRng,
) -> Option<Ipv4Addr> {
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

#[cfg(test)]
mod tests {
    use super::feasible_nodes_to_find;

    /// `numFeasibleNodesToFind` with `percentageOfNodesToScore` unset:
    /// all nodes below 100; 50 % minus one point per 125 nodes, at least
    /// 5 %, and never fewer than 100 nodes (pkg/scheduler/schedule_one.go).
    #[test]
    fn how_many_feasible_nodes_the_scheduler_looks_for() {
        let found: Vec<usize> = [1, 99, 100, 199, 200, 250, 1000, 5000, 6000].map(feasible_nodes_to_find).to_vec();
        assert_eq!(found, [1, 99, 100, 100, 100, 120, 420, 500, 300]);
    }
}
