//! The subset of an `audit.k8s.io/v1` `Event` the rules read.
//!
//! Fields borrow from the input line wherever JSON escaping allows, and the
//! request/response bodies stay as [`RawValue`]s that a rule parses only
//! when it needs them: most events are `get`/`list`/`watch` at `Metadata`
//! level and never pay for a body parse.

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

type Str<'a> = Cow<'a, str>;

/// The audit stage an event was emitted at. Each request is logged once per
/// stage, so rules must pick one stage per request (see [`crate::Pipeline`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Stage {
    RequestReceived,
    ResponseStarted,
    ResponseComplete,
    Panic,
    /// Missing or unknown stage value.
    #[default]
    Other,
}

impl Stage {
    pub const ALL: [Stage; 5] = [
        Stage::RequestReceived,
        Stage::ResponseStarted,
        Stage::ResponseComplete,
        Stage::Panic,
        Stage::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::RequestReceived => "RequestReceived",
            Stage::ResponseStarted => "ResponseStarted",
            Stage::ResponseComplete => "ResponseComplete",
            Stage::Panic => "Panic",
            Stage::Other => "Other",
        }
    }

    fn parse(s: &str) -> Stage {
        match s {
            "RequestReceived" => Stage::RequestReceived,
            "ResponseStarted" => Stage::ResponseStarted,
            "ResponseComplete" => Stage::ResponseComplete,
            "Panic" => Stage::Panic,
            _ => Stage::Other,
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// `user` / `impersonatedUser` of an event.
#[derive(Debug, Default, Deserialize)]
pub struct UserInfo<'a> {
    #[serde(borrow, default, deserialize_with = "crate::event::opt_cow")]
    pub username: Option<Str<'a>>,
    /// The raw JSON array, searched on demand: collecting it would cost an
    /// allocation per event and most rules never look at groups.
    #[serde(borrow, default)]
    pub groups: Option<&'a RawValue>,
}

/// `objectRef` of an event.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef<'a> {
    #[serde(borrow, default, deserialize_with = "crate::event::opt_cow")]
    pub resource: Option<Str<'a>>,
    #[serde(borrow, default, deserialize_with = "crate::event::opt_cow")]
    pub namespace: Option<Str<'a>>,
    #[serde(borrow, default, deserialize_with = "crate::event::opt_cow")]
    pub name: Option<Str<'a>>,
    #[serde(borrow, default, deserialize_with = "crate::event::opt_cow")]
    pub subresource: Option<Str<'a>>,
    #[serde(borrow, default, deserialize_with = "crate::event::opt_cow")]
    pub api_group: Option<Str<'a>>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ResponseStatus {
    #[serde(default)]
    pub code: Option<i64>,
}

/// The annotations rules read; every other annotation is skipped while
/// parsing rather than collected into a map.
#[derive(Debug, Default)]
pub struct Annotations<'a> {
    /// `authorization.k8s.io/decision`: `allow` or `forbid`.
    pub decision: Option<Str<'a>>,
    /// `authorization.k8s.io/reason`, raw: it usually holds escaped quotes,
    /// so decoding it eagerly would allocate for every event.
    pub reason: Option<&'a RawValue>,
}

impl Annotations<'_> {
    /// The decoded authorization reason.
    pub fn reason(&self) -> Option<String> {
        serde_json::from_str(self.reason?.get()).ok()
    }
}

/// One audit event. Construct it with [`Event::parse`].
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event<'a> {
    #[serde(borrow, default, deserialize_with = "crate::event::opt_cow")]
    pub kind: Option<Str<'a>>,
    #[serde(borrow, default, deserialize_with = "crate::event::opt_cow")]
    pub level: Option<Str<'a>>,
    #[serde(
        borrow,
        default,
        rename = "auditID",
        deserialize_with = "crate::event::opt_cow"
    )]
    pub audit_id: Option<Str<'a>>,
    #[serde(default, deserialize_with = "de_stage")]
    pub stage: Stage,
    #[serde(
        borrow,
        default,
        rename = "requestURI",
        deserialize_with = "crate::event::opt_cow"
    )]
    pub request_uri: Option<Str<'a>>,
    #[serde(borrow, default, deserialize_with = "crate::event::opt_cow")]
    pub verb: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub user: UserInfo<'a>,
    #[serde(borrow, default)]
    pub impersonated_user: Option<UserInfo<'a>>,
    /// Only the last `sourceIPs` entry: the API server appends the address of
    /// the peer it saw to whatever `X-Forwarded-For` chain the client sent,
    /// so earlier entries are client-controlled and can be forged. The last
    /// one is what the server (or the EKS front end) observed.
    #[serde(borrow, default, rename = "sourceIPs", deserialize_with = "de_last")]
    pub source_ip: Option<Str<'a>>,
    #[serde(borrow, default, deserialize_with = "crate::event::opt_cow")]
    pub user_agent: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub object_ref: Option<ObjectRef<'a>>,
    #[serde(default)]
    pub response_status: Option<ResponseStatus>,
    #[serde(borrow, default)]
    pub request_object: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub response_object: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "crate::event::opt_cow")]
    pub request_received_timestamp: Option<Str<'a>>,
    #[serde(borrow, default, deserialize_with = "crate::event::opt_cow")]
    pub stage_timestamp: Option<Str<'a>>,
    #[serde(borrow, default, deserialize_with = "de_annotations")]
    pub annotations: Annotations<'a>,
}

