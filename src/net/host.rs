//! A host's network stack: interfaces with addresses and neighbour caches,
//! ARP answering (the kernel's, and announcers' such as MetalLB's speaker),
//! IPv4 routing and forwarding (own addresses through loopback, never ARP),
//! ICMP errors and the TCP sockets they abort, and, on Kubernetes nodes, the
//! Service datapath (conntrack + DNAT/SNAT, REJECT) and the pods' network
//! stacks.

use super::conntrack::{self, Conntrack, Direction, Tuple};
use super::neighbor::{NeighborCache, NeighborConfig, NeighborEvent, Resolution};
use super::tcp::{Conn, Quad, Segment, SocketEvent};
use super::{Cidr, End, HostId, IfIdx, LinkId};
use crate::engine::Event;
use crate::engine::ctx::Ctx;
use crate::engine::trace::{Dir, DropReason, Kind, Name};
use crate::net::apps::App;
use crate::net::proxy::{self, Decision, ServiceTable, Source};
use crate::net::tools::{Proc, ProcIo};
use crate::time::{Duration, Instant};
use crate::wire::ip::{self, Icmp, Ipv4, L4, Rewrite, TcpSegment};
use crate::wire::{self, Arp, ArpOperation, Frame, Mac, Parsed, arp};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, SocketAddrV4};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Client,
    Node,
    Router,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Iface {
    pub name: Name,
    pub mac: Mac,
    pub addrs: Vec<Cidr>,
    pub link: Option<LinkId>,
    pub neighbors: NeighborCache,
}

impl Iface {
    pub fn primary(&self) -> Option<Ipv4Addr> {
        self.addrs.first().map(|c| c.addr)
    }
}

/// How a route came to be, as `ip route` shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RouteOrigin {
    Kernel,
    Static,
    Bgp,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Route {
    pub dst: Cidr,
    /// Gateways; empty for a directly connected network, several for ECMP.
    pub via: Vec<Ipv4Addr>,
    pub iface: IfIdx,
    pub origin: RouteOrigin,
}

/// Something other than the kernel that answers ARP requests for an
/// address on this host: MetalLB's speaker (leader only) or Cilium's BPF
/// L2 responder (lease holder only).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Announcer {
    pub by: String,
    pub service: String,
    /// Interfaces it answers on; `None` = all.
    pub ifaces: Option<Vec<IfIdx>>,
}

/// A pod's network namespace, reduced to what the datapath needs: its
/// address, name and the app listening in it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PodNet {
    pub name: Name,
    pub app: App,
}

/// A healthCheckNodePort listener (externalTrafficPolicy: Local).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HealthCheck {
    pub service: String,
    pub local_endpoints: u32,
}

/// The Kubernetes side of a node's stack.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeNet {
    pub pod_cidr: Option<Cidr>,
    pub zone: Option<String>,
    pub pods: BTreeMap<Ipv4Addr, PodNet>,
    pub conntrack: Conntrack,
    /// The IPVS round-robin scheduler of each virtual service (IPVS datapath).
    pub ipvs_rr: proxy::IpvsRoundRobin,
    /// kube-ipvs0: every Service IP bound locally (IPVS datapath only).
    pub ipvs_addrs: BTreeSet<Ipv4Addr>,
    pub health: BTreeMap<u16, HealthCheck>,
}

/// Who owns a socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Owner {
    /// A console command (curl) running on this host.
    Process(u32),
    /// The app of the pod (or the node's health-check server) listening on this address.
    Server,
    /// Its process exited; the kernel finishes the close (FIN, TIME_WAIT) alone.
    Orphan,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Socket {
    pub conn: Conn,
    pub owner: Owner,
    /// Request bytes received so far (servers).
    pub inbox: Vec<u8>,
}

/// A host's TCP sockets, with an index of their timers so the host finds
/// its next TCP deadline without scanning every socket (TIME_WAIT sockets
/// pile up on busy hosts).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Sockets {
    map: BTreeMap<Quad, Socket>,
    timers: BTreeSet<(Instant, Quad)>,
}

impl Sockets {
    pub fn get(&self, q: &Quad) -> Option<&Socket> {
        self.map.get(q)
    }
    pub fn contains(&self, q: &Quad) -> bool {
        self.map.contains_key(q)
    }
    pub fn iter(&self) -> impl Iterator<Item = (&Quad, &Socket)> {
        self.map.iter()
    }
    pub fn len(&self) -> usize {
        self.map.len()
    }
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
    pub fn insert(&mut self, q: Quad, s: Socket) {
        if let Some(t) = s.conn.timer {
            self.timers.insert((t, q));
        }
        if let Some(old) = self.map.insert(q, s)
            && let Some(t) = old.conn.timer
        {
            self.timers.remove(&(t, q));
        }
    }
    pub fn remove(&mut self, q: &Quad) -> Option<Socket> {
        let s = self.map.remove(q)?;
        if let Some(t) = s.conn.timer {
            self.timers.remove(&(t, *q));
        }
        Some(s)
    }
    /// Changes a socket, keeping the timer index in step.
    pub fn update<R>(&mut self, q: &Quad, f: impl FnOnce(&mut Socket) -> R) -> Option<R> {
        let s = self.map.get_mut(q)?;
        let before = s.conn.timer;
        let r = f(s);
        let after = s.conn.timer;
        if before != after {
            if let Some(t) = before {
                self.timers.remove(&(t, *q));
            }
            if let Some(t) = after {
                self.timers.insert((t, *q));
            }
        }
        Some(r)
    }
    pub fn next_deadline(&self) -> Option<Instant> {
        self.timers.first().map(|(t, _)| *t)
    }
    /// Sockets whose timer is due at `now`.
    pub fn due(&self, now: Instant) -> Vec<Quad> {
        self.timers.iter().take_while(|(t, _)| *t <= now).map(|(_, q)| *q).collect()
    }
    pub fn clear(&mut self) {
        self.map.clear();
        self.timers.clear();
    }
}

/// A filter the scenario or the learner installs (a fault as data).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub name: String,
    /// Matches frames of this protocol, or all when `None`.
    pub proto: Option<RuleProto>,
    /// Only frames whose IPv4/ARP sender is this address.
    pub from: Option<Ipv4Addr>,
    pub direction: RuleDirection,
    pub verdict: Verdict,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleDirection {
    In,
    Out,
    Both,
}

impl RuleDirection {
    pub const ALL: [RuleDirection; 3] = [RuleDirection::In, RuleDirection::Out, RuleDirection::Both];

    /// `in`, `out`, `both`: as a scenario's `direction:` spells it.
    pub fn name(self) -> &'static str {
        match self {
            RuleDirection::In => "in",
            RuleDirection::Out => "out",
            RuleDirection::Both => "both",
        }
    }

    pub fn parse(s: &str) -> Option<RuleDirection> {
        RuleDirection::ALL.into_iter().find(|d| d.name() == s)
    }
}

/// The protocols a rule can match: what a frame carries (ARP) or what its
/// IPv4 packet carries. A scenario's `proto:` names one, in any case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RuleProto {
    Arp,
    Tcp,
    Udp,
    Icmp,
}

impl RuleProto {
    pub const ALL: [RuleProto; 4] = [RuleProto::Arp, RuleProto::Tcp, RuleProto::Udp, RuleProto::Icmp];

