//! The Service datapath's decision for the first packet of a flow, shared
//! by the iptables, IPVS and Cilium eBPF flavours (they differ only where
//! noted): which frontend it hit, which endpoint serves it, whether the
//! source is masqueraded, or why it is dropped or rejected.
//!
//! The rules are the same on every node (kube-proxy programs every Service
//! everywhere); what differs per node is which endpoints are *local*, and,
//! with IPVS, where each virtual service's round-robin scheduler stands.
//!
//! Picking the endpoint: iptables chooses at random (its `statistic --mode
//! random` rules), Cilium too (`--bpf-lb-algorithm` default `random`), and
//! IPVS with kube-proxy's default scheduler `rr` (kube-proxy 1.34
//! `pkg/proxy/ipvs/proxier.go`, defaultScheduler) hands new connections to
//! the real servers of the virtual service in turn.

use crate::engine::trace::DropReason;
use crate::net::conntrack::Tuple;
use crate::net::host::Datapath;
use crate::rng::SimRng;
use crate::sort::Sort;
use crate::time::{Duration, Instant};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddrV4};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrafficPolicy {
    #[default]
    Cluster,
    Local,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortRule {
    pub name: String,
    pub protocol: u8,
    pub port: u16,
    pub node_port: Option<u16>,
}

/// The node an endpoint runs on, as the rules hold it: the name shared
/// with the EndpointSlice's endpoint (a copy is a counter increment), read
/// and compared as text.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeName(pub crate::engine::trace::Name);

impl std::ops::Deref for NodeName {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<&str> for NodeName {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl std::fmt::Display for NodeName {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for NodeName {
    fn from(s: &str) -> NodeName {
        NodeName(s.into())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointRule {
    pub ip: Ipv4Addr,
    /// Target port per Service port name (shared with the endpoint it
    /// was made from).
    pub ports: std::rc::Rc<BTreeMap<String, u16>>,
    pub node: NodeName,
    pub zone: Option<crate::engine::trace::Name>,
    pub ready: bool,
    pub serving: bool,
    pub terminating: bool,
}

/// Everything kube-proxy knows about one Service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceRules {
    /// `namespace/name`.
    pub name: String,
    pub cluster_ip: Option<Ipv4Addr>,
    /// LoadBalancer ingress IPs (and externalIPs).
    pub external_ips: Vec<Ipv4Addr>,
    pub ports: Vec<PortRule>,
    /// Shared, as the EndpointSlices' lists are, by Services alike.
    pub endpoints: std::rc::Rc<Vec<EndpointRule>>,
    pub external_policy: TrafficPolicy,
    pub internal_policy: TrafficPolicy,
    pub prefer_close: bool,
    pub health_check_node_port: Option<u16>,
    /// `sessionAffinity: ClientIP`: how long a client address sticks to
    /// the endpoint it was last sent to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affinity: Option<Duration>,
}

/// The Service rules every node's proxy has programmed.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ServiceTable {
    pub services: BTreeMap<String, ServiceRules>,
    /// Where a packet's Service is found without reading every Service's
    /// rules (as kube-proxy's KUBE-SERVICES chain jumps on the destination,
    /// or Cilium's service map is keyed): the Services with a ClusterIP,
    /// load-balancer or external IP frontend at (protocol, address, port),
    /// and those with a NodePort at (protocol, port). Dropped when
    /// `services` changes other than in endpoints
    /// ([`ServiceTable::frontends_changed`]) and built again by
    /// [`ServiceTable::index_frontends`] before the world's next event;
    /// until then every Service is read (the same answer, slower).
    #[serde(skip)]
    frontends: Option<FrontendIndex>,
}

#[derive(Clone, Debug, Default)]
struct FrontendIndex {
    by_address: BTreeMap<(u8, Ipv4Addr, u16), Vec<String>>,
    by_node_port: BTreeMap<(u8, u16), Vec<String>>,
}

impl PartialEq for ServiceTable {
    /// The rules; the index is derived from them.
    fn eq(&self, other: &ServiceTable) -> bool {
        self.services == other.services
    }
}
impl Eq for ServiceTable {}

impl ServiceTable {
    /// Notes that the Services' frontends changed: the index is dropped,
    /// and made once for however many changes come before it is needed
    /// (applying a hundred Services at build indexes once, not a hundred
    /// times).
    pub fn frontends_changed(&mut self) {
        self.frontends = None;
    }

    /// Whether the frontends are indexed (see [`ServiceTable::frontends_changed`]).
    pub fn is_indexed(&self) -> bool {
        self.frontends.is_some()
    }

    /// Indexes the Services' frontends (after `services` changed).
    pub fn index_frontends(&mut self) {
        let mut index = FrontendIndex::default();
        for (name, s) in &self.services {
            for p in &s.ports {
                for ip in s.cluster_ip.iter().chain(&s.external_ips) {
                    let at = index.by_address.entry((p.protocol, *ip, p.port)).or_default();
                    if at.last() != Some(name) {
                        at.push(name.clone());
                    }
                }
                if let Some(np) = p.node_port {
                    let at = index.by_node_port.entry((p.protocol, np)).or_default();
                    if at.last() != Some(name) {
                        at.push(name.clone());
                    }
                }
            }
        }
        self.frontends = Some(index);
    }

    /// The first Service (in name order) with a frontend for the flow, and
    /// which frontend and port it is.
    fn find(&self, t: &Tuple, node_ips: &[Ipv4Addr]) -> Option<(&ServiceRules, (Frontend, &PortRule))> {
        let Some(index) = &self.frontends else {
            return self.services.values().find_map(|s| s.frontend(t, node_ips).map(|f| (s, f)));
        };
        let mut names: Vec<&String> = Vec::new();
        names.extend(index.by_address.get(&(t.proto, t.dst, t.dport)).into_iter().flatten());
        if node_ips.contains(&t.dst) {
            names.extend(index.by_node_port.get(&(t.proto, t.dport)).into_iter().flatten());
        }
        names.stable_sort();
        names.into_iter().filter_map(|n| self.services.get(n)).find_map(|s| s.frontend(t, node_ips).map(|f| (s, f)))
    }
}

/// Where the flow's first packet came from, which decides the policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Arrived on the node's LAN interface from outside the cluster.
    External,
    /// From a pod on this node.
    Pod,
    /// From the node itself.
    Host,
}

/// The node making the decision.
pub struct NodeView<'a> {
    pub name: &'a str,
    pub zone: Option<&'a str>,
    pub ips: &'a [Ipv4Addr],
    pub datapath: Datapath,
    /// When the flow's first packet is decided.
    pub now: Instant,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Snat {
    /// kube-proxy (iptables, IPVS) masquerades everything that reaches a
    /// Cluster-policy Service's load-balancer IP or NodePort, pods' and the
    /// node's own traffic included.
    Always,
    /// Cilium's eBPF datapath: only when the endpoint is on another node.
    IfRemote,
    Never,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Not a Service address: route normally.
    Pass,
    Dnat {
        to: SocketAddrV4,
        snat: Snat,
        service: String,
    },
    Drop(DropReason),
    /// ICMP port unreachable (for TCP too): the Service has no endpoints at
    /// all, or (Cilium) none on this node for Local traffic.
    Reject {
        service: String,
        why: NoBackend,
    },
}

/// Why a Service rejects a new connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoBackend {
    /// No usable endpoint anywhere.
    Anywhere,
    /// Cilium: external traffic under `externalTrafficPolicy: Local` on a
    /// node without a local backend.
    OnThisNode,
    /// Cilium: the node's own connection to a ClusterIP under
    /// `internalTrafficPolicy: Local` on a node without a local backend.
    NoLocalInternal,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Frontend {
    ClusterIp,
    LoadBalancer,
    NodePort,
}

impl ServiceRules {
    fn frontend(&self, t: &Tuple, node_ips: &[Ipv4Addr]) -> Option<(Frontend, &PortRule)> {
        self.ports.iter().filter(|p| p.protocol == t.proto).find_map(|p| {
            if self.cluster_ip == Some(t.dst) && p.port == t.dport {
                Some((Frontend::ClusterIp, p))
            } else if self.external_ips.contains(&t.dst) && p.port == t.dport {
                Some((Frontend::LoadBalancer, p))
            } else if p.node_port == Some(t.dport) && node_ips.contains(&t.dst) {
                Some((Frontend::NodePort, p))
            } else {
                None
            }
        })
    }

    /// Endpoints usable right now: the ready ones, or, when none is ready,
    /// the serving-but-terminating ones (KEP-1669's fallback, as
    /// `CategorizeEndpoints` in pkg/proxy/topology.go does it, for the
    /// cluster-wide set and for a node's local set separately).
    fn usable<'a>(eps: impl Iterator<Item = &'a EndpointRule> + Clone) -> Vec<&'a EndpointRule> {
        let ready: Vec<_> = eps.clone().filter(|e| e.ready).collect();
        if !ready.is_empty() {
            return ready;
        }
        eps.filter(|e| e.serving && e.terminating).collect()
    }

    /// The endpoints on this node that Local traffic may use: the ready
    /// ones, or the serving-terminating ones when none is ready.
    pub fn local_endpoints(&self, node: &str) -> usize {
        Self::usable(self.endpoints.iter().filter(|e| e.node == node)).len()
    }

    /// The ready endpoints on this node: what healthCheckNodePort reports
    /// (`LocalReadyEndpoints` in pkg/proxy/endpointschangetracker.go).
    /// Serving-but-terminating ones are not counted, so a load balancer
    /// stops sending new traffic to a node whose pods are shutting down,
    /// even though kube-proxy there still forwards to them.
    pub fn ready_local_endpoints(&self, node: &str) -> usize {
        self.endpoints.iter().filter(|e| e.node == node && e.ready).count()
    }
}

/// An IPVS virtual service: the address, port and protocol a Service
/// frontend is reached at (ClusterIP:port, LoadBalancer IP:port, node
/// IP:nodePort each get their own).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct VirtualService {
    pub proto: u8,
    pub addr: Ipv4Addr,
    pub port: u16,
}

