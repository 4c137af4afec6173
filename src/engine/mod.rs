//! The deterministic kernel every device sits on: simulated time moves
//! only by popping the [`EventQueue`]; what a device may use while it
//! handles an event is in [`Ctx`]; what happened is written in the
//! [`trace`]'s vocabulary. The engine imports nothing but `time`, `rng` and
//! `wire`: hosts, the switch and the control planes put their timers in the
//! queue as plain data ([`Event`], [`ControlEvent`]) without the engine
//! knowing what they do.

pub mod ctx;
pub mod endpoint_list;
pub mod event;
pub mod queue;
pub mod topology;
pub mod trace;

pub use ctx::Ctx;
pub use event::{ControlEvent, Event};
pub use queue::EventQueue;
pub use topology::{End, HostId, IfIdx, Link, LinkId, PortId};
