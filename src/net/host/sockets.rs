//! TCP sockets: the table with its timer index, segments in and out,
//! ICMP errors that abort a connection, connections processes open and
//! what the kernel does with them when the process exits.

use super::{Env, Host, Origin};
use crate::engine::ctx::Ctx;
use crate::net::conntrack;
use crate::net::tcp::{self, Conn, Quad, Segment, SocketEvent, TcpState};
use crate::time::Instant;
use crate::wire::Mac;
use crate::wire::ip::{self, Ipv4, TcpSegment};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, SocketAddrV4};

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

/// Linux's ephemeral port range (net.ipv4.ip_local_port_range).
pub const EPHEMERAL_PORTS: (u16, u16) = (32768, 60999);

impl Host {
    pub(super) fn tcp_input(&mut self, pkt: &Ipv4, tcp: ip::Tcp, cx: &mut Ctx, env: &Env) {
        let quad =
            Quad { local: SocketAddrV4::new(pkt.dst, tcp.dst_port), remote: SocketAddrV4::new(pkt.src, tcp.src_port) };
        // The host's reusable buffers (a nested segment, sent to itself,
        // finds them taken and uses new ones).
        let (mut out, mut events) = std::mem::take(&mut self.scratch);
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
        self.emit_drained(quad, &mut out, cx, env);
        self.socket_events_drained(quad, &mut events, cx, env);
        self.scratch = (out, events);
    }

    /// `tcp_v4_err` (net/ipv4/tcp_ipv4.c, Linux 6.18): a destination
    /// unreachable quoting one of our segments. A connection still being
    /// set up (SYN-SENT) is aborted with the code's errno
    /// (`icmp_err_convert`: host unreachable -> EHOSTUNREACH, port
    /// unreachable -> ECONNREFUSED) when the quoted sequence number is one
    /// we sent; an established one only notes it (`sk_err_soft`).
    pub(super) fn tcp_err(&mut self, code: u8, quoted: &[u8], cx: &mut Ctx, env: &Env) {
        let Some((quad, seq)) = quoted_tcp(quoted) else { return };
        let mut events = Vec::new();
        if self.sockets.update(&quad, |sock| sock.conn.icmp_unreachable(code, seq, &mut events)).is_some() {
            self.socket_events(quad, events, cx, env);
        }
    }

    /// TCP saw the peer acknowledge new data: the path works, so the
    /// neighbour entry of the next hop is confirmed (Linux's dst_confirm),
    /// which keeps an entry in use from going through DELAY and PROBE.
    pub(super) fn confirm_neighbor(&mut self, remote: Ipv4Addr, cx: &mut Ctx) {
        if let Some((iface, next_hop)) = self.route(remote, None) {
            let mut events = Vec::new();
            self.ifaces[iface].neighbors.confirm(next_hop, cx.now, cx.rng, &mut events);
            self.neighbor_events(iface, &mut events, cx);
        }
    }

    /// Wraps segments of connection `quad` in frames and sends them.
    pub(super) fn emit_segments(&mut self, quad: Quad, mut segs: Vec<Segment>, cx: &mut Ctx, env: &Env) {
        self.emit_drained(quad, &mut segs, cx, env);
    }

    /// [`Host::emit_segments`], leaving `segs` empty for reuse.
    fn emit_drained(&mut self, quad: Quad, segs: &mut Vec<Segment>, cx: &mut Ctx, env: &Env) {
        let origin = if self.is_local_pod(*quad.local.ip()) { Origin::Pod } else { Origin::Local };
        for s in segs.drain(..) {
            let seg = TcpSegment {
                src: *quad.local.ip(),
                dst: *quad.remote.ip(),
                src_port: quad.local.port(),
                dst_port: quad.remote.port(),
                seq: s.seq,
                ack: s.ack,
                flags: s.flags,
                // A reset carries no window: Linux builds it zeroed
                // (`tcp_v4_send_reset`, net/ipv4/tcp_ipv4.c, 6.18).
                window: if s.flags.has(ip::TcpFlags::RST) { 0 } else { tcp::WINDOW },
                mss: s.mss,
                payload: &s.payload,
            };
            let ident = self.next_ident();
            let frame = ip::tcp_frame(Mac::ZERO, Mac::ZERO, ident, &seg);
            self.send_local(frame, origin, cx, env);
        }
    }

    pub(super) fn socket_events(&mut self, quad: Quad, mut events: Vec<SocketEvent>, cx: &mut Ctx, env: &Env) {
        self.socket_events_drained(quad, &mut events, cx, env);
    }

    /// [`Host::socket_events`], leaving `events` empty for reuse.
    fn socket_events_drained(&mut self, quad: Quad, events: &mut Vec<SocketEvent>, cx: &mut Ctx, env: &Env) {
        if events.is_empty() {
            return;
        }
        let Some(owner) = self.sockets.get(&quad).map(|s| s.owner) else {
            events.clear();
            return;
        };
        for ev in events.drain(..) {
            match owner {
                Owner::Process(pid) => self.with_proc_env(pid, cx, env, |p, io| p.on_socket(quad, ev, io)),
                Owner::Server => self.server_event(quad, ev, cx, env),
                Owner::Orphan => {}
            }
        }
        if self.sockets.get(&quad).is_some_and(|s| s.conn.is_closed()) {
            self.sockets.remove(&quad);
        }
    }

    /// Opens a TCP connection for process `pid` from a free ephemeral port.
    pub fn connect(&mut self, pid: u32, dst: SocketAddrV4, cx: &mut Ctx, env: &Env) -> Option<Quad> {
        // 127.0.0.0/8 is lo's: the local route's source is 127.0.0.1
        // (`local 127.0.0.0/8 dev lo ... src 127.0.0.1`, Linux 6.18
        // inet_fill_ifaddr/fib_add_ifaddr), whatever else is routed.
        let src_ip = if dst.ip().is_loopback() {
            Ipv4Addr::LOCALHOST
        } else {
            let (iface, _) = self.route(*dst.ip(), None)?;
            self.source_for(iface, *dst.ip())?
        };
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
    pub(super) fn release_socket(&mut self, quad: Quad, now: Instant) -> Vec<Segment> {
        let Some(state) = self.sockets.get(&quad).map(|s| s.conn.state) else { return vec![] };
        if matches!(state, TcpState::SynSent | TcpState::Closed) {
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
}

/// The connection (from the sender's side) and sequence number of the TCP
/// segment an ICMP error quotes: its IPv4 header and at least the first 8
/// bytes of TCP, as RFC 792 requires.
pub(super) fn quoted_tcp(quoted: &[u8]) -> Option<(Quad, u32)> {
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
