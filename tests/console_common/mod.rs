//! Console commands run on a shipped scenario at an exact instant.
#![allow(dead_code)]

use std::rc::Rc;
use vipsim::engine::trace::Kind;
use vipsim::play::run::Run;
use vipsim::sim::World;
use vipsim::time::Instant;

pub struct Shell {
    run: Run,
}

impl Shell {
    pub fn new(id: &str) -> Shell {
        Shell::variant(id, None)
    }

    pub fn variant(id: &str, variant: Option<&str>) -> Shell {
        let shipped = vipsim::catalog::find(id).unwrap_or_else(|| panic!("no shipped scenario {id}"));
        let scenario = vipsim::scenario::load::load(shipped.file, shipped.yaml).expect("loads");
        Shell { run: Run::new(Rc::new(scenario), variant, None, None).expect("builds") }
    }

    /// A scenario given as text (`inline.yaml`).
    pub fn from_yaml(text: &str) -> Shell {
        let scenario = vipsim::scenario::load::load("inline.yaml", text).unwrap_or_else(|e| panic!("{e:?}"));
        Shell { run: Run::new(Rc::new(scenario), None, None, None).expect("builds") }
    }

    /// The world at exactly `secs` seconds of simulated time.
    pub fn world(&mut self, secs: u64) -> World {
        let t = Instant::from_secs(secs);
        self.run.seek_time(t);
        let mut w = self.run.world().clone();
        vipsim::play::drive::run_until(&mut w, t, &mut Vec::new());
        w
    }

    /// What the console shows for `cmd` on `host` at `secs`, and the exit code.
    pub fn sh(&mut self, secs: u64, host: &str, cmd: &str) -> (String, i32) {
        let mut w = self.world(secs);
        run(&mut w, host, cmd)
    }
}

/// Runs an instant command on a world; returns the shown text and the exit code.
pub fn run(w: &mut World, host: &str, cmd: &str) -> (String, i32) {
    let mut trace = Vec::new();
    let printed = vipsim::console::run_printed(w, host, cmd, &mut trace).expect("runs").expect("finishes at once");
    assert!(trace.iter().any(|r| matches!(r.kind, Kind::Command { .. })), "recorded");
    (printed.text, printed.exit)
}
