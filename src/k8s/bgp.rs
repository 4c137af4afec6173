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

use super::cluster::{BgpDialer, BgpSession, BgpState, Cluster, Endpoint, EndpointSlice, Key, LogLine, Node, seek};
use super::control::Plane;
use super::metallb::{self, Protocol, Refusal, Withdrawal};
use super::objects::Manifest;
use crate::engine::ControlEvent;
use crate::engine::Event;
use crate::engine::trace::Kind;
use crate::k8s::cluster::{AnnounceKind, LoadBalancerKind};
use crate::net::Cidr;
use crate::net::host::{Host, Role, Route, RouteOrigin};
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

/// Whether an address is one of the router's (FRR listens on all of them,
/// and takes a connection from a configured neighbor whichever it reaches).
fn is_router_addr(p: &Plane, addr: Ipv4Addr) -> bool {
    p.hosts.iter().any(|h| h.role == Role::Router && h.owns(addr))
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

/// The BGPPeers whose nodeSelectors match a node (all of them when it has
/// none), with their addresses, in name order.
fn peers_selecting<'a>(k: &'a Cluster, node: &str) -> Vec<(&'a str, Ipv4Addr, &'a super::objects::BgpPeerSpec)> {
    let Some(labels) = k.nodes.get(node).map(|n| &n.labels) else { return Vec::new() };
    k.metallb_objects("BGPPeer")
        .into_iter()
        .filter_map(|s| match &s.manifest {
            Manifest::BGPPeer { metadata, spec, .. } => {
                let addr = spec.peer_address.parse::<Ipv4Addr>().ok()?;
                let node_ok =
                    spec.node_selectors.is_empty() || spec.node_selectors.iter().any(|sel| sel.matches(labels));
                node_ok.then_some((metadata.name.as_str(), addr, spec))
            }
            _ => None,
        })
        .collect()
}

/// The session parameters for a node: from a BGPPeer whose peerAddress is
/// the router's and whose nodeSelectors match. MetalLB without a BGPPeer
/// opens no session (`syncPeers` has no peer to start); the Cilium-style
/// setup (another load balancer) peers with the router by default.
fn peer_for(p: &Plane, node: &str, router_ip: Ipv4Addr) -> Option<Peer> {
    let k = &*p.k;
    if k.metallb_objects("BGPPeer").is_empty() && !is_metallb(k) {
        let hold = negotiated_hold_time(DEFAULT_HOLD_TIME);
        return Some(Peer { name: "router".into(), addr: router_ip, my_asn: 0, peer_asn: 0, hold });
    }
    peers_selecting(k, node).into_iter().find(|(_, addr, _)| is_router_addr(p, *addr)).map(|(name, addr, spec)| {
        let requested = spec.requested_hold_time().map(Duration::from_secs).unwrap_or(DEFAULT_HOLD_TIME);
        Peer {
            name: name.to_string(),
            addr,
            my_asn: spec.my_asn,
            peer_asn: spec.peer_asn,
            hold: negotiated_hold_time(requested),
        }
    })
}

/// The sessions a node's speaker runs to BGPPeer addresses that are not
/// the router's: every BGPPeer selecting the node whose address no BGP
/// speaker here listens on.
fn dialers_wanted(p: &Plane, node: &str) -> BTreeMap<String, (Ipv4Addr, u32, u32)> {
    if !is_metallb(p.k) {
        return BTreeMap::new();
    }
    peers_selecting(p.k, node)
        .into_iter()
        .filter(|(_, addr, _)| !is_router_addr(p, *addr))
        .map(|(name, addr, spec)| (name.to_string(), (addr, spec.my_asn, spec.peer_asn)))
        .collect_map()
}

/// The router's BGP neighbors as vipsim configures it: one per node a
/// BGPPeer selects, its `remote-as` the node's AS (the `myASN` of the
/// BGPPeer for the router's address, else of the first selecting it), so
/// the router accepts what the node's OPEN says. Without BGPPeers (the
/// Cilium-style setup), the nodes with a session, as AS 64512.
pub fn router_neighbors(k: &Cluster, hosts: &[crate::net::host::Host]) -> Vec<(String, u32)> {
    let is_router = |addr: Ipv4Addr| hosts.iter().any(|h| h.role == Role::Router && h.owns(addr));
    if !is_metallb(k) && k.metallb_objects("BGPPeer").is_empty() {
        return k.bgp.keys().map(|n| (n.clone(), DEFAULT_NODE_ASN)).collect();
    }
    k.nodes
        .keys()
        .filter_map(|node| {
            let peers = peers_selecting(k, node);
            let spec = peers.iter().find(|(_, a, _)| is_router(*a)).or(peers.first())?.2;
            Some((node.clone(), spec.my_asn))
        })
        .collect()
}

/// The nodes' AS in the Cilium-style setup, which has no BGPPeer.
pub const DEFAULT_NODE_ASN: u32 = 64512;

/// Whether a BGPPeer with this address exists (so a node without a session
/// to it is filtered out by its nodeSelectors rather than unconfigured).
fn peer_configured(k: &Cluster, addr: Ipv4Addr) -> bool {
    k.metallb_objects("BGPPeer").iter().any(|s| match &s.manifest {
        Manifest::BGPPeer { spec, .. } => spec.peer_address.parse::<Ipv4Addr>().ok() == Some(addr),
        _ => false,
    })
}

/// Appends a line to a node's speaker log (and the trace).
fn log(p: &mut Plane, node: &str, line: String) {
    log_lines(p, node, vec![line]);
}

