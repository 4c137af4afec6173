//! The world's driver: it steps a [`World`] and runs the console commands
//! the world hands back (timeline `run:` steps, a learner's command line),
//! so the world never imports the console.

use crate::engine::trace::Record;
use crate::sim::{Action, Applied, Command, Stepped, World};
use crate::time::Instant;

/// Applies the next event, running a due console command. Returns false
/// when nothing was left to do.
pub fn step(world: &mut World, trace: &mut Vec<Record>) -> bool {
    match world.step(trace) {
        Stepped::Idle => false,
        Stepped::Applied => true,
        Stepped::Run(command) => {
            run(world, command, trace);
            true
        }
    }
}

/// Applies `action` at the world's current time, a console command
/// included; an action that could not be applied is shown in the trace.
pub fn apply(world: &mut World, action: Action, trace: &mut Vec<Record>) {
    let what = action.describe();
    match world.apply(action, trace) {
        Ok(Applied::Done(_)) => {}
        Ok(Applied::Run(command)) => run(world, command, trace),
        Err(e) => world.report_failed_action(&what, &e, trace),
    }
}

/// Runs a command line on its host now; the console records its output
/// (or starts the process whose output comes later).
fn run(world: &mut World, command: Command, trace: &mut Vec<Record>) {
    let result = crate::console::run(world, &command.host, &command.line, trace).map(|_| ());
    world.command_done(command, result, trace);
}

/// Runs every event up to and including time `t`, then sets the clock to `t`.
pub fn run_until(world: &mut World, t: Instant, trace: &mut Vec<Record>) {
    while world.next_time().is_some_and(|n| n <= t) {
        step(world, trace);
    }
    if world.now < t {
        world.now = t;
    }
}
