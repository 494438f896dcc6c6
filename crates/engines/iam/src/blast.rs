//! Blast radius: for each workload, the roles its ServiceAccount can reach,
//! what those roles may do (expanded through the action catalog), which of
//! it is privilege escalation or broad data power, and the path from the pod
//! to the granting statement.
//!
//! The result is an upper bound on what an attacker who controls the pod can
//! do: Allow statements count even when they carry conditions (marked
//! `conditional`), while a Deny only removes actions when it is
//! unconditional and applies to every resource. Resource-based policies,
//! SCPs and session policies are not considered.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

use crate::catalog::{BitSet, Catalog, catalog};
use crate::eval::Evaluator;
use crate::policy::{Effect, Matcher, Policy};
use crate::risk::{RULES, RiskKind, RiskRule};
use crate::trust::{ClusterFacts, irsa_trusts, pod_identity_trusts};
use eksguard_core::Severity;

/// How a workload obtains a role's credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Via {
    Irsa,
    PodIdentity,
    NodeRole,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Irsa => "irsa",
            Via::PodIdentity => "pod-identity",
            Via::NodeRole => "node-role",
        }
    }
}

/// Which credentials the default AWS SDK chain picks when a pod has several.
///
/// The SDKs search, in order: environment keys, shared config, the web
/// identity token (`AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN`, set by the
/// IRSA webhook), the container credential provider
/// (`AWS_CONTAINER_CREDENTIALS_FULL_URI`, set for EKS Pod Identity), then
/// IMDS (the node role). Sources: AWS SDKs and Tools Reference Guide,
/// "Understand the credential provider chain"; aws-config
/// `DefaultCredentialsChain` resolution order; Amazon EKS User Guide,
/// "Understand how EKS Pod Identity works" (Pod Identity is served by the
/// container credential provider step). So IRSA wins over Pod Identity, and
/// either wins over the node role. An attacker in the pod can still use the
/// others directly.
pub fn default_credentials(irsa: bool, pod_identity: bool, node_role: bool) -> Option<Via> {
    if irsa {
        Some(Via::Irsa)
    } else if pod_identity {
        Some(Via::PodIdentity)
    } else if node_role {
        Some(Via::NodeRole)
    } else {
        None
    }
}

/// An IAM role with its policies.
#[derive(Debug, Clone)]
pub struct Role {
    pub arn: String,
    /// The trust (assume-role) policy.
    pub trust: Option<Policy>,
    /// Attached managed policy ARNs, resolved through
    /// [`Account::managed_policies`].
    pub managed_policy_arns: Vec<String>,
    /// Inline policies by name.
    pub inline_policies: Vec<(String, Policy)>,
    pub permissions_boundary_arn: Option<String>,
}

impl Role {
    pub fn new(arn: impl Into<String>) -> Role {
        Role {
            arn: arn.into(),
            trust: None,
            managed_policy_arns: Vec::new(),
            inline_policies: Vec::new(),
            permissions_boundary_arn: None,
        }
    }
}

/// The AWS side: roles and the default versions of managed policies.
#[derive(Debug, Clone, Default)]
pub struct Account {
    pub roles: Vec<Role>,
    /// Managed policy ARN → default version document (AWS-managed and
    /// customer-managed alike).
    pub managed_policies: HashMap<String, Policy>,
}

impl Account {
    /// The role with this ARN.
    pub fn role(&self, arn: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.arn == arn)
    }

    /// An [`Evaluator`] over the role's identity policies (attached managed
    /// policies found in [`Account::managed_policies`], then inline
    /// policies, in that order for [`crate::PolicySource::Identity`]
    /// indexes) and its permissions boundary, for precise questions such as
    /// "may this role call `kms:Decrypt` on that key with this context?".
    /// Managed policies missing from the input are skipped.
    pub fn evaluator(&self, role_arn: &str) -> Option<Evaluator<'_>> {
        let role = self.role(role_arn)?;
        let managed = role
            .managed_policy_arns
            .iter()
            .filter_map(|a| self.managed_policies.get(a));
        let inline = role.inline_policies.iter().map(|(_, p)| p);
        let ev = Evaluator::new(managed.chain(inline));
        Some(
            match role
                .permissions_boundary_arn
                .as_ref()
                .and_then(|b| self.managed_policies.get(b))
            {
                Some(b) => ev.with_boundary(b),
                None => ev,
            },
        )
    }
}

