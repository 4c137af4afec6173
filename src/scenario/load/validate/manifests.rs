//! The Kubernetes manifests: what the real API server would reject (names,
//! selectors, ports), and references between objects and to the hosts.

use super::{Context, closest, one_of, parse_ipv4};
use crate::k8s::api::{MAX_PODS, too_many_pods};
use crate::k8s::cluster::{LoadBalancerKind, METALLB_NAMESPACE};
use crate::k8s::names::{is_dns_label, is_dns_subdomain, is_dns1035_label};
use crate::k8s::objects::{
    BGPPEER_WEBHOOK, BgpAdvertisementSpec, CiliumPoolBlock, DeploymentSpec, IntOrString, Manifest, PeerRefusal,
    PodSpec, ServiceSpec,
};
use crate::net::addr::Cidr;
use crate::scenario::load::{HOLD_ANNOTATION, ParsedManifest};
use crate::scenario::spec::HostRole;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// The port range kube-apiserver allocates node ports from by default.
const NODE_PORTS: std::ops::RangeInclusive<u16> = 30000..=32767;

const PROTOCOLS: &[&str] = &["TCP", "UDP", "SCTP"];

pub fn check(cx: &mut Context) {
    unique_names(cx);
    for manifest in cx.manifests {
        metadata(cx, manifest);
        load_balancer_match(cx, manifest);
        match manifest.manifest() {
            Manifest::Deployment { spec, .. } => {
                deployment_selector(cx, manifest, spec);
                for e in spec.invalid() {
                    cx.manifest_error(manifest, &e.path, e.message);
                }
                pod_spec(cx, manifest, "spec.template.spec", &spec.template.spec);
            }
            Manifest::Pod { spec, .. } => pod_spec(cx, manifest, "spec", spec),
            Manifest::Service { spec, .. } => service(cx, manifest, spec),
            Manifest::IPAddressPool { spec, .. } => metallb_pool(cx, manifest, &spec.addresses),
            Manifest::L2Advertisement { spec, .. } => {
                pool_references(cx, manifest, &spec.ip_address_pools);
                l2_advertisement_interfaces(cx, manifest, &spec.interfaces);
            }
            Manifest::BGPAdvertisement { spec, .. } => {
                pool_references(cx, manifest, &spec.ip_address_pools);
                bgp_advertisement(cx, manifest, spec);
            }
            Manifest::BGPPeer { spec, .. } => {
                if let Some(r) = spec.refused() {
                    cx.manifest_error(manifest, r.path, bgp_peer_refusal(&r));
                }
            }
            Manifest::CiliumLoadBalancerIPPool { spec, .. } => cilium_pool(cx, manifest, &spec.blocks),
            Manifest::CiliumL2AnnouncementPolicy { spec, .. } => {
                l2_policy_interfaces(cx, manifest, &spec.interfaces);
                if !spec.load_balancer_ips && !spec.external_ips {
                    cx.manifest_warn(
                        manifest,
                        "spec",
                        "announces nothing: `loadBalancerIPs` and `externalIPs` both default to false, and Cilium selects a Service only for the kinds of address the policy sets (pkg/l2announcer/l2announcer.go); set `loadBalancerIPs: true`",
                    );
                }
            }
            _ => {}
        }
    }
    nodes_for_workloads(cx);
    unique_node_ports(cx);
    pod_count(cx);
}

/// At most [`MAX_PODS`] pods: Deployments' replicas (the largest of a
/// Deployment's held versions) and Pods. Reported at the Deployment that
/// goes over, or at the first Pod past the limit.
fn pod_count(cx: &mut Context) {
    let mut replicas: BTreeMap<(Option<&str>, &str), u32> = BTreeMap::new();
    let mut pods = std::collections::BTreeSet::new();
    let mut total = 0;
    for manifest in cx.manifests {
        let id = (manifest.manifest().namespace(), manifest.name());
        let added = match manifest.manifest() {
            Manifest::Deployment { spec, .. } => {
                let before = replicas.get(&id).copied().unwrap_or(0);
                let now = before.max(spec.replicas);
                replicas.insert(id, now);
                u64::from(now - before)
            }
            Manifest::Pod { .. } => u64::from(pods.insert(id)),
            _ => continue,
        };
        total += added;
        if added > 0 && total > MAX_PODS {
            let (path, what) = match manifest.manifest() {
                Manifest::Deployment { spec, .. } => ("spec.replicas", format!("`replicas: {}`", spec.replicas)),
                _ => ("metadata.name", format!("Pod `{}`", manifest.name())),
            };
            cx.manifest_error(manifest, path, too_many_pods(&what, total));
            return;
        }
    }
}

