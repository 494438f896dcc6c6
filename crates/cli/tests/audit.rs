//! `eksguard audit` through the binary: the engine's per-rule fixtures in
//! every output format, the jsonl contract, SARIF validity, exit codes and
//! the stderr summary.

mod common;

use common::{eksguard_in, repo_root, shared};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Output;

fn fixtures() -> PathBuf {
    repo_root().join("crates/engines/audit/tests/fixtures/rules")
}

fn fixture_lines(rule: &str, file: &str) -> Vec<Value> {
    let p = fixtures().join(rule).join(file);
    std::fs::read_to_string(&p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn jsonl(out: &Output) -> Vec<Value> {
    stdout(out)
        .lines()
        .map(|l| {
            serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("not JSON ({e}): {l}\nstderr: {}", stderr(out)))
        })
        .collect()
}

/// Runs `eksguard audit ARGS` in `dir` with an `eksguard.yaml` holding
/// `audit` (a JSON object) when given.
fn audit(dir: &Path, audit_config: Option<&Value>, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut full = vec!["audit"];
    let config = dir.join("eksguard.yaml");
    if let Some(c) = audit_config {
        // JSON is YAML: one flow mapping.
        std::fs::write(&config, format!("audit: {c}\n")).unwrap();
        full.extend(["--config", config.to_str().unwrap()]);
    }
    full.extend(args);
    eksguard_in(dir, &full, stdin)
}

fn rule_config(rule: &str) -> Option<Value> {
    let p = fixtures().join(rule).join("config.json");
    std::fs::read_to_string(p)
        .ok()
        .map(|t| serde_json::from_str(&t).unwrap())
}

fn rule_ids() -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(fixtures())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    ids.sort();
    ids
}

#[test]
fn every_rule_fixture_triggers_through_the_binary_and_benign_stays_quiet() {
    let ids = rule_ids();
    assert_eq!(ids.len(), eksguard_audit::RULES.len(), "{ids:?}");
    for id in ids {
        let dir = tempfile::tempdir().unwrap();
        let config = rule_config(&id);
        let trigger = fixtures().join(&id).join("trigger.jsonl");
        let out = audit(
            dir.path(),
            config.as_ref(),
            &[
                "--format",
                "jsonl",
                "--fail-on",
                "info",
                trigger.to_str().unwrap(),
            ],
            None,
        );
        let found = jsonl(&out);
        assert!(
            found.iter().any(|d| d["rule"] == id.as_str()),
            "{id} trigger not reported: {found:#?}\n{}",
            stderr(&out)
        );
        assert_eq!(
            out.status.code(),
            Some(1),
            "{id}: detections at or above info"
        );

        let benign = fixtures().join(&id).join("benign.jsonl");
        let out = audit(
            dir.path(),
            config.as_ref(),
            &["--format", "jsonl", benign.to_str().unwrap()],
            None,
        );
        let found = jsonl(&out);
        assert!(
            !found.iter().any(|d| d["rule"] == id.as_str()),
            "{id} benign reported: {found:#?}"
        );
        assert_ne!(out.status.code(), Some(2), "{id}: {}", stderr(&out));
    }
}

/// One exec request as the API server logs it: RequestReceived, then
/// ResponseStarted when the stream opens, then ResponseComplete when it
/// closes (same auditID). Built from the AUD-006 fixture's first event, with
/// a forged `X-Forwarded-For` entry in front of the address the API server
/// saw.
fn exec_events() -> Vec<Value> {
    let mut started = fixture_lines("AUD-006", "trigger.jsonl").remove(0);
    assert_eq!(started["stage"], "ResponseStarted");
    assert_eq!(started["objectRef"]["subresource"], "exec");
    started["sourceIPs"] = json!(["198.51.100.66", "203.0.113.10"]);
    let mut received = started.clone();
    received["stage"] = json!("RequestReceived");
    if let Some(o) = received.as_object_mut() {
        o.remove("responseStatus");
    }
    let mut complete = started.clone();
    complete["stage"] = json!("ResponseComplete");
    complete["stageTimestamp"] = json!("2026-11-27T09:05:00.000000Z");
    vec![received, started, complete]
}

