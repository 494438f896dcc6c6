//! Typed errors: each names the log group or state file involved and, for
//! the AWS errors users hit first, what to do about them.

use std::path::PathBuf;

/// Reading from CloudWatch Logs or the state file failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// CloudWatch Logs answered with an error (access denied, missing log
    /// group, throttling after the SDK's retries, …).
    #[error("{operation} on log group {log_group} failed: {code}: {message}{hint}")]
    Service {
        operation: &'static str,
        log_group: String,
        code: String,
        message: String,
        /// What to check, for the common codes (empty otherwise).
        hint: String,
    },
    /// The request never got an answer (no network, bad endpoint, no
    /// credentials).
    #[error("{operation} on log group {log_group} failed: {detail}")]
    Request {
        operation: &'static str,
        log_group: String,
        detail: String,
    },
    /// No region in the flags, environment or profile.
    #[error("no AWS region: pass --region or set AWS_REGION (or a region in the profile)")]
    NoRegion,
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// The state file could not be read or written.
    #[error("state file {}: {source}", path.display())]
    StateIo {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The state file is not a checkpoint this version wrote. Refused
    /// rather than replaced: starting over would repeat or lose events.
    #[error("state file {}: not an eksguard CloudWatch checkpoint ({source}); delete it to start over from --since", path.display())]
    StateFormat {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// The state file was written by a newer eksguard.
    #[error("state file {}: checkpoint format version {found} is not supported (expected 1)", path.display())]
    StateVersion { path: PathBuf, found: u32 },
    /// The state file belongs to another log group.
    #[error("state file {} is for log group {found}, not {expected}; use one state file per cluster", path.display())]
    StateMismatch {
        path: PathBuf,
        expected: String,
        found: String,
    },
}

/// Adds the next step for the error codes users hit first.
pub(crate) fn hint(code: &str, log_group: &str) -> String {
    match code {
        "AccessDeniedException" | "AccessDenied" | "UnauthorizedOperation" => format!(
            " (the credentials need logs:FilterLogEvents on arn:aws:logs:<region>:<account>:log-group:{log_group}:*)"
        ),
        "ResourceNotFoundException" => " (is the cluster's `audit` control-plane log type enabled? \
             `aws eks update-cluster-config --name NAME --logging '{\"clusterLogging\":[{\"types\":[\"audit\"],\"enabled\":true}]}'`; \
             check --cluster and --region too)"
            .to_string(),
        "UnrecognizedClientException" | "InvalidSignatureException" | "ExpiredTokenException" => {
            " (check the AWS credentials and --profile)".to_string()
        }
        _ => String::new(),
    }
}
