//! The Lambda wrapper over recorded subscription deliveries
//! (`fixtures/generate.py` documents their shape).

use eksguard_audit::AuditConfig;
use eksguard_cloudwatch::lambda::Handler;
use std::path::Path;

fn fixture(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn exec_delivery_is_reported_once_with_counts() {
    let mut h = Handler::new(&AuditConfig::default()).unwrap();
    let inv = h.handle(&fixture("lambda-exec.json"));
    // ResponseStarted judged, ResponseComplete is a second stage of the same
    // request, the cut message is counted and not parsed.
    assert_eq!(
        (inv.records, inv.events, inv.truncated),
        (3, 2, 1),
        "{inv:?}"
    );
    assert_eq!(inv.unparseable, 0);
    let exec: Vec<_> = inv
        .detections
        .iter()
        .filter(|d| d.rule == "AUD-006")
        .collect();
    assert_eq!(exec.len(), 1, "{:#?}", inv.detections);
    assert_eq!(exec[0].audit_ids, ["7a1d0000-0000-4000-8000-0000000000a1"]);
    assert_eq!(exec[0].user, "alice");
    // Only the last sourceIPs entry is trustworthy.
    assert_eq!(exec[0].source_ip, "203.0.113.10");
    assert_eq!(inv.detection_count, inv.detections.len());

    // CloudWatch redelivers a batch when an invocation fails: the warm
    // handler skips it as duplicates.
    let again = h.handle(&fixture("lambda-exec.json"));
    assert!(again.detections.is_empty(), "{:#?}", again.detections);
    assert_eq!(again.duplicates, 2, "both stages were seen before");
}

#[test]
fn control_and_malformed_events_do_not_fail_the_invocation() {
    let mut h = Handler::new(&AuditConfig::default()).unwrap();
    let control = h.handle(&fixture("lambda-control.json"));
    assert_eq!(control.control_messages, 1);
    assert!(control.detections.is_empty());
    assert_eq!(control.unparseable, 0);

    let not_logs = h.handle(r#"{"Records":[{"eventSource":"aws:s3"}]}"#);
    assert_eq!(not_logs.unparseable, 1);
    let bad_data = h.handle(r#"{"awslogs":{"data":"%%% not base64"}}"#);
    assert_eq!(bad_data.unparseable, 1);
    assert!(bad_data.detections.is_empty());
}

#[test]
fn invocation_summary_serializes_without_detections() {
    let mut h = Handler::new(&AuditConfig::default()).unwrap();
    let inv = h.handle(&fixture("lambda-exec.json"));
    let v = serde_json::to_value(&inv).unwrap();
    assert!(v.get("detections").is_none());
    assert_eq!(v["truncated"], 1);
    assert_eq!(v["detection_count"], inv.detections.len());
}
