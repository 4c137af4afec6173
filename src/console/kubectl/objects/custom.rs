//! Custom resources (MetalLB, Cilium, Gateway API) as stored from their
//! manifests, in the served version, with the status their controllers
//! write: Cilium's pool conditions, the Gateway's address and conditions.

use super::{Fields, metadata, timestamp};
use crate::console::kubectl::resources;
use crate::k8s::cluster::{Cluster, Stored};
use crate::k8s::objects::Manifest;
use crate::sim::World;
use crate::time::Instant;
use serde_json::{Value, json};

/// The Gateway API's default status for objects no controller has seen.
const UNSEEN: &str = "1970-01-01T00:00:00Z";
const CILIUM_GATEWAY_CONTROLLER: &str = "io.cilium/gateway-controller";

pub fn objects(w: &World, kind: &str) -> Vec<Value> {
    w.cluster.objects_of(kind).into_iter().map(|s| custom(&w.cluster, s)).collect()
}

fn custom(k: &Cluster, s: &Stored) -> Value {
    let m = &s.manifest;
    let meta = m.metadata();
    let res = resources::of_kind(m.kind());
    let namespace = res.is_some_and(|r| r.namespaced).then(|| m.namespace().unwrap_or("default"));
    let mut spec =
        serde_json::to_value(m).ok().and_then(|mut v| v.get_mut("spec").map(Value::take)).unwrap_or_default();
    apply_defaults(m, &mut spec);
    let status = match m {
        Manifest::CiliumLoadBalancerIPPool { .. } => pool_status(k, &meta.name, s.created),
        Manifest::Gateway { spec, .. } => {
            gateway_status(k, namespace.unwrap_or("default"), &meta.name, spec, s.created)
        }
        Manifest::GatewayClass { spec, .. } => class_status(&spec.controller_name, s.created),
        _ => Value::Null,
    };
    let api_version = res.map(|r| r.api_version()).unwrap_or_else(|| m.api_version().to_string());
    Fields::new()
        .put("apiVersion", api_version)
        .put("kind", m.kind())
        .put("metadata", metadata(&meta.name, namespace, &meta.labels, &meta.annotations, s.created))
        .nonempty("spec", spec)
        .nonempty("status", status)
        .into()
}

/// Defaults the CRDs' schemas add on admission.
fn apply_defaults(m: &Manifest, spec: &mut Value) {
    let defaults: &[(&str, Value)] = match m {
        Manifest::BGPPeer { .. } => &[("peerPort", json!(179)), ("disableMP", json!(false))],
        _ => &[],
    };
    if let Value::Object(o) = spec {
        for (key, value) in defaults {
            o.entry(*key).or_insert(value.clone());
        }
    }
}

/// LB-IPAM's pool conditions: the conflict first (set when the pool is
/// added), then the address counts (status `Unknown`, the count in the message).
fn pool_status(k: &Cluster, pool: &str, created: Instant) -> Value {
    let Some(st) = k.cilium.pool_status(pool) else { return Value::Null };
    let since = timestamp(created);
    let count = |kind: &str, n: u64| {
        json!({"lastTransitionTime": since, "message": n.to_string(), "reason": "noreason",
               "status": "Unknown", "type": kind})
    };
    let (status, reason) = if st.conflicting { ("True", "cidr_overlap") } else { ("False", "resolved") };
    json!({"conditions": [
        {"lastTransitionTime": since, "message": st.conflict_message.clone().unwrap_or_default(),
         "reason": reason, "status": status, "type": "cilium.io/PoolConflict"},
        count("cilium.io/IPsTotal", st.ips_total),
        count("cilium.io/IPsAvailable", st.ips_available),
        count("cilium.io/IPsUsed", st.ips_used),
    ]})
}

fn condition(kind: &str, ok: bool, reason: &str, message: &str, since: &str) -> Value {
    json!({"lastTransitionTime": since, "message": message, "reason": reason,
           "status": if ok { "True" } else { "False" }, "type": kind})
}

/// What the Gateway API CRDs default a status to before any controller acts.
fn waiting_for_controller(kinds: &[&str]) -> Value {
    let conditions: Vec<Value> = kinds
        .iter()
        .map(|kind| {
            json!({"lastTransitionTime": UNSEEN, "message": "Waiting for controller", "reason": "Pending",
                   "status": "Unknown", "type": kind})
        })
        .collect();
    json!({"conditions": conditions})
}

fn class_status(controller: &str, created: Instant) -> Value {
    if controller != CILIUM_GATEWAY_CONTROLLER {
        return waiting_for_controller(&["Accepted"]);
    }
    json!({"conditions": [condition("Accepted", true, "Accepted", "Valid GatewayClass", &timestamp(created))]})
}

/// Cilium's Gateway status: the address of its `cilium-gateway-<name>`
/// Service, programmed once that Service has one.
fn gateway_status(
    k: &Cluster,
    ns: &str,
    name: &str,
    spec: &crate::k8s::objects::GatewaySpec,
    created: Instant,
) -> Value {
    let key = crate::k8s::cluster::key(ns, &format!("cilium-gateway-{name}"));
    let Some(svc) = k.services.get(&key) else {
        return waiting_for_controller(&["Accepted", "Programmed"]);
    };
    let since = timestamp(created);
    let programmed = !svc.ingress.is_empty();
    let programmed_since = timestamp(svc.ingress_since);
    let addresses: Vec<Value> =
        svc.ingress.iter().map(|ip| json!({"type": "IPAddress", "value": ip.to_string()})).collect();
    let programmed_condition = if programmed {
        condition("Programmed", true, "Programmed", "Gateway successfully reconciled", &programmed_since)
    } else {
        condition("Programmed", false, "AddressNotAssigned", "Address is not ready yet", &programmed_since)
    };
    let listeners: Vec<Value> = spec
        .listeners
        .iter()
        .map(|l| {
            json!({
                "attachedRoutes": 0,
                "conditions": [
                    condition("Programmed", programmed, "Programmed", "Listener Programmed", &programmed_since),
                    condition("Accepted", true, "Accepted", "Listener Accepted", &since),
                    condition("ResolvedRefs", true, "ResolvedRefs", "Resolved Refs", &since),
                ],
                "name": l.name,
                "supportedKinds": [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute"}],
            })
        })
        .collect();
    Fields::new()
        .nonempty("addresses", Value::Array(addresses))
        .put(
            "conditions",
            json!([
                condition("Accepted", true, "Accepted", "Gateway successfully scheduled", &since),
                programmed_condition
            ]),
        )
        .put("listeners", listeners)
        .into()
}
