//! A host's live tables at the cursor: its neighbour (ARP) cache with
//! states and timers counting down, routes, and for nodes conntrack, the
//! Service rules kube-proxy programmed and the announcer's view; for the
//! switch its MAC table with ages. Rows that changed in what just
//! happened are highlighted (and say so, for screen readers).

use super::i18n::{Lang, Msg};
use super::story::just_happened;
use crate::engine::trace::{Kind, Record};
use crate::k8s::cluster::BgpState;
use crate::net::Host;
use crate::net::host::Datapath;
use crate::net::neighbor::NeighborModel;
use crate::net::proxy::TrafficPolicy;
use crate::net::switch::MacChange;
use crate::sim::World;
use crate::time::Instant;
use crate::wire::Mac;
use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct HostTablesProps {
    pub host: AttrValue,
}

/// "3.2 s ago" relative to `now`.
fn ago(now: Instant, t: Instant, lang: Lang) -> String {
    lang.f(Msg::Ago, &[&crate::view::duration(now.saturating_since(t), lang)])
}

/// "in 1.4 s", or "in 3 h 59 min" for long waits.
fn until(now: Instant, t: Instant, lang: Lang) -> String {
    let d = t.saturating_since(now);
    let wait = crate::view::duration(d, lang);
    lang.f(Msg::In, &[&wait])
}

/// `text` with a line-break opportunity after each `sep` (a MAC's colons,
/// the ages' slashes): a narrow table wraps it there, not inside a number.
fn breakable(text: &str, sep: char) -> Html {
    let mut parts = text.split_inclusive(sep).peekable();
    let mut out = Vec::new();
    while let Some(part) = parts.next() {
        out.push(html! { { part.to_string() } });
        if parts.peek().is_some() {
            out.push(html! { <wbr /> });
        }
    }
    out.into_iter().collect()
}

fn changed_class(changed: bool) -> Option<&'static str> {
    changed.then_some("changed")
}

fn changed_note(changed: bool, lang: Lang) -> Html {
    if changed {
        html! { <span class="visually-hidden">{ lang.t(Msg::JustChanged) }</span> }
    } else {
        html! {}
    }
}

/// `conceal`: the VIPs' entries name neither the host their MAC belongs to
/// nor the MAC (an exercise asks the learner to find who answers, and the
/// MAC is also in the answering node's own entry, a row away).
fn neighbor_tables(world: &World, host: &Host, changed: &BTreeSet<Ipv4Addr>, conceal: bool, lang: Lang) -> Html {
    let vips: Vec<Ipv4Addr> = world.cluster.services.values().flat_map(|s| s.ingress.iter().copied()).collect();
    let now = world.now;
    host.ifaces
        .iter()
        .map(|iface| {
            let cfg = iface.neighbors.config();
            let garp = format!("GARP {}", format!("{:?}", cfg.garp).to_ascii_lowercase());
            let model = match cfg.model {
                NeighborModel::Cisco => lang.f(Msg::CiscoModel, &[&garp, &crate::view::duration(cfg.arp_timeout, lang)]),
                NeighborModel::Linux => match iface.neighbors.entries().next() {
                    Some(e) => lang.f(Msg::LinuxModel, &[&garp, &format!("{:.1} s", e.reachable_time.as_secs_f64())]),
                    None => format!("Linux, {garp}"),
                },
            };
            let rows = iface.neighbors.entries().map(|e| {
                let is_changed = changed.contains(&e.ip);
                let deadline = match (e.expires, e.timer()) {
                    (Some(t), _) => lang.f(Msg::Expires, &[&until(now, t, lang)]),
                    (None, Some(t)) => lang.f(Msg::Timer, &[&until(now, t, lang)]),
                    (None, None) => String::new(),
                };
                let secs = |t: Instant| format!("{:.1}", now.saturating_since(t).as_secs_f64());
                let hidden = conceal && vips.contains(&e.ip);
                let mac = e.mac.filter(|_| !hidden);
                let owner = match e.mac {
                    Some(_) if hidden => "?".to_string(),
                    Some(m) => world.net.name_of_mac(m),
                    None => String::new(),
                };
                html! {
                    <tr class={classes!(changed_class(is_changed), format!("state-{}", e.state).to_ascii_lowercase())}
                        data-ip={e.ip.to_string()} data-mac={mac.map(|m| m.to_string()).unwrap_or_default()}
                        data-owner={owner.clone()}>
                        <th scope="row">{ e.ip.to_string() }{ changed_note(is_changed, lang) }</th>
                        <td>
                            <strong>{ if owner.is_empty() { "-".to_string() } else { owner } }</strong>
                            if let Some(m) = mac { <br /><code class="mac">{ breakable(&m.to_string(), ':') }</code> }
                            if hidden && e.mac.is_some() { <br /><span class="hidden-mac">{ lang.t(Msg::MacHidden) }</span> }
                        </td>
                        <td class="state">{ e.state.to_string() }<br /><span class="timer">{ deadline }</span></td>
                        <td class="ages">{ breakable(&format!("{}/{}/{}", secs(e.updated), secs(e.confirmed), secs(e.used)), '/') }</td>
                    </tr>
                }
            });
            html! {
                <table class="data neighbors" data-iface={iface.name.to_string()}>
                    <caption>{ lang.f(Msg::ArpCacheOn, &[&iface.name, &model]) }</caption>
                    <thead><tr>
                        <th scope="col">{ "IP" }</th><th scope="col">{ lang.t(Msg::MacHost) }</th><th scope="col">{ lang.t(Msg::StateTimer) }</th>
                        <th scope="col"><abbr title={lang.t(Msg::AgesExplained)}>{ lang.t(Msg::Ages) }</abbr></th>
                    </tr></thead>
                    <tbody>
                        if iface.neighbors.entries().next().is_none() {
                            <tr><td colspan="4" class="empty">{ lang.t(Msg::Empty) }</td></tr>
                        }
                        { for rows }
                    </tbody>
                </table>
            }
        })
        .collect()
}

