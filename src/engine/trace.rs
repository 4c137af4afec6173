//! The trace: every frame sent, received or dropped (with why), every
//! neighbour-cache and MAC-table change, every fault, election, address
//! assignment and command output. It is what the timeline, the event list,
//! the charts and `vipsim run --format jsonl` show. Records are appended in
//! event order and carry the index of the engine step that produced them.

use super::topology::PortId;
use crate::time::Instant;
use crate::wire::{Frame, Mac, dissect};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;
use std::net::Ipv4Addr;
use std::rc::Rc;

/// A host, switch or pod name as it appears in the trace.
pub type Name = Rc<str>;

/// Neighbour Unreachability Detection states, as `ip neigh` prints them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum NeighborState {
    Incomplete,
    Reachable,
    Stale,
    Delay,
    Probe,
    Failed,
    Permanent,
}

impl NeighborState {
    /// `NUD_VALID`: the entry has a MAC that packets can be sent to.
    pub fn is_valid(self) -> bool {
        matches!(self, Self::Reachable | Self::Stale | Self::Delay | Self::Probe | Self::Permanent)
    }

    /// `NUD_CONNECTED`: the MAC is known to be good right now.
    pub fn is_connected(self) -> bool {
        matches!(self, Self::Reachable | Self::Permanent)
    }

    /// `NUD_IN_TIMER`: the state ends on a timer.
    pub fn has_timer(self) -> bool {
        matches!(self, Self::Incomplete | Self::Reachable | Self::Delay | Self::Probe)
    }
}

impl fmt::Display for NeighborState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Incomplete => "INCOMPLETE",
            Self::Reachable => "REACHABLE",
            Self::Stale => "STALE",
            Self::Delay => "DELAY",
            Self::Probe => "PROBE",
            Self::Failed => "FAILED",
            Self::Permanent => "PERMANENT",
        })
    }
}

/// A change to the MAC table, for the trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum MacChange {
    Learned { mac: Mac, port: PortId },
    Moved { mac: Mac, from: PortId, to: PortId },
    Aged { mac: Mac, port: PortId },
    Flushed { mac: Mac, port: PortId },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub t: Instant,
    /// Index of the engine step (event) that produced this record.
    pub step: u64,
    pub kind: Kind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dir {
    Tx,
    Rx,
}

/// Why a frame or packet went nowhere. Each has a learner-facing sentence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// The receiving host is powered off.
    HostDown,
    /// The link (or the host's network) is cut.
    LinkDown,
    /// Unicast for another MAC reached this NIC (flooded unknown unicast).
    NotForUs,
    /// ARP resolution for the next hop failed.
    NoNeighbor { next_hop: Ipv4Addr },
    /// No route to the destination.
    NoRoute { dst: Ipv4Addr },
    /// A host that does not forward received a packet for another address.
    NotForwarding { dst: Ipv4Addr },
    /// externalTrafficPolicy: Local and this node has no ready endpoint.
    NoLocalEndpoints { service: String },
    /// internalTrafficPolicy: Local and this node has no ready endpoint.
    NoLocalEndpointsInternal { service: String },
    /// A TCP segment for a connection that no longer exists here.
    NoConnection,
    /// A configured drop rule (fault) matched.
    Rule { rule: String },
    /// The frame could not be decoded.
    Malformed,
    /// The packet's TTL ran out.
    TtlExpired,
    /// The neighbour queue for an unresolved address was full.
    QueueFull,
    /// A switch that does not flood unknown unicast had no entry for the
    /// destination MAC (it aged out, or was never learned).
    UnknownUnicast { mac: Mac },
}

impl DropReason {
    pub fn why(&self) -> String {
        match self {
            DropReason::HostDown => "host is powered off".into(),
            DropReason::LinkDown => "link is down".into(),
            DropReason::NotForUs => "destination MAC is not this host's (flooded unknown unicast)".into(),
            DropReason::NoNeighbor { next_hop } => format!("ARP for {next_hop} failed: no neighbour entry"),
            DropReason::NoRoute { dst } => format!("no route to {dst}"),
            DropReason::NotForwarding { dst } => format!("{dst} is not a local address and this host does not forward"),
            DropReason::NoLocalEndpoints { service } => {
                format!("{service} has no local endpoints (externalTrafficPolicy: Local)")
            }
            DropReason::NoLocalEndpointsInternal { service } => {
                format!("{service} has no local endpoints (internalTrafficPolicy: Local)")
            }
            DropReason::NoConnection => "no matching connection".into(),
            DropReason::Rule { rule } => format!("dropped by rule {rule}"),
            DropReason::Malformed => "malformed frame".into(),
            DropReason::TtlExpired => "TTL expired".into(),
            DropReason::QueueFull => "neighbour queue full".into(),
            DropReason::UnknownUnicast { mac } => {
                format!("{mac} is not in the MAC table and this switch does not flood unknown unicast")
            }
        }
    }
}

