//! The console: commands run on a host at the current simulated time,
//! answering like the real tools. `kubectl` talks to the simulated API
//! server (not over the LAN); network tools run in the host's own stack,
//! and the ones that take time (`curl`, `arping`, `ping`, `tcpdump`) run as
//! processes whose output arrives when they finish.
//!
//! Which host has which tool follows a real setup: `cilium-dbg` on the nodes
//! of a Cilium cluster (it lives in the agent), FRR's `vtysh` on routers,
//! IOS's `show ip arp` on Cisco-model routers; elsewhere the shell answers
//! `command not found` (exit 127). Tables go through Go's tabwriter
//! ([`table::tabwrite`]) exactly as the real tools print them, trailing
//! padding included.

pub mod cilium_dbg;
pub mod complete;
pub mod frr;
pub mod jsonpath;
pub mod kubectl;
pub mod netinfo;
pub mod session;
pub mod table;
pub mod yaml;

use crate::engine::trace::{Kind, Record};
use crate::net::HostId;
use crate::net::host::Role;
use crate::net::neighbor::NeighborModel;
use crate::net::tools::{Output, Proc, arping::Arping, curl::Curl, ping::Ping, tcpdump::Tcpdump};
use crate::sim::World;
use crate::time::Duration;

pub use crate::net::tools::shell::{COMMANDS, split};

/// The frames a second a command line asks its host to send by itself:
/// a ping's requests (`ping -i 0.002`: 500); none for the others, whose
/// pace the stack sets (ARP and TCP retransmission timers, arping's
/// second). What a storm check must allow on top of the stack's own.
pub fn asked_rate(line: &str) -> u64 {
    let Ok((argv, _)) = split(line).and_then(crate::net::tools::shell::strip_prefixes) else { return 0 };
    match argv.as_slice() {
        [ping, args @ ..] if ping == "ping" => {
            Ping::from_args(line, args, crate::time::Instant::ZERO).map_or(0, |p| p.requests_per_second())
        }
        _ => 0,
    }
}

/// Runs a command line on `host`. Instant commands record their output
/// now and return it; tools that take time start a process and return
/// `Ok(None)` (their output is recorded when they finish).
pub fn run(w: &mut World, host: &str, line: &str, trace: &mut Vec<Record>) -> Result<Option<String>, String> {
    let Some(call) = parse(w, host, line)? else { return Ok(Some(String::new())) };
    match plan(w, &call, host, line) {
        Plan::Prints(answer) => Ok(Some(record_after(w, host, line, &answer.notice, answer.out, trace))),
        Plan::Starts(p) => {
            w.spawn(call.host, p, trace);
            Ok(None)
        }
        Plan::Changes(c) => Ok(change(w, c, &call, host, line, trace)),
    }
}

/// [`run`], with the exit status the line recorded along with what it
/// printed (an empty line records nothing: status 0).
pub fn run_printed(w: &mut World, host: &str, line: &str, trace: &mut Vec<Record>) -> Result<Option<Printed>, String> {
    let from = trace.len();
    let text = run(w, host, line, trace)?;
    Ok(text.map(|text| {
        let exit = trace[from..]
            .iter()
            .rev()
            .find_map(|r| match &r.kind {
                Kind::Command { exit, .. } => Some(*exit),
                _ => None,
            })
            .unwrap_or_default();
        Printed { text, exit }
    }))
}

/// What an instant command printed, as a terminal shows it, and its exit status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Printed {
    pub text: String,
    pub exit: i32,
}

/// Runs a command line that only reads (`kubectl get`, `ip neigh`, a
/// refused option...) on the world as it is, without copying it: what
/// [`run`] would print and the exit status it would record, byte for
/// byte (an empty line records nothing: status 0). `None` when the line
/// would change the world or take simulated time; only [`run`], on a
/// world of its own, can answer that. The playground asks this at every
/// step (a goal's command, a console line), where copying the world for
/// a read cost more than the read.
pub fn run_read_only(w: &World, host: &str, line: &str) -> Option<Result<Printed, String>> {
    let call = match parse(w, host, line) {
        Ok(Some(call)) => call,
        Ok(None) => return Some(Ok(Printed { text: String::new(), exit: 0 })),
        Err(e) => return Some(Err(e)),
    };
    match plan(w, &call, host, line) {
        Plan::Prints(Answer { notice, mut out }) => {
            out.stderr.insert_str(0, &notice);
            let text = crate::engine::trace::terminal_text(&out.stdout, &out.stderr, notice.len());
            Some(Ok(Printed { text, exit: out.exit }))
        }
        Plan::Starts(_) | Plan::Changes(_) => None,
    }
}

