//! IPv4: routes (longest prefix, ECMP next-hop selection), output to the
//! neighbour layer, forwarding, and delivery of local packets by protocol.
//! Own addresses go through loopback, never ARP.

use super::{Env, Host, Origin};
use crate::engine::Event;
use crate::engine::ctx::Ctx;
use crate::engine::trace::DropReason;
use crate::net::conntrack::{self, Tuple};
use crate::net::{Cidr, IfIdx};
use crate::wire::ip::{self, Icmp, Ipv4, L4, Rewrite};
use crate::wire::{Frame, Mac};
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

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

impl Host {
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

    /// Routes and sends an IPv4 packet wrapped in `frame` (Ethernet addresses ignored).
    pub fn ip_output(&mut self, frame: Frame, origin: Origin, cx: &mut Ctx) {
        match Ipv4::parse(ip::ip_payload(&frame)).map(|pkt| (pkt.dst, flow_tuple(&pkt))) {
            Some((dst, flow)) => self.route_output(frame, dst, flow, origin, cx),
            None => {
                let name = self.name.clone();
                cx.drop(&name, DropReason::Malformed, Some(frame));
            }
        }
    }

    /// [`Host::ip_output`] of a packet already parsed (`dst` and `flow` are
    /// `frame`'s). Takes them as values, so that nothing else holds the
    /// frame and the neighbour layer writes its Ethernet addresses in place.
    fn route_output(&mut self, frame: Frame, dst: Ipv4Addr, flow: Option<Tuple>, origin: Origin, cx: &mut Ctx) {
        let name = self.name.clone();
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
            None if origin == Origin::Forwarded => self.ip_error(frame, dst, cx),
            // A host's own packet: connect() and sendto() already failed
            // with ENETUNREACH (the tools ask the route first).
            None => cx.drop(&name, DropReason::NoRoute { dst }, Some(frame)),
        }
    }

    /// A packet to forward that no route covers: Linux's input route is
    /// RTN_UNREACHABLE and `ip_error` answers the sender with ICMP
    /// destination unreachable, code 0 (net unreachable), rate limited per
    /// sender (net/ipv4/route.c, Linux 6.18). A connecting TCP socket
    /// aborts on it at once (`tcp_v4_err`): curl exits 7, ping prints
    /// "Destination Net Unreachable".
    fn ip_error(&mut self, frame: Frame, dst: Ipv4Addr, cx: &mut Ctx) {
        let name = self.name.clone();
        let src = Ipv4::parse(ip::ip_payload(&frame)).map(|p| p.src);
        cx.drop(&name, DropReason::NoRoute { dst }, Some(frame.clone()));
        if let Some(src) = src
            && self.icmp_limit.route_error_allow(src, cx.now)
        {
            self.icmp_send(ip::ip_payload(&frame), 0, cx);
        }
    }

    /// A received IPv4 packet; `arrived` is `frame`'s packet as decoded on
    /// receive (each stage reuses that decode until a stage rewrites it).
    pub(super) fn ip_input(
        &mut self,
        iface: IfIdx,
        frame: Frame,
        arrived: Ipv4,
        origin: Origin,
        cx: &mut Ctx,
        env: &Env,
    ) {
        let name = self.name.clone();
        // A packet from one of this host's own addresses that came in from
        // the wire is a martian source: the input route's source check
        // finds the source local and refuses it (__fib_validate_source in
        // net/ipv4/fib_frontend.c, accept_local off by default; Linux 6.18).
        // So a host's own packet that a neighbour hands back (a stale ARP
        // entry for a VIP nobody serves any more) ends here, not in a loop.
        // (Checked on the packet as it arrived: SNAT rewrites the source
        // only after routing, in POSTROUTING.)
        // (The packet is parsed once as it arrived, and again only if
        // prerouting rewrote it.)
        if self.is_local(arrived.src) {
            cx.drop(&name, DropReason::MartianSource { src: arrived.src }, Some(frame));
            return;
        }
        let original = frame.clone();
        let frame = match self.node_prerouting(frame, Some(arrived), origin, cx, env) {
            Some(f) => f,
            None => return,
        };
        let parsed = if frame.same(&original) { Some(arrived) } else { Ipv4::parse(ip::ip_payload(&frame)) };
        let Some(pkt) = parsed else {
            cx.drop(&name, DropReason::Malformed, Some(frame));
            return;
        };
        if self.is_local(pkt.dst) || self.is_local_pod(pkt.dst) {
            self.deliver(&frame, pkt, cx, env);
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

    /// Packets generated on this host (processes, the kernel) or by its pods.
    pub fn send_local(&mut self, frame: Frame, origin: Origin, cx: &mut Ctx, env: &Env) {
        // Parsed once, and again only if prerouting rewrote it.
        let original = frame.clone();
        let built = Ipv4::parse(ip::ip_payload(&original));
        let Some(frame) = self.node_prerouting(frame, built, origin, cx, env) else { return };
        let mut rewritten = None;
        let parsed =
            if frame.same(&original) { built } else { Ipv4::parse(ip::ip_payload(rewritten.insert(frame.clone()))) };
        let Some(pkt) = parsed else { return };
        if self.is_local(pkt.dst) || self.is_local_pod(pkt.dst) {
            // Loopback, or a pod's veth on the same node: no wire involved,
            // but not a call either. The kernel queues the packet for its
            // receive softirq (`netif_rx` from the loopback and veth
            // drivers' xmit, Linux 6.18), so the sender's system call
            // returns first. Delivering it inline would hand a process the
            // answer to its own connect() while it is still in the call: a
            // node's curl to a Service whose endpoint is a pod on the same
            // node would be connected without ever hearing of it.
            cx.schedule(cx.now, Event::Loopback { host: self.id, frame });
        } else {
            let (dst, flow) = (pkt.dst, flow_tuple(&pkt));
            // The frame's only holder from here (see route_output).
            drop((original, rewritten));
            self.route_output(frame, dst, flow, origin, cx);
        }
    }

    /// A packet this host sent to itself arrives on `lo`.
    pub fn loopback(&mut self, frame: Frame, cx: &mut Ctx, env: &Env) {
        self.local_deliver(&frame, cx, env);
        self.reschedule(cx);
    }

    pub(super) fn local_deliver(&mut self, frame: &Frame, cx: &mut Ctx, env: &Env) {
        let Some(pkt) = Ipv4::parse(ip::ip_payload(frame)) else { return };
        self.deliver(frame, pkt, cx, env);
    }

    /// [`Host::local_deliver`] of a packet already parsed (`pkt` is `frame`'s).
    fn deliver(&mut self, frame: &Frame, pkt: Ipv4, cx: &mut Ctx, env: &Env) {
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
