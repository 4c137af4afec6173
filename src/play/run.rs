//! Time travel. A [`Run`] computes a whole scenario once, keeping the
//! trace and a snapshot of the world every [`SNAPSHOT_EVERY`] steps (more
//! steps apart for a large world, see [`snapshot_interval`]). Moving the
//! cursor to any step restores the nearest earlier snapshot and replays
//! from it, so stepping back costs at most that many events.
//! [`Run::branch`] forks a new run from the cursor with a different action
//! ("what if I had flushed the ARP cache here?") while the original run
//! stays as it was. [`Run::start`] and [`Run::branch_started`] leave the
//! computing to [`Run::compute`], a slice at a time, so that the
//! playground stays responsive while a large scenario computes and can
//! [`Run::stop`] it, keeping what is computed.

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
/// world one step per two units of its [`weight`], so that a run's
/// snapshots take about as much memory per step whatever the cluster's
/// size. Measured (allocated bytes of a copy): the failover's world is
/// 90-110 KB, 400 bytes a step at one snapshot per 256 steps; a unit of
/// weight is 100-540 bytes (250 nodes with 250 pods, while the build still
/// queued 124,500 memberlist joins: an 18 MB world of weight 188,000; 50
/// nodes with 5,000 pods behind 10 Services: 59 MB, weight 117,000), so
/// 50-270 bytes a step. Before the queue and the memberlist counted, the
/// 250-node cluster took a snapshot every 256 steps: 12.5 GB.
pub fn snapshot_interval(world: &World) -> u64 {
    SNAPSHOT_EVERY.max(weight(world) / 2)
}

/// The entries of the world's large tables: hosts, pods, EndpointSlice
/// entries and Service rule endpoints; and those that grow with the square
/// of the nodes: each MetalLB speaker's memberlist view, each host's
/// neighbour entries, the switch's MAC table; and the pending events.
pub fn weight(world: &World) -> u64 {
    let k = &world.cluster;
    let net = &world.net;
    let entries = net.hosts.len()
        + k.pods.len()
        + k.slices.values().map(|s| s.endpoints.len()).sum::<usize>()
        + world.services.services.values().map(|s| s.endpoints.len()).sum::<usize>()
        + k.speakers.values().map(|s| s.view.len()).sum::<usize>()
        + net.hosts.iter().flat_map(|h| &h.ifaces).map(|i| i.neighbors.entries().count()).sum::<usize>()
        + net.switch.table.len()
        + world.queue.len();
    entries as u64
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
    /// While the run is still being computed ([`Run::start`]): the world
    /// at the computed edge. `None` once the run is complete.
    edge: Option<Box<Edge>>,
    /// Copies made ahead, while the page has nothing else to do
    /// ([`Run::prepare_step_back`]), so that a step back does not copy or
    /// free a world.
    spare: Spare,
}

/// A copy of the snapshot that a step back from the cursor starts from
/// (the snapshot it was copied from, to know it is still that one), and
/// the world a seek left behind, freed later.
#[derive(Default)]
struct Spare {
    copy: Option<(Rc<World>, World)>,
    left: Option<World>,
}

/// A copy of a run prepares its own spare copy when asked.
impl Clone for Spare {
    fn clone(&self) -> Spare {
        Spare::default()
    }
}

/// The front of a run being computed: the world after the last computed
/// step, and the step at which the next snapshot is taken.
#[derive(Clone)]
struct Edge {
    world: World,
    next_snapshot: u64,
}

