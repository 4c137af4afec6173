//! `vtysh -c "..."` on a router: FRR 8.4's `show ip bgp summary`, `show ip
//! bgp` (8.5 added a blank RPKI column to its rows) and `show ip route`,
//! built from the BGP sessions the nodes' speakers hold with the router
//! and the routes it installed. Commands may be
//! abbreviated like FRR allows (`sh ip bgp sum`).
//!
//! The router is AS `asn` (the scenario's router, default 64500) with one
//! neighbor per node a MetalLB `BGPPeer` selects, its remote AS that node's
//! `myASN` ([`bgp::router_neighbors`]); without BGPPeers, the nodes with a
//! session, as AS 64512. A neighbor whose session is not Established is
//! `Active`, `never` up if it never was. Message counters are
//! derived from the session's uptime and keepalive interval (a third of the
//! hold time), as the modelled sessions exchange no real messages.

use crate::k8s::bgp::{self, BgpPath};
use crate::k8s::cluster::AnnounceKind;
use crate::k8s::cluster::{BgpSession, BgpState};
use crate::net::host::{Role, RouteOrigin};
use crate::net::tools::Output;
use crate::net::{Cidr, HostId};
use crate::sim::World;
use crate::sort::{Collect, Sort};
use crate::time::{Duration, Instant};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// eBGP and iBGP routes' administrative distances in zebra (bgpd's
/// defaults, `ZEBRA_EBGP_DISTANCE_DEFAULT` and `ZEBRA_IBGP_DISTANCE_DEFAULT`).
const EBGP_DISTANCE: u32 = 20;
const IBGP_DISTANCE: u32 = 200;

/// The commands vtysh understands here, as keyword sequences.
const COMMANDS: &[(&[&str], Show)] = &[
    (&["show", "ip", "bgp", "summary"], Show::Summary),
    (&["show", "bgp", "summary"], Show::Summary),
    (&["show", "bgp", "ipv4", "unicast", "summary"], Show::Summary),
    (&["show", "ip", "bgp"], Show::Table),
    (&["show", "bgp"], Show::Table),
    (&["show", "bgp", "ipv4", "unicast"], Show::Table),
    (&["show", "ip", "route"], Show::Routes),
];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Show {
    Summary,
    Table,
    Routes,
}

pub fn vtysh(w: &World, h: HostId, args: &[String]) -> Output {
    let mut commands = Vec::new();
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "-c" | "--command" if i + 1 < args.len() => {
                commands.push(args[i + 1].clone());
                i += 2;
            }
            other => {
                return Output {
                    stdout: String::new(),
                    stderr: format!(
                        "vipsim: vtysh {other}: only `vtysh -c \"COMMAND\"` is modelled (show ip bgp summary, show ip bgp, show ip route)\n"
                    ),
                    exit: 1,
                };
            }
        }
    }
    if commands.is_empty() {
        return Output {
            stdout: String::new(),
            stderr: "vipsim: interactive vtysh is not available; run vtysh -c \"show ip bgp summary\"\n".into(),
            exit: 1,
        };
    }
    let mut out = Output { stdout: String::new(), stderr: String::new(), exit: 0 };
    for c in commands {
        let words: Vec<&str> = c.split_whitespace().collect();
        match COMMANDS.iter().find(|(kw, _)| abbreviates(&words, kw)).map(|(_, s)| *s) {
            Some(Show::Summary) => out.stdout.push_str(&summary(w, h)),
            Some(Show::Table) => out.stdout.push_str(&bgp_table(w, h)),
            Some(Show::Routes) => out.stdout.push_str(&routes(w, h)),
            None => {
                out.stdout.push_str(&format!("% Unknown command: {c}\n"));
                out.exit = 1;
            }
        }
    }
    out
}

/// Whether `words` spell `keywords`, each word a prefix of its keyword.
fn abbreviates(words: &[&str], keywords: &[&str]) -> bool {
    words.len() == keywords.len() && words.iter().zip(keywords).all(|(w, k)| !w.is_empty() && k.starts_with(w))
}

