//! "Animation for slides": a range of the run on screen exported as the
//! animated SVG `vipsim animate` writes ([`crate::animate`]: CSS keyframes,
//! no script), or as a WebM video recorded from a canvas that draws that
//! same SVG as it plays (MediaRecorder on the canvas's stream), for slide
//! tools and sites that take video but not SVG. The range starts at the
//! cursor and lasts fifteen seconds unless the author says otherwise.

use super::download;
use super::i18n::Msg;
use super::state::use_store;
use crate::animate::Clip;
use crate::time::{Duration, Instant};
use gloo::timers::callback::Interval;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::{Closure, JsValue};
use web_sys::{
    BlobEvent, CanvasRenderingContext2d, HtmlCanvasElement, HtmlImageElement, HtmlInputElement, MediaRecorder,
};
use yew::prelude::*;

/// Video frames a second.
const FPS: u32 = 30;
/// A clip's default length, from the cursor.
const DEFAULT_SPAN: Duration = Duration::from_secs(15);

#[derive(Clone, Debug, PartialEq)]
enum Status {
    Idle,
    Wrote { bytes: usize },
    Recording { secs: f64 },
    Failed(String),
}

/// Seconds typed in a field, as a time of the run.
fn seconds(input: &NodeRef) -> Option<Instant> {
    let s: f64 = input.cast::<HtmlInputElement>()?.value().trim().parse().ok()?;
    (s.is_finite() && s >= 0.0).then(|| Instant::ZERO + Duration::from_nanos((s * 1e9) as u64))
}

fn js_error(e: JsValue) -> String {
    e.as_string().or_else(|| js_sys::JSON::stringify(&e).ok().and_then(|s| s.as_string())).unwrap_or_default()
}

/// Plays `svg` into a canvas for `secs` and records it; `done` gets the WebM bytes.
fn record(svg: &str, secs: f64, done: Callback<Result<Vec<u8>, String>>) -> Result<(), String> {
    let blob = gloo::file::Blob::new_with_options(svg, Some("image/svg+xml"));
    let url = Rc::new(gloo::file::ObjectUrl::from(blob));
    let img = HtmlImageElement::new().map_err(js_error)?;
    let onload = Closure::once(Box::new({
        let (img, url) = (img.clone(), url.clone());
        move || {
            if let Err(e) = start(&img, url, secs, done.clone()) {
                done.emit(Err(e));
            }
        }
    }) as Box<dyn FnOnce()>);
    img.set_onload(Some(onload.as_ref().unchecked_ref()));
    onload.forget();
    img.set_src(&url);
    Ok(())
}

fn start(
    img: &HtmlImageElement,
    url: Rc<gloo::file::ObjectUrl>,
    secs: f64,
    done: Callback<Result<Vec<u8>, String>>,
) -> Result<(), String> {
    let document = gloo::utils::document();
    let canvas: HtmlCanvasElement = document.create_element("canvas").map_err(js_error)?.unchecked_into();
    canvas.set_width(img.natural_width().max(1));
    canvas.set_height(img.natural_height().max(1));
    let ctx: CanvasRenderingContext2d =
        canvas.get_context("2d").map_err(js_error)?.ok_or("no 2d canvas")?.unchecked_into();
    let stream = canvas.capture_stream_with_frame_request_rate(f64::from(FPS)).map_err(js_error)?;
    let options = web_sys::MediaRecorderOptions::new();
    options.set_mime_type("video/webm");
    let recorder =
        MediaRecorder::new_with_media_stream_and_media_recorder_options(&stream, &options).map_err(js_error)?;
    let chunks = Rc::new(RefCell::new(Vec::<web_sys::Blob>::new()));
    let on_data = Closure::<dyn FnMut(BlobEvent)>::new({
        let chunks = chunks.clone();
        move |e: BlobEvent| {
            if let Some(b) = e.data() {
                chunks.borrow_mut().push(b);
            }
        }
    });
    recorder.set_ondataavailable(Some(on_data.as_ref().unchecked_ref()));
    on_data.forget();
    let on_stop = Closure::once(Box::new(move || {
        let parts: js_sys::Array = chunks.borrow().iter().collect();
        let Ok(blob) = web_sys::Blob::new_with_blob_sequence(&parts) else {
            return done.emit(Err("the recording could not be assembled".into()));
        };
        let read = gloo::file::callbacks::read_as_bytes(&gloo::file::Blob::from(blob), move |bytes| {
            done.emit(bytes.map_err(|e| e.to_string()));
        });
        // The read finishes on its own; its handle must outlive this closure.
        std::mem::forget(read);
    }) as Box<dyn FnOnce()>);
    recorder.set_onstop(Some(on_stop.as_ref().unchecked_ref()));
    on_stop.forget();
    let draw = {
        let (img, canvas) = (img.clone(), canvas.clone());
        move || {
            ctx.set_fill_style_str("#ffffff");
            ctx.fill_rect(0.0, 0.0, f64::from(canvas.width()), f64::from(canvas.height()));
            let _ = ctx.draw_image_with_html_image_element(&img, 0.0, 0.0);
        }
    };
    draw();
    recorder.start().map_err(js_error)?;
    let started = super::now_ms();
    let timer: Rc<RefCell<Option<Interval>>> = Rc::default();
    let keep = timer.clone();
    *timer.borrow_mut() = Some(Interval::new(1000 / FPS, move || {
        draw();
        if super::now_ms() - started >= secs * 1000.0 {
            let _ = recorder.stop();
            let _ = &url;
            keep.borrow_mut().take();
        }
    }));
    Ok(())
}

