//! EndpointSlices (derived from the pods a Service selects) and what the
//! nodes program from them: kube-proxy's Service rules, the pods' network
//! namespaces and listeners, healthCheckNodePort answers, kube-ipvs0.

use super::cluster::{Cluster, Endpoint, EndpointSlice, Key, Node, Pod, Service, seek};
use super::objects::IntOrString;
use crate::engine::ctx::Ctx;
use crate::engine::trace::{EndpointList, EndpointMark, Kind};
use crate::net::conntrack::{PROTO_TCP, PROTO_UDP};
use crate::net::host::{Datapath, HealthCheck, Host, PodNet};
use crate::net::proxy::{EndpointRule, NodeName, PortRule, ServiceRules, ServiceTable, TrafficPolicy};
use crate::sort::{Collect, Sort};
use crate::time::Instant;
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddrV4;
use std::rc::Rc;

/// A Service port's name as EndpointSlices key it (empty when unnamed).
pub fn port_name(p: &super::objects::ServicePort) -> String {
    p.name.clone().unwrap_or_default()
}

/// The Service's endpoint for `pod` (which it selects): none until the
/// pod has an address on a node.
fn endpoint(nodes: &BTreeMap<String, Node>, svc: &Service, pod: &Pod) -> Option<Endpoint> {
    let (Some(ip), Some(node)) = (pod.ip, pod.node.as_ref()) else { return None };
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
    // The EndpointSlice controller's conditions (podToEndpoint): serving
    // is the pod's Ready condition, which holds while a terminating pod's
    // app still serves; ready is serving and not terminating.
    let terminating = pod.terminating();
    Some(Endpoint {
        pod: pod.name.as_str().into(),
        ip,
        node: node.as_str().into(),
        zone: nodes.get(node).and_then(|n| n.zone().map(Into::into)),
        ready: pod.ready && !terminating,
        serving: pod.ready,
        terminating,
        ports: ports.into(),
    })
}

/// Whether a (non-empty) selector in `ns` selects the pod.
fn selects(ns: &str, selector: &BTreeMap<String, String>, pod: &Pod) -> bool {
    pod.namespace == ns && !selector.is_empty() && selector.iter().all(|(k, v)| pod.labels.get(k) == Some(v))
}

/// How the trace shows an endpoint.
fn mark(e: &Endpoint) -> EndpointMark {
    EndpointMark {
        pod: e.pod.clone(),
        label: format!("{} ({})", e.ip, e.node).into(),
        ready: e.ready,
        serving: e.serving,
        terminating: e.terminating,
    }
}

