//! The decision for one admission request: Pod Security per namespace labels
//! (the `eksguard-pss` engine, as PodSecurity admission decides) plus every
//! object control `scan` runs, each in its configured mode.

use eksguard_controls::config::Date;
use eksguard_controls::{Config, Context, Sink};
use eksguard_core::{Object, Source};
use eksguard_pss::{Evaluator, Exemptions, Level, LevelVersion, Policy, Request, TargetKind};
use serde_json::Value;
use std::sync::Arc;

use crate::namespaces::Namespaces;
use crate::review::{AdmissionRequest, Verdict};
use crate::settings::{Mode, Settings, UnknownNamespace};

/// The control ID Pod Security violations are reported under (the same as
/// `scan`'s "workload violates its namespace's enforced level").
pub const PSS_CONTROL: &str = "PSS-002";

/// One violated control in one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub control: &'static str,
    pub mode: Mode,
    pub message: String,
    pub remediation: String,
}

/// The verdict and the violations behind it (for logs and metrics).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub verdict: Verdict,
    pub violations: Vec<Violation>,
}

/// Evaluates admission requests. Built once at start; shared by requests.
pub struct Engine {
    config: Config,
    settings: Settings,
    evaluator: Evaluator,
    k8s_minor: Option<u64>,
    pss_defaults: Policy,
    exemptions: Exemptions,
    /// Image scan reports read at start (`--image-reports`): the
    /// vulnerability gate (IMG-010/011) at admission.
    images: Option<eksguard_images::ImageIndex>,
}

impl Engine {
    /// `config` must already be compiled ([`Config::compile`]); `k8s_minor`
    /// is the cluster's Kubernetes minor version (`None`: the newest known),
    /// which PSS `latest` resolves to.
    pub fn new(config: Config, k8s_minor: Option<u64>) -> Result<Engine, crate::Error> {
        let settings = Settings::from_config(config.webhook.as_ref())?;
        // The same defaults and exemptions `scan` uses, so both agree.
        let pss_defaults = config.pss_defaults();
        let exemptions = eksguard_controls::pss::exemptions(&config);
        Ok(Engine {
            config,
            settings,
            evaluator: Evaluator::new(k8s_minor),
            k8s_minor,
            pss_defaults,
            exemptions,
            images: None,
        })
    }

