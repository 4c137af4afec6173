//! The simulated API server's view of the cluster: every object rendered
//! as the JSON the real API server would return (defaults filled, status
//! written by the controllers that own it). Tables, `-o yaml|json|jsonpath`,
//! selectors and `describe` all read these, as kubectl reads the server.
//! `uid`, `resourceVersion` and `managedFields` are left out, and
//! `generation` except on Deployments: vipsim does not track them.

mod cluster;
mod custom;
mod services;
mod system;
mod workloads;

pub use system::{SystemPod, system_pods};

use super::resources::Resource;
use crate::sim::World;
use crate::sort::{Collect, Sort};
use crate::time::{Duration, Instant};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// One API object.
#[derive(Clone, Debug)]
pub struct Object {
    pub res: &'static Resource,
    pub namespace: Option<String>,
    pub name: String,
    pub json: Value,
}

impl Object {
    fn new(res: &'static Resource, json: Value) -> Object {
        let meta = &json["metadata"];
        let name = meta["name"].as_str().unwrap_or_default().to_string();
        let namespace = meta["namespace"].as_str().map(String::from);
        Object { res, namespace, name, json }
    }

    pub fn labels(&self) -> BTreeMap<String, String> {
        string_map(&self.json["metadata"]["labels"])
    }

    pub fn annotations(&self) -> BTreeMap<String, String> {
        string_map(&self.json["metadata"]["annotations"])
    }

    pub fn created(&self) -> Option<Instant> {
        self.json["metadata"]["creationTimestamp"].as_str().and_then(parse_timestamp)
    }
}

/// Every object of a resource, in the API server's order (namespace, name).
pub fn list(w: &World, res: &'static Resource) -> Vec<Object> {
    list_in(w, res, None)
}

/// The objects of a resource in `namespace` (every one when `None`; all
/// of a cluster-scoped resource either way), in the API server's order.
/// Pods are scoped before their JSON is built: `kubectl get pods` in
/// `default` need not render every add-on pod in `kube-system` (most of
/// what it cost).
pub fn list_in(w: &World, res: &'static Resource, namespace: Option<&str>) -> Vec<Object> {
    let namespace = namespace.filter(|_| res.namespaced);
    let jsons: Vec<Value> = match res.kind {
        "Service" => services::services(w),
        "Endpoints" => services::endpoints(w),
        "EndpointSlice" => services::endpoint_slices(w),
        "Pod" => workloads::pods(w, namespace),
        "Deployment" => workloads::deployments(w),
        "ReplicaSet" => workloads::replica_sets(w),
        "DaemonSet" => system::daemon_sets(w),
        "Node" => cluster::nodes(w),
        "Namespace" => cluster::namespaces(w),
        "Event" => cluster::events(w),
        "Lease" => cluster::leases(w),
        kind => custom::objects(w, kind),
    };
    let mut out: Vec<Object> = jsons
        .into_iter()
        .map(|j| Object::new(res, j))
        .filter(|o| namespace.is_none_or(|ns| o.namespace.as_deref() == Some(ns)))
        .collect();
    out.stable_sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    out
}

/// An object's `metadata`: name, namespace, labels, annotations, creationTimestamp.
fn metadata(
    name: &str,
    namespace: Option<&str>,
    labels: &BTreeMap<String, String>,
    annotations: &BTreeMap<String, String>,
    created: Instant,
) -> Fields {
    Fields::new()
        .put("name", name)
        .opt("namespace", namespace)
        .nonempty("labels", json!(labels))
        .nonempty("annotations", json!(annotations))
        .put("creationTimestamp", timestamp(created))
}

/// `ownerReferences` naming the controller of an object.
fn owner(api_version: &str, kind: &str, name: &str) -> Value {
    json!([{"apiVersion": api_version, "blockOwnerDeletion": true, "controller": true, "kind": kind, "name": name}])
}

/// A JSON object built field by field, leaving out what the API omits.
#[derive(Default)]
struct Fields(Map<String, Value>);

impl Fields {
    fn new() -> Fields {
        Fields::default()
    }

    fn put(mut self, key: &str, v: impl Into<Value>) -> Fields {
        self.0.insert(key.to_string(), v.into());
        self
    }

    fn opt(self, key: &str, v: Option<impl Into<Value>>) -> Fields {
        match v {
            Some(v) => self.put(key, v),
            None => self,
        }
    }

    /// Omitted when an empty object or list (Go's `omitempty`).
    fn nonempty(self, key: &str, v: Value) -> Fields {
        let empty = match &v {
            Value::Object(m) => m.is_empty(),
            Value::Array(a) => a.is_empty(),
            Value::Null => true,
            _ => false,
        };
        if empty { self } else { self.put(key, v) }
    }
}

impl From<Fields> for Value {
    fn from(f: Fields) -> Value {
        Value::Object(f.0)
    }
}

fn string_map(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect_map())
        .unwrap_or_default()
}

/// `metav1.Time`: whole seconds.
pub fn timestamp(t: Instant) -> String {
    crate::k8s::timestamp(t)
}

/// `metav1.MicroTime` (Lease times): microseconds.
fn micro_timestamp(t: Instant) -> String {
    let base = crate::k8s::timestamp(t);
    format!("{}.{:06}Z", base.trim_end_matches('Z'), (t.as_nanos() / 1_000) % 1_000_000)
}

/// The instant of one of vipsim's own timestamps (`2026-01-DDTHH:MM:SS[.frac]Z`).
pub fn parse_timestamp(s: &str) -> Option<Instant> {
    let rest = s.strip_prefix("2026-01-")?.strip_suffix('Z')?;
    let (day, clock) = rest.split_once('T')?;
    let (hms, frac) = clock.split_once('.').unwrap_or((clock, ""));
    let mut parts = hms.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, sec) = (parts.next()??, parts.next()??, parts.next()??);
    let days = day.parse::<u64>().ok()?.checked_sub(1)?;
    let nanos = if frac.is_empty() { 0 } else { format!("{frac:0<9}").get(..9)?.parse::<u64>().ok()? };
    // Only vipsim's own month of simulated time: keeps the arithmetic in range.
    if days > 31 || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    let secs = days * 86_400 + h * 3600 + m * 60 + sec;
    Some(Instant::from_secs(secs) + Duration::from_nanos(nanos))
}

/// kubectl's age of a timestamp: `6s`, `5m`, `<unknown>` when absent.
pub fn age(now: Instant, created: Option<Instant>) -> String {
    match created {
        Some(t) => now.saturating_since(t).human(),
        None => "<unknown>".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip() {
        let t = Instant::from_secs(3725) + Duration::from_millis(879);
        assert_eq!(micro_timestamp(t), "2026-01-01T01:02:05.879000Z");
        assert_eq!(parse_timestamp(&micro_timestamp(t)), Some(t));
        assert_eq!(parse_timestamp("2026-01-02T00:00:01Z"), Some(Instant::from_secs(86_401)));
        assert_eq!(parse_timestamp("yesterday"), None);
    }
}
