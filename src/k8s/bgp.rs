//! BGP mode: every node's speaker peers with the router and advertises
//! each VIP as a /32 where the BGP controller's `ShouldAnnounce` allows it
//! (MetalLB 0.14.9 speaker/bgp_controller.go): a BGPAdvertisement of the
//! pool selects the node, the node is neither cordoned nor labelled
//! `node.kubernetes.io/exclude-from-external-load-balancers`, and an
//! endpoint can serve (Cluster policy: anywhere; Local: on that node). The
//! router installs one route per VIP with all advertising nodes as ECMP
//! next hops and hashes flows across them. A dead node's routes stay until
//! the router's hold timer expires; a speaker that stops cleanly closes its
//! connection at once. Sessions, messages and timers are modelled as state,
//! not as BGP bytes on the wire.
//!
//! The speakers also reconcile Services as MetalLB's do (speaker/main.go
//! `SetBalancer` -> `handleService` with protocol `bgp`): on every reconcile
//! of a Service it may announce, a speaker logs `updatedAdvertisements` and
//! `serviceAnnounced` and records `nodeAssigned`; when it stops, it logs
//! `serviceWithdrawn` with the refusal. Its session lines are those of
//! MetalLB's native BGP implementation (internal/bgp/native, the default
//! when `METALLB_BGP_TYPE` is unset).

use super::cluster::{BgpSession, BgpState, Cluster, Key, LogLine};
use super::control::Plane;
use super::metallb::{self, Protocol, Refusal, Withdrawal};
use super::objects::Manifest;
use crate::engine::ControlEvent;
use crate::engine::Event;
use crate::engine::trace::Kind;
use crate::k8s::cluster::{AnnounceKind, LoadBalancerKind};
use crate::net::Cidr;
use crate::net::host::{Role, Route, RouteOrigin};
use crate::sort::{Collect, Sort};
use crate::time::{Duration, Instant};
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::rc::Rc;

/// MetalLB's default hold time (BGPPeer `holdTime`), keepalives at a third of it.
pub const DEFAULT_HOLD_TIME: Duration = Duration::from_secs(90);
/// The hold time the router's OPEN offers: FRR's default
/// (`BGP_DEFAULT_HOLDTIME`, bgpd/bgpd.h, the `traditional` defaults profile).
pub const ROUTER_HOLD_TIME: Duration = Duration::from_secs(180);

/// The session's hold time: the lower of the two OPENs' (RFC 4271 §4.2;
/// `actualHoldTime` in MetalLB 0.14.9's native.go `connect`, FRR's
/// `bgp_open_receive`). 0 means no keepalives and no hold timer.
fn negotiated_hold_time(requested: Duration) -> Duration {
    requested.min(ROUTER_HOLD_TIME)
}
/// TCP connect plus OPEN/KEEPALIVE exchange.
pub const SESSION_SETUP: Duration = Duration::from_secs(1);
/// The port a BGPPeer is dialled on (`spec.port`, default 179).
const BGP_PORT: u16 = 179;

/// The router's name and address, if the LAN has one.
fn router(p: &Plane) -> Option<(usize, Ipv4Addr)> {
    p.hosts.iter().find(|h| h.role == Role::Router).and_then(|h| Some((h.id, h.primary_ip()?)))
}

/// The peer a node's session talks to.
struct Peer {
    name: String,
    addr: Ipv4Addr,
    my_asn: u32,
    peer_asn: u32,
    hold: Duration,
}

fn is_metallb(k: &Cluster) -> bool {
    k.config.load_balancer == LoadBalancerKind::Metallb
}

/// The session parameters for a node: from a BGPPeer whose peerAddress is
/// the router and whose nodeSelectors match. MetalLB without a BGPPeer
/// opens no session (`syncPeers` has no peer to start); the Cilium-style
/// setup (another load balancer) peers with the router by default.
fn peer_for(k: &Cluster, node: &str, router_ip: Ipv4Addr) -> Option<Peer> {
    let peers = k.objects_of("BGPPeer");
    if peers.is_empty() && !is_metallb(k) {
        let hold = negotiated_hold_time(DEFAULT_HOLD_TIME);
        return Some(Peer { name: "router".into(), addr: router_ip, my_asn: 0, peer_asn: 0, hold });
    }
    let labels = &k.nodes.get(node)?.labels;
    peers.iter().find_map(|s| match &s.manifest {
        Manifest::BGPPeer { metadata, spec, .. } => {
            let addr_ok = spec.peer_address.parse::<Ipv4Addr>().ok() == Some(router_ip);
            let node_ok = spec.node_selectors.is_empty() || spec.node_selectors.iter().any(|sel| sel.matches(labels));
            let requested = spec.requested_hold_time().map(Duration::from_secs).unwrap_or(DEFAULT_HOLD_TIME);
            let hold = negotiated_hold_time(requested);
            (addr_ok && node_ok).then(|| Peer {
                name: metadata.name.clone(),
                addr: router_ip,
                my_asn: spec.my_asn,
                peer_asn: spec.peer_asn,
                hold,
            })
        }
        _ => None,
    })
}

