//! IPv4 prefixes (`10.0.1.10/24`) and address helpers.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::net::Ipv4Addr;

/// An address with its prefix length: an interface address (`10.0.1.10/24`)
/// or a network (`10.200.0.0/16`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cidr {
    pub addr: Ipv4Addr,
    pub prefix: u8,
}

impl Cidr {
    pub fn new(addr: Ipv4Addr, prefix: u8) -> Cidr {
        Cidr { addr, prefix: prefix.min(32) }
    }
    pub fn host(addr: Ipv4Addr) -> Cidr {
        Cidr { addr, prefix: 32 }
    }
    pub fn parse(text: &str) -> Result<Cidr, String> {
        let (a, p) = text
            .split_once('/')
            .ok_or_else(|| format!("invalid CIDR `{text}`: expected address/prefix like 10.0.1.0/24"))?;
        let addr: Ipv4Addr = a.parse().map_err(|_| format!("invalid CIDR `{text}`: `{a}` is not an IPv4 address"))?;
        let prefix: u8 = p
            .parse()
            .ok()
            .filter(|p| *p <= 32)
            .ok_or_else(|| format!("invalid CIDR `{text}`: prefix `{p}` is not 0-32"))?;
        Ok(Cidr { addr, prefix })
    }
    pub fn mask(self) -> u32 {
        if self.prefix == 0 { 0 } else { u32::MAX << (32 - self.prefix) }
    }
    pub fn network(self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.addr) & self.mask())
    }
    pub fn broadcast(self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.addr) | !self.mask())
    }
    pub fn contains(self, ip: Ipv4Addr) -> bool {
        u32::from(ip) & self.mask() == u32::from(self.addr) & self.mask()
    }
    /// True when `other` lies entirely inside this prefix.
    pub fn covers(self, other: Cidr) -> bool {
        other.prefix >= self.prefix && self.contains(other.addr)
    }
    pub fn overlaps(self, other: Cidr) -> bool {
        self.contains(other.addr) || other.contains(self.addr)
    }
    /// Number of addresses in the prefix.
    pub fn size(self) -> u64 {
        1u64 << (32 - self.prefix as u32)
    }
    /// The `i`-th address of the prefix (0 = network address).
    pub fn nth(self, i: u64) -> Option<Ipv4Addr> {
        (i < self.size()).then(|| Ipv4Addr::from(u32::from(self.network()).wrapping_add(i as u32)))
    }
    /// The `index`-th sub-prefix of length `prefix` (e.g. node pod CIDR slices).
    pub fn subnet(self, prefix: u8, index: u32) -> Option<Cidr> {
        if prefix < self.prefix || prefix > 32 {
            return None;
        }
        let count = 1u64 << (prefix - self.prefix);
        if index as u64 >= count {
            return None;
        }
        let step = 1u64 << (32 - prefix as u32);
        let base = u32::from(self.network()) as u64 + index as u64 * step;
        Some(Cidr { addr: Ipv4Addr::from(base as u32), prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}
impl fmt::Debug for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
impl Serialize for Cidr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
impl<'de> Deserialize<'de> for Cidr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Cidr::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_arithmetic() {
        let c = Cidr::parse("10.0.1.10/24").unwrap();
        assert_eq!(c.network(), Ipv4Addr::new(10, 0, 1, 0));
        assert_eq!(c.broadcast(), Ipv4Addr::new(10, 0, 1, 255));
        assert!(c.contains(Ipv4Addr::new(10, 0, 1, 200)));
        assert!(!c.contains(Ipv4Addr::new(10, 0, 2, 1)));
        assert_eq!(c.size(), 256);
        let pods = Cidr::parse("10.200.0.0/16").unwrap();
        assert_eq!(pods.subnet(24, 1), Some(Cidr::parse("10.200.1.0/24").unwrap()));
        assert_eq!(pods.subnet(24, 256), None);
        assert!(pods.covers(Cidr::parse("10.200.3.0/24").unwrap()));
        assert!(!Cidr::parse("10.200.3.0/24").unwrap().covers(pods));
        assert_eq!(Cidr::parse("0.0.0.0/0").unwrap().mask(), 0);
        assert!(Cidr::parse("10.0.0.0/33").is_err());
        assert!(Cidr::parse("10.0.0/8").is_err());
        assert!(Cidr::parse("10.0.0.0").is_err());
    }
}