    pub fn name(self) -> &'static str {
        match self {
            RuleProto::Arp => "ARP",
            RuleProto::Tcp => "TCP",
            RuleProto::Udp => "UDP",
            RuleProto::Icmp => "ICMP",
        }
    }

    pub fn parse(s: &str) -> Option<RuleProto> {
        RuleProto::ALL.into_iter().find(|p| p.name().eq_ignore_ascii_case(s))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Drop,
    Delay(Duration),
}

/// Linux limits the ICMP errors it sends to each destination
/// (`icmpv4_xrlim_allow` → `inet_peer_xrlim_allow`, net/ipv4/icmp.c and
/// net/ipv4/inetpeer.c, Linux 6.18): a token bucket that gains one token
/// per `icmp_ratelimit` (1 s) and holds at most 6 (XRLIM_BURST_FACTOR),
/// full for a destination not seen yet. So a host that drops a burst of
/// packets (a neighbour that never answered, with its queue) answers the
/// first six and then one a second, never one per packet. (The global
/// limit, 1,000 a second with a burst of 50, is not modelled.)
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IcmpRateLimit {
    /// Per destination: nanoseconds of credit, and when it was last updated.
    peers: BTreeMap<Ipv4Addr, (u64, Instant)>,
}

/// `net.ipv4.icmp_ratelimit`: one ICMP error per destination per second.
pub const ICMP_RATELIMIT: Duration = Duration::from_secs(1);
/// XRLIM_BURST_FACTOR: a destination may be sent this many errors at once.
pub const ICMP_BURST: u64 = 6;

impl IcmpRateLimit {
    /// Whether an ICMP error to `dst` may leave now (and takes its token).
    pub fn allow(&mut self, dst: Ipv4Addr, now: Instant) -> bool {
        let timeout = ICMP_RATELIMIT.as_nanos();
        let full = ICMP_BURST * timeout;
        let (tokens, last) = self.peers.get(&dst).copied().unwrap_or((full, now));
        let mut tokens = (tokens + now.saturating_since(last).as_nanos()).min(full);
        let allowed = tokens >= timeout;
        if allowed {
            tokens -= timeout;
        }
        self.peers.insert(dst, (tokens, now));
        allowed
    }
}

/// Where a packet handed to IP output came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Origin {
    /// Generated by this host (a process or the kernel).
    Local,
    /// Generated by a pod on this node.
    Pod,
    /// Received on an interface and being forwarded.
    Forwarded,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    pub frame: Frame,
    pub origin: Origin,
}

/// `net.ipv4.fib_multipath_hash_policy`: which fields of a packet pick
/// its next hop on a multipath (ECMP) route. Linux 6.18 `net/ipv4/route.c`
/// fib_multipath_hash: policy 0 (the default) hashes the source and
/// destination address only, policy 1 the 5-tuple. Policies 2 (inner
/// headers of tunnels) and 3 (custom fields) are not modelled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MultipathHashPolicy {
    /// 0: layer 3, source and destination address.
    #[default]
    L3,
    /// 1: layer 4, the 5-tuple.
    L4,
}

/// The datapath flavour of the node's Service implementation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Datapath {
    Iptables,
    Ipvs,
    Ebpf,
}

/// Cluster-wide facts the stack consults while handling a packet.
pub struct Env<'a> {
    pub services: &'a ServiceTable,
    pub datapath: Datapath,
    /// kube-proxy `strictARP` (arp_ignore=1, arp_announce=2) for IPVS.
    pub strict_arp: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Host {
    pub id: HostId,
    pub name: Name,
    pub role: Role,
    pub up: bool,
    pub ifaces: Vec<Iface>,
    pub routes: Vec<Route>,
    /// How ECMP routes pick a next hop (`fib_multipath_hash_policy`).
    pub multipath_hash: MultipathHashPolicy,
    pub forwarding: bool,
    pub pending: BTreeMap<(IfIdx, Ipv4Addr), Vec<Pending>>,
    pub sockets: Sockets,
    /// Addresses with a server listening: pod apps and health checks.
    pub listeners: BTreeSet<SocketAddrV4>,
    pub procs: BTreeMap<u32, Proc>,
    pub next_pid: u32,
    pub announce: BTreeMap<Ipv4Addr, Announcer>,
    pub node: Option<NodeNet>,
    pub rules: Vec<Rule>,
    /// The ICMP errors this host may still send, per destination.
    pub icmp_limit: IcmpRateLimit,
    ip_ident: u16,
    wake_at: Option<Instant>,
}

/// Linux's ephemeral port range (net.ipv4.ip_local_port_range).
pub const EPHEMERAL_PORTS: (u16, u16) = (32768, 60999);

impl Host {
    pub fn new(id: HostId, name: &str, role: Role) -> Host {
        Host {
            id,
            name: name.into(),
            role,
            up: true,
            ifaces: Vec::new(),
            routes: Vec::new(),
            multipath_hash: MultipathHashPolicy::default(),
            forwarding: role != Role::Client,
            pending: BTreeMap::new(),
            sockets: Sockets::default(),
            listeners: BTreeSet::new(),
            procs: BTreeMap::new(),
            next_pid: 1,
            announce: BTreeMap::new(),
            node: (role == Role::Node).then(NodeNet::default),
            rules: Vec::new(),
            icmp_limit: IcmpRateLimit::default(),
            ip_ident: 0,
            wake_at: None,
        }
    }

    /// Adds an interface with one address; also installs its connected route.
    pub fn add_iface(&mut self, name: &str, mac: Mac, addr: Cidr, neighbor: NeighborConfig) -> IfIdx {
        let idx = self.ifaces.len();
        self.ifaces.push(Iface {
            name: name.into(),
            mac,
            addrs: vec![addr],
            link: None,
            neighbors: NeighborCache::new(neighbor),
        });
        self.routes.push(Route {
            dst: Cidr::new(addr.network(), addr.prefix),
            via: vec![],
            iface: idx,
            origin: RouteOrigin::Kernel,
        });
        idx
    }

    pub fn primary_ip(&self) -> Option<Ipv4Addr> {
        self.ifaces.first().and_then(|i| i.primary())
    }

    /// An address configured on one of this host's interfaces.
    pub fn owns(&self, ip: Ipv4Addr) -> bool {
        self.ifaces.iter().any(|i| i.addrs.iter().any(|a| a.addr == ip))
    }

    /// Addresses the kernel treats as local (RTN_LOCAL): interface
    /// addresses plus, with IPVS, every Service IP on kube-ipvs0.
    pub fn is_local(&self, ip: Ipv4Addr) -> bool {
        self.owns(ip) || self.node.as_ref().is_some_and(|n| n.ipvs_addrs.contains(&ip))
    }

    fn is_local_pod(&self, ip: Ipv4Addr) -> bool {
        self.node.as_ref().is_some_and(|n| n.pods.contains_key(&ip))
    }

    /// Longest-prefix match. For ECMP routes the flow hash picks the gateway.
    pub fn route(&self, dst: Ipv4Addr, flow: Option<Tuple>) -> Option<(IfIdx, Ipv4Addr)> {
        let r = self.routes.iter().filter(|r| r.dst.contains(dst)).max_by_key(|r| r.dst.prefix)?;
        let next_hop = match r.via.len() {
            0 => dst,
            1 => r.via[0],
            n => r.via[flow.map(|t| hash_threshold(ecmp_hash(&t, self.multipath_hash), n)).unwrap_or(0)],
        };
        Some((r.iface, next_hop))
    }

    fn next_ident(&mut self) -> u16 {
        self.ip_ident = self.ip_ident.wrapping_add(1);
        self.ip_ident
    }

