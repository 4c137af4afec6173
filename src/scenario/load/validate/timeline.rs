//! Timeline steps: one action each, at a time within the run, naming hosts
//! and manifests that exist.
//!
//! Which hosts a fault applies to:
//! - `power-off`, `power-on`, `partition`, `heal`, `drop`, `clear-rules`:
//!   any host;
//! - `stop-speaker`, `start-speaker` (the MetalLB speaker / Cilium agent run
//!   on nodes), `cordon`, `uncordon`, `drain`, and `delete-pod` (a pod on
//!   that node: one pinned elsewhere by `nodeName` is an error here, one
//!   the scheduler put elsewhere fails when the step runs): nodes;
//! - `flush-arp`, `set-garp`, `set-arp-timeout`: the client and the router,
//!   whose neighbour caches the lessons are about.

use super::{Context, closest, parse_ipv4, role_name};
use crate::k8s::objects::Manifest;
use crate::net::neighbor::NeighborModel;
use crate::scenario::load::ParsedManifest;
use crate::scenario::spec::{FaultAction, FaultStep, HostRole, Step, StepAction};
use crate::time::Duration;

/// More repetitions than this is a typo (`every: 1ms` for `1s`), and would
/// make the run crawl.
const MAX_REPETITIONS: u64 = 100_000;

pub fn check(cx: &mut Context) {
    let mut previous_at = Duration::ZERO;
    for (i, step) in cx.spec.timeline.iter().enumerate() {
        let path = format!("spec.timeline[{i}]");
        timing(cx, &path, step, previous_at);
        previous_at = step.at;
        self::step(cx, &path, step);
    }
    step_names(cx);
    variants(cx);
    for (i, step) in cx.spec.solution.iter().enumerate() {
        self::step(cx, &format!("spec.solution[{i}]"), step);
    }
}

/// Step names are handles for variants: unique, and every `drop` names one.
fn step_names(cx: &mut Context) {
    let mut seen = std::collections::BTreeSet::new();
    for (i, step) in cx.spec.timeline.iter().enumerate() {
        if let Some(name) = &step.name
            && !seen.insert(name.as_str())
        {
            cx.error(&format!("spec.timeline[{i}].name"), format!("duplicate step name `{name}`"));
        }
    }
}

fn variants(cx: &mut Context) {
    let names: Vec<&str> = cx.spec.timeline.iter().filter_map(|s| s.name.as_deref()).collect();
    let mut seen = std::collections::BTreeSet::new();
    for (i, v) in cx.spec.variants.iter().enumerate() {
        let path = format!("spec.variants[{i}]");
        if !seen.insert(v.name.as_str()) {
            cx.error(&format!("{path}.name"), format!("duplicate variant name `{}`", v.name));
        }
        for (j, d) in v.drop.iter().enumerate() {
            if !names.contains(&d.as_str()) {
                let near = closest(d, names.iter().copied());
                cx.error(&format!("{path}.drop[{j}]"), format!("no timeline step named `{d}`")).suggest(near);
            }
        }
        for (j, step) in v.add.iter().enumerate() {
            let p = format!("{path}.add[{j}]");
            if step.at > cx.spec.duration {
                cx.warn(
                    &format!("{p}.at"),
                    format!("step at {} is after the end of the run ({}): it never runs", step.at, cx.spec.duration),
                );
            }
            self::step(cx, &p, step);
        }
    }
}

/// One step's action (reading made it exactly one), naming hosts and
/// manifests that exist.
fn step(cx: &mut Context, path: &str, step: &Step) {
    let path = format!("{path}.{}", step.action.key());
    match &step.action {
        StepAction::Run(run) => {
            cx.expect_host(&format!("{path}.host"), &run.host);
            if run.cmd.trim().is_empty() {
                cx.error(&format!("{path}.cmd"), "the command is empty");
            } else {
                cx.expect_command(&format!("{path}.cmd"), &run.cmd);
            }
        }
        StepAction::Apply(name) => apply(cx, &path, name),
        StepAction::Delete(name) => {
            resolve(cx, &path, name);
        }
        StepAction::Fault(fault) => self::fault(cx, &path, fault),
        StepAction::Note(_) | StepAction::Predict(_) => {}
    }
}

