//! A failed AWS call in AWS's own words: HTTP status, error code, message
//! and request ID, classified ([`FailureClass`]) so the advice fits.
//!
//! The SDK's `Display` of an error says little ("service error", "dispatch
//! failure") and its `Debug` is a Rust dump: neither is shown. When the
//! SDK could not parse the error body (an emulator answering a JSON
//! protocol with XML, or a bare 404 page), the status and the body's own
//! code and message are read here instead of "Unknown unhandled error".

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use eksguard_core::aws::{CollectionGap, FailureClass};

/// What a failed call said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub class: FailureClass,
    pub status: Option<u16>,
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
}

impl Failure {
    /// The collection gap of `action` about `what`.
    pub fn gap(&self, action: &str, what: impl Into<String>) -> CollectionGap {
        let mut g = CollectionGap::new(
            action,
            what,
            self.status,
            self.code.clone(),
            self.message.clone(),
            self.request_id.clone(),
        );
        // Transport failures have no code to classify by.
        if self.class != FailureClass::classify(&self.code, self.status) {
            g.class = self.class;
        }
        g
    }
}

/// Reads a failed call. `endpoint` names where the call went, for a call
/// that reached nothing.
pub fn of<E>(e: &SdkError<E, HttpResponse>, endpoint: &str) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match e {
        SdkError::ServiceError(s) => {
            let meta = s.err().meta();
            let request_id = meta.extra("aws_request_id").map(str::to_owned);
            from_response(s.raw(), meta.code(), meta.message(), request_id)
        }
        SdkError::ResponseError(r) => {
            let mut f = from_response(r.raw(), None, None, None);
            if f.message.is_empty() {
                f.message = format!("the answer could not be read: {}", chain(e));
            }
            f
        }
        SdkError::DispatchFailure(d) => {
            let text = chain(e);
            let (class, code) = if d.is_timeout() {
                (FailureClass::Unreachable, "ConnectTimeout")
            } else if d.is_io() {
                (FailureClass::Unreachable, "ConnectionError")
            } else if text.contains("credential") {
                (FailureClass::NoCredentials, "NoCredentials")
            } else if text.contains("region") {
                (FailureClass::NoRegion, "NoRegion")
            } else {
                (FailureClass::Other, "DispatchFailure")
            };
            let message = if class == FailureClass::Unreachable {
                format!("cannot connect to {endpoint}: {text}")
            } else {
                text
            };
            Failure {
                class,
                status: None,
                code: code.into(),
                message,
                request_id: None,
            }
        }
        SdkError::TimeoutError(_) => Failure {
            class: FailureClass::Unreachable,
            status: None,
            code: "Timeout".into(),
            message: format!("{endpoint} did not answer in time: {}", chain(e)),
            request_id: None,
        },
        _ => Failure {
            class: FailureClass::Other,
            status: None,
            code: "RequestNotSent".into(),
            message: chain(e),
            request_id: None,
        },
    }
}

/// An HTTP answer: the SDK's parsed code and message when it had them,
/// else what the body says (AWS XML or JSON errors), else the body's text.
fn from_response(
    raw: &HttpResponse,
    code: Option<&str>,
    message: Option<&str>,
    request_id: Option<String>,
) -> Failure {
    let status = raw.status().as_u16();
    let body = raw
        .body()
        .bytes()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default();
    let header = |name: &str| raw.headers().get(name).map(str::to_owned);
    let request_id = request_id
        .or_else(|| header("x-amzn-requestid"))
        .or_else(|| header("x-amz-request-id"))
        .or_else(|| xml_field(&body, "RequestId"))
        .or_else(|| xml_field(&body, "RequestID"))
        .filter(|id| !id.is_empty());
    let parsed = parse_body(&body);
    let code = code
        .map(str::to_owned)
        .or_else(|| {
            header("x-amzn-errortype").map(|t| t.split(':').next().unwrap_or("").to_owned())
        })
        .or_else(|| parsed.as_ref().and_then(|p| p.0.clone()))
        .unwrap_or_default();
    let message = message
        .map(str::to_owned)
        .or_else(|| parsed.as_ref().and_then(|p| p.1.clone()))
        .unwrap_or_else(|| body_text(&body));
    Failure {
        class: FailureClass::classify(&code, Some(status)),
        status: Some(status),
        code,
        message,
        request_id,
    }
}

