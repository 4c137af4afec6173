//! Wire formats. Every frame in the simulation is a real Ethernet II frame
//! held as bytes ([`Frame`]); the typed views and emitters come from
//! `smoltcp::wire` (zero-copy `Packet<T>` views plus plain `Repr` structs).
//! This module adds the domain's own address type ([`Mac`]), builders for
//! the frames the simulated devices send, and [`Parsed`], a decoded view the
//! devices use on receive. The inspector's layered field view lives in
//! [`dissect`], pcap export in [`pcap`].

pub mod arp;
pub mod dissect;
pub mod ip;
pub mod pcap;
#[cfg(test)]
mod testdata;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use smoltcp::wire::{EthernetAddress, EthernetFrame, EthernetProtocol};
use std::fmt;
use std::net::Ipv4Addr;
use std::rc::Rc;

pub use smoltcp::wire::{ArpOperation, TcpControl};

/// Length of an Ethernet II header (no 802.1Q tag).
pub const ETHERNET_HEADER_LEN: usize = 14;

/// A 48-bit MAC address, shown as `02:00:0a:00:01:0a`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Mac(pub [u8; 6]);

/// Byte order (the order `show mac address-table` and our tables list
/// MACs in), compared as one 48-bit number: the switch looks two MACs up
/// in its table for every frame, and a byte-by-byte slice compare was the
/// larger part of that.
impl Ord for Mac {
    // Inlined even in the playground's opt-level "z" build, whose inliner
    // would leave this a call in every step of a BTreeMap search.
    #[inline(always)]
    fn cmp(&self, other: &Mac) -> std::cmp::Ordering {
        self.as_u48().cmp(&other.as_u48())
    }
}

