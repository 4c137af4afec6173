//! Tab completion for console lines, from the world at the cursor: command
//! names first, then each command's arguments as its real tool takes them:
//! kubectl's verbs, the resources this cluster serves and their objects'
//! names (in the namespace the line names), the VIPs and host addresses for
//! `curl`, `arping` and `ping`, `ip`'s subcommands, a host's interfaces for
//! `tcpdump -i`, FRR's `vtysh -c` commands. Bash's rule: one candidate is
//! completed with a space after it, several are completed to their common
//! prefix and listed.

use super::COMMANDS;
use super::kubectl;
use crate::sim::World;
use crate::sort::Sort;
use std::net::Ipv4Addr;

/// A word Tab can put in, and what it is ("VIP of default/web").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub word: String,
    pub note: Option<String>,
}

impl Candidate {
    fn plain(word: impl Into<String>) -> Candidate {
        Candidate { word: word.into(), note: None }
    }

    fn noted(word: impl Into<String>, note: impl Into<String>) -> Candidate {
        Candidate { word: word.into(), note: Some(note.into()) }
    }
}

/// The line after Tab, and the candidates when more than one remain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub line: String,
    pub candidates: Vec<Candidate>,
}

/// Completes the last word of `line` typed on `host`.
pub fn complete(w: &World, host: &str, line: &str) -> Completion {
    let (head, word) = match line.rfind(' ') {
        Some(i) => (&line[..=i], &line[i + 1..]),
        None => ("", line),
    };
    let before: Vec<&str> = head.split_whitespace().collect();
    let pool = candidates(w, host, &before, word);
    let mut matches: Vec<Candidate> = pool.into_iter().filter(|c| c.word.starts_with(word)).collect();
    matches.dedup_by(|a, b| a.word == b.word);
    match matches.len() {
        0 => Completion { line: line.to_string(), candidates: Vec::new() },
        1 => {
            // A URL or a `TYPE/` prefix goes on without a space, as bash's kubectl completion does.
            let w = &matches[0].word;
            let space = if w.ends_with('/') { "" } else { " " };
            Completion { line: format!("{head}{w}{space}"), candidates: Vec::new() }
        }
        _ => {
            let prefix = common_prefix(matches.iter().map(|c| c.word.as_str()));
            Completion { line: format!("{head}{prefix}"), candidates: matches }
        }
    }
}

/// The longest common prefix of `words`.
fn common_prefix<'a>(mut words: impl Iterator<Item = &'a str>) -> String {
    let Some(first) = words.next() else { return String::new() };
    let mut prefix = first.to_string();
    for w in words {
        while !w.starts_with(&prefix) {
            prefix.pop();
        }
    }
    prefix
}

