//! The root: provides the store, opens what the address asks for, keeps
//! the address, the saved progress and `<html lang>` in step with the
//! state, runs playback and lays the visible panels out. The layout is a
//! CSS grid (www/style.css): three columns on wide screens, two on laptops
//! and tablets, one stacked column on phones and in the embed player.

use super::branches::Branches;
use super::charts::Charts;
use super::class::ClassView;
use super::compare::Compare;
use super::computing::{ComputingStatus, use_computation};
use super::console::Console;
use super::editor::Editor;
use super::embed::{EmbedBar, use_height_reporting};
use super::events::Events;
use super::fidelity::HowReal;
use super::i18n::{Lang, Msg};
use super::inspector::Inspector;
use super::keys::Keys;
use super::language::LanguageSwitch;
use super::lesson::Lesson;
use super::panels::{Panel, Panels, PanelsMenu};
use super::picker::Picker;
use super::player::use_player;
use super::problems::{LinkProblemView, LoadProblemView};
use super::route::{self, Request, WORKSHOP_HASH};
use super::share_menu::ShareMenu;
use super::state::{Action, AppState, Store};
use super::storage;
use super::tasks::Tasks;
use super::timeline::Timeline;
use super::topology::Topology;
use super::tour::TourCaption;
use super::workshop::WorkshopIndex;
use yew::prelude::*;

/// A page of the site that is not the playground.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Page {
    Playground,
    Workshop,
    Class,
}

impl Page {
    fn of(request: &Request) -> Page {
        match request {
            Request::Workshop => Page::Workshop,
            Request::Class => Page::Class,
            _ => Page::Playground,
        }
    }
}

/// Opens what the address asks for, then follows the fragment when it
/// changes (links within the page, Back and Forward). Returns the page
/// asked for.
#[hook]
fn use_address(store: &Store, first: Request, play: bool) -> Page {
    let page = use_state_eq(|| Page::of(&first));
    {
        let dispatcher = store.dispatcher();
        let page = page.clone();
        let embed = store.embed;
        use_effect_with((), move |_| {
            route::open(&dispatcher, first);
            if play {
                dispatcher.dispatch(Action::Play(true));
            }
            let listener = (!embed).then(|| {
                gloo::events::EventListener::new(&gloo::utils::window(), "hashchange", move |_| {
                    let request = route::current().request;
                    page.set(Page::of(&request));
                    route::open(&dispatcher, request);
                })
            });
            move || drop(listener)
        });
    }
    *page
}

/// Keeps the address bar on a permalink of what is on screen (not while
/// playing), so reloading or bookmarking reopens it exactly. The history
/// entry is replaced, not added: Back leaves the page as before. The
/// address follows a quarter second after the last change: Chromium takes
/// milliseconds per `replaceState`, too much for every step of a walk
/// through the events. Even then it waits for an idle moment of the page
/// (`requestIdleCallback`): a `replaceState` (and the favicon Chromium
/// fetches and decodes again after it, 3-10 ms together, measured in
/// headless Chromium 156) that ran as a timer task could land in the frame
/// of the learner's next key and delay what it shows.
#[hook]
fn use_address_sync(store: &Store, active: bool) {
    let link = (active && !store.playing).then(|| route::permalink(store)).flatten();
    use_effect_with(link, |link| {
        let link = link.clone();
        let idle: std::rc::Rc<std::cell::Cell<Option<u32>>> = Default::default();
        let pending = link.map(|link| {
            let idle = idle.clone();
            gloo::timers::callback::Timeout::new(ADDRESS_DELAY_MS, move || {
                let hash = route::link_hash(&link);
                let write = wasm_bindgen::closure::Closure::once_into_js({
                    let hash = hash.clone();
                    move || write_address(&hash)
                });
                match gloo::utils::window().request_idle_callback(wasm_bindgen::JsCast::unchecked_ref(&write)) {
                    Ok(id) => idle.set(Some(id)),
                    // A browser without idle callbacks (Safari): at once.
                    Err(_) => write_address(&hash),
                }
            })
        });
        // A newer link cancels this one's update, waiting for its time or for idleness.
        move || {
            drop(pending);
            if let Some(id) = idle.get() {
                gloo::utils::window().cancel_idle_callback(id);
            }
        }
    });
}