impl<'a> Event<'a> {
    /// Parses one event from its JSON text. Only an `Event` (or an object
    /// without `kind`) is accepted; anything else is an error so a stray
    /// `EventList` or CloudWatch envelope is not silently read as empty.
    pub fn parse(text: &'a str) -> Result<Event<'a>, serde_json::Error> {
        let ev: Event<'a> = serde_json::from_str(text)?;
        match ev.kind.as_deref() {
            None | Some("Event") => Ok(ev),
            Some(other) => Err(de::Error::custom(format_args!(
                "expected an audit Event, found kind `{other}`"
            ))),
        }
    }

    pub fn username(&self) -> &str {
        self.user.username.as_deref().unwrap_or("")
    }
    pub fn verb(&self) -> &str {
        self.verb.as_deref().unwrap_or("")
    }
    pub fn resource(&self) -> &str {
        self.object_ref
            .as_ref()
            .and_then(|o| o.resource.as_deref())
            .unwrap_or("")
    }
    pub fn subresource(&self) -> &str {
        self.object_ref
            .as_ref()
            .and_then(|o| o.subresource.as_deref())
            .unwrap_or("")
    }
    pub fn namespace(&self) -> &str {
        self.object_ref
            .as_ref()
            .and_then(|o| o.namespace.as_deref())
            .unwrap_or("")
    }
    pub fn name(&self) -> &str {
        self.object_ref
            .as_ref()
            .and_then(|o| o.name.as_deref())
            .unwrap_or("")
    }
    pub fn api_group(&self) -> &str {
        self.object_ref
            .as_ref()
            .and_then(|o| o.api_group.as_deref())
            .unwrap_or("")
    }
    pub fn code(&self) -> Option<i64> {
        self.response_status.as_ref().and_then(|s| s.code)
    }
    /// A 2xx response. Falco's `response_successful` is the same test.
    pub fn succeeded(&self) -> bool {
        matches!(self.code(), Some(200..=299))
    }
    /// Not rejected: 2xx, or 101 (exec/attach/port-forward upgrade).
    pub fn allowed(&self) -> bool {
        matches!(self.code(), Some(101 | 200..=299))
    }
    pub fn decision(&self) -> &str {
        self.annotations.decision.as_deref().unwrap_or("")
    }
    pub fn in_group(&self, group: &str) -> bool {
        // Group names are plain identifiers; an exact quoted match inside
        // the array is an exact element match.
        let Some(raw) = self.user.groups else {
            return false;
        };
        let raw = raw.get();
        let mut rest = raw;
        while let Some(i) = rest.find(group) {
            let before = rest.as_bytes()[..i].last().copied();
            let after = rest.as_bytes().get(i + group.len()).copied();
            if before == Some(b'"') && after == Some(b'"') {
                return true;
            }
            rest = &rest[i + group.len()..];
        }
        false
    }
    /// The request time, falling back to the stage time.
    pub fn timestamp(&self) -> &str {
        self.request_received_timestamp
            .as_deref()
            .or(self.stage_timestamp.as_deref())
            .unwrap_or("")
    }
    /// [`Self::timestamp`] as microseconds since the Unix epoch.
    pub fn time_micros(&self) -> Option<i64> {
        parse_rfc3339_micros(self.timestamp())
    }
    /// `resource/namespace/name` plus `/subresource`, empty parts skipped.
    pub fn object_display(&self) -> String {
        let mut s = String::new();
        for part in [
            self.resource(),
            self.namespace(),
            self.name(),
            self.subresource(),
        ] {
            if !part.is_empty() {
                if !s.is_empty() {
                    s.push('/');
                }
                s.push_str(part);
            }
        }
        if s.is_empty() {
            s.push_str(self.request_uri.as_deref().unwrap_or(""));
        }
        s
    }
    /// exec, attach and port-forward: long-running requests whose
    /// `ResponseComplete` only arrives when the session ends.
    pub fn is_streaming_subresource(&self) -> bool {
        self.resource() == "pods" && matches!(self.subresource(), "exec" | "attach" | "portforward")
    }
}

fn de_stage<'de, D: Deserializer<'de>>(d: D) -> Result<Stage, D::Error> {
    let s: Option<Cow<'de, str>> = Deserialize::deserialize(d)?;
    Ok(s.map(|s| Stage::parse(&s)).unwrap_or(Stage::Other))
}

/// Keeps the last string of a JSON array without allocating a Vec.
fn de_last<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'de, str>>, D::Error> {
    struct Last;
    impl<'de> Visitor<'de> for Last {
        type Value = Option<Cow<'de, str>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an array of strings")
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut last = None;
            while let Some(Borrowed(s)) = seq.next_element::<Borrowed<'de>>()? {
                last = Some(s);
            }
            Ok(last)
        }
    }
    d.deserialize_any(Last)
}

