//! Turns a scan's findings, the objects each control looked at and the
//! collection gaps into one result per control and subject.
//!
//! Cost: one pass over the findings (indexed by control and object), one
//! over the evaluated pairs, and one per inventory control over the objects
//! of its subject kinds: O(findings + results).

use crate::{Context, Control, Subjects, all};
use eksguard_core::{CheckResult, Finding, Gap, GapKind, Inventory, Need, ObjectRef, Status};
use std::collections::HashMap;
use std::sync::Arc;

/// What besides the findings decides the results.
pub struct ResultOptions<'a> {
    /// (catalog index, object) pairs the object checks ran on.
    pub evaluated: &'a [(u16, Arc<ObjectRef>)],
    /// Inputs that were not collected.
    pub gaps: &'a [Gap],
}

/// Why a control's input is missing: the first gap that explains it.
struct Missing {
    kind: GapKind,
    reason: String,
    /// A missing kind of object: the control's other subjects still count.
    partial: bool,
}

/// Every control's results, in catalog order then by object.
pub fn results(
    inv: &Inventory,
    ctx: &Context,
    findings: &[Finding],
    opts: &ResultOptions,
) -> Vec<CheckResult> {
    let mut by_subject: HashMap<(&str, &ObjectRef), Vec<&Finding>> = HashMap::new();
    let mut by_control: HashMap<&str, Vec<&Finding>> = HashMap::new();
    for f in findings {
        by_subject
            .entry((f.control, &f.object))
            .or_default()
            .push(f);
        by_control.entry(f.control).or_default().push(f);
    }
    let mut evaluated: HashMap<u16, Vec<&Arc<ObjectRef>>> = HashMap::new();
    for (i, o) in opts.evaluated {
        evaluated.entry(*i).or_default().push(o);
    }
    // One shared reference per inventory object, made on first use.
    let mut refs: HashMap<*const eksguard_core::Object, Arc<ObjectRef>> = HashMap::new();
    let mut out = Vec::new();
    for (i, c) in all().iter().enumerate() {
        let meta = c.meta();
        let new = |status: Status, object: Option<Arc<ObjectRef>>| CheckResult {
            control: meta.id,
            status,
            object,
            responsibility: meta.responsibility,
            pillar: meta.pillar,
            severity: meta.severity,
            reason: None,
            gap: None,
            findings: Vec::new(),
            suppressed: false,
        };
        let control_findings = by_control.get(meta.id).map_or(&[][..], Vec::as_slice);
        if !ctx.config.is_enabled(meta.id) {
            out.push(CheckResult {
                reason: Some("disabled in the configuration (controls.disable)".into()),
                gap: Some(GapKind::NotCollected),
                ..new(Status::NotChecked, None)
            });
            continue;
        }
        if !c.applies(ctx) && control_findings.is_empty() {
            out.push(CheckResult {
                reason: Some(c.not_applicable_reason().into()),
                ..new(Status::NotApplicable, None)
            });
            continue;
        }
        let missing = missing_inputs(*c, inv, opts.gaps);
        let whole_missing = missing.iter().find(|m| !m.partial);
        let mut subjects: Vec<Arc<ObjectRef>> = Vec::new();
        match c.subjects() {
            Subjects::Objects => {
                subjects.extend(
                    evaluated
                        .get(&(i as u16))
                        .into_iter()
                        .flatten()
                        .map(|o| Arc::clone(o)),
                );
            }
            Subjects::Kinds(kinds) => {
                for (g, k) in kinds {
                    for o in inv.of_kind(g, k) {
                        subjects.push(Arc::clone(
                            refs.entry(o as *const _)
                                .or_insert_with(|| Arc::new(o.obj_ref())),
                        ));
                    }
                }
            }
            Subjects::Workloads => {
                for o in inv.workloads() {
                    subjects.push(Arc::clone(
                        refs.entry(o as *const _)
                            .or_insert_with(|| Arc::new(o.obj_ref())),
                    ));
                }
            }
            Subjects::Cluster => {
                if let Some(c) = inv.aws.as_ref().and_then(|a| a.cluster.as_ref()) {
                    subjects.push(Arc::new(crate::rules::aws::cluster_ref(c)));
                }
            }
            Subjects::Account => {
                if let Some(a) = inv.aws.as_ref()
                    && (a.account_id.is_some() || a.region.is_some())
                {
                    subjects.push(Arc::new(crate::rules::aws::account_ref(a)));
                }
            }
            Subjects::Whole => {}
        }
        let mut judged: std::collections::HashSet<Arc<ObjectRef>> = Default::default();
        let add = |object: Arc<ObjectRef>, out: &mut Vec<CheckResult>| {
            let found = by_subject.get(&(meta.id, &*object));
            match found {
                Some(fs) => {
                    let suppressed = fs.iter().all(|f| f.suppressed.is_some());
                    out.push(CheckResult {
                        findings: fs.iter().map(|f| f.fingerprint.clone()).collect(),
                        suppressed,
                        ..new(Status::Fail, Some(object))
                    });
                }
                None => match whole_missing {
                    Some(m) => out.push(CheckResult {
                        reason: Some(m.reason.clone()),
                        gap: Some(m.kind),
                        ..new(Status::NotChecked, Some(object))
                    }),
                    None => out.push(new(Status::Pass, Some(object))),
                },
            }
        };
        // Input the user chose not to collect (no AWS side at all): one
        // control-level result says so, rather than one per workload.
        if whole_missing.is_some_and(|m| m.kind == GapKind::NotCollected) {
            subjects.retain(|s| by_subject.contains_key(&(meta.id, &**s)));
        }
        let start = out.len();
        for s in subjects {
            if judged.insert(Arc::clone(&s)) {
                add(s, &mut out);
            }
        }
        // Findings on things outside the subjects (a control reporting on a
        // role it reached from a ServiceAccount) are failures too.
        let mut extra: Vec<&ObjectRef> = control_findings
            .iter()
            .map(|f| &f.object)
            .filter(|o| !judged.contains(*o))
            .collect();
        extra.sort();
        extra.dedup();
        for o in extra {
            add(Arc::new(o.clone()), &mut out);
        }
        let judged_any = out.len() > start;
        for m in &missing {
            if m.partial || !judged_any {
                out.push(CheckResult {
                    reason: Some(m.reason.clone()),
                    gap: Some(m.kind),
                    ..new(Status::NotChecked, None)
                });
            }
        }
        if !judged_any && missing.is_empty() {
            out.push(match c.subjects() {
                // A whole-inventory check over Kubernetes objects the scan
                // has none of judged nothing (an AWS-only scan).
                Subjects::Whole if !reads_present_kinds(*c, inv) => CheckResult {
                    reason: Some(format!(
                        "no {} in the scan",
                        kind_needs(*c)
                            .map(|(_, k)| k)
                            .collect::<Vec<_>>()
                            .join(" or ")
                    )),
                    ..new(Status::NotApplicable, None)
                },
                Subjects::Whole => new(Status::Pass, None),
                s => CheckResult {
                    reason: Some(nothing_to_judge(s, *c)),
                    ..new(Status::NotApplicable, None)
                },
            });
        }
        out[start..]
            .sort_by(|a, b| (a.object.is_none(), &a.object).cmp(&(b.object.is_none(), &b.object)));
    }
    out
}

