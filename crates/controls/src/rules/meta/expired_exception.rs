use crate::Subjects;
use crate::{Control, ControlMeta, control};

control! {
    /// ## What it checks
    /// Exceptions in `eksguard.yaml` whose `expires` date has passed while
    /// they still match a finding. The finding they used to hide is reported
    /// again, and the stale exception is reported as this finding, pointing at
    /// its line in the config file.
    ///
    /// ## Why it matters
    /// Exceptions are risk accepted for a time. Once the date passes, the
    /// acceptance must be renewed on purpose or the problem fixed; a silent
    /// permanent exception is how temporary risks become permanent.
    ///
    /// ## Example
    /// ```yaml
    /// exceptions:
    ///   - control: IMG-002
    ///     namespace: legacy
    ///     reason: "migration ticket OPS-12"
    ///     expires: 2025-01-31
    /// ```
    ///
    /// ## Fix
    /// Fix the underlying finding and delete the exception, or extend
    /// `expires` after re-approving the risk.
    ///
    /// ## References
    /// - eksguard documentation: configuration file, `exceptions`
    pub struct ExpiredException {
        id: "CFG-001",
        name: "expired-exception",
        title: "Exception in eksguard.yaml has expired",
        severity: Low,
        pillar: LoggingDetection,
        responsibility: Customer,
    }
}

impl Control for ExpiredException {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn subjects(&self) -> Subjects {
        Subjects::Whole
    }
}
