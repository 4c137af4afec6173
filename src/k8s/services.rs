//! Service addresses: ClusterIP and NodePort allocation (as the API server
//! does on create), LoadBalancer addresses from MetalLB or Cilium LB-IPAM,
//! and Cilium Gateways backed by their `cilium-gateway-<name>` Service.

use super::cluster::{Cluster, Key, Service, key};
use super::ipam::IpRequest;
use super::objects::{IntOrString, Manifest, ObjectMeta, ServicePort, ServiceSpec, ServiceType, TrafficPolicyName};
use crate::engine::ctx::Ctx;
use crate::engine::trace::Kind;
use crate::k8s::cluster::LoadBalancerKind;
use crate::rng::SimRng;
use crate::sort::{Collect, Sort};
use crate::time::Instant;
use std::collections::BTreeSet;
use std::net::Ipv4Addr;

pub const NODE_PORT_RANGE: (u16, u16) = (30000, 32767);

/// The API server's checks of session affinity, after its defaults
/// (`ValidateService` and `validateClientIPAffinityConfig`,
/// pkg/apis/core/validation/validation.go, Kubernetes 1.34): a config only
/// with `ClientIP`, and a timeout in 1..=86400 seconds. The error as the
/// field's path and the API server's message.
pub fn validate_session_affinity(spec: &ServiceSpec) -> Result<(), (&'static str, String)> {
    use super::objects::{CLIENT_IP_AFFINITY_MAX_SECONDS, SessionAffinity};
    if spec.session_affinity != Some(SessionAffinity::ClientIp) {
        return match spec.session_affinity_config {
            Some(_) => {
                Err(("spec.sessionAffinityConfig", "Forbidden: must not be set when session affinity is None".into()))
            }
            None => Ok(()),
        };
    }
    match spec.affinity_timeout_seconds() {
        Some(t) if !(1..=CLIENT_IP_AFFINITY_MAX_SECONDS).contains(&t) => Err((
            "spec.sessionAffinityConfig.clientIP.timeoutSeconds",
            format!("Invalid value: {t}: must be greater than 0 and less than {CLIENT_IP_AFFINITY_MAX_SECONDS}"),
        )),
        _ => Ok(()),
    }
}

/// What kube-apiserver 1.34 refuses in a Service's node-port and IP-family
/// fields, as `(path, message)`: `healthCheckNodePort` outside a Local
/// LoadBalancer and `allocateLoadBalancerNodePorts` outside a LoadBalancer
/// (`validateServiceExternalTrafficPolicy`, `ValidateService`,
/// pkg/apis/core/validation/validation.go); dual-stack or IPv6 on vipsim's
/// single-stack IPv4 cluster (`initIPFamilyFields`,
/// pkg/registry/core/service/storage/alloc.go).
pub fn validate_api_fields(spec: &ServiceSpec) -> Vec<(String, String)> {
    let mut errors = Vec::new();
    let load_balancer = spec.service_type == ServiceType::LoadBalancer;
    let local = spec.external_traffic_policy == Some(TrafficPolicyName::Local);
    if let Some(port) = spec.health_check_node_port
        && port != 0
        && !(load_balancer && local)
    {
        errors.push((
            "spec.healthCheckNodePort".into(),
            format!(
                "Invalid value: {port}: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"
            ),
        ));
    }
    if spec.allocate_load_balancer_node_ports.is_some() && !load_balancer {
        errors.push((
            "spec.allocateLoadBalancerNodePorts".into(),
            "Forbidden: may only be used when `type` is 'LoadBalancer'".into(),
        ));
    }
    const POLICIES: [&str; 3] = ["PreferDualStack", "RequireDualStack", "SingleStack"];
    let policy = spec.ip_family_policy.as_ref();
    match policy.map(|v| v.as_str()) {
        None => {}
        Some(Some("RequireDualStack")) => errors.push((
            "spec.ipFamilyPolicy".into(),
            "Invalid value: \"RequireDualStack\": this cluster is not configured for dual-stack services (vipsim's clusters are single-stack IPv4)".into(),
        )),
        Some(Some(p)) if POLICIES.contains(&p) => {}
        Some(other) => errors.push((
            "spec.ipFamilyPolicy".into(),
            format!(
                "Unsupported value: {}: supported values: \"PreferDualStack\", \"RequireDualStack\", \"SingleStack\"",
                other.map_or_else(|| policy.map(|v| v.to_string()).unwrap_or_default(), |p| format!("\"{p}\""))
            ),
        )),
    }
    let families: Vec<&serde_json::Value> = match &spec.ip_families {
        Some(serde_json::Value::Array(items)) => items.iter().collect(),
        Some(other) => vec![other],
        None => Vec::new(),
    };
    let single = matches!(policy.map(|v| v.as_str()), None | Some(Some("SingleStack")));
    if families.len() > 1 && single {
        errors.push((
            "spec.ipFamilyPolicy".into(),
            "Invalid value: \"SingleStack\": must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified".into(),
        ));
    }
    for (i, family) in families.iter().enumerate() {
        let path = format!("spec.ipFamilies[{i}]");
        match family.as_str() {
            Some("IPv4") => {}
            Some("IPv6") => errors.push((
                path,
                "Invalid value: \"IPv6\": not configured on this cluster (vipsim's clusters are single-stack IPv4)"
                    .into(),
            )),
            _ => errors.push((path, format!("Unsupported value: {family}: supported values: \"IPv4\", \"IPv6\""))),
        }
    }
    errors
}

