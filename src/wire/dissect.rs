//! Wireshark-like views of a frame for the packet inspector: a layered
//! field tree where every field knows the bytes it came from (so the hex
//! pane can highlight them), the packet list's Protocol and Info columns,
//! and the hex dump.
//!
//! Dissection reads the raw bytes and trusts no length field: whatever is
//! cut short or inconsistent is shown as far as it decodes, followed by a
//! "Malformed Packet" layer. Checksums are verified with an RFC 1071 sum
//! of this module's own, independent of the emitters in [`super::ip`].

use super::ip::TcpFlags;
use super::{ETHERNET_HEADER_LEN, Frame, Mac};
use serde::Serialize;
use std::fmt::{Display, Write};
use std::net::Ipv4Addr;
use std::ops::Range;

/// A frame decoded layer by layer, outermost first. The layers' ranges
/// follow each other without gaps from byte 0; only Ethernet padding after
/// the last layer is left to the Ethernet layer's "Padding" field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Dissection {
    pub layers: Vec<Layer>,
}

/// One protocol's part of a frame: a top-level row of Wireshark's tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Layer {
    /// "Ethernet II", "Address Resolution Protocol (request)", ...; layers
    /// quoted inside an ICMP error end in " (quoted)".
    pub name: String,
    /// The rest of Wireshark's tree line, e.g. "Src: 10.0.1.1, Dst: 10.0.1.200".
    pub summary: String,
    /// The bytes of the header (or whole message) this layer decodes.
    pub range: Range<usize>,
    pub fields: Vec<Field>,
}

/// One header field and the bytes it came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Field {
    pub name: String,
    pub value: String,
    /// Byte range in the frame, for highlighting in the hex pane.
    pub range: Range<usize>,
    /// What a learner should notice, e.g. "gratuitous: sender IP = target IP".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The layers of `frame`, each with its fields.
pub fn dissect(frame: &Frame) -> Dissection {
    Dissection { layers: Dissector::run(frame.bytes()).layers }
}

/// Wireshark's Protocol column: the innermost protocol decoded
/// ("ARP", "IPv4", "TCP", "UDP", "ICMP", "HTTP"; "ETH" for other ethertypes).
pub fn protocol(frame: &Frame) -> &'static str {
    Dissector::run(frame.bytes()).protocol
}

/// Wireshark's Info column, e.g. `Who has 10.0.1.200? Tell 10.0.1.1`.
pub fn summary(frame: &Frame) -> String {
    Dissector::run(frame.bytes()).info()
}

/// Wireshark's bytes pane: rows of 16 bytes as offset, hex and ASCII,
/// e.g. `0000  ff ff ff ff ff ff 02 00  0a 00 01 01 08 06 00 01   ........ ........`.
pub fn hex_dump(frame: &Frame) -> Vec<String> {
    const HEX_COLUMNS: usize = 4 + 1 + 16 * 3 + 1;
    frame
        .bytes()
        .chunks(16)
        .enumerate()
        .map(|(row, chunk)| {
            let mut line = format!("{:04x} ", row * 16);
            let mut ascii = String::with_capacity(17);
            for (i, &byte) in chunk.iter().enumerate() {
                if i == 8 {
                    line.push(' ');
                    ascii.push(' ');
                }
                let _ = write!(line, " {byte:02x}");
                ascii.push(if byte.is_ascii_graphic() || byte == b' ' { byte as char } else { '.' });
            }
            format!("{line:HEX_COLUMNS$}   {ascii}")
        })
        .collect()
}

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_ARP: u16 = 0x0806;
const IP_PROTOCOL_ICMP: u8 = 1;
const IP_PROTOCOL_TCP: u8 = 6;
const IP_PROTOCOL_UDP: u8 = 17;
const IPV4_MIN_HEADER_LEN: usize = 20;
const TCP_MIN_HEADER_LEN: usize = 20;
const UDP_HEADER_LEN: usize = 8;
const ICMP_HEADER_LEN: usize = 8;
const ARP_FIXED_LEN: usize = 8;

impl Layer {
    fn new(name: impl Into<String>, range: Range<usize>, summary: impl Into<String>) -> Layer {
        Layer { name: name.into(), summary: summary.into(), range, fields: Vec::new() }
    }

    fn field(&mut self, name: &str, range: Range<usize>, value: impl Display) -> &mut Field {
        self.fields.push(Field { name: name.into(), value: value.to_string(), range, note: None });
        self.fields.last_mut().expect("just pushed")
    }

    /// A checksum field: "correct", "incorrect, should be ...", or
    /// unverified when `expected` is `None` (not all covered bytes are there).
    fn checksum(&mut self, name: &str, range: Range<usize>, actual: u16, expected: Option<u16>) {
        let value = match expected {
            Some(e) if e == actual => format!("0x{actual:04x} [correct]"),
            Some(e) => format!("0x{actual:04x} [incorrect, should be 0x{e:04x}]"),
            None => format!("0x{actual:04x} [unverified: not all covered bytes are present]"),
        };
        let field = self.field(name, range, value);
        if expected.is_some_and(|e| e != actual) {
            field.note = Some("a receiver silently drops a packet with a wrong checksum".into());
        }
    }
}

/// What a transport dissector needs from the IPv4 header around it.
#[derive(Clone, Copy)]
struct Ipv4Context {
    src: Ipv4Addr,
    dst: Ipv4Addr,
    ttl: u8,
    /// Quoted inside an ICMP error: often only the first bytes are there,
    /// and the packet does not speak for the frame's Protocol and Info.
    quoted: bool,
}

impl Ipv4Context {
    fn layer_name(&self, name: &str) -> String {
        if self.quoted { format!("{name} (quoted)") } else { name.to_string() }
    }

    /// RFC 793/768 pseudo-header: addresses, protocol and segment length.
    fn pseudo_header(&self, protocol: u8, len: usize) -> [u8; 12] {
        let mut p = [0; 12];
        p[0..4].copy_from_slice(&self.src.octets());
        p[4..8].copy_from_slice(&self.dst.octets());
        p[9] = protocol;
        p[10..12].copy_from_slice(&(len as u16).to_be_bytes());
        p
    }
}

/// Walks a frame once, collecting layers and the packet-list columns.
struct Dissector<'a> {
    /// The frame, or while an ICMP error's quote is decoded, the frame up
    /// to the end of that ICMP message.
    bytes: &'a [u8],
    layers: Vec<Layer>,
    /// The innermost protocol decoded so far (Protocol column).
    protocol: &'static str,
    /// Set by the innermost protocol with something to say (Info column).
    info: String,
    malformed: bool,
}