/// Two objects of one kind cannot share a name in a namespace, unless
/// they are versions of one object told apart by a `vipsim/id` handle (a
/// held update the timeline applies).
fn unique_names(cx: &mut Context) {
    /// Kind, namespace, name and `vipsim/id`.
    type Identity<'a> = (&'a str, Option<&'a str>, &'a str, Option<&'a str>);
    let mut seen: BTreeMap<Identity, usize> = BTreeMap::new();
    for manifest in cx.manifests {
        let meta = manifest.manifest().metadata();
        let key = (
            manifest.manifest().kind(),
            manifest.manifest().namespace(),
            manifest.name(),
            meta.annotations.get("vipsim/id").map(String::as_str),
        );
        if let Some(&first) = seen.get(&key) {
            let (kind, namespace, name, _) = key;
            let place = namespace.map(|ns| format!(" in namespace `{ns}`")).unwrap_or_default();
            cx.manifest_error(
                manifest,
                "metadata.name",
                format!("duplicate {kind} `{name}`{place} (first at line {first})"),
            );
        } else {
            seen.insert(key, manifest.loaded.line);
        }
    }
}

fn metadata(cx: &mut Context, manifest: &ParsedManifest) {
    let meta = manifest.manifest().metadata();
    let name = &meta.name;
    if let Manifest::Service { .. } = manifest.manifest() {
        // Service names become DNS labels and must start with a letter (RFC 1035).
        if !is_dns1035_label(name) {
            let message = format!(
                "Service name `{name}` must be a DNS label: lowercase letters, digits and `-`, \
                 starting with a letter, at most 63 characters"
            );
            cx.manifest_error(manifest, "metadata.name", message);
        }
    } else if !is_dns_subdomain(name) {
        let message = format!(
            "name `{name}` must be a lowercase RFC 1123 subdomain: letters, digits, `-` and `.`, \
             starting and ending with a letter or digit"
        );
        cx.manifest_error(manifest, "metadata.name", message);
    }
    if let Some(namespace) = &meta.namespace
        && !is_dns_label(namespace)
    {
        cx.manifest_error(manifest, "metadata.namespace", format!("namespace `{namespace}` is not a DNS label"));
    }
    if let Some(hold) = meta.annotations.get(HOLD_ANNOTATION)
        && hold != "true"
        && hold != "false"
    {
        let path = format!("metadata.annotations.{HOLD_ANNOTATION}");
        cx.manifest_error(manifest, &path, format!("{HOLD_ANNOTATION} is \"true\" or \"false\", not \"{hold}\""));
    }
}

/// MetalLB and Cilium objects only act when the cluster runs that load balancer.
fn load_balancer_match(cx: &mut Context, manifest: &ParsedManifest) {
    let needs = match manifest.manifest() {
        Manifest::IPAddressPool { .. }
        | Manifest::L2Advertisement { .. }
        | Manifest::BGPAdvertisement { .. }
        | Manifest::BGPPeer { .. } => LoadBalancerKind::Metallb,
        Manifest::CiliumLoadBalancerIPPool { .. } | Manifest::CiliumL2AnnouncementPolicy { .. } => {
            LoadBalancerKind::Cilium
        }
        _ => return,
    };
    let namespace = manifest.manifest().namespace().unwrap_or("default");
    if needs == LoadBalancerKind::Metallb && namespace != METALLB_NAMESPACE {
        let path = if manifest.manifest().metadata().namespace.is_some() { "metadata.namespace" } else { "metadata" };
        let message = format!(
            "MetalLB reads its configuration only from `{METALLB_NAMESPACE}`, the namespace it runs in: this {} in namespace `{namespace}` is ignored (add `namespace: {METALLB_NAMESPACE}`)",
            manifest.manifest().kind()
        );
        cx.manifest_warn(manifest, path, message);
    }
    if cx.spec.cluster.load_balancer != needs {
        let wanted = if needs == LoadBalancerKind::Metallb { "metallb" } else { "cilium" };
        let message =
            format!("{} has no effect: the cluster's loadBalancer is not {wanted}", manifest.manifest().kind());
        cx.manifest_warn(manifest, "kind", message);
    }
}

