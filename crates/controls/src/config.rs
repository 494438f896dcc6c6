//! `eksguard.yaml`: allow-lists, disabled controls and exceptions.
//!
//! ```yaml
//! fail_on: high                     # default for --fail-on
//! allow_partial: false              # true: a scan some of whose inputs could not be collected exits 0/1, not 2
//! frameworks: [cis-eks]             # default for --framework (all when absent)
//! images:
//!   allowed_registries:             # IMG-003; entries without `/` match the registry host
//!     - "123456789012.dkr.ecr.*.amazonaws.com"
//!     - "public.ecr.aws/eks-distro"  # entries with `/` match a repository prefix
//! controls:
//!   disable: [IAM-004]
//! exceptions:
//!   - control: IMG-001              # an ID, or a glob such as "IMG-*"
//!     namespace: "legacy-*"          # globs; omitted means any
//!     kind: Deployment
//!     name: "*"
//!     reason: "vendor images are pinned by tag upstream"
//!     expires: 2026-12-31            # optional; after it the finding counts again
//! ```

use eksguard_core::{Finding, Suppression};
use globset::{Glob, GlobBuilder, GlobMatcher};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub fail_on: Option<eksguard_core::Severity>,
    /// Accept a partial scan: controls whose input could not be collected
    /// are still reported not checked, but do not make the exit code 2.
    #[serde(default)]
    pub allow_partial: bool,
    /// Frameworks to map results onto (IDs as `eksguard frameworks` lists).
    #[serde(default)]
    pub frameworks: Option<Vec<String>>,
    #[serde(default)]
    pub images: ImagesConfig,
    #[serde(default)]
    pub controls: ControlsConfig,
    #[serde(default)]
    pub exceptions: Vec<Exception>,
    #[serde(default)]
    pub pss: PssConfig,
    /// Sections read by other surfaces (`netpol`, `audit`, `webhook`, `aws`),
    /// kept raw so each engine owns its own schema.
    #[serde(default)]
    pub netpol: Option<serde_json::Value>,
    #[serde(default)]
    pub audit: Option<serde_json::Value>,
    #[serde(default)]
    pub webhook: Option<serde_json::Value>,
    #[serde(default)]
    pub aws: Option<serde_json::Value>,
    #[serde(skip)]
    compiled: Compiled,
}

#[derive(Debug, Default)]
struct Compiled {
    registries: Vec<(bool, GlobMatcher)>,
    exceptions: Vec<CompiledException>,
    /// `pss.defaults` parsed; privileged (upstream's default) until compiled.
    pss_defaults: eksguard_pss::Policy,
    gate: eksguard_images::Gate,
}

#[derive(Debug)]
struct CompiledException {
    control: GlobMatcher,
    namespace: Option<GlobMatcher>,
    kind: Option<GlobMatcher>,
    name: Option<GlobMatcher>,
}

