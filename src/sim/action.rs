//! Actions: what the scenario's timeline does and what a learner does
//! interactively (run a command, apply or delete a manifest, inject a
//! fault). Faults are data ([`FaultStep`]) applied here, turmoil-style.

use super::{Event, World};
use crate::engine::trace::{Kind, Record};
use crate::k8s::objects::Manifest;
use crate::net::End;
use crate::net::host::{Rule, RuleDirection, Verdict};
use crate::scenario::LoadedManifest;
use crate::scenario::spec::{FaultAction, FaultStep, Step, StepAction};
use crate::time::{Duration, Instant};
use serde::{Deserialize, Serialize};

/// The scenario parts the engine replays: its timeline and its manifests
/// (held ones are applied by `apply` steps).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Script {
    pub timeline: Vec<Step>,
    pub manifests: Vec<LoadedManifest>,
    pub duration: Duration,
}

impl<'de> Deserialize<'de> for Script {
    /// Scripts are rebuilt from the scenario, never read back from a snapshot.
    fn deserialize<D: serde::Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
        Err(serde::de::Error::custom("a script is rebuilt from its scenario"))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A console command on a host.
    Run {
        host: String,
        cmd: String,
    },
    /// Apply a manifest of the scenario by `metadata.name` (or `Kind/name`).
    Apply {
        name: String,
    },
    /// Apply an edited or new manifest. (Read back through the scenario
    /// loader: see [`crate::scenario::load::deserialize_manifest`].)
    ApplyManifest {
        #[serde(deserialize_with = "crate::scenario::load::deserialize_manifest")]
        manifest: Box<Manifest>,
    },
    /// Delete an object by `Kind/name` or a manifest's name.
    Delete {
        name: String,
    },
    Fault(FaultStep),
    /// A lesson marker shown on the timeline.
    Note {
        text: String,
    },
}

/// A console command line that is due: the world does not know the
/// console, so it hands the line to its driver, which runs it at the
/// world's current time and gives it back with [`World::command_done`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    pub host: String,
    pub line: String,
    /// The timeline step it comes from, scheduled again once it ran when
    /// the step repeats (after the command's own events, as it always was).
    step: Option<usize>,
}

impl Command {
    /// The line as the trace and the branch list show it.
    pub fn describe(&self) -> String {
        format!("{}$ {}", self.host, self.line)
    }
}

/// What one [`World::step`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub enum Stepped {
    /// No event was left.
    Idle,
    /// An event was applied.
    Applied,
    /// A timeline `run:` step is due: the driver runs its command.
    Run(Command),
}

/// What [`World::apply`] did with an action.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub enum Applied {
    /// Applied; what it said (kubectl-style text, a fault's detail, a note).
    Done(String),
    /// A console command: the driver runs it.
    Run(Command),
}

impl Action {
    /// What the engine does for a timeline step; a checkpoint (`predict`)
    /// is the playground's, so nothing.
    pub fn from_step(step: &Step) -> Option<Action> {
        Some(match &step.action {
            StepAction::Run(r) => Action::Run { host: r.host.clone(), cmd: r.cmd.clone() },
            StepAction::Apply(name) => Action::Apply { name: name.clone() },
            StepAction::Delete(name) => Action::Delete { name: name.clone() },
            StepAction::Fault(f) => Action::Fault(f.clone()),
            StepAction::Note(text) => Action::Note { text: text.clone() },
            StepAction::Predict(_) => return None,
        })
    }

    /// One line for the event list and the branch description.
    pub fn describe(&self) -> String {
        match self {
            Action::Run { host, cmd } => format!("{host}$ {cmd}"),
            Action::Apply { name } => format!("kubectl apply {name}"),
            Action::ApplyManifest { manifest } => {
                format!("kubectl apply {}/{}", manifest.kind(), manifest.metadata().name)
            }
            Action::Delete { name } => format!("kubectl delete {name}"),
            Action::Fault(f) => format!("{} {}", f.action.name(), f.host),
            Action::Note { text } => text.clone(),
        }
    }
}

impl World {
    /// Schedules every timeline step at its time.
    pub fn schedule_timeline(&mut self) {
        for (index, step) in self.script.timeline.iter().enumerate() {
            // A checkpoint is the playground's question, not an event: runs
            // with and without one are the same, step for step.
            if step.predict().is_some() {
                continue;
            }
            self.queue.push(Instant::ZERO + step.at, Event::Timeline { index });
        }
    }

    /// Applies timeline step `index`; a `run:` step's command is returned
    /// for the driver instead.
    pub(super) fn timeline_step(&mut self, index: usize, trace: &mut Vec<Record>) -> Option<Command> {
        let script = self.script.clone();
        let step = script.timeline.get(index)?;
        if let Some(action) = Action::from_step(step) {
            let what = action.describe();
            match self.apply(action, trace) {
                Ok(Applied::Run(command)) => return Some(Command { step: Some(index), ..command }),
                Ok(Applied::Done(_)) => {}
                Err(e) => self.report_failed_action(&what, &e, trace),
            }
        }
        self.repeat(index);
        None
    }

