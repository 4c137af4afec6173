//! EndpointSlices (derived from the pods a Service selects) and what the
//! nodes program from them: kube-proxy's Service rules, the pods' network
//! namespaces and listeners, healthCheckNodePort answers, kube-ipvs0.

use super::cluster::{Cluster, Endpoint, EndpointSlice};
use super::objects::IntOrString;
use crate::engine::ctx::Ctx;
use crate::engine::trace::Kind;
use crate::net::conntrack::{PROTO_TCP, PROTO_UDP};
use crate::net::host::{Datapath, HealthCheck, Host, PodNet};
use crate::net::proxy::{EndpointRule, PortRule, ServiceRules, ServiceTable, TrafficPolicy};
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddrV4;

/// A Service port's name as EndpointSlices key it (empty when unnamed).
pub fn port_name(p: &super::objects::ServicePort) -> String {
    p.name.clone().unwrap_or_default()
}

/// Recomputes every Service's EndpointSlice; records changes in the trace.
pub fn reconcile_slices(k: &mut Cluster, cx: &mut Ctx) {
    let mut slices = BTreeMap::new();
    for (skey, svc) in &k.services {
        if svc.spec.selector.is_empty() {
            continue;
        }
        let mut eps = Vec::new();
        for pod in k.selected_pods(&svc.namespace, &svc.spec.selector) {
            let (Some(ip), Some(node)) = (pod.ip, pod.node.as_ref()) else { continue };
            let mut ports = BTreeMap::new();
            for p in &svc.spec.ports {
                let target = match &p.target_port {
                    None => Some(p.port),
                    Some(IntOrString::Int(n)) => Some(*n),
                    Some(IntOrString::String(name)) => pod.port_named(name),
                };
                if let Some(t) = target {
                    ports.insert(port_name(p), t);
                }
            }
            // The EndpointSlice controller's conditions (podToEndpoint):
            // serving is the pod's Ready condition, which holds while a
            // terminating pod's app still serves; ready is serving and not
            // terminating.
            let terminating = pod.terminating();
            eps.push(Endpoint {
                pod: pod.name.clone(),
                ip,
                node: node.clone(),
                zone: k.nodes.get(node).and_then(|n| n.zone().map(String::from)),
                ready: pod.ready && !terminating,
                serving: pod.ready,
                terminating,
                ports,
            });
        }
        let created = k.slices.get(skey).map(|s| s.created).unwrap_or(cx.now);
        slices.insert(skey.clone(), EndpointSlice { endpoints: eps, created });
    }
    for (skey, slice) in &slices {
        if k.slices.get(skey).map(|s| &s.endpoints) != Some(&slice.endpoints) {
            let pick = |f: fn(&Endpoint) -> bool| {
                slice.endpoints.iter().filter(|e| f(e)).map(|e| format!("{} ({})", e.ip, e.node)).collect()
            };
            cx.record(Kind::Endpoints {
                service: skey.clone(),
                ready: pick(|e| e.ready),
                serving: pick(|e| e.serving),
                terminating: pick(|e| e.terminating),
            });
        }
    }
    k.slices = slices;
}

fn policy(p: Option<super::objects::TrafficPolicyName>) -> TrafficPolicy {
    match p {
        Some(super::objects::TrafficPolicyName::Local) => TrafficPolicy::Local,
        _ => TrafficPolicy::Cluster,
    }
}

