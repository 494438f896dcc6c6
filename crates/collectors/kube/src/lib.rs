//! eksguard's live Kubernetes collector.
//!
//! [`connect`] builds a kube-rs client from a kubeconfig (or the in-cluster
//! service account); [`discover`] asks the server which of [`RESOURCES`] it
//! serves (preferred version first; what it does not serve is skipped);
//! [`collect`] lists them, at most [`Options::concurrency`] at a time, page
//! by page (`limit` + `continue`), and hands each page's objects over as
//! soon as it arrives, so the caller can check them (Secret values among
//! them) and keep only what it needs: memory is bounded by a few pages in
//! flight, not by the size of the cluster.
//!
//! Objects keep the raw JSON the server sent (typed structs would drop
//! fields a control may need), with `apiVersion`/`kind` filled in (lists omit
//! them) and `metadata.managedFields` dropped. Their [`Source`] is
//! `live:<server><object URL>`, without line positions: findings on them
//! name the object and the JSON path.
//!
//! | failure | result |
//! |---|---|
//! | server unreachable, bad credentials, discovery refused | [`Error`] naming the server and what to check |
//! | 403 listing a resource | a [`Gap`] naming the resource and the RBAC rule to grant; the rest is collected (a gap the user chose, not a failure, for optional resources: Secrets) |
//! | 410 Gone on a continue token | that list restarts once from scratch, then a [`Gap`] |
//!
//! The collector does not know the control catalog: a resource it could not
//! list is a [`Gap`] (data), and the scan marks the controls that need that
//! kind as not checked.
//! | resource not served (no such CRD) | skipped; [`Plan::not_served`] lists it |

mod resources;

pub use resources::{RESOURCES, VERBS, Wanted};

use eksguard_core::{Gap, GapKind, InputError, Need, Object, Source};
use futures::StreamExt;
use kube::core::{ApiResource, DynamicObject, GroupVersionKind, Request};
use kube::{Client, Resource};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How to reach the cluster.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// Kubeconfig file [default: in-cluster service account, then
    /// `KUBECONFIG` or `~/.kube/config`].
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context [default: its current context].
    pub context: Option<String>,
}

/// What to collect.
#[derive(Debug, Clone)]
pub struct Options {
    /// Only this namespace's namespaced resources (and its Namespace object);
    /// cluster-scoped resources are still read as context.
    pub namespace: Option<String>,
    /// Items per list request.
    pub page_size: u32,
    /// Lists in flight at once.
    pub concurrency: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            namespace: None,
            page_size: 500,
            concurrency: 8,
        }
    }
}

/// Why the cluster could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Config(String),
    #[error(
        "cannot reach the Kubernetes API server at {server}: {cause}; check that its endpoint is reachable from here (VPN, private endpoint access, security groups) and that --kubeconfig/--context select the right cluster"
    )]
    Unreachable { server: String, cause: String },
    #[error(
        "the Kubernetes API server at {server} rejected the credentials (401 Unauthorized); refresh them (for EKS: `aws eks update-kubeconfig --name CLUSTER`) or choose another --context"
    )]
    Unauthorized { server: String },
    #[error(
        "cannot get credentials for the Kubernetes API server at {server}: {cause}; check the kubeconfig's user (for EKS the `aws` CLI must be installed and signed in)"
    )]
    Credentials { server: String, cause: String },
    #[error("API discovery at {server} failed: {cause}")]
    Discovery { server: String, cause: String },
}

/// A client and the URL it talks to (for messages and object sources).
pub struct Connection {
    pub client: Client,
    pub server: String,
}

