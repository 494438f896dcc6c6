//! Input formats, stages, duplicates, truncation, renderers and the Lambda
//! handler.

use eksguard_audit::{
    AuditConfig, Detection, InputFormat, Options, OutputFormat, Pipeline, Renderer, Summary,
    handle_subscription_payload,
};
use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::{Value, json};
use std::io::Write;

/// A pod create with a privileged container (AUD-001 and AUD-024 do not
/// both fire: the image is from ECR).
fn priv_pod(id: &str, stage: &str, ts: &str) -> Value {
    json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "RequestResponse",
        "auditID": id, "stage": stage,
        "requestURI": "/api/v1/namespaces/default/pods", "verb": "create",
        "user": {"username": "alice", "groups": ["system:authenticated"]},
        "sourceIPs": ["198.51.100.1", "203.0.113.9"],
        "objectRef": {"resource": "pods", "namespace": "default", "name": "p", "apiVersion": "v1"},
        "responseStatus": {"metadata": {}, "code": 201},
        "requestObject": {"metadata": {"name": "p"}, "spec": {"containers": [
            {"name": "c", "image": "111122223333.dkr.ecr.us-east-1.amazonaws.com/app:1",
             "securityContext": {"privileged": true}}]}},
        "requestReceivedTimestamp": ts, "stageTimestamp": ts,
        "annotations": {"authorization.k8s.io/decision": "allow"}
    })
}

fn exec(id: &str, stage: &str, code: u16) -> Value {
    json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
        "auditID": id, "stage": stage,
        "requestURI": "/api/v1/namespaces/web/pods/web-0/exec?command=id&container=app&stdout=true",
        "verb": "create",
        "user": {"username": "alice", "groups": ["system:authenticated"]},
        "sourceIPs": ["203.0.113.9"],
        "objectRef": {"resource": "pods", "namespace": "web", "name": "web-0", "subresource": "exec", "apiVersion": "v1"},
        "responseStatus": {"metadata": {}, "code": code},
        "requestReceivedTimestamp": "2026-11-27T10:00:00.000000Z",
        "stageTimestamp": "2026-11-27T10:00:00.010000Z",
        "annotations": {"authorization.k8s.io/decision": "allow"}
    })
}

const TS: &str = "2026-11-27T10:00:00.123000Z";

fn lines(events: &[Value]) -> String {
    events.iter().map(|e| format!("{e}\n")).collect()
}

fn run(name: &str, bytes: &[u8], format: InputFormat) -> (Vec<Detection>, Summary, InputFormat) {
    let mut p = Pipeline::new(&AuditConfig::default()).unwrap();
    let mut out = Vec::new();
    let used = p.read(name, bytes, format, &mut |d| out.push(d)).unwrap();
    let s = p.finish(&mut |d| out.push(d));
    (out, s, used)
}

