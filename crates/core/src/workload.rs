//! Where the pod spec lives in each workload kind.

use crate::object::Object;
use crate::path::JsonPath;
use serde_json::Value;

/// The pod spec of a Pod or a pod-controller, with the paths a finding needs.
pub struct PodSpecRef<'o> {
    /// The `PodSpec` JSON.
    pub spec: &'o Value,
    /// Path of `spec` within the object, e.g. `spec.template.spec`.
    pub path: JsonPath,
    /// The pod's (or template's) metadata, if present.
    pub metadata: Option<&'o Value>,
    pub metadata_path: JsonPath,
    /// `true` for a bare Pod, `false` for a controller's template.
    pub is_pod: bool,
}

/// Path of the pod spec for a workload kind, by API group and kind.
///
/// Old groups (`extensions`, `apps/v1beta*`) are accepted because old
/// manifests still use them and the API server converts them.
pub fn pod_spec_keys(
    group: &str,
    kind: &str,
) -> Option<(&'static [&'static str], &'static [&'static str])> {
    const TEMPLATE: (&[&str], &[&str]) = (
        &["spec", "template", "spec"],
        &["spec", "template", "metadata"],
    );
    match (group, kind) {
        ("", "Pod") => Some((&["spec"], &["metadata"])),
        ("", "PodTemplate") => Some((&["template", "spec"], &["template", "metadata"])),
        ("", "ReplicationController") => Some(TEMPLATE),
        ("apps" | "extensions", "Deployment" | "ReplicaSet" | "DaemonSet") => Some(TEMPLATE),
        ("apps", "StatefulSet") => Some(TEMPLATE),
        ("batch", "Job") => Some(TEMPLATE),
        ("batch", "CronJob") => Some((
            &["spec", "jobTemplate", "spec", "template", "spec"],
            &["spec", "jobTemplate", "spec", "template", "metadata"],
        )),
        _ => None,
    }
}

/// Kinds that carry a pod spec (for controls' kind filters).
pub const WORKLOAD_KINDS: &[&str] = &[
    "Pod",
    "PodTemplate",
    "ReplicationController",
    "Deployment",
    "ReplicaSet",
    "DaemonSet",
    "StatefulSet",
    "Job",
    "CronJob",
];

impl Object {
    /// The pod spec of this object, when it is a Pod or a pod-controller with
    /// a template that has a spec.
    pub fn pod_spec(&self) -> Option<PodSpecRef<'_>> {
        let (spec_keys, meta_keys) = pod_spec_keys(self.group(), &self.kind)?;
        let path = JsonPath::keys(spec_keys);
        let metadata_path = JsonPath::keys(meta_keys);
        let spec = path.lookup(&self.raw).filter(|v| v.is_object())?;
        Some(PodSpecRef {
            spec,
            metadata: metadata_path.lookup(&self.raw),
            path,
            metadata_path,
            is_pod: self.kind == "Pod",
        })
    }

    pub fn is_workload(&self) -> bool {
        pod_spec_keys(self.group(), &self.kind).is_some()
    }
}

/// The three container lists of a pod spec, in the order upstream visits them.
pub const CONTAINER_FIELDS: [&str; 3] = ["initContainers", "containers", "ephemeralContainers"];

/// One container of a pod spec.
pub struct ContainerRef<'o> {
    pub field: &'static str,
    pub index: usize,
    pub name: &'o str,
    pub value: &'o Value,
    /// Path of the container within the object.
    pub path: JsonPath,
}

impl<'o> PodSpecRef<'o> {
    /// Every container (init, regular, ephemeral), borrowing from the object
    /// rather than from this `PodSpecRef`.
    pub fn containers(&self) -> impl Iterator<Item = ContainerRef<'o>> + 'o {
        let spec = self.spec;
        let base = self.path.clone();
        CONTAINER_FIELDS.iter().flat_map(move |field| {
            let base = base.clone();
            spec.get(*field)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
                .map(move |(i, c)| ContainerRef {
                    field,
                    index: i,
                    name: c.get("name").and_then(Value::as_str).unwrap_or(""),
                    value: c,
                    path: base.clone().key(*field).index(i),
                })
        })
    }

    pub fn bool_field(&self, key: &str) -> Option<bool> {
        self.spec.get(key).and_then(Value::as_bool)
    }

    pub fn str_field(&self, key: &str) -> Option<&str> {
        self.spec.get(key).and_then(Value::as_str)
    }

    /// The ServiceAccount the pod runs as (`default` when unset). The
    /// deprecated `serviceAccount` field is honoured as the API server does.
    pub fn service_account(&self) -> &str {
        self.str_field("serviceAccountName")
            .filter(|s| !s.is_empty())
            .or_else(|| self.str_field("serviceAccount").filter(|s| !s.is_empty()))
            .unwrap_or("default")
    }
}

impl ContainerRef<'_> {
    /// e.g. `container "app"` or `init container "setup"`, as messages say it.
    pub fn describe(&self) -> String {
        let what = match self.field {
            "initContainers" => "init container",
            "ephemeralContainers" => "ephemeral container",
            _ => "container",
        };
        format!("{what} \"{}\"", self.name)
    }
}
