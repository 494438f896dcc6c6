//! Snapshot documents: the JSON the `aws` CLI prints, one file per call, in a
//! fixed layout. Live collection produces the same documents in memory, so
//! the live path and the offline path share one reader.

use crate::error::SnapshotError;
use eksguard_core::JsonPath;
use eksguard_core::aws::{
    AccessEntry, Addon, AssociatedAccessPolicy, AttachedPolicy, AwsFacts, AwsSource,
    CallerIdentity, ClusterVersionInfo, CollectionGap, EbsEncryptionByDefault, EksCluster,
    FailureClass, FargateProfile, GuardDutyDetector, IamRole, InlinePolicy, KeyRotation, KmsKey,
    LaunchTemplateVersion, LogGroup, ManagedPolicy, Nodegroup, OidcProvider,
    PodIdentityAssociation, SecurityGroup, Sourced, decode_policy_document,
};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

/// The file whose presence makes a directory a snapshot. `eksguard-files`
/// keeps the same constant to skip snapshot directories when it looks for
/// manifests.
pub const MARKER: &str = "eks/describe-cluster.json";

/// The optional index file: format version, cluster, region, collection time
/// and the calls that failed.
pub const INDEX: &str = "snapshot.json";

/// The format name written to [`INDEX`].
pub const FORMAT: &str = "eksguard-aws-snapshot/1";

/// One call's output, as the `aws` CLI prints it.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Path inside the snapshot, `/`-separated (e.g. `eks/describe-cluster.json`).
    pub path: String,
    /// IAM action of the call that produced it (e.g. `eks:DescribeCluster`).
    pub action: &'static str,
    pub value: Value,
}

/// A whole snapshot in memory: what [`crate::write`] writes and
/// [`Documents::to_facts`] reads.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Documents {
    pub docs: Vec<Document>,
    pub gaps: Vec<CollectionGap>,
    /// `YYYY-MM-DDTHH:MM:SSZ` of collection, when known.
    pub collected_at: Option<String>,
    /// The region the calls went to (live collection).
    pub region: Option<String>,
}

impl Documents {
    /// Builds the facts; `live` names sources after the API call rather
    /// than the file.
    pub fn to_facts(&self, live: bool) -> (AwsFacts, Vec<SnapshotError>) {
        let mut b = Builder::default();
        for d in &self.docs {
            let origin: Arc<str> = if live {
                format!("live:{}", d.action).into()
            } else {
                d.path.clone().into()
            };
            b.add(&d.path, origin, &d.value);
        }
        let seen = std::mem::take(&mut b.seen);
        let (mut facts, errors) = b.finish();
        facts.gaps = self.gaps.clone();
        add_not_collected(&mut facts, &seen);
        (facts, errors)
    }

    /// The principal the documents were collected as.
    pub fn identity(&self) -> Option<CallerIdentity> {
        let d = self
            .docs
            .iter()
            .find(|d| d.path == "sts/get-caller-identity.json")?;
        serde_json::from_value(d.value.clone()).ok()
    }

    /// The index file's content: what wrote it and when, what was
    /// collected as whom, and every call that failed (in AWS's words), so a
    /// scan of the snapshot reports the same not-checked controls a live
    /// scan would.
    pub fn index(&self, cluster: &str, region: Option<&str>) -> Value {
        let gaps: Vec<Value> = self.gaps.iter().map(gap_json).collect();
        let mut index = serde_json::json!({
            "format": FORMAT,
            "eksguardVersion": env!("CARGO_PKG_VERSION"),
            "cluster": cluster,
        });
        if let Some(r) = region.or(self.region.as_deref()) {
            index["region"] = r.into();
        }
        if let Some(id) = self.identity() {
            if let Some(a) = &id.account {
                index["account"] = a.clone().into();
            }
            let mut who = serde_json::Map::new();
            for (k, v) in [
                ("Account", &id.account),
                ("Arn", &id.arn),
                ("UserId", &id.user_id),
            ] {
                if let Some(v) = v {
                    who.insert(k.into(), v.clone().into());
                }
            }
            index["identity"] = who.into();
        }
        if let Some(t) = &self.collected_at {
            index["collectedAt"] = t.clone().into();
        }
        index["gaps"] = gaps.into();
        index
    }
}

