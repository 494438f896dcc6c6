//! Identity across Kubernetes and AWS (issue #6): which ServiceAccount can
//! assume which IAM role (IRSA annotations, EKS Pod Identity associations,
//! the node role as fallback), whether the role's trust policy really admits
//! it, and what the role may do once assumed.
//!
//! The controls here share one [`Identity`] view built from the inventory
//! and its [`AwsFacts`] with the `eksguard-iam` engine: parsed roles and
//! managed policies, trust analysis per role, the ServiceAccount → role
//! bindings, and (lazily) the blast radius of every workload. Building it is
//! the expensive part (policy parsing, trust evaluation, blast radius), and
//! about a dozen controls read it, so it is memoised per scan: the key is a
//! hash of exactly the inputs the view reads, so a different scan never
//! sees a stale view (see [`identity`]).

pub mod aws_client_on_node_role;
pub mod blast_critical;
pub mod blast_escalation;
pub mod cluster_role_privileges;
pub mod irsa_and_pod_identity;
pub mod irsa_aud_missing;
pub mod irsa_aud_not_sts;
pub mod irsa_binding_not_trusted;
pub mod irsa_foreign_provider;
pub mod irsa_role_missing;
pub mod irsa_string_like_exact;
pub mod irsa_sub_cluster_wildcard;
pub mod irsa_sub_missing;
pub mod irsa_sub_namespace_wildcard;
pub mod node_role_extra_policies;
pub mod pod_identity_binding_broken;
pub mod pod_identity_no_source;
pub mod pod_identity_sa_missing;

use crate::util::fingerprint::{FxHasher, hash_opt_value, hash_value};
use crate::{ControlMeta, Sink};
use eksguard_core::aws::{AwsFacts, IamRole, Sourced};
use eksguard_core::{Inventory, JsonPath, Object, ObjectRef};
use eksguard_iam::{
    Account, Binding, BlastInput, ClusterFacts, Policy, Role, TrustFindingKind, TrustReport, Via,
    Workload, WorkloadBlast, analyze_trust, blast_radius,
};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, OnceLock};

/// The IRSA annotation on a ServiceAccount.
pub const ROLE_ARN_ANNOTATION: &str = "eks.amazonaws.com/role-arn";

/// A ServiceAccount of the scan.
#[derive(Debug, Clone)]
pub struct ServiceAccount {
    pub namespace: String,
    pub name: String,
    /// Index in [`Inventory::objects`].
    pub object: usize,
    /// The `eks.amazonaws.com/role-arn` annotation, trimmed.
    pub role_arn: Option<String>,
}

/// A workload of the scan, in the engine's terms.
#[derive(Debug, Clone)]
pub struct WorkloadEntry {
    pub workload: Workload,
    /// Index in [`Inventory::objects`].
    pub object: usize,
}

/// Where a binding comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    /// The IRSA annotation of [`Identity::service_accounts`]`[i]`.
    Annotation(usize),
    /// `AwsFacts::pod_identity_associations[i]`.
    Association(usize),
}

/// The joined view every identity control reads.
pub struct Identity {
    /// This cluster, when the facts give its ARN, account and OIDC issuer.
    pub cluster: Option<ClusterFacts>,
    /// Roles and managed policies in the engine's form.
    pub account: Account,
    /// Role ARN → index in `AwsFacts::roles` (and in [`Identity::trust`]).
    roles: HashMap<String, usize>,
    /// Trust analysis per role (None without cluster facts or trust policy).
    pub trust: Vec<Option<TrustReport>>,
    /// Why a role's trust or permission policies could not be read.
    pub policy_errors: HashMap<String, Vec<String>>,
    pub service_accounts: Vec<ServiceAccount>,
    pub workloads: Vec<WorkloadEntry>,
    /// IRSA and Pod Identity bindings, with [`Identity::origins`] beside.
    pub bindings: Vec<Binding>,
    pub origins: Vec<Origin>,
    /// The Auto Mode node role (`computeConfig.nodeRoleArn`).
    pub node_role: Option<String>,
    /// Namespaces the scan holds objects of (or a Namespace object for).
    pub namespaces: BTreeSet<String>,
    /// `ns/name[Kind]` → index in [`Identity::workloads`] (first one).
    workload_ids: HashMap<String, usize>,
    /// Role ARN → `ns/sa (via)` of its bindings, sorted.
    bound: HashMap<String, Vec<String>>,
    /// `(namespace, service account)` of every binding.
    bound_sas: HashSet<(String, String)>,
    /// namespace → name → index in [`Identity::service_accounts`] (first).
    sa_index: HashMap<String, HashMap<String, usize>>,
    /// namespace → service account → indexes in [`Identity::workloads`].
    workloads_by_sa: HashMap<String, HashMap<String, Vec<usize>>>,
    blast: OnceLock<Vec<WorkloadBlast>>,
}

