//! A port of Cilium's `pkg/ipalloc` `HashAllocator`, the allocator behind
//! every LB-IPAM range.
//!
//! It is ported rather than replaced by "lowest free address" because it
//! does not allocate the lowest free address: free addresses are kept as
//! blocks in a min-heap ordered by block size, and `AllocAny` hands out the
//! first address of the block at the top of the heap. A single freed
//! address is therefore reused before the start of a larger free run. The
//! heap operations mirror Go's `container/heap` step by step, including
//! upstream's quirks in `put` (growing a block to the left without
//! re-heapifying, and re-heapifying the loop counter's index when growing
//! to the right), so ties and oddities break exactly as upstream's do.
//!
//! Upstream also links the blocks into a list in address order; here a
//! block's neighbours are found by address instead, which is the same list.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// Allocates addresses of `start..=stop`, each with a value `T`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct BlockAllocator<T> {
    start: u32,
    stop: u32,
    allocations: BTreeMap<u32, T>,
    /// Free blocks as a binary min-heap by size, in Go's slice order.
    free: Vec<Block>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Block {
    from: u32,
    to: u32,
}

impl Block {
    fn single(ip: u32) -> Block {
        Block { from: ip, to: ip }
    }
    fn size(self) -> u64 {
        u64::from(self.to - self.from) + 1
    }
    fn contains(self, ip: u32) -> bool {
        (self.from..=self.to).contains(&ip)
    }
}

impl<T> BlockAllocator<T> {
    /// `NewHashAllocator`; `None` when `start` is above `stop`.
    pub(super) fn new(start: Ipv4Addr, stop: Ipv4Addr) -> Option<BlockAllocator<T>> {
        let (start, stop) = (u32::from(start), u32::from(stop));
        (start <= stop).then(|| BlockAllocator {
            start,
            stop,
            allocations: BTreeMap::new(),
            free: vec![Block { from: start, to: stop }],
        })
    }

    pub(super) fn range(&self) -> (Ipv4Addr, Ipv4Addr) {
        (Ipv4Addr::from(self.start), Ipv4Addr::from(self.stop))
    }

    pub(super) fn contains(&self, ip: Ipv4Addr) -> bool {
        (self.start..=self.stop).contains(&u32::from(ip))
    }

    /// `AllocAny`: the first address of the top free block; `None` when full.
    pub(super) fn alloc_any(&mut self, value: T) -> Option<Ipv4Addr> {
        let ip = self.free.first()?.from;
        self.take(ip);
        self.allocations.insert(ip, value);
        Some(Ipv4Addr::from(ip))
    }

    /// `Alloc`: a specific address; `false` when outside the range or taken.
    pub(super) fn alloc(&mut self, ip: Ipv4Addr, value: T) -> bool {
        let ip = u32::from(ip);
        if !(self.start..=self.stop).contains(&ip) || self.allocations.contains_key(&ip) || !self.take(ip) {
            return false;
        }
        self.allocations.insert(ip, value);
        true
    }

    /// `Free`: returns the address to the free blocks, with its value.
    pub(super) fn free(&mut self, ip: Ipv4Addr) -> Option<T> {
        let value = self.allocations.remove(&u32::from(ip))?;
        self.put(u32::from(ip));
        Some(value)
    }

    pub(super) fn get(&self, ip: Ipv4Addr) -> Option<&T> {
        self.allocations.get(&u32::from(ip))
    }

    pub(super) fn get_mut(&mut self, ip: Ipv4Addr) -> Option<&mut T> {
        self.allocations.get_mut(&u32::from(ip))
    }

    /// `Stats`: `(allocated, available)`.
    pub(super) fn stats(&self) -> (u64, u64) {
        let allocated = self.allocations.len() as u64;
        let size = u64::from(self.stop - self.start) + 1;
        (allocated, size - allocated)
    }

    /// `availableBlockList.take`: removes `ip` from the free block holding
    /// it, shrinking the block or splitting it in two.
    fn take(&mut self, ip: u32) -> bool {
        let Some(index) = self.free.iter().position(|block| block.contains(ip)) else {
            return false;
        };
        let block = self.free[index];
        if block.from == ip && block.to == ip {
            self.remove(index);
        } else if block.from == ip {
            self.free[index].from += 1;
            self.fix(index);
        } else if block.to == ip {
            self.free[index].to -= 1;
            self.fix(index);
        } else {
            self.remove(index);
            self.push(Block { from: block.from, to: ip - 1 });
            self.push(Block { from: ip + 1, to: block.to });
        }
        true
    }

    /// `availableBlockList.put`: walks from the top block along the address
    /// order until `ip` can grow a block or sits in a gap.
    fn put(&mut self, ip: u32) {
        let Some(top) = self.free.first() else {
            self.push(Block::single(ip));
            return;
        };
        let mut current = top.from;
        let mut came_from: Option<u32> = None;
        for iteration in 0.. {
            let index = self.index_of(current);
            let block = self.free[index];
            if ip < block.from {
                if block.from - 1 == ip {
                    // Grown without re-heapifying, as upstream does.
                    self.free[index].from = ip;
                    if let Some(left) = self.left_of(ip).filter(|left| left.to + 1 == ip) {
                        self.merge(left.from, ip);
                    }
                    return;
                }
                match self.left_of(block.from) {
                    Some(left) if Some(left.from) != came_from => {
                        came_from = Some(block.from);
                        current = left.from;
                    }
                    _ => return self.push(Block::single(ip)),
                }
            } else {
                if block.to + 1 == ip {
                    self.free[index].to = ip;
                    // Upstream fixes the heap at the loop counter, not at the block.
                    self.fix(iteration);
                    if let Some(right) = self.right_of(ip).filter(|right| right.from == ip + 1) {
                        self.merge(block.from, right.from);
                    }
                    return;
                }
                match self.right_of(block.to) {
                    Some(right) if Some(right.from) != came_from => {
                        came_from = Some(block.from);
                        current = right.from;
                    }
                    _ => return self.push(Block::single(ip)),
                }
            }
        }
    }

