//! The engine benchmark's world, shared by `./dev bench` natively and the
//! browser benchmark (`tests/web.rs`, run by `./dev bench` in headless
//! Chromium): a LAN of `hosts` hosts, half of them servers (http-echo on
//! :80), half clients each curling "its" server once a second, spread over
//! the second, for `seconds` simulated seconds. Steady ARP and TCP traffic
//! through the engine, the switch and the hosts' stacks, no control plane.
//! Timing is the caller's: the core has no clock.

use crate::engine::trace::Record;
use crate::k8s::cluster::{Cluster, ClusterConfig};
use crate::net::Cidr;
use crate::net::apps::App;
use crate::net::build::LanBuilder;
use crate::net::host::{Datapath, PodNet, Role};
use crate::net::neighbor::NeighborConfig;
use crate::net::switch::DEFAULT_MAC_AGING;
use crate::scenario::spec::{RunStep, Step, StepAction};
use crate::sim::action::Script;
use crate::sim::{DatapathConfig, World};
use crate::time::{Duration, Instant};
use std::net::{Ipv4Addr, SocketAddrV4};

/// The benchmark's LAN, its timeline scheduled.
pub fn synthetic_lan(hosts: usize, seconds: u64) -> World {
    let mut lan = LanBuilder::new("switch", DEFAULT_MAC_AGING);
    let base = u32::from(Ipv4Addr::new(10, 1, 0, 0));
    for i in 0..hosts {
        let ip = Ipv4Addr::from(base + 1 + i as u32);
        let role = if i % 2 == 0 { Role::Node } else { Role::Client };
        let name = format!("h{i}");
        let id = lan.lan_host(
            &name,
            role,
            Cidr::new(ip, 16),
            crate::wire::Mac::derived_from(&name),
            NeighborConfig::linux(),
        );
        if role == Role::Node {
            let host = lan.host_mut(id);
            host.node
                .as_mut()
                .expect("node")
                .pods
                .insert(ip, PodNet { name: name.as_str().into(), app: App::HttpEcho { text: "ok".into() } });
            host.listeners.insert(SocketAddrV4::new(ip, 80));
        }
    }
    // Each client curls its server every second, offsets spreading the clients over the second.
    let timeline = (1..hosts)
        .step_by(2)
        .map(|i| Step {
            name: None,
            at: Duration::from_millis((i as u64 * 7) % 1000),
            every: Some(Duration::from_secs(1)),
            until: Some(Duration::from_secs(seconds)),
            action: StepAction::Run(RunStep {
                host: format!("h{i}"),
                cmd: format!("curl -s -m 1 http://{}/", Ipv4Addr::from(base + i as u32)),
            }),
            translations: Default::default(),
        })
        .collect();
    let script = Script { timeline, manifests: vec![], duration: Duration::from_secs(seconds) };
    let mut world = World::new(
        lan.finish(),
        1,
        DatapathConfig { kind: Datapath::Iptables, strict_arp: false },
        Cluster::new(ClusterConfig::default()),
        script,
    );
    world.schedule_timeline();
    world
}

/// Runs `world` to `seconds`; keeps the trace or drops each step's records.
/// Returns the events computed and the trace records written.
pub fn run_engine(world: &mut World, seconds: u64, keep_trace: bool) -> (u64, usize) {
    let end = Instant::from_secs(seconds);
    let mut trace: Vec<Record> = Vec::new();
    let mut records = 0;
    while world.next_time().is_some_and(|t| t <= end) {
        super::drive::step(world, &mut trace);
        if !keep_trace {
            records += trace.len();
            trace.clear();
        }
    }
    (world.steps, if keep_trace { trace.len() } else { records })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The benchmark measures real traffic: every client's curls are
    /// answered (a broken LAN would make a fast, meaningless benchmark).
    #[test]
    fn the_benchmark_lan_carries_every_curl() {
        let mut world = synthetic_lan(20, 3);
        let (events, records) = run_engine(&mut world, 3, true);
        assert!(events > 500, "{events} events");
        assert!(records > 0);
        let mut w = synthetic_lan(20, 3);
        let mut trace = Vec::new();
        while w.next_time().is_some_and(|t| t <= Instant::from_secs(3)) {
            crate::play::drive::step(&mut w, &mut trace);
        }
        let done: Vec<i32> = trace
            .iter()
            .filter_map(|r| match &r.kind {
                crate::engine::trace::Kind::Command { exit, .. } => Some(*exit),
                _ => None,
            })
            .collect();
        // Ten clients, curls at 0-2 s finished by 3 s: all answered.
        assert!(done.len() >= 20, "{} curls finished", done.len());
        assert!(done.iter().all(|e| *e == 0), "{done:?}");
    }
}
