//! What `kubectl` does to the cluster: apply, delete, patch, scale,
//! cordon, drain, and the changes to a Deployment's template (`set
//! image`, `rollout restart|undo`). Each returns kubectl's one-line answer
//! (`service/web created`) or its error, then the caller reconciles.

use super::cluster::{Deployment, DeploymentStatus, REVISION_ANNOTATION, Service, Stored, key};
use super::control::Plane;
use super::kinds;
use super::names::is_dns1035_label;
use super::objects::{DeploymentSpec, ObjectMeta};
use super::objects::{Manifest, ServiceSpec, ServiceType};
use super::services;
use super::workloads;
use crate::sort::Sort;
use crate::time::Duration;

/// kubectl's `resource.group` spelling of a kind, as in `service/web created`.
pub fn resource_name(kind: &str) -> String {
    kinds::of_kind(kind).map_or_else(|| "object".to_string(), kinds::Resource::kind_ref)
}

/// Where the API server keeps an object of a kind without a typed table:
/// `kind/namespace/name`, the namespace empty for cluster-scoped kinds.
fn object_key(kind: &str, ns: Option<&str>, name: &str) -> String {
    format!("{kind}/{}/{name}", ns.unwrap_or(""))
}

fn stored_key(m: &Manifest) -> String {
    object_key(m.kind(), m.namespace(), &m.metadata().name)
}

/// The most pods a scenario runs: every Deployment's replicas plus bare
/// Pods. Tens of thousands of pods would stall the page for minutes, so
/// more is refused up front (by the loader and by `kubectl apply`/`scale`)
/// instead of run slowly. At the limit (one Deployment of 5,000 pods on
/// 50 nodes behind 10 Services, 60 simulated s) a native run takes about
/// 14 s: a pod's change still costs a pass over its ReplicaSet's pods.
pub const MAX_PODS: u64 = 5000;

/// The error for a change that would run more than [`MAX_PODS`] pods.
pub fn too_many_pods(what: &str, total: u64) -> String {
    format!("{what} would make {total} pods; vipsim runs at most {MAX_PODS} pods in a scenario")
}

