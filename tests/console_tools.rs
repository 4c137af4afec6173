//! The console's other tools with exact outputs: `cilium-dbg service list`
//! in the Cilium agent, FRR's `vtysh` on the router, and what hosts do not have.

use crate::console_common;

use console_common::Shell;

fn text(lines: &[&str]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

const DEFAULTED: &str = "Defaulted container \"cilium-agent\" out of: cilium-agent, config (init), mount-cgroup (init), apply-sysctl-overwrites (init), mount-bpf-fs (init), clean-cilium-state (init), install-cni-binaries (init)";

#[test]
fn cilium_service_list_numbers_frontends_as_they_appear() {
    let mut sh = Shell::new("cilium-lb-ipam");
    // Every line is tab-terminated in the agent's table, hence the padding after Backend.
    let table = |node_ip: &str| {
        text(&[
            "ID   Frontend              Service Type   Backend                              ",
            "1    10.32.0.1:443/TCP     ClusterIP                                           ",
            "2    10.32.0.76:80/TCP     ClusterIP      1 => 10.200.0.90:8080/TCP (active)   ",
            "3    0.0.0.0:32303/TCP     NodePort       1 => 10.200.0.90:8080/TCP (active)   ",
            &format!("4    {node_ip}:32303/TCP   NodePort       1 => 10.200.0.90:8080/TCP (active)   "),
            "5    10.32.0.110:80/TCP    ClusterIP      1 => 10.200.0.90:8080/TCP (active)   ",
            "6    0.0.0.0:31888/TCP     NodePort       1 => 10.200.0.90:8080/TCP (active)   ",
            &format!("7    {node_ip}:31888/TCP   NodePort       1 => 10.200.0.90:8080/TCP (active)   "),
            "8    192.0.2.10:80/TCP     LoadBalancer   1 => 10.200.0.90:8080/TCP (active)   ",
            "9    10.32.0.192:80/TCP    ClusterIP                                           ",
            "10   0.0.0.0:30505/TCP     NodePort                                            ",
            &format!("11   {node_ip}:30505/TCP   NodePort                                            "),
            "12   192.0.2.11:80/TCP     LoadBalancer                                        ",
        ])
    };
    // ds/cilium picks the first agent pod, the one on worker-1.
    let (out, code) = sh.sh(17, "worker-0", "kubectl -n kube-system exec ds/cilium -- cilium-dbg service list");
    assert_eq!((out, code), (format!("{DEFAULTED}\n{}", table("10.0.1.21")), 0));
    // On a node itself, its own address is the NodePort frontend.
    assert_eq!(sh.sh(17, "worker-0", "cilium-dbg service list"), (table("10.0.1.20"), 0));
    // The VIP keeps its ID; a Local policy shows only the node's own backends.
    let after = sh.sh(40, "worker-1", "cilium-dbg service list").0;
    assert!(
        after.contains("\n8    192.0.2.10:80/TCP     LoadBalancer   1 => 10.200.0.90:8080/TCP (active)   \n"),
        "{after}"
    );
    assert!(
        after.contains("\n6    0.0.0.0:31888/TCP     NodePort                                            \n"),
        "{after}"
    );
    assert_eq!(sh.sh(17, "worker-0", "cilium-dbg status --brief"), ("OK\n".into(), 0));
    let (other, code) = sh.sh(17, "worker-0", "cilium-dbg bpf lb list");
    assert_eq!((other.lines().count(), code), (1, 1));
    assert_eq!(
        sh.sh(17, "lb-0", "cilium-dbg service list"),
        ("vipsim: cilium-dbg: command not found; type `help` for the commands this console knows\n".into(), 127)
    );
}

#[test]
fn a_stopped_agent_has_no_api() {
    let mut sh = Shell::variant("metallb-l2-failover", Some("speaker-only"));
    // MetalLB clusters run kube-proxy, not Cilium.
    assert_eq!(sh.sh(30, "node-a", "cilium-dbg service list").1, 127);
    let pods = sh.sh(30, "client", "kubectl get pods -n metallb-system speaker-fzksg").0;
    assert_eq!(pods.lines().nth(1), Some("speaker-fzksg   0/1     Error    0          30s"));
}

#[test]
fn vtysh_bgp_summary_table_and_routes() {
    let mut sh = Shell::new("bgp-ecmp");
    assert_eq!(
        sh.sh(10, "router", "vtysh -c \"show ip bgp summary\"").0,
        text(&[
            "",
            "IPv4 Unicast Summary (VRF default):",
            "BGP router identifier 192.168.1.1, local AS number 64500 vrf-id 0",
            "BGP table version 1",
            "RIB entries 1, using 184 bytes of memory",
            "Peers 3, using 2169 KiB of memory",
            "",
            "Neighbor        V         AS   MsgRcvd   MsgSent   TblVer  InQ OutQ  Up/Down State/PfxRcd   PfxSnt Desc",
            "192.168.1.11    4      64512         6         5        1    0    0 00:00:09            1        0 N/A",
            "192.168.1.12    4      64512         6         6        1    0    0 00:00:09            1        1 N/A",
            "192.168.1.13    4      64512         6         6        1    0    0 00:00:09            1        1 N/A",
            "",
            "Total number of neighbors 3",
        ])
    );
    // node-a powered off at 20 s; the router notices when its 9 s hold timer expires.
    let summary = sh.sh(35, "router", "vtysh -c \"sh ip bgp sum\"").0;
    assert!(
        summary.contains(
            "\n192.168.1.11    4      64512         0         0        0    0    0 00:00:07       Active        0 N/A\n"
        ),
        "{summary}"
    );
    assert_eq!(
        sh.sh(35, "router", "vtysh -c \"show ip bgp\"").0,
        text(&[
            "BGP table version is 1, local router ID is 192.168.1.1, vrf id 0",
            "Default local pref 100, local AS 64500",
            "Status codes:  s suppressed, d damped, h history, * valid, > best, = multipath,",
            "               i internal, r RIB-failure, S Stale, R Removed",
            "Nexthop codes: @NNN nexthop's vrf id, < announce-nh-self",
            "Origin codes:  i - IGP, e - EGP, ? - incomplete",
            "RPKI validation codes: V valid, I invalid, N Not found",
            "",
            "   Network          Next Hop            Metric LocPrf Weight Path",
            "*= 192.168.1.201/32 192.168.1.13                           0 64512 i",
            "*>                  192.168.1.12                           0 64512 i",
            "",
            "Displayed  1 routes and 2 total paths",
        ])
    );
    let routes = sh.sh(10, "router", "vtysh -c \"show ip route\"").0;
    assert!(
        routes.ends_with(&text(&[
            "C>* 10.0.0.0/24 is directly connected, eth1, 00:00:10",
            "C>* 192.168.1.0/24 is directly connected, eth0, 00:00:10",
            "B>* 192.168.1.201/32 [20/0] via 192.168.1.11, eth0, weight 1, 00:00:09",
            "  *                         via 192.168.1.12, eth0, weight 1, 00:00:09",
            "  *                         via 192.168.1.13, eth0, weight 1, 00:00:09",
        ])),
        "{routes}"
    );
    assert!(routes.starts_with("Codes: K - kernel route, C - connected, S - static, R - RIP,\n"), "{routes}");
    assert_eq!(sh.sh(10, "router", "vtysh -c \"show ip ospf\""), ("% Unknown command: show ip ospf\n".into(), 1));
    assert_eq!(sh.sh(10, "node-a", "vtysh -c \"show ip bgp summary\"").1, 127);
}

#[test]
fn vtysh_without_bgp_and_ios_show() {
    let mut sh = Shell::new("metallb-l2-failover");
    assert_eq!(sh.sh(15, "router", "vtysh -c \"show ip bgp summary\""), ("% BGP instance not found\n".into(), 0));
    let arp = sh.sh(15, "router", "show ip arp").0;
    assert_eq!(arp.lines().next(), Some("Protocol  Address          Age (min)  Hardware Addr   Type   Interface"));
    assert_eq!(
        sh.sh(15, "router", "show version"),
        ("vipsim: show version: only `show ip arp` is modelled on this router\n".into(), 1)
    );
    let mut cilium = Shell::new("cilium-lb-ipam");
    // A Linux router has no IOS command line.
    assert_eq!(cilium.sh(15, "gw", "show ip arp").1, 127);
}

/// `ip neigh show` takes iproute2's selectors (ip/ipneigh.c): an address
/// or prefix (`to` optional) and `dev IFACE`, whose lines then leave the
/// device out; an unknown device fails as `ip` does. The failover's
/// router at 30 s: its stale entry for the VIP still points at node-a.
#[test]
fn ip_neigh_show_selects_by_address_and_device() {
    let mut sh = Shell::new("metallb-l2-failover");
    let all = sh.sh(30, "router", "ip neigh").0;
    let vip: Vec<&str> = all.lines().filter(|l| l.starts_with("192.168.1.201 ")).collect();
    assert_eq!(vip.len(), 1, "{all}");
    assert_eq!(sh.sh(30, "router", "ip neigh show 192.168.1.201"), (format!("{}\n", vip[0]), 0));
    assert_eq!(sh.sh(30, "router", "ip neigh show to 192.168.1.201/32").0, format!("{}\n", vip[0]));
    let on_lan: String = all
        .lines()
        .filter(|l| l.contains(" dev eth0 "))
        .map(|l| format!("{}\n", l.replacen(" dev eth0", "", 1)))
        .collect();
    assert!(on_lan.contains(&vip[0].replacen(" dev eth0", "", 1)), "{on_lan}");
    assert_eq!(sh.sh(30, "router", "ip neigh show dev eth0"), (on_lan, 0));
    assert_eq!(
        sh.sh(30, "router", "ip neigh show 192.168.1.0/24 dev eth0").0.lines().count(),
        all.lines().filter(|l| l.starts_with("192.168.1.") && l.contains(" dev eth0 ")).count()
    );
    assert_eq!(sh.sh(30, "router", "ip neigh show 10.99.0.1"), (String::new(), 0));
    assert_eq!(sh.sh(30, "router", "ip neigh show dev eth9"), ("Cannot find device \"eth9\"\n".into(), 1));
}

/// `ip neigh` as iproute2 >= 5.16 prints it (ip/ipneigh.c `print_neigh`,
/// iproute2 v6.15; c76a3849 "ip, neigh: Fix up spacing in netlink dump"):
/// every field, the state included, ends with one space, so an INCOMPLETE
/// entry has one space before its state and each line a trailing one; the
/// MAC only while NUD_VALID. `-s` adds `print_cacheinfo`, whose fields
/// still start with a space (two after the MAC, none before `probes`),
/// and `ref 1` while a timer holds the entry (`neigh_add_timer`:
/// INCOMPLETE, REACHABLE, DELAY, PROBE); `confirmed` of an entry created
/// unconfirmed is 2 x base_reachable_time (60 s) in the past.
#[test]
fn ip_neigh_lines_end_with_a_space_and_stats_keep_iproute2_s_spacing() {
    let mut sh = Shell::from_yaml(
        r#"apiVersion: vipsim/v1
kind: Scenario
metadata: { name: neigh-layout }
spec:
  duration: 90s
  cluster: { loadBalancer: none }
  hosts:
  - { name: gw, role: router, ip: 10.1.0.1/24 }
  - { name: c, role: client, ip: 10.1.0.50/24 }
  timeline:
  - { at: 70s, run: { host: c, cmd: "curl -s -m 5 http://10.1.0.99/" } }
  - { at: 75s, run: { host: c, cmd: "curl -s -m 2 http://10.1.0.1/" } }
"#,
    );
    assert_eq!(sh.sh(71, "c", "ip neigh"), ("10.1.0.99 dev eth0 INCOMPLETE \n".into(), 0));
    assert_eq!(sh.sh(71, "c", "ip -s neigh").0, "10.1.0.99 dev eth0  ref 1 used 0/61/1probes 5 INCOMPLETE \n");
    let gw = sh.world(76).net.hosts[0].ifaces[0].mac;
    assert_eq!(
        sh.sh(76, "c", "ip -s neigh show dev eth0").0,
        text(&[
            &format!("10.1.0.1 lladdr {gw}  ref 1 used 0/0/0probes 4 REACHABLE "),
            "10.1.0.99  used 3/66/0probes 6 FAILED ",
        ])
    );
    // DELAY waits on a timer too; a FAILED entry (above) has none.
    let c = sh.world(76).net.hosts[1].ifaces[0].mac;
    assert_eq!(
        sh.sh(80, "gw", "ip -s neigh").0,
        format!("10.1.0.50 dev eth0 lladdr {c}  ref 1 used 4/64/4probes 0 DELAY \n")
    );
}

/// `ip route` (ip/iproute.c `print_route`, iproute2 v6.15): every field
/// ends with a space, so does every line, and each nexthop of a multipath
/// route (`print_rta_multipath`); `ip addr` shows kube-ipvs0, a dummy
/// device, with the txqueuelen 1000 `ether_setup` gives it (`qlen 1000`,
/// `print_queuelen` in ip/ipaddress.c).
#[test]
fn ip_route_lines_end_with_a_space_and_kube_ipvs0_has_a_queue_length() {
    let mut sh = Shell::new("bgp-ecmp");
    assert_eq!(
        sh.sh(10, "router", "ip route").0,
        text(&[
            "10.0.0.0/24 dev eth1 proto kernel scope link src 10.0.0.1 ",
            "192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.1 ",
            "192.168.1.201 proto bgp metric 20 ",
            "\tnexthop via 192.168.1.11 dev eth0 weight 1 ",
            "\tnexthop via 192.168.1.12 dev eth0 weight 1 ",
            "\tnexthop via 192.168.1.13 dev eth0 weight 1 ",
        ])
    );
    assert_eq!(sh.sh(10, "node-a", "ip route").0.lines().next(), Some("default via 192.168.1.1 dev eth0 "));
    let mut ipvs = Shell::from_yaml(
        r#"apiVersion: vipsim/v1
kind: Scenario
metadata: { name: ipvs-addr }
spec:
  cluster: { loadBalancer: none, datapath: ipvs }
  hosts:
  - { name: gw, role: router, ip: 10.1.0.1/24 }
  - { name: k1, role: node, ip: 10.1.0.21/24 }
"#,
    );
    let addr = ipvs.sh(10, "k1", "ip addr").0;
    assert!(
        addr.contains("kube-ipvs0: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN group default qlen 1000\n"),
        "{addr}"
    );
}

/// IOS `show ip arp` in its fixed columns, as every IOS capture shows them
/// (IOS is closed source; Cisco's command reference shows the same
/// layout): the age in minutes right-aligned under `Age (min)`, `-` for
/// the router's own address, an Incomplete entry with age 0 and no
/// interface after `ARPA   `.
#[test]
fn show_ip_arp_keeps_ios_fixed_columns() {
    let mut sh = Shell::from_yaml(
        r#"apiVersion: vipsim/v1
kind: Scenario
metadata: { name: ios-arp }
spec:
  duration: 200s
  cluster: { loadBalancer: none }
  hosts:
  - { name: gw, role: router, ip: 10.1.0.1/24, neighbor: { model: cisco } }
  - { name: c, role: client, ip: 10.1.0.50/24 }
  timeline:
  - { at: 5s, run: { host: c, cmd: "curl -s -m 1 http://10.1.0.1/" } }
  - { at: 130s, run: { host: gw, cmd: "ping -c 1 10.1.0.99" } }
"#,
    );
    let w = sh.world(131);
    let mac = |h: usize| {
        let b = w.net.hosts[h].ifaces[0].mac.0;
        format!("{:02x}{:02x}.{:02x}{:02x}.{:02x}{:02x}", b[0], b[1], b[2], b[3], b[4], b[5])
    };
    assert_eq!(
        sh.sh(131, "gw", "show ip arp"),
        (
            text(&[
                "Protocol  Address          Age (min)  Hardware Addr   Type   Interface",
                &format!("Internet  10.1.0.1                -   {}  ARPA   GigabitEthernet0/0", mac(0)),
                &format!("Internet  10.1.0.50               2   {}  ARPA   GigabitEthernet0/0", mac(1)),
                "Internet  10.1.0.99               0   Incomplete      ARPA   ",
            ]),
            0
        )
    );
}

/// `confirmed` of an entry the kernel creates unconfirmed lies
/// 2 x base_reachable_time (60 s) before its creation (`___neigh_create`,
/// net/core/neighbour.c, Linux 6.18), also in a run's first minute, where
/// simulated time cannot go that far back: `ip -s neigh` at 3 s shows an
/// entry created at 2 s as confirmed 61 s ago, not 3.
#[test]
fn ip_s_neigh_counts_confirmed_from_before_the_run_began() {
    let mut sh = Shell::from_yaml(
        r#"apiVersion: vipsim/v1
kind: Scenario
metadata: { name: neigh-early }
spec:
  duration: 10s
  cluster: { loadBalancer: none }
  hosts:
  - { name: gw, role: router, ip: 10.1.0.1/24 }
  - { name: c, role: client, ip: 10.1.0.50/24 }
  timeline:
  - { at: 2s, run: { host: c, cmd: "curl -s -m 5 http://10.1.0.99/" } }
"#,
    );
    assert_eq!(sh.sh(3, "c", "ip -s neigh").0, "10.1.0.99 dev eth0  ref 1 used 0/61/1probes 5 INCOMPLETE \n");
}

/// `conntrack -L` selects as conntrack-tools 1.4.7 does (src/conntrack.c):
/// `-s`/`-d` match the original direction, `-r`/`-q` the reply, `-p` the
/// protocol, and only after `-p tcp|udp` do `--sport`/`--dport` exist
/// (the protocol's options are merged into getopt's table then); the
/// count on stderr is of the flows shown. A bad option goes through
/// `exit_error(PARAMETER_PROBLEM)`: the message, `exit_tryhelp`'s line,
/// exit 2. Before, vipsim listed every flow whatever followed `-L`.
#[test]
fn conntrack_list_filters_by_address_protocol_and_port() {
    let mut sh = Shell::from_yaml(
        r#"apiVersion: vipsim/v1
kind: Scenario
metadata: { name: ct-filter }
spec:
  duration: 20s
  cluster: { loadBalancer: metallb, announce: l2, datapath: iptables }
  hosts:
  - { name: gw, role: router, ip: 172.20.0.1/24 }
  - { name: lap, role: client, ip: 172.20.0.50/24 }
  - { name: w1, role: node, ip: 172.20.0.31/24 }
  timeline:
  - { at: 5s, run: { host: lap, cmd: "curl -s http://172.20.0.240/" } }
  - { at: 5s, run: { host: lap, cmd: "ping -c 1 172.20.0.31" } }
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: p, namespace: metallb-system }
spec: { addresses: [172.20.0.240/32] }
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: { name: l2, namespace: metallb-system }
---
apiVersion: v1
kind: Pod
metadata: { name: web, labels: { app: web } }
spec:
  containers: [{ name: c, image: hashicorp/http-echo:1.0, args: ["-text=x"] }]
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  type: LoadBalancer
  selector: { app: web }
  ports: [{ port: 80, targetPort: 5678 }]
"#,
    );
    let all = sh.sh(7, "w1", "conntrack -L").0;
    let tcp = all.lines().find(|l| l.starts_with("tcp ")).expect("the curl's flow").to_string();
    let icmp = all.lines().find(|l| l.starts_with("icmp ")).expect("the ping's flow").to_string();
    let shown = |n: usize| format!("conntrack v1.4.7 (conntrack-tools): {n} flow entries have been shown.\n");
    assert_eq!(sh.sh(7, "w1", "conntrack -L -p tcp --dport 80"), (format!("{tcp}\n{}", shown(1)), 0));
    assert_eq!(sh.sh(7, "w1", "conntrack -L -p tcp --dport 81"), (shown(0), 0));
    assert_eq!(sh.sh(7, "w1", "conntrack -L -d 172.20.0.240").0, format!("{tcp}\n{}", shown(1)));
    assert_eq!(sh.sh(7, "w1", "conntrack -L -r 172.20.0.31 -q 172.20.0.50 -p icmp").0, format!("{icmp}\n{}", shown(1)));
    let help = "Try `conntrack -h' or 'conntrack --help' for more information.\n";
    assert_eq!(
        sh.sh(7, "w1", "conntrack -L --dport 80"),
        (format!("conntrack v1.4.7 (conntrack-tools): unknown option `--dport'\n{help}"), 2)
    );
    assert_eq!(
        sh.sh(7, "w1", "conntrack -L -s 1.2.3"),
        (format!("conntrack v1.4.7 (conntrack-tools): Invalid IP address `1.2.3'\n{help}"), 2)
    );
}

