//! MetalLB in layer-2 mode: speakers on every node, each with its own
//! memberlist view of which speakers are alive; per Service, the leader is
//! the first of the usable nodes ordered by sha256(node + "#" + ip)
//! (speaker/layer2_controller.go, `ShouldAnnounce`). A speaker reconciles a
//! Service when the Service or its EndpointSlice changes, and every Service
//! when the configuration changes or memberlist reports an event
//! (`ForceSync`); on each reconcile the leader calls `SetBalancer` again,
//! logs `serviceAnnounced` and records `nodeAssigned` (speaker/main.go,
//! `handleService`). The announcer answers ARP for the VIP on the leader and
//! its `spamLoop` sends gratuitous ARP (a request and a reply, target MAC
//! ff:ff:ff:ff:ff:ff) at once and on one speaker-wide 1.1 s ticker until
//! 5 s after the last `SetBalancer` (internal/layer2/announcer.go). All of
//! MetalLB 0.14; no release repeats GARP periodically.

use super::cluster::{Cluster, Key, LogLine};
use super::objects::{LabelSelector, Manifest};
use crate::engine::ctx::Ctx;
use crate::engine::trace::Kind;
use crate::net::host::Host;
use crate::time::{Duration, Instant};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::net::Ipv4Addr;

/// The announcer's ticker period (announcer.go `spamLoop`; MetalLB #172
/// explains the 1100 ms).
pub const GARP_TICK: Duration = Duration::from_millis(1100);
/// How long after the last `SetBalancer` a VIP stays in the loop.
pub const GARP_SPAM_FOR: Duration = Duration::from_secs(5);

/// The node order MetalLB uses for one VIP: ascending sha256 of
/// `node + "#" + ip`. The first usable node is the leader.
pub fn election_order(nodes: &[String], ip: Ipv4Addr) -> Vec<String> {
    let mut keyed: Vec<([u8; 32], &String)> = nodes
        .iter()
        .map(|n| {
            let h = Sha256::digest(format!("{n}#{ip}").as_bytes());
            (h.into(), n)
        })
        .collect();
    keyed.sort();
    keyed.into_iter().map(|(_, n)| n.clone()).collect()
}

/// L2Advertisements (or BGPAdvertisements) that cover an address from `pool`.
pub fn advertisements_for<'a>(k: &'a Cluster, kind: &str, pool: &str) -> Vec<&'a Manifest> {
    k.objects_of(kind)
        .into_iter()
        .map(|s| &s.manifest)
        .filter(|m| {
            let (pools, selectors): (&[String], &[LabelSelector]) = match m {
                Manifest::L2Advertisement { spec, .. } => (&spec.ip_address_pools, &spec.ip_address_pool_selectors),
                Manifest::BGPAdvertisement { spec, .. } => (&spec.ip_address_pools, &spec.ip_address_pool_selectors),
                _ => return false,
            };
            let pool_labels = pool_labels(k, pool);
            // No pool list and no selector: every pool.
            (pools.is_empty() && selectors.is_empty())
                || pools.iter().any(|p| p == pool)
                || selectors.iter().any(|s| s.matches(&pool_labels))
        })
        .collect()
}

fn pool_labels(k: &Cluster, pool: &str) -> std::collections::BTreeMap<String, String> {
    k.objects_of("IPAddressPool")
        .iter()
        .find(|s| s.manifest.metadata().name == pool)
        .map(|s| s.manifest.metadata().labels.clone())
        .unwrap_or_default()
}

/// Nodes the advertisements allow (`nodeSelectors`; none = all nodes).
pub fn advertised_nodes(k: &Cluster, ads: &[&Manifest]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for ad in ads {
        let (selectors, interfaces): (&[LabelSelector], &[String]) = match ad {
            Manifest::L2Advertisement { spec, .. } => (&spec.node_selectors, &spec.interfaces),
            Manifest::BGPAdvertisement { spec, .. } => (&spec.node_selectors, &[]),
            _ => continue,
        };
        // vipsim's nodes have one LAN interface, eth0.
        if !interfaces.is_empty() && !interfaces.iter().any(|i| i == "eth0") {
            continue;
        }
        for n in k.nodes.values() {
            if selectors.is_empty() || selectors.iter().any(|s| s.matches(&n.labels)) {
                out.insert(n.name.clone());
            }
        }
    }
    out
}

