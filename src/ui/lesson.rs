//! The lesson: the scenario's description, the latest timeline note at the
//! cursor, who announces each VIP right now (with MetalLB's sha256 order,
//! computed by the core), and the scenario's goals checked on this run.

use super::fidelity::HowReal;
use super::markdown;
use super::state::use_store;
use crate::k8s::metallb::election_order;
use crate::scenario::goals;
use crate::scenario::spec::{AnnounceKind, LoadBalancerKind};
use crate::sim::trace::Kind;
use std::rc::Rc;
use yew::prelude::*;

#[function_component(Lesson)]
pub fn lesson() -> Html {
    let store = use_store();
    let entry = store.active().cloned();
    // Goals are checked once per run (it replays the run to each goal's time).
    let results = use_memo(entry.as_ref().map(|e| e.id), {
        let entry = entry.clone();
        move |_| entry.map(|e| goals::evaluate(&e.run.borrow())).unwrap_or_default()
    });
    // The description only changes with the scenario (compared by identity).
    let description = use_memo(store.scenario.as_ref().map(|s| Rc::as_ptr(s) as usize), {
        let scenario = store.scenario.clone();
        move |_| scenario.and_then(|s| s.doc.metadata.description.as_deref().map(markdown::render)).unwrap_or_default()
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
            let who = who.map(|n| n.join(", ")).unwrap_or_else(|| "nobody".into());
            html! {
                <li>
                    <code>{ ip.to_string() }</code>{ format!(" ({}): announced by ", svc.key()) }<strong>{ who }</strong>
                    if metallb_l2 {
                        <div class="order">
                            { "MetalLB's order, sha256(node#ip) ascending: " }
                            { election_order(&nodes, ip).join(" → ") }
                            { ". The first node that is alive (and, for Local, has a ready pod) leads." }
                        </div>
                    }
                </li>
            }
        })
        .collect();
    html! {
        <section class="panel lesson" aria-labelledby="lesson-title">
            <h2 id="lesson-title">{ scenario.title() }</h2>
            if !meta.tags.is_empty() {
                <p class="tags">{ for meta.tags.iter().map(|t| html! { <span class="tag">{ t }</span> }) }</p>
            }
            <p class="how-real"><HowReal label="How real is this? Versions modelled, what is simplified" /></p>
            if let Some((t, text)) = note {
                <aside class="note-now" aria-live="polite">
                    <span class="label">{ format!("Note at {}", super::secs(t)) }</span>
                    <p>{ text }</p>
                </aside>
            }
            if !announcing.is_empty() {
                <div class="announcers">
                    <h3>{ "Who answers for the VIP now" }</h3>
                    <ul>{ for announcing }</ul>
                </div>
            }
            <div class="description">
                { (*description).clone() }
            </div>
            if !results.is_empty() {
                <div class="goals">
                    <h3>{ format!("Goals, checked on this run ({})", entry.label) }</h3>
                    <ul>
                        { for results.iter().map(|g| html! {
                            <li class={if g.pass { "pass" } else { "fail" }}>
                                <span class="verdict">{ if g.pass { "✓ pass" } else { "✗ fail" } }</span>
                                { " " }{ &g.name }
                                <div class="detail">{ &g.detail }</div>
                            </li>
                        }) }
                    </ul>
                </div>
            }
        </section>
    }
}
