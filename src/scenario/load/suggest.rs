//! "Did you mean ...?": the known name nearest to a misspelt one.

/// The candidate nearest to `typo` by edit distance, if it is near enough to
/// be a likely slip: at most a third of the typo's length apart (rustc's rule
/// for name suggestions), ignoring ASCII case. Ties go to the earlier
/// candidate, so suggestions are deterministic.
pub fn closest<'a>(typo: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let typo_len = typo.chars().count();
    let limit = typo_len.max(3) / 3;
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        // Cheap reject first: the length difference bounds the distance from below.
        if candidate.chars().count().abs_diff(typo_len) > limit {
            continue;
        }
        let distance = edit_distance(typo, candidate);
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, name)| name)
}

/// Edit distance over chars where swapping two neighbours is one edit
/// (optimal string alignment: `wbe` is one slip from `web`), ASCII
/// case-insensitive (`podCidr` is `podCIDR` misspelt, not four edits away).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    // Three rows of the classic table: two back for transpositions.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for i in 0..a.len() {
        current[0] = i + 1;
        for j in 0..b.len() {
            let substitution = previous[j] + usize::from(a[i] != b[j]);
            let mut best = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
            if i > 0 && j > 0 && a[i] == b[j - 1] && a[i - 1] == b[j] {
                best = best.min(before[j - 1] + 1);
            }
            current[j + 1] = best;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("podCidr", "podCIDR"), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("wbe", "web"), 1);
        assert_eq!(edit_distance("ca", "abc"), 3);
    }

    #[test]
    fn suggests_near_names_only() {
        let kinds = ["Namespace", "Service", "ServiceAccount"];
        assert_eq!(closest("Servce", kinds), Some("Service"));
        assert_eq!(closest("service", kinds), Some("Service"));
        assert_eq!(closest("Ingress", kinds), None);
        assert_eq!(closest("nod", ["client", "node", "router"]), Some("node"));
        assert_eq!(closest("x", ["y"]), Some("y"));
        assert_eq!(closest("xy", ["ab"]), None);
        assert_eq!(closest("anything", []), None);
    }

    #[test]
    fn ties_go_to_the_first_candidate() {
        assert_eq!(closest("wxrker-1", ["worker-1", "worker-2"]), Some("worker-1"));
        assert_eq!(closest("worker-3", ["worker-1", "worker-2"]), Some("worker-1"));
    }
}
