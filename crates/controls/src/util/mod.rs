//! Helpers shared by several controls.

pub mod image;
pub mod rbac;
pub mod secrets;
