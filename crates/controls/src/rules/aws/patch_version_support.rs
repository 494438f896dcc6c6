use super::{cluster, days, report_cluster};
use crate::NEEDS_CLUSTER;
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Need;
use eksguard_core::{Inventory, JsonPath};

/// The Amazon EKS Kubernetes release calendar: (minor, end of standard
/// support, end of extended support). Source: EKS User Guide, "Understand
/// the Kubernetes version lifecycle on EKS", release calendar as published
/// on 2026-04-24 (standard support: 14 months from EKS release; extended
/// support: 12 months after that). Versions newer than the last row are
/// treated as in standard support.
pub(crate) const EKS_CALENDAR: &[(u64, &str, &str)] = &[
    (28, "2024-11-26", "2025-11-26"),
    (29, "2025-03-23", "2026-03-23"),
    (30, "2025-07-23", "2026-07-23"),
    (31, "2025-11-26", "2026-11-26"),
    (32, "2026-03-23", "2027-03-23"),
    (33, "2026-07-29", "2027-07-29"),
    (34, "2026-12-02", "2027-12-02"),
    (35, "2027-03-27", "2028-03-27"),
];

/// How early to warn before standard support ends.
const WARN_DAYS: i64 = 90;

control! {
    /// ## What it checks
    /// The EKS cluster's Kubernetes `version` against the EKS release
    /// calendar kept in eksguard (source date in the code), at the scan date
    /// (`--now` overrides it): reported when standard support has ended,
    /// or ends within 90 days.
    ///
    /// ## Why it matters
    /// AWS patches the control plane and Auto Mode node images only for
    /// supported versions. Past standard support a cluster runs on paid
    /// extended support (if `upgradePolicy.supportType` is `EXTENDED`) or
    /// is upgraded by AWS on its own schedule; past extended support it is
    /// force-upgraded. Either way the upgrade happens under pressure instead
    /// of being planned, and the Kubernetes minor no longer receives
    /// upstream security fixes.
    ///
    /// ## Example
    /// ```json
    /// "version": "1.31"
    /// ```
    ///
    /// ## Fix
    /// Plan and run the upgrade (`aws eks update-cluster-version --name C
    /// --kubernetes-version 1.N+1`), one minor at a time, after checking
    /// deprecated APIs and add-on compatibility.
    ///
    /// ## References
    /// - EKS User Guide, "Understand the Kubernetes version lifecycle on EKS" (release calendar)
    /// - EKS Best Practices Guide, Cluster Upgrades
    /// - https://kubernetes.io/releases/patch-releases/
    pub struct VersionSupport {
        id: "PATCH-001",
        name: "eks-version-out-of-standard-support",
        title: "EKS Kubernetes version out of (or about to leave) standard support",
        severity: High,
        pillar: PatchingVulnerabilities,
        responsibility: Customer,
    }
}

impl Control for VersionSupport {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        NEEDS_CLUSTER
    }

    fn subjects(&self) -> Subjects {
        Subjects::Cluster
    }

    fn check_inventory(&self, inv: &Inventory, _ctx: &Context, out: &mut Sink) {
        let Some((facts, c)) = cluster(inv) else {
            return;
        };
        let Some(version) = c.version.as_deref() else {
            return;
        };
        let Some(minor) = version
            .strip_prefix("1.")
            .and_then(|m| m.split('.').next())
            .and_then(|m| m.parse::<u64>().ok())
        else {
            return;
        };
        let today = facts
            .as_of
            .clone()
            .unwrap_or_else(|| crate::config::Date::today().to_string());
        let Some(now) = days(&today) else { return };
        let (first, ..) = EKS_CALENDAR[0];
        let row = EKS_CALENDAR.iter().find(|(m, ..)| *m == minor);
        let message = match row {
            None if minor < first => format!(
                "cluster {}: Kubernetes {version} is older than every version EKS still supports",
                c.name
            ),
            None => return,
            Some((_, std_end, ext_end)) => {
                let (Some(std), Some(ext)) = (days(std_end), days(ext_end)) else {
                    return;
                };
                if now >= ext {
                    format!(
                        "cluster {}: Kubernetes {version} is past the end of extended support ({ext_end}) on {today}: AWS upgrades it automatically",
                        c.name
                    )
                } else if now >= std {
                    format!(
                        "cluster {}: Kubernetes {version} left standard support on {std_end}; on {today} it runs on extended support, which ends {ext_end}",
                        c.name
                    )
                } else if std - now <= WARN_DAYS {
                    format!(
                        "cluster {}: Kubernetes {version} leaves standard support on {std_end}, {} days after {today}",
                        c.name,
                        std - now
                    )
                } else {
                    return;
                }
            }
        };
        report_cluster(
            out,
            &Self::META,
            facts,
            c,
            JsonPath::keys(&["version"]),
            message,
            "Upgrade the cluster one minor version at a time (aws eks update-cluster-version) after checking deprecated APIs and add-ons.",
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn calendar_is_sorted_and_extended_support_is_twelve_months_later() {
        for w in super::EKS_CALENDAR.windows(2) {
            assert_eq!(w[0].0 + 1, w[1].0);
            assert!(w[0].1 < w[1].1);
        }
        for (_, std, ext) in super::EKS_CALENDAR {
            let next_year: i32 = std[..4].parse::<i32>().unwrap() + 1;
            assert_eq!(*ext, format!("{next_year}{}", &std[4..]));
        }
    }
}