/// A gap as `snapshot.json` records it.
fn gap_json(g: &CollectionGap) -> Value {
    let mut v = serde_json::json!({
        "action": g.action,
        "what": g.what,
        "class": g.class.as_str(),
        "code": g.code,
        "message": g.message,
    });
    if let Some(s) = g.status {
        v["status"] = s.into();
    }
    if let Some(id) = &g.request_id {
        v["requestId"] = id.clone().into();
    }
    if let Some(by) = &g.denied_by {
        v["deniedBy"] = by.clone().into();
    }
    v
}

/// Listings a snapshot of this eksguard always holds (the call's answer or
/// its gap). One missing without a gap was never collected (an older
/// eksguard, or a snapshot written by hand): the controls that need it
/// are reported not checked rather than passed.
const LISTINGS: &[(&str, &str, &str)] = &[
    (
        "eks/list-nodegroups.json",
        "eks:ListNodegroups",
        "managed node groups of cluster",
    ),
    (
        "eks/list-fargate-profiles.json",
        "eks:ListFargateProfiles",
        "Fargate profiles of cluster",
    ),
    (
        "eks/list-addons.json",
        "eks:ListAddons",
        "add-ons of cluster",
    ),
];

fn add_not_collected(facts: &mut AwsFacts, seen: &BTreeSet<String>) {
    let Some(name) = facts.cluster.as_ref().map(|c| c.name.clone()) else {
        return;
    };
    for (file, action, what) in LISTINGS {
        if !seen.contains(*file) && !facts.gaps.iter().any(|g| g.action == *action) {
            facts.gaps.push(CollectionGap {
                action: (*action).to_owned(),
                what: format!("{what} {name}"),
                message: format!("the snapshot has no {file}"),
                class: FailureClass::NotCollected,
                ..Default::default()
            });
        }
    }
}

/// Reads a snapshot directory. Per-file problems are returned beside the
/// facts (the rest of the snapshot is still used); a directory without
/// [`MARKER`] is an error.
pub fn read_dir(dir: &Path) -> Result<(AwsFacts, Vec<SnapshotError>), SnapshotError> {
    if !crate::is_snapshot(dir) {
        return Err(SnapshotError::NotASnapshot {
            dir: dir.display().to_string(),
        });
    }
    let mut files = Vec::new();
    list_json(dir, dir, &mut files).map_err(|e| SnapshotError::Io {
        file: dir.display().to_string(),
        message: e.to_string(),
    })?;
    files.sort();
    let mut b = Builder::default();
    let mut gaps = Vec::new();
    let mut collected_at = None;
    for rel in files {
        let full = dir.join(&rel);
        let shown = format!("{}/{}", dir.display(), rel).replace("//", "/");
        let text = match std::fs::read_to_string(&full) {
            Ok(t) => t,
            Err(e) => {
                b.errors.push(SnapshotError::Io {
                    file: shown,
                    message: e.to_string(),
                });
                continue;
            }
        };
        let value: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                b.errors.push(SnapshotError::Json {
                    file: shown,
                    line: e.line(),
                    column: e.column(),
                    message: e.to_string(),
                });
                continue;
            }
        };
        if rel == INDEX {
            collected_at = value
                .get("collectedAt")
                .and_then(Value::as_str)
                .map(str::to_owned);
            gaps = read_gaps(&value);
            continue;
        }
        let origin: Arc<str> = shown.into();
        // JSON is YAML: the manifest reader gives every node's position. Use
        // it only if it agrees with the JSON parser on the value.
        let parsed = eksguard_files::yaml::parse(&text, Default::default());
        if let Some(doc) = parsed.documents.into_iter().next()
            && doc.value == value
        {
            b.facts.add_document(origin.clone(), doc.value, doc.spans);
        }
        b.add(&rel, origin, &value);
    }
    let seen = std::mem::take(&mut b.seen);
    let (mut facts, errors) = b.finish();
    facts.gaps = gaps;
    add_not_collected(&mut facts, &seen);
    if facts.as_of.is_none() {
        facts.as_of = collected_at.and_then(|t| t.get(..10).map(str::to_owned));
    }
    Ok((facts, errors))
}

