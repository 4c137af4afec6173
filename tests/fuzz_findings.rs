//! Bugs the scenario fuzzer (`tests/scenario_fuzz.rs`) found, each pinned
//! by the exact behaviour its fix restores. The shrunk scenarios live in
//! `tests/regressions/`, where `tests/regressions.rs` also checks every
//! invariant on them.

use std::rc::Rc;
use vipsim::engine::trace::Kind;
use vipsim::play::run::Run;

fn regression(file: &str) -> Run {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions").join(file);
    let text = std::fs::read_to_string(&path).expect("a regression scenario");
    let scenario = vipsim::scenario::load::load(file, &text).unwrap_or_else(|d| panic!("{file}: {}", d[0]));
    let mut run = Run::new(Rc::new(scenario), None, None, None).expect("builds");
    run.seek(run.len());
    run
}

/// Every IPVS node binds the VIP on kube-ipvs0, so when the leader
/// announces it, the other node sees an ARP whose sender is one of its own
/// addresses. Linux's arp_process looks up the input route first, and
/// fib_validate_source refuses a local source address (a martian), so the
/// kernel neither answers nor creates a neighbour entry (net/ipv4/arp.c,
/// net/ipv4/fib_frontend.c, Linux 6.18). vipsim used to cache it as "ARP
/// request for our address".
#[test]
fn a_gratuitous_arp_for_a_vip_every_ipvs_node_owns_is_a_martian() {
    let run = regression("ipvs-garp-for-a-shared-vip.yaml");
    let on_node_1: Vec<String> = run
        .trace()
        .iter()
        .filter(|r| r.t.as_millis() == 3000 && r.kind.host() == Some("node-1"))
        .filter(|r| matches!(r.kind, Kind::Neighbor { .. } | Kind::ArpIgnored { .. }))
        .map(|r| r.kind.describe())
        .collect();
    let ignored = "node-1 ignored ARP 192.168.1.97 is-at 02:c2:20:78:78:10: \
                   sender 192.168.1.97 is one of our addresses (martian source)";
    assert_eq!(on_node_1, [ignored, ignored], "the GARP request and reply of the first round");
    let vip: std::net::Ipv4Addr = "192.168.1.97".parse().unwrap();
    assert!(
        !run.trace()
            .iter()
            .any(|r| matches!(&r.kind, Kind::Neighbor { host, ip, .. } if &**host == "node-1" && *ip == vip)),
        "node-1 never caches its own VIP"
    );
    let mut world = run.world().clone();
    let out = vipsim::console::run(&mut world, "node-1", "ip neigh", &mut Vec::new()).unwrap().unwrap();
    assert!(!out.contains("192.168.1.97"), "{out}");
}

/// kube-scheduler's FitError.Error() formats each reason as "count reason"
/// and sorts those strings as text (sort.Strings), so "1 node(s) were
/// unschedulable" comes before "2 node(s) didn't match pod anti-affinity
/// rules" (pkg/scheduler/framework/types.go, Kubernetes 1.34). vipsim
/// sorted by reason alone.
#[test]
fn failed_scheduling_lists_reasons_as_the_scheduler_sorts_them() {
    let run = regression("failed-scheduling-reasons-sorted.yaml");
    let out = command_output(&run, "kubectl get events");
    assert_eq!(
        out,
        "LAST SEEN   TYPE      REASON             OBJECT                     MESSAGE\n\
         3s          Warning   FailedScheduling   pod/web-74c77fd74d-zwn2g   0/3 nodes are available: \
         1 node(s) were unschedulable, 2 node(s) didn't match pod anti-affinity rules. \
         preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.\n"
    );
}