/// The API server rejects a Deployment whose selector does not select its
/// own pod template.
fn deployment_selector(cx: &mut Context, manifest: &ParsedManifest, spec: &DeploymentSpec) {
    if spec.selector.is_empty() {
        cx.manifest_error(manifest, "spec.selector", "empty selector is invalid for a Deployment");
    } else if !spec.selector.matches(&spec.template.metadata.labels) {
        cx.manifest_error(manifest, "spec.template.metadata.labels", "`selector` does not match template `labels`");
    }
}

fn pod_spec(cx: &mut Context, manifest: &ParsedManifest, prefix: &str, spec: &PodSpec) {
    if spec.containers.is_empty() {
        cx.manifest_error(manifest, &format!("{prefix}.containers"), "a pod needs at least one container");
    }
    for (c, container) in spec.containers.iter().enumerate() {
        for (p, port) in container.ports.iter().enumerate() {
            let path = format!("{prefix}.containers[{c}].ports[{p}]");
            if port.container_port == 0 {
                cx.manifest_error(manifest, &format!("{path}.containerPort"), "containerPort must be 1-65535");
            }
            protocol(cx, manifest, &path, port.protocol.as_deref());
        }
    }
    // The API server accepts any nodeName; a pod bound to a node that
    // does not exist stays Pending until the pod garbage collector deletes it.
    if let Some(node) = &spec.node_name {
        let path = format!("{prefix}.nodeName");
        match cx.host(node) {
            Some(host) if host.role == HostRole::Node => {}
            _ => {
                let near = closest(node, cx.node_names());
                let message = format!(
                    "nodeName `{node}` is not a node of the scenario: the pod will stay Pending until the pod garbage collector deletes it (about 40-60 s)"
                );
                cx.manifest_warn(manifest, &path, message).suggest(near);
            }
        }
    }
    for (i, t) in spec.tolerations.iter().enumerate() {
        for (field, message) in t.invalid() {
            cx.manifest_error(manifest, &format!("{prefix}.tolerations[{i}].{field}"), message);
        }
    }
    for (i, c) in spec.topology_spread_constraints.iter().enumerate() {
        let path = format!("{prefix}.topologySpreadConstraints[{i}].matchLabelKeys");
        if !c.match_label_keys.is_empty() && c.label_selector.is_empty() {
            cx.manifest_error(manifest, &path, "matchLabelKeys cannot be set when labelSelector isn't set");
        }
        for key in c.match_label_keys.iter().filter(|k| c.label_selector.match_labels.contains_key(*k)) {
            cx.manifest_error(manifest, &path, format!("`{key}` exists in both matchLabelKeys and labelSelector"));
        }
    }
}

fn protocol(cx: &mut Context, manifest: &ParsedManifest, path: &str, protocol: Option<&str>) {
    if let Some(protocol) = protocol
        && !PROTOCOLS.contains(&protocol)
    {
        let near = closest(protocol, PROTOCOLS.iter().copied());
        cx.manifest_error(
            manifest,
            &format!("{path}.protocol"),
            format!("unknown protocol `{protocol}`, expected {}", one_of(PROTOCOLS)),
        )
        .suggest(near);
    }
}

