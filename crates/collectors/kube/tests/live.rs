//! The collector against the in-process API server: discovery, pagination,
//! 410 restarts, 403 with the RBAC hint, unserved groups, connection and
//! credential failures, bounded concurrency, namespace scope.

use eksguard_core::{GapKind, Need};
use eksguard_kube::{Collected, Connection, Options, RESOURCES, Target};
use eksguard_test_apiserver::{ApiServer, ResourceType};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;

async fn server(types: Vec<ResourceType>) -> ApiServer {
    let api = ApiServer::start(Duration::from_secs(5)).await.unwrap();
    api.register_all(types);
    api
}

async fn connect(api: &ApiServer, dir: &tempfile::TempDir) -> Connection {
    let path = dir.path().join("kubeconfig");
    api.write_kubeconfig(&path).unwrap();
    eksguard_kube::connect(&Target {
        kubeconfig: Some(path),
        context: None,
    })
    .await
    .unwrap()
}

async fn collect(api: &ApiServer, options: &Options) -> Collected {
    let dir = tempfile::tempdir().unwrap();
    let conn = connect(api, &dir).await;
    eksguard_kube::collect_all(&conn, options).await.unwrap()
}

/// One object of `rt`, namespaced in `ns` when the type is.
fn object(rt: &ResourceType, ns: &str, name: &str) -> Value {
    let api_version = if rt.group.is_empty() {
        rt.version.clone()
    } else {
        format!("{}/{}", rt.group, rt.version)
    };
    let mut meta = json!({"name": name, "managedFields": [{"manager": "kubectl"}]});
    if rt.namespaced {
        meta["namespace"] = json!(ns);
    }
    json!({"apiVersion": api_version, "kind": rt.kind, "metadata": meta})
}

fn put(api: &ApiServer, obj: Value) {
    assert_ne!(api.put(obj.clone()), 0, "type not registered: {obj}");
}

fn pod(ns: &str, name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": ns, "name": name},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
}

fn keys(c: &Collected, kind: &str) -> Vec<(Option<String>, String)> {
    c.objects
        .iter()
        .filter(|o| o.kind == kind)
        .map(|o| (o.namespace.clone(), o.name.clone()))
        .collect()
}

