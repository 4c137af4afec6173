//! Upstream behaviours from `shared/fidelity.md` that the other test files
//! do not already pin down. Each test names the behaviour and where it
//! comes from, in our own words. `FIDELITY.md` maps every checklist bullet
//! to its test or to the simplification vipsim makes.

use crate::common;

use std::net::Ipv4Addr;
use std::rc::Rc;
use vipsim::engine::trace::{Dir, DropReason, Forwarded, Kind};
use vipsim::play::run::Run;
use vipsim::time::Instant;
use vipsim::wire::Parsed;
use vipsim::wire::ip::{L4, TcpFlags};

fn run_yaml(text: &str) -> Run {
    let s = vipsim::scenario::load::load("inline.yaml", text).unwrap_or_else(|e| panic!("{e:?}"));
    common::at_end(Run::new(Rc::new(s), None, None, None).expect("builds"))
}

fn last_output(run: &Run, cmd_prefix: &str) -> (String, i32) {
    run.trace()
        .iter()
        .rev()
        .find_map(|r| match &r.kind {
            Kind::Command { cmd, stdout, stderr, exit, .. } if cmd.starts_with(cmd_prefix) => {
                Some((format!("{stdout}{stderr}"), *exit))
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("no `{cmd_prefix}` ran"))
}

/// A three-node MetalLB cluster with a web Deployment and a LoadBalancer
/// Service; `EXTRA` is replaced by further manifests, `CLUSTER` by cluster
/// settings and `STEPS` by timeline steps.
const METALLB: &str = r#"
apiVersion: vipsim/v1
kind: Scenario
metadata: { name: fidelity }
spec:
  duration: DURATION
  cluster: { loadBalancer: metallb, announce: l2CLUSTER }
  hosts:
  - { name: router, role: router, ip: 192.168.1.1/24, neighbor: { model: cisco } }
  - { name: client, role: client, ip: 10.0.0.5/24, behind: router }
  - { name: node-a, role: node, ip: 192.168.1.11/24 }
  - { name: node-b, role: node, ip: 192.168.1.12/24 }
  - { name: node-c, role: node, ip: 192.168.1.13/24 }
  timeline:
STEPS
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: pool, namespace: metallb-system }
spec: { addresses: [192.168.1.200-192.168.1.210] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 3
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
      - { name: web, image: hashicorp/http-echo:1.0, args: ["-text=hi", "-listen=:8080"], ports: [ { containerPort: 8080 } ] }
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  type: LoadBalancer
  selector: { app: web }
  ports: [ { port: 80, targetPort: 8080 } ]
EXTRA"#;

const L2_AD: &str =
    "---\napiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata: { name: l2, namespace: metallb-system }\n";

fn metallb(cluster: &str, steps: &str, extra: &str, duration: &str) -> String {
    METALLB.replace("CLUSTER", cluster).replace("STEPS", steps).replace("EXTRA", extra).replace("DURATION", duration)
}

/// MetalLB #1561: an address that no L2Advertisement selects is assigned
/// but never announced: in-cluster clients reach it, nobody answers ARP.
#[test]
fn assigned_without_advertisement_is_never_announced() {
    let steps = r#"  - { at: 10s, run: { host: node-a, cmd: "curl -s -m 2 -o /dev/null -w \"%{http_code}\" http://192.168.1.200/" } }
  - { at: 12s, run: { host: router, cmd: "arping -c 2 192.168.1.200" } }"#;
    let run = run_yaml(&metallb("", steps, "", "20s"));
    assert_eq!(run.world().cluster.services["default/web"].ingress, vec![Ipv4Addr::new(192, 168, 1, 200)]);
    assert_eq!(last_output(&run, "curl"), ("200".to_string(), 0));
    assert_eq!(last_output(&run, "arping").1, 1, "no reply: {:?}", last_output(&run, "arping").0);
    assert!(run.world().cluster.announcers.get("default/web").is_none_or(|a| a.is_empty()));
}

/// kube-proxy IPVS binds every Service IP to kube-ipvs0 on every node; with
/// the kernel's default arp_ignore=0 every node then answers ARP for the
/// VIP (the reason MetalLB asks for strictARP: arp_ignore=1).
#[test]
fn ipvs_without_strict_arp_every_node_answers() {
    let steps = r#"  - { at: 10s, run: { host: router, cmd: "arping -c 2 192.168.1.200" } }"#;
    let macs = |run: &Run| -> std::collections::BTreeSet<String> {
        let (out, _) = last_output(run, "arping");
        out.lines()
            .filter(|l| l.starts_with("Unicast reply"))
            .filter_map(|l| l.split(['[', ']']).nth(1).map(String::from))
            .collect()
    };
    let loose = run_yaml(&metallb(", datapath: ipvs", steps, L2_AD, "15s"));
    assert_eq!(macs(&loose).len(), 3, "{:?}", last_output(&loose, "arping"));
    let strict = run_yaml(&metallb(", datapath: ipvs, strictARP: true", steps, L2_AD, "15s"));
    assert_eq!(macs(&strict).len(), 1, "{:?}", last_output(&strict, "arping"));
}

/// The L2Advertisement's nodeSelectors limit the candidates
/// (speaker/layer2_controller.go filters usable nodes by them).
#[test]
fn l2advertisement_node_selectors_limit_the_leader() {
    let ad = "---\napiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata: { name: l2, namespace: metallb-system }\nspec: { nodeSelectors: [ { matchLabels: { kubernetes.io/hostname: node-b } } ] }\n";
    let run = run_yaml(&metallb("", "  []", ad, "10s").replace("  timeline:\n  []", "  timeline: []"));
    assert_eq!(run.world().cluster.announcers["default/web"], vec!["node-b".to_string()]);
}

/// MAC aging (300 s) shorter than the router's ARP timeout (4 h): once a
/// quiet node's MAC ages out of the switch, frames the router still sends
/// to it are flooded as unknown unicast to every port (MetalLB #2910).
#[test]
fn mac_aging_shorter_than_arp_timeout_floods() {
    let steps = r#"  - { at: 10s, run: { host: client, cmd: "curl -s -m 2 -o /dev/null http://192.168.1.200/" } }
  - { at: 400s, run: { host: client, cmd: "curl -s -m 2 -o /dev/null http://192.168.1.200/" } }"#;
    let run = run_yaml(&metallb("", steps, L2_AD, "410s"));
    let aged = run
        .trace()
        .iter()
        .any(|r| matches!(&r.kind, Kind::Mac { change: vipsim::net::switch::MacChange::Aged { .. }, .. }));
    assert!(aged, "the switch aged a MAC out");
    let flooded = run.trace().iter().any(|r| {
        r.t >= Instant::from_secs(400)
            && matches!(r.kind, Kind::Frame { forward: Some(Forwarded::Flood { unknown_unicast: true }), .. })
    });
    assert!(flooded, "the router's frame to the leader's MAC is flooded");
    assert_eq!(last_output(&run, "curl").1, 0, "flooding still delivers it");
}

/// Node lifecycle: a silent node turns NotReady after the node monitor
/// grace period (50 s in recent Kubernetes, kubernetes#127352), checked
/// every 5 s, counted from its last Lease renewal (every 10 s); its pods
/// are evicted 300 s later (the not-ready/unreachable tolerations).
#[test]
fn node_not_ready_after_grace_and_eviction_after_300s() {
    let steps = "  - { at: 22s, fault: { host: node-a, action: power-off } }";
    let run = run_yaml(&metallb("", steps, L2_AD, "400s"));
    let not_ready = run
        .trace()
        .iter()
        .find(|r| matches!(&r.kind, Kind::Node { node, ready: false, .. } if &**node == "node-a"))
        .expect("NotReady");
    // Last lease renewal at 20 s, grace 50 s -> 70 s, the next 5 s check -> 70 s.
    assert_eq!(not_ready.t, Instant::from_secs(70));
    // The node lifecycle controller sets Ready to Unknown, not False
    // (`tryUpdateNodeHealth`, pkg/controller/nodelifecycle/node_lifecycle_controller.go,
    // Kubernetes 1.34): the trace says what `describe node` shows.
    assert_eq!(not_ready.kind.describe(), "node node-a Ready=Unknown: Kubelet stopped posting node status.");
    let evicted = run
        .trace()
        .iter()
        .find(
            |r| matches!(&r.kind, Kind::Pod { node: Some(n), phase, .. } if &**n == "node-a" && phase == "Terminating"),
        )
        .expect("evicted");
    assert_eq!(evicted.t, Instant::from_secs(370));
    // The replacement runs elsewhere.
    let running_elsewhere =
        run.world().cluster.pods.values().filter(|p| !p.terminating() && p.node.as_deref() != Some("node-a")).count();
    assert_eq!(running_elsewhere, 3);
}

/// healthCheckNodePort (externalTrafficPolicy: Local): kube-proxy answers
/// 200 with the local endpoint count on nodes that have one, 503 elsewhere,
/// in the multi-line, tab-indented body `hcHandler.ServeHTTP` prints
/// (pkg/proxy/healthcheck/service_health.go, Kubernetes 1.34).
#[test]
fn health_check_node_port_reports_local_endpoints() {
    let text = metallb(
        "",
        r#"  - { at: 10s, run: { host: client, cmd: "curl -s http://192.168.1.12:32000/healthz" } }
  - { at: 11s, run: { host: client, cmd: "curl -s -w \" %{http_code}\" http://192.168.1.11:32000/healthz" } }"#,
        L2_AD,
        "15s",
    )
    .replace(
        "ports: [ { port: 80, targetPort: 8080 } ]",
        "externalTrafficPolicy: Local\n  healthCheckNodePort: 32000\n  ports: [ { port: 80, targetPort: 8080 } ]",
    )
    .replace("replicas: 3", "replicas: 1\n  template_marker: x")
    .replace("  template_marker: x\n", "")
    .replace(
        "    spec:\n      containers:",
        "    spec:\n      nodeSelector: { kubernetes.io/hostname: node-b }\n      containers:",
    );
    let run = run_yaml(&text);
    let outputs: Vec<String> = run
        .trace()
        .iter()
        .filter_map(|r| match &r.kind {
            Kind::Command { cmd, stdout, .. } if cmd.contains("healthz") => Some(stdout.to_string()),
            _ => None,
        })
        .collect();
    // The body is kube-proxy's tab-indented template, without a final
    // newline (so `-w` output follows the closing brace).
    let body = |n: u32| {
        format!(
            "{{\n\t\"service\": {{\n\t\t\"namespace\": \"default\",\n\t\t\"name\": \"web\"\n\t}},\n\t\"localEndpoints\": {n},\n\t\"serviceProxyHealthy\": true\n}}"
        )
    };
    assert_eq!(outputs, vec![body(1), format!("{} 503", body(0))]);
}

/// A node's powered-off pods stay ready endpoints until the node is marked
/// NotReady: Cluster-policy connections forwarded to them fail even after
/// ARP has moved (the second outage of the failover story).
#[test]
fn dead_nodes_pods_stay_endpoints_until_not_ready() {
    let run = common::run("metallb-l2-failover", Some("garp-honor"));
    let results = common::curls(run.trace(), "client");
    let failed_between = |a: u64, b: u64| {
        results.iter().filter(|(t, e)| *t >= Instant::from_secs(a) && *t < Instant::from_secs(b) && *e != 0).count()
    };
    assert!(failed_between(27, 70) > 0, "some requests still pick node-a's pod");
    assert_eq!(failed_between(71, 118), 0, "after NotReady at 70 s node-a's pod is no endpoint");
}

/// The speaker list logs each memberlist event with the node's IP as
/// `node addr`, its name as `node name` and memberlist's event name
/// (MetalLB 0.14 internal/speakerlist/speakerlist.go, `memberlistWatchEvents`:
/// a clean stop is a NodeLeave for the others, the restart a NodeJoin).
#[test]
fn memberlist_leave_and_join_are_logged_with_address_and_name() {
    let steps = r#"  - { at: 10s, fault: { host: node-c, action: stop-speaker } }
  - { at: 20s, fault: { host: node-c, action: start-speaker } }"#;
    let run = run_yaml(&metallb("", steps, L2_AD, "25s"));
    let lines: Vec<String> = run
        .trace()
        .iter()
        .filter_map(|r| match &r.kind {
            Kind::Log { host, component, line } if &**host == "node-a" && component == "speaker" => {
                line.contains("node event").then(|| line.clone())
            }
            _ => None,
        })
        .collect();
    let line = |event: &str, ts: &str| {
        format!(
            "{{\"caller\":\"speakerlist.go:313\",\"level\":\"info\",\"msg\":\"node event - forcing sync\",\"node addr\":\"192.168.1.13\",\"node event\":\"{event}\",\"node name\":\"node-c\",\"ts\":\"2026-01-01T00:00:{ts}Z\"}}"
        )
    };
    assert_eq!(lines, vec![line("NodeLeave", "10"), line("NodeJoin", "20")]);
}

/// A node with no local endpoint of a Local Service: each datapath fails
/// its own way, and a learner sees three different signatures.
/// * kube-proxy iptables drops the SYN ("has no local endpoints",
///   pkg/proxy/iptables/proxier.go, 1.34): curl times out.
/// * kube-proxy IPVS gives the virtual service every endpoint instead
///   (`syncEndpoint`, pkg/proxy/ipvs/proxier.go 1.34, kubernetes #97081),
///   unmasqueraded: the SYN reaches the pod on the other node, whose
///   SYN-ACK comes straight back from the pod's own address, a peer the
///   client never called; the client answers it with a RST and times out.
/// * Cilium's frontend on that node has no backends, so it answers ICMP
///   port unreachable (`--service-no-backend-response=reject`, the default;
///   bpf/tests/tc_nodeport_lb4_no_backend.c, Cilium 1.18): curl fails at once.
#[test]
fn local_without_a_local_endpoint_drops_leaks_or_rejects_by_datapath() {
    let text = |datapath: &str| {
        format!(
            r#"
apiVersion: vipsim/v1
kind: Scenario
metadata: {{ name: local-nodeport }}
spec:
  duration: 12s
  cluster: {{ loadBalancer: none, datapath: {datapath} }}
  hosts:
  - {{ name: desk, role: client, ip: 10.9.0.50/24 }}
  - {{ name: k1, role: node, ip: 10.9.0.11/24 }}
  - {{ name: k2, role: node, ip: 10.9.0.12/24 }}
  timeline:
  - {{ at: 5s, run: {{ host: desk, cmd: "curl -sS -m 3 http://10.9.0.11:30555/hostname" }} }}
---
apiVersion: v1
kind: Pod
metadata: {{ name: api, labels: {{ app: api }}, annotations: {{ vipsim/pod-ip: 10.244.1.30 }} }}
spec:
  nodeName: k2
  containers:
  - {{ name: a, image: "registry.k8s.io/e2e-test-images/agnhost:2.53", args: [netexec, --http-port=9000], ports: [ {{ containerPort: 9000 }} ] }}
---
apiVersion: v1
kind: Service
metadata: {{ name: api }}
spec:
  type: NodePort
  externalTrafficPolicy: Local
  selector: {{ app: api }}
  ports: [ {{ port: 80, targetPort: 9000, nodePort: 30555 }} ]
"#
        )
    };
    let ended_at = |run: &Run| {
        run.trace()
            .iter()
            .find_map(|r| matches!(&r.kind, Kind::Command { cmd, .. } if cmd.starts_with("curl")).then_some(r.t))
    };
    let dropped_at_k1 = |run: &Run| {
        run.trace().iter().any(
            |r| matches!(&r.kind, Kind::Drop { at, reason: DropReason::NoLocalEndpoints { .. }, .. } if &**at == "k1"),
        )
    };
    // The SYN-ACKs desk receives, by source address.
    let syn_acks_from = |run: &Run| -> Vec<Ipv4Addr> {
        run.trace()
            .iter()
            .filter_map(|r| match &r.kind {
                Kind::Frame { at, dir: Dir::Rx, frame, .. } if &**at == "desk" => match frame.parse() {
                    Parsed::Ipv4 { packet, .. } => match packet.l4 {
                        L4::Tcp(tcp) if tcp.flags.has(TcpFlags::SYN_ACK) => Some(packet.src),
                        _ => None,
                    },
                    _ => None,
                },
                _ => None,
            })
            .collect()
    };

    let iptables = run_yaml(&text("iptables"));
    assert_eq!(
        last_output(&iptables, "curl"),
        ("curl: (28) Connection timed out after 3000 milliseconds\n".to_string(), 28)
    );
    assert!(dropped_at_k1(&iptables));
    assert_eq!(syn_acks_from(&iptables), Vec::<Ipv4Addr>::new());

    let ipvs = run_yaml(&text("ipvs"));
    assert_eq!(last_output(&ipvs, "curl").1, 28);
    assert!(!dropped_at_k1(&ipvs));
    let leaked = syn_acks_from(&ipvs);
    assert!(!leaked.is_empty() && leaked.iter().all(|ip| *ip == Ipv4Addr::new(10, 244, 1, 30)), "{leaked:?}");

    let cilium = run_yaml(&text("ebpf"));
    assert_eq!(
        last_output(&cilium, "curl"),
        ("curl: (7) Failed to connect to 10.9.0.11 port 30555 after 0 ms: Couldn't connect to server\n".to_string(), 7)
    );
    // At once: the SYN's round trip (and desk's ARP for k1), not a timeout.
    assert!(ended_at(&cilium).is_some_and(|t| t < Instant::from_secs(5) + vipsim::time::Duration::from_millis(10)));
    assert!(!dropped_at_k1(&cilium));
}

/// A healed speaker joins the speakers it can reach, not one still cut
/// off: memberlist's join (MetalLB 0.14 internal/speakerlist/speakerlist.go,
/// `mlJoin`) contacts each address and only those that answer become
/// members again, so node-b, healed first, sees node-c join only once
/// node-c is back on the LAN too.
#[test]
fn a_healed_speaker_rejoins_only_the_speakers_it_can_reach() {
    let steps = r#"  - { at: 10s, fault: { host: node-a, action: partition } }
  - { at: 10s, fault: { host: node-b, action: partition } }
  - { at: 20s, fault: { host: node-b, action: heal } }
  - { at: 30s, fault: { host: node-a, action: heal } }"#;
    let run = run_yaml(&metallb("", steps, L2_AD, "35s"));
    let mut joins: Vec<(u64, String, String)> = run
        .trace()
        .iter()
        .filter_map(|r| match &r.kind {
            Kind::Log { host, component, line } if component == "speaker" && line.contains("NodeJoin") => {
                let name = line.split("\"node name\":\"").nth(1)?.split('"').next()?;
                Some((r.t.as_millis(), host.to_string(), name.to_string()))
            }
            _ => None,
        })
        .collect();
    joins.sort();
    let join = |t: u64, observer: &str, subject: &str| (t, observer.to_string(), subject.to_string());
    assert_eq!(
        joins,
        vec![
            join(20_500, "node-b", "node-c"),
            join(20_500, "node-c", "node-b"),
            join(30_500, "node-a", "node-b"),
            join(30_500, "node-a", "node-c"),
            join(30_500, "node-b", "node-a"),
            join(30_500, "node-c", "node-a"),
        ]
    );
}

/// MetalLB's BGP speaker skips a node labelled
/// `node.kubernetes.io/exclude-from-external-load-balancers` exactly as its
/// layer-2 election does (MetalLB 0.14 speaker/bgp_controller.go,
/// `ShouldAnnounce`: `IsNodeExcludedFromBalancers` -> withdraw with
/// "nodeLabeledExcludeBalancers"; the label only has to exist). The session
/// stays up; only the route's next hops lose the node.
#[test]
fn bgp_leaves_out_nodes_excluded_from_external_load_balancers() {
    let text = r#"
apiVersion: vipsim/v1
kind: Scenario
metadata: { name: bgp-exclude }
spec:
  duration: 12s
  cluster: { loadBalancer: metallb, announce: bgp, serviceCIDR: 172.20.0.0/16, podCIDR: 10.60.0.0/16 }
  hosts:
  - { name: tor, role: router, ip: 10.9.0.1/24, asn: 65010 }
  - { name: k8s-1, role: node, ip: 10.9.0.21/24 }
  - { name: k8s-2, role: node, ip: 10.9.0.22/24, labels: { node.kubernetes.io/exclude-from-external-load-balancers: "" } }
  - { name: k8s-3, role: node, ip: 10.9.0.23/24 }
  - { name: k8s-4, role: node, ip: 10.9.0.24/24 }
  timeline: []
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: vips, namespace: metallb-system }
spec: { addresses: [10.9.100.0/28] }
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: { name: tor, namespace: metallb-system }
spec: { myASN: 65020, peerASN: 65010, peerAddress: 10.9.0.1 }
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: { name: all, namespace: metallb-system }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: shop }
spec:
  replicas: 4
  selector: { matchLabels: { app: shop } }
  template:
    metadata: { labels: { app: shop } }
    spec:
      containers:
      - { name: shop, image: hashicorp/http-echo:1.0, args: ["-text=shop", "-listen=:9000"], ports: [ { containerPort: 9000 } ] }
---
apiVersion: v1
kind: Service
metadata: { name: shop, namespace: default }
spec:
  type: LoadBalancer
  selector: { app: shop }
  ports: [ { port: 443, targetPort: 9000 } ]
"#;
    let run = run_yaml(text);
    let tor = run.world().net.host("tor").expect("router");
    let hops: Vec<Vec<Ipv4Addr>> =
        tor.routes.iter().filter(|r| r.origin == vipsim::net::host::RouteOrigin::Bgp).map(|r| r.via.clone()).collect();
    let without_k8s_2 = vec![Ipv4Addr::new(10, 9, 0, 21), Ipv4Addr::new(10, 9, 0, 23), Ipv4Addr::new(10, 9, 0, 24)];
    assert_eq!(hops, vec![without_k8s_2]);
    // k8s-2's session is up all the same: it only advertises nothing.
    let k8s_2 = &run.world().cluster.bgp["k8s-2"];
    assert_eq!(k8s_2.state, vipsim::k8s::cluster::BgpState::Established);
    assert!(k8s_2.advertised.is_empty());
}

