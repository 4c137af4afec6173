//! Pods, Deployments and ReplicaSets: the scenario's workloads and the
//! add-ons' pods (see [`super::system`]), rendered with the defaults the
//! API server and its admission plugins add.

use super::system::system_pods_in;
use super::{Fields, metadata, owner, timestamp};
use crate::k8s::cluster::{Cluster, Deployment, Pod, PodPhase, ReplicaSet};
use crate::k8s::deployments::{RsStatus, rs_status};
use crate::k8s::objects::{Container, PodSpec, Probe};
use crate::sim::World;
use crate::time::{Duration, Instant};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// What a container is doing.
#[derive(Clone, Debug, PartialEq)]
pub enum ContainerState {
    /// The pod is bound to a node whose kubelet has not taken it (down, or
    /// the node does not exist): no sandbox, no status from a kubelet.
    NotAdmitted {
        /// When the scheduler bound it (`None`: it named its node itself).
        scheduled: Option<Instant>,
    },
    /// Created, not yet started (`ContainerCreating`).
    Creating,
    Running {
        since: Instant,
    },
    /// Exited with an error and not restarted (a stopped agent).
    Failed,
}

/// Everything the pod's JSON is built from, for workload and add-on pods alike.
pub struct PodFacts<'a> {
    pub namespace: &'a str,
    pub name: &'a str,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// `(apiVersion, kind, name)` of the controller.
    pub owner: Option<(&'static str, &'static str, String)>,
    pub spec: &'a PodSpec,
    pub node: Option<&'a str>,
    pub host_ip: Option<Ipv4Addr>,
    pub ip: Option<Ipv4Addr>,
    pub host_network: bool,
    pub state: ContainerState,
    pub ready: bool,
    pub restarts: u32,
    pub created: Instant,
    /// When deletion was asked, and the grace period it gave (seconds).
    pub deleted: Option<(Instant, u64)>,
    pub unschedulable: Option<&'a str>,
    /// `system-node-critical` add-ons get that class and its priority.
    pub critical: bool,
}

/// The pods in `namespace` (every namespace when `None`).
pub fn pods(w: &World, namespace: Option<&str>) -> Vec<Value> {
    let k = &w.cluster;
    let here = |ns: &str| namespace.is_none_or(|n| n == ns);
    let workload = k.pods.values().filter(|p| here(&p.namespace)).map(|p| pod_json(&workload_facts(k, p)));
    let system = system_pods_in(w, namespace).into_iter().map(|sp| pod_json(&sp.facts()));
    workload.chain(system).collect()
}

/// A scenario pod, with the container start time the kubelet would report.
fn workload_facts<'a>(k: &'a Cluster, p: &'a Pod) -> PodFacts<'a> {
    let node = p.node.as_deref().and_then(|n| k.nodes.get(n));
    let state = match p.phase {
        PodPhase::Pending if p.node.is_some() && !p.admitted => {
            ContainerState::NotAdmitted { scheduled: p.bound_at.filter(|_| p.spec.node_name.is_none()) }
        }
        PodPhase::Pending => ContainerState::Creating,
        PodPhase::Running => {
            // After a reboot the containers restarted once the node was back.
            let base = match node {
                Some(n) if p.restarts > 0 => n.ready_since.max(p.created),
                _ => p.created,
            };
            ContainerState::Running { since: base + k.config.pod_startup }
        }
    };
    let owner =
        p.owner.as_ref().and_then(|rs| k.replica_sets.get(rs)).map(|rs| ("apps/v1", "ReplicaSet", rs.name.clone()));
    PodFacts {
        namespace: &p.namespace,
        name: &p.name,
        labels: p.labels.clone(),
        annotations: p.annotations.clone(),
        owner,
        spec: &p.spec,
        node: p.node.as_deref(),
        host_ip: node.filter(|_| p.admitted).map(|n| n.ip),
        ip: p.ip,
        host_network: false,
        state,
        ready: p.ready,
        restarts: p.restarts,
        created: p.created,
        deleted: p.deleted_at.map(|t| (t, p.deletion_grace().as_secs())),
        unschedulable: p.pending_reason.as_deref().filter(|_| p.node.is_none()),
        critical: false,
    }
}

pub fn pod_json(f: &PodFacts) -> Value {
    let mut meta = metadata(f.name, Some(f.namespace), &f.labels, &f.annotations, f.created);
    if let Some((api, kind, name)) = &f.owner {
        let generate = f.name.rsplit_once('-').map(|(prefix, _)| format!("{prefix}-")).unwrap_or_default();
        meta = meta.put("generateName", generate).put("ownerReferences", owner(api, kind, name));
    }
    if let Some((t, grace)) = f.deleted {
        meta = meta
            .put("deletionGracePeriodSeconds", grace)
            .put("deletionTimestamp", timestamp(t + Duration::from_secs(grace)));
    }
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": Value::from(meta),
        "spec": pod_spec(f.spec, f.node, f.host_network, f.critical),
        "status": pod_status(f),
    })
}

fn grace_seconds(spec: &PodSpec) -> u64 {
    spec.termination_grace_period_seconds.map(u64::from).unwrap_or(30)
}

