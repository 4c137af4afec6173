//! Invariants: rules every run must obey, whatever the scenario, because
//! the real systems vipsim models obey them. The scenario fuzzer
//! (`tests/scenario_fuzz.rs`) checks them on random scenarios, the
//! regression scenarios (`tests/regressions/`) on the failures it found,
//! and `vipsim check --invariants FILE` on any file.
//!
//! Each invariant is a named function over a finished [`Run`]; the ones
//! that need state the trace does not show (pods, speakers, conntrack)
//! replay the run from its first snapshot and look at the world after
//! every step. [`check`] runs them all in one pass over a fresh run and
//! returns one [`Outcome`] per invariant, in [`NAMES`] order.

use crate::engine::trace::{Dir, Kind, Record};
use crate::k8s::cluster::{AnnounceKind, LoadBalancerKind};
use crate::k8s::cluster::{Cluster, Key, PodPhase};
use crate::k8s::metallb;
use crate::net::conntrack::Tuple;
use crate::net::host::{Datapath, Host, flow_tuple};
use crate::play::run::{MAX_STEPS, Run};
use crate::scenario::Scenario;
use crate::scenario::spec::StepAction;
use crate::sim::World;
use crate::time::{Duration, Instant};
use crate::wire::{ArpOperation, Mac, Parsed};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::Ipv4Addr;
use std::rc::Rc;

/// The invariants, in the order [`check`] reports them.
pub const NAMES: &[&str] = &[
    "within_event_limit",
    "no_storm",
    "never_addresses_itself",
    "pods_start_or_say_why",
    "one_announcer_per_vip",
    "announced_vips_have_endpoints",
    "replies_return_through_dnat_node",
    "same_trace_twice",
    "restores_identically",
    "no_panic",
];

/// The first moment a run broke an invariant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub t: Instant,
    /// The host (or node) it happened on, when there is one.
    pub host: Option<String>,
    pub message: String,
    /// The trace record that shows it, as the text timeline prints it.
    pub record: Option<String>,
}

impl Violation {
    fn new(t: Instant, host: Option<&str>, message: String) -> Violation {
        Violation { t, host: host.map(String::from), message, record: None }
    }

    fn at(record: &Record, message: String) -> Violation {
        Violation {
            t: record.t,
            host: record.kind.host().map(String::from),
            message,
            record: Some(record.kind.describe()),
        }
    }
}

impl fmt::Display for Violation {
    /// `12.345s node-a: message` and, indented, the record.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.t)?;
        if let Some(h) = &self.host {
            write!(f, " {h}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(r) = &self.record {
            write!(f, "\n    record: {}", r.replace('\n', "\n    "))?;
        }
        Ok(())
    }
}

/// One invariant's verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub name: &'static str,
    pub result: Result<(), Violation>,
}

/// How a run was made, so it can be made again.
#[derive(Clone, Debug)]
pub struct Subject {
    pub scenario: Rc<Scenario>,
    pub variant: Option<String>,
    pub seed: Option<u64>,
}

impl Subject {
    pub fn new(scenario: Scenario, variant: Option<&str>, seed: Option<u64>) -> Subject {
        Subject { scenario: Rc::new(scenario), variant: variant.map(String::from), seed }
    }

    /// Computes the run, showing `observe` every step (it stops the run by returning false).
    fn run(&self, observe: &mut dyn FnMut(&World, &[Record]) -> bool) -> Result<Run, String> {
        Run::observed(self.scenario.clone(), self.variant.as_deref(), self.seed, None, observe)
    }
}

/// Checks every invariant on a fresh run of `subject`. `restore_at` is the
/// step [`restores_identically`] restores (default: one drawn from the
/// scenario's seed). Returns the run checked, with one outcome per name in
/// [`NAMES`]; an error when the scenario does not build.
pub fn check(subject: &Subject, restore_at: Option<u64>) -> Result<(Run, Vec<Outcome>), String> {
    let mut observers = Observers::new();
    let mut storm: Option<StormWatch> = None;
    let run = subject.run(&mut |w, r| {
        let watch = storm.get_or_insert_with(|| StormWatch::new(w));
        // The build's records (step 0) are not an event.
        let go_on = w.steps == 0 || watch.step(w.now, r, w.net.hosts.len());
        observers.observe(w, r);
        go_on
    })?;
    let [own, pods, one, eps, dnat] = observers.finish(&run);
    let step = restore_at.unwrap_or_else(|| default_restore_step(subject, &run));
    let stormy = storm.and_then(|s| s.found).map_or(Ok(()), Err);
    let results = [
        within_event_limit(&run),
        stormy,
        own,
        pods,
        one,
        eps,
        dnat,
        same_trace_twice(subject, &run),
        restores_identically(&run, step),
        // Reaching this line is the check: a panic in the loader, the engine
        // or the console would have unwound (or aborted) before it.
        Ok(()),
    ];
    let outcomes = NAMES.iter().zip(results).map(|(name, result)| Outcome { name, result }).collect();
    Ok((run, outcomes))
}

/// A step of the run picked from the scenario's seed (so `vipsim check
/// --invariants` restores at the same step every time).
fn default_restore_step(subject: &Subject, run: &Run) -> u64 {
    let seed = subject.seed.unwrap_or(subject.scenario.doc.spec.seed);
    let mut rng = crate::rng::SimRng::new(seed ^ 0x5eed_5eed);
    rng.range_u64(0, run.len() + 1)
}

// ----------------------------------------------------------------------
// From the trace
// ----------------------------------------------------------------------

/// **The run finishes its duration under the event limit.** A run stops
/// at [`MAX_STEPS`] events so that no scenario can stall a browser tab;
/// the shipped scenarios need a few thousand for ten minutes, and a run
/// that hits the limit is almost always a model that keeps itself busy
/// (a timer re-armed too early, a frame answered by a frame) rather than a
/// busy LAN. [`check`] also stops a run at its first storm (see
/// [`StormWatch`]): such a run does not finish either.
pub fn within_event_limit(run: &Run) -> Result<(), Violation> {
    let duration = run.scenario.doc.spec.duration;
    if run.end >= Instant::ZERO + duration {
        return Ok(());
    }
    if run.len() >= MAX_STEPS {
        let message = format!("the run stopped at the {MAX_STEPS}-event limit, before its duration ({duration})");
        let note = run.trace().iter().rev().find(|r| matches!(r.kind, Kind::Note { .. }));
        return Err(match note {
            Some(r) => Violation::at(r, message),
            None => Violation::new(run.end, None, message),
        });
    }
    Err(Violation::new(
        run.end,
        None,
        format!("the run was stopped at its first storm (see no_storm), before its duration ({duration})"),
    ))
}

/// How often the run's timeline starts a command, at most: the sum over
/// its repeated `run` steps of their rate, per simulated second (rounded
/// up). A curl loop every second counts 1, one every 200 ms counts 5.
pub fn command_rate(world: &World) -> u64 {
    let second = Duration::from_secs(1).as_nanos();
    world
        .script
        .timeline
        .iter()
        .filter(|s| matches!(s.action, StepAction::Run(_)))
        .filter_map(|s| s.every.filter(|e| *e > Duration::ZERO))
        .map(|e| second.div_ceil(e.as_nanos()))
        .sum()
}

/// The frames a second the timeline's commands ask for themselves, summed
/// ([`crate::console::asked_rate`]: a `ping -i 0.002` asks for 500).
pub fn asked_rate(world: &World) -> u64 {
    let commands = world.script.timeline.iter().filter_map(|s| match &s.action {
        StepAction::Run(r) => Some(&r.cmd),
        _ => None,
    });
    commands.map(|cmd| crate::console::asked_rate(cmd)).sum()
}

/// See [`frame_budget`].
pub const FRAMES_PER_SECOND_BASE: u64 = 200;
pub const FRAMES_PER_COMMAND: u64 = 20;