/// Brings the EndpointSlices, and the Service rules built from them, up to
/// date with what changed (`k.touched`; everything after a change the
/// control loop does not track), and records the slices that changed.
/// A pod's change is an edit of the slices of the Services in its
/// namespace, in place; a Service's change recomputes its own slice.
pub fn reconcile_slices(k: &mut Cluster, table: &mut ServiceTable, cx: &mut Ctx) {
    // Many pods at once (a Deployment created or scaled): one pass over
    // everything costs less than editing the slices pod by pod.
    let rebuild = k.touched.all || k.touched.pods.len() > 64;
    let changed = if rebuild { rebuild_slices(k, cx.now) } else { update_slices(k, table, cx.now) };
    k.touched.slices |= !changed.is_empty();
    if rebuild {
        *table = service_table(k);
    } else {
        let services: Vec<Key> = k.touched.services.iter().cloned().collect();
        for (i, skey) in services.iter().enumerate() {
            match k.services.get(skey) {
                Some(svc) => {
                    // (Copied from a Service whose rules are up to date and
                    // whose slice holds the same endpoints, if any.)
                    let current = |other: &Key| !k.touched.services.contains(other) || services[..i].contains(other);
                    let slice = k.slices.get(skey);
                    let same = slice.and_then(|slice| {
                        same_namespace(k, &svc.namespace).find_map(|(other, _)| {
                            let theirs = k.slices.get(other)?;
                            let rules = table.services.get(other)?;
                            (other != skey && current(other) && theirs.endpoints == slice.endpoints).then_some(rules)
                        })
                    });
                    let rules = match same {
                        Some(theirs) => ServiceRules {
                            endpoints: theirs.endpoints.clone(),
                            ..service_rules_without_endpoints(skey, svc)
                        },
                        None => service_rules(k, skey, svc),
                    };
                    table.services.insert(skey.clone(), rules);
                }
                None => {
                    table.services.remove(skey);
                }
            }
        }
        if !k.touched.services.is_empty() {
            table.frontends_changed();
        }
    }
    // The trace's list for each changed slice. A slice holding the same
    // list as the one before belongs to a Service alike (lists are shared
    // only between Services alike), so it takes the same trace list without
    // looking its Service up; the slices are walked beside the changed
    // keys, both in key order.
    let Cluster { services, slices, caches, .. } = k;
    let mut last: Option<(*const List, EndpointList)> = None;
    let mut walk = slices.iter().peekable();
    for skey in changed {
        let Some(slice) = seek(&mut walk, &skey) else { continue };
        let at = Rc::as_ptr(&slice.endpoints);
        let endpoints = match last.as_ref().filter(|(list, _)| *list == at) {
            Some((_, list)) => list.clone(),
            None => {
                let Some(svc) = services.get(&skey) else { continue };
                let group: Group = (svc.namespace.clone(), svc.spec.selector.clone());
                let list = match caches.endpoint_lists.get(&group) {
                    Some(list) => list.clone(),
                    None => {
                        let list: EndpointList = slice.endpoints.iter().map(|e| mark(e)).collect();
                        caches.endpoint_lists.insert(group, list.clone());
                        list
                    }
                };
                last = Some((at, list.clone()));
                list
            }
        };
        cx.record(Kind::Endpoints { service: skey, endpoints });
    }
}

/// Every Service's EndpointSlice from scratch; returns the Services whose
/// slice changed, in key order.
fn rebuild_slices(k: &mut Cluster, now: Instant) -> Vec<Key> {
    let mut slices: BTreeMap<Key, EndpointSlice> = BTreeMap::new();
    // A Service next to one alike (same namespace, selector and ports: the
    // same endpoints) copies its slice instead of selecting again.
    let mut last: Option<&Service> = None;
    for (skey, svc) in &k.services {
        if svc.spec.selector.is_empty() {
            continue;
        }
        let created = k.slices.get(skey).map(|s| s.created).unwrap_or(now);
        let alike = last.filter(|l| {
            l.namespace == svc.namespace && l.spec.selector == svc.spec.selector && l.spec.ports == svc.spec.ports
        });
        let slice = match alike.and_then(|l| slices.get(&l.key())) {
            Some(slice) => EndpointSlice { created, ..slice.clone() },
            None => fresh_slice(k, svc, created),
        };
        slices.insert(skey.clone(), slice);
        last = Some(svc);
    }
    // (Services alike held one list before and hold one now: the two
    // lists are compared once, not once per Service.)
    let mut compared: Option<(*const List, *const List, bool)> = None;
    let changed: Vec<Key> = slices
        .iter()
        .filter(|(skey, slice)| {
            let Some(old) = k.slices.get(*skey) else { return true };
            let pair = (Rc::as_ptr(&old.endpoints), Rc::as_ptr(&slice.endpoints));
            match compared {
                Some((a, b, differs)) if (a, b) == pair => differs,
                _ => {
                    let differs = old.endpoints != slice.endpoints;
                    compared = Some((pair.0, pair.1, differs));
                    differs
                }
            }
        })
        .map(|(skey, _)| skey.clone())
        .collect();
    k.slices = slices;
    k.caches.endpoint_lists.clear();
    changed
}

/// `svc`'s slice made from scratch: an endpoint per pod it selects.
fn fresh_slice(k: &Cluster, svc: &Service, created: Instant) -> EndpointSlice {
    let eps: Vec<Endpoint> =
        k.selected_pods(&svc.namespace, &svc.spec.selector).filter_map(|pod| endpoint(&k.nodes, svc, pod)).collect();
    EndpointSlice::new(eps, created)
}

