//! Compliance frameworks as data, and how a scan's results answer them.
//!
//! Each framework is a JSON file under `data/` (embedded at build time, parsed
//! once): a list of requirements, each naming the eksguard controls whose
//! results decide it or serve as its evidence. Shipped, in this order:
//!
//! - `cis-eks-1.8`: CIS Amazon EKS Benchmark v1.8.0, every recommendation
//!   (the alias `cis-eks` resolves to the newest CIS version shipped);
//! - `nsa-cisa-1.2`: NSA/CISA Kubernetes Hardening Guide v1.2;
//! - `eks-best-practices`: the security section of the Amazon EKS Best
//!   Practices Guide.
//!
//! # Modes
//!
//! - `automated`: the listed controls check exactly what the requirement
//!   asks, so their results decide it.
//! - `manual`: a person has to judge; the listed controls' results are shown
//!   as evidence and `evidence` says what else to check.
//! - `aws-managed`: under EKS Auto Mode AWS owns it (worker node and control
//!   plane configuration); the listed controls (`AUTO-003`, "nodes are
//!   managed by Auto Mode", and sometimes what can undo AWS's work) show
//!   whether that holds for this cluster.
//!
//! # Status of a requirement ([`evaluate`])
//!
//! - automated: any `fail` among its controls' results → `fail`; else any
//!   `not_checked` → `not_checked`; else any `pass` → `pass`; else (no result,
//!   or all `not_applicable`) → `not_applicable`. A suppressed failure is an
//!   accepted risk, not a fix: it still makes the requirement `fail`, and
//!   [`RequirementResult::suppressed`] counts them so reports can say so.
//! - manual → `manual`, whatever the results.
//! - aws-managed: any `fail` (suppressed or not) → `manual` (e.g. the cluster
//!   is not on Auto Mode, so the customer must check it by hand); else any
//!   `pass` → `aws_managed`; else → `not_checked` (no evidence).
//!
//! # Score
//!
//! Automated requirements that pass, over automated requirements whose
//! status is `pass`, `fail` or `not_checked`: a check that could not run
//! counts against the score, one that does not apply does not count.
//! Manual and AWS-managed requirements never count. The percentage has one
//! decimal and is `null` when nothing counts.
//!
//! The crate does no I/O and does not depend on eksguard-core: callers map
//! their results to [`ResultView`]s.

use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// The embedded data files, in the order [`all`] returns them.
const SOURCES: [(&str, &str); 3] = [
    ("cis-eks-1.8.json", include_str!("../data/cis-eks-1.8.json")),
    (
        "nsa-cisa-1.2.json",
        include_str!("../data/nsa-cisa-1.2.json"),
    ),
    (
        "eks-best-practices.json",
        include_str!("../data/eks-best-practices.json"),
    ),
];

/// Resolves to the newest CIS Amazon EKS Benchmark shipped.
pub const CIS_EKS_ALIAS: &str = "cis-eks";

/// Result indices listed per requirement; the rest are only counted
/// ([`RequirementResult::more`]) so a big scan does not bloat the report.
pub const MAX_RESULTS: usize = 50;

/// A compliance framework.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Framework {
    pub id: String,
    pub name: String,
    pub version: String,
    pub url: String,
    pub requirements: Vec<Requirement>,
}

/// One requirement (recommendation, control) of a framework.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    pub id: String,
    pub title: String,
    pub section: String,
    pub mode: Mode,
    /// eksguard control IDs that decide it (automated) or give evidence.
    #[serde(default)]
    pub controls: Vec<String>,
    /// What eksguard gathers and what a person must check (manual), or why
    /// AWS owns it (aws-managed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

/// How a requirement is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    Automated,
    Manual,
    AwsManaged,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::Automated, Mode::Manual, Mode::AwsManaged];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Automated => "automated",
            Mode::Manual => "manual",
            Mode::AwsManaged => "aws-managed",
        }
    }
}

/// The file format: the framework plus a `//` comment (the data's source),
/// which is dropped.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFramework {
    #[serde(rename = "//", default)]
    _comment: Vec<String>,
    id: String,
    name: String,
    version: String,
    url: String,
    requirements: Vec<Requirement>,
}

impl Framework {
    /// Parses one data file.
    pub fn from_json(json: &str) -> Result<Framework, serde_json::Error> {
        let raw: RawFramework = serde_json::from_str(json)?;
        Ok(Framework {
            id: raw.id,
            name: raw.name,
            version: raw.version,
            url: raw.url,
            requirements: raw.requirements,
        })
    }

    /// A requirement by ID (exact).
    pub fn requirement(&self, id: &str) -> Option<&Requirement> {
        self.requirements.iter().find(|r| r.id == id)
    }
}