impl Plane<'_, '_, '_> {
    /// Pods the cluster asks for, not counting Deployment `except`:
    /// Deployments' replicas and Pods no Deployment owns.
    fn wanted_pods(&self, except: Option<&str>) -> u64 {
        let replicas: u64 = self
            .k
            .deployments
            .iter()
            .filter(|(k, _)| Some(k.as_str()) != except)
            .map(|(_, d)| u64::from(d.spec.replicas))
            .sum();
        replicas + self.k.pods.values().filter(|p| p.owner.is_none()).count() as u64
    }

    /// Refuses `replicas` for Deployment `dkey` when the cluster would then want more than [`MAX_PODS`].
    fn check_replicas(&self, dkey: &str, name: &str, replicas: u32) -> Result<(), String> {
        let total = self.wanted_pods(Some(dkey)) + u64::from(replicas);
        if total > MAX_PODS {
            return Err(format!(
                "error: {}",
                too_many_pods(&format!("{replicas} replicas for deployment.apps/{name}"), total)
            ));
        }
        Ok(())
    }

    /// `kubectl apply`: creates the object or updates it in place.
    pub fn apply(&mut self, m: &Manifest) -> Result<String, String> {
        let now = self.cx.now;
        let name = m.metadata().name.clone();
        let res = resource_name(m.kind());
        if let Some(ns) = m.namespace()
            && !self.k.namespaces.contains_key(ns)
        {
            return Err(format!(
                "Error from server (NotFound): error when creating \"{name}\": namespaces \"{ns}\" not found"
            ));
        }
        if let Manifest::BGPPeer { spec, .. } = m
            && let Some(r) = spec.refused()
        {
            return Err(if r.webhook {
                format!(
                    "Error from server (Forbidden): error when creating \"{name}\": admission webhook \"{}\" denied the request: {}",
                    super::objects::BGPPEER_WEBHOOK,
                    r.message
                )
            } else {
                format!(
                    "vipsim: {}: MetalLB admits this BGPPeer but its native BGP mode cannot load the configuration ({}); a refused configuration is not modelled",
                    r.path, r.message
                )
            });
        }
        if let Manifest::IPAddressPool { metadata, spec, .. } = m
            && m.namespace() == Some(super::cluster::METALLB_NAMESPACE)
        {
            let mut pools = self.k.metallb_pools();
            pools.stable_sort_by(|a, b| a.0.name.cmp(&b.0.name));
            match pools.iter_mut().find(|(meta, _)| meta.name == metadata.name) {
                Some(pool) => *pool = (metadata.clone(), spec.clone()),
                None => pools.push((metadata.clone(), spec.clone())),
            }
            if let Err(e) = super::ipam::metallb::MetalLbIpam::admit_pools(&pools, &self.k.namespaces_with_labels()) {
                return Err(format!(
                    "Error from server (Forbidden): error when creating \"{name}\": admission webhook \"{}\" denied the request: {e}",
                    super::objects::IPADDRESSPOOL_WEBHOOK
                ));
            }
        }
        let verb = match m {
            Manifest::Namespace { metadata, .. } => {
                let relabelled = match self.k.namespace_labels.get(&metadata.name) {
                    Some(labels) => labels != &metadata.labels,
                    None => !metadata.labels.is_empty(),
                };
                if relabelled {
                    self.k.namespace_labels.insert(metadata.name.clone(), metadata.labels.clone());
                    self.k.namespace_labels.retain(|_, labels| !labels.is_empty());
                    self.k.touched.all = true;
                }
                if !self.k.namespaces.contains_key(&metadata.name) {
                    self.k.namespaces.insert(metadata.name.clone(), now);
                    "created"
                } else if relabelled {
                    "configured"
                } else {
                    "unchanged"
                }
            }
            Manifest::Deployment { metadata, spec, .. } => {
                let ns = m.namespace().unwrap_or("default").to_string();
                self.apply_deployment(&ns, metadata, spec)?
            }
            Manifest::Pod { metadata, spec, .. } => {
                let ns = m.namespace().unwrap_or("default").to_string();
                let pk = key(&ns, &name);
                if !self.k.pods.contains_key(&pk) {
                    let total = self.wanted_pods(None) + 1;
                    if total > MAX_PODS {
                        return Err(format!("error: {}", too_many_pods(&format!("pod/{name}"), total)));
                    }
                }
                if let std::collections::btree_map::Entry::Vacant(e) = self.k.pods.entry(pk) {
                    let pod = workloads::new_pod(
                        &ns,
                        name.clone(),
                        metadata.labels.clone(),
                        metadata.annotations.clone(),
                        spec.clone(),
                        None,
                        now,
                        self.k.config.eviction_timeout,
                    );
                    e.insert(pod);
                    "created"
                } else {
                    "unchanged"
                }
            }
            Manifest::Service { metadata, spec, .. } => {
                self.apply_service(m.namespace().unwrap_or("default"), metadata, spec)?
            }
            other => {
                let sk = stored_key(other);
                match self.k.objects.get_mut(&sk) {
                    Some(s) if s.manifest == *other => "unchanged",
                    Some(s) => {
                        s.manifest = other.clone();
                        "configured"
                    }
                    None => {
                        self.k.objects.insert(sk, Stored { manifest: other.clone(), created: now });
                        "created"
                    }
                }
            }
        };
        // The controllers look at what this touched; a change to any other
        // kind (pools, advertisements, policies) concerns everything.
        let ns = m.namespace().unwrap_or("default");
        match m {
            Manifest::Service { .. } => {
                self.k.touched.services.insert(key(ns, &name));
            }
            Manifest::Deployment { .. } => {
                self.k.touched.deployments.insert(key(ns, &name));
            }
            Manifest::Pod { .. } => self.k.touch_pod(&key(ns, &name)),
            _ => self.k.touched.all = true,
        }
        self.run_controllers();
        Ok(format!("{res}/{name} {verb}"))
    }

    /// Creates or updates a Deployment after the API server's checks; the
    /// Deployment controller does the rest (a new template rolls out).
    fn apply_deployment(&mut self, ns: &str, meta: &ObjectMeta, spec: &DeploymentSpec) -> Result<&'static str, String> {
        let now = self.cx.now;
        let name = meta.name.clone();
        let dkey = key(ns, &name);
        invalid_deployment(&name, spec)?;
        self.check_replicas(&dkey, &name, spec.replicas)?;
        let without_revision = |m: &ObjectMeta| {
            let mut m = m.clone();
            m.annotations.remove(REVISION_ANNOTATION);
            m
        };
        match self.k.deployments.get_mut(&dkey) {
            Some(d) if d.spec == *spec && without_revision(&d.meta) == without_revision(meta) => Ok("unchanged"),
            Some(d) => {
                let revision = d.meta.annotations.get(REVISION_ANNOTATION).cloned();
                if d.spec != *spec {
                    d.generation += 1;
                }
                d.spec = spec.clone();
                d.meta = meta.clone();
                if let Some(r) = revision {
                    d.meta.annotations.insert(REVISION_ANNOTATION.into(), r);
                }
                Ok("configured")
            }
            None => {
                self.k.deployments.insert(
                    dkey,
                    Deployment {
                        meta: meta.clone(),
                        namespace: ns.to_string(),
                        spec: spec.clone(),
                        created: now,
                        generation: 1,
                        collision_count: None,
                        status: DeploymentStatus::default(),
                        progress_check: None,
                    },
                );
                Ok("created")
            }
        }
    }

    /// The Deployment `ns/name`, or kubectl's NotFound error.
    pub fn deployment(&self, ns: &str, name: &str) -> Result<&Deployment, String> {
        self.k
            .deployments
            .get(&key(ns, name))
            .ok_or_else(|| format!("Error from server (NotFound): deployments.apps \"{name}\" not found"))
    }

    /// Replaces a Deployment's spec (a patch, `set image`, `rollout
    /// restart|undo`); `None` when nothing changed.
    pub fn update_deployment(&mut self, ns: &str, name: &str, spec: DeploymentSpec) -> Result<Option<()>, String> {
        let d = self.deployment(ns, name)?;
        if d.spec == spec {
            return Ok(None);
        }
        let meta = d.meta.clone();
        self.apply_deployment(ns, &meta, &spec)?;
        self.k.touched.deployments.insert(key(ns, name));
        self.run_controllers();
        Ok(Some(()))
    }

    /// `kubectl patch deployment NAME -p '<json>'`: a strategic merge patch
    /// (kubectl's default) or a JSON merge patch (`--type merge`).
    /// With the API server's warnings (unknown fields it dropped).
    pub fn patch_deployment(
        &mut self,
        ns: &str,
        name: &str,
        patch: &str,
        strategic: bool,
        read: ReadManifest<'_>,
    ) -> Result<(Vec<String>, String), String> {
        let d = self.deployment(ns, name)?;
        let doc = serde_json::json!({ "metadata": d.meta, "spec": d.spec });
        let (patched, warnings) = apply_patch(read, doc, patch, strategic, "apps/v1", "Deployment")?;
        let Manifest::Deployment { metadata: meta, spec, .. } = patched else {
            return Err(format!("error: deployment.apps/{name} read back as a {}", patched.kind()));
        };
        if meta.name != name {
            return Err(format!(
                "The Deployment \"{name}\" is invalid: metadata.name: Invalid value: \"{}\": field is immutable",
                meta.name
            ));
        }
        let verb = self.apply_deployment(ns, &meta, &spec)?;
        self.k.touched.deployments.insert(key(ns, name));
        self.run_controllers();
        let line = if verb == "unchanged" {
            format!("deployment.apps/{name} patched (no change)")
        } else {
            format!("deployment.apps/{name} patched")
        };
        Ok((warnings, line))
    }

    fn apply_service(
        &mut self,
        ns: &str,
        meta: &super::objects::ObjectMeta,
        spec: &ServiceSpec,
    ) -> Result<&'static str, String> {
        let now = self.cx.now;
        let skey = key(ns, &meta.name);
        if let Some(existing) = self.k.services.get(&skey)
            && existing.spec == *spec
            && existing.meta.labels == meta.labels
            && existing.meta.annotations == meta.annotations
        {
            return Ok("unchanged");
        }
        let mut svc = match self.k.services.get(&skey) {
            Some(s) => s.clone(),
            None => Service::new(meta.clone(), ns, spec.clone(), now),
        };
        let created = !self.k.services.contains_key(&skey);
        // `ValidateServiceName` (pkg/apis/core/validation): a DNS-1035 label,
        // in apimachinery's words (pkg/util/validation `IsDNS1035Label`).
        // The loader checks manifests; `kubectl expose --name` comes here.
        let name = &meta.name;
        if created && name.len() > 63 {
            return Err(format!(
                "The Service \"{name}\" is invalid: metadata.name: Invalid value: \"{name}\": must be no more than 63 characters"
            ));
        }
        if created && !is_dns1035_label(name) {
            return Err(format!(
                "The Service \"{name}\" is invalid: metadata.name: Invalid value: \"{name}\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
            ));
        }
        // A health-check node port the stored Local LoadBalancer already
        // holds may stay in a spec that no longer needs one: the API server
        // then drops it (`healthCheckNodePortAllowed`, `dropServiceTypeFields`
        // in pkg/registry/core/service/storage/storage.go).
        let kept_health_check = !created
            && svc.is_load_balancer()
            && svc.external_local()
            && spec.health_check_node_port == svc.health_check_node_port;
        // `validateLoadBalancerClassField` (pkg/apis/core/validation,
        // Kubernetes 1.34): a LoadBalancer staying one keeps its class.
        let load_balancer = ServiceType::LoadBalancer;
        if !created
            && svc.spec.service_type == load_balancer
            && spec.service_type == load_balancer
            && svc.spec.load_balancer_class != spec.load_balancer_class
        {
            let value = spec.load_balancer_class.as_deref().unwrap_or("null");
            return Err(format!(
                "The Service \"{name}\" is invalid: spec.loadBalancerClass: Invalid value: \"{value}\": may not change once set"
            ));
        }
        if let Some((path, message)) = services::validate_api_fields(spec)
            .into_iter()
            .find(|(path, _)| !(kept_health_check && path == "spec.healthCheckNodePort"))
        {
            return Err(format!("The Service \"{}\" is invalid: {path}: {message}", meta.name));
        }
        let mut wanted = spec.clone();
        // Allocated values stay unless the new spec asks for others.
        if !created {
            if wanted.cluster_ip.is_none() {
                wanted.cluster_ip = svc.cluster_ip.map(|i| i.to_string());
            }
            for (i, p) in wanted.ports.iter_mut().enumerate() {
                if p.node_port.is_none() {
                    p.node_port = svc.node_ports.get(i).copied().flatten();
                }
            }
            if wanted.health_check_node_port.is_none() {
                wanted.health_check_node_port = svc.health_check_node_port;
            }
        }
        svc.meta = meta.clone();
        svc.spec = wanted;
        services::validate_session_affinity(&svc.spec)
            .map_err(|(path, message)| format!("{path}: {message}"))
            .and_then(|()| services::allocate_addresses(self.k, &mut svc, self.cx.rng))
            .map_err(|e| format!("The Service \"{}\" is invalid: {e}", meta.name))?;
        svc.spec = spec.clone();
        // No longer a LoadBalancer: the allocators forget it, whether it
        // had an address or was still waiting for one (which it would
        // otherwise take, unseen, when one is freed).
        if !svc.is_load_balancer() {
            svc.ingress.clear();
            self.k.metallb.release(&skey);
            self.k.cilium.release(&skey);
        }
        self.k.services.insert(skey, svc);
        Ok(if created { "created" } else { "configured" })
    }

    /// `kubectl delete KIND NAME`.
    pub fn delete(&mut self, kind: &str, ns: &str, name: &str) -> Result<String, String> {
        self.delete_with_grace(kind, ns, name, None)
    }

    /// `kubectl delete KIND NAME` with the grace period kubectl sends
    /// (`--grace-period`, `--now`, `--force`), if any: a pod gets it as its
    /// deletion grace period (0: gone at once); kubectl then says `force
    /// deleted` (`PrintObj`, kubectl pkg/cmd/delete/delete.go, 1.34).
    pub fn delete_with_grace(
        &mut self,
        kind: &str,
        ns: &str,
        name: &str,
        grace: Option<Duration>,
    ) -> Result<String, String> {
        let k2 = key(ns, name);
        let res = resource_name(kind);
        let namespaced = kinds::namespaced(kind);
        let found = match kind {
            "Service" => {
                let gone = self.k.services.remove(&k2).is_some();
                self.k.metallb.release(&k2);
                self.k.cilium.release(&k2);
                self.k.slices.remove(&k2);
                self.k.leases.remove(&k2);
                gone
            }
            "Deployment" => {
                // The garbage collector deletes its ReplicaSets, then their pods.
                let gone = self.k.deployments.remove(&k2).is_some();
                let sets: Vec<String> = self
                    .k
                    .replica_sets
                    .values()
                    .filter(|rs| rs.namespace == ns && rs.deployment == name)
                    .map(|rs| rs.key())
                    .collect();
                for rs in &sets {
                    self.k.replica_sets.remove(rs);
                }
                let pods: Vec<String> = self
                    .k
                    .pods
                    .values()
                    .filter(|p| p.owner.as_ref().is_some_and(|o| sets.contains(o)))
                    .map(|p| p.key())
                    .collect();
                for pk in pods {
                    self.delete_pod(&pk);
                }
                gone
            }
            "Pod" => {
                let exists = self.k.pods.contains_key(&k2);
                self.delete_pod_with(&k2, grace);
                exists
            }
            "Namespace" => {
                self.k.namespace_labels.remove(name);
                self.k.namespaces.remove(name).is_some()
            }
            // The object under the asked namespace and name, as the API
            // server keys it (NamespaceKeyFunc), not a namesake elsewhere.
            _ => self.k.objects.remove(&object_key(kind, namespaced.then_some(ns), name)).is_some(),
        };
        if !found {
            return Err(format!(
                "Error from server (NotFound): {}s \"{name}\" not found",
                res.split('.').next().unwrap_or(&res)
            ));
        }
        match kind {
            "Service" => {
                self.k.touched.services.insert(k2);
            }
            "Deployment" => {
                self.k.touched.deployments.insert(k2);
            }
            // delete_pod noted the pod.
            "Pod" => {}
            _ => self.k.touched.all = true,
        }
        self.run_controllers();
        let operation = if grace == Some(Duration::ZERO) { "force deleted" } else { "deleted" };
        // kubectl >= 1.33 names the namespace of what it deleted.
        Ok(if !namespaced {
            format!("{res} \"{name}\" {operation}")
        } else {
            format!("{res} \"{name}\" {operation} from {ns} namespace")
        })
    }

    /// `kubectl patch svc NAME -p '<json>'`: a strategic merge patch
    /// (ports merge by `port`) or a JSON merge patch of the Service.
    /// With the API server's warnings (unknown fields it dropped).
    pub fn patch_service(
        &mut self,
        ns: &str,
        name: &str,
        patch: &str,
        strategic: bool,
        read: ReadManifest<'_>,
    ) -> Result<(Vec<String>, String), String> {
        let skey = key(ns, name);
        let svc = self
            .k
            .services
            .get(&skey)
            .ok_or_else(|| format!("Error from server (NotFound): services \"{name}\" not found"))?;
        let doc = serde_json::json!({ "metadata": svc.meta, "spec": svc.spec });
        let (patched, warnings) = apply_patch(read, doc, patch, strategic, "v1", "Service")?;
        let Manifest::Service { metadata: meta, spec, .. } = patched else {
            return Err(format!("error: service/{name} read back as a {}", patched.kind()));
        };
        let verb = self.apply_service(ns, &meta, &spec)?;
        self.k.touched.services.insert(skey);
        self.run_controllers();
        let line = if verb == "unchanged" {
            format!("service/{name} patched (no change)")
        } else {
            format!("service/{name} patched")
        };
        Ok((warnings, line))
    }

    /// `kubectl scale deployment NAME --replicas=N`.
    pub fn scale(&mut self, ns: &str, name: &str, replicas: u32) -> Result<String, String> {
        let dkey = key(ns, name);
        if self.k.deployments.contains_key(&dkey) {
            self.check_replicas(&dkey, name, replicas)?;
        }
        let d = self
            .k
            .deployments
            .get_mut(&dkey)
            .ok_or_else(|| format!("Error from server (NotFound): deployments.apps \"{name}\" not found"))?;
        if d.spec.replicas != replicas {
            d.spec.replicas = replicas;
            d.generation += 1;
        }
        self.k.touched.deployments.insert(dkey);
        self.run_controllers();
        Ok(format!("deployment.apps/{name} scaled"))
    }

    /// `kubectl cordon` / `uncordon`.
    pub fn cordon(&mut self, node: &str, on: bool) -> Result<String, String> {
        let n = self
            .k
            .nodes
            .get_mut(node)
            .ok_or_else(|| format!("Error from server (NotFound): nodes \"{node}\" not found"))?;
        let verb = match (n.unschedulable, on) {
            (true, true) => "already cordoned",
            (false, false) => "already uncordoned",
            (_, true) => "cordoned",
            (_, false) => "uncordoned",
        };
        n.unschedulable = on;
        self.reconcile();
        Ok(format!("node/{node} {verb}"))
    }

    /// `kubectl label` of a node or a Service: sets `set`, removes
    /// `remove`, and answers as kubectl 1.34 does (pkg/cmd/label/label.go):
    /// a key that has another value needs `overwrite`, a key to remove
    /// that is not there is noted, and the answer says `labeled`,
    /// `unlabeled` (fewer labels, without `--overwrite`) or `not labeled`.
    /// Node labels steer the scheduler, MetalLB's advertisement node
    /// selectors and exclusion label, and Cilium's policies; Service
    /// labels, the pools' and policies' service selectors.
    pub fn label(
        &mut self,
        kind: &str,
        ns: &str,
        name: &str,
        set: &[(String, String)],
        remove: &[String],
        overwrite: bool,
    ) -> Result<(Vec<String>, String), String> {
        let (labels, reference) = match kind {
            "Node" => (self.k.nodes.get_mut(name).map(|n| &mut n.labels), format!("nodes \"{name}\"")),
            "Service" => {
                (self.k.services.get_mut(&key(ns, name)).map(|s| &mut s.meta.labels), format!("services \"{name}\""))
            }
            _ => unreachable!("the console asks for nodes and Services only"),
        };
        let labels = labels.ok_or_else(|| format!("Error from server (NotFound): {reference} not found"))?;
        if !overwrite {
            let taken: Vec<String> = set
                .iter()
                .filter_map(|(k, v)| {
                    labels
                        .get(k)
                        .filter(|old| *old != v)
                        .map(|old| format!("'{k}' already has a value ({old}), and --overwrite is false"))
                })
                .collect();
            if !taken.is_empty() {
                return Err(format!("error: {}", taken.join(", ")));
            }
        }
        let notes: Vec<String> =
            remove.iter().filter(|k| !labels.contains_key(*k)).map(|k| format!("label \"{k}\" not found.")).collect();
        let before = labels.clone();
        for k in remove {
            labels.remove(k);
        }
        for (k, v) in set {
            labels.insert(k.clone(), v.clone());
        }
        let changed = *labels != before;
        let fewer = labels.len() < before.len();
        let verb = match (changed, !overwrite && fewer) {
            (false, _) => "not labeled",
            (true, true) => "unlabeled",
            (true, false) => "labeled",
        };
        if changed {
            self.reconcile();
        }
        Ok((notes, format!("{}/{name} {verb}", resource_name(kind))))
    }

    /// `kubectl drain --ignore-daemonsets [--force]`: cordon, then evict
    /// every pod on the node ([`Self::drain_pods`]).
    pub fn drain(&mut self, node: &str, force: bool) -> Result<String, String> {
        let cordoned = self.cordon(node, true)?;
        Ok(format!("{cordoned}\n{}", self.drain_pods(node, force)?))
    }

    /// The pods on `node` that no controller owns (bare Pods), as `NS/NAME`.
    pub fn bare_pods(&self, node: &str) -> Vec<String> {
        self.k
            .pods
            .values()
            .filter(|p| p.node.as_deref() == Some(node) && !p.terminating() && p.owner.is_none())
            .map(|p| p.key())
            .collect()
    }

    /// A cordoned node's drain: every pod on it is evicted. A pod no
    /// controller owns (a bare Pod) stops the drain unless `force`, as
    /// kubectl's `unreplicatedFilter` does (kubectl pkg/drain/filters.go,
    /// 1.34), with the error kubectl prints last; with `force` it is
    /// evicted too, after a warning.
    pub fn drain_pods(&mut self, node: &str, force: bool) -> Result<String, String> {
        let bare = self.bare_pods(node);
        if !bare.is_empty() && !force {
            return Err(format!("{UNMANAGED_FATAL}: {}", bare.join(", ")));
        }
        let pods: Vec<String> = self
            .k
            .pods
            .values()
            .filter(|p| p.node.as_deref() == Some(node) && !p.terminating())
            .map(|p| p.key())
            .collect();
        let daemon_pods: Vec<String> = workloads::system_daemonsets(&self.k.config)
            .into_iter()
            .map(|(ns, ds)| format!("{ns}/{}", workloads::daemon_pod_name(ds, node)))
            .collect();
        // `PodDeleteList.Warnings`: one `message: pods` per kind, joined with "; ".
        let mut warnings = Vec::new();
        if !daemon_pods.is_empty() {
            warnings.push(format!("ignoring DaemonSet-managed Pods: {}", daemon_pods.join(", ")));
        }
        if !bare.is_empty() {
            warnings.push(format!("deleting Pods that declare no controller: {}", bare.join(", ")));
        }
        let mut out = Vec::new();
        if !warnings.is_empty() {
            out.push(format!("Warning: {}", warnings.join("; ")));
        }
        for pk in &pods {
            out.push(format!("evicting pod {pk}"));
        }
        for pk in &pods {
            self.delete_pod(pk);
            out.push(format!("pod/{} evicted", pk.split('/').nth(1).unwrap_or(pk)));
        }
        out.push(format!("node/{node} drained"));
        self.reconcile();
        Ok(out.join("\n"))
    }
}