/// The rules every node's proxy programs (kube-proxy's sync, or Cilium's
/// service map), from Services and their EndpointSlices.
pub fn service_table(k: &Cluster) -> ServiceTable {
    let mut table = ServiceTable::default();
    for (skey, svc) in &k.services {
        let ports = svc
            .spec
            .ports
            .iter()
            .enumerate()
            .map(|(i, p)| PortRule {
                name: port_name(p),
                protocol: if p.protocol.as_deref() == Some("UDP") { PROTO_UDP } else { PROTO_TCP },
                port: p.port,
                node_port: svc.node_ports.get(i).copied().flatten(),
            })
            .collect();
        let endpoints = k
            .slices
            .get(skey)
            .map(|s| {
                s.endpoints
                    .iter()
                    .map(|e| EndpointRule {
                        ip: e.ip,
                        ports: e.ports.clone(),
                        node: e.node.clone(),
                        zone: e.zone.clone(),
                        ready: e.ready,
                        serving: e.serving,
                        terminating: e.terminating,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut external_ips = svc.ingress.clone();
        external_ips.extend(svc.spec.external_ips.iter().filter_map(|s| s.parse::<std::net::Ipv4Addr>().ok()));
        table.services.insert(
            skey.clone(),
            ServiceRules {
                name: skey.clone(),
                cluster_ip: svc.cluster_ip,
                external_ips,
                ports,
                endpoints,
                external_policy: policy(svc.spec.external_traffic_policy),
                internal_policy: policy(svc.spec.internal_traffic_policy),
                prefer_close: svc.spec.traffic_distribution.as_deref() == Some("PreferClose"),
                health_check_node_port: svc.health_check_node_port,
            },
        );
    }
    table
}

/// Programs each node: its running pods and their listeners, the
/// healthCheckNodePort servers, kube-ipvs0, and the VIPs it answers ARP for.
pub fn sync_nodes(k: &Cluster, table: &ServiceTable, hosts: &mut [Host]) {
    let ipvs: BTreeSet<_> = if k.config.datapath == Datapath::Ipvs {
        k.services.values().flat_map(|s| s.cluster_ip.into_iter().chain(s.ingress.iter().copied())).collect()
    } else {
        BTreeSet::new()
    };
    for node in k.nodes.values() {
        let host = &mut hosts[node.host];
        let Some(nn) = host.node.as_mut() else { continue };
        nn.pods.clear();
        let mut listeners = BTreeSet::new();
        for pod in k
            .pods
            .values()
            .filter(|p| p.node.as_deref() == Some(&node.name) && p.phase == super::cluster::PodPhase::Running)
        {
            let Some(ip) = pod.ip else { continue };
            nn.pods.insert(ip, PodNet { name: pod.name.as_str().into(), app: pod.app.clone() });
            for c in &pod.spec.containers {
                for p in &c.ports {
                    listeners.insert(SocketAddrV4::new(ip, p.container_port));
                }
                // An app that listens on a flag (`-listen=:5678`, `--http-port=8080`) without a declared port.
                if let Some(port) = flag_port(&c.args) {
                    listeners.insert(SocketAddrV4::new(ip, port));
                }
            }
        }
        nn.health.clear();
        for rules in table.services.values() {
            if let Some(port) = rules.health_check_node_port {
                let local = rules.ready_local_endpoints(&node.name) as u32;
                nn.health.insert(port, HealthCheck { service: rules.name.clone(), local_endpoints: local });
                listeners.insert(SocketAddrV4::new(node.ip, port));
            }
        }
        nn.ipvs_addrs = ipvs.clone();
        host.listeners = listeners;
    }
}

/// The port an app listens on from its flags: `-listen=:5678`,
/// `--http-port=8080`, `--port=8080`.
fn flag_port(args: &[String]) -> Option<u16> {
    args.iter().find_map(|a| {
        let v = a
            .strip_prefix("-listen=")
            .or(a.strip_prefix("--listen="))
            .or(a.strip_prefix("--http-port="))
            .or(a.strip_prefix("--port="))?;
        v.rsplit(':').next()?.parse().ok()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn flag_ports() {
        let a = |s: &str| vec![s.to_string()];
        assert_eq!(super::flag_port(&a("-listen=:5678")), Some(5678));
        assert_eq!(super::flag_port(&a("--http-port=8080")), Some(8080));
        assert_eq!(super::flag_port(&a("-text=hi")), None);
    }
}
