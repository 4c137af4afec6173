//! The discrete-event engine. A [`World`] holds the whole simulated state
//! (devices, cluster, pending events, the RNG); [`World::step`] pops the
//! earliest event (ties broken by insertion order) and applies it, appending
//! what happened to a trace kept outside the world, so a snapshot of the
//! world is a plain clone and replay from it is exact.

pub mod action;
pub mod ctx;
pub mod family;
#[cfg(test)]
mod tests;
pub mod timeline;
pub mod trace;

use crate::k8s::proxy::ServiceTable;
use crate::net::host::{Datapath, Env};
use crate::net::switch::{Forward, MacChange};
use crate::net::{End, HostId, IfIdx, LinkId, Network};
use crate::rng::SimRng;
use crate::time::Instant;
use crate::wire::Frame;
use ctx::Ctx;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use trace::{Dir, Forwarded, Kind, Record};

/// Something scheduled to happen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Event {
    /// A frame reaches end `end` (0 or 1) of a link.
    Arrive {
        link: LinkId,
        end: usize,
        frame: Frame,
    },
    /// A host's earliest timer (neighbour cache, TCP, a running tool) is due.
    Wake {
        host: HostId,
    },
    /// The switch's next MAC-table entry ages out.
    SwitchAging,
    /// A frame held back by a delay rule on the way out or in.
    DelayedTx {
        host: HostId,
        iface: IfIdx,
        frame: Frame,
    },
    DelayedRx {
        host: HostId,
        iface: IfIdx,
        frame: Frame,
    },
    /// A packet a host sent to one of its own addresses, taken in through
    /// its loopback device (the kernel queues it on `lo` the same way).
    Loopback {
        host: HostId,
        frame: Frame,
    },
    /// A control-plane timer or a reconcile.
    Control(crate::k8s::control::ControlEvent),
    /// Timeline step `index` of the scenario is due.
    Timeline {
        index: usize,
    },
    /// An action applied at this time (a branch's edit, or a repeated step).
    Action(action::Action),
}

/// A heap entry: when, the tie-breaking sequence number, and where the
/// event waits in the queue's slab. Keeping the (large) events out of the
/// heap makes each sift move 24 bytes instead of a whole event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Scheduled {
    at: Instant,
    seq: u64,
    slot: u32,
}

impl Ord for Scheduled {
    /// Reversed, so `BinaryHeap` (a max-heap) pops the earliest `(at, seq)`.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Events ordered by `(time, sequence)`: equal times keep insertion order,
/// so runs are deterministic.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct EventQueue {
    heap: BinaryHeap<Scheduled>,
    slab: Vec<Option<Event>>,
    free: Vec<u32>,
    seq: u64,
}

/// Two queues are equal when they would pop the same events in the same order.
impl PartialEq for EventQueue {
    fn eq(&self, other: &Self) -> bool {
        let order = |q: &EventQueue| -> Vec<(Instant, u64, Event)> {
            q.heap
                .clone()
                .into_sorted_vec()
                .into_iter()
                .map(|s| (s.at, s.seq, q.slab[s.slot as usize].clone().expect("scheduled")))
                .collect()
        };
        self.seq == other.seq && order(self) == order(other)
    }
}

impl EventQueue {
    pub fn push(&mut self, at: Instant, event: Event) {
        self.seq += 1;
        let slot = match self.free.pop() {
            Some(i) => {
                self.slab[i as usize] = Some(event);
                i
            }
            None => {
                self.slab.push(Some(event));
                (self.slab.len() - 1) as u32
            }
        };
        self.heap.push(Scheduled { at, seq: self.seq, slot });
    }
    fn pop(&mut self) -> Option<(Instant, Event)> {
        let s = self.heap.pop()?;
        self.free.push(s.slot);
        Some((s.at, self.slab[s.slot as usize].take().expect("scheduled")))
    }
    /// Every pending event in the order it will run, for the playground's
    /// "coming up" countdowns.
    pub fn pending(&self) -> Vec<(Instant, &Event)> {
        let mut v: Vec<&Scheduled> = self.heap.iter().collect();
        v.sort_by_key(|s| (s.at, s.seq));
        v.into_iter().map(|s| (s.at, self.slab[s.slot as usize].as_ref().expect("scheduled"))).collect()
    }
    pub fn peek_time(&self) -> Option<Instant> {
        self.heap.peek().map(|s| s.at)
    }
    pub fn len(&self) -> usize {
        self.heap.len()
    }
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

/// Cluster-wide datapath settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DatapathConfig {
    pub kind: Datapath,
    pub strict_arp: bool,
}

