//! A small, real TCP (RFC 9293) for the simulated hosts and pods: enough for
//! curl-like HTTP exchanges through NAT, with the behaviour that matters for
//! failovers: SYN retransmits with Linux's exponential backoff (1 s, 2 s,
//! 4 s ...), data retransmission, RST for segments of unknown connections
//! (what a new node answers to a flow it never saw), FIN teardown and
//! TIME_WAIT. No congestion control, no out-of-order queue, no delayed ACKs:
//! the exchanges are a few segments long.
//!
//! A [`Conn`] is pure state: it consumes segments and timer ticks and
//! returns the segments to send plus [`SocketEvent`]s for its owner.

use crate::rng::SimRng;
use crate::time::{Duration, Instant};
use crate::wire::ip::{Tcp, TcpFlags};
use serde::{Deserialize, Serialize};
use std::net::{Ipv4Addr, SocketAddrV4};

/// Linux's initial retransmission timeout (TCP_TIMEOUT_INIT).
pub const INITIAL_RTO: Duration = Duration::from_secs(1);
/// Linux's minimum RTO on a LAN (TCP_RTO_MIN).
pub const MIN_RTO: Duration = Duration::from_millis(200);
/// The retransmission timeout never doubles past this (TCP_RTO_MAX).
pub const MAX_RTO: Duration = Duration::from_secs(120);
/// tcp_syn_retries default: 6 retransmissions, about 127 s in all.
pub const SYN_RETRIES: u8 = 6;
/// tcp_retries2 (15) as Linux applies it: a time, 924.6 s (15 doublings
/// from TCP_RTO_MIN capped at TCP_RTO_MAX, `tcp_model_timeout` in
/// net/ipv4/tcp_timer.c), counted from the first retransmission
/// (`retrans_stamp`). From a 200 ms RTO that first passes at the 17th
/// expiry, 1044.6 s after sending, after 16 retransmissions.
pub const DATA_RETRIES: u8 = 16;
/// The RTO after a handshake without an RTT sample (a retransmitted SYN,
/// no timestamps: Karn's rule), `TCP_TIMEOUT_FALLBACK` (`tcp_init_metrics`).
pub const FALLBACK_RTO: Duration = Duration::from_secs(3);
/// Linux keeps TIME_WAIT for 60 s (TCP_TIMEWAIT_LEN).
pub const TIME_WAIT: Duration = Duration::from_secs(60);
/// The window Linux advertises in a SYN with default buffers.
pub const WINDOW: u16 = 64240;
pub const MSS: u16 = 1460;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TcpState {
    SynSent,
    SynReceived,
    Established,
    FinWait1,
    FinWait2,
    CloseWait,
    Closing,
    LastAck,
    TimeWait,
    Closed,
}

impl TcpState {}

/// The four addresses of a connection, from this end's point of view.
/// Ordered as the derived order would be (local, then remote; address,
/// then port) but through integers: sockets live in ordered maps keyed by
/// `Quad`, and `Ipv4Addr`'s own `Ord` compares octet slices with `memcmp`,
/// which was the busiest comparison in the engine benchmark.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Quad {
    pub local: SocketAddrV4,
    pub remote: SocketAddrV4,
}

impl Quad {
    #[inline(always)]
    fn sort_key(&self) -> (u64, u64) {
        let key = |a: &SocketAddrV4| (u64::from(a.ip().to_bits()) << 16) | u64::from(a.port());
        (key(&self.local), key(&self.remote))
    }
}

impl Ord for Quad {
    // Inlined even in the playground's opt-level "z" build, whose inliner
    // would leave this a call in every step of a BTreeMap search.
    #[inline(always)]
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.sort_key().cmp(&other.sort_key())
    }
}

impl PartialOrd for Quad {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// A segment to transmit (addresses come from the connection's [`Quad`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub seq: u32,
    pub ack: u32,
    pub flags: TcpFlags,
    pub mss: Option<u16>,
    pub payload: Vec<u8>,
}

