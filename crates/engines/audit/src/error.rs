//! Typed errors. Bad lines inside an input are not errors: they are counted
//! in the [`crate::Summary`] with their position. Errors here stop one input.

use std::io;

/// An input could not be read at all (I/O, broken gzip or base64, a whole
/// document over the size cap, an undecodable Lambda event).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{input}: read failed after line {line}: {source}")]
    Io {
        input: String,
        line: u64,
        #[source]
        source: io::Error,
    },
    #[error("{input}: invalid base64 at byte {offset}")]
    Base64 { input: String, offset: usize },
    #[error("{input}: document is larger than the {limit}-byte limit")]
    TooLarge { input: String, limit: usize },
    #[error("{input}: not a CloudWatch Logs subscription payload: {reason}")]
    Payload { input: String, reason: String },
    /// A Lambda subscription event that cannot be read; `line` is the
    /// event's line in the input (0 when there is none).
    #[error("{input}: line {line}: invalid CloudWatch Logs Lambda event: {reason}")]
    LambdaEvent {
        input: String,
        line: u64,
        reason: String,
    },
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// The configuration was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("unknown audit rule ID `{0}` in the audit configuration")]
    UnknownRule(String),
    #[error("audit configuration `{0}` must be greater than zero")]
    Zero(&'static str),
}