/// One of the router's neighbors (a node), with its session if the node's
/// speaker has one to the router.
struct Neighbor<'a> {
    ip: Ipv4Addr,
    remote_as: u32,
    session: Option<&'a BgpSession>,
}

impl Neighbor<'_> {
    fn established(&self) -> Option<&BgpSession> {
        self.session.filter(|s| s.state == BgpState::Established)
    }
}

/// The router's BGP speaker: its address, AS number and neighbors; `None`
/// when this host runs no BGP (not the peer router, or not a BGP scenario).
struct Speaker<'a> {
    router_id: Ipv4Addr,
    local_as: u32,
    neighbors: Vec<Neighbor<'a>>,
}

fn speaker(w: &World, h: HostId) -> Option<Speaker<'_>> {
    let k = &w.cluster;
    let peer_router = w.net.hosts.iter().find(|x| x.role == Role::Router)?;
    if peer_router.id != h || k.config.announce != AnnounceKind::Bgp {
        return None;
    }
    let router_id = peer_router.primary_ip()?;
    let mut neighbors: Vec<Neighbor> = bgp::router_neighbors(k, &w.net.hosts)
        .into_iter()
        .filter_map(|(node, remote_as)| {
            Some(Neighbor { ip: k.nodes.get(&node)?.ip, remote_as, session: k.bgp.get(&node) })
        })
        .collect();
    neighbors.stable_sort_by_key(|n| n.ip);
    Some(Speaker { router_id, local_as: k.config.router_asn, neighbors })
}

/// A prefix's paths as FRR chose among them ([`bgp::select_paths`]).
struct Selected {
    paths: Vec<BgpPath>,
    best: usize,
    multipath: Vec<usize>,
}

impl Selected {
    fn best_ip(&self) -> Ipv4Addr {
        self.paths[self.best].node_ip
    }
}

/// Every prefix the router learned, with its best and multipath paths.
fn selected(w: &World) -> BTreeMap<Cidr, Selected> {
    let router_asn = w.cluster.config.router_asn;
    bgp::learned_paths(&w.cluster)
        .into_iter()
        .filter_map(|(vip, paths)| {
            let (best, multipath) = bgp::select_paths(&paths, router_asn)?;
            Some((vip, Selected { paths, best, multipath }))
        })
        .collect_map()
}

/// FRR's `peer_uptime`: `hh:mm:ss`, then `NdHHhMMm`, then `NNwNdHHh`.
fn uptime(d: Duration) -> String {
    let s = d.as_secs();
    let (days, h, m, sec) = (s / 86_400, (s / 3600) % 24, (s / 60) % 60, s % 60);
    if days == 0 {
        format!("{h:02}:{m:02}:{sec:02}")
    } else if days < 7 {
        format!("{days}d{h:02}h{m:02}m")
    } else {
        format!("{:02}w{}d{h:02}h", days / 7, days % 7)
    }
}

fn summary(w: &World, h: HostId) -> String {
    let Some(sp) = speaker(w, h) else { return "% BGP instance not found\n".into() };
    let prefixes = selected(w);
    let version = prefixes.len();
    let entries = if version == 0 { 0 } else { 2 * version - 1 };
    let mut out = format!(
        "\nIPv4 Unicast Summary (VRF default):\nBGP router identifier {}, local AS number {} vrf-id 0\nBGP table version {version}\nRIB entries {entries}, using {} bytes of memory\nPeers {}, using {} KiB of memory\n\n",
        sp.router_id,
        sp.local_as,
        entries * 184,
        sp.neighbors.len(),
        sp.neighbors.len() * 723,
    );
    out.push_str(
        "Neighbor        V         AS   MsgRcvd   MsgSent   TblVer  InQ OutQ  Up/Down State/PfxRcd   PfxSnt Desc\n",
    );
    for n in &sp.neighbors {
        out.push_str(&neighbor_row(n, &prefixes, w.now, version, sp.local_as));
    }
    out.push_str(&format!("\nTotal number of neighbors {}\n", sp.neighbors.len()));
    out
}

