//! The scenario generator: proptest strategies for random but valid
//! scenarios over the whole schema, rendered as the YAML a user would
//! write (a `kind: Scenario` document and Kubernetes manifests), so the
//! loader is exercised too and a failure prints as a file `vipsim run`
//! takes.
//!
//! Everything a scenario refers to (a host, a node, a Service, a pool) is
//! picked by index modulo what exists, so every shrink of a generated
//! scenario is still valid: proptest removes hosts, manifests and steps
//! and lowers numbers towards the simplest choice (the first variant of
//! every `prop_oneof!`), down to a small reproducer.
#![allow(dead_code)]

use proptest::prelude::*;
use std::fmt::Write as _;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stack {
    MetallbL2,
    MetallbBgp,
    CiliumL2,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Datapath {
    Default,
    Iptables,
    Ipvs,
    Ebpf,
}

#[derive(Clone, Debug)]
pub struct Neighbor {
    pub cisco: bool,
    pub garp: Option<bool>,
    pub arp_timeout: Option<&'static str>,
    pub arp_accept: Option<u8>,
    pub base_reachable: Option<&'static str>,
    pub delay_first_probe: Option<&'static str>,
    pub gc_stale: Option<&'static str>,
    pub locktime: Option<&'static str>,
}

#[derive(Clone, Debug)]
pub struct Node {
    pub zone: Option<u8>,
    /// Carries `pool: apps` (what nodeSelectors and advertisements pick).
    pub apps: bool,
}

#[derive(Clone, Debug)]
pub struct Client {
    /// On its own link behind the router, rather than on the LAN.
    pub behind: bool,
    pub neighbor: Option<Neighbor>,
}

#[derive(Clone, Debug)]
pub struct Pool {
    pub size: u8,
    /// On the LAN's prefix (else 192.0.2.0/24, routed on-link by the router and clients).
    pub on_lan: bool,
    /// A CIDR block rather than a range, when the size allows.
    pub cidr: bool,
    /// Held, and applied by the timeline at this second.
    pub held_at: Option<u8>,
}

#[derive(Clone, Debug)]
pub enum Placement {
    Anywhere,
    /// `nodeSelector: {pool: apps}`.
    AppsNodes,
    /// `nodeSelector: {kubernetes.io/hostname: <node>}`.
    Hostname(usize),
    /// `nodeName: <node>`.
    NodeName(usize),
}

#[derive(Clone, Debug)]
pub struct Spread {
    pub max_skew: u8,
    pub by_zone: bool,
    pub anyway: bool,
}

#[derive(Clone, Debug)]
pub struct Workload {
    /// A bare Pod rather than a Deployment.
    pub bare: bool,
    pub app: u8,
    pub replicas: u8,
    pub placement: Placement,
    pub spread: Option<Spread>,
    pub anti_affinity: bool,
    pub image: u8,
    pub probe_delay: Option<u8>,
    /// A Deployment update (another image) held and applied at this second.
    pub update_at: Option<u8>,
}

#[derive(Clone, Debug)]
pub struct Service {
    pub app: u8,
    /// 0 LoadBalancer, 1 NodePort, 2 ClusterIP.
    pub kind: u8,
    pub local: bool,
    pub named_target: bool,
    pub node_port: bool,
    pub held_at: Option<u8>,
}

#[derive(Clone, Debug)]
pub enum Target {
    Vip(usize, u8),
    NodeIp(usize),
    NodePort(usize, usize),
    ClusterIp(usize),
    Router,
}

#[derive(Clone, Debug)]
pub enum Cmd {
    Curl { target: Target, timeout: u8, quiet: bool },
    Arping { target: Target, count: u8 },
    Ping { target: Target, count: u8 },
    Tcpdump { secs: u8, filter: u8 },
    Ip(u8),
    Kubectl(u8, usize),
    Conntrack(bool),
    CiliumDbg(bool),
    Vtysh(u8),
    ShowIpArp,
    Help,
}

#[derive(Clone, Debug)]
pub enum Fault {
    PowerOff,
    PowerOn,
    Partition,
    Heal,
    StopSpeaker,
    StartSpeaker,
    Cordon,
    Uncordon,
    Drain,
    DeletePod(usize),
    FlushArp,
    SetGarp(bool),
    SetArpTimeout(&'static str),
    Drop { proto: u8, inbound: Option<bool> },
    ClearRules,
}

#[derive(Clone, Debug)]
pub enum Action {
    Run { host: usize, cmd: Cmd, every: Option<u16> },
    Fault { host: usize, fault: Fault },
    Delete(usize),
    Note,
}

#[derive(Clone, Debug)]
pub struct Step {
    /// When, in thousandths of the run's duration.
    pub at: u16,
    pub action: Action,
}

/// A client (or the router) requesting a VIP in a loop, like the shipped
/// scenarios' curl loops: the traffic that faults then disturb.
#[derive(Clone, Debug)]
pub struct Traffic {
    pub from: usize,
    pub target: Target,
    pub every: u16,
    pub start: u8,
}

#[derive(Clone, Debug)]
pub struct Timers {
    pub speaker_failure_detection: Option<&'static str>,
    /// Cilium's lease: (duration, renew deadline, retry period).
    pub lease: Option<(&'static str, &'static str, &'static str)>,
    pub pod_startup: Option<&'static str>,
    pub node_monitor_grace: Option<&'static str>,
    pub pod_eviction: Option<&'static str>,
    pub mac_aging: Option<&'static str>,
}

/// The rarer corners of the schema, all off in a shrunk scenario.
#[derive(Clone, Debug)]
pub struct Extras {
    /// `serviceCIDR: 10.96.0.0/N`.
    pub service_prefix: Option<u8>,
    /// `podCIDR: 10.244.0.0/N` and `nodeCidrMaskSize`.
    pub pod_masks: Option<(u8, u8)>,
    /// Explicit MACs on the nodes.
    pub macs: bool,
    /// Workloads and Services in namespace `apps` (with its Namespace manifest).
    pub namespace: bool,
    /// A GatewayClass and a Gateway (Cilium).
    pub gateway: bool,
    /// The first Service asks for this address of the first pool (`loadBalancerIP`).
    pub lb_ip: Option<u8>,
    /// The first Service has `internalTrafficPolicy: Local`.
    pub internal_local: bool,
    /// The second pool is not used automatically (`autoAssign: false`, MetalLB).
    pub manual_pool: bool,
    /// A variant adding a fault on a host at a time (thousandths of the
    /// duration); the scenario is checked as that variant.
    pub variant: Option<(usize, Fault, u16)>,
}

/// One generated scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub seed: u64,
    pub duration: u8,
    pub stack: Stack,
    pub datapath: Datapath,
    pub strict_arp: bool,
    pub timers: Timers,
    pub router: Option<Neighbor>,
    pub bgp_hold: u8,
    pub nodes: Vec<Node>,
    pub clients: Vec<Client>,
    pub pools: Vec<Pool>,
    pub workloads: Vec<Workload>,
    pub services: Vec<Service>,
    pub traffic: Vec<Traffic>,
    pub steps: Vec<Step>,
    /// The L2 advertisement / announcement policy selects only `pool: apps` nodes.
    pub ads_on_apps: bool,
    pub extras: Option<Extras>,
}

// ----------------------------------------------------------------------
// Strategies
// ----------------------------------------------------------------------

/// Timer values, from the very short to the default-like.
const SHORT_TIMES: &[&str] = &["1ms", "10ms", "100ms", "500ms", "1s", "3s", "5s", "30s", "60s", "61s", "2m", "4h"];

fn time() -> impl Strategy<Value = &'static str> {
    proptest::sample::select(SHORT_TIMES)
}

fn opt<T: std::fmt::Debug + Clone>(s: impl Strategy<Value = T>) -> impl Strategy<Value = Option<T>> {
    prop_oneof![3 => Just(None), 1 => s.prop_map(Some)]
}

fn neighbor() -> impl Strategy<Value = Neighbor> {
    let arp_timeout = time();
    (
        any::<bool>(),
        opt(any::<bool>()),
        opt(arp_timeout),
        opt(0u8..=2),
        opt(time()),
        opt(time()),
        opt(time()),
        opt(time()),
    )
        .prop_map(
            |(cisco, garp, arp_timeout, arp_accept, base_reachable, delay_first_probe, gc_stale, locktime)| Neighbor {
                cisco,
                garp,
                arp_timeout: if cisco { arp_timeout } else { None },
                arp_accept,
                base_reachable,
                delay_first_probe,
                gc_stale,
                locktime,
            },
        )
}

fn timers() -> impl Strategy<Value = Timers> {
    let lease = proptest::sample::select(&[("15s", "5s", "2s"), ("3s", "2s", "1s"), ("30s", "10s", "1s")][..]);
    (
        opt(proptest::sample::select(&["500ms", "1s", "5s", "20s"][..])),
        opt(lease),
        opt(proptest::sample::select(&["0s", "1s", "3s", "10s"][..])),
        opt(proptest::sample::select(&["5s", "20s", "50s"][..])),
        opt(proptest::sample::select(&["5s", "30s", "300s"][..])),
        opt(proptest::sample::select(&["1s", "10s", "300s"][..])),
    )
        .prop_map(
            |(speaker_failure_detection, lease, pod_startup, node_monitor_grace, pod_eviction, mac_aging)| Timers {
                speaker_failure_detection,
                lease,
                pod_startup,
                node_monitor_grace,
                pod_eviction,
                mac_aging,
            },
        )
}

fn node() -> impl Strategy<Value = Node> {
    (opt(0u8..3), any::<bool>()).prop_map(|(zone, apps)| Node { zone, apps })
}

fn client() -> impl Strategy<Value = Client> {
    (any::<bool>(), opt(neighbor())).prop_map(|(behind, neighbor)| Client { behind, neighbor })
}

fn pool() -> impl Strategy<Value = Pool> {
    (prop_oneof![Just(4u8), Just(1), Just(2), Just(8), Just(16)], any::<bool>(), any::<bool>(), opt(1u8..30))
        .prop_map(|(size, off_lan, cidr, held_at)| Pool { size, on_lan: !off_lan, cidr, held_at })
}

fn placement() -> impl Strategy<Value = Placement> {
    let node_name = (0usize..12).prop_map(Placement::NodeName);
    prop_oneof![
        4 => Just(Placement::Anywhere),
        1 => Just(Placement::AppsNodes),
        1 => (0usize..12).prop_map(Placement::Hostname),
        1 => node_name,
    ]
}

fn workload() -> impl Strategy<Value = Workload> {
    let spread = (1u8..=2, any::<bool>(), any::<bool>()).prop_map(|(max_skew, by_zone, anyway)| Spread {
        max_skew,
        by_zone,
        anyway,
    });
    let update = opt(1u8..30);
    (
        prop_oneof![4 => Just(false), 1 => Just(true)],
        app(),
        prop_oneof![Just(2u8), Just(1), Just(0), Just(3), Just(4)],
        placement(),
        opt(spread),
        any::<bool>(),
        0u8..3,
        opt(0u8..8),
        update,
    )
        .prop_map(|(bare, app, replicas, placement, spread, anti_affinity, image, probe_delay, update_at)| {
            Workload {
                bare,
                app,
                replicas,
                placement,
                spread,
                anti_affinity,
                image,
                probe_delay,
                update_at: if bare { None } else { update_at },
            }
        })
}

/// Usually a coherent core (`core`, first) and up to `more` others.
fn with_core<T: Clone + std::fmt::Debug>(
    core: impl Strategy<Value = T>,
    other: impl Strategy<Value = T>,
    more: usize,
) -> impl Strategy<Value = Vec<T>> {
    (prop::option::weighted(0.85, core), prop::collection::vec(other, 0..=more)).prop_map(|(core, mut rest)| {
        if let Some(c) = core {
            rest.insert(0, c);
        }
        rest
    })
}

/// The first app's Deployment, scheduled anywhere.
fn core_workload() -> impl Strategy<Value = Workload> {
    workload().prop_map(|w| Workload {
        bare: false,
        app: 0,
        replicas: w.replicas.max(1),
        placement: Placement::Anywhere,
        ..w
    })
}

/// A LoadBalancer Service of the first app.
fn core_service() -> impl Strategy<Value = Service> {
    service().prop_map(|s| Service { app: 0, kind: 0, held_at: None, ..s })
}

/// Mostly the first app, so Services and workloads meet.
fn app() -> impl Strategy<Value = u8> {
    prop_oneof![3 => Just(0u8), 1 => 0u8..3]
}

fn service() -> impl Strategy<Value = Service> {
    (
        app(),
        prop_oneof![4 => Just(0u8), 1 => Just(1), 1 => Just(2)],
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        opt(1u8..30),
    )
        .prop_map(|(app, kind, local, named_target, node_port, held_at)| Service {
            app,
            kind,
            local,
            named_target,
            node_port,
            held_at,
        })
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        // Mostly the first address of the first pool: the first Service's VIP.
        4 => (prop_oneof![3 => Just(0usize), 1 => 0usize..4], prop_oneof![3 => Just(0u8), 1 => 0u8..4])
            .prop_map(|(p, o)| Target::Vip(p, o)),
        1 => (0usize..12).prop_map(Target::NodeIp),
        1 => (0usize..12, 0usize..4).prop_map(|(n, s)| Target::NodePort(n, s)),
        1 => (0usize..4).prop_map(Target::ClusterIp),
        1 => Just(Target::Router),
    ]
}

