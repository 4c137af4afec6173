//! The control loop: timed control-plane events (pod readiness and
//! termination, node heartbeats and eviction, the pod garbage collector,
//! memberlist detection, the MetalLB speakers' reconciles and
//! gratuitous-ARP ticks, lease takeovers, BGP timers) and
//! [`Plane::reconcile`], which runs every controller after any change (the
//! Deployment and ReplicaSet controllers, the scheduler, the kubelets'
//! admission of the pods bound to their node, EndpointSlices, load
//! balancers) and programs the nodes from the result.

use super::cluster::{
    Cluster, KUBELET_LEASE_INTERVAL, Key, LogLine, NODE_BOOT, NODE_MONITOR_PERIOD, POD_GC_PERIOD, POD_GC_QUARANTINE,
    PodIndex, PodPhase, Service,
};
use super::{bgp, cilium, deployments, endpoints, metallb, services, workloads};
use crate::engine::ctx::Ctx;
use crate::engine::trace::Kind;
use crate::engine::{ControlEvent, Event};
use crate::k8s::cluster::{AnnounceKind, LoadBalancerKind};
use crate::net::host::Host;
use crate::net::proxy::ServiceTable;
use crate::sort::{Collect, Sort};
use crate::time::{Duration, Instant};
use crate::wire::arp::{self, GarpKind};
use std::net::Ipv4Addr;

/// How long after SIGTERM the modelled apps keep serving before their
/// process exits (well within the default 30 s
/// terminationGracePeriodSeconds; agnhost netexec's `--delay-shutdown=N`
/// sets its own).
pub const APP_EXIT_AFTER_SIGTERM: Duration = Duration::from_secs(2);
/// The most passes of the Deployment and ReplicaSet controllers in one
/// reconcile (each pass is one round trip through the API server; a
/// rollout step needs two or three).
const MAX_CONTROLLER_PASSES: usize = 16;
/// How long after it came a pod that a tainted node does not tolerate is
/// evicted, when it came after the taint. The real taint eviction
/// controller deletes it at once; a ReplicaSet whose pods are pinned there
/// (`nodeName`) then makes and loses pods as fast as the API server
/// answers. vipsim waits a second each time, so such pods pile up
/// Terminating at one a second instead of looping within one instant.
const LATE_EVICTION_DELAY: Duration = Duration::from_secs(1);
/// memberlist join / graceful leave propagation.
pub const MEMBERLIST_GOSSIP: Duration = Duration::from_millis(500);

/// Everything a controller may touch.
pub struct Plane<'a, 'c, 'x> {
    pub k: &'a mut Cluster,
    pub hosts: &'a mut [Host],
    pub services: &'a mut ServiceTable,
    pub cx: &'c mut Ctx<'x>,
}

