//! Recognising long-lived AWS credentials without ever keeping their value.

use sha2::{Digest, Sha256};

/// A credential found in a value; holds only what is safe to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub what: &'static str,
    /// `sha256:` + the first 12 hex digits of the SHA-256 of the secret, so a
    /// user can match it against their keys without the report leaking it.
    pub fingerprint: String,
}

pub fn fingerprint(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// An access key ID: `AKIA` (IAM user, long-lived) or `ASIA` (STS session)
/// and 16 upper-case letters or digits. Real IDs use base32, but AWS's own
/// documentation examples (`AKIAI44QH8DHBEXAMPLE`) do not, and users copy
/// those shapes into tests and configs; scanners agree on `[A-Z0-9]{16}`.
pub fn is_access_key_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 20
        && (b.starts_with(b"AKIA") || b.starts_with(b"ASIA"))
        && b[4..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// Access key IDs appearing as whole words inside a larger text.
pub fn find_access_key_ids(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| is_access_key_id(w))
}

/// Names under which AWS SDKs and the CLI read a secret key or session token.
pub fn is_secret_key_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase().replace('-', "_");
    matches!(
        n.as_str(),
        "aws_secret_access_key"
            | "aws_secret_key"
            | "secret_access_key"
            | "aws_session_token"
            | "aws_security_token"
    )
}

/// Whether a literal value is a real secret rather than empty or a reference
/// (`$(VAR)` Kubernetes expansion, `${VAR}` templating).
fn is_literal(v: &str) -> bool {
    let v = v.trim();
    !v.is_empty() && !["$(", "${", "{{"].iter().any(|p| v.starts_with(p))
}

/// Inspects one key/value pair (env var, ConfigMap key, Secret key).
pub fn scan_pair(key: &str, value: &str) -> Vec<Credential> {
    let mut found = Vec::new();
    if is_secret_key_name(key) && is_literal(value) {
        found.push(Credential {
            what: if key.to_ascii_lowercase().contains("token") {
                "an AWS session token"
            } else {
                "an AWS secret access key"
            },
            fingerprint: fingerprint(value.trim()),
        });
    }
    for id in find_access_key_ids(value) {
        found.push(Credential {
            what: if id.starts_with("AKIA") {
                "a long-lived AWS access key ID (AKIA…)"
            } else {
                "an AWS session access key ID (ASIA…)"
            },
            fingerprint: fingerprint(id),
        });
    }
    // Credentials files (`~/.aws/credentials`) stored as one value.
    for line in value.lines() {
        if let Some((k, v)) = line.split_once('=')
            && is_secret_key_name(k.trim())
            && is_literal(v)
        {
            found.push(Credential {
                what: "an AWS secret access key in a credentials file",
                fingerprint: fingerprint(v.trim()),
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_keys_and_never_echoes_values() {
        assert!(is_access_key_id("AKIAIOSFODNN7EXAMPLE"));
        assert!(is_access_key_id("AKIAI44QH8DHBEXAMPLE"));
        assert!(!is_access_key_id("AKIAIOSFODNN7EXAMPLEX")); // 21 characters
        assert!(!is_access_key_id("AKIAiosfodnn7example"));
        let found = scan_pair(
            "AWS_SECRET_ACCESS_KEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        );
        assert_eq!(found.len(), 1);
        assert!(!format!("{found:?}").contains("wJalr"));
        assert!(scan_pair("AWS_SECRET_ACCESS_KEY", "$(FROM_SECRET)").is_empty());
        assert!(scan_pair("AWS_REGION", "us-east-1").is_empty());
        let file = "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = abc/def\n";
        let found = scan_pair("credentials", file);
        assert_eq!(found.len(), 2, "{found:?}");
    }
}
