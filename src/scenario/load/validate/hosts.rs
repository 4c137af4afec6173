//! The LAN's hosts: names, roles, addresses and MACs.

use super::{Context, DNS_LABEL_RULE, closest, is_dns_label, role_name};
use crate::net::addr::Cidr;
use crate::scenario::spec::{HostRole, HostSpec};
use crate::wire::Mac;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// Checks every host; returns the LAN's prefix when the hosts have one.
pub fn check(cx: &mut Context) -> Option<Cidr> {
    let hosts = &cx.spec.hosts;
    if hosts.is_empty() {
        cx.error("spec.hosts", "a scenario needs at least one host");
    }
    names(cx);
    let addresses: Vec<Option<Cidr>> = hosts.iter().enumerate().map(|(i, host)| address(cx, i, host)).collect();
    let lan = lan_prefix(hosts, &addresses);
    for (i, host) in hosts.iter().enumerate() {
        if let (Some(address), Some(lan)) = (addresses[i], lan) {
            placement(cx, i, host, address, lan);
        }
        if host.behind.is_some() {
            behind(cx, i, host);
        }
        role_fields(cx, i, host);
        routes(cx, i, host);
        if let Some(n) = &host.neighbor
            && let Some(timeout) = n.arp_timeout
        {
            let path = format!("spec.hosts[{i}].neighbor.arpTimeout");
            // (On a Linux-model host the field is left unsaid: the scenario
            // contract's own example gives its Linux router one; the
            // README documents it as the Cisco model's.)
            if n.model == Some(crate::net::neighbor::NeighborModel::Cisco) && timeout == crate::time::Duration::ZERO {
                cx.error(&path, crate::net::neighbor::ZERO_ARP_TIMEOUT);
            }
        }
        if let Some(accept) = host.neighbor.as_ref().and_then(|n| n.arp_accept)
            && accept > 2
        {
            cx.error(
                &format!("spec.hosts[{i}].neighbor.arpAccept"),
                format!("arpAccept is 0, 1 or 2 (net.ipv4.conf.*.arp_accept), not {accept}"),
            );
        }
    }
    for (i, host) in hosts.iter().enumerate() {
        if let Some(policy) = host.multipath_hash_policy
            && policy > 1
        {
            let what = match policy {
                2 => "2 (the inner headers of tunnelled packets) is not modelled",
                3 => "3 (custom fields) is not modelled",
                _ => "Linux has no such policy",
            };
            cx.error(
                &format!("spec.hosts[{i}].multipathHashPolicy"),
                format!(
                    "multipathHashPolicy is net.ipv4.fib_multipath_hash_policy: 0 (source and destination \
                     address, Linux's default) or 1 (the 5-tuple); {what}"
                ),
            );
        }
    }
    if cx.spec.switch.mac_aging == Some(crate::time::Duration::ZERO) {
        cx.error(
            "spec.switch.macAging",
            "macAging must be longer than 0s: on a Cisco switch 0 turns aging off (entries stay until their \
             port goes down), which vipsim does not model; give a long aging time (24h) instead",
        );
    }
    single_router(cx);
    unique_addresses(cx, &addresses);
    separate_links(cx, &addresses);
    macs(cx);
    lan
}

fn names(cx: &mut Context) {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, host) in cx.spec.hosts.iter().enumerate() {
        let path = format!("spec.hosts[{i}].name");
        if !is_dns_label(&host.name) {
            cx.error(&path, format!("host name `{}` is not a DNS label: {DNS_LABEL_RULE}", host.name));
        }
        if let Some(&first) = seen.get(host.name.as_str()) {
            let line = cx.source.at(&format!("spec.hosts[{first}]")).line;
            cx.error(&path, format!("host `{}` is defined twice (first at line {line})", host.name));
        } else {
            seen.insert(&host.name, i);
        }
    }
}

/// The host's `ip`, if it is a usable interface address.
fn address(cx: &mut Context, i: usize, host: &HostSpec) -> Option<Cidr> {
    let path = format!("spec.hosts[{i}].ip");
    let cidr = match Cidr::parse(&host.ip) {
        Ok(cidr) => cidr,
        Err(message) => {
            cx.error(&path, message);
            return None;
        }
    };
    let addr = cidr.addr;
    let problem = if addr.is_unspecified() || addr.is_loopback() || addr.is_multicast() || addr.is_broadcast() {
        Some("not a unicast host address")
    } else if cidr.prefix <= 30 && addr == cidr.network() {
        Some("the network address of its prefix, not a host address")
    } else if cidr.prefix <= 30 && addr == cidr.broadcast() {
        Some("the broadcast address of its prefix, not a host address")
    } else {
        None
    };
    match problem {
        Some(problem) => {
            cx.error(&path, format!("`{}` is {problem}", host.ip));
            None
        }
        None => Some(cidr),
    }
}

