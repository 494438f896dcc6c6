//! One control per file, grouped by pillar.

pub mod aws;
pub mod identity;
pub mod identity_aws;
pub mod images;
pub mod meta;
pub mod network_policy;
pub mod paths;
pub mod pod_security;
