//! IAM-001, IAM-002 and IAM-006 judge the value, not the name (issue #14):
//! key-shaped values are critical (env, ConfigMaps) or high (Secrets),
//! placeholders under credential names are low (IAM-006), references and
//! look-alikes under other names are nothing.
//!
//! Every key below is random test data, never a real key: the access key
//! IDs contain 0, 1, 8 or 9, which real (base32) IDs never do.

use base64::Engine;
use eksguard_controls::{Config, Context, Sink};
use eksguard_core::{Finding, Severity};
use serde_json::{Value, json};

use Severity::{Critical, High, Low};

/// Where a value is put.
#[derive(Debug, Clone, Copy)]
enum At {
    /// `env[].value` of a Deployment's container.
    Env,
    /// ConfigMap `data`.
    ConfigMap,
    /// Secret `data`, base64-encoded here.
    SecretData,
    /// Secret `stringData`.
    StringData,
}

struct Case {
    what: &'static str,
    at: At,
    key: &'static str,
    value: &'static str,
    /// Findings of IAM-001, IAM-002 and IAM-006, in order.
    expect: &'static [(&'static str, Severity)],
}

const fn case(
    what: &'static str,
    at: At,
    key: &'static str,
    value: &'static str,
    expect: &'static [(&'static str, Severity)],
) -> Case {
    Case {
        what,
        at,
        key,
        value,
        expect,
    }
}

const IAM001: &[(&str, Severity)] = &[("IAM-001", Critical)];
const IAM001X2: &[(&str, Severity)] = &[("IAM-001", Critical), ("IAM-001", Critical)];
const IAM001X3: &[(&str, Severity)] = &[
    ("IAM-001", Critical),
    ("IAM-001", Critical),
    ("IAM-001", Critical),
];
const IAM002: &[(&str, Severity)] = &[("IAM-002", High)];
const IAM002X2: &[(&str, Severity)] = &[("IAM-002", High), ("IAM-002", High)];
const IAM006: &[(&str, Severity)] = &[("IAM-006", Low)];
const IAM006X2: &[(&str, Severity)] = &[("IAM-006", Low), ("IAM-006", Low)];
const NONE: &[(&str, Severity)] = &[];

const SECRET_1: &str = "DdPRbaCzE3RjCpVX9ZN9kBUGSnxIwBXzb0pik3db";
const SECRET_2: &str = "Eqyu72Ef5igWJdYVoGjXGBNJdPiOSvcFFocXW+fM";
const SECRET_3: &str = "BZ8sOS/GddKvjKyrJGOYVrlK+rn+iApFoXKL6HWX";
const SECRET_4: &str = "2lddnF96m3SjexxOAWyonddIFmuRSR+y9RQtCmcM";
/// A real key has no digit, `/` or `+` about once in 4,000.
const SECRET_LETTERS: &str = "NggmitaRUAjfXhrFZEnvExmVjNIibtLrJkBbpABG";
const TOKEN: &str = concat!(
    "FLeHg6n/fgQUQFBNpa34oerBDbnyKuO17Il8uleG",
    "Q3fZlvlTVfykHXkB8A0TvcpVRkTX8ya3f6dvOrcK",
    "NBQAy4Kh1U2qSCgegHGgREYJVDp6FlIJkPKhJuEP",
    "BXoXBdVATsZ6/S79BjdBnyPWsXDqcoX7MBJNn5zW=="
);