/// Whether a BGPPeer for the router exists (so a node without a session
/// is filtered out by its nodeSelectors rather than unconfigured).
fn peer_configured(k: &Cluster, router_ip: Ipv4Addr) -> bool {
    k.objects_of("BGPPeer").iter().any(|s| match &s.manifest {
        Manifest::BGPPeer { spec, .. } => spec.peer_address.parse::<Ipv4Addr>().ok() == Some(router_ip),
        _ => false,
    })
}

/// Appends a line to a node's speaker log (and the trace).
fn log(p: &mut Plane, node: &str, line: String) {
    let now = p.cx.now;
    p.cx.record(Kind::Log { host: node.into(), component: "speaker".into(), line: line.clone() });
    p.k.logs.push(LogLine { at: now, node: node.to_string(), component: "speaker".into(), line });
}

/// `peerAdded`, when the speaker starts a session for a configured peer
/// (speaker/bgp_controller.go `syncPeers`, line 229 of 0.14.9).
fn peer_added_line(now: Instant, peer: Ipv4Addr) -> String {
    format!(
        "{{\"caller\":\"bgp_controller.go:229\",\"event\":\"peerAdded\",\"level\":\"info\",\"msg\":\"peer configured, starting BGP session\",\"peer\":\"{peer}\",\"ts\":\"{}\"}}",
        super::timestamp(now)
    )
}

/// `peerRemoved`: the BGPPeer is gone (`SetConfig`, line 102) or no
/// longer selects this node (`syncPeers`, line 221).
fn peer_removed_line(now: Instant, peer: Ipv4Addr, filtered: bool) -> String {
    let (line, reason) = if filtered { (221, "filteredByNodeSelector") } else { (102, "removedFromConfig") };
    format!(
        "{{\"caller\":\"bgp_controller.go:{line}\",\"event\":\"peerRemoved\",\"level\":\"info\",\"msg\":\"peer deconfigured, closing BGP session\",\"peer\":\"{peer}\",\"reason\":\"{reason}\",\"ts\":\"{}\"}}",
        super::timestamp(now)
    )
}

/// The native session's `sessionUp` (info, internal/bgp/native/native.go
/// `run`, line 117 of 0.14.9) and `sessionDown` (warn, line 123); the
/// session's logger carries the peer as dialled and both ASNs.
fn session_line(now: Instant, s: &BgpSession, up: bool) -> String {
    let (line, event, level, msg) = if up {
        (117, "sessionUp", "info", "BGP session established")
    } else {
        (123, "sessionDown", "warn", "BGP session down")
    };
    format!(
        "{{\"caller\":\"native.go:{line}\",\"event\":\"{event}\",\"level\":\"{level}\",\"localASN\":{},\"msg\":\"{msg}\",\"peer\":\"{}:{BGP_PORT}\",\"peerASN\":{},\"ts\":\"{}\"}}",
        s.my_asn,
        s.peer_addr,
        s.peer_asn,
        super::timestamp(now)
    )
}