/// The whole simulated state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct World {
    pub now: Instant,
    /// How many events have been applied.
    pub steps: u64,
    pub rng: SimRng,
    pub queue: EventQueue,
    pub net: Network,
    pub services: ServiceTable,
    pub datapath: DatapathConfig,
    pub cluster: crate::k8s::cluster::Cluster,
    /// The scenario's timeline and manifests (shared, immutable).
    pub script: std::rc::Rc<action::Script>,
    switch_aging_at: Option<Instant>,
}

impl World {
    pub fn new(
        net: Network,
        seed: u64,
        datapath: DatapathConfig,
        cluster: crate::k8s::cluster::Cluster,
        script: action::Script,
    ) -> World {
        World {
            now: Instant::ZERO,
            steps: 0,
            rng: SimRng::new(seed),
            queue: EventQueue::default(),
            net,
            services: ServiceTable::default(),
            datapath,
            cluster,
            script: std::rc::Rc::new(script),
            switch_aging_at: None,
        }
    }

    /// Time of the next event, if any.
    pub fn next_time(&self) -> Option<Instant> {
        self.queue.peek_time()
    }

    /// Applies the next event. Returns false when nothing is left to do.
    pub fn step(&mut self, trace: &mut Vec<Record>) -> bool {
        let Some((at, event)) = self.queue.pop() else { return false };
        debug_assert!(at >= self.now, "time never runs backwards");
        self.now = at;
        self.steps += 1;
        if let Event::Timeline { index } = event {
            self.timeline_step(index, trace);
            return true;
        }
        if let Event::Action(a) = event {
            let what = a.describe();
            if let Err(e) = self.apply(a, trace) {
                self.report_failed_action(&what, &e, trace);
            }
            return true;
        }
        let World { now, steps, rng, queue, net, services, datapath, switch_aging_at, cluster, .. } = self;
        let env = Env { services, datapath: datapath.kind, strict_arp: datapath.strict_arp };
        let Network { hosts, switch, links } = net;
        let mut cx = Ctx { now: *now, step: *steps, rng, queue, trace, links };
        match event {
            Event::Arrive { link, end, frame } => match links[link].ends[end] {
                End::Host(h, iface) => hosts[h].receive(iface, frame, &mut cx, &env),
                End::Switch(port) => {
                    let mut changes = Vec::new();
                    let fwd = switch.ingress(port, frame.src(), frame.dst(), *now, &mut changes);
                    let forwarded = match &fwd {
                        Forward::Port(p) => Forwarded::Port(switch.ports[*p].label.clone()),
                        Forward::Flood { unknown_unicast, .. } => {
                            Forwarded::Flood { unknown_unicast: *unknown_unicast }
                        }
                        Forward::Filter => Forwarded::Filtered,
                        Forward::Blocked => Forwarded::Blocked,
                    };
                    cx.record(Kind::Frame {
                        at: switch.name.clone(),
                        iface: switch.ports[port].label.clone(),
                        dir: Dir::Rx,
                        frame: frame.clone(),
                        forward: Some(forwarded),
                    });
                    record_mac_changes(&mut cx, switch, changes);
                    if fwd == Forward::Blocked {
                        let mac = frame.dst();
                        cx.drop(&switch.name, trace::DropReason::UnknownUnicast { mac }, Some(frame.clone()));
                    }
                    let out_ports = match &fwd {
                        Forward::Port(p) => std::slice::from_ref(p),
                        Forward::Flood { ports, .. } => ports.as_slice(),
                        Forward::Filter | Forward::Blocked => &[],
                    };
                    for &p in out_ports {
                        if let Some(link) = switch.ports[p].link {
                            let l = &links[link];
                            if l.up {
                                cx.queue.push(
                                    *now + l.delay,
                                    Event::Arrive { link, end: l.other(End::Switch(p)), frame: frame.clone() },
                                );
                            }
                        }
                    }
                    schedule_switch_aging(switch, switch_aging_at, &mut cx);
                }
            },
            Event::Wake { host } => hosts[host].wake(&mut cx, &env),
            Event::SwitchAging => {
                *switch_aging_at = None;
                let mut changes = Vec::new();
                switch.expire(*now, &mut changes);
                record_mac_changes(&mut cx, switch, changes);
                schedule_switch_aging(switch, switch_aging_at, &mut cx);
            }
            Event::DelayedTx { host, iface, frame } => hosts[host].transmit_delayed(iface, frame, &mut cx),
            Event::DelayedRx { host, iface, frame } => {
                if hosts[host].up {
                    hosts[host].process(iface, frame, &mut cx, &env);
                }
            }
            Event::Loopback { host, frame } => {
                if hosts[host].up {
                    hosts[host].loopback(frame, &mut cx, &env);
                }
            }
            Event::Control(ev) => {
                let mut plane = crate::k8s::control::Plane { k: cluster, hosts, services, cx: &mut cx };
                plane.handle(ev);
            }
            Event::Timeline { .. } | Event::Action(_) => unreachable!("handled above"),
        }
        true
    }

