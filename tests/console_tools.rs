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
    assert_eq!(arp.lines().next(), Some("Protocol   Address         Age (min)   Hardware Addr    Type   Interface"));
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