fn service(cx: &mut Context, manifest: &ParsedManifest, spec: &ServiceSpec) {
    if spec.selector.is_empty() {
        cx.manifest_error(
            manifest,
            "spec",
            "a Service needs a `selector`: vipsim derives its endpoints from the pods it selects (without one, Kubernetes makes no EndpointSlice and waits for those you write, which vipsim does not model; MetalLB would still assign an address and, with no endpoint, announce it from no node)",
        );
    }
    if spec.ports.is_empty() {
        cx.manifest_error(manifest, "spec.ports", "a Service needs at least one port");
    }
    let templates = selected_templates(cx, manifest, spec);
    if !spec.selector.is_empty() && templates.is_empty() {
        let namespace = manifest.manifest().namespace().unwrap_or("default");
        let selector: Vec<String> = spec.selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let message =
            format!("selector {} matches no Deployment or Pod in namespace `{namespace}`", selector.join(","));
        cx.manifest_warn(manifest, "spec.selector", message);
    }
    service_ports(cx, manifest, spec, &templates);
    service_addresses(cx, manifest, spec);
    load_balancer_annotations(cx, manifest);
    if let Err((path, message)) = crate::k8s::services::validate_session_affinity(spec) {
        cx.manifest_error(manifest, path, message);
    }
    for (path, message) in crate::k8s::services::validate_api_fields(spec) {
        cx.manifest_error(manifest, &path, message);
    }
}

/// The pod specs (of Deployments' templates and of Pods) in the Service's
/// namespace whose labels its selector matches.
fn selected_templates<'a>(cx: &Context<'a>, service: &ParsedManifest, spec: &ServiceSpec) -> Vec<&'a PodSpec> {
    let namespace = service.manifest().namespace();
    let selects = |labels: &BTreeMap<String, String>| {
        !spec.selector.is_empty() && spec.selector.iter().all(|(k, v)| labels.get(k) == Some(v))
    };
    cx.manifests
        .iter()
        .filter(|m| m.manifest().namespace() == namespace)
        .filter_map(|m| match m.manifest() {
            Manifest::Deployment { spec, .. } => Some((&spec.template.metadata.labels, &spec.template.spec)),
            Manifest::Pod { metadata, spec, .. } => Some((&metadata.labels, spec)),
            _ => None,
        })
        .filter(|(labels, _)| selects(labels))
        .map(|(_, pod)| pod)
        .collect()
}

fn service_ports(cx: &mut Context, manifest: &ParsedManifest, spec: &ServiceSpec, templates: &[&PodSpec]) {
    let named_ports: Vec<&str> = templates
        .iter()
        .flat_map(|pod| &pod.containers)
        .flat_map(|c| &c.ports)
        .filter_map(|p| p.name.as_deref())
        .collect();
    let mut names: BTreeMap<&str, usize> = BTreeMap::new();
    for (j, port) in spec.ports.iter().enumerate() {
        let path = format!("spec.ports[{j}]");
        if port.port == 0 {
            cx.manifest_error(manifest, &format!("{path}.port"), "port must be 1-65535");
        }
        if let Some(node_port) = port.node_port
            && !NODE_PORTS.contains(&node_port)
        {
            let message = format!(
                "nodePort {node_port} is outside the node port range {}-{}",
                NODE_PORTS.start(),
                NODE_PORTS.end()
            );
            cx.manifest_error(manifest, &format!("{path}.nodePort"), message);
        }
        match &port.target_port {
            Some(IntOrString::Int(0)) => {
                cx.manifest_error(manifest, &format!("{path}.targetPort"), "targetPort must be 1-65535");
            }
            Some(IntOrString::String(name)) if !templates.is_empty() && !named_ports.contains(&name.as_str()) => {
                let near = closest(name, named_ports.iter().copied());
                let message = format!("no container port named `{name}` in the pods this Service selects");
                cx.manifest_error(manifest, &format!("{path}.targetPort"), message).suggest(near);
            }
            _ => {}
        }
        protocol(cx, manifest, &path, port.protocol.as_deref());
        if let Some(other @ ("UDP" | "SCTP")) = port.protocol.as_deref() {
            let message = format!(
                "{other} traffic is not simulated (vipsim's tools speak TCP and ICMP): the port counts for address sharing and shows in kubectl, and nothing can send to it"
            );
            cx.manifest_warn(manifest, &format!("{path}.protocol"), message);
        }
        match port.name.as_deref() {
            None if spec.ports.len() > 1 => {
                cx.manifest_error(manifest, &path, "ports need a `name` when a Service has more than one");
            }
            Some(name) if names.insert(name, j).is_some() => {
                cx.manifest_error(manifest, &format!("{path}.name"), format!("duplicate port name `{name}`"));
            }
            _ => {}
        }
    }
}