/// kubectl's error for a pod no controller owns (`unmanagedFatal`, kubectl
/// pkg/drain/filters.go; since kubectl 1.33 `errors()` no longer puts a
/// second "cannot delete" in front of it).
pub const UNMANAGED_FATAL: &str = "cannot delete Pods that declare no controller (use --force to override)";

/// The API server's validation of a Deployment spec, as kubectl prints it.
pub fn invalid_deployment(name: &str, spec: &DeploymentSpec) -> Result<(), String> {
    let errors: Vec<String> = spec.invalid().into_iter().map(|e| format!("{}: {}", e.path, e.api)).collect();
    match errors.as_slice() {
        [] => Ok(()),
        [one] => Err(format!("The Deployment \"{name}\" is invalid: {one}")),
        many => Err(format!("The Deployment \"{name}\" is invalid: [{}]", many.join(", "))),
    }
}

/// The merge key of a list a strategic merge patch merges item by item
/// (`patchMergeKey` in k8s.io/api), by the field names leading to it.
fn merge_key(path: &str) -> Option<&'static str> {
    let last = |n: usize| path.rsplit('.').take(n).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join(".");
    match last(2).as_str() {
        "containers.ports" | "initContainers.ports" => return Some("containerPort"),
        "containers.env" | "initContainers.env" => return Some("name"),
        "containers.volumeMounts" | "initContainers.volumeMounts" => return Some("mountPath"),
        "spec.ports" if !path.contains("template") => return Some("port"),
        _ => {}
    }
    match last(1).as_str() {
        "containers" | "initContainers" | "volumes" | "imagePullSecrets" => Some("name"),
        "topologySpreadConstraints" => Some("topologyKey"),
        _ => None,
    }
}