fn timing(cx: &mut Context, path: &str, step: &Step, previous_at: Duration) {
    let duration = cx.spec.duration;
    if step.at > duration {
        cx.warn(
            &format!("{path}.at"),
            format!("step at {} is after the end of the run ({duration}): it never runs", step.at),
        );
    } else if step.at < previous_at {
        let message = format!(
            "steps run in time order: \
             this one (at {}) runs before the one above it (at {previous_at})",
            step.at
        );
        cx.warn(&format!("{path}.at"), message);
    }
    match (step.every, step.until) {
        (None, Some(_)) => {
            cx.error(&format!("{path}.until"), "`until` ends a repetition: it needs `every`");
        }
        (Some(every), _) if every == Duration::ZERO => {
            cx.error(&format!("{path}.every"), "`every` must be more than 0s");
        }
        (Some(every), until) => {
            // Repetitions stop at `until`, or at the end of the run.
            let end = until.unwrap_or(duration).min(duration);
            if let Some(until) = until
                && until < step.at
            {
                cx.error(&format!("{path}.until"), format!("`until` ({until}) is before `at` ({})", step.at));
            } else if end.saturating_sub(step.at).as_nanos() / every.as_nanos() >= MAX_REPETITIONS {
                let message =
                    format!("repeating every {every} from {} to {end} is more than {MAX_REPETITIONS} times", step.at);
                cx.error(&format!("{path}.every"), message);
            }
        }
        (None, None) => {}
    }
}

/// `apply` brings in a held manifest; one without the hold is applied at t=0 already.
fn apply(cx: &mut Context, path: &str, name: &str) {
    if let Some(manifest) = resolve(cx, path, name)
        && !manifest.loaded.held
    {
        let message = format!("`{name}` is already applied at t=0 (it has no `vipsim/hold: \"true\"` annotation)");
        cx.warn(path, message);
    }
}

/// The manifest a step names as `name` or `Kind/name`, reporting it if
/// there is none or the name is ambiguous.
fn resolve<'a>(cx: &mut Context<'a>, path: &str, reference: &str) -> Option<&'a ParsedManifest> {
    let (kind, name) = match reference.split_once('/') {
        Some((kind, name)) => (Some(kind), name),
        None => (None, reference),
    };
    // A `vipsim/id` handle names one version of an object exactly.
    if let Some(by_id) = cx
        .manifests
        .iter()
        .find(|m| m.manifest().metadata().annotations.get("vipsim/id").is_some_and(|id| id == reference))
    {
        return Some(by_id);
    }
    let matches: Vec<&'a ParsedManifest> = cx
        .manifests
        .iter()
        .filter(|m| m.name() == name && kind.is_none_or(|k| m.manifest().kind().eq_ignore_ascii_case(k)))
        .collect();
    if let [first, second, ..] = matches.as_slice()
        && first.manifest().kind() == second.manifest().kind()
    {
        cx.error(
            path,
            format!(
                "several versions of {} `{name}` exist: name one by its `vipsim/id` annotation",
                first.manifest().kind()
            ),
        );
        return None;
    }
    match matches.as_slice() {
        [one] => Some(one),
        [] => {
            let near = closest(name, cx.manifests.iter().map(|m| m.name()));
            cx.error(path, format!("no manifest named `{reference}`")).suggest(near);
            None
        }
        [first, second, ..] => {
            let (a, b) = (first.manifest().kind(), second.manifest().kind());
            cx.error(path, format!("`{reference}` names a {a} and a {b}: write `{a}/{name}` or `{b}/{name}`"));
            None
        }
    }
}

