//! The static site around the wasm, written after trunk's build (`vipsim
//! site DIST`, trunk's post-build hook in Trunk.toml): pages whose first
//! response already teaches, and an embed that costs nothing until played.
//!
//! - `index.html` and one page per shipped scenario and exercise
//!   (`<id>.html`): the playground's shell with the scenario's lesson,
//!   timeline and network at its first moment as static HTML, in every
//!   language the UI speaks (the boot script shows the reader's). The wasm
//!   downloads at once and replaces it in place.
//! - `embed.html`: a click-to-load facade. It fetches a poster
//!   (`posters/<id>.<lang>.html`: the embed player's timeline and network
//!   at the scenario's first moment) and shows a Run button; the app's JS
//!   and wasm are requested only when the reader runs it.
//! - `oembed/<id>.json`: static oEmbed answers pointing at the embed.
//!
//! Every poster comes from the same [`Drawing`], [`LessonView`] and
//! [`TimelineView`] the app renders, so the first paint and the app's
//! first frame agree. Trunk's `index.html` is the template: its head keeps
//! the stylesheet and icon links (hashed names), and `<!--vipsim:head-->` /
//! `<!--vipsim:app-->` mark where the boot script and the page go.

use super::i18n::{Lang, Msg};
use super::lesson::LessonView;
use super::markdown::escape;
use super::poster::{Fit, charts_panel, lesson_panel, timeline_panel, topology_panel, topology_svg};
use super::scene::{Drawing, Moment};
use super::secs_in;
use super::story::{Story, just_happened};
use super::timeline::TimelineView;
use crate::catalog::{self, Shipped};
use crate::play::run::Run;
use crate::scenario::{Scenario, load};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// The scenario `index.html` shows (the one the playground opens with).
pub const FIRST_SCENARIO: &str = "metallb-l2-failover";
const HEAD_MARK: &str = "<!--vipsim:head-->";
const APP_MARK: &str = "<!--vipsim:app-->";
/// The boot script, inlined into every page.
const BOOT_JS: &str = include_str!("../../www/boot.js");

/// The app's files in trunk's output: hashed names, and the wasm's size
/// (the boot script's progress counts bytes against it).
#[derive(Clone, Debug, PartialEq)]
pub struct Bundle {
    pub js: String,
    pub wasm: String,
    pub wasm_size: u64,
}

impl Bundle {
    /// Finds `vipsim-<hash>.js` and its `_bg.wasm` in `dist`.
    pub fn find(dist: &Path) -> Result<Bundle, String> {
        let names: Vec<String> = std::fs::read_dir(dist)
            .map_err(|e| format!("{}: {e}", dist.display()))?
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect();
        let one = |suffix: &str| {
            let mut found: Vec<&String> =
                names.iter().filter(|n| n.starts_with("vipsim-") && n.ends_with(suffix)).collect();
            found.sort();
            match found.as_slice() {
                [one] => Ok((*one).clone()),
                [] => Err(format!("{}: no vipsim-*{suffix} (run trunk build first)", dist.display())),
                many => Err(format!("{}: several vipsim-*{suffix}: {many:?}", dist.display())),
            }
        };
        let js = one(".js")?;
        let wasm = one("_bg.wasm")?;
        let wasm_size = std::fs::metadata(dist.join(&wasm)).map_err(|e| format!("{wasm}: {e}"))?.len();
        Ok(Bundle { js, wasm, wasm_size })
    }
}

/// Minimum drawing scale of the playground's topology (see `src/ui/topology.rs`).
const MAIN_SCALE: [(Fit, f64); 2] = [(Fit::Wide, 0.62), (Fit::Narrow, 0.0)];
/// The embed player never scrolls sideways: its drawing always fits.
const EMBED_SCALE: [(Fit, f64); 2] = [(Fit::Wide, 0.0), (Fit::Narrow, 0.0)];

/// One shipped scenario at the moment the playground opens it: step 0,
/// time 0, the original timeline, the resolver selected.
pub struct Opened {
    pub shipped: Shipped,
    pub scenario: Rc<Scenario>,
    pub run: Run,
    pub story: Story,
}