/// A command line split into words, on a host that exists.
struct Call {
    host: HostId,
    /// The words after `timeout N` and `sudo`.
    argv: Vec<String>,
    /// `timeout N`: how long a capture may run.
    window: Option<Duration>,
}

/// Splits `line` and finds its host; `None` for an empty line (which prints nothing).
fn parse(w: &World, host: &str, line: &str) -> Result<Option<Call>, String> {
    let Some(h) = w.net.host_id(host) else { return Err(format!("no host named {host}")) };
    let argv = split(line)?;
    if argv.is_empty() {
        return Ok(None);
    }
    let (argv, window) = crate::net::tools::shell::strip_prefixes(argv)?;
    Ok(Some(Call { host: h, argv, window }))
}

/// What a tool printed at once: `notice` is stderr it printed before its
/// output (kubectl's warnings), so it comes first in the shown text.
struct Answer {
    notice: String,
    out: Output,
}

impl From<Output> for Answer {
    fn from(out: Output) -> Answer {
        Answer { notice: String::new(), out }
    }
}

/// What a command line does, decided on the world as it is.
enum Plan {
    /// It only reads: its output, the world unchanged.
    Prints(Answer),
    /// A tool that takes simulated time (`curl`, `arping`, `ping`,
    /// `tcpdump`): its process, to start on the host.
    Starts(Proc),
    /// It changes the world: [`change`] runs it.
    Changes(Change),
}

/// A line that changes the world.
enum Change {
    /// kubectl's writing verbs (`apply`, `delete`, `rollout`...).
    Kubectl,
    /// `ip neigh flush`.
    FlushNeighbors,
    /// `conntrack -F`.
    FlushConntrack,
}

fn plan(w: &World, call: &Call, host: &str, line: &str) -> Plan {
    let h = call.host;
    let Some(cmd) = call.argv.first() else {
        // `sudo` alone.
        return Plan::Prints(Output { stdout: String::new(), stderr: "usage: sudo command\n".into(), exit: 1 }.into());
    };
    let now = w.now;
    let args = &call.argv[1..];
    let proc = match cmd.as_str() {
        "curl" => Some(Curl::from_args(line, args, now).map(Proc::Curl)),
        "arping" => Some(Arping::from_args(line, args, now).map(Proc::Arping)),
        "ping" => Some(Ping::from_args(line, args, now).map(Proc::Ping)),
        "tcpdump" => Some(Tcpdump::from_args(line, args, call.window, now).map(Proc::Tcpdump)),
        _ => None,
    };
    if let Some(proc) = proc {
        return match proc {
            Ok(_) if !w.net.hosts[h].up => Plan::Prints(
                Output { stdout: String::new(), stderr: format!("{host} is powered off\n"), exit: 255 }.into(),
            ),
            Ok(p) => Plan::Starts(p),
            Err(e) => Plan::Prints(Output { stdout: String::new(), stderr: format!("{e}\n"), exit: 2 }.into()),
        };
    }
    let out = match cmd.as_str() {
        "kubectl" => {
            return match kubectl::read(w, args) {
                Some(reply) => Plan::Prints(Answer {
                    notice: reply.notice,
                    out: Output { stdout: reply.stdout, stderr: reply.stderr, exit: reply.exit },
                }),
                None => Plan::Changes(Change::Kubectl),
            };
        }
        "ip" => match netinfo::ip(w, h, args) {
            Some(out) => out,
            None => return Plan::Changes(Change::FlushNeighbors),
        },
        "conntrack" => match netinfo::conntrack(w, h, args) {
            Some(out) => out,
            None => return Plan::Changes(Change::FlushConntrack),
        },
        "cilium-dbg" | "cilium" => match cilium_node(w, h) {
            Some(node) => cilium_dbg::run(w, node, args),
            None => not_found(cmd),
        },
        "vtysh" if w.net.hosts[h].role == Role::Router => frr::vtysh(w, h, args),
        "show" if cisco(w, h) => match args {
            [ip, arp] if ip == "ip" && arp == "arp" => netinfo::show_ip_arp(w, h),
            _ => Output {
                stdout: String::new(),
                stderr: format!("vipsim: show {}: only `show ip arp` is modelled on this router\n", args.join(" ")),
                exit: 1,
            },
        },
        "help" => Output { stdout: help(), stderr: String::new(), exit: 0 },
        other => not_found(other),
    };
    Plan::Prints(out.into())
}

