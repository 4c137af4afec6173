//! Generated scenarios keep every invariant: random but valid scenarios
//! over the whole schema (see `fuzz/mod.rs`) are loaded as a user's file
//! would be, run, and checked with `vipsim::play::invariants` (the same checks
//! as `vipsim check --invariants`). A failure is shrunk to a small
//! scenario, written to `<target>/fuzz-failures/<hash>.yaml` with the
//! commands that reproduce it; keep it under `tests/regressions/` once
//! the bug is fixed.
//!
//! `cargo test` runs 256 cases from a fixed seed (`PROPTEST_CASES` sets
//! another count, `PROPTEST_RNG_SEED` another seed);
//! `./dev fuzz [N]` runs many more in an optimised build. For hunting
//! bugs other than one already found, `VIPSIM_FUZZ_IGNORE=name,name`
//! ignores those invariants.
#![cfg(not(target_arch = "wasm32"))]

use crate::fuzz;

use proptest::test_runner::{Config, RngSeed, TestError, TestRunner};
use std::path::PathBuf;
use vipsim::play::invariants::{self, Subject};

/// Cases per `cargo test`: enough to meet every stack, datapath and fault
/// a few dozen times, within about a minute of a debug build on the
/// 2-CPU CI machine.
const CASES: u32 = 256;
/// The seed `cargo test` draws its cases from.
const CI_SEED: u64 = 0x7669_7073_696d;

/// The invariants that fail on a generated scenario (checked as `variant`), as report lines.
fn failures(yaml: &str, variant: Option<&str>, ignore: &[String]) -> Vec<String> {
    let scenario = match vipsim::scenario::load::load("fuzz.yaml", yaml) {
        Ok(s) => s,
        Err(diags) => {
            let d: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
            return vec![format!("the loader rejects a generated scenario:\n{}", d.join("\n"))];
        }
    };
    let subject = Subject::new(scenario, variant, None);
    match invariants::check(&subject, None) {
        Err(e) => vec![format!("the loader accepted a scenario that does not build: {e}")],
        Ok((_, outcomes)) => outcomes
            .into_iter()
            .filter(|o| !ignore.iter().any(|i| i == o.name))
            .filter_map(|o| o.result.err().map(|v| format!("FAIL {}: {v}", o.name)))
            .collect(),
    }
}

/// Writes the shrunk scenario where a developer can run it, with what failed as comments.
fn keep(yaml: &str, why: &str) -> PathBuf {
    let hash = yaml.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3));
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).parent().expect("target dir").join("fuzz-failures");
    std::fs::create_dir_all(&dir).expect("create fuzz-failures");
    let path = dir.join(format!("{hash:016x}.yaml"));
    let header: String = why.lines().map(|l| format!("# {l}\n")).collect();
    std::fs::write(&path, format!("{header}{yaml}")).expect("write the reproducer");
    path
}

#[test]
fn generated_scenarios_keep_every_invariant() {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(CASES);
    let ignore: Vec<String> = std::env::var("VIPSIM_FUZZ_IGNORE")
        .map(|v| v.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    // `cargo test` (and so CI) draws the same cases every time, so a red
    // run is the code's doing, not the dice's; `./dev fuzz` sets
    // PROPTEST_RNG_SEED to a fresh seed (and prints it) to hunt new ones.
    let config = Config::default();
    let rng_seed = match config.rng_seed {
        RngSeed::Random => RngSeed::Fixed(CI_SEED),
        fixed => fixed,
    };
    let mut runner =
        TestRunner::new(Config { cases, failure_persistence: None, max_shrink_iters: 4096, rng_seed, ..config });
    let started = std::time::Instant::now();
    let result = runner.run(&fuzz::scenario(), |s| {
        let failed = failures(&s.yaml(), s.variant(), &ignore);
        if failed.is_empty() { Ok(()) } else { Err(proptest::test_runner::TestCaseError::fail(failed.join("\n"))) }
    });
    let elapsed = started.elapsed().as_secs_f64();
    match result {
        Ok(()) => eprintln!("{cases} generated scenarios kept every invariant in {elapsed:.1} s"),
        Err(TestError::Fail(why, s)) => {
            let yaml = s.yaml();
            // The shrunk case's own failures (the reason proptest kept may be an earlier case's).
            let failed = failures(&yaml, s.variant(), &ignore);
            let why = if failed.is_empty() { why.to_string() } else { failed.join("\n") };
            let path = keep(&yaml, &why);
            let variant = s.variant().map(|v| format!(" --variant {v}")).unwrap_or_default();
            panic!(
                "a generated scenario breaks an invariant (after {elapsed:.1} s):\n{why}\n\n\
                 shrunk reproducer: {}\n  cargo run -- run {0}{variant}\n  cargo run -- check --invariants {0}{variant}\n\n{yaml}",
                path.display()
            );
        }
        Err(e) => panic!("{e}"),
    }
}
