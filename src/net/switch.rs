//! A learning Ethernet switch (IEEE 802.1D transparent bridging, one VLAN):
//! it learns which port each source MAC lives behind, forwards known unicast
//! to that port, floods broadcast, multicast and unknown unicast to every
//! other port, moves a MAC when it shows up on another port (a GARP does
//! exactly this), ages entries out after `mac_aging` of silence, and
//! forgets the MACs of a port whose link goes down.
//!
//! Flooding unknown unicast is a setting ([`UnknownUnicast`]): some
//! switches, bridges and virtual switches send it nowhere, and then a MAC
//! that aged out of the table while a router still holds its ARP entry is
//! a blackhole, the outcome MetalLB #2910 reports.

pub use crate::engine::topology::PortId;
pub use crate::engine::trace::MacChange;
use crate::time::{Duration, Instant};
use crate::wire::Mac;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Cisco's default `mac address-table aging-time` (and Linux bridge's `ageing_time`).
pub const DEFAULT_MAC_AGING: Duration = Duration::from_secs(300);

/// What the switch does with unicast for a MAC its table does not know.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnknownUnicast {
    /// Flood it out of every other port (IEEE 802.1D; the default of Cisco
    /// switches and of Linux bridge ports, `flood on`).
    #[default]
    Flood,
    /// Send it nowhere: Cisco's `switchport block unicast` on every port,
    /// Linux's `bridge link set dev PORT flood off` on every port (br_flood
    /// in Linux 6.18 `net/bridge/br_forward.c` skips ports without
    /// BR_FLOOD for unknown unicast), or a virtual switch that forwards
    /// only to MACs it knows.
    Block,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MacEntry {
    pub port: PortId,
    pub last_seen: Instant,
}

