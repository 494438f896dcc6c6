//! NetworkPolicy reachability engine: who can talk to whom, exactly.
//!
//! Feed it the raw Kubernetes objects of a cluster or a manifest repository; it builds
//! namespaces, workloads (pods grouped by their top owner) and policies, and computes the
//! allowed connections for every ordered pair of workloads and between workloads and
//! external address ranges. Semantics follow the NetworkPolicy API reference
//! (<https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/>)
//! and are checked against the upstream e2e truth tables; cluster-scoped tiers
//! (AdminNetworkPolicy, BaselineAdminNetworkPolicy, EKS ClusterNetworkPolicy) and EKS
//! Auto Mode ApplicationNetworkPolicy `domainNames` take part with their precedence.
//!
//! ```
//! use eksguard_netpol::{Cluster, to_txt};
//! use serde_json::json;
//!
//! let objects = [
//!     json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
//!            "spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": []}}}}),
//!     json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "db", "namespace": "shop"},
//!            "spec": {"template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": []}}}}),
//!     json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "db", "namespace": "shop"},
//!            "spec": {"podSelector": {"matchLabels": {"app": "db"}},
//!                     "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}], "ports": [{"port": 5432}]}]}}),
//! ];
//! let (cluster, warnings) = Cluster::from_objects(objects.iter());
//! assert!(warnings.is_empty());
//! let txt = to_txt(&cluster.reachability());
//! assert!(txt.contains("shop/web[Deployment] => shop/db[Deployment] : TCP 5432\n"));
//! ```
//!
//! The API in one place:
//! - Input: [`Cluster::from_objects`] → ([`Cluster`], [`Warning`]s).
//! - Matrix: [`Cluster::reachability`] → [`Reachability`] ([`Reachability::connections`],
//!   [`Reachability::between`], [`Reachability::host_network`], ...), computed over
//!   equivalence classes of workloads (same namespace, labels and ports), so memory
//!   follows the number of distinct workloads, not pods. Host-network workloads are in it,
//!   marked, with everything allowed to and from them (see [`Cluster::reachability`]).
//! - Outputs: [`to_txt`], [`to_json`], [`to_csv`], [`to_dot`] (or [`render`] with a [`Format`]).
//! - `why`: [`explain`] → [`Explanation`] (implements `Display`), arguments parsed by
//!   [`Endpoint::parse`] and [`parse_port`], errors as [`Error`].
//! - Controls: the [`analysis`] module returns data with policy identity and JSON path.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod analysis;
mod conn;
mod error;
mod eval;
mod explain;
mod format;
mod ip;
mod model;
mod selector;

pub use conn::{ConnSet, MAX_PORT, MIN_PORT, Protocol};
pub use error::Error;
pub use eval::{Connection, Direction, Peer, PeerRef, Reachability};
pub use explain::{
    Endpoint, Explanation, Miss, OtherNode, RuleVerdict, Side, SideStatus, TierVerdict, explain,
    parse_port,
};
pub use format::{Format, HOST_NETWORK_MARK, render, to_csv, to_dot, to_json, to_txt};
pub use ip::{Family, IpRange};
pub use model::{
    Action, Cluster, ContainerPort, EksFacts, NAMESPACE_NAME_LABEL, Namespace, PolicyId,
    PolicyKind, Warning, Workload, WorkloadId, WorkloadKind,
};
pub use selector::{Labels, Selector};