impl PartialOrd for Mac {
    fn partial_cmp(&self, other: &Mac) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Mac {
    pub const BROADCAST: Mac = Mac([0xff; 6]);

    /// The address as a big-endian number, so numeric order is byte order.
    #[inline(always)]
    fn as_u48(self) -> u64 {
        let [a, b, c, d, e, f] = self.0;
        u64::from_be_bytes([0, 0, a, b, c, d, e, f])
    }
    pub const ZERO: Mac = Mac([0; 6]);

    pub fn is_broadcast(self) -> bool {
        self == Mac::BROADCAST
    }
    /// Group bit set (broadcast or multicast): a switch floods these.
    pub fn is_multicast(self) -> bool {
        self.0[0] & 1 == 1
    }
    /// A locally administered unicast MAC derived from a name, stable across
    /// runs and platforms (FNV-1a over the name's bytes), as scenarios use
    /// when a host does not set `mac:`.
    pub fn derived_from(name: &str) -> Mac {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in name.bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        let b = h.to_be_bytes();
        Mac([0x02, b[3], b[4], b[5], b[6], b[7]])
    }
    pub fn parse(text: &str) -> Result<Mac, String> {
        let parts: Vec<&str> = text.split(':').collect();
        if parts.len() != 6 {
            return Err(format!("invalid MAC address `{text}`: expected six hex pairs like 02:00:0a:00:01:0a"));
        }
        let mut out = [0u8; 6];
        for (i, p) in parts.iter().enumerate() {
            if p.len() != 2 {
                return Err(format!("invalid MAC address `{text}`: `{p}` is not a hex pair"));
            }
            out[i] =
                u8::from_str_radix(p, 16).map_err(|_| format!("invalid MAC address `{text}`: `{p}` is not hex"))?;
        }
        Ok(Mac(out))
    }
    pub(crate) fn to_smol(self) -> EthernetAddress {
        EthernetAddress(self.0)
    }
    pub(crate) fn from_smol(a: EthernetAddress) -> Mac {
        Mac(a.0)
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        write!(f, "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", b[0], b[1], b[2], b[3], b[4], b[5])
    }
}
impl fmt::Debug for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
impl Serialize for Mac {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
impl<'de> Deserialize<'de> for Mac {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Mac::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The shortest Ethernet frame without its FCS (`ETH_ZLEN`).
pub const ETHERNET_MIN_LEN: usize = 60;

/// An Ethernet II frame as bytes. Cheap to clone (reference-counted and
/// immutable), so flooding one broadcast to every switch port shares it.
///
/// The shared buffer is never shorter than [`ETHERNET_MIN_LEN`], zeros
/// after the frame's own bytes: padding a short frame for the wire
/// ([`Frame::padded_for_wire`]) is then a longer view of the same buffer,
/// not a copy (a quarter of the engine bench's allocations were those
/// copies, and a kept trace held both buffers).
#[derive(Clone)]
pub struct Frame {
    buf: Rc<[u8]>,
    len: usize,
}

impl Frame {
    pub fn from_vec(mut bytes: Vec<u8>) -> Frame {
        let len = bytes.len();
        if len < ETHERNET_MIN_LEN {
            bytes.resize(ETHERNET_MIN_LEN, 0);
        }
        Frame { buf: bytes.into(), len }
    }
    /// A frame of `len` bytes that `fill` writes (starting from zeros),
    /// built in its shared buffer: one allocation, where building a `Vec`
    /// first and converting it took two and a copy (a tenth of the
    /// engine bench's allocations).
    pub fn build(len: usize, fill: impl FnOnce(&mut [u8])) -> Frame {
        let mut buf: Rc<[u8]> = std::iter::repeat_n(0u8, len.max(ETHERNET_MIN_LEN)).collect();
        fill(&mut Rc::get_mut(&mut buf).expect("a new frame has one owner")[..len]);
        Frame { buf, len }
    }
    /// A copy of `bytes` that `change` edits before anyone shares it.
    pub fn edited(bytes: &[u8], change: impl FnOnce(&mut [u8])) -> Frame {
        Frame::build(bytes.len(), |buf| {
            buf.copy_from_slice(bytes);
            change(buf);
        })
    }
    /// The frame as it goes on the wire: Ethernet's minimum is 60 bytes
    /// before the FCS, and a NIC pads a shorter frame with zeros after the
    /// sender's own capture point (`eth_skb_pad` in the drivers), so the
    /// sender's tcpdump shows an ARP as 42 bytes and the receiver's as 60.
    pub fn padded_for_wire(self) -> Frame {
        Frame { len: self.len.max(ETHERNET_MIN_LEN), buf: self.buf }
    }
    /// Whether both are the same frame (not a copy with equal bytes): a
    /// stage that passes a packet on unchanged hands back the same frame.
    pub fn same(&self, other: &Frame) -> bool {
        Rc::ptr_eq(&self.buf, &other.buf) && self.len == other.len
    }
    pub fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Destination MAC, or broadcast for a runt (which then gets dropped on parse).
    pub fn dst(&self) -> Mac {
        self.bytes().get(0..6).map(|b| Mac(b.try_into().unwrap())).unwrap_or(Mac::BROADCAST)
    }
    pub fn src(&self) -> Mac {
        self.bytes().get(6..12).map(|b| Mac(b.try_into().unwrap())).unwrap_or(Mac::ZERO)
    }
    pub fn hex(&self) -> String {
        let mut s = String::with_capacity(self.len * 2);
        for b in self.bytes() {
            s.push(char::from_digit((b >> 4) as u32, 16).unwrap());
            s.push(char::from_digit((b & 15) as u32, 16).unwrap());
        }
        s
    }
    pub fn from_hex(hex: &str) -> Result<Frame, String> {
        if !hex.len().is_multiple_of(2) {
            return Err("odd number of hex digits".into());
        }
        // Digit by digit over bytes: slicing the str could split a multi-byte
        // character, and `from_str_radix` would accept a sign such as "+f".
        let digit = |i: usize| (hex.as_bytes()[i] as char).to_digit(16).ok_or_else(|| format!("bad hex at {i}"));
        (0..hex.len())
            .step_by(2)
            .map(|i| Ok((digit(i)? * 16 + digit(i + 1)?) as u8))
            .collect::<Result<Vec<u8>, String>>()
            .map(Frame::from_vec)
    }
    /// Decodes the frame into the view the simulated devices act on.
    pub fn parse(&self) -> Parsed<'_> {
        Parsed::of(self.bytes())
    }
}

impl PartialEq for Frame {
    fn eq(&self, other: &Frame) -> bool {
        self.bytes() == other.bytes()
    }
}
impl Eq for Frame {}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Frame({})", dissect::summary(self))
    }
}
impl Serialize for Frame {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.hex())
    }
}
impl<'de> Deserialize<'de> for Frame {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Frame::from_hex(&s).map_err(serde::de::Error::custom)
    }
}