/// [`log`] of several lines in turn.
fn log_lines(p: &mut Plane, node: &str, lines: Vec<String>) {
    let (now, host): (_, crate::engine::trace::Name) = (p.cx.now, node.into());
    for line in lines {
        p.cx.record(Kind::Log { host: host.clone(), component: "speaker".into(), line: line.clone() });
        p.k.logs.push(LogLine { at: now, node: node.to_string(), component: "speaker".into(), line });
    }
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

/// The native session's failed connect (error, internal/bgp/native/native.go
/// `run`, line 109 of 0.14.9), from the session's logger: the peer as
/// dialled and both ASNs; `error` is what `connect` returned.
fn connect_failed_line(now: Instant, peer: Ipv4Addr, my_asn: u32, peer_asn: u32, error: &str) -> String {
    let error = error.replace('"', "\\\"");
    format!(
        "{{\"caller\":\"native.go:109\",\"error\":\"{error}\",\"level\":\"error\",\"localASN\":{my_asn},\"msg\":\"failed to connect to peer\",\"op\":\"connect\",\"peer\":\"{peer}:{BGP_PORT}\",\"peerASN\":{peer_asn},\"ts\":\"{}\"}}",
        super::timestamp(now)
    )
}

/// The native session's backoff between failed connects
/// (internal/bgp/native/backoff.go, 0.14.9): the first retry at once, then
/// 1 s, doubling up to 2 minutes. Returns this wait and steps `next`.
fn backoff_step(next: &mut Duration) -> Duration {
    let wait = *next;
    *next = if wait == Duration::ZERO {
        Duration::from_secs(1)
    } else {
        Duration::from_nanos(wait.as_nanos() * 2).min(BACKOFF_MAX)
    };
    wait
}

/// The longest wait between connect attempts (`backoffMax`).
const BACKOFF_MAX: Duration = Duration::from_secs(120);
/// How long Linux takes to give up resolving an on-link address nobody
/// answers: `mcast_solicit` 3 probes `retrans_time` 1 s apart
/// (net/core/neighbour.c defaults); the queued SYN then fails with
/// EHOSTUNREACH (`arp_error_report` -> `ipv4_link_failure` -> ICMP host
/// unreachable, which `tcp_v4_err` turns into a hard error in SYN-SENT).
const ARP_FAILURE: Duration = Duration::from_secs(3);

/// How a dial of `addr:179` from a node ends when no BGP speaker has that
/// address, and after how long: `dialMD5` reads the socket's error with
/// `getsockopt(SO_ERROR)`. A host that is up refuses (RST, no listener on
/// 179); an on-link address nobody answers fails ARP; an address no
/// network here holds gets the router's ICMP net unreachable.
fn dial_outcome(p: &Plane, node: &str, addr: Ipv4Addr) -> (Duration, String) {
    let reason = if p.hosts.iter().any(|h| h.up && h.owns(addr)) {
        (Duration::ZERO, "connection refused")
    } else if p.hosts.iter().any(|h| {
        (h.role == Role::Router || p.k.nodes.get(node).is_some_and(|n| n.host == h.id))
            && h.ifaces.iter().any(|i| i.addrs.iter().any(|c| c.contains(addr)))
    }) {
        (ARP_FAILURE, "no route to host")
    } else {
        (Duration::ZERO, "network is unreachable")
    };
    (reason.0, format!("dial \"{addr}:{BGP_PORT}\": getsockopt: {}", reason.1))
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
        let peer = peer_for(p, &node, rip);
        // A BGPPeer whose address or ASNs changed is another peer to
        // MetalLB: the old session goes and the new one is dialled at once.
        let same = |s: &BgpSession, peer: &Peer| {
            (s.peer_addr, s.my_asn, s.peer_asn) == (peer.addr, peer.my_asn, peer.peer_asn)
        };
        match (peer, p.k.bgp.get(&node)) {
            (Some(peer), Some(s)) if same(s, &peer) => {
                let s = p.k.bgp.get_mut(&node).expect("configured");
                s.peer = peer.name;
                s.hold_time = peer.hold;
            }
            (Some(peer), None) => session_started(p, &node, peer),
            (peer, Some(s)) => {
                let (addr, up) = (s.peer_addr, s.state == BgpState::Established);
                if is_metallb(p.k) {
                    let filtered = peer_configured(p.k, addr);
                    let line = peer_removed_line(p.cx.now, addr, filtered);
                    log(p, &node, line);
                }
                if up {
                    close(p, &node, "TCP connection closed: peer deconfigured");
                }
                p.k.bgp.remove(&node);
                if let Some(peer) = peer {
                    session_started(p, &node, peer);
                }
            }
            (None, None) => {}
        }
        sync_dialers(p, &node);
    }
}

/// Starts and stops a live speaker's sessions to addresses that are not
/// the router's, as `syncPeers` does: `peerAdded` and a first dial at once
/// for a new one, `peerRemoved` for one whose BGPPeer went or no longer
/// selects the node.
fn sync_dialers(p: &mut Plane, node: &str) {
    let want = dialers_wanted(p, node);
    let have = p.k.bgp_dialers.get(node).cloned().unwrap_or_default();
    let now = p.cx.now;
    for (name, d) in &have {
        if want.get(name) != Some(&(d.peer_addr, d.my_asn, d.peer_asn)) {
            let line = peer_removed_line(now, d.peer_addr, peer_configured(p.k, d.peer_addr));
            log(p, node, line);
            p.k.bgp_dialers.get_mut(node).expect("listed").remove(name);
        }
    }
    for (name, (addr, my_asn, peer_asn)) in want {
        if p.k.bgp_dialers.get(node).is_some_and(|d| d.contains_key(&name)) {
            continue;
        }
        log(p, node, peer_added_line(now, addr));
        let d = BgpDialer { peer_addr: addr, my_asn, peer_asn, backoff: Duration::ZERO, generation: 0 };
        p.k.bgp_dialers.entry(node.to_string()).or_default().insert(name.clone(), d);
        dial(p, node, &name);
    }
}

/// A dial starts now: it fails after what [`dial_outcome`] says.
fn dial(p: &mut Plane, node: &str, peer: &str) {
    let Some(addr) = p.k.bgp_dialers.get(node).and_then(|d| d.get(peer)).map(|d| d.peer_addr) else { return };
    let (after, _) = dial_outcome(p, node, addr);
    schedule_dial_failure(p, node, peer, after);
}

/// The dial now under way fails `after` from now; an earlier one still
/// pending is forgotten (its generation is past).
fn schedule_dial_failure(p: &mut Plane, node: &str, peer: &str, after: Duration) {
    let d = p.k.bgp_dialers.get_mut(node).and_then(|d| d.get_mut(peer)).expect("present");
    d.generation += 1;
    let event =
        ControlEvent::BgpDialFailed { node: node.to_string(), peer: peer.to_string(), generation: d.generation };
    p.cx.schedule(p.cx.now + after, Event::Control(event));
}

