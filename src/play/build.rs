//! Turns a loaded [`Scenario`] into a ready [`World`] at t=0: the LAN,
//! the nodes registered in the cluster with their pod CIDRs and routes,
//! the manifests applied in file order (held ones wait for the timeline),
//! and the timeline scheduled.

use crate::engine::Event;
use crate::engine::trace::Record;
use crate::k8s::cluster::{Cluster, ClusterConfig, LoadBalancerKind, Node};
use crate::k8s::control;
use crate::net::Cidr;
use crate::net::build::LanBuilder;
use crate::net::conntrack::CtTimeouts;
use crate::net::host::{Datapath, MultipathHashPolicy, Role, Route, RouteOrigin};
use crate::net::neighbor::{NeighborConfig, NeighborModel};
use crate::net::switch::DEFAULT_MAC_AGING;
use crate::scenario::Scenario;
use crate::scenario::spec::{ClusterSpec, HostRole, HostSpec, NeighborSpec};
use crate::sim::action::Script;
use crate::sim::{DatapathConfig, World};
use crate::time::Instant;
use crate::wire::Mac;
use std::collections::BTreeMap;

fn neighbor_config(spec: Option<&NeighborSpec>) -> NeighborConfig {
    let Some(n) = spec else { return NeighborConfig::linux() };
    let mut c = match n.model {
        Some(NeighborModel::Cisco) => NeighborConfig::cisco(),
        _ => NeighborConfig::linux(),
    };
    if let Some(g) = n.garp {
        c.garp = g;
    }
    if let Some(t) = n.arp_timeout {
        c.arp_timeout = t;
    }
    if let Some(a) = n.arp_accept {
        c.arp_accept = a;
    }
    if let Some(t) = n.base_reachable_time {
        c.base_reachable = t;
    }
    if let Some(t) = n.delay_first_probe_time {
        c.delay_first_probe = t;
    }
    if let Some(t) = n.gc_stale_time {
        c.gc_stale = t;
    }
    if let Some(t) = n.locktime {
        c.locktime = t;
    }
    c
}

fn role(r: HostRole) -> Role {
    match r {
        HostRole::Client => Role::Client,
        HostRole::Node => Role::Node,
        HostRole::Router => Role::Router,
    }
}

fn mac_of(h: &HostSpec) -> Result<Mac, String> {
    match &h.mac {
        Some(m) => Mac::parse(m),
        None => Ok(Mac::derived_from(&h.name)),
    }
}

/// The cluster a scenario's `spec.cluster` describes.
pub fn cluster_config(spec: &ClusterSpec) -> Result<ClusterConfig, String> {
    // Cilium replaces kube-proxy with its eBPF datapath unless told otherwise.
    let datapath = spec.datapath.unwrap_or(match spec.load_balancer {
        LoadBalancerKind::Cilium => Datapath::Ebpf,
        _ => Datapath::Iptables,
    });
    Ok(ClusterConfig {
        load_balancer: spec.load_balancer,
        announce: spec.announce,
        datapath,
        service_cidr: Cidr::parse(&spec.service_cidr)?,
        pod_cidr: Cidr::parse(&spec.pod_cidr)?,
        node_monitor_grace: spec.node_monitor_grace_period,
        eviction_timeout: spec.pod_eviction_timeout,
        memberlist_detection: spec.speaker_failure_detection,
        lease_duration: spec.l2_lease_duration,
        renew_deadline: spec.l2_lease_renew_deadline,
        retry_period: spec.l2_lease_retry_period,
        pod_startup: spec.pod_startup,
        router_asn: crate::k8s::cluster::DEFAULT_ROUTER_ASN,
    })
}

/// Builds the world at t=0 with the scenario's own seed. Records what
/// happened while applying the initial manifests into `trace`.
pub fn build(s: &Scenario, variant: Option<&str>, trace: &mut Vec<Record>) -> Result<World, String> {
    build_seeded(s, variant, None, trace)
}

