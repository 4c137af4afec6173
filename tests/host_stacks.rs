//! The hosts' network stacks and tools off the scripted path: exact
//! outputs, frames and table states that real Linux hosts, routers,
//! switches and tools produce. Each test names the upstream code it
//! follows and its version, in our own words.

use crate::common;

use std::net::Ipv4Addr;
use std::rc::Rc;
use vipsim::engine::trace::{Dir, DropReason, Kind, terminal_text};
use vipsim::net::conntrack::{CtTcpState, PROTO_TCP, Tuple};
use vipsim::net::host::{MultipathHashPolicy, ecmp_hash, hash_threshold};
use vipsim::play::run::Run;
use vipsim::time::Instant;
use vipsim::wire::{Arp, ArpOperation, Frame, Mac, Parsed, arp};

fn run_yaml(text: &str) -> Run {
    let s = vipsim::scenario::load::load("inline.yaml", text).unwrap_or_else(|e| panic!("{e:?}"));
    common::at_end(Run::new(Rc::new(s), None, None, None).expect("builds"))
}

/// What the terminal showed for the first command starting with `prefix`
/// on `host`, and its exit code.
fn shown(run: &Run, host: &str, prefix: &str) -> (String, i32) {
    run.trace()
        .iter()
        .find_map(|r| match &r.kind {
            Kind::Command { host: h, cmd, stdout, stderr, exit, stderr_first, .. }
                if **h == *host && cmd.starts_with(prefix) =>
            {
                Some((terminal_text(stdout, stderr, *stderr_first), *exit))
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("no `{prefix}` ran on {host}"))
}

fn lines(l: &[&str]) -> String {
    l.iter().map(|l| format!("{l}\n")).collect()
}

/// A small MetalLB L2 LAN: a Linux router with a client behind it, two
/// nodes, two web pods. `STEPS` is the timeline, `CLUSTER` extra cluster
/// settings, `SWITCH` the switch, `HOSTS` extra hosts.
const LAN: &str = r#"
apiVersion: vipsim/v1
kind: Scenario
metadata: { name: host-stacks }
spec:
  duration: DURATION
  cluster: { loadBalancer: metallb, announce: l2CLUSTER }
  hosts:
  - { name: gw, role: router, ip: 172.16.5.1/24 }
  - { name: laptop, role: client, ip: 10.9.0.7/24, behind: gw }
  - { name: k1, role: node, ip: 172.16.5.21/24 }
  - { name: k2, role: node, ip: 172.16.5.22/24 }
HOSTS  switch: SWITCH
  timeline:
STEPS
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: pool, namespace: metallb-system }
spec: { addresses: [172.16.5.240/29] }
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: { name: l2, namespace: metallb-system }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: shop }
spec:
  replicas: 2
  selector: { matchLabels: { app: shop } }
  template:
    metadata: { labels: { app: shop } }
    spec:
      containers:
      - { name: shop, image: registry.k8s.io/e2e-test-images/agnhost:2.53, args: ["netexec", "--http-port=9000"], ports: [ { containerPort: 9000 } ] }
---
apiVersion: v1
kind: Service
metadata: { name: shop }
spec:
  type: LoadBalancer
  selector: { app: shop }
  ports: [ { port: 80, targetPort: 9000 } ]
"#;

struct Lan<'a> {
    steps: &'a str,
    cluster: &'a str,
    switch: &'a str,
    hosts: &'a str,
    duration: &'a str,
}

impl Default for Lan<'_> {
    fn default() -> Self {
        Lan { steps: "  []", cluster: "", switch: "{ macAging: 300s }", hosts: "", duration: "30s" }
    }
}

impl Lan<'_> {
    fn yaml(&self) -> String {
        LAN.replace("STEPS", self.steps)
            .replace("CLUSTER", self.cluster)
            .replace("SWITCH", self.switch)
            .replace("HOSTS", self.hosts)
            .replace("DURATION", self.duration)
            .replace("  timeline:\n  []", "  timeline: []")
    }

    fn run(&self) -> Run {
        run_yaml(&self.yaml())
    }
}

// ---------------------------------------------------------------------
// 10. tcpdump's banner comes first; ping's time is the time it sent.
// ---------------------------------------------------------------------

/// tcpdump 4.99 (tcpdump.c main): a live capture writes "verbose output
/// suppressed" and "listening on ..." to stderr before the first packet,
/// the packets to stdout; when `timeout` stops it (pcap_loop interrupted,
/// status -2) it prints one more newline to stdout, then info(1) writes
/// the counts to stderr, "1 packet" in the singular (PLURAL_SUFFIX).
#[test]
fn tcpdump_prints_its_banner_before_the_packets() {
    let steps = r#"  - { at: 10s, run: { host: k2, cmd: "timeout 3 tcpdump -n -i eth0 icmp" } }
  - { at: 11s, run: { host: gw, cmd: "ping -c 1 172.16.5.22" } }"#;
    let run = Lan { steps, ..Lan::default() }.run();
    assert_eq!(
        shown(&run, "k2", "timeout 3 tcpdump"),
        (
            lines(&[
                "tcpdump: verbose output suppressed, use -v[v]... for full protocol decode",
                "listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes",
                "00:00:11.000300 IP 172.16.5.1 > 172.16.5.22: ICMP echo request, id 48503, seq 1, length 64",
                "00:00:11.000300 IP 172.16.5.22 > 172.16.5.1: ICMP echo reply, id 48503, seq 1, length 64",
                "",
                "2 packets captured",
                "2 packets received by filter",
                "0 packets dropped by kernel",
            ]),
            124
        )
    );
}