/// Where the switch sent a frame it received. Written in the trace as text
/// (`port Gi0/2 (node-a)`, `flood (broadcast)`...); kept as data so the
/// engine writes it without formatting a string per frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Forwarded {
    /// Known unicast: out of one port (its label, `Gi0/2 (node-a)`).
    Port(Name),
    /// Out of every other up port: broadcast and multicast, or unicast to
    /// a MAC the table does not know.
    Flood { unknown_unicast: bool },
    /// The destination lives behind the port the frame came in on.
    Filtered,
    /// Unicast to a MAC the table does not know, on a switch that does not
    /// flood it: sent nowhere.
    Blocked,
}

impl fmt::Display for Forwarded {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Forwarded::Port(label) => write!(f, "port {label}"),
            Forwarded::Flood { unknown_unicast: true } => f.write_str("flood (unknown unicast)"),
            Forwarded::Flood { unknown_unicast: false } => f.write_str("flood (broadcast)"),
            Forwarded::Filtered => f.write_str("filtered (same port)"),
            Forwarded::Blocked => f.write_str("dropped (unknown unicast, not flooded)"),
        }
    }
}

impl Serialize for Forwarded {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// What a terminal shows for a finished command: the part of stderr it
/// wrote before any stdout (`stderr_first` bytes: tcpdump's banner,
/// kubectl's warnings), then its stdout, then the rest of its stderr
/// (tcpdump's closing counts, error messages).
pub fn terminal_text(stdout: &str, stderr: &str, stderr_first: usize) -> String {
    let (head, tail) = match stderr.get(..stderr_first) {
        Some(head) => (head, &stderr[stderr_first..]),
        None => ("", stderr),
    };
    format!("{head}{stdout}{tail}")
}

/// What happened. Serialised with `"kind"` as the tag (see [`Record`]'s
/// `Serialize`): `frame`, `drop`, `neighbor`, `arp_ignored`, `mac`,
/// `fault`, `leader`, `ipam`, `command`, `log`, `event`, `endpoints`, `app`,
/// `route`, `bgp`, `node`, `pod`.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// A frame left (`tx`) or reached (`rx`) a device interface or switch port.
    /// For the switch, `forward` says where it went next.
    Frame {
        at: Name,
        iface: Name,
        dir: Dir,
        frame: Frame,
        forward: Option<Forwarded>,
    },
    /// A frame or packet dropped at `at`.
    Drop {
        at: Name,
        reason: DropReason,
        frame: Option<Frame>,
    },
    /// A neighbour (ARP) cache entry changed.
    Neighbor {
        host: Name,
        ip: Ipv4Addr,
        old: Option<(Option<Mac>, NeighborState)>,
        new: Option<(Option<Mac>, NeighborState)>,
        reason: String,
    },
    /// A received ARP the cache deliberately did not apply.
    ArpIgnored {
        host: Name,
        ip: Ipv4Addr,
        mac: Mac,
        reason: String,
    },
    /// The switch's MAC table changed.
    Mac {
        switch: Name,
        change: MacChange,
        port_name: Name,
    },
    /// A fault or interactive action was applied.
    Fault {
        host: Option<Name>,
        action: String,
        detail: String,
    },
    /// A lesson marker from the scenario's timeline.
    Note {
        text: String,
    },
    /// The host that announces a VIP changed (MetalLB leader, Cilium lease holder).
    Leader {
        service: String,
        ip: Ipv4Addr,
        node: Option<Name>,
        previous: Option<Name>,
        reason: String,
    },
    /// A LoadBalancer address was assigned or released, or could not be.
    Ipam {
        service: String,
        ip: Option<Ipv4Addr>,
        pool: Option<String>,
        message: String,
    },
    /// A console command finished.
    Command {
        host: Name,
        cmd: String,
        started: Instant,
        stdout: String,
        stderr: String,
        exit: i32,
        /// How many bytes of `stderr` the command wrote before its first
        /// stdout (tcpdump's banner, kubectl's warnings): a terminal shows
        /// them first. See [`terminal_text`].
        stderr_first: usize,
    },
    /// A component's log line (speaker, cilium-agent, kube-proxy, bgp).
    Log {
        host: Name,
        component: String,
        line: String,
    },
    /// A Kubernetes Event.
    Event {
        object: String,
        event_type: String,
        reason: String,
        message: String,
    },
    /// A Service's ready endpoints changed.
    Endpoints {
        service: String,
        ready: Vec<String>,
        serving: Vec<String>,
        terminating: Vec<String>,
    },
    /// A pod's app handled a request; `client` is the source ip:port it observed.
    App {
        pod: Name,
        node: Name,
        client: String,
        request: String,
        status: u16,
    },
    /// Node or pod condition changes.
    Node {
        node: Name,
        ready: bool,
        reason: String,
    },
    Pod {
        pod: Name,
        node: Option<Name>,
        phase: String,
        ready: bool,
        reason: String,
    },
    /// A route was installed or withdrawn (BGP on the router).
    Route {
        host: Name,
        prefix: String,
        next_hops: Vec<Ipv4Addr>,
        reason: String,
    },
    /// A BGP session changed state.
    Bgp {
        host: Name,
        peer: Name,
        state: String,
        reason: String,
    },
}

