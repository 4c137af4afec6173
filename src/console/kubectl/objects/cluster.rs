//! Cluster-level objects: Nodes (with the status the kubelet and the node
//! lifecycle controller write), Namespaces, Events and Leases.

use super::{Fields, metadata, micro_timestamp, owner, timestamp};
use crate::k8s::cluster::{Cluster, Event, KUBELET_LEASE_INTERVAL, Node};
use crate::sim::World;
use crate::time::{Duration, Instant};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The nodes' OS, kernel and runtime (vipsim's nodes are all alike).
const OS_IMAGE: &str = "Debian GNU/Linux 13 (trixie)";
const KERNEL: &str = "6.12.48+deb13-amd64";
const RUNTIME: &str = "containerd://2.1.4";
/// A node's Lease lasts this long (nodeLeaseDurationSeconds).
const NODE_LEASE_SECONDS: u64 = 40;

pub fn nodes(w: &World) -> Vec<Value> {
    w.cluster.nodes.values().map(|n| node(w.now, n)).collect()
}

/// The kubelet's last Lease renewal: every 10 s while it reaches the API.
fn last_heartbeat(now: Instant, n: &Node) -> Instant {
    if !n.kubelet_up {
        return n.last_heartbeat;
    }
    let since = now.saturating_since(n.created).as_nanos() % KUBELET_LEASE_INTERVAL.as_nanos();
    now.saturating_sub(Duration::from_nanos(since)).max(n.last_heartbeat)
}

fn node(now: Instant, n: &Node) -> Value {
    let meta = metadata(&n.name, None, &n.labels, &BTreeMap::new(), n.created);
    let mut taints = Vec::new();
    if n.unschedulable {
        taints.push(json!({"effect": "NoSchedule", "key": "node.kubernetes.io/unschedulable",
                           "timeAdded": timestamp(n.ready_since.max(n.created))}));
    }
    if let Some(t) = n.unreachable_since {
        for effect in ["NoSchedule", "NoExecute"] {
            taints.push(json!({"effect": effect, "key": "node.kubernetes.io/unreachable", "timeAdded": timestamp(t)}));
        }
    }
    let spec = Fields::new()
        .put("podCIDR", n.pod_cidr.to_string())
        .put("podCIDRs", json!([n.pod_cidr.to_string()]))
        .nonempty("taints", Value::Array(taints))
        .opt("unschedulable", n.unschedulable.then_some(true));
    json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": Value::from(meta),
        "spec": Value::from(spec),
        "status": {
            "addresses": [{"address": n.ip.to_string(), "type": "InternalIP"},
                          {"address": n.name, "type": "Hostname"}],
            "conditions": conditions(now, n),
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": "amd64",
                "containerRuntimeVersion": RUNTIME,
                "kernelVersion": KERNEL,
                "kubeProxyVersion": "",
                "kubeletVersion": crate::k8s::KUBELET_VERSION,
                "operatingSystem": "linux",
                "osImage": OS_IMAGE,
            },
        },
    })
}

/// The kubelet's four conditions; all `Unknown` once the node lifecycle
/// controller gave up on a silent kubelet.
fn conditions(now: Instant, n: &Node) -> Value {
    let unknown = !n.ready && n.ready_reason == "NodeStatusUnknown";
    let heartbeat = timestamp(last_heartbeat(now, n));
    let pressure = |kind: &str, reason: &str, message: &str| {
        let (status, reason, message) = if unknown {
            ("Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.")
        } else {
            ("False", reason, message)
        };
        let since = if unknown { n.ready_since } else { n.created };
        json!({"lastHeartbeatTime": heartbeat, "lastTransitionTime": timestamp(since),
               "message": message, "reason": reason, "status": status, "type": kind})
    };
    let (status, message) = match (n.ready, unknown) {
        (true, _) => ("True", "kubelet is posting ready status"),
        (false, true) => ("Unknown", "Kubelet stopped posting node status."),
        (false, false) => ("False", "container runtime network not ready"),
    };
    json!([
        pressure("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        pressure("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        pressure("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        {"lastHeartbeatTime": heartbeat, "lastTransitionTime": timestamp(n.ready_since),
         "message": message, "reason": n.ready_reason, "status": status, "type": "Ready"},
    ])
}

pub fn namespaces(w: &World) -> Vec<Value> {
    w.cluster
        .namespaces
        .iter()
        .map(|(name, created)| {
            let labels: BTreeMap<String, String> = [("kubernetes.io/metadata.name".to_string(), name.clone())].into();
            let meta = metadata(name, None, &labels, &BTreeMap::new(), *created);
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": Value::from(meta),
                   "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}})
        })
        .collect()
}

/// The component that reports an event with this reason.
pub fn event_source(reason: &str) -> &'static str {
    match reason {
        "IPAllocated" | "AllocationFailed" | "ClearAssignment" => "metallb-controller",
        "nodeAssigned" => "metallb-speaker",
        "Started" | "Pulled" | "Created" | "Killing" | "NodeReady" | "Starting" => "kubelet",
        "NodeNotReady" => "node-controller",
        "TaintManagerEviction" => "taint-eviction-controller",
        "SuccessfulCreate" | "SuccessfulDelete" => "replicaset-controller",
        "ScalingReplicaSet" => "deployment-controller",
        "Scheduled" | "FailedScheduling" => "default-scheduler",
        _ => "",
    }
}