/// Keeps every live speaker's session in line with the BGPPeer objects: a
/// speaker with no session (peers applied after it started) opens one, and
/// a changed holdTime applies to the session; a peer that no longer applies
/// closes it.
fn configure_sessions(p: &mut Plane) {
    let Some((_, rip)) = router(p) else { return };
    let nodes: Vec<String> = p.k.nodes.keys().cloned().collect();
    for node in nodes {
        if !metallb::speaker_alive(p.k, p.hosts, &node) {
            continue;
        }
        let configured = p.k.bgp.contains_key(&node);
        match (peer_for(p.k, &node, rip), configured) {
            (Some(peer), true) => {
                let s = p.k.bgp.get_mut(&node).expect("configured");
                s.peer = peer.name;
                s.hold_time = peer.hold;
            }
            (Some(_), false) => speaker_started(p, &node),
            (None, true) => {
                if is_metallb(p.k) {
                    let filtered = peer_configured(p.k, rip);
                    let line = peer_removed_line(p.cx.now, rip, filtered);
                    log(p, &node, line);
                }
                if p.k.bgp[&node].state == BgpState::Established {
                    close(p, &node, "TCP connection closed: peer deconfigured");
                }
                p.k.bgp.remove(&node);
            }
            (None, false) => {}
        }
    }
}

/// A speaker (re)started, or its node came back on the network: it opens
/// its session to the router. A partitioned speaker that kept running finds
/// its session as it left it (the router still holds it within the hold
/// time) or, if the router dropped it, logs `sessionDown` and reconnects.
pub fn speaker_started(p: &mut Plane, node: &str) {
    if p.k.config.announce != AnnounceKind::Bgp {
        return;
    }
    let Some((_, rip)) = router(p) else { return };
    let Some(peer) = peer_for(p.k, node, rip) else { return };
    let now = p.cx.now;
    let s = p.k.bgp.entry(node.to_string()).or_insert(BgpSession {
        state: BgpState::Idle,
        since: now,
        hold_time: peer.hold,
        peer: peer.name.clone(),
        generation: 0,
        advertised: BTreeSet::new(),
        cut_off: false,
        peer_addr: peer.addr,
        my_asn: peer.my_asn,
        peer_asn: peer.peer_asn,
    });
    let healed = std::mem::take(&mut s.cut_off);
    (s.peer, s.hold_time, s.peer_addr, s.my_asn, s.peer_asn) =
        (peer.name, peer.hold, peer.addr, peer.my_asn, peer.peer_asn);
    // Cancels a pending hold-timer expiry: the router hears it again.
    s.generation += 1;
    if s.state == BgpState::Established {
        return;
    }
    let generation = s.generation;
    let line = if healed { session_line(now, s, false) } else { peer_added_line(now, peer.addr) };
    p.cx.schedule(now + SESSION_SETUP, Event::Control(ControlEvent::BgpOpen { node: node.to_string(), generation }));
    if is_metallb(p.k) {
        log(p, node, line);
    }
}

pub fn open(p: &mut Plane, node: &str, generation: u64) {
    let now = p.cx.now;
    let alive = metallb::speaker_alive(p.k, p.hosts, node);
    let Some(s) = p.k.bgp.get_mut(node) else { return };
    if s.generation != generation || !alive || s.state == BgpState::Established {
        return;
    }
    s.state = BgpState::Established;
    s.since = now;
    let peer = s.peer.clone();
    let line = session_line(now, s, true);
    p.cx.record(Kind::Bgp {
        host: node.into(),
        peer: peer.as_str().into(),
        state: "Established".into(),
        reason: "OPEN exchanged".into(),
    });
    if is_metallb(p.k) {
        log(p, node, line);
    }
}

/// A speaker died or was cut off. A clean stop closes the connection now
/// (the native session's `Close` aborts it without a NOTIFICATION); a
/// dead or unreachable node goes silent and the router notices only when
/// its hold timer expires (no keepalive for `holdTime`).
pub fn speaker_lost(p: &mut Plane, node: &str, graceful: bool) {
    let now = p.cx.now;
    let running = p.k.nodes.get(node).is_some_and(|n| n.agent_running && p.hosts[n.host].up);
    let Some(s) = p.k.bgp.get_mut(node) else { return };
    s.cut_off = !graceful && running;
    if s.state != BgpState::Established {
        return;
    }
    s.generation += 1;
    let generation = s.generation;
    if graceful {
        close(p, node, "TCP connection closed: the speaker stopped");
        return;
    }
    // A hold time of 0: no keepalives are expected and no hold timer runs
    // (RFC 4271 §4.2), so the router keeps the silent node's routes.
    if s.hold_time == Duration::ZERO {
        return;
    }
    let keepalive = Duration::from_nanos((s.hold_time.as_nanos() / 3).max(1));
    let since_last = now.saturating_since(s.since).as_nanos() % keepalive.as_nanos();
    let last = now.saturating_sub(Duration::from_nanos(since_last));
    let expiry = (last + s.hold_time).max(now);
    p.cx.schedule(expiry, Event::Control(ControlEvent::BgpHoldExpired { node: node.to_string(), generation }));
}