impl Kind {
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Frame { .. } => "frame",
            Kind::Drop { .. } => "drop",
            Kind::Neighbor { .. } => "neighbor",
            Kind::ArpIgnored { .. } => "arp_ignored",
            Kind::Mac { .. } => "mac",
            Kind::Fault { .. } => "fault",
            Kind::Note { .. } => "note",
            Kind::Leader { .. } => "leader",
            Kind::Ipam { .. } => "ipam",
            Kind::Command { .. } => "command",
            Kind::Log { .. } => "log",
            Kind::Event { .. } => "event",
            Kind::Endpoints { .. } => "endpoints",
            Kind::App { .. } => "app",
            Kind::Node { .. } => "node",
            Kind::Pod { .. } => "pod",
            Kind::Route { .. } => "route",
            Kind::Bgp { .. } => "bgp",
        }
    }

    /// The host the record is about, if any (for per-host filters).
    pub fn host(&self) -> Option<&str> {
        match self {
            Kind::Frame { at, .. } | Kind::Drop { at, .. } => Some(at),
            Kind::Neighbor { host, .. }
            | Kind::ArpIgnored { host, .. }
            | Kind::Command { host, .. }
            | Kind::Log { host, .. }
            | Kind::Route { host, .. }
            | Kind::Bgp { host, .. } => Some(host),
            Kind::Mac { switch, .. } => Some(switch),
            Kind::Fault { host, .. } => host.as_deref(),
            Kind::Leader { node, .. } => node.as_deref(),
            Kind::App { node, .. } => Some(node),
            Kind::Node { node, .. } => Some(node),
            Kind::Pod { node, .. } => node.as_deref(),
            _ => None,
        }
    }

    /// One line for the text timeline and the event list.
    pub fn describe(&self) -> String {
        fn entry(e: &Option<(Option<Mac>, NeighborState)>) -> String {
            match e {
                None => "(none)".into(),
                Some((Some(m), s)) => format!("{m} {s}"),
                Some((None, s)) => format!("{s}"),
            }
        }
        match self {
            Kind::Frame { at, iface, dir, frame, forward } => {
                let arrow = if *dir == Dir::Tx { "tx" } else { "rx" };
                let fwd = forward.as_ref().map(|f| format!(" -> {f}")).unwrap_or_default();
                format!("{at} {iface} {arrow} {}{fwd}", dissect::summary(frame))
            }
            Kind::Drop { at, reason, frame } => {
                let what = frame.as_ref().map(|f| format!(" [{}]", dissect::summary(f))).unwrap_or_default();
                format!("{at} DROP {}{what}", reason.why())
            }
            Kind::Neighbor { host, ip, old, new, reason } => {
                format!("{host} neigh {ip}: {} -> {} ({reason})", entry(old), entry(new))
            }
            Kind::ArpIgnored { host, ip, mac, reason } => format!("{host} ignored ARP {ip} is-at {mac}: {reason}"),
            Kind::Mac { switch, change, .. } => match change {
                MacChange::Learned { mac, .. } => format!("{switch} mac {mac} learned on port {}", port_of(self)),
                MacChange::Moved { mac, from, .. } => {
                    format!("{switch} mac {mac} moved from port {} to {}", from + 1, port_of(self))
                }
                MacChange::Aged { mac, .. } => format!("{switch} mac {mac} aged out of port {}", port_of(self)),
                MacChange::Flushed { mac, .. } => format!("{switch} mac {mac} flushed (port {} down)", port_of(self)),
            },
            Kind::Fault { host, action, detail } => {
                format!(
                    "fault {action}{}{}",
                    host.as_ref().map(|h| format!(" on {h}")).unwrap_or_default(),
                    if detail.is_empty() { String::new() } else { format!(": {detail}") }
                )
            }
            Kind::Note { text } => format!("note: {text}"),
            Kind::Leader { service, ip, node, previous, reason } => format!(
                "{service} {ip} announced by {} (was {}): {reason}",
                node.as_deref().unwrap_or("nobody"),
                previous.as_deref().unwrap_or("nobody")
            ),
            Kind::Ipam { service, message, .. } => format!("{service}: {message}"),
            Kind::Command { host, cmd, stdout, stderr, exit, stderr_first, .. } => {
                let out = terminal_text(stdout, stderr, *stderr_first).trim_end().replace('\n', "\n    ");
                format!("{host}$ {cmd}  (exit {exit})\n    {out}")
            }
            Kind::Log { host, component, line } => format!("{host} {component}: {line}"),
            Kind::Event { object, event_type, reason, message } => {
                format!("event {object} {event_type} {reason}: {message}")
            }
            Kind::Endpoints { service, ready, .. } => format!("{service} ready endpoints: [{}]", ready.join(", ")),
            Kind::App { pod, client, request, status, .. } => {
                format!("{pod} served {request} -> {status} (client seen as {client})")
            }
            Kind::Node { node, ready, reason } => {
                format!("node {node} Ready={}: {reason}", if *ready { "True" } else { "False" })
            }
            Kind::Pod { pod, node, phase, ready, reason } => {
                format!("pod {pod} on {} {phase} ready={ready}: {reason}", node.as_deref().unwrap_or("-"))
            }
            Kind::Route { host, prefix, next_hops, reason } => {
                let hops: Vec<String> = next_hops.iter().map(|h| h.to_string()).collect();
                format!("{host} route {prefix} via [{}]: {reason}", hops.join(", "))
            }
            Kind::Bgp { host, peer, state, reason } => format!("{host} bgp peer {peer} {state}: {reason}"),
        }
    }
}

