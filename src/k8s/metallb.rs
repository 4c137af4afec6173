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

use super::cluster::{Cluster, Endpoint, EndpointSlice, Key, LogLine, seek};
use super::objects::{LabelSelector, Manifest};
use crate::engine::ctx::Ctx;
use crate::engine::trace::Kind;
use crate::net::host::Host;
use crate::sort::{Collect, Sort};
use crate::time::{Duration, Instant};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::rc::Rc;

/// The announcer's ticker period (announcer.go `spamLoop`; MetalLB #172
/// explains the 1100 ms).
pub const GARP_TICK: Duration = Duration::from_millis(1100);
/// How long after the last `SetBalancer` a VIP stays in the loop.
pub const GARP_SPAM_FOR: Duration = Duration::from_secs(5);

/// The node order MetalLB uses for one VIP: ascending sha256 of
/// `node + "#" + ip`. The first usable node is the leader.
pub fn election_order(nodes: &[String], ip: Ipv4Addr) -> Vec<String> {
    // (The address is written once: the hash is fed the node, `#` and
    // it, the same bytes as hashing the joined string.)
    let ip = ip.to_string();
    let mut keyed: Vec<([u8; 32], &String)> = nodes
        .iter()
        .map(|n| {
            let h = Sha256::new().chain_update(n.as_bytes()).chain_update(b"#").chain_update(ip.as_bytes()).finalize();
            (h.into(), n)
        })
        .collect();
    keyed.stable_sort();
    keyed.into_iter().map(|(_, n)| n.clone()).collect()
}

/// L2Advertisements (or BGPAdvertisements) that cover an address from `pool`.
pub fn advertisements_for<'a>(k: &'a Cluster, kind: &str, pool: &str) -> Vec<&'a Manifest> {
    k.metallb_objects(kind)
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
    k.metallb_objects("IPAddressPool")
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
    let mut nodes = BTreeSet::new();
    for e in serving_endpoints(k, svc) {
        // Most endpoints share their node with others: look before copying the name.
        if !nodes.contains(&*e.node) {
            nodes.insert(e.node.to_string());
        }
    }
    nodes
}

/// The endpoints of the Service's slice that can serve ([`nodes_with_serving_endpoints`]).
pub fn serving_endpoints<'a>(k: &'a Cluster, svc: &Key) -> impl Iterator<Item = &'a Endpoint> + 'a {
    k.slices.get(svc).into_iter().flat_map(serving_in)
}

/// [`serving_endpoints`] of a slice in hand.
pub fn serving_in(slice: &EndpointSlice) -> impl Iterator<Item = &Endpoint> {
    slice.endpoints.iter().map(|e| &**e).filter(|e| e.ready || e.serving)
}

/// Whether a node's speaker runs and is reachable (powered, on the LAN).
pub fn speaker_alive(k: &Cluster, hosts: &[Host], node: &str) -> bool {
    k.nodes.get(node).is_some_and(|n| speaker_alive_on(n, hosts))
}

/// [`speaker_alive`] for a node in hand.
pub fn speaker_alive_on(n: &super::cluster::Node, hosts: &[Host]) -> bool {
    n.agent_running && hosts[n.host].up && n.kubelet_up
}

/// The protocol a speaker announces a Service with (`config.Proto` in
/// MetalLB: the `protocol` key of its lines and the `nodeAssigned` event).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    Layer2,
    Bgp,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Layer2 => "layer2",
            Protocol::Bgp => "bgp",
        }
    }
}

/// The speaker's line when it announces a Service (speaker/main.go
/// `handleService`, line 420 of 0.14.9), keys sorted as go-kit's JSON
/// logger writes them.
pub fn announced_line(now: Instant, ip: Ipv4Addr, pool: &str, protocol: Protocol) -> String {
    format!(
        "{{\"caller\":\"main.go:420\",\"event\":\"serviceAnnounced\",\"ips\":[\"{ip}\"],\"level\":\"info\",\"msg\":\"service has IP, announcing\",\"pool\":\"{pool}\",\"protocol\":\"{}\",\"ts\":\"{}\"}}",
        protocol.as_str(),
        super::timestamp(now)
    )
}

