//! The API resources the simulated API server serves (the kinds are named
//! once, in [`crate::k8s::kinds`]), and how kubectl finds one by the names
//! it accepts (plural, singular, short names, kind, and the `plural.group`
//! forms). Custom resources exist only where their add-on is
//! installed: MetalLB's in a MetalLB cluster, Cilium's and the Gateway API's
//! where Cilium runs.

use crate::k8s::cluster::Cluster;
use crate::k8s::cluster::LoadBalancerKind;
use crate::net::host::Datapath;

pub use crate::k8s::kinds::{
    CILIUM, DAEMONSET, DEPLOYMENT, ENDPOINTS, ENDPOINTSLICE, EVENT, LEASE, METALLB, NAMESPACE, NODE, POD, REPLICASET,
    Resource, SERVICE, of_kind,
};

impl Resource {
    /// Whether `name` (any case) is one of kubectl's spellings of this resource.
    fn answers_to(&self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        let singular = self.kind.to_ascii_lowercase();
        let (base, group) = match name.split_once('.') {
            Some((b, g)) => (b, Some(g)),
            None => (name.as_str(), None),
        };
        match group {
            Some(g) => g == self.group && (base == self.plural || base == singular),
            None => base == self.plural || base == singular || self.short.contains(&base),
        }
    }
}

/// Whether Cilium runs in the cluster (vipsim's eBPF datapath is Cilium's).
pub fn cilium_installed(k: &Cluster) -> bool {
    k.config.datapath == Datapath::Ebpf || k.config.load_balancer == LoadBalancerKind::Cilium
}

/// A custom resource (an add-on's CRD) rather than a built-in kind.
pub fn is_custom(res: &Resource) -> bool {
    res.addon.is_some()
}

/// Every resource this cluster serves, built-in ones first.
pub fn served(k: &Cluster) -> Vec<&'static Resource> {
    let mut out: Vec<&'static Resource> = crate::k8s::kinds::BUILTIN.to_vec();
    let installed = |set: &'static [Resource], on: bool| {
        set.iter().filter(move |r| on || k.objects.values().any(|s| s.manifest.kind() == r.kind))
    };
    out.extend(installed(METALLB, k.config.load_balancer == LoadBalancerKind::Metallb));
    out.extend(installed(CILIUM, cilium_installed(k)));
    out
}

/// The resource `name` designates, if this cluster serves it.
pub fn lookup(k: &Cluster, name: &str) -> Option<&'static Resource> {
    served(k).into_iter().find(|r| r.answers_to(name))
}

/// `kubectl get all`: the workload kinds of the `all` category, in kubectl's order.
pub const ALL: &[&Resource] = &[&POD, &SERVICE, &DAEMONSET, &DEPLOYMENT, &REPLICASET];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings() {
        assert!(SERVICE.answers_to("svc") && SERVICE.answers_to("Services") && SERVICE.answers_to("Service"));
        assert!(DEPLOYMENT.answers_to("deployments.apps") && DEPLOYMENT.answers_to("deploy"));
        assert!(!DEPLOYMENT.answers_to("deployments.extensions"));
        assert!(CILIUM[0].answers_to("ippools") && CILIUM[0].answers_to("ciliumloadbalancerippool.cilium.io"));
    }
}
