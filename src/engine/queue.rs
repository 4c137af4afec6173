//! The event queue: events ordered by `(time, sequence)`, so equal times
//! keep insertion order and runs are deterministic.

use super::event::Event;
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
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct EventQueue {
    heap: BinaryHeap<Scheduled>,
    slab: Vec<Option<Event>>,
    free: Vec<u32>,
    seq: u64,
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
        v.sort_by_key(|s| (s.at, s.seq));
        v.into_iter().map(|s| (s.at, self.slab[s.slot as usize].as_ref().expect("scheduled"))).collect()
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
