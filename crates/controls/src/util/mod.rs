//! Helpers shared by several controls.

/// Image references (moved to the images engine; kept here for the rules).
pub use eksguard_images::reference as image;
pub(crate) mod fingerprint;
pub mod rbac;
pub mod secrets;
