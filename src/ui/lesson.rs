//! The lesson panel: a [`LessonView`] (the scenario's description in the
//! learner's language, the latest timeline note at the cursor, who
//! announces each VIP right now). The goals are the workshop's tasks
//! ([`super::tasks`]).

use super::fidelity::HowReal;
use super::i18n::Msg;
use super::markdown;
use super::state::use_store;
use crate::view::lesson::LessonView;
use std::rc::Rc;
use yew::prelude::*;

#[function_component(Lesson)]
pub fn lesson() -> Html {
    let store = use_store();
    let lang = store.lang;
    let entry = store.active().cloned();
    // The description only changes with the scenario (compared by identity) and the language.
    let description = use_memo((store.scenario.as_ref().map(|s| Rc::as_ptr(s) as usize), lang), {
        let scenario = store.scenario.clone();
        move |(_, lang)| {
            scenario.and_then(|s| s.doc.metadata.description_in(lang.code()).map(markdown::render)).unwrap_or_default()
        }
    });
    let (Some(scenario), Some(entry)) = (store.scenario.clone(), entry) else { return html! {} };
    let run = entry.run.borrow();
    let view = LessonView::of(&scenario, run.world(), run.visible(), lang);
    html! {
        <section class="panel lesson" aria-labelledby="lesson-title" data-panel="lesson">
            <h2 id="lesson-title">{ view.title }</h2>
            if !view.tags.is_empty() {
                <p class="tags">{ for view.tags.iter().map(|t| html! { <span class="tag">{ t }</span> }) }</p>
            }
            <p class="how-real"><HowReal label={Msg::HowRealLesson} /></p>
            if let Some((t, text)) = view.note {
                <aside class="note-now" aria-live="polite">
                    <span class="label">{ lang.f(Msg::NoteAt, &[&super::secs(t)]) }</span>
                    <p>{ text }</p>
                </aside>
            }
            if !view.announcing.is_empty() {
                <div class="announcers">
                    <h3>{ lang.t(Msg::WhoAnswers) }</h3>
                    <ul>
                        { for view.announcing.into_iter().map(|a| html! {
                            <li>
                                <code>{ a.ip.to_string() }</code>{ a.service }<strong>{ a.who }</strong>
                                if let Some(order) = a.order {
                                    <div class="order">{ order }</div>
                                }
                            </li>
                        }) }
                    </ul>
                </div>
            }
            <div class="description">
                { (*description).clone() }
            </div>
        </section>
    }
}
