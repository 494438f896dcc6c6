//! Errors, each naming the input and the position in it.

/// A problem with a snapshot directory or one of its files.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    #[error("{dir}: not an AWS snapshot (no {marker})", marker = crate::snapshot::MARKER)]
    NotASnapshot { dir: String },
    #[error("{file}: {message}")]
    Io { file: String, message: String },
    #[error("{file}:{line}:{column}: not JSON: {message}")]
    Json {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// The JSON is valid but a field has the wrong type for the AWS shape.
    #[error("{file}: {path}: {message}")]
    Shape {
        file: String,
        path: String,
        message: String,
    },
}

impl SnapshotError {
    /// The file (or directory) the error is about.
    pub fn input(&self) -> &str {
        match self {
            SnapshotError::NotASnapshot { dir } => dir,
            SnapshotError::Io { file, .. }
            | SnapshotError::Json { file, .. }
            | SnapshotError::Shape { file, .. } => file,
        }
    }
}
