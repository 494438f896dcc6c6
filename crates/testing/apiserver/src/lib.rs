//! An in-process Kubernetes API server for eksguard's tests.
//!
//! Plain HTTP on 127.0.0.1, in memory, following the API conventions a
//! client such as kube-rs relies on: discovery (`/api`, `/apis`,
//! `/api/v1`, `/apis/G/V`), list with `resourceVersion`, `limit` and
//! `continue` (namespaced resources also across all namespaces), watch
//! streams of `ADDED`/`MODIFIED`/`DELETED` events with `BOOKMARK`s,
//! `410 Gone` (an `ERROR` event with an `Expired` Status, as the real server
//! sends it) for a watch or continue token older than the compacted history,
//! `403 Forbidden` for resources marked forbidden and `401 Unauthorized`
//! without the bearer token, when one is required.
//! Reusable by any test that needs a cluster: register resource types
//! ([`ResourceType::standard`] for the built-in ones), put objects,
//! [`ApiServer::compact`] to force relists,
//! [`ApiServer::expire_continue_after`] to expire a paginated list midway.

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::mpsc;

/// A resource type the server serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceType {
    /// `""` for the core group.
    pub group: String,
    pub version: String,
    /// Lower-case plural, as in URLs (`namespaces`, `deployments`).
    pub plural: String,
    pub kind: String,
    pub namespaced: bool,
}

impl ResourceType {
    pub fn new(group: &str, version: &str, plural: &str, kind: &str, namespaced: bool) -> Self {
        ResourceType {
            group: group.into(),
            version: version.into(),
            plural: plural.into(),
            kind: kind.into(),
            namespaced,
        }
    }

    /// The built-in types an EKS cluster serves that eksguard reads.
    pub fn standard() -> Vec<ResourceType> {
        [
            ("", "v1", "namespaces", "Namespace", false),
            ("", "v1", "pods", "Pod", true),
            ("", "v1", "services", "Service", true),
            ("", "v1", "serviceaccounts", "ServiceAccount", true),
            ("", "v1", "configmaps", "ConfigMap", true),
            ("", "v1", "secrets", "Secret", true),
            (
                "",
                "v1",
                "replicationcontrollers",
                "ReplicationController",
                true,
            ),
            ("", "v1", "podtemplates", "PodTemplate", true),
            ("apps", "v1", "deployments", "Deployment", true),
            ("apps", "v1", "statefulsets", "StatefulSet", true),
            ("apps", "v1", "daemonsets", "DaemonSet", true),
            ("apps", "v1", "replicasets", "ReplicaSet", true),
            ("batch", "v1", "jobs", "Job", true),
            ("batch", "v1", "cronjobs", "CronJob", true),
            (
                "networking.k8s.io",
                "v1",
                "networkpolicies",
                "NetworkPolicy",
                true,
            ),
            ("rbac.authorization.k8s.io", "v1", "roles", "Role", true),
            (
                "rbac.authorization.k8s.io",
                "v1",
                "rolebindings",
                "RoleBinding",
                true,
            ),
            (
                "rbac.authorization.k8s.io",
                "v1",
                "clusterroles",
                "ClusterRole",
                false,
            ),
            (
                "rbac.authorization.k8s.io",
                "v1",
                "clusterrolebindings",
                "ClusterRoleBinding",
                false,
            ),
            (
                "storage.k8s.io",
                "v1",
                "storageclasses",
                "StorageClass",
                false,
            ),
            (
                "admissionregistration.k8s.io",
                "v1",
                "validatingwebhookconfigurations",
                "ValidatingWebhookConfiguration",
                false,
            ),
            (
                "admissionregistration.k8s.io",
                "v1",
                "mutatingwebhookconfigurations",
                "MutatingWebhookConfiguration",
                false,
            ),
        ]
        .into_iter()
        .map(|(g, v, p, k, n)| ResourceType::new(g, v, p, k, n))
        .collect()
    }

    /// The CRDs of EKS Auto Mode compute: `NodeClass` and `NodePool`.
    pub fn eks_auto_mode() -> Vec<ResourceType> {
        vec![
            ResourceType::new("eks.amazonaws.com", "v1", "nodeclasses", "NodeClass", false),
            ResourceType::new("karpenter.sh", "v1", "nodepools", "NodePool", false),
        ]
    }

    fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    fn key(&self) -> String {
        format!("{}/{}", self.api_version(), self.plural)
    }
}

/// (namespace or "", name)
type ObjKey = (String, String);

struct Collection {
    rt: ResourceType,
    objects: BTreeMap<ObjKey, Value>,
    /// (resourceVersion, type, object) since the last compaction.
    history: Vec<(u64, &'static str, Value)>,
    forbidden: bool,
    /// Compact after this many more pages with a continue token are served
    /// (then re-arm with the same count when `repeat`).
    expire_after: Option<(usize, usize, bool)>,
}

struct Watcher {
    collection: String,
    namespace: Option<String>,
    tx: mpsc::UnboundedSender<Value>,
}

struct Inner {
    rv: u64,
    /// Watches and continue tokens from below this resourceVersion get 410.
    gone_below: u64,
    collections: BTreeMap<String, Collection>,
    watchers: Vec<Watcher>,
    requests: Vec<String>,
    /// Bearer token every request must carry, when set.
    token: Option<String>,
    /// Delay before each list answer, so tests can observe concurrency.
    list_delay: Duration,
    lists_in_flight: usize,
    max_lists_in_flight: usize,
    /// What `/version` answers (`gitVersion`); 404 when unset.
    version: Option<String>,
}

#[derive(Clone)]
struct Shared {
    inner: Arc<Mutex<Inner>>,
    bookmark_every: Duration,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panicking test thread must not wedge the server for the others.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The running server. Dropping it stops it.
pub struct ApiServer {
    addr: SocketAddr,
    shared: Shared,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ApiServer {
    /// Starts on an ephemeral port with `v1/namespaces` registered; watch
    /// streams send a BOOKMARK every `bookmark_every` when asked for them.
    pub async fn start(bookmark_every: Duration) -> std::io::Result<ApiServer> {
        let shared = Shared {
            inner: Arc::new(Mutex::new(Inner {
                rv: 1,
                gone_below: 0,
                collections: BTreeMap::new(),
                watchers: Vec::new(),
                requests: Vec::new(),
                token: None,
                list_delay: Duration::ZERO,
                lists_in_flight: 0,
                max_lists_in_flight: 0,
                version: None,
            })),
            bookmark_every,
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let s = ApiServer { addr, shared, task };
        s.register(ResourceType::new(
            "",
            "v1",
            "namespaces",
            "Namespace",
            false,
        ));
        Ok(s)
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Writes a kubeconfig pointing at this server.
    pub fn write_kubeconfig(&self, path: &Path) -> std::io::Result<()> {
        write_kubeconfig(&self.url(), path)
    }

    pub fn register(&self, rt: ResourceType) {
        self.shared
            .lock()
            .collections
            .entry(rt.key())
            .or_insert(Collection {
                rt,
                objects: BTreeMap::new(),
                history: Vec::new(),
                forbidden: false,
                expire_after: None,
            });
    }

    pub fn register_all(&self, types: impl IntoIterator<Item = ResourceType>) {
        for rt in types {
            self.register(rt);
        }
    }

    /// Expires every continue token (as an etcd compaction would) once
    /// `pages` pages of this resource ending in a continue token have been
    /// served; with `repeat`, again after each further `pages` pages.
    pub fn expire_continue_after(
        &self,
        group: &str,
        version: &str,
        plural: &str,
        pages: usize,
        repeat: bool,
    ) {
        let key = ResourceType::new(group, version, plural, "", false).key();
        if let Some(c) = self.shared.lock().collections.get_mut(&key) {
            c.expire_after = Some((pages.max(1), pages.max(1), repeat));
        }
    }

    /// Requires `Authorization: Bearer <token>` on every request (401
    /// otherwise), or nothing (`None`, the default).
    pub fn require_token(&self, token: Option<&str>) {
        self.shared.lock().token = token.map(str::to_owned);
    }

    /// Serves `/version` as a cluster of this `gitVersion` would
    /// (`v1.31.2-eks-7f9249a`: major `1`, minor `31+` as EKS reports it).
    pub fn set_version(&self, git_version: &str) {
        self.shared.lock().version = Some(git_version.to_owned());
    }

    /// Delays every list answer by `d`.
    pub fn set_list_delay(&self, d: Duration) {
        self.shared.lock().list_delay = d;
    }

    /// The most list requests that were being answered at the same time.
    pub fn max_concurrent_lists(&self) -> usize {
        self.shared.lock().max_lists_in_flight
    }

    /// Makes every request for a registered resource type answer 403
    /// (`true`), or be served again (`false`).
    pub fn set_forbidden(&self, group: &str, version: &str, plural: &str, forbidden: bool) {
        let key = ResourceType::new(group, version, plural, "", false).key();
        if let Some(c) = self.shared.lock().collections.get_mut(&key) {
            c.forbidden = forbidden;
        }
    }

    /// Creates or replaces an object (ADDED or MODIFIED event). Its type
    /// must be registered; `metadata.resourceVersion` and `uid` are set.
    pub fn put(&self, mut obj: Value) -> u64 {
        let mut g = self.shared.lock();
        let api_version = obj["apiVersion"].as_str().unwrap_or_default().to_owned();
        let kind = obj["kind"].as_str().unwrap_or_default().to_owned();
        let Some(key) = g
            .collections
            .iter()
            .find(|(_, c)| c.rt.api_version() == api_version && c.rt.kind == kind)
            .map(|(k, _)| k.clone())
        else {
            return 0;
        };
        g.rv += 1;
        let rv = g.rv;
        let ns = obj["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let name = obj["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        obj["metadata"]["resourceVersion"] = json!(rv.to_string());
        if obj["metadata"]["uid"].is_null() {
            obj["metadata"]["uid"] = json!(format!("uid-{key}-{ns}-{name}"));
        }
        let Some(c) = g.collections.get_mut(&key) else {
            return 0;
        };
        let kind = if c.objects.insert((ns.clone(), name), obj.clone()).is_some() {
            "MODIFIED"
        } else {
            "ADDED"
        };
        c.history.push((rv, kind, obj.clone()));
        g.broadcast(&key, &ns, json!({"type": kind, "object": obj}));
        rv
    }

    /// Deletes an object (DELETED event).
    pub fn delete(&self, group: &str, version: &str, plural: &str, namespace: &str, name: &str) {
        let key = ResourceType::new(group, version, plural, "", false).key();
        let mut g = self.shared.lock();
        g.rv += 1;
        let rv = g.rv;
        let Some(c) = g.collections.get_mut(&key) else {
            return;
        };
        let Some(mut obj) = c.objects.remove(&(namespace.to_owned(), name.to_owned())) else {
            return;
        };
        obj["metadata"]["resourceVersion"] = json!(rv.to_string());
        c.history.push((rv, "DELETED", obj.clone()));
        g.broadcast(&key, namespace, json!({"type": "DELETED", "object": obj}));
    }

    /// Shorthand: a Namespace with labels.
    pub fn put_namespace(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
        let labels: serde_json::Map<String, Value> = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), json!(v)))
            .collect();
        self.put(json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "labels": labels}}))
    }