fn write_jsonl(path: &Path, events: &[Value]) {
    let text: String = events.iter().map(|e| format!("{e}\n")).collect();
    std::fs::write(path, text).unwrap();
}

#[test]
fn jsonl_has_the_contract_keys_with_values_from_the_event() {
    let dir = tempfile::tempdir().unwrap();
    let events = exec_events();
    let file = dir.path().join("exec.jsonl");
    write_jsonl(&file, &events);
    let out = audit(dir.path(), None, &["--format", "jsonl", "exec.jsonl"], None);
    let found = jsonl(&out);
    let d = found
        .iter()
        .find(|d| d["rule"] == "AUD-006")
        .unwrap_or_else(|| panic!("{found:#?}"));
    for key in [
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
        assert!(d.get(key).is_some(), "missing {key}: {d}");
    }
    let ev = &events[1];
    assert_eq!(d["audit_ids"], json!([ev["auditID"]]));
    assert_eq!(d["user"], ev["user"]["username"]);
    assert_eq!(
        d["source_ip"], "203.0.113.10",
        "only the last sourceIPs entry"
    );
    assert_eq!(d["verb"], ev["verb"]);
    assert_eq!(d["timestamp"], ev["requestReceivedTimestamp"]);
    assert_eq!(d["severity"], "low");
    let object = d["object"].as_str().unwrap();
    assert!(
        object.contains("web-0") && object.contains("exec"),
        "{object}"
    );
    assert!(!d["message"].as_str().unwrap().is_empty());
}

#[test]
fn one_detection_per_request_across_stages_and_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let mut events = exec_events();
    // The same export read twice (overlapping downloads).
    events.extend(exec_events());
    let stages: Vec<&str> = events
        .iter()
        .map(|e| e["stage"].as_str().unwrap())
        .collect();
    let file = dir.path().join("twice.jsonl");
    write_jsonl(&file, &events);
    let out = audit(
        dir.path(),
        None,
        &["--format", "jsonl", "twice.jsonl"],
        None,
    );
    let found: Vec<Value> = jsonl(&out)
        .into_iter()
        .filter(|d| d["rule"] == "AUD-006")
        .collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    let err = stderr(&out);
    let n = |stage: &str| stages.iter().filter(|s| **s == stage).count();
    for stage in ["ResponseStarted", "ResponseComplete"] {
        if n(stage) > 0 {
            assert!(err.contains(&format!("{stage}={}", n(stage))), "{err}");
        }
    }
    // Every judged stage of the second copy (exec: ResponseStarted and
    // ResponseComplete) is a duplicate.
    let copies = exec_events()
        .iter()
        .filter(|e| {
            matches!(
                e["stage"].as_str(),
                Some("ResponseStarted" | "ResponseComplete")
            )
        })
        .count();
    assert!(
        err.contains(&format!("{copies} duplicates skipped")),
        "{err}"
    );
}

#[test]
fn every_format_renders_the_same_detections() {
    let dir = tempfile::tempdir().unwrap();
    let file = fixtures().join("AUD-001/trigger.jsonl");
    let file = file.to_str().unwrap();
    let lines = jsonl(&audit(dir.path(), None, &["--format", "jsonl", file], None));
    assert!(!lines.is_empty());

    let out = audit(dir.path(), None, &["--format", "json", file], None);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["detections"].as_array().unwrap(), &lines);
    assert_eq!(
        doc["summary"]["events"].as_u64(),
        Some(fixture_lines("AUD-001", "trigger.jsonl").len() as u64)
    );

    let out = audit(dir.path(), None, &["--format", "table", file], None);
    let table = stdout(&out);
    assert!(table.starts_with("SEVERITY"), "{table}");
    for d in &lines {
        assert!(table.contains(d["rule"].as_str().unwrap()), "{table}");
        assert!(table.contains(d["timestamp"].as_str().unwrap()), "{table}");
    }

    // -o writes the report to a file, stdout stays empty.
    let report = dir.path().join("report.jsonl");
    let out = audit(
        dir.path(),
        None,
        &["--format", "jsonl", "-o", report.to_str().unwrap(), file],
        None,
    );
    assert!(out.stdout.is_empty());
    let written = std::fs::read_to_string(&report).unwrap();
    assert_eq!(written.lines().count(), lines.len());
}