pub fn hold_expired(p: &mut Plane, node: &str, generation: u64) {
    if p.k.bgp.get(node).is_some_and(|s| s.generation == generation && s.state == BgpState::Established) {
        close(p, node, "hold timer expired");
    }
}

fn close(p: &mut Plane, node: &str, reason: &str) {
    let now = p.cx.now;
    let Some(s) = p.k.bgp.get_mut(node) else { return };
    s.state = BgpState::Idle;
    s.since = now;
    s.advertised.clear();
    let peer = s.peer.clone();
    p.cx.record(Kind::Bgp {
        host: node.into(),
        peer: peer.as_str().into(),
        state: "Idle".into(),
        reason: reason.into(),
    });
}

/// What the BGP controller's `ShouldAnnounce` weighs, computed once per
/// pass: per pool, how many of its BGPAdvertisements select each node; the
/// nodes that are cordoned or excluded; per Service, the nodes where an
/// endpoint can serve.
struct Eligibility {
    ads: BTreeMap<String, BTreeMap<String, usize>>,
    unschedulable: BTreeSet<String>,
    excluded: BTreeSet<String>,
    serving: BTreeMap<Key, BTreeSet<String>>,
}

impl Eligibility {
    fn of(k: &Cluster) -> Eligibility {
        let mut ads: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
        let mut serving = BTreeMap::new();
        for s in k.services.values().filter(|s| !s.ingress.is_empty()) {
            let pool = s.pool.clone().unwrap_or_default();
            if let std::collections::btree_map::Entry::Vacant(e) = ads.entry(pool) {
                let mut per_node: BTreeMap<String, usize> = BTreeMap::new();
                for ad in metallb::advertisements_for(k, "BGPAdvertisement", e.key()) {
                    for n in metallb::advertised_nodes(k, &[ad]) {
                        *per_node.entry(n).or_default() += 1;
                    }
                }
                e.insert(per_node);
            }
            serving.insert(s.key(), metallb::nodes_with_serving_endpoints(k, &s.key()));
        }
        Eligibility {
            ads,
            unschedulable: k.nodes.values().filter(|n| n.unschedulable).map(|n| n.name.clone()).collect(),
            excluded: k.nodes.keys().filter(|n| metallb::excluded(k, n)).cloned().collect(),
            serving,
        }
    }

    /// `ShouldAnnounce` for a Service with an address on `node`, checked in
    /// the controller's order; `Ok` carries `numAds` (one address: one
    /// advertisement per BGPAdvertisement of the pool selecting the node).
    fn should_announce(&self, node: &str, key: &Key, pool: &str, local: bool) -> Result<usize, Refusal> {
        let ads = self.ads.get(pool).and_then(|a| a.get(node)).copied().unwrap_or(0);
        if ads == 0 {
            return Err(Refusal::NotOwner);
        }
        if self.unschedulable.contains(node) {
            return Err(Refusal::NodeUnschedulable);
        }
        if self.excluded.contains(node) {
            return Err(Refusal::NodeExcluded);
        }
        let serving = self.serving.get(key);
        if local && !serving.is_some_and(|s| s.contains(node)) {
            return Err(Refusal::NoLocalEndpoints);
        }
        if serving.is_none_or(|s| s.is_empty()) {
            return Err(Refusal::NoEndpoints);
        }
        Ok(ads)
    }
}

/// A Service with an address as the speakers reconcile it.
struct ServiceView {
    key: Key,
    ip: Ipv4Addr,
    pool: String,
    local: bool,
    fingerprint: u64,
}

fn service_views(k: &Cluster) -> Vec<ServiceView> {
    k.services
        .values()
        .filter_map(|s| {
            Some(ServiceView {
                key: s.key(),
                ip: *s.ingress.first()?,
                pool: s.pool.clone()?,
                local: s.external_local(),
                fingerprint: metallb::service_fingerprint(k, s),
            })
        })
        .collect()
}

