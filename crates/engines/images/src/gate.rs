//! The gate: which of an image's vulnerabilities block it.
//!
//! As `trivy --severity … --ignore-unfixed` and `.trivyignore` do, plus
//! what a shared policy needs: every ignore names a reason and may expire,
//! and may be limited to some images.

use crate::vuln::{FixState, ImageScan, VulnSeverity, Vulnerability};
use globset::{Glob, GlobMatcher};

/// An accepted vulnerability.
#[derive(Debug, Clone)]
pub struct Ignore {
    /// CVE/GHSA/… ID, exact (case-insensitive).
    pub id: String,
    /// Glob on `registry/repository` (normalised); `None`: every image.
    pub images: Option<GlobMatcher>,
    pub reason: String,
    /// `YYYY-MM-DD`; from the day after, the vulnerability blocks again.
    pub expires: Option<String>,
}

impl Ignore {
    pub fn new(
        id: &str,
        images: Option<&str>,
        reason: &str,
        expires: Option<&str>,
    ) -> Result<Ignore, String> {
        let images = images
            .map(|g| {
                Glob::new(g)
                    .map(|g| g.compile_matcher())
                    .map_err(|e| format!("invalid glob `{g}`: {e}"))
            })
            .transpose()?;
        if let Some(d) = expires
            && !is_date(d)
        {
            return Err(format!("`{d}` is not a YYYY-MM-DD date"));
        }
        if reason.trim().is_empty() {
            return Err("`reason` must not be empty".into());
        }
        Ok(Ignore {
            id: id.to_owned(),
            images,
            reason: reason.to_owned(),
            expires: expires.map(str::to_owned),
        })
    }

    fn applies(&self, v: &Vulnerability, image_names: &[String]) -> bool {
        self.id.eq_ignore_ascii_case(&v.id)
            && self.images.as_ref().is_none_or(|m| {
                // Globs match `registry/repository`, whatever tag or digest
                // the name carries.
                image_names
                    .iter()
                    .any(|n| crate::reference::parse(n).is_some_and(|r| m.is_match(r.full_name())))
            })
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

#[derive(Debug, Clone)]
pub struct Gate {
    /// Vulnerabilities at or above this severity block.
    pub fail_on: VulnSeverity,
    /// Skip vulnerabilities with no fixed version (a rebuild cannot help).
    pub ignore_unfixed: bool,
    pub ignore: Vec<Ignore>,
}

impl Default for Gate {
    fn default() -> Self {
        Gate {
            fail_on: VulnSeverity::High,
            ignore_unfixed: false,
            ignore: Vec::new(),
        }
    }
}

/// What the gate made of one image's scans.
#[derive(Debug, Default)]
pub struct GateResult<'a> {
    /// Blocking vulnerabilities, worst first, one per (ID, package).
    pub blocking: Vec<&'a Vulnerability>,
    /// At or above the threshold but accepted by an ignore (with its index).
    pub ignored: Vec<(&'a Vulnerability, usize)>,
    /// Ignores that matched but have expired (index): they no longer apply.
    pub expired: Vec<usize>,
    /// At or above the threshold, skipped because no fix exists.
    pub unfixed: usize,
    /// Counts of every vulnerability found, by severity (index: `VulnSeverity as usize`).
    pub counts: [usize; 6],
}

impl GateResult<'_> {
    pub fn passed(&self) -> bool {
        self.blocking.is_empty()
    }
}

impl Gate {
    /// Evaluates the scans of one image (`names`: the normalised names the
    /// image is known by, for image-scoped ignores); `today` is YYYY-MM-DD.
    pub fn evaluate<'a>(
        &self,
        scans: &[&'a ImageScan],
        names: &[String],
        today: &str,
    ) -> GateResult<'a> {
        let mut r = GateResult::default();
        // Several reports of one image name the same vulnerabilities, and
        // Trivy lists a package once per place it is found (two jars): one
        // (ID, package, version) counts once.
        let mut seen = std::collections::HashSet::new();
        for v in scans.iter().flat_map(|s| &s.vulnerabilities) {
            if !seen.insert((v.id.as_str(), v.package.as_str(), v.installed.as_str())) {
                continue;
            }
            r.counts[v.severity as usize] += 1;
            if v.severity < self.fail_on {
                continue;
            }
            if self.ignore_unfixed && v.fix == FixState::NotFixed {
                r.unfixed += 1;
                continue;
            }
            match self.ignore.iter().position(|i| i.applies(v, names)) {
                Some(i) if self.ignore[i].expires.as_deref().is_none_or(|e| today <= e) => {
                    r.ignored.push((v, i));
                }
                Some(i) => {
                    if !r.expired.contains(&i) {
                        r.expired.push(i);
                    }
                    r.blocking.push(v);
                }
                None => r.blocking.push(v),
            }
        }
        r.blocking
            .sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
        r
    }
}
