//! `kubectl` against the simulated API server: the verbs that change state
//! (apply, delete, patch, scale, cordon, drain) and the read-only ones
//! (get, logs, exec into the Cilium agent), printing what kubectl prints.

use super::table::render;
use crate::k8s::cluster::{Cluster, PodPhase, Service};
use crate::k8s::objects::ServiceType;
use crate::sim::World;
use crate::sim::trace::Record;
use crate::time::{Duration, Instant};
use crate::tools::Output;

fn ok(stdout: String) -> Output {
    Output { stdout, stderr: String::new(), exit: 0 }
}

fn fail(msg: String) -> Output {
    Output { stdout: String::new(), stderr: format!("{msg}\n"), exit: 1 }
}

/// Parsed global flags.
struct Flags {
    namespace: String,
    all_namespaces: bool,
    output: Option<String>,
    positional: Vec<String>,
    patch: Option<String>,
    replicas: Option<u32>,
    file: Option<String>,
    container: Option<String>,
}

fn parse_flags(args: &[String]) -> Result<Flags, String> {
    let mut f = Flags {
        namespace: "default".into(),
        all_namespaces: false,
        output: None,
        positional: vec![],
        patch: None,
        replicas: None,
        file: None,
        container: None,
    };
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let mut value = |name: &str| -> Result<String, String> {
            if let Some(v) = a.split_once('=').map(|(_, v)| v.to_string()) {
                return Ok(v);
            }
            i += 1;
            args.get(i).cloned().ok_or_else(|| format!("error: flag needs an argument: {name}"))
        };
        match a.split('=').next().unwrap_or(a) {
            "-n" | "--namespace" => f.namespace = value("-n")?,
            "-A" | "--all-namespaces" => f.all_namespaces = true,
            "-o" | "--output" => f.output = Some(value("-o")?),
            "-p" | "--patch" => f.patch = Some(value("-p")?),
            "-f" | "--filename" => f.file = Some(value("-f")?),
            "-c" | "--container" => f.container = Some(value("-c")?),
            "--replicas" => {
                f.replicas = Some(value("--replicas")?.parse().map_err(|_| "error: invalid --replicas".to_string())?)
            }
            "--ignore-daemonsets" | "--delete-emptydir-data" | "--force" | "--wait=false" => {}
            "--" => {
                f.positional.extend(args[i..].iter().cloned());
                break;
            }
            s if s.starts_with('-') && s.len() > 1 => {
                return Err(format!("error: unknown flag: {s} (vipsim's kubectl supports -n -A -o -p -f --replicas)"));
            }
            _ => f.positional.push(a.clone()),
        }
        i += 1;
    }
    Ok(f)
}

pub fn run(w: &mut World, args: &[String], trace: &mut Vec<Record>) -> Output {
    let mut flags = match parse_flags(args) {
        Ok(f) => f,
        Err(e) => return fail(e),
    };
    if flags.positional.is_empty() {
        return fail("kubectl controls the Kubernetes cluster manager.\n\nvipsim supports: get, apply, delete, patch, scale, cordon, uncordon, drain, logs, exec".into());
    }
    let verb = flags.positional.remove(0);
    let ns = flags.namespace.clone();
    let verb = &verb;
    let result = match verb.as_str() {
        "get" => return get(w, &flags),
        "apply" | "create" => {
            let Some(name) = flags.file.clone().or(flags.positional.first().cloned()) else {
                return fail("error: must specify one of -f and -k".into());
            };
            let name = name.trim_end_matches(".yaml").rsplit('/').next().unwrap_or(&name).to_string();
            let Some(m) =
                w.script.manifests.iter().find(|m| m.manifest.metadata().name == name).map(|m| m.manifest.clone())
            else {
                let names: Vec<String> =
                    w.script.manifests.iter().map(|m| m.manifest.metadata().name.clone()).collect();
                return fail(format!(
                    "error: the path \"{name}\" does not exist (this scenario's manifests: {})",
                    names.join(", ")
                ));
            };
            w.plane(trace, |p| p.apply(&m))
        }
        "delete" => match resource_and_name(&flags.positional) {
            Some((kind, name)) => w.plane(trace, |p| p.delete(kind, &ns, &name)),
            None => {
                Err("error: you must specify the type of resource and its name, e.g. kubectl delete pod web-abc12"
                    .into())
            }
        },
        "patch" => match (resource_and_name(&flags.positional), flags.patch.as_deref()) {
            (Some(("Service", name)), Some(p)) => w.plane(trace, |pl| pl.patch_service(&ns, &name, p)),
            (Some((kind, _)), Some(_)) => Err(format!("error: vipsim's kubectl patches Services only, not {kind}")),
            _ => Err("error: usage: kubectl patch svc NAME -p '{\"spec\":{...}}'".into()),
        },
        "scale" => match (resource_and_name(&flags.positional), flags.replicas) {
            (Some(("Deployment", name)), Some(r)) => w.plane(trace, |p| p.scale(&ns, &name, r)),
            _ => Err("error: usage: kubectl scale deployment NAME --replicas=N".into()),
        },
        "cordon" | "uncordon" | "drain" => match flags.positional.first() {
            Some(node) => {
                let node = node.trim_start_matches("node/").to_string();
                w.plane(trace, |p| match verb.as_str() {
                    "cordon" => p.cordon(&node, true),
                    "uncordon" => p.cordon(&node, false),
                    _ => p.drain(&node),
                })
            }
            None => Err(format!("error: USAGE: kubectl {verb} NODE")),
        },
        "logs" => return logs(&w.cluster, &flags),
        "exec" => return exec(w, &flags),
        other => {
            let verbs =
                ["get", "apply", "create", "delete", "patch", "scale", "cordon", "uncordon", "drain", "logs", "exec"];
            let hint = super::table::nearest(other, verbs)
                .map(|v| format!("\n\nDid you mean this?\n\t{v}"))
                .unwrap_or_default();
            Err(format!("error: unknown command \"{other}\" for \"kubectl\"{hint}"))
        }
    };
    match result {
        Ok(s) => ok(format!("{s}\n")),
        Err(e) => fail(e),
    }
}

