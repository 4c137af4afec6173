//! Host-side inspection commands: `ip neigh|addr|route`, `show ip arp` (a
//! Cisco-model router), `conntrack -L`.

use crate::engine::trace::Record;
use crate::net::HostId;
use crate::net::conntrack::format_entry;
use crate::net::host::{Datapath, RouteOrigin};
use crate::net::neighbor::{NeighborModel, NeighborState};
use crate::net::tools::Output;
use crate::sim::World;
use crate::sort::Sort;

fn ok(stdout: String) -> Output {
    Output { stdout, stderr: String::new(), exit: 0 }
}

fn err(msg: String, exit: i32) -> Output {
    Output { stdout: String::new(), stderr: msg + "\n", exit }
}

/// The objects `ip` knows, in its order (ip/ip.c `cmds`, iproute2
/// v6.15): a word names the first one it begins (`ip n` is neighbor).
const IP_OBJECTS: &[&str] = &[
    "address",
    "addrlabel",
    "maddress",
    "route",
    "rule",
    "neighbor",
    "neighbour",
    "ntable",
    "ntbl",
    "link",
    "l2tp",
    "fou",
    "ila",
    "macsec",
    "tunnel",
    "tunl",
    "tuntap",
    "tap",
    "token",
    "tcpmetrics",
    "tcp_metrics",
    "monitor",
    "xfrm",
    "mroute",
    "mrule",
    "netns",
    "netconf",
    "vrf",
    "sr",
    "nexthop",
    "mptcp",
    "ioam",
    "help",
    "stats",
];

/// iproute2's `matches(arg, word)`: `arg` is a non-empty beginning of `word`.
fn matches(arg: &str, word: &str) -> bool {
    !arg.is_empty() && word.starts_with(arg)
}

/// `ip [-s] neigh [show]`, `ip addr`, `ip route`; `None` for `ip neigh
/// flush`, which changes the table ([`ip_neigh_flush`]).
pub fn ip(w: &World, h: HostId, args: &[String]) -> Option<Output> {
    let stats = args.first().is_some_and(|a| a == "-s");
    let rest: Vec<&str> = args.iter().skip(stats as usize).map(String::as_str).collect();
    let unsupported =
        || Some(err(format!("vipsim: ip {} is not supported (use: ip neigh, ip addr, ip route)", rest.join(" ")), 1));
    let Some((&word, tail)) = rest.split_first() else { return unsupported() };
    match IP_OBJECTS.iter().find(|o| matches(word, o)) {
        // do_cmd: `Object "X" is unknown, try "ip help".`, EXIT_FAILURE.
        None => Some(err(format!("Object \"{word}\" is unknown, try \"ip help\"."), 1)),
        Some(&"neighbor" | &"neighbour") => ip_neigh(w, h, stats, tail),
        Some(&"address") => Some(ok(addr(w, h))),
        Some(&"route") => Some(ok(route(w, h))),
        Some(_) => unsupported(),
    }
}

/// `ip neigh ...` as do_ipneigh (ip/ipneigh.c) dispatches it.
fn ip_neigh(w: &World, h: HostId, stats: bool, tail: &[&str]) -> Option<Output> {
    let Some((&sub, selectors)) = tail.split_first() else { return Some(ok(neigh(w, h, stats, &NeighFilter::all()))) };
    if matches(sub, "flush") {
        match selectors {
            ["all"] => return None,
            ["dev", name] if w.net.hosts[h].ifaces.iter().any(|i| &*i.name == *name) => return None,
            // nodev(): `Cannot find device "X"`, do_cmd makes it 1.
            ["dev", name] => return Some(err(format!("Cannot find device \"{name}\""), 1)),
            // do_show_or_flush: flushing everything must be asked for.
            [] => return Some(err("Flush requires arguments.".into(), 1)),
            _ => {}
        }
    }
    if ["show", "lst", "list"].iter().any(|c| matches(sub, c)) {
        return Some(match NeighFilter::parse(w, h, selectors) {
            Ok(filter) => ok(neigh(w, h, stats, &filter)),
            Err((message, code)) => err(message, code),
        });
    }
    let known =
        sub == "chg" || ["add", "change", "replace", "delete", "get", "flush", "help"].iter().any(|c| matches(sub, c));
    Some(if known {
        err(
            format!(
                "vipsim: ip neigh {} is not supported (use: ip neigh [show [ADDRESS] [dev IFACE] [nud STATE]], ip -s neigh, ip neigh flush all)",
                tail.join(" ")
            ),
            1,
        )
    } else {
        // `exit(-1)`: status 255.
        err(format!("Command \"{sub}\" is unknown, try \"ip neigh help\"."), 255)
    })
}

