//! The event queue: events ordered by `(time, sequence)`, so equal times
//! keep insertion order and runs are deterministic.

use super::event::Event;
use crate::sort::Sort;
use crate::time::Instant;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

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
        EventQueue { heap: BinaryHeap::from(entries), slab, free: Vec::new(), seq: self.seq }
    }
}

/// The pending events in the order they will pop, and the sequence: where
/// each waits in the slab is storage, not state (a copy renumbers it).
impl std::fmt::Debug for EventQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut pending: Vec<&Scheduled> = self.heap.iter().collect();
        pending.stable_sort_by_key(|s| (s.at, s.seq));
        let pending: Vec<(Instant, u64, &Event)> = pending
            .into_iter()
            .map(|s| (s.at, s.seq, self.slab[s.slot as usize].as_ref().expect("scheduled")))
            .collect();
        f.debug_struct("EventQueue").field("pending", &pending).field("seq", &self.seq).finish()
    }
}

/// Two queues are equal when they would pop the same events in the same order.
impl PartialEq for EventQueue {
    fn eq(&self, other: &Self) -> bool {
        let order = |q: &EventQueue| -> Vec<(Instant, u64, Event)> {
            q.heap
                .clone()
                .into_sorted_vec()
                .into_iter()
                .map(|s| (s.at, s.seq, q.slab[s.slot as usize].clone().expect("scheduled")))
                .collect()
        };
        self.seq == other.seq && order(self) == order(other)
    }
}

impl EventQueue {
    pub fn push(&mut self, at: Instant, event: Event) {
        self.seq += 1;
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
    pub fn pop(&mut self) -> Option<(Instant, Event)> {
        let s = self.heap.pop()?;
        self.free.push(s.slot);
        Some((s.at, self.slab[s.slot as usize].take().expect("scheduled")))
    }
    /// Every pending event in the order it will run, for the playground's
    /// "coming up" countdowns.
    pub fn pending(&self) -> Vec<(Instant, &Event)> {
        let mut v: Vec<&Scheduled> = self.heap.iter().collect();
        v.stable_sort_by_key(|s| (s.at, s.seq));
        v.into_iter().map(|s| (s.at, self.slab[s.slot as usize].as_ref().expect("scheduled"))).collect()
    }
    /// The event `pop` returns next, without taking it.
    pub fn peek(&self) -> Option<(Instant, &Event)> {
        self.heap.peek().map(|s| (s.at, self.slab[s.slot as usize].as_ref().expect("scheduled")))
    }
    pub fn peek_time(&self) -> Option<Instant> {
        self.heap.peek().map(|s| s.at)
    }
    pub fn len(&self) -> usize {
        self.heap.len()
    }
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wake(host: usize) -> Event {
        Event::Wake { host }
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
