//! ICMP errors a host sends (destination unreachable), limited per
//! destination as Linux limits them.

use super::{Host, Origin};
use crate::engine::ctx::Ctx;
use crate::time::{Duration, Instant};
use crate::wire::Mac;
use crate::wire::ip::{self, Icmp, Ipv4, L4};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// Linux limits the ICMP errors it sends to each destination
/// (`icmpv4_xrlim_allow` → `inet_peer_xrlim_allow`, net/ipv4/icmp.c and
/// net/ipv4/inetpeer.c, Linux 6.18): a token bucket that gains one token
/// per `icmp_ratelimit` (1 s) and holds at most 6 (XRLIM_BURST_FACTOR),
/// full for a destination not seen yet. So a host that drops a burst of
/// packets (a neighbour that never answered, with its queue) answers the
/// first six and then one a second, never one per packet. (The global
/// limit, 1,000 a second with a burst of 50, is not modelled.)
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IcmpRateLimit {
    /// Per destination: nanoseconds of credit, and when it was last updated.
    peers: BTreeMap<Ipv4Addr, (u64, Instant)>,
}

/// `net.ipv4.icmp_ratelimit`: one ICMP error per destination per second.
pub const ICMP_RATELIMIT: Duration = Duration::from_secs(1);
/// XRLIM_BURST_FACTOR: a destination may be sent this many errors at once.
pub const ICMP_BURST: u64 = 6;
/// `ip_rt_error_burst` over `ip_rt_error_cost`: five unroutable packets' worth.
pub const ROUTE_ERROR_BURST: u64 = 5;

impl IcmpRateLimit {
    /// Whether an ICMP error to `dst` may leave now (and takes its token).
    pub fn allow(&mut self, dst: Ipv4Addr, now: Instant) -> bool {
        self.take(dst, now, ICMP_BURST)
    }

    /// `ip_error`'s own check before it calls `icmp_send` for a packet it
    /// cannot route (net/ipv4/route.c, Linux 6.18): on the same per-address
    /// peer as [`allow`](Self::allow), it caps the credit at
    /// `ip_rt_error_burst` (5 s) and takes `ip_rt_error_cost` (1 s). The
    /// ICMP then also needs `icmp_send`'s token from what is left, so one
    /// unroutable packet costs two seconds of credit: a source sending
    /// steadily gets an error for its first two packets, then only after a
    /// pause of two seconds or more.
    pub fn route_error_allow(&mut self, src: Ipv4Addr, now: Instant) -> bool {
        self.take(src, now, ROUTE_ERROR_BURST)
    }

    /// One second of `addr`'s credit, if it has one, after adding the time
    /// since it was last asked and capping at `burst` seconds. A peer not
    /// seen yet starts full (inetpeer's `rate_last` is set 60 s back).
    fn take(&mut self, addr: Ipv4Addr, now: Instant, burst: u64) -> bool {
        let cost = ICMP_RATELIMIT.as_nanos();
        let (tokens, last) = self.peers.get(&addr).copied().unwrap_or((ICMP_BURST * cost, now));
        let mut tokens = (tokens + now.saturating_since(last).as_nanos()).min(burst * cost);
        let allowed = tokens >= cost;
        if allowed {
            tokens -= cost;
        }
        self.peers.insert(addr, (tokens, now));
        allowed
    }
}

impl Host {
    /// Whether an ICMP error to `dst` may be sent now: errors to a local
    /// address go through loopback, which is not limited.
    pub(super) fn icmp_error_allowed(&mut self, dst: Ipv4Addr, now: Instant) -> bool {
        self.is_local(dst) || self.icmp_limit.allow(dst, now)
    }

    /// `icmp_send` (net/ipv4/icmp.c, Linux 6.18): a destination unreachable
    /// with `code` about the IPv4 packet `original`, to its sender. Never
    /// about an ICMP error (RFC 1122 3.2.2). The source is the packet's
    /// destination when that is a local address (`RTCF_LOCAL`), otherwise
    /// the address the route back to the sender picks.
    pub(super) fn icmp_send(&mut self, original: &[u8], code: u8, cx: &mut Ctx) {
        let Some(pkt) = Ipv4::parse(original) else { return };
        if matches!(pkt.l4, L4::Icmp(Icmp::Unreachable { .. } | Icmp::Other { .. })) || !is_unicast(pkt.src) {
            return;
        }
        let src = if self.is_local(pkt.dst) {
            Some(pkt.dst)
        } else {
            self.route(pkt.src, None).and_then(|(i, _)| self.source_for(i, pkt.src))
        };
        let Some(src) = src else { return };
        if !self.icmp_error_allowed(pkt.src, cx.now) {
            return;
        }
        let ident = self.next_ident();
        if let Some(icmp) = ip::icmp_unreachable_frame(Mac::ZERO, Mac::ZERO, src, ident, code, original) {
            self.ip_output(icmp, Origin::Local, cx);
        }
    }
}

/// A unicast source an ICMP error may answer (not 0.0.0.0, broadcast or
/// multicast).
pub(super) fn is_unicast(ip: Ipv4Addr) -> bool {
    !(ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// inet_peer_xrlim_allow with icmp_ratelimit 1 s: a full bucket of six
    /// for a new destination, then a token a second, never more than six.
    #[test]
    fn icmp_errors_are_limited_per_destination() {
        let mut l = IcmpRateLimit::default();
        let (a, b) = (Ipv4Addr::new(10, 0, 0, 5), Ipv4Addr::new(10, 0, 0, 6));
        let ms = Instant::from_millis;
        let sent: Vec<bool> = (0..7).map(|_| l.allow(a, ms(0))).collect();
        assert_eq!(sent, [true, true, true, true, true, true, false]);
        assert!(l.allow(b, ms(0)), "another destination has its own bucket");
        // A token a second: 0.999 s of credit is not enough, 1 s is.
        assert_eq!(
            [l.allow(a, ms(999)), l.allow(a, ms(1000)), l.allow(a, ms(1999)), l.allow(a, ms(2000))],
            [false, true, false, true]
        );
        let after_a_minute: Vec<bool> = (0..7).map(|_| l.allow(a, ms(62_000))).collect();
        assert_eq!(after_a_minute, [true, true, true, true, true, true, false], "at most six saved up");
    }

    /// ip_error and icmp_send draw on one peer: an unroutable packet that
    /// gets its ICMP costs two seconds of credit.
    #[test]
    fn unroutable_packets_draw_twice_on_the_same_credit() {
        let mut l = IcmpRateLimit::default();
        let a = Ipv4Addr::new(203, 0, 113, 9);
        let ms = Instant::from_millis;
        // One unroutable packet: ip_error's check, then icmp_send's.
        let sent = |l: &mut IcmpRateLimit, at| l.route_error_allow(a, ms(at)) && l.allow(a, ms(at));
        let burst: Vec<bool> = (0..4).map(|_| sent(&mut l, 0)).collect();
        assert_eq!(burst, [true, true, false, false], "5 s of credit: two errors, the third passes ip_error only");
        // Steady, one a second: ip_error takes each new second, icmp_send finds none left.
        assert_eq!([sent(&mut l, 1000), sent(&mut l, 2000), sent(&mut l, 3000)], [false, false, false]);
        // A pause of two seconds buys one error.
        assert!(sent(&mut l, 5000));
    }
}