/// Allocates a Service's ClusterIP and node ports. Requested values
/// (`clusterIP`, `nodePort`, `healthCheckNodePort`) are honoured when free,
/// as the API server does; otherwise a random free one is picked, like its
/// bitmap allocators, above the band they keep for requested values
/// ([`static_band`]).
pub fn allocate_addresses(k: &Cluster, svc: &mut Service, rng: &mut SimRng) -> Result<(), String> {
    // (The others by their key in the map: no key formatted per Service.)
    let own = svc.key();
    let others = || k.services.iter().filter(|(key, _)| **key != own).map(|(_, s)| s);
    let used_ips: BTreeSet<Ipv4Addr> = others().filter_map(|s| s.cluster_ip).collect_set();
    let cidr = k.config.service_cidr;
    svc.cluster_ip = match svc.spec.cluster_ip.as_deref() {
        Some("None") => None,
        Some(ip) => {
            let ip: Ipv4Addr = ip
                .parse()
                .map_err(|_| format!("spec.clusterIP: Invalid value: \"{ip}\": must be a valid IP address"))?;
            if !cidr.contains(ip) {
                return Err(format!(
                    "spec.clusterIPs: Invalid value: []string{{\"{ip}\"}}: failed to allocate IP {ip}: the provided IP ({ip}) is not in the valid range. The range of valid IPs is {cidr}"
                ));
            }
            if used_ips.contains(&ip) {
                return Err(format!(
                    "spec.clusterIPs: Invalid value: []string{{\"{ip}\"}}: failed to allocate IP {ip}: provided IP is already allocated"
                ));
            }
            Some(ip)
        }
        None => {
            // The first and last addresses are never handed out; the band
            // above the reserved bottom goes first (`.1`, the `kubernetes`
            // Service, sits in the reserved band).
            let size = cidr.size();
            let usable = size.saturating_sub(2);
            let reserved = static_band(size, 16, 256, 16).min(usable);
            let free = |o: u64| cidr.nth(1 + o).is_some_and(|ip| !used_ips.contains(&ip));
            let offset = random_free(usable, reserved, rng, free)
                .ok_or("Internal error occurred: failed to allocate a serviceIP: range is full".to_string())?;
            cidr.nth(1 + offset)
        }
    };
    let mut used_ports: BTreeSet<u16> =
        others().flat_map(|s| s.node_ports.iter().flatten().copied().chain(s.health_check_node_port)).collect_set();
    let needs_node_ports = matches!(svc.spec.service_type, ServiceType::NodePort | ServiceType::LoadBalancer);
    // `allocateLoadBalancerNodePorts: false`: only the node ports asked for
    // (`initNodePorts`, pkg/registry/core/service/storage/alloc.go, 1.34).
    let allocates =
        svc.spec.service_type != ServiceType::LoadBalancer || svc.spec.allocate_load_balancer_node_ports != Some(false);
    svc.node_ports = Vec::new();
    for (i, p) in svc.spec.ports.iter().enumerate() {
        if !needs_node_ports || (!allocates && p.node_port.is_none()) {
            svc.node_ports.push(None);
            continue;
        }
        let port = take_port(p.node_port, &mut used_ports, rng)
            .map_err(|e| format!("spec.ports[{i}].nodePort: {}", e.field(p.node_port)))?;
        svc.node_ports.push(Some(port));
    }
    svc.health_check_node_port = if svc.is_load_balancer() && svc.external_local() {
        let requested = svc.spec.health_check_node_port;
        // `allocHealthCheckNodePort` (pkg/registry/core/service/storage/
        // alloc.go, 1.34) wraps the allocator's error as an internal one.
        Some(take_port(requested, &mut used_ports, rng).map_err(|e| match requested {
            Some(p) => {
                format!("Internal error occurred: failed to allocate requested HealthCheck NodePort {p}: {}", e.text())
            }
            None => format!("Internal error occurred: failed to allocate a HealthCheck NodePort: {}", e.text()),
        })?)
    } else {
        None
    };
    Ok(())
}

