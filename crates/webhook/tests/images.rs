//! The image vulnerability gate at admission: the webhook given scan
//! reports denies what `scan --image-reports` reports as IMG-010 (high,
//! enforced by default) and warns on IMG-011 (medium).

use eksguard_webhook::{Engine, Namespaces, validate_body};
use serde_json::{Value, json};
use std::path::Path;

fn engine() -> Engine {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/insecure-cluster/image-reports");
    let (scans, errors) = eksguard_images::read_reports(&[dir], 1 << 20);
    assert!(errors.is_empty(), "{errors:?}");
    Engine::new(eksguard_controls::Config::default(), None)
        .unwrap()
        .with_images(eksguard_images::ImageIndex::new(scans))
}

fn review(image: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "7f0b2f4e-1111-2222-3333-444455556666",
            "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
            "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
            "namespace": "shop",
            "operation": "CREATE",
            "userInfo": {"username": "ci"},
            "object": {
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "cart", "namespace": "shop"},
                "spec": {
                    "selector": {"matchLabels": {"app": "cart"}},
                    "template": {
                        "metadata": {"labels": {"app": "cart"}},
                        "spec": {
                            "automountServiceAccountToken": false,
                            "serviceAccountName": "cart",
                            "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
                            "containers": [{
                                "name": "cart", "image": image,
                                "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}
                            }]
                        }
                    }
                }
            }
        }
    }))
    .unwrap()
}

fn decide(engine: &Engine, image: &str) -> Value {
    let ns = Namespaces::from_labels([("shop".to_owned(), Default::default())]);
    serde_json::from_slice(&validate_body(engine, &ns, &review(image)).unwrap()).unwrap()
}

#[test]
fn vulnerable_image_is_denied_unscanned_is_warned_clean_is_allowed() {
    let engine = engine();
    let vulnerable = decide(
        &engine,
        "111122223333.dkr.ecr.eu-west-1.amazonaws.com/cart:3.0.2@sha256:8888888888888888888888888888888888888888888888888888888888888888",
    );
    assert_eq!(vulnerable["response"]["allowed"], false, "{vulnerable}");
    let msg = vulnerable["response"]["status"]["message"]
        .as_str()
        .unwrap();
    assert!(
        msg.contains("IMG-010") && msg.contains("CVE-2024-5535"),
        "{msg}"
    );

    let unscanned = decide(
        &engine,
        "111122223333.dkr.ecr.eu-west-1.amazonaws.com/cart:9.9.9@sha256:9999999999999999999999999999999999999999999999999999999999999999",
    );
    assert_eq!(unscanned["response"]["allowed"], true, "{unscanned}");
    let warnings = unscanned["response"]["warnings"].to_string();
    assert!(warnings.contains("IMG-011"), "{warnings}");

    let clean = decide(
        &engine,
        "111122223333.dkr.ecr.eu-west-1.amazonaws.com/payments-api:2.14.1@sha256:5f2d6c2d9f6a0a3c4b1e0e6a7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f809",
    );
    assert_eq!(clean["response"]["allowed"], true, "{clean}");
    assert!(
        !clean["response"]["warnings"].to_string().contains("IMG-01"),
        "{clean}"
    );

    // Without reports the webhook does not gate on vulnerabilities at all.
    let plain = Engine::new(eksguard_controls::Config::default(), None).unwrap();
    let r = decide(
        &plain,
        "111122223333.dkr.ecr.eu-west-1.amazonaws.com/cart:3.0.2@sha256:8888888888888888888888888888888888888888888888888888888888888888",
    );
    assert_eq!(r["response"]["allowed"], true, "{r}");
}
