//! The stories of `shared/seed-facts.md`, checked on the shipped scenarios
//! with exact outputs, plus the behaviours the Kubernetes layer must show.

use crate::common;

use common::{command_at, curls, run};
use std::net::Ipv4Addr;
use vipsim::engine::trace::{DropCode, DropReason, Kind, Record};
use vipsim::net::conntrack::{PROTO_TCP, Tuple};
use vipsim::net::host::{MultipathHashPolicy, ecmp_hash, hash_threshold};
use vipsim::net::neighbor::NeighborState;
use vipsim::play::goals;
use vipsim::scenario::spec::{Check, DropsCheck, Goal};
use vipsim::sim::action::Action;
use vipsim::time::{Duration, Instant};
use vipsim::wire::{Parsed, dissect};

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

// ---------------------------------------------------------------------
// Story C: Cilium LB IPAM and traffic policy
// ---------------------------------------------------------------------

#[test]
fn story_c_pending_then_pool_then_vip() {
    let r = run("cilium-lb-ipam", None);
    let t = r.trace();
    // Without a pool: <pending>, but a NodePort already.
    let (out, _) = command_at(t, "kubectl get svc web", secs(1));
    assert_eq!(out.lines().nth(1), Some("web    LoadBalancer   10.32.0.76   <pending>     80:32303/TCP   1s"));
    // The pool of 41 addresses, one used.
    let (out, _) = command_at(t, "kubectl get ciliumloadbalancerippool", secs(11));
    assert_eq!(
        out,
        "NAME        DISABLED   CONFLICTING   IPS AVAILABLE   AGE\ndemo-pool   false      False         40              6s\n"
    );
    let (out, _) = command_at(t, "kubectl get svc web", secs(11));
    assert_eq!(out.lines().nth(1), Some("web    LoadBalancer   10.32.0.76   192.0.2.10    80:32303/TCP   11s"));
    // The Gateway's Service gets the next address.
    let gw = t.iter().find_map(|r| match &r.kind {
        Kind::Ipam { service, ip, .. } if service == "default/cilium-gateway-gw" => *ip,
        _ => None,
    });
    assert_eq!(gw, Some(Ipv4Addr::new(192, 0, 2, 11)));
    let ipam = r.world().cluster.cilium.condition("default/web").expect("condition");
    assert!(ipam.status);
    assert_eq!(ipam.reason, "satisfied");
}

#[test]
fn story_c_assigned_is_not_announced() {
    let r = run("cilium-lb-ipam", None);
    let t = r.trace();
    // In-cluster: every node translates the VIP itself.
    assert_eq!(command_at(t, "http://192.0.2.10/", secs(15)), ("HTTP 200\n".to_string(), 0));
    // Outside, before the announcement policy: nobody answers ARP. lb-0's
    // kernel gives up after 3 broadcasts 1 s apart and reports host
    // unreachable to the socket (Linux 6.18 `arp_error_report` ->
    // `ipv4_link_failure` -> `tcp_v4_err`), so curl fails with exit 7 at
    // 3 s, before its `-m 5` (this test pinned the timeout, 28, before).
    assert_eq!(command_at(t, "http://192.0.2.10/", secs(16)), ("HTTP 000\n".to_string(), 7));
    let failed_at = t.iter().find_map(|r| match &r.kind {
        Kind::Command { host, cmd, started, .. }
            if &**host == "lb-0" && cmd.contains("192.0.2.10") && *started == Instant::from_secs(16) =>
        {
            Some(r.t)
        }
        _ => None,
    });
    assert_eq!(failed_at, Some(Instant::from_secs(19)));
    let unanswered = t.iter().any(|r| {
        matches!(&r.kind, Kind::Neighbor { host, ip, new: Some((None, NeighborState::Failed)), .. }
            if &**host == "lb-0" && *ip == Ipv4Addr::new(192, 0, 2, 10))
    });
    assert!(unanswered, "lb-0's ARP for the VIP fails");
    // After the policy at 25 s: a lease holder answers and the client gets through.
    assert_eq!(command_at(t, "http://192.0.2.10/", secs(30)), ("HTTP 200\n".to_string(), 0));
}

