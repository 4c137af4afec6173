//! What the playground shows, computed without a browser: the UI's words
//! ([`i18n`]), what a run's trace means for the screen ([`story`]), where
//! the topology's boxes and lines go and what they say ([`scene`]), the
//! lesson ([`lesson`]) and the small Markdown the scenarios use
//! ([`markdown`]). The yew playground (`crate::ui`, wasm32 only) renders
//! these; so does the native build, which writes the static posters and
//! first-paint pages the site shows before the wasm has arrived
//! ([`poster`], [`site`]). One code path for both, so the poster a reader
//! sees first is the app's first frame.

pub mod class;
pub mod i18n;
pub mod lesson;
pub mod markdown;
pub mod poster;
pub mod scene;
pub mod site;
pub mod story;
pub mod timeline;

use crate::time::Instant;

/// Playback speeds, in simulated seconds per wall-clock second.
pub const SPEEDS: &[f64] = &[0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 25.0, 50.0];

/// A simulated instant as the playground prints it: seconds with
/// milliseconds, cut (not rounded) like the trace's own times, so a note
/// that says "at 4647.000s" sits under "Note at 4647.000 s".
pub fn secs(t: Instant) -> String {
    format!("{}.{:03} s", t.as_secs(), t.as_millis() % 1000)
}