    /// Gates images on these vulnerability scan results, as `scan
    /// --image-reports` does.
    pub fn with_images(mut self, images: eksguard_images::ImageIndex) -> Self {
        self.images = Some(images);
        self
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Decides one request. Never panics on any input: what cannot be
    /// evaluated is denied with code 400 and says why.
    pub fn review(&self, req: &AdmissionRequest, namespaces: &Namespaces) -> Review {
        let mut out = Out::default();
        if req.operation != "CREATE" && req.operation != "UPDATE" {
            return out.finish(None);
        }
        let sub = req.sub_resource.as_deref().unwrap_or("");
        // Status, scale and other subresources carry no new pod spec; upstream
        // PodSecurity evaluates only the ephemeralcontainers subresource.
        if !sub.is_empty() && sub != "ephemeralcontainers" {
            return out.finish(None);
        }
        let obj = match self.object(req) {
            Ok(o) => o,
            Err(msg) => return Review::bad_request(msg),
        };
        if let Err(msg) = self.pod_security(req, &obj, namespaces, &mut out) {
            return Review::bad_request(msg);
        }
        if sub.is_empty() {
            self.object_controls(&obj, &mut out);
        }
        out.finish(Some(&obj))
    }

    /// The request's object as the model's [`Object`], with the namespace
    /// and name filled from the request when the body leaves them out (as
    /// for `generateName` or a namespace taken from the URL).
    fn object(&self, req: &AdmissionRequest) -> Result<Object, String> {
        let what = format!("{} {}", req.kind.kind, req.name.as_deref().unwrap_or(""));
        let Some(Value::Object(map)) = &req.object else {
            return Err(format!(
                "request.object of {} {} must be an object",
                req.operation,
                what.trim_end()
            ));
        };
        let mut map = map.clone();
        map.entry("apiVersion")
            .or_insert_with(|| Value::String(req.kind.api_version()));
        map.entry("kind")
            .or_insert_with(|| Value::String(req.kind.kind.clone()));
        let meta = map
            .entry("metadata")
            .or_insert_with(|| Value::Object(Default::default()));
        let Value::Object(meta) = meta else {
            return Err(format!(
                "request.object.metadata of {} is not an object",
                what.trim_end()
            ));
        };
        if let Some(ns) = req.namespace.as_deref().filter(|n| !n.is_empty()) {
            meta.entry("namespace")
                .or_insert_with(|| Value::String(ns.to_owned()));
        }
        if !meta.contains_key("name") && !meta.contains_key("generateName") {
            meta.insert(
                "name".into(),
                Value::String(req.name.clone().unwrap_or_default()),
            );
        }
        let source = Source {
            file: Arc::from("admission"),
            document: 0,
            item: None,
            line: 0,
            column: 0,
        };
        Object::from_value(Value::Object(map), None, source)
            .map_err(|e| format!("request.object: {e}"))
    }

    fn pod_security(
        &self,
        req: &AdmissionRequest,
        obj: &Object,
        namespaces: &Namespaces,
        out: &mut Out,
    ) -> Result<(), String> {
        let target =
            eksguard_pss::pod_target(&obj.api_version, &obj.kind, &obj.raw).map_err(|e| {
                format!(
                    "cannot evaluate Pod Security of {}: {e}",
                    obj.obj_ref().short()
                )
            })?;
        let (Some(t), Some(ns)) = (target, obj.namespace.as_deref()) else {
            return Ok(());
        };
        if t.kind == TargetKind::Pod
            && req.operation == "UPDATE"
            && req.sub_resource.as_deref().unwrap_or("").is_empty()
            && !significant_pod_update(&obj.raw, req.old_object.as_ref())
        {
            return Ok(());
        }
        let found = namespaces.with_labels(ns, |labels| {
            labels.map(|l| Policy::from_labels(l, self.pss_defaults))
        });
        let (policy, label_errors) = match found {
            Some(p) => p,
            None => match self.settings.unknown_namespace {
                UnknownNamespace::Defaults => {
                    out.warnings.push(format!(
                        "namespace {ns:?} is not in eksguard's namespace cache yet: Pod Security was evaluated with the configured defaults"
                    ));
                    (self.pss_defaults, Vec::new())
                }
                UnknownNamespace::Allow => {
                    out.warnings.push(format!(
                        "namespace {ns:?} is not in eksguard's namespace cache yet: Pod Security was not evaluated"
                    ));
                    return Ok(());
                }
                UnknownNamespace::Deny => {
                    out.push(Violation {
                        control: PSS_CONTROL,
                        mode: Mode::Enforce,
                        message: format!(
                            "namespace {ns:?} is not in eksguard's namespace cache yet, so its Pod Security level is unknown"
                        ),
                        remediation: "Retry in a few seconds (create the Namespace before the objects in it).".into(),
                    });
                    return Ok(());
                }
            },
        };
        let request = Request {
            namespace: ns,
            username: req.user_info.username.as_deref(),
            kind: t.kind,
        };
        let d = eksguard_pss::decide(
            &self.evaluator,
            &policy,
            &label_errors,
            &self.exemptions,
            &request,
            &t.metadata,
            &t.spec,
        );
        if let Some(e) = d.exemption {
            out.annotations.push(("exempt".into(), e.as_str().into()));
            return Ok(());
        }
        let pss_mode = self.settings.controls.get(PSS_CONTROL).copied();
        let fix = |lv: &LevelVersion| {
            format!(
                "change the pod spec so it meets {lv} (each check above names the field), or run it in a namespace meant for that level"
            )
        };
        if let Some(deny) = &d.deny {
            out.push(Violation {
                control: PSS_CONTROL,
                mode: pss_mode.unwrap_or(Mode::Enforce),
                message: format!("pod {}", deny.evaluation.message(&deny.level_version)),
                remediation: fix(&deny.level_version),
            });
        }
        if t.kind == TargetKind::Controller && policy.enforce.level != Level::Privileged {
            let e = self
                .evaluator
                .evaluate(policy.enforce, &t.metadata, &t.spec);
            if !e.allowed {
                out.push(Violation {
                    control: PSS_CONTROL,
                    // Controllers are never denied, as upstream: their pods are.
                    mode: match pss_mode {
                        Some(Mode::Audit) => Mode::Audit,
                        _ => Mode::Warn,
                    },
                    message: format!(
                        "{} is admitted, but every pod it creates would be denied: pod {}",
                        obj.obj_ref().short(),
                        e.message(&policy.enforce)
                    ),
                    remediation: fix(&policy.enforce),
                });
            }
        }
        if let Some(w) = d.warning() {
            out.warnings.push(w);
        }
        if let Some(a) = d.audit_annotation() {
            out.annotations.push(("audit-violations".into(), a.clone()));
            out.violations.push(Violation {
                control: PSS_CONTROL,
                mode: Mode::Audit,
                message: a,
                remediation: String::new(),
            });
        }
        if let Some(e) = d.error_annotation() {
            out.annotations.push(("error".into(), e));
        }
        Ok(())
    }

    fn object_controls(&self, obj: &Object, out: &mut Out) {
        let today = Date::today();
        let ctx = Context {
            config: &self.config,
            k8s_minor: self.k8s_minor,
            images: self.images.as_ref(),
            today,
        };
        let mut sink = Sink::new();
        eksguard_controls::check_object(obj, &ctx, &mut sink);
        let (mut findings, errors) = sink.into_parts();
        self.config.apply_exceptions(&mut findings, today);
        for f in findings.into_iter().filter(|f| f.suppressed.is_none()) {
            out.push(Violation {
                control: f.control,
                mode: self.settings.mode(f.control, f.severity),
                message: f.message,
                remediation: f.remediation,
            });
        }
        // Fail open on what the controls cannot read, but say so.
        for e in errors {
            out.warnings.push(format!(
                "eksguard could not evaluate part of the object: {}",
                e.message
            ));
        }
    }
}

impl Review {
    fn bad_request(message: String) -> Review {
        Review {
            verdict: Verdict {
                allowed: false,
                code: 400,
                message,
                ..Verdict::default()
            },
            violations: Vec::new(),
        }
    }
}

#[derive(Default)]
struct Out {
    violations: Vec<Violation>,
    warnings: Vec<String>,
    annotations: Vec<(String, String)>,
}

impl Out {
    fn push(&mut self, v: Violation) {
        match v.mode {
            Mode::Enforce => {}
            Mode::Warn => self.warnings.push(format!("[{}] {}", v.control, v.message)),
            Mode::Audit => self
                .annotations
                .push((v.control.to_ascii_lowercase(), v.message.clone())),
        }
        self.violations.push(v);
    }