/// The `nodeAssigned` event a speaker records on the Service each time it
/// announces it (speaker/main.go `handleService`, 0.14.9).
pub fn node_assigned(k: &mut Cluster, now: Instant, key: &str, node: &str, protocol: Protocol) {
    let (ns, name) = key.split_once('/').unwrap_or(("default", key));
    k.event(now, ns, &format!("service/{name}"), "Normal", "nodeAssigned", node_assigned_message(node, protocol));
}

/// The message of [`node_assigned`]'s Event (the same for every Service
/// the node announces).
pub fn node_assigned_message(node: &str, protocol: Protocol) -> String {
    format!("announcing from node \"{node}\" with protocol \"{}\"", protocol.as_str())
}

/// Why a protocol handler's `ShouldAnnounce` declines a Service on a node
/// (MetalLB 0.14.9). The layer 2 controller gives `notOwner` for every
/// case; the BGP controller (speaker/bgp_controller.go) says why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Layer 2: another node won the election, or none can announce. BGP:
    /// no BGPAdvertisement of the pool selects this node.
    NotOwner,
    /// BGP: the node is cordoned (`IsNodeAvailable`, internal/k8s/nodes).
    NodeUnschedulable,
    /// BGP: the node carries `node.kubernetes.io/exclude-from-external-load-balancers`.
    NodeExcluded,
    /// BGP, externalTrafficPolicy Local: no endpoint on this node can serve.
    NoLocalEndpoints,
    /// BGP: no endpoint of the Service can serve anywhere.
    NoEndpoints,
}

impl Refusal {
    fn reason(self) -> &'static str {
        match self {
            Refusal::NotOwner => "notOwner",
            Refusal::NodeUnschedulable => "nodeUnschedulable",
            Refusal::NodeExcluded => "nodeLabeledExcludeBalancers",
            Refusal::NoLocalEndpoints => "noLocalEndpoints",
            Refusal::NoEndpoints => "noEndpoints",
        }
    }
}

/// Why a speaker stops announcing a Service: the `reason` of its
/// `serviceWithdrawn` line (speaker/main.go `SetBalancer`, 0.14.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Withdrawal {
    /// `ShouldAnnounce` declined it on this node.
    Declined(Refusal),
    /// The Service's address changed: the old one is withdrawn before the
    /// new one is announced.
    IpChanged(Ipv4Addr),
    /// The Service is gone (the reconciler hands the handler a nil Service).
    ServiceDeleted,
    /// The Service is no longer of type LoadBalancer.
    NotLoadBalancer,
    /// The controller cleared the Service's address (status without ingress).
    NoIpAllocated,
}

impl Withdrawal {
    /// Why `key` left a speaker's view of Services with an address.
    pub fn of_gone(k: &Cluster, key: &str) -> Withdrawal {
        match k.services.get(key) {
            None => Withdrawal::ServiceDeleted,
            Some(s) if !s.is_load_balancer() => Withdrawal::NotLoadBalancer,
            Some(_) => Withdrawal::NoIpAllocated,
        }
    }

    fn reason(self) -> &'static str {
        match self {
            Withdrawal::Declined(r) => r.reason(),
            Withdrawal::IpChanged(_) => "loadBalancerIPChanged",
            Withdrawal::ServiceDeleted => "serviceDeleted",
            Withdrawal::NotLoadBalancer => "notLoadBalancer",
            Withdrawal::NoIpAllocated => "noIPAllocated",
        }
    }
}

