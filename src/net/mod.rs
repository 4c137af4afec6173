//! Host-side networking state shared by every simulated host and router.

pub mod neighbor;