/// A workload (Deployment, StatefulSet, bare Pod, …) and its ServiceAccount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload {
    pub namespace: String,
    pub name: String,
    pub kind: String,
    pub service_account: String,
}

impl Workload {
    /// `ns/name[Kind]`.
    pub fn id(&self) -> String {
        format!("{}/{}[{}]", self.namespace, self.name, self.kind)
    }
}

/// A ServiceAccount → role binding: an IRSA annotation
/// (`eks.amazonaws.com/role-arn`) or a Pod Identity association.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub namespace: String,
    pub service_account: String,
    pub role_arn: String,
    pub via: Via,
}

/// Whether a binding actually delivers the role's credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BindingStatus {
    Ok,
    /// The role ARN is not among the account's roles.
    RoleMissing,
    /// The role has no trust policy in the input.
    NoTrustPolicy,
    /// The trust policy does not admit this ServiceAccount through this
    /// binding's mechanism (broken IRSA / Pod Identity).
    NotTrusted,
}

impl BindingStatus {
    /// A one-line explanation for reports, `None` when the binding works.
    pub fn explain(self, b: &Binding) -> Option<String> {
        let (ns, sa) = (&b.namespace, &b.service_account);
        match (self, b.via) {
            (BindingStatus::Ok, _) => None,
            (BindingStatus::RoleMissing, _) => {
                Some(format!("role {} does not exist in the account", b.role_arn))
            }
            (BindingStatus::NoTrustPolicy, _) => {
                Some("role has no trust policy in the input".into())
            }
            (BindingStatus::NotTrusted, Via::Irsa) => Some(format!(
                "broken IRSA: the trust policy does not admit system:serviceaccount:{ns}:{sa} from this \
                 cluster's OIDC provider; pods fall back to the node role"
            )),
            (BindingStatus::NotTrusted, Via::PodIdentity) => Some(format!(
                "broken Pod Identity: the trust policy does not allow pods.eks.amazonaws.com \
                 sts:AssumeRole and sts:TagSession for {ns}/{sa} in this cluster"
            )),
            (BindingStatus::NotTrusted, Via::NodeRole) => Some("node role is not assumable".into()),
        }
    }
}

/// Checks one binding against the role's trust policy: IRSA with
/// [`irsa_trusts`], Pod Identity with [`pod_identity_trusts`]. Node-role
/// bindings only need the role to exist.
pub fn binding_status(role: Option<&Role>, facts: &ClusterFacts, b: &Binding) -> BindingStatus {
    let Some(role) = role else {
        return BindingStatus::RoleMissing;
    };
    if b.via == Via::NodeRole {
        return BindingStatus::Ok;
    }
    let Some(trust) = &role.trust else {
        return BindingStatus::NoTrustPolicy;
    };
    let ok = match b.via {
        Via::Irsa => irsa_trusts(trust, facts, &b.namespace, &b.service_account),
        _ => pod_identity_trusts(trust, facts, Some((&b.namespace, &b.service_account))),
    };
    if ok {
        BindingStatus::Ok
    } else {
        BindingStatus::NotTrusted
    }
}

/// Everything blast radius needs.
#[derive(Debug, Clone, Copy)]
pub struct BlastInput<'a> {
    /// When set, IRSA and Pod Identity bindings are checked against the
    /// role's trust policy; otherwise every binding is taken as working.
    pub facts: Option<&'a ClusterFacts>,
    pub account: &'a Account,
    pub workloads: &'a [Workload],
    pub bindings: &'a [Binding],
    /// The node role; listed for workloads with no working IRSA/Pod
    /// Identity binding (they get it from IMDS).
    pub node_role_arn: Option<&'a str>,
}

/// Where a permission comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    /// `service:Action`.
    pub action: String,
    /// Managed policy ARN, or `inline:NAME`.
    pub policy: String,
    pub statement: usize,
    pub sid: Option<String>,
    /// `Resource` patterns (prefixed `not:` for `NotResource`).
    pub resources: Vec<String>,
    /// The statement has conditions, so the grant may not always apply.
    pub conditional: bool,
}

/// A risk rule that a role satisfies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RiskHit {
    pub rule: &'static str,
    pub kind: RiskKind,
    pub severity: Severity,
    pub summary: &'static str,
    pub source: &'static str,
    pub grants: Vec<Grant>,
}

