//! The Kubernetes side: objects from manifests, the scheduler and node
//! lifecycle, EndpointSlices, LoadBalancer IP assignment (MetalLB, Cilium),
//! VIP announcement (MetalLB L2, Cilium L2, BGP) and the Service datapath.

pub mod apps;
pub mod ipam;
pub mod objects;
pub mod proxy;
