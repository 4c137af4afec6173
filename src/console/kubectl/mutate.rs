//! The verbs that change the cluster: `apply`/`create -f` (a manifest of
//! the scenario, by name), `delete`, `patch svc|deployment`, `scale`, `cordon`,
//! `uncordon`, `drain`, `expose`. The control plane does the work; these
//! check arguments and word the answers like kubectl.

use super::Reply;
use super::flags::Flags;
use super::objects::{self, system_pods};
use super::resources::{self, Resource};
use crate::engine::trace::Record;
use crate::k8s::names::{is_label_value, is_qualified_name};
use crate::k8s::objects::{IntOrString, Manifest, ObjectMeta, ServicePort, ServiceSpec, ServiceType};
use crate::sim::World;
use crate::sim::action::matches_name;
use crate::sort::Collect;
use serde_json::Value;
use std::collections::BTreeMap;

fn answer(result: Result<String, String>) -> Reply {
    match result {
        Ok(s) => Reply::ok(format!("{s}\n")),
        Err(e) => Reply::fail(&e),
    }
}

/// `apply -f NAME`: every manifest of the scenario called NAME (a file
/// holding them), or the one whose `vipsim/id` is NAME.
pub fn apply(w: &mut World, f: &Flags, trace: &mut Vec<Record>) -> Reply {
    let Some(file) = f.value("filename") else {
        return Reply::fail("error: must specify one of -f and -k");
    };
    let base = file.rsplit('/').next().unwrap_or(file);
    let name = base.trim_end_matches(".yaml").trim_end_matches(".yml");
    let script = w.script.clone();
    let id = |m: &Manifest| m.metadata().annotations.get("vipsim/id").cloned();
    let by_id: Vec<Manifest> = script
        .manifests
        .iter()
        .filter(|m| id(&m.manifest).as_deref() == Some(name))
        .map(|m| m.manifest.clone())
        .collect();
    let manifests: Vec<Manifest> = if by_id.is_empty() {
        // Versions with their own `vipsim/id` are reached by that id only.
        script
            .manifests
            .iter()
            .filter(|m| id(&m.manifest).is_none() && matches_name(&m.manifest, name))
            .map(|m| m.manifest.clone())
            .collect()
    } else {
        by_id
    };
    if manifests.is_empty() {
        let mut names: Vec<String> = Vec::new();
        for m in &script.manifests {
            let name = id(&m.manifest).unwrap_or_else(|| m.manifest.metadata().name.clone());
            if !names.contains(&name) {
                names.push(name);
            }
        }
        return Reply::fail(&format!(
            "error: the path \"{file}\" does not exist (this scenario's manifests: {})",
            names.join(", ")
        ));
    }
    let mut out = Reply::ok(String::new());
    for m in manifests {
        match w.plane(trace, |p| p.apply(&m)) {
            Ok(line) => out.stdout.push_str(&format!("{line}\n")),
            Err(e) => {
                out.stderr.push_str(&format!("{e}\n"));
                out.exit = 1;
            }
        }
    }
    out
}

/// `svc web`, `svc/web`, `deployment/web` -> (resource, names).
fn resource_and_names(w: &World, args: &[String]) -> Result<(&'static Resource, Vec<String>), String> {
    let first = args.first().ok_or("error: you must specify the type of resource and its name")?;
    let (kind, names) = match first.split_once('/') {
        Some((k, n)) => (k, vec![n.to_string()]),
        None => (first.as_str(), args[1..].to_vec()),
    };
    let res = resources::lookup(&w.cluster, kind)
        .ok_or_else(|| format!("error: the server doesn't have a resource type \"{kind}\""))?;
    Ok((res, names))
}

/// Whether `name` exists as `res` in the namespace (or cluster-wide).
fn exists(w: &World, res: &'static Resource, ns: &str, name: &str) -> bool {
    objects::list(w, res).iter().any(|o| o.name == name && (!res.namespaced || o.namespace.as_deref() == Some(ns)))
}