/// What one role may do, computed once and shared by every workload that
/// reaches it.
#[derive(Debug, Clone)]
pub struct RoleAccess {
    pub arn: String,
    /// False when the ARN is not among the account's roles.
    pub exists: bool,
    /// Catalogued actions allowed (on some resource); see
    /// [`RoleAccess::allowed_actions`].
    allowed: BitSet,
    /// `allowed` grouped by service, built on first use.
    grouped: OnceLock<BTreeMap<&'static str, Vec<&'static str>>>,
    /// Number of catalogued actions allowed.
    pub allowed_count: usize,
    /// Literal actions granted that the catalog does not know.
    pub uncatalogued_actions: Vec<String>,
    /// `iam:*` (or `*`) on every resource.
    pub admin_equivalent: bool,
    pub escalation: Vec<RiskHit>,
    pub data_power: Vec<RiskHit>,
    /// Attached managed policies (and boundary) missing from the input.
    pub missing_policies: Vec<String>,
}

impl RoleAccess {
    /// Is the catalogued action `service:Name` allowed (on some resource)?
    pub fn allows(&self, action: &str) -> bool {
        catalog()
            .index_of(action)
            .is_some_and(|i| self.allowed.get(i))
    }

    /// Allowed catalogued actions grouped by service prefix; a service whose
    /// every catalogued action is allowed is given as `["*"]`. Built on
    /// demand (once) because it is only needed for output.
    pub fn allowed_actions(&self) -> &BTreeMap<&'static str, Vec<&'static str>> {
        self.grouped.get_or_init(|| self.group())
    }

    fn group(&self) -> BTreeMap<&'static str, Vec<&'static str>> {
        let cat: &'static Catalog = catalog();
        let acts = cat.actions();
        let mut grouped = BTreeMap::new();
        if self.allowed_count == 0 {
            return grouped;
        }
        for (svc, lo, hi) in cat.service_list() {
            let k = self.allowed.count_range(*lo, *hi);
            if k == 0 {
                continue;
            }
            let names = if k == hi - lo {
                vec!["*"]
            } else {
                (*lo..*hi)
                    .filter(|&i| self.allowed.get(i))
                    .map(|i| acts[i].name.as_str())
                    .collect()
            };
            grouped.insert(svc.as_str(), names);
        }
        grouped
    }
}

/// One role a workload can reach.
#[derive(Debug, Clone)]
pub struct RoleReach {
    pub arn: String,
    pub via: Via,
    /// False for broken bindings: the role is missing or its trust policy
    /// does not admit this ServiceAccount / this cluster.
    pub assumable: bool,
    /// This is the role the default SDK credential chain uses (see
    /// [`default_credentials`]).
    pub default_credentials: bool,
    /// Why the binding is broken, if it is.
    pub note: Option<String>,
    /// `workload:…`, `service-account:…`, `via:…`, `role:…`; each grant
    /// continues it with its policy and statement.
    pub path: Vec<String>,
    pub access: Arc<RoleAccess>,
}

impl RoleReach {
    /// The full path for one grant: Pod → ServiceAccount → via → Role →
    /// Policy → Statement.
    pub fn full_path(&self, g: &Grant) -> Vec<String> {
        let mut p = self.path.clone();
        p.push(format!("policy:{}", g.policy));
        p.push(match &g.sid {
            Some(sid) => format!("statement:{} ({sid})", g.statement),
            None => format!("statement:{}", g.statement),
        });
        p
    }
}

impl Serialize for RoleReach {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let a = &*self.access;
        let live = self.assumable;
        let empty = BTreeMap::new();
        let allowed = if live { a.allowed_actions() } else { &empty };
        let mut st = s.serialize_struct("RoleReach", 12)?;
        st.serialize_field("arn", &self.arn)?;
        st.serialize_field("via", &self.via)?;
        st.serialize_field("assumable", &self.assumable)?;
        st.serialize_field("default_credentials", &self.default_credentials)?;
        st.serialize_field("note", &self.note)?;
        st.serialize_field("admin_equivalent", &(live && a.admin_equivalent))?;
        st.serialize_field("allowed_actions", allowed)?;
        st.serialize_field(
            "uncatalogued_actions",
            if live {
                &a.uncatalogued_actions[..]
            } else {
                &[]
            },
        )?;
        st.serialize_field(
            "escalation_actions",
            if live { &a.escalation[..] } else { &[] },
        )?;
        st.serialize_field(
            "data_power_actions",
            if live { &a.data_power[..] } else { &[] },
        )?;
        st.serialize_field("missing_policies", &a.missing_policies)?;
        st.serialize_field("path", &self.path)?;
        st.end()
    }
}