    /// Schedules the next repetition of timeline step `index`, if it repeats.
    fn repeat(&mut self, index: usize) {
        let Some(step) = self.script.timeline.get(index) else { return };
        if let Some(every) = step.every.filter(|e| *e > Duration::ZERO) {
            let until = Instant::ZERO + step.until.unwrap_or(self.script.duration);
            let next = self.now + every;
            if next <= until {
                self.queue.push(next, Event::Timeline { index });
            }
        }
    }

    /// The driver ran `command` (`Err`: the console refused it, which the
    /// trace shows); a repeated timeline step is scheduled again.
    pub fn command_done(&mut self, command: Command, result: Result<(), String>, trace: &mut Vec<Record>) {
        if let Err(e) = result {
            self.report_failed_action(&command.describe(), &e, trace);
        }
        if let Some(index) = command.step {
            self.repeat(index);
        }
    }

    /// Applies an action at the current time. Returns kubectl-style text
    /// for immediate results (errors included), for the console; a console
    /// command comes back for the driver to run.
    pub fn apply(&mut self, action: Action, trace: &mut Vec<Record>) -> Result<Applied, String> {
        let said = match action {
            Action::Run { host, cmd } => return Ok(Applied::Run(Command { host, line: cmd, step: None })),
            Action::Apply { name } => {
                let script = self.script.clone();
                // A `vipsim/id` handle wins over a plain name that several versions share.
                let by_id = script
                    .manifests
                    .iter()
                    .find(|m| m.manifest.metadata().annotations.get("vipsim/id").is_some_and(|id| *id == name));
                let lm = by_id
                    .or_else(|| script.manifests.iter().find(|m| matches_name(&m.manifest, &name)))
                    .ok_or_else(|| format!("error: no manifest named \"{name}\" in this scenario"))?;
                let manifest = lm.manifest.clone();
                self.apply_manifest(&manifest, trace)
            }
            Action::ApplyManifest { manifest } => self.apply_manifest(&manifest, trace),
            Action::Delete { name } => {
                let script = self.script.clone();
                let (kind, ns, obj) = match script.manifests.iter().find(|m| matches_name(&m.manifest, &name)) {
                    Some(m) => (
                        m.manifest.kind().to_string(),
                        m.manifest.namespace().unwrap_or("default").to_string(),
                        m.manifest.metadata().name.clone(),
                    ),
                    None => {
                        let (k, n) = name
                            .split_once('/')
                            .ok_or_else(|| format!("error: no object named \"{name}\" (use Kind/name)"))?;
                        (k.to_string(), "default".to_string(), n.to_string())
                    }
                };
                let out = self.plane(trace, |p| p.delete(&kind, &ns, &obj));
                self.record_kubectl(&format!("kubectl delete {name}"), &out, trace);
                out
            }
            Action::Fault(f) => self.fault(&f, trace),
            Action::Note { text } => {
                trace.push(Record { t: self.now, step: self.steps, kind: Kind::Note { text: text.clone() } });
                Ok(text)
            }
        };
        said.map(Applied::Done)
    }

    fn apply_manifest(&mut self, m: &Manifest, trace: &mut Vec<Record>) -> Result<String, String> {
        let out = self.plane(trace, |p| p.apply(m));
        self.record_kubectl(&format!("kubectl apply -f {}", m.metadata().name), &out, trace);
        out
    }

    fn record_kubectl(&mut self, cmd: &str, out: &Result<String, String>, trace: &mut Vec<Record>) {
        let (stdout, stderr, exit) = match out {
            Ok(s) => (format!("{s}\n"), String::new(), 0),
            Err(e) => (String::new(), format!("{e}\n"), 1),
        };
        trace.push(Record {
            t: self.now,
            step: self.steps,
            kind: Kind::Command {
                host: "kubectl".into(),
                cmd: cmd.into(),
                started: self.now,
                stdout: stdout.into(),
                stderr: stderr.into(),
                exit,
                stderr_first: 0,
            },
        });
    }

