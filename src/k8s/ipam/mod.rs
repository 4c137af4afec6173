//! LoadBalancer IP address management: how a `type: LoadBalancer` Service
//! gets its EXTERNAL-IP. Two controllers are modelled, each after its
//! upstream source:
//!
//! - [`metallb::MetalLbIpam`]: MetalLB's controller (`controller/service.go`
//!   and `internal/allocator/allocator.go`), with IPAddressPool objects.
//! - [`cilium::CiliumIpam`]: Cilium's LB-IPAM in the operator
//!   (`operator/pkg/lbipam/lbipam.go`), with CiliumLoadBalancerIPPool objects.
//!
//! Assigning an address is not announcing it: which node answers ARP for
//! the VIP (or advertises it over BGP) is decided elsewhere. vipsim is
//! single-stack IPv4, so only IPv4 addresses are ever assigned.

pub mod cilium;
pub mod metallb;

use std::collections::BTreeMap;

/// What a LoadBalancer Service asks of an IPAM.
#[derive(Clone, Copy, Debug)]
pub struct IpRequest<'a> {
    /// `namespace/name`.
    pub service: &'a str,
    pub namespace: &'a str,
    pub labels: &'a BTreeMap<String, String>,
    pub annotations: &'a BTreeMap<String, String>,
    /// `spec.loadBalancerIP`.
    pub load_balancer_ip: Option<&'a str>,
    /// `spec.loadBalancerClass`.
    pub load_balancer_class: Option<&'a str>,
    /// `(protocol, port)` per Service port; protocol is `"TCP"` or `"UDP"`.
    pub ports: &'a [(String, u16)],
}

impl<'a> IpRequest<'a> {
    /// The value of the first of `keys` present on the Service. Both
    /// controllers read a current annotation before its deprecated alias,
    /// and an annotation that is present but empty still wins.
    fn annotation(&self, keys: &[&str]) -> Option<&'a str> {
        keys.iter().find_map(|key| self.annotations.get(*key)).map(String::as_str)
    }

    /// The Service's name without its namespace.
    fn name(&self) -> &'a str {
        self.service.split_once('/').map_or(self.service, |(_, name)| name)
    }
}

/// Whether `text` is an IPv6 prefix such as `2001:db8::/64`: pools may list
/// them upstream, but vipsim is IPv4-only.
fn is_ipv6_prefix(text: &str) -> bool {
    text.split_once('/').is_some_and(|(addr, prefix)| {
        addr.parse::<std::net::Ipv6Addr>().is_ok() && prefix.parse::<u8>().is_ok_and(|bits| bits <= 128)
    })
}
