//! The console's shell, as far as it can be read without a world: the
//! command names it knows, splitting a line into words, the `timeout N`
//! and `sudo` prefixes, and the process tools' options. The console runs
//! lines with it; the scenario loader checks every scripted line with
//! [`check`], so a typo is a located error at load rather than a failure
//! every time the step runs.

use super::{arping::Arping, curl::Curl, ping::Ping, tcpdump::Tcpdump};
use crate::time::{Duration, Instant};

/// Command names the console knows, for completion and `help`.
pub const COMMANDS: &[(&str, &str)] = &[
    (
        "kubectl",
        "get/describe/events/logs/exec/apply/create/delete/patch/scale/set image/rollout/expose/cordon/uncordon/drain/version/api-resources",
    ),
    ("curl", "HTTP request over the simulated network (-s -S -m -o -w -H)"),
    ("arping", "ask who has an IP, print the MAC that answers (-c -w -I -b -f -U -A)"),
    ("ping", "ICMP echo (-c -i -W)"),
    (
        "tcpdump",
        "capture frames on an interface (-i -n -e -c, filters: arp tcp icmp host port); without -c or timeout the console presses Ctrl-C after 10 s",
    ),
    ("timeout", "timeout SECONDS COMMAND: bound a capture, e.g. timeout 5 tcpdump -n -i eth0 arp"),
    ("ip", "ip neigh [show [ADDRESS] [dev IFACE] [nud STATE]] | ip -s neigh | ip addr | ip route | ip neigh flush all"),
    ("conntrack", "conntrack -L [-s|-d|-r|-q ADDR] [-p PROTO [--sport|--dport PORT]] | conntrack -F (nodes)"),
    ("cilium-dbg", "cilium-dbg service list | status --brief (nodes of a Cilium cluster)"),
    ("vtysh", "vtysh -c \"show ip bgp summary|show ip bgp|show ip route\" (routers, FRR)"),
    ("show", "show ip arp (Cisco-model routers)"),
    ("help", "this list"),
];

/// Splits a command line like a POSIX shell (quotes, escapes).
pub fn split(line: &str) -> Result<Vec<String>, String> {
    // A line without quotes, escapes or comments (most timeline lines,
    // run again every second) is its words between blanks, as shlex
    // splits it: only those four bytes ever make shlex do more.
    if !line.bytes().any(|b| matches!(b, b'"' | b'\'' | b'\\' | b'#')) {
        return Ok(line.split([' ', '\t', '\n']).filter(|w| !w.is_empty()).map(String::from).collect());
    }
    shlex::split(line).ok_or_else(|| "syntax error: unterminated quote".to_string())
}

/// The words after `timeout N` and `sudo`, and the `timeout`'s window.
/// `argv` is not empty.
pub fn strip_prefixes(mut argv: Vec<String>) -> Result<(Vec<String>, Option<Duration>), String> {
    let mut window = None;
    if argv.first().is_some_and(|a| a == "timeout") {
        let secs: f64 =
            argv.get(1).and_then(|s| s.trim_end_matches('s').parse().ok()).ok_or("timeout: invalid time interval")?;
        window = Some(Duration::from_millis((secs * 1000.0) as u64));
        argv.drain(..2);
        if argv.is_empty() {
            return Err("timeout: missing command".into());
        }
    }
    if argv.first().is_some_and(|a| a == "sudo") {
        argv.remove(0);
    }
    Ok((argv, window))
}

/// Why a line can never run as written.
#[derive(Debug, PartialEq, Eq)]
pub enum LineError {
    /// Not a command line (an unterminated quote, `timeout` without a time).
    Syntax(String),
    /// A command the console does not have (`wget`): its name.
    Unknown(String),
    /// A process tool refused its options, in the tool's words.
    Tool(String),
}

/// What can be said of `line` before it runs: that it splits into words,
/// names a command the console knows, and, for the tools that run as
/// processes (`curl`, `arping`, `ping`, `tcpdump`), that the tool takes
/// its options. Whether a host has the command (`vtysh` on routers) and
/// what kubectl answers depend on the world, and are left to the run.
pub fn check(line: &str) -> Result<(), LineError> {
    let argv = split(line).map_err(LineError::Syntax)?;
    if argv.is_empty() {
        return Ok(());
    }
    let (argv, window) = strip_prefixes(argv).map_err(LineError::Syntax)?;
    let Some((cmd, args)) = argv.split_first() else { return Err(LineError::Syntax("usage: sudo command".into())) };
    let tool = match cmd.as_str() {
        "curl" => Curl::from_args(line, args, Instant::ZERO).map(drop),
        "arping" => Arping::from_args(line, args, Instant::ZERO).map(drop),
        "ping" => Ping::from_args(line, args, Instant::ZERO).map(drop),
        "tcpdump" => Tcpdump::from_args(line, args, window, Instant::ZERO).map(drop),
        name if COMMANDS.iter().any(|(known, _)| *known == name) || name == "cilium" => Ok(()),
        name => return Err(LineError::Unknown(name.to_string())),
    };
    tool.map_err(LineError::Tool)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_that_can_never_run_say_why() {
        assert_eq!(check("curl -s -m 1 http://10.0.0.1/"), Ok(()));
        assert_eq!(check("timeout 5 sudo tcpdump -n -i eth0 arp"), Ok(()));
        assert_eq!(check("kubectl get nodes --no-such-flag"), Ok(()), "kubectl answers at run time");
        assert_eq!(check("wget -q http://10.0.0.1/"), Err(LineError::Unknown("wget".into())));
        assert_eq!(check("curl 'http://10.0.0.1/"), Err(LineError::Syntax("syntax error: unterminated quote".into())));
        assert_eq!(check("timeout x ping 10.0.0.1"), Err(LineError::Syntax("timeout: invalid time interval".into())));
        assert_eq!(
            check("curl -k https://10.0.0.1/"),
            Err(LineError::Tool(
                "curl: option -k is not supported in vipsim (supported: -s -S -m -o -w -H --connect-timeout)".into()
            ))
        );
        assert_eq!(check("sudo"), Err(LineError::Syntax("usage: sudo command".into())));
        assert!(matches!(check("arping 10.0.0.1"), Err(LineError::Tool(e)) if e.contains("-c COUNT")));
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        /// Every line splits into shlex's words, the plain lines that skip
        /// shlex included: lines of words, blanks (space, tab, newline),
        /// quotes, escapes and comments.
        #[test]
        fn lines_split_as_shlex_splits_them(line in "[a-z0-9 \t\n\r\u{c}\"'\\\\#./:%{}-]{0,24}") {
            let ours = split(&line).ok();
            proptest::prop_assert_eq!(ours, shlex::split(&line));
        }

        /// The same on plain lines only (the strategy above draws a quote,
        /// a backslash or a `#` into most lines): many words, every blank
        /// and non-ASCII text.
        #[test]
        fn plain_lines_split_as_shlex_splits_them(line in "[a-zé한0-9 \t\n\r\u{c}\u{a0}./:=-]{0,40}") {
            let ours = split(&line).ok();
            proptest::prop_assert_eq!(ours, shlex::split(&line));
        }
    }
}
