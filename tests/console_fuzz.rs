//! The console never panics: random command lines, built from the words
//! the console knows and from arbitrary text, run on worlds of the shipped
//! scenarios.
#![cfg(not(target_arch = "wasm32"))]

use crate::common;

use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, TestRunner};
use vipsim::sim::World;
use vipsim::time::Instant;

/// Words a command line is built from: programs, verbs, resources, names,
/// flags and their values, including malformed ones.
const WORDS: &[&str] = &[
    "kubectl",
    "cilium-dbg",
    "cilium",
    "vtysh",
    "show",
    "ip",
    "conntrack",
    "help",
    "sudo",
    "timeout",
    "5",
    // (and every verb kubectl knows: vipsim::console::kubectl::VERBS)
    "rollout",
    "gett",
    "service",
    "list",
    "status",
    "--brief",
    "bgp",
    "summary",
    "route",
    "arp",
    "neigh",
    "-c",
    "-L",
    "-F",
    "svc",
    "pods",
    "po",
    "nodes",
    "no",
    "ns",
    "ep",
    "endpoints",
    "endpointslices",
    "ev",
    "events",
    "leases",
    "lease",
    "deploy",
    "deployments.apps",
    "rs",
    "ds",
    "all",
    "ippools",
    "ciliumloadbalancerippool",
    "ciliuml2announcementpolicy",
    "ipaddresspools",
    "l2advertisements",
    "bgppeers",
    "bgpadvertisements",
    "gateway",
    "gtw",
    "gc",
    "svc,pods",
    "svc/web",
    "pod/x",
    "ds/cilium",
    "ds/speaker",
    "deploy/echo",
    "deploy/web",
    "deploy/controller",
    "svc/web,x",
    "web",
    "echo",
    "gw",
    "demo-pool",
    "lan-pool",
    "worker-0",
    "node-a",
    "kubernetes",
    "cilium-gateway-gw",
    "",
    "-n",
    "kube-system",
    "metallb-system",
    "default",
    "-A",
    "-o",
    "yaml",
    "json",
    "wide",
    "name",
    "-owide",
    "jsonpath={.items[*].metadata.name}",
    "-o=jsonpath={.status.conditions[0].type}={.status.conditions[0].status}",
    "jsonpath={.a[",
    "jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}",
    "jsonpath={.spec.ports[-9]}",
    "jsonpath={.items[?(@.kind==\"Pod\")].status}",
    "jsonpath={..ip}",
    "jsonpath={.x[1:0]}",
    "jsonpath={end}",
    "custom-columns=N:.metadata.name,IP:.status.podIP",
    "custom-columns=",
    "go-template={{.}}",
    "-l",
    "app=echo",
    "component=speaker",
    "a in (b",
    "!x",
    "a=b=c",
    "--field-selector",
    "spec.nodeName=worker-0",
    "spec.bogus=1",
    "--sort-by",
    ".metadata.name",
    "{.status.phase",
    "--show-labels",
    "-L",
    "app",
    "--no-headers",
    "-w",
    "--",
    "--tail=2",
    "--tail=-1",
    "--since=5s",
    "--since=x",
    "--prefix",
    "--timestamps",
    "-f",
    "-p",
    "{\"spec\":{\"externalTrafficPolicy\":\"Local\"}}",
    "{",
    "--type=json",
    "--replicas=2",
    "--replicas=x",
    "--port=80",
    "--target-port=8080",
    "--type=LoadBalancer",
    "--name=web2",
    "--ignore-daemonsets",
    "-it",
    "--show-events=false",
    "-z",
    "--bogus",
    "--namespace=",
    "-n=",
    "=",
    "'",
    "\"",
];

/// Mostly `kubectl ...`, sometimes another program or arbitrary text.
fn line() -> impl Strategy<Value = String> {
    let program = prop_oneof![
        12 => Just("kubectl".to_string()),
        1 => Just("cilium-dbg".to_string()),
        1 => Just("vtysh -c".to_string()),
        1 => Just("show".to_string()),
        1 => Just("sudo".to_string()),
        1 => any::<String>(),
    ];
    let words: Vec<&str> = WORDS.iter().chain(vipsim::console::kubectl::VERBS).copied().collect();
    let word = prop_oneof![8 => select(words).prop_map(String::from), 1 => any::<String>()];
    (program, prop::collection::vec(word, 0..9)).prop_map(|(p, ws)| format!("{p} {}", ws.join(" ")))
}

/// Worlds of the shipped scenarios part-way through, with their hosts.
fn worlds() -> Vec<(World, Vec<String>)> {
    [("cilium-lb-ipam", 30), ("metallb-l2-failover", 40), ("bgp-ecmp", 30), ("metallb-traffic-policy", 25)]
        .into_iter()
        .map(|(id, t)| {
            let mut run = common::run(id, None);
            run.seek(0);
            let mut w = run.world().clone();
            vipsim::play::drive::run_until(&mut w, Instant::from_secs(t), &mut Vec::new());
            let hosts = w.net.hosts.iter().map(|h| h.name.to_string()).collect();
            (w, hosts)
        })
        .collect()
}

#[test]
fn random_command_lines_never_panic() {
    let worlds = worlds();
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(600);
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let strategy = (0..worlds.len(), 0usize..8, line());
    runner
        .run(&strategy, |(wi, hi, cmd)| {
            let (world, hosts) = &worlds[wi];
            let mut w = world.clone();
            let host = &hosts[hi % hosts.len()];
            let _ = vipsim::console::run(&mut w, host, &cmd, &mut Vec::new());
            Ok(())
        })
        .unwrap();
}