/// The gaps of an index, as this or an older eksguard wrote them (older
/// ones have only action, what, code and message: the class is read from
/// the code).
fn read_gaps(index: &Value) -> Vec<CollectionGap> {
    let field = |g: &Value, k: &str| {
        g.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let opt = |g: &Value, k: &str| g.get(k).and_then(Value::as_str).map(str::to_owned);
    index
        .get("gaps")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|g| {
            let status = g
                .get("status")
                .and_then(Value::as_u64)
                .and_then(|s| u16::try_from(s).ok());
            let mut gap = CollectionGap::new(
                field(g, "action"),
                field(g, "what"),
                status,
                field(g, "code"),
                field(g, "message"),
                opt(g, "requestId"),
            );
            if let Some(class) = opt(g, "class").as_deref().and_then(FailureClass::parse) {
                gap.class = class;
            }
            if let Some(by) = opt(g, "deniedBy") {
                gap.denied_by = Some(by);
            }
            gap
        })
        .collect()
}

/// Relative `/`-separated paths of every `.json` file under `dir`, skipping
/// hidden entries and symlinked directories.
fn list_json(root: &Path, dir: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let ft = entry.file_type()?;
        let path = entry.path();
        if ft.is_dir() {
            list_json(root, &path, out)?;
        } else if path.extension().is_some_and(|e| e == "json")
            && let Ok(rel) = path.strip_prefix(root)
        {
            let parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push(parts.join("/"));
        }
    }
    Ok(())
}

/// Assembles facts from documents in any order: items that belong together
/// (a role and its policies, a key and its rotation status) share a
/// directory in the snapshot layout and are joined at the end.
#[derive(Default)]
struct Builder {
    facts: AwsFacts,
    errors: Vec<SnapshotError>,
    caller_account: Option<String>,
    entries: BTreeMap<String, Sourced<AccessEntry>>,
    entry_policies: BTreeMap<String, Vec<Sourced<AssociatedAccessPolicy>>>,
    roles: BTreeMap<String, Sourced<IamRole>>,
    attached: BTreeMap<String, Vec<AttachedPolicy>>,
    inline: BTreeMap<String, Vec<Sourced<InlinePolicy>>>,
    policies: BTreeMap<String, Sourced<ManagedPolicy>>,
    policy_docs: BTreeMap<String, (String, Value)>,
    keys: BTreeMap<String, Sourced<KmsKey>>,
    rotations: BTreeMap<String, Sourced<KeyRotation>>,
    /// Relative paths of the documents read.
    seen: BTreeSet<String>,
}

impl Builder {
    fn item<T: DeserializeOwned>(
        &mut self,
        origin: &Arc<str>,
        doc: &Value,
        path: JsonPath,
    ) -> Option<Sourced<T>> {
        let v = path.lookup(doc)?;
        match serde_json::from_value::<T>(v.clone()) {
            Ok(item) => Some(Sourced {
                item,
                source: AwsSource {
                    origin: origin.clone(),
                    path,
                },
            }),
            Err(e) => {
                self.errors.push(SnapshotError::Shape {
                    file: origin.to_string(),
                    path: path.to_string(),
                    message: e.to_string(),
                });
                None
            }
        }
    }

    fn list<T: DeserializeOwned>(
        &mut self,
        origin: &Arc<str>,
        doc: &Value,
        key: &str,
    ) -> Vec<Sourced<T>> {
        let n = doc.get(key).and_then(Value::as_array).map_or(0, Vec::len);
        (0..n)
            .filter_map(|i| self.item(origin, doc, JsonPath::keys(&[key]).index(i)))
            .collect()
    }

    fn policy_doc(
        &mut self,
        origin: &Arc<str>,
        path: &JsonPath,
        v: Option<&Value>,
    ) -> Option<Value> {
        match decode_policy_document(v?) {
            Ok(d) => Some(d),
            Err(message) => {
                self.errors.push(SnapshotError::Shape {
                    file: origin.to_string(),
                    path: path.to_string(),
                    message,
                });
                None
            }
        }
    }