/// Where a frame goes after the switch looked at it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Forward {
    /// Known unicast: out of this one port.
    Port(PortId),
    /// Broadcast, multicast or unknown unicast: out of every other up port.
    Flood { ports: Vec<PortId>, unknown_unicast: bool },
    /// The destination lives behind the ingress port: nothing to send.
    Filter,
    /// Unicast to an unknown MAC on a switch that does not flood it.
    Blocked,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Switch {
    /// Shared with every trace record the switch writes.
    pub name: crate::engine::trace::Name,
    pub mac_aging: Duration,
    pub unknown_unicast: UnknownUnicast,
    /// Port names (`Gi0/1`...) and whether the link on each is up.
    pub ports: Vec<SwitchPort>,
    pub table: BTreeMap<Mac, MacEntry>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SwitchPort {
    pub name: String,
    /// The name with what is plugged in, for the trace: `Gi0/2 (worker-0)`.
    pub label: crate::engine::trace::Name,
    pub up: bool,
    pub link: Option<crate::net::LinkId>,
}

impl Switch {
    pub fn new(name: &str, mac_aging: Duration) -> Switch {
        Switch {
            name: name.into(),
            mac_aging,
            unknown_unicast: UnknownUnicast::default(),
            ports: Vec::new(),
            table: BTreeMap::new(),
        }
    }

    pub fn add_port(&mut self) -> PortId {
        let id = self.ports.len();
        let name = format!("Gi0/{}", id + 1);
        self.ports.push(SwitchPort { label: name.as_str().into(), name, up: true, link: None });
        id
    }

    /// Learns the source and decides where the frame goes. Entries past
    /// their aging time count as absent here; the engine's aging event
    /// removes (and reports) them when they expire.
    pub fn ingress(&mut self, port: PortId, src: Mac, dst: Mac, now: Instant, changes: &mut Vec<MacChange>) -> Forward {
        let aging = self.mac_aging;
        let fresh = |e: &MacEntry| now.saturating_since(e.last_seen) < aging;
        if !src.is_multicast() {
            match self.table.get_mut(&src) {
                Some(e) if e.port == port => e.last_seen = now,
                Some(e) if !fresh(e) => {
                    changes.push(MacChange::Aged { mac: src, port: e.port });
                    changes.push(MacChange::Learned { mac: src, port });
                    *e = MacEntry { port, last_seen: now };
                }
                Some(e) => {
                    changes.push(MacChange::Moved { mac: src, from: e.port, to: port });
                    *e = MacEntry { port, last_seen: now };
                }
                None => {
                    changes.push(MacChange::Learned { mac: src, port });
                    self.table.insert(src, MacEntry { port, last_seen: now });
                }
            }
        }
        let known = if dst.is_multicast() { None } else { self.table.get(&dst).filter(|e| fresh(e)).map(|e| e.port) };
        match known {
            Some(p) if p == port => Forward::Filter,
            Some(p) => Forward::Port(p),
            None if !dst.is_multicast() && self.unknown_unicast == UnknownUnicast::Block => Forward::Blocked,
            None => Forward::Flood {
                ports: (0..self.ports.len()).filter(|&p| p != port && self.ports[p].up).collect(),
                unknown_unicast: !dst.is_multicast(),
            },
        }
    }

    /// Removes entries silent for longer than the aging time.
    pub fn expire(&mut self, now: Instant, changes: &mut Vec<MacChange>) {
        let aging = self.mac_aging;
        self.table.retain(|mac, e| {
            let keep = now.saturating_since(e.last_seen) < aging;
            if !keep {
                changes.push(MacChange::Aged { mac: *mac, port: e.port });
            }
            keep
        });
    }

    /// When the next entry ages out, so the engine can show it happen.
    pub fn next_expiry(&self) -> Option<Instant> {
        self.table.values().map(|e| e.last_seen + self.mac_aging).min()
    }

    /// Link state change on a port. Going down flushes the MACs learned
    /// there, as switches do on loss of carrier.
    pub fn set_port_up(&mut self, port: PortId, up: bool, changes: &mut Vec<MacChange>) {
        self.ports[port].up = up;
        if !up {
            self.table.retain(|mac, e| {
                let keep = e.port != port;
                if !keep {
                    changes.push(MacChange::Flushed { mac: *mac, port });
                }
                keep
            });
        }
    }

    pub fn lookup(&self, mac: Mac) -> Option<&MacEntry> {
        self.table.get(&mac)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mac(last: u8) -> Mac {
        Mac([2, 0, 0, 0, 0, last])
    }

    fn switch(ports: usize) -> Switch {
        let mut s = Switch::new("sw", DEFAULT_MAC_AGING);
        for _ in 0..ports {
            s.add_port();
        }
        s
    }

    #[test]
    fn learns_floods_unknown_then_forwards() {
        let mut s = switch(3);
        let mut ch = vec![];
        let t = Instant::ZERO;
        assert_eq!(
            s.ingress(0, mac(1), mac(2), t, &mut ch),
            Forward::Flood { ports: vec![1, 2], unknown_unicast: true }
        );
        assert_eq!(ch, vec![MacChange::Learned { mac: mac(1), port: 0 }]);
        assert_eq!(s.ingress(1, mac(2), mac(1), t, &mut ch), Forward::Port(0));
        assert_eq!(s.ingress(0, mac(1), mac(2), t, &mut ch), Forward::Port(1));
        assert_eq!(
            s.ingress(0, mac(1), Mac::BROADCAST, t, &mut ch),
            Forward::Flood { ports: vec![1, 2], unknown_unicast: false }
        );
        // Both ends behind the same port: filtered.
        s.ingress(0, mac(9), mac(1), t, &mut ch);
        assert_eq!(s.ingress(0, mac(9), mac(1), t, &mut ch), Forward::Filter);
    }

    #[test]
    fn garp_from_new_port_moves_the_mac() {
        let mut s = switch(3);
        let mut ch = vec![];
        s.ingress(1, mac(7), Mac::BROADCAST, Instant::ZERO, &mut ch);
        ch.clear();
        // The VIP's new owner sends a GARP: source MAC is its own, so only its
        // own MAC is (re)learned; a MAC moves only when the *same* MAC appears elsewhere.
        s.ingress(2, mac(7), Mac::BROADCAST, Instant::from_secs(1), &mut ch);
        assert_eq!(ch, vec![MacChange::Moved { mac: mac(7), from: 1, to: 2 }]);
        assert_eq!(s.lookup(mac(7)).unwrap().port, 2);
    }

    #[test]
    fn ages_out_after_300s_of_silence() {
        let mut s = switch(2);
        let mut ch = vec![];
        s.ingress(0, mac(1), Mac::BROADCAST, Instant::from_secs(10), &mut ch);
        assert_eq!(s.next_expiry(), Some(Instant::from_secs(310)));
        ch.clear();
        s.expire(Instant::from_secs(309), &mut ch);
        assert!(ch.is_empty());
        s.expire(Instant::from_secs(310), &mut ch);
        assert_eq!(ch, vec![MacChange::Aged { mac: mac(1), port: 0 }]);
        // An entry past its aging time is not used even before the sweep removes it.
        let mut s2 = switch(2);
        s2.ingress(0, mac(1), Mac::BROADCAST, Instant::ZERO, &mut ch);
        assert!(matches!(
            s2.ingress(1, mac(2), mac(1), Instant::from_secs(300), &mut ch),
            Forward::Flood { unknown_unicast: true, .. }
        ));
        // Now unknown again: flooded.
        assert!(matches!(
            s.ingress(1, mac(2), mac(1), Instant::from_secs(311), &mut ch),
            Forward::Flood { unknown_unicast: true, .. }
        ));
    }

    /// Linux 6.18 br_flood (`net/bridge/br_forward.c`): unknown unicast
    /// skips every port whose BR_FLOOD flag is off; broadcast still floods.
    #[test]
    fn blocking_unknown_unicast_sends_it_nowhere_but_still_floods_broadcast() {
        let mut s = switch(3);
        s.unknown_unicast = UnknownUnicast::Block;
        let mut ch = vec![];
        assert_eq!(s.ingress(0, mac(1), mac(2), Instant::ZERO, &mut ch), Forward::Blocked);
        assert_eq!(
            s.ingress(0, mac(1), Mac::BROADCAST, Instant::ZERO, &mut ch),
            Forward::Flood { ports: vec![1, 2], unknown_unicast: false }
        );
        s.ingress(2, mac(2), Mac::BROADCAST, Instant::ZERO, &mut ch);
        assert_eq!(s.ingress(0, mac(1), mac(2), Instant::from_secs(299), &mut ch), Forward::Port(2));
        // Aged out: blocked again, where a flooding switch would flood.
        assert_eq!(s.ingress(0, mac(1), mac(2), Instant::from_secs(300), &mut ch), Forward::Blocked);
    }

    #[test]
    fn port_down_flushes_its_macs_and_stops_flooding_there() {
        let mut s = switch(3);
        let mut ch = vec![];
        s.ingress(2, mac(3), Mac::BROADCAST, Instant::ZERO, &mut ch);
        ch.clear();
        s.set_port_up(2, false, &mut ch);
        assert_eq!(ch, vec![MacChange::Flushed { mac: mac(3), port: 2 }]);
        assert_eq!(
            s.ingress(0, mac(1), mac(3), Instant::ZERO, &mut ch),
            Forward::Flood { ports: vec![1], unknown_unicast: true }
        );
    }
}