#[test]
fn story_c_traffic_policy_outputs() {
    let r = run("cilium-lb-ipam", None);
    let t = r.trace();
    // Cluster via worker-1: SNAT to worker-1.
    let (out, exit) = command_at(t, "http://10.0.1.21:31888/clientip", secs(35));
    assert_eq!(exit, 0);
    let (ip, port) = out.split_once(':').expect("ip:port");
    assert_eq!(ip, "10.0.1.21");
    assert!(port.parse::<u16>().is_ok_and(|p| (32768..=60999).contains(&p)), "{out}");
    // Local via worker-1: its frontend has no local backend, so Cilium
    // answers ICMP port unreachable (service-no-backend-response=reject,
    // Cilium 1.18): curl fails at once with exit 7, nothing is dropped.
    assert_eq!(command_at(t, "http://10.0.1.21:31888/clientip", secs(38)), ("HTTP 000\n".to_string(), 7));
    let refused = t.iter().any(|r| matches!(&r.kind, Kind::Log { host, component, line } if &**host == "worker-1" && component == "cilium" && line.contains("has no backend on this node (externalTrafficPolicy: Local): ICMP port unreachable")));
    assert!(refused, "worker-1 refuses it: no local backend");
    assert!(!t.iter().any(|r| matches!(&r.kind, Kind::Drop { reason: DropReason::NoLocalEndpoints { .. }, .. })));
    // Local via worker-0: the real client address.
    let (out, exit) = command_at(t, "http://10.0.1.20:31888/clientip", secs(45));
    assert_eq!(exit, 0);
    assert!(out.starts_with("10.0.1.10:"), "{out}");
}

/// A `drops` goal counts the trace's drops of its reason, whatever details
/// (here the Service) the reason carries, and no other reason's.
#[test]
fn a_drops_goal_counts_the_drops_of_its_reason() {
    let r = local_holder_run("iptables");
    let local = r
        .trace()
        .iter()
        .filter(|rec| matches!(&rec.kind, Kind::Drop { reason: DropReason::NoLocalEndpoints { .. }, .. }))
        .count() as u64;
    assert!(local > 0, "kube-proxy drops at the holder for lack of local endpoints");
    let goal = |reason: DropCode, n: u64| Goal {
        name: "drops".into(),
        at: None,
        check: Check::Drops(DropsCheck { reason, at_least: Some(n), at_most: Some(n) }),
        hints: vec![],
        translations: Default::default(),
    };
    let got = goals::check(&goal(DropCode::NoLocalEndpoints, local), r.world(), r.trace(), r.end);
    assert!(got.pass, "{}", got.detail);
    assert_eq!(got.detail, format!("{local} drops with reason no_local_endpoints"));
    let internal = goals::check(&goal(DropCode::NoLocalEndpointsInternal, 0), r.world(), r.trace(), r.end);
    assert!(internal.pass, "{}", internal.detail);
}

// ---------------------------------------------------------------------
// Story A: the L2 failover blackhole
// ---------------------------------------------------------------------

fn leader_changes(t: &[Record]) -> Vec<(Instant, Option<String>)> {
    t.iter()
        .filter_map(|r| match &r.kind {
            Kind::Leader { node, .. } => Some((r.t, node.as_deref().map(String::from))),
            _ => None,
        })
        .collect()
}

/// Gratuitous ARP frames node `node` sent, with their times.
fn garps_from(t: &[Record], node: &str) -> Vec<(Instant, String)> {
    t.iter()
        .filter_map(|r| match &r.kind {
            Kind::Frame { at, frame, forward: None, dir: vipsim::engine::trace::Dir::Tx, .. } if &**at == node => {
                match frame.parse() {
                    Parsed::Arp { arp, .. } if arp.is_announcement() => Some((r.t, dissect::summary(frame))),
                    _ => None,
                }
            }
            _ => None,
        })
        .collect()
}

