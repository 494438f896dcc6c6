//! Recognising AWS credentials without ever keeping their value.
//!
//! The value is judged, not the name: `AWS_SECRET_ACCESS_KEY: secret` in a
//! ConfigMap for DynamoDB Local is not a leaked key. A value is a credential
//! when it has the shape of one:
//!
//! - an access key ID ([`is_real_access_key_id`]): `AKIA` or `ASIA` and 16
//!   upper-case letters or digits, as a whole token, anywhere in a value;
//! - a secret access key ([`is_secret_access_key`]): exactly 40 characters
//!   of `[A-Za-z0-9/+]`, varied like random text, without placeholder words,
//!   under a credential name;
//! - a session token ([`is_session_token`]): 100 or more characters of
//!   base64, under a credential name.
//!
//! A literal under a credential name that is none of these is a placeholder
//! ([`Placeholder`], IAM-006): it cannot authenticate to AWS, but the SDKs
//! still read it before the pod's own IAM role. Empty values and references
//! (`$(VAR)`, `${VAR}`, `$VAR`, `{{ … }}`) are neither: the value lives
//! elsewhere.

use base64::Engine;
use eksguard_core::{JsonPath, Object};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::borrow::Cow;

/// A credential found in a value; holds only what is safe to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub what: &'static str,
    /// `sha256:` + the first 12 hex digits of the SHA-256 of the secret, so a
    /// user can match it against their keys without the report leaking it.
    pub fingerprint: String,
    /// The name inside a multi-line value (`aws_secret_access_key` of a
    /// credentials file, `AWS_SECRET_ACCESS_KEY` of an env file or script).
    pub file_key: Option<String>,
}

impl Credential {
    /// e.g. `an AWS secret access key (sha256:…)`, or
    /// `a file that sets aws_secret_access_key to an AWS secret access key (sha256:…)`.
    pub fn describe(&self) -> String {
        let c = format!("{} ({})", self.what, self.fingerprint);
        match &self.file_key {
            Some(k) => format!("a file that sets {k} to {c}"),
            None => c,
        }
    }
}

/// A credential-named key whose literal value cannot be an AWS key. Holds
/// no fingerprint: a hash of a short or guessable value is as good as the
/// value to anyone with a word list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// What the name promises: `an AWS secret access key`, …
    pub what: &'static str,
    /// Why the value is not one, e.g. `a placeholder word`.
    pub reason: &'static str,
    /// The name inside a multi-line value (a credentials file line such as
    /// `aws_secret_access_key = changeme`); `None` when the key itself is
    /// the credential name.
    pub file_key: Option<String>,
}

impl Placeholder {
    /// e.g. `a placeholder, not an AWS secret access key (a placeholder word)`.
    pub fn describe(&self) -> String {
        let p = format!("a placeholder, not {} ({})", self.what, self.reason);
        match &self.file_key {
            Some(k) => format!("a file that sets {k} to {p}"),
            None => p,
        }
    }
}

pub fn fingerprint(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// The credential a key name stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialName {
    AccessKeyId,
    SecretAccessKey,
    SessionToken,
}

impl CredentialName {
    /// Recognises the names AWS SDKs, the CLI and common charts use, in any
    /// case and with any separators: `AWS_SECRET_ACCESS_KEY`,
    /// `aws_access_key_id`, `secretAccessKey`, `AWS_S3_SECRET_ACCESS_KEY`,
    /// `aws-session-token`, …
    pub fn of(name: &str) -> Option<CredentialName> {
        // The shortest name is `accessKeyId`; most lines of a large value
        // are rejected here without allocating.
        if name.len() < 11 {
            return None;
        }
        let n: String = name
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if n.ends_with("secretaccesskey") || n == "awssecretkey" {
            Some(CredentialName::SecretAccessKey)
        } else if n.ends_with("awssessiontoken") || n.ends_with("awssecuritytoken") {
            Some(CredentialName::SessionToken)
        } else if n.ends_with("accesskeyid") || n == "awsaccesskey" {
            Some(CredentialName::AccessKeyId)
        } else {
            None
        }
    }

    pub fn what(self) -> &'static str {
        match self {
            CredentialName::AccessKeyId => "an AWS access key ID",
            CredentialName::SecretAccessKey => "an AWS secret access key",
            CredentialName::SessionToken => "an AWS session token",
        }
    }
}