fn service_addresses(cx: &mut Context, manifest: &ParsedManifest, spec: &ServiceSpec) {
    if let Some(ip) = &spec.cluster_ip
        && ip != "None"
    {
        let service_cidr = Cidr::parse(&cx.spec.cluster.service_cidr).ok();
        match parse_ipv4(ip) {
            Err(message) => {
                cx.manifest_error(manifest, "spec.clusterIP", message);
            }
            Ok(addr) => {
                if let Some(range) = service_cidr
                    && !range.contains(addr)
                {
                    cx.manifest_error(
                        manifest,
                        "spec.clusterIP",
                        format!("clusterIP {addr} is outside the serviceCIDR {range}"),
                    );
                }
            }
        }
    }
    if let Some(ip) = &spec.load_balancer_ip
        && let Err(message) = parse_ipv4(ip)
    {
        cx.manifest_error(manifest, "spec.loadBalancerIP", message);
    }
    for (k, ip) in spec.external_ips.iter().enumerate() {
        if let Err(message) = parse_ipv4(ip) {
            cx.manifest_error(manifest, &format!("spec.externalIPs[{k}]"), message);
        }
    }
}

/// The Service annotations MetalLB 0.14.9 reads (`controller/service.go`:
/// the `metallb.io/` keys and their deprecated `metallb.universe.tf/`
/// aliases; `ip-allocated-from-pool` is the controller's own).
const METALLB_ANNOTATIONS: &[&str] = &[
    "metallb.io/address-pool",
    "metallb.io/loadBalancerIPs",
    "metallb.io/allow-shared-ip",
    "metallb.io/ip-allocated-from-pool",
    "metallb.universe.tf/address-pool",
    "metallb.universe.tf/loadBalancerIPs",
    "metallb.universe.tf/allow-shared-ip",
    "metallb.universe.tf/ip-allocated-from-pool",
];

/// The Service annotations Cilium 1.18's LB IPAM reads
/// (`operator/pkg/lbipam/lbipam.go`, with their `io.cilium/` aliases).
const CILIUM_ANNOTATIONS: &[&str] = &[
    "lbipam.cilium.io/ips",
    "lbipam.cilium.io/sharing-key",
    "lbipam.cilium.io/sharing-cross-namespace",
    "io.cilium/lb-ipam-ips",
    "io.cilium/lb-ipam-sharing-key",
    "io.cilium/lb-ipam-sharing-cross-namespace",
];

/// A load balancer's annotation that it does not read does nothing: a
/// misspelt key (annotation keys are case-sensitive, so
/// `allow-shared-IP` is not `allow-shared-ip`), or one of the other load
/// balancer than the cluster runs. Both are warnings at the annotation.
fn load_balancer_annotations(cx: &mut Context, manifest: &ParsedManifest) {
    let running = cx.spec.cluster.load_balancer;
    for key in manifest.manifest().metadata().annotations.keys() {
        let (known, owner, kind, reads): (&[&str], &str, LoadBalancerKind, &str) = if key.starts_with("metallb.io/")
            || key.starts_with("metallb.universe.tf/")
        {
            (
                METALLB_ANNOTATIONS,
                "MetalLB",
                LoadBalancerKind::Metallb,
                "metallb.io/address-pool, metallb.io/loadBalancerIPs and metallb.io/allow-shared-ip (or the same under metallb.universe.tf/)",
            )
        } else if key.starts_with("lbipam.cilium.io/") || key.starts_with("io.cilium/lb-ipam") {
            (
                CILIUM_ANNOTATIONS,
                "Cilium's LB IPAM",
                LoadBalancerKind::Cilium,
                "lbipam.cilium.io/ips, lbipam.cilium.io/sharing-key and lbipam.cilium.io/sharing-cross-namespace",
            )
        } else {
            continue;
        };
        let path = format!("metadata.annotations.{key}");
        if !known.contains(&key.as_str()) {
            let near = known
                .iter()
                .copied()
                .find(|k| k.eq_ignore_ascii_case(key))
                .or_else(|| closest(key, known.iter().copied()));
            let message = format!(
                "{owner} reads no annotation `{key}`, so it has no effect (annotation keys are case-sensitive); it reads {reads}"
            );
            cx.manifest_warn(manifest, &path, message).suggest(near);
        } else if running != kind {
            let message = format!("has no effect: {owner} reads it, and it does not run in this cluster");
            cx.manifest_warn(manifest, &path, message);
        }
    }
}

