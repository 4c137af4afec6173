//! The lesson beside the network: the scenario's title, tags and
//! description in the learner's language, the latest beat at the cursor
//! (a timeline note or a fault, [`super::beats`]), and who answers for each
//! VIP right now ([`super::answers`]: the L2 leader with MetalLB's sha256
//! order, Cilium's Lease holder, or the BGP speakers and the router's ECMP
//! route), hidden while an exercise asks the learner to find it. The playground's lesson panel and the
//! static first paint both show a [`LessonView`].

use super::answers::{How, NodeUp, who_answers};
use super::beats::{self, Beat};
use super::i18n::{Lang, Msg};
use crate::engine::trace::Record;
use crate::scenario::Scenario;
use crate::sim::World;
use crate::time::Instant;
use std::net::Ipv4Addr;

/// Who answers for one VIP, worded.
#[derive(Clone, Debug, PartialEq)]
pub struct Announced {
    pub ip: Ipv4Addr,
    /// " (default/web): announced by " (L2) or ": advertised over BGP by ", worded.
    pub service: String,
    /// The answering nodes (each said with whether it can answer), or "nobody".
    pub who: String,
    /// More about how: the Lease, each router's ECMP route.
    pub details: Vec<String>,
    /// MetalLB L2's election order, said in full.
    pub order: Option<String>,
    /// The nodes traffic to the VIP reaches now (for the page's data).
    pub nodes: Vec<String>,
}

