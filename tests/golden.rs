//! Golden traces: `vipsim run --format jsonl` of every shipped scenario is
//! compared with a checked-in file. After an intended change, regenerate
//! with `UPDATE_GOLDEN=1 cargo test --test all golden::` and review the diff.

use crate::common;

use std::path::PathBuf;

fn golden_path(id: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(format!("{id}.jsonl"))
}

#[test]
fn shipped_scenarios_match_their_golden_traces() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failures = Vec::new();
    for s in vipsim::catalog::shipped() {
        let run = common::run(&s.id, None);
        // `Kind::name` (the UI's class names) is the tag the trace writes.
        for r in run.trace() {
            let tag = format!(r#","kind":"{}","#, r.kind.name());
            assert!(r.to_json().contains(&tag), "{}: {}", r.kind.name(), r.to_json());
        }
        let actual = common::jsonl(&run);
        let path = golden_path(&s.id);
        if update {
            std::fs::write(&path, &actual).expect("write golden");
            continue;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        if expected != actual {
            let line = expected
                .lines()
                .zip(actual.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(expected.lines().count().min(actual.lines().count()));
            failures.push(format!(
                "{}: differs from {} at line {} (expected {} lines, got {})\n  expected: {}\n  actual:   {}",
                s.id,
                path.display(),
                line + 1,
                expected.lines().count(),
                actual.lines().count(),
                expected.lines().nth(line).unwrap_or("<end>"),
                actual.lines().nth(line).unwrap_or("<end>"),
            ));
        }
    }
    assert!(failures.is_empty(), "golden traces differ (UPDATE_GOLDEN=1 to accept):\n{}", failures.join("\n"));
}