/// The grace period `kubectl delete` sends, and the warning it prints first
/// (`Complete` and `Validate` in kubectl pkg/cmd/delete/delete.go, 1.34):
/// none by default (the pod's own); `--now` is 1 s; `--grace-period=0`
/// without `--force` becomes 1 s; `--force` alone is 0. A grace period of 0
/// with `--force` warns that the deletion is immediate, and `--force` with
/// a longer one is refused.
fn delete_grace(f: &Flags) -> Result<(Option<u64>, String), String> {
    let mut grace: i64 = match f.value("grace-period") {
        None => -1,
        Some(v) => v.parse().map_err(|_| {
            format!(
                "error: invalid argument \"{v}\" for \"--grace-period\" flag: strconv.ParseInt: parsing \"{v}\": invalid syntax\nSee 'kubectl delete --help' for usage."
            )
        })?,
    };
    let force = f.has("force");
    if f.has("now") {
        if grace != -1 {
            return Err("error: --now and --grace-period cannot be specified together".into());
        }
        grace = 1;
    }
    if grace == 0 && !force {
        // kubectl's backward compatibility: 0 without --force means 1.
        grace = 1;
    }
    if force && grace < 0 {
        grace = 0;
    }
    let warning = match (force, grace) {
        (true, 0) => {
            "Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n"
        }
        // kubectl's `Validate` (pkg/cmd/delete/delete.go) refuses the pair.
        (true, _) => return Err("error: --force and --grace-period greater than 0 cannot be specified together".into()),
        _ => "",
    };
    Ok((u64::try_from(grace).ok(), warning.to_string()))
}

pub fn delete(w: &mut World, f: &Flags, trace: &mut Vec<Record>) -> Reply {
    let (res, mut names) = match resource_and_names(w, &f.args) {
        Ok(x) => x,
        Err(e) => return Reply::fail(&e),
    };
    let (grace, warning) = match delete_grace(f) {
        Ok(x) => x,
        Err(e) => return Reply::fail(&e),
    };
    let grace = grace.map(crate::time::Duration::from_secs);
    // `-l`: every object of the kind in the namespace whose labels match
    // (kubectl 1.34 pkg/cmd/delete/delete.go; names and a selector together
    // are refused, and no match prints "No resources found").
    if let Some(selector) = f.value("selector") {
        if !names.is_empty() {
            return Reply::fail("error: name cannot be provided when a selector is specified");
        }
        let selector = match super::selector::LabelSelector::parse(selector) {
            Ok(s) => s,
            Err(e) => return Reply::fail(&format!("error: {e}")),
        };
        let ns = f.namespace();
        names = objects::list(w, res)
            .into_iter()
            .filter(|o| !res.namespaced || o.namespace.as_deref() == Some(ns))
            .filter(|o| selector.matches(&o.labels()))
            .map(|o| o.name)
            .collect();
        if names.is_empty() {
            return Reply::ok("No resources found\n".into());
        }
    }
    if names.is_empty() {
        return Reply::fail("error: resource(s) were provided, but no name was specified");
    }
    if !res.manifest {
        return Reply::fail(&format!(
            "error: vipsim's kubectl deletes services, deployments, pods, namespaces and custom resources, not {}",
            res.plural
        ));
    }
    let ns = f.namespace().to_string();
    let mut out = Reply { notice: warning, ..Reply::ok(String::new()) };
    for name in names {
        let system = system_pods(w).iter().any(|p| p.name == name && p.namespace == ns);
        if res.kind == "Pod" && system {
            out.stderr.push_str(&format!(
                "vipsim: {name} belongs to an add-on DaemonSet or Deployment; stop its agent with the stop-speaker fault instead\n"
            ));
            out.exit = 1;
            continue;
        }
        if !exists(w, res, &ns, &name) {
            out.stderr.push_str(&format!("Error from server (NotFound): {} \"{name}\" not found\n", res.plural_ref()));
            out.exit = 1;
            continue;
        }
        match w.plane(trace, |p| p.delete_with_grace(res.kind, &ns, &name, grace)) {
            Ok(line) => out.stdout.push_str(&format!("{line}\n")),
            Err(e) => {
                out.stderr.push_str(&format!("{e}\n"));
                out.exit = 1;
            }
        }
    }
    out
}

