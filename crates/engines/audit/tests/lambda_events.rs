//! Saved Lambda subscription events (`{"awslogs":{"data":"<base64 gzip>"}}`)
//! as an input format: sniffed, read like the Lambda handler reads them,
//! and never silently empty: undecodable data fails the input naming the
//! file and the event's line.

mod support;

use eksguard_audit::{AuditConfig, Detection, Error, InputFormat, Pipeline, Summary};
use serde_json::{Value, json};
use support::{base64, fixtures, gzip, lambda_event, read_events, subscription_payload};

fn read(
    name: &str,
    bytes: &[u8],
    format: InputFormat,
) -> Result<(Vec<Detection>, Summary, InputFormat), Error> {
    let mut p = Pipeline::new(&AuditConfig::default()).unwrap();
    let mut out = Vec::new();
    let used = p.read(name, bytes, format, &mut |d| out.push(d))?;
    let s = p.finish(&mut |d| out.push(d));
    Ok((out, s, used))
}

fn err(name: &str, bytes: &[u8]) -> String {
    match read(name, bytes, InputFormat::Auto) {
        Ok((d, s, f)) => panic!("{name}: read as {f:?} with {} events: {d:?}", s.events),
        Err(e) => e.to_string(),
    }
}

fn events() -> Vec<Value> {
    read_events(&fixtures().join("controller-pods/deployment-before-window.jsonl"))
}

#[test]
fn saved_lambda_event_is_sniffed_and_read() {
    let path = fixtures().join("controller-pods/deployment-before-window.lambda.json");
    let bytes = std::fs::read(&path).unwrap();
    let (found, s, used) = read("saved-lambda-event.json", &bytes, InputFormat::Auto).unwrap();
    assert_eq!(used, InputFormat::LambdaEvent);
    assert_eq!(s.events, events().len() as u64);
    assert_eq!(s.unparseable, 0);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0]
            .message
            .starts_with("3 pods of Deployment shop/web")
    );
    // Records carry the Lambda event's line and their index in it.
    assert_eq!(found[0].input, "saved-lambda-event.json");
    assert_eq!(found[0].position.line, 1);
    assert_eq!(found[0].position.item, Some(4));
    // The explicit format, and gzip around the file, read the same.
    let (again, _, _) = read("e.json", &bytes, InputFormat::LambdaEvent).unwrap();
    assert_eq!(again.len(), 1);
    let (gz, _, used) = read("e.json.gz", &gzip(&bytes), InputFormat::Auto).unwrap();
    assert_eq!((gz.len(), used), (1, InputFormat::LambdaEvent));
    assert_eq!(
        "lambda-event".parse::<InputFormat>(),
        Ok(InputFormat::LambdaEvent)
    );
}

#[test]
fn several_events_one_per_line() {
    let ev = events();
    let (a, b) = ev.split_at(2);
    let compact = |e: &[Value]| {
        let v: Value = serde_json::from_str(&lambda_event(e)).unwrap();
        v.to_string()
    };
    let text = format!("{}\n{}\n", compact(a), compact(b));
    let (found, s, used) = read("two.json", text.as_bytes(), InputFormat::Auto).unwrap();
    assert_eq!(used, InputFormat::LambdaEvent);
    assert_eq!(s.events, ev.len() as u64);
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].position.line, 2,
        "the last pod is in the second event"
    );
}

#[test]
fn lambda_envelope_under_the_subscription_format_is_not_read_as_empty() {
    let text = lambda_event(&events());
    let (found, s, _) = read("e.json", text.as_bytes(), InputFormat::Subscription).unwrap();
    assert_eq!(s.events, events().len() as u64);
    assert_eq!(found.len(), 1);
}

#[test]
fn undecodable_data_fails_naming_the_file_and_line() {
    let good = lambda_event(&events());
    let v: Value = serde_json::from_str(&good).unwrap();
    let data = v["awslogs"]["data"].as_str().unwrap();
    let with =
        |data: &str| serde_json::to_string_pretty(&json!({"awslogs": {"data": data}})).unwrap();
    let prefix = "saved.json: line 1: invalid CloudWatch Logs Lambda event: ";

    // Cut in the middle of the base64: the gzip stream ends early.
    let e = err("saved.json", with(&data[..data.len() / 2]).as_bytes());
    assert!(
        e.starts_with(&format!("{prefix}awslogs.data is not complete gzip data")),
        "{e}"
    );
    // A byte outside the base64 alphabet, with its offset.
    let mut bad = data.to_string();
    bad.replace_range(40..41, "*");
    let e = err("saved.json", with(&bad).as_bytes());
    assert_eq!(
        e,
        format!("{prefix}awslogs.data is not base64 (invalid byte at offset 40)")
    );
    // Valid base64 of something else.
    let e = err(
        "saved.json",
        with(&base64(b"\x00\x01 not a payload")).as_bytes(),
    );
    assert_eq!(
        e,
        format!("{prefix}awslogs.data is neither gzip nor a JSON subscription payload")
    );
    let e = err("saved.json", with("").as_bytes());
    assert_eq!(e, format!("{prefix}awslogs.data is empty"));
    // The file itself cut short: serde's position, once.
    let cut = &good[..good.len() / 2];
    let e = err("saved.json", cut.as_bytes());
    assert!(
        e.starts_with("saved.json: line 3: invalid CloudWatch Logs Lambda event: EOF while parsing a string (column "),
        "{e}"
    );
    // Not a Lambda event at all, when the format is forced.
    let e = read("x.json", br#"{"Records":[]}"#, InputFormat::LambdaEvent)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with(
            "x.json: line 1: invalid CloudWatch Logs Lambda event: missing field `awslogs`"
        ),
        "{e}"
    );
    let e = read("empty.json", b"  \n", InputFormat::LambdaEvent)
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "empty.json: line 0: invalid CloudWatch Logs Lambda event: no Lambda event in the input"
    );
    // A second event that does not decode names its line; the first one's
    // events were read.
    let one = serde_json::from_str::<Value>(&good).unwrap().to_string();
    let text = format!("{one}\n{}\n", json!({"awslogs": {"data": &data[..100]}}));
    let mut p = Pipeline::new(&AuditConfig::default()).unwrap();
    let e = p
        .read("two.json", text.as_bytes(), InputFormat::Auto, &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("two.json: line 2: "), "{e}");
    assert_eq!(p.summary().events, events().len() as u64);
}

/// Every truncation of the data and of the file is an error, never a
/// panic and never an empty success.
#[test]
fn every_truncation_is_an_error() {
    let small = subscription_payload(&events()[..1]).to_string();
    let data = base64(&gzip(small.as_bytes()));
    for k in 0..data.len().saturating_sub(4) {
        let text = json!({"awslogs": {"data": &data[..k]}}).to_string();
        assert!(
            read("cut.json", text.as_bytes(), InputFormat::Auto).is_err(),
            "data cut at {k}"
        );
    }
    let file = json!({"awslogs": {"data": data}}).to_string();
    for k in 1..file.len() {
        match read("cut.json", &file.as_bytes()[..k], InputFormat::LambdaEvent) {
            Err(e) => assert!(e.to_string().starts_with("cut.json: line "), "{e}"),
            Ok((_, s, _)) => panic!("file cut at {k} read {} events", s.events),
        }
    }
}
