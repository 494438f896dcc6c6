//! The control catalog.
//!
//! Each control lives in its own file under `src/rules/<pillar>/`, declared
//! with [`control!`]: a stable ID, metadata, and a doc comment with the
//! sections *What it checks / Why it matters / Example / Fix / References*.
//! That doc comment is the single source for `eksguard explain`, SARIF rule
//! help and the generated docs.
//!
//! Controls come in two shapes: object controls look at one object at a time
//! (so the admission webhook can run them on a single request), inventory
//! controls need the whole scan (which ServiceAccounts have RBAC bindings,
//! which ClusterRoles are bound cluster-wide).

pub mod config;
mod registry;
mod rules;
pub mod util;

pub use config::{Config, Exception};
pub use registry::{all, by_id, expired_exception};

/// Pod Security policy of a namespace and the admission exemptions, as scan
/// and the webhook compute them (labels over `pss.defaults`).
pub mod pss {
    pub use crate::rules::pod_security::{exemptions, namespace_policy};
}

/// What the NetworkPolicy engine reads, for `eksguard netpol` to keep no more
/// of a dump than that.
pub mod netpol {
    pub use crate::rules::network_policy::read_by_engine as reads;
}

/// The Kubernetes × AWS identity view (issue #6) the identity controls share
/// and `eksguard iam blast-radius` prints.
pub mod identity {
    pub use crate::rules::identity_aws::{Identity, WorkloadEntry, identity};
    pub use eksguard_iam::{RoleReach, WorkloadBlast};
}

pub use eksguard_core::ControlMeta;
use eksguard_core::{
    AwsData, Finding, InputError, Inventory, JsonPath, Location, Need, Object, ObjectRef,
    Suppression,
};
use std::sync::Arc;

mod results;
pub use results::{ResultOptions, results};

/// Attack paths (issue #15): the engine input a scan implies, shared by the
/// PATH controls and `eksguard paths`.
pub mod paths {
    pub use crate::rules::paths::{analysis, binding_origins, input, options};
}

/// Scan-wide settings controls read.
pub struct Context<'a> {
    pub config: &'a Config,
    /// The cluster's Kubernetes minor version (`1.N`), when known: from
    /// `--k8s-version` or the EKS cluster. `None` means "the newest known".
    pub k8s_minor: Option<u64>,
    /// Vulnerability scan reports of images (`--image-reports`); `None`
    /// when none were given, so image-vulnerability controls stay quiet.
    pub images: Option<&'a eksguard_images::ImageIndex>,
    /// The day expiry dates are evaluated against.
    pub today: config::Date,
}

impl<'a> Context<'a> {
    pub fn new(config: &'a Config) -> Self {
        Context {
            config,
            k8s_minor: None,
            images: None,
            today: config::Date::today(),
        }
    }
}

/// A security control.
pub trait Control: Send + Sync {
    fn meta(&self) -> &'static ControlMeta;

    /// Kinds this control reads (used for JUnit pass cases and to skip
    /// objects cheaply). Empty means "not object-based".
    fn kinds(&self) -> &'static [&'static str] {
        &[]
    }

    /// Whether the control runs at all in this context (a registry
    /// allow-list, scan reports): reports list no pass case for a check
    /// that was never made.
    fn applies(&self, _ctx: &Context) -> bool {
        true
    }

    /// Why the control does not run when [`Control::applies`] is false.
    fn not_applicable_reason(&self) -> &'static str {
        "the control does not apply to this scan"
    }

    /// Inputs the control reads besides the objects of [`Control::kinds`].
    /// When one was not collected the control is reported `not_checked`
    /// rather than passed.
    fn needs(&self) -> &'static [Need] {
        &[]
    }

    /// What the control gives a result for.
    fn subjects(&self) -> Subjects {
        Subjects::Objects
    }

    /// Whether `obj` (one of [`Control::kinds`]) is something the control
    /// judges, so that a pass on it means something: ACC-002 judges only
    /// the `aws-auth` ConfigMap, not every ConfigMap.
    fn is_subject(&self, _obj: &Object) -> bool {
        true
    }

    /// Checks one object. The webhook calls only this.
    fn check_object(&self, _obj: &Object, _ctx: &Context, _out: &mut Sink) {}

    /// Checks what needs the whole inventory.
    fn check_inventory(&self, _inv: &Inventory, _ctx: &Context, _out: &mut Sink) {}
}

/// What a control gives a result for: each is `pass` unless a finding names
/// it. Findings on anything else add `fail` results of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subjects {
    /// Each object of [`Control::kinds`] the object check ran on (and that
    /// [`Control::is_subject`] accepts).
    Objects,
    /// Each object of these kinds (group, kind) in the inventory.
    Kinds(&'static [(&'static str, &'static str)]),
    /// Pods and pod controllers.
    Workloads,
    /// The EKS cluster.
    Cluster,
    /// The AWS account and region.
    Account,
    /// One result for the control as a whole: it looked at the whole
    /// inventory and its findings say where it failed.
    Whole,
}

/// Needs of a control that reads the EKS cluster description.
pub const NEEDS_CLUSTER: &[Need] = &[Need::aws(AwsData::Cluster)];

/// Collects findings, resolving source positions and per-object suppressions.
#[derive(Default)]
pub struct Sink {
    findings: Vec<Finding>,
    errors: Vec<InputError>,
    /// (index of the control in the catalog, object) pairs object checks ran
    /// on: their pass results.
    evaluated: Vec<Evaluated>,
}

/// (index of the control in the catalog, object) an object check ran on.
pub type Evaluated = (u16, Arc<ObjectRef>);