/// Every framework, parsed once, in a fixed order: CIS, NSA/CISA, EKS Best
/// Practices.
pub fn all() -> &'static [Framework] {
    static ALL: OnceLock<Vec<Framework>> = OnceLock::new();
    ALL.get_or_init(|| {
        SOURCES
            .iter()
            .map(|(file, json)| {
                // The data is embedded and tested: a parse error is a build defect.
                Framework::from_json(json)
                    .unwrap_or_else(|e| panic!("embedded framework data/{file} is invalid: {e}"))
            })
            .collect()
    })
}

/// A framework by ID, case-insensitive; `cis-eks` is the newest CIS version.
pub fn by_id(id: &str) -> Option<&'static Framework> {
    let all = all();
    if id.eq_ignore_ascii_case(CIS_EKS_ALIAS) {
        return all
            .iter()
            .filter(|f| f.id.starts_with("cis-eks-"))
            .max_by_key(|f| version_key(&f.version));
    }
    all.iter().find(|f| f.id.eq_ignore_ascii_case(id))
}

/// `1.8.0` → `[1, 8, 0]`, so `1.10` sorts after `1.9`.
fn version_key(version: &str) -> Vec<u64> {
    version.split('.').map(|p| p.parse().unwrap_or(0)).collect()
}

/// Every requirement, in every framework, that names this control (e.g. for
/// SARIF rule tags). Control IDs compare case-insensitively.
pub fn requirements_for_control(control: &str) -> Vec<(&'static Framework, &'static Requirement)> {
    all()
        .iter()
        .flat_map(|f| {
            f.requirements
                .iter()
                .filter(|r| r.controls.iter().any(|c| c.eq_ignore_ascii_case(control)))
                .map(move |r| (f, r))
        })
        .collect()
}

/// The outcome of one control on one subject, as the caller's results say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReqInput {
    Pass,
    Fail,
    NotChecked,
    NotApplicable,
}

/// One scan result, reduced to what the evaluation reads. `index` is the
/// caller's position of the result, echoed back in
/// [`RequirementResult::results`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultView<'a> {
    pub index: usize,
    /// The control ID, exactly as in the catalog (`NET-001`).
    pub control: &'a str,
    pub status: ReqInput,
    /// An exception in `eksguard.yaml` accepted this failure.
    pub suppressed: bool,
}

/// The status of a requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReqStatus {
    Pass,
    Fail,
    Manual,
    AwsManaged,
    NotChecked,
    NotApplicable,
}

impl ReqStatus {
    pub const ALL: [ReqStatus; 6] = [
        ReqStatus::Pass,
        ReqStatus::Fail,
        ReqStatus::Manual,
        ReqStatus::AwsManaged,
        ReqStatus::NotChecked,
        ReqStatus::NotApplicable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReqStatus::Pass => "pass",
            ReqStatus::Fail => "fail",
            ReqStatus::Manual => "manual",
            ReqStatus::AwsManaged => "aws_managed",
            ReqStatus::NotChecked => "not_checked",
            ReqStatus::NotApplicable => "not_applicable",
        }
    }
}

/// A framework answered by one scan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrameworkResult {
    pub id: String,
    pub name: String,
    pub version: String,
    pub url: String,
    pub score: Score,
    pub counts: Counts,
    pub requirements: Vec<RequirementResult>,
}

/// Automated requirements passed over those that count (see the crate doc).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Score {
    pub passed: usize,
    pub total: usize,
    /// 0–100 with one decimal; `None` (JSON `null`) when `total` is 0.
    pub percent: Option<f64>,
}

/// Requirements per status; every status is present, so the JSON shape is
/// stable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub pass: usize,
    pub fail: usize,
    pub manual: usize,
    pub aws_managed: usize,
    pub not_checked: usize,
    pub not_applicable: usize,
}

impl Counts {
    pub fn get(&self, status: ReqStatus) -> usize {
        match status {
            ReqStatus::Pass => self.pass,
            ReqStatus::Fail => self.fail,
            ReqStatus::Manual => self.manual,
            ReqStatus::AwsManaged => self.aws_managed,
            ReqStatus::NotChecked => self.not_checked,
            ReqStatus::NotApplicable => self.not_applicable,
        }
    }

    fn add(&mut self, status: ReqStatus) {
        *match status {
            ReqStatus::Pass => &mut self.pass,
            ReqStatus::Fail => &mut self.fail,
            ReqStatus::Manual => &mut self.manual,
            ReqStatus::AwsManaged => &mut self.aws_managed,
            ReqStatus::NotChecked => &mut self.not_checked,
            ReqStatus::NotApplicable => &mut self.not_applicable,
        } += 1;
    }
}