    // ------------------------------------------------------------------
    // Frames in and out
    // ------------------------------------------------------------------

    fn rule_verdict(&self, frame: &Frame, dir: RuleDirection) -> Option<(&Rule, Verdict)> {
        self.rules.iter().find_map(|r| {
            if r.direction != RuleDirection::Both && r.direction != dir {
                return None;
            }
            let parsed = frame.parse();
            let (proto, from) = match &parsed {
                Parsed::Arp { arp, .. } => (Some(RuleProto::Arp), Some(arp.sender_ip)),
                Parsed::Ipv4 { packet, .. } => (
                    match packet.l4 {
                        L4::Tcp(_) => Some(RuleProto::Tcp),
                        L4::Udp { .. } => Some(RuleProto::Udp),
                        L4::Icmp(_) => Some(RuleProto::Icmp),
                        L4::Other(_) => None,
                    },
                    Some(packet.src),
                ),
                Parsed::Other { .. } => (None, None),
            };
            let proto_ok = r.proto.is_none_or(|p| Some(p) == proto);
            let from_ok = r.from.is_none_or(|f| Some(f) == from);
            (proto_ok && from_ok).then_some((r, r.verdict))
        })
    }

    /// Sends a complete frame out of `iface`.
    pub fn transmit(&mut self, iface: IfIdx, frame: Frame, cx: &mut Ctx) {
        let name = self.name.clone();
        let ifname = self.ifaces[iface].name.clone();
        self.tap(iface, &frame, Dir::Tx, cx);
        let Some(link) = self.ifaces[iface].link else {
            cx.drop(&name, DropReason::LinkDown, Some(frame));
            return;
        };
        match self.rule_verdict(&frame, RuleDirection::Out) {
            Some((r, Verdict::Drop)) => {
                let rule = r.name.clone();
                cx.record(Kind::Frame {
                    at: name.clone(),
                    iface: ifname,
                    dir: Dir::Tx,
                    frame: frame.clone(),
                    forward: None,
                });
                cx.drop(&name, DropReason::Rule { rule }, Some(frame));
            }
            Some((_, Verdict::Delay(d))) => {
                cx.schedule(cx.now + d, Event::DelayedTx { host: self.id, iface, frame });
            }
            None => cx.transmit(link, End::Host(self.id, iface), frame, &name, &ifname),
        }
    }

    /// A frame delayed by a rule leaves now.
    pub fn transmit_delayed(&mut self, iface: IfIdx, frame: Frame, cx: &mut Ctx) {
        if let Some(link) = self.ifaces[iface].link {
            let (name, ifname) = (self.name.clone(), self.ifaces[iface].name.clone());
            cx.transmit(link, End::Host(self.id, iface), frame, &name, &ifname);
        }
    }

    /// Lets running captures (tcpdump) and tools (arping) see the frame.
    fn tap(&mut self, iface: IfIdx, frame: &Frame, dir: Dir, cx: &mut Ctx) {
        if self.procs.values().any(|p| p.wants_frames()) {
            let pids: Vec<u32> = self.procs.iter().filter(|(_, p)| p.wants_frames()).map(|(id, _)| *id).collect();
            for pid in pids {
                self.with_proc(pid, cx, |proc, io| proc.on_frame(iface, frame, dir, io));
            }
        }
    }

    /// A frame arrived on `iface`.
    pub fn receive(&mut self, iface: IfIdx, frame: Frame, cx: &mut Ctx, env: &Env) {
        let name = self.name.clone();
        if !self.up {
            cx.drop(&name, DropReason::HostDown, Some(frame));
            return;
        }
        let mac = self.ifaces[iface].mac;
        let dst = frame.dst();
        if dst != mac && !dst.is_multicast() {
            cx.drop(&name, DropReason::NotForUs, Some(frame));
            return;
        }
        let ifname = self.ifaces[iface].name.clone();
        cx.record(Kind::Frame { at: name.clone(), iface: ifname, dir: Dir::Rx, frame: frame.clone(), forward: None });
        match self.rule_verdict(&frame, RuleDirection::In) {
            Some((r, Verdict::Drop)) => {
                let rule = r.name.clone();
                cx.drop(&name, DropReason::Rule { rule }, Some(frame));
                return;
            }
            Some((_, Verdict::Delay(d))) => {
                cx.schedule(cx.now + d, Event::DelayedRx { host: self.id, iface, frame });
                return;
            }
            None => {}
        }
        self.process(iface, frame, cx, env);
    }

    /// Handles a received frame after the NIC and ingress rules let it in.
    pub fn process(&mut self, iface: IfIdx, frame: Frame, cx: &mut Ctx, env: &Env) {
        self.tap(iface, &frame, Dir::Rx, cx);
        match frame.parse() {
            Parsed::Arp { eth_dst, arp, .. } => {
                let unicast_to_us = eth_dst == self.ifaces[iface].mac;
                self.arp_input(iface, arp, unicast_to_us, cx, env);
            }
            Parsed::Ipv4 { .. } => self.ip_input(iface, frame, Origin::Forwarded, cx, env),
            Parsed::Other { .. } => {
                let name = self.name.clone();
                cx.drop(&name, DropReason::Malformed, Some(frame));
            }
        }
        self.reschedule(cx);
    }

    // ------------------------------------------------------------------
    // ARP
    // ------------------------------------------------------------------

    /// Whether the kernel answers an ARP request for `ip` arriving on
    /// `iface`: arp_ignore=0 (the default) answers for any local address on
    /// any interface, including kube-ipvs0's Service IPs, which is why IPVS
    /// without strictARP makes every node answer for every VIP;
    /// arp_ignore=1 only for addresses on the receiving interface.
    fn kernel_answers(&self, iface: IfIdx, ip: Ipv4Addr, env: &Env) -> bool {
        if self.ifaces[iface].addrs.iter().any(|a| a.addr == ip) {
            return true;
        }
        !(env.strict_arp && env.datapath == Datapath::Ipvs) && self.is_local(ip)
    }

    fn arp_input(&mut self, iface: IfIdx, arp: Arp, unicast_to_us: bool, cx: &mut Ctx, env: &Env) {
        // A sender claiming one of our own addresses (another node's GARP
        // for a VIP this node also has on kube-ipvs0) is a martian source:
        // arp_process's input route lookup fails in fib_validate_source
        // (the source is a local address), so the kernel neither answers
        // nor caches it, and arp_accept creates entries only for unicast
        // senders (net/ipv4/arp.c, net/ipv4/fib_frontend.c, Linux 6.18).
        // Only an entry that already exists would be updated.
        let martian = self.is_local(arp.sender_ip);
        if martian && self.ifaces[iface].neighbors.get(arp.sender_ip).is_none() {
            let (host, ip, mac) = (self.name.clone(), arp.sender_ip, arp.sender_mac);
            let reason = format!("sender {ip} is one of our addresses (martian source)");
            cx.record(Kind::ArpIgnored { host, ip, mac, reason });
            return;
        }
        let is_request = arp.op == ArpOperation::Request;
        let target_local = is_request && !martian && self.kernel_answers(iface, arp.target_ip, env);
        let mut events = Vec::new();
        self.ifaces[iface].neighbors.receive_arp(&arp, unicast_to_us, target_local, cx.now, cx.rng, &mut events);
        self.neighbor_events(iface, events, cx);
        if !is_request || arp.is_announcement() {
            return;
        }
        let answered_by_announcer =
            self.announce.get(&arp.target_ip).is_some_and(|a| a.ifaces.as_ref().is_none_or(|l| l.contains(&iface)));
        if target_local || answered_by_announcer {
            // Both answer with the MAC of the interface the request came in on.
            let mac = self.ifaces[iface].mac;
            let reply = arp::reply(mac, arp.target_ip, arp.sender_mac, arp.sender_ip);
            self.transmit(iface, reply, cx);
        }
    }