impl Identity {
    /// Index in `AwsFacts::roles` of the role with this ARN.
    pub fn role_index(&self, arn: &str) -> Option<usize> {
        self.roles.get(arn).copied()
    }

    /// The engine's role with this ARN.
    pub fn role(&self, arn: &str) -> Option<&Role> {
        // `account.roles` is in `AwsFacts::roles` order; the index map avoids
        // `Account::role`'s linear search.
        self.role_index(arn).and_then(|i| self.account.roles.get(i))
    }

    /// The ServiceAccount `namespace/name`, when the scan has it. O(1).
    pub fn service_account(&self, namespace: &str, name: &str) -> Option<&ServiceAccount> {
        let i = *self.sa_index.get(namespace)?.get(name)?;
        self.service_accounts.get(i)
    }

    /// Workloads that run as `namespace/sa`, in input order. O(1) plus
    /// what it returns.
    pub fn workloads_of(&self, namespace: &str, sa: &str) -> impl Iterator<Item = &WorkloadEntry> {
        self.workloads_by_sa
            .get(namespace)
            .and_then(|m| m.get(sa))
            .into_iter()
            .flatten()
            .filter_map(|&i| self.workloads.get(i))
    }

    /// Bindings whose role is `arn`, as `ns/sa (irsa)` strings, sorted.
    pub fn bound_to(&self, arn: &str) -> &[String] {
        self.bound.get(arn).map_or(&[], Vec::as_slice)
    }

    /// Whether `namespace/sa` has an IRSA annotation or a Pod Identity
    /// association (working or not).
    pub fn has_binding(&self, namespace: &str, sa: &str) -> bool {
        self.bound_sas
            .contains(&(namespace.to_owned(), sa.to_owned()))
    }

    /// The blast radius of every workload, computed on first use.
    pub fn blast(&self) -> &[WorkloadBlast] {
        self.blast.get_or_init(|| {
            let workloads: Vec<Workload> =
                self.workloads.iter().map(|w| w.workload.clone()).collect();
            blast_radius(&BlastInput {
                facts: self.cluster.as_ref(),
                account: &self.account,
                workloads: &workloads,
                bindings: &self.bindings,
                node_role_arn: self.node_role.as_deref(),
            })
        })
    }

    /// The scan's workload entry for a blast-radius item (`ns/name[Kind]`).
    pub fn workload_by_id(&self, id: &str) -> Option<&WorkloadEntry> {
        self.workload_ids
            .get(id)
            .and_then(|&i| self.workloads.get(i))
    }
}

/// The identity view of this scan, or `None` when the scan has no AWS side.
///
/// Memoised: the key hashes every input [`Identity`] is built from (the
/// ServiceAccounts, workloads and namespaces the scan holds, and the AWS
/// facts' cluster, roles, policies and associations), so several controls
/// of one scan share one build, and another scan (another inventory, or the
/// same address reused) rebuilds.
pub fn identity(inv: &Inventory) -> Option<Arc<Identity>> {
    static CACHE: Mutex<Option<(u64, Arc<Identity>)>> = Mutex::new(None);
    let facts = inv.aws.as_ref()?;
    let key = fingerprint(inv, facts);
    if let Ok(guard) = CACHE.lock()
        && let Some((k, v)) = guard.as_ref()
        && *k == key
    {
        return Some(Arc::clone(v));
    }
    let built = Arc::new(build(K8sInputs::extract(inv), facts));
    if let Ok(mut guard) = CACHE.lock() {
        *guard = Some((key, Arc::clone(&built)));
    }
    Some(built)
}

/// What the view reads from the Kubernetes side.
struct K8sInputs {
    service_accounts: Vec<ServiceAccount>,
    /// (namespace, name, kind, service account, object index).
    workloads: Vec<(String, String, String, String, usize)>,
    namespaces: BTreeSet<String>,
}