/// Builds a client for `target`. No request is sent yet.
pub async fn connect(target: &Target) -> Result<Connection, Error> {
    use kube::config::{KubeConfigOptions, Kubeconfig};
    let options = KubeConfigOptions {
        context: target.context.clone(),
        ..Default::default()
    };
    let mut config = match &target.kubeconfig {
        Some(path) => {
            let kc = Kubeconfig::read_from(path).map_err(|e| {
                Error::Config(format!(
                    "cannot read kubeconfig {}: {}",
                    path.display(),
                    chain(&e)
                ))
            })?;
            kube::Config::from_custom_kubeconfig(kc, &options)
                .await
                .map_err(|e| {
                    Error::Config(format!(
                        "kubeconfig {}: {}; check --context",
                        path.display(),
                        chain(&e)
                    ))
                })?
        }
        None => {
            // Inside a pod the service account is what the operator meant,
            // unless a context was named.
            let in_cluster = match target.context {
                None => kube::Config::incluster().ok(),
                Some(_) => None,
            };
            match in_cluster {
                Some(c) => c,
                None => kube::Config::from_kubeconfig(&options).await.map_err(|e| {
                    Error::Config(format!(
                        "no Kubernetes configuration: not running in a cluster, and the kubeconfig (KUBECONFIG or ~/.kube/config) cannot be used: {}; pass --kubeconfig FILE (for EKS: `aws eks update-kubeconfig --name CLUSTER`)",
                        chain(&e)
                    ))
                })?,
            }
        }
    };
    // A server that accepts the connection and then stalls must not hang
    // the scan forever.
    config.read_timeout.get_or_insert(Duration::from_secs(60));
    let server = config
        .cluster_url
        .to_string()
        .trim_end_matches('/')
        .to_owned();
    let client = Client::try_from(config)
        .map_err(|e| Error::Config(format!("cannot build a client for {server}: {}", chain(&e))))?;
    Ok(Connection { client, server })
}

/// One resource to list, as discovery found it.
#[derive(Debug, Clone)]
pub struct Listing {
    pub wanted: &'static Wanted,
    /// Group, preferred version served, kind and plural.
    pub resource: ApiResource,
    pub namespaced: bool,
}

/// What [`collect`] will list.
#[derive(Debug, Clone)]
pub struct Plan {
    pub server: String,
    /// The server's Kubernetes minor version, when `/version` says.
    pub k8s_minor: Option<u64>,
    pub listings: Vec<Listing>,
    /// Wanted resources the server does not serve (CRDs not installed).
    pub not_served: Vec<&'static Wanted>,
    /// Group versions whose discovery failed (the rest was discovered).
    pub errors: Vec<InputError>,
    pub options: Options,
}

/// Asks the server which of [`RESOURCES`] it serves and in which version.
pub async fn discover(conn: &Connection, options: &Options) -> Result<Plan, Error> {
    let server = conn.server.as_str();
    let client = &conn.client;
    let fatal = |e: kube::Error| classify(server, e);
    client.list_core_api_versions().await.map_err(fatal)?;
    let groups = client.list_api_groups().await.map_err(fatal)?;
    let wanted_groups: BTreeSet<&str> = RESOURCES.iter().map(|w| w.group).collect();
    // (group, versions preferred first)
    let mut gvs: Vec<(String, String)> = vec![(String::new(), "v1".into())];
    for g in &groups.groups {
        if !wanted_groups.contains(g.name.as_str()) {
            continue;
        }
        let preferred = g.preferred_version.as_ref().map(|p| p.version.as_str());
        let mut versions: Vec<&str> = g.versions.iter().map(|v| v.version.as_str()).collect();
        versions.sort_by_key(|v| Some(*v) != preferred);
        for v in versions {
            gvs.push((g.name.clone(), v.to_owned()));
        }
    }
    let answers = futures::future::join_all(gvs.iter().map(|(g, v)| async move {
        if g.is_empty() {
            (format!("/api/{v}"), client.list_core_api_resources(v).await)
        } else {
            (
                format!("/apis/{g}/{v}"),
                client.list_api_group_resources(&format!("{g}/{v}")).await,
            )
        }
    }))
    .await;
    let mut errors = Vec::new();
    let mut listings: Vec<Listing> = Vec::new();
    let mut found: BTreeMap<(&str, &str), Listing> = BTreeMap::new();
    for ((group, version), (path, answer)) in gvs.iter().zip(answers) {
        let list = match answer {
            Ok(l) => l,
            // Listed in /apis but gone since (a CRD being deleted).
            Err(kube::Error::Api(s)) if s.code == 404 => continue,
            Err(e @ kube::Error::Api(_)) => {
                errors.push(InputError::warning(
                    format!("live:{server}{path}"),
                    format!(
                        "discovery of {path} failed ({}); its resources were not scanned",
                        chain(&e)
                    ),
                ));
                continue;
            }
            Err(e) => return Err(fatal(e)),
        };
        for r in list.resources {
            let Some(w) = RESOURCES
                .iter()
                .find(|w| w.group == group && w.plural == r.name)
            else {
                continue;
            };
            if !r.verbs.iter().any(|v| v == "list") {
                continue;
            }
            // Versions come preferred first: the first one wins.
            found.entry((w.group, w.plural)).or_insert_with(|| Listing {
                wanted: w,
                resource: ApiResource::from_gvk_with_plural(
                    &GroupVersionKind::gvk(group, version, &r.kind),
                    &r.name,
                ),
                namespaced: r.namespaced,
            });
        }
    }
    let mut not_served = Vec::new();
    for w in RESOURCES {
        match found.remove(&(w.group, w.plural)) {
            Some(l) => listings.push(l),
            None => not_served.push(w),
        }
    }
    let k8s_minor = match client.apiserver_version().await {
        Ok(info) => parse_minor(&info.minor),
        Err(_) => None,
    };
    Ok(Plan {
        server: server.to_owned(),
        k8s_minor,
        listings,
        not_served,
        errors,
        options: options.clone(),
    })
}

