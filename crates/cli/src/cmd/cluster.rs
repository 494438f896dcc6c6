//! The live-cluster side of `eksguard scan --kube` (crate `eksguard-kube`):
//! connect, discover, then list while the scan checks each resource's
//! objects as its list completes.

use crate::pipeline::{Batch, ScanOptions};
use eksguard_core::{Gap, InputError};
use std::path::PathBuf;

#[derive(clap::Args, Clone, Default)]
pub struct KubeArgs {
    /// Also scan a live cluster through its Kubernetes API (read-only: get
    /// and list; deploy/rbac/ has the ClusterRole it needs).
    #[arg(long)]
    pub kube: bool,
    /// Kubeconfig context [default: the kubeconfig's current context].
    #[arg(long, value_name = "NAME", requires = "kube")]
    pub context: Option<String>,
    /// Kubeconfig file [default: the in-cluster service account, then
    /// KUBECONFIG or ~/.kube/config].
    #[arg(long, value_name = "FILE", requires = "kube")]
    pub kubeconfig: Option<PathBuf>,
    /// Only this namespace's namespaced resources (cluster-scoped ones are
    /// still read as context).
    #[arg(short = 'n', long, value_name = "NS", requires = "kube")]
    pub namespace: Option<String>,
}

/// A cluster connected and discovered, ready to be listed.
#[cfg(feature = "kube-live")]
pub struct Live {
    rt: tokio::runtime::Runtime,
    conn: eksguard_kube::Connection,
    plan: eksguard_kube::Plan,
}

#[cfg(feature = "kube-live")]
impl Live {
    /// Connects and runs discovery when `--kube` was given. Failing to reach
    /// the cluster at all is an error: a scan without it would look clean.
    pub fn start(args: &KubeArgs) -> anyhow::Result<Option<Live>> {
        if !args.kube {
            return Ok(None);
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        let target = eksguard_kube::Target {
            kubeconfig: args.kubeconfig.clone(),
            context: args.context.clone(),
        };
        let options = eksguard_kube::Options {
            namespace: args.namespace.clone(),
            ..Default::default()
        };
        let (conn, plan) = rt.block_on(async {
            let conn = eksguard_kube::connect(&target).await?;
            let plan = eksguard_kube::discover(&conn, &options).await?;
            Ok::<_, eksguard_kube::Error>((conn, plan))
        })?;
        if std::env::var_os("EKSGUARD_DEBUG").is_some() {
            for w in &plan.not_served {
                eprintln!(
                    "debug: {} does not serve {}; skipped",
                    plan.server,
                    w.qualified()
                );
            }
        }
        Ok(Some(Live { rt, conn, plan }))
    }

    /// The server's Kubernetes minor version, when it says.
    pub fn k8s_minor(&self) -> Option<u64> {
        self.plan.k8s_minor
    }

    /// Lists everything, checking each page's objects as it arrives and
    /// keeping only what the inventory controls read (so Secret values are
    /// dropped, and a large cluster is never held whole). Batches come back
    /// in the plan's order.
    pub fn collect(self, opts: &ScanOptions) -> (Vec<Batch>, Vec<InputError>, Vec<Gap>) {
        self.collect_with(|objects, errors| crate::pipeline::check(objects, errors, opts))
    }

    /// Lists everything without checking it yet (the objects stay whole).
    pub fn collect_unchecked(self) -> (Vec<Unchecked>, Vec<InputError>, Vec<Gap>) {
        self.collect_with(|objects, errors| Unchecked { objects, errors })
    }

    /// Lists everything without checking it yet, for a scan that must first
    /// read what the workloads run: the ECR images are read from each page
    /// as it arrives, and its objects are kept as compact JSON until they
    /// can be checked ([`Packed::objects`]), not whole.
    pub fn collect_packed(self) -> (Vec<Packed>, Vec<InputError>, Vec<Gap>) {
        self.collect_with(Packed::pack)
    }

    fn collect_with<T>(
        self,
        mut each: impl FnMut(Vec<eksguard_core::Object>, Vec<InputError>) -> T,
    ) -> (Vec<T>, Vec<InputError>, Vec<Gap>) {
        let mut batches: Vec<(usize, T)> = Vec::new();
        let on_batch = |b: eksguard_kube::Batch| {
            if b.restart {
                // The list started again or failed: its pages so far do not count.
                batches.retain(|(i, _)| *i != b.index);
            }
            batches.push((b.index, each(b.objects, b.errors)));
            crate::progress::list_done();
        };
        let listing = eksguard_kube::collect(&self.conn.client, &self.plan, on_batch);
        let eksguard_kube::Problems { mut errors, gaps } = self.rt.block_on(listing);
        // Stable: the pages of one list stay in order.
        batches.sort_by_key(|(i, _)| *i);
        // Lists finish in any order.
        errors.sort_by(|a, b| (&a.input, &a.message).cmp(&(&b.input, &b.message)));
        (batches.into_iter().map(|(_, b)| b).collect(), errors, gaps)
    }
}

/// Stand-in when the binary is built without `kube-live`.
#[cfg(not(feature = "kube-live"))]
pub struct Live;

#[cfg(not(feature = "kube-live"))]
impl Live {
    pub fn start(args: &KubeArgs) -> anyhow::Result<Option<Live>> {
        if args.kube {
            anyhow::bail!(
                "this eksguard was built without live Kubernetes support (feature kube-live); scan `kubectl get -A -o json ...` output instead"
            );
        }
        Ok(None)
    }

