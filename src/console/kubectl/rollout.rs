//! The ways to change a Deployment's pod template besides `apply` and
//! `patch` (see [`super::mutate`]): `kubectl set image`, `kubectl rollout
//! restart|undo`, and the commands that follow a rollout, `kubectl
//! rollout status|history`. The wording is kubectl 1.34's
//! (pkg/cmd/rollout, pkg/cmd/set, pkg/polymorphichelpers).

use super::Reply;
use super::flags::Flags;
use super::resources;
use crate::engine::trace::Record;
use crate::k8s::cluster::{RolloutWatch, key};
use crate::k8s::deployments::{POD_TEMPLATE_HASH, equal_ignore_hash};
use crate::sim::World;
use crate::sort::Sort;
use crate::time::Duration;

/// The `rollout` subcommands vipsim implements.
pub const ROLLOUT_SUBCOMMANDS: &[&str] = &["history", "restart", "status", "undo"];

/// What a command line is run for: where and as what, for a watch that
/// records its output later.
pub struct Line<'a> {
    pub host: &'a str,
    pub line: &'a str,
}

/// `deployment/web`, `deploy web`, `deployments.apps web`: the names of
/// the Deployments named, or kubectl's error.
fn deployments_named(w: &World, args: &[String], verb: &str) -> Result<Vec<String>, String> {
    let Some(first) = args.first() else {
        return Err(format!(
            "error: required resource not specified; vipsim's kubectl {verb} takes deployment/NAME or deployment NAME"
        ));
    };
    let (kind, names) = match first.split_once('/') {
        Some((k, n)) => (k, vec![n.to_string()]),
        None => (first.as_str(), args[1..].to_vec()),
    };
    let res = resources::lookup(&w.cluster, kind)
        .ok_or_else(|| format!("error: the server doesn't have a resource type \"{kind}\""))?;
    if res.kind != "Deployment" {
        return Err(format!("error: vipsim's kubectl {verb} works on deployments, not {}", res.plural));
    }
    if names.is_empty() {
        return Err("error: resource(s) were provided, but no name was specified".into());
    }
    Ok(names)
}

fn not_found(name: &str) -> String {
    format!("Error from server (NotFound): deployments.apps \"{name}\" not found")
}

/// Runs `body` for each named Deployment, gathering kubectl's lines.
fn each(names: Vec<String>, mut body: impl FnMut(&str) -> Result<Option<String>, String>) -> Reply {
    let mut out = Reply::ok(String::new());
    for name in names {
        match body(&name) {
            Ok(Some(line)) => out.stdout.push_str(&format!("{line}\n")),
            Ok(None) => {}
            Err(e) => {
                out.stderr.push_str(&format!("{e}\n"));
                out.exit = 1;
            }
        }
    }
    out
}

/// `kubectl set image deployment/NAME CONTAINER=IMAGE ...` (`*` for every
/// container). Nothing changes and nothing is printed when the images are
/// already those.
pub fn set(w: &mut World, f: &Flags, trace: &mut Vec<Record>) -> Reply {
    let Some((sub, rest)) = f.args.split_first() else {
        return Reply::fail("error: vipsim's kubectl set supports: image");
    };
    if sub != "image" {
        return Reply::fail(&format!("error: vipsim's kubectl does not model \"set {sub}\"; it supports: set image"));
    }
    let (pairs, resources): (Vec<&String>, Vec<&String>) = rest.iter().partition(|a| a.contains('='));
    let resources: Vec<String> = resources.into_iter().cloned().collect();
    if resources.is_empty() {
        return Reply::fail("error: one or more resources must be specified as <resource> <name> or <resource>/<name>");
    }
    if pairs.is_empty() {
        return Reply::fail("error: at least one image update is required");
    }
    let pairs: Vec<(String, String)> =
        pairs.iter().filter_map(|p| p.split_once('=')).map(|(c, i)| (c.to_string(), i.to_string())).collect();
    if pairs.len() > 1 && pairs.iter().any(|(c, _)| c == "*") {
        return Reply::fail(
            "error: all containers are already specified by *, but saw more than one container_name=container_image pairs",
        );
    }
    let names = match deployments_named(w, &resources, "set image") {
        Ok(n) => n,
        Err(e) => return Reply::fail(&e),
    };
    let ns = f.namespace().to_string();
    let mut out = Reply::ok(String::new());
    for name in names {
        let Some(d) = w.cluster.deployments.get(&key(&ns, &name)) else {
            out.stderr.push_str(&format!("{}\n", not_found(&name)));
            out.exit = 1;
            continue;
        };
        let mut spec = d.spec.clone();
        for (container, image) in &pairs {
            let mut found = false;
            for c in spec.template.spec.containers.iter_mut().filter(|c| container == "*" || c.name == *container) {
                c.image = image.clone();
                found = true;
            }
            if !found {
                out.stderr.push_str(&format!("error: unable to find container named \"{container}\"\n"));
                out.exit = 1;
            }
        }
        match w.plane(trace, |p| p.update_deployment(&ns, &name, spec)) {
            Ok(Some(())) => out.stdout.push_str(&format!("deployment.apps/{name} image updated\n")),
            Ok(None) => {}
            Err(e) => {
                out.stderr.push_str(&format!("error: failed to patch image update to pod template: {e}\n"));
                out.exit = 1;
            }
        }
    }
    out
}

