//! Policy levels and versions, parsed exactly as upstream's `api/helpers.go` parses
//! namespace label values.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// The newest policy version this engine knows (`v1.37`). Requests for newer versions, and
/// `latest` without a cluster version, evaluate as this one — as upstream clamps to its
/// registry's newest version.
pub const NEWEST_MINOR: u64 = 37;

/// A Pod Security Standards level. Ordered by strictness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Privileged,
    Baseline,
    Restricted,
}

impl Level {
    /// The label value upstream uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Privileged => "privileged",
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = Error;

    /// Case-sensitive, like upstream: `Baseline` is not a level.
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "privileged" => Ok(Level::Privileged),
            "baseline" => Ok(Level::Baseline),
            "restricted" => Ok(Level::Restricted),
            _ => Err(Error::InvalidLevel(s.to_owned())),
        }
    }
}

/// A policy version: `latest` or `v1.N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    Latest,
    /// `v1.N`, holding the minor `N`.
    V1(u64),
}

impl Version {
    /// The minor version whose checks apply, given the cluster's Kubernetes minor version
    /// (`None`: the newest known). `latest` is the cluster's version; pinned versions newer
    /// than the cluster (or than [`NEWEST_MINOR`]) evaluate as the newest the cluster knows,
    /// because the cluster's PodSecurity code has no newer checks.
    pub fn resolve(self, cluster_minor: Option<u64>) -> u64 {
        let newest = cluster_minor.map_or(NEWEST_MINOR, |c| c.min(NEWEST_MINOR));
        match self {
            Version::Latest => newest,
            Version::V1(minor) => minor.min(newest),
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::Latest => f.write_str("latest"),
            Version::V1(minor) => write!(f, "v1.{minor}"),
        }
    }
}

impl FromStr for Version {
    type Err = Error;

    /// Accepts exactly `latest` or `^v1\.(0|[1-9][0-9]*)$` (upstream's regexp), with the
    /// number fitting Go's `int` (64-bit), as `strconv.Atoi` requires.
    fn from_str(s: &str) -> Result<Self, Error> {
        if s == "latest" {
            return Ok(Version::Latest);
        }
        let invalid = || Error::InvalidVersion(s.to_owned());
        let digits = s.strip_prefix("v1.").ok_or_else(invalid)?;
        let well_formed = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'));
        if !well_formed {
            return Err(invalid());
        }
        let minor: u64 = digits.parse().map_err(|_| invalid())?;
        if minor > i64::MAX as u64 {
            return Err(invalid());
        }
        Ok(Version::V1(minor))
    }
}

/// A level at a version, displayed as upstream does: `restricted:v1.30`, `baseline:latest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LevelVersion {
    pub level: Level,
    pub version: Version,
}

impl LevelVersion {
    pub fn new(level: Level, version: Version) -> Self {
        LevelVersion { level, version }
    }
}

impl fmt::Display for LevelVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.level, self.version)
    }
}

/// Serialized as the label text (`restricted`, `v1.30`, `restricted:v1.30`), for reports.
macro_rules! serialize_as_display {
    ($($t:ty),*) => {$(
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
    )*};
}
serialize_as_display!(Level, Version, LevelVersion);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_versions_like_upstream() {
        assert_eq!("latest".parse::<Version>().ok(), Some(Version::Latest));
        assert_eq!("v1.0".parse::<Version>().ok(), Some(Version::V1(0)));
        assert_eq!("v1.37".parse::<Version>().ok(), Some(Version::V1(37)));
        assert_eq!("v1.999".parse::<Version>().ok(), Some(Version::V1(999)));
        for bad in [
            "",
            "Latest",
            "1.30",
            "v1",
            "v1.",
            "v1.01",
            "v2.0",
            "v1.-1",
            "v1.3a",
            " v1.3",
            "v1.30 ",
            "v1.+3",
            "v1.99999999999999999999",
        ] {
            assert!(bad.parse::<Version>().is_err(), "{bad:?} must be rejected");
        }
    }

    #[test]
    fn parse_levels_case_sensitively() {
        assert_eq!("baseline".parse::<Level>().ok(), Some(Level::Baseline));
        assert!("Baseline".parse::<Level>().is_err());
        assert!("".parse::<Level>().is_err());
    }

    #[test]
    fn resolve_clamps_to_cluster_and_newest() {
        assert_eq!(Version::Latest.resolve(None), NEWEST_MINOR);
        assert_eq!(Version::Latest.resolve(Some(30)), 30);
        assert_eq!(Version::Latest.resolve(Some(99)), NEWEST_MINOR);
        assert_eq!(Version::V1(25).resolve(Some(30)), 25);
        assert_eq!(Version::V1(35).resolve(Some(30)), 30);
        assert_eq!(Version::V1(1000).resolve(None), NEWEST_MINOR);
    }

    #[test]
    fn display_matches_upstream() {
        let lv = LevelVersion::new(Level::Restricted, Version::V1(30));
        assert_eq!(lv.to_string(), "restricted:v1.30");
        let lv = LevelVersion::new(Level::Baseline, Version::Latest);
        assert_eq!(lv.to_string(), "baseline:latest");
    }
}