    fn neighbor_events(&mut self, iface: IfIdx, events: Vec<NeighborEvent>, cx: &mut Ctx) {
        for ev in events {
            match ev {
                NeighborEvent::Solicit { ip, unicast_to } => {
                    let Some(src_ip) = self.source_for(iface, ip) else { continue };
                    let frame = arp::request(self.ifaces[iface].mac, src_ip, ip, unicast_to);
                    self.transmit(iface, frame, cx);
                }
                NeighborEvent::Resolved { ip, .. } => {
                    for p in self.pending.remove(&(iface, ip)).unwrap_or_default() {
                        self.neighbor_output(iface, ip, p.frame, p.origin, cx);
                    }
                }
                NeighborEvent::Failed { ip } => {
                    for p in self.pending.remove(&(iface, ip)).unwrap_or_default() {
                        self.unreachable(iface, ip, p, cx);
                    }
                }
                NeighborEvent::Changed { ip, old, new, reason } => {
                    let host = self.name.clone();
                    cx.record(Kind::Neighbor { host, ip, old, new, reason });
                }
                NeighborEvent::Ignored { ip, mac, reason } => {
                    let host = self.name.clone();
                    cx.record(Kind::ArpIgnored { host, ip, mac, reason });
                }
            }
        }
    }

    /// The source address for ARP requests about `target` on `iface`: the
    /// interface address in the target's subnet, else its first address.
    fn source_for(&self, iface: IfIdx, target: Ipv4Addr) -> Option<Ipv4Addr> {
        let i = &self.ifaces[iface];
        i.addrs.iter().find(|a| a.contains(target)).or(i.addrs.first()).map(|a| a.addr)
    }

    /// A queued packet whose next hop never answered ARP: dropped, and its
    /// sender told with ICMP host unreachable. Linux 6.18: the neighbour's
    /// error path (`arp_error_report` in net/ipv4/arp.c) calls
    /// `ipv4_link_failure` (net/ipv4/route.c), which sends
    /// `icmp_send(skb, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0)` for every
    /// packet, forwarded or locally sent. A forwarded packet's error goes
    /// back over the wire; a local one's goes to this host's own address
    /// and so through loopback to the socket (`tcp_v4_err`).
    fn unreachable(&mut self, _iface: IfIdx, next_hop: Ipv4Addr, p: Pending, cx: &mut Ctx) {
        let name = self.name.clone();
        let original = ip::ip_payload(&p.frame).to_vec();
        cx.drop(&name, DropReason::NoNeighbor { next_hop }, Some(p.frame));
        self.icmp_send(&original, 1, cx);
    }

    /// Whether an ICMP error to `dst` may be sent now: errors to a local
    /// address go through loopback, which is not limited.
    fn icmp_error_allowed(&mut self, dst: Ipv4Addr, now: Instant) -> bool {
        self.is_local(dst) || self.icmp_limit.allow(dst, now)
    }

    /// `icmp_send` (net/ipv4/icmp.c, Linux 6.18): a destination unreachable
    /// with `code` about the IPv4 packet `original`, to its sender. Never
    /// about an ICMP error (RFC 1122 3.2.2). The source is the packet's
    /// destination when that is a local address (`RTCF_LOCAL`), otherwise
    /// the address the route back to the sender picks.
    fn icmp_send(&mut self, original: &[u8], code: u8, cx: &mut Ctx) {
        let Some(pkt) = Ipv4::parse(original) else { return };
        if matches!(pkt.l4, L4::Icmp(Icmp::Unreachable { .. } | Icmp::Other { .. })) || !is_unicast(pkt.src) {
            return;
        }
        let src = if self.is_local(pkt.dst) {
            Some(pkt.dst)
        } else {
            self.route(pkt.src, None).and_then(|(i, _)| self.source_for(i, pkt.src))
        };
        let Some(src) = src else { return };
        if !self.icmp_error_allowed(pkt.src, cx.now) {
            return;
        }
        let ident = self.next_ident();
        if let Some(icmp) = ip::icmp_unreachable_frame(Mac::ZERO, Mac::ZERO, src, ident, code, original) {
            self.ip_output(icmp, Origin::Local, cx);
        }
    }

    /// Sends an IPv4 frame (Ethernet addresses to be filled in) to
    /// `next_hop` on `iface`, resolving its MAC first.
    fn neighbor_output(&mut self, iface: IfIdx, next_hop: Ipv4Addr, frame: Frame, origin: Origin, cx: &mut Ctx) {
        let mut events = Vec::new();
        let res = self.ifaces[iface].neighbors.resolve(next_hop, cx.now, cx.rng, &mut events);
        match res {
            Resolution::Mac(mac) => {
                let out = wire::rewrite_ethernet(frame, mac, self.ifaces[iface].mac);
                self.transmit(iface, out, cx);
            }
            Resolution::Queued => {
                let q = self.pending.entry((iface, next_hop)).or_default();
                // Linux queues a few packets per unresolved neighbour (unres_qlen_bytes); drop beyond that.
                if q.len() < 64 {
                    q.push(Pending { frame, origin });
                } else {
                    let name = self.name.clone();
                    cx.drop(&name, DropReason::QueueFull, Some(frame));
                }
            }
            Resolution::Failed => self.unreachable(iface, next_hop, Pending { frame, origin }, cx),
        }
        self.neighbor_events(iface, events, cx);
    }

    /// Changes every interface's neighbour settings now (`sysctl`, IOS
    /// `arp timeout`); what becomes due at once (an entry older than a
    /// shorter timeout) happens now, the rest at its new time.
    pub fn set_neighbor_config(&mut self, change: impl Fn(&mut NeighborConfig), cx: &mut Ctx) {
        for i in 0..self.ifaces.len() {
            let mut config = self.ifaces[i].neighbors.config().clone();
            change(&mut config);
            self.ifaces[i].neighbors.set_config(config, cx.now);
            let mut events = Vec::new();
            self.ifaces[i].neighbors.poll(cx.now, cx.rng, &mut events);
            self.neighbor_events(i, events, cx);
        }
        self.reschedule(cx);
    }

    /// `ip neigh flush all`: forgets every entry (queued packets are dropped).
    pub fn flush_neighbors(&mut self, cx: &mut Ctx) {
        for i in 0..self.ifaces.len() {
            let mut events = Vec::new();
            self.ifaces[i].neighbors.flush(&mut events);
            self.neighbor_events(i, events, cx);
        }
        self.pending.clear();
    }

    // ------------------------------------------------------------------
    // IPv4
    // ------------------------------------------------------------------

    /// Routes and sends an IPv4 packet wrapped in `frame` (Ethernet addresses ignored).
    pub fn ip_output(&mut self, frame: Frame, origin: Origin, cx: &mut Ctx) {
        let name = self.name.clone();
        let Some(pkt) = Ipv4::parse(ip::ip_payload(&frame)) else {
            cx.drop(&name, DropReason::Malformed, Some(frame));
            return;
        };
        let flow = flow_tuple(&pkt);
        let dst = pkt.dst;
        if self.is_local(dst) || self.is_local_pod(dst) {
            // The local routing table (RTN_LOCAL) sends a packet for one of
            // our own addresses to the loopback device: it is never ARPed
            // for on the LAN (ip_route_output_key_hash_rcu in
            // net/ipv4/route.c, Linux 6.18).
            cx.schedule(cx.now, Event::Loopback { host: self.id, frame });
            return;
        }
        match self.route(dst, flow) {
            Some((iface, next_hop)) => self.neighbor_output(iface, next_hop, frame, origin, cx),
            None => cx.drop(&name, DropReason::NoRoute { dst }, Some(frame)),
        }
    }

