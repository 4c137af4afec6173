//! Every Kubernetes kind vipsim knows, named once: its API group and
//! versions, its plural and short names, whether it is namespaced, which
//! add-on installs it and whether a scenario (or `kubectl apply`) may hold
//! it. The loader's "did you mean", the apiVersion check, kubectl's
//! `service/web created` and `api-resources`, and the API server's keys
//! all read this table.

/// One API resource.
#[derive(Debug, PartialEq, Eq)]
pub struct Resource {
    pub kind: &'static str,
    pub plural: &'static str,
    pub short: &'static [&'static str],
    /// Empty for the core group.
    pub group: &'static str,
    /// The version the API server prefers (what it writes back).
    pub version: &'static str,
    /// Older or newer versions it also serves, in the order to suggest them.
    pub also_served: &'static [&'static str],
    pub namespaced: bool,
    /// The add-on whose CRD defines it; `None` for built-in kinds.
    pub addon: Option<Addon>,
    /// A scenario or `kubectl apply` may create it (it is a
    /// [`Manifest`](super::objects::Manifest) variant); the others are
    /// read-only views of what controllers make.
    pub manifest: bool,
}

/// An add-on that brings its own kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Addon {
    Metallb,
    /// Cilium, with the Gateway API CRDs it installs.
    Cilium,
}

impl Resource {
    /// `v1`, `apps/v1`: the preferred apiVersion.
    pub fn api_version(&self) -> String {
        self.qualified_version(self.version)
    }

    /// Every apiVersion served for the kind, the preferred one first.
    pub fn api_versions(&self) -> Vec<String> {
        std::iter::once(self.version)
            .chain(self.also_served.iter().copied())
            .map(|v| self.qualified_version(v))
            .collect()
    }

    fn qualified_version(&self, version: &str) -> String {
        if self.group.is_empty() { version.to_string() } else { format!("{}/{version}", self.group) }
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
}

const fn core(kind: &'static str, plural: &'static str, short: &'static [&'static str], ns: bool) -> Resource {
    Resource {
        kind,
        plural,
        short,
        group: "",
        version: "v1",
        also_served: &[],
        namespaced: ns,
        addon: None,
        manifest: false,
    }
}

const fn grouped(
    kind: &'static str,
    plural: &'static str,
    short: &'static [&'static str],
    group: &'static str,
    version: &'static str,
    namespaced: bool,
) -> Resource {
    Resource { kind, plural, short, group, version, also_served: &[], namespaced, addon: None, manifest: false }
}

/// The same resource, one a scenario may hold.
const fn manifest(r: Resource) -> Resource {
    Resource { manifest: true, ..r }
}

/// The same resource, defined by `addon`'s CRD (which a scenario may hold).
const fn custom(addon: Addon, also_served: &'static [&'static str], r: Resource) -> Resource {
    Resource { addon: Some(addon), also_served, manifest: true, ..r }
}

pub const NAMESPACE: Resource = manifest(core("Namespace", "namespaces", &["ns"], false));
pub const DEPLOYMENT: Resource = manifest(grouped("Deployment", "deployments", &["deploy"], "apps", "v1", true));
pub const POD: Resource = manifest(core("Pod", "pods", &["po"], true));
pub const SERVICE: Resource = manifest(core("Service", "services", &["svc"], true));
pub const ENDPOINTS: Resource = core("Endpoints", "endpoints", &["ep"], true);
pub const NODE: Resource = core("Node", "nodes", &["no"], false);
pub const EVENT: Resource = core("Event", "events", &["ev"], true);
pub const REPLICASET: Resource = grouped("ReplicaSet", "replicasets", &["rs"], "apps", "v1", true);
pub const DAEMONSET: Resource = grouped("DaemonSet", "daemonsets", &["ds"], "apps", "v1", true);
pub const ENDPOINTSLICE: Resource = grouped("EndpointSlice", "endpointslices", &[], "discovery.k8s.io", "v1", true);
pub const LEASE: Resource = grouped("Lease", "leases", &[], "coordination.k8s.io", "v1", true);