impl K8sInputs {
    fn extract(inv: &Inventory) -> K8sInputs {
        let mut service_accounts = Vec::new();
        let mut workloads = Vec::new();
        let mut namespaces = BTreeSet::new();
        for (i, obj) in inv.objects().iter().enumerate() {
            let ns = namespace_of(obj);
            if obj.is("", "Namespace") {
                namespaces.insert(obj.name.clone());
            } else if let Some(ns) = &obj.namespace {
                namespaces.insert(ns.clone());
            }
            if obj.is("", "ServiceAccount") {
                service_accounts.push(ServiceAccount {
                    namespace: ns.to_owned(),
                    name: obj.name.clone(),
                    object: i,
                    role_arn: obj
                        .annotation(ROLE_ARN_ANNOTATION)
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned),
                });
            } else if let Some(pod) = obj.pod_spec() {
                workloads.push((
                    ns.to_owned(),
                    obj.name.clone(),
                    obj.kind.clone(),
                    pod.service_account().to_owned(),
                    i,
                ));
            }
        }
        K8sInputs {
            service_accounts,
            workloads,
            namespaces,
        }
    }
}

/// The namespace of a namespaced object; `default` when the manifest omits
/// it, as `kubectl apply` without `-n` would place it.
pub fn namespace_of(obj: &Object) -> &str {
    obj.namespace.as_deref().unwrap_or("default")
}

/// Hash of the view's inputs: every field [`K8sInputs::extract`] and
/// [`build`] read, hashed in place (no copies; the pod spec's ServiceAccount
/// fields are read raw). Policy documents are hashed as JSON values; parsing
/// them is what the cache saves.
fn fingerprint(inv: &Inventory, facts: &AwsFacts) -> u64 {
    let mut h = FxHasher::default();
    for (i, obj) in inv.objects().iter().enumerate() {
        if obj.is("", "Namespace") {
            (0u8, i, &obj.name).hash(&mut h);
        } else if obj.is("", "ServiceAccount") {
            (1u8, i, &obj.namespace, &obj.name).hash(&mut h);
            obj.annotation(ROLE_ARN_ANNOTATION).hash(&mut h);
        } else if let Some((spec, _)) = eksguard_core::pod_spec_keys(obj.group(), &obj.kind) {
            (2u8, i, &obj.namespace, &obj.name, &obj.kind).hash(&mut h);
            let spec = spec.iter().try_fold(&obj.raw, |v, k| v.get(*k));
            for field in ["serviceAccountName", "serviceAccount"] {
                spec.and_then(|s| s.get(field))
                    .and_then(Value::as_str)
                    .hash(&mut h);
            }
        } else if let Some(ns) = &obj.namespace {
            (3u8, ns).hash(&mut h);
        }
    }
    facts.account_id.hash(&mut h);
    if let Some(c) = &facts.cluster {
        c.name.hash(&mut h);
        c.arn.hash(&mut h);
        c.oidc_issuer().hash(&mut h);
        node_role_arn(facts).hash(&mut h);
    }
    facts.roles.len().hash(&mut h);
    for r in &facts.roles {
        r.arn.hash(&mut h);
        hash_opt_value(r.assume_role_policy_document.as_ref(), &mut h);
        hash_opt_value(r.permissions_boundary.as_ref(), &mut h);
        for p in &r.attached_policies {
            p.policy_arn.hash(&mut h);
        }
        for p in &r.inline_policies {
            p.policy_name.hash(&mut h);
            hash_value(&p.policy_document, &mut h);
        }
    }
    facts.managed_policies.len().hash(&mut h);
    for (arn, p) in &facts.managed_policies {
        arn.hash(&mut h);
        hash_opt_value(p.document.as_ref(), &mut h);
    }
    facts.pod_identity_associations.len().hash(&mut h);
    for a in &facts.pod_identity_associations {
        (
            &a.cluster_name,
            &a.namespace,
            &a.service_account,
            &a.role_arn,
        )
            .hash(&mut h);
    }
    h.finish()
}

/// `computeConfig.nodeRoleArn` of the cluster.
fn node_role_arn(facts: &AwsFacts) -> Option<&str> {
    facts
        .cluster
        .as_ref()?
        .compute_config
        .as_ref()?
        .node_role_arn
        .as_deref()
}

