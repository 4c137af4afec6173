//! Services (with the API server's defaults and the load balancer's
//! status), and the v1 Endpoints and EndpointSlices derived from them.

use super::{Fields, metadata, owner, timestamp};
use crate::k8s::cluster::{Cluster, Endpoint, Service};
use crate::k8s::objects::{IntOrString, ServicePort, ServiceType, TrafficPolicyName};
use crate::sim::World;
use crate::sort::Sort;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::rc::Rc;

pub fn services(w: &World) -> Vec<Value> {
    w.cluster.services.values().map(|s| service(&w.cluster, s)).collect()
}

fn service(k: &Cluster, s: &Service) -> Value {
    let meta = metadata(&s.meta.name, Some(&s.namespace), &s.meta.labels, &s.meta.annotations, s.created);
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": Value::from(meta),
        "spec": spec(s),
        "status": status(k, s),
    })
}

fn type_name(t: ServiceType) -> &'static str {
    match t {
        ServiceType::ClusterIP => "ClusterIP",
        ServiceType::NodePort => "NodePort",
        ServiceType::LoadBalancer => "LoadBalancer",
    }
}

fn policy(p: Option<TrafficPolicyName>) -> &'static str {
    match p {
        Some(TrafficPolicyName::Local) => "Local",
        _ => "Cluster",
    }
}

/// The spec as stored: what was applied plus the API server's defaults
/// and allocations.
fn spec(s: &Service) -> Value {
    let sp = &s.spec;
    let external = matches!(sp.service_type, ServiceType::NodePort | ServiceType::LoadBalancer);
    let cluster_ip = s.cluster_ip.map(|ip| ip.to_string()).unwrap_or_else(|| "None".into());
    let ports: Vec<Value> =
        sp.ports.iter().enumerate().map(|(i, p)| port(p, s.node_ports.get(i).copied().flatten())).collect();
    let allocate_node_ports =
        (sp.service_type == ServiceType::LoadBalancer).then(|| sp.allocate_load_balancer_node_ports.unwrap_or(true));
    Fields::new()
        .opt("allocateLoadBalancerNodePorts", allocate_node_ports)
        .put("clusterIP", cluster_ip.clone())
        .put("clusterIPs", json!([cluster_ip]))
        .nonempty("externalIPs", json!(sp.external_ips))
        .opt("externalTrafficPolicy", external.then(|| policy(sp.external_traffic_policy)))
        .opt("healthCheckNodePort", s.health_check_node_port)
        .put("internalTrafficPolicy", policy(sp.internal_traffic_policy))
        .put("ipFamilies", sp.ip_families.clone().unwrap_or(json!(["IPv4"])))
        .put("ipFamilyPolicy", sp.ip_family_policy.clone().unwrap_or(json!("SingleStack")))
        .opt("loadBalancerClass", sp.load_balancer_class.clone())
        .opt("loadBalancerIP", sp.load_balancer_ip.clone())
        .nonempty("ports", Value::Array(ports))
        .nonempty("selector", json!(sp.selector))
        .put("sessionAffinity", if sp.affinity_timeout_seconds().is_some() { "ClientIP" } else { "None" })
        .opt("sessionAffinityConfig", sp.affinity_timeout_seconds().map(|t| json!({"clientIP": {"timeoutSeconds": t}})))
        .opt("trafficDistribution", sp.traffic_distribution.clone())
        .put("type", type_name(sp.service_type))
        .into()
}

fn port(p: &ServicePort, node_port: Option<u16>) -> Value {
    let target = match &p.target_port {
        Some(IntOrString::Int(n)) => json!(n),
        Some(IntOrString::String(name)) => json!(name),
        None => json!(p.port),
    };
    Fields::new()
        .opt("name", p.name.clone())
        .opt("nodePort", node_port)
        .put("port", p.port)
        .put("protocol", p.protocol.clone().unwrap_or_else(|| "TCP".into()))
        .put("targetPort", target)
        .into()
}