impl Opened {
    pub fn new(shipped: Shipped) -> Result<Opened, String> {
        let file = format!("scenarios/{}", shipped.file);
        let scenario = load::load(&file, shipped.yaml)
            .map_err(|d| d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"))?;
        let scenario = Rc::new(scenario);
        let run = Run::new(scenario.clone(), None, None, None).map_err(|e| format!("{file}: {e}"))?;
        let story = Story::of(&run);
        Ok(Opened { shipped, scenario, run, story })
    }

    /// Whether the playground hides who answers when it opens this: an
    /// exercise with a goal that asks the learner to find it (nothing is
    /// passed yet when the page opens), as `ui::state::Store::concealed`.
    fn concealed(&self) -> bool {
        self.shipped.file.starts_with("workshop/")
            && self.scenario.doc.spec.goals.iter().any(|g| crate::play::goals::finding(g).is_some())
    }

    /// The topology as the app draws it now, in both layouts.
    pub fn drawings(&self, lang: Lang) -> [(Fit, Drawing); 2] {
        let records = self.run.trace();
        let cursor = self.run.cursor();
        let now = crate::time::Instant::ZERO;
        let batch = just_happened(records, cursor, cursor, now);
        let moment = Moment {
            world: self.run.world(),
            recent: self.run.visible(),
            batch: &records[batch],
            now,
            first_vip: self.story.vip,
            conceal: self.concealed(),
        };
        [(Fit::Wide, Drawing::of(&moment, false, lang)), (Fit::Narrow, Drawing::of(&moment, true, lang))]
    }

    fn topology(&self, lang: Lang, scales: [(Fit, f64); 2]) -> String {
        let label = lang.f(Msg::PosterLabel, &[&secs_in(crate::time::Instant::ZERO, lang)]);
        let svgs: Vec<String> = self
            .drawings(lang)
            .iter()
            .zip(scales)
            .map(|((fit, d), (_, scale))| topology_svg(d, *fit, scale, self.story.resolver.as_deref(), &label))
            .collect();
        let coming = super::coming_up::upcoming(self.run.world(), self.run.world().now, lang);
        topology_panel(&svgs, &coming, lang)
    }

    fn timeline(&self, lang: Lang) -> String {
        // A page's first moment is its scenario without a variant.
        let first_checkpoint = crate::play::predict::checkpoints(&self.scenario, None).first().map(|c| c.at);
        timeline_panel(
            &TimelineView::of(&self.run, &self.story, crate::time::Instant::ZERO, lang, self.concealed()),
            first_checkpoint,
            lang,
        )
    }

    fn lesson(&self, lang: Lang) -> String {
        lesson_panel(
            &LessonView::of(&self.scenario, self.run.world(), self.run.visible(), lang, self.concealed(), &[]),
            crate::time::Instant::ZERO,
            self.story.first_beat(),
            lang,
        )
    }

    /// The embed player's poster: its timeline, network and the charts'
    /// places (the boot script drops the panels the embed's `panels=`
    /// leaves out).
    pub fn poster(&self, lang: Lang) -> String {
        format!(
            "{}{}{}",
            self.timeline(lang),
            self.topology(lang, EMBED_SCALE),
            charts_panel(&self.story, self.concealed(), lang)
        )
    }

    /// The playground's shell as the app's first frame lays it out, in
    /// `lang`: top bar, lesson, timeline and network, side column, footer.
    pub fn shell(&self, lang: Lang, all: &[Shipped]) -> String {
        let mut out = String::new();
        let code = lang.code();
        let _ = write!(
            out,
            r#"<div class="shell first-paint" data-l="{code}" data-ready="false" data-lang="{code}"><header class="topbar"><div class="brand"><h1>vipsim</h1><p class="tagline">{}</p></div>"#,
            escape(lang.t(Msg::Tagline))
        );
        let _ = write!(
            out,
            r##"<nav class="toolbar" aria-label="{}"><a class="button" href="#/workshop">{}</a><details class="menu panels-menu"><summary>{}</summary></details><details class="menu share-menu"><summary>{}</summary></details>"##,
            escape(lang.t(Msg::ToolbarLabel)),
            escape(lang.t(Msg::WorkshopLink)),
            escape(lang.t(Msg::PanelsMenu)),
            escape(lang.t(Msg::Share))
        );
        let _ = write!(
            out,
            r#"<label class="field lang-switch"><span>{}</span><select name="lang" aria-label="{}">"#,
            escape(lang.t(Msg::Language)),
            escape(lang.t(Msg::Language))
        );
        for l in Lang::ALL {
            let _ = write!(
                out,
                r#"<option value="{}" lang="{}"{}>{}</option>"#,
                l.code(),
                l.code(),
                if l == lang { " selected" } else { "" },
                l.native_name()
            );
        }
        out.push_str("</select></label></nav>");
        out.push_str(&self.picker(lang, all));
        out.push_str("</header>");
        let _ = write!(
            out,
            r#"<main class="workspace"><div class="col-lesson">{}</div><div class="col-stage" data-moment>{}{}</div><div class="col-side"></div></main>"#,
            self.lesson(lang),
            self.timeline(lang),
            self.topology(lang, MAIN_SCALE)
        );
        let _ = write!(
            out,
            r#"<footer class="footer"><span>vipsim {}</span><button type="button" class="link-button how-real-open" aria-haspopup="dialog">{}</button><span>{}<kbd>?</kbd>{}</span></footer></div>"#,
            crate::VERSION,
            escape(lang.t(Msg::HowReal)),
            escape(lang.t(Msg::FooterKeysBefore)),
            escape(lang.t(Msg::FooterKeysAfter))
        );
        out
    }

    /// The scenario picker, as `src/ui/picker.rs` renders it.
    fn picker(&self, lang: Lang, all: &[Shipped]) -> String {
        let mut out = String::new();
        let _ = write!(
            out,
            r#"<nav class="picker" aria-label="{}" data-role="picker"><label class="field"><span>{}</span><select aria-label="{}" name="scenario">"#,
            escape(lang.t(Msg::PickerLabel)),
            escape(lang.t(Msg::Scenario)),
            escape(lang.t(Msg::Scenario))
        );
        let workshop = catalog::workshop();
        for (group, list) in [(Msg::Stories, catalog::shipped()), (Msg::WorkshopExercises, workshop)] {
            if list.is_empty() {
                continue;
            }
            let _ = write!(out, r#"<optgroup label="{}">"#, escape(lang.t(group)));
            for s in list.iter().filter(|s| all.iter().any(|a| a.id == s.id)) {
                let _ = write!(
                    out,
                    r#"<option value="{}"{}>{}</option>"#,
                    escape(&s.id),
                    if s.id == self.shipped.id { " selected" } else { "" },
                    escape(s.title_in(lang.code()))
                );
            }
            out.push_str("</optgroup>");
        }
        out.push_str("</select></label>");
        let variants = &self.scenario.doc.spec.variants;
        if !variants.is_empty() {
            let _ = write!(
                out,
                r#"<label class="field"><span>{}</span><select aria-label="{}" name="variant"><option value="" selected>{}</option>"#,
                escape(lang.t(Msg::Variant)),
                escape(lang.t(Msg::Variant)),
                escape(lang.t(Msg::OriginalTimeline))
            );
            for v in variants {
                let _ = write!(
                    out,
                    r#"<option value="{}">{}</option>"#,
                    escape(&v.name),
                    escape(v.title.as_deref().unwrap_or(&v.name))
                );
            }
            out.push_str("</select></label>");
        }
        let _ = write!(
            out,
            r#"<button type="button" class="edit-yaml" aria-pressed="false">{}</button><label class="button file-button">{}<input type="file" accept=".yaml,.yml,text/yaml" class="visually-hidden"></label><details class="paste"><summary>{}</summary></details></nav>"#,
            escape(lang.t(Msg::EditYaml)),
            escape(lang.t(Msg::OpenYamlFile)),
            escape(lang.t(Msg::PasteYaml))
        );
        out
    }
}

/// A JSON string literal (for the boot script's configuration).
fn json(s: &str) -> String {
    serde_json::to_string(s).expect("a string always serialises")
}

/// `const VIPSIM = {...}` and the boot script, as one inline `<script>`.
fn boot_script(bundle: &Bundle, page: &str, scenario: Option<&str>, all: &[Shipped]) -> String {
    let ids: Vec<String> = all.iter().map(|s| json(&s.id)).collect();
    let titles: Vec<String> = all
        .iter()
        .map(|s| {
            let each: Vec<String> =
                Lang::ALL.iter().map(|l| format!("{}:{}", l.code(), json(s.title_in(l.code())))).collect();
            format!("{}:{{{}}}", json(&s.id), each.join(","))
        })
        .collect();
    let words: Vec<String> = Lang::ALL
        .iter()
        .map(|l| {
            let w = |m: Msg| json(l.t(m));
            format!(
                "{}:{{loading:{},failed:{},run:{},open:{},at:{}}}",
                l.code(),
                w(Msg::BootLoading),
                w(Msg::BootFailed),
                w(Msg::RunSimulation),
                w(Msg::OpenInPlayground),
                w(Msg::AtMoment)
            )
        })
        .collect();
    let langs: Vec<String> = Lang::ALL.iter().map(|l| json(l.code())).collect();
    format!(
        "<script>\nconst VIPSIM = {{js:{},wasm:{},size:{},page:{},scenario:{},langs:[{}],ids:[{}],titles:{{{}}},words:{{{}}}}};\n{BOOT_JS}</script>",
        json(&format!("./{}", bundle.js)),
        json(&format!("./{}", bundle.wasm)),
        bundle.wasm_size,
        json(page),
        scenario.map(json).unwrap_or_else(|| "null".into()),
        langs.join(","),
        ids.join(","),
        titles.join(","),
        words.join(",")
    )
}

/// The status line with the download's progress (the boot script fills it in).
fn boot_status(lang: Lang) -> String {
    format!(
        r#"<p id="vipsim-boot" class="boot" role="status"><span class="boot-text">{}</span> <progress max="100" value="0" aria-label="{}"></progress></p>"#,
        escape(lang.t(Msg::BootLoading)),
        escape(lang.t(Msg::BootProgress))
    )
}

/// `template` with its markers filled and, when given, its title replaced.
fn page(template: &str, head: &str, app: &str, title: Option<&str>) -> String {
    let mut out = template.replacen(HEAD_MARK, head, 1).replacen(APP_MARK, app, 1);
    if let Some(title) = title
        && let (Some(open), Some(close)) = (out.find("<title>"), out.find("</title>"))
    {
        out.replace_range(open + "<title>".len()..close, &escape(title));
    }
    out
}

/// The main page of `opened` (`index.html` or `<id>.html`).
fn main_page(template: &str, bundle: &Bundle, opened: &Opened, all: &[Shipped], title: Option<&str>) -> String {
    let head = format!(
        "<link rel=\"modulepreload\" href=\"./{}\">\n{}",
        bundle.js,
        boot_script(bundle, "main", Some(&opened.shipped.id), all)
    );
    let mut app = String::new();
    for lang in Lang::ALL {
        app.push_str(&opened.shell(lang, all));
    }
    // In #app: the app replaces it all when it starts.
    app.push_str(&boot_status(Lang::En));
    page(template, &head, &app, title)
}

/// The facade (`embed.html`): the embed bar, the poster's place and the Run button.
fn embed_page(template: &str, bundle: &Bundle, all: &[Shipped]) -> String {
    let head = boot_script(bundle, "embed", None, all);
    let app = format!(
        r#"<div class="shell embed facade" data-ready="false"><header class="embed-bar"><strong class="facade-title">vipsim</strong><a class="open" href="./" target="_blank" rel="noopener">{}</a></header><main class="workspace"><div class="col-stage" id="poster"><div class="panel generic-poster"><div><p class="generic-title">vipsim</p><p class="generic-moment"></p></div></div></div></main><div class="run-layer"><button type="button" class="run"><span class="run-icon" aria-hidden="true">▶</span> <span class="run-text">{}</span></button>{}</div></div>"#,
        escape(Lang::En.t(Msg::OpenInPlayground)),
        escape(Lang::En.t(Msg::RunSimulation)),
        boot_status(Lang::En)
    );
    page(template, &head, &app, None)
}

/// Static oEmbed answers (`DIR/<id>.json`) for every shipped scenario and
/// exercise, pointing at the embed player under `base_url`.
pub fn oembed(dir: &Path, base_url: &str) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let base = if base_url.ends_with('/') { base_url.to_string() } else { format!("{base_url}/") };
    let mut written = Vec::new();
    for s in catalog::shipped().into_iter().chain(catalog::workshop()) {
        let src = format!("{base}embed.html?scenario={}", s.id);
        let json = serde_json::json!({
            "version": "1.0",
            "type": "rich",
            "provider_name": "vipsim",
            "provider_url": base,
            "title": s.title,
            "width": 720,
            "height": crate::share::EMBED_HEIGHT,
            "html": crate::share::embed_iframe(&src, &s.title),
        });
        let path = dir.join(format!("{}.json", s.id));
        std::fs::write(&path, serde_json::to_string_pretty(&json).expect("json"))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// `html` without the `<link data-trunk …>` elements trunk left in it.
/// With `inject_scripts = false` trunk 0.21 keeps the `rel="rust"` link
/// (`href="../Cargo.toml"`) where its loader would have gone (trunk-rs/trunk
/// src/pipelines/rust/output.rs, `RustAppOutput::finalize` returns before
/// replacing it). A page must not carry it: the service worker caches every
/// `href` a page names, and would ask the host for `../Cargo.toml`.
fn without_trunk_links(html: &str) -> String {
    html.split_inclusive('\n')
        .filter(|line| {
            let line = line.trim();
            !(line.starts_with("<link data-trunk") && line.ends_with('>') && line.matches('<').count() == 1)
        })
        .collect()
}

/// Writes the site's pages, posters and oEmbed files into `dist`, around
/// trunk's build there. Returns the files written.
pub fn write(dist: &Path, base_url: &str) -> Result<Vec<PathBuf>, String> {
    let index = dist.join("index.html");
    let template = std::fs::read_to_string(&index).map_err(|e| format!("{}: {e}", index.display()))?;
    let template = without_trunk_links(&template);
    for mark in [HEAD_MARK, APP_MARK] {
        if !template.contains(mark) {
            return Err(format!("{}: no {mark} (is this trunk's output of www/index.html?)", index.display()));
        }
    }
    let bundle = Bundle::find(dist)?;
    let all: Vec<Shipped> = catalog::shipped().into_iter().chain(catalog::workshop()).collect();
    let posters = dist.join("posters");
    std::fs::create_dir_all(&posters).map_err(|e| format!("{}: {e}", posters.display()))?;
    let mut written = Vec::new();
    let mut put = |path: PathBuf, text: String| -> Result<(), String> {
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        written.push(path);
        Ok(())
    };
    let mut first = None;
    for s in &all {
        let opened = Opened::new(s.clone())?;
        for lang in Lang::ALL {
            put(posters.join(format!("{}.{}.html", s.id, lang.code())), opened.poster(lang))?;
        }
        let title = format!("{} · vipsim", s.title);
        put(dist.join(format!("{}.html", s.id)), main_page(&template, &bundle, &opened, &all, Some(&title)))?;
        if s.id == FIRST_SCENARIO {
            first = Some(opened);
        }
    }
    let first = first.ok_or_else(|| format!("no shipped scenario {FIRST_SCENARIO}"))?;
    put(index, main_page(&template, &bundle, &first, &all, None))?;
    put(dist.join("embed.html"), embed_page(&template, &bundle, &all))?;
    written.extend(oembed(&dist.join("oembed"), base_url)?);
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The head of trunk 0.21.14's `index.html` from www/index.html.
    const TRUNK_OUTPUT: &str = "<head>\n  <link rel=\"stylesheet\" href=\"./style-7b83.css\"/>\n  \n  <link data-trunk rel=\"rust\" href=\"../Cargo.toml\" data-bin=\"vipsim\" data-cargo-profile=\"wasm-release\" data-wasm-opt=\"z\" data-trunk-id=\"3\">\n  <!--vipsim:head-->\n</head>\n<body>\n  <div id=\"app\"><!--vipsim:app--></div>\n</body>\n";

    #[test]
    fn the_pages_name_no_file_outside_the_site() {
        let dist = std::env::temp_dir().join(format!("vipsim-site-test-{}", std::process::id()));
        std::fs::create_dir_all(&dist).unwrap();
        std::fs::write(dist.join("index.html"), TRUNK_OUTPUT).unwrap();
        std::fs::write(dist.join("vipsim-00ff.js"), "export default 0;").unwrap();
        std::fs::write(dist.join("vipsim-00ff_bg.wasm"), [0u8; 1234]).unwrap();
        let written = write(&dist, "").unwrap();
        let pages: Vec<&PathBuf> = written.iter().filter(|p| p.extension().is_some_and(|e| e == "html")).collect();
        // index, embed, and a page and two posters per shipped scenario and exercise.
        let all = catalog::shipped().len() + catalog::workshop().len();
        assert_eq!(pages.len(), 2 + 3 * all);
        for page in pages {
            let html = std::fs::read_to_string(page).unwrap();
            assert!(!html.contains("data-trunk") && !html.contains("Cargo.toml"), "{}", page.display());
        }
        let index = std::fs::read_to_string(dist.join("index.html")).unwrap();
        assert!(index.starts_with("<head>\n  <link rel=\"stylesheet\" href=\"./style-7b83.css\"/>\n  \n  <link rel=\"modulepreload\" href=\"./vipsim-00ff.js\">\n"), "{index}");
        assert!(index.contains(
            "const VIPSIM = {js:\"./vipsim-00ff.js\",wasm:\"./vipsim-00ff_bg.wasm\",size:1234,page:\"main\","
        ));
        std::fs::remove_dir_all(&dist).unwrap();
    }
}