/// MetalLB 0.14's announcer (internal/layer2/announcer.go): `SetBalancer`
/// hands the VIP to `spamLoop`, which sends a request and a reply at once
/// and on a 1.1 s ticker until 5 s after the last `SetBalancer`. The speaker
/// calls `SetBalancer` on every reconcile of the Service it leads
/// (speaker/main.go, `handleService`), so the burst comes again whenever the
/// Service or its EndpointSlice changes: here at 70 s, when node-a turns
/// NotReady and its pod leaves the EndpointSlice. The seed outputs pinned
/// only the first burst; the second is what MetalLB does next.
#[test]
fn failover_detection_election_and_garp_burst() {
    let r = run("metallb-l2-failover", None);
    let t = r.trace();
    // node-a leads from the start; it dies at 20 s; memberlist notices 5 s later; node-b leads.
    let changes = leader_changes(t);
    assert_eq!(changes.first().map(|c| c.1.clone()), Some(Some("node-a".into())));
    assert!(changes.contains(&(Instant::from_secs(20), None)), "{changes:?}");
    assert!(changes.contains(&(Instant::from_secs(25), Some("node-b".into()))), "{changes:?}");
    // Five rounds, 1.1 s apart, each a request and a reply to broadcast with target MAC ff:ff:ff:ff:ff:ff.
    let burst: Vec<(Instant, String)> = garps_from(t, "node-b");
    let times: Vec<u64> = burst.iter().map(|(t, _)| t.as_millis()).collect();
    let rounds = |from: u64| (0..5).flat_map(move |i| [from + 1100 * i, from + 1100 * i]);
    assert_eq!(times, rounds(25_000).chain(rounds(70_000)).collect::<Vec<u64>>());
    assert!(burst.iter().step_by(2).all(|(_, s)| s == "Gratuitous ARP for 192.168.1.201 (Request)"));
    assert!(burst.iter().skip(1).step_by(2).all(|(_, s)| s == "Gratuitous ARP for 192.168.1.201 (Reply)"));
    // Each reconcile logs serviceAnnounced again.
    let announced: Vec<u64> = t
        .iter()
        .filter(|r| matches!(&r.kind, Kind::Log { host, line, .. } if &**host == "node-b" && line.contains("serviceAnnounced")))
        .map(|r| r.t.as_millis())
        .collect();
    assert_eq!(announced, vec![25_000, 70_000]);
}

/// Flushing the router's ARP cache while node-a is dead and before node-b
/// has taken over: nobody answers the router's broadcasts, so after 3 s
/// the router sends ICMP host unreachable back for every queued SYN
/// (Linux 6.18 `arp_error_report` -> `ipv4_link_failure` -> `icmp_send`),
/// and the client's connect fails with EHOSTUNREACH (`tcp_v4_err`): curl
/// 8.5 exits 7 after 3 s, not 28 at its `-m`.
#[test]
fn failover_flush_before_the_takeover_is_host_unreachable_at_the_client() {
    let mut run = run("metallb-l2-failover", None);
    run.seek_time(Instant::from_secs(21));
    let mut flushed = run.branch(Action::Fault(vipsim::scenario::spec::FaultStep::new(
        "router",
        vipsim::scenario::spec::FaultAction::FlushArp,
    )));
    flushed.seek_time(Instant::from_secs(21));
    let probe = "curl -sS -m 8 -o /dev/null http://192.168.1.201/";
    let run = flushed.branch(Action::Run { host: "client".into(), cmd: probe.into() });
    let t = run.trace();
    let (out, exit) = command_at(t, probe, secs(21));
    assert_eq!(
        (out.as_str(), exit),
        ("curl: (7) Failed to connect to 192.168.1.201 port 80 after 3000 ms: Couldn't connect to server\n", 7)
    );
    let icmp: Vec<String> = t
        .iter()
        .filter_map(|r| match &r.kind {
            Kind::Frame { at, dir: vipsim::engine::trace::Dir::Tx, frame, .. } if &**at == "router" => {
                let s = dissect::summary(frame);
                s.contains("unreachable").then(|| format!("{} {s}", r.t))
            }
            _ => None,
        })
        .collect();
    assert!(
        icmp.first()
            .is_some_and(|l| l.starts_with("24.000") && l.ends_with("Destination unreachable (Host unreachable)")),
        "{icmp:?}"
    );
}

