//! Goals: checks over a run's state and trace, evaluated by `vipsim check`,
//! by the playground's workshop panel, and live while a learner acts.

use crate::console::Printed;
use crate::engine::trace::{Forwarded, Kind, Record};
use crate::play::run::Run;
use crate::scenario::spec::{
    Check, ClientIpCheck, CommandCheck, DropsCheck, ExternalIpCheck, FloodsCheck, FrameToCheck, Goal, LeaderCheck,
    NeighborCheck, RanCheck, RouteCheck, SuccessRateCheck,
};
use crate::sim::World;
use crate::sort::Sort;
use crate::time::Instant;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GoalResult {
    pub name: String,
    pub pass: bool,
    /// What was found, in an English sentence ("router has 192.0.2.10 -> 02:.. (worker-1)").
    pub detail: String,
    /// The same as data, for the playground to say in the learner's language.
    #[serde(skip)]
    pub found: Found,
}

/// What a goal's check found. Its `Display` is the English sentence of
/// `vipsim check`; the playground words it from its catalogue.
#[derive(Clone, Debug, PartialEq)]
pub enum Found {
    /// No command of a success-rate check ran in its window.
    NoRuns {
        host: String,
    },
    Succeeded {
        ok: usize,
        total: usize,
    },
    NoHost {
        host: String,
    },
    BadIp {
        ip: String,
    },
    NoEntry {
        host: String,
        ip: String,
    },
    Entry {
        host: String,
        ip: String,
        mac: Option<String>,
        owner: Option<String>,
        state: String,
    },
    /// Who announces the Service now (`None`: nobody).
    AnnouncedBy {
        service: String,
        by: Option<String>,
    },
    ExternalIp {
        service: String,
        shown: String,
    },
    NoService {
        service: String,
    },
    /// The client addresses the pods saw, sorted, each once.
    PodsSaw {
        clients: Vec<String>,
    },
    /// A command check's output.
    Output {
        text: String,
    },
    /// A command check named a command that takes simulated time.
    TakesTime,
    /// The console refused a command check's command (its own message).
    Refused {
        message: String,
    },
    Drops {
        n: u64,
        reason: String,
    },
    Ran {
        line: String,
    },
    NotRanYet {
        cmd: String,
    },
    Floods {
        n: u64,
    },
    /// The first packet `host` sent to `ip` went to this host's MAC
    /// (`to`: the owner's name, or the MAC when nobody owns it).
    FrameTo {
        host: String,
        ip: String,
        to: String,
    },
    /// `host` sent no packet to `ip`.
    NoFrameTo {
        host: String,
        ip: String,
    },
    /// `host`'s most specific route to `ip` goes via these hosts (none: on-link).
    Route {
        host: String,
        ip: String,
        via: Vec<String>,
    },
}

impl Found {
    /// The share of successful runs, in percent.
    pub fn rate(ok: usize, total: usize) -> f64 {
        100.0 * ok as f64 / total.max(1) as f64
    }
}

