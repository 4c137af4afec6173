//! The narrated tour (`?tour=1`, or the timeline's Tour button): the story
//! played stop by stop ([`crate::narrate::tour`]). Each stop's caption is
//! the timeline note and the core's sentences of that moment; it names the
//! device it talks about, which the topology shows selected. The tour moves
//! on after the caption's reading time, or on Next (Space); Escape ends it.
//! Reading aloud uses the browser's speech synthesis, off by default, in
//! the UI's language.

use super::i18n::Msg;
use super::state::{Action, use_store};
use gloo::timers::callback::Timeout;
use web_sys::{HtmlInputElement, SpeechSynthesisUtterance};
use yew::prelude::*;

/// Says `text` in `lang` (BCP 47 code), cutting off what was being said.
fn speak(text: &str, lang: &str) {
    let Ok(synth) = gloo::utils::window().speech_synthesis() else { return };
    synth.cancel();
    if let Ok(u) = SpeechSynthesisUtterance::new_with_text(text) {
        u.set_lang(if lang == "ko" { "ko-KR" } else { "en-US" });
        synth.speak(&u);
    }
}

fn silence() {
    if let Ok(synth) = gloo::utils::window().speech_synthesis() {
        synth.cancel();
    }
}

#[function_component(TourCaption)]
pub fn tour_caption() -> Html {
    let store = use_store();
    let lang = store.lang;
    let code = lang.code();
    let entry = store.active().cloned();
    // Its captions say who answers: none while an exercise asks for it.
    let shown = store
        .tour
        .filter(|_| !store.concealed())
        .zip(entry)
        .and_then(|(i, e)| e.stops.get(i).cloned().map(|s| (i, e, s)));
    let lines = shown.as_ref().map(|(_, e, s)| s.lines(&e.sentences, code)).unwrap_or_default();
    let reading = shown.as_ref().map(|(_, e, s)| s.reading_ms(&e.sentences, code));
    {
        // Moves on after the reading time; a new stop, a language switch or
        // the end of the tour drops the timer.
        let dispatcher = store.dispatcher();
        let speaking = store.speak.then(|| lines.join(" "));
        use_effect_with(
            (store.tour, store.active, reading, speaking, code),
            move |(tour, _, reading, speaking, code)| {
                let timer =
                    tour.zip(*reading).map(|(_, ms)| Timeout::new(ms, move || dispatcher.dispatch(Action::TourNext)));
                match (tour, speaking) {
                    (Some(_), Some(text)) => speak(text, code),
                    _ => silence(),
                }
                move || drop(timer)
            },
        );
    }
    let Some((i, entry, stop)) = shown else { return html! {} };
    let next = {
        let store = store.clone();
        Callback::from(move |_: MouseEvent| store.dispatch(Action::TourNext))
    };
    let end = {
        let store = store.clone();
        Callback::from(move |_: MouseEvent| store.dispatch(Action::Tour(false)))
    };
    let on_speak = {
        let store = store.clone();
        Callback::from(move |e: Event| {
            store.dispatch(Action::Speak(e.target_unchecked_into::<HtmlInputElement>().checked()))
        })
    };
    html! {
        <aside class="tour-caption" aria-label={lang.t(Msg::TourLabel)} data-stop={i.to_string()}
            data-stops={entry.stops.len().to_string()} data-subject={stop.subject.clone().unwrap_or_default()}>
            <p class="tour-where">
                { lang.f(Msg::TourStopOf, &[&(i + 1), &entry.stops.len(), &super::secs_in(stop.t, lang)]) }
                if let Some(subject) = &stop.subject {
                    { " · " }<strong class="tour-subject">{ lang.f(Msg::TourPointsAt, &[subject]) }</strong>
                }
            </p>
            <div class="tour-lines" aria-live="polite">
                { for lines.iter().map(|l| html! { <p>{ l }</p> }) }
            </div>
            <div class="tour-controls">
                <button type="button" class="tour-next" onclick={next}>{ lang.t(Msg::TourNext) }</button>
                <button type="button" class="tour-end" onclick={end}>{ lang.t(Msg::TourEnd) }</button>
                <label class="tour-speak">
                    <input type="checkbox" checked={store.speak} onchange={on_speak} />
                    { lang.t(Msg::TourSpeak) }
                </label>
                <span class="tour-keys">{ lang.t(Msg::TourKeys) }</span>
            </div>
        </aside>
    }
}
