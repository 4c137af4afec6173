//! `kubectl logs` and `kubectl exec`: a pod by name, or the first pod of a
//! DaemonSet/Deployment/ReplicaSet/Service (`ds/speaker`, picked the way
//! kubectl picks, with its "Found N pods" notice), or pods by `-l`. Logs
//! exist for the add-ons vipsim models (MetalLB speaker and controller,
//! Cilium agent); exec runs `cilium-dbg` in a Cilium agent pod.

use super::Reply;
use super::flags::Flags;
use super::objects::{self, Object, SystemPod, system_pods};
use super::resources;
use super::selector::LabelSelector;
use crate::console::cilium_dbg;
use crate::sim::World;
use crate::sort::{Collect, Sort};
use crate::time::Duration;
use serde_json::Value;
use std::collections::BTreeMap;

/// Cilium's agent pod: the container `exec` and `logs` default to, and its init containers.
const CILIUM_DEFAULTED: &str = "Defaulted container \"cilium-agent\" out of: cilium-agent, config (init), mount-cgroup (init), apply-sysctl-overwrites (init), mount-bpf-fs (init), clean-cilium-state (init), install-cni-binaries (init)\n";

/// The pods a target names, best first, and whether it named a controller
/// (then kubectl says which of several it used).
fn target_pods(w: &World, ns: &str, target: &str) -> Result<(Vec<Object>, bool), String> {
    let pods: Vec<Object> = objects::list_in(w, &resources::POD, Some(ns));
    let Some((kind, name)) = target.split_once('/') else {
        return match pods.into_iter().find(|p| p.name == target) {
            Some(p) => Ok((vec![p], false)),
            None => Err(format!("Error from server (NotFound): pods \"{target}\" not found")),
        };
    };
    let res = resources::lookup(&w.cluster, kind)
        .ok_or_else(|| format!("error: the server doesn't have a resource type \"{kind}\""))?;
    if res.kind == "Pod" {
        return target_pods(w, ns, name);
    }
    let owner = objects::list(w, res)
        .into_iter()
        .find(|o| o.name == name && o.namespace.as_deref() == Some(ns))
        .ok_or_else(|| format!("Error from server (NotFound): {} \"{name}\" not found", res.plural_ref()))?;
    let selector = match res.kind {
        "Service" => owner.json.pointer("/spec/selector"),
        "DaemonSet" | "Deployment" | "ReplicaSet" => owner.json.pointer("/spec/selector/matchLabels"),
        _ => return Err(format!("error: cannot attach to {}: not implemented", res.kind_ref())),
    };
    let selector: BTreeMap<String, String> = selector
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect_map())
        .unwrap_or_default();
    let mut matching: Vec<Object> =
        pods.into_iter().filter(|p| selector.iter().all(|(k, v)| p.labels().get(k) == Some(v))).collect();
    if matching.is_empty() {
        return Err(format!("error: no pods found for {}/{name}", res.kind_ref()));
    }
    matching.stable_sort_by_key(logging_order);
    Ok((matching, true))
}

