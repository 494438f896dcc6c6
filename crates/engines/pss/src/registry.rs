//! The check registry (`policy/registry.go`): which check functions run at each level and
//! version, in upstream's order, and the aggregation of their results (`policy/checks.go`).

use std::fmt::Write;
use std::sync::LazyLock;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::checks::{self as c, CheckFn, Features};
use crate::version::{Level, LevelVersion, NEWEST_MINOR};

/// One upstream check: its ID, level, versioned functions (by minimum minor version) and the
/// baseline checks it replaces when restricted is evaluated (`OverrideCheckIDs`).
struct CheckDef {
    id: &'static str,
    level: Level,
    versions: &'static [(u64, CheckFn)],
    overrides: Option<&'static str>,
}

const CHECKS: &[CheckDef] = &[
    CheckDef {
        id: "appArmorProfile",
        level: Level::Baseline,
        versions: &[(0, c::apparmor_profile_1_0)],
        overrides: None,
    },
    CheckDef {
        id: "capabilities_baseline",
        level: Level::Baseline,
        versions: &[(0, c::capabilities_baseline_1_0)],
        overrides: None,
    },
    CheckDef {
        id: "hostNamespaces",
        level: Level::Baseline,
        versions: &[(0, c::host_namespaces_1_0)],
        overrides: None,
    },
    CheckDef {
        id: "hostPathVolumes",
        level: Level::Baseline,
        versions: &[(0, c::host_path_volumes_1_0)],
        overrides: None,
    },
    CheckDef {
        id: "hostPorts",
        level: Level::Baseline,
        versions: &[(0, c::host_ports_1_0)],
        overrides: None,
    },
    CheckDef {
        id: "hostProbesAndHostLifecycle",
        level: Level::Baseline,
        versions: &[(34, c::host_probes_and_host_lifecycle_1_34)],
        overrides: None,
    },
    CheckDef {
        id: "privileged",
        level: Level::Baseline,
        versions: &[(0, c::privileged_1_0)],
        overrides: None,
    },
    CheckDef {
        id: "procMount",
        level: Level::Baseline,
        versions: &[(0, c::proc_mount_1_0), (35, c::proc_mount_1_35_baseline)],
        overrides: None,
    },
    CheckDef {
        id: "seLinuxOptions",
        level: Level::Baseline,
        versions: &[(0, c::selinux_options_1_0), (31, c::selinux_options_1_31)],
        overrides: None,
    },
    CheckDef {
        id: "seccompProfile_baseline",
        level: Level::Baseline,
        versions: &[
            (0, c::seccomp_profile_baseline_1_0),
            (19, c::seccomp_profile_baseline_1_19),
        ],
        overrides: None,
    },
    CheckDef {
        id: "sysctls",
        level: Level::Baseline,
        versions: &[
            (0, c::sysctls_1_0),
            (27, c::sysctls_1_27),
            (29, c::sysctls_1_29),
            (32, c::sysctls_1_32),
            (37, c::sysctls_1_37),
        ],
        overrides: None,
    },
    CheckDef {
        id: "windowsHostProcess",
        level: Level::Baseline,
        versions: &[(0, c::windows_host_process_1_0)],
        overrides: None,
    },
    CheckDef {
        id: "allowPrivilegeEscalation",
        level: Level::Restricted,
        versions: &[
            (8, c::allow_privilege_escalation_1_8),
            (25, c::allow_privilege_escalation_1_25),
        ],
        overrides: None,
    },
    CheckDef {
        id: "capabilities_restricted",
        level: Level::Restricted,
        versions: &[
            (22, c::capabilities_restricted_1_22),
            (25, c::capabilities_restricted_1_25),
        ],
        overrides: Some("capabilities_baseline"),
    },
    CheckDef {
        id: "procMount_restricted",
        level: Level::Restricted,
        versions: &[(35, c::proc_mount_1_0)],
        overrides: Some("procMount"),
    },
    CheckDef {
        id: "restrictedVolumes",
        level: Level::Restricted,
        versions: &[(0, c::restricted_volumes_1_0)],
        overrides: Some("hostPathVolumes"),
    },
    CheckDef {
        id: "runAsNonRoot",
        level: Level::Restricted,
        versions: &[(0, c::run_as_non_root_1_0), (35, c::run_as_non_root_1_35)],
        overrides: None,
    },
    CheckDef {
        id: "runAsUser",
        level: Level::Restricted,
        versions: &[(23, c::run_as_user_1_23), (35, c::run_as_user_1_35)],
        overrides: None,
    },
    CheckDef {
        id: "seccompProfile_restricted",
        level: Level::Restricted,
        versions: &[
            (19, c::seccomp_profile_restricted_1_19),
            (25, c::seccomp_profile_restricted_1_25),
        ],
        overrides: Some("seccompProfile_baseline"),
    },
];