/// A dial failed: the session logs it and tries again after its backoff.
pub fn dial_failed(p: &mut Plane, node: &str, peer: &str, generation: u64) {
    let alive = metallb::speaker_alive(p.k, p.hosts, node);
    let Some(d) = p.k.bgp_dialers.get(node).and_then(|d| d.get(peer)) else { return };
    if d.generation != generation || !alive {
        return;
    }
    // The next dial ends as this one did: nothing it depends on changed.
    let (after, error) = dial_outcome(p, node, d.peer_addr);
    let line = connect_failed_line(p.cx.now, d.peer_addr, d.my_asn, d.peer_asn, &error);
    log(p, node, line);
    let d = p.k.bgp_dialers.get_mut(node).and_then(|d| d.get_mut(peer)).expect("present");
    let wait = backoff_step(&mut d.backoff);
    schedule_dial_failure(p, node, peer, wait + after);
}

/// A speaker (re)started, or its node came back on the network: it opens
/// its session to the router. A partitioned speaker that kept running finds
/// its session as it left it (the router still holds it within the hold
/// time) or, if the router dropped it, logs `sessionDown` and reconnects;
/// one that was failing to connect goes on retrying.
pub fn speaker_started(p: &mut Plane, node: &str) {
    if p.k.config.announce != AnnounceKind::Bgp {
        return;
    }
    let Some((_, rip)) = router(p) else { return };
    if let Some(peer) = peer_for(p, node, rip) {
        session_started(p, node, peer);
    }
    // Dials the speaker kept across a partition resume; a restarted one
    // (its sessions were dropped with it) starts them anew.
    let kept: Vec<String> = p.k.bgp_dialers.get(node).map(|d| d.keys().cloned().collect()).unwrap_or_default();
    for peer in kept {
        dial(p, node, &peer);
    }
    sync_dialers(p, node);
}

fn session_started(p: &mut Plane, node: &str, peer: Peer) {
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
        backoff: Duration::ZERO,
        failing: false,
        established_once: false,
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
    let line = match (healed, s.failing) {
        (true, true) => None,
        (true, false) => Some(session_line(now, s, false)),
        (false, _) => {
            // A new process: a new session, its backoff from the start.
            (s.backoff, s.failing) = (Duration::ZERO, false);
            Some(peer_added_line(now, peer.addr))
        }
    };
    p.cx.schedule(now + SESSION_SETUP, Event::Control(ControlEvent::BgpOpen { node: node.to_string(), generation }));
    if let Some(line) = line.filter(|_| is_metallb(p.k)) {
        log(p, node, line);
    }
}

/// The OPENs are exchanged. The router's neighbor for the node expects the
/// node's own AS (see FIDELITY.md), so the router accepts the speaker's
/// OPEN; the speaker checks the router's AS against its BGPPeer's `peerASN`
/// (native.go `connect`) and, if they differ, closes the connection,
/// logs the failure and tries again after its backoff.
pub fn open(p: &mut Plane, node: &str, generation: u64) {
    let now = p.cx.now;
    let alive = metallb::speaker_alive(p.k, p.hosts, node);
    let router_asn = p.k.config.router_asn;
    let metallb = is_metallb(p.k);
    let Some(s) = p.k.bgp.get_mut(node) else { return };
    if s.generation != generation || !alive || s.state == BgpState::Established {
        return;
    }
    if metallb && s.peer_asn != router_asn {
        let error = format!("unexpected peer ASN {router_asn}, want {}", s.peer_asn);
        let line = connect_failed_line(now, s.peer_addr, s.my_asn, s.peer_asn, &error);
        s.failing = true;
        let wait = backoff_step(&mut s.backoff);
        p.cx.schedule(
            now + wait + SESSION_SETUP,
            Event::Control(ControlEvent::BgpOpen { node: node.to_string(), generation }),
        );
        log(p, node, line);
        return;
    }
    s.state = BgpState::Established;
    s.since = now;
    p.k.touched.sessions.insert(node.to_string());
    (s.backoff, s.failing, s.established_once) = (Duration::ZERO, false, true);
    let peer = s.peer.clone();
    let line = session_line(now, s, true);
    p.cx.record(Kind::Bgp {
        host: node.into(),
        peer: peer.as_str().into(),
        state: "Established".into(),
        reason: "OPEN exchanged".into(),
    });
    if metallb {
        log(p, node, line);
    }
}

/// A speaker died or was cut off. A clean stop closes the connection now
/// (the native session's `Close` aborts it without a NOTIFICATION); a
/// dead or unreachable node goes silent and the router notices only when
/// its hold timer expires (no keepalive for `holdTime`). A speaker that is
/// no longer running drops its sessions to other addresses with it.
pub fn speaker_lost(p: &mut Plane, node: &str, graceful: bool) {
    let now = p.cx.now;
    let running = p.k.nodes.get(node).is_some_and(|n| n.agent_running && p.hosts[n.host].up);
    if graceful || !running {
        p.k.bgp_dialers.remove(node);
    }
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
    p.k.touched.sessions.insert(node.to_string());
    let peer = s.peer.clone();
    p.cx.record(Kind::Bgp {
        host: node.into(),
        peer: peer.as_str().into(),
        state: "Idle".into(),
        reason: reason.into(),
    });
}

/// What the BGP controller's `ShouldAnnounce` weighs: the nodes' facts
/// ([`NodeFacts`], kept between passes) and, per Service, the nodes where
/// an endpoint can serve (read once per pass). Nodes are numbered (their order in the
/// cluster), so each (node, Service) question is answered from lists, not
/// by walking the nodes or the endpoints again: the speakers ask it for
/// every Service on every node, on every pass (100 nodes and 50 Services:
/// 5,000 questions a pass).
#[derive(Clone, Debug, PartialEq)]
struct Eligibility {
    facts: Rc<NodeFacts>,
    /// Each Service with an address, by key.
    serving: Vec<(Key, Serving)>,
}

/// The nodes' half of [`Eligibility`]: per pool a Service takes its
/// address from, its BGPAdvertisements and the nodes each selects; the
/// nodes that are cordoned or excluded. These follow the nodes, their
/// labels, the MetalLB objects (changes the control loop does not track)
/// and the Services' pools, so they are kept in the cluster's caches
/// between passes: a pod coming up does not list the nodes again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeFacts {
    /// The nodes in name order: a node's place here is its number in the
    /// lists below. (Lists searched by halving, not maps: each map type
    /// adds its own code to the wasm.)
    nodes: Vec<String>,
    /// Each pool a Service takes its address from, and its advertisements.
    ads: Vec<(String, Vec<PoolAd>)>,
    unschedulable: Vec<bool>,
    excluded: Vec<bool>,
}

