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
/// lines and `creationTimestamp`s: simulated time 0 is 2026-01-01 00:00 UTC
/// (any fixed date keeps runs identical). Whole seconds; runs longer than a
/// day roll into the next days.
pub fn timestamp(t: Instant) -> String {
    let s = t.as_secs();
    let (days, rem) = (s / 86_400, s % 86_400);
    format!("2026-01-{:02}T{:02}:{:02}:{:02}Z", 1 + days, rem / 3600, (rem / 60) % 60, rem % 60)
}
