//! The event queue: events ordered by `(time, sequence)`, so equal times
//! keep insertion order and runs are deterministic.
//!
//! Frames in flight take a fast lane: every link has the same delay, so
//! the arrivals are scheduled in the order they arrive, and a FIFO keeps
//! them in `(time, sequence)` order without a heap. An arrival that would
//! overtake the lane's last one (a link with another delay) goes to the
//! heap; `pop` takes the earlier of the two heads, so the order is the
//! heap's order either way.

use super::event::Event;
use crate::sort::Sort;
use crate::time::Instant;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

/// A heap entry: when, the tie-breaking sequence number, and where the
/// event waits in the queue's slab. Keeping the (large) events out of the
/// heap makes each sift move 24 bytes instead of a whole event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Scheduled {
    at: Instant,
    seq: u64,
    slot: u32,
}

impl Ord for Scheduled {
    /// Reversed, so `BinaryHeap` (a max-heap) pops the earliest `(at, seq)`.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Events ordered by `(time, sequence)`: equal times keep insertion order,
/// so runs are deterministic.
#[derive(Default, Serialize, Deserialize)]
pub struct EventQueue {
    heap: BinaryHeap<Scheduled>,
    slab: Vec<Option<Event>>,
    free: Vec<u32>,
    /// Frame arrivals in `(time, sequence)` order (see the module doc).
    lane: VecDeque<(Instant, u64, Event)>,
    seq: u64,
}

/// A copy holds the pending events only. The slab keeps a slot for every
/// event that was ever pending at once (a 250-node MetalLB cluster joins
/// its memberlist with 124,500 events at the start), and every snapshot of
/// the world copies the queue: copying the free slots too cost 8 MB per
/// snapshot for nothing. The heap's entries keep their order and only
/// their slots are renumbered, so the copy pops exactly as the original.
impl Clone for EventQueue {
    fn clone(&self) -> EventQueue {
        let mut slab = Vec::with_capacity(self.heap.len());
        let entries: Vec<Scheduled> = self
            .heap
            .iter()
            .map(|s| {
                slab.push(self.slab[s.slot as usize].clone());
                Scheduled { slot: (slab.len() - 1) as u32, ..*s }
            })
            .collect();
        // Already in heap order: `from` finds nothing to move.
        EventQueue { heap: BinaryHeap::from(entries), slab, free: Vec::new(), lane: self.lane.clone(), seq: self.seq }
    }
}

/// The pending events in the order they will pop, and the sequence: where
/// each waits in the slab is storage, not state (a copy renumbers it).
impl std::fmt::Debug for EventQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventQueue").field("pending", &self.in_order()).field("seq", &self.seq).finish()
    }
}

/// Two queues are equal when they would pop the same events in the same order.
impl PartialEq for EventQueue {
    fn eq(&self, other: &Self) -> bool {
        self.seq == other.seq && self.in_order() == other.in_order()
    }
}

impl EventQueue {
    /// Every pending event with its time and sequence, in the order they pop.
    fn in_order(&self) -> Vec<(Instant, u64, &Event)> {
        let mut v: Vec<(Instant, u64, &Event)> = self
            .heap
            .iter()
            .map(|s| (s.at, s.seq, self.slab[s.slot as usize].as_ref().expect("scheduled")))
            .chain(self.lane.iter().map(|(at, seq, e)| (*at, *seq, e)))
            .collect();
        v.stable_sort_by_key(|(at, seq, _)| (*at, *seq));
        v
    }