/// Where the `rr` scheduler of one virtual service stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct RrPosition {
    /// The real servers when it last scheduled, in list order.
    dests: Vec<SocketAddrV4>,
    /// The real server it gave the last connection to.
    last: SocketAddrV4,
}

/// The IPVS round-robin schedulers of one node (kernel state: lost when
/// the node powers off).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpvsRoundRobin {
    services: BTreeMap<VirtualService, RrPosition>,
}

impl IpvsRoundRobin {
    /// Linux 6.18 `net/netfilter/ipvs/ip_vs_rr.c` ip_vs_rr_schedule: start
    /// after the real server chosen last (sched_data; the list head at
    /// first) and take the next one, wrapping around. When that server
    /// has left, ip_vs_rr_del_dest moved the mark to its predecessor, so
    /// scheduling goes on with the server that followed it. Returns the
    /// index in `dests` of the chosen server.
    pub fn schedule(&mut self, vs: VirtualService, dests: &[SocketAddrV4]) -> usize {
        let n = dests.len();
        let next = match self.services.get(&vs) {
            None => 0,
            Some(at) => match dests.iter().position(|d| *d == at.last) {
                Some(i) => (i + 1) % n,
                None => {
                    let from = at.dests.iter().position(|d| *d == at.last).map_or(0, |i| i + 1);
                    let old = at.dests.iter().cycle().skip(from).take(at.dests.len());
                    old.filter_map(|d| dests.iter().position(|x| x == d)).next().unwrap_or(0)
                }
            },
        };
        self.services.insert(vs, RrPosition { dests: dests.to_vec(), last: dests[next] });
        next
    }
}

