//! The attack graph: nodes, edges with their evidence, and where each change
//! that removes an edge is made.

use eksguard_core::{JsonPath, ObjectRef, Severity};
use std::fmt;

/// What an attacker is after. Targets are terminal: once one is reached the
/// path ends there (a cluster-admin or AWS administrator reaches every other
/// target anyway).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TargetKind {
    /// AWS administrator or IAM privilege escalation (the IAM engine's
    /// escalation rules, or `iam:*` on every resource).
    AwsAdmin,
    /// AWS data access: S3 read on every bucket, Secrets Manager or SSM
    /// Parameter Store read on every secret, KMS decrypt with every key.
    AwsData,
    /// Kubernetes cluster-admin.
    ClusterAdmin,
    /// Read Secrets in every namespace.
    ClusterSecrets,
    /// Control of a Kubernetes node (a pod equivalent to its node).
    NodeTakeover,
}

impl TargetKind {
    pub const ALL: [TargetKind; 5] = [
        TargetKind::AwsAdmin,
        TargetKind::AwsData,
        TargetKind::ClusterAdmin,
        TargetKind::ClusterSecrets,
        TargetKind::NodeTakeover,
    ];

    /// The name used on the command line and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::AwsAdmin => "aws-admin",
            TargetKind::AwsData => "aws-data",
            TargetKind::ClusterAdmin => "cluster-admin",
            TargetKind::ClusterSecrets => "cluster-secrets",
            TargetKind::NodeTakeover => "node-takeover",
        }
    }

    /// A reader's name.
    pub fn title(self) -> &'static str {
        match self {
            TargetKind::AwsAdmin => "AWS administrator or privilege escalation",
            TargetKind::AwsData => "AWS data access",
            TargetKind::ClusterAdmin => "Kubernetes cluster-admin",
            TargetKind::ClusterSecrets => "read Secrets in every namespace",
            TargetKind::NodeTakeover => "node takeover",
        }
    }

    pub fn parse(s: &str) -> Option<TargetKind> {
        TargetKind::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// How bad reaching it is from the internet and from inside the cluster.
    pub fn severity(self, from_internet: bool) -> Severity {
        let admin = matches!(self, TargetKind::AwsAdmin | TargetKind::ClusterAdmin);
        match (from_internet, admin) {
            (true, true) => Severity::Critical,
            (true, false) | (false, true) => Severity::High,
            (false, false) => Severity::Medium,
        }
    }
}

impl serde::Serialize for TargetKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl fmt::Display for TargetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one step of a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StepKind {
    /// The internet reaches a load balancer, a node port or a host port.
    Exposure,
    /// A load balancer (or node port) forwards to the pods, and the
    /// NetworkPolicies admit outside traffic on that port.
    Ingress,
    /// Pod-to-pod reachability under the NetworkPolicies.
    Lateral,
    /// A pod setting that makes the pod equivalent to its node.
    Escape,
    /// The node's IAM role through the instance metadata service.
    NodeCredentials,
    /// The pod's ServiceAccount token is mounted.
    Token,
    /// The pods run as a ServiceAccount (structural: IRSA / Pod Identity follow).
    RunsAs,
    /// ServiceAccount → IAM role through IRSA or EKS Pod Identity.
    WorkloadIdentity,
    /// Role → role through `sts:AssumeRole`.
    RoleChain,
    /// What a role may do in AWS (from the blast-radius engine).
    AwsPermission,
    /// EKS access entry or `aws-auth` mapping: IAM role → Kubernetes.
    AccessEntry,
    /// An RBAC binding of the ServiceAccount.
    Rbac,
    /// What an RBAC grant gives.
    Grant,
    /// Creating a pod (as any ServiceAccount of the namespace, or privileged).
    CreatePod,
    /// `pods/exec` into a running pod.
    Exec,
    /// Reading a ServiceAccount token Secret.
    SecretRead,
}

impl StepKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Exposure => "exposure",
            StepKind::Ingress => "ingress",
            StepKind::Lateral => "lateral",
            StepKind::Escape => "escape",
            StepKind::NodeCredentials => "node-credentials",
            StepKind::Token => "service-account-token",
            StepKind::RunsAs => "runs-as",
            StepKind::WorkloadIdentity => "workload-identity",
            StepKind::RoleChain => "role-chain",
            StepKind::AwsPermission => "aws-permission",
            StepKind::AccessEntry => "access-entry",
            StepKind::Rbac => "rbac",
            StepKind::Grant => "rbac-grant",
            StepKind::CreatePod => "create-pod",
            StepKind::Exec => "exec",
            StepKind::SecretRead => "secret-read",
        }
    }
}