/// Why the node-port allocator refused (pkg/registry/core/service/
/// portallocator: `ErrNotInRange`, `ErrAllocated`, `ErrFull`).
enum PortRefusal {
    NotInRange,
    Allocated,
    Full,
}

impl PortRefusal {
    fn text(&self) -> String {
        match self {
            PortRefusal::NotInRange => format!(
                "provided port is not in the valid range. The range of valid ports is {}-{}",
                NODE_PORT_RANGE.0, NODE_PORT_RANGE.1
            ),
            PortRefusal::Allocated => "provided port is already allocated".into(),
            PortRefusal::Full => "range is full".into(),
        }
    }

    /// As `initNodePorts` reports it for a port's `nodePort`.
    fn field(&self, requested: Option<u16>) -> String {
        match (self, requested) {
            (PortRefusal::Full, _) | (_, None) => {
                format!("Internal error occurred: failed to allocate a nodePort: {}", self.text())
            }
            (_, Some(p)) => format!("Invalid value: {p}: {}", self.text()),
        }
    }
}

fn take_port(requested: Option<u16>, used: &mut BTreeSet<u16>, rng: &mut SimRng) -> Result<u16, PortRefusal> {
    let port = match requested {
        Some(p) if !(NODE_PORT_RANGE.0..=NODE_PORT_RANGE.1).contains(&p) => return Err(PortRefusal::NotInRange),
        Some(p) if used.contains(&p) => return Err(PortRefusal::Allocated),
        Some(p) => p,
        None => {
            let span = (NODE_PORT_RANGE.1 - NODE_PORT_RANGE.0 + 1) as u64;
            let free = |o: u64| !used.contains(&(NODE_PORT_RANGE.0 + o as u16));
            let o = random_free(span, static_band(span, 16, 128, 32), rng, free).ok_or(PortRefusal::Full)?;
            NODE_PORT_RANGE.0 + o as u16
        }
    };
    used.insert(port);
    Ok(port)
}

/// The size of the bottom band kube-apiserver keeps for values users ask
/// for, `min(max(min, size / step), max)`, none for a range of `min` or
/// fewer (`calculateRangeOffset` in pkg/registry/core/service/portallocator
/// (16, 128, 32) and ipallocator (16, 256, 16), Kubernetes 1.34: KEP-3070
/// and KEP-3668). A random allocation takes it only when the rest is full,
/// so a Service created later with a chosen `clusterIP` or `nodePort` in
/// it does not find its value taken.
fn static_band(size: u64, min: u64, max: u64, step: u64) -> u64 {
    if size <= min { 0 } else { (size / step).clamp(min, max) }
}

