//! Connection tracking with NAT, as netfilter does it on a Kubernetes node:
//! the first packet of a flow decides DNAT (the Service endpoint) and SNAT
//! (masquerade), the entry remembers the original and reply tuples, and every
//! later packet of the flow, in either direction, is translated the same way
//! without consulting the Service rules again. That is why an established
//! connection keeps its endpoint when the rules change, and why a flow that
//! suddenly arrives at another node (a new VIP owner, an ECMP rehash) finds
//! no entry there and gets a fresh, different decision. Flows nobody
//! translates (a node forwarding to its pods) are tracked too, as netfilter
//! tracks every flow; TCP states follow the kernel's state table, with the
//! timeouts of the node's sysctls (kube-proxy sets two of them).

use crate::time::{Duration, Instant};
use crate::wire::ip::TcpFlags;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::Ipv4Addr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tuple {
    pub proto: u8,
    pub src: Ipv4Addr,
    pub sport: u16,
    pub dst: Ipv4Addr,
    pub dport: u16,
}

/// Field by field in declaration order (proto, src, sport, dst, dport),
/// as a derived `Ord` would, but compared as one number: every packet
/// through a node looks its flow up in the conntrack index, and the
/// field-by-field compare was most of that lookup.
impl Ord for Tuple {
    // Inlined even in the playground's opt-level "z" build, whose inliner
    // would leave this a call in every step of a BTreeMap search.
    #[inline(always)]
    fn cmp(&self, other: &Tuple) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

impl PartialOrd for Tuple {
    fn partial_cmp(&self, other: &Tuple) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Tuple {
    /// The fields packed big-endian into one number: numeric order is
    /// the fields' lexicographic order.
    #[inline(always)]
    fn key(&self) -> u128 {
        (u128::from(self.proto) << 96)
            | (u128::from(u32::from(self.src)) << 64)
            | (u128::from(self.sport) << 48)
            | (u128::from(u32::from(self.dst)) << 16)
            | u128::from(self.dport)
    }

    pub fn reversed(self) -> Tuple {
        Tuple { proto: self.proto, src: self.dst, sport: self.dport, dst: self.src, dport: self.sport }
    }
}

pub const PROTO_TCP: u8 = 6;
pub const PROTO_UDP: u8 = 17;
pub const PROTO_ICMP: u8 = 1;

/// nf_conntrack's TCP states (Linux 6.18 `net/netfilter/nf_conntrack_proto_tcp.c`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CtTcpState {
    /// NONE: no packet has moved the flow yet.
    Unseen,
    SynSent,
    SynRecv,
    Established,
    FinWait,
    CloseWait,
    LastAck,
    TimeWait,
    Close,
    /// SYN seen from the reply direction: simultaneous open.
    SynSent2,
}

impl CtTcpState {
    pub fn name(self) -> &'static str {
        match self {
            CtTcpState::Unseen => "NONE",
            CtTcpState::SynSent => "SYN_SENT",
            CtTcpState::SynRecv => "SYN_RECV",
            CtTcpState::Established => "ESTABLISHED",
            CtTcpState::FinWait => "FIN_WAIT",
            CtTcpState::CloseWait => "CLOSE_WAIT",
            CtTcpState::LastAck => "LAST_ACK",
            CtTcpState::TimeWait => "TIME_WAIT",
            CtTcpState::Close => "CLOSE",
            CtTcpState::SynSent2 => "SYN_SENT2",
        }
    }
}

/// `net.netfilter.nf_conntrack_tcp_timeout_*` (and the other protocols'),
/// node-wide sysctls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CtTimeouts {
    pub tcp_established: Duration,
    pub tcp_close_wait: Duration,
}

impl Default for CtTimeouts {
    /// Linux 6.18's defaults (tcp_timeouts in nf_conntrack_proto_tcp.c):
    /// established 5 days, close-wait 60 s.
    fn default() -> Self {
        CtTimeouts { tcp_established: Duration::from_secs(5 * 86_400), tcp_close_wait: Duration::from_secs(60) }
    }
}