/// A node's number: its place in `nodes`, which are in name order.
fn number(nodes: &[String], name: &str) -> Option<usize> {
    nodes.binary_search_by(|n| n.as_str().cmp(name)).ok()
}

/// A BGPAdvertisement of a pool: the nodes it selects (`nodeSelectors`),
/// the BGPPeers it is limited to (`peers`, none: all) and the prefix
/// length it announces (`aggregationLength`, default 32).
#[derive(Clone, Debug, PartialEq, Eq)]
struct PoolAd {
    selects: Vec<bool>,
    peers: Vec<String>,
    length: u8,
}

/// Where a Service's endpoints can serve: on which numbered nodes (asked
/// of externalTrafficPolicy: Local only; empty for the others), and
/// whether anywhere at all (an endpoint may name a node the cluster no
/// longer has).
#[derive(Clone, Debug, Default, PartialEq)]
struct Serving {
    on: Vec<bool>,
    anywhere: bool,
}

impl Serving {
    fn on(&self, node: Option<usize>) -> bool {
        node.is_some_and(|n| self.on.get(n).copied().unwrap_or(false))
    }
}

impl NodeFacts {
    fn of(k: &Cluster) -> NodeFacts {
        // In name order: the cluster's node map is.
        let nodes: Vec<String> = k.nodes.keys().cloned().collect();
        let flags = |set: &BTreeSet<String>| nodes.iter().map(|n| set.contains(n)).collect::<Vec<bool>>();
        let mut ads: Vec<(String, Vec<PoolAd>)> = Vec::new();
        for s in k.services.values().filter(|s| !s.ingress.is_empty()) {
            let pool = s.pool.as_deref().unwrap_or_default();
            if ads.iter().any(|(p, _)| p == pool) {
                continue;
            }
            let pool_ads = metallb::advertisements_for(k, "BGPAdvertisement", pool)
                .into_iter()
                .filter_map(|ad| match ad {
                    Manifest::BGPAdvertisement { spec, .. } => Some(PoolAd {
                        selects: flags(&metallb::advertised_nodes(k, &[ad])),
                        peers: spec.peers.clone(),
                        length: spec.aggregation_length.unwrap_or(32).min(32),
                    }),
                    _ => None,
                })
                .collect();
            ads.push((pool.to_string(), pool_ads));
        }
        NodeFacts {
            unschedulable: k.nodes.values().map(|n| n.unschedulable).collect(),
            excluded: k.nodes.keys().map(|n| metallb::excluded(k, n)).collect(),
            nodes,
            ads,
        }
    }

    /// The facts from the cluster's caches, computed if they miss them
    /// ([`reconcile`] drops them after a change they follow).
    fn cached(k: &mut Cluster) -> Rc<NodeFacts> {
        if let Some(facts) = &k.caches.bgp_nodes {
            return facts.clone();
        }
        let facts = Rc::new(NodeFacts::of(k));
        k.caches.bgp_nodes = Some(facts.clone());
        facts
    }
}

/// Where each Service with an address can be served, in key order (the
/// Service map's).
fn serving_now<'a>(k: &'a Cluster, facts: &'a NodeFacts) -> impl Iterator<Item = (&'a Key, Serving)> + 'a {
    let mut reader = ServingReader { facts, last: None };
    let mut slices = k.slices.iter().peekable();
    k.services
        .iter()
        .filter(|(_, s)| !s.ingress.is_empty())
        .map(move |(key, s)| (key, reader.read(s.external_local(), seek(&mut slices, key))))
}

/// Reads where Services' endpoints serve, one Service after another.
struct ServingReader<'a> {
    facts: &'a NodeFacts,
    /// Services alike share their slice's list of endpoints: the answer
    /// for the last list read is kept (a hundred Services in front of one
    /// Deployment read its thousand endpoints once).
    last: Option<(*const Vec<Rc<Endpoint>>, bool, Serving)>,
}

impl ServingReader<'_> {
    /// Where a Service (externalTrafficPolicy Local or not) with this
    /// EndpointSlice (if any) serves.
    fn read(&mut self, local: bool, slice: Option<&EndpointSlice>) -> Serving {
        let list = slice.map_or(std::ptr::null(), |sl| Rc::as_ptr(&sl.endpoints));
        if let Some((_, _, known)) = self.last.as_ref().filter(|(at, l, _)| *at == list && *l == local) {
            return known.clone();
        }
        let serving = slice.into_iter().flat_map(metallb::serving_in);
        // Only externalTrafficPolicy: Local asks on which nodes: for the
        // others one serving endpoint anywhere is the answer.
        let mut can_serve = Serving::default();
        if local {
            can_serve.on = vec![false; self.facts.nodes.len()];
            for e in serving {
                can_serve.anywhere = true;
                if let Some(n) = number(&self.facts.nodes, &e.node) {
                    can_serve.on[n] = true;
                }
            }
        } else {
            can_serve.anywhere = serving.into_iter().next().is_some();
        }
        self.last = Some((list, local, can_serve.clone()));
        can_serve
    }
}

impl Eligibility {
    fn of(k: &Cluster, facts: Rc<NodeFacts>) -> Eligibility {
        let serving = serving_now(k, &facts).map(|(key, serving)| (key.clone(), serving)).collect();
        Eligibility { facts, serving }
    }

    /// Whether every Service weighed serves where it served when these
    /// were read (after a pass that changed slices).
    fn serves_as_before(&self, k: &Cluster) -> bool {
        // (All three in key order: walked side by side, not searched.)
        let mut reader = ServingReader { facts: &self.facts, last: None };
        let (mut services, mut slices) = (k.services.iter().peekable(), k.slices.iter().peekable());
        self.serving.iter().all(|(key, was)| {
            let Some(svc) = seek(&mut services, key) else { return false };
            reader.read(svc.external_local(), seek(&mut slices, key)) == *was
        })
    }

    /// The node's number, if the cluster has it.
    fn node(&self, name: &str) -> Option<usize> {
        number(&self.facts.nodes, name)
    }

