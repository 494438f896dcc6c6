//! Pods created by controllers: judged by the pod-spec rules although the
//! controllers are allow-listed, once per owning workload per window, and
//! not at all when the workload's creation was reported in the window.
//! Every scenario (`tests/fixtures/controller-pods/*.jsonl`, written by
//! `fixtures/rules/generate.py`) is read in every input format.

mod support;

use eksguard_audit::{
    AuditConfig, Detection, InputFormat, Options, Pipeline, Summary, handle_lambda_event,
};
use serde_json::{Value, json};
use support::{FORMATS, encode, fixtures, lambda_event, read_events};

fn scenario(name: &str) -> Vec<Value> {
    read_events(
        &fixtures()
            .join("controller-pods")
            .join(format!("{name}.jsonl")),
    )
}

fn run_bytes(cfg: &AuditConfig, bytes: &[u8]) -> (Vec<Detection>, Summary, InputFormat) {
    let mut p = Pipeline::new(cfg).unwrap();
    let mut out = Vec::new();
    let used = p
        .read("input", bytes, InputFormat::Auto, &mut |d| out.push(d))
        .unwrap_or_else(|e| panic!("{e}"));
    let s = p.finish(&mut |d| out.push(d));
    (out, s, used)
}

/// Detections of `events` written in `format` (sniffed), checked to be the
/// same whatever the format.
fn run_all_formats(cfg: &AuditConfig, events: &[Value]) -> Vec<Detection> {
    let mut first: Option<Vec<Detection>> = None;
    for format in FORMATS {
        let (found, summary, used) = run_bytes(cfg, &encode(events, format));
        assert_eq!(used, format, "sniffed format");
        assert_eq!(summary.unparseable, 0, "{format:?}: {summary:?}");
        assert_eq!(summary.events, events.len() as u64, "{format:?}");
        match &first {
            None => first = Some(found),
            Some(expected) => {
                // Positions differ by format; everything else must not.
                let strip = |d: &[Detection]| -> Vec<Detection> {
                    d.iter()
                        .map(|d| Detection {
                            position: Default::default(),
                            ..d.clone()
                        })
                        .collect()
                };
                assert_eq!(strip(&found), strip(expected), "{format:?}");
            }
        }
    }
    first.unwrap()
}

fn id(e: &Value) -> &str {
    e["auditID"].as_str().unwrap()
}

fn by(user: &str) -> impl Fn(&&Value) -> bool + '_ {
    move |e| e["user"]["username"] == user && e["objectRef"]["subresource"].is_null()
}

const RSC: &str = "system:serviceaccount:kube-system:replicaset-controller";
const DSC: &str = "system:serviceaccount:kube-system:daemon-set-controller";
const JOBC: &str = "system:serviceaccount:kube-system:job-controller";
const ECR: &str = "111122223333.dkr.ecr.us-west-2.amazonaws.com/app:1.4.2";

#[test]
fn deployment_created_before_the_window_pods_reported_once() {
    let events = scenario("deployment-before-window");
    let pods: Vec<&str> = events.iter().filter(by(RSC)).map(id).collect();
    assert_eq!(pods.len(), 3);
    let found = run_all_formats(&AuditConfig::default(), &events);
    assert_eq!(found.len(), 1, "{found:#?}");
    let d = &found[0];
    assert_eq!(d.rule, "AUD-001");
    assert_eq!(
        d.message,
        format!(
            "3 pods of Deployment shop/web created by replicaset-controller are privileged: container(s) app (images {ECR})"
        )
    );
    assert_eq!(d.object, "deployments/shop/web");
    assert_eq!(d.user, RSC);
    assert_eq!(d.verb, "create");
    assert_eq!(d.audit_ids, pods, "every pod, the latest last");
    let last = events.iter().rfind(by(RSC)).unwrap();
    assert_eq!(
        d.timestamp,
        last["requestReceivedTimestamp"].as_str().unwrap()
    );
    assert_eq!(d.source_ip, "172.16.47.112");
}

#[test]
fn deployment_created_in_the_window_is_the_one_detection() {
    let events = scenario("deployment-in-window");
    let found = run_all_formats(&AuditConfig::default(), &events);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].rule, "AUD-001");
    assert_eq!(found[0].user, "alice");
    assert_eq!(found[0].object, "deployments/shop/web");
    assert_eq!(found[0].audit_ids, [id(&events[0])]);
}

