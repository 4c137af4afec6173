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