impl serde::Serialize for StepKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl fmt::Display for StepKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a change is made (or evidence lives): a field of a Kubernetes
/// object of the input, or of an AWS resource of the snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anchor {
    /// Index into the input objects, and the field.
    Object { index: usize, path: JsonPath },
    /// An AWS resource: its identity, the snapshot document it came from
    /// and the field (relative to that document's item).
    Aws {
        object: ObjectRef,
        source: Option<eksguard_core::aws::AwsSource>,
        path: JsonPath,
    },
    /// Nothing to point at.
    None,
}

/// The kinds of change a cut is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum CutKind {
    /// Make a load balancer internal (or drop the node/host port).
    MakeInternal,
    /// Add a NetworkPolicy restricting pod ingress to one workload.
    NetworkPolicyIngress,
    /// Add a NetworkPolicy restricting one workload's egress (pods and IMDS).
    NetworkPolicyEgress,
    /// Turn on NetworkPolicy enforcement (the VPC CNI network policy controller).
    EnableNetworkPolicies,
    /// Remove `hostNetwork: true`.
    RemoveHostNetwork,
    /// Remove the settings that make a pod equivalent to its node.
    HardenPod,
    /// `automountServiceAccountToken: false`.
    NoTokenAutomount,
    /// Tighten an IRSA / Pod Identity trust condition (or drop the binding).
    TrustCondition,
    /// Tighten a role's trust so another role cannot assume it.
    ChainTrust,
    /// Delete one statement of an IAM policy.
    DeleteStatement,
    /// Detach an AWS-managed policy from a role.
    DetachPolicy,
    /// Remove a subject from an RBAC binding.
    RemoveSubject,
    /// Remove an EKS access policy association or `aws-auth` mapping.
    RemoveAccess,
}

impl CutKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CutKind::MakeInternal => "make-internal",
            CutKind::NetworkPolicyIngress => "network-policy-ingress",
            CutKind::NetworkPolicyEgress => "network-policy-egress",
            CutKind::EnableNetworkPolicies => "enable-network-policies",
            CutKind::RemoveHostNetwork => "remove-host-network",
            CutKind::HardenPod => "harden-pod",
            CutKind::NoTokenAutomount => "no-token-automount",
            CutKind::TrustCondition => "trust-condition",
            CutKind::ChainTrust => "chain-trust",
            CutKind::DeleteStatement => "delete-statement",
            CutKind::DetachPolicy => "detach-policy",
            CutKind::RemoveSubject => "remove-subject",
            CutKind::RemoveAccess => "remove-access",
        }
    }
}

/// A change that removes edges: the gate nodes it deletes from the graph.
#[derive(Debug, Clone)]
pub struct CutSpec {
    pub kind: CutKind,
    /// What to change, in a reader's words.
    pub change: String,
    /// The object changed, `ns/name[Kind]` or an ARN.
    pub object: String,
    pub anchor: Anchor,
    /// Gate nodes the change deletes.
    pub gates: Vec<u32>,
    /// False when the change may break more paths than computed (removing
    /// `hostNetwork` also puts the pod under NetworkPolicies).
    pub exact: bool,
}

/// What an edge's evidence says; text is made when a path is shown.
#[derive(Debug, Clone)]
pub struct Evidence {
    pub kind: StepKind,
    /// The object the step lands on or goes through.
    pub object: String,
    pub because: Because,
    pub anchor: Anchor,
}

/// The explanation of a step: fixed text, or computed from the NetworkPolicy
/// engine when shown (lateral steps).
#[derive(Debug, Clone)]
pub enum Because {
    Text(String),
    /// A lateral move between two classes; the workloads come from the path.
    Lateral {
        unenforced: Option<String>,
    },
}