impl<'a> Dissector<'a> {
    fn run(bytes: &'a [u8]) -> Dissector<'a> {
        let mut d = Dissector { bytes, layers: Vec::new(), protocol: "ETH", info: String::new(), malformed: false };
        d.ethernet();
        d
    }

    fn info(&self) -> String {
        match (self.malformed, self.info.is_empty()) {
            (false, _) => self.info.clone(),
            (true, true) => "[Malformed Packet]".into(),
            (true, false) => format!("{} [Malformed Packet]", self.info),
        }
    }

    /// `len` bytes from `at`, zero-filled where the frame ends early, so a
    /// cut header still decodes its leading fields; [`Self::push`] then
    /// drops the fields that reach past the end.
    fn header(&self, at: usize, len: usize) -> Vec<u8> {
        let mut h: Vec<u8> = self.bytes.get(at..).unwrap_or_default().iter().take(len).copied().collect();
        h.resize(len, 0);
        h
    }

    /// Bytes present from `at` on, up to `len`.
    fn available(&self, at: usize, len: usize) -> usize {
        self.bytes.len().saturating_sub(at).min(len)
    }

    fn push(&mut self, mut layer: Layer) {
        let end = self.bytes.len();
        layer.fields.retain(|f| f.range.end <= end);
        layer.range = layer.range.start.min(end)..layer.range.end.min(end);
        self.layers.push(layer);
    }

    /// Ends the dissection: the rest of the frame, after the last layer,
    /// could not be decoded because of `reason`.
    fn malformed(&mut self, reason: impl Into<String>) {
        let at = self.layers.last().map_or(0, |l| l.range.end);
        let range = at..self.bytes.len();
        let mut layer = Layer::new("Malformed Packet", range.clone(), format!("[Malformed Packet: {}]", self.protocol));
        layer.field("Malformed", range, reason.into());
        self.layers.push(layer);
        self.malformed = true;
    }

    fn ethernet(&mut self) {
        let h = self.header(0, ETHERNET_HEADER_LEN);
        let (dst, src, ethertype) = (mac(&h[0..6]), mac(&h[6..12]), be16(&h[12..14]));
        let mut layer = Layer::new("Ethernet II", 0..ETHERNET_HEADER_LEN, format!("Src: {src}, Dst: {dst}"));
        layer.field("Destination", 0..6, dst).note = destination_note(dst);
        layer.field("Source", 6..12, src);
        layer.field("Type", 12..14, ethertype_name(ethertype));
        self.push(layer);
        if self.bytes.len() < ETHERNET_HEADER_LEN {
            return self.malformed(format!("Ethernet header truncated: {} of 14 bytes", self.bytes.len()));
        }
        self.info = format!("Ethertype {}", ethertype_name(ethertype));
        let end = match ethertype {
            ETHERTYPE_ARP => self.arp(ETHERNET_HEADER_LEN),
            ETHERTYPE_IPV4 => self.ipv4(ETHERNET_HEADER_LEN, false),
            _ => {
                self.data(ETHERNET_HEADER_LEN, self.bytes.len());
                None
            }
        };
        if let Some(end) = end.filter(|&end| end < self.bytes.len() && !self.malformed) {
            let padding = end..self.bytes.len();
            self.layers[0].field("Padding", padding.clone(), hex_preview(&self.bytes[padding]));
        }
    }

    /// Returns where the ARP message ends, or `None` if it is malformed.
    fn arp(&mut self, at: usize) -> Option<usize> {
        self.protocol = "ARP";
        let fixed = self.header(at, ARP_FIXED_LEN);
        let (hrd, pro, op) = (be16(&fixed[0..2]), be16(&fixed[2..4]), be16(&fixed[6..8]));
        let (hln, pln) = (usize::from(fixed[4]), usize::from(fixed[5]));
        let len = ARP_FIXED_LEN + 2 * (hln + pln);
        let m = self.header(at, len);
        let sha = ARP_FIXED_LEN..ARP_FIXED_LEN + hln;
        let spa = sha.end..sha.end + pln;
        let tha = spa.end..spa.end + hln;
        let tpa = tha.end..tha.end + pln;
        let ipv4 = pro == ETHERTYPE_IPV4 && pln == 4;
        let mac_like = hrd == 1 && hln == 6;
        let hw_text = |r: &Range<usize>| colon_hex(&m[r.clone()]);
        let proto_text = |r: &Range<usize>| {
            if ipv4 { ipv4_addr(&m[r.clone()]).to_string() } else { colon_hex(&m[r.clone()]) }
        };
        let kind = ArpKind::of(op, &m[spa.clone()], &m[tpa.clone()], &m[tha.clone()]);
        let (sender_ip, target_ip, sender_hw) = (proto_text(&spa), proto_text(&tpa), hw_text(&sha));
        let info = kind.info(&sender_ip, &target_ip, &sender_hw);

        let r = |range: Range<usize>| at + range.start..at + range.end;
        let mut layer = Layer::new(format!("Address Resolution Protocol ({})", kind.label()), r(0..len), info.clone());
        layer.field("Hardware type", r(0..2), if hrd == 1 { "Ethernet (1)".into() } else { hrd.to_string() });
        layer.field("Protocol type", r(2..4), ethertype_name(pro));
        layer.field("Hardware size", r(4..5), hln);
        layer.field("Protocol size", r(5..6), pln);
        layer.field("Opcode", r(6..8), arp_opcode_name(op));
        let (hw_name, proto_name) = (if mac_like { "MAC" } else { "hardware" }, if ipv4 { "IP" } else { "protocol" });
        let sender_ip_note = (kind == ArpKind::Probe).then_some(ARP_PROBE_NOTE);
        let target_hw_note = (kind == ArpKind::GratuitousReply && m[tha.clone()] != m[sha.clone()])
            .then_some(LINUX_GRATUITOUS_REPLY_NOTE);
        let target_ip_note = kind.is_gratuitous().then_some(GRATUITOUS_NOTE);
        layer.field(&format!("Sender {hw_name} address"), r(sha), &sender_hw);
        layer.field(&format!("Sender {proto_name} address"), r(spa), &sender_ip).note =
            sender_ip_note.map(String::from);
        layer.field(&format!("Target {hw_name} address"), r(tha.clone()), hw_text(&tha)).note =
            target_hw_note.map(String::from);
        layer.field(&format!("Target {proto_name} address"), r(tpa), &target_ip).note =
            target_ip_note.map(String::from);
        self.push(layer);

        let present = self.available(at, len);
        if present < len {
            self.malformed(format!("ARP message truncated: {present} of {len} bytes"));
            return None;
        }
        self.info = info;
        Some(at + len)
    }

    /// Returns where the IPv4 packet ends, or `None` if it is malformed.
    fn ipv4(&mut self, at: usize, quoted: bool) -> Option<usize> {
        if !quoted {
            self.protocol = "IPv4";
        }
        let header_len = usize::from(self.header(at, 1)[0] & 0x0f) * 4;
        let h = self.header(at, header_len.max(IPV4_MIN_HEADER_LEN));
        let ip = Ipv4Header::read(&h);
        let present = self.available(at, usize::MAX);
        let header_present = header_len >= IPV4_MIN_HEADER_LEN && present >= header_len;
        let expected = header_present.then(|| internet_checksum(&[&h[..10], &h[12..header_len]]));
        let ctx = Ipv4Context { src: ip.src, dst: ip.dst, ttl: ip.ttl, quoted };
        let summary = format!("Src: {}, Dst: {}", ip.src, ip.dst);
        let mut layer = Layer::new(ctx.layer_name("Internet Protocol Version 4"), at..at + h.len(), summary);
        ip.add_fields(&mut layer, at, expected);
        self.push(layer);
        if let Some(problem) = ip.problem(present, quoted) {
            self.malformed(problem);
            return None;
        }

        let (payload, payload_len) = (at + header_len, ip.total_len - header_len);
        let payload_end = payload + self.available(payload, payload_len);
        if !quoted {
            self.info = format!("{} → {}, protocol {}", ip.src, ip.dst, ip_protocol_name(ip.protocol));
        }
        if ip.is_fragment() {
            // Only a whole datagram decodes as TCP, UDP or ICMP.
            self.data(payload, payload_end);
            if !quoted {
                self.info = format!(
                    "Fragmented IP protocol (proto={}, off={}, ID={:04x})",
                    ip_protocol_name(ip.protocol),
                    ip.fragment_offset,
                    ip.ident
                );
            }
            return Some(at + ip.total_len);
        }
        match ip.protocol {
            IP_PROTOCOL_TCP => self.tcp(payload, payload_len, ctx),
            IP_PROTOCOL_UDP => self.udp(payload, payload_len, ctx),
            IP_PROTOCOL_ICMP => self.icmp(payload, payload_len, ctx),
            _ => self.data(payload, payload_end),
        }
        Some(at + ip.total_len)
    }

    /// A TCP segment of `len` bytes (as the IPv4 header says) at `at`.
    fn tcp(&mut self, at: usize, len: usize, ip: Ipv4Context) {
        if !ip.quoted {
            self.protocol = "TCP";
        }
        let present = self.available(at, len);
        let header_len = usize::from(self.header(at, 13)[12] >> 4) * 4;
        let h = self.header(at, header_len.max(TCP_MIN_HEADER_LEN));
        let tcp = TcpHeader::read(&h);
        let header_present = present >= h.len();
        let header_ok = header_present && header_len >= TCP_MIN_HEADER_LEN;
        let segment_len = len.saturating_sub(header_len);
        let expected = (header_present && present == len).then(|| {
            let segment = &self.bytes[at..at + len];
            let pseudo_header = ip.pseudo_header(IP_PROTOCOL_TCP, len);
            internet_checksum(&[&pseudo_header, &segment[..16], &segment[18..]])
        });
        let name = ip.layer_name("Transmission Control Protocol");
        let mut layer = Layer::new(name, at..at + h.len(), tcp.summary(header_present.then_some(segment_len)));
        tcp.add_fields(&mut layer, at, expected);
        let mut options = TcpOptions::default();
        if header_ok {
            options = tcp_options(&mut layer, at + TCP_MIN_HEADER_LEN, &h[TCP_MIN_HEADER_LEN..]);
            let payload = at + header_len..at + header_len + segment_len;
            layer.field("TCP Segment Len", payload, segment_len);
        }
        self.push(layer);

        if !header_present {
            if !ip.quoted {
                self.malformed(format!("TCP header truncated: {present} of {} bytes", h.len()));
            }
            return;
        }
        if !header_ok {
            return self.malformed(format!("Bogus TCP header length ({header_len} bytes, must be at least 20)"));
        }
        self.malformed |= options.malformed;
        if !ip.quoted {
            self.info = tcp.info(segment_len, &options.info);
        }
        let payload = at + header_len..at + present;
        if payload.is_empty() {
            return;
        }
        match HttpStart::of(self.bytes, payload.clone()) {
            Some(start) if !ip.quoted => self.http(payload, start),
            _ => self.data(payload.start, payload.end),
        }
    }

    fn udp(&mut self, at: usize, len: usize, ip: Ipv4Context) {
        if !ip.quoted {
            self.protocol = "UDP";
        }
        let h = self.header(at, UDP_HEADER_LEN);
        let (src_port, dst_port) = (be16(&h[0..2]), be16(&h[2..4]));
        let (udp_len, checksum) = (usize::from(be16(&h[4..6])), be16(&h[6..8]));
        let present = self.available(at, len);
        let length_ok = (UDP_HEADER_LEN..=len).contains(&udp_len);

        let name = ip.layer_name("User Datagram Protocol");
        let mut layer =
            Layer::new(name, at..at + UDP_HEADER_LEN, format!("Src Port: {src_port}, Dst Port: {dst_port}"));
        layer.field("Source Port", at..at + 2, src_port);
        layer.field("Destination Port", at + 2..at + 4, dst_port);
        layer.field("Length", at + 4..at + 6, udp_len);
        if checksum == 0 {
            layer.field("Checksum", at + 6..at + 8, "0x0000 [zero-value ignored]").note =
                Some("zero: the sender computed no checksum (allowed over IPv4)".into());
        } else {
            let expected = (length_ok && present >= udp_len).then(|| {
                let datagram = &self.bytes[at..at + udp_len];
                let sum =
                    internet_checksum(&[&ip.pseudo_header(IP_PROTOCOL_UDP, udp_len), &datagram[..6], &datagram[8..]]);
                // A computed zero goes on the wire as all ones (RFC 768).
                if sum == 0 { 0xffff } else { sum }
            });
            layer.checksum("Checksum", at + 6..at + 8, checksum, expected);
        }
        self.push(layer);

        if present < UDP_HEADER_LEN {
            if !ip.quoted {
                self.malformed(format!("UDP header truncated: {present} of 8 bytes"));
            }
            return;
        }
        if !length_ok {
            return self.malformed(format!("Bogus UDP length ({udp_len}, the IPv4 payload is {len} bytes)"));
        }
        if !ip.quoted {
            self.info = format!("{src_port} → {dst_port} Len={}", udp_len - UDP_HEADER_LEN);
        }
        self.data(at + UDP_HEADER_LEN, at + present.min(udp_len));
    }

    fn icmp(&mut self, at: usize, len: usize, ip: Ipv4Context) {
        if !ip.quoted {
            self.protocol = "ICMP";
        }
        let present = self.available(at, len);
        let h = self.header(at, ICMP_HEADER_LEN);
        let (icmp_type, code, checksum) = (h[0], h[1], be16(&h[2..4]));
        let type_name = icmp_type_name(icmp_type);
        let code_name = icmp_code_name(icmp_type, code);
        let echo = matches!(icmp_type, 0 | 8);
        // Errors quote the offending packet after their 8-byte header; the
        // quote gets layers of its own.
        let error = matches!(icmp_type, 3 | 4 | 5 | 11 | 12);
        let (ident, seq) = (be16(&h[4..6]), be16(&h[6..8]));

        let summary = match code_name {
            Some(code_name) => format!("{type_name} ({code_name})"),
            None if echo => format!("{type_name} id=0x{ident:04x}, seq={seq}"),
            None => type_name.to_string(),
        };
        let end = if error { at + ICMP_HEADER_LEN } else { at + present.max(ICMP_HEADER_LEN) };
        let mut layer = Layer::new(ip.layer_name("Internet Control Message Protocol"), at..end, summary.clone());
        layer.field("Type", at..at + 1, format!("{icmp_type} ({type_name})"));
        let code_value = code_name.map_or(code.to_string(), |name| format!("{code} ({name})"));
        layer.field("Code", at + 1..at + 2, code_value);
        let expected = (present == len && len >= ICMP_HEADER_LEN).then(|| {
            let message = &self.bytes[at..at + len];
            internet_checksum(&[&message[..2], &message[4..]])
        });
        layer.checksum("Checksum", at + 2..at + 4, checksum, expected);
        icmp_rest_of_header(&mut layer, at, &h);
        if !error && present > ICMP_HEADER_LEN {
            let data = at + ICMP_HEADER_LEN..at + present;
            let value = format!("{} ({} bytes)", hex_preview(&self.bytes[data.clone()]), data.len());
            layer.field("Data", data, value);
        }
        self.push(layer);

        if present < ICMP_HEADER_LEN {
            if !ip.quoted {
                self.malformed(format!("ICMP header truncated: {present} of 8 bytes"));
            }
            return;
        }
        if error && present > ICMP_HEADER_LEN {
            // The quote ends with this message, whatever follows in the frame.
            let frame = self.bytes;
            self.bytes = &frame[..at + present];
            self.ipv4(at + ICMP_HEADER_LEN, true);
            self.bytes = frame;
        }
        if !ip.quoted {
            self.info = if echo {
                let ttl = ip.ttl;
                format!("{type_name:<20} id=0x{ident:04x}, seq={seq}/{}, ttl={ttl}", seq.swap_bytes())
            } else {
                summary
            };
        }
    }

    fn http(&mut self, payload: Range<usize>, start: HttpStart) {
        self.protocol = "HTTP";
        let mut layer = Layer::new("Hypertext Transfer Protocol", payload.clone(), &start.line);
        start.add_fields(&mut layer);
        let mut lines = Lines { bytes: self.bytes, at: start.range.end, end: payload.end };
        let mut content_type = None;
        let mut headers_done = false;
        for (range, line) in lines.by_ref() {
            if line.is_empty() {
                headers_done = true;
                break;
            }
            let line = String::from_utf8_lossy(line);
            let Some((name, value)) = line.split_once(':') else {
                layer.field("Header", range, &line).note = Some("no colon: not a valid header line".into());
                continue;
            };
            let (name, value) = (name.trim(), value.trim());
            if name.eq_ignore_ascii_case("content-type") {
                content_type = value.split(';').next().map(|media| media.trim().to_string());
            }
            layer.field(name, range, value);
        }
        let rest = lines.at..payload.end;
        let body = &self.bytes[rest.clone()];
        if !body.is_empty() && headers_done {
            let value = match std::str::from_utf8(body) {
                Ok(text) => format!("{} bytes: {text:?}", body.len()),
                Err(_) => format!("{} bytes", body.len()),
            };
            layer.field("File Data", rest, value);
        } else if !body.is_empty() {
            let text = format!("{:?}", String::from_utf8_lossy(body));
            layer.field("Unfinished line", rest, text).note =
                Some("no line end: the rest arrives in a later segment".into());
        }
        self.push(layer);
        // Wireshark names a response body's media type after the status line.
        self.info = match content_type {
            Some(media) if start.is_response && headers_done && !body.is_empty() => {
                format!("{}  ({media})", start.line)
            }
            _ => start.line,
        };
    }

    /// Bytes no protocol here decodes, as Wireshark's "Data" layer.
    fn data(&mut self, at: usize, end: usize) {
        if at >= end {
            return;
        }
        let mut layer = Layer::new("Data", at..end, format!("({} bytes)", end - at));
        layer.field("Data", at..end, hex_preview(&self.bytes[at..end]));
        self.push(layer);
    }
}

const GRATUITOUS_NOTE: &str = "gratuitous: sender IP = target IP";
const ARP_PROBE_NOTE: &str = "0.0.0.0: a probe (RFC 5227) asks whether the address is taken without claiming it";
const LINUX_GRATUITOUS_REPLY_NOTE: &str = "Linux treats a reply as gratuitous only when target MAC = \
     sender MAC (arp_is_garp); it handles this one as an ordinary reply";

/// How Wireshark classifies an ARP message (`dissect_arp` in packet-arp.c).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ArpKind {
    Request,
    Reply,
    /// Sender IP = target IP in a request whose target MAC is not zero.
    GratuitousRequest,
    /// Sender IP = target IP in a reply.
    GratuitousReply,
    /// A gratuitous request with target MAC zero (RFC 5227's announcement).
    Announcement,
    /// A request from sender IP 0.0.0.0 with target MAC zero (RFC 5227).
    Probe,
    Other(u16),
}

