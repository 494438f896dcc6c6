//! Finding the pod spec in a Pod or in a workload's pod template (upstream's
//! `DefaultPodSpecExtractor`), and the API-server defaulting that runs before admission.

use k8s_openapi::api::core::v1::{EmptyDirVolumeSource, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Deserialize;
use serde_json::Value;

use crate::error::Error;

/// Whether admission sees the object as a Pod or as a pod controller.
///
/// Upstream enforces (denies) only Pods; for controllers it only warns and audits, so a
/// bad Deployment is accepted and its pods are rejected later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetKind {
    Pod,
    Controller,
}

/// The pod (template) to evaluate, found in an object.
#[derive(Debug, Clone, PartialEq)]
pub struct PodTarget {
    pub kind: TargetKind,
    /// The Pod's metadata, or the template's (where annotations such as AppArmor live).
    pub metadata: ObjectMeta,
    /// The pod spec, with the API-server defaults of [`apply_api_defaults`] applied.
    pub spec: PodSpec,
    /// Dotted JSON path of the pod spec in the object, e.g. `spec.template.spec`.
    pub spec_path: &'static str,
    /// Dotted JSON path of the metadata in the object, e.g. `spec.template.metadata`.
    pub metadata_path: &'static str,
}

/// Where a kind keeps its pod: metadata path, spec path (both as key lists).
fn layout(group: &str, kind: &str) -> Option<(&'static [&'static str], &'static [&'static str])> {
    const POD: (&[&str], &[&str]) = (&["metadata"], &["spec"]);
    const TEMPLATE: (&[&str], &[&str]) = (
        &["spec", "template", "metadata"],
        &["spec", "template", "spec"],
    );
    const POD_TEMPLATE: (&[&str], &[&str]) = (&["template", "metadata"], &["template", "spec"]);
    const CRON: (&[&str], &[&str]) = (
        &["spec", "jobTemplate", "spec", "template", "metadata"],
        &["spec", "jobTemplate", "spec", "template", "spec"],
    );
    match (group, kind) {
        ("", "Pod") => Some(POD),
        ("", "PodTemplate") => Some(POD_TEMPLATE),
        ("", "ReplicationController") => Some(TEMPLATE),
        ("apps" | "extensions", "Deployment" | "ReplicaSet" | "DaemonSet") => Some(TEMPLATE),
        ("apps", "StatefulSet") => Some(TEMPLATE),
        ("batch", "Job") => Some(TEMPLATE),
        ("batch", "CronJob") => Some(CRON),
        _ => None,
    }
}

fn dotted(keys: &[&str]) -> &'static str {
    match keys {
        ["metadata"] => "metadata",
        ["spec"] => "spec",
        ["template", "metadata"] => "template.metadata",
        ["template", "spec"] => "template.spec",
        ["spec", "template", "metadata"] => "spec.template.metadata",
        ["spec", "template", "spec"] => "spec.template.spec",
        ["spec", "jobTemplate", "spec", "template", "metadata"] => {
            "spec.jobTemplate.spec.template.metadata"
        }
        _ => "spec.jobTemplate.spec.template.spec",
    }
}

fn lookup<'v>(obj: &'v Value, keys: &[&str]) -> Option<&'v Value> {
    keys.iter()
        .try_fold(obj, |v, k| v.get(k))
        .filter(|v| !v.is_null())
}