/// The most frames one host may send of its own (ARP, and packets from its
/// addresses or its pods; not those it forwards) in any simulated second:
/// [`FRAMES_PER_SECOND_BASE`] plus [`FRAMES_PER_COMMAND`] for every
/// command the timeline starts per second ([`command_rate`]), plus the
/// frames a second its commands ask for ([`asked_rate`]). One curl
/// through a router and a node makes each of them send about ten frames
/// (five each way); ARP, GARP rounds, BGP and pings add a few a second.
/// Bursts are allowed (a neighbour entry that resolves releases every
/// packet queued for it at once), a sustained rate is not: the busiest
/// host of the shipped scenarios sends 15 frames in its busiest 10 ms, the
/// busiest of 400 generated ones (that queue release, with three curl
/// loops) 144 in a second, while a timer re-armed every millisecond sends
/// 1,000 and the Cisco ARP storm 20,000.
pub fn frame_budget(world: &World) -> u64 {
    FRAMES_PER_SECOND_BASE + FRAMES_PER_COMMAND * command_rate(world) + asked_rate(world)
}

/// See [`event_budget`].
pub const EVENTS_PER_SECOND_BASE: u64 = 1_000;
pub const EVENTS_PER_HOST: u64 = 200;
pub const EVENTS_PER_COMMAND: u64 = 500;
/// A frame a command asks for ([`asked_rate`]): the request at the switch
/// and the receiver, the reply at both, and at the asker, with room.
pub const EVENTS_PER_ASKED_FRAME: u64 = 6;

/// The most events the run may compute in any simulated second:
/// [`EVENTS_PER_SECOND_BASE`], plus [`EVENTS_PER_HOST`] per host, plus
/// [`EVENTS_PER_COMMAND`] per command started a second, plus
/// [`EVENTS_PER_ASKED_FRAME`] per frame a second the commands ask for. A frame costs an
/// event at each device it reaches (unicast: the switch and the receiver;
/// a broadcast on `n` hosts: `n`). A curl is about thirty frames end to
/// end, but its packets may also loop between a router and a node until
/// their TTL runs out (a packet for a deleted Service's VIP: 64 hops, two
/// events each), which the per-command allowance covers for a few packets.
/// The shipped scenarios peak below 100 events in a second and 400
/// generated ones without loops at 608 (five hosts: a budget of at least
/// 2,000), while a timer re-armed at once, or a host sending one frame a
/// millisecond on a five-host LAN (3,000 to 6,000), exceeds it.
pub fn event_budget(world: &World) -> u64 {
    EVENTS_PER_SECOND_BASE
        + EVENTS_PER_HOST * world.net.hosts.len() as u64
        + EVENTS_PER_COMMAND * command_rate(world)
        + EVENTS_PER_ASKED_FRAME * asked_rate(world)
}

/// **No storm**: no host sends
/// more than [`frame_budget`] frames of its own in any simulated second,
/// and the engine computes at most [`event_budget`] events in any
/// simulated second. Frames a host forwards are not counted against it: a
/// routing loop (a router and a node handing a packet for a deleted
/// Service's VIP back and forth, as real ones do until the router's ARP
/// entry expires) ends with the packet's TTL. Real stacks rate-limit
/// themselves (ARP retransmits once a second, TCP backs off, GARP comes in
/// rounds), so a host that transmits continuously is a model bug, even
/// when the run ends before the event limit. The budget counts the
/// commands the timeline starts and the rate they ask for ([`asked_rate`]:
/// a `ping -i 0.002` sends 500 echo requests a second because the user
/// asked).
pub fn no_storm(run: &Run) -> Result<(), Violation> {
    let world = run.world_at(0);
    let hosts = world.net.hosts.len();
    let mut watch = StormWatch::new(&world);
    let trace = run.trace();
    let mut i = trace.partition_point(|r| r.step == 0);
    for step in 1..=run.len() {
        let j = i + trace[i..].partition_point(|r| r.step <= step);
        if !watch.step(run.time_of(step), &trace[i..j], hosts) {
            break;
        }
        i = j;
    }
    watch.found.map_or(Ok(()), Err)
}

/// Watches a run for a storm, step by step ([`no_storm`]; [`check`] runs
/// it as the run is computed, and stops the run at the first storm).
struct StormWatch {
    budget: u64,
    frames: u64,
    /// Per host, the prefixes its own packets come from: its interface
    /// addresses and, on a node, its pod CIDR.
    own: BTreeMap<crate::engine::trace::Name, Vec<crate::net::Cidr>>,
    /// Per host, the times of its transmissions in the current window.
    sent: BTreeMap<crate::engine::trace::Name, std::collections::VecDeque<Instant>>,
    /// Step times in the current second.
    steps: std::collections::VecDeque<Instant>,
    found: Option<Violation>,
}

impl StormWatch {
    fn new(world: &World) -> StormWatch {
        let own = world
            .net
            .hosts
            .iter()
            .map(|h| {
                let mut prefixes: Vec<crate::net::Cidr> =
                    h.ifaces.iter().flat_map(|i| i.addrs.iter().map(|a| crate::net::Cidr::host(a.addr))).collect();
                prefixes.extend(h.node.as_ref().and_then(|n| n.pod_cidr));
                (h.name.clone(), prefixes)
            })
            .collect();
        StormWatch {
            budget: event_budget(world),
            frames: frame_budget(world),
            own,
            sent: BTreeMap::new(),
            steps: Default::default(),
            found: None,
        }
    }

    /// One step at `t` and its records; false once a storm is found.
    fn step(&mut self, t: Instant, records: &[Record], hosts: usize) -> bool {
        if self.found.is_some() {
            return false;
        }
        self.steps.push_back(t);
        while self.steps.front().is_some_and(|first| t.saturating_since(*first) >= Duration::from_secs(1)) {
            self.steps.pop_front();
        }
        if self.steps.len() as u64 > self.budget {
            let message = format!(
                "{} events between {} and {t} (at most {} a simulated second for {hosts} hosts)",
                self.steps.len(),
                self.steps[0],
                self.budget
            );
            self.found = Some(match records.first() {
                Some(r) => Violation::at(r, message),
                None => Violation::new(t, None, message),
            });
            return false;
        }
        for r in records {
            let Kind::Frame { at, dir: Dir::Tx, forward: None, frame, .. } = &r.kind else { continue };
            // Frames the host forwards are bounded by their TTL (and counted
            // in the event budget); a storm is a host sending of its own.
            let own = match frame.parse() {
                Parsed::Arp { .. } => true,
                Parsed::Ipv4 { packet, .. } => {
                    self.own.get(at).is_some_and(|p| p.iter().any(|c| c.contains(packet.src)))
                }
                Parsed::Other { .. } => true,
            };
            if !own {
                continue;
            }
            let window = self.sent.entry(at.clone()).or_default();
            window.push_back(r.t);
            while window.front().is_some_and(|first| r.t.saturating_since(*first) >= Duration::from_secs(1)) {
                window.pop_front();
            }
            if window.len() as u64 > self.frames {
                let message = format!(
                    "{at} sent {} frames of its own between {} and {} (at most {} a simulated second)",
                    window.len(),
                    window[0],
                    r.t,
                    self.frames
                );
                self.found = Some(Violation::at(r, message));
                return false;
            }
        }
        true
    }
}

/// **Same scenario, same seed, same trace.** A second run of the subject
/// gives a byte-identical jsonl trace (no wall clock, no unseeded
/// randomness, no unordered iteration anywhere from the loader on).
pub fn same_trace_twice(subject: &Subject, run: &Run) -> Result<(), Violation> {
    // As far as the run went (the first one may have been stopped at a storm).
    let steps = run.len();
    let again = match subject.run(&mut |w, _| w.steps < steps || steps >= MAX_STEPS) {
        Ok(r) => r,
        Err(e) => return Err(Violation::new(Instant::ZERO, None, format!("the second run does not build: {e}"))),
    };
    first_difference(run.trace(), again.trace(), "the second run")
}

/// **Restoring a snapshot changes nothing.** The world restored at `step`
/// (from the nearest snapshot, as stepping back in the playground does)
/// and run on gives the same records as the run itself from that step on.
pub fn restores_identically(run: &Run, step: u64) -> Result<(), Violation> {
    let step = step.min(run.len());
    let mut world = run.world_at(step);
    let mut replayed = Vec::new();
    while world.steps < run.len() && super::drive::step(&mut world, &mut replayed) {}
    let original: Vec<Record> =
        run.trace().iter().filter(|r| r.step > step && !is_limit_note(run, r)).cloned().collect();
    first_difference(&original, &replayed, &format!("the run restored at step {step}"))
}

