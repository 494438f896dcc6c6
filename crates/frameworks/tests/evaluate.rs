//! Requirement status rules and the score.

use eksguard_frameworks::{
    Framework, MAX_RESULTS, Mode, ReqInput, ReqStatus, ResultView, all, evaluate, score,
};

/// A framework with one requirement per mode, each on its own controls.
fn fixture() -> Framework {
    Framework::from_json(
        r#"{
        "id": "test", "name": "Test", "version": "1.0", "url": "https://example.invalid",
        "requirements": [
            {"id": "auto", "title": "a", "section": "s", "mode": "automated", "controls": ["A-1", "A-2"]},
            {"id": "manual", "title": "m", "section": "s", "mode": "manual", "controls": ["M-1"], "evidence": "look"},
            {"id": "aws", "title": "w", "section": "s", "mode": "aws-managed", "controls": ["AUTO-003"], "evidence": "AWS"}
        ]}"#,
    )
    .unwrap()
}

fn view(index: usize, control: &str, status: ReqInput) -> ResultView<'_> {
    ResultView {
        index,
        control,
        status,
        suppressed: false,
    }
}

fn suppressed(index: usize, control: &str) -> ResultView<'_> {
    ResultView {
        suppressed: true,
        ..view(index, control, ReqInput::Fail)
    }
}

fn status_of(results: &[ResultView], req: &str) -> ReqStatus {
    let fw = fixture();
    let out = evaluate(&fw, results.iter().copied());
    out.requirements
        .iter()
        .find(|r| r.id == req)
        .unwrap()
        .status
}

use ReqInput::{Fail, NotApplicable, NotChecked, Pass};

#[test]
fn automated_fails_on_any_failure() {
    let rs = [
        view(0, "A-1", Pass),
        view(1, "A-2", Fail),
        view(2, "A-1", NotChecked),
    ];
    assert_eq!(status_of(&rs, "auto"), ReqStatus::Fail);
}

#[test]
fn automated_suppressed_failure_still_fails() {
    // An accepted risk is still non-compliant; it is counted, not hidden.
    let rs = [view(0, "A-1", Pass), suppressed(1, "A-2")];
    assert_eq!(status_of(&rs, "auto"), ReqStatus::Fail);
    let out = evaluate(&fixture(), rs);
    assert_eq!(out.requirements[0].suppressed, 1);
}

#[test]
fn automated_not_checked_beats_pass() {
    let rs = [
        view(0, "A-1", Pass),
        view(1, "A-2", NotChecked),
        view(2, "A-2", NotApplicable),
    ];
    assert_eq!(status_of(&rs, "auto"), ReqStatus::NotChecked);
}

#[test]
fn automated_passes_when_a_control_passes_and_none_fails() {
    let rs = [view(0, "A-1", Pass), view(1, "A-2", NotApplicable)];
    assert_eq!(status_of(&rs, "auto"), ReqStatus::Pass);
}

#[test]
fn automated_without_results_is_not_applicable() {
    assert_eq!(status_of(&[], "auto"), ReqStatus::NotApplicable);
    let rs = [view(0, "A-1", NotApplicable), view(1, "A-2", NotApplicable)];
    assert_eq!(status_of(&rs, "auto"), ReqStatus::NotApplicable);
    // Results of controls it does not name do not count.
    let rs = [view(0, "M-1", Fail), view(1, "OTHER", Fail)];
    assert_eq!(status_of(&rs, "auto"), ReqStatus::NotApplicable);
}

#[test]
fn manual_is_manual_whatever_the_results() {
    for s in [Pass, Fail, NotChecked, NotApplicable] {
        assert_eq!(status_of(&[view(0, "M-1", s)], "manual"), ReqStatus::Manual);
    }
    assert_eq!(status_of(&[], "manual"), ReqStatus::Manual);
    // Its controls' results are listed as evidence.
    let out = evaluate(&fixture(), [view(7, "M-1", Pass)]);
    assert_eq!(out.requirements[1].results, [7]);
}

#[test]
fn aws_managed_needs_passing_evidence() {
    assert_eq!(
        status_of(&[view(0, "AUTO-003", Pass)], "aws"),
        ReqStatus::AwsManaged
    );
    // Not on Auto Mode: the customer has to check it.
    assert_eq!(
        status_of(&[view(0, "AUTO-003", Fail)], "aws"),
        ReqStatus::Manual
    );
    assert_eq!(
        status_of(&[suppressed(0, "AUTO-003")], "aws"),
        ReqStatus::Manual
    );
    assert_eq!(
        status_of(
            &[view(0, "AUTO-003", Pass), view(1, "AUTO-003", Fail)],
            "aws"
        ),
        ReqStatus::Manual
    );
    // No evidence either way.
    assert_eq!(status_of(&[], "aws"), ReqStatus::NotChecked);
    assert_eq!(
        status_of(&[view(0, "AUTO-003", NotChecked)], "aws"),
        ReqStatus::NotChecked
    );
    assert_eq!(
        status_of(&[view(0, "AUTO-003", NotApplicable)], "aws"),
        ReqStatus::NotChecked
    );
}