/// `"31+"` (EKS) or `"31"` → 31.
fn parse_minor(minor: &str) -> Option<u64> {
    let digits: String = minor.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The objects of one page of a resource's list, in the server's order.
pub struct Batch {
    /// Index in [`Plan::listings`]: feed batches to a scan in this order
    /// (pages of one list come in order) for a deterministic inventory.
    pub index: usize,
    pub objects: Vec<Object>,
    /// Items that are not valid objects (no name...).
    pub errors: Vec<InputError>,
    /// Forget the earlier batches of this `index`: the list started again
    /// (its continue token expired), or it failed (then this batch is empty
    /// and a gap says why), so a list counts only once it completed.
    pub restart: bool,
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    metadata: PageMeta,
    #[serde(default)]
    items: Option<Vec<Value>>,
}

#[derive(Deserialize, Default)]
struct PageMeta {
    #[serde(rename = "continue", default)]
    cont: Option<String>,
}

/// Why a list gave nothing: a resource not collected, or an input error
/// that is not about one resource (a namespace that does not exist).
enum Failure {
    Gap(Gap),
    Error(InputError),
}

/// What did not come back from [`collect`]: input errors (with
/// [`Plan::errors`] first) and the resources that could not be listed.
#[derive(Debug, Default)]
pub struct Problems {
    pub errors: Vec<InputError>,
    pub gaps: Vec<Gap>,
}

/// What a list task sends.
enum Event {
    Page(Batch),
    Failed(usize, Failure),
    /// The list ended (its pages were all sent, or it failed).
    Done,
}

/// Lists everything in `plan`, calling `on_batch` with each page as it
/// arrives (so at most a few pages are held at once); returns what failed.
/// Runs on a tokio runtime: each list is a task, pages are turned into
/// objects on the worker threads, and `on_batch` runs on the caller's.
pub async fn collect(client: &Client, plan: &Plan, mut on_batch: impl FnMut(Batch)) -> Problems {
    let mut errors = plan.errors.clone();
    let mut gaps = Vec::new();
    let server: Arc<str> = Arc::from(plan.server.as_str());
    let page_size = plan.options.page_size.max(1);
    // Few pages wait for `on_batch`: list tasks pause while it catches up.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Event>(4);
    let task_server = Arc::clone(&server);
    // The stream owns the sender: the receiver ends once every task is done.
    let tasks = futures::stream::iter(plan.listings.iter().enumerate())
        .map(move |(index, listing)| {
            let client = client.clone();
            let server = Arc::clone(&task_server);
            let listing = listing.clone();
            let namespace = plan.options.namespace.clone();
            let tx = tx.clone();
            // A task per list: parsing pages runs on every worker thread.
            tokio::spawn(async move {
                let failed = list_one(
                    &client,
                    &server,
                    &listing,
                    namespace.as_deref(),
                    page_size,
                    index,
                    &tx,
                )
                .await
                .err();
                if let Some(f) = failed {
                    let _ = tx.send(Event::Failed(index, f)).await;
                }
                let _ = tx.send(Event::Done).await;
            })
        })
        .buffer_unordered(plan.options.concurrency.max(1))
        .collect::<Vec<_>>();
    let server_name = Arc::clone(&server);
    let driver = async move {
        for joined in tasks.await {
            if let Err(e) = joined {
                return Some(InputError::error(
                    format!("live:{server_name}"),
                    format!("a list task failed: {e}"),
                ));
            }
        }
        None
    };
    let receive = async {
        while let Some(ev) = rx.recv().await {
            match ev {
                Event::Page(batch) => on_batch(batch),
                Event::Failed(index, f) => {
                    // What the list gave so far does not count.
                    on_batch(Batch {
                        index,
                        objects: Vec::new(),
                        errors: Vec::new(),
                        restart: true,
                    });
                    match f {
                        Failure::Gap(g) => gaps.push(g),
                        Failure::Error(e) => errors.push(e),
                    }
                }
                Event::Done => {}
            }
        }
    };
    let (task_error, ()) = tokio::join!(driver, receive);
    errors.extend(task_error);
    // Lists finish in any order.
    gaps.sort_by(|a: &Gap, b: &Gap| (&a.input, &a.reason).cmp(&(&b.input, &b.reason)));
    Problems { errors, gaps }
}

/// Everything [`collect`] returns, gathered: for callers that do not stream.
pub struct Collected {
    pub plan: Plan,
    pub objects: Vec<Object>,
    pub errors: Vec<InputError>,
    pub gaps: Vec<Gap>,
}

/// [`discover`] then [`collect`] into one list, in [`RESOURCES`] order.
pub async fn collect_all(conn: &Connection, options: &Options) -> Result<Collected, Error> {
    let plan = discover(conn, options).await?;
    let mut batches: Vec<Batch> = Vec::new();
    let Problems { mut errors, gaps } = collect(&conn.client, &plan, |b| {
        if b.restart {
            batches.retain(|x| x.index != b.index);
        }
        batches.push(b);
    })
    .await;
    // Stable: pages of one list stay in order.
    batches.sort_by_key(|b| b.index);
    let mut objects = Vec::new();
    for b in batches {
        objects.extend(b.objects);
        errors.extend(b.errors);
    }
    Ok(Collected {
        plan,
        objects,
        errors,
        gaps,
    })
}

/// Lists one resource (or, for Namespaces in a `--namespace` scan, gets
/// the one), sending each page's objects as it arrives. A continue token
/// that expired (410 Gone: the server compacted the history the token
/// points into) restarts the list once from scratch, as kubectl does, with
/// a batch that tells the receiver to forget the pages sent so far, so a
/// restart neither loses nor duplicates objects.
async fn list_one(
    client: &Client,
    server: &str,
    listing: &Listing,
    namespace: Option<&str>,
    page_size: u32,
    index: usize,
    tx: &tokio::sync::mpsc::Sender<Event>,
) -> Result<(), Failure> {
    let ar = &listing.resource;
    let scoped_ns = namespace.filter(|_| listing.namespaced);
    let collection = DynamicObject::url_path(ar, scoped_ns);
    let input = format!("live:{server}{collection}");
    let send = |items: Vec<Value>, restart: bool| {
        let (objects, errors) = to_objects(items, server, listing);
        tx.send(Event::Page(Batch {
            index,
            objects,
            errors,
            restart,
        }))
    };
    if let (Some(ns), ("", "namespaces")) =
        (namespace, (listing.wanted.group, listing.wanted.plural))
    {
        let req = Request::new(&collection)
            .get(ns, &Default::default())
            .map_err(|e| Failure::Error(InputError::error(&input, chain(&e))))?;
        let item = client
            .request::<Value>(req)
            .await
            .map_err(|e| list_error(server, &input, listing, namespace, "get", e))?;
        let _ = send(vec![item], false).await;
        return Ok(());
    }
    let mut restarted = false;
    let mut restart = false;
    let mut token: Option<String> = None;
    loop {
        let mut lp = kube::api::ListParams::default().limit(page_size);
        if let Some(t) = &token {
            lp = lp.continue_token(t);
        }
        let req = Request::new(&collection).list(&lp).map_err(|e| {
            list_error(
                server,
                &input,
                listing,
                namespace,
                "list",
                kube::Error::BuildRequest(e),
            )
        })?;
        match client.request::<Page>(req).await {
            Ok(page) => {
                let _ = send(page.items.unwrap_or_default(), restart).await;
                restart = false;
                match page.metadata.cont.filter(|c| !c.is_empty()) {
                    Some(next) => token = Some(next),
                    None => return Ok(()),
                }
            }
            Err(kube::Error::Api(s)) if s.code == 410 && token.is_some() && !restarted => {
                restarted = true;
                restart = true;
                token = None;
            }
            Err(e) => return Err(list_error(server, &input, listing, namespace, "list", e)),
        }
    }
}

/// The items of one page as objects.
fn to_objects(
    items: Vec<Value>,
    server: &str,
    listing: &Listing,
) -> (Vec<Object>, Vec<InputError>) {
    let ar = &listing.resource;
    let mut objects = Vec::with_capacity(items.len());
    let mut errors = Vec::new();
    for item in items {
        let item = with_type(item, ar);
        let ns = item
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty());
        let name = item
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let file = format!(
            "live:{server}{}/{name}",
            DynamicObject::url_path(ar, ns.filter(|_| listing.namespaced))
        );
        let source = Source {
            file: Arc::from(file.as_str()),
            document: 0,
            item: None,
            line: 0,
            column: 0,
        };
        match Object::from_value(item, None, source) {
            Ok(o) => objects.push(o),
            Err(e) => errors.push(InputError::error(file, e)),
        }
    }
    (objects, errors)
}

