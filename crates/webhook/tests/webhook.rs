//! The real server over HTTPS: decisions, modes, dry-run, exemptions,
//! operations endpoints.

mod support;

use serde_json::{Value, json};
use support::*;

fn all_audit() -> Value {
    json!({"webhook": {"defaults": {"critical": "audit", "high": "audit", "medium": "audit", "low": "audit", "info": "audit"}}})
}

/// A sample of upstream's PSS fixtures across levels and versions: each Pod
/// is denied or allowed exactly as the fixture says, in a namespace that
/// enforces the fixture's level and version, and a denial contains
/// upstream's expected substring.
#[tokio::test]
async fn pss_conformance_sample_over_https() {
    let shared = support::shared_dir().join("conformance/pss");
    let index = std::fs::read_to_string(shared.join("index.tsv")).unwrap();
    let rows: Vec<Vec<&str>> = index
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect())
        .collect();
    // Object controls off the decision (audit only): this is about PSS.
    let mut namespaces = Vec::new();
    let mut cases = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let (level, version, expect, file, substring) = (row[0], row[1], row[2], row[3], row[5]);
        // Every 23rd row plus every row of the newest version of each level.
        if i % 23 != 0 && version != "v1.37" {
            continue;
        }
        let ns = format!("{level}-{}", version.replace('.', "-"));
        namespaces.push(ns.clone());
        cases.push((
            ns,
            level.to_owned(),
            version.to_owned(),
            expect == "deny",
            file.to_owned(),
            substring.to_owned(),
        ));
    }
    assert!(cases.len() > 150, "sample too small: {}", cases.len());
    let labelled: Vec<(String, Vec<(String, String)>)> = cases
        .iter()
        .map(|(ns, level, version, ..)| {
            (
                ns.clone(),
                vec![
                    (
                        "pod-security.kubernetes.io/enforce".to_owned(),
                        level.clone(),
                    ),
                    (
                        "pod-security.kubernetes.io/enforce-version".to_owned(),
                        version.clone(),
                    ),
                ],
            )
        })
        .collect();
    let namespaces = eksguard_webhook::Namespaces::from_labels(
        labelled
            .into_iter()
            .map(|(n, l)| (n, l.into_iter().collect())),
    );
    let h = start(config(all_audit()), namespaces).await;
    let mut conn = h.client.connect().await.unwrap();
    let (mut denied, mut allowed) = (0, 0);
    for (ns, _level, _version, deny, file, substring) in &cases {
        let mut pod = yaml_object(&shared.join(file));
        pod["metadata"]["namespace"] = json!(ns);
        let body = serde_json::to_vec(&review(&pod)).unwrap();
        let r = conn.send("POST", "/validate", body.into()).await.unwrap();
        assert_eq!(r.status, 200);
        let resp = &r.json()["response"];
        assert_eq!(resp["allowed"], json!(!deny), "{file}: {resp}");
        if *deny {
            denied += 1;
            let msg = resp["status"]["message"].as_str().unwrap();
            assert_eq!(resp["status"]["code"], 403);
            assert!(
                msg.contains("[PSS-002] pod violates PodSecurity"),
                "{file}: {msg}"
            );
            assert!(
                msg.contains(substring.as_str()),
                "{file}: {msg} lacks {substring:?}"
            );
        } else {
            allowed += 1;
        }
    }
    assert!(
        denied > 50 && allowed > 20,
        "denied {denied}, allowed {allowed}"
    );
}