/// A random free offset in `0..size`: from a random start, scan the band
/// above `reserved` (wrapping within it), then the reserved bottom
/// (`randomScanStrategyWithOffset` in pkg/registry/core/service/allocator).
fn random_free(size: u64, reserved: u64, rng: &mut SimRng, free: impl Fn(u64) -> bool) -> Option<u64> {
    let upper = size.checked_sub(reserved).filter(|u| *u > 0)?;
    let start = rng.range_u64(0, upper - 1);
    if let Some(o) = (0..upper).map(|i| reserved + (start + i) % upper).find(|o| free(*o)) {
        return Some(o);
    }
    if reserved == 0 {
        return None;
    }
    let start = rng.range_u64(0, reserved - 1);
    (0..reserved).map(|i| (start + i) % reserved).find(|o| free(*o))
}

/// The `(protocol, port)` pairs MetalLB compares when Services share an IP.
fn port_list(spec: &ServiceSpec) -> Vec<(String, u16)> {
    spec.ports.iter().map(|p| (p.protocol.clone().unwrap_or_else(|| "TCP".into()), p.port)).collect()
}

/// Assigns or releases LoadBalancer addresses, in creation order, and
/// records what changed. MetalLB's controller (controller/main.go
/// `SetBalancer`, 0.14.9) acts on a Service when the Service changes, and
/// on every Service, those holding addresses first, when its pools change
/// or a Service that held an address is deleted or loses it
/// (`SyncStateReprocessAll`): a Service waiting for an address is tried
/// again only then. Cilium's LB IPAM acts on a Service when it changes,
/// serves its waiting Services itself after each Service's change or
/// deletion and each pool event (`satisfyServices`), and the Services it
/// served or stripped so are recorded after the change that moved them.
/// Both are asked about every Service after a change the control loop does
/// not track per object (`k.touched.all`: pools, advertisements, nodes,
/// faults, console commands), and leave alone one that did not change.
pub fn reconcile_load_balancers(k: &mut Cluster, cx: &mut Ctx) {
    let every = k.touched.all;
    let now = cx.now;
    match k.config.load_balancer {
        LoadBalancerKind::Metallb => {
            let pools = k.metallb_pools();
            let namespaces = k.namespaces_with_labels();
            for e in k.metallb.set_pools(&pools, &namespaces) {
                k.logs.push(super::cluster::LogLine {
                    at: now,
                    node: "controller".into(),
                    component: "metallb-controller".into(),
                    line: e,
                });
            }
        }
        // The pools change only with what the control loop does not track.
        LoadBalancerKind::Cilium if every => {
            let pools: Vec<_> = k
                .objects_of("CiliumLoadBalancerIPPool")
                .iter()
                .filter_map(|s| match &s.manifest {
                    Manifest::CiliumLoadBalancerIPPool { metadata, spec, .. } => Some((metadata.clone(), spec.clone())),
                    _ => None,
                })
                .collect();
            k.cilium.set_pools(&pools);
        }
        LoadBalancerKind::Cilium | LoadBalancerKind::None => {}
    }
    let cilium = k.config.load_balancer == LoadBalancerKind::Cilium;
    // (Services another one's change served or stripped, deleted ones'
    // included: Cilium's operator tries the waiting ones after every event.)
    if cilium {
        record_moved(k, cx);
    }
    let metallb = k.config.load_balancer == LoadBalancerKind::Metallb;
    let mut reprocess = metallb && k.metallb.take_reprocess();
    // A reprocess that leaves a Service without the address it held asks
    // for another (upstream after a backoff); each one only takes
    // addresses away from Services that lost their pool's, so few follow.
    for _ in 0..=k.services.len() {
        assign_load_balancers(k, cx, every, reprocess);
        reprocess = metallb && k.metallb.take_reprocess();
        if !reprocess {
            break;
        }
    }
}

