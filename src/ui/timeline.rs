//! The timeline: play/pause, speed, one event back or forward, the previous
//! or next interesting moment, and a scrubber over the whole run with a
//! mark per interesting moment and the client's outages as bands. Under
//! it, the checkpoint card, and the packet log: a live region that says,
//! after each move, the core's sentences for what the move passed
//! ([`crate::narrate::announce`]), for screen readers.

use super::checkpoint::CheckpointCard;
use super::i18n::Lang;
use super::i18n::Msg;
use super::state::{Action, Dir, Dispatcher, SPEEDS, use_store};
use crate::time::Instant;
use crate::view::timeline::{Band, MarkView, TimelineView};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// The scrubber moves in these steps from the keyboard.
const SCRUB_STEP_MS: u64 = 100;

#[function_component(Timeline)]
pub fn timeline() -> Html {
    let store = use_store();
    let lang = store.lang;
    let Some(entry) = store.active().cloned() else { return html! {} };
    let run = entry.run.borrow();
    let story = &entry.story;
    let end = run.end;
    let cursor = run.cursor();
    let on_scrub = {
        let store = store.clone();
        Callback::from(move |e: InputEvent| {
            if let Ok(ms) = e.target_unchecked_into::<HtmlInputElement>().value().parse::<f64>() {
                store.dispatch(Action::SeekTime(Instant::from_nanos((ms * 1e6) as u64)));
            }
        })
    };
    let concealed = store.concealed();
    let said = crate::narrate::announce(&entry.sentences, store.previous, cursor, lang.code(), concealed);
    let mut view = TimelineView::of(&run, story, store.time, lang, concealed);
    html! {
        <section class="panel timeline" aria-label={lang.t(Msg::PanelTimeline)} data-panel="timeline">
            <div class="transport" role="toolbar" aria-label={lang.t(Msg::Playback)}>
                <Transport lang={lang} playing={store.playing} tour={store.tour.is_some()} speed={store.speed}
                    concealed={concealed} dispatcher={store.dispatcher()} />
                <output class="clock" aria-live="off" data-time-ns={store.time.as_nanos().to_string()}
                    data-step={cursor.to_string()} data-seek-back-ms={format!("{:.3}", store.last_seek_back_ms)}
                    data-worst-seek-back-ms={format!("{:.3}", store.worst_seek_back_ms)}>
                    <strong>{ &view.clock }</strong>
                    { &view.clock_rest }
                </output>
            </div>
            <div class="scrubber">
                <Marks marks={std::mem::take(&mut view.marks)} bands={std::mem::take(&mut view.bands)}
                    dispatcher={store.dispatcher()} />
                <input type="range" min="0" max={end.as_millis().to_string()} step={SCRUB_STEP_MS.to_string()}
                    value={store.time.as_millis().to_string()} oninput={on_scrub} aria-label={lang.t(Msg::Time)}
                    aria-valuetext={super::secs(store.time)} />
            </div>
            <div class="now">
                if let Some((at, first, more)) = &view.now {
                    <p>
                        <span class="label">{ at }</span>
                        { first }
                        if let Some(more) = more {
                            <span class="more">{ more }</span>
                        }
                    </p>
                } else {
                    <p>{ lang.t(Msg::NothingYet) }</p>
                }
            </div>
            <CheckpointCard />
            <p class="packet-log visually-hidden" role="status" aria-live="polite" aria-label={lang.t(Msg::PacketLog)}
               data-step={cursor.to_string()}>{ said }</p>
        </section>
    }
}

/// The buttons of the transport bar and the speed: drawn again when what
/// they show changes, not on every step (the clock beside them is).
#[derive(Properties, PartialEq)]
struct TransportProps {
    lang: Lang,
    playing: bool,
    tour: bool,
    speed: f64,
    /// The tour narrates who answers: closed while an exercise asks for it.
    concealed: bool,
    dispatcher: Dispatcher,
}

