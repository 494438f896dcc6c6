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

    /// Lists everything, checking each resource's objects as its list
    /// completes (so Secret values are dropped while the rest is still being
    /// listed). Batches come back in the plan's order.
    pub fn collect(self, opts: &ScanOptions) -> (Vec<Batch>, Vec<InputError>, Vec<Gap>) {
        self.collect_with(|objects, errors| crate::pipeline::check(objects, errors, opts))
    }

    /// Lists everything without checking it yet (the objects stay whole),
    /// for a scan that must first read what the workloads run.
    pub fn collect_unchecked(self) -> (Vec<Unchecked>, Vec<InputError>, Vec<Gap>) {
        self.collect_with(|objects, errors| Unchecked { objects, errors })
    }

    fn collect_with<T>(
        self,
        mut each: impl FnMut(Vec<eksguard_core::Object>, Vec<InputError>) -> T,
    ) -> (Vec<T>, Vec<InputError>, Vec<Gap>) {
        let mut batches: Vec<(usize, T)> = Vec::new();
        let on_batch = |b: eksguard_kube::Batch| {
            batches.push((b.index, each(b.objects, b.errors)));
        };
        let listing = eksguard_kube::collect(&self.conn.client, &self.plan, on_batch);
        let eksguard_kube::Problems { mut errors, gaps } = self.rt.block_on(listing);
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
}

/// One resource's objects, listed but not checked yet.
pub struct Unchecked {
    pub objects: Vec<eksguard_core::Object>,
    pub errors: Vec<InputError>,
}