/// `ip [-s] neigh flush all|dev IFACE`: the host forgets its neighbours
/// (all but PERMANENT ones: `filter.state = ~(NUD_PERMANENT|NUD_NOARP)`)
/// on every interface or on one. Quiet, but with `-s` iproute2 reports
/// its rounds (do_show_or_flush, ip/ipneigh.c v6.15): `Nothing to
/// flush.`, or the round that deleted them and the round that found none.
pub fn ip_neigh_flush(w: &mut World, h: HostId, args: &[String], trace: &mut Vec<Record>) -> Output {
    let stats = args.first().is_some_and(|a| a == "-s");
    let dev = args.iter().position(|a| a == "dev").and_then(|i| args.get(i + 1));
    let iface = dev.and_then(|d| w.net.hosts[h].ifaces.iter().position(|i| *i.name == **d));
    let flushed: usize = w.net.hosts[h]
        .ifaces
        .iter()
        .enumerate()
        .filter(|(i, _)| iface.is_none_or(|f| f == *i))
        .map(|(_, i)| i.neighbors.entries().filter(|e| e.state != NeighborState::Permanent).count())
        .sum();
    w.with_ctx(trace, |hosts, cx, _| hosts[h].flush_neighbors(iface, cx));
    ok(match (stats, flushed) {
        (false, _) => String::new(),
        (true, 0) => "Nothing to flush.\n".into(),
        (true, n) => format!("\n*** Round 1, deleting {n} entries ***\n*** Flush is complete after 1 round ***\n"),
    })
}

/// The selectors of `ip neigh show`: `[to] ADDRESS[/PREFIX]`, `dev
/// IFACE` and `nud STATE`.
struct NeighFilter {
    to: Option<crate::net::Cidr>,
    dev: Option<usize>,
    /// NUD_* bits shown: every state but NOARP unless `nud` says
    /// (`filter.state = 0xFF & ~NUD_NOARP`).
    states: u32,
}

/// The kernel's NUD_* bit of a state (include/uapi/linux/neighbour.h).
fn nud_bit(state: NeighborState) -> u32 {
    match state {
        NeighborState::Incomplete => 0x01,
        NeighborState::Reachable => 0x02,
        NeighborState::Stale => 0x04,
        NeighborState::Delay => 0x08,
        NeighborState::Probe => 0x10,
        NeighborState::Failed => 0x20,
        NeighborState::Permanent => 0x80,
    }
}

impl NeighFilter {
    fn all() -> NeighFilter {
        NeighFilter { to: None, dev: None, states: 0xFF & !0x40 }
    }