#[function_component(Transport)]
fn transport(props: &TransportProps) -> Html {
    let TransportProps { lang, playing, tour, speed, concealed, .. } = *props;
    let send = |a: fn() -> Action| {
        let dispatcher = props.dispatcher.clone();
        Callback::from(move |_: MouseEvent| dispatcher.dispatch(a()))
    };
    let play = {
        let dispatcher = props.dispatcher.clone();
        Callback::from(move |_: MouseEvent| dispatcher.dispatch(Action::Play(!playing)))
    };
    let on_tour = {
        let dispatcher = props.dispatcher.clone();
        Callback::from(move |_: MouseEvent| dispatcher.dispatch(Action::Tour(!tour)))
    };
    let on_speed = {
        let dispatcher = props.dispatcher.clone();
        Callback::from(move |e: Event| {
            if let Ok(x) = e.target_unchecked_into::<HtmlSelectElement>().value().parse() {
                dispatcher.dispatch(Action::Speed(x));
            }
        })
    };
    html! {
        <>
            <button type="button" onclick={send(|| Action::SeekStep(0))} aria-label={lang.t(Msg::GoStartLabel)} title={lang.t(Msg::GoStartTitle)}>{ lang.t(Msg::GoStart) }</button>
            <button type="button" onclick={send(|| Action::Interesting(Dir::Back))} aria-label={lang.t(Msg::PrevMarkLabel)} title={lang.t(Msg::PrevMarkTitle)}>{ lang.t(Msg::PrevMark) }</button>
            <button type="button" onclick={send(|| Action::Step(Dir::Back))} aria-label={lang.t(Msg::StepBackLabel)} title={lang.t(Msg::StepBackTitle)}>{ lang.t(Msg::StepBack) }</button>
            <button type="button" class="play" onclick={play} aria-pressed={playing.to_string()}
                aria-label={lang.t(if playing { Msg::PauseLabel } else { Msg::PlayLabel })}>
                // Both words, one hidden, so the button is as wide playing as
                // paused: a pause at a checkpoint does not rewrap the bar.
                <span class="shown">{ lang.t(if playing { Msg::Pause } else { Msg::Play }) }</span>
                <span class="other" aria-hidden="true">{ lang.t(if playing { Msg::Play } else { Msg::Pause }) }</span>
            </button>
            <button type="button" onclick={send(|| Action::Step(Dir::Forward))} aria-label={lang.t(Msg::StepForwardLabel)} title={lang.t(Msg::StepForwardTitle)}>{ lang.t(Msg::StepForward) }</button>
            <button type="button" onclick={send(|| Action::Interesting(Dir::Forward))} aria-label={lang.t(Msg::NextMarkLabel)} title={lang.t(Msg::NextMarkTitle)}>{ lang.t(Msg::NextMark) }</button>
            <button type="button" onclick={send(|| Action::SeekStep(u64::MAX))} aria-label={lang.t(Msg::GoEndLabel)} title={lang.t(Msg::GoEndTitle)}>{ lang.t(Msg::GoEnd) }</button>
            <button type="button" class="tour-button" onclick={on_tour} aria-pressed={tour.to_string()}
                disabled={concealed && !tour}
                title={lang.t(if concealed { Msg::TourConcealed } else { Msg::TourTitle })}>{ lang.t(Msg::Tour) }</button>
            <label class="speed">
                <span>{ lang.t(Msg::Speed) }</span>
                <select onchange={on_speed} aria-label={lang.t(Msg::PlaybackSpeed)} name="speed">
                    { for SPEEDS.iter().map(|x| html! {
                        <option value={x.to_string()} selected={*x == speed}>{ format!("{x}×") }</option>
                    }) }
                </select>
            </label>
        </>
    }
}

/// The scrubber's marks and outage bands: drawn again when they change
/// (another run or language, the cursor reaching or leaving a mark), not
/// on every step.
#[derive(Properties, PartialEq)]
struct MarksProps {
    marks: Vec<MarkView>,
    bands: Vec<Band>,
    dispatcher: Dispatcher,
}

#[function_component(Marks)]
fn marks(props: &MarksProps) -> Html {
    let marks = props.marks.iter().map(|m| {
        let dispatcher = props.dispatcher.clone();
        let step = m.step;
        let onclick = Callback::from(move |_| dispatcher.dispatch(Action::SeekStep(step)));
        html! {
            <button type="button" tabindex="-1"
                class={classes!("mark", m.kind.css(), m.here.then_some("here"), (!m.labelled).then_some("tick"))}
                style={format!("left:{:.3}%", m.at)} title={m.title.clone()}
                aria-label={m.label.clone()} onclick={onclick}>
                { if m.labelled { m.kind.glyph() } else { "" } }
            </button>
        }
    });
    let outages = props.bands.iter().map(|b| {
        html! {
            <span class="outage-band" style={format!("left:{:.3}%;width:{:.3}%", b.left, b.width)}
                title={b.title.clone()}></span>
        }
    });
    html! {
        <>
            <div class="marks" aria-hidden="true">{ for marks }</div>
            <div class="bands" aria-hidden="true">{ for outages }</div>
        </>
    }
}