fn neighbor_row(
    n: &Neighbor,
    prefixes: &BTreeMap<Cidr, Selected>,
    now: Instant,
    version: usize,
    local_as: u32,
) -> String {
    // An iBGP-learned best path is not sent to another iBGP peer (RFC 4271 §9.2).
    let ibgp = |asn: u32| asn == local_as;
    // FRR's `peer_uptime`: `never` until the session is first Established.
    let up_down = match n.session {
        Some(s) if s.established_once => uptime(now.saturating_since(s.since)),
        _ => "never".to_string(),
    };
    let (rcvd, sent, state, pfx_sent, tbl) = match n.established() {
        Some(s) => {
            let elapsed = now.saturating_since(s.since);
            // A third of the hold time; none at all with a hold time of 0.
            let keepalive = s.hold_time.as_secs() / 3;
            // OPEN + KEEPALIVE, one KEEPALIVE per interval, one UPDATE per prefix.
            let sent_prefixes = prefixes
                .values()
                .filter(|sel| sel.best_ip() != n.ip && !(ibgp(n.remote_as) && ibgp(sel.paths[sel.best].asn)))
                .count() as u64;
            let base = 2 + elapsed.as_secs().checked_div(keepalive).unwrap_or(0);
            (
                base + s.advertised.len() as u64,
                base + sent_prefixes,
                s.advertised.len().to_string(),
                sent_prefixes,
                version,
            )
        }
        None => (0, 0, "Active".to_string(), 0, 0),
    };
    format!(
        "{:<16}4 {:>10} {rcvd:>9} {sent:>9} {tbl:>8} {:>4} {:>4} {up_down:>8} {state:>12} {pfx_sent:>8} N/A\n",
        n.ip.to_string(),
        n.remote_as,
        0,
        0,
    )
}

fn bgp_table(w: &World, h: HostId) -> String {
    let Some(sp) = speaker(w, h) else { return "No BGP process is configured\n".into() };
    let prefixes = selected(w);
    if prefixes.is_empty() {
        return "No BGP prefixes displayed, 0 exist\n".into();
    }
    let mut out = format!(
        "BGP table version is {}, local router ID is {}, vrf id 0\nDefault local pref 100, local AS {}\n",
        prefixes.len(),
        sp.router_id,
        sp.local_as
    );
    out.push_str("Status codes:  s suppressed, d damped, h history, * valid, > best, = multipath,\n               i internal, r RIB-failure, S Stale, R Removed\nNexthop codes: @NNN nexthop's vrf id, < announce-nh-self\nOrigin codes:  i - IGP, e - EGP, ? - incomplete\nRPKI validation codes: V valid, I invalid, N Not found\n\n");
    out.push_str("   Network          Next Hop            Metric LocPrf Weight Path\n");
    let mut paths_total = 0;
    for (vip, sel) in &prefixes {
        // FRR lists a prefix's paths newest first.
        let mut ordered: Vec<usize> = (0..sel.paths.len()).collect();
        ordered.stable_sort_by_key(|&i| std::cmp::Reverse((sel.paths[i].since, sel.paths[i].node_ip)));
        for (row, &i) in ordered.iter().enumerate() {
            let path = &sel.paths[i];
            let ibgp = path.asn == sp.local_as;
            // `route_vty_short_status_out`: valid, best or multipath, internal.
            let best = if i == sel.best {
                '>'
            } else if sel.multipath.contains(&i) {
                '='
            } else {
                ' '
            };
            let internal = if ibgp { 'i' } else { ' ' };
            let network = if row == 0 { vip.to_string() } else { String::new() };
            // No MED from MetalLB; LOCAL_PREF only on iBGP (what it sent);
            // the AS_PATH is empty on iBGP, the node's AS on eBGP.
            let loc_prf = if ibgp { bgp::local_pref(true).to_string() } else { String::new() };
            let as_path = if ibgp { String::new() } else { format!("{} ", path.asn) };
            out.push_str(&format!(
                "*{best}{internal}{network:<17}{:<16}{:10}{loc_prf:>7}{:>7} {as_path}i\n",
                path.node_ip.to_string(),
                "",
                0,
            ));
            paths_total += 1;
        }
    }
    out.push_str(&format!("\nDisplayed  {} routes and {paths_total} total paths\n", prefixes.len()));
    out
}

