//! `arping` (iputils): asks who has an IP with ARP requests one second
//! apart and prints every reply with the MAC that answered. That MAC is how
//! you find the node that currently announces a VIP (MetalLB's leader,
//! Cilium's lease holder), and several different MACs answering is how you
//! spot IPVS without strictARP. `-U`/`-A` send gratuitous ARP instead.
//!
//! The frames follow iputils (20240905) `arping.c`: send_pack writes the
//! destination it sends to (`he`) into the target hardware field, so a
//! broadcast probe carries ff:ff:ff:ff:ff:ff there (not zero, as the
//! kernel's own requests do), and after a reply recv_pack makes the
//! replier's MAC the destination (unless `-b`): the following probes are
//! unicast to it and carry it as the target hardware address. Without
//! `-I`, arping takes the device of the kernel's route to the target
//! (guess_device): for an address the host owns (an interface address, a
//! Service IP on kube-ipvs0) that is lo, which check_device refuses with
//! `Interface "lo" is not ARPable` and exit code 2, sending nothing.

use super::{Output, ProcIo, number};
use crate::engine::trace::Dir;
use crate::net::IfIdx;
use crate::time::{Duration, Instant};
use crate::wire::{Arp, ArpOperation, Frame, Mac, Parsed, arp};
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

const INTERVAL: Duration = Duration::from_secs(1);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Arping {
    pub cmd: String,
    pub started: Instant,
    target: Ipv4Addr,
    count: u32,
    deadline_limit: Option<Duration>,
    iface_name: Option<String>,
    /// -b: keep broadcasting instead of switching to unicast after a reply.
    broadcast_only: bool,
    /// -f: stop at the first reply.
    first_only: bool,
    /// -U (request) or -A (reply): unsolicited announcements.
    unsolicited: Option<arp::GarpKind>,
    iface: IfIdx,
    src: Ipv4Addr,
    sent: u32,
    broadcasts: u32,
    received: u32,
    /// Replies that came as broadcast (`brd_recv`) and requests that
    /// matched (`req_recv`), which the summary counts apart.
    #[serde(default)]
    broadcasts_received: u32,
    #[serde(default)]
    requests_received: u32,
    last_sent: Instant,
    /// The MAC of the last reply: iputils' `he` once `unicasting` is set.
    replier: Option<Mac>,
    next_probe: Option<Instant>,
    lines: Vec<String>,
    pub output: Option<Output>,
}

impl Arping {
    pub fn from_args(cmd: &str, args: &[String], now: Instant) -> Result<Arping, String> {
        let mut a = Arping {
            cmd: cmd.to_string(),
            started: now,
            target: Ipv4Addr::UNSPECIFIED,
            count: 0,
            deadline_limit: None,
            iface_name: None,
            broadcast_only: false,
            first_only: false,
            unsolicited: None,
            iface: 0,
            src: Ipv4Addr::UNSPECIFIED,
            sent: 0,
            broadcasts: 0,
            received: 0,
            broadcasts_received: 0,
            requests_received: 0,
            last_sent: now,
            replier: None,
            next_probe: None,
            lines: vec![],
            output: None,
        };
        let mut target = None;
        let mut i = 0;
        while i < args.len() {
            let next = args.get(i + 1);
            match args[i].as_str() {
                "-c" => {
                    a.count = number("arping", "-c", next)?;
                    i += 1;
                }
                "-w" => {
                    let secs: u64 = number("arping", "-w", next)?;
                    // `-w 0` arms no timer: no deadline at all.
                    a.deadline_limit = (secs > 0).then(|| Duration::from_secs(secs));
                    i += 1;
                }
                "-I" => {
                    a.iface_name = Some(next.ok_or("arping: option requires an argument -- 'I'")?.clone());
                    i += 1;
                }
                "-b" => a.broadcast_only = true,
                "-f" => a.first_only = true,
                // send_pack puts `he`, the broadcast address, in the target hardware field.
                "-U" => a.unsolicited = Some(arp::GarpKind::RequestBroadcast),
                "-A" => a.unsolicited = Some(arp::GarpKind::ReplySelf),
                s if s.starts_with('-') => {
                    return Err(format!(
                        "arping: option {s} is not supported in vipsim (supported: -c -w -I -b -f -U -A)"
                    ));
                }
                s => {
                    target = Some(s.parse::<Ipv4Addr>().map_err(|_| format!("arping: {s}: Name or service not known"))?)
                }
            }
            i += 1;
        }
        a.target = target.ok_or("arping: usage: arping [-fbUA] [-c count] [-w timeout] [-I device] destination")?;
        if a.count == 0 && a.deadline_limit.is_none() {
            return Err("arping: give -c COUNT or -w SECONDS (the console cannot press Ctrl-C)".into());
        }
        Ok(a)
    }

