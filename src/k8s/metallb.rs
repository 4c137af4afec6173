//! MetalLB in layer-2 mode: speakers on every node, each with its own
//! memberlist view of which speakers are alive; per Service, the leader is
//! the first of the usable nodes ordered by sha256(node + "#" + ip); the
//! leader answers ARP for the VIP and, on becoming leader, sends gratuitous
//! ARP in rounds at 0, 1.1, 2.2, 3.3 and 4.4 s (a request and a reply each,
//! both with target MAC ff:ff:ff:ff:ff:ff). Mirrors
//! speaker/layer2_controller.go (`ShouldAnnounce`) and
//! internal/layer2/announcer.go (`gratuitous`) of MetalLB 0.14.

use super::cluster::{Cluster, Key, LogLine};
use super::objects::{LabelSelector, Manifest};
use crate::net::host::Host;
use crate::sim::ctx::Ctx;
use crate::time::{Duration, Instant};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::net::Ipv4Addr;

/// Gap between GARP rounds, and how long rounds continue.
pub const GARP_ROUND_GAP: Duration = Duration::from_millis(1100);
pub const GARP_ROUNDS: u8 = 5;

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

/// A MetalLB-style JSON log line.
pub fn log_line(now: Instant, event: &str, msg: &str, ip: Ipv4Addr, pool: &str, extra: &str) -> String {
    format!(
        "{{\"caller\":\"main.go:420\",\"event\":\"{event}\",\"ips\":[\"{ip}\"],\"level\":\"info\",\"msg\":\"{msg}\",\"pool\":\"{pool}\",\"protocol\":\"layer2\",{extra}\"ts\":\"{}\"}}",
        super::timestamp(now)
    )
}

/// Recomputes which speaker announces each Service. Returns `(node,
/// service, ip, term)` for every new leadership, so the caller sends GARP.
pub fn reconcile_l2(k: &mut Cluster, hosts: &[Host], cx: &mut Ctx) -> Vec<(String, Key, Ipv4Addr, u64)> {
    let mut started = Vec::new();
    let now = cx.now;
    let services: Vec<(Key, Ipv4Addr, String, bool)> = k
        .services
        .values()
        .filter_map(|s| Some((s.key(), *s.ingress.first()?, s.pool.clone()?, s.external_local())))
        .collect();
    let nodes: Vec<String> = k.nodes.keys().cloned().collect();
    for node in &nodes {
        let alive = speaker_alive(k, hosts, node);
        for (skey, ip, pool, local) in &services {
            let ads = advertisements_for(k, "L2Advertisement", pool);
            let should = alive && !ads.is_empty() && {
                let allowed = advertised_nodes(k, &ads);
                let ready = nodes_with_serving_endpoints(k, skey);
                let view = &k.speakers.get(node).map(|s| s.view.clone()).unwrap_or_default();
                let usable: Vec<String> = view
                    .iter()
                    .filter(|n| {
                        allowed.contains(*n)
                            && !excluded(k, n)
                            && (if *local { ready.contains(*n) } else { !ready.is_empty() })
                    })
                    .cloned()
                    .collect();
                election_order(&usable, *ip).first() == Some(node)
            };
            let speaker = k.speakers.entry(node.clone()).or_default();
            let announcing = speaker.announcing.contains_key(skey);
            if should && !announcing {
                speaker.announcing.insert(skey.clone(), *ip);
                speaker.term += 1;
                started.push((node.clone(), skey.clone(), *ip, speaker.term));
                let line = log_line(now, "serviceAnnounced", "service has IP, announcing", *ip, pool, "");
                k.logs.push(LogLine { at: now, node: node.clone(), component: "speaker".into(), line });
                let (ns, name) = skey.split_once('/').unwrap_or(("default", skey));
                k.event(
                    now,
                    ns,
                    &format!("service/{name}"),
                    "Normal",
                    "nodeAssigned",
                    format!("announcing from node \"{node}\" with protocol \"layer2\""),
                );
            } else if !should && announcing {
                speaker.announcing.remove(skey);
                if alive {
                    let line = log_line(
                        now,
                        "serviceWithdrawn",
                        "withdrawing service announcement",
                        *ip,
                        pool,
                        "\"reason\":\"notOwner\",",
                    );
                    k.logs.push(LogLine { at: now, node: node.clone(), component: "speaker".into(), line });
                }
            }
        }
    }
    // Services that lost their address: nobody announces them any more.
    for s in k.speakers.values_mut() {
        s.announcing.retain(|svc, ip| services.iter().any(|(k2, ip2, ..)| k2 == svc && ip2 == ip));
    }
    started
}

/// MetalLB skips nodes labelled `node.kubernetes.io/exclude-from-external-load-balancers`.
fn excluded(k: &Cluster, node: &str) -> bool {
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