/// The annotation that suppresses controls on one object:
/// `eksguard.io/ignore: "IAM-004,IMG-002: reason"`.
pub const IGNORE_ANNOTATION: &str = "eksguard.io/ignore";

impl Sink {
    pub fn new() -> Self {
        Sink::default()
    }

    /// Reports `meta` violated on `obj` at `path`.
    pub fn report(
        &mut self,
        meta: &'static ControlMeta,
        obj: &Object,
        path: JsonPath,
        message: impl Into<String>,
        remediation: impl Into<String>,
    ) {
        // A rendered object points at the file it was written in when the
        // field is as written there, and says what rendered it.
        let (location, note) = obj.finding_location(&path);
        let mut message = message.into();
        if let Some(note) = note {
            message = format!("{message} ({note})");
        }
        let suppressed = ignored_by_annotation(obj, meta.id);
        self.findings.push(Finding {
            control: meta.id,
            title: meta.title,
            severity: meta.severity,
            pillar: meta.pillar,
            responsibility: meta.responsibility,
            object: obj.obj_ref(),
            location,
            path: path.to_string(),
            message,
            remediation: remediation.into(),
            suppressed,
            fingerprint: String::new(),
            baseline: None,
        });
    }

    /// Reports a finding on something that is not a Kubernetes object (an AWS
    /// resource, the config file).
    pub fn report_ref(
        &mut self,
        meta: &'static ControlMeta,
        object: ObjectRef,
        location: Option<Location>,
        path: impl Into<String>,
        message: impl Into<String>,
        remediation: impl Into<String>,
    ) {
        self.findings.push(Finding {
            control: meta.id,
            title: meta.title,
            severity: meta.severity,
            pillar: meta.pillar,
            responsibility: meta.responsibility,
            object,
            location,
            path: path.into(),
            message: message.into(),
            remediation: remediation.into(),
            suppressed: None,
            fingerprint: String::new(),
            baseline: None,
        });
    }

    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }

    /// Records that an object could not be evaluated (e.g. a field of the
    /// wrong type): the scan reports it as an input error rather than
    /// silently skipping the object.
    pub fn input_error(&mut self, obj: &Object, path: &JsonPath, message: impl Into<String>) {
        let pos = obj.locate(path);
        let e = InputError::error(obj.source.file.to_string(), message);
        // Line 0: an object from a live API, which has no positions.
        self.errors.push(if pos.line == 0 {
            e
        } else {
            e.at(pos.line, pos.column)
        });
    }

    /// Findings and input errors.
    pub fn into_parts(self) -> (Vec<Finding>, Vec<InputError>) {
        (self.findings, self.errors)
    }

    /// Findings, input errors and the (control, object) pairs object
    /// checks ran on.
    pub fn into_all(self) -> (Vec<Finding>, Vec<InputError>, Vec<Evaluated>) {
        (self.findings, self.errors, self.evaluated)
    }

    pub fn len(&self) -> usize {
        self.findings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Parses `eksguard.io/ignore`: comma-separated IDs, then an optional
/// `: reason`. Several entries may be separated by `;`.
fn ignored_by_annotation(obj: &Object, id: &str) -> Option<Suppression> {
    let value = obj.annotation(IGNORE_ANNOTATION)?;
    for entry in value.split(';') {
        let (ids, reason) = entry.split_once(':').unwrap_or((entry, ""));
        if ids.split(',').any(|i| i.trim().eq_ignore_ascii_case(id)) {
            return Some(Suppression {
                by: "annotation",
                reason: reason.trim().to_owned(),
                expires: None,
            });
        }
    }
    None
}

/// Declares a control: a unit struct with a `META` constant whose `doc` is
/// the struct's doc comment, so docs are generated from the code.
#[macro_export]
macro_rules! control {
    (
        $(#[doc = $doc:literal])*
        pub struct $name:ident {
            id: $id:literal,
            name: $slug:literal,
            title: $title:literal,
            severity: $sev:ident,
            pillar: $pillar:ident,
            responsibility: $resp:ident
            $(, verified: $verified:literal)? $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        pub struct $name;

        impl $name {
            pub const META: ::eksguard_core::ControlMeta = ::eksguard_core::ControlMeta {
                id: $id,
                name: $slug,
                title: $title,
                severity: ::eksguard_core::Severity::$sev,
                pillar: ::eksguard_core::Pillar::$pillar,
                responsibility: ::eksguard_core::Responsibility::$resp,
                verified: concat!("" $(, $verified)?),
                doc: concat!($($doc, "\n"),*),
            };
        }
    };
}

/// Runs every enabled object control on one object, recording which ran
/// (for pass results).
pub fn check_object(obj: &Object, ctx: &Context, out: &mut Sink) {
    let mut this: Option<Arc<ObjectRef>> = None;
    for (i, c) in all().iter().enumerate() {
        if ctx.config.is_enabled(c.meta().id)
            && c.kinds().contains(&obj.kind.as_str())
            && c.applies(ctx)
        {
            c.check_object(obj, ctx, out);
            if c.subjects() == Subjects::Objects && c.is_subject(obj) {
                let r = this.get_or_insert_with(|| Arc::new(obj.obj_ref()));
                out.evaluated.push((i as u16, Arc::clone(r)));
            }
        }
    }
}

/// Runs every enabled inventory control.
pub fn check_inventory(inv: &Inventory, ctx: &Context, out: &mut Sink) {
    for c in all() {
        if ctx.config.is_enabled(c.meta().id) {
            c.check_inventory(inv, ctx, out);
        }
    }
}
