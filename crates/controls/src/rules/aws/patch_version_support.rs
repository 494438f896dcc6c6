use super::{cluster, days, report_cluster};
use crate::NEEDS_CLUSTER;
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Need;
use eksguard_core::{Inventory, JsonPath};

/// The Amazon EKS Kubernetes release calendar: (minor, end of standard
/// support, end of extended support). Source: EKS User Guide, "Understand
/// the Kubernetes version lifecycle on EKS", release calendar as published
/// on [`CALENDAR_AS_OF`] (standard support: 14 months from EKS release;
/// extended support: 12 months after that). Only a fallback: a live scan
/// reads the calendar from `eks:DescribeClusterVersions`. A version newer
/// than the last row is reported as unknown (the table is out of date),
/// never passed.
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

/// When [`EKS_CALENDAR`] was copied from the EKS User Guide.
pub(crate) const CALENDAR_AS_OF: &str = "2026-04-24";

/// How early to warn before standard support ends.
const WARN_DAYS: i64 = 90;

control! {
    /// ## What it checks
    /// The EKS cluster's Kubernetes `version` against the EKS release
    /// calendar, at the scan date (`--now` overrides it): reported when
    /// standard support has ended, or ends within 90 days. The calendar is
    /// the one EKS itself reports (`eks:DescribeClusterVersions`: the end of
    /// standard and extended support of each version); when that was not
    /// read (an older snapshot, a denied call) eksguard's built-in copy is
    /// used, and the message says so and how old it is. A version the
    /// calendar does not know (newer than its last row) is reported as
    /// unknown, never passed.
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
        // The API calendar is optional: without it the built-in one is used.
        NEEDS_CLUSTER
    }

    fn subjects(&self) -> Subjects {
        Subjects::Cluster
    }

    /// Cost: O(1) in objects: reads the AWS facts (inventory lookups are
    /// O(1)).
    fn check_inventory(&self, inv: &Inventory, _ctx: &Context, out: &mut Sink) {
        let Some((facts, c)) = cluster(inv) else {
            return;
        };
        let Some(version) = c.version.as_deref() else {
            return;
        };
        let Some(minor) = minor_of(version) else {
            return;
        };
        let today = facts
            .as_of
            .clone()
            .unwrap_or_else(|| crate::config::Date::today().to_string());
        let Some(now) = days(&today) else { return };
        let calendar = Calendar::of(facts);
        let message = match calendar.row(minor) {
            None if calendar.first().is_some_and(|f| minor < f) => format!(
                "cluster {}: Kubernetes {version} is older than every version EKS still supports ({})",
                c.name,
                calendar.source()
            ),
            None => format!(
                "cluster {}: Kubernetes {version} is an unknown version: {}; its end of support could not be checked",
                c.name,
                calendar.unknown(minor)
            ),
            Some((std_end, ext_end)) => {
                let (Some(std), Some(ext)) = (days(&std_end), days(&ext_end)) else {
                    return;
                };
                let text = if now >= ext {
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
                };
                format!("{text} ({})", calendar.source())
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

/// The release calendar a scan uses: EKS's own, or the built-in fallback.
enum Calendar<'a> {
    Api(&'a [eksguard_core::aws::Sourced<eksguard_core::aws::ClusterVersionInfo>]),
    BuiltIn,
}

impl<'a> Calendar<'a> {
    fn of(facts: &'a eksguard_core::aws::AwsFacts) -> Calendar<'a> {
        if facts.cluster_versions.is_empty() {
            Calendar::BuiltIn
        } else {
            Calendar::Api(&facts.cluster_versions)
        }
    }

    fn minors(&self) -> Vec<u64> {
        match self {
            Calendar::Api(rows) => rows
                .iter()
                .filter_map(|r| minor_of(&r.cluster_version))
                .collect(),
            Calendar::BuiltIn => EKS_CALENDAR.iter().map(|r| r.0).collect(),
        }
    }

    fn first(&self) -> Option<u64> {
        self.minors().into_iter().min()
    }

    /// (end of standard support, end of extended support), as days.
    fn row(&self, minor: u64) -> Option<(String, String)> {
        match self {
            Calendar::Api(rows) => {
                let r = rows
                    .iter()
                    .find(|r| minor_of(&r.cluster_version) == Some(minor))?;
                let day =
                    |d: &Option<String>| d.as_deref().and_then(|d| d.get(..10)).map(str::to_owned);
                Some((
                    day(&r.end_of_standard_support_date)?,
                    day(&r.end_of_extended_support_date)?,
                ))
            }
            Calendar::BuiltIn => EKS_CALENDAR
                .iter()
                .find(|(m, ..)| *m == minor)
                .map(|(_, s, e)| ((*s).to_owned(), (*e).to_owned())),
        }
    }

    fn source(&self) -> String {
        match self {
            Calendar::Api(_) => "EKS release calendar from eks:DescribeClusterVersions".to_owned(),
            Calendar::BuiltIn => format!(
                "eksguard's built-in EKS release calendar of {CALENDAR_AS_OF}: eks:DescribeClusterVersions was not read"
            ),
        }
    }

    /// Why a version newer than the calendar is unknown.
    fn unknown(&self, minor: u64) -> String {
        let last = self.minors().into_iter().max().unwrap_or(0);
        match self {
            Calendar::Api(_) => format!(
                "EKS's calendar (eks:DescribeClusterVersions) lists versions up to 1.{last}, not 1.{minor}"
            ),
            Calendar::BuiltIn => format!(
                "eksguard's built-in EKS release calendar (of {CALENDAR_AS_OF}) ends at 1.{last} and is out of date; allow eks:DescribeClusterVersions so the scan reads EKS's own calendar, or update eksguard"
            ),
        }
    }
}

/// `1.31` (or `1.31.2`) → 31.
fn minor_of(version: &str) -> Option<u64> {
    version
        .strip_prefix("1.")
        .and_then(|m| m.split('.').next())
        .and_then(|m| m.parse::<u64>().ok())
}

#[cfg(test)]
mod tests {
    use crate::{Config, Context, Control, Sink};
    use eksguard_core::aws::{AwsFacts, AwsSource, ClusterVersionInfo, Sourced};
    use eksguard_core::{Inventory, JsonPath};

    fn sourced<T>(item: T) -> Sourced<T> {
        Sourced {
            item,
            source: AwsSource {
                origin: "test".into(),
                path: JsonPath::root(),
            },
        }
    }

    fn messages(version: &str, calendar: &[(&str, &str, &str)], today: &str) -> Vec<String> {
        let cluster = serde_json::from_value(serde_json::json!({
            "name": "c", "arn": "arn:aws:eks:eu-west-1:111122223333:cluster/c", "version": version
        }))
        .unwrap();
        let facts = AwsFacts {
            cluster: Some(sourced(cluster)),
            as_of: Some(today.into()),
            cluster_versions: calendar
                .iter()
                .map(|(v, s, e)| {
                    sourced(ClusterVersionInfo {
                        cluster_version: (*v).into(),
                        end_of_standard_support_date: Some(format!("{s}T00:00:00Z")),
                        end_of_extended_support_date: Some(format!("{e}T00:00:00Z")),
                        ..Default::default()
                    })
                })
                .collect(),
            ..Default::default()
        };
        let mut inv = Inventory::new(Vec::new());
        inv.aws = Some(facts);
        let config = Config::default();
        let mut sink = Sink::new();
        super::VersionSupport.check_inventory(&inv, &Context::new(&config), &mut sink);
        sink.into_findings()
            .into_iter()
            .map(|f| f.message)
            .collect()
    }

    #[test]
    fn a_minor_newer_than_the_built_in_calendar_is_unknown_not_passed() {
        assert_eq!(
            messages("1.36", &[], "2026-06-01"),
            [
                "cluster c: Kubernetes 1.36 is an unknown version: eksguard's built-in EKS release calendar (of 2026-04-24) ends at 1.35 and is out of date; allow eks:DescribeClusterVersions so the scan reads EKS's own calendar, or update eksguard; its end of support could not be checked"
            ]
        );
    }

    #[test]
    fn the_calendar_eks_reports_wins_over_the_built_in_one() {
        // EKS's own dates for 1.36: past standard support on the scan date.
        assert_eq!(
            messages(
                "1.36",
                &[
                    ("1.35", "2027-03-27", "2028-03-27"),
                    ("1.36", "2027-06-01", "2028-06-01")
                ],
                "2027-07-01"
            ),
            [
                "cluster c: Kubernetes 1.36 left standard support on 2027-06-01; on 2027-07-01 it runs on extended support, which ends 2028-06-01 (EKS release calendar from eks:DescribeClusterVersions)"
            ]
        );
        assert!(
            messages(
                "1.35",
                &[("1.35", "2027-03-27", "2028-03-27")],
                "2026-06-01"
            )
            .is_empty()
        );
        assert_eq!(
            messages(
                "1.37",
                &[("1.35", "2027-03-27", "2028-03-27")],
                "2026-06-01"
            ),
            [
                "cluster c: Kubernetes 1.37 is an unknown version: EKS's calendar (eks:DescribeClusterVersions) lists versions up to 1.35, not 1.37; its end of support could not be checked"
            ]
        );
    }

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
