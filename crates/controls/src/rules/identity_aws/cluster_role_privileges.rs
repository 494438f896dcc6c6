use super::identity;
use crate::Subjects;
use crate::rules::aws::aws_ref;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::aws::AwsFacts;
use eksguard_core::{AwsData, Inventory, JsonPath, Need};
use eksguard_iam::role_access;
use std::collections::{BTreeMap, BTreeSet};

control! {
    /// ## What it checks
    /// Every IAM role the cluster uses, read from the AWS side alone (no
    /// manifests needed): the Auto Mode node role and each managed node
    /// group's node role, Fargate pod execution roles, EKS Pod Identity
    /// roles, roles that trust the cluster's OIDC provider (IRSA), add-on
    /// roles, and roles that are access-entry principals. Each is evaluated
    /// with eksguard's IAM engine for administrator access (`iam:*` or `*`
    /// on every resource, e.g. `AdministratorAccess`), privilege escalation
    /// (`iam:PassRole` on `*` with a compute service, `iam:CreatePolicyVersion`,
    /// `iam:AttachRolePolicy`, …) and `sts:AssumeRole` on `*`. When manifests
    /// are scanned too, a role a workload reaches is reported per workload
    /// by IAM-035/IAM-036 and not again here.
    ///
    /// ## Why it matters
    /// A node role is every pod's role on that node when IMDS is reachable,
    /// a Fargate execution role and an add-on role run code in the cluster,
    /// and an IRSA or Pod Identity role is one compromised pod away. When
    /// any of them can administer or escalate in the account, a container
    /// escape or one vulnerable pod is an AWS account compromise, whether
    /// or not the manifests are at hand.
    ///
    /// ## Example
    /// ```json
    /// {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}
    /// ```
    ///
    /// ## Fix
    /// Detach administrator and IAM-write policies from cluster roles; keep
    /// node roles to the AWS-managed node policies; scope `iam:PassRole` to
    /// named role ARNs with an `iam:PassedToService` condition and
    /// `sts:AssumeRole` to named roles.
    ///
    /// ## References
    /// - EKS Best Practices Guide, Identity and Access Management: "Employ least privileged access to AWS resources"
    /// - IAM User Guide, "Grant a user permissions to pass a role to an AWS service" (iam:PassRole)
    /// - Rhino Security Labs, "AWS IAM Privilege Escalation – Methods and Mitigation"
    pub struct ClusterRolePrivileges {
        id: "IAM-042",
        name: "cluster-role-admin-or-escalation",
        title: "A role the cluster uses has administrator access or can escalate privileges",
        severity: High,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

/// Every role the cluster uses, with how (sorted, deduplicated uses).
pub(crate) fn cluster_roles(facts: &AwsFacts) -> BTreeMap<String, BTreeSet<String>> {
    let mut roles: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut add = |arn: Option<&str>, how: String| {
        if let Some(a) = arn.filter(|a| a.contains(":role/")) {
            roles.entry(a.to_owned()).or_default().insert(how);
        }
    };
    let Some(c) = facts.cluster.as_ref() else {
        return roles;
    };
    add(
        c.compute_config
            .as_ref()
            .and_then(|x| x.node_role_arn.as_deref()),
        "the Auto Mode node role".into(),
    );
    for ng in &facts.nodegroups {
        add(
            ng.node_role.as_deref(),
            format!("node role of node group {}", ng.nodegroup_name),
        );
    }
    for p in &facts.fargate_profiles {
        add(
            p.pod_execution_role_arn.as_deref(),
            format!(
                "pod execution role of Fargate profile {}",
                p.fargate_profile_name
            ),
        );
    }
    for a in &facts.pod_identity_associations {
        let sa = format!("{}/{}", a.namespace, a.service_account);
        add(a.role_arn.as_deref(), format!("Pod Identity role of {sa}"));
        add(
            a.target_role_arn.as_deref(),
            format!("Pod Identity target role of {sa}"),
        );
    }
    for a in &facts.addons {
        add(
            a.service_account_role_arn.as_deref(),
            format!("role of add-on {}", a.addon_name),
        );
    }
    for e in &facts.access_entries {
        add(
            Some(&e.principal_arn),
            "an access-entry principal of the cluster".into(),
        );
    }
    // IRSA: roles whose trust policy names this cluster's OIDC provider.
    if let Some(issuer) = c.oidc_issuer() {
        let host = issuer.trim_start_matches("https://");
        for r in &facts.roles {
            if r.assume_role_policy_document
                .as_ref()
                .is_some_and(|d| d.to_string().contains(host))
            {
                add(
                    Some(&r.arn),
                    "an IRSA role (trusts the cluster's OIDC provider)".into(),
                );
            }
        }
    }
    roles
}

impl Control for ClusterRolePrivileges {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        // Every source of the cluster's roles: a missing one could hide a
        // role, so the control is then not checked rather than passed.
        const NEEDS: &[Need] = &[
            Need::aws(AwsData::Cluster),
            Need::aws(AwsData::IamRoles),
            Need::aws(AwsData::NodeGroups),
            Need::aws(AwsData::FargateProfiles),
            Need::aws(AwsData::PodIdentity),
            Need::aws(AwsData::AccessEntries),
        ];
        NEEDS
    }

    fn subjects(&self) -> Subjects {
        Subjects::Cluster
    }

    /// Cost: one evaluation per role the cluster uses (a handful), with the
    /// IAM engine over the identity view's parsed policies.
    fn check_inventory(&self, inv: &Inventory, _ctx: &Context, out: &mut Sink) {
        let Some(facts) = inv.aws.as_ref() else {
            return;
        };
        let Some(id) = identity(inv) else { return };
        // Roles a scanned workload reaches with admin or escalation power
        // are reported per workload (IAM-035/IAM-036).
        let per_workload: BTreeSet<&str> = id
            .blast()
            .iter()
            .flat_map(|wb| wb.roles.iter())
            .filter(|r| {
                r.assumable && (r.access.admin_equivalent || !r.access.escalation.is_empty())
            })
            .map(|r| r.arn.as_str())
            .collect();
        for (arn, uses) in cluster_roles(facts) {
            if per_workload.contains(arn.as_str()) {
                continue;
            }
            let Some(role) = facts.role_by_arn(&arn) else {
                continue;
            };
            let access = role_access(&id.account, &arn);
            let mut powers: Vec<String> = Vec::new();
            if access.admin_equivalent {
                // Every escalation follows from it: say the one thing.
                powers.push("administrator access (iam:* on every resource)".into());
            }
            for h in access
                .escalation
                .iter()
                .filter(|_| !access.admin_equivalent)
            {
                let grants: Vec<String> = h
                    .grants
                    .iter()
                    .map(|g| {
                        format!(
                            "{} on {} ({})",
                            g.action,
                            if g.resources.is_empty() {
                                "*".to_owned()
                            } else {
                                g.resources.join(",")
                            },
                            g.policy
                        )
                    })
                    .collect();
                powers.push(format!("{} [{}]", h.summary, grants.join(", ")));
            }
            if powers.is_empty() {
                continue;
            }
            let total = powers.len();
            powers.truncate(3);
            let more = if total > 3 {
                format!("; and {} more", total - 3)
            } else {
                String::new()
            };
            let uses: Vec<&str> = uses.iter().map(String::as_str).collect();
            let location = facts.locate(&role.source, &JsonPath::keys(&["Arn"]));
            out.report_ref(
                &Self::META,
                aws_ref("aws:iam/2010-05-08", "AWS::IAM::Role", &role.role_name, &arn),
                location,
                "Arn",
                if access.admin_equivalent {
                    format!("role {arn} ({}) has {}", uses.join("; "), powers[0])
                } else {
                    format!(
                        "role {arn} ({}) can escalate privileges: {}{more}",
                        uses.join("; "),
                        powers.join("; ")
                    )
                },
                "Detach administrator and IAM-write policies from the role; scope iam:PassRole to named role ARNs with an iam:PassedToService condition and sts:AssumeRole to named roles; keep node roles to the AWS-managed node policies.",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Config, Context, Sink};
    use eksguard_core::Inventory;
    use std::path::Path;

    const WORKLOAD: &str = r#"
apiVersion: v1
kind: ServiceAccount
metadata: {name: search-indexer, namespace: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: indexer, namespace: shop}
spec:
  selector: {matchLabels: {app: indexer}}
  template:
    metadata: {labels: {app: indexer}}
    spec:
      serviceAccountName: search-indexer
      containers: [{name: c, image: "registry.example/indexer@sha256:0000000000000000000000000000000000000000000000000000000000000000"}]
"#;

    /// (control, ARN or object, message) of IAM-035/036/042 findings.
    fn scan(yaml: &str) -> Vec<(String, String, String)> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/IAM-042/fail");
        let (facts, errors) = eksguard_aws::read_snapshot(&dir).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        let loaded = eksguard_files::load_bytes("k8s.yaml", yaml.as_bytes()).finish();
        let mut inv = Inventory::new(loaded.objects);
        inv.aws = Some(facts);
        let config = Config::default();
        let mut sink = Sink::new();
        crate::check_inventory(&inv, &Context::new(&config), &mut sink);
        let mut out: Vec<_> = sink
            .into_findings()
            .into_iter()
            .filter(|f| matches!(f.control, "IAM-035" | "IAM-036" | "IAM-042"))
            .map(|f| {
                (
                    f.control.to_owned(),
                    f.object.arn.clone().unwrap_or_else(|| f.object.short()),
                    f.message,
                )
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn cluster_roles_are_judged_without_manifests() {
        let found = scan("");
        let roles: Vec<&str> = found.iter().map(|f| f.1.as_str()).collect();
        assert_eq!(
            roles,
            [
                "arn:aws:iam::111122223333:role/fixture-apps-node",
                "arn:aws:iam::111122223333:role/search-indexer"
            ],
            "{found:#?}"
        );
        assert!(
            found[0].2
                == "role arn:aws:iam::111122223333:role/fixture-apps-node (node role of node group apps) has administrator access (iam:* on every resource)",
            "{}",
            found[0].2
        );
        assert!(
            found[1].2.starts_with("role arn:aws:iam::111122223333:role/search-indexer (Pod Identity role of shop/search-indexer) can escalate privileges: launch an EC2 instance with any role")
                && found[1].2.contains("iam:PassRole on *"),
            "{}",
            found[1].2
        );
    }

    /// With the manifests, the Pod Identity role is reported on the
    /// workload that reaches it (IAM-035/036), not again on the role.
    #[test]
    fn a_role_a_scanned_workload_reaches_is_reported_once_per_workload() {
        let found = scan(WORKLOAD);
        let by: Vec<(&str, &str)> = found.iter().map(|f| (f.0.as_str(), f.1.as_str())).collect();
        // PassRole with ec2:RunInstances is critical: IAM-035 (IAM-036 for
        // lesser paths).
        assert!(
            by.contains(&("IAM-035", "shop/indexer[Deployment]")),
            "{found:#?}"
        );
        assert!(
            !by.contains(&("IAM-042", "arn:aws:iam::111122223333:role/search-indexer")),
            "{found:#?}"
        );
        assert!(
            by.contains(&(
                "IAM-042",
                "arn:aws:iam::111122223333:role/fixture-apps-node"
            )),
            "{found:#?}"
        );
    }
}