/// A NIC pads a frame shorter than Ethernet's 60-byte minimum after the
/// sender's capture point (the drivers' `eth_skb_pad`), so the sender's
/// tcpdump shows a 42-byte ARP and every receiver a 60-byte one (tcpdump
/// 4.99 `-e` prints the frame length; the ARP payload stays 28).
#[test]
fn short_frames_are_padded_on_the_wire_not_in_the_senders_capture() {
    let steps = r#"  - { at: 10s, run: { host: k2, cmd: "timeout 3 tcpdump -n -e -i eth0 arp" } }
  - { at: 11s, run: { host: gw, cmd: "arping -c 1 172.16.5.22" } }"#;
    let run = Lan { steps, ..Lan::default() }.run();
    let (out, _) = shown(&run, "k2", "timeout 3 tcpdump");
    let arp: Vec<&str> = out.lines().filter(|l| l.contains("ethertype ARP")).collect();
    assert_eq!(arp.len(), 2, "{out}");
    assert!(
        arp[0].contains("> ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 60: Request who-has 172.16.5.22"),
        "{}",
        arp[0]
    );
    assert!(arp[1].contains("ethertype ARP (0x0806), length 42: Reply 172.16.5.22 is-at"), "{}", arp[1]);
}

/// SYNs nobody answers: the kernel retransmits at 1, 3, 7, 15, 31 and 63 s
/// and gives up at 127 s with ETIMEDOUT, which curl 8.5 reports as the
/// connect failure but with CURLE_OPERATION_TIMEDOUT (lib/connect.c,
/// `is_connected`): exit 28, not 7.
#[test]
fn curl_without_a_limit_times_out_with_28_when_the_syns_go_unanswered() {
    let steps = r#"  - { at: 5s, fault: { host: k1, action: drop, proto: TCP, direction: in } }
  - { at: 10s, run: { host: laptop, cmd: "curl -sS http://172.16.5.21:30080/" } }"#;
    let run = Lan { steps, duration: "150s", ..Lan::default() }.run();
    assert_eq!(
        shown(&run, "laptop", "curl"),
        (
            "curl: (28) Failed to connect to 172.16.5.21 port 30080 after 127000 ms: Couldn't connect to server\n"
                .to_string(),
            28
        )
    );
}

/// `-c` ends pcap_loop normally: no extra newline, exit 0.
#[test]
fn tcpdump_count_ends_without_the_interrupt_newline() {
    let steps = r#"  - { at: 10s, run: { host: k1, cmd: "tcpdump -n -c 1 -i eth0 icmp" } }
  - { at: 11s, run: { host: gw, cmd: "ping -c 1 172.16.5.21" } }"#;
    let run = Lan { steps, ..Lan::default() }.run();
    assert_eq!(
        shown(&run, "k1", "tcpdump"),
        (
            lines(&[
                "tcpdump: verbose output suppressed, use -v[v]... for full protocol decode",
                "listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes",
                "00:00:11.000300 IP 172.16.5.1 > 172.16.5.21: ICMP echo request, id 48503, seq 1, length 64",
                "1 packet captured",
                "1 packet received by filter",
                "0 packets dropped by kernel",
            ]),
            0
        )
    );
}

/// Without `-c` or `timeout` a capture runs until Ctrl-C; the console
/// presses it after 10 s. The terminal echoes `^C`, tcpdump's cleanup()
/// ends that line, and an interrupted pcap_loop (-2) is not an error to
/// tcpdump.c's main(), which exits S_SUCCESS: 0, not `timeout`'s 124.
#[test]
fn a_capture_nothing_bounds_ends_with_the_consoles_ctrl_c_and_exit_0() {
    let steps = r#"  - { at: 10s, run: { host: k2, cmd: "tcpdump -n -i eth0 udp" } }"#;
    let run = Lan { steps, ..Lan::default() }.run();
    assert_eq!(
        shown(&run, "k2", "tcpdump"),
        (
            lines(&[
                "tcpdump: verbose output suppressed, use -v[v]... for full protocol decode",
                "listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes",
                "^C",
                "0 packets captured",
                "0 packets received by filter",
                "0 packets dropped by kernel",
            ]),
            0
        )
    );
}