impl ArpKind {
    fn of(op: u16, sender_ip: &[u8], target_ip: &[u8], target_hw: &[u8]) -> ArpKind {
        let zero = |bytes: &[u8]| bytes.iter().all(|&b| b == 0);
        match op {
            1 if sender_ip == target_ip && zero(target_hw) => ArpKind::Announcement,
            1 if sender_ip == target_ip => ArpKind::GratuitousRequest,
            2 if sender_ip == target_ip => ArpKind::GratuitousReply,
            1 if zero(sender_ip) && zero(target_hw) => ArpKind::Probe,
            1 => ArpKind::Request,
            2 => ArpKind::Reply,
            other => ArpKind::Other(other),
        }
    }

    fn is_gratuitous(self) -> bool {
        matches!(self, ArpKind::GratuitousRequest | ArpKind::GratuitousReply | ArpKind::Announcement)
    }

    /// The parenthesised part of the layer name.
    fn label(self) -> String {
        match self {
            ArpKind::Request => "request".into(),
            ArpKind::Reply => "reply".into(),
            ArpKind::GratuitousRequest => "request/gratuitous ARP".into(),
            ArpKind::GratuitousReply => "reply/gratuitous ARP".into(),
            ArpKind::Announcement => "ARP Announcement".into(),
            ArpKind::Probe => "ARP Probe".into(),
            ArpKind::Other(op) => format!("opcode 0x{op:04x}"),
        }
    }

