//! `FIDELITY.md` is what the playground's "How real is this?" panel shows.
//! These tests keep it honest: it parses, it names the versions the issue
//! asks for, every "exact" row cites evidence, and every test it cites by
//! name exists in the file it names.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use vipsim::fidelity::{Body, Verdict, page, parse};

/// Every `.rs` file under `src/` and `tests/`, with its text.
fn sources() -> BTreeMap<PathBuf, String> {
    fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, String>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.insert(path.clone(), std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = BTreeMap::new();
    walk(&root.join("src"), &mut out);
    walk(&root.join("tests"), &mut out);
    out.into_iter().map(|(p, t)| (p.strip_prefix(root).unwrap().to_path_buf(), t)).collect()
}

/// The `code` spans of a cell.
fn code_spans(cell: &str) -> Vec<&str> {
    cell.split('`').skip(1).step_by(2).collect()
}

fn is_identifier(s: &str) -> bool {
    s.contains('_') && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[test]
fn the_shipped_page_parses() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("FIDELITY.md")).unwrap();
    let page = parse(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(page.title, "How real is this?");
    assert!(page.behaviours().count() >= 40, "{} behaviours", page.behaviours().count());
    // The build embeds the same text the repository shows.
    assert_eq!(vipsim::fidelity::page(), page);
}

#[test]
fn the_versions_modelled_name_linux_metallb_cilium_and_kube_proxy() {
    let page = page();
    let versions = page.sections.iter().find(|s| s.title == "Versions modelled").expect("a Versions modelled section");
    let Body::Table { rows, .. } = &versions.body else { panic!("versions are a table") };
    let named: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    for component in ["Linux", "MetalLB", "Cilium", "kube-proxy"] {
        assert!(named.contains(&component), "{component} missing from {named:?}");
        let row = rows.iter().find(|r| r[0] == component).unwrap();
        assert!(row[1].chars().next().is_some_and(|c| c.is_ascii_digit()), "{component}: version {:?}", row[1]);
    }
}

#[test]
fn exact_rows_cite_evidence_and_simplifications_say_what() {
    for (section, b) in page().behaviours() {
        match b.verdict {
            Verdict::Exact => {
                assert!(b.evidence != "—" && !b.evidence.is_empty(), "{section}: {:?} has no evidence", b.what)
            }
            Verdict::Simplified | Verdict::NotModelled => {
                assert!(!b.detail.is_empty(), "{section}: {:?} must say what is left out", b.what)
            }
        }
    }
}

/// `file.rs::test_name` and the bare names after it (`a.rs::x`, `y`) must
/// be functions in that file; a file named alone must exist.
#[test]
fn every_cited_test_exists_where_the_page_says() {
    let sources = sources();
    let files_named = |name: &str| -> Vec<&PathBuf> {
        sources.keys().filter(|p| p.ends_with(name) || p.to_string_lossy().ends_with(name)).collect()
    };
    let mut checked = 0;
    let mut missing = Vec::new();
    for (section, b) in page().behaviours() {
        let mut file: Option<String> = None;
        for span in code_spans(&b.evidence) {
            let (f, name) = match span.split_once("::") {
                Some((f, name)) if f.ends_with(".rs") => (Some(f.to_string()), Some(name)),
                None if span.ends_with(".rs") => (Some(span.to_string()), None),
                None if is_identifier(span) => (None, Some(span)),
                _ => continue,
            };
            if f.is_some() {
                file = f;
            }
            let Some(file) = &file else {
                missing.push(format!("{section}: `{span}` names no file before it"));
                continue;
            };
            let candidates = files_named(file);
            if candidates.is_empty() {
                missing.push(format!("{section}: no file {file}"));
                continue;
            }
            if let Some(name) = name {
                let decl = format!("fn {name}(");
                if !candidates.iter().any(|p| sources[*p].contains(&decl)) {
                    missing.push(format!("{section}: no `fn {name}` in {file}"));
                }
            }
            checked += 1;
        }
    }
    assert!(missing.is_empty(), "FIDELITY.md cites what does not exist:\n{}", missing.join("\n"));
    assert!(checked >= 30, "only {checked} citations checked: is the parser reading the `where` column?");
}

/// The panel opened from a scenario highlights the versions that scenario
/// runs; every name it can pick must be a row of the versions table.
#[test]
fn each_shipped_scenario_maps_to_rows_of_the_versions_table() {
    let page = page();
    let Some(Body::Table { rows, .. }) = page.sections.iter().find(|s| s.title == "Versions modelled").map(|s| &s.body)
    else {
        panic!("no versions table")
    };
    let mut seen = std::collections::BTreeMap::new();
    for entry in vipsim::catalog::shipped().into_iter().chain(vipsim::catalog::workshop()) {
        let scenario = vipsim::scenario::load::load(entry.file, entry.yaml).unwrap_or_else(|e| panic!("{e:?}"));
        let spec = &scenario.doc.spec.cluster;
        let config = vipsim::play::build::cluster_config(spec).unwrap();
        let used = vipsim::fidelity::components_in_use(&config);
        for name in &used {
            assert!(rows.iter().any(|r| r[0] == *name), "{name} is not in the versions table");
        }
        seen.insert(entry.id.clone(), used);
    }
    assert_eq!(seen["metallb-l2-failover"], ["Linux", "MetalLB", "kube-proxy"]);
    // Cilium replaces kube-proxy with its eBPF datapath by default.
    assert_eq!(seen["cilium-lb-ipam"], ["Linux", "Cilium"]);
}