    pub fn k8s_minor(&self) -> Option<u64> {
        None
    }

    pub fn collect(self, _: &ScanOptions) -> (Vec<Batch>, Vec<InputError>, Vec<Gap>) {
        (Vec::new(), Vec::new(), Vec::new())
    }

    pub fn collect_unchecked(self) -> (Vec<Unchecked>, Vec<InputError>, Vec<Gap>) {
        (Vec::new(), Vec::new(), Vec::new())
    }

    pub fn collect_packed(self) -> (Vec<Packed>, Vec<InputError>, Vec<Gap>) {
        (Vec::new(), Vec::new(), Vec::new())
    }
}

/// One resource's objects, listed but not checked yet.
pub struct Unchecked {
    pub objects: Vec<eksguard_core::Object>,
    pub errors: Vec<InputError>,
}

/// One page of objects, listed but not checked yet: each object as compact
/// JSON (several times smaller than the parsed object), with the ECR images
/// its pods run.
pub struct Packed {
    packed: Vec<(eksguard_core::Source, Box<[u8]>)>,
    pub errors: Vec<InputError>,
    pub ecr_images: Vec<eksguard_images::EcrImage>,
}

impl Packed {
    #[cfg_attr(not(feature = "kube-live"), allow(dead_code))]
    pub fn pack(objects: Vec<eksguard_core::Object>, errors: Vec<InputError>) -> Packed {
        let ecr_images = super::images::ecr_images(&objects);
        let packed = objects
            .into_iter()
            .filter_map(|o| {
                let bytes = serde_json::to_vec(&o.raw).ok()?;
                Some((o.source, bytes.into_boxed_slice()))
            })
            .collect();
        Packed {
            packed,
            errors,
            ecr_images,
        }
    }

    /// The objects again, as listed.
    pub fn objects(self) -> (Vec<eksguard_core::Object>, Vec<InputError>) {
        let mut errors = self.errors;
        let mut objects = Vec::with_capacity(self.packed.len());
        for (source, bytes) in self.packed {
            let file = source.file.to_string();
            let parsed = serde_json::from_slice(&bytes)
                .map_err(|e| e.to_string())
                .and_then(|raw| eksguard_core::Object::from_value(raw, None, source));
            match parsed {
                Ok(o) => objects.push(o),
                Err(e) => errors.push(InputError::error(file, e)),
            }
        }
        (objects, errors)
    }
}
