//! Attack paths (issue #15): the engine `eksguard-paths` joins what the
//! other engines compute exactly — internet exposure, NetworkPolicy
//! reachability, Pod Security escapes, IMDS, IRSA / Pod Identity trust, role
//! chaining, the blast radius, RBAC — into paths from the internet to five
//! targets. One control per target reports each internet-origin path, at the
//! cheapest change that breaks it.
//!
//! The analysis is built once per scan and shared by the five controls (and
//! by `eksguard paths` through [`input`]); it is memoised on a hash of the
//! objects and of the AWS facts it reads, like the identity view.

pub mod path_aws_admin;
pub mod path_aws_data;
pub mod path_cluster_admin;
pub mod path_cluster_secrets;
pub mod path_node_takeover;

use crate::rules::identity_aws::{Identity, Origin, identity};
use crate::util::fingerprint::{FxHasher, hash_value};
use crate::{Context, ControlMeta, Sink};
use eksguard_core::{Inventory, JsonPath};
use eksguard_paths::render::{LateralCache, anchor_path, locate, one_line};
use eksguard_paths::{
    Analysis, Anchor, BindingOrigin, Filter, IamInput, Input, Options, TargetKind, analyze,
};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

/// Where each binding of the identity view comes from, in the engine's terms.
pub fn binding_origins(view: &Identity) -> Vec<BindingOrigin> {
    view.origins
        .iter()
        .map(|o| match o {
            Origin::Annotation(i) => view
                .service_accounts
                .get(*i)
                .map_or(BindingOrigin::Unknown, |s| BindingOrigin::Annotation {
                    object: s.object,
                }),
            Origin::Association(i) => BindingOrigin::Association { index: *i },
        })
        .collect()
}

/// The engine's input for a scan: its objects, AWS facts and identity view.
pub fn input<'a>(
    inv: &'a Inventory,
    view: Option<&'a Identity>,
    origins: &'a [BindingOrigin],
    options: Options,
) -> Input<'a> {
    Input {
        objects: inv.objects(),
        aws: inv.aws.as_ref(),
        iam: view.map(|v| IamInput {
            cluster: v.cluster.as_ref(),
            account: &v.account,
            bindings: &v.bindings,
            binding_origins: origins,
            node_role: v.node_role.as_deref(),
        }),
        options,
    }
}

/// The options a scan implies: Pod Security defaults and exemptions of the
/// configuration, the cluster's Kubernetes version.
pub fn options(ctx: &Context) -> Options {
    Options {
        netpol: Default::default(),
        pss_defaults: ctx.config.pss_defaults(),
        pss_exemptions: crate::pss::exemptions(ctx.config),
        k8s_minor: ctx.k8s_minor,
    }
}

type Cached = (u64, Option<Arc<Identity>>, Arc<Analysis>);

/// The scan's analysis, built once for the five controls.
pub fn analysis(inv: &Inventory, ctx: &Context) -> Arc<Analysis> {
    static CACHE: Mutex<Option<Cached>> = Mutex::new(None);
    let view = identity(inv);
    let key = fingerprint(inv, ctx);
    let lock = || CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((k, v, a)) = lock().as_ref()
        && *k == key
        && match (v, &view) {
            (Some(x), Some(y)) => Arc::ptr_eq(x, y),
            (None, None) => true,
            _ => false,
        }
    {
        return Arc::clone(a);
    }
    let origins = view.as_deref().map(binding_origins).unwrap_or_default();
    let built = Arc::new(analyze(
        &input(inv, view.as_deref(), &origins, options(ctx)),
        &Filter::default(),
    ));
    *lock() = Some((key, view, Arc::clone(&built)));
    built
}

/// Hash of what the analysis reads besides the identity view (which is
/// memoised on its own inputs and compared by address): every object, the
/// AWS facts outside the view (access entries, security groups, node
/// groups), and the options.
fn fingerprint(inv: &Inventory, ctx: &Context) -> u64 {
    let mut h = FxHasher::default();
    h.write_usize(inv.objects().len());
    for o in inv.objects() {
        o.kind.hash(&mut h);
        o.namespace.hash(&mut h);
        o.name.hash(&mut h);
        o.source.file.hash(&mut h);
        o.source.line.hash(&mut h);
        hash_value(&o.raw, &mut h);
    }
    if let Some(f) = &inv.aws {
        format!(
            "{:?}{:?}{:?}{:?}",
            f.access_entries, f.security_groups, f.nodegroups, f.launch_template_versions
        )
        .hash(&mut h);
        f.cluster
            .as_ref()
            .map(|c| format!("{:?}", c.item))
            .hash(&mut h);
    }
    format!("{:?}{:?}", ctx.config.pss_defaults(), ctx.k8s_minor).hash(&mut h);
    h.finish()
}

/// Reports every internet-origin path to `target`: the message carries the
/// path; the finding sits at the cheapest change that breaks it.
pub fn report(
    inv: &Inventory,
    ctx: &Context,
    out: &mut Sink,
    meta: &'static ControlMeta,
    target: TargetKind,
) {
    let a = analysis(inv, ctx);
    let view = identity(inv);
    let origins = view.as_deref().map(binding_origins).unwrap_or_default();
    let inp = input(inv, view.as_deref(), &origins, options(ctx));
    let cache = LateralCache::default();
    let g = a.graph();
    for (i, p) in a.paths.iter().enumerate() {
        if p.from != "internet" || p.to != target {
            continue;
        }
        let steps = a.steps(&inp, &cache, p);
        let line = one_line(&steps, p);
        let cut = a.cheapest_cut(i);
        let (anchor, fix) = match cut {
            Some(c) => {
                let s = &g.cuts[c.spec as usize];
                (
                    s.anchor.clone(),
                    format!(
                        "{} (breaks {} of the {} attack paths; `eksguard paths` lists them and the other cuts).",
                        s.change,
                        c.breaks.len(),
                        a.paths.len()
                    ),
                )
            }
            None => (
                Anchor::None,
                "No single change breaks this path: fix several of its steps (`eksguard paths` shows each with its evidence).".to_owned(),
            ),
        };
        // Without a cut to point at, the exposing object.
        let anchor = match anchor {
            Anchor::None => steps
                .first()
                .and(
                    g.evidence
                        .iter()
                        .find(|e| e.object == steps[0].object)
                        .map(|e| e.anchor.clone()),
                )
                .unwrap_or(Anchor::None),
            a => a,
        };
        let message = format!(
            "attack path from the internet to {} in {} steps: {line}",
            target.title(),
            steps.len()
        );
        match &anchor {
            Anchor::Object { index, path } => {
                if let Some(obj) = inv.objects().get(*index) {
                    out.report(meta, obj, path.clone(), message, fix);
                }
            }
            Anchor::Aws { object, .. } => {
                let location = locate(&inp, &anchor);
                out.report_ref(
                    meta,
                    object.clone(),
                    location,
                    anchor_path(&anchor).unwrap_or_default(),
                    message,
                    fix,
                );
            }
            Anchor::None => {
                if let Some(obj) = inv.objects().first() {
                    out.report(meta, obj, JsonPath::root(), message, fix);
                }
            }
        }
    }
}