    fn ip_input(&mut self, iface: IfIdx, frame: Frame, origin: Origin, cx: &mut Ctx, env: &Env) {
        let name = self.name.clone();
        let frame = match self.node_prerouting(frame, origin, cx, env) {
            Some(f) => f,
            None => return,
        };
        let Some(pkt) = Ipv4::parse(ip::ip_payload(&frame)) else {
            cx.drop(&name, DropReason::Malformed, Some(frame));
            return;
        };
        if self.is_local(pkt.dst) || self.is_local_pod(pkt.dst) {
            self.local_deliver(&frame, cx, env);
        } else if pkt.dst.is_broadcast() || self.ifaces.iter().any(|i| i.addrs.iter().any(|a| a.broadcast() == pkt.dst))
        {
            // Subnet broadcasts are not forwarded; nothing here listens for them.
        } else if self.forwarding {
            if pkt.ttl <= 1 {
                cx.drop(&name, DropReason::TtlExpired, Some(frame));
                return;
            }
            let rw = Rewrite { decrement_ttl: origin == Origin::Forwarded, ..Rewrite::default() };
            let out = if rw.decrement_ttl { ip::rewrite(&frame, &rw).unwrap_or(frame) } else { frame };
            self.ip_output(out, Origin::Forwarded, cx);
        } else {
            cx.drop(&name, DropReason::NotForwarding { dst: pkt.dst }, Some(frame));
        }
        let _ = iface;
    }

    /// kube-proxy / Cilium on a node, before routing: translate packets of
    /// tracked flows, and decide new flows to Service addresses. Returns
    /// the (possibly rewritten) frame, or `None` when it was dropped or
    /// rejected here.
    fn node_prerouting(&mut self, frame: Frame, origin: Origin, cx: &mut Ctx, env: &Env) -> Option<Frame> {
        if self.node.is_none() {
            return Some(frame);
        }
        let name = self.name.clone();
        let pkt = Ipv4::parse(ip::ip_payload(&frame))?;
        let Some(t) = flow_tuple(&pkt) else { return Some(frame) };
        let flags = match pkt.l4 {
            L4::Tcp(tcp) => Some(tcp.flags),
            _ => None,
        };
        let now = cx.now;
        let node = self.node.as_mut().expect("checked");
        if let Some(tr) = node.conntrack.lookup(t, now) {
            node.conntrack.update(tr.id, tr.direction, flags, now);
            if (tr.src, tr.dst) == ((t.src, t.sport), (t.dst, t.dport)) {
                return Some(frame);
            }
            return Some(translate(&frame, &pkt, tr.src, tr.dst));
        }
        // Only a new flow's first packet consults the Service rules. A
        // mid-stream TCP segment (no SYN) is still picked up
        // (nf_conntrack_tcp_loose=1), so a flow that moves to another node
        // gets a fresh decision there, usually ending in a RST.
        let source = match origin {
            Origin::Forwarded => Source::External,
            Origin::Pod => Source::Pod,
            Origin::Local => Source::Host,
        };
        let node_ips: Vec<Ipv4Addr> = self.ifaces.iter().flat_map(|i| i.addrs.iter().map(|a| a.addr)).collect();
        let node = self.node.as_mut().expect("checked");
        let zone = node.zone.clone();
        let here = proxy::NodeView { name: &self.name, zone: zone.as_deref(), ips: &node_ips, datapath: env.datapath };
        match proxy::decide(env.services, &here, t, source, cx.rng, &mut node.ipvs_rr) {
            Decision::Pass => {
                // Not a Service: netfilter still tracks the flow (forwarded
                // to or from a pod, or the node's own), untranslated.
                let node = self.node.as_mut().expect("checked");
                if let Some(id) = node.conntrack.track(t, flags, now) {
                    node.conntrack.update(id, Direction::Original, flags, now);
                }
                Some(frame)
            }
            Decision::Drop(reason) => {
                cx.drop(&name, reason, Some(frame));
                None
            }
            Decision::Reject { service } => {
                cx.record(Kind::Log {
                    host: name.clone(),
                    component: "kube-proxy".into(),
                    line: format!("REJECT {t}: service {service} has no endpoints"),
                });
                self.reject(&frame, origin, env.datapath, cx);
                None
            }
            Decision::Dnat { to, snat, service } => {
                let remote_endpoint = !self.is_local_pod(*to.ip());
                let masquerade = match snat {
                    proxy::Snat::Always => true,
                    proxy::Snat::IfRemote => remote_endpoint,
                    proxy::Snat::Never => false,
                };
                let src = if masquerade {
                    // MASQUERADE takes an address of the interface the packet
                    // leaves by. To another node: the LAN interface of the
                    // route to the endpoint. To a pod here: the pod's veth,
                    // which has no IPv4 address on the host side (vipsim's
                    // pod network, like Calico's or Cilium's), so the kernel
                    // (inet_select_addr) takes the first interface's: the
                    // node's own address. A bridge CNI (flannel's cni0)
                    // would give the bridge's address instead.
                    let egress =
                        if remote_endpoint { self.route(*to.ip(), None).map(|(i, _)| i).unwrap_or(0) } else { 0 };
                    (self.ifaces[egress].primary().unwrap_or(t.src), t.sport)
                } else {
                    (t.src, t.sport)
                };
                let reply = Tuple { proto: t.proto, src: *to.ip(), sport: to.port(), dst: src.0, dport: src.1 };
                let node = self.node.as_mut().expect("checked");
                let tr = node.conntrack.insert(t, reply, now, Some(service), masquerade);
                node.conntrack.update(tr.id, Direction::Original, flags, now);
                Some(translate(&frame, &pkt, tr.src, tr.dst))
            }
        }
    }

    /// A Service without endpoints answers with ICMP port unreachable, for
    /// TCP as for UDP; never a TCP RST.
    /// * iptables: kube-proxy 1.34 (`pkg/proxy/iptables/proxier.go`) adds
    ///   `-j REJECT` for it, and `ipt_REJECT`'s default is
    ///   `icmp-port-unreachable` (net/ipv4/netfilter/ipt_REJECT.c), sent by
    ///   `icmp_send`.
    /// * IPVS: a virtual service without a real server is left by
    ///   `ip_vs_leave` (net/netfilter/ipvs/ip_vs_core.c) with
    ///   `icmp_send(ICMP_DEST_UNREACH, ICMP_PORT_UNREACH)`; the VIP is local
    ///   (kube-ipvs0), so it is the error's source.
    /// * Cilium eBPF: `__tail_no_service_ipv4` writes the reply itself and
    ///   sends it back out of the interface the request came in on (see
    ///   [`ip::cilium_no_service_frame`]); in-cluster clients (Cilium's socket
    ///   LB) get the same error through the kernel here.
    fn reject(&mut self, frame: &Frame, origin: Origin, datapath: Datapath, cx: &mut Ctx) {
        if datapath == Datapath::Ebpf
            && origin == Origin::Forwarded
            && let Some(iface) = self.ifaces.iter().position(|i| i.mac == frame.dst())
            && let Some(reply) = ip::cilium_no_service_frame(frame)
        {
            self.transmit(iface, reply, cx);
            return;
        }
        self.icmp_send(ip::ip_payload(frame), 3, cx);
    }