/// One pass of [`reconcile_load_balancers`] over the Services. Cilium's
/// allocator is asked about every Service on a full pass and the touched
/// ones otherwise (it leaves alone a Service that asks for nothing new).
/// MetalLB's acts on a Service that changed since it last did, or on every
/// Service in a reprocess (`reprocessAll`,
/// internal/k8s/controllers/service_controller_reload.go, 0.14.9), which
/// takes the Services with the most addresses first, so a Service waiting
/// cannot take the address of one that holds it.
fn assign_load_balancers(k: &mut Cluster, cx: &mut Ctx, every: bool, reprocess: bool) {
    let cilium = k.config.load_balancer == LoadBalancerKind::Cilium;
    let metallb = k.config.load_balancer == LoadBalancerKind::Metallb;
    let touched = &k.touched.services;
    let mut order: Vec<(std::cmp::Reverse<usize>, Instant, String)> = k
        .services
        .iter()
        .filter(|(key, s)| s.is_load_balancer() && (every || reprocess || touched.contains(*key)))
        .map(|(key, s)| (std::cmp::Reverse(if reprocess { s.ingress.len() } else { 0 }), s.created, key.clone()))
        .collect();
    order.stable_sort();
    for (_, _, skey) in order {
        let s = &k.services[&skey];
        let ports = port_list(&s.spec);
        let req = IpRequest {
            service: &skey,
            namespace: &s.namespace,
            labels: &s.meta.labels,
            annotations: &s.meta.annotations,
            load_balancer_ip: s.spec.load_balancer_ip.as_deref(),
            load_balancer_class: s.spec.load_balancer_class.as_deref(),
            ports: &ports,
            selector: &s.spec.selector,
            external_local: s.external_local(),
        };
        let outcome = match k.config.load_balancer {
            LoadBalancerKind::Metallb if !reprocess && !k.metallb.wants(&skey, &s.meta, &s.spec) => None,
            LoadBalancerKind::Metallb => Some(Outcome::metallb(k.metallb.assign(&req))),
            LoadBalancerKind::Cilium => k.cilium.assign(&req).map(Outcome::cilium),
            LoadBalancerKind::None => None,
        };
        if metallb && outcome.is_some() {
            let s = &k.services[&skey];
            k.metallb.saw(&skey, &s.meta, &s.spec);
        }
        if let Some(outcome) = outcome {
            record_outcome(k, cx, &skey, outcome);
        }
        if cilium {
            record_moved(k, cx);
        }
    }
}

/// What the allocator gave a Service: its address and pool, or why not
/// (with the event to raise, if any).
struct Outcome {
    ip: Option<Ipv4Addr>,
    pool: Option<String>,
    message: String,
    failed: Option<(&'static str, String)>,
}

impl Outcome {
    /// MetalLB's controller raises `AllocationFailed` for most failures.
    fn metallb(outcome: Result<super::ipam::metallb::Assignment, super::ipam::metallb::AllocationError>) -> Outcome {
        match outcome {
            Ok(a) => Outcome { message: a.event_message(), ip: Some(a.ip), pool: Some(a.pool), failed: None },
            Err(e) => Outcome {
                ip: None,
                pool: None,
                failed: e.event.then(|| ("AllocationFailed", e.message.clone())),
                message: e.message,
            },
        }
    }

