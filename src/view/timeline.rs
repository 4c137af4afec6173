//! The timeline's words and marks at the cursor: the scrubber's marks
//! (where, which are labelled), the outages drawn as bands, the clock and
//! what happened at the current step. The playground's timeline panel and
//! the static first paint both show a [`TimelineView`].

use super::i18n::{Lang, Msg};
use super::story::{MarkKind, MarkText, Story};
use super::{secs, secs_in};
use crate::engine::trace::Kind;
use crate::play::run::Run;
use crate::time::Instant;

/// Marks closer than this (in % of the run) to the previous labelled one
/// are drawn as ticks only, so bursts (five GARP rounds) stay readable.
const LABEL_GAP_PCT: f64 = 3.0;

/// `t` as a percentage of a run ending at `end`.
pub fn pct(t: Instant, end: Instant) -> f64 {
    if end == Instant::ZERO { 0.0 } else { 100.0 * t.as_nanos() as f64 / end.as_nanos() as f64 }
}

/// A mark on the scrubber.
#[derive(Clone, Debug, PartialEq)]
pub struct MarkView {
    pub step: u64,
    pub kind: MarkKind,
    /// Left edge, in % of the scrubber.
    pub at: f64,
    /// The learner is at this mark's step.
    pub here: bool,
    /// Drawn with its glyph; a tick only when too close to the previous labelled mark.
    pub labelled: bool,
    /// "27.000 s the leader …" (tooltip) and the screen reader's words.
    pub title: String,
    pub label: String,
}

/// An outage drawn as a band under the scrubber.
#[derive(Clone, Debug, PartialEq)]
pub struct Band {
    pub left: f64,
    pub width: f64,
    pub title: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TimelineView {
    pub marks: Vec<MarkView>,
    pub bands: Vec<Band>,
    /// The playhead, as the clock shows it, and the rest of the clock's line.
    pub clock: String,
    pub clock_rest: String,
    pub cursor: u64,
    /// The playhead, and the end of the run.
    pub time: Instant,
    pub end: Instant,
    /// What happened at the current step: its time and first record, and
    /// how many more; `None` before anything happened.
    pub now: Option<(String, String, Option<String>)>,
}

impl TimelineView {
    /// The timeline of `run` (whose story is `story`) with the playhead at
    /// `time`. `conceal`: an exercise asks who answers for the VIP, so no
    /// mark or record names the node (leader, GARP sender, where drops are).
    pub fn of(run: &Run, story: &Story, time: Instant, lang: Lang, conceal: bool) -> TimelineView {
        let end = run.end;
        let cursor = run.cursor();
        let current = story.current_step(cursor);
        let mut last_labelled = f64::NEG_INFINITY;
        let marks = story
            .marks
            .iter()
            .map(|m| {
                let at = pct(m.t, end);
                let labelled = at - last_labelled >= LABEL_GAP_PCT;
                if labelled {
                    last_labelled = at;
                }
                let label = match &m.what {
                    _ if !conceal => m.label(lang),
                    MarkText::Leader { .. } => lang.t(Msg::LeaderHidden).to_string(),
                    MarkText::Garp { .. } => lang.t(Msg::GarpHidden).to_string(),
                    MarkText::DropsStart { at, why } if story.nodes.contains(at) => lang.f(Msg::DropsHidden, &[why]),
                    _ => m.label(lang),
                };
                MarkView {
                    step: m.step,
                    kind: m.kind,
                    at,
                    here: current == Some(m.step),
                    labelled,
                    title: format!("{} {label}", secs(m.t)),
                    label: lang.f(Msg::MarkAt, &[&label, &secs_in(m.t, lang)]),
                }
            })
            .collect();
        let bands = story
            .outages
            .iter()
            .map(|o| {
                let left = pct(o.from, end);
                Band {
                    left,
                    width: (pct(o.to, end) - left).max(0.3),
                    title: lang.f(Msg::RequestsFailing, &[&secs_in(o.from, lang), &secs_in(o.to, lang)]),
                }
            })
            .collect();
        let now = current.map(|step| {
            let visible = run.visible();
            let from = visible.partition_point(|r| r.step < step);
            let records = &visible[from..];
            let first = records.first().map(|r| match conceal && !tells_nobody(&r.kind) {
                true => lang.t(Msg::RecordHidden).to_string(),
                false => super::story::record_line(&r.kind, &run.scenario.doc.spec, lang),
            });
            let more = (records.len() > 1).then(|| lang.f(Msg::MoreInEvent, &[&(records.len() - 1)]));
            (lang.f(Msg::AtTime, &[&secs_in(run.time_of(step), lang)]), first.unwrap_or_default(), more)
        });
        TimelineView {
            marks,
            bands,
            clock: secs(time),
            clock_rest: lang.f(Msg::ClockRest, &[&secs_in(end, lang), &cursor, &run.len()]),
            cursor,
            time,
            end,
            now,
        }
    }
}

/// Whether a record's words cannot name the node that answers for a VIP.
/// Frames and drops happen at it, ARP entries and the switch's table point
/// at its MAC, leader records, speakers' logs and `nodeAssigned` events name
/// it, a pod's answer sees its address (SNAT), routes and BGP sessions go to
/// it: those are hidden while an exercise asks who answers.
fn tells_nobody(kind: &Kind) -> bool {
    match kind {
        Kind::Fault { .. }
        | Kind::Note { .. }
        | Kind::Ipam { .. }
        | Kind::Command { .. }
        | Kind::Endpoints { .. }
        | Kind::Node { .. }
        | Kind::Pod { .. } => true,
        Kind::Frame { .. }
        | Kind::Drop { .. }
        | Kind::Neighbor { .. }
        | Kind::ArpIgnored { .. }
        | Kind::Mac { .. }
        | Kind::Leader { .. }
        | Kind::Log { .. }
        | Kind::App { .. }
        | Kind::Route { .. }
        | Kind::Bgp { .. } => false,
    }
}
