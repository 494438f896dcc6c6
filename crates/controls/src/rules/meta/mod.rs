//! Controls about eksguard's own configuration.

pub mod expired_exception;