impl CtTimeouts {
    /// What kube-proxy 1.34 sets on its node at start: its configuration
    /// defaults `conntrack.tcpEstablishedTimeout` 24 h and
    /// `conntrack.tcpCloseWaitTimeout` 1 h (`pkg/proxy/apis/config/v1alpha1/
    /// defaults.go`), written to nf_conntrack_tcp_timeout_established and
    /// nf_conntrack_tcp_timeout_close_wait (`cmd/kube-proxy/app/conntrack.go`).
    pub fn kube_proxy() -> Self {
        CtTimeouts { tcp_established: Duration::from_secs(86_400), tcp_close_wait: Duration::from_secs(3_600) }
    }

    /// The timeout a TCP flow gets on entering `state` (tcp_timeouts).
    pub fn tcp(&self, state: CtTcpState) -> Duration {
        match state {
            CtTcpState::SynSent | CtTcpState::SynSent2 => Duration::from_secs(120),
            CtTcpState::SynRecv => Duration::from_secs(60),
            CtTcpState::Established => self.tcp_established,
            CtTcpState::FinWait => Duration::from_secs(120),
            CtTcpState::CloseWait => self.tcp_close_wait,
            CtTcpState::LastAck => Duration::from_secs(30),
            CtTcpState::TimeWait => Duration::from_secs(120),
            CtTcpState::Close | CtTcpState::Unseen => Duration::from_secs(10),
        }
    }
}

/// Which way a packet travels relative to the flow's first packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    Original,
    Reply,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CtEntry {
    /// The tuple of the first packet as it arrived.
    pub original: Tuple,
    /// The tuple replies are expected to carry (after NAT).
    pub reply: Tuple,
    pub tcp: Option<CtTcpState>,
    pub seen_reply: bool,
    pub assured: bool,
    pub expires: Instant,
    /// The Service that chose this flow's endpoint, for `conntrack -L` notes and the inspector.
    pub service: Option<String>,
    /// Whether the flow was source-NATed (masquerade).
    pub snat: bool,
}

impl CtEntry {
    pub fn dnat(&self) -> bool {
        self.reply.src != self.original.dst || self.reply.sport != self.original.dport
    }

    /// What a packet that passed does to its flow, as nf_conntrack_tcp_packet
    /// does for TCP: see [`Conntrack::update`].
    fn packet(
        &mut self,
        direction: Direction,
        flags: Option<TcpFlags>,
        now: Instant,
        timeouts: CtTimeouts,
    ) -> AfterPacket {
        let before = self.expires;
        let reply = direction == Direction::Reply;
        match (self.tcp, flags) {
            (Some(state), Some(f)) => {
                if !self.seen_reply && f.has(TcpFlags::RST) && reply {
                    return AfterPacket::Gone;
                }
                let next = next_tcp_state(state, direction, f).unwrap_or(state);
                if self.seen_reply
                    && !self.assured
                    && matches!(state, CtTcpState::SynRecv | CtTcpState::Established)
                    && next == CtTcpState::Established
                {
                    self.assured = true;
                }
                self.tcp = Some(next);
                self.expires =
                    now + if f.has(TcpFlags::RST) { timeouts.tcp(CtTcpState::Close) } else { timeouts.tcp(next) };
            }
            _ => {
                // UDP: both ways seen and then more traffic makes a stream.
                if reply && self.seen_reply && self.original.proto == PROTO_UDP {
                    self.assured = true;
                }
                self.expires = now + other_timeout(self.original.proto, self.seen_reply || reply);
            }
        }
        if reply {
            self.seen_reply = true;
        }
        if self.expires < before { AfterPacket::Sooner(self.expires) } else { AfterPacket::Kept }
    }
}

/// What a packet did to its flow's entry, for the table to follow.
enum AfterPacket {
    Kept,
    /// It expires sooner than before: a reminder at the new time.
    Sooner(Instant),
    /// A RST as the very first answer: the entry goes.
    Gone,
}

/// How to rewrite a packet of flow `e` seen in `direction`. Original
/// direction: to the reverse of the reply tuple; reply direction: to the
/// reverse of the original tuple.
fn translation(e: &CtEntry, id: u64, direction: Direction) -> Translation {
    let target = match direction {
        Direction::Original => e.reply.reversed(),
        Direction::Reply => e.original.reversed(),
    };
    Translation { src: (target.src, target.sport), dst: (target.dst, target.dport), direction, id }
}

