//! kubectl's table layout (Go's text/tabwriter as kubectl configures it:
//! minimum cell width 6, padding 3, left-aligned, last column unpadded) and
//! small helpers shared by the console commands.

/// Lays out rows like `kubectl get`: every column but the last is padded to
/// `max(6, widest cell + 3)`.
pub fn render(rows: &[Vec<String>]) -> String {
    render_with(rows, 6)
}

/// The same with another minimum cell width (`cilium-dbg` uses 5).
pub fn render_with(rows: &[Vec<String>], min_width: usize) -> String {
    let cols = rows.iter().map(|r| r.len()).max().unwrap_or(0);
    let mut widths = vec![0usize; cols];
    for r in rows {
        for (i, cell) in r.iter().enumerate() {
            if i + 1 < r.len() {
                widths[i] = widths[i].max(cell.chars().count() + 3).max(min_width);
            }
        }
    }
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < r.len() {
                line.extend(std::iter::repeat_n(' ', widths[i] - cell.chars().count()));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Levenshtein distance, for "did you mean" suggestions.
pub fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = if ca == *cb { 0 } else { 1 };
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The closest candidate within a third of the word's length (at least 2 edits).
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.len() / 3).max(2);
    candidates.into_iter().map(|c| (distance(word, c), c)).filter(|(d, _)| *d <= limit).min().map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn matches_kubectl_get_svc_spacing() {
        let t = render(&[
            row(&["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]),
            row(&["web", "LoadBalancer", "10.32.0.76", "<pending>", "80:32303/TCP", "1s"]),
        ]);
        assert_eq!(t.lines().nth(1).unwrap(), "web    LoadBalancer   10.32.0.76   <pending>     80:32303/TCP   1s");
    }

    #[test]
    fn matches_cilium_pool_spacing() {
        let t = render(&[
            row(&["NAME", "DISABLED", "CONFLICTING", "IPS AVAILABLE", "AGE"]),
            row(&["demo-pool", "false", "False", "40", "6s"]),
        ]);
        assert_eq!(t.lines().nth(1).unwrap(), "demo-pool   false      False         40              6s");
    }

    #[test]
    fn suggestions() {
        assert_eq!(nearest("kubctl", ["kubectl", "curl", "ip"]), Some("kubectl"));
        assert_eq!(nearest("zzz", ["kubectl", "curl"]), None);
    }
}
