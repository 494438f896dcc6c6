//! Typed, borrowed views of the `requestObject` bodies rules inspect, parsed
//! lazily and at most once per event (see [`crate::rules::Ctx`]).

use serde::Deserialize;
use std::borrow::Cow;

type Str<'a> = Cow<'a, str>;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Meta<'a> {
    #[serde(borrow, default, deserialize_with = "crate::event::opt_cow")]
    pub name: Option<Str<'a>>,
    #[serde(borrow, default, deserialize_with = "crate::event::opt_cow")]
    pub generate_name: Option<Str<'a>>,
    /// Only pods' are read ([`crate::owner`]); `null` reads as absent.
    #[serde(borrow, default)]
    pub owner_references: Option<Vec<OwnerReference<'a>>>,
    #[serde(borrow, default)]
    pub labels: Option<Labels<'a>>,
}

/// The labels rules read; others are skipped while parsing.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Labels<'a> {
    /// Set by the Deployment controller on its ReplicaSets' pod templates.
    #[serde(
        borrow,
        default,
        rename = "pod-template-hash",
        deserialize_with = "crate::event::opt_cow"
    )]
    pub pod_template_hash: Option<Str<'a>>,
}

/// One `metadata.ownerReferences` entry.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct OwnerReference<'a> {
    #[serde(borrow, default, deserialize_with = "crate::event::opt_cow")]
    pub kind: Option<Str<'a>>,
    #[serde(borrow, default, deserialize_with = "crate::event::opt_cow")]
    pub name: Option<Str<'a>>,
    /// The managing controller (at most one entry has it).
    #[serde(default)]
    pub controller: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SecurityContext {
    #[serde(default)]
    pub privileged: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Container<'a> {
    #[serde(borrow, default, deserialize_with = "crate::event::opt_cow")]
    pub name: Option<Str<'a>>,
    #[serde(borrow, default, deserialize_with = "crate::event::opt_cow")]
    pub image: Option<Str<'a>>,
    #[serde(default)]
    pub security_context: Option<SecurityContext>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct HostPath<'a> {
    #[serde(borrow, default, deserialize_with = "crate::event::opt_cow")]
    pub path: Option<Str<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Volume<'a> {
    #[serde(borrow, default)]
    pub host_path: Option<HostPath<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PodSpec<'a> {
    #[serde(borrow, default)]
    pub containers: Vec<Container<'a>>,
    #[serde(borrow, default)]
    pub init_containers: Vec<Container<'a>>,
    #[serde(borrow, default)]
    pub ephemeral_containers: Vec<Container<'a>>,
    #[serde(default)]
    pub host_network: Option<bool>,
    #[serde(default, rename = "hostPID")]
    pub host_pid: Option<bool>,
    #[serde(default, rename = "hostIPC")]
    pub host_ipc: Option<bool>,
    #[serde(borrow, default)]
    pub volumes: Vec<Volume<'a>>,
}

impl<'a> PodSpec<'a> {
    pub fn all_containers(&self) -> impl Iterator<Item = &Container<'a>> {
        self.containers
            .iter()
            .chain(&self.init_containers)
            .chain(&self.ephemeral_containers)
    }
    pub fn images(&self) -> String {
        let mut v: Vec<&str> = self
            .all_containers()
            .filter_map(|c| c.image.as_deref())
            .collect();
        v.dedup();
        v.join(",")
    }
    pub fn privileged_containers(&self) -> Vec<&Container<'a>> {
        self.all_containers()
            .filter(|c| {
                c.security_context
                    .as_ref()
                    .and_then(|s| s.privileged)
                    .unwrap_or(false)
            })
            .collect()
    }
    pub fn host_paths(&self) -> impl Iterator<Item = &str> {
        self.volumes
            .iter()
            .filter_map(|v| v.host_path.as_ref()?.path.as_deref())
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Template<'a> {
    #[serde(borrow, default)]
    pub spec: Option<PodSpec<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct JobTemplate<'a> {
    #[serde(borrow, default)]
    pub spec: Option<WorkloadSpec<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WorkloadSpec<'a> {
    #[serde(borrow, default)]
    pub template: Option<Template<'a>>,
    #[serde(borrow, default)]
    pub job_template: Option<Box<JobTemplate<'a>>>,
}