    /// `availableBlockList.merge`: removes both blocks, pushes their union.
    fn merge(&mut self, left_from: u32, right_from: u32) {
        let left = self.remove(self.index_of(left_from));
        let right = self.remove(self.index_of(right_from));
        self.push(Block { from: left.from, to: right.to });
    }

    fn index_of(&self, from: u32) -> usize {
        self.free
            .iter()
            .position(|block| block.from == from)
            .expect("free blocks are looked up by the start of a block in the heap")
    }

    /// The free block just below `ip` in address order.
    fn left_of(&self, ip: u32) -> Option<Block> {
        self.free.iter().filter(|block| block.to < ip).max_by_key(|block| block.to).copied()
    }

    /// The free block just above `ip` in address order.
    fn right_of(&self, ip: u32) -> Option<Block> {
        self.free.iter().filter(|block| block.from > ip).min_by_key(|block| block.from).copied()
    }

    // Go's container/heap, over `free` ordered by block size.

    fn less(&self, i: usize, j: usize) -> bool {
        self.free[i].size() < self.free[j].size()
    }

    fn up(&mut self, mut child: usize) {
        while child > 0 {
            let parent = (child - 1) / 2;
            if !self.less(child, parent) {
                break;
            }
            self.free.swap(parent, child);
            child = parent;
        }
    }

    fn down(&mut self, start: usize, len: usize) -> bool {
        let mut parent = start;
        loop {
            let left = 2 * parent + 1;
            if left >= len {
                break;
            }
            let right = left + 1;
            let child = if right < len && self.less(right, left) { right } else { left };
            if !self.less(child, parent) {
                break;
            }
            self.free.swap(parent, child);
            parent = child;
        }
        parent > start
    }

    fn push(&mut self, block: Block) {
        self.free.push(block);
        self.up(self.free.len() - 1);
    }

    fn remove(&mut self, index: usize) -> Block {
        let removed = self.free.swap_remove(index);
        if index < self.free.len() && !self.down(index, self.free.len()) {
            self.up(index);
        }
        removed
    }

    fn fix(&mut self, index: usize) {
        if !self.down(index, self.free.len()) {
            self.up(index);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> Ipv4Addr {
        Ipv4Addr::new(192, 0, 2, last)
    }

    fn allocator() -> BlockAllocator<()> {
        BlockAllocator::new(ip(10), ip(50)).unwrap()
    }

    #[test]
    fn fresh_range_allocates_in_address_order() {
        let mut range = allocator();
        assert_eq!(range.stats(), (0, 41));
        assert_eq!(range.alloc_any(()), Some(ip(10)));
        assert_eq!(range.alloc_any(()), Some(ip(11)));
        assert_eq!(range.stats(), (2, 39));
        assert!(BlockAllocator::<()>::new(ip(50), ip(10)).is_none());
    }

    #[test]
    fn a_lone_freed_address_beats_a_larger_free_run_below_it() {
        // Worked through upstream's code: after .10-.20 are allocated and
        // .10, .11, .12 and .15 freed, the heap top is the one-address block
        // {.15}, not {.10-.12}.
        let mut range = allocator();
        for _ in 10..=20 {
            range.alloc_any(());
        }
        for last in [10, 11, 12, 15] {
            assert_eq!(range.free(ip(last)), Some(()));
        }
        assert_eq!(range.alloc_any(()), Some(ip(15)));
        assert_eq!(range.alloc_any(()), Some(ip(10)));
        assert_eq!(range.alloc_any(()), Some(ip(11)));
        assert_eq!(range.alloc_any(()), Some(ip(12)));
        assert_eq!(range.alloc_any(()), Some(ip(21)));
    }

    #[test]
    fn specific_allocations_split_blocks_and_frees_merge_them() {
        let mut range = allocator();
        assert!(range.alloc(ip(30), ()));
        assert!(!range.alloc(ip(30), ()));
        assert!(!range.alloc(ip(9), ()));
        // {.10-.29} (20 addresses) and {.31-.50} (20): equal sizes keep heap order.
        assert_eq!(range.alloc_any(()), Some(ip(10)));
        assert_eq!(range.free(ip(30)), Some(()));
        assert_eq!(range.free(ip(30)), None);
        // .30 joined its neighbours: one block {.11-.50} again.
        assert_eq!(range.free.len(), 1);
        assert_eq!(range.alloc_any(()), Some(ip(11)));
    }

    #[test]
    fn a_full_range_allocates_nothing_until_an_address_is_freed() {
        let mut range = BlockAllocator::new(ip(10), ip(11)).unwrap();
        assert_eq!(range.alloc_any("a"), Some(ip(10)));
        assert_eq!(range.alloc_any("b"), Some(ip(11)));
        assert_eq!(range.alloc_any("c"), None);
        assert_eq!(range.get(ip(11)), Some(&"b"));
        assert_eq!(range.free(ip(10)), Some("a"));
        assert_eq!(range.alloc_any("c"), Some(ip(10)));
    }
}