/// Blast radius of one workload.
#[derive(Debug, Clone, Serialize)]
pub struct WorkloadBlast {
    /// `ns/name[Kind]`.
    pub workload: String,
    /// ServiceAccount name (in the workload's namespace).
    pub service_account: String,
    pub roles: Vec<RoleReach>,
}

impl WorkloadBlast {
    /// Highest severity among assumable roles' escalation hits, or
    /// `Critical` for admin-equivalent roles. Drives scan findings.
    pub fn worst_escalation(&self) -> Option<Severity> {
        self.roles
            .iter()
            .filter(|r| r.assumable)
            .flat_map(|r| {
                let admin = r.access.admin_equivalent.then_some(Severity::Critical);
                r.access.escalation.iter().map(|h| h.severity).chain(admin)
            })
            .max()
    }
}

/// Computes the blast radius of every workload, sorted by workload id.
pub fn blast_radius(input: &BlastInput<'_>) -> Vec<WorkloadBlast> {
    let mut engine = Engine::new(input.account);
    let mut by_sa: HashMap<(&str, &str), Vec<&Binding>> = HashMap::new();
    for b in input.bindings {
        by_sa
            .entry((b.namespace.as_str(), b.service_account.as_str()))
            .or_default()
            .push(b);
    }
    // Roles reachable per ServiceAccount do not depend on the workload, so
    // they are computed once per ServiceAccount (paths are filled per
    // workload).
    let mut sa_cache: HashMap<(&str, &str), Vec<RoleReach>> = HashMap::new();
    let mut out = Vec::with_capacity(input.workloads.len());
    for w in input.workloads {
        let key = (w.namespace.as_str(), w.service_account.as_str());
        let reaches = sa_cache
            .entry(key)
            .or_insert_with(|| engine.reach_for_sa(input, by_sa.get(&key)));
        let id = w.id();
        let roles = reaches
            .iter()
            .map(|r| {
                let mut r = r.clone();
                r.path = vec![
                    format!("workload:{id}"),
                    format!("service-account:{}/{}", w.namespace, w.service_account),
                    format!("via:{}", r.via.as_str()),
                    format!("role:{}", r.arn),
                ];
                r
            })
            .collect();
        out.push(WorkloadBlast {
            workload: id,
            service_account: w.service_account.clone(),
            roles,
        });
    }
    out.sort_by(|a, b| a.workload.cmp(&b.workload));
    out
}

/// Computes what one role may do (no workload context).
pub fn role_access(account: &Account, role_arn: &str) -> RoleAccess {
    let mut e = Engine::new(account);
    (*e.access(role_arn)).clone()
}

/// A compiled statement of a role's policy.
struct CStmt {
    policy: usize,
    index: usize,
    sid: Option<String>,
    effect: Effect,
    bits: usize,
    broad: bool,
    every_resource: bool,
    conditional: bool,
    resources: Vec<String>,
}

struct Engine<'a> {
    cat: &'static Catalog,
    account: &'a Account,
    roles: HashMap<&'a str, &'a Role>,
    /// Action-list key → index into `sets`.
    set_ids: HashMap<String, usize>,
    sets: Vec<BitSet>,
    /// Lowercased single action pattern → its expansion.
    pattern_sets: HashMap<String, BitSet>,
    /// Per managed-policy ARN (or inline `role\0name`) compiled statements.
    policy_cache: HashMap<String, Arc<Vec<CStmt>>>,
    access_cache: HashMap<String, Arc<RoleAccess>>,
    iam_range: Option<(usize, usize)>,
}

