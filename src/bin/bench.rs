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
//!
//! `--scale` instead prints how the cost grows with the cluster: a
//! scenario a workshop could write (MetalLB L2, iptables, one Deployment of
//! 5 pods per node behind nodes/2 LoadBalancer Services, one client behind
//! the router curling a VIP every second) at 25, 50, 100 and 200 nodes,
//! each row's wall time, events per second and its ratio to the row
//! before. A row that runs past `--limit S` wall seconds (default 60) is
//! stopped and reported as such, so the table always finishes.

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
    use vipsim::k8s::cluster::{Cluster, ClusterConfig};
    use vipsim::net::Cidr;
    use vipsim::net::apps::App;
    use vipsim::net::build::LanBuilder;
    use vipsim::net::host::{Datapath, PodNet, Role};
    use vipsim::net::neighbor::NeighborConfig;
    use vipsim::net::switch::DEFAULT_MAC_AGING;
    use vipsim::play::run::{Run, SNAPSHOT_EVERY};
    use vipsim::scenario::spec::{RunStep, Step, StepAction};
    use vipsim::sim::action::Script;
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
        let config = ClusterConfig::default();
        // Each client curls its server every second, offsets spreading the clients over the second.
        let timeline = (1..HOSTS)
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
            vipsim::play::drive::step(&mut world, &mut trace);
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

    /// The `--scale` scenario as a user would write it: YAML text through
    /// the loader, so the bench measures what a pasted scenario costs.
    pub fn scale_scenario(nodes: usize, seconds: u64) -> String {
        let (pods, services) = (nodes * 5, (nodes / 2).max(1));
        let mut y = format!(
            "apiVersion: vipsim/v1\nkind: Scenario\nmetadata:\n  name: scale-{nodes}\n  title: {nodes} nodes\n\
             spec:\n  duration: {seconds}s\n  cluster:\n    loadBalancer: metallb\n    announce: l2\n    \
             datapath: iptables\n  hosts:\n  - name: router\n    role: router\n    ip: 10.10.0.1/16\n  \
             - name: client\n    role: client\n    ip: 172.16.0.5/24\n    behind: router\n"
        );
        for i in 0..nodes {
            y += &format!("  - name: worker-{i}\n    role: node\n    ip: 10.10.{}.{}/16\n", 1 + i / 200, 1 + i % 200);
        }
        y += "  timeline:\n  - at: 5s\n    every: 1s\n    run: { host: client, cmd: \"curl -s -m 1 -o /dev/null \
              -w 'HTTP %{http_code}\\\\n' http://10.10.250.0/\" }\n";
        y += "---\napiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: pool\n  \
              namespace: metallb-system\nspec:\n  addresses:\n  - 10.10.250.0/24\n";
        y += "---\napiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata:\n  name: lan\n  \
              namespace: metallb-system\n";
        y += &format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: {pods}\n  \
             selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        \
             app: web\n    spec:\n      containers:\n      - name: echo\n        image: hashicorp/http-echo\n        \
             args: [\"-text=hi\", \"-listen=:8080\"]\n        ports:\n        - containerPort: 8080\n"
        );
        for s in 0..services {
            y += &format!(
                "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web-{s}\nspec:\n  type: LoadBalancer\n  \
                 selector:\n    app: web\n  ports:\n  - port: 80\n    targetPort: 8080\n"
            );
        }
        y
    }

    /// One row of the growth table: events computed and wall seconds, or
    /// `None` for the events when the row ran past `limit` and was stopped.
    fn scale_row(nodes: usize, seconds: u64, limit: f64) -> (u64, f64, bool) {
        let yaml = scale_scenario(nodes, seconds);
        let scenario = vipsim::scenario::load::load("scale.yaml", &yaml).unwrap_or_else(|d| {
            panic!("the scale scenario must load: {}", d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("; "))
        });
        let start = Wall::now();
        let mut trace = Vec::new();
        let mut world = vipsim::play::build::build(&scenario, None, &mut trace).expect("the scale scenario builds");
        let end = Instant::from_secs(seconds);
        while world.next_time().is_some_and(|t| t <= end) {
            vipsim::play::drive::step(&mut world, &mut trace);
            if world.steps.is_multiple_of(16) && start.elapsed().as_secs_f64() > limit {
                return (world.steps, start.elapsed().as_secs_f64(), false);
            }
        }
        (world.steps, start.elapsed().as_secs_f64(), true)
    }

    fn scale(seconds: u64, limit: f64, sizes: &[usize]) {
        println!("vipsim bench --scale ({seconds} simulated seconds per row, rows stopped after {limit:.0} s wall)");
        println!(
            "  {:>5} {:>5} {:>8} {:>10} {:>10} {:>12} {:>8}",
            "nodes", "pods", "Services", "events", "wall s", "events/s", "ratio"
        );
        let mut previous: Option<f64> = None;
        for &nodes in sizes {
            let (events, secs, finished) = scale_row(nodes, seconds, limit);
            let ratio = match previous {
                Some(p) if finished => format!("{:.2}x", secs / p),
                Some(_) => ">".into(),
                None => "".into(),
            };
            let wall = if finished { format!("{secs:.2}") } else { format!("> {secs:.0} (stopped)") };
            println!(
                "  {:>5} {:>5} {:>8} {:>10} {:>10} {:>12.0} {:>8}",
                nodes,
                nodes * 5,
                (nodes / 2).max(1),
                events,
                wall,
                events as f64 / secs,
                ratio
            );
            if !finished {
                println!("  (larger rows skipped: this one did not finish)");
                return;
            }
            previous = Some(secs);
        }
    }

    fn flag<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
        match args.iter().position(|a| a == name).map(|i| args.get(i + 1).map(|n| n.parse())) {
            None => default,
            Some(Some(Ok(n))) => n,
            _ => {
                eprintln!(
                    "usage: vipsim-bench [--engine-only] [--seconds N]  (N simulated seconds, default 600)\n       \
                     vipsim-bench --scale [--seconds N] [--limit S]  (S wall seconds per row, default 60)"
                );
                std::process::exit(2);
            }
        }
    }

    pub fn run() {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let engine_only = args.iter().any(|a| a == "--engine-only");
        let seconds: u64 = flag(&args, "--seconds", 600).max(1);
        if args.iter().any(|a| a == "--scale") {
            let sizes: Vec<usize> = match args.iter().position(|a| a == "--nodes") {
                Some(i) => {
                    args.get(i + 1).map(|l| l.split(',').filter_map(|n| n.parse().ok()).collect()).unwrap_or_default()
                }
                None => vec![25, 50, 100, 200],
            };
            return scale(seconds, flag(&args, "--limit", 60.0), &sizes);
        }
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