fn routes_table(world: &World, host: &Host, lang: Lang) -> Html {
    let rows = host.routes.iter().map(|r| {
        let via: Vec<String> = r.via.iter().map(|ip| format!("{ip} ({})", world.net.name_of_ip(*ip))).collect();
        html! {
            <tr>
                <th scope="row">{ r.dst.to_string() }</th>
                <td>{ if via.is_empty() { lang.t(Msg::DirectlyConnected).to_string() } else { via.join(", ") } }</td>
                <td>{ host.ifaces.get(r.iface).map(|i| i.name.to_string()).unwrap_or_default() }</td>
                <td>{ format!("{:?}", r.origin).to_ascii_lowercase() }</td>
            </tr>
        }
    });
    html! {
        <table class="data routes">
            <caption>{ lang.t(Msg::Routes) }</caption>
            <thead><tr>
                <th scope="col">{ lang.t(Msg::Destination) }</th><th scope="col">{ lang.t(Msg::Via) }</th>
                <th scope="col">{ "Dev" }</th><th scope="col">{ lang.t(Msg::Origin) }</th>
            </tr></thead>
            <tbody>{ for rows }</tbody>
        </table>
    }
}

fn conntrack_table(world: &World, host: &Host, lang: Lang) -> Html {
    let Some(node) = &host.node else { return html! {} };
    let rows: Vec<Html> = node
        .conntrack
        .entries(world.now)
        .map(|(e, left)| {
            let o = &e.original;
            let r = &e.reply;
            let nat = match (e.dnat(), e.snat) {
                (true, true) => "DNAT + SNAT",
                (true, false) => "DNAT",
                (false, true) => "SNAT",
                (false, false) => "-",
            };
            html! {
                <tr>
                    <td>{ format!("{}:{} → {}:{}", o.src, o.sport, o.dst, o.dport) }</td>
                    <td>{ format!("{}:{} → {}:{}", r.src, r.sport, r.dst, r.dport) }</td>
                    <td>{ e.tcp.map(|s| s.name()).unwrap_or("-") }</td>
                    <td>{ nat }</td>
                    <td>{ e.service.clone().unwrap_or_else(|| "-".into()) }</td>
                    <td>{ format!("{} s", left.as_secs()) }</td>
                </tr>
            }
        })
        .collect();
    html! {
        <table class="data conntrack">
            <caption>{ lang.f(Msg::ConntrackFlows, &[&rows.len()]) }</caption>
            <thead><tr>
                <th scope="col">{ lang.t(Msg::OriginalDir) }</th><th scope="col">{ lang.t(Msg::Reply) }</th><th scope="col">{ "TCP" }</th>
                <th scope="col">{ "NAT" }</th><th scope="col">{ "Service" }</th><th scope="col">{ lang.t(Msg::ExpiresCol) }</th>
            </tr></thead>
            <tbody>
                if rows.is_empty() { <tr><td colspan="6" class="empty">{ lang.t(Msg::NoFlows) }</td></tr> }
                { for rows }
            </tbody>
        </table>
    }
}