#[test]
fn a_pod_replaced_after_the_window_is_reported_again() {
    let events = scenario("deployment-pod-replaced-after-window");
    let found = run_all_formats(&AuditConfig::default(), &events);
    let got: Vec<(&str, &str)> = found.iter().map(|d| (d.rule, d.message.as_str())).collect();
    assert_eq!(got.len(), 2, "{found:#?}");
    assert_eq!(found[0].user, "alice");
    assert!(
        found[1].message.starts_with(
            "1 pod of Deployment shop/web created by replicaset-controller is privileged"
        ),
        "{got:?}"
    );
    assert_eq!(found[1].audit_ids, [id(events.last().unwrap())]);

    // A window longer than the gap covers the replacement too.
    let cfg = AuditConfig {
        controller_pod_window_secs: 3600,
        ..AuditConfig::default()
    };
    let found = run_all_formats(&cfg, &events);
    assert_eq!(found.len(), 1, "{found:#?}");
}

#[test]
fn a_group_is_reported_when_a_later_event_passes_its_window() {
    let events = scenario("window-closes-on-later-event");
    let found = run_all_formats(&AuditConfig::default(), &events);
    let got: Vec<(&str, &str)> = found.iter().map(|d| (d.rule, d.user.as_str())).collect();
    // The pods' group closes before the later pod's own detection.
    assert_eq!(got, [("AUD-001", RSC), ("AUD-001", "alice")], "{found:#?}");
    assert!(
        found[0]
            .message
            .starts_with("2 pods of Deployment shop/web")
    );

    // The same events one at a time through a warm Lambda: nothing for the
    // pods until an event past the window arrives.
    let mut p = Pipeline::with_options(
        &AuditConfig::default(),
        Options {
            parallel: false,
            ..Options::default()
        },
    )
    .unwrap();
    let (pods, later) = events.split_at(events.len() - 1);
    assert!(handle_lambda_event(&lambda_event(pods), &mut p).is_empty());
    let found = handle_lambda_event(&lambda_event(later), &mut p);
    let got: Vec<&str> = found.iter().map(|d| d.user.as_str()).collect();
    assert_eq!(got, [RSC, "alice"]);
}

#[test]
fn daemonset_on_the_host_network() {
    let events = scenario("daemonset-host-network");
    let found = run_all_formats(&AuditConfig::default(), &events);
    let got: Vec<(&str, &str)> = found.iter().map(|d| (d.rule, d.message.as_str())).collect();
    let image = "111122223333.dkr.ecr.us-west-2.amazonaws.com/mirror/node-exporter:v1.8.2";
    let of = "3 pods of DaemonSet monitoring/node-exporter created by daemon-set-controller are";
    assert_eq!(
        got,
        [
            (
                "AUD-002",
                format!("{of} mounting host path(s) /proc,/sys,/ (images {image})").as_str()
            ),
            (
                "AUD-003",
                format!("{of} using hostNetwork: true (images {image})").as_str()
            ),
            (
                "AUD-004",
                format!("{of} using hostPID: true (images {image})").as_str()
            ),
        ]
    );
    for d in &found {
        assert_eq!(d.object, "daemonsets/monitoring/node-exporter");
        assert_eq!(d.audit_ids.len(), 3);
    }
}

#[test]
fn jobs_of_a_cronjob_are_one_owner() {
    let events = scenario("cronjob-job");
    let found = run_all_formats(&AuditConfig::default(), &events);
    let got: Vec<(&str, &str, &str)> = found
        .iter()
        .map(|d| (d.rule, d.object.as_str(), d.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "AUD-002",
                "cronjobs/ops/image-prune",
                format!("2 pods of CronJob ops/image-prune created by job-controller are mounting host path(s) /run/containerd/containerd.sock (images {ECR})").as_str()
            ),
            (
                "AUD-004",
                "jobs/ops/node-debug-3",
                format!("1 pod of Job ops/node-debug-3 created by job-controller is using hostPID: true (images {ECR})").as_str()
            ),
        ]
    );
    let prune: Vec<&str> = events.iter().filter(by(JOBC)).take(2).map(id).collect();
    assert_eq!(found[0].audit_ids, prune);
}

#[test]
fn deployment_pods_in_kube_system() {
    let events = scenario("kube-system-controller");
    let found = run_all_formats(&AuditConfig::default(), &events);
    let got: Vec<(&str, &str)> = found.iter().map(|d| (d.rule, d.message.as_str())).collect();
    let of = "2 pods of Deployment kube-system/metrics-helper created by replicaset-controller are";
    assert_eq!(
        got,
        [
            (
                "AUD-018",
                format!("{of} in kube-system (images docker.io/bitnami/kubectl:1.33)").as_str()
            ),
            (
                "AUD-024",
                format!(
                    "{of} using image(s) outside the allowed registries: docker.io/bitnami/kubectl:1.33"
                )
                .as_str()
            ),
        ]
    );
}