const POSITIVES: &[Case] = &[
    case(
        "long-lived access key ID in env",
        At::Env,
        "AWS_ACCESS_KEY_ID",
        "AKIA28PVBNG5WE2YBTPK",
        IAM001,
    ),
    case(
        "session access key ID in env",
        At::Env,
        "AWS_ACCESS_KEY_ID",
        "ASIA8DSN1BLK4FHWZ6R1",
        IAM001,
    ),
    case(
        "secret access key in env",
        At::Env,
        "AWS_SECRET_ACCESS_KEY",
        SECRET_1,
        IAM001,
    ),
    case(
        "session token in env",
        At::Env,
        "AWS_SESSION_TOKEN",
        TOKEN,
        IAM001,
    ),
    case(
        "letters-only secret key with 24+ distinct letters",
        At::Env,
        "AWS_SECRET_ACCESS_KEY",
        SECRET_LETTERS,
        IAM001,
    ),
    case(
        "secret key under a camelCase name in a ConfigMap",
        At::ConfigMap,
        "secretAccessKey",
        SECRET_2,
        IAM001,
    ),
    case(
        "credentials file in a ConfigMap",
        At::ConfigMap,
        "credentials",
        "[default]\naws_access_key_id = AKIAJE2YA1ZA0J7MMAZ0\naws_secret_access_key = DdPRbaCzE3RjCpVX9ZN9kBUGSnxIwBXzb0pik3db\n",
        IAM001X2,
    ),
    case(
        "session credentials file with a token, quoted and commented",
        At::ConfigMap,
        "credentials",
        "[ci]\naws_access_key_id=ASIA4D1AZVN5HKDKHLQR\naws_secret_access_key = \"BZ8sOS/GddKvjKyrJGOYVrlK+rn+iApFoXKL6HWX\" # rotated\naws_session_token = FLeHg6n/fgQUQFBNpa34oerBDbnyKuO17Il8uleGQ3fZlvlTVfykHXkB8A0TvcpVRkTX8ya3f6dvOrcKNBQAy4Kh1U2qSCgegHGgREYJVDp6FlIJkPKhJuEP\n",
        IAM001X3,
    ),
    case(
        "env file line in a ConfigMap",
        At::ConfigMap,
        "app.env",
        "AWS_SECRET_ACCESS_KEY=Eqyu72Ef5igWJdYVoGjXGBNJdPiOSvcFFocXW+fM",
        IAM001,
    ),
    case(
        "shell script exporting keys",
        At::ConfigMap,
        "run.sh",
        "#!/bin/sh\nexport AWS_ACCESS_KEY_ID=AKIAM4IDY3RUKIO1E678\nexport AWS_SECRET_ACCESS_KEY='2lddnF96m3SjexxOAWyonddIFmuRSR+y9RQtCmcM'\nexec app\n",
        IAM001X2,
    ),
    case(
        "JSON application config",
        At::ConfigMap,
        "config.json",
        "{\n  \"aws_access_key_id\": \"AKIACX7E8CZYL6U77LGF\",\n  \"aws_secret_access_key\": \"BZ8sOS/GddKvjKyrJGOYVrlK+rn+iApFoXKL6HWX\",\n  \"region\": \"eu-west-1\"\n}\n",
        IAM001X2,
    ),
    case(
        "access key ID inside a connection string",
        At::ConfigMap,
        "S3_URL",
        "s3://AKIA28PVBNG5WE2YBTPK@bucket.example.com/path",
        IAM001,
    ),
    case(
        "access key ID in Secret data",
        At::SecretData,
        "AWS_ACCESS_KEY_ID",
        "AKIA28PVBNG5WE2YBTPK",
        IAM002,
    ),
    case(
        "secret key with a trailing newline in Secret data",
        At::SecretData,
        "AWS_SECRET_ACCESS_KEY",
        "Eqyu72Ef5igWJdYVoGjXGBNJdPiOSvcFFocXW+fM\n",
        IAM002,
    ),
    case(
        "secret key in Secret stringData",
        At::StringData,
        "aws_secret_access_key",
        SECRET_3,
        IAM002,
    ),
    case(
        "session token in Secret stringData",
        At::StringData,
        "AWS_SESSION_TOKEN",
        TOKEN,
        IAM002,
    ),
    case(
        "session access key ID in Secret stringData",
        At::StringData,
        "AWS_ACCESS_KEY_ID",
        "ASIA249FKK0XKQMEWTMA",
        IAM002,
    ),
    case(
        "credentials file in Secret data",
        At::SecretData,
        "credentials",
        "[default]\naws_access_key_id = AKIAJE2YA1ZA0J7MMAZ0\naws_secret_access_key = 2lddnF96m3SjexxOAWyonddIFmuRSR+y9RQtCmcM\n",
        IAM002X2,
    ),
    case(
        "S3-prefixed secret key name",
        At::Env,
        "AWS_S3_SECRET_ACCESS_KEY",
        SECRET_4,
        IAM001,
    ),
];