    /// Forgets the event history, as etcd compaction does: every watch and
    /// continue token from an older resourceVersion now gets 410 Gone, and
    /// open watches are closed so their clients come back and relist.
    pub fn compact(&self) {
        self.shared.lock().compact();
    }

    /// Requests served so far, as `METHOD path?query`.
    pub fn requests(&self) -> Vec<String> {
        self.shared.lock().requests.clone()
    }

    /// Number of open watch streams.
    pub fn open_watches(&self) -> usize {
        let mut g = self.shared.lock();
        g.watchers.retain(|w| !w.tx.is_closed());
        g.watchers.len()
    }
}

impl Inner {
    fn compact(&mut self) {
        self.rv += 1;
        self.gone_below = self.rv;
        for c in self.collections.values_mut() {
            c.history.clear();
        }
        self.watchers.clear();
    }

    fn broadcast(&mut self, key: &str, ns: &str, event: Value) {
        self.watchers.retain(|w| {
            if w.collection != key || w.namespace.as_deref().is_some_and(|n| n != ns) {
                return !w.tx.is_closed();
            }
            w.tx.send(event.clone()).is_ok()
        });
    }
}

fn status(code: u16, reason: &str, message: String) -> Response {
    let body = json!({"kind": "Status", "apiVersion": "v1", "metadata": {},
        "status": "Failure", "message": message, "reason": reason, "code": code});
    let code = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        code,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn json_response(v: Value) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], v.to_string()).into_response()
}