    /// Cilium's LB-IPAM sets a condition and raises no event.
    fn cilium(outcome: Result<(Ipv4Addr, String), super::ipam::cilium::IpamCondition>) -> Outcome {
        match outcome {
            Ok((ip, pool)) => {
                Outcome { message: format!("assigned {ip} from pool"), ip: Some(ip), pool: Some(pool), failed: None }
            }
            Err(cond) => Outcome { ip: None, pool: None, message: cond.message, failed: None },
        }
    }
}

/// Records the Services Cilium's allocator served or stripped while
/// serving another's change (see [`CiliumIpam::take_moved`]).
///
/// [`CiliumIpam::take_moved`]: super::ipam::cilium::CiliumIpam::take_moved
fn record_moved(k: &mut Cluster, cx: &mut Ctx) {
    for service in k.cilium.take_moved() {
        let live = k.services.get(&service).is_some_and(Service::is_load_balancer);
        if let Some(outcome) = k.cilium.outcome(&service).filter(|_| live) {
            record_outcome(k, cx, &service, Outcome::cilium(outcome));
        }
    }
}

/// Sets the Service's address from what the allocator gave it, and records
/// a change (and the event of a failure, once).
fn record_outcome(k: &mut Cluster, cx: &mut Ctx, skey: &str, outcome: Outcome) {
    let now = cx.now;
    let Outcome { ip, pool, message, failed } = outcome;
    let s = k.services.get_mut(skey).expect("listed");
    let new_ingress: Vec<Ipv4Addr> = ip.into_iter().collect();
    let changed = s.ingress != new_ingress;
    let (name, ns) = (s.meta.name.clone(), s.namespace.clone());
    if changed {
        if s.ingress.is_empty() != new_ingress.is_empty() {
            s.ingress_since = now;
        }
        s.ingress = new_ingress;
        s.pool = pool.clone();
        // MetalLB's controller, having changed the Service, warns of
        // each deprecated `metallb.universe.tf` annotation on it
        // (`SetBalancer`, controller/main.go, 0.14.9).
        let deprecated: Vec<String> = match k.config.load_balancer {
            LoadBalancerKind::Metallb => {
                s.meta.annotations.keys().filter(|key| key.starts_with("metallb.universe.tf")).cloned().collect()
            }
            _ => Vec::new(),
        };
        k.touched.services.insert(skey.to_owned());
        cx.record(Kind::Ipam { service: skey.to_owned(), ip, pool, message: message.clone() });
        if k.config.load_balancer == LoadBalancerKind::Metallb && ip.is_some() {
            k.event(now, &ns, &format!("service/{name}"), "Normal", "IPAllocated", message);
        }
        for key in deprecated {
            let text = format!("Service uses deprecated annotation {key}");
            k.event(now, &ns, &format!("service/{name}"), "Warning", "deprecatedAnnotation", text);
        }
    }
    if let Some((reason, msg)) = failed {
        let before = k.events.len();
        k.event(now, &ns, &format!("service/{name}"), "Warning", reason, msg.clone());
        // (A Service that lost its address has its record already.)
        if k.events.len() > before && !changed {
            cx.record(Kind::Ipam { service: skey.to_owned(), ip: None, pool: None, message: msg });
        }
    }
}

/// A Cilium-class Gateway gets a LoadBalancer Service named
/// `cilium-gateway-<gateway>` with one port per listener; its address is
/// the Gateway's address.
pub fn reconcile_gateways(k: &mut Cluster, now: Instant, rng: &mut SimRng) {
    if k.config.load_balancer != LoadBalancerKind::Cilium {
        return;
    }
    let classes: BTreeSet<String> = k
        .objects_of("GatewayClass")
        .iter()
        .filter_map(|s| match &s.manifest {
            Manifest::GatewayClass { metadata, spec, .. } if spec.controller_name == "io.cilium/gateway-controller" => {
                Some(metadata.name.clone())
            }
            _ => None,
        })
        .chain(std::iter::once("cilium".to_string()))
        .collect_set();
    let gateways: Vec<(ObjectMeta, String, Vec<ServicePort>, Instant)> = k
        .objects_of("Gateway")
        .iter()
        .filter_map(|s| match &s.manifest {
            Manifest::Gateway { metadata, spec, .. } if classes.contains(&spec.gateway_class_name) => {
                let ns = metadata.namespace.clone().unwrap_or_else(|| "default".into());
                let ports = spec
                    .listeners
                    .iter()
                    .map(|l| ServicePort {
                        name: Some(format!("port-{}", l.port)),
                        protocol: Some("TCP".into()),
                        port: l.port,
                        target_port: Some(IntOrString::Int(l.port)),
                        node_port: None,
                    })
                    .collect();
                Some((metadata.clone(), ns, ports, s.created))
            }
            _ => None,
        })
        .collect();
    for (meta, ns, ports, created) in gateways {
        let name = format!("cilium-gateway-{}", meta.name);
        let skey = key(&ns, &name);
        if k.services.contains_key(&skey) {
            continue;
        }
        let mut labels = std::collections::BTreeMap::new();
        labels.insert("gateway.networking.k8s.io/gateway-name".to_string(), meta.name.clone());
        labels.insert("io.cilium.gateway/owning-gateway".to_string(), meta.name.clone());
        let spec = ServiceSpec {
            service_type: ServiceType::LoadBalancer,
            ports,
            external_traffic_policy: Some(TrafficPolicyName::Cluster),
            ..ServiceSpec::default()
        };
        let backing = ObjectMeta { name: name.clone(), namespace: Some(ns.clone()), labels, ..ObjectMeta::default() };
        let mut svc = Service::new(backing, &ns, spec, now.max(created));
        svc.gateway = Some(meta.name.clone());
        if allocate_addresses(k, &mut svc, rng).is_ok() {
            k.touched.services.insert(skey.clone());
            k.services.insert(skey, svc);
        }
    }
}

/// The kind of a Service frontend, as Cilium names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrontendKind {
    ClusterIP,
    NodePort,
    ExternalIPs,
    LoadBalancer,
}