fn cmd() -> impl Strategy<Value = Cmd> {
    prop_oneof![
        6 => (target(), 1u8..4, any::<bool>()).prop_map(|(target, timeout, quiet)| Cmd::Curl { target, timeout, quiet }),
        2 => (target(), 1u8..4).prop_map(|(target, count)| Cmd::Arping { target, count }),
        1 => (target(), 1u8..4).prop_map(|(target, count)| Cmd::Ping { target, count }),
        1 => (1u8..4, 0u8..5).prop_map(|(secs, filter)| Cmd::Tcpdump { secs, filter }),
        1 => (0u8..5).prop_map(Cmd::Ip),
        3 => (0u8..16, 0usize..12).prop_map(|(k, i)| Cmd::Kubectl(k, i)),
        1 => any::<bool>().prop_map(Cmd::Conntrack),
        1 => any::<bool>().prop_map(Cmd::CiliumDbg),
        1 => (0u8..3).prop_map(Cmd::Vtysh),
        1 => Just(Cmd::ShowIpArp),
        1 => Just(Cmd::Help),
    ]
}

fn traffic() -> impl Strategy<Value = Traffic> {
    (0usize..4, target(), prop_oneof![Just(1000u16), Just(500), Just(2000), Just(200)], 1u8..10)
        .prop_map(|(from, target, every, start)| Traffic { from, target, every, start })
}