pub fn patch(w: &mut World, f: &Flags, trace: &mut Vec<Record>) -> Reply {
    let (res, names) = match resource_and_names(w, &f.args) {
        Ok(x) => x,
        Err(e) => return Reply::fail(&e),
    };
    let Some(patch) = f.value("patch") else {
        return Reply::fail("error: must specify -p to patch");
    };
    if let Some(t) = f.value("type").filter(|t| !matches!(*t, "merge" | "strategic")) {
        return Reply::fail(&format!(
            "error: vipsim's kubectl patch applies --type strategic (the default) or merge, not {t}"
        ));
    }
    let [name] = names.as_slice() else {
        return Reply::fail("error: usage: kubectl patch svc|deployment NAME -p '{\"spec\":{...}}'");
    };
    let strategic = f.value("type").is_none_or(|t| t == "strategic");
    let ns = f.namespace().to_string();
    match res.kind {
        "Service" => patched(w.plane(trace, |p| p.patch_service(&ns, name, patch, strategic, &read_patched))),
        "Deployment" => patched(w.plane(trace, |p| p.patch_deployment(&ns, name, patch, strategic, &read_patched))),
        _ => Reply::fail(&format!("error: vipsim's kubectl patches services and deployments, not {}", res.plural)),
    }
}

/// A patched object's JSON read as the scenario loader reads a manifest
/// (one compiled deserializer per type in the wasm), or the first problem
/// as (field path, reason).
fn read_patched(json: &str) -> Result<Manifest, (String, String)> {
    crate::scenario::load::manifest_from_json(json).map_err(|d| (d.path, d.message))
}

/// A patch's answer; kubectl prints the API server's warnings (each
/// `Warning: ...` on stderr) as the response arrives, before the result.
fn patched(result: Result<(Vec<String>, String), String>) -> Reply {
    match result {
        Ok((warnings, line)) => {
            let mut reply = Reply::ok(format!("{line}\n"));
            reply.notice = warnings.iter().map(|w| format!("Warning: {w}\n")).collect();
            reply
        }
        Err(e) => Reply::fail(&e),
    }
}

pub fn scale(w: &mut World, f: &Flags, trace: &mut Vec<Record>) -> Reply {
    let (res, names) = match resource_and_names(w, &f.args) {
        Ok(x) => x,
        Err(e) => return Reply::fail(&e),
    };
    let Some(replicas) = f.value("replicas") else {
        return Reply::fail("error: required flag(s) \"replicas\" not set");
    };
    let Ok(replicas) = replicas.parse::<u32>() else {
        return Reply::fail(&format!("error: invalid argument \"{replicas}\" for \"--replicas\" flag"));
    };
    if res.kind != "Deployment" {
        return Reply::fail(&format!("error: vipsim's kubectl scales deployments only, not {}", res.plural));
    }
    let ns = f.namespace().to_string();
    let mut out = Reply::ok(String::new());
    for name in names {
        let r = answer(w.plane(trace, |p| p.scale(&ns, &name, replicas)));
        out.stdout.push_str(&r.stdout);
        out.stderr.push_str(&r.stderr);
        out.exit = out.exit.max(r.exit);
    }
    out
}

/// `kubectl label [--overwrite] TYPE NAME KEY=VALUE... KEY-...` of a node
/// or a Service (`TYPE/NAME` too). Each label is checked as kubectl parses
/// it (`parseLabels`, pkg/cmd/label/label.go): a qualified name, and a
/// value of at most 63 characters of the label alphabet.
pub fn label(w: &mut World, f: &Flags, trace: &mut Vec<Record>) -> Reply {
    let (res, names) = match resource_and_names(w, &f.args) {
        Ok(x) => x,
        Err(e) => return Reply::fail(&e),
    };
    if !matches!(res.kind, "Node" | "Service") {
        return Reply::fail(&format!("error: vipsim's kubectl labels nodes and services, not {}", res.plural));
    }
    // The name, then the label updates (`TYPE/NAME` takes one argument, `TYPE NAME` two).
    let updates_from = if f.args[0].contains('/') { 1 } else { 2 };
    let Some(name) = names.first().cloned() else {
        return Reply::fail("error: one or more resources must be specified as <resource> <name> or <resource>/<name>");
    };
    let updates = f.args.get(updates_from..).unwrap_or_default();
    if updates.is_empty() {
        return Reply::fail("error: at least one label update is required");
    }
    let (mut set, mut remove) = (Vec::new(), Vec::new());
    for spec in updates {
        match (spec.strip_suffix('-'), spec.split_once('=')) {
            (Some(key), None) if is_qualified_name(key) => remove.push(key.to_string()),
            (None, Some((key, value))) if is_qualified_name(key) && is_label_value(value) => {
                set.push((key.to_string(), value.to_string()))
            }
            _ => return Reply::fail(&format!("error: invalid label spec: {spec}")),
        }
    }
    let ns = f.namespace().to_string();
    let overwrite = f.has("overwrite");
    match w.plane(trace, |p| p.label(res.kind, &ns, &name, &set, &remove, overwrite)) {
        Ok((notes, line)) => Reply::ok(notes.iter().map(|n| format!("{n}\n")).chain([format!("{line}\n")]).collect()),
        Err(e) => Reply::fail(&e),
    }
}

