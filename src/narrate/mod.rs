//! The run told in sentences: one per meaningful event, for the packet log a
//! screen reader follows, the tour's captions and the event list's summary
//! column. Not every record gets one: a frame, a neighbour entry going
//! STALE, a pod starting are the detail, not the story. What does get one:
//! who announces a VIP, gratuitous ARP sent (once per burst) and ignored or
//! accepted by a host outside the cluster, ARP entries for a VIP appearing,
//! moving, failing or being flushed, requests failing and recovering,
//! faults, nodes going NotReady, a Service's ready endpoints, addresses
//! assigned, BGP sessions and routes, the switch forgetting a MAC, the
//! drops that explain an outage, and one-off commands.
//!
//! Each [`Sentence`] keeps its event as data ([`Event`]) and is worded in
//! English or Korean by [`say`]. The trace, the CLI and tool output stay in
//! English by project convention; these sentences are words for learners,
//! so they are translated, here rather than in the UI's catalogue: the
//! wording follows the event's data (a host that has no entry, an entry
//! that still points elsewhere) and both languages are golden-tested
//! natively per shipped scenario (`tests/narrate.rs`).

mod say;
pub mod tour;

use crate::engine::endpoint_list::EndpointList;
use crate::engine::trace::{Dir, DropReason, Kind, Record};
use crate::net::neighbor::NeighborState;
use crate::net::switch::MacChange;
use crate::sim::World;
use crate::sort::{Collect, Sort};
use crate::time::{Duration, Instant};
use crate::wire::{ArpOperation, Frame, Mac, Parsed};
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

/// Gratuitous ARP frames from one host for one address this close to the
/// previous one belong to the same burst (MetalLB sends five rounds 1.1 s
/// apart): the burst gets one sentence.
const BURST_GAP: Duration = Duration::from_secs(3);

/// Drops with the same place and reason this close together are one streak
/// (as the timeline's marks count them): the first one gets a sentence.
const DROP_STREAK_GAP: Duration = Duration::from_secs(3);

/// Requests that fail go on failing until this many in a row succeed (a
/// single success between timeouts, as ECMP rehashing gives, is not a
/// recovery)...
const RECOVERED_AFTER: usize = 5;
/// ...or until one succeeds this long after the previous request (one-off
/// requests, as a lesson's timeline runs them).
const ONE_OFF_GAP: Duration = Duration::from_secs(5);

/// One meaningful event, at the record that shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Sentence {
    /// Index of the record in the run's trace.
    pub record: usize,
    pub step: u64,
    pub t: Instant,
    pub event: Event,
}