/// Once the page is idle after the cursor moved (not while playing), the
/// active run prepares the next step back ([`crate::play::run::Run::prepare_step_back`]):
/// the copy of a world it would otherwise make while the learner waits for
/// the frame. Skipped in a browser without idle callbacks (Safari).
#[hook]
fn use_step_back_ready(store: &Store) {
    let entry = store.active().filter(|_| !store.playing).cloned();
    let key = entry.as_ref().map(|e| (e.rev, e.run.borrow().cursor()));
    use_effect_with(key, move |_| {
        // Kept here and dropped with the effect: a callback cancelled before
        // it ran would otherwise leak, and the run it holds with it.
        let pending = entry.map(|entry| {
            let prepare = wasm_bindgen::closure::Closure::<dyn FnMut()>::once(move || {
                if let Ok(mut run) = entry.run.try_borrow_mut() {
                    run.prepare_step_back();
                }
            });
            let id =
                gloo::utils::window().request_idle_callback(wasm_bindgen::JsCast::unchecked_ref(prepare.as_ref())).ok();
            (prepare, id)
        });
        move || {
            if let Some((prepare, id)) = pending {
                if let Some(id) = id {
                    gloo::utils::window().cancel_idle_callback(id);
                }
                drop(prepare);
            }
        }
    });
}

/// Puts `hash` in the address bar, replacing the history entry.
fn write_address(hash: &str) {
    if let Ok(history) = gloo::utils::window().history() {
        let path = gloo::utils::window().location().pathname().unwrap_or_default();
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&(path + hash)));
    }
}

const ADDRESS_DELAY_MS: u32 = 250;

/// Saves the workshop progress whenever it changes, and says the page's
/// language to the browser (screen readers, fonts, hyphenation).
/// Reports the open exercise to a learning management system, when one
/// launched the page ([`super::scorm`]): the session starts with the
/// exercise, follows its goals, and ends when all pass or the page goes.
#[hook]
fn use_scorm(store: &Store) {
    let session: super::scorm::Session = use_mut_ref(|| None);
    let looked = use_mut_ref(|| false);
    let exercise = store.exercise.clone().filter(|_| !store.embed);
    let goals = store.scenario.as_ref().map(|s| s.doc.spec.goals.len()).unwrap_or(0);
    let progress = exercise.as_ref().and_then(|id| store.progress.exercises.get(id));
    // Passed once each is not passed together: only `completed` is a pass.
    let passed = progress.map_or(0, |p| if p.completed { goals } else { p.passed.len().min(goals.saturating_sub(1)) });
    {
        let session = session.clone();
        use_effect_with((exercise, passed, goals), move |(exercise, passed, goals)| {
            if exercise.is_some() {
                if !looked.replace(true) {
                    *session.borrow_mut() = super::scorm::Lms::find();
                }
                if let Some(lms) = session.borrow_mut().as_mut() {
                    lms.report(*passed, *goals);
                }
            }
        });
    }
    use_effect_with((), move |_| {
        let listener = gloo::events::EventListener::new(&gloo::utils::window(), "pagehide", move |_| {
            if let Some(lms) = session.borrow_mut().as_mut() {
                lms.finish();
            }
        });
        move || drop(listener)
    });
}

#[hook]
fn use_persistence(store: &Store) {
    use_effect_with(store.progress.clone(), |progress| {
        // A browser that refuses to store leaves the export button.
        let _ = storage::save_progress(progress);
    });
    use_effect_with(store.lang, |lang| {
        if let Some(root) = gloo::utils::document().document_element() {
            let _ = root.set_attribute("lang", lang.code());
        }
    });
}

