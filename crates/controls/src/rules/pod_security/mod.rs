//! Pod security: Pod Security Standards as the cluster's own PodSecurity
//! admission evaluates them (engine: `eksguard-pss`).

pub mod namespace_enforce_missing;
pub mod namespace_version_pinned;
pub mod workload_fails_restricted;
pub mod workload_violates_enforce;

use crate::{Config, Context, Sink};
use eksguard_core::{Inventory, JsonPath, Object};
use eksguard_pss::{Exemptions, LabelError, PodTarget, Policy};
use std::collections::BTreeMap;

/// Namespaces where EKS runs its own components; PSS labels there are
/// AWS's and the cluster add-ons' business, not the customer's.
pub(crate) const SYSTEM_NAMESPACES: &[&str] = &["kube-system"];

/// The policy a namespace gets: the admission defaults from config, then
/// its labels, as upstream's `PolicyToEvaluate` does.
pub fn namespace_policy(ns: Option<&Object>, config: &Config) -> (Policy, Vec<LabelError>) {
    let labels: BTreeMap<String, String> = ns
        .map(|n| {
            n.labels()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        })
        .unwrap_or_default();
    Policy::from_labels(&labels, config.pss_defaults())
}

pub fn exemptions(config: &Config) -> Exemptions {
    Exemptions {
        usernames: config.pss.exemptions.usernames.clone(),
        runtime_classes: config.pss.exemptions.runtime_classes.clone(),
        namespaces: config.pss.exemptions.namespaces.clone(),
    }
}

/// The typed pod (template) of a workload, with API-server defaults applied;
/// objects that do not deserialize are reported as input errors.
pub(crate) fn target(obj: &Object, out: &mut Sink) -> Option<PodTarget> {
    match eksguard_pss::pod_target(&obj.api_version, &obj.kind, &obj.raw) {
        Ok(t) => t,
        Err(e) => {
            let path = match &e {
                eksguard_pss::Error::InvalidObject { path, .. } => dotted(path),
                _ => JsonPath::root(),
            };
            out.input_error(
                obj,
                &path,
                format!(
                    "{}: cannot evaluate Pod Security: {e}",
                    obj.obj_ref().short()
                ),
            );
            None
        }
    }
}

/// `spec.containers[1].image` → JsonPath.
pub(crate) fn dotted(path: &str) -> JsonPath {
    let mut p = JsonPath::root();
    for part in path.split('.').filter(|s| !s.is_empty()) {
        match part.split_once('[') {
            Some((key, rest)) => {
                p = p.key(key);
                for idx in rest.split('[') {
                    if let Ok(i) = idx.trim_end_matches(']').parse() {
                        p = p.index(i);
                    }
                }
            }
            None => p = p.key(part),
        }
    }
    p
}

/// Every workload with its namespace object (if scanned) and policy. O(n)
/// in workloads: each namespace's policy is computed once.
pub(crate) fn workloads<'a>(
    inv: &'a Inventory,
    ctx: &'a Context,
) -> impl Iterator<Item = (&'a Object, &'a str, Policy)> + 'a {
    let mut policies: std::collections::HashMap<&'a str, Option<Policy>> = Default::default();
    inv.workloads().filter_map(move |obj| {
        let ns = obj.namespace.as_deref().unwrap_or("default");
        let policy = policies.entry(ns).or_insert_with(|| {
            if ctx.config.pss.exemptions.namespaces.iter().any(|n| n == ns) {
                return None;
            }
            Some(namespace_policy(inv.namespace(ns), ctx.config).0)
        });
        Some((obj, ns, (*policy)?))
    })
}
