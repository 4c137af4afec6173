//! vipsim: a deterministic, packet-level simulation of a small LAN and the
//! Kubernetes control planes that give a `type: LoadBalancer` Service its
//! external IP (the VIP), who answers ARP for it, and what nodes do with
//! packets sent to it.
//!
//! Everything under this crate root except [`ui`] is plain Rust with no web
//! dependency: simulated time only, one seeded RNG, ordered maps. The same
//! scenario and seed give a byte-identical trace natively and in the browser.

pub mod animate;
pub mod catalog;
pub mod console;
pub mod engine;
pub mod fidelity;
pub mod handin;
pub mod json;
pub mod k8s;
pub mod narrate;
pub mod net;
pub mod play;
pub mod rng;
pub mod scenario;
pub mod scorm;
pub mod share;
pub mod sim;
pub mod sort;
pub mod time;
pub mod view;
pub mod wire;

#[cfg(not(target_arch = "wasm32"))]
pub mod cli;

#[cfg(target_arch = "wasm32")]
pub mod ui;

/// The crate version, shown in the CLI and in the playground's footer.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