fn expired(rv: u64, oldest: u64) -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": format!("too old resource version: {rv} ({oldest})"), "reason": "Expired", "code": 410})
}

/// What a URL path names.
enum Target {
    Collection {
        key: String,
        namespace: Option<String>,
    },
    Object {
        key: String,
        namespace: String,
        name: String,
    },
}

async fn handle(State(s): State<Shared>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    let query: HashMap<String, String> = req
        .uri()
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    s.lock().requests.push(format!(
        "{} {}{}",
        req.method(),
        path,
        req.uri()
            .query()
            .map(|q| format!("?{q}"))
            .unwrap_or_default()
    ));
    let token = s.lock().token.clone();
    if let Some(token) = token {
        let sent = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        if sent != Some(format!("Bearer {token}").as_str()) {
            return status(401, "Unauthorized", "Unauthorized".into());
        }
    }
    if req.method() != axum::http::Method::GET {
        return status(
            405,
            "MethodNotAllowed",
            format!("{} is not supported by the test server", req.method()),
        );
    }
    let segs: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    match segs.as_slice() {
        ["version"] => {
            let Some(v) = s.lock().version.clone() else {
                return status(
                    404,
                    "NotFound",
                    "the server could not find the requested resource".into(),
                );
            };
            let core = v.trim_start_matches('v');
            let mut parts = core.splitn(3, ['.', '-']);
            let major = parts.next().unwrap_or("").to_owned();
            let minor = parts.next().unwrap_or("").to_owned();
            // EKS (like GKE) marks a vendor build with `+` on the minor.
            let minor = if v.contains('-') {
                format!("{minor}+")
            } else {
                minor
            };
            json_response(json!({"major": major, "minor": minor, "gitVersion": v,
                "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
                "buildDate": "2026-11-01T00:00:00Z", "goVersion": "go1.24.0", "compiler": "gc",
                "platform": "linux/amd64"}))
        }
        ["api"] => json_response(json!({"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]})),
        ["apis"] => {
            let g = s.lock();
            let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
            for c in g.collections.values().filter(|c| !c.rt.group.is_empty()) {
                let v = groups.entry(&c.rt.group).or_default();
                if !v.contains(&c.rt.version.as_str()) {
                    v.push(&c.rt.version);
                }
            }
            let groups: Vec<Value> = groups
                .iter()
                .map(|(name, versions)| {
                    let vs: Vec<Value> = versions
                        .iter()
                        .map(|v| json!({"groupVersion": format!("{name}/{v}"), "version": v}))
                        .collect();
                    json!({"name": name, "versions": vs, "preferredVersion": vs[0]})
                })
                .collect();
            json_response(json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}))
        }
        ["api", "v1"] => discovery(&s, "v1"),
        ["apis", g, v] => discovery(&s, &format!("{g}/{v}")),
        ["api", "v1", rest @ ..] => serve(&s, "v1", rest, &query).await,
        ["apis", g, v, rest @ ..] => serve(&s, &format!("{g}/{v}"), rest, &query).await,
        _ => status(
            404,
            "NotFound",
            format!("the server could not find the requested resource ({path})"),
        ),
    }
}

fn discovery(s: &Shared, gv: &str) -> Response {
    let g = s.lock();
    let resources: Vec<Value> = g
        .collections
        .values()
        .filter(|c| c.rt.api_version() == gv)
        .map(|c| {
            json!({"name": c.rt.plural, "singularName": c.rt.kind.to_lowercase(),
            "namespaced": c.rt.namespaced, "kind": c.rt.kind, "verbs": ["get", "list", "watch"]})
        })
        .collect();
    if resources.is_empty() {
        return status(
            404,
            "NotFound",
            format!("the server could not find the requested resource ({gv})"),
        );
    }
    json_response(
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}),
    )
}