/// The line when a speaker stops announcing `ip` (`deleteBalancerProtocol`,
/// line 464 of 0.14.9). `ip` is the list it announced. The other keys are
/// what the logger carried where `SetBalancer` gave up: the Service's
/// `ips` and `pool` once it has read them, and `protocol` only inside
/// `handleService` (a `ShouldAnnounce` refusal). A Service deleted, no
/// longer a LoadBalancer or without an address is dropped before any of them.
pub fn withdrawn_line(now: Instant, ip: Ipv4Addr, pool: &str, why: Withdrawal, protocol: Protocol) -> String {
    let context = match why {
        Withdrawal::Declined(_) => format!(
            ",\"ips\":[\"{ip}\"],\"level\":\"info\",\"msg\":\"withdrawing service announcement\",\"pool\":\"{pool}\",\"protocol\":\"{}\"",
            protocol.as_str()
        ),
        Withdrawal::IpChanged(new) => format!(
            ",\"ips\":[\"{new}\"],\"level\":\"info\",\"msg\":\"withdrawing service announcement\",\"pool\":\"{pool}\""
        ),
        Withdrawal::ServiceDeleted | Withdrawal::NotLoadBalancer | Withdrawal::NoIpAllocated => {
            ",\"level\":\"info\",\"msg\":\"withdrawing service announcement\"".to_string()
        }
    };
    format!(
        "{{\"caller\":\"main.go:464\",\"event\":\"serviceWithdrawn\",\"ip\":[\"{ip}\"]{context},\"reason\":\"{}\",\"ts\":\"{}\"}}",
        why.reason(),
        super::timestamp(now)
    )
}

/// The BGP controller's line when `SetBalancer` has handed a Service's
/// prefixes to the sessions (speaker/bgp_controller.go line 346 of 0.14.9):
/// `numAds` counts one advertisement per address and BGPAdvertisement of
/// its pool that selects this node. It comes just before `serviceAnnounced`,
/// with the same logger context.
pub fn updated_advertisements_line(now: Instant, ip: Ipv4Addr, pool: &str, num_ads: usize) -> String {
    format!(
        "{{\"caller\":\"bgp_controller.go:346\",\"event\":\"updatedAdvertisements\",\"ips\":[\"{ip}\"],\"level\":\"info\",\"msg\":\"making advertisements using BGP\",\"numAds\":{num_ads},\"pool\":\"{pool}\",\"protocol\":\"bgp\",\"ts\":\"{}\"}}",
        super::timestamp(now)
    )
}