/// The output of the first timeline command whose line starts with `cmd`.
fn command_output(run: &Run, cmd: &str) -> String {
    run.trace()
        .iter()
        .find_map(|r| match &r.kind {
            Kind::Command { cmd: c, stdout, .. } if c.starts_with(cmd) => Some(stdout.to_string()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no `{cmd}` in the trace"))
}

/// The kubelet keeps running through a partition: a pod bound just before
/// its node was cut off starts there, and the API server sees it Running
/// once the kubelet reconnects (here podStartup, 3 s, after the heal at
/// 5 s). vipsim dropped the start and left the pod ContainerCreating.
#[test]
fn a_pod_bound_during_a_partition_starts_after_the_heal() {
    let run = regression("pod-starting-during-a-partition.yaml");
    let pod: Vec<String> = run
        .trace()
        .iter()
        .filter(|r| matches!(r.kind, Kind::Pod { .. }))
        .map(|r| format!("{} {}", r.t, r.kind.describe()))
        .collect();
    assert_eq!(
        pod,
        [
            "0.000s pod web on node-0 Pending ready=false: scheduled, pod IP 10.244.0.36",
            "8.000s pod web on node-0 Running ready=true: containers started, readiness probe passed",
        ]
    );
}

/// With nodeCidrMaskSize 30 the node has one pod address. The CNI gives a
/// sandbox its address before any container starts, so the second pod
/// stays ContainerCreating with a FailedCreatePodSandBox event, and starts
/// once the first pod is gone and its address is free (the kubelet retries
/// sandbox creation). vipsim ran it at once, Running without an IP.
#[test]
fn a_pod_without_an_address_stays_container_creating() {
    let run = regression("pod-cidr-full.yaml");
    let outputs: Vec<String> = run
        .trace()
        .iter()
        .filter_map(|r| match &r.kind {
            Kind::Command { cmd, stdout, .. } if cmd.starts_with("kubectl get") => Some(stdout.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(
        outputs,
        [
            "NAME    READY   STATUS              RESTARTS   AGE   IP           NODE     NOMINATED NODE   READINESS GATES\n\
             pod-a   1/1     Running             0          5s    10.244.0.2   node-0   <none>           <none>\n\
             pod-b   0/1     ContainerCreating   0          5s    <none>       node-0   <none>           <none>\n",
            "LAST SEEN   TYPE      REASON                   OBJECT      MESSAGE\n\
             5s          Warning   FailedCreatePodSandBox   pod/pod-b   Failed to create pod sandbox: failed to set up \
             the pod network: no IP addresses available in node-0's pod CIDR 10.244.0.0/30\n",
            "NAME    READY   STATUS    RESTARTS   AGE   IP           NODE     NOMINATED NODE   READINESS GATES\n\
             pod-b   1/1     Running   0          12s   10.244.0.2   node-0   <none>           <none>\n",
        ]
    );
    let started: Vec<String> = run
        .trace()
        .iter()
        .filter(|r| matches!(&r.kind, Kind::Pod { pod, .. } if &**pod == "pod-b"))
        .map(|r| format!("{} {}", r.t, r.kind.describe()))
        .collect();
    assert_eq!(
        started,
        [
            "0.000s pod pod-b on node-0 Pending ready=false: scheduled, pod IP none",
            "8.000s pod pod-b on node-0 Pending ready=false: sandbox created, pod IP 10.244.0.2",
            "11.000s pod pod-b on node-0 Running ready=true: containers started, readiness probe passed",
        ]
    );
}

/// `heal` of a node that was never partitioned: its kubelet never lost the
/// API server, so its starting pod runs at podStartup (3 s) as if nothing
/// happened.
#[test]
fn healing_a_node_that_was_not_cut_off_changes_nothing() {
    let run = regression("heal-without-partition.yaml");
    let pod: Vec<String> = run
        .trace()
        .iter()
        .filter(|r| matches!(r.kind, Kind::Pod { .. }))
        .map(|r| format!("{} {}", r.t, r.kind.describe()))
        .collect();
    assert_eq!(
        pod,
        [
            "0.000s pod web on node-1 Pending ready=false: scheduled, pod IP 10.244.1.36",
            "3.000s pod web on node-1 Running ready=true: containers started, readiness probe passed",
        ]
    );
}

/// Linux limits the ICMP errors it sends to each destination to a burst of
/// six, then one a second (icmp_ratelimit 1 s, XRLIM_BURST_FACTOR 6:
/// inet_peer_xrlim_allow in net/ipv4/inetpeer.c, Linux 6.18). When the
/// router's neighbour entry for the client fails at 14 s, 11 queued
/// replies are dropped and only 6 host-unreachable errors are sent; vipsim
/// sent one per packet.
#[test]
fn icmp_errors_to_one_destination_come_six_then_one_a_second() {
    use vipsim::engine::trace::{Dir, DropReason};
    use vipsim::wire::Parsed;
    use vipsim::wire::ip::{Icmp, L4};
    let run = regression("icmp-errors-rate-limited.yaml");
    let mut originated = std::collections::BTreeMap::<u64, usize>::new();
    let mut dropped = std::collections::BTreeMap::<u64, usize>::new();
    for r in run.trace() {
        match &r.kind {
            Kind::Frame { at, dir: Dir::Tx, forward: None, frame, .. } if &**at == "router" => {
                // Errors the router makes have a fresh TTL; forwarded ones less.
                if let Parsed::Ipv4 { packet, .. } = frame.parse()
                    && matches!(packet.l4, L4::Icmp(Icmp::Unreachable { code: 1, .. }))
                    && packet.ttl == 64
                {
                    *originated.entry(r.t.as_millis()).or_default() += 1;
                }
            }
            Kind::Drop { at, reason: DropReason::NoNeighbor { .. }, .. } if &**at == "router" => {
                *dropped.entry(r.t.as_millis()).or_default() += 1;
            }
            _ => {}
        }
    }
    assert_eq!(dropped.into_iter().collect::<Vec<_>>(), [(14_000, 11)]);
    assert_eq!(originated.into_iter().collect::<Vec<_>>(), [(14_000, 6)]);
}

/// `power-on` of a node that is already running changes nothing: no reboot
/// 20 s later, so the pod that moves to it when node-2 is drained at
/// 16.058 s runs after its 5 s start (podStartup 3 s + initialDelaySeconds
/// 2 s). vipsim rebooted the node and ran the pod at 23.589 s.
#[test]
fn power_on_of_a_running_node_changes_nothing() {
    let run = regression("power-on-a-running-node.yaml");
    let on_node_1: Vec<String> = run
        .trace()
        .iter()
        .filter(|r| r.kind.host() == Some("node-1") && matches!(r.kind, Kind::Pod { .. } | Kind::Fault { .. }))
        .map(|r| format!("{} {}", r.t, r.kind.describe()))
        .collect();
    assert_eq!(
        on_node_1,
        [
            "0.000s fault cordon on node-1: node/node-1 cordoned",
            "0.589s fault power-on on node-1: host is already on",
            "10.000s fault uncordon on node-1: node/node-1 uncordoned",
            "16.058s pod web-6c44b466b-jx8nj on node-1 Pending ready=false: scheduled, pod IP 10.244.1.212",
            "21.058s pod web-6c44b466b-jx8nj on node-1 Running ready=true: containers started, readiness probe passed",
        ]
    );
}

/// iputils arping (20240905, arping.c) without `-I` takes the device of
/// the kernel's route to the target (guess_device asks RTM_GETROUTE); for
/// an address the host owns, a VIP on kube-ipvs0 as much as its own eth0
/// address, that route is `local ... dev lo`, and check_device refuses a
/// loopback device: `Interface "lo" is not ARPable` on stdout, exit 2,
/// nothing sent. vipsim sent "Who has 192.168.1.97? Tell 192.168.1.11"
/// onto the LAN. A neighbour's address is still arped as before.
#[test]
fn arping_an_own_address_is_refused_as_not_arpable() {
    let run = regression("arping-own-address-is-not-arpable.yaml");
    let arpings: Vec<(String, String, i32)> = run
        .trace()
        .iter()
        .filter_map(|r| match &r.kind {
            Kind::Command { cmd, stdout, exit, .. } if cmd.starts_with("arping") => {
                Some((cmd.to_string(), stdout.to_string(), *exit))
            }
            _ => None,
        })
        .collect();
    let refused = "Interface \"lo\" is not ARPable\n".to_string();
    assert_eq!(arpings[0], ("arping -c 1 192.168.1.97".into(), refused.clone(), 2));
    assert_eq!(arpings[1], ("arping -c 1 192.168.1.11".into(), refused, 2));
    assert_eq!(arpings[2].0, "arping -c 1 192.168.1.1");
    assert!(arpings[2].1.starts_with("ARPING 192.168.1.1 from 192.168.1.11 eth0\nUnicast reply from 192.168.1.1"));
    let node_0_arp_before_3s = run.trace().iter().filter(|r| r.t.as_millis() < 3000).any(|r| {
        matches!(&r.kind, Kind::Frame { at, frame, .. }
                if &**at == "node-0" && matches!(frame.parse(), vipsim::wire::Parsed::Arp { .. }))
    });
    assert!(!node_0_arp_before_3s, "node-0 sends no ARP for its own addresses");
}
