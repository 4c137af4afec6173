//! Time travel. A [`Run`] computes a whole scenario once, keeping the
//! trace and a snapshot of the world every [`SNAPSHOT_EVERY`] steps (more
//! steps apart for a large world, see [`snapshot_interval`]). Moving the
//! cursor to any step restores the nearest earlier snapshot and replays
//! from it, so stepping back costs at most that many events.
//! [`Run::branch`] forks a new run from the cursor with a different action
//! ("what if I had flushed the ARP cache here?") while the original run
//! stays as it was.

use crate::engine::trace::{Kind, Record};
use crate::scenario::Scenario;
use crate::sim::World;
use crate::sim::action::Action;
use crate::time::{Duration, Instant};
use std::rc::Rc;

/// Steps between snapshots: replaying this many events takes well under a
/// millisecond, and snapshots of a small LAN stay cheap to keep.
pub const SNAPSHOT_EVERY: u64 = 256;

/// Steps between snapshots of `world`: [`SNAPSHOT_EVERY`], or for a large
/// world (in hosts, pods, EndpointSlice entries and Service rule
/// endpoints, roughly a hundred bytes each) one step per weight unit over
/// 4, so a run's snapshots take about as much memory per step whatever
/// the cluster's size: a 200-node cluster with 100 Services over 1000 pods
/// (200,000 entries) snapshots every 50,000 steps instead of keeping a
/// 30 MB copy every 256.
pub fn snapshot_interval(world: &World) -> u64 {
    let k = &world.cluster;
    let weight = world.net.hosts.len()
        + k.pods.len()
        + k.slices.values().map(|s| s.endpoints.len()).sum::<usize>()
        + world.services.services.values().map(|s| s.endpoints.len()).sum::<usize>();
    SNAPSHOT_EVERY.max(weight as u64 / 4)
}

/// The most events one run computes. The shipped scenarios need a few
/// thousand for ten minutes; a scenario that asks for far more (the
/// failover's curl loop left running for a day: about 4 million events,
/// gigabytes of trace and snapshots) would exhaust a browser tab, so the
/// run stops there and says so in a note. At the limit a run takes 0.3 s
/// and 195 MB natively.
pub const MAX_STEPS: u64 = 200_000;

#[derive(Clone)]
struct Snapshot {
    world: Rc<World>,
}

/// A computed run of a scenario, with a cursor.
#[derive(Clone)]
pub struct Run {
    pub scenario: Rc<Scenario>,
    /// What this run changed relative to its parent, for the branch list.
    pub label: String,
    pub end: Instant,
    trace: Vec<Record>,
    snapshots: Vec<Snapshot>,
    /// Time of each step (index = step number; step 0 is the initial state).
    step_times: Vec<Instant>,
    /// The world at the cursor.
    cursor: World,
}

impl Run {
    /// Builds the scenario and runs it to `until` (default: its duration).
    /// `seed` replaces the scenario's `spec.seed` for the whole run, the
    /// build included.
    pub fn new(
        scenario: Rc<Scenario>,
        variant: Option<&str>,
        seed: Option<u64>,
        until: Option<Duration>,
    ) -> Result<Run, String> {
        Run::observed(scenario, variant, seed, until, &mut |_, _| true)
    }

    /// [`Run::new`], showing `observe` the world after building it and
    /// after every step, with the records that step added (the invariant
    /// checks watch state the trace does not show, in the same pass). The
    /// run stops, and ends at that step, when `observe` returns false.
    pub fn observed(
        scenario: Rc<Scenario>,
        variant: Option<&str>,
        seed: Option<u64>,
        until: Option<Duration>,
        observe: &mut dyn FnMut(&World, &[Record]) -> bool,
    ) -> Result<Run, String> {
        let mut trace = Vec::new();
        let world = crate::play::build::build_seeded(&scenario, variant, seed, &mut trace)?;
        let end = Instant::ZERO + until.unwrap_or(scenario.doc.spec.duration);
        let mut run = Run {
            scenario,
            label: variant.unwrap_or("original").into(),
            end,
            trace,
            snapshots: Vec::new(),
            step_times: vec![Instant::ZERO],
            cursor: world,
        };
        if observe(&run.cursor, &run.trace) {
            run.compute_from_cursor(observe);
        } else {
            run.end = run.cursor.now;
        }
        Ok(run)
    }

