//! The workshop exercises: each loads, starts unsolved, is solved by its
//! author's solution steps, and speaks English and Korean.

use std::rc::Rc;
use vipsim::play::goals;
use vipsim::play::run::Run;

fn exercise(id: &str, variant: Option<&str>) -> Run {
    let shipped = vipsim::catalog::find(id).expect("exercise");
    let scenario = vipsim::scenario::load::load(shipped.file, shipped.yaml).unwrap_or_else(|e| panic!("{id}: {e:?}"));
    Run::new(Rc::new(scenario), variant, None, None).expect("builds")
}

#[test]
fn there_are_eight_exercises_in_order() {
    let numbers: Vec<Option<u32>> = vipsim::catalog::workshop()
        .iter()
        .map(|s| vipsim::scenario::load::load(s.file, s.yaml).expect("loads").doc.metadata.exercise)
        .collect();
    assert_eq!(numbers, (1..=8).map(Some).collect::<Vec<_>>());
}

#[test]
fn each_exercise_starts_unsolved_and_its_solution_solves_it() {
    for s in vipsim::catalog::workshop() {
        let base = goals::evaluate(&exercise(&s.id, None));
        assert!(base.iter().any(|g| !g.pass), "{}: already solved without acting: {base:?}", s.id);
        let solved = goals::evaluate(&exercise(&s.id, Some("solution")));
        assert!(solved.iter().all(|g| g.pass), "{}: the solution does not solve it: {solved:?}", s.id);
    }
}

#[test]
fn each_exercise_speaks_korean_and_has_hints() {
    for s in vipsim::catalog::workshop() {
        let doc = vipsim::scenario::load::load(s.file, s.yaml).expect("loads").doc;
        let ko = doc.metadata.translations.get("ko").unwrap_or_else(|| panic!("{}: no Korean lesson", s.id));
        assert!(ko.title.is_some() && ko.description.is_some(), "{}", s.id);
        for g in &doc.spec.goals {
            assert!(g.translations.contains_key("ko"), "{}: goal `{}` has no Korean name", s.id, g.name);
        }
        assert!(
            doc.spec.goals.iter().any(|g| g.hints.len() == 3),
            "{}: no goal with nudge, pointer and solution hints",
            s.id
        );
    }
}

#[test]
fn shipped_lessons_speak_korean_too() {
    for s in vipsim::catalog::shipped() {
        let doc = vipsim::scenario::load::load(s.file, s.yaml).expect("loads").doc;
        let ko = doc.metadata.translations.get("ko").unwrap_or_else(|| panic!("{}: no Korean lesson", s.id));
        assert!(ko.title.is_some() && ko.description.as_ref().is_some_and(|d| d.len() > 200), "{}", s.id);
        assert_ne!(doc.metadata.title_in("ko"), doc.metadata.title_in("en"));
    }
}

/// Whether `text` names `leader` as the one behind `vip`: it names the
/// node and speaks of the VIP, its announcement, GARP or who answers (a
/// list of every node's endpoints, or a host's own name, does not).
fn names_leader(text: &str, leader: &str, vip: &str) -> bool {
    let lower = text.to_lowercase();
    text.contains(leader)
        && [vip, "announc", "garp", "gratuitous", "leader", "answers", "알림", "리더", "응답"]
            .iter()
            .any(|w| lower.contains(w))
}