/// The note `Run` adds when it stops at the event limit (not an event's record).
fn is_limit_note(run: &Run, r: &Record) -> bool {
    run.len() >= MAX_STEPS && r.step == run.len() && matches!(r.kind, Kind::Note { .. })
}

/// The first record where two traces differ, as jsonl. Records are
/// compared as values first (serialising every record would dominate the
/// check); equal records serialise to equal lines.
fn first_difference(a: &[Record], b: &[Record], other: &str) -> Result<(), Violation> {
    for (i, x) in a.iter().enumerate() {
        if b.get(i) == Some(x) {
            continue;
        }
        let (jx, jy) = (x.to_json(), b.get(i).map(Record::to_json));
        if Some(&jx) != jy.as_ref() {
            let message = match jy {
                Some(jy) => format!("record {i} differs in {other}:\n    was:  {jx}\n    then: {jy}"),
                None => format!("{other} ends after {i} records, before this one"),
            };
            return Err(Violation::at(x, message));
        }
    }
    if let Some(y) = b.get(a.len()) {
        return Err(Violation::at(y, format!("{other} has records past the {} of the run", a.len())));
    }
    Ok(())
}

// ----------------------------------------------------------------------
// From the state, step by step
// ----------------------------------------------------------------------

/// Something that watches the world after every step of a run.
trait Observer {
    fn observe(&mut self, world: &World, records: &[Record]);
    /// The verdict once the run reached `end` (its duration, or where it stopped).
    fn finish(&mut self, world: &World, end: Instant) -> Result<(), Violation>;
}

/// An invariant judged on the state at the end of each instant: the
/// speakers take an instant's changes after its other events, so what
/// `problem` finds in the world after one step counts only when no later
/// step of the same instant mends it.
struct AtInstantEnd {
    problem: fn(&World, &[Record]) -> Option<Violation>,
    /// What is wrong after the last step, unless a later step of the same instant mends it.
    pending: Option<Violation>,
    found: Option<Violation>,
}

impl AtInstantEnd {
    fn new(problem: fn(&World, &[Record]) -> Option<Violation>) -> AtInstantEnd {
        AtInstantEnd { problem, pending: None, found: None }
    }
}

impl Observer for AtInstantEnd {
    fn observe(&mut self, world: &World, records: &[Record]) {
        if self.found.is_some() {
            return;
        }
        // Time moved on: the last state of that instant was wrong.
        if let Some(p) = self.pending.take_if(|p| world.now > p.t) {
            self.found = Some(p);
            return;
        }
        self.pending = (self.problem)(world, records);
    }

    fn finish(&mut self, _: &World, _: Instant) -> Result<(), Violation> {
        self.found.take().or(self.pending.take()).map_or(Ok(()), Err)
    }
}

/// The state-based invariants, watching one pass.
struct Observers {
    own: NeverAddressesItself,
    pods: PodsStart,
    one: AtInstantEnd,
    eps: AtInstantEnd,
    dnat: RepliesThroughDnat,
}

impl Observers {
    fn new() -> Observers {
        Observers {
            own: NeverAddressesItself::default(),
            pods: PodsStart::default(),
            one: AtInstantEnd::new(two_announcers),
            eps: AtInstantEnd::new(announced_without_endpoints),
            dnat: RepliesThroughDnat::default(),
        }
    }

    fn all(&mut self) -> [&mut dyn Observer; 5] {
        [&mut self.own, &mut self.pods, &mut self.one, &mut self.eps, &mut self.dnat]
    }

    fn observe(&mut self, world: &World, records: &[Record]) {
        for o in self.all() {
            o.observe(world, records);
        }
    }

    fn finish(&mut self, run: &Run) -> [Result<(), Violation>; 5] {
        let world = run.world();
        self.all().map(|o| o.finish(world, run.end))
    }
}

/// Replays `run` from its first snapshot, showing `o` every step.
fn replay(run: &Run, o: &mut dyn Observer) -> Result<(), Violation> {
    let mut world = run.world_at(0);
    let initial = run.trace().partition_point(|r| r.step == 0);
    o.observe(&world, &run.trace()[..initial]);
    let mut records = Vec::new();
    while world.steps < run.len() && super::drive::step(&mut world, &mut records) {
        o.observe(&world, &records);
        records.clear();
    }
    o.finish(&world, run.end)
}

/// **A host never addresses itself on the wire.** A packet for one of a
/// host's own addresses (an interface address, a pod on the node, a
/// Service IP bound on kube-ipvs0) is delivered inside the host by the
/// kernel's local routing table; Linux never resolves its own address
/// with ARP nor puts such a packet on the wire. Checked: no neighbour
/// entry created for an own address, no ARP request for one (gratuitous
/// ARP, whose sender is the target, and the probes of an entry made before
/// the address became the host's excepted), no IPv4 frame transmitted to
/// one (but those queued on such an entry, which leave when it resolves).
/// A request arping sends stays the user's ([`NeverAddressesItself`]).
pub fn never_addresses_itself(run: &Run) -> Result<(), Violation> {
    replay(run, &mut NeverAddressesItself::default())
}

/// [`never_addresses_itself`], as an observer of the run ([`check`] runs it
/// beside the others in one pass).
#[derive(Default)]
struct NeverAddressesItself {
    found: Option<Violation>,
}

/// A host's own addresses: its interfaces', its pods' and kube-ipvs0's.
fn own_addresses(host: &Host) -> BTreeSet<Ipv4Addr> {
    let mut own: BTreeSet<Ipv4Addr> = host.ifaces.iter().flat_map(|i| i.addrs.iter().map(|a| a.addr)).collect();
    if let Some(n) = &host.node {
        own.extend(n.pods.keys().copied());
        own.extend(n.ipvs_addrs.iter().copied());
    }
    own
}

impl Observer for NeverAddressesItself {
    fn observe(&mut self, world: &World, records: &[Record]) {
        if self.found.is_some() {
            return;
        }
        for r in records {
            let host = match &r.kind {
                Kind::Neighbor { host, new: Some(_), .. } => host,
                Kind::Frame { at, dir: Dir::Tx, forward: None, .. } => at,
                _ => continue,
            };
            let Some(h) = world.net.host(host) else { continue };
            let own = own_addresses(h);
            let problem = match &r.kind {
                // Created. (An entry made before the address became the
                // host's, a VIP bound on kube-ipvs0 meanwhile, lives on as
                // in Linux: it may still fail, or be resolved by a reply.)
                Kind::Neighbor { ip, old: None, .. } if own.contains(ip) => {
                    Some(format!("{host} has a neighbour entry for its own address {ip}"))
                }
                Kind::Frame { frame, .. } => match frame.parse() {
                    // (A probe of an entry made before the address became
                    // the host's, a VIP bound on kube-ipvs0 meanwhile, is
                    // the kernel finishing that resolution: no entry is
                    // ever created for an own address, see above.)
                    // (A request with the target hardware field filled in
                    // is arping's, a packet-socket tool that asks for what
                    // it was told to at start, iputils arping.c send_pack;
                    // the kernel's own requests leave it zero, arp_solicit
                    // in net/ipv4/arp.c, Linux 6.18.)
                    Parsed::Arp { arp, .. }
                        if arp.op == ArpOperation::Request
                            && !arp.is_announcement()
                            && arp.target_mac == Mac::ZERO
                            && own.contains(&arp.target_ip)
                            && !h.ifaces.iter().any(|i| i.neighbors.get(arp.target_ip).is_some()) =>
                    {
                        Some(format!("{host} asks the LAN who has its own address {}", arp.target_ip))
                    }
                    // (Packets queued on such an old entry leave when it resolves.)
                    Parsed::Ipv4 { packet, .. }
                        if own.contains(&packet.dst)
                            && !h.ifaces.iter().any(|i| i.neighbors.get(packet.dst).is_some()) =>
                    {
                        Some(format!("{host} put a packet for its own address {} on the wire", packet.dst))
                    }
                    _ => None,
                },
                _ => None,
            };
            if let Some(message) = problem {
                self.found = Some(Violation::at(r, message));
                return;
            }
        }
    }

    fn finish(&mut self, _: &World, _: Instant) -> Result<(), Violation> {
        self.found.take().map_or(Ok(()), Err)
    }
}

