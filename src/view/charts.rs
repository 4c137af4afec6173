//! What the charts say and how tall they are, without drawing them (the
//! playground draws them with plotters, `crate::ui::charts`): each chart's
//! sentence, its lanes, its height, and the colours of the nodes. The
//! posters reserve the charts' place with the same figures, so the page
//! does not grow when the app takes over.

use super::i18n::{Lang, Msg};
use super::story::{Lane, Outcome, Story};
use super::{duration, secs_in};
use crate::sort::Sort;
use crate::time::{Duration, Instant};

/// A colour as red, green and blue.
pub type Rgb = (u8, u8, u8);

/// The narrowest a chart is drawn: in a narrower place it is drawn this
/// wide and shrunk to fit (its words drawn larger by as much).
pub const MIN_WIDTH: u32 = 340;

/// The served chart's height, in the drawing's pixels (one per screen
/// pixel: charts are drawn at the width they are shown at).
pub const SERVED_HEIGHT: u32 = 210;

/// The requests chart's height for `lanes` lanes.
pub fn requests_height(lanes: usize) -> u32 {
    60 + 58 * lanes.max(1) as u32
}

/// The path chart's height for `lanes` lanes.
pub fn path_height(lanes: usize) -> u32 {
    60 + 30 * lanes.max(1) as u32
}

/// The path chart's lanes: each host a run's way to the VIP went through
/// ("none" while it had no entry), prefixed with the run when there are
/// several ("A: node-a"), sorted.
pub fn path_lanes(runs: &[(&Story, &str)], lang: Lang) -> Vec<String> {
    let mut lanes: Vec<String> = Vec::new();
    for (story, run) in runs {
        for span in &story.path {
            let hosts = if span.via.is_empty() { vec![lang.t(Msg::None).to_string()] } else { span.via.clone() };
            for h in hosts {
                let lane = if runs.len() > 1 { format!("{run}: {h}") } else { h };
                if !lanes.contains(&lane) {
                    lanes.push(lane);
                }
            }
        }
    }
    lanes.stable_sort();
    lanes
}

/// The path chart's title: how the resolver reaches the VIP.
pub fn path_title(story: &Story, lang: Lang) -> String {
    match (&story.resolver, story.vip) {
        (Some(r), Some(v)) => lang.f(Msg::HowReaches, &[r, &v]),
        _ => lang.t(Msg::HowRouterReaches).into(),
    }
}

/// Colours for hosts and nodes (red, green, blue); each is also named in
/// text next to it.
pub const PALETTE: [Rgb; 6] = [
    (0x3b, 0x82, 0xc4),
    (0xe0, 0x8a, 0x1e),
    (0x8e, 0x6a, 0xc8),
    (0x2e, 0x9d, 0x4f),
    (0xc2, 0x41, 0x7d),
    (0x6b, 0x7b, 0x8c),
];
/// Axes, and hosts that are not nodes.
pub const AXIS: Rgb = (0x8a, 0x94, 0x9e);

/// A node keeps its colour in every chart; other hosts are grey.
pub fn host_colour(nodes: &[String], host: &str) -> Rgb {
    nodes.iter().position(|n| n == host).map(|i| PALETTE[i % PALETTE.len()]).unwrap_or(AXIS)
}

/// The same colour for CSS (the HTML legends).
pub fn css_colour(c: Rgb) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// The lanes of one or more runs: each run's probes, named after the
/// probe ("client → 192.168.1.201"), prefixed with the run when there are
/// several ("A · client → …").
pub fn request_lanes<'s>(runs: &[(&'s Story, &str)]) -> Vec<(String, &'s Lane)> {
    runs.iter()
        .flat_map(|(story, run)| {
            story.lanes.iter().map(move |l| {
                let name = if runs.len() > 1 { format!("{run} · {}", l.label()) } else { l.label() };
                (name, l)
            })
        })
        .collect()
}