/// A decoded ARP message (Ethernet/IPv4 only), with the raw operation so
/// unknown opcodes survive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arp {
    pub op: ArpOperation,
    pub sender_mac: Mac,
    pub sender_ip: Ipv4Addr,
    pub target_mac: Mac,
    pub target_ip: Ipv4Addr,
}

impl Arp {
    /// Sender IP equals target IP: an announcement rather than a question.
    /// Linux counts a *request* like this as gratuitous whatever its target
    /// MAC; a *reply* additionally needs target MAC = sender MAC
    /// (`arp_is_garp()` in net/ipv4/arp.c; see the kernel table test).
    pub fn is_announcement(&self) -> bool {
        self.sender_ip == self.target_ip
    }
}

/// The view of a frame the devices act on.
#[derive(Debug)]
pub enum Parsed<'a> {
    Arp {
        eth_dst: Mac,
        eth_src: Mac,
        arp: Arp,
    },
    Ipv4 {
        eth_dst: Mac,
        eth_src: Mac,
        packet: ip::Ipv4<'a>,
    },
    /// Anything else, or a frame too broken to decode: devices drop it.
    Other {
        eth_dst: Mac,
        eth_src: Mac,
        ethertype: u16,
    },
}

impl<'a> Parsed<'a> {
    pub fn of(bytes: &'a [u8]) -> Parsed<'a> {
        let Ok(eth) = EthernetFrame::new_checked(bytes) else {
            return Parsed::Other { eth_dst: Mac::BROADCAST, eth_src: Mac::ZERO, ethertype: 0 };
        };
        let eth_dst = Mac::from_smol(eth.dst_addr());
        let eth_src = Mac::from_smol(eth.src_addr());
        let payload = &bytes[ETHERNET_HEADER_LEN..];
        match eth.ethertype() {
            EthernetProtocol::Arp => match arp::parse(payload) {
                Some(arp) => Parsed::Arp { eth_dst, eth_src, arp },
                None => Parsed::Other { eth_dst, eth_src, ethertype: 0x0806 },
            },
            EthernetProtocol::Ipv4 => match ip::Ipv4::parse(payload) {
                Some(packet) => Parsed::Ipv4 { eth_dst, eth_src, packet },
                None => Parsed::Other { eth_dst, eth_src, ethertype: 0x0800 },
            },
            other => Parsed::Other { eth_dst, eth_src, ethertype: u16::from(other) },
        }
    }
}

/// Writes an Ethernet II header followed by `payload_len` bytes that `fill` writes.
pub(crate) fn ethernet(
    dst: Mac,
    src: Mac,
    ethertype: EthernetProtocol,
    payload_len: usize,
    fill: impl FnOnce(&mut [u8]),
) -> Frame {
    Frame::build(ETHERNET_HEADER_LEN + payload_len, |buf| {
        let mut eth = EthernetFrame::new_unchecked(&mut buf[..]);
        eth.set_dst_addr(dst.to_smol());
        eth.set_src_addr(src.to_smol());
        eth.set_ethertype(ethertype);
        fill(&mut buf[ETHERNET_HEADER_LEN..]);
    })
}

/// The same frame with new Ethernet addresses (a router or node forwarding
/// it). A frame nobody else holds yet (one just built) is changed in
/// place; a shared one is copied, so frames already in the trace never change.
pub fn rewrite_ethernet(frame: Frame, dst: Mac, src: Mac) -> Frame {
    let mut frame = frame;
    let set = |buf: &mut [u8]| {
        if buf.len() >= ETHERNET_HEADER_LEN {
            buf[0..6].copy_from_slice(&dst.0);
            buf[6..12].copy_from_slice(&src.0);
        }
    };
    let len = frame.len;
    if let Some(buf) = Rc::get_mut(&mut frame.buf) {
        set(&mut buf[..len]);
        return frame;
    }
    Frame::edited(frame.bytes(), set)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        /// The numeric comparison orders MACs exactly as their bytes do.
        #[test]
        fn mac_order_is_byte_order(a: [u8; 6], b: [u8; 6]) {
            proptest::prop_assert_eq!(Mac(a).cmp(&Mac(b)), a.cmp(&b));
        }
    }

