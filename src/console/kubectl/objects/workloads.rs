//! Pods, Deployments and ReplicaSets: the scenario's workloads and the
//! add-ons' pods (see [`super::system`]), rendered with the defaults the
//! API server and its admission plugins add.

use super::system::system_pods;
use super::{Fields, metadata, owner, timestamp};
use crate::k8s::cluster::{Cluster, Deployment, Pod, PodPhase};
use crate::k8s::objects::{Container, PodSpec, Probe};
use crate::sim::World;
use crate::time::{Duration, Instant};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// What a container is doing.
#[derive(Clone, Debug, PartialEq)]
pub enum ContainerState {
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
    pub deleted: Option<Instant>,
    pub unschedulable: Option<&'a str>,
    /// `system-node-critical` add-ons get that class and its priority.
    pub critical: bool,
}

pub fn pods(w: &World) -> Vec<Value> {
    let k = &w.cluster;
    let workload = k.pods.values().map(|p| pod_json(&workload_facts(k, p)));
    let system = system_pods(w).into_iter().map(|sp| pod_json(&sp.facts()));
    workload.chain(system).collect()
}

/// A scenario pod, with the container start time the kubelet would report.
fn workload_facts<'a>(k: &'a Cluster, p: &'a Pod) -> PodFacts<'a> {
    let node = p.node.as_deref().and_then(|n| k.nodes.get(n));
    let state = match p.phase {
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
    let owner = p.owner.as_ref().and_then(|d| k.deployments.get(d)).map(|d| {
        let rs = format!("{}-{}", d.meta.name, d.template_hash);
        ("apps/v1", "ReplicaSet", rs)
    });
    PodFacts {
        namespace: &p.namespace,
        name: &p.name,
        labels: p.labels.clone(),
        annotations: p.annotations.clone(),
        owner,
        spec: &p.spec,
        node: p.node.as_deref(),
        host_ip: node.map(|n| n.ip),
        ip: p.ip,
        host_network: false,
        state,
        ready: p.ready,
        restarts: p.restarts,
        created: p.created,
        deleted: p.deleted_at,
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
    if let Some(t) = f.deleted {
        let grace = grace_seconds(f.spec);
        meta = meta
            .put("deletionGracePeriodSeconds", grace)
            .put("deletionTimestamp", timestamp(t + Duration::from_secs(grace)));
    }
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": Value::from(meta),
        "spec": pod_spec(f.spec, f.node, f.host_network, f.critical, true),
        "status": pod_status(f),
    })
}

fn grace_seconds(spec: &PodSpec) -> u64 {
    spec.termination_grace_period_seconds.map(u64::from).unwrap_or(30)
}

/// A pod spec with the defaults the API server fills; `admitted` adds what
/// admission adds to pods (not templates): the default tolerations.
pub fn pod_spec(spec: &PodSpec, node: Option<&str>, host_network: bool, critical: bool, admitted: bool) -> Value {
    let containers: Vec<Value> = spec.containers.iter().map(container).collect();
    let mut tolerations: Vec<Value> = spec.tolerations.clone().and_then(|t| t.as_array().cloned()).unwrap_or_default();
    if admitted && !critical {
        for key in ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"] {
            tolerations
                .push(json!({"effect": "NoExecute", "key": key, "operator": "Exists", "tolerationSeconds": 300}));
        }
    }
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

/// A Deployment with the `(replicas, ready)` counts of its live pods.
type Counted = (Deployment, usize, usize);

/// The scenario's Deployments and the add-ons'.
fn counted_deployments(w: &World) -> Vec<Counted> {
    let k = &w.cluster;
    let scenario = k.deployments.values().map(|d| {
        let key = crate::k8s::cluster::key(&d.namespace, &d.meta.name);
        let live: Vec<&Pod> =
            k.pods.values().filter(|p| p.owner.as_deref() == Some(&key) && !p.terminating()).collect();
        (d.clone(), live.len(), live.iter().filter(|p| p.ready).count())
    });
    scenario.chain(super::system::addon_deployments(w)).collect()
}

pub fn deployments(w: &World) -> Vec<Value> {
    counted_deployments(w).iter().map(|(d, replicas, ready)| deployment(d, *replicas, *ready)).collect()
}