/// What a client address sticks to under `sessionAffinity: ClientIP`.
/// The datapaths keep it per node, each its own way:
/// * iptables: per endpoint chain, an `xt_recent` list of client
///   addresses. The Service port's chain first jumps to the endpoint whose
///   list saw the client within `timeoutSeconds` (`-m recent --rcheck
///   --seconds T --reap`), and the endpoint chain records it again
///   (`--set`) on every new connection (`writeServiceToEndpointRules`,
///   pkg/proxy/iptables/proxier.go, 1.34). So the scope is the Service
///   port, whichever frontend (ClusterIP, NodePort, load-balancer IP) the
///   connection came to.
/// * IPVS: each virtual service is persistent with that timeout
///   (pkg/proxy/ipvs/proxier.go; a persistence template per client,
///   net/netfilter/ipvs/ip_vs_core.c `ip_vs_sched_persist`): the scope
///   is the frontend, and the scheduler is not asked while it holds.
/// * Cilium: an affinity map by client address and frontend
///   (`lb4_affinity_backend_id_by_addr`, bpf/lib/lb.h), timed from its
///   last use.
///
/// An endpoint that is no longer a candidate (gone, not ready, not local
/// under Local) is not stuck to: the client gets a fresh pick.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientAffinity {
    /// The endpoint's address and the last new connection sent there.
    entries: BTreeMap<AffinityKey, (Ipv4Addr, Instant)>,
}

