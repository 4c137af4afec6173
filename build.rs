//! Embeds every shipped scenario (`scenarios/*.yaml`) and workshop exercise
//! (`scenarios/workshop/*.yaml`) into the crate, so the browser app and the
//! native CLI see the same files without a server.
use std::{env, fs, path::Path};

/// `static NAME: &[(&str, &str)]` with the `.yaml` files of `dir`, sorted by name.
fn embed(out: &mut String, name: &str, dir: &str) {
    println!("cargo:rerun-if-changed={dir}");
    let mut files: Vec<String> = fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".yaml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    out.push_str(&format!("/// `(file name, contents)` of every file in `{dir}/`, sorted by file name.\n"));
    out.push_str(&format!("pub static {name}: &[(&str, &str)] = &[\n"));
    for f in &files {
        println!("cargo:rerun-if-changed={dir}/{f}");
        out.push_str(&format!("    ({f:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/{dir}/{f}\"))),\n"));
    }
    out.push_str("];\n");
}

fn main() {
    let mut out = String::new();
    embed(&mut out, "SHIPPED", "scenarios");
    embed(&mut out, "WORKSHOP", "scenarios/workshop");
    let dest = Path::new(&env::var("OUT_DIR").unwrap()).join("shipped_scenarios.rs");
    fs::write(dest, out).unwrap();
}