/// kubectl's `ByLogging`: scheduled, running and ready pods first, then older ones.
fn logging_order(p: &Object) -> (bool, bool, bool, Option<crate::time::Instant>, String) {
    let v = &p.json;
    let ready = v["status"]["conditions"]
        .as_array()
        .is_some_and(|cs| cs.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"));
    (v["spec"]["nodeName"].is_null(), v["status"]["phase"] != "Running", !ready, p.created(), p.name.clone())
}

/// The pod's containers; the one to use (`-c` or the first, with
/// kubectl's notice when there are several).
fn pick_container(pod: &Object, sys: Option<&SystemPod>, asked: Option<&str>) -> Result<(String, String), String> {
    let names: Vec<String> = pod.json["spec"]["containers"]
        .as_array()
        .map(|cs| cs.iter().filter_map(|c| c["name"].as_str().map(String::from)).collect())
        .unwrap_or_default();
    if let Some(c) = asked {
        return if names.iter().any(|n| n == c) {
            Ok((c.to_string(), String::new()))
        } else {
            Err(format!("error: container {c} is not valid for pod {}", pod.name))
        };
    }
    let first = names.first().cloned().unwrap_or_default();
    let notice = if sys.is_some_and(|s| s.owner.2 == "cilium") {
        CILIUM_DEFAULTED.to_string()
    } else if names.len() > 1 {
        format!("Defaulted container \"{first}\" out of: {}\n", names.join(", "))
    } else {
        String::new()
    };
    Ok((first, notice))
}

pub fn logs(w: &World, f: &Flags) -> Reply {
    if f.has("follow") {
        return Reply::fail(
            "error: vipsim's kubectl logs cannot --follow: it prints the logs up to this instant of simulated time",
        );
    }
    let ns = f.namespace();
    let (pods, notice) = match (f.value("selector"), f.args.first()) {
        (Some(sel), _) => match LabelSelector::parse(sel) {
            Ok(s) => {
                let pods: Vec<Object> = objects::list_in(w, &resources::POD, Some(ns))
                    .into_iter()
                    .filter(|p| s.matches(&p.labels()))
                    .collect();
                if pods.is_empty() {
                    return Reply {
                        stderr: format!("No resources found in {ns} namespace.\n"),
                        ..Reply::ok(String::new())
                    };
                }
                (pods, String::new())
            }
            Err(e) => return Reply::fail(&format!("error: {e}")),
        },
        (None, Some(target)) => match target_pods(w, ns, target) {
            Ok((mut pods, from_controller)) => {
                let notice = if from_controller && pods.len() > 1 {
                    format!("Found {} pods, using pod/{}\n", pods.len(), pods[0].name)
                } else {
                    String::new()
                };
                pods.truncate(1);
                (pods, notice)
            }
            Err(e) => return Reply::fail(&e),
        },
        (None, None) => {
            return Reply::fail(
                "error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command",
            );
        }
    };
    let system = system_pods(w);
    let mut reply = Reply::ok(String::new());
    reply.notice = notice;
    // With -l and no --tail, kubectl asks for the last 10 lines of each pod
    // (`selectorTail` in ToLogOptions, kubectl 1.34 pkg/cmd/logs/logs.go).
    let default_tail = f.value("selector").is_some().then_some(10);
    for pod in &pods {
        let sys = system.iter().find(|s| s.name == pod.name && Some(s.namespace) == pod.namespace.as_deref());
        match pod_logs(w, f, pod, sys, default_tail) {
            Ok((notice, text)) => {
                reply.notice.push_str(&notice);
                reply.stdout.push_str(&text);
            }
            // sequentialConsumeRequest: the pods before it were printed,
            // then the first error ends the command.
            Err(e) => return Reply { notice: reply.notice, stdout: reply.stdout, ..Reply::fail(&e) },
        }
    }
    reply
}

/// Why the API server cannot reach the kubelet of `node` (port 10250, the
/// node's InternalIP as kubeadm sets `--kubelet-preferred-address-types`),
/// in the words of Go's dialer, or `None` when it answers.
///
/// - Powered off or cut from the LAN: ARP for the node gets no reply and
///   the connect fails with EHOSTUNREACH, "no route to host".
/// - Powered on and booting, the kubelet not started yet: the node's
///   kernel answers the SYN on a closed port with a RST, "connection
///   refused".
///
/// Simplified: the error comes at once, where the API server waits for
/// ARP's three probes (3 s) before EHOSTUNREACH.
pub(super) fn kubelet_unreachable(w: &World, node: &str) -> Option<(std::net::Ipv4Addr, &'static str)> {
    let n = w.cluster.nodes.get(node)?;
    let host = &w.net.hosts[n.host];
    let on_lan = host.ifaces.iter().filter_map(|i| i.link).all(|l| w.net.links[l].up);
    if !host.up || !on_lan {
        Some((n.ip, "no route to host"))
    } else if !n.kubelet_up {
        Some((n.ip, "connection refused"))
    } else {
        None
    }
}

/// One pod's log lines after `--since`/`--tail`, with `--timestamps`/`--prefix`.
fn pod_logs(
    w: &World,
    f: &Flags,
    pod: &Object,
    sys: Option<&SystemPod>,
    default_tail: Option<usize>,
) -> Result<(String, String), String> {
    let (container, notice) = pick_container(pod, sys, f.value("container"))?;
    if f.has("previous") {
        return Err(format!(
            "Error from server (BadRequest): previous terminated container \"{container}\" in pod \"{}\" not found",
            pod.name
        ));
    }
    if pod.json["status"]["phase"] == "Pending" {
        return Err(format!(
            "Error from server (BadRequest): container \"{container}\" in pod \"{}\" is waiting to start: ContainerCreating",
            pod.name
        ));
    }
    let since = match f.value("since").map(Duration::parse).transpose() {
        Ok(d) => d,
        Err(e) => return Err(format!("error: invalid argument for \"--since\" flag: {e}")),
    };
    let tail: Option<usize> = match f.value("tail").map(str::parse::<i64>).transpose() {
        Ok(None) => default_tail,
        Ok(t) => t.and_then(|n| usize::try_from(n).ok()),
        Err(_) => return Err("error: invalid argument for \"--tail\" flag: expected an integer".into()),
    };
    // The API server reads the log from the node's kubelet; when that
    // fails, kubectl prints the server's error.
    let node = pod.json["spec"]["nodeName"].as_str();
    if let Some((ip, why)) = node.and_then(|n| kubelet_unreachable(w, n)) {
        let ns = pod.namespace.as_deref().unwrap_or("default");
        // The query the API server passes on (`LogLocation` in
        // pkg/registry/core/pod/strategy.go: url.Values, keys sorted).
        let mut query = Vec::new();
        if let Some(d) = since {
            // kubectl rounds --since to the nearest second.
            query.push(format!("sinceSeconds={}", (d.as_millis() + 500) / 1000));
        }
        if let Some(n) = tail {
            query.push(format!("tailLines={n}"));
        }
        if f.has("timestamps") {
            query.push("timestamps=true".to_string());
        }
        query.stable_sort();
        let query = if query.is_empty() { String::new() } else { format!("?{}", query.join("&")) };
        return Err(format!(
            "Error from server: Get \"https://{ip}:10250/containerLogs/{ns}/{}/{container}{query}\": dial tcp {ip}:10250: connect: {why}",
            pod.name
        ));
    }
    let lines: Vec<_> = sys
        .map(|s| {
            w.cluster
                .logs
                .iter()
                .filter(|l| l.component == s.logs.0 && l.node == s.logs.1)
                .filter(|l| since.is_none_or(|d| w.now.saturating_since(l.at) <= d))
                .collect()
        })
        .unwrap_or_default();
    let skip = tail.map(|t| lines.len().saturating_sub(t)).unwrap_or(0);
    let mut out = String::new();
    for l in &lines[skip..] {
        if f.has("prefix") {
            out.push_str(&format!("[pod/{}/{container}] ", pod.name));
        }
        if f.has("timestamps") {
            let ts = crate::k8s::timestamp(l.at);
            out.push_str(&format!("{}.{:09}Z ", ts.trim_end_matches('Z'), l.at.as_nanos() % 1_000_000_000));
        }
        out.push_str(&l.line);
        out.push('\n');
    }
    Ok((notice, out))
}

pub fn exec(w: &World, f: &Flags) -> Reply {
    let Some(target) = f.args.first() else {
        return Reply::fail(
            "error: expected 'exec (POD | TYPE/NAME) [-c CONTAINER] [flags] -- COMMAND [args...]'.\nPOD or TYPE/NAME is a required argument for the exec command",
        );
    };
    let Some(command) = f.command.as_ref().filter(|c| !c.is_empty()) else {
        return Reply::fail(if f.args.len() > 1 {
            "error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead"
        } else {
            "error: you must specify at least one command for the container"
        });
    };
    let pods = match target_pods(w, f.namespace(), target) {
        Ok((pods, _)) => pods,
        Err(e) => return Reply::fail(&e),
    };
    let pod = &pods[0];
    let system = system_pods(w);
    let sys = system.iter().find(|s| s.name == pod.name);
    let (container, notice) = match pick_container(pod, sys, f.value("container")) {
        Ok(c) => c,
        Err(e) => return Reply::fail(&e),
    };
    // exec is upgraded through the API server to the node's kubelet, so a
    // kubelet that does not answer fails every pod, modelled or not.
    if let Some((ip, why)) = pod.json["spec"]["nodeName"].as_str().and_then(|n| kubelet_unreachable(w, n)) {
        return Reply::fail(&format!("Error from server: error dialing backend: dial tcp {ip}:10250: connect: {why}"));
    }
    let Some(agent) = sys.filter(|s| s.owner.2 == "cilium") else {
        return Reply::fail(&format!(
            "vipsim: kubectl exec runs cilium-dbg in Cilium agent pods only (kubectl -n kube-system exec ds/cilium -- cilium-dbg service list); {} has no modelled commands",
            pod.name
        ));
    };
    if pod.json["status"]["containerStatuses"][0]["state"]["running"].is_null() {
        return Reply::fail(&format!("error: unable to upgrade connection: container not found (\"{container}\")"));
    }
    let out = match command[0].as_str() {
        "cilium-dbg" | "cilium" => cilium_dbg::run(w, &agent.node, &command[1..]),
        other => crate::net::tools::Output {
            stdout: String::new(),
            stderr: format!(
                "vipsim: only cilium-dbg runs in the Cilium agent here, not {other} (try: cilium-dbg service list)\n"
            ),
            exit: 1,
        },
    };
    Reply { notice, stdout: out.stdout, stderr: out.stderr, exit: out.exit, pending: false }
}
