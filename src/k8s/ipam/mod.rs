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
    /// `spec.selector`: Services sharing an address under
    /// `externalTrafficPolicy: Local` must select the same pods.
    pub selector: &'a BTreeMap<String, String>,
    /// `spec.externalTrafficPolicy` is `Local`.
    pub external_local: bool,
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

/// A Service as the IPAM tests write it: a builder of [`IpRequest`]s,
/// shared by the MetalLB and Cilium tests (each adds its own sharing
/// annotation).
#[cfg(test)]
pub(crate) mod test_service {
    use super::IpRequest;
    use std::collections::BTreeMap;

    pub(crate) struct Svc {
        key: String,
        namespace: String,
        labels: BTreeMap<String, String>,
        annotations: BTreeMap<String, String>,
        load_balancer_ip: Option<String>,
        class: Option<String>,
        ports: Vec<(String, u16)>,
        selector: BTreeMap<String, String>,
    }

    impl Svc {
        pub(crate) fn new(name: &str) -> Svc {
            Svc::in_namespace("default", name)
        }
        pub(crate) fn in_namespace(namespace: &str, name: &str) -> Svc {
            Svc {
                key: format!("{namespace}/{name}"),
                namespace: namespace.to_owned(),
                labels: BTreeMap::new(),
                annotations: BTreeMap::new(),
                load_balancer_ip: None,
                class: None,
                ports: vec![("TCP".to_owned(), 80)],
                selector: BTreeMap::new(),
            }
        }
        pub(crate) fn label(mut self, key: &str, value: &str) -> Svc {
            self.labels.insert(key.to_owned(), value.to_owned());
            self
        }
        pub(crate) fn annotate(mut self, key: &str, value: &str) -> Svc {
            self.annotations.insert(key.to_owned(), value.to_owned());
            self
        }
        pub(crate) fn load_balancer_ip(mut self, ip: &str) -> Svc {
            self.load_balancer_ip = Some(ip.to_owned());
            self
        }
        pub(crate) fn class(mut self, class: &str) -> Svc {
            self.class = Some(class.to_owned());
            self
        }
        pub(crate) fn ports(mut self, ports: &[(&str, u16)]) -> Svc {
            self.ports = ports.iter().map(|(protocol, port)| (protocol.to_string(), *port)).collect();
            self
        }
        pub(crate) fn request(&self) -> IpRequest<'_> {
            IpRequest {
                service: &self.key,
                namespace: &self.namespace,
                labels: &self.labels,
                annotations: &self.annotations,
                load_balancer_ip: self.load_balancer_ip.as_deref(),
                load_balancer_class: self.class.as_deref(),
                ports: &self.ports,
                selector: &self.selector,
                external_local: false,
            }
        }
    }
}
