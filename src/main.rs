//! The `vipsim` binary: the native CLI, or (built for wasm32 by trunk) the
//! browser playground's entry point.

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    std::process::exit(vipsim::cli::main());
}

#[cfg(target_arch = "wasm32")]
fn main() {
    vipsim::ui::start();
}
