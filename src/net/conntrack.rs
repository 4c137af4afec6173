//! Connection tracking with NAT, as netfilter does it on a Kubernetes node:
//! the first packet of a flow decides DNAT (the Service endpoint) and SNAT
//! (masquerade), the entry remembers the original and reply tuples, and every
//! later packet of the flow, in either direction, is translated the same way
//! without consulting the Service rules again. That is why an established
//! connection keeps its endpoint when the rules change, and why a flow that
//! suddenly arrives at another node (a new VIP owner, an ECMP rehash) finds
//! no entry there and gets a fresh, different decision.

use crate::time::{Duration, Instant};
use crate::wire::ip::TcpFlags;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::net::Ipv4Addr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Tuple {
    pub proto: u8,
    pub src: Ipv4Addr,
    pub sport: u16,
    pub dst: Ipv4Addr,
    pub dport: u16,
}

impl Tuple {
    pub fn reversed(self) -> Tuple {
        Tuple { proto: self.proto, src: self.dst, sport: self.dport, dst: self.src, dport: self.sport }
    }
}

pub const PROTO_TCP: u8 = 6;
pub const PROTO_UDP: u8 = 17;
pub const PROTO_ICMP: u8 = 1;

/// nf_conntrack's TCP states.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CtTcpState {
    SynSent,
    SynRecv,
    Established,
    FinWait,
    CloseWait,
    LastAck,
    TimeWait,
    Close,
}

impl CtTcpState {
    /// nf_conntrack's default timeouts (net.netfilter.nf_conntrack_tcp_timeout_*).
    pub fn timeout(self) -> Duration {
        match self {
            CtTcpState::SynSent => Duration::from_secs(120),
            CtTcpState::SynRecv => Duration::from_secs(60),
            CtTcpState::Established => Duration::from_secs(432_000),
            CtTcpState::FinWait => Duration::from_secs(120),
            CtTcpState::CloseWait => Duration::from_secs(60),
            CtTcpState::LastAck => Duration::from_secs(30),
            CtTcpState::TimeWait => Duration::from_secs(120),
            CtTcpState::Close => Duration::from_secs(10),
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            CtTcpState::SynSent => "SYN_SENT",
            CtTcpState::SynRecv => "SYN_RECV",
            CtTcpState::Established => "ESTABLISHED",
            CtTcpState::FinWait => "FIN_WAIT",
            CtTcpState::CloseWait => "CLOSE_WAIT",
            CtTcpState::LastAck => "LAST_ACK",
            CtTcpState::TimeWait => "TIME_WAIT",
            CtTcpState::Close => "CLOSE",
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
}

/// The conntrack table of one node.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Conntrack {
    entries: BTreeMap<u64, CtEntry>,
    index: BTreeMap<Tuple, (u64, Direction)>,
    next_id: u64,
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
        let &(id, direction) = self.index.get(&t)?;
        let e = &self.entries[&id];
        if e.expires <= now {
            return None;
        }
        // Original direction: rewrite to the reverse of the reply tuple.
        // Reply direction: rewrite to the reverse of the original tuple.
        let target = match direction {
            Direction::Original => e.reply.reversed(),
            Direction::Reply => e.original.reversed(),
        };
        Some(Translation { src: (target.src, target.sport), dst: (target.dst, target.dport), direction, id })
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
        if let Some((old, _)) = self.index.get(&original).copied() {
            self.remove(old);
        }
        while self.index.contains_key(&reply) {
            reply.dport = if reply.dport >= 60999 { 32768 } else { reply.dport + 1 };
        }
        let id = self.next_id;
        self.next_id += 1;
        let tcp = (original.proto == PROTO_TCP).then_some(CtTcpState::SynSent);
        let timeout = tcp.map(CtTcpState::timeout).unwrap_or(Duration::from_secs(30));
        self.entries.insert(
            id,
            CtEntry { original, reply, tcp, seen_reply: false, assured: false, expires: now + timeout, service, snat },
        );
        self.index.insert(original, (id, Direction::Original));
        self.index.insert(reply, (id, Direction::Reply));
        self.lookup(original, now).expect("just inserted")
    }

    /// Updates the flow's state for a packet that passed (TCP flags for TCP flows).
    pub fn update(&mut self, id: u64, direction: Direction, flags: Option<TcpFlags>, now: Instant) {
        let Some(e) = self.entries.get_mut(&id) else { return };
        if direction == Direction::Reply {
            if e.seen_reply {
                e.assured = true;
            }
            e.seen_reply = true;
        }
        let timeout = match (e.tcp, flags) {
            (Some(state), Some(f)) => {
                let next = next_tcp_state(state, direction, f);
                e.tcp = Some(next);
                next.timeout()
            }
            _ if e.seen_reply => Duration::from_secs(120),
            _ => Duration::from_secs(30),
        };
        e.expires = now + timeout;
    }

    fn remove(&mut self, id: u64) {
        if let Some(e) = self.entries.remove(&id) {
            self.index.remove(&e.original);
            self.index.remove(&e.reply);
        }
    }

    pub fn expire(&mut self, now: Instant) {
        let dead: Vec<u64> = self.entries.iter().filter(|(_, e)| e.expires <= now).map(|(id, _)| *id).collect();
        for id in dead {
            self.remove(id);
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
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A simplified nf_conntrack_proto_tcp state table.
fn next_tcp_state(state: CtTcpState, dir: Direction, f: TcpFlags) -> CtTcpState {
    use CtTcpState::*;
    if f.has(TcpFlags::RST) {
        return Close;
    }
    match (state, dir) {
        (SynSent, Direction::Reply) if f.has(TcpFlags::SYN_ACK) => SynRecv,
        (SynRecv, Direction::Original) if f.has(TcpFlags::ACK) && !f.has(TcpFlags::SYN) => Established,
        (Established, _) if f.has(TcpFlags::FIN) => FinWait,
        (FinWait, _) if f.has(TcpFlags::FIN) => LastAck,
        (LastAck, _) if f.has(TcpFlags::ACK) => TimeWait,
        (FinWait, _) => FinWait,
        // nf_conntrack_tcp_loose=1: a mid-stream ACK without a SYN picks the flow up as established.
        (SynSent, Direction::Original) if f.has(TcpFlags::ACK) && !f.has(TcpFlags::SYN) => Established,
        (s, _) => s,
    }
}

/// One line of `conntrack -L`.
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
    let t = |t: &Tuple| format!("src={} dst={} sport={} dport={}", t.src, t.dst, t.sport, t.dport);
    s.push(' ');
    s.push_str(&t(&e.original));
    if !e.seen_reply {
        s.push_str(" [UNREPLIED]");
    }
    s.push(' ');
    s.push_str(&t(&e.reply));
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