const NEGATIVES: &[Case] = &[
    // Issue #14.
    case(
        "`secret` for a local DynamoDB",
        At::ConfigMap,
        "AWS_SECRET_ACCESS_KEY",
        "secret",
        IAM006,
    ),
    case(
        "`dummy` access key ID",
        At::ConfigMap,
        "AWS_ACCESS_KEY_ID",
        "dummy",
        IAM006,
    ),
    case(
        "`changeme`",
        At::Env,
        "AWS_SECRET_ACCESS_KEY",
        "changeme",
        IAM006,
    ),
    case(
        "`test` (LocalStack)",
        At::Env,
        "AWS_ACCESS_KEY_ID",
        "test",
        IAM006,
    ),
    case(
        "40 x's",
        At::Env,
        "AWS_SECRET_ACCESS_KEY",
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        IAM006,
    ),
    case(
        "masked value",
        At::ConfigMap,
        "AWS_SECRET_ACCESS_KEY",
        "********",
        IAM006,
    ),
    case(
        "angle-bracket placeholder",
        At::ConfigMap,
        "AWS_SECRET_ACCESS_KEY",
        "<your-secret-access-key>",
        IAM006,
    ),
    case(
        "AWS's documentation access key ID",
        At::Env,
        "AWS_ACCESS_KEY_ID",
        "AKIAIOSFODNN7EXAMPLE",
        IAM006,
    ),
    case(
        "AWS's documentation secret key",
        At::Env,
        "AWS_SECRET_ACCESS_KEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        IAM006,
    ),
    case(
        "AWS's documentation keys in a credentials file",
        At::ConfigMap,
        "credentials",
        "[default]\naws_access_key_id = AKIAI44QH8DHBEXAMPLE\naws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\n",
        IAM006X2,
    ),
    case(
        "AWS's documentation access key ID under another name",
        At::ConfigMap,
        "README",
        "Set AWS_ACCESS_KEY_ID, e.g. AKIAIOSFODNN7EXAMPLE.",
        NONE,
    ),
    case(
        "repeated-X access key ID",
        At::Env,
        "AWS_ACCESS_KEY_ID",
        "AKIAXXXXXXXXXXXXXXXX",
        IAM006,
    ),
    case(
        "fewer than 16 characters",
        At::Env,
        "AWS_SECRET_ACCESS_KEY",
        "Xk9pQ2mLz7Wv",
        IAM006,
    ),
    case(
        "UUID",
        At::Env,
        "AWS_SECRET_ACCESS_KEY",
        "ddadb32f-b9ea-4a33-8780-cbe37f954b79",
        IAM006,
    ),
    case(
        "UUID under another name",
        At::Env,
        "REQUEST_ID",
        "ddadb32f-b9ea-4a33-8780-cbe37f954b79",
        NONE,
    ),
    case(
        "SHA-1 in hex (40 characters)",
        At::Env,
        "AWS_SECRET_ACCESS_KEY",
        "11f6ad8ec52a2984abaafd7c3b516503785c2072",
        IAM006,
    ),
    case(
        "SHA-1 in upper-case hex",
        At::StringData,
        "AWS_SECRET_ACCESS_KEY",
        "11F6AD8EC52A2984ABAAFD7C3B516503785C2072",
        IAM006,
    ),
    case(
        "SHA-1 under another name",
        At::Env,
        "GIT_COMMIT",
        "11f6ad8ec52a2984abaafd7c3b516503785c2072",
        NONE,
    ),
    case(
        "40 lower-case letters",
        At::Env,
        "AWS_SECRET_ACCESS_KEY",
        "correcthorsebatterystaplecorrecthorsebat",
        IAM006,
    ),
    case(
        "40 characters of a short repeated pattern",
        At::Env,
        "AWS_SECRET_ACCESS_KEY",
        "Ab1/Ab1/Ab1/Ab1/Ab1/Ab1/Ab1/Ab1/Ab1/Ab1/",
        IAM006,
    ),
    case(
        "40 characters with a placeholder word",
        At::Env,
        "AWS_SECRET_ACCESS_KEY",
        "MyS3cretKeyPlaceholderForLocalDev0123456",
        IAM006,
    ),
    case(
        "JWT as a session token",
        At::Env,
        "AWS_SESSION_TOKEN",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        IAM006,
    ),
    case(
        "base64 of short text",
        At::StringData,
        "AWS_SECRET_ACCESS_KEY",
        "aHVudGVyMg==",
        IAM006,
    ),
    case(
        "base64 of `test` in Secret data",
        At::SecretData,
        "AWS_ACCESS_KEY_ID",
        "test",
        IAM006,
    ),
    case(
        "URL",
        At::ConfigMap,
        "AWS_SECRET_ACCESS_KEY",
        "https://vault.internal/v1/aws/creds/app",
        IAM006,
    ),
    case(
        "Helm template",
        At::ConfigMap,
        "AWS_SECRET_ACCESS_KEY",
        "{{ .Values.aws.secretAccessKey }}",
        NONE,
    ),
    case(
        "Go template in a credentials file",
        At::ConfigMap,
        "credentials",
        "[default]\naws_access_key_id = {{ .AccessKeyId }}\naws_secret_access_key = {{ .SecretAccessKey }}\n",
        NONE,
    ),
    case(
        "Kubernetes dependent env var",
        At::Env,
        "AWS_SECRET_ACCESS_KEY",
        "$(SECRET_FROM_VOLUME)",
        NONE,
    ),
    case(
        "envsubst reference",
        At::ConfigMap,
        "AWS_SECRET_ACCESS_KEY",
        "${AWS_SECRET_ACCESS_KEY}",
        NONE,
    ),
    case(
        "shell variable",
        At::ConfigMap,
        "credentials",
        "[default]\naws_secret_access_key = $AWS_SECRET_ACCESS_KEY\n",
        NONE,
    ),
    case("empty", At::ConfigMap, "aws_secret_access_key", "", NONE),
    case(
        "lower-case access key ID look-alike",
        At::Env,
        "BUILD_TAG",
        "AKIAiosfodnn7example",
        NONE,
    ),
    case(
        "21-character access key ID look-alike",
        At::Env,
        "BUILD_TAG",
        "AKIA28PVBNG5WE2YBTPKQ",
        NONE,
    ),
    case(
        "key-shaped value under a name that is not a credential's",
        At::Env,
        "CACHE_SALT",
        SECRET_1,
        NONE,
    ),
    case("region", At::ConfigMap, "AWS_REGION", "eu-west-1", NONE),
];