    /// A timeline or branch action that could not be applied is shown in the trace.
    pub(crate) fn report_failed_action(&self, what: &str, error: &str, trace: &mut Vec<Record>) {
        trace.push(Record {
            t: self.now,
            step: self.steps,
            kind: Kind::Log { host: "vipsim".into(), component: "timeline".into(), line: format!("{what}: {error}") },
        });
    }

    /// Runs `f` with the control plane at the current time.
    pub fn plane<R>(&mut self, trace: &mut Vec<Record>, f: impl FnOnce(&mut crate::k8s::control::Plane) -> R) -> R {
        let World { now, steps, rng, queue, net, services, cluster, .. } = self;
        let Network { hosts, links, .. } = net;
        let mut cx = Ctx { now: *now, step: *steps, rng, queue, trace, links };
        let mut plane = crate::k8s::control::Plane { k: cluster, hosts, services, cx: &mut cx };
        f(&mut plane)
    }

    /// Runs every event up to and including time `t`, then sets the clock to `t`.
    pub fn run_until(&mut self, t: Instant, trace: &mut Vec<Record>) {
        while self.next_time().is_some_and(|n| n <= t) {
            self.step(trace);
        }
        if self.now < t {
            self.now = t;
        }
    }

    /// Starts a tool on a host at the current time; returns its pid.
    pub fn spawn(&mut self, host: HostId, proc: crate::tools::Proc, trace: &mut Vec<Record>) -> u32 {
        self.with_ctx(trace, |hosts, cx, env| hosts[host].spawn(proc, cx, env))
    }

    /// A context for applying an action at the current time outside `step`
    /// (console commands, faults), for code in this crate.
    pub(crate) fn with_ctx<R>(
        &mut self,
        trace: &mut Vec<Record>,
        f: impl FnOnce(&mut [crate::net::Host], &mut Ctx, &Env) -> R,
    ) -> R {
        let World { now, steps, rng, queue, net, services, datapath, .. } = self;
        let env = Env { services, datapath: datapath.kind, strict_arp: datapath.strict_arp };
        let Network { hosts, links, .. } = net;
        let mut cx = Ctx { now: *now, step: *steps, rng, queue, trace, links };
        f(hosts, &mut cx, &env)
    }
}

fn record_mac_changes(cx: &mut Ctx, switch: &crate::net::Switch, changes: Vec<MacChange>) {
    for change in changes {
        let port = match change {
            MacChange::Learned { port, .. } | MacChange::Aged { port, .. } | MacChange::Flushed { port, .. } => port,
            MacChange::Moved { to, .. } => to,
        };
        cx.record(Kind::Mac { switch: switch.name.clone(), change, port_name: switch.ports[port].label.clone() });
    }
}

/// Keeps one aging sweep scheduled, at the earliest expiry. Entries only
/// ever get fresher, so an already scheduled sweep is never too late; the
/// O(table) search runs once per sweep, not once per frame.
fn schedule_switch_aging(switch: &crate::net::Switch, at: &mut Option<Instant>, cx: &mut Ctx) {
    if at.is_some() {
        return;
    }
    if let Some(t) = switch.next_expiry() {
        *at = Some(t);
        cx.queue.push(t, Event::SwitchAging);
    }
}