/// The conntrack table of one node.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Conntrack {
    entries: BTreeMap<u64, CtEntry>,
    /// Both tuples of every entry, by [`Tuple::key`]: a lookup per packet
    /// compares plain numbers.
    index: BTreeMap<u128, (u64, Direction)>,
    next_id: u64,
    pub timeouts: CtTimeouts,
    /// When to look at each entry again: `expire` runs on every new flow
    /// and every wake of the node, and walking the whole table each time
    /// was 9 % of the engine bench. Every live entry has a reminder at or
    /// before its expiry; a packet that only pushes the expiry later (most
    /// of them) leaves the earlier reminder, which re-arms itself at the
    /// new expiry when it comes due, instead of moving it per packet.
    #[serde(default)]
    by_expiry: BTreeSet<(Instant, u64)>,
}

/// How to rewrite a packet of a tracked flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Translation {
    pub src: (Ipv4Addr, u16),
    pub dst: (Ipv4Addr, u16),
    pub direction: Direction,
    pub id: u64,
}

impl Conntrack {
    /// Finds the flow a packet belongs to and how to translate it.
    pub fn lookup(&self, t: Tuple, now: Instant) -> Option<Translation> {
        let &(id, direction) = self.index.get(&t.key())?;
        let e = &self.entries[&id];
        (e.expires > now).then(|| translation(e, id, direction))
    }

    /// A packet of a flow already tracked: [`lookup`](Self::lookup) and
    /// then [`update`](Self::update), with one search of the table for
    /// both (every packet a node passes comes here first).
    pub fn pass(&mut self, t: Tuple, flags: Option<TcpFlags>, now: Instant) -> Option<Translation> {
        let &(id, direction) = self.index.get(&t.key())?;
        let e = self.entries.get_mut(&id)?;
        if e.expires <= now {
            return None;
        }
        let tr = translation(e, id, direction);
        let after = e.packet(direction, flags, now, self.timeouts);
        self.after_packet(id, after);
        Some(tr)
    }

    /// Records a new flow. `reply` is the tuple replies will carry; a reply
    /// tuple already in use (two clients masqueraded to the same source port)
    /// gets a new source port, as nf_nat's port allocation does.
    pub fn insert(
        &mut self,
        original: Tuple,
        mut reply: Tuple,
        now: Instant,
        service: Option<String>,
        snat: bool,
    ) -> Translation {
        self.expire(now);
        if let Some((old, _)) = self.index.get(&original.key()).copied() {
            self.remove(old);
        }
        while self.index.contains_key(&reply.key()) {
            reply.dport = if reply.dport >= 60999 { 32768 } else { reply.dport + 1 };
        }
        self.add(original, reply, now, service, snat);
        self.lookup(original, now).expect("just inserted")
    }

    /// Starts tracking a flow nobody translates (a node forwarding a pod's
    /// traffic, or traffic to and from its own addresses), as netfilter
    /// tracks every flow that passes a node. Like tcp_new, a TCP flow whose
    /// first segment is neither a SYN nor a plain ACK (nf_conntrack_tcp_loose
    /// picks up mid-stream ACKs) is not tracked. Returns the new entry's id.
    pub fn track(&mut self, t: Tuple, flags: Option<TcpFlags>, now: Instant) -> Option<u64> {
        self.expire(now);
        if self.index.contains_key(&t.key()) || self.index.contains_key(&t.reversed().key()) {
            return None;
        }
        if t.proto == PROTO_TCP
            && flags.is_none_or(|f| next_tcp_state(CtTcpState::Unseen, Direction::Original, f).is_none())
        {
            return None;
        }
        Some(self.add(t, t.reversed(), now, None, false))
    }