/// What a connection tells its owner (a process or a pod's app).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SocketEvent {
    /// The handshake completed.
    Connected,
    /// In-order bytes arrived.
    Data(Vec<u8>),
    /// The peer sent FIN: no more data will arrive.
    PeerClosed,
    /// The peer reset the connection (RST), or refused it (RST to our SYN).
    Reset { during_connect: bool },
    /// Retransmissions gave up.
    TimedOut { during_connect: bool },
    /// An ICMP error aborted the connection attempt (`tcp_v4_err`).
    Unreachable(Errno),
    /// The connection is gone (after close completes or TIME_WAIT ends).
    Closed,
}

/// The errno an ICMP destination unreachable gives a socket, from
/// `icmp_err_convert` in net/ipv4/icmp.c (Linux 6.18), with `strerror`'s
/// text (glibc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Errno {
    /// ENETUNREACH: codes 0 (net unreachable) and 6 (net unknown).
    NetUnreachable,
    /// EHOSTUNREACH: code 1 (host unreachable) and most others.
    HostUnreachable,
    /// ENOPROTOOPT: code 2 (protocol unreachable).
    ProtocolUnavailable,
    /// ECONNREFUSED: code 3 (port unreachable).
    ConnectionRefused,
    /// EACCES: codes 9, 10 and 13 (administratively prohibited).
    PermissionDenied,
}

impl Errno {
    /// `icmp_err_convert[code].errno`; codes 4 (fragmentation needed) and
    /// above 15 do not reach here.
    pub fn from_unreachable_code(code: u8) -> Option<Errno> {
        Some(match code {
            0 | 6 => Errno::NetUnreachable,
            2 => Errno::ProtocolUnavailable,
            3 => Errno::ConnectionRefused,
            9 | 10 | 13 => Errno::PermissionDenied,
            1 | 5 | 7 | 8 | 11 | 12 | 14 | 15 => Errno::HostUnreachable,
            _ => return None,
        })
    }

    /// What `strerror` says.
    pub fn message(self) -> &'static str {
        match self {
            Errno::NetUnreachable => "Network is unreachable",
            Errno::HostUnreachable => "No route to host",
            Errno::ProtocolUnavailable => "Protocol not available",
            Errno::ConnectionRefused => "Connection refused",
            Errno::PermissionDenied => "Permission denied",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Conn {
    pub quad: Quad,
    pub state: TcpState,
    iss: u32,
    snd_una: u32,
    snd_nxt: u32,
    rcv_nxt: u32,
    /// Bytes sent or to send, starting at `snd_una`.
    send_buf: Vec<u8>,
    /// How many bytes of `send_buf` went out already.
    sent: usize,
    fin_queued: bool,
    fin_sent: bool,
    rto: Duration,
    retries: u8,
    pub timer: Option<Instant>,
}

fn seq_lt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}
fn seq_le(a: u32, b: u32) -> bool {
    a == b || seq_lt(a, b)
}

impl Conn {
    /// Active open: returns the connection and its SYN.
    pub fn connect(quad: Quad, now: Instant, rng: &mut SimRng) -> (Conn, Segment) {
        let iss = rng.next_u32();
        let mut c = Conn::new(quad, TcpState::SynSent, iss, 0);
        c.snd_nxt = iss.wrapping_add(1);
        c.timer = Some(now + c.rto);
        let syn = Segment { seq: iss, ack: 0, flags: TcpFlags::SYN, mss: Some(MSS), payload: vec![] };
        (c, syn)
    }

    /// Passive open on a listener: answers the SYN with SYN-ACK.
    pub fn accept(quad: Quad, syn: &Tcp, now: Instant, rng: &mut SimRng) -> (Conn, Segment) {
        let iss = rng.next_u32();
        let mut c = Conn::new(quad, TcpState::SynReceived, iss, syn.seq.wrapping_add(1));
        c.snd_nxt = iss.wrapping_add(1);
        c.timer = Some(now + c.rto);
        let syn_ack = Segment { seq: iss, ack: c.rcv_nxt, flags: TcpFlags::SYN_ACK, mss: Some(MSS), payload: vec![] };
        (c, syn_ack)
    }

