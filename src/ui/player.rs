//! Playback: while playing, each animation frame advances the playhead by
//! the wall time since the previous frame times the speed. The wall clock
//! lives here only; the simulation never sees it.

use super::state::{Action, AppState};
use gloo::render::{AnimationFrame, request_animation_frame};
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// A frame longer than this (a background tab, a long pause in the
/// debugger) advances as if it were this long, so playback never leaps.
const MAX_FRAME_MS: f64 = 100.0;

/// The loop's next frame; `None` once stopped. Dispatching may stop the
/// loop synchronously (the run ended), so each frame checks before asking
/// for the next one.
#[derive(Default)]
struct Loop {
    running: bool,
    frame: Option<AnimationFrame>,
}

fn next_frame(state: Rc<RefCell<Loop>>, last: Option<f64>, dispatcher: UseReducerDispatcher<AppState>) {
    let again = state.clone();
    let frame = request_animation_frame(move |now| {
        if let Some(last) = last {
            dispatcher.dispatch(Action::Advance((now - last).clamp(0.0, MAX_FRAME_MS)));
        }
        if again.borrow().running {
            next_frame(again, Some(now), dispatcher);
        }
    });
    state.borrow_mut().frame = Some(frame);
}

/// Runs the animation-frame loop while `playing`.
#[hook]
pub fn use_player(playing: bool, dispatcher: UseReducerDispatcher<AppState>) {
    use_effect_with(playing, move |playing| {
        let state = Rc::new(RefCell::new(Loop { running: *playing, frame: None }));
        if *playing {
            next_frame(state.clone(), None, dispatcher);
        }
        move || {
            let mut s = state.borrow_mut();
            s.running = false;
            s.frame = None;
        }
    });
}
