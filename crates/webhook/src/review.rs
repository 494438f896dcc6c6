//! The `admission.k8s.io/v1` AdmissionReview wire format: decoding a request
//! strictly (so a malformed review is a 400, never a guess) and encoding the
//! response the API server expects.

use serde::Deserialize;
use serde_json::{Map, Value};

/// Why a request body is not a usable AdmissionReview. Each variant names
/// what was wrong and, for JSON errors, where (line and column).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReviewError {
    #[error("request body is not JSON: {message} at line {line} column {column}")]
    NotJson {
        message: String,
        line: usize,
        column: usize,
    },
    #[error("request body is not an AdmissionReview: {message} at line {line} column {column}")]
    Shape {
        message: String,
        line: usize,
        column: usize,
    },
    #[error(
        "unsupported apiVersion `{0}`: only admission.k8s.io/v1 is served (set admissionReviewVersions: [v1])"
    )]
    ApiVersion(String),
    #[error("unsupported kind `{0}`: expected AdmissionReview")]
    Kind(String),
    #[error("AdmissionReview has no `request`")]
    MissingRequest,
    #[error("AdmissionReview request has no `uid`")]
    MissingUid,
}

/// The parts of an admission request the webhook reads. Unknown fields are
/// ignored, as the API server may add new ones.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionRequest {
    #[serde(default)]
    pub uid: String,
    /// The kind of the object as the API server converted it for us.
    #[serde(default)]
    pub kind: GroupVersionKind,
    #[serde(default)]
    pub sub_resource: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    /// CREATE, UPDATE, DELETE or CONNECT.
    #[serde(default)]
    pub operation: String,
    #[serde(default)]
    pub user_info: UserInfo,
    #[serde(default)]
    pub object: Option<Value>,
    #[serde(default)]
    pub old_object: Option<Value>,
    #[serde(default)]
    pub dry_run: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct GroupVersionKind {
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub kind: String,
}

impl GroupVersionKind {
    /// `group/version`, or `version` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct UserInfo {
    #[serde(default)]
    pub username: Option<String>,
}

impl AdmissionRequest {
    pub fn is_dry_run(&self) -> bool {
        self.dry_run.unwrap_or(false)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    #[serde(default)]
    api_version: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    request: Option<AdmissionRequest>,
}

pub const API_VERSION: &str = "admission.k8s.io/v1";

/// Decodes an AdmissionReview body.
pub fn decode(body: &[u8]) -> Result<AdmissionRequest, ReviewError> {
    // serde would read a struct from a JSON array too; a review is an object.
    if body.trim_ascii_start().first() != Some(&b'{') {
        if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(body) {
            return Err(json_error(e));
        }
        return Err(ReviewError::Shape {
            message: "expected a JSON object".into(),
            line: 1,
            column: 1,
        });
    }
    let env: Envelope = serde_json::from_slice(body).map_err(json_error)?;
    match env.api_version.as_deref() {
        Some(API_VERSION) => {}
        other => return Err(ReviewError::ApiVersion(other.unwrap_or("").to_owned())),
    }
    match env.kind.as_deref() {
        Some("AdmissionReview") => {}
        other => return Err(ReviewError::Kind(other.unwrap_or("").to_owned())),
    }
    let request = env.request.ok_or(ReviewError::MissingRequest)?;
    if request.uid.is_empty() {
        return Err(ReviewError::MissingUid);
    }
    Ok(request)
}

fn json_error(e: serde_json::Error) -> ReviewError {
    let (line, column) = (e.line(), e.column());
    let message = e.to_string();
    // Strip serde's own " at line X column Y" so positions are not repeated.
    let message = message
        .rsplit_once(" at line ")
        .map_or(message.as_str(), |(m, _)| m)
        .to_owned();
    if e.is_data() {
        ReviewError::Shape {
            message,
            line,
            column,
        }
    } else {
        ReviewError::NotJson {
            message,
            line,
            column,
        }
    }
}

/// The webhook's answer to one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    pub allowed: bool,
    /// HTTP-style status code of the denial (403 for policy, 400 for an
    /// object that cannot be evaluated).
    pub code: u16,
    /// Every violated enforced control, one per line.
    pub message: String,
    pub warnings: Vec<String>,
    /// Keys are prefixed by the API server with the webhook's name.
    pub audit_annotations: Vec<(String, String)>,
}

