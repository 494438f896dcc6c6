//! The `webhook:` section of `eksguard.yaml`.
//!
//! ```yaml
//! webhook:
//!   defaults:                 # mode per severity; these are the built-in defaults
//!     critical: enforce
//!     high: enforce
//!     medium: warn
//!     low: warn
//!     info: audit
//!   controls:                 # per-control override, by ID
//!     IMG-001: audit
//!   unknown_namespace: defaults   # defaults | deny | allow
//!   request_timeout_ms: 5000
//!   drain_seconds: 25
//!   cert_poll_seconds: 10
//! ```
//!
//! Pod Security is not in `controls:`: its enforce/warn/audit modes come
//! from the namespace labels and `pss.defaults`, exactly as PodSecurity
//! admission reads them.

use eksguard_core::Severity;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// What a violated control does to the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Deny the request.
    Enforce,
    /// Admit it with a warning shown to the client (kubectl prints it).
    Warn,
    /// Admit it silently; write a structured audit log line and an audit
    /// annotation.
    Audit,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Warn => "warn",
            Mode::Audit => "audit",
        }
    }
}

/// What to do when a namespaced object arrives before its namespace is in
/// the cache (e.g. namespace and workload applied together).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum UnknownNamespace {
    /// Evaluate Pod Security with `pss.defaults` and add a warning (default).
    #[default]
    Defaults,
    /// Deny the request (the client retries once the namespace is cached).
    Deny,
    /// Skip Pod Security for the object, with a warning.
    Allow,
}

/// Parsed `webhook:` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub defaults: BTreeMap<Severity, Mode>,
    pub controls: BTreeMap<String, Mode>,
    pub unknown_namespace: UnknownNamespace,
    pub request_timeout: Duration,
    pub drain: Duration,
    pub cert_poll: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            defaults: BTreeMap::from([
                (Severity::Critical, Mode::Enforce),
                (Severity::High, Mode::Enforce),
                (Severity::Medium, Mode::Warn),
                (Severity::Low, Mode::Warn),
                (Severity::Info, Mode::Audit),
            ]),
            controls: BTreeMap::new(),
            unknown_namespace: UnknownNamespace::Defaults,
            // Below the API server's 10 s default `timeoutSeconds`, so the
            // webhook answers before the API server gives up on it.
            request_timeout: Duration::from_secs(5),
            drain: Duration::from_secs(25),
            cert_poll: Duration::from_secs(10),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    defaults: BTreeMap<Severity, Mode>,
    #[serde(default)]
    controls: BTreeMap<String, Mode>,
    #[serde(default)]
    unknown_namespace: UnknownNamespace,
    #[serde(default)]
    request_timeout_ms: Option<u64>,
    #[serde(default)]
    drain_seconds: Option<u64>,
    #[serde(default)]
    cert_poll_seconds: Option<u64>,
}

/// An invalid `webhook:` section.
#[derive(Debug, thiserror::Error)]
#[error("eksguard.yaml webhook section: {0}")]
pub struct SettingsError(String);

impl Settings {
    /// Reads the raw `webhook:` value of [`eksguard_controls::Config`].
    pub fn from_config(raw: Option<&serde_json::Value>) -> Result<Settings, SettingsError> {
        let mut s = Settings::default();
        let Some(raw) = raw.filter(|v| !v.is_null()) else {
            return Ok(s);
        };
        let r: Raw =
            serde_json::from_value(raw.clone()).map_err(|e| SettingsError(e.to_string()))?;
        s.defaults.extend(r.defaults);
        for (id, mode) in r.controls {
            let Some(c) = eksguard_controls::by_id(&id) else {
                return Err(SettingsError(format!(
                    "controls.{id}: unknown control (see `eksguard controls`)"
                )));
            };
            s.controls.insert(c.meta().id.to_owned(), mode);
        }
        s.unknown_namespace = r.unknown_namespace;
        if let Some(ms) = r.request_timeout_ms {
            if ms == 0 {
                return Err(SettingsError("request_timeout_ms must be positive".into()));
            }
            s.request_timeout = Duration::from_millis(ms);
        }
        if let Some(d) = r.drain_seconds {
            s.drain = Duration::from_secs(d);
        }
        if let Some(p) = r.cert_poll_seconds {
            s.cert_poll = Duration::from_secs(p.max(1));
        }
        Ok(s)
    }

    /// The mode of control `id` with `severity`.
    pub fn mode(&self, id: &str, severity: Severity) -> Mode {
        self.controls
            .get(id)
            .or_else(|| self.defaults.get(&severity))
            .copied()
            .unwrap_or(Mode::Enforce)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn overrides_by_id_then_severity_default() {
        let s = Settings::from_config(Some(&json!({
            "defaults": {"medium": "enforce"},
            "controls": {"img-001": "audit"},
            "unknown_namespace": "deny",
            "request_timeout_ms": 1500
        })))
        .unwrap();
        assert_eq!(s.mode("IMG-001", Severity::High), Mode::Audit);
        assert_eq!(s.mode("IAM-005", Severity::Medium), Mode::Enforce);
        assert_eq!(s.mode("IAM-005", Severity::Low), Mode::Warn);
        assert_eq!(s.unknown_namespace, UnknownNamespace::Deny);
        assert_eq!(s.request_timeout, Duration::from_millis(1500));
    }

    #[test]
    fn rejects_unknown_keys_controls_and_modes() {
        for bad in [
            json!({"defualts": {}}),
            json!({"controls": {"NOPE-999": "warn"}}),
            json!({"controls": {"IMG-001": "block"}}),
            json!({"request_timeout_ms": 0}),
        ] {
            assert!(Settings::from_config(Some(&bad)).is_err(), "{bad}");
        }
    }
}
