//! What a run's trace means for the playground, computed once per run: the
//! steps a learner walks through, the interesting moments the scrubber
//! marks, and the series the charts draw (client requests and outages, how
//! the router (or a LAN client) reaches the VIP, which node served). Plain Rust over the
//! core's trace and world: no yew, no DOM, so it is easy to test.

use super::i18n::{Lang, Msg};
use crate::engine::trace::{Dir, DropReason, Kind, Name, Record};
use crate::net::Role;
use crate::net::host::RouteOrigin;
use crate::net::neighbor::NeighborState;
use crate::play::run::Run;
use crate::sim::World;
use crate::sort::Sort;
use crate::time::{Duration, Instant};
use crate::wire::{ArpOperation, Frame, Parsed, ip::L4};
use std::collections::BTreeSet;
use std::mem::Discriminant;
use std::net::Ipv4Addr;
use std::ops::Range;

/// Two drops with the same place and reason this close together belong to
/// one streak: the scrubber marks only its first drop.
const DROP_STREAK_GAP: Duration = Duration::from_secs(3);

/// The kind of a frame as the topology and the event list show it: each
/// has a colour *and* a short label, so colour is never the only signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameClass {
    ArpRequest,
    ArpReply,
    /// Sender IP = target IP: an announcement, not a question.
    Garp,
    Tcp,
    Icmp,
    Other,
}

impl FrameClass {
    pub fn of(frame: &Frame) -> FrameClass {
        match Parsed::of(frame.bytes()) {
            Parsed::Arp { arp, .. } if arp.is_announcement() => FrameClass::Garp,
            Parsed::Arp { arp, .. } if arp.op == ArpOperation::Request => FrameClass::ArpRequest,
            Parsed::Arp { .. } => FrameClass::ArpReply,
            Parsed::Ipv4 { packet, .. } => match packet.l4 {
                L4::Tcp(_) => FrameClass::Tcp,
                L4::Icmp(_) => FrameClass::Icmp,
                _ => FrameClass::Other,
            },
            Parsed::Other { .. } => FrameClass::Other,
        }
    }

    /// The few letters drawn on a frame in flight.
    pub fn label(self) -> &'static str {
        match self {
            FrameClass::ArpRequest => "ARP?",
            FrameClass::ArpReply => "ARP!",
            FrameClass::Garp => "GARP",
            FrameClass::Tcp => "TCP",
            FrameClass::Icmp => "ICMP",
            FrameClass::Other => "ETH",
        }
    }

    /// The CSS class carrying the colour.
    pub fn css(self) -> &'static str {
        match self {
            FrameClass::ArpRequest => "arp-request",
            FrameClass::ArpReply => "arp-reply",
            FrameClass::Garp => "garp",
            FrameClass::Tcp => "tcp",
            FrameClass::Icmp => "icmp",
            FrameClass::Other => "other",
        }
    }

    pub fn is_arp(self) -> bool {
        matches!(self, FrameClass::ArpRequest | FrameClass::ArpReply | FrameClass::Garp)
    }
}

/// A record as the event list and its detail say it: the trace's own
/// text (protocol words, in English as tcpdump's are), except a scenario's
/// note, which is lesson text and is said in `lang` when the step carries
/// a translation.
pub fn record_text(kind: &Kind, spec: &crate::scenario::spec::ScenarioSpec, lang: Lang) -> String {
    match kind {
        Kind::Note { text } => format!("note: {}", spec.note_in(text, lang.code())),
        _ => kind.describe(),
    }
}

/// The first line of [`record_text`]: a record in one line, as the event
/// list's Info column and the timeline's "At …" line say it.
pub fn record_line(kind: &Kind, spec: &crate::scenario::spec::ScenarioSpec, lang: Lang) -> String {
    record_text(kind, spec, lang).lines().next().unwrap_or_default().to_string()
}