/// `status.loadBalancer` (the API server fills `ipMode: VIP`) and, where
/// Cilium's LB-IPAM handles the Service, its `IPAMRequestSatisfied` condition.
fn status(k: &Cluster, s: &Service) -> Value {
    let ingress: Vec<Value> = s.ingress.iter().map(|ip| json!({"ip": ip.to_string(), "ipMode": "VIP"})).collect();
    let conditions: Vec<Value> = k
        .cilium
        .condition(&s.key())
        .into_iter()
        .map(|c| {
            json!({
                "lastTransitionTime": timestamp(s.ingress_since),
                "message": c.message,
                "reason": c.reason,
                "status": if c.status { "True" } else { "False" },
                "type": "cilium.io/IPAMRequestSatisfied",
            })
        })
        .collect();
    Fields::new()
        .nonempty("conditions", Value::Array(conditions))
        .put("loadBalancer", Fields::new().nonempty("ingress", Value::Array(ingress)))
        .into()
}

/// Services with a selector: the ones the endpoint controllers manage.
fn selecting(k: &Cluster) -> impl Iterator<Item = &Service> {
    k.services.values().filter(|s| !s.spec.selector.is_empty())
}

/// A Service port as its endpoints expose it: the target port the pods listen on.
fn endpoint_port(p: &ServicePort, target: u16) -> Value {
    Fields::new()
        .opt("name", p.name.clone())
        .put("port", target)
        .put("protocol", p.protocol.clone().unwrap_or_else(|| "TCP".into()))
        .into()
}

pub fn endpoints(w: &World) -> Vec<Value> {
    let k = &w.cluster;
    selecting(k).map(|s| endpoints_object(k, s)).collect()
}

/// The ready and the not-ready endpoints serving one set of ports.
type Subset<'a> = (Vec<&'a Endpoint>, Vec<&'a Endpoint>);

/// The v1 Endpoints object: ready pods under `addresses`, not-ready ones
/// under `notReadyAddresses` (terminating pods are left out), grouped in
/// subsets by the ports they serve.
fn endpoints_object(k: &Cluster, s: &Service) -> Value {
    let slice = k.slices.get(&s.key());
    let mut subsets: BTreeMap<Vec<(String, u16)>, Subset> = BTreeMap::new();
    for e in slice.iter().flat_map(|sl| sl.endpoints.iter()).filter(|e| !e.terminating) {
        let ports = e.ports.iter().map(|(n, p)| (n.clone(), *p)).collect();
        let entry = subsets.entry(ports).or_default();
        if e.ready { entry.0.push(e) } else { entry.1.push(e) }
    }
    let address = |e: &&Endpoint| {
        json!({"ip": e.ip.to_string(), "nodeName": e.node,
               "targetRef": {"kind": "Pod", "name": &*e.pod, "namespace": s.namespace}})
    };
    let subsets: Vec<Value> = subsets
        .into_iter()
        .map(|(ports, (mut ready, mut not_ready))| {
            ready.stable_sort_by_key(|e| e.ip.to_string());
            not_ready.stable_sort_by_key(|e| e.ip.to_string());
            let ports: Vec<Value> = s
                .spec
                .ports
                .iter()
                .filter_map(|p| {
                    let name = crate::k8s::endpoints::port_name(p);
                    ports.iter().find(|(n, _)| *n == name).map(|(_, t)| endpoint_port(p, *t))
                })
                .collect();
            Fields::new()
                .nonempty("addresses", Value::Array(ready.iter().map(address).collect()))
                .nonempty("notReadyAddresses", Value::Array(not_ready.iter().map(address).collect()))
                .nonempty("ports", Value::Array(ports))
                .into()
        })
        .collect();
    let created = slice.map(|sl| sl.created).unwrap_or(s.created);
    let meta = metadata(&s.meta.name, Some(&s.namespace), &s.meta.labels, &BTreeMap::new(), created);
    Fields::new()
        .put("apiVersion", "v1")
        .put("kind", "Endpoints")
        .put("metadata", meta)
        .nonempty("subsets", Value::Array(subsets))
        .into()
}