/// A `Cow<str>` that borrows when possible: serde's derive only borrows for
/// a bare `Cow<str>` field, and `Option<Cow<str>>` or a `Cow` inside a
/// sequence would allocate for every string of every event.
struct Borrowed<'a>(Cow<'a, str>);

struct CowVisitor;

impl<'de> Visitor<'de> for CowVisitor {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

impl<'de> Deserialize<'de> for Borrowed<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(CowVisitor).map(Borrowed)
    }
}

/// `deserialize_with` helper for `Option<Cow<str>>` fields that borrows.
pub(crate) fn opt_cow<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'de, str>>, D::Error> {
    struct Opt;
    impl<'de> Visitor<'de> for Opt {
        type Value = Option<Cow<'de, str>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a string or null")
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(CowVisitor).map(Some)
        }
    }
    d.deserialize_option(Opt)
}

fn de_annotations<'de, D: Deserializer<'de>>(d: D) -> Result<Annotations<'de>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Annotations<'de>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a map of annotations")
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(Annotations::default())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Annotations::default();
            while let Some(Borrowed(key)) = map.next_key::<Borrowed<'de>>()? {
                match key.as_ref() {
                    "authorization.k8s.io/decision" => {
                        out.decision = Some(map.next_value::<Borrowed<'de>>()?.0)
                    }
                    "authorization.k8s.io/reason" => out.reason = Some(map.next_value()?),
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(out)
        }
    }
    d.deserialize_any(V)
}

/// Parses the RFC 3339 timestamps the API server writes
/// (`2024-01-02T03:04:05.123456Z`, offsets accepted) into microseconds since
/// the epoch. Hand-written because it runs once per event on the hot path.
pub(crate) fn parse_rfc3339_micros(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let mut v = 0i64;
        for &c in b.get(r)? {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + i64::from(c - b'0');
        }
        Some(v)
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut micros = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let mut digits = 0;
        while let Some(c) = b.get(i).filter(|c| c.is_ascii_digit()) {
            if digits < 6 {
                micros = micros * 10 + i64::from(c - b'0');
                digits += 1;
            }
            i += 1;
        }
        for _ in digits..6 {
            micros *= 10;
        }
    }
    let offset_secs = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        c @ (b'+' | b'-') if i + 6 == b.len() && b[i + 3] == b':' => {
            let v = num(i + 1..i + 3)? * 3600 + num(i + 4..i + 6)? * 60;
            if *c == b'+' { v } else { -v }
        }
        _ => return None,
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset_secs;
    Some(secs * 1_000_000 + micros)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        // 2024-01-01T00:00:00Z is 1704067200 (date -d @1704067200 -u).
        assert_eq!(
            parse_rfc3339_micros("2024-01-01T00:00:00Z"),
            Some(1_704_067_200_000_000)
        );
        assert_eq!(
            parse_rfc3339_micros("2024-01-01T00:00:01.5Z"),
            Some(1_704_067_201_500_000)
        );
        assert_eq!(
            parse_rfc3339_micros("2024-01-01T01:00:00.000001+01:00"),
            Some(1_704_067_200_000_001)
        );
        assert_eq!(parse_rfc3339_micros("2024-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339_micros("garbage"), None);
        assert_eq!(parse_rfc3339_micros("2024-01-01T00:00:00"), None);
    }

    #[test]
    fn last_source_ip_and_annotations() {
        let line = r#"{"kind":"Event","stage":"ResponseComplete","sourceIPs":["1.2.3.4","10.0.0.5"],"annotations":{"x":"y","authorization.k8s.io/decision":"allow"}}"#;
        let ev = Event::parse(line).unwrap();
        assert_eq!(ev.source_ip.as_deref(), Some("10.0.0.5"));
        assert_eq!(ev.decision(), "allow");
        assert_eq!(ev.stage, Stage::ResponseComplete);
    }

    #[test]
    fn groups_match_whole_elements() {
        let line = r#"{"user":{"username":"x","groups":["system:unauthenticated-ish","system:authenticated"]}}"#;
        let ev = Event::parse(line).unwrap();
        assert!(ev.in_group("system:authenticated"));
        assert!(!ev.in_group("system:unauthenticated"));
    }

    #[test]
    fn unescaped_strings_are_borrowed() {
        let line = r#"{"verb":"get","requestURI":"/a\u0026b","objectRef":{"name":"x"}}"#;
        let ev = Event::parse(line).unwrap();
        assert!(matches!(ev.verb, Some(Cow::Borrowed("get"))));
        assert!(matches!(
            ev.object_ref.as_ref().unwrap().name,
            Some(Cow::Borrowed("x"))
        ));
        // Escaped text has to be decoded into an owned string.
        assert!(matches!(ev.request_uri.as_deref(), Some("/a&b")));
        assert!(matches!(ev.request_uri, Some(Cow::Owned(_))));
    }

    #[test]
    fn rejects_other_kinds() {
        assert!(Event::parse(r#"{"kind":"EventList","items":[]}"#).is_err());
    }
}