    fn finish(self, obj: Option<&Object>) -> Review {
        let denied: Vec<&Violation> = self
            .violations
            .iter()
            .filter(|v| v.mode == Mode::Enforce)
            .collect();
        let mut verdict = Verdict::allow();
        if !denied.is_empty() {
            let what = obj.map_or_else(String::new, |o| format!(" {}", o.obj_ref().short()));
            let mut message = format!(
                "eksguard denied{what}: {} violated control(s)",
                denied.len()
            );
            for v in denied {
                message.push_str(&format!(
                    "\n[{}] {} (fix: {})",
                    v.control, v.message, v.remediation
                ));
            }
            verdict.allowed = false;
            verdict.code = 403;
            verdict.message = message;
        }
        verdict.warnings = self.warnings;
        verdict.audit_annotations = self.annotations;
        Review {
            verdict,
            violations: self.violations,
        }
    }
}

/// Upstream's `isSignificantPodUpdate`: a Pod update is re-evaluated only
/// when a field Pod Security reads can still change on a running pod
/// (container images, seccomp annotations, added ephemeral containers).
fn significant_pod_update(new: &Value, old: Option<&Value>) -> bool {
    let Some(old) = old else { return true };
    let ann = |v: &Value, k: &str| -> Option<Value> {
        v.get("metadata")?.get("annotations")?.get(k).cloned()
    };
    const POD_SECCOMP: &str = "seccomp.security.alpha.kubernetes.io/pod";
    if ann(new, POD_SECCOMP) != ann(old, POD_SECCOMP) {
        return true;
    }
    let list = |v: &Value, f: &str| -> Vec<Value> {
        v.get("spec")
            .and_then(|s| s.get(f))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let container_changed = |c: &Value, o: &Value| {
        let name = c.get("name").and_then(Value::as_str).unwrap_or("");
        let key = format!("container.seccomp.security.alpha.kubernetes.io/{name}");
        c.get("image") != o.get("image") || ann(new, &key) != ann(old, &key)
    };
    for field in ["containers", "initContainers"] {
        let (n, o) = (list(new, field), list(old, field));
        if n.len() != o.len() || n.iter().zip(&o).any(|(c, o)| container_changed(c, o)) {
            return true;
        }
    }
    let old_eph = list(old, "ephemeralContainers");
    list(new, "ephemeralContainers").iter().any(|c| {
        match old_eph.iter().find(|o| o.get("name") == c.get("name")) {
            None => true,
            Some(o) => container_changed(c, o),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pod_update_significance_follows_upstream() {
        let pod = |img: &str| json!({"spec": {"containers": [{"name": "a", "image": img}]}});
        assert!(!significant_pod_update(&pod("x:1"), Some(&pod("x:1"))));
        assert!(significant_pod_update(&pod("x:2"), Some(&pod("x:1"))));
        assert!(significant_pod_update(&pod("x:1"), None));
        let mut with_eph = pod("x:1");
        with_eph["spec"]["ephemeralContainers"] = json!([{"name": "debug", "image": "busybox"}]);
        assert!(significant_pod_update(&with_eph, Some(&pod("x:1"))));
        let mut seccomp = pod("x:1");
        seccomp["metadata"] = json!({"annotations": {"container.seccomp.security.alpha.kubernetes.io/a": "unconfined"}});
        assert!(significant_pod_update(&seccomp, Some(&pod("x:1"))));
    }
}