fn fault() -> impl Strategy<Value = Fault> {
    let arp_timeout = time();
    prop_oneof![
        3 => Just(Fault::PowerOff),
        2 => Just(Fault::PowerOn),
        1 => Just(Fault::Partition),
        1 => Just(Fault::Heal),
        2 => Just(Fault::StopSpeaker),
        1 => Just(Fault::StartSpeaker),
        1 => Just(Fault::Cordon),
        1 => Just(Fault::Uncordon),
        1 => Just(Fault::Drain),
        1 => (0usize..8).prop_map(Fault::DeletePod),
        2 => Just(Fault::FlushArp),
        1 => any::<bool>().prop_map(Fault::SetGarp),
        1 => arp_timeout.prop_map(Fault::SetArpTimeout),
        1 => (0u8..4, opt(any::<bool>())).prop_map(|(proto, inbound)| Fault::Drop { proto, inbound }),
        1 => Just(Fault::ClearRules),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        5 => (0usize..16, cmd(), opt(prop_oneof![Just(1000u16), Just(500), Just(2000), Just(300)]))
            .prop_map(|(host, cmd, every)| Action::Run { host, cmd, every }),
        4 => (0usize..16, fault()).prop_map(|(host, fault)| Action::Fault { host, fault }),
        1 => (0usize..16).prop_map(Action::Delete),
        1 => Just(Action::Note),
    ]
}

fn extras() -> impl Strategy<Value = Extras> {
    (
        opt(prop_oneof![Just(16u8), Just(12), Just(24), Just(28)]),
        opt(prop_oneof![Just((16u8, 24u8)), Just((16, 28)), Just((20, 26)), Just((24, 30))]),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        opt(0u8..4),
        any::<bool>(),
        any::<bool>(),
        opt((0usize..16, fault(), 0u16..=1000)),
    )
        .prop_map(
            |(service_prefix, pod_masks, macs, namespace, gateway, lb_ip, internal_local, manual_pool, variant)| {
                Extras {
                    service_prefix,
                    pod_masks,
                    macs,
                    namespace,
                    gateway,
                    lb_ip,
                    internal_local,
                    manual_pool,
                    variant,
                }
            },
        )
}

