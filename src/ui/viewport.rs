//! The page's width class: below [`NARROW_PX`] (a phone) the topology uses
//! its narrow layout and fits the screen, and charts are drawn narrower so
//! their labels stay readable.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{Element, ResizeObserver};
use yew::prelude::*;

/// Below this page width the playground lays itself out for a phone.
pub const NARROW_PX: f64 = 720.0;

fn is_narrow() -> bool {
    gloo::utils::window().inner_width().ok().and_then(|w| w.as_f64()).is_some_and(|w| w < NARROW_PX)
}

/// Whether the page is narrow (a phone), following resizes.
#[hook]
pub fn use_narrow() -> bool {
    let narrow = use_state_eq(is_narrow);
    {
        let narrow = narrow.clone();
        use_effect_with((), move |_| {
            let listener = gloo::events::EventListener::new(&gloo::utils::window(), "resize", move |_| {
                narrow.set(is_narrow());
            });
            move || drop(listener)
        });
    }
    *narrow
}

/// Calls `on_resize` with `el` when it is first laid out and whenever its
/// size changes, until the returned watch is dropped.
pub struct SizeWatch {
    observer: ResizeObserver,
    _callback: Closure<dyn FnMut()>,
}

impl SizeWatch {
    pub fn new(el: &Element, mut on_resize: impl FnMut(&Element) + 'static) -> Option<SizeWatch> {
        let target = el.clone();
        let callback = Closure::<dyn FnMut()>::new(move || on_resize(&target));
        let observer = ResizeObserver::new(callback.as_ref().unchecked_ref()).ok()?;
        observer.observe(el);
        Some(SizeWatch { observer, _callback: callback })
    }
}

impl Drop for SizeWatch {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}