#[test]
fn sarif_validates_and_carries_audit_ids_users_and_lines() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(shared().join("schemas/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("compile SARIF schema");
    let dir = tempfile::tempdir().unwrap();
    let events = exec_events();
    let bad_line = events.len() + 1;
    let file = dir.path().join("exec.jsonl");
    write_jsonl(&file, &events);
    // A line that is not JSON: reported as a notification with its line.
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str("E1127 09:00:00.000000 not an audit event\n");
    std::fs::write(&file, text).unwrap();
    let out = audit(dir.path(), None, &["--format", "sarif", "exec.jsonl"], None);
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF invalid: {errors:#?}");
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), eksguard_audit::RULES.len());
    let result = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "AUD-006")
        .expect("exec reported");
    let index = result["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[index]["id"], "AUD-006");
    assert!(
        rules[index]["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("T1609")
    );
    let location = &result["locations"][0];
    assert_eq!(
        location["physicalLocation"]["artifactLocation"]["uri"],
        "exec.jsonl"
    );
    // The judged event is the ResponseStarted one.
    let line = events
        .iter()
        .position(|e| e["stage"] == "ResponseStarted")
        .unwrap()
        + 1;
    assert_eq!(location["physicalLocation"]["region"]["startLine"], line);
    let names: Vec<&str> = location["logicalLocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&events[0]["auditID"].as_str().unwrap()),
        "{names:?}"
    );
    assert!(
        names.contains(&events[0]["user"]["username"].as_str().unwrap()),
        "{names:?}"
    );
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n["locations"][0]["physicalLocation"]["region"]["startLine"] == bad_line),
        "{notes:#?}"
    );
}