/// A pod spec with the defaults the API server fills. A pod's tolerations
/// are the ones it was stored with, the DefaultTolerationSeconds
/// admission's included (see [`crate::k8s::objects::admit_default_tolerations`]);
/// a template's are its own.
pub fn pod_spec(spec: &PodSpec, node: Option<&str>, host_network: bool, critical: bool) -> Value {
    let containers: Vec<Value> = spec.containers.iter().map(container).collect();
    let tolerations: Vec<Value> =
        spec.tolerations.iter().map(|t| serde_json::to_value(t).unwrap_or_default()).collect();
    let account = spec.service_account_name.clone().unwrap_or(json!("default"));
    Fields::new()
        .opt("affinity", spec.affinity.as_ref().map(|a| serde_json::to_value(a).unwrap_or_default()))
        .put("containers", containers)
        .put("dnsPolicy", if host_network { "ClusterFirstWithHostNet" } else { "ClusterFirst" })
        .put("enableServiceLinks", true)
        .opt("hostNetwork", host_network.then_some(true))
        .opt("nodeName", node)
        .nonempty("nodeSelector", json!(spec.node_selector))
        .put("preemptionPolicy", "PreemptLowerPriority")
        .put("priority", if critical { 2_000_001_000u32 } else { 0 })
        .opt("priorityClassName", critical.then_some("system-node-critical"))
        .put("restartPolicy", "Always")
        .put("schedulerName", "default-scheduler")
        .put("securityContext", spec.security_context.clone().unwrap_or(json!({})))
        .put("serviceAccount", account.clone())
        .put("serviceAccountName", account)
        .put("terminationGracePeriodSeconds", grace_seconds(spec))
        .nonempty("tolerations", Value::Array(tolerations))
        .nonempty(
            "topologySpreadConstraints",
            serde_json::to_value(&spec.topology_spread_constraints).unwrap_or_default(),
        )
        .into()
}

/// `Always` for `:latest` or untagged images, else `IfNotPresent`.
fn pull_policy(image: &str) -> &'static str {
    let name = image.rsplit('/').next().unwrap_or(image);
    match name.split_once(':') {
        Some((_, "latest")) | None if !name.contains('@') => "Always",
        _ => "IfNotPresent",
    }
}

fn container(c: &Container) -> Value {
    let ports: Vec<Value> = c
        .ports
        .iter()
        .map(|p| {
            Fields::new()
                .put("containerPort", p.container_port)
                .opt("name", p.name.clone())
                .put("protocol", p.protocol.clone().unwrap_or_else(|| "TCP".into()))
                .into()
        })
        .collect();
    Fields::new()
        .nonempty("args", json!(c.args))
        .nonempty("command", json!(c.command))
        .opt("env", c.env.clone())
        .put("image", c.image.clone())
        .put("imagePullPolicy", c.image_pull_policy.clone().unwrap_or(json!(pull_policy(&c.image))))
        .put("name", c.name.clone())
        .nonempty("ports", Value::Array(ports))
        .opt("readinessProbe", c.readiness_probe.as_ref().map(probe))
        .put("resources", c.resources.clone().unwrap_or(json!({})))
        .put("terminationMessagePath", "/dev/termination-log")
        .put("terminationMessagePolicy", "File")
        .into()
}

/// A probe with the API's defaults for the timing fields.
fn probe(p: &Probe) -> Value {
    let mut v = serde_json::to_value(p).unwrap_or_default();
    if let Value::Object(m) = &mut v {
        for (key, default) in
            [("failureThreshold", 3), ("periodSeconds", 10), ("successThreshold", 1), ("timeoutSeconds", 1)]
        {
            m.entry(key).or_insert(json!(default));
        }
    }
    v
}