    /// Steps the cursor's world to the end, recording snapshots, then moves
    /// the cursor back to where it was.
    fn compute_from_cursor(&mut self, observe: &mut dyn FnMut(&World, &[Record]) -> bool) {
        let start = self.cursor.steps;
        let mut world = self.cursor.clone();
        // The cursor's state may differ from a parent's snapshot at the same
        // step (a branch applied an action there): it replaces it.
        self.snapshots.retain(|s| s.world.steps < start);
        self.step_times.truncate(start as usize + 1);
        self.snapshots.push(Snapshot { world: Rc::new(world.clone()) });
        let mut next_snapshot = start + snapshot_interval(&world);
        while world.next_time().is_some_and(|t| t <= self.end) {
            if world.steps >= MAX_STEPS {
                self.trace.push(Record {
                    t: world.now,
                    step: world.steps,
                    kind: Kind::Note {
                        text: format!(
                            "vipsim stopped this run at {} after {MAX_STEPS} events, the most it computes: \
                             shorten spec.duration or the repeated steps to see the rest",
                            world.now
                        ),
                    },
                });
                self.end = world.now;
                break;
            }
            let before = self.trace.len();
            super::drive::step(&mut world, &mut self.trace);
            let go_on = observe(&world, &self.trace[before..]);
            self.step_times.push(world.now);
            if world.steps >= next_snapshot {
                next_snapshot = world.steps + snapshot_interval(&world);
                self.snapshots.push(Snapshot { world: Rc::new(world.clone()) });
            }
            if !go_on {
                self.end = world.now;
                break;
            }
        }
    }

    pub fn trace(&self) -> &[Record] {
        &self.trace
    }

    /// The world at the cursor.
    pub fn world(&self) -> &World {
        &self.cursor
    }

    /// Total steps in the run.
    pub fn len(&self) -> u64 {
        self.step_times.len() as u64 - 1
    }

    /// How many snapshots of the world the run keeps.
    pub fn snapshots(&self) -> usize {
        self.snapshots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn cursor(&self) -> u64 {
        self.cursor.steps
    }

    pub fn time_of(&self, step: u64) -> Instant {
        self.step_times.get(step as usize).copied().unwrap_or(self.end)
    }

    /// The records visible at the cursor (everything the steps so far produced).
    pub fn visible(&self) -> &[Record] {
        let cut = self.trace.partition_point(|r| r.step <= self.cursor.steps);
        &self.trace[..cut]
    }

    /// Moves the cursor to after step `step` (clamped to the run).
    pub fn seek(&mut self, step: u64) {
        let step = step.min(self.len());
        if step == self.cursor.steps {
            return;
        }
        let i = self.snapshots.partition_point(|s| s.world.steps <= step).saturating_sub(1);
        let from_cursor = self.cursor.steps < step && self.snapshots[i].world.steps <= self.cursor.steps;
        if !from_cursor {
            self.cursor = (*self.snapshots[i].world).clone();
        }
        let mut scratch = Vec::new();
        while self.cursor.steps < step && super::drive::step(&mut self.cursor, &mut scratch) {
            scratch.clear();
        }
    }

    /// Moves the cursor to the last step at or before time `t`.
    pub fn seek_time(&mut self, t: Instant) {
        let step = self.step_times.partition_point(|x| *x <= t).saturating_sub(1);
        self.seek(step as u64);
    }

    /// The world after step `step` (clamped to the run), computed from the
    /// nearest snapshot without moving the cursor or copying the trace.
    pub fn world_at(&self, step: u64) -> World {
        let step = step.min(self.len());
        if step == self.cursor.steps {
            return self.cursor.clone();
        }
        let i = self.snapshots.partition_point(|s| s.world.steps <= step).saturating_sub(1);
        let mut world = (*self.snapshots[i].world).clone();
        let mut scratch = Vec::new();
        while world.steps < step && super::drive::step(&mut world, &mut scratch) {
            scratch.clear();
        }
        world
    }

    /// The world at time `t`: after the last step at or before it.
    pub fn world_at_time(&self, t: Instant) -> World {
        self.world_at(self.step_times.partition_point(|x| *x <= t).saturating_sub(1) as u64)
    }

    /// A new run that shares this one's past up to the cursor, applies
    /// `action` there, and computes its own future.
    pub fn branch(&self, action: Action) -> Run {
        let cut = self.trace.partition_point(|r| r.step <= self.cursor.steps);
        let mut run = Run {
            scenario: self.scenario.clone(),
            label: String::new(),
            end: self.end,
            // Only the shared past is copied: the future is computed anew.
            trace: self.trace[..cut].to_vec(),
            snapshots: self.snapshots.iter().filter(|s| s.world.steps < self.cursor.steps).cloned().collect(),
            step_times: self.step_times[..=self.cursor.steps as usize].to_vec(),
            cursor: self.cursor.clone(),
        };
        run.act(action);
        run
    }

    /// Applies `action` at the cursor of this run itself: the past up to the
    /// cursor stays, the future is computed again from the changed world.
    /// (A console session adds its commands to its own branch this way.)
    pub fn act(&mut self, action: Action) {
        let cut = self.trace.partition_point(|r| r.step <= self.cursor.steps);
        self.trace.truncate(cut);
        self.label = action.describe();
        let mut extra = Vec::new();
        super::drive::apply(&mut self.cursor, action, &mut extra);
        self.trace.extend(extra);
        self.compute_from_cursor(&mut |_, _| true);
    }
}
