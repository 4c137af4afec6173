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
//! runs only part 1 with the trace discarded (`--keep-trace`: kept),
//! `--seconds N` shortens it.
//!
//! `--scale` instead prints how the cost grows with the cluster: a
//! scenario a workshop could write (MetalLB L2, iptables, one Deployment of
//! 5 pods per node behind nodes/2 LoadBalancer Services, one client behind
//! the router curling a VIP every second) at 25, 50, 100 and 200 nodes,
//! each row's wall time, events per second and its ratio to the row
//! before. A row that runs past `--limit S` wall seconds (default 60) is
//! stopped and reported as such, so the table always finishes. `--nodes
//! A,B,..` picks the sizes; `--kinds` also counts each row's events by
//! kind (frames by protocol, control-plane timers by name), to tell more
//! events from more work per event. `--setup` picks how the VIPs are
//! announced: `metallb-l2` (the default, above), `metallb-bgp` (the
//! router peers with every node's speaker and installs the routes) or
//! `cilium-l2` (Cilium LB IPAM, eBPF, an L2 announcement policy: every
//! node's agent runs an election per Service).

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    bench::run();
}

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod bench {
    use std::collections::BTreeMap;
    use std::rc::Rc;
    use std::time::Instant as Wall;
    use vipsim::engine::Event;
    use vipsim::play::run::{Run, SNAPSHOT_EVERY};
    use vipsim::time::{Duration, Instant};

    const HOSTS: usize = 200;

    fn events_per_second(seconds: u64, keep_trace: bool) -> (u64, f64, usize) {
        let mut world = vipsim::play::bench::synthetic_lan(HOSTS, seconds);
        let start = Wall::now();
        let (steps, records) = vipsim::play::bench::run_engine(&mut world, seconds, keep_trace);
        (steps, start.elapsed().as_secs_f64(), records)
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

    /// How the `--scale` scenario's VIPs are announced (`--setup`).
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub enum Setup {
        MetallbL2,
        MetallbBgp,
        CiliumL2,
    }

    impl std::str::FromStr for Setup {
        type Err = String;
        fn from_str(s: &str) -> Result<Setup, String> {
            match s {
                "metallb-l2" => Ok(Setup::MetallbL2),
                "metallb-bgp" => Ok(Setup::MetallbBgp),
                "cilium-l2" => Ok(Setup::CiliumL2),
                other => Err(format!("unknown setup {other}")),
            }
        }
    }

    impl Setup {
        fn name(self) -> &'static str {
            match self {
                Setup::MetallbL2 => "MetalLB L2, iptables",
                Setup::MetallbBgp => "MetalLB BGP, iptables",
                Setup::CiliumL2 => "Cilium LB IPAM and L2 announcements, eBPF",
            }
        }
    }

    /// The `--scale` scenario as a user would write it: YAML text through
    /// the loader, so the bench measures what a pasted scenario costs.
    pub fn scale_scenario(nodes: usize, seconds: u64, setup: Setup) -> String {
        let (pods, services) = (nodes * 5, (nodes / 2).max(1));
        let (load_balancer, announce, datapath, router_asn) = match setup {
            Setup::MetallbL2 => ("metallb", "l2", "iptables", ""),
            Setup::MetallbBgp => ("metallb", "bgp", "iptables", "    asn: 64500\n"),
            Setup::CiliumL2 => ("cilium", "l2", "ebpf", ""),
        };
        // The default pod CIDR (a /16) has a /24 for 256 nodes; a larger
        // cluster takes a /12, as its author would have to.
        let pod_cidr = if nodes > 256 { "    podCIDR: 10.240.0.0/12\n" } else { "" };
        let mut y = format!(
            "apiVersion: vipsim/v1\nkind: Scenario\nmetadata:\n  name: scale-{nodes}\n  title: {nodes} nodes\n\
             spec:\n  duration: {seconds}s\n  cluster:\n    loadBalancer: {load_balancer}\n    announce: {announce}\n    \
             datapath: {datapath}\n{pod_cidr}  hosts:\n  - name: router\n    role: router\n    ip: 10.10.0.1/16\n{router_asn}  \
             - name: client\n    role: client\n    ip: 172.16.0.5/24\n    behind: router\n"
        );
        for i in 0..nodes {
            y += &format!("  - name: worker-{i}\n    role: node\n    ip: 10.10.{}.{}/16\n", 1 + i / 200, 1 + i % 200);
        }
        y += "  timeline:\n  - at: 5s\n    every: 1s\n    run: { host: client, cmd: \"curl -s -m 1 -o /dev/null \
              -w 'HTTP %{http_code}\\\\n' http://10.10.250.0/\" }\n";
        match setup {
            Setup::MetallbL2 | Setup::MetallbBgp => {
                y += "---\napiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: pool\n  \
                      namespace: metallb-system\nspec:\n  addresses:\n  - 10.10.250.0/24\n";
            }
            Setup::CiliumL2 => {
                y += "---\napiVersion: cilium.io/v2\nkind: CiliumLoadBalancerIPPool\nmetadata:\n  name: pool\n\
                      spec:\n  blocks:\n  - start: 10.10.250.0\n    stop: 10.10.250.255\n";
            }
        }
        y += match setup {
            Setup::MetallbL2 => {
                "---\napiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata:\n  name: lan\n  \
                 namespace: metallb-system\n"
            }
            Setup::MetallbBgp => {
                "---\napiVersion: metallb.io/v1beta2\nkind: BGPPeer\nmetadata:\n  name: router\n  \
                 namespace: metallb-system\nspec:\n  myASN: 64512\n  peerASN: 64500\n  peerAddress: 10.10.0.1\n\
                 ---\napiVersion: metallb.io/v1beta1\nkind: BGPAdvertisement\nmetadata:\n  name: lan\n  \
                 namespace: metallb-system\n"
            }
            Setup::CiliumL2 => {
                "---\napiVersion: cilium.io/v2alpha1\nkind: CiliumL2AnnouncementPolicy\nmetadata:\n  name: lan\n\
                 spec:\n  loadBalancerIPs: true\n  interfaces:\n  - ^eth[0-9]+\n"
            }
        };
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
    fn scale_row(
        nodes: usize,
        seconds: u64,
        limit: f64,
        setup: Setup,
        kinds: &mut Option<BTreeMap<String, u64>>,
    ) -> (u64, f64, bool) {
        let yaml = scale_scenario(nodes, seconds, setup);
        let scenario = vipsim::scenario::load::load("scale.yaml", &yaml).unwrap_or_else(|d| {
            panic!("the scale scenario must load: {}", d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("; "))
        });
        let start = Wall::now();
        let mut trace = Vec::new();
        let mut world = vipsim::play::build::build(&scenario, None, &mut trace).expect("the scale scenario builds");
        let end = Instant::from_secs(seconds);
        while world.next_time().is_some_and(|t| t <= end) {
            if let (Some(kinds), Some((_, event))) = (kinds.as_mut(), world.queue.peek()) {
                *kinds.entry(kind_of(event)).or_default() += 1;
            }
            vipsim::play::drive::step(&mut world, &mut trace);
            if world.steps.is_multiple_of(16) && start.elapsed().as_secs_f64() > limit {
                return (world.steps, start.elapsed().as_secs_f64(), false);
            }
        }
        (world.steps, start.elapsed().as_secs_f64(), true)
    }

    /// What an event is, for `--kinds`: a frame's protocol (a gratuitous
    /// ARP apart from other ARP) or the control-plane timer's name.
    fn kind_of(event: &Event) -> String {
        match event {
            Event::Arrive { frame, .. } => {
                let b = frame.bytes();
                let arp_op = b.get(20..22).map(|o| u16::from_be_bytes([o[0], o[1]]));
                let what = match b.get(12..14) {
                    Some([0x08, 0x06]) if b.get(28..32) == b.get(38..42) => "gratuitous ARP",
                    Some([0x08, 0x06]) if arp_op == Some(1) => "ARP request",
                    Some([0x08, 0x06]) => "ARP reply",
                    Some([0x08, 0x00]) => match b.get(23) {
                        Some(6) => "TCP",
                        Some(1) => "ICMP",
                        Some(17) => "UDP",
                        _ => "IPv4",
                    },
                    _ => "other",
                };
                format!("frame arrives: {what}")
            }
            Event::Control(c) => {
                let debug = format!("{c:?}");
                format!("control: {}", debug.split([' ', '{']).next().unwrap_or_default())
            }
            other => format!("{other:?}").split([' ', '{']).next().unwrap_or_default().to_string(),
        }
    }

    fn scale(seconds: u64, limit: f64, sizes: &[usize], setup: Setup, by_kind: bool) {
        println!(
            "vipsim bench --scale ({}; {seconds} simulated seconds per row, rows stopped after {limit:.0} s wall)",
            setup.name()
        );
        println!(
            "  {:>5} {:>5} {:>8} {:>10} {:>10} {:>12} {:>8}",
            "nodes", "pods", "Services", "events", "wall s", "events/s", "ratio"
        );
        let mut previous: Option<f64> = None;
        for &nodes in sizes {
            let mut kinds = by_kind.then(BTreeMap::new);
            let (events, secs, finished) = scale_row(nodes, seconds, limit, setup, &mut kinds);
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
            if let Some(kinds) = kinds {
                let mut kinds: Vec<(String, u64)> = kinds.into_iter().collect();
                kinds.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                for (kind, n) in kinds {
                    println!("          {n:>10}  {kind}");
                }
            }
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
                    "usage: vipsim-bench [--engine-only [--keep-trace]] [--seconds N]  (N simulated seconds, default 600)\n       \
                     vipsim-bench --scale [--seconds N] [--limit S] [--nodes A,B] [--kinds] [--setup metallb-l2|metallb-bgp|cilium-l2]\n                    \
                     (S wall seconds per row, default 60)"
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
            let by_kind = args.iter().any(|a| a == "--kinds");
            let setup = flag(&args, "--setup", Setup::MetallbL2);
            return scale(seconds, flag(&args, "--limit", 60.0), &sizes, setup, by_kind);
        }
        println!("vipsim bench ({HOSTS} hosts, {seconds} simulated seconds)");
        if engine_only && args.iter().any(|a| a == "--keep-trace") {
            let (steps, secs, records) = events_per_second(seconds, true);
            println!(
                "  engine, trace kept:      {steps} events in {secs:.2} s = {:.2} M events/s ({records} trace records)",
                steps as f64 / secs / 1e6
            );
            return;
        }
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

    #[cfg(test)]
    mod tests {
        use super::*;
        use vipsim::engine::trace::Kind;

        /// Each `--scale` setup carries the client's curls: it measures a
        /// cluster that works (a broken one would make a fast, meaningless
        /// table). The VIP answers within a few seconds of the first curl.
        #[test]
        fn every_scale_setup_answers_the_clients_curls() {
            for setup in [Setup::MetallbL2, Setup::MetallbBgp, Setup::CiliumL2] {
                let yaml = scale_scenario(6, 30, setup);
                let scenario = vipsim::scenario::load::load("scale.yaml", &yaml).unwrap_or_else(|d| {
                    panic!("{setup:?}: {}", d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("; "))
                });
                let mut trace = Vec::new();
                let mut world = vipsim::play::build::build(&scenario, None, &mut trace).expect("builds");
                vipsim::play::drive::run_until(&mut world, Instant::from_secs(30), &mut trace);
                let curls: Vec<(i32, String)> = trace
                    .iter()
                    .filter_map(|r| match &r.kind {
                        Kind::Command { host, exit, stdout, .. } if &**host == "client" => {
                            Some((*exit, stdout.to_string()))
                        }
                        _ => None,
                    })
                    .collect();
                let answered = curls.iter().filter(|(exit, out)| *exit == 0 && out == "HTTP 200\n").count();
                assert!(curls.len() >= 25, "{setup:?}: {} curls", curls.len());
                assert!(answered >= curls.len() - 5, "{setup:?}: {answered} of {} answered: {curls:?}", curls.len());
            }
        }
    }
}
