//! Playing a scenario.

pub mod bench;
pub mod build;
pub mod drive;
pub mod family;
pub mod goals;
pub mod invariants;
pub mod predict;
pub mod run;
