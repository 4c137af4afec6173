//! The page's address: what it asks to open, and the links the playground
//! makes of its own state.
//!
//! - `#/workshop`: the workshop index;
//! - `#/class`: the class view, hand-ins checked by replay;
//! - `#/link/CODE`: a permalink ([`Permalink`]), the exact state;
//! - `?scenario=ID&variant=V&at=35s&host=router&panels=a,b&lang=ko`, or
//!   `#ID` and `#ID/VARIANT`: simple links to a shipped scenario;
//! - a shipped scenario's own page, `ID.html` (written by `vipsim site`
//!   with its lesson in the first response): that scenario;
//! - nothing: the failover story.
//!
//! `embed.html` (or `?embed`) is the chrome-less player; it reads the same
//! addresses. `autoplay=1` starts playing once the run is computed (the
//! embed's Run button asks for the same). `predict=0` keeps playback from
//! pausing at checkpoints; `tour=1` starts the narrated tour.

use super::i18n::Lang;
use super::panels::Panels;
use super::state::{Action, AppState, Dispatcher, LinkProblem, LoadProblem, Resume, Source};
use crate::catalog;
use crate::scenario::load;
use crate::share::{Permalink, ScenarioRef};
use crate::time::{Duration, Instant};
use std::rc::Rc;

/// The scenario the playground opens with: the one the learner journey is
/// written around.
pub const FIRST_SCENARIO: &str = "metallb-l2-failover";
pub const WORKSHOP_HASH: &str = "#/workshop";
pub const CLASS_HASH: &str = "#/class";
const LINK_HASH: &str = "#/link/";

/// What an address asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    Workshop,
    Class,
    Link(Result<Permalink, String>),
    Scenario { id: String, variant: Option<String>, at: Option<Instant>, host: Option<String> },
    First,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Address {
    pub request: Request,
    pub embed: bool,
    pub panels: Option<Panels>,
    pub lang: Option<Lang>,
    /// Start playing at once.
    pub play: bool,
    /// `predict=0`: checkpoints do not pause playback.
    pub predict_off: bool,
    /// `tour=1`: start the narrated tour.
    pub tour: bool,
}

/// `35`, `35.5` (seconds) or a duration such as `35s`, `1m10s`.
fn time_param(text: &str) -> Option<Instant> {
    let seconds = text.parse::<f64>().ok().filter(|s| s.is_finite() && *s >= 0.0);
    let d = match seconds {
        Some(s) => Duration::from_nanos((s * 1e9) as u64),
        None => Duration::parse(text).ok()?,
    };
    Some(Instant::ZERO + d)
}

/// Reads an address from its parts: the query (`?a=b`), the fragment
/// (`#x`) and the path.
pub fn parse(search: &str, hash: &str, path: &str) -> Address {
    let query: Vec<(String, String)> = search
        .trim_start_matches('?')
        .split('&')
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            let decode = |s: &str| js_sys::decode_uri_component(&s.replace('+', " ")).ok().map(String::from);
            Some((decode(k)?, decode(v)?))
        })
        .filter(|(k, _)| !k.is_empty())
        .collect();
    let param = |k: &str| query.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    let nonempty = |k: &str| param(k).filter(|v| !v.is_empty());
    let link = hash.strip_prefix(LINK_HASH).map(str::to_string).or_else(|| nonempty("link"));
    let request = if hash == WORKSHOP_HASH {
        Request::Workshop
    } else if hash == CLASS_HASH {
        Request::Class
    } else if let Some(code) = link {
        Request::Link(Permalink::decode(&code))
    } else {
        let fragment = hash.trim_start_matches('#');
        let (id, variant) = match fragment.split_once('/') {
            Some((id, v)) => (Some(id.to_string()), Some(v.to_string())),
            None => ((!fragment.is_empty()).then(|| fragment.to_string()), None),
        };
        // A scenario's own page names it in its file name.
        let page = path.rsplit('/').next().and_then(|f| f.strip_suffix(".html"));
        let own = page.filter(|p| !matches!(*p, "index" | "embed") && catalog::find(p).is_some());
        match nonempty("scenario").or(id).or(own.map(str::to_string)) {
            Some(id) => Request::Scenario {
                id,
                variant: nonempty("variant").or(variant),
                at: nonempty("at").and_then(|t| time_param(&t)),
                host: nonempty("host"),
            },
            None => Request::First,
        }
    };
    Address {
        request,
        embed: path.ends_with("embed.html") || param("embed").is_some(),
        panels: nonempty("panels").and_then(|p| Panels::from_ids(p.split(','))),
        lang: nonempty("lang").and_then(|l| Lang::from_code(&l)),
        play: param("autoplay").as_deref() == Some("1"),
        predict_off: param("predict").as_deref() == Some("0"),
        tour: param("tour").as_deref() == Some("1"),
    }
}