/// iputils 20240905 ping (ping/ping_common.c finish(), moved to
/// ping/ping_output.c ping_print_finish() in 20250602): `time` is
/// cur_time - start_time, and cur_time only moves when a probe is sent,
/// so `-c 4` to nobody reports about 3000 ms although it waited 10 s
/// (-W) after the last probe; the loss is printed with %g.
#[test]
fn ping_without_replies_reports_the_time_it_spent_sending() {
    let steps = r#"  - { at: 5s, fault: { host: k1, action: drop, proto: ICMP, direction: in } }
  - { at: 10s, run: { host: laptop, cmd: "ping -c 4 172.16.5.21" } }"#;
    let run = Lan { steps, duration: "60s", ..Lan::default() }.run();
    let (out, exit) = shown(&run, "laptop", "ping");
    assert_eq!(
        (out.as_str(), exit),
        (
            "PING 172.16.5.21 (172.16.5.21) 56(84) bytes of data.\n\n--- 172.16.5.21 ping statistics ---\n4 packets transmitted, 0 received, 100% packet loss, time 3000ms\n\n",
            1
        )
    );
    let done = run
        .trace()
        .iter()
        .find(|r| matches!(&r.kind, Kind::Command { cmd, .. } if cmd.starts_with("ping")))
        .expect("finished")
        .t;
    assert_eq!(done, Instant::from_secs(23), "3 s of probes, then the 10 s linger");
}

/// iputils 20240905 finish() ends with one more line: the rtt summary,
/// then `pipe N` when more than one probe was out as one came back
/// (`acknowledge`: the probes sent when its reply or error arrived, itself
/// included), joined by `, `; a blank line when there is neither (just
/// above). When ARP fails (here the router's, for the laptop behind it),
/// the kernel reports all three queued probes at 3 s, after the third was
/// sent: `pipe 3`, the familiar ending of a ping to an absent host.
#[test]
fn ping_reports_the_probes_outstanding_when_arp_fails_together() {
    let steps = r#"  - { at: 10s, run: { host: laptop, cmd: "ping -c 3 172.16.5.99" } }"#;
    let run = Lan { steps, duration: "40s", ..Lan::default() }.run();
    let (out, exit) = shown(&run, "laptop", "ping");
    assert_eq!(
        (out.as_str(), exit),
        (
            "PING 172.16.5.99 (172.16.5.99) 56(84) bytes of data.\n\
             From 10.9.0.1 icmp_seq=1 Destination Host Unreachable\n\
             From 10.9.0.1 icmp_seq=2 Destination Host Unreachable\n\
             From 10.9.0.1 icmp_seq=3 Destination Host Unreachable\n\
             \n\
             --- 172.16.5.99 ping statistics ---\n\
             3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 2000ms\n\
             pipe 3\n",
            1
        )
    );
}

// ---------------------------------------------------------------------
// 8. arping's target hardware address: broadcast, then the learned MAC.
// ---------------------------------------------------------------------

