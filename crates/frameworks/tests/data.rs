//! The shipped framework data: well-formed, complete, and naming only
//! controls that exist.

use eksguard_frameworks::{CIS_EKS_ALIAS, Framework, Mode, all, by_id, requirements_for_control};
use std::collections::{BTreeMap, HashSet};

/// Controls the data may name before they land in the catalog. AUTO-003
/// ("nodes are managed by EKS Auto Mode") is being added alongside this
/// crate; once it is in the registry this list can be emptied. Any other
/// unknown ID fails the test.
const PENDING_CONTROLS: &[&str] = &["AUTO-003"];

/// Every recommendation of CIS Amazon EKS Benchmark v1.8.0, from kube-bench
/// cfg/eks-1.8.0 (controlplane, node, policies, managedservices).
const CIS_EKS_1_8: &[&str] = &[
    "2.1.1", "2.1.2", //
    "3.1.1", "3.1.2", "3.1.3", "3.1.4", //
    "3.2.1", "3.2.2", "3.2.3", "3.2.4", "3.2.5", "3.2.6", "3.2.7", "3.2.8", "3.2.9", //
    "4.1.1", "4.1.2", "4.1.3", "4.1.4", "4.1.5", "4.1.6", "4.1.7", "4.1.8", "4.1.9", "4.1.10",
    "4.1.11", "4.1.12", //
    "4.2.1", "4.2.2", "4.2.3", "4.2.4", "4.2.5", //
    "4.3.1", "4.3.2", //
    "4.4.1", "4.4.2", //
    "4.5.1", "4.5.2", //
    "5.1.1", "5.1.2", "5.1.3", "5.1.4", //
    "5.2.1", //
    "5.3.1", //
    "5.4.1", "5.4.2", "5.4.3", "5.4.4", "5.4.5", //
    "5.5.1",
];

fn framework(id: &str) -> &'static Framework {
    by_id(id).unwrap_or_else(|| panic!("framework {id} missing"))
}

#[test]
fn frameworks_in_fixed_order() {
    let ids: Vec<&str> = all().iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["cis-eks-1.8", "nsa-cisa-1.2", "eks-best-practices"]);
    for f in all() {
        assert!(!f.name.is_empty() && !f.version.is_empty(), "{}", f.id);
        assert!(f.url.starts_with("https://"), "{}: {}", f.id, f.url);
        assert!(!f.requirements.is_empty(), "{}", f.id);
    }
}

#[test]
fn lookup_is_case_insensitive_and_resolves_the_cis_alias() {
    assert_eq!(framework("NSA-CISA-1.2").id, "nsa-cisa-1.2");
    assert_eq!(framework("Eks-Best-Practices").id, "eks-best-practices");
    assert_eq!(framework(CIS_EKS_ALIAS).id, "cis-eks-1.8");
    assert_eq!(framework("CIS-EKS").id, "cis-eks-1.8");
    assert!(by_id("cis-eks-1.7").is_none());
    assert!(by_id("nsa").is_none());
}

#[test]
fn the_alias_names_the_newest_cis_version() {
    let key = |v: &str| -> Vec<u64> { v.split('.').map(|p| p.parse().unwrap()).collect() };
    let newest = all()
        .iter()
        .filter(|f| f.id.starts_with("cis-eks-"))
        .max_by_key(|f| key(&f.version))
        .unwrap();
    assert_eq!(framework(CIS_EKS_ALIAS).id, newest.id);
    // The ID carries the version's major.minor.
    let v = key(&newest.version);
    assert_eq!(newest.id, format!("cis-eks-{}.{}", v[0], v[1]));
}

#[test]
fn requirement_ids_are_unique() {
    for f in all() {
        let mut seen = BTreeMap::new();
        for r in &f.requirements {
            *seen.entry(r.id.as_str()).or_insert(0) += 1;
        }
        let dups: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
        assert!(
            dups.is_empty(),
            "{}: duplicate requirement IDs {dups:?}",
            f.id
        );
    }
}

#[test]
fn requirement_ids_carry_the_framework_prefix() {
    let prefix = |f: &Framework| match f.id.as_str() {
        "nsa-cisa-1.2" => "nsa-cisa-1.2:",
        "eks-best-practices" => "eks-bp:",
        _ => "",
    };
    for f in all() {
        for r in &f.requirements {
            let slug =
                r.id.strip_prefix(prefix(f))
                    .unwrap_or_else(|| panic!("{}", r.id));
            assert!(
                !slug.is_empty()
                    && slug.chars().all(|c| c.is_ascii_lowercase()
                        || c.is_ascii_digit()
                        || c == '-'
                        || c == '.'),
                "{}: bad requirement ID {}",
                f.id,
                r.id
            );
        }
    }
}

