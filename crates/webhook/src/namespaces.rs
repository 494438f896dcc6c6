//! Namespace labels for Pod Security: from a kube-rs reflector (in-cluster
//! config or a kubeconfig) or from a static file of Namespace objects.

use futures::StreamExt;
use k8s_openapi::api::core::v1::Namespace;
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::{WatchStreamExt, watcher};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::Error;
use crate::log::Logger;

/// Where namespace labels come from.
#[derive(Debug, Clone)]
pub enum NamespaceSource {
    /// Watch Namespaces through the Kubernetes API: the kubeconfig file if
    /// given, else `KUBECONFIG` / `~/.kube/config` / in-cluster config.
    Kube { kubeconfig: Option<PathBuf> },
    /// Namespace objects (YAML or JSON, multi-document, `List`s) read once.
    File(PathBuf),
}

/// The namespace cache the decision path reads. Cheap to clone.
#[derive(Clone)]
pub struct Namespaces {
    inner: Arc<Inner>,
}

enum Inner {
    Static(HashMap<String, BTreeMap<String, String>>),
    Kube {
        store: Store<Namespace>,
        synced: AtomicBool,
    },
}

impl Namespaces {
    /// A fixed set of namespaces, given as (name, labels).
    pub fn from_labels<I>(namespaces: I) -> Namespaces
    where
        I: IntoIterator<Item = (String, BTreeMap<String, String>)>,
    {
        Namespaces {
            inner: Arc::new(Inner::Static(namespaces.into_iter().collect())),
        }
    }

    /// Reads Namespace objects from a YAML or JSON file; other kinds are an
    /// error, so a wrong file is not silently taken as "no labels".
    pub fn from_file(path: &Path) -> Result<Namespaces, Error> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| Error::Io(name.clone(), e))?;
        let loaded = eksguard_files::load_bytes(&name, &bytes).finish();
        if let Some(e) = loaded.errors.first() {
            return Err(Error::Namespaces(format!("{name}: {}", e.message)));
        }
        let mut map = HashMap::new();
        for obj in loaded.objects {
            if obj.kind != "Namespace" || obj.api_version != "v1" {
                return Err(Error::Namespaces(format!(
                    "{name}:{}:{}: expected v1 Namespace objects, found {} {}",
                    obj.source.line, obj.source.column, obj.api_version, obj.kind
                )));
            }
            let labels = obj
                .labels()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            map.insert(obj.name.clone(), labels);
        }
        Ok(Namespaces {
            inner: Arc::new(Inner::Static(map)),
        })
    }

    /// Starts a reflector on Namespaces and returns the cache at once; it
    /// reports ready (see [`Namespaces::is_ready`]) after the first full list.
    /// Watch errors (including 410 Gone) make the watcher relist with backoff.
    pub async fn from_kube(kubeconfig: Option<&Path>, log: Logger) -> Result<Namespaces, Error> {
        let config = match kubeconfig {
            Some(p) => {
                let kc = kube::config::Kubeconfig::read_from(p)
                    .map_err(|e| Error::Kube(format!("kubeconfig {}: {e}", p.display())))?;
                kube::Config::from_custom_kubeconfig(kc, &Default::default())
                    .await
                    .map_err(|e| Error::Kube(format!("kubeconfig {}: {e}", p.display())))?
            }
            None => kube::Config::infer()
                .await
                .map_err(|e| Error::Kube(format!("no Kubernetes configuration: {e}")))?,
        };
        let client = kube::Client::try_from(config).map_err(|e| Error::Kube(e.to_string()))?;
        let api: kube::Api<Namespace> = kube::Api::all(client);
        let (store, writer) = reflector::store();
        let ns = Namespaces {
            inner: Arc::new(Inner::Kube {
                store: store.clone(),
                synced: AtomicBool::new(false),
            }),
        };
        let stream = reflector::reflector(writer, watcher(api, watcher::Config::default()))
            .default_backoff()
            .touched_objects();
        let watch_log = log.clone();
        tokio::spawn(async move {
            let mut stream = std::pin::pin!(stream);
            while let Some(item) = stream.next().await {
                if let Err(e) = item {
                    watch_log.warn(
                        "namespace watch error; relisting",
                        &[("error", &e.to_string())],
                    );
                }
            }
        });
        let ready = ns.clone();
        tokio::spawn(async move {
            if store.wait_until_ready().await.is_ok()
                && let Inner::Kube { synced, .. } = &*ready.inner
            {
                synced.store(true, Ordering::Release);
                log.info("namespace cache synced", &[]);
            }
        });
        Ok(ns)
    }

    /// Opens `source`.
    pub async fn open(source: &NamespaceSource, log: Logger) -> Result<Namespaces, Error> {
        match source {
            NamespaceSource::File(p) => Namespaces::from_file(p),
            NamespaceSource::Kube { kubeconfig } => {
                Namespaces::from_kube(kubeconfig.as_deref(), log).await
            }
        }
    }

    /// Whether the cache has been filled (always true for a static set).
    pub fn is_ready(&self) -> bool {
        match &*self.inner {
            Inner::Static(_) => true,
            Inner::Kube { synced, .. } => synced.load(Ordering::Acquire),
        }
    }

    /// Calls `f` with the namespace's labels, or `None` if it is not cached.
    pub fn with_labels<R>(
        &self,
        name: &str,
        f: impl FnOnce(Option<&BTreeMap<String, String>>) -> R,
    ) -> R {
        match &*self.inner {
            Inner::Static(map) => f(map.get(name)),
            Inner::Kube { store, .. } => match store.get(&ObjectRef::new(name)) {
                Some(ns) => {
                    let empty = BTreeMap::new();
                    f(Some(ns.metadata.labels.as_ref().unwrap_or(&empty)))
                }
                None => f(None),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels_of(ns: &Namespaces, name: &str) -> Option<Vec<(String, String)>> {
        ns.with_labels(name, |l| {
            l.map(|l| l.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        })
    }

    #[test]
    fn reads_namespaces_from_yaml_documents_and_lists() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ns.yaml");
        std::fs::write(
            &path,
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n---\n\
             apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: b}\n",
        )
        .unwrap();
        let ns = Namespaces::from_file(&path).unwrap();
        assert!(ns.is_ready());
        assert_eq!(
            labels_of(&ns, "a"),
            Some(vec![(
                "pod-security.kubernetes.io/enforce".into(),
                "restricted".into()
            )])
        );
        assert_eq!(labels_of(&ns, "b"), Some(vec![]));
        assert_eq!(labels_of(&ns, "c"), None);
    }

    #[test]
    fn rejects_other_kinds_and_bad_yaml_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ns.yaml");
        std::fs::write(&path, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n").unwrap();
        let e = Namespaces::from_file(&path).err().unwrap().to_string();
        assert!(
            e.contains("ns.yaml:1:1: expected v1 Namespace objects, found v1 Pod"),
            "{e}"
        );
        std::fs::write(&path, "a: [b\n").unwrap();
        let e = Namespaces::from_file(&path).err().unwrap().to_string();
        assert!(e.contains("ns.yaml"), "{e}");
        let e = Namespaces::from_file(&dir.path().join("missing.yaml"))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("missing.yaml"), "{e}");
    }
}