/// The address the page was opened (or navigated) at.
pub fn current() -> Address {
    let location = gloo::utils::window().location();
    parse(
        &location.search().unwrap_or_default(),
        &location.hash().unwrap_or_default(),
        &location.pathname().unwrap_or_default(),
    )
}

/// Loads a scenario's text and opens it, or reports why it cannot be.
pub fn open_text(store: &Dispatcher, source: Source, variant: Option<String>, resume: Option<Resume>) {
    match load::load(&source.file, &source.text) {
        Ok(scenario) => {
            store.dispatch(Action::Open { scenario: Rc::new(scenario), source: Rc::new(source), variant, resume })
        }
        Err(diagnostics) => store.dispatch(Action::LoadFailed(LoadProblem {
            diagnostics,
            message: None,
            text: Some(source.text.clone()),
        })),
    }
}

/// Opens a shipped scenario or exercise; an exercise resumes the
/// learner's saved branch.
pub fn open_shipped(store: &Dispatcher, s: &catalog::Shipped, variant: Option<String>) {
    open_text(store, Source::shipped(s), variant, None);
}

fn open_first(store: &Dispatcher) {
    if let Some(s) = catalog::find(FIRST_SCENARIO).or_else(|| catalog::shipped().into_iter().next()) {
        open_shipped(store, &s, None);
    }
}

/// Opens what the address asks for. A link that cannot be opened says why
/// in the page, over the first scenario.
pub fn open(store: &Dispatcher, request: Request) {
    let failed = |why: LinkProblem| {
        open_first(store);
        store.dispatch(Action::LinkProblem(Some(why)));
    };
    match request {
        Request::Workshop | Request::Class => {}
        Request::First => open_first(store),
        Request::Link(Err(why)) => failed(LinkProblem::Unreadable(why)),
        Request::Link(Ok(link)) => {
            let source = match link.scenario {
                ScenarioRef::Shipped(id) => match catalog::find(&id) {
                    Some(s) => Source::shipped(&s),
                    None => return failed(LinkProblem::UnknownScenario(id)),
                },
                ScenarioRef::Inline(text) => Source { file: "linked.yaml".into(), text: text.into(), shipped: None },
            };
            if let Some(panels) = Panels::from_ids(link.panels.iter().map(String::as_str)) {
                store.dispatch(Action::Panels(panels));
            }
            if let Some(l) = link.lang.as_deref().and_then(Lang::from_code) {
                store.dispatch(Action::Lang(l));
            }
            let resume =
                Resume { edits: link.edits, step: Some(link.step), time: None, host: link.host, record: link.record };
            open_text(store, source, link.variant, Some(resume));
        }
        Request::Scenario { id, variant, at, host } => match catalog::find(&id) {
            Some(s) => {
                let resume = (at.is_some() || host.is_some()).then(|| Resume { time: at, host, ..Resume::default() });
                open_text(store, Source::shipped(&s), variant, resume);
            }
            None => failed(LinkProblem::UnknownScenario(id)),
        },
    }
}

/// The state on screen as a permalink.
pub fn permalink(s: &AppState) -> Option<Permalink> {
    let source = s.source.as_ref()?;
    let entry = s.active()?;
    let (variant, edits) = s.lineage(entry);
    Some(Permalink {
        scenario: match &source.shipped {
            Some(id) => ScenarioRef::Shipped(id.clone()),
            None => ScenarioRef::Inline(source.text.to_string()),
        },
        variant,
        edits,
        step: s.cursor(),
        panels: s.panels.ids(),
        host: s.host.clone(),
        lang: Some(s.lang.code().to_string()),
        record: s.record,
    })
}

/// The page's URL without its query and fragment, and the folder it is in.
pub fn page_url() -> (String, String) {
    let location = gloo::utils::window().location();
    let href = location.href().unwrap_or_default();
    let page = href.split(['?', '#']).next().unwrap_or_default().to_string();
    let folder = page.rsplit_once('/').map(|(dir, _)| format!("{dir}/")).unwrap_or_default();
    (page, folder)
}

/// A link that reopens `link` in the playground.
pub fn link_url(link: &Permalink) -> String {
    let (page, folder) = page_url();
    // The embed player's "open in the playground" points at the full app.
    let page = if page.ends_with("embed.html") { folder } else { page };
    format!("{page}{LINK_HASH}{}", link.encode())
}

/// The fragment that reopens `link` (kept in the address bar as the learner works).
pub fn link_hash(link: &Permalink) -> String {
    format!("{LINK_HASH}{}", link.encode())
}
