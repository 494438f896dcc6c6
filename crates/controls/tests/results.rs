//! Results per control and subject: each status for each family of
//! controls, from real fixtures, the way `scan` computes them.

use eksguard_controls::{Config, Context, ResultOptions, Sink};
use eksguard_core::aws::{AwsFacts, CollectionGap};
use eksguard_core::{CheckResult, Finding, Gap, GapKind, Inventory, Need, Status};
use std::path::{Path, PathBuf};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

struct Scan {
    findings: Vec<Finding>,
    results: Vec<CheckResult>,
}

impl Scan {
    fn of(&self, id: &str) -> Vec<&CheckResult> {
        self.results.iter().filter(|r| r.control == id).collect()
    }

    fn status_of(&self, id: &str, object: &str) -> Status {
        let r: Vec<_> = self
            .of(id)
            .into_iter()
            .filter(|r| r.object.as_ref().map(|o| o.short()).as_deref() == Some(object))
            .collect();
        assert_eq!(r.len(), 1, "{id} on {object}: {:#?}", self.of(id));
        r[0].status
    }
}

/// The scan pipeline in small: object checks, inventory checks,
/// fingerprints, results.
fn scan(yaml: &str, aws: Option<AwsFacts>, gaps: Vec<Gap>, config: &Config) -> Scan {
    let loaded = eksguard_files::load_bytes("test.yaml", yaml.as_bytes()).finish();
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let ctx = Context::new(config);
    let mut sink = Sink::new();
    for obj in &loaded.objects {
        eksguard_controls::check_object(obj, &ctx, &mut sink);
    }
    let mut inv = Inventory::new(loaded.objects);
    let mut gaps = gaps;
    if let Some(a) = &aws {
        gaps.extend(a.gaps.iter().map(|g| Gap {
            need: Need::aws(eksguard_core::AwsData::for_action(&g.action)),
            input: g.action.clone(),
            reason: format!("{} denied", g.action),
            kind: GapKind::CollectionFailed,
        }));
    }
    inv.aws = aws;
    eksguard_controls::check_inventory(&inv, &ctx, &mut sink);
    let (mut findings, _, evaluated) = sink.into_all();
    eksguard_core::fingerprint(&mut findings);
    let results = eksguard_controls::results(
        &inv,
        &ctx,
        &findings,
        &ResultOptions {
            evaluated: &evaluated,
            gaps: &gaps,
        },
    );
    Scan { findings, results }
}

fn snapshot(id: &str, which: &str) -> AwsFacts {
    let (facts, errors) =
        eksguard_aws::read_snapshot(&fixtures_dir().join(id).join(which)).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    facts
}

const PODS: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: host, namespace: shop}
spec:
  hostNetwork: true
  containers: [{name: c, image: "nginx@sha256:0000000000000000000000000000000000000000000000000000000000000000"}]
---
apiVersion: v1
kind: Pod
metadata: {name: plain, namespace: shop}
spec:
  containers: [{name: c, image: "nginx@sha256:0000000000000000000000000000000000000000000000000000000000000000"}]
"#;

#[test]
fn object_controls_pass_and_fail_per_object() {
    let s = scan(PODS, None, Vec::new(), &Config::default());
    assert_eq!(s.status_of("IAM-005", "shop/host[Pod]"), Status::Fail);
    assert_eq!(s.status_of("IAM-005", "shop/plain[Pod]"), Status::Pass);
    // The fail result lists the fingerprints of exactly its findings.
    let fail = s
        .of("IAM-005")
        .into_iter()
        .find(|r| r.status == Status::Fail)
        .unwrap();
    let expected: Vec<&str> = s
        .findings
        .iter()
        .filter(|f| f.control == "IAM-005")
        .map(|f| f.fingerprint.as_str())
        .collect();
    assert_eq!(fail.findings, expected);
    assert!(!fail.findings[0].is_empty());
}