/// Pods are denied at the enforce level; a Deployment with the same
/// template is admitted with a warning (as upstream), and a warn label gives
/// upstream's exact warning text.
#[tokio::test]
async fn controller_gets_warning_pod_gets_denied() {
    let h = start(
        config(json!({})),
        ns(&[
            (
                "prod",
                &[("pod-security.kubernetes.io/enforce", "restricted")],
            ),
            (
                "dev",
                &[
                    ("pod-security.kubernetes.io/warn", "restricted"),
                    ("pod-security.kubernetes.io/warn-version", "v1.30"),
                ],
            ),
        ]),
    )
    .await;
    let r = h.client.review(&review(&pod("prod", plain_spec()))).await;
    assert_eq!(r["allowed"], false, "{r}");
    let msg = r["status"]["message"].as_str().unwrap();
    assert!(msg.starts_with("eksguard denied prod/p[Pod]: 1 violated control(s)\n[PSS-002] pod violates PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false (container \"app\" must set securityContext.allowPrivilegeEscalation=false)"), "{msg}");
    assert!(msg.contains("(fix: "), "{msg}");

    let r = h
        .client
        .review(&review(&deployment("prod", plain_spec())))
        .await;
    assert_eq!(r["allowed"], true, "{r}");
    let w = r["warnings"][0].as_str().unwrap();
    assert!(w.starts_with("[PSS-002] prod/web[Deployment] is admitted, but every pod it creates would be denied: pod violates PodSecurity \"restricted:latest\""), "{w}");

    // Compliant template: nothing to say.
    let r = h
        .client
        .review(&review(&deployment("prod", good_spec())))
        .await;
    assert_eq!(
        r,
        json!({"uid": "705ab4f5-6393-11e8-b7cc-42010a800002", "allowed": true})
    );

    // warn label: upstream's own warning wording, for Pods and controllers.
    for obj in [pod("dev", plain_spec()), deployment("dev", plain_spec())] {
        let r = h.client.review(&review(&obj)).await;
        assert_eq!(r["allowed"], true);
        assert_eq!(r["warnings"].as_array().unwrap().len(), 1, "{r}");
        assert!(
            r["warnings"][0].as_str().unwrap().starts_with(
                "would violate PodSecurity \"restricted:v1.30\": allowPrivilegeEscalation != false"
            ),
            "{r}"
        );
    }
}

/// Workload controls in their default modes: IAM-005 (high) enforces,
/// IMG-002 (medium) warns; both are listed with ID and fix.
#[tokio::test]
async fn workload_controls_in_default_modes() {
    let h = start(config(json!({})), ns(&[("apps", &[])])).await;
    let mut spec = good_spec();
    spec["hostNetwork"] = json!(true);
    spec["containers"][0]["image"] = json!("nginx:latest");
    let r = h.client.review(&review(&deployment("apps", spec))).await;
    assert_eq!(r["allowed"], false, "{r}");
    assert_eq!(r["status"]["code"], 403);
    let msg = r["status"]["message"].as_str().unwrap();
    assert!(msg.contains("\n[IAM-005] "), "{msg}");
    assert!(msg.contains("(fix: "), "{msg}");
    assert!(
        !msg.contains("IMG-002"),
        "warn-mode control must not be in the denial: {msg}"
    );
    let warnings: Vec<&str> = r["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        warnings.iter().any(|w| w.starts_with("[IMG-002] ")),
        "{warnings:?}"
    );
    // Each violated control is counted in /metrics by mode.
    let m = h.client.get("/metrics").await.text();
    assert!(
        m.contains("eksguard_webhook_decisions_total{control=\"IAM-005\",mode=\"enforce\"} 1\n"),
        "{m}"
    );
    assert!(
        m.contains("eksguard_webhook_decisions_total{control=\"IMG-002\",mode=\"warn\"} 1\n"),
        "{m}"
    );
    assert!(
        m.contains("eksguard_webhook_requests_total{outcome=\"denied\"} 1\n"),
        "{m}"
    );
}