    pub fn start(&mut self, io: &mut ProcIo) {
        let host = &io.host;
        let iface = match &self.iface_name {
            Some(n) => match host.ifaces.iter().position(|i| &*i.name == n) {
                Some(i) => i,
                None => return self.fail(format!("arping: Device {n} not available.")),
            },
            // Without -I, iputils asks the kernel for the route to the
            // target (guess_device, RTM_GETROUTE): a local address routes
            // through lo, and check_device refuses a loopback device.
            None if host.is_local(self.target) => {
                self.output =
                    Some(Output { stdout: "Interface \"lo\" is not ARPable\n".into(), stderr: String::new(), exit: 2 });
                return;
            }
            None => match host.route(self.target, None) {
                Some((i, _)) => i,
                None => return self.fail("arping: no source address in not-DAD mode".into()),
            },
        };
        self.iface = iface;
        // -U/-A announce the target address itself (sender = target).
        self.src = if self.unsolicited.is_some() {
            self.target
        } else {
            match host.ifaces[iface].addrs.iter().find(|a| a.contains(self.target)).or(host.ifaces[iface].addrs.first())
            {
                Some(a) => a.addr,
                None => return self.fail("arping: no source address in not-DAD mode".into()),
            }
        };
        self.lines.push(format!("ARPING {} from {} {}", self.target, self.src, host.ifaces[iface].name));
        self.probe(io);
    }

    fn fail(&mut self, msg: String) {
        self.output = Some(Output { stdout: String::new(), stderr: msg + "\n", exit: 2 });
    }

    fn probe(&mut self, io: &mut ProcIo) {
        let mac = io.host.ifaces[self.iface].mac;
        let frame = match self.unsolicited {
            Some(kind) => arp::gratuitous(kind, mac, self.target),
            None => {
                let he = if self.broadcast_only { None } else { self.replier }.unwrap_or(Mac::BROADCAST);
                let request = Arp {
                    op: ArpOperation::Request,
                    sender_mac: mac,
                    sender_ip: self.src,
                    target_mac: he,
                    target_ip: self.target,
                };
                arp::frame(he, request)
            }
        };
        if frame.dst().is_broadcast() {
            self.broadcasts += 1;
        }
        self.sent += 1;
        self.last_sent = io.now();
        io.transmit(self.iface, frame);
        // -U/-A stop as soon as the last announcement is sent (event_loop
        // checks `sent == count` before it waits again, since iputils
        // 4db1de6 "Fix 1s delay on exit for unsolicited arpings").
        if self.unsolicited.is_some() && self.count != 0 && self.sent >= self.count {
            return self.finish();
        }
        // The next probe, or after the last one, the end of the wait for late replies.
        self.next_probe = Some(io.now() + INTERVAL);
    }

    pub fn deadline(&self) -> Option<Instant> {
        if self.output.is_some() {
            return None;
        }
        let limit = self.deadline_limit.map(|d| self.started + d);
        [self.next_probe, limit].into_iter().flatten().min()
    }

    pub fn on_timer(&mut self, io: &mut ProcIo) {
        let now = io.now();
        // event_loop polls the interval timer before the -w one (armed a
        // moment earlier), so a probe due at the deadline still goes out.
        if self.next_probe.is_some_and(|t| t <= now) {
            if self.count != 0 && self.sent >= self.count {
                return self.finish();
            }
            self.probe(io);
        }
        if self.output.is_none() && self.deadline_limit.is_some_and(|d| self.started + d <= now) {
            self.finish();
        }
    }