/// The shape of an access key ID: `AKIA` (IAM user, long-lived) or `ASIA`
/// (STS session) and 16 upper-case letters or digits. Real IDs use base32
/// (`A-Z`, `2-7`), but scanners agree on `[A-Z0-9]{16}`, and so does this.
pub fn is_access_key_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 20
        && (b.starts_with(b"AKIA") || b.starts_with(b"ASIA"))
        && b[4..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// An access key ID that is not a placeholder: not AWS's documentation
/// example (`AKIAIOSFODNN7EXAMPLE`; anything containing `EXAMPLE`) and
/// without a run of six or more of one character (`AKIAXXXXXXXXXXXXXXXX`).
pub fn is_real_access_key_id(s: &str) -> bool {
    is_access_key_id(s) && !s.contains("EXAMPLE") && longest_run(&s[4..]) < 6
}

/// Access key IDs appearing as whole words inside a larger text, placeholders
/// included.
pub fn find_access_key_ids(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| is_access_key_id(w))
}

/// Words that mark a value as written by hand, looked for in any case inside
/// otherwise key-shaped values. All have five letters or more: a random
/// 40-character key contains a given five-letter word with a chance of about
/// one in a million.
const MARKERS: &[&str] = &[
    "example",
    "placeholder",
    "changeme",
    "dummy",
    "secret",
    "sample",
    "password",
    "replace",
    "redacted",
    "notreal",
    "fakekey",
    "testkey",
    "yourkey",
    "insert",
];

/// Whole values (lower-case, letters and digits only) that are placeholders
/// whatever their length; used to name the reason, since values this short
/// are never keys anyway.
const WORDS: &[&str] = &[
    "secret",
    "secretkey",
    "secretaccesskey",
    "accesskey",
    "accesskeyid",
    "key",
    "token",
    "sessiontoken",
    "changeme",
    "changeit",
    "dummy",
    "test",
    "testing",
    "example",
    "placeholder",
    "password",
    "pass",
    "none",
    "null",
    "nil",
    "na",
    "tbd",
    "todo",
    "fixme",
    "fake",
    "foo",
    "bar",
    "foobar",
    "admin",
    "minioadmin",
    "minio",
    "localstack",
    "local",
    "default",
    "sample",
    "redacted",
    "mock",
    "invalid",
    "unset",
    "empty",
    "abc",
    "abc123",
    "1234",
    "12345",
    "123456",
];

fn longest_run(s: &str) -> usize {
    let (mut best, mut run, mut prev) = (0, 0, None);
    for c in s.chars() {
        run = if Some(c) == prev { run + 1 } else { 1 };
        prev = Some(c);
        best = best.max(run);
    }
    best
}

fn has_marker(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    MARKERS.iter().any(|m| lower.contains(m))
}

fn distinct(s: &str) -> usize {
    let mut chars: Vec<char> = s.chars().collect();
    chars.sort_unstable();
    chars.dedup();
    chars.len()
}

/// The shape of a secret access key, judged so that hand-written values
/// fail:
///
/// - exactly 40 characters, each of `A-Z`, `a-z`, `0-9`, `/`, `+`;
/// - an upper-case and a lower-case letter;
/// - a digit, `/` or `+` — or, letters only, at least 24 distinct letters
///   (a random key has no digit, `/` or `+` about once in 4,000; a phrase
///   in CamelCase rarely uses 24 different letters);
/// - at least 16 distinct characters (random keys have about 29);
/// - no run of six or more of one character;
/// - none of the [`MARKERS`] (`example`, `changeme`, `secret`, …) in any
///   case.
///
/// So a SHA-1 in hex (40 of `[0-9a-f]`), a 40-letter lower-case run, or
/// AWS's documentation key (`…EXAMPLEKEY`) are not secret keys.
pub fn is_secret_access_key(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 40
        || !b
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'/' || *c == b'+')
    {
        return false;
    }
    let upper = b.iter().any(u8::is_ascii_uppercase);
    let lower = b.iter().any(u8::is_ascii_lowercase);
    let other = b.iter().any(|c| !c.is_ascii_alphabetic());
    let n = distinct(s);
    upper && lower && (other || n >= 24) && n >= 16 && longest_run(s) < 6 && !has_marker(s)
}

/// The shape of an STS session token: 100 or more characters of base64
/// (`A-Z`, `a-z`, `0-9`, `/`, `+`, and `=` padding only at the end) with an
/// upper-case letter, a lower-case letter and a digit, not containing
/// `EXAMPLE` and without a run of ten or more of one letter or digit. Runs
/// of `/` are allowed: real tokens have them.
pub fn is_session_token(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    let b = body.as_bytes();
    s.len() - body.len() <= 2
        && b.len() >= 100
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'/' || *c == b'+')
        && b.iter().any(u8::is_ascii_uppercase)
        && b.iter().any(u8::is_ascii_lowercase)
        && b.iter().any(u8::is_ascii_digit)
        && !body.contains("EXAMPLE")
        && longest_alnum_run(body) < 10
}