/// Nodes with an endpoint of the Service that can serve: ready, or
/// serving while it terminates (`EndpointCanServe` in MetalLB 0.14's
/// internal/k8s/epslices, used by the layer 2 and BGP controllers).
pub fn nodes_with_serving_endpoints(k: &Cluster, svc: &Key) -> BTreeSet<String> {
    k.slices
        .get(svc)
        .map(|s| s.endpoints.iter().filter(|e| e.ready || e.serving).map(|e| e.node.clone()).collect())
        .unwrap_or_default()
}

/// Whether a node's speaker runs and is reachable (powered, on the LAN).
pub fn speaker_alive(k: &Cluster, hosts: &[Host], node: &str) -> bool {
    k.nodes.get(node).is_some_and(|n| n.agent_running && hosts[n.host].up && n.kubelet_up)
}

/// The speaker's line when it announces a Service (speaker/main.go
/// `handleService`, line 420 of 0.14.9), keys sorted as go-kit's JSON
/// logger writes them.
pub fn announced_line(now: Instant, ip: Ipv4Addr, pool: &str) -> String {
    format!(
        "{{\"caller\":\"main.go:420\",\"event\":\"serviceAnnounced\",\"ips\":[\"{ip}\"],\"level\":\"info\",\"msg\":\"service has IP, announcing\",\"pool\":\"{pool}\",\"protocol\":\"layer2\",\"ts\":\"{}\"}}",
        super::timestamp(now)
    )
}

/// The line when a speaker stops announcing because it lost the election
/// (`deleteBalancerProtocol`, line 464 of 0.14.9: `ip` is the announced
/// list, `ips` the Service's, reason `notOwner`).
pub fn withdrawn_line(now: Instant, ip: Ipv4Addr, pool: &str) -> String {
    format!(
        "{{\"caller\":\"main.go:464\",\"event\":\"serviceWithdrawn\",\"ip\":[\"{ip}\"],\"ips\":[\"{ip}\"],\"level\":\"info\",\"msg\":\"withdrawing service announcement\",\"pool\":\"{pool}\",\"protocol\":\"layer2\",\"reason\":\"notOwner\",\"ts\":\"{}\"}}",
        super::timestamp(now)
    )
}

/// The speaker list's line for a memberlist event, as
/// internal/speakerlist/speakerlist.go (`memberlistWatchEvents`, line 313 in
/// every MetalLB 0.14.x) logs it through go-kit's JSON logger (keys sorted):
/// the member's address and name, and memberlist's event type. memberlist
/// reports a failed member and one that left alike, as NodeLeave; NodeUpdate
/// (changed metadata) does not happen here.
pub fn memberlist_log_line(now: Instant, name: &str, addr: Ipv4Addr, joined: bool) -> String {
    let event = if joined { "NodeJoin" } else { "NodeLeave" };
    format!(
        "{{\"caller\":\"speakerlist.go:313\",\"level\":\"info\",\"msg\":\"node event - forcing sync\",\"node addr\":\"{addr}\",\"node event\":\"{event}\",\"node name\":\"{name}\",\"ts\":\"{}\"}}",
        super::timestamp(now)
    )
}

/// FNV-1a of a value's JSON: enough to tell "changed" from "the same".
fn fingerprint<T: Serialize + ?Sized>(value: &T) -> u64 {
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ *b as u64).wrapping_mul(0x0100_0000_01b3))
}

/// What a speaker's configuration depends on: the MetalLB objects, and per
/// node what its node controller reprocesses for (speaker/main.go `SetNode`:
/// schedulability and the exclusion label) and which advertisements select
/// it. A change reprocesses every Service (`SyncStateReprocessAll`).
fn config_fingerprint(k: &Cluster) -> u64 {
    const KINDS: [&str; 6] =
        ["IPAddressPool", "L2Advertisement", "BGPAdvertisement", "BGPPeer", "Community", "BFDProfile"];
    let objects: Vec<&super::cluster::Stored> =
        k.objects.values().filter(|o| KINDS.contains(&o.manifest.kind())).collect();
    let nodes: Vec<(&String, bool, bool)> =
        k.nodes.values().map(|n| (&n.name, n.unschedulable, excluded(k, &n.name))).collect();
    let selected: Vec<BTreeSet<String>> =
        k.objects_of("L2Advertisement").iter().map(|o| advertised_nodes(k, &[&o.manifest])).collect();
    fingerprint(&(objects, nodes, selected))
}