#[test]
fn failover_garp_ignored_blackholes_until_flush() {
    let r = run("metallb-l2-failover", None);
    let t = r.trace();
    let results = curls(t, "client");
    let ok = |from: u64, to: u64| {
        results.iter().filter(|(s, e)| *s >= Instant::from_secs(from) && *s < Instant::from_secs(to) && *e == 0).count()
    };
    let all = |from: u64, to: u64| {
        results.iter().filter(|(s, _)| *s >= Instant::from_secs(from) && *s < Instant::from_secs(to)).count()
    };
    assert_eq!(ok(8, 20), all(8, 20), "calm before the failure");
    assert_eq!(ok(20, 90), 0, "blackhole: the router keeps node-a's MAC (garp: ignore, 4 h timeout)");
    assert_eq!(ok(91, 118), all(91, 118), "after flush-arp at 90 s the router learns node-b");
    // Every GARP from node-b was ignored by the router's policy.
    let ignored = t.iter().filter(|r| matches!(&r.kind, Kind::ArpIgnored { host, reason, .. } if &**host == "router" && reason.contains("garp=ignore"))).count();
    assert!(ignored >= 10, "{ignored}");
}

#[test]
fn failover_garp_honored_switches_at_the_first_frame() {
    let r = run("metallb-l2-failover", Some("garp-honor"));
    let t = r.trace();
    let node_b_mac = r.world().net.host("node-b").unwrap().ifaces[0].mac;
    let switched = t.iter().find(|r| {
        matches!(&r.kind, Kind::Neighbor { host, ip, new: Some((Some(m), _)), .. }
            if &**host == "router" && *ip == Ipv4Addr::new(192, 168, 1, 201) && *m == node_b_mac)
    });
    let at = switched.expect("the router learns node-b's MAC").t;
    // The first GARP leaves node-b at 25 s and crosses two 50 us links.
    assert_eq!(at, Instant::from_secs(25) + Duration::from_micros(100));
    let results = curls(t, "client");
    assert!(
        results
            .iter()
            .filter(|(s, _)| *s >= Instant::from_secs(26) && *s < Instant::from_secs(30))
            .any(|(_, e)| *e == 0)
    );
}

#[test]
fn failover_live_old_owner_still_serves_via_an_extra_hop() {
    // Only node-a's speaker stops: the router still sends to node-a, whose
    // kube-proxy DNATs the VIP like every node does, and forwards.
    let r = run("metallb-l2-failover", Some("speaker-only"));
    let results = curls(r.trace(), "client");
    assert!(results.iter().all(|(_, e)| *e == 0), "{results:?}");
    let via_node_a = r.trace().iter().any(|r| {
        matches!(&r.kind, Kind::App { client, .. } if client.ip().octets() == [192, 168, 1, 11])
            && r.t > Instant::from_secs(30)
    });
    assert!(via_node_a, "pods see node-a's address: the stale entry still works through node-a");
}

// ---------------------------------------------------------------------
// Story B: externalTrafficPolicy with MetalLB
// ---------------------------------------------------------------------

#[test]
fn local_policy_moves_the_leader_to_a_node_with_a_pod() {
    let r = run("metallb-traffic-policy", None);
    let t = r.trace();
    let changes = leader_changes(t);
    assert_eq!(
        changes[0].1.as_deref(),
        Some("node-a"),
        "Cluster: node-a, first in the sha256 order, leads without a pod"
    );
    assert!(changes.contains(&(Instant::from_secs(20), Some("node-c".into()))), "{changes:?}");
    let (cluster_out, _) = command_at(t, "curl -s -m 2 http://192.168.1.200/", secs(8));
    assert!(cluster_out.contains("\"ip\":\"::ffff:192.168.1.11\""), "Cluster: the pod sees node-a (SNAT)");
    let (local_out, _) = command_at(t, "curl -s -m 2 http://192.168.1.200/", secs(28));
    assert!(local_out.contains("\"ip\":\"::ffff:10.0.0.5\""), "Local: the pod sees the client");
}

