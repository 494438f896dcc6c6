//! The model every eksguard surface shares.
//!
//! Collectors produce [`Object`]s that keep their source and the position of
//! every node; engines and controls turn them into [`Finding`]s; outputs
//! render findings. Nothing in this crate does I/O.

pub mod aws;
mod finding;
mod inventory;
mod meta;
mod object;
mod path;
mod results;
mod workload;

pub use finding::{
    BaselineState, ErrorLevel, Finding, InputError, Location, Suppression, fingerprint,
    fingerprints, identity_key,
};
pub use inventory::Inventory;
pub use meta::{ControlMeta, Pillar, Responsibility, Severity};
pub use object::{
    Object, ObjectRef, Origin, OriginDocument, OriginMap, Source, TemplateLine, string_map,
    type_name,
};
pub use path::{JsonPath, PathSeg, Pos, Spans, node_count};
pub use results::{AwsData, CheckResult, Gap, GapKind, Need, Status};
pub use workload::{CONTAINER_FIELDS, ContainerRef, PodSpecRef, WORKLOAD_KINDS, pod_spec_keys};
