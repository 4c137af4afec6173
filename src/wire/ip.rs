//! IPv4 with TCP, UDP and ICMP: a decoded view for the devices, builders for
//! the packets they send, and the in-place rewrites NAT and forwarding do
//! (checksums recomputed the way the kernel would).

use super::{ETHERNET_HEADER_LEN, Frame, Mac, ethernet};
use smoltcp::phy::ChecksumCapabilities;
use smoltcp::wire::{
    EthernetProtocol, Icmpv4DstUnreachable, Icmpv4Message, Icmpv4Packet, Icmpv4Repr, IpAddress,
    IpProtocol, Ipv4Packet, Ipv4Repr, TcpPacket, TcpSeqNumber, UdpPacket,
};
use std::fmt;
use std::net::Ipv4Addr;

pub const IPV4_HEADER_LEN: usize = 20;
pub const TCP_HEADER_LEN: usize = 20;
/// Linux's default TTL (net.ipv4.ip_default_ttl).
pub const DEFAULT_TTL: u8 = 64;

/// TCP flags as on the wire (the low byte of the flags field).
#[derive(Clone, Copy, PartialEq, Eq, Default, Hash, serde::Serialize, serde::Deserialize)]
pub struct TcpFlags(pub u8);

impl TcpFlags {
    pub const FIN: TcpFlags = TcpFlags(0x01);
    pub const SYN: TcpFlags = TcpFlags(0x02);
    pub const RST: TcpFlags = TcpFlags(0x04);
    pub const PSH: TcpFlags = TcpFlags(0x08);
    pub const ACK: TcpFlags = TcpFlags(0x10);
    pub const SYN_ACK: TcpFlags = TcpFlags(0x12);
    pub const PSH_ACK: TcpFlags = TcpFlags(0x18);
    pub const FIN_ACK: TcpFlags = TcpFlags(0x11);
    pub const RST_ACK: TcpFlags = TcpFlags(0x14);

    pub fn has(self, f: TcpFlags) -> bool {
        self.0 & f.0 == f.0
    }
}
impl std::ops::BitOr for TcpFlags {
    type Output = TcpFlags;
    fn bitor(self, o: TcpFlags) -> TcpFlags {
        TcpFlags(self.0 | o.0)
    }
}
/// Wireshark's bracket style: `SYN, ACK`.
impl fmt::Display for TcpFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (0x01, "FIN"),
            (0x02, "SYN"),
            (0x04, "RST"),
            (0x08, "PSH"),
            (0x10, "ACK"),
            (0x20, "URG"),
        ];
        // Wireshark lists SYN/FIN/RST/PSH before ACK.
        let order = [1usize, 0, 2, 3, 4, 5];
        let mut first = true;
        for i in order {
            let (bit, name) = names[i];
            if self.0 & bit != 0 {
                if !first {
                    f.write_str(", ")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        Ok(())
    }
}
impl fmt::Debug for TcpFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{self}]")
    }
}

/// A decoded TCP segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tcp<'a> {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: TcpFlags,
    pub window: u16,
    pub payload: &'a [u8],
}