fn object(at: At, key: &str, value: &str) -> Value {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let meta = json!({"name": "case", "namespace": "team"});
    match at {
        At::Env => json!({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
            "spec": {"selector": {"matchLabels": {"app": "x"}}, "template": {
                "metadata": {"labels": {"app": "x"}},
                "spec": {"containers": [{"name": "app", "image": "app:1.0",
                    "env": [{"name": key, "value": value}]}]}}}
        }),
        At::ConfigMap => json!({
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {key: value}
        }),
        At::SecretData => json!({
            "apiVersion": "v1", "kind": "Secret", "metadata": meta, "data": {key: b64(value)}
        }),
        At::StringData => json!({
            "apiVersion": "v1", "kind": "Secret", "metadata": meta, "stringData": {key: value}
        }),
    }
}

fn findings_with(at: At, key: &str, value: &str, config: &Config) -> Vec<Finding> {
    let text = object(at, key, value).to_string();
    let loaded = eksguard_files::load_bytes("case.yaml", text.as_bytes()).finish();
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let ctx = Context::new(config);
    let mut sink = Sink::new();
    for obj in &loaded.objects {
        eksguard_controls::check_object(obj, &ctx, &mut sink);
    }
    sink.into_findings()
        .into_iter()
        .filter(|f| ["IAM-001", "IAM-002", "IAM-006"].contains(&f.control))
        .collect()
}

fn findings(at: At, key: &str, value: &str) -> Vec<Finding> {
    findings_with(at, key, value, &Config::default())
}

