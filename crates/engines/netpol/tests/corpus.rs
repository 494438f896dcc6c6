//! Smoke test over real third-party manifests in `../shared/k8s-corpus` (override the
//! shared directory with `EKSGUARD_SHARED`). Each netpol-analyzer test directory is one
//! cluster; microservices-demo's manifests plus its network-policies component another.
//! Files that do not parse are skipped (some are malformed on purpose).

use eksguard_netpol::analysis;
use eksguard_netpol::{Cluster, Direction, to_txt};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn shared() -> Option<PathBuf> {
    let p = match std::env::var_os("EKSGUARD_SHARED") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../../shared"),
    };
    p.join("k8s-corpus")
        .is_dir()
        .then_some(p.join("k8s-corpus"))
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(p);
        }
    }
}

fn load(files: &[PathBuf]) -> Vec<Value> {
    let mut objs = Vec::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let Ok(docs) = serde_saphyr::from_multiple::<Value>(&text) else {
            continue;
        };
        objs.extend(docs.into_iter().filter(|d| d.is_object()));
    }
    objs
}

/// Invariants that must hold on any input.
fn check(name: &str, objs: &[Value]) -> usize {
    let (cluster, _warnings) = Cluster::from_objects(objs.iter());
    let reach = cluster.reachability();
    let txt = to_txt(&reach);
    assert_eq!(
        txt,
        to_txt(&cluster.reachability()),
        "{name}: output not deterministic"
    );
    for c in reach.connections() {
        assert!(!c.conn.is_empty(), "{name}: empty connection listed");
        assert_ne!(c.src, c.dst, "{name}: self pair listed");
    }
    // `podSelector: {}` (or absent) selects every pod of its namespace: never "selects nothing"
    // when the namespace has workloads.
    let empty_selection = analysis::policies_selecting_nothing(&cluster);
    for o in objs {
        if o.get("kind").and_then(Value::as_str) != Some("NetworkPolicy") {
            continue;
        }
        let sel = o.pointer("/spec/podSelector");
        let selects_all = sel.is_none_or(|s| {
            s.as_object().is_none_or(|m| {
                m.values()
                    .all(|v| v.as_object().is_some_and(|x| x.is_empty()) || v.is_null())
            })
        });
        if !selects_all {
            continue;
        }
        let pname = o
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        let pns = o
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("default");
        for e in &empty_selection {
            if e.at.policy.name == pname && e.at.policy.namespace.as_deref() == Some(pns) {
                assert!(
                    !e.namespace_has_workloads,
                    "{name}: podSelector {{}} policy {pns}/{pname} reported as selecting nothing"
                );
            }
        }
    }
    let _ = analysis::namespaces_without_default_deny(&cluster, Direction::Ingress);
    let _ = analysis::namespaces_without_default_deny(&cluster, Direction::Egress);
    let _ = analysis::never_matching_peers(&cluster);
    let _ = analysis::open_sensitive_ports(&cluster, analysis::SENSITIVE_PORTS);
    let _ = analysis::world_egress_in_default_deny_namespaces(&cluster);
    let _ = analysis::named_ports_toward_ip_blocks(&cluster);
    let _ = analysis::rules_over_port_limit(&cluster, analysis::EKS_PORTS_PER_PROTOCOL_LIMIT);
    reach.len()
}

#[test]
fn netpol_analyzer_corpus() {
    let Some(root) = shared() else {
        eprintln!("k8s-corpus not found; set EKSGUARD_SHARED");
        return;
    };
    let tests = root.join("netpol-analyzer/tests");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&tests)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    let mut clusters = 0;
    for d in &dirs {
        let mut files = Vec::new();
        yaml_files(d, &mut files);
        let objs = load(&files);
        if objs.is_empty() {
            continue;
        }
        check(&d.display().to_string(), &objs);
        clusters += 1;
    }
    assert!(
        clusters > 100,
        "only {clusters} netpol-analyzer test directories loaded"
    );
}

#[test]
fn microservices_demo() {
    let Some(root) = shared() else {
        eprintln!("k8s-corpus not found; set EKSGUARD_SHARED");
        return;
    };
    let base = root.join("microservices-demo");
    let mut files = Vec::new();
    yaml_files(&base.join("kubernetes-manifests"), &mut files);
    yaml_files(
        &base.join("kustomize/components/network-policies"),
        &mut files,
    );
    let objs = load(&files);
    let (cluster, _) = Cluster::from_objects(objs.iter());
    assert!(
        cluster.workloads().len() >= 10,
        "workloads: {}",
        cluster.workloads().len()
    );
    let n = check("microservices-demo", &objs);
    assert!(n > 0);
    // The network-policies component has a deny-all plus one policy per service: every
    // workload in `default` is isolated for ingress.
    let gaps = analysis::namespaces_without_default_deny(&cluster, Direction::Ingress);
    assert!(gaps.iter().all(|g| g.namespace != "default"), "{gaps:?}");
}