/// The ARP frames `host` sent for `target`, in order.
fn arp_sent(run: &Run, host: &str, target: Ipv4Addr) -> Vec<Frame> {
    run.trace()
        .iter()
        .filter_map(|r| match &r.kind {
            Kind::Frame { at, dir: Dir::Tx, frame, .. } if **at == *host => match frame.parse() {
                Parsed::Arp { arp, .. } if arp.target_ip == target => Some(frame.clone()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

fn mac_of(run: &Run, host: &str) -> Mac {
    let w = run.world();
    w.net.hosts[w.net.host_id(host).expect("host")].ifaces[0].mac
}

const VIP: Ipv4Addr = Ipv4Addr::new(172, 16, 5, 240);

/// iputils arping (20240905, arping.c send_pack): the request's target
/// hardware field is `he`, the address the frame is sent to, which is
/// the interface's broadcast address (ff:ff:ff:ff:ff:ff) until a reply
/// arrives; recv_pack then copies the replier's MAC into `he` and sets
/// `unicasting` (unless -b), so later probes go to that MAC and carry it
/// as the target hardware address. Only the broadcasts count in
/// "Sent 3 probes (1 broadcast(s))".
#[test]
fn arping_broadcasts_with_target_mac_ff_then_unicasts_to_the_learned_mac() {
    let steps = r#"  - { at: 10s, run: { host: gw, cmd: "arping -c 3 172.16.5.240" } }
  - { at: 20s, run: { host: gw, cmd: "arping -b -c 2 172.16.5.240" } }"#;
    let run = Lan { steps, ..Lan::default() }.run();
    let leader = &run.world().cluster.announcers["default/shop"][0];
    let (gw, node) = (mac_of(&run, "gw"), mac_of(&run, leader));
    let request = |dst: Mac| {
        arp::frame(
            dst,
            Arp {
                op: ArpOperation::Request,
                sender_mac: gw,
                sender_ip: Ipv4Addr::new(172, 16, 5, 1),
                target_mac: dst,
                target_ip: VIP,
            },
        )
    };
    let sent = arp_sent(&run, "gw", VIP);
    // The router's own neighbour resolution sends none: the VIP is not its next hop.
    assert_eq!(
        sent,
        vec![request(Mac::BROADCAST), request(node), request(node), request(Mac::BROADCAST), request(Mac::BROADCAST)]
    );
    let (out, _) = shown(&run, "gw", "arping -c 3");
    assert!(out.ends_with("Sent 3 probes (1 broadcast(s))\nReceived 3 response(s)\n"), "{out}");
    let (out, _) = shown(&run, "gw", "arping -b");
    assert!(out.ends_with("Sent 2 probes (2 broadcast(s))\nReceived 2 response(s)\n"), "{out}");
}

/// iputils arping 20240905 (arping.c event_loop, recv_pack, finish):
/// with `-c N` alone the loop ends at the timer tick after the Nth probe
/// (`count < total_expires`), N s after the start, however fast the
/// answers came; with `-w` it ends at the Nth reply (`received == count`),
/// and exits 1 unless N came. A probe due at the -w deadline still goes
/// out (the interval timer is polled first). `-U` ends as its last
/// announcement leaves (4db1de6). Each reply's time is printed as
/// recv_pack computes it, `msecs = (usecs + 500) / 1000; usecs -= msecs *
/// 1000 - 500`: half a millisecond over the 0.2 ms the LAN takes.
#[test]
fn arping_ends_and_times_replies_as_iputils_does() {
    let steps = r#"  - { at: 10s, run: { host: gw, cmd: "arping -c 2 172.16.5.240" } }
  - { at: 20s, run: { host: gw, cmd: "arping -c 2 -w 5 172.16.5.240" } }
  - { at: 30s, run: { host: k1, cmd: "arping -U -c 2 -I eth0 172.16.5.21" } }
  - { at: 40s, run: { host: gw, cmd: "arping -c 5 -w 2 172.16.5.99" } }"#;
    let run = Lan { steps, duration: "60s", ..Lan::default() }.run();
    let ended = |host: &str, prefix: &str| {
        run.trace()
            .iter()
            .find_map(|r| match &r.kind {
                Kind::Command { host: h, cmd, .. } if **h == *host && cmd.starts_with(prefix) => Some(r.t),
                _ => None,
            })
            .expect("ran")
    };
    let leader = &run.world().cluster.announcers["default/shop"][0];
    let mac = mac_of(&run, leader).to_string().to_uppercase();
    let reply = format!("Unicast reply from 172.16.5.240 [{mac}]  0.700ms");
    let (out, exit) = shown(&run, "gw", "arping -c 2 172");
    assert_eq!(
        (out, exit),
        (
            lines(&[
                "ARPING 172.16.5.240 from 172.16.5.1 eth0",
                &reply,
                &reply,
                "Sent 2 probes (1 broadcast(s))",
                "Received 2 response(s)"
            ]),
            0
        )
    );
    assert_eq!(ended("gw", "arping -c 2 172"), Instant::from_secs(12));
    // -w: done at the second reply, 0.2 ms after the second probe.
    assert_eq!(shown(&run, "gw", "arping -c 2 -w").1, 0);
    assert_eq!(ended("gw", "arping -c 2 -w"), Instant::from_secs(21) + vipsim::time::Duration::from_micros(200));
    assert_eq!(ended("k1", "arping -U"), Instant::from_secs(31));
    let (out, exit) = shown(&run, "gw", "arping -c 5 -w 2");
    assert_eq!((out.lines().nth(1), exit), (Some("Sent 3 probes (3 broadcast(s))"), 1));
    assert_eq!(ended("gw", "arping -c 5 -w 2"), Instant::from_secs(42));
}

/// arping -U: an unsolicited request, sender = target = the address
/// (main sets gsrc = gdst), and since send_pack always writes `he` into
/// the target hardware field, that field is ff:ff:ff:ff:ff:ff, not zero.
/// -A sends a reply whose target hardware field is its own MAC.
#[test]
fn arping_unsolicited_request_carries_the_broadcast_target_mac() {
    let steps = r#"  - { at: 10s, run: { host: k1, cmd: "arping -U -c 1 -I eth0 172.16.5.21" } }
  - { at: 11s, run: { host: k1, cmd: "arping -A -c 1 -I eth0 172.16.5.21" } }"#;
    let run = Lan { steps, ..Lan::default() }.run();
    let k1 = mac_of(&run, "k1");
    let ip = Ipv4Addr::new(172, 16, 5, 21);
    let garp = |op, target_mac| {
        arp::frame(Mac::BROADCAST, Arp { op, sender_mac: k1, sender_ip: ip, target_mac, target_ip: ip })
    };
    assert_eq!(
        arp_sent(&run, "k1", ip),
        vec![garp(ArpOperation::Request, Mac::BROADCAST), garp(ArpOperation::Reply, k1)]
    );
}

// ---------------------------------------------------------------------
// 6. Router ECMP: hash-threshold over a 31-bit hash of L3 (default) or L4.
// ---------------------------------------------------------------------

/// Linux 6.18 `net/ipv4/fib_semantics.c` fib_rebalance (and
/// nh_hthr_group_rebalance in `nexthop.c`): with equal weights, next hop
/// i of n owns the hashes up to round((i+1) * 2^31 / n) - 1;
/// fib_select_multipath takes the first next hop whose bound is at least
/// the flow's 31-bit hash.
#[test]
fn hash_threshold_slices_the_31_bit_hash_space() {
    // n = 3: bounds 715827882, 1431655764, 2147483647.
    let picks: Vec<usize> = [0, 715_827_882, 715_827_883, 1_431_655_764, 1_431_655_765, (1 << 31) - 1]
        .into_iter()
        .map(|h| hash_threshold(h, 3))
        .collect();
    assert_eq!(picks, [0, 0, 1, 1, 2, 2]);
    // n = 2: the halves.
    assert_eq!([hash_threshold((1 << 30) - 1, 2), hash_threshold(1 << 30, 2)], [0, 1]);
    assert_eq!(hash_threshold(u32::MAX >> 1, 1), 0);
}

/// Hash-threshold (RFC 2992 section 4) moves only part of the flows when a
/// next hop goes: with [a, b, c] -> [b, c] the slices become halves, so
/// a's flows move, b keeps the hashes below 2^30 and hands the rest to c,
/// and c keeps every one of its flows. (vipsim said "modulo", which moves
/// flows of c as well.)
#[test]
fn removing_a_next_hop_moves_only_part_of_the_surviving_flows() {
    let flow = |sport: u16| Tuple {
        proto: PROTO_TCP,
        src: Ipv4Addr::new(10, 7, 0, 9),
        sport,
        dst: Ipv4Addr::new(172, 16, 5, 240),
        dport: 443,
    };
    let (mut from_a, mut b_kept, mut b_to_c, mut c_kept) = (0, 0, 0, 0);
    for sport in 32768..33768u16 {
        let h = ecmp_hash(&flow(sport), MultipathHashPolicy::L4);
        let (before, after) = (["a", "b", "c"][hash_threshold(h, 3)], ["b", "c"][hash_threshold(h, 2)]);
        match (before, after) {
            ("a", _) => from_a += 1,
            ("c", moved) => {
                assert_eq!(moved, "c", "a flow of a surviving next hop moved: hash {h}");
                c_kept += 1
            }
            ("b", "c") => {
                assert!(h >= 1 << 30);
                b_to_c += 1
            }
            _ => {
                assert!(h < 1 << 30);
                b_kept += 1
            }
        }
    }
    // vipsim's hash (not Linux's seeded one) spreads these 1000 flows as:
    assert_eq!((from_a, b_kept, b_to_c, c_kept), (324, 176, 167, 333));
}

/// The default policy 0 (fib_multipath_hash, `net/ipv4/route.c`: the flow
/// keys hold saddr and daddr only) sends every connection of a client to
/// the same next hop whatever its ports; policy 1 adds the ports and the
/// protocol, so one client's connections spread. Here: six clients behind
/// a BGP router with three next hops for the VIP, two curls each.
#[test]
fn l3_hashing_pins_each_client_to_one_path_and_l4_spreads_one_client() {
    let bgp = |policy: &str| {
        let mut hosts = String::new();
        let mut steps = String::new();
        for c in 1..=6 {
            hosts.push_str(&format!("  - {{ name: c{c}, role: client, ip: 10.{c}.0.9/24, behind: gw }}\n"));
            for (k, at) in [10, 12].iter().enumerate() {
                steps.push_str(&format!(
                    "  - {{ at: {}s, run: {{ host: c{c}, cmd: \"curl -s -m 1 http://172.16.5.240/hostname\" }} }}\n",
                    at + c + k
                ));
            }
        }
        let yaml = Lan { steps: steps.trim_end(), hosts: &hosts, duration: "40s", ..Lan::default() }
            .yaml()
            .replace("announce: l2", "announce: bgp")
            .replace("{ name: gw, role: router, ip: 172.16.5.1/24 }", &format!("{{ name: gw, role: router, ip: 172.16.5.1/24, asn: 64600{policy} }}"))
            .replace("{ name: k2, role: node, ip: 172.16.5.22/24 }", "{ name: k2, role: node, ip: 172.16.5.22/24 }\n  - { name: k3, role: node, ip: 172.16.5.23/24 }")
            .replace(
                "kind: L2Advertisement\nmetadata: { name: l2, namespace: metallb-system }",
                "kind: BGPAdvertisement\nmetadata: { name: bgp, namespace: metallb-system }\n---\napiVersion: metallb.io/v1beta2\nkind: BGPPeer\nmetadata: { name: gw, namespace: metallb-system }\nspec: { myASN: 64601, peerASN: 64600, peerAddress: 172.16.5.1 }",
            );
        run_yaml(&yaml)
    };
    // The node each client's SYNs were forwarded to, per client, in order.
    let paths = |run: &Run| -> std::collections::BTreeMap<Ipv4Addr, Vec<String>> {
        let w = run.world();
        let node_of = |mac: Mac| w.net.hosts.iter().find(|h| h.ifaces[0].mac == mac).map(|h| h.name.to_string());
        let mut paths = std::collections::BTreeMap::<Ipv4Addr, Vec<String>>::new();
        for r in run.trace() {
            if let Kind::Frame { at, iface, dir: Dir::Tx, frame, .. } = &r.kind
                && **at == *"gw"
                && **iface == *"eth0"
                && let Parsed::Ipv4 { packet, .. } = frame.parse()
                && let vipsim::wire::ip::L4::Tcp(tcp) = packet.l4
                && tcp.flags == vipsim::wire::ip::TcpFlags::SYN
            {
                paths.entry(packet.src).or_default().push(node_of(frame.dst()).expect("a node"));
            }
        }
        paths
    };
    let l3 = paths(&bgp(""));
    assert_eq!(l3.len(), 6, "{l3:?}");
    for (client, nodes) in &l3 {
        assert_eq!(nodes.len(), 2, "{client}: {nodes:?}");
        assert_eq!(nodes[0], nodes[1], "{client}'s connections took different paths: {nodes:?}");
    }
    let used: std::collections::BTreeSet<&String> = l3.values().map(|n| &n[0]).collect();
    assert!(used.len() > 1, "the clients spread over the next hops: {l3:?}");
    let l4 = paths(&bgp(", multipathHashPolicy: 1"));
    assert!(l4.values().any(|n| n[0] != n[1]), "with the 5-tuple some client's two connections split: {l4:?}");
    // Which path is vipsim's hash (Linux seeds its hash per boot):
    let show = |m: &std::collections::BTreeMap<Ipv4Addr, Vec<String>>| {
        m.iter().map(|(c, n)| format!("{c}:{}", n.join("+"))).collect::<Vec<_>>().join(" ")
    };
    assert_eq!(show(&l3), "10.1.0.9:k3+k3 10.2.0.9:k1+k1 10.3.0.9:k2+k2 10.4.0.9:k1+k1 10.5.0.9:k3+k3 10.6.0.9:k2+k2");
    assert_eq!(show(&l4), "10.1.0.9:k2+k2 10.2.0.9:k2+k2 10.3.0.9:k2+k1 10.4.0.9:k2+k1 10.5.0.9:k2+k1 10.6.0.9:k2+k2");
}

fn load_errors(text: &str) -> Vec<String> {
    match vipsim::scenario::load::load("s.yaml", text) {
        Ok(_) => panic!("loaded, but errors were expected"),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}

/// The policy is the sysctl's number; Linux also has 2 (inner headers)
/// and 3 (custom fields), which vipsim does not model: a located error,
/// as is the setting on a host that is not the router.
#[test]
fn a_multipath_hash_policy_other_than_0_or_1_is_a_located_error() {
    let yaml = Lan::default().yaml();
    let with = |from: &str, to: &str| yaml.replacen(from, to, 1);
    assert_eq!(
        load_errors(&with("ip: 172.16.5.1/24 }", "ip: 172.16.5.1/24, multipathHashPolicy: 2 }")),
        [
            "s.yaml:9:3: spec.hosts[0].multipathHashPolicy: multipathHashPolicy is net.ipv4.fib_multipath_hash_policy: 0 (source and destination address, Linux's default) or 1 (the 5-tuple); 2 (the inner headers of tunnelled packets) is not modelled"
        ]
    );
    assert_eq!(
        load_errors(&with("ip: 172.16.5.21/24 }", "ip: 172.16.5.21/24, multipathHashPolicy: 1 }")),
        [
            "s.yaml:11:3: spec.hosts[2].multipathHashPolicy: `multipathHashPolicy` applies to a router only, and `k1` is a node"
        ]
    );
}

// ---------------------------------------------------------------------
// 7. MetalLB #2910: a switch that does not flood unknown unicast.
// ---------------------------------------------------------------------

/// MetalLB #2910 (closed by a periodic-GARP option, MetalLB PR #2981):
/// "When switch FDB aging time < gateway ARP timeout, traffic blackholes
/// occur", on a Linux bridge with ageing_time 300 s and in Hetzner's
/// vSwitch. The gateway still has the VIP's MAC, so it sends no ARP; the
/// switch has aged that MAC out. A switch that floods unknown unicast
/// delivers the frame anyway (tests/fidelity.rs::
/// mac_aging_shorter_than_arp_timeout_floods); one that does not (Linux
/// 6.18 br_flood skips ports without BR_FLOOD, `bridge link set dev X
/// flood off`; Cisco `switchport block unicast`) drops it, and the VIP
/// stays unreachable for as long as the router trusts its ARP entry.
/// Here: MAC aging 10 s, a Cisco-model router with a 4 h ARP timeout.
#[test]
fn a_switch_that_blocks_unknown_unicast_blackholes_an_aged_mac() {
    let steps = r#"  - { at: 10s, run: { host: laptop, cmd: "curl -s -m 2 http://172.16.5.240/hostname" } }
  - { at: 40s, run: { host: laptop, cmd: "curl -s -m 2 http://172.16.5.240/hostname" } }
  - { at: 90s, run: { host: laptop, cmd: "curl -s -m 2 http://172.16.5.240/hostname" } }"#;
    let trap = |switch: &str| {
        let yaml = Lan { steps, switch, duration: "100s", ..Lan::default() }
            .yaml()
            .replace("ip: 172.16.5.1/24 }", "ip: 172.16.5.1/24, neighbor: { model: cisco, arpTimeout: 4h } }");
        run_yaml(&yaml)
    };
    let exits = |run: &Run| common::curls(run.trace(), "laptop").into_iter().map(|(_, e)| e).collect::<Vec<_>>();

    let blocked = trap("{ macAging: 10s, unknownUnicast: block }");
    assert_eq!(exits(&blocked), [0, 28, 28], "the VIP is unreachable once the leader's MAC aged out");
    let leader = &blocked.world().cluster.announcers["default/shop"][0];
    let leader_mac = mac_of(&blocked, leader);
    let drops: Vec<(Instant, String)> = blocked
        .trace()
        .iter()
        .filter_map(|r| match &r.kind {
            Kind::Drop { at, reason: DropReason::UnknownUnicast { mac }, frame: Some(f) } if **at == *"switch" => {
                assert_eq!((*mac, f.dst(), f.src()), (leader_mac, leader_mac, mac_of(&blocked, "gw")));
                Some((r.t, format!("{f:?}")))
            }
            _ => None,
        })
        .collect();
    // The SYN and its retransmissions (1 s later) within curl's 2 s, twice.
    assert_eq!(drops.len(), 4, "{drops:?}");
    assert_eq!(drops[0].0, Instant::from_nanos(40_000_100_000));
    // The router still trusts its entry: no ARP request goes out to heal it.
    let gw = blocked.world().net.host_id("gw").unwrap();
    let entry =
        blocked.world().net.hosts[gw].ifaces[0].neighbors.entries().find(|e| e.ip == VIP).map(|e| (e.mac, e.state));
    assert_eq!(entry, Some((Some(leader_mac), vipsim::net::neighbor::NeighborState::Reachable)));

    // The same LAN with a flooding switch: every request succeeds.
    assert_eq!(exits(&trap("{ macAging: 10s }")), [0, 0, 0]);
}

/// `unknownUnicast` takes the two values; anything else is a located error.
#[test]
fn unknown_unicast_is_flood_or_block() {
    let yaml = Lan { switch: "{ macAging: 10s, unknownUnicast: drop }", ..Lan::default() }.yaml();
    assert_eq!(
        load_errors(&yaml),
        ["s.yaml:13:44: spec.switch.unknownUnicast: unknown value `drop`, expected flood | block"]
    );
}

// ---------------------------------------------------------------------
// 9. conntrack on kube-proxy nodes: kube-proxy's timeouts, every flow.
// ---------------------------------------------------------------------

/// The world of `run` at `secs`, then stepped event by event until `until`
/// holds (at most 10,000 events).
fn world_when(run: &mut Run, secs: u64, until: impl Fn(&vipsim::sim::World) -> bool) -> vipsim::sim::World {
    run.seek_time(Instant::from_secs(secs));
    let mut w = run.world().clone();
    vipsim::play::drive::run_until(&mut w, Instant::from_secs(secs), &mut Vec::new());
    for _ in 0..10_000 {
        if until(&w) {
            return w;
        }
        vipsim::play::drive::step(&mut w, &mut Vec::new());
    }
    panic!("the condition never held");
}

fn has_state(w: &vipsim::sim::World, node: &str, state: CtTcpState) -> bool {
    let h = w.net.host_id(node).unwrap();
    w.net.hosts[h].node.as_ref().unwrap().conntrack.entries(w.now).any(|(e, _)| e.tcp == Some(state))
}

fn conntrack_l(w: &mut vipsim::sim::World, node: &str) -> String {
    let mut trace = Vec::new();
    vipsim::console::run(w, node, "conntrack -L", &mut trace).unwrap().unwrap()
}

/// kube-proxy 1.34 sets nf_conntrack_tcp_timeout_established to 24 h and
/// ..._close_wait to 1 h on its node (`cmd/kube-proxy/app/conntrack.go`,
/// defaults from `pkg/proxy/apis/config/v1alpha1/defaults.go`), so an
/// established flow shows 86400 s, not the kernel's 432000, and a flow
/// whose server closed first 3600 s in CLOSE_WAIT. Every flow through a
/// node is tracked there, not only the ones kube-proxy translates: the
/// leader holds the DNAT+masquerade entry, and the node whose pod got the
/// connection holds the forwarded flow, untranslated (conntrack-tools
/// 1.4.7 output, the count on stderr).
#[test]
fn conntrack_on_kube_proxy_nodes_shows_its_timeouts_and_forwarded_flows() {
    let steps = r#"  - { at: 10s, run: { host: laptop, cmd: "curl -s -m 2 http://172.16.5.240/hostname" } }"#;
    let mut run = Lan { steps, ..Lan::default() }.run();
    assert_eq!(run.world().cluster.announcers["default/shop"], ["k1"]);
    let shown = |line: &str| format!("{line}\nconntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.\n");
    // k1 answers for the VIP and sends the connection to the pod on k2, masqueraded.
    let leader = |state: &str| {
        shown(&format!(
            "tcp      6 {state} src=10.9.0.7 dst=172.16.5.240 sport=58320 dport=80 src=10.244.1.26 dst=172.16.5.21 sport=9000 dport=58320 [ASSURED] mark=0 use=1"
        ))
    };
    let forwarded = |state: &str, assured: &str| {
        shown(&format!(
            "tcp      6 {state} src=172.16.5.21 dst=10.244.1.26 sport=58320 dport=9000 src=10.244.1.26 dst=172.16.5.21 sport=9000 dport=58320{assured} mark=0 use=1"
        ))
    };
    // The handshake's last ACK has passed k1, not yet k2.
    let mut w = world_when(&mut run, 10, |w| has_state(w, "k1", CtTcpState::Established));
    assert_eq!(conntrack_l(&mut w, "k1"), leader("86400 ESTABLISHED"));
    assert_eq!(conntrack_l(&mut w, "k2"), forwarded("59 SYN_RECV", ""));
    // The pod answered and closed; the client acknowledged the FIN, has not sent its own.
    let mut w = world_when(&mut run, 10, |w| has_state(w, "k1", CtTcpState::CloseWait));
    assert_eq!(conntrack_l(&mut w, "k1"), leader("3600 CLOSE_WAIT"));
    assert_eq!(conntrack_l(&mut w, "k2"), forwarded("119 FIN_WAIT", " [ASSURED]"));
    // Two seconds later both are in TIME_WAIT (120 s, the kernel's).
    let mut w = world_when(&mut run, 12, |_| true);
    assert_eq!(conntrack_l(&mut w, "k1"), leader("118 TIME_WAIT"));
    assert_eq!(conntrack_l(&mut w, "k2"), forwarded("118 TIME_WAIT", " [ASSURED]"));
}

// ---------------------------------------------------------------------
// 5. kube-proxy: IPVS round-robin per node, iptables at random.
// ---------------------------------------------------------------------

/// The pod that served each request, in order.
fn served(run: &Run) -> Vec<String> {
    run.trace()
        .iter()
        .filter_map(|r| match &r.kind {
            Kind::App { pod, .. } => Some(pod.to_string()),
            _ => None,
        })
        .collect()
}

/// Four nodes, four pods, five curls in a row to the VIP, and then to the
/// NodePort of two nodes in alternation, once with kube-proxy in iptables
/// mode and once in IPVS mode (strictARP, so only the leader answers ARP).
/// kube-proxy 1.34's IPVS scheduler is `rr` (pkg/proxy/ipvs/proxier.go
/// defaultScheduler): the leader's virtual service for the VIP hands the
/// five connections to the pods in turn, and each node's NodePort virtual
/// service has its own turn (Linux 6.18 ip_vs_rr_schedule keeps the place
/// in the service). iptables picks at random (statistic mode random), so
/// the same run repeats a pod and skips another.
#[test]
fn ipvs_schedules_round_robin_per_node_and_iptables_at_random() {
    let mut steps = String::new();
    for i in 0..5 {
        steps.push_str(&format!(
            "  - {{ at: {}s, run: {{ host: laptop, cmd: \"curl -s -m 1 http://172.16.5.240/hostname\" }} }}\n",
            10 + i
        ));
    }
    for (i, node) in ["172.16.5.21", "172.16.5.22", "172.16.5.21", "172.16.5.22"].iter().enumerate() {
        steps.push_str(&format!(
            "  - {{ at: {}s, run: {{ host: laptop, cmd: \"curl -s -m 1 http://{node}:30080/hostname\" }} }}\n",
            20 + i
        ));
    }
    let run = |datapath: &str| {
        let yaml = Lan { steps: steps.trim_end(), cluster: datapath, duration: "30s", ..Lan::default() }
            .yaml()
            .replace(
                "{ name: k2, role: node, ip: 172.16.5.22/24 }",
                "{ name: k2, role: node, ip: 172.16.5.22/24 }\n  - { name: k3, role: node, ip: 172.16.5.23/24 }\n  - { name: k4, role: node, ip: 172.16.5.24/24 }",
            )
            .replace("replicas: 2", "replicas: 4")
            .replace("ports: [ { port: 80, targetPort: 9000 } ]", "ports: [ { port: 80, targetPort: 9000, nodePort: 30080 } ]");
        run_yaml(&yaml)
    };
    let ipvs = run(", datapath: ipvs, strictARP: true");
    let pods =
        ipvs.world().cluster.slices["default/shop"].endpoints.iter().map(|e| e.pod.to_string()).collect::<Vec<_>>();
    let p = |i: usize| pods[i].clone();
    assert_eq!(served(&ipvs), [p(0), p(1), p(2), p(3), p(0), p(0), p(0), p(1), p(1)]);
    let iptables = run(", datapath: iptables");
    assert_eq!(
        iptables.world().cluster.slices["default/shop"].endpoints.iter().map(|e| e.pod.to_string()).collect::<Vec<_>>(),
        pods
    );
    // The same seed, at random: p(2) never gets a VIP connection, p(0) and p(1) two.
    assert_eq!(served(&iptables), [p(1), p(3), p(0), p(1), p(0), p(3), p(0), p(3), p(2)]);
}