/// `cordon`, `uncordon`, `drain` of one node (`node/NAME` or `NAME`).
pub fn node_verb(w: &mut World, verb: &str, f: &Flags, trace: &mut Vec<Record>) -> Reply {
    let Some(node) = f.args.first().map(|n| n.trim_start_matches("node/").trim_start_matches("nodes/").to_string())
    else {
        return Reply::fail(&format!("error: USAGE: kubectl {verb} NODE [flags]"));
    };
    match verb {
        "cordon" => answer(w.plane(trace, |p| p.cordon(&node, true))),
        "uncordon" => answer(w.plane(trace, |p| p.cordon(&node, false))),
        _ => drain(w, &node, f, trace),
    }
}

/// kubectl cordons the node, then refuses to drain past DaemonSet pods
/// without `--ignore-daemonsets` and past pods no controller owns without
/// `--force` (`RunDrain` in kubectl pkg/cmd/drain/drain.go, 1.34): the
/// errors (one, or several as `[a, b]`) on the "unable to drain" line, the
/// node still pending, then each error on a line of its own, exit 1.
fn drain(w: &mut World, node: &str, f: &Flags, trace: &mut Vec<Record>) -> Reply {
    let cordoned = match w.plane(trace, |p| p.cordon(node, true)) {
        Ok(line) => line,
        Err(e) => return Reply::fail(&e),
    };
    let daemon_pods: Vec<String> = system_pods(w)
        .into_iter()
        .filter(|p| p.node == node && p.owner.1 == "DaemonSet")
        .map(|p| format!("{}/{}", p.namespace, p.name))
        .collect();
    let force = f.has("force");
    let mut errors = Vec::new();
    if !f.has("ignore-daemonsets") && !daemon_pods.is_empty() {
        errors.push(format!(
            "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): {}",
            daemon_pods.join(", ")
        ));
    }
    let bare = w.plane(trace, |p| p.bare_pods(node));
    if !bare.is_empty() && !force {
        errors.push(format!("{}: {}", crate::k8s::api::UNMANAGED_FATAL, bare.join(", ")));
    }
    if errors.is_empty() {
        return match w.plane(trace, |p| p.drain_pods(node, force)) {
            Ok(out) => Reply::ok(format!("{cordoned}\n{out}\n")),
            Err(e) => Reply { stdout: format!("{cordoned}\n"), ..Reply::fail(&e) },
        };
    }
    let joined = match errors.as_slice() {
        [one] => one.clone(),
        many => format!("[{}]", many.join(", ")),
    };
    Reply {
        stdout: format!("{cordoned}\n"),
        stderr: format!(
            "error: unable to drain node \"{node}\" due to error: {joined}, continuing command...\nThere are pending nodes to be drained:\n {node}\n{}\n",
            errors.join("\n")
        ),
        exit: 1,
        ..Reply::default()
    }
}

