//! Every scenario under `tests/regressions/` keeps every invariant: each
//! is a failure the scenario fuzzer (`tests/scenario_fuzz.rs`) once found,
//! shrunk, with a comment saying what broke and what fixed it. Adding a
//! file adds a case.
#![cfg(not(target_arch = "wasm32"))]

use vipsim::invariants::{self, Subject};

#[test]
fn every_regression_scenario_keeps_every_invariant() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/regressions exists")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no regression scenarios in {}", dir.display());
    let mut broken = Vec::new();
    for path in &files {
        let name = path.file_name().expect("a file").to_string_lossy().to_string();
        let text = std::fs::read_to_string(path).expect("readable");
        let scenario = match vipsim::scenario::load::load(&name, &text) {
            Ok(s) => s,
            Err(d) => {
                broken.push(format!("{name}: does not load: {}", d[0]));
                continue;
            }
        };
        match invariants::check(&Subject::new(scenario, None, None), None) {
            Err(e) => broken.push(format!("{name}: does not build: {e}")),
            Ok((_, outcomes)) => {
                for o in outcomes {
                    if let Err(v) = o.result {
                        broken.push(format!("{name}: FAIL {}: {v}", o.name));
                    }
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "{} of {} regression scenarios break invariants:\n{}",
        broken.len(),
        files.len(),
        broken.join("\n")
    );
}