async fn serve(s: &Shared, gv: &str, rest: &[&str], q: &HashMap<String, String>) -> Response {
    let target = match rest {
        [plural] => Target::Collection {
            key: format!("{gv}/{plural}"),
            namespace: None,
        },
        [plural, name] => Target::Object {
            key: format!("{gv}/{plural}"),
            namespace: String::new(),
            name: (*name).into(),
        },
        ["namespaces", ns, plural] => Target::Collection {
            key: format!("{gv}/{plural}"),
            namespace: Some((*ns).into()),
        },
        ["namespaces", ns, plural, name] => Target::Object {
            key: format!("{gv}/{plural}"),
            namespace: (*ns).into(),
            name: (*name).into(),
        },
        _ => {
            return status(
                404,
                "NotFound",
                "the server could not find the requested resource".into(),
            );
        }
    };
    let key = match &target {
        Target::Collection { key, .. } | Target::Object { key, .. } => key.clone(),
    };
    {
        let g = s.lock();
        let Some(c) = g.collections.get(&key) else {
            return status(
                404,
                "NotFound",
                format!("the server could not find the requested resource ({key})"),
            );
        };
        if c.forbidden {
            let plural = key.rsplit('/').next().unwrap_or_default();
            return status(
                403,
                "Forbidden",
                format!(
                    "{plural} is forbidden: User \"system:serviceaccount:eksguard:eksguard\" cannot list resource \"{plural}\" in API group \"{}\" at the cluster scope",
                    c.rt.group
                ),
            );
        }
    }
    match target {
        Target::Object {
            namespace, name, ..
        } => {
            let g = s.lock();
            match g
                .collections
                .get(&key)
                .and_then(|c| c.objects.get(&(namespace, name.clone())))
            {
                Some(o) => json_response(o.clone()),
                None => status(
                    404,
                    "NotFound",
                    format!(
                        "{} \"{name}\" not found",
                        key.rsplit('/').next().unwrap_or_default()
                    ),
                ),
            }
        }
        Target::Collection { namespace, .. } => {
            if matches!(q.get("watch").map(String::as_str), Some("1" | "true")) {
                watch(s, key, namespace, q)
            } else {
                let delay = {
                    let mut g = s.lock();
                    g.lists_in_flight += 1;
                    g.max_lists_in_flight = g.max_lists_in_flight.max(g.lists_in_flight);
                    g.list_delay
                };
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                let r = list(s, &key, namespace.as_deref(), q);
                s.lock().lists_in_flight -= 1;
                r
            }
        }
    }
}

fn list(s: &Shared, key: &str, ns: Option<&str>, q: &HashMap<String, String>) -> Response {
    let mut g = s.lock();
    let Some(c) = g.collections.get(key) else {
        return status(404, "NotFound", key.into());
    };
    // continue = "<rv>:<namespace>/<name>" of the last item served.
    let (rv, after) = match q.get("continue").filter(|c| !c.is_empty()) {
        Some(token) => {
            let Some((rv, last)) = token
                .split_once(':')
                .and_then(|(r, l)| Some((r.parse::<u64>().ok()?, l)))
            else {
                return status(
                    400,
                    "BadRequest",
                    format!("invalid continue token {token:?}"),
                );
            };
            if rv < g.gone_below {
                return status(410, "Expired", "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.".into());
            }
            let (n, m) = last.split_once('/').unwrap_or(("", last));
            (rv, Some((n.to_owned(), m.to_owned())))
        }
        None => (g.rv, None),
    };
    let limit = q
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|l| *l > 0);
    let mut items: Vec<(&ObjKey, &Value)> = c
        .objects
        .iter()
        .filter(|((n, _), _)| ns.is_none_or(|ns| ns == n))
        .filter(|(k, _)| after.as_ref().is_none_or(|a| *k > a))
        .collect();
    let mut cont = String::new();
    if let Some(limit) = limit
        && items.len() > limit
    {
        items.truncate(limit);
        if let Some(((n, m), _)) = items.last() {
            cont = format!("{rv}:{n}/{m}");
        }
    }
    let items: Vec<Value> = items.into_iter().map(|(_, v)| v.clone()).collect();
    let mut meta = json!({"resourceVersion": rv.to_string()});
    if !cont.is_empty() {
        meta["continue"] = json!(cont);
    }
    let body = json!({"kind": format!("{}List", c.rt.kind), "apiVersion": c.rt.api_version(),
        "metadata": meta, "items": items});
    if !cont.is_empty()
        && let Some(c) = g.collections.get_mut(key)
        && let Some((left, every, repeat)) = c.expire_after.as_mut()
    {
        *left -= 1;
        if *left == 0 {
            if *repeat {
                *left = *every;
            } else {
                c.expire_after = None;
            }
            g.compact();
        }
    }
    json_response(body)
}