impl std::fmt::Display for Found {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Found::NoRuns { host } => write!(f, "no matching commands ran on {host} in that window"),
            Found::Succeeded { ok, total } => write!(f, "{ok}/{total} succeeded ({:.1}%)", Found::rate(*ok, *total)),
            Found::NoHost { host } => write!(f, "no host {host}"),
            Found::BadIp { ip } => write!(f, "bad IP {ip}"),
            Found::NoEntry { host, ip } => write!(f, "{host} has no entry for {ip}"),
            Found::Entry { host, ip, mac, owner, state } => write!(
                f,
                "{host} has {ip} -> {} ({}) {state}",
                mac.as_deref().unwrap_or("(none)"),
                owner.as_deref().unwrap_or("?")
            ),
            Found::AnnouncedBy { service, by } => {
                write!(f, "{service} is announced by {}", by.as_deref().unwrap_or("none"))
            }
            Found::ExternalIp { service, shown } => write!(f, "EXTERNAL-IP of {service} is {shown}"),
            Found::NoService { service } => write!(f, "no Service {service}"),
            Found::PodsSaw { clients } if clients.is_empty() => write!(f, "pods saw clients (none)"),
            Found::PodsSaw { clients } => write!(f, "pods saw clients {}", clients.join(", ")),
            Found::Output { text } => write!(f, "output: {text}"),
            Found::TakesTime => {
                write!(f, "the command takes time; goals can only run instant commands (kubectl, ip, conntrack)")
            }
            Found::Refused { message } => write!(f, "{message}"),
            Found::Drops { n, reason } => write!(f, "{n} drops with reason {reason}"),
            Found::Ran { line } => write!(f, "ran: {line}"),
            Found::NotRanYet { cmd } => write!(f, "no successful `{cmd}` yet"),
            Found::Floods { n } => write!(f, "{n} unknown-unicast floods"),
            Found::FrameTo { host, ip, to } => write!(f, "{host} sent its packet for {ip} to {to}"),
            Found::NoFrameTo { host, ip } => write!(f, "{host} sent no packet to {ip}"),
            Found::Route { host, ip, via } if via.is_empty() => write!(f, "{host} reaches {ip} on-link"),
            Found::Route { host, ip, via } => write!(f, "{host} routes {ip} via {}", via.join(", ")),
        }
    }
}

/// What a goal asks the learner to find out for themselves: until a goal
/// that asks it has passed, the playground must not show the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finding {
    /// Who answers for the VIP (the L2 leader, the Lease holder): asked by
    /// a `ran` goal for `arping` (the LAN's own answer) or for the logs in
    /// which the speakers say they announce it (`serviceAnnounced`).
    WhoAnswers,
}

/// What `goal` asks the learner to find, if anything.
pub fn finding(goal: &Goal) -> Option<Finding> {
    match &goal.check {
        Check::Ran(RanCheck { cmd, .. }) if cmd.split_whitespace().next() == Some("arping") => {
            Some(Finding::WhoAnswers)
        }
        Check::Ran(RanCheck { cmd, output_contains: Some(o), .. })
            if cmd.contains("logs") && o.contains("Announced") =>
        {
            Some(Finding::WhoAnswers)
        }
        _ => None,
    }
}

/// Evaluates every goal of the run's scenario, each at its `at` (or at the end).
pub fn evaluate(run: &Run) -> Vec<GoalResult> {
    // Each goal's moment is computed from the run's snapshots: the run
    // itself (its trace, its cursor) is neither copied nor moved.
    run.scenario
        .doc
        .spec
        .goals
        .iter()
        .map(|g| {
            let at = g.at.map(|d| Instant::ZERO + d).unwrap_or(run.end);
            let world = run.world_at_time(at);
            let visible = &run.trace()[..run.trace().partition_point(|r| r.step <= world.steps)];
            check(g, &world, visible, at)
        })
        .collect()
}

fn service_key(name: &str) -> String {
    if name.contains('/') { name.to_string() } else { format!("default/{name}") }
}

/// Evaluates one goal against the world and the trace visible at `at`.
/// Whether a `ran` goal grades the console line `line` typed on `host`:
/// such a line must be recorded in the run (as a timeline action) even
/// when it only reads, because the check looks for it in the trace.
pub fn grades_command(goals: &[Goal], host: &str, line: &str) -> bool {
    goals.iter().any(|g| match &g.check {
        Check::Ran(RanCheck { cmd, host: want, .. }) => {
            line.contains(cmd.as_str()) && want.as_deref().is_none_or(|w| w == host)
        }
        _ => false,
    })
}