/// Sets `apiVersion` and `kind` (list items omit them) first, as in a
/// manifest, and drops `metadata.managedFields`: field-ownership
/// bookkeeping, often a third of an object's bytes, that no control reads.
/// For Secrets also drops the `last-applied-configuration` annotation,
/// which kubectl fills with a copy of the values no control needs.
fn with_type(item: Value, ar: &ApiResource) -> Value {
    let Value::Object(mut fields) = item else {
        return item;
    };
    let mut out = Map::with_capacity(fields.len() + 2);
    out.insert("apiVersion".into(), Value::from(ar.api_version.as_str()));
    out.insert("kind".into(), Value::from(ar.kind.as_str()));
    if let Some(Value::Object(meta)) = fields.get_mut("metadata") {
        meta.remove("managedFields");
        if ar.group.is_empty()
            && ar.kind == "Secret"
            && let Some(Value::Object(ann)) = meta.get_mut("annotations")
        {
            ann.remove("kubectl.kubernetes.io/last-applied-configuration");
        }
    }
    fields.remove("apiVersion");
    fields.remove("kind");
    out.extend(fields);
    Value::Object(out)
}

/// A failed list: for 403, the RBAC rule to grant; the scan marks what
/// needed the resource as not checked.
fn list_error(
    server: &str,
    input: &str,
    listing: &Listing,
    namespace: Option<&str>,
    verb: &str,
    e: kube::Error,
) -> Failure {
    let w = listing.wanted;
    let what = match namespace.filter(|_| listing.namespaced) {
        Some(ns) => format!("{} in namespace {ns}", w.qualified()),
        None => w.qualified(),
    };
    // A namespace-scoped scan reads cluster-scoped resources only as
    // context: without them it is still a scan of the namespace.
    let optional = w.optional || (namespace.is_some() && !listing.namespaced);
    let gap = |reason: String, kind: GapKind| {
        Failure::Gap(Gap {
            need: Need::kind(w.group, w.kind),
            input: input.to_owned(),
            reason,
            kind,
        })
    };
    match &e {
        kube::Error::Api(s) if s.code == 403 => gap(
            format!(
                "cannot {verb} {what}: 403 Forbidden ({}); to scan them, grant the identity eksguard runs as the RBAC rule {} (deploy/rbac/eksguard-scan-clusterrole.yaml has every rule the scan needs)",
                s.message.trim_end_matches('.'),
                w.rbac_rule()
            ),
            if optional {
                GapKind::NotCollected
            } else {
                GapKind::CollectionFailed
            },
        ),
        kube::Error::Api(s) if s.code == 410 => gap(
            format!(
                "cannot {verb} {what}: the list expired twice while paging (410 Gone: the cluster changed faster than it could be read); run the scan again"
            ),
            GapKind::CollectionFailed,
        ),
        kube::Error::Api(s) if s.code == 401 => gap(
            format!(
                "cannot {verb} {what}: the credentials expired during the scan (401 Unauthorized); refresh them and run the scan again"
            ),
            GapKind::CollectionFailed,
        ),
        kube::Error::Api(s) if s.code == 404 && verb == "get" => Failure::Error(InputError::error(
            input,
            format!(
                "namespace {} not found on {server}; check --namespace and --context",
                namespace.unwrap_or_default()
            ),
        )),
        kube::Error::Api(s) => gap(
            format!("cannot {verb} {what}: {} ({})", s.message, s.code),
            GapKind::CollectionFailed,
        ),
        _ => gap(
            format!(
                "cannot {verb} {what}: {}; check that {server} is still reachable",
                chain(&e)
            ),
            GapKind::CollectionFailed,
        ),
    }
}

