//! Properties that hold for any pod, on generated pods: evaluation never panics, verdicts are
//! internally consistent, and (for Linux pods) restricted is at least as strict as baseline.

use eksguard_pss::{Evaluator, Level, LevelVersion, NEWEST_MINOR, Version, check_ids, pod_target};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn maybe(v: impl Strategy<Value = Value>) -> impl Strategy<Value = Option<Value>> {
    prop::option::of(v)
}

fn pick(values: &'static [&'static str]) -> impl Strategy<Value = Value> {
    prop::sample::select(values).prop_map(|s| json!(s))
}

fn obj(fields: Vec<(&str, Option<Value>)>) -> Value {
    let mut m = Map::new();
    for (k, v) in fields {
        if let Some(v) = v {
            m.insert(k.to_owned(), v);
        }
    }
    Value::Object(m)
}

fn security_context() -> impl Strategy<Value = Value> {
    (
        (
            maybe(any::<bool>().prop_map(Value::from)),
            maybe(any::<bool>().prop_map(Value::from)),
            maybe(pick(&["Default", "Unmasked"])),
            maybe(prop::sample::select(&[0i64, 1000][..]).prop_map(Value::from)),
            maybe(any::<bool>().prop_map(Value::from)),
        ),
        (
            maybe(
                pick(&["RuntimeDefault", "Localhost", "Unconfined"])
                    .prop_map(|t| json!({"type": t})),
            ),
            maybe(pick(&["container_t", "spc_t", ""]).prop_map(|t| json!({"type": t}))),
            maybe(pick(&["RuntimeDefault", "Unconfined"]).prop_map(|t| json!({"type": t}))),
            maybe(any::<bool>().prop_map(|b| json!({"hostProcess": b}))),
            maybe(
                (
                    prop::sample::subsequence(
                        &["NET_BIND_SERVICE", "CHOWN", "NET_RAW", "SYS_ADMIN"][..],
                        0..3,
                    ),
                    prop::sample::subsequence(&["ALL", "NET_RAW"][..], 0..2),
                )
                    .prop_map(|(add, drop)| json!({"add": add, "drop": drop})),
            ),
        ),
    )
        .prop_map(
            |(
                (privileged, ape, proc_mount, run_as_user, non_root),
                (seccomp, selinux, apparmor, windows, caps),
            )| {
                obj(vec![
                    ("privileged", privileged),
                    ("allowPrivilegeEscalation", ape),
                    ("procMount", proc_mount),
                    ("runAsUser", run_as_user),
                    ("runAsNonRoot", non_root),
                    ("seccompProfile", seccomp),
                    ("seLinuxOptions", selinux),
                    ("appArmorProfile", apparmor),
                    ("windowsOptions", windows),
                    ("capabilities", caps),
                ])
            },
        )
}

fn container(name: &'static str) -> impl Strategy<Value = Value> {
    (
        maybe(security_context()),
        maybe(
            prop::sample::select(&[0i32, 8080][..])
                .prop_map(|h| json!([{"containerPort": 80, "hostPort": h}])),
        ),
        maybe(pick(&["", "10.0.0.1"]).prop_map(|h| json!({"tcpSocket": {"host": h, "port": 80}}))),
    )
        .prop_map(move |(sc, ports, probe)| {
            obj(vec![
                ("name", Some(json!(name))),
                ("securityContext", sc),
                ("ports", ports),
                ("livenessProbe", probe),
            ])
        })
}