/// Maps kubectl's resource spellings to kinds: `svc`, `service`, `services`, `svc/web`...
pub fn kind_of(resource: &str) -> Option<&'static str> {
    Some(match resource.to_ascii_lowercase().as_str() {
        "svc" | "service" | "services" => "Service",
        "po" | "pod" | "pods" => "Pod",
        "no" | "node" | "nodes" => "Node",
        "deploy" | "deployment" | "deployments" | "deployment.apps" => "Deployment",
        "ep" | "endpoints" => "Endpoints",
        "endpointslice" | "endpointslices" | "endpointslices.discovery.k8s.io" => "EndpointSlice",
        "ev" | "event" | "events" => "Event",
        "ns" | "namespace" | "namespaces" => "Namespace",
        "ipaddresspool" | "ipaddresspools" | "ipaddresspools.metallb.io" => "IPAddressPool",
        "l2advertisement" | "l2advertisements" | "l2advertisements.metallb.io" => "L2Advertisement",
        "bgpadvertisement" | "bgpadvertisements" => "BGPAdvertisement",
        "bgppeer" | "bgppeers" => "BGPPeer",
        "ciliumloadbalancerippool" | "ciliumloadbalancerippools" | "ippools" | "ippool" | "lbippool" | "lbippools" => {
            "CiliumLoadBalancerIPPool"
        }
        "ciliuml2announcementpolicy" | "ciliuml2announcementpolicies" | "l2announcement" => {
            "CiliumL2AnnouncementPolicy"
        }
        "gateway" | "gateways" | "gtw" => "Gateway",
        "gatewayclass" | "gatewayclasses" | "gc" => "GatewayClass",
        "lease" | "leases" => "Lease",
        _ => return None,
    })
}

/// `svc web`, `svc/web`, `deployment/web` -> (kind, name).
fn resource_and_name(pos: &[String]) -> Option<(&'static str, String)> {
    let first = pos.first()?;
    if let Some((r, n)) = first.split_once('/') {
        return Some((kind_of(r)?, n.to_string()));
    }
    Some((kind_of(first)?, pos.get(1)?.clone()))
}

fn age(now: Instant, since: Instant) -> String {
    now.saturating_since(since).human()
}

/// `80:32303/TCP`, `443/TCP`.
pub fn ports_column(s: &Service) -> String {
    let ports: Vec<String> = s
        .spec
        .ports
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let proto = p.protocol.clone().unwrap_or_else(|| "TCP".into());
            match s.node_ports.get(i).copied().flatten() {
                Some(np) => format!("{}:{np}/{proto}", p.port),
                None => format!("{}/{proto}", p.port),
            }
        })
        .collect();
    if ports.is_empty() { "<none>".into() } else { ports.join(",") }
}

pub fn external_ip_column(s: &Service) -> String {
    match s.spec.service_type {
        ServiceType::LoadBalancer if s.ingress.is_empty() => "<pending>".into(),
        ServiceType::LoadBalancer => s.ingress.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(","),
        _ if !s.spec.external_ips.is_empty() => s.spec.external_ips.join(","),
        _ => "<none>".into(),
    }
}

fn service_type(t: ServiceType) -> &'static str {
    match t {
        ServiceType::ClusterIP => "ClusterIP",
        ServiceType::NodePort => "NodePort",
        ServiceType::LoadBalancer => "LoadBalancer",
    }
}