    /// Packets generated on this host (processes, the kernel) or by its pods.
    pub fn send_local(&mut self, frame: Frame, origin: Origin, cx: &mut Ctx, env: &Env) {
        let Some(frame) = self.node_prerouting(frame, origin, cx, env) else { return };
        let Some(pkt) = Ipv4::parse(ip::ip_payload(&frame)) else { return };
        if self.is_local(pkt.dst) || self.is_local_pod(pkt.dst) {
            // Loopback or pod-to-pod on the same node: no wire involved.
            self.local_deliver(&frame, cx, env);
        } else {
            self.ip_output(frame, origin, cx);
        }
    }

    /// A packet this host sent to itself arrives on `lo`.
    pub fn loopback(&mut self, frame: Frame, cx: &mut Ctx, env: &Env) {
        self.local_deliver(&frame, cx, env);
        self.reschedule(cx);
    }

    fn local_deliver(&mut self, frame: &Frame, cx: &mut Ctx, env: &Env) {
        let Some(pkt) = Ipv4::parse(ip::ip_payload(frame)) else { return };
        match pkt.l4 {
            L4::Tcp(tcp) => self.tcp_input(&pkt, tcp, cx, env),
            L4::Icmp(Icmp::EchoRequest { ident, seq }) => {
                let id = self.next_ident();
                let data = match pkt.l4 {
                    L4::Icmp(_) => &ip::ip_payload(frame)[ip::IPV4_HEADER_LEN + 8..],
                    _ => &[],
                };
                let reply = ip::icmp_echo_frame(Mac::ZERO, Mac::ZERO, pkt.dst, pkt.src, id, true, ident, seq, data);
                let origin = if self.is_local_pod(pkt.dst) { Origin::Pod } else { Origin::Local };
                self.send_local(reply, origin, cx, env);
            }
            L4::Icmp(icmp) => {
                if let Icmp::Unreachable { code, quoted } = icmp {
                    self.tcp_err(code, quoted, cx, env);
                }
                let pids: Vec<u32> = self.procs.keys().copied().collect();
                for pid in pids {
                    self.with_proc(pid, cx, |p, io| p.on_icmp(&pkt, icmp, io));
                }
            }
            L4::Udp { .. } => {
                // No UDP services are modelled: the kernel answers port unreachable.
                if !self.icmp_error_allowed(pkt.src, cx.now) {
                    return;
                }
                let id = self.next_ident();
                if let Some(f) = ip::icmp_unreachable_frame(Mac::ZERO, Mac::ZERO, pkt.dst, id, 3, ip::ip_payload(frame))
                {
                    self.send_local(f, Origin::Local, cx, env);
                }
            }
            L4::Other(_) => {}
        }
    }

    // ------------------------------------------------------------------
    // TCP
    // ------------------------------------------------------------------

    fn tcp_input(&mut self, pkt: &Ipv4, tcp: ip::Tcp, cx: &mut Ctx, env: &Env) {
        let quad =
            Quad { local: SocketAddrV4::new(pkt.dst, tcp.dst_port), remote: SocketAddrV4::new(pkt.src, tcp.src_port) };
        let mut out = Vec::new();
        let mut events = Vec::new();
        let now = cx.now;
        let progressed = self.sockets.update(&quad, |sock| {
            let acked_before = sock.conn.snd_una();
            sock.conn.input(&tcp, now, &mut out, &mut events);
            sock.conn.snd_una() != acked_before
        });
        if let Some(progressed) = progressed {
            if progressed && !self.is_local_pod(*quad.local.ip()) {
                self.confirm_neighbor(*quad.remote.ip(), cx);
            }
        } else if tcp.flags.has(ip::TcpFlags::SYN)
            && !tcp.flags.has(ip::TcpFlags::ACK)
            && self.listeners.contains(&quad.local)
        {
            let (conn, syn_ack) = Conn::accept(quad, &tcp, cx.now, cx.rng);
            self.sockets.insert(quad, Socket { conn, owner: Owner::Server, inbox: Vec::new() });
            out.push(syn_ack);
        } else if !tcp.flags.has(ip::TcpFlags::RST) {
            // Nobody here knows this connection: answer with RST.
            out.push(Conn::reset_for(&tcp));
        }
        self.emit_segments(quad, out, cx, env);
        self.socket_events(quad, events, cx, env);
    }

    /// `tcp_v4_err` (net/ipv4/tcp_ipv4.c, Linux 6.18): a destination
    /// unreachable quoting one of our segments. A connection still being
    /// set up (SYN-SENT) is aborted with the code's errno
    /// (`icmp_err_convert`: host unreachable -> EHOSTUNREACH, port
    /// unreachable -> ECONNREFUSED) when the quoted sequence number is one
    /// we sent; an established one only notes it (`sk_err_soft`).
    fn tcp_err(&mut self, code: u8, quoted: &[u8], cx: &mut Ctx, env: &Env) {
        let Some((quad, seq)) = quoted_tcp(quoted) else { return };
        let mut events = Vec::new();
        if self.sockets.update(&quad, |sock| sock.conn.icmp_unreachable(code, seq, &mut events)).is_some() {
            self.socket_events(quad, events, cx, env);
        }
    }

    /// TCP saw the peer acknowledge new data: the path works, so the
    /// neighbour entry of the next hop is confirmed (Linux's dst_confirm),
    /// which keeps an entry in use from going through DELAY and PROBE.
    fn confirm_neighbor(&mut self, remote: Ipv4Addr, cx: &mut Ctx) {
        if let Some((iface, next_hop)) = self.route(remote, None) {
            let mut events = Vec::new();
            self.ifaces[iface].neighbors.confirm(next_hop, cx.now, cx.rng, &mut events);
            self.neighbor_events(iface, events, cx);
        }
    }

    /// Wraps segments of connection `quad` in frames and sends them.
    fn emit_segments(&mut self, quad: Quad, segs: Vec<Segment>, cx: &mut Ctx, env: &Env) {
        let origin = if self.is_local_pod(*quad.local.ip()) { Origin::Pod } else { Origin::Local };
        for s in segs {
            let seg = TcpSegment {
                src: *quad.local.ip(),
                dst: *quad.remote.ip(),
                src_port: quad.local.port(),
                dst_port: quad.remote.port(),
                seq: s.seq,
                ack: s.ack,
                flags: s.flags,
                window: super::tcp::WINDOW,
                mss: s.mss,
                payload: &s.payload,
            };
            let ident = self.next_ident();
            let frame = ip::tcp_frame(Mac::ZERO, Mac::ZERO, ident, &seg);
            self.send_local(frame, origin, cx, env);
        }
    }

    fn socket_events(&mut self, quad: Quad, events: Vec<SocketEvent>, cx: &mut Ctx, env: &Env) {
        if events.is_empty() {
            return;
        }
        let Some(owner) = self.sockets.get(&quad).map(|s| s.owner) else { return };
        for ev in events {
            match owner {
                Owner::Process(pid) => {
                    let io_ev = ev.clone();
                    self.with_proc_env(pid, cx, env, |p, io| p.on_socket(quad, io_ev, io));
                }
                Owner::Server => self.server_event(quad, ev, cx, env),
                Owner::Orphan => {}
            }
        }
        if self.sockets.get(&quad).is_some_and(|s| s.conn.is_closed()) {
            self.sockets.remove(&quad);
        }
    }