/// Reads an object's JSON text as its kind's manifest, or gives the first
/// problem as (field path, reason): the scenario loader's reading, passed
/// down by the console (the loader is a layer above this one).
pub type ReadManifest<'a> = &'a dyn Fn(&str) -> Result<Manifest, (String, String)>;

/// Parses the patch text (kubectl's `unable to parse` error when it is not
/// JSON), applies it as a strategic merge patch (kubectl's default) or a JSON merge
/// patch to an object's `metadata` and `spec` (`doc`), and reads the result
/// back as its kind's manifest with `read` (the console passes the scenario
/// loader's `manifest_from_json`, so that the wasm carries one compiled
/// deserializer per type for scenario files and patches alike).
/// Returns the manifest with the API server's warnings.
///
/// kubectl patch sends no field validation directive (it has no
/// `--validate` flag: staging/src/k8s.io/kubectl/pkg/cmd/patch/patch.go,
/// v0.34.0), so the API server takes its default, Warn (`fieldValidation`
/// in k8s.io/apiserver pkg/endpoints/handlers/rest.go, 1.34): each unknown
/// field is dropped with the warning `unknown field "spec.foo"` and the
/// patch goes on. A value of the wrong type fails the whole patch
/// (`applyPatchToObject` and `jsonPatcher.applyPatchToCurrentObject` in
/// handlers/patch.go): an `Invalid value` of the field `patch`, quoting the
/// patch as Go prints a map (strategic) or the patched object as JSON
/// (merge), which kubectl prints as `The request is invalid: ...`. The
/// reason after it is vipsim's, naming the field; the API server says
/// `unrecognized type: int32` (strategic: the unstructured converter has no
/// path) or Go's `json: cannot unmarshal string into Go struct field
/// ServicePort.spec.ports.port of type int32` (merge).
fn apply_patch(
    read: ReadManifest<'_>,
    mut doc: serde_json::Value,
    patch: &str,
    strategic: bool,
    api_version: &str,
    kind: &str,
) -> Result<(Manifest, Vec<String>), String> {
    let patch = &read_patch(patch, strategic)?;
    if strategic {
        strategic_merge(&mut doc, patch, "");
    } else {
        merge_patch(&mut doc, patch);
    }
    // The type is the object's own, whatever the patch says of it.
    if let Some(fields) = doc.as_object_mut() {
        fields.insert("apiVersion".into(), api_version.into());
        fields.insert("kind".into(), kind.into());
    }
    let quoted = if strategic { go_value(patch) } else { doc.to_string() };
    let mut warnings = Vec::new();
    loop {
        let (path, message) = match read(&doc.to_string()) {
            Ok(manifest) => return Ok((manifest, warnings)),
            Err(problem) => problem,
        };
        let unknown = message.strip_prefix("unknown field `").and_then(|rest| rest.split('`').next());
        if let Some(field) = unknown
            && warnings.len() < 100
            && drop_field(&mut doc, &path, field)
        {
            warnings.push(format!("unknown field \"{path}\""));
            continue;
        }
        let reason = if path.is_empty() { message } else { format!("{path}: {message}") };
        return Err(format!("The request is invalid: patch: Invalid value: {quoted:?}: {reason}"));
    }
}

