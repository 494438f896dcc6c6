//! Helpers shared by several controls.

/// Image references (moved to the images engine; kept here for the rules).
pub use eksguard_images::reference as image;
pub mod rbac;
pub mod secrets;
