//! The endpoints a trace record shows for a Service, kept so that a new
//! version with one endpoint changed costs a few dozen entries, not the
//! whole list: the list is cut into chunks shared between versions, and a
//! change copies only the chunk it touches (and the list of chunks).
//! Every change of a Service with N endpoints records the whole list, so
//! without sharing N pods coming up one by one behind it would keep N^2
//! entries in the trace.

use super::trace::Name;
use std::rc::Rc;

/// Entries per chunk: a change copies at most twice this many entries,
/// plus one pointer per chunk.
const CHUNK: usize = 32;

/// One endpoint as the trace shows it: `10.244.1.5 (node-a)` and its
/// conditions, under the pod it stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointMark {
    pub pod: Name,
    /// `ip (node)`.
    pub label: Name,
    pub ready: bool,
    pub serving: bool,
    pub terminating: bool,
}

/// Endpoints in pod-name order (the order of the EndpointSlice).
#[derive(Clone, Debug, Default)]
pub struct EndpointList {
    chunks: Rc<Vec<Rc<Vec<EndpointMark>>>>,
    len: usize,
}

impl PartialEq for EndpointList {
    fn eq(&self, other: &EndpointList) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl FromIterator<EndpointMark> for EndpointList {
    /// The marks must come in pod-name order.
    fn from_iter<I: IntoIterator<Item = EndpointMark>>(marks: I) -> EndpointList {
        let marks: Vec<EndpointMark> = marks.into_iter().collect();
        let len = marks.len();
        let chunks = marks.chunks(CHUNK).map(|c| Rc::new(c.to_vec())).collect();
        EndpointList { chunks: Rc::new(chunks), len }
    }
}

impl EndpointList {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = &EndpointMark> {
        self.chunks.iter().flat_map(|c| c.iter())
    }

    /// Labels of the ready endpoints.
    pub fn ready(&self) -> Vec<&str> {
        self.iter().filter(|e| e.ready).map(|e| &*e.label).collect()
    }

    /// Labels of the serving endpoints (ready, or terminating but still serving).
    pub fn serving(&self) -> Vec<&str> {
        self.iter().filter(|e| e.serving).map(|e| &*e.label).collect()
    }

    /// Labels of the terminating endpoints.
    pub fn terminating(&self) -> Vec<&str> {
        self.iter().filter(|e| e.terminating).map(|e| &*e.label).collect()
    }

    /// This list with `pod`'s entry set to `mark`, or removed when `None`.
    /// Shares every chunk but the one it changes.
    pub fn with(&self, pod: &str, mark: Option<EndpointMark>) -> EndpointList {
        debug_assert!(mark.as_ref().is_none_or(|m| &*m.pod == pod));
        let chunks = &self.chunks;
        // The first chunk whose last pod is not before `pod` (or the last chunk).
        let at = chunks.partition_point(|c| c.last().is_some_and(|l| &*l.pod < pod));
        let ci = at.min(chunks.len().saturating_sub(1));
        let Some(chunk) = chunks.get(ci) else {
            return match mark {
                Some(m) => std::iter::once(m).collect(),
                None => self.clone(),
            };
        };
        let found = chunk.binary_search_by(|e| (*e.pod).cmp(pod));
        let mut new_chunk: Vec<EndpointMark>;
        let len;
        match (found, mark) {
            (Ok(i), Some(m)) => {
                if chunk[i] == m {
                    return self.clone();
                }
                new_chunk = chunk.to_vec();
                new_chunk[i] = m;
                len = self.len;
            }
            (Ok(i), None) => {
                new_chunk = chunk.to_vec();
                new_chunk.remove(i);
                len = self.len - 1;
            }
            (Err(i), Some(m)) => {
                new_chunk = chunk.to_vec();
                new_chunk.insert(i, m);
                len = self.len + 1;
            }
            (Err(_), None) => return self.clone(),
        }
        let mut spine: Vec<Rc<Vec<EndpointMark>>> = Vec::with_capacity(chunks.len() + 1);
        spine.extend(chunks[..ci].iter().cloned());
        if new_chunk.len() > 2 * CHUNK {
            let tail = new_chunk.split_off(CHUNK);
            spine.push(Rc::new(new_chunk));
            spine.push(Rc::new(tail));
        } else if !new_chunk.is_empty() {
            spine.push(Rc::new(new_chunk));
        }
        spine.extend(chunks[ci + 1..].iter().cloned());
        EndpointList { chunks: Rc::new(spine), len }
    }

    /// Whether the entries `keep` selects give equal sequences of `key` in
    /// both lists. Chunks both lists share are skipped where both reach
    /// them together, so a list and the version one change made of it
    /// compare in a few chunks, not entry by entry (the narration compares
    /// every version of every Service's list with the one before).
    pub fn same_by<'a, K: PartialEq>(
        &'a self,
        other: &'a EndpointList,
        keep: impl Fn(&EndpointMark) -> bool,
        key: impl Fn(&'a EndpointMark) -> K,
    ) -> bool {
        let (a, b) = (&self.chunks[..], &other.chunks[..]);
        let (mut at_a, mut at_b) = ((0, 0), (0, 0));
        loop {
            while at_a.1 == 0
                && at_b.1 == 0
                && at_a.0 < a.len()
                && at_b.0 < b.len()
                && Rc::ptr_eq(&a[at_a.0], &b[at_b.0])
            {
                at_a.0 += 1;
                at_b.0 += 1;
            }
            match (next_kept(a, &mut at_a, &keep), next_kept(b, &mut at_b, &keep)) {
                (None, None) => return true,
                (Some(x), Some(y)) if key(x) == key(y) => {}
                _ => return false,
            }
        }
    }
}

/// The next entry `keep` selects from (chunk, index) `at` on, leaving `at`
/// after it (at the start of the next chunk when it was a chunk's last).
fn next_kept<'a>(
    chunks: &'a [Rc<Vec<EndpointMark>>],
    at: &mut (usize, usize),
    keep: &impl Fn(&EndpointMark) -> bool,
) -> Option<&'a EndpointMark> {
    while let Some(chunk) = chunks.get(at.0) {
        let Some(e) = chunk.get(at.1) else {
            *at = (at.0 + 1, 0);
            continue;
        };
        at.1 += 1;
        if at.1 == chunk.len() {
            *at = (at.0 + 1, 0);
        }
        if keep(e) {
            return Some(e);
        }
    }
    None
}