impl Plane<'_, '_, '_> {
    fn at(&mut self, when: Instant, ev: ControlEvent) {
        self.cx.schedule(when, Event::Control(ev));
    }

    fn log(&mut self, node: &str, component: &str, line: String) {
        let now = self.cx.now;
        self.cx.record(Kind::Log { host: node.into(), component: component.to_string(), line: line.clone() });
        self.k.logs.push(LogLine { at: now, node: node.to_string(), component: component.to_string(), line });
    }

    /// Handles a timed control-plane event, then reconciles: what the
    /// frequent events change (a pod's readiness, a pod gone, a memberlist
    /// view, the speakers' sync, a Cilium lease) is noted in `k.touched`
    /// and the controllers visit only that; after the others every
    /// controller runs over everything. A `Resync` changes no object: the
    /// controllers that act on a deadline look at the clock on every run
    /// (a Deployment's progress check, Cilium's leases and responders, a
    /// rollout watch), so it touches nothing. Nor does a BGP session's
    /// OPEN: only the BGP reconcile reads the sessions, and it compares
    /// what it reads with what its last pass read. A failed dial to a
    /// BGPPeer nobody answers changes only that dial (its backoff and
    /// generation) and logs a line, which no controller reads (a speaker
    /// retries it for as long as the peer is configured: every node,
    /// every backoff).
    pub fn handle(&mut self, ev: ControlEvent) {
        let now = self.cx.now;
        match &ev {
            ControlEvent::PodUp { .. }
            | ControlEvent::PodGone { .. }
            | ControlEvent::Memberlist { .. }
            | ControlEvent::SpeakerSync
            | ControlEvent::GarpTick { .. }
            | ControlEvent::LeaseTry { .. }
            | ControlEvent::BgpOpen { .. }
            | ControlEvent::BgpDialFailed { .. }
            | ControlEvent::Resync => {}
            _ => self.k.touched.all = true,
        }
        match ev {
            ControlEvent::Reconcile | ControlEvent::Resync => {}
            ControlEvent::PodUp { pod, generation } => {
                let Some(p) = self.k.pods.get_mut(&pod) else { return };
                if p.generation != generation || p.terminating() {
                    return;
                }
                let node_up = p.node.as_ref().and_then(|n| self.k.nodes.get(n)).is_some_and(|n| n.kubelet_up);
                // No container starts in a sandbox without an address: the
                // pod stays ContainerCreating.
                if !node_up || !p.admitted || p.ip.is_none() {
                    return;
                }
                p.phase = PodPhase::Running;
                p.ready = true;
                p.ready_since = Some(now);
                let (name, node) = (p.name.clone(), p.node.clone());
                self.k.touch_pod(&pod);
                self.cx.record(Kind::Pod {
                    pod: name.as_str().into(),
                    node: node.as_deref().map(Into::into),
                    phase: "Running".into(),
                    ready: true,
                    reason: "containers started, readiness probe passed".into(),
                });
                self.k.pod_event(now, &pod, "Normal", "Started", "Started container app".into());
            }
            ControlEvent::PodGone { pod, generation } => {
                let gone = self.k.pods.get(&pod).is_some_and(|p| p.generation == generation && p.terminating());
                if gone {
                    self.pod_gone(&pod, "terminated");
                }
            }
            ControlEvent::NodeMonitor { node, generation } => self.node_monitor(&node, generation),
            ControlEvent::EvictPod { pod, generation } => {
                let due =
                    self.k.pods.get(&pod).filter(|p| p.generation == generation && !p.terminating()).and_then(|p| {
                        let taint = p.node.as_ref().and_then(|n| self.k.nodes.get(n))?.unreachable_since?;
                        p.eviction_due(taint)
                    });
                if due.is_some_and(|d| d <= now) {
                    self.evict_pod(&pod);
                }
            }
            ControlEvent::PodGc { pod, generation } => self.pod_gc(&pod, generation),
            ControlEvent::NodeBooted { node, generation } => self.node_booted(&node, generation),
            ControlEvent::Memberlist { observer, subject, alive } => {
                // A join gossiped to or from a speaker that died or was cut
                // off in the meantime never arrives.
                let reachable = |n: &str| metallb::speaker_alive(self.k, self.hosts, n);
                if alive && !(reachable(&observer) && reachable(&subject)) {
                    return;
                }
                let Some(s) = self.k.speakers.get_mut(&observer) else { return };
                let changed = if alive { s.view.insert(subject.clone()) } else { s.view.remove(&subject) };
                if !changed {
                    // memberlist reports no event for a member it already
                    // knows to be in that state: nothing to reconcile.
                    return;
                }
                self.k.touched.speakers = true;
                if metallb::speaker_alive(self.k, self.hosts, &observer)
                    && self.k.config.load_balancer == LoadBalancerKind::Metallb
                {
                    let addr = self.k.nodes.get(&subject).map(|n| n.ip).unwrap_or(Ipv4Addr::UNSPECIFIED);
                    let line = metallb::memberlist_log_line(now, &subject, addr, alive);
                    self.log(&observer, "speaker", line);
                    // speakerlist.go: every memberlist event forces a sync of all Services.
                    if let Some(s) = self.k.speakers.get_mut(&observer) {
                        s.force_sync = true;
                    }
                }
            }
            ControlEvent::SpeakerSync => {
                self.k.speaker_sync_due = false;
                self.k.touched.announcers = true;
                if self.k.config.announce == AnnounceKind::Bgp {
                    bgp::speakers_sync(self);
                } else {
                    for (node, ip) in metallb::l2_sync(self.k, self.hosts, self.cx) {
                        self.spam(&node, ip);
                    }
                }
            }
            ControlEvent::GarpTick { node, ticker } => {
                // Sends frames only: nothing for the controllers to reconcile.
                self.garp_tick(&node, ticker);
                return;
            }
            ControlEvent::LeaseTry { service, node, generation } => {
                // A try that takes nothing changes nothing to reconcile.
                let Some(service) = self.lease_try(service, node, generation) else { return };
                self.k.touched.services.insert(service);
            }
            ControlEvent::BgpOpen { node, generation } => bgp::open(self, &node, generation),
            ControlEvent::BgpHoldExpired { node, generation } => bgp::hold_expired(self, &node, generation),
            ControlEvent::BgpDialFailed { node, peer, generation } => bgp::dial_failed(self, &node, &peer, generation),
        }
        self.run_controllers();
    }

    /// `SetBalancer` hands the VIP to the announcer's `spamLoop`
    /// (internal/layer2/announcer.go, MetalLB 0.14): it stays in the loop
    /// until 5 s from now. A VIP not already in the loop is sent at once; an
    /// empty loop restarts the speaker's one 1.1 s ticker, whose ticks send
    /// every VIP still in the loop.
    fn spam(&mut self, node: &str, ip: Ipv4Addr) {
        let now = self.cx.now;
        let Some(s) = self.k.speakers.get_mut(node) else { return };
        let first = s.spam.is_empty();
        let fresh = s.spam.insert(ip, now + metallb::GARP_SPAM_FOR).is_none();
        if first {
            s.tickers += 1;
            s.ticker = Some(s.tickers);
            let ticker = s.tickers;
            self.at(now + metallb::GARP_TICK, ControlEvent::GarpTick { node: node.to_string(), ticker });
        }
        if fresh {
            self.gratuitous(node, ip);
        }
    }

    /// One tick of the loop: VIPs past their time leave it, the others are
    /// sent (Go iterates its map at random; here in address order). The
    /// ticker stops when the loop is empty.
    fn garp_tick(&mut self, node: &str, ticker: u64) {
        let now = self.cx.now;
        let Some(s) = self.k.speakers.get_mut(node) else { return };
        if s.ticker != Some(ticker) {
            return;
        }
        s.spam.retain(|_, until| now <= *until);
        let due: Vec<Ipv4Addr> = s.spam.keys().copied().collect();
        if due.is_empty() {
            s.ticker = None;
        } else {
            self.at(now + metallb::GARP_TICK, ControlEvent::GarpTick { node: node.to_string(), ticker });
        }
        for ip in due {
            self.gratuitous(node, ip);
        }
    }

    /// announcer.go `gratuitous`: nothing once the speaker no longer
    /// announces the address.
    fn gratuitous(&mut self, node: &str, ip: Ipv4Addr) {
        let announced = metallb::speaker_alive(self.k, self.hosts, node)
            && self.k.speakers.get(node).is_some_and(|s| s.announcing.values().any(|a| *a == ip));
        if announced {
            self.send_garp(node, ip, &[GarpKind::RequestBroadcast, GarpKind::ReplyBroadcast]);
        }
    }

    /// A terminating pod's containers are gone: the pod object goes.
    fn pod_gone(&mut self, pk: &Key, reason: &str) {
        self.k.touch_pod(pk);
        let Some(p) = self.k.pods.remove(pk) else { return };
        self.cx.record(Kind::Pod {
            pod: p.name.as_str().into(),
            node: p.node.as_deref().map(Into::into),
            phase: "Deleted".into(),
            ready: false,
            reason: reason.into(),
        });
    }

    /// Sends gratuitous ARP for `ip` out of the node's LAN interface.
    pub fn send_garp(&mut self, node: &str, ip: Ipv4Addr, kinds: &[GarpKind]) {
        let Some(h) = self.k.nodes.get(node).map(|n| n.host) else { return };
        let host = &mut self.hosts[h];
        if !host.up {
            return;
        }
        let mac = host.ifaces[0].mac;
        for kind in kinds {
            host.transmit(0, arp::gratuitous(*kind, mac, ip), self.cx);
        }
    }

    // ------------------------------------------------------------------
    // Nodes
    // ------------------------------------------------------------------

    /// The kubelet lost (or regained) contact with the API server.
    pub fn kubelet_down(&mut self, node: &str) {
        let now = self.cx.now;
        let grace = self.k.config.node_monitor_grace;
        let Some(n) = self.k.nodes.get_mut(node) else { return };
        if !n.kubelet_up {
            return;
        }
        n.kubelet_up = false;
        n.generation += 1;
        // The last Lease renewal before contact was lost.
        let since = now.saturating_since(n.created).as_nanos() % KUBELET_LEASE_INTERVAL.as_nanos();
        n.last_heartbeat = now.saturating_sub(Duration::from_nanos(since));
        // The controller notices at its first 5 s check past the grace period.
        let deadline = n.last_heartbeat + grace;
        let period = NODE_MONITOR_PERIOD.as_nanos();
        let check = Instant::from_nanos(deadline.as_nanos().div_ceil(period) * period);
        let generation = n.generation;
        self.at(check.max(now), ControlEvent::NodeMonitor { node: node.to_string(), generation });
    }

    fn node_monitor(&mut self, node: &str, generation: u64) {
        let now = self.cx.now;
        let Some(n) = self.k.nodes.get_mut(node) else { return };
        if n.generation != generation || n.kubelet_up || !n.ready {
            return;
        }
        n.ready = false;
        n.ready_reason = "NodeStatusUnknown".into();
        n.ready_since = now;
        n.unreachable_since = Some(now);
        // `tryUpdateNodeHealth` (pkg/controller/nodelifecycle, Kubernetes
        // 1.34) sets the Ready condition to Unknown, not False.
        self.cx.record(Kind::Node {
            node: node.into(),
            ready: false,
            status: "Unknown",
            reason: "Kubelet stopped posting node status.".into(),
        });
        self.k.event(
            now,
            "default",
            &format!("node/{node}"),
            "Normal",
            "NodeNotReady",
            format!("Node {node} status is now: NodeNotReady"),
        );
        // MarkPodsNotReady: the node's pods stop being ready endpoints.
        for p in self.k.pods.values_mut().filter(|p| p.node.as_deref() == Some(node)) {
            if p.ready {
                p.ready = false;
                p.ready_since = None;
                self.cx.record(Kind::Pod {
                    pod: p.name.as_str().into(),
                    node: Some(node.into()),
                    phase: "Running".into(),
                    ready: false,
                    reason: "node is not ready".into(),
                });
            }
        }
        // The NoExecute taint: the taint eviction controller looks at every
        // pod on the node at once.
        self.evict(node);
    }

    /// The taint eviction controller, when the node is tainted unreachable:
    /// each pod on it goes when its toleration runs out
    /// ([`Pod::eviction_due`](super::cluster::Pod::eviction_due)): at once
    /// without one, never with one that has no `tolerationSeconds`.
    fn evict(&mut self, node: &str) {
        let now = self.cx.now;
        let Some(n) = self.k.nodes.get(node).filter(|n| !n.kubelet_up) else { return };
        let tainted = n.unreachable_since.unwrap_or(now);
        let pods: Vec<(Key, Option<Instant>, u64)> = self
            .k
            .pods
            .values()
            .filter(|p| p.node.as_deref() == Some(node) && !p.terminating())
            .map(|p| (p.key(), p.eviction_due(tainted), p.generation))
            .collect();
        for (pk, due, generation) in pods {
            match due {
                Some(due) if due <= now => self.evict_pod(&pk),
                Some(due) => self.evict_later(&pk, due, generation),
                None => {}
            }
        }
    }

    /// Schedules the eviction of a pod that came to a tainted node after
    /// the taint (once).
    fn evict_later(&mut self, pk: &Key, due: Instant, generation: u64) {
        let Some(p) = self.k.pods.get_mut(pk) else { return };
        if p.evict_at.is_none() {
            p.evict_at = Some(due);
            self.at(due, ControlEvent::EvictPod { pod: pk.clone(), generation });
        }
    }

    fn evict_pod(&mut self, pk: &Key) {
        let now = self.cx.now;
        if !self.k.pods.contains_key(pk) {
            return;
        }
        self.k.pod_event(now, pk, "Normal", "TaintManagerEviction", format!("Marking for deletion Pod {pk}"));
        self.delete_pod(pk);
    }

    /// `gcOrphaned` (pkg/controller/podgc): a pod bound to a node that does
    /// not exist is marked Failed and deleted at once, by the collector's
    /// second pass after it first saw the pod (it waits 40 s in case the
    /// node was only late to appear).
    fn pod_gc(&mut self, pk: &Key, generation: u64) {
        let Some(p) = self.k.pods.get(pk) else { return };
        let orphaned = p.generation == generation && p.node.as_ref().is_some_and(|n| !self.k.nodes.contains_key(n));
        if !orphaned {
            return;
        }
        self.k.touch_pod(pk);
        let p = self.k.pods.remove(pk).expect("checked");
        self.cx.record(Kind::Pod {
            pod: p.name.as_str().into(),
            node: p.node.as_deref().map(Into::into),
            phase: "Deleted".into(),
            ready: false,
            reason: "PodGC: node no longer exists".into(),
        });
    }

    /// A node host powered on: it boots, then its kubelet and agents run.
    pub fn node_powered_on(&mut self, node: &str) {
        let now = self.cx.now;
        if let Some(n) = self.k.nodes.get_mut(node) {
            n.generation += 1;
            let generation = n.generation;
            self.at(now + NODE_BOOT, ControlEvent::NodeBooted { node: node.to_string(), generation });
        }
    }

    fn node_booted(&mut self, node: &str, generation: u64) {
        let now = self.cx.now;
        let up = self.k.nodes.get(node).is_some_and(|n| n.generation == generation && self.hosts[n.host].up);
        if up {
            // Pods deleted while the node was down died with it: the
            // kubelet only confirms they are gone.
            let dead: Vec<Key> = self
                .k
                .pods
                .values()
                .filter(|p| p.node.as_deref() == Some(node) && p.terminating())
                .map(|p| p.key())
                .collect();
            for pk in dead {
                self.pod_gone(&pk, "its node rebooted");
            }
            self.kubelet_up(node);
            // The reboot took every pod's sandbox with it: the kubelet finds
            // none ready, kills what is left of it (the CNI releases its
            // address) and creates a new one (`podSandboxChanged` and
            // `computePodActions`, pkg/kubelet/kuberuntime, Kubernetes 1.34),
            // so the pod comes back under a new address from the node's
            // range, its containers restarted.
            // (Pods bound while the node was down are admitted by reconcile.)
            let pods: Vec<Key> = self
                .k
                .pods
                .values()
                .filter(|p| p.node.as_deref() == Some(node) && p.admitted && !p.terminating())
                .map(|p| p.key())
                .collect();
            for pk in &pods {
                self.k.touch_pod(pk);
                let p = self.k.pods.get_mut(pk).expect("listed");
                p.phase = PodPhase::Pending;
                p.ready = false;
                p.ready_since = None;
                p.restarts += 1;
                p.ip = None;
                let message = "Pod sandbox changed, it will be killed and re-created.".into();
                self.k.pod_event(now, pk, "Normal", "SandboxChanged", message);
            }
            let mut used = None;
            for pk in &pods {
                self.create_sandbox(pk, node, "sandbox re-created after the reboot", &mut used);
            }
            self.agent_started(node);
        }
    }

    /// The kubelet reaches the API server again (boot finished, partition healed).
    pub fn kubelet_up(&mut self, node: &str) {
        let now = self.cx.now;
        let Some(n) = self.k.nodes.get_mut(node) else { return };
        let reconnected = !n.kubelet_up;
        n.kubelet_up = true;
        n.generation += 1;
        n.last_heartbeat = now;
        n.unreachable_since = None;
        for p in self.k.pods.values_mut().filter(|p| p.node.as_deref() == Some(node)) {
            p.evict_at = None;
        }
        if !n.ready {
            n.ready = true;
            n.ready_reason = "KubeletReady".into();
            n.ready_since = now;
            self.cx.record(Kind::Node {
                node: node.into(),
                ready: true,
                status: "True",
                reason: "kubelet is posting ready status".into(),
            });
            self.k.event(
                now,
                "default",
                &format!("node/{node}"),
                "Normal",
                "NodeReady",
                format!("Node {node} status is now: NodeReady"),
            );
        }
        // Pods deleted while the node was away can finish terminating now.
        let terminating: Vec<(Key, u64, Duration)> = self
            .k
            .pods
            .values()
            .filter(|p| p.node.as_deref() == Some(node) && p.terminating())
            .map(|p| (p.key(), p.generation, shutdown(p, p.deletion_grace()).total()))
            .collect();
        for (pk, generation, exit) in terminating {
            self.at(now + exit, ControlEvent::PodGone { pod: pk, generation });
        }
        // Pods that were not ready only because the node was unreachable.
        for p in self
            .k
            .pods
            .values_mut()
            .filter(|p| p.node.as_deref() == Some(node) && p.phase == PodPhase::Running && !p.terminating())
        {
            if !p.ready {
                p.ready = true;
                p.ready_since = Some(now);
            }
        }
        // Pods bound to the node that had not reported Running: their start
        // (lost while the kubelet was cut off) is reported from now on. A
        // kubelet that was never cut off (a heal of a node that was not
        // partitioned) changes nothing.
        if !reconnected {
            return;
        }
        let starting: Vec<Key> = self
            .k
            .pods
            .values()
            .filter(|p| {
                p.node.as_deref() == Some(node)
                    && p.phase == PodPhase::Pending
                    && p.admitted
                    && !p.terminating()
                    && p.ip.is_some()
            })
            .map(|p| p.key())
            .collect();
        for pk in starting {
            let delay = self.start_delay(&pk);
            let p = self.k.pods.get_mut(&pk).expect("listed");
            p.generation += 1;
            let generation = p.generation;
            self.at(now + delay, ControlEvent::PodUp { pod: pk, generation });
        }
    }

    /// How long a pod's containers take to start and pass their readiness
    /// probe: `podStartup` plus the probe's `initialDelaySeconds`.
    fn start_delay(&self, pk: &Key) -> Duration {
        let probe = self.k.pods[pk]
            .spec
            .containers
            .iter()
            .filter_map(|c| c.readiness_probe.as_ref()?.initial_delay_seconds)
            .max()
            .unwrap_or(0);
        self.k.config.pod_startup + Duration::from_secs(probe as u64)
    }

    // ------------------------------------------------------------------
    // Agents: MetalLB speakers, Cilium agents
    // ------------------------------------------------------------------

    /// A node's speaker/agent died or lost the network: peers notice after
    /// the failure-detection time; a partitioned speaker loses them too.
    pub fn agent_lost(&mut self, node: &str, graceful: bool) {
        let now = self.cx.now;
        let delay = if graceful { MEMBERLIST_GOSSIP } else { self.k.config.memberlist_detection };
        let others: Vec<String> = self.k.nodes.keys().filter(|n| *n != node).cloned().collect();
        for o in &others {
            self.at(
                now + delay,
                ControlEvent::Memberlist { observer: o.clone(), subject: node.to_string(), alive: false },
            );
        }
        let cut_off = self.k.nodes.get(node).is_some_and(|n| self.hosts[n.host].up && n.agent_running);
        if cut_off {
            for o in &others {
                self.at(
                    now + delay,
                    ControlEvent::Memberlist { observer: node.to_string(), subject: o.clone(), alive: false },
                );
            }
        }
        // Cilium: a cleanly stopping agent cancels its elections and, with
        // ReleaseOnCancel, empties the leases it holds; a dead or cut-off
        // one just stops renewing them. Either way its retry loops end.
        let held: Vec<Key> =
            self.k.leases.iter().filter(|(_, l)| l.holder.as_deref() == Some(node)).map(|(s, _)| s.clone()).collect();
        for svc in held {
            if graceful {
                self.release_lease(&svc);
            } else {
                let retry = self.k.config.retry_period;
                self.catch_up_electors(&svc);
                let lease = self.k.leases.get_mut(&svc).expect("held");
                lease.renewed = cilium::renew_time(lease, now, retry);
                lease.renewing = false;
                self.plan_electors(&svc);
            }
        }
        for electors in self.k.electors.values_mut() {
            electors.remove(node);
        }
        if let Some(n) = self.k.nodes.get_mut(node) {
            n.agent_generation += 1;
        }
        // A MetalLB speaker that stopped or lost the network keeps nothing:
        // no announcements, no gratuitous-ARP loop.
        if let Some(s) = self.k.speakers.get_mut(node) {
            s.announcing.clear();
            s.spam.clear();
            s.ticker = None;
        }
        let liveness = now + cilium::RESPONDER_LIVENESS;
        let deadline = now + self.k.config.renew_deadline;
        self.at(liveness, ControlEvent::Resync);
        self.at(deadline, ControlEvent::Resync);
        bgp::speaker_lost(self, node, graceful);
    }

    /// A node's speaker/agent (re)started or reconnected: it and every
    /// speaker it can reach join each other. One still powered off, stopped
    /// or cut off stays out: memberlist's join (speakerlist.go `mlJoin`)
    /// only reaches a member that answers, and logs a partial join.
    pub fn agent_started(&mut self, node: &str) {
        let now = self.cx.now;
        let all: Vec<String> =
            self.k.nodes.keys().filter(|o| metallb::speaker_alive(self.k, self.hosts, o)).cloned().collect();
        for o in &all {
            if o != node {
                self.at(
                    now + MEMBERLIST_GOSSIP,
                    ControlEvent::Memberlist { observer: o.clone(), subject: node.to_string(), alive: true },
                );
                self.at(
                    now + MEMBERLIST_GOSSIP,
                    ControlEvent::Memberlist { observer: node.to_string(), subject: o.clone(), alive: true },
                );
            }
        }
        self.agent_running(node);
    }

    /// A node's speaker/agent runs from the scenario's start: it does its
    /// first full sync, but gossips no join. The cluster was up before
    /// t=0, so every speaker's memberlist already holds every node
    /// ([`bootstrap`]), and memberlist reports no event for a member it
    /// already knows: joins scheduled here would be two per ordered pair
    /// of nodes (2N(N-1) events, 79,600 for 200 nodes) that change nothing.
    pub fn agent_running(&mut self, node: &str) {
        let s = self.k.speakers.entry(node.to_string()).or_default();
        s.view.insert(node.to_string());
        // A starting speaker processes every Service (the first full sync).
        s.seen = Default::default();
        s.force_sync = true;
        bgp::speaker_started(self, node);
    }

    // ------------------------------------------------------------------
    // API operations
    // ------------------------------------------------------------------

    /// Deletes a pod with its own grace period (`terminationGracePeriodSeconds`).
    pub fn delete_pod(&mut self, pk: &Key) {
        self.delete_pod_with(pk, None);
    }

    /// Deletes a pod, with `grace` the delete's grace period if it names
    /// one (`kubectl delete --grace-period`), else the pod's own. The API
    /// server removes the object at once when the grace period is 0, or
    /// when the pod was never scheduled (`CheckGracefulDelete`,
    /// pkg/registry/core/pod/strategy.go, Kubernetes 1.34). Otherwise it
    /// turns Terminating: no longer a ready endpoint, but its app keeps
    /// serving (the Ready condition, hence the EndpointSlice's `serving`,
    /// holds) until its process exits after SIGTERM, or is killed (see
    /// [`shutdown`]). On an unreachable node it stays Terminating until the
    /// kubelet is back.
    pub fn delete_pod_with(&mut self, pk: &Key, grace: Option<Duration>) {
        let now = self.cx.now;
        let Some(p) = self.k.pods.get(pk) else { return };
        let grace = grace.unwrap_or_else(|| p.grace());
        // A pod already terminating is only hurried by a grace period of 0
        // (a shorter non-zero one is not modelled).
        if p.terminating() && grace != Duration::ZERO {
            return;
        }
        if p.node.is_none() || grace == Duration::ZERO {
            let reason = if p.node.is_none() { "deleted before it was scheduled" } else { FORCE_DELETED };
            self.pod_gone(pk, reason);
            return;
        }
        self.k.touch_pod(pk);
        let Some(p) = self.k.pods.get_mut(pk) else { return };
        p.deleted_at = Some(now);
        p.deletion_grace_period = Some(grace);
        let generation = p.generation;
        let stop = shutdown(p, grace);
        let exit = stop.exit_after_sigterm;
        let node_up = p.node.as_ref().and_then(|n| self.k.nodes.get(n)).is_some_and(|n| n.kubelet_up);
        let (name, node, ready) = (p.name.clone(), p.node.clone(), p.ready);
        self.cx.record(Kind::Pod {
            pod: name.as_str().into(),
            node: node.as_deref().map(Into::into),
            phase: "Terminating".into(),
            ready,
            reason: match (node_up, ready, stop.pre_stop > Duration::ZERO) {
                (false, ..) => "deleted; Terminating until its node's kubelet is back".to_string(),
                (true, true, false) => format!("deleted; serving until its app exits ({} after SIGTERM)", exit.human()),
                (true, false, false) => format!("deleted; its app exits {} after SIGTERM", exit.human()),
                (true, true, true) => format!(
                    "deleted; serving while its preStop hook runs ({}), then until its app exits ({} after SIGTERM)",
                    stop.pre_stop.human(),
                    exit.human()
                ),
                (true, false, true) => format!(
                    "deleted; its preStop hook runs {}, then its app exits {} after SIGTERM",
                    stop.pre_stop.human(),
                    exit.human()
                ),
            },
        });
        if node_up {
            self.at(now + stop.total(), ControlEvent::PodGone { pod: pk.clone(), generation });
        }
    }

    // ------------------------------------------------------------------
    // Cilium leases
    // ------------------------------------------------------------------

    /// The try of `node`'s elector planned to take the lease (or its
    /// first, which races the other electors of its instant): client-go
    /// `tryAcquireOrRenew`. It creates the lease if there is none, takes it
    /// if nobody holds it or it expired in this elector's own view, else
    /// plans again. Returns the Service when it took the lease.
    ///
    /// Tries that take nothing are not events ([`Elector`]): a large Cilium
    /// cluster has an elector for every Service on every node, each trying
    /// every few seconds, and those tries would be most of its run.
    ///
    /// [`Elector`]: super::cluster::Elector
    fn lease_try(&mut self, service: Key, node: String, generation: u64) -> Option<Key> {
        let now = self.cx.now;
        let retry = self.k.config.retry_period;
        let selected =
            cilium::agent_connected(self.k, self.hosts, &node) && cilium::is_candidate(self.k, &service, &node);
        let electors = self.k.electors.get_mut(&service)?;
        let elector = electors.get_mut(&node).filter(|e| e.generation == generation)?;
        elector.pending = None;
        if !selected {
            electors.remove(&node);
            return None;
        }
        let lease = self.k.leases.get(&service);
        cilium::catch_up(elector, lease, &node, now, retry);
        if !cilium::try_lease(elector, lease, &node, now, retry) {
            elector.next_try = now + cilium::retry_wait(retry, &mut elector.jitter);
            if let Some((at, generation)) = replan(elector, &mut self.k.elector_seq, lease, &node, retry) {
                self.at(at, ControlEvent::LeaseTry { service, node, generation });
            }
            return None;
        }
        if self.acquire_lease(&service, &node) {
            return Some(service);
        }
        // Nothing to announce: the loop stops (as it did before it was lazy).
        if let Some(e) = self.k.electors.get_mut(&service).and_then(|e| e.get_mut(&node)) {
            e.next_try = Instant::MAX;
        }
        None
    }

    /// Before a write to `service`'s lease: its electors make the tries
    /// they were due until now against the record as it stood.
    fn catch_up_electors(&mut self, service: &Key) {
        let (now, retry) = (self.cx.now, self.k.config.retry_period);
        let lease = self.k.leases.get(service);
        for (node, e) in self.k.electors.get_mut(service).into_iter().flatten() {
            cilium::catch_up(e, lease, node, now, retry);
        }
    }

    /// After a write to `service`'s lease: each elector's pending event is
    /// the try it must be woken for as the lease now stands, if any
    /// ([`cilium::wake_at`]); a later write plans again. An event already
    /// pending for that moment stands, so electors started in one instant
    /// still race in the order they started.
    fn plan_electors(&mut self, service: &Key) {
        let retry = self.k.config.retry_period;
        let lease = self.k.leases.get(service);
        let Some(electors) = self.k.electors.get_mut(service) else { return };
        let seq = &mut self.k.elector_seq;
        let due: Vec<(Instant, String, u64)> = electors
            .iter_mut()
            .filter_map(|(node, e)| {
                replan(e, seq, lease, node, retry).map(|(at, generation)| (at, node.clone(), generation))
            })
            .collect();
        for (at, node, generation) in due {
            self.at(at, ControlEvent::LeaseTry { service: service.clone(), node, generation });
        }
    }

    /// `node` takes (or, as the holder coming back, resumes) the lease.
    fn acquire_lease(&mut self, service: &Key, node: &str) -> bool {
        let now = self.cx.now;
        let retry = self.k.config.retry_period;
        let duration = self.k.config.lease_duration;
        let ips = cilium::announced_ips(self.k, service, Some(node));
        if ips.is_empty() {
            return false;
        }
        self.catch_up_electors(service);
        let lease = self.k.leases.entry(service.clone()).or_insert(super::cluster::Lease {
            created: now,
            holder: None,
            acquired: now,
            renewed: now,
            duration,
            transitions: 0,
            term: 0,
            renewing: false,
            renew_since: now,
            writes: 0,
        });
        let fresh = lease.writes == 0;
        let version = cilium::record_version(lease, now, retry);
        if lease.holder.as_deref() != Some(node) {
            if !fresh {
                lease.transitions += 1;
            }
            lease.holder = Some(node.to_string());
            lease.acquired = now;
            lease.term += 1;
        }
        lease.duration = duration;
        lease.renewing = true;
        lease.renewed = now;
        lease.renew_since = now;
        lease.writes = version + 1;
        if let Some(e) = self.k.electors.get_mut(service) {
            e.remove(node);
        }
        self.plan_electors(service);
        let line = cilium::lease_log_line(now, cilium::LeaseLog::Acquired, service);
        self.log(node, "cilium-agent", line);
        // One gratuitous ARP reply (target MAC ff:ff:ff:ff:ff:ff) on takeover,
        // for each address new in the responder's map (`garpOnNewEntry`,
        // pkg/datapath/l2responder/l2responder.go).
        for ip in ips {
            self.send_garp(node, ip, &[GarpKind::ReplyBroadcast]);
        }
        true
    }

    /// client-go `release` (ReleaseOnCancel): the holder writes an empty
    /// holderIdentity with a 1 s lease, keeping leaseTransitions.
    fn release_lease(&mut self, service: &Key) {
        let now = self.cx.now;
        let retry = self.k.config.retry_period;
        self.catch_up_electors(service);
        let Some(lease) = self.k.leases.get_mut(service) else { return };
        let version = cilium::record_version(lease, now, retry);
        lease.holder = None;
        lease.duration = Duration::from_secs(1);
        lease.acquired = now;
        lease.renewed = now;
        lease.renewing = false;
        lease.renew_since = now;
        lease.writes = version + 1;
        lease.term += 1;
        self.plan_electors(service);
    }

    /// Releases a lease whose connected holder is no longer selected, and
    /// runs an elector on every connected candidate that does not hold the
    /// lease (a holder back from a cut-off also retries, to resume).
    /// Electors of one instant start in an order drawn from the seeded RNG:
    /// which agent's first request reaches the API server first is a race.
    ///
    /// What it reads changes with a Service (its addresses and labels, or
    /// its lease changing hands: `touched.services`) or with what the
    /// control loop does not track (policies, nodes, agents, a holder lost:
    /// `touched.all`), so after a tracked event only the touched Services
    /// are visited: a pod coming up leaves every election as it was.
    fn reconcile_leases(&mut self) {
        let now = self.cx.now;
        // A Service with a load-balancer IP or externalIPs may be selected.
        let eligible = |s: &Service| !s.ingress.is_empty() || !s.spec.external_ips.is_empty();
        let svcs: Vec<Key> = if self.k.touched.all {
            self.k.services.values().filter(|s| eligible(s)).map(|s| s.key()).collect()
        } else {
            let services = &self.k.services;
            let (svcs, gone): (Vec<Key>, Vec<Key>) =
                self.k.touched.services.iter().cloned().partition(|key| services.get(key).is_some_and(eligible));
            for svc in gone {
                self.k.electors.remove(&svc);
            }
            svcs
        };
        // In key order (the map's, or the touched set's): a search, not a
        // scan per elector list.
        debug_assert!(svcs.is_sorted());
        if self.k.touched.all {
            self.k.electors.retain(|svc, _| svcs.binary_search(svc).is_ok());
        }
        let mut lists = std::mem::take(&mut self.k.caches.lease_candidates);
        if self.k.touched.all {
            lists.clear();
        }
        let (k, hosts) = (&*self.k, &*self.hosts);
        let selected = cilium::candidates_of_each(k, &svcs, |n| cilium::agent_connected(k, hosts, n), &mut lists);
        self.k.caches.lease_candidates = lists;
        let mut started = Vec::new();
        for (svc, candidates) in svcs.into_iter().zip(selected) {
            let holder = self.k.leases.get(&svc).and_then(|l| l.holder.clone());
            if let Some(h) = &holder
                && cilium::agent_connected(self.k, self.hosts, h)
                && !candidates.contains(h)
            {
                // Alive but no longer selected: its election is cancelled and it gives the lease up.
                self.release_lease(&svc);
            }
            let leading = self.k.leases.get(&svc).filter(|l| l.renewing).and_then(|l| l.holder.clone());
            let electors = self.k.electors.entry(svc.clone()).or_default();
            // Electors of nodes no longer candidates, and the leader's, go.
            // Every pass asks this of every Service's electors, so one walk
            // over both lists (each in name order) finds whether any must,
            // instead of a search of the candidates per elector.
            let mut walk = candidates.iter().peekable();
            let stale = electors.keys().any(|n| {
                while walk.next_if(|c| *c < n).is_some() {}
                walk.peek() != Some(&n) || leading.as_ref() == Some(n)
            });
            if stale {
                electors.retain(|n, _| candidates.contains(n) && leading.as_ref() != Some(n));
            }
            // Every candidate but the leader has an elector already: the
            // usual pass, with nothing to start (the electors are a subset).
            let leader_selected = leading.as_ref().is_some_and(|l| candidates.contains(l));
            if electors.len() + usize::from(leader_selected) == candidates.len() {
                continue;
            }
            let mut starting: Vec<String> = candidates
                .iter()
                .filter(|n| leading.as_ref() != Some(*n) && !electors.contains_key(*n))
                .cloned()
                .collect();
            for i in (1..starting.len()).rev() {
                starting.swap(i, self.cx.rng.index(i + 1));
            }
            // (Every agent starting logs the same line: made once.)
            let line = cilium::lease_log_line(now, cilium::LeaseLog::Attempting, &svc);
            let mut nodes = Vec::with_capacity(starting.len());
            for node in starting {
                self.k.elector_seq += 1;
                let generation = self.k.elector_seq;
                self.log(&node, "cilium-agent", line.clone());
                // wait.JitterUntil calls the function at once, then waits.
                self.at(now, ControlEvent::LeaseTry { service: svc.clone(), node: node.clone(), generation });
                nodes.push((node, generation));
            }
            started.push((svc, nodes));
        }
        // Each loop's jitter stream is seeded once every start order of the
        // pass is drawn (so those orders are what they were when every
        // retry drew from the world's RNG).
        for (svc, nodes) in started {
            let electors = self.k.electors.get_mut(&svc).expect("entry");
            for (node, generation) in nodes {
                let jitter = self.cx.rng.fork();
                let e =
                    super::cluster::Elector { generation, observed: None, next_try: now, pending: Some(now), jitter };
                electors.insert(node, e);
            }
        }
    }

    /// The node whose BPF responder answers for the Service now, if any,
    /// and when the clock alone may change that: its agent's liveness runs
    /// out, or its renew deadline passes.
    fn cilium_responder(&self, svc: &Key) -> (Option<String>, Option<Instant>) {
        let now = self.cx.now;
        let lease = self.k.leases.get(svc);
        let Some((lease, h)) = lease.and_then(|l| Some((l, l.holder.as_ref()?))) else { return (None, None) };
        let Some(n) = self.k.nodes.get(h).filter(|n| self.hosts[n.host].up) else { return (None, None) };
        // The agent must have refreshed its liveness recently...
        let liveness_ends =
            if n.agent_running { None } else { n.agent_stopped_at.map(|t| t + cilium::RESPONDER_LIVENESS) };
        let alive = n.agent_running || liveness_ends.is_some_and(|end| now < end);
        // ...and still believe it leads (it stops after the renew deadline).
        let connected = cilium::agent_connected(self.k, self.hosts, h);
        let deadline = (!connected).then(|| lease.renewed + self.k.config.renew_deadline);
        let leads = connected || deadline.is_some_and(|d| now < d);
        let next = [liveness_ends, deadline].into_iter().flatten().filter(|t| *t > now).min();
        ((alive && leads).then(|| h.clone()), next)
    }

    // ------------------------------------------------------------------
    // Reconcile
    // ------------------------------------------------------------------

    /// Runs every controller over every object and programs the nodes:
    /// after any change the control loop does not track itself (a console
    /// command, a fault, a manifest).
    pub fn reconcile(&mut self) {
        self.k.touched.all = true;
        self.run_controllers();
    }

    /// Runs the controllers over what `k.touched` says changed (see
    /// [`Plane::handle`]), then forgets it. With
    /// [`verify::set`](verify) on, the same reconcile also runs over
    /// everything on a copy, and the two must agree exactly.
    pub(crate) fn run_controllers(&mut self) {
        #[cfg(not(target_arch = "wasm32"))]
        if !self.k.touched.all && verify::enabled() {
            return self.run_verified();
        }
        self.controllers();
        self.k.touched = Default::default();
    }

    /// Every controller in turn, each over what changed (everything when
    /// `k.touched.all`): what it changes is noted for the ones after it.
    fn controllers(&mut self) {
        let now = self.cx.now;
        for _ in 0..MAX_CONTROLLER_PASSES {
            let synced = deployments::sync_deployments(self.k, now);
            for at in synced.wake {
                self.at(at, ControlEvent::Resync);
            }
            let (created, doomed) = deployments::manage_replica_sets(self.k, now, self.cx.rng);
            for pk in &doomed {
                self.delete_pod(pk);
            }
            if !synced.changed && created == 0 && doomed.is_empty() {
                break;
            }
        }
        let bound = workloads::schedule(self.k, now, self.cx.rng);
        self.admit(bound);
        // Sandboxes that got no address: the kubelet retries, and an
        // address freed meanwhile lets them start.
        PodIndex::refresh(self.k);
        let waiting: Vec<(Key, String)> = self
            .k
            .caches
            .pods
            .no_address
            .iter()
            .filter_map(|pk| Some((pk.clone(), self.k.pods[pk].node.clone()?)))
            .filter(|(_, n)| self.k.nodes.get(n).is_some_and(|n| n.kubelet_up))
            .collect();
        for (pk, node) in waiting {
            let cidr = self.k.nodes[&node].pod_cidr;
            if workloads::has_free_pod_ip(self.k, cidr) {
                self.k.touch_pod(&pk);
                self.create_sandbox(&pk, &node, "sandbox created", &mut None);
            }
        }
        services::reconcile_gateways(self.k, now, self.cx.rng);
        services::reconcile_load_balancers(self.k, self.cx);
        services::sync_cilium_ids(self.k);
        endpoints::reconcile_slices(self.k, self.services, self.cx);
        metallb::forget(self.k);
        let announce = self.k.config.announce;
        match (self.k.config.load_balancer, announce) {
            // The speakers' work queues take this instant's changes in one
            // pass, after the other events of the instant.
            (LoadBalancerKind::Metallb, AnnounceKind::L2)
                if !self.k.speaker_sync_due && metallb::l2_sync_pending(self.k, self.hosts) =>
            {
                self.k.speaker_sync_due = true;
                self.at(now, ControlEvent::SpeakerSync);
            }
            (LoadBalancerKind::Cilium, AnnounceKind::L2) => self.reconcile_leases(),
            (_, AnnounceKind::Bgp) => {
                bgp::reconcile(self);
                // The speakers' Service reconciles (their log lines and
                // events) take the instant's changes in one pass too.
                if !self.k.speaker_sync_due && bgp::sync_pending(self) {
                    self.k.speaker_sync_due = true;
                    self.at(now, ControlEvent::SpeakerSync);
                }
            }
            _ => {}
        }
        // The pods changed since the controllers' last look are filed and
        // counted before `touched` is emptied (nothing after changes a pod).
        PodIndex::refresh(self.k);
        deployments::RsCounts::refresh(self.k);
        endpoints::sync_nodes(self.k, self.services, self.hosts);
        let t = &self.k.touched;
        // Cilium's responders also follow the clock (agent liveness, renew
        // deadline): the first pass at or after the moment the last sync
        // said its result could change syncs again.
        let clock = self.k.caches.responders_until.is_none_or(|until| now >= until);
        if t.all || t.announcers || !t.services.is_empty() || clock {
            self.sync_announcers();
        }
        self.poll_rollout_watches();
    }

    /// [`Plane::controllers`] over what changed, checked against the same
    /// over everything on a copy of the cluster, the hosts, the Service
    /// rules, the queue, the RNG and the trace.
    #[cfg(not(target_arch = "wasm32"))]
    fn run_verified(&mut self) {
        let mut k = self.k.clone();
        k.touched = super::cluster::Touched { all: true, ..Default::default() };
        let mut hosts = self.hosts.to_vec();
        let mut services = self.services.clone();
        let mut rng = self.cx.rng.clone();
        let mut queue = self.cx.queue.clone();
        let mut trace = Vec::new();
        let mut cx = Ctx {
            now: self.cx.now,
            step: self.cx.step,
            rng: &mut rng,
            queue: &mut queue,
            trace: &mut trace,
            links: self.cx.links,
        };
        Plane { k: &mut k, hosts: &mut hosts, services: &mut services, cx: &mut cx }.controllers();
        let from = self.cx.trace.len();
        self.controllers();
        self.k.touched = Default::default();
        let at = format!("incremental reconcile at {} (step {})", self.cx.now, self.cx.step);
        assert!(
            self.cx.trace[from..] == trace[..],
            "{at}: trace differs\nincremental: {:#?}\nfull: {:#?}",
            &self.cx.trace[from..],
            trace
        );
        assert!(*self.k == k, "{at}: cluster differs\n{}", verify::diff(&*self.k, &k));
        assert!(
            self.k.caches.pods == PodIndex::of(&self.k.pods),
            "{at}: the pod index differs from the pods filed again\n{}",
            verify::diff(&self.k.caches.pods, &PodIndex::of(&self.k.pods))
        );
        for rs in self.k.replica_sets.keys() {
            let (kept, counted) = (deployments::RsCounts::status(self.k, rs), deployments::rs_status(self.k, rs));
            assert_eq!(kept, counted, "{at}: ReplicaSet {rs}: kept counts differ from the pods counted");
        }
        assert!(*self.services == services, "{at}: Service rules differ\n{}", verify::diff(&*self.services, &services));
        assert!(*self.hosts == hosts[..], "{at}: hosts differ\n{}", verify::diff(&self.hosts.to_vec(), &hosts));
        assert!(*self.cx.rng == rng, "{at}: RNG differs");
        assert!(*self.cx.queue == queue, "{at}: event queue differs");
    }

    /// Starts a `kubectl rollout status` watch (the first line is printed
    /// from the Deployment as it is now); `Err` when it finished at once,
    /// with its output and exit code.
    pub fn watch_rollout(&mut self, mut watch: super::cluster::RolloutWatch) -> Result<(), (String, String, i32)> {
        let Some(d) = self.k.deployments.get(&watch.deployment) else {
            return Err((String::new(), "error: object has been deleted\n".into(), 1));
        };
        match deployments::rollout_status(d, watch.revision) {
            Err(e) => Err((String::new(), format!("error: {e}\n"), 1)),
            Ok((line, true)) => Err((line, String::new(), 0)),
            Ok((line, false)) => {
                watch.seen = watched(d);
                watch.stdout = line;
                if let Some(at) = watch.deadline {
                    self.at(at, ControlEvent::Resync);
                }
                self.k.rollout_watches.push(watch);
                Ok(())
            }
        }
    }

    /// Each watch prints a line when its Deployment changed, and finishes
    /// when the rollout is done, fails, times out or the Deployment goes.
    fn poll_rollout_watches(&mut self) {
        let now = self.cx.now;
        let mut watches = std::mem::take(&mut self.k.rollout_watches);
        watches.retain_mut(|w| {
            let finish = |w: &mut super::cluster::RolloutWatch, stderr: String, exit: i32| Kind::Command {
                host: w.host.as_str().into(),
                cmd: w.cmd.as_str().into(),
                started: w.started,
                stdout: std::mem::take(&mut w.stdout).into(),
                stderr: stderr.into(),
                exit,
                // Errors come after the status lines already printed.
                stderr_first: 0,
            };
            let Some(d) = self.k.deployments.get(&w.deployment) else {
                self.cx.record(finish(w, "error: object has been deleted\n".into(), 1));
                return false;
            };
            let seen = watched(d);
            if seen != w.seen {
                w.seen = seen;
                match deployments::rollout_status(d, w.revision) {
                    Err(e) => {
                        self.cx.record(finish(w, format!("error: {e}\n"), 1));
                        return false;
                    }
                    Ok((line, done)) => {
                        w.stdout.push_str(&line);
                        if done {
                            self.cx.record(finish(w, String::new(), 0));
                            return false;
                        }
                    }
                }
            }
            if w.deadline.is_some_and(|t| now >= t) {
                self.cx.record(finish(w, "error: timed out waiting for the condition\n".into(), 1));
                return false;
            }
            true
        });
        self.k.rollout_watches = watches;
    }

    /// The kubelets admit the pods bound to their node: a sandbox, a pod
    /// IP, and readiness `podStartup` + `initialDelaySeconds` later. Pods
    /// the scheduler just bound come first, in its order; then pods bound
    /// earlier (a `nodeName` in the spec, or a node that was down). A pod
    /// bound to a node whose kubelet is down waits, Pending, with no IP; one
    /// bound to a node that does not exist waits for the pod garbage collector.
    /// A node whose pod CIDR is full admits the pod but its sandbox gets no
    /// address (see [`Self::create_sandbox`]).
    fn admit(&mut self, scheduled: Vec<(Key, String)>) {
        let just: std::collections::BTreeSet<&Key> = scheduled.iter().map(|(pk, _)| pk).collect_set();
        PodIndex::refresh(self.k);
        let mut waiting: Vec<Key> =
            self.k.caches.pods.unadmitted.iter().filter(|pk| !just.contains(pk)).cloned().collect();
        drop(just);
        waiting.stable_sort();
        let by_scheduler = scheduled.len();
        let mut used: Option<std::collections::BTreeSet<Ipv4Addr>> = None;
        for (i, pk) in scheduled.into_iter().map(|(pk, _)| pk).chain(waiting).enumerate() {
            let Some(node) = self.k.pods[&pk].node.clone() else { continue };
            let Some(n) = self.k.nodes.get(&node) else {
                self.orphaned(&pk);
                continue;
            };
            if !n.kubelet_up {
                // A pod that came to an already tainted node has its own
                // toleration clock (the node's Evict covers the others).
                if let Some(taint) = n.unreachable_since {
                    let p = &self.k.pods[&pk];
                    let bound = p.bound_at.unwrap_or(p.created);
                    if bound >= taint
                        && let Some(due) = p.eviction_due(taint)
                    {
                        let due = due.max(self.cx.now + LATE_EVICTION_DELAY);
                        let generation = p.generation;
                        self.evict_later(&pk, due, generation);
                    }
                }
                continue;
            }
            self.k.touch_pod(&pk);
            self.k.pods.get_mut(&pk).expect("bound").admitted = true;
            let how = if i < by_scheduler { "scheduled" } else { "started by the kubelet" };
            self.create_sandbox(&pk, &node, how, &mut used);
        }
    }

    /// The kubelet creates a bound pod's sandbox: the CNI gives it an address
    /// from the node's pod CIDR, then the containers start. Without a free
    /// address the sandbox fails (a FailedCreatePodSandBox event) and the
    /// pod stays ContainerCreating. `used`: the pod IPs in use, when the
    /// caller already collected them.
    fn create_sandbox(
        &mut self,
        pk: &Key,
        node: &str,
        what: &str,
        used: &mut Option<std::collections::BTreeSet<Ipv4Addr>>,
    ) {
        let now = self.cx.now;
        let cidr = self.k.nodes[node].pod_cidr;
        let pinned = self.k.pods[pk].annotations.get("vipsim/pod-ip").cloned();
        let used = used.get_or_insert_with(|| self.k.pods.values().filter_map(|p| p.ip).collect_set());
        let ip = workloads::allocate_pod_ip_among(used, cidr, pinned.as_deref(), self.cx.rng);
        used.extend(ip);
        let delay = self.start_delay(pk);
        let p = self.k.pods.get_mut(pk).expect("bound");
        p.ip = ip;
        p.generation += 1;
        let (generation, name) = (p.generation, p.name.clone());
        self.cx.record(Kind::Pod {
            pod: name.as_str().into(),
            node: Some(node.into()),
            phase: "Pending".into(),
            ready: false,
            reason: format!("{what}, pod IP {}", ip.map(|i| i.to_string()).unwrap_or_else(|| "none".into())),
        });
        match ip {
            Some(_) => self.at(now + delay, ControlEvent::PodUp { pod: pk.clone(), generation }),
            None => self.k.pod_event(
                now,
                pk,
                "Warning",
                "FailedCreatePodSandBox",
                format!(
                    "Failed to create pod sandbox: failed to set up the pod network: no IP addresses available in {node}'s pod CIDR {cidr}"
                ),
            ),
        }
    }

    /// A pod bound to a node that does not exist: the pod garbage
    /// collector, looping every 20 s (taken to tick at multiples of 20 s of
    /// simulated time), queues the node on its first pass after the pod
    /// appeared and deletes the pod 40 s later.
    fn orphaned(&mut self, pk: &Key) {
        let Some(p) = self.k.pods.get_mut(pk) else { return };
        if p.pod_gc_at.is_some() {
            return;
        }
        let period = POD_GC_PERIOD.as_nanos();
        let first = Instant::from_nanos((p.created.as_nanos() / period + 1) * period);
        let at = first + POD_GC_QUARANTINE;
        p.pod_gc_at = Some(at);
        let generation = p.generation;
        self.at(at, ControlEvent::PodGc { pod: pk.clone(), generation });
    }

    /// Installs the ARP responders (who answers for which VIP) on the hosts
    /// and records leadership changes.
    fn sync_announcers(&mut self) {
        // Per Service: the VIP its leader records name, the nodes that
        // answer, by what, and the addresses they answer ARP for.
        type Answering = (Ipv4Addr, Vec<String>, &'static str, Vec<Ipv4Addr>);
        let mut by_service: std::collections::BTreeMap<Key, Answering> = std::collections::BTreeMap::new();
        let cilium_l2 =
            (self.k.config.load_balancer, self.k.config.announce) == (LoadBalancerKind::Cilium, AnnounceKind::L2);
        // Until when what this finds holds, unless something changes.
        let mut until = Instant::MAX;
        for (key, svc) in &self.k.services {
            // Cilium also announces a Service's externalIPs when a policy
            // says so: its VIP is then the first address announced.
            let external = cilium_l2 && !svc.spec.external_ips.is_empty();
            let vip = if external {
                let announced = cilium::announced_ips(self.k, key, None);
                announced
                    .first()
                    .or(svc.ingress.first())
                    .copied()
                    .or_else(|| cilium::external_ips(svc).first().copied())
            } else {
                svc.ingress.first().copied()
            };
            if let Some(ip) = vip {
                by_service.insert(key.clone(), (ip, vec![], "", vec![ip]));
            }
        }
        match (self.k.config.load_balancer, self.k.config.announce) {
            (LoadBalancerKind::Metallb, AnnounceKind::L2) => {
                for (node, s) in &self.k.speakers {
                    if !metallb::speaker_alive(self.k, self.hosts, node) {
                        continue;
                    }
                    for svc in s.announcing.keys() {
                        if let Some(e) = by_service.get_mut(svc) {
                            e.1.push(node.clone());
                            e.2 = "metallb speaker";
                        }
                    }
                }
            }
            (LoadBalancerKind::Cilium, AnnounceKind::L2) => {
                let keys: Vec<Key> = by_service.keys().cloned().collect();
                for svc in keys {
                    let (responder, next) = self.cilium_responder(&svc);
                    until = until.min(next.unwrap_or(Instant::MAX));
                    if let Some(n) = responder {
                        let external = self.k.services.get(&svc).is_some_and(|s| !s.spec.external_ips.is_empty());
                        let ips =
                            if external { cilium::announced_ips(self.k, &svc, Some(n.as_str())) } else { Vec::new() };
                        let e = by_service.get_mut(&svc).expect("listed");
                        // (A holder cut off from the API server keeps
                        // answering for its VIP until the renew deadline,
                        // whatever became of the policies meanwhile.)
                        if !ips.is_empty() {
                            e.3 = ips;
                        }
                        e.1.push(n);
                        e.2 = "cilium l2 responder";
                    }
                }
            }
            _ => {}
        }
        self.k.caches.responders_until = Some(until);
        for host in self.hosts.iter_mut() {
            host.announce.clear();
        }
        for (svc, (_, nodes, by, ips)) in &by_service {
            for n in nodes {
                if let Some(h) = self.k.nodes.get(n).map(|n| n.host) {
                    for ip in ips {
                        self.hosts[h].announce.insert(
                            *ip,
                            crate::net::host::Announcer { by: by.to_string(), service: svc.clone(), ifaces: None },
                        );
                    }
                }
            }
        }
        if self.k.config.announce == AnnounceKind::L2 {
            // Announced Services that have no address any more: nobody
            // answers for what was their VIP on their behalf.
            let unaddressed: Vec<Key> = self
                .k
                .announcers
                .iter()
                .filter(|(svc, nodes)| !nodes.is_empty() && !by_service.contains_key(*svc))
                .map(|(svc, _)| svc.clone())
                .collect();
            // Services without an address that nobody announced leave no entry.
            self.k.announcers.retain(|svc, nodes| !nodes.is_empty() || by_service.contains_key(svc));
            let announcers = &self.k.announcers;
            self.k.announced_vips.retain(|svc, _| announcers.contains_key(svc) || by_service.contains_key(svc));
            for svc in unaddressed {
                let previous = self.k.announcers.remove(&svc).unwrap_or_default();
                let Some(ip) = self.k.announced_vips.remove(&svc) else { continue };
                // (Why the Service left, told as the speakers tell it.)
                let reason = match metallb::Withdrawal::of_gone(self.k, &svc) {
                    metallb::Withdrawal::ServiceDeleted => "the Service was deleted",
                    metallb::Withdrawal::NotLoadBalancer => "the Service is no longer of type LoadBalancer",
                    _ => "the Service has no address any more",
                };
                self.cx.record(Kind::Leader {
                    service: svc,
                    ip,
                    node: None,
                    previous: previous.first().map(|n| n.as_str().into()),
                    reason: reason.into(),
                });
            }
            for (svc, (ip, nodes, ..)) in by_service {
                if !nodes.is_empty() && self.k.announced_vips.get(&svc) != Some(&ip) {
                    self.k.announced_vips.insert(svc.clone(), ip);
                }
                // (Looked at in place: a copy only when it changed.)
                if self.k.announcers.get(&svc).map_or(nodes.is_empty(), |before| *before == nodes) {
                    continue;
                }
                let before = self.k.announcers.get(&svc).cloned().unwrap_or_default();
                let reason = match (before.is_empty(), nodes.is_empty()) {
                    (true, false) => "elected",
                    (false, true) => "no node announces it",
                    _ if nodes.len() > 1 => "several nodes announce it (split brain)",
                    _ => "leader changed",
                };
                self.cx.record(Kind::Leader {
                    service: svc.clone(),
                    ip,
                    node: nodes.first().map(|n| n.as_str().into()),
                    previous: before.first().map(|n| n.as_str().into()),
                    reason: reason.into(),
                });
                self.k.announcers.insert(svc, nodes);
            }
        }
    }
}