impl FrontendKind {
    pub fn name(self) -> &'static str {
        match self {
            FrontendKind::ClusterIP => "ClusterIP",
            FrontendKind::NodePort => "NodePort",
            FrontendKind::ExternalIPs => "ExternalIPs",
            FrontendKind::LoadBalancer => "LoadBalancer",
        }
    }

    /// Traffic to this frontend comes from outside (externalTrafficPolicy applies).
    pub fn external(self) -> bool {
        self != FrontendKind::ClusterIP
    }
}

/// Where a frontend listens. A NodePort has two: the wildcard `0.0.0.0`
/// and the address of whichever node's agent is asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrontendAddr {
    Ip(Ipv4Addr),
    Any,
    ThisNode,
}

/// One address:port of a Service that Cilium's service map has an entry for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frontend {
    pub kind: FrontendKind,
    pub addr: FrontendAddr,
    pub port: u16,
    pub protocol: String,
    /// The Service port it serves (the EndpointSlice port name).
    pub port_name: String,
}

impl Frontend {
    /// Identifies the frontend among its Service's across reconciles (node
    /// addresses stay symbolic: every agent sees the same sequence, so IDs
    /// agree).
    pub fn key(&self) -> String {
        let addr = match self.addr {
            FrontendAddr::Ip(ip) => ip.to_string(),
            FrontendAddr::Any => "0.0.0.0".into(),
            FrontendAddr::ThisNode => "node".into(),
        };
        format!("{} {addr}:{}/{}", self.kind.name(), self.port, self.protocol)
    }
}

/// A Service's frontends in the order Cilium's agent creates them:
/// ClusterIP, NodePort (wildcard, then the node address), externalIPs,
/// then LoadBalancer ingress addresses, each over the Service's ports.
pub fn frontends(svc: &Service) -> Vec<Frontend> {
    let ports: Vec<(usize, &ServicePort)> = svc.spec.ports.iter().enumerate().collect();
    let frontend = |kind, addr, p: &ServicePort, port| Frontend {
        kind,
        addr,
        port,
        protocol: p.protocol.clone().unwrap_or_else(|| "TCP".into()),
        port_name: super::endpoints::port_name(p),
    };
    let mut out = Vec::new();
    if let Some(ip) = svc.cluster_ip {
        out.extend(ports.iter().map(|(_, p)| frontend(FrontendKind::ClusterIP, FrontendAddr::Ip(ip), p, p.port)));
    }
    for (i, p) in &ports {
        if let Some(np) = svc.node_ports.get(*i).copied().flatten() {
            out.push(frontend(FrontendKind::NodePort, FrontendAddr::Any, p, np));
            out.push(frontend(FrontendKind::NodePort, FrontendAddr::ThisNode, p, np));
        }
    }
    for ip in svc.spec.external_ips.iter().filter_map(|ip| ip.parse::<Ipv4Addr>().ok()) {
        out.extend(ports.iter().map(|(_, p)| frontend(FrontendKind::ExternalIPs, FrontendAddr::Ip(ip), p, p.port)));
    }
    for ip in &svc.ingress {
        out.extend(ports.iter().map(|(_, p)| frontend(FrontendKind::LoadBalancer, FrontendAddr::Ip(*ip), p, p.port)));
    }
    out
}

