//! What the playground shows, computed without a browser: the UI's words
//! ([`i18n`]), what a run's trace means for the screen ([`story`]), where
//! the topology's boxes and lines go and what they say ([`scene`]), the
//! lesson ([`lesson`]) and the small Markdown the scenarios use
//! ([`markdown`]). The yew playground (`crate::ui`, wasm32 only) renders
//! these; so does the native build, which writes the static posters and
//! first-paint pages the site shows before the wasm has arrived
//! ([`poster`], [`site`]). One code path for both, so the poster a reader
//! sees first is the app's first frame.

pub mod answers;
pub mod beats;
pub mod charts;
pub mod class;
pub mod coming_up;
pub mod compare;
pub mod i18n;
pub mod lesson;
pub mod markdown;
pub mod poster;
pub mod probes;
pub mod scene;
pub mod site;
pub mod story;
pub mod timeline;
pub mod whatif;
pub mod zoom;

use crate::time::{Duration, Instant};
use i18n::Lang;

/// Playback speeds, in simulated seconds per wall-clock second.
pub const SPEEDS: &[f64] = &[0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 25.0, 50.0];

/// A simulated instant as the playground prints it: seconds with
/// milliseconds, cut (not rounded) like the trace's own times, so a note
/// that says "at 4647.000s" sits under "Note at 4647.000 s".
pub fn secs(t: Instant) -> String {
    format!("{}.{:03} s", t.as_secs(), t.as_millis() % 1000)
}

/// [`secs`] inside a sentence in `lang`: Korean puts its unit after the
/// number ("26.000초"). The clock and the tables keep [`secs`].
pub fn secs_in(t: Instant, lang: Lang) -> String {
    match lang {
        Lang::En => secs(t),
        Lang::Ko => format!("{}.{:03}초", t.as_secs(), t.as_millis() % 1000),
    }
}

/// A length of simulated time as the playground says it, everywhere (an
/// outage, a timeout, a timer): tenths of a second under a minute, then
/// minutes and seconds, then hours and minutes: "5.0 s", "1 min 10 s",
/// "4 h"; in Korean with its own units, "5.0초", "1분 10초", "4시간".
pub fn duration(d: Duration, lang: Lang) -> String {
    let (sec, min, hour) = match lang {
        Lang::En => (" s", " min", " h"),
        Lang::Ko => ("초", "분", "시간"),
    };
    let secs = d.as_secs();
    if secs < 60 {
        return format!("{:.1}{sec}", d.as_secs_f64());
    }
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    match (h, m, s) {
        (0, m, 0) => format!("{m}{min}"),
        (0, m, s) => format!("{m}{min} {s}{sec}"),
        (h, 0, _) => format!("{h}{hour}"),
        (h, m, _) => format!("{h}{hour} {m}{min}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_one_way() {
        let en = |d| duration(d, Lang::En);
        assert_eq!(en(Duration::from_millis(5_000)), "5.0 s");
        assert_eq!(en(Duration::from_millis(59_940)), "59.9 s");
        assert_eq!(en(Duration::from_secs(70)), "1 min 10 s");
        assert_eq!(en(Duration::from_secs(300)), "5 min");
        assert_eq!(en(Duration::from_secs(4 * 3600)), "4 h");
        assert_eq!(en(Duration::from_secs(4 * 3600 - 61)), "3 h 58 min");
    }

    /// A moment inside a sentence: Korean's unit follows the number.
    #[test]
    fn moments_in_sentences_take_the_language_s_unit() {
        let t = Instant::from_millis(26_000);
        assert_eq!(secs_in(t, Lang::En), "26.000 s");
        assert_eq!(secs_in(t, Lang::Ko), "26.000초");
    }

    /// Korean says its units after the number, with no space: 초, 분, 시간.
    #[test]
    fn durations_in_korean_use_korean_units() {
        let ko = |d| duration(d, Lang::Ko);
        assert_eq!(ko(Duration::from_millis(5_000)), "5.0초");
        assert_eq!(ko(Duration::from_secs(70)), "1분 10초");
        assert_eq!(ko(Duration::from_secs(300)), "5분");
        assert_eq!(ko(Duration::from_secs(4 * 3600)), "4시간");
        assert_eq!(ko(Duration::from_secs(4 * 3600 - 61)), "3시간 58분");
    }
}
