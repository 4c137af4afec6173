//! `kubectl` against the simulated API server. Reading verbs (`get`,
//! `describe`, `events`, `logs`, `exec`, `version`, `api-resources`) see
//! the cluster as the API server would show it (see [`objects`]); writing
//! verbs (`apply`, `create`, `delete`, `patch`, `scale`, `set image`,
//! `rollout`, `cordon`, `uncordon`, `drain`, `expose`) go through the
//! control plane; `rollout status` keeps watching in simulated time.
//! Errors and exit codes are kubectl's; what vipsim does not model says so
//! in one line.

mod describe;
mod flags;
mod get;
mod logs;
mod mutate;
mod objects;
mod output;
mod printers;
pub mod resources;
mod rollout;
mod selector;

use crate::engine::trace::Record;
use crate::k8s::cluster::Service;
use crate::net::tools::Output;
use crate::sim::World;
use crate::sort::Sort;
use flags::Flags;
use serde_json::json;

/// What kubectl printed: `notice` is what it writes to stderr before its
/// output ("Found 3 pods, using pod/...", deprecation warnings).
#[derive(Debug, Default)]
pub struct Reply {
    pub notice: String,
    pub stdout: String,
    pub stderr: String,
    pub exit: i32,
    /// The command keeps running (`rollout status` watching); its output
    /// is recorded when it finishes.
    pub pending: bool,
}

impl Reply {
    pub fn ok(stdout: String) -> Reply {
        Reply { stdout, ..Reply::default() }
    }

    /// A one-line (or kubectl's multi-line) error, exit code 1.
    pub fn fail(msg: &str) -> Reply {
        Reply { stderr: format!("{msg}\n"), exit: 1, ..Reply::default() }
    }
}

impl From<Output> for Reply {
    fn from(o: Output) -> Reply {
        Reply { notice: String::new(), stdout: o.stdout, stderr: o.stderr, exit: o.exit, pending: false }
    }
}

/// The verbs vipsim implements, for messages and suggestions.
pub const VERBS: &[&str] = &[
    "get",
    "describe",
    "events",
    "logs",
    "exec",
    "apply",
    "create",
    "delete",
    "patch",
    "scale",
    "set",
    "rollout",
    "expose",
    "cordon",
    "uncordon",
    "drain",
    "label",
    "version",
    "api-resources",
];

/// Real kubectl verbs vipsim does not model.
const OTHER_VERBS: &[&str] = &[
    "annotate",
    "attach",
    "auth",
    "autoscale",
    "certificate",
    "cluster-info",
    "completion",
    "config",
    "cp",
    "debug",
    "diff",
    "edit",
    "explain",
    "kustomize",
    "plugin",
    "port-forward",
    "proxy",
    "replace",
    "run",
    "taint",
    "top",
    "wait",
];

/// A kubectl line read as far as its verb and flags.
struct Parsed<'a> {
    verb: &'a str,
    /// The verb whose flags apply (`rollout status`).
    flag_set: String,
    f: Flags,
}

/// Finds the verb and parses its flags; kubectl's answer when it stops
/// there (its help, an unknown verb, a bad flag).
fn parse(args: &[String]) -> Result<Parsed<'_>, Reply> {
    // The verb is the first argument that is not a flag (or a flag's value).
    let verb_at = verb_position(args);
    let Some(i) = verb_at.filter(|i| args[*i] != "help") else {
        return Err(Reply::ok(format!(
            "kubectl controls the Kubernetes cluster manager.\n\nvipsim's kubectl supports: {}\n",
            VERBS.join(", ")
        )));
    };
    let verb = args[i].as_str();
    let mut rest: Vec<String> = args[..i].iter().chain(&args[i + 1..]).cloned().collect();
    if !VERBS.contains(&verb) {
        return Err(unknown_verb(verb));
    }
    // `rollout` takes its subcommand's flags.
    let mut flag_set = verb.to_string();
    if verb == "rollout" {
        let Some(j) = verb_position(&rest) else {
            return Err(Reply::fail(&format!(
                "error: vipsim's kubectl rollout needs a subcommand: {}",
                rollout::ROLLOUT_SUBCOMMANDS.join(", ")
            )));
        };
        let sub = rest.remove(j);
        if matches!(sub.as_str(), "pause" | "resume") {
            return Err(Reply::fail(&format!(
                "error: vipsim's kubectl does not model \"rollout {sub}\"; it supports rollout {}",
                rollout::ROLLOUT_SUBCOMMANDS.join(", ")
            )));
        }
        if !rollout::ROLLOUT_SUBCOMMANDS.contains(&sub.as_str()) {
            let hint = crate::console::table::nearest(&sub, rollout::ROLLOUT_SUBCOMMANDS.iter().copied())
                .map(|v| format!("\n\nDid you mean this?\n\t{v}"))
                .unwrap_or_default();
            return Err(Reply::fail(&format!("error: unknown command \"{sub}\" for \"kubectl rollout\"{hint}")));
        }
        flag_set = format!("rollout {sub}");
    }
    let f = match Flags::parse(&flag_set, &rest) {
        Ok(f) => f,
        Err(e) => {
            return Err(Reply::fail(&format!(
                "error: {e} (vipsim's kubectl {flag_set} supports {})",
                flags::summary(&flag_set)
            )));
        }
    };
    if f.command.is_some() && verb != "exec" {
        return Err(Reply::fail(&format!("error: unexpected args after --: kubectl {verb} takes no command")));
    }
    Ok(Parsed { verb, flag_set, f })
}