/// An elector's pending try after its lease or its own loop changed: the
/// moment [`cilium::wake_at`] gives, as a new event (its time and a new
/// generation, which retires the old one), unless the event pending is
/// already for that moment, which then keeps its place among the events
/// of its instant.
fn replan(
    e: &mut super::cluster::Elector,
    seq: &mut u64,
    lease: Option<&super::cluster::Lease>,
    node: &str,
    retry: Duration,
) -> Option<(Instant, u64)> {
    let at = cilium::wake_at(e, lease, node, retry);
    if at == e.pending {
        return None;
    }
    *seq += 1;
    e.generation = *seq;
    e.pending = at;
    Some((at?, e.generation))
}

/// Checking incremental reconciles against full ones (tests, and
/// `VIPSIM_VERIFY_RECONCILE=1` for any native run).
#[cfg(not(target_arch = "wasm32"))]
pub mod verify {
    use std::cell::Cell;

    thread_local! {
        static ON: Cell<Option<bool>> = const { Cell::new(None) };
    }

    /// Turns the check on or off for this thread.
    pub fn set(on: bool) {
        ON.with(|c| c.set(Some(on)));
    }

    pub fn enabled() -> bool {
        ON.with(|c| match c.get() {
            Some(on) => on,
            None => {
                let on = std::env::var_os("VIPSIM_VERIFY_RECONCILE").is_some_and(|v| v != "0");
                c.set(Some(on));
                on
            }
        })
    }