/// Finds the pod (template) in a Kubernetes object given as JSON.
///
/// Returns `Ok(None)` for kinds admission does not evaluate, and for a controller without a
/// template (upstream skips those). Only the metadata and spec sub-trees are deserialized;
/// a malformed one is an [`Error::InvalidObject`] naming its path.
pub fn pod_target(api_version: &str, kind: &str, obj: &Value) -> Result<Option<PodTarget>, Error> {
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    let Some((meta_keys, spec_keys)) = layout(group, kind) else {
        return Ok(None);
    };
    let target_kind = if kind == "Pod" {
        TargetKind::Pod
    } else {
        TargetKind::Controller
    };
    let (meta_path, spec_path) = (dotted(meta_keys), dotted(spec_keys));
    let spec = match lookup(obj, spec_keys) {
        Some(v) => typed(kind, spec_path, v)?,
        None if target_kind == TargetKind::Pod => PodSpec::default(),
        None => return Ok(None),
    };
    let metadata = match lookup(obj, meta_keys) {
        Some(v) => typed(kind, meta_path, v)?,
        None => ObjectMeta::default(),
    };
    let mut target = PodTarget {
        kind: target_kind,
        metadata,
        spec,
        spec_path,
        metadata_path: meta_path,
    };
    apply_api_defaults(&mut target.spec, target_kind);
    Ok(Some(target))
}

/// Deserializes a sub-tree, naming the full path of the offending field on error.
fn typed<'v, T: Deserialize<'v>>(kind: &str, base: &str, v: &'v Value) -> Result<T, Error> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        let inner = e.path().to_string();
        let path = if inner == "." {
            base.to_owned()
        } else {
            format!("{base}.{inner}")
        };
        Error::InvalidObject {
            kind: kind.to_owned(),
            path,
            message: e.into_inner().to_string(),
        }
    })
}

/// The API-server defaulting that changes what PodSecurity admission sees, applied before
/// evaluating manifests so the verdict matches the cluster's:
///
/// - a volume with no source becomes an `emptyDir` (all pod specs);
/// - in a Pod with `hostNetwork: true`, a container or init container port without a
///   `hostPort` gets `hostPort = containerPort` (Pods only: since Kubernetes 1.28 templates
///   are not defaulted this way).
pub fn apply_api_defaults(spec: &mut PodSpec, kind: TargetKind) {
    for v in spec.volumes.iter_mut().flatten() {
        if !has_source(v) {
            v.empty_dir = Some(EmptyDirVolumeSource::default());
        }
    }
    if kind == TargetKind::Pod && spec.host_network == Some(true) {
        let init = spec.init_containers.iter_mut().flatten();
        for c in spec.containers.iter_mut().chain(init) {
            for p in c.ports.iter_mut().flatten() {
                if p.host_port.unwrap_or(0) == 0 {
                    p.host_port = Some(p.container_port);
                }
            }
        }
    }
}