/// The warning the BGP controller's `ShouldAnnounce` logs each time it
/// declines a Service because of the node itself (speaker/bgp_controller.go
/// lines 168 and 173 of 0.14.9; it has no `msg` key). The other refusals
/// are logged at debug level, which the speaker's default `--log-level=info`
/// hides.
pub fn skipping_line(now: Instant, ip: Ipv4Addr, pool: &str, service: &str, why: Refusal) -> Option<String> {
    let (line, reason) = match why {
        Refusal::NodeUnschedulable => (168, "nodeUnschedulable"),
        Refusal::NodeExcluded => {
            (173, "speaker's node has labeled 'node.kubernetes.io/exclude-from-external-load-balancers'")
        }
        _ => return None,
    };
    Some(format!(
        "{{\"caller\":\"bgp_controller.go:{line}\",\"event\":\"skipping should announce bgp\",\"ips\":[\"{ip}\"],\"level\":\"warn\",\"pool\":\"{pool}\",\"protocol\":\"bgp\",\"reason\":\"{reason}\",\"service\":\"{service}\",\"ts\":\"{}\"}}",
        super::timestamp(now)
    ))
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

/// Each Service's fingerprint as a speaker reconciles it, for every
/// Service with an address and a pool, in key order: the object's (from
/// the caches, [`speaker_prints`]), with its EndpointSlice's (creation,
/// digest, size) folded in. A change is a new reconcile of that Service.
/// (The Services, their slices and the caches' prints are walked side by
/// side.)
pub fn service_prints(k: &Cluster) -> impl Iterator<Item = (&Key, u64)> {
    let (mut slices, mut objects) = (k.slices.iter().peekable(), k.caches.metallb.objects.iter().peekable());
    k.services.iter().filter(|(_, s)| !s.ingress.is_empty() && s.pool.is_some()).map(move |(key, _)| {
        let object = seek(&mut objects, key).expect("speaker_prints fills every Service with an address and a pool");
        (key, with_slice(seek(&mut slices, key), *object))
    })
}

fn with_slice(slice: Option<&super::cluster::EndpointSlice>, object: u64) -> u64 {
    let mut print = object;
    if let Some(sl) = slice {
        for v in [sl.created.as_nanos(), sl.digest, sl.endpoints.len() as u64] {
            print = (print ^ v).wrapping_mul(0x0100_0000_01b3);
        }
    }
    print
}

/// What a speaker's configuration depends on: the MetalLB objects, and per
/// node what its node controller reprocesses for (speaker/main.go `SetNode`:
/// schedulability and the exclusion label) and which advertisements select
/// it. A change reprocesses every Service (`SyncStateReprocessAll`).
fn config_fingerprint(k: &Cluster) -> u64 {
    let metallb =
        |kind: &str| super::kinds::of_kind(kind).is_some_and(|r| r.addon == Some(super::kinds::Addon::Metallb));
    let objects: Vec<&super::cluster::Stored> = k.objects.values().filter(|o| metallb(o.manifest.kind())).collect();
    let nodes: Vec<(&String, bool, bool)> =
        k.nodes.values().map(|n| (&n.name, n.unschedulable, excluded(k, &n.name))).collect();
    let selected: Vec<BTreeSet<String>> = ["L2Advertisement", "BGPAdvertisement"]
        .into_iter()
        .flat_map(|kind| k.metallb_objects(kind))
        .map(|o| advertised_nodes(k, &[&o.manifest]))
        .collect();
    fingerprint(&(objects, nodes, selected))
}

/// What MetalLB's speakers reuse between reconciles, derived from the
/// cluster ([`super::cluster::Caches`]): dropped with everything after a
/// change the control loop does not track, per Service when one changes.
#[derive(Clone, Debug, Default)]
pub struct Caches {
    /// Every node in election order for a VIP, for `order_nodes` nodes.
    orders: BTreeMap<Ipv4Addr, Rc<Vec<String>>>,
    order_nodes: usize,
    config: Option<Rc<Config>>,
    /// Per Service, a fingerprint of the object (its slice is added to it).
    objects: BTreeMap<Key, u64>,
    /// Per Local Service, the nodes with a serving endpoint, for the slice
    /// with this digest.
    serving: BTreeMap<Key, (u64, BTreeSet<String>)>,
    /// Per Service, what follows from its object and slice as the speakers
    /// see them (for the configuration and nodes of the moment).
    derived: BTreeMap<Key, Derived>,
    /// The last [`l2_sync_pending`] found nothing to do.
    idle: bool,
}

/// What [`fill`] derives for one Service with an address.
#[derive(Clone, Debug)]
struct Derived {
    /// The object's fingerprint with its slice's (creation, digest, size).
    fingerprint: u64,
    /// Whether it has a serving endpoint anywhere.
    any_serving: bool,
    /// The leader for every speaker whose view holds all nodes.
    leader: Option<String>,
}

/// The speakers' configuration: its fingerprint, which nodes each pool's
/// L2Advertisements allow (`None`: no advertisement covers the pool), and
/// the nodes excluded from load balancers.
#[derive(Debug, Default)]
struct Config {
    fingerprint: u64,
    allowed: BTreeMap<String, Option<BTreeSet<String>>>,
    excluded: BTreeSet<String>,
}

/// Drops what the changes in `k.touched` made stale: everything after a
/// change the control loop does not track (objects, nodes), a Service's
/// fingerprint when it changed.
pub fn forget(k: &mut Cluster) {
    if k.touched.all {
        k.caches.metallb.config = None;
        k.caches.metallb.objects.clear();
        k.caches.metallb.derived.clear();
    }
    for skey in &k.touched.services {
        k.caches.metallb.objects.remove(skey);
    }
}

/// What the speakers of both modes compare with what they last saw, from
/// the caches (computed where they miss it): the configuration's
/// fingerprint, returned, and each Service's object fingerprint
/// ([`service_prints`]).
pub fn speaker_prints(k: &mut Cluster) -> u64 {
    if k.caches.metallb.config.is_none() {
        let c = Config {
            fingerprint: config_fingerprint(k),
            allowed: BTreeMap::new(),
            excluded: k.nodes.keys().filter(|n| excluded(k, n)).cloned().collect_set(),
        };
        k.caches.metallb.config = Some(Rc::new(c));
    }
    let objects = &k.caches.metallb.objects;
    let missing: Vec<(Key, u64)> = k
        .services
        .iter()
        .filter(|(key, s)| !s.ingress.is_empty() && s.pool.is_some() && !objects.contains_key(*key))
        .map(|(key, s)| (key.clone(), fingerprint(s)))
        .collect();
    k.caches.metallb.objects.extend(missing);
    k.caches.metallb.config.as_ref().expect("filled").fingerprint
}

/// Fills what the caches miss for the Services with an address.
fn fill(k: &mut Cluster) {
    if k.caches.metallb.order_nodes != k.nodes.len() {
        k.caches.metallb.orders.clear();
        k.caches.metallb.derived.clear();
        k.caches.metallb.order_nodes = k.nodes.len();
    }
    speaker_prints(k);
    let config = k.caches.metallb.config.clone().expect("filled");
    let mut pools: BTreeMap<String, Option<BTreeSet<String>>> = BTreeMap::new();
    let mut names: Option<Vec<String>> = None;
    let mut orders = Vec::new();
    let mut serving = Vec::new();
    for (key, s) in &k.services {
        let (Some(ip), Some(pool)) = (s.ingress.first(), &s.pool) else { continue };
        if !config.allowed.contains_key(pool) && !pools.contains_key(pool) {
            let ads = advertisements_for(k, "L2Advertisement", pool);
            pools.insert(pool.clone(), (!ads.is_empty()).then(|| advertised_nodes(k, &ads)));
        }
        if !k.caches.metallb.orders.contains_key(ip) {
            let names = names.get_or_insert_with(|| k.nodes.keys().cloned().collect());
            orders.push((*ip, Rc::new(election_order(names, *ip))));
        }
        if s.external_local() {
            let digest = k.slices.get(key).map(|sl| sl.digest).unwrap_or(0);
            if k.caches.metallb.serving.get(key).is_none_or(|(d, _)| *d != digest) {
                serving.push((key.clone(), (digest, nodes_with_serving_endpoints(k, key))));
            }
        }
    }
    let c = &mut k.caches.metallb;
    c.orders.extend(orders);
    c.serving.extend(serving);
    if !pools.is_empty() {
        let mut allowed = config.allowed.clone();
        allowed.extend(pools);
        c.config =
            Some(Rc::new(Config { fingerprint: config.fingerprint, allowed, excluded: config.excluded.clone() }));
    }
    // What follows from each Service's object and slice, redone when either changed.
    let config = c.config.clone().expect("filled");
    let mut derived = Vec::new();
    for (key, s) in &k.services {
        let (Some(ip), Some(pool)) = (s.ingress.first(), &s.pool) else { continue };
        let slice = k.slices.get(key);
        let print = with_slice(slice, c.objects[key]);
        if c.derived.get(key).is_some_and(|d| d.fingerprint == print) {
            continue;
        }
        let any_serving = slice.is_some_and(|sl| sl.endpoints.iter().any(|e| e.ready || e.serving));
        let serving = s.external_local().then(|| &c.serving[key].1);
        let usable = Usable { allowed: config.allowed[pool].as_ref(), serving, any_serving };
        let leader = c.orders[ip].iter().find(|n| usable.check(&config, n)).cloned();
        derived.push((key.clone(), Derived { fingerprint: print, any_serving, leader }));
    }
    k.caches.metallb.derived.extend(derived);
}

/// What makes a node able to announce one Service.
struct Usable<'a> {
    /// The nodes its pool's advertisements allow (`None`: none covers it).
    allowed: Option<&'a BTreeSet<String>>,
    /// Local: the nodes with a serving endpoint.
    serving: Option<&'a BTreeSet<String>>,
    /// Whether it has a serving endpoint anywhere.
    any_serving: bool,
}

