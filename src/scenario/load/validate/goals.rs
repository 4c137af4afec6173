//! Workshop goals: the hosts, nodes and Services they look at must exist.

use super::{Context, closest, one_of, parse_ipv4};
use crate::k8s::objects::Manifest;
use crate::scenario::spec::{
    Check, ClientIpCheck, CommandCheck, ExternalIpCheck, FrameToCheck, LeaderCheck, NeighborCheck, RanCheck,
    RouteCheck, SuccessRateCheck,
};
use crate::wire::Mac;

/// `ip neigh` states a neighbour goal may ask for.
const NEIGHBOR_STATES: &[&str] =
    &["REACHABLE", "STALE", "DELAY", "PROBE", "FAILED", "INCOMPLETE", "PERMANENT", "NOARP"];

pub fn check(cx: &mut Context) {
    for (i, goal) in cx.spec.goals.iter().enumerate() {
        let path = format!("spec.goals[{i}]");
        if let Some(at) = goal.at
            && at > cx.spec.duration
        {
            cx.warn(
                &format!("{path}.at"),
                format!("goal at {at} is after the end of the run ({}): it is checked at the end", cx.spec.duration),
            );
        }
        self::check_of(cx, &format!("{path}.check"), &goal.check);
    }
}

/// One check (of a goal, or of a checkpoint's choice): the hosts, nodes
/// and Services it names exist, its values make sense.
pub(super) fn check_of(cx: &mut Context, path: &str, check: &Check) {
    match check {
        Check::SuccessRate(SuccessRateCheck { host, at_least, at_most, after, before, .. }) => {
            let path = &format!("{path}.successRate");
            cx.expect_host(&format!("{path}.host"), host);
            for (field, percent) in [("atLeast", at_least), ("atMost", at_most)] {
                if let Some(percent) = percent
                    && !(0.0..=100.0).contains(percent)
                {
                    cx.error(&format!("{path}.{field}"), format!("{field} is a percentage (0-100), not {percent}"));
                }
            }
            if let (Some(after), Some(before)) = (after, before)
                && before < after
            {
                cx.error(&format!("{path}.before"), format!("the window ends ({before}) before it starts ({after})"));
            }
        }
        Check::Neighbor(NeighborCheck { host, ip, node, mac, state }) => {
            let path = &format!("{path}.neighbor");
            cx.expect_host(&format!("{path}.host"), host);
            ipv4(cx, &format!("{path}.ip"), ip);
            if let Some(node) = node {
                cx.expect_node(&format!("{path}.node"), node);
            }
            if let Some(mac) = mac
                && let Err(message) = Mac::parse(mac)
            {
                cx.error(&format!("{path}.mac"), message);
            }
            if let Some(state) = state
                && !NEIGHBOR_STATES.iter().any(|s| s.eq_ignore_ascii_case(state))
            {
                let near = closest(state, NEIGHBOR_STATES.iter().copied());
                cx.error(
                    &format!("{path}.state"),
                    format!("unknown neighbour state `{state}`, expected {}", one_of(NEIGHBOR_STATES)),
                )
                .suggest(near);
            }
        }
        Check::Leader(LeaderCheck { service, node }) => {
            let path = &format!("{path}.leader");
            expect_service(cx, &format!("{path}.service"), service);
            if node != "none" && node != "any" {
                cx.expect_node(&format!("{path}.node"), node);
            }
        }
        Check::ExternalIp(ExternalIpCheck { service, ip }) => {
            let path = &format!("{path}.externalIp");
            expect_service(cx, &format!("{path}.service"), service);
            if ip != "<pending>" {
                ipv4(cx, &format!("{path}.ip"), ip);
            }
        }
        Check::ClientIpObserved(ClientIpCheck { ip }) => ipv4(cx, &format!("{path}.clientIpObserved.ip"), ip),
        Check::Command(CommandCheck { host, cmd, .. }) => {
            cx.expect_host(&format!("{path}.command.host"), host);
            if cmd.trim().is_empty() {
                cx.error(&format!("{path}.command.cmd"), "the command to run is empty");
            } else {
                cx.expect_command(&format!("{path}.command.cmd"), cmd);
            }
        }
        Check::Ran(RanCheck { cmd, host, .. }) => {
            if let Some(host) = host {
                cx.expect_host(&format!("{path}.ran.host"), host);
            }
            if cmd.trim().is_empty() {
                cx.error(&format!("{path}.ran.cmd"), "the command to look for is empty");
            }
        }
        // A drop reason is one of the trace's names: the schema says which.
        Check::Floods(_) | Check::Drops(_) => {}
        Check::FrameTo(FrameToCheck { host, ip, node, mac, .. }) => {
            let path = &format!("{path}.frameTo");
            cx.expect_host(&format!("{path}.host"), host);
            ipv4(cx, &format!("{path}.ip"), ip);
            match (node, mac) {
                (Some(_), Some(_)) => {
                    cx.error(&format!("{path}.mac"), "name the destination by `node` or by `mac`, not both");
                }
                (Some(node), None) if node != "none" => {
                    cx.expect_host(&format!("{path}.node"), node);
                }
                (None, Some(mac)) => {
                    if let Err(message) = Mac::parse(mac) {
                        cx.error(&format!("{path}.mac"), message);
                    }
                }
                (None, None) => {
                    cx.error(path, "`frameTo` needs `node` (a host, or `none`) or `mac`: where the packet goes");
                }
                _ => {}
            }
        }
        Check::Route(RouteCheck { host, ip, via }) => {
            let path = &format!("{path}.route");
            cx.expect_host(&format!("{path}.host"), host);
            ipv4(cx, &format!("{path}.ip"), ip);
            for (i, hop) in via.iter().enumerate() {
                cx.expect_host(&format!("{path}.via[{i}]"), hop);
            }
        }
    }
}

fn ipv4(cx: &mut Context, path: &str, text: &str) {
    if let Err(message) = parse_ipv4(text) {
        cx.error(path, message);
    }
}

/// A Service named `namespace/name`, or `name` in `default`.
fn expect_service(cx: &mut Context, path: &str, reference: &str) {
    if cx.service(reference).is_none() {
        let services: Vec<String> = cx
            .manifests
            .iter()
            .filter(|m| matches!(m.manifest(), Manifest::Service { .. }))
            .map(|m| match m.manifest().namespace() {
                Some("default") | None => m.name().to_string(),
                Some(namespace) => format!("{namespace}/{}", m.name()),
            })
            .collect();
        let near = closest(reference, services.iter().map(String::as_str));
        cx.error(path, format!("no Service `{reference}` (write `namespace/name` outside `default`)")).suggest(near);
    }
}
