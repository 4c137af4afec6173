//! The timeline: play/pause, speed, one event back or forward, the previous
//! or next interesting moment, and a scrubber over the whole run with a
//! mark per interesting moment and the client's outages as bands. Under
//! it, the checkpoint card, and the packet log: a live region that says,
//! after each move, the core's sentences for what the move passed
//! ([`crate::narrate::announce`]), for screen readers.

use super::checkpoint::CheckpointCard;
use super::i18n::Msg;
use super::state::{Action, Dir, SPEEDS, use_store};
use crate::time::Instant;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// The scrubber moves in these steps from the keyboard.
const SCRUB_STEP_MS: u64 = 100;

fn pct(t: Instant, end: Instant) -> f64 {
    if end == Instant::ZERO { 0.0 } else { 100.0 * t.as_nanos() as f64 / end.as_nanos() as f64 }
}

#[function_component(Timeline)]
pub fn timeline() -> Html {
    let store = use_store();
    let lang = store.lang;
    let Some(entry) = store.active().cloned() else { return html! {} };
    let run = entry.run.borrow();
    let story = &entry.story;
    let end = run.end;
    let cursor = run.cursor();
    let send = |a: fn() -> Action| {
        let store = store.clone();
        Callback::from(move |_: MouseEvent| store.dispatch(a()))
    };
    let play = {
        let store = store.clone();
        let playing = store.playing;
        Callback::from(move |_: MouseEvent| store.dispatch(Action::Play(!playing)))
    };
    let tour = {
        let store = store.clone();
        let on = store.tour.is_none();
        Callback::from(move |_: MouseEvent| store.dispatch(Action::Tour(on)))
    };
    let on_speed = {
        let store = store.clone();
        Callback::from(move |e: Event| {
            if let Ok(x) = e.target_unchecked_into::<HtmlSelectElement>().value().parse() {
                store.dispatch(Action::Speed(x));
            }
        })
    };
    let on_scrub = {
        let store = store.clone();
        Callback::from(move |e: InputEvent| {
            if let Ok(ms) = e.target_unchecked_into::<HtmlInputElement>().value().parse::<f64>() {
                store.dispatch(Action::SeekTime(Instant::from_nanos((ms * 1e6) as u64)));
            }
        })
    };
    let end_step = run.len();
    let said = crate::narrate::announce(&entry.sentences, store.previous, cursor, lang.code());
    let current = story.current_step(cursor);
    let now_records: Vec<String> = match current {
        Some(step) => {
            let visible = run.visible();
            let from = visible.partition_point(|r| r.step < step);
            visible[from..].iter().map(|r| r.kind.describe().lines().next().unwrap_or_default().to_string()).collect()
        }
        None => Vec::new(),
    };
    // Marks closer than this (in % of the run) to the previous labelled one
    // are drawn as ticks only, so bursts (five GARP rounds) stay readable.
    const LABEL_GAP_PCT: f64 = 3.0;
    let mut last_labelled = f64::NEG_INFINITY;
    let marks: Vec<Html> = story
        .marks
        .iter()
        .map(|m| {
            let store = store.clone();
            let step = m.step;
            let onclick = Callback::from(move |_| store.dispatch(Action::SeekStep(step)));
            let here = current == Some(m.step);
            let at = pct(m.t, end);
            let labelled = at - last_labelled >= LABEL_GAP_PCT;
            if labelled {
                last_labelled = at;
            }
            let label = m.label(lang);
            html! {
                <button type="button" tabindex="-1"
                    class={classes!("mark", m.kind.css(), here.then_some("here"), (!labelled).then_some("tick"))}
                    style={format!("left:{at:.3}%")} title={format!("{} {label}", super::secs(m.t))}
                    aria-label={lang.f(Msg::MarkAt, &[&label, &super::secs(m.t)])} onclick={onclick}>
                    { if labelled { m.kind.glyph() } else { "" } }
                </button>
            }
        })
        .collect();
    let outages = story.outages.iter().map(|o| {
        let left = pct(o.from, end);
        let width = (pct(o.to, end) - left).max(0.3);
        html! {
            <span class="outage-band" style={format!("left:{left:.3}%;width:{width:.3}%")}
                title={lang.f(Msg::RequestsFailing, &[&super::secs(o.from), &super::secs(o.to)])}></span>
        }
    });
    html! {
        <section class="panel timeline" aria-label={lang.t(Msg::PanelTimeline)} data-panel="timeline">
            <div class="transport" role="toolbar" aria-label={lang.t(Msg::Playback)}>
                <button type="button" onclick={send(|| Action::SeekStep(0))} aria-label={lang.t(Msg::GoStartLabel)} title={lang.t(Msg::GoStartTitle)}>{ lang.t(Msg::GoStart) }</button>
                <button type="button" onclick={send(|| Action::Interesting(Dir::Back))} aria-label={lang.t(Msg::PrevMarkLabel)} title={lang.t(Msg::PrevMarkTitle)}>{ lang.t(Msg::PrevMark) }</button>
                <button type="button" onclick={send(|| Action::Step(Dir::Back))} aria-label={lang.t(Msg::StepBackLabel)} title={lang.t(Msg::StepBackTitle)}>{ lang.t(Msg::StepBack) }</button>
                <button type="button" class="play" onclick={play} aria-pressed={store.playing.to_string()}
                    aria-label={lang.t(if store.playing { Msg::PauseLabel } else { Msg::PlayLabel })}>
                    { lang.t(if store.playing { Msg::Pause } else { Msg::Play }) }
                </button>
                <button type="button" onclick={send(|| Action::Step(Dir::Forward))} aria-label={lang.t(Msg::StepForwardLabel)} title={lang.t(Msg::StepForwardTitle)}>{ lang.t(Msg::StepForward) }</button>
                <button type="button" onclick={send(|| Action::Interesting(Dir::Forward))} aria-label={lang.t(Msg::NextMarkLabel)} title={lang.t(Msg::NextMarkTitle)}>{ lang.t(Msg::NextMark) }</button>
                <button type="button" onclick={send(|| Action::SeekStep(u64::MAX))} aria-label={lang.t(Msg::GoEndLabel)} title={lang.t(Msg::GoEndTitle)}>{ lang.t(Msg::GoEnd) }</button>
                <button type="button" class="tour-button" onclick={tour} aria-pressed={store.tour.is_some().to_string()}
                    title={lang.t(Msg::TourTitle)}>{ lang.t(Msg::Tour) }</button>
                <label class="speed">
                    <span>{ lang.t(Msg::Speed) }</span>
                    <select onchange={on_speed} aria-label={lang.t(Msg::PlaybackSpeed)} name="speed">
                        { for SPEEDS.iter().map(|x| html! {
                            <option value={x.to_string()} selected={*x == store.speed}>{ format!("{x}×") }</option>
                        }) }
                    </select>
                </label>
                <output class="clock" aria-live="off" data-time-ns={store.time.as_nanos().to_string()}
                    data-step={cursor.to_string()} data-seek-back-ms={format!("{:.3}", store.last_seek_back_ms)}
                    data-worst-seek-back-ms={format!("{:.3}", store.worst_seek_back_ms)}>
                    <strong>{ super::secs(store.time) }</strong>
                    { lang.f(Msg::ClockRest, &[&super::secs(end), &cursor, &end_step]) }
                </output>
            </div>
            <div class="scrubber">
                <div class="marks" aria-hidden="true">{ for marks }</div>
                <div class="bands" aria-hidden="true">{ for outages }</div>
                <input type="range" min="0" max={end.as_millis().to_string()} step={SCRUB_STEP_MS.to_string()}
                    value={store.time.as_millis().to_string()} oninput={on_scrub} aria-label={lang.t(Msg::Time)}
                    aria-valuetext={super::secs(store.time)} />
            </div>
            <div class="now">
                if now_records.is_empty() {
                    <p>{ lang.t(Msg::NothingYet) }</p>
                } else {
                    <p>
                        <span class="label">{ lang.f(Msg::AtTime, &[&super::secs(run.time_of(current.unwrap_or(0)))]) }</span>
                        { &now_records[0] }
                        if now_records.len() > 1 {
                            <span class="more">{ lang.f(Msg::MoreInEvent, &[&(now_records.len() - 1)]) }</span>
                        }
                    </p>
                }
            </div>
            <CheckpointCard />
            <p class="packet-log visually-hidden" role="status" aria-live="polite" aria-label={lang.t(Msg::PacketLog)}
               data-step={cursor.to_string()}>{ said }</p>
        </section>
    }
}