fn longest_alnum_run(s: &str) -> usize {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .map(longest_run)
        .max()
        .unwrap_or(0)
}

/// Empty, or a reference whose value lives elsewhere: `$(VAR)` (Kubernetes
/// dependent env var), `${VAR}` and `$VAR` (shell, envsubst), `{{ … }}`
/// (Helm, Go templates, consul-template) anywhere in the value.
pub fn is_reference(v: &str) -> bool {
    let v = v.trim();
    if v.is_empty() || ["$(", "${", "{{"].iter().any(|p| v.contains(p)) {
        return true;
    }
    v.strip_prefix('$').is_some_and(|name| {
        name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// Why a literal value that is not key-shaped is a placeholder; the first
/// that applies:
///
/// 1. `AWS's documentation example`: contains `EXAMPLE`
///    (`AKIAIOSFODNN7EXAMPLE`, `wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`);
/// 2. `a placeholder in angle brackets`: `<…>`;
/// 3. `a placeholder word`: one of [`WORDS`] (`secret`, `changeme`, `dummy`,
///    `test`, …; case, `-`, `_` and spaces ignored) or containing one of
///    [`MARKERS`];
/// 4. `a repeated character`: one character only (`xxx`, `****`), or a run
///    of six or more;
/// 5. `fewer than 16 characters`;
/// 6. `not shaped like one`: anything else (UUIDs, hex digests, JWTs, URLs,
///    base64 of short text…).
pub fn placeholder_reason(v: &str) -> &'static str {
    let v = v.trim();
    let word: String = v
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if v.contains("EXAMPLE") {
        "AWS's documentation example"
    } else if v.starts_with('<') && v.ends_with('>') {
        "a placeholder in angle brackets"
    } else if WORDS.contains(&word.as_str()) || has_marker(v) {
        "a placeholder word"
    } else if distinct(v) == 1 || longest_run(v) >= 6 {
        "a repeated character"
    } else if v.chars().count() < 16 {
        "fewer than 16 characters"
    } else {
        "not shaped like one"
    }
}

/// Removes one pair of matching quotes around a value.
fn unquote(v: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner;
        }
    }
    v
}

/// A `name = value` or `name: value` line of a credentials file, an env
/// file, a shell script (`export NAME=value`), YAML or JSON, when `name` is
/// a credential name. Returns the name as written and the value, unquoted
/// and without a trailing comma or ` # comment`.
fn credential_line(line: &str) -> Option<(&str, CredentialName, &str)> {
    let at = line.find(['=', ':'])?;
    let (name, value) = (&line[..at], &line[at + 1..]);
    let name = name.trim();
    let name = name.strip_prefix("export ").unwrap_or(name).trim();
    let name = name.trim_start_matches(['#', ';', '-', ' ']);
    let name = unquote(name.trim());
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
    {
        return None;
    }
    let kind = CredentialName::of(name)?;
    let mut value = value.trim();
    for sep in [" #", " ;", "\t#", "\t;"] {
        if let Some(i) = value.find(sep) {
            value = value[..i].trim_end();
        }
    }
    let value = value.strip_suffix(',').unwrap_or(value).trim();
    Some((name, kind, unquote(value).trim()))
}

