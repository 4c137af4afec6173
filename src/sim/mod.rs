//! The simulated world. A [`World`] holds the whole simulated state
//! (devices, cluster, the engine's pending events, the RNG);
//! [`World::step`] pops the earliest event (ties broken by insertion order)
//! and hands it to the device or control plane it is for, appending what
//! happened to a trace kept outside the world, so a snapshot of the world
//! is a plain clone and replay from it is exact.

pub mod action;

pub use action::{Action, Applied, Command, Stepped};
#[cfg(test)]
mod tests;

use crate::engine::trace::{self, Dir, Forwarded, Kind, Record};
use crate::engine::{Ctx, End, Event, EventQueue, HostId};
use crate::net::Network;
use crate::net::host::{Datapath, Env};
use crate::net::proxy::ServiceTable;
use crate::net::switch::{Forward, MacChange};
use crate::rng::SimRng;
use crate::time::Instant;
use serde::{Deserialize, Serialize};

/// Cluster-wide datapath settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DatapathConfig {
    pub kind: Datapath,
    pub strict_arp: bool,
}

/// The whole simulated state. Never serialised: a snapshot is a clone, and
/// a shared or saved run is rebuilt from its scenario and replayed.
#[derive(Clone, Debug, PartialEq)]
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
    /// Every node's addresses (Cilium's ipcache knows them as host or
    /// remote-node identities).
    node_addrs: std::rc::Rc<[std::net::Ipv4Addr]>,
}

impl World {
    pub fn new(
        net: Network,
        seed: u64,
        datapath: DatapathConfig,
        cluster: crate::k8s::cluster::Cluster,
        script: action::Script,
    ) -> World {
        let node_addrs = net
            .hosts
            .iter()
            .filter(|h| h.role == crate::net::host::Role::Node)
            .flat_map(|h| h.ifaces.iter().flat_map(|i| i.addrs.iter().map(|a| a.addr)))
            .collect();
        World {
            node_addrs,
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

    /// Applies the next event. A timeline `run:` step is not the world's
    /// to run: it comes back as [`Stepped::Run`], for the driver to run
    /// through the console and hand back with [`World::command_done`].
    pub fn step(&mut self, trace: &mut Vec<Record>) -> Stepped {
        let Some((at, event)) = self.queue.pop() else { return Stepped::Idle };
        debug_assert!(at >= self.now, "time never runs backwards");
        self.now = at;
        self.steps += 1;
        if !self.services.is_indexed() {
            self.services.index_frontends();
        }
        if let Event::Timeline { index } = event {
            return match self.timeline_step(index, trace) {
                Some(command) => Stepped::Run(command),
                None => Stepped::Applied,
            };
        }
        let World { now, steps, rng, queue, net, services, datapath, switch_aging_at, cluster, node_addrs, .. } = self;
        let env = Env { services, datapath: datapath.kind, strict_arp: datapath.strict_arp, node_addrs };
        let Network { hosts, switch, links, .. } = net;
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
            Event::Timeline { .. } => unreachable!("handled above"),
        }
        Stepped::Applied
    }

    /// A timeline or branch action that could not be applied is shown in the trace.
    pub fn report_failed_action(&self, what: &str, error: &str, trace: &mut Vec<Record>) {
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

    /// Starts a tool on a host at the current time; returns its pid.
    pub fn spawn(&mut self, host: HostId, proc: crate::net::tools::Proc, trace: &mut Vec<Record>) -> u32 {
        self.with_ctx(trace, |hosts, cx, env| hosts[host].spawn(proc, cx, env))
    }

    /// A context for applying an action at the current time outside `step`
    /// (console commands, faults), for code in this crate.
    pub(crate) fn with_ctx<R>(
        &mut self,
        trace: &mut Vec<Record>,
        f: impl FnOnce(&mut [crate::net::Host], &mut Ctx, &Env) -> R,
    ) -> R {
        let World { now, steps, rng, queue, net, services, datapath, node_addrs, .. } = self;
        let env = Env { services, datapath: datapath.kind, strict_arp: datapath.strict_arp, node_addrs };
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