/// Runs a line that changes the world ([`Plan::Changes`]) and records
/// what it printed; `None` when it keeps running (`rollout status`).
fn change(w: &mut World, c: Change, call: &Call, host: &str, line: &str, trace: &mut Vec<Record>) -> Option<String> {
    let out = match c {
        Change::Kubectl => {
            let reply = kubectl::run(w, host, line, &call.argv[1..], trace);
            if reply.pending {
                return None;
            }
            let out = Output { stdout: reply.stdout, stderr: reply.stderr, exit: reply.exit };
            return Some(record_after(w, host, line, &reply.notice, out, trace));
        }
        Change::FlushNeighbors => netinfo::ip_neigh_flush(w, call.host, &call.argv[1..], trace),
        Change::FlushConntrack => netinfo::conntrack_flush(w, call.host),
    };
    Some(record(w, host, line, out, trace))
}

/// The node a host is, when Cilium runs there (`cilium-dbg` is in its agent).
fn cilium_node(w: &World, h: HostId) -> Option<&str> {
    let node = w.cluster.node_of_host(h)?;
    kubectl::resources::cilium_installed(&w.cluster).then_some(node.name.as_str())
}

/// A router with Cisco's ARP behaviour answers IOS's `show`.
fn cisco(w: &World, h: HostId) -> bool {
    let host = &w.net.hosts[h];
    host.role == Role::Router && host.ifaces.first().is_some_and(|i| i.neighbors.config().model == NeighborModel::Cisco)
}

/// The shell's answer to a command this host does not have (exit 127).
fn not_found(cmd: &str) -> Output {
    let near = table::nearest(cmd, COMMANDS.iter().map(|c| c.0)).filter(|n| *n != cmd);
    let hint = near.map(|n| format!(" (did you mean `{n}`?)")).unwrap_or_default();
    Output {
        stdout: String::new(),
        stderr: format!("vipsim: {cmd}: command not found{hint}; type `help` for the commands this console knows\n"),
        exit: 127,
    }
}

fn record(w: &World, host: &str, cmd: &str, out: Output, trace: &mut Vec<Record>) -> String {
    record_after(w, host, cmd, "", out, trace)
}

/// Records a finished command; `notice` is stderr the tool printed before
/// its output (kubectl's warnings), so it comes first in the shown text.
fn record_after(w: &World, host: &str, cmd: &str, notice: &str, mut out: Output, trace: &mut Vec<Record>) -> String {
    out.stderr.insert_str(0, notice);
    let text = crate::engine::trace::terminal_text(&out.stdout, &out.stderr, notice.len());
    trace.push(Record {
        t: w.now,
        step: w.steps,
        kind: Kind::Command {
            host: host.into(),
            cmd: cmd.into(),
            started: w.now,
            stdout: out.stdout.into(),
            stderr: out.stderr.into(),
            exit: out.exit,
            stderr_first: notice.len(),
        },
    });
    text
}

pub fn help() -> String {
    let mut s = String::from("Commands (run on the selected host at the current simulated time):\n");
    for (name, what) in COMMANDS {
        s.push_str(&format!("  {name:<11} {what}\n"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::asked_rate;

    #[test]
    fn a_command_asks_for_the_frames_its_options_say() {
        // iputils ping: one echo request an interval (-i), one a second by default.
        assert_eq!(asked_rate("ping -c 1500 -i 0.002 172.16.5.20"), 500);
        assert_eq!(asked_rate("sudo ping -c 3 10.0.0.1"), 1);
        assert_eq!(asked_rate("timeout 5 ping -c 9 -i 0.25 10.0.0.1"), 4);
        // The stack sets the pace of the rest; a line that does not parse asks for nothing.
        assert_eq!(asked_rate("curl -s http://10.0.0.1/"), 0);
        assert_eq!(asked_rate("arping -c 3 10.0.0.1"), 0);
        assert_eq!(asked_rate("ping -i x 10.0.0.1"), 0);
        assert_eq!(asked_rate("ping 'unterminated"), 0);
    }
}
