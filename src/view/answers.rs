//! Who answers for each VIP at the cursor, as the LAN sees it: in L2 mode
//! the node that answers ARP for it (MetalLB's elected leader, or the
//! holder of Cilium's `cilium-l2announce-<ns>-<svc>` Lease), and whether
//! that node is actually up to answer; in BGP mode every node whose
//! session advertises it, and each router's route to it with its ECMP
//! next hops (the route is what traffic follows, and it can still point at
//! a dead node until the hold timer runs out).

use crate::k8s::cluster::{AnnounceKind, LoadBalancerKind};
use crate::k8s::metallb::{advertised_nodes, advertisements_for, election_order, excluded};
use crate::net::Role;
use crate::net::host::{Datapath, RouteOrigin};
use crate::sim::World;
use crate::sort::Sort;
use std::net::Ipv4Addr;

/// A node named in an answer, and whether it can answer at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeUp {
    pub node: String,
    /// Powered on (a powered-off node answers nothing, whatever the
    /// control plane still believes).
    pub up: bool,
}

/// How a VIP is answered for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum How {
    /// MetalLB L2: the elected leader answers ARP (empty: nobody), and
    /// MetalLB's order for this VIP, `sha256(node + "#" + ip)` ascending,
    /// of the nodes that may announce it: those an L2Advertisement of its
    /// pool selects, without the exclude-from-external-load-balancers label.
    /// `arp_everywhere`: with kube-proxy in IPVS mode and `strictARP` off,
    /// every node holding the VIP on `kube-ipvs0` answers ARP for it too
    /// (arp_ignore=0 answers for any local address, on any interface;
    /// MetalLB's installation guide asks for strictARP for this reason), so
    /// the router's entry points at whichever answer it took last.
    Leader { nodes: Vec<NodeUp>, order: Vec<String>, arp_everywhere: Vec<NodeUp> },
    /// Cilium L2 announcements: the holder of the Service's Lease answers ARP.
    Lease { lease: String, holder: Option<NodeUp> },
    /// BGP: the nodes advertising the VIP, and each router's route to it.
    Bgp { advertising: Vec<NodeUp>, routes: Vec<RouteTo> },
    /// The cluster announces nothing (`announce: none`): assigned, not announced.
    Unannounced,
}

/// A router's route to a VIP: its next hops, as nodes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteTo {
    pub router: String,
    pub via: Vec<NodeUp>,
}

/// Who answers for one VIP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub ip: Ipv4Addr,
    /// `namespace/name` of the Service.
    pub service: String,
    pub how: How,
}

impl Answer {
    /// The nodes that traffic to the VIP reaches now: the L2 answerer, or
    /// the routers' next hops (BGP).
    pub fn nodes(&self) -> Vec<&str> {
        match &self.how {
            How::Leader { nodes, arp_everywhere, .. } => {
                let mut v: Vec<&str> = nodes.iter().chain(arp_everywhere).map(|n| n.node.as_str()).collect();
                v.stable_sort();
                v.dedup();
                v
            }
            How::Lease { holder, .. } => holder.iter().map(|n| n.node.as_str()).collect(),
            How::Unannounced => Vec::new(),
            How::Bgp { routes, advertising } => {
                let mut v: Vec<&str> = routes.iter().flat_map(|r| r.via.iter().map(|n| n.node.as_str())).collect();
                v.extend(advertising.iter().map(|n| n.node.as_str()));
                v.stable_sort();
                v.dedup();
                v
            }
        }
    }
}