/// One speaker's pending work: its config fingerprint and, per Service
/// with an address, whether it reconciles it now and what `ShouldAnnounce` says.
struct SpeakerWork {
    node: String,
    config: u64,
    services: Vec<ServiceWork>,
    /// Services it reconciled that have no address any more.
    gone: Vec<Key>,
}

struct ServiceWork {
    key: Key,
    ip: Ipv4Addr,
    pool: String,
    fingerprint: u64,
    reconcile: bool,
    should: bool,
}

/// What every live speaker has to reconcile now.
fn plan(k: &Cluster, hosts: &[Host]) -> Vec<SpeakerWork> {
    let config = config_fingerprint(k);
    let services: Vec<(Key, Ipv4Addr, String, bool, u64)> = k
        .services
        .values()
        .filter_map(|s| {
            let print = fingerprint(&(s, k.slices.get(&s.key())));
            Some((s.key(), *s.ingress.first()?, s.pool.clone()?, s.external_local(), print))
        })
        .collect();
    let mut out = Vec::new();
    for (node, speaker) in &k.speakers {
        if !speaker_alive(k, hosts, node) {
            continue;
        }
        let resync = speaker.force_sync || speaker.seen_config != Some(config);
        let mut work = Vec::new();
        for (key, ip, pool, local, print) in &services {
            let should = should_announce(k, speaker, node, key, *ip, pool, *local);
            let reconcile =
                resync || speaker.seen.get(key) != Some(print) || should != speaker.announcing.contains_key(key);
            work.push(ServiceWork {
                key: key.clone(),
                ip: *ip,
                pool: pool.clone(),
                fingerprint: *print,
                reconcile,
                should,
            });
        }
        let gone = speaker.seen.keys().filter(|key| !services.iter().any(|s| &s.0 == *key)).cloned().collect();
        out.push(SpeakerWork { node: node.clone(), config, services: work, gone });
    }
    out
}

/// `ShouldAnnounce` of speaker/layer2_controller.go from `node`'s view.
fn should_announce(
    k: &Cluster,
    speaker: &super::cluster::Speaker,
    node: &str,
    svc: &Key,
    ip: Ipv4Addr,
    pool: &str,
    local: bool,
) -> bool {
    let ads = advertisements_for(k, "L2Advertisement", pool);
    if ads.is_empty() {
        return false;
    }
    let allowed = advertised_nodes(k, &ads);
    let ready = nodes_with_serving_endpoints(k, svc);
    let usable: Vec<String> = speaker
        .view
        .iter()
        .filter(|n| {
            allowed.contains(*n) && !excluded(k, n) && (if local { ready.contains(*n) } else { !ready.is_empty() })
        })
        .cloned()
        .collect();
    election_order(&usable, ip).first().map(String::as_str) == Some(node)
}

/// Whether some speaker has something to reconcile (or a dead one still
/// holds announcements).
pub fn l2_sync_pending(k: &Cluster, hosts: &[Host]) -> bool {
    let dead_holding = k.speakers.iter().any(|(n, s)| !s.announcing.is_empty() && !speaker_alive(k, hosts, n));
    dead_holding
        || plan(k, hosts).iter().any(|w| {
            let s = &k.speakers[&w.node];
            s.force_sync
                || s.seen_config != Some(w.config)
                || !w.gone.is_empty()
                || w.services.iter().any(|x| x.reconcile)
        })
}