/// This cluster in the engine's terms, when the facts name its ARN, account
/// and OIDC issuer.
fn cluster_facts(facts: &AwsFacts) -> Option<ClusterFacts> {
    let c = facts.cluster.as_ref()?;
    let account_id = facts
        .account_id
        .clone()
        .or_else(|| c.arn.split(':').nth(4).map(str::to_owned))
        .filter(|a| !a.is_empty())?;
    Some(ClusterFacts {
        account_id,
        oidc_issuer: c.oidc_issuer()?.to_owned(),
        cluster_arn: c.arn.clone(),
    })
}

fn build(k8s: K8sInputs, facts: &AwsFacts) -> Identity {
    let cluster = cluster_facts(facts);
    let mut account = Account::default();
    let mut policy_errors: HashMap<String, Vec<String>> = HashMap::new();
    for (arn, p) in &facts.managed_policies {
        if let Some(doc) = &p.document {
            match Policy::from_value(doc) {
                Ok(policy) => {
                    account.managed_policies.insert(arn.clone(), policy);
                }
                Err(e) => policy_errors
                    .entry(arn.clone())
                    .or_default()
                    .push(format!("managed policy {arn}: {e}")),
            }
        }
    }
    let mut roles = HashMap::new();
    let mut trust = Vec::with_capacity(facts.roles.len());
    for (i, r) in facts.roles.iter().enumerate() {
        let (role, report) = engine_role(r, cluster.as_ref(), &mut policy_errors);
        roles.entry(r.arn.clone()).or_insert(i);
        trust.push(report);
        account.roles.push(role);
    }

    let mut bindings = Vec::new();
    let mut origins = Vec::new();
    for (i, sa) in k8s.service_accounts.iter().enumerate() {
        if let Some(arn) = &sa.role_arn {
            bindings.push(Binding {
                namespace: sa.namespace.clone(),
                service_account: sa.name.clone(),
                role_arn: arn.clone(),
                via: Via::Irsa,
            });
            origins.push(Origin::Annotation(i));
        }
    }
    let cluster_name = facts.cluster.as_ref().map(|c| c.name.as_str());
    for (i, a) in facts.pod_identity_associations.iter().enumerate() {
        let other_cluster =
            matches!((a.cluster_name.as_deref(), cluster_name), (Some(x), Some(y)) if x != y);
        let Some(arn) = a.role_arn.as_deref().filter(|_| !other_cluster) else {
            continue;
        };
        bindings.push(Binding {
            namespace: a.namespace.clone(),
            service_account: a.service_account.clone(),
            role_arn: arn.to_owned(),
            via: Via::PodIdentity,
        });
        origins.push(Origin::Association(i));
    }
    let workloads: Vec<WorkloadEntry> = k8s
        .workloads
        .into_iter()
        .map(
            |(namespace, name, kind, service_account, object)| WorkloadEntry {
                workload: Workload {
                    namespace,
                    name,
                    kind,
                    service_account,
                },
                object,
            },
        )
        .collect();
    let mut bound: HashMap<String, Vec<String>> = HashMap::new();
    let mut bound_sas = HashSet::new();
    for b in &bindings {
        bound.entry(b.role_arn.clone()).or_default().push(format!(
            "{}/{} ({})",
            b.namespace,
            b.service_account,
            b.via.as_str()
        ));
        bound_sas.insert((b.namespace.clone(), b.service_account.clone()));
    }
    for v in bound.values_mut() {
        v.sort();
        v.dedup();
    }
    let mut workload_ids = HashMap::new();
    let mut workloads_by_sa: HashMap<String, HashMap<String, Vec<usize>>> = HashMap::new();
    for (i, w) in workloads.iter().enumerate() {
        workload_ids.entry(w.workload.id()).or_insert(i);
        workloads_by_sa
            .entry(w.workload.namespace.clone())
            .or_default()
            .entry(w.workload.service_account.clone())
            .or_default()
            .push(i);
    }
    let mut sa_index: HashMap<String, HashMap<String, usize>> = HashMap::new();
    for (i, sa) in k8s.service_accounts.iter().enumerate() {
        sa_index
            .entry(sa.namespace.clone())
            .or_default()
            .entry(sa.name.clone())
            .or_insert(i);
    }
    Identity {
        cluster,
        account,
        roles,
        trust,
        policy_errors,
        service_accounts: k8s.service_accounts,
        workloads,
        bindings,
        origins,
        node_role: node_role_arn(facts).map(str::to_owned),
        namespaces: k8s.namespaces,
        workload_ids,
        bound,
        bound_sas,
        sa_index,
        workloads_by_sa,
        blast: OnceLock::new(),
    }
}