    pub fn push(&mut self, at: Instant, event: Event) {
        self.seq += 1;
        if matches!(event, Event::Arrive { .. }) && self.lane.back().is_none_or(|(last, _, _)| *last <= at) {
            self.lane.push_back((at, self.seq, event));
            return;
        }
        let slot = match self.free.pop() {
            Some(i) => {
                self.slab[i as usize] = Some(event);
                i
            }
            None => {
                self.slab.push(Some(event));
                (self.slab.len() - 1) as u32
            }
        };
        self.heap.push(Scheduled { at, seq: self.seq, slot });
    }
    /// Whether the lane's head comes before the heap's (or the heap is empty).
    fn lane_first(&self) -> bool {
        match (self.lane.front(), self.heap.peek()) {
            (Some((at, seq, _)), Some(s)) => (*at, *seq) < (s.at, s.seq),
            (Some(_), None) => true,
            (None, _) => false,
        }
    }
    pub fn pop(&mut self) -> Option<(Instant, Event)> {
        if self.lane_first() {
            return self.lane.pop_front().map(|(at, _, e)| (at, e));
        }
        let s = self.heap.pop()?;
        self.free.push(s.slot);
        Some((s.at, self.slab[s.slot as usize].take().expect("scheduled")))
    }
    /// Every pending event in the order it will run, for the playground's
    /// "coming up" countdowns.
    pub fn pending(&self) -> Vec<(Instant, &Event)> {
        self.in_order().into_iter().map(|(at, _, e)| (at, e)).collect()
    }
    /// The event `pop` returns next, without taking it.
    pub fn peek(&self) -> Option<(Instant, &Event)> {
        if self.lane_first() {
            return self.lane.front().map(|(at, _, e)| (*at, e));
        }
        self.heap.peek().map(|s| (s.at, self.slab[s.slot as usize].as_ref().expect("scheduled")))
    }
    pub fn peek_time(&self) -> Option<Instant> {
        if self.lane_first() {
            return self.lane.front().map(|(at, _, _)| *at);
        }
        self.heap.peek().map(|s| s.at)
    }
    pub fn len(&self) -> usize {
        self.heap.len() + self.lane.len()
    }
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty() && self.lane.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wake(host: usize) -> Event {
        Event::Wake { host }
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn arrive(link: usize) -> Event {
        Event::Arrive { link, end: 0, frame: crate::wire::Frame::from_vec(vec![]) }
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn id(e: &Event) -> usize {
        match e {
            Event::Arrive { link, .. } => *link,
            Event::Wake { host } => *host,
            _ => unreachable!("only arrivals and wakes here"),
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        /// Arrivals and timers pushed at any times after the clock
        /// (arrivals in the lane, or overtaking it into the heap), popped
        /// in between, come out as a plain `(time, sequence)` order gives
        /// them; a copy taken at the end equals the original and pops the same.
        #[test]
        fn events_pop_in_time_then_push_order(
            ops in proptest::collection::vec((0u64..50, proptest::bool::ANY, 0u8..4), 1..200)
        ) {
            let mut q = EventQueue::default();
            let mut model: Vec<(u64, u64, usize)> = Vec::new();
            let mut now = 0;
            for (i, (delay, is_frame, pops)) in ops.into_iter().enumerate() {
                let at = now + delay;
                q.push(Instant::from_millis(at), if is_frame { arrive(i) } else { wake(i) });
                model.push((at, i as u64, i));
                for _ in 0..pops {
                    model.sort();
                    let expected = (!model.is_empty()).then(|| model.remove(0));
                    let got = q.pop().map(|(t, e)| (t.as_millis(), id(&e)));
                    proptest::prop_assert_eq!(got, expected.map(|(t, _, i)| (t, i)));
                    if let Some((t, _)) = got {
                        now = t;
                    }
                }
                proptest::prop_assert_eq!(q.len(), model.len());
            }
            let mut copy = q.clone();
            proptest::prop_assert!(copy == q);
            model.sort();
            let rest: Vec<(u64, usize)> = model.into_iter().map(|(t, _, i)| (t, i)).collect();
            let drain = |q: &mut EventQueue| std::iter::from_fn(|| q.pop().map(|(t, e)| (t.as_millis(), id(&e)))).collect::<Vec<_>>();
            proptest::prop_assert_eq!(drain(&mut q), rest.clone());
            proptest::prop_assert_eq!(drain(&mut copy), rest);
        }
    }

    /// A copy made after a burst drained keeps only the pending events,
    /// and pops them, and whatever is pushed after, as the original does.
    #[test]
    fn a_copy_keeps_only_pending_events_and_pops_the_same() {
        let mut q = EventQueue::default();
        for i in 0..1000u64 {
            // Equal times: the sequence decides.
            q.push(Instant::from_millis(i % 7), wake(i as usize));
        }
        for _ in 0..990 {
            q.pop();
        }
        let mut copy = q.clone();
        assert_eq!((copy.slab.len(), copy.free.len()), (10, 0));
        assert_eq!(q.slab.len(), 1000, "the original keeps its slots");
        assert!(copy == q);
        for (i, at) in [(5000, 3), (5001, 0), (5002, 9)] {
            q.push(Instant::from_millis(at), wake(i));
            copy.push(Instant::from_millis(at), wake(i));
        }
        let drain = |q: &mut EventQueue| std::iter::from_fn(|| q.pop()).collect::<Vec<_>>();
        let (a, b) = (drain(&mut q), drain(&mut copy));
        assert_eq!(a.len(), 13);
        assert_eq!(a, b);
    }
}
