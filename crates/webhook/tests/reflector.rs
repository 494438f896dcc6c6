//! Namespace labels through kube-rs, against the in-process test API server
//! (`eksguard-test-apiserver`): the server's own conventions, then the
//! webhook's reflector following label changes, watch events and a 410
//! relist.

mod support;

use eksguard_test_apiserver::{ApiServer, ResourceType};
use eksguard_webhook::Namespaces;
use eksguard_webhook::log::Logger;
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{ListParams, WatchEvent, WatchParams};
use serde_json::json;
use std::time::{Duration, Instant};
use support::*;

async fn client(api: &ApiServer, dir: &std::path::Path) -> kube::Client {
    eksguard_webhook::install_crypto_provider();
    let path = dir.join("kubeconfig");
    api.write_kubeconfig(&path).unwrap();
    let kc = kube::config::Kubeconfig::read_from(&path).unwrap();
    let cfg = kube::Config::from_custom_kubeconfig(kc, &Default::default())
        .await
        .unwrap();
    kube::Client::try_from(cfg).unwrap()
}

#[tokio::test]
async fn test_server_follows_list_watch_conventions() {
    let api = ApiServer::start(Duration::from_millis(200)).await.unwrap();
    for n in ["a", "b", "c", "d", "e"] {
        api.put_namespace(n, &[("team", n)]);
    }
    let dir = tempfile::tempdir().unwrap();
    let c = client(&api, dir.path()).await;
    let nss: kube::Api<Namespace> = kube::Api::all(c.clone());

    // Pagination: limit + continue, one consistent resourceVersion.
    let p1 = nss.list(&ListParams::default().limit(2)).await.unwrap();
    let names = |l: &kube::api::ObjectList<Namespace>| -> Vec<String> {
        l.items
            .iter()
            .map(|n| n.metadata.name.clone().unwrap())
            .collect()
    };
    assert_eq!(names(&p1), ["a", "b"]);
    let token = p1.metadata.continue_.clone().unwrap();
    let p2 = nss
        .list(&ListParams::default().limit(2).continue_token(&token))
        .await
        .unwrap();
    assert_eq!(names(&p2), ["c", "d"]);
    assert_eq!(p1.metadata.resource_version, p2.metadata.resource_version);
    let p3 = nss
        .list(
            &ListParams::default()
                .limit(2)
                .continue_token(p2.metadata.continue_.as_deref().unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(names(&p3), ["e"]);
    assert!(p3.metadata.continue_.as_deref().unwrap_or("").is_empty());
    let rv = p1.metadata.resource_version.clone().unwrap();

    // Watch from the list's resourceVersion: later changes, then bookmarks.
    let mut w = nss
        .watch(&WatchParams::default().timeout(10), &rv)
        .await
        .unwrap()
        .boxed();
    api.put_namespace("a", &[("team", "changed")]);
    match w.try_next().await.unwrap().unwrap() {
        WatchEvent::Modified(n) => assert_eq!(n.metadata.labels.unwrap()["team"], "changed"),
        e => panic!("expected MODIFIED, got {e:?}"),
    }
    match w.try_next().await.unwrap().unwrap() {
        WatchEvent::Bookmark(b) => assert!(b.metadata.resource_version.parse::<u64>().unwrap() > 0),
        e => panic!("expected BOOKMARK, got {e:?}"),
    }
    drop(w);

    // After compaction: old continue tokens and watches get 410 Gone.
    api.compact();
    let err = nss
        .list(&ListParams::default().limit(2).continue_token(&token))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, kube::Error::Api(s) if s.code == 410),
        "{err:?}"
    );
    let mut w = nss
        .watch(&WatchParams::default(), &rv)
        .await
        .unwrap()
        .boxed();
    match w.try_next().await.unwrap().unwrap() {
        WatchEvent::Error(e) => assert_eq!((e.code, e.reason.as_str()), (410, "Expired")),
        e => panic!("expected ERROR 410, got {e:?}"),
    }

    // 403 for a forbidden resource; discovery lists what is registered.
    api.register(ResourceType::new(
        "apps",
        "v1",
        "deployments",
        "Deployment",
        true,
    ));
    api.set_forbidden("apps", "v1", "deployments", true);
    let deps: kube::Api<Deployment> = kube::Api::all(c.clone());
    let err = deps.list(&ListParams::default()).await.unwrap_err();
    assert!(
        matches!(&err, kube::Error::Api(s) if s.code == 403 && s.reason == "Forbidden"),
        "{err:?}"
    );
    let groups = c.list_api_groups().await.unwrap();
    assert_eq!(groups.groups[0].name, "apps");
    let core = c.list_core_api_versions().await.unwrap();
    assert_eq!(core.versions, ["v1"]);
    let res = c.list_core_api_resources("v1").await.unwrap();
    assert_eq!(res.resources[0].name, "namespaces");
    assert!(!res.resources[0].namespaced);
}