impl Usable<'_> {
    /// Allowed by an advertisement, not excluded, and with a serving
    /// endpoint (Local) or the Service having one anywhere (Cluster).
    fn check(&self, config: &Config, n: &str) -> bool {
        self.allowed.is_some_and(|a| a.contains(n))
            && !config.excluded.contains(n)
            && match self.serving {
                Some(serving) => serving.contains(n),
                None => self.any_serving,
            }
    }
}

/// A Service with an address, as the speakers reconcile it.
struct ServiceView<'a> {
    key: &'a Key,
    ip: Ipv4Addr,
    pool: &'a str,
    fingerprint: u64,
    order: &'a [String],
    usable: Usable<'a>,
    /// The leader for every speaker whose view holds all nodes.
    leader: Option<&'a str>,
}

impl<'a> ServiceView<'a> {
    /// `ShouldAnnounce` from a speaker's memberlist view: the first usable
    /// node of the election order that the view holds.
    fn leader_in(&self, config: &Config, view: &BTreeSet<String>, all_nodes: usize) -> Option<&'a str> {
        if view.len() == all_nodes {
            // The view holds every node (views only ever hold nodes).
            return self.leader;
        }
        self.order.iter().find(|n| self.usable.check(config, n) && view.contains(*n)).map(String::as_str)
    }
}

