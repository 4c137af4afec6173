//! The API resources the simulated API server serves, with the names
//! kubectl accepts for them (plural, singular, short names, kind, and the
//! `plural.group` forms). Custom resources exist only where their add-on is
//! installed: MetalLB's in a MetalLB cluster, Cilium's and the Gateway API's
//! where Cilium runs.

use crate::k8s::cluster::Cluster;
use crate::k8s::cluster::LoadBalancerKind;
use crate::net::host::Datapath;

#[derive(Debug, PartialEq, Eq)]
pub struct Resource {
    pub kind: &'static str,
    pub plural: &'static str,
    pub short: &'static [&'static str],
    /// Empty for the core group.
    pub group: &'static str,
    pub version: &'static str,
    pub namespaced: bool,
}

impl Resource {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() { self.version.to_string() } else { format!("{}/{}", self.group, self.version) }
    }

    /// `service`, `deployment.apps`: how kubectl names the kind in
    /// `service/web created` and in multi-kind tables.
    pub fn kind_ref(&self) -> String {
        self.qualified(&self.kind.to_ascii_lowercase())
    }

    /// `services`, `deployments.apps`: how API errors name the resource.
    pub fn plural_ref(&self) -> String {
        self.qualified(self.plural)
    }

    fn qualified(&self, name: &str) -> String {
        if self.group.is_empty() { name.to_string() } else { format!("{name}.{}", self.group) }
    }

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

const fn core(kind: &'static str, plural: &'static str, short: &'static [&'static str], ns: bool) -> Resource {
    Resource { kind, plural, short, group: "", version: "v1", namespaced: ns }
}

const fn grouped(
    kind: &'static str,
    plural: &'static str,
    short: &'static [&'static str],
    group: &'static str,
    version: &'static str,
    namespaced: bool,
) -> Resource {
    Resource { kind, plural, short, group, version, namespaced }
}

pub const POD: Resource = core("Pod", "pods", &["po"], true);
pub const SERVICE: Resource = core("Service", "services", &["svc"], true);
pub const ENDPOINTS: Resource = core("Endpoints", "endpoints", &["ep"], true);
pub const NODE: Resource = core("Node", "nodes", &["no"], false);
pub const NAMESPACE: Resource = core("Namespace", "namespaces", &["ns"], false);
pub const EVENT: Resource = core("Event", "events", &["ev"], true);
pub const DEPLOYMENT: Resource = grouped("Deployment", "deployments", &["deploy"], "apps", "v1", true);
pub const REPLICASET: Resource = grouped("ReplicaSet", "replicasets", &["rs"], "apps", "v1", true);
pub const DAEMONSET: Resource = grouped("DaemonSet", "daemonsets", &["ds"], "apps", "v1", true);
pub const ENDPOINTSLICE: Resource = grouped("EndpointSlice", "endpointslices", &[], "discovery.k8s.io", "v1", true);
pub const LEASE: Resource = grouped("Lease", "leases", &[], "coordination.k8s.io", "v1", true);

pub const METALLB: &[Resource] = &[
    grouped("IPAddressPool", "ipaddresspools", &[], "metallb.io", "v1beta1", true),
    grouped("L2Advertisement", "l2advertisements", &[], "metallb.io", "v1beta1", true),
    grouped("BGPAdvertisement", "bgpadvertisements", &[], "metallb.io", "v1beta1", true),
    grouped("BGPPeer", "bgppeers", &[], "metallb.io", "v1beta2", true),
];

pub const CILIUM: &[Resource] = &[
    grouped(
        "CiliumLoadBalancerIPPool",
        "ciliumloadbalancerippools",
        &["ippools", "ippool", "lbippool", "lbippools"],
        "cilium.io",
        "v2",
        false,
    ),
    grouped(
        "CiliumL2AnnouncementPolicy",
        "ciliuml2announcementpolicies",
        &["l2announcement"],
        "cilium.io",
        "v2alpha1",
        false,
    ),
    grouped("GatewayClass", "gatewayclasses", &["gc"], "gateway.networking.k8s.io", "v1", false),
    grouped("Gateway", "gateways", &["gtw"], "gateway.networking.k8s.io", "v1", true),
];

const BUILTIN: &[&Resource] = &[
    &POD,
    &SERVICE,
    &ENDPOINTS,
    &NODE,
    &NAMESPACE,
    &EVENT,
    &DEPLOYMENT,
    &REPLICASET,
    &DAEMONSET,
    &ENDPOINTSLICE,
    &LEASE,
];

/// Whether Cilium runs in the cluster (vipsim's eBPF datapath is Cilium's).
pub fn cilium_installed(k: &Cluster) -> bool {
    k.config.datapath == Datapath::Ebpf || k.config.load_balancer == LoadBalancerKind::Cilium
}

/// A custom resource (an add-on's CRD) rather than a built-in kind.
pub fn is_custom(res: &Resource) -> bool {
    METALLB.iter().chain(CILIUM).any(|r| r == res)
}

/// Every resource this cluster serves, built-in ones first.
pub fn served(k: &Cluster) -> Vec<&'static Resource> {
    let mut out: Vec<&'static Resource> = BUILTIN.to_vec();
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

/// The resource of a kind (for objects that exist, so always served).
pub fn of_kind(kind: &str) -> Option<&'static Resource> {
    BUILTIN.iter().copied().chain(METALLB).chain(CILIUM).find(|r| r.kind == kind)
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
        assert_eq!(DEPLOYMENT.kind_ref(), "deployment.apps");
        assert_eq!(CILIUM[3].plural_ref(), "gateways.gateway.networking.k8s.io");
        assert_eq!(ENDPOINTSLICE.api_version(), "discovery.k8s.io/v1");
    }
}
