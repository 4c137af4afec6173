//! The narrated tour: the story played stop by stop. A stop is a moment
//! (a tenth of a simulated second) with a timeline note or at least one sentence;
//! its caption is the note, then the sentences, and it points at the
//! device the note names (or the first sentence is about). How long a stop
//! stays on screen grows with its caption, so it can be read.

use super::Sentence;
use crate::engine::trace::{Kind, Record};
use crate::sim::World;
use crate::time::Instant;

/// A caption stays at least this long (wall milliseconds)...
pub const MIN_READ_MS: u32 = 3_000;
/// ...plus this per character...
const MS_PER_CHAR: u32 = 45;
/// ...and at most this long (Next moves on at once).
pub const MAX_READ_MS: u32 = 12_000;

#[derive(Clone, Debug, PartialEq)]
pub struct Stop {
    /// The last step of the moment: the cursor goes here.
    pub step: u64,
    /// The time of that step.
    pub t: Instant,
    /// The timeline's note at this moment, as written.
    pub note: Option<String>,
    /// Indices into the run's sentences.
    pub sentences: Vec<usize>,
    /// The host (or switch) the caption points at.
    pub subject: Option<String>,
}

impl Stop {
    /// The caption's lines: the note first, then the sentences with their time.
    pub fn lines(&self, sentences: &[Sentence], lang: &str) -> Vec<String> {
        self.note
            .iter()
            .cloned()
            .chain(self.sentences.iter().filter_map(|&i| sentences.get(i)).map(|s| s.text(lang)))
            .collect()
    }

    /// How long the caption stays before the tour moves on, in wall ms.
    pub fn reading_ms(&self, sentences: &[Sentence], lang: &str) -> u32 {
        let chars: usize = self.lines(sentences, lang).iter().map(|l| l.chars().count()).sum();
        (MIN_READ_MS + MS_PER_CHAR * chars as u32).min(MAX_READ_MS)
    }
}

/// The first host (or switch) name the text mentions as a word.
pub fn named_device(text: &str, world: &World) -> Option<String> {
    let names: Vec<&str> =
        world.net.hosts.iter().map(|h| &*h.name).chain(std::iter::once(&*world.net.switch.name)).collect();
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '.'))
        .map(|w| w.trim_end_matches('.'))
        .find(|w| names.contains(w))
        .map(str::to_string)
}

/// The tour's stops over `trace`, in time order.
pub fn stops(trace: &[Record], sentences: &[Sentence], world: &World) -> Vec<Stop> {
    let mut stops: Vec<Stop> = Vec::new();
    let mut add = |t: Instant, step: u64, note: Option<&str>, sentence: Option<usize>| {
        // One stop per tenth of a second, as the sentences print their time
        // (a frame takes microseconds to reach the next host).
        let stop = match stops.last_mut() {
            Some(s) if s.t.as_millis() / 100 == t.as_millis() / 100 => s,
            _ => {
                stops.push(Stop { step, t, note: None, sentences: Vec::new(), subject: None });
                stops.last_mut().expect("just pushed")
            }
        };
        stop.step = stop.step.max(step);
        stop.t = stop.t.max(t);
        if let Some(note) = note {
            stop.note = Some(note.to_string());
        }
        stop.sentences.extend(sentence);
    };
    // Sentences and notes in trace order.
    let mut next = 0;
    for (i, r) in trace.iter().enumerate() {
        while let Some(s) = sentences.get(next).filter(|s| s.record <= i) {
            add(s.t, s.step, None, Some(next));
            next += 1;
        }
        if let Kind::Note { text } = &r.kind {
            add(r.t, r.step, Some(text), None);
        }
    }
    for stop in &mut stops {
        stop.subject = stop
            .note
            .as_deref()
            .and_then(|n| named_device(n, world))
            .or_else(|| stop.sentences.iter().find_map(|&i| sentences[i].event.subject().map(str::to_string)));
    }
    stops
}

/// The stop at or after the cursor's moment `t`: the one the tour shows
/// next when it starts or moves on from `t`.
pub fn next_stop(stops: &[Stop], after: Instant) -> Option<usize> {
    let i = stops.partition_point(|s| s.t <= after);
    (i < stops.len()).then_some(i)
}