/// A random valid scenario: 2-12 nodes, a router (always with BGP), up to
/// three clients, pools, workloads, Services and up to 12 timeline steps.
pub fn scenario() -> impl Strategy<Value = Scenario> {
    let stack = prop_oneof![Just(Stack::MetallbL2), Just(Stack::CiliumL2), Just(Stack::MetallbBgp)];
    let datapath =
        prop_oneof![Just(Datapath::Default), Just(Datapath::Iptables), Just(Datapath::Ipvs), Just(Datapath::Ebpf)];
    let nodes = prop_oneof![6 => prop::collection::vec(node(), 2..=4), 1 => prop::collection::vec(node(), 2..=12)];
    let head = (
        0u64..1000,
        10u8..=40,
        stack,
        datapath,
        any::<bool>(),
        timers(),
        opt(neighbor()),
        3u8..=30,
        any::<bool>(),
        opt(extras()),
    );
    let body = (
        nodes,
        prop::collection::vec(client(), 0..=3),
        (pool(), prop::option::weighted(0.8, Just(())), prop::collection::vec(pool(), 0..=2)).prop_map(
            |(mut first, lan, mut rest)| {
                first.on_lan |= lan.is_some();
                rest.insert(0, first);
                rest
            },
        ),
        with_core(core_workload(), workload(), 3),
        with_core(core_service(), service(), 2),
        prop::collection::vec(traffic(), 0..=2),
        prop::collection::vec((0u16..=1000, action()), 0..=12),
    );
    (head, body).prop_map(
        move |(
            (seed, duration, stack, datapath, strict_arp, timers, router, bgp_hold, ads_on_apps, extras),
            (nodes, clients, pools, workloads, services, traffic, steps),
        )| {
            let router = match (router, stack) {
                (None, Stack::MetallbBgp) => Some(Neighbor {
                    cisco: false,
                    garp: None,
                    arp_timeout: None,
                    arp_accept: None,
                    base_reachable: None,
                    delay_first_probe: None,
                    gc_stale: None,
                    locktime: None,
                }),
                (r, _) => r,
            };
            let mut steps: Vec<Step> = steps.into_iter().map(|(at, action)| Step { at, action }).collect();
            steps.sort_by_key(|s| s.at);
            Scenario {
                seed,
                duration,
                stack,
                datapath,
                strict_arp,
                timers,
                router,
                bgp_hold,
                nodes,
                clients,
                pools,
                workloads,
                services,
                traffic,
                steps,
                ads_on_apps,
                extras,
            }
        },
    )
}

// ----------------------------------------------------------------------
// Rendering
// ----------------------------------------------------------------------

/// A YAML double-quoted scalar (JSON's string syntax is YAML's).
fn q(s: &str) -> String {
    serde_json::to_string(s).expect("a string serialises")
}

const APPS: &[&str] = &["web", "api", "echo"];

impl Scenario {
    fn node_name(&self, i: usize) -> String {
        format!("node-{}", i % self.nodes.len())
    }
    fn node_ip(&self, i: usize) -> String {
        format!("192.168.1.{}", 11 + i % self.nodes.len())
    }
    fn client_name(&self, i: usize) -> String {
        format!("client-{i}")
    }

    /// Every host's name and whether it is a node, the router or a client, in file order.
    fn hosts(&self) -> Vec<(String, &'static str)> {
        let mut v = Vec::new();
        if self.router.is_some() {
            v.push(("router".to_string(), "router"));
        }
        for i in 0..self.clients.len() {
            v.push((self.client_name(i), "client"));
        }
        for i in 0..self.nodes.len() {
            v.push((self.node_name(i), "node"));
        }
        v
    }

    /// The first address of pool `p` and its size.
    fn pool_base(&self, p: usize) -> (String, u8, u8) {
        let pool = &self.pools[p];
        let (prefix, base) = if pool.on_lan { ("192.168.1", 96 + 32 * p as u8) } else { ("192.0.2", 32 * p as u8) };
        let base = if pool.cidr { base } else { base + 1 };
        (prefix.to_string(), base, pool.size)
    }

    fn pool_name(p: usize) -> String {
        format!("pool-{p}")
    }

    fn target(&self, t: &Target) -> Option<(String, u16)> {
        Some(match t {
            Target::Vip(p, o) => {
                let (prefix, base, size) = self.pool_base(p % self.pools.len());
                (format!("{prefix}.{}", base + o % size), 80)
            }
            Target::NodeIp(n) => (self.node_ip(*n), 80),
            Target::NodePort(n, s) => {
                let s = s % self.services.len().max(1);
                if self.services.is_empty() {
                    return None;
                }
                (self.node_ip(*n), 30080 + s as u16)
            }
            Target::ClusterIp(s) => {
                if self.services.is_empty() {
                    return None;
                }
                (format!("10.96.0.{}", 10 + s % self.services.len()), 80)
            }
            Target::Router => ("192.168.1.1".to_string(), 80),
        })
    }

    fn command(&self, cmd: &Cmd) -> Option<String> {
        Some(match cmd {
            Cmd::Curl { target, timeout, quiet } => {
                let (ip, port) = self.target(target)?;
                let url = if port == 80 { format!("http://{ip}/") } else { format!("http://{ip}:{port}/") };
                if *quiet {
                    format!("curl -s -m {timeout} -o /dev/null -w \"HTTP %{{http_code}}\\n\" {url}")
                } else {
                    format!("curl -s -S -m {timeout} {url}")
                }
            }
            Cmd::Arping { target, count } => format!("arping -c {count} {}", self.target(target)?.0),
            Cmd::Ping { target, count } => format!("ping -c {count} {}", self.target(target)?.0),
            Cmd::Tcpdump { secs, filter } => {
                let f = ["", " arp", " tcp", " icmp", " port 80"][*filter as usize % 5];
                format!("timeout {secs} tcpdump -n -e -i eth0{f}")
            }
            Cmd::Ip(which) => ["ip neigh", "ip -s neigh", "ip addr", "ip route", "ip neigh flush all"]
                [*which as usize % 5]
                .to_string(),
            Cmd::Kubectl(k, i) => {
                let svc = format!("svc-{}", i % self.services.len().max(1));
                let names = self.workload_names();
                let deploy = if names.is_empty() { "web".to_string() } else { names[i % names.len()].clone() };
                let node = self.node_name(*i);
                match k % 16 {
                    0 => "kubectl get svc -o wide".into(),
                    1 => "kubectl get pods -o wide".into(),
                    2 => "kubectl get nodes".into(),
                    3 => "kubectl get endpointslices".into(),
                    4 => "kubectl get events".into(),
                    5 => "kubectl get leases -A".into(),
                    6 => format!("kubectl describe svc {svc}"),
                    7 => "kubectl logs -n metallb-system -l component=speaker --prefix".into(),
                    8 => format!("kubectl scale deployment {deploy} --replicas={}", i % 4),
                    9 => format!("kubectl patch svc {svc} -p '{{\"spec\":{{\"externalTrafficPolicy\":\"Local\"}}}}'"),
                    10 => {
                        format!("kubectl patch svc {svc} -p '{{\"spec\":{{\"externalTrafficPolicy\":\"Cluster\"}}}}'")
                    }
                    11 => format!("kubectl cordon {node}"),
                    12 => format!("kubectl uncordon {node}"),
                    13 => format!("kubectl drain {node} --ignore-daemonsets"),
                    14 => "kubectl get all -A".into(),
                    _ => "kubectl get pods -A -o yaml".into(),
                }
            }
            Cmd::Conntrack(list) => if *list { "conntrack -L" } else { "conntrack -F" }.into(),
            Cmd::CiliumDbg(list) => if *list { "cilium-dbg service list" } else { "cilium-dbg status --brief" }.into(),
            Cmd::Vtysh(which) => {
                format!("vtysh -c \"{}\"", ["show ip bgp summary", "show ip bgp", "show ip route"][*which as usize % 3])
            }
            Cmd::ShowIpArp => "show ip arp".into(),
            Cmd::Help => "help".into(),
        })
    }

