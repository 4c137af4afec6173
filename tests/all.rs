//! Every integration test, in one test binary: each file under `tests/`
//! (but `web.rs`, the browser tests) is a module of this one. Linking the
//! crate into one binary instead of one per file is most of what a test
//! build costs. `cargo test --test all stories::` runs one file's tests;
//! Cargo.toml turns off the discovery of `tests/*.rs` (`autotests`), so a
//! new file is listed here, which [`every_test_file_is_a_module`] checks.

// Helpers shared by several files.
mod common;
mod console_common;
#[cfg(not(target_arch = "wasm32"))]
mod fuzz;

mod animate;
mod catalog_check;
mod cli;
mod console_fuzz;
mod console_kubectl;
mod console_session;
mod console_tools;
mod determinism;
mod failures;
mod fidelity;
// The browser fetches FIDELITY.md from the site; the crate carries it natively only.
#[cfg(not(target_arch = "wasm32"))]
mod fidelity_page;
mod fuzz_findings;
mod golden;
mod handin;
mod host_stacks;
mod in_cluster;
mod incremental;
mod layers;
mod lessons;
mod linux_arp_table;
mod narrate;
mod predict;
mod regressions;
mod scenario_fuzz;
mod scenario_loader;
mod service_fields;
mod stories;
mod time_travel;
mod view_claims;
mod workloads;
mod workshop;

/// A file under `tests/` that is not declared here would never be compiled
/// or run.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn every_test_file_is_a_module() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let this = std::fs::read_to_string(dir.join("all.rs")).expect("tests/all.rs");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("tests/") {
        let path = entry.expect("an entry").path();
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        let module = if path.is_dir() {
            path.join("mod.rs").exists().then_some(name)
        } else {
            (path.extension().is_some_and(|e| e == "rs") && name != "all" && name != "web").then_some(name)
        };
        if let Some(module) = module
            && !this.lines().any(|l| l == format!("mod {module};"))
        {
            missing.push(module);
        }
    }
    assert!(missing.is_empty(), "tests/all.rs does not declare `mod` for {missing:?}, so they never run");
}