/// The patch `kubectl patch -p` sends, as the API server decodes it.
///
/// kubectl converts a YAML patch to JSON, but passes text that starts with
/// `{` on untouched (`yaml.ToJSON`, k8s.io/apimachinery
/// pkg/util/yaml/decoder.go, 1.34). So a YAML mistake is kubectl's own
/// `unable to parse %q: yaml: ...` (RunPatch, kubectl pkg/cmd/patch/patch.go,
/// v0.34.0, with go-yaml v2's words), and a JSON mistake is the API
/// server's 400 with Go's `encoding/json` words (`strategicPatchObject`;
/// a merge patch's begin `error decoding patch: `, `jsonPatcher.applyJSPatch`;
/// k8s.io/apiserver pkg/endpoints/handlers/patch.go, 1.34), as is a patch
/// that is not an object. A `null` patch decodes as an empty one.
fn read_patch(patch: &str, strategic: bool) -> Result<serde_json::Value, String> {
    use serde::Deserialize;
    use serde_json::Value;
    let refused = |why: String| {
        let why = if strategic { why } else { format!("error decoding patch: {why}") };
        format!("Error from server (BadRequest): {why}")
    };
    let value = if patch.trim_start().starts_with('{') {
        if let Some(why) = crate::json::go_syntax_error(patch) {
            return Err(refused(why));
        }
        crate::json::read(patch).map_err(|e| refused(e.to_string()))?
    } else {
        Value::deserialize(serde_norway::Deserializer::from_str(patch)).map_err(|e| {
            let why = e.go_yaml_message().unwrap_or_else(|| e.to_string());
            format!("error: unable to parse {}: yaml: {why}", crate::json::go_quote(patch))
        })?
    };
    let kind = match value {
        Value::Object(_) => return Ok(value),
        Value::Null => return Ok(Value::Object(Default::default())),
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
    };
    Err(refused(format!("json: cannot unmarshal {kind} into Go value of type map[string]interface {{}}")))
}

