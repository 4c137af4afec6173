//! The root: provides the store, runs playback and lays the panels out.
//! The layout is a CSS grid (www/style.css): three columns on wide screens,
//! two on laptops and tablets, one stacked column on phones.

use super::branches::Branches;
use super::charts::Charts;
use super::compare::Compare;
use super::console::Console;
use super::events::Events;
use super::fidelity::HowReal;
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
/// written around, unless the address names another.
const FIRST_SCENARIO: &str = "metallb-l2-failover";

/// What the page's address asks for: `?scenario=bgp-ecmp&variant=...` (the
/// embed links use it) or the fragment `#bgp-ecmp` / `#id/variant`; and
/// whether this is the chrome-less embed player (`embed.html`).
struct Address {
    scenario: Option<String>,
    variant: Option<String>,
    embed: bool,
}

fn address() -> Address {
    let location = gloo::utils::window().location();
    let query = location.search().ok().and_then(|q| web_sys::UrlSearchParams::new_with_str(&q).ok());
    let param = |k: &str| query.as_ref().and_then(|q| q.get(k)).filter(|v| !v.is_empty());
    let hash = location.hash().unwrap_or_default();
    let hash = hash.trim_start_matches('#');
    let (from_hash, variant_from_hash) = match hash.split_once('/') {
        Some((id, v)) => (Some(id.to_string()), Some(v.to_string())),
        None => ((!hash.is_empty()).then(|| hash.to_string()), None),
    };
    Address {
        scenario: param("scenario").or(from_hash),
        variant: param("variant").or(variant_from_hash),
        embed: location.pathname().is_ok_and(|p| p.ends_with("embed.html")) || param("embed").is_some(),
    }
}

#[function_component(App)]
pub fn app() -> Html {
    let store = use_reducer(AppState::new);
    use_player(store.playing, store.dispatcher());
    {
        let store = store.clone();
        use_effect_with((), move |_| {
            let wanted = address();
            let shipped = wanted.scenario.as_deref().and_then(catalog::find).or_else(|| catalog::find(FIRST_SCENARIO));
            if let Some(s) = shipped.or_else(|| catalog::shipped().into_iter().next()) {
                open_shipped(&store, &s, wanted.variant);
            }
        });
    }
    let embed = use_memo((), |_| address().embed);
    let loaded = store.active().is_some();
    let full_link = {
        let id = store.scenario.as_ref().map(|s| s.id().to_string()).unwrap_or_default();
        format!("index.html?scenario={id}")
    };
    html! {
        <ContextProvider<Store> context={store.clone()}>
            <div class={classes!("shell", embed.then_some("embed"))} data-ready={loaded.to_string()}>
                if *embed {
                    <header class="embed-bar">
                        <strong>{ store.scenario.as_ref().map(|s| s.title().to_string()).unwrap_or_default() }</strong>
                        <a href={full_link} target="_blank" rel="noopener">{ "Open in the vipsim playground ↗" }</a>
                    </header>
                } else {
                    <header class="topbar">
                        <div class="brand">
                            <h1>{ "vipsim" }</h1>
                            <p class="tagline">{ "Watch a Kubernetes LoadBalancer VIP move across a LAN, frame by frame." }</p>
                        </div>
                        <Picker />
                    </header>
                }
                if store.problem.is_some() {
                    <LoadProblemView />
                }
                if loaded && *embed {
                    <main class="workspace">
                        <div class="col-stage">
                            <Timeline />
                            <Topology />
                            <Charts />
                        </div>
                    </main>
                } else if loaded {
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
                if !*embed {
                    <footer class="footer">
                        <span>{ format!("vipsim {}", crate::VERSION) }</span>
                        <HowReal />
                        <span>{ "Press " }<kbd>{ "?" }</kbd>{ " for keyboard shortcuts." }</span>
                    </footer>
                }
                <Keys />
            </div>
        </ContextProvider<Store>>
    }
}
