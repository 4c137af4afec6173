//! The simulated LAN: hosts with their network stacks, one learning switch,
//! and the links (cables) between them.

pub mod addr;
pub mod apps;
pub mod build;
pub mod conntrack;
pub mod host;
pub mod neighbor;
pub mod proxy;
pub mod switch;
pub mod tcp;
pub mod tools;

use crate::engine::trace::Name;
use crate::time::Duration;
use serde::Serialize;
use std::collections::BTreeMap;

pub use crate::engine::topology::{End, HostId, IfIdx, Link, LinkId};
pub use addr::Cidr;
pub use host::{Host, Role};
pub use switch::Switch;

/// Propagation plus serialisation on a LAN cable, rounded: small enough not
/// to matter, large enough that a frame's hops are distinct in the trace.
pub const LINK_DELAY: Duration = Duration::from_micros(50);

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Network {
    pub hosts: Vec<Host>,
    pub switch: Switch,
    pub links: Vec<Link>,
    /// Each host's id by name: every console command and timeline step
    /// names its host. Written by [`build::LanBuilder`], the one place
    /// hosts are added; names never change.
    #[serde(skip)]
    by_name: BTreeMap<Name, HostId>,
}

impl Network {
    pub fn host_id(&self, name: &str) -> Option<HostId> {
        let id = self.by_name.get(name).copied();
        debug_assert!(id.is_none_or(|id| &*self.hosts[id].name == name), "a host was renamed after it was added");
        id
    }

    pub fn host(&self, name: &str) -> Option<&Host> {
        self.host_id(name).map(|id| &self.hosts[id])
    }

    /// Adds `host`, whose id is its index; returns it.
    fn push_host(&mut self, host: Host) -> HostId {
        let id = self.hosts.len();
        debug_assert_eq!(host.id, id, "a host's id is its index");
        self.by_name.entry(host.name.clone()).or_insert(id);
        self.hosts.push(host);
        id
    }

    /// The name of the host with an interface of MAC `mac`, or the MAC
    /// itself (as the lesson, the tables and the sentences name it).
    pub fn name_of_mac(&self, mac: crate::wire::Mac) -> String {
        self.hosts
            .iter()
            .find(|h| h.ifaces.iter().any(|i| i.mac == mac))
            .map(|h| h.name.to_string())
            .unwrap_or_else(|| mac.to_string())
    }

    /// The name of the host with address `ip`, or the address itself.
    pub fn name_of_ip(&self, ip: std::net::Ipv4Addr) -> String {
        self.hosts.iter().find(|h| h.owns(ip)).map(|h| h.name.to_string()).unwrap_or_else(|| ip.to_string())
    }

    /// The switch port a host interface is cabled to, if any.
    pub fn port_of(&self, host: HostId, iface: IfIdx) -> Option<switch::PortId> {
        let link = self.hosts[host].ifaces[iface].link?;
        self.links[link].ends.iter().find_map(|e| match e {
            End::Switch(p) => Some(*p),
            _ => None,
        })
    }

    /// Which host sits behind a switch port.
    pub fn host_on_port(&self, port: switch::PortId) -> Option<(HostId, IfIdx)> {
        self.links.iter().find_map(|l| {
            if l.ends.contains(&End::Switch(port)) {
                l.ends.iter().find_map(|e| match e {
                    End::Host(h, i) => Some((*h, *i)),
                    _ => None,
                })
            } else {
                None
            }
        })
    }

    pub fn port_name(&self, port: switch::PortId) -> Name {
        match self.host_on_port(port) {
            Some((h, _)) => format!("{} ({})", self.switch.ports[port].name, self.hosts[h].name).into(),
            None => self.switch.ports[port].name.clone().into(),
        }
    }
}
