//! ARP over Ethernet/IPv4 (RFC 826): parse, and builders for the frames the
//! simulated devices send, including the gratuitous variants real
//! announcers use.

use super::{Arp, Frame, Mac, ethernet};
use smoltcp::wire::{ArpHardware, ArpOperation, ArpPacket, ArpRepr, EthernetProtocol};
use std::net::Ipv4Addr;

/// Length of an Ethernet/IPv4 ARP message.
pub const ARP_LEN: usize = 28;

pub fn parse(payload: &[u8]) -> Option<Arp> {
    let packet = ArpPacket::new_checked(payload).ok()?;
    if packet.hardware_type() != ArpHardware::Ethernet || packet.protocol_type() != EthernetProtocol::Ipv4 {
        return None;
    }
    match ArpRepr::parse(&packet).ok()? {
        ArpRepr::EthernetIpv4 {
            operation,
            source_hardware_addr,
            source_protocol_addr,
            target_hardware_addr,
            target_protocol_addr,
        } => Some(Arp {
            op: operation,
            sender_mac: Mac::from_smol(source_hardware_addr),
            sender_ip: source_protocol_addr,
            target_mac: Mac::from_smol(target_hardware_addr),
            target_ip: target_protocol_addr,
        }),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// An ARP message in an Ethernet frame to `eth_dst`, from the sender's MAC.
pub fn frame(eth_dst: Mac, arp: Arp) -> Frame {
    ethernet(eth_dst, arp.sender_mac, EthernetProtocol::Arp, ARP_LEN, |buf| {
        let repr = ArpRepr::EthernetIpv4 {
            operation: arp.op,
            source_hardware_addr: arp.sender_mac.to_smol(),
            source_protocol_addr: arp.sender_ip,
            target_hardware_addr: arp.target_mac.to_smol(),
            target_protocol_addr: arp.target_ip,
        };
        repr.emit(&mut ArpPacket::new_unchecked(buf));
    })
}

/// "Who has `target_ip`? Tell `sender_ip`": broadcast, or unicast to a
/// cached MAC when a Linux neighbour entry is being re-confirmed (PROBE).
pub fn request(sender_mac: Mac, sender_ip: Ipv4Addr, target_ip: Ipv4Addr, unicast_to: Option<Mac>) -> Frame {
    // Linux leaves the target hardware field zero in requests, broadcast or
    // unicast probe alike (arp_send_dst with dest_hw NULL for the ARP body).
    let arp = Arp { op: ArpOperation::Request, sender_mac, sender_ip, target_mac: Mac::ZERO, target_ip };
    frame(unicast_to.unwrap_or(Mac::BROADCAST), arp)
}

/// "`sender_ip` is at `sender_mac`", unicast back to the asker.
pub fn reply(sender_mac: Mac, sender_ip: Ipv4Addr, target_mac: Mac, target_ip: Ipv4Addr) -> Frame {
    let arp = Arp { op: ArpOperation::Reply, sender_mac, sender_ip, target_mac, target_ip };
    frame(target_mac, arp)
}

/// The shapes of gratuitous ARP that announcers send. All go to the
/// Ethernet broadcast address with sender IP = target IP = the VIP; they
/// differ in opcode and target hardware field, which decides whether a
/// Linux receiver treats them as gratuitous (see `Arp::is_announcement`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GarpKind {
    /// Request, target MAC 00:00:00:00:00:00 (the kernel's own announcements).
    RequestZero,
    /// Request, target MAC ff:ff:ff:ff:ff:ff: MetalLB's request frame, and
    /// iputils `arping -U` (send_pack writes its broadcast destination there).
    RequestBroadcast,
    /// Reply, target MAC ff:ff:ff:ff:ff:ff: MetalLB's reply frame.
    ReplyBroadcast,
    /// Reply, target MAC = sender MAC: the RFC 5227-style gratuitous reply.
    ReplySelf,
}

pub fn gratuitous(kind: GarpKind, mac: Mac, ip: Ipv4Addr) -> Frame {
    let (op, target_mac) = match kind {
        GarpKind::RequestZero => (ArpOperation::Request, Mac::ZERO),
        GarpKind::RequestBroadcast => (ArpOperation::Request, Mac::BROADCAST),
        GarpKind::ReplyBroadcast => (ArpOperation::Reply, Mac::BROADCAST),
        GarpKind::ReplySelf => (ArpOperation::Reply, mac),
    };
    frame(Mac::BROADCAST, Arp { op, sender_mac: mac, sender_ip: ip, target_mac, target_ip: ip })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Parsed;
    use crate::wire::testdata::{self, NODE_MAC, ROUTER_IP, ROUTER_MAC, VIP};

    const ARP_FRAMES: [&[u8]; 6] = [
        &testdata::ARP_REQUEST,
        &testdata::ARP_REPLY,
        &testdata::GARP_REQUEST_ZERO,
        &testdata::GARP_REQUEST_BROADCAST,
        &testdata::GARP_REPLY_BROADCAST,
        &testdata::GARP_REPLY_SELF,
    ];

    #[test]
    fn request_is_a_broadcast_who_has() {
        assert_eq!(request(ROUTER_MAC, ROUTER_IP, VIP, None).bytes(), testdata::ARP_REQUEST);
    }

    #[test]
    fn unicast_request_differs_only_in_the_ethernet_destination() {
        let mut expected = testdata::ARP_REQUEST;
        expected[0..6].copy_from_slice(&NODE_MAC.0);
        assert_eq!(request(ROUTER_MAC, ROUTER_IP, VIP, Some(NODE_MAC)).bytes(), expected);
    }

    #[test]
    fn reply_is_unicast_to_the_asker() {
        assert_eq!(reply(NODE_MAC, VIP, ROUTER_MAC, ROUTER_IP).bytes(), testdata::ARP_REPLY);
    }

    #[test]
    fn each_gratuitous_kind_has_its_own_bytes() {
        let cases = [
            (GarpKind::RequestZero, testdata::GARP_REQUEST_ZERO),
            (GarpKind::RequestBroadcast, testdata::GARP_REQUEST_BROADCAST),
            (GarpKind::ReplyBroadcast, testdata::GARP_REPLY_BROADCAST),
            (GarpKind::ReplySelf, testdata::GARP_REPLY_SELF),
        ];
        for (kind, expected) in cases {
            assert_eq!(gratuitous(kind, NODE_MAC, VIP).bytes(), expected, "{kind:?}");
        }
    }

    #[test]
    fn parses_a_request() {
        let frame = Frame::from_vec(testdata::ARP_REQUEST.to_vec());
        let Parsed::Arp { eth_dst, eth_src, arp } = frame.parse() else { panic!("not ARP: {frame:?}") };
        assert_eq!((eth_dst, eth_src), (Mac::BROADCAST, ROUTER_MAC));
        let expected = Arp {
            op: ArpOperation::Request,
            sender_mac: ROUTER_MAC,
            sender_ip: ROUTER_IP,
            target_mac: Mac::ZERO,
            target_ip: VIP,
        };
        assert_eq!(arp, expected);
        assert!(!arp.is_announcement());
    }

    #[test]
    fn parses_a_reply() {
        let frame = Frame::from_vec(testdata::ARP_REPLY.to_vec());
        let Parsed::Arp { eth_dst, eth_src, arp } = frame.parse() else { panic!("not ARP: {frame:?}") };
        assert_eq!((eth_dst, eth_src), (ROUTER_MAC, NODE_MAC));
        let expected = Arp {
            op: ArpOperation::Reply,
            sender_mac: NODE_MAC,
            sender_ip: VIP,
            target_mac: ROUTER_MAC,
            target_ip: ROUTER_IP,
        };
        assert_eq!(arp, expected);
    }

    #[test]
    fn every_gratuitous_kind_parses_as_an_announcement() {
        for bytes in &ARP_FRAMES[2..] {
            let Parsed::Arp { eth_dst, arp, .. } = Parsed::of(bytes) else { panic!("not ARP: {bytes:02x?}") };
            assert_eq!(eth_dst, Mac::BROADCAST);
            assert_eq!((arp.sender_mac, arp.sender_ip, arp.target_ip), (NODE_MAC, VIP, VIP));
            assert!(arp.is_announcement());
        }
    }

    #[test]
    fn truncated_messages_parse_as_other() {
        for bytes in ARP_FRAMES {
            for len in 0..bytes.len() {
                assert!(matches!(Parsed::of(&bytes[..len]), Parsed::Other { .. }), "{len}-byte prefix of {bytes:02x?}");
            }
        }
    }

    #[test]
    fn arp_for_other_hardware_or_protocols_parses_as_other() {
        let mut ieee802 = testdata::ARP_REQUEST;
        ieee802[15] = 6; // hardware type 6: IEEE 802 networks
        let mut ipv6 = testdata::ARP_REQUEST;
        ipv6[16..18].copy_from_slice(&[0x86, 0xdd]);
        for bytes in [ieee802, ipv6] {
            assert!(matches!(Parsed::of(&bytes), Parsed::Other { ethertype: 0x0806, .. }));
        }
    }
}
