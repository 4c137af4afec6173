//! Rules a scenario or the learner installs on a host (faults as data):
//! drop or delay frames in, out or both ways, by protocol and sender.

use super::Host;
use crate::time::Duration;
use crate::wire::ip::L4;
use crate::wire::{Frame, Parsed};
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

/// A filter the scenario or the learner installs (a fault as data).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub name: String,
    /// Matches frames of this protocol, or all when `None`.
    pub proto: Option<RuleProto>,
    /// Only frames whose IPv4/ARP sender is this address.
    pub from: Option<Ipv4Addr>,
    pub direction: RuleDirection,
    pub verdict: Verdict,
}

/// Which frames a rule sees: received, sent, or both. A scenario's
/// `direction:` names one (`in`, `out`, `both`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleDirection {
    In,
    Out,
    Both,
}

/// The protocols a rule can match: what a frame carries (ARP) or what its
/// IPv4 packet carries. A scenario's `proto:` names one, in any case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RuleProto {
    Arp,
    Tcp,
    Udp,
    Icmp,
}

impl RuleProto {
    pub const ALL: [RuleProto; 4] = [RuleProto::Arp, RuleProto::Tcp, RuleProto::Udp, RuleProto::Icmp];

    /// Their names, in the order of [`RuleProto::ALL`].
    const NAMES: &'static [&'static str] = &["ARP", "TCP", "UDP", "ICMP"];

    pub fn name(self) -> &'static str {
        RuleProto::NAMES[self as usize]
    }

    pub fn parse(s: &str) -> Option<RuleProto> {
        RuleProto::ALL.into_iter().find(|p| p.name().eq_ignore_ascii_case(s))
    }
}

/// Any case (`udp`, `UDP`); another name is serde's unknown variant, which
/// the scenario loader words with the valid names and the nearest one.
impl<'de> Deserialize<'de> for RuleProto {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<RuleProto, D::Error> {
        struct Name;
        impl serde::de::Visitor<'_> for Name {
            type Value = RuleProto;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a protocol: ARP, TCP, UDP or ICMP")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<RuleProto, E> {
                RuleProto::parse(s).ok_or_else(|| E::unknown_variant(s, RuleProto::NAMES))
            }
        }
        // Inside the deserializer's call, so its error has the value's position.
        deserializer.deserialize_str(Name)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Drop,
    Delay(Duration),
}

impl Host {
    pub(super) fn rule_verdict(&self, frame: &Frame, dir: RuleDirection) -> Option<(&Rule, Verdict)> {
        self.rules.iter().find_map(|r| {
            if r.direction != RuleDirection::Both && r.direction != dir {
                return None;
            }
            let parsed = frame.parse();
            let (proto, from) = match &parsed {
                Parsed::Arp { arp, .. } => (Some(RuleProto::Arp), Some(arp.sender_ip)),
                Parsed::Ipv4 { packet, .. } => (
                    match packet.l4 {
                        L4::Tcp(_) => Some(RuleProto::Tcp),
                        L4::Udp { .. } => Some(RuleProto::Udp),
                        L4::Icmp(_) => Some(RuleProto::Icmp),
                        L4::Other(_) => None,
                    },
                    Some(packet.src),
                ),
                Parsed::Other { .. } => (None, None),
            };
            let proto_ok = r.proto.is_none_or(|p| Some(p) == proto);
            let from_ok = r.from.is_none_or(|f| Some(f) == from);
            (proto_ok && from_ok).then_some((r, r.verdict))
        })
    }
}