/// `kubectl expose deployment|pod|svc NAME --port ...`: a Service selecting
/// what the object selects, with its ports from the flags or the pod template.
pub fn expose(w: &mut World, f: &Flags, trace: &mut Vec<Record>) -> Reply {
    let (res, names) = match resource_and_names(w, &f.args) {
        Ok(x) => x,
        Err(e) => return Reply::fail(&e),
    };
    let [name] = names.as_slice() else {
        return Reply::fail(
            "error: You must provide the resource and name to expose, e.g. kubectl expose deployment web --port=80",
        );
    };
    let ns = f.namespace().to_string();
    let Some(obj) = objects::list(w, res).into_iter().find(|o| &o.name == name && o.namespace.as_deref() == Some(&ns))
    else {
        return Reply::fail(&format!("Error from server (NotFound): {} \"{name}\" not found", res.plural_ref()));
    };
    let (selector, ports_from): (Option<&Value>, Option<&Value>) = match res.kind {
        "Deployment" | "ReplicaSet" => {
            (obj.json.pointer("/spec/selector/matchLabels"), obj.json.pointer("/spec/template/spec/containers"))
        }
        "Pod" => (obj.json.pointer("/metadata/labels"), obj.json.pointer("/spec/containers")),
        "Service" => (obj.json.pointer("/spec/selector"), None),
        _ => return Reply::fail(&format!("error: cannot expose a {}", res.kind)),
    };
    let selector: BTreeMap<String, String> = match f.value("selector") {
        Some(s) => s.split(',').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k.into(), v.into())).collect_map(),
        None => string_map(selector),
    };
    if selector.is_empty() {
        return Reply::fail(&format!(
            "error: couldn't retrieve selectors via --selector flag or introspection: the {} has no selector",
            res.kind.to_ascii_lowercase()
        ));
    }
    let ports = match expose_ports(f, ports_from, obj.json.pointer("/spec/ports")) {
        Ok(p) => p,
        Err(e) => return Reply::fail(&e),
    };
    let service_type = match f.value("type").unwrap_or("ClusterIP") {
        "ClusterIP" => ServiceType::ClusterIP,
        "NodePort" => ServiceType::NodePort,
        "LoadBalancer" => ServiceType::LoadBalancer,
        other => {
            return Reply::fail(&format!(
                "error: cannot expose a Service of type {other:?}; vipsim supports ClusterIP, NodePort and LoadBalancer"
            ));
        }
    };
    let svc_name = f.value("name").unwrap_or(name).to_string();
    if w.cluster.services.contains_key(&crate::k8s::cluster::key(&ns, &svc_name)) {
        return Reply::fail(&format!("Error from server (AlreadyExists): services \"{svc_name}\" already exists"));
    }
    let spec = ServiceSpec {
        service_type,
        selector,
        ports,
        external_ips: f.value("external-ip").map(|ip| vec![ip.to_string()]).unwrap_or_default(),
        load_balancer_ip: f.value("load-balancer-ip").map(String::from),
        ..ServiceSpec::default()
    };
    let meta =
        ObjectMeta { name: svc_name.clone(), namespace: Some(ns), labels: obj.labels(), ..ObjectMeta::default() };
    let manifest = Manifest::Service { api_version: "v1".into(), metadata: meta, spec, status: None };
    match w.plane(trace, |p| p.apply(&manifest)) {
        Ok(_) => Reply::ok(format!("service/{svc_name} exposed\n")),
        Err(e) => Reply::fail(&e),
    }
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect_map())
        .unwrap_or_default()
}

/// The Service's ports: `--port`/`--target-port`, else the containers'
/// ports (`port-1`, `port-2`... when several), else the exposed Service's.
fn expose_ports(
    f: &Flags,
    containers: Option<&Value>,
    service_ports: Option<&Value>,
) -> Result<Vec<ServicePort>, String> {
    let protocol = f.value("protocol").map(String::from);
    let number = |flag: &str, s: &str| -> Result<u16, String> {
        s.parse().map_err(|_| format!("error: invalid argument \"{s}\" for \"--{flag}\" flag"))
    };
    if let Some(port) = f.value("port") {
        let port = number("port", port)?;
        let target = match f.value("target-port") {
            Some(t) => match t.parse::<u16>() {
                Ok(n) => IntOrString::Int(n),
                Err(_) => IntOrString::String(t.to_string()),
            },
            None => IntOrString::Int(port),
        };
        return Ok(vec![ServicePort { name: None, protocol, port, target_port: Some(target), node_port: None }]);
    }
    let found: Vec<(u16, Option<String>)> = match (containers, service_ports) {
        (Some(cs), _) => cs
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|c| c["ports"].as_array().cloned().unwrap_or_default())
            .filter_map(|p| Some((p["containerPort"].as_u64()? as u16, p["protocol"].as_str().map(String::from))))
            .collect(),
        (None, Some(ps)) => ps
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| Some((p["port"].as_u64()? as u16, p["protocol"].as_str().map(String::from))))
            .collect(),
        (None, None) => Vec::new(),
    };
    if found.is_empty() {
        return Err("error: couldn't find port via --port flag or introspection".into());
    }
    let several = found.len() > 1;
    Ok(found
        .into_iter()
        .enumerate()
        .map(|(i, (port, proto))| ServicePort {
            name: several.then(|| format!("port-{}", i + 1)),
            protocol: protocol.clone().or(proto),
            port,
            target_port: Some(IntOrString::Int(port)),
            node_port: None,
        })
        .collect())
}
