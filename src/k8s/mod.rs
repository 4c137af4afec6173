//! The Kubernetes side: objects from manifests, the scheduler and node
//! lifecycle, EndpointSlices, LoadBalancer IP assignment (MetalLB, Cilium),
//! VIP announcement (MetalLB L2, Cilium L2, BGP) and the Service datapath.

pub mod api;
pub mod bgp;
pub mod cilium;
pub mod cluster;
pub mod control;
pub mod deployments;
pub mod endpoints;
pub mod ipam;
pub mod kinds;
pub mod metallb;
pub mod names;
pub mod objects;
pub mod services;
pub mod workloads;

use crate::time::Instant;

/// The Kubernetes version nodes report.
pub const KUBELET_VERSION: &str = "v1.34.2";

/// `2026-01-01T00:01:05Z`-style timestamp of a simulated instant, for log
/// lines and `creationTimestamp`s (the date: [`Instant::calendar`]). Whole
/// seconds.
pub fn timestamp(t: Instant) -> String {
    let c = t.calendar();
    format!("2026-01-{:02}T{:02}:{:02}:{:02}Z", c.day, c.hour, c.minute, c.second)
}
