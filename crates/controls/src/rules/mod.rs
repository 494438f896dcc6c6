//! One control per file, grouped by pillar.

pub mod aws;
pub mod identity;
pub mod images;
pub mod meta;
pub mod pod_security;