/// What a named value is: a credential, a placeholder, or nothing to report
/// (a reference, or an access key ID found by the token scan instead).
enum Judged {
    Credential(&'static str),
    Placeholder(&'static str),
    Nothing,
}

fn judge(kind: CredentialName, value: &str) -> Judged {
    let value = unquote(value.trim()).trim();
    match kind {
        CredentialName::AccessKeyId => {
            // A real ID is reported by the token scan, AKIA and ASIA told
            // apart.
            if find_access_key_ids(value).any(is_real_access_key_id) || is_reference(value) {
                Judged::Nothing
            } else {
                Judged::Placeholder(placeholder_reason(value))
            }
        }
        CredentialName::SecretAccessKey | CredentialName::SessionToken => {
            if is_secret_access_key(value) || is_session_token(value) {
                Judged::Credential(kind.what())
            } else if is_reference(value) {
                Judged::Nothing
            } else {
                Judged::Placeholder(placeholder_reason(value))
            }
        }
    }
}

/// Everything found in one key/value pair: credentials and placeholders.
fn scan(key: &str, value: &str) -> (Vec<Credential>, Vec<Placeholder>) {
    let mut creds = Vec::new();
    let mut placeholders = Vec::new();
    let mut add = |kind: CredentialName, v: &str, file_key: Option<&str>| match judge(kind, v) {
        Judged::Credential(what) => creds.push(Credential {
            what,
            fingerprint: fingerprint(unquote(v.trim()).trim()),
            file_key: file_key.map(str::to_owned),
        }),
        Judged::Placeholder(reason) => placeholders.push(Placeholder {
            what: kind.what(),
            reason,
            file_key: file_key.map(str::to_owned),
        }),
        Judged::Nothing => {}
    };
    if let Some(kind) = CredentialName::of(key) {
        add(kind, value, None);
    }
    // Credentials files (`~/.aws/credentials`), env files and scripts
    // stored as one value.
    if value.contains('\n') || CredentialName::of(key).is_none() {
        for line in value.lines() {
            if let Some((name, kind, v)) = credential_line(line) {
                add(kind, v, Some(name));
            }
        }
    }
    for id in find_access_key_ids(value).filter(|id| is_real_access_key_id(id)) {
        creds.push(Credential {
            what: if id.starts_with("AKIA") {
                "a long-lived AWS access key ID (AKIA…)"
            } else {
                "an AWS session access key ID (ASIA…)"
            },
            fingerprint: fingerprint(id),
            file_key: None,
        });
    }
    (creds, placeholders)
}

/// Credentials in one key/value pair (env var, ConfigMap key, Secret key):
/// key-shaped values only (IAM-001, IAM-002).
pub fn scan_pair(key: &str, value: &str) -> Vec<Credential> {
    scan(key, value).0
}

/// Credential-named keys in one pair whose literal values are placeholders
/// (IAM-006).
pub fn scan_placeholders(key: &str, value: &str) -> Vec<Placeholder> {
    scan(key, value).1
}

/// Where a literal value sits, for messages.
#[derive(Debug, Clone)]
pub enum Site {
    ConfigMap,
    Secret,
    /// An env var of a container, described as `container "app"`.
    Env(String),
}

/// One literal string value the credential controls judge, borrowed from
/// the object (ConfigMaps can be large).
#[derive(Debug, Clone)]
pub struct Literal<'o> {
    pub site: Site,
    pub path: JsonPath,
    /// The ConfigMap or Secret key, or the env var name.
    pub key: &'o str,
    /// The value (decoded for Secret `data`).
    pub value: Cow<'o, str>,
}

impl Literal<'_> {
    /// e.g. `ConfigMap key "x" holds {what}` or
    /// `container "app" sets env X to {what}`.
    pub fn message(&self, what: &str) -> String {
        match &self.site {
            Site::ConfigMap => format!("ConfigMap key \"{}\" holds {what}", self.key),
            Site::Secret => format!("Secret key \"{}\" holds {what}", self.key),
            Site::Env(container) => format!("{container} sets env {} to {what}", self.key),
        }
    }
}

/// ConfigMap `data` values (`binaryData` is not text).
pub fn configmap_literals(obj: &Object) -> Vec<Literal<'_>> {
    if !obj.is("", "ConfigMap") {
        return Vec::new();
    }
    let Some(data) = obj.raw.get("data").and_then(Value::as_object) else {
        return Vec::new();
    };
    data.iter()
        .filter_map(|(key, value)| {
            Some(Literal {
                site: Site::ConfigMap,
                path: JsonPath::keys(&["data"]).key(key.as_str()),
                key: key.as_str(),
                value: Cow::Borrowed(value.as_str()?),
            })
        })
        .collect()
}

/// Secret `data` (base64-decoded; values that are not base64 of UTF-8 text
/// are skipped) and `stringData`.
pub fn secret_literals(obj: &Object) -> Vec<Literal<'_>> {
    let mut out = Vec::new();
    if !obj.is("", "Secret") {
        return out;
    }
    for field in ["data", "stringData"] {
        let Some(map) = obj.raw.get(field).and_then(Value::as_object) else {
            continue;
        };
        for (key, value) in map {
            let Some(raw) = value.as_str() else { continue };
            let text = if field == "data" {
                let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(raw.trim()) else {
                    continue;
                };
                let Ok(s) = String::from_utf8(bytes) else {
                    continue;
                };
                Cow::Owned(s)
            } else {
                Cow::Borrowed(raw)
            };
            out.push(Literal {
                site: Site::Secret,
                path: JsonPath::keys(&[field]).key(key.as_str()),
                key: key.as_str(),
                value: text,
            });
        }
    }
    out
}

