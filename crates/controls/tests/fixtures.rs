//! Every control has `fixtures/<ID>/fail.yaml` (must produce at least one
//! finding of that control) and `pass.yaml` (must produce none). The failing
//! findings are snapshotted, so a change in what, where or how a control
//! reports shows up in review.

use eksguard_controls::{Config, Context, Sink};
use eksguard_core::{Finding, Inventory};
use std::path::{Path, PathBuf};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn config_for(dir: &Path) -> Config {
    let path = dir.join("eksguard.yaml");
    let Ok(bytes) = std::fs::read(&path) else {
        return Config::default();
    };
    let parsed =
        eksguard_files::yaml::parse(std::str::from_utf8(&bytes).unwrap(), Default::default());
    let mut config: Config = serde_json::from_value(parsed.documents[0].value.clone()).unwrap();
    assert!(config.compile().is_empty());
    config
}

/// A fixture's `reports/` directory: image vulnerability scan reports, as
/// `--image-reports` gives them (paths relative, so snapshots are stable).
fn images_for(id: &str) -> Option<eksguard_images::ImageIndex> {
    let dir = PathBuf::from(format!("tests/fixtures/{id}/reports"));
    if !dir.is_dir() {
        return None;
    }
    let (scans, errors) = eksguard_images::read_reports(&[dir], 1 << 20);
    assert!(errors.is_empty(), "{id}: {errors:?}");
    Some(eksguard_images::ImageIndex::new(scans))
}

/// Runs the whole catalog over one file, as `scan` does.
fn scan(
    file: &Path,
    config: &Config,
    images: Option<&eksguard_images::ImageIndex>,
) -> Vec<Finding> {
    let name = format!(
        "fixtures/{}",
        file.strip_prefix(fixtures_dir()).unwrap().display()
    );
    let bytes = std::fs::read(file).unwrap();
    let loaded = eksguard_files::load_bytes(&name, &bytes).finish();
    assert!(loaded.errors.is_empty(), "{name}: {:?}", loaded.errors);
    let mut ctx = Context::new(config);
    ctx.images = images;
    let mut sink = Sink::new();
    for obj in &loaded.objects {
        eksguard_controls::check_object(obj, &ctx, &mut sink);
    }
    let inv = Inventory::new(loaded.objects);
    eksguard_controls::check_inventory(&inv, &ctx, &mut sink);
    let mut findings = sink.into_findings();
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings
}

#[test]
fn every_control_fails_on_its_failing_fixture_and_passes_its_passing_one() {
    for control in eksguard_controls::all() {
        let id = control.meta().id;
        if id == "CFG-001" {
            // Reported by the scan pipeline; covered by the CLI tests.
            continue;
        }
        let dir = fixtures_dir().join(id);
        if dir.join("fail").is_dir() {
            // An AWS snapshot fixture: tests/aws_fixtures.rs runs it.
            continue;
        }
        let config = config_for(&dir);
        let images = images_for(id);
        let fail = dir.join("fail.yaml");
        let pass = dir.join("pass.yaml");
        assert!(
            fail.is_file() && pass.is_file(),
            "{id}: missing fixtures in {}",
            dir.display()
        );

        let failing: Vec<Finding> = scan(&fail, &config, images.as_ref())
            .into_iter()
            .filter(|f| f.control == id)
            .collect();
        assert!(
            !failing.is_empty(),
            "{id}: fail.yaml produced no {id} finding"
        );
        for f in &failing {
            let loc = f
                .location
                .as_ref()
                .expect("fixture findings have a location");
            assert!(
                loc.line > 0
                    && !f.path.is_empty()
                    && !f.message.is_empty()
                    && !f.remediation.is_empty()
            );
        }
        let passing: Vec<Finding> = scan(&pass, &config, images.as_ref())
            .into_iter()
            .filter(|f| f.control == id)
            .collect();
        assert!(passing.is_empty(), "{id}: pass.yaml produced {passing:#?}");

        let view: Vec<_> = failing
            .iter()
            .map(|f| {
                let l = f.location.as_ref().unwrap();
                serde_json::json!({
                    "object": f.object.short(),
                    "at": format!("{}:{}:{}", l.file, l.line, l.column),
                    "path": f.path,
                    "message": f.message,
                })
            })
            .collect();
        insta::with_settings!({snapshot_suffix => id, prepend_module_to_snapshot => false}, {
            insta::assert_json_snapshot!("findings", view);
        });
    }
}

#[test]
fn every_control_is_documented_with_all_sections() {
    let mut ids = std::collections::HashSet::new();
    for control in eksguard_controls::all() {
        let m = control.meta();
        assert!(ids.insert(m.id), "duplicate ID {}", m.id);
        for section in [
            "What it checks",
            "Why it matters",
            "Example",
            "Fix",
            "References",
        ] {
            let text = m.section(section).unwrap_or_default();
            assert!(
                !text.is_empty(),
                "{}: missing or empty section `{section}`",
                m.id
            );
        }
        assert!(eksguard_controls::by_id(m.id).is_some());
        assert!(eksguard_controls::by_id(m.name).is_some());
    }
}

#[test]
fn secrets_never_reach_findings() {
    let config = Config::default();
    for id in ["IAM-001", "IAM-002"] {
        let findings = scan(&fixtures_dir().join(id).join("fail.yaml"), &config, None);
        let text = serde_json::to_string(&findings).unwrap();
        for secret in [
            "wJalrXUtnFEMI",
            "je7MtGbClwBF",
            "AKIAIOSFODNN7EXAMPLE",
            "AKIAI44QH8DHBEXAMPLE",
        ] {
            assert!(!text.contains(secret), "{id}: report leaks {secret}");
        }
    }
}

#[test]
fn annotation_suppresses_named_controls_only() {
    let yaml = b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: n\n  annotations:\n    eksguard.io/ignore: \"IAM-005, IMG-002: node agent needs the host network\"\nspec:\n  hostNetwork: true\n  containers: [{name: c, image: busybox}]\n";
    let loaded = eksguard_files::load_bytes("inline.yaml", yaml).finish();
    let config = Config::default();
    let mut sink = Sink::new();
    eksguard_controls::check_object(&loaded.objects[0], &Context::new(&config), &mut sink);
    let findings = sink.into_findings();
    let by = |id: &str| findings.iter().find(|f| f.control == id).unwrap();
    assert_eq!(
        by("IAM-005").suppressed.as_ref().unwrap().reason,
        "node agent needs the host network"
    );
    assert!(by("IMG-002").suppressed.is_some());
    assert!(by("IMG-001").suppressed.is_none());
}