/// What happened, as data. Host names are the scenario's.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// The node announcing a VIP changed (MetalLB leader, Cilium lease).
    Leader {
        service: String,
        ip: Ipv4Addr,
        node: Option<String>,
        previous: Option<String>,
    },
    /// Several nodes announce a VIP at once (MetalLB speakers whose
    /// memberlists disagree, as when a node comes back).
    SplitBrain {
        service: String,
        ip: Ipv4Addr,
        nodes: Vec<String>,
    },
    /// The first gratuitous ARP of a burst.
    GarpSent {
        host: String,
        ip: Ipv4Addr,
    },
    /// A host outside the cluster ignored a gratuitous ARP (the first of a
    /// burst); `points_at` is where its entry for `ip` still points.
    GarpIgnored {
        host: String,
        from: String,
        ip: Ipv4Addr,
        points_at: Option<String>,
    },
    /// A host outside the cluster ignored an ordinary ARP reply for a VIP
    /// (Linux: from another MAC within `locktime` of the last update, as
    /// when every IPVS node answers without strictARP).
    ArpReplyIgnored {
        host: String,
        from: String,
        ip: Ipv4Addr,
        points_at: Option<String>,
    },
    /// A host's ARP entry for a VIP changed in a way that changes where
    /// packets go.
    Arp {
        host: String,
        ip: Ipv4Addr,
        change: ArpChange,
    },
    /// A request failed after succeeding (or as the first one).
    RequestFailed {
        host: String,
        target: String,
        exit: i32,
    },
    /// A request was turned away by `externalTrafficPolicy: Local` at
    /// `node`, which has no local endpoint (the first of a streak).
    RequestTurnedAway {
        host: String,
        target: String,
        node: String,
    },
    /// The first request to a target succeeded.
    RequestOk {
        host: String,
        target: String,
    },
    /// Requests succeed again since `since`, after failing for `failing_for`.
    RequestsRecovered {
        host: String,
        target: String,
        since: Instant,
        failing_for: Duration,
    },
    Fault {
        host: String,
        fault: FaultWords,
    },
    NodeReady {
        node: String,
        ready: bool,
    },
    /// A Service's ready endpoints changed. The whole list as the trace
    /// records it (shared with the trace, not copied: a Service over a
    /// thousand pods coming up one by one would otherwise keep a million
    /// names); [`ready_nodes`] says where they run.
    Endpoints {
        service: String,
        endpoints: EndpointList,
    },
    /// A LoadBalancer address was assigned (`ip`) or could not be.
    Address {
        service: String,
        ip: Option<Ipv4Addr>,
    },
    Bgp {
        node: String,
        peer: String,
        up: bool,
        hold_expired: bool,
    },
    /// A route for `prefix` on `host` now goes via these hosts (none: withdrawn).
    Route {
        host: String,
        prefix: String,
        via: Vec<String>,
        installed: bool,
    },
    /// The switch forgot a MAC (aged out, or its port went down) or saw it move.
    SwitchMac {
        switch: String,
        owner: String,
        change: SwitchChange,
    },
    /// The first drop of a streak that explains an outage.
    Dropped {
        host: String,
        why: DropWords,
    },
    /// A command other than a request, the first time it ran or when its
    /// exit status changed.
    Ran {
        host: Option<String>,
        cmd: String,
        exit: i32,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum ArpChange {
    /// A resolved entry: `ip` is at `owner`.
    Learned { owner: String },
    /// The entry moved from `from` to `to`; `garp` when a gratuitous ARP did it.
    Moved { from: String, to: String, garp: bool },
    /// Nobody answered the host's ARP requests.
    Failed,
    /// The entry pointed at `owner`, whose MAC stopped answering the
    /// host's probes (Linux NUD: STALE, DELAY, PROBE, then FAILED).
    Unanswered { owner: String },
    /// Removed for another reason (expired, garbage-collected).
    Gone,
}

#[derive(Clone, Debug, PartialEq)]
pub enum FaultWords {
    PowerOff,
    PowerOn,
    Partition,
    Heal,
    StopSpeaker,
    StartSpeaker,
    Cordon,
    Uncordon,
    Drain,
    DeletePod,
    FlushArp,
    Garp { honor: bool },
    ArpTimeout { timeout: String },
    DropRule { rule: String },
    ClearRules,
    Other { action: String },
}

#[derive(Clone, Debug, PartialEq)]
pub enum SwitchChange {
    Aged,
    PortDown,
    Moved,
}

#[derive(Clone, Debug, PartialEq)]
pub enum DropWords {
    NoLocalEndpoints { service: String },
    NoNeighbor { next_hop: Ipv4Addr },
    NoRoute { dst: Ipv4Addr },
    UnknownUnicast { owner: String },
    Rule { rule: String },
    TtlExpired,
}

impl Sentence {
    /// The sentence with its time first, as the packet log and the tour
    /// say it: `27.0 s: router ignored …`.
    pub fn text(&self, lang: &str) -> String {
        say::with_time(self.t, &say::body(&self.event, lang), lang)
    }

    /// The sentence without its time (the event list has a time column).
    pub fn body(&self, lang: &str) -> String {
        say::body(&self.event, lang)
    }
}

impl Event {
    /// The device the sentence is about, for the tour to point at.
    pub fn subject(&self) -> Option<&str> {
        Some(match self {
            Event::Leader { node: Some(node), .. } => node,
            Event::Leader { previous: Some(node), .. } => node,
            Event::Leader { .. } | Event::Endpoints { .. } | Event::Address { .. } => return None,
            Event::SplitBrain { nodes, .. } => return nodes.first().map(String::as_str),
            Event::GarpSent { host, .. }
            | Event::GarpIgnored { host, .. }
            | Event::ArpReplyIgnored { host, .. }
            | Event::Arp { host, .. }
            | Event::RequestFailed { host, .. }
            | Event::RequestTurnedAway { host, .. }
            | Event::RequestOk { host, .. }
            | Event::RequestsRecovered { host, .. }
            | Event::Fault { host, .. }
            | Event::Route { host, .. }
            | Event::Dropped { host, .. }
            | Event::Ran { host: Some(host), .. } => host,
            Event::Ran { host: None, .. } => return None,
            Event::NodeReady { node, .. } | Event::Bgp { node, .. } => node,
            Event::SwitchMac { switch, .. } => switch,
        })
    }
}

impl Event {
    /// Whether the sentence names (or points at) the node that answers for
    /// a VIP: who leads, who sends GARP, whose MAC an ARP entry holds, where
    /// requests are turned away or dropped.
    pub fn names_who_answers(&self) -> bool {
        match self {
            Event::Leader { .. }
            | Event::SplitBrain { .. }
            | Event::GarpSent { .. }
            | Event::GarpIgnored { .. }
            | Event::ArpReplyIgnored { .. }
            | Event::Arp { .. }
            | Event::RequestTurnedAway { .. }
            | Event::Dropped { .. }
            | Event::SwitchMac { .. }
            | Event::Route { .. }
            | Event::Bgp { .. } => true,
            Event::RequestFailed { .. }
            | Event::RequestOk { .. }
            | Event::RequestsRecovered { .. }
            | Event::Fault { .. }
            | Event::NodeReady { .. }
            | Event::Endpoints { .. }
            | Event::Address { .. }
            | Event::Ran { .. } => false,
        }
    }
}

/// The sentences of `trace`, in trace order. `world` names hosts by MAC
/// and address (any moment of the run: hosts do not change).
pub fn sentences(trace: &[Record], world: &World) -> Vec<Sentence> {
    let mut n = Narrator::new(trace, world);
    for (i, r) in trace.iter().enumerate() {
        n.record(i, r);
    }
    n.out
}

/// The sentences of the step at `step`, joined: what the live region says
/// when the learner steps onto it ("" when nothing meaningful happened).
pub fn at_step(sentences: &[Sentence], step: u64, lang: &str) -> String {
    said_at(sentences, step, lang, false)
}

fn said_at(sentences: &[Sentence], step: u64, lang: &str, conceal: bool) -> String {
    let from = sentences.partition_point(|s| s.step < step);
    let texts: Vec<String> = sentences[from..]
        .iter()
        .take_while(|s| s.step == step)
        .filter(|s| !conceal || !s.event.names_who_answers())
        .map(|s| s.text(lang))
        .collect();
    texts.join(" ")
}

/// A jump forward says at most this many sentences (the latest ones): a
/// screen reader reading forty sentences after End is noise, and the
/// events list keeps them all.
pub const MAX_ANNOUNCED: usize = 5;

/// What the packet log's live region says after the cursor moved from step
/// `previous` to step `cursor`: forward, the sentences of the steps passed
/// (`previous` excluded, `cursor` included; the latest [`MAX_ANNOUNCED`]);
/// back or in place, the sentences of the step landed on. `conceal`: an
/// exercise asks who answers for the VIP, so sentences that name it are
/// left out (the hidden event list would not show them either).
pub fn announce(sentences: &[Sentence], previous: u64, cursor: u64, lang: &str, conceal: bool) -> String {
    if cursor <= previous {
        return said_at(sentences, cursor, lang, conceal);
    }
    let from = sentences.partition_point(|s| s.step <= previous);
    let to = sentences.partition_point(|s| s.step <= cursor);
    let passed: Vec<&Sentence> =
        sentences[from..to].iter().filter(|s| !conceal || !s.event.names_who_answers()).collect();
    let texts: Vec<String> =
        passed[passed.len().saturating_sub(MAX_ANNOUNCED)..].iter().map(|s| s.text(lang)).collect();
    texts.join(" ")
}

/// The nodes of a Service's ready endpoints, one per endpoint, in the
/// list's order.
pub fn ready_nodes(endpoints: &EndpointList) -> Vec<String> {
    ready_node_names(endpoints).map(str::to_string).collect()
}

fn ready_node_names(endpoints: &EndpointList) -> impl Iterator<Item = &str> {
    endpoints.iter().filter(|e| e.ready).map(|e| node_of_label(&e.label))
}

/// `10.244.1.209 (node-b)`: the node is in parentheses.
fn node_of_label(label: &str) -> &str {
    label.split_once(" (").map(|(_, n)| n.trim_end_matches(')')).unwrap_or(label)
}

/// Whether a frame is a gratuitous ARP, and for which address.
fn garp_of(frame: &Frame) -> Option<(Ipv4Addr, Mac)> {
    match Parsed::of(frame.bytes()) {
        Parsed::Arp { arp, .. } if arp.is_announcement() => Some((arp.sender_ip, arp.sender_mac)),
        _ => None,
    }
}

/// Where a request goes: `192.168.1.201` or `10.0.1.21:31888`, from a
/// curl command line's URL.
pub fn request_target(cmd: &str) -> Option<String> {
    let mut words = cmd.split_whitespace();
    if words.next() != Some("curl") {
        return None;
    }
    words.find_map(|w| {
        let w = w.trim_matches(['"', '\'']);
        let rest = w.strip_prefix("http://").or_else(|| w.strip_prefix("https://"))?;
        Some(rest.split(['/', '?']).next().unwrap_or(rest).to_string())
    })
}

/// The address part of a request's target (`10.0.1.21:31888` → 10.0.1.21).
fn address(target: &str) -> Option<Ipv4Addr> {
    target.split(':').next()?.parse().ok()
}

/// Whether a request from `host` to `target` in `[from, to]` was turned
/// away by `externalTrafficPolicy: Local` at a node without a local
/// endpoint, and by which node: dropped by kube-proxy, or refused by
/// Cilium (its datapath's line, `SRC:PORT -> DST:PORT: service ... has no
/// backend on this node`). That is the policy working, not the service
/// failing.
pub fn local_drop(
    trace: &[Record],
    world: &World,
    host: &str,
    target: &str,
    from: Instant,
    to: Instant,
) -> Option<String> {
    let src = world.net.host(host).and_then(|h| h.primary_ip())?;
    let dst = address(target);
    let first = trace.partition_point(|r| r.t < from);
    trace[first..].iter().take_while(|r| r.t <= to).find_map(|r| match &r.kind {
        Kind::Drop { at, reason: DropReason::NoLocalEndpoints { .. }, frame: Some(frame), .. } => {
            matches!(Parsed::of(frame.bytes()), Parsed::Ipv4 { packet, .. }
                if packet.src == src && dst.is_none_or(|d| packet.dst == d))
            .then(|| at.to_string())
        }
        Kind::Log { host, component, line } if component == "cilium" && line.contains("no backend on this node") => {
            let mut ends = line.split(": ").next().unwrap_or("").split(" -> ");
            let from_src = ends.next().and_then(|a| a.split(':').next()).is_some_and(|a| a == src.to_string());
            let to_dst = ends.next().and_then(|a| a.split(':').next()).and_then(|a| a.parse().ok());
            (from_src && dst.is_none_or(|d| to_dst == Some(d))).then(|| host.to_string())
        }
        _ => None,
    })
}

/// How requests from one host to one target are going.
#[derive(Default)]
struct Requests {
    /// When the last request started.
    last_start: Option<Instant>,
    /// Since when they fail (the start of the first failure), if they do.
    failing_since: Option<Instant>,
    ok_in_a_row: usize,
    /// When the first request of the current run of successes started.
    ok_since: Instant,
    /// The last request was turned away by `externalTrafficPolicy: Local`.
    turned_away: bool,
}

struct Narrator<'a> {
    trace: &'a [Record],
    world: &'a World,
    vips: BTreeSet<Ipv4Addr>,
    /// Where each host's entry for each VIP points now (by owner name).
    arp: BTreeMap<(String, Ipv4Addr), Option<Mac>>,
    /// Last gratuitous ARP per (sender, address), and last ignored one per
    /// (host, address, sender).
    garp_sent: BTreeMap<(String, Ipv4Addr), Instant>,
    garp_ignored: BTreeMap<(String, Ipv4Addr, Mac), Instant>,
    requests: BTreeMap<(String, String), Requests>,
    commands: BTreeMap<(String, String), i32>,
    endpoints: BTreeMap<String, EndpointList>,
    drops: BTreeMap<(String, String), Instant>,
    out: Vec<Sentence>,
}