/// Whose stickiness, within what: a client address within a Service port
/// (iptables), or within one of its frontends (IPVS, Cilium).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
struct AffinityKey {
    service: String,
    port: String,
    frontend: Option<(Ipv4Addr, u16)>,
    client: Ipv4Addr,
}

/// Decides the first packet of a flow at `node`. `ipvs` is the node's
/// round-robin state, used when its datapath is IPVS; `affinity` its
/// ClientIP session affinity.
pub fn decide(
    table: &ServiceTable,
    node: &NodeView,
    t: Tuple,
    source: Source,
    rng: &mut SimRng,
    ipvs: &mut IpvsRoundRobin,
    affinity: &mut ClientAffinity,
) -> Decision {
    let Some((svc, (frontend, port))) = table.find(&t, node.ips) else {
        return Decision::Pass;
    };
    let all = ServiceRules::usable(svc.endpoints.iter());
    if all.is_empty() {
        return Decision::Reject { service: svc.name.clone(), why: NoBackend::Anywhere };
    }
    let external = frontend != Frontend::ClusterIp && source == Source::External;
    // In-cluster clients get Cluster semantics even for Local Services
    // (iptables: KUBE-EXT-* sends pod and `--src-type LOCAL` traffic to the
    // cluster-wide chain; Cilium: the socket LB looks up the Service's
    // internal scope); internalTrafficPolicy governs ClusterIP traffic.
    // IPVS does not tell them apart: the load-balancer IP and NodePort
    // virtual services hold only the node's own endpoints when it has
    // any, whoever connects (`syncEndpoint(svcPortName,
    // svcInfo.ExternalPolicyLocal(), serv)`, kube-proxy 1.34
    // pkg/proxy/ipvs/proxier.go; kubernetes#93456).
    let ipvs_external = frontend != Frontend::ClusterIp && node.datapath == Datapath::Ipvs;
    let local_only = if external || ipvs_external {
        svc.external_policy == TrafficPolicy::Local
    } else {
        frontend == Frontend::ClusterIp && svc.internal_policy == TrafficPolicy::Local
    };
    let mut candidates = if local_only {
        ServiceRules::usable(svc.endpoints.iter().filter(|e| *e.node == *node.name))
    } else {
        all.clone()
    };
    if candidates.is_empty() {
        let service = svc.name.clone();
        match node.datapath {
            // kube-proxy iptables: the Service's local chain holds one
            // rule, "has no local endpoints" -j DROP (`writeServiceToEndpointRules`
            // and the filter table's KUBE-EXTERNAL-SERVICES, pkg/proxy/iptables/proxier.go, 1.34).
            Datapath::Iptables => {
                return Decision::Drop(if external {
                    DropReason::NoLocalEndpoints { service }
                } else {
                    DropReason::NoLocalEndpointsInternal { service }
                });
            }
            // IPVS gives the virtual service every endpoint instead
            // (`syncEndpoint`, pkg/proxy/ipvs/proxier.go 1.34, kubernetes
            // #97081: so that local pods still reach it). Local traffic is
            // not masqueraded, so an external client's SYN reaches a pod
            // on another node and the pod answers from its own address,
            // which the client does not know: it times out.
            Datapath::Ipvs => candidates = all,
            // Cilium: this node's frontend has no backends, so `lb4_local`
            // returns DROP_NO_SERVICE and, with the default
            // `--service-no-backend-response=reject`, the datapath answers
            // ICMP port unreachable (bpf/lib/nodeport.h, `tail_no_service_ipv4`
            // in bpf/lib/lb.h; bpf/tests/tc_nodeport_lb4_no_backend.c, Cilium 1.18).
            Datapath::Ebpf if external => return Decision::Reject { service, why: NoBackend::OnThisNode },
            // The node's own connect(): the socket LB finds the ClusterIP
            // entry (internalTrafficPolicy Local: this node's backends
            // only) with none, and connect() fails at once with
            // EHOSTUNREACH (`__sock4_xlate_fwd`: `svc->count == 0`,
            // `cil_sock4_connect`, bpf/bpf_sock.c, Cilium 1.18).
            Datapath::Ebpf if source == Source::Host => {
                return Decision::Reject { service, why: NoBackend::NoLocalInternal };
            }
            Datapath::Ebpf => return Decision::Drop(DropReason::NoLocalEndpointsInternal { service }),
        }
    }
    if svc.prefer_close
        && !local_only
        && let Some(zone) = node.zone
    {
        let close: Vec<_> = candidates.iter().copied().filter(|e| e.zone.as_deref() == Some(zone)).collect();
        if !close.is_empty() {
            candidates = close;
        }
    }
    let target = |ep: &EndpointRule| SocketAddrV4::new(ep.ip, ep.ports.get(&port.name).copied().unwrap_or(port.port));
    let sticky = svc.affinity.map(|timeout| {
        let frontend = (node.datapath != Datapath::Iptables).then_some((t.dst, t.dport));
        (AffinityKey { service: svc.name.clone(), port: port.name.clone(), frontend, client: t.src }, timeout)
    });
    let stuck = sticky.as_ref().and_then(|(key, timeout)| {
        let (ip, last) = *affinity.entries.get(key)?;
        if node.now.saturating_since(last) > *timeout {
            affinity.entries.remove(key);
            return None;
        }
        candidates.iter().copied().find(|ep| ep.ip == ip)
    });
    let ep = match (stuck, node.datapath) {
        (Some(ep), _) => ep,
        // The real servers in EndpointSlice order (kube-proxy adds them in
        // Go map order and the kernel prepends each; neither is reproducible).
        (None, Datapath::Ipvs) => {
            let dests: Vec<SocketAddrV4> = candidates.iter().map(|ep| target(ep)).collect();
            let vs = VirtualService { proto: t.proto, addr: t.dst, port: t.dport };
            candidates[ipvs.schedule(vs, &dests)]
        }
        (None, Datapath::Iptables | Datapath::Ebpf) => candidates[rng.index(candidates.len())],
    };
    if let Some((key, _)) = sticky {
        affinity.entries.insert(key, (ep.ip, node.now));
    }
    let target_port = target(ep).port();
    let snat = match (frontend, svc.external_policy, node.datapath, source) {
        (Frontend::ClusterIp, ..) => Snat::Never,
        // Cilium: only LAN traffic to a remote backend; its socket LB sends
        // a pod's or the node's own connections to the backend directly.
        (_, TrafficPolicy::Cluster, Datapath::Ebpf, Source::External) => Snat::IfRemote,
        (_, _, Datapath::Ebpf, _) => Snat::Never,
        // kube-proxy's external chain marks everything that enters it.
        (_, TrafficPolicy::Cluster, _, _) => Snat::Always,
        // Local: the node's own traffic ("masquerade LOCAL traffic"), iptables only.
        (_, TrafficPolicy::Local, Datapath::Iptables, Source::Host) => Snat::Always,
        (_, TrafficPolicy::Local, _, _) => Snat::Never,
    };
    Decision::Dnat { to: SocketAddrV4::new(ep.ip, target_port), snat, service: svc.name.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::conntrack::PROTO_TCP;

    fn ep(ip: [u8; 4], node: &str, ready: bool) -> EndpointRule {
        EndpointRule {
            ip: Ipv4Addr::from(ip),
            ports: std::rc::Rc::new([("http".to_string(), 8080)].into()),
            node: node.into(),
            zone: None,
            ready,
            serving: ready,
            terminating: false,
        }
    }

    fn table(policy: TrafficPolicy, eps: Vec<EndpointRule>) -> ServiceTable {
        let svc = ServiceRules {
            name: "default/echo".into(),
            cluster_ip: Some(Ipv4Addr::new(10, 32, 0, 159)),
            external_ips: vec![Ipv4Addr::new(192, 0, 2, 10)],
            ports: vec![PortRule { name: "http".into(), protocol: PROTO_TCP, port: 80, node_port: Some(31888) }],
            endpoints: std::rc::Rc::new(eps),
            external_policy: policy,
            internal_policy: TrafficPolicy::Cluster,
            prefer_close: false,
            health_check_node_port: None,
            affinity: None,
        };
        ServiceTable { services: [(svc.name.clone(), svc)].into(), ..Default::default() }
    }

    fn to_nodeport(node_ip: [u8; 4]) -> Tuple {
        Tuple {
            proto: PROTO_TCP,
            src: Ipv4Addr::new(10, 0, 1, 10),
            sport: 40000,
            dst: Ipv4Addr::from(node_ip),
            dport: 31888,
        }
    }

    /// A decision with the node's round-robin state and RNG given, and no
    /// session affinity.
    fn decide_rr(
        t: &ServiceTable,
        node: &NodeView,
        tuple: Tuple,
        source: Source,
        rng: &mut SimRng,
        rr: &mut IpvsRoundRobin,
    ) -> Decision {
        decide(t, node, tuple, source, rng, rr, &mut ClientAffinity::default())
    }

    /// A decision on a node whose IPVS schedulers are fresh, with the RNG seeded `seed`.
    fn at(t: &ServiceTable, node: &NodeView, tuple: Tuple, source: Source, seed: u64) -> Decision {
        decide_rr(t, node, tuple, source, &mut SimRng::new(seed), &mut IpvsRoundRobin::default())
    }

    const WORKER_1: [u8; 4] = [10, 0, 1, 21];

    fn worker_1() -> NodeView<'static> {
        static IPS: [Ipv4Addr; 1] = [Ipv4Addr::new(10, 0, 1, 21)];
        NodeView { name: "worker-1", zone: None, ips: &IPS, datapath: Datapath::Iptables, now: Instant::ZERO }
    }

    #[test]
    fn cluster_policy_forwards_to_a_remote_pod_with_masquerade() {
        let t = table(TrafficPolicy::Cluster, vec![ep([10, 200, 0, 90], "worker-0", true)]);
        let d = at(&t, &worker_1(), to_nodeport(WORKER_1), Source::External, 1);
        assert_eq!(
            d,
            Decision::Dnat {
                to: "10.200.0.90:8080".parse().unwrap(),
                snat: Snat::Always,
                service: "default/echo".into()
            }
        );
    }

    /// kube-proxy sends every packet that reaches a Service's external
    /// chain through the masquerade mark when the policy is Cluster, whoever
    /// sent it: the load-balancer IP and NodePort rules jump to KUBE-EXT-*
    /// for any source, and KUBE-EXT-* jumps to KUBE-MARK-MASQ
    /// unconditionally (pkg/proxy/iptables/proxier.go, Kubernetes 1.34,
    /// "masquerade traffic for ... external destinations"; the IPVS proxier
    /// ends KUBE-LOAD-BALANCER and KUBE-NODE-PORT with the same jump). A pod
    /// or the node itself calling the VIP is masqueraded like a LAN client;
    /// the ClusterIP is not an external destination.
    #[test]
    fn cluster_policy_masquerades_pod_and_node_traffic_to_external_frontends() {
        let t = table(TrafficPolicy::Cluster, vec![ep([10, 200, 0, 90], "worker-0", true)]);
        let to_vip = Tuple { dst: Ipv4Addr::new(192, 0, 2, 10), dport: 80, ..to_nodeport(WORKER_1) };
        let to_cluster_ip = Tuple { dst: Ipv4Addr::new(10, 32, 0, 159), dport: 80, ..to_nodeport(WORKER_1) };
        for datapath in [Datapath::Iptables, Datapath::Ipvs] {
            let mut node = worker_1();
            node.datapath = datapath;
            for source in [Source::Pod, Source::Host, Source::External] {
                for t4 in [to_vip, to_nodeport(WORKER_1)] {
                    let d = at(&t, &node, t4, source, 1);
                    assert!(
                        matches!(d, Decision::Dnat { snat: Snat::Always, .. }),
                        "{datapath:?} {source:?} {t4}: {d:?}"
                    );
                }
            }
            let d = at(&t, &node, to_cluster_ip, Source::Pod, 1);
            assert!(matches!(d, Decision::Dnat { snat: Snat::Never, .. }), "{datapath:?}: {d:?}");
        }
        // Cilium's socket LB translates a pod's or the node's connect() to the
        // backend itself: nothing to masquerade.
        let mut node = worker_1();
        node.datapath = Datapath::Ebpf;
        let d = at(&t, &node, to_vip, Source::Pod, 1);
        assert!(matches!(d, Decision::Dnat { snat: Snat::Never, .. }), "{d:?}");
    }

    /// With externalTrafficPolicy Local, KUBE-EXT-* sends pod traffic to
    /// the cluster-wide chain without masquerade, and the node's own
    /// traffic (`--src-type LOCAL`) to it with masquerade, since the
    /// load-balancer IP would otherwise be its source (iptables proxier of
    /// Kubernetes 1.34). The IPVS proxier returns early for Local Services.
    #[test]
    fn local_policy_masquerades_only_the_nodes_own_traffic() {
        let t = table(TrafficPolicy::Local, vec![ep([10, 200, 0, 90], "worker-0", true)]);
        let d = at(&t, &worker_1(), to_nodeport(WORKER_1), Source::Pod, 1);
        assert!(matches!(d, Decision::Dnat { snat: Snat::Never, .. }), "{d:?}");
        let d = at(&t, &worker_1(), to_nodeport(WORKER_1), Source::Host, 1);
        assert!(matches!(d, Decision::Dnat { snat: Snat::Always, .. }), "{d:?}");
        let mut ipvs = worker_1();
        ipvs.datapath = Datapath::Ipvs;
        let d = at(&t, &ipvs, to_nodeport(WORKER_1), Source::Host, 1);
        assert!(matches!(d, Decision::Dnat { snat: Snat::Never, .. }), "{d:?}");
    }

    #[test]
    fn local_policy_drops_without_a_local_pod_and_rejects_without_any() {
        let t = table(TrafficPolicy::Local, vec![ep([10, 200, 0, 90], "worker-0", true)]);
        let d = at(&t, &worker_1(), to_nodeport(WORKER_1), Source::External, 1);
        assert_eq!(d, Decision::Drop(DropReason::NoLocalEndpoints { service: "default/echo".into() }));
        // In-cluster traffic to the same Local Service still gets Cluster semantics.
        let d = at(&t, &worker_1(), to_nodeport(WORKER_1), Source::Pod, 1);
        assert!(matches!(d, Decision::Dnat { snat: Snat::Never, .. }));
        let empty = table(TrafficPolicy::Local, vec![ep([10, 200, 0, 90], "worker-0", false)]);
        let d = at(&empty, &worker_1(), to_nodeport(WORKER_1), Source::External, 1);
        assert_eq!(d, Decision::Reject { service: "default/echo".into(), why: NoBackend::Anywhere });
    }

    /// internalTrafficPolicy: Local limits in-cluster ClusterIP traffic to
    /// the node's own endpoints and drops it when there are none
    /// (KEP-2086, pkg/proxy/topology.go).
    #[test]
    fn internal_traffic_policy_local_drops_without_a_local_endpoint() {
        let mut t = table(TrafficPolicy::Cluster, vec![ep([10, 200, 0, 90], "worker-0", true)]);
        t.services.values_mut().next().unwrap().internal_policy = TrafficPolicy::Local;
        let to_cluster_ip = Tuple {
            proto: PROTO_TCP,
            src: Ipv4Addr::new(10, 200, 1, 5),
            sport: 40000,
            dst: Ipv4Addr::new(10, 32, 0, 159),
            dport: 80,
        };
        let d = at(&t, &worker_1(), to_cluster_ip, Source::Pod, 1);
        assert_eq!(d, Decision::Drop(DropReason::NoLocalEndpointsInternal { service: "default/echo".into() }));
        // External traffic to the NodePort is governed by externalTrafficPolicy instead.
        let d = at(&t, &worker_1(), to_nodeport(WORKER_1), Source::External, 1);
        assert!(matches!(d, Decision::Dnat { .. }));
    }

    #[test]
    fn terminating_endpoints_are_the_fallback() {
        let mut term = ep([10, 200, 1, 5], "worker-1", false);
        term.serving = true;
        term.terminating = true;
        let t = table(TrafficPolicy::Cluster, vec![term]);
        let d = at(&t, &worker_1(), to_nodeport(WORKER_1), Source::External, 1);
        assert!(matches!(d, Decision::Dnat { to, .. } if to.ip() == &Ipv4Addr::new(10, 200, 1, 5)));
    }

    #[test]
    fn ebpf_only_snats_remote_and_non_service_traffic_passes() {
        let t = table(TrafficPolicy::Cluster, vec![ep([10, 200, 0, 90], "worker-0", true)]);
        let mut node = worker_1();
        node.datapath = Datapath::Ebpf;
        let d = at(&t, &node, to_nodeport(WORKER_1), Source::External, 1);
        assert!(matches!(d, Decision::Dnat { snat: Snat::IfRemote, .. }));
        let mut other = to_nodeport(WORKER_1);
        other.dport = 22;
        assert_eq!(at(&t, &node, other, Source::External, 1), Decision::Pass);
    }

    #[test]
    fn prefer_close_picks_the_same_zone() {
        let mut a = ep([10, 200, 0, 90], "worker-0", true);
        a.zone = Some("a".into());
        let mut b = ep([10, 200, 1, 7], "worker-1", true);
        b.zone = Some("b".into());
        let mut t = table(TrafficPolicy::Cluster, vec![a, b]);
        t.services.values_mut().next().unwrap().prefer_close = true;
        let mut node = worker_1();
        node.zone = Some("b");
        for seed in 0..20 {
            let d = at(&t, &node, to_nodeport(WORKER_1), Source::External, seed);
            assert!(matches!(d, Decision::Dnat { to, .. } if to.ip() == &Ipv4Addr::new(10, 200, 1, 7)));
        }
    }

    /// kube-proxy's IPVS scheduler is `rr` (kube-proxy 1.34
    /// `pkg/proxy/ipvs/proxier.go`, defaultScheduler): each new connection
    /// to a virtual service goes to the next real server (Linux 6.18
    /// ip_vs_rr_schedule), each virtual service keeping its own place;
    /// iptables picks at random. Same table, same node, same five
    /// connections.
    #[test]
    fn ipvs_round_robin_goes_in_turn_per_virtual_service_iptables_at_random() {
        let eps = vec![
            ep([10, 200, 0, 90], "worker-0", true),
            ep([10, 200, 1, 7], "worker-1", true),
            ep([10, 200, 2, 4], "worker-2", true),
        ];
        let t = table(TrafficPolicy::Cluster, eps);
        let endpoint = |d: Decision| match d {
            Decision::Dnat { to, .. } => to.ip().octets()[2],
            other => panic!("{other:?}"),
        };
        let mut node = worker_1();
        let (mut rng, mut rr) = (SimRng::new(7), IpvsRoundRobin::default());
        let picks: Vec<u8> = (0..5)
            .map(|_| endpoint(decide_rr(&t, &node, to_nodeport(WORKER_1), Source::External, &mut rng, &mut rr)))
            .collect();
        assert_eq!(picks, [1, 0, 1, 1, 1], "iptables: random (seeded)");
        node.datapath = Datapath::Ipvs;
        let picks: Vec<u8> = (0..5)
            .map(|_| endpoint(decide_rr(&t, &node, to_nodeport(WORKER_1), Source::External, &mut rng, &mut rr)))
            .collect();
        assert_eq!(picks, [0, 1, 2, 0, 1], "IPVS rr: in turn");
        // The ClusterIP is another virtual service: its scheduler starts afresh.
        let to_cluster_ip = Tuple {
            proto: PROTO_TCP,
            src: Ipv4Addr::new(10, 200, 1, 5),
            sport: 40000,
            dst: Ipv4Addr::new(10, 32, 0, 159),
            dport: 80,
        };
        assert_eq!(endpoint(decide_rr(&t, &node, to_cluster_ip, Source::Pod, &mut rng, &mut rr)), 0);
        assert_eq!(endpoint(decide_rr(&t, &node, to_nodeport(WORKER_1), Source::External, &mut rng, &mut rr)), 2);
    }

    /// ip_vs_rr_del_dest: when the real server the scheduler stands on is
    /// removed, it steps back to its predecessor, so the next connection
    /// goes to the server that followed the removed one.
    #[test]
    fn ipvs_round_robin_goes_on_after_a_removed_server() {
        let vs = VirtualService { proto: PROTO_TCP, addr: Ipv4Addr::new(192, 0, 2, 10), port: 80 };
        let d = |last: u8| SocketAddrV4::new(Ipv4Addr::new(10, 200, 0, last), 8080);
        let mut rr = IpvsRoundRobin::default();
        assert_eq!(rr.schedule(vs, &[d(1), d(2), d(3), d(4)]), 0);
        assert_eq!(rr.schedule(vs, &[d(1), d(2), d(3), d(4)]), 1);
        // d(2), the last one chosen, is gone: d(3) is next.
        assert_eq!(rr.schedule(vs, &[d(1), d(3), d(4)]), 1);
        assert_eq!(rr.schedule(vs, &[d(1), d(3), d(4)]), 2);
        assert_eq!(rr.schedule(vs, &[d(1), d(3), d(4)]), 0);
    }
}