fn port_of(kind: &Kind) -> String {
    match kind {
        Kind::Mac { port_name, .. } => port_name.to_string(),
        _ => String::new(),
    }
}

fn frame_fields<M: SerializeMap>(map: &mut M, frame: &Frame) -> Result<(), M::Error> {
    map.serialize_entry("proto", dissect::protocol(frame))?;
    map.serialize_entry("summary", &dissect::summary(frame))?;
    map.serialize_entry("src_mac", &frame.src())?;
    map.serialize_entry("dst_mac", &frame.dst())?;
    map.serialize_entry("len", &frame.len())?;
    map.serialize_entry("bytes", &frame.hex())
}

fn neighbor_entry<M: SerializeMap>(
    map: &mut M,
    prefix: &str,
    e: &Option<(Option<Mac>, NeighborState)>,
) -> Result<(), M::Error> {
    let (mac, state) = match e {
        Some((mac, state)) => (mac.map(|m| m.to_string()), Some(state.to_string())),
        None => (None, None),
    };
    map.serialize_entry(&format!("{prefix}mac"), &mac)?;
    map.serialize_entry(&format!("{prefix}state"), &state)
}

/// One flat JSON object per record: `t_ms`, `kind`, then the kind's fields.
impl Serialize for Record {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("t_ms", &self.t.as_millis())?;
        m.serialize_entry("t_ns", &self.t.as_nanos())?;
        m.serialize_entry("step", &self.step)?;
        m.serialize_entry("kind", self.kind.name())?;
        match &self.kind {
            Kind::Frame { at, iface, dir, frame, forward } => {
                m.serialize_entry("at", at)?;
                m.serialize_entry("iface", iface)?;
                m.serialize_entry("dir", dir)?;
                if let Some(f) = forward {
                    m.serialize_entry("forward", f)?;
                }
                frame_fields(&mut m, frame)?;
            }
            Kind::Drop { at, reason, frame } => {
                m.serialize_entry("at", at)?;
                m.serialize_entry("reason", reason)?;
                m.serialize_entry("why", &reason.why())?;
                if let Some(f) = frame {
                    frame_fields(&mut m, f)?;
                }
            }
            Kind::Neighbor { host, ip, old, new, reason } => {
                m.serialize_entry("host", host)?;
                m.serialize_entry("ip", ip)?;
                neighbor_entry(&mut m, "", new)?;
                neighbor_entry(&mut m, "old_", old)?;
                m.serialize_entry("reason", reason)?;
            }
            Kind::ArpIgnored { host, ip, mac, reason } => {
                m.serialize_entry("host", host)?;
                m.serialize_entry("ip", ip)?;
                m.serialize_entry("mac", mac)?;
                m.serialize_entry("reason", reason)?;
            }
            Kind::Mac { switch, change, port_name } => {
                m.serialize_entry("switch", switch)?;
                m.serialize_entry("port", port_name)?;
                m.serialize_entry("change", change)?;
            }
            Kind::Fault { host, action, detail } => {
                m.serialize_entry("host", host)?;
                m.serialize_entry("action", action)?;
                m.serialize_entry("detail", detail)?;
            }
            Kind::Note { text } => {
                m.serialize_entry("text", text)?;
            }
            Kind::Leader { service, ip, node, previous, reason } => {
                m.serialize_entry("service", service)?;
                m.serialize_entry("ip", ip)?;
                m.serialize_entry("node", node)?;
                m.serialize_entry("previous", previous)?;
                m.serialize_entry("reason", reason)?;
            }
            Kind::Ipam { service, ip, pool, message } => {
                m.serialize_entry("service", service)?;
                m.serialize_entry("ip", ip)?;
                m.serialize_entry("pool", pool)?;
                m.serialize_entry("message", message)?;
            }
            Kind::Command { host, cmd, started, stdout, stderr, exit, stderr_first } => {
                m.serialize_entry("host", host)?;
                m.serialize_entry("cmd", cmd)?;
                m.serialize_entry("started_ms", &started.as_millis())?;
                m.serialize_entry("stdout", stdout)?;
                m.serialize_entry("stderr", stderr)?;
                m.serialize_entry("exit", exit)?;
                if *stderr_first > 0 {
                    m.serialize_entry("stderr_first", stderr_first)?;
                }
            }
            Kind::Log { host, component, line } => {
                m.serialize_entry("host", host)?;
                m.serialize_entry("component", component)?;
                m.serialize_entry("line", line)?;
            }
            Kind::Event { object, event_type, reason, message } => {
                m.serialize_entry("object", object)?;
                m.serialize_entry("type", event_type)?;
                m.serialize_entry("reason", reason)?;
                m.serialize_entry("message", message)?;
            }
            Kind::Endpoints { service, ready, serving, terminating } => {
                m.serialize_entry("service", service)?;
                m.serialize_entry("ready", ready)?;
                m.serialize_entry("serving", serving)?;
                m.serialize_entry("terminating", terminating)?;
            }
            Kind::App { pod, node, client, request, status } => {
                m.serialize_entry("pod", pod)?;
                m.serialize_entry("node", node)?;
                m.serialize_entry("client", client)?;
                m.serialize_entry("request", request)?;
                m.serialize_entry("status", status)?;
            }
            Kind::Node { node, ready, reason } => {
                m.serialize_entry("node", node)?;
                m.serialize_entry("ready", ready)?;
                m.serialize_entry("reason", reason)?;
            }
            Kind::Pod { pod, node, phase, ready, reason } => {
                m.serialize_entry("pod", pod)?;
                m.serialize_entry("node", node)?;
                m.serialize_entry("phase", phase)?;
                m.serialize_entry("ready", ready)?;
                m.serialize_entry("reason", reason)?;
            }
            Kind::Route { host, prefix, next_hops, reason } => {
                m.serialize_entry("host", host)?;
                m.serialize_entry("prefix", prefix)?;
                m.serialize_entry("next_hops", next_hops)?;
                m.serialize_entry("reason", reason)?;
            }
            Kind::Bgp { host, peer, state, reason } => {
                m.serialize_entry("host", host)?;
                m.serialize_entry("peer", peer)?;
                m.serialize_entry("state", state)?;
                m.serialize_entry("reason", reason)?;
            }
        }
        m.end()
    }
}

impl Record {
    /// The record as one line of JSON (the jsonl trace format).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("trace records always serialise")
    }
}
