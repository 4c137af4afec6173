//! `ping` (iputils): ICMP echo requests one second apart, with the replies,
//! "Destination Host Unreachable" from a router whose ARP failed, and the
//! statistics block.

use super::{Output, ProcIo, number};
use crate::time::{Duration, Instant};
use crate::wire::Mac;
use crate::wire::ip::{self, Icmp, Ipv4};
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ping {
    pub cmd: String,
    pub started: Instant,
    target: Ipv4Addr,
    count: u16,
    interval: Duration,
    /// -W: how long to wait for the last reply.
    wait: Duration,
    ident: u16,
    sent: u16,
    received: u16,
    errors: u16,
    /// iputils' `pipesize`: the most probes outstanding when one was
    /// answered or reported failed (`acknowledge`, ping_common.h).
    pipesize: u16,
    rtts: Vec<Duration>,
    sent_at: Vec<Instant>,
    next: Option<Instant>,
    lines: Vec<String>,
    pub output: Option<Output>,
}

/// The 56 data bytes iputils sends by default.
const DATA: [u8; 56] = {
    let mut d = [0u8; 56];
    let mut i = 0;
    while i < 56 {
        d[i] = i as u8;
        i += 1;
    }
    d
};

impl Ping {
    pub fn from_args(cmd: &str, args: &[String], now: Instant) -> Result<Ping, String> {
        let mut count = None;
        let mut interval = Duration::from_secs(1);
        let mut wait = Duration::from_secs(10);
        let mut target = None;
        let mut i = 0;
        while i < args.len() {
            let next = args.get(i + 1);
            match args[i].as_str() {
                "-c" => {
                    count = Some(number::<u16>("ping", "-c", next)?);
                    i += 1;
                }
                "-i" => {
                    let s: f64 = number("ping", "-i", next)?;
                    interval = Duration::from_millis((s * 1000.0).max(2.0) as u64);
                    i += 1;
                }
                "-W" => {
                    let s: f64 = number("ping", "-W", next)?;
                    wait = Duration::from_millis((s * 1000.0) as u64);
                    i += 1;
                }
                s if s.starts_with('-') => {
                    return Err(format!("ping: option {s} is not supported in vipsim (supported: -c -i -W)"));
                }
                s => target = Some(s.parse::<Ipv4Addr>().map_err(|_| format!("ping: {s}: Name or service not known"))?),
            }
            i += 1;
        }
        let count = count.filter(|c| *c > 0).ok_or("ping: give -c COUNT (the console cannot press Ctrl-C)")?;
        let target = target.ok_or("ping: usage error: Destination address required")?;
        Ok(Ping {
            cmd: cmd.to_string(),
            started: now,
            target,
            count,
            interval,
            wait,
            ident: 0,
            sent: 0,
            received: 0,
            errors: 0,
            pipesize: 0,
            rtts: vec![],
            sent_at: vec![],
            next: None,
            lines: vec![format!("PING {target} ({target}) 56(84) bytes of data.")],
            output: None,
        })
    }

    /// The echo requests a second this ping asks for: one an interval
    /// (`-i 0.002`, the shortest iputils allows a user, asks for 500).
    pub fn requests_per_second(&self) -> u64 {
        Duration::from_secs(1).as_nanos().div_ceil(self.interval.as_nanos().max(1))
    }

    pub fn start(&mut self, io: &mut ProcIo) {
        self.ident = (io.cx.rng.next_u32() & 0xffff) as u16;
        self.send(io);
    }

    fn send(&mut self, io: &mut ProcIo) {
        // 127.0.0.0/8 is lo's, with source 127.0.0.1 (see Host::connect).
        let src = if self.target.is_loopback() {
            Some(Ipv4Addr::LOCALHOST)
        } else {
            io.host.route(self.target, None).and_then(|(i, _)| io.host.ifaces[i].primary())
        };
        let Some(src) = src else {
            self.output = Some(Output {
                stdout: String::new(),
                stderr: "ping: connect: Network is unreachable\n".into(),
                exit: 2,
            });
            return;
        };
        self.sent += 1;
        self.sent_at.push(io.now());
        let frame =
            ip::icmp_echo_frame(Mac::ZERO, Mac::ZERO, src, self.target, self.sent, false, self.ident, self.sent, &DATA);
        io.send_ip(frame);
        self.next = Some(io.now() + if self.sent < self.count { self.interval } else { self.wait });
    }

    pub fn deadline(&self) -> Option<Instant> {
        self.output.is_none().then_some(self.next).flatten()
    }

    pub fn on_timer(&mut self, io: &mut ProcIo) {
        if self.sent < self.count {
            self.send(io);
        } else {
            self.finish();
        }
    }

