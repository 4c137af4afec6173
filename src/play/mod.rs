//! Playing a scenario.

pub mod build;
pub mod drive;
pub mod goals;
pub mod predict;
pub mod run;