    /// As iproute2 parses them (ip/ipneigh.c `do_show_or_flush`,
    /// `nud_state_a2n`), with its messages and exit statuses: a missing
    /// value (`NEXT_ARG`) and a bad state (`invarg`) exit 255, a bad
    /// prefix (`get_prefix`) and an unknown device 1.
    fn parse(w: &World, h: HostId, args: &[&str]) -> Result<NeighFilter, (String, i32)> {
        let incomplete = || ("Command line is not complete. Try option \"help\"".to_string(), 255);
        let mut filter = NeighFilter::all();
        let mut nud_given = false;
        let mut args = args.iter();
        while let Some(&arg) = args.next() {
            match arg {
                "dev" => {
                    let name = args.next().ok_or_else(incomplete)?;
                    let index = w.net.hosts[h].ifaces.iter().position(|i| &*i.name == *name);
                    filter.dev = Some(index.ok_or((format!("Cannot find device \"{name}\""), 1))?);
                }
                "nud" => {
                    let state = *args.next().ok_or_else(incomplete)?;
                    if !nud_given {
                        nud_given = true;
                        filter.states = 0;
                    }
                    filter.states |= nud_state(state)
                        .ok_or((format!("Error: argument \"{state}\" is wrong: nud state is bad"), 255))?;
                }
                "to" => filter.to = Some(prefix(args.next().copied().ok_or_else(incomplete)?).map_err(|e| (e, 1))?),
                other => filter.to = Some(prefix(other).map_err(|e| (e, 1))?),
            }
        }
        Ok(filter)
    }
}

/// `nud_state_a2n`: a state's name (`permanent`, `reachable` and `failed`
/// may be shortened), `all`, or a single NUD bit as a number; NUD_NONE
/// (0) selects with the 0x100 stand-in.
fn nud_state(arg: &str) -> Option<u32> {
    let named = [("permanent", 0x80, true), ("reachable", 0x02, true), ("noarp", 0x40, false), ("none", 0, false)]
        .into_iter()
        .chain([("stale", 0x04, false), ("incomplete", 0x01, false), ("delay", 0x08, false), ("probe", 0x10, false)])
        .chain([("failed", 0x20, true)])
        .find(|&(name, _, prefix)| if prefix { matches(arg, name) } else { arg == name })
        .map(|(_, bit, _)| bit);
    let state = match named {
        Some(bit) => bit,
        None if arg == "all" => return Some(!0),
        None => {
            let n = if let Some(hex) = arg.strip_prefix("0x").or(arg.strip_prefix("0X")) {
                u32::from_str_radix(hex, 16).ok()?
            } else {
                arg.parse().ok()?
            };
            if n >= 0x100 || n & n.wrapping_sub(1) != 0 {
                return None;
            }
            n
        }
    };
    Some(if state == 0 { 0x100 } else { state })
}

/// An address, or a prefix, for `ip neigh show`.
fn prefix(text: &str) -> Result<crate::net::Cidr, String> {
    let cidr = if text.contains('/') { crate::net::Cidr::parse(text).ok() } else { None };
    cidr.or_else(|| text.parse().ok().map(|ip| crate::net::Cidr::new(ip, 32)))
        .ok_or(format!("Error: any valid prefix is expected rather than \"{text}\"."))
}