#[function_component(ClipExport)]
pub fn clip_export() -> Html {
    let store = use_store();
    let lang = store.lang;
    let status = use_state(|| Status::Idle);
    let keep_url = use_mut_ref(|| None::<gloo::file::ObjectUrl>);
    let (from, to, captions) = (use_node_ref(), use_node_ref(), use_node_ref());
    let Some(entry) = store.active().cloned() else { return html! {} };
    let end = entry.run.borrow().end;
    let start = store.time.min(end);
    let stop = (start + DEFAULT_SPAN).min(end);
    let id = store.source.as_ref().and_then(|s| s.shipped.clone()).unwrap_or_else(|| "vipsim".into());

    // The clip the fields ask for, computed from the run on screen.
    let clip = {
        let (from, to, captions, entry) = (from.clone(), to.clone(), captions.clone(), entry.clone());
        move || -> Result<Clip, String> {
            let (Some(a), Some(b)) = (seconds(&from), seconds(&to)) else {
                return Err("give the range in seconds, e.g. 18 and 32".into());
            };
            let with_captions = captions.cast::<HtmlInputElement>().is_some_and(|c| c.checked());
            Clip::new(&entry.run.borrow(), a, b, with_captions)
        }
    };
    let name = {
        let (from, to, id) = (from.clone(), to.clone(), id.clone());
        move |ext: &str| {
            let s = |r: &NodeRef| seconds(r).map(|t| t.as_secs().to_string()).unwrap_or_default();
            format!("{id}-{}s-{}s.{ext}", s(&from), s(&to))
        }
    };
    let svg = {
        let (clip, name, status, keep) = (clip.clone(), name.clone(), status.clone(), keep_url.clone());
        Callback::from(move |_| match clip() {
            Ok(c) => {
                let text = c.svg(1.0);
                download(&keep, &name("svg"), text.as_bytes(), "image/svg+xml");
                status.set(Status::Wrote { bytes: text.len() });
            }
            Err(e) => status.set(Status::Failed(e)),
        })
    };
    let webm = {
        let (status, keep) = (status.clone(), keep_url.clone());
        Callback::from(move |_| {
            if matches!(*status, Status::Recording { .. }) {
                return;
            }
            let c = match clip() {
                Ok(c) => c,
                Err(e) => return status.set(Status::Failed(e)),
            };
            let secs = (c.to - c.from).as_secs_f64();
            let done = {
                let (status, keep, file) = (status.clone(), keep.clone(), name("webm"));
                Callback::from(move |bytes: Result<Vec<u8>, String>| match bytes {
                    Ok(b) => {
                        download(&keep, &file, &b, "video/webm");
                        status.set(Status::Wrote { bytes: b.len() });
                    }
                    Err(e) => status.set(Status::Failed(e)),
                })
            };
            match record(&c.svg(1.0), secs, done) {
                Ok(()) => status.set(Status::Recording { secs }),
                Err(e) => status.set(Status::Failed(e)),
            }
        })
    };
    let secs = |t: Instant| format!("{:.1}", t.as_nanos() as f64 / 1e9);
    html! {
        <fieldset class="clip-export">
            <legend>{ lang.t(Msg::ClipExport) }</legend>
            <div class="row">
                <label class="field"><span>{ lang.t(Msg::ClipFrom) }</span>
                    <input ref={from} type="number" name="clip-from" min="0" step="0.1" value={secs(start)} /></label>
                <label class="field"><span>{ lang.t(Msg::ClipTo) }</span>
                    <input ref={to} type="number" name="clip-to" min="0" step="0.1" value={secs(stop)} /></label>
            </div>
            <label class="check"><input ref={captions} type="checkbox" name="clip-captions" checked=true />{ lang.t(Msg::ClipCaptions) }</label>
            <div class="row">
                <button type="button" data-do="clip-svg" onclick={svg}>{ lang.t(Msg::ClipSvg) }</button>
                <button type="button" data-do="clip-webm" onclick={webm}
                    disabled={matches!(*status, Status::Recording { .. })}>{ lang.t(Msg::ClipWebm) }</button>
            </div>
            <p class="hint" role="status" data-status={match &*status {
                Status::Idle => "idle", Status::Wrote { .. } => "wrote", Status::Recording { .. } => "recording", Status::Failed(_) => "failed" }}>
                { match &*status {
                    Status::Idle => lang.t(Msg::ClipHint).to_string(),
                    Status::Wrote { bytes } => lang.f(Msg::ClipWrote, &[&bytes.div_ceil(1024)]),
                    Status::Recording { secs } => lang.f(Msg::ClipRecording, &[&format!("{secs:.1}")]),
                    Status::Failed(why) => why.clone(),
                } }
            </p>
        </fieldset>
    }
}
