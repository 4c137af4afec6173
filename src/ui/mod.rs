//! The browser playground (wasm32 only). It renders the core's state and
//! dispatches actions to it; it holds no networking logic of its own.
//!
//! One component per file; [`state`] holds the reducer, [`story`] what a
//! run's trace means for the screen and [`i18n`] every word the UI shows
//! (no yew in those three); [`route`] reads the page's address and makes
//! links, [`storage`] keeps progress and the language in the browser.

mod app;
mod branches;
mod charts;
mod checkpoint;
mod class;
mod clip_export;
mod coming_up;
mod compare;
mod computing;
mod console;
mod editor;
mod embed;
mod events;
mod fidelity;
mod frame_view;
mod handin;
mod host_tables;
pub use crate::view::i18n;
mod inspector;
mod keys;
mod language;
mod lesson;
mod manifests;
mod markdown;
mod memory;
mod panels;
mod picker;
mod player;
mod problems;
pub mod route;
mod scorm;
use crate::view::scene;
mod share_menu;
mod state;
mod storage;
pub use crate::view::story;
mod tasks;
mod timeline;
mod topology;
mod topology_table;
mod tour;
mod viewport;
mod workshop;
mod zoom;

/// Mounts the playground on `#app` (or the body when absent).
pub fn start() {
    let document = gloo::utils::document();
    match document.get_element_by_id("app") {
        Some(root) => {
            // The page's first paint (www/boot.js, `vipsim site`) until now.
            // The embed's Run button marks the root: play at once.
            let play = root.has_attribute("data-play");
            root.set_inner_html("");
            yew::Renderer::<app::App>::with_root_and_props(root, app::Props { play }).render();
        }
        None => {
            yew::Renderer::<app::App>::with_props(app::Props::default()).render();
        }
    }
}

/// Milliseconds on the page's monotonic clock, for playback and for
/// measuring how long a seek takes. Never used by the simulation.
fn now_ms() -> f64 {
    gloo::utils::window().performance().map(|p| p.now()).unwrap_or_default()
}

use crate::view::{secs, secs_in};

/// Saves `bytes` as a download named `name`. The object URL is kept in
/// `keep` until the next download so the browser can finish reading it.
fn download(keep: &std::cell::RefCell<Option<gloo::file::ObjectUrl>>, name: &str, bytes: &[u8], mime: &str) {
    let url = gloo::file::ObjectUrl::from(gloo::file::Blob::new_with_options(bytes, Some(mime)));
    let document = gloo::utils::document();
    if let Ok(a) = document.create_element("a") {
        let a: web_sys::HtmlAnchorElement = wasm_bindgen::JsCast::unchecked_into(a);
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    *keep.borrow_mut() = Some(url);
}
