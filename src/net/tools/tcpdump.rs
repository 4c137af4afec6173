//! `tcpdump -n -i IF [-e] [-c N] [expression]` over a capture window (the
//! console's `timeout N tcpdump ...`, or `-c`). As tcpdump 4.99 does, it
//! writes its banner (`listening on eth0, ...`) to stderr when the capture
//! starts, the packets to stdout, and the closing counts to stderr when it
//! stops. Lines look like tcpdump's: relative TCP sequence numbers,
//! `who-has`/`is-at` for ARP, the target MAC of a gratuitous request in
//! brackets.

use super::{Output, ProcIo, number};
use crate::engine::trace::Dir;
use crate::net::IfIdx;
use crate::time::{Duration, Instant};
use crate::wire::ip::{Icmp, Ipv4, L4, Tcp, TcpFlags};
use crate::wire::{ArpOperation, Frame, Mac, Parsed};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// Capture window when neither `-c` nor `timeout` bounds the capture: the
/// console presses Ctrl-C for the learner then (shown as `^C`, and said in
/// the console's help).
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(10);

/// A capture filter (a subset of pcap-filter(7)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Filter {
    All,
    Arp,
    Ip,
    Tcp,
    Udp,
    Icmp,
    Host(Ipv4Addr),
    Port(u16),
    Ether(Mac),
    Not(Box<Filter>),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
}

impl Filter {
    pub fn parse(words: &[String]) -> Result<Filter, String> {
        if words.is_empty() {
            return Ok(Filter::All);
        }
        let mut pos = 0;
        let f = parse_or(words, &mut pos)?;
        if pos != words.len() {
            return Err(format!("tcpdump: syntax error in filter expression near `{}`", words[pos]));
        }
        Ok(f)
    }

    fn matches(&self, frame: &Frame) -> bool {
        let parsed = frame.parse();
        match self {
            Filter::All => true,
            Filter::Arp => matches!(parsed, Parsed::Arp { .. }),
            Filter::Ip => matches!(parsed, Parsed::Ipv4 { .. }),
            Filter::Tcp => matches!(parsed, Parsed::Ipv4 { packet: Ipv4 { l4: L4::Tcp(_), .. }, .. }),
            Filter::Udp => matches!(parsed, Parsed::Ipv4 { packet: Ipv4 { l4: L4::Udp { .. }, .. }, .. }),
            Filter::Icmp => matches!(parsed, Parsed::Ipv4 { packet: Ipv4 { l4: L4::Icmp(_), .. }, .. }),
            Filter::Host(ip) => match parsed {
                Parsed::Arp { arp, .. } => arp.sender_ip == *ip || arp.target_ip == *ip,
                Parsed::Ipv4 { packet, .. } => packet.src == *ip || packet.dst == *ip,
                Parsed::Other { .. } => false,
            },
            Filter::Port(p) => match parsed {
                Parsed::Ipv4 { packet, .. } => packet.ports().is_some_and(|(s, d)| s == *p || d == *p),
                _ => false,
            },
            Filter::Ether(m) => frame.src() == *m || frame.dst() == *m,
            Filter::Not(f) => !f.matches(frame),
            Filter::And(a, b) => a.matches(frame) && b.matches(frame),
            Filter::Or(a, b) => a.matches(frame) || b.matches(frame),
        }
    }
}

fn parse_or(w: &[String], pos: &mut usize) -> Result<Filter, String> {
    let mut left = parse_and(w, pos)?;
    while *pos < w.len() && (w[*pos] == "or" || w[*pos] == "||") {
        *pos += 1;
        left = Filter::Or(Box::new(left), Box::new(parse_and(w, pos)?));
    }
    Ok(left)
}

fn parse_and(w: &[String], pos: &mut usize) -> Result<Filter, String> {
    let mut left = parse_primitive(w, pos)?;
    while *pos < w.len() && (w[*pos] == "and" || w[*pos] == "&&") {
        *pos += 1;
        left = Filter::And(Box::new(left), Box::new(parse_primitive(w, pos)?));
    }
    Ok(left)
}