fn pod_status(f: &PodFacts) -> Value {
    if f.node.is_none() {
        let scheduled = json!({
            "lastProbeTime": null, "lastTransitionTime": timestamp(f.created),
            "message": f.unschedulable.unwrap_or_default(), "reason": "Unschedulable",
            "status": "False", "type": "PodScheduled",
        });
        return json!({"conditions": [scheduled], "phase": "Pending", "qosClass": "BestEffort"});
    }
    if let ContainerState::NotAdmitted { scheduled } = f.state {
        // Only what the API server and the scheduler wrote.
        let conditions: Vec<Value> = scheduled
            .map(|t| {
                json!({"lastProbeTime": null, "lastTransitionTime": timestamp(t), "status": "True", "type": "PodScheduled"})
            })
            .into_iter()
            .collect();
        return Value::from(
            Fields::new()
                .nonempty("conditions", Value::Array(conditions))
                .put("phase", "Pending")
                .put("qosClass", "BestEffort"),
        );
    }
    let running = matches!(f.state, ContainerState::Running { .. });
    let started = match f.state {
        ContainerState::Running { since } => since,
        _ => f.created,
    };
    let cond = |kind: &str, ok: bool, since: Instant| {
        json!({"lastProbeTime": null, "lastTransitionTime": timestamp(since),
               "status": if ok { "True" } else { "False" }, "type": kind})
    };
    let conditions = vec![
        cond("PodReadyToStartContainers", f.state != ContainerState::Creating, started),
        cond("Initialized", true, f.created),
        cond("Ready", f.ready, started),
        cond("ContainersReady", f.ready, started),
        cond("PodScheduled", true, f.created),
    ];
    let statuses: Vec<Value> = f
        .spec
        .containers
        .iter()
        .map(|c| {
            let state = match f.state {
                ContainerState::Creating => json!({"waiting": {"reason": "ContainerCreating"}}),
                ContainerState::Running { since } => json!({"running": {"startedAt": timestamp(since)}}),
                ContainerState::Failed => json!({"terminated": {"exitCode": 1, "reason": "Error"}}),
                ContainerState::NotAdmitted { .. } => Value::Null,
            };
            json!({"image": c.image, "name": c.name, "ready": f.ready, "restartCount": f.restarts,
                   "started": running, "state": state})
        })
        .collect();
    let phase = if f.state == ContainerState::Creating { "Pending" } else { "Running" };
    let ip = |a: Option<Ipv4Addr>| a.map(|a| a.to_string());
    Fields::new()
        .put("conditions", conditions)
        .put("containerStatuses", statuses)
        .opt("hostIP", ip(f.host_ip))
        .opt("hostIPs", ip(f.host_ip).map(|a| json!([{"ip": a}])))
        .put("phase", phase)
        .opt("podIP", ip(f.ip))
        .opt("podIPs", ip(f.ip).map(|a| json!([{"ip": a}])))
        .put("qosClass", "BestEffort")
        .put("startTime", timestamp(f.created))
        .into()
}

/// The scenario's Deployments and the add-ons', with the status their
/// controller last wrote.
pub fn deployments(w: &World) -> Vec<Value> {
    let addons = super::system::addon_deployments(w);
    w.cluster.deployments.values().chain(addons.iter().map(|(d, _, _)| d)).map(deployment).collect()
}

fn template(t: &crate::k8s::objects::PodTemplateSpec) -> Value {
    let meta = Fields::new()
        .nonempty("annotations", json!(t.metadata.annotations))
        .put("creationTimestamp", Value::Null)
        .nonempty("labels", json!(t.metadata.labels));
    json!({"metadata": Value::from(meta), "spec": pod_spec(&t.spec, None, false, false)})
}

fn deployment(d: &Deployment) -> Value {
    let meta = metadata(&d.meta.name, Some(&d.namespace), &d.meta.labels, &d.meta.annotations, d.created)
        .put("generation", d.generation);
    let conditions: Vec<Value> = d
        .status
        .conditions
        .iter()
        .map(|c| {
            json!({"lastTransitionTime": timestamp(c.last_transition), "lastUpdateTime": timestamp(c.last_update),
                   "message": c.message, "reason": c.reason, "status": c.status, "type": c.kind})
        })
        .collect();
    let st = &d.status;
    let some = |n: u32| (n > 0).then_some(n);
    let status = Fields::new()
        .opt("availableReplicas", some(st.available_replicas))
        .opt("collisionCount", d.collision_count)
        .nonempty("conditions", Value::Array(conditions))
        .put("observedGeneration", d.generation)
        .opt("readyReplicas", some(st.ready_replicas))
        .opt("replicas", some(st.replicas))
        .opt("unavailableReplicas", some(st.unavailable_replicas))
        .opt("updatedReplicas", some(st.updated_replicas));
    let spec = json!({
        "progressDeadlineSeconds": 600,
        "replicas": d.spec.replicas,
        "revisionHistoryLimit": d.spec.revision_history_limit(),
        "selector": d.spec.selector,
        "strategy": d.spec.strategy(),
        "template": template(&d.spec.template),
    });
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": Value::from(meta), "spec": spec, "status": Value::from(status)})
}

/// Every Deployment's ReplicaSets (`<deployment>-<pod-template-hash>`),
/// old ones included, with their status counted over their pods.
pub fn replica_sets(w: &World) -> Vec<Value> {
    let k = &w.cluster;
    let scenario = k.replica_sets.values().map(|rs| replica_set(rs, rs_status(k, &rs.key())));
    let addons = super::system::addon_deployments(w).into_iter().map(|(_, rs, st)| replica_set(&rs, st));
    scenario.chain(addons).collect()
}

fn replica_set(rs: &ReplicaSet, st: RsStatus) -> Value {
    let meta = metadata(&rs.name, Some(&rs.namespace), &rs.template.metadata.labels, &rs.annotations, rs.created)
        .put("ownerReferences", owner("apps/v1", "Deployment", &rs.deployment));
    let some = |n: u32| (n > 0).then_some(n);
    let status = Fields::new()
        .opt("availableReplicas", some(st.available))
        .opt("fullyLabeledReplicas", some(st.replicas))
        .opt("readyReplicas", some(st.ready))
        .put("replicas", st.replicas);
    json!({
        "apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": Value::from(meta),
        "spec": {"replicas": rs.replicas, "selector": rs.selector, "template": template(&rs.template)},
        "status": Value::from(status),
    })
}