/// The touched pods' endpoints edited into the slices of the other
/// Services of their namespace ([`update_pods`]), then the slices of the
/// touched Services from scratch. Returns the Services whose slice
/// changed, in key order, once each.
fn update_slices(k: &mut Cluster, table: &mut ServiceTable, now: Instant) -> Vec<Key> {
    let mut changed = update_pods(k, table);
    // (After the pods: a touched Service alike one whose slice is up to
    // date, same namespace, selector and ports, copies its endpoints.)
    let touched: Vec<Key> = k.touched.services.iter().cloned().collect();
    for (i, skey) in touched.iter().enumerate() {
        match k.services.get(skey).filter(|s| !s.spec.selector.is_empty()) {
            Some(svc) => {
                let current = |other: &Key| !k.touched.services.contains(other) || touched[..i].contains(other);
                let alike = same_namespace(k, &svc.namespace).find(|(other, o)| {
                    *other != skey
                        && o.spec.selector == svc.spec.selector
                        && o.spec.ports == svc.spec.ports
                        && current(other)
                        && k.slices.contains_key(*other)
                });
                let created = k.slices.get(skey).map(|s| s.created).unwrap_or(now);
                let slice = match alike {
                    Some((other, _)) => EndpointSlice { created, ..k.slices[other].clone() },
                    None => fresh_slice(k, svc, created),
                };
                if k.slices.get(skey).map(|s| &s.endpoints) != Some(&slice.endpoints) {
                    changed.push(skey.clone());
                }
                k.slices.insert(skey.clone(), slice);
            }
            None => {
                k.slices.remove(skey);
            }
        }
    }
    // (One pod's, the usual case, are in order already: the sort only checks.)
    changed.stable_sort();
    changed.dedup();
    changed
}

/// The Services of a namespace.
fn same_namespace<'a>(k: &'a Cluster, ns: &str) -> impl Iterator<Item = (&'a Key, &'a Service)> + 'a {
    let prefix = format!("{ns}/");
    k.services.range(prefix.clone()..).take_while(move |(s, _)| s.starts_with(&prefix))
}

