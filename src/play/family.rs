//! The runs of one scenario as a family: the original and the variants
//! are roots, every branch has the run it was forked from as its parent.
//! A branch holds its own trace and snapshots (a couple of megabytes for
//! the shipped stories), so the playground keeps a bounded number of them:
//! deleting a run deletes the branches forked from it, and past the cap
//! the oldest branch nobody stands on is dropped.

/// The most branches the playground keeps; the oldest are dropped past it.
pub const MAX_BRANCHES: usize = 12;

/// One run of the family: its id and the id of the run it was forked from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member {
    pub id: usize,
    pub parent: Option<usize>,
}

/// `id` and every run forked from it, directly or not, in the family's order.
pub fn with_descendants(family: &[Member], id: usize) -> Vec<usize> {
    let mut out = vec![id];
    // Branches come after their parents: one pass in order finds them all.
    for m in family {
        if m.parent.is_some_and(|p| out.contains(&p)) && !out.contains(&m.id) {
            out.push(m.id);
        }
    }
    out
}

/// The ids of `id`'s ancestors, nearest first.
pub fn ancestors(family: &[Member], id: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut at = family.iter().find(|m| m.id == id).and_then(|m| m.parent);
    while let Some(p) = at {
        if out.contains(&p) {
            break;
        }
        out.push(p);
        at = family.iter().find(|m| m.id == p).and_then(|m| m.parent);
    }
    out
}

/// The branches to drop so that at most `cap` remain, oldest first: only
/// branches that no other run was forked from, that are not `kept` (the
/// run on screen, the one compared with) and not an ancestor of a kept
/// one (its edits are part of the kept run's story).
pub fn over_cap(family: &[Member], kept: &[usize], cap: usize) -> Vec<usize> {
    let branches = family.iter().filter(|m| m.parent.is_some()).count();
    let mut excess = branches.saturating_sub(cap);
    let protected: Vec<usize> = kept.iter().flat_map(|k| std::iter::once(*k).chain(ancestors(family, *k))).collect();
    let mut out = Vec::new();
    for m in family.iter().filter(|m| m.parent.is_some()) {
        if excess == 0 {
            break;
        }
        let leaf = !family.iter().any(|c| c.parent == Some(m.id));
        if leaf && !protected.contains(&m.id) {
            out.push(m.id);
            excess -= 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn family() -> Vec<Member> {
        // 0 original, 1 a variant; 2 and 3 branch 0; 4 branches 2; 5 branches 1.
        [(0, None), (1, None), (2, Some(0)), (3, Some(0)), (4, Some(2)), (5, Some(1))]
            .map(|(id, parent)| Member { id, parent })
            .to_vec()
    }

    #[test]
    fn deleting_a_run_takes_its_branches_along() {
        assert_eq!(with_descendants(&family(), 2), vec![2, 4]);
        assert_eq!(with_descendants(&family(), 0), vec![0, 2, 3, 4]);
        assert_eq!(with_descendants(&family(), 5), vec![5]);
        assert_eq!(ancestors(&family(), 4), vec![2, 0]);
    }

    #[test]
    fn the_cap_drops_the_oldest_leaves_nobody_stands_on() {
        // Four branches, cap three: the oldest leaf goes (2 has a child, so 3).
        assert_eq!(over_cap(&family(), &[5], 3), vec![3]);
        // Standing on 3 protects it; 4 (a leaf, oldest after 3) goes.
        assert_eq!(over_cap(&family(), &[3], 3), vec![4]);
        // Standing on 4 protects 4 and its parent 2; 3 goes.
        assert_eq!(over_cap(&family(), &[4], 2), vec![3, 5]);
        assert_eq!(over_cap(&family(), &[4], 4), Vec::<usize>::new());
    }
}
