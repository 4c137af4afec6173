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
use std::borrow::Cow;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::rc::Rc;

pub use super::endpoint_list::{EndpointList, EndpointMark};

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
    /// A packet from one of the host's own addresses came in from the wire.
    MartianSource { src: Ipv4Addr },
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
            DropReason::MartianSource { src } => format!("martian source: {src} is this host's own address"),
            DropReason::QueueFull => "neighbour queue full".into(),
            DropReason::UnknownUnicast { mac } => {
                format!("{mac} is not in the MAC table and this switch does not flood unknown unicast")
            }
        }
    }
}

impl DropReason {
    /// Which reason this is, without its details: what a `drops` goal names.
    pub fn code(&self) -> DropCode {
        match self {
            DropReason::HostDown => DropCode::HostDown,
            DropReason::LinkDown => DropCode::LinkDown,
            DropReason::NotForUs => DropCode::NotForUs,
            DropReason::NoNeighbor { .. } => DropCode::NoNeighbor,
            DropReason::NoRoute { .. } => DropCode::NoRoute,
            DropReason::NotForwarding { .. } => DropCode::NotForwarding,
            DropReason::NoLocalEndpoints { .. } => DropCode::NoLocalEndpoints,
            DropReason::NoLocalEndpointsInternal { .. } => DropCode::NoLocalEndpointsInternal,
            DropReason::NoConnection => DropCode::NoConnection,
            DropReason::Rule { .. } => DropCode::Rule,
            DropReason::Malformed => DropCode::Malformed,
            DropReason::TtlExpired => DropCode::TtlExpired,
            DropReason::MartianSource { .. } => DropCode::MartianSource,
            DropReason::QueueFull => DropCode::QueueFull,
            DropReason::UnknownUnicast { .. } => DropCode::UnknownUnicast,
        }
    }
}

/// A [`DropReason`] without its details, named as the jsonl trace names
/// the reason (`no_local_endpoints`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropCode {
    HostDown,
    LinkDown,
    NotForUs,
    NoNeighbor,
    NoRoute,
    NotForwarding,
    NoLocalEndpoints,
    NoLocalEndpointsInternal,
    NoConnection,
    Rule,
    Malformed,
    TtlExpired,
    MartianSource,
    QueueFull,
    UnknownUnicast,
}

impl fmt::Display for DropCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DropCode::HostDown => "host_down",
            DropCode::LinkDown => "link_down",
            DropCode::NotForUs => "not_for_us",
            DropCode::NoNeighbor => "no_neighbor",
            DropCode::NoRoute => "no_route",
            DropCode::NotForwarding => "not_forwarding",
            DropCode::NoLocalEndpoints => "no_local_endpoints",
            DropCode::NoLocalEndpointsInternal => "no_local_endpoints_internal",
            DropCode::NoConnection => "no_connection",
            DropCode::Rule => "rule",
            DropCode::Malformed => "malformed",
            DropCode::TtlExpired => "ttl_expired",
            DropCode::MartianSource => "martian_source",
            DropCode::QueueFull => "queue_full",
            DropCode::UnknownUnicast => "unknown_unicast",
        })
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