/// `ip` picks its object and `ip neigh` its command by iproute2's
/// `matches` (a word that begins the name; ip/ip.c `cmds`, ip/ipneigh.c
/// `do_ipneigh`, v6.15), and answers words it does not know as it does:
/// `Object "X" is unknown, try "ip help".` (exit 1), `Command "X" is
/// unknown, try "ip neigh help".` (exit(-1): 255). `ip neigh show nud
/// STATE` keeps the entries in the states named (`nud_state_a2n`; several
/// `nud` add up, `all` is every state); a bad state is `invarg`'s error,
/// a missing value `NEXT_ARG`'s, both 255.
#[test]
fn ip_neigh_nud_filter_and_iproute2_s_errors() {
    let mut sh = Shell::from_yaml(
        r#"apiVersion: vipsim/v1
kind: Scenario
metadata: { name: neigh-nud }
spec:
  duration: 90s
  cluster: { loadBalancer: none }
  hosts:
  - { name: gw, role: router, ip: 10.1.0.1/24 }
  - { name: c, role: client, ip: 10.1.0.50/24 }
  timeline:
  - { at: 70s, run: { host: c, cmd: "curl -s -m 5 http://10.1.0.99/" } }
  - { at: 75s, run: { host: c, cmd: "curl -s -m 2 http://10.1.0.1/" } }
"#,
    );
    let gw = sh.world(76).net.hosts[0].ifaces[0].mac;
    let reachable = format!("10.1.0.1 dev eth0 lladdr {gw} REACHABLE \n");
    let failed = "10.1.0.99 dev eth0 FAILED \n";
    assert_eq!(sh.sh(76, "c", "ip neigh show nud reachable"), (reachable.clone(), 0));
    assert_eq!(sh.sh(76, "c", "ip n s nud fail"), (failed.to_string(), 0));
    assert_eq!(sh.sh(76, "c", "ip neigh show nud failed nud reach").0, format!("{reachable}{failed}"));
    assert_eq!(sh.sh(76, "c", "ip neigh show nud all").0, format!("{reachable}{failed}"));
    assert_eq!(sh.sh(76, "c", "ip neigh show nud stale"), (String::new(), 0));
    assert_eq!(
        sh.sh(76, "c", "ip neigh show nud bogus"),
        ("Error: argument \"bogus\" is wrong: nud state is bad\n".into(), 255)
    );
    assert_eq!(
        sh.sh(76, "c", "ip neigh show nud"),
        ("Command line is not complete. Try option \"help\"\n".into(), 255)
    );
    assert_eq!(
        sh.sh(76, "c", "ip neigh bogus"),
        ("Command \"bogus\" is unknown, try \"ip neigh help\".\n".into(), 255)
    );
    assert_eq!(sh.sh(76, "c", "ip bogus"), ("Object \"bogus\" is unknown, try \"ip help\".\n".into(), 1));
    assert_eq!(sh.sh(76, "c", "ip ro").0, sh.sh(76, "c", "ip route").0);
}