    pub fn on_icmp(&mut self, pkt: &Ipv4, icmp: Icmp, io: &mut ProcIo) {
        if self.output.is_some() {
            return;
        }
        match icmp {
            Icmp::EchoReply { ident, seq } if ident == self.ident && pkt.src == self.target => {
                let Some(sent) = self.sent_at.get(seq as usize - 1) else { return };
                let rtt = io.now().saturating_since(*sent);
                self.rtts.push(rtt);
                self.received += 1;
                self.acknowledge(seq);
                self.lines.push(format!(
                    "64 bytes from {}: icmp_seq={seq} ttl={} time={} ms",
                    self.target,
                    pkt.ttl,
                    ms(rtt)
                ));
                if self.sent == self.count && self.received + self.errors >= self.count {
                    self.finish();
                }
            }
            Icmp::Unreachable { code, quoted } => {
                // Only an error about one of this ping's own echo requests
                // (iputils ping4_parse_reply: the quoted packet went to the
                // target, is an echo request and carries our identifier);
                // a curl's SYN refused at the same moment is not ours.
                let Some((dst, ident, seq)) = quoted_echo(quoted) else { return };
                if dst != self.target || ident != self.ident {
                    return;
                }
                self.errors += 1;
                self.acknowledge(seq);
                // iputils 20240905 ping/ping.c print4_icmph.
                let what = match code {
                    0 => "Destination Net Unreachable",
                    1 => "Destination Host Unreachable",
                    2 => "Destination Protocol Unreachable",
                    3 => "Destination Port Unreachable",
                    _ => "Destination Unreachable",
                };
                self.lines.push(format!("From {} icmp_seq={seq} {what}", pkt.src));
            }
            _ => {}
        }
    }

    /// iputils' `acknowledge(seq)`: how many probes were out, this one
    /// included, when its answer or error came back.
    fn acknowledge(&mut self, seq: u16) {
        if seq <= self.sent {
            self.pipesize = self.pipesize.max(self.sent - seq + 1);
        }
    }

    /// The statistics block of iputils 20240905 (ping/ping_common.c
    /// finish(); ping/ping_output.c ping_print_finish() from 20250602 on):
    /// `time` runs from the start to the last probe sent (`cur_time` is
    /// only advanced by the sender), not to the end of the wait for late
    /// replies, so `-c 3` without answers says about 2000 ms although it
    /// took 12 s; the loss is printed with `%g`. The line after the
    /// counts holds the rtt summary (with replies) and `pipe N` (when more
    /// than one probe was out at an answer or error, as when ARP fails and
    /// the errors come back together), joined by `, `; it is empty, a
    /// blank line, when there is neither.
    fn finish(&mut self) {
        let loss = percent_g(100.0 * (self.sent - self.received) as f64 / self.sent.max(1) as f64);
        let last_sent = self.sent_at.last().copied().unwrap_or(self.started);
        let elapsed = last_sent.saturating_since(self.started).as_nanos();
        let time = (elapsed + 500_000) / 1_000_000;
        let mut out = self.lines.join("\n");
        out.push_str(&format!("\n\n--- {} ping statistics ---\n", self.target));
        let errors = if self.errors > 0 { format!("+{} errors, ", self.errors) } else { String::new() };
        out.push_str(&format!(
            "{} packets transmitted, {} received, {errors}{loss}% packet loss, time {time}ms\n",
            self.sent, self.received
        ));
        let mut summary = Vec::new();
        if !self.rtts.is_empty() {
            let n = self.rtts.len() as u64;
            let ns: Vec<u64> = self.rtts.iter().map(|d| d.as_nanos()).collect();
            let (min, max) = (*ns.iter().min().unwrap(), *ns.iter().max().unwrap());
            let avg = ns.iter().sum::<u64>() / n;
            let var = ns.iter().map(|x| (*x as i128 - avg as i128).pow(2)).sum::<i128>() / n as i128;
            let mdev = (var as f64).sqrt() as u64;
            let f = |x: u64| ms(Duration::from_nanos(x));
            summary.push(format!("rtt min/avg/max/mdev = {}/{}/{}/{} ms", f(min), f(avg), f(max), f(mdev)));
        }
        if self.pipesize > 1 {
            summary.push(format!("pipe {}", self.pipesize));
        }
        out.push_str(&summary.join(", "));
        out.push('\n');
        let exit = if self.received > 0 { 0 } else { 1 };
        self.output = Some(Output { stdout: out, stderr: String::new(), exit });
    }
}

/// C's `%g` for a loss percentage: six significant digits, trailing
/// zeros dropped (`100`, `33.3333`, `66.6667`, `0`).
fn percent_g(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let int_digits = (x.abs().log10().floor() as i32 + 1).max(1);
    let decimals = (6 - int_digits).max(0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

fn ms(d: Duration) -> String {
    format!("{}.{:03}", d.as_nanos() / 1_000_000, (d.as_nanos() / 1000) % 1000)
}

/// The destination, identifier and sequence number of the echo request an
/// ICMP error quotes: its IP header and at least the first 8 bytes of its
/// ICMP header, which is all a router must quote (RFC 792).
fn quoted_echo(q: &[u8]) -> Option<(Ipv4Addr, u16, u16)> {
    let ihl = usize::from(q.first()? & 0x0f) * 4;
    let icmp = q.get(ihl..ihl + 8)?;
    if ihl < 20 || q[9] != 1 || icmp[0] != 8 {
        return None;
    }
    let dst = Ipv4Addr::new(q[16], q[17], q[18], q[19]);
    Some((dst, u16::from_be_bytes([icmp[4], icmp[5]]), u16::from_be_bytes([icmp[6], icmp[7]])))
}

#[cfg(test)]
mod tests {
    use super::percent_g;

    /// iputils (20240905, ping/ping_common.c finish()) prints the loss with printf's `%g`.
    #[test]
    fn loss_is_printed_like_printf_g() {
        let g = |sent: u32, received: u32| percent_g(100.0 * (sent - received) as f64 / sent as f64);
        assert_eq!(
            [g(3, 0), g(3, 3), g(3, 2), g(3, 1), g(4, 2), g(7, 6)],
            ["100", "0", "33.3333", "66.6667", "50", "14.2857"]
        );
    }
}