/// The Service rules as this node's proxy applies them: frontends, the
/// translation and which endpoints it may pick.
fn service_rules(world: &World, node: &str, lang: Lang) -> Html {
    let datapath = world.datapath.kind;
    let rows = world.services.services.values().map(|s| {
        let mut fronts: Vec<String> = Vec::new();
        for p in &s.ports {
            if let Some(ip) = s.cluster_ip {
                fronts.push(format!("{ip}:{}", p.port));
            }
            fronts.extend(s.external_ips.iter().map(|ip| format!("{ip}:{} (LB)", p.port)));
            fronts.extend(p.node_port.map(|np| format!("node:{np} (NodePort)")));
        }
        let local = s.local_endpoints(node);
        let external = match (s.external_policy, datapath) {
            (TrafficPolicy::Local, _) => lang.f(Msg::PolicyLocal, &[&local]),
            (TrafficPolicy::Cluster, Datapath::Ebpf) => lang.t(Msg::PolicyClusterEbpf).into(),
            (TrafficPolicy::Cluster, _) => lang.t(Msg::PolicyCluster).into(),
        };
        let endpoints = s.endpoints.iter().map(|e| {
            let ports: Vec<String> = e.ports.values().map(|p| p.to_string()).collect();
            let state = lang.t(if e.ready {
                Msg::PodReady
            } else if e.terminating {
                Msg::PodTerminating
            } else {
                Msg::PodNotReady
            });
            let here = if e.node == node { lang.t(Msg::LocalNote) } else { "" };
            let at = format!("{}:{}", e.ip, ports.join(","));
            html! { <li>{ lang.f(Msg::EndpointOn, &[&at, &e.node, &format!("{state}{here}")]) }</li> }
        });
        html! {
            <tr>
                <th scope="row">{ &s.name }</th>
                <td>{ fronts.join(", ") }</td>
                <td>{ external }</td>
                <td><ul class="plain">{ for endpoints }</ul></td>
            </tr>
        }
    });
    html! {
        <table class="data services">
            <caption>{ lang.f(Msg::ServiceRules, &[&format!("{datapath:?}")]) }</caption>
            <thead><tr>
                <th scope="col">{ "Service" }</th><th scope="col">{ lang.t(Msg::Frontends) }</th>
                <th scope="col">{ lang.t(Msg::Translation) }</th><th scope="col">{ lang.t(Msg::Endpoints) }</th>
            </tr></thead>
            <tbody>{ for rows }</tbody>
        </table>
    }
}

/// MetalLB's speaker view, Cilium's leases and BGP sessions for one node.
fn announcer_state(world: &World, node: &str, lang: Lang) -> Html {
    let k = &world.cluster;
    let mut items: Vec<Html> = Vec::new();
    if let Some(sp) = k.speakers.get(node) {
        let view: Vec<&str> = sp.view.iter().map(String::as_str).collect();
        items.push(html! { <li>{ lang.f(Msg::MemberlistSees, &[&view.join(", ")]) }</li> });
        for (svc, ip) in &sp.announcing {
            items.push(html! {
                <li><strong>{ lang.f(Msg::AnswersArpFor, &[ip]) }</strong>{ lang.f(Msg::LeaderOf, &[svc]) }</li>
            });
        }
    }
    if let Some(n) = k.nodes.get(node) {
        let running = lang.t(if n.agent_running { Msg::AgentRunning } else { Msg::AgentStopped });
        items.push(html! { <li>{ lang.f(Msg::AgentState, &[&running, &n.ready, &n.ready_reason]) }</li> });
    }
    for (svc, lease) in &k.leases {
        let holder = lease.holder.as_deref().unwrap_or(lang.t(Msg::Nobody));
        let mine = if lease.holder.as_deref() == Some(node) { lang.t(Msg::ThisNode) } else { "" };
        items.push(html! {
            <li>{ lang.f(Msg::LeaseState, &[
                &crate::k8s::cilium::lease_name(svc),
                &format!("{holder}{mine}"),
                &ago(world.now, crate::k8s::cilium::renew_time(lease, world.now, k.config.retry_period), lang),
                &lease.transitions,
            ]) }</li>
        });
    }
    if let Some(b) = k.bgp.get(node) {
        let state = if b.state == BgpState::Established { "Established" } else { "Idle" };
        let adv: Vec<String> = b.advertised.iter().map(|prefix| prefix.to_string()).collect();
        let adv = if adv.is_empty() { lang.t(Msg::Nothing).to_string() } else { adv.join(", ") };
        items.push(html! {
            <li>{ lang.f(Msg::BgpSession, &[&b.peer, &state, &crate::ui::secs_in(b.since, lang), &crate::view::duration(b.hold_time, lang), &adv]) }</li>
        });
    }
    if items.is_empty() {
        return html! {};
    }
    html! {
        <div class="announcer">
            <h4>{ lang.t(Msg::AnnouncingVip) }</h4>
            <ul class="plain">{ for items }</ul>
        </div>
    }
}