    fn new(quad: Quad, state: TcpState, iss: u32, rcv_nxt: u32) -> Conn {
        Conn {
            quad,
            state,
            iss,
            snd_una: iss,
            snd_nxt: iss,
            rcv_nxt,
            send_buf: Vec::new(),
            sent: 0,
            fin_queued: false,
            fin_sent: false,
            rto: INITIAL_RTO,
            retries: 0,
            timer: None,
        }
    }

    /// Queues bytes to send; returns the segments that can go out now.
    pub fn send(&mut self, data: &[u8], now: Instant) -> Vec<Segment> {
        self.send_buf.extend_from_slice(data);
        self.output(now)
    }

    /// Queues the last bytes and the FIN together, so they leave in one
    /// segment (how a server that closes after its response usually sends).
    pub fn send_and_close(&mut self, data: &[u8], now: Instant) -> Vec<Segment> {
        if matches!(self.state, TcpState::Established | TcpState::CloseWait) {
            self.send_buf.extend_from_slice(data);
            self.fin_queued = true;
        }
        self.output(now)
    }

    /// Half-closes our side (FIN after any queued data).
    pub fn close(&mut self, now: Instant) -> Vec<Segment> {
        if self.fin_queued {
            return vec![];
        }
        match self.state {
            TcpState::SynSent | TcpState::SynReceived => {
                self.state = TcpState::Closed;
                vec![]
            }
            TcpState::Established | TcpState::CloseWait => {
                self.fin_queued = true;
                self.output(now)
            }
            _ => vec![],
        }
    }

    /// An RST answering `seg`, sent for segments that match no connection
    /// (RFC 9293 section 3.10.7.1).
    pub fn reset_for(seg: &Tcp) -> Segment {
        if seg.flags.has(TcpFlags::ACK) {
            Segment { seq: seg.ack, ack: 0, flags: TcpFlags::RST, mss: None, payload: vec![] }
        } else {
            let len =
                seg.payload.len() as u32 + seg.flags.has(TcpFlags::SYN) as u32 + seg.flags.has(TcpFlags::FIN) as u32;
            Segment { seq: 0, ack: seg.seq.wrapping_add(len), flags: TcpFlags::RST_ACK, mss: None, payload: vec![] }
        }
    }

    /// Sends whatever of `send_buf` (and the FIN) has not gone out yet. Also
    /// used after a retransmission timeout rewound `sent` to zero, which is
    /// why it runs in the closing states too.
    fn output(&mut self, now: Instant) -> Vec<Segment> {
        use TcpState::*;
        if !matches!(self.state, Established | CloseWait | FinWait1 | LastAck | Closing) {
            return vec![];
        }
        let mut out = Vec::new();
        while self.sent < self.send_buf.len() {
            let end = (self.sent + MSS as usize).min(self.send_buf.len());
            let payload = self.send_buf[self.sent..end].to_vec();
            let seq = self.snd_una.wrapping_add(self.sent as u32);
            self.sent = end;
            let fin = end == self.send_buf.len() && self.fin_queued && !self.fin_sent;
            let flags = if fin { TcpFlags::FIN_ACK | TcpFlags::PSH } else { TcpFlags::PSH_ACK };
            out.push(Segment { seq, ack: self.rcv_nxt, flags, mss: None, payload });
            self.fin_sent |= fin;
        }
        if self.fin_queued && !self.fin_sent {
            let seq = self.snd_una.wrapping_add(self.sent as u32);
            out.push(Segment { seq, ack: self.rcv_nxt, flags: TcpFlags::FIN_ACK, mss: None, payload: vec![] });
            self.fin_sent = true;
        }
        if self.fin_sent {
            match self.state {
                Established => self.state = FinWait1,
                CloseWait => self.state = LastAck,
                _ => {}
            }
        }
        self.snd_nxt = self.snd_una.wrapping_add(self.sent as u32 + self.fin_sent as u32);
        if !out.is_empty() && self.timer.is_none() {
            self.timer = Some(now + self.rto);
        }
        out
    }