/// A decoded ICMP message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Icmp<'a> {
    EchoRequest {
        ident: u16,
        seq: u16,
    },
    EchoReply {
        ident: u16,
        seq: u16,
    },
    /// Destination unreachable with the code (3 = port unreachable) and the
    /// quoted original header + first 8 bytes.
    Unreachable {
        code: u8,
        quoted: &'a [u8],
    },
    Other {
        msg_type: u8,
        code: u8,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum L4<'a> {
    Tcp(Tcp<'a>),
    Udp {
        src_port: u16,
        dst_port: u16,
        payload: &'a [u8],
    },
    Icmp(Icmp<'a>),
    Other(u8),
}

/// A decoded IPv4 packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4<'a> {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub ttl: u8,
    pub ident: u16,
    pub l4: L4<'a>,
}

impl<'a> Ipv4<'a> {
    /// Decodes an IPv4 packet (the Ethernet payload); `None` when the header
    /// is malformed or its checksum is wrong (a real stack drops those too).
    pub fn parse(bytes: &'a [u8]) -> Option<Ipv4<'a>> {
        let packet = Ipv4Packet::new_checked(bytes).ok()?;
        let repr = Ipv4Repr::parse(&packet, &ChecksumCapabilities::default()).ok()?;
        let header_len = packet.header_len() as usize;
        let body = &bytes[header_len..header_len + repr.payload_len];
        let l4 = match repr.next_header {
            IpProtocol::Tcp => {
                let tcp = TcpPacket::new_checked(body).ok()?;
                let flags = TcpFlags(body[13] & 0x3f);
                L4::Tcp(Tcp {
                    src_port: tcp.src_port(),
                    dst_port: tcp.dst_port(),
                    seq: tcp.seq_number().0 as u32,
                    ack: tcp.ack_number().0 as u32,
                    flags,
                    window: tcp.window_len(),
                    payload: &body[tcp.header_len() as usize..],
                })
            }
            IpProtocol::Udp => {
                let udp = UdpPacket::new_checked(body).ok()?;
                L4::Udp {
                    src_port: udp.src_port(),
                    dst_port: udp.dst_port(),
                    payload: &body[8..udp.len() as usize],
                }
            }
            IpProtocol::Icmp => {
                let icmp = Icmpv4Packet::new_checked(body).ok()?;
                L4::Icmp(match icmp.msg_type() {
                    Icmpv4Message::EchoRequest => Icmp::EchoRequest {
                        ident: icmp.echo_ident(),
                        seq: icmp.echo_seq_no(),
                    },
                    Icmpv4Message::EchoReply => Icmp::EchoReply {
                        ident: icmp.echo_ident(),
                        seq: icmp.echo_seq_no(),
                    },
                    Icmpv4Message::DstUnreachable => Icmp::Unreachable {
                        code: icmp.msg_code(),
                        quoted: &body[8..],
                    },
                    other => Icmp::Other {
                        msg_type: u8::from(other),
                        code: icmp.msg_code(),
                    },
                })
            }
            other => L4::Other(u8::from(other)),
        };
        Some(Ipv4 {
            src: packet.src_addr(),
            dst: packet.dst_addr(),
            ttl: packet.hop_limit(),
            ident: packet.ident(),
            l4,
        })
    }

    /// The TCP/UDP ports, when the packet has them.
    pub fn ports(&self) -> Option<(u16, u16)> {
        match self.l4 {
            L4::Tcp(t) => Some((t.src_port, t.dst_port)),
            L4::Udp {
                src_port, dst_port, ..
            } => Some((src_port, dst_port)),
            _ => None,
        }
    }
}

/// A TCP segment to build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcpSegment<'a> {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: TcpFlags,
    pub window: u16,
    /// MSS option (SYN and SYN-ACK only).
    pub mss: Option<u16>,
    pub payload: &'a [u8],
}

fn ipv4_packet(
    buf: &mut [u8],
    src: Ipv4Addr,
    dst: Ipv4Addr,
    proto: IpProtocol,
    ident: u16,
    ttl: u8,
    payload_len: usize,
) {
    let repr = Ipv4Repr {
        src_addr: src,
        dst_addr: dst,
        next_header: proto,
        payload_len,
        hop_limit: ttl,
    };
    let mut packet = Ipv4Packet::new_unchecked(&mut buf[..]);
    repr.emit(&mut packet, &ChecksumCapabilities::ignored());
    packet.set_ident(ident);
    packet.fill_checksum();
}

/// An Ethernet frame carrying the TCP segment.
pub fn tcp_frame(eth_dst: Mac, eth_src: Mac, ident: u16, seg: &TcpSegment) -> Frame {
    let options_len = if seg.mss.is_some() { 4 } else { 0 };
    let tcp_len = TCP_HEADER_LEN + options_len + seg.payload.len();
    ethernet(
        eth_dst,
        eth_src,
        EthernetProtocol::Ipv4,
        IPV4_HEADER_LEN + tcp_len,
        |buf| {
            ipv4_packet(
                buf,
                seg.src,
                seg.dst,
                IpProtocol::Tcp,
                ident,
                DEFAULT_TTL,
                tcp_len,
            );
            let body = &mut buf[IPV4_HEADER_LEN..];
            let mut tcp = TcpPacket::new_unchecked(&mut body[..]);
            tcp.set_src_port(seg.src_port);
            tcp.set_dst_port(seg.dst_port);
            tcp.set_seq_number(TcpSeqNumber(seg.seq as i32));
            tcp.set_ack_number(TcpSeqNumber(seg.ack as i32));
            tcp.set_header_len((TCP_HEADER_LEN + options_len) as u8);
            tcp.set_window_len(seg.window);
            tcp.set_urgent_at(0);
            if let Some(mss) = seg.mss {
                let opts = tcp.options_mut();
                opts[0] = 2;
                opts[1] = 4;
                opts[2..4].copy_from_slice(&mss.to_be_bytes());
            }
            tcp.payload_mut()[..seg.payload.len()].copy_from_slice(seg.payload);
            // Flags after the header length: both share the 16-bit field.
            body[13] = seg.flags.0;
            let mut tcp = TcpPacket::new_unchecked(&mut body[..]);
            tcp.fill_checksum(&IpAddress::Ipv4(seg.src), &IpAddress::Ipv4(seg.dst));
        },
    )
}

/// ICMP destination unreachable (`code` 3 = port unreachable) answering
/// `original`, an IPv4 packet (its header and first 8 payload bytes are quoted,
/// as RFC 792 asks and Linux does for this message).
pub fn icmp_unreachable_frame(
    eth_dst: Mac,
    eth_src: Mac,
    src: Ipv4Addr,
    ident: u16,
    code: u8,
    original: &[u8],
) -> Option<Frame> {
    let orig = Ipv4Packet::new_checked(original).ok()?;
    let orig_repr = Ipv4Repr::parse(&orig, &ChecksumCapabilities::ignored()).ok()?;
    let header_len = orig.header_len() as usize;
    let quoted_payload = &original[header_len..(header_len + 8).min(original.len())];
    let reason = match code {
        0 => Icmpv4DstUnreachable::NetUnreachable,
        1 => Icmpv4DstUnreachable::HostUnreachable,
        3 => Icmpv4DstUnreachable::PortUnreachable,
        _ => Icmpv4DstUnreachable::PortUnreachable,
    };
    let icmp = Icmpv4Repr::DstUnreachable {
        reason,
        header: orig_repr,
        data: quoted_payload,
    };
    let icmp_len = icmp.buffer_len();
    let dst = orig_repr.src_addr;
    Some(ethernet(
        eth_dst,
        eth_src,
        EthernetProtocol::Ipv4,
        IPV4_HEADER_LEN + icmp_len,
        |buf| {
            ipv4_packet(
                buf,
                src,
                dst,
                IpProtocol::Icmp,
                ident,
                DEFAULT_TTL,
                icmp_len,
            );
            let mut packet = Icmpv4Packet::new_unchecked(&mut buf[IPV4_HEADER_LEN..]);
            icmp.emit(&mut packet, &ChecksumCapabilities::default());
        },
    ))
}

/// ICMP echo request or reply.
pub fn icmp_echo_frame(
    eth_dst: Mac,
    eth_src: Mac,
    src: Ipv4Addr,
    dst: Ipv4Addr,
    ident: u16,
    reply: bool,
    echo_id: u16,
    seq: u16,
    data: &[u8],
) -> Frame {
    let icmp = if reply {
        Icmpv4Repr::EchoReply {
            ident: echo_id,
            seq_no: seq,
            data,
        }
    } else {
        Icmpv4Repr::EchoRequest {
            ident: echo_id,
            seq_no: seq,
            data,
        }
    };
    let icmp_len = icmp.buffer_len();
    ethernet(
        eth_dst,
        eth_src,
        EthernetProtocol::Ipv4,
        IPV4_HEADER_LEN + icmp_len,
        |buf| {
            ipv4_packet(
                buf,
                src,
                dst,
                IpProtocol::Icmp,
                ident,
                DEFAULT_TTL,
                icmp_len,
            );
            let mut packet = Icmpv4Packet::new_unchecked(&mut buf[IPV4_HEADER_LEN..]);
            icmp.emit(&mut packet, &ChecksumCapabilities::default());
        },
    )
}

/// What a NAT or forwarding step changes in an IPv4 frame. `None` keeps the field.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rewrite {
    pub eth_dst: Option<Mac>,
    pub eth_src: Option<Mac>,
    pub src: Option<(Ipv4Addr, Option<u16>)>,
    pub dst: Option<(Ipv4Addr, Option<u16>)>,
    /// Decrement the TTL (routing between subnets).
    pub decrement_ttl: bool,
}