/// **Pods start, or say why not.** A pod bound to a node whose kubelet is
/// up reaches Running (ContainerCreating ends) within the cluster's
/// `podStartup` plus its readiness probe's `initialDelaySeconds`, as the
/// kubelet starts containers as soon as it sees the binding, unless its
/// sandbox got no address from the node's pod CIDR, which a
/// `FailedCreatePodSandBox` event says (a pod is never Running without an
/// IP: the CNI gives the sandbox its address before any container starts). A pod that
/// no node can take stays unbound with a `FailedScheduling` event whose
/// message is the scheduler's: `0/N nodes are available:` and, for each
/// reason, how many nodes it rules out, as `count reason` strings sorted
/// as text (`FitError.Error()` in pkg/scheduler/framework/types.go,
/// Kubernetes 1.34). The reasons vipsim can verify on
/// its own (cordoned, the unreachable taint of a NotReady node, a
/// nodeSelector) must count exactly the nodes they apply to; the rest
/// (anti-affinity, topology spread) the nodes that pass those three. A
/// pod with neither anti-affinity nor a DoNotSchedule spread constraint
/// is never left unbound while a node passes them.
pub fn pods_start_or_say_why(run: &Run) -> Result<(), Violation> {
    replay(run, &mut PodsStart::default())
}

#[derive(Default)]
struct PodsStart {
    /// Pods Pending on a healthy node, and since when.
    starting: BTreeMap<Key, Instant>,
    /// The FailedScheduling message last checked per unbound pod.
    checked: BTreeMap<Key, String>,
    found: Option<Violation>,
}

const UNSCHEDULABLE: &str = "node(s) were unschedulable";
const UNREACHABLE: &str = "node(s) had untolerated taint {node.kubernetes.io/unreachable: }";
const SELECTOR: &str = "node(s) didn't match Pod's node affinity/selector";

/// The reason the three simple filters give for `node`, or `None` if it passes them.
fn simple_unfit(k: &Cluster, pod: &crate::k8s::cluster::Pod, node: &str) -> Option<&'static str> {
    let n = &k.nodes[node];
    if n.unschedulable {
        Some(UNSCHEDULABLE)
    } else if !n.ready || n.unreachable_since.is_some() {
        Some(UNREACHABLE)
    } else if !pod.spec.node_selector.iter().all(|(key, v)| n.labels.get(key) == Some(v)) {
        Some(SELECTOR)
    } else {
        None
    }
}

/// Reads `0/N nodes are available: 2 reason, 1 reason. preemption: ...`.
fn parse_failed_scheduling(message: &str) -> Option<(usize, Vec<(usize, String)>)> {
    let rest = message.strip_prefix("0/")?;
    let (total, rest) = rest.split_once(" nodes are available: ")?;
    let (reasons, _) = rest.split_once(". preemption: ")?;
    let mut out = Vec::new();
    for part in reasons.split(", ") {
        let (count, reason) = part.split_once(' ')?;
        out.push((count.parse().ok()?, reason.to_string()));
    }
    Some((total.parse().ok()?, out))
}

impl PodsStart {
    fn unbound(&mut self, world: &World, pod: &crate::k8s::cluster::Pod) -> Option<String> {
        let k = &world.cluster;
        let pk = pod.key();
        let Some(reason) = &pod.pending_reason else {
            return Some(format!("pod {pk} is not bound to a node and has no FailedScheduling reason"));
        };
        if self.checked.get(&pk) == Some(reason) {
            return None;
        }
        self.checked.insert(pk.clone(), reason.clone());
        let object = format!("pod/{}", pod.name);
        if !k.events.iter().any(|e| e.object == object && e.reason == "FailedScheduling" && e.message == *reason) {
            return Some(format!("pod {pk} is unbound, and no FailedScheduling event says: {reason}"));
        }
        let Some((total, counts)) = parse_failed_scheduling(reason) else {
            return Some(format!("pod {pk}: FailedScheduling message is not the scheduler's: {reason}"));
        };
        // FitError.Error() sorts the "count reason" strings (sort.Strings).
        let items: Vec<String> = counts.iter().map(|(c, r)| format!("{c} {r}")).collect();
        if !items.is_sorted() {
            return Some(format!(
                "pod {pk}: FailedScheduling lists its reasons out of the scheduler's order (sorted as text): {reason}"
            ));
        }
        let mut expected: BTreeMap<&str, usize> = BTreeMap::new();
        let mut rest = 0;
        let mut free = Vec::new();
        for n in k.nodes.keys() {
            match simple_unfit(k, pod, n) {
                Some(r) => *expected.entry(r).or_insert(0) += 1,
                None => {
                    rest += 1;
                    free.push(n.as_str());
                }
            }
        }
        let constrained = pod
            .spec
            .affinity
            .as_ref()
            .and_then(|a| a.pod_anti_affinity.as_ref())
            .is_some_and(|a| !a.required_during_scheduling_ignored_during_execution.is_empty())
            || pod
                .spec
                .topology_spread_constraints
                .iter()
                .any(|c| c.when_unsatisfiable == crate::k8s::objects::WhenUnsatisfiable::DoNotSchedule);
        if !constrained && !free.is_empty() {
            return Some(format!(
                "pod {pk} is unbound although {} can take it (it has no anti-affinity or spread constraint): {reason}",
                free.join(", ")
            ));
        }
        let said: BTreeMap<&str, usize> = counts.iter().map(|(c, r)| (r.as_str(), *c)).collect();
        let said_rest: usize = counts
            .iter()
            .filter(|(_, r)| ![UNSCHEDULABLE, UNREACHABLE, SELECTOR].contains(&r.as_str()))
            .map(|c| c.0)
            .sum();
        let simple_ok = [UNSCHEDULABLE, UNREACHABLE, SELECTOR]
            .iter()
            .all(|r| said.get(r).copied().unwrap_or(0) == expected.get(r).copied().unwrap_or(0));
        if total != k.nodes.len() || !simple_ok || said_rest != rest {
            let want: Vec<String> = expected.iter().map(|(r, c)| format!("{c} {r}")).collect();
            return Some(format!(
                "pod {pk}: FailedScheduling says `{reason}`, but of {} nodes {}{}",
                k.nodes.len(),
                if want.is_empty() { "none fail a simple filter".to_string() } else { want.join(", ") },
                if rest > 0 { format!(" and {rest} pass them") } else { String::new() }
            ));
        }
        None
    }
}

/// How long a bound pod may take to be Running: podStartup plus its
/// readiness probe's initial delay (what `PodUp` waits for).
fn startup_allowance(k: &Cluster, pod: &crate::k8s::cluster::Pod) -> Duration {
    let probe =
        pod.spec.containers.iter().filter_map(|c| c.readiness_probe.as_ref()?.initial_delay_seconds).max().unwrap_or(0);
    k.config.pod_startup + Duration::from_secs(probe as u64)
}

impl Observer for PodsStart {
    fn observe(&mut self, world: &World, _: &[Record]) {
        if self.found.is_some() {
            return;
        }
        let k = &world.cluster;
        let now = world.now;
        self.starting.retain(|pk, _| k.pods.get(pk).is_some_and(|p| !p.terminating()));
        self.checked.retain(|pk, _| k.pods.get(pk).is_some_and(|p| p.node.is_none()));
        for pod in k.pods.values().filter(|p| !p.terminating()) {
            let pk = pod.key();
            match &pod.node {
                Some(n) => {
                    let healthy =
                        k.nodes.get(n).is_some_and(|nd| nd.kubelet_up && nd.ready && world.net.hosts[nd.host].up);
                    if pod.ip.is_none() {
                        self.starting.remove(&pk);
                        let object = format!("pod/{}", pod.name);
                        let said =
                            || k.events.iter().any(|e| e.object == object && e.reason == "FailedCreatePodSandBox");
                        let problem = if pod.phase == PodPhase::Running {
                            Some(format!("pod {pk} on {n} is Running without an IP: no sandbox could have started"))
                        } else if healthy && !said() {
                            Some(format!("pod {pk} on {n} has no IP, and no FailedCreatePodSandBox event says why"))
                        } else {
                            None
                        };
                        if let Some(message) = problem {
                            self.found = Some(Violation::new(now, Some(n), message));
                            return;
                        }
                    } else if pod.phase == PodPhase::Pending && healthy {
                        let since = *self.starting.entry(pk.clone()).or_insert(now);
                        let due = since + startup_allowance(k, pod);
                        if now > due {
                            self.found = Some(Violation::new(
                                due,
                                Some(n),
                                format!(
                                    "pod {pk} on {n} is still ContainerCreating at {now}: its kubelet has been up since {since}, podStartup is {}",
                                    k.config.pod_startup
                                ),
                            ));
                            return;
                        }
                    } else {
                        self.starting.remove(&pk);
                    }
                }
                None => {
                    if let Some(message) = self.unbound(world, pod) {
                        self.found = Some(Violation::new(now, None, message));
                        return;
                    }
                }
            }
        }
    }

