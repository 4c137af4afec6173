//! The checkpoint card (predict, then observe). Between a checkpoint's
//! question and its answer the card asks, with one button per choice
//! (keys 1-9 answer too); playback pauses there once per opening and the
//! first choice takes the focus. From the reveal on, it says what
//! happened in the run on screen (computed from that run: a branch can
//! answer otherwise), whether the guess was right, why, and the record or
//! table row that proves it. The answer is never stored in the scenario.
//!
//! The card lives in a slot of fixed height (www/style.css), there from the
//! start in a run with checkpoints, saying when the first question comes
//! until it does: the card, its answer and the next question come and go
//! while playing and nothing under the timeline moves, nor does an embed's
//! height (issue 18, point 14). What does not fit scrolls inside the slot,
//! which is focusable for that, and starts at its top for each new card
//! (a new card is new elements, keyed, not the last card's moved about).

use super::i18n::{self, Msg};
use super::state::{Action, RunEntry, Store, use_store};
use std::rc::Rc;
use web_sys::{Element, HtmlElement};
use yew::prelude::*;

#[function_component(CheckpointCard)]
pub fn checkpoint_card() -> Html {
    let store = use_store();
    let first_choice = use_node_ref();
    let slot = use_node_ref();
    let lang = store.lang;
    let entry = store.active().cloned();
    // The answer playback paused at stays while its proof is shown (the
    // proof may come before the reveal); else the latest question asked.
    let shown = entry
        .as_ref()
        .and_then(|e| store.revealing.or(store.asking).or_else(|| e.checkpoint_at(store.time)).map(|i| (e.clone(), i)));
    {
        let first_choice = first_choice.clone();
        use_effect_with(store.asking, move |asking| {
            if asking.is_some()
                && let Some(b) = first_choice.cast::<HtmlElement>()
            {
                let _ = b.focus();
            }
        });
    }
    // A new card, or its answer, is read from its top.
    let showing =
        shown.as_ref().map(|(e, i)| (*i, store.time >= e.checkpoints[*i].reveal || store.revealing == Some(*i)));
    {
        let slot = slot.clone();
        use_effect_with(showing, move |_| {
            if let Some(s) = slot.cast::<Element>() {
                s.set_scroll_top(0);
            }
        });
    }
    let Some(first) = entry.as_ref().and_then(|e| e.checkpoints.first()) else { return html! {} };
    let body = match shown {
        Some((entry, i)) => card(&store, &entry, i, &first_choice),
        None => html! {
            <p class="checkpoint-coming">
                <span class="label">{ lang.t(Msg::CheckpointHeading) }</span>{ " " }
                { lang.f(Msg::CheckpointComing, &[&super::secs_in(first.at, lang)]) }
            </p>
        },
    };
    // The same markup as the posters' (view::poster::checkpoint_slot_waiting).
    html! {
        <div class="checkpoint-slot" ref={slot} tabindex="0" role="group" aria-label={lang.t(Msg::CheckpointHeading)}>
            { body }
        </div>
    }
}