/// The Services with an address and a pool, in key order (after [`fill`]).
fn views<'a>(k: &'a Cluster, config: &'a Config) -> Vec<ServiceView<'a>> {
    let c = &k.caches.metallb;
    let mut out = Vec::new();
    for (key, s) in &k.services {
        let (Some(ip), Some(pool)) = (s.ingress.first(), &s.pool) else { continue };
        let d = &c.derived[key];
        out.push(ServiceView {
            key,
            ip: *ip,
            pool,
            fingerprint: d.fingerprint,
            order: &c.orders[ip],
            usable: Usable {
                allowed: config.allowed[pool].as_ref(),
                serving: s.external_local().then(|| &c.serving[key].1),
                any_serving: d.any_serving,
            },
            leader: d.leader.as_deref(),
        });
    }
    out
}

/// What a live speaker does on its next reconcile: whether it reprocesses
/// every Service, and which Services (by index) `ShouldAnnounce` says it
/// leads. Only the Services it leads or announces matter for what it does.
struct SpeakerWork {
    node: String,
    resync: bool,
    leads: BTreeSet<usize>,
}

/// Every live speaker's work, in node order.
fn plan(k: &Cluster, hosts: &[Host], config: &Config, services: &[ServiceView]) -> Vec<SpeakerWork> {
    let all_nodes = k.nodes.len();
    let mut leads_full: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
    for (i, s) in services.iter().enumerate() {
        if let Some(l) = s.leader {
            leads_full.entry(l).or_default().insert(i);
        }
    }
    let mut out = Vec::new();
    for (node, speaker) in &k.speakers {
        if !speaker_alive(k, hosts, node) {
            continue;
        }
        debug_assert!(speaker.view.iter().all(|n| k.nodes.contains_key(n)), "views hold nodes");
        let leads = if speaker.view.len() == all_nodes {
            leads_full.get(node.as_str()).cloned().unwrap_or_default()
        } else {
            (0..services.len())
                .filter(|i| services[*i].leader_in(config, &speaker.view, all_nodes) == Some(node.as_str()))
                .collect_set()
        };
        let resync = speaker.force_sync || speaker.seen_config != Some(config.fingerprint);
        out.push(SpeakerWork { node: node.clone(), resync, leads });
    }
    out
}