/// Literal `env[].value`s of every container (init and ephemeral too).
/// `valueFrom` is a reference and `envFrom` names a ConfigMap or Secret,
/// which is judged as an object of its own.
pub fn env_literals(obj: &Object) -> Vec<Literal<'_>> {
    let mut out = Vec::new();
    let Some(pod) = obj.pod_spec() else {
        return out;
    };
    for c in pod.containers() {
        let Some(env) = c.value.get("env").and_then(Value::as_array) else {
            continue;
        };
        for (i, e) in env.iter().enumerate() {
            let name = e.get("name").and_then(Value::as_str).unwrap_or("");
            let Some(value) = e.get("value").and_then(Value::as_str) else {
                continue;
            };
            out.push(Literal {
                site: Site::Env(c.describe()),
                path: c.path.clone().key("env").index(i).key("value"),
                key: name,
                value: Cow::Borrowed(value),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judges_values_and_never_echoes_them() {
        assert!(is_access_key_id("AKIAIOSFODNN7EXAMPLE"));
        assert!(!is_real_access_key_id("AKIAIOSFODNN7EXAMPLE"));
        assert!(!is_access_key_id("AKIAIOSFODNN7EXAMPLEX")); // 21 characters
        assert!(!is_access_key_id("AKIAiosfodnn7example"));
        assert!(is_real_access_key_id("AKIA8RZ2QW0L5TJ3VX9M"));
        assert!(!is_real_access_key_id("AKIAXXXXXXXXXXXXXXXX"));
        let found = scan_pair(
            "AWS_SECRET_ACCESS_KEY",
            "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",
        );
        assert_eq!(found.len(), 1);
        assert!(!format!("{found:?}").contains("q8Rz"));
        assert!(scan_pair("AWS_SECRET_ACCESS_KEY", "$(FROM_SECRET)").is_empty());
        assert!(scan_placeholders("AWS_SECRET_ACCESS_KEY", "$(FROM_SECRET)").is_empty());
        assert!(scan_pair("AWS_REGION", "us-east-1").is_empty());
        let p = scan_placeholders("AWS_SECRET_ACCESS_KEY", "secret");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].reason, "a placeholder word");
        let file = "[default]\naws_access_key_id = AKIA8RZ2QW0L5TJ3VX9M\naws_secret_access_key = abc/def\n";
        assert_eq!(scan_pair("credentials", file).len(), 1);
        let p = scan_placeholders("credentials", file);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].file_key.as_deref(), Some("aws_secret_access_key"));
    }

    #[test]
    fn credential_names_in_any_spelling() {
        for n in [
            "AWS_SECRET_ACCESS_KEY",
            "aws_secret_access_key",
            "aws-secret-access-key",
            "secretAccessKey",
            "AWS_S3_SECRET_ACCESS_KEY",
            "AWS_SECRET_KEY",
        ] {
            assert_eq!(
                CredentialName::of(n),
                Some(CredentialName::SecretAccessKey),
                "{n}"
            );
        }
        for n in ["AWS_SESSION_TOKEN", "aws_security_token"] {
            assert_eq!(CredentialName::of(n), Some(CredentialName::SessionToken));
        }
        for n in ["AWS_ACCESS_KEY_ID", "accessKeyId", "aws_access_key"] {
            assert_eq!(CredentialName::of(n), Some(CredentialName::AccessKeyId));
        }
        for n in [
            "AWS_REGION",
            "secret",
            "password",
            "accesskey",
            "SECRET_KEY",
        ] {
            assert_eq!(CredentialName::of(n), None, "{n}");
        }
    }

    #[test]
    fn lines_of_files_and_scripts() {
        let line = |l| credential_line(l).map(|(n, _, v)| (n, v));
        assert_eq!(
            line("aws_secret_access_key = abc # rotated"),
            Some(("aws_secret_access_key", "abc"))
        );
        assert_eq!(
            line("export AWS_SECRET_ACCESS_KEY=\"abc\""),
            Some(("AWS_SECRET_ACCESS_KEY", "abc"))
        );
        assert_eq!(
            line("  \"aws_secret_access_key\": \"abc\","),
            Some(("aws_secret_access_key", "abc"))
        );
        assert_eq!(line("Set your AWS secret access key: see the wiki"), None);
        assert_eq!(line("region = eu-west-1"), None);
    }
}