    fn neighbor_yaml(out: &mut String, n: &Neighbor, indent: &str) {
        let _ = writeln!(out, "{indent}neighbor:");
        let _ = writeln!(out, "{indent}  model: {}", if n.cisco { "cisco" } else { "linux" });
        if let Some(g) = n.garp {
            let _ = writeln!(out, "{indent}  garp: {}", if g { "honor" } else { "ignore" });
        }
        let fields = [
            ("arpTimeout", n.arp_timeout),
            ("baseReachableTime", n.base_reachable),
            ("delayFirstProbeTime", n.delay_first_probe),
            ("gcStaleTime", n.gc_stale),
            ("locktime", n.locktime),
        ];
        for (k, v) in fields {
            if let Some(v) = v {
                let _ = writeln!(out, "{indent}  {k}: {v}");
            }
        }
        if let Some(a) = n.arp_accept {
            let _ = writeln!(out, "{indent}  arpAccept: {a}");
        }
    }

    /// The pod spec shared by a Deployment's template and a bare Pod.
    fn pod_spec(&self, out: &mut String, w: &Workload, indent: &str, image_bump: u8) {
        let app = APPS[w.app as usize % APPS.len()];
        let _ = writeln!(out, "{indent}containers:");
        let (image, args) = match (w.image + image_bump) % 3 {
            0 => ("hashicorp/http-echo:1.0", "[\"-text=hello\", \"-listen=:8080\"]"),
            1 => ("registry.k8s.io/e2e-test-images/agnhost:2.53", "[\"netexec\", \"--http-port=8080\"]"),
            _ => ("ealen/echo-server:0.9.2", "[]"),
        };
        let _ = writeln!(out, "{indent}- name: app\n{indent}  image: {image}\n{indent}  args: {args}");
        let _ = writeln!(out, "{indent}  ports:\n{indent}  - containerPort: 8080\n{indent}    name: http");
        if let Some(d) = w.probe_delay {
            let _ = writeln!(out, "{indent}  readinessProbe:\n{indent}    initialDelaySeconds: {d}");
        }
        match &w.placement {
            Placement::Anywhere => {}
            Placement::AppsNodes => {
                let _ = writeln!(out, "{indent}nodeSelector:\n{indent}  pool: apps");
            }
            Placement::Hostname(n) => {
                let _ =
                    writeln!(out, "{indent}nodeSelector:\n{indent}  kubernetes.io/hostname: {}", self.node_name(*n));
            }
            Placement::NodeName(n) => {
                let _ = writeln!(out, "{indent}nodeName: {}", self.node_name(*n));
            }
        }
        if w.anti_affinity {
            let _ = writeln!(
                out,
                "{indent}affinity:\n{indent}  podAntiAffinity:\n{indent}    requiredDuringSchedulingIgnoredDuringExecution:\n{indent}    - labelSelector:\n{indent}        matchLabels:\n{indent}          app: {app}\n{indent}      topologyKey: kubernetes.io/hostname"
            );
        }
        if let Some(s) = &w.spread {
            let key = if s.by_zone { "topology.kubernetes.io/zone" } else { "kubernetes.io/hostname" };
            let when = if s.anyway { "ScheduleAnyway" } else { "DoNotSchedule" };
            let _ = writeln!(
                out,
                "{indent}topologySpreadConstraints:\n{indent}- maxSkew: {}\n{indent}  topologyKey: {key}\n{indent}  whenUnsatisfiable: {when}\n{indent}  labelSelector:\n{indent}    matchLabels:\n{indent}      app: {app}",
                s.max_skew
            );
        }
    }