fn pod() -> impl Strategy<Value = Value> {
    (
        (
            maybe(security_context()),
            prop::collection::vec(container("app"), 0..3),
            prop::collection::vec(container("init"), 0..2),
            prop::collection::vec(container("debug"), 0..2),
        ),
        (
            maybe(any::<bool>().prop_map(Value::from)),
            maybe(any::<bool>().prop_map(Value::from)),
            maybe(pick(&["linux", "windows"]).prop_map(|n| json!({"name": n}))),
            prop::sample::subsequence(
                &[
                    r#"{"name": "h", "hostPath": {"path": "/"}}"#,
                    r#"{"name": "c", "configMap": {"name": "x"}}"#,
                    r#"{"name": "n", "nfs": {"server": "s", "path": "/"}}"#,
                    r#"{"name": "i", "image": {"reference": "r"}}"#,
                    r#"{"name": "e"}"#,
                ][..],
                0..3,
            ),
            prop::sample::subsequence(
                &[
                    "kernel.shm_rmid_forced",
                    "net.ipv4.tcp_rmem",
                    "kernel.msgmax",
                ][..],
                0..2,
            ),
            prop::sample::subsequence(
                &[
                    (
                        "container.apparmor.security.beta.kubernetes.io/app",
                        "unconfined",
                    ),
                    ("seccomp.security.alpha.kubernetes.io/pod", "unconfined"),
                    (
                        "container.seccomp.security.alpha.kubernetes.io/init",
                        "runtime/default",
                    ),
                ][..],
                0..2,
            ),
        ),
    )
        .prop_map(
            |((psc, ctrs, inits, ephs), (host_net, host_users, os, vols, sysctls, ann))| {
                let mut psc = psc.unwrap_or_else(|| json!({}));
                let sysctls: Vec<Value> = sysctls
                    .iter()
                    .map(|n| json!({"name": n, "value": "1"}))
                    .collect();
                if !sysctls.is_empty() {
                    psc["sysctls"] = json!(sysctls);
                }
                psc.as_object_mut().map(|m| m.remove("privileged"));
                psc.as_object_mut()
                    .map(|m| m.remove("allowPrivilegeEscalation"));
                psc.as_object_mut().map(|m| m.remove("procMount"));
                psc.as_object_mut().map(|m| m.remove("capabilities"));
                let vols: Vec<Value> = vols
                    .iter()
                    .filter_map(|v| serde_json::from_str(v).ok())
                    .collect();
                let ann: Map<String, Value> =
                    ann.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
                let ephs: Vec<Value> = ephs
                    .into_iter()
                    .map(|mut e| {
                        e.as_object_mut().map(|m| {
                            m.remove("ports");
                            m.remove("livenessProbe")
                        });
                        e
                    })
                    .collect();
                json!({
                    "metadata": {"name": "p", "annotations": ann},
                    "spec": obj(vec![
                        ("securityContext", Some(psc)),
                        ("containers", Some(json!(ctrs))),
                        ("initContainers", Some(json!(inits))),
                        ("ephemeralContainers", Some(json!(ephs))),
                        ("hostNetwork", host_net),
                        ("hostUsers", host_users),
                        ("os", os),
                        ("volumes", Some(json!(vols))),
                    ])
                })
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn verdicts_are_consistent(pod in pod(), minor in 0..=NEWEST_MINOR + 2, cluster in prop::option::of(20u64..40)) {
        let t = pod_target("v1", "Pod", &pod).expect("generated pods are valid").expect("a pod");
        let ev = Evaluator::new(cluster);
        let order: Vec<&str> = check_ids().collect();
        let version = Version::V1(minor);
        let privileged = ev.evaluate(LevelVersion::new(Level::Privileged, version), &t.metadata, &t.spec);
        prop_assert!(privileged.allowed && privileged.forbidden.is_empty());
        let mut verdicts = Vec::new();
        for level in [Level::Baseline, Level::Restricted] {
            let lv = LevelVersion::new(level, version);
            let e = ev.evaluate(lv, &t.metadata, &t.spec);
            prop_assert_eq!(e.allowed, e.forbidden.is_empty());
            // Failures come in upstream's check order, each check at most once.
            let positions: Vec<usize> = e.forbidden.iter()
                .map(|f| order.iter().position(|id| *id == f.check).expect("known check"))
                .collect();
            prop_assert!(positions.windows(2).all(|w| w[0] < w[1]), "{:?}", positions);
            let message = e.message(&lv);
            for f in &e.forbidden {
                prop_assert!(message.contains(f.reason));
                prop_assert!(message.contains(&f.detail));
            }
            verdicts.push(e.allowed);
        }
        // Restricted adds checks and replaces baseline ones with stricter versions, except
        // that Windows pods are exempt from some restricted replacements from 1.25.
        if t.spec.os.as_ref().is_none_or(|os| os.name != "windows") && !verdicts[0] {
            prop_assert!(!verdicts[1], "baseline denies but restricted allows");
        }
    }
}
