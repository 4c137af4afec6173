//! The browser playground (wasm32 only). It renders the core's state and
//! dispatches actions to it; it holds no networking logic of its own.
//!
//! One component per file; [`state`] holds the reducer and [`story`] what a
//! run's trace means for the screen (no yew there).

mod app;
mod branches;
mod charts;
mod coming_up;
mod compare;
mod console;
mod events;
mod fidelity;
mod frame_view;
mod host_tables;
mod inspector;
mod keys;
mod lesson;
mod markdown;
mod picker;
mod player;
mod scene;
mod state;
pub mod story;
mod timeline;
mod topology;
mod topology_table;

/// Mounts the playground on `#app` (or the body when absent).
pub fn start() {
    let document = gloo::utils::document();
    match document.get_element_by_id("app") {
        Some(root) => {
            yew::Renderer::<app::App>::with_root(root).render();
        }
        None => {
            yew::Renderer::<app::App>::new().render();
        }
    }
}

/// Milliseconds on the page's monotonic clock, for playback and for
/// measuring how long a seek takes. Never used by the simulation.
fn now_ms() -> f64 {
    gloo::utils::window().performance().map(|p| p.now()).unwrap_or_default()
}

/// A simulated instant as the playground prints it: seconds with milliseconds.
fn secs(t: crate::time::Instant) -> String {
    format!("{:.3} s", t.as_nanos() as f64 / 1e9)
}