/// One requirement answered by one scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequirementResult {
    pub id: String,
    pub title: String,
    pub section: String,
    pub mode: Mode,
    pub status: ReqStatus,
    pub controls: Vec<String>,
    /// Indices of the results behind it: unsuppressed failures first, then
    /// suppressed ones, not checked, passed, not applicable; input order
    /// within each. At most [`MAX_RESULTS`].
    pub results: Vec<usize>,
    /// Results left out of `results`.
    pub more: usize,
    /// Suppressed failures among the results: accepted risks that keep an
    /// automated requirement failing.
    pub suppressed: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

/// A result as the evaluation keeps it.
#[derive(Debug, Clone, Copy)]
struct Entry {
    index: usize,
    status: ReqInput,
    suppressed: bool,
}

impl Entry {
    /// Listing order: what needs attention first.
    fn rank(&self) -> u8 {
        match (self.status, self.suppressed) {
            (ReqInput::Fail, false) => 0,
            (ReqInput::Fail, true) => 1,
            (ReqInput::NotChecked, _) => 2,
            (ReqInput::Pass, _) => 3,
            (ReqInput::NotApplicable, _) => 4,
        }
    }
}

/// Answers a framework from a scan's results (see the crate doc for the
/// rules). Results of controls the framework does not name are ignored.
pub fn evaluate<'a>(
    fw: &Framework,
    results: impl IntoIterator<Item = ResultView<'a>>,
) -> FrameworkResult {
    // Keyed by the framework's own strings, so the output does not borrow
    // the caller's results.
    let named: HashSet<&str> = fw
        .requirements
        .iter()
        .flat_map(|r| r.controls.iter().map(String::as_str))
        .collect();
    let mut by_control: HashMap<&str, Vec<Entry>> = HashMap::new();
    for view in results {
        if let Some(&control) = named.get(view.control) {
            by_control.entry(control).or_default().push(Entry {
                index: view.index,
                status: view.status,
                suppressed: view.suppressed,
            });
        }
    }

    let mut counts = Counts::default();
    let (mut passed, mut total) = (0, 0);
    let requirements = fw
        .requirements
        .iter()
        .map(|req| {
            let mut entries: Vec<Entry> = req
                .controls
                .iter()
                .filter_map(|c| by_control.get(c.as_str()))
                .flatten()
                .copied()
                .collect();
            let status = requirement_status(req.mode, &entries);
            counts.add(status);
            if req.mode == Mode::Automated {
                match status {
                    ReqStatus::Pass => {
                        passed += 1;
                        total += 1;
                    }
                    ReqStatus::Fail | ReqStatus::NotChecked => total += 1,
                    _ => {}
                }
            }
            entries.sort_by_key(|e| (e.rank(), e.index));
            let suppressed = entries
                .iter()
                .filter(|e| e.status == ReqInput::Fail && e.suppressed)
                .count();
            let more = entries.len().saturating_sub(MAX_RESULTS);
            RequirementResult {
                id: req.id.clone(),
                title: req.title.clone(),
                section: req.section.clone(),
                mode: req.mode,
                status,
                controls: req.controls.clone(),
                results: entries.iter().take(MAX_RESULTS).map(|e| e.index).collect(),
                more,
                suppressed,
                evidence: req.evidence.clone(),
            }
        })
        .collect();

    FrameworkResult {
        id: fw.id.clone(),
        name: fw.name.clone(),
        version: fw.version.clone(),
        url: fw.url.clone(),
        score: score(passed, total),
        counts,
        requirements,
    }
}

fn requirement_status(mode: Mode, entries: &[Entry]) -> ReqStatus {
    let any = |s: ReqInput| entries.iter().any(|e| e.status == s);
    match mode {
        Mode::Manual => ReqStatus::Manual,
        Mode::Automated if any(ReqInput::Fail) => ReqStatus::Fail,
        Mode::Automated if any(ReqInput::NotChecked) => ReqStatus::NotChecked,
        Mode::Automated if any(ReqInput::Pass) => ReqStatus::Pass,
        Mode::Automated => ReqStatus::NotApplicable,
        // A failing evidence control means AWS's guarantee does not hold here.
        Mode::AwsManaged if any(ReqInput::Fail) => ReqStatus::Manual,
        Mode::AwsManaged if any(ReqInput::Pass) => ReqStatus::AwsManaged,
        Mode::AwsManaged => ReqStatus::NotChecked,
    }
}

/// The score; `percent` rounded to one decimal.
pub fn score(passed: usize, total: usize) -> Score {
    let percent = (total > 0).then(|| (passed as f64 * 1000.0 / total as f64).round() / 10.0);
    Score {
        passed,
        total,
        percent,
    }
}