    /// The scenario file.
    pub fn yaml(&self) -> String {
        let mut y = String::new();
        let (lb, announce) = match self.stack {
            Stack::MetallbL2 => ("metallb", "l2"),
            Stack::MetallbBgp => ("metallb", "bgp"),
            Stack::CiliumL2 => ("cilium", "l2"),
        };
        let _ = writeln!(
            y,
            "apiVersion: vipsim/v1\nkind: Scenario\nmetadata:\n  name: fuzz\n  title: \"A generated scenario\""
        );
        let _ = writeln!(y, "spec:\n  seed: {}\n  duration: {}s\n  cluster:", self.seed, self.duration);
        let _ = writeln!(y, "    loadBalancer: {lb}\n    announce: {announce}");
        match self.datapath {
            Datapath::Default => {}
            Datapath::Iptables => y.push_str("    datapath: iptables\n"),
            Datapath::Ipvs => y.push_str("    datapath: ipvs\n"),
            Datapath::Ebpf => y.push_str("    datapath: ebpf\n"),
        }
        if self.strict_arp {
            y.push_str("    strictARP: true\n");
        }
        let t = &self.timers;
        let timers = [
            ("speakerFailureDetection", t.speaker_failure_detection),
            ("podStartup", t.pod_startup),
            ("nodeMonitorGracePeriod", t.node_monitor_grace),
            ("podEvictionTimeout", t.pod_eviction),
        ];
        for (k, v) in timers {
            if let Some(v) = v {
                let _ = writeln!(y, "    {k}: {v}");
            }
        }
        if let Some((d, r, p)) = t.lease {
            let _ = writeln!(y, "    l2LeaseDuration: {d}\n    l2LeaseRenewDeadline: {r}\n    l2LeaseRetryPeriod: {p}");
        }
        let x = self.x();
        if let Some(p) = x.service_prefix {
            let _ = writeln!(y, "    serviceCIDR: 10.96.0.0/{p}");
        }
        if let Some((pods, node)) = x.pod_masks {
            let _ = writeln!(y, "    podCIDR: 10.244.0.0/{pods}\n    nodeCidrMaskSize: {node}");
        }
        y.push_str("  hosts:\n");
        let off_lan = self.pools.iter().any(|p| !p.on_lan);
        if let Some(n) = &self.router {
            y.push_str("  - name: router\n    role: router\n    ip: 192.168.1.1/24\n");
            if self.stack == Stack::MetallbBgp {
                y.push_str("    asn: 64500\n");
            }
            if off_lan && self.stack != Stack::MetallbBgp {
                y.push_str("    routes:\n    - { to: 192.0.2.0/24, dev: eth0 }\n");
            }
            Self::neighbor_yaml(&mut y, n, "    ");
        }
        for (i, c) in self.clients.iter().enumerate() {
            let behind = c.behind && self.router.is_some();
            let ip = if behind { format!("10.0.{i}.5/24") } else { format!("192.168.1.{}/24", 50 + i) };
            let _ = writeln!(y, "  - name: {}\n    role: client\n    ip: {ip}", self.client_name(i));
            if behind {
                y.push_str("    behind: router\n");
            } else if off_lan && self.stack != Stack::MetallbBgp {
                y.push_str("    routes:\n    - { to: 192.0.2.0/24, dev: eth0 }\n");
            }
            if let Some(n) = &c.neighbor {
                Self::neighbor_yaml(&mut y, n, "    ");
            }
        }
        for (i, n) in self.nodes.iter().enumerate() {
            let _ = writeln!(y, "  - name: {}\n    role: node\n    ip: {}/24", self.node_name(i), self.node_ip(i));
            if x.macs {
                let _ = writeln!(y, "    mac: \"02:00:00:00:01:{:02x}\"", i + 1);
            }
            if let Some(z) = n.zone {
                let _ = writeln!(y, "    zone: zone-{z}");
            }
            if n.apps {
                y.push_str("    labels: { pool: apps }\n");
            }
        }
        if let Some(a) = t.mac_aging {
            let _ = writeln!(y, "  switch:\n    macAging: {a}");
        }
        // The timeline: held manifests applied, then the generated steps.
        let mut steps: Vec<(u32, String)> = Vec::new();
        for (p, pool) in self.pools.iter().enumerate() {
            if let Some(at) = pool.held_at.filter(|a| *a < self.duration) {
                steps.push((at as u32 * 1000, format!("apply: {}", Self::pool_name(p))));
            }
        }
        for (s, svc) in self.services.iter().enumerate() {
            if let Some(at) = svc.held_at.filter(|a| *a < self.duration) {
                steps.push((at as u32 * 1000, format!("apply: Service/svc-{s}")));
            }
        }
        for (i, w) in self.workloads.iter().enumerate() {
            if let Some(at) = w.update_at.filter(|a| *a < self.duration) {
                steps.push((at as u32 * 1000, format!("apply: update-{i}")));
            }
        }
        let hosts = self.hosts();
        let arp_hosts: Vec<&String> = hosts.iter().filter(|h| h.1 != "node").map(|h| &h.0).collect();
        let non_nodes = arp_hosts.clone();
        let deletable = self.deletable();
        // Traffic comes from the clients and the router (a node's own requests go through its Service rules).
        for t in &self.traffic {
            if non_nodes.is_empty() || t.start >= self.duration {
                continue;
            }
            let Some(c) = self.command(&Cmd::Curl { target: t.target.clone(), timeout: 1, quiet: true }) else {
                continue;
            };
            let from = non_nodes[t.from % non_nodes.len()];
            steps.push((
                t.start as u32 * 1000,
                format!("every: {}ms\n    run: {{ host: {from}, cmd: {} }}", t.every, q(&c)),
            ));
        }
        let end = self.duration as u32 * 1000;
        for step in &self.steps {
            let at_ms = end * step.at as u32 / 1000;
            let line = match &step.action {
                Action::Run { host, cmd, every } => {
                    let candidates: Vec<&String> = hosts.iter().map(|h| &h.0).collect();
                    if candidates.is_empty() {
                        continue;
                    }
                    let Some(c) = self.command(cmd) else { continue };
                    let host = candidates[host % candidates.len()];
                    let repeat = every.map(|e| format!("every: {e}ms\n    ")).unwrap_or_default();
                    format!("{repeat}run: {{ host: {host}, cmd: {} }}", q(&c))
                }
                Action::Fault { host, fault } => match self.fault_line(*host, fault) {
                    Some(line) => line,
                    None => continue,
                },
                Action::Delete(i) => {
                    if deletable.is_empty() {
                        continue;
                    }
                    format!("delete: {}", deletable[i % deletable.len()])
                }
                Action::Note => "note: \"a generated note\"".to_string(),
            };
            steps.push((at_ms, line));
        }
        steps.sort_by_key(|s| s.0);
        if !steps.is_empty() {
            y.push_str("  timeline:\n");
            for (at, line) in steps {
                let _ = writeln!(y, "  - at: {at}ms\n    {line}");
            }
        }
        if let (Some(name), Some((host, fault, at))) = (self.variant(), &x.variant) {
            let line = self.fault_line(*host, fault).expect("checked by variant()");
            let _ = writeln!(
                y,
                "  variants:\n  - name: {name}\n    add:\n    - at: {}ms\n      {line}",
                end * *at as u32 / 1000
            );
        }
        self.manifests(&mut y);
        y
    }