fn get(w: &World, f: &Flags) -> Output {
    let Some(resource) = f.positional.first() else {
        return fail("You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of supported resources.".into());
    };
    let (resource, name) = match resource.split_once('/') {
        Some((r, n)) => (r.to_string(), Some(n.to_string())),
        None => (resource.clone(), f.positional.get(1).cloned()),
    };
    let Some(kind) = kind_of(&resource) else {
        return fail(format!("error: the server doesn't have a resource type \"{resource}\""));
    };
    let k = &w.cluster;
    let now = w.now;
    let in_ns = |ns: &str| f.all_namespaces || ns == f.namespace;
    let wide = f.output.as_deref() == Some("wide");
    let mut rows: Vec<Vec<String>> = Vec::new();
    let ns_col = |ns: &str, mut r: Vec<String>| -> Vec<String> {
        if f.all_namespaces {
            r.insert(0, ns.to_string());
        }
        r
    };
    let header = |cols: &[&str]| -> Vec<String> {
        let mut h: Vec<String> = cols.iter().map(|s| s.to_string()).collect();
        if f.all_namespaces {
            h.insert(0, "NAMESPACE".into());
        }
        h
    };
    match kind {
        "Service" => {
            let mut cols = vec!["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"];
            if wide {
                cols.push("SELECTOR");
            }
            rows.push(header(&cols));
            for s in
                k.services.values().filter(|s| in_ns(&s.namespace) && name.as_ref().is_none_or(|n| *n == s.meta.name))
            {
                let mut r = vec![
                    s.meta.name.clone(),
                    service_type(s.spec.service_type).into(),
                    s.cluster_ip.map(|i| i.to_string()).unwrap_or_else(|| "None".into()),
                    external_ip_column(s),
                    ports_column(s),
                    age(now, s.created),
                ];
                if wide {
                    let sel: Vec<String> = s.spec.selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    r.push(if sel.is_empty() { "<none>".into() } else { sel.join(",") });
                }
                rows.push(ns_col(&s.namespace, r));
            }
        }
        "Pod" => {
            let mut cols = vec!["NAME", "READY", "STATUS", "RESTARTS", "AGE"];
            if wide {
                cols.extend(["IP", "NODE", "NOMINATED NODE", "READINESS GATES"]);
            }
            rows.push(header(&cols));
            for p in k.pods.values().filter(|p| in_ns(&p.namespace) && name.as_ref().is_none_or(|n| *n == p.name)) {
                let total = p.spec.containers.len().max(1);
                let ready = if p.ready { total } else { 0 };
                let status = if p.terminating() {
                    "Terminating"
                } else if p.node.is_none() {
                    "Pending"
                } else if p.phase == PodPhase::Pending {
                    "ContainerCreating"
                } else {
                    "Running"
                };
                let mut r = vec![
                    p.name.clone(),
                    format!("{ready}/{total}"),
                    status.into(),
                    p.restarts.to_string(),
                    age(now, p.created),
                ];
                if wide {
                    r.push(p.ip.map(|i| i.to_string()).unwrap_or_else(|| "<none>".into()));
                    r.push(p.node.clone().unwrap_or_else(|| "<none>".into()));
                    r.push("<none>".into());
                    r.push("<none>".into());
                }
                rows.push(ns_col(&p.namespace, r));
            }
        }
        "Node" => {
            let mut cols = vec!["NAME", "STATUS", "ROLES", "AGE", "VERSION"];
            if wide {
                cols.extend(["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"]);
            }
            rows.push(cols.iter().map(|s| s.to_string()).collect());
            for n in k.nodes.values().filter(|n| name.as_ref().is_none_or(|x| *x == n.name)) {
                let mut status = if n.ready { "Ready".to_string() } else { "NotReady".to_string() };
                if n.unschedulable {
                    status.push_str(",SchedulingDisabled");
                }
                let mut r = vec![
                    n.name.clone(),
                    status,
                    "<none>".into(),
                    age(now, n.created),
                    crate::scenario::build::KUBELET_VERSION.into(),
                ];
                if wide {
                    r.extend([
                        n.ip.to_string(),
                        "<none>".into(),
                        "Debian GNU/Linux 13 (trixie)".into(),
                        "6.18.0-1-amd64".into(),
                        "containerd://2.1.4".into(),
                    ]);
                }
                rows.push(r);
            }
        }
        "Endpoints" => {
            rows.push(header(&["NAME", "ENDPOINTS", "AGE"]));
            for s in
                k.services.values().filter(|s| in_ns(&s.namespace) && name.as_ref().is_none_or(|n| *n == s.meta.name))
            {
                let eps: Vec<String> = k
                    .slices
                    .get(&s.key())
                    .map(|sl| {
                        sl.endpoints
                            .iter()
                            .filter(|e| e.ready)
                            .flat_map(|e| e.ports.values().map(move |p| format!("{}:{p}", e.ip)))
                            .collect()
                    })
                    .unwrap_or_default();
                let shown = match eps.len() {
                    0 => "<none>".to_string(),
                    1..=3 => eps.join(","),
                    n => format!("{} + {} more...", eps[..3].join(","), n - 3),
                };
                rows.push(ns_col(&s.namespace, vec![s.meta.name.clone(), shown, age(now, s.created)]));
            }
        }
        "CiliumLoadBalancerIPPool" => {
            rows.push(vec![
                "NAME".into(),
                "DISABLED".into(),
                "CONFLICTING".into(),
                "IPS AVAILABLE".into(),
                "AGE".into(),
            ]);
            for s in k.objects_of(kind) {
                let pool = &s.manifest.metadata().name;
                if name.as_ref().is_some_and(|n| n != pool) {
                    continue;
                }
                let st = k.cilium.pool_status(pool);
                let disabled = st.as_ref().is_some_and(|s| s.disabled);
                let conflicting = if st.as_ref().is_some_and(|s| s.conflicting) { "True" } else { "False" };
                let available = st.map(|s| s.ips_available.to_string()).unwrap_or_else(|| "0".into());
                rows.push(vec![pool.clone(), disabled.to_string(), conflicting.into(), available, age(now, s.created)]);
            }
        }
        other => return fail(format!("error: vipsim's kubectl cannot list {other} yet")),
    }
    if let Some(n) = &name
        && rows.len() == 1
    {
        return fail(format!("Error from server (NotFound): {} \"{n}\" not found", plural(kind)));
    }
    if rows.len() == 1 {
        let where_ = if f.all_namespaces || kind == "Node" || kind == "CiliumLoadBalancerIPPool" {
            String::new()
        } else {
            format!(" in {} namespace", f.namespace)
        };
        return Output { stdout: String::new(), stderr: format!("No resources found{where_}.\n"), exit: 0 };
    }
    ok(render(&rows))
}

