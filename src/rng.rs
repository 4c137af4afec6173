//! The simulation's one source of randomness: a PCG generator seeded from the
//! scenario. Randomised timers (Linux's base_reachable_time jitter), TCP
//! initial sequence numbers, ephemeral ports and kube-proxy's endpoint choice
//! all draw from it in event order, so the same seed replays exactly.

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;
use serde::{Deserialize, Serialize};

/// A seeded, cloneable RNG. Cloning it (as time-travel snapshots do) forks
/// the stream: both copies produce the same numbers from that point.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimRng(Pcg64Mcg);

impl SimRng {
    pub fn new(seed: u64) -> Self {
        SimRng(Pcg64Mcg::seed_from_u64(seed))
    }
    pub fn next_u32(&mut self) -> u32 {
        self.0.random()
    }
    /// Uniform in `low..=high`.
    pub fn range_u64(&mut self, low: u64, high: u64) -> u64 {
        self.0.random_range(low..=high)
    }
    /// A new stream seeded from this one (one draw): a part of the world
    /// with randomness of its own (an agent's retry jitter) draws from it
    /// without shifting the draws of everything else.
    pub fn fork(&mut self) -> SimRng {
        SimRng::new(self.0.random())
    }
    /// Uniform index in `0..len`. `len` must be non-zero.
    pub fn index(&mut self, len: usize) -> usize {
        self.0.random_range(0..len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_clone_forks() {
        let mut a = SimRng::new(7);
        let mut b = SimRng::new(7);
        let xs: Vec<u32> = (0..5).map(|_| a.next_u32()).collect();
        let ys: Vec<u32> = (0..5).map(|_| b.next_u32()).collect();
        assert_eq!(xs, ys);
        let mut c = a.clone();
        assert_eq!(a.range_u64(0, 1000), c.range_u64(0, 1000));
        assert_ne!(SimRng::new(8).next_u32(), SimRng::new(7).next_u32());
    }
}
