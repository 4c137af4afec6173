//! Embeds every shipped scenario (`scenarios/*.yaml`) into the crate, so the
//! browser app and the native CLI see the same files without a server.
use std::{env, fs, path::Path};

fn main() {
    let dir = Path::new("scenarios");
    println!("cargo:rerun-if-changed=scenarios");
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".yaml"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut out = String::from("/// `(file name, contents)` of every shipped scenario, sorted by file name.\n");
    out.push_str("pub static SHIPPED: &[(&str, &str)] = &[\n");
    for n in &names {
        println!("cargo:rerun-if-changed=scenarios/{n}");
        out.push_str(&format!(
            "    ({n:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/scenarios/{n}\"))),\n"
        ));
    }
    out.push_str("];\n");
    let dest = Path::new(&env::var("OUT_DIR").unwrap()).join("shipped_scenarios.rs");
    fs::write(dest, out).unwrap();
}