/// The same violation in enforce, warn and audit mode; audit writes a
/// structured log line and an audit annotation; an `eksguard.io/ignore`
/// annotation and a config exception suppress it as in `scan`.
#[tokio::test]
async fn per_control_modes_and_suppressions() {
    let mut spec = good_spec();
    spec["hostNetwork"] = json!(true);
    let obj = deployment("apps", spec);
    for (mode, allowed) in [("enforce", false), ("warn", true), ("audit", true)] {
        let h = start(
            config(json!({"webhook": {"controls": {"IAM-005": mode}}})),
            ns(&[("apps", &[])]),
        )
        .await;
        let r = h.client.review(&review(&obj)).await;
        assert_eq!(r["allowed"], allowed, "{mode}: {r}");
        let warned = r["warnings"].as_array().is_some_and(|w| {
            w.iter()
                .any(|w| w.as_str().unwrap().starts_with("[IAM-005]"))
        });
        assert_eq!(warned, mode == "warn", "{mode}: {r}");
        let audited = r["auditAnnotations"]["iam-005"].is_string();
        assert_eq!(audited, mode == "audit", "{mode}: {r}");
        let lines = h.log.lines();
        let line = lines.iter().find(|l| l["control"] == "IAM-005");
        match mode {
            "audit" => {
                let l = line.expect("audit line");
                assert_eq!(l["msg"], "audit");
                assert_eq!(l["dry_run"], false);
                assert_eq!(l["namespace"], "apps");
                assert_eq!(l["kind"], "Deployment");
                assert_eq!(l["user"], "admin");
            }
            "enforce" => assert_eq!(line.expect("denial line")["msg"], "denied"),
            _ => assert!(line.is_none()),
        }
    }
    // Suppressed by annotation, or by a config exception.
    let h = start(
        config(json!({"exceptions": [{"control": "IAM-005", "namespace": "infra", "reason": "node agent"}]})),
        ns(&[("apps", &[]), ("infra", &[])]),
    )
    .await;
    let mut annotated = obj.clone();
    annotated["metadata"]["annotations"] =
        json!({"eksguard.io/ignore": "IAM-005: needs the node network"});
    assert_eq!(h.client.review(&review(&annotated)).await["allowed"], true);
    let mut in_infra = obj.clone();
    in_infra["metadata"]["namespace"] = json!("infra");
    assert_eq!(h.client.review(&review(&in_infra)).await["allowed"], true);
    assert_eq!(h.client.review(&review(&obj)).await["allowed"], false);
}

/// Dry-run requests get the same decision; their audit lines say dry_run.
#[tokio::test]
async fn dry_run_is_evaluated_and_marked() {
    let h = start(
        config(json!({"webhook": {"controls": {"IMG-002": "audit"}}})),
        ns(&[("apps", &[])]),
    )
    .await;
    let mut spec = good_spec();
    spec["containers"][0]["image"] = json!("nginx:latest");
    spec["hostNetwork"] = json!(true);
    let mut body = review(&deployment("apps", spec));
    let real = h.client.review(&body).await;
    body["request"]["dryRun"] = json!(true);
    let dry = h.client.review(&body).await;
    assert_eq!(real, dry, "dry-run must not change the decision");
    assert_eq!(dry["allowed"], false);
    let lines: Vec<Value> = h
        .log
        .lines()
        .into_iter()
        .filter(|l| l["control"] == "IMG-002")
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0]["dry_run"], false);
    assert_eq!(lines[1]["dry_run"], true);
}

/// PSS exemptions by user, namespace and runtime class, from `pss:`.
#[tokio::test]
async fn pss_exemptions() {
    let h = start(
        config(json!({"pss": {"exemptions": {
            "usernames": ["system:serviceaccount:kube-system:daemon-set-controller"],
            "namespaces": ["legacy"],
            "runtime_classes": ["gvisor"]
        }}})),
        ns(&[
            (
                "prod",
                &[("pod-security.kubernetes.io/enforce", "restricted")],
            ),
            (
                "legacy",
                &[("pod-security.kubernetes.io/enforce", "restricted")],
            ),
        ]),
    )
    .await;
    let base = review(&pod("prod", plain_spec()));
    assert_eq!(h.client.review(&base).await["allowed"], false);

    let mut by_user = base.clone();
    by_user["request"]["userInfo"]["username"] =
        json!("system:serviceaccount:kube-system:daemon-set-controller");
    let r = h.client.review(&by_user).await;
    assert_eq!(
        (
            r["allowed"].clone(),
            r["auditAnnotations"]["exempt"].clone()
        ),
        (json!(true), json!("user")),
        "{r}"
    );

    let r = h.client.review(&review(&pod("legacy", plain_spec()))).await;
    assert_eq!(r["auditAnnotations"]["exempt"], "namespace", "{r}");
    assert_eq!(r["allowed"], true);

    let mut spec = plain_spec();
    spec["runtimeClassName"] = json!("gvisor");
    let r = h.client.review(&review(&pod("prod", spec))).await;
    assert_eq!(r["auditAnnotations"]["exempt"], "runtimeClass", "{r}");
    assert_eq!(r["allowed"], true);
}