/// What a node stands for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeKind {
    Internet,
    /// A load balancer, node port or host port (the exposing object).
    Exposure(String),
    /// A workload (top owner, as the NetworkPolicy engine groups pods).
    Workload(String),
    /// Structural: the pod-network ingress of a workload.
    WorkloadIn(String),
    /// Structural: the pod-network egress of a workload.
    WorkloadOut(String),
    /// Structural gates (escape, token, host network IMDS).
    EscapeGate(String),
    TokenGate(String),
    HostNetGate(String),
    /// Structural hubs of the lateral mesh: a class's egress and ingress.
    ClassOut(u32),
    ClassIn(u32),
    /// Structural hub when NetworkPolicies are not enforced.
    Unenforced,
    /// Holding a ServiceAccount's Kubernetes API token.
    SaToken(String),
    /// Running as a ServiceAccount (its IRSA / Pod Identity credentials).
    SaAws(String),
    /// Gate: one IRSA / Pod Identity binding.
    BindingGate(String, String),
    /// Gate: one subject of one RBAC binding.
    RbacGate(String, usize),
    /// A Kubernetes capability in a namespace (`*` for all).
    Cap(CapKind, String),
    /// Nodes of one node pool.
    KubeNode(String),
    /// An IAM role.
    Role(String),
    /// Gate: role → role chaining.
    ChainGate(String, String),
    /// Gate: an access entry policy or aws-auth mapping.
    AccessGate(String),
    /// Gate: a role or node reaching a target.
    TargetGate(String, TargetKind),
    Target(TargetKind),
}

/// A Kubernetes capability an RBAC grant (or access entry) gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CapKind {
    CreatePods,
    Exec,
    ReadSecrets,
    /// Mint tokens (`serviceaccounts/token`) or impersonate ServiceAccounts.
    SaToken,
}

impl CapKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CapKind::CreatePods => "create pods",
            CapKind::Exec => "exec into pods",
            CapKind::ReadSecrets => "read Secrets",
            CapKind::SaToken => "act as ServiceAccounts",
        }
    }
}

/// The graph in compressed form: forward and reverse adjacency, edge
/// weights (1 for steps a reader sees, 0 for structural hops) and evidence.
#[derive(Debug, Default)]
pub struct Graph {
    pub nodes: Vec<NodeKind>,
    /// `fwd_start[v]..fwd_start[v+1]` indexes `fwd` (edge ids).
    pub fwd_start: Vec<u32>,
    pub fwd: Vec<u32>,
    pub rev_start: Vec<u32>,
    pub rev: Vec<u32>,
    /// Per edge: tail, head, evidence (`None`: structural, weight 0).
    pub edges: Vec<(u32, u32, Option<u32>)>,
    pub evidence: Vec<Evidence>,
    /// Per node: the cut deleting it, when it is a gate of one change.
    pub gate_cut: Vec<Option<u32>>,
    pub cuts: Vec<CutSpec>,
    /// Source nodes: the internet and every admitted workload.
    pub sources: Vec<u32>,
    pub internet: u32,
    pub targets: Vec<(TargetKind, u32)>,
}

impl Graph {
    pub fn out_edges(&self, v: u32) -> &[u32] {
        let v = v as usize;
        &self.fwd[self.fwd_start[v] as usize..self.fwd_start[v + 1] as usize]
    }

    pub fn in_edges(&self, v: u32) -> &[u32] {
        let v = v as usize;
        &self.rev[self.rev_start[v] as usize..self.rev_start[v + 1] as usize]
    }

    pub fn weight(&self, e: u32) -> u32 {
        u32::from(self.edges[e as usize].2.is_some())
    }

    pub fn target_of(&self, v: u32) -> Option<TargetKind> {
        match self.nodes[v as usize] {
            NodeKind::Target(t) => Some(t),
            _ => None,
        }
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Builds the CSR arrays from an edge list.
    pub(crate) fn freeze(&mut self) {
        let n = self.nodes.len();
        let mut fwd_count = vec![0u32; n + 1];
        let mut rev_count = vec![0u32; n + 1];
        for &(a, b, _) in &self.edges {
            fwd_count[a as usize + 1] += 1;
            rev_count[b as usize + 1] += 1;
        }
        for i in 0..n {
            fwd_count[i + 1] += fwd_count[i];
            rev_count[i + 1] += rev_count[i];
        }
        let mut fwd = vec![0u32; self.edges.len()];
        let mut rev = vec![0u32; self.edges.len()];
        let mut fpos = fwd_count.clone();
        let mut rpos = rev_count.clone();
        for (i, &(a, b, _)) in self.edges.iter().enumerate() {
            fwd[fpos[a as usize] as usize] = i as u32;
            fpos[a as usize] += 1;
            rev[rpos[b as usize] as usize] = i as u32;
            rpos[b as usize] += 1;
        }
        self.fwd_start = fwd_count;
        self.rev_start = rev_count;
        self.fwd = fwd;
        self.rev = rev;
        if self.gate_cut.len() < n {
            self.gate_cut.resize(n, None);
        }
    }
}