/// Gives every new frontend the next Cilium service ID and releases the IDs
/// of frontends that are gone. Services are visited in creation order.
/// A Service's frontends change only with the Service (`touched.services`),
/// so after a tracked event only those are visited: the others have no
/// frontend without an ID, and none gone.
pub fn sync_cilium_ids(k: &mut Cluster) {
    let all = k.touched.all;
    if k.config.datapath != crate::net::host::Datapath::Ebpf || (!all && k.touched.services.is_empty()) {
        return;
    }
    let mut services: Vec<&Service> = if all {
        k.services.values().collect()
    } else {
        k.touched.services.iter().filter_map(|key| k.services.get(key)).collect()
    };
    services.stable_sort_by_key(|s| (s.created, s.key()));
    let live: Vec<(Key, Vec<String>)> =
        services.iter().map(|s| (s.key(), frontends(s).iter().map(Frontend::key).collect())).collect();
    let ids = &mut k.cilium_ids;
    // A Service gone takes its frontends' IDs with it.
    if all {
        ids.by_frontend.retain(|svc, _| k.services.contains_key(svc));
    } else {
        for svc in k.touched.services.iter().filter(|svc| !k.services.contains_key(*svc)) {
            ids.by_frontend.remove(svc);
        }
    }
    // IDs only ever come from the counter, so each Service's frontends
    // gone can be released before the next Service's new ones are given.
    for (svc, keys) in live {
        let mut held = ids.by_frontend.remove(&svc).unwrap_or_default();
        held.retain(|key, _| keys.contains(key));
        for key in keys {
            held.entry(key).or_insert_with(|| {
                ids.next += 1;
                ids.next - 1
            });
        }
        if !held.is_empty() {
            ids.by_frontend.insert(svc, held);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::cluster::ClusterConfig;

    fn cluster(service_cidr: &str) -> Cluster {
        let service_cidr = crate::net::Cidr::parse(service_cidr).unwrap();
        Cluster::new(ClusterConfig { service_cidr, ..ClusterConfig::default() })
    }

    /// Creates a NodePort Service `name` with nothing requested; returns its ClusterIP and node port.
    fn create(k: &mut Cluster, name: &str, rng: &mut SimRng) -> (Ipv4Addr, u16) {
        let meta = ObjectMeta { name: name.into(), ..ObjectMeta::default() };
        let spec = ServiceSpec {
            service_type: ServiceType::NodePort,
            ports: vec![ServicePort { port: 80, ..ServicePort::default() }],
            ..ServiceSpec::default()
        };
        let mut svc = Service::new(meta, "default", spec, Instant::ZERO);
        allocate_addresses(k, &mut svc, rng).unwrap();
        let got = (svc.cluster_ip.unwrap(), svc.node_ports[0].unwrap());
        k.services.insert(svc.key(), svc);
        got
    }

    /// kube-apiserver keeps the bottom of each range for values users ask
    /// for (KEP-3070, KEP-3668): a /27 keeps its first 16 usable addresses
    /// (`calculateRangeOffset`: min(max(16, 32/16), 256)), the node port
    /// range its first 86 ports (min(max(16, 2768/32), 128)); random picks
    /// take the rest first and the reserved band only once it is full
    /// (`randomScanStrategyWithOffset`, Kubernetes 1.34).
    #[test]
    fn random_cluster_ips_and_node_ports_stay_out_of_the_band_kept_for_requests() {
        let mut k = cluster("10.0.0.0/27");
        let mut rng = SimRng::new(7);
        // .17 to .30: the 14 usable addresses above the reserved .1 to .16.
        let first: BTreeSet<Ipv4Addr> = (0..14).map(|i| create(&mut k, &format!("s{i}"), &mut rng).0).collect();
        let upper: BTreeSet<Ipv4Addr> = (17..=30).map(|i| Ipv4Addr::new(10, 0, 0, i)).collect();
        assert_eq!(first, upper);
        let (spill, _) = create(&mut k, "s14", &mut rng);
        assert!((1..=16).contains(&spill.octets()[3]), "then the reserved band: {spill}");
        let ports: Vec<u16> = k.services.values().flat_map(|s| s.node_ports.iter().flatten().copied()).collect();
        assert!(ports.iter().all(|p| (30086..=32767).contains(p)), "{ports:?}");
        assert_eq!((static_band(2768, 16, 128, 32), static_band(32, 16, 256, 16)), (86, 16));
        assert_eq!((static_band(16, 16, 256, 16), static_band(1 << 20, 16, 256, 16)), (0, 256));
    }
}
