//! AdmissionReview decoder + decision path on arbitrary bytes: must never
//! panic, and any answer must be a JSON AdmissionReview echoing the uid.
#![no_main]

use eksguard_webhook::{Engine, Namespaces, validate_body};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn setup() -> &'static (Engine, Namespaces) {
    static S: OnceLock<(Engine, Namespaces)> = OnceLock::new();
    S.get_or_init(|| {
        let ns = Namespaces::from_labels([(
            "prod".to_owned(),
            [(
                "pod-security.kubernetes.io/enforce".to_owned(),
                "restricted".to_owned(),
            )]
            .into(),
        )]);
        let engine =
            Engine::new(eksguard_controls::Config::default(), None).expect("default config");
        (engine, ns)
    })
}

fuzz_target!(|data: &[u8]| {
    let (engine, ns) = setup();
    if let Ok(out) = validate_body(engine, ns, data) {
        let v: serde_json::Value = serde_json::from_slice(&out).expect("response is JSON");
        assert_eq!(v["kind"], "AdmissionReview");
        assert!(v["response"]["allowed"].is_boolean());
    }
});