/// Every VIP of every Service in `world`, with who answers for it now.
pub fn who_answers(world: &World) -> Vec<Answer> {
    let k = &world.cluster;
    let up = |node: &str| NodeUp {
        node: node.to_string(),
        up: k.nodes.get(node).and_then(|n| world.net.hosts.get(n.host)).is_some_and(|h| h.up),
    };
    let nodes: Vec<String> = k.nodes.keys().cloned().collect();
    let mut out = Vec::new();
    let cilium_l2 = (k.config.announce, k.config.load_balancer) == (AnnounceKind::L2, LoadBalancerKind::Cilium);
    for (key, svc) in &k.services {
        // Cilium's lease holder also answers for the Service's externalIPs
        // a policy announces (`externalIPs: true`), and for its
        // load-balancer IPs only where one sets `loadBalancerIPs: true`.
        let (ips, announced) = if cilium_l2 && !svc.spec.external_ips.is_empty() {
            let announced = crate::k8s::cilium::announced_ips(k, key, None);
            let mut ips = svc.ingress.clone();
            ips.extend(announced.iter().filter(|ip| !svc.ingress.contains(*ip)));
            (ips, Some(announced))
        } else {
            (svc.ingress.clone(), None)
        };
        for ip in &ips {
            let how = match (k.config.announce, k.config.load_balancer) {
                (AnnounceKind::Bgp, _) => {
                    let advertising = k
                        .bgp
                        .iter()
                        .filter(|(_, s)| {
                            s.state == crate::k8s::cluster::BgpState::Established
                                && s.advertised.iter().any(|p| p.contains(*ip))
                        })
                        .map(|(n, _)| up(n))
                        .collect();
                    let routes = world
                        .net
                        .hosts
                        .iter()
                        .filter(|h| h.role == Role::Router)
                        .filter_map(|h| {
                            let route =
                                h.routes.iter().find(|r| r.origin == RouteOrigin::Bgp && r.dst.contains(*ip))?;
                            let via = route
                                .via
                                .iter()
                                .map(|hop| match k.nodes.iter().find(|(_, n)| n.ip == *hop) {
                                    Some((name, _)) => up(name),
                                    None => NodeUp { node: hop.to_string(), up: true },
                                })
                                .collect();
                            Some(RouteTo { router: h.name.to_string(), via })
                        })
                        .collect();
                    How::Bgp { advertising, routes }
                }
                (AnnounceKind::None, _) => How::Unannounced,
                (AnnounceKind::L2, LoadBalancerKind::Cilium) => How::Lease {
                    lease: crate::k8s::cilium::lease_name(key),
                    holder: k
                        .leases
                        .get(key)
                        .and_then(|l| l.holder.as_deref())
                        .filter(|_| announced.as_ref().is_none_or(|a| a.contains(ip)))
                        .map(up),
                },
                (AnnounceKind::L2, _) => {
                    // A node no advertisement of the pool selects never
                    // leads, whatever its hash (`ShouldAnnounce`).
                    let allowed = svc
                        .pool
                        .as_deref()
                        .map(|pool| advertised_nodes(k, &advertisements_for(k, "L2Advertisement", pool)))
                        .unwrap_or_default();
                    let candidates: Vec<String> =
                        nodes.iter().filter(|n| allowed.contains(*n) && !excluded(k, n)).cloned().collect();
                    // The kernel answers from the host's own state (Host::kernel_answers).
                    let arp_everywhere = if world.datapath.kind == Datapath::Ipvs && !world.datapath.strict_arp {
                        k.nodes
                            .iter()
                            .filter(|(_, n)| {
                                world.net.hosts.get(n.host).is_some_and(|h| {
                                    h.up && h.node.as_ref().is_some_and(|nn| nn.ipvs_addrs.contains(ip))
                                })
                            })
                            .map(|(name, _)| up(name))
                            .collect()
                    } else {
                        Vec::new()
                    };
                    How::Leader {
                        nodes: k.announcers.get(key).into_iter().flatten().map(|n| up(n)).collect(),
                        order: election_order(&candidates, *ip),
                        arp_everywhere,
                    }
                }
            };
            out.push(Answer { ip: *ip, service: key.clone(), how });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::play::run::Run;
    use crate::time::Instant;
    use std::rc::Rc;

    fn at(id: &str, variant: Option<&str>, secs: f64) -> Vec<Answer> {
        let s = crate::catalog::find(id).expect("shipped");
        let scenario = crate::scenario::load::load(s.file, s.yaml).expect("loads");
        let mut run = Run::new(Rc::new(scenario), variant, None, None).expect("builds");
        run.seek_time(Instant::from_nanos((secs * 1e9) as u64));
        who_answers(run.world())
    }

    fn node(n: &str, up: bool) -> NodeUp {
        NodeUp { node: n.into(), up }
    }

    #[test]
    fn metallb_l2_the_leader_and_whether_it_can_still_answer() {
        // node-a leads; powered off at 20 s, its speaker is gone with it and
        // nobody answers until the others notice through memberlist and
        // node-b, next in the order, takes over.
        let calm = at("metallb-l2-failover", None, 15.0);
        assert_eq!(calm.len(), 1);
        let order = vec!["node-a".to_string(), "node-b".into(), "node-c".into()];
        assert_eq!(
            calm[0].how,
            How::Leader { nodes: vec![node("node-a", true)], order: order.clone(), arp_everywhere: vec![] }
        );
        let dead = at("metallb-l2-failover", None, 22.0);
        assert_eq!(dead[0].how, How::Leader { nodes: vec![], order: order.clone(), arp_everywhere: vec![] });
        let after = at("metallb-l2-failover", None, 30.0);
        assert_eq!(after[0].how, How::Leader { nodes: vec![node("node-b", true)], order, arp_everywhere: vec![] });
    }

    #[test]
    fn bgp_every_advertising_node_and_the_router_s_ecmp_route() {
        let calm = at("bgp-ecmp", None, 10.0);
        let all = vec![node("node-a", true), node("node-b", true), node("node-c", true)];
        assert_eq!(
            calm[0].how,
            How::Bgp { advertising: all.clone(), routes: vec![RouteTo { router: "router".into(), via: all }] }
        );
        assert_eq!(calm[0].nodes(), vec!["node-a", "node-b", "node-c"]);
        // Powered off at 20 s, node-a stays a next hop until the 9 s hold timer runs out.
        let held = at("bgp-ecmp", None, 25.0);
        let How::Bgp { routes, .. } = &held[0].how else { panic!("{held:?}") };
        assert_eq!(routes[0].via[0], node("node-a", false));
        let after = at("bgp-ecmp", None, 30.0);
        let rest = vec![node("node-b", true), node("node-c", true)];
        assert_eq!(
            after[0].how,
            How::Bgp { advertising: rest.clone(), routes: vec![RouteTo { router: "router".into(), via: rest }] }
        );
    }

    #[test]
    fn cilium_the_lease_holder_once_a_policy_announces() {
        // Assigned at 5 s, announced from 25 s (the L2 announcement policy).
        let assigned = at("cilium-lb-ipam", None, 20.0);
        let web = assigned.iter().find(|a| a.service == "default/web").expect("web has its VIP");
        assert_eq!(web.how, How::Lease { lease: "cilium-l2announce-default-web".into(), holder: None });
        let announced = at("cilium-lb-ipam", None, 30.0);
        let web = announced.iter().find(|a| a.service == "default/web").expect("web");
        assert_eq!(
            web.how,
            How::Lease { lease: "cilium-l2announce-default-web".into(), holder: Some(node("worker-0", true)) }
        );
    }
}