/// What happened. Each record is one flat JSON object in the jsonl trace
/// (see [`Record`]'s `Serialize`): `"kind"` names the variant (`frame`,
/// `drop`, `neighbor`, `arp_ignored`, `mac`, `fault`, `note`, `leader`,
/// `ipam`, `command`, `log`, `endpoints`, `app`, `node`, `pod`,
/// `route`, `bgp`), then the variant's fields in the order declared here,
/// spelled as the attributes say.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Kind {
    /// A frame left (`tx`) or reached (`rx`) a device interface or switch port.
    /// For the switch, `forward` says where it went next.
    Frame {
        at: Name,
        iface: Name,
        dir: Dir,
        #[serde(skip_serializing_if = "Option::is_none")]
        forward: Option<Forwarded>,
        #[serde(flatten, serialize_with = "frame_fields")]
        frame: Frame,
    },
    /// A frame or packet dropped at `at`.
    Drop {
        at: Name,
        #[serde(flatten, serialize_with = "reason_and_why")]
        reason: DropReason,
        #[serde(flatten, serialize_with = "maybe_frame_fields")]
        frame: Option<Frame>,
    },
    /// A neighbour (ARP) cache entry changed.
    Neighbor {
        host: Name,
        ip: Ipv4Addr,
        #[serde(flatten, serialize_with = "new_entry")]
        new: Option<(Option<Mac>, NeighborState)>,
        #[serde(flatten, serialize_with = "old_entry")]
        old: Option<(Option<Mac>, NeighborState)>,
        reason: String,
    },
    /// A received ARP the cache deliberately did not apply.
    ArpIgnored {
        host: Name,
        ip: Ipv4Addr,
        mac: Mac,
        reason: Cow<'static, str>,
    },
    /// The switch's MAC table changed.
    Mac {
        switch: Name,
        #[serde(rename = "port")]
        port_name: Name,
        change: MacChange,
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
        cmd: Box<str>,
        #[serde(rename = "started_ms", serialize_with = "millis")]
        started: Instant,
        stdout: Box<str>,
        stderr: Box<str>,
        exit: i32,
        /// How many bytes of `stderr` the command wrote before its first
        /// stdout (tcpdump's banner, kubectl's warnings): a terminal shows
        /// them first. See [`terminal_text`].
        #[serde(skip_serializing_if = "is_zero")]
        stderr_first: usize,
    },
    /// A component's log line (speaker, cilium-agent, kube-proxy, bgp).
    Log {
        host: Name,
        component: String,
        line: String,
    },
    /// A Service's EndpointSlice changed: its endpoints (the ready, the
    /// serving and the terminating ones are listed).
    Endpoints {
        service: String,
        /// Written as three lists: `ready`, `serving`, `terminating`.
        #[serde(flatten)]
        endpoints: EndpointList,
    },
    /// A pod's app handled a request; `client` is the source address and
    /// port it observed (after any SNAT).
    App {
        pod: Name,
        node: Name,
        client: SocketAddrV4,
        request: String,
        status: u16,
    },
    /// Node or pod condition changes. `status` is the Ready condition's
    /// status as `kubectl describe node` shows it: `True`, `False`, or
    /// `Unknown` when the node lifecycle controller stopped hearing from
    /// the kubelet (`ready` is false then too).
    Node {
        node: Name,
        ready: bool,
        status: &'static str,
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
            Kind::Endpoints { service, endpoints } => {
                format!("{service} ready endpoints: [{}]", endpoints.ready().join(", "))
            }
            Kind::App { pod, client, request, status, .. } => {
                format!("{pod} served {request} -> {status} (client seen as {client})")
            }
            Kind::Node { node, status, reason, .. } => format!("node {node} Ready={status}: {reason}"),
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

// The fields some kinds write in place of one of theirs (`#[serde(flatten,
// serialize_with)]`): each writes a map whose entries join the record's.

fn frame_fields<S: Serializer>(frame: &Frame, s: S) -> Result<S::Ok, S::Error> {
    let mut m = s.serialize_map(None)?;
    frame_entries(&mut m, frame)?;
    m.end()
}

fn maybe_frame_fields<S: Serializer>(frame: &Option<Frame>, s: S) -> Result<S::Ok, S::Error> {
    let mut m = s.serialize_map(None)?;
    if let Some(frame) = frame {
        frame_entries(&mut m, frame)?;
    }
    m.end()
}

fn frame_entries<M: SerializeMap>(map: &mut M, frame: &Frame) -> Result<(), M::Error> {
    map.serialize_entry("proto", dissect::protocol(frame))?;
    map.serialize_entry("summary", &dissect::summary(frame))?;
    map.serialize_entry("src_mac", &frame.src())?;
    map.serialize_entry("dst_mac", &frame.dst())?;
    map.serialize_entry("len", &frame.len())?;
    map.serialize_entry("bytes", &frame.hex())
}

/// The reason as data, then its sentence.
fn reason_and_why<S: Serializer>(reason: &DropReason, s: S) -> Result<S::Ok, S::Error> {
    let mut m = s.serialize_map(Some(2))?;
    m.serialize_entry("reason", reason)?;
    m.serialize_entry("why", &reason.why())?;
    m.end()
}

fn new_entry<S: Serializer>(e: &Option<(Option<Mac>, NeighborState)>, s: S) -> Result<S::Ok, S::Error> {
    neighbor_entry("mac", "state", e, s)
}

fn old_entry<S: Serializer>(e: &Option<(Option<Mac>, NeighborState)>, s: S) -> Result<S::Ok, S::Error> {
    neighbor_entry("old_mac", "old_state", e, s)
}

fn neighbor_entry<S: Serializer>(
    mac_key: &str,
    state_key: &str,
    e: &Option<(Option<Mac>, NeighborState)>,
    s: S,
) -> Result<S::Ok, S::Error> {
    let (mac, state) = match e {
        Some((mac, state)) => (mac.map(|m| m.to_string()), Some(state.to_string())),
        None => (None, None),
    };
    let mut m = s.serialize_map(Some(2))?;
    m.serialize_entry(mac_key, &mac)?;
    m.serialize_entry(state_key, &state)?;
    m.end()
}

fn millis<S: Serializer>(t: &Instant, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(t.as_millis())
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// One flat JSON object per record: `t_ms`, `t_ns`, `step`, then the
/// kind's tag and fields.
impl Serialize for Record {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Flat<'a> {
            t_ms: u64,
            t_ns: u64,
            step: u64,
            #[serde(flatten)]
            kind: &'a Kind,
        }
        Flat { t_ms: self.t.as_millis(), t_ns: self.t.as_nanos(), step: self.step, kind: &self.kind }.serialize(s)
    }
}

