//! "What scan reports is what admission blocks": every object of every
//! control fixture (crates/controls/tests/fixtures/<ID>/{fail,pass}.yaml,
//! with the fixture's eksguard.yaml and scan reports) goes through `scan`'s
//! object controls and through the webhook as a CREATE review, with every
//! control in warn mode so each violation is visible. The control IDs must
//! be the same object by object. (Pod Security has its own path in the
//! webhook, exact to upstream admission, tested against the conformance
//! fixtures in webhook.rs; inventory controls need the whole cluster and do
//! not run at admission.)

use eksguard_controls::config::Date;
use eksguard_controls::{Config, Context, Sink};
use eksguard_webhook::{Engine, Namespaces, validate_body};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../controls/tests/fixtures")
}

/// The fixture's eksguard.yaml with every severity in warn mode.
fn config(dir: &Path) -> Config {
    let mut doc = match std::fs::read(dir.join("eksguard.yaml")) {
        Ok(bytes) => {
            let parsed = eksguard_files::yaml::parse(
                std::str::from_utf8(&bytes).unwrap(),
                Default::default(),
            );
            parsed.documents[0].value.clone()
        }
        Err(_) => json!({}),
    };
    doc["webhook"] = json!({"defaults": {"critical": "warn", "high": "warn", "medium": "warn", "low": "warn", "info": "warn"}});
    let mut c: Config = serde_json::from_value(doc).unwrap();
    assert!(c.compile().is_empty());
    c
}

fn images(dir: &Path) -> Option<eksguard_images::ImageIndex> {
    let reports = dir.join("reports");
    reports.is_dir().then(|| {
        let (scans, errors) = eksguard_images::read_reports(&[reports], 1 << 20);
        assert!(errors.is_empty(), "{errors:?}");
        eksguard_images::ImageIndex::new(scans)
    })
}

fn review(obj: &Value, ns: &str) -> Vec<u8> {
    let api_version = obj["apiVersion"].as_str().unwrap_or("v1");
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let kind = obj["kind"].as_str().unwrap_or("");
    serde_json::to_vec(&json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "00000000-0000-4000-8000-000000000001",
            "kind": {"group": group, "version": version, "kind": kind},
            "resource": {"group": group, "version": version, "resource": format!("{}s", kind.to_lowercase())},
            "namespace": ns,
            "operation": "CREATE",
            "userInfo": {"username": "ci"},
            "object": obj,
        }
    }))
    .unwrap()
}

fn ids_of(texts: impl IntoIterator<Item = String>) -> BTreeSet<String> {
    texts
        .into_iter()
        .filter_map(|t| Some(t.strip_prefix('[')?.split_once(']')?.0.to_owned()))
        .filter(|id| !id.starts_with("PSS-"))
        .collect()
}

#[test]
fn scan_and_admission_report_the_same_controls_object_by_object() {
    let mut compared = 0;
    let mut with_findings = 0;
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let config = config(&dir);
        let index = images(&dir);
        let mut engine = Engine::new(config, None).unwrap();
        if let Some(ix) = images(&dir) {
            engine = engine.with_images(ix);
        }
        // Scan's side uses the same config (the engine consumed its copy).
        let config = self::config(&dir);
        for file in ["fail.yaml", "pass.yaml"] {
            let path = dir.join(file);
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let name = path.display().to_string();
            let loaded = eksguard_files::load_bytes(&name, &bytes).finish();
            for obj in &loaded.objects {
                let ns = obj.namespace.clone().unwrap_or_default();
                let namespaces = Namespaces::from_labels([(
                    if ns.is_empty() {
                        "default".to_owned()
                    } else {
                        ns.clone()
                    },
                    Default::default(),
                )]);

                let mut ctx = Context::new(&config);
                ctx.images = index.as_ref();
                let mut sink = Sink::new();
                eksguard_controls::check_object(obj, &ctx, &mut sink);
                let (mut findings, _) = sink.into_parts();
                config.apply_exceptions(&mut findings, Date::today());
                let scan: BTreeSet<String> = ids_of(
                    findings
                        .iter()
                        .filter(|f| f.suppressed.is_none())
                        .map(|f| format!("[{}]", f.control)),
                );

                let answer: Value = serde_json::from_slice(
                    &validate_body(&engine, &namespaces, &review(&obj.raw, &ns)).unwrap(),
                )
                .unwrap();
                let warnings = answer["response"]["warnings"]
                    .as_array()
                    .map(|w| {
                        w.iter()
                            .filter_map(|s| s.as_str().map(str::to_owned))
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default();
                let admission = ids_of(warnings);
                assert_eq!(
                    scan,
                    admission,
                    "{name}: {} — scan and admission disagree\nwebhook answer: {answer}",
                    obj.obj_ref().short()
                );
                compared += 1;
                with_findings += usize::from(!scan.is_empty());
            }
        }
    }
    // The fixtures are many and most failing ones have object findings: a
    // harness that compared nothing would not notice.
    eprintln!("compared {compared}, with findings {with_findings}");
    assert!(compared > 150, "{compared}");
    assert!(with_findings > 20, "{with_findings}");
}