    fn info(self, sender_ip: &str, target_ip: &str, sender_hw: &str) -> String {
        match self {
            ArpKind::Request => format!("Who has {target_ip}? Tell {sender_ip}"),
            ArpKind::Reply => format!("{sender_ip} is at {sender_hw}"),
            ArpKind::GratuitousRequest => format!("Gratuitous ARP for {target_ip} (Request)"),
            ArpKind::GratuitousReply => format!("Gratuitous ARP for {sender_ip} (Reply)"),
            ArpKind::Announcement => format!("ARP Announcement for {target_ip}"),
            ArpKind::Probe => format!("Who has {target_ip}? (ARP Probe)"),
            ArpKind::Other(op) => format!("Unknown ARP opcode 0x{op:04x}"),
        }
    }
}

/// An HTTP/1.x request or status line opening a TCP payload.
struct HttpStart {
    line: String,
    /// Where the line lies in the frame, line end included.
    range: Range<usize>,
    is_response: bool,
}

impl HttpStart {
    const METHODS: [&str; 9] = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"];

    fn of(bytes: &[u8], payload: Range<usize>) -> Option<HttpStart> {
        let (range, line) = Lines { bytes, at: payload.start, end: payload.end }.next()?;
        let line = std::str::from_utf8(line).ok()?;
        let mut parts = line.splitn(3, ' ');
        let (first, second, third) = (parts.next()?, parts.next()?, parts.next().unwrap_or(""));
        let is_response =
            first.starts_with("HTTP/1.") && second.len() == 3 && second.bytes().all(|b| b.is_ascii_digit());
        let is_request = Self::METHODS.contains(&first) && !second.is_empty() && third.starts_with("HTTP/1.");
        (is_request || is_response).then(|| HttpStart { line: line.to_string(), range, is_response })
    }

    /// The line and its three space-separated parts, each with its bytes.
    fn add_fields(&self, layer: &mut Layer) {
        let (line_name, part_names) = if self.is_response {
            ("Status Line", ["Response Version", "Status Code", "Response Phrase"])
        } else {
            ("Request Line", ["Request Method", "Request URI", "Request Version"])
        };
        layer.field(line_name, self.range.clone(), &self.line);
        let mut at = self.range.start;
        for (name, part) in part_names.into_iter().zip(self.line.splitn(3, ' ')) {
            layer.field(name, at..at + part.len(), part);
            at += part.len() + 1;
        }
    }
}

/// The lines of `bytes[at..end]` that end in "\n", each with its range in
/// `bytes` (line end included) and its text (without the "\r\n" or "\n");
/// stops before an unfinished line.
struct Lines<'b> {
    bytes: &'b [u8],
    /// Where the next line starts.
    at: usize,
    end: usize,
}

impl<'b> Iterator for Lines<'b> {
    type Item = (Range<usize>, &'b [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let start = self.at;
        let newline = start + self.bytes.get(start..self.end)?.iter().position(|&b| b == b'\n')?;
        self.at = newline + 1;
        let line = &self.bytes[start..newline];
        Some((start..self.at, line.strip_suffix(b"\r").unwrap_or(line)))
    }
}

/// An IPv4 header read from bytes that may be zero-filled past the end
/// of the frame (see [`Dissector::header`]).
struct Ipv4Header {
    version: u8,
    header_len: usize,
    tos: u8,
    total_len: usize,
    ident: u16,
    flags: u8,
    fragment_offset: usize,
    ttl: u8,
    protocol: u8,
    checksum: u16,
    src: Ipv4Addr,
    dst: Ipv4Addr,
}

impl Ipv4Header {
    fn read(h: &[u8]) -> Ipv4Header {
        Ipv4Header {
            version: h[0] >> 4,
            header_len: usize::from(h[0] & 0x0f) * 4,
            tos: h[1],
            total_len: usize::from(be16(&h[2..4])),
            ident: be16(&h[4..6]),
            flags: h[6] >> 5,
            fragment_offset: usize::from(be16(&h[6..8]) & 0x1fff) * 8,
            ttl: h[8],
            protocol: h[9],
            checksum: be16(&h[10..12]),
            src: ipv4_addr(&h[12..16]),
            dst: ipv4_addr(&h[16..20]),
        }
    }

    fn is_fragment(&self) -> bool {
        let more_fragments = self.flags & 1 != 0;
        more_fragments || self.fragment_offset != 0
    }

    /// The header's fields, for a header starting at frame offset `at`.
    fn add_fields(&self, layer: &mut Layer, at: usize, expected_checksum: Option<u16>) {
        let r = |start: usize, end: usize| at + start..at + end;
        let (ihl, tos, ident) = (self.header_len, self.tos, self.ident);
        layer.field("Version", r(0, 1), self.version);
        layer.field("Header Length", r(0, 1), format!("{ihl} bytes ({})", ihl / 4));
        let (dscp, ecn) = (dscp_name(tos >> 2), ecn_name(tos & 3));
        layer.field("Differentiated Services Field", r(1, 2), format!("0x{tos:02x} (DSCP: {dscp}, ECN: {ecn})"));
        layer.field("Total Length", r(2, 4), self.total_len);
        layer.field("Identification", r(4, 6), format!("0x{ident:04x} ({ident})"));
        layer.field("Flags", r(6, 7), ipv4_flags(self.flags));
        layer.field("Fragment Offset", r(6, 8), self.fragment_offset);
        layer.field("Time to Live", r(8, 9), self.ttl);
        layer.field("Protocol", r(9, 10), ip_protocol_name(self.protocol));
        layer.checksum("Header Checksum", r(10, 12), self.checksum, expected_checksum);
        layer.field("Source Address", r(12, 16), self.src);
        layer.field("Destination Address", r(16, 20), self.dst);
        if ihl > IPV4_MIN_HEADER_LEN {
            layer.field("Options", r(IPV4_MIN_HEADER_LEN, ihl), format!("({} bytes)", ihl - IPV4_MIN_HEADER_LEN));
        }
    }

    /// Why the packet cannot be decoded past its header, given the bytes
    /// `present` from its start; a quote in an ICMP error may stop early.
    fn problem(&self, present: usize, quoted: bool) -> Option<String> {
        let (ihl, total) = (self.header_len, self.total_len);
        if self.version != 4 {
            Some(format!("Bogus IP version ({})", self.version))
        } else if ihl < IPV4_MIN_HEADER_LEN {
            Some(format!("Bogus IPv4 header length ({ihl} bytes, must be at least 20)"))
        } else if present < ihl {
            Some(format!("IPv4 header truncated: {present} of {ihl} bytes"))
        } else if total < ihl {
            Some(format!("Bogus IPv4 total length ({total}, less than the {ihl}-byte header)"))
        } else if !quoted && present < total {
            Some(format!("IPv4 total length {total} exceeds the {present} bytes present"))
        } else {
            None
        }
    }
}

/// A TCP header read from bytes that may be zero-filled past the end of
/// the frame (see [`Dissector::header`]).
struct TcpHeader {
    src_port: u16,
    dst_port: u16,
    seq: u32,
    ack: u32,
    header_len: usize,
    /// The 12 bits after the data offset: reserved, AE, CWR ... FIN.
    flags: u16,
    window: u16,
    checksum: u16,
    urgent: u16,
}