impl Record {
    /// The record as one line of JSON (the jsonl trace format).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("trace records always serialise")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One of each reason.
    fn every_reason() -> Vec<DropReason> {
        let ip = Ipv4Addr::new(192, 0, 2, 1);
        vec![
            DropReason::HostDown,
            DropReason::LinkDown,
            DropReason::NotForUs,
            DropReason::NoNeighbor { next_hop: ip },
            DropReason::NoRoute { dst: ip },
            DropReason::NotForwarding { dst: ip },
            DropReason::NoLocalEndpoints { service: "default/web".into() },
            DropReason::NoLocalEndpointsInternal { service: "default/web".into() },
            DropReason::NoConnection,
            DropReason::Rule { rule: "drop ARP".into() },
            DropReason::Malformed,
            DropReason::TtlExpired,
            DropReason::MartianSource { src: ip },
            DropReason::QueueFull,
            DropReason::UnknownUnicast { mac: Mac::derived_from("node-a") },
        ]
    }

    /// A `drops` goal names a reason as the trace writes it: the reason
    /// itself when it has no details, the key of its details otherwise.
    #[test]
    fn each_drop_code_is_named_as_the_trace_names_its_reason() {
        for reason in every_reason() {
            let json = serde_json::to_value(&reason).unwrap();
            let written = json.as_str().map(String::from).or_else(|| json.as_object().unwrap().keys().next().cloned());
            let code = reason.code();
            assert_eq!(written.as_deref(), Some(code.to_string().as_str()), "{reason:?}");
            assert_eq!(serde_json::to_value(code).unwrap(), code.to_string());
            assert_eq!(serde_json::from_value::<DropCode>(code.to_string().into()).unwrap(), code);
        }
    }

    #[test]
    fn an_app_record_writes_the_client_as_address_and_port() {
        let r = Record {
            t: Instant::from_millis(1500),
            step: 7,
            kind: Kind::App {
                pod: "web-1".into(),
                node: "node-a".into(),
                client: "10.0.1.10:40000".parse().unwrap(),
                request: "GET /".into(),
                status: 200,
            },
        };
        assert_eq!(
            r.to_json(),
            r#"{"t_ms":1500,"t_ns":1500000000,"step":7,"kind":"app","pod":"web-1","node":"node-a","client":"10.0.1.10:40000","request":"GET /","status":200}"#
        );
    }

    /// A run keeps every record (1.78 million in the engine bench's ten
    /// minutes), so a record's size is most of a kept trace's memory: one
    /// large variant makes every frame's record as large. The largest
    /// variants hold 88 bytes (`Frame`, `Command` with its texts boxed,
    /// `Route`, `Leader`, `Pod`); box a field rather than grow past them.
    #[test]
    fn a_record_is_at_most_112_bytes() {
        assert!(std::mem::size_of::<Kind>() <= 96, "{}", std::mem::size_of::<Kind>());
        assert!(std::mem::size_of::<Record>() <= 112, "{}", std::mem::size_of::<Record>());
    }
}
