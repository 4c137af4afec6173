//! `./dev bench`: prints simulation speed and time-travel latency figures.
//! Figures, not assertions: timings on shared machines are noisy, so the
//! numbers to compare are ratios measured in the same run.
//!
//! 1. Events per second on a synthetic LAN of 200 hosts with steady ARP and
//!    TCP traffic (every client curls a server once a second) over 10
//!    simulated minutes, with and without keeping the trace.
//! 2. Worst-case step-back latency: seeking backwards across a 10-minute
//!    run of each shipped scenario, from the end to the step just before
//!    each snapshot boundary (the longest replay).
//!
//! For profilers (`valgrind --tool=callgrind`, `perf`): `--engine-only`
//! runs only part 1 with the trace discarded, `--seconds N` shortens it.

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    bench::run();
}

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod bench {
    use std::net::{Ipv4Addr, SocketAddrV4};
    use std::rc::Rc;
    use std::time::Instant as Wall;
    use vipsim::k8s::apps::App;
    use vipsim::k8s::cluster::{Cluster, ClusterConfig};
    use vipsim::net::Cidr;
    use vipsim::net::build::LanBuilder;
    use vipsim::net::host::{Datapath, PodNet, Role};
    use vipsim::net::neighbor::NeighborConfig;
    use vipsim::net::switch::DEFAULT_MAC_AGING;
    use vipsim::scenario::spec::{ClusterSpec, RunStep, Step};
    use vipsim::sim::action::Script;
    use vipsim::sim::timeline::{Run, SNAPSHOT_EVERY};
    use vipsim::sim::{DatapathConfig, World};
    use vipsim::time::{Duration, Instant};

    const HOSTS: usize = 200;

    /// 100 servers (hosts running http-echo on :80) and 100 clients, each
    /// client curling "its" server every second.
    fn synthetic_lan(seconds: u64) -> World {
        let mut lan = LanBuilder::new("switch", DEFAULT_MAC_AGING);
        let base = u32::from(Ipv4Addr::new(10, 1, 0, 0));
        for i in 0..HOSTS {
            let ip = Ipv4Addr::from(base + 1 + i as u32);
            let role = if i % 2 == 0 { Role::Node } else { Role::Client };
            let name = format!("h{i}");
            let id = lan.lan_host(
                &name,
                role,
                Cidr::new(ip, 16),
                vipsim::wire::Mac::derived_from(&name),
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
        let config = ClusterConfig::from_spec(&ClusterSpec::default()).expect("defaults");
        // Each client curls its server every second, offsets spreading the clients over the second.
        let timeline = (1..HOSTS)
            .step_by(2)
            .map(|i| Step {
                name: None,
                at: Duration::from_millis((i as u64 * 7) % 1000),
                every: Some(Duration::from_secs(1)),
                until: Some(Duration::from_secs(seconds)),
                run: Some(RunStep {
                    host: format!("h{i}"),
                    cmd: format!("curl -s -m 1 http://{}/", Ipv4Addr::from(base + i as u32)),
                }),
                apply: None,
                delete: None,
                fault: None,
                note: None,
                translations: Default::default(),
            })
            .collect();
        let script = Script { timeline, manifests: vec![], duration: Duration::from_secs(seconds) };
        let mut world = World::new(
            lan.finish(),
            1,
            DatapathConfig { kind: Datapath::Iptables, strict_arp: false },
            Cluster::new(config),
            script,
        );
        world.schedule_timeline();
        world
    }

    fn events_per_second(seconds: u64, keep_trace: bool) -> (u64, f64, usize) {
        let mut world = synthetic_lan(seconds);
        let end = Instant::from_secs(seconds);
        let mut trace = Vec::new();
        let mut records = 0;
        let start = Wall::now();
        while world.next_time().is_some_and(|t| t <= end) {
            world.step(&mut trace);
            if !keep_trace {
                records += trace.len();
                trace.clear();
            }
        }
        let secs = start.elapsed().as_secs_f64();
        (world.steps, secs, if keep_trace { trace.len() } else { records })
    }

    fn step_back(id: &str) -> Option<(u64, f64, f64)> {
        let shipped = vipsim::catalog::find(id)?;
        let scenario = vipsim::scenario::load::load(shipped.file, shipped.yaml).ok()?;
        let mut run = Run::new(Rc::new(scenario), None, None, Some(Duration::from_secs(600))).ok()?;
        let len = run.len();
        let mut worst: f64 = 0.0;
        let mut total = 0.0;
        let mut n = 0;
        // Worst case: land just before the next snapshot, replaying SNAPSHOT_EVERY-1 events.
        let mut target = len.saturating_sub(1);
        while target > 0 {
            run.seek(len);
            let t0 = Wall::now();
            run.seek(target);
            let dt = t0.elapsed().as_secs_f64() * 1000.0;
            worst = worst.max(dt);
            total += dt;
            n += 1;
            target = target.saturating_sub(SNAPSHOT_EVERY * 7 + 13);
        }
        Some((len, worst, total / n.max(1) as f64))
    }

    pub fn run() {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let engine_only = args.iter().any(|a| a == "--engine-only");
        let seconds = match args.iter().position(|a| a == "--seconds").map(|i| args.get(i + 1).map(|n| n.parse())) {
            None => 600,
            Some(Some(Ok(n))) if n > 0 => n,
            _ => {
                eprintln!("usage: vipsim-bench [--engine-only] [--seconds N]  (N simulated seconds, default 600)");
                std::process::exit(2);
            }
        };
        println!("vipsim bench ({HOSTS} hosts, {seconds} simulated seconds)");
        let (steps, secs, records) = events_per_second(seconds, false);
        println!(
            "  engine, trace discarded: {steps} events in {secs:.2} s = {:.2} M events/s ({records} trace records)",
            steps as f64 / secs / 1e6
        );
        if engine_only {
            return;
        }
        let (steps, secs, records) = events_per_second(seconds, true);
        println!(
            "  engine, trace kept:      {steps} events in {secs:.2} s = {:.2} M events/s ({records} trace records)",
            steps as f64 / secs / 1e6
        );
        println!("step back (10-minute runs of the shipped scenarios, snapshot every {SNAPSHOT_EVERY} steps):");
        for s in vipsim::catalog::shipped() {
            match step_back(&s.id) {
                Some((len, worst, mean)) => {
                    println!("  {:<28} {len:>8} steps  worst {worst:.2} ms  mean {mean:.2} ms", s.id)
                }
                None => println!("  {:<28} could not be run", s.id),
            }
        }
    }
}