/// `kubectl rollout status|restart|undo|history`.
pub fn rollout(w: &mut World, f: &Flags, sub: &str, at: Line, trace: &mut Vec<Record>) -> Reply {
    let names = match deployments_named(w, &f.args, &format!("rollout {sub}")) {
        Ok(n) => n,
        Err(e) => return Reply::fail(&e),
    };
    let ns = f.namespace().to_string();
    match sub {
        "restart" => each(names, |name| restart(w, &ns, name, trace)),
        "undo" => {
            let to = match f.value("to-revision").map(|r| r.parse::<i64>()) {
                None => 0,
                Some(Ok(r)) => r,
                Some(Err(_)) => {
                    let r = f.value("to-revision").unwrap_or_default();
                    return Reply::fail(&format!("error: invalid argument \"{r}\" for \"--to-revision\" flag"));
                }
            };
            each(names, |name| undo(w, &ns, name, to, trace))
        }
        "history" => {
            if f.value("revision").is_some() {
                return Reply::fail(
                    "error: vipsim's kubectl rollout history lists the revisions; it does not print one revision's template (use kubectl get rs -o yaml)",
                );
            }
            each(names, |name| history(w, &ns, name))
        }
        _ => status(w, f, &ns, names, at, trace),
    }
}

/// `kubectl rollout restart`: a new template annotation, so a new
/// ReplicaSet rolls out (objectrestarter.go).
fn restart(w: &mut World, ns: &str, name: &str, trace: &mut Vec<Record>) -> Result<Option<String>, String> {
    let mut spec = w.cluster.deployments.get(&key(ns, name)).ok_or_else(|| not_found(name))?.spec.clone();
    let stamp = crate::k8s::timestamp(w.now);
    spec.template.metadata.annotations.insert("kubectl.kubernetes.io/restartedAt".into(), stamp);
    match w.plane(trace, |p| p.update_deployment(ns, name, spec))? {
        Some(()) => Ok(Some(format!("deployment.apps/{name} restarted"))),
        None => Err(format!(
            "error: failed to create patch for {name}: if restart has already been triggered within the past second, please wait before attempting to trigger another"
        )),
    }
}

