//! ARP and the neighbour layer: who answers a request (the kernel, or an
//! announcer such as MetalLB's speaker), what the caches learn, packets
//! queued until their next hop resolves, and what happens when it never
//! does.

use super::{Datapath, Env, Host, Origin, Pending};
use crate::engine::ctx::Ctx;
use crate::engine::trace::{DropReason, Kind};
use crate::net::IfIdx;
use crate::net::neighbor::{NeighborConfig, NeighborEvent, Resolution};
use crate::wire::ip;
use crate::wire::{self, Arp, ArpOperation, Frame, arp};
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

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

impl Host {
    /// Whether the kernel answers an ARP request for `ip` arriving on
    /// `iface`: arp_ignore=0 (the default) answers for any local address on
    /// any interface, including kube-ipvs0's Service IPs, which is why IPVS
    /// without strictARP makes every node answer for every VIP;
    /// arp_ignore=1 only for addresses on the receiving interface.
    pub(super) fn kernel_answers(&self, iface: IfIdx, ip: Ipv4Addr, env: &Env) -> bool {
        if self.ifaces[iface].addrs.iter().any(|a| a.addr == ip) {
            return true;
        }
        !(env.strict_arp && env.datapath == Datapath::Ipvs) && self.is_local(ip)
    }

    pub(super) fn arp_input(&mut self, iface: IfIdx, arp: Arp, unicast_to_us: bool, cx: &mut Ctx, env: &Env) {
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
            let reason = format!("sender {ip} is one of our addresses (martian source)").into();
            cx.record(Kind::ArpIgnored { host, ip, mac, reason });
            return;
        }
        let is_request = arp.op == ArpOperation::Request;
        let target_local = is_request && !martian && self.kernel_answers(iface, arp.target_ip, env);
        let mut events = std::mem::take(&mut self.arp_scratch);
        self.ifaces[iface].neighbors.receive_arp(&arp, unicast_to_us, target_local, cx.now, cx.rng, &mut events);
        self.neighbor_events(iface, &mut events, cx);
        self.arp_scratch = events;
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

    /// Acts on the neighbour cache's events, leaving `events` empty.
    pub(super) fn neighbor_events(&mut self, iface: IfIdx, events: &mut Vec<NeighborEvent>, cx: &mut Ctx) {
        for ev in events.drain(..) {
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
    pub(super) fn source_for(&self, iface: IfIdx, target: Ipv4Addr) -> Option<Ipv4Addr> {
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
    pub(super) fn unreachable(&mut self, _iface: IfIdx, next_hop: Ipv4Addr, p: Pending, cx: &mut Ctx) {
        let name = self.name.clone();
        let original = ip::ip_payload(&p.frame).to_vec();
        cx.drop(&name, DropReason::NoNeighbor { next_hop }, Some(p.frame));
        self.icmp_send(&original, 1, cx);
    }

    /// Sends an IPv4 frame (Ethernet addresses to be filled in) to
    /// `next_hop` on `iface`, resolving its MAC first.
    pub(super) fn neighbor_output(
        &mut self,
        iface: IfIdx,
        next_hop: Ipv4Addr,
        frame: Frame,
        origin: Origin,
        cx: &mut Ctx,
    ) {
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
        self.neighbor_events(iface, &mut events, cx);
    }

    /// Whether this host's neighbour cache follows Cisco IOS (else Linux).
    pub fn cisco_neighbors(&self) -> bool {
        self.ifaces.first().is_some_and(|i| i.neighbors.config().model == crate::net::neighbor::NeighborModel::Cisco)
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
            self.neighbor_events(i, &mut events, cx);
        }
        self.reschedule(cx);
    }

    /// `ip neigh flush all` (or `dev IFACE`: `only` that interface): forgets
    /// every entry but permanent ones, and drops the packets queued for them.
    pub fn flush_neighbors(&mut self, only: Option<IfIdx>, cx: &mut Ctx) {
        for i in (0..self.ifaces.len()).filter(|i| only.is_none_or(|o| o == *i)) {
            let mut events = Vec::new();
            self.ifaces[i].neighbors.flush(&mut events);
            self.neighbor_events(i, &mut events, cx);
        }
        self.pending.retain(|(i, _), _| only.is_some_and(|o| o != *i));
    }
}