/// Two Services cannot have the same node port.
fn unique_node_ports(cx: &mut Context) {
    let mut owners: BTreeMap<u16, String> = BTreeMap::new();
    for manifest in cx.manifests {
        let Manifest::Service { spec, .. } = manifest.manifest() else {
            continue;
        };
        let owner = format!("{}/{}", manifest.manifest().namespace().unwrap_or("default"), manifest.name());
        // The health-check node port comes from the same allocator, after
        // the Service's node ports (`txnAllocNodePorts`, alloc.go, 1.34).
        let health_check = spec.health_check_node_port.filter(|p| *p != 0);
        let ports =
            spec.ports.iter().enumerate().map(|(j, port)| (format!("spec.ports[{j}].nodePort"), port.node_port));
        for (path, node_port) in ports.chain([("spec.healthCheckNodePort".to_string(), health_check)]) {
            let Some(node_port) = node_port else {
                continue;
            };
            if path == "spec.healthCheckNodePort" && !NODE_PORTS.contains(&node_port) {
                let message = format!(
                    "failed to allocate requested HealthCheck NodePort {node_port}: provided port is not in the valid range. The range of valid ports is {}-{}",
                    NODE_PORTS.start(),
                    NODE_PORTS.end()
                );
                cx.manifest_error(manifest, &path, message);
                continue;
            }
            if let Some(first) = owners.get(&node_port) {
                let message = format!("nodePort {node_port} is already used by Service `{first}`");
                cx.manifest_error(manifest, &path, message);
            } else {
                owners.insert(node_port, owner.clone());
            }
        }
    }
}

/// Workloads need a node to run on.
fn nodes_for_workloads(cx: &mut Context) {
    if cx.node_names().next().is_some() {
        return;
    }
    let workload = cx.manifests.iter().find(|m| {
        matches!(m.manifest(), Manifest::Deployment { .. } | Manifest::Pod { .. } | Manifest::Service { .. })
    });
    if let Some(workload) = workload {
        let message = format!(
            "{} `{}` (line {}) needs a node, and no host has `role: node`",
            workload.manifest().kind(),
            workload.name(),
            workload.loaded.line
        );
        cx.error("spec.hosts", message);
    }
}

/// MetalLB's `addresses`: CIDRs (`192.0.2.0/28`) or ranges (`192.0.2.10-192.0.2.20`).
fn metallb_pool(cx: &mut Context, manifest: &ParsedManifest, addresses: &[String]) {
    if addresses.is_empty() {
        cx.manifest_error(manifest, "spec.addresses", "a pool needs at least one address");
    }
    for (k, entry) in addresses.iter().enumerate() {
        if let Err(message) = address_range(entry) {
            cx.manifest_error(manifest, &format!("spec.addresses[{k}]"), message);
        }
    }
}

fn address_range(entry: &str) -> Result<(), String> {
    if entry.contains('/') {
        return Cidr::parse(entry).map(drop);
    }
    let Some((start, end)) = entry.split_once('-') else {
        return Err(format!("`{entry}` is neither a CIDR (192.0.2.0/28) nor a range (192.0.2.10-192.0.2.20)"));
    };
    ordered_range(parse_ipv4(start.trim())?, parse_ipv4(end.trim())?)
}

fn ordered_range(start: Ipv4Addr, end: Ipv4Addr) -> Result<(), String> {
    if start <= end { Ok(()) } else { Err(format!("range {start}-{end} ends before it starts")) }
}

/// Cilium's `blocks`: each a `cidr`, or a `start` with an optional `stop`.
fn cilium_pool(cx: &mut Context, manifest: &ParsedManifest, blocks: &[CiliumPoolBlock]) {
    if blocks.is_empty() {
        cx.manifest_error(manifest, "spec.blocks", "a pool needs at least one block");
    }
    for (k, block) in blocks.iter().enumerate() {
        if let Err(message) = cilium_block(block) {
            cx.manifest_error(manifest, &format!("spec.blocks[{k}]"), message);
        }
    }
}

