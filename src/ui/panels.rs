//! Which panels are on screen: the learner hides what they do not need,
//! links and embeds carry the choice (`panels=topology,timeline`).

use super::i18n::Lang;
use super::i18n::Msg;
use super::state::{Action, Slice, use_store};
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// A panel of the playground, named in links by [`Panel::id`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    Lesson,
    Tasks,
    Timeline,
    Topology,
    Charts,
    Events,
    Inspector,
    Console,
    Branches,
    Compare,
    Editor,
}

impl Panel {
    pub const ALL: [Panel; 11] = [
        Panel::Lesson,
        Panel::Tasks,
        Panel::Timeline,
        Panel::Topology,
        Panel::Charts,
        Panel::Events,
        Panel::Inspector,
        Panel::Console,
        Panel::Branches,
        Panel::Compare,
        Panel::Editor,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Panel::Lesson => "lesson",
            Panel::Tasks => "tasks",
            Panel::Timeline => "timeline",
            Panel::Topology => "topology",
            Panel::Charts => "charts",
            Panel::Events => "events",
            Panel::Inspector => "inspector",
            Panel::Console => "console",
            Panel::Branches => "branches",
            Panel::Compare => "compare",
            Panel::Editor => "editor",
        }
    }

    pub fn title(self) -> Msg {
        match self {
            Panel::Lesson => Msg::PanelLesson,
            Panel::Tasks => Msg::PanelTasks,
            Panel::Timeline => Msg::PanelTimeline,
            Panel::Topology => Msg::PanelNetwork,
            Panel::Charts => Msg::PanelCharts,
            Panel::Events => Msg::PanelEvents,
            Panel::Inspector => Msg::PanelInspector,
            Panel::Console => Msg::PanelConsole,
            Panel::Branches => Msg::PanelBranches,
            Panel::Compare => Msg::PanelCompare,
            Panel::Editor => Msg::PanelEditor,
        }
    }

    fn bit(self) -> u16 {
        1 << Panel::ALL.iter().position(|p| *p == self).expect("every panel is listed")
    }
}

/// A set of panels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Panels(u16);

impl Default for Panels {
    /// The playground: everything but the scenario editor, which opens on demand.
    fn default() -> Panels {
        Panel::ALL.into_iter().filter(|p| *p != Panel::Editor).fold(Panels(0), |s, p| s.with(p, true))
    }
}

impl Panels {
    /// The embed player: the stage only.
    pub fn embed() -> Panels {
        Panels::of(&[Panel::Timeline, Panel::Topology, Panel::Charts])
    }

    pub fn of(panels: &[Panel]) -> Panels {
        panels.iter().fold(Panels(0), |s, p| s.with(*p, true))
    }

    /// Panels by id; unknown ids are skipped, and `None` when no id is known.
    pub fn from_ids<'a>(ids: impl IntoIterator<Item = &'a str>) -> Option<Panels> {
        let set = ids
            .into_iter()
            .filter_map(|id| Panel::ALL.into_iter().find(|p| p.id() == id.trim()))
            .fold(Panels(0), |s, p| s.with(p, true));
        (set.0 != 0).then_some(set)
    }

    pub fn ids(self) -> Vec<String> {
        Panel::ALL.into_iter().filter(|p| self.shows(*p)).map(|p| p.id().to_string()).collect()
    }

    pub fn shows(self, p: Panel) -> bool {
        self.0 & p.bit() != 0
    }

    pub fn with(self, p: Panel, on: bool) -> Panels {
        if on { Panels(self.0 | p.bit()) } else { Panels(self.0 & !p.bit()) }
    }
}

/// A menu of checkboxes, one per panel.
#[function_component(PanelsMenu)]
pub fn panels_menu() -> Html {
    let store = use_store();
    let key = (store.lang, store.panels);
    html! { <PanelsMenuBody slice={Slice { store, key }} /> }
}

#[derive(Properties, PartialEq)]
struct PanelsMenuProps {
    slice: Slice<(Lang, Panels)>,
}

#[function_component(PanelsMenuBody)]
fn panels_menu_body(props: &PanelsMenuProps) -> Html {
    let store = props.slice.store.clone();
    let lang = store.lang;
    let toggle = |p: Panel| {
        let store = store.clone();
        Callback::from(move |e: Event| {
            let on = e.target_unchecked_into::<HtmlInputElement>().checked();
            store.dispatch(Action::Panels(store.panels.with(p, on)));
        })
    };
    html! {
        <details class="menu panels-menu">
            <summary>{ lang.t(Msg::PanelsMenu) }</summary>
            <fieldset class="menu-body">
                <legend class="visually-hidden">{ lang.t(Msg::PanelsMenu) }</legend>
                { for Panel::ALL.iter().map(|p| html! {
                    <label class="check">
                        <input type="checkbox" checked={store.panels.shows(*p)} onchange={toggle(*p)}
                            data-panel={p.id()} />
                        { lang.t(p.title()) }
                    </label>
                }) }
            </fieldset>
        </details>
    }
}
