//! The command line as a user runs it: `vipsim check --invariants`.
#![cfg(not(target_arch = "wasm32"))]

use std::process::Command;

fn vipsim(args: &[&str]) -> (String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_vipsim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("vipsim runs");
    (String::from_utf8(out.stdout).expect("utf-8"), out.status.code().expect("an exit code"))
}

/// One line per invariant, in order, and exit 0 when they all hold; a
/// named variant of a shipped scenario is checked as `run` runs it.
#[test]
fn check_invariants_prints_one_line_per_invariant() {
    let all_pass: String = vipsim::play::invariants::NAMES.iter().map(|n| format!("PASS {n}\n")).collect();
    let (out, code) = vipsim(&["check", "--invariants", "tests/regressions/failed-scheduling-reasons-sorted.yaml"]);
    assert_eq!((out.as_str(), code), (format!("{all_pass}10/10 invariants hold\n").as_str(), 0));
    let (out, code) = vipsim(&["check", "--invariants", "metallb-l2-failover", "--variant", "speaker-only"]);
    assert_eq!((out.as_str(), code), (format!("{all_pass}10/10 invariants hold\n").as_str(), 0));
}

/// A violation is a FAIL line with the time, the host, what broke and the
/// record that shows it, and exit code 1. The storm here is scripted: the
/// frame budget allows each timeline command the rate it asks for once
/// (`ping -i 0.002`, iputils' 2 ms floor for users other than root: 500
/// echo requests a second), but this step starts a new such ping every
/// 100 ms while the earlier ones still run (each lasts 2 s), so the client
/// sends far more than one ping's rate: reported once it has sent 901
/// frames within a second.
#[test]
fn a_violation_fails_with_time_host_and_record() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let file = dir.join("storm.yaml");
    std::fs::write(
        &file,
        "apiVersion: vipsim/v1\nkind: Scenario\nmetadata: { name: storm }\nspec:\n  duration: 10s\n  hosts:\n  \
         - { name: client-0, role: client, ip: 192.168.1.50/24 }\n  \
         - { name: node-0, role: node, ip: 192.168.1.11/24 }\n  timeline:\n  \
         - { at: 1s, every: 100ms, run: { host: client-0, cmd: \"ping -i 0.002 -c 1000 192.168.1.11\" } }\n",
    )
    .unwrap();
    let (out, code) = vipsim(&["check", "--invariants", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    let lines: Vec<&str> = out.lines().take(4).collect();
    assert_eq!(
        lines[0],
        "FAIL within_event_limit: 1.548s: the run was stopped at its first storm (see no_storm), before its duration (10s)"
    );
    assert_eq!(
        lines[1],
        "FAIL no_storm: 1.548s client-0: client-0 sent 901 frames of its own between 1.000s and 1.548s (at most 900 a simulated second)"
    );
    assert_eq!(lines[2], "    record: client-0 eth0 tx Echo (ping) request  id=0x2ae6, seq=25/6400, ttl=64");
    assert_eq!(lines[3], "PASS never_addresses_itself");
}
