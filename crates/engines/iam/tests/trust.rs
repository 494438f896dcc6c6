//! Trust analysis for IRSA and EKS Pod Identity. Trust documents follow the
//! shapes in the Amazon EKS User Guide ("Assign IAM roles to Kubernetes
//! service accounts", "Create IAM role with trust policy required by EKS Pod
//! Identity").

use eksguard_iam::{
    ClusterFacts, Policy, SubjectScope, TrustFindingKind, analyze_trust, irsa_trusts,
    pod_identity_trusts,
};

const ISSUER: &str = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
const OTHER: &str = "oidc.eks.us-west-2.amazonaws.com/id/0THERD539D4633E53DE1B710THER";

fn facts() -> ClusterFacts {
    ClusterFacts {
        account_id: "111122223333".into(),
        oidc_issuer: format!("https://{ISSUER}"),
        cluster_arn: "arn:aws:eks:us-west-2:111122223333:cluster/prod".into(),
    }
}

fn irsa_doc(issuer: &str, condition: &str) -> Policy {
    let json = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow",
        "Principal":{{"Federated":"arn:aws:iam::111122223333:oidc-provider/{issuer}"}},
        "Action":"sts:AssumeRoleWithWebIdentity","Condition":{condition}}}]}}"#
    );
    Policy::parse(&json).unwrap_or_else(|e| panic!("{e}: {json}"))
}

fn kinds(p: &Policy) -> Vec<TrustFindingKind> {
    analyze_trust(p, &facts())
        .findings
        .iter()
        .map(|f| f.kind)
        .collect()
}

#[test]
fn documented_irsa_trust_is_clean_and_exact() {
    let p = irsa_doc(
        ISSUER,
        &format!(
            r#"{{"StringEquals":{{"{ISSUER}:sub":"system:serviceaccount:default:my-service-account","{ISSUER}:aud":"sts.amazonaws.com"}}}}"#
        ),
    );
    let r = analyze_trust(&p, &facts());
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    assert_eq!(r.irsa.len(), 1);
    assert!(r.irsa[0].this_cluster);
    assert_eq!(
        r.irsa[0].subjects,
        vec![SubjectScope::ServiceAccount {
            namespace: "default".into(),
            name: "my-service-account".into()
        }]
    );
    assert!(!r.pod_identity);
    assert!(irsa_trusts(&p, &facts(), "default", "my-service-account"));
    assert!(!irsa_trusts(&p, &facts(), "default", "other"));
    assert!(!irsa_trusts(
        &p,
        &facts(),
        "kube-system",
        "my-service-account"
    ));
}

#[test]
fn missing_sub_admits_every_service_account() {
    let p = irsa_doc(
        ISSUER,
        &format!(r#"{{"StringEquals":{{"{ISSUER}:aud":"sts.amazonaws.com"}}}}"#),
    );
    assert_eq!(kinds(&p), vec![TrustFindingKind::IrsaSubMissing]);
    assert!(irsa_trusts(&p, &facts(), "any", "thing"));
}

#[test]
fn sub_wildcards_namespace_vs_cluster() {
    let ns = irsa_doc(
        ISSUER,
        &format!(
            r#"{{"StringLike":{{"{ISSUER}:sub":"system:serviceaccount:payments:*"}},"StringEquals":{{"{ISSUER}:aud":"sts.amazonaws.com"}}}}"#
        ),
    );
    let r = analyze_trust(&ns, &facts());
    let f: Vec<_> = r.findings.iter().map(|f| (f.kind, f.severity)).collect();
    assert_eq!(
        f,
        vec![(
            TrustFindingKind::IrsaSubNamespaceWildcard,
            eksguard_core::Severity::Medium
        )]
    );
    assert!(irsa_trusts(&ns, &facts(), "payments", "worker"));
    assert!(!irsa_trusts(&ns, &facts(), "default", "worker"));

    for pattern in [
        "system:serviceaccount:*",
        "system:serviceaccount:*:app",
        "*",
    ] {
        let cl = irsa_doc(
            ISSUER,
            &format!(
                r#"{{"StringLike":{{"{ISSUER}:sub":"{pattern}"}},"StringEquals":{{"{ISSUER}:aud":"sts.amazonaws.com"}}}}"#
            ),
        );
        let r = analyze_trust(&cl, &facts());
        let f: Vec<_> = r.findings.iter().map(|f| (f.kind, f.severity)).collect();
        assert_eq!(
            f,
            vec![(
                TrustFindingKind::IrsaSubClusterWildcard,
                eksguard_core::Severity::High
            )],
            "{pattern}"
        );
        assert!(irsa_trusts(&cl, &facts(), "default", "app"), "{pattern}");
    }
}

#[test]
fn wildcard_under_string_equals_is_literal() {
    // StringEquals does not expand `*`: the role is effectively unusable,
    // and no wildcard finding is raised.
    let p = irsa_doc(
        ISSUER,
        &format!(
            r#"{{"StringEquals":{{"{ISSUER}:sub":"system:serviceaccount:payments:*","{ISSUER}:aud":"sts.amazonaws.com"}}}}"#
        ),
    );
    assert!(kinds(&p).is_empty());
    assert!(!irsa_trusts(&p, &facts(), "payments", "worker"));
}

#[test]
fn string_like_without_wildcard() {
    let p = irsa_doc(
        ISSUER,
        &format!(
            r#"{{"StringLike":{{"{ISSUER}:sub":"system:serviceaccount:default:api"}},"StringEquals":{{"{ISSUER}:aud":"sts.amazonaws.com"}}}}"#
        ),
    );
    assert_eq!(
        kinds(&p),
        vec![TrustFindingKind::IrsaStringLikeWithoutWildcard]
    );
    assert!(irsa_trusts(&p, &facts(), "default", "api"));
}

#[test]
fn audience_missing_or_wrong() {
    let missing = irsa_doc(
        ISSUER,
        &format!(r#"{{"StringEquals":{{"{ISSUER}:sub":"system:serviceaccount:default:api"}}}}"#),
    );
    assert_eq!(kinds(&missing), vec![TrustFindingKind::IrsaAudMissing]);
    assert!(irsa_trusts(&missing, &facts(), "default", "api"));

    let wrong = irsa_doc(
        ISSUER,
        &format!(
            r#"{{"StringEquals":{{"{ISSUER}:sub":"system:serviceaccount:default:api","{ISSUER}:aud":"my-app"}}}}"#
        ),
    );
    assert_eq!(kinds(&wrong), vec![TrustFindingKind::IrsaAudNotSts]);
    // The webhook's tokens carry aud=sts.amazonaws.com, so this binding is broken.
    assert!(!irsa_trusts(&wrong, &facts(), "default", "api"));
}

#[test]
fn provider_of_another_cluster() {
    let p = irsa_doc(
        OTHER,
        &format!(
            r#"{{"StringEquals":{{"{OTHER}:sub":"system:serviceaccount:default:api","{OTHER}:aud":"sts.amazonaws.com"}}}}"#
        ),
    );
    let r = analyze_trust(&p, &facts());
    assert_eq!(
        r.findings.iter().map(|f| f.kind).collect::<Vec<_>>(),
        vec![TrustFindingKind::IrsaForeignProvider]
    );
    assert!(!r.irsa[0].this_cluster);
    assert!(
        !irsa_trusts(&p, &facts(), "default", "api"),
        "broken IRSA for this cluster"
    );
}

#[test]
fn explicit_deny_in_trust_blocks_irsa() {
    let json = format!(
        r#"{{"Version":"2012-10-17","Statement":[
        {{"Effect":"Allow","Principal":{{"Federated":"arn:aws:iam::111122223333:oidc-provider/{ISSUER}"}},
          "Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringLike":{{"{ISSUER}:sub":"system:serviceaccount:*"}}}}}},
        {{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRoleWithWebIdentity",
          "Condition":{{"StringEquals":{{"{ISSUER}:sub":"system:serviceaccount:kube-system:default"}}}}}}]}}"#
    );
    let p = Policy::parse(&json).expect("parses");
    assert!(irsa_trusts(&p, &facts(), "default", "api"));
    assert!(!irsa_trusts(&p, &facts(), "kube-system", "default"));
}