/// Whether a live MetalLB speaker has Services to reconcile: a forced or
/// configuration resync, or a Service (or its EndpointSlice) it has not
/// seen as it is now.
pub fn sync_pending(p: &Plane) -> bool {
    if !is_metallb(p.k) {
        return false;
    }
    let config = metallb::config_fingerprint(p.k);
    let services = service_views(p.k);
    let differs = |seen: &BTreeMap<Key, u64>| {
        seen.len() != services.len()
            || services.iter().zip(seen).any(|(s, (key, print))| *key != s.key || *print != s.fingerprint)
    };
    p.k.speakers.iter().any(|(node, s)| {
        metallb::speaker_alive(p.k, p.hosts, node)
            && (s.force_sync || s.seen_config != Some(config) || differs(&s.seen))
    })
}

/// Every live MetalLB speaker reconciles what changed, with protocol `bgp`
/// (speaker/main.go `SetBalancer`, `handleService`, 0.14.9): a Service it
/// saw that lost its address or was deleted is withdrawn with that reason;
/// an address change withdraws the old one first; then `ShouldAnnounce`
/// (warning when the node itself is the reason) either leads to
/// `SetBalancer` (`updatedAdvertisements`, `serviceAnnounced`,
/// `nodeAssigned`) or withdraws a Service it announced with the refusal.
pub fn speakers_sync(p: &mut Plane) {
    if !is_metallb(p.k) {
        return;
    }
    let now = p.cx.now;
    let config = metallb::config_fingerprint(p.k);
    let services = service_views(p.k);
    let elig = Eligibility::of(p.k);
    let seen: Rc<BTreeMap<Key, u64>> = Rc::new(services.iter().map(|s| (s.key.clone(), s.fingerprint)).collect_map());
    let nodes: Vec<String> = p.k.speakers.keys().cloned().collect();
    for node in nodes {
        if !metallb::speaker_alive(p.k, p.hosts, &node) {
            continue;
        }
        let speaker = &p.k.speakers[&node];
        let resync = speaker.force_sync || speaker.seen_config != Some(config);
        let mut lines = Vec::new();
        let mut announcing = speaker.announcing.clone();
        let gone: Vec<Key> = announcing.keys().filter(|key| !seen.contains_key(*key)).cloned().collect();
        for key in gone {
            let ip = announcing.remove(&key).expect("listed");
            lines.push(metallb::withdrawn_line(now, ip, "", Withdrawal::of_gone(p.k, &key), Protocol::Bgp));
        }
        let mut assigned = Vec::new();
        for s in &services {
            let changed = speaker.seen.get(&s.key) != Some(&s.fingerprint);
            if !(resync || changed) {
                continue;
            }
            if let Some(old) = announcing.get(&s.key).copied().filter(|old| *old != s.ip) {
                announcing.remove(&s.key);
                lines.push(metallb::withdrawn_line(now, old, &s.pool, Withdrawal::IpChanged(s.ip), Protocol::Bgp));
            }
            match elig.should_announce(&node, &s.key, &s.pool, s.local) {
                Ok(ads) => {
                    announcing.insert(s.key.clone(), s.ip);
                    lines.push(metallb::updated_advertisements_line(now, s.ip, &s.pool, ads));
                    lines.push(metallb::announced_line(now, s.ip, &s.pool, Protocol::Bgp));
                    assigned.push(s.key.clone());
                }
                Err(why) => {
                    lines.extend(metallb::skipping_line(now, s.ip, &s.pool, &s.key, why));
                    if let Some(ip) = announcing.remove(&s.key) {
                        lines.push(metallb::withdrawn_line(now, ip, &s.pool, Withdrawal::Declined(why), Protocol::Bgp));
                    }
                }
            }
        }
        let speaker = p.k.speakers.get_mut(&node).expect("listed");
        speaker.announcing = announcing;
        speaker.seen = seen.clone();
        speaker.seen_config = Some(config);
        speaker.force_sync = false;
        for line in lines {
            log(p, &node, line);
        }
        for key in assigned {
            metallb::node_assigned(p.k, now, &key, &node, Protocol::Bgp);
        }
    }
}