    /// Applies a fault to a host.
    pub fn fault(&mut self, f: &FaultStep, trace: &mut Vec<Record>) -> Result<String, String> {
        let h = self.net.host_id(&f.host).ok_or_else(|| format!("no host named {}", f.host))?;
        let node = self.cluster.node_of_host(h).map(|n| n.name.clone());
        let detail = match f.action {
            // Pressing the power button of a host in the state asked for
            // changes nothing (it would otherwise lose its RAM, or reboot).
            FaultAction::PowerOff if !self.net.hosts[h].up => fault_detail::ALREADY_OFF.to_string(),
            FaultAction::PowerOn if self.net.hosts[h].up => fault_detail::ALREADY_ON.to_string(),
            // Plugging a powered-off host back in: it stays off.
            FaultAction::Heal if !self.net.hosts[h].up => {
                self.set_links(h, true, trace);
                fault_detail::BACK_ON_LAN_STILL_OFF.to_string()
            }
            FaultAction::PowerOff | FaultAction::Partition => {
                let power = f.action == FaultAction::PowerOff;
                if power {
                    self.net.hosts[h].power(false);
                }
                self.set_links(h, false, trace);
                if let Some(n) = &node {
                    self.plane(trace, |p| {
                        p.kubelet_down(n);
                        p.agent_lost(n, false);
                        p.reconcile();
                    });
                }
                if power { fault_detail::POWERED_OFF } else { fault_detail::CUT_FROM_LAN }.to_string()
            }
            FaultAction::PowerOn | FaultAction::Heal => {
                if f.action == FaultAction::PowerOn {
                    self.net.hosts[h].power(true);
                }
                self.set_links(h, true, trace);
                if let Some(n) = &node {
                    let heal = f.action == FaultAction::Heal;
                    self.plane(trace, |p| {
                        if heal {
                            p.kubelet_up(n);
                            p.agent_started(n);
                        } else {
                            p.node_powered_on(n);
                        }
                        p.reconcile();
                    });
                }
                if f.action == FaultAction::PowerOn { fault_detail::POWERED_ON } else { fault_detail::BACK_ON_LAN }
                    .to_string()
            }
            FaultAction::StopSpeaker | FaultAction::StartSpeaker => {
                let n = node.clone().ok_or_else(|| format!("{} is not a node: no speaker runs there", f.host))?;
                let start = f.action == FaultAction::StartSpeaker;
                let now = self.now;
                if let Some(nd) = self.cluster.nodes.get_mut(&n) {
                    nd.agent_running = start;
                    nd.agent_stopped_at = (!start).then_some(now);
                }
                self.plane(trace, |p| {
                    if start {
                        p.agent_started(&n);
                    } else {
                        p.agent_lost(&n, true);
                    }
                    p.reconcile();
                });
                let cilium = self.cluster.config.load_balancer == crate::k8s::cluster::LoadBalancerKind::Cilium;
                match (start, cilium) {
                    (true, false) => fault_detail::SPEAKER_STARTED,
                    (false, false) => fault_detail::SPEAKER_STOPPED,
                    (true, true) => fault_detail::AGENT_STARTED,
                    (false, true) => fault_detail::AGENT_STOPPED,
                }
                .to_string()
            }
            FaultAction::Cordon | FaultAction::Uncordon | FaultAction::Drain => {
                let n = node.clone().ok_or_else(|| format!("{} is not a node", f.host))?;
                self.plane(trace, |p| match f.action {
                    FaultAction::Cordon => p.cordon(&n, true),
                    FaultAction::Uncordon => p.cordon(&n, false),
                    _ => p.drain(&n, false),
                })?
            }
            FaultAction::DeletePod => {
                // The fault's host is where the pod runs: the named pod must
                // be on it, and of a Deployment's pods one on it is deleted.
                let want = f.pod.clone().ok_or("delete-pod needs `pod:`")?;
                let n = node.clone().ok_or_else(|| format!("{} is not a node: no pod runs there", f.host))?;
                let k = &self.cluster;
                let of_deployment = |p: &crate::k8s::cluster::Pod| {
                    p.owner.as_ref().and_then(|rs| k.replica_sets.get(rs)).is_some_and(|rs| rs.deployment == want)
                };
                let live = || k.pods.values().filter(|p| !p.terminating());
                let on_node = |p: &&crate::k8s::cluster::Pod| p.node.as_deref() == Some(n.as_str());
                let pk = match live().filter(on_node).find(|p| p.name == want || of_deployment(p)) {
                    Some(p) => p.key(),
                    None => {
                        return Err(match live().find(|p| p.name == want) {
                            Some(p) => match &p.node {
                                Some(elsewhere) => format!("pod {} runs on {elsewhere}, not on {n}", p.key()),
                                None => format!("pod {} is not scheduled to a node, not on {n}", p.key()),
                            },
                            None if live().any(of_deployment) => {
                                format!("no pod of Deployment {want} runs on {n}")
                            }
                            None => format!("no pod or Deployment named {want}"),
                        });
                    }
                };
                self.plane(trace, |p| {
                    p.delete_pod(&pk);
                    p.reconcile();
                });
                format!("pod {pk} deleted")
            }
            FaultAction::FlushArp => {
                // Said the way the device's own CLI says it.
                let cisco = self.net.hosts[h].cisco_neighbors();
                self.with_ctx(trace, |hosts, cx, _| hosts[h].flush_neighbors(None, cx));
                if cisco { "clear arp-cache" } else { "ip neigh flush all" }.into()
            }
            FaultAction::SetGarp => {
                let garp = f.garp.ok_or("set-garp needs `garp: honor | ignore`")?;
                self.with_ctx(trace, |hosts, cx, _| hosts[h].set_neighbor_config(|c| c.garp = garp, cx));
                format!("garp: {}", if garp == crate::net::neighbor::GarpPolicy::Honor { "honor" } else { "ignore" })
            }
            FaultAction::SetArpTimeout => {
                let t = f.arp_timeout.ok_or("set-arp-timeout needs `arpTimeout:`")?;
                if t == Duration::ZERO {
                    return Err(crate::net::neighbor::ZERO_ARP_TIMEOUT.into());
                }
                // Only a Cisco-style cache has an absolute timeout; a Linux
                // one ages by reachable time and garbage collection.
                if !self.net.hosts[h].cisco_neighbors() {
                    return Err(crate::net::neighbor::no_arp_timeout_on_linux(&f.host));
                }
                self.with_ctx(trace, |hosts, cx, _| hosts[h].set_neighbor_config(|c| c.arp_timeout = t, cx));
                format!("arpTimeout: {t}")
            }
            FaultAction::Drop => {
                let from = match &f.from {
                    Some(s) => Some(s.parse().map_err(|_| format!("invalid address {s}"))?),
                    None => None,
                };
                let name = format!(
                    "drop{}{}",
                    f.proto.map(|p| format!(" {}", p.name())).unwrap_or_default(),
                    f.from.as_ref().map(|a| format!(" from {a}")).unwrap_or_default()
                );
                self.net.hosts[h].rules.push(Rule {
                    name: name.clone(),
                    proto: f.proto,
                    from,
                    direction: f.direction.unwrap_or(RuleDirection::Both),
                    verdict: Verdict::Drop,
                });
                name
            }
            FaultAction::ClearRules => {
                self.net.hosts[h].rules.clear();
                "rules cleared".into()
            }
        };
        trace.push(Record {
            t: self.now,
            step: self.steps,
            kind: Kind::Fault {
                host: Some(self.net.hosts[h].name.clone()),
                action: f.action.name().into(),
                detail: detail.clone(),
            },
        });
        Ok(detail)
    }