/// `web-x7k2p`: the controller's generated name for the Service's `nth`
/// slice, the same in every run.
fn slice_name(namespace: &str, service: &str, nth: usize) -> String {
    let seed = match nth {
        0 => format!("endpointslice/{namespace}/{service}"),
        n => format!("endpointslice/{namespace}/{service}/{n}"),
    };
    format!("{service}-{}", crate::k8s::workloads::name_suffix(&seed, 5))
}

/// The Services' EndpointSlices. The controller puts endpoints whose
/// ports resolve alike in one slice and makes a slice per other set: a
/// named `targetPort` that one pod declares as 8080 and another as 9090
/// gives two slices (`reconcileByAddressType` groups by the endpoint's
/// ports, pkg/controller/endpointslice/reconciler.go, Kubernetes 1.34).
pub fn endpoint_slices(w: &World) -> Vec<Value> {
    let k = &w.cluster;
    let mut out = Vec::new();
    for s in selecting(k) {
        let Some(sl) = k.slices.get(&s.key()) else { continue };
        let mut groups: Vec<Vec<Rc<Endpoint>>> = Vec::new();
        for e in sl.endpoints.iter() {
            match groups.iter_mut().find(|g| g[0].ports == e.ports) {
                Some(g) => g.push(e.clone()),
                None => groups.push(vec![e.clone()]),
            }
        }
        if groups.is_empty() {
            groups.push(Vec::new());
        }
        for (i, eps) in groups.iter().enumerate() {
            out.push(slice_object(s, eps, sl.created, i));
        }
    }
    out
}

/// Slice `nth` of Service `s` (a placeholder without endpoints when `eps` is empty).
fn slice_object(s: &Service, eps: &[Rc<Endpoint>], created: crate::time::Instant, nth: usize) -> Value {
    let mut labels = s.meta.labels.clone();
    labels.insert("endpointslice.kubernetes.io/managed-by".into(), "endpointslice-controller.k8s.io".into());
    labels.insert("kubernetes.io/service-name".into(), s.meta.name.clone());
    let name = slice_name(&s.namespace, &s.meta.name, nth);
    let meta = metadata(&name, Some(&s.namespace), &labels, &BTreeMap::new(), created)
        .put("generateName", format!("{}-", s.meta.name))
        .put("ownerReferences", owner("v1", "Service", &s.meta.name));
    let endpoints: Vec<Value> = eps
        .iter()
        .map(|e| {
            Fields::new()
                .put("addresses", json!([e.ip.to_string()]))
                .put("conditions", json!({"ready": e.ready, "serving": e.serving, "terminating": e.terminating}))
                .put("nodeName", &*e.node)
                .put("targetRef", json!({"kind": "Pod", "name": e.pod, "namespace": s.namespace}))
                .opt("zone", e.zone.as_deref())
                .into()
        })
        .collect();
    // A slice without endpoints is the controller's placeholder: no ports either.
    let ports: Vec<Value> = eps
        .first()
        .map(|e| {
            s.spec
                .ports
                .iter()
                .filter_map(|p| {
                    let name = crate::k8s::endpoints::port_name(p);
                    let target = e.ports.get(&name)?;
                    let proto = p.protocol.clone().unwrap_or_else(|| "TCP".into());
                    Some(json!({"name": name, "port": target, "protocol": proto}))
                })
                .collect()
        })
        .unwrap_or_default();
    let null_if_empty = |v: Vec<Value>| if v.is_empty() { Value::Null } else { Value::Array(v) };
    json!({
        "addressType": "IPv4",
        "apiVersion": "discovery.k8s.io/v1",
        "endpoints": null_if_empty(endpoints),
        "kind": "EndpointSlice",
        "metadata": Value::from(meta),
        "ports": null_if_empty(ports),
    })
}