/// The built-in kinds, those a scenario may hold first.
pub const BUILTIN: &[&Resource] = &[
    &NAMESPACE,
    &DEPLOYMENT,
    &POD,
    &SERVICE,
    &ENDPOINTS,
    &NODE,
    &EVENT,
    &REPLICASET,
    &DAEMONSET,
    &ENDPOINTSLICE,
    &LEASE,
];

/// MetalLB 0.14's CRDs that vipsim models (config.metallb.io: BGPPeer is
/// served as v1beta2 and v1beta1).
pub const METALLB: &[Resource] = &[
    custom(Addon::Metallb, &[], grouped("IPAddressPool", "ipaddresspools", &[], "metallb.io", "v1beta1", true)),
    custom(Addon::Metallb, &[], grouped("L2Advertisement", "l2advertisements", &[], "metallb.io", "v1beta1", true)),
    custom(Addon::Metallb, &[], grouped("BGPAdvertisement", "bgpadvertisements", &[], "metallb.io", "v1beta1", true)),
    custom(Addon::Metallb, &["v1beta1"], grouped("BGPPeer", "bgppeers", &[], "metallb.io", "v1beta2", true)),
];

/// Cilium 1.18's CRDs that vipsim models, and the Gateway API's.
pub const CILIUM: &[Resource] = &[
    custom(
        Addon::Cilium,
        &["v2alpha1"],
        grouped(
            "CiliumLoadBalancerIPPool",
            "ciliumloadbalancerippools",
            &["ippools", "ippool", "lbippool", "lbippools"],
            "cilium.io",
            "v2",
            false,
        ),
    ),
    custom(
        Addon::Cilium,
        &["v2"],
        grouped(
            "CiliumL2AnnouncementPolicy",
            "ciliuml2announcementpolicies",
            &["l2announcement"],
            "cilium.io",
            "v2alpha1",
            false,
        ),
    ),
    custom(
        Addon::Cilium,
        &["v1beta1"],
        grouped("GatewayClass", "gatewayclasses", &["gc"], "gateway.networking.k8s.io", "v1", false),
    ),
    custom(
        Addon::Cilium,
        &["v1beta1"],
        grouped("Gateway", "gateways", &["gtw"], "gateway.networking.k8s.io", "v1", true),
    ),
];

/// Every kind, built-in ones first.
pub fn all() -> impl Iterator<Item = &'static Resource> {
    BUILTIN.iter().copied().chain(METALLB).chain(CILIUM)
}

/// The resource of a kind (`Service`, `IPAddressPool`).
pub fn of_kind(kind: &str) -> Option<&'static Resource> {
    all().find(|r| r.kind == kind)
}

/// The kinds a scenario may hold, in the order error messages list them.
pub fn manifest_kinds() -> Vec<&'static str> {
    all().filter(|r| r.manifest).map(|r| r.kind).collect()
}

/// Whether objects of `kind` live in a namespace (unknown kinds do).
pub fn namespaced(kind: &str) -> bool {
    of_kind(kind).is_none_or(|r| r.namespaced)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(DEPLOYMENT.kind_ref(), "deployment.apps");
        assert_eq!(CILIUM[3].plural_ref(), "gateways.gateway.networking.k8s.io");
        assert_eq!(ENDPOINTSLICE.api_version(), "discovery.k8s.io/v1");
        assert_eq!(
            of_kind("BGPPeer").map(Resource::api_versions),
            Some(vec!["metallb.io/v1beta2".into(), "metallb.io/v1beta1".into()])
        );
        assert_eq!(
            manifest_kinds(),
            [
                "Namespace",
                "Deployment",
                "Pod",
                "Service",
                "IPAddressPool",
                "L2Advertisement",
                "BGPAdvertisement",
                "BGPPeer",
                "CiliumLoadBalancerIPPool",
                "CiliumL2AnnouncementPolicy",
                "GatewayClass",
                "Gateway",
            ]
        );
        assert!(!namespaced("GatewayClass") && namespaced("Gateway") && !namespaced("Node"));
    }
}
