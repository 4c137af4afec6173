//! The lesson panel: a [`LessonView`] (the scenario's description in the
//! learner's language, the latest timeline note at the cursor, who
//! announces each VIP right now). The goals are the workshop's tasks
//! ([`super::tasks`]).

use super::fidelity::HowReal;
use super::i18n::Msg;
use super::markdown;
use super::state::use_store;
use crate::time::Instant;
use crate::view::lesson::LessonView;
use crate::view::markdown::reveal_marks;
use std::rc::Rc;
use yew::prelude::*;

#[function_component(Lesson)]
pub fn lesson() -> Html {
    let store = use_store();
    let lang = store.lang;
    let entry = store.active().cloned();
    let whole = use_state(|| false);
    // The story so far: the paragraphs and items whose reveal time the
    // playhead has passed (all of it once asked for). Drawn again only when
    // that changes, the scenario (by identity) or the language.
    let marks = use_memo((store.scenario.as_ref().map(|s| Rc::as_ptr(s) as usize), lang), {
        let scenario = store.scenario.clone();
        move |(_, lang)| {
            scenario.and_then(|s| s.doc.metadata.description_in(lang.code()).map(reveal_marks)).unwrap_or_default()
        }
    });
    let revealed = marks.iter().filter(|m| m.is_none_or(|d| Instant::ZERO + d <= store.time)).count();
    let description = use_memo((store.scenario.as_ref().map(|s| Rc::as_ptr(s) as usize), lang, revealed, *whole), {
        let scenario = store.scenario.clone();
        let now = (!*whole).then_some(store.time);
        move |(_, lang, _, _)| {
            scenario
                .and_then(|s| s.doc.metadata.description_in(lang.code()).map(|d| markdown::render_until(d, now)))
                .unwrap_or_else(|| (html! {}, 0))
        }
    });
    let (Some(scenario), Some(entry)) = (store.scenario.clone(), entry) else { return html! {} };
    let changed_at = store.changed_at(&entry);
    let run = entry.run.borrow();
    let view = LessonView::of(&scenario, run.world(), run.visible(), lang, store.concealed(), &changed_at);
    let first_beat = entry.story.first_beat();
    let hidden = description.1;
    let toggle = {
        let whole = whole.clone();
        Callback::from(move |_| whole.set(!*whole))
    };
    html! {
        <section class="panel lesson" aria-labelledby="lesson-title" data-panel="lesson">
            <h2 id="lesson-title">{ view.title }</h2>
            if !view.tags.is_empty() {
                <p class="tags">{ for view.tags.iter().map(|t| html! { <span class="tag">{ t }</span> }) }</p>
            }
            <p class="how-real"><HowReal label={Msg::HowRealLesson} /></p>
            // The beat's box is there from the start, so its arrival moves nothing.
            if let Some(beat) = view.beat {
                <aside class={classes!("note-now", beat.fault.then_some("fault"))} aria-live="polite"
                    data-beat-ns={beat.t.as_nanos().to_string()}>
                    <span class="label">{ beat.label }</span>
                    <p>{ beat.text }</p>
                    if let Some(caveat) = beat.caveat {
                        <p class="caveat">{ caveat }</p>
                    }
                </aside>
            } else if let Some(first) = first_beat {
                <aside class="note-now idle" aria-live="polite"><p>{ lang.f(Msg::NoBeatYet, &[&crate::view::secs_in(first, lang)]) }</p></aside>
            }
            if !view.announcing.is_empty() {
                <div class="announcers" data-concealed={view.concealed.to_string()}>
                    <h3>{ lang.t(Msg::WhoAnswers) }</h3>
                    if view.concealed {
                        <p class="concealed">{ lang.t(Msg::Concealed) }</p>
                    } else {
                        <ul>
                            { for view.announcing.into_iter().map(|a| html! {
                                <li data-vip={a.ip.to_string()} data-nodes={a.nodes.join(" ")}>
                                    <code>{ a.ip.to_string() }</code>{ a.service }<strong>{ a.who }</strong>
                                    { for a.details.iter().map(|d| html! { <div class="detail">{ d }</div> }) }
                                    if let Some(order) = a.order {
                                        <div class="order">{ order }</div>
                                    }
                                </li>
                            }) }
                        </ul>
                    }
                </div>
            }
            <div class="description" data-hidden={hidden.to_string()}>
                <Told text={description.clone()} />
                // Always the same line while the story has beats to reveal, so
                // its text changing moves nothing.
                if marks.iter().any(Option::is_some) {
                    <p class="story-so-far">
                        { if hidden > 0 { lang.f(Msg::StorySoFar, &[&hidden]) } else { lang.t(Msg::StoryAllTold).to_string() } }{ " " }
                        <button type="button" data-do="whole-story" aria-pressed={whole.to_string()} onclick={toggle}
                            disabled={hidden == 0 && !*whole}>
                            { lang.t(if *whole { Msg::StoryAsItGoes } else { Msg::WholeStory }) }
                        </button>
                    </p>
                }
            </div>
        </section>
    }
}

/// The story so far, drawn again only when the memo above makes it anew
/// (more of it revealed, another scenario or language), not on every step.
#[derive(Properties)]
struct ToldProps {
    text: Rc<(Html, usize)>,
}

impl PartialEq for ToldProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.text, &other.text)
    }
}

#[function_component(Told)]
fn told(props: &ToldProps) -> Html {
    props.text.0.clone()
}