fn gzip(b: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

/// RFC 4648 base64 with padding, for building recorded payloads.
fn base64(b: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for chunk in b.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &c)| acc | (u32::from(c) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                s.push(A[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

fn subscription(message_type: &str, messages: &[String]) -> Value {
    json!({
        "messageType": message_type,
        "owner": "111122223333",
        "logGroup": "/aws/eks/prod/cluster",
        "logStream": "kube-apiserver-audit-0f1e2d3c4b5a69788a9bacbdcedf0011",
        "subscriptionFilters": ["eksguard"],
        "logEvents": messages.iter().enumerate().map(|(i, m)| json!({
            "id": format!("3761234567890123456789012345678901234567890123456789{i:02}"),
            "timestamp": 1_795_000_000_000u64 + i as u64,
            "message": m
        })).collect::<Vec<_>>()
    })
}

fn rules_of(d: &[Detection]) -> Vec<&str> {
    d.iter().map(|d| d.rule).collect()
}

#[test]
fn stages_are_judged_once_per_request() {
    let id = "6f1e2d3c-4b5a-4978-8a9b-acbdcedf0001";
    let ex = "6f1e2d3c-4b5a-4978-8a9b-acbdcedf0002";
    let text = lines(&[
        priv_pod(id, "RequestReceived", TS),
        priv_pod(id, "ResponseComplete", TS),
        exec(ex, "RequestReceived", 0),
        exec(ex, "ResponseStarted", 101),
        exec(ex, "ResponseComplete", 101),
    ]);
    let (d, s, _) = run("stages.log", text.as_bytes(), InputFormat::Auto);
    assert_eq!(rules_of(&d), ["AUD-001", "AUD-006"]);
    assert_eq!(d[0].audit_ids, [id]);
    assert_eq!(d[1].audit_ids, [ex]);
    assert_eq!(s.stages["RequestReceived"], 2);
    assert_eq!(s.stages["ResponseStarted"], 1);
    assert_eq!(s.stages["ResponseComplete"], 2);
    assert_eq!(s.events, 5);
    assert_eq!(s.evaluated, 2);
    assert_eq!(
        s.duplicates, 0,
        "the exec's ResponseComplete is not a duplicate"
    );
}

#[test]
fn exec_denied_before_upgrade_is_not_reported() {
    // A forbidden exec never reaches ResponseStarted.
    let text = lines(&[exec(
        "6f1e2d3c-4b5a-4978-8a9b-acbdcedf0003",
        "ResponseComplete",
        403,
    )]);
    let (d, _, _) = run("x", text.as_bytes(), InputFormat::JsonLines);
    assert!(d.is_empty(), "{d:?}");
}

#[test]
fn duplicate_audit_ids_are_skipped_but_same_millisecond_events_are_not() {
    let a = "6f1e2d3c-4b5a-4978-8a9b-acbdcedf0010";
    let b = "6f1e2d3c-4b5a-4978-8a9b-acbdcedf0011";
    // a twice (an overlapping export), b in the same millisecond as a.
    let text = lines(&[
        priv_pod(a, "ResponseComplete", TS),
        priv_pod(a, "ResponseComplete", TS),
        priv_pod(b, "ResponseComplete", TS),
    ]);
    let (d, s, _) = run("dups.log", text.as_bytes(), InputFormat::JsonLines);
    let ids: Vec<&str> = d.iter().map(|d| d.audit_ids[0].as_str()).collect();
    assert_eq!(ids, [a, b]);
    assert_eq!(s.duplicates, 1);
    assert_eq!(s.evaluated, 2);
}

#[test]
fn only_the_last_source_ip_is_reported() {
    let text = lines(&[priv_pod(
        "6f1e2d3c-4b5a-4978-8a9b-acbdcedf0020",
        "ResponseComplete",
        TS,
    )]);
    let (d, _, _) = run("x", text.as_bytes(), InputFormat::JsonLines);
    assert_eq!(d[0].source_ip, "203.0.113.9");
}

#[test]
fn gzip_json_lines() {
    let text = lines(&[priv_pod(
        "6f1e2d3c-4b5a-4978-8a9b-acbdcedf0030",
        "ResponseComplete",
        TS,
    )]);
    let (d, s, f) = run("audit.log.gz", &gzip(text.as_bytes()), InputFormat::Auto);
    assert_eq!(f, InputFormat::JsonLines);
    assert_eq!(rules_of(&d), ["AUD-001"]);
    assert_eq!(s.events, 1);
}

#[test]
fn event_list_document() {
    let doc = json!({"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "metadata": {},
        "items": [priv_pod("6f1e2d3c-4b5a-4978-8a9b-acbdcedf0040", "ResponseComplete", TS),
                  priv_pod("6f1e2d3c-4b5a-4978-8a9b-acbdcedf0041", "ResponseComplete", TS)]});
    let pretty = serde_json::to_string_pretty(&doc).unwrap();
    let (d, s, f) = run("list.json", pretty.as_bytes(), InputFormat::Auto);
    assert_eq!(f, InputFormat::EventList);
    assert_eq!(d.len(), 2);
    assert_eq!(s.events, 2);
}

#[test]
fn filter_log_events_output_with_truncation() {
    let whole = priv_pod(
        "6f1e2d3c-4b5a-4978-8a9b-acbdcedf0050",
        "ResponseComplete",
        TS,
    )
    .to_string();
    // CloudWatch cuts events over 256 KB and appends this marker.
    let cut = format!("{}[Truncated...]", &whole[..200]);
    let doc = json!({
        "events": [
            {"logStreamName": "kube-apiserver-audit-abc", "timestamp": 1_795_000_000_000u64,
             "message": whole, "ingestionTime": 1_795_000_000_500u64, "eventId": "1"},
            {"logStreamName": "kube-apiserver-audit-abc", "timestamp": 1_795_000_000_000u64,
             "message": cut, "ingestionTime": 1_795_000_000_500u64, "eventId": "2"}
        ],
        "searchedLogStreams": [],
        "nextToken": "abc"
    });
    let pretty = serde_json::to_string_pretty(&doc).unwrap();
    let (d, s, f) = run("page.json", pretty.as_bytes(), InputFormat::Auto);
    assert_eq!(f, InputFormat::FilterLogEvents);
    assert_eq!(rules_of(&d), ["AUD-001"]);
    assert_eq!(s.truncated, 1);
    assert_eq!(s.unparseable, 0);
    assert_eq!(s.truncated_samples[0].position.item, Some(1));
}

#[test]
fn subscription_payload_base64_gzip_with_control_message() {
    let msg = priv_pod(
        "6f1e2d3c-4b5a-4978-8a9b-acbdcedf0060",
        "ResponseComplete",
        TS,
    )
    .to_string();
    let control = subscription(
        "CONTROL_MESSAGE",
        &["CWL CONTROL MESSAGE: Checking health of destination Firehose.".to_string()],
    );
    let data = subscription("DATA_MESSAGE", &[msg]);
    for payload in [control, data] {
        let b64 = base64(&gzip(payload.to_string().as_bytes()));
        let (d, s, f) = run("sub", b64.as_bytes(), InputFormat::Auto);
        assert_eq!(f, InputFormat::Subscription);
        if s.control_messages == 1 {
            assert!(d.is_empty());
            assert_eq!(s.records, 0, "the control message is not log data");
        } else {
            assert_eq!(rules_of(&d), ["AUD-001"]);
        }
    }
}

#[test]
fn firehose_concatenated_documents() {
    let m1 = priv_pod(
        "6f1e2d3c-4b5a-4978-8a9b-acbdcedf0070",
        "ResponseComplete",
        TS,
    )
    .to_string();
    let m2 = priv_pod(
        "6f1e2d3c-4b5a-4978-8a9b-acbdcedf0071",
        "ResponseComplete",
        TS,
    )
    .to_string();
    // Firehose writes records back to back without separators.
    let object = format!(
        "{}{}\n{}",
        subscription("DATA_MESSAGE", &[m1]),
        subscription("CONTROL_MESSAGE", &[]),
        subscription("DATA_MESSAGE", &[m2])
    );
    let (d, s, f) = run("s3-object.gz", &gzip(object.as_bytes()), InputFormat::Auto);
    assert_eq!(f, InputFormat::Subscription);
    assert_eq!(d.len(), 2);
    assert_eq!(s.control_messages, 1);
}

#[test]
fn bad_records_are_counted_with_positions() {
    let good = priv_pod(
        "6f1e2d3c-4b5a-4978-8a9b-acbdcedf0080",
        "ResponseComplete",
        TS,
    )
    .to_string();
    let huge = format!("{{\"kind\":\"Event\",\"x\":\"{}\"}}", "a".repeat(2000));
    let text =
        format!("not json\n{good}\n\n{{\"kind\":\"EventList\"}}\n{huge}\n{{\"auditID\": 7}}\n");
    let opts = Options {
        limits: eksguard_audit::Limits {
            max_line_bytes: 1000,
            ..Default::default()
        },
        ..Default::default()
    };
    let mut p = Pipeline::with_options(&AuditConfig::default(), opts).unwrap();
    let mut d = Vec::new();
    p.read(
        "mixed.log",
        text.as_bytes(),
        InputFormat::JsonLines,
        &mut |x| d.push(x),
    )
    .unwrap();
    let s = p.finish(&mut |x| d.push(x));
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].position.line, 2);
    assert_eq!(s.unparseable, 4);
    let lines: Vec<u64> = s
        .unparseable_samples
        .iter()
        .map(|i| i.position.line)
        .collect();
    // The oversize line is reported as it is read, before the batch that
    // holds the others is parsed; all carry their own line numbers.
    let mut sorted = lines.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, [1, 4, 5, 6]);
    assert!(s.unparseable_samples.iter().all(|i| i.input == "mixed.log"));
}

#[test]
fn invalid_base64_payload_is_an_error_naming_the_input() {
    let mut p = Pipeline::new(&AuditConfig::default()).unwrap();
    let err = p
        .read(
            "payload.b64",
            &b"H4sI*not-base64"[..],
            InputFormat::Subscription,
            &mut |_| {},
        )
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("payload.b64: invalid base64 at byte 4"),
        "{err}"
    );
}