/// `ip neigh flush` (ip/ipneigh.c `do_show_or_flush`, iproute2 v6.15):
/// `dev IFACE` flushes that interface only; without a selector it is
/// refused (`Flush requires arguments.`, exit 1); quiet, but with `-s` it
/// reports its rounds: the one that deleted the entries, the one that
/// found none (`Nothing to flush.` when there were none to begin with).
#[test]
fn ip_neigh_flush_takes_a_device_and_reports_rounds_with_s() {
    let mut sh = Shell::new("bgp-ecmp");
    let mut w = sh.world(30);
    let before = console_common::run(&mut w, "router", "ip neigh").0;
    let on = |dev: &str| before.lines().filter(|l| l.contains(&format!(" dev {dev} "))).count();
    assert!(on("eth0") > 0 && on("eth1") > 0, "{before}");
    assert_eq!(
        console_common::run(&mut w, "router", "ip -s neigh flush dev eth1"),
        (format!("\n*** Round 1, deleting {} entries ***\n*** Flush is complete after 1 round ***\n", on("eth1")), 0)
    );
    let after = console_common::run(&mut w, "router", "ip neigh").0;
    assert_eq!(after.lines().count(), on("eth0"), "only eth1 was flushed: {after}");
    assert_eq!(console_common::run(&mut w, "router", "ip -s neigh flush dev eth1"), ("Nothing to flush.\n".into(), 0));
    assert_eq!(console_common::run(&mut w, "router", "ip neigh flush all"), (String::new(), 0));
    assert_eq!(console_common::run(&mut w, "router", "ip neigh flush"), ("Flush requires arguments.\n".into(), 1));
    assert_eq!(
        console_common::run(&mut w, "router", "ip neigh flush dev eth7"),
        ("Cannot find device \"eth7\"\n".into(), 1)
    );
}
