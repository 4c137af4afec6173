//! Every lesson in every language the playground speaks (issue 18, point
//! 17): the Markdown of each translation has the same shape as the English
//! one (the same paragraphs and lists, each list as long; a Korean list
//! wrapped with unindented lines is still one list) and the same reveal
//! marks, so the story unfolds at the same beats; and what a story shows
//! beside its lesson (goals, variant titles, timeline notes) is translated.

use vipsim::catalog;
use vipsim::scenario::{Scenario, load};
use vipsim::view::i18n::Lang;
use vipsim::view::markdown::{reveal_marks, shape};

fn all() -> Vec<Scenario> {
    catalog::shipped()
        .into_iter()
        .chain(catalog::workshop())
        .map(|s| load::load(s.file, s.yaml).unwrap_or_else(|e| panic!("{}: {e:?}", s.id)))
        .collect()
}

#[test]
fn every_translation_of_a_lesson_has_the_english_shape_and_beats() {
    for s in all() {
        let meta = &s.doc.metadata;
        let english = meta.description.as_deref().unwrap_or_else(|| panic!("{}: no lesson", s.id()));
        for lang in Lang::ALL {
            let text = meta.description_in(lang.code()).expect("a lesson");
            assert_eq!(shape(text), shape(english), "{} in {}: the blocks differ from English", s.id(), lang.code());
            assert_eq!(
                reveal_marks(text),
                reveal_marks(english),
                "{} in {}: the reveal marks differ from English",
                s.id(),
                lang.code()
            );
        }
    }
}

#[test]
fn the_failover_story_is_one_list_of_five_beats_in_korean_too() {
    let s = catalog::find("metallb-l2-failover").expect("shipped");
    let scenario = load::load(s.file, s.yaml).expect("loads");
    let ko = scenario.doc.metadata.description_in("ko").expect("Korean");
    assert_eq!(shape(ko), vec!["p", "p", "ol5", "p"]);
    let marks: Vec<Option<u64>> = reveal_marks(ko).iter().map(|m| m.map(|d| d.as_secs())).collect();
    // The closing paragraph tells how the variants end: it waits for the last beat.
    assert_eq!(marks, vec![None, None, Some(20), Some(25), Some(25), Some(26), Some(90), Some(90)]);
}

#[test]
fn stories_translate_their_goals_variants_and_notes() {
    for s in all() {
        let spec = &s.doc.spec;
        for lang in Lang::ALL.into_iter().filter(|l| *l != Lang::En) {
            let code = lang.code();
            for g in &spec.goals {
                assert_ne!(g.name_in(code), g.name, "{}: goal {:?} has no {code} name", s.id(), g.name);
            }
            for v in &spec.variants {
                assert!(v.translations.contains_key(code), "{}: variant {} has no {code} title", s.id(), v.name);
            }
            let steps = spec.timeline.iter().chain(spec.variants.iter().flat_map(|v| &v.add)).chain(&spec.solution);
            for note in steps.filter_map(|st| st.note()) {
                assert_ne!(spec.note_in(note, code), note, "{}: note {note:?} has no {code} text", s.id());
            }
        }
    }
}