/// The panels in the order of each column; a column with nothing to show is left out.
fn columns(store: &AppState) -> Html {
    let shows = |p: Panel| store.panels.shows(p);
    let has_goals = store.scenario.as_ref().is_some_and(|s| !s.doc.spec.goals.is_empty());
    let panel = |p: Panel| -> Html {
        if !shows(p) {
            return html! {};
        }
        match p {
            Panel::Lesson => html! { <Lesson /> },
            Panel::Tasks if has_goals => html! { <Tasks /> },
            Panel::Tasks => html! {},
            Panel::Timeline => html! { <Timeline /> },
            Panel::Topology => html! { <Topology /> },
            Panel::Charts => html! { <Charts /> },
            Panel::Events => html! { <Events /> },
            Panel::Inspector => html! { <Inspector /> },
            Panel::Console => html! { <Console /> },
            Panel::Branches => html! { <Branches /> },
            Panel::Compare => html! { <Compare /> },
            Panel::Editor => html! { <Editor /> },
        }
    };
    if store.embed {
        return html! {
            <main class="workspace">
                <div class="col-stage"><TourCaption />{ for Panel::ALL.into_iter().map(panel) }</div>
            </main>
        };
    }
    let stage = [Panel::Timeline, Panel::Topology, Panel::Charts, Panel::Events];
    let side = [Panel::Tasks, Panel::Inspector, Panel::Console, Panel::Branches];
    let lesson = shows(Panel::Lesson);
    let side_shown = side.iter().any(|p| shows(*p) && (*p != Panel::Tasks || has_goals));
    html! {
        <>
        <main class={classes!("workspace", (!lesson).then_some("no-lesson"), (!side_shown).then_some("no-side"))}>
            if shows(Panel::Editor) {
                <div class="col-editor">{ panel(Panel::Editor) }</div>
            }
            if lesson {
                <div class="col-lesson">{ panel(Panel::Lesson) }</div>
            }
            <div class="col-stage"><TourCaption />{ for stage.into_iter().map(panel) }</div>
            if side_shown {
                <div class="col-side">{ for side.into_iter().map(panel) }</div>
            }
        </main>
        // Two runs on one time axis need the page's whole width: a row of
        // its own after the columns, outside their grid, so the sticky
        // lesson column (wide screens) scrolls away above it instead of
        // staying over its left edge.
        if shows(Panel::Compare) {
            <div class="wide-row">{ panel(Panel::Compare) }</div>
        }
        </>
    }
}

#[derive(Properties, PartialEq, Default)]
pub struct Props {
    /// Start playing as soon as the run is computed (the embed's Run button).
    #[prop_or_default]
    pub play: bool,
}

#[function_component(App)]
pub fn app(props: &Props) -> Html {
    let first = use_memo((), |_| route::current());
    let store = use_reducer({
        let first = first.clone();
        move || {
            let lang = first.lang.unwrap_or_else(storage::language);
            let panels = first.panels.unwrap_or(if first.embed { Panels::embed() } else { Panels::default() });
            let mut state = AppState::new(lang, panels, first.embed, storage::load_progress());
            state.predict_off = first.predict_off;
            state.tour_on_open = first.tour;
            state
        }
    });
    let asked = use_address(&store, first.request.clone(), first.play || props.play);
    let page = if store.embed { Page::Playground } else { asked };
    let workshop = page == Page::Workshop;
    let other_page = page != Page::Playground;
    use_address_sync(&store, !other_page && !store.embed);
    use_persistence(&store);
    use_scorm(&store);
    use_player(store.playing, store.dispatcher());
    use_step_back_ready(&store);
    use_computation(&store);
    let shell = use_node_ref();
    use_height_reporting(shell.clone(), store.embed);

    let lang: Lang = store.lang;
    let loaded = store.active().is_some();
    html! {
        <ContextProvider<Store> context={store.clone()}>
            <div ref={shell} class={classes!("shell", store.embed.then_some("embed"))} data-ready={loaded.to_string()}
                 data-lang={lang.code()}>
                if store.embed {
                    <EmbedBar />
                } else {
                    <header class="topbar">
                        <div class="brand">
                            <h1>{ "vipsim" }</h1>
                            <p class="tagline">{ lang.t(Msg::Tagline) }</p>
                        </div>
                        <nav class="toolbar" aria-label={lang.t(Msg::ToolbarLabel)}>
                            <a class={classes!("button", workshop.then_some("current"))} href={WORKSHOP_HASH}
                               aria-current={workshop.then_some("page")}>{ lang.t(Msg::WorkshopLink) }</a>
                            if other_page {
                                <a class="button" href="#">{ lang.t(Msg::PlaygroundLink) }</a>
                            } else {
                                <PanelsMenu />
                                <ShareMenu />
                            }
                            <LanguageSwitch />
                        </nav>
                        if !other_page {
                            <Picker />
                        }
                    </header>
                }
                <LinkProblemView />
                <LoadProblemView />
                if workshop {
                    <WorkshopIndex />
                } else if page == Page::Class {
                    <ClassView />
                } else if loaded {
                    <ComputingStatus />
                    { columns(&store) }
                } else if store.computing.is_some() {
                    <ComputingStatus />
                } else if store.problem.is_none() {
                    <p class="loading" role="status">{ lang.t(Msg::Computing) }</p>
                }
                if !store.embed {
                    <footer class="footer">
                        <span>{ format!("vipsim {}", crate::VERSION) }</span>
                        <HowReal />
                                                <span>{ lang.t(Msg::FooterKeysBefore) }<kbd>{ "?" }</kbd>{ lang.t(Msg::FooterKeysAfter) }</span>
                    </footer>
                }
                <Keys />
            </div>
        </ContextProvider<Store>>
    }
}