/// One sentence per lane: "client → 192.168.1.201: 70 of 111 requests
/// failed; the longest outage lasted 70.0 s (20.000 s → 90.000 s)."
pub fn requests_summary(story: &Story, lang: Lang) -> String {
    if story.lanes.is_empty() {
        return lang.t(Msg::NoRequests).into();
    }
    let lanes: Vec<String> = story
        .lanes
        .iter()
        .map(|lane| {
            let total = lane.probes.len();
            let failed = lane.count(Outcome::Failed);
            let drops = lane.count(Outcome::LocalDrop);
            let mut said = match lane.outages.iter().max_by_key(|o| o.length()) {
                // Every request dropped by the policy: nothing was answered.
                None if total == drops && total == 1 => lang.t(Msg::TheOneNotAnswered).to_string(),
                None if total == drops => lang.f(Msg::NoneAnswered, &[&total]),
                // Some turned away, the rest answered: not "all succeeded".
                None if drops > 0 => lang.f(Msg::AnsweredOf, &[&(total - drops), &total]),
                None if total == 1 => lang.t(Msg::TheOneSucceeded).to_string(),
                None => lang.f(Msg::AllSucceeded, &[&total]),
                Some(o) => lang.f(
                    if o.ongoing { Msg::SomeFailedOngoing } else { Msg::SomeFailed },
                    &[&failed, &total, &duration(o.length(), lang), &secs_in(o.from, lang), &secs_in(o.to, lang)],
                ),
            };
            if drops > 0 {
                said.push(' ');
                // "Not an outage" only beside requests the Service answered.
                said.push_str(&lang.f(if total == drops { Msg::EveryLocalDrop } else { Msg::LocalDrops }, &[&drops]));
            }
            format!("{}: {said}", lane.label())
        })
        .collect();
    lanes.join(" ")
}

pub fn requests_data(story: &Story) -> Vec<(&'static str, String)> {
    let longest = story.longest_outage().map(|o| o.length().as_millis()).unwrap_or(0);
    vec![
        ("data-lanes", story.lanes.len().to_string()),
        ("data-requests", story.requests().to_string()),
        ("data-failures", story.failures().to_string()),
        ("data-local-drops", story.local_drops().to_string()),
        ("data-outages", story.outages.len().to_string()),
        ("data-longest-outage-ms", longest.to_string()),
    ]
}

pub fn path_summary(story: &Story, lang: Lang) -> String {
    let (Some(resolver), Some(vip)) = (&story.resolver, story.vip) else {
        return lang.t(Msg::NoVipLookup).into();
    };
    // Transient states (INCOMPLETE for the microseconds of a resolution) are
    // left out, and a state change on the same host is not a new step.
    let mut steps: Vec<(Instant, String)> = Vec::new();
    for span in story.path.iter().filter(|s| s.to.saturating_since(s.from) >= Duration::from_millis(10)) {
        let via = if span.via.is_empty() { lang.t(Msg::NoEntry).to_string() } else { span.via.join(" + ") };
        if steps.last().is_none_or(|(_, v)| *v != via) {
            steps.push((span.from, via));
        }
    }
    let steps: Vec<String> =
        steps.into_iter().map(|(t, via)| lang.f(Msg::PathFrom, &[&secs_in(t, lang), &via])).collect();
    if steps.is_empty() {
        return lang.f(Msg::NeverLookedUp, &[resolver, &vip]);
    }
    // "router → 192.168.1.201 — from 8.000 s: node-a; from 90.000 s: node-b."
    format!("{resolver} → {vip} — {}.", steps.join("; "))
}

pub fn served_summary(story: &Story, lang: Lang) -> String {
    if story.served.is_empty() {
        return lang.t(Msg::NoneServed).into();
    }
    let parts: Vec<String> = story
        .nodes
        .iter()
        .map(|n| (n, story.served.iter().filter(|s| *s.node == **n).count()))
        .filter(|(_, c)| *c > 0)
        .map(|(n, c)| format!("{n} {c}"))
        .collect();
    lang.f(Msg::ServedPerNode, &[&parts.join(", ")])
}