impl<'a> Engine<'a> {
    fn new(account: &'a Account) -> Engine<'a> {
        let cat = catalog();
        Engine {
            cat,
            account,
            roles: account.roles.iter().map(|r| (r.arn.as_str(), r)).collect(),
            set_ids: HashMap::new(),
            sets: Vec::new(),
            pattern_sets: HashMap::new(),
            policy_cache: HashMap::new(),
            access_cache: HashMap::new(),
            iam_range: cat.service_range("iam"),
        }
    }

    fn reach_for_sa(
        &mut self,
        input: &BlastInput<'_>,
        bindings: Option<&Vec<&Binding>>,
    ) -> Vec<RoleReach> {
        let mut reaches = Vec::new();
        let mut bs: Vec<&Binding> = bindings.cloned().unwrap_or_default();
        bs.sort_by(|a, b| (a.via, &a.role_arn).cmp(&(b.via, &b.role_arn)));
        bs.dedup_by(|a, b| a.via == b.via && a.role_arn == b.role_arn);
        for b in bs {
            let role = self.roles.get(b.role_arn.as_str()).copied();
            let status = match input.facts {
                Some(facts) => binding_status(role, facts, b),
                None if role.is_some() => BindingStatus::Ok,
                None => BindingStatus::RoleMissing,
            };
            let assumable = status == BindingStatus::Ok;
            let note = status.explain(b);
            let access = self.access(&b.role_arn);
            reaches.push(RoleReach {
                arn: b.role_arn.clone(),
                via: b.via,
                assumable,
                default_credentials: false,
                note,
                path: Vec::new(),
                access,
            });
        }
        fn has(reaches: &[RoleReach], v: Via) -> bool {
            reaches.iter().any(|r| r.via == v && r.assumable)
        }
        let (irsa, pid) = (has(&reaches, Via::Irsa), has(&reaches, Via::PodIdentity));
        if !irsa
            && !pid
            && !has(&reaches, Via::NodeRole)
            && let Some(node) = input.node_role_arn
        {
            let access = self.access(node);
            reaches.push(RoleReach {
                arn: node.to_string(),
                via: Via::NodeRole,
                assumable: access.exists,
                default_credentials: false,
                note: (!access.exists)
                    .then(|| "node role does not exist in the account".to_string()),
                path: Vec::new(),
                access,
            });
        }
        let winner = default_credentials(irsa, pid, has(&reaches, Via::NodeRole));
        if let Some(w) = winner
            && let Some(r) = reaches.iter_mut().find(|r| r.via == w && r.assumable)
        {
            r.default_credentials = true;
        }
        reaches
    }

    /// The action set of an `Action`/`NotAction` element, cached by the
    /// element's text; each pattern's expansion is cached separately, since
    /// the same `service:Verb*` recurs across many different statements.
    fn set_for(&mut self, m: &Matcher) -> usize {
        let mut key = String::from(if m.negated { "!" } else { "=" });
        for p in &m.patterns {
            key.push_str(p);
            key.push('\n');
        }
        key.make_ascii_lowercase();
        if let Some(&i) = self.set_ids.get(&key) {
            return i;
        }
        let mut bits = BitSet::new(self.cat.len());
        for p in &m.patterns {
            let lower = p.to_ascii_lowercase();
            let cat = self.cat;
            let one = self
                .pattern_sets
                .entry(lower)
                .or_insert_with_key(|k| cat.expand_bits(k));
            bits.union_with(one);
        }
        if m.negated {
            bits = bits.complement();
        }
        self.sets.push(bits);
        let i = self.sets.len() - 1;
        self.set_ids.insert(key, i);
        i
    }

    fn compile(&mut self, policy_idx: usize, p: &Policy) -> Vec<CStmt> {
        let mut out = Vec::with_capacity(p.statements.len());
        for st in &p.statements {
            let Some(actions) = &st.actions else { continue };
            let bits = self.set_for(actions);
            let (broad, every_resource, resources) = match &st.resources {
                None => (true, true, vec!["*".to_string()]),
                Some(r) if r.negated => (
                    true,
                    false,
                    r.patterns.iter().map(|p| format!("not:{p}")).collect(),
                ),
                Some(r) => (
                    r.patterns.iter().any(|p| covers_all_of_type(p)),
                    r.is_everything(),
                    r.patterns.clone(),
                ),
            };
            out.push(CStmt {
                policy: policy_idx,
                index: st.index,
                sid: st.sid.clone(),
                effect: st.effect,
                bits,
                broad,
                every_resource,
                conditional: !st.conditions.is_empty(),
                resources,
            });
        }
        out
    }

    fn access(&mut self, arn: &str) -> Arc<RoleAccess> {
        if let Some(a) = self.access_cache.get(arn) {
            return Arc::clone(a);
        }
        let a = Arc::new(self.compute(arn));
        self.access_cache.insert(arn.to_string(), Arc::clone(&a));
        a
    }

    /// Compiled statements of a managed policy, cached by ARN; the policy
    /// index differs per role and is re-tagged on use.
    fn policy_stmts(&mut self, key: &str, policy_idx: usize, p: &Policy) -> Vec<CStmt> {
        if !self.policy_cache.contains_key(key) {
            let c = Arc::new(self.compile(policy_idx, p));
            self.policy_cache.insert(key.to_string(), c);
        }
        self.policy_cache.get(key).map_or_else(Vec::new, |c| {
            c.iter()
                .map(|s| CStmt {
                    policy: policy_idx,
                    ..clone_stmt(s)
                })
                .collect()
        })
    }

    fn compute(&mut self, arn: &str) -> RoleAccess {
        let n = self.cat.len();
        let Some(role) = self.roles.get(arn).copied() else {
            return RoleAccess {
                arn: arn.to_string(),
                exists: false,
                allowed: BitSet::new(0),
                grouped: OnceLock::new(),
                allowed_count: 0,
                uncatalogued_actions: Vec::new(),
                admin_equivalent: false,
                escalation: Vec::new(),
                data_power: Vec::new(),
                missing_policies: Vec::new(),
            };
        };
        let account = self.account;
        let mut labels: Vec<String> = Vec::new();
        let mut stmts: Vec<CStmt> = Vec::new();
        let mut missing = Vec::new();
        let mut uncatalogued = Vec::new();
        let mut docs: Vec<&Policy> = Vec::new();
        for m in &role.managed_policy_arns {
            match account.managed_policies.get(m) {
                Some(p) => {
                    labels.push(m.clone());
                    docs.push(p);
                    let c = self.policy_stmts(m, labels.len() - 1, p);
                    stmts.extend(c);
                }
                None => missing.push(m.clone()),
            }
        }
        for (name, p) in &role.inline_policies {
            labels.push(format!("inline:{name}"));
            docs.push(p);
            let c = self.compile(labels.len() - 1, p);
            stmts.extend(c);
        }
        for p in &docs {
            for st in p.statements.iter().filter(|s| s.effect == Effect::Allow) {
                if let Some(a) = &st.actions
                    && !a.negated
                {
                    for g in &a.patterns {
                        if !g.contains(['*', '?']) && self.cat.get(g).is_none() {
                            uncatalogued.push(g.clone());
                        }
                    }
                }
            }
        }
        uncatalogued.sort();
        uncatalogued.dedup();

        let mut allowed = BitSet::new(n);
        let mut allowed_star = BitSet::new(n);
        let mut denied = BitSet::new(n);
        for s in &stmts {
            let bits = &self.sets[s.bits];
            match s.effect {
                Effect::Allow => {
                    allowed.union_with(bits);
                    if s.broad {
                        allowed_star.union_with(bits);
                    }
                }
                Effect::Deny if !s.conditional && s.every_resource => denied.union_with(bits),
                Effect::Deny => {}
            }
        }
        allowed.subtract(&denied);
        allowed_star.subtract(&denied);

        if let Some(b) = &role.permissions_boundary_arn {
            match account.managed_policies.get(b) {
                Some(p) => {
                    let c = self.compile(usize::MAX, p);
                    let mut cap = BitSet::new(n);
                    let mut cap_star = BitSet::new(n);
                    let mut bden = BitSet::new(n);
                    for s in &c {
                        let bits = &self.sets[s.bits];
                        match s.effect {
                            Effect::Allow => {
                                cap.union_with(bits);
                                if s.broad {
                                    cap_star.union_with(bits);
                                }
                            }
                            Effect::Deny if !s.conditional && s.every_resource => {
                                bden.union_with(bits)
                            }
                            Effect::Deny => {}
                        }
                    }
                    cap.subtract(&bden);
                    cap_star.subtract(&bden);
                    allowed.intersect_with(&cap);
                    allowed_star.intersect_with(&cap_star);
                    // Uncatalogued literal grants are kept only if the
                    // boundary allows everything; we cannot tell otherwise.
                    if cap.count() != n {
                        uncatalogued.clear();
                    }
                }
                None => missing.push(b.clone()),
            }
        }

        let admin_equivalent = match self.iam_range {
            Some((lo, hi)) if hi > lo => (lo..hi).all(|i| allowed_star.get(i)),
            _ => false,
        };

        let mut escalation = Vec::new();
        let mut data_power = Vec::new();
        for rule in RULES {
            if let Some(hit) = self.check_rule(rule, &allowed, &allowed_star, &stmts, &labels) {
                match rule.kind {
                    RiskKind::Escalation => escalation.push(hit),
                    RiskKind::DataPower => data_power.push(hit),
                }
            }
        }

        let allowed_count = allowed.count();
        missing.sort();
        missing.dedup();
        RoleAccess {
            arn: arn.to_string(),
            exists: true,
            allowed,
            grouped: OnceLock::new(),
            allowed_count,
            uncatalogued_actions: uncatalogued,
            admin_equivalent,
            escalation,
            data_power,
            missing_policies: missing,
        }
    }

    fn check_rule(
        &self,
        rule: &RiskRule,
        allowed: &BitSet,
        allowed_star: &BitSet,
        stmts: &[CStmt],
        labels: &[String],
    ) -> Option<RiskHit> {
        let mut grants = Vec::new();
        for a in rule.actions {
            let i = self.cat.index_of(a)?;
            let need_star = rule.on_any_resource.contains(a);
            let ok = if need_star {
                allowed_star.get(i)
            } else {
                allowed.get(i)
            };
            if !ok {
                return None;
            }
            let s = stmts.iter().find(|s| {
                s.effect == Effect::Allow && (!need_star || s.broad) && self.sets[s.bits].get(i)
            })?;
            grants.push(Grant {
                action: self.cat.actions()[i].full_name(),
                policy: labels.get(s.policy).cloned().unwrap_or_default(),
                statement: s.index,
                sid: s.sid.clone(),
                resources: s.resources.clone(),
                conditional: s.conditional,
            });
        }
        Some(RiskHit {
            rule: rule.id,
            kind: rule.kind,
            severity: rule.severity,
            summary: rule.summary,
            source: rule.source,
            grants,
        })
    }
}

fn clone_stmt(s: &CStmt) -> CStmt {
    CStmt {
        sid: s.sid.clone(),
        resources: s.resources.clone(),
        ..*s
    }
}

/// Does a `Resource` pattern cover every resource of its type, so that a
/// grant on it is as good as `*` for risk purposes? True for `*` and for
/// ARNs whose resource part is only wildcards after an optional resource-type
/// prefix: `arn:aws:iam::*:role/*`, `arn:aws:s3:::*/*`,
/// `arn:aws:kms:*:*:key/*`, `arn:aws:secretsmanager:*:*:secret:*`. S3 ARNs
/// have no type prefix (`arn:aws:s3:::bucket/*` is one bucket).
fn covers_all_of_type(p: &str) -> bool {
    if p == "*" {
        return true;
    }
    let parts: Vec<&str> = p.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" {
        return false;
    }
    let mut res = parts[5];
    if parts[2] != "s3"
        && let Some(i) = res.find(['/', ':'])
        && res[..i]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && i > 0
    {
        res = &res[i + 1..];
    }
    !res.is_empty() && res.contains('*') && res.bytes().all(|b| matches!(b, b'*' | b'/' | b':'))
}

#[cfg(test)]
mod tests {
    use super::covers_all_of_type;

    #[test]
    fn resource_breadth() {
        for p in [
            "*",
            "arn:aws:iam::111122223333:role/*",
            "arn:aws:iam::*:*",
            "arn:aws:s3:::*",
            "arn:aws:s3:::*/*",
            "arn:aws:kms:*:*:key/*",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:*",
            "arn:aws:ssm:*:*:parameter/*",
            "arn:aws:rds-db:*:*:dbuser:*/*",
        ] {
            assert!(covers_all_of_type(p), "{p}");
        }
        for p in [
            "arn:aws:iam::111122223333:role/app-*",
            "arn:aws:iam::111122223333:role/app",
            "arn:aws:s3:::bucket/*",
            "arn:aws:s3:::bucket",
            "arn:aws:kms:us-east-1:111122223333:key/1234abcd-*",
            "arn:aws:secretsmanager:*:*:secret:prod/*",
            "not-an-arn",
            "arn:aws:iam::111122223333:role/",
        ] {
            assert!(!covers_all_of_type(p), "{p}");
        }
    }
}
