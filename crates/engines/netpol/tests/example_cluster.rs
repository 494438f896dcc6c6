//! The repository's example cluster (`examples/insecure-cluster/k8s`): reachability in
//! every format, `why` for a blocked and an allowed pair, and the coverage helpers.
//! Expected values were read off the manifests by hand.

use eksguard_netpol::analysis::{self, Enforcement};
use eksguard_netpol::{Cluster, Direction, Format, Protocol, SideStatus, explain, render};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn load() -> Option<Cluster> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../examples/insecure-cluster/k8s");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    let mut objs = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).ok()?;
        let docs = serde_saphyr::from_multiple::<Value>(&text).ok()?;
        objs.extend(docs.into_iter().filter(Value::is_object));
    }
    Some(Cluster::from_objects(objs.iter()).0)
}

#[test]
fn reachability_prints_in_all_formats() {
    let Some(c) = load() else { return };
    let r = c.reachability();
    let txt = render(&r, Format::Txt);
    // api-from-shop admits shop's app=web on the named port `http` (8080/TCP).
    assert!(
        txt.contains("shop/web[Deployment] => payments/payments-api[Deployment] : TCP 8080\n"),
        "{txt}"
    );
    assert!(txt.contains(
        "payments/payments-api[Deployment] => payments/ledger[StatefulSet] : TCP 5432\n"
    ));
    // payments egress: 0.0.0.0/0 except the metadata address, TCP 443 only.
    assert!(
        txt.contains(
            "payments/ledger[StatefulSet] => 0.0.0.0-169.254.169.253[External] : TCP 443\n"
        )
    );
    assert!(
        !txt.contains("payments/ledger[StatefulSet] => 169.254.169.254-169.254.169.254[External]")
    );
    // Only the host-network node-exporter reaches the ledger on every port: no NetworkPolicy
    // selects it, and the ledger cannot block its own node, where a node-exporter runs.
    let all_to_ledger: Vec<&str> = txt
        .lines()
        .filter(|l| l.ends_with("=> payments/ledger[StatefulSet] : All Connections"))
        .collect();
    assert_eq!(
        all_to_ledger,
        [
            "monitoring/node-exporter[DaemonSet][host-network] => payments/ledger[StatefulSet] : All Connections"
        ]
    );
    assert_eq!(
        r.host_network().map(|w| w.to_string()).collect::<Vec<_>>(),
        ["monitoring/node-exporter[DaemonSet]"]
    );
    for f in [Format::Json, Format::Csv, Format::Dot] {
        assert!(
            render(&r, f).contains("payments/payments-api[Deployment]"),
            "{f:?}"
        );
    }
}

#[test]
fn why_blocked_and_allowed() {
    let Some(c) = load() else { return };
    let blocked = explain(
        &c,
        "shop/web",
        "payments/ledger",
        Some((Protocol::Tcp, 5432)),
    )
    .expect("explain");
    assert!(!blocked.is_allowed());
    assert_eq!(blocked.egress.status, SideStatus::NotIsolated);
    assert_eq!(blocked.ingress.status, SideStatus::Isolated);
    let allowed = explain(
        &c,
        "shop/web",
        "payments/payments-api",
        Some((Protocol::Tcp, 8080)),
    )
    .expect("explain");
    assert!(allowed.is_allowed());
    assert!(
        allowed.to_string().contains(
            "NetworkPolicy payments/api-from-shop spec.ingress[0].from[0] admits TCP 8080"
        ),
        "{allowed}"
    );
}

#[test]
fn coverage_and_eks_helpers_fire() {
    let Some(c) = load() else { return };
    let gaps: Vec<String> = analysis::namespaces_without_default_deny(&c, Direction::Ingress)
        .into_iter()
        .map(|g| g.namespace)
        .collect();
    assert!(
        gaps.contains(&"shop".to_string()) && !gaps.contains(&"payments".to_string()),
        "{gaps:?}"
    );
    let world = analysis::world_egress_in_default_deny_namespaces(&c);
    assert_eq!(world.len(), 1);
    assert_eq!(world[0].at.path, "spec.egress[2].to[0].ipBlock");
    assert!(matches!(
        analysis::eks_enforcement(&c),
        Enforcement::Disabled { .. }
    ));
    assert!(analysis::policies_selecting_nothing(&c).is_empty());
}
