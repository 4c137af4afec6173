//! IPv4 with TCP, UDP and ICMP: a decoded view for the devices, builders for
//! the packets they send, and the in-place rewrites NAT and forwarding do
//! (checksums recomputed the way the kernel would).

use super::{ETHERNET_HEADER_LEN, Frame, Mac, ethernet};
use smoltcp::phy::ChecksumCapabilities;
use smoltcp::wire::{
    EthernetProtocol, Icmpv4Message, Icmpv4Packet, Icmpv4Repr, IpAddress, IpProtocol, Ipv4Packet, Ipv4Repr, TcpPacket,
    TcpSeqNumber, UdpPacket,
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
    pub const URG: TcpFlags = TcpFlags(0x20);
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
/// Wireshark's bracket style: `SYN, ACK`, names in ascending bit order as
/// its `tcp_flags_to_str` lists them.
impl fmt::Display for TcpFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMES: [&str; 8] = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"];
        let mut first = true;
        for (bit, name) in NAMES.iter().enumerate() {
            if self.0 & (1 << bit) != 0 {
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
    Udp { src_port: u16, dst_port: u16, payload: &'a [u8] },
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
                L4::Udp { src_port: udp.src_port(), dst_port: udp.dst_port(), payload: &body[8..udp.len() as usize] }
            }
            IpProtocol::Icmp => {
                let icmp = Icmpv4Packet::new_checked(body).ok()?;
                L4::Icmp(match icmp.msg_type() {
                    Icmpv4Message::EchoRequest => {
                        Icmp::EchoRequest { ident: icmp.echo_ident(), seq: icmp.echo_seq_no() }
                    }
                    Icmpv4Message::EchoReply => Icmp::EchoReply { ident: icmp.echo_ident(), seq: icmp.echo_seq_no() },
                    Icmpv4Message::DstUnreachable => Icmp::Unreachable { code: icmp.msg_code(), quoted: &body[8..] },
                    other => Icmp::Other { msg_type: u8::from(other), code: icmp.msg_code() },
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
            L4::Udp { src_port, dst_port, .. } => Some((src_port, dst_port)),
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

/// Who writes an IPv4 header decides its DF bit and TOS byte.
#[derive(Clone, Copy)]
enum Sender {
    /// A socket with path-MTU discovery, the Linux default: DF set.
    Socket,
    /// The kernel's ICMP socket answering an echo: it uses
    /// `IP_PMTUDISC_DONT` (`icmp_sk_init` in net/ipv4/icmp.c), so DF is clear.
    KernelEchoReply,
    /// The kernel's ICMP socket reporting an error: DF clear, and TOS
    /// precedence "internetwork control" (0xc0) as `__icmp_send` sets it.
    KernelIcmpError,
}

fn ipv4_packet(
    buf: &mut [u8],
    sender: Sender,
    src: Ipv4Addr,
    dst: Ipv4Addr,
    proto: IpProtocol,
    ident: u16,
    payload_len: usize,
) {
    let repr = Ipv4Repr { src_addr: src, dst_addr: dst, next_header: proto, payload_len, hop_limit: DEFAULT_TTL };
    let mut packet = Ipv4Packet::new_unchecked(&mut buf[..]);
    repr.emit(&mut packet, &ChecksumCapabilities::ignored());
    packet.set_ident(ident);
    packet.set_dont_frag(matches!(sender, Sender::Socket));
    if let Sender::KernelIcmpError = sender {
        // IPTOS_PREC_INTERNETCONTROL: TOS byte 0xc0, whose upper six bits are the DSCP.
        packet.set_dscp(0xc0 >> 2);
    }
    packet.fill_checksum();
}

/// An Ethernet frame carrying the TCP segment.
pub fn tcp_frame(eth_dst: Mac, eth_src: Mac, ident: u16, seg: &TcpSegment) -> Frame {
    let options_len = if seg.mss.is_some() { 4 } else { 0 };
    let tcp_len = TCP_HEADER_LEN + options_len + seg.payload.len();
    ethernet(eth_dst, eth_src, EthernetProtocol::Ipv4, IPV4_HEADER_LEN + tcp_len, |buf| {
        ipv4_packet(buf, Sender::Socket, seg.src, seg.dst, IpProtocol::Tcp, ident, tcp_len);
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
    })
}

/// Length of the ICMP header before the quoted packet of an error message.
const ICMP_ERROR_HEADER_LEN: usize = 8;
/// Linux quotes as much of the offending packet as fits in a 576-byte
/// ICMP error (RFC 1812 4.3.2.3; `__icmp_send` in net/ipv4/icmp.c).
const ICMP_ERROR_MAX_LEN: usize = 576;

/// ICMP destination unreachable (`code` 3 = port unreachable) answering
/// `original`, an IPv4 packet. The quote is the original's bytes verbatim
/// (identification and checksums included), which is what lets the sender
/// and conntrack match the error to the connection.
pub fn icmp_unreachable_frame(
    eth_dst: Mac,
    eth_src: Mac,
    src: Ipv4Addr,
    ident: u16,
    code: u8,
    original: &[u8],
) -> Option<Frame> {
    let orig = Ipv4Packet::new_checked(original).ok()?;
    let quote_len = usize::from(orig.total_len()).min(ICMP_ERROR_MAX_LEN - IPV4_HEADER_LEN - ICMP_ERROR_HEADER_LEN);
    let quoted = &original[..quote_len];
    let icmp_len = ICMP_ERROR_HEADER_LEN + quote_len;
    let dst = orig.src_addr();
    Some(ethernet(eth_dst, eth_src, EthernetProtocol::Ipv4, IPV4_HEADER_LEN + icmp_len, |buf| {
        ipv4_packet(buf, Sender::KernelIcmpError, src, dst, IpProtocol::Icmp, ident, icmp_len);
        let mut packet = Icmpv4Packet::new_unchecked(&mut buf[IPV4_HEADER_LEN..]);
        packet.set_msg_type(Icmpv4Message::DstUnreachable);
        packet.set_msg_code(code);
        packet.data_mut().copy_from_slice(quoted);
        packet.fill_checksum();
    }))
}

/// Cilium's answer for a Service without backends (`service-no-backend-
/// response: reject`), built as `__tail_no_service_ipv4` in
/// `bpf/lib/nodeport.h` (Cilium 1.18) builds it from the received `original`
/// frame: Ethernet addresses swapped, IPv4 from the Service address back to
/// the client with TOS copied, ident 0, no DF, TTL 64 (`IPDEFTTL`), and ICMP
/// port unreachable quoting a sample of `min(frame length, 64)` bytes taken
/// after the Ethernet header. The sample length counts the Ethernet header
/// but the sample starts after it, so for a frame shorter than 64 bytes the
/// quote ends with 14 zero bytes that the program's tail room added.
pub fn cilium_no_service_frame(original: &Frame) -> Option<Frame> {
    const SAMPLE_MAX: usize = 64;
    let bytes = original.bytes();
    let ip = Ipv4Packet::new_checked(bytes.get(ETHERNET_HEADER_LEN..)?).ok()?;
    let sample_len = bytes.len().min(SAMPLE_MAX);
    let mut sample: Vec<u8> = bytes[ETHERNET_HEADER_LEN..].iter().copied().take(sample_len).collect();
    sample.resize(sample_len, 0);
    let icmp_len = ICMP_ERROR_HEADER_LEN + sample_len;
    let (src, dst, dscp, ecn) = (ip.dst_addr(), ip.src_addr(), ip.dscp(), ip.ecn());
    Some(ethernet(original.src(), original.dst(), EthernetProtocol::Ipv4, IPV4_HEADER_LEN + icmp_len, |buf| {
        let repr = Ipv4Repr {
            src_addr: src,
            dst_addr: dst,
            next_header: IpProtocol::Icmp,
            payload_len: icmp_len,
            hop_limit: DEFAULT_TTL,
        };
        let mut packet = Ipv4Packet::new_unchecked(&mut buf[..]);
        repr.emit(&mut packet, &ChecksumCapabilities::ignored());
        packet.set_ident(0);
        packet.set_dont_frag(false);
        packet.set_dscp(dscp);
        packet.set_ecn(ecn);
        packet.fill_checksum();
        let mut icmp = Icmpv4Packet::new_unchecked(&mut buf[IPV4_HEADER_LEN..]);
        icmp.set_msg_type(Icmpv4Message::DstUnreachable);
        icmp.set_msg_code(3);
        icmp.data_mut().copy_from_slice(&sample);
        icmp.fill_checksum();
    }))
}

/// ICMP echo request or reply.
#[expect(clippy::too_many_arguments, reason = "keeps the public signature the device code builds against")]
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
        Icmpv4Repr::EchoReply { ident: echo_id, seq_no: seq, data }
    } else {
        Icmpv4Repr::EchoRequest { ident: echo_id, seq_no: seq, data }
    };
    let sender = if reply { Sender::KernelEchoReply } else { Sender::Socket };
    let icmp_len = icmp.buffer_len();
    ethernet(eth_dst, eth_src, EthernetProtocol::Ipv4, IPV4_HEADER_LEN + icmp_len, |buf| {
        ipv4_packet(buf, sender, src, dst, IpProtocol::Icmp, ident, icmp_len);
        let mut packet = Icmpv4Packet::new_unchecked(&mut buf[IPV4_HEADER_LEN..]);
        icmp.emit(&mut packet, &ChecksumCapabilities::default());
    })
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
    // Copied straight into the new frame's shared buffer (one allocation),
    // without the Ethernet padding the packet arrived with: the kernel
    // trimmed the skb to the IPv4 total length on input (`ip_rcv_core`),
    // and a frame it sends is padded again, if short, on the wire.
    let packet_len = ETHERNET_HEADER_LEN + ip_payload(frame).len();
    let bytes = &frame.bytes()[..packet_len];
    if bytes.len() < ETHERNET_HEADER_LEN + IPV4_HEADER_LEN || bytes[12..14] != [0x08, 0x00] {
        return None;
    }
    let mut ok = Some(());
    let copy = Frame::edited(bytes, |buf| ok = rewrite_in_place(buf, rw));
    ok.map(|()| copy)
}

/// [`rewrite`]'s edits, on the copy's bytes.
fn rewrite_in_place(buf: &mut [u8], rw: &Rewrite) -> Option<()> {
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
    Some(())
}

/// The IPv4 packet inside an Ethernet frame (for quoting in ICMP errors).
pub fn ip_payload(frame: &Frame) -> &[u8] {
    let packet = frame.bytes().get(ETHERNET_HEADER_LEN..).unwrap_or(&[]);
    // Without the Ethernet padding after a short packet: the IPv4 total
    // length ends it, as `ip_rcv_core` trims the skb (net/ipv4/ip_input.c).
    match packet.get(2..4) {
        Some(len) => {
            let total = u16::from_be_bytes([len[0], len[1]]) as usize;
            if total >= IPV4_HEADER_LEN && total < packet.len() { &packet[..total] } else { packet }
        }
        None => packet,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Parsed;
    use crate::wire::testdata::{self, NODE_MAC, NODE2_IP, NODE2_MAC, POD_IP, POD_MAC, ROUTER_IP, ROUTER_MAC, VIP};

    const GET: &[u8] = b"GET /clientip HTTP/1.1\r\nHost: 10.0.1.21:31888\r\n\r\n";

    use crate::wire::testdata::IPV4_FRAMES;

    fn frame(bytes: &[u8]) -> Frame {
        Frame::from_vec(bytes.to_vec())
    }

    fn ipv4(bytes: &[u8]) -> Ipv4<'_> {
        match Parsed::of(bytes) {
            Parsed::Ipv4 { packet, .. } => packet,
            other => panic!("not IPv4: {other:?}"),
        }
    }

    fn http_get() -> TcpSegment<'static> {
        TcpSegment {
            src: ROUTER_IP,
            dst: NODE2_IP,
            src_port: 51234,
            dst_port: 31888,
            seq: 1_000_001,
            ack: 3_000_000_001,
            flags: TcpFlags::PSH_ACK,
            window: 502,
            mss: None,
            payload: GET,
        }
    }

    #[test]
    fn tcp_syn_carries_mss_1460() {
        let syn = TcpSegment {
            src: ROUTER_IP,
            dst: VIP,
            src_port: 51234,
            dst_port: 80,
            seq: 1_000_000,
            ack: 0,
            flags: TcpFlags::SYN,
            window: 64240,
            mss: Some(1460),
            payload: b"",
        };
        assert_eq!(tcp_frame(NODE_MAC, ROUTER_MAC, 0x1c46, &syn).bytes(), testdata::TCP_SYN);
    }

    #[test]
    fn tcp_syn_ack_keeps_a_sequence_number_above_2_pow_31() {
        let syn_ack = TcpSegment {
            src: VIP,
            dst: ROUTER_IP,
            src_port: 80,
            dst_port: 51234,
            seq: 3_000_000_000,
            ack: 1_000_001,
            flags: TcpFlags::SYN_ACK,
            window: 65160,
            mss: Some(1460),
            payload: b"",
        };
        assert_eq!(tcp_frame(ROUTER_MAC, NODE_MAC, 0, &syn_ack).bytes(), testdata::TCP_SYN_ACK);
    }

    #[test]
    fn tcp_psh_ack_carries_the_http_request() {
        assert_eq!(tcp_frame(NODE2_MAC, ROUTER_MAC, 0x1c47, &http_get()).bytes(), testdata::HTTP_GET);
    }

    #[test]
    fn port_unreachable_quotes_the_whole_tcp_syn() {
        let original = frame(&testdata::TCP_SYN);
        let icmp = icmp_unreachable_frame(ROUTER_MAC, NODE_MAC, VIP, 0x04d2, 3, ip_payload(&original)).unwrap();
        assert_eq!(icmp.bytes(), testdata::ICMP_PORT_UNREACHABLE_TCP);
    }

    #[test]
    fn port_unreachable_quotes_the_whole_udp_datagram() {
        let original = frame(&testdata::UDP_DNS);
        let icmp = icmp_unreachable_frame(ROUTER_MAC, NODE_MAC, VIP, 0x04d3, 3, ip_payload(&original)).unwrap();
        assert_eq!(icmp.bytes(), testdata::ICMP_PORT_UNREACHABLE_UDP);
    }

    #[test]
    fn port_unreachable_quote_stops_at_576_bytes_and_ignores_ethernet_padding() {
        let big = TcpSegment { payload: &[b'x'; 1000], ..http_get() };
        let original = tcp_frame(NODE2_MAC, ROUTER_MAC, 1, &big);
        let icmp = icmp_unreachable_frame(ROUTER_MAC, NODE2_MAC, NODE2_IP, 2, 3, ip_payload(&original)).unwrap();
        assert_eq!(icmp.len(), ETHERNET_HEADER_LEN + 576);
        assert_eq!(&icmp.bytes()[ETHERNET_HEADER_LEN + 28..], &ip_payload(&original)[..548]);

        let mut padded = testdata::UDP_DNS.to_vec();
        padded.resize(60, 0);
        let icmp = icmp_unreachable_frame(ROUTER_MAC, NODE_MAC, VIP, 0x04d3, 3, ip_payload(&frame(&padded))).unwrap();
        assert_eq!(icmp.bytes(), testdata::ICMP_PORT_UNREACHABLE_UDP);
    }

    #[test]
    fn port_unreachable_needs_an_ipv4_original() {
        assert_eq!(icmp_unreachable_frame(ROUTER_MAC, NODE_MAC, VIP, 1, 3, &testdata::ARP_REQUEST[14..]), None);
    }

    #[test]
    fn echo_request_sets_df_and_the_kernels_reply_does_not() {
        let request = icmp_echo_frame(NODE_MAC, ROUTER_MAC, ROUTER_IP, VIP, 0x1c48, false, 0x1234, 1, b"vipsim!!");
        assert_eq!(request.bytes(), testdata::ICMP_ECHO_REQUEST);
        let reply = icmp_echo_frame(ROUTER_MAC, NODE_MAC, VIP, ROUTER_IP, 0x2000, true, 0x1234, 1, b"vipsim!!");
        assert_eq!(reply.bytes(), testdata::ICMP_ECHO_REPLY);
    }

    #[test]
    fn dnat_rewrites_destination_address_and_port_with_checksums() {
        let dnat = Rewrite { dst: Some((POD_IP, Some(8080))), ..Rewrite::default() };
        assert_eq!(rewrite(&frame(&testdata::HTTP_GET), &dnat).unwrap().bytes(), testdata::HTTP_GET_DNAT);
    }

    #[test]
    fn forwarding_with_dnat_and_masquerade() {
        let forward = Rewrite {
            eth_dst: Some(POD_MAC),
            eth_src: Some(NODE2_MAC),
            src: Some((NODE2_IP, None)),
            dst: Some((POD_IP, Some(8080))),
            decrement_ttl: true,
        };
        assert_eq!(rewrite(&frame(&testdata::HTTP_GET), &forward).unwrap().bytes(), testdata::HTTP_GET_FORWARDED);
    }

    #[test]
    fn udp_dnat_fixes_the_udp_checksum() {
        let dnat = Rewrite { dst: Some((Ipv4Addr::new(10, 244, 1, 9), Some(5353))), ..Rewrite::default() };
        assert_eq!(rewrite(&frame(&testdata::UDP_DNS), &dnat).unwrap().bytes(), testdata::UDP_DNS_DNAT);
    }

    #[test]
    fn rewrite_leaves_non_ipv4_alone() {
        assert_eq!(rewrite(&frame(&testdata::ARP_REQUEST), &Rewrite::default()), None);
    }

    #[test]
    fn parses_tcp_segments() {
        let syn = ipv4(&testdata::TCP_SYN);
        assert_eq!((syn.src, syn.dst, syn.ttl, syn.ident), (ROUTER_IP, VIP, 64, 0x1c46));
        let L4::Tcp(tcp) = syn.l4 else { panic!("not TCP: {syn:?}") };
        assert_eq!((tcp.src_port, tcp.dst_port, tcp.seq, tcp.ack), (51234, 80, 1_000_000, 0));
        assert_eq!((tcp.flags, tcp.window, tcp.payload), (TcpFlags::SYN, 64240, &b""[..]));

        let get = ipv4(&testdata::HTTP_GET);
        assert_eq!(get.ports(), Some((51234, 31888)));
        let L4::Tcp(tcp) = get.l4 else { panic!("not TCP: {get:?}") };
        assert_eq!((tcp.seq, tcp.ack, tcp.flags, tcp.payload), (1_000_001, 3_000_000_001, TcpFlags::PSH_ACK, GET));
    }

    #[test]
    fn parses_udp_datagrams() {
        let udp = ipv4(&testdata::UDP_DNS);
        assert_eq!(udp.l4, L4::Udp { src_port: 40000, dst_port: 53, payload: b"hello" });
        assert_eq!(udp.ports(), Some((40000, 53)));
    }

    #[test]
    fn parses_icmp_messages() {
        let unreachable = ipv4(&testdata::ICMP_PORT_UNREACHABLE_TCP);
        assert_eq!((unreachable.src, unreachable.dst), (VIP, ROUTER_IP));
        assert_eq!(unreachable.l4, L4::Icmp(Icmp::Unreachable { code: 3, quoted: &testdata::TCP_SYN[14..] }));
        assert_eq!(unreachable.ports(), None);
        let request = ipv4(&testdata::ICMP_ECHO_REQUEST);
        assert_eq!(request.l4, L4::Icmp(Icmp::EchoRequest { ident: 0x1234, seq: 1 }));
        let reply = ipv4(&testdata::ICMP_ECHO_REPLY);
        assert_eq!(reply.l4, L4::Icmp(Icmp::EchoReply { ident: 0x1234, seq: 1 }));
    }

    #[test]
    fn truncated_packets_parse_as_other() {
        for bytes in IPV4_FRAMES {
            for len in 0..bytes.len() {
                assert!(matches!(Parsed::of(&bytes[..len]), Parsed::Other { .. }), "{len}-byte prefix of {bytes:02x?}");
            }
        }
    }

    #[test]
    fn a_bad_header_checksum_parses_as_other() {
        let mut bytes = testdata::TCP_SYN;
        bytes[ETHERNET_HEADER_LEN + 10] ^= 0xff;
        assert!(matches!(Parsed::of(&bytes), Parsed::Other { ethertype: 0x0800, .. }));
    }

    #[test]
    fn tcp_flags_read_like_wireshark() {
        assert_eq!(TcpFlags::SYN_ACK.to_string(), "SYN, ACK");
        assert_eq!(TcpFlags::FIN_ACK.to_string(), "FIN, ACK");
        assert_eq!((TcpFlags::SYN | TcpFlags(0xc0)).to_string(), "SYN, ECE, CWR");
        assert_eq!(format!("{:?}", TcpFlags::PSH_ACK), "[PSH, ACK]");
    }
}