/// The trace writes a list as three lists of `ip (node)` labels, the ready,
/// the serving and the terminating endpoints, as an EndpointSlice's
/// conditions group them (flattened into the `endpoints` record).
impl serde::Serialize for EndpointList {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("ready", &self.ready())?;
        m.serialize_entry("serving", &self.serving())?;
        m.serialize_entry("terminating", &self.terminating())?;
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(pod: &str, ready: bool) -> EndpointMark {
        EndpointMark {
            pod: pod.into(),
            label: format!("ip-of-{pod} (n)").into(),
            ready,
            serving: ready,
            terminating: false,
        }
    }

    /// `same_by` says what comparing the whole sequences says, for lists
    /// that share chunks (versions of one list) and lists that do not.
    #[test]
    fn same_by_equals_comparing_whole_sequences() {
        let names: Vec<String> = (0..200).map(|i| format!("web-{:03}", (i * 37) % 200)).collect();
        let mut list = EndpointList::default();
        let mut versions = vec![list.clone()];
        for (i, n) in names.iter().enumerate() {
            list = list.with(n, Some(mark(n, i % 4 != 0)));
            versions.push(list.clone());
        }
        for (i, n) in names.iter().enumerate().step_by(3) {
            let m = match i % 5 {
                0 => None,
                1 => Some(EndpointMark { label: format!("ip-of-{n} (other)").into(), ..mark(n, true) }),
                _ => Some(mark(n, i % 2 == 0)),
            };
            list = list.with(n, m);
            versions.push(list.clone());
        }
        // A rebuilt copy shares no chunk with any version.
        versions.push(list.iter().cloned().collect());
        let node = |e: &EndpointMark| e.label.split_once(" (").map(|(_, n)| n.to_string());
        let mut equal = 0;
        for (i, a) in versions.iter().enumerate() {
            for b in versions.iter().skip(i.saturating_sub(3)).take(7) {
                let whole = a.iter().filter(|e| e.ready).map(node).eq(b.iter().filter(|e| e.ready).map(node));
                assert_eq!(a.same_by(b, |e| e.ready, node), whole);
                assert_eq!(b.same_by(a, |e| e.ready, node), whole);
                equal += whole as usize;
            }
        }
        assert!(equal > versions.len(), "some different versions compare equal too ({equal})");
    }

    /// Point changes in any order give the list a sorted rebuild gives,
    /// and earlier versions stay as they were.
    #[test]
    fn changes_keep_pod_order_and_old_versions() {
        let mut list = EndpointList::default();
        let mut model: std::collections::BTreeMap<String, EndpointMark> = Default::default();
        let mut versions = Vec::new();
        // A deterministic shuffle of 300 pods, then readiness flips and removals.
        let names: Vec<String> = (0..300).map(|i| format!("web-{:03}", (i * 7919) % 300)).collect();
        for n in &names {
            list = list.with(n, Some(mark(n, false)));
            model.insert(n.clone(), mark(n, false));
            versions.push((list.clone(), model.values().cloned().collect::<Vec<_>>()));
        }
        for (i, n) in names.iter().enumerate() {
            let m = if i % 3 == 0 { None } else { Some(mark(n, i % 2 == 0)) };
            list = list.with(n, m.clone());
            match m {
                Some(m) => model.insert(n.clone(), m),
                None => model.remove(n),
            };
            versions.push((list.clone(), model.values().cloned().collect::<Vec<_>>()));
        }
        for (v, expected) in &versions {
            assert_eq!(v.iter().cloned().collect::<Vec<_>>(), *expected);
            assert_eq!(v.len(), expected.len());
        }
        let rebuilt: EndpointList = model.values().cloned().collect();
        assert_eq!(rebuilt, list);
        assert_eq!(list.ready().len(), model.values().filter(|m| m.ready).count());
    }

    /// Setting an entry to what it is, or removing an absent one, changes nothing.
    #[test]
    fn no_op_changes_share_everything() {
        let list: EndpointList = (0..100).map(|i| mark(&format!("p{i:03}"), true)).collect();
        let same = list.with("p050", Some(mark("p050", true)));
        assert!(Rc::ptr_eq(&list.chunks, &same.chunks));
        let same = list.with("zzz", None);
        assert!(Rc::ptr_eq(&list.chunks, &same.chunks));
        let changed = list.with("p050", Some(mark("p050", false)));
        // Only the changed chunk is new.
        let shared = list.chunks.iter().zip(changed.chunks.iter()).filter(|(a, b)| Rc::ptr_eq(a, b)).count();
        assert_eq!(shared, list.chunks.len() - 1);
    }
}