    pub fn on_frame(&mut self, iface: IfIdx, frame: &Frame, dir: Dir, io: &mut ProcIo) {
        if dir != Dir::Rx || iface != self.iface || self.unsolicited.is_some() || self.output.is_some() {
            return;
        }
        let Parsed::Arp { eth_dst, arp, .. } = frame.parse() else { return };
        // recv_pack takes a request or a reply from the target, to our
        // address and our MAC (the packet socket sees the answers to the
        // kernel's own requests too).
        let me = io.host.ifaces[self.iface].mac;
        if arp.sender_ip != self.target || arp.target_ip != self.src || arp.target_mac != me {
            return;
        }
        let broadcast = eth_dst.is_broadcast();
        let kind = if broadcast { "Broadcast" } else { "Unicast" };
        let op = if arp.op == ArpOperation::Reply { "reply" } else { "request" };
        let mac = arp.sender_mac.to_string().to_ascii_uppercase();
        self.lines.push(format!(
            "{kind} {op} from {} [{mac}]  {}",
            self.target,
            rtt(io.now().saturating_since(self.last_sent))
        ));
        self.received += 1;
        // With -w, the count of replies ends the run (before this reply
        // is counted as a broadcast or a request); without it, arping
        // waits out the interval after its last probe, whatever answered.
        if self.deadline_limit.is_some() && self.count != 0 && self.received == self.count {
            return self.finish();
        }
        if broadcast {
            self.broadcasts_received += 1;
        }
        if arp.op == ArpOperation::Request {
            self.requests_received += 1;
        }
        if self.first_only {
            return self.finish();
        }
        // recv_pack: every reply it goes on from becomes the destination.
        if !self.broadcast_only {
            self.replier = Some(arp.sender_mac);
        }
    }

    fn finish(&mut self) {
        let mut stdout = self.lines.join("\n");
        stdout.push_str(&format!(
            "\nSent {} probes ({} broadcast(s))\nReceived {} response(s)",
            self.sent, self.broadcasts, self.received
        ));
        if self.broadcasts_received > 0 || self.requests_received > 0 {
            let mut parts = Vec::new();
            if self.requests_received > 0 {
                parts.push(format!("{} request(s)", self.requests_received));
            }
            if self.broadcasts_received > 0 {
                parts.push(format!("{} broadcast(s)", self.broadcasts_received));
            }
            stdout.push_str(&format!(" ({})", parts.join(", ")));
        }
        stdout.push('\n');
        // finish(): unsolicited always 0; with -w and -c, 0 only when
        // `count` replies came; otherwise 0 when any did.
        let ok = if self.unsolicited.is_some() {
            true
        } else if self.deadline_limit.is_some() && self.count != 0 && !self.first_only {
            self.received >= self.count
        } else {
            self.received > 0
        };
        self.output = Some(Output { stdout, stderr: String::new(), exit: if ok { 0 } else { 1 } });
    }
}

/// The time since the last probe as recv_pack prints it: rounded to the
/// microsecond, then `msecs = (usecs + 500) / 1000` and `usecs -= msecs *
/// 1000 - 500`, which print half a millisecond more than it measured: a
/// 0.200 ms answer shows as 0.700ms (iputils 20240905 arping.c, unchanged
/// since).
fn rtt(d: Duration) -> String {
    let usecs = (d.as_nanos() + 500) / 1000 + 500;
    format!("{}.{:03}ms", usecs / 1000, usecs % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn parses_options() {
        let a = Arping::from_args("arping", &args("-c 3 192.168.1.200"), Instant::ZERO).unwrap();
        assert_eq!((a.count, a.target), (3, Ipv4Addr::new(192, 168, 1, 200)));
        assert!(Arping::from_args("arping", &args("192.168.1.200"), Instant::ZERO).unwrap_err().contains("-c COUNT"));
        assert!(
            Arping::from_args("arping", &args("-c 3 -z 1.2.3.4"), Instant::ZERO)
                .unwrap_err()
                .contains("-z is not supported")
        );
        assert!(
            Arping::from_args("arping", &args("-c x 1.2.3.4"), Instant::ZERO).unwrap_err().contains("invalid argument")
        );
    }
}