#[test]
fn jsonl_has_the_promised_keys() {
    let text = lines(&[priv_pod(
        "6f1e2d3c-4b5a-4978-8a9b-acbdcedf0090",
        "ResponseComplete",
        TS,
    )]);
    let (d, s, _) = run("x", text.as_bytes(), InputFormat::JsonLines);
    let mut r = Renderer::new(OutputFormat::Jsonl, Vec::new());
    for x in d {
        r.push(x).unwrap();
    }
    let out = String::from_utf8(r.finish(&s).unwrap()).unwrap();
    let v: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    for k in [
        "rule",
        "severity",
        "timestamp",
        "audit_ids",
        "user",
        "source_ip",
        "verb",
        "object",
        "message",
    ] {
        assert!(v.get(k).is_some(), "missing {k} in {v}");
    }
    assert_eq!(v["severity"], "high");
    assert_eq!(
        v["audit_ids"],
        json!(["6f1e2d3c-4b5a-4978-8a9b-acbdcedf0090"])
    );
    assert_eq!(v["object"], "pods/default/p");
    assert_eq!(v["timestamp"], TS);
}

#[test]
fn table_and_json_render() {
    let text = lines(&[priv_pod(
        "6f1e2d3c-4b5a-4978-8a9b-acbdcedf0091",
        "ResponseComplete",
        TS,
    )]);
    let (d, s, _) = run("x", text.as_bytes(), InputFormat::JsonLines);
    let mut t = Vec::new();
    eksguard_audit::write_table(&mut t, &d).unwrap();
    let t = String::from_utf8(t).unwrap();
    assert!(t.starts_with("SEVERITY"));
    assert!(t.contains("AUD-001") && t.contains("alice"));
    let mut j = Vec::new();
    eksguard_audit::write_json(&mut j, &d, &s).unwrap();
    let v: Value = serde_json::from_slice(&j).unwrap();
    assert_eq!(v["detections"].as_array().unwrap().len(), 1);
    assert_eq!(v["summary"]["events"], 1);
    let mut e = Vec::new();
    eksguard_audit::write_summary(&mut e, &s).unwrap();
    assert!(
        String::from_utf8(e)
            .unwrap()
            .contains("detections: 1 high=1")
    );
}