/// `kubectl rollout undo [--to-revision=N]`: the Deployment gets the
/// template of the ReplicaSet of that revision (the previous one by
/// default), as kubectl's `DeploymentRollbacker` patches it.
fn undo(w: &mut World, ns: &str, name: &str, to: i64, trace: &mut Vec<Record>) -> Result<Option<String>, String> {
    let d = w.cluster.deployments.get(&key(ns, name)).ok_or_else(|| not_found(name))?.clone();
    if to < 0 {
        return Err(format!("error: unable to find specified revision {to} in history"));
    }
    let mut sets: Vec<_> =
        w.cluster.replica_sets.values().filter(|rs| rs.namespace == ns && rs.deployment == name).collect();
    sets.stable_sort_by_key(|rs| rs.revision());
    let target = if to > 0 {
        sets.iter()
            .find(|rs| rs.revision() == to as u64)
            .ok_or_else(|| format!("error: unable to find specified revision {to} in history"))?
    } else {
        sets.iter().rev().nth(1).ok_or_else(|| format!("error: no rollout history found for deployment \"{name}\""))?
    };
    if equal_ignore_hash(&target.template, &d.spec.template) {
        return Ok(Some(format!(
            "deployment.apps/{name} skipped rollback (current template already matches revision {to})"
        )));
    }
    let mut spec = d.spec.clone();
    spec.template = target.template.clone();
    spec.template.metadata.labels.remove(POD_TEMPLATE_HASH);
    w.plane(trace, |p| p.update_deployment(ns, name, spec))?;
    Ok(Some(format!("deployment.apps/{name} rolled back")))
}

/// `kubectl rollout history`: one line per ReplicaSet revision
/// (`DeploymentHistoryViewer`), CHANGE-CAUSE from the
/// `kubernetes.io/change-cause` annotation.
fn history(w: &World, ns: &str, name: &str) -> Result<Option<String>, String> {
    w.cluster.deployments.get(&key(ns, name)).ok_or_else(|| not_found(name))?;
    let mut sets: Vec<_> =
        w.cluster.replica_sets.values().filter(|rs| rs.namespace == ns && rs.deployment == name).collect();
    if sets.is_empty() {
        return Ok(Some(format!("deployment.apps/{name} \nNo rollout history found.")));
    }
    sets.stable_sort_by_key(|rs| rs.revision());
    let mut table = String::from("REVISION\tCHANGE-CAUSE\n");
    for rs in sets {
        let cause = rs.annotations.get("kubernetes.io/change-cause").map(String::as_str).unwrap_or("<none>");
        table.push_str(&format!("{}\t{cause}\n", rs.revision()));
    }
    Ok(Some(format!("deployment.apps/{name} \n{}", crate::console::table::tabwrite(&table, 0, 2))))
}

/// `kubectl rollout status`: the status line now, and with `--watch` (the
/// default) a line each time the Deployment changes until the rollout is
/// done; the command then finishes in simulated time, like `curl`.
fn status(w: &mut World, f: &Flags, ns: &str, names: Vec<String>, at: Line, trace: &mut Vec<Record>) -> Reply {
    let [name] = names.as_slice() else {
        return Reply::fail("error: vipsim's kubectl rollout status watches one deployment at a time");
    };
    let revision = match f.value("revision").map(|r| r.parse::<u64>()) {
        None | Some(Ok(0)) => None,
        Some(Ok(r)) => Some(r),
        Some(Err(_)) => {
            let r = f.value("revision").unwrap_or_default();
            return Reply::fail(&format!("error: invalid argument \"{r}\" for \"--revision\" flag"));
        }
    };
    let timeout = match f.value("timeout").map(Duration::parse) {
        None => None,
        Some(Ok(t)) if t == Duration::ZERO => None,
        Some(Ok(t)) => Some(t),
        Some(Err(e)) => return Reply::fail(&format!("error: invalid argument for \"--timeout\" flag: {e}")),
    };
    let dkey = key(ns, name);
    let Some(d) = w.cluster.deployments.get(&dkey) else { return Reply::fail(&not_found(name)) };
    if f.switch("watch") == Some(false) {
        return match crate::k8s::deployments::rollout_status(d, revision) {
            Ok((line, _)) => Reply::ok(line),
            Err(e) => Reply::fail(&format!("error: {e}")),
        };
    }
    let watch = RolloutWatch {
        host: at.host.to_string(),
        cmd: at.line.to_string(),
        started: w.now,
        deployment: dkey,
        revision,
        deadline: timeout.map(|t| w.now + t),
        seen: String::new(),
        stdout: String::new(),
    };
    match w.plane(trace, |p| p.watch_rollout(watch)) {
        Ok(()) => Reply { pending: true, ..Reply::default() },
        Err((stdout, stderr, exit)) => Reply { stdout, stderr, exit, ..Reply::default() },
    }
}