    fn add(&mut self, rel: &str, origin: Arc<str>, doc: &Value) {
        self.seen.insert(rel.to_owned());
        let parts: Vec<&str> = rel.split('/').collect();
        // The directory that groups related files (role, key, access entry).
        let group = parts[..parts.len().saturating_sub(1)].join("/");
        match parts.as_slice() {
            ["sts", "get-caller-identity.json"] => {
                self.caller_account = doc
                    .get("Account")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                self.facts.identity = self
                    .item::<CallerIdentity>(&origin, doc, JsonPath::root())
                    .map(|i| i.item);
            }
            ["eks", "nodegroups", _, "describe-nodegroup.json"] => {
                if let Some(n) =
                    self.item::<Nodegroup>(&origin, doc, JsonPath::keys(&["nodegroup"]))
                {
                    self.facts.nodegroups.push(n);
                }
            }
            ["ec2", "launch-templates", ..] if rel.ends_with(".json") => {
                let list =
                    self.list::<LaunchTemplateVersion>(&origin, doc, "LaunchTemplateVersions");
                self.facts.launch_template_versions.extend(list);
            }
            [
                "eks",
                "fargate-profiles",
                _,
                "describe-fargate-profile.json",
            ] => {
                if let Some(p) =
                    self.item::<FargateProfile>(&origin, doc, JsonPath::keys(&["fargateProfile"]))
                {
                    self.facts.fargate_profiles.push(p);
                }
            }
            ["eks", "addons", _, "describe-addon.json"] => {
                if let Some(a) = self.item::<Addon>(&origin, doc, JsonPath::keys(&["addon"])) {
                    self.facts.addons.push(a);
                }
            }
            ["eks", "describe-cluster-versions.json"] => {
                let list = self.list::<ClusterVersionInfo>(&origin, doc, "clusterVersions");
                self.facts.cluster_versions.extend(list);
            }
            ["logs", "describe-log-groups.json"] => {
                let list = self.list::<LogGroup>(&origin, doc, "logGroups");
                self.facts.log_groups.extend(list);
            }
            ["guardduty", "detectors", id, "get-detector.json"] => {
                if let Some(mut d) = self.item::<GuardDutyDetector>(&origin, doc, JsonPath::root())
                {
                    if d.item.detector_id.is_empty() {
                        d.item.detector_id = (*id).to_owned();
                    }
                    self.facts.guardduty_detectors.push(d);
                }
            }
            ["eks", "describe-cluster.json"] => {
                self.facts.cluster =
                    self.item::<EksCluster>(&origin, doc, JsonPath::keys(&["cluster"]));
            }
            ["eks", "access-entries", _, "describe-access-entry.json"] => {
                if let Some(e) =
                    self.item::<AccessEntry>(&origin, doc, JsonPath::keys(&["accessEntry"]))
                {
                    self.entries.insert(group, e);
                }
            }
            [
                "eks",
                "access-entries",
                _,
                "list-associated-access-policies.json",
            ] => {
                let list =
                    self.list::<AssociatedAccessPolicy>(&origin, doc, "associatedAccessPolicies");
                self.entry_policies.entry(group).or_default().extend(list);
            }
            ["eks", "pod-identity-associations", _] => {
                if let Some(a) = self.item::<PodIdentityAssociation>(
                    &origin,
                    doc,
                    JsonPath::keys(&["association"]),
                ) {
                    self.facts.pod_identity_associations.push(a);
                }
            }
            ["ec2", "describe-security-groups.json"] => {
                let groups = self.list::<SecurityGroup>(&origin, doc, "SecurityGroups");
                self.facts.security_groups.extend(groups);
            }
            ["ec2", "get-ebs-encryption-by-default.json"] => {
                self.facts.ebs_encryption_by_default =
                    self.item::<EbsEncryptionByDefault>(&origin, doc, JsonPath::root());
            }
            ["kms", _, "describe-key.json"] => {
                if let Some(k) = self.item::<KmsKey>(&origin, doc, JsonPath::keys(&["KeyMetadata"]))
                {
                    self.keys.insert(group, k);
                }
            }
            ["kms", _, "get-key-rotation-status.json"] => {
                if let Some(r) = self.item::<KeyRotation>(&origin, doc, JsonPath::root()) {
                    self.rotations.insert(group, r);
                }
            }
            ["iam", "list-open-id-connect-providers.json"] => {
                let list = self.list::<OidcProvider>(&origin, doc, "OpenIDConnectProviderList");
                self.facts.oidc_providers.extend(list);
            }
            ["iam", "roles", _, "get-role.json"] => {
                let path = JsonPath::keys(&["Role"]);
                if let Some(mut r) = self.item::<IamRole>(&origin, doc, path.clone()) {
                    let field = path.key("AssumeRolePolicyDocument");
                    r.item.assume_role_policy_document =
                        self.policy_doc(&origin, &field, field.lookup(doc));
                    self.roles.insert(group, r);
                }
            }
            ["iam", "roles", _, "list-attached-role-policies.json"] => {
                let list = self.list::<AttachedPolicy>(&origin, doc, "AttachedPolicies");
                self.attached
                    .entry(group)
                    .or_default()
                    .extend(list.into_iter().map(|p| p.item));
            }
            ["iam", "roles", _, "get-role-policy", _] => {
                if let Some(mut p) = self.item::<InlinePolicy>(&origin, doc, JsonPath::root()) {
                    let field = JsonPath::keys(&["PolicyDocument"]);
                    p.item.policy_document = self
                        .policy_doc(&origin, &field, doc.get("PolicyDocument"))
                        .unwrap_or(Value::Null);
                    let role_dir = parts[..3].join("/");
                    self.inline.entry(role_dir).or_default().push(p);
                }
            }
            ["iam", "policies", _, "get-policy.json"] => {
                if let Some(p) =
                    self.item::<ManagedPolicy>(&origin, doc, JsonPath::keys(&["Policy"]))
                {
                    self.policies.insert(group, p);
                }
            }
            ["iam", "policies", _, "get-policy-version.json"] => {
                let field = JsonPath::keys(&["PolicyVersion", "Document"]);
                let version = doc
                    .pointer("/PolicyVersion/VersionId")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                if let Some(d) = self.policy_doc(&origin, &field, field.lookup(doc)) {
                    self.policy_docs.insert(group, (version, d));
                }
            }
            // Listings (`list-access-entries`, …) only say what the describe
            // files hold; anything else is a newer or foreign file.
            _ => {}
        }
    }