fn nothing_to_judge(s: Subjects, c: &dyn Control) -> String {
    match s {
        Subjects::Objects => {
            let kinds = c.kinds();
            if kinds.is_empty() {
                "nothing in the scan for this control to judge".into()
            } else {
                format!("no {} in the scan", kinds.join(", "))
            }
        }
        Subjects::Kinds(k) => format!(
            "no {} in the scan",
            k.iter().map(|(_, k)| *k).collect::<Vec<_>>().join(", ")
        ),
        Subjects::Workloads => "no workloads in the scan".into(),
        Subjects::Cluster => "no EKS cluster in the AWS side of the scan".into(),
        Subjects::Account => "no AWS account in the scan".into(),
        Subjects::Whole => String::new(),
    }
}

/// The Kubernetes kinds a control reads besides its own objects.
fn kind_needs(c: &dyn Control) -> impl Iterator<Item = (&'static str, &'static str)> {
    c.needs().iter().filter_map(|n| match n {
        Need::Kind { group, kind } => Some((*group, *kind)),
        _ => None,
    })
}

/// Whether the scan holds any object of the kinds the control reads (true
/// for a control that reads no kinds).
fn reads_present_kinds(c: &dyn Control, inv: &Inventory) -> bool {
    let mut kinds = kind_needs(c).peekable();
    kinds.peek().is_none() || kinds.any(|(g, k)| inv.of_kind(g, k).next().is_some())
}

/// The inputs `c` needs that were not collected.
fn missing_inputs(c: &dyn Control, inv: &Inventory, gaps: &[Gap]) -> Vec<Missing> {
    let mut out = Vec::new();
    let object_kinds = c.kinds().iter().map(|k| (true, Need::kind("", k)));
    let needs = c.needs().iter().map(|n| (false, *n));
    for (own_kind, need) in object_kinds.chain(needs) {
        if let Need::Aws { .. } = need
            && inv.aws.is_none()
        {
            out.push(Missing {
                kind: GapKind::NotCollected,
                reason: "the AWS side was not scanned (give --aws with --cluster NAME, or --aws-snapshot DIR)".into(),
                partial: false,
            });
            break;
        }
        for g in gaps.iter().filter(|g| same_need(&g.need, &need)) {
            // A missing kind of the control's own objects leaves its other
            // objects judged; a missing input of an inventory check makes
            // every one of its passes unknown.
            let partial = own_kind && c.subjects() == Subjects::Objects;
            let reason = format!(
                "{} not collected: {} ({})",
                g.need.describe(),
                g.reason,
                g.input
            );
            if !out.iter().any(|m: &Missing| m.reason == reason) {
                out.push(Missing {
                    kind: g.kind,
                    reason,
                    partial,
                });
            }
        }
    }
    out
}

/// Gaps of objects name the kind as the collector knows it (with its
/// group); object controls name the kind only.
fn same_need(gap: &Need, need: &Need) -> bool {
    match (gap, need) {
        (
            Need::Kind {
                group: g1,
                kind: k1,
            },
            Need::Kind {
                group: g2,
                kind: k2,
            },
        ) => k1 == k2 && (g2.is_empty() || g1 == g2),
        (a, b) => a == b,
    }
}