impl<'a> Narrator<'a> {
    fn new(trace: &'a [Record], world: &'a World) -> Narrator<'a> {
        // The addresses the story is about: every LoadBalancer address the
        // run assigns or announces.
        let vips = trace
            .iter()
            .filter_map(|r| match &r.kind {
                Kind::Ipam { ip: Some(ip), .. } | Kind::Leader { ip, .. } => Some(*ip),
                _ => None,
            })
            .collect_set();
        Narrator {
            trace,
            world,
            vips,
            arp: BTreeMap::new(),
            garp_sent: BTreeMap::new(),
            garp_ignored: BTreeMap::new(),
            requests: BTreeMap::new(),
            commands: BTreeMap::new(),
            endpoints: BTreeMap::new(),
            drops: BTreeMap::new(),
            out: Vec::new(),
        }
    }

    fn say(&mut self, i: usize, r: &Record, event: Event) {
        self.out.push(Sentence { record: i, step: r.step, t: r.t, event });
    }

    fn outside(&self, host: &str) -> bool {
        self.world.net.host(host).is_some_and(|h| h.role != crate::net::Role::Node)
    }

    /// The nodes whose speakers announced `ip` in the record's own step
    /// (their `serviceAnnounced` lines).
    fn announced_in_step(&self, i: usize, ip: Ipv4Addr) -> Vec<String> {
        let step = self.trace[i].step;
        let from = self.trace[..i].partition_point(|r| r.step < step);
        let ips = format!("\"ips\":[\"{ip}\"]");
        self.trace[from..]
            .iter()
            .take_while(|r| r.step == step)
            .filter_map(|r| match &r.kind {
                Kind::Log { host, component, line }
                    if component == "speaker" && line.contains("\"serviceAnnounced\"") && line.contains(&ips) =>
                {
                    Some(host.to_string())
                }
                _ => None,
            })
            .collect()
    }

    /// Whether the ARP for `ip` that `host` received in the record's own
    /// step was an ordinary reply (not a gratuitous ARP).
    fn reply_in_step(&self, i: usize, host: &str, ip: Ipv4Addr) -> bool {
        let step = self.trace[i].step;
        let from = self.trace[..i].partition_point(|r| r.step < step);
        self.trace[from..].iter().take_while(|r| r.step == step).any(|r| match &r.kind {
            Kind::Frame { at, dir: Dir::Rx, frame, forward: None, .. } if **at == *host => {
                matches!(Parsed::of(frame.bytes()), Parsed::Arp { arp, .. }
                    if arp.sender_ip == ip && arp.op == ArpOperation::Reply && !arp.is_announcement())
            }
            _ => false,
        })
    }

    /// Whether the record's own step received a gratuitous ARP for `ip` at `host`.
    fn garp_in_step(&self, i: usize, host: &str, ip: Ipv4Addr) -> bool {
        let step = self.trace[i].step;
        let from = self.trace[..i].partition_point(|r| r.step < step);
        self.trace[from..].iter().take_while(|r| r.step == step).any(|r| match &r.kind {
            Kind::Frame { at, dir: Dir::Rx, frame, forward: None, .. } if **at == *host => {
                garp_of(frame).is_some_and(|(sender, _)| sender == ip)
            }
            _ => false,
        })
    }

    fn record(&mut self, i: usize, r: &Record) {
        match &r.kind {
            Kind::Leader { service, ip, node, reason, .. } if reason.contains("split brain") => {
                let mut nodes = self.announced_in_step(i, *ip);
                nodes.extend(node.as_deref().map(str::to_string));
                nodes.stable_sort();
                nodes.dedup();
                self.say(i, r, Event::SplitBrain { service: service.clone(), ip: *ip, nodes });
            }
            Kind::Leader { service, ip, node, previous, .. } => {
                let event = Event::Leader {
                    service: service.clone(),
                    ip: *ip,
                    node: node.as_deref().map(str::to_string),
                    previous: previous.as_deref().map(str::to_string),
                };
                self.say(i, r, event);
            }
            Kind::Frame { at, dir: Dir::Tx, frame, forward: None, .. } => {
                let Some((ip, _)) = garp_of(frame) else { return };
                let key = (at.to_string(), ip);
                let fresh = self.garp_sent.get(&key).is_none_or(|t| r.t.saturating_since(*t) > BURST_GAP);
                self.garp_sent.insert(key, r.t);
                if fresh {
                    self.say(i, r, Event::GarpSent { host: at.to_string(), ip });
                }
            }
            Kind::ArpIgnored { host, ip, mac, .. } if self.outside(host) => {
                let key = (host.to_string(), *ip, *mac);
                let fresh = self.garp_ignored.get(&key).is_none_or(|t| r.t.saturating_since(*t) > BURST_GAP);
                self.garp_ignored.insert(key, r.t);
                if fresh {
                    let points_at = self
                        .arp
                        .get(&(host.to_string(), *ip))
                        .copied()
                        .flatten()
                        .map(|m| self.world.net.name_of_mac(m));
                    let from = self.world.net.name_of_mac(*mac);
                    let (host, ip) = (host.to_string(), *ip);
                    let event = if self.reply_in_step(i, &host, ip) {
                        Event::ArpReplyIgnored { host, from, ip, points_at }
                    } else {
                        Event::GarpIgnored { host, from, ip, points_at }
                    };
                    self.say(i, r, event);
                }
            }
            Kind::Neighbor { host, ip, old, new, reason } if self.vips.contains(ip) => {
                self.neighbor(i, r, host, *ip, old, new, reason);
            }
            Kind::Command { host, cmd, started, exit, .. } => match request_target(cmd) {
                Some(target) => self.request(i, r, host, target, *started, *exit),
                None => {
                    let key = (host.to_string(), cmd.to_string());
                    if self.commands.insert(key, *exit) != Some(*exit) {
                        // The timeline's `apply` and `delete` steps run as
                        // `kubectl`, which is no host.
                        let host = self.world.net.host(host).map(|h| h.name.to_string());
                        self.say(i, r, Event::Ran { host, cmd: cmd.to_string(), exit: *exit });
                    }
                }
            },
            Kind::Fault { host: Some(host), action, detail } => {
                let fault = fault_words(action, detail);
                self.say(i, r, Event::Fault { host: host.to_string(), fault });
            }
            Kind::Node { node, ready, .. } => {
                self.say(i, r, Event::NodeReady { node: node.to_string(), ready: *ready });
            }
            Kind::Endpoints { service, endpoints } => {
                let before = self.endpoints.insert(service.clone(), endpoints.clone());
                // The first record (no endpoints yet) is no change; nor is
                // one where only endpoints that are not ready changed.
                let changed = match &before {
                    None => endpoints.iter().any(|e| e.ready),
                    Some(b) => !b.same_by(endpoints, |e| e.ready, |e| node_of_label(&e.label)),
                };
                if changed {
                    self.say(i, r, Event::Endpoints { service: service.clone(), endpoints: endpoints.clone() });
                }
            }
            Kind::Ipam { service, ip, .. } => {
                self.say(i, r, Event::Address { service: service.clone(), ip: *ip });
            }
            Kind::Bgp { host, peer, state, reason } => {
                let event = Event::Bgp {
                    node: host.to_string(),
                    peer: peer.to_string(),
                    up: state == "Established",
                    hold_expired: reason.contains("hold timer"),
                };
                self.say(i, r, event);
            }
            Kind::Route { host, prefix, next_hops, reason } => {
                let via = next_hops.iter().map(|h| self.world.net.name_of_ip(*h)).collect();
                let event = Event::Route {
                    host: host.to_string(),
                    prefix: prefix.clone(),
                    via,
                    installed: reason.contains("installed"),
                };
                self.say(i, r, event);
            }
            Kind::Mac { switch, change, .. } => {
                let (mac, change) = match change {
                    MacChange::Learned { .. } => return,
                    MacChange::Aged { mac, .. } => (mac, SwitchChange::Aged),
                    MacChange::Flushed { mac, .. } => (mac, SwitchChange::PortDown),
                    MacChange::Moved { mac, .. } => (mac, SwitchChange::Moved),
                };
                let owner = self.world.net.name_of_mac(*mac);
                self.say(i, r, Event::SwitchMac { switch: switch.to_string(), owner, change });
            }
            Kind::Drop { at, reason, .. } => self.drop(i, r, at, reason),
            _ => {}
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn neighbor(
        &mut self,
        i: usize,
        r: &Record,
        host: &str,
        ip: Ipv4Addr,
        old: &Option<(Option<Mac>, NeighborState)>,
        new: &Option<(Option<Mac>, NeighborState)>,
        reason: &str,
    ) {
        let before = old.and_then(|(mac, _)| mac);
        let key = (host.to_string(), ip);
        let change = match new {
            Some((Some(mac), _)) => {
                self.arp.insert(key, Some(*mac));
                match before {
                    Some(b) if b == *mac => return,
                    Some(b) => ArpChange::Moved {
                        from: self.world.net.name_of_mac(b),
                        to: self.world.net.name_of_mac(*mac),
                        garp: self.garp_in_step(i, host, ip),
                    },
                    None => ArpChange::Learned { owner: self.world.net.name_of_mac(*mac) },
                }
            }
            Some((None, NeighborState::Failed)) => {
                self.arp.insert(key, None);
                match before {
                    Some(b) => ArpChange::Unanswered { owner: self.world.net.name_of_mac(b) },
                    None => ArpChange::Failed,
                }
            }
            // Resolving (INCOMPLETE): nothing has changed for packets yet.
            Some((None, _)) => return,
            None => {
                self.arp.remove(&key);
                match old {
                    None => return,
                    // A flush is said once, by its fault or command.
                    _ if reason.contains("flush") || reason.contains("clear") => return,
                    // An entry that was still resolving: nobody answered its
                    // requests (a Cisco-style cache removes it then).
                    Some((None, _)) if reason.contains("no reply") => ArpChange::Failed,
                    // It held no MAC: nothing changes for packets.
                    Some((None, _)) => return,
                    Some((Some(_), _)) => ArpChange::Gone,
                }
            }
        };
        self.say(i, r, Event::Arp { host: host.to_string(), ip, change });
    }

    fn request(&mut self, i: usize, r: &Record, host: &str, target: String, started: Instant, exit: i32) {
        let key = (host.to_string(), target.clone());
        let first = !self.requests.contains_key(&key);
        let state = self.requests.entry(key).or_default();
        let gap = state.last_start.map(|t| started.saturating_since(t));
        state.last_start = Some(started);
        let event = if exit != 0
            && let Some(node) = local_drop(self.trace, self.world, host, &target, started, r.t)
        {
            // The policy working, not the service failing: no outage starts
            // or ends (as the request chart counts it), said once a streak.
            if std::mem::replace(&mut state.turned_away, true) {
                return;
            }
            Event::RequestTurnedAway { host: host.to_string(), target, node }
        } else if exit != 0 {
            state.turned_away = false;
            state.ok_in_a_row = 0;
            if state.failing_since.is_some() {
                return;
            }
            state.failing_since = Some(started);
            Event::RequestFailed { host: host.to_string(), target, exit }
        } else {
            state.turned_away = false;
            state.ok_in_a_row += 1;
            if state.ok_in_a_row == 1 {
                state.ok_since = started;
            }
            match state.failing_since {
                Some(since) if state.ok_in_a_row >= RECOVERED_AFTER || gap.is_some_and(|g| g > ONE_OFF_GAP) => {
                    state.failing_since = None;
                    // The outage lasted from the first failure to the start
                    // of the first request of this run of successes.
                    let failing_for = state.ok_since.saturating_since(since);
                    Event::RequestsRecovered { host: host.to_string(), target, since: state.ok_since, failing_for }
                }
                Some(_) => return,
                None if first => Event::RequestOk { host: host.to_string(), target },
                None => return,
            }
        };
        self.say(i, r, event);
    }

    fn drop(&mut self, i: usize, r: &Record, at: &str, reason: &DropReason) {
        let why = match reason {
            DropReason::NoLocalEndpoints { service } | DropReason::NoLocalEndpointsInternal { service } => {
                DropWords::NoLocalEndpoints { service: service.clone() }
            }
            DropReason::NoNeighbor { next_hop } => DropWords::NoNeighbor { next_hop: *next_hop },
            DropReason::NoRoute { dst } => DropWords::NoRoute { dst: *dst },
            DropReason::UnknownUnicast { mac } => DropWords::UnknownUnicast { owner: self.world.net.name_of_mac(*mac) },
            DropReason::Rule { rule } => DropWords::Rule { rule: rule.clone() },
            DropReason::TtlExpired => DropWords::TtlExpired,
            // Flooded frames other hosts discard, a powered-off or cut host:
            // the failing requests already say it.
            _ => return,
        };
        let key = (at.to_string(), format!("{why:?}"));
        let fresh = self.drops.get(&key).is_none_or(|t| r.t.saturating_since(*t) > DROP_STREAK_GAP);
        self.drops.insert(key, r.t);
        if fresh {
            self.say(i, r, Event::Dropped { host: at.to_string(), why });
        }
    }
}

fn fault_words(action: &str, detail: &str) -> FaultWords {
    match action {
        "power-off" => FaultWords::PowerOff,
        "power-on" => FaultWords::PowerOn,
        "partition" => FaultWords::Partition,
        "heal" => FaultWords::Heal,
        "stop-speaker" => FaultWords::StopSpeaker,
        "start-speaker" => FaultWords::StartSpeaker,
        "cordon" => FaultWords::Cordon,
        "uncordon" => FaultWords::Uncordon,
        "drain" => FaultWords::Drain,
        "delete-pod" => FaultWords::DeletePod,
        "flush-arp" => FaultWords::FlushArp,
        "set-garp" => FaultWords::Garp { honor: detail.ends_with("honor") },
        "set-arp-timeout" => FaultWords::ArpTimeout { timeout: detail.trim_start_matches("arpTimeout: ").to_string() },
        "drop" => FaultWords::DropRule { rule: detail.to_string() },
        "clear-rules" => FaultWords::ClearRules,
        other => FaultWords::Other { action: other.to_string() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_aimed_at_the_url_of_a_curl_line() {
        let line = r#"curl -s -m 1 -o /dev/null -w "HTTP %{http_code}\n" http://192.168.1.201/"#;
        assert_eq!(request_target(line).as_deref(), Some("192.168.1.201"));
        assert_eq!(request_target("curl -s -m 5 http://10.0.1.21:31888/clientip").as_deref(), Some("10.0.1.21:31888"));
        assert_eq!(request_target("kubectl get svc http://x/"), None);
        assert_eq!(request_target("curl -s"), None);
    }
}
