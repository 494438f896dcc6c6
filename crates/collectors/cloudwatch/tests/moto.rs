//! The live reader against moto's CloudWatch Logs server.
//!
//! `scripts/test.sh` starts `moto_server` and exports `EKSGUARD_MOTO_URL`.
//! Without it: under `CI=true` the tests fail; otherwise each test starts
//! its own `moto_server` when the command exists, or skips with a reason.

use eksguard_audit::{AuditConfig, Detection, Pipeline};
use eksguard_cloudwatch::sdk::Client;
use eksguard_cloudwatch::sdk::config::{BehaviorVersion, Credentials, Region};
use eksguard_cloudwatch::sdk::types::InputLogEvent;
use eksguard_cloudwatch::{Error, FollowOptions, Follower, LogSource, log_group_for};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A moto endpoint; kills the server on drop when this test started it.
struct Moto {
    url: String,
    child: Option<Child>,
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
    if let Ok(url) = std::env::var("EKSGUARD_MOTO_URL") {
        return Some(Moto { url, child: None });
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "EKSGUARD_MOTO_URL is not set under CI=true (scripts/test.sh starts moto_server)"
    );
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let child = match Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "skipping: EKSGUARD_MOTO_URL is unset and moto_server cannot start ({e}); pip install 'moto[server]'"
            );
            return None;
        }
    };
    let moto = Moto {
        url: format!("http://127.0.0.1:{port}"),
        child: Some(child),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "moto_server did not start on port {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(moto)
}

fn client(url: &str) -> Client {
    let config = eksguard_cloudwatch::sdk::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
        .endpoint_url(url)
        .build();
    Client::from_conf(config)
}

/// A cluster name no other test (or earlier run on a shared server) uses.
fn unique_cluster(tag: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{tag}-{}-{nanos}", std::process::id())
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// An exec into a pod (rule AUD-006), so every event read yields one
/// detection carrying its auditID.
fn exec_event(n: u32) -> (String, String) {
    let id = format!("00000000-0000-4000-8000-{n:012}");
    let msg = serde_json::json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
        "auditID": id, "stage": "ResponseStarted",
        "requestURI": "/api/v1/namespaces/default/pods/web-0/exec?command=sh&container=app&stdin=true&stdout=true",
        "verb": "create",
        "user": {"username": "alice", "groups": ["system:authenticated"]},
        "sourceIPs": ["203.0.113.10"],
        "objectRef": {"resource": "pods", "namespace": "default", "name": "web-0", "apiVersion": "v1", "subresource": "exec"},
        "responseStatus": {"metadata": {}, "code": 101},
        "requestReceivedTimestamp": "2026-11-27T09:00:00.000000Z",
        "stageTimestamp": "2026-11-27T09:00:00.000000Z",
        "annotations": {"authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": ""}
    });
    (id, msg.to_string())
}

struct Cluster<'a> {
    client: &'a Client,
    runtime: tokio::runtime::Runtime,
    group: String,
}

impl<'a> Cluster<'a> {
    fn new(client: &'a Client, name: &str) -> Cluster<'a> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let group = log_group_for(name);
        runtime
            .block_on(client.create_log_group().log_group_name(&group).send())
            .unwrap();
        Cluster {
            client,
            runtime,
            group,
        }
    }

    fn put(&self, stream: &str, events: &[(i64, String)]) {
        let _ = self.runtime.block_on(
            self.client
                .create_log_stream()
                .log_group_name(&self.group)
                .log_stream_name(stream)
                .send(),
        );
        let batch: Vec<InputLogEvent> = events
            .iter()
            .map(|(ts, msg)| {
                InputLogEvent::builder()
                    .timestamp(*ts)
                    .message(msg)
                    .build()
                    .unwrap()
            })
            .collect();
        self.runtime
            .block_on(
                self.client
                    .put_log_events()
                    .log_group_name(&self.group)
                    .log_stream_name(stream)
                    .set_log_events(Some(batch))
                    .send(),
            )
            .unwrap();
    }
}

/// One run of `eksguard audit --aws [--state-file]`: a fresh pipeline and
/// follower, as after a restart. Returns the auditIDs reported.
fn run_once(
    client: &Client,
    cluster: &str,
    state: &Path,
    page_limit: i32,
) -> (Vec<String>, eksguard_cloudwatch::PollStats) {
    let source = LogSource::with_client(client.clone(), cluster)
        .unwrap()
        .page_limit(page_limit);
    let options = FollowOptions {
        since: Duration::from_secs(3600),
        lag: Duration::from_secs(300),
        state_file: Some(state.to_path_buf()),
    };
    let mut follower = Follower::new(source, options).unwrap();
    let mut pipeline = Pipeline::new(&AuditConfig::default()).unwrap();
    let mut ids = Vec::new();
    let mut sink = |d: Detection| {
        if d.rule == "AUD-006" {
            ids.extend(d.audit_ids.last().cloned());
        }
    };
    let stats = follower.poll(&mut pipeline, &mut sink).unwrap();
    pipeline.finish(&mut sink);
    (ids, stats)
}