const ROUTE_CODES: &str = "Codes: K - kernel route, C - connected, S - static, R - RIP,
       O - OSPF, I - IS-IS, B - BGP, E - EIGRP, N - NHRP,
       T - Table, v - VNC, V - VNC-Direct, A - Babel, F - PBR,
       f - OpenFabric,
       > - selected route, * - FIB route, q - queued, r - rejected, b - backup
       t - trapped, o - offload failure

";

/// zebra's RIB: connected networks, kernel routes (the host's static
/// routes), and the BGP routes with all their ECMP next hops.
fn routes(w: &World, h: HostId) -> String {
    let host = &w.net.hosts[h];
    let mut routes: Vec<_> = host.routes.iter().collect();
    routes.stable_sort_by_key(|r| (r.dst.addr, r.dst.prefix));
    let mut out = String::from(ROUTE_CODES);
    let since_boot = uptime(w.now.saturating_since(Instant::ZERO));
    let bgp_routes = selected(w);
    for r in routes {
        let dev = &host.ifaces[r.iface].name;
        let prefix = format!("{}/{}", r.dst.addr, r.dst.prefix);
        match (r.origin, r.via.as_slice()) {
            (RouteOrigin::Kernel, []) => {
                out.push_str(&format!("C>* {prefix} is directly connected, {dev}, {since_boot}\n"));
            }
            (RouteOrigin::Bgp, hops) => {
                // zebra's distance: 20 for eBGP, 200 for iBGP (the best path's).
                let ibgp = bgp_routes.get(&r.dst).is_some_and(|s| s.paths[s.best].asn == w.cluster.config.router_asn);
                let distance = if ibgp { IBGP_DISTANCE } else { EBGP_DISTANCE };
                let head = format!("B>* {prefix} [{distance}/0]");
                let age = uptime(bgp_route_age(w, r.dst));
                for (i, via) in hops.iter().enumerate() {
                    let lead = if i == 0 { head.clone() } else { format!("  *{}", " ".repeat(head.len() - 3)) };
                    out.push_str(&format!("{lead} via {via}, {dev}, weight 1, {age}\n"));
                }
            }
            (_, []) => out.push_str(&format!("K>* {prefix} [0/0] is directly connected, {dev}, {since_boot}\n")),
            (_, hops) => {
                for via in hops {
                    out.push_str(&format!("K>* {prefix} [0/0] via {via}, {dev}, {since_boot}\n"));
                }
            }
        }
    }
    out
}

/// How long a BGP route has been as it is: since the last session change
/// that could have touched it (a peer advertising it came up, or any peer went down).
fn bgp_route_age(w: &World, vip: Cidr) -> Duration {
    let changed = w
        .cluster
        .bgp
        .values()
        .filter(|s| s.state != BgpState::Established || s.advertised.contains(&vip))
        .map(|s| s.since)
        .max()
        .unwrap_or(Instant::ZERO);
    w.now.saturating_since(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abbreviations_and_uptimes() {
        assert!(abbreviates(&["sh", "ip", "bgp", "sum"], &["show", "ip", "bgp", "summary"]));
        assert!(!abbreviates(&["sh", "ip", "bgp"], &["show", "ip", "bgp", "summary"]));
        assert_eq!(uptime(Duration::from_secs(26)), "00:00:26");
        assert_eq!(uptime(Duration::from_secs(90_061)), "1d01h01m");
        assert_eq!(uptime(Duration::from_secs(8 * 86_400 + 3600)), "01w1d01h");
    }
}