/// The event list's Protocol column: GARP apart from ARP, and the record
/// kind for what is not a frame.
pub fn protocol(kind: &Kind) -> &'static str {
    match kind {
        Kind::Frame { frame, .. } | Kind::Drop { frame: Some(frame), .. } => match FrameClass::of(frame) {
            FrameClass::Garp => "GARP",
            _ => crate::wire::dissect::protocol(frame),
        },
        Kind::Drop { frame: None, .. } => "DROP",
        Kind::Neighbor { .. } => "NEIGH",
        Kind::ArpIgnored { .. } => "ARP",
        Kind::Mac { .. } => "MAC",
        Kind::Fault { .. } => "FAULT",
        Kind::Note { .. } => "NOTE",
        Kind::Leader { .. } => "LEADER",
        Kind::Ipam { .. } => "IPAM",
        Kind::Command { .. } => "CMD",
        Kind::Log { .. } => "LOG",
        Kind::Endpoints { .. } => "ENDPTS",
        Kind::App { .. } => "APP",
        Kind::Node { .. } => "NODE",
        Kind::Pod { .. } => "POD",
        Kind::Route { .. } => "ROUTE",
        Kind::Bgp { .. } => "BGP",
    }
}

/// Whether a record is about ARP (frames, cache changes, ignored ARP).
pub fn is_arp(kind: &Kind) -> bool {
    match kind {
        Kind::Frame { frame, .. } | Kind::Drop { frame: Some(frame), .. } => FrameClass::of(frame).is_arp(),
        Kind::Neighbor { .. } | Kind::ArpIgnored { .. } => true,
        _ => false,
    }
}

/// A moment worth jumping to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkKind {
    Fault,
    Note,
    Leader,
    Garp,
    /// The first drop of a streak.
    Drop,
    /// A command whose result differs from its previous run (first
    /// failure, first success again), or a one-off command.
    Command,
}

impl MarkKind {
    pub fn css(self) -> &'static str {
        match self {
            MarkKind::Fault => "fault",
            MarkKind::Note => "note",
            MarkKind::Leader => "leader",
            MarkKind::Garp => "garp",
            MarkKind::Drop => "drop",
            MarkKind::Command => "command",
        }
    }

    /// A one-character glyph for the scrubber, so marks differ by shape too.
    pub fn glyph(self) -> &'static str {
        match self {
            MarkKind::Fault => "!",
            MarkKind::Note => "i",
            MarkKind::Leader => "★",
            MarkKind::Garp => "G",
            MarkKind::Drop => "✕",
            MarkKind::Command => "$",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    pub step: u64,
    pub t: Instant,
    pub kind: MarkKind,
    pub what: MarkText,
}

/// What a mark says, worded in the UI's language when shown.
#[derive(Clone, Debug, PartialEq)]
pub enum MarkText {
    /// As the trace says it: a fault, a note, a command line and its exit status.
    Recorded(String),
    Leader {
        node: Option<String>,
        ip: Ipv4Addr,
        service: String,
    },
    Garp {
        from: String,
    },
    DropsStart {
        at: String,
        why: String,
    },
}

impl Mark {
    pub fn label(&self, lang: Lang) -> String {
        match &self.what {
            MarkText::Recorded(text) => text.clone(),
            MarkText::Leader { node: Some(node), ip, service } => lang.f(Msg::MarkLeader, &[node, ip, service]),
            MarkText::Leader { node: None, ip, service } => lang.f(Msg::MarkNoLeader, &[ip, service]),
            MarkText::Garp { from } => lang.f(Msg::MarkGarp, &[from]),
            MarkText::DropsStart { at, why } => lang.f(Msg::MarkDrops, &[at, why]),
        }
    }
}

pub use super::probes::{Lane, Outage, Outcome, Probe};

/// How the resolver reached the VIP during `[from, to)`: through which
/// host(s), and the ARP state (L2) or none (a BGP route).
#[derive(Clone, Debug, PartialEq)]
pub struct PathSpan {
    pub from: Instant,
    pub to: Instant,
    /// Host names (one for an ARP entry, every next hop for ECMP); empty
    /// when it has no way to the VIP.
    pub via: Vec<String>,
    pub state: Option<NeighborState>,
}

