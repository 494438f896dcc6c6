//! Typed errors. Each names where in the input the problem is.

use thiserror::Error;

/// Why a policy document could not be parsed.
#[derive(Debug, Error)]
pub enum PolicyError {
    /// The text is not JSON; serde_json's message carries line and column.
    #[error("policy document is not valid JSON: {0}")]
    Json(#[source] serde_json::Error),
    /// A URL-encoded document has a bad `%XX` escape or is not UTF-8 after
    /// decoding.
    #[error("policy document has invalid percent-encoding at byte {offset}")]
    PercentEncoding { offset: usize },
    /// A top-level field is missing or malformed.
    #[error("policy document field `{field}`: {message}")]
    Document { field: String, message: String },
    /// A statement field is malformed; `index` is the position in the
    /// `Statement` list.
    #[error("Statement[{index}].{field}: {message}")]
    Statement {
        index: usize,
        field: String,
        message: String,
    },
}