    /// `fault: { host: ..., action: ... }` on the `host`-th host the action applies to.
    fn fault_line(&self, host: usize, fault: &Fault) -> Option<String> {
        let hosts = self.hosts();
        let all: Vec<&String> = hosts.iter().map(|h| &h.0).collect();
        let nodes: Vec<&String> = hosts.iter().filter(|h| h.1 == "node").map(|h| &h.0).collect();
        let arp_hosts: Vec<&String> = hosts.iter().filter(|h| h.1 != "node").map(|h| &h.0).collect();
        // Only a Cisco-model cache has an ARP timeout to set.
        let cisco = |n: &Option<Neighbor>| n.as_ref().is_some_and(|n| n.cisco);
        let mut cisco_hosts: Vec<&String> = Vec::new();
        for (name, role) in &hosts {
            let model = match *role {
                "router" => self.router.as_ref().map(|n| n.cisco).unwrap_or(false),
                "client" => {
                    let i = (0..self.clients.len()).find(|i| self.client_name(*i) == *name).expect("a client");
                    cisco(&self.clients[i].neighbor)
                }
                _ => false,
            };
            if model {
                cisco_hosts.push(name);
            }
        }
        let (candidates, action) = match fault {
            Fault::PowerOff => (all, "power-off".to_string()),
            Fault::PowerOn => (all, "power-on".to_string()),
            Fault::Partition => (all, "partition".to_string()),
            Fault::Heal => (all, "heal".to_string()),
            Fault::StopSpeaker => (nodes, "stop-speaker".to_string()),
            Fault::StartSpeaker => (nodes, "start-speaker".to_string()),
            Fault::Cordon => (nodes, "cordon".to_string()),
            Fault::Uncordon => (nodes, "uncordon".to_string()),
            Fault::Drain => (nodes, "drain".to_string()),
            Fault::DeletePod(w) => {
                let names = self.workload_names();
                if names.is_empty() {
                    return None;
                }
                let i = w % names.len();
                // A delete-pod acts on the node it names: a workload pinned
                // by nodeName has its pods on that node only.
                let pinned = match self.workloads[i].placement {
                    Placement::NodeName(n) => Some(self.node_name(n)),
                    _ => None,
                };
                let nodes = match &pinned {
                    Some(n) => nodes.into_iter().filter(|h| *h == n).collect(),
                    None => nodes,
                };
                (nodes, format!("delete-pod, pod: {}", names[i]))
            }
            Fault::FlushArp => (arp_hosts, "flush-arp".to_string()),
            Fault::SetGarp(h) => (arp_hosts, format!("set-garp, garp: {}", if *h { "honor" } else { "ignore" })),
            Fault::SetArpTimeout(t) => (cisco_hosts, format!("set-arp-timeout, arpTimeout: {t}")),
            Fault::Drop { proto, inbound } => {
                let mut a = "drop".to_string();
                if let Some(p) = ["ARP", "TCP", "ICMP"].get(*proto as usize) {
                    a.push_str(&format!(", proto: {p}"));
                }
                if let Some(i) = inbound {
                    a.push_str(if *i { ", direction: in" } else { ", direction: out" });
                }
                (all, a)
            }
            Fault::ClearRules => (all, "clear-rules".to_string()),
        };
        if candidates.is_empty() {
            return None;
        }
        Some(format!("fault: {{ host: {}, action: {action} }}", candidates[host % candidates.len()]))
    }

    /// The extras, or none of them.
    fn x(&self) -> Extras {
        self.extras.clone().unwrap_or(Extras {
            service_prefix: None,
            pod_masks: None,
            macs: false,
            namespace: false,
            gateway: false,
            lb_ip: None,
            internal_local: false,
            manual_pool: false,
            variant: None,
        })
    }

