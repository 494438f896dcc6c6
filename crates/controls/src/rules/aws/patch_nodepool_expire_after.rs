use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::{JsonPath, Object};
use serde_json::Value;

/// EKS Auto Mode's maximum node lifetime: 21 days.
pub(crate) const MAX_NODE_LIFETIME_SECS: u64 = 21 * 24 * 3600;

control! {
    /// ## What it checks
    /// Karpenter `NodePool`s (`karpenter.sh/v1`) of EKS Auto Mode (their
    /// `nodeClassRef.group` is `eks.amazonaws.com`) whose
    /// `spec.template.spec.expireAfter` is missing, `Never`, not a duration,
    /// or longer than 21 days (`504h`).
    ///
    /// ## Why it matters
    /// Auto Mode patches nodes by replacing them: a node gets the current,
    /// patched AMI only when it is recreated, and AWS caps a node's life at
    /// 21 days so that happens. A NodePool that asks for longer (Karpenter's
    /// own default is `720h`) states an intent the platform will not honour
    /// and hides how long unpatched nodes really live; set it explicitly,
    /// within the cap, so node age is predictable.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: karpenter.sh/v1
    /// kind: NodePool
    /// spec:
    ///   template:
    ///     spec:
    ///       expireAfter: 720h
    /// ```
    ///
    /// ## Fix
    /// Set `spec.template.spec.expireAfter` to at most `504h` (e.g. `336h`,
    /// the Auto Mode built-in pools' value).
    ///
    /// ## References
    /// - EKS User Guide, "Learn about EKS Auto Mode security": nodes have a maximum lifetime of 21 days
    /// - EKS User Guide, "Create a Node Pool for EKS Auto Mode" (expireAfter)
    /// - https://karpenter.sh/docs/concepts/disruption/#expiration
    pub struct NodePoolExpireAfter {
        id: "PATCH-003",
        name: "nodepool-expire-after-beyond-cap",
        title: "Auto Mode NodePool expireAfter missing or above the 21-day cap",
        severity: Medium,
        pillar: PatchingVulnerabilities,
        responsibility: AwsManaged,
        verified: "each Auto Mode NodePool replaces its nodes within 21 days (expireAfter at most 504h), so nodes run a patched AMI",
    }
}

/// Whether a NodePool's nodes come from an EKS Auto Mode NodeClass.
pub(crate) fn is_auto_mode_pool(obj: &Object) -> bool {
    obj.group() == "karpenter.sh"
        && obj
            .get(&JsonPath::keys(&[
                "spec",
                "template",
                "spec",
                "nodeClassRef",
                "group",
            ]))
            .and_then(Value::as_str)
            == Some("eks.amazonaws.com")
}

impl Control for NodePoolExpireAfter {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["NodePool"]
    }

    fn check_object(&self, obj: &Object, _ctx: &Context, out: &mut Sink) {
        if !is_auto_mode_pool(obj) {
            return;
        }
        let spec = JsonPath::keys(&["spec", "template", "spec"]);
        let field = spec.clone().key("expireAfter");
        let problem = match obj.get(&field) {
            None => Some("is not set (Karpenter's default is 720h)".to_owned()),
            Some(Value::String(s)) if s == "Never" => Some("is Never".to_owned()),
            Some(Value::String(s)) => match go_duration_secs(s) {
                None => Some(format!("is {s:?}, not a duration")),
                Some(secs) if secs > MAX_NODE_LIFETIME_SECS => {
                    Some(format!("is {s} ({} days)", secs / 86_400))
                }
                Some(_) => None,
            },
            Some(_) => Some("is not a string duration".to_owned()),
        };
        if let Some(problem) = problem {
            let at = if obj.get(&field).is_some() {
                field
            } else {
                spec
            };
            out.report(
                &Self::META,
                obj,
                at,
                format!("NodePool {}: spec.template.spec.expireAfter {problem}, beyond EKS Auto Mode's 21-day maximum node lifetime", obj.name),
                "Set spec.template.spec.expireAfter to at most 504h (e.g. 336h).",
            );
        }
    }
}

/// Seconds of a Go duration (`720h`, `1h30m`, `90s`); `None` if malformed,
/// negative or overflowing. Sub-second units round down.
pub(crate) fn go_duration_secs(s: &str) -> Option<u64> {
    let mut rest = s.trim();
    if rest.is_empty() {
        return None;
    }
    if rest == "0" {
        return Some(0);
    }
    let mut total_ns: u128 = 0;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let number: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let ns_per = match &rest[..unit_len] {
            "h" => 3_600e9,
            "m" => 60e9,
            "s" => 1e9,
            "ms" => 1e6,
            "us" | "µs" | "μs" => 1e3,
            "ns" => 1.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        let ns = number * ns_per;
        if !ns.is_finite() || ns > 1e30 {
            return None;
        }
        total_ns = total_ns.checked_add(ns as u128)?;
    }
    u64::try_from(total_ns / 1_000_000_000).ok()
}

#[cfg(test)]
mod tests {
    use super::go_duration_secs as d;

    #[test]
    fn parses_go_durations() {
        assert_eq!(d("720h"), Some(2_592_000));
        assert_eq!(d("504h"), Some(super::MAX_NODE_LIFETIME_SECS));
        assert_eq!(d("1h30m"), Some(5_400));
        assert_eq!(d("1.5h"), Some(5_400));
        assert_eq!(d("0"), Some(0));
        for bad in ["", "h", "10", "10d", "-1h", "1e400h"] {
            assert_eq!(d(bad), None, "{bad}");
        }
    }
}