#[test]
fn lambda_handler_with_recorded_payloads() {
    let mut state = Pipeline::with_options(
        &AuditConfig::default(),
        Options {
            parallel: false,
            ..Default::default()
        },
    )
    .unwrap();
    let pod_id = "6f1e2d3c-4b5a-4978-8a9b-acbdcedf00a0";
    let mut create = priv_pod(pod_id, "ResponseComplete", TS);
    create["objectRef"]["namespace"] = json!("web");
    create["objectRef"]["name"] = json!("web-0");
    let first = base64(&gzip(
        subscription("DATA_MESSAGE", &[create.to_string()])
            .to_string()
            .as_bytes(),
    ));
    let d1 = handle_subscription_payload(&first, &mut state);
    assert_eq!(rules_of(&d1), ["AUD-001"]);
    // The next invocation correlates with the first (a warm Lambda).
    let ex = exec(
        "6f1e2d3c-4b5a-4978-8a9b-acbdcedf00a1",
        "ResponseStarted",
        101,
    );
    let second = base64(&gzip(
        subscription("DATA_MESSAGE", &[ex.to_string()])
            .to_string()
            .as_bytes(),
    ));
    let d2 = handle_subscription_payload(&second, &mut state);
    assert_eq!(rules_of(&d2), ["AUD-006", "AUD-101"]);
    assert_eq!(
        d2[1].audit_ids,
        [pod_id, "6f1e2d3c-4b5a-4978-8a9b-acbdcedf00a1"]
    );
    // A redelivered batch is de-duplicated.
    assert!(handle_subscription_payload(&second, &mut state).is_empty());
    // Garbage does not fail the invocation; it is counted.
    assert!(handle_subscription_payload("%%%", &mut state).is_empty());
    let control = base64(&gzip(
        subscription("CONTROL_MESSAGE", &[]).to_string().as_bytes(),
    ));
    assert!(handle_subscription_payload(&control, &mut state).is_empty());
    let s = state.summary();
    assert_eq!(s.unparseable, 1);
    assert_eq!(s.control_messages, 1);
    assert_eq!(s.duplicates, 1);
}

#[test]
fn correlation_state_stays_bounded() {
    let cfg = AuditConfig {
        max_state_entries: 100,
        ..AuditConfig::default()
    };
    let mut p = Pipeline::new(&cfg).unwrap();
    let mut text = String::new();
    for i in 0..5000u32 {
        let mut e = priv_pod(
            &format!("6f1e2d3c-4b5a-4978-8a9b-{i:012x}"),
            "ResponseComplete",
            TS,
        );
        e["objectRef"]["name"] = json!(format!("p{i}"));
        e["user"]["username"] = json!(format!("u{i}"));
        text.push_str(&e.to_string());
        text.push('\n');
    }
    let mut n = 0;
    p.read("many", text.as_bytes(), InputFormat::JsonLines, &mut |_| {
        n += 1
    })
    .unwrap();
    assert_eq!(n, 5000);
    // One table (risky pods) is filled plus the two de-duplication
    // generations of at most 50 each.
    assert!(p.state_entries() <= 200, "{}", p.state_entries());
}