/// MetalLB 0.14 re-arms its gratuitous-ARP burst on every reconcile of a
/// Service the speaker leads: `SetBalancer` (speaker/layer2_controller.go ->
/// internal/layer2/announcer.go) pushes the VIP into `spamLoop` with a stop
/// time 5 s ahead. A VIP already in the loop is not sent at once; it just
/// lives longer on the speaker's one 1.1 s ticker. A VIP that left the loop
/// goes out at once and restarts the ticker. Reconciles come from an
/// EndpointSlice change and from every memberlist event (speakerlist.go
/// `memberlistWatchEvents` -> `ForceSync`), each logging `serviceAnnounced`
/// and a `nodeAssigned` event again.
#[test]
fn every_resync_of_the_leader_rearms_the_garp_burst() {
    let nodes: Vec<String> = ["edge-1", "edge-2", "edge-3"].iter().map(|n| n.to_string()).collect();
    let vip = Ipv4Addr::new(172, 30, 5, 10);
    let order = vipsim::k8s::metallb::election_order(&nodes, vip);
    let (leader, last) = (order[0].clone(), order[2].clone());
    let text = r#"
apiVersion: vipsim/v1
kind: Scenario
metadata: { name: rearm }
spec:
  duration: 40s
  cluster: { loadBalancer: metallb, announce: l2, serviceCIDR: 10.101.0.0/16, podCIDR: 10.102.0.0/16 }
  hosts:
  - { name: gw, role: router, ip: 172.30.5.1/24 }
  - { name: edge-1, role: node, ip: 172.30.5.31/24 }
  - { name: edge-2, role: node, ip: 172.30.5.32/24 }
  - { name: edge-3, role: node, ip: 172.30.5.33/24 }
  timeline:
  - { at: 20s, fault: { host: LAST, action: stop-speaker } }
  - { at: 30s, fault: { host: LAST, action: start-speaker } }
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: edge, namespace: metallb-system }
spec: { addresses: [172.30.5.10-172.30.5.19] }
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: { name: edge, namespace: metallb-system }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: api-fast }
spec:
  replicas: 1
  selector: { matchLabels: { app: api, speed: fast } }
  template:
    metadata: { labels: { app: api, speed: fast } }
    spec:
      containers:
      - { name: api, image: hashicorp/http-echo:1.0, args: ["-text=api", "-listen=:5678"], ports: [ { containerPort: 5678 } ] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: api-slow }
spec:
  replicas: 1
  selector: { matchLabels: { app: api, speed: slow } }
  template:
    metadata: { labels: { app: api, speed: slow } }
    spec:
      containers:
      - name: api
        image: hashicorp/http-echo:1.0
        args: ["-text=api", "-listen=:5678"]
        ports: [ { containerPort: 5678 } ]
        readinessProbe: { tcpSocket: { port: 5678 }, initialDelaySeconds: 2 }
---
apiVersion: v1
kind: Service
metadata: { name: api }
spec:
  type: LoadBalancer
  selector: { app: api }
  ports: [ { port: 80, targetPort: 5678 } ]