fn fault(cx: &mut Context, path: &str, fault: &FaultStep) {
    if let Some(host) = cx.expect_host(&format!("{path}.host"), &fault.host) {
        let roles = roles_for(fault.action);
        if !roles.contains(&host.role) {
            let wanted: Vec<&str> = roles.iter().map(|&r| role_name(r)).collect();
            let message = format!(
                "`{}` applies to a {}, and `{}` is a {}",
                fault.action.name(),
                wanted.join(" or "),
                host.name,
                role_name(host.role)
            );
            cx.error(&format!("{path}.action"), message);
        }
    }
    parameters(cx, path, fault);
    if fault.arp_timeout == Some(crate::time::Duration::ZERO) {
        cx.error(&format!("{path}.arpTimeout"), crate::net::neighbor::ZERO_ARP_TIMEOUT);
    }
    if fault.action == FaultAction::SetArpTimeout
        && let Some(host) = cx.spec.hosts.iter().find(|h| h.name == fault.host)
        && host.neighbor.as_ref().and_then(|n| n.model) != Some(NeighborModel::Cisco)
    {
        // Warned, as the field is on such a host; the fault fails when it runs.
        cx.warn(&format!("{path}.action"), crate::net::neighbor::no_arp_timeout_on_linux(&fault.host));
    }
    if let Some(pod) = &fault.pod {
        pod_or_deployment(cx, &format!("{path}.pod"), pod, &fault.host);
    }
    // `proto` and `direction` are read as the engine's own types.
    if let Some(from) = &fault.from
        && let Err(message) = parse_ipv4(from)
    {
        cx.error(&format!("{path}.from"), message);
    }
}

fn roles_for(action: FaultAction) -> &'static [HostRole] {
    use FaultAction::*;
    match action {
        PowerOff | PowerOn | Partition | Heal | Drop | ClearRules => {
            &[HostRole::Client, HostRole::Node, HostRole::Router]
        }
        StopSpeaker | StartSpeaker | Cordon | Uncordon | Drain | DeletePod => &[HostRole::Node],
        FlushArp | SetGarp | SetArpTimeout => &[HostRole::Client, HostRole::Router],
    }
}

/// Each parameter belongs to one action: required there, an error elsewhere
/// (it would be silently ignored).
fn parameters(cx: &mut Context, path: &str, fault: &FaultStep) {
    let parameters = [
        ("pod", fault.pod.is_some(), &[FaultAction::DeletePod][..], true),
        ("garp", fault.garp.is_some(), &[FaultAction::SetGarp][..], true),
        ("arpTimeout", fault.arp_timeout.is_some(), &[FaultAction::SetArpTimeout][..], true),
        ("proto", fault.proto.is_some(), &[FaultAction::Drop][..], false),
        ("from", fault.from.is_some(), &[FaultAction::Drop][..], false),
        ("direction", fault.direction.is_some(), &[FaultAction::Drop][..], false),
    ];
    let action = fault.action.name();
    for (name, present, actions, required) in parameters {
        let belongs = actions.contains(&fault.action);
        if present && !belongs {
            cx.error(&format!("{path}.{name}"), format!("`{name}` does not apply to `{action}`"));
        } else if !present && belongs && required {
            cx.error(path, format!("`{action}` needs `{name}`"));
        }
    }
}

/// `delete-pod` names a Pod, or a Deployment to delete one of its pods,
/// running on the fault's host. A manifest that pins its pods to another
/// node (`nodeName`) can never have one there.
fn pod_or_deployment(cx: &mut Context, path: &str, name: &str, host: &str) {
    let candidates: Vec<&str> = cx
        .manifests
        .iter()
        .filter(|m| matches!(m.manifest(), Manifest::Pod { .. } | Manifest::Deployment { .. }))
        .map(|m| m.name())
        .collect();
    if !candidates.contains(&name) {
        let near = closest(name, candidates.iter().copied());
        cx.error(path, format!("no Pod or Deployment named `{name}`")).suggest(near);
        return;
    }
    let pinned: Vec<(&'static str, String)> = cx
        .manifests
        .iter()
        .filter(|m| m.name() == name)
        .filter_map(|m| match m.manifest() {
            Manifest::Pod { spec, .. } => Some(("Pod", spec.node_name.clone()?)),
            Manifest::Deployment { spec, .. } => Some(("Deployment", spec.template.spec.node_name.clone()?)),
            _ => None,
        })
        .collect();
    // Every version of the object in the file pins it elsewhere.
    let all = cx
        .manifests
        .iter()
        .filter(|m| m.name() == name && matches!(m.manifest(), Manifest::Pod { .. } | Manifest::Deployment { .. }))
        .count();
    if !pinned.is_empty() && pinned.len() == all && pinned.iter().all(|(_, node)| node != host) {
        let (kind, node) = &pinned[0];
        cx.error(
            path,
            format!("{kind} `{name}` runs on `{node}` (its nodeName), not on `{host}`: a delete-pod acts on a pod of the host it names"),
        );
    }
}