/// One collected role in the engine's form, and its trust analysis.
fn engine_role(
    r: &Sourced<IamRole>,
    cluster: Option<&ClusterFacts>,
    errors: &mut HashMap<String, Vec<String>>,
) -> (Role, Option<TrustReport>) {
    let mut role = Role::new(r.arn.clone());
    let mut err = |m: String| errors.entry(r.arn.clone()).or_default().push(m);
    if let Some(doc) = &r.assume_role_policy_document {
        match Policy::from_value(doc) {
            Ok(p) => role.trust = Some(p),
            Err(e) => err(format!("AssumeRolePolicyDocument: {e}")),
        }
    }
    role.managed_policy_arns = r
        .attached_policies
        .iter()
        .map(|p| p.policy_arn.clone())
        .collect();
    for p in &r.inline_policies {
        match Policy::from_value(&p.policy_document) {
            Ok(doc) => role.inline_policies.push((p.policy_name.clone(), doc)),
            Err(e) => err(format!("inline policy {}: {e}", p.policy_name)),
        }
    }
    role.permissions_boundary_arn = r
        .permissions_boundary
        .as_ref()
        .and_then(|b| b.get("PermissionsBoundaryArn"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let report = match (&role.trust, cluster) {
        (Some(t), Some(c)) => Some(analyze_trust(t, c)),
        _ => None,
    };
    (role, report)
}

/// `ObjectRef` of an IAM role.
pub fn role_ref(role: &IamRole) -> ObjectRef {
    ObjectRef {
        api_version: "aws:iam/2010-05-08".into(),
        kind: "AWS::IAM::Role".into(),
        namespace: None,
        name: role.role_name.clone(),
        arn: Some(role.arn.clone()),
    }
}

/// Reports `field` of a role (relative to the `GetRole` `Role` object).
pub fn report_role(
    out: &mut Sink,
    meta: &'static ControlMeta,
    facts: &AwsFacts,
    role: &Sourced<IamRole>,
    field: JsonPath,
    message: String,
    fix: &str,
) {
    // A URL-encoded policy document is one string: the position falls back
    // to it when the field inside has none of its own.
    let location = facts.locate(&role.source, &field);
    out.report_ref(
        meta,
        role_ref(role),
        location,
        field.to_string(),
        message,
        fix,
    );
}

/// Path of statement `index` of the trust policy: `Statement[i]`, or
/// `Statement` when the document holds a single statement object.
pub fn trust_statement_path(role: &IamRole, index: usize) -> JsonPath {
    let base = JsonPath::keys(&["AssumeRolePolicyDocument", "Statement"]);
    let single = role
        .assume_role_policy_document
        .as_ref()
        .and_then(|d| d.get("Statement"))
        .is_some_and(Value::is_object);
    if single { base } else { base.index(index) }
}

/// The most precise field for a trust finding: the condition entry on the
/// `:sub` / `:aud` key, the `Federated` principal, or the statement's
/// `Condition` block.
fn trust_finding_path(
    role: &IamRole,
    trust: Option<&Policy>,
    issuer: &str,
    kind: TrustFindingKind,
    index: usize,
) -> JsonPath {
    let base = trust_statement_path(role, index);
    let st = trust.and_then(|t| t.statements.iter().find(|s| s.index == index));
    let cond_on = |suffix: &str, wildcard_only: bool| {
        let key = format!("{}:{suffix}", issuer.to_ascii_lowercase());
        st.and_then(|st| {
            st.conditions.iter().find(|c| {
                c.key.to_ascii_lowercase() == key && (!wildcard_only || c.operator.uses_wildcards())
            })
        })
        .map(|c| {
            base.clone()
                .key("Condition")
                .key(c.operator_name.clone())
                .key(c.key.clone())
        })
    };
    let condition = || base.clone().key("Condition");
    match kind {
        TrustFindingKind::IrsaSubClusterWildcard | TrustFindingKind::IrsaSubNamespaceWildcard => {
            cond_on("sub", false).unwrap_or_else(condition)
        }
        TrustFindingKind::IrsaStringLikeWithoutWildcard => {
            cond_on("sub", true).unwrap_or_else(condition)
        }
        TrustFindingKind::IrsaAudNotSts => cond_on("aud", false).unwrap_or_else(condition),
        TrustFindingKind::IrsaForeignProvider => base.key("Principal").key("Federated"),
        TrustFindingKind::IrsaSubMissing
        | TrustFindingKind::IrsaAudMissing
        | TrustFindingKind::PodIdentityNoSourceCondition
        | TrustFindingKind::PodIdentityMissingTagSession => condition(),
    }
}

/// Reports every trust finding of `kind` on the scan's roles. `only_used`
/// limits it to roles this cluster uses (bound to one of its
/// ServiceAccounts, or trusting its OIDC provider).
pub fn report_trust_findings(
    inv: &Inventory,
    out: &mut Sink,
    meta: &'static ControlMeta,
    kind: TrustFindingKind,
    only_used: bool,
    fix: &str,
) {
    let (Some(facts), Some(id)) = (inv.aws.as_ref(), identity(inv)) else {
        return;
    };
    let issuer = id.cluster.as_ref().map_or("", |c| c.issuer());
    for (i, role) in facts.roles.iter().enumerate() {
        let Some(report) = id.trust.get(i).and_then(Option::as_ref) else {
            continue;
        };
        let bound = id.bound_to(&role.arn);
        if only_used && bound.is_empty() && !report.irsa.iter().any(|s| s.this_cluster) {
            continue;
        }
        let trust = id.role(&role.arn).and_then(|r| r.trust.as_ref());
        for f in report.findings.iter().filter(|f| f.kind == kind) {
            let field = trust_finding_path(role, trust, issuer, kind, f.statement);
            let users = if bound.is_empty() {
                String::new()
            } else {
                format!(" (bound to {})", bound.join(", "))
            };
            report_role(
                out,
                meta,
                facts,
                role,
                field,
                format!("role {}{users}: {}", role.arn, f.message),
                fix,
            );
        }
    }
}

/// One path as `a -> b -> c`.
pub fn arrow(path: &[String]) -> String {
    path.join(" -> ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use eksguard_core::Source;
    use serde_json::json;

    fn inventory(annotation: &str) -> Inventory {
        let source = Source {
            file: "t.yaml".into(),
            document: 0,
            item: None,
            line: 1,
            column: 1,
        };
        let sa = Object::from_value(
            json!({"apiVersion": "v1", "kind": "ServiceAccount",
                   "metadata": {"name": "app", "namespace": "shop",
                                "annotations": {ROLE_ARN_ANNOTATION: annotation}}}),
            None,
            source,
        )
        .expect("object");
        let mut inv = Inventory::new(vec![sa]);
        let cluster = serde_json::from_value(json!({
            "name": "c", "arn": "arn:aws:eks:eu-west-1:111122223333:cluster/c",
            "identity": {"oidc": {"issuer": "https://oidc.eks.eu-west-1.amazonaws.com/id/X"}}
        }))
        .expect("cluster");
        inv.aws = Some(AwsFacts {
            cluster: Some(Sourced {
                item: cluster,
                source: eksguard_core::aws::AwsSource {
                    origin: "eks/describe-cluster.json".into(),
                    path: JsonPath::root(),
                },
            }),
            ..Default::default()
        });
        inv
    }

    #[test]
    fn the_view_is_shared_within_a_scan_and_rebuilt_for_other_inputs() {
        let a = inventory("arn:aws:iam::111122223333:role/a");
        let first = identity(&a).expect("view");
        let again = identity(&a).expect("view");
        assert!(Arc::ptr_eq(&first, &again), "same inputs reuse the view");
        assert_eq!(
            first.bindings[0].role_arn,
            "arn:aws:iam::111122223333:role/a"
        );
        assert_eq!(
            first.cluster.as_ref().map(|c| c.account_id.as_str()),
            Some("111122223333"),
            "account taken from the cluster ARN when STS is absent"
        );

        let b = inventory("arn:aws:iam::111122223333:role/b");
        let other = identity(&b).expect("view");
        assert!(!Arc::ptr_eq(&first, &other), "other inputs rebuild");
        assert_eq!(
            other.bindings[0].role_arn,
            "arn:aws:iam::111122223333:role/b"
        );

        let mut none = inventory("x");
        none.aws = None;
        assert!(identity(&none).is_none());
    }
}
