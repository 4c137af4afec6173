//! The playground's panels as static HTML text: the topology (a
//! [`Drawing`] as inline SVG), the timeline and the lesson, with the same
//! elements and classes the yew components render, so the site's
//! stylesheet lays them out exactly as the app's first frame. Nothing here
//! responds to input: these are what a reader sees before the wasm has
//! arrived (the embed's poster, the first paint of the main pages,
//! [`super::site`]).

use super::charts;
use super::i18n::{Lang, Msg};
use super::lesson::LessonView;
use super::markdown::{escape, reveal_marks, to_html_until};
use super::scene::{CALLOUT_ROW, Drawing, Rect, TEXT_ROW};
use super::story::{FrameClass, Story};
use super::timeline::TimelineView;
use crate::time::Instant;
use std::fmt::Write;

/// `<rect>` of `r` with rounded corners `rx`.
fn rect(out: &mut String, r: Rect, rx: u32) {
    let _ = write!(out, r#"<rect x="{}" y="{}" width="{}" height="{}" rx="{rx}"/>"#, r.x, r.y, r.w, r.h);
}

/// Which of the two layouts an SVG is: the app draws the narrow one on
/// pages under 720 CSS pixels wide (a phone), and so does the stylesheet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fit {
    Wide,
    Narrow,
}

impl Fit {
    pub fn css(self) -> &'static str {
        match self {
            Fit::Wide => "poster-wide",
            Fit::Narrow => "poster-narrow",
        }
    }
}

