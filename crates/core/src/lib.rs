//! The model every eksguard surface shares.
//!
//! Collectors produce an [`Inventory`]-like stream of objects that keep their
//! source; engines and controls turn them into [`Finding`]s; outputs render
//! findings. Nothing in this crate does I/O.

mod meta;

pub use meta::{Pillar, Responsibility, Severity};