fn has_source(v: &k8s_openapi::api::core::v1::Volume) -> bool {
    v.aws_elastic_block_store.is_some()
        || v.azure_disk.is_some()
        || v.azure_file.is_some()
        || v.cephfs.is_some()
        || v.cinder.is_some()
        || v.config_map.is_some()
        || v.csi.is_some()
        || v.downward_api.is_some()
        || v.empty_dir.is_some()
        || v.ephemeral.is_some()
        || v.fc.is_some()
        || v.flex_volume.is_some()
        || v.flocker.is_some()
        || v.gce_persistent_disk.is_some()
        || v.git_repo.is_some()
        || v.glusterfs.is_some()
        || v.host_path.is_some()
        || v.image.is_some()
        || v.iscsi.is_some()
        || v.nfs.is_some()
        || v.persistent_volume_claim.is_some()
        || v.photon_persistent_disk.is_some()
        || v.portworx_volume.is_some()
        || v.projected.is_some()
        || v.quobyte.is_some()
        || v.rbd.is_some()
        || v.scale_io.is_some()
        || v.secret.is_some()
        || v.storageos.is_some()
        || v.vsphere_volume.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_templates_of_every_workload_kind() {
        let tmpl = json!({"metadata": {"annotations": {"a": "b"}}, "spec": {"containers": [{"name": "c"}]}});
        let cases = [
            (
                "apps/v1",
                "Deployment",
                json!({"spec": {"template": tmpl}}),
                "spec.template.spec",
            ),
            (
                "apps/v1",
                "ReplicaSet",
                json!({"spec": {"template": tmpl}}),
                "spec.template.spec",
            ),
            (
                "apps/v1",
                "StatefulSet",
                json!({"spec": {"template": tmpl}}),
                "spec.template.spec",
            ),
            (
                "apps/v1",
                "DaemonSet",
                json!({"spec": {"template": tmpl}}),
                "spec.template.spec",
            ),
            (
                "batch/v1",
                "Job",
                json!({"spec": {"template": tmpl}}),
                "spec.template.spec",
            ),
            (
                "batch/v1",
                "CronJob",
                json!({"spec": {"jobTemplate": {"spec": {"template": tmpl}}}}),
                "spec.jobTemplate.spec.template.spec",
            ),
            (
                "v1",
                "ReplicationController",
                json!({"spec": {"template": tmpl}}),
                "spec.template.spec",
            ),
            (
                "v1",
                "PodTemplate",
                json!({"template": tmpl}),
                "template.spec",
            ),
        ];
        for (av, kind, obj, path) in cases {
            let t = pod_target(av, kind, &obj).unwrap().unwrap();
            assert_eq!(t.kind, TargetKind::Controller, "{kind}");
            assert_eq!(t.spec_path, path, "{kind}");
            assert_eq!(t.spec.containers[0].name, "c", "{kind}");
            assert_eq!(
                t.metadata.annotations.unwrap().get("a").map(String::as_str),
                Some("b"),
                "{kind}"
            );
        }
    }

    #[test]
    fn pods_and_other_kinds() {
        let pod = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]}});
        let t = pod_target("v1", "Pod", &pod).unwrap().unwrap();
        assert_eq!((t.kind, t.spec_path), (TargetKind::Pod, "spec"));
        assert_eq!(t.metadata.name.as_deref(), Some("p"));
        assert!(pod_target("v1", "Service", &pod).unwrap().is_none());
        assert!(
            pod_target("example.com/v1", "Deployment", &pod)
                .unwrap()
                .is_none()
        );
        // A controller without a template is skipped, as upstream does.
        assert!(
            pod_target("v1", "ReplicationController", &json!({"spec": {}}))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn type_errors_name_the_path() {
        let cases = [
            (
                json!({"spec": {"template": {"spec": {"containers": "nope"}}}}),
                "spec.template.spec.containers",
            ),
            (
                json!({"spec": {"template": {"spec": {"containers": [
                    {"name": "a"},
                    {"name": "b", "securityContext": {"runAsUser": "root"}}
                ]}}}}),
                "spec.template.spec.containers[1].securityContext.runAsUser",
            ),
            (
                json!({"spec": {"template": {"metadata": {"annotations": {"a": 1}}, "spec": {}}}}),
                "spec.template.metadata.annotations.a",
            ),
        ];
        for (bad, want) in cases {
            match pod_target("apps/v1", "Deployment", &bad) {
                Err(Error::InvalidObject { kind, path, .. }) => {
                    assert_eq!((kind.as_str(), path.as_str()), ("Deployment", want));
                }
                other => panic!("expected an InvalidObject error at {want}, got {other:?}"),
            }
        }
    }

    #[test]
    fn defaults_sourceless_volumes_and_host_network_ports() {
        let pod = json!({"spec": {
            "hostNetwork": true,
            "volumes": [{"name": "v"}, {"name": "s", "secret": {}}],
            "containers": [{"name": "c", "ports": [{"containerPort": 8080}, {"containerPort": 1, "hostPort": 2}]}]
        }});
        let t = pod_target("v1", "Pod", &pod).unwrap().unwrap();
        let vols = t.spec.volumes.as_ref().unwrap();
        assert!(vols[0].empty_dir.is_some());
        assert!(vols[1].empty_dir.is_none());
        let ports = t.spec.containers[0].ports.as_ref().unwrap();
        assert_eq!(ports[0].host_port, Some(8080));
        assert_eq!(ports[1].host_port, Some(2));
        // Templates do not get host-network port defaulting.
        let dep = json!({"spec": {"template": pod}});
        let t = pod_target("apps/v1", "Deployment", &dep).unwrap().unwrap();
        assert_eq!(
            t.spec.containers[0].ports.as_ref().unwrap()[0].host_port,
            None
        );
    }
}