fn cilium_block(block: &CiliumPoolBlock) -> Result<(), String> {
    match (&block.cidr, &block.start, &block.stop) {
        (Some(cidr), None, None) => Cidr::parse(cidr).map(drop),
        (None, Some(start), stop) => {
            let start = parse_ipv4(start)?;
            match stop {
                Some(stop) => ordered_range(start, parse_ipv4(stop)?),
                None => Ok(()),
            }
        }
        (None, None, Some(_)) => Err("a block with `stop` needs a `start`".to_string()),
        (None, None, None) => Err("a block needs a `cidr`, or a `start` (and optional `stop`)".to_string()),
        (Some(_), _, _) => Err("a block has either a `cidr` or a `start`/`stop` range, not both".to_string()),
    }
}

/// A CiliumL2AnnouncementPolicy's `interfaces` are Go regular expressions
/// over the node's devices (vipsim's nodes have one, `eth0`), matched
/// anywhere in the name (pkg/l2announcer/l2announcer.go, Cilium 1.18). One
/// that does not compile makes the agent skip the whole policy; one vipsim
/// cannot read is refused rather than guessed; a list that selects no
/// device announces nothing.
fn l2_policy_interfaces(cx: &mut Context, manifest: &ParsedManifest, interfaces: &[String]) {
    let mut compiled = true;
    for (i, pattern) in interfaces.iter().enumerate() {
        if let Err(reason) = crate::k8s::cilium::interface_regex(pattern) {
            compiled = false;
            let message = format!(
                "`{pattern}` is not a regular expression ({reason}); Cilium skips this whole policy (status condition io.cilium/bad-interface-regex)"
            );
            cx.manifest_error(manifest, &format!("spec.interfaces[{i}]"), message);
        }
    }
    if compiled
        && !interfaces.is_empty()
        && !interfaces.iter().any(|p| crate::k8s::cilium::interface_matches(p, "eth0"))
    {
        cx.manifest_warn(
            manifest,
            "spec.interfaces",
            "matches no device of the nodes (each has one, `eth0`; the patterns match anywhere in the name): this policy announces nothing",
        );
    }
}

/// An L2Advertisement's `interfaces` are interface names. MetalLB elects
/// the leader without looking at them; the winner then finds none of its
/// interfaces listed, logs "the specified interfaces used to announce LB IP
/// don't exist", records an `announceFailed` event and answers no ARP
/// (`SetBalancer`, speaker/layer2_controller.go, 0.14.9). vipsim's nodes
/// have one interface, `eth0`, and show nobody announcing.
fn l2_advertisement_interfaces(cx: &mut Context, manifest: &ParsedManifest, interfaces: &[String]) {
    if !interfaces.is_empty() && !interfaces.iter().any(|i| i == "eth0") {
        cx.manifest_warn(
            manifest,
            "spec.interfaces",
            "names no interface of the nodes (each has one, `eth0`): MetalLB still elects a leader, whose speaker records an announceFailed event (\"the interfaces specified by LB IP ... doesn't exist in assigned node\") and answers no ARP; vipsim shows nobody announcing and not that event",
        );
    }
}

/// Advertisements name their pools; real MetalLB just matches nothing for a
/// missing one, so this is a warning.
fn pool_references(cx: &mut Context, manifest: &ParsedManifest, pools: &[String]) {
    let namespace = manifest.manifest().namespace();
    let existing: Vec<&str> =
        cx.manifests_of("IPAddressPool").filter(|m| m.manifest().namespace() == namespace).map(|m| m.name()).collect();
    for (k, pool) in pools.iter().enumerate() {
        if !existing.contains(&pool.as_str()) {
            let message = format!(
                "no IPAddressPool `{pool}` in namespace `{}`: \
                 this advertisement announces nothing from it",
                namespace.unwrap_or("default")
            );
            let near = closest(pool, existing.iter().copied());
            cx.manifest_warn(manifest, &format!("spec.ipAddressPools[{k}]"), message).suggest(near);
        }
    }
}