"#
    .replace("LAST", &last);
    let run = run_yaml(&text);
    let t = run.trace();
    assert_eq!(run.world().cluster.announcers["default/api"], vec![leader.clone()]);
    let garps: Vec<u64> = t
        .iter()
        .filter_map(|r| match &r.kind {
            Kind::Frame { at, frame, forward: None, dir: vipsim::engine::trace::Dir::Tx, .. } if **at == *leader => {
                match frame.parse() {
                    vipsim::wire::Parsed::Arp { arp, .. } if arp.is_announcement() => Some(r.t.as_millis()),
                    _ => None,
                }
            }
            _ => None,
        })
        .collect();
    // 3 s: the first endpoint is ready, the leader announces: at once, then on its ticker.
    // 5 s: the second pod joins the EndpointSlice: still in the loop, so no extra
    //      frame, but the burst now ends 5 s later (two more ticks).
    // 20.5 s: the others' memberlist sees `last` leave: a resync, a new burst at once.
    // 30.5 s: it joins again: another.
    let ticks = |from: u64, n: u64| (0..n).flat_map(move |i| [from + 1100 * i, from + 1100 * i]);
    let expected: Vec<u64> = ticks(3_000, 7).chain(ticks(20_500, 5)).chain(ticks(30_500, 5)).collect();
    assert_eq!(garps, expected);
    let announced: Vec<u64> = t
        .iter()
        .filter(|r| matches!(&r.kind, Kind::Log { host, line, .. } if **host == *leader && line.contains("serviceAnnounced")))
        .map(|r| r.t.as_millis())
        .collect();
    assert_eq!(announced, vec![3_000, 5_000, 20_500, 30_500]);
    let assigned = run
        .world()
        .cluster
        .events
        .iter()
        .find(|e| e.reason == "nodeAssigned" && e.message.contains(leader.as_str()))
        .expect("nodeAssigned");
    assert_eq!((assigned.count, assigned.last), (4, Instant::from_millis(30_500)));
}

/// Cluster policy with kube-proxy: a LAN client reaching a pod on the very
/// node that received it is still masqueraded (KUBE-EXT-* marks everything,
/// pkg/proxy/iptables/proxier.go, Kubernetes 1.34), and the source is the
/// address MASQUERADE takes from the egress interface: vipsim's pods hang
/// off veths without a host-side IPv4 address, so the kernel picks the
/// node's own address (with a bridge CNI such as flannel's cni0 it would be
/// the bridge's, 10.x.y.1).
#[test]
fn cluster_policy_masquerade_towards_a_local_pod_takes_the_nodes_address() {
    let text = r#"
apiVersion: vipsim/v1
kind: Scenario
metadata: { name: masq-local }
spec:
  duration: 14s
  cluster: { loadBalancer: metallb, announce: l2, serviceCIDR: 10.140.0.0/16, podCIDR: 10.150.0.0/16 }
  hosts:
  - { name: edge, role: router, ip: 10.20.30.1/24 }
  - { name: laptop, role: client, ip: 172.16.9.9/24, behind: edge }
  - { name: rack-1, role: node, ip: 10.20.30.41/24 }
  - { name: rack-2, role: node, ip: 10.20.30.42/24 }
  timeline:
  - { at: 10s, run: { host: laptop, cmd: "curl -s http://10.20.30.200:8080/clientip" } }
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: p, namespace: metallb-system }
spec: { addresses: [10.20.30.200/32] }
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: { name: p, namespace: metallb-system }
spec: { nodeSelectors: [ { matchLabels: { kubernetes.io/hostname: rack-2 } } ] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: who }
spec:
  replicas: 1
  selector: { matchLabels: { app: who } }
  template:
    metadata: { labels: { app: who } }
    spec:
      nodeSelector: { kubernetes.io/hostname: rack-2 }
      containers:
      - { name: who, image: registry.k8s.io/e2e-test-images/agnhost:2.53, args: [netexec, --http-port=9376], ports: [ { containerPort: 9376 } ] }
---
apiVersion: v1
kind: Service
metadata: { name: who }
spec:
  type: LoadBalancer
  selector: { app: who }
  ports: [ { port: 8080, targetPort: 9376 } ]
"#;
    let run = run_yaml(text);
    let (out, exit) = last_output(&run, "curl");
    assert_eq!(exit, 0, "{out}");
    let (ip, _port) = out.split_once(':').expect("ip:port");
    assert_eq!(ip, "10.20.30.42", "rack-2 announces, hosts the pod and masquerades to its own address");
}

/// Two Cilium nodes racing for one Service's L2 lease; `STEPS` are the
/// timeline, `SEED` the run's seed.
const CILIUM_LEASE: &str = r#"
apiVersion: vipsim/v1
kind: Scenario
metadata: { name: cilium-lease }
spec:
  seed: SEED
  duration: 70s
  cluster: { loadBalancer: cilium, announce: l2, serviceCIDR: 10.43.0.0/16, podCIDR: 10.42.0.0/16 }
  hosts:
  - { name: tor, role: router, ip: 10.77.0.1/24 }
  - { name: cp-1, role: node, ip: 10.77.0.11/24 }
  - { name: cp-2, role: node, ip: 10.77.0.12/24 }
  timeline:
STEPS
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
      - { name: web, image: hashicorp/http-echo:1.0, args: ["-text=up", "-listen=:8080"], ports: [ { containerPort: 8080 } ] }
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  type: LoadBalancer
  selector: { app: web }
  ports: [ { port: 80, targetPort: 8080 } ]
---
apiVersion: cilium.io/v2
kind: CiliumLoadBalancerIPPool
metadata: { name: vips }
spec: { blocks: [ { cidr: 10.77.0.64/28 } ] }
---
apiVersion: cilium.io/v2alpha1
kind: CiliumL2AnnouncementPolicy
metadata: { name: all }
spec: { loadBalancerIPs: true }
"#;

/// The lease's first holder for `seed`, the other node, and a run of the
/// scenario with `steps` (HOLDER and OTHER replaced by them).
fn cilium_lease_run(seed: u64, steps: &str) -> (String, String, Run) {
    let text = |steps: &str| CILIUM_LEASE.replace("SEED", &seed.to_string()).replace("STEPS", steps);
    let probe = run_yaml(&text("  []").replace("  timeline:\n  []", "  timeline: []"));
    let holder = probe.world().cluster.leases["default/web"].holder.clone().expect("a holder");
    let other = if holder == "cp-1" { "cp-2" } else { "cp-1" }.to_string();
    let run = run_yaml(&text(&steps.replace("HOLDER", &holder).replace("OTHER", &other)));
    (holder, other, run)
}

/// When `node` logged taking the lease, in milliseconds.
fn acquired_at(run: &Run, node: &str) -> Vec<u64> {
    run.trace()
        .iter()
        .filter(|r| matches!(&r.kind, Kind::Log { host, line, .. } if &**host == node && line.contains("successfully acquired lease")))
        .map(|r| r.t.as_millis())
        .collect()
}

/// Cilium 1.18's L2 announcer runs client-go leader election with
/// `ReleaseOnCancel: true` (pkg/l2announcer/l2announcer.go,
/// `serviceLeaderElection`): a cleanly stopping agent empties the Lease
/// (holder "", leaseDurationSeconds 1; client-go
/// tools/leaderelection/leaderelection.go `release`), and the other
/// candidate takes it at its next retry, within one jittered retry period
/// (2 s x 1.0-2.2), not after the 15 s lease.
#[test]
fn cilium_clean_stop_releases_the_lease_and_hands_over_within_a_retry() {
    let steps = r#"  - { at: 20s, fault: { host: HOLDER, action: stop-speaker } }
  - { at: 20s, run: { host: tor, cmd: "kubectl get lease -n kube-system cilium-l2announce-default-web -o jsonpath={.spec.holderIdentity}/{.spec.leaseDurationSeconds}" } }"#;
    let (_, other, run) = cilium_lease_run(1, steps);
    assert_eq!(last_output(&run, "kubectl get lease").0, "/1");
    let taken = acquired_at(&run, &other);
    assert_eq!(taken.len(), 1, "{taken:?}");
    assert!(taken[0] > 20_000 && taken[0] <= 24_400, "taken over at {} ms", taken[0]);
    let lease = &run.world().cluster.leases["default/web"];
    assert_eq!((lease.holder.as_deref(), lease.transitions), (Some(other.as_str()), 1));
}

/// A crashed holder releases nothing: the other candidate takes over once
/// the lease has expired in its own view (client-go judges expiry from
/// `observedTime`, the time it last saw the record change, plus
/// leaseDurationSeconds) at its next jittered retry. Powered off at 20 s:
/// last renewal in (18, 20] s, first look after it up to 4.4 s later, 15 s,
/// then up to one more retry: (33, 43.8] s, drawn from the seeded RNG.
#[test]
fn cilium_crash_failover_waits_out_the_lease_with_seeded_jitter() {
    let steps = "  - { at: 20s, fault: { host: HOLDER, action: power-off } }";
    let takeovers: Vec<u64> = (1..=6)
        .map(|seed| {
            let (_, other, run) = cilium_lease_run(seed, steps);
            let taken = acquired_at(&run, &other);
            assert_eq!(taken.len(), 1, "seed {seed}: {taken:?}");
            assert!(taken[0] > 33_000 && taken[0] <= 43_800, "seed {seed}: taken over at {} ms", taken[0]);
            taken[0]
        })
        .collect();
    assert!(takeovers.iter().any(|t| *t != takeovers[0]), "the jitter depends on the seed: {takeovers:?}");
    let (_, other, again) = cilium_lease_run(1, steps);
    assert_eq!(acquired_at(&again, &other), vec![takeovers[0]], "the same seed, the same takeover");
}

/// A candidate that starts after the holder died has never seen the record
/// change: its first look sets `observedTime`, and it waits a whole lease
/// from there (client-go `tryAcquireOrRenew`/`isLeaseValid`), even though
/// the lease expired long ago by its renewTime.
#[test]
fn cilium_candidates_judge_expiry_from_their_own_observation() {
    let steps = r#"  - { at: 8s, fault: { host: OTHER, action: stop-speaker } }
  - { at: 20s, fault: { host: HOLDER, action: power-off } }
  - { at: 40s, fault: { host: OTHER, action: start-speaker } }"#;
    let (_, other, run) = cilium_lease_run(3, steps);
    let taken = acquired_at(&run, &other);
    assert_eq!(taken.len(), 1, "{taken:?}");
    assert!(taken[0] >= 55_000 && taken[0] <= 59_400, "taken over at {} ms", taken[0]);
}

/// MetalLB's controller re-checks a Service's address when the Service
/// changes (controller/main.go `SetBalancer` -> `convergeBalancer`, v0.14):
/// changing its sharing key while another Service holds the address with
/// the old key makes the changed one fail ("can't change sharing key"),
/// which it reports once as an AllocationFailed event and loses the
/// address; the other keeps it. When the other is deleted, `SetBalancer`
/// answers SyncStateReprocessAll and the one left waiting gets the address.
#[test]
fn a_sharing_key_changed_under_a_shared_address_fails_once_until_the_address_is_free() {
    // Each reconcile of only what changed is also run over every Service
    // and must agree (tests/incremental.rs): the Service waiting for the
    // address is given it as a full pass would.
    #[cfg(not(target_arch = "wasm32"))]
    vipsim::k8s::control::verify::set(true);
    let shared = |name: &str, proto: &str| {
        format!(
            "---\napiVersion: v1\nkind: Service\nmetadata: {{ name: {name}, annotations: {{ metallb.io/allow-shared-ip: dns }} }}\n\
             spec: {{ type: LoadBalancer, loadBalancerIP: 192.168.1.205, selector: {{ app: web }}, ports: [ {{ port: 53, protocol: {proto}, targetPort: 8080 }} ] }}\n"
        )
    };
    let steps = r#"  - { at: 5s, run: { host: router, cmd: "kubectl patch svc dns-udp -p '{\"metadata\":{\"annotations\":{\"metallb.io/allow-shared-ip\":\"other\"}}}'" } }
  - { at: 8s, run: { host: router, cmd: "kubectl delete svc dns-tcp" } }"#;
    let extra = format!("{L2_AD}{}{}", shared("dns-tcp", "TCP"), shared("dns-udp", "UDP"));
    let run = run_yaml(&metallb("", steps, &extra, "10s"));
    let ipam: Vec<(u64, String)> = run
        .trace()
        .iter()
        .filter_map(|r| match &r.kind {
            Kind::Ipam { service, message, .. } if service.starts_with("default/dns") => {
                Some((r.t.as_millis(), format!("{service}: {message}")))
            }
            _ => None,
        })
        .collect();
    let failed = "default/dns-udp: Failed to allocate IP for \"default/dns-udp\": can't change sharing key for \"default/dns-udp\", address also in use by default/dns-tcp";
    assert_eq!(
        ipam,
        vec![
            (0, "default/dns-tcp: Assigned IP [\"192.168.1.205\"]".to_string()),
            (0, "default/dns-udp: Assigned IP [\"192.168.1.205\"]".to_string()),
            (5000, failed.to_string()),
            (8000, "default/dns-udp: Assigned IP [\"192.168.1.205\"]".to_string()),
        ]
    );
}