    /// A pod's app (or the node's health-check server) handling its connection.
    fn server_event(&mut self, quad: Quad, ev: SocketEvent, cx: &mut Ctx, env: &Env) {
        let SocketEvent::Data(bytes) = ev else { return };
        let request = self.sockets.update(&quad, |sock| {
            sock.inbox.extend_from_slice(&bytes);
            let request = crate::net::apps::HttpRequest::parse(&sock.inbox);
            if request.is_some() {
                sock.inbox.clear();
            }
            request
        });
        let Some(Some(request)) = request else { return };
        let local_ip = *quad.local.ip();
        let node_name = self.name.clone();
        let (response, record) = match self.node.as_ref().and_then(|n| n.pods.get(&local_ip)) {
            Some(pod) => {
                let resp = pod.app.respond(&pod.name, &request, quad.remote, quad.local);
                let rec = Kind::App {
                    pod: pod.name.clone(),
                    node: node_name,
                    client: quad.remote,
                    request: format!("{} {}", request.method, request.path),
                    status: resp.status,
                };
                (resp, Some(rec))
            }
            None => {
                let hc = self.node.as_ref().and_then(|n| n.health.get(&quad.local.port()));
                (crate::net::apps::health_check(hc, &request), None)
            }
        };
        if let Some(r) = record {
            cx.record(r);
        }
        let now = cx.now;
        let bytes = response.to_bytes();
        let Some(segs) = self.sockets.update(&quad, |sock| sock.conn.send_and_close(&bytes, now)) else { return };
        self.emit_segments(quad, segs, cx, env);
    }

    /// Opens a TCP connection for process `pid` from a free ephemeral port.
    pub fn connect(&mut self, pid: u32, dst: SocketAddrV4, cx: &mut Ctx, env: &Env) -> Option<Quad> {
        let (iface, _) = self.route(*dst.ip(), None)?;
        let src_ip = self.source_for(iface, *dst.ip())?;
        let quad = loop {
            let port = cx.rng.range_u64(EPHEMERAL_PORTS.0 as u64, EPHEMERAL_PORTS.1 as u64) as u16;
            let q = Quad { local: SocketAddrV4::new(src_ip, port), remote: dst };
            if !self.sockets.contains(&q) {
                break q;
            }
        };
        let (conn, syn) = Conn::connect(quad, cx.now, cx.rng);
        self.sockets.insert(quad, Socket { conn, owner: Owner::Process(pid), inbox: Vec::new() });
        self.emit_segments(quad, vec![syn], cx, env);
        Some(quad)
    }

    pub fn tcp_send(&mut self, quad: Quad, data: &[u8], close: bool, cx: &mut Ctx, env: &Env) {
        let now = cx.now;
        let segs = self.sockets.update(&quad, |sock| {
            let mut segs = sock.conn.send(data, now);
            if close {
                segs.extend(sock.conn.close(now));
            }
            segs
        });
        if let Some(segs) = segs {
            self.emit_segments(quad, segs, cx, env);
        }
    }

    /// A process exited with `quad` open: a connection still being set up
    /// is discarded, an established one is closed gracefully by the kernel.
    /// Returns the segments (a FIN) to send.
    fn release_socket(&mut self, quad: Quad, now: Instant) -> Vec<Segment> {
        let Some(state) = self.sockets.get(&quad).map(|s| s.conn.state) else { return vec![] };
        if matches!(state, super::tcp::TcpState::SynSent | super::tcp::TcpState::Closed) {
            self.sockets.remove(&quad);
            return vec![];
        }
        self.sockets
            .update(&quad, |sock| {
                sock.owner = Owner::Orphan;
                sock.conn.close(now)
            })
            .unwrap_or_default()
    }

    // ------------------------------------------------------------------
    // Processes and timers
    // ------------------------------------------------------------------

    /// Starts a console tool as a process on this host.
    pub fn spawn(&mut self, proc: Proc, cx: &mut Ctx, env: &Env) -> u32 {
        let pid = self.next_pid;
        self.next_pid += 1;
        self.procs.insert(pid, proc);
        self.with_proc_env(pid, cx, env, |p, io| p.start(io));
        self.reschedule(cx);
        pid
    }

    /// Runs a process handler that needs no Service rules (frames, ICMP).
    fn with_proc(&mut self, pid: u32, cx: &mut Ctx, f: impl FnOnce(&mut Proc, &mut ProcIo)) {
        self.run_proc(pid, cx, None, f);
    }

    fn with_proc_env(&mut self, pid: u32, cx: &mut Ctx, env: &Env, f: impl FnOnce(&mut Proc, &mut ProcIo)) {
        self.run_proc(pid, cx, Some(env), f);
    }

    fn run_proc(&mut self, pid: u32, cx: &mut Ctx, env: Option<&Env>, f: impl FnOnce(&mut Proc, &mut ProcIo)) {
        let Some(mut proc) = self.procs.remove(&pid) else { return };
        let mut io = ProcIo { host: self, cx, env, pid };
        f(&mut proc, &mut io);
        match proc.finished() {
            Some(output) => {
                let (host, cmd, started) = (self.name.clone(), proc.cmd().to_string(), proc.started());
                let stderr_first = proc.stderr_first();
                for q in proc.sockets() {
                    let segs = self.release_socket(q, cx.now);
                    if let Some(env) = env {
                        self.emit_segments(q, segs, cx, env);
                    }
                }
                cx.record(Kind::Command {
                    host,
                    cmd,
                    started,
                    stdout: output.stdout,
                    stderr: output.stderr,
                    exit: output.exit,
                    stderr_first,
                });
            }
            None => {
                self.procs.insert(pid, proc);
            }
        }
    }

    /// Runs every timer due now: neighbour caches, TCP, processes.
    pub fn wake(&mut self, cx: &mut Ctx, env: &Env) {
        if self.wake_at.is_some_and(|t| t > cx.now) {
            return; // superseded by an earlier reschedule
        }
        self.wake_at = None;
        for i in 0..self.ifaces.len() {
            if self.ifaces[i].neighbors.next_deadline().is_some_and(|t| t <= cx.now) {
                let mut events = Vec::new();
                self.ifaces[i].neighbors.poll(cx.now, cx.rng, &mut events);
                self.neighbor_events(i, events, cx);
            }
        }
        for q in self.sockets.due(cx.now) {
            let (mut out, mut events) = (Vec::new(), Vec::new());
            let now = cx.now;
            self.sockets.update(&q, |s| s.conn.on_timer(now, &mut out, &mut events));
            self.emit_segments(q, out, cx, env);
            if events.is_empty() {
                continue;
            }
            self.socket_events(q, events, cx, env);
            if self.sockets.get(&q).is_some_and(|s| s.conn.is_closed()) {
                self.sockets.remove(&q);
            }
        }
        let due: Vec<u32> =
            self.procs.iter().filter(|(_, p)| p.deadline().is_some_and(|t| t <= cx.now)).map(|(id, _)| *id).collect();
        for pid in due {
            self.with_proc_env(pid, cx, env, |p, io| p.on_timer(io));
        }
        if let Some(node) = self.node.as_mut() {
            node.conntrack.expire(cx.now);
        }
        self.reschedule(cx);
    }

    /// The earliest timer of any subsystem.
    fn next_deadline(&self) -> Option<Instant> {
        let neigh = self.ifaces.iter().filter_map(|i| i.neighbors.next_deadline()).min();
        let tcp = self.sockets.next_deadline();
        let procs = self.procs.values().filter_map(|p| p.deadline()).min();
        [neigh, tcp, procs].into_iter().flatten().min()
    }