    fn ack_segment(&self) -> Segment {
        Segment { seq: self.snd_nxt, ack: self.rcv_nxt, flags: TcpFlags::ACK, mss: None, payload: vec![] }
    }

    /// Processes an arriving segment. Returns segments to send and events.
    pub fn input(&mut self, seg: &Tcp, now: Instant, out: &mut Vec<Segment>, events: &mut Vec<SocketEvent>) {
        if seg.flags.has(TcpFlags::RST) {
            let acceptable = match self.state {
                TcpState::SynSent => seg.flags.has(TcpFlags::ACK) && seg.ack == self.snd_nxt,
                _ => {
                    seg.seq == self.rcv_nxt
                        || (seq_le(self.rcv_nxt, seg.seq) && seq_lt(seg.seq, self.rcv_nxt.wrapping_add(WINDOW as u32)))
                }
            };
            if acceptable {
                let during_connect = matches!(self.state, TcpState::SynSent | TcpState::SynReceived);
                self.state = TcpState::Closed;
                self.timer = None;
                events.push(SocketEvent::Reset { during_connect });
                events.push(SocketEvent::Closed);
            }
            return;
        }
        match self.state {
            TcpState::SynSent => {
                if seg.flags.has(TcpFlags::SYN) && seg.flags.has(TcpFlags::ACK) && seg.ack == self.snd_nxt {
                    self.snd_una = seg.ack;
                    self.rcv_nxt = seg.seq.wrapping_add(1);
                    self.state = TcpState::Established;
                    self.timer = None;
                    // The SYN's round trip is the first RTT sample
                    // (`tcp_ack_update_rtt`): on a LAN the RTO settles at
                    // TCP_RTO_MIN. After a retransmitted SYN there is none
                    // (no timestamp option, Karn's rule), and Linux falls
                    // back to 3 s (`tcp_init_metrics`).
                    self.rto = if self.retries == 0 { MIN_RTO } else { FALLBACK_RTO };
                    self.retries = 0;
                    out.push(self.ack_segment());
                    events.push(SocketEvent::Connected);
                    out.extend(self.output(now));
                } else if seg.flags.has(TcpFlags::ACK) {
                    out.push(Segment { seq: seg.ack, ack: 0, flags: TcpFlags::RST, mss: None, payload: vec![] });
                }
                return;
            }
            TcpState::SynReceived if seg.flags.has(TcpFlags::SYN) && !seg.flags.has(TcpFlags::ACK) => {
                // Our SYN-ACK was lost and the client retransmitted its SYN.
                out.push(Segment {
                    seq: self.iss,
                    ack: self.rcv_nxt,
                    flags: TcpFlags::SYN_ACK,
                    mss: Some(MSS),
                    payload: vec![],
                });
                return;
            }
            TcpState::Closed => return,
            _ => {}
        }
        if seg.flags.has(TcpFlags::SYN) {
            // A retransmitted SYN-ACK after we are established: re-ACK it.
            out.push(self.ack_segment());
            return;
        }
        if !seg.flags.has(TcpFlags::ACK) {
            return;
        }
        // ACK processing.
        if seq_lt(self.snd_una, seg.ack) && seq_le(seg.ack, self.snd_nxt) {
            let acked = seg.ack.wrapping_sub(self.snd_una) as usize;
            if self.state == TcpState::SynReceived {
                self.state = TcpState::Established;
                self.snd_una = seg.ack;
                events.push(SocketEvent::Connected);
            } else {
                let data_acked = acked.min(self.send_buf.len());
                self.send_buf.drain(..data_acked);
                self.sent -= data_acked.min(self.sent);
                self.snd_una = seg.ack;
            }
            self.retries = 0;
            // A LAN round trip is far below the minimum: the RTO settles there.
            self.rto = MIN_RTO;
            self.timer = if self.snd_una == self.snd_nxt { None } else { Some(now + self.rto) };
            let fin_acked = self.fin_sent && self.snd_una == self.snd_nxt;
            if fin_acked {
                match self.state {
                    TcpState::FinWait1 => self.state = TcpState::FinWait2,
                    TcpState::Closing => self.enter_time_wait(now),
                    TcpState::LastAck => {
                        self.state = TcpState::Closed;
                        events.push(SocketEvent::Closed);
                        return;
                    }
                    _ => {}
                }
            }
        } else if self.state == TcpState::SynReceived {
            out.push(Segment { seq: seg.ack, ack: 0, flags: TcpFlags::RST, mss: None, payload: vec![] });
            return;
        }
        // Data and FIN, in order only.
        let has_fin = seg.flags.has(TcpFlags::FIN);
        if seg.payload.is_empty() && !has_fin {
            return;
        }
        if seg.seq != self.rcv_nxt {
            // Duplicate or out of order: re-ACK what we have.
            out.push(self.ack_segment());
            return;
        }
        if !seg.payload.is_empty()
            && matches!(self.state, TcpState::Established | TcpState::FinWait1 | TcpState::FinWait2)
        {
            self.rcv_nxt = self.rcv_nxt.wrapping_add(seg.payload.len() as u32);
            events.push(SocketEvent::Data(seg.payload.to_vec()));
        }
        if has_fin {
            self.rcv_nxt = self.rcv_nxt.wrapping_add(1);
            events.push(SocketEvent::PeerClosed);
            match self.state {
                TcpState::Established => self.state = TcpState::CloseWait,
                TcpState::FinWait1 => self.state = TcpState::Closing,
                TcpState::FinWait2 => self.enter_time_wait(now),
                _ => {}
            }
        }
        out.push(self.ack_segment());
    }