    /// Brings every link of a host up or down, and the switch ports with them.
    fn set_links(&mut self, h: usize, up: bool, trace: &mut Vec<Record>) {
        let links: Vec<usize> = self.net.hosts[h].ifaces.iter().filter_map(|i| i.link).collect();
        let mut changes = Vec::new();
        for l in links {
            self.net.links[l].up = up;
            let ends = self.net.links[l].ends;
            for e in ends {
                if let End::Switch(p) = e {
                    self.net.switch.set_port_up(p, up, &mut changes);
                }
            }
        }
        for change in changes {
            let port = match change {
                crate::net::switch::MacChange::Flushed { port, .. } => port,
                _ => continue,
            };
            let kind = Kind::Mac {
                switch: self.net.switch.name.clone(),
                change,
                port_name: self.net.switch.ports[port].label.clone(),
            };
            trace.push(Record { t: self.now, step: self.steps, kind });
        }
    }
}

/// A manifest by `vipsim/id` annotation, `Kind/name` or `name`.
pub fn matches_name(m: &Manifest, name: &str) -> bool {
    if m.metadata().annotations.get("vipsim/id").is_some_and(|id| id == name) {
        return true;
    }
    match name.split_once('/') {
        Some((kind, n)) => m.kind().eq_ignore_ascii_case(kind) && m.metadata().name == n,
        None => m.metadata().name == name,
    }
}

/// What a fault did to its host, in the trace's words (English). The
/// lesson says these in the learner's language
/// ([`crate::view::lesson`]); the rest (a command, a rule) are said as
/// they are.
pub mod fault_detail {
    pub const ALREADY_OFF: &str = "host is already powered off";
    pub const ALREADY_ON: &str = "host is already on";
    pub const BACK_ON_LAN_STILL_OFF: &str = "host back on the LAN (still powered off)";
    pub const POWERED_OFF: &str = "host powered off: NIC lost carrier, RAM (caches, connections) gone";
    pub const CUT_FROM_LAN: &str = "host cut from the LAN";
    pub const POWERED_ON: &str = "host powered on (booting)";
    pub const BACK_ON_LAN: &str = "host back on the LAN";
    pub const SPEAKER_STARTED: &str = "speaker started";
    pub const SPEAKER_STOPPED: &str = "speaker stopped (memberlist leave)";
    pub const AGENT_STARTED: &str = "cilium agent started";
    pub const AGENT_STOPPED: &str = "cilium agent stopped cleanly (its L2 leases released)";
}