/// `(apiVersion, Kind)` of an event's object, from its `kind/name` reference.
fn involved_kind(object: &str) -> (&'static str, &'static str) {
    match object.split('/').next().unwrap_or_default() {
        "service" => ("v1", "Service"),
        "pod" => ("v1", "Pod"),
        "node" => ("v1", "Node"),
        "replicaset" => ("apps/v1", "ReplicaSet"),
        "deployment" => ("apps/v1", "Deployment"),
        _ => ("v1", "Object"),
    }
}

/// The seconds from the Unix epoch to vipsim's time zero (2026-01-01).
const EPOCH_UNIX: u64 = 1_767_225_600;

/// `<object>.<hex UnixNano of the first occurrence>`, as the event recorder names events.
fn event_name(e: &Event) -> String {
    let object = e.object.split_once('/').map(|(_, n)| n).unwrap_or(&e.object);
    let nanos = EPOCH_UNIX as u128 * 1_000_000_000 + e.first.as_nanos() as u128;
    format!("{object}.{nanos:x}")
}

pub fn events(w: &World) -> Vec<Value> {
    w.cluster.events.iter().map(|e| event(&w.cluster, e)).collect()
}

fn event(k: &Cluster, e: &Event) -> Value {
    let (api, kind) = involved_kind(&e.object);
    let object = e.object.split_once('/').map(|(_, n)| n).unwrap_or(&e.object);
    // Node events live in `default`; the object itself is cluster-scoped.
    let involved = Fields::new()
        .put("apiVersion", api)
        .put("kind", kind)
        .put("name", object)
        .opt("namespace", (kind != "Node").then_some(e.namespace.as_str()));
    let source = event_source(&e.reason);
    let host = if source == "kubelet" || source == "metallb-speaker" {
        k.pods
            .values()
            .find(|p| p.name == object)
            .and_then(|p| p.node.clone())
            .or((kind == "Node").then(|| object.to_string()))
    } else {
        None
    };
    let meta = metadata(&event_name(e), Some(&e.namespace), &BTreeMap::new(), &BTreeMap::new(), e.first);
    json!({
        "apiVersion": "v1",
        "count": e.count,
        "eventTime": null,
        "firstTimestamp": timestamp(e.first),
        "involvedObject": Value::from(involved),
        "kind": "Event",
        "lastTimestamp": timestamp(e.last),
        "message": e.message,
        "metadata": Value::from(meta),
        "reason": e.reason,
        "reportingComponent": source,
        "reportingInstance": host.clone().unwrap_or_default(),
        "source": Value::from(Fields::new().put("component", source).opt("host", host)),
        "type": e.event_type,
    })
}

pub fn leases(w: &World) -> Vec<Value> {
    let k = &w.cluster;
    let l2 = k.leases.iter().map(|(svc, l)| {
        let name = crate::k8s::cilium::lease_name(svc);
        // A renewing holder writes every retry period; a silent one stopped at its last.
        let renewed = crate::k8s::cilium::renew_time(l, w.now, k.config.retry_period);
        let spec = Fields::new()
            .put("acquireTime", micro_timestamp(l.acquired))
            .put("holderIdentity", l.holder.clone().unwrap_or_default())
            .put("leaseDurationSeconds", l.duration.as_secs())
            .put("leaseTransitions", l.transitions)
            .put("renewTime", micro_timestamp(renewed));
        lease(&name, "kube-system", l.created, spec, None)
    });
    let nodes = k.nodes.values().map(|n| {
        let spec = Fields::new()
            .put("holderIdentity", n.name.clone())
            .put("leaseDurationSeconds", NODE_LEASE_SECONDS)
            .put("renewTime", micro_timestamp(last_heartbeat(w.now, n)));
        lease(&n.name, "kube-node-lease", n.created, spec, Some(owner("v1", "Node", &n.name)))
    });
    l2.chain(nodes).collect()
}

fn lease(name: &str, ns: &str, created: Instant, spec: Fields, owners: Option<Value>) -> Value {
    let meta = metadata(name, Some(ns), &BTreeMap::new(), &BTreeMap::new(), created).opt("ownerReferences", owners);
    json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": Value::from(meta), "spec": Value::from(spec)})
}
