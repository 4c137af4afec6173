//! Go's `text/tabwriter`, which kubectl, cilium-dbg and friends print their
//! tables through, and small helpers shared by the console commands.
//!
//! The layout is reproduced exactly, trailing padding included: a cell is
//! text terminated by a tab, the text after a line's last tab is not part
//! of any column, and a column is sized per *block* (a run of consecutive
//! lines that have a cell in that column) to `max(minwidth, widest + padding)`.

/// Lays out `text` (tab-separated cells, newline-terminated lines) like
/// `tabwriter.NewWriter(out, minwidth, _, padding, ' ', 0)`.
pub fn tabwrite(text: &str, minwidth: usize, padding: usize) -> String {
    let mut lines: Vec<Vec<&str>> = text.split('\n').map(|l| l.split('\t').collect()).collect();
    // A trailing newline ends the last line rather than starting an empty one.
    let terminated = text.ends_with('\n');
    if terminated {
        lines.pop();
    }
    let mut w = Writer { lines: &lines, minwidth, padding, widths: Vec::new(), out: String::new() };
    w.format(0, lines.len());
    if !terminated && w.out.ends_with('\n') {
        w.out.pop();
    }
    w.out
}

struct Writer<'a> {
    lines: &'a [Vec<&'a str>],
    minwidth: usize,
    padding: usize,
    widths: Vec<usize>,
    out: String,
}

impl Writer<'_> {
    /// `(*Writer).format`: sizes the column `widths.len()` block by block.
    fn format(&mut self, mut line0: usize, line1: usize) {
        let column = self.widths.len();
        let mut this = line0;
        while this < line1 {
            if !self.has_cell(this, column) {
                this += 1;
                continue;
            }
            self.write_lines(line0, this);
            line0 = this;
            let mut width = self.minwidth;
            while this < line1 && self.has_cell(this, column) {
                width = width.max(self.lines[this][column].chars().count() + self.padding);
                this += 1;
            }
            self.widths.push(width);
            self.format(line0, this);
            self.widths.pop();
            line0 = this;
        }
        self.write_lines(line0, line1);
    }

    /// Whether the line has a tab-terminated cell in `column`.
    fn has_cell(&self, line: usize, column: usize) -> bool {
        column + 1 < self.lines[line].len()
    }

    fn write_lines(&mut self, line0: usize, line1: usize) {
        for line in &self.lines[line0..line1] {
            for (j, cell) in line.iter().enumerate() {
                self.out.push_str(cell);
                if let Some(width) = self.widths.get(j) {
                    let pad = width.saturating_sub(cell.chars().count());
                    self.out.extend(std::iter::repeat_n(' ', pad));
                }
            }
            self.out.push('\n');
        }
    }
}

/// kubectl's table writer (minimum width 6, padding 3) over rows of cells.
pub fn render(rows: &[Vec<String>]) -> String {
    render_with(rows, 6)
}

/// The same with another minimum cell width (`cilium-dbg` uses 5).
pub fn render_with(rows: &[Vec<String>], min_width: usize) -> String {
    let text: String = rows.iter().map(|r| r.join("\t") + "\n").collect();
    tabwrite(&text, min_width, 3)
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
    fn columns_are_sized_per_block_and_empty_cells_pad() {
        // kubectl describe's writer: minwidth 0, padding 2. The Events
        // header line has no tab, so the table below is a block of its own.
        let text = "Name:\tweb\nSession Affinity:\tNone\nEvents:\n  Type\tReason\n  ----\t------\n";
        assert_eq!(
            tabwrite(text, 0, 2),
            "Name:              web\nSession Affinity:  None\nEvents:\n  Type  Reason\n  ----  ------\n"
        );
        // A trailing tab makes the last cell a column too (cilium-dbg's rows).
        assert_eq!(tabwrite("ID\tB\t\n1\tlong\t\n", 5, 3), "ID   B      \n1    long   \n");
        // A shorter line inside a block ends the deeper column's block.
        assert_eq!(tabwrite("a\tb\tc\nxx\ty\nz\tw\tv\n", 0, 1), "a  b c\nxx y\nz  w v\n");
    }

    #[test]
    fn suggestions() {
        assert_eq!(nearest("kubctl", ["kubectl", "curl", "ip"]), Some("kubectl"));
        assert_eq!(nearest("zzz", ["kubectl", "curl"]), None);
    }
}