#[test]
fn benign_controller_pods_are_quiet() {
    let events = scenario("benign-controller-pods");
    let found = run_all_formats(&AuditConfig::default(), &events);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn allow_lists_trusted_images_and_disabled_rules_still_apply() {
    let events = scenario("daemonset-host-network");
    let rules = |cfg: Value| -> Vec<&'static str> {
        let cfg: AuditConfig = serde_json::from_value(cfg).unwrap();
        run_all_formats(&cfg, &events)
            .iter()
            .map(|d| d.rule)
            .collect()
    };
    assert_eq!(
        rules(json!({"rule_allowed_principals": {"AUD-003": [DSC]}})),
        ["AUD-002", "AUD-004"]
    );
    assert_eq!(
        rules(
            json!({"rule_allowed_principals": {"AUD-003": ["system:serviceaccount:kube-system:*-controller"]}})
        ),
        ["AUD-002", "AUD-004"]
    );
    assert!(
        rules(
            json!({"extra_trusted_host_images": ["*.dkr.ecr.*.amazonaws.com/mirror/node-exporter"]})
        )
        .is_empty()
    );
    assert_eq!(
        rules(json!({"disabled_rules": ["AUD-002", "AUD-004"]})),
        ["AUD-003"]
    );
    // The global allow-list holds every controller by default; adding the
    // controller again does not hide its pods from the pod-spec rules.
    assert_eq!(
        rules(json!({"extra_allowed_principals": [DSC]})),
        ["AUD-002", "AUD-003", "AUD-004"]
    );
}

#[test]
fn controller_activity_outside_pod_specs_stays_allow_listed() {
    // A controller reading Secrets, binding roles and creating Jobs is the
    // noise the allow-list is for.
    let events: Vec<Value> = scenario("cronjob-job")
        .into_iter()
        .filter(|e| e["objectRef"]["resource"] == "jobs")
        .collect();
    assert_eq!(events.len(), 2);
    let mut secret = events[0].clone();
    secret["verb"] = json!("list");
    secret["objectRef"] = json!({"resource": "secrets", "apiVersion": "v1"});
    secret["auditID"] = json!("c0de0000-0000-4000-8000-0000000000f1");
    secret["user"]["username"] = json!(RSC);
    let mut all = events.clone();
    all.push(secret);
    assert!(run_all_formats(&AuditConfig::default(), &all).is_empty());
}

#[test]
fn controller_pods_without_owner_are_reported_one_by_one() {
    let mut events = scenario("kube-system-controller");
    events.truncate(2);
    for e in &mut events {
        e["requestObject"]["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("ownerReferences");
    }
    let found = run_all_formats(&AuditConfig::default(), &events);
    let rules: Vec<&str> = found.iter().map(|d| d.rule).collect();
    assert_eq!(rules, ["AUD-018", "AUD-024", "AUD-018", "AUD-024"]);
    assert!(
        found[0]
            .message
            .starts_with("pods metrics-helper-6d4b9c8f7-* created in kube-system"),
        "{}",
        found[0].message
    );
}

#[test]
fn owner_state_stays_bounded_and_nothing_is_lost() {
    let cfg = AuditConfig {
        max_state_entries: 100,
        ..AuditConfig::default()
    };
    let template = scenario("deployment-before-window")
        .into_iter()
        .find(|e| e["user"]["username"] == RSC)
        .unwrap();
    let mut text = String::new();
    for i in 0..3000u32 {
        let mut e = template.clone();
        e["auditID"] = json!(format!("c0de0000-0000-4000-9000-{i:012x}"));
        let rs = format!("web{i}-5d8f7c9b6");
        e["requestObject"]["metadata"]["ownerReferences"][0]["name"] = json!(rs);
        text.push_str(&e.to_string());
        text.push('\n');
    }
    let mut p = Pipeline::new(&cfg).unwrap();
    let mut found = Vec::new();
    p.read("many", text.as_bytes(), InputFormat::JsonLines, &mut |d| {
        found.push(d)
    })
    .unwrap();
    // Open groups and the duplicate filter are capped; the oldest groups
    // were reported early, not dropped.
    assert!(
        p.state_entries() <= 100 + 100 + 100,
        "{}",
        p.state_entries()
    );
    let summary = p.finish(&mut |d| found.push(d));
    assert_eq!(found.len(), 3000);
    assert_eq!(summary.detections_by_rule["AUD-001"], 3000);
    assert!(
        found
            .iter()
            .all(|d| d.message.starts_with("1 pod of Deployment shop/web"))
    );
}