/// The touched pods' endpoints edited into the slices (and Service rules,
/// and the trace's endpoint lists) of the Services of their namespace that
/// were not touched themselves. Returns the Services whose slice changed,
/// in key order for each pod.
fn update_pods(k: &mut Cluster, table: &mut ServiceTable) -> Vec<Key> {
    let mut changed: Vec<Key> = Vec::new();
    let Cluster { touched, pods, services, slices, nodes, caches, .. } = k;
    for pk in &touched.pods {
        let Some((ns, name)) = pk.split_once('/') else { continue };
        let pod = pods.get(pk);
        let prefix = format!("{ns}/");
        // The pod's endpoint depends on the Service only through its
        // selector and ports: Services alike (often all of them: several
        // Services in front of one Deployment) share one endpoint, digest
        // and rule, made once; so does the digest of the endpoint replaced.
        let mut made: Option<(&Service, Option<Made>)> = None;
        let mut replaced: Option<(Endpoint, u64)> = None;
        // Services alike share their lists: the last list edited (before,
        // after, and the slice's digest after), so that the next Service
        // alike that holds the same list takes the edited one as it is.
        let mut edited: Option<SliceEdit> = None;
        let mut edited_rules: Option<Shared<EndpointRule>> = None;
        // The namespace's slices and rules, walked beside its Services
        // (all three are in key order) instead of looked up one by one.
        let mut ns_slices = slices.range_mut(prefix.clone()..).peekable();
        let mut ns_rules = table.services.range_mut(prefix.clone()..).peekable();
        for (skey, svc) in services.range(prefix.clone()..).take_while(|(s, _)| s.starts_with(&prefix)) {
            if svc.spec.selector.is_empty() || touched.services.contains(skey) {
                continue;
            }
            let rules = seek(&mut ns_rules, skey).map(|r| &mut r.endpoints);
            let Some(slice) = seek(&mut ns_slices, skey) else { continue };
            // A slice holding the list just edited belongs to a Service alike
            // (lists are shared only between Services alike), so it takes the
            // edited list without comparing selectors and ports again.
            if !edited.as_ref().is_some_and(|(before, ..)| Rc::ptr_eq(&slice.endpoints, before)) {
                let alike = made
                    .as_ref()
                    .is_some_and(|(m, _)| m.spec.selector == svc.spec.selector && m.spec.ports == svc.spec.ports);
                if !alike {
                    let ep = pod.filter(|p| selects(ns, &svc.spec.selector, p)).and_then(|p| endpoint(nodes, svc, p));
                    made = Some((
                        svc,
                        ep.map(|ep| (ep.digest(), endpoint_rule(&ep), Rc::new(ep))).map(|(d, r, ep)| (ep, d, r)),
                    ));
                    (edited, edited_rules) = (None, None);
                }
            }
            debug_assert!(
                made.as_ref()
                    .is_some_and(|(m, _)| m.spec.selector == svc.spec.selector && m.spec.ports == svc.spec.ports),
                "{skey} shares its list only with Services alike"
            );
            let ep = made.as_ref().and_then(|(_, ep)| ep.as_ref());
            let shared = edited.as_ref().filter(|(before, ..)| Rc::ptr_eq(&slice.endpoints, before));
            let edit = match shared {
                Some((_, after, digest, edit)) => {
                    slice.endpoints = after.clone();
                    slice.digest = *digest;
                    *edit
                }
                None => {
                    let at = slice.endpoints.binary_search_by(|e| (*e.pod).cmp(name));
                    let edit = match (at, ep) {
                        (Ok(i), Some((ep, ..))) if slice.endpoints[i] == *ep => continue,
                        (Ok(i), Some(_)) => Edit::Set(i),
                        (Ok(i), None) => Edit::Remove(i),
                        (Err(i), Some(_)) => Edit::Insert(i),
                        (Err(_), None) => continue,
                    };
                    let old = match edit {
                        Edit::Set(i) | Edit::Remove(i) => digest_of(&slice.endpoints[i], &mut replaced),
                        Edit::Insert(_) => 0,
                    };
                    slice.digest = slice.digest.wrapping_sub(old).wrapping_add(ep.map_or(0, |(_, d, _)| *d));
                    let before = slice.endpoints.clone();
                    edit.apply(Rc::make_mut(&mut slice.endpoints), ep.map(|(ep, ..)| ep));
                    edited = Some((before, slice.endpoints.clone(), slice.digest, edit));
                    edit
                }
            };
            // The rules list the slice's endpoints in the same order.
            if let Some(r) = rules {
                match edited_rules.as_ref().filter(|(before, _)| Rc::ptr_eq(r, before)) {
                    Some((_, after)) => *r = after.clone(),
                    None => {
                        let before = r.clone();
                        edit.apply(Rc::make_mut(r), ep.map(|(_, _, rule)| rule));
                        edited_rules = Some((before, r.clone()));
                    }
                }
            }
            changed.push(skey.clone());
        }
        // The trace's lists of every selector of the namespace (a Service
        // may come back to one later), edited the same way.
        for ((gns, selector), list) in caches.endpoint_lists.iter_mut() {
            if gns != ns {
                continue;
            }
            let m = pod
                .filter(|p| selects(ns, selector, p))
                .and_then(|p| p.ip.zip(p.node.as_ref()).map(|_| p))
                .map(mark_of_pod);
            *list = list.with(name, m);
        }
    }
    changed
}

/// A namespace and a selector: the Services that select alike.
type Group = (String, BTreeMap<String, String>);

/// A slice's endpoints.
type List = Vec<Rc<Endpoint>>;

/// A shared list before and after an edit.
type Shared<T> = (Rc<Vec<T>>, Rc<Vec<T>>);

/// A slice's shared list before and after a pod's edit, the slice's digest
/// after it, and the edit.
type SliceEdit = (Rc<List>, Rc<List>, u64, Edit);