/// `kubectl ARGS` when it only reads: a reading verb, or a line kubectl
/// refuses before it reaches its verb. `None` for a writing verb, which
/// only [`run`] runs (`rollout` among them: `status` keeps watching).
pub fn read(w: &World, args: &[String]) -> Option<Reply> {
    let Parsed { verb, f, .. } = match parse(args) {
        Ok(p) => p,
        Err(reply) => return Some(reply),
    };
    Some(match verb {
        "get" => get::get(w, &f),
        "describe" => describe::describe(w, &f),
        "events" => get::events(w, &f),
        "logs" => logs::logs(w, &f),
        "exec" => logs::exec(w, &f),
        "version" => version(&f),
        "api-resources" => api_resources(w),
        _ => return None,
    })
}

/// Runs `kubectl ARGS` typed as `line` on `host`.
pub fn run(w: &mut World, host: &str, line: &str, args: &[String], trace: &mut Vec<Record>) -> Reply {
    if let Some(reply) = read(w, args) {
        return reply;
    }
    let Parsed { verb, flag_set, f } = match parse(args) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    match verb {
        "apply" | "create" => mutate::apply(w, &f, trace),
        "delete" => mutate::delete(w, &f, trace),
        "patch" => mutate::patch(w, &f, trace),
        "scale" => mutate::scale(w, &f, trace),
        "set" => rollout::set(w, &f, trace),
        "rollout" => {
            let sub = flag_set.trim_start_matches("rollout ");
            rollout::rollout(w, &f, sub, rollout::Line { host, line }, trace)
        }
        "expose" => mutate::expose(w, &f, trace),
        "cordon" | "uncordon" | "drain" => mutate::node_verb(w, verb, &f, trace),
        "label" => mutate::label(w, &f, trace),
        other => Reply::fail(&format!("error: vipsim's kubectl has no writing verb \"{other}\"")),
    }
}

/// Skips leading global flags (`-n kube-system get ...`).
fn verb_position(args: &[String]) -> Option<usize> {
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "-n" | "--namespace" => i += 2,
            a if a.starts_with('-') => i += 1,
            _ => return Some(i),
        }
    }
    None
}

fn unknown_verb(verb: &str) -> Reply {
    if OTHER_VERBS.contains(&verb) {
        return Reply::fail(&format!(
            "error: vipsim's kubectl does not model \"{verb}\"; it supports: {}",
            VERBS.join(", ")
        ));
    }
    let hint = crate::console::table::nearest(verb, VERBS.iter().copied())
        .map(|v| format!("\n\nDid you mean this?\n\t{v}"))
        .unwrap_or_default();
    Reply::fail(&format!("error: unknown command \"{verb}\" for \"kubectl\"{hint}"))
}

fn version(f: &Flags) -> Reply {
    let v = crate::k8s::KUBELET_VERSION;
    let mut out = format!("Client Version: {v}\nKustomize Version: v5.7.1\n");
    if !f.has("client") {
        out.push_str(&format!("Server Version: {v}\n"));
    }
    Reply::ok(out)
}

/// `kubectl api-resources`: what this cluster serves.
fn api_resources(w: &World) -> Reply {
    let mut rows = vec![["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"].map(String::from).to_vec()];
    let mut served = resources::served(&w.cluster);
    served.stable_sort_by_key(|r| (r.group, r.plural));
    for r in served {
        rows.push(vec![
            r.plural.to_string(),
            r.short.join(","),
            r.api_version(),
            r.namespaced.to_string(),
            r.kind.to_string(),
        ]);
    }
    Reply::ok(crate::console::table::render(&rows))
}

/// kubectl's EXTERNAL-IP column of a Service (for goals and the UI).
pub fn external_ip_column(s: &Service) -> String {
    let ingress: Vec<_> = s.ingress.iter().map(|ip| json!({"ip": ip.to_string()})).collect();
    let service_type = match s.spec.service_type {
        crate::k8s::objects::ServiceType::LoadBalancer => "LoadBalancer",
        crate::k8s::objects::ServiceType::NodePort => "NodePort",
        crate::k8s::objects::ServiceType::ClusterIP => "ClusterIP",
    };
    let v = json!({
        "spec": {"type": service_type, "externalIPs": s.spec.external_ips},
        "status": {"loadBalancer": {"ingress": ingress}},
    });
    printers::external_ip(&v, false)
}

/// The resource names this cluster serves, as the console's Tab completion
/// offers them: each plural, then its short names.
pub fn resource_words(w: &World) -> Vec<String> {
    let mut words = Vec::new();
    for r in resources::served(&w.cluster) {
        words.push(r.plural.to_string());
        words.extend(r.short.iter().map(|s| s.to_string()));
    }
    words
}

/// The names of the objects of `resource` (any spelling kubectl accepts)
/// in `namespace` (every namespace when `None`), for Tab completion.
pub fn object_names(w: &World, resource: &str, namespace: Option<&str>) -> Vec<String> {
    let Some(res) = resources::lookup(&w.cluster, resource) else { return Vec::new() };
    objects::list(w, res)
        .into_iter()
        .filter(|o| !res.namespaced || namespace.is_none_or(|n| o.namespace.as_deref() == Some(n)))
        .map(|o| o.name)
        .collect()
}