/// A BGPPeer MetalLB refuses, as the author should read it: the webhook's
/// denial, or what a configuration the speakers cannot load does.
fn bgp_peer_refusal(r: &PeerRefusal) -> String {
    if r.webhook {
        format!("MetalLB's webhook {BGPPEER_WEBHOOK} denies this BGPPeer: {}", r.message)
    } else {
        format!(
            "MetalLB's native BGP mode refuses it: the webhook admits the BGPPeer, but the controller and every speaker fail to load the whole configuration (`failed to parse the configuration`: {}) and keep the one they had (none at start: no pool, every Service stays <pending>); vipsim does not model a refused configuration, so remove the field",
            r.message
        )
    }
}

/// A BGPAdvertisement's `aggregationLength` as MetalLB 0.14.9 checks it:
/// the CRD's minimum of 1, at most 32 (`bgpAdvertisementFromCR`, which
/// prints the length with Go's `%q`, a character literal), and no shorter
/// than the widest CIDR of every address of each pool it selects
/// (`validateBGPAdvPerPool`, internal/config/config.go: a range counts as
/// the CIDRs covering it). And a `peers` entry no BGPPeer is named after:
/// MetalLB accepts it and sends the advertisement to no such peer.
fn bgp_advertisement(cx: &mut Context, manifest: &ParsedManifest, spec: &BgpAdvertisementSpec) {
    const WEBHOOK: &str = "MetalLB's webhook bgpadvertisementvalidationwebhook.metallb.io denies this BGPAdvertisement";
    let path = "spec.aggregationLength";
    match spec.aggregation_length {
        None => {}
        Some(0) => {
            cx.manifest_error(
                manifest,
                path,
                "Invalid value: 0: spec.aggregationLength in body should be greater than or equal to 1",
            );
        }
        Some(n) if n > 32 => {
            let message = format!("{WEBHOOK}: invalid aggregation length {} for IPv4", go_quote_int(u32::from(n)));
            cx.manifest_error(manifest, path, message);
        }
        Some(n) => {
            let pools: Vec<&ParsedManifest> = cx
                .manifests_of("IPAddressPool")
                .filter(|pool| {
                    let labels = &pool.manifest().metadata().labels;
                    (spec.ip_address_pools.is_empty() && spec.ip_address_pool_selectors.is_empty())
                        || spec.ip_address_pools.iter().any(|p| p == pool.name())
                        || spec.ip_address_pool_selectors.iter().any(|sel| sel.matches(labels))
                })
                .collect();
            'pools: for pool in pools {
                let Manifest::IPAddressPool { spec: pool_spec, .. } = pool.manifest() else { continue };
                for entry in &pool_spec.addresses {
                    let Ok(cidrs) = crate::k8s::ipam::metallb::parse_addresses(entry) else { continue };
                    let Some(lowest) = cidrs.iter().map(|c| c.prefix).min() else { continue };
                    if n < lowest {
                        let message = format!(
                            "{WEBHOOK}: invalid aggregation length {n}: prefix {lowest} in this pool is more specific than the aggregation length for addresses {entry}"
                        );
                        cx.manifest_error(manifest, path, message);
                        break 'pools;
                    }
                }
            }
        }
    }
    let peers: Vec<&str> = cx.manifests_of("BGPPeer").map(|m| m.name()).collect();
    for (k, peer) in spec.peers.iter().enumerate() {
        if !peers.contains(&peer.as_str()) {
            let near = closest(peer, peers.iter().copied());
            let message = format!(
                "no BGPPeer `{peer}`: MetalLB accepts the name, and no session gets this advertisement through it (`peers` lists BGPPeer names)"
            );
            cx.manifest_warn(manifest, &format!("spec.peers[{k}]"), message).suggest(near);
        }
    }
}

/// Go's `%q` of an integer: the character it codes, quoted (`'!'` for 33).
fn go_quote_int(n: u32) -> String {
    match char::from_u32(n) {
        Some('\'') => "'\\''".into(),
        Some('\\') => "'\\\\'".into(),
        Some(c) if !c.is_control() && !matches!(n, 0xa0 | 0xad) => format!("'{c}'"),
        _ if n < 0x80 => format!("'\\x{n:02x}'"),
        _ => format!("'\\u{n:04x}'"),
    }
}