    fn enter_time_wait(&mut self, now: Instant) {
        self.state = TcpState::TimeWait;
        self.timer = Some(now + TIME_WAIT);
    }

    /// Retransmission and TIME_WAIT timers.
    pub fn on_timer(&mut self, now: Instant, out: &mut Vec<Segment>, events: &mut Vec<SocketEvent>) {
        match self.timer {
            Some(t) if t <= now => {}
            _ => return,
        }
        self.timer = None;
        match self.state {
            TcpState::TimeWait => {
                self.state = TcpState::Closed;
                events.push(SocketEvent::Closed);
            }
            TcpState::SynSent | TcpState::SynReceived => {
                if self.retries >= SYN_RETRIES {
                    let during_connect = true;
                    self.state = TcpState::Closed;
                    events.push(SocketEvent::TimedOut { during_connect });
                    events.push(SocketEvent::Closed);
                    return;
                }
                self.retries += 1;
                self.rto = (self.rto + self.rto).min(MAX_RTO);
                self.timer = Some(now + self.rto);
                let flags = if self.state == TcpState::SynSent { TcpFlags::SYN } else { TcpFlags::SYN_ACK };
                let ack = if self.state == TcpState::SynSent { 0 } else { self.rcv_nxt };
                out.push(Segment { seq: self.iss, ack, flags, mss: Some(MSS), payload: vec![] });
            }
            _ if self.snd_una != self.snd_nxt => {
                if self.retries >= DATA_RETRIES {
                    self.state = TcpState::Closed;
                    events.push(SocketEvent::TimedOut { during_connect: false });
                    events.push(SocketEvent::Closed);
                    return;
                }
                self.retries += 1;
                self.rto = (self.rto + self.rto).min(MAX_RTO);
                // Go back to snd_una and resend everything outstanding.
                self.sent = 0;
                self.fin_sent = false;
                out.extend(self.output(now));
                self.timer = Some(now + self.rto);
            }
            _ => {}
        }
    }

    /// The oldest unacknowledged sequence number.
    /// An ICMP destination unreachable quoting our segment with sequence
    /// number `seq` (`tcp_v4_err`, Linux 6.18): ignored unless `seq` lies
    /// in `[snd_una, snd_nxt]`; in SYN-SENT the attempt is aborted at once
    /// (`sk_err` set, `tcp_done`); in any later state it is only a soft
    /// error, kept for a later timeout, so nothing changes here.
    pub fn icmp_unreachable(&mut self, code: u8, seq: u32, events: &mut Vec<SocketEvent>) {
        let Some(errno) = Errno::from_unreachable_code(code) else { return };
        if !(seq_le(self.snd_una, seq) && seq_le(seq, self.snd_nxt)) {
            return;
        }
        if self.state == TcpState::SynSent {
            self.state = TcpState::Closed;
            self.timer = None;
            events.push(SocketEvent::Unreachable(errno));
            events.push(SocketEvent::Closed);
        }
    }