fn mac_table(world: &World, changed: &BTreeSet<Mac>, lang: Lang) -> Html {
    let sw = &world.net.switch;
    let now = world.now;
    let rows = sw.table.iter().map(|(mac, e)| {
        let age = now.saturating_since(e.last_seen);
        let expired = age >= sw.mac_aging;
        let is_changed = changed.contains(mac);
        html! {
            <tr class={classes!(changed_class(is_changed), expired.then_some("expired"))} data-mac={mac.to_string()}>
                <th scope="row"><code>{ breakable(&mac.to_string(), ':') }</code>{ changed_note(is_changed, lang) }</th>
                <td>{ world.net.name_of_mac(*mac) }</td>
                <td>{ world.net.port_name(e.port).to_string() }</td>
                <td>{ format!("{:.1} s", age.as_secs_f64()) }</td>
                <td>{ if expired { lang.t(Msg::AgedOut).to_string() } else { until(now, e.last_seen + sw.mac_aging, lang) } }</td>
            </tr>
        }
    });
    html! {
        <table class="data macs">
            <caption>{ lang.f(Msg::MacTable, &[&crate::view::duration(sw.mac_aging, lang)]) }</caption>
            <thead><tr>
                <th scope="col">{ "MAC" }</th><th scope="col">{ lang.t(Msg::Host) }</th><th scope="col">{ lang.t(Msg::Port) }</th>
                <th scope="col">{ lang.t(Msg::Age) }</th><th scope="col">{ lang.t(Msg::AgesOut) }</th>
            </tr></thead>
            <tbody>
                if sw.table.is_empty() { <tr><td colspan="5" class="empty">{ lang.t(Msg::Empty) }</td></tr> }
                { for rows }
            </tbody>
        </table>
    }
}

/// What changed for `host` in `records`: neighbour IPs, or switch MACs.
fn changes(records: &[Record], host: &str) -> (BTreeSet<Ipv4Addr>, BTreeSet<Mac>) {
    let mut ips = BTreeSet::new();
    let mut macs = BTreeSet::new();
    for r in records {
        match &r.kind {
            Kind::Neighbor { host: h, ip, .. } if **h == *host => {
                ips.insert(*ip);
            }
            Kind::Mac { switch, change, .. } if **switch == *host => {
                let (MacChange::Learned { mac, .. }
                | MacChange::Moved { mac, .. }
                | MacChange::Aged { mac, .. }
                | MacChange::Flushed { mac, .. }) = change;
                macs.insert(*mac);
            }
            _ => {}
        }
    }
    (ips, macs)
}

#[function_component(HostTables)]
pub fn host_tables(props: &HostTablesProps) -> Html {
    let store = super::state::use_store();
    let lang = store.lang;
    let Some(entry) = store.active().cloned() else { return html! {} };
    let run = entry.run.borrow();
    let world = run.world();
    let name = props.host.as_str();
    let records = run.trace();
    let (ips, macs) = changes(&records[just_happened(records, store.previous, run.cursor(), store.time)], name);
    if *name == *world.net.switch.name {
        return mac_table(world, &macs, lang);
    }
    let Some(host) = world.net.host(name) else {
        return html! { <p class="empty">{ lang.f(Msg::NotInScenario, &[&name]) }</p> };
    };
    let node = world.cluster.nodes.values().find(|n| n.name == name).map(|n| n.name.clone());
    html! {
        <div class="host-tables" data-host={name.to_string()} tabindex="0">
            <p class="host-summary">
                { format!("{} · {} · ", host.name, lang.t(if host.up { Msg::Up } else { Msg::PoweredOff })) }
                { for host.ifaces.iter().map(|i| html! {
                    <span>{ format!("{} {} ", i.name, i.addrs.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(" ")) }<code>{ i.mac.to_string() }</code>{ " " }</span>
                }) }
            </p>
            { neighbor_tables(world, host, &ips, store.concealed(), lang) }
            if let Some(node) = node {
                { announcer_state(world, &node, lang) }
                { service_rules(world, &node, lang) }
                { conntrack_table(world, host, lang) }
            }
            { routes_table(world, host, lang) }
        </div>
    }
}
