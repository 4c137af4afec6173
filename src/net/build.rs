//! Assembles a [`Network`]: hosts cabled to one switch, and clients that
//! sit behind the router on their own point-to-point link.

use super::host::{Host, Role, Route, RouteOrigin};
use super::neighbor::NeighborConfig;
use super::switch::Switch;
use super::{Cidr, End, HostId, LINK_DELAY, Link, Network};
use crate::wire::Mac;
use std::net::Ipv4Addr;

pub struct LanBuilder {
    net: Network,
    gateway: Option<Ipv4Addr>,
}

impl LanBuilder {
    pub fn new(switch_name: &str, mac_aging: crate::time::Duration) -> LanBuilder {
        LanBuilder {
            net: Network {
                hosts: vec![],
                switch: Switch::new(switch_name, mac_aging),
                links: vec![],
                by_name: Default::default(),
            },
            gateway: None,
        }
    }

    /// What the switch does with unicast for MACs it does not know.
    pub fn unknown_unicast(&mut self, policy: super::switch::UnknownUnicast) {
        self.net.switch.unknown_unicast = policy;
    }

    /// A host with `eth0` on the LAN, cabled to the next switch port.
    pub fn lan_host(&mut self, name: &str, role: Role, addr: Cidr, mac: Mac, neighbor: NeighborConfig) -> HostId {
        let id = self.net.hosts.len();
        let mut host = Host::new(id, name, role);
        let iface = host.add_iface("eth0", mac, addr, neighbor);
        let port = self.net.switch.add_port();
        let link = self.net.links.len();
        self.net.links.push(Link { ends: [End::Host(id, iface), End::Switch(port)], up: true, delay: LINK_DELAY });
        host.ifaces[iface].link = Some(link);
        let sp = &mut self.net.switch.ports[port];
        sp.link = Some(link);
        sp.label = format!("{} ({name})", sp.name).into();
        if role == Role::Router && self.gateway.is_none() {
            self.gateway = Some(addr.addr);
        }
        self.net.push_host(host)
    }

    /// A client on its own link to `router` (story A's upstream device):
    /// a /30-style point-to-point subnet between `addr` and `router_addr`.
    pub fn behind(
        &mut self,
        name: &str,
        router: HostId,
        addr: Cidr,
        router_addr: Cidr,
        mac: Mac,
        neighbor: NeighborConfig,
    ) -> HostId {
        let id = self.net.hosts.len();
        let mut host = Host::new(id, name, Role::Client);
        let iface = host.add_iface("eth0", mac, addr, neighbor.clone());
        host.routes.push(Route {
            dst: Cidr::new(Ipv4Addr::UNSPECIFIED, 0),
            via: vec![router_addr.addr],
            iface,
            origin: RouteOrigin::Static,
        });
        let r = &mut self.net.hosts[router];
        let r_iface_name = format!("eth{}", r.ifaces.len());
        let router_mac = Mac::derived_from(&format!("{}/{r_iface_name}", r.name));
        let r_iface = r.add_iface(&r_iface_name, router_mac, router_addr, r.ifaces[0].neighbors.config().clone());
        let link = self.net.links.len();
        self.net.links.push(Link {
            ends: [End::Host(id, iface), End::Host(router, r_iface)],
            up: true,
            delay: LINK_DELAY,
        });
        host.ifaces[iface].link = Some(link);
        self.net.hosts[router].ifaces[r_iface].link = Some(link);
        self.net.push_host(host)
    }

    pub fn host_mut(&mut self, id: HostId) -> &mut Host {
        &mut self.net.hosts[id]
    }

    /// Every LAN host that is not the router gets a default route via it.
    pub fn finish(mut self) -> Network {
        if let Some(gw) = self.gateway {
            for h in &mut self.net.hosts {
                let on_lan = h.ifaces.first().is_some_and(|i| i.addrs.iter().any(|a| a.contains(gw)));
                let has_default = h.routes.iter().any(|r| r.dst.prefix == 0);
                // Scenario routes are added later; an explicit default replaces this one.
                if h.role != Role::Router && on_lan && !has_default {
                    h.routes.push(Route {
                        dst: Cidr::new(Ipv4Addr::UNSPECIFIED, 0),
                        via: vec![gw],
                        iface: 0,
                        origin: RouteOrigin::Static,
                    });
                }
            }
        }
        self.net
    }
}