    /// Schedules a wake-up for the earliest pending timer, unless one at or
    /// before it is already scheduled.
    pub fn reschedule(&mut self, cx: &mut Ctx) {
        if !self.up {
            return;
        }
        let Some(t) = self.next_deadline() else { return };
        let t = t.max(cx.now);
        if self.wake_at.is_some_and(|w| w <= t && w >= cx.now) {
            return;
        }
        self.wake_at = Some(t);
        cx.schedule(t, Event::Wake { host: self.id });
    }

    /// Power off: the NIC loses carrier, RAM (caches, sockets, processes,
    /// conntrack) is lost. Power on starts from empty tables.
    pub fn power(&mut self, on: bool) {
        self.up = on;
        for i in &mut self.ifaces {
            let config = i.neighbors.config().clone();
            i.neighbors = NeighborCache::new(config);
        }
        self.pending.clear();
        self.sockets.clear();
        self.procs.clear();
        self.icmp_limit = IcmpRateLimit::default();
        self.wake_at = None;
        if let Some(n) = self.node.as_mut() {
            n.conntrack.flush();
            n.ipvs_rr = proxy::IpvsRoundRobin::default();
        }
    }
}

/// The 5-tuple of a packet, for conntrack and ECMP hashing. ICMP echo uses
/// its identifier as both ports, as conntrack does.
pub fn flow_tuple(pkt: &Ipv4) -> Option<Tuple> {
    let (proto, sport, dport) = match pkt.l4 {
        L4::Tcp(t) => (conntrack::PROTO_TCP, t.src_port, t.dst_port),
        L4::Udp { src_port, dst_port, .. } => (conntrack::PROTO_UDP, src_port, dst_port),
        L4::Icmp(Icmp::EchoRequest { ident, .. }) | L4::Icmp(Icmp::EchoReply { ident, .. }) => {
            (conntrack::PROTO_ICMP, ident, ident)
        }
        _ => return None,
    };
    Some(Tuple { proto, src: pkt.src, sport, dst: pkt.dst, dport })
}

/// The connection (from the sender's side) and sequence number of the TCP
/// segment an ICMP error quotes: its IPv4 header and at least the first 8
/// bytes of TCP, as RFC 792 requires.
fn quoted_tcp(quoted: &[u8]) -> Option<(Quad, u32)> {
    let ihl = usize::from(quoted.first()? & 0x0f) * 4;
    if quoted.get(9) != Some(&conntrack::PROTO_TCP) || ihl < ip::IPV4_HEADER_LEN {
        return None;
    }
    let addr =
        |at: usize| -> Option<Ipv4Addr> { Some(Ipv4Addr::from(<[u8; 4]>::try_from(quoted.get(at..at + 4)?).ok()?)) };
    let be16 = |at: usize| -> Option<u16> { Some(u16::from_be_bytes(quoted.get(at..at + 2)?.try_into().ok()?)) };
    let (src, dst) = (addr(12)?, addr(16)?);
    let (sport, dport) = (be16(ihl)?, be16(ihl + 2)?);
    let seq = u32::from_be_bytes(quoted.get(ihl + 4..ihl + 8)?.try_into().ok()?);
    Some((Quad { local: SocketAddrV4::new(src, sport), remote: SocketAddrV4::new(dst, dport) }, seq))
}

/// A unicast source an ICMP error may answer (not 0.0.0.0, broadcast or
/// multicast).
fn is_unicast(ip: Ipv4Addr) -> bool {
    !(ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast())
}

/// The multipath flow hash, 31 bits like Linux's (fib_multipath_hash
/// returns `mhash >> 1`). Linux 6.18 `net/ipv4/route.c` fills the flow keys
/// by policy (0: saddr and daddr only, the rest zeroed; 1: saddr, daddr,
/// ports, protocol) and hashes them with a per-boot random seed
/// (flow_hash_from_keys, seeded through net_get_random_once), so its
/// numbers cannot be reproduced; vipsim hashes the same fields with
/// FNV-1a and murmur3's finaliser, unseeded. What carries over exactly:
/// which fields count, equal keys give the same path, every flow between
/// two addresses takes one path under policy 0.
pub fn ecmp_hash(t: &Tuple, policy: MultipathHashPolicy) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    let mut feed = |b: u8| {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    };
    t.src.octets().into_iter().for_each(&mut feed);
    t.dst.octets().into_iter().for_each(&mut feed);
    if policy == MultipathHashPolicy::L4 {
        t.sport.to_be_bytes().into_iter().for_each(&mut feed);
        t.dport.to_be_bytes().into_iter().for_each(&mut feed);
        feed(t.proto);
    }
    // murmur3 fmix32, so the high bits (which hash-threshold compares) mix well.
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    h >> 1
}

/// Hash-threshold next-hop selection (RFC 2992), as Linux 6.18 does it:
/// fib_rebalance (`net/ipv4/fib_semantics.c`; nh_hthr_group_rebalance in
/// `nexthop.c` for nexthop objects) gives next hop `i` of `n` equal-weight
/// hops the upper bound round((i+1) * 2^31 / n) - 1, and
/// fib_select_multipath takes the first whose bound is at least the
/// 31-bit hash. Each next hop owns a contiguous slice of the hash space,
/// so removing one moves its flows and shifts the slice boundaries of the
/// others: some, not all, flows on surviving paths move too.
pub fn hash_threshold(hash: u32, n: usize) -> usize {
    let n = n.max(1) as u64;
    (0..n)
        .position(|i| {
            let upper = (((i + 1) << 31) + n / 2) / n - 1;
            u64::from(hash) <= upper
        })
        .unwrap_or(n as usize - 1)
}

/// Rewrites a packet's addresses/ports to `src`/`dst`.
fn translate(frame: &Frame, pkt: &Ipv4, src: (Ipv4Addr, u16), dst: (Ipv4Addr, u16)) -> Frame {
    let has_ports = pkt.ports().is_some();
    let rw = Rewrite {
        src: Some((src.0, has_ports.then_some(src.1))),
        dst: Some((dst.0, has_ports.then_some(dst.1))),
        ..Rewrite::default()
    };
    ip::rewrite(frame, &rw).unwrap_or_else(|| frame.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// inet_peer_xrlim_allow with icmp_ratelimit 1 s: a full bucket of six
    /// for a new destination, then a token a second, never more than six.
    #[test]
    fn icmp_errors_are_limited_per_destination() {
        let mut l = IcmpRateLimit::default();
        let (a, b) = (Ipv4Addr::new(10, 0, 0, 5), Ipv4Addr::new(10, 0, 0, 6));
        let ms = Instant::from_millis;
        let sent: Vec<bool> = (0..7).map(|_| l.allow(a, ms(0))).collect();
        assert_eq!(sent, [true, true, true, true, true, true, false]);
        assert!(l.allow(b, ms(0)), "another destination has its own bucket");
        // A token a second: 0.999 s of credit is not enough, 1 s is.
        assert_eq!(
            [l.allow(a, ms(999)), l.allow(a, ms(1000)), l.allow(a, ms(1999)), l.allow(a, ms(2000))],
            [false, true, false, true]
        );
        let after_a_minute: Vec<bool> = (0..7).map(|_| l.allow(a, ms(62_000))).collect();
        assert_eq!(after_a_minute, [true, true, true, true, true, true, false], "at most six saved up");
    }
}