/// Removes the unknown `field` at `path` (`spec.ports[0].foo`) from `doc`;
/// false when the path does not lead there.
fn drop_field(doc: &mut serde_json::Value, path: &str, field: &str) -> bool {
    let Some(parent) = path.strip_suffix(field).map(|p| p.strip_suffix('.').unwrap_or(p)) else {
        return false;
    };
    let mut at = doc;
    for step in parent.split('.').filter(|s| !s.is_empty()) {
        let (key, indices) = step.split_once('[').map_or((step, ""), |(k, rest)| (k, rest));
        if !key.is_empty() {
            match at.get_mut(key) {
                Some(next) => at = next,
                None => return false,
            }
        }
        for index in indices.split('[').filter(|i| !i.is_empty()) {
            match index.trim_end_matches(']').parse::<usize>().ok().and_then(|i| at.get_mut(i)) {
                Some(next) => at = next,
                None => return false,
            }
        }
    }
    at.as_object_mut().and_then(|fields| fields.remove(field)).is_some()
}

/// An unstructured value as Go's `%v` prints it (the `map[string]interface{}`
/// the API server decoded a patch into, a field `kubectl describe` prints):
/// `map[spec:map[ports:[map[port:a]]]]`, map keys sorted, strings bare,
/// null as `<nil>`.
pub fn go_value(value: &serde_json::Value) -> String {
    use crate::sort::Sort;
    use serde_json::Value;
    match value {
        Value::Null => "<nil>".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(items) => format!("[{}]", items.iter().map(go_value).collect::<Vec<_>>().join(" ")),
        Value::Object(fields) => {
            let mut pairs: Vec<_> = fields.iter().collect();
            pairs.stable_sort_by(|a, b| a.0.cmp(b.0));
            let pairs: Vec<String> = pairs.into_iter().map(|(k, v)| format!("{k}:{}", go_value(v))).collect();
            format!("map[{}]", pairs.join(" "))
        }
    }
}

