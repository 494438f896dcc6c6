//! Stable-toolchain stand-in for the fuzz target (`fuzz/`): random bytes and
//! structure-aware mutations of a real AdmissionReview through the same
//! entry point. Nothing may panic; every answer is a well-formed review.

use eksguard_webhook::{Engine, Namespaces, validate_body};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::sync::OnceLock;

fn setup() -> &'static (Engine, Namespaces) {
    static S: OnceLock<(Engine, Namespaces)> = OnceLock::new();
    S.get_or_init(|| {
        let ns = Namespaces::from_labels([(
            "shop".to_owned(),
            [(
                "pod-security.kubernetes.io/enforce".to_owned(),
                "restricted".to_owned(),
            )]
            .into(),
        )]);
        (
            Engine::new(eksguard_controls::Config::default(), None).unwrap(),
            ns,
        )
    })
}

fn sample() -> Value {
    serde_json::from_str(include_str!("../testdata/deployment-review.json")).unwrap()
}

fn check(body: &[u8]) {
    let (engine, ns) = setup();
    if let Ok(out) = validate_body(engine, ns, body) {
        let v: Value = serde_json::from_slice(&out).expect("response is JSON");
        assert_eq!(v["apiVersion"], "admission.k8s.io/v1");
        assert!(v["response"]["allowed"].is_boolean());
        assert!(v["response"]["uid"].as_str().is_some_and(|u| !u.is_empty()));
    }
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("Pod"),
            Just("Deployment"),
            Just("UPDATE"),
            Just("v1"),
            Just("apps"),
            Just("privileged"),
            Just("../x")
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every path (as keys/indices) in a JSON tree.
fn paths(v: &Value, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(prefix.clone());
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                prefix.push(k.clone());
                paths(c, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                prefix.push(i.to_string());
                paths(c, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn replace(v: &mut Value, path: &[String], with: Value) {
    let mut cur = v;
    for p in path {
        cur = match cur {
            Value::Object(m) => match m.get_mut(p) {
                Some(c) => c,
                None => return,
            },
            Value::Array(a) => match p.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                Some(c) => c,
                None => return,
            },
            _ => return,
        };
    }
    *cur = with;
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes(body in prop::collection::vec(any::<u8>(), 0..512)) {
        check(&body);
    }

    #[test]
    fn mutated_review(picks in prop::collection::vec((any::<prop::sample::Index>(), arb_json()), 1..4), pod in any::<bool>()) {
        let mut v = sample();
        if pod {
            // Make it a Pod so the enforce (deny) path is exercised too.
            let spec = v["request"]["object"]["spec"]["template"]["spec"].clone();
            v["request"]["kind"] = json!({"group": "", "version": "v1", "kind": "Pod"});
            v["request"]["object"] = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "shop"}, "spec": spec});
        }
        for (idx, with) in picks {
            let mut all = Vec::new();
            paths(&v, &mut Vec::new(), &mut all);
            let path = idx.get(&all).clone();
            replace(&mut v, &path, with);
        }
        check(&serde_json::to_vec(&v).unwrap());
    }

    #[test]
    fn truncated_review(cut in 0usize..4096) {
        let body = serde_json::to_vec(&sample()).unwrap();
        check(&body[..cut.min(body.len())]);
    }
}

/// The sample itself is allowed (so the mutations start from the normal path).
#[test]
fn sample_is_allowed() {
    let (engine, ns) = setup();
    let out = validate_body(engine, ns, &serde_json::to_vec(&sample()).unwrap()).unwrap();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["response"]["allowed"], true, "{v}");
}