/// A request a pod's app answered.
#[derive(Clone, Debug, PartialEq)]
pub struct Served {
    pub t: Instant,
    pub node: Name,
}

/// Everything the playground derives from one run's trace.
#[derive(Clone, Debug, PartialEq)]
pub struct Story {
    /// Distinct steps that produced records: what "one event" means.
    pub steps: Vec<u64>,
    pub marks: Vec<Mark>,
    /// Requests, one lane per host and target ([`super::probes`]).
    pub lanes: Vec<Lane>,
    /// Every lane's outages, by start.
    pub outages: Vec<Outage>,
    /// The first VIP assigned in the run, and the host outside the cluster
    /// whose way to it the charts follow (see [`find_resolver`]).
    pub vip: Option<Ipv4Addr>,
    pub resolver: Option<String>,
    /// How that host reached the VIP over time.
    pub path: Vec<PathSpan>,
    pub served: Vec<Served>,
    /// Node names, in the scenario's order.
    pub nodes: Vec<String>,
    pub end: Instant,
}

impl Story {
    /// When the lesson's first beat (a timeline note or a fault) comes.
    pub fn first_beat(&self) -> Option<Instant> {
        self.marks.iter().filter(|m| matches!(m.kind, MarkKind::Fault | MarkKind::Note)).map(|m| m.t).min()
    }

    pub fn of(run: &Run) -> Story {
        let trace = run.trace();
        let world = run.world();
        let mut steps: Vec<u64> = trace.iter().map(|r| r.step).collect();
        steps.dedup();
        let lanes = super::probes::lanes(trace, world, run.end);
        let mut outages: Vec<Outage> = lanes.iter().flat_map(|l| l.outages.iter().copied()).collect();
        outages.stable_sort_by_key(|o| o.from);
        let vip = trace.iter().find_map(|r| match &r.kind {
            Kind::Ipam { ip: Some(ip), .. } => Some(*ip),
            _ => None,
        });
        let resolver = vip.and_then(|vip| find_resolver(trace, world, vip));
        let path = match (&resolver, vip) {
            (Some(host), Some(vip)) => path(trace, world, host, vip, run.end),
            _ => Vec::new(),
        };
        let served = trace
            .iter()
            .filter_map(|r| match &r.kind {
                Kind::App { node, .. } => Some(Served { t: r.t, node: node.clone() }),
                _ => None,
            })
            .collect();
        let nodes = world.net.hosts.iter().filter(|h| h.role == Role::Node).map(|h| h.name.to_string()).collect();
        Story { steps, marks: marks(trace), lanes, outages, vip, resolver, path, served, nodes, end: run.end }
    }

    /// The step of the last record at or before `cursor`: where the learner is.
    pub fn current_step(&self, cursor: u64) -> Option<u64> {
        let i = self.steps.partition_point(|s| *s <= cursor);
        i.checked_sub(1).map(|i| self.steps[i])
    }

    /// The next step after `cursor` that produced records.
    pub fn next_step(&self, cursor: u64) -> Option<u64> {
        self.steps.get(self.steps.partition_point(|s| *s <= cursor)).copied()
    }

    /// The step before the learner's current one that produced records;
    /// step 0 (the initial state) when there is none.
    pub fn previous_step(&self, cursor: u64) -> u64 {
        let here = self.current_step(cursor).unwrap_or(0);
        let i = self.steps.partition_point(|s| *s < here);
        i.checked_sub(1).map(|i| self.steps[i]).unwrap_or(0)
    }

    pub fn next_mark(&self, cursor: u64) -> Option<&Mark> {
        self.marks.iter().find(|m| m.step > cursor)
    }

    pub fn previous_mark(&self, cursor: u64) -> Option<&Mark> {
        let here = self.current_step(cursor).unwrap_or(0);
        self.marks.iter().rev().find(|m| m.step < here)
    }

    pub fn longest_outage(&self) -> Option<&Outage> {
        self.outages.iter().max_by_key(|o| o.length())
    }

    /// Requests in every lane.
    pub fn requests(&self) -> usize {
        self.lanes.iter().map(|l| l.probes.len()).sum()
    }

