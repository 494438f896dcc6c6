//! Runs all 4,537 upstream PodSecurity fixtures (`shared/conformance/pss`, copied from
//! kubernetes/pod-security-admission `test/testdata`).
//!
//! Rule (the fixtures' README, as upstream's `test/run.go`): a file under
//! `LEVEL/VERSION/pass` is allowed at that level and version; one under `fail` is denied and
//! the denial message contains the upstream substring in column 6 of `index.tsv`.
//!
//! Columns 7 and 8 (failing check IDs and the aggregated detail) come from a Python port,
//! not from upstream; they are compared too, as a strong hint. There are no deviations:
//! every detail this engine produces equals the port's text.

use std::path::PathBuf;

use eksguard_pss::{Evaluator, Level, LevelVersion, TargetKind, Version, apply_api_defaults};
use k8s_openapi::api::core::v1::Pod;

fn shared_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("EKSGUARD_SHARED") {
        return PathBuf::from(dir).join("conformance/pss");
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../../shared/conformance/pss")
}

struct Row {
    level: Level,
    version: Version,
    expect_allow: bool,
    file: String,
    substring: String,
    failing: String,
    detail: String,
}

fn rows(dir: &std::path::Path) -> Vec<Row> {
    let index = dir.join("index.tsv");
    let text = std::fs::read_to_string(&index)
        .unwrap_or_else(|e| panic!("cannot read {}: {e} (set EKSGUARD_SHARED)", index.display()));
    text.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .enumerate()
        .map(|(i, line)| {
            let cols: Vec<&str> = line.split('\t').collect();
            assert!(
                cols.len() >= 8,
                "index.tsv line {}: {} columns",
                i + 2,
                cols.len()
            );
            Row {
                level: cols[0].parse().expect("level"),
                version: cols[1].parse().expect("version"),
                expect_allow: match cols[2] {
                    "allow" => true,
                    "deny" => false,
                    other => panic!("index.tsv line {}: expect {other:?}", i + 2),
                },
                file: cols[3].to_owned(),
                substring: cols[5].to_owned(),
                failing: cols[6].to_owned(),
                detail: cols[7].to_owned(),
            }
        })
        .collect()
}

fn yaml_files(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
}

#[test]
fn upstream_fixtures() {
    let dir = shared_dir();
    assert!(
        dir.join("index.tsv").is_file(),
        "conformance fixtures not found at {} — set EKSGUARD_SHARED to the shared directory",
        dir.display()
    );
    let rows = rows(&dir);
    let mut on_disk = Vec::new();
    yaml_files(&dir, &mut on_disk);
    assert_eq!(on_disk.len(), 4537, "fixture files on disk");
    assert_eq!(rows.len(), 4537, "rows in index.tsv");
    let mut indexed: Vec<PathBuf> = rows.iter().map(|r| dir.join(&r.file)).collect();
    indexed.sort();
    on_disk.sort();
    assert_eq!(
        indexed, on_disk,
        "index.tsv must list exactly the files on disk"
    );

    let evaluator = Evaluator::default();
    let mut failures = Vec::new();
    let mut detail_mismatches = Vec::new();
    let (mut allowed, mut denied) = (0, 0);
    for row in &rows {
        // The layout is the rule: the directory must agree with the index.
        let expected_dir = format!(
            "{}/{}/{}/",
            row.level,
            row.version,
            if row.expect_allow { "pass" } else { "fail" }
        );
        assert!(row.file.starts_with(&expected_dir), "{}", row.file);

        let text = std::fs::read_to_string(dir.join(&row.file)).expect("read fixture");
        let mut pod: Pod = serde_saphyr::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: not a Pod: {e}", row.file));
        let mut spec = pod.spec.take().expect("fixture has a spec");
        // Upstream runs these against an API server, which defaults before admission.
        apply_api_defaults(&mut spec, TargetKind::Pod);

        let lv = LevelVersion::new(row.level, row.version);
        let eval = evaluator.evaluate(lv, &pod.metadata, &spec);
        let message = eval.message(&lv);
        if row.expect_allow {
            allowed += 1;
            if !eval.allowed {
                failures.push(format!("{}: expected allowed, got {message}", row.file));
            }
            continue;
        }
        denied += 1;
        if eval.allowed {
            failures.push(format!("{}: expected denied, was allowed", row.file));
        } else if !message.contains(&row.substring) {
            failures.push(format!(
                "{}: message lacks {:?}: {message}",
                row.file, row.substring
            ));
        }
        let checks: Vec<&str> = eval.forbidden.iter().map(|f| f.check).collect();
        if checks.join(",") != row.failing || eval.forbidden_detail() != row.detail {
            detail_mismatches.push(format!(
                "{}:\n  ours: {} | {}\n  port: {} | {}",
                row.file,
                checks.join(","),
                eval.forbidden_detail(),
                row.failing,
                row.detail
            ));
        }
    }
    assert_eq!((allowed, denied), (1051, 3486));
    assert!(
        failures.is_empty(),
        "{} of 4537 fixtures fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        detail_mismatches.is_empty(),
        "{} details differ from the port:\n{}",
        detail_mismatches.len(),
        detail_mismatches.join("\n")
    );
}