    /// Where each of the Services `keys` (in key order) serves, if it has
    /// an address (walked beside the weighed Services, also in key order).
    fn serving_of<'k>(&self, keys: impl Iterator<Item = &'k Key>) -> Vec<Option<&Serving>> {
        let mut walk = self.serving.iter().map(|(key, serving)| (key, serving)).peekable();
        keys.map(|key| seek(&mut walk, key)).collect()
    }

    /// The pool's advertisements (none for a pool no Service uses).
    fn pool_ads(&self, pool: &str) -> &[PoolAd] {
        self.facts.ads.iter().find(|(p, _)| p == pool).map_or(&[], |(_, ads)| ads)
    }

    /// `ShouldAnnounce` for a Service with an address on a numbered node
    /// ([`Eligibility::node`]) where its endpoints serve as `serving` says,
    /// checked in the controller's order; `Ok` carries `numAds` (one
    /// address: one advertisement per BGPAdvertisement of the pool
    /// selecting the node).
    fn should_announce_at(
        &self,
        node: Option<usize>,
        serving: Option<&Serving>,
        pool: &str,
        local: bool,
    ) -> Result<usize, Refusal> {
        let Some(n) = node else { return Err(Refusal::NotOwner) };
        let ads = self.pool_ads(pool).iter().filter(|ad| ad.selects[n]).count();
        if ads == 0 {
            return Err(Refusal::NotOwner);
        }
        if self.facts.unschedulable[n] {
            return Err(Refusal::NodeUnschedulable);
        }
        if self.facts.excluded[n] {
            return Err(Refusal::NodeExcluded);
        }
        if local && !serving.is_some_and(|s| s.on(node)) {
            return Err(Refusal::NoLocalEndpoints);
        }
        if !serving.is_some_and(|s| s.anywhere) {
            return Err(Refusal::NoEndpoints);
        }
        Ok(ads)
    }

    /// What a node's speaker sends one peer for an address (MetalLB 0.14.9
    /// speaker/bgp_controller.go `SetBalancer`): one advertisement per
    /// BGPAdvertisement of the pool that selects the node, its prefix the
    /// address masked to `aggregationLength` (default 32), kept for this
    /// peer only when the advertisement names no `peers` or names it
    /// (`adsForPeer`, internal/bgp/bgp.go `MatchesPeer`: BGPPeer names).
    fn prefixes<'a>(&'a self, node: usize, peer: &'a str, ip: Ipv4Addr, pool: &str) -> impl Iterator<Item = Cidr> + 'a {
        self.pool_ads(pool).iter().filter_map(move |ad| {
            let for_peer = ad.peers.is_empty() || ad.peers.iter().any(|p| p == peer);
            (ad.selects[node] && for_peer).then(|| {
                let prefix = Cidr::new(ip, ad.length);
                Cidr::new(prefix.network(), ad.length)
            })
        })
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

/// The Services with an address as the speakers see them, and the
/// configuration's fingerprint (both from the MetalLB caches).
fn service_views(k: &mut Cluster) -> (u64, Vec<ServiceView>) {
    let config = metallb::speaker_prints(k);
    let k = &*k;
    let prints = metallb::service_prints(k);
    let views = k
        .services
        .iter()
        .filter_map(|(key, s)| Some((key, *s.ingress.first()?, s.pool.as_ref()?, s.external_local())))
        .zip(prints)
        .map(|((key, ip, pool, local), (_, fingerprint))| ServiceView {
            key: key.clone(),
            ip,
            pool: pool.clone(),
            local,
            fingerprint,
        })
        .collect();
    (config, views)
}

/// Whether a live MetalLB speaker has Services to reconcile: a forced or
/// configuration resync, or a Service (or its EndpointSlice) it has not
/// seen as it is now.
pub fn sync_pending(p: &mut Plane) -> bool {
    if !is_metallb(p.k) {
        return false;
    }
    let config = metallb::speaker_prints(p.k);
    let k = &*p.k;
    // Speakers mostly share one seen map: compare each distinct one once
    // (as the L2 speakers' check does).
    let mut compared: BTreeMap<*const BTreeMap<Key, u64>, bool> = BTreeMap::new();
    let mut differs = |seen: &Rc<BTreeMap<Key, u64>>| {
        *compared
            .entry(Rc::as_ptr(seen))
            .or_insert_with(|| metallb::seen_differs_from(seen, metallb::service_prints(k)))
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
    let (config, services) = service_views(p.k);
    let facts = NodeFacts::cached(p.k);
    let elig = Eligibility::of(p.k, facts);
    let seen: Rc<BTreeMap<Key, u64>> = Rc::new(services.iter().map(|s| (s.key.clone(), s.fingerprint)).collect_map());
    let serving = elig.serving_of(services.iter().map(|s| &s.key));
    // What a Service's `nodeAssigned` Events name, made once for every node.
    let objects: Vec<(&str, String)> = (services.iter())
        .map(|s| {
            let (ns, name) = s.key.split_once('/').unwrap_or(("default", &s.key));
            (ns, format!("service/{name}"))
        })
        .collect();
    // The lines of an announcement name no node: every speaker announcing
    // a Service with as many advertisements logs the same two, made once.
    let mut made: Vec<Option<(usize, [String; 2])>> = vec![None; services.len()];
    // Which Services each speaker has not seen as they are: speakers mostly
    // share one seen map, so the last one's answer is kept.
    let mut last: Option<(*const BTreeMap<Key, u64>, Vec<bool>)> = None;
    let nodes: Vec<String> = p.k.speakers.keys().cloned().collect();
    for node in nodes {
        if !metallb::speaker_alive(p.k, p.hosts, &node) {
            continue;
        }
        let speaker = p.k.speakers.get_mut(&node).expect("listed");
        let mut announcing = std::mem::take(&mut speaker.announcing);
        let speaker = &*speaker;
        let resync = speaker.force_sync || speaker.seen_config != Some(config);
        if last.as_ref().is_none_or(|(at, _)| *at != Rc::as_ptr(&speaker.seen)) {
            let mut was = speaker.seen.iter().peekable();
            let changed = services.iter().map(|s| seek(&mut was, &s.key) != Some(&s.fingerprint)).collect();
            last = Some((Rc::as_ptr(&speaker.seen), changed));
        }
        let (_, changed) = last.as_ref().expect("set just above");
        let mut lines = Vec::new();
        let mut now_seen = seen.iter().peekable();
        let gone: Vec<Key> = announcing.keys().filter(|key| seek(&mut now_seen, key).is_none()).cloned().collect();
        for key in gone {
            let ip = announcing.remove(&key).expect("listed");
            lines.push(metallb::withdrawn_line(now, ip, "", Withdrawal::of_gone(p.k, &key), Protocol::Bgp));
        }
        let n = elig.node(&node);
        let mut assigned = Vec::new();
        for (i, s) in services.iter().enumerate() {
            if !(resync || changed[i]) {
                continue;
            }
            let ip_changed =
                |old: Ipv4Addr| metallb::withdrawn_line(now, old, &s.pool, Withdrawal::IpChanged(s.ip), Protocol::Bgp);
            match (announcing.get_mut(&s.key), elig.should_announce_at(n, serving[i], &s.pool, s.local)) {
                (current, Ok(ads)) => {
                    match current {
                        Some(ip) if *ip != s.ip => {
                            lines.push(ip_changed(*ip));
                            *ip = s.ip;
                        }
                        Some(_) => {}
                        None => {
                            announcing.insert(s.key.clone(), s.ip);
                        }
                    }
                    if made[i].as_ref().is_none_or(|(n, _)| *n != ads) {
                        let updated = metallb::updated_advertisements_line(now, s.ip, &s.pool, ads);
                        made[i] = Some((ads, [updated, metallb::announced_line(now, s.ip, &s.pool, Protocol::Bgp)]));
                    }
                    let (_, two) = made[i].as_ref().expect("made just above");
                    lines.extend(two.iter().cloned());
                    assigned.push(i);
                }
                (current, Err(why)) => {
                    let skipping = metallb::skipping_line(now, s.ip, &s.pool, &s.key, why);
                    match current.copied() {
                        Some(old) if old != s.ip => {
                            lines.push(ip_changed(old));
                            lines.extend(skipping);
                        }
                        Some(ip) => {
                            lines.extend(skipping);
                            lines.push(metallb::withdrawn_line(
                                now,
                                ip,
                                &s.pool,
                                Withdrawal::Declined(why),
                                Protocol::Bgp,
                            ));
                        }
                        None => lines.extend(skipping),
                    }
                    announcing.remove(&s.key);
                }
            }
        }
        let speaker = p.k.speakers.get_mut(&node).expect("listed");
        speaker.announcing = announcing;
        speaker.seen = seen.clone();
        speaker.seen_config = Some(config);
        speaker.force_sync = false;
        log_lines(p, &node, lines);
        let message = metallb::node_assigned_message(&node, Protocol::Bgp);
        for i in assigned {
            let (ns, object) = &objects[i];
            p.k.event(now, ns, object, "Normal", "nodeAssigned", message.clone());
        }
    }
}

/// Recomputes what each live speaker advertises and the router's routes.
pub fn reconcile(p: &mut Plane) {
    // What the sessions follow (the BGPPeers, the nodes' labels, which
    // speakers are alive, the router's address) changes only by what the
    // control loop does not track (a manifest, a fault, a console
    // command), which reconciles everything: once a pass has configured
    // them (it leaves its memo), the passes between find every session as
    // the last one left it. (The first pass can be a tracked one: the
    // cluster's own `kubernetes` Service is applied before anything else,
    // and without BGPPeers every node peers with the router at once.)
    if p.k.touched.all || p.k.caches.bgp.is_none() {
        configure_sessions(p);
    }
    // The nodes' facts follow the same changes, and the pools the
    // Services use (a Service in a pool they do not cover yet).
    let facts_hold = p.k.caches.bgp_nodes.as_ref().is_some_and(|facts| {
        !p.k.touched.all
            && p.k.touched.services.iter().all(|key| {
                p.k.services.get(key).is_none_or(|s| {
                    s.ingress.is_empty()
                        || facts.ads.iter().any(|(pool, _)| pool == s.pool.as_deref().unwrap_or_default())
                })
            })
    });
    if !facts_hold {
        p.k.caches.bgp_nodes = None;
    }
    let facts = NodeFacts::cached(p.k);
    // A pass that reads what the last one read finds what it found, and
    // the router still has the routes it installed (only this reconcile
    // changes a router's BGP routes). A change the control loop does not
    // track weighs everything again. Between those, what is read changes
    // only with the Services' objects, their endpoints (the slices this
    // pass changed) and the sessions (an OPEN): a pass that touched none
    // of them (a pod that became ready where its Services had a serving
    // endpoint already: most passes) reads nothing.
    let memo = p.k.caches.bgp.take().filter(|_| !p.k.touched.all);
    let t = &p.k.touched;
    let services_same = t.services.is_empty()
        && memo.as_ref().is_some_and(|memo| !t.slices || memo.inputs.eligibility.serves_as_before(p.k));
    if services_same && t.sessions.is_empty() {
        p.k.caches.bgp = memo;
        return;
    }
    // (When only sessions changed, the branch for them below reads those
    // alone: no need to compare everything first.)
    if !services_same && memo.as_ref().is_some_and(|memo| memo.inputs.hold(p.k, p.hosts, &facts)) {
        p.k.caches.bgp = memo;
        return;
    }
    // What the last pass read of the sessions, when it read the same of
    // everything else: only the changed sessions' speakers are weighed
    // again (the others would send what they sent).
    let changed = &p.k.touched.sessions;
    let (inputs, before, only_changed, routes) = match memo {
        // Only sessions changed (an OPEN): the last pass's Services, where
        // they serve and the other sessions are as they were; the changed
        // ones are read again (`before` keeps what they were).
        Some(Memo { mut inputs, routes }) if services_same => {
            let mut before = Vec::new();
            for (node, s) in changed.iter().filter_map(|node| Some((node, p.k.bgp.get(node)?))) {
                let Ok(i) = inputs.sessions.binary_search_by(|s| s.node.cmp(node)) else { continue };
                let is = session_view(node, s, p.k.nodes.get(node), p.hosts);
                before.push(std::mem::replace(&mut inputs.sessions[i], SessionInputs::from(is)));
            }
            (inputs, Some(before), true, Some(routes))
        }
        memo => {
            let inputs = Inputs::of(p.k, p.hosts, facts);
            let before = memo.map(|memo| memo.inputs).filter(|before| {
                (before.metallb, before.router_asn, &before.services, &before.eligibility)
                    == (inputs.metallb, inputs.router_asn, &inputs.services, &inputs.eligibility)
            });
            (inputs, before.map(|before| before.sessions), false, None)
        }
    };
    let unchanged = |session: &SessionInputs| {
        (only_changed && !changed.contains(&session.node))
            || before.as_ref().is_some_and(|before| {
                let at = before.binary_search_by(|s| s.node.cmp(&session.node));
                at.is_ok_and(|i| before[i] == *session)
            })
    };
    let elig = &inputs.eligibility;
    let serving = elig.serving_of(inputs.services.iter().map(|(key, ..)| key));
    let sessions: Vec<&SessionInputs> = if only_changed {
        let at = |node: &String| inputs.sessions.binary_search_by(|s| s.node.cmp(node)).ok();
        changed.iter().filter_map(at).map(|i| &inputs.sessions[i]).collect()
    } else {
        inputs.sessions.iter().collect()
    };
    // Whether a changed session may have carried paths before this pass:
    // it advertises something, or it is down (a close empties what it
    // advertised before the pass sees it) or gone.
    let carried =
        |node: &String| p.k.bgp.get(node).is_none_or(|s| !s.advertised.is_empty() || s.state != BgpState::Established);
    let mut carried_paths = only_changed && changed.iter().any(carried);
    for session in sessions {
        // A dead speaker sends no UPDATE: the router keeps what it last
        // heard. Nor does a session not yet established (every one, while
        // a scenario's Services are applied at its start).
        if !session.alive || session.state != BgpState::Established || unchanged(session) {
            continue;
        }
        let n = elig.node(&session.node);
        let mut adv = BTreeSet::new();
        for ((_, ip, pool, local), serving) in inputs.services.iter().zip(&serving) {
            if inputs.metallb {
                if let (Some(n), Ok(_)) = (n, elig.should_announce_at(n, *serving, pool, *local)) {
                    adv.extend(elig.prefixes(n, &session.peer, *ip, pool));
                }
            } else {
                // The Cilium-style setup advertises every LoadBalancer IP
                // with a serving endpoint (on this node, for Local).
                let ready = serving.expect("every Service with an address is weighed");
                if if *local { ready.on(n) } else { ready.anywhere } {
                    adv.insert(Cidr::host(*ip));
                }
            }
        }
        carried_paths |= !adv.is_empty();
        if let Some(s) = p.k.bgp.get_mut(&session.node) {
            s.advertised = adv;
        }
    }
    // The router's paths change only with the sessions that changed and
    // what they advertise: when only sessions changed and none of them
    // advertised anything, before or now (OPENs while no Service serves
    // yet), the routes are the last pass's.
    let routes = match routes {
        Some(routes) if !carried_paths => routes,
        _ => {
            let routes = routes_wanted(p.k);
            install_routes(p, &routes);
            routes
        }
    };
    p.k.caches.bgp = Some(Memo { inputs, routes });
}

/// What [`reconcile`] last read and the routes it wanted (in the
/// cluster's caches). The speakers' advertisements and the router's
/// routes are a function of these alone, so a pass reading the same (a
/// pod came up beside others of its Services: most passes) skips the
/// (node x Service) weighing.
#[derive(Clone, Debug, PartialEq)]
pub struct Memo {
    inputs: Inputs,
    routes: BTreeMap<Cidr, Vec<Ipv4Addr>>,
}

#[derive(Clone, Debug, PartialEq)]
struct Inputs {
    metallb: bool,
    router_asn: u32,
    /// Each Service with an address: key, address, pool, externalTrafficPolicy Local.
    services: Vec<(String, Ipv4Addr, String, bool)>,
    eligibility: Eligibility,
    /// In node order (the session map's).
    sessions: Vec<SessionInputs>,
}

impl Inputs {
    fn of(k: &Cluster, hosts: &[Host], facts: Rc<NodeFacts>) -> Inputs {
        Inputs {
            metallb: is_metallb(k),
            router_asn: k.config.router_asn,
            services: services_now(k)
                .map(|(key, ip, pool, local)| (key.clone(), ip, pool.to_string(), local))
                .collect(),
            eligibility: Eligibility::of(k, facts),
            sessions: sessions_now(k, hosts).map(SessionInputs::from).collect(),
        }
    }

    /// Whether [`Inputs::of`] would read these inputs now, found without
    /// building them (most passes read what the last one read, and with
    /// hundreds of nodes and Services the copies cost more than the rest
    /// of the pass).
    fn hold(&self, k: &Cluster, hosts: &[Host], facts: &Rc<NodeFacts>) -> bool {
        let mut serving = serving_now(k, facts);
        let mut sessions = sessions_now(k, hosts);
        (self.metallb, self.router_asn) == (is_metallb(k), k.config.router_asn)
            && self.eligibility.facts == *facts
            && self.services.iter().map(|(key, ip, pool, local)| (key, *ip, pool.as_str(), *local)).eq(services_now(k))
            && self
                .eligibility
                .serving
                .iter()
                .all(|(key, was)| serving.next().is_some_and(|(k, is)| k == key && is == *was))
            && serving.next().is_none()
            && self.sessions.iter().all(|was| sessions.next().is_some_and(|is| is == was.view()))
            && sessions.next().is_none()
    }
}

/// Each Service with an address: key, address, pool, externalTrafficPolicy Local.
fn services_now(k: &Cluster) -> impl Iterator<Item = (&Key, Ipv4Addr, &str, bool)> {
    k.services.iter().filter_map(|(key, s)| {
        Some((key, *s.ingress.first()?, s.pool.as_deref().unwrap_or_default(), s.external_local()))
    })
}

/// Each session as the reconcile reads it, in node order. (Its node is
/// found by walking the node map beside the session map, both in name
/// order, rather than looked up: this runs on every pass.)
fn sessions_now<'a>(k: &'a Cluster, hosts: &'a [Host]) -> impl Iterator<Item = SessionView<'a>> {
    let mut nodes = k.nodes.iter().peekable();
    k.bgp.iter().map(move |(name, s)| session_view(name, s, seek(&mut nodes, name), hosts))
}

/// A node's session as the reconcile reads it (`node`: the cluster's
/// node of that name, if it has one).
fn session_view<'a>(name: &'a str, s: &'a BgpSession, node: Option<&Node>, hosts: &[Host]) -> SessionView<'a> {
    SessionView {
        node: name,
        alive: node.is_some_and(|n| metallb::speaker_alive_on(n, hosts)),
        state: s.state,
        peer: &s.peer,
        since: s.since,
        my_asn: s.my_asn,
        node_ip: node.map(|n| n.ip),
    }
}

/// What a node's session contributes: whether its speaker runs, and what
/// the router's choice of paths reads.
#[derive(Clone, Debug, PartialEq)]
struct SessionInputs {
    node: String,
    alive: bool,
    state: BgpState,
    peer: String,
    since: Instant,
    my_asn: u32,
    node_ip: Option<Ipv4Addr>,
}

/// [`SessionInputs`] read from the cluster in place.
#[derive(PartialEq)]
struct SessionView<'a> {
    node: &'a str,
    alive: bool,
    state: BgpState,
    peer: &'a str,
    since: Instant,
    my_asn: u32,
    node_ip: Option<Ipv4Addr>,
}

impl SessionInputs {
    fn view(&self) -> SessionView<'_> {
        let SessionInputs { node, alive, state, peer, since, my_asn, node_ip } = self;
        SessionView { node, alive: *alive, state: *state, peer, since: *since, my_asn: *my_asn, node_ip: *node_ip }
    }
}