fn classify(server: &str, e: kube::Error) -> Error {
    let server = server.to_owned();
    match &e {
        kube::Error::Api(s) if s.code == 401 => Error::Unauthorized { server },
        kube::Error::Auth(_) => Error::Credentials {
            server,
            cause: chain(&e),
        },
        kube::Error::Service(b) if is_auth(b.as_ref()) => Error::Credentials {
            server,
            cause: chain(&e),
        },
        kube::Error::HyperError(_) | kube::Error::Service(_) => Error::Unreachable {
            server,
            cause: chain(&e),
        },
        _ => Error::Discovery {
            server,
            cause: chain(&e),
        },
    }
}

/// Whether a client-stack error comes from getting credentials (an exec
/// plugin such as `aws eks get-token`) rather than from the network.
fn is_auth(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if err.is::<kube::client::AuthError>() {
            return true;
        }
        cur = err.source();
    }
    false
}

/// An error and its causes on one line, without repeats (kube's errors
/// often quote their source in their own message).
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur = Some(e);
    while let Some(err) = cur {
        let s = err.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = err.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minor_versions_parse_as_eks_reports_them() {
        assert_eq!(parse_minor("31+"), Some(31));
        assert_eq!(parse_minor("29"), Some(29));
        assert_eq!(parse_minor(""), None);
    }

    #[test]
    fn items_get_their_type_and_lose_bookkeeping() {
        let ar = ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk("", "v1", "Secret"),
            "secrets",
        );
        let item = serde_json::json!({"metadata": {"name": "s", "managedFields": [{}],
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{\"data\":{}}", "keep": "1"}},
            "data": {"k": "dg=="}});
        let out = with_type(item, &ar);
        let keys: Vec<&String> = out.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["apiVersion", "kind", "metadata", "data"]);
        assert_eq!(out["kind"], "Secret");
        assert!(out["metadata"].get("managedFields").is_none());
        assert_eq!(
            out["metadata"]["annotations"],
            serde_json::json!({"keep": "1"})
        );
    }

    #[test]
    fn rbac_rule_is_the_clusterrole_syntax() {
        let w = RESOURCES
            .iter()
            .find(|w| w.plural == "deployments")
            .unwrap();
        assert_eq!(
            w.rbac_rule(),
            r#"{apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list"]}"#
        );
        assert_eq!(w.qualified(), "deployments.apps");
    }
}