fn counts(ids: &[String]) -> BTreeMap<&str, usize> {
    let mut m = BTreeMap::new();
    for id in ids {
        *m.entry(id.as_str()).or_default() += 1;
    }
    m
}

#[test]
fn events_sharing_a_millisecond_are_read_exactly_once_across_restarts() {
    let Some(moto) = moto() else { return };
    let client = client(&moto.url);
    let name = unique_cluster("restart");
    let cluster = Cluster::new(&client, &name);
    let t = now_ms() - 10 * 60 * 1000;
    let mut all = Vec::new();
    let mut next = 0u32;
    let mut batch = |stamps: &[i64]| -> Vec<(i64, String)> {
        stamps
            .iter()
            .map(|ts| {
                next += 1;
                let (id, msg) = exec_event(next);
                all.push(id);
                (*ts, msg)
            })
            .collect()
    };
    // Two API server instances log into two streams; five events share
    // millisecond t, three share t + 7.
    let a = batch(&[t, t, t, t + 7]);
    let b = batch(&[t, t, t + 7, t + 7]);
    cluster.put("kube-apiserver-audit-aaaa", &a);
    cluster.put("kube-apiserver-audit-bbbb", &b);
    // Not an audit stream: never read.
    let (_, other) = exec_event(999_999);
    cluster.put("authenticator-cccc", &[(t, other)]);

    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let (first, stats) = run_once(&client, &name, &state, 3);
    assert_eq!(first.len(), 8, "{stats:?}");
    assert_eq!(stats.new_events, 8);
    assert!(
        stats.read.pages >= 3,
        "page limit 3 forces pagination: {stats:?}"
    );
    assert!(state.is_file());

    // More events arrive, two of them in the newest millisecond already
    // seen (t + 7: a stream ingested late), one later.
    let late = batch(&[t + 7, t + 7, t + 9]);
    cluster.put("kube-apiserver-audit-cccc", &late);

    let (second, stats) = run_once(&client, &name, &state, 3);
    assert_eq!(stats.new_events, 3, "{stats:?}");
    assert_eq!(
        stats.already_seen, 8,
        "the lag window is re-read: {stats:?}"
    );

    // A third run with nothing new reads nothing new.
    let (third, _) = run_once(&client, &name, &state, 1000);
    assert!(third.is_empty(), "{third:?}");

    let mut seen = first;
    seen.extend(second);
    let counted = counts(&seen);
    assert_eq!(counted.len(), all.len(), "every event read: {counted:?}");
    assert!(counted.values().all(|&n| n == 1), "none twice: {counted:?}");
    for id in &all {
        assert!(counted.contains_key(id.as_str()), "{id} lost");
    }
}

#[test]
fn pagination_reads_every_page() {
    let Some(moto) = moto() else { return };
    let client = client(&moto.url);
    let name = unique_cluster("pages");
    let cluster = Cluster::new(&client, &name);
    let t = now_ms() - 60_000;
    let events: Vec<(i64, String)> = (0..25)
        .map(|i| (t + i, exec_event(500 + i as u32).1))
        .collect();
    cluster.put("kube-apiserver-audit-0001", &events);
    let source = LogSource::with_client(client.clone(), &name)
        .unwrap()
        .page_limit(10);
    let mut pages = Vec::new();
    let stats = source
        .read_since(t, &mut |page| {
            pages.push(page.len());
            Ok(())
        })
        .unwrap();
    assert_eq!(stats.events, 25);
    assert_eq!(pages.iter().sum::<usize>(), 25);
    assert!(pages.len() >= 3, "{pages:?}");
    assert!(pages.iter().all(|&n| n <= 10), "{pages:?}");
}