/// The topology drawing as SVG text. `min_scale` is the app's (the drawing
/// does not shrink below it; 0 in the embed player); `selected` the host
/// the inspector shows.
pub fn topology_svg(d: &Drawing, fit: Fit, min_scale: f64, selected: Option<&str>, label: &str) -> String {
    let l = &d.layout;
    let mut out = String::with_capacity(8192);
    // A phone's drawing is seen through the zoom's view, as the app's is.
    let view_box = match fit {
        Fit::Narrow => super::zoom::View::default().view_box(l.width, l.height),
        Fit::Wide => format!("0 0 {:.0} {:.0}", l.width, l.height),
    };
    let _ = write!(
        out,
        r#"<svg viewBox="{view_box}" role="group" aria-label="{}" class="topology-svg {}" style="min-width:{:.0}px">"#,
        escape(label),
        fit.css(),
        l.width * min_scale
    );
    out.push_str(r#"<g class="cables">"#);
    for (c, words) in l.cables.iter().zip(&d.cable_text) {
        let [a, b] = c.points;
        let _ = write!(
            out,
            r#"<g class="cable{}"><line x1="{}" y1="{}" x2="{}" y2="{}"/>"#,
            if c.up { "" } else { " down" },
            a.x,
            a.y,
            b.x,
            b.y
        );
        if let Some((p, port)) = &words.port {
            let _ = write!(out, r#"<text class="port" x="{}" y="{}">{}</text>"#, p.x, p.y, escape(port));
        }
        if let Some((p, down)) = &words.down {
            let _ = write!(out, r#"<text class="link-down" x="{}" y="{}">{}</text>"#, p.x, p.y, escape(down));
        }
        out.push_str("</g>");
    }
    out.push_str("</g>");
    let is = |name: &str| if selected == Some(name) { " selected" } else { "" };
    let sw = &d.switch;
    let t = sw.text_at();
    let _ = write!(
        out,
        r#"<g class="host switch{}" data-host="{}" aria-label="{}">"#,
        is(&sw.name),
        escape(&sw.name),
        escape(&sw.label)
    );
    rect(&mut out, sw.rect, 6);
    // As in the app: the drawn words sit beside the host's button, not in
    // it (src/ui/topology.rs, WCAG 2.5.3 label in name).
    let _ = write!(
        out,
        r#"</g><g class="host-text switch" aria-hidden="true"><text x="{}" y="{}"><tspan class="name">{}</tspan><tspan class="ip" x="{}" dy="{TEXT_ROW}">{}</tspan></text></g>"#,
        t.x,
        t.y,
        escape(&sw.name),
        t.x,
        escape(&sw.learned)
    );
    for b in &d.hosts {
        let _ = write!(
            out,
            r#"<g class="host {}{}{}" data-host="{}" aria-label="{}">"#,
            b.role,
            if b.off { " off" } else { "" },
            is(&b.name),
            escape(&b.name),
            escape(&b.label)
        );
        rect(&mut out, b.rect, 8);
        let _ = write!(
            out,
            r#"</g><g class="host-text {}{}" aria-hidden="true">"#,
            b.role,
            if b.off { " off" } else { "" }
        );
        let role = b.role_at();
        let _ = write!(out, r#"<text class="role" x="{}" y="{}">{}</text>"#, role.x, role.y, escape(&b.role_label));
        let t = b.text_at();
        let _ = write!(out, r#"<text x="{}" y="{}">"#, t.x, t.y);
        for (i, line) in b.lines.iter().enumerate() {
            let dy = if i == 0 { 0.0 } else { TEXT_ROW };
            let _ =
                write!(out, r#"<tspan class="{}" x="{}" dy="{dy}">{}</tspan>"#, line.class, t.x, escape(&line.text));
        }
        out.push_str("</text>");
        for badge in &b.badges {
            out.push_str(r#"<g class="vip-badge">"#);
            rect(&mut out, badge.rect, 9);
            let t = badge.text_at();
            let _ = write!(out, r#"<text x="{}" y="{}">{}</text></g>"#, t.x, t.y, escape(&badge.text));
        }
        if !b.pods.is_empty() {
            out.push_str(r#"<text class="pods">"#);
            for (i, p) in b.pods.iter().enumerate() {
                let at = b.pod_at(i);
                let _ = write!(
                    out,
                    r#"<tspan x="{}" y="{}"><tspan class="{}">{}</tspan></tspan>"#,
                    at.x,
                    at.y,
                    p.class,
                    escape(&p.text)
                );
            }
            out.push_str("</text>");
        }
        out.push_str("</g>");
    }
    if let Some(c) = &d.callout {
        let _ = write!(out, r#"<g class="callout{}">"#, if c.changed { " changed" } else { "" });
        rect(&mut out, c.rect, 6);
        let t = c.title_at();
        let _ = write!(out, r#"<text x="{}" y="{}" class="title">{}</text>"#, t.x, t.y, escape(&c.title));
        let r = c.rows_at();
        let _ = write!(out, r#"<text x="{}" y="{}">"#, r.x, r.y);
        for (i, row) in c.rows.iter().enumerate() {
            let dy = if i == 0 { 0.0 } else { CALLOUT_ROW };
            let _ = write!(out, r#"<tspan x="{}" dy="{dy}"><tspan class="{}""#, r.x, row.line.class);
            if let Some(way) = &row.way {
                let _ = write!(
                    out,
                    r#" data-host="{}" data-vip="{}" data-via="{}""#,
                    escape(&way.host),
                    way.vip,
                    escape(&way.via)
                );
            }
            let _ = write!(out, ">{}</tspan></tspan>", escape(&row.line.text));
        }
        out.push_str("</text></g>");
    }
    out.push_str("</svg>");
    out
}

const LEGEND: [(FrameClass, Msg); 6] = [
    (FrameClass::ArpRequest, Msg::LegendArpRequest),
    (FrameClass::ArpReply, Msg::LegendArpReply),
    (FrameClass::Garp, Msg::LegendGarp),
    (FrameClass::Tcp, Msg::LegendTcp),
    (FrameClass::Icmp, Msg::LegendIcmp),
    (FrameClass::Other, Msg::LegendOther),
];

/// The topology panel around `svgs` (one per [`Fit`]): its heading, the
/// frame legend and the closed table view, as the app shows them.
pub fn topology_panel(svgs: &[String], coming: &[String], lang: Lang) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<section class="panel topology" data-panel="topology"><h2>{}</h2>"#,
        escape(lang.t(Msg::PanelNetwork))
    );
    // The phone's zoom buttons, inert until the app runs (shown with the narrow drawing).
    let _ = write!(
        out,
        r#"<div class="zoom-bar poster-narrow" role="group" aria-label="{}"><button type="button" data-zoom="in" aria-label="{}">+</button><button type="button" data-zoom="out" aria-label="{}">−</button><button type="button" data-zoom="fit">{}</button><span class="hint">{}</span></div><div class="topology-scroll">"#,
        escape(lang.t(Msg::ZoomNetwork)),
        escape(lang.t(Msg::ZoomIn)),
        escape(lang.t(Msg::ZoomOut)),
        escape(lang.t(Msg::ZoomFit)),
        escape(lang.t(Msg::PinchHint))
    );
    for svg in svgs {
        out.push_str(svg);
    }
    let _ = write!(out, r#"</div><ul class="legend" aria-label="{}">"#, escape(lang.t(Msg::FrameKinds)));
    for (class, words) in LEGEND {
        let _ = write!(
            out,
            r#"<li class="flight-key {}"><span>{}</span>{}</li>"#,
            class.css(),
            class.label(),
            escape(lang.t(words))
        );
    }
    // The drop notes' reserved line, and what is coming up, as the app
    // draws them (they keep their room so playing moves nothing).
    let _ = write!(
        out,
        r#"<li class="flight-key drop"><span>✕</span>{}</li></ul><ul class="drop-notes" aria-live="off"></ul><div class="coming-up{}"><h3>{}</h3>"#,
        escape(lang.t(Msg::LegendDrop)),
        if coming.is_empty() { " idle" } else { "" },
        escape(lang.t(Msg::ComingUp))
    );
    if coming.is_empty() {
        let _ = write!(out, r#"<p class="hint">{}</p>"#, escape(lang.t(Msg::NothingComingUp)));
    } else {
        out.push_str("<ul>");
        for c in coming {
            let _ = write!(out, "<li>{}</li>", escape(c));
        }
        out.push_str("</ul>");
    }
    let _ = write!(
        out,
        r#"</div><details class="text-view"><summary>{}</summary></details></section>"#,
        escape(lang.t(Msg::TopologyAsTable))
    );
    out
}

/// The charts panel with each chart's place kept: its title, an empty
/// box as tall as the chart will be (charts are drawn at the width they
/// show at, so a chart of height H is H px on screen; only in a place
/// narrower than [`charts::MIN_WIDTH`] would it shrink), its legend and
/// its sentence, as `ui::charts` shows them. The embed's poster carries it so
/// the page does not grow by the charts when the reader runs the player.
pub fn charts_panel(story: &Story, concealed: bool, lang: Lang) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<section class="panel charts" aria-labelledby="charts-title" data-panel="charts"><h2 id="charts-title">{}</h2>"#,
        escape(lang.t(Msg::PanelCharts))
    );
    let figure = |out: &mut String, name: &str, title: &str, height: u32, summary: &str| {
        let _ = write!(
            out,
            r#"<figure class="chart" data-chart="{name}"><figcaption><strong>{}</strong></figcaption><div class="chart-canvas"><div class="chart-plot" style="height:{height}px"></div></div><div class="chart-summary">{summary}</div></figure>"#,
            escape(title)
        );
    };
    let legend: String = {
        let items: String = story
            .nodes
            .iter()
            .map(|n| {
                format!(
                    r#"<li><span class="swatch" style="background:{}"></span>{}</li>"#,
                    charts::css_colour(charts::host_colour(&story.nodes, n)),
                    escape(n)
                )
            })
            .collect();
        format!(r#"<ul class="chart-legend" aria-hidden="true">{items}</ul>"#)
    };
    let runs = [(story, "")];
    figure(
        &mut out,
        "requests",
        lang.t(Msg::ClientRequestsTitle),
        charts::requests_height(story.lanes.len()),
        &escape(&charts::requests_summary(story, lang)),
    );
    let path_title = charts::path_title(story, lang);
    if concealed {
        let _ = write!(
            out,
            r#"<figure class="chart concealed" data-chart="path"><figcaption><strong>{}</strong></figcaption><p class="hint">{}</p></figure>"#,
            escape(&path_title),
            escape(lang.t(Msg::PathHidden))
        );
    } else {
        let said = format!(r#"{legend}<span class="path-steps">{}</span>"#, escape(&charts::path_summary(story, lang)));
        figure(&mut out, "path", &path_title, charts::path_height(charts::path_lanes(&runs, lang).len()), &said);
    }
    let said = format!("{legend}{}", escape(&charts::served_summary(story, lang)));
    figure(&mut out, "served", lang.t(Msg::ServedTitle), charts::SERVED_HEIGHT, &said);
    out.push_str("</section>");
    out
}

/// A `<button>` of the timeline's transport, inert.
fn transport_button(out: &mut String, lang: Lang, text: Msg, label: Msg, title: Option<Msg>, play: bool) {
    let _ = write!(out, r#"<button type="button""#);
    if play {
        out.push_str(r#" class="play" aria-pressed="false""#);
    }
    let _ = write!(out, r#" aria-label="{}""#, escape(lang.t(label)));
    if let Some(title) = title {
        let _ = write!(out, r#" title="{}""#, escape(lang.t(title)));
    }
    if play {
        // The app's play button holds both words, the other one hidden.
        let _ = write!(
            out,
            r#"><span class="shown">{}</span><span class="other" aria-hidden="true">{}</span></button>"#,
            escape(lang.t(text)),
            escape(lang.t(Msg::Pause))
        );
    } else {
        let _ = write!(out, ">{}</button>", escape(lang.t(text)));
    }
}

/// The checkpoint slot before a run's first checkpoint (at `first`): the
/// space its card will take, reserved from the start (issue 18, point 14),
/// saying when the first question comes. The app renders the same.
pub fn checkpoint_slot_waiting(out: &mut String, first: Instant, lang: Lang) {
    let _ = write!(
        out,
        r#"<div class="checkpoint-slot" tabindex="0" role="group" aria-label="{}"><p class="checkpoint-coming"><span class="label">{}</span> {}</p></div>"#,
        escape(lang.t(Msg::CheckpointHeading)),
        escape(lang.t(Msg::CheckpointHeading)),
        escape(&lang.f(Msg::CheckpointComing, &[&super::secs_in(first, lang)]))
    );
}

/// The timeline panel at the cursor, playing at 1× and paused, as the app
/// opens a scenario; `first_checkpoint`: when the run's first checkpoint
/// asks, whose slot the panel keeps from the start.
pub fn timeline_panel(v: &TimelineView, first_checkpoint: Option<Instant>, lang: Lang) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<section class="panel timeline" aria-label="{}" data-panel="timeline"><div class="transport" role="toolbar" aria-label="{}">"#,
        escape(lang.t(Msg::PanelTimeline)),
        escape(lang.t(Msg::Playback))
    );
    let b = |out: &mut String, text, label, title| transport_button(out, lang, text, label, Some(title), false);
    b(&mut out, Msg::GoStart, Msg::GoStartLabel, Msg::GoStartTitle);
    b(&mut out, Msg::PrevMark, Msg::PrevMarkLabel, Msg::PrevMarkTitle);
    b(&mut out, Msg::StepBack, Msg::StepBackLabel, Msg::StepBackTitle);
    transport_button(&mut out, lang, Msg::Play, Msg::PlayLabel, None, true);
    b(&mut out, Msg::StepForward, Msg::StepForwardLabel, Msg::StepForwardTitle);
    b(&mut out, Msg::NextMark, Msg::NextMarkLabel, Msg::NextMarkTitle);
    b(&mut out, Msg::GoEnd, Msg::GoEndLabel, Msg::GoEndTitle);
    // The app's Tour button: where the bar wraps depends on it.
    let _ = write!(
        out,
        r#"<button type="button" class="tour-button" aria-pressed="false" title="{}">{}</button>"#,
        escape(lang.t(Msg::TourTitle)),
        escape(lang.t(Msg::Tour))
    );
    let _ = write!(
        out,
        r#"<label class="speed"><span>{}</span><select aria-label="{}" name="speed">"#,
        escape(lang.t(Msg::Speed)),
        escape(lang.t(Msg::PlaybackSpeed))
    );
    for x in crate::view::SPEEDS {
        let _ = write!(out, r#"<option value="{x}"{}>{x}×</option>"#, if *x == 1.0 { " selected" } else { "" });
    }
    let _ = write!(
        out,
        r#"</select></label><output class="clock"><strong>{}</strong>{}</output></div>"#,
        escape(&v.clock),
        escape(&v.clock_rest)
    );
    out.push_str(r#"<div class="scrubber"><div class="marks" aria-hidden="true">"#);
    for m in &v.marks {
        let _ = write!(
            out,
            r#"<button type="button" tabindex="-1" class="mark {}{}{}" style="left:{:.3}%" title="{}" aria-label="{}">{}</button>"#,
            m.kind.css(),
            if m.here { " here" } else { "" },
            if m.labelled { "" } else { " tick" },
            m.at,
            escape(&m.title),
            escape(&m.label),
            if m.labelled { m.kind.glyph() } else { "" }
        );
    }
    out.push_str(r#"</div><div class="bands" aria-hidden="true">"#);
    for band in &v.bands {
        let _ = write!(
            out,
            r#"<span class="outage-band" style="left:{:.3}%;width:{:.3}%" title="{}"></span>"#,
            band.left,
            band.width,
            escape(&band.title)
        );
    }
    let _ = write!(
        out,
        r#"</div><input type="range" min="0" max="{}" step="100" value="{}" aria-label="{}"></div><div class="now">"#,
        v.end.as_millis(),
        v.time.as_millis(),
        escape(lang.t(Msg::Time))
    );
    match &v.now {
        Some((at, first, more)) => {
            let _ = write!(out, r#"<p><span class="label">{}</span>{}"#, escape(at), escape(first));
            if let Some(more) = more {
                let _ = write!(out, r#"<span class="more">{}</span>"#, escape(more));
            }
            out.push_str("</p>");
        }
        None => {
            let _ = write!(out, "<p>{}</p>", escape(lang.t(Msg::NothingYet)));
        }
    }
    out.push_str("</div>");
    // A poster is the first moment, before any checkpoint has asked.
    if let Some(first) = first_checkpoint {
        checkpoint_slot_waiting(&mut out, first, lang);
    }
    out.push_str("</section>");
    out
}

/// The lesson panel. `moment` marks what depends on the cursor (the note,
/// who announces), which a page opened at another moment hides.
pub fn lesson_panel(v: &LessonView, now: Instant, first_beat: Option<Instant>, lang: Lang) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<section class="panel lesson" data-panel="lesson"><h2 class="lesson-title">{}</h2>"#,
        escape(&v.title)
    );
    if !v.tags.is_empty() {
        out.push_str(r#"<p class="tags">"#);
        for t in &v.tags {
            let _ = write!(out, r#"<span class="tag">{}</span>"#, escape(t));
        }
        out.push_str("</p>");
    }
    let _ = write!(
        out,
        r#"<p class="how-real"><button type="button" class="link-button how-real-open" aria-haspopup="dialog">{}</button></p>"#,
        escape(lang.t(Msg::HowRealLesson))
    );
    if let Some(beat) = &v.beat {
        let _ = write!(
            out,
            r#"<aside class="note-now{}" data-moment><span class="label">{}</span><p>{}</p></aside>"#,
            if beat.fault { " fault" } else { "" },
            escape(&beat.label),
            escape(&beat.text)
        );
    } else if let Some(first) = first_beat {
        // As the app shows it before the first beat, so nothing moves when it takes over.
        let _ = write!(
            out,
            r#"<aside class="note-now idle" data-moment><p>{}</p></aside>"#,
            escape(&lang.f(Msg::NoBeatYet, &[&super::secs_in(first, lang)]))
        );
    }
    if !v.announcing.is_empty() && v.concealed {
        // An exercise that asks who answers does not give it away.
        let _ = write!(
            out,
            r#"<div class="announcers" data-moment data-concealed="true"><h3>{}</h3><p class="concealed">{}</p></div>"#,
            escape(lang.t(Msg::WhoAnswers)),
            escape(lang.t(Msg::Concealed))
        );
    } else if !v.announcing.is_empty() {
        let _ = write!(out, r#"<div class="announcers" data-moment><h3>{}</h3><ul>"#, escape(lang.t(Msg::WhoAnswers)));
        for a in &v.announcing {
            let _ = write!(out, "<li><code>{}</code>{}<strong>{}</strong>", a.ip, escape(&a.service), escape(&a.who));
            if let Some(order) = &a.order {
                let _ = write!(out, r#"<div class="order">{}</div>"#, escape(order));
            }
            out.push_str("</li>");
        }
        out.push_str("</ul></div>");
    }
    // The story so far, as the app's lesson shows it at `now`.
    let text = v.description.as_deref().unwrap_or_default();
    let (html, hidden) = to_html_until(text, Some(now));
    let _ = write!(out, r#"<div class="description" data-hidden="{hidden}">{html}"#);
    if reveal_marks(text).iter().any(Option::is_some) {
        let _ = write!(
            out,
            r#"<p class="story-so-far">{} <button type="button" data-do="whole-story" aria-pressed="false"{}>{}</button></p>"#,
            escape(&if hidden > 0 {
                lang.f(Msg::StorySoFar, &[&hidden])
            } else {
                lang.t(Msg::StoryAllTold).to_string()
            }),
            if hidden == 0 { " disabled" } else { "" },
            escape(lang.t(Msg::WholeStory))
        );
    }
    out.push_str("</div></section>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::play::run::Run;
    use crate::view::lesson::LessonView;
    use crate::view::story::Story;
    use std::rc::Rc;

    /// Before the failover's first note (15 s) things have happened: node-a
    /// was elected at 3 s and the client has curled since 8 s. The idle box
    /// says when the first note comes, not "Nothing has happened yet".
    #[test]
    fn before_the_first_beat_the_lesson_says_when_it_comes() {
        let s = crate::catalog::find("metallb-l2-failover").expect("shipped");
        let scenario = Rc::new(crate::scenario::load::load(s.file, s.yaml).expect("loads"));
        let mut run = Run::new(scenario.clone(), None, None, None).expect("builds");
        let story = Story::of(&run);
        assert_eq!(story.first_beat(), Some(Instant::from_secs(15)));
        run.seek_time(Instant::from_secs(5));
        let view = LessonView::of(&scenario, run.world(), run.visible(), Lang::En, false, &[]);
        let html = lesson_panel(&view, Instant::from_secs(5), story.first_beat(), Lang::En);
        assert!(
            html.contains(r#"<aside class="note-now idle" data-moment><p>The first note comes at 15.000 s: press Play, or step forward.</p></aside>"#),
            "{html}"
        );
    }
}