/// Issue 18, point 9: an exercise that asks who answers for its VIP hides
/// it until found, everywhere the playground could say it: the timeline's
/// marks (tooltips and screen-reader labels) and its current record, the
/// hosts' labels in the drawing, the what-if remedies' words and the packet
/// log's live region. Checked from step 0 to 15 s of each starting run, in
/// both languages, and shown again when not concealed.
#[test]
fn exercises_that_ask_who_answers_name_it_nowhere_until_found() {
    use vipsim::engine::trace::Kind;
    use vipsim::time::Instant;
    use vipsim::view::i18n::Lang;
    use vipsim::view::scene::{Drawing, Moment};
    use vipsim::view::story::{Story, just_happened};
    use vipsim::view::timeline::TimelineView;
    use vipsim::view::whatif;

    let mut checked = 0;
    for s in vipsim::catalog::workshop() {
        let mut run = exercise(&s.id, None);
        if !run.scenario.doc.spec.goals.iter().any(|g| goals::finding(g).is_some()) {
            continue;
        }
        let story = Story::of(&run);
        let sentences = vipsim::narrate::sentences(run.trace(), run.world());
        let vip = story.vip.expect("a VIP");
        let leaders: Vec<String> = run
            .trace()
            .iter()
            .filter_map(|r| match &r.kind {
                Kind::Leader { node: Some(n), ip, .. } if *ip == vip => Some(n.to_string()),
                _ => None,
            })
            .collect();
        assert!(!leaders.is_empty(), "{}: nobody leads", s.id);
        let resolver = story.resolver.clone().expect("a resolver");
        let garps = whatif::Garps::of(run.trace(), &resolver, vip);
        let vip_s = vip.to_string();
        let leaks = |texts: &[String]| -> Vec<String> {
            texts.iter().filter(|t| leaders.iter().any(|l| names_leader(t, l, &vip_s))).cloned().collect()
        };
        // Their MACs too: a VIP's ARP entry holding one is the answer, a row
        // away from the node's own entry that names it.
        let macs: Vec<String> = leaders
            .iter()
            .filter_map(|l| run.world().net.host_id(l))
            .flat_map(|h| run.world().net.hosts[h].ifaces.iter().map(|i| i.mac.to_string()))
            .collect();
        run.seek_time(Instant::from_secs(15));
        let last = run.cursor();
        for lang in [Lang::En, Lang::Ko] {
            let code = lang.code();
            for conceal in [true, false] {
                let mut said = Vec::new();
                let mut callouts = Vec::new();
                for step in 0..=last {
                    run.seek(step);
                    let view = TimelineView::of(&run, &story, run.world().now, lang, conceal);
                    said.extend(view.now.map(|n| n.1));
                    said.push(vipsim::narrate::announce(&sentences, step, step, code, conceal));
                    if step == 0 || step == last {
                        said.extend(view.marks.iter().flat_map(|m| [m.title.clone(), m.label.clone()]));
                        // A jump says several sentences: none of those that name it.
                        let jump = vipsim::narrate::announce(&sentences, 0, step, code, conceal);
                        let naming = sentences
                            .iter()
                            .map(|x| x.text(code))
                            .filter(|t| leaks(std::slice::from_ref(t)).len() == 1);
                        said.extend(naming.filter(|t| jump.contains(t.as_str())));
                        let world = run.world();
                        let futile = [
                            whatif::honour_garp_in(&garps, world, run.cursor(), &resolver, vip),
                            whatif::flush(world, &resolver, vip),
                        ];
                        said.extend(futile.iter().flatten().map(|f| f.words(world, lang, conceal)));
                        let records = run.trace();
                        let batch = just_happened(records, step, step, world.now);
                        let moment = Moment {
                            world,
                            recent: run.visible(),
                            batch: &records[batch],
                            now: world.now,
                            first_vip: story.vip,
                            conceal,
                        };
                        let drawing = Drawing::of(&moment, false, lang);
                        said.extend(drawing.hosts.iter().map(|h| h.label.clone()));
                        callouts
                            .extend(drawing.callout.iter().flat_map(|c| c.rows.iter().map(|r| r.line.text.clone())));
                        if conceal {
                            assert!(drawing.hosts.iter().all(|h| h.badges.is_empty()), "{}: a VIP badge", s.id);
                        }
                    }
                }
                let leaked = leaks(&said);
                let by_mac: Vec<&String> = callouts.iter().filter(|t| macs.iter().any(|m| t.contains(m))).collect();
                if conceal {
                    assert!(leaked.is_empty(), "{} ({code}): named before it is found: {leaked:#?}", s.id);
                    assert!(by_mac.is_empty(), "{} ({code}): its MAC shown before it is found: {by_mac:#?}", s.id);
                } else {
                    // Not concealed the same places do say it (the check sees it).
                    assert!(!leaked.is_empty(), "{} ({code}): nothing names {leaders:?}", s.id);
                    assert!(!by_mac.is_empty(), "{} ({code}): no callout gives {macs:?}", s.id);
                }
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 2, "exercises 1 and 2 ask who answers");
}
