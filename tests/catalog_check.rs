//! `vipsim check` on everything the catalog ships (issue 13's first "done"
//! criterion): every scenario's goals pass, every exercise's `solution`
//! variant passes, and every exercise's starting variant does not. The
//! list comes from the catalog, so a new scenario or exercise is covered
//! without editing this test.

use std::process::Command;

/// `vipsim check ID [--variant V]`: the exit code and what it printed.
fn check(id: &str, variant: Option<&str>) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vipsim"));
    cmd.arg("check").arg(id);
    if let Some(v) = variant {
        cmd.arg("--variant").arg(v);
    }
    let out = cmd.output().expect("vipsim runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn every_shipped_scenario_passes_its_goals() {
    let shipped = vipsim::catalog::shipped();
    assert!(!shipped.is_empty());
    for s in shipped {
        let (code, out) = check(&s.id, None);
        assert_eq!(code, 0, "`vipsim check {}` failed:\n{out}", s.id);
    }
}

#[test]
fn every_exercise_is_solved_by_its_solution_and_not_before() {
    let exercises = vipsim::catalog::workshop();
    assert!(!exercises.is_empty());
    for s in exercises {
        let (code, out) = check(&s.id, Some("solution"));
        assert_eq!(code, 0, "`vipsim check {} --variant solution` failed:\n{out}", s.id);
        let (code, out) = check(&s.id, None);
        assert_eq!(code, 1, "`vipsim check {}` passes before any action:\n{out}", s.id);
    }
}