fn check(cases: &[Case]) {
    let mut failures = Vec::new();
    for c in cases {
        let found = findings(c.at, c.key, c.value);
        let got: Vec<(&str, Severity)> = found.iter().map(|f| (f.control, f.severity)).collect();
        if got != c.expect {
            let messages: Vec<&str> = found.iter().map(|f| f.message.as_str()).collect();
            failures.push(format!(
                "{} ({:?} {}): expected {:?}, got {got:?} {messages:?}",
                c.what, c.at, c.key, c.expect
            ));
        }
        for f in &found {
            assert_no_leak(f, c.value);
            // Key-shaped values carry a fingerprint; placeholders none,
            // since a hash of `secret` is as good as `secret`.
            assert_eq!(
                f.message.contains("(sha256:"),
                f.control != "IAM-006",
                "{}: {}",
                c.what,
                f.message
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// No value of 8 or more characters, or line of a file value, is in the
/// finding.
fn assert_no_leak(f: &Finding, value: &str) {
    let text = serde_json::to_string(f).unwrap();
    let parts = value
        .lines()
        .flat_map(|l| l.split([' ', '=', '"', '\'', ':', '@', '/']))
        .chain([value.trim()]);
    for part in parts.filter(|p| p.len() >= 8 && !p.contains("AWS_") && !p.contains("aws_")) {
        assert!(
            !text.contains(part),
            "{} leaks `{part}`: {}",
            f.control,
            f.message
        );
    }
}

#[test]
fn key_shaped_values_are_critical_in_env_and_configmaps_and_high_in_secrets() {
    assert!(POSITIVES.len() >= 15);
    check(POSITIVES);
}

#[test]
fn placeholders_are_low_and_references_and_look_alikes_nothing() {
    assert!(NEGATIVES.len() >= 20);
    check(NEGATIVES);
}

#[test]
fn issue_14_local_dynamodb_configmap_is_a_low_placeholder_finding() {
    let f = findings(At::ConfigMap, "AWS_SECRET_ACCESS_KEY", "secret");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].control, "IAM-006");
    assert_eq!(f[0].severity, Low);
    assert_eq!(f[0].path, "data.AWS_SECRET_ACCESS_KEY");
    assert_eq!(
        f[0].message,
        "ConfigMap key \"AWS_SECRET_ACCESS_KEY\" holds a placeholder, not an AWS secret access key (a placeholder word)"
    );
    let f = findings(At::Env, "AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE");
    assert_eq!(
        f[0].message,
        "container \"app\" sets env AWS_ACCESS_KEY_ID to a placeholder, not an AWS access key ID (AWS's documentation example)"
    );
    let f = findings(
        At::ConfigMap,
        "credentials",
        "[default]\naws_secret_access_key = changeme\n",
    );
    assert_eq!(
        f[0].message,
        "ConfigMap key \"credentials\" holds a file that sets aws_secret_access_key to a placeholder, not an AWS secret access key (a placeholder word)"
    );
}

#[test]
fn placeholder_findings_can_be_turned_off() {
    let mut config: Config =
        serde_json::from_value(json!({"controls": {"disable": ["IAM-006"]}})).unwrap();
    assert!(config.compile().is_empty());
    for c in NEGATIVES {
        assert!(
            findings_with(c.at, c.key, c.value, &config).is_empty(),
            "{}",
            c.what
        );
    }
    // Keys are still reported.
    let f = findings_with(At::Env, "AWS_SECRET_ACCESS_KEY", SECRET_1, &config);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].control, "IAM-001");
}

#[test]
fn fingerprints_identify_the_value_without_printing_it() {
    let a = findings(At::Env, "AWS_SECRET_ACCESS_KEY", SECRET_1);
    let b = findings(At::StringData, "AWS_SECRET_ACCESS_KEY", SECRET_1);
    let fp = |f: &Finding| f.message.rsplit_once("(sha256:").unwrap().1.to_owned();
    assert_eq!(fp(&a[0]), fp(&b[0]));
    assert_eq!(
        fp(&a[0]),
        format!(
            "{})",
            &eksguard_controls::util::secrets::fingerprint(SECRET_1)["sha256:".len()..]
        )
    );
}

/// A small deterministic generator (xorshift64*), so the sweep below is
/// reproducible and no key-shaped literal sits in the source.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn string(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| alphabet[(self.next() % alphabet.len() as u64) as usize] as char)
            .collect()
    }
}

#[test]
fn random_keys_are_keys_and_random_hex_digests_are_not() {
    use eksguard_controls::util::secrets::{is_real_access_key_id, is_secret_access_key};
    let base64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+";
    let base32 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut rng = Rng(0x00c0_ffee_1234_5678);
    let mut missed = 0;
    for _ in 0..20_000 {
        let key = rng.string(base64, 40);
        if !is_secret_access_key(&key) {
            missed += 1;
        }
        let id = format!("AKIA{}", rng.string(base32, 16));
        assert!(is_real_access_key_id(&id));
        let sha1 = rng.string(b"0123456789abcdef", 40);
        assert!(!is_secret_access_key(&sha1));
        assert!(!is_secret_access_key(&sha1.to_ascii_uppercase()));
        let word = rng.string(b"abcdefghijklmnopqrstuvwxyz", 40);
        assert!(!is_secret_access_key(&word));
    }
    // Markers and the variety rules cost about one key in a hundred thousand.
    assert!(missed <= 2, "{missed} random keys not recognised");
}
