//! The cluster's address plan (service and pod CIDRs, each node's pod
//! CIDR) and the run's global settings.

use super::Context;
use crate::k8s::cluster::{AnnounceKind, LoadBalancerKind};
use crate::net::addr::Cidr;
use crate::scenario::spec::HostRole;
use crate::time::Duration;

pub fn check(cx: &mut Context, lan: Option<Cidr>) {
    if cx.spec.duration == Duration::ZERO {
        cx.error("spec.duration", "duration must be more than 0s");
    }
    if cx.spec.cluster.gratuitous_arp_interval.is_some() {
        // MetalLB 0.14 and 0.15 send gratuitous ARP only in the 5 s burst of a
        // (re)announce (internal/layer2/announcer.go `spamLoop`); the periodic
        // ticker proposed for MetalLB #2910 was never released.
        cx.error(
            "spec.cluster.gratuitousArpInterval",
            "no MetalLB release sends periodic gratuitous ARP: 0.14 and 0.15 repeat the 5 s burst only when the leader re-announces the Service (a speaker-wide --gratuitous-arp-interval, proposed for MetalLB #2910, is in no release); remove this field",
        );
    }
    lease_timers(cx);
    let service = cluster_cidr(cx, "serviceCIDR", &cx.spec.cluster.service_cidr, lan);
    let pods = cluster_cidr(cx, "podCIDR", &cx.spec.cluster.pod_cidr, lan);
    if let (Some(service), Some(pods)) = (service, pods)
        && service.overlaps(pods)
    {
        cx.error("spec.cluster.podCIDR", format!("podCIDR {pods} overlaps serviceCIDR {service}"));
    }
    if let Some(pods) = pods {
        node_slices(cx, pods);
        node_pod_cidrs(cx, pods);
    }
}

/// Cilium's lease timers go to client-go's leader election, whose
/// `NewLeaderElector` (tools/leaderelection/leaderelection.go, client-go
/// 0.34) refuses them unless the lease outlasts the renew deadline, the
/// deadline outlasts 1.2 retry periods (`JitterFactor`), and each is more
/// than zero (with the first two, only the retry period can still be zero):
/// the agent would elect no holder at all.
fn lease_timers(cx: &mut Context) {
    let c = &cx.spec.cluster;
    if (c.load_balancer, c.announce) != (LoadBalancerKind::Cilium, AnnounceKind::L2) {
        return;
    }
    let (lease, renew, retry) = (c.l2_lease_duration, c.l2_lease_renew_deadline, c.l2_lease_retry_period);
    // In client-go's order.
    let refused = if lease <= renew {
        Some(("l2LeaseDuration", "leaseDuration must be greater than renewDeadline"))
    } else if renew <= retry.mul_ratio(6, 5) {
        Some(("l2LeaseRenewDeadline", "renewDeadline must be greater than retryPeriod*JitterFactor"))
    } else if retry == Duration::ZERO {
        Some(("l2LeaseRetryPeriod", "retryPeriod must be greater than zero"))
    } else {
        None
    };
    if let Some((field, why)) = refused {
        let message = format!(
            "client-go's leader election refuses these timers ({why}; l2LeaseDuration {lease}, \
             l2LeaseRenewDeadline {renew}, l2LeaseRetryPeriod {retry}), so Cilium's agents would elect no lease holder"
        );
        cx.error(&format!("spec.cluster.{field}"), message);
    }
}

/// A cluster-wide prefix: valid, and off the LAN (the LAN's addresses
/// would be both hosts and Services or pods).
fn cluster_cidr(cx: &mut Context, field: &str, text: &str, lan: Option<Cidr>) -> Option<Cidr> {
    let path = format!("spec.cluster.{field}");
    match Cidr::parse(text) {
        Ok(cidr) => {
            if let Some(lan) = lan
                && cidr.overlaps(lan)
            {
                cx.error(&path, format!("{field} {cidr} overlaps the LAN {lan}"));
            }
            Some(cidr)
        }
        Err(message) => {
            cx.error(&path, message);
            None
        }
    }
}

/// Each node gets a `nodeCidrMaskSize` slice of the pod CIDR unless it sets its own.
fn node_slices(cx: &mut Context, pods: Cidr) {
    let mask = cx.spec.cluster.node_cidr_mask_size;
    if mask < pods.prefix || mask > 32 {
        let message =
            format!("nodeCidrMaskSize {mask} must lie between the podCIDR's prefix length ({}) and 32", pods.prefix);
        cx.error("spec.cluster.nodeCidrMaskSize", message);
        return;
    }
    let slices = 1u64 << (mask - pods.prefix);
    let nodes = cx.spec.hosts.iter().filter(|h| h.role == HostRole::Node).count() as u64;
    if nodes > slices {
        let message = format!(
            "podCIDR {pods} has room for {slices} node pod CIDRs of /{mask}, \
             and there are {nodes} nodes"
        );
        cx.error("spec.cluster.podCIDR", message);
    }
}

/// A node's own pod CIDR lies in the cluster's and overlaps no other node's.
fn node_pod_cidrs(cx: &mut Context, pods: Cidr) {
    let mut taken: Vec<(Cidr, &str)> = Vec::new();
    for (i, host) in cx.spec.hosts.iter().enumerate() {
        let Some(text) = &host.pod_cidr else { continue };
        let path = format!("spec.hosts[{i}].podCIDR");
        let cidr = match Cidr::parse(text) {
            Ok(cidr) => cidr,
            Err(message) => {
                cx.error(&path, message);
                continue;
            }
        };
        if !pods.covers(cidr) {
            cx.error(&path, format!("podCIDR {cidr} of `{}` is outside the cluster podCIDR {pods}", host.name));
        } else if let Some((_, other)) = taken.iter().find(|(other, _)| other.overlaps(cidr)) {
            cx.error(&path, format!("podCIDR {cidr} of `{}` overlaps that of `{other}`", host.name));
        }
        taken.push((cidr, &host.name));
    }
}