/// The IDs of all upstream checks, baseline first, each group sorted — the order in which
/// upstream runs them and lists their failures.
pub fn check_ids() -> impl Iterator<Item = &'static str> {
    ORDER.iter().map(|&i| CHECKS[i].id)
}

/// Indices into `CHECKS`: baseline IDs sorted bytewise, then restricted IDs sorted.
static ORDER: LazyLock<Vec<usize>> = LazyLock::new(|| {
    let mut order: Vec<usize> = (0..CHECKS.len()).collect();
    order.sort_by_key(|&i| (CHECKS[i].level, CHECKS[i].id));
    order
});

#[derive(Clone, Copy)]
struct Entry {
    id: &'static str,
    f: CheckFn,
}

/// `[baseline, restricted][minor]` → checks to run, in order. Built once.
static TABLE: LazyLock<[Vec<Vec<Entry>>; 2]> = LazyLock::new(|| {
    let build = |level: Level| -> Vec<Vec<Entry>> {
        (0..=NEWEST_MINOR)
            .map(|minor| {
                let active = |def: &CheckDef| {
                    def.versions
                        .iter()
                        .rev()
                        .find(|(min, _)| *min <= minor)
                        .map(|&(_, f)| f)
                };
                let overridden = |id: &str| {
                    level == Level::Restricted
                        && CHECKS.iter().any(|d| {
                            d.level == Level::Restricted
                                && d.overrides == Some(id)
                                && active(d).is_some()
                        })
                };
                ORDER
                    .iter()
                    .map(|&i| &CHECKS[i])
                    .filter(|d| d.level <= level && !overridden(d.id))
                    .filter_map(|d| active(d).map(|f| Entry { id: d.id, f }))
                    .collect()
            })
            .collect()
    };
    [build(Level::Baseline), build(Level::Restricted)]
});

/// One failed check, in upstream's words.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Forbidden {
    /// Upstream check ID, e.g. `allowPrivilegeEscalation`, `capabilities_restricted`.
    pub check: &'static str,
    /// Short reason, e.g. `allowPrivilegeEscalation != false`.
    pub reason: &'static str,
    /// Specifics, e.g. `container "app" must set securityContext.allowPrivilegeEscalation=false`.
    pub detail: String,
}

/// The verdict for one pod at one level and version.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Evaluation {
    pub allowed: bool,
    /// Failed checks in upstream's order; empty when allowed.
    pub forbidden: Vec<Forbidden>,
}

impl Evaluation {
    /// Reasons joined with `, ` (upstream's `ForbiddenReason`, used for namespace warnings).
    pub fn forbidden_reason(&self) -> String {
        let reasons: Vec<&str> = self.forbidden.iter().map(|f| f.reason).collect();
        reasons.join(", ")
    }

    /// `reason (detail), reason (detail)` (upstream's `ForbiddenDetail`).
    pub fn forbidden_detail(&self) -> String {
        let mut out = String::new();
        for (i, f) in self.forbidden.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(f.reason);
            if !f.detail.is_empty() {
                let _ = write!(out, " ({})", f.detail);
            }
        }
        out
    }

    /// The admission denial text: `violates PodSecurity "restricted:v1.30": …`.
    /// Warnings and audit annotations use [`Evaluation::would_violate_message`].
    pub fn message(&self, lv: &LevelVersion) -> String {
        format!("violates PodSecurity \"{lv}\": {}", self.forbidden_detail())
    }

    /// The warning and audit-annotation text: `would violate PodSecurity "baseline:latest": …`.
    pub fn would_violate_message(&self, lv: &LevelVersion) -> String {
        format!(
            "would violate PodSecurity \"{lv}\": {}",
            self.forbidden_detail()
        )
    }
}

/// Evaluates pods as the PodSecurity admission of a cluster at a given Kubernetes version.
#[derive(Debug, Clone, Copy)]
pub struct Evaluator {
    cluster_minor: Option<u64>,
    features: Features,
}

impl Default for Evaluator {
    /// A cluster at the newest version this engine knows.
    fn default() -> Self {
        Evaluator::new(None)
    }
}

