//! The ids the engine's events name: hosts, their interfaces, links and
//! switch ports, and the cables between them. What sits at each end (a
//! host's stack, the switch) is `net`'s.

use crate::time::Duration;
use serde::{Deserialize, Serialize};

/// A host: its index in the network's host list.
pub type HostId = usize;
/// An interface of a host: its index in the host's interface list.
pub type IfIdx = usize;
/// A link (cable): its index in the network's link list.
pub type LinkId = usize;
/// A port of the switch: its index in the switch's port list.
pub type PortId = usize;

/// One end of a link: a switch port or a host interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum End {
    Switch(PortId),
    Host(HostId, IfIdx),
}

/// A cable. Frames take `delay` to cross it; a link that is down (cut, or a
/// powered-off host's NIC without carrier) delivers nothing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Link {
    pub ends: [End; 2],
    pub up: bool,
    pub delay: Duration,
}

impl Link {
    /// The index (0 or 1) of the end opposite `from`.
    pub fn other(&self, from: End) -> usize {
        if self.ends[0] == from { 1 } else { 0 }
    }
}
