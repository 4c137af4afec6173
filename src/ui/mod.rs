//! The browser playground (wasm32 only). It renders the core's state and
//! dispatches actions to it; it holds no networking logic of its own.

mod app;

/// Mounts the playground on `<main id="app">` (or the body when absent).
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