/// Every live speaker reconciles what changed. A leader's reconcile is a
/// `SetBalancer` (logged `serviceAnnounced`, event `nodeAssigned`); the VIPs
/// it (re)announced are returned with their node, for the announcer's loop.
pub fn l2_sync(k: &mut Cluster, hosts: &[Host], cx: &mut Ctx) -> Vec<(String, Ipv4Addr)> {
    let now = cx.now;
    let work = plan(k, hosts);
    // A dead speaker's process took its announcements with it.
    let dead: Vec<String> = k.speakers.keys().filter(|n| !speaker_alive(k, hosts, n)).cloned().collect();
    for n in dead {
        k.speakers.get_mut(&n).expect("listed").announcing.clear();
    }
    let mut announced = Vec::new();
    for w in work {
        let speaker = k.speakers.get_mut(&w.node).expect("planned");
        speaker.force_sync = false;
        speaker.seen_config = Some(w.config);
        for key in &w.gone {
            speaker.seen.remove(key);
            speaker.announcing.remove(key);
        }
        let mut lines = Vec::new();
        let mut assigned = Vec::new();
        for s in w.services.iter().filter(|s| s.reconcile) {
            speaker.seen.insert(s.key.clone(), s.fingerprint);
            if s.should {
                speaker.announcing.insert(s.key.clone(), s.ip);
                announced.push((w.node.clone(), s.ip));
                lines.push(announced_line(now, s.ip, &s.pool));
                assigned.push(s.key.clone());
            } else if speaker.announcing.remove(&s.key).is_some() {
                lines.push(withdrawn_line(now, s.ip, &s.pool));
            }
        }
        for line in lines {
            cx.record(Kind::Log { host: w.node.as_str().into(), component: "speaker".into(), line: line.clone() });
            k.logs.push(LogLine { at: now, node: w.node.clone(), component: "speaker".into(), line });
        }
        for key in assigned {
            let (ns, name) = key.split_once('/').unwrap_or(("default", &key));
            k.event(
                now,
                ns,
                &format!("service/{name}"),
                "Normal",
                "nodeAssigned",
                format!("announcing from node \"{}\" with protocol \"layer2\"", w.node),
            );
        }
    }
    announced
}

/// MetalLB skips nodes labelled `node.kubernetes.io/exclude-from-external-load-balancers`
/// (any value) in layer 2 and BGP alike (internal/k8s/nodes `IsNodeExcludedFromBalancers`,
/// since 0.14.0).
pub fn excluded(k: &Cluster, node: &str) -> bool {
    k.nodes.get(node).is_some_and(|n| n.labels.contains_key("node.kubernetes.io/exclude-from-external-load-balancers"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expected order is computed here from the definition (sha256 of
    /// "node#ip", compared as bytes), independently of `election_order`.
    fn by_hash(nodes: &[&str], ip: &str) -> Vec<String> {
        let mut v: Vec<(String, String)> = nodes
            .iter()
            .map(|n| {
                let digest = Sha256::digest(format!("{n}#{ip}"));
                let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
                (hex, n.to_string())
            })
            .collect();
        v.sort();
        v.into_iter().map(|(_, n)| n).collect()
    }

    #[test]
    fn leader_order_is_sha256_of_node_hash_ip() {
        let cases: &[(&[&str], &str)] = &[
            (&["node-a", "node-b", "node-c"], "192.168.1.200"),
            (&["worker-0", "worker-1", "worker-2"], "192.0.2.10"),
            (&["worker-0", "worker-1", "worker-2"], "192.0.2.11"),
            (&["k8s-1", "k8s-2", "k8s-3", "k8s-4", "k8s-5"], "10.0.0.240"),
        ];
        for (nodes, ip) in cases {
            let names: Vec<String> = nodes.iter().map(|s| s.to_string()).collect();
            assert_eq!(election_order(&names, ip.parse().unwrap()), by_hash(nodes, ip), "{ip}");
        }
    }

    #[test]
    fn different_vips_spread_leadership() {
        let names: Vec<String> = ["worker-0", "worker-1", "worker-2"].iter().map(|s| s.to_string()).collect();
        let leaders: BTreeSet<String> =
            (10..40).map(|i| election_order(&names, Ipv4Addr::new(192, 0, 2, i))[0].clone()).collect();
        assert_eq!(leaders.len(), 3, "30 VIPs are led by all three nodes");
    }
}
