//! How the hosts' network stacks fail, checked against the kernel and the
//! tools: a host never ARPs for its own addresses, ICMP errors reach the
//! sockets they are about, REJECT answers with ICMP port unreachable, and a
//! Cisco router's short ARP timeout works without flooding the LAN.

use crate::common;

use std::net::Ipv4Addr;
use std::rc::Rc;
use vipsim::engine::trace::{Dir, Kind, Record};
use vipsim::play::run::Run;
use vipsim::scenario::spec::{FaultAction, FaultStep};
use vipsim::sim::action::Action;
use vipsim::time::{Duration, Instant};
use vipsim::wire::{ArpOperation, Parsed};

fn run_yaml(text: &str) -> Run {
    let s = vipsim::scenario::load::load("inline.yaml", text).unwrap_or_else(|e| panic!("{e:?}"));
    common::at_end(Run::new(Rc::new(s), None, None, None).expect("builds"))
}

/// `(started, output, exit)` of the first command on `host` starting with `prefix`.
fn command(run: &Run, host: &str, prefix: &str) -> (Instant, String, i32) {
    run.trace()
        .iter()
        .find_map(|r| match &r.kind {
            Kind::Command { host: h, cmd, started, stdout, stderr, exit, stderr_first }
                if &**h == host && cmd.starts_with(prefix) =>
            {
                Some((*started, vipsim::engine::trace::terminal_text(stdout, stderr, *stderr_first), *exit))
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("no `{prefix}` ran on {host}"))
}

/// The bytes of every frame `host` sent or received (`dir`) carrying ICMP.
fn icmp_frames(run: &Run, host: &str, dir: Dir) -> Vec<Vec<u8>> {
    run.trace()
        .iter()
        .filter_map(|r| match &r.kind {
            Kind::Frame { at, dir: d, frame, .. } if &**at == host && *d == dir => match frame.parse() {
                Parsed::Ipv4 { packet, .. } if matches!(packet.l4, vipsim::wire::ip::L4::Icmp(_)) => {
                    Some(frame.bytes().to_vec())
                }
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// The SYN `host` sent first, as IPv4 bytes.
fn first_syn(run: &Run, host: &str) -> Vec<u8> {
    run.trace()
        .iter()
        .find_map(|r| match &r.kind {
            Kind::Frame { at, dir: Dir::Tx, frame, .. }
                if &**at == host && vipsim::wire::dissect::summary(frame).contains("[SYN]") =>
            {
                Some(frame.bytes()[14..].to_vec())
            }
            _ => None,
        })
        .expect("a SYN")
}

// ---------------------------------------------------------------------
// REJECT: a Service without endpoints
// ---------------------------------------------------------------------

/// A LAN (`gw`, a workstation `desk`, two nodes) and a NodePort Service
/// whose selector matches no pod.
const NO_ENDPOINTS: &str = r#"
apiVersion: vipsim/v1
kind: Scenario
metadata: { name: no-endpoints }
spec:
  duration: 15s
  cluster: { loadBalancer: LB, announce: l2, datapath: DATAPATH, serviceCIDR: 10.43.0.0/16, podCIDR: 10.42.0.0/16 }
  hosts:
  - { name: gw, role: router, ip: 172.16.5.1/24 }
  - { name: desk, role: client, ip: 172.16.5.40/24 }
  - { name: worker-1, role: node, ip: 172.16.5.21/24 }
  - { name: worker-2, role: node, ip: 172.16.5.22/24 }
  timeline:
  - { at: 6s, run: { host: desk, cmd: "timeout 2 tcpdump -n -i eth0 icmp" } }
  - { at: 7s, run: { host: desk, cmd: "curl -sS -m 5 http://172.16.5.22:30500/api" } }
  - { at: 9s, run: { host: worker-1, cmd: "curl -sS -m 5 http://10.43.7.7:8443/" } }
---
apiVersion: v1
kind: Service
metadata: { name: api }
spec:
  type: NodePort
  clusterIP: 10.43.7.7
  selector: { app: api-that-is-not-deployed }
  ports: [ { port: 8443, targetPort: 9000, nodePort: 30500 } ]
"#;

fn no_endpoints(datapath: &str) -> Run {
    let lb = if datapath == "ebpf" { "cilium" } else { "metallb" };
    run_yaml(&NO_ENDPOINTS.replace("DATAPATH", datapath).replace("LB", lb))
}

/// kube-proxy 1.34 installs `-j REJECT` for a Service without endpoints
/// (pkg/proxy/iptables/proxier.go), and ipt_REJECT's default reply is
/// `icmp-port-unreachable` (net/ipv4/netfilter/ipt_REJECT.c), for TCP too.
/// `icmp_send` (net/ipv4/icmp.c, Linux 6.18) quotes the whole SYN, sets TOS
/// 0xc0, clears DF and, the NodePort being a local address, answers from
/// it. curl 8.5 (lib/connect.c) then fails at once: exit 7, "Couldn't
/// connect to server". IPVS behaves the same (`ip_vs_leave` sends the port
/// unreachable). Before, vipsim answered with a TCP RST from the node.
#[test]
fn reject_is_an_icmp_port_unreachable_under_iptables_and_ipvs() {
    for datapath in ["iptables", "ipvs"] {
        let run = no_endpoints(datapath);
        let (_, out, exit) = command(&run, "desk", "curl");
        assert_eq!(
            (out.as_str(), exit),
            ("curl: (7) Failed to connect to 172.16.5.22 port 30500 after 0 ms: Couldn't connect to server\n", 7),
            "{datapath}"
        );
        let (_, dump, _) = command(&run, "desk", "timeout 2 tcpdump");
        let lines: Vec<&str> = dump.lines().collect();
        assert!(
            lines
                .iter()
                .any(|l| l
                    .ends_with("IP 172.16.5.22 > 172.16.5.40: ICMP 172.16.5.22 tcp port 30500 unreachable, length 52")),
            "{datapath}: {dump}"
        );
        // The frame, byte for byte against the kernel's recipe.
        let syn = first_syn(&run, "desk");
        let icmp = icmp_frames(&run, "desk", Dir::Rx);
        assert_eq!(icmp.len(), 1, "{datapath}: one ICMP error, no RST");
        let ip = &icmp[0][14..];
        assert_eq!(ip.len(), 20 + 8 + syn.len());
        assert_eq!(ip[1], 0xc0, "TOS internetwork control");
        assert_eq!(ip[6] & 0x40, 0, "DF clear");
        assert_eq!((ip[8], ip[9]), (64, 1), "TTL 64, ICMP");
        assert_eq!(&ip[12..16], &[172, 16, 5, 22]);
        assert_eq!(&ip[16..20], &[172, 16, 5, 40]);
        assert_eq!((ip[20], ip[21]), (3, 3), "destination unreachable, port unreachable");
        assert_eq!(&ip[28..], &syn[..], "the SYN quoted whole");
        let rsts = run.trace().iter().any(|r| {
            matches!(&r.kind, Kind::Frame { at, dir: Dir::Tx, frame, .. } if &**at == "worker-2" && vipsim::wire::dissect::summary(frame).contains("RST"))
        });
        assert!(!rsts, "{datapath}: no TCP RST from the node");
        // In-cluster: the node's own connection to the ClusterIP is refused
        // through loopback; nothing about it goes on the wire.
        let (_, out, exit) = command(&run, "worker-1", "curl");
        assert_eq!(
            (out.as_str(), exit),
            ("curl: (7) Failed to connect to 10.43.7.7 port 8443 after 0 ms: Couldn't connect to server\n", 7),
            "{datapath}"
        );
        assert!(icmp_frames(&run, "worker-1", Dir::Tx).is_empty(), "{datapath}: the refusal stays inside worker-1");
    }
}

/// Cilium 1.18 (`service-no-backend-response: reject`): the eBPF program
/// `__tail_no_service_ipv4` (bpf/lib/nodeport.h) turns the SYN into an ICMP
/// port unreachable itself and sends it back out of the same interface:
/// Ethernet addresses swapped, IP from the service address with TOS copied
/// (0), ident 0, no DF, TTL 64, and a sample of min(frame length, 64)
/// bytes after the Ethernet header. The 58-byte SYN frame arrives padded
/// to Ethernet's 60, so the sample is the 44-byte packet, its 2 bytes of
/// padding and 14 zero bytes of added tail room.
#[test]
fn cilium_rejects_with_its_own_icmp_port_unreachable() {
    let run = no_endpoints("ebpf");
    let (_, out, exit) = command(&run, "desk", "curl");
    assert_eq!(
        (out.as_str(), exit),
        ("curl: (7) Failed to connect to 172.16.5.22 port 30500 after 0 ms: Couldn't connect to server\n", 7)
    );
    let (_, dump, _) = command(&run, "desk", "timeout 2 tcpdump");
    assert!(
        dump.lines().any(
            |l| l.ends_with("IP 172.16.5.22 > 172.16.5.40: ICMP 172.16.5.22 tcp port 30500 unreachable, length 68")
        ),
        "{dump}"
    );
    let syn = first_syn(&run, "desk");
    assert_eq!(syn.len(), 44);
    let icmp = icmp_frames(&run, "desk", Dir::Rx);
    assert_eq!(icmp.len(), 1);
    let frame = &icmp[0];
    let ip = &frame[14..];
    assert_eq!(ip.len(), 20 + 8 + 60);
    assert_eq!(&ip[1..2], &[0]);
    assert_eq!(&ip[4..8], &[0, 0, 0, 0], "ident 0, no flags");
    assert_eq!((ip[8], ip[9]), (64, 1));
    assert_eq!(&ip[28..72], &syn[..]);
    assert_eq!(&ip[72..], &[0u8; 16][..]);
    let (_, out, exit) = command(&run, "worker-1", "curl");
    assert_eq!(exit, 7, "{out}");
}

// ---------------------------------------------------------------------
// Host unreachable: nobody answers ARP
// ---------------------------------------------------------------------

const NOBODY_HOME: &str = r#"
apiVersion: vipsim/v1
kind: Scenario
metadata: { name: nobody-home }
spec:
  duration: 20s
  hosts:
  - { name: edge, role: router, ip: 198.51.100.1/24 }
  - { name: laptop, role: client, ip: 198.51.100.77/24 }
  - { name: remote, role: client, ip: 10.9.0.7/24, behind: edge }
  timeline:
  - { at: 2s, run: { host: remote, cmd: "timeout 8 tcpdump -n -i eth0 icmp" } }
  - { at: 3s, run: { host: laptop, cmd: "curl -sS -m 8 http://198.51.100.99:8080/" } }
  - { at: 3s, run: { host: remote, cmd: "curl -sS -m 8 http://198.51.100.99:8080/" } }
"#;

/// Linux 6.18: when neighbour resolution fails (3 broadcasts 1 s apart),
/// `arp_error_report` -> `ipv4_link_failure` sends ICMP host unreachable
/// about every queued packet: a router's goes back over the wire, a host's
/// own through loopback to its socket, where `tcp_v4_err` aborts the
/// connect with EHOSTUNREACH. curl 8.5 reports exit 7 after 3 s instead of
/// running into `-m` (exit 28, as vipsim showed before).
#[test]
fn failed_arp_is_host_unreachable_for_the_host_and_behind_the_router() {
    let run = run_yaml(NOBODY_HOME);
    let (_, out, exit) = command(&run, "laptop", "curl");
    assert_eq!(
        (out.as_str(), exit),
        ("curl: (7) Failed to connect to 198.51.100.99 port 8080 after 3000 ms: Couldn't connect to server\n", 7)
    );
    assert!(icmp_frames(&run, "laptop", Dir::Tx).is_empty(), "the laptop's own error stays on loopback");
    let (_, out, exit) = command(&run, "remote", "curl");
    assert_eq!(
        (out.as_str(), exit),
        ("curl: (7) Failed to connect to 198.51.100.99 port 8080 after 3000 ms: Couldn't connect to server\n", 7)
    );
    let (_, dump, _) = command(&run, "remote", "timeout 8 tcpdump");
    // tcpdump's banner (two lines) comes before the packets.
    let first = dump.lines().nth(2).unwrap_or_default();
    assert!(first.ends_with("IP 10.9.0.1 > 10.9.0.7: ICMP host 198.51.100.99 unreachable, length 52"), "{dump}");
}

/// A router with no route for a destination (a BGP VIP before any node
/// advertises it, or after the last one withdrew).
const NO_ROUTE: &str = r#"
apiVersion: vipsim/v1
kind: Scenario
metadata: { name: no-route }
spec:
  duration: 20s
  hosts:
  - { name: tor, role: router, ip: 10.50.0.254/24 }
  - { name: user, role: client, ip: 203.0.113.9/24, behind: tor }
  timeline:
  - { at: 1s, run: { host: user, cmd: "timeout 15 tcpdump -n -i eth0 icmp" } }
  - { at: 2s, run: { host: user, cmd: "curl -sS -m 1 http://10.50.1.5/" } }
  - { at: 2s, run: { host: user, cmd: "ping -c 1 10.50.1.5" } }
  - name: steady
    at: 4s
    every: 1s
    until: 8s
    run: { host: user, cmd: "curl -s -m 1 -o /dev/null -w %{http_code} http://10.50.1.5/" }
  - { at: 12s, run: { host: user, cmd: "curl -sS -m 1 http://10.50.1.5:8080/" } }
"#;

/// Linux 6.18: a packet to forward that no route covers takes the
/// RTN_UNREACHABLE input route to `ip_error`, which answers its sender with
/// ICMP net unreachable (net/ipv4/route.c). The connecting socket aborts
/// with ENETUNREACH (`tcp_v4_err`), so curl exits 7 at once; ping prints
/// iputils' "Destination Net Unreachable". `ip_error` and `icmp_send`
/// both draw on the sender's inet_peer (5 s and 6 s caps, 1 s each), so a
/// steady sender gets errors for its first packets and then silence:
/// vipsim showed every one of these as a timeout before.
#[test]
fn no_route_at_the_router_is_net_unreachable_and_rate_limited() {
    let run = run_yaml(NO_ROUTE);
    let (_, out, exit) = command(&run, "user", "curl -sS -m 1 http://10.50.1.5/");
    assert_eq!(
        (out.as_str(), exit),
        ("curl: (7) Failed to connect to 10.50.1.5 port 80 after 0 ms: Couldn't connect to server\n", 7)
    );
    let (_, out, exit) = command(&run, "user", "ping");
    assert!(out.contains("From 203.0.113.1 icmp_seq=1 Destination Net Unreachable\n"), "{out}");
    // Only its own echo's error counts: not the curl's, refused at the same moment.
    assert!(out.contains("1 packets transmitted, 0 received, +1 errors, 100% packet loss"), "{out}");
    assert_eq!(exit, 1);
    // The curl's and the ping's errors at 2 s leave 1 s of credit. The
    // steady curls (4 s to 8 s) draw 2 s a packet and gain 1 s a second:
    // the one at 4 s gets its error (1 s + 2 s elapsed, less 100 µs: the
    // ping's packet reached the router that much later), the one at 5 s
    // passes ip_error with 1.9999 s and finds 0.9999 s left for icmp_send,
    // and from then on each second's credit goes to ip_error alone, so
    // they time out. After a 4 s pause the last curl gets its error again.
    let exits: Vec<i32> = run
        .trace()
        .iter()
        .filter_map(|r| match &r.kind {
            Kind::Command { host, cmd, exit, .. } if &**host == "user" && cmd.starts_with("curl") => Some(*exit),
            _ => None,
        })
        .collect();
    assert_eq!(exits, [7, 7, 28, 28, 28, 28, 7]);
    let (_, dump, _) = command(&run, "user", "timeout 15 tcpdump");
    // After tcpdump's banner: the ping's echo request, then the errors
    // about the curl's SYN and about the echo request.
    let lines: Vec<&str> = dump.lines().skip(2).take(3).collect();
    assert_eq!(
        lines,
        [
            "00:00:02.000100 IP 203.0.113.9 > 10.50.1.5: ICMP echo request, id 30020, seq 1, length 64",
            "00:00:02.000200 IP 203.0.113.1 > 203.0.113.9: ICMP net 10.50.1.5 unreachable, length 52",
            "00:00:02.000200 IP 203.0.113.1 > 203.0.113.9: ICMP net 10.50.1.5 unreachable, length 92",
        ],
        "{dump}"
    );
}

/// Apps listen where their own flags or defaults say, not where the pod
/// declares (containerPort is informational): http-echo without
/// `-listen` on 5678, so a Service aimed at the declared 8080 is refused
/// by the pod's kernel (a RST, curl exit 7 at once), and one aimed at 5678
/// is served. Before, such a pod listened on the declared port only, and
/// one that declared none listened nowhere.
#[test]
fn apps_listen_on_their_own_port_whatever_the_pod_declares() {
    let run = run_yaml(
        r#"
apiVersion: vipsim/v1
kind: Scenario
metadata: { name: listen }
spec:
  duration: 10s
  cluster: { loadBalancer: none }
  hosts:
  - { name: gw, role: router, ip: 10.70.0.1/24 }
  - { name: k1, role: node, ip: 10.70.0.11/24 }
  timeline:
  - { at: 5s, run: { host: gw, cmd: "curl -sS -m 2 http://10.70.0.11:30080/" } }
  - { at: 6s, run: { host: gw, cmd: "curl -sS -m 2 http://10.70.0.11:30081/" } }
---
apiVersion: v1
kind: Pod
metadata: { name: echo, labels: { app: echo } }
spec:
  containers:
  - { name: c, image: "hashicorp/http-echo:1.0", args: ["-text=default port"], ports: [{ containerPort: 8080 }] }
---
apiVersion: v1
kind: Service
metadata: { name: declared }
spec:
  type: NodePort
  selector: { app: echo }
  ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }]
---
apiVersion: v1
kind: Service
metadata: { name: listening }
spec:
  type: NodePort
  selector: { app: echo }
  ports: [{ port: 80, targetPort: 5678, nodePort: 30081 }]
"#,
    );
    let (_, out, exit) = command(&run, "gw", "curl -sS -m 2 http://10.70.0.11:30080/");
    assert_eq!(
        (out.as_str(), exit),
        ("curl: (7) Failed to connect to 10.70.0.11 port 30080 after 0 ms: Couldn't connect to server\n", 7)
    );
    let (_, out, exit) = command(&run, "gw", "curl -sS -m 2 http://10.70.0.11:30081/");
    assert_eq!((out.as_str(), exit), ("default port\n", 0));
}

// ---------------------------------------------------------------------
// The local routing table
// ---------------------------------------------------------------------

/// Every run the project ships: scenarios with each variant, workshop
/// exercises with and without their solution.
fn shipped_runs() -> Vec<(String, Run)> {
    let mut runs = Vec::new();
    for s in vipsim::catalog::shipped().into_iter().chain(vipsim::catalog::workshop()) {
        let scenario = Rc::new(vipsim::scenario::load::load(s.file, s.yaml).expect("loads"));
        let mut variants: Vec<Option<String>> = vec![None];
        variants.extend(scenario.doc.spec.variants.iter().map(|v| Some(v.name.clone())));
        if !scenario.doc.spec.solution.is_empty() {
            variants.push(Some(vipsim::scenario::spec::SOLUTION.to_string()));
        }
        for v in variants {
            let run = common::at_end(Run::new(scenario.clone(), v.as_deref(), None, None).expect("builds"));
            runs.push((format!("{} {}", s.id, v.as_deref().unwrap_or("(base)")), run));
        }
    }
    runs
}

/// A packet for one of a host's own addresses takes the local routing
/// table to the loopback device (RTN_LOCAL, `ip_route_output_key_hash_rcu`
/// in net/ipv4/route.c, Linux 6.18); it is never resolved with ARP. Before,
/// node-b in bgp-ecmp (and the failover's garp-honor variant) broadcast
/// "ARP Announcement for 192.168.1.12", its own address, to deliver the
/// ICMP error about a masqueraded SYN whose endpoint had died.
#[test]
fn no_shipped_run_arps_for_the_senders_own_address() {
    for (name, run) in shipped_runs() {
        let hosts = &run.world().net.hosts;
        let own = |host: &str, ip: Ipv4Addr| hosts.iter().any(|h| &*h.name == host && h.owns(ip));
        let bad: Vec<&Record> = run
            .trace()
            .iter()
            .filter(|r| match &r.kind {
                Kind::Frame { at, dir: Dir::Tx, frame, .. } => match frame.parse() {
                    Parsed::Arp { arp, .. } => arp.op == ArpOperation::Request && own(at, arp.target_ip),
                    _ => false,
                },
                _ => false,
            })
            .collect();
        assert!(bad.is_empty(), "{name}: a host ARPs for its own address: {:?}", bad.first());
    }
}

// ---------------------------------------------------------------------
// A Cisco router's short ARP timeout
// ---------------------------------------------------------------------

/// The failover story's what-if "router: ARP timeout 30 s", taken while the
/// router still sends the VIP's traffic to dead node-a. The new timeout
/// applies to the cached entry (IOS ages entries against the current
/// timeout), which is already older than 30 s: it goes, the next request
/// resolves the VIP afresh and node-b answers. Before, the refresh timer
/// re-armed at once after every answer and the run died at the event limit
/// with the outage "until the end".
#[test]
fn failover_arp_timeout_30s_what_if_runs_to_the_end_and_ends_the_blackhole() {
    let mut run = common::run("metallb-l2-failover", None);
    run.seek_time(Instant::from_secs(35));
    let mut short = FaultStep::new("router", FaultAction::SetArpTimeout);
    short.arp_timeout = Some(Duration::from_secs(30));
    let branch = run.branch(Action::Fault(short));
    let last = branch.trace().last().expect("records").t;
    assert!(last >= Instant::from_secs(118), "the branch runs to its end, not to the event limit (stopped at {last})");
    assert!(branch.len() < vipsim::play::run::MAX_STEPS);
    let vip = Ipv4Addr::new(192, 168, 1, 201);
    let learned = branch.trace().iter().find_map(|r| match &r.kind {
        Kind::Neighbor { host, ip, new: Some((Some(_), _)), .. } if &**host == "router" && *ip == vip => Some(r.t),
        _ => None,
    });
    let learned = learned.expect("the router learns the VIP from the first curl");
    assert!(learned < Instant::from_secs(10));
    // The entry, learned under 4 h, now lives 30 s from when it was learned.
    let removed = branch.trace().iter().find_map(|r| match &r.kind {
        Kind::Neighbor { host, ip, new: None, reason, .. } if &**host == "router" && *ip == vip => {
            Some((r.t, reason.clone()))
        }
        _ => None,
    });
    assert_eq!(removed, Some((learned + Duration::from_secs(30), "ARP timeout (30s) expired".to_string())));
    let ok = |r: &Run, from: u64, to: u64| {
        common::curls(r.trace(), "client")
            .iter()
            .filter(|(t, exit)| *t >= Instant::from_secs(from) && *t < Instant::from_secs(to) && *exit == 0)
            .count()
    };
    assert_eq!(ok(&run, 36, 90), 0, "without the remedy the blackhole lasts until the flush");
    assert!(ok(&branch, 36, 90) >= 40, "with it most requests succeed again: {}", ok(&branch, 36, 90));
    assert!(ok(&branch, 75, 90) == 15, "after node-a's pod leaves the endpoints, all do");
    // The router's ARP traffic stays a trickle: one resolution per 30 s.
    let router_requests = branch
        .trace()
        .iter()
        .filter(|r| r.t > Instant::from_secs(35) && matches!(&r.kind, Kind::Frame { at, dir: Dir::Tx, frame, .. } if &**at == "router" && vipsim::wire::dissect::summary(frame).starts_with("Who has 192.168.1.201")))
        .count();
    assert!(router_requests <= 4, "{router_requests} requests for the VIP in 85 s");
}

// ---------------------------------------------------------------------
// A node's own connection to a Service whose endpoint is its own pod
// ---------------------------------------------------------------------

/// A node curls a Service whose only pod runs on that node: by its
/// ClusterIP, its load-balancer IP and its NodePort. Each connection is
/// DNATed to the pod and handed to the pod's veth on the same node. The
/// kernel queues such a packet for its receive softirq (`netif_rx` in the
/// veth and loopback drivers, Linux 6.18): curl's connect() returns before
/// the SYN-ACK comes back, then hears of it. vipsim delivered the packet
/// inside the sending call, so the SYN-ACK reached curl's socket while
/// curl was still connecting: the handshake completed in conntrack
/// (ESTABLISHED, ASSURED) but curl never sent its request and timed out
/// (exit 28, an empty reply), with nothing dropped anywhere. For every
/// datapath: iptables and IPVS DNAT in the kernel, Cilium's socket LB
/// connects the socket to the backend directly.
#[test]
fn a_node_reaches_a_service_whose_endpoint_is_its_own_pod() {
    for (datapath, lb) in [("iptables", "metallb"), ("ipvs", "metallb"), ("ebpf", "cilium")] {
        let pool = common::one_address_pool(lb, "172.16.9.240", false);
        let yaml = format!(
            r#"apiVersion: vipsim/v1
kind: Scenario
metadata: {{ name: own-pod }}
spec:
  duration: 12s
  cluster: {{ loadBalancer: {lb}, announce: none, datapath: {datapath}, serviceCIDR: 10.43.0.0/16 }}
  hosts:
  - {{ name: gw, role: router, ip: 172.16.9.1/24 }}
  - {{ name: w1, role: node, ip: 172.16.9.21/24 }}
  - {{ name: w2, role: node, ip: 172.16.9.22/24 }}
  timeline:
  - {{ at: 6s, run: {{ host: w1, cmd: "curl -sS -m 2 http://10.43.8.8/hostname" }} }}
  - {{ at: 8s, run: {{ host: w1, cmd: "curl -sS -m 2 http://172.16.9.240/hostname" }} }}
  - {{ at: 10s, run: {{ host: w1, cmd: "curl -sS -m 2 http://172.16.9.21:30808/hostname" }} }}
---
{pool}---
apiVersion: v1
kind: Pod
metadata: {{ name: solo, labels: {{ app: solo }} }}
spec:
  nodeName: w1
  containers:
  - {{ name: c, image: registry.k8s.io/e2e-test-images/agnhost:2.53, args: [netexec, --http-port=8080] }}
---
apiVersion: v1
kind: Service
metadata: {{ name: solo }}
spec:
  type: LoadBalancer
  clusterIP: 10.43.8.8
  selector: {{ app: solo }}
  ports: [ {{ port: 80, targetPort: 8080, nodePort: 30808 }} ]
"#
        );
        let run = run_yaml(&yaml);
        for url in ["http://10.43.8.8/", "http://172.16.9.240/", "http://172.16.9.21:30808/"] {
            let (_, out, exit) = command(&run, "w1", &format!("curl -sS -m 2 {url}"));
            assert_eq!((out.as_str(), exit), ("solo", 0), "{datapath}: {url}");
        }
    }
}