impl Evaluator {
    /// `cluster_minor` is the cluster's Kubernetes minor version (`Some(30)` for 1.30);
    /// `None` means the newest known. It decides what `latest` means, caps pinned versions,
    /// and enables behaviour upstream added to existing checks without a new policy version
    /// (image volumes from 1.33, AppArmor fields from 1.30).
    pub fn new(cluster_minor: Option<u64>) -> Self {
        let k = cluster_minor.unwrap_or(NEWEST_MINOR);
        Evaluator {
            cluster_minor,
            features: Features {
                image_volumes: k >= 33,
                apparmor_fields: k >= 30,
            },
        }
    }

    /// The cluster minor version this evaluator was built for (`None`: newest known).
    pub fn cluster_minor(&self) -> Option<u64> {
        self.cluster_minor
    }

    /// Runs the checks of `lv` on a pod (or pod template) — upstream's `EvaluatePod`
    /// followed by `AggregateCheckResults`.
    pub fn evaluate(&self, lv: LevelVersion, meta: &ObjectMeta, spec: &PodSpec) -> Evaluation {
        let level = match lv.level {
            Level::Privileged => return Evaluation::allowed(),
            Level::Baseline => 0,
            Level::Restricted => 1,
        };
        let minor = lv.version.resolve(self.cluster_minor);
        // `resolve` never exceeds NEWEST_MINOR, so the index is in range.
        let Some(entries) = TABLE[level].get(minor as usize) else {
            return Evaluation::allowed();
        };
        let mut forbidden = Vec::new();
        for e in entries {
            if let Some(v) = (e.f)(&self.features, meta, spec) {
                forbidden.push(Forbidden {
                    check: e.id,
                    reason: v.reason,
                    detail: v.detail,
                });
            }
        }
        Evaluation {
            allowed: forbidden.is_empty(),
            forbidden,
        }
    }
}

impl Evaluation {
    fn allowed() -> Self {
        Evaluation {
            allowed: true,
            forbidden: Vec::new(),
        }
    }
}

/// [`Evaluator::evaluate`] for a cluster at the newest known version.
pub fn evaluate(lv: LevelVersion, meta: &ObjectMeta, spec: &PodSpec) -> Evaluation {
    Evaluator::default().evaluate(lv, meta, spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(level: usize, minor: usize) -> Vec<&'static str> {
        TABLE[level][minor].iter().map(|e| e.id).collect()
    }

    #[test]
    fn registry_counts_and_overrides() {
        assert_eq!(CHECKS.len(), 19);
        // 12 baseline checks at 1.37 (hostProbesAndHostLifecycle exists from 1.34).
        assert_eq!(ids(0, 37).len(), 12);
        assert_eq!(ids(0, 33).len(), 11);
        // restricted 1.37: 12 baseline - 4 overridden + 7 restricted.
        let r = ids(1, 37);
        assert_eq!(r.len(), 15);
        for gone in [
            "hostPathVolumes",
            "capabilities_baseline",
            "seccompProfile_baseline",
            "procMount",
        ] {
            assert!(
                !r.contains(&gone),
                "{gone} must be overridden at restricted"
            );
        }
        // Before 1.35, baseline procMount still runs at restricted.
        assert!(ids(1, 34).contains(&"procMount"));
        // Before 1.22 and 1.19, the baseline capabilities and seccomp checks still run.
        assert!(ids(1, 21).contains(&"capabilities_baseline"));
        assert!(ids(1, 18).contains(&"seccompProfile_baseline"));
        assert!(!ids(1, 19).contains(&"seccompProfile_baseline"));
        // allowPrivilegeEscalation starts at 1.8, runAsUser at 1.23.
        assert!(!ids(1, 7).contains(&"allowPrivilegeEscalation"));
        assert!(ids(1, 8).contains(&"allowPrivilegeEscalation"));
        assert!(!ids(1, 22).contains(&"runAsUser"));
        assert!(ids(1, 23).contains(&"runAsUser"));
    }

    #[test]
    fn order_is_baseline_sorted_then_restricted_sorted() {
        let r = ids(1, 37);
        assert_eq!(
            r,
            [
                "appArmorProfile",
                "hostNamespaces",
                "hostPorts",
                "hostProbesAndHostLifecycle",
                "privileged",
                "seLinuxOptions",
                "sysctls",
                "windowsHostProcess",
                "allowPrivilegeEscalation",
                "capabilities_restricted",
                "procMount_restricted",
                "restrictedVolumes",
                "runAsNonRoot",
                "runAsUser",
                "seccompProfile_restricted",
            ]
        );
    }
}
