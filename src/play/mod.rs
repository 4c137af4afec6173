//! Playing a scenario.

pub mod build;
pub mod goals;
pub mod run;