pub fn check(goal: &Goal, w: &World, trace: &[Record], at: Instant) -> GoalResult {
    let (pass, found) = match &goal.check {
        Check::SuccessRate(SuccessRateCheck { host, cmd, after, before, within, at_least, at_most }) => {
            let from = Instant::ZERO + after.unwrap_or_default();
            let from = within.map(|w| from.max(at.saturating_sub(w))).unwrap_or(from);
            let until = before.map(|b| Instant::ZERO + b).unwrap_or(at);
            let runs: Vec<i32> = trace
                .iter()
                .filter_map(|r| match &r.kind {
                    Kind::Command { host: h, cmd: c, started, exit, .. }
                        if &**h == host
                            && *started >= from
                            && *started <= until
                            && cmd.as_ref().is_none_or(|want| c.contains(want.as_str())) =>
                    {
                        Some(*exit)
                    }
                    _ => None,
                })
                .collect();
            if runs.is_empty() {
                (false, Found::NoRuns { host: host.clone() })
            } else {
                let ok = runs.iter().filter(|e| **e == 0).count();
                let rate = Found::rate(ok, runs.len());
                let pass = at_least.is_none_or(|m| rate >= m) && at_most.is_none_or(|m| rate <= m);
                (pass, Found::Succeeded { ok, total: runs.len() })
            }
        }
        Check::Neighbor(NeighborCheck { host, ip, node, mac, state }) => {
            let Some(h) = w.net.host(host) else { return fail(goal, Found::NoHost { host: host.clone() }) };
            let Ok(ip) = ip.parse() else { return fail(goal, Found::BadIp { ip: ip.clone() }) };
            let entry = h.ifaces.iter().find_map(|i| i.neighbors.get(ip));
            let want_mac = match (node, mac) {
                (Some(n), _) => w.net.host(n).map(|nh| nh.ifaces[0].mac),
                (None, Some(m)) => crate::wire::Mac::parse(m).ok(),
                (None, None) => None,
            };
            match entry {
                None => (false, Found::NoEntry { host: host.clone(), ip: ip.to_string() }),
                Some(e) => {
                    let owner = e.mac.and_then(|m| {
                        w.net.hosts.iter().find(|x| x.ifaces.iter().any(|i| i.mac == m)).map(|x| x.name.to_string())
                    });
                    let mac_ok = want_mac.is_none_or(|m| e.mac == Some(m));
                    let state_ok = state.as_ref().is_none_or(|s| e.state.to_string().eq_ignore_ascii_case(s));
                    let found = Found::Entry {
                        host: host.clone(),
                        ip: ip.to_string(),
                        mac: e.mac.map(|m| m.to_string()),
                        owner,
                        state: e.state.to_string(),
                    };
                    (mac_ok && state_ok, found)
                }
            }
        }
        Check::Leader(LeaderCheck { service, node }) => {
            let announcers = w.cluster.announcers.get(&service_key(service)).cloned().unwrap_or_default();
            let now = announcers.first().cloned();
            let pass = if node == "any" { !announcers.is_empty() } else { now.as_deref() == Some(node.as_str()) };
            (pass, Found::AnnouncedBy { service: service.clone(), by: now })
        }
        Check::ExternalIp(ExternalIpCheck { service, ip }) => {
            let shown = w.cluster.services.get(&service_key(service)).map(crate::console::kubectl::external_ip_column);
            match shown {
                Some(s) => (s == *ip, Found::ExternalIp { service: service.clone(), shown: s }),
                None => (false, Found::NoService { service: service.clone() }),
            }
        }
        Check::ClientIpObserved(ClientIpCheck { ip }) => {
            let seen: Vec<std::net::Ipv4Addr> = trace
                .iter()
                .filter_map(|r| match &r.kind {
                    Kind::App { client, .. } => Some(*client.ip()),
                    _ => None,
                })
                .collect();
            let found = ip.parse().is_ok_and(|ip| seen.contains(&ip));
            let mut distinct: Vec<String> = seen.iter().map(|c| c.to_string()).collect();
            distinct.stable_sort();
            distinct.dedup();
            (found, Found::PodsSaw { clients: distinct })
        }
        Check::Command(CommandCheck { host, cmd, contains, contains_all, exit }) => match run_command(w, host, cmd) {
            Ok(Some(Printed { text, exit: code })) => {
                let pass = contains.as_ref().is_none_or(|c| text.contains(c.as_str()))
                    && contains_all.iter().all(|c| text.contains(c.as_str()))
                    && exit.is_none_or(|e| e == code);
                (pass, Found::Output { text: text.trim_end().to_string() })
            }
            Ok(None) => (false, Found::TakesTime),
            Err(message) => (false, Found::Refused { message }),
        },
        Check::Drops(DropsCheck { reason, at_least, at_most }) => {
            let n =
                trace.iter().filter(|r| matches!(&r.kind, Kind::Drop { reason: d, .. } if d.code() == *reason)).count()
                    as u64;
            (
                at_least.is_none_or(|m| n >= m) && at_most.is_none_or(|m| n <= m),
                Found::Drops { n, reason: reason.to_string() },
            )
        }
        Check::Ran(RanCheck { cmd, host, output_contains }) => {
            let found = trace.iter().rev().find_map(|r| match &r.kind {
                Kind::Command { host: h, cmd: c, stdout, exit: 0, .. }
                    if c.contains(cmd.as_str())
                        && host.as_ref().is_none_or(|want| **h == **want)
                        && output_contains.as_ref().is_none_or(|o| stdout.contains(o.as_str())) =>
                {
                    Some(format!("{h}$ {c}"))
                }
                _ => None,
            });
            match found {
                Some(line) => (true, Found::Ran { line }),
                None => (false, Found::NotRanYet { cmd: cmd.clone() }),
            }
        }
        Check::Floods(FloodsCheck { after, at_most, at_least }) => {
            let from = Instant::ZERO + after.unwrap_or_default();
            let n = trace
                .iter()
                .filter(|r| {
                    r.t >= from
                        && matches!(
                            r.kind,
                            Kind::Frame { forward: Some(Forwarded::Flood { unknown_unicast: true }), .. }
                        )
                })
                .count() as u64;
            (at_least.is_none_or(|m| n >= m) && at_most.is_none_or(|m| n <= m), Found::Floods { n })
        }
        Check::FrameTo(FrameToCheck { host, ip, node, mac, after }) => {
            let Ok(ip) = ip.parse::<std::net::Ipv4Addr>() else { return fail(goal, Found::BadIp { ip: ip.clone() }) };
            let from = Instant::ZERO + after.unwrap_or_default();
            let sent = first_packet_to(trace, host, ip, from).map(|(_, mac)| mac);
            let want = match (node.as_deref(), mac) {
                (Some("none"), _) => None,
                (Some(n), _) => w.net.host(n).map(|nh| nh.ifaces[0].mac),
                (None, Some(m)) => crate::wire::Mac::parse(m).ok(),
                (None, None) => sent,
            };
            let found = match sent {
                Some(mac) => Found::FrameTo { host: host.clone(), ip: ip.to_string(), to: owner_name(w, mac) },
                None => Found::NoFrameTo { host: host.clone(), ip: ip.to_string() },
            };
            (sent == want, found)
        }
        Check::Route(RouteCheck { host, ip, via }) => {
            let Some(h) = w.net.host(host) else { return fail(goal, Found::NoHost { host: host.clone() }) };
            let Ok(ip) = ip.parse() else { return fail(goal, Found::BadIp { ip: ip.clone() }) };
            let route = h.routes.iter().filter(|r| r.dst.contains(ip)).max_by_key(|r| r.dst.prefix);
            let mut hops: Vec<String> = route
                .map(|r| {
                    r.via
                        .iter()
                        .map(|v| {
                            w.net
                                .hosts
                                .iter()
                                .find(|x| x.owns(*v))
                                .map(|x| x.name.to_string())
                                .unwrap_or_else(|| v.to_string())
                        })
                        .collect()
                })
                .unwrap_or_default();
            let mut want = via.clone();
            hops.stable_sort();
            want.stable_sort();
            (route.is_some() && hops == want, Found::Route { host: host.clone(), ip: ip.to_string(), via: hops })
        }
    };
    GoalResult { name: goal.name.clone(), pass, detail: found.to_string(), found }
}