    pub fn snd_una(&self) -> u32 {
        self.snd_una
    }

    pub fn is_closed(&self) -> bool {
        self.state == TcpState::Closed
    }

    /// The peer's address, as the app sees it in `getpeername`.
    pub fn peer(&self) -> SocketAddrV4 {
        self.quad.remote
    }

    pub fn local_ip(&self) -> Ipv4Addr {
        *self.quad.local.ip()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quad(a: u16, b: u16) -> Quad {
        Quad {
            local: SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 1), a),
            remote: SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 2), b),
        }
    }

    // proptest is a native-only dev-dependency (it needs OS entropy).
    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        /// Ordered maps of sockets must iterate exactly as they did with
        /// the derived order (it reaches the trace): local then remote,
        /// address then port.
        #[test]
        fn quad_order_is_the_derived_tuple_order(a: ([u8; 4], u16, [u8; 4], u16), b: ([u8; 4], u16, [u8; 4], u16)) {
            let q = |(li, lp, ri, rp): ([u8; 4], u16, [u8; 4], u16)| Quad {
                local: SocketAddrV4::new(li.into(), lp),
                remote: SocketAddrV4::new(ri.into(), rp),
            };
            proptest::prop_assert_eq!(q(a).cmp(&q(b)), (q(a).local, q(a).remote).cmp(&(q(b).local, q(b).remote)));
        }
    }

    fn as_tcp(seg: &Segment, src_port: u16, dst_port: u16) -> Tcp<'_> {
        Tcp { src_port, dst_port, seq: seg.seq, ack: seg.ack, flags: seg.flags, window: WINDOW, payload: &seg.payload }
    }

    /// Full exchange between two Conns: handshake, request, response, close.
    #[test]
    fn handshake_request_response_close() {
        let mut rng = SimRng::new(1);
        let t = Instant::ZERO;
        let (mut client, syn) = Conn::connect(quad(40000, 80), t, &mut rng);
        assert_eq!(syn.flags, TcpFlags::SYN);
        let (mut server, syn_ack) = Conn::accept(quad(80, 40000), &as_tcp(&syn, 40000, 80), t, &mut rng);
        assert_eq!(syn_ack.ack, syn.seq.wrapping_add(1));
        let (mut out, mut ev) = (vec![], vec![]);
        client.input(&as_tcp(&syn_ack, 80, 40000), t, &mut out, &mut ev);
        assert_eq!(ev, vec![SocketEvent::Connected]);
        assert_eq!(out.len(), 1);
        let ack = out.pop().unwrap();
        let (mut sout, mut sev) = (vec![], vec![]);
        server.input(&as_tcp(&ack, 40000, 80), t, &mut sout, &mut sev);
        assert_eq!(sev, vec![SocketEvent::Connected]);
        let req = client.send(b"GET / HTTP/1.1\r\n\r\n", t);
        assert_eq!(req.len(), 1);
        assert_eq!(req[0].flags, TcpFlags::PSH_ACK);
        sev.clear();
        server.input(&as_tcp(&req[0], 40000, 80), t, &mut sout, &mut sev);
        assert_eq!(sev, vec![SocketEvent::Data(b"GET / HTTP/1.1\r\n\r\n".to_vec())]);
        let resp = server.send_and_close(b"HTTP/1.1 200 OK\r\n\r\n", t);
        assert_eq!(resp.len(), 1, "data and FIN in one segment");
        assert!(resp[0].flags.has(TcpFlags::FIN));
        assert_eq!(server.state, TcpState::FinWait1);
        ev.clear();
        out.clear();
        client.input(&as_tcp(&resp[0], 80, 40000), t, &mut out, &mut ev);
        assert_eq!(ev, vec![SocketEvent::Data(b"HTTP/1.1 200 OK\r\n\r\n".to_vec()), SocketEvent::PeerClosed]);
        assert_eq!(client.state, TcpState::CloseWait);
        let fin = client.close(t);
        assert_eq!(client.state, TcpState::LastAck);
        for s in out.iter().chain(fin.iter()) {
            server.input(&as_tcp(s, 40000, 80), t, &mut sout, &mut sev);
        }
        assert_eq!(server.state, TcpState::TimeWait);
        let last_ack = sout.pop().unwrap();
        ev.clear();
        client.input(&as_tcp(&last_ack, 80, 40000), t, &mut out, &mut ev);
        assert_eq!(client.state, TcpState::Closed);
        assert_eq!(ev, vec![SocketEvent::Closed]);
    }

    #[test]
    fn syn_retransmits_back_off_like_linux() {
        let mut rng = SimRng::new(1);
        let (mut c, syn) = Conn::connect(quad(40000, 80), Instant::ZERO, &mut rng);
        let mut times = vec![];
        let (mut out, mut ev) = (vec![], vec![]);
        while let Some(t) = c.timer {
            c.on_timer(t, &mut out, &mut ev);
            if !out.is_empty() {
                assert_eq!(out[0].seq, syn.seq);
                times.push(t.as_millis());
                out.clear();
            }
        }
        // Retransmits at 1, 3, 7, 15, 31, 63 s; gives up at 127 s.
        assert_eq!(times, vec![1000, 3000, 7000, 15000, 31000, 63000]);
        assert_eq!(ev, vec![SocketEvent::TimedOut { during_connect: true }, SocketEvent::Closed]);
    }

    /// Data unanswered after the handshake: the RTO starts at TCP_RTO_MIN
    /// (the SYN gave an RTT sample), doubles up to TCP_RTO_MAX (120 s),
    /// and the connection gives up with ETIMEDOUT once 924.6 s have passed
    /// since the first retransmission (tcp_retries2 15, `tcp_model_timeout`
    /// and `retransmits_timed_out`, net/ipv4/tcp_timer.c, Linux 6.18): at
    /// the expiry 1044.6 s after sending, after 16 retransmissions.
    #[test]
    fn data_retransmits_back_off_to_the_cap_and_time_out_like_linux() {
        let mut rng = SimRng::new(1);
        let t0 = Instant::ZERO;
        let (mut client, syn) = Conn::connect(quad(40000, 80), t0, &mut rng);
        let (_, syn_ack) = Conn::accept(quad(80, 40000), &as_tcp(&syn, 40000, 80), t0, &mut rng);
        let (mut out, mut ev) = (vec![], vec![]);
        client.input(&as_tcp(&syn_ack, 80, 40000), t0, &mut out, &mut ev);
        let req = client.send(b"GET / HTTP/1.1\r\n\r\n", t0);
        assert_eq!(req.len(), 1);
        let (mut times, mut ev, mut last) = (vec![], vec![], 0);
        while let Some(t) = client.timer {
            out.clear();
            client.on_timer(t, &mut out, &mut ev);
            last = t.as_millis();
            if !out.is_empty() {
                times.push(last);
            }
        }
        let mut expected: Vec<u64> = [200, 600, 1_400, 3_000, 6_200, 12_600, 25_400, 51_000, 102_200, 204_600].into();
        expected.extend((1..=6).map(|k| 204_600 + k * 120_000));
        assert_eq!(times, expected);
        assert_eq!(ev, vec![SocketEvent::TimedOut { during_connect: false }, SocketEvent::Closed]);
        assert_eq!(last, 1_044_600, "gives up 924.6 s after the first retransmission");
        assert_eq!(client.state, TcpState::Closed);
    }

    #[test]
    fn rst_to_syn_is_connection_refused_and_unknown_ack_gets_rst() {
        let mut rng = SimRng::new(1);
        let (mut c, syn) = Conn::connect(quad(40000, 80), Instant::ZERO, &mut rng);
        let rst = Conn::reset_for(&as_tcp(&syn, 40000, 80));
        assert_eq!(rst.flags, TcpFlags::RST_ACK);
        assert_eq!(rst.ack, syn.seq.wrapping_add(1));
        let (mut out, mut ev) = (vec![], vec![]);
        c.input(&as_tcp(&rst, 80, 40000), Instant::ZERO, &mut out, &mut ev);
        assert_eq!(ev, vec![SocketEvent::Reset { during_connect: true }, SocketEvent::Closed]);
        // An ACK for a connection nobody has: RST with seq = its ack.
        let stray = Segment { seq: 5, ack: 77, flags: TcpFlags::ACK, mss: None, payload: vec![] };
        assert_eq!(
            Conn::reset_for(&as_tcp(&stray, 1, 2)),
            Segment { seq: 77, ack: 0, flags: TcpFlags::RST, mss: None, payload: vec![] }
        );
    }

    /// `tcp_v4_err` (net/ipv4/tcp_ipv4.c, Linux 6.18): a destination
    /// unreachable whose quoted sequence number lies in [snd_una, snd_nxt]
    /// aborts a SYN-SENT socket with `icmp_err_convert[code]`'s errno; one
    /// outside that window is dropped (OUTOFWINDOWICMPS), and an
    /// established socket only keeps it as a soft error.
    #[test]
    fn icmp_unreachable_aborts_only_a_connect_and_only_in_window() {
        let mut rng = SimRng::new(1);
        let (mut c, syn) = Conn::connect(quad(40000, 80), Instant::ZERO, &mut rng);
        let mut ev = vec![];
        c.icmp_unreachable(1, syn.seq.wrapping_sub(1), &mut ev);
        c.icmp_unreachable(1, syn.seq.wrapping_add(2), &mut ev);
        assert!(ev.is_empty());
        assert_eq!(c.state, TcpState::SynSent);
        c.icmp_unreachable(1, syn.seq, &mut ev);
        assert_eq!(ev, vec![SocketEvent::Unreachable(Errno::HostUnreachable), SocketEvent::Closed]);
        assert!(c.is_closed() && c.timer.is_none());
        let (mut c, syn) = Conn::connect(quad(40001, 80), Instant::ZERO, &mut rng);
        let mut ev = vec![];
        c.icmp_unreachable(3, syn.seq, &mut ev);
        assert_eq!(ev[0], SocketEvent::Unreachable(Errno::ConnectionRefused));
        assert_eq!(Errno::ConnectionRefused.message(), "Connection refused");
        assert_eq!(Errno::HostUnreachable.message(), "No route to host");
        // Established: nothing changes.
        let (mut c, syn) = Conn::connect(quad(40002, 80), Instant::ZERO, &mut rng);
        let syn_ack = Segment {
            seq: 900,
            ack: syn.seq.wrapping_add(1),
            flags: TcpFlags::SYN_ACK,
            mss: Some(MSS),
            payload: vec![],
        };
        let (mut out, mut ev) = (vec![], vec![]);
        c.input(&as_tcp(&syn_ack, 80, 40002), Instant::ZERO, &mut out, &mut ev);
        assert_eq!(c.state, TcpState::Established);
        let mut ev = vec![];
        c.icmp_unreachable(1, c.snd_una(), &mut ev);
        assert!(ev.is_empty());
        assert_eq!(c.state, TcpState::Established);
    }

    #[test]
    fn lost_data_is_retransmitted() {
        let mut rng = SimRng::new(3);
        let t = Instant::ZERO;
        let (mut client, syn) = Conn::connect(quad(40000, 80), t, &mut rng);
        let (_server, syn_ack) = Conn::accept(quad(80, 40000), &as_tcp(&syn, 40000, 80), t, &mut rng);
        let (mut out, mut ev) = (vec![], vec![]);
        client.input(&as_tcp(&syn_ack, 80, 40000), t, &mut out, &mut ev);
        let req = client.send(b"hello", t);
        let deadline = client.timer.unwrap();
        out.clear();
        client.on_timer(deadline, &mut out, &mut ev);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].seq, req[0].seq);
        assert_eq!(out[0].payload, b"hello");
    }
}