/// The LAN is the prefix most LAN hosts (those not `behind` the router)
/// share, the first one's on a tie: with one misconfigured host, the error
/// then names that host rather than all the others.
fn lan_prefix(hosts: &[HostSpec], addresses: &[Option<Cidr>]) -> Option<Cidr> {
    let networks: Vec<Cidr> = hosts
        .iter()
        .zip(addresses)
        .filter(|(host, _)| host.behind.is_none())
        .filter_map(|(_, address)| *address)
        .map(network_of)
        .collect();
    let mut best: Option<(usize, Cidr)> = None;
    for &network in &networks {
        let count = networks.iter().filter(|&&n| n == network).count();
        if best.is_none_or(|(most, _)| count > most) {
            best = Some((count, network));
        }
    }
    best.map(|(_, network)| network)
}

fn network_of(cidr: Cidr) -> Cidr {
    Cidr::new(cidr.network(), cidr.prefix)
}

/// A LAN host must be in the LAN's prefix; a host behind the router outside it.
fn placement(cx: &mut Context, i: usize, host: &HostSpec, address: Cidr, lan: Cidr) {
    let path = format!("spec.hosts[{i}].ip");
    let inside = lan.contains(address.addr);
    let name = &host.name;
    match (&host.behind, inside) {
        (None, false) => {
            cx.error(&path, format!("host `{name}` ({address}) is outside the LAN {lan}"));
        }
        (None, true) if address.prefix != lan.prefix => {
            cx.error(&path, format!("host `{name}` ({address}) has another prefix length than the LAN {lan}"));
        }
        (Some(router), true) => {
            let message = format!(
                "host `{name}` ({address}) is behind `{router}`, \
                 so its address must be outside the LAN {lan}"
            );
            cx.error(&path, message);
        }
        _ => {}
    }
}

/// `behind:` puts a client on its own link to the router.
fn behind(cx: &mut Context, i: usize, host: &HostSpec) {
    let path = format!("spec.hosts[{i}].behind");
    let Some(router) = host.behind.as_deref() else {
        return;
    };
    if host.role != HostRole::Client {
        cx.error(
            &path,
            format!("only a client can sit behind the router, and `{}` is a {}", host.name, role_name(host.role)),
        );
    }
    match cx.host(router) {
        Some(target) if target.role != HostRole::Router => {
            cx.error(&path, format!("`behind` names the router, and `{router}` is a {}", role_name(target.role)));
        }
        Some(_) => {}
        None => {
            let routers: Vec<&str> =
                cx.spec.hosts.iter().filter(|h| h.role == HostRole::Router).map(|h| h.name.as_str()).collect();
            cx.error(&path, format!("unknown router `{router}`")).suggest(closest(router, routers));
        }
    }
}

/// Each client `behind` the router is on a link of its own, and the router
/// takes its gateway address in that link's network (the first host
/// address, or the second if the client has the first). Two such links in one network would give the
/// router two connected routes for it: packets for either client would
/// all leave by one interface, and the other client would never get an
/// answer. (Linux takes the route added first; the scenario would only
/// teach the confusion.)
fn separate_links(cx: &mut Context, addresses: &[Option<Cidr>]) {
    let mut first_on: BTreeMap<(String, Cidr), usize> = BTreeMap::new();
    for (i, host) in cx.spec.hosts.iter().enumerate() {
        let (Some(router), Some(address)) = (host.behind.as_deref(), addresses[i]) else { continue };
        let network = network_of(address);
        let overlapping = first_on
            .iter()
            .find(|((r, other), _)| {
                r == router && (other.contains(network.network()) || network.contains(other.network()))
            })
            .map(|(_, &j)| j);
        match overlapping {
            Some(j) => {
                let other = &cx.spec.hosts[j];
                let message = format!(
                    "host `{}` ({address}) is behind `{router}` on a link of its own, and so is `{}` ({}): \
                     two links in one network {network} leave the router two routes for it and one client \
                     unreachable; give each client behind the router its own network",
                    host.name,
                    other.name,
                    addresses[j].map(|a| a.to_string()).unwrap_or_default()
                );
                cx.error(&format!("spec.hosts[{i}].ip"), message);
            }
            None => {
                first_on.insert((router.to_string(), network), i);
            }
        }
    }
}

