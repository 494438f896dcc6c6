use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::{JsonPath, Object};
use serde_json::Value;

control! {
    /// ## What it checks
    /// The `kube-system/aws-auth` ConfigMap: entries of `data.mapRoles` and
    /// `data.mapUsers` whose `groups` include `system:masters`. One finding
    /// per entry, naming its `rolearn` or `userarn`.
    ///
    /// ## Why it matters
    /// `system:masters` is hard-wired in the API server to bypass RBAC
    /// entirely: no ClusterRoleBinding grants it and none can take it away,
    /// and it does not show up when auditing RBAC. Anyone who can assume the
    /// mapped IAM role is unconditionally cluster-admin.
    ///
    /// ## Example
    /// ```yaml
    /// mapRoles: |
    ///   - rolearn: arn:aws:iam::111122223333:role/platform-admins
    ///     groups: [system:masters]
    /// ```
    ///
    /// ## Fix
    /// Replace the mapping with an EKS access entry that associates a scoped
    /// access policy (or maps to a group bound by an ordinary RBAC binding),
    /// then move the cluster to `authenticationMode: API` (ACC-001).
    ///
    /// ## References
    /// - EKS Best Practices Guide, Identity and Access Management: "Don't use system:masters"
    /// - EKS User Guide, "Grant IAM users and roles access to Kubernetes APIs" (aws-auth ConfigMap)
    /// - https://kubernetes.io/docs/concepts/security/rbac-good-practices/#least-privilege
    pub struct AwsAuthMasters {
        id: "ACC-002",
        name: "aws-auth-system-masters",
        title: "aws-auth maps an IAM principal to system:masters",
        severity: High,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

impl Control for AwsAuthMasters {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["ConfigMap"]
    }

    fn is_subject(&self, obj: &Object) -> bool {
        obj.is("", "ConfigMap")
            && obj.name == "aws-auth"
            && obj.namespace.as_deref() == Some("kube-system")
    }

    fn check_object(&self, obj: &Object, _ctx: &Context, out: &mut Sink) {
        if !(obj.is("", "ConfigMap")
            && obj.name == "aws-auth"
            && obj.namespace.as_deref() == Some("kube-system"))
        {
            return;
        }
        for key in ["mapRoles", "mapUsers"] {
            let field = JsonPath::keys(&["data", key]);
            let Some(text) = obj.get(&field).and_then(Value::as_str) else {
                continue;
            };
            for principal in masters_entries(text) {
                out.report(
                    &Self::META,
                    obj,
                    field.clone(),
                    format!("kube-system/aws-auth: data.{key} maps {principal} to system:masters, which bypasses RBAC"),
                    "Replace the mapping with an access entry with a scoped access policy, then switch authenticationMode to API.",
                );
            }
        }
    }
}

/// The principal ARN of every mapping entry whose groups include
/// `system:masters`. The mapping is YAML in a string; entries are the block
/// sequence items at the outermost indentation, read line by line, so a
/// malformed mapping (which the authenticator would also reject) still
/// yields what it says. Comments are ignored.
pub(crate) fn masters_entries(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.split_once(" #").map_or(l, |(a, _)| a))
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect();
    let indent = |l: &str| l.len() - l.trim_start().len();
    let is_item = |l: &str| l.trim_start().starts_with("- ") || l.trim() == "-";
    let top = lines.iter().filter(|l| is_item(l)).map(|l| indent(l)).min();
    let mut entries: Vec<Vec<&str>> = Vec::new();
    for l in lines {
        if top.is_some_and(|t| is_item(l) && indent(l) == t) || entries.is_empty() {
            entries.push(Vec::new());
        }
        if let Some(e) = entries.last_mut() {
            e.push(l);
        }
    }
    entries
        .iter()
        .filter(|e| e.iter().any(|l| has_masters(l)))
        .map(|e| {
            e.iter()
                .find_map(|l| arn_value(l))
                .unwrap_or_else(|| "an entry without rolearn/userarn".to_owned())
        })
        .collect()
}

fn has_masters(line: &str) -> bool {
    line.split(|c: char| c.is_whitespace() || matches!(c, '[' | ']' | ',' | '"' | '\''))
        .any(|t| t == "system:masters")
}

fn arn_value(line: &str) -> Option<String> {
    let l = line.trim_start().trim_start_matches("- ").trim_start();
    let l = l.trim_start_matches(['{', '"', '\'']);
    let rest = l
        .strip_prefix("rolearn")
        .or_else(|| l.strip_prefix("userarn"))?;
    let rest = rest
        .trim_start_matches(['"', '\''])
        .trim_start()
        .strip_prefix(':')?;
    let v = rest
        .trim()
        .split([',', '}'])
        .next()?
        .trim()
        .trim_matches(['"', '\'']);
    (!v.is_empty()).then(|| v.to_owned())
}

#[cfg(test)]
mod tests {
    use super::masters_entries;

    #[test]
    fn finds_each_masters_entry_and_its_arn() {
        let text = "- rolearn: arn:aws:iam::1:role/a\n  username: a\n  groups:\n    - system:masters\n- rolearn: arn:aws:iam::1:role/b\n  groups: [system:bootstrappers, system:nodes]\n- groups: [\"system:masters\"]\n  rolearn: \"arn:aws:iam::1:role/c\"\n";
        assert_eq!(
            masters_entries(text),
            ["arn:aws:iam::1:role/a", "arn:aws:iam::1:role/c"]
        );
    }

    #[test]
    fn ignores_comments_and_lookalike_groups() {
        let text = "# system:masters was removed\n- userarn: arn:aws:iam::1:user/x\n  groups: [system:masters-readonly] # not system:masters\n";
        assert!(masters_entries(text).is_empty());
    }
}
