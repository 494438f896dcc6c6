//! Hostile input must be counted, never panic: every fixture line is cut,
//! byte-flipped and type-confused, and fed through every input format.

use eksguard_audit::{AuditConfig, InputFormat, Pipeline};
use std::path::Path;

fn fixture_lines() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules");
    let mut out = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(root).unwrap().flatten().collect();
    dirs.sort_by_key(|d| d.path());
    for d in dirs {
        for f in ["trigger.jsonl", "benign.jsonl"] {
            if let Ok(t) = std::fs::read_to_string(d.path().join(f)) {
                out.extend(t.lines().map(str::to_string));
            }
        }
    }
    out
}

/// Deterministic variants of a line: truncations, byte substitutions, and
/// JSON values swapped for other types.
fn variants(line: &str, seed: &mut u64) -> Vec<Vec<u8>> {
    let b = line.as_bytes();
    let mut v = Vec::new();
    for cut in [1, b.len() / 3, b.len() / 2, b.len().saturating_sub(1)] {
        v.push(b[..cut.min(b.len())].to_vec());
    }
    for _ in 0..8 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut m = b.to_vec();
        if !m.is_empty() {
            let i = (*seed >> 33) as usize % m.len();
            m[i] = [b'{', b'}', b'"', b'\\', 0xff, b'[', b'0', b':'][(*seed % 8) as usize];
        }
        v.push(m);
    }
    for (from, to) in [
        ("\"verb\":\"", "\"verb\":7,\"x\":\""),
        ("\"containers\":[", "\"containers\":{\"a\":["),
        ("\"requestObject\":{", "\"requestObject\":[{"),
        ("\"sourceIPs\":[", "\"sourceIPs\":[1,"),
        ("\"subjects\":[", "\"subjects\":\"x\",\"y\":["),
        (
            "\"requestReceivedTimestamp\":\"2",
            "\"requestReceivedTimestamp\":\"9999-99",
        ),
    ] {
        v.push(line.replacen(from, to, 1).into_bytes());
    }
    v
}

#[test]
fn mangled_input_never_panics() {
    let mut seed = 42;
    let mut all = Vec::new();
    for line in fixture_lines() {
        for m in variants(&line, &mut seed) {
            all.extend_from_slice(&m);
            all.push(b'\n');
        }
    }
    for format in [
        InputFormat::Auto,
        InputFormat::JsonLines,
        InputFormat::EventList,
        InputFormat::FilterLogEvents,
        InputFormat::Subscription,
        InputFormat::LambdaEvent,
    ] {
        let mut p = Pipeline::new(&AuditConfig::default()).unwrap();
        let _ = p.read("mangled", &all[..], format, &mut |_| {});
        let s = p.finish(&mut |_| {});
        if format == InputFormat::JsonLines {
            // Every non-blank line is accounted for: parsed or counted bad.
            let nonblank = all
                .split(|&b| b == b'\n')
                .filter(|l| !l.trim_ascii().is_empty())
                .count() as u64;
            assert_eq!(s.records, nonblank);
            assert_eq!(s.events + s.unparseable + s.truncated, s.records);
            assert!(s.unparseable > 0);
        }
    }
}

/// The parallel path (decoder thread, parallel parse, small batches) must
/// report exactly what the single-threaded path reports, in the same order.
#[test]
fn parallel_and_sequential_agree() {
    let all = fixture_lines().join("\n");
    let run = |parallel: bool, batch_records: usize| {
        let opts = eksguard_audit::Options {
            parallel,
            batch_records,
            ..Default::default()
        };
        let mut p = Pipeline::with_options(&AuditConfig::default(), opts).unwrap();
        let mut out = Vec::new();
        p.read("all", all.as_bytes(), InputFormat::JsonLines, &mut |d| {
            out.push(d)
        })
        .unwrap();
        let s = p.finish(&mut |d| out.push(d));
        (out, s)
    };
    let (seq, seq_summary) = run(false, 4096);
    assert!(seq.len() > 50, "fixtures produce detections: {}", seq.len());
    for batch in [1, 7, 100, 4096] {
        let (par, par_summary) = run(true, batch);
        assert_eq!(par, seq, "batch size {batch}");
        assert_eq!(par_summary, seq_summary, "batch size {batch}");
    }
}