/// Whether a speaker's seen Services differ from `services`: a changed
/// fingerprint, or one it saw that has no address any more.
fn seen_differs(seen: &BTreeMap<Key, u64>, services: &[ServiceView]) -> bool {
    seen_differs_from(seen, services.iter().map(|s| (s.key, s.fingerprint)))
}

/// Whether a speaker's seen map differs from the Services' fingerprints
/// now (listed in key order).
pub fn seen_differs_from<'a>(seen: &BTreeMap<Key, u64>, now: impl Iterator<Item = (&'a Key, u64)>) -> bool {
    !now.map(|(key, print)| (key.as_str(), print)).eq(seen.iter().map(|(key, print)| (key.as_str(), *print)))
}

/// Whether some speaker has something to reconcile (or a dead one still
/// holds announcements): a forced or configuration resync, a Service whose
/// object or slice it has not seen (or that lost its address), or one
/// whose `ShouldAnnounce` disagrees with what it announces.
pub fn l2_sync_pending(k: &mut Cluster, hosts: &[Host]) -> bool {
    // Nothing a speaker reconciles from changed since it last found nothing:
    // no object, node or host (those touch everything), no Service or pod
    // (slices), no memberlist view and no announcement.
    let t = &k.touched;
    let quiet = !t.all && !t.announcers && !t.speakers && t.services.is_empty() && t.pods.is_empty();
    if quiet && k.caches.metallb.idle {
        return false;
    }
    let pending = sync_pending(k, hosts);
    k.caches.metallb.idle = !pending;
    pending
}

fn sync_pending(k: &mut Cluster, hosts: &[Host]) -> bool {
    let dead_holding = k.speakers.iter().any(|(n, s)| !s.announcing.is_empty() && !speaker_alive(k, hosts, n));
    if dead_holding {
        return true;
    }
    fill(k);
    let k = &*k;
    let config = k.caches.metallb.config.as_deref().expect("filled");
    // A forced or configuration resync settles it before any Service is looked at.
    let resync = |(n, s): (&String, &super::cluster::Speaker)| {
        (s.force_sync || s.seen_config != Some(config.fingerprint)) && speaker_alive(k, hosts, n)
    };
    if k.speakers.iter().any(resync) {
        return true;
    }
    let services = views(k, config);
    let index: BTreeSet<&str> = services.iter().map(|s| s.key.as_str()).collect_set();
    // Speakers mostly share one seen map: compare each distinct one once.
    let mut compared: BTreeMap<*const BTreeMap<Key, u64>, bool> = BTreeMap::new();
    plan(k, hosts, config, &services).iter().any(|w| {
        let s = &k.speakers[&w.node];
        let differs = *compared.entry(Rc::as_ptr(&s.seen)).or_insert_with(|| seen_differs(&s.seen, &services));
        let announcing = s.announcing.keys().filter(|key| index.contains(key.as_str())).count();
        w.resync
            || differs
            || announcing != w.leads.len()
            || w.leads.iter().any(|i| !s.announcing.contains_key(services[*i].key))
    })
}

/// What a speaker does to one Service in a sync.
struct Act {
    key: Key,
    ip: Ipv4Addr,
    pool: String,
    announce: bool,
}

