//! Tests that run inside headless Chromium (`./dev test` runs them with
//! wasm-bindgen-test-runner). They prove the core behaves the same in wasm.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn durations_parse_the_same_in_the_browser() {
    use vipsim::time::Duration;
    assert_eq!(Duration::parse("1m30s"), Ok(Duration::from_secs(90)));
    assert_eq!(Duration::from_secs(330).human(), "5m30s");
}

#[wasm_bindgen_test]
fn shipped_scenarios_are_embedded() {
    let native_count = vipsim::catalog::SHIPPED.len();
    assert_eq!(vipsim::catalog::shipped().len(), native_count);
}