/// Checkpoint `i`'s card: its question and choices, or what happened.
fn card(store: &Store, entry: &Rc<RunEntry>, i: usize, first_choice: &NodeRef) -> Html {
    let lang = store.lang;
    let code = lang.code();
    let cp = &entry.checkpoints[i];
    let p = &cp.predict;
    let guess = store.guesses.get(&cp.id).cloned();
    let revealed = store.time >= cp.reveal || store.revealing == Some(i);
    let heading = html! {
        <h3 id="checkpoint-question">
            <span class="label">{ lang.t(Msg::CheckpointHeading) }</span>{ " " }{ p.question_in(code) }
        </h3>
    };
    if !revealed {
        let choices = p.choices.iter().enumerate().map(|(n, c)| {
            let store = store.clone();
            let onclick =
                Callback::from(move |_: MouseEvent| store.dispatch(Action::Guess { checkpoint: i, choice: n }));
            let chosen = guess.as_deref() == Some(c.label.as_str());
            let node = if n == 0 { first_choice.clone() } else { NodeRef::default() };
            html! {
                <button type="button" ref={node} class={classes!("choice", chosen.then_some("chosen"))}
                    aria-pressed={chosen.to_string()} data-choice={n.to_string()} onclick={onclick}>
                    <kbd aria-hidden="true">{ n + 1 }</kbd>{ " " }{ p.choice_in(n, code) }
                </button>
            }
        });
        let status = match &guess {
            Some(g) => {
                let n = p.choices.iter().position(|c| c.label == *g).unwrap_or(0);
                lang.f(Msg::CheckpointGuessed, &[&p.choice_in(n, code), &super::secs_in(cp.reveal, lang)])
            }
            None => lang.f(Msg::CheckpointNoGuessYet, &[&super::secs_in(cp.reveal, lang)]),
        };
        return html! {
            <section key={format!("{}-asking", cp.id)} class="checkpoint" data-checkpoint={cp.id.clone()} data-state="asking"
                aria-labelledby="checkpoint-question">
                { heading }
                <div class="choices" role="group" aria-label={lang.t(Msg::CheckpointChoices)}>{ for choices }</div>
                <p class="status" role="status">{ status }</p>
            </section>
        };
    }
    let Some(outcome) = entry.outcome(i) else { return html! {} };
    let answer = outcome.answer;
    let happened = match answer {
        Some(a) => lang.f(Msg::CheckpointHappened, &[&p.choice_in(a, code)]),
        None => lang.t(Msg::CheckpointNothingMatched).to_string(),
    };
    let right = guess.as_ref().map(|g| answer.is_some_and(|a| p.choices[a].label == *g));
    let verdict = match (&guess, right) {
        (Some(_), Some(true)) => lang.t(Msg::CheckpointRight).to_string(),
        (Some(g), _) => {
            let n = p.choices.iter().position(|c| c.label == *g).unwrap_or(0);
            lang.f(Msg::CheckpointWrong, &[&p.choice_in(n, code)])
        }
        (None, _) => lang.t(Msg::CheckpointNoGuess).to_string(),
    };
    let proof_record = outcome.proof.record;
    let proof_host = outcome.proof.row.as_ref().map(|r| r.host().to_string());
    let row_text = answer.filter(|_| proof_host.is_some()).map(|a| i18n::found(lang, &outcome.results[a].found));
    let record_text = proof_record.and_then(|r| {
        let run = entry.run.borrow();
        run.trace().get(r).map(|rec| lang.f(Msg::CheckpointProofRecord, &[&r, &super::secs_in(rec.t, lang)]))
    });
    let show_proof = (proof_record.is_some() || proof_host.is_some()).then(|| {
        let store = store.clone();
        let host = proof_host.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(r) = proof_record {
                store.dispatch(Action::SelectRecord(r));
            }
            if let Some(h) = host.clone() {
                store.dispatch(Action::SelectHost(Some(h)));
            }
        })
    });
    html! {
        <section key={format!("{}-revealed", cp.id)} class="checkpoint" data-checkpoint={cp.id.clone()} data-state="revealed"
            data-answer={answer.map(|a| a.to_string()).unwrap_or_default()}
            data-right={right.map(|r| r.to_string()).unwrap_or_default()}
            data-proof-record={proof_record.map(|r| r.to_string()).unwrap_or_default()}
            aria-labelledby="checkpoint-question">
            { heading }
            <p class="happened" role="status"><strong>{ happened }</strong>{ " " }{ verdict }</p>
            <p class="explain">{ p.explain_in(answer, code) }</p>
            if let Some(t) = row_text {
                <p class="proof-row">{ lang.f(Msg::CheckpointProofRow, &[&t]) }</p>
            }
            if let Some(t) = record_text {
                <p class="proof-record">{ t }</p>
            }
            if let Some(onclick) = show_proof {
                <button type="button" class="show-proof" onclick={onclick}>{ lang.t(Msg::CheckpointShowProof) }</button>
            }
        </section>
    }
}