#[test]
fn without_endpoints_nobody_answers_arp() {
    let mut r = run("metallb-traffic-policy", None);
    r.seek_time(Instant::from_secs(40));
    let scaled =
        r.branch(Action::Run { host: "client".into(), cmd: "kubectl scale deployment web --replicas=0".into() });
    let mut probe = scaled.clone();
    probe.seek_time(Instant::from_secs(45));
    let probe = probe.branch(Action::Run { host: "router".into(), cmd: "arping -c 2 192.168.1.200".into() });
    let out = probe
        .trace()
        .iter()
        .rev()
        .find_map(|r| match &r.kind {
            Kind::Command { cmd, stdout, exit, .. } if cmd.starts_with("arping") => Some((stdout.to_string(), *exit)),
            _ => None,
        })
        .expect("arping ran");
    assert_eq!(
        out,
        (
            "ARPING 192.168.1.200 from 192.168.1.1 eth0\nSent 2 probes (2 broadcast(s))\nReceived 0 response(s)\n"
                .to_string(),
            1
        )
    );
}

// ---------------------------------------------------------------------
// Cilium: the lease holder ignores externalTrafficPolicy: Local
// ---------------------------------------------------------------------

const CILIUM_LOCAL: &str = r#"
apiVersion: vipsim/v1
kind: Scenario
metadata: { name: cilium-local-holder }
spec:
  duration: 30s
  cluster: { loadBalancer: cilium, announce: l2, serviceCIDR: 10.32.0.0/24, podCIDR: 10.200.0.0/16 }
  hosts:
  - { name: lb-0, role: client, ip: 10.0.1.10/24, routes: [ { to: 192.0.2.0/24, dev: eth0 } ] }
  - { name: worker-0, role: node, ip: 10.0.1.20/24 }
  - { name: worker-1, role: node, ip: 10.0.1.21/24 }
  timeline:
  - at: 20s
    run: { host: lb-0, cmd: "curl -s -m 3 -o /dev/null -w \"HTTP %{http_code}\\n\" http://192.0.2.10/" }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: echo }
spec:
  selector: { matchLabels: { app: echo } }
  template:
    metadata: { labels: { app: echo } }
    spec:
      nodeSelector: { kubernetes.io/hostname: HOSTNAME }
      containers:
      - { name: agnhost, image: registry.k8s.io/e2e-test-images/agnhost:2.53, args: [netexec, --http-port=8080], ports: [ { containerPort: 8080 } ] }
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  selector: { app: echo }
  ports: [ { port: 80, targetPort: 8080 } ]
---
apiVersion: cilium.io/v2
kind: CiliumLoadBalancerIPPool
metadata: { name: pool }
spec: { blocks: [ { start: 192.0.2.10, stop: 192.0.2.20 } ] }
---
apiVersion: cilium.io/v2alpha1
kind: CiliumL2AnnouncementPolicy
metadata: { name: l2 }
spec: { loadBalancerIPs: true }
"#;

/// The Cilium L2 scenario above with the only pod on the node that does
/// not hold the lease, over `datapath` (`ebpf`, or kube-proxy's `iptables`
/// beside Cilium's L2 announcements).
fn local_holder_run(datapath: &str) -> vipsim::play::run::Run {
    let load = |host: &str| {
        let text = CILIUM_LOCAL
            .replace("HOSTNAME", host)
            .replace("podCIDR: 10.200.0.0/16", &format!("podCIDR: 10.200.0.0/16, datapath: {datapath}"));
        let s = vipsim::scenario::load::load("inline.yaml", &text).expect("loads");
        common::at_end(vipsim::play::run::Run::new(std::rc::Rc::new(s), None, None, None).expect("builds"))
    };
    // Find which node takes the lease, then put the only pod on the other one.
    let probe = load("worker-0");
    let holder = probe.world().cluster.leases["default/web"].holder.clone().expect("a holder");
    let other = if holder == "worker-0" { "worker-1" } else { "worker-0" };
    let r = load(other);
    assert_eq!(
        r.world().cluster.leases["default/web"].holder.as_deref(),
        Some(holder.as_str()),
        "the holder does not depend on where the pod is"
    );
    r
}

