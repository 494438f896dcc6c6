//! Kubernetes audit-log threat detection for EKS control-plane logs.
//!
//! The engine reads `audit.k8s.io/v1` events from any [`std::io::Read`] —
//! the API server's JSON lines, an `EventList`, `aws logs filter-log-events`
//! output, CloudWatch Logs subscription / Firehose payloads (plain, gzip or
//! base64), or subscription events as Lambda receives them
//! (`{"awslogs":{"data":"<base64 gzip>"}}`, a saved test event)
//! ([`InputFormat`], sniffed by default) — and reports [`Detection`]s in
//! input order plus a [`Summary`].
//!
//! ```no_run
//! use eksguard_audit::{AuditConfig, InputFormat, OutputFormat, Pipeline, Renderer};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut pipeline = Pipeline::new(&AuditConfig::default())?;
//! let mut out = Renderer::new(OutputFormat::Jsonl, std::io::stdout().lock());
//! let file = std::fs::File::open("audit.log.gz")?;
//! pipeline.read("audit.log.gz", file, InputFormat::Auto, &mut |d| {
//!     let _ = out.push(d);
//! })?;
//! let summary = pipeline.finish(&mut |d| {
//!     let _ = out.push(d);
//! });
//! out.finish(&summary)?;
//! eksguard_audit::write_summary(&mut std::io::stderr(), &summary)?;
//! # Ok(()) }
//! ```
//!
//! # How requests are judged
//!
//! The API server logs a request once per *stage*. Rules judge each request
//! once: at `ResponseComplete`, except exec/attach/port-forward, judged at
//! `ResponseStarted` because their `ResponseComplete` only comes when the
//! session ends. An event whose auditID and stage were already seen (two
//! overlapping exports, a redelivered subscription batch) is counted as a
//! duplicate and skipped. CloudWatch messages ending in `[Truncated...]` are
//! counted, never parsed. Only the last `sourceIPs` entry is reported: the
//! earlier ones come from the client's `X-Forwarded-For` header and can be
//! forged.
//!
//! For `--follow` on CloudWatch, [`Checkpoint`] keeps the resume state
//! (newest timestamp plus the event IDs seen within a lag window), so
//! events sharing a millisecond or arriving late are neither lost nor
//! repeated across restarts. For a subscription-filter Lambda,
//! [`handle_lambda_event`] / [`handle_subscription_payload`] run one
//! delivery through a long-lived [`Pipeline`].
//!
//! # Pods created by controllers
//!
//! The controllers' service accounts
//! (`system:serviceaccount:kube-system:*-controller`) are allow-listed by
//! default: their RBAC, Secret and lease activity is noise. But the pods
//! they create carry their workloads' pod specs, so the pod-spec rules
//! (AUD-001..005 privileged / host mounts / host namespaces, AUD-018 kube
//! namespaces, AUD-024 registries) judge pod creations by controllers too,
//! and report them once per rule per owning workload per
//! `controller_pod_window_secs` (default 300), counting the pods:
//! "3 pods of Deployment shop/web created by replicaset-controller are
//! privileged: …". The owner is the pod's controlling `ownerReferences`
//! entry; a ReplicaSet named `<deployment>-<pod-template-hash>` stands for
//! its Deployment and a Job named `<cronjob>-<8+ digit scheduled time>` for
//! its CronJob. No report is made when the same rule already reported that
//! workload's creation within the window (the user who created it is the
//! finding). A group is reported when a later event passes the end of its
//! window, or by [`Pipeline::finish`], so these reports can come after
//! detections of later events. Rejected creations are not counted, trusted
//! host images still apply, and `rule_allowed_principals` silences a
//! controller for a rule; the global allow-list does not.
//!
//! # Rules
//!
//! [`RULES`] lists every rule (single-event `AUD-0xx`, correlation
//! `AUD-1xx`) with severity, MITRE ATT&CK technique and [`Rule::explain`]
//! text; the [`rules`] module documents which Falco k8saudit rules and
//! GuardDuty EKS finding types each covers, and which are not covered.
//!
//! # Scale
//!
//! Records are parsed and judged by single-event rules in parallel batches
//! ([`Options::batch_records`]) with borrowed, lazily-parsed event bodies;
//! de-duplication and correlation then run in input order with state bounded
//! in entries (`max_state_entries`) and in time (per-rule windows).
//! `cargo bench -p eksguard-audit` prints throughput and peak RSS.

#![forbid(unsafe_code)]

mod checkpoint;
mod config;
mod controller_pods;
mod correlate;
mod detection;
mod error;
mod event;
mod input;
pub mod lambda;
mod objects;
mod pipeline;
mod render;
pub mod rules;

pub use checkpoint::Checkpoint;
pub use config::{
    AuditConfig, DEFAULT_ALLOWED_PRINCIPALS, DEFAULT_ALLOWED_REGISTRIES,
    DEFAULT_TRUSTED_HOST_IMAGES,
};
pub use detection::{Detection, Issue, Summary};
pub use error::{ConfigError, Error};
pub use event::{Annotations, Event, ObjectRef, ResponseStatus, Stage, UserInfo};
pub use input::{InputFormat, Limits, Position};
pub use lambda::{handle_lambda_event, handle_subscription_payload};
pub use pipeline::{Options, Pipeline};
pub use render::{OutputFormat, Renderer, write_json, write_jsonl, write_summary, write_table};
pub use rules::{Doc, RULES, Rule, RuleKind, Technique};