/// Applies `rw` to a copy of `frame`, fixing the IPv4 and TCP/UDP checksums.
/// Returns `None` when the frame is not IPv4.
pub fn rewrite(frame: &Frame, rw: &Rewrite) -> Option<Frame> {
    let mut buf = frame.bytes().to_vec();
    if buf.len() < ETHERNET_HEADER_LEN + IPV4_HEADER_LEN || buf[12..14] != [0x08, 0x00] {
        return None;
    }
    if let Some(m) = rw.eth_dst {
        buf[0..6].copy_from_slice(&m.0);
    }
    if let Some(m) = rw.eth_src {
        buf[6..12].copy_from_slice(&m.0);
    }
    let ip = &mut buf[ETHERNET_HEADER_LEN..];
    let mut packet = Ipv4Packet::new_checked(&mut ip[..]).ok()?;
    if let Some((a, _)) = rw.src {
        packet.set_src_addr(a);
    }
    if let Some((a, _)) = rw.dst {
        packet.set_dst_addr(a);
    }
    if rw.decrement_ttl {
        let ttl = packet.hop_limit();
        packet.set_hop_limit(ttl.saturating_sub(1));
    }
    packet.fill_checksum();
    let (src, dst, proto, header_len, total) = (
        packet.src_addr(),
        packet.dst_addr(),
        packet.next_header(),
        packet.header_len() as usize,
        packet.total_len() as usize,
    );
    let end = total.min(ip.len());
    let body = &mut ip[header_len..end];
    match proto {
        IpProtocol::Tcp => {
            let mut tcp = TcpPacket::new_checked(&mut body[..]).ok()?;
            if let Some((_, Some(p))) = rw.src {
                tcp.set_src_port(p);
            }
            if let Some((_, Some(p))) = rw.dst {
                tcp.set_dst_port(p);
            }
            tcp.fill_checksum(&IpAddress::Ipv4(src), &IpAddress::Ipv4(dst));
        }
        IpProtocol::Udp => {
            let mut udp = UdpPacket::new_checked(&mut body[..]).ok()?;
            if let Some((_, Some(p))) = rw.src {
                udp.set_src_port(p);
            }
            if let Some((_, Some(p))) = rw.dst {
                udp.set_dst_port(p);
            }
            udp.fill_checksum(&IpAddress::Ipv4(src), &IpAddress::Ipv4(dst));
        }
        _ => {}
    }
    Some(Frame::from_vec(buf))
}

/// The IPv4 packet inside an Ethernet frame (for quoting in ICMP errors).
pub fn ip_payload(frame: &Frame) -> &[u8] {
    frame.bytes().get(ETHERNET_HEADER_LEN..).unwrap_or(&[])
}