/// A namespace not in the cache: by default evaluated with `pss.defaults`
/// and warned about; `unknown_namespace: deny` denies.
#[tokio::test]
async fn unknown_namespace_fail_modes() {
    let h = start(
        config(json!({"pss": {"defaults": {"enforce": "baseline"}}})),
        ns(&[]),
    )
    .await;
    let mut spec = good_spec();
    spec["containers"][0]["securityContext"]["privileged"] = json!(true);
    let r = h.client.review(&review(&pod("new-ns", spec.clone()))).await;
    assert_eq!(r["allowed"], false, "{r}");
    assert!(
        r["status"]["message"]
            .as_str()
            .unwrap()
            .contains("violates PodSecurity \"baseline:latest\": privileged"),
        "{r}"
    );
    assert!(
        r["warnings"][0]
            .as_str()
            .unwrap()
            .contains("\"new-ns\" is not in eksguard's namespace cache"),
        "{r}"
    );
    let r = h.client.review(&review(&pod("new-ns", good_spec()))).await;
    assert_eq!(r["allowed"], true);

    let h = start(
        config(json!({"webhook": {"unknown_namespace": "deny"}})),
        ns(&[]),
    )
    .await;
    let r = h.client.review(&review(&pod("new-ns", good_spec()))).await;
    assert_eq!(r["allowed"], false);
    assert!(
        r["status"]["message"]
            .as_str()
            .unwrap()
            .contains("not in eksguard's namespace cache")
    );
}

/// Operations that carry no new object, and subresources, are allowed
/// without evaluation; a Pod update that changes no PSS-relevant field is
/// not re-evaluated (upstream's rule).
#[tokio::test]
async fn operations_and_updates() {
    let h = start(
        config(json!({})),
        ns(&[(
            "prod",
            &[("pod-security.kubernetes.io/enforce", "restricted")],
        )]),
    )
    .await;
    let bad = pod("prod", plain_spec());
    let mut del = review(&bad);
    del["request"]["operation"] = json!("DELETE");
    assert_eq!(h.client.review(&del).await["allowed"], true);
    let mut status = review(&bad);
    status["request"]["operation"] = json!("UPDATE");
    status["request"]["subResource"] = json!("status");
    assert_eq!(h.client.review(&status).await["allowed"], true);
    let mut update = review(&bad);
    update["request"]["operation"] = json!("UPDATE");
    update["request"]["oldObject"] = bad.clone();
    assert_eq!(
        h.client.review(&update).await["allowed"],
        true,
        "label-only update"
    );
    let mut changed = bad.clone();
    changed["spec"]["containers"][0]["image"] = json!(
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:1111111111111111111111111111111111111111111111111111111111111111"
    );
    update["request"]["object"] = changed;
    assert_eq!(
        h.client.review(&update).await["allowed"],
        false,
        "image change is significant"
    );
}

/// Health, readiness and metrics endpoints.
#[tokio::test]
async fn health_ready_metrics() {
    let h = start(config(json!({})), ns(&[])).await;
    let r = h.client.get("/healthz").await;
    assert_eq!((r.status, r.text()), (200, "ok".to_owned()));
    assert_eq!(h.client.get("/readyz").await.status, 200);
    h.client
        .review(&review(&deployment("x", good_spec())))
        .await;
    let m = h.client.get("/metrics").await.text();
    assert!(
        m.contains("eksguard_webhook_requests_total{outcome=\"allowed\"} 1\n"),
        "{m}"
    );
    assert!(
        m.contains("eksguard_webhook_request_duration_seconds_count 1\n"),
        "{m}"
    );
    assert!(m.contains("# TYPE eksguard_webhook_request_duration_seconds histogram\n"));
    assert_eq!(h.client.post("/healthz", "x").await.status, 405);
}

/// SIGTERM path: shutdown turns /readyz to 503 for open connections and the
/// server stops within the drain time.
#[tokio::test]
async fn graceful_drain() {
    let h = start(config(json!({"webhook": {"drain_seconds": 2}})), ns(&[])).await;
    let mut conn = h.client.connect().await.unwrap();
    assert_eq!(
        conn.send("GET", "/readyz", Default::default())
            .await
            .unwrap()
            .status,
        200
    );
    h.server.shutdown();
    let started = std::time::Instant::now();
    tokio::time::timeout(std::time::Duration::from_secs(10), h.server.wait())
        .await
        .expect("server stopped")
        .unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert!(
        h.client.connect().await.is_err(),
        "no new connections after drain"
    );
}