/// `zone`, `labels` and `podCIDR` describe nodes; `asn` a router.
fn role_fields(cx: &mut Context, i: usize, host: &HostSpec) {
    let fields = [
        ("zone", host.zone.is_some(), HostRole::Node),
        ("labels", !host.labels.is_empty(), HostRole::Node),
        ("podCIDR", host.pod_cidr.is_some(), HostRole::Node),
        ("asn", host.asn.is_some(), HostRole::Router),
        ("multipathHashPolicy", host.multipath_hash_policy.is_some(), HostRole::Router),
    ];
    for (field, present, role) in fields {
        if present && host.role != role {
            let message = format!(
                "`{field}` applies to a {} only, and `{}` is a {}",
                role_name(role),
                host.name,
                role_name(host.role)
            );
            cx.error(&format!("spec.hosts[{i}].{field}"), message);
        }
    }
}

/// Extra routes: a CIDR or `default`, an IPv4 gateway, and an interface
/// the host has (`eth0`; a router also has one `ethN` per client behind it).
fn routes(cx: &mut Context, i: usize, host: &HostSpec) {
    let behind = cx.spec.hosts.iter().filter(|h| h.behind.as_deref() == Some(host.name.as_str())).count();
    let ifaces: Vec<String> = (0..=behind).map(|n| format!("eth{n}")).collect();
    for (j, r) in host.routes.iter().enumerate() {
        let path = format!("spec.hosts[{i}].routes[{j}]");
        if r.to != "default"
            && let Err(message) = Cidr::parse(&r.to)
        {
            cx.error(&format!("{path}.to"), message);
        }
        if let Some(via) = &r.via
            && via.parse::<std::net::Ipv4Addr>().is_err()
        {
            cx.error(&format!("{path}.via"), format!("`{via}` is not an IPv4 address"));
        }
        if let Some(dev) = &r.dev
            && !ifaces.contains(dev)
        {
            cx.error(
                &format!("{path}.dev"),
                format!("`{}` has no interface `{dev}` (it has {})", host.name, ifaces.join(", ")),
            );
        }
        if r.via.is_none() && r.dev.is_none() {
            cx.error(&path, "a route needs `via` (a gateway) or `dev` (on-link)");
        }
    }
}

fn single_router(cx: &mut Context) {
    let mut first: Option<(usize, &str)> = None;
    for (i, host) in cx.spec.hosts.iter().enumerate().filter(|(_, h)| h.role == HostRole::Router) {
        match first {
            None => first = Some((i, &host.name)),
            Some((index, name)) => {
                let line = cx.source.at(&format!("spec.hosts[{index}]")).line;
                let message = format!("a scenario has at most one router, and `{name}` (line {line}) is already one");
                cx.error(&format!("spec.hosts[{i}].role"), message);
            }
        }
    }
}

fn unique_addresses(cx: &mut Context, addresses: &[Option<Cidr>]) {
    let mut owners: BTreeMap<Ipv4Addr, &str> = BTreeMap::new();
    for (i, (host, address)) in cx.spec.hosts.iter().zip(addresses).enumerate() {
        let Some(address) = address else { continue };
        match owners.get(&address.addr) {
            Some(owner) => {
                let message = format!("address {} is already used by `{owner}`", address.addr);
                cx.error(&format!("spec.hosts[{i}].ip"), message);
            }
            None => {
                owners.insert(address.addr, &host.name);
            }
        }
    }
}

/// Explicit MACs must be unicast; every host's MAC (explicit or derived
/// from its name) must be unique.
fn macs(cx: &mut Context) {
    let mut owners: BTreeMap<Mac, &str> = BTreeMap::new();
    for (i, host) in cx.spec.hosts.iter().enumerate() {
        let (mac, path) = match &host.mac {
            None => (Mac::derived_from(&host.name), format!("spec.hosts[{i}].name")),
            Some(text) => {
                let path = format!("spec.hosts[{i}].mac");
                match unicast_mac(text) {
                    Ok(mac) => (mac, path),
                    Err(message) => {
                        cx.error(&path, message);
                        continue;
                    }
                }
            }
        };
        let derived = host.mac.is_none();
        match owners.get(&mac) {
            // The same name derives the same MAC; the duplicate name is reported already.
            Some(&owner) if derived && owner == host.name => {}
            Some(&owner) => {
                let how = if derived { " (derived from its name)" } else { "" };
                cx.error(&path, format!("MAC {mac}{how} is already used by `{owner}`"));
            }
            None => {
                owners.insert(mac, &host.name);
            }
        }
    }
}

fn unicast_mac(text: &str) -> Result<Mac, String> {
    let mac = Mac::parse(text)?;
    if mac.is_multicast() {
        Err(format!("`{text}` is a multicast MAC (the first octet is odd); a host needs a unicast one"))
    } else if mac == Mac::ZERO {
        Err(format!("`{text}` is not a usable MAC"))
    } else {
        Ok(mac)
    }
}