/// A strategic merge patch (k8s.io/apimachinery strategicpatch): objects
/// merge as in a JSON merge patch; lists with a merge key merge item by
/// item (`$patch: delete` removes one, `$patch: replace` replaces the
/// list); other lists are replaced.
pub fn strategic_merge(target: &mut serde_json::Value, patch: &serde_json::Value, path: &str) {
    use serde_json::Value;
    match patch {
        Value::Object(p) => {
            if p.get("$patch").and_then(Value::as_str) == Some("replace") {
                let mut v = patch.clone();
                if let Value::Object(m) = &mut v {
                    m.remove("$patch");
                }
                *target = v;
                return;
            }
            if !target.is_object() {
                *target = Value::Object(Default::default());
            }
            let t = target.as_object_mut().expect("object");
            for (k, v) in p {
                if k.starts_with('$') {
                    continue;
                }
                if v.is_null() {
                    t.remove(k);
                    continue;
                }
                let here = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                strategic_merge(t.entry(k.clone()).or_insert(Value::Null), v, &here);
            }
        }
        Value::Array(items) => {
            let Some(key) = merge_key(path) else {
                *target = patch.clone();
                return;
            };
            let replace = items.iter().any(|i| i.get("$patch").and_then(Value::as_str) == Some("replace"));
            if replace || !target.is_array() {
                *target = Value::Array(items.iter().filter(|i| i.get("$patch").is_none()).cloned().collect());
                return;
            }
            let list = target.as_array_mut().expect("array");
            for item in items {
                let id = item.get(key);
                let at = list.iter().position(|o| id.is_some() && o.get(key) == id);
                if item.get("$patch").and_then(Value::as_str) == Some("delete") {
                    if let Some(i) = at {
                        list.remove(i);
                    }
                    continue;
                }
                match at {
                    Some(i) => strategic_merge(&mut list[i], item, path),
                    None => list.push(item.clone()),
                }
            }
        }
        other => *target = other.clone(),
    }
}

/// RFC 7386 JSON merge patch.
pub fn merge_patch(target: &mut serde_json::Value, patch: &serde_json::Value) {
    match patch {
        serde_json::Value::Object(p) => {
            if !target.is_object() {
                *target = serde_json::Value::Object(Default::default());
            }
            let t = target.as_object_mut().expect("object");
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(serde_json::Value::Null), v);
                }
            }
        }
        other => *target = other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_patch_replaces_and_removes() {
        let mut doc = serde_json::json!({"spec": {"type": "LoadBalancer", "externalTrafficPolicy": "Cluster", "ports": [{"port": 80}]}});
        merge_patch(&mut doc, &serde_json::json!({"spec": {"externalTrafficPolicy": "Local", "ports": null}}));
        assert_eq!(doc, serde_json::json!({"spec": {"type": "LoadBalancer", "externalTrafficPolicy": "Local"}}));
    }

    #[test]
    fn resource_names_match_kubectl() {
        assert_eq!(resource_name("CiliumLoadBalancerIPPool"), "ciliumloadbalancerippool.cilium.io");
        assert_eq!(resource_name("Deployment"), "deployment.apps");
    }
}
