//! The deterministic kernel every device sits on.

pub mod ctx;
pub mod trace;