impl TcpHeader {
    fn read(h: &[u8]) -> TcpHeader {
        TcpHeader {
            src_port: be16(&h[0..2]),
            dst_port: be16(&h[2..4]),
            seq: be32(&h[4..8]),
            ack: be32(&h[8..12]),
            header_len: usize::from(h[12] >> 4) * 4,
            flags: be16(&h[12..14]) & 0x0fff,
            window: be16(&h[14..16]),
            checksum: be16(&h[16..18]),
            urgent: be16(&h[18..20]),
        }
    }

    fn has(&self, flag: TcpFlags) -> bool {
        self.flags & u16::from(flag.0) != 0
    }

    /// The fixed 20 bytes' fields, for a header starting at frame offset `at`.
    fn add_fields(&self, layer: &mut Layer, at: usize, expected_checksum: Option<u16>) {
        let r = |start: usize, end: usize| at + start..at + end;
        let (header_len, flags) = (self.header_len, self.flags);
        layer.field("Source Port", r(0, 2), self.src_port);
        layer.field("Destination Port", r(2, 4), self.dst_port);
        layer.field("Sequence Number (raw)", r(4, 8), self.seq);
        layer.field("Acknowledgment Number (raw)", r(8, 12), self.ack);
        layer.field("Header Length", r(12, 13), format!("{header_len} bytes ({})", header_len / 4));
        layer.field("Flags", r(12, 14), format!("0x{flags:03x} ({})", tcp_flag_names(flags)));
        layer.field("Window", r(14, 16), self.window);
        layer.checksum("Checksum", r(16, 18), self.checksum, expected_checksum);
        layer.field("Urgent Pointer", r(18, 20), self.urgent);
    }

    /// Wireshark's tree line; sequence and length once the header is whole.
    fn summary(&self, segment_len: Option<usize>) -> String {
        let ports = format!("Src Port: {}, Dst Port: {}", self.src_port, self.dst_port);
        let Some(len) = segment_len else { return ports };
        let ack = if self.has(TcpFlags::ACK) { format!(", Ack: {}", self.ack) } else { String::new() };
        format!("{ports}, Seq: {}{ack}, Len: {len}", self.seq)
    }

    /// Wireshark's Info column with raw sequence numbers (no connection
    /// context here to make them relative) and the options' suffixes.
    fn info(&self, segment_len: usize, options: &str) -> String {
        let ack = if self.has(TcpFlags::ACK) { format!(" Ack={}", self.ack) } else { String::new() };
        let urgent = if self.has(TcpFlags::URG) { format!(" Urg={}", self.urgent) } else { String::new() };
        format!(
            "{} → {} [{}] Seq={}{ack} Win={}{urgent} Len={segment_len}{options}",
            self.src_port,
            self.dst_port,
            tcp_flag_names(self.flags),
            self.seq,
            self.window
        )
    }
}

/// Info-column suffixes of the TCP options ("MSS=1460") and whether one was malformed.
#[derive(Default)]
struct TcpOptions {
    info: String,
    malformed: bool,
}

/// Adds a field per TCP option in `options`, which start at frame offset `at`.
fn tcp_options(layer: &mut Layer, at: usize, options: &[u8]) -> TcpOptions {
    let mut out = TcpOptions::default();
    let mut i = 0;
    while i < options.len() {
        let start = at + i;
        match options[i] {
            0 => {
                layer.field("Option", start..start + 1, "End of Option List (EOL)");
                break;
            }
            1 => {
                layer.field("Option", start..start + 1, "No-Operation (NOP)");
                i += 1;
                continue;
            }
            _ => {}
        }
        let (kind, len) = (options[i], options.get(i + 1).map_or(0, |&len| usize::from(len)));
        if len < 2 || i + len > options.len() {
            let rest = start..at + options.len();
            layer.field("Malformed", rest, format!("option kind {kind} claims {len} bytes")).note =
                Some("the option length does not fit the TCP header".into());
            out.malformed = true;
            break;
        }
        let body = &options[i + 2..i + len];
        let value = match (kind, body.len()) {
            (2, 2) => {
                let _ = write!(out.info, " MSS={}", be16(body));
                format!("Maximum segment size: {} bytes", be16(body))
            }
            (3, 1) => {
                let _ = write!(out.info, " WS={}", 1u32 << body[0].min(14));
                format!("Window scale: {} (multiply by {})", body[0], 1u32 << body[0].min(14))
            }
            (4, 0) => {
                out.info.push_str(" SACK_PERM");
                "SACK permitted".into()
            }
            (5, n) if n % 8 == 0 => {
                let blocks: Vec<String> =
                    body.chunks(8).map(|b| format!("{}-{}", be32(&b[0..4]), be32(&b[4..8]))).collect();
                format!("SACK: {}", blocks.join(" "))
            }
            (8, 8) => {
                let (tsval, tsecr) = (be32(&body[0..4]), be32(&body[4..8]));
                let _ = write!(out.info, " TSval={tsval} TSecr={tsecr}");
                format!("Timestamps: TSval {tsval}, TSecr {tsecr}")
            }
            _ => format!("Kind {kind} ({len} bytes)"),
        };
        layer.field("Option", start..start + len, value);
        i += len;
    }
    out
}

/// Fields for ICMP bytes 4..8, whose meaning depends on the message type.
fn icmp_rest_of_header(layer: &mut Layer, at: usize, h: &[u8]) {
    let (ident, seq) = (be16(&h[4..6]), be16(&h[6..8]));
    match (h[0], h[1]) {
        (0 | 8, _) => {
            layer.field("Identifier (BE)", at + 4..at + 6, format!("{ident} (0x{ident:04x})"));
            layer.field("Sequence Number (BE)", at + 6..at + 8, format!("{seq} (0x{seq:04x})"));
        }
        (3, 4) => {
            layer.field("Unused", at + 4..at + 6, hex_preview(&h[4..6]));
            layer.field("MTU of next hop", at + 6..at + 8, seq);
        }
        (5, _) => {
            layer.field("Gateway Address", at + 4..at + 8, ipv4_addr(&h[4..8]));
        }
        (12, _) => {
            layer.field("Pointer", at + 4..at + 5, h[4]);
            layer.field("Unused", at + 5..at + 8, hex_preview(&h[5..8]));
        }
        (3 | 4 | 11, _) => {
            layer.field("Unused", at + 4..at + 8, hex_preview(&h[4..8]));
        }
        _ => {
            layer.field("Rest of header", at + 4..at + 8, hex_preview(&h[4..8]));
        }
    }
}