/// What may come after the words `before` (the command and its arguments so far).
fn candidates(w: &World, host: &str, before: &[&str], word: &str) -> Vec<Candidate> {
    // `sudo` and `timeout N` only wrap the command that follows.
    let mut args = before;
    loop {
        match args {
            ["sudo", rest @ ..] => args = rest,
            ["timeout", _, rest @ ..] => args = rest,
            ["timeout"] => return Vec::new(),
            _ => break,
        }
    }
    let Some((cmd, rest)) = args.split_first() else {
        let mut names: Vec<Candidate> = COMMANDS.iter().map(|c| Candidate::plain(c.0)).collect();
        names.push(Candidate::plain("sudo"));
        names.stable_sort_by(|a, b| a.word.cmp(&b.word));
        return names;
    };
    match *cmd {
        "kubectl" => kubectl_args(w, rest, word),
        "curl" => match rest.last() {
            Some(&"-m" | &"-o" | &"-w" | &"-H") => Vec::new(),
            _ => addresses(w).into_iter().map(|(ip, note)| Candidate::noted(format!("http://{ip}/"), note)).collect(),
        },
        "arping" | "ping" => match rest.last() {
            Some(&"-I") => interfaces(w, host),
            Some(&("-c" | "-w" | "-i" | "-W")) => Vec::new(),
            _ => addresses(w).into_iter().map(|(ip, note)| Candidate::noted(ip.to_string(), note)).collect(),
        },
        "tcpdump" => match rest.last() {
            Some(&"-i") => interfaces(w, host),
            Some(&"-c") => Vec::new(),
            Some(&"host") => {
                addresses(w).into_iter().map(|(ip, note)| Candidate::noted(ip.to_string(), note)).collect()
            }
            _ => ["-i", "-n", "-e", "-c", "arp", "tcp", "icmp", "host", "port"].map(Candidate::plain).to_vec(),
        },
        "ip" => {
            let rest: Vec<&str> = rest.iter().copied().filter(|a| *a != "-s").collect();
            match rest.as_slice() {
                [] => ["neigh", "addr", "route", "-s"].map(Candidate::plain).to_vec(),
                ["neigh"] => ["show", "flush"].map(Candidate::plain).to_vec(),
                ["neigh", "flush"] => vec![Candidate::plain("all")],
                _ => Vec::new(),
            }
        }
        "conntrack" if rest.is_empty() => ["-L", "-F"].map(Candidate::plain).to_vec(),
        "cilium-dbg" | "cilium" => match rest {
            [] => ["service", "status"].map(Candidate::plain).to_vec(),
            ["service"] => vec![Candidate::plain("list")],
            ["status"] => vec![Candidate::plain("--brief")],
            _ => Vec::new(),
        },
        "vtysh" => match rest {
            [] => vec![Candidate::plain("-c")],
            ["-c"] => {
                ["\"show ip bgp summary\"", "\"show ip bgp\"", "\"show ip route\""].map(Candidate::plain).to_vec()
            }
            _ => Vec::new(),
        },
        "show" => match rest {
            [] => vec![Candidate::plain("ip")],
            ["ip"] => vec![Candidate::plain("arp")],
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// kubectl's verbs, then resources, then object names (`-n` and `-A`
/// respected); `TYPE/` is followed by that type's names.
fn kubectl_args(w: &World, rest: &[&str], word: &str) -> Vec<Candidate> {
    let mut namespace = Some("default".to_string());
    let mut words: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < rest.len() {
        match rest[i] {
            "-n" | "--namespace" => {
                namespace = rest.get(i + 1).map(|n| n.to_string());
                i += 2;
                continue;
            }
            "-A" | "--all-namespaces" => namespace = None,
            a if a.starts_with("--namespace=") => namespace = Some(a["--namespace=".len()..].to_string()),
            "-l" | "-o" | "--selector" | "--output" | "-c" | "--container" | "--replicas" | "-p" | "-f" => i += 1,
            a if a.starts_with('-') => {}
            a => words.push(a),
        }
        i += 1;
    }
    // The value of a flag that is being typed.
    match rest.last() {
        Some(&("-n" | "--namespace")) => {
            return kubectl::object_names(w, "namespaces", None).into_iter().map(Candidate::plain).collect();
        }
        Some(&("-o" | "--output")) => {
            return ["wide", "yaml", "json", "name", "jsonpath="].map(Candidate::plain).to_vec();
        }
        Some(&("-l" | "--selector" | "-c" | "--container" | "-p" | "-f" | "--replicas")) => return Vec::new(),
        _ => {}
    }
    let ns = namespace.as_deref();
    let names = |resource: &str| -> Vec<Candidate> {
        kubectl::object_names(w, resource, ns).into_iter().map(Candidate::plain).collect()
    };
    if let Some((resource, _)) = word.split_once('/') {
        return kubectl::object_names(w, resource, ns)
            .into_iter()
            .map(|n| Candidate::plain(format!("{resource}/{n}")))
            .collect();
    }
    match words.as_slice() {
        [] => kubectl::VERBS.iter().map(|v| Candidate::plain(*v)).collect(),
        ["logs"] => names("pods"),
        ["exec"] => names("pods"),
        ["cordon" | "uncordon" | "drain"] => names("nodes"),
        ["scale"] => ["deployment/", "replicaset/"].map(Candidate::plain).to_vec(),
        ["label"] => ["node", "service"].map(Candidate::plain).to_vec(),
        ["label", resource] => names(resource),
        ["get" | "describe" | "delete" | "patch" | "expose"] => {
            kubectl::resource_words(w).into_iter().map(Candidate::plain).collect()
        }
        ["get" | "describe" | "delete" | "patch" | "expose", resource, ..] => names(resource),
        _ => Vec::new(),
    }
}

/// Addresses worth reaching: each Service's external IPs (the VIPs)
/// first, then every host's addresses, each with what it is.
fn addresses(w: &World) -> Vec<(Ipv4Addr, String)> {
    let mut out: Vec<(Ipv4Addr, String)> = Vec::new();
    for svc in w.cluster.services.values() {
        for ip in &svc.ingress {
            out.push((*ip, format!("VIP of {}", svc.key())));
        }
    }
    for h in &w.net.hosts {
        for iface in &h.ifaces {
            for cidr in &iface.addrs {
                if !out.iter().any(|(ip, _)| *ip == cidr.addr) {
                    out.push((cidr.addr, h.name.to_string()));
                }
            }
        }
    }
    out
}

/// The interfaces of `host`.
fn interfaces(w: &World, host: &str) -> Vec<Candidate> {
    w.net
        .host(host)
        .map(|h| h.ifaces.iter().map(|i| Candidate::plain(i.name.to_string())).collect())
        .unwrap_or_default()
}
