//! Helpers shared by integration tests: one list of audit events written in
//! every input format the engine reads.
#![allow(dead_code)]

use eksguard_audit::InputFormat;
use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Every input format, as `encode` writes it.
pub const FORMATS: [InputFormat; 5] = [
    InputFormat::JsonLines,
    InputFormat::EventList,
    InputFormat::FilterLogEvents,
    InputFormat::Subscription,
    InputFormat::LambdaEvent,
];

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The events of a JSON-lines fixture.
pub fn read_events(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .map(|l| serde_json::from_str(l).expect("fixture line is JSON"))
        .collect()
}

pub fn gzip(b: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

/// RFC 4648 base64 with padding.
pub fn base64(b: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(b.len().div_ceil(3) * 4);
    for chunk in b.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &c)| acc | (u32::from(c) << (16 - 8 * i)));
        for i in 0..4 {
            s.push(if i <= chunk.len() {
                A[(n >> (18 - 6 * i)) as usize & 63] as char
            } else {
                '='
            });
        }
    }
    s
}

/// A CloudWatch Logs subscription payload (what the destination receives
/// after decoding) holding `events` as log messages.
pub fn subscription_payload(events: &[Value]) -> Value {
    json!({
        "messageType": "DATA_MESSAGE",
        "owner": "111122223333",
        "logGroup": "/aws/eks/prod/cluster",
        "logStream": "kube-apiserver-audit-3f6a0c9e5b7d4e21a8c9d0e1f2a3b4c5",
        "subscriptionFilters": ["eksguard-audit"],
        "logEvents": events.iter().enumerate().map(|(i, e)| json!({
            "id": format!("{:056}", 37_912_345_678u64 + i as u64),
            "timestamp": 1_795_597_200_000u64 + i as u64,
            "message": e.to_string(),
        })).collect::<Vec<_>>()
    })
}

/// `{"awslogs":{"data":"<base64 of gzip of the payload>"}}`, as Lambda
/// receives a subscription delivery.
pub fn lambda_event(events: &[Value]) -> String {
    let data = base64(&gzip(subscription_payload(events).to_string().as_bytes()));
    serde_json::to_string_pretty(&json!({"awslogs": {"data": data}})).unwrap()
}

/// `events` written in `format`: JSON lines; an `EventList`; an
/// `aws logs filter-log-events` page; a subscription payload as base64 of
/// gzip (as saved from `awslogs.data`); a Lambda event.
pub fn encode(events: &[Value], format: InputFormat) -> Vec<u8> {
    match format {
        InputFormat::JsonLines => events
            .iter()
            .map(|e| format!("{e}\n"))
            .collect::<String>()
            .into_bytes(),
        InputFormat::EventList => serde_json::to_vec_pretty(&json!({
            "kind": "EventList",
            "apiVersion": "audit.k8s.io/v1",
            "metadata": {},
            "items": events,
        }))
        .unwrap(),
        InputFormat::FilterLogEvents => serde_json::to_vec_pretty(&json!({
            "events": events.iter().enumerate().map(|(i, e)| json!({
                "logStreamName": "kube-apiserver-audit-3f6a0c9e5b7d4e21a8c9d0e1f2a3b4c5",
                "timestamp": 1_795_597_200_000u64 + i as u64,
                "message": e.to_string(),
                "ingestionTime": 1_795_597_201_000u64 + i as u64,
                "eventId": format!("{:056}", 37_912_345_678u64 + i as u64),
            })).collect::<Vec<_>>(),
            "searchedLogStreams": [],
        }))
        .unwrap(),
        InputFormat::Subscription => {
            base64(&gzip(subscription_payload(events).to_string().as_bytes())).into_bytes()
        }
        InputFormat::LambdaEvent => lambda_event(events).into_bytes(),
        InputFormat::Auto => unreachable!("encode needs a concrete format"),
    }
}