fn all_types() -> Vec<ResourceType> {
    let mut t = ResourceType::standard();
    t.extend(ResourceType::eks_auto_mode());
    t.extend([
        ResourceType::new(
            "policy.networking.k8s.io",
            "v1alpha1",
            "adminnetworkpolicies",
            "AdminNetworkPolicy",
            false,
        ),
        // Not read by any control: must not be listed.
        ResourceType::new(
            "policy",
            "v1",
            "poddisruptionbudgets",
            "PodDisruptionBudget",
            true,
        ),
    ]);
    t
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collects_every_served_resource_with_its_type() {
    let types = all_types();
    let api = server(types.clone()).await;
    for rt in &types {
        put(&api, object(rt, "shop", "one"));
    }
    let c = collect(&api, &Options::default()).await;
    assert!(c.errors.is_empty(), "{:?}", c.errors);

    let wanted: BTreeSet<(&str, &str)> = RESOURCES.iter().map(|w| (w.group, w.plural)).collect();
    let served: BTreeSet<(&str, &str)> = types
        .iter()
        .map(|t| (t.group.as_str(), t.plural.as_str()))
        .collect();
    let listed: BTreeSet<(&str, &str)> = c
        .plan
        .listings
        .iter()
        .map(|l| (l.wanted.group, l.wanted.plural))
        .collect();
    assert_eq!(listed, &wanted & &served);
    let not_served: BTreeSet<(&str, &str)> = c
        .plan
        .not_served
        .iter()
        .map(|w| (w.group, w.plural))
        .collect();
    assert_eq!(not_served, &wanted - &served);
    assert!(not_served.contains(&("networking.k8s.aws", "applicationnetworkpolicies")));

    for rt in &types {
        let want = wanted.contains(&(rt.group.as_str(), rt.plural.as_str()));
        let got: Vec<_> = c.objects.iter().filter(|o| o.kind == rt.kind).collect();
        assert_eq!(got.len(), usize::from(want), "{}", rt.kind);
        for o in got {
            // Lists omit apiVersion/kind on items; the collector restores them.
            assert_eq!(o.raw["kind"], rt.kind.as_str());
            assert_eq!(o.raw["apiVersion"].as_str(), Some(o.api_version.as_str()));
            assert_eq!(o.raw["metadata"]["name"], "one");
            assert!(o.raw["metadata"].get("managedFields").is_none());
            assert!(o.spans.is_none());
            assert!(o.source.file.starts_with(&format!("live:{}/", api.url())));
            assert!(o.source.file.ends_with("/one"), "{}", o.source.file);
        }
    }
    let pod = c.objects.iter().find(|o| o.kind == "Pod").unwrap();
    assert_eq!(
        &*pod.source.file,
        format!("live:{}/api/v1/namespaces/shop/pods/one", api.url())
    );
    // The version the server serves, not one assumed.
    let anp = c
        .objects
        .iter()
        .find(|o| o.kind == "AdminNetworkPolicy")
        .unwrap();
    assert_eq!(anp.api_version, "policy.networking.k8s.io/v1alpha1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pagination_loses_and_duplicates_nothing() {
    let api = server(ResourceType::standard()).await;
    let mut expected = BTreeSet::new();
    for i in 0..1200 {
        let ns = ["a", "b", "c"][i % 3];
        let name = format!("pod-{i:04}");
        api.put(pod(ns, &name));
        expected.insert((Some(ns.to_owned()), name));
    }
    let c = collect(&api, &Options::default()).await;
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    let got = keys(&c, "Pod");
    assert_eq!(got.len(), 1200, "duplicates or losses");
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), expected);
    let pod_lists: Vec<String> = api
        .requests()
        .into_iter()
        .filter(|r| r.starts_with("GET /api/v1/pods?"))
        .collect();
    assert_eq!(pod_lists.len(), 3, "{pod_lists:?}");
    assert!(pod_lists.iter().all(|r| r.contains("limit=500")));
    assert_eq!(
        pod_lists.iter().filter(|r| r.contains("continue=")).count(),
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_continue_token_restarts_the_list_once() {
    let api = server(ResourceType::standard()).await;
    for i in 0..1200 {
        api.put(pod("a", &format!("pod-{i:04}")));
    }
    api.expire_continue_after("", "v1", "pods", 1, false);
    let c = collect(&api, &Options::default()).await;
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    let got = keys(&c, "Pod");
    assert_eq!(got.len(), 1200);
    assert_eq!(got.iter().collect::<BTreeSet<_>>().len(), 1200);
    let starts = api
        .requests()
        .iter()
        .filter(|r| r.starts_with("GET /api/v1/pods?") && !r.contains("continue="))
        .count();
    assert_eq!(starts, 2, "one list, one restart");

    // Expiring again during the restart: an error, the rest still collected.
    let api = server(ResourceType::standard()).await;
    for i in 0..1200 {
        api.put(pod("a", &format!("pod-{i:04}")));
    }
    api.put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}));
    api.expire_continue_after("", "v1", "pods", 1, true);
    let c = collect(&api, &Options::default()).await;
    assert!(keys(&c, "Pod").is_empty(), "no partial list");
    assert_eq!(keys(&c, "Namespace").len(), 1);
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert_eq!(c.gaps.len(), 1, "{:?}", c.gaps);
    assert_eq!(c.gaps[0].kind, GapKind::CollectionFailed);
    assert_eq!(c.gaps[0].need, Need::kind("", "Pod"));
    assert!(
        c.gaps[0].reason.contains("410 Gone"),
        "{}",
        c.gaps[0].reason
    );
    assert!(c.gaps[0].input.ends_with("/api/v1/pods"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_resource_names_the_rbac_rule_and_the_rest_is_collected() {
    let api = server(ResourceType::standard()).await;
    api.put(pod("a", "p"));
    api.put(json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"namespace": "a", "name": "d"}}));
    api.put(json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"namespace": "a", "name": "s"}, "data": {"k": "dg=="}}));
    api.set_forbidden("apps", "v1", "deployments", true);
    api.set_forbidden("", "v1", "secrets", true);
    let c = collect(&api, &Options::default()).await;
    assert_eq!(keys(&c, "Pod").len(), 1);
    assert!(keys(&c, "Deployment").is_empty());
    assert!(keys(&c, "Secret").is_empty());
    // A forbidden list is a gap (data): the collector knows no controls;
    // the scan decides what was not checked.
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert_eq!(c.gaps.len(), 2, "{:?}", c.gaps);
    let deploy = c
        .gaps
        .iter()
        .find(|g| g.input.ends_with("/apis/apps/v1/deployments"))
        .unwrap();
    assert_eq!(deploy.kind, GapKind::CollectionFailed);
    assert_eq!(deploy.need, Need::kind("apps", "Deployment"));
    assert_eq!(
        deploy.reason,
        r#"cannot list deployments.apps: 403 Forbidden (deployments is forbidden: User "system:serviceaccount:eksguard:eksguard" cannot list resource "deployments" in API group "apps" at the cluster scope); to scan them, grant the identity eksguard runs as the RBAC rule {apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list"]} (deploy/rbac/eksguard-scan-clusterrole.yaml has every rule the scan needs)"#
    );

    // Secrets are optional: not collected by the user's choice.
    let secrets = c
        .gaps
        .iter()
        .find(|g| g.input.ends_with("/api/v1/secrets"))
        .unwrap();
    assert_eq!(secrets.kind, GapKind::NotCollected);
    assert_eq!(secrets.need, Need::kind("", "Secret"));
    assert!(secrets.reason.contains(r#"resources: ["secrets"]"#));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unserved_groups_are_skipped_quietly() {
    // No Auto Mode CRDs, no network-policy-api.
    let api = server(ResourceType::standard()).await;
    api.put(pod("a", "p"));
    let c = collect(&api, &Options::default()).await;
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert_eq!(keys(&c, "Pod").len(), 1);
    let not_served: Vec<&str> = c.plan.not_served.iter().map(|w| w.plural).collect();
    assert!(not_served.contains(&"nodeclasses") && not_served.contains(&"nodepools"));
    assert!(
        !api.requests()
            .iter()
            .any(|r| r.contains("eks.amazonaws.com") || r.contains("karpenter.sh")),
        "asked for a group the server does not list"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_server_is_an_error_naming_it() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    eksguard_test_apiserver::write_kubeconfig(&format!("http://127.0.0.1:{port}"), &path).unwrap();
    let conn = eksguard_kube::connect(&Target {
        kubeconfig: Some(path),
        context: None,
    })
    .await
    .unwrap();
    let e = eksguard_kube::discover(&conn, &Options::default())
        .await
        .unwrap_err();
    assert!(
        matches!(e, eksguard_kube::Error::Unreachable { .. }),
        "{e:?}"
    );
    let msg = e.to_string();
    assert!(msg.contains(&format!("http://127.0.0.1:{port}")), "{msg}");
    assert!(msg.to_lowercase().contains("connect"), "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_credentials_and_unknown_contexts_are_clear() {
    let api = server(ResourceType::standard()).await;
    api.require_token(Some("right"));
    let dir = tempfile::tempdir().unwrap();
    let conn = connect(&api, &dir).await;
    let e = eksguard_kube::discover(&conn, &Options::default())
        .await
        .unwrap_err();
    assert!(
        matches!(e, eksguard_kube::Error::Unauthorized { .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains(&api.url()), "{e}");

    let e = eksguard_kube::connect(&Target {
        kubeconfig: Some(dir.path().join("kubeconfig")),
        context: Some("nope".into()),
    })
    .await
    .err()
    .unwrap();
    assert!(e.to_string().contains("nope"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_run_concurrently_within_the_bound() {
    let api = server(all_types()).await;
    api.set_list_delay(Duration::from_millis(150));
    let opts = Options {
        concurrency: 3,
        ..Default::default()
    };
    let c = collect(&api, &opts).await;
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert_eq!(api.max_concurrent_lists(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespace_scope_reads_that_namespace_and_cluster_context() {
    let api = server(ResourceType::standard()).await;
    for ns in ["a", "b"] {
        api.put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}));
        api.put(pod(ns, "p"));
    }
    api.put(
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": {"name": "view"}}),
    );
    let opts = Options {
        namespace: Some("a".into()),
        ..Default::default()
    };
    let c = collect(&api, &opts).await;
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert_eq!(keys(&c, "Pod"), [(Some("a".into()), "p".into())]);
    assert_eq!(keys(&c, "Namespace"), [(None, "a".into())]);
    assert_eq!(keys(&c, "ClusterRole").len(), 1);
    assert!(
        api.requests()
            .iter()
            .any(|r| r.starts_with("GET /api/v1/namespaces/a/pods?"))
    );

    // Cluster-scoped context that cannot be read: a warning, not an error.
    api.set_forbidden("rbac.authorization.k8s.io", "v1", "clusterroles", true);
    let c = collect(&api, &opts).await;
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert_eq!(c.gaps.len(), 1, "{:?}", c.gaps);
    assert_eq!(c.gaps[0].kind, GapKind::NotCollected);

    // A namespace that does not exist is an error saying so.
    let opts = Options {
        namespace: Some("zz".into()),
        ..Default::default()
    };
    let c = collect(&api, &opts).await;
    assert!(
        c.errors
            .iter()
            .any(|e| e.message.contains("namespace zz not found")),
        "{:?}",
        c.errors
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_version_decides_what_pss_latest_means() {
    let api = server(ResourceType::standard()).await;
    // No /version (404): unknown, so the newest policy version applies.
    assert_eq!(
        collect(&api, &Options::default()).await.plan.k8s_minor,
        None
    );
    api.set_version("v1.31.2-eks-7f9249a");
    assert_eq!(
        collect(&api, &Options::default()).await.plan.k8s_minor,
        Some(31)
    );
}