/// MetalLB 0.14.9 speaker/main.go `SetBalancer`: a speaker that announced a
/// Service and stops logs `serviceWithdrawn` with why it stopped, and the
/// reason decides what the logger carried by then: `serviceDeleted`,
/// `notLoadBalancer` and `noIPAllocated` are decided before the Service's
/// addresses are read (no `ips`, `pool` or `protocol`); `loadBalancerIPChanged`
/// after (`ip` the old address, `ips` the new one, no `protocol`), and then
/// `handleService` announces the new address if this node still leads it.
/// The record of who answers for the VIP says nobody does on that Service's
/// behalf, rather than keeping the last speaker until the address returns.
/// The announcer (internal/layer2/announcer.go) counts Services per address:
/// a shared address stays announced, and its GARP burst goes on, while
/// another Service holds it; `gratuitous` sends nothing for an address no
/// longer held, so a withdrawn address's burst stops at once.
#[test]
fn a_speaker_withdraws_a_service_with_the_reason_it_stopped() {
    let shared = |name: &str, proto: &str| {
        format!(
            "---\napiVersion: v1\nkind: Service\nmetadata: {{ name: {name}, annotations: {{ metallb.io/allow-shared-ip: dns }} }}\n\
             spec: {{ type: LoadBalancer, loadBalancerIP: 192.168.1.205, selector: {{ app: web }}, ports: [ {{ port: 53, protocol: {proto}, targetPort: 8080 }} ] }}\n"
        )
    };
    // MetalLB's order (sha256 of node#ip): node-a leads .200, node-c leads
    // .205, .207 and .209 (election_leader below checks it).
    let steps = r#"  - { at: 4s, run: { host: router, cmd: "kubectl patch svc web -p '{\"spec\":{\"loadBalancerIP\":\"192.168.1.207\"}}'" } }
  - { at: 5s, run: { host: router, cmd: "kubectl patch svc dns-udp -p '{\"metadata\":{\"annotations\":{\"metallb.io/allow-shared-ip\":\"other\"}}}'" } }
  - { at: 6s, run: { host: router, cmd: "kubectl patch svc web -p '{\"spec\":{\"loadBalancerIP\":\"192.168.1.209\"}}'" } }
  - { at: 8s, run: { host: router, cmd: "kubectl delete svc dns-tcp" } }
  - { at: 9s, run: { host: router, cmd: "kubectl patch svc web -p '{\"spec\":{\"type\":\"ClusterIP\"}}'" } }"#;
    let extra = format!("{L2_AD}{}{}", shared("dns-tcp", "TCP"), shared("dns-udp", "UDP"));
    let run = run_yaml(&metallb("", steps, &extra, "12s"));
    for (vip, leader) in [
        ("192.168.1.200", "node-a"),
        ("192.168.1.205", "node-c"),
        ("192.168.1.207", "node-c"),
        ("192.168.1.209", "node-c"),
    ] {
        assert_eq!(election_leader(&run, vip), leader, "{vip}");
    }
    let lines: Vec<(u64, String)> = run
        .trace()
        .iter()
        .filter_map(|r| match &r.kind {
            Kind::Log { host, component, line }
                if component == "speaker"
                    && r.t.as_millis() >= 4000
                    && (line.contains("serviceWithdrawn") || line.contains("serviceAnnounced")) =>
            {
                Some((r.t.as_millis(), format!("{host} {}", line.split(",\"ts\":").next().unwrap())))
            }
            _ => None,
        })
        .collect();
    let withdrawn =
        |node: &str, rest: &str| format!("{node} {{\"caller\":\"main.go:464\",\"event\":\"serviceWithdrawn\",{rest}");
    let announced = |node: &str, ip: &str| {
        format!(
            "{node} {{\"caller\":\"main.go:420\",\"event\":\"serviceAnnounced\",\"ips\":[\"{ip}\"],\"level\":\"info\",\"msg\":\"service has IP, announcing\",\"pool\":\"pool\",\"protocol\":\"layer2\""
        )
    };
    let changed = |old: &str, new: &str| {
        format!(
            "\"ip\":[\"{old}\"],\"ips\":[\"{new}\"],\"level\":\"info\",\"msg\":\"withdrawing service announcement\",\"pool\":\"pool\",\"reason\":\"loadBalancerIPChanged\""
        )
    };
    let dropped = |ip: &str, reason: &str| {
        format!(
            "\"ip\":[\"{ip}\"],\"level\":\"info\",\"msg\":\"withdrawing service announcement\",\"reason\":\"{reason}\""
        )
    };
    assert_eq!(
        lines,
        vec![
            // Another node leads the new address: each logs its half (the
            // speakers of one instant in node order).
            (4000, withdrawn("node-a", &changed("192.168.1.200", "192.168.1.207"))),
            (4000, announced("node-c", "192.168.1.207")),
            (5000, withdrawn("node-c", &dropped("192.168.1.205", "noIPAllocated"))),
            // The same node leads the new address: it withdraws, then announces.
            (6000, withdrawn("node-c", &changed("192.168.1.207", "192.168.1.209"))),
            (6000, announced("node-c", "192.168.1.209")),
            (8000, withdrawn("node-c", &dropped("192.168.1.205", "serviceDeleted"))),
            (8000, announced("node-c", "192.168.1.205")),
            (9000, withdrawn("node-c", &dropped("192.168.1.209", "notLoadBalancer"))),
        ]
    );
    let leaders: Vec<(u64, String)> = run
        .trace()
        .iter()
        .filter(|r| r.t.as_millis() >= 4000 && matches!(r.kind, Kind::Leader { .. }))
        .map(|r| (r.t.as_millis(), r.kind.describe()))
        .collect();
    assert_eq!(
        leaders,
        vec![
            (4000, "default/web 192.168.1.207 announced by node-c (was node-a): leader changed".to_string()),
            (5000, "default/dns-udp 192.168.1.205 announced by nobody (was node-c): the Service has no address any more".to_string()),
            (8000, "default/dns-tcp 192.168.1.205 announced by nobody (was node-c): the Service was deleted".to_string()),
            (8000, "default/dns-udp 192.168.1.205 announced by node-c (was nobody): elected".to_string()),
            (9000, "default/web 192.168.1.209 announced by nobody (was node-c): the Service is no longer of type LoadBalancer".to_string()),
        ]
    );
    // GARP requests node-c sent per address after 4 s, on the announcer's one
    // 1.1 s ticker (started at 3 s): .205's burst goes on through dns-udp's
    // withdrawal at 5 s (dns-tcp still holds it) and is stretched to 13 s
    // when dns-udp gets it back at 8 s, with no extra send (`spamLoop` sends
    // at once only for an address not already in its map); .207's stops
    // when it is withdrawn at 6 s, and .209's at 9 s (a new address is
    // sent at once, then on the ticker).
    let garps = |vip: &str| -> Vec<u64> {
        let vip: Ipv4Addr = vip.parse().unwrap();
        run.trace()
            .iter()
            .filter_map(|r| match &r.kind {
                Kind::Frame { at, frame, forward: None, dir: vipsim::engine::trace::Dir::Tx, .. }
                    if &**at == "node-c" && r.t.as_millis() >= 4000 =>
                {
                    match frame.parse() {
                        vipsim::wire::Parsed::Arp { arp, .. }
                            if arp.is_announcement()
                                && arp.sender_ip == vip
                                && arp.op == vipsim::wire::ArpOperation::Request =>
                        {
                            Some(r.t.as_millis())
                        }
                        _ => None,
                    }
                }
                _ => None,
            })
            .collect()
    };
    assert_eq!(garps("192.168.1.205"), vec![4100, 5200, 6300, 7400, 8500, 9600, 10700, 11800]);
    assert_eq!(garps("192.168.1.207"), vec![4000, 4100, 5200]);
    assert_eq!(garps("192.168.1.209"), vec![6000, 6300, 7400, 8500]);
}

/// The node MetalLB's layer 2 election puts first for `vip` among the
/// three nodes (all ready, all with an endpoint here).
fn election_leader(run: &Run, vip: &str) -> String {
    let nodes: Vec<String> = run.world().cluster.nodes.keys().cloned().collect();
    vipsim::k8s::metallb::election_order(&nodes, vip.parse().unwrap())[0].clone()
}

/// Four BGP nodes behind a `tor` router: `api` (Local policy) runs on
/// k8s-2 only, `web` (Cluster policy) on k8s-3 only. STEPS and PEER are
/// replaced by timeline steps and the BGPPeer's extra spec fields.
const BGP_SHOP: &str = r#"
apiVersion: vipsim/v1
kind: Scenario
metadata: { name: bgp-shop }
spec:
  duration: DURATION
  cluster: { loadBalancer: metallb, announce: bgp, serviceCIDR: 172.21.0.0/16, podCIDR: 10.70.0.0/16 }
  hosts:
  - { name: tor, role: router, ip: 10.20.0.1/24, asn: 65100 }
  - { name: k8s-1, role: node, ip: 10.20.0.31/24 }
  - { name: k8s-2, role: node, ip: 10.20.0.32/24 }
  - { name: k8s-3, role: node, ip: 10.20.0.33/24 }
  - { name: k8s-4, role: node, ip: 10.20.0.34/24 }
  timeline:
