//! Determinism: the same scenario and seed give the same trace, every
//! time; another seed moves only what is randomised (ClusterIPs, NodePorts,
//! pod names and placement, timers, ports, ISNs, endpoint picks), not the
//! story's control-plane events.

use crate::common;

use vipsim::engine::trace::Kind;

#[test]
fn same_seed_same_trace() {
    for s in vipsim::catalog::shipped() {
        let a = common::jsonl(&common::run(&s.id, None));
        let b = common::jsonl(&common::run(&s.id, None));
        assert!(a == b, "{} is not deterministic", s.id);
    }
}

/// The failover's control-plane story (faults, elections, notes) does not
/// depend on the seed; neighbour timers (base_reachable_time is randomised
/// 0.5x-1.5x) and TCP ports do.
#[test]
fn another_seed_changes_only_randomised_things() {
    let story = |run: &vipsim::play::run::Run| -> Vec<String> {
        run.trace()
            .iter()
            .filter(|r| {
                matches!(r.kind, Kind::Fault { .. } | Kind::Leader { .. } | Kind::Note { .. } | Kind::Node { .. })
            })
            .map(|r| format!("{} {}", r.t, r.kind.describe()))
            .collect()
    };
    let a = common::run_seed("metallb-l2-failover", 1);
    let b = common::run_seed("metallb-l2-failover", 2);
    assert_eq!(story(&a), story(&b));
    assert_ne!(common::jsonl(&a), common::jsonl(&b), "the seed must reach the randomised parts");
    let stale_times = |run: &vipsim::play::run::Run| -> Vec<u64> {
        run.trace()
            .iter()
            .filter(|r| matches!(&r.kind, Kind::Neighbor { reason, .. } if reason.contains("reachable time expired")))
            .map(|r| r.t.as_nanos())
            .collect()
    };
    assert_ne!(stale_times(&a), stale_times(&b), "REACHABLE->STALE times follow the randomised reachable time");
}

/// `vipsim run --seed N` reseeds the whole run, the build included: in a
/// real cluster the apiserver picks ClusterIPs and NodePorts at random
/// (pkg/registry/core/service/ipallocator and portallocator of Kubernetes
/// 1.34), the ReplicaSet controller names pods with random suffixes
/// (apimachinery's `rand.String`) and the scheduler breaks ties at random,
/// so another seed is another cluster. The same seed stays byte-identical.
#[test]
fn the_seed_reaches_the_build_clusterips_nodeports_and_pod_names() {
    let build = |seed: u64| {
        let run = common::run_seed("metallb-l2-failover", seed);
        let k = &run.world().cluster;
        let web = &k.services["default/web"];
        let pods: Vec<(String, Option<std::net::Ipv4Addr>)> = k.pods.values().map(|p| (p.name.clone(), p.ip)).collect();
        (web.cluster_ip, web.node_ports.clone(), pods, common::jsonl(&run))
    };
    let (ip1, ports1, pods1, trace1) = build(1);
    let (ip7, ports7, pods7, trace7) = build(7);
    assert_ne!(ip1, ip7, "ClusterIP");
    assert_ne!(ports1, ports7, "NodePorts");
    let names = |pods: &[(String, Option<std::net::Ipv4Addr>)]| -> Vec<String> {
        pods.iter().map(|(n, _)| n.clone()).collect()
    };
    assert_ne!(names(&pods1), names(&pods7), "pod names");
    // The scenario's own seed is 1: `--seed 1` is the run without --seed.
    let default = common::jsonl(&common::run("metallb-l2-failover", None));
    assert_eq!(trace1, default);
    let (_, _, _, again) = build(7);
    assert!(again == trace7, "the same seed gives the same trace");
}