#[test]
fn url_encoded_trust_from_real_iam() {
    // GetRole returns AssumeRolePolicyDocument URL-encoded.
    let plain = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Federated":"arn:aws:iam::111122223333:oidc-provider/{ISSUER}"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringEquals":{{"{ISSUER}:sub":"system:serviceaccount:default:api","{ISSUER}:aud":"sts.amazonaws.com"}}}}}}]}}"#
    );
    let encoded: String = plain
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    let p = Policy::parse(&encoded).expect("decodes");
    assert!(irsa_trusts(&p, &facts(), "default", "api"));
}

const POD_ID_BASE: &str = r#""Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]"#;

#[test]
fn pod_identity_documented_trust() {
    let bare = Policy::parse(&format!(r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"AllowEksAuthToAssumeRoleForPodIdentity",{POD_ID_BASE}}}]}}"#))
        .expect("parses");
    let r = analyze_trust(&bare, &facts());
    assert!(r.pod_identity);
    assert_eq!(
        r.findings.iter().map(|f| f.kind).collect::<Vec<_>>(),
        vec![TrustFindingKind::PodIdentityNoSourceCondition]
    );
    assert_eq!(
        r.findings[0].sid.as_deref(),
        Some("AllowEksAuthToAssumeRoleForPodIdentity")
    );

    let scoped = Policy::parse(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{{POD_ID_BASE},"Condition":{{
            "StringEquals":{{"aws:SourceAccount":"111122223333"}},
            "ArnEquals":{{"aws:SourceArn":"arn:aws:eks:us-west-2:111122223333:cluster/prod"}}}}}}]}}"#
    ))
    .expect("parses");
    let r = analyze_trust(&scoped, &facts());
    assert!(r.pod_identity);
    assert!(r.findings.is_empty(), "{:?}", r.findings);

    // Scoped to another cluster: not usable from this one.
    let other = Policy::parse(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{{POD_ID_BASE},"Condition":{{
            "ArnEquals":{{"aws:SourceArn":"arn:aws:eks:us-west-2:111122223333:cluster/staging"}}}}}}]}}"#
    ))
    .expect("parses");
    assert!(!pod_identity_trusts(&other, &facts(), None));
}

#[test]
fn pod_identity_needs_tag_session() {
    let p = Policy::parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":"sts:AssumeRole",
            "Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}]}"#,
    )
    .expect("parses");
    let r = analyze_trust(&p, &facts());
    assert!(!r.pod_identity);
    assert_eq!(
        r.findings.iter().map(|f| f.kind).collect::<Vec<_>>(),
        vec![TrustFindingKind::PodIdentityMissingTagSession]
    );
}

#[test]
fn pod_identity_session_tag_conditions() {
    // Trust narrowed with the session tags EKS Pod Identity attaches.
    let p = Policy::parse(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{{POD_ID_BASE},"Condition":{{
            "StringEquals":{{"aws:SourceAccount":"111122223333","aws:RequestTag/kubernetes-namespace":"payments"}}}}}}]}}"#
    ))
    .expect("parses");
    assert!(pod_identity_trusts(
        &p,
        &facts(),
        Some(("payments", "worker"))
    ));
    assert!(!pod_identity_trusts(
        &p,
        &facts(),
        Some(("default", "worker"))
    ));
}