/// RFC 1071 Internet checksum of the concatenated `parts`; every part but
/// the last has even length, so 16-bit words never straddle two parts.
fn internet_checksum(parts: &[&[u8]]) -> u16 {
    let mut sum: u32 = parts
        .iter()
        .flat_map(|part| part.chunks(2))
        .map(|word| u32::from(u16::from_be_bytes([word[0], word.get(1).copied().unwrap_or(0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

fn be16(b: &[u8]) -> u16 {
    u16::from_be_bytes([b[0], b[1]])
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

fn mac(b: &[u8]) -> Mac {
    Mac([b[0], b[1], b[2], b[3], b[4], b[5]])
}

fn ipv4_addr(b: &[u8]) -> Ipv4Addr {
    Ipv4Addr::new(b[0], b[1], b[2], b[3])
}

fn colon_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
}

/// Up to 32 bytes as contiguous hex, with "…" when there are more.
fn hex_preview(bytes: &[u8]) -> String {
    let mut s: String = bytes.iter().take(32).map(|b| format!("{b:02x}")).collect();
    if bytes.len() > 32 {
        s.push('…');
    }
    s
}

fn destination_note(dst: Mac) -> Option<String> {
    if dst.is_broadcast() {
        Some("broadcast: every host on the LAN receives it".into())
    } else if dst.is_multicast() {
        Some("multicast (group bit set): switches flood it".into())
    } else {
        None
    }
}

fn ethertype_name(ethertype: u16) -> String {
    let name = match ethertype {
        ETHERTYPE_IPV4 => "IPv4",
        ETHERTYPE_ARP => "ARP",
        0x86dd => "IPv6",
        0x8100 => "802.1Q Virtual LAN",
        _ => return format!("0x{ethertype:04x}"),
    };
    format!("{name} (0x{ethertype:04x})")
}

fn arp_opcode_name(op: u16) -> String {
    match op {
        1 => "request (1)".into(),
        2 => "reply (2)".into(),
        _ => format!("unknown ({op})"),
    }
}

/// RFC 2474/2597/3246 code point names, as Wireshark shows them.
fn dscp_name(dscp: u8) -> String {
    match dscp {
        46 => "EF".into(),
        d if d.is_multiple_of(8) => format!("CS{}", d / 8),
        d if (1..=4).contains(&(d >> 3)) && matches!(d & 7, 2 | 4 | 6) => {
            format!("AF{}{}", d >> 3, (d & 7) / 2)
        }
        d => d.to_string(),
    }
}

fn ecn_name(ecn: u8) -> &'static str {
    ["Not-ECT", "ECT(1)", "ECT(0)", "CE"][usize::from(ecn & 3)]
}

/// The three IPv4 flag bits, e.g. "0x2, Don't fragment".
fn ipv4_flags(flags: u8) -> String {
    let names = [(4, "Reserved bit"), (2, "Don't fragment"), (1, "More fragments")];
    let mut text = format!("0x{flags:x}");
    for (_, name) in names.iter().filter(|(bit, _)| flags & bit != 0) {
        text.push_str(", ");
        text.push_str(name);
    }
    text
}

fn ip_protocol_name(protocol: u8) -> String {
    let name = match protocol {
        IP_PROTOCOL_ICMP => "ICMP",
        2 => "IGMP",
        IP_PROTOCOL_TCP => "TCP",
        IP_PROTOCOL_UDP => "UDP",
        47 => "GRE",
        50 => "ESP",
        112 => "VRRP",
        _ => return protocol.to_string(),
    };
    format!("{name} ({protocol})")
}

/// Flag names as Wireshark writes them inside brackets; `<None>` for none.
fn tcp_flag_names(flags: u16) -> String {
    let mut names = TcpFlags(flags as u8).to_string();
    for (bit, name) in [(0x100, "AE"), (0xe00, "Reserved")] {
        if flags & bit != 0 {
            if !names.is_empty() {
                names.push_str(", ");
            }
            names.push_str(name);
        }
    }
    if names.is_empty() { "<None>".into() } else { names }
}

fn icmp_type_name(icmp_type: u8) -> &'static str {
    match icmp_type {
        0 => "Echo (ping) reply",
        3 => "Destination unreachable",
        4 => "Source quench (flow control)",
        5 => "Redirect",
        8 => "Echo (ping) request",
        11 => "Time-to-live exceeded",
        12 => "Parameter problem",
        _ => "Unknown ICMP (obsolete or malformed?)",
    }
}

fn icmp_code_name(icmp_type: u8, code: u8) -> Option<&'static str> {
    const UNREACHABLE: [&str; 16] = [
        "Network unreachable",
        "Host unreachable",
        "Protocol unreachable",
        "Port unreachable",
        "Fragmentation needed",
        "Source route failed",
        "Destination network unknown",
        "Destination host unknown",
        "Source host isolated",
        "Network administratively prohibited",
        "Host administratively prohibited",
        "Network unreachable for TOS",
        "Host unreachable for TOS",
        "Communication administratively filtered",
        "Host precedence violation",
        "Precedence cutoff in effect",
    ];
    const TIME_EXCEEDED: [&str; 2] = ["Time to live exceeded in transit", "Fragment reassembly time exceeded"];
    const REDIRECT: [&str; 4] =
        ["Redirect for network", "Redirect for host", "Redirect for TOS and network", "Redirect for TOS and host"];
    let names: &[&str] = match icmp_type {
        3 => &UNREACHABLE,
        5 => &REDIRECT,
        11 => &TIME_EXCEEDED,
        _ => &[],
    };
    names.get(usize::from(code)).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::ip::{self, TcpSegment};
    use crate::wire::{Arp, ArpOperation, Parsed, arp, testdata};

    /// Every frame of the scapy test data, each well-formed.
    fn frames() -> impl Iterator<Item = &'static [u8]> {
        let linux_syn: &'static [u8] = &testdata::TCP_SYN_LINUX_OPTIONS;
        testdata::ARP_FRAMES.into_iter().chain([linux_syn]).chain(testdata::IPV4_FRAMES)
    }

    fn frame(bytes: &[u8]) -> Frame {
        Frame::from_vec(bytes.to_vec())
    }

    fn layer_names(bytes: &[u8]) -> Vec<String> {
        dissect(&frame(bytes)).layers.into_iter().map(|l| l.name).collect()
    }

    fn find<'d>(d: &'d Dissection, layer: &str, field: &str) -> &'d Field {
        let layer = d.layers.iter().find(|l| l.name == layer).unwrap_or_else(|| panic!("no layer {layer}: {d:#?}"));
        layer.fields.iter().find(|f| f.name == field).unwrap_or_else(|| panic!("no field {field}: {layer:#?}"))
    }

    /// Layers follow each other from byte 0 without gaps or overlap, end
    /// inside the frame, and a Malformed layer can only come last; every
    /// field lies inside the frame, at or after its layer's start.
    fn assert_well_shaped(bytes: &[u8]) {
        let d = dissect(&frame(bytes));
        let mut at = 0;
        for (i, layer) in d.layers.iter().enumerate() {
            assert_eq!(layer.range.start, at, "layer {} of {bytes:02x?}", layer.name);
            assert!(layer.range.start <= layer.range.end && layer.range.end <= bytes.len(), "{layer:?}");
            assert!(layer.name != "Malformed Packet" || i == d.layers.len() - 1, "{d:#?}");
            for field in &layer.fields {
                let r = &field.range;
                assert!(
                    r.start >= layer.range.start && r.start <= r.end && r.end <= bytes.len(),
                    "{field:?} in {layer:?}"
                );
            }
            at = layer.range.end;
        }
        assert!(!summary(&frame(bytes)).is_empty());
    }

    #[test]
    fn arp_request_fields_with_their_byte_ranges() {
        let d = dissect(&frame(&testdata::ARP_REQUEST));
        assert_eq!(layer_names(&testdata::ARP_REQUEST), ["Ethernet II", "Address Resolution Protocol (request)"]);
        assert_eq!(d.layers[0].summary, "Src: 02:00:0a:00:01:01, Dst: ff:ff:ff:ff:ff:ff");
        let fields: Vec<(&str, &str, Range<usize>)> =
            d.layers[1].fields.iter().map(|f| (f.name.as_str(), f.value.as_str(), f.range.clone())).collect();
        assert_eq!(
            fields,
            [
                ("Hardware type", "Ethernet (1)", 14..16),
                ("Protocol type", "IPv4 (0x0800)", 16..18),
                ("Hardware size", "6", 18..19),
                ("Protocol size", "4", 19..20),
                ("Opcode", "request (1)", 20..22),
                ("Sender MAC address", "02:00:0a:00:01:01", 22..28),
                ("Sender IP address", "10.0.1.1", 28..32),
                ("Target MAC address", "00:00:00:00:00:00", 32..38),
                ("Target IP address", "10.0.1.200", 38..42),
            ]
        );
        assert_eq!(find(&d, "Ethernet II", "Type").value, "ARP (0x0806)");
        assert_eq!(
            find(&d, "Ethernet II", "Destination").note.as_deref(),
            Some("broadcast: every host on the LAN receives it")
        );
    }

    #[test]
    fn protocol_and_info_columns_read_like_wireshark() {
        let cases: [(&[u8], &str, &str); 19] = [
            (&testdata::ARP_REQUEST, "ARP", "Who has 10.0.1.200? Tell 10.0.1.1"),
            (&testdata::ARP_REPLY, "ARP", "10.0.1.200 is at 02:00:0a:00:01:14"),
            (&testdata::GARP_REQUEST_ZERO, "ARP", "ARP Announcement for 10.0.1.200"),
            (&testdata::GARP_REQUEST_BROADCAST, "ARP", "Gratuitous ARP for 10.0.1.200 (Request)"),
            (&testdata::GARP_REPLY_BROADCAST, "ARP", "Gratuitous ARP for 10.0.1.200 (Reply)"),
            (&testdata::GARP_REPLY_SELF, "ARP", "Gratuitous ARP for 10.0.1.200 (Reply)"),
            (&testdata::TCP_SYN, "TCP", "51234 → 80 [SYN] Seq=1000000 Win=64240 Len=0 MSS=1460"),
            (
                &testdata::TCP_SYN_ACK,
                "TCP",
                "80 → 51234 [SYN, ACK] Seq=3000000000 Ack=1000001 Win=65160 Len=0 MSS=1460",
            ),
            (
                &testdata::TCP_SYN_LINUX_OPTIONS,
                "TCP",
                "51236 → 80 [SYN] Seq=1000000 Win=64240 Len=0 MSS=1460 SACK_PERM TSval=1 TSecr=0 WS=128",
            ),
            (&testdata::HTTP_GET, "HTTP", "GET /clientip HTTP/1.1"),
            (&testdata::HTTP_GET_DNAT, "HTTP", "GET /clientip HTTP/1.1"),
            (&testdata::HTTP_GET_FORWARDED, "HTTP", "GET /clientip HTTP/1.1"),
            (&testdata::HTTP_200, "HTTP", "HTTP/1.1 200 OK  (text/plain)"),
            (&testdata::UDP_DNS, "UDP", "40000 → 53 Len=5"),
            (&testdata::UDP_DNS_DNAT, "UDP", "40000 → 5353 Len=5"),
            (&testdata::ICMP_PORT_UNREACHABLE_TCP, "ICMP", "Destination unreachable (Port unreachable)"),
            (&testdata::ICMP_PORT_UNREACHABLE_UDP, "ICMP", "Destination unreachable (Port unreachable)"),
            (&testdata::ICMP_ECHO_REQUEST, "ICMP", "Echo (ping) request  id=0x1234, seq=1/256, ttl=64"),
            (&testdata::ICMP_ECHO_REPLY, "ICMP", "Echo (ping) reply    id=0x1234, seq=1/256, ttl=64"),
        ];
        for (bytes, protocol_column, info) in cases {
            let f = frame(bytes);
            assert_eq!((protocol(&f), summary(&f).as_str()), (protocol_column, info));
        }
    }

    #[test]
    fn arp_probe_is_named_like_wireshark() {
        let probe = Arp {
            op: ArpOperation::Request,
            sender_mac: testdata::NODE_MAC,
            sender_ip: Ipv4Addr::UNSPECIFIED,
            target_mac: Mac::ZERO,
            target_ip: testdata::VIP,
        };
        let probe = arp::frame(Mac::BROADCAST, probe);
        assert_eq!(summary(&probe), "Who has 10.0.1.200? (ARP Probe)");
        let d = dissect(&probe);
        assert_eq!(d.layers[1].name, "Address Resolution Protocol (ARP Probe)");
        assert!(find(&d, &d.layers[1].name, "Sender IP address").note.is_some());
    }

    #[test]
    fn gratuitous_arp_notes_say_what_linux_makes_of_them() {
        let garp_note = |bytes: &[u8], field: &str| {
            let d = dissect(&frame(bytes));
            find(&d, &d.layers[1].name, field).note.clone()
        };
        for bytes in [&testdata::GARP_REQUEST_ZERO, &testdata::GARP_REPLY_BROADCAST, &testdata::GARP_REPLY_SELF] {
            assert_eq!(garp_note(bytes, "Target IP address").as_deref(), Some("gratuitous: sender IP = target IP"));
        }
        assert_eq!(garp_note(&testdata::ARP_REQUEST, "Target IP address"), None);
        let reply_note = garp_note(&testdata::GARP_REPLY_BROADCAST, "Target MAC address").unwrap();
        assert!(reply_note.contains("arp_is_garp"), "{reply_note}");
        assert_eq!(garp_note(&testdata::GARP_REPLY_SELF, "Target MAC address"), None);
        assert_eq!(garp_note(&testdata::GARP_REQUEST_BROADCAST, "Target MAC address"), None);
    }

    #[test]
    fn ipv4_and_tcp_fields_with_their_byte_ranges() {
        let d = dissect(&frame(&testdata::TCP_SYN_LINUX_OPTIONS));
        let ip = "Internet Protocol Version 4";
        let tcp = "Transmission Control Protocol";
        let expect = |layer: &str, field: &str, value: &str, range: Range<usize>| {
            let f = find(&d, layer, field);
            assert_eq!((f.value.as_str(), f.range.clone()), (value, range), "{layer} / {field}");
        };
        expect(ip, "Version", "4", 14..15);
        expect(ip, "Header Length", "20 bytes (5)", 14..15);
        expect(ip, "Differentiated Services Field", "0x00 (DSCP: CS0, ECN: Not-ECT)", 15..16);
        expect(ip, "Total Length", "60", 16..18);
        expect(ip, "Identification", "0x1c4a (7242)", 18..20);
        expect(ip, "Flags", "0x2, Don't fragment", 20..21);
        expect(ip, "Fragment Offset", "0", 20..22);
        expect(ip, "Time to Live", "64", 22..23);
        expect(ip, "Protocol", "TCP (6)", 23..24);
        expect(ip, "Header Checksum", "0x07aa [correct]", 24..26);
        expect(ip, "Source Address", "10.0.1.1", 26..30);
        expect(ip, "Destination Address", "10.0.1.200", 30..34);
        expect(tcp, "Source Port", "51236", 34..36);
        expect(tcp, "Destination Port", "80", 36..38);
        expect(tcp, "Sequence Number (raw)", "1000000", 38..42);
        expect(tcp, "Acknowledgment Number (raw)", "0", 42..46);
        expect(tcp, "Header Length", "40 bytes (10)", 46..47);
        expect(tcp, "Flags", "0x002 (SYN)", 46..48);
        expect(tcp, "Window", "64240", 48..50);
        expect(tcp, "Checksum", "0x2b82 [correct]", 50..52);
        expect(tcp, "Urgent Pointer", "0", 52..54);
        expect(tcp, "TCP Segment Len", "0", 74..74);
        let options: Vec<(&str, Range<usize>)> = d.layers[2]
            .fields
            .iter()
            .filter(|f| f.name == "Option")
            .map(|f| (f.value.as_str(), f.range.clone()))
            .collect();
        assert_eq!(
            options,
            [
                ("Maximum segment size: 1460 bytes", 54..58),
                ("SACK permitted", 58..60),
                ("Timestamps: TSval 1, TSecr 0", 60..70),
                ("No-Operation (NOP)", 70..71),
                ("Window scale: 7 (multiply by 128)", 71..74),
            ]
        );
        assert_eq!(d.layers[2].summary, "Src Port: 51236, Dst Port: 80, Seq: 1000000, Len: 0");
    }

    #[test]
    fn wrong_checksums_are_flagged_with_the_right_value() {
        let mut bytes = testdata::HTTP_GET;
        bytes[22] = 1; // TTL 64 -> 1 without fixing the header checksum
        *bytes.last_mut().unwrap() = b'!'; // payload changed under the TCP checksum
        let d = dissect(&frame(&bytes));
        let ip = find(&d, "Internet Protocol Version 4", "Header Checksum");
        assert_eq!(ip.value, "0x0843 [incorrect, should be 0x4743]");
        assert!(ip.note.is_some());
        let tcp = find(&d, "Transmission Control Protocol", "Checksum");
        // Both expected values recomputed with scapy from the changed bytes.
        assert_eq!(tcp.value, "0xdcf9 [incorrect, should be 0xc5f9]");

        let mut no_udp_checksum = testdata::UDP_DNS;
        no_udp_checksum[40..42].fill(0);
        let d = dissect(&frame(&no_udp_checksum));
        assert_eq!(find(&d, "User Datagram Protocol", "Checksum").value, "0x0000 [zero-value ignored]");
    }

    #[test]
    fn http_request_and_response_lines_and_headers() {
        let d = dissect(&frame(&testdata::HTTP_GET));
        assert_eq!(layer_names(&testdata::HTTP_GET)[3], "Hypertext Transfer Protocol");
        let http: Vec<(&str, &str, Range<usize>)> =
            d.layers[3].fields.iter().map(|f| (f.name.as_str(), f.value.as_str(), f.range.clone())).collect();
        assert_eq!(
            http,
            [
                ("Request Line", "GET /clientip HTTP/1.1", 54..78),
                ("Request Method", "GET", 54..57),
                ("Request URI", "/clientip", 58..67),
                ("Request Version", "HTTP/1.1", 68..76),
                ("Host", "10.0.1.21:31888", 78..101),
            ]
        );

        let d = dissect(&frame(&testdata::HTTP_200));
        let http = "Hypertext Transfer Protocol";
        assert_eq!(find(&d, http, "Status Code").value, "200");
        assert_eq!(find(&d, http, "Response Phrase").value, "OK");
        assert_eq!(find(&d, http, "Content-Type").value, "text/plain; charset=utf-8");
        let body = find(&d, http, "File Data");
        assert_eq!((body.value.as_str(), body.range.clone()), ("15 bytes: \"10.0.1.21:51234\"", 134..149));
    }

    #[test]
    fn http_headers_cut_by_a_segment_boundary_or_without_colon() {
        let segment = TcpSegment {
            src: testdata::ROUTER_IP,
            dst: testdata::NODE2_IP,
            src_port: 51234,
            dst_port: 31888,
            seq: 1,
            ack: 1,
            flags: TcpFlags::PSH_ACK,
            window: 502,
            mss: None,
            payload: b"GET / HTTP/1.1\r\nno-colon\r\nHost: 10.0",
        };
        let f = ip::tcp_frame(Mac::BROADCAST, Mac::ZERO, 1, &segment);
        let d = dissect(&f);
        let http = "Hypertext Transfer Protocol";
        let bad = find(&d, http, "Header");
        assert_eq!((bad.value.as_str(), bad.range.clone()), ("no-colon", 70..80));
        assert!(bad.note.is_some());
        let rest = find(&d, http, "Unfinished line");
        assert_eq!((rest.value.as_str(), rest.range.clone()), ("\"Host: 10.0\"", 80..90));
        assert_eq!(summary(&f), "GET / HTTP/1.1");
    }

    #[test]
    fn icmp_errors_show_the_quoted_packet_as_layers_of_its_own() {
        assert_eq!(
            layer_names(&testdata::ICMP_PORT_UNREACHABLE_TCP),
            [
                "Ethernet II",
                "Internet Protocol Version 4",
                "Internet Control Message Protocol",
                "Internet Protocol Version 4 (quoted)",
                "Transmission Control Protocol (quoted)",
            ]
        );
        let d = dissect(&frame(&testdata::ICMP_PORT_UNREACHABLE_UDP));
        assert_eq!(
            find(&d, "Internet Protocol Version 4", "Differentiated Services Field").value,
            "0xc0 (DSCP: CS6, ECN: Not-ECT)"
        );
        assert_eq!(find(&d, "Internet Control Message Protocol", "Code").value, "3 (Port unreachable)");
        assert_eq!(find(&d, "Internet Protocol Version 4 (quoted)", "Identification").value, "0x1c49 (7241)");
        let quoted_port = find(&d, "User Datagram Protocol (quoted)", "Destination Port");
        assert_eq!((quoted_port.value.as_str(), quoted_port.range.clone()), ("53", 64..66));
    }

    #[test]
    fn an_rfc_792_quote_of_8_bytes_is_not_malformed() {
        let mut bytes = testdata::ICMP_PORT_UNREACHABLE_TCP[..70].to_vec();
        bytes[16..18].copy_from_slice(&56u16.to_be_bytes()); // outer IPv4 total length
        bytes[24..26].copy_from_slice(&0x5e6bu16.to_be_bytes()); // and its checksum
        let d = dissect(&frame(&bytes));
        assert_eq!(summary(&frame(&bytes)), "Destination unreachable (Port unreachable)");
        let tcp = d.layers.last().unwrap();
        assert_eq!((tcp.name.as_str(), tcp.range.clone()), ("Transmission Control Protocol (quoted)", 62..70));
        let fields: Vec<&str> = tcp.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(fields, ["Source Port", "Destination Port", "Sequence Number (raw)"]);
        assert_eq!(find(&d, "Internet Protocol Version 4", "Header Checksum").value, "0x5e6b [correct]");
    }

    #[test]
    fn truncated_frames_end_in_a_malformed_layer() {
        let cut_tcp = frame(&testdata::TCP_SYN[..40]);
        assert_eq!(layer_names(cut_tcp.bytes()), ["Ethernet II", "Internet Protocol Version 4", "Malformed Packet"]);
        let d = dissect(&cut_tcp);
        assert_eq!(
            find(&d, "Malformed Packet", "Malformed").value,
            "IPv4 total length 44 exceeds the 26 bytes present"
        );
        assert_eq!(d.layers[2].range, 34..40);
        assert_eq!(
            (protocol(&cut_tcp), summary(&cut_tcp).as_str()),
            ("IPv4", "Ethertype IPv4 (0x0800) [Malformed Packet]")
        );

        let cut_arp = frame(&testdata::ARP_REQUEST[..30]);
        let d = dissect(&cut_arp);
        let arp_fields: Vec<&str> = d.layers[1].fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(arp_fields[arp_fields.len() - 1], "Sender MAC address", "fields past byte 30 are left out");
        assert_eq!(find(&d, "Malformed Packet", "Malformed").value, "ARP message truncated: 16 of 28 bytes");
        assert_eq!(protocol(&cut_arp), "ARP");

        let empty = frame(&[]);
        assert_eq!(layer_names(&[]), ["Ethernet II", "Malformed Packet"]);
        assert!(dissect(&empty).layers[0].fields.is_empty());
        assert_eq!((protocol(&empty), summary(&empty).as_str()), ("ETH", "[Malformed Packet]"));
    }

    #[test]
    fn a_bad_tcp_option_is_marked_and_the_rest_still_decodes() {
        let mut bytes = testdata::TCP_SYN_LINUX_OPTIONS;
        bytes[55] = 30; // MSS option claims 30 bytes of a 20-byte option area
        let d = dissect(&frame(&bytes));
        let bad = find(&d, "Transmission Control Protocol", "Malformed");
        assert_eq!((bad.value.as_str(), bad.range.clone()), ("option kind 2 claims 30 bytes", 54..74));
        assert!(summary(&frame(&bytes)).ends_with("Len=0 [Malformed Packet]"));
    }

    #[test]
    fn ethernet_padding_belongs_to_the_ethernet_layer() {
        let mut bytes = testdata::ARP_REQUEST.to_vec();
        bytes.resize(60, 0);
        let d = dissect(&frame(&bytes));
        let padding = find(&d, "Ethernet II", "Padding");
        assert_eq!((padding.value.as_str(), padding.range.clone()), ("000000000000000000000000000000000000", 42..60));
        assert_eq!(d.layers.last().unwrap().range.end, 42);
        assert_eq!(summary(&frame(&bytes)), "Who has 10.0.1.200? Tell 10.0.1.1");
    }

    #[test]
    fn other_ethertypes_are_shown_as_data() {
        let mut bytes = testdata::TCP_SYN;
        bytes[12..14].copy_from_slice(&[0x86, 0xdd]);
        let f = frame(&bytes);
        assert_eq!(layer_names(&bytes), ["Ethernet II", "Data"]);
        assert_eq!((protocol(&f), summary(&f).as_str()), ("ETH", "Ethertype IPv6 (0x86dd)"));
    }

    #[test]
    fn hex_dump_rows_match_wiresharks_bytes_pane() {
        assert_eq!(
            hex_dump(&frame(&testdata::ARP_REQUEST)),
            [
                "0000  ff ff ff ff ff ff 02 00  0a 00 01 01 08 06 00 01   ........ ........",
                "0010  08 00 06 04 00 01 02 00  0a 00 01 01 0a 00 01 01   ........ ........",
                "0020  00 00 00 00 00 00 0a 00  01 c8                     ........ ..",
            ]
        );
        assert_eq!(
            hex_dump(&frame(&testdata::HTTP_GET))[4],
            "0040  74 69 70 20 48 54 54 50  2f 31 2e 31 0d 0a 48 6f   tip HTTP /1.1..Ho"
        );
        assert!(hex_dump(&frame(&[])).is_empty());
    }

    #[test]
    fn serializes_for_the_browser_and_the_trace() {
        let json = serde_json::to_value(dissect(&frame(&testdata::ARP_REQUEST))).unwrap();
        assert_eq!(
            json["layers"][1]["fields"][4],
            serde_json::json!({ "name": "Opcode", "value": "request (1)", "range": { "start": 20, "end": 22 } })
        );
        let note = &json["layers"][0]["fields"][0]["note"];
        assert_eq!(note, "broadcast: every host on the LAN receives it");
    }

    #[test]
    fn well_formed_frames_are_covered_by_their_layers() {
        for bytes in frames() {
            assert_well_shaped(bytes);
            let d = dissect(&frame(bytes));
            assert_eq!(d.layers.last().unwrap().range.end, bytes.len(), "{d:#?}");
            assert!(d.layers.iter().all(|l| l.name != "Malformed Packet"), "{d:#?}");
            assert!(!summary(&frame(bytes)).contains("Malformed"));
        }
    }

    #[test]
    fn every_truncation_decodes_what_is_there_without_panicking() {
        for bytes in frames() {
            for len in 0..bytes.len() {
                assert_well_shaped(&bytes[..len]);
                let f = frame(&bytes[..len]);
                assert!(summary(&f).ends_with("[Malformed Packet]"), "{len}-byte prefix: {}", summary(&f));
            }
        }
    }

    #[test]
    fn every_single_byte_corruption_decodes_without_panicking() {
        const VALUES: [u8; 10] = [0x00, 0x01, 0x05, 0x0f, 0x10, 0x45, 0x7f, 0x80, 0xfe, 0xff];
        for bytes in frames() {
            for i in 0..bytes.len() {
                for value in VALUES {
                    let mut corrupt = bytes.to_vec();
                    corrupt[i] = value;
                    assert_well_shaped(&corrupt);
                    let _ = Parsed::of(&corrupt);
                }
            }
        }
    }
}