fn neigh(w: &World, h: HostId, stats: bool, filter: &NeighFilter) -> String {
    let host = &w.net.hosts[h];
    let now = w.now;
    let mut out = String::new();
    for (index, iface) in host.ifaces.iter().enumerate() {
        if filter.dev.is_some_and(|d| d != index) {
            continue;
        }
        for e in iface.neighbors.entries() {
            if filter.to.is_some_and(|to| !to.contains(e.ip)) || filter.states & nud_bit(e.state) == 0 {
                continue;
            }
            // iproute2 >= 5.16 (ip/ipneigh.c `print_neigh`, spacing fixed by
            // c76a3849) ends every field with one space, so each line ends
            // with one; with `dev`, it leaves the device out. The MAC is
            // there only while the entry is NUD_VALID (`neigh_fill_info`).
            let mut line =
                if filter.dev.is_some() { format!("{} ", e.ip) } else { format!("{} dev {} ", e.ip, iface.name) };
            if let Some(m) = e.mac.filter(|_| e.state.is_valid()) {
                line.push_str(&format!("lladdr {m} "));
            }
            if stats {
                // `print_cacheinfo` still writes its fields with a leading
                // space (a double space after the MAC, none before
                // `probes`). `ref` is the kernel's refcount less one: the
                // hold of a pending timer (`neigh_add_timer`, NUD_IN_TIMER).
                if e.state.has_timer() {
                    line.push_str(" ref 1");
                }
                let age = |t: crate::time::Instant| now.saturating_since(t).as_secs();
                line.push_str(&format!(" used {}/{}/{}", age(e.used), e.confirmed_age(now).as_secs(), age(e.updated)));
                line.push_str(&format!("probes {} ", e.probes));
            }
            line.push_str(&format!("{} ", e.state));
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

fn addr(w: &World, h: HostId) -> String {
    let host = &w.net.hosts[h];
    let mut out = String::from(
        "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n    inet 127.0.0.1/8 scope host lo\n       valid_lft forever preferred_lft forever\n",
    );
    let mut n = 2;
    for iface in &host.ifaces {
        let carrier = iface.link.is_some_and(|l| w.net.links[l].up) && host.up;
        let (flags, state) = if carrier {
            ("BROADCAST,MULTICAST,UP,LOWER_UP", "UP")
        } else {
            ("NO-CARRIER,BROADCAST,MULTICAST,UP", "DOWN")
        };
        out.push_str(&format!(
            "{n}: {}: <{flags}> mtu 1500 qdisc fq_codel state {state} group default qlen 1000\n",
            iface.name
        ));
        out.push_str(&format!("    link/ether {} brd ff:ff:ff:ff:ff:ff\n", iface.mac));
        for a in &iface.addrs {
            out.push_str(&format!(
                "    inet {a} brd {} scope global {}\n       valid_lft forever preferred_lft forever\n",
                a.broadcast(),
                iface.name
            ));
        }
        n += 1;
    }
    if let Some(node) = host.node.as_ref().filter(|_| w.datapath.kind == Datapath::Ipvs) {
        // A dummy device: `ether_setup` gives it txqueuelen 1000, which
        // iproute2 prints (`print_queuelen`, ip/ipaddress.c).
        out.push_str(&format!("{n}: kube-ipvs0: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN group default qlen 1000\n    link/ether 8a:3c:11:0e:54:27 brd ff:ff:ff:ff:ff:ff\n"));
        for ip in &node.ipvs_addrs {
            out.push_str(&format!(
                "    inet {ip}/32 scope global kube-ipvs0\n       valid_lft forever preferred_lft forever\n"
            ));
        }
    }
    out
}

/// `ip route` as iproute2 prints it (ip/iproute.c `print_route`, v6.15):
/// every field ends with a space, so does every line, the nexthops of a
/// multipath route included (`print_rta_multipath`).
fn route(w: &World, h: HostId) -> String {
    let host = &w.net.hosts[h];
    let mut out = String::new();
    let mut routes: Vec<_> = host.routes.iter().collect();
    routes.stable_sort_by_key(|r| (r.dst.prefix != 0, r.dst.addr, r.dst.prefix));
    for r in routes {
        let dev = &host.ifaces[r.iface].name;
        let dst = if r.dst.prefix == 0 {
            "default".to_string()
        } else if r.dst.prefix == 32 {
            r.dst.addr.to_string()
        } else {
            r.dst.to_string()
        };
        match (r.origin, r.via.len()) {
            (RouteOrigin::Kernel, 0) => {
                let src = host.ifaces[r.iface].primary().map(|s| format!(" src {s}")).unwrap_or_default();
                out.push_str(&format!("{dst} dev {dev} proto kernel scope link{src} \n"));
            }
            (RouteOrigin::Bgp, n) if n > 1 => {
                out.push_str(&format!("{dst} proto bgp metric 20 "));
                for v in &r.via {
                    out.push_str(&format!("\n\tnexthop via {v} dev {dev} weight 1 "));
                }
                out.push('\n');
            }
            (origin, _) => {
                let proto = if origin == RouteOrigin::Bgp { " proto bgp metric 20" } else { "" };
                let via = r.via.first().map(|v| format!(" via {v}")).unwrap_or_default();
                out.push_str(&format!("{dst}{via} dev {dev}{proto} \n"));
            }
        }
    }
    out
}

/// `show ip arp` on a Cisco-model router, in IOS's fixed columns (every
/// IOS capture shows them: `Protocol  Address          Age (min)  Hardware
/// Addr   Type   Interface`, the age right-aligned under its header, `-`
/// for the router's own addresses, an Incomplete entry without an
/// interface). IOS is closed source; the layout is that of its output.
pub fn show_ip_arp(w: &World, h: HostId) -> Output {
    let host = &w.net.hosts[h];
    if host.ifaces.first().is_none_or(|i| i.neighbors.config().model != NeighborModel::Cisco) {
        return err("vipsim: `show ip arp` is for Cisco-model routers; use `ip neigh` here".into(), 1);
    }
    let row = |address: &str, age: &str, mac: &str, port: &str| {
        format!("Internet  {address:<16}{age:>9}   {mac:<16}ARPA   {port}\n")
    };
    let mut out = String::from("Protocol  Address          Age (min)  Hardware Addr   Type   Interface\n");
    for (i, iface) in host.ifaces.iter().enumerate() {
        let port = format!("GigabitEthernet0/{i}");
        for a in &iface.addrs {
            out.push_str(&row(&a.addr.to_string(), "-", &cisco_mac(iface.mac), &port));
        }
        for e in iface.neighbors.entries() {
            out.push_str(&match e.mac {
                Some(m) if e.state != NeighborState::Incomplete => {
                    let age = (w.now.saturating_since(e.updated).as_secs() / 60).to_string();
                    row(&e.ip.to_string(), &age, &cisco_mac(m), &port)
                }
                _ => row(&e.ip.to_string(), "0", "Incomplete", ""),
            });
        }
    }
    ok(out)
}

fn cisco_mac(m: crate::wire::Mac) -> String {
    let b = m.0;
    format!("{:02x}{:02x}.{:02x}{:02x}.{:02x}{:02x}", b[0], b[1], b[2], b[3], b[4], b[5])
}

/// `conntrack -L`; `None` for `conntrack -F` on a node, which empties
/// the table ([`conntrack_flush`]).
pub fn conntrack(w: &World, h: HostId, args: &[String]) -> Option<Output> {
    let now = w.now;
    let Some(node) = w.net.hosts[h].node.as_ref() else {
        return Some(err("conntrack v1.4.7 (conntrack-tools): Operation failed: connection tracking is not modelled on this host (only on nodes)".into(), 1));
    };
    Some(match args.first().map(String::as_str) {
        Some("-L") | Some("--dump") | None => {
            let filter = match CtFilter::parse(args.get(1..).unwrap_or_default()) {
                Ok(f) => f,
                Err(e) => return Some(e),
            };
            let mut out = String::new();
            let mut n = 0;
            for (e, left) in node.conntrack.entries(now).filter(|(e, _)| filter.matches(e)) {
                out.push_str(&format_entry(e, left));
                out.push('\n');
                n += 1;
            }
            Output {
                stdout: out,
                stderr: format!("conntrack v1.4.7 (conntrack-tools): {n} flow entries have been shown.\n"),
                exit: 0,
            }
        }
        Some("-F") | Some("--flush") => return None,
        Some(other) => err(
            format!("conntrack v1.4.7 (conntrack-tools): option {other} is not supported in vipsim (use -L or -F)"),
            2,
        ),
    })
}

/// The selectors of `conntrack -L` (src/conntrack.c, conntrack-tools
/// 1.4.7): `-s`/`-d` the original direction's source and destination,
/// `-r`/`-q` the reply direction's, `-p` the protocol, after which
/// `--sport`/`--dport` (the original ports) exist; before it, getopt
/// does not know them.
#[derive(Default)]
struct CtFilter {
    proto: Option<u8>,
    orig_src: Option<std::net::Ipv4Addr>,
    orig_dst: Option<std::net::Ipv4Addr>,
    reply_src: Option<std::net::Ipv4Addr>,
    reply_dst: Option<std::net::Ipv4Addr>,
    sport: Option<u16>,
    dport: Option<u16>,
}

impl CtFilter {
    fn parse(args: &[String]) -> Result<CtFilter, Output> {
        // `exit_error(PARAMETER_PROBLEM, ...)`: the message, then `exit_tryhelp`, exit 2.
        let fail = |msg: String| {
            err(
                format!(
                    "conntrack v1.4.7 (conntrack-tools): {msg}\nTry `conntrack -h' or 'conntrack --help' for more information."
                ),
                2,
            )
        };
        let mut f = CtFilter::default();
        let mut args = args.iter();
        while let Some(opt) = args.next() {
            let opt = opt.as_str();
            let proto_opt = matches!(opt, "--sport" | "--orig-port-src" | "--dport" | "--orig-port-dst");
            let known = matches!(
                opt,
                "-s" | "--src"
                    | "--orig-src"
                    | "-d"
                    | "--dst"
                    | "--orig-dst"
                    | "-r"
                    | "--reply-src"
                    | "-q"
                    | "--reply-dst"
                    | "-p"
                    | "--protonum"
            ) || (proto_opt
                && f.proto.is_some_and(|p| ![crate::net::conntrack::PROTO_ICMP, 47].contains(&p)));
            if !known {
                if opt.starts_with('-') && !proto_opt {
                    return Err(err(
                        format!(
                            "conntrack v1.4.7 (conntrack-tools): option {opt} is not supported in vipsim (-L takes -s -d -r -q -p --sport --dport)"
                        ),
                        2,
                    ));
                }
                return Err(fail(format!("unknown option `{opt}'")));
            }
            let Some(value) = args.next() else { return Err(fail(format!("option `{opt}' requires an argument"))) };
            let addr = || value.parse().map_err(|_| fail(format!("Invalid IP address `{value}'")));
            // The tcp/udp extensions read ports with atoi: digits up to the first other character.
            let port = || -> Result<u16, Output> {
                let digits: String = value.chars().take_while(char::is_ascii_digit).collect();
                Ok(digits.parse::<u64>().map_or(0, |p| p as u16))
            };
            match opt {
                "-s" | "--src" | "--orig-src" => f.orig_src = Some(addr()?),
                "-d" | "--dst" | "--orig-dst" => f.orig_dst = Some(addr()?),
                "-r" | "--reply-src" => f.reply_src = Some(addr()?),
                "-q" | "--reply-dst" => f.reply_dst = Some(addr()?),
                "-p" | "--protonum" => {
                    use crate::net::conntrack::{PROTO_ICMP, PROTO_TCP, PROTO_UDP};
                    f.proto = Some(match value.as_str() {
                        "tcp" => PROTO_TCP,
                        "udp" => PROTO_UDP,
                        "icmp" => PROTO_ICMP,
                        // Extensions conntrack-tools has, for flows vipsim never makes.
                        "sctp" => 132,
                        "dccp" => 33,
                        "udplite" => 136,
                        "gre" => 47,
                        other => return Err(fail(format!("`{other}' unsupported protocol"))),
                    })
                }
                "--sport" | "--orig-port-src" => f.sport = Some(port()?),
                _ => f.dport = Some(port()?),
            }
        }
        Ok(f)
    }

    fn matches(&self, e: &crate::net::conntrack::CtEntry) -> bool {
        let (o, r) = (&e.original, &e.reply);
        self.proto.is_none_or(|p| p == o.proto)
            && self.orig_src.is_none_or(|a| a == o.src)
            && self.orig_dst.is_none_or(|a| a == o.dst)
            && self.reply_src.is_none_or(|a| a == r.src)
            && self.reply_dst.is_none_or(|a| a == r.dst)
            && self.sport.is_none_or(|p| p == o.sport)
            && self.dport.is_none_or(|p| p == o.dport)
    }
}

/// `conntrack -F` on a node: its table emptied.
pub fn conntrack_flush(w: &mut World, h: HostId) -> Output {
    if let Some(node) = w.net.hosts[h].node.as_mut() {
        node.conntrack.flush();
    }
    Output {
        stdout: String::new(),
        stderr: "conntrack v1.4.7 (conntrack-tools): connection tracking table has been emptied.\n".into(),
        exit: 0,
    }
}