    fn add(&mut self, original: Tuple, reply: Tuple, now: Instant, service: Option<String>, snat: bool) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let tcp = (original.proto == PROTO_TCP).then_some(CtTcpState::Unseen);
        let entry = CtEntry {
            original,
            reply,
            tcp,
            seen_reply: false,
            assured: false,
            expires: now + other_timeout(original.proto, false),
            service,
            snat,
        };
        self.by_expiry.insert((entry.expires, id));
        self.entries.insert(id, entry);
        self.index.insert(original.key(), (id, Direction::Original));
        self.index.insert(reply.key(), (id, Direction::Reply));
        id
    }

    /// Updates the flow for a packet that passed, as nf_conntrack_tcp_packet
    /// does for TCP: the state table moves the state, the new state sets the
    /// timeout (a RST: CLOSE's 10 s), the handshake's last ACK makes the
    /// flow ASSURED, and a RST as the very first answer deletes the entry.
    pub fn update(&mut self, id: u64, direction: Direction, flags: Option<TcpFlags>, now: Instant) {
        let Some(e) = self.entries.get_mut(&id) else { return };
        let after = e.packet(direction, flags, now, self.timeouts);
        self.after_packet(id, after);
    }

    /// The table's side of [`CtEntry::packet`]: the entry goes, or its
    /// reminder moves earlier (a later expiry keeps the earlier reminder,
    /// see `by_expiry`).
    fn after_packet(&mut self, id: u64, after: AfterPacket) {
        match after {
            AfterPacket::Kept => {}
            AfterPacket::Sooner(at) => {
                self.by_expiry.insert((at, id));
            }
            AfterPacket::Gone => self.remove(id),
        }
    }

    fn remove(&mut self, id: u64) {
        if let Some(e) = self.entries.remove(&id) {
            self.index.remove(&e.original.key());
            self.index.remove(&e.reply.key());
            // Reminders left at earlier times name an id that no longer
            // exists (ids are never reused): `expire` skips them.
            self.by_expiry.remove(&(e.expires, id));
        }
    }

    pub fn expire(&mut self, now: Instant) {
        while let Some(&(t, id)) = self.by_expiry.first()
            && t <= now
        {
            self.by_expiry.pop_first();
            match self.entries.get(&id).map(|e| e.expires) {
                Some(expires) if expires <= now => self.remove(id),
                // Pushed later since: look again then.
                Some(expires) => {
                    self.by_expiry.insert((expires, id));
                }
                None => {}
            }
        }
    }

    /// Live entries in creation order, with their remaining lifetime.
    pub fn entries(&self, now: Instant) -> impl Iterator<Item = (&CtEntry, Duration)> {
        self.entries.values().filter(move |e| e.expires > now).map(move |e| (e, e.expires.saturating_since(now)))
    }

    /// How many flows this table has tracked since the host booted: with
    /// [`Conntrack::created_since`], an observer looks at new flows only.
    pub fn created(&self) -> u64 {
        self.next_id
    }

    /// Entries still here among those created after the first `count`, oldest first.
    pub fn created_since(&self, count: u64) -> impl Iterator<Item = &CtEntry> {
        self.entries.range(count..).map(|(_, e)| e)
    }

    /// `conntrack -F`.
    pub fn flush(&mut self) {
        self.entries.clear();
        self.index.clear();
        self.by_expiry.clear();
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// UDP's 30 s (120 s once both ways were seen) and ICMP's 30 s
/// (nf_conntrack_proto_udp.c, nf_conntrack_proto_icmp.c defaults).
fn other_timeout(proto: u8, seen_reply: bool) -> Duration {
    match proto {
        PROTO_UDP if seen_reply => Duration::from_secs(120),
        PROTO_TCP => Duration::from_secs(120),
        _ => Duration::from_secs(30),
    }
}

/// nf_conntrack's TCP state table, tcp_conntracks[direction][flags][state]
/// of Linux 6.18 `net/netfilter/nf_conntrack_proto_tcp.c`. The flag index
/// is get_conntrack_index's: RST, else SYN (SYN-ACK with ACK), else FIN,
/// else ACK. `None` is the table's sIV/sIG: the packet does not move the
/// state (vipsim lets it pass; Linux would mark it invalid or ignore it).
fn next_tcp_state(state: CtTcpState, dir: Direction, f: TcpFlags) -> Option<CtTcpState> {
    use CtTcpState::*;
    let flags = if f.has(TcpFlags::RST) {
        4
    } else if f.has(TcpFlags::SYN) {
        if f.has(TcpFlags::ACK) { 1 } else { 0 }
    } else if f.has(TcpFlags::FIN) {
        2
    } else if f.has(TcpFlags::ACK) {
        3
    } else {
        5
    };
    let col = match state {
        Unseen => 0,
        SynSent => 1,
        SynRecv => 2,
        Established => 3,
        FinWait => 4,
        CloseWait => 5,
        LastAck => 6,
        TimeWait => 7,
        Close => 8,
        SynSent2 => 9,
    };
    const IV: Option<CtTcpState> = None;
    const SS: Option<CtTcpState> = Some(SynSent);
    const SR: Option<CtTcpState> = Some(SynRecv);
    const ES: Option<CtTcpState> = Some(Established);
    const FW: Option<CtTcpState> = Some(FinWait);
    const CW: Option<CtTcpState> = Some(CloseWait);
    const LA: Option<CtTcpState> = Some(LastAck);
    const TW: Option<CtTcpState> = Some(TimeWait);
    const CL: Option<CtTcpState> = Some(Close);
    const S2: Option<CtTcpState> = Some(SynSent2);
    const IG: Option<CtTcpState> = None;
    #[rustfmt::skip]
    const TABLE: [[[Option<CtTcpState>; 10]; 6]; 2] = [
        [
            // ORIGINAL: sNO, sSS, sSR, sES, sFW, sCW, sLA, sTW, sCL, sS2
            /* syn    */ [SS, SS, IG, IG, IG, IG, IG, SS, SS, S2],
            /* synack */ [IV, IV, SR, IV, IV, IV, IV, IV, IV, SR],
            /* fin    */ [IV, IV, FW, FW, LA, LA, LA, TW, CL, IV],
            /* ack    */ [ES, IV, ES, ES, CW, CW, TW, TW, CL, IV],
            /* rst    */ [IV, CL, CL, CL, CL, CL, CL, CL, CL, CL],
            /* none   */ [IV, IV, IV, IV, IV, IV, IV, IV, IV, IV],
        ],
        [
            // REPLY:    sNO, sSS, sSR, sES, sFW, sCW, sLA, sTW, sCL, sS2
            /* syn    */ [IV, S2, IV, IV, IV, IV, IV, SS, IV, S2],
            /* synack */ [IV, SR, IG, IG, IG, IG, IG, IG, IG, SR],
            /* fin    */ [IV, IV, FW, FW, LA, LA, LA, TW, CL, IV],
            /* ack    */ [IV, IG, SR, ES, CW, CW, TW, TW, CL, IG],
            /* rst    */ [IV, CL, CL, CL, CL, CL, CL, CL, CL, CL],
            /* none   */ [IV, IV, IV, IV, IV, IV, IV, IV, IV, IV],
        ],
    ];
    TABLE[(dir == Direction::Reply) as usize][flags][col]
}

/// One line of `conntrack -L`, as conntrack-tools prints an entry
/// (libnetfilter_conntrack `snprintf_default.c`): protocol name padded to
/// 8 and number, seconds left, the TCP state, the original tuple,
/// `[UNREPLIED]` until a reply passed, the reply tuple, `[ASSURED]`, then
/// mark and use. ICMP tuples show type, code and id instead of ports.
pub fn format_entry(e: &CtEntry, remaining: Duration) -> String {
    let proto = match e.original.proto {
        PROTO_TCP => "tcp      6",
        PROTO_UDP => "udp      17",
        _ => "icmp     1",
    };
    let mut s = format!("{proto} {}", remaining.as_secs());
    if let Some(st) = e.tcp {
        s.push(' ');
        s.push_str(st.name());
    }
    let icmp = e.original.proto == PROTO_ICMP;
    let t = |t: &Tuple, echo_type: u8| {
        if icmp {
            format!("src={} dst={} type={echo_type} code=0 id={}", t.src, t.dst, t.sport)
        } else {
            format!("src={} dst={} sport={} dport={}", t.src, t.dst, t.sport, t.dport)
        }
    };
    s.push(' ');
    s.push_str(&t(&e.original, 8));
    if !e.seen_reply {
        s.push_str(" [UNREPLIED]");
    }
    s.push(' ');
    s.push_str(&t(&e.reply, 0));
    if e.assured {
        s.push_str(" [ASSURED]");
    }
    s.push_str(" mark=0 use=1");
    s
}

impl fmt::Display for Tuple {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{} -> {}:{}", self.src, self.sport, self.dst, self.dport)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        /// The packed comparison orders tuples exactly as comparing their
        /// fields in declaration order does.
        #[test]
        fn tuple_order_is_field_order(a: (u8, u32, u16, u32, u16), b: (u8, u32, u16, u32, u16)) {
            let t = |(proto, src, sport, dst, dport): (u8, u32, u16, u32, u16)| Tuple {
                proto, src: Ipv4Addr::from(src), sport, dst: Ipv4Addr::from(dst), dport,
            };
            proptest::prop_assert_eq!(t(a).cmp(&t(b)), a.cmp(&b));
        }
    }

    fn ip(last: u8) -> Ipv4Addr {
        Ipv4Addr::new(10, 0, 1, last)
    }

    #[test]
    fn dnat_and_masquerade_translate_both_directions() {
        let mut ct = Conntrack::default();
        let now = Instant::ZERO;
        // Client 10.0.1.10:40000 -> VIP 192.0.2.10:80, DNAT to pod 10.200.0.90:8080, SNAT to node 10.0.1.21.
        let vip = Ipv4Addr::new(192, 0, 2, 10);
        let pod = Ipv4Addr::new(10, 200, 0, 90);
        let orig = Tuple { proto: PROTO_TCP, src: ip(10), sport: 40000, dst: vip, dport: 80 };
        let reply = Tuple { proto: PROTO_TCP, src: pod, sport: 8080, dst: ip(21), dport: 40000 };
        let tr = ct.insert(orig, reply, now, Some("default/web".into()), true);
        assert_eq!(tr.src, (ip(21), 40000));
        assert_eq!(tr.dst, (pod, 8080));
        let back = ct.lookup(reply, now).unwrap();
        assert_eq!(back.direction, Direction::Reply);
        assert_eq!(back.src, (vip, 80));
        assert_eq!(back.dst, (ip(10), 40000));
    }

    #[test]
    fn tcp_states_and_listing() {
        let mut ct = Conntrack::default();
        let t0 = Instant::ZERO;
        let orig = Tuple { proto: PROTO_TCP, src: ip(10), sport: 40000, dst: ip(21), dport: 31888 };
        let reply =
            Tuple { proto: PROTO_TCP, src: Ipv4Addr::new(10, 200, 0, 90), sport: 8080, dst: ip(21), dport: 40000 };
        let tr = ct.insert(orig, reply, t0, None, true);
        ct.update(tr.id, Direction::Original, Some(TcpFlags::SYN), t0);
        let (e, left) = ct.entries(t0).next().unwrap();
        assert_eq!(
            format_entry(e, left),
            "tcp      6 120 SYN_SENT src=10.0.1.10 dst=10.0.1.21 sport=40000 dport=31888 [UNREPLIED] src=10.200.0.90 dst=10.0.1.21 sport=8080 dport=40000 mark=0 use=1"
        );
        ct.update(tr.id, Direction::Reply, Some(TcpFlags::SYN_ACK), t0);
        ct.update(tr.id, Direction::Original, Some(TcpFlags::ACK), t0);
        let (e, left) = ct.entries(t0).next().unwrap();
        assert_eq!(e.tcp, Some(CtTcpState::Established));
        assert_eq!(left, Duration::from_secs(432_000));
        ct.update(tr.id, Direction::Reply, Some(TcpFlags::ACK), t0);
        assert!(ct.entries(t0).next().unwrap().0.assured);
    }

    /// An HTTP exchange through a kube-proxy node, state by state, as
    /// Linux 6.18's tcp_conntracks table moves it and conntrack -L prints
    /// it, with kube-proxy 1.34's timeouts (established 24 h, close-wait
    /// 1 h; the others are the kernel's). The server closes first: its
    /// FIN makes FIN_WAIT, the client's ACK of it CLOSE_WAIT.
    #[test]
    fn an_http_exchange_walks_the_kernel_state_table_with_kube_proxy_timeouts() {
        let mut ct = Conntrack { timeouts: CtTimeouts::kube_proxy(), ..Conntrack::default() };
        let t0 = Instant::ZERO;
        let orig = Tuple { proto: PROTO_TCP, src: ip(10), sport: 40000, dst: ip(21), dport: 80 };
        let id = ct.track(orig, Some(TcpFlags::SYN), t0).expect("a SYN starts a flow");
        let steps = [
            (Direction::Original, TcpFlags::SYN, "120 SYN_SENT", " [UNREPLIED]", ""),
            (Direction::Reply, TcpFlags::SYN_ACK, "60 SYN_RECV", "", ""),
            (Direction::Original, TcpFlags::ACK, "86400 ESTABLISHED", "", " [ASSURED]"),
            (Direction::Original, TcpFlags::ACK | TcpFlags::PSH, "86400 ESTABLISHED", "", " [ASSURED]"),
            (Direction::Reply, TcpFlags::FIN_ACK | TcpFlags::PSH, "120 FIN_WAIT", "", " [ASSURED]"),
            (Direction::Original, TcpFlags::ACK, "3600 CLOSE_WAIT", "", " [ASSURED]"),
            (Direction::Original, TcpFlags::FIN_ACK, "30 LAST_ACK", "", " [ASSURED]"),
            (Direction::Reply, TcpFlags::ACK, "120 TIME_WAIT", "", " [ASSURED]"),
        ];
        for (dir, flags, state, unreplied, assured) in steps {
            ct.update(id, dir, Some(flags), t0);
            let (e, left) = ct.entries(t0).next().unwrap();
            assert_eq!(
                format_entry(e, left),
                format!(
                    "tcp      6 {state} src=10.0.1.10 dst=10.0.1.21 sport=40000 dport=80{unreplied} src=10.0.1.21 dst=10.0.1.10 sport=80 dport=40000{assured} mark=0 use=1"
                )
            );
        }
        // Without kube-proxy, the kernel's own 5 days.
        let mut plain = Conntrack::default();
        let id = plain.track(orig, Some(TcpFlags::ACK), t0).expect("loose pickup of a mid-stream ACK");
        plain.update(id, Direction::Original, Some(TcpFlags::ACK), t0);
        assert_eq!(
            plain.entries(t0).next().map(|(e, left)| (e.tcp, left.as_secs())),
            Some((Some(CtTcpState::Established), 432_000))
        );
    }

    /// tcp_new refuses to start a flow on a FIN or RST; a RST as the first
    /// answer (nothing seen in the reply direction yet) deletes the entry
    /// at once (nf_conntrack_tcp_packet, "If only reply is a RST").
    #[test]
    fn a_rst_as_the_first_answer_forgets_the_flow() {
        let mut ct = Conntrack::default();
        let t0 = Instant::ZERO;
        let orig = Tuple { proto: PROTO_TCP, src: ip(10), sport: 40000, dst: ip(21), dport: 81 };
        assert_eq!(ct.track(orig, Some(TcpFlags::FIN_ACK), t0), None);
        assert_eq!(ct.track(orig, Some(TcpFlags::RST), t0), None);
        let id = ct.track(orig, Some(TcpFlags::SYN), t0).unwrap();
        ct.update(id, Direction::Original, Some(TcpFlags::SYN), t0);
        ct.update(id, Direction::Reply, Some(TcpFlags::RST | TcpFlags::ACK), t0);
        assert!(ct.is_empty());
    }

    /// ICMP echo: conntrack -L prints type, code and id, 30 s, never assured.
    #[test]
    fn icmp_entries_show_type_code_and_id() {
        let mut ct = Conntrack::default();
        let t0 = Instant::ZERO;
        let echo = Tuple { proto: PROTO_ICMP, src: ip(10), sport: 7, dst: ip(21), dport: 7 };
        let id = ct.track(echo, None, t0).unwrap();
        ct.update(id, Direction::Original, None, t0);
        ct.update(id, Direction::Reply, None, t0);
        let (e, left) = ct.entries(t0).next().unwrap();
        assert_eq!(
            format_entry(e, left),
            "icmp     1 30 src=10.0.1.10 dst=10.0.1.21 type=8 code=0 id=7 src=10.0.1.21 dst=10.0.1.10 type=0 code=0 id=7 mark=0 use=1"
        );
    }

    #[test]
    fn clashing_reply_tuple_gets_a_new_port_and_entries_expire() {
        let mut ct = Conntrack::default();
        let t0 = Instant::ZERO;
        let pod = Ipv4Addr::new(10, 200, 0, 90);
        let a = Tuple { proto: PROTO_TCP, src: ip(10), sport: 40000, dst: ip(21), dport: 31888 };
        let b = Tuple { proto: PROTO_TCP, src: ip(11), sport: 40000, dst: ip(21), dport: 31888 };
        let reply = Tuple { proto: PROTO_TCP, src: pod, sport: 8080, dst: ip(21), dport: 40000 };
        ct.insert(a, reply, t0, None, true);
        let tb = ct.insert(b, reply, t0, None, true);
        assert_eq!(tb.src, (ip(21), 40001));
        assert_eq!(ct.len(), 2);
        ct.expire(Instant::from_secs(121));
        assert!(ct.is_empty());
    }
}
