//! The lesson: the scenario's description, the latest timeline note at the
//! cursor, who announces each VIP right now (with MetalLB's sha256 order,
//! computed by the core), and the scenario's goals checked on this run.

use super::markdown;
use super::state::use_store;
use crate::k8s::cluster::BgpState;
use crate::k8s::control::ControlEvent;
use crate::k8s::metallb::election_order;
use crate::scenario::goals;
use crate::scenario::spec::{AnnounceKind, LoadBalancerKind};
use crate::sim::trace::Kind;
use crate::sim::{Event, World};
use crate::time::Instant;
use yew::prelude::*;

/// The control-plane timers that will change who announces the VIP, with
/// countdowns: a speaker's memberlist noticing a failed peer, a BGP hold
/// timer running out. Only timers that will change something are listed.
fn coming_up(world: &World, now: Instant) -> Vec<String> {
    let k = &world.cluster;
    world
        .queue
        .pending()
        .into_iter()
        .filter_map(|(at, event)| {
            let Event::Control(c) = event else { return None };
            let what = match c {
                ControlEvent::Memberlist { observer, subject, alive } => {
                    let sees = k.speakers.get(observer).is_some_and(|s| s.view.contains(subject));
                    match (alive, sees) {
                        (false, true) => format!("{observer}'s memberlist notices that {subject} failed"),
                        (true, false) => format!("{observer}'s memberlist sees {subject} join"),
                        _ => return None,
                    }
                }
                ControlEvent::BgpHoldExpired { node, generation } => {
                    let live = k
                        .bgp
                        .get(node)
                        .is_some_and(|s| s.generation == *generation && s.state == BgpState::Established);
                    if !live {
                        return None;
                    }
                    format!("the router's BGP hold timer for {node} expires and its route is withdrawn")
                }
                _ => return None,
            };
            Some(format!("in {:.1} s ({}): {what}", at.saturating_since(now).as_secs_f64(), super::secs(at)))
        })
        .take(4)
        .collect()
}

#[function_component(Lesson)]
pub fn lesson() -> Html {
    let store = use_store();
    let entry = store.active().cloned();
    // Goals are checked once per run (it replays the run to each goal's time).
    let results = use_memo(entry.as_ref().map(|e| e.id), {
        let entry = entry.clone();
        move |_| entry.map(|e| goals::evaluate(&e.run.borrow())).unwrap_or_default()
    });
    let (Some(scenario), Some(entry)) = (store.scenario.clone(), entry) else { return html! {} };
    let run = entry.run.borrow();
    let world = run.world();
    let meta = &scenario.doc.metadata;
    let note = run.visible().iter().rev().find_map(|r| match &r.kind {
        Kind::Note { text } => Some((r.t, text.clone())),
        _ => None,
    });
    let upcoming = coming_up(world, store.time.max(world.now));
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
            if !upcoming.is_empty() {
                <div class="coming-up" aria-live="off">
                    <h3>{ "Coming up" }</h3>
                    <ul>{ for upcoming.iter().map(|u| html! { <li>{ u }</li> }) }</ul>
                </div>
            }
            <div class="description">
                { meta.description.as_deref().map(markdown::render).unwrap_or_default() }
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
