//! Network tools that run as processes inside a simulated host and take
//! simulated time: `curl`, `arping`, `ping`, `tcpdump`. Each is a state
//! machine driven by its host (socket events, received frames, timers) and
//! finishes with the same stdout, stderr and exit code the real tool gives.

pub mod arping;
pub mod curl;
pub mod ping;
pub mod shell;
pub mod tcpdump;

use crate::engine::ctx::Ctx;
use crate::engine::trace::Dir;
use crate::net::IfIdx;
use crate::net::host::{Env, Host, Origin};
use crate::net::tcp::{Quad, SocketEvent};
use crate::time::Instant;
use crate::wire::Frame;
use crate::wire::ip::{Icmp, Ipv4};
use serde::{Deserialize, Serialize};
use std::net::SocketAddrV4;

/// What a finished tool printed and returned.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
    pub exit: i32,
}

/// A running tool.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Proc {
    Curl(curl::Curl),
    Arping(arping::Arping),
    Ping(ping::Ping),
    Tcpdump(tcpdump::Tcpdump),
}

/// The host services a tool may use while it handles an event.
pub struct ProcIo<'h, 'c, 'e, 'x> {
    pub host: &'h mut Host,
    pub cx: &'c mut Ctx<'x>,
    /// The Service rules, when the event came through the IP stack (needed
    /// to open connections on a node, whose own traffic is NATed too).
    pub env: Option<&'e Env<'e>>,
    pub pid: u32,
}

impl ProcIo<'_, '_, '_, '_> {
    pub fn now(&self) -> Instant {
        self.cx.now
    }

    pub fn connect(&mut self, dst: SocketAddrV4) -> Option<Quad> {
        let env = self.env?;
        let pid = self.pid;
        self.host.connect(pid, dst, self.cx, env)
    }

    pub fn send(&mut self, quad: Quad, data: &[u8], close: bool) {
        if let Some(env) = self.env {
            self.host.tcp_send(quad, data, close, self.cx, env);
        }
    }

    /// Sends an IPv4 packet the tool built (ping), through routing.
    pub fn send_ip(&mut self, frame: Frame) {
        match self.env {
            Some(env) => self.host.send_local(frame, Origin::Local, self.cx, env),
            None => self.host.ip_output(frame, Origin::Local, self.cx),
        }
    }

    /// Sends a raw frame on an interface (arping's packet socket).
    pub fn transmit(&mut self, iface: IfIdx, frame: Frame) {
        self.host.transmit(iface, frame, self.cx);
    }
}

impl Proc {
    pub fn cmd(&self) -> &str {
        match self {
            Proc::Curl(p) => &p.cmd,
            Proc::Arping(p) => &p.cmd,
            Proc::Ping(p) => &p.cmd,
            Proc::Tcpdump(p) => &p.cmd,
        }
    }

    pub fn started(&self) -> Instant {
        match self {
            Proc::Curl(p) => p.started,
            Proc::Arping(p) => p.started,
            Proc::Ping(p) => p.started,
            Proc::Tcpdump(p) => p.started,
        }
    }

    pub fn start(&mut self, io: &mut ProcIo) {
        match self {
            Proc::Curl(p) => p.start(io),
            Proc::Arping(p) => p.start(io),
            Proc::Ping(p) => p.start(io),
            Proc::Tcpdump(p) => p.start(io),
        }
    }

    pub fn on_timer(&mut self, io: &mut ProcIo) {
        match self {
            Proc::Curl(p) => p.on_timer(io),
            Proc::Arping(p) => p.on_timer(io),
            Proc::Ping(p) => p.on_timer(io),
            Proc::Tcpdump(p) => p.on_timer(io),
        }
    }

    pub fn on_socket(&mut self, quad: Quad, ev: SocketEvent, io: &mut ProcIo) {
        if let Proc::Curl(p) = self {
            p.on_socket(quad, ev, io);
        }
    }

    pub fn on_icmp(&mut self, pkt: &Ipv4, icmp: Icmp, io: &mut ProcIo) {
        if let Proc::Ping(p) = self {
            p.on_icmp(pkt, icmp, io);
        }
    }

    /// Tools that watch frames on the host's interfaces (packet sockets).
    pub fn wants_frames(&self) -> bool {
        matches!(self, Proc::Arping(_) | Proc::Tcpdump(_))
    }

    pub fn on_frame(&mut self, iface: IfIdx, frame: &Frame, dir: Dir, io: &mut ProcIo) {
        match self {
            Proc::Arping(p) => p.on_frame(iface, frame, dir, io),
            Proc::Tcpdump(p) => p.on_frame(iface, frame, dir, io),
            _ => {}
        }
    }

    pub fn deadline(&self) -> Option<Instant> {
        match self {
            Proc::Curl(p) => p.deadline(),
            Proc::Arping(p) => p.deadline(),
            Proc::Ping(p) => p.deadline(),
            Proc::Tcpdump(p) => p.deadline(),
        }
    }

    pub fn finished(&self) -> Option<Output> {
        match self {
            Proc::Curl(p) => p.output.clone(),
            Proc::Arping(p) => p.output.clone(),
            Proc::Ping(p) => p.output.clone(),
            Proc::Tcpdump(p) => p.output.clone(),
        }
    }

    /// How many bytes of its stderr the tool wrote before its first stdout
    /// (tcpdump's banner), so a terminal shows them first.
    pub fn stderr_first(&self) -> usize {
        match self {
            Proc::Tcpdump(p) => p.banner_len(),
            _ => 0,
        }
    }

    /// Sockets to close when the tool exits.
    pub fn sockets(&self) -> Vec<Quad> {
        match self {
            Proc::Curl(p) => p.quad.into_iter().collect(),
            _ => vec![],
        }
    }
}

/// Parses a tool's numeric option value with the tool's own error wording.
pub(crate) fn number<T: std::str::FromStr>(tool: &str, opt: &str, value: Option<&String>) -> Result<T, String> {
    let v = value.ok_or_else(|| format!("{tool}: option requires an argument -- '{}'", opt.trim_start_matches('-')))?;
    v.parse().map_err(|_| format!("{tool}: invalid argument for {opt}: '{v}'"))
}