STEPS
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: edge, namespace: metallb-system }
spec: { addresses: [10.20.50.8/29] }
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: { name: tor, namespace: metallb-system }
spec: { myASN: 65200, peerASN: 65100, peerAddress: 10.20.0.1PEER }
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: { name: edge, namespace: metallb-system }
spec: { ipAddressPools: [edge] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: api }
spec:
  replicas: 1
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec:
      nodeSelector: { kubernetes.io/hostname: k8s-2 }
      containers:
      - { name: api, image: hashicorp/http-echo:1.0, args: ["-text=api", "-listen=:7000"], ports: [ { containerPort: 7000 } ] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      nodeSelector: { kubernetes.io/hostname: k8s-3 }
      containers:
      - { name: web, image: hashicorp/http-echo:1.0, args: ["-text=web", "-listen=:7000"], ports: [ { containerPort: 7000 } ] }
---
apiVersion: v1
kind: Service
metadata: { name: api }
spec: { type: LoadBalancer, loadBalancerIP: 10.20.50.9, externalTrafficPolicy: Local, selector: { app: api }, ports: [ { port: 80, targetPort: 7000 } ] }
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec: { type: LoadBalancer, loadBalancerIP: 10.20.50.10, selector: { app: web }, ports: [ { port: 80, targetPort: 7000 } ] }
"#;

fn bgp_shop(steps: &str, peer: &str, duration: &str) -> Run {
    run_yaml(&BGP_SHOP.replace("STEPS", steps).replace("PEER", peer).replace("DURATION", duration))
}

/// The speakers' log lines (time in ms, node, line without its `ts`) whose
/// `event` is one of `events`.
fn speaker_lines(run: &Run, events: &[&str]) -> Vec<(u64, String, String)> {
    run.trace()
        .iter()
        .filter_map(|r| match &r.kind {
            Kind::Log { host, component, line }
                if component == "speaker" && events.iter().any(|e| line.contains(&format!("\"event\":\"{e}\""))) =>
            {
                let line = line.split(",\"ts\":").next().unwrap().to_string();
                Some((r.t.as_millis(), host.to_string(), line))
            }
            _ => None,
        })
        .collect()
}

/// In BGP mode every speaker reconciles every Service itself, as MetalLB
/// 0.14.9's speaker/main.go `SetBalancer` -> `handleService` does with
/// protocol "bgp": where speaker/bgp_controller.go `ShouldAnnounce` allows
/// it (a BGPAdvertisement selects the node, the node is schedulable and not
/// excluded, an endpoint can serve: anywhere for Cluster, on the node for
/// Local), `SetBalancer` logs `updatedAdvertisements` (numAds: one per
/// advertisement), then `serviceAnnounced` and the `nodeAssigned` event, on
/// every reconcile (here: the EndpointSlice changing, the node cordoned).
/// A refusal of a Service it announced is logged as `serviceWithdrawn` with
/// the refusal as reason (`nodeUnschedulable`, `noEndpoints`), and a
/// cordoned node also warns on every reconcile (`IsNodeAvailable`,
/// bgp_controller.go line 168); the other refusals are debug lines. A
/// deleted Service is withdrawn as `serviceDeleted` without the logger's
/// `ips`/`pool`/`protocol`. A cordoned node's route goes with it. Before,
/// the BGP speakers logged nothing about Services and a cordoned node kept
/// advertising.
#[test]
fn bgp_speakers_announce_and_withdraw_services_with_the_bgp_controllers_reasons() {
    let steps = r#"  - { at: 5s, fault: { host: k8s-3, action: cordon } }
  - { at: 6s, run: { host: tor, cmd: "ip route" } }
  - { at: 9s, run: { host: tor, cmd: "kubectl delete svc api" } }
  - { at: 11s, run: { host: tor, cmd: "kubectl scale deployment web --replicas=0" } }
  - { at: 14s, run: { host: tor, cmd: "kubectl get events --field-selector involvedObject.name=web" } }"#;
    let run = bgp_shop(steps, "", "15s");
    let lines = speaker_lines(
        &run,
        &["updatedAdvertisements", "serviceAnnounced", "serviceWithdrawn", "skipping should announce bgp"],
    );
    let announce = |t: u64, node: &str, ip: &str| {
        [
            (
                t,
                node.to_string(),
                format!(
                    "{{\"caller\":\"bgp_controller.go:346\",\"event\":\"updatedAdvertisements\",\"ips\":[\"{ip}\"],\"level\":\"info\",\"msg\":\"making advertisements using BGP\",\"numAds\":1,\"pool\":\"edge\",\"protocol\":\"bgp\""
                ),
            ),
            (
                t,
                node.to_string(),
                format!(
                    "{{\"caller\":\"main.go:420\",\"event\":\"serviceAnnounced\",\"ips\":[\"{ip}\"],\"level\":\"info\",\"msg\":\"service has IP, announcing\",\"pool\":\"edge\",\"protocol\":\"bgp\""
                ),
            ),
        ]
    };
    let cordoned = |t: u64, ip: &str, svc: &str| {
        (
            t,
            "k8s-3".to_string(),
            format!(
                "{{\"caller\":\"bgp_controller.go:168\",\"event\":\"skipping should announce bgp\",\"ips\":[\"{ip}\"],\"level\":\"warn\",\"pool\":\"edge\",\"protocol\":\"bgp\",\"reason\":\"nodeUnschedulable\",\"service\":\"{svc}\""
            ),
        )
    };
    let withdrawn = |t: u64, node: &str, reason: &str| {
        (
            t,
            node.to_string(),
            format!(
                "{{\"caller\":\"main.go:464\",\"event\":\"serviceWithdrawn\",\"ip\":[\"10.20.50.10\"],\"ips\":[\"10.20.50.10\"],\"level\":\"info\",\"msg\":\"withdrawing service announcement\",\"pool\":\"edge\",\"protocol\":\"bgp\",\"reason\":\"{reason}\""
            ),
        )
    };
    let (api, web) = ("10.20.50.9", "10.20.50.10");
    let mut expected = vec![];
    // 3 s: both pods ready. api (Local) only where its pod runs; web everywhere.
    expected.extend(announce(3000, "k8s-1", web));
    expected.extend(announce(3000, "k8s-2", api));
    expected.extend(announce(3000, "k8s-2", web));
    expected.extend(announce(3000, "k8s-3", web));
    expected.extend(announce(3000, "k8s-4", web));
    // 5 s: the cordon reprocesses every Service on every speaker.
    expected.extend(announce(5000, "k8s-1", web));
    expected.extend(announce(5000, "k8s-2", api));
    expected.extend(announce(5000, "k8s-2", web));
    expected.push(cordoned(5000, api, "default/api"));
    expected.push(cordoned(5000, web, "default/web"));
    expected.push(withdrawn(5000, "k8s-3", "nodeUnschedulable"));
    expected.extend(announce(5000, "k8s-4", web));
    // 9 s: api deleted.
    expected.push((9000, "k8s-2".into(), "{\"caller\":\"main.go:464\",\"event\":\"serviceWithdrawn\",\"ip\":[\"10.20.50.9\"],\"level\":\"info\",\"msg\":\"withdrawing service announcement\",\"reason\":\"serviceDeleted\"".into()));
    // 11 s: web's pod terminates but still serves: its slice changed, announced again.
    expected.extend(announce(11000, "k8s-1", web));
    expected.extend(announce(11000, "k8s-2", web));
    expected.push(cordoned(11000, web, "default/web"));
    expected.extend(announce(11000, "k8s-4", web));
    // 13 s: the pod is gone: no endpoint can serve.
    expected.push(withdrawn(13000, "k8s-1", "noEndpoints"));
    expected.push(withdrawn(13000, "k8s-2", "noEndpoints"));
    expected.push(cordoned(13000, web, "default/web"));
    expected.push(withdrawn(13000, "k8s-4", "noEndpoints"));
    assert_eq!(lines, expected);
    // The cordoned node's next hop left the route at 5 s.
    assert_eq!(
        last_output(&run, "ip route").0,
        "10.20.0.0/24 dev eth0 proto kernel scope link src 10.20.0.1 \n10.20.50.9 via 10.20.0.32 dev eth0 proto bgp metric 20 \n10.20.50.10 proto bgp metric 20 \n\tnexthop via 10.20.0.31 dev eth0 weight 1 \n\tnexthop via 10.20.0.32 dev eth0 weight 1 \n\tnexthop via 10.20.0.34 dev eth0 weight 1 \n"
    );
    let events = last_output(&run, "kubectl get events").0;
    for node in ["k8s-1", "k8s-2", "k8s-4"] {
        let row = events.lines().find(|l| l.contains(&format!("node \"{node}\""))).expect("nodeAssigned");
        let row = row.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(
            row,
            format!("3s Normal nodeAssigned service/web announcing from node \"{node}\" with protocol \"bgp\"")
        );
    }
}

/// The session lines of MetalLB's native BGP implementation (the default,
/// `METALLB_BGP_TYPE` unset; MetalLB 0.14.9): a speaker that starts a
/// session for its BGPPeer logs `peerAdded` (speaker/bgp_controller.go
/// `syncPeers`), and `sessionUp` once OPENs are exchanged
/// (internal/bgp/native/native.go `run`, the logger carrying the peer as
/// dialled and both ASNs). A restarted speaker is a new process and does
/// both again. A partitioned speaker keeps running: if the router's hold
/// timer dropped the session meanwhile, the healed speaker finds its
/// connection gone (`sessionDown`, warn) and reconnects; within the hold
/// time nothing happens. A deleted BGPPeer closes every session
/// (`peerRemoved`, `removedFromConfig`, `SetConfig`) and the router drops
/// the routes at once. Before, the speakers logged none of this.
#[test]
fn bgp_speakers_log_the_native_sessions_life() {
    let steps = r#"  - { at: 3s, fault: { host: k8s-2, action: partition } }
  - { at: 4s, fault: { host: k8s-3, action: stop-speaker } }
  - { at: 6s, fault: { host: k8s-3, action: start-speaker } }
  - { at: 8s, fault: { host: k8s-4, action: partition } }
  - { at: 10s, fault: { host: k8s-4, action: heal } }
  - { at: 14s, fault: { host: k8s-2, action: heal } }
  - { at: 18s, run: { host: tor, cmd: "kubectl delete bgppeer tor -n metallb-system" } }
  - { at: 19s, run: { host: tor, cmd: "ip route" } }"#;
    let run = bgp_shop(steps, ", holdTime: 6s", "20s");
    let lines = speaker_lines(&run, &["peerAdded", "sessionUp", "sessionDown", "peerRemoved"]);
    let added = |t: u64, n: &str| {
        (t, n.to_string(), "{\"caller\":\"bgp_controller.go:229\",\"event\":\"peerAdded\",\"level\":\"info\",\"msg\":\"peer configured, starting BGP session\",\"peer\":\"10.20.0.1\"".to_string())
    };
    let up = |t: u64, n: &str| {
        (t, n.to_string(), "{\"caller\":\"native.go:117\",\"event\":\"sessionUp\",\"level\":\"info\",\"localASN\":65200,\"msg\":\"BGP session established\",\"peer\":\"10.20.0.1:179\",\"peerASN\":65100".to_string())
    };
    let down = |t: u64, n: &str| {
        (t, n.to_string(), "{\"caller\":\"native.go:123\",\"event\":\"sessionDown\",\"level\":\"warn\",\"localASN\":65200,\"msg\":\"BGP session down\",\"peer\":\"10.20.0.1:179\",\"peerASN\":65100".to_string())
    };
    let removed = |t: u64, n: &str| {
        (t, n.to_string(), "{\"caller\":\"bgp_controller.go:102\",\"event\":\"peerRemoved\",\"level\":\"info\",\"msg\":\"peer deconfigured, closing BGP session\",\"peer\":\"10.20.0.1\",\"reason\":\"removedFromConfig\"".to_string())
    };
    let mut expected = vec![];
    for n in ["k8s-1", "k8s-2", "k8s-3", "k8s-4"] {
        expected.push(added(0, n));
    }
    for n in ["k8s-1", "k8s-2", "k8s-3", "k8s-4"] {
        expected.push(up(1000, n));
    }
    expected.extend([added(6000, "k8s-3"), up(7000, "k8s-3"), down(14000, "k8s-2"), up(15000, "k8s-2")]);
    for n in ["k8s-1", "k8s-2", "k8s-3", "k8s-4"] {
        expected.push(removed(18000, n));
    }
    assert_eq!(lines, expected);
    let idle: Vec<(u64, String, String)> = run
        .trace()
        .iter()
        .filter_map(|r| match &r.kind {
            Kind::Bgp { host, state, reason, .. } if state == "Idle" => {
                Some((r.t.as_millis(), host.to_string(), reason.to_string()))
            }
            _ => None,
        })
        .collect();
    let idle_expected: Vec<(u64, String, String)> = [
        (4000, "k8s-3", "TCP connection closed: the speaker stopped"),
        (9000, "k8s-2", "hold timer expired"),
        (18000, "k8s-1", "TCP connection closed: peer deconfigured"),
        (18000, "k8s-2", "TCP connection closed: peer deconfigured"),
        (18000, "k8s-3", "TCP connection closed: peer deconfigured"),
        (18000, "k8s-4", "TCP connection closed: peer deconfigured"),
    ]
    .into_iter()
    .map(|(t, h, r)| (t, h.to_string(), r.to_string()))
    .collect();
    assert_eq!(idle, idle_expected);
    assert_eq!(
        last_output(&run, "ip route"),
        ("10.20.0.0/24 dev eth0 proto kernel scope link src 10.20.0.1 \n".to_string(), 0)
    );
}

/// The speakers' failed connects (`failed to connect to peer`): ms, node,
/// line without its `ts`.
fn connect_failures(run: &Run) -> Vec<(u64, String, String)> {
    run.trace()
        .iter()
        .filter_map(|r| match &r.kind {
            Kind::Log { host, component, line } if component == "speaker" && line.contains("failed to connect") => {
                Some((r.t.as_millis(), host.to_string(), line.split(",\"ts\":").next().unwrap().to_string()))
            }
            _ => None,
        })
        .collect()
}

/// Editing a BGPPeer's ASN is replacing the peer: MetalLB's speaker
/// (speaker/bgp_controller.go `syncPeers`, 0.14.9) compares peers by their
/// whole configuration, closes the session of one that changed and dials
/// the new one, which here the router refuses (wrong AS): the routes go.
#[test]
fn a_bgp_peer_edited_to_a_wrong_asn_drops_its_session() {
    let steps = "  - { at: 10s, apply: tor-wrong }";
    let wrong = "---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: { name: tor, namespace: metallb-system, annotations: { vipsim/hold: \"true\", vipsim/id: tor-wrong } }
spec: { myASN: 65200, peerASN: 65999, peerAddress: 10.20.0.1 }
";
    let yaml = format!("{}{wrong}", BGP_SHOP.replace("STEPS", steps).replace("PEER", "").replace("DURATION", "15s"));
    let run = run_yaml(&yaml);
    let failures = connect_failures(&run);
    assert!(
        !failures.is_empty()
            && failures
                .iter()
                .all(|(t, _, line)| *t >= 10_000 && line.contains("unexpected peer ASN 65100, want 65999")),
        "{failures:#?}"
    );
    let withdrawn = run.trace().iter().any(|r| {
        r.t >= Instant::from_secs(10) && matches!(&r.kind, Kind::Route { next_hops, .. } if next_hops.is_empty())
    });
    assert!(withdrawn, "the routes go with the sessions");
}

/// A BGPPeer whose `peerASN` is not the router's AS never comes up. MetalLB
/// 0.14.9's native session (internal/bgp/native/native.go `connect`) reads
/// the router's OPEN, closes the connection with `unexpected peer ASN 65100,
/// want 65999`, and `run` logs it as `failed to connect to peer` (error) and
/// retries after its backoff (backoff.go: at once, then 1 s doubling to
/// 2 min); each attempt here takes vipsim's 1 s of connect and OPEN. The
/// router (AS 65100, its neighbor's remote-as the node's 65200) accepted the
/// node's OPEN, so it never sends a NOTIFICATION: its summary says every
/// neighbor is `Active`, `never` up, and it installs no route, while the
/// speakers still log `serviceAnnounced` (bgp_controller.go `SetBalancer`
/// does not look at the sessions). Before, vipsim logged `sessionUp`,
/// installed the routes and printed the BGPPeer's peerASN as the router's AS.
#[test]
fn a_wrong_peer_asn_is_refused_by_the_speaker_and_retried_with_backoff() {
    let steps = r#"  - { at: 20s, run: { host: tor, cmd: "vtysh -c \"show ip bgp summary\"" } }
  - { at: 20s, run: { host: tor, cmd: "ip route" } }"#;
    let yaml = BGP_SHOP
        .replace("STEPS", steps)
        .replace("PEER", "")
        .replace("DURATION", "400s")
        .replace("peerASN: 65100", "peerASN: 65999");
    let run = run_yaml(&yaml);
    let failure = "{\"caller\":\"native.go:109\",\"error\":\"unexpected peer ASN 65100, want 65999\",\"level\":\"error\",\"localASN\":65200,\"msg\":\"failed to connect to peer\",\"op\":\"connect\",\"peer\":\"10.20.0.1:179\",\"peerASN\":65999";
    let mut expected = vec![];
    for t in [1, 2, 4, 7, 12, 21, 38, 71, 136, 257, 378] {
        for n in ["k8s-1", "k8s-2", "k8s-3", "k8s-4"] {
            expected.push((t * 1000, n.to_string(), failure.to_string()));
        }
    }
    assert_eq!(connect_failures(&run), expected);
    assert_eq!(speaker_lines(&run, &["sessionUp"]), vec![]);
    assert_eq!(speaker_lines(&run, &["serviceAnnounced"]).len(), 4 + 1);
    assert!(!run.trace().iter().any(|r| matches!(&r.kind, Kind::Bgp { .. } | Kind::Route { .. })));
    assert_eq!(
        last_output(&run, "vtysh"),
        (
            "
IPv4 Unicast Summary (VRF default):
BGP router identifier 10.20.0.1, local AS number 65100 vrf-id 0
BGP table version 0
RIB entries 0, using 0 bytes of memory
Peers 4, using 2892 KiB of memory

Neighbor        V         AS   MsgRcvd   MsgSent   TblVer  InQ OutQ  Up/Down State/PfxRcd   PfxSnt Desc
10.20.0.31      4      65200         0         0        0    0    0    never       Active        0 N/A
10.20.0.32      4      65200         0         0        0    0    0    never       Active        0 N/A
10.20.0.33      4      65200         0         0        0    0    0    never       Active        0 N/A
10.20.0.34      4      65200         0         0        0    0    0    never       Active        0 N/A

Total number of neighbors 4
"
            .to_string(),
            0
        )
    );
    assert_eq!(
        last_output(&run, "ip route"),
        ("10.20.0.0/24 dev eth0 proto kernel scope link src 10.20.0.1 \n".to_string(), 0)
    );
}

/// A BGPPeer address where no BGP speaker listens: MetalLB 0.14.9 still
/// starts the session (`peerAdded`, speaker/bgp_controller.go `syncPeers`),
/// and its dials fail (internal/bgp/native/native.go `connect`: `dial
/// "ADDR:179": ` and `dialMD5`'s `getsockopt` error) with the same backoff.
/// Nobody at 10.20.0.254 on the LAN: ARP gives up after 3 s (Linux's 3
/// probes 1 s apart) and the connect fails with `no route to host`, so the
/// failures come at 3, 6, 10 (1 s wait), 15 (2 s), 22 s (4 s). A node's
/// address (k8s-4's) refuses at once (`connection refused`): twice at 0 s,
/// then 1 s and 3 s. The speakers announce the Service all the same; the
/// router, whose neighbors are the nodes, sees none of them (`Active`,
/// `never`) and has no route. Before, the speakers logged nothing at all.
#[test]
fn a_peer_address_nobody_answers_is_dialled_in_vain_with_backoff() {
    let steps = r#"  - { at: 20s, run: { host: tor, cmd: "vtysh -c \"show ip bgp summary\"" } }"#;
    let yaml = BGP_SHOP.replace("STEPS", steps).replace("DURATION", "25s");
    let run = run_yaml(&yaml.replace("10.20.0.1PEER", "10.20.0.254"));
    let added = "{\"caller\":\"bgp_controller.go:229\",\"event\":\"peerAdded\",\"level\":\"info\",\"msg\":\"peer configured, starting BGP session\",\"peer\":\"10.20.0.254\"";
    let nodes = ["k8s-1", "k8s-2", "k8s-3", "k8s-4"];
    assert_eq!(
        speaker_lines(&run, &["peerAdded", "sessionUp"]),
        nodes.iter().map(|n| (0, n.to_string(), added.to_string())).collect::<Vec<_>>()
    );
    let failure = "{\"caller\":\"native.go:109\",\"error\":\"dial \\\"10.20.0.254:179\\\": getsockopt: no route to host\",\"level\":\"error\",\"localASN\":65200,\"msg\":\"failed to connect to peer\",\"op\":\"connect\",\"peer\":\"10.20.0.254:179\",\"peerASN\":65100";
    let mut expected = vec![];
    for t in [3, 6, 10, 15, 22] {
        for n in nodes {
            expected.push((t * 1000, n.to_string(), failure.to_string()));
        }
    }
    assert_eq!(connect_failures(&run), expected);
    assert_eq!(speaker_lines(&run, &["serviceAnnounced"]).len(), 4 + 1);
    assert!(!run.trace().iter().any(|r| matches!(&r.kind, Kind::Bgp { .. } | Kind::Route { .. })));
    let summary = last_output(&run, "vtysh").0;
    for ip in ["10.20.0.31", "10.20.0.32", "10.20.0.33", "10.20.0.34"] {
        let row =
            format!("{ip:<16}4      65200         0         0        0    0    0    never       Active        0 N/A\n");
        assert!(summary.contains(&row), "{summary}");
    }

    let run = run_yaml(&yaml.replace("10.20.0.1PEER", "10.20.0.34"));
    let refused = "{\"caller\":\"native.go:109\",\"error\":\"dial \\\"10.20.0.34:179\\\": getsockopt: connection refused\",\"level\":\"error\",\"localASN\":65200,\"msg\":\"failed to connect to peer\",\"op\":\"connect\",\"peer\":\"10.20.0.34:179\",\"peerASN\":65100";
    let k8s_1: Vec<(u64, String)> =
        connect_failures(&run).into_iter().filter(|(_, n, _)| n == "k8s-1").map(|(t, _, l)| (t, l)).collect();
    let expected: Vec<(u64, String)> =
        [0, 0, 1000, 3000, 7000, 15000].into_iter().map(|t| (t, refused.to_string())).collect();
    assert_eq!(k8s_1, expected);
}

/// The router's `show ip bgp` rows (from the column header on) and `show
/// ip route` BGP lines, and `ip route`'s route to the VIP.
fn bgp_views(run: &Run) -> (String, String, String) {
    let table = last_output(run, "vtysh -c \"show ip bgp\"").0;
    let table = table[table.find("   Network").unwrap()..].to_string();
    let zebra = last_output(run, "vtysh -c \"show ip route\"").0;
    let zebra: String = zebra.lines().skip_while(|l| !l.starts_with("B>*")).map(|l| format!("{l}\n")).collect();
    let kernel = last_output(run, "ip route").0;
    let kernel: String = kernel.lines().filter(|l| !l.contains("proto kernel")).map(|l| format!("{l}\n")).collect();
    (table, zebra, kernel)
}

/// FRR's choice among the nodes' paths (bgpd/bgp_route.c
/// `bgp_path_info_cmp` in FRR 8 and later; bgp_mpath.c). Nodes of
/// different ASes: without `bgp bestpath as-path multipath-relax` eBGP
/// paths join the best in ECMP only when they come from the same neighbor
/// AS, so k8s-1 (AS 65201, best: the paths came up together and its
/// router ID, its address, is the lowest) is the only next hop and the
/// AS 65200 paths are valid but unused (`*`). iBGP (the nodes in the
/// router's AS 65100): MetalLB's native session sends an empty AS_PATH and
/// LOCAL_PREF 0 when the BGPAdvertisement sets no `localPref`
/// (internal/bgp/native/messages.go `encodePathAttrs`, 0.14.9), so FRR
/// shows `*>i`/`*=i` with LocPrf 0 and no path, installs all of them
/// (identical AS_PATHs) at zebra's iBGP distance 200; the kernel metric
/// stays 20 (zebra installs every route with `ROUTE_INSTALLATION_METRIC`,
/// zebra/rt.h). Before, every path printed the first BGPPeer's AS, the
/// different-AS paths were all ECMP and iBGP looked like eBGP.
#[test]
fn the_router_picks_paths_by_as_as_frr_does_for_ebgp_and_ibgp() {
    let steps = r#"  - { at: 5s, run: { host: tor, cmd: "vtysh -c \"show ip bgp\"" } }
  - { at: 5s, run: { host: tor, cmd: "vtysh -c \"show ip route\"" } }
  - { at: 5s, run: { host: tor, cmd: "ip route" } }"#;
    let yaml = BGP_SHOP.replace("STEPS", steps).replace("DURATION", "6s").replace("PEER", "");
    let other_as = yaml.replace(
        "spec: { myASN: 65200, peerASN: 65100, peerAddress: 10.20.0.1 }\n",
        "spec: { myASN: 65200, peerASN: 65100, peerAddress: 10.20.0.1, nodeSelectors: [ { matchExpressions: [ { key: kubernetes.io/hostname, operator: NotIn, values: [k8s-1] } ] } ] }
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: { name: tor-a, namespace: metallb-system }
spec: { myASN: 65201, peerASN: 65100, peerAddress: 10.20.0.1, nodeSelectors: [ { matchLabels: { kubernetes.io/hostname: k8s-1 } } ] }
",
    );
    assert_ne!(other_as, yaml);
    let (table, zebra, kernel) = bgp_views(&run_yaml(&other_as));
    assert_eq!(
        table,
        "   Network          Next Hop            Metric LocPrf Weight Path
*> 10.20.50.9/32    10.20.0.32                             0 65200 i
*  10.20.50.10/32   10.20.0.34                             0 65200 i
*                   10.20.0.33                             0 65200 i
*                   10.20.0.32                             0 65200 i
*>                  10.20.0.31                             0 65201 i

Displayed  2 routes and 5 total paths
"
    );
    assert_eq!(
        zebra,
        "B>* 10.20.50.9/32 [20/0] via 10.20.0.32, eth0, weight 1, 00:00:04
B>* 10.20.50.10/32 [20/0] via 10.20.0.31, eth0, weight 1, 00:00:04
"
    );
    assert_eq!(
        kernel,
        "10.20.50.9 via 10.20.0.32 dev eth0 proto bgp metric 20 \n10.20.50.10 via 10.20.0.31 dev eth0 proto bgp metric 20 \n"
    );

    let ibgp = yaml.replace("myASN: 65200", "myASN: 65100");
    let (table, zebra, kernel) = bgp_views(&run_yaml(&ibgp));
    assert_eq!(
        table,
        "   Network          Next Hop            Metric LocPrf Weight Path
*>i10.20.50.9/32    10.20.0.32                      0      0 i
*=i10.20.50.10/32   10.20.0.34                      0      0 i
*=i                 10.20.0.33                      0      0 i
*=i                 10.20.0.32                      0      0 i
*>i                 10.20.0.31                      0      0 i

Displayed  2 routes and 5 total paths
"
    );
    assert_eq!(
        zebra,
        "B>* 10.20.50.9/32 [200/0] via 10.20.0.32, eth0, weight 1, 00:00:04
B>* 10.20.50.10/32 [200/0] via 10.20.0.31, eth0, weight 1, 00:00:04
  *                        via 10.20.0.32, eth0, weight 1, 00:00:04
  *                        via 10.20.0.33, eth0, weight 1, 00:00:04
  *                        via 10.20.0.34, eth0, weight 1, 00:00:04
"
    );
    assert_eq!(
        kernel,
        "10.20.50.9 via 10.20.0.32 dev eth0 proto bgp metric 20 \n\
10.20.50.10 proto bgp metric 20 \n\
\tnexthop via 10.20.0.31 dev eth0 weight 1 \n\
\tnexthop via 10.20.0.32 dev eth0 weight 1 \n\
\tnexthop via 10.20.0.33 dev eth0 weight 1 \n\
\tnexthop via 10.20.0.34 dev eth0 weight 1 \n\
"
    );
}

/// A session going `Idle`: ms, node, reason.
type IdleRecord = (u64, String, String);
/// A route change at the router: ms, prefix, next hops, reason.
type RouteRecord = (u64, String, String, String);

/// The router's `Idle` records and its BGP route changes.
fn idle_and_routes(run: &Run) -> (Vec<IdleRecord>, Vec<RouteRecord>) {
    let mut idle = vec![];
    let mut routes = vec![];
    for r in run.trace() {
        match &r.kind {
            Kind::Bgp { host, state, reason, .. } if state == "Idle" => {
                idle.push((r.t.as_millis(), host.to_string(), reason.to_string()));
            }
            Kind::Route { prefix, next_hops, reason, .. } => {
                let hops: Vec<String> = next_hops.iter().map(ToString::to_string).collect();
                routes.push((r.t.as_millis(), prefix.to_string(), hops.join(","), reason.to_string()));
            }
            _ => {}
        }
    }
    (idle, routes)
}

/// A BGPPeer `holdTime: 0s` is valid in MetalLB 0.14.9 (`parseTimers`,
/// internal/config/config.go: "must be 0 or >=3s") and means what RFC 4271
/// §4.2 says: no keepalives (native.go `sendKeepalives` starts no ticker
/// when the negotiated hold time is 0) and no hold timer, so the router
/// keeps a powered-off node's routes for as long as the run lasts. Before,
/// vipsim expired the session at the instant of the power-off (`last + 0`).
#[test]
fn a_hold_time_of_zero_keeps_a_dead_nodes_route_for_good() {
    let steps = r#"  - { at: 10s, fault: { host: k8s-1, action: power-off } }
  - { at: 299s, run: { host: tor, cmd: "ip route" } }"#;
    let run = bgp_shop(steps, ", holdTime: 0s", "300s");
    let (idle, routes) = idle_and_routes(&run);
    assert_eq!(idle, vec![]);
    assert_eq!(
        routes,
        [
            (3000, "10.20.50.9/32".to_string(), "10.20.0.32".to_string(), "installed".to_string()),
            (
                3000,
                "10.20.50.10/32".to_string(),
                "10.20.0.31,10.20.0.32,10.20.0.33,10.20.0.34".to_string(),
                "installed".to_string()
            ),
        ]
    );
    assert_eq!(
        last_output(&run, "ip route"),
        (
            "10.20.0.0/24 dev eth0 proto kernel scope link src 10.20.0.1 \n\
10.20.50.9 via 10.20.0.32 dev eth0 proto bgp metric 20 \n\
10.20.50.10 proto bgp metric 20 \n\
\tnexthop via 10.20.0.31 dev eth0 weight 1 \n\
\tnexthop via 10.20.0.32 dev eth0 weight 1 \n\
\tnexthop via 10.20.0.33 dev eth0 weight 1 \n\
\tnexthop via 10.20.0.34 dev eth0 weight 1 \n\
"
            .to_string(),
            0
        )
    );
}

/// The session's hold time is the lower of the two OPENs' (RFC 4271 §4.2;
/// MetalLB 0.14.9 internal/bgp/native/native.go `connect`: `actualHoldTime`
/// is the peer's when it is lower, and keepalives go at a third of it), and
/// the router is FRR with its default 180 s (`BGP_DEFAULT_HOLDTIME`,
/// bgpd/bgpd.h, traditional profile). So `holdTime: 300s` still withdraws a
/// dead node's route 180 s after its last keepalive (sent at 1 s, when the
/// session came up): at 181 s. Before, vipsim used 300 s alone (301 s).
#[test]
fn the_hold_time_is_the_lower_of_the_speakers_and_the_routers() {
    let steps = "  - { at: 10s, fault: { host: k8s-1, action: power-off } }";
    let run = bgp_shop(steps, ", holdTime: 300s", "320s");
    let (idle, routes) = idle_and_routes(&run);
    assert_eq!(idle, [(181_000, "k8s-1".to_string(), "hold timer expired".to_string())]);
    assert_eq!(
        routes,
        [
            (3000, "10.20.50.9/32".to_string(), "10.20.0.32".to_string(), "installed".to_string()),
            (
                3000,
                "10.20.50.10/32".to_string(),
                "10.20.0.31,10.20.0.32,10.20.0.33,10.20.0.34".to_string(),
                "installed".to_string()
            ),
            (
                181_000,
                "10.20.50.10/32".to_string(),
                "10.20.0.32,10.20.0.33,10.20.0.34".to_string(),
                "next hops changed (ECMP rehash)".to_string(),
            ),
        ]
    );
    // Below the router's 180 s, the speaker's own value rules: 90 s by default.
    let run = bgp_shop(steps, "", "120s");
    assert_eq!(idle_and_routes(&run).0, [(91_000, "k8s-1".to_string(), "hold timer expired".to_string())]);
}

/// A BGPAdvertisement's `aggregationLength` and `peers` change what the
/// router learns (MetalLB 0.14.9 speaker/bgp_controller.go `SetBalancer`:
/// the prefix is the address masked to the length; `adsForPeer` with
/// internal/bgp/bgp.go `MatchesPeer`: an advertisement naming `peers` goes
/// only to BGPPeers of those names). With length 29 both VIPs of the /29
/// pool become one 10.20.50.8/29, learned from every node that announces
/// either of them; naming the BGPPeer `tor` changes nothing, naming another
/// peer leaves the router without a route. Before, vipsim read neither
/// field: always /32s, through any peer.
#[test]
fn bgp_advertisements_aggregate_and_go_only_to_the_peers_they_name() {
    let steps = r#"  - { at: 5s, run: { host: tor, cmd: "ip route" } }"#;
    let with_ad = |ad: &str| {
        let text = BGP_SHOP
            .replace("STEPS", steps)
            .replace("PEER", "")
            .replace("DURATION", "6s")
            .replace("spec: { ipAddressPools: [edge] }", &format!("spec: {{ ipAddressPools: [edge]{ad} }}"));
        run_yaml(&text)
    };
    let kernel = "10.20.0.0/24 dev eth0 proto kernel scope link src 10.20.0.1 \n";
    let run = with_ad(", aggregationLength: 29");
    assert_eq!(
        idle_and_routes(&run).1,
        [
            // The Local Service's endpoint (on k8s-2) is ready first.
            (3000, "10.20.50.8/29".to_string(), "10.20.0.32".to_string(), "installed".to_string()),
            (
                3000,
                "10.20.50.8/29".to_string(),
                "10.20.0.31,10.20.0.32,10.20.0.33,10.20.0.34".to_string(),
                "next hops changed (ECMP rehash)".to_string()
            )
        ]
    );
    assert_eq!(
        last_output(&run, "ip route").0,
        format!(
            "{kernel}10.20.50.8/29 proto bgp metric 20 \n\
\tnexthop via 10.20.0.31 dev eth0 weight 1 \n\
\tnexthop via 10.20.0.32 dev eth0 weight 1 \n\
\tnexthop via 10.20.0.33 dev eth0 weight 1 \n\
\tnexthop via 10.20.0.34 dev eth0 weight 1 \n\
"
        )
    );
    let run = with_ad(", peers: [tor]");
    assert_eq!(idle_and_routes(&run).1.len(), 2);
    let run = with_ad(", peers: [spine]");
    assert_eq!(idle_and_routes(&run).1, []);
    assert_eq!(last_output(&run, "ip route").0, kernel);
}

/// MetalLB opens a BGP session only for a configured BGPPeer
/// (speaker/bgp_controller.go `syncPeers` walks the peers of the
/// configuration, MetalLB 0.14.9): without one, nothing is advertised even
/// with a BGPAdvertisement. Before, vipsim peered every node with the
/// router by default and installed the route.
#[test]
fn metallb_without_a_bgp_peer_opens_no_session() {
    let text = BGP_SHOP
        .replace("STEPS", "  - { at: 5s, run: { host: tor, cmd: \"ip route\" } }")
        .replace("DURATION", "6s")
        .replace("apiVersion: metallb.io/v1beta2\nkind: BGPPeer\nmetadata: { name: tor, namespace: metallb-system }\nspec: { myASN: 65200, peerASN: 65100, peerAddress: 10.20.0.1PEER }\n---\n", "");
    assert!(!text.contains("BGPPeer"));
    let run = run_yaml(&text);
    assert!(run.world().cluster.bgp.is_empty());
    let tor = run.world().net.host("tor").expect("router");
    assert!(tor.routes.iter().all(|r| r.origin != vipsim::net::host::RouteOrigin::Bgp));
    assert!(speaker_lines(&run, &["peerAdded", "sessionUp"]).is_empty());
}

/// The rest of MetalLB 0.14.9's BGP `ShouldAnnounce` (speaker/bgp_controller.go)
/// as a speaker logs it: a node labelled
/// `node.kubernetes.io/exclude-from-external-load-balancers` warns on every
/// reconcile (line 173, the label named in `reason`) and advertises nothing;
/// a Local Service whose node loses its last endpoint is withdrawn as
/// `noLocalEndpoints`; `updatedAdvertisements` counts the BGPAdvertisements
/// of the pool that select the node (`numAds`, line 346).
#[test]
fn bgp_speakers_warn_on_an_excluded_node_and_count_advertisements_per_node() {
    let yaml = r#"
apiVersion: vipsim/v1
kind: Scenario
metadata: { name: bgp-racks }
spec:
  duration: 12s
  cluster: { loadBalancer: metallb, announce: bgp }
  hosts:
  - { name: spine, role: router, ip: 172.30.0.1/24, asn: 64900 }
  - { name: r1, role: node, ip: 172.30.0.11/24 }
  - { name: r2, role: node, ip: 172.30.0.12/24, labels: { rack: two } }
  - { name: r3, role: node, ip: 172.30.0.13/24, labels: { node.kubernetes.io/exclude-from-external-load-balancers: "true" } }
  timeline:
  - { at: 6s, run: { host: spine, cmd: "kubectl scale deployment db --replicas=0" } }
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: racks, namespace: metallb-system }
spec: { addresses: [172.30.9.0/28] }
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: { name: spine, namespace: metallb-system }
spec: { myASN: 64901, peerASN: 64900, peerAddress: 172.30.0.1 }
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: { name: all, namespace: metallb-system }
spec: { ipAddressPools: [racks] }
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: { name: rack-two, namespace: metallb-system }
spec: { ipAddressPools: [racks], nodeSelectors: [ { matchLabels: { rack: two } } ] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: db }
spec:
  replicas: 1
  selector: { matchLabels: { app: db } }
  template:
    metadata: { labels: { app: db } }
    spec:
      nodeSelector: { kubernetes.io/hostname: r2 }
      containers:
      - { name: db, image: hashicorp/http-echo:1.0, args: ["-text=db", "-listen=:5432"], ports: [ { containerPort: 5432 } ] }
---
apiVersion: v1
kind: Service
metadata: { name: db }
spec: { type: LoadBalancer, externalTrafficPolicy: Local, selector: { app: db }, ports: [ { port: 5432 } ] }
"#;
    let run = run_yaml(yaml);
    let lines = speaker_lines(
        &run,
        &["updatedAdvertisements", "serviceAnnounced", "serviceWithdrawn", "skipping should announce bgp"],
    );
    let ip = "172.30.9.0";
    let excluded = |t: u64| {
        (
            t,
            "r3".to_string(),
            format!(
                "{{\"caller\":\"bgp_controller.go:173\",\"event\":\"skipping should announce bgp\",\"ips\":[\"{ip}\"],\"level\":\"warn\",\"pool\":\"racks\",\"protocol\":\"bgp\",\"reason\":\"speaker's node has labeled 'node.kubernetes.io/exclude-from-external-load-balancers'\",\"service\":\"default/db\""
            ),
        )
    };
    let on_r2 = |t: u64| {
        [
            (
                t,
                "r2".to_string(),
                format!(
                    "{{\"caller\":\"bgp_controller.go:346\",\"event\":\"updatedAdvertisements\",\"ips\":[\"{ip}\"],\"level\":\"info\",\"msg\":\"making advertisements using BGP\",\"numAds\":2,\"pool\":\"racks\",\"protocol\":\"bgp\""
                ),
            ),
            (
                t,
                "r2".to_string(),
                format!(
                    "{{\"caller\":\"main.go:420\",\"event\":\"serviceAnnounced\",\"ips\":[\"{ip}\"],\"level\":\"info\",\"msg\":\"service has IP, announcing\",\"pool\":\"racks\",\"protocol\":\"bgp\""
                ),
            ),
        ]
    };
    let mut expected = vec![excluded(0)];
    // 3 s: db's pod is ready on r2, which both advertisements select; r1 has
    // no endpoint of its own (a debug line only), r3 warns.
    expected.extend(on_r2(3000));
    expected.push(excluded(3000));
    // 6 s: the pod terminates but still serves: announced again.
    expected.extend(on_r2(6000));
    expected.push(excluded(6000));
    // 8 s: it is gone: r2 withdraws db.
    expected.push((8000, "r2".to_string(), format!("{{\"caller\":\"main.go:464\",\"event\":\"serviceWithdrawn\",\"ip\":[\"{ip}\"],\"ips\":[\"{ip}\"],\"level\":\"info\",\"msg\":\"withdrawing service announcement\",\"pool\":\"racks\",\"protocol\":\"bgp\",\"reason\":\"noLocalEndpoints\"")));
    expected.push(excluded(8000));
    assert_eq!(lines, expected);
}