fn template(d: &Deployment, extra_labels: &[(&str, &str)]) -> Value {
    let mut labels = d.spec.template.metadata.labels.clone();
    for (k, v) in extra_labels {
        labels.insert(k.to_string(), v.to_string());
    }
    let meta = Fields::new()
        .nonempty("annotations", json!(d.spec.template.metadata.annotations))
        .put("creationTimestamp", Value::Null)
        .nonempty("labels", json!(labels));
    json!({"metadata": Value::from(meta), "spec": pod_spec(&d.spec.template.spec, None, false, false, false)})
}

fn deployment(d: &Deployment, replicas: usize, ready: usize) -> Value {
    let mut annotations = d.meta.annotations.clone();
    annotations.insert("deployment.kubernetes.io/revision".into(), "1".into());
    let meta = metadata(&d.meta.name, Some(&d.namespace), &d.meta.labels, &annotations, d.created);
    let available = ready >= d.spec.replicas as usize;
    let rs = format!("{}-{}", d.meta.name, d.template_hash);
    let (message, reason, status) = if available {
        ("Deployment has minimum availability.", "MinimumReplicasAvailable", "True")
    } else {
        ("Deployment does not have minimum availability.", "MinimumReplicasUnavailable", "False")
    };
    let conditions = json!([
        {"lastTransitionTime": timestamp(d.created), "lastUpdateTime": timestamp(d.created),
         "message": message, "reason": reason, "status": status, "type": "Available"},
        {"lastTransitionTime": timestamp(d.created), "lastUpdateTime": timestamp(d.created),
         "message": format!("ReplicaSet \"{rs}\" has successfully progressed."),
         "reason": "NewReplicaSetAvailable", "status": "True", "type": "Progressing"},
    ]);
    let status = Fields::new()
        .opt("availableReplicas", (ready > 0).then_some(ready))
        .put("conditions", conditions)
        .opt("readyReplicas", (ready > 0).then_some(ready))
        .opt("replicas", (replicas > 0).then_some(replicas))
        .opt("updatedReplicas", (replicas > 0).then_some(replicas));
    let spec = json!({
        "progressDeadlineSeconds": 600,
        "replicas": d.spec.replicas,
        "revisionHistoryLimit": 10,
        "selector": d.spec.selector,
        "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}, "type": "RollingUpdate"},
        "template": template(d, &[]),
    });
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": Value::from(meta), "spec": spec, "status": Value::from(status)})
}

/// Each Deployment's current ReplicaSet (`<deployment>-<pod-template-hash>`).
pub fn replica_sets(w: &World) -> Vec<Value> {
    counted_deployments(w).iter().map(|(d, replicas, ready)| replica_set(d, *replicas, *ready)).collect()
}

fn replica_set(d: &Deployment, replicas: usize, ready: usize) -> Value {
    let hash = d.template_hash.as_str();
    let mut labels = d.spec.template.metadata.labels.clone();
    labels.insert("pod-template-hash".into(), hash.into());
    let desired = d.spec.replicas.to_string();
    let annotations: BTreeMap<String, String> = [
        ("deployment.kubernetes.io/desired-replicas", desired.as_str()),
        ("deployment.kubernetes.io/max-replicas", &(d.spec.replicas + d.spec.replicas.div_ceil(4)).to_string()),
        ("deployment.kubernetes.io/revision", "1"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    let name = format!("{}-{hash}", d.meta.name);
    let meta = metadata(&name, Some(&d.namespace), &labels, &annotations, d.created)
        .put("ownerReferences", owner("apps/v1", "Deployment", &d.meta.name));
    let mut selector = serde_json::to_value(&d.spec.selector).unwrap_or_default();
    if let Some(m) = selector.as_object_mut() {
        m.entry("matchLabels").or_insert(json!({}))["pod-template-hash"] = json!(hash);
    }
    let status = Fields::new()
        .opt("availableReplicas", (ready > 0).then_some(ready))
        .opt("fullyLabeledReplicas", (replicas > 0).then_some(replicas))
        .opt("readyReplicas", (ready > 0).then_some(ready))
        .put("replicas", replicas);
    json!({
        "apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": Value::from(meta),
        "spec": {"replicas": d.spec.replicas, "selector": selector, "template": template(d, &[("pod-template-hash", hash)])},
        "status": Value::from(status),
    })
}