/// A command goal's command, run on `w` as the console would run it then:
/// what it printed, `None` when it takes simulated time. A reading command
/// (the usual goal: `kubectl get pods -o wide`) reads `w` itself; anything
/// else runs in a copy, so a goal never changes the run it grades. The
/// playground checks goals at every step: copying the world each time
/// cost more than the command.
fn run_command(w: &World, host: &str, cmd: &str) -> Result<Option<Printed>, String> {
    if let Some(read) = crate::console::run_read_only(w, host, cmd) {
        return read.map(Some);
    }
    crate::console::run_printed(&mut w.clone(), host, cmd, &mut Vec::new())
}

/// The first IPv4 packet `host` itself sent to `ip` at or after `from`:
/// its trace index and the destination MAC it went to.
pub fn first_packet_to(
    trace: &[Record],
    host: &str,
    ip: std::net::Ipv4Addr,
    from: Instant,
) -> Option<(usize, crate::wire::Mac)> {
    trace.iter().enumerate().find_map(|(i, r)| match &r.kind {
        Kind::Frame { at, dir: crate::engine::trace::Dir::Tx, frame, forward: None, .. }
            if r.t >= from && **at == *host =>
        {
            match crate::wire::Parsed::of(frame.bytes()) {
                crate::wire::Parsed::Ipv4 { eth_dst, packet, .. } if packet.dst == ip => Some((i, eth_dst)),
                _ => None,
            }
        }
        _ => None,
    })
}