/// `sessionAffinity: ClientIP` sends a client to the pod it went to last,
/// as long as it comes back within `timeoutSeconds` of its last new
/// connection; after a longer pause it gets a fresh pick. kube-proxy's
/// iptables rules check each endpoint's `recent` list first (`-m recent
/// --rcheck --seconds T --reap`) and record the client again in the
/// endpoint's chain (`--set`; `writeServiceToEndpointRules`,
/// pkg/proxy/iptables/proxier.go, 1.34); IPVS makes the virtual service
/// persistent with that timeout; Cilium keeps an affinity map by client
/// address (bpf/lib/lb.h). Before, the field was ignored with a warning
/// that it did not affect networking, and every request went to a random
/// pod.
#[test]
fn client_ip_affinity_keeps_each_client_on_one_pod_until_it_pauses_longer_than_the_timeout() {
    for (datapath, lb) in [("iptables", "metallb"), ("ipvs", "metallb"), ("ebpf", "cilium")] {
        let pool = common::one_address_pool(lb, "172.16.4.240", true);
        // Two clients, each curling in bursts of five one second apart;
        // the bursts are 12 s apart, longer than the 6 s timeout.
        let mut steps = String::new();
        for burst in 0..4 {
            for client in ["pc1", "pc2"] {
                let at = 6 + burst * 12;
                steps.push_str(&format!(
                    "  - {{ at: {at}s, every: 1s, until: {}s, run: {{ host: {client}, cmd: \"curl -s -m 1 http://172.16.4.240/hostname\" }} }}\n",
                    at + 4
                ));
            }
        }
        let web = common::netexec_web(4);
        let yaml = format!(
            r#"apiVersion: vipsim/v1
kind: Scenario
metadata: {{ name: sticky }}
spec:
  seed: 4
  duration: 60s
  cluster: {{ loadBalancer: {lb}, announce: l2, datapath: {datapath} }}
  hosts:
  - {{ name: gw, role: router, ip: 172.16.4.1/24 }}
  - {{ name: pc1, role: client, ip: 10.8.0.11/24, behind: gw }}
  - {{ name: pc2, role: client, ip: 10.8.1.12/24, behind: gw }}
  - {{ name: n1, role: node, ip: 172.16.4.21/24 }}
  - {{ name: n2, role: node, ip: 172.16.4.22/24 }}
  timeline:
{steps}---
{pool}---
{web}---
apiVersion: v1
kind: Service
metadata: {{ name: web }}
spec:
  type: LoadBalancer
  sessionAffinity: ClientIP
  sessionAffinityConfig: {{ clientIP: {{ timeoutSeconds: 6 }} }}
  selector: {{ app: web }}
  ports: [ {{ port: 80, targetPort: 8080 }} ]
"#
        );
        let run = run_yaml(&yaml);
        // Per client and burst, the pods that answered.
        let mut answered: std::collections::BTreeMap<(String, u64), std::collections::BTreeSet<String>> =
            Default::default();
        for r in run.trace() {
            if let Kind::Command { host, cmd, started, stdout, exit: 0, .. } = &r.kind
                && cmd.starts_with("curl")
            {
                let burst = (started.as_nanos() / 1_000_000_000 - 6) / 12;
                answered.entry((host.to_string(), burst)).or_default().insert(stdout.trim().to_string());
            }
        }
        assert_eq!(answered.len(), 8, "{datapath}: every burst of both clients was answered: {answered:?}");
        for ((client, burst), pods) in &answered {
            assert_eq!(pods.len(), 1, "{datapath}: {client}'s burst {burst} stuck to one pod: {pods:?}");
        }
        for client in ["pc1", "pc2"] {
            let pods: std::collections::BTreeSet<&String> =
                answered.iter().filter(|((c, _), _)| c == client).flat_map(|(_, p)| p).collect();
            assert!(pods.len() > 1, "{datapath}: after each pause {client} got a fresh pick: {answered:?}");
        }
        let (yaml, _) = last_output_of_kubectl(&run);
        assert!(
            yaml.contains(
                "  sessionAffinity: ClientIP\n  sessionAffinityConfig:\n    clientIP:\n      timeoutSeconds: 6\n"
            ),
            "{datapath}: {yaml}"
        );
    }
}