/// How a pod's change edits a Service's list of endpoints (and its rules,
/// in the same order): at the pod's place in the list.
#[derive(Clone, Copy, Debug)]
enum Edit {
    Set(usize),
    Remove(usize),
    Insert(usize),
}

impl Edit {
    /// Applies the edit; `new` is the pod's entry (`None` only for `Remove`).
    fn apply<T: Clone>(self, list: &mut Vec<T>, new: Option<&T>) {
        match (self, new) {
            (Edit::Set(i), Some(new)) => list[i] = new.clone(),
            (Edit::Insert(i), Some(new)) => list.insert(i, new.clone()),
            (Edit::Remove(i), _) => {
                list.remove(i);
            }
            (Edit::Set(_) | Edit::Insert(_), None) => unreachable!("an edit that adds an entry has one"),
        }
    }
}

/// A pod's endpoint for some Services, its digest and its rule.
type Made = (Rc<Endpoint>, u64, EndpointRule);

/// `e.digest()`, reused from `memo` when `e` is the endpoint digested last.
fn digest_of(e: &Endpoint, memo: &mut Option<(Endpoint, u64)>) -> u64 {
    match memo {
        Some((m, d)) if m == e => *d,
        _ => {
            let d = e.digest();
            *memo = Some((e.clone(), d));
            d
        }
    }
}

/// [`mark`] of a pod's endpoint (the same for every Service selecting it).
fn mark_of_pod(p: &Pod) -> EndpointMark {
    let terminating = p.terminating();
    EndpointMark {
        pod: p.name.as_str().into(),
        label: format!("{} ({})", p.ip.expect("has an address"), p.node.as_deref().expect("on a node")).into(),
        ready: p.ready && !terminating,
        serving: p.ready,
        terminating,
    }
}

fn endpoint_rule(e: &Endpoint) -> EndpointRule {
    EndpointRule {
        ip: e.ip,
        ports: e.ports.clone(),
        node: NodeName(e.node.clone()),
        zone: e.zone.clone(),
        ready: e.ready,
        serving: e.serving,
        terminating: e.terminating,
    }
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
    // (A Service whose slice holds the same endpoints as the one before
    // copies that one's endpoint rules.)
    let mut last: Option<&Key> = None;
    for (skey, svc) in &k.services {
        let same = last.filter(|before| {
            let (a, b) = (k.slices.get(*before), k.slices.get(skey));
            a.zip(b).is_some_and(|(a, b)| a.endpoints == b.endpoints)
        });
        let rules = match same.and_then(|r| table.services.get(r)) {
            Some(before) => {
                let endpoints = before.endpoints.clone();
                ServiceRules { endpoints, ..service_rules_without_endpoints(skey, svc) }
            }
            None => service_rules(k, skey, svc),
        };
        table.services.insert(skey.clone(), rules);
        last = Some(skey);
    }
    // (Not indexed yet: the world indexes it before its next event.)
    table
}

/// One Service's rules.
fn service_rules(k: &Cluster, skey: &Key, svc: &Service) -> ServiceRules {
    let endpoints =
        k.slices.get(skey).map(|s| Rc::new(s.endpoints.iter().map(|e| endpoint_rule(e)).collect())).unwrap_or_default();
    ServiceRules { endpoints, ..service_rules_without_endpoints(skey, svc) }
}

/// One Service's rules but for its endpoints (left empty).
fn service_rules_without_endpoints(skey: &Key, svc: &Service) -> ServiceRules {
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
    let mut external_ips = svc.ingress.clone();
    external_ips.extend(svc.spec.external_ips.iter().filter_map(|s| s.parse::<std::net::Ipv4Addr>().ok()));
    ServiceRules {
        name: skey.clone(),
        cluster_ip: svc.cluster_ip,
        external_ips,
        ports,
        endpoints: Default::default(),
        external_policy: policy(svc.spec.external_traffic_policy),
        internal_policy: policy(svc.spec.internal_traffic_policy),
        prefer_close: svc.spec.traffic_distribution.as_deref() == Some("PreferClose"),
        health_check_node_port: svc.health_check_node_port,
        affinity: svc.spec.affinity_timeout_seconds().map(|t| crate::time::Duration::from_secs(t.max(0) as u64)),
    }
}

