//! "How real is this?": the project's `FIDELITY.md`, read into a structure
//! the playground can render and filter, and the tests can check.
//!
//! The file is the single source: the repository page, the in-app panel and
//! `tests/fidelity_page.rs` (which makes sure every test the page cites
//! exists) all read the same text. Its shape is small and fixed: a `#`
//! title, intro paragraphs, then `##` sections holding either one table or
//! prose. In behaviour tables the second column starts with the verdict
//! (`exact`, `simplified` or `not modelled`), optionally followed by `:`,
//! `;`, `,` or ` (` and the detail.

/// The page as shipped with this build. Native builds (the CLI, the tests)
/// carry it; the browser fetches [`FILE`] from the site when the panel
/// first opens, so the wasm every reader downloads does not carry 81 KB of
/// text that few of them open (30 KB gzip).
#[cfg(not(target_arch = "wasm32"))]
pub const SOURCE: &str = include_str!("../FIDELITY.md");

/// The page's name in the built site (`www/index.html` copies it there, the
/// service worker keeps it for offline use).
pub const FILE: &str = "FIDELITY.md";

/// How closely vipsim follows upstream for one behaviour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// Modelled as upstream does it, and a test pins it down.
    Exact,
    /// The effect is right; the mechanism is reduced.
    Simplified,
    /// Left out on purpose.
    NotModelled,
}

impl Verdict {
    /// The word the page uses, and the playground's filter label.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Exact => "exact",
            Verdict::Simplified => "simplified",
            Verdict::NotModelled => "not modelled",
        }
    }

    /// Reads the verdict at the start of a status cell, and the detail after it.
    fn split(cell: &str) -> Option<(Verdict, &str)> {
        [Verdict::NotModelled, Verdict::Simplified, Verdict::Exact].into_iter().find_map(|v| {
            let rest = cell.strip_prefix(v.as_str())?;
            let detail = rest.trim_start_matches([':', ';', ',']).trim();
            (rest.is_empty() || rest.starts_with([':', ';', ',', ' '])).then_some((v, detail))
        })
    }
}

/// One row of a behaviour table.
#[derive(Clone, Debug, PartialEq)]
pub struct Behaviour {
    pub what: String,
    pub verdict: Verdict,
    /// What the status cell says after the verdict (may be empty).
    pub detail: String,
    /// The tests (or code) that pin it down; `—` when there are none.
    pub evidence: String,
}

/// What a section holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    /// A behaviour table: behaviour | status | where.
    Behaviours(Vec<Behaviour>),
    /// Any other table, such as the versions: a header and rows of cells.
    Table { header: Vec<String>, rows: Vec<Vec<String>> },
    /// Markdown prose (paragraphs and lists), rendered as it is.
    Prose(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    pub title: String,
    pub body: Body,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Page {
    pub title: String,
    /// Markdown before the first section.
    pub intro: String,
    pub sections: Vec<Section>,
}

/// Why the page could not be read; names the line (1-based).
#[derive(Clone, Debug, PartialEq)]
pub struct PageError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FIDELITY.md:{}: {}", self.line, self.message)
    }
}

impl std::error::Error for PageError {}

/// The cells of a `| a | b |` line. Cells here never contain a `|`.
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    inner.split('|').map(|c| c.trim().to_string()).collect()
}

fn is_rule(line: &str) -> bool {
    let t = line.trim();
    t.starts_with('|') && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

/// The lines of one section, turned into its body.
fn body(lines: &[(usize, &str)]) -> Result<Body, PageError> {
    let table: Vec<&(usize, &str)> = lines.iter().filter(|(_, l)| l.trim_start().starts_with('|')).collect();
    let Some(&&(first, head)) = table.first() else {
        let prose: Vec<&str> = lines.iter().map(|(_, l)| *l).collect();
        return Ok(Body::Prose(prose.join("\n").trim().to_string()));
    };
    if table.len() != lines.iter().filter(|(_, l)| !l.trim().is_empty()).count() {
        return Err(PageError { line: first, message: "a section holds either one table or prose, not both".into() });
    }
    let header = cells(head);
    match table.get(1) {
        Some((_, rule)) if is_rule(rule) => {}
        _ => return Err(PageError { line: first + 1, message: "a table's header needs a |---| line under it".into() }),
    }
    let mut rows = Vec::new();
    for &&(n, line) in &table[2..] {
        let row = cells(line);
        if row.len() != header.len() {
            return Err(PageError {
                line: n,
                message: format!("{} cells where the header has {}", row.len(), header.len()),
            });
        }
        rows.push((n, row));
    }
    if header.iter().map(String::as_str).eq(["behaviour", "status", "where"]) {
        let behaviours = rows
            .into_iter()
            .map(|(n, mut row)| {
                let evidence = row.pop().unwrap_or_default();
                let status = row.pop().unwrap_or_default();
                let what = row.pop().unwrap_or_default();
                let (verdict, detail) = Verdict::split(&status).ok_or_else(|| PageError {
                    line: n,
                    message: format!("status {status:?} must start with exact, simplified or not modelled"),
                })?;
                Ok(Behaviour { what, verdict, detail: detail.to_string(), evidence })
            })
            .collect::<Result<_, _>>()?;
        return Ok(Body::Behaviours(behaviours));
    }
    Ok(Body::Table { header, rows: rows.into_iter().map(|(_, r)| r).collect() })
}

/// Reads a page in the shape described at the top of this module.
pub fn parse(text: &str) -> Result<Page, PageError> {
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l)).peekable();
    let title = match lines.next() {
        Some((_, l)) if l.starts_with("# ") => l[2..].trim().to_string(),
        _ => return Err(PageError { line: 1, message: "the page starts with a `# title` line".into() }),
    };
    let mut intro = Vec::new();
    while let Some((_, l)) = lines.next_if(|(_, l)| !l.starts_with("## ")) {
        intro.push(l);
    }
    let mut sections = Vec::new();
    while let Some((_, heading)) = lines.next() {
        let mut content = Vec::new();
        while let Some(line) = lines.next_if(|(_, l)| !l.starts_with("## ")) {
            content.push(line);
        }
        sections.push(Section { title: heading[3..].trim().to_string(), body: body(&content)? });
    }
    Ok(Page { title, intro: intro.join("\n").trim().to_string(), sections })
}