fn plural(kind: &str) -> String {
    match kind {
        "Service" => "services".into(),
        "Pod" => "pods".into(),
        "Node" => "nodes".into(),
        "Endpoints" => "endpoints".into(),
        "Deployment" => "deployments.apps".into(),
        other => format!("{}s", other.to_ascii_lowercase()),
    }
}

/// `kubectl logs -n metallb-system speaker-<node>` / `ds/speaker`, `-n kube-system cilium-<node>`.
fn logs(k: &Cluster, f: &Flags) -> Output {
    let Some(target) = f.positional.first() else {
        return fail("error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.".into());
    };
    let target = target.trim_start_matches("pod/").trim_start_matches("pods/");
    let (component, node) = if let Some(n) = target.strip_prefix("speaker-") {
        ("speaker", Some(n))
    } else if let Some(n) = target.strip_prefix("cilium-") {
        ("cilium-agent", Some(n))
    } else if target == "ds/speaker" || target == "daemonset/speaker" {
        ("speaker", None)
    } else if target == "ds/cilium" || target == "daemonset/cilium" {
        ("cilium-agent", None)
    } else if target.starts_with("controller") || target == "deploy/controller" {
        ("metallb-controller", None)
    } else {
        return fail(format!(
            "error: vipsim keeps logs for the MetalLB speaker (speaker-<node>, ds/speaker), the Cilium agent (cilium-<node>, ds/cilium) and the MetalLB controller; not for {target}"
        ));
    };
    if let Some(n) = node
        && !k.nodes.contains_key(n)
    {
        return fail(format!("Error from server (NotFound): pods \"{target}\" not found"));
    }
    let mut out = String::new();
    for l in k.logs.iter().filter(|l| l.component == component && node.is_none_or(|n| l.node == n)) {
        out.push_str(&l.line);
        out.push('\n');
    }
    ok(out)
}

/// `kubectl -n kube-system exec ds/cilium -- cilium-dbg service list`.
fn exec(w: &World, f: &Flags) -> Output {
    let dash = f.positional.iter().position(|a| a == "--");
    let cmd: Vec<String> = dash.map(|i| f.positional[i + 1..].to_vec()).unwrap_or_default();
    match cmd.first().map(String::as_str) {
        Some("cilium-dbg") | Some("cilium") => super::netinfo::cilium_dbg(w, &cmd[1..]),
        _ => fail("error: vipsim's kubectl exec runs `cilium-dbg service list` in the Cilium agent (kubectl -n kube-system exec ds/cilium -- cilium-dbg service list)".into()),
    }
}

/// The age of something created at `t`, `Duration` form (for goals and tests).
pub fn age_of(now: Instant, t: Instant) -> Duration {
    now.saturating_since(t)
}