fn txt_of(dir: &str) -> Option<String> {
    let root = shared()?;
    let mut files = Vec::new();
    yaml_files(&root.join("netpol-analyzer/tests").join(dir), &mut files);
    let objs = load(&files);
    Some(to_txt(&Cluster::from_objects(objs.iter()).0.reachability()))
}

/// Expected rows from np-guard netpol-analyzer's own expected output for this test
/// (`tests/acs-security-demos/connlist_output.md` upstream), minus the
/// `{ingress-controller}` rows, which come from Route/Ingress analysis this engine does
/// not do.
#[test]
fn agrees_with_netpol_analyzer_on_acs_security_demos() {
    let Some(txt) = txt_of("acs-security-demos") else {
        return;
    };
    let expected = [
        "backend/checkout[Deployment] => backend/notification[Deployment] : TCP 8080",
        "backend/checkout[Deployment] => backend/recommendation[Deployment] : TCP 8080",
        "backend/checkout[Deployment] => payments/gateway[Deployment] : TCP 8080",
        "backend/recommendation[Deployment] => backend/catalog[Deployment] : TCP 8080",
        "backend/reports[Deployment] => backend/catalog[Deployment] : TCP 8080",
        "backend/reports[Deployment] => backend/recommendation[Deployment] : TCP 8080",
        "frontend/webapp[Deployment] => backend/checkout[Deployment] : TCP 8080",
        "frontend/webapp[Deployment] => backend/recommendation[Deployment] : TCP 8080",
        "frontend/webapp[Deployment] => backend/reports[Deployment] : TCP 8080",
        "frontend/webapp[Deployment] => backend/shipping[Deployment] : TCP 8080",
        "payments/gateway[Deployment] => payments/mastercard-processor[Deployment] : TCP 8080",
        "payments/gateway[Deployment] => payments/visa-processor[Deployment] : TCP 8080",
    ];
    assert_eq!(txt.lines().collect::<Vec<_>>(), expected);
}

/// ipBlock splitting checked against netpol-analyzer's expected output for
/// `ipblockstest` (upstream `test_outputs/connlist/ipblockstest_connlist_output.txt`),
/// on a workload that is not host-network (netpol-analyzer judges host-network pods by
/// their labels; here nothing selects them and everything to and from them is allowed)
/// and whose adjacent ranges all differ (netpol-analyzer lists every range of its split
/// for every workload; here adjacent ranges that allow the same are merged per row).
#[test]
fn agrees_with_netpol_analyzer_on_ipblock_splits() {
    let Some(txt) = txt_of("ipblockstest") else {
        return;
    };
    let w = "kube-system/ibm-file-plugin-7bfb8b69bf[ReplicaSet]";
    let got: Vec<&str> = txt
        .lines()
        .filter(|l| l.contains(&format!("[External] => {w}")))
        .collect();
    let expected: Vec<String> = [
        "0.0.0.0-9.255.255.255",
        "11.0.0.0-172.20.255.255",
        "172.22.0.0-172.29.255.255",
        "172.31.0.0-255.255.255.255",
    ]
    .iter()
    .map(|r| format!("{r}[External] => {w} : UDP 53"))
    .collect();
    assert_eq!(got, expected);
}

/// Pods whose owner reference has a name but no kind are one workload, `ns/owner[Pod]`, as
/// in netpol-analyzer's expected output for this test (upstream
/// `test_outputs/connlist/example_pods_w_same_owner_and_labels_gap_no_policy_connlist_output.txt`,
/// which predates the `[External]` suffix).
#[test]
fn agrees_with_netpol_analyzer_on_owners_without_kind() {
    let Some(txt) = txt_of("example_pods_w_same_owner_and_labels_gap_no_policy") else {
        return;
    };
    assert_eq!(
        txt,
        "\
0.0.0.0-255.255.255.255[External] => default/internal-security[Pod] : All Connections
default/internal-security[Pod] => 0.0.0.0-255.255.255.255[External] : All Connections
"
    );
}