/// Resources whose request body carries a pod spec, and where it sits.
pub(crate) fn pod_spec_of<'a>(resource: &str, body: &'a str) -> Option<(Meta<'a>, PodSpec<'a>)> {
    #[derive(Deserialize)]
    struct Pod<'a> {
        #[serde(borrow, default)]
        metadata: Meta<'a>,
        #[serde(borrow, default)]
        spec: Option<PodSpec<'a>>,
    }
    #[derive(Deserialize)]
    struct Workload<'a> {
        #[serde(borrow, default)]
        metadata: Meta<'a>,
        #[serde(borrow, default)]
        spec: Option<WorkloadSpec<'a>>,
    }
    match resource {
        "pods" => {
            let p: Pod<'a> = serde_json::from_str(body).ok()?;
            Some((p.metadata, p.spec?))
        }
        "deployments"
        | "replicasets"
        | "statefulsets"
        | "daemonsets"
        | "jobs"
        | "replicationcontrollers"
        | "cronjobs" => {
            let w: Workload<'a> = serde_json::from_str(body).ok()?;
            let spec = w.spec?;
            let spec = match spec.job_template {
                Some(jt) => jt.spec?.template?.spec?,
                None => spec.template?.spec?,
            };
            Some((w.metadata, spec))
        }
        _ => None,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PolicyRule<'a> {
    #[serde(borrow, default)]
    pub verbs: Vec<Str<'a>>,
    #[serde(borrow, default)]
    pub resources: Vec<Str<'a>>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RoleBody<'a> {
    #[serde(borrow, default)]
    pub rules: Vec<PolicyRule<'a>>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Subject<'a> {
    #[serde(borrow, default, deserialize_with = "crate::event::opt_cow")]
    pub kind: Option<Str<'a>>,
    #[serde(borrow, default, deserialize_with = "crate::event::opt_cow")]
    pub name: Option<Str<'a>>,
    #[serde(borrow, default, deserialize_with = "crate::event::opt_cow")]
    pub namespace: Option<Str<'a>>,
}

impl Subject<'_> {
    /// The username the API server gives this subject, if it is one
    /// principal (`User` or `ServiceAccount`); groups return `None`.
    pub fn principal(&self, binding_ns: &str) -> Option<String> {
        let name = self.name.as_deref()?;
        match self.kind.as_deref()? {
            "User" => Some(name.to_string()),
            "ServiceAccount" => {
                let ns = self.namespace.as_deref().unwrap_or(binding_ns);
                Some(format!("system:serviceaccount:{ns}:{name}"))
            }
            _ => None,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RoleRef<'a> {
    #[serde(borrow, default, deserialize_with = "crate::event::opt_cow")]
    pub name: Option<Str<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BindingBody<'a> {
    #[serde(borrow, default)]
    pub subjects: Vec<Subject<'a>>,
    #[serde(borrow, default)]
    pub role_ref: RoleRef<'a>,
}

impl BindingBody<'_> {
    pub fn role_name(&self) -> &str {
        self.role_ref.name.as_deref().unwrap_or("")
    }
    pub fn subjects_display(&self) -> String {
        let v: Vec<String> = self
            .subjects
            .iter()
            .map(|s| {
                format!(
                    "{}:{}",
                    s.kind.as_deref().unwrap_or("?"),
                    s.name.as_deref().unwrap_or("?")
                )
            })
            .collect();
        v.join(",")
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ServicePort {
    #[serde(default, rename = "nodePort")]
    pub node_port: Option<i64>,
    #[serde(default)]
    pub port: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ServiceSpec<'a> {
    #[serde(
        borrow,
        default,
        rename = "type",
        deserialize_with = "crate::event::opt_cow"
    )]
    pub type_: Option<Str<'a>>,
    #[serde(default)]
    pub ports: Vec<ServicePort>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ServiceBody<'a> {
    #[serde(borrow, default)]
    pub metadata: Meta<'a>,
    #[serde(borrow, default)]
    pub spec: ServiceSpec<'a>,
}