#[test]
fn results_list_failures_first_and_cap() {
    let fw = fixture();
    let mut rs = vec![
        view(0, "A-1", Pass),
        view(1, "A-2", NotApplicable),
        view(2, "A-1", NotChecked),
        suppressed(3, "A-2"),
        view(4, "A-1", Fail),
    ];
    let out = evaluate(&fw, rs.iter().copied());
    assert_eq!(out.requirements[0].results, [4, 3, 2, 0, 1]);
    assert_eq!(out.requirements[0].more, 0);

    rs.extend((10..10 + MAX_RESULTS).map(|i| view(i, "A-2", Pass)));
    let out = evaluate(&fw, rs);
    let req = &out.requirements[0];
    assert_eq!(req.results.len(), MAX_RESULTS);
    assert_eq!(req.results[..3], [4, 3, 2]);
    assert_eq!(req.more, 5);
}

#[test]
fn counts_cover_every_requirement() {
    let out = evaluate(
        &fixture(),
        [view(0, "A-1", Fail), view(1, "AUTO-003", Pass)],
    );
    let c = out.counts;
    assert_eq!((c.fail, c.manual, c.aws_managed), (1, 1, 1));
    assert_eq!(c.pass + c.not_checked + c.not_applicable, 0);
    let total: usize = ReqStatus::ALL.iter().map(|s| c.get(*s)).sum();
    assert_eq!(total, out.requirements.len());
}

#[test]
fn score_arithmetic() {
    assert_eq!(score(0, 0).percent, None);
    assert_eq!(score(0, 3).percent, Some(0.0));
    assert_eq!(score(3, 3).percent, Some(100.0));
    assert_eq!(score(1, 3).percent, Some(33.3));
    assert_eq!(score(2, 3).percent, Some(66.7));
    assert_eq!(score(1, 8).percent, Some(12.5));
}

/// Score counts automated requirements that passed, failed or were not
/// checked; not applicable, manual and AWS-managed ones are left out.
#[test]
fn score_counts_only_decidable_automated_requirements() {
    let fw = Framework::from_json(
        r#"{
        "id": "t", "name": "T", "version": "1", "url": "https://example.invalid",
        "requirements": [
            {"id": "p1", "title": "t", "section": "s", "mode": "automated", "controls": ["P-1"]},
            {"id": "p2", "title": "t", "section": "s", "mode": "automated", "controls": ["P-2"]},
            {"id": "f",  "title": "t", "section": "s", "mode": "automated", "controls": ["F"]},
            {"id": "nc", "title": "t", "section": "s", "mode": "automated", "controls": ["NC"]},
            {"id": "na", "title": "t", "section": "s", "mode": "automated", "controls": ["NA"]},
            {"id": "m",  "title": "t", "section": "s", "mode": "manual", "controls": ["P-1"], "evidence": "e"},
            {"id": "w",  "title": "t", "section": "s", "mode": "aws-managed", "controls": ["AUTO-003"], "evidence": "e"}
        ]}"#,
    )
    .unwrap();
    let rs = [
        view(0, "P-1", Pass),
        view(1, "P-2", Pass),
        view(2, "F", Fail),
        view(3, "NC", NotChecked),
        view(4, "AUTO-003", Pass),
    ];
    let out = evaluate(&fw, rs);
    assert_eq!((out.score.passed, out.score.total), (2, 4));
    assert_eq!(out.score.percent, Some(50.0));

    // Nothing decidable: no percentage rather than 0 or 100.
    let out = evaluate(&fw, []);
    assert_eq!(
        (out.score.passed, out.score.total, out.score.percent),
        (0, 0, None)
    );
}

#[test]
fn json_shape() {
    let out = evaluate(&fixture(), [suppressed(0, "A-1")]);
    let v = serde_json::to_value(&out).unwrap();
    assert_eq!(v["id"], "test");
    assert_eq!(v["score"]["percent"], 0.0);
    assert_eq!(v["counts"]["aws_managed"], 0);
    assert_eq!(v["counts"]["not_checked"], 1);
    let auto = &v["requirements"][0];
    assert_eq!(auto["status"], "fail");
    assert_eq!(auto["mode"], "automated");
    assert_eq!(auto["results"], serde_json::json!([0]));
    assert_eq!(auto["suppressed"], 1);
    assert!(auto.get("evidence").is_none());
    assert_eq!(v["requirements"][2]["mode"], "aws-managed");
    assert_eq!(v["requirements"][2]["status"], "not_checked");

    let empty = evaluate(
        &Framework {
            requirements: vec![],
            ..fixture()
        },
        [],
    );
    assert!(serde_json::to_value(&empty).unwrap()["score"]["percent"].is_null());
}

/// The real data evaluates: with every named control passing, each
/// automated requirement passes and each AWS-managed one is AWS-managed.
#[test]
fn shipped_frameworks_pass_when_everything_passes() {
    for fw in all() {
        let controls: Vec<&str> = fw
            .requirements
            .iter()
            .flat_map(|r| r.controls.iter().map(String::as_str))
            .collect();
        let rs = controls.iter().enumerate().map(|(i, c)| view(i, c, Pass));
        let out = evaluate(fw, rs);
        for (req, res) in fw.requirements.iter().zip(&out.requirements) {
            let want = match req.mode {
                Mode::Automated => ReqStatus::Pass,
                Mode::Manual => ReqStatus::Manual,
                Mode::AwsManaged => ReqStatus::AwsManaged,
            };
            assert_eq!(res.status, want, "{} {}", fw.id, req.id);
        }
        assert_eq!(out.score.percent, Some(100.0), "{}", fw.id);
    }
}