fn parse_primitive(w: &[String], pos: &mut usize) -> Result<Filter, String> {
    let word = w.get(*pos).ok_or("tcpdump: syntax error in filter expression: unexpected end")?;
    *pos += 1;
    let arg = |pos: &mut usize| -> Result<String, String> {
        let a = w.get(*pos).cloned().ok_or_else(|| format!("tcpdump: syntax error: `{word}` needs an argument"))?;
        *pos += 1;
        Ok(a)
    };
    Ok(match word.as_str() {
        "not" | "!" => Filter::Not(Box::new(parse_primitive(w, pos)?)),
        "arp" => Filter::Arp,
        "ip" => Filter::Ip,
        "tcp" => Filter::Tcp,
        "udp" => Filter::Udp,
        "icmp" => Filter::Icmp,
        "host" => {
            let a = arg(pos)?;
            Filter::Host(a.parse().map_err(|_| format!("tcpdump: can't parse host `{a}` (use an IPv4 address)"))?)
        }
        "port" => {
            let a = arg(pos)?;
            Filter::Port(a.parse().map_err(|_| format!("tcpdump: illegal port number `{a}`"))?)
        }
        "ether" => {
            let kw = arg(pos)?;
            if kw != "host" {
                return Err("tcpdump: only `ether host MAC` is supported".into());
            }
            Filter::Ether(Mac::parse(&arg(pos)?)?)
        }
        other => {
            return Err(format!(
                "tcpdump: filter primitive `{other}` is not supported in vipsim (arp ip tcp udp icmp host port ether host, and/or/not)"
            ));
        }
    })
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tcpdump {
    pub cmd: String,
    pub started: Instant,
    iface_name: Option<String>,
    iface: IfIdx,
    link_level: bool,
    count: Option<u32>,
    window: Duration,
    /// The capture is bounded by a `timeout N` wrapper (which exits 124).
    timeout: bool,
    filter: Filter,
    /// Per conversation, the numbers relative ones count from (print-tcp.c's
    /// `tcp_seq_hash`): keyed by its endpoints in tcpdump's collating order.
    conversations: BTreeMap<(Ipv4Addr, Ipv4Addr, u32), Origins>,
    captured: u32,
    /// What it wrote to stderr when the capture started.
    banner: String,
    lines: Vec<String>,
    pub output: Option<Output>,
}

/// A conversation's origins: the first-direction (`seq`) and the
/// other direction's (`ack`) initial numbers, as print-tcp.c keeps them.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
struct Origins {
    seq: u32,
    ack: u32,
}

impl Tcpdump {
    /// `window` comes from a `timeout N` wrapper, if any.
    pub fn from_args(cmd: &str, args: &[String], window: Option<Duration>, now: Instant) -> Result<Tcpdump, String> {
        let mut t = Tcpdump {
            cmd: cmd.to_string(),
            started: now,
            iface_name: None,
            iface: 0,
            link_level: false,
            count: None,
            window: window.unwrap_or(DEFAULT_WINDOW),
            timeout: window.is_some(),
            filter: Filter::All,
            conversations: BTreeMap::new(),
            captured: 0,
            banner: String::new(),
            lines: vec![],
            output: None,
        };
        let mut i = 0;
        let mut expr = vec![];
        while i < args.len() {
            let next = args.get(i + 1);
            match args[i].as_str() {
                "-i" => {
                    t.iface_name = Some(next.ok_or("tcpdump: option requires an argument -- 'i'")?.clone());
                    i += 1;
                }
                "-c" => {
                    t.count = Some(number("tcpdump", "-c", next)?);
                    i += 1;
                }
                "-n" | "-nn" | "-l" | "-q" => {}
                "-e" | "-ne" | "-en" | "-nne" => t.link_level = true,
                s if s.starts_with('-') => {
                    return Err(format!("tcpdump: option {s} is not supported in vipsim (supported: -i -n -e -c)"));
                }
                _ => expr.push(args[i].clone()),
            }
            i += 1;
        }
        t.filter = Filter::parse(&expr)?;
        Ok(t)
    }

    pub fn start(&mut self, io: &mut ProcIo) {
        let name = self
            .iface_name
            .clone()
            .unwrap_or_else(|| io.host.ifaces.first().map(|i| i.name.to_string()).unwrap_or_default());
        match io.host.ifaces.iter().position(|i| *i.name == *name) {
            Some(i) => self.iface = i,
            None => {
                self.output = Some(Output {
                    stdout: String::new(),
                    stderr: format!("tcpdump: {name}: No such device exists\n"),
                    exit: 1,
                });
                return;
            }
        }
        // tcpdump.c (4.99) main(): a live capture without -v announces
        // itself on stderr before the first packet.
        self.banner = format!(
            "tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\n\
             listening on {name}, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n"
        );
        self.iface_name = Some(name);
    }

    /// The length of the banner, which a terminal shows before the packets.
    pub fn banner_len(&self) -> usize {
        self.banner.len()
    }

    pub fn deadline(&self) -> Option<Instant> {
        self.output.is_none().then_some(self.started + self.window)
    }

    pub fn on_timer(&mut self, io: &mut ProcIo) {
        if io.now() >= self.started + self.window {
            self.finish(true);
        }
    }

    pub fn on_frame(&mut self, iface: IfIdx, frame: &Frame, _dir: Dir, io: &mut ProcIo) {
        if iface != self.iface || self.output.is_some() || !self.filter.matches(frame) {
            return;
        }
        let t = io.now();
        let secs = t.as_secs();
        let stamp = format!(
            "{:02}:{:02}:{:02}.{:06}",
            secs / 3600,
            (secs / 60) % 60,
            secs % 60,
            (t.as_nanos() / 1000) % 1_000_000
        );
        let body = self.describe(frame);
        let line = if self.link_level {
            let (ethertype, name) = match frame.parse() {
                Parsed::Arp { .. } => ("0x0806", "ARP"),
                Parsed::Ipv4 { .. } => ("0x0800", "IPv4"),
                Parsed::Other { .. } => ("0x0000", "Unknown"),
            };
            let body = body.strip_prefix("ARP, ").or(body.strip_prefix("IP ")).unwrap_or(&body).to_string();
            format!(
                "{stamp} {} > {}, ethertype {name} ({ethertype}), length {}: {body}",
                frame.src(),
                frame.dst(),
                frame.len()
            )
        } else {
            format!("{stamp} {body}")
        };
        self.lines.push(line);
        self.captured += 1;
        if self.count.is_some_and(|c| self.captured >= c) {
            self.finish(false);
        }
    }

    fn describe(&mut self, frame: &Frame) -> String {
        match frame.parse() {
            Parsed::Arp { arp, .. } => match arp.op {
                ArpOperation::Request => {
                    let tha =
                        if arp.target_mac == Mac::ZERO { String::new() } else { format!(" ({})", arp.target_mac) };
                    format!("ARP, Request who-has {}{tha} tell {}, length 28", arp.target_ip, arp.sender_ip)
                }
                ArpOperation::Reply => format!("ARP, Reply {} is-at {}, length 28", arp.sender_ip, arp.sender_mac),
                ArpOperation::Unknown(op) => format!("ARP, Unknown ({op}), length 28"),
            },
            Parsed::Ipv4 { packet, .. } => self.describe_ip(&packet),
            Parsed::Other { ethertype, .. } => format!("ethertype Unknown (0x{ethertype:04x}), length {}", frame.len()),
        }
    }

    /// The sequence and acknowledgement numbers as tcpdump prints them
    /// without `-S` (print-tcp.c, 4.99): a packet without ACK shows its own
    /// numbers; the first one with ACK of a conversation (or any SYN-ACK)
    /// shows them too and sets the origins; later ones count from those.
    fn relative(&mut self, p: &Ipv4, t: &Tcp) -> (u32, u32) {
        if !t.flags.has(TcpFlags::ACK) {
            return (t.seq, t.ack);
        }
        // One entry for both directions, in tcpdump's collating order.
        let rev = t.src_port > t.dst_port || (t.src_port == t.dst_port && p.src > p.dst);
        let key = if rev {
            (p.dst, p.src, (t.dst_port as u32) << 16 | t.src_port as u32)
        } else {
            (p.src, p.dst, (t.src_port as u32) << 16 | t.dst_port as u32)
        };
        match self.conversations.get(&key) {
            Some(o) if !t.flags.has(TcpFlags::SYN) => {
                if rev {
                    (t.seq.wrapping_sub(o.ack), t.ack.wrapping_sub(o.seq))
                } else {
                    (t.seq.wrapping_sub(o.seq), t.ack.wrapping_sub(o.ack))
                }
            }
            _ => {
                let o = if rev {
                    Origins { ack: t.seq, seq: t.ack.wrapping_sub(1) }
                } else {
                    Origins { seq: t.seq, ack: t.ack.wrapping_sub(1) }
                };
                self.conversations.insert(key, o);
                (t.seq, t.ack)
            }
        }
    }

    fn describe_ip(&mut self, p: &Ipv4) -> String {
        match p.l4 {
            L4::Tcp(t) => {
                let (seq, ack) = self.relative(p, &t);
                let flags = tcp_flags(t.flags);
                let mut s = format!("IP {}.{} > {}.{}: Flags [{flags}]", p.src, t.src_port, p.dst, t.dst_port);
                let len = t.payload.len() as u32;
                let is_syn = t.flags.has(TcpFlags::SYN);
                if len > 0 {
                    s.push_str(&format!(", seq {}:{}", seq, seq.wrapping_add(len)));
                } else if is_syn || t.flags.has(TcpFlags::FIN) || t.flags.has(TcpFlags::RST) {
                    s.push_str(&format!(", seq {seq}"));
                }
                if t.flags.has(TcpFlags::ACK) {
                    s.push_str(&format!(", ack {ack}"));
                }
                s.push_str(&format!(", win {}", t.window));
                if is_syn {
                    s.push_str(", options [mss 1460]");
                }
                s.push_str(&format!(", length {len}"));
                // tcpdump decodes HTTP only on its well-known ports
                // (`HTTP_PORT` 80 and `HTTP_PORT_ALT` 8080 in print-tcp.c, 4.99).
                let http = [t.src_port, t.dst_port].iter().any(|p| *p == 80 || *p == 8080);
                if let Some(first) = t.payload.split(|b| *b == b'\r').next().filter(|_| len > 0 && http) {
                    let line = String::from_utf8_lossy(first);
                    if line.starts_with("GET ") || line.starts_with("HTTP/") || line.starts_with("POST ") {
                        s.push_str(&format!(": HTTP: {line}"));
                    } else {
                        s.push_str(": HTTP");
                    }
                }
                s
            }
            L4::Udp { src_port, dst_port, payload } => {
                format!("IP {}.{src_port} > {}.{dst_port}: UDP, length {}", p.src, p.dst, payload.len())
            }
            L4::Icmp(icmp) => {
                let what = match icmp {
                    Icmp::EchoRequest { ident, seq } => format!("ICMP echo request, id {ident}, seq {seq}, length 64"),
                    Icmp::EchoReply { ident, seq } => format!("ICMP echo reply, id {ident}, seq {seq}, length 64"),
                    Icmp::Unreachable { code, quoted } => {
                        let len = 8 + quoted.len();
                        let dst =
                            (quoted.len() >= 20).then(|| Ipv4Addr::new(quoted[16], quoted[17], quoted[18], quoted[19]));
                        let dst = dst.map(|d| d.to_string()).unwrap_or_default();
                        match code {
                            3 if quoted.len() >= 24 => {
                                let proto = if quoted[9] == 6 { "tcp" } else { "udp" };
                                let port = u16::from_be_bytes([quoted[22], quoted[23]]);
                                format!("ICMP {dst} {proto} port {port} unreachable, length {len}")
                            }
                            // tcpdump 4.99 print-icmp.c (`unreach2str` and the protocol case).
                            0 => format!("ICMP net {dst} unreachable, length {len}"),
                            1 => format!("ICMP host {dst} unreachable, length {len}"),
                            2 if quoted.len() >= 20 => {
                                format!("ICMP {dst} protocol {} unreachable, length {len}", quoted[9])
                            }
                            _ => format!("ICMP {dst} unreachable - code {code}, length {len}"),
                        }
                    }
                    Icmp::Other { msg_type, code } => format!("ICMP type {msg_type} code {code}"),
                };
                format!("IP {} > {}: {what}", p.src, p.dst)
            }
            L4::Other(proto) => format!("IP {} > {}: ip-proto-{proto}", p.src, p.dst),
        }
    }

    /// The capture ends: `-c` reached (`interrupted` false), or the window
    /// ran out (`timeout`'s SIGTERM). tcpdump.c (4.99): an interrupted
    /// pcap_loop prints one more newline to stdout "just in case", then
    /// info(1) writes the counts to stderr, "packet" singular for 1
    /// (PLURAL_SUFFIX).
    /// Ends the capture. `interrupted`: the window ran out, which is a
    /// `timeout N` wrapper's SIGTERM or, without one, the Ctrl-C the
    /// console presses for the learner after [`DEFAULT_WINDOW`].
    fn finish(&mut self, interrupted: bool) {
        let mut stdout: String = self.lines.iter().map(|l| format!("{l}\n")).collect();
        // The terminal echoes the learner's Ctrl-C as `^C`; tcpdump's
        // cleanup() then ends that line with its own newline.
        if interrupted && !self.timeout {
            stdout.push_str("^C");
        }
        if interrupted {
            stdout.push('\n');
        }
        let packets = |n: u32| format!("{n} packet{}", if n == 1 { "" } else { "s" });
        let n = self.captured;
        let stderr = format!(
            "{}{} captured\n{} received by filter\n{} dropped by kernel\n",
            self.banner,
            packets(n),
            packets(n),
            packets(0)
        );
        // An interrupted pcap_loop returns -2, and tcpdump.c (4.99) main()
        // exits S_SUCCESS for anything but -1: Ctrl-C ends it with 0.
        // `timeout` exits 124 itself when it had to stop the command.
        let exit = if interrupted && self.timeout { 124 } else { 0 };
        self.output = Some(Output { stdout, stderr, exit });
    }
}

/// tcpdump's flag letters: S F R P U, then `.` for ACK.
fn tcp_flags(f: TcpFlags) -> String {
    let mut s = String::new();
    for (bit, c) in [(TcpFlags::SYN, 'S'), (TcpFlags::FIN, 'F'), (TcpFlags::RST, 'R'), (TcpFlags::PSH, 'P')] {
        if f.has(bit) {
            s.push(c);
        }
    }
    if f.has(TcpFlags::ACK) {
        s.push('.');
    }
    if s.is_empty() {
        s.push_str("none");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::arp;
    use crate::wire::ip::{self, TcpSegment};

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn filters_parse_and_match() {
        let f = Filter::parse(&words("arp and host 192.0.2.10")).unwrap();
        let garp =
            arp::gratuitous(arp::GarpKind::RequestBroadcast, Mac([2, 0, 0, 0, 0, 1]), "192.0.2.10".parse().unwrap());
        assert!(f.matches(&garp));
        assert!(!Filter::parse(&words("tcp")).unwrap().matches(&garp));
        assert!(Filter::parse(&words("not tcp")).unwrap().matches(&garp));
        assert!(Filter::parse(&words("vlan 5")).unwrap_err().contains("not supported"));
        assert!(Filter::parse(&words("host")).is_err());
        assert!(Filter::parse(&words("arp arp")).is_err());
    }

    #[test]
    fn arp_lines_like_tcpdump() {
        let mut t = Tcpdump::from_args("tcpdump", &words("-n -i eth0"), None, Instant::ZERO).unwrap();
        let vip: Ipv4Addr = "192.0.2.10".parse().unwrap();
        let mac = Mac([2, 0, 0, 0, 0, 0x14]);
        assert_eq!(
            t.describe(&arp::gratuitous(arp::GarpKind::RequestBroadcast, mac, vip)),
            "ARP, Request who-has 192.0.2.10 (ff:ff:ff:ff:ff:ff) tell 192.0.2.10, length 28"
        );
        assert_eq!(
            t.describe(&arp::request(mac, "10.0.1.1".parse().unwrap(), vip, None)),
            "ARP, Request who-has 192.0.2.10 tell 10.0.1.1, length 28"
        );
        assert_eq!(
            t.describe(&arp::reply(mac, vip, Mac([2, 0, 0, 0, 0, 1]), "10.0.1.1".parse().unwrap())),
            "ARP, Reply 192.0.2.10 is-at 02:00:00:00:00:14, length 28"
        );
        assert_eq!(tcp_flags(TcpFlags::SYN_ACK), "S.");
        assert_eq!(tcp_flags(TcpFlags::FIN_ACK | TcpFlags::PSH), "FP.");
    }

    /// tcpdump 4.99's numbers without `-S` (print-tcp.c): a SYN shows its
    /// own; the first packet of a conversation with ACK, here the SYN-ACK,
    /// shows both its own and sets the origins, so only later packets read
    /// `ack 1`, `seq 1:17`. A refusal's RST-ACK is such a first packet:
    /// `seq 0` and the SYN's number plus one. HTTP is decoded on ports 80
    /// and 8080 only (`HTTP_PORT`, `HTTP_PORT_ALT`).
    #[test]
    fn tcp_numbers_and_http_like_tcpdump() {
        let mut t = Tcpdump::from_args("tcpdump", &words("-n -i eth0"), None, Instant::ZERO).unwrap();
        let (client, server): (Ipv4Addr, Ipv4Addr) = ("10.0.0.5".parse().unwrap(), "10.0.0.9".parse().unwrap());
        let mut line = |from_client: bool, port: u16, seq: u32, ack: u32, flags: TcpFlags, payload: &[u8]| {
            let (src, dst, src_port, dst_port) =
                if from_client { (client, server, 40000, port) } else { (server, client, port, 40000) };
            let window = if flags.has(TcpFlags::RST) { 0 } else { 64240 };
            let mss = flags.has(TcpFlags::SYN).then_some(1460);
            let seg = TcpSegment { src, dst, src_port, dst_port, seq, ack, flags, window, mss, payload };
            t.describe(&ip::tcp_frame(Mac::ZERO, Mac::ZERO, 1, &seg))
        };
        let get = b"GET / HTTP/1.1\r\n";
        assert_eq!(
            [
                line(true, 80, 1000, 0, TcpFlags::SYN, b""),
                line(false, 80, 5000, 1001, TcpFlags::SYN_ACK, b""),
                line(true, 80, 1001, 5001, TcpFlags::ACK, b""),
                line(true, 80, 1001, 5001, TcpFlags::PSH_ACK, get),
                line(true, 30080, 7000, 0, TcpFlags::SYN, b""),
                line(false, 30080, 0, 7001, TcpFlags::RST_ACK, b""),
                line(true, 30081, 1001, 5001, TcpFlags::PSH_ACK, get),
            ],
            [
                "IP 10.0.0.5.40000 > 10.0.0.9.80: Flags [S], seq 1000, win 64240, options [mss 1460], length 0",
                "IP 10.0.0.9.80 > 10.0.0.5.40000: Flags [S.], seq 5000, ack 1001, win 64240, options [mss 1460], length 0",
                "IP 10.0.0.5.40000 > 10.0.0.9.80: Flags [.], ack 1, win 64240, length 0",
                "IP 10.0.0.5.40000 > 10.0.0.9.80: Flags [P.], seq 1:17, ack 1, win 64240, length 16: HTTP: GET / HTTP/1.1",
                "IP 10.0.0.5.40000 > 10.0.0.9.30080: Flags [S], seq 7000, win 64240, options [mss 1460], length 0",
                "IP 10.0.0.9.30080 > 10.0.0.5.40000: Flags [R.], seq 0, ack 7001, win 0, length 0",
                "IP 10.0.0.5.40000 > 10.0.0.9.30081: Flags [P.], seq 1001:1017, ack 5001, win 64240, length 16",
            ]
        );
    }
}
