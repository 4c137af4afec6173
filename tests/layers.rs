//! The crate's layers, bottom to top, and a check that every dependency
//! points down: a module may use its own layer and the layers below it,
//! never one above. ARCHITECTURE.md says what each layer owns.
//!
//! The check reads every file under `src/` and resolves each `crate::`
//! path (grouped `use crate::{a::X, b::Y}` included) and each `super::`
//! path that climbs out of its top-level module to the top-level module it
//! names. Comments and string literals are skipped, so a doc link or a
//! message may name any module.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The layers, bottom to top. Written once: the check, the error messages
/// and ARCHITECTURE.md's table follow this order.
const LAYERS: &[&[&str]] = &[
    // Simulated time, the seeded RNG, stable sorting, packets as bytes, JSON text read.
    &["time", "rng", "sort", "wire", "json"],
    // The event queue, Ctx, the trace vocabulary, topology ids.
    &["engine"],
    // Hosts' stacks, the switch, the Service NAT table, processes, pod apps.
    &["net"],
    // The Kubernetes control planes.
    &["k8s"],
    // The scenario schema and its loader.
    &["scenario"],
    // The World and the actions applied to it.
    &["sim"],
    // Commands a learner types, answered from the world.
    &["console"],
    // A run told in sentences: the packet log, the tour's captions.
    &["narrate"],
    // Building a world from a scenario, running and branching it, goals.
    &["play"],
    // What people use: the CLI, the playground, permalinks, the catalogue,
    // hand-ins, animations, the SCORM package, and `view`: the words, lesson, timeline, charts
    // and topology drawing as plain data, built natively, that the
    // playground and the static pages (posters, first paint) both render.
    &["catalog", "cli", "share", "handin", "animate", "scorm", "fidelity", "view", "ui", "bin", "main", "lib"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// One use of a module of another layer.
#[derive(Debug, PartialEq, Eq)]
struct Use {
    line: usize,
    module: String,
}

/// The top-level module (`net`) a file under `src/` belongs to, and its
/// module path (`net::tools::curl`).
fn module_of(path: &Path) -> (String, Vec<String>) {
    let rel: Vec<String> = path.iter().map(|c| c.to_string_lossy().into_owned()).collect();
    let mut parts: Vec<String> = rel.clone();
    let file = parts.pop().expect("a file");
    let stem = file.trim_end_matches(".rs").to_string();
    if stem != "mod" {
        parts.push(stem);
    }
    let top = parts.first().cloned().unwrap_or_else(|| "lib".into());
    (top, parts)
}

/// The source with comments and the contents of string and char literals
/// blanked out (newlines kept, so line numbers stay right).
fn code_only(src: &str) -> String {
    let b: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !ident_char(i.checked_sub(1).map(|p| b[p])) {
            // A raw string: r"..." or r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let close: String = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
            let body: String = b[j + 1..].iter().collect();
            let end = body.find(&close).map(|e| j + 1 + e + close.chars().count()).unwrap_or(b.len());
            out.extend(b[i..end].iter().map(|c| blank(*c)));
            i = end;
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < b.len() {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' && is_char_literal(&b, i) {
            out.push(' ');
            i += 1;
            while i < b.len() && b[i] != '\'' {
                if b[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                out.push(' ');
                i += 1;
            }
            out.push(' ');
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn ident_char(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// `'x'`, `'\n'`, `'\u{1F600}'` rather than a lifetime `'a`.
fn is_char_literal(b: &[char], i: usize) -> bool {
    matches!((b.get(i + 1), b.get(i + 2)), (Some('\\'), _) | (Some(_), Some('\'')))
}

/// The top-level modules a file's code names through `crate::` or through
/// `super::` paths that climb out of its top-level module. A name at the
/// crate root that is no module (`crate::VERSION`) counts as `lib`.
fn uses(path: &Path, src: &str) -> Vec<Use> {
    let (_, module_path) = module_of(path);
    let code: Vec<char> = code_only(src).chars().collect();
    let mut found = Vec::new();
    let mut line_no = 1;
    // Inline `mod name { ... }` blocks open: `super` inside one is the
    // module around it. Each entry is the brace depth the block opened at.
    let mut inline: Vec<usize> = Vec::new();
    let mut depth = 0;
    let mut i = 0;
    while i < code.len() {
        let before = i.checked_sub(1).map(|p| code[p]);
        let starts_word = !ident_char(before) && before != Some('$') && before != Some(':');
        // Only a word that may be `crate`, `super` or `mod` needs a look ahead.
        let rest: String = if starts_word && matches!(code[i], 'c' | 's' | 'm') {
            code[i..code.len().min(i + 400)].iter().collect()
        } else {
            String::new()
        };
        let push = |tail: &str, line: usize, found: &mut Vec<Use>| {
            for m in path_heads(tail) {
                let module = if module_named(&m) { m } else { "lib".to_string() };
                found.push(Use { line, module });
            }
        };
        match code[i] {
            '\n' => line_no += 1,
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if inline.last() == Some(&depth) {
                    inline.pop();
                }
            }
            _ => {}
        }
        if starts_word && rest.starts_with("mod ") {
            let after = rest["mod ".len()..].trim_start();
            let name_len = after.chars().take_while(|c| ident_char(Some(*c))).count();
            if name_len > 0 && after[name_len..].trim_start().starts_with('{') {
                inline.push(depth);
            }
        }
        if starts_word && rest.starts_with("crate::") {
            push(&rest["crate::".len()..], line_no, &mut found);
            i += "crate::".len();
            continue;
        }
        if starts_word && rest.starts_with("super::") {
            let mut ups = 0;
            let mut tail = rest.as_str();
            while let Some(t) = tail.strip_prefix("super::") {
                ups += 1;
                tail = t.trim_start();
            }
            // `super` from `a::b::c` is `a::b`; climbing past the first
            // component leaves the top-level module.
            if ups >= module_path.len() + inline.len() {
                push(tail, line_no, &mut found);
            }
            i += rest.len() - tail.len();
            continue;
        }
        i += 1;
    }
    found
}

fn module_named(name: &str) -> bool {
    LAYERS.iter().any(|l| l.contains(&name)) && !["bin", "main", "lib"].contains(&name)
}

/// The first segment of a path (`net` in `net::host::Host`), or of each
/// path in a group (`{net::Host, sim::World}`).
fn path_heads(tail: &str) -> Vec<String> {
    let tail = tail.trim_start();
    if let Some(group) = tail.strip_prefix('{') {
        let mut heads = Vec::new();
        let mut depth = 0;
        let mut item = String::new();
        for c in group.chars() {
            match c {
                '{' => {
                    depth += 1;
                    item.push(c);
                }
                '}' if depth == 0 => break,
                '}' => {
                    depth -= 1;
                    item.push(c);
                }
                ',' if depth == 0 => {
                    heads.extend(head(&item));
                    item.clear();
                }
                _ => item.push(c),
            }
        }
        heads.extend(head(&item));
        return heads;
    }
    head(tail).into_iter().collect()
}

fn head(path: &str) -> Option<String> {
    let name: String = path.trim_start().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    (!name.is_empty() && name != "self").then_some(name)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every file under `src/`, relative to it, with its text.
fn sources() -> BTreeMap<PathBuf, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable");
            (p.strip_prefix(&root).expect("under src").to_path_buf(), text)
        })
        .collect()
}

/// What is wrong with the files' imports: upward uses and modules no layer lists.
fn violations(files: &BTreeMap<PathBuf, String>) -> Vec<String> {
    let mut wrong = Vec::new();
    for (path, text) in files {
        let (top, _) = module_of(path);
        let Some(own) = layer_of(&top) else {
            wrong.push(format!(
                "src/{}: module `{top}` is in no layer: add it to LAYERS in tests/layers.rs",
                path.display()
            ));
            continue;
        };
        for u in uses(path, text) {
            match layer_of(&u.module) {
                Some(l) if l > own => wrong.push(format!(
                    "src/{}:{}: `{top}` (layer {}) uses `{}` (layer {}), which is above it",
                    path.display(),
                    u.line,
                    own + 1,
                    u.module,
                    l + 1
                )),
                _ => {}
            }
        }
    }
    wrong
}

#[test]
fn every_dependency_points_down() {
    let files = sources();
    assert!(files.len() > 100, "only {} files found under src/", files.len());
    let wrong = violations(&files);
    assert!(wrong.is_empty(), "imports that climb a layer:\n{}", wrong.join("\n"));
}

#[test]
fn the_check_sees_every_way_of_naming_a_module() {
    let file =
        |path: &str, text: &str| -> BTreeMap<PathBuf, String> { [(PathBuf::from(path), text.to_string())].into() };
    // A plain path, a grouped use, a path in an expression, and super::
    // climbing out of net::tools::curl into the crate root.
    let text = "use crate::time::Instant;\n\
                use crate::{wire::Frame, sim::World};\n\
                fn f() { crate::console::run(); }\n\
                use super::super::super::k8s::cluster::Cluster;\n";
    let wrong = violations(&file("net/tools/curl.rs", text));
    assert_eq!(wrong.len(), 3, "{wrong:#?}");
    assert!(wrong[0].starts_with("src/net/tools/curl.rs:2: `net` (layer 3) uses `sim` (layer 6)"), "{}", wrong[0]);
    assert!(wrong[1].contains(":3:") && wrong[1].contains("`console`"), "{}", wrong[1]);
    assert!(wrong[2].contains(":4:") && wrong[2].contains("`k8s`"), "{}", wrong[2]);
    // super:: inside the module, comments, strings and other crates' `$crate` are not imports.
    let quiet = "use super::host::Host;\n\
                 /// See [`crate::sim::World`].\n\
                 // crate::play::run\n\
                 const S: &str = \"crate::console\";\n\
                 const R: &str = r#\"crate::ui\"#;\n\
                 fn g<'a>(c: char) -> bool { c == '\"' && $crate::cli::x() }\n";
    assert_eq!(violations(&file("net/tools/curl.rs", quiet)), Vec::<String>::new());
    // A module no layer lists is an error too.
    let stray = violations(&file("stray.rs", "fn f() {}\n"));
    assert_eq!(stray, ["src/stray.rs: module `stray` is in no layer: add it to LAYERS in tests/layers.rs"]);
}