    /// Requests that failed (a Local-policy drop is not a failure of the service).
    pub fn failures(&self) -> usize {
        self.lanes.iter().map(|l| l.count(Outcome::Failed)).sum()
    }

    /// Requests dropped by `externalTrafficPolicy: Local`.
    pub fn local_drops(&self) -> usize {
        self.lanes.iter().map(|l| l.count(Outcome::LocalDrop)).sum()
    }
}

/// A forward jump longer than this (scrubbing) counts as a jump, not as
/// things that just happened.
const MAX_BATCH_SPAN: Duration = Duration::from_secs(2);

/// The trace indices of what "just happened" at the cursor: the records
/// since the `previous` cursor when moving forward by a little, else only
/// the current step's.
pub fn just_happened(records: &[Record], previous: u64, cursor: u64, now: Instant) -> Range<usize> {
    let end = records.partition_point(|r| r.step <= cursor);
    let current = records[..end].last().map(|r| r.step);
    let step_start = current.map(|s| records.partition_point(|r| r.step < s)).unwrap_or(end);
    if cursor > previous {
        let start = records.partition_point(|r| r.step <= previous);
        if records[start..end].first().is_some_and(|r| now.saturating_since(r.t) <= MAX_BATCH_SPAN) {
            return start..end;
        }
    }
    step_start..end
}

/// How a node holds a VIP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hold {
    /// It answers ARP for it (MetalLB leader, Cilium lease holder).
    Announces,
    /// A router's BGP route for it has this node as a next hop.
    BgpNextHop,
}

/// The VIPs `node` holds right now, and how: from the cluster's announcers,
/// or from the BGP next hops on the routers.
pub fn held_vips(world: &World, node: &str) -> Vec<(Ipv4Addr, Hold)> {
    let k = &world.cluster;
    let cilium = k.config.load_balancer == crate::k8s::cluster::LoadBalancerKind::Cilium;
    let mut held: Vec<(Ipv4Addr, Hold)> = k
        .announcers
        .iter()
        .filter(|(_, nodes)| nodes.iter().any(|n| n == node))
        .filter_map(|(svc, _)| Some((svc, k.services.get(svc)?)))
        .flat_map(|(svc, s)| {
            // Cilium's holder answers for the externalIPs a policy
            // announces, and for the load-balancer IPs only if one does.
            if cilium && !s.spec.external_ips.is_empty() {
                crate::k8s::cilium::announced_ips(k, svc, Some(node))
            } else {
                s.ingress.clone()
            }
        })
        .map(|ip| (ip, Hold::Announces))
        .collect();
    let Some(ip) = k.nodes.get(node).map(|n| n.ip) else { return held };
    let vips: Vec<Ipv4Addr> = k.services.values().flat_map(|s| s.ingress.iter().copied()).collect();
    let routes = world.net.hosts.iter().filter(|h| h.role == Role::Router).flat_map(|h| &h.routes);
    for r in routes.filter(|r| r.origin == RouteOrigin::Bgp && r.via.contains(&ip)) {
        for vip in vips.iter().filter(|v| r.dst.contains(**v)) {
            if !held.iter().any(|(h, _)| h == vip) {
                held.push((*vip, Hold::BgpNextHop));
            }
        }
    }
    held
}

/// The host outside the cluster that looks `vip` up first (an ARP entry or
/// a route): usually the router; a client on the LAN when the VIP's subnet
/// is reached directly. The first router when nobody does.
fn find_resolver(trace: &[Record], world: &World, vip: Ipv4Addr) -> Option<String> {
    let outside = |name: &str| world.net.host(name).is_some_and(|h| h.role != Role::Node);
    let prefix = format!("{vip}/32");
    trace
        .iter()
        .find_map(|r| match &r.kind {
            Kind::Neighbor { host, ip, .. } if *ip == vip && outside(host) => Some(host.to_string()),
            Kind::Route { host, prefix: p, .. } if *p == prefix && outside(host) => Some(host.to_string()),
            _ => None,
        })
        .or_else(|| world.net.hosts.iter().find(|h| h.role == Role::Router).map(|h| h.name.to_string()))
}

