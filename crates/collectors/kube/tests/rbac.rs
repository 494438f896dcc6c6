//! deploy/rbac/eksguard-scan-clusterrole.yaml grants exactly what the live
//! scan reads: no resource missing (the scan would hit 403), none extra
//! (least privilege), no verb beyond get and list.

use eksguard_kube::{RESOURCES, VERBS};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected a list, got {v}"))
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}

#[test]
fn clusterrole_grants_exactly_what_the_collector_lists() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../deploy/rbac/eksguard-scan-clusterrole.yaml");
    let loaded = eksguard_files::load(
        &eksguard_files::Input::File(path.clone()),
        &Default::default(),
    );
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let role = loaded
        .objects
        .iter()
        .find(|o| o.kind == "ClusterRole")
        .expect("a ClusterRole");
    let binding = loaded
        .objects
        .iter()
        .find(|o| o.kind == "ClusterRoleBinding")
        .expect("a ClusterRoleBinding");
    assert_eq!(
        binding.raw["roleRef"]["name"].as_str(),
        Some(role.name.as_str())
    );
    assert_eq!(binding.raw["subjects"][0]["kind"], "Group");

    let mut granted = BTreeSet::new();
    for rule in role.raw["rules"].as_array().unwrap() {
        assert_eq!(strings(&rule["verbs"]), VERBS, "{rule}");
        assert!(rule.get("resourceNames").is_none() && rule.get("nonResourceURLs").is_none());
        for g in strings(&rule["apiGroups"]) {
            for r in strings(&rule["resources"]) {
                assert!(
                    granted.insert((g.to_owned(), r.to_owned())),
                    "{g}/{r} granted twice"
                );
            }
        }
    }
    let listed: BTreeSet<(String, String)> = RESOURCES
        .iter()
        .map(|w| (w.group.to_owned(), w.plural.to_owned()))
        .collect();
    assert_eq!(
        granted.difference(&listed).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "granted but never read"
    );
    assert_eq!(
        listed.difference(&granted).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "read but not granted"
    );
}
