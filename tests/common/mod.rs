//! Helpers shared by the integration tests: load and run shipped scenarios.
#![allow(dead_code)]

use std::rc::Rc;
use vipsim::engine::trace::{Kind, Record};
use vipsim::play::run::Run;
use vipsim::scenario::{Scenario, load};
use vipsim::time::{Duration, Instant};

pub fn scenario(id: &str) -> Scenario {
    let shipped = vipsim::catalog::find(id).unwrap_or_else(|| panic!("no shipped scenario {id}"));
    load::load(shipped.file, shipped.yaml).unwrap_or_else(|e| panic!("{id} does not load: {e:?}"))
}

/// A shipped scenario computed to its end, with the cursor at the end.
pub fn run(id: &str, variant: Option<&str>) -> Run {
    at_end(Run::new(Rc::new(scenario(id)), variant, None, None).expect("builds"))
}

pub fn run_seed(id: &str, seed: u64) -> Run {
    at_end(Run::new(Rc::new(scenario(id)), None, Some(seed), None).expect("builds"))
}

pub fn at_end(mut run: Run) -> Run {
    run.seek(run.len());
    run
}

pub fn jsonl(run: &Run) -> String {
    run.trace().iter().map(|r| r.to_json() + "\n").collect()
}

/// Output of every command whose line contains `needle` and that started at `at`.
pub fn command_at(trace: &[Record], needle: &str, at: Duration) -> (String, i32) {
    trace
        .iter()
        .find_map(|r| match &r.kind {
            Kind::Command { cmd, started, stdout, stderr, exit, .. }
                if cmd.contains(needle) && *started == Instant::ZERO + at =>
            {
                Some((format!("{stdout}{stderr}"), *exit))
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("no command containing `{needle}` started at {at}"))
}

/// Every curl result `(start, exit)` on `host`.
pub fn curls(trace: &[Record], host: &str) -> Vec<(Instant, i32)> {
    trace
        .iter()
        .filter_map(|r| match &r.kind {
            Kind::Command { host: h, cmd, started, exit, .. } if &**h == host && cmd.starts_with("curl") => {
                Some((*started, *exit))
            }
            _ => None,
        })
        .collect()
}
