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
    if packet.hardware_type() != ArpHardware::Ethernet
        || packet.protocol_type() != EthernetProtocol::Ipv4
    {
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
    ethernet(
        eth_dst,
        arp.sender_mac,
        EthernetProtocol::Arp,
        ARP_LEN,
        |buf| {
            let repr = ArpRepr::EthernetIpv4 {
                operation: arp.op,
                source_hardware_addr: arp.sender_mac.to_smol(),
                source_protocol_addr: arp.sender_ip,
                target_hardware_addr: arp.target_mac.to_smol(),
                target_protocol_addr: arp.target_ip,
            };
            repr.emit(&mut ArpPacket::new_unchecked(buf));
        },
    )
}

/// "Who has `target_ip`? Tell `sender_ip`": broadcast, or unicast to a
/// cached MAC when a Linux neighbour entry is being re-confirmed (PROBE).
pub fn request(
    sender_mac: Mac,
    sender_ip: Ipv4Addr,
    target_ip: Ipv4Addr,
    unicast_to: Option<Mac>,
) -> Frame {
    // Linux leaves the target hardware field zero in requests, broadcast or
    // unicast probe alike (arp_send_dst with dest_hw NULL for the ARP body).
    let arp = Arp {
        op: ArpOperation::Request,
        sender_mac,
        sender_ip,
        target_mac: Mac::ZERO,
        target_ip,
    };
    frame(unicast_to.unwrap_or(Mac::BROADCAST), arp)
}

/// "`sender_ip` is at `sender_mac`", unicast back to the asker.
pub fn reply(sender_mac: Mac, sender_ip: Ipv4Addr, target_mac: Mac, target_ip: Ipv4Addr) -> Frame {
    let arp = Arp {
        op: ArpOperation::Reply,
        sender_mac,
        sender_ip,
        target_mac,
        target_ip,
    };
    frame(target_mac, arp)
}

/// The shapes of gratuitous ARP that announcers send. All go to the
/// Ethernet broadcast address with sender IP = target IP = the VIP; they
/// differ in opcode and target hardware field, which decides whether a
/// Linux receiver treats them as gratuitous (see `Arp::is_announcement`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GarpKind {
    /// Request, target MAC 00:00:00:00:00:00 (arping -U, the kernel's own announcements).
    RequestZero,
    /// Request, target MAC ff:ff:ff:ff:ff:ff: MetalLB's request frame.
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
    frame(
        Mac::BROADCAST,
        Arp {
            op,
            sender_mac: mac,
            sender_ip: ip,
            target_mac,
            target_ip: ip,
        },
    )
}
