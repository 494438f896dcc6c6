//! Escape: the Pod Security checks that make a pod equivalent to its node,
//! and whether the namespace's PodSecurity admission lets the pods run at
//! all.
//!
//! A setting counts only when the Pod Security engine's own `baseline` check
//! fails on it (so the verdict is upstream admission's), and only these make
//! the pod its node: `privileged` (every device and capability), `hostPID`
//! (enter any host process with `nsenter`), a `hostPath` volume on a
//! sensitive part of the host file system (the root, `/etc`, the kubelet's
//! and container runtime's state and sockets, `/proc`, `/sys`, `/dev`, …),
//! and the capabilities known to break out of a container (`SYS_ADMIN`,
//! `SYS_PTRACE`, `SYS_MODULE`, `DAC_READ_SEARCH`, `SYS_RAWIO`, `BPF`, `ALL`).
//! `hostNetwork` is not an escape by itself: it is the node-credentials step
//! (IMDS), and `hostIPC` alone is not either.

use eksguard_core::{JsonPath, Object};
use eksguard_pss::{Evaluator, Exemptions, Level, LevelVersion, Policy, Version};
use serde_json::Value;

/// One reason a pod is equivalent to its node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscapeCause {
    /// The field to change, relative to the object.
    pub path: JsonPath,
    /// What it is, e.g. `privileged: true (container "x")`.
    pub what: String,
    /// The Pod Security check that flags it (`privileged`, `hostNamespaces`, …).
    pub check: &'static str,
}

/// Capabilities that let a container break out of its namespaces.
pub const DANGEROUS_CAPS: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "SYS_PTRACE",
    "SYS_MODULE",
    "DAC_READ_SEARCH",
    "SYS_RAWIO",
    "BPF",
];

/// Host directories whose mount gives the node away (read-only included:
/// they hold credentials, the kubelet's keys, the runtime's socket).
const SENSITIVE_ROOTS: &[&str] = &[
    "/etc",
    "/proc",
    "/sys",
    "/dev",
    "/root",
    "/home",
    "/boot",
    "/var/lib/kubelet",
    "/var/lib/containerd",
    "/var/lib/docker",
    "/var/run",
    "/run",
    "/var/log",
];

/// Whether a hostPath is sensitive: one of [`SENSITIVE_ROOTS`], inside one,
/// or an ancestor of one (`/`, `/var`, `/var/lib`). A read-only `/var/log`
/// is not (the known escape through it needs write access).
pub fn sensitive_host_path(path: &str, read_only: bool) -> bool {
    let p = path.trim_end_matches('/');
    let p = if p.is_empty() { "/" } else { p };
    if p == "/" {
        return true;
    }
    SENSITIVE_ROOTS.iter().any(|root| {
        let hit =
            p == *root || p.starts_with(&format!("{root}/")) || root.starts_with(&format!("{p}/"));
        hit && !(read_only
            && *root == "/var/log"
            && (p == "/var/log" || p.starts_with("/var/log/")))
    })
}

/// What the pod spec of `obj` means for escape and admission.
#[derive(Debug, Clone, Default)]
pub struct PodFacts {
    pub escape: Vec<EscapeCause>,
    /// Why the namespace's PodSecurity `enforce` level rejects the pods
    /// (`None`: admitted).
    pub rejected: Option<String>,
}

fn dotted(path: &str) -> JsonPath {
    let keys: Vec<&str> = path.split('.').collect();
    JsonPath::keys(&keys)
}

