//! Live EKS audit logs from CloudWatch Logs, for `eksguard audit --aws`.
//!
//! EKS writes the API server's audit log to the log group
//! `/aws/eks/<cluster>/cluster`, streams `kube-apiserver-audit-*`.
//! [`LogSource`] reads them with `FilterLogEvents`, page by page;
//! [`Follower`] turns that into an exactly-once feed for the audit
//! [`Pipeline`](eksguard_audit::Pipeline): its
//! [`Checkpoint`](eksguard_audit::Checkpoint) (newest timestamp plus the
//! event IDs seen in the last few minutes) lives in a state file, so
//! events sharing a millisecond, late events and restarts neither lose nor
//! repeat anything.
//!
//! ```no_run
//! use eksguard_audit::{AuditConfig, Pipeline};
//! use eksguard_cloudwatch::{Connect, FollowOptions, Follower, LogSource};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let source = LogSource::connect(&Connect {
//!     cluster: "prod".into(),
//!     region: Some("eu-west-1".into()),
//!     ..Connect::default()
//! })?;
//! let options = FollowOptions {
//!     state_file: Some("audit-prod.state".into()),
//!     ..FollowOptions::default()
//! };
//! let mut follower = Follower::new(source, options)?;
//! let mut pipeline = Pipeline::new(&AuditConfig::default())?;
//! follower.poll(&mut pipeline, &mut |d| println!("{} {}", d.rule, d.message))?;
//! # Ok(()) }
//! ```
//!
//! The [`lambda`] module runs the same engine as a subscription-filter
//! Lambda, for fleets whose logs one machine cannot keep up with.

#![forbid(unsafe_code)]

mod error;
mod follow;
pub mod lambda;
mod source;

pub use error::Error;
pub use follow::{FollowOptions, Follower, PollStats};
pub use source::{AUDIT_STREAM_PREFIX, Connect, LogEvent, LogSource, ReadStats, log_group_for};

/// The SDK client type [`LogSource::with_client`] takes, re-exported so
/// callers need no direct SDK dependency for the common case.
pub use aws_sdk_cloudwatchlogs as sdk;