impl From<SessionView<'_>> for SessionInputs {
    fn from(v: SessionView) -> SessionInputs {
        let SessionView { node, alive, state, peer, since, my_asn, node_ip } = v;
        SessionInputs { node: node.into(), alive, state, peer: peer.into(), since, my_asn, node_ip }
    }
}

/// One path the router learned for a prefix: from which node, the node's
/// AS, and since when its session is up.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BgpPath {
    pub node_ip: Ipv4Addr,
    pub asn: u32,
    pub since: Instant,
}

/// LOCAL_PREF as the router compares it: MetalLB's native session sends
/// the BGPAdvertisement's `localPref` on iBGP sessions only (messages.go
/// `encodePathAttrs`), 0 when unset; an eBGP path has none and counts as
/// FRR's `bgp default local-preference`, 100.
pub fn local_pref(ibgp: bool) -> u32 {
    if ibgp { 0 } else { 100 }
}

/// FRR's choice among a prefix's paths (bgpd/bgp_route.c
/// `bgp_path_info_cmp`, bgp_mpath.c): returns the best path's index and
/// the indexes of the paths installed with it (best first, then by node
/// address). What differs between MetalLB's paths: LOCAL_PREF (higher
/// wins), AS_PATH length (iBGP's empty path beats eBGP's one AS), eBGP over
/// iBGP, then, for two eBGP paths, the older one (the path already
/// selected), then the lower router ID (MetalLB's is the node's address),
/// then the lower peer address. A path joins the best in ECMP when every
/// step up to the IGP metric ties and, without `bgp bestpath as-path
/// multipath-relax` (off in FRR's traditional profile), eBGP paths come
/// from the same neighbor AS, iBGP paths carry identical AS_PATHs (empty,
/// from MetalLB).
pub fn select_paths(paths: &[BgpPath], router_asn: u32) -> Option<(usize, Vec<usize>)> {
    let ibgp = |p: &BgpPath| p.asn == router_asn;
    // Steps up to the IGP metric: smaller is better.
    let rank = |p: &BgpPath| (std::cmp::Reverse(local_pref(ibgp(p))), usize::from(!ibgp(p)), ibgp(p));
    let tie = |p: &BgpPath| (if ibgp(p) { Instant::ZERO } else { p.since }, p.node_ip);
    let best = (0..paths.len()).min_by_key(|&i| (rank(&paths[i]), tie(&paths[i])))?;
    let b = &paths[best];
    let mut multi: Vec<usize> = (0..paths.len())
        .filter(|&i| {
            let p = &paths[i];
            i != best && rank(p) == rank(b) && if ibgp(b) { ibgp(p) } else { p.asn == b.asn }
        })
        .collect();
    multi.stable_sort_by_key(|&i| paths[i].node_ip);
    multi.insert(0, best);
    Some((best, multi))
}