#[test]
fn no_reports_make_the_vulnerability_gate_not_applicable() {
    let s = scan(PODS, None, Vec::new(), &Config::default());
    let gate = s.of("IMG-010");
    assert_eq!(gate.len(), 1, "{gate:#?}");
    assert_eq!(gate[0].status, Status::NotApplicable);
    assert!(gate[0].object.is_none());
    assert!(
        gate[0]
            .reason
            .as_deref()
            .unwrap()
            .starts_with("no image vulnerability scan reports were given")
    );
}

#[test]
fn without_an_aws_side_aws_controls_are_not_checked_by_choice() {
    let s = scan(PODS, None, Vec::new(), &Config::default());
    for id in ["NET-001", "LOG-001", "DATA-004", "IAM-020", "AUTO-003"] {
        let r = s.of(id);
        assert_eq!(r.len(), 1, "{id}: {r:#?}");
        assert_eq!(r[0].status, Status::NotChecked, "{id}");
        assert_eq!(r[0].gap, Some(GapKind::NotCollected), "{id}");
        assert!(r[0].reason.as_deref().unwrap().contains("--aws"), "{id}");
    }
}

#[test]
fn secrets_not_listed_make_iam_002_not_checked_and_nothing_else() {
    let gap = Gap {
        need: Need::kind("", "Secret"),
        input: "live:https://k8s/api/v1/secrets".into(),
        reason: "cannot list secrets: 403 Forbidden".into(),
        kind: GapKind::NotCollected,
    };
    let s = scan(PODS, None, vec![gap], &Config::default());
    let r = s.of("IAM-002");
    assert_eq!(r.len(), 1, "{r:#?}");
    assert_eq!(r[0].status, Status::NotChecked);
    assert_eq!(r[0].gap, Some(GapKind::NotCollected));
    assert_eq!(
        r[0].reason.as_deref(),
        Some(
            "Secret objects not collected: cannot list secrets: 403 Forbidden (live:https://k8s/api/v1/secrets)"
        )
    );
    // IAM-001 reads pods and ConfigMaps, not Secrets: still judged.
    assert_eq!(s.status_of("IAM-001", "shop/plain[Pod]"), Status::Pass);
}

#[test]
fn a_missing_kind_of_an_object_control_keeps_its_other_objects_judged() {
    // IAM-001 reads ConfigMaps too: those not listed make one control-level
    // not_checked result beside the pods' passes.
    let gap = Gap {
        need: Need::kind("", "ConfigMap"),
        input: "live:https://k8s/api/v1/configmaps".into(),
        reason: "403".into(),
        kind: GapKind::CollectionFailed,
    };
    let s = scan(PODS, None, vec![gap], &Config::default());
    let r = s.of("IAM-001");
    assert_eq!(s.status_of("IAM-001", "shop/plain[Pod]"), Status::Pass);
    let whole: Vec<_> = r.iter().filter(|r| r.object.is_none()).collect();
    assert_eq!(whole.len(), 1, "{r:#?}");
    assert!(whole[0].is_collection_failure());
}

#[test]
fn an_inventory_control_whose_input_is_missing_never_passes() {
    let yaml = format!("{PODS}---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: shop}}\n");
    let gap = Gap {
        need: Need::kind("networking.k8s.io", "NetworkPolicy"),
        input: "live:https://k8s/apis/networking.k8s.io/v1/networkpolicies".into(),
        reason: "403".into(),
        kind: GapKind::CollectionFailed,
    };
    let without = scan(&yaml, None, Vec::new(), &Config::default());
    assert_eq!(
        without.status_of("NETPOL-001", "shop[Namespace]"),
        Status::Fail
    );
    let s = scan(&yaml, None, vec![gap], &Config::default());
    // The finding stays (it may be a false alarm, but is never hidden) …
    assert_eq!(s.status_of("NETPOL-001", "shop[Namespace]"), Status::Fail);
    // … and a control without findings is not checked, never passed.
    for r in s.of("NETPOL-004") {
        assert_ne!(r.status, Status::Pass, "{r:#?}");
    }
    let ns_only = "apiVersion: v1\nkind: Namespace\nmetadata: {name: empty}\n";
    let gap = Gap {
        need: Need::kind("networking.k8s.io", "NetworkPolicy"),
        input: "x".into(),
        reason: "403".into(),
        kind: GapKind::CollectionFailed,
    };
    let s = scan(ns_only, None, vec![gap], &Config::default());
    assert_eq!(
        s.status_of("NETPOL-001", "empty[Namespace]"),
        Status::NotChecked
    );
}