/// Builds the world at t=0, seeding its RNG with `seed` (the scenario's
/// `spec.seed` when `None`) before anything is applied: ClusterIPs,
/// NodePorts, pod names, pod IPs and placement all come from that stream,
/// as they come from the apiserver's and the controllers' randomness in a
/// real cluster, so another seed builds another cluster.
pub fn build_seeded(
    s: &Scenario,
    variant: Option<&str>,
    seed: Option<u64>,
    trace: &mut Vec<Record>,
) -> Result<World, String> {
    let spec = &s.doc.spec;
    let mut lan = LanBuilder::new(
        spec.switch.name.as_deref().unwrap_or("switch"),
        spec.switch.mac_aging.unwrap_or(DEFAULT_MAC_AGING),
    );
    if let Some(policy) = spec.switch.unknown_unicast {
        lan.unknown_unicast(policy);
    }
    let mut ids = BTreeMap::new();
    for h in spec.hosts.iter().filter(|h| h.behind.is_none()) {
        let addr = Cidr::parse(&h.ip)?;
        let id = lan.lan_host(&h.name, role(h.role), addr, mac_of(h)?, neighbor_config(h.neighbor.as_ref()));
        ids.insert(h.name.clone(), id);
    }
    for h in spec.hosts.iter().filter(|h| h.behind.is_some()) {
        let router_name = h.behind.as_ref().expect("filtered");
        let router =
            *ids.get(router_name).ok_or_else(|| format!("host {}: behind: no router named {router_name}", h.name))?;
        let addr = Cidr::parse(&h.ip)?;
        // The router's side of the point-to-point link: the other usable address.
        let peer =
            if addr.prefix >= 31 { addr.nth(0) } else { addr.nth(1).filter(|a| *a != addr.addr).or(addr.nth(2)) };
        let peer = peer.ok_or_else(|| format!("host {}: no room for the router's address in {addr}", h.name))?;
        let router_addr = Cidr::new(peer, addr.prefix);
        let id = lan.behind(&h.name, router, addr, router_addr, mac_of(h)?, neighbor_config(h.neighbor.as_ref()));
        ids.insert(h.name.clone(), id);
    }
    for h in &spec.hosts {
        let host = lan.host_mut(ids[&h.name]);
        if h.multipath_hash_policy == Some(1) {
            host.multipath_hash = MultipathHashPolicy::L4;
        }
        for r in &h.routes {
            let dst =
                if r.to == "default" { Cidr::new(std::net::Ipv4Addr::UNSPECIFIED, 0) } else { Cidr::parse(&r.to)? };
            let dev = r.dev.as_deref().unwrap_or("eth0");
            let iface = host
                .ifaces
                .iter()
                .position(|i| &*i.name == dev)
                .ok_or_else(|| format!("host {}: route to {}: no interface {dev}", h.name, r.to))?;
            let via = match &r.via {
                Some(v) => vec![v.parse().map_err(|_| format!("host {}: route to {}: bad gateway {v}", h.name, r.to))?],
                None => vec![],
            };
            host.routes.push(Route { dst, via, iface, origin: RouteOrigin::Static });
        }
    }
    let mut config = cluster_config(&spec.cluster)?;
    if let Some(asn) = spec.hosts.iter().find(|h| h.role == HostRole::Router).and_then(|h| h.asn) {
        config.router_asn = asn;
    }
    let mut cluster = Cluster::new(config.clone());
    let nodes: Vec<&HostSpec> = spec.hosts.iter().filter(|h| h.role == HostRole::Node).collect();
    for (i, h) in nodes.iter().enumerate() {
        let pod_cidr = match &h.pod_cidr {
            Some(c) => Cidr::parse(c)?,
            None => config
                .pod_cidr
                .subnet(spec.cluster.node_cidr_mask_size, i as u32)
                .ok_or_else(|| format!("podCIDR {} has no room for node {}", config.pod_cidr, h.name))?,
        };
        let mut labels = BTreeMap::new();
        labels.insert("kubernetes.io/hostname".to_string(), h.name.clone());
        labels.insert("kubernetes.io/os".to_string(), "linux".to_string());
        labels.insert("kubernetes.io/arch".to_string(), "amd64".to_string());
        if let Some(z) = &h.zone {
            labels.insert("topology.kubernetes.io/zone".to_string(), z.clone());
        }
        labels.extend(h.labels.clone());
        let host = ids[&h.name];
        let ip = Cidr::parse(&h.ip)?.addr;
        cluster.nodes.insert(
            h.name.clone(),
            Node {
                name: h.name.clone(),
                host,
                ip,
                labels,
                pod_cidr,
                created: Instant::ZERO,
                ready: true,
                ready_reason: "KubeletReady".into(),
                ready_since: Instant::ZERO,
                unschedulable: false,
                kubelet_up: true,
                last_heartbeat: Instant::ZERO,
                generation: 0,
                unreachable_since: None,
                agent_running: true,
                agent_stopped_at: None,
                agent_generation: 0,
            },
        );
        let zone = h.zone.clone();
        let host = lan.host_mut(host);
        if let Some(n) = host.node.as_mut() {
            n.pod_cidr = Some(pod_cidr);
            n.zone = zone;
            // kube-proxy (not Cilium's replacement) sets its conntrack timeouts node-wide.
            if config.datapath != Datapath::Ebpf {
                n.conntrack.timeouts = CtTimeouts::kube_proxy();
            }
        }
    }
    // Pod routing between nodes over the LAN (like host-gw / native routing).
    let pod_routes: Vec<(usize, Cidr, std::net::Ipv4Addr)> =
        cluster.nodes.values().map(|n| (n.host, n.pod_cidr, n.ip)).collect();
    for (host, _, _) in &pod_routes {
        for (other, cidr, via) in &pod_routes {
            if other != host {
                lan.host_mut(*host).routes.push(Route {
                    dst: *cidr,
                    via: vec![*via],
                    iface: 0,
                    origin: RouteOrigin::Kernel,
                });
            }
        }
    }
    control::bootstrap(&mut cluster);
    let datapath = DatapathConfig { kind: config.datapath, strict_arp: spec.cluster.strict_arp };
    let script =
        Script { timeline: spec.timeline_for(variant)?, manifests: s.manifests.clone(), duration: spec.duration };
    let mut world = World::new(lan.finish(), seed.unwrap_or(spec.seed), datapath, cluster, script);
    // Every cluster has the API server's Service at the first address of the Service CIDR.
    let kubernetes = kubernetes_service(&config)?;
    world.plane(trace, |p| p.apply(&kubernetes)).map_err(|e| format!("serviceCIDR {}: {e}", config.service_cidr))?;
    let names: Vec<String> = world.cluster.nodes.keys().cloned().collect();
    world.plane(trace, |p| {
        for n in &names {
            p.agent_running(n);
        }
        p.reconcile();
    });
    for m in s.manifests.iter().filter(|m| !m.held) {
        let manifest = m.manifest.clone();
        let out = world.plane(trace, |p| p.apply(&manifest));
        if let Err(e) = out {
            return Err(format!(
                "{}:{}: applying {} {}: {e}",
                s.file,
                m.line,
                manifest.kind(),
                manifest.metadata().name
            ));
        }
    }
    world.schedule_timeline();
    world.queue.push(Instant::ZERO, Event::Control(crate::engine::ControlEvent::Reconcile));
    Ok(world)
}