/// The paths the router holds: per prefix, one per Established session
/// advertising it.
pub fn learned_paths(k: &Cluster) -> BTreeMap<Cidr, Vec<BgpPath>> {
    let mut out: BTreeMap<Cidr, Vec<BgpPath>> = BTreeMap::new();
    // (The sessions and the nodes are both in name order: walked side by side.)
    let mut nodes = k.nodes.iter().peekable();
    for (node, s) in &k.bgp {
        if s.state != BgpState::Established {
            continue;
        }
        let Some(nip) = seek(&mut nodes, node).map(|n| n.ip) else { continue };
        let asn = if s.my_asn == 0 { DEFAULT_NODE_ASN } else { s.my_asn };
        for vip in &s.advertised {
            out.entry(*vip).or_default().push(BgpPath { node_ip: nip, asn, since: s.since });
        }
    }
    out
}

/// The router's BGP routes: one per advertised prefix, over the best path
/// and those equal to it for multipath, next hops sorted by address.
fn routes_wanted(k: &Cluster) -> BTreeMap<Cidr, Vec<Ipv4Addr>> {
    let mut want: BTreeMap<Cidr, Vec<Ipv4Addr>> = BTreeMap::new();
    for (vip, paths) in learned_paths(k) {
        let Some((_, multi)) = select_paths(&paths, k.config.router_asn) else { continue };
        let mut hops: Vec<Ipv4Addr> = multi.iter().map(|&i| paths[i].node_ip).collect();
        hops.stable_sort();
        want.insert(vip, hops);
    }
    want
}

/// Puts the BGP routes `want` ([`routes_wanted`]) on the router, and
/// records each route that changed.
fn install_routes(p: &mut Plane, want: &BTreeMap<Cidr, Vec<Ipv4Addr>>) {
    let Some((rid, _)) = router(p) else { return };
    let router = &mut p.hosts[rid];
    let have: BTreeMap<Cidr, Vec<Ipv4Addr>> =
        router.routes.iter().filter(|r| r.origin == RouteOrigin::Bgp).map(|r| (r.dst, r.via.clone())).collect_map();
    if have == *want {
        return;
    }
    router.routes.retain(|r| r.origin != RouteOrigin::Bgp);
    for (vip, hops) in want {
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