/// cilium#27800: the lease holder is chosen without looking at where the
/// pods are. Under Local it has none, and Cilium refuses the client with
/// ICMP port unreachable: curl fails at once (exit 7), nothing times out.
#[test]
fn cilium_holder_without_a_local_pod_refuses_local_traffic() {
    let r = local_holder_run("ebpf");
    let holder = r.world().cluster.leases["default/web"].holder.clone().expect("a holder");
    assert_eq!(command_at(r.trace(), "curl", secs(20)), ("HTTP 000\n".to_string(), 7));
    let refused = r.trace().iter().any(|rec| matches!(&rec.kind, Kind::Log { host, component, line } if **host == *holder && component == "cilium" && line.contains("no backend on this node")));
    assert!(refused, "the holder {holder} refuses: no local backend");
}

// ---------------------------------------------------------------------
// BGP: ECMP and rehashing
// ---------------------------------------------------------------------

#[test]
fn bgp_router_withdraws_the_dead_nodes_path_after_the_hold_time() {
    let r = run("bgp-ecmp", None);
    let routes: Vec<(Instant, Vec<Ipv4Addr>)> = r
        .trace()
        .iter()
        .filter_map(|rec| match &rec.kind {
            Kind::Route { next_hops, .. } => Some((rec.t, next_hops.clone())),
            _ => None,
        })
        .collect();
    let all = vec![Ipv4Addr::new(192, 168, 1, 11), Ipv4Addr::new(192, 168, 1, 12), Ipv4Addr::new(192, 168, 1, 13)];
    assert_eq!(routes.first().map(|r| &r.1), Some(&all));
    let withdrawn = routes.iter().find(|(_, h)| h.len() == 2).expect("node-a's path withdrawn");
    assert_eq!(withdrawn.1, vec![Ipv4Addr::new(192, 168, 1, 12), Ipv4Addr::new(192, 168, 1, 13)]);
    // Power off at 20 s; hold time 9 s counted from the last keepalive (every 3 s since the session came up at 1 s).
    assert_eq!(withdrawn.0, Instant::from_secs(28));
}

/// The bgp-ecmp router hashes each flow's 5-tuple (it sets
/// fib_multipath_hash_policy=1) and picks the next hop by hash-threshold,
/// as Linux 6.18 does (fib_select_multipath over the upper bounds of
/// fib_rebalance). This test used to pin "hash modulo the number of next
/// hops", which is not what Linux does (issue 14, point 6): with hops
/// [a, b, c] -> [b, c], a's flows move, b hands the upper half of its
/// slice to c, and c keeps all of its flows.
#[test]
fn ecmp_hash_threshold_rehash_moves_some_flows_of_surviving_paths() {
    let hops3 = ["node-a", "node-b", "node-c"];
    let hops2 = ["node-b", "node-c"];
    let flow = |sport: u16| Tuple {
        proto: PROTO_TCP,
        src: Ipv4Addr::new(10, 0, 0, 5),
        sport,
        dst: Ipv4Addr::new(192, 168, 1, 201),
        dport: 80,
    };
    let mut moved_from_survivors = Vec::new();
    let mut moved_from_a = Vec::new();
    for sport in 40000..40024u16 {
        let h = ecmp_hash(&flow(sport), MultipathHashPolicy::L4);
        let before = hops3[hash_threshold(h, 3)];
        let after = hops2[hash_threshold(h, 2)];
        if before == "node-a" {
            moved_from_a.push(sport);
        } else if before != after {
            assert_eq!((before, after), ("node-b", "node-c"), "node-c never loses a flow");
            moved_from_survivors.push(sport);
        }
    }
    assert_eq!(moved_from_a, vec![40005, 40007, 40008, 40010, 40011, 40013, 40014, 40016, 40017, 40023]);
    assert_eq!(moved_from_survivors, vec![40012, 40015, 40020]);
}