/// `default/kubernetes`: ClusterIP = first address of the Service CIDR, port 443.
fn kubernetes_service(config: &ClusterConfig) -> Result<crate::k8s::objects::Manifest, String> {
    let ip = config.service_cidr.nth(1).ok_or("serviceCIDR is too small")?;
    let yaml = format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: kubernetes\n  namespace: default\n  labels: {{component: apiserver, provider: kubernetes}}\nspec:\n  type: ClusterIP\n  clusterIP: {ip}\n  ports:\n  - name: https\n    port: 443\n    targetPort: 6443\n"
    );
    crate::scenario::load::manifest(&yaml)
}

#[cfg(test)]
mod tests {
    use crate::engine::{ControlEvent, Event};

    /// A scenario starts with its cluster already up: every MetalLB
    /// speaker's memberlist holds every node, so the build schedules no
    /// memberlist join (memberlist notifies a join only for a member it did
    /// not know; hashicorp/memberlist `aliveNode`, which MetalLB 0.14's
    /// speakerlist watches). It used to queue two no-op joins per ordered
    /// pair of nodes: 12 for three nodes, 79,600 for 200.
    #[test]
    fn a_built_cluster_gossips_no_memberlist_join() {
        let yaml = "apiVersion: vipsim/v1\nkind: Scenario\nmetadata: { name: joins, title: joins }\n\
                    spec:\n  cluster: { loadBalancer: metallb, announce: l2 }\n  hosts:\n  \
                    - { name: node-a, role: node, ip: 192.168.1.11/24 }\n  \
                    - { name: node-b, role: node, ip: 192.168.1.12/24 }\n  \
                    - { name: node-c, role: node, ip: 192.168.1.13/24 }\n";
        let scenario = crate::scenario::load::load("joins.yaml", yaml).expect("loads");
        let world = super::build(&scenario, None, &mut Vec::new()).expect("builds");
        let joins = world
            .queue
            .pending()
            .into_iter()
            .filter(|(_, e)| matches!(e, Event::Control(ControlEvent::Memberlist { .. })))
            .count();
        assert_eq!(joins, 0);
        let nodes: Vec<&String> = world.cluster.nodes.keys().collect();
        assert_eq!(nodes.len(), 3);
        for (name, speaker) in &world.cluster.speakers {
            assert_eq!(speaker.view.iter().collect::<Vec<_>>(), nodes, "{name}'s memberlist");
            assert!(speaker.force_sync, "{name} does its first full sync");
        }
    }
}