#[test]
fn a_denied_aws_call_makes_exactly_its_controls_not_checked() {
    let mut facts = snapshot("NET-001", "pass");
    facts.access_entries.clear();
    facts.gaps.push(CollectionGap::new(
        "eks:ListAccessEntries",
        "access entries of cluster fixture",
        Some(403),
        "AccessDeniedException",
        "not authorized",
        None,
    ));
    let s = scan("", Some(facts), Vec::new(), &Config::default());
    let acc = s.of("ACC-003");
    assert_eq!(acc.len(), 1, "{acc:#?}");
    assert!(acc[0].is_collection_failure());
    assert!(
        acc[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("eks:ListAccessEntries")
    );
    // The cluster description was read: its controls are judged.
    let cluster = "fixture[AWS::EKS::Cluster]";
    assert_eq!(s.status_of("NET-001", cluster), Status::Pass);
    assert_eq!(s.status_of("AUTO-003", cluster), Status::Pass);
    // AWS-001 names the gap.
    assert_eq!(s.status_of("AWS-001", cluster), Status::Fail);

    // DescribeCluster denied: every cluster control is not checked.
    let mut facts = snapshot("NET-001", "pass");
    facts.cluster = None;
    facts.gaps.push(CollectionGap::new(
        "eks:DescribeCluster",
        "cluster fixture",
        Some(403),
        "AccessDeniedException",
        "",
        None,
    ));
    let s = scan("", Some(facts), Vec::new(), &Config::default());
    for id in ["NET-001", "LOG-001", "DATA-006", "AUTO-003"] {
        let r = s.of(id);
        assert_eq!(r.len(), 1, "{id}: {r:#?}");
        assert!(r[0].is_collection_failure(), "{id}: {r:#?}");
    }
}

#[test]
fn aws_managed_guarantees_are_verified_or_drifted() {
    let s = scan(
        "",
        Some(snapshot("AUTO-003", "pass")),
        Vec::new(),
        &Config::default(),
    );
    let r = s.of("AUTO-003");
    assert_eq!(r[0].status, Status::Pass);
    assert_eq!(
        r[0].responsibility,
        eksguard_core::Responsibility::AwsManaged
    );
    let s = scan(
        "",
        Some(snapshot("AUTO-003", "fail")),
        Vec::new(),
        &Config::default(),
    );
    assert_eq!(s.of("AUTO-003")[0].status, Status::Fail);
}

#[test]
fn a_disabled_control_is_not_checked_by_choice() {
    let config: Config =
        serde_json::from_value(serde_json::json!({"controls": {"disable": ["IAM-005"]}})).unwrap();
    let s = scan(PODS, None, Vec::new(), &config);
    let r = s.of("IAM-005");
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].status, Status::NotChecked);
    assert_eq!(r[0].gap, Some(GapKind::NotCollected));
}

#[test]
fn nothing_to_judge_is_not_applicable_and_suppressed_failures_stay_failures() {
    let s = scan(PODS, None, Vec::new(), &Config::default());
    let r = s.of("PATCH-003");
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].status, Status::NotApplicable);
    assert_eq!(r[0].reason.as_deref(), Some("no NodePool in the scan"));

    let suppressed = PODS.replace(
        "metadata: {name: host, namespace: shop}",
        "metadata: {name: host, namespace: shop, annotations: {eksguard.io/ignore: \"IAM-005: node agent\"}}",
    );
    let s = scan(&suppressed, None, Vec::new(), &Config::default());
    let host: Vec<_> = s
        .of("IAM-005")
        .into_iter()
        .filter(|r| r.status == Status::Fail)
        .collect();
    assert_eq!(host.len(), 1);
    assert!(host[0].suppressed && !host[0].is_active_fail());
}