/// `resolver`'s way to the VIP over time: its ARP entry (L2) or its BGP
/// route (ECMP next hops), whichever the trace records.
fn path(trace: &[Record], world: &World, resolver: &str, vip: Ipv4Addr, end: Instant) -> Vec<PathSpan> {
    let prefix = format!("{vip}/32");
    let mut changes: Vec<(Instant, Vec<String>, Option<NeighborState>)> = Vec::new();
    for r in trace {
        match &r.kind {
            Kind::Neighbor { host, ip, new, .. } if &**host == resolver && *ip == vip => {
                let (via, state) = match new {
                    Some((Some(mac), state)) => (vec![world.net.name_of_mac(*mac)], Some(*state)),
                    Some((None, state)) => (Vec::new(), Some(*state)),
                    None => (Vec::new(), None),
                };
                changes.push((r.t, via, state));
            }
            Kind::Route { host, prefix: p, next_hops, .. } if &**host == resolver && *p == prefix => {
                changes.push((r.t, next_hops.iter().map(|h| world.net.name_of_ip(*h)).collect(), None));
            }
            _ => {}
        }
    }
    let mut spans: Vec<PathSpan> = Vec::new();
    for (i, (t, via, state)) in changes.iter().enumerate() {
        let to = changes.get(i + 1).map(|c| c.0).unwrap_or(end);
        if to > *t {
            spans.push(PathSpan { from: *t, to, via: via.clone(), state: *state });
        }
    }
    spans
}

fn marks(trace: &[Record]) -> Vec<Mark> {
    let mut marks = Vec::new();
    let mut last_drop: Vec<(Name, Discriminant<DropReason>, Instant)> = Vec::new();
    let mut last_exit: Vec<(Name, &str, i32)> = Vec::new();
    let mut garp_steps = BTreeSet::new();
    for r in trace {
        let mark = |kind, what: MarkText| Mark { step: r.step, t: r.t, kind, what };
        match &r.kind {
            Kind::Fault { .. } => marks.push(mark(MarkKind::Fault, MarkText::Recorded(r.kind.describe()))),
            Kind::Note { text } => marks.push(mark(MarkKind::Note, MarkText::Recorded(text.clone()))),
            Kind::Leader { service, ip, node, .. } => {
                let what = MarkText::Leader {
                    node: node.as_deref().map(str::to_string),
                    ip: *ip,
                    service: service.to_string(),
                };
                marks.push(mark(MarkKind::Leader, what));
            }
            Kind::Frame { at, dir: Dir::Tx, frame, forward: None, .. }
                if FrameClass::of(frame) == FrameClass::Garp && garp_steps.insert(r.step) =>
            {
                marks.push(mark(MarkKind::Garp, MarkText::Garp { from: at.to_string() }));
            }
            Kind::Drop { at, reason, .. } => {
                let key = std::mem::discriminant(reason);
                let streak = last_drop.iter_mut().find(|(a, k, _)| a == at && *k == key);
                let starts = match streak {
                    Some((_, _, seen)) => {
                        let fresh = r.t.saturating_since(*seen) > DROP_STREAK_GAP;
                        *seen = r.t;
                        fresh
                    }
                    None => {
                        last_drop.push((at.clone(), key, r.t));
                        true
                    }
                };
                if starts {
                    marks.push(mark(MarkKind::Drop, MarkText::DropsStart { at: at.to_string(), why: reason.why() }));
                }
            }
            Kind::Command { host, cmd, exit, .. } => {
                let changed = match last_exit.iter_mut().find(|(h, c, _)| h == host && *c == &**cmd) {
                    Some((_, _, last)) => std::mem::replace(last, *exit) != *exit,
                    None => {
                        last_exit.push((host.clone(), &**cmd, *exit));
                        true
                    }
                };
                if changed {
                    marks.push(mark(MarkKind::Command, MarkText::Recorded(format!("{host}$ {cmd} (exit {exit})"))));
                }
            }
            _ => {}
        }
    }
    marks
}