    fn finish(mut self) -> (AwsFacts, Vec<SnapshotError>) {
        for (group, mut e) in std::mem::take(&mut self.entries) {
            e.item.policies = self.entry_policies.remove(&group).unwrap_or_default();
            self.facts.access_entries.push(e);
        }
        for (group, mut r) in std::mem::take(&mut self.roles) {
            r.item.attached_policies = self.attached.remove(&group).unwrap_or_default();
            r.item.inline_policies = self.inline.remove(&group).unwrap_or_default();
            self.facts.roles.push(r);
        }
        for (group, mut p) in std::mem::take(&mut self.policies) {
            if let Some((version, doc)) = self.policy_docs.remove(&group) {
                // Only the default version is what the policy grants.
                if p.default_version_id.as_deref().is_none_or(|d| d == version) {
                    p.item.document = Some(doc);
                }
            }
            self.facts.managed_policies.insert(p.arn.clone(), p);
        }
        for (group, mut k) in std::mem::take(&mut self.keys) {
            k.item.rotation = self.rotations.remove(&group);
            self.facts.kms_keys.push(k);
        }
        let cluster_arn = self.facts.cluster.as_ref().map(|c| c.arn.clone());
        let arn_parts: Vec<&str> = cluster_arn
            .as_deref()
            .unwrap_or_default()
            .split(':')
            .collect();
        self.facts.region = arn_parts
            .get(3)
            .filter(|r| !r.is_empty())
            .map(|r| (*r).to_owned());
        self.facts.account_id = self.caller_account.or_else(|| {
            arn_parts
                .get(4)
                .filter(|a| !a.is_empty())
                .map(|a| (*a).to_owned())
        });
        self.facts.pod_identity_associations.sort_by(|a, b| {
            (&a.namespace, &a.service_account).cmp(&(&b.namespace, &b.service_account))
        });
        (self.facts, self.errors)
    }
}
