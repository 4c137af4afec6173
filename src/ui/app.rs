//! The root: provides the store, runs playback and lays the panels out.
//! The layout is a CSS grid (www/style.css): three columns on wide screens,
//! two on laptops and tablets, one stacked column on phones.

use super::branches::Branches;
use super::charts::Charts;
use super::compare::Compare;
use super::console::Console;
use super::events::Events;
use super::inspector::Inspector;
use super::keys::Keys;
use super::lesson::Lesson;
use super::picker::{LoadProblemView, Picker, open_shipped};
use super::player::use_player;
use super::state::{AppState, Store};
use super::timeline::Timeline;
use super::topology::Topology;
use crate::catalog;
use yew::prelude::*;

/// The scenario the playground opens with: the one the learner journey is
/// written around, unless the page's fragment names another
/// (`#bgp-ecmp`, or `#metallb-l2-failover/garp-honor` for a variant).
const FIRST_SCENARIO: &str = "metallb-l2-failover";

#[function_component(App)]
pub fn app() -> Html {
    let store = use_reducer(AppState::new);
    use_player(store.playing, store.dispatcher());
    {
        let store = store.clone();
        use_effect_with((), move |_| {
            let hash = gloo::utils::window().location().hash().unwrap_or_default();
            let wanted = hash.trim_start_matches('#');
            let (id, variant) = match wanted.split_once('/') {
                Some((id, v)) => (id, Some(v.to_string())),
                None => (wanted, None),
            };
            let shipped = catalog::find(id).or_else(|| catalog::find(FIRST_SCENARIO));
            if let Some(s) = shipped.or_else(|| catalog::shipped().into_iter().next()) {
                open_shipped(&store, &s, variant);
            }
        });
    }
    let loaded = store.active().is_some();
    html! {
        <ContextProvider<Store> context={store.clone()}>
            <div class="shell" data-ready={loaded.to_string()}>
                <header class="topbar">
                    <div class="brand">
                        <h1>{ "vipsim" }</h1>
                        <p class="tagline">{ "Watch a Kubernetes LoadBalancer VIP move across a LAN, frame by frame." }</p>
                    </div>
                    <Picker />
                </header>
                if store.problem.is_some() {
                    <LoadProblemView />
                }
                if loaded {
                    <main class="workspace">
                        <div class="col-lesson"><Lesson /></div>
                        <div class="col-stage">
                            <Timeline />
                            <Topology />
                            <Charts />
                            <Events />
                        </div>
                        <div class="col-side">
                            <Inspector />
                            <Console />
                            <Branches />
                            <Compare />
                        </div>
                    </main>
                } else if store.problem.is_none() {
                    <p class="loading" role="status">{ "Computing the scenario…" }</p>
                }
                <footer class="footer">
                    <span>{ format!("vipsim {}", crate::VERSION) }</span>
                    <span>{ "Press " }<kbd>{ "?" }</kbd>{ " for keyboard shortcuts." }</span>
                </footer>
                <Keys />
            </div>
        </ContextProvider<Store>>
    }
}
