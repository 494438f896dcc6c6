//! Namespace labels, exemptions and the per-mode admission decision, against upstream's
//! `api/helpers.go` (`PolicyToEvaluate`) and `admission/admission.go`.

use std::collections::BTreeMap;

use eksguard_pss::{
    Decision, Evaluator, Exemption, Exemptions, Level, LevelVersion, Policy, Request, TargetKind,
    Version, decide, pod_target,
};
use serde_json::json;

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (format!("pod-security.kubernetes.io/{k}"), v.to_string()))
        .collect()
}

fn lv(level: Level, version: Version) -> LevelVersion {
    LevelVersion::new(level, version)
}

#[test]
fn valid_labels() {
    let (p, errs) = Policy::from_labels(
        &labels(&[
            ("enforce", "baseline"),
            ("enforce-version", "v1.30"),
            ("audit", "restricted"),
            ("warn", "restricted"),
            ("warn-version", "v1.29"),
        ]),
        Policy::default(),
    );
    assert!(errs.is_empty());
    assert_eq!(p.enforce, lv(Level::Baseline, Version::V1(30)));
    // A missing version label means latest (the default policy's version).
    assert_eq!(p.audit, lv(Level::Restricted, Version::Latest));
    assert_eq!(p.warn, lv(Level::Restricted, Version::V1(29)));
}

#[test]
fn missing_labels_use_the_defaults() {
    let (p, errs) = Policy::from_labels(&BTreeMap::new(), Policy::default());
    assert!(errs.is_empty());
    let privileged = lv(Level::Privileged, Version::Latest);
    assert_eq!(
        (p.enforce, p.audit, p.warn),
        (privileged, privileged, privileged)
    );
    // Configured defaults fill what the labels leave out.
    let defaults = Policy {
        enforce: lv(Level::Baseline, Version::V1(28)),
        ..Policy::default()
    };
    let (p, _) = Policy::from_labels(&labels(&[("audit", "baseline")]), defaults);
    assert_eq!(p.enforce, lv(Level::Baseline, Version::V1(28)));
    assert_eq!(p.audit, lv(Level::Baseline, Version::Latest));
}

#[test]
fn invalid_labels_fail_closed_for_enforce_and_open_for_audit_and_warn() {
    let (p, errs) = Policy::from_labels(
        &labels(&[
            ("enforce", "Baseline"),
            ("enforce-version", "1.30"),
            ("audit", "strict"),
            ("warn", ""),
            ("warn-version", "v1.030"),
        ]),
        Policy::default(),
    );
    assert_eq!(p.enforce, lv(Level::Restricted, Version::Latest));
    assert_eq!(p.audit.level, Level::Privileged);
    assert_eq!(p.warn, lv(Level::Privileged, Version::Latest));
    let got: Vec<String> = errs.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"Baseline\": must be one of privileged, baseline, restricted",
            "metadata.labels[pod-security.kubernetes.io/enforce-version]: Invalid value: \"1.30\": must be \"latest\" or \"v1.x\"",
            "metadata.labels[pod-security.kubernetes.io/audit]: Invalid value: \"strict\": must be one of privileged, baseline, restricted",
            "metadata.labels[pod-security.kubernetes.io/warn]: Invalid value: \"\": must be one of privileged, baseline, restricted",
            "metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: \"v1.030\": must be \"latest\" or \"v1.x\"",
        ]
    );
}

fn bad_pod() -> serde_json::Value {
    json!({"metadata": {"name": "p"}, "spec": {
        "runtimeClassName": "gvisor",
        "containers": [{"name": "app", "securityContext": {"privileged": true}}]
    }})
}

fn run(policy: &Policy, exemptions: &Exemptions, kind: TargetKind, user: Option<&str>) -> Decision {
    let obj = match kind {
        TargetKind::Pod => bad_pod(),
        TargetKind::Controller => json!({"spec": {"template": bad_pod()}}),
    };
    let (api, k) = match kind {
        TargetKind::Pod => ("v1", "Pod"),
        TargetKind::Controller => ("apps/v1", "Deployment"),
    };
    let t = pod_target(api, k, &obj).unwrap().unwrap();
    assert_eq!(t.kind, kind);
    let req = Request {
        namespace: "team-a",
        username: user,
        kind,
    };
    decide(
        &Evaluator::default(),
        policy,
        &[],
        exemptions,
        &req,
        &t.metadata,
        &t.spec,
    )
}