#[test]
fn cis_lists_every_recommendation_exactly_once() {
    let cis = framework("cis-eks-1.8");
    let got: Vec<&str> = cis.requirements.iter().map(|r| r.id.as_str()).collect();
    // Same order too: reports list them as the benchmark does.
    assert_eq!(got, CIS_EKS_1_8);
    // Each recommendation sits in the section its number says.
    for r in &cis.requirements {
        let section = r.id.rsplit_once('.').unwrap().0;
        assert!(
            r.section.starts_with(&format!("{section} ")),
            "{} is in section {:?}",
            r.id,
            r.section
        );
    }
}

#[test]
fn cis_worker_node_configuration_is_aws_managed() {
    for r in &framework("cis-eks-1.8").requirements {
        if r.id.starts_with("3.") {
            assert_eq!(r.mode, Mode::AwsManaged, "{}", r.id);
            assert_eq!(r.controls, ["AUTO-003"], "{}", r.id);
        }
    }
}

#[test]
fn every_requirement_is_complete() {
    for f in all() {
        for r in &f.requirements {
            let at = format!("{} {}", f.id, r.id);
            assert!(!r.title.trim().is_empty(), "{at}: no title");
            assert!(!r.section.trim().is_empty(), "{at}: no section");
            assert!(Mode::ALL.contains(&r.mode), "{at}");
            match r.mode {
                Mode::Automated => {
                    assert!(!r.controls.is_empty(), "{at}: automated without controls")
                }
                Mode::AwsManaged => {
                    assert!(
                        r.controls.iter().any(|c| c == "AUTO-003"),
                        "{at}: aws-managed without the Auto Mode evidence control"
                    );
                    assert!(r.evidence.is_some(), "{at}: aws-managed without evidence");
                }
                Mode::Manual => assert!(r.evidence.is_some(), "{at}: manual without evidence"),
            }
            let unique: HashSet<&String> = r.controls.iter().collect();
            assert_eq!(
                unique.len(),
                r.controls.len(),
                "{at}: a control is listed twice"
            );
        }
    }
}

#[test]
fn every_named_control_exists() {
    let catalog: HashSet<&str> = eksguard_controls::all()
        .iter()
        .map(|c| c.meta().id)
        .collect();
    let mut unknown = Vec::new();
    for f in all() {
        for r in &f.requirements {
            for c in &r.controls {
                if !catalog.contains(c.as_str()) && !PENDING_CONTROLS.contains(&c.as_str()) {
                    unknown.push(format!("{} {}: {c}", f.id, r.id));
                }
            }
        }
    }
    assert!(unknown.is_empty(), "unknown control IDs: {unknown:#?}");
}

#[test]
fn requirements_for_control_finds_every_framework() {
    let hits = requirements_for_control("net-001");
    let ids: Vec<(&str, &str)> = hits
        .iter()
        .map(|(f, r)| (f.id.as_str(), r.id.as_str()))
        .collect();
    assert!(ids.contains(&("cis-eks-1.8", "5.4.2")), "{ids:?}");
    assert!(
        ids.contains(&("nsa-cisa-1.2", "nsa-cisa-1.2:cp-api-not-exposed")),
        "{ids:?}"
    );
    assert!(
        ids.contains(&("eks-best-practices", "eks-bp:iam-private-endpoint")),
        "{ids:?}"
    );
    // Frameworks come in their fixed order.
    let order: Vec<&str> = ids.iter().map(|(f, _)| *f).collect();
    let mut sorted = order.clone();
    sorted.sort_by_key(|f| all().iter().position(|x| x.id == *f));
    assert_eq!(order, sorted);
    assert!(requirements_for_control("NOPE-999").is_empty());
}

#[test]
fn data_rejects_unknown_modes_and_fields() {
    let good = r#"{"id": "x", "name": "X", "version": "1", "url": "https://x",
        "requirements": [{"id": "1", "title": "t", "section": "s", "mode": "aws-managed", "controls": ["AUTO-003"]}]}"#;
    let f = Framework::from_json(good).unwrap();
    assert_eq!(f.requirements[0].mode, Mode::AwsManaged);
    assert_eq!(f.requirements[0].evidence, None);

    let bad_mode = good.replace("aws-managed", "aws_managed");
    assert!(Framework::from_json(&bad_mode).is_err());
    let bad_field = good.replace(r#""controls""#, r#""control""#);
    assert!(Framework::from_json(&bad_field).is_err());
}