impl Verdict {
    pub fn allow() -> Self {
        Verdict {
            allowed: true,
            code: 200,
            ..Verdict::default()
        }
    }
}

/// Encodes the AdmissionReview response for `uid`.
pub fn encode(uid: &str, verdict: &Verdict) -> Vec<u8> {
    let mut response = Map::new();
    response.insert("uid".into(), Value::String(uid.to_owned()));
    response.insert("allowed".into(), Value::Bool(verdict.allowed));
    if !verdict.allowed {
        let reason = match verdict.code {
            400 => "BadRequest",
            _ => "Forbidden",
        };
        response.insert(
            "status".into(),
            serde_json::json!({
                "status": "Failure",
                "code": verdict.code,
                "reason": reason,
                "message": verdict.message,
            }),
        );
    }
    if !verdict.warnings.is_empty() {
        response.insert(
            "warnings".into(),
            Value::Array(
                verdict
                    .warnings
                    .iter()
                    .cloned()
                    .map(Value::String)
                    .collect(),
            ),
        );
    }
    if !verdict.audit_annotations.is_empty() {
        let map: Map<String, Value> = verdict
            .audit_annotations
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        response.insert("auditAnnotations".into(), Value::Object(map));
    }
    let review = serde_json::json!({
        "apiVersion": API_VERSION,
        "kind": "AdmissionReview",
        "response": response,
    });
    serde_json::to_vec(&review).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_a_minimal_review() {
        let body = br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview",
            "request":{"uid":"u1","kind":{"group":"apps","version":"v1","kind":"Deployment"},
            "operation":"CREATE","namespace":"ns","dryRun":true,"userInfo":{"username":"alice"},
            "object":{"kind":"Deployment"},"somethingNew":1}}"#;
        let r = decode(body).unwrap();
        assert_eq!(r.uid, "u1");
        assert_eq!(r.kind.api_version(), "apps/v1");
        assert!(r.is_dry_run());
        assert_eq!(r.user_info.username.as_deref(), Some("alice"));
    }

    #[test]
    fn rejects_each_malformed_shape_with_its_own_error() {
        assert!(matches!(
            decode(b"{not json"),
            Err(ReviewError::NotJson { line: 1, .. })
        ));
        assert!(matches!(decode(b"[1,2]"), Err(ReviewError::Shape { .. })));
        assert_eq!(
            decode(br#"{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview"}"#).err(),
            Some(ReviewError::ApiVersion("admission.k8s.io/v1beta1".into()))
        );
        assert_eq!(
            decode(br#"{"apiVersion":"admission.k8s.io/v1","kind":"Pod"}"#).err(),
            Some(ReviewError::Kind("Pod".into()))
        );
        assert_eq!(
            decode(br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#).err(),
            Some(ReviewError::MissingRequest)
        );
        assert_eq!(
            decode(br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":""}}"#).err(),
            Some(ReviewError::MissingUid)
        );
        // A uid of the wrong type is a shape error with its position.
        let e = decode(
            br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":5}}"#,
        )
        .unwrap_err();
        assert!(matches!(e, ReviewError::Shape { line: 1, .. }), "{e:?}");
    }

    #[test]
    fn encodes_denial_with_status_and_no_status_when_allowed() {
        let v: Value = serde_json::from_slice(&encode("u", &Verdict::allow())).unwrap();
        assert_eq!(v["response"]["allowed"], true);
        assert!(v["response"].get("status").is_none());
        let deny = Verdict {
            allowed: false,
            code: 403,
            message: "m".into(),
            warnings: vec!["w".into()],
            audit_annotations: vec![("k".into(), "v".into())],
        };
        let v: Value = serde_json::from_slice(&encode("u", &deny)).unwrap();
        assert_eq!(v["apiVersion"], API_VERSION);
        assert_eq!(v["response"]["uid"], "u");
        assert_eq!(v["response"]["status"]["code"], 403);
        assert_eq!(v["response"]["status"]["reason"], "Forbidden");
        assert_eq!(v["response"]["warnings"][0], "w");
        assert_eq!(v["response"]["auditAnnotations"]["k"], "v");
    }
}