fn owner_name(w: &World, mac: crate::wire::Mac) -> String {
    w.net
        .hosts
        .iter()
        .find(|x| x.ifaces.iter().any(|i| i.mac == mac))
        .map(|x| x.name.to_string())
        .unwrap_or_else(|| mac.to_string())
}

fn fail(goal: &Goal, found: Found) -> GoalResult {
    GoalResult { name: goal.name.clone(), pass: false, detail: found.to_string(), found }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ran(cmd: &str, host: Option<&str>) -> Goal {
        Goal {
            name: cmd.into(),
            at: None,
            check: Check::Ran(RanCheck { cmd: cmd.into(), host: host.map(Into::into), output_contains: None }),
            hints: Vec::new(),
            translations: Default::default(),
        }
    }

    #[test]
    fn finding_the_leader_is_asked_by_arping_and_the_speakers_logs_only() {
        let mut logs = ran("kubectl logs", None);
        assert_eq!(finding(&ran("arping", Some("router"))), Some(Finding::WhoAnswers));
        assert_eq!(finding(&logs), None, "reading any log asks nothing");
        logs.check = Check::Ran(RanCheck {
            cmd: "kubectl logs".into(),
            host: None,
            output_contains: Some("serviceAnnounced".into()),
        });
        assert_eq!(finding(&logs), Some(Finding::WhoAnswers));
        assert_eq!(finding(&ran("kubectl get svc", None)), None);
    }

    #[test]
    fn a_ran_goal_grades_matching_lines_on_its_host_only() {
        let goals = [ran("arping", Some("router")), ran("kubectl logs", None)];
        assert!(grades_command(&goals, "router", "arping -c 3 192.168.1.200"));
        assert!(!grades_command(&goals, "client", "arping -c 3 192.168.1.200"));
        assert!(grades_command(&goals, "node-b", "kubectl logs -n metallb-system -l component=speaker"));
        assert!(!grades_command(&goals, "router", "kubectl get svc"));
        assert!(!grades_command(&[], "router", "arping 192.168.1.200"));
    }
}
