//! Zoom and pan for the topology on a phone: the drawing fits the screen,
//! two fingers pinch it larger (up to [`MAX_ZOOM`]) and one finger then
//! moves it; the + / − / fit buttons do the same without touch. Pointer
//! events carry both mouse and touch, so this needs no touch-only API.
//! The geometry is [`crate::view::zoom`]'s.

use crate::view::zoom::View;
use std::collections::BTreeMap;
use yew::prelude::*;

/// Where the fingers (or the mouse) are, by pointer id, in screen pixels.
#[derive(Default)]
struct Pointers {
    at: BTreeMap<i32, (f64, f64)>,
}

impl Pointers {
    fn spread(&self) -> Option<(f64, (f64, f64))> {
        let mut it = self.at.values();
        let (a, b) = (it.next()?, it.next()?);
        let d = ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();
        Some((d, ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0)))
    }
}

/// The handlers a zoomable SVG needs; [`Handlers::size`] takes the
/// drawing's size (width, height, in its units) at each render.
pub struct Handlers {
    pub size: std::rc::Rc<std::cell::Cell<(f64, f64)>>,
    pub view: View,
    pub down: Callback<PointerEvent>,
    pub moved: Callback<PointerEvent>,
    pub up: Callback<PointerEvent>,
    pub zoom_in: Callback<MouseEvent>,
    pub zoom_out: Callback<MouseEvent>,
    pub fit: Callback<MouseEvent>,
}

/// Zoom and pan state for a drawing.
#[hook]
pub fn use_zoom(drawing: NodeRef) -> Handlers {
    let view = use_state(View::default);
    let pointers = use_mut_ref(Pointers::default);
    let size = use_memo((), |_| std::rc::Rc::new(std::cell::Cell::new((1.0, 1.0))));
    let size: std::rc::Rc<std::cell::Cell<(f64, f64)>> = (*size).clone();
    // The drawing's box, through a NodeRef: yew listens at the app's root,
    // so the event's currentTarget is the root, not the drawing.
    let target_box = move || match drawing.cast::<web_sys::Element>() {
        Some(el) => {
            let r = el.get_bounding_client_rect();
            (r.left(), r.top(), r.width().max(1.0), r.height().max(1.0))
        }
        None => (0.0, 0.0, 1.0, 1.0),
    };
    let down = {
        let pointers = pointers.clone();
        Callback::from(move |e: PointerEvent| {
            pointers.borrow_mut().at.insert(e.pointer_id(), (e.client_x() as f64, e.client_y() as f64));
        })
    };
    let moved = {
        let (pointers, view, size) = (pointers.clone(), view.clone(), size.clone());
        Callback::from(move |e: PointerEvent| {
            let size = size.get();
            let mut p = pointers.borrow_mut();
            let Some(&last) = p.at.get(&e.pointer_id()) else { return };
            let before = p.spread();
            let now = (e.client_x() as f64, e.client_y() as f64);
            p.at.insert(e.pointer_id(), now);
            let (left, top, bw, bh) = target_box();
            match (before, p.spread()) {
                // Two fingers: pinch around their middle.
                (Some((d0, _)), Some((d1, (mx, my)))) if d0 > 0.0 => {
                    e.prevent_default();
                    view.set(view.zoomed(d1 / d0, ((mx - left) / bw, (my - top) / bh), size));
                }
                // One finger on a zoomed drawing: move it.
                (None, None) if view.zoom > 1.0 => {
                    e.prevent_default();
                    let scale = size.0 / view.zoom / bw;
                    view.set(view.moved((last.0 - now.0) * scale, (last.1 - now.1) * scale, size));
                }
                _ => {}
            }
        })
    };
    let up = {
        let pointers = pointers.clone();
        Callback::from(move |e: PointerEvent| {
            pointers.borrow_mut().at.remove(&e.pointer_id());
        })
    };
    let by = |factor: f64| {
        let (view, size) = (view.clone(), size.clone());
        Callback::from(move |_: MouseEvent| view.set(view.zoomed(factor, (0.5, 0.5), size.get())))
    };
    let fit = {
        let view = view.clone();
        Callback::from(move |_: MouseEvent| view.set(View::default()))
    };
    let (zoom_in, zoom_out) = (by(1.5), by(1.0 / 1.5));
    Handlers { size, view: *view, down, moved, up, zoom_in, zoom_out, fit }
}
