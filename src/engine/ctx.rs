//! What a device needs from the engine while it handles one event: the
//! current time, the RNG, the links to transmit on, the event queue to
//! schedule on, and the trace to record into.

use super::topology::{End, Link, LinkId};
use super::trace::{Dir, DropReason, Kind, Name, Record};
use super::{Event, EventQueue};
use crate::rng::SimRng;
use crate::time::Instant;
use crate::wire::Frame;

pub struct Ctx<'a> {
    pub now: Instant,
    pub step: u64,
    pub rng: &'a mut SimRng,
    pub queue: &'a mut EventQueue,
    pub trace: &'a mut Vec<Record>,
    pub links: &'a [Link],
}

impl Ctx<'_> {
    pub fn record(&mut self, kind: Kind) {
        self.trace.push(Record { t: self.now, step: self.step, kind });
    }

    pub fn schedule(&mut self, at: Instant, event: Event) {
        self.queue.push(at, event);
    }

    /// Puts `frame` on `link` from end `from`. Records the transmission at
    /// `at`/`iface`, or a drop if the link is down.
    pub fn transmit(&mut self, link: LinkId, from: End, frame: Frame, at: &Name, iface: &Name) {
        let l = &self.links[link];
        self.record(Kind::Frame {
            at: at.clone(),
            iface: iface.clone(),
            dir: Dir::Tx,
            frame: frame.clone(),
            forward: None,
        });
        if !l.up {
            self.record(Kind::Drop { at: at.clone(), reason: DropReason::LinkDown, frame: Some(frame) });
            return;
        }
        let to = l.other(from);
        let when = self.now + l.delay;
        self.queue.push(when, Event::Arrive { link, end: to, frame: frame.padded_for_wire() });
    }

    pub fn drop(&mut self, at: &Name, reason: DropReason, frame: Option<Frame>) {
        self.record(Kind::Drop { at: at.clone(), reason, frame });
    }
}