    fn finish(&mut self, world: &World, end: Instant) -> Result<(), Violation> {
        if let Some(v) = self.found.take() {
            return Err(v);
        }
        let k = &world.cluster;
        for (pk, since) in &self.starting {
            let Some(pod) = k.pods.get(pk) else { continue };
            let due = *since + startup_allowance(k, pod);
            if end > due && pod.phase == PodPhase::Pending {
                let node = pod.node.clone().unwrap_or_default();
                return Err(Violation::new(
                    due,
                    Some(&node),
                    format!(
                        "pod {pk} on {node} never started: its kubelet has been up since {since}, podStartup is {}",
                        k.config.pod_startup
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// **One announcer per VIP.** MetalLB L2: once every live speaker's
/// memberlist sees exactly the live speakers, they all compute the same
/// sha256 order per VIP, so at most one of them announces each VIP (two
/// would answer ARP for it with different MACs). Cilium L2: a Lease has
/// one holder, and only the holder's BPF responder answers for the VIP.
/// Checked on the state at the end of each instant: a memberlist event
/// makes its speaker resync after the instant's other events, so a
/// restarted speaker that took a VIP may briefly share it with the old
/// leader until the old leader's `NodeJoin` sync withdraws it
/// (tests/regressions/speaker-restart-withdraws-in-the-join-instant.yaml).
pub fn one_announcer_per_vip(run: &Run) -> Result<(), Violation> {
    replay(run, &mut AtInstantEnd::new(two_announcers))
}

/// Two L2 announcers of one VIP in the world as it is now, if any.
fn two_announcers(world: &World, records: &[Record]) -> Option<Violation> {
    let k = &world.cluster;
    if k.config.announce != AnnounceKind::L2 {
        return None;
    }
    let hosts = &world.net.hosts;
    let record = records.iter().find(|r| matches!(r.kind, Kind::Leader { .. })).or(records.last());
    match k.config.load_balancer {
        LoadBalancerKind::Metallb => {
            let live: BTreeSet<&String> = k.nodes.keys().filter(|n| metallb::speaker_alive(k, hosts, n)).collect();
            let converged = live.iter().all(|n| {
                k.speakers
                    .get(*n)
                    .is_some_and(|s| s.view.iter().filter(|v| k.nodes.contains_key(*v)).eq(live.iter().copied()))
            });
            if !converged {
                return None;
            }
            let mut by_service: BTreeMap<&Key, Vec<&str>> = BTreeMap::new();
            for n in &live {
                for svc in k.speakers[*n].announcing.keys() {
                    by_service.entry(svc).or_default().push(n);
                }
            }
            if let Some((svc, nodes)) = by_service.into_iter().find(|(_, v)| v.len() > 1) {
                let message = format!(
                    "{} live speakers announce {svc} although their memberlists agree: {}",
                    nodes.len(),
                    nodes.join(", ")
                );
                return Some(match record {
                    Some(r) => Violation { host: Some(nodes[0].to_string()), ..Violation::at(r, message) },
                    None => Violation::new(world.now, Some(nodes[0]), message),
                });
            }
        }
        LoadBalancerKind::Cilium => {
            let mut by_ip: BTreeMap<Ipv4Addr, Vec<&str>> = BTreeMap::new();
            for h in hosts.iter().filter(|h| h.up) {
                for (ip, a) in &h.announce {
                    if a.by.contains("cilium") {
                        by_ip.entry(*ip).or_default().push(&h.name);
                    }
                }
            }
            if let Some((ip, nodes)) = by_ip.into_iter().find(|(_, v)| v.len() > 1) {
                let message =
                    format!("{} nodes answer ARP for {ip} as lease holder: {}", nodes.len(), nodes.join(", "));
                return Some(match record {
                    Some(r) => Violation { host: Some(nodes[0].to_string()), ..Violation::at(r, message) },
                    None => Violation::new(world.now, Some(nodes[0]), message),
                });
            }
        }
        LoadBalancerKind::None => {}
    }
    None
}

/// **MetalLB announces only what can be served.** A MetalLB speaker (L2
/// leader or BGP peer) announces a Service's VIP only while the Service
/// has an endpoint that can serve (ready, or terminating but serving:
/// `activeEndpointExists` and `EndpointCanServe` in MetalLB's
/// speaker/layer2_controller.go and internal/k8s/epslices), and with
/// `externalTrafficPolicy: Local` only from a node with such an endpoint
/// (`nodesWithEndpoint`): otherwise the VIP attracts traffic nobody can
/// answer. (Cilium's L2 announcer picks its lease holder without looking
/// at endpoints, cilium#27800, so this is MetalLB's rule only.) Checked on
/// the state at the end of each instant: the speakers take an instant's
/// changes (an endpoint gone, the policy patched to Local) after its other
/// events, so between two steps of one instant the old announcement may
/// still stand.
pub fn announced_vips_have_endpoints(run: &Run) -> Result<(), Violation> {
    replay(run, &mut AtInstantEnd::new(announced_without_endpoints))
}

/// The first announcement the world makes without an endpoint to serve it.
fn announced_without_endpoints(world: &World, records: &[Record]) -> Option<Violation> {
    let k = &world.cluster;
    if k.config.load_balancer != LoadBalancerKind::Metallb {
        return None;
    }
    let hosts = &world.net.hosts;
    // (node, service) pairs announced now.
    let mut announced: Vec<(&str, &Key, &str)> = Vec::new();
    for (n, s) in &k.speakers {
        if !metallb::speaker_alive(k, hosts, n) {
            continue;
        }
        match k.config.announce {
            AnnounceKind::L2 => announced.extend(s.announcing.keys().map(|svc| (n.as_str(), svc, "announces"))),
            AnnounceKind::Bgp => {
                let Some(session) = k.bgp.get(n).filter(|b| b.state == crate::k8s::cluster::BgpState::Established)
                else {
                    continue;
                };
                for svc in k
                    .services
                    .values()
                    .filter(|s| s.ingress.iter().any(|ip| session.advertised.iter().any(|p| p.contains(*ip))))
                {
                    announced.push((n.as_str(), k.services.get_key_value(&svc.key()).expect("listed").0, "advertises"));
                }
            }
            AnnounceKind::None => {}
        }
    }
    for (node, svc, verb) in announced {
        let Some(service) = k.services.get(svc) else { continue };
        let can_serve: Vec<&crate::k8s::cluster::Endpoint> = k
            .slices
            .get(svc)
            .map(|s| s.endpoints.iter().map(|e| &**e).filter(|e| e.ready || e.serving).collect())
            .unwrap_or_default();
        let problem = if can_serve.is_empty() {
            Some(format!("{node} {verb} {svc} ({}) but it has no ready or serving endpoint", vip(service)))
        } else if service.external_local() && !can_serve.iter().any(|e| *e.node == *node) {
            Some(format!(
                "{node} {verb} {svc} ({}) with externalTrafficPolicy: Local but has no ready or serving endpoint of it",
                vip(service)
            ))
        } else {
            None
        };
        if let Some(message) = problem {
            let record = records
                    .iter()
                    .find(|r| matches!(&r.kind, Kind::Endpoints { service, .. } | Kind::Leader { service, .. } if service == svc))
                    .or(records.last());
            return Some(match record {
                Some(r) => Violation { host: Some(node.to_string()), ..Violation::at(r, message) },
                None => Violation::new(world.now, Some(node), message),
            });
        }
    }
    None
}

fn vip(s: &crate::k8s::cluster::Service) -> String {
    s.ingress.first().map(|i| i.to_string()).unwrap_or_else(|| "no VIP".into())
}

/// **Replies come back through the node that did the DNAT.** kube-proxy
/// and Cilium rewrite a Service packet's destination to an endpoint on
/// one node and keep the translation in that node's conntrack table; only
/// there can the reply be rewritten back to the VIP. So a reply leaving an
/// endpoint on another node must be addressed to that node (which is why
/// `Cluster` policy masquerades): one sent anywhere else reaches the client
/// from an address it never talked to. Checked: every frame a host
/// transmits that carries the reply tuple of another node's DNAT
/// translation goes to that node's MAC.
pub fn replies_return_through_dnat_node(run: &Run) -> Result<(), Violation> {
    replay(run, &mut RepliesThroughDnat::default())
}

#[derive(Default)]
struct RepliesThroughDnat {
    /// Reply tuple -> the node that translated the flow, and its MAC.
    translated: BTreeMap<Tuple, (String, Mac)>,
    /// Per node, how many of its flows have been looked at.
    seen: BTreeMap<crate::engine::trace::Name, u64>,
    found: Option<Violation>,
}

impl Observer for RepliesThroughDnat {
    fn observe(&mut self, world: &World, records: &[Record]) {
        if self.found.is_some() {
            return;
        }
        // Learn the translations of the flows created since the last step.
        for h in &world.net.hosts {
            let Some(node) = &h.node else { continue };
            let seen = self.seen.entry(h.name.clone()).or_insert(0);
            if node.conntrack.created() == *seen {
                continue;
            }
            for e in node.conntrack.created_since(*seen) {
                // IPVS sends a Local Service's traffic to another node's
                // pod, unmasqueraded, when this node has none (kubernetes
                // #97081): that reply does miss the client, as upstream.
                let ipvs_local = world.cluster.config.datapath == Datapath::Ipvs
                    && !e.snat
                    && e.service
                        .as_ref()
                        .and_then(|s| world.cluster.services.get(s))
                        .is_some_and(|s| s.external_local());
                // Only flows whose endpoint is elsewhere: a local pod's reply is translated here.
                if e.dnat() && !ipvs_local && !node.pods.contains_key(&e.reply.src) {
                    self.translated.entry(e.reply).or_insert_with(|| (h.name.to_string(), h.ifaces[0].mac));
                }
            }
            *seen = node.conntrack.created();
        }
        for r in records {
            let Kind::Frame { at, dir: Dir::Tx, forward: None, frame, .. } = &r.kind else { continue };
            let Parsed::Ipv4 { eth_dst, packet, .. } = frame.parse() else { continue };
            let Some(t) = flow_tuple(&packet) else { continue };
            let Some((node, mac)) = self.translated.get(&t) else { continue };
            if **at != *node && eth_dst != *mac {
                self.found = Some(Violation::at(
                    r,
                    format!(
                        "{at} sends a reply of a flow {node} translated ({t}) to {eth_dst}, not to {node} ({mac}): \
                         the client gets it from an address it never talked to"
                    ),
                ));
                return;
            }
        }
    }

    fn finish(&mut self, _: &World, _: Instant) -> Result<(), Violation> {
        self.found.take().map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::trace::Name;
    use crate::net::conntrack::PROTO_TCP;
    use crate::wire::ip::{TcpFlags, TcpSegment, tcp_frame};
    use crate::wire::{Frame, arp};

    /// A MetalLB L2 LAN: a client, three nodes, a Deployment of two pods
    /// (one on node-b, one on node-c) and a LoadBalancer Service, plus
    /// `extra` timeline lines.
    fn lan(policy: &str, extra: &str) -> Subject {
        let text = format!(
            r#"apiVersion: vipsim/v1
kind: Scenario
metadata: {{ name: lan }}
spec:
  duration: 12s
  hosts:
  - {{ name: client, role: client, ip: 192.168.1.50/24 }}
  - {{ name: node-a, role: node, ip: 192.168.1.11/24 }}
  - {{ name: node-b, role: node, ip: 192.168.1.12/24, labels: {{ pool: apps }} }}
  - {{ name: node-c, role: node, ip: 192.168.1.13/24, labels: {{ pool: apps }} }}
  timeline:
  - {{ at: 5s, every: 1s, run: {{ host: client, cmd: "curl -s -m 1 http://192.168.1.200/" }} }}
{extra}---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {{ name: pool, namespace: metallb-system }}
spec: {{ addresses: [192.168.1.200/32] }}
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: {{ name: l2, namespace: metallb-system }}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{ name: web }}
spec:
  replicas: 2
  selector: {{ matchLabels: {{ app: web }} }}
  template:
    metadata: {{ labels: {{ app: web }} }}
    spec:
      nodeSelector: {{ pool: apps }}
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - {{ labelSelector: {{ matchLabels: {{ app: web }} }}, topologyKey: kubernetes.io/hostname }}
      containers:
      - {{ name: web, image: hashicorp/http-echo:1.0, args: ["-listen=:8080"], ports: [{{ containerPort: 8080 }}] }}
---
apiVersion: v1
kind: Service
metadata: {{ name: web }}
spec:
  type: LoadBalancer
  externalTrafficPolicy: {policy}
  selector: {{ app: web }}
  ports: [{{ port: 80, targetPort: 8080 }}]
"#
        );
        let scenario = crate::scenario::load::load("lan.yaml", &text).unwrap_or_else(|d| panic!("{}", d[0]));
        Subject::new(scenario, None, None)
    }

    fn run(subject: &Subject) -> Run {
        subject.run(&mut |_, _| true).expect("builds")
    }

    fn at(ms: u64) -> Instant {
        Instant::from_millis(ms)
    }

    fn tx(t: Instant, step: u64, host: &str, frame: Frame) -> Record {
        let at: Name = host.into();
        Record { t, step, kind: Kind::Frame { at, iface: "eth0".into(), dir: Dir::Tx, frame, forward: None } }
    }

    fn arp_request(from: Ipv4Addr, to: Ipv4Addr) -> Frame {
        arp::request(Mac::derived_from("x"), from, to, None)
    }

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    #[test]
    fn every_invariant_holds_on_a_healthy_lan_and_reports_in_order() {
        let (run, outcomes) = check(&lan("Cluster", ""), None).unwrap();
        let names: Vec<&str> = outcomes.iter().map(|o| o.name).collect();
        assert_eq!(names, NAMES);
        for o in &outcomes {
            assert_eq!(o.result, Ok(()), "{}", o.name);
        }
        assert_eq!(run.end, Instant::from_secs(12));
        let served = run.trace().iter().filter(|r| matches!(r.kind, Kind::App { .. })).count();
        assert_eq!(
            served, 7,
            "the curl loop reaches the pods from 5 s to 11 s (the one at 12 s is on the wire as the run ends)"
        );
    }

    #[test]
    fn the_command_rate_counts_repeated_runs_per_second() {
        let extra = "  - { at: 1s, every: 200ms, run: { host: client, cmd: \"ip neigh\" } }\n  \
                     - { at: 1s, every: 300ms, fault: { host: client, action: flush-arp } }\n  \
                     - { at: 2s, run: { host: client, cmd: \"ip neigh\" } }\n";
        let run = run(&lan("Cluster", extra));
        let world = run.world_at(0);
        // 1 (every 1s) + 5 (every 200 ms); the repeated fault and the one-shot command count nothing.
        assert_eq!(command_rate(&world), 6);
        assert_eq!(frame_budget(&world), 200 + 20 * 6);
        assert_eq!(event_budget(&world), 1_000 + 200 * 4 + 500 * 6);
    }

    #[test]
    fn a_storm_is_more_frames_than_the_budget_from_one_host_within_a_second() {
        let world = run(&lan("Cluster", "")).world_at(0);
        assert_eq!(frame_budget(&world), 220);
        let mut watch = StormWatch::new(&world);
        let frame = || arp_request(ip("192.168.1.50"), ip("192.168.1.99"));
        // 220 frames in the first 0.219 s, and node-a's do not count against the client.
        for i in 0..220 {
            let r = [tx(at(i), i + 1, "client", frame()), tx(at(i), i + 1, "node-a", frame())];
            assert!(watch.step(at(i), &r[..1], 4) && watch.step(at(i), &r[1..], 4), "frame {i}");
        }
        // A second after the first, the window has moved on.
        assert!(watch.step(at(1000), &[tx(at(1000), 500, "client", frame())], 4));
        let mut watch = StormWatch::new(&world);
        // Packets it forwards (from another host's address) do not count.
        let seg = TcpSegment {
            src: ip("192.168.1.11"),
            dst: ip("10.0.0.5"),
            src_port: 80,
            dst_port: 40000,
            seq: 1,
            ack: 1,
            flags: TcpFlags::ACK,
            window: 64240,
            mss: None,
            payload: &[],
        };
        for i in 0..300 {
            let f = tcp_frame(Mac::derived_from("a"), Mac::derived_from("b"), i as u16, &seg);
            assert!(watch.step(at(i), &[tx(at(i), i + 1, "client", f)], 4), "forwarded frame {i}");
        }
        for i in 0..220 {
            assert!(watch.step(at(i), &[tx(at(i), i + 1, "client", frame())], 4));
        }
        assert!(!watch.step(at(999), &[tx(at(999), 221, "client", frame())], 4));
        let v = watch.found.expect("a storm");
        assert_eq!(
            (v.t, v.host.as_deref(), v.message.as_str()),
            (
                at(999),
                Some("client"),
                "client sent 221 frames of its own between 0.000s and 0.999s (at most 220 a simulated second)"
            )
        );
    }

    #[test]
    fn a_storm_is_also_more_events_than_the_budget_within_a_second() {
        let world = run(&lan("Cluster", "")).world_at(0);
        let budget = event_budget(&world);
        assert_eq!(budget, 1_000 + 200 * 4 + 500);
        let mut watch = StormWatch::new(&world);
        for step in 0..budget {
            assert!(watch.step(at(step % 1000), &[], 4), "step {step}");
        }
        assert!(!watch.step(at(999), &[], 4));
        let v = watch.found.expect("too many events");
        assert_eq!(v.message, "2301 events between 0.000s and 0.999s (at most 2300 a simulated second for 4 hosts)");
    }

    #[test]
    fn a_run_stopped_before_its_duration_did_not_finish() {
        let subject = lan("Cluster", "");
        let whole = run(&subject);
        assert_eq!(within_event_limit(&whole), Ok(()));
        let cut = subject.run(&mut |w, _| w.now < at(4000)).unwrap();
        let v = within_event_limit(&cut).unwrap_err();
        assert_eq!(v.t, cut.end);
        assert_eq!(v.message, "the run was stopped at its first storm (see no_storm), before its duration (12s)");
    }

    #[test]
    fn a_host_never_resolves_nor_sends_to_its_own_addresses() {
        let world = run(&lan("Cluster", "")).world_at(0);
        let own = ip("192.168.1.11");
        let check = |r: Record| {
            let mut o = NeverAddressesItself::default();
            o.observe(&world, &[r]);
            o.finish(&world, at(0)).err().map(|v| v.message)
        };
        let neighbor = |host: &str, ip: Ipv4Addr| Record {
            t: at(1),
            step: 1,
            kind: Kind::Neighbor {
                host: host.into(),
                ip,
                old: None,
                new: Some((None, crate::net::neighbor::NeighborState::Incomplete)),
                reason: "resolving".into(),
            },
        };
        assert_eq!(
            check(neighbor("node-a", own)),
            Some("node-a has a neighbour entry for its own address 192.168.1.11".into())
        );
        assert_eq!(check(neighbor("node-b", own)), None, "another host's address");
        assert_eq!(
            check(tx(at(1), 1, "node-a", arp_request(own, own).clone())),
            None,
            "a gratuitous ARP names the sender's own address on purpose"
        );
        assert_eq!(
            check(tx(at(1), 1, "node-a", arp_request(ip("192.168.1.12"), own))),
            Some("node-a asks the LAN who has its own address 192.168.1.11".into())
        );
        let seg = TcpSegment {
            src: ip("192.168.1.50"),
            dst: own,
            src_port: 40000,
            dst_port: 80,
            seq: 1,
            ack: 0,
            flags: TcpFlags::SYN,
            window: 64240,
            mss: None,
            payload: &[],
        };
        let packet = tcp_frame(Mac::derived_from("y"), Mac::derived_from("x"), 1, &seg);
        assert_eq!(
            check(tx(at(1), 1, "node-a", packet.clone())),
            Some("node-a put a packet for its own address 192.168.1.11 on the wire".into())
        );
        assert_eq!(check(tx(at(1), 1, "client", packet)), None);
    }

    #[test]
    fn a_bound_pod_must_run_within_pod_startup() {
        let run = run(&lan("Cluster", ""));
        let world = run.world_at(0);
        let mut o = PodsStart::default();
        o.observe(&world, &[]);
        assert!(o.found.is_none());
        // Still ContainerCreating a nanosecond after podStartup (3 s).
        let mut late = world.clone();
        late.now = Instant::from_nanos(3_000_000_001);
        o.observe(&late, &[]);
        let v = o.found.take().expect("a pod that never started");
        let (pod, node) = world.cluster.pods.values().map(|p| (p.key(), p.node.clone().unwrap())).next().unwrap();
        assert_eq!(v.t, at(3000));
        assert_eq!(v.host.as_deref(), Some(node.as_str()));
        assert_eq!(
            v.message,
            format!(
                "pod {pod} on {node} is still ContainerCreating at 3.000s: its kubelet has been up since 0.000s, podStartup is 3s"
            )
        );
        // On a powered-off node the kubelet cannot start it: no deadline.
        let mut o = PodsStart::default();
        let mut down = world.clone();
        for n in down.cluster.nodes.values_mut() {
            n.kubelet_up = false;
        }
        o.observe(&down, &[]);
        down.now = at(10_000);
        o.observe(&down, &[]);
        assert_eq!(o.finish(&down, at(12_000)), Ok(()));
        // The real run starts them at 3 s.
        assert_eq!(pods_start_or_say_why(&run), Ok(()));
    }

    #[test]
    fn an_unbound_pod_says_why_with_the_right_counts() {
        let extra = "  - { at: 1s, run: { host: client, cmd: \"kubectl scale deployment web --replicas=3\" } }\n";
        let run = run(&lan("Cluster", extra));
        let world = run.world_at(run.len());
        let pod = world.cluster.pods.values().find(|p| p.node.is_none()).expect("a third pod has no room").clone();
        let reason = pod.pending_reason.clone().unwrap();
        assert_eq!(
            reason,
            "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, \
             2 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: \
             3 Preemption is not helpful for scheduling."
        );
        assert_eq!(pods_start_or_say_why(&run), Ok(()));
        assert_eq!(
            parse_failed_scheduling(&reason),
            Some((
                3,
                vec![
                    (1, "node(s) didn't match Pod's node affinity/selector".to_string()),
                    (2, "node(s) didn't match pod anti-affinity rules".to_string())
                ]
            ))
        );
        // A message that counts the selector's node as cordoned is not the real reason.
        let wrong =
            reason.replace("1 node(s) didn't match Pod's node affinity/selector", "1 node(s) were unschedulable");
        let mut lying = world.clone();
        lying.cluster.pods.get_mut(&pod.key()).unwrap().pending_reason = Some(wrong.clone());
        for e in lying.cluster.events.iter_mut().filter(|e| e.reason == "FailedScheduling") {
            e.message = wrong.clone();
        }
        let mut o = PodsStart::default();
        o.observe(&lying, &[]);
        let v = o.found.expect("a wrong reason");
        assert_eq!(
            v.message,
            format!(
                "pod {}: FailedScheduling says `{wrong}`, but of 3 nodes 1 node(s) didn't match Pod's node affinity/selector and 2 pass them",
                pod.key()
            )
        );
        // Reasons out of text order are not the scheduler's message either.
        let unsorted = "0/3 nodes are available: 2 node(s) didn't match pod anti-affinity rules, \
                        1 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: \
                        3 Preemption is not helpful for scheduling.";
        let mut shuffled = world.clone();
        shuffled.cluster.pods.get_mut(&pod.key()).unwrap().pending_reason = Some(unsorted.into());
        for e in shuffled.cluster.events.iter_mut().filter(|e| e.reason == "FailedScheduling") {
            e.message = unsorted.into();
        }
        let mut o = PodsStart::default();
        o.observe(&shuffled, &[]);
        assert_eq!(
            o.found.expect("unsorted").message,
            format!(
                "pod {}: FailedScheduling lists its reasons out of the scheduler's order (sorted as text): {unsorted}",
                pod.key()
            )
        );
        // Without the event, nobody is told.
        let mut silent = world.clone();
        silent.cluster.events.retain(|e| e.reason != "FailedScheduling");
        let mut o = PodsStart::default();
        o.observe(&silent, &[]);
        assert_eq!(
            o.found.expect("no event").message,
            format!("pod {} is unbound, and no FailedScheduling event says: {reason}", pod.key())
        );
    }

    #[test]
    fn two_metallb_leaders_for_one_vip_with_agreeing_memberlists_is_a_split_brain() {
        let run = run(&lan("Cluster", ""));
        let world = run.world_at(run.len());
        let svc = "default/web".to_string();
        let leader = world.cluster.announcers[&svc][0].clone();
        assert_eq!(one_announcer_per_vip(&run), Ok(()));
        let other = ["node-a", "node-b", "node-c"].into_iter().find(|n| *n != leader).unwrap();
        let mut split = world.clone();
        split.cluster.speakers.get_mut(other).unwrap().announcing.insert(svc.clone(), ip("192.168.1.200"));
        let mut o = AtInstantEnd::new(two_announcers);
        o.observe(&split, &[]);
        let mut both = [leader.as_str(), other];
        both.sort();
        // Judged when the instant ends (here: the run's end).
        assert_eq!(
            o.finish(&split, split.now).expect_err("split brain").message,
            format!("2 live speakers announce {svc} although their memberlists agree: {}", both.join(", "))
        );
        // A later step of the same instant that mends it leaves nothing to report.
        let mut o = AtInstantEnd::new(two_announcers);
        o.observe(&split, &[]);
        o.observe(&world, &[]);
        assert_eq!(o.finish(&world, world.now), Ok(()));
        // Until the memberlists agree (node-a has not yet noticed a peer), two leaders are expected.
        let removed = both.iter().find(|n| **n != "node-a").unwrap().to_string();
        split.cluster.speakers.get_mut("node-a").unwrap().view.remove(&removed);
        let mut o = AtInstantEnd::new(two_announcers);
        o.observe(&split, &[]);
        assert_eq!(o.finish(&split, split.now), Ok(()));
    }

    #[test]
    fn metallb_announces_a_vip_only_with_an_endpoint_that_can_serve_it() {
        let run = run(&lan("Cluster", ""));
        assert_eq!(announced_vips_have_endpoints(&run), Ok(()));
        let world = run.world_at(run.len());
        let svc = "default/web".to_string();
        let leader = world.cluster.announcers[&svc][0].clone();
        let mut none = world.clone();
        for e in std::rc::Rc::make_mut(&mut none.cluster.slices.get_mut(&svc).unwrap().endpoints) {
            let e = std::rc::Rc::make_mut(e);
            e.ready = false;
            e.serving = false;
        }
        let end = world.now;
        let mut o = AtInstantEnd::new(announced_without_endpoints);
        o.observe(&none, &[]);
        assert_eq!(
            o.finish(&none, end).expect_err("nothing to serve").message,
            format!("{leader} announces {svc} (192.168.1.200) but it has no ready or serving endpoint")
        );
        // Mended by a later step of the same instant (the speakers' sync): fine.
        let mut o = AtInstantEnd::new(announced_without_endpoints);
        o.observe(&none, &[]);
        o.observe(&world, &[]);
        assert_eq!(o.finish(&world, end), Ok(()));
        // Still wrong when time moves on: reported at the instant it was wrong.
        let mut o = AtInstantEnd::new(announced_without_endpoints);
        o.observe(&none, &[]);
        let mut later = world.clone();
        later.now = end + Duration::from_millis(1);
        o.observe(&later, &[]);
        assert_eq!(o.found.as_ref().map(|v| v.t), Some(end));
        // A terminating endpoint that still serves is enough (EndpointCanServe).
        let mut serving = none.clone();
        std::rc::Rc::make_mut(
            &mut std::rc::Rc::make_mut(&mut serving.cluster.slices.get_mut(&svc).unwrap().endpoints)[0],
        )
        .serving = true;
        let mut o = AtInstantEnd::new(announced_without_endpoints);
        o.observe(&serving, &[]);
        assert_eq!(o.finish(&serving, end), Ok(()));
        // Local: the endpoint must be on the announcing node.
        let mut local = world.clone();
        local.cluster.services.get_mut(&svc).unwrap().spec.external_traffic_policy =
            Some(crate::k8s::objects::TrafficPolicyName::Local);
        for e in std::rc::Rc::make_mut(&mut local.cluster.slices.get_mut(&svc).unwrap().endpoints) {
            std::rc::Rc::make_mut(e).node = "elsewhere".into();
        }
        let mut o = AtInstantEnd::new(announced_without_endpoints);
        o.observe(&local, &[]);
        assert_eq!(
            o.finish(&local, end).expect_err("no local endpoint").message,
            format!(
                "{leader} announces {svc} (192.168.1.200) with externalTrafficPolicy: Local but has no ready or serving endpoint of it"
            )
        );
    }

    #[test]
    fn a_reply_must_go_back_to_the_node_that_translated_it() {
        let run = run(&lan("Cluster", ""));
        assert_eq!(replies_return_through_dnat_node(&run), Ok(()));
        let mut world = run.world_at(0);
        // node-a translated client:40000 -> VIP:80 to a pod on node-b, without masquerade.
        let (client, vip, pod) = (ip("192.168.1.50"), ip("192.168.1.200"), ip("10.244.1.7"));
        let original = Tuple { proto: PROTO_TCP, src: client, sport: 40000, dst: vip, dport: 80 };
        let reply = Tuple { proto: PROTO_TCP, src: pod, sport: 8080, dst: client, dport: 40000 };
        let a = world.net.host_id("node-a").unwrap();
        world.net.hosts[a].node.as_mut().unwrap().conntrack.insert(original, reply, world.now, None, false);
        let seg = TcpSegment {
            src: pod,
            dst: client,
            src_port: 8080,
            dst_port: 40000,
            seq: 7,
            ack: 2,
            flags: TcpFlags::SYN_ACK,
            window: 64240,
            mss: None,
            payload: &[],
        };
        let node_a_mac = world.net.hosts[a].ifaces[0].mac;
        let client_mac = world.net.host("client").unwrap().ifaces[0].mac;
        let node_b_mac = world.net.host("node-b").unwrap().ifaces[0].mac;
        let mut o = RepliesThroughDnat::default();
        o.observe(&world, &[tx(at(5000), 9, "node-a", arp_request(ip("192.168.1.11"), ip("192.168.1.12")))]);
        // Back through node-a: fine.
        o.observe(&world, &[tx(at(5001), 10, "node-b", tcp_frame(node_a_mac, node_b_mac, 1, &seg))]);
        assert!(o.found.is_none());
        // Straight to the client: it gets a SYN-ACK from a pod it never talked to.
        o.observe(&world, &[tx(at(5002), 11, "node-b", tcp_frame(client_mac, node_b_mac, 2, &seg))]);
        assert_eq!(
            o.found.expect("a reply around the DNAT node").message,
            format!(
                "node-b sends a reply of a flow node-a translated ({reply}) to {client_mac}, not to node-a ({node_a_mac}): \
                 the client gets it from an address it never talked to"
            )
        );
    }

    #[test]
    fn two_traces_are_compared_record_by_record() {
        let run = run(&lan("Cluster", ""));
        let a = run.trace();
        assert_eq!(first_difference(a, a, "again"), Ok(()));
        let mut b = a.to_vec();
        b[5].t += Duration::from_nanos(1);
        let v = first_difference(a, &b, "again").unwrap_err();
        assert_eq!(
            v.message,
            format!("record 5 differs in again:\n    was:  {}\n    then: {}", a[5].to_json(), b[5].to_json())
        );
        let v = first_difference(a, &a[..3], "again").unwrap_err();
        assert_eq!(v.message, "again ends after 3 records, before this one");
        assert_eq!(same_trace_twice(&lan("Cluster", ""), &run), Ok(()));
        for step in [0, 1, run.len() / 2, run.len()] {
            assert_eq!(restores_identically(&run, step), Ok(()), "step {step}");
        }
    }
}