/// `(code, message)` of an AWS error body: query/EC2 XML
/// (`<Error><Code>…</Code><Message>…`) or JSON (`__type`, `code`,
/// `message`).
fn parse_body(body: &str) -> Option<(Option<String>, Option<String>)> {
    let t = body.trim_start();
    if t.starts_with('<') {
        let code = xml_field(t, "Code");
        let message = xml_field(t, "Message");
        return (code.is_some() || message.is_some()).then_some((code, message));
    }
    if t.starts_with('{') {
        let v: serde_json::Value = serde_json::from_str(t).ok()?;
        let field = |keys: &[&str]| {
            keys.iter()
                .find_map(|k| v.get(*k).and_then(serde_json::Value::as_str))
                .map(str::to_owned)
        };
        // `__type` may be `namespace#Code`.
        let code = field(&["__type", "code", "Code"])
            .map(|c| c.rsplit('#').next().unwrap_or(&c).to_owned());
        let message = field(&["message", "Message", "errorMessage"]);
        return (code.is_some() || message.is_some()).then_some((code, message));
    }
    None
}

/// The text of `<name>…</name>` (first occurrence), unescaped.
fn xml_field(body: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&close)? + start;
    Some(unescape(body[start..end].trim()))
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// A body that is not an AWS error (an HTML error page): its text without
/// tags, on one line, at most 300 characters. The `<title>` is dropped
/// (the status already says it) when there is more.
fn body_text(body: &str) -> String {
    let mut text = String::new();
    let mut rest = body;
    if let (Some(a), Some(b)) = (rest.find("<title>"), rest.find("</title>"))
        && a < b
        && !rest[b + "</title>".len()..].trim().is_empty()
    {
        rest = &rest[b + "</title>".len()..];
    }
    let mut in_tag = false;
    for c in rest.chars() {
        match c {
            '<' => {
                in_tag = true;
                text.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    // "Not Found The requested URL …": drop a heading that repeats the title.
    let mut joined = words.join(" ");
    for heading in [
        "Not Found ",
        "Forbidden ",
        "Bad Request ",
        "Internal Server Error ",
    ] {
        if let Some(r) = joined.strip_prefix(heading) {
            joined = r.to_owned();
        }
    }
    let joined = unescape(&joined);
    if joined.chars().count() > 300 {
        let cut: String = joined.chars().take(300).collect();
        format!("{cut}…")
    } else {
        joined
    }
}

/// An error and its sources, `: `-joined, each once: the words of every
/// layer (never a `Debug` dump). The SDK's generic outer layers
/// ("dispatch failure", "io error", "service error") are dropped when a
/// more specific one follows.
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    const GENERIC: &[&str] = &[
        "dispatch failure",
        "io error",
        "other error",
        "service error",
        "response error",
        "failed to construct request",
        "timeout error",
        "unhandled error",
        "client error (Connect)",
        "client error (SendRequest)",
    ];
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        let s = err.to_string();
        if !s.is_empty() && !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = err.source();
    }
    let specific: Vec<&String> = parts
        .iter()
        .filter(|p| !GENERIC.contains(&p.as_str()))
        .collect();
    if specific.is_empty() {
        parts.join(": ")
    } else {
        specific
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(": ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_give_their_code_and_message() {
        let xml = r#"<?xml version="1.0" encoding="utf-8"?>
<ErrorResponse><Errors><Error><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/auditor is not authorized to perform: eks:DescribeCluster</Message><Type>Sender</Type></Error></Errors><RequestID>r-1</RequestID></ErrorResponse>"#;
        assert_eq!(
            parse_body(xml),
            Some((
                Some("AccessDenied".into()),
                Some("User: arn:aws:iam::123456789012:user/auditor is not authorized to perform: eks:DescribeCluster".into())
            ))
        );
        assert_eq!(xml_field(xml, "RequestID").as_deref(), Some("r-1"));
        let json = r#"{"__type": "com.amazonaws.eks#AccessDeniedException", "message": "no"}"#;
        assert_eq!(
            parse_body(json),
            Some((Some("AccessDeniedException".into()), Some("no".into())))
        );
        let html = "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>\n";
        assert_eq!(parse_body(html), None);
        assert_eq!(
            body_text(html),
            "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again."
        );
    }
}
