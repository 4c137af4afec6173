//! Stable sorting that costs the wasm one copy of the sorting algorithm.
//!
//! `slice::sort_by` (driftsort) is generic over the element and the
//! comparison, so each call site with its closure becomes its own copy of
//! the whole algorithm, several KB each: fifty of them were 190 KB of the
//! wasm's code (issue 17). In the browser build [`Sort`] sorts the
//! positions `0..n` instead, through one non-generic function taking the
//! comparison as `&mut dyn FnMut`, and then moves the elements to their
//! place; what each call site adds is its comparison and a few swaps.
//!
//! Both are stable sorts, so for a comparison that is a total order (all of
//! ours) they give the same order, element for element: the trace stays the
//! same natively and in the browser. Native builds keep the standard sort
//! for speed; the tests here check the browser's path against it.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// Stable sorts, named apart from the slice's own so a call site says which
/// it uses.
pub trait Sort<T> {
    /// Like `slice::sort`: stable, ascending.
    fn stable_sort(&mut self)
    where
        T: Ord;
    /// Like `slice::sort_by`: stable, by `compare`.
    fn stable_sort_by(&mut self, compare: impl FnMut(&T, &T) -> Ordering);
    /// Like `slice::sort_by_key`: stable, by the key (computed per comparison).
    fn stable_sort_by_key<K: Ord>(&mut self, key: impl FnMut(&T) -> K);
}

impl<T> Sort<T> for [T] {
    fn stable_sort(&mut self)
    where
        T: Ord,
    {
        self.stable_sort_by(T::cmp);
    }

    fn stable_sort_by(&mut self, compare: impl FnMut(&T, &T) -> Ordering) {
        #[cfg(target_arch = "wasm32")]
        by_positions(self, compare);
        #[cfg(not(target_arch = "wasm32"))]
        self.sort_by(compare);
    }

    fn stable_sort_by_key<K: Ord>(&mut self, mut key: impl FnMut(&T) -> K) {
        self.stable_sort_by(|a, b| key(a).cmp(&key(b)));
    }
}

/// Collecting into ordered maps and sets. Their `FromIterator` sorts the
/// items first (a copy of the sorting algorithm per call site in the wasm)
/// and builds the tree from the sorted run; the browser build inserts one
/// item at a time instead, sharing the inserts' code per key and value
/// type. Both keep the last value of a repeated key; a repeated key or set
/// item keeps the first copy instead of the last, which is the same map or
/// set wherever equal keys are interchangeable values (strings, addresses,
/// object keys, references to them: every caller). Native builds keep
/// `collect()` for speed; the tests here check the browser's path against it.
pub trait Collect: Iterator + Sized {
    /// Like `collect::<BTreeMap<K, V>>()`.
    fn collect_map<K: Ord, V>(self) -> BTreeMap<K, V>
    where
        Self: Iterator<Item = (K, V)>,
    {
        #[cfg(target_arch = "wasm32")]
        return map_by_inserts(self);
        #[cfg(not(target_arch = "wasm32"))]
        return self.collect();
    }
    /// Like `collect::<BTreeSet<T>>()`.
    fn collect_set(self) -> BTreeSet<Self::Item>
    where
        Self::Item: Ord,
    {
        #[cfg(target_arch = "wasm32")]
        return set_by_inserts(self);
        #[cfg(not(target_arch = "wasm32"))]
        return self.collect();
    }
}

impl<I: Iterator> Collect for I {}

#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn map_by_inserts<K: Ord, V>(pairs: impl Iterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    map.extend(pairs);
    map
}

#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn set_by_inserts<T: Ord>(items: impl Iterator<Item = T>) -> BTreeSet<T> {
    let mut set = BTreeSet::new();
    set.extend(items);
    set
}

/// Sorts `v` stably by sorting its positions, then moving each element to
/// its place by following the permutation's cycles (each element moves
/// once, with a swap).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn by_positions<T>(v: &mut [T], mut compare: impl FnMut(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let mut order = sorted_positions(v.len(), &mut |a, b| compare(&v[a], &v[b]));
    // `order[i]` is the position of the element that belongs at `i`; a
    // position whose element is in place is marked `order[i] == i`.
    for start in 0..order.len() {
        let mut at = start;
        while order[at] != start {
            let from = order[at];
            v.swap(at, from);
            order[at] = at;
            at = from;
        }
        order[at] = at;
    }
}

/// The positions `0..n` in the stable order `compare` gives them: the one
/// copy of the sorting algorithm (not generic, so not copied per caller).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
#[inline(never)]
fn sorted_positions(n: usize, compare: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| compare(a, b));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    // proptest is a native-only dev-dependency (it needs OS entropy).
    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        /// The browser's path gives the standard stable sort's order,
        /// equal keys included (the pair's second field tells them apart).
        #[test]
        fn by_positions_is_the_standard_stable_sort(v in proptest::collection::vec((0u8..6, proptest::prelude::any::<u16>()), 0..200)) {
            let mut ours = v.clone();
            by_positions(&mut ours, |a, b| a.0.cmp(&b.0));
            let mut standard = v;
            standard.sort_by_key(|a| a.0);
            proptest::prop_assert_eq!(ours, standard);
        }
    }

    #[test]
    fn inserting_gives_the_collected_map_and_set() {
        // A repeated key keeps its last value either way.
        let pairs = [("tier", "web"), ("app", "shop"), ("tier", "db"), ("zone", "a")];
        assert_eq!(map_by_inserts(pairs.into_iter()), pairs.into_iter().collect::<BTreeMap<_, _>>());
        assert_eq!(map_by_inserts(pairs.into_iter()).get("tier"), Some(&"db"));
        let items = [5, 1, 3, 1];
        assert_eq!(set_by_inserts(items.into_iter()), items.into_iter().collect::<BTreeSet<_>>());
    }

    #[test]
    fn by_positions_moves_owned_elements() {
        let mut v: Vec<String> = ["d", "b", "a", "c", "b"].iter().map(|s| s.to_string()).collect();
        by_positions(&mut v, |a, b| b.cmp(a));
        assert_eq!(v, ["d", "c", "b", "b", "a"]);
    }
}