fn watch(s: &Shared, key: String, ns: Option<String>, q: &HashMap<String, String>) -> Response {
    let (tx, rx) = mpsc::unbounded_channel::<Value>();
    let bookmarks = q
        .get("allowWatchBookmarks")
        .is_some_and(|v| v == "true" || v == "1");
    let timeout = q
        .get("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .map_or(Duration::from_secs(300), Duration::from_secs);
    let from: Option<u64> = q
        .get("resourceVersion")
        .and_then(|r| r.parse().ok())
        .filter(|r| *r > 0);
    let kind;
    {
        let mut g = s.lock();
        let gone_below = g.gone_below;
        let Some(c) = g.collections.get(&key) else {
            return status(404, "NotFound", key);
        };
        kind = (c.rt.kind.clone(), c.rt.api_version());
        let in_ns = |o: &Value| {
            ns.as_deref()
                .is_none_or(|n| o["metadata"]["namespace"].as_str() == Some(n))
        };
        match from {
            Some(rv) if rv < gone_below => {
                // As the real server: HTTP 200, then one ERROR event, then close.
                let _ = tx.send(json!({"type": "ERROR", "object": expired(rv, gone_below)}));
                drop(tx);
                return stream(rx, None, None, kind, s.clone());
            }
            Some(rv) => {
                for (erv, t, o) in &c.history {
                    if *erv > rv && in_ns(o) {
                        let _ = tx.send(json!({"type": t, "object": o}));
                    }
                }
            }
            None => {
                for o in c.objects.values().filter(|o| in_ns(o)) {
                    let _ = tx.send(json!({"type": "ADDED", "object": o}));
                }
            }
        }
        g.watchers.push(Watcher {
            collection: key,
            namespace: ns,
            tx,
        });
    }
    let every = bookmarks.then_some(s.bookmark_every);
    stream(rx, every, Some(timeout), kind, s.clone())
}

/// The chunked watch body: one JSON event per line, BOOKMARKs when asked,
/// ending at the timeout or when the server drops the sender.
fn stream(
    rx: mpsc::UnboundedReceiver<Value>,
    bookmark_every: Option<Duration>,
    timeout: Option<Duration>,
    (kind, api_version): (String, String),
    s: Shared,
) -> Response {
    let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
    let state = (rx, deadline, bookmark_every, kind, api_version, s);
    let body =
        futures::stream::unfold(state, |(mut rx, deadline, every, kind, av, s)| async move {
            let tick = async {
                match every {
                    Some(d) => tokio::time::sleep(d).await,
                    None => std::future::pending::<()>().await,
                }
            };
            let end = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d).await,
                    None => std::future::pending::<()>().await,
                }
            };
            let ev = tokio::select! {
                biased;
                ev = rx.recv() => ev?,
                () = tick => {
                    let rv = s.lock().rv;
                    json!({"type": "BOOKMARK", "object": {"kind": kind, "apiVersion": av,
                        "metadata": {"resourceVersion": rv.to_string()}}})
                }
                () = end => return None,
            };
            let mut line = ev.to_string().into_bytes();
            line.push(b'\n');
            Some((
                Ok::<_, std::convert::Infallible>(line),
                (rx, deadline, every, kind, av, s),
            ))
        });
    (
        [(header::CONTENT_TYPE, "application/json")],
        Body::from_stream(body),
    )
        .into_response()
}

/// Decodes `%XX` escapes and `+` in a query component.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                match s
                    .get(i + 1..i + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or(())
                {
                    Ok(v) => {
                        out.push(v);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Writes a kubeconfig for `server` (any URL: tests of unreachable servers
/// point it at a closed port).
pub fn write_kubeconfig(server: &str, path: &Path) -> std::io::Result<()> {
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n    server: {server}\nusers:\n- name: test\n  user: {{}}\ncontexts:\n- name: test\n  context:\n    cluster: test\n    user: test\n    namespace: default\ncurrent-context: test\n"
    );
    std::fs::write(path, text)
}
