//! Errors of this crate. Each names the input that was wrong and where.

/// What went wrong, with the offending value or JSON path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Not one of `privileged`, `baseline`, `restricted`.
    #[error("invalid level {0:?}: must be one of privileged, baseline, restricted")]
    InvalidLevel(String),
    /// Not `latest` or `v1.N`.
    #[error("invalid version {0:?}: must be \"latest\" or \"v1.x\"")]
    InvalidVersion(String),
    /// A pod spec or template in a workload could not be read as the Kubernetes type.
    #[error("{kind} {path}: {message}")]
    InvalidObject {
        /// The object's kind, e.g. `Deployment`.
        kind: String,
        /// Dotted JSON path of the sub-tree that failed, e.g. `spec.template.spec`.
        path: String,
        /// What the deserializer reported.
        message: String,
    },
}