/// Every live speaker reconciles what changed. A leader's reconcile is a
/// `SetBalancer` (logged `serviceAnnounced`, event `nodeAssigned`); the VIPs
/// it (re)announced are returned with their node, for the announcer's loop.
/// Afterwards every live speaker has seen every Service as it is now.
pub fn l2_sync(k: &mut Cluster, hosts: &[Host], cx: &mut Ctx) -> Vec<(String, Ipv4Addr)> {
    let now = cx.now;
    fill(k);
    let config = k.caches.metallb.config.clone().expect("filled");
    // What each live speaker does, decided on the cluster as it is.
    let (seen, acts, fingerprint) = {
        let k = &*k;
        let services = views(k, &config);
        let seen: Rc<BTreeMap<Key, u64>> =
            Rc::new(services.iter().map(|s| (s.key.clone(), s.fingerprint)).collect_map());
        let mut acts: Vec<(String, bool, Vec<Act>)> = Vec::new();
        for w in plan(k, hosts, &config, &services) {
            let speaker = &k.speakers[&w.node];
            // Services it saw that have no address any more leave its announcements first.
            let announces = |key: &Key| speaker.announcing.contains_key(key) && seen.contains_key(key);
            let mut of: BTreeSet<usize> = w.leads.clone();
            of.extend(
                services.iter().enumerate().filter(|(_, s)| speaker.announcing.contains_key(s.key)).map(|(i, _)| i),
            );
            let mut list = Vec::new();
            for i in of {
                let s = &services[i];
                let should = w.leads.contains(&i);
                let reconcile =
                    w.resync || speaker.seen.get(s.key) != Some(&s.fingerprint) || should != announces(s.key);
                if reconcile && (should || announces(s.key)) {
                    list.push(Act { key: s.key.clone(), ip: s.ip, pool: s.pool.to_string(), announce: should });
                }
            }
            acts.push((w.node, w.resync, list));
        }
        (seen, acts, config.fingerprint)
    };
    // Services that left the view (deleted, or without an address now), and
    // why: a speaker that announced one withdraws it with that reason.
    let gone: Vec<(Key, Withdrawal)> = {
        let mut keys: BTreeSet<&Key> = BTreeSet::new();
        for s in k.speakers.values() {
            keys.extend(s.seen.keys().filter(|key| !seen.contains_key(*key)));
        }
        keys.into_iter().map(|key| (key.clone(), Withdrawal::of_gone(k, key))).collect()
    };
    // A dead speaker's process took its announcements with it.
    let dead: Vec<String> = k.speakers.keys().filter(|n| !speaker_alive(k, hosts, n)).cloned().collect();
    for n in dead {
        k.speakers.get_mut(&n).expect("listed").announcing.clear();
    }
    let mut announced = Vec::new();
    for (node, _, list) in acts {
        let speaker = k.speakers.get_mut(&node).expect("planned");
        speaker.force_sync = false;
        speaker.seen_config = Some(fingerprint);
        speaker.seen = seen.clone();
        let mut lines = Vec::new();
        for (key, why) in &gone {
            if let Some(ip) = speaker.announcing.remove(key) {
                lines.push(withdrawn_line(now, ip, "", *why, Protocol::Layer2));
            }
        }
        let mut assigned = Vec::new();
        for a in list {
            if a.announce {
                let old = speaker.announcing.insert(a.key.clone(), a.ip);
                if let Some(old) = old.filter(|old| *old != a.ip) {
                    lines.push(withdrawn_line(now, old, &a.pool, Withdrawal::IpChanged(a.ip), Protocol::Layer2));
                }
                announced.push((node.clone(), a.ip));
                lines.push(announced_line(now, a.ip, &a.pool, Protocol::Layer2));
                assigned.push(a.key);
            } else if let Some(old) = speaker.announcing.remove(&a.key) {
                // A changed address is withdrawn as such before the election
                // is asked, which then finds nothing announced to withdraw.
                let why =
                    if old != a.ip { Withdrawal::IpChanged(a.ip) } else { Withdrawal::Declined(Refusal::NotOwner) };
                lines.push(withdrawn_line(now, old, &a.pool, why, Protocol::Layer2));
            }
        }
        for line in lines {
            cx.record(Kind::Log { host: node.as_str().into(), component: "speaker".into(), line: line.clone() });
            k.logs.push(LogLine { at: now, node: node.clone(), component: "speaker".into(), line });
        }
        for key in assigned {
            node_assigned(k, now, &key, &node, Protocol::Layer2);
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
