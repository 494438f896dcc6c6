//! Typed errors for user-supplied arguments (`netpol why --from/--to/--port`).

/// An argument could not be understood or does not name anything in the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Not `NAMESPACE/NAME`, `NAMESPACE/NAME[Kind]` or an IP address.
    #[error(
        "invalid endpoint {input:?}: expected NAMESPACE/NAME, NAMESPACE/NAME[Kind] or an IP address"
    )]
    InvalidEndpoint {
        /// The argument as given.
        input: String,
    },
    /// Not `PROTOCOL/PORT` (protocol TCP, UDP or SCTP; port 1-65535).
    #[error("invalid port {input:?}: expected PROTOCOL/PORT such as TCP/8080")]
    InvalidPort {
        /// The argument as given.
        input: String,
    },
    /// No workload with that namespace/name (and kind) in the input.
    #[error("workload {input:?} not found in the input")]
    UnknownWorkload {
        /// The argument as given.
        input: String,
    },
    /// Both ends are addresses; one must be a workload.
    #[error("neither {from:?} nor {to:?} is a workload; at least one end must be")]
    NoWorkload {
        /// The `from` argument.
        from: String,
        /// The `to` argument.
        to: String,
    },
}
