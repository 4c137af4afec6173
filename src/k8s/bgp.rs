//! BGP mode: every node's speaker peers with the router and advertises
//! each VIP as a /32 (Cluster policy: every node; Local: only nodes with a
//! ready local endpoint; with MetalLB never a node labelled
//! `node.kubernetes.io/exclude-from-external-load-balancers`). The router installs one route per VIP with all
//! advertising nodes as ECMP next hops and hashes flows across them. A dead
//! node's routes stay until the router's hold timer expires; a speaker
//! that stops cleanly closes its session at once. Sessions, messages and
//! timers are modelled as state, not as BGP bytes on the wire.

use super::cluster::{BgpSession, BgpState, Cluster};
use super::control::Plane;
use super::metallb;
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

/// MetalLB's default hold time (BGPPeer `holdTime`), keepalives at a third of it.
pub const DEFAULT_HOLD_TIME: Duration = Duration::from_secs(90);
/// TCP connect plus OPEN/KEEPALIVE exchange.
pub const SESSION_SETUP: Duration = Duration::from_secs(1);

/// The router's name and address, if the LAN has one.
fn router(p: &Plane) -> Option<(usize, Ipv4Addr)> {
    p.hosts.iter().find(|h| h.role == Role::Router).and_then(|h| Some((h.id, h.primary_ip()?)))
}

/// The session parameters for a node: from a BGPPeer whose peerAddress is
/// the router and whose nodeSelectors match, or (no BGPPeer at all) a
/// default session with the router.
fn peer_for(k: &Cluster, node: &str, router_ip: Ipv4Addr) -> Option<(String, Duration)> {
    let peers = k.objects_of("BGPPeer");
    if peers.is_empty() {
        return Some(("router".into(), DEFAULT_HOLD_TIME));
    }
    let labels = &k.nodes.get(node)?.labels;
    peers.iter().find_map(|s| match &s.manifest {
        Manifest::BGPPeer { metadata, spec, .. } => {
            let addr_ok = spec.peer_address.parse::<Ipv4Addr>().ok() == Some(router_ip);
            let node_ok = spec.node_selectors.is_empty() || spec.node_selectors.iter().any(|sel| sel.matches(labels));
            let hold = spec.hold_time.as_deref().and_then(|h| Duration::parse(h).ok()).unwrap_or(DEFAULT_HOLD_TIME);
            (addr_ok && node_ok).then(|| (metadata.name.clone(), hold))
        }
        _ => None,
    })
}

/// Keeps every live speaker's session in line with the BGPPeer objects: a
/// speaker with no session (peers applied after it started) opens one, and
/// a changed holdTime applies to the session.
fn configure_sessions(p: &mut Plane) {
    let Some((_, rip)) = router(p) else { return };
    let nodes: Vec<String> = p.k.nodes.keys().cloned().collect();
    for node in nodes {
        if !metallb::speaker_alive(p.k, p.hosts, &node) {
            continue;
        }
        match (peer_for(p.k, &node, rip), p.k.bgp.get_mut(&node)) {
            (Some((peer, hold)), Some(s)) => {
                s.peer = peer;
                s.hold_time = hold;
            }
            (Some(_), None) => speaker_started(p, &node),
            (None, Some(_)) => {
                p.k.bgp.remove(&node);
            }
            (None, None) => {}
        }
    }
}

/// A speaker (re)started: it opens its session to the router.
pub fn speaker_started(p: &mut Plane, node: &str) {
    if p.k.config.announce != AnnounceKind::Bgp {
        return;
    }
    let Some((_, rip)) = router(p) else { return };
    let Some((peer, hold)) = peer_for(p.k, node, rip) else { return };
    let now = p.cx.now;
    let s = p.k.bgp.entry(node.to_string()).or_insert(BgpSession {
        state: BgpState::Idle,
        since: now,
        hold_time: hold,
        peer,
        generation: 0,
        advertised: BTreeSet::new(),
    });
    s.generation += 1;
    let generation = s.generation;
    p.cx.schedule(now + SESSION_SETUP, Event::Control(ControlEvent::BgpOpen { node: node.to_string(), generation }));
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
    p.cx.record(Kind::Bgp {
        host: node.into(),
        peer: peer.as_str().into(),
        state: "Established".into(),
        reason: "OPEN exchanged".into(),
    });
}

/// A speaker died or was cut off. A clean stop closes the session now; a
/// dead or unreachable node goes silent and the router notices only when
/// its hold timer expires (no keepalive for `holdTime`).
pub fn speaker_lost(p: &mut Plane, node: &str, graceful: bool) {
    let now = p.cx.now;
    let Some(s) = p.k.bgp.get_mut(node) else { return };
    if s.state != BgpState::Established {
        return;
    }
    s.generation += 1;
    let generation = s.generation;
    if graceful {
        close(p, node, "NOTIFICATION Cease: peer de-configured");
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

/// Recomputes what each live speaker advertises and the router's routes.
pub fn reconcile(p: &mut Plane) {
    configure_sessions(p);
    let services: Vec<(String, Ipv4Addr, String, bool)> = p
        .k
        .services
        .values()
        .filter_map(|s| Some((s.key(), *s.ingress.first()?, s.pool.clone().unwrap_or_default(), s.external_local())))
        .collect();
    let nodes: Vec<String> = p.k.bgp.keys().cloned().collect();
    for node in nodes {
        // A dead speaker sends no UPDATE: the router keeps what it last heard.
        if !metallb::speaker_alive(p.k, p.hosts, &node) {
            continue;
        }
        // A MetalLB speaker on an excluded node withdraws everything
        // (speaker/bgp_controller.go `ShouldAnnounce`: nodeLabeledExcludeBalancers).
        let excluded = p.k.config.load_balancer == LoadBalancerKind::Metallb && metallb::excluded(p.k, &node);
        let mut adv = BTreeSet::new();
        for (skey, ip, pool, local) in services.iter().filter(|_| !excluded) {
            let ads = if p.k.objects_of("BGPPeer").is_empty() && p.k.objects_of("BGPAdvertisement").is_empty() {
                // No MetalLB BGP objects: a Cilium-style setup advertising every LoadBalancer IP.
                true
            } else {
                let ads = metallb::advertisements_for(p.k, "BGPAdvertisement", pool);
                !ads.is_empty() && metallb::advertised_nodes(p.k, &ads).contains(&node)
            };
            let ready = metallb::nodes_with_serving_endpoints(p.k, skey);
            let eligible = if *local { ready.contains(&node) } else { !ready.is_empty() };
            if ads && eligible {
                adv.insert(*ip);
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

/// The router's BGP routes: one /32 per advertised VIP, next hops sorted by address.
fn install_routes(p: &mut Plane) {
    let Some((rid, _)) = router(p) else { return };
    let mut want: BTreeMap<Ipv4Addr, Vec<Ipv4Addr>> = BTreeMap::new();
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
    let have: BTreeMap<Ipv4Addr, Vec<Ipv4Addr>> = router
        .routes
        .iter()
        .filter(|r| r.origin == RouteOrigin::Bgp)
        .map(|r| (r.dst.addr, r.via.clone()))
        .collect_map();
    if have == want {
        return;
    }
    router.routes.retain(|r| r.origin != RouteOrigin::Bgp);
    for (vip, hops) in &want {
        router.routes.push(Route { dst: Cidr::host(*vip), via: hops.clone(), iface: 0, origin: RouteOrigin::Bgp });
    }
    let name = router.name.clone();
    let vips: BTreeSet<Ipv4Addr> = have.keys().chain(want.keys()).copied().collect_set();
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
                prefix: format!("{vip}/32"),
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