/// Pod Security admission settings, as in the API server's
/// `PodSecurityConfiguration`: defaults for namespaces without labels and
/// exemptions.
///
/// ```yaml
/// pss:
///   defaults: {enforce: baseline, enforce-version: latest}
///   exemptions: {namespaces: [kube-system], runtime_classes: [], usernames: []}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PssConfig {
    /// Label-style defaults (`enforce`, `enforce-version`, `audit`, …).
    #[serde(default)]
    pub defaults: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub exemptions: PssExemptions,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PssExemptions {
    #[serde(default)]
    pub namespaces: Vec<String>,
    #[serde(default)]
    pub runtime_classes: Vec<String>,
    #[serde(default)]
    pub usernames: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImagesConfig {
    #[serde(default)]
    pub allowed_registries: Vec<String>,
    /// The vulnerability gate (IMG-010, `eksguard images gate`).
    #[serde(default)]
    pub vulnerabilities: VulnerabilityConfig,
}

/// ```yaml
/// images:
///   vulnerabilities:
///     fail_on: high            # critical | high | medium | low | negligible
///     ignore_unfixed: false    # skip vulnerabilities no version fixes
///     ignore:
///       - id: CVE-2024-6387
///         images: "docker.io/library/nginx"   # optional glob on registry/repository
///         reason: "sshd is not started in this image"
///         expires: 2026-12-31                 # optional
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VulnerabilityConfig {
    #[serde(default)]
    pub fail_on: Option<String>,
    #[serde(default)]
    pub ignore_unfixed: bool,
    #[serde(default)]
    pub ignore: Vec<VulnerabilityIgnore>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VulnerabilityIgnore {
    pub id: String,
    #[serde(default)]
    pub images: Option<String>,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub expires: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlsConfig {
    #[serde(default)]
    pub disable: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exception {
    pub control: String,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    pub reason: String,
    /// `YYYY-MM-DD`; the exception stops applying after this day.
    #[serde(default)]
    pub expires: Option<String>,
    /// 1-based line of the exception in the config file, for reports.
    #[serde(skip)]
    pub line: u32,
}

fn glob(pattern: &str, literal_separator: bool) -> Result<GlobMatcher, String> {
    GlobBuilder::new(pattern)
        .literal_separator(literal_separator)
        .build()
        .map(|g: Glob| g.compile_matcher())
        .map_err(|e| format!("invalid glob `{pattern}`: {e}"))
}

impl Config {
    /// Validates and compiles globs and dates; returns the errors found, each
    /// naming the offending entry.
    pub fn compile(&mut self) -> Vec<String> {
        let mut errors = Vec::new();
        // Upstream's PodSecurityConfiguration rejects invalid defaults at API
        // server start; so does eksguard, rather than falling back silently.
        let labels: std::collections::BTreeMap<String, String> = self
            .pss
            .defaults
            .iter()
            .map(|(k, v)| (format!("pod-security.kubernetes.io/{k}"), v.clone()))
            .collect();
        let (defaults, label_errors) =
            eksguard_pss::Policy::from_labels(&labels, eksguard_pss::Policy::default());
        self.compiled.pss_defaults = defaults;
        for e in label_errors {
            errors.push(format!("pss.defaults: {e}"));
        }
        let v = &self.images.vulnerabilities;
        self.compiled.gate.ignore_unfixed = v.ignore_unfixed;
        if let Some(f) = &v.fail_on {
            match f.parse() {
                Ok(s) => self.compiled.gate.fail_on = s,
                Err(e) => errors.push(format!("images.vulnerabilities.fail_on: {e}")),
            }
        }
        for (i, ig) in v.ignore.iter().enumerate() {
            match eksguard_images::Ignore::new(
                &ig.id,
                ig.images.as_deref(),
                &ig.reason,
                ig.expires.as_deref(),
            ) {
                Ok(x) => self.compiled.gate.ignore.push(x),
                Err(e) => errors.push(format!("images.vulnerabilities.ignore[{i}]: {e}")),
            }
        }
        for r in &self.images.allowed_registries {
            match glob(r, true) {
                Ok(m) => self.compiled.registries.push((r.contains('/'), m)),
                Err(e) => errors.push(format!("images.allowed_registries: {e}")),
            }
        }
        for (i, e) in self.exceptions.iter().enumerate() {
            if e.reason.trim().is_empty() {
                errors.push(format!("exceptions[{i}]: `reason` must not be empty"));
            }
            if let Some(d) = &e.expires
                && parse_date(d).is_none()
            {
                errors.push(format!(
                    "exceptions[{i}].expires: `{d}` is not a YYYY-MM-DD date"
                ));
            }
            let opt = |p: &Option<String>| p.as_deref().map(|p| glob(p, false)).transpose();
            match (
                glob(&e.control, false),
                opt(&e.namespace),
                opt(&e.kind),
                opt(&e.name),
            ) {
                (Ok(control), Ok(namespace), Ok(kind), Ok(name)) => {
                    self.compiled.exceptions.push(CompiledException {
                        control,
                        namespace,
                        kind,
                        name,
                    })
                }
                (a, b, c, d) => {
                    for err in [a.err(), b.err(), c.err(), d.err()].into_iter().flatten() {
                        errors.push(format!("exceptions[{i}]: {err}"));
                    }
                }
            }
        }
        errors
    }

    /// The image vulnerability gate (`images.vulnerabilities`).
    pub fn vulnerability_gate(&self) -> &eksguard_images::Gate {
        &self.compiled.gate
    }

    /// The Pod Security policy for namespaces without labels (`pss.defaults`).
    pub fn pss_defaults(&self) -> eksguard_pss::Policy {
        self.compiled.pss_defaults
    }

    pub fn is_enabled(&self, id: &str) -> bool {
        !self
            .controls
            .disable
            .iter()
            .any(|d| d.eq_ignore_ascii_case(id))
    }

    pub fn has_registry_allow_list(&self) -> bool {
        !self.compiled.registries.is_empty()
    }

    /// Whether an image (`registry`, `registry/repository`) is allowed.
    pub fn registry_allowed(&self, registry: &str, full_name: &str) -> bool {
        self.compiled.registries.iter().any(|(with_path, m)| {
            if *with_path {
                m.is_match(full_name)
                    || full_name
                        .char_indices()
                        .filter(|(_, c)| *c == '/')
                        .any(|(i, _)| m.is_match(&full_name[..i]))
            } else {
                m.is_match(registry)
            }
        })
    }

    /// Applies exceptions to findings. Returns the exceptions that matched a
    /// finding but have expired (reported as findings of their own), with the
    /// control ID they were for.
    pub fn apply_exceptions(
        &self,
        findings: &mut [Finding],
        today: Date,
    ) -> Vec<(usize, &Exception)> {
        let mut expired = Vec::new();
        for f in findings.iter_mut().filter(|f| f.suppressed.is_none()) {
            for (i, (e, c)) in self
                .exceptions
                .iter()
                .zip(&self.compiled.exceptions)
                .enumerate()
            {
                let hit = c.control.is_match(f.control)
                    && c.namespace
                        .as_ref()
                        .is_none_or(|m| m.is_match(f.object.namespace.as_deref().unwrap_or("")))
                    && c.kind.as_ref().is_none_or(|m| m.is_match(&f.object.kind))
                    && c.name.as_ref().is_none_or(|m| m.is_match(&f.object.name));
                if !hit {
                    continue;
                }
                let is_expired = e
                    .expires
                    .as_deref()
                    .and_then(parse_date)
                    .is_some_and(|d| d < today);
                if is_expired {
                    if !expired.iter().any(|(j, _)| *j == i) {
                        expired.push((i, e));
                    }
                    continue;
                }
                f.suppressed = Some(Suppression {
                    by: "config",
                    reason: e.reason.clone(),
                    expires: e.expires.clone(),
                });
                break;
            }
        }
        expired
    }
}

/// A civil date, ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = s[..4].parse().ok()?;
    let month = s[5..7].parse().ok()?;
    let day = s[8..].parse().ok()?;
    ((1..=12).contains(&month) && (1..=31).contains(&day)).then_some(Date { year, month, day })
}

impl Date {
    /// Today in UTC.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_days((secs / 86_400) as i64)
    }

    /// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    pub fn from_days(z: i64) -> Date {
        let z = z + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        Date {
            year: (if m <= 2 { y + 1 } else { y }) as i32,
            month: m,
            day: d,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(Date::from_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_days(20_419).to_string(), "2025-11-27");
        assert_eq!(parse_date("2026-02-03").unwrap().to_string(), "2026-02-03");
        assert!(parse_date("2026-02-3x").is_none());
        assert!(parse_date("2026-2-03").is_none());
        assert!(parse_date("2026-13-01").is_none());
        assert!(parse_date("soon").is_none());
    }

    #[test]
    fn registry_allow_list_matches_host_or_repository_prefix() {
        let mut c = Config {
            images: ImagesConfig {
                allowed_registries: vec![
                    "*.dkr.ecr.*.amazonaws.com".into(),
                    "public.ecr.aws/eks-distro".into(),
                ],
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(c.compile().is_empty());
        assert!(c.registry_allowed(
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app"
        ));
        assert!(c.registry_allowed(
            "public.ecr.aws",
            "public.ecr.aws/eks-distro/kubernetes/pause"
        ));
        assert!(!c.registry_allowed("public.ecr.aws", "public.ecr.aws/bitnami/redis"));
        assert!(!c.registry_allowed("docker.io", "docker.io/library/nginx"));
        // `*` does not cross `/`: a lookalike path on another host is refused.
        assert!(!c.registry_allowed("evil.io", "evil.io/x.dkr.ecr.y.amazonaws.com/app"));
    }
}

#[cfg(test)]
mod pss_defaults_tests {
    use super::*;
    use eksguard_pss::Level;

    fn with_defaults(pairs: &[(&str, &str)]) -> Config {
        Config {
            pss: PssConfig {
                defaults: pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn valid_defaults_are_compiled() {
        let mut c = with_defaults(&[("enforce", "baseline"), ("warn", "restricted")]);
        assert_eq!(c.pss_defaults().enforce.level, Level::Privileged);
        assert!(c.compile().is_empty());
        assert_eq!(c.pss_defaults().enforce.level, Level::Baseline);
        assert_eq!(c.pss_defaults().warn.level, Level::Restricted);
    }

    #[test]
    fn invalid_defaults_are_an_error_not_a_silent_fallback() {
        let mut c = with_defaults(&[("enforce", "strict")]);
        let errors = c.compile();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].starts_with("pss.defaults:"), "{errors:?}");
        assert!(errors[0].contains("strict"), "{errors:?}");
    }
}