/// Recomputes what each live speaker advertises and the router's routes.
pub fn reconcile(p: &mut Plane) {
    configure_sessions(p);
    let services: Vec<(String, Ipv4Addr, String, bool)> = p
        .k
        .services
        .values()
        .filter_map(|s| Some((s.key(), *s.ingress.first()?, s.pool.clone().unwrap_or_default(), s.external_local())))
        .collect();
    let elig = Eligibility::of(p.k);
    let metallb = is_metallb(p.k);
    let nodes: Vec<String> = p.k.bgp.keys().cloned().collect();
    for node in nodes {
        // A dead speaker sends no UPDATE: the router keeps what it last heard.
        if !metallb::speaker_alive(p.k, p.hosts, &node) {
            continue;
        }
        let session_peer = p.k.bgp.get(&node).map(|s| s.peer.clone()).unwrap_or_default();
        let mut adv = BTreeSet::new();
        for (skey, ip, pool, local) in &services {
            if metallb {
                if elig.should_announce(&node, skey, pool, *local).is_ok() {
                    adv.extend(metallb_prefixes(p.k, &node, &session_peer, *ip, pool));
                }
            } else {
                // The Cilium-style setup advertises every LoadBalancer IP
                // with a serving endpoint (on this node, for Local).
                let ready = &elig.serving[skey];
                if if *local { ready.contains(&node) } else { !ready.is_empty() } {
                    adv.insert(Cidr::host(*ip));
                }
            }
        }
        if let Some(s) = p.k.bgp.get_mut(&node)
            && s.state == BgpState::Established
        {
            s.advertised = adv;
        }
    }
    install_routes(p);
}

/// What a node's speaker sends one peer for an address (MetalLB 0.14.9
/// speaker/bgp_controller.go `SetBalancer`): one advertisement per
/// BGPAdvertisement of the pool that selects the node, its prefix the
/// address masked to `aggregationLength` (default 32), kept for this peer
/// only when the advertisement names no `peers` or names it
/// (`adsForPeer`, internal/bgp/bgp.go `MatchesPeer`: BGPPeer names).
fn metallb_prefixes(k: &Cluster, node: &str, peer: &str, ip: Ipv4Addr, pool: &str) -> Vec<Cidr> {
    metallb::advertisements_for(k, "BGPAdvertisement", pool)
        .into_iter()
        .filter_map(|ad| match ad {
            Manifest::BGPAdvertisement { spec, .. } => {
                let selects = metallb::advertised_nodes(k, &[ad]).contains(node);
                let for_peer = spec.peers.is_empty() || spec.peers.iter().any(|p| p == peer);
                let length = spec.aggregation_length.unwrap_or(32).min(32);
                (selects && for_peer).then(|| {
                    let prefix = Cidr::new(ip, length);
                    Cidr::new(prefix.network(), length)
                })
            }
            _ => None,
        })
        .collect()
}

/// The router's BGP routes: one per advertised prefix, next hops sorted by address.
fn install_routes(p: &mut Plane) {
    let Some((rid, _)) = router(p) else { return };
    let mut want: BTreeMap<Cidr, Vec<Ipv4Addr>> = BTreeMap::new();
    for (node, s) in &p.k.bgp {
        if s.state != BgpState::Established {
            continue;
        }
        let Some(nip) = p.k.nodes.get(node).map(|n| n.ip) else { continue };
        for vip in &s.advertised {
            want.entry(*vip).or_default().push(nip);
        }
    }
    for hops in want.values_mut() {
        hops.stable_sort();
    }
    let router = &mut p.hosts[rid];
    let have: BTreeMap<Cidr, Vec<Ipv4Addr>> =
        router.routes.iter().filter(|r| r.origin == RouteOrigin::Bgp).map(|r| (r.dst, r.via.clone())).collect_map();
    if have == want {
        return;
    }
    router.routes.retain(|r| r.origin != RouteOrigin::Bgp);
    for (vip, hops) in &want {
        router.routes.push(Route { dst: *vip, via: hops.clone(), iface: 0, origin: RouteOrigin::Bgp });
    }
    let name = router.name.clone();
    let vips: BTreeSet<Cidr> = have.keys().chain(want.keys()).copied().collect_set();
    for vip in vips {
        let (old, new) = (have.get(&vip), want.get(&vip));
        if old != new {
            let reason = match (old, new) {
                (None, Some(_)) => "installed",
                (Some(_), None) => "withdrawn",
                _ => "next hops changed (ECMP rehash)",
            };
            p.cx.record(Kind::Route {
                host: name.clone(),
                prefix: vip.to_string(),
                next_hops: new.cloned().unwrap_or_default(),
                reason: reason.into(),
            });
        }
    }
}

/// When a session has been up since, for `show bgp summary`.
pub fn uptime(s: &BgpSession, now: Instant) -> Duration {
    now.saturating_since(s.since)
}