fn strict_policy() -> Policy {
    Policy {
        enforce: lv(Level::Baseline, Version::Latest),
        audit: lv(Level::Restricted, Version::Latest),
        warn: lv(Level::Baseline, Version::V1(30)),
    }
}

#[test]
fn pods_are_denied_and_audited_but_not_warned() {
    let d = run(
        &strict_policy(),
        &Exemptions::default(),
        TargetKind::Pod,
        None,
    );
    assert!(!d.allowed());
    assert_eq!(
        d.deny_message().as_deref(),
        Some(
            "violates PodSecurity \"baseline:latest\": privileged (container \"app\" must not set securityContext.privileged=true)"
        )
    );
    assert!(d.audit_annotation().unwrap().starts_with(
        "would violate PodSecurity \"restricted:latest\": privileged (container \"app\" must not set securityContext.privileged=true), allowPrivilegeEscalation != false"
    ));
    // Upstream adds no warning to a request it denies.
    assert_eq!(d.warning(), None);
}

#[test]
fn controllers_are_warned_and_audited_but_never_denied() {
    let d = run(
        &strict_policy(),
        &Exemptions::default(),
        TargetKind::Controller,
        None,
    );
    assert!(d.allowed());
    assert!(d.deny.is_none());
    assert_eq!(
        d.warning().as_deref(),
        Some(
            "would violate PodSecurity \"baseline:v1.30\": privileged (container \"app\" must not set securityContext.privileged=true)"
        )
    );
    assert!(d.audit.is_some());
    // Enforce-only policy: a controller gets nothing at all.
    let enforce_only = Policy {
        enforce: lv(Level::Restricted, Version::Latest),
        ..Policy::default()
    };
    let d = run(
        &enforce_only,
        &Exemptions::default(),
        TargetKind::Controller,
        None,
    );
    assert_eq!(d, Decision::default());
}

#[test]
fn exemptions_skip_evaluation() {
    let policy = strict_policy();
    let cases = [
        (
            Exemptions {
                namespaces: vec!["team-a".into()],
                ..Exemptions::default()
            },
            None,
            Exemption::Namespace,
        ),
        (
            Exemptions {
                usernames: vec!["system:serviceaccount:kube-system:replicaset-controller".into()],
                ..Exemptions::default()
            },
            Some("system:serviceaccount:kube-system:replicaset-controller"),
            Exemption::User,
        ),
        (
            Exemptions {
                runtime_classes: vec!["gvisor".into()],
                ..Exemptions::default()
            },
            Some("alice"),
            Exemption::RuntimeClass,
        ),
    ];
    for (ex, user, want) in cases {
        let d = run(&policy, &ex, TargetKind::Pod, user);
        assert_eq!(d.exemption, Some(want));
        assert!(d.allowed() && d.audit.is_none() && d.warn.is_none());
    }
    // Matching is exact: no prefixes, and an unknown user is not exempt.
    let ex = Exemptions {
        usernames: vec!["alice".into()],
        namespaces: vec!["team".into()],
        runtime_classes: vec!["gvisor2".into()],
    };
    let d = run(&policy, &ex, TargetKind::Pod, Some("alice2"));
    assert_eq!(d.exemption, None);
    assert!(!d.allowed());
}

#[test]
fn invalid_labels_still_evaluate_and_are_reported() {
    let (policy, errs) = Policy::from_labels(&labels(&[("enforce", "bogus")]), Policy::default());
    let t = pod_target("v1", "Pod", &bad_pod()).unwrap().unwrap();
    let req = Request {
        namespace: "team-a",
        username: None,
        kind: TargetKind::Pod,
    };
    let d = decide(
        &Evaluator::default(),
        &policy,
        &errs,
        &Exemptions::default(),
        &req,
        &t.metadata,
        &t.spec,
    );
    // Fail closed: an unparseable enforce level is restricted.
    assert!(
        d.deny_message()
            .unwrap()
            .starts_with("violates PodSecurity \"restricted:latest\": privileged")
    );
    assert_eq!(
        d.error_annotation().as_deref(),
        Some(
            "Failed to parse policy: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"bogus\": must be one of privileged, baseline, restricted"
        )
    );
}
