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

impl IcmpRateLimit {
    /// Whether an ICMP error to `dst` may leave now (and takes its token).
    pub fn allow(&mut self, dst: Ipv4Addr, now: Instant) -> bool {
        let timeout = ICMP_RATELIMIT.as_nanos();
        let full = ICMP_BURST * timeout;
        let (tokens, last) = self.peers.get(&dst).copied().unwrap_or((full, now));
        let mut tokens = (tokens + now.saturating_since(last).as_nanos()).min(full);
        let allowed = tokens >= timeout;
        if allowed {
            tokens -= timeout;
        }
        self.peers.insert(dst, (tokens, now));
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
}