#[test]
fn a_missing_log_group_names_the_fix() {
    let Some(moto) = moto() else { return };
    let client = client(&moto.url);
    let source = LogSource::with_client(client, &unique_cluster("absent")).unwrap();
    let err = source.read_since(0, &mut |_| Ok(())).unwrap_err();
    match &err {
        Error::Service { code, .. } => assert_eq!(code, "ResourceNotFoundException"),
        other => panic!("{other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains("/aws/eks/absent-"), "{text}");
    assert!(text.contains("audit"), "{text}");
}

/// A one-route HTTP server answering every request as CloudWatch Logs does
/// when the IAM policy lacks `logs:FilterLogEvents` (moto does not enforce
/// IAM by default).
fn access_denied_server() -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let body = r#"{"__type":"AccessDeniedException","message":"User: arn:aws:sts::111122223333:assumed-role/ci/runner is not authorized to perform: logs:FilterLogEvents on resource: arn:aws:logs:us-east-1:111122223333:log-group:/aws/eks/prod/cluster:log-stream: because no identity-based policy allows the logs:FilterLogEvents action"}"#;
        // The SDK does not retry AccessDenied; serve a few in case.
        for stream in listener.incoming().take(3) {
            let Ok(mut s) = stream else { continue };
            let mut buf = vec![0u8; 64 * 1024];
            let mut got = Vec::new();
            // Read headers and the (small) body.
            while let Ok(n) = s.read(&mut buf) {
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
                if let Some(end) = find(&got, b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
                    let len = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    if got.len() >= end + 4 + len {
                        break;
                    }
                }
            }
            let reply = format!(
                "HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.1\r\nx-amzn-RequestId: 1b2c3d4e\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = s.write_all(reply.as_bytes());
            break;
        }
    });
    (url, handle)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn access_denied_is_reported_with_the_missing_permission() {
    let (url, server) = access_denied_server();
    let source = LogSource::with_client(client(&url), "prod").unwrap();
    let err = source.read_since(0, &mut |_| Ok(())).unwrap_err();
    server.join().unwrap();
    let text = err.to_string();
    assert!(
        matches!(&err, Error::Service { code, .. } if code == "AccessDeniedException"),
        "{err:?}"
    );
    assert!(text.contains("/aws/eks/prod/cluster"), "{text}");
    assert!(text.contains("is not authorized"), "{text}");
    assert!(
        text.contains("credentials need logs:FilterLogEvents"),
        "{text}"
    );
}

#[test]
fn a_state_file_of_another_cluster_or_corrupt_is_refused() {
    // No request is made: the state file is checked first.
    let c = client("http://127.0.0.1:9");
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    std::fs::write(
        &state,
        r#"{"version":1,"log_group":"/aws/eks/other/cluster","checkpoint":{"lag_ms":300000,"max_ids":200000,"watermark_ms":5,"newest_ms":5,"seen":{},"ids":0}}"#,
    )
    .unwrap();
    let options = || FollowOptions {
        state_file: Some(state.clone()),
        ..FollowOptions::default()
    };
    let source = LogSource::with_client(c.clone(), "prod").unwrap();
    let err = Follower::new(source, options()).err().expect("refused");
    assert!(matches!(err, Error::StateMismatch { .. }), "{err:?}");
    assert!(err.to_string().contains("/aws/eks/other/cluster"));

    std::fs::write(&state, "{not json").unwrap();
    let source = LogSource::with_client(c, "prod").unwrap();
    let err = Follower::new(source, options()).err().expect("refused");
    assert!(matches!(err, Error::StateFormat { .. }), "{err:?}");
    assert!(err.to_string().contains("state.json"), "{err}");
}

#[test]
fn follow_polls_until_told_to_stop_and_reads_new_events_once() {
    let Some(moto) = moto() else { return };
    let client = client(&moto.url);
    let name = unique_cluster("follow");
    let cluster = Cluster::new(&client, &name);
    let t = now_ms() - 60_000;
    let first: Vec<(i64, String)> = (0..3).map(|i| (t, exec_event(700 + i).1)).collect();
    cluster.put("kube-apiserver-audit-0001", &first);

    let dir = tempfile::tempdir().unwrap();
    let source = LogSource::with_client(client.clone(), &name).unwrap();
    let options = FollowOptions {
        state_file: Some(dir.path().join("state.json")),
        ..FollowOptions::default()
    };
    let mut follower = Follower::new(source, options).unwrap();
    let mut pipeline = Pipeline::new(&AuditConfig::default()).unwrap();
    let mut ids = Vec::new();
    let mut polls = Vec::new();
    let mut after_poll = |s: &eksguard_cloudwatch::PollStats| {
        polls.push(s.new_events);
        if polls.len() == 1 {
            // Arrives between polls, in the millisecond already read.
            let more: Vec<(i64, String)> = (0..2).map(|i| (t, exec_event(800 + i).1)).collect();
            cluster.put("kube-apiserver-audit-0002", &more);
        }
        polls.len() < 3
    };
    follower
        .follow(
            &mut pipeline,
            &mut |d| {
                if d.rule == "AUD-006" {
                    ids.extend(d.audit_ids.last().cloned());
                }
            },
            Duration::from_millis(10),
            &mut after_poll,
        )
        .unwrap();
    assert_eq!(polls, [3, 2, 0]);
    let counted = counts(&ids);
    assert_eq!(counted.len(), 5, "{counted:?}");
    assert!(counted.values().all(|&n| n == 1), "{counted:?}");
}
