//! The topology as a table: every host with its role, addresses, MAC,
//! power and link state, where it is cabled, and which VIPs it announces.
//! The same facts as the drawing, for screen readers and for copying.

use super::i18n::Msg;
use super::scene::role_name;
use super::state::use_store;
use super::story::{Hold, held_vips};
use crate::net::End;
use yew::prelude::*;

#[function_component(TopologyTable)]
pub fn topology_table() -> Html {
    let store = use_store();
    let lang = store.lang;
    let Some(entry) = store.active().cloned() else { return html! {} };
    let run = entry.run.borrow();
    let world = run.world();
    let net = &world.net;
    let rows = net.hosts.iter().enumerate().map(|(h, host)| {
        let role = role_name(host.role, lang);
        let addrs: Vec<String> =
            host.ifaces.iter().flat_map(|i| i.addrs.iter().map(move |a| format!("{a} ({})", i.name))).collect();
        let macs: Vec<String> = host.ifaces.iter().map(|i| format!("{} {}", i.name, i.mac)).collect();
        let cabling: Vec<String> = host
            .ifaces
            .iter()
            .enumerate()
            .filter_map(|(idx, i)| {
                let l = &net.links[i.link?];
                let other = l.ends.iter().find(|e| **e != End::Host(h, idx))?;
                let to = match other {
                    End::Switch(p) => lang.f(Msg::SwitchPort, &[&net.switch.name, &net.switch.ports[*p].name]),
                    End::Host(o, _) => net.hosts[*o].name.to_string(),
                };
                Some(format!("{} → {to}{}", i.name, if l.up { "" } else { lang.t(Msg::LinkDownNote) }))
            })
            .collect();
        let vips: Vec<String> = held_vips(world, &host.name)
            .into_iter()
            .map(|(ip, hold)| match hold {
                Hold::Announces => ip.to_string(),
                Hold::BgpNextHop => lang.f(Msg::BgpNextHopOf, &[&ip]),
            })
            .collect();
        html! {
            <tr>
                <th scope="row">{ host.name.to_string() }</th>
                <td>{ role }</td>
                <td>{ addrs.join(", ") }</td>
                <td><code>{ macs.join(", ") }</code></td>
                <td>{ lang.t(if host.up { Msg::Up } else { Msg::PoweredOff }) }</td>
                <td>{ cabling.join(", ") }</td>
                <td>{ if vips.is_empty() { "-".to_string() } else { vips.join(", ") } }</td>
            </tr>
        }
    });
    html! {
        <details class="text-view">
            <summary>{ lang.t(Msg::TopologyAsTable) }</summary>
            <table class="data">
                <caption>{ lang.f(Msg::HostsAt, &[&super::secs_in(store.time, lang)]) }</caption>
                <thead>
                    <tr>
                        <th scope="col">{ lang.t(Msg::Host) }</th>
                        <th scope="col">{ lang.t(Msg::Role) }</th>
                        <th scope="col">{ lang.t(Msg::Addresses) }</th>
                        <th scope="col">{ "MAC" }</th>
                        <th scope="col">{ lang.t(Msg::Power) }</th>
                        <th scope="col">{ lang.t(Msg::CabledTo) }</th>
                        <th scope="col">{ lang.t(Msg::HoldsVip) }</th>
                    </tr>
                </thead>
                <tbody>{ for rows }</tbody>
            </table>
        </details>
    }
}
