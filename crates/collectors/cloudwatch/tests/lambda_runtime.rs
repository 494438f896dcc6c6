//! The `eksguard-audit-lambda` binary against a stand-in for the Lambda
//! Runtime API (`GET /runtime/invocation/next`, `POST .../response`), fed
//! the recorded subscription deliveries. Built only with `--features lambda`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn fixture(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Reads one HTTP/1.1 request: (method, path, body). `None` at EOF.
fn read_request(r: &mut BufReader<TcpStream>) -> Option<(String, String, Vec<u8>)> {
    let mut line = String::new();
    if r.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_string(), parts.next()?.to_string());
    let mut len = 0;
    loop {
        let mut h = String::new();
        r.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            len = v.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    Some((method, path, body))
}

fn serve(
    stream: TcpStream,
    events: Arc<Mutex<Vec<(String, String)>>>,
    responses: mpsc::Sender<(String, Vec<u8>)>,
) {
    let mut w = stream.try_clone().unwrap();
    let mut r = BufReader::new(stream);
    while let Some((method, path, body)) = read_request(&mut r) {
        if method == "GET" && path.ends_with("/runtime/invocation/next") {
            let next = events.lock().unwrap().pop();
            let Some((id, event)) = next else {
                // No more events: keep the runtime waiting, as Lambda does.
                std::thread::sleep(Duration::from_secs(60));
                return;
            };
            let reply = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: {id}\r\nLambda-Runtime-Deadline-Ms: 4102444800000\r\nLambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:111122223333:function:eksguard-audit\r\nContent-Length: {}\r\n\r\n{event}",
                event.len()
            );
            w.write_all(reply.as_bytes()).unwrap();
        } else {
            let id = path.split('/').nth(4).unwrap_or("").to_string();
            let _ = responses.send((format!("{method} {id} {path}"), body));
            w.write_all(b"HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}")
                .unwrap();
        }
    }
}

#[test]
fn the_lambda_binary_handles_recorded_deliveries() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    // Popped from the end: the exec delivery first.
    let events = Arc::new(Mutex::new(vec![
        ("req-2".to_string(), fixture("lambda-control.json")),
        ("req-1".to_string(), fixture("lambda-exec.json")),
    ]));
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (events, tx) = (Arc::clone(&events), tx.clone());
            std::thread::spawn(move || serve(stream, events, tx));
        }
    });
    let mut child = Command::new(env!("CARGO_BIN_EXE_eksguard-audit-lambda"))
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "eksguard-audit")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
        .env_remove("EKSGUARD_AUDIT_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut got = Vec::new();
    for _ in 0..2 {
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(r) => got.push(r),
            Err(e) => {
                let _ = child.kill();
                panic!("no response from the function: {e}; got {got:?}");
            }
        }
    }
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();

    let (first, body) = &got[0];
    assert!(
        first.starts_with("POST req-1 ") && first.ends_with("/response"),
        "{first}"
    );
    let summary: serde_json::Value = serde_json::from_slice(body).unwrap();
    assert_eq!(summary["truncated"], 1, "{summary}");
    assert_eq!(summary["events"], 2, "{summary}");
    let (second, body) = &got[1];
    assert!(second.starts_with("POST req-2 "), "{second}");
    let summary: serde_json::Value = serde_json::from_slice(body).unwrap();
    assert_eq!(summary["control_messages"], 1, "{summary}");
    assert_eq!(summary["detection_count"], 0, "{summary}");

    // Detections go to the function's log as JSON lines.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let detections: Vec<serde_json::Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let exec: Vec<_> = detections
        .iter()
        .filter(|d| d["rule"] == "AUD-006")
        .collect();
    assert_eq!(exec.len(), 1, "{stdout}");
    assert_eq!(
        exec[0]["audit_ids"],
        serde_json::json!(["7a1d0000-0000-4000-8000-0000000000a1"])
    );
}