    #[test]
    fn mac_parse_display_derive() {
        let m = Mac::parse("02:00:0a:00:01:0a").unwrap();
        assert_eq!(m.to_string(), "02:00:0a:00:01:0a");
        assert!(Mac::parse("02:00:0a:00:01").is_err());
        assert!(Mac::parse("02:00:0a:00:01:zz").is_err());
        let d = Mac::derived_from("worker-0");
        assert_eq!(d, Mac::derived_from("worker-0"));
        assert_ne!(d, Mac::derived_from("worker-1"));
        assert_eq!(d.0[0], 0x02, "locally administered unicast");
        assert!(!d.is_multicast());
    }

    #[test]
    fn frame_hex_round_trip_and_runts() {
        let f = Frame::from_vec(vec![0xff, 0, 0x10]);
        assert_eq!(f.hex(), "ff0010");
        assert_eq!(Frame::from_hex("ff0010").unwrap(), f);
        assert!(matches!(f.parse(), Parsed::Other { .. }));
        assert!(Frame::from_hex("abc").is_err());
        assert!(Frame::from_hex("+f").is_err());
        assert!(Frame::from_hex("aéb").is_err(), "a multi-byte character is an error, not a panic");
    }

    /// A short frame padded for the wire is 60 bytes, zeros after its own,
    /// seen through the same buffer: the sender's copy (in the trace) keeps
    /// its length, and neither is the other for `same`.
    #[test]
    fn padding_a_short_frame_is_a_longer_view_of_its_buffer() {
        let arp = Frame::build(42, |b| b.fill(0xab));
        let wire = arp.clone().padded_for_wire();
        assert_eq!(arp.len(), 42);
        assert_eq!(wire.len(), ETHERNET_MIN_LEN);
        assert_eq!(&wire.bytes()[..42], arp.bytes());
        assert!(wire.bytes()[42..].iter().all(|&b| b == 0));
        assert!(Rc::ptr_eq(&arp.buf, &wire.buf), "no copy");
        assert!(!wire.same(&arp) && arp != wire);
        // Equal bytes are equal frames, whatever their buffers.
        assert_eq!(Frame::from_vec(wire.bytes().to_vec()), wire);
        // A frame of 60 bytes or more goes out as it is.
        let full = Frame::build(74, |b| b.fill(1));
        assert!(full.clone().padded_for_wire().same(&full));
        // Changing the addresses of a frame nobody else holds edits its
        // bytes only, never the padding another view would show.
        let moved = rewrite_ethernet(Frame::from_vec(vec![7; 20]), Mac::BROADCAST, Mac::ZERO);
        assert_eq!(moved.len(), 20);
        assert_eq!(moved.clone().padded_for_wire().bytes()[20..], [0; 40]);
    }
}