    /// The variant the scenario is checked as, if it has one.
    pub fn variant(&self) -> Option<&'static str> {
        let (host, fault, _) = self.extras.as_ref()?.variant.as_ref()?;
        self.fault_line(*host, fault).map(|_| "fuzz-variant")
    }

    fn workload_names(&self) -> Vec<String> {
        self.workloads
            .iter()
            .enumerate()
            .map(
                |(i, w)| if w.bare { format!("pod-{i}") } else { format!("{}-{i}", APPS[w.app as usize % APPS.len()]) },
            )
            .collect()
    }

    /// Objects a `delete:` step may name.
    fn deletable(&self) -> Vec<String> {
        let mut v: Vec<String> = (0..self.services.len()).map(|s| format!("Service/svc-{s}")).collect();
        for (i, w) in self.workloads.iter().enumerate() {
            // A Deployment with a held update has two versions: `delete` could not tell them apart.
            if w.update_at.is_some_and(|a| a < self.duration) {
                continue;
            }
            v.push(if w.bare { format!("Pod/pod-{i}") } else { format!("Deployment/{}", self.workload_names()[i]) });
        }
        v
    }

    fn manifests(&self, y: &mut String) {
        let x = self.x();
        let ns = if x.namespace { "  namespace: apps\n" } else { "" };
        if x.namespace {
            y.push_str("---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n");
        }
        let hold = |y: &mut String, held: bool| {
            if held {
                y.push_str("  annotations:\n    vipsim/hold: \"true\"\n");
            }
        };
        let pool_names: Vec<String> = (0..self.pools.len()).map(Self::pool_name).collect();
        for (p, pool) in self.pools.iter().enumerate() {
            let (prefix, base, size) = self.pool_base(p);
            let held = pool.held_at.is_some_and(|a| a < self.duration);
            let cidr = pool.cidr && size.is_power_of_two();
            let last = base + size - 1;
            match self.stack {
                Stack::MetallbL2 | Stack::MetallbBgp => {
                    let _ = writeln!(
                        y,
                        "---\napiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: {}\n  namespace: metallb-system",
                        pool_names[p]
                    );
                    hold(y, held);
                    let addr = if cidr {
                        format!("{prefix}.{base}/{}", 32 - size.trailing_zeros())
                    } else {
                        format!("{prefix}.{base}-{prefix}.{last}")
                    };
                    let _ = writeln!(y, "spec:\n  addresses:\n  - {addr}");
                    if x.manual_pool && p == 1 {
                        y.push_str("  autoAssign: false\n");
                    }
                }
                Stack::CiliumL2 => {
                    let _ = writeln!(
                        y,
                        "---\napiVersion: cilium.io/v2\nkind: CiliumLoadBalancerIPPool\nmetadata:\n  name: {}",
                        pool_names[p]
                    );
                    hold(y, held);
                    if cidr {
                        let _ =
                            writeln!(y, "spec:\n  blocks:\n  - cidr: {prefix}.{base}/{}", 32 - size.trailing_zeros());
                    } else {
                        let _ = writeln!(
                            y,
                            "spec:\n  blocks:\n  - start: \"{prefix}.{base}\"\n    stop: \"{prefix}.{last}\""
                        );
                    }
                }
            }
        }
        let apps_only = self.ads_on_apps;
        match self.stack {
            Stack::MetallbL2 => {
                y.push_str("---\napiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata:\n  name: l2\n  namespace: metallb-system\n");
                if apps_only {
                    y.push_str("spec:\n  nodeSelectors:\n  - matchLabels:\n      pool: apps\n");
                }
            }
            Stack::MetallbBgp => {
                let _ = writeln!(
                    y,
                    "---\napiVersion: metallb.io/v1beta2\nkind: BGPPeer\nmetadata:\n  name: router\n  namespace: metallb-system\nspec:\n  myASN: 64512\n  peerASN: 64500\n  peerAddress: 192.168.1.1\n  holdTime: {}s",
                    self.bgp_hold
                );
                y.push_str("---\napiVersion: metallb.io/v1beta1\nkind: BGPAdvertisement\nmetadata:\n  name: bgp\n  namespace: metallb-system\n");
            }
            Stack::CiliumL2 => {
                y.push_str("---\napiVersion: cilium.io/v2alpha1\nkind: CiliumL2AnnouncementPolicy\nmetadata:\n  name: l2\nspec:\n  loadBalancerIPs: true\n  interfaces:\n  - ^eth[0-9]+\n");
                if apps_only {
                    y.push_str("  nodeSelector:\n    matchLabels:\n      pool: apps\n");
                }
                if x.gateway {
                    y.push_str("---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata:\n  name: cilium\nspec:\n  controllerName: io.cilium/gateway-controller\n");
                    y.push_str("---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: gw\nspec:\n  gatewayClassName: cilium\n  listeners:\n  - name: http\n    protocol: HTTP\n    port: 80\n");
                }
            }
        }
        let names = self.workload_names();
        for (i, w) in self.workloads.iter().enumerate() {
            let app = APPS[w.app as usize % APPS.len()];
            if w.bare {
                let _ = writeln!(
                    y,
                    "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: {}\n{ns}  labels:\n    app: {app}\nspec:",
                    names[i]
                );
                self.pod_spec(y, w, "  ", 0);
                continue;
            }
            for update in [false, true] {
                if update && w.update_at.is_none_or(|a| a >= self.duration) {
                    continue;
                }
                let _ = write!(y, "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {}\n{ns}", names[i]);
                if update {
                    let _ = writeln!(y, "  annotations:\n    vipsim/hold: \"true\"\n    vipsim/id: update-{i}");
                }
                let _ = writeln!(
                    y,
                    "spec:\n  replicas: {}\n  selector:\n    matchLabels:\n      app: {app}\n  template:\n    metadata:\n      labels:\n        app: {app}\n    spec:",
                    w.replicas
                );
                self.pod_spec(y, w, "      ", update as u8);
            }
        }
        for (s, svc) in self.services.iter().enumerate() {
            let app = APPS[svc.app as usize % APPS.len()];
            let kind = ["LoadBalancer", "NodePort", "ClusterIP"][svc.kind as usize % 3];
            let _ = write!(y, "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{s}\n{ns}");
            hold(y, svc.held_at.is_some_and(|a| a < self.duration));
            let _ = writeln!(y, "spec:\n  type: {kind}\n  selector:\n    app: {app}");
            // A requested ClusterIP is safe from random ones only in the band
            // the API server keeps for requests, which a /28 does not have.
            if x.service_prefix.is_none_or(|p| p <= 24) {
                let _ = writeln!(y, "  clusterIP: 10.96.0.{}", 10 + s);
            }
            if s == 0 {
                if let (Some(o), "LoadBalancer") = (x.lb_ip, kind) {
                    let (prefix, base, size) = self.pool_base(0);
                    let _ = writeln!(y, "  loadBalancerIP: {prefix}.{}", base + o % size);
                }
                if x.internal_local {
                    y.push_str("  internalTrafficPolicy: Local\n");
                }
            }
            if kind != "ClusterIP" {
                let _ = writeln!(y, "  externalTrafficPolicy: {}", if svc.local { "Local" } else { "Cluster" });
            }
            let target = if svc.named_target { "http".to_string() } else { "8080".to_string() };
            let _ = writeln!(y, "  ports:\n  - port: 80\n    targetPort: {target}");
            if kind != "ClusterIP" && svc.node_port {
                let _ = writeln!(y, "    nodePort: {}", 30080 + s);
            }
        }
    }
}
