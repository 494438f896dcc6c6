//! IAM policy engine for eksguard: parse IAM policy documents, evaluate
//! requests with AWS's rules, analyze IRSA / EKS Pod Identity trust, and
//! compute each workload's AWS blast radius.
//!
//! Pure library: no I/O. Inputs are policy documents (plain or URL-encoded
//! JSON, as IAM returns them) and plain structs the AWS collector fills.
//!
//! # Overview
//! - [`Policy::parse`] / [`Policy::from_value`]: the IAM JSON grammar, with
//!   errors naming the statement and field ([`PolicyError`]).
//! - [`Evaluator`] / [`evaluate`]: a [`Request`] against identity policies
//!   and an optional permissions boundary → [`Evaluation`] (a [`Decision`]
//!   plus the statements that explain it).
//! - [`catalog()`]: every AWS action with its access level, generated from
//!   parliament's `iam_definition.json` (`tools/gen_actions.py`); used to
//!   expand wildcards and `NotAction`.
//! - [`risk::RULES`]: privilege-escalation and data-power patterns, each
//!   with its source.
//! - [`analyze_trust`], [`irsa_trusts`], [`pod_identity_trusts`]: trust
//!   policy analysis for one cluster ([`ClusterFacts`]).
//! - [`blast_radius`]: workloads × bindings × roles → [`WorkloadBlast`] per
//!   workload, serializable to the `eksguard iam blast-radius` JSON;
//!   [`binding_status`] checks one ServiceAccount → role binding;
//!   [`default_credentials`] says which credentials the SDK picks (IRSA
//!   before Pod Identity before the node role); [`Account::evaluator`]
//!   answers precise per-request questions for one role.
//! - [`node_role_extra_policies`], [`aws_client_reason`]: node-role checks.
//!
//! # Semantics and limits
//! - Evaluation covers identity policies, permissions boundaries and
//!   resource-based policies given as extra policies (same-account union).
//!   SCPs/RCPs, session policies and cross-account rules are not modelled.
//! - Conditions follow the IAM condition-operator reference, including
//!   missing-key rules, `IfExists`, `Null` and `ForAllValues`/`ForAnyValue`.
//!   Policy variables are substituted in `Resource` and string/ARN condition
//!   values; `BinaryEquals` compares the base64 text.
//! - Blast radius is an upper bound: conditional Allows count (marked
//!   `conditional`), Denies subtract only when unconditional and on every
//!   resource. "On `*`" means `*`, `NotResource`, or an ARN that is all
//!   wildcards after its resource type (`arn:aws:iam::*:role/*`).
//! - Actions are expanded against the embedded catalog; literal actions the
//!   catalog lacks are kept in `uncatalogued_actions`.
//!
//! # Example
//! ```
//! use eksguard_iam::{Decision, Policy, Request, evaluate};
//!
//! let p = Policy::parse(r#"{"Version":"2012-10-17","Statement":[
//!   {"Effect":"Allow","Action":"s3:*","Resource":"*"},
//!   {"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}"#).unwrap();
//! let get = Request::new("S3:GetObject", "arn:aws:s3:::b/k");
//! assert_eq!(evaluate(&[&p], &get).decision, Decision::Allow);
//! let del = Request::new("s3:DeleteBucket", "arn:aws:s3:::b");
//! assert_eq!(evaluate(&[&p], &del).decision, Decision::ExplicitDeny);
//! ```
#![forbid(unsafe_code)]

mod blast;
mod catalog;
mod condition;
mod error;
mod eval;
mod node;
mod pattern;
mod policy;
pub mod risk;
mod trust;

pub use blast::{
    Account, Binding, BindingStatus, BlastInput, Grant, RiskHit, Role, RoleAccess, RoleReach, Via,
    Workload, WorkloadBlast, binding_status, blast_radius, default_credentials, role_access,
};
pub use catalog::{AccessLevel, ActionInfo, Catalog, catalog};
pub use condition::{Condition, Operator, SetQualifier};
pub use error::PolicyError;
pub use eval::{
    Context, Decision, Evaluation, Evaluator, MatchedStatement, PolicySource, Principal, Request,
    evaluate,
};
pub use node::{
    AWS_CLIENT_IMAGES, AWS_SDK_ENV, NODE_ROLE_BASELINE, aws_client_reason, node_role_extra_policies,
};
pub use policy::{Effect, Matcher, Policy, PrincipalKind, PrincipalMatcher, Statement};
pub use trust::{
    ClusterFacts, IRSA_AUDIENCE, IrsaStatement, POD_IDENTITY_SERVICE, SubjectScope, TrustFinding,
    TrustFindingKind, TrustReport, analyze_trust, irsa_trusts, pod_identity_trusts,
};