/// How far a run being computed has got, for a progress bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Simulated time reached, and where the run ends.
    pub at: Instant,
    pub end: Instant,
    /// Events computed so far.
    pub steps: u64,
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

    /// Builds the scenario and computes nothing yet: [`Run::compute`]
    /// then computes it a slice at a time (the playground keeps the page
    /// responsive that way and offers to stop a long run, see
    /// [`Run::stop`]). The run is shown only once complete.
    pub fn start(
        scenario: Rc<Scenario>,
        variant: Option<&str>,
        seed: Option<u64>,
        until: Option<Duration>,
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
            edge: None,
            spare: Spare::default(),
        };
        run.begin_from_cursor();
        Ok(run)
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
        let mut run = Run::start(scenario, variant, seed, until)?;
        if observe(&run.cursor, &run.trace) {
            run.advance(u64::MAX, observe);
        } else {
            run.edge = None;
            run.end = run.cursor.now;
        }
        Ok(run)
    }

    /// Whether every step up to the end is computed.
    pub fn is_complete(&self) -> bool {
        self.edge.is_none()
    }

    /// How far the computation has got (complete: the whole run).
    pub fn progress(&self) -> Progress {
        let (at, steps) = match &self.edge {
            Some(edge) => (edge.world.now, edge.world.steps),
            None => (self.end, self.len()),
        };
        Progress { at, end: self.end, steps }
    }

    /// Computes at most `steps` more events of a run begun by
    /// [`Run::start`]; returns whether the run is now complete.
    pub fn compute(&mut self, steps: u64) -> bool {
        self.advance(steps, &mut |_, _| true)
    }

    /// Ends a run being computed where its computation has got, with a
    /// note in the trace saying so: what was computed stays, to watch and
    /// to branch from.
    pub fn stop(&mut self) {
        let Some(edge) = self.edge.take() else { return };
        let world = edge.world;
        self.trace.push(Record {
            t: world.now,
            step: world.steps,
            kind: Kind::Note {
                text: format!("computing was stopped at {} after {} events: the run ends here", world.now, world.steps),
            },
        });
        self.end = world.now;
    }

    /// Starts computing the future from the cursor's world: its state may
    /// differ from a parent's snapshot at the same step (a branch applied
    /// an action there), so it replaces it.
    fn begin_from_cursor(&mut self) {
        let start = self.cursor.steps;
        let world = self.cursor.clone();
        self.snapshots.retain(|s| s.world.steps < start);
        self.step_times.truncate(start as usize + 1);
        self.snapshots.push(Snapshot { world: Rc::new(world.clone()) });
        let next_snapshot = start + snapshot_interval(&world);
        self.edge = Some(Box::new(Edge { world, next_snapshot }));
    }

    /// Steps the edge's world at most `budget` times towards the end,
    /// recording snapshots; returns whether the run is complete.
    fn advance(&mut self, budget: u64, observe: &mut dyn FnMut(&World, &[Record]) -> bool) -> bool {
        let Some(mut edge) = self.edge.take() else { return true };
        let mut left = budget;
        let complete = loop {
            let world = &mut edge.world;
            if world.next_time().is_none_or(|t| t > self.end) {
                break true;
            }
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
                break true;
            }
            if left == 0 {
                break false;
            }
            left -= 1;
            let before = self.trace.len();
            super::drive::step(world, &mut self.trace);
            let go_on = observe(world, &self.trace[before..]);
            self.step_times.push(world.now);
            if world.steps >= edge.next_snapshot {
                edge.next_snapshot = world.steps + snapshot_interval(world);
                self.snapshots.push(Snapshot { world: Rc::new(world.clone()) });
            }
            if !go_on {
                self.end = world.now;
                break true;
            }
        };
        if !complete {
            self.edge = Some(edge);
        }
        complete
    }

    /// Computes the whole future from the cursor at once.
    fn compute_from_cursor(&mut self) {
        self.begin_from_cursor();
        self.advance(u64::MAX, &mut |_, _| true);
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

    /// The index of the last snapshot at or before `step`: where a replay
    /// to `step` starts.
    fn snapshot_before(&self, step: u64) -> usize {
        self.snapshots.partition_point(|s| s.world.steps <= step).saturating_sub(1)
    }

    /// Moves the cursor to after step `step` (clamped to the run).
    pub fn seek(&mut self, step: u64) {
        let step = step.min(self.len());
        if step == self.cursor.steps {
            return;
        }
        let i = self.snapshot_before(step);
        let from_cursor = self.cursor.steps < step && self.snapshots[i].world.steps <= self.cursor.steps;
        if !from_cursor {
            let snapshot = &self.snapshots[i].world;
            let start = match self.spare.copy.take() {
                Some((of, copy)) if Rc::ptr_eq(&of, snapshot) => copy,
                _ => (**snapshot).clone(),
            };
            self.spare.left = Some(std::mem::replace(&mut self.cursor, start));
        }
        let mut scratch = Vec::new();
        while self.cursor.steps < step && super::drive::step(&mut self.cursor, &mut scratch) {
            scratch.clear();
        }
    }

    /// Does ahead, at a moment with nothing else to do, what the next
    /// step back would otherwise do while the learner waits: copies the
    /// snapshot it starts from (the last at or before the cursor), and
    /// frees the world the last seek left. A step back then only replays
    /// the events since that snapshot (the shipped stories' step back from
    /// their end: 0.5-0.6 ms of wasm in headless Chromium 156, 0.3 ms with
    /// the copy made ahead). Keeps one more world than the snapshots, the
    /// size of one of them. Does nothing while the run is computed.
    pub fn prepare_step_back(&mut self) {
        self.spare.left = None;
        if self.edge.is_some() || self.snapshots.is_empty() {
            self.spare.copy = None;
            return;
        }
        let i = self.snapshot_before(self.cursor.steps);
        let snapshot = &self.snapshots[i].world;
        if !self.spare.copy.as_ref().is_some_and(|(of, _)| Rc::ptr_eq(of, snapshot)) {
            self.spare.copy = Some((snapshot.clone(), (**snapshot).clone()));
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
        let i = self.snapshot_before(step);
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
        let mut run = self.branch_started(action);
        run.compute(u64::MAX);
        run
    }

    /// [`Run::branch`] with nothing of the future computed yet: [`Run::compute`]
    /// computes it a slice at a time.
    pub fn branch_started(&self, action: Action) -> Run {
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
            edge: None,
            spare: Spare::default(),
        };
        run.apply_at_cursor(action);
        run.begin_from_cursor();
        run
    }

    /// Applies `action` at the cursor of this run itself: the past up to the
    /// cursor stays, the future is computed again from the changed world.
    /// (A console session adds its commands to its own branch this way.)
    pub fn act(&mut self, action: Action) {
        self.apply_at_cursor(action);
        self.compute_from_cursor();
    }

    /// Drops the future after the cursor and applies `action` there.
    fn apply_at_cursor(&mut self, action: Action) {
        let cut = self.trace.partition_point(|r| r.step <= self.cursor.steps);
        self.trace.truncate(cut);
        self.label = action.describe();
        let mut extra = Vec::new();
        super::drive::apply(&mut self.cursor, action, &mut extra);
        self.trace.extend(extra);
    }
}
