//! Checkpoints (`predict:` steps): a question with at least two choices,
//! each carrying a check that could be what happens after the question is
//! asked, revealed within the run, translated choice for choice.

use super::Context;
use super::goals::check_of;
use crate::scenario::spec::{Check, DropsCheck, FloodsCheck, FrameToCheck, Predict, Step, SuccessRateCheck};
use crate::time::Duration;
use std::collections::BTreeMap;

/// Number keys 1-9 choose: more choices could not be chosen by one key.
const MAX_CHOICES: usize = 9;

/// Every checkpoint of the timeline, the variants and the solution: its own
/// fields, and ids that tell checkpoints apart (guesses are saved by id).
pub fn check(cx: &mut Context) {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let spec = cx.spec;
    let steps = spec.timeline.iter().enumerate().map(|(i, s)| (format!("spec.timeline[{i}]"), s));
    let added = spec.variants.iter().enumerate().flat_map(|(v, variant)| {
        variant.add.iter().enumerate().map(move |(j, s)| (format!("spec.variants[{v}].add[{j}]"), s))
    });
    let solution = spec.solution.iter().enumerate().map(|(i, s)| (format!("spec.solution[{i}]"), s));
    for (path, step) in steps.chain(added).chain(solution) {
        let Some(predict) = step.predict() else { continue };
        checkpoint(cx, &path, step, predict);
        let id = step.checkpoint_id();
        if let Some(first) = seen.get(&id)
            && path.starts_with("spec.timeline")
            && first.starts_with("spec.timeline")
        {
            let message = format!("two checkpoints are called `{id}` ({first} too): give each a different `name`");
            cx.error(&format!("{path}.predict"), message);
        }
        seen.entry(id).or_insert(path);
    }
}

fn checkpoint(cx: &mut Context, path: &str, step: &Step, predict: &Predict) {
    let p = format!("{path}.predict");
    if step.every.is_some() {
        cx.error(&format!("{path}.every"), "a checkpoint asks once: it cannot repeat");
    }
    if predict.question.trim().is_empty() {
        cx.error(&format!("{p}.question"), "the question is empty");
    }
    if predict.explain.trim().is_empty() {
        cx.error(&format!("{p}.explain"), "the explanation is empty: say why the answer happens");
    }
    let reveal = predict.reveal_at(step.at);
    if reveal <= step.at {
        let message = format!("the answer is revealed at {reveal}, not after the question at {}", step.at);
        cx.error(&format!("{p}.reveal"), message);
    } else if reveal > cx.spec.duration {
        let message =
            format!("the answer would be revealed at {reveal}, after the end of the run ({})", cx.spec.duration);
        cx.error(&format!("{p}.reveal"), message);
    }
    match predict.choices.len() {
        0 | 1 => {
            cx.error(&format!("{p}.choices"), "a question needs at least two choices");
        }
        n if n > MAX_CHOICES => {
            cx.error(&format!("{p}.choices"), format!("at most {MAX_CHOICES} choices (keys 1-9 choose), not {n}"));
        }
        _ => {}
    }
    let mut labels = std::collections::BTreeSet::new();
    for (j, choice) in predict.choices.iter().enumerate() {
        let c = format!("{p}.choices[{j}]");
        if choice.label.trim().is_empty() {
            cx.error(&format!("{c}.label"), "the choice's label is empty");
        } else if !labels.insert(choice.label.as_str()) {
            cx.error(&format!("{c}.label"), format!("two choices are labelled `{}`", choice.label));
        }
        match &choice.when {
            None => {
                let message =
                    format!("choice `{}` needs `when:`, the check over the run that makes it the answer", choice.label);
                cx.error(&c, message);
            }
            Some(check) => {
                let when = format!("{c}.when");
                check_of(cx, &when, check);
                if let Some(why) = never_holds(check, step.at, reveal) {
                    cx.error(&when, format!("this check can never hold: {why}"));
                }
            }
        }
    }
    for (lang, t) in &predict.translations {
        let path = format!("{p}.translations.{lang}.choices");
        if !t.choices.is_empty() && t.choices.len() != predict.choices.len() {
            let message = format!(
                "{} choices translated, for {} choices: translate every label, in order",
                t.choices.len(),
                predict.choices.len()
            );
            cx.error(&path, message);
            continue;
        }
        for (j, (choice, translated)) in predict.choices.iter().zip(&t.choices).enumerate() {
            if choice.explain.is_some() && translated.explain.is_none() {
                let message = format!("choice `{}` has its own `explain`: translate it here too", choice.label);
                cx.error(&format!("{path}[{j}]"), message);
            }
        }
    }
}

/// Why `check`, read over what happens from the checkpoint at `at` to the
/// reveal, can never hold (a window that closes before the question, or
/// opens after the answer; bounds that contradict each other).
fn never_holds(check: &Check, at: Duration, reveal: Duration) -> Option<String> {
    let window = |after: &Option<Duration>, before: &Option<Duration>| -> Option<String> {
        if let Some(before) = before
            && *before <= at
        {
            return Some(format!("its window ends at {before}, before the question is asked at {at}"));
        }
        if let Some(after) = after
            && *after > reveal
        {
            return Some(format!("its window starts at {after}, after the answer is revealed at {reveal}"));
        }
        None
    };
    let bounds = |least: Option<f64>, most: Option<f64>| -> Option<String> {
        match (least, most) {
            (Some(l), Some(m)) if l > m => Some(format!("it asks for at least {l} and at most {m}")),
            _ => None,
        }
    };
    match check {
        Check::SuccessRate(SuccessRateCheck { after, before, at_least, at_most, .. }) => {
            window(after, before).or_else(|| bounds(*at_least, *at_most))
        }
        Check::Drops(DropsCheck { at_least, at_most, .. }) => {
            bounds(at_least.map(|n| n as f64), at_most.map(|n| n as f64))
        }
        Check::Floods(FloodsCheck { after, at_least, at_most }) => {
            window(after, &None).or_else(|| bounds(at_least.map(|n| n as f64), at_most.map(|n| n as f64)))
        }
        Check::FrameTo(FrameToCheck { after, .. }) => window(after, &None),
        _ => None,
    }
}