async fn eventually(what: &str, mut f: impl AsyncFnMut() -> bool) {
    let t = Instant::now();
    while !f().await {
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The webhook's namespace cache, fed by the reflector: ready only after the
/// first list, label changes arrive by watch, and after a 410 the client
/// relists and keeps following.
#[tokio::test]
async fn reflector_feeds_decisions_through_watch_and_relist() {
    let api = ApiServer::start(Duration::from_millis(300)).await.unwrap();
    api.put_namespace(
        "prod",
        &[("pod-security.kubernetes.io/enforce", "restricted")],
    );
    api.set_forbidden("", "v1", "namespaces", true);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    api.write_kubeconfig(&kubeconfig).unwrap();
    eksguard_webhook::install_crypto_provider();
    let (log, _mem) = Logger::memory();
    let namespaces = Namespaces::from_kube(Some(&kubeconfig), log).await.unwrap();
    let h = start(
        config(json!({"webhook": {"unknown_namespace": "deny"}})),
        namespaces,
    )
    .await;

    // RBAC not granted yet: not ready.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(h.client.get("/readyz").await.status, 503);
    api.set_forbidden("", "v1", "namespaces", false);
    eventually("readyz", async || {
        h.client.get("/readyz").await.status == 200
    })
    .await;

    let bad_pod = review(&pod("prod", plain_spec()));
    assert_eq!(h.client.review(&bad_pod).await["allowed"], false);

    // A label change arrives through a watch event.
    api.put_namespace(
        "prod",
        &[("pod-security.kubernetes.io/enforce", "baseline")],
    );
    eventually("label change", async || {
        h.client.review(&bad_pod).await["allowed"] == true
    })
    .await;

    // A namespace created later appears.
    let in_new = review(&pod("team-b", plain_spec()));
    assert_eq!(
        h.client.review(&in_new).await["allowed"],
        false,
        "unknown namespace is denied"
    );
    api.put_namespace("team-b", &[]);
    eventually("new namespace", async || {
        h.client.review(&in_new).await["allowed"] == true
    })
    .await;

    // Compaction: the watch is closed, the re-watch gets 410, the client
    // relists; changes made after that are still followed.
    let lists_before = api
        .requests()
        .iter()
        .filter(|r| r.starts_with("GET /api/v1/namespaces?") && !r.contains("watch="))
        .count();
    api.compact();
    api.put_namespace(
        "prod",
        &[("pod-security.kubernetes.io/enforce", "restricted")],
    );
    eventually("relist after 410", async || {
        let lists = api
            .requests()
            .iter()
            .filter(|r| r.starts_with("GET /api/v1/namespaces?") && !r.contains("watch="))
            .count();
        lists > lists_before
    })
    .await;
    eventually("label change after relist", async || {
        h.client.review(&bad_pod).await["allowed"] == false
    })
    .await;
    assert!(
        api.requests()
            .iter()
            .any(|r| r.contains("allowWatchBookmarks=true")),
        "{:?}",
        api.requests()
    );
}
