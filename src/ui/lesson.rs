//! The lesson: the scenario's description in the learner's language, the
//! latest timeline note at the cursor, and who announces each VIP right
//! now (with MetalLB's sha256 order, computed by the core). The goals are
//! the workshop's tasks ([`super::tasks`]).

use super::fidelity::HowReal;
use super::i18n::Msg;
use super::markdown;
use super::state::use_store;
use crate::engine::trace::Kind;
use crate::k8s::cluster::{AnnounceKind, LoadBalancerKind};
use crate::k8s::metallb::election_order;
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
    let world = run.world();
    let meta = &scenario.doc.metadata;
    let note = run.visible().iter().rev().find_map(|r| match &r.kind {
        Kind::Note { text } => Some((r.t, text.clone())),
        _ => None,
    });
    let config = &world.cluster.config;
    let metallb_l2 = config.load_balancer == LoadBalancerKind::Metallb && config.announce == AnnounceKind::L2;
    let nodes: Vec<String> = world.cluster.nodes.keys().cloned().collect();
    let announcing: Vec<Html> = world
        .cluster
        .services
        .values()
        .flat_map(|svc| svc.ingress.iter().map(move |ip| (svc, *ip)))
        .map(|(svc, ip)| {
            let who = world.cluster.announcers.get(&svc.key()).filter(|n| !n.is_empty());
            let who = who.map(|n| n.join(", ")).unwrap_or_else(|| lang.t(Msg::Nobody).into());
            html! {
                <li>
                    <code>{ ip.to_string() }</code>{ lang.f(Msg::AnnouncedBy, &[&svc.key()]) }<strong>{ who }</strong>
                    if metallb_l2 {
                        <div class="order">
                            { lang.f(Msg::ElectionOrder, &[&election_order(&nodes, ip).join(" → ")]) }
                        </div>
                    }
                </li>
            }
        })
        .collect();
    html! {
        <section class="panel lesson" aria-labelledby="lesson-title" data-panel="lesson">
            <h2 id="lesson-title">{ meta.title_in(lang.code()) }</h2>
            if !meta.tags.is_empty() {
                <p class="tags">{ for meta.tags.iter().map(|t| html! { <span class="tag">{ t }</span> }) }</p>
            }
            <p class="how-real"><HowReal label={Msg::HowRealLesson} /></p>
            if let Some((t, text)) = note {
                <aside class="note-now" aria-live="polite">
                    <span class="label">{ lang.f(Msg::NoteAt, &[&super::secs(t)]) }</span>
                    <p>{ text }</p>
                </aside>
            }
            if !announcing.is_empty() {
                <div class="announcers">
                    <h3>{ lang.t(Msg::WhoAnswers) }</h3>
                    <ul>{ for announcing }</ul>
                </div>
            }
            <div class="description">
                { (*description).clone() }
            </div>
        </section>
    }
}