/// Programs the nodes: their running pods and the pods' listeners, the
/// healthCheckNodePort servers, kube-ipvs0. A node's pods are redone after
/// a change the control loop does not track or when its pods changed
/// (found in `k.caches.pods`, which the caller has refreshed); what comes
/// from the Services (health checks, kube-ipvs0) on every node when a
/// Service changed, without walking the pods again.
pub fn sync_nodes(k: &Cluster, table: &ServiceTable, hosts: &mut [Host]) {
    let all = k.touched.all;
    let services = all || !k.touched.services.is_empty();
    // kube-ipvs0 holds every Service address kube-proxy's IPVS proxier
    // makes a virtual server for: ClusterIPs, load-balancer ingress IPs and
    // externalIPs (`syncProxyRules`, pkg/proxy/ipvs/proxier.go, 1.34), but
    // on each node not an address another interface of it already has
    // (`shouldBind`): see below.
    let ipvs: BTreeSet<_> = if services && k.config.datapath == Datapath::Ipvs {
        k.services
            .values()
            .flat_map(|s| {
                let external = s.spec.external_ips.iter().filter_map(|ip| ip.parse::<std::net::Ipv4Addr>().ok());
                s.cluster_ip.into_iter().chain(s.ingress.iter().copied()).chain(external)
            })
            .collect_set()
    } else {
        BTreeSet::new()
    };
    // The Services every node serves a health check for, found once.
    let health: Vec<(u16, &ServiceRules)> =
        table.services.values().filter_map(|r| Some((r.health_check_node_port?, r))).collect();
    let mut running: BTreeMap<&str, Vec<&Pod>> = BTreeMap::new();
    let is_running = |p: &&Pod| p.phase == super::cluster::PodPhase::Running;
    if all {
        for pod in k.pods.values().filter(is_running) {
            if let Some(node) = pod.node.as_deref() {
                running.entry(node).or_default().push(pod);
            }
        }
    } else {
        // Only the touched nodes' pods.
        for node in &k.touched.nodes {
            let pods = k.caches.pods.on_node.get(node).into_iter().flatten().map(|pk| &k.pods[pk]);
            running.insert(node.as_str(), pods.filter(is_running).collect());
        }
    }
    for node in k.nodes.values() {
        let pods_changed = all || k.touched.nodes.contains(&node.name);
        if !pods_changed && !services {
            continue;
        }
        let host = &mut hosts[node.host];
        let Some(nn) = host.node.as_mut() else { continue };
        let mut listeners = if pods_changed {
            nn.pods.clear();
            let mut listeners = BTreeSet::new();
            for pod in running.get(node.name.as_str()).into_iter().flatten() {
                let Some(ip) = pod.ip else { continue };
                nn.pods.insert(ip, PodNet { name: pod.name.as_str().into(), app: pod.app.clone() });
                for c in &pod.spec.containers {
                    for port in c.listen_ports() {
                        listeners.insert(SocketAddrV4::new(ip, port));
                    }
                }
            }
            listeners
        } else {
            // The pods' listeners stay (on pod addresses); the health
            // checks' (on the node's) are redone below.
            let mut listeners = std::mem::take(&mut host.listeners);
            for port in nn.health.keys() {
                listeners.remove(&SocketAddrV4::new(node.ip, *port));
            }
            listeners
        };
        nn.health.clear();
        for (port, rules) in &health {
            let local = rules.ready_local_endpoints(&node.name) as u32;
            nn.health.insert(*port, HealthCheck { service: rules.name.clone(), local_endpoints: local });
            listeners.insert(SocketAddrV4::new(node.ip, *port));
        }
        if services {
            nn.ipvs_addrs = ipvs.iter().copied().filter(|ip| *ip != node.ip).collect_set();
        }
        host.listeners = listeners;
    }
}