/// Evaluates the pod (template) of `obj`: escape causes, and admission under
/// `policy` (the namespace's levels) unless the namespace is exempt.
pub fn pod_facts(
    obj: &Object,
    evaluator: &Evaluator,
    policy: &Policy,
    exemptions: &Exemptions,
) -> PodFacts {
    let Ok(Some(target)) = eksguard_pss::pod_target(&obj.api_version, &obj.kind, &obj.raw) else {
        return PodFacts::default();
    };
    let base = dotted(target.spec_path);
    let spec_raw = base.lookup(&obj.raw).cloned().unwrap_or(Value::Null);
    let mut out = PodFacts::default();
    let ns = obj.namespace.as_deref().unwrap_or("default");
    let exempt = exemptions.namespaces.iter().any(|n| n == ns);
    if !exempt && policy.enforce.level != Level::Privileged {
        let verdict = evaluator.evaluate(policy.enforce, &target.metadata, &target.spec);
        if !verdict.allowed {
            out.rejected = Some(verdict.message(&policy.enforce));
        }
    }
    let baseline = LevelVersion::new(Level::Baseline, Version::Latest);
    let verdict = evaluator.evaluate(baseline, &target.metadata, &target.spec);
    let failed = |id: &str| verdict.forbidden.iter().any(|f| f.check == id);
    let containers = ["initContainers", "containers", "ephemeralContainers"];
    if failed("privileged") {
        for field in containers {
            for (i, c) in spec_raw
                .get(field)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                if c.pointer("/securityContext/privileged")
                    .and_then(Value::as_bool)
                    == Some(true)
                {
                    out.escape.push(EscapeCause {
                        path: base
                            .clone()
                            .key(field)
                            .index(i)
                            .key("securityContext")
                            .key("privileged"),
                        what: format!(
                            "privileged: true (container \"{}\")",
                            c.get("name").and_then(Value::as_str).unwrap_or("")
                        ),
                        check: "privileged",
                    });
                }
            }
        }
    }
    if failed("hostNamespaces") && spec_raw.get("hostPID").and_then(Value::as_bool) == Some(true) {
        out.escape.push(EscapeCause {
            path: base.clone().key("hostPID"),
            what: "hostPID: true".into(),
            check: "hostNamespaces",
        });
    }
    if failed("hostPathVolumes") {
        // Read-only when every mount of the volume is read-only.
        let mounts: Vec<(&str, bool)> = containers
            .iter()
            .flat_map(|f| {
                spec_raw
                    .get(*f)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
            })
            .flat_map(|c| {
                c.get("volumeMounts")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
            })
            .filter_map(|m| {
                Some((
                    m.get("name")?.as_str()?,
                    m.get("readOnly").and_then(Value::as_bool) == Some(true),
                ))
            })
            .collect();
        for (i, v) in spec_raw
            .get("volumes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let Some(p) = v.pointer("/hostPath/path").and_then(Value::as_str) else {
                continue;
            };
            let name = v.get("name").and_then(Value::as_str).unwrap_or("");
            let uses: Vec<bool> = mounts.iter().filter(|m| m.0 == name).map(|m| m.1).collect();
            let read_only = !uses.is_empty() && uses.iter().all(|r| *r);
            if sensitive_host_path(p, read_only) {
                out.escape.push(EscapeCause {
                    path: base
                        .clone()
                        .key("volumes")
                        .index(i)
                        .key("hostPath")
                        .key("path"),
                    what: format!(
                        "hostPath {p}{} (volume \"{name}\")",
                        if read_only { " read-only" } else { "" }
                    ),
                    check: "hostPathVolumes",
                });
            }
        }
    }
    if failed("capabilities_baseline") {
        for field in containers {
            for (i, c) in spec_raw
                .get(field)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                for (j, cap) in c
                    .pointer("/securityContext/capabilities/add")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let Some(cap) = cap.as_str() else { continue };
                    let norm = cap.trim_start_matches("CAP_").to_ascii_uppercase();
                    if DANGEROUS_CAPS.contains(&norm.as_str()) {
                        out.escape.push(EscapeCause {
                            path: base
                                .clone()
                                .key(field)
                                .index(i)
                                .key("securityContext")
                                .key("capabilities")
                                .key("add")
                                .index(j),
                            what: format!(
                                "capability {cap} (container \"{}\")",
                                c.get("name").and_then(Value::as_str).unwrap_or("")
                            ),
                            check: "capabilities_baseline",
                        });
                    }
                }
            }
        }
    }
    out
}

/// Whether PodSecurity admission in a namespace at `policy` admits a pod
/// that is privileged (so creating pods there means node takeover).
pub fn admits_privileged(policy: &Policy, exempt: bool) -> bool {
    exempt || policy.enforce.level == Level::Privileged
}

#[cfg(test)]
mod tests {
    use super::sensitive_host_path;

    #[test]
    fn sensitive_paths() {
        for p in [
            "/",
            "/etc",
            "/etc/kubernetes",
            "/var",
            "/var/lib",
            "/var/run/docker.sock",
            "/run/containerd/containerd.sock",
            "/var/lib/kubelet/pki",
            "/proc",
        ] {
            assert!(sensitive_host_path(p, false), "{p}");
        }
        for p in ["/data", "/var/lib/app", "/opt/cache", "/mnt/disks/ssd0"] {
            assert!(!sensitive_host_path(p, false), "{p}");
        }
        assert!(sensitive_host_path("/var/log", false));
        assert!(!sensitive_host_path("/var/log", true));
        assert!(sensitive_host_path("/", true));
    }
}