    /// The first lines where two values' debug forms differ.
    pub fn diff<T: std::fmt::Debug>(a: &T, b: &T) -> String {
        let (a, b) = (format!("{a:#?}"), format!("{b:#?}"));
        let (a, b): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
        let first = a.iter().zip(&b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
        let from = first.saturating_sub(12);
        format!(
            "incremental:\n{}\nfull:\n{}",
            a[from..(first + 6).min(a.len())].join("\n"),
            b[from..(first + 6).min(b.len())].join("\n")
        )
    }
}

/// What a watch on a Deployment notices changing: its spec, metadata and status.
fn watched(d: &super::cluster::Deployment) -> String {
    serde_json::to_string(&(d.generation, &d.meta, &d.status)).unwrap_or_default()
}

/// How long after SIGTERM a pod's app exits on its own:
/// [`APP_EXIT_AFTER_SIGTERM`], or netexec's `--delay-shutdown`.
pub fn app_exit_after_sigterm(p: &super::cluster::Pod) -> Duration {
    match p.app {
        crate::net::apps::App::Netexec => p
            .spec
            .containers
            .first()
            .and_then(|c| {
                c.args.iter().chain(&c.command).enumerate().find_map(|(i, a)| {
                    let all: Vec<&String> = c.args.iter().chain(&c.command).collect();
                    let v = a
                        .strip_prefix("--delay-shutdown=")
                        .or(a.strip_prefix("-delay-shutdown="))
                        .map(String::from)
                        .or_else(|| {
                            (a == "--delay-shutdown" || a == "-delay-shutdown")
                                .then(|| all.get(i + 1).map(|s| s.to_string()))
                                .flatten()
                        })?;
                    v.parse::<u64>().ok().map(Duration::from_secs)
                })
            })
            .unwrap_or(APP_EXIT_AFTER_SIGTERM),
        _ => APP_EXIT_AFTER_SIGTERM,
    }
}

/// Why a pod deleted with a grace period of 0 is gone at once.
pub const FORCE_DELETED: &str =
    "deleted with grace period 0: gone from the API at once, its containers may still run on the node";

/// The shortest time the kubelet leaves a container between SIGTERM and
/// SIGKILL (`minimumGracePeriodInSeconds`, pkg/kubelet/kuberuntime).
pub const MINIMUM_GRACE: Duration = Duration::from_secs(2);

/// How a pod's containers stop once its kubelet kills them with a grace
/// period, as `killContainer` does (pkg/kubelet/kuberuntime/
/// kuberuntime_container.go, Kubernetes 1.34): the preStop hook first, for
/// at most the grace period (`executePreStopHook`, which counts the time
/// it took in whole seconds); then SIGTERM, with what is left of the grace
/// period before SIGKILL, but never less than [`MINIMUM_GRACE`]. The app
/// exits on its own at its shutdown time after SIGTERM, or is killed.
/// Until then the pod's Ready condition holds: its endpoint is serving and
/// terminating, and what announces from it (a Local policy's node) stays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shutdown {
    /// From the kill to SIGTERM: how long the preStop hook ran.
    pub pre_stop: Duration,
    /// From SIGTERM to SIGKILL.
    pub kill_after: Duration,
    /// From SIGTERM to the app's exit (by itself, or SIGKILL).
    pub exit_after_sigterm: Duration,
}

impl Shutdown {
    /// From the kill to the containers' exit: then the pod object goes.
    pub fn total(&self) -> Duration {
        self.pre_stop + self.exit_after_sigterm
    }
}

/// The kubelet's shutdown of `p` with `grace` (the pod's deletion grace
/// period, else its `terminationGracePeriodSeconds`).
pub fn shutdown(p: &super::cluster::Pod, grace: Duration) -> Shutdown {
    let pre_stop = if grace > Duration::ZERO { p.pre_stop().min(grace) } else { Duration::ZERO };
    let counted = Duration::from_secs(pre_stop.as_secs());
    let kill_after = grace.saturating_sub(counted).max(MINIMUM_GRACE);
    Shutdown { pre_stop, kill_after, exit_after_sigterm: app_exit_after_sigterm(p).min(kill_after) }
}

/// Initial control-plane state once the nodes are registered: speakers
/// know each other, and the first reconcile is due at t=0.
pub fn bootstrap(k: &mut Cluster) {
    let names: Vec<String> = k.nodes.keys().cloned().collect();
    for n in &names {
        let s = k.speakers.entry(n.clone()).or_default();
        s.view = names.iter().cloned().collect_set();
    }
}