/// `kubectl get svc web -o yaml` on the run's world at its end.
fn last_output_of_kubectl(run: &Run) -> (String, i32) {
    let mut w = run.world().clone();
    let out = vipsim::console::run(&mut w, "gw", "kubectl get svc web -o yaml", &mut Vec::new())
        .expect("runs")
        .expect("at once");
    (out, 0)
}

/// kube-proxy's IPVS proxier binds a Service's externalIPs to kube-ipvs0
/// like its ClusterIP and load-balancer IPs (`syncProxyRules`,
/// pkg/proxy/ipvs/proxier.go, 1.34), except on a node that already has the
/// address; without strictARP every node then answers ARP for it, so a
/// LAN client reaches the Service at its externalIP with no load balancer.
/// iptables (and Cilium) hold no such address: nobody answers ARP, and the
/// client's curl fails. Before, IPVS nodes did not bind externalIPs.
#[test]
fn ipvs_binds_external_ips_so_every_node_answers_arp_for_them() {
    for (datapath, answered) in [("ipvs", true), ("iptables", false)] {
        let web = common::netexec_web(2);
        let yaml = format!(
            r#"apiVersion: vipsim/v1
kind: Scenario
metadata: {{ name: extip }}
spec:
  seed: 2
  duration: 12s
  cluster: {{ loadBalancer: none, datapath: {datapath} }}
  hosts:
  - {{ name: gw, role: router, ip: 10.50.0.1/24 }}
  - {{ name: pc, role: client, ip: 10.51.0.9/24, behind: gw }}
  - {{ name: k1, role: node, ip: 10.50.0.11/24 }}
  - {{ name: k2, role: node, ip: 10.50.0.12/24 }}
  timeline:
  - {{ at: 6s, run: {{ host: pc, cmd: "curl -s -m 5 http://10.50.0.77/hostname" }} }}
  - {{ at: 11s, run: {{ host: k1, cmd: "ip addr" }} }}
---
{web}---
apiVersion: v1
kind: Service
metadata: {{ name: web }}
spec:
  externalIPs: [10.50.0.77, 10.50.0.12]
  selector: {{ app: web }}
  ports: [{{ port: 80, targetPort: 8080 }}]
"#
        );
        let run = run_yaml(&yaml);
        let (out, exit) = last_output(&run, "curl");
        assert_eq!(exit == 0, answered, "{datapath}: {out} (exit {exit})");
        let addr = last_output(&run, "ip addr").0;
        // k1 binds both external IPs; k2 (not checked here) would leave out its own.
        assert_eq!(addr.contains("inet 10.50.0.77/32 scope global kube-ipvs0"), answered, "{datapath}: {addr}");
        assert_eq!(addr.contains("inet 10.50.0.12/32 scope global kube-ipvs0"), answered, "{datapath}: {addr}");
    }
}

