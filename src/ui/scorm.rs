//! Reporting to a learning management system through the SCORM 1.2
//! run-time API, when the page was launched by one ([`crate::scorm`]
//! builds the package). SCORM 1.2's Run-Time Environment (ADL, section
//! 3.3.6.1) has the content find an object named `API` on its own window,
//! then up the chain of parents (the LMS's frames; ADL's sample searches
//! seven levels), then on the window that opened it. Without one, nothing
//! here does anything: the page is the normal playground.
//!
//! In an exercise: LMSInitialize when it opens, then, as goals pass, the
//! score (`cmi.core.score.raw`, the share of goals passed, 0 to 100) and,
//! once every goal passes, `cmi.core.lesson_status` "passed", LMSCommit
//! and LMSFinish. Leaving the page earlier reports the score so far with
//! status "incomplete" and finishes the session.

use js_sys::{Array, Function, Object, Reflect};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};

/// How far up the frames the API is looked for (ADL's sample `findAPI`).
const MAX_PARENTS: usize = 7;

fn property(target: &JsValue, name: &str) -> Option<JsValue> {
    // A cross-origin frame throws on any property but a few: no API there.
    Reflect::get(target, &JsValue::from_str(name)).ok().filter(|v| !v.is_undefined() && !v.is_null())
}

/// The `API` object on `win` or one of its parents.
fn search(mut win: JsValue) -> Option<JsValue> {
    for _ in 0..=MAX_PARENTS {
        if let Some(api) = property(&win, "API").filter(JsValue::is_object) {
            return Some(api);
        }
        let parent = property(&win, "parent")?;
        if Object::is(&parent, &win) {
            return None;
        }
        win = parent;
    }
    None
}

/// A session with the LMS.
pub struct Lms {
    api: JsValue,
    finished: bool,
}

impl Lms {
    /// Finds the LMS's API and initializes a session, if the page has one.
    pub fn find() -> Option<Lms> {
        let window: JsValue = gloo::utils::window().into();
        let api = search(window.clone()).or_else(|| property(&window, "opener").and_then(search))?;
        let lms = Lms { api, finished: false };
        lms.call("LMSInitialize", &[""]);
        Some(lms)
    }

    fn call(&self, name: &str, args: &[&str]) -> Option<JsValue> {
        let f: Function = property(&self.api, name)?.dyn_into().ok()?;
        let args: Array = args.iter().map(|a| JsValue::from_str(a)).collect();
        f.apply(&self.api, &args).ok()
    }

    fn set(&self, element: &str, value: &str) {
        self.call("LMSSetValue", &[element, value]);
    }

    /// Reports `passed` of `goals` goals; once all pass, the lesson is
    /// passed and the session finished.
    pub fn report(&mut self, passed: usize, goals: usize) {
        if self.finished || goals == 0 {
            return;
        }
        let score = (passed.min(goals) * 100).div_ceil(goals);
        self.set("cmi.core.score.min", "0");
        self.set("cmi.core.score.max", "100");
        self.set("cmi.core.score.raw", &score.to_string());
        if passed >= goals {
            self.set("cmi.core.lesson_status", "passed");
            self.finish();
        } else {
            self.set("cmi.core.lesson_status", "incomplete");
            self.call("LMSCommit", &[""]);
        }
    }

    /// Ends the session (the page is going away, or the lesson is passed).
    pub fn finish(&mut self) {
        if !self.finished {
            self.call("LMSCommit", &[""]);
            self.call("LMSFinish", &[""]);
            self.finished = true;
        }
    }
}

/// The session of the page, shared with the unload listener.
pub type Session = Rc<RefCell<Option<Lms>>>;