/// The page shipped with this build. `tests/fidelity_page.rs` parses it
/// natively, so a malformed edit fails `./dev test` before it can reach the
/// playground.
#[cfg(not(target_arch = "wasm32"))]
pub fn page() -> Page {
    parse(SOURCE).unwrap_or_else(|e| Page {
        title: "How real is this?".into(),
        intro: format!("This build's fidelity page could not be read ({e})."),
        sections: Vec::new(),
    })
}

impl Page {
    /// Every behaviour row, with its section's title.
    pub fn behaviours(&self) -> impl Iterator<Item = (&str, &Behaviour)> {
        self.sections.iter().flat_map(|s| match &s.body {
            Body::Behaviours(rows) => rows.iter().map(|b| (s.title.as_str(), b)).collect::<Vec<_>>(),
            _ => Vec::new(),
        })
    }
}

/// The rows of the versions table that a cluster of this kind runs, by
/// their first cell: every node is a Linux host; MetalLB or Cilium assigns
/// and announces; kube-proxy forwards unless Cilium's eBPF replaces it.
pub fn components_in_use(config: &crate::k8s::cluster::ClusterConfig) -> Vec<&'static str> {
    use crate::k8s::cluster::LoadBalancerKind;
    use crate::net::host::Datapath;
    let mut out = vec!["Linux"];
    match config.load_balancer {
        LoadBalancerKind::Metallb => out.push("MetalLB"),
        LoadBalancerKind::Cilium => out.push("Cilium"),
        LoadBalancerKind::None => {}
    }
    if config.datapath != Datapath::Ebpf {
        out.push("kube-proxy");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "# How real?\n\nIntro **here**.\n\n## Versions\n\n| component | version |\n|---|---|\n| Linux | 6.18 |\n\n## ARP\n\n| behaviour | status | where |\n|---|---|---|\n| locktime | exact, measured | `t.rs::a` |\n| Cisco | simplified: one refresh | — |\n| DSR | not modelled | — |\n\n## Else\n\n- **TCP**: small.\n";

    #[test]
    fn reads_intro_tables_behaviours_and_prose() {
        let page = parse(SAMPLE).unwrap();
        assert_eq!(page.title, "How real?");
        assert_eq!(page.intro, "Intro **here**.");
        assert_eq!(
            page.sections[0].body,
            Body::Table {
                header: vec!["component".into(), "version".into()],
                rows: vec![vec!["Linux".into(), "6.18".into()]]
            }
        );
        let rows: Vec<(Verdict, &str)> = page.behaviours().map(|(_, b)| (b.verdict, b.detail.as_str())).collect();
        assert_eq!(
            rows,
            [(Verdict::Exact, "measured"), (Verdict::Simplified, "one refresh"), (Verdict::NotModelled, "")]
        );
        assert_eq!(page.sections[2].body, Body::Prose("- **TCP**: small.".into()));
    }

    #[test]
    fn a_status_without_a_verdict_names_its_line() {
        let bad = SAMPLE.replace("exact, measured", "roughly");
        assert_eq!(
            parse(&bad).unwrap_err().to_string(),
            "FIDELITY.md:15: status \"roughly\" must start with exact, simplified or not modelled"
        );
        // A word that merely starts like a verdict is not one.
        assert_eq!(Verdict::split("exactly"), None);
    }

    #[test]
    fn ragged_rows_and_missing_rules_are_errors() {
        let ragged = SAMPLE.replace("| Linux | 6.18 |", "| Linux | 6.18 | extra |");
        assert_eq!(parse(&ragged).unwrap_err().line, 9);
        let no_rule = SAMPLE.replace("|---|---|\n| Linux", "| Linux");
        assert!(parse(&no_rule).unwrap_err().message.contains("|---|"));
    }
}