/// Cilium 1.18's L2 announcer (pkg/l2announcer/l2announcer.go) selects a
/// Service for a policy when the policy's address kind matches the
/// Service's ("Policy IP type and Service IP type must match", `upsertSvc`):
/// with `externalIPs: true` a Service with `spec.externalIPs`, a ClusterIP
/// one too. The lease holder's table then holds those addresses
/// (`desiredEntries`), its BPF responder answers ARP for them, and the
/// responder reconciler sends a gratuitous ARP for each new entry
/// (`garpOnNewEntry`, pkg/datapath/l2responder/l2responder.go). The eBPF
/// datapath has a frontend for each externalIP, so a LAN client's curl
/// reaches a pod. With `externalIPs: false` the policy does not select the
/// Service: nobody answers, and the curl fails. Before, vipsim's announcer
/// answered for load-balancer IPs only.
#[test]
fn cilium_lease_holder_answers_arp_for_external_ips_when_the_policy_says_so() {
    for external in [true, false] {
        let web = common::netexec_web(2);
        let yaml = format!(
            r#"apiVersion: vipsim/v1
kind: Scenario
metadata: {{ name: extip-l2 }}
spec:
  seed: 3
  duration: 14s
  cluster: {{ loadBalancer: cilium, announce: l2, datapath: ebpf }}
  hosts:
  - {{ name: rt, role: router, ip: 10.61.4.1/24 }}
  - {{ name: desk, role: client, ip: 10.61.4.70/24 }}
  - {{ name: wk-a, role: node, ip: 10.61.4.11/24 }}
  - {{ name: wk-b, role: node, ip: 10.61.4.12/24 }}
  timeline:
  - {{ at: 7s, run: {{ host: desk, cmd: "arping -c 2 10.61.4.150" }} }}
  - {{ at: 10s, run: {{ host: desk, cmd: "curl -s -m 3 http://10.61.4.150/hostname" }} }}
---
{web}---
apiVersion: v1
kind: Service
metadata: {{ name: web }}
spec:
  externalIPs: [10.61.4.150]
  selector: {{ app: web }}
  ports: [{{ port: 80, targetPort: 8080 }}]
---
apiVersion: cilium.io/v2alpha1
kind: CiliumL2AnnouncementPolicy
metadata: {{ name: ext }}
spec: {{ externalIPs: {external}, loadBalancerIPs: true }}
"#
        );
        let run = run_yaml(&yaml);
        let vip: Ipv4Addr = "10.61.4.150".parse().unwrap();
        let holder = run.world().cluster.leases.get("default/web").and_then(|l| l.holder.clone());
        assert_eq!(holder.is_some(), external, "externalIPs: {external}: lease {holder:?}");
        let (arping, arping_exit) = last_output(&run, "arping");
        let (curl, curl_exit) = last_output(&run, "curl");
        assert_eq!(curl_exit == 0, external, "externalIPs: {external}: {curl} (exit {curl_exit})");
        assert_eq!(arping_exit == 0, external, "externalIPs: {external}: {arping}");
        // Who answers for the VIP (the lesson's list) names the address.
        let answers = vipsim::view::answers::who_answers(run.world());
        let listed = answers.iter().find(|a| a.ip == vip);
        if let Some(holder) = holder {
            assert!(curl.starts_with("web-"), "{curl}");
            let mac = run.world().net.host(&holder).unwrap().ifaces[0].mac;
            assert!(arping.to_uppercase().contains(&mac.to_string().to_uppercase()), "{holder} {mac}: {arping}");
            assert_eq!(listed.map(|a| a.nodes()), Some(vec![holder.as_str()]), "{answers:?}");
            // One gratuitous ARP reply for the externalIP on takeover.
            let garps = run
                .trace()
                .iter()
                .filter(|r| match &r.kind {
                    Kind::Frame { at, frame, forward: None, dir: Dir::Tx, .. } if **at == *holder => {
                        matches!(frame.parse(), Parsed::Arp { arp, .. } if arp.is_announcement() && arp.sender_ip == vip)
                    }
                    _ => false,
                })
                .count();
            assert_eq!(garps, 1);
        } else {
            assert!(listed.is_none(), "{answers:?}");
        }
    }
}

/// `desiredEntries` (pkg/l2announcer/l2announcer.go, Cilium 1.18) adds a
/// Service's `status.loadBalancer.ingress` addresses only for a policy with
/// `loadBalancerIPs: true`: a policy with only `externalIPs: true` makes
/// the holder answer ARP for the externalIP of a LoadBalancer Service and
/// leaves its load-balancer IP unanswered.
#[test]
fn cilium_policy_with_only_external_ips_leaves_the_load_balancer_ip_unanswered() {
    let web = common::netexec_web(1);
    let yaml = format!(
        r#"apiVersion: vipsim/v1
kind: Scenario
metadata: {{ name: extip-only }}
spec:
  seed: 5
  duration: 16s
  cluster: {{ loadBalancer: cilium, announce: l2, datapath: ebpf }}
  hosts:
  - {{ name: rt, role: router, ip: 10.62.9.1/24 }}
  - {{ name: desk, role: client, ip: 10.62.9.70/24 }}
  - {{ name: wk-a, role: node, ip: 10.62.9.11/24 }}
  - {{ name: wk-b, role: node, ip: 10.62.9.12/24 }}
  timeline:
  - {{ at: 7s, run: {{ host: desk, cmd: "curl -s -m 3 http://10.62.9.151/hostname" }} }}
  - {{ at: 11s, run: {{ host: desk, cmd: "arping -c 2 10.62.9.140" }} }}
---
{web}---
apiVersion: v1
kind: Service
metadata: {{ name: web }}
spec:
  type: LoadBalancer
  externalIPs: [10.62.9.151]
  selector: {{ app: web }}
  ports: [{{ port: 80, targetPort: 8080 }}]
---
apiVersion: cilium.io/v2alpha1
kind: CiliumLoadBalancerIPPool
metadata: {{ name: p }}
spec: {{ blocks: [ {{ cidr: 10.62.9.140/32 }} ] }}
---
apiVersion: cilium.io/v2alpha1
kind: CiliumL2AnnouncementPolicy
metadata: {{ name: ext }}
spec: {{ externalIPs: true }}
"#
    );
    let run = run_yaml(&yaml);
    let svc = &run.world().cluster.services["default/web"];
    assert_eq!(svc.ingress, vec!["10.62.9.140".parse::<Ipv4Addr>().unwrap()]);
    let holder = run.world().cluster.leases["default/web"].holder.clone().expect("a holder");
    let (curl, exit) = last_output(&run, "curl");
    assert!(exit == 0 && curl.starts_with("web-"), "{curl} (exit {exit})");
    let (arping, exit) = last_output(&run, "arping");
    assert_ne!(exit, 0, "nobody answers for the load-balancer IP: {arping}");
    let announce = &run.world().net.host(&holder).unwrap().announce;
    assert_eq!(announce.keys().map(ToString::to_string).collect::<Vec<_>>(), vec!["10.62.9.151"]);
    let answers = vipsim::view::answers::who_answers(run.world());
    let nodes = |ip: &str| answers.iter().find(|a| a.ip.to_string() == ip).map(|a| a.nodes());
    assert_eq!(nodes("10.62.9.151"), Some(vec![holder.as_str()]));
    assert_eq!(nodes("10.62.9.140"), Some(vec![]));
}