#[test]
fn exit_codes_follow_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    write_jsonl(&dir.path().join("exec.jsonl"), &exec_events());
    let severity = eksguard_audit::rules::find("AUD-006").unwrap().severity;
    let code = |fail_on: &str| {
        audit(
            dir.path(),
            None,
            &["--fail-on", fail_on, "exec.jsonl"],
            None,
        )
        .status
        .code()
    };
    for s in eksguard_core::Severity::ALL {
        let expected = if severity >= s { 1 } else { 0 };
        assert_eq!(code(s.as_str()), Some(expected), "--fail-on {s}");
    }
    // Default: high. The exec rule is below it.
    assert!(severity < eksguard_core::Severity::High);
    let out = audit(dir.path(), None, &["exec.jsonl"], None);
    assert_eq!(out.status.code(), Some(0));
    // The config's fail_on applies when the flag is absent.
    std::fs::write(dir.path().join("eksguard.yaml"), "fail_on: info\n").unwrap();
    let out = eksguard_in(dir.path(), &["audit", "exec.jsonl"], None);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn unreadable_input_exits_2_and_keeps_earlier_detections() {
    let dir = tempfile::tempdir().unwrap();
    write_jsonl(&dir.path().join("exec.jsonl"), &exec_events());
    let out = audit(
        dir.path(),
        None,
        &[
            "--format",
            "jsonl",
            "--fail-on",
            "info",
            "exec.jsonl",
            "missing.jsonl",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(jsonl(&out).iter().any(|d| d["rule"] == "AUD-006"));
    assert!(stderr(&out).contains("missing.jsonl"), "{}", stderr(&out));

    // A gzip stream cut short cannot be decoded.
    std::fs::write(dir.path().join("cut.gz"), [0x1f, 0x8b, 0x08, 0x00, 0x00]).unwrap();
    let out = audit(dir.path(), None, &["cut.gz"], None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("cut.gz"), "{}", stderr(&out));

    // Subscription payloads must be base64 / gzip / JSON.
    std::fs::write(dir.path().join("bad.b64"), "%%%% not a payload").unwrap();
    let out = audit(
        dir.path(),
        None,
        &["--input-format", "subscription", "bad.b64"],
        None,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn summary_counts_truncated_and_unparseable_messages() {
    let dir = tempfile::tempdir().unwrap();
    let good = exec_events()[1].to_string();
    let cut = format!("{}[Truncated...]", &good[..good.len() / 2]);
    // `aws logs filter-log-events` output.
    let doc = json!({"events": [
        {"logStreamName": "kube-apiserver-audit-1", "timestamp": 1, "message": good, "eventId": "1"},
        {"logStreamName": "kube-apiserver-audit-1", "timestamp": 2, "message": cut, "eventId": "2"},
        {"logStreamName": "kube-apiserver-audit-1", "timestamp": 3, "message": "I1127 not json", "eventId": "3"},
    ]});
    std::fs::write(dir.path().join("export.json"), doc.to_string()).unwrap();
    let out = audit(
        dir.path(),
        None,
        &["--format", "jsonl", "export.json"],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "bad records are data, not errors"
    );
    let err = stderr(&out);
    assert!(err.contains("3 records"), "{err}");
    assert!(err.contains("1 truncated"), "{err}");
    assert!(err.contains("1 unparseable"), "{err}");
    assert!(err.contains("detections: 1"), "{err}");
    assert_eq!(jsonl(&out).len(), 1);
}

#[test]
fn stdin_and_config_section() {
    let dir = tempfile::tempdir().unwrap();
    let text: String = exec_events().iter().map(|e| format!("{e}\n")).collect();
    let out = audit(
        dir.path(),
        None,
        &["--format", "jsonl", "-"],
        Some(text.as_bytes()),
    );
    assert!(jsonl(&out).iter().any(|d| d["rule"] == "AUD-006"));

    // `audit:` in eksguard.yaml turns the rule off...
    let off = json!({"disabled_rules": ["AUD-006"]});
    let out = audit(
        dir.path(),
        Some(&off),
        &["--format", "jsonl", "-"],
        Some(text.as_bytes()),
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(!jsonl(&out).iter().any(|d| d["rule"] == "AUD-006"));
    // ...or allow-lists the principal.
    let allow = json!({"extra_allowed_principals": ["alice"]});
    let out = audit(
        dir.path(),
        Some(&allow),
        &["--format", "jsonl", "-"],
        Some(text.as_bytes()),
    );
    assert!(jsonl(&out).is_empty(), "{}", stdout(&out));

    // Mistakes in the section are reported with their place.
    for bad in [
        json!({"no_such_key": 1}),
        json!({"disabled_rules": ["AUD-999"]}),
    ] {
        let out = audit(dir.path(), Some(&bad), &["-"], Some(text.as_bytes()));
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains("audit"), "{}", stderr(&out));
    }
}

#[test]
fn explain_prints_audit_rule_docs() {
    let root = repo_root();
    for rule in eksguard_audit::RULES {
        let out = eksguard_in(&root, &["explain", rule.id], None);
        assert_eq!(out.status.code(), Some(0), "{}", rule.id);
        let text = stdout(&out);
        assert!(
            text.starts_with(&format!("# {} {}", rule.id, rule.title)),
            "{text}"
        );
        assert!(text.contains(rule.technique.id), "{text}");
        assert!(text.contains("## Response"), "{text}");
    }
    let out = eksguard_in(&root, &["explain", "AUD-999"], None);
    assert_eq!(out.status.code(), Some(2));
    let out = eksguard_in(&root, &["audit", "--list-rules"], None);
    let listed = stdout(&out);
    for rule in eksguard_audit::RULES {
        assert!(listed.contains(rule.id), "{listed}");
    }
}

/// A moto endpoint for the `--aws` tests: `EKSGUARD_MOTO_URL` (set by
/// scripts/test.sh), else required under `CI=true`, else a `moto_server`
/// started here (killed on drop), else `None` and the test skips.
struct Moto {
    url: String,
    child: Option<std::process::Child>,
}

impl Drop for Moto {
    fn drop(&mut self) {
        if let Some(c) = &mut self.child {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn moto() -> Option<Moto> {
    use std::net::{TcpListener, TcpStream};
    if let Ok(url) = std::env::var("EKSGUARD_MOTO_URL") {
        return Some(Moto { url, child: None });
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "EKSGUARD_MOTO_URL is not set under CI=true (scripts/test.sh starts moto_server)"
    );
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = match std::process::Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("skipping: EKSGUARD_MOTO_URL is unset and moto_server cannot start ({e})");
            return None;
        }
    };
    let moto = Moto {
        url: format!("http://127.0.0.1:{port}"),
        child: Some(child),
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "moto_server did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Some(moto)
}

/// Calls moto's CloudWatch Logs JSON API directly (no SDK in the CLI's
/// tests): `curl` with the target header, as the AWS CLI would send.
fn logs_api(url: &str, target: &str, body: &Value) {
    let out = std::process::Command::new("curl")
        .args([
            "-sS",
            "-f",
            "-X",
            "POST",
            url,
            "-H",
            "Content-Type: application/x-amz-json-1.1",
            "-H",
            &format!("X-Amz-Target: Logs_20140328.{target}"),
            "-H",
            "Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/logs/aws4_request, SignedHeaders=host, Signature=0",
            "--data-binary",
            &body.to_string(),
        ])
        .output()
        .expect("curl");
    assert!(
        out.status.success(),
        "{target}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn eksguard_live(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_eksguard"));
    cmd.arg("audit")
        .args(args)
        .current_dir(dir)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", dir.join("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.join("no-aws-credentials"),
        )
        .env("AWS_EC2_METADATA_DISABLED", "true");
    cmd.output().unwrap()
}

#[test]
fn aws_live_reads_the_log_group_and_resumes_from_the_state_file() {
    let Some(moto) = moto() else { return };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let cluster = format!("cli-{}-{nanos}", std::process::id());
    let group = format!("/aws/eks/{cluster}/cluster");
    let stream = "kube-apiserver-audit-0a1b2c";
    logs_api(&moto.url, "CreateLogGroup", &json!({"logGroupName": group}));
    logs_api(
        &moto.url,
        "CreateLogStream",
        &json!({"logGroupName": group, "logStreamName": stream}),
    );
    let now_ms = (nanos / 1_000_000) as i64;
    let put = |events: &[Value]| {
        let log_events: Vec<Value> = events
            .iter()
            .map(|e| json!({"timestamp": now_ms - 120_000, "message": e.to_string()}))
            .collect();
        logs_api(
            &moto.url,
            "PutLogEvents",
            &json!({"logGroupName": group, "logStreamName": stream, "logEvents": log_events}),
        );
    };
    let first = exec_events();
    put(&first);

    let dir = tempfile::tempdir().unwrap();
    let args = [
        "--aws",
        "--cluster",
        &cluster,
        "--region",
        "us-east-1",
        "--endpoint-url",
        &moto.url,
        "--state-file",
        "state.json",
        "--format",
        "jsonl",
        "--fail-on",
        "info",
    ];
    let out = eksguard_live(dir.path(), &args);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let found = jsonl(&out);
    let exec: Vec<&Value> = found.iter().filter(|d| d["rule"] == "AUD-006").collect();
    assert_eq!(exec.len(), 1, "{found:#?}");
    assert_eq!(exec[0]["audit_ids"], json!([first[0]["auditID"]]));
    assert!(stderr(&out).contains(&group), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("audit: 1 input(s), 3 records, 3 events"),
        "{}",
        stderr(&out)
    );

    // A restart reads nothing twice; a new request (same millisecond) once.
    let mut second = exec_events();
    for e in &mut second {
        e["auditID"] = json!("0b5e0000-0000-4000-8000-00000000c0de");
    }
    put(&second);
    let mut follow = args.to_vec();
    follow.extend(["--follow", "--poll-interval", "1", "--max-polls", "2"]);
    let out = eksguard_live(dir.path(), &follow);
    let found = jsonl(&out);
    let ids: Vec<&Value> = found
        .iter()
        .filter(|d| d["rule"] == "AUD-006")
        .map(|d| &d["audit_ids"][0])
        .collect();
    assert_eq!(ids, [&second[0]["auditID"]], "{}", stderr(&out));
    assert!(stderr(&out).contains("2 poll(s)"), "{}", stderr(&out));

    // Errors from AWS are input errors: exit 2 with the reason.
    let out = eksguard_live(
        dir.path(),
        &[
            "--aws",
            "--cluster",
            "no-such-cluster",
            "--region",
            "us-east-1",
            "--endpoint-url",
            &moto.url,
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("ResourceNotFoundException"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn live_options_without_aws_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    write_jsonl(&dir.path().join("exec.jsonl"), &exec_events());
    for extra in [["--cluster", "prod"], ["--state-file", "s.json"]] {
        let mut args = vec!["exec.jsonl"];
        args.extend(extra);
        let out = audit(dir.path(), None, &args, None);
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains("--aws"), "{}", stderr(&out));
        assert!(out.stdout.is_empty());
    }
}

/// A subscription event as Lambda receives it, saved to a file
/// (`{"awslogs":{"data":"<base64 of gzip>"}}`, written by the engine's
/// fixture generator): the ReplicaSet controller's pods of a privileged
/// Deployment created before the log, reported once for the Deployment.
#[test]
fn lambda_event_file_is_read_and_undecodable_ones_exit_2() {
    let saved = repo_root().join(
        "crates/engines/audit/tests/fixtures/controller-pods/deployment-before-window.lambda.json",
    );
    let text = std::fs::read_to_string(&saved).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("saved-lambda-event.json"), &text).unwrap();
    for extra in [&[][..], &["--input-format", "lambda-event"][..]] {
        let mut args = vec!["--format", "jsonl", "--fail-on", "info"];
        args.extend(extra);
        args.push("saved-lambda-event.json");
        let out = audit(dir.path(), None, &args, None);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let found = jsonl(&out);
        assert_eq!(found.len(), 1, "{found:#?}");
        let d = &found[0];
        assert_eq!(d["rule"], "AUD-001");
        assert_eq!(d["object"], "deployments/shop/web");
        assert_eq!(
            d["user"],
            "system:serviceaccount:kube-system:replicaset-controller"
        );
        assert!(
            d["message"].as_str().unwrap().starts_with(
                "3 pods of Deployment shop/web created by replicaset-controller are privileged"
            ),
            "{d}"
        );
        assert_eq!(d["audit_ids"].as_array().unwrap().len(), 3);
        // Three pods and their scheduler bindings.
        assert!(stderr(&out).contains("6 events"), "{}", stderr(&out));
    }

    // The data cut short (a truncated copy) and a byte outside base64: an
    // error naming the file and the event's line, exit 2, never an empty
    // success.
    let v: Value = serde_json::from_str(&text).unwrap();
    let data = v["awslogs"]["data"].as_str().unwrap();
    let mut bad = data.to_string();
    bad.replace_range(12..13, "!");
    for (name, data, reason) in [
        (
            "cut-lambda-event.json",
            &data[..data.len() / 2],
            "awslogs.data is not complete gzip data",
        ),
        (
            "bad-lambda-event.json",
            bad.as_str(),
            "awslogs.data is not base64 (invalid byte at offset 12)",
        ),
    ] {
        let event = serde_json::to_string_pretty(&json!({"awslogs": {"data": data}})).unwrap();
        std::fs::write(dir.path().join(name), event).unwrap();
        let out = audit(dir.path(), None, &["--format", "jsonl", name], None);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(jsonl(&out).is_empty());
        let err = stderr(&out);
        assert!(
            err.contains(&format!(
                "{name}: line 1: invalid CloudWatch Logs Lambda event: {reason}"
            )),
            "{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
}