/// The latest beat at the cursor, worded.
#[derive(Clone, Debug, PartialEq)]
pub struct BeatView {
    pub t: Instant,
    /// "Note at 26.000 s", "Fault at 20.000 s", "Change at 25.000 s".
    pub label: String,
    pub text: String,
    pub fault: bool,
    /// A scenario's note later than a change the learner made in this
    /// branch was written for the scenario's own run: said so, with the
    /// change.
    pub caveat: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LessonView {
    pub title: String,
    pub tags: Vec<String>,
    /// The latest beat (a note or a fault) at or before the cursor.
    pub beat: Option<BeatView>,
    pub announcing: Vec<Announced>,
    /// Who answers is the answer an exercise asks the learner to find: it
    /// stays hidden until they have ([`crate::play::goals::finding`]).
    pub concealed: bool,
    /// Markdown ([`super::markdown`]).
    pub description: Option<String>,
}

/// "power-off node-a: host powered off: ...", the detail in `lang` where
/// it is one of the fixed ones (a command or a rule is said as it is).
fn fault_text(action: &str, host: Option<&str>, detail: &str, lang: Lang) -> String {
    use crate::sim::action::fault_detail as d;
    let said = [
        (d::ALREADY_OFF, Msg::FaultAlreadyOff),
        (d::ALREADY_ON, Msg::FaultAlreadyOn),
        (d::BACK_ON_LAN_STILL_OFF, Msg::FaultBackOnLanStillOff),
        (d::POWERED_OFF, Msg::FaultPoweredOff),
        (d::CUT_FROM_LAN, Msg::FaultCutFromLan),
        (d::POWERED_ON, Msg::FaultPoweredOn),
        (d::BACK_ON_LAN, Msg::FaultBackOnLan),
        (d::SPEAKER_STARTED, Msg::FaultSpeakerStarted),
        (d::SPEAKER_STOPPED, Msg::FaultSpeakerStopped),
        (d::AGENT_STARTED, Msg::FaultAgentStarted),
        (d::AGENT_STOPPED, Msg::FaultAgentStopped),
    ]
    .into_iter()
    .find(|(en, _)| *en == detail)
    .map_or(detail, |(_, msg)| lang.t(msg));
    match (host, said.is_empty()) {
        (Some(h), false) => format!("{action} {h}: {said}"),
        (Some(h), true) => format!("{action} {h}"),
        (None, _) => action.to_string(),
    }
}

/// The learner's last change to the world before a note at `note`: a
/// fault or a cluster change at one of the moments they changed the run
/// (a read-only command changes nothing the note could be about).
fn learners_change_before(visible: &[Record], changed_at: &[Instant], note: Instant) -> Option<(Instant, String)> {
    // Drawn on every frame: look back from the note only as far as the
    // learner's first change, without collecting the run's beats.
    let first = *changed_at.iter().min()?;
    visible
        .iter()
        .rev()
        .skip_while(|r| r.t >= note)
        .take_while(|r| r.t >= first)
        .filter(|r| changed_at.contains(&r.t))
        .filter_map(beats::beat)
        .find_map(|b| match b.beat {
            Beat::Fault { action, host, .. } => Some((b.t, host.map_or(action.clone(), |h| format!("{action} {h}")))),
            Beat::Change { cmd } => Some((b.t, cmd)),
            Beat::Note(_) => None,
        })
}

/// A node as the lesson names it: "node-a", or "node-a (powered off)".
fn node(n: &NodeUp, lang: Lang) -> String {
    if n.up { n.node.clone() } else { lang.f(Msg::NodePoweredOff, &[&n.node]) }
}

fn nodes(list: &[NodeUp], lang: Lang) -> String {
    if list.is_empty() {
        lang.t(Msg::Nobody).to_string()
    } else {
        list.iter().map(|n| node(n, lang)).collect::<Vec<_>>().join(", ")
    }
}

impl LessonView {
    /// The lesson of `scenario` with the world at the cursor and the
    /// records visible there; `concealed` hides who answers (an exercise
    /// asks the learner to find it). `changed_at` are the moments the
    /// learner changed this run (the forks of its branch and its
    /// ancestors; empty for the scenario's own runs).
    pub fn of(
        scenario: &Scenario,
        world: &World,
        visible: &[Record],
        lang: Lang,
        concealed: bool,
        changed_at: &[Instant],
    ) -> LessonView {
        let meta = &scenario.doc.metadata;
        let beat = beats::latest(visible).map(|b| match b.beat {
            Beat::Note(text) => BeatView {
                t: b.t,
                label: lang.f(Msg::NoteAt, &[&super::secs_in(b.t, lang)]),
                text: scenario.doc.spec.note_in(&text, lang.code()).to_string(),
                fault: false,
                caveat: learners_change_before(visible, changed_at, b.t)
                    .map(|(t, what)| lang.f(Msg::NoteBeforeYourChange, &[&super::secs_in(t, lang), &what])),
            },
            Beat::Fault { action, host, detail } => BeatView {
                t: b.t,
                label: lang.f(Msg::FaultAt, &[&super::secs_in(b.t, lang)]),
                text: fault_text(&action, host.as_deref(), &detail, lang),
                fault: true,
                caveat: None,
            },
            Beat::Change { cmd } => BeatView {
                t: b.t,
                label: lang.f(Msg::ChangeAt, &[&super::secs_in(b.t, lang)]),
                text: cmd,
                fault: false,
                caveat: None,
            },
        });
        let announcing = who_answers(world)
            .into_iter()
            .map(|a| {
                let reached = a.nodes().into_iter().map(str::to_string).collect();
                // BGP speakers advertise a route; L2 nodes announce (answer ARP).
                let verb = if matches!(a.how, How::Bgp { .. }) { Msg::AdvertisedOverBgpBy } else { Msg::AnnouncedBy };
                let (who, details, order) = match &a.how {
                    How::Leader { nodes: n, order, arp_everywhere } => (
                        nodes(n, lang),
                        (!arp_everywhere.is_empty())
                            .then(|| lang.f(Msg::ArpAnsweredEverywhere, &[&nodes(arp_everywhere, lang)]))
                            .into_iter()
                            .collect(),
                        // No node may announce it (no advertisement selects one): no order to tell.
                        (!order.is_empty()).then(|| lang.f(Msg::ElectionOrder, &[&order.join(" → ")])),
                    ),
                    How::Lease { lease, holder } => (
                        holder.as_ref().map(|h| node(h, lang)).unwrap_or_else(|| lang.t(Msg::Nobody).into()),
                        // "nobody" then "holder of the Lease" would read as if nobody held it.
                        vec![lang.f(if holder.is_some() { Msg::LeaseHolder } else { Msg::LeaseUnheld }, &[lease])],
                        None,
                    ),
                    How::Bgp { advertising, routes } => (
                        nodes(advertising, lang),
                        routes
                            .iter()
                            .map(|r| {
                                // One next hop is a plain route, not ECMP.
                                let msg = if r.via.len() > 1 { Msg::RouteVia } else { Msg::RouteViaOne };
                                lang.f(msg, &[&r.router, &nodes(&r.via, lang)])
                            })
                            .collect(),
                        None,
                    ),
                    How::Unannounced => (lang.t(Msg::NotAnnounced).to_string(), Vec::new(), None),
                };
                Announced { ip: a.ip, service: lang.f(verb, &[&a.service]), who, details, order, nodes: reached }
            })
            .collect();
        LessonView {
            title: meta.title_in(lang.code()).to_string(),
            tags: meta.tags.clone(),
            beat,
            announcing,
            concealed,
            description: meta.description_in(lang.code()).map(str::to_string),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::play::run::Run;
    use std::rc::Rc;

    fn lesson(id: &str, secs: u64, lang: Lang) -> LessonView {
        let s = crate::catalog::find(id).expect("shipped");
        let scenario = Rc::new(crate::scenario::load::load(s.file, s.yaml).expect("loads"));
        let mut run = Run::new(scenario.clone(), None, None, None).expect("builds");
        run.seek_time(Instant::from_secs(secs));
        LessonView::of(&scenario, run.world(), run.visible(), lang, false, &[])
    }

    #[test]
    fn bgp_says_every_advertising_node_and_the_router_s_ecmp_route() {
        let v = lesson("bgp-ecmp", 25, Lang::En);
        let a = &v.announcing[0];
        // One sentence: "192.168.1.201 (default/web): advertised over BGP by
        // node-a (powered off), node-b, node-c", not "announced by advertised...".
        assert_eq!(a.service, " (default/web): advertised over BGP by ");
        assert_eq!(a.who, "node-a (powered off), node-b, node-c");
        assert_eq!(a.details, vec!["router routes it via node-a (powered off), node-b, node-c (ECMP)"]);
        assert_eq!(a.order, None, "MetalLB's L2 order means nothing in BGP mode");
        let later = lesson("bgp-ecmp", 30, Lang::En);
        assert_eq!(later.announcing[0].details, vec!["router routes it via node-b, node-c (ECMP)"]);
    }

    #[test]
    fn a_fault_is_the_beat_after_the_calm_note_and_notes_are_translated() {
        let v = lesson("metallb-l2-failover", 22, Lang::En);
        let beat = v.beat.expect("a beat");
        assert_eq!((beat.label.as_str(), beat.fault), ("Fault at 20.000 s", true));
        assert!(beat.text.starts_with("power-off node-a"), "{}", beat.text);
        assert_eq!(v.announcing[0].who, "nobody");
        let ko = lesson("metallb-l2-failover", 17, Lang::Ko).beat.expect("a beat");
        assert!(ko.text.starts_with("평온"), "{}", ko.text);
        // The fault's detail is said in the learner's language too (its
        // action and host are the scenario's own words).
        let ko = lesson("metallb-l2-failover", 22, Lang::Ko).beat.expect("a beat");
        assert_eq!(ko.text, "power-off node-a: 호스트 전원 꺼짐: NIC 링크가 끊기고 RAM(캐시, 연결)이 사라짐");
    }

    /// The event list says a scenario's note in the learner's language
    /// (it is lesson text); every other record keeps the trace's words.
    #[test]
    fn the_event_list_says_notes_in_the_learners_language() {
        use crate::engine::trace::Kind;
        use crate::view::story::record_text;
        let s = crate::catalog::find("metallb-l2-failover").expect("shipped");
        let scenario = Rc::new(crate::scenario::load::load(s.file, s.yaml).expect("loads"));
        let run = Run::new(scenario.clone(), None, None, None).expect("builds");
        let spec = &scenario.doc.spec;
        let note = run.trace().iter().find(|r| matches!(r.kind, Kind::Note { .. })).expect("a note");
        let en = record_text(&note.kind, spec, Lang::En);
        assert_eq!(en, note.kind.describe());
        let ko = record_text(&note.kind, spec, Lang::Ko);
        assert!(ko.starts_with("note: ") && ko != en, "{ko}");
        assert!(ko.chars().any(|c| ('가'..='힣').contains(&c)), "{ko}");
        let other = run.trace().iter().find(|r| !matches!(r.kind, Kind::Note { .. })).expect("a record");
        assert_eq!(record_text(&other.kind, spec, Lang::Ko), other.kind.describe());
        // The timeline's "At …" line says it the same way, on the note's step.
        let (step, t) = (note.step, note.t);
        let mut run = run;
        let story = crate::view::story::Story::of(&run);
        run.seek(step);
        let now = crate::view::timeline::TimelineView::of(&run, &story, t, Lang::Ko, false).now.expect("a record");
        assert_eq!(now.1, ko.lines().next().unwrap_or_default());
    }

    /// Before a policy announces Cilium's VIP no node holds its Lease, and
    /// the detail says so instead of "holder of the Lease" after "nobody".
    #[test]
    fn cilium_without_a_lease_holder_says_the_lease_has_none() {
        let before = lesson("cilium-lb-ipam", 20, Lang::En);
        let a = &before.announcing[0];
        assert_eq!(a.who, "nobody");
        assert!(a.details[0].ends_with("has no current holder"), "{:?}", a.details);
        let after = lesson("cilium-lb-ipam", 30, Lang::En);
        assert_eq!(after.announcing[0].who, "worker-0");
        assert!(
            after.announcing[0].details[0].starts_with("holder of the Lease "),
            "{:?}",
            after.announcing[0].details
        );
    }

    /// Issue 18, point 6: in a branch where the learner powered node-a off
    /// at 10 s, the scenario's 15 s note ("Calm: node-a is the leader") is
    /// still the latest beat at 17 s, but it was written for the
    /// scenario's own run, and the lesson says so, naming the change. A
    /// read-only command changes nothing a note could be about.
    #[test]
    fn a_note_after_the_learner_s_change_says_it_was_written_for_the_scenario_s_run() {
        use crate::scenario::spec::{FaultAction, FaultStep};
        use crate::sim::action::Action;
        let s = crate::catalog::find("metallb-l2-failover").expect("shipped");
        let scenario = Rc::new(crate::scenario::load::load(s.file, s.yaml).expect("loads"));
        let mut original = Run::new(scenario.clone(), None, None, None).expect("builds");
        original.seek_time(Instant::from_secs(10));
        let at = original.time_of(original.cursor());
        let at_17 = |mut run: Run, changed: &[Instant]| {
            run.seek_time(Instant::from_secs(17));
            LessonView::of(&scenario, run.world(), run.visible(), Lang::En, false, changed).beat.expect("a beat")
        };
        let branch = original.branch(Action::Fault(FaultStep::new("node-a", FaultAction::PowerOff)));
        let beat = at_17(branch, &[at]);
        assert!(beat.text.starts_with("Calm: node-a is the leader"), "{}", beat.text);
        assert_eq!(
            beat.caveat.as_deref(),
            Some(
                "Written for the scenario's own run: your change at 10.000 s (power-off node-a) may have made it untrue here."
            )
        );
        let looked = original.branch(Action::Run { host: "router".into(), cmd: "ip neigh".into() });
        assert_eq!(at_17(looked, &[at]).caveat, None);
        assert_eq!(at_17(original, &[]).caveat, None);
    }
}
