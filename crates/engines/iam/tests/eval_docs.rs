//! Table-driven evaluation tests taken from the AWS IAM User Guide. Each
//! case names its page; expected decisions are the ones the page states.

use eksguard_iam::{Context, Decision, Evaluator, Policy, Request, evaluate};

/// (condition block, request context, expected "condition holds").
type Case = (&'static str, &'static [(&'static str, &'static str)], bool);

fn policy(json: &str) -> Policy {
    Policy::parse(json).unwrap_or_else(|e| panic!("test policy must parse: {e}"))
}

fn req(action: &str, resource: &str, ctx: &[(&str, &str)]) -> Request {
    let mut r = Request::new(action, resource);
    for (k, v) in ctx {
        r.context.insert(k, *v);
    }
    r
}

/// "Policy evaluation for requests within a single account", section
/// "Example identity-based and resource-based policy evaluation"
/// (reference_policies_evaluation-logic_policy-eval-basics.html): Carlos's
/// policy allows his own bucket and denies every bucket whose name contains
/// `log`.
#[test]
fn carlos_example_single_account() {
    let p = policy(
        r#"{"Version":"2012-10-17","Statement":[
        {"Sid":"AllowS3ListRead","Effect":"Allow","Action":["s3:GetBucketLocation","s3:GetAccountPublicAccessBlock","s3:ListAccessPoints","s3:ListAllMyBuckets"],"Resource":"arn:aws:s3:::*"},
        {"Sid":"AllowS3Self","Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/*","arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar"]},
        {"Sid":"DenyS3Logs","Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::*log*"}]}"#,
    );
    let cases = [
        // Saving into the -logs bucket: the explicit deny wins.
        (
            "s3:PutObject",
            "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar-logs",
            Decision::ExplicitDeny,
        ),
        // His own bucket and its objects: allowed by AllowS3Self.
        (
            "s3:PutObject",
            "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/report.csv",
            Decision::Allow,
        ),
        (
            "s3:ListAllMyBuckets",
            "arn:aws:s3:::any-bucket",
            Decision::Allow,
        ),
        // Somebody else's bucket: nothing allows it.
        (
            "s3:GetObject",
            "arn:aws:s3:::other-bucket/x",
            Decision::ImplicitDeny,
        ),
    ];
    for (action, resource, want) in cases {
        let ev = evaluate(&[&p], &req(action, resource, &[]));
        assert_eq!(ev.decision, want, "{action} on {resource}");
    }
    let ev = evaluate(
        &[&p],
        &req(
            "s3:PutObject",
            "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar-logs",
            &[],
        ),
    );
    assert_eq!(ev.statements.len(), 1);
    assert_eq!(ev.statements[0].sid.as_deref(), Some("DenyS3Logs"));
}

/// "How AWS enforcement code logic evaluates requests to allow or deny
/// access" (reference_policies_evaluation-logic_policy-eval-denyallow.html):
/// default implicit deny; an explicit deny overrides an allow in another
/// policy; a permissions boundary caps the identity policy.
#[test]
fn deny_allow_and_boundary() {
    let allow_all_ec2 = policy(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:*","Resource":"*"}}"#,
    );
    let deny_terminate = policy(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"ec2:TerminateInstances","Resource":"*"}}"#,
    );
    let boundary = policy(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["ec2:Describe*","s3:*"],"Resource":"*"}}"#,
    );

    assert_eq!(
        evaluate(&[], &req("ec2:DescribeInstances", "*", &[])).decision,
        Decision::ImplicitDeny
    );
    let both = Evaluator::new([&allow_all_ec2, &deny_terminate]);
    assert_eq!(
        both.evaluate(&req("ec2:TerminateInstances", "*", &[]))
            .decision,
        Decision::ExplicitDeny
    );
    assert_eq!(
        both.evaluate(&req("ec2:RunInstances", "*", &[])).decision,
        Decision::Allow
    );

    // Effective permissions are the intersection of identity policy and
    // boundary ("Evaluating identity-based policies with permissions
    // boundaries", reference_policies_evaluation-logic.html).
    let bounded = Evaluator::new([&allow_all_ec2]).with_boundary(&boundary);
    assert_eq!(
        bounded
            .evaluate(&req("ec2:DescribeInstances", "*", &[]))
            .decision,
        Decision::Allow
    );
    let ev = bounded.evaluate(&req("ec2:RunInstances", "*", &[]));
    assert_eq!(ev.decision, Decision::ImplicitDeny);
    assert_eq!(
        ev.statements.len(),
        1,
        "the identity allow the boundary did not confirm"
    );
    // The boundary alone grants nothing.
    assert_eq!(
        bounded.evaluate(&req("s3:GetObject", "*", &[])).decision,
        Decision::ImplicitDeny
    );
}

/// "IAM JSON policy elements: Action": action names are case-insensitive
/// (`iam:listaccesskeys` equals `IAM:ListAccessKeys`) and support `*`/`?`
/// wildcards; resources are case-sensitive ("IAM JSON policy elements:
/// Resource").
#[test]
fn action_case_and_wildcards() {
    let p = policy(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["iam:*AccessKey*","s3:Get?bject"],"Resource":"arn:aws:s3:::Bucket/*"}}"#,
    );
    let cases = [
        (
            "IAM:ListAccessKeys",
            "arn:aws:s3:::Bucket/a",
            Decision::Allow,
        ),
        (
            "iam:listaccesskeys",
            "arn:aws:s3:::Bucket/a",
            Decision::Allow,
        ),
        (
            "iam:CreateAccessKey",
            "arn:aws:s3:::Bucket/a",
            Decision::Allow,
        ),
        ("s3:GetObject", "arn:aws:s3:::Bucket/a", Decision::Allow),
        (
            "s3:GetObjectAcl",
            "arn:aws:s3:::Bucket/a",
            Decision::ImplicitDeny,
        ),
        (
            "s3:GetObject",
            "arn:aws:s3:::bucket/a",
            Decision::ImplicitDeny,
        ),
    ];
    for (a, r, want) in cases {
        assert_eq!(evaluate(&[&p], &req(a, r, &[])).decision, want, "{a} {r}");
    }
}

/// "IAM JSON policy elements: NotAction": `NotAction` with Allow grants
/// everything except the listed actions ("allows access to all services
/// except IAM"), and with Deny denies everything except them ("deny access
/// to all except IAM when MFA is absent", using `BoolIfExists` on
/// `aws:MultiFactorAuthPresent`).
#[test]
fn not_action_examples() {
    let allow_all_but_iam = policy(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}"#,
    );
    assert_eq!(
        evaluate(&[&allow_all_but_iam], &req("s3:ListAllMyBuckets", "*", &[])).decision,
        Decision::Allow
    );
    assert_eq!(
        evaluate(&[&allow_all_but_iam], &req("iam:CreateUser", "*", &[])).decision,
        Decision::ImplicitDeny
    );

    let deny_without_mfa = policy(
        r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"*","Resource":"*"},
        {"Sid":"DenyAllUsersNotUsingMFA","Effect":"Deny","NotAction":"iam:*","Resource":"*",
         "Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}"#,
    );
    // Long-term keys: the key is absent, IfExists makes the condition true.
    assert_eq!(
        evaluate(&[&deny_without_mfa], &req("s3:GetObject", "*", &[])).decision,
        Decision::ExplicitDeny
    );
    // Temporary credentials without MFA.
    assert_eq!(
        evaluate(
            &[&deny_without_mfa],
            &req(
                "s3:GetObject",
                "*",
                &[("aws:MultiFactorAuthPresent", "false")]
            )
        )
        .decision,
        Decision::ExplicitDeny
    );
    // With MFA.
    assert_eq!(
        evaluate(
            &[&deny_without_mfa],
            &req(
                "s3:GetObject",
                "*",
                &[("aws:MultiFactorAuthPresent", "true")]
            )
        )
        .decision,
        Decision::Allow
    );
    // IAM actions are exempt from the deny.
    assert_eq!(
        evaluate(&[&deny_without_mfa], &req("iam:ListMFADevices", "*", &[])).decision,
        Decision::Allow
    );
}

/// "IAM JSON policy elements: NotResource": deny everything outside one
/// bucket.
#[test]
fn not_resource_example() {
    let p = policy(
        r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"s3:*","Resource":"*"},
        {"Effect":"Deny","Action":"s3:*","NotResource":["arn:aws:s3:::HRBucket/Payroll","arn:aws:s3:::HRBucket/Payroll/*"]}]}"#,
    );
    assert_eq!(
        evaluate(
            &[&p],
            &req("s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/jan", &[])
        )
        .decision,
        Decision::Allow
    );
    assert_eq!(
        evaluate(
            &[&p],
            &req("s3:GetObject", "arn:aws:s3:::HRBucket/Other", &[])
        )
        .decision,
        Decision::ExplicitDeny
    );
}

/// "IAM JSON policy elements: Condition operators": a missing key makes a
/// positive operator false and a negated one (`StringNotLike`, `ArnNotLike`)
/// true; `…IfExists` is true when the key is absent (the
/// `StringLikeIfExists` `ec2:InstanceType` example); `Null` tests presence
/// (the `aws:TokenIssueTime` example).
#[test]
fn condition_operators_and_missing_keys() {
    let cases: &[Case] = &[
        (
            r#"{"StringEquals":{"aws:PrincipalTag/job-category":"iamuser-admin"}}"#,
            &[("aws:PrincipalTag/job-category", "iamuser-admin")],
            true,
        ),
        (
            r#"{"StringEquals":{"aws:PrincipalTag/job-category":"iamuser-admin"}}"#,
            &[],
            false,
        ),
        (
            r#"{"StringEquals":{"aws:PrincipalTag/job-category":"iamuser-admin"}}"#,
            &[("aws:PrincipalTag/job-category", "IAMUSER-ADMIN")],
            false,
        ),
        (
            r#"{"StringEqualsIgnoreCase":{"aws:PrincipalTag/job-category":"iamuser-admin"}}"#,
            &[("aws:PrincipalTag/job-category", "IAMUSER-ADMIN")],
            true,
        ),
        (
            r#"{"StringNotLike":{"aws:PrincipalTag/team":"dev-*"}}"#,
            &[],
            true,
        ),
        (
            r#"{"StringNotLike":{"aws:PrincipalTag/team":"dev-*"}}"#,
            &[("aws:PrincipalTag/team", "dev-a")],
            false,
        ),
        (
            r#"{"ArnNotLike":{"aws:SourceArn":"arn:aws:sns:*:123456789012:*"}}"#,
            &[],
            true,
        ),
        (
            r#"{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}}"#,
            &[],
            true,
        ),
        (
            r#"{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}}"#,
            &[("ec2:InstanceType", "t2.micro")],
            true,
        ),
        (
            r#"{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}}"#,
            &[("ec2:InstanceType", "c5.large")],
            false,
        ),
        (r#"{"Null":{"aws:TokenIssueTime":"true"}}"#, &[], true),
        (
            r#"{"Null":{"aws:TokenIssueTime":"true"}}"#,
            &[("aws:TokenIssueTime", "2026-01-01T00:00:00Z")],
            false,
        ),
        (
            r#"{"Null":{"aws:TokenIssueTime":"false"}}"#,
            &[("aws:TokenIssueTime", "2026-01-01T00:00:00Z")],
            true,
        ),
        // StringLike: `*` and `?` anywhere in the value.
        (
            r#"{"StringLike":{"s3:prefix":["","home/","home/${aws:username}/"]}}"#,
            &[("s3:prefix", "home/"), ("aws:username", "carlos")],
            true,
        ),
        (
            r#"{"StringLike":{"s3:prefix":["","home/","home/${aws:username}/"]}}"#,
            &[("s3:prefix", "home/carlos/"), ("aws:username", "carlos")],
            true,
        ),
        (
            r#"{"StringLike":{"s3:prefix":["","home/","home/${aws:username}/"]}}"#,
            &[("s3:prefix", "home/maria/"), ("aws:username", "carlos")],
            false,
        ),
        // Numeric and date operators.
        (
            r#"{"NumericLessThanEquals":{"s3:max-keys":"10"}}"#,
            &[("s3:max-keys", "10")],
            true,
        ),
        (
            r#"{"NumericLessThanEquals":{"s3:max-keys":"10"}}"#,
            &[("s3:max-keys", "11")],
            false,
        ),
        (
            r#"{"DateGreaterThan":{"aws:CurrentTime":"2020-04-01T00:00:00Z"}}"#,
            &[("aws:CurrentTime", "2020-06-30T00:00:00Z")],
            true,
        ),
        (
            r#"{"DateLessThan":{"aws:TokenIssueTime":"2020-01-01T00:00:01Z"}}"#,
            &[("aws:TokenIssueTime", "2020-01-01T00:00:00Z")],
            true,
        ),
        // Bool and IP address.
        (
            r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
            &[("aws:SecureTransport", "true")],
            true,
        ),
        (
            r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
            &[("aws:SecureTransport", "false")],
            false,
        ),
        (
            r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            &[("aws:SourceIp", "203.0.113.7")],
            true,
        ),
        (
            r#"{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.0/24"]}}"#,
            &[("aws:SourceIp", "203.0.113.7")],
            false,
        ),
        (
            r#"{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.0/24"]}}"#,
            &[("aws:SourceIp", "198.51.100.1")],
            true,
        ),
        (
            r#"{"IpAddress":{"aws:SourceIp":"2001:DB8:1234:5678::/64"}}"#,
            &[("aws:SourceIp", "2001:db8:1234:5678::1")],
            true,
        ),
        // ARN operators match each of the six components separately.
        (
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:cloudtrail:*:111122223333:trail/*"}}"#,
            &[(
                "aws:SourceArn",
                "arn:aws:cloudtrail:us-east-2:111122223333:trail/main",
            )],
            true,
        ),
        (
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:cloudtrail:*:111122223333:trail/*"}}"#,
            &[(
                "aws:SourceArn",
                "arn:aws:cloudtrail:us-east-2:444455556666:trail/main",
            )],
            false,
        ),
        (
            r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-west-2:123456789012:topic"}}"#,
            &[("aws:SourceArn", "not-an-arn")],
            false,
        ),
        // Context key names are case-insensitive.
        (
            r#"{"StringEquals":{"AWS:SourceIP-ish":"x"}}"#,
            &[("aws:sourceip-ish", "x")],
            true,
        ),
    ];
    for (cond, ctx, want) in cases {
        let p = policy(&format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{cond}}}}}"#
        ));
        let got = evaluate(&[&p], &req("s3:ListBucket", "arn:aws:s3:::b", ctx)).decision
            == Decision::Allow;
        assert_eq!(got, *want, "condition {cond} with context {ctx:?}");
    }
}

/// "Condition with multiple context keys or values"
/// (reference_policies_condition-logic-multiple-context-keys-or-values.html):
/// keys under one operator are ANDed, values of one key ORed; for a negated
/// operator with several values the request value must match none of them.
#[test]
fn multiple_keys_and_values() {
    let and_keys = policy(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:DeleteUser","Resource":"*",
        "Condition":{"StringEquals":{"aws:PrincipalTag/department":"finance","aws:PrincipalTag/role":["audit","security"]}}}}"#,
    );
    let c = |d: &str, r: &str| {
        req(
            "iam:DeleteUser",
            "*",
            &[
                ("aws:PrincipalTag/department", d),
                ("aws:PrincipalTag/role", r),
            ],
        )
    };
    assert_eq!(
        evaluate(&[&and_keys], &c("finance", "audit")).decision,
        Decision::Allow
    );
    assert_eq!(
        evaluate(&[&and_keys], &c("finance", "security")).decision,
        Decision::Allow
    );
    assert_eq!(
        evaluate(&[&and_keys], &c("hr", "audit")).decision,
        Decision::ImplicitDeny
    );
    assert_eq!(
        evaluate(&[&and_keys], &c("finance", "admin")).decision,
        Decision::ImplicitDeny
    );

    let negated = policy(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:DeleteUser","Resource":"*",
        "Condition":{"StringNotEquals":{"aws:PrincipalTag/role":["audit","security"]}}}}"#,
    );
    let r = |role: &str| req("iam:DeleteUser", "*", &[("aws:PrincipalTag/role", role)]);
    assert_eq!(
        evaluate(&[&negated], &r("audit")).decision,
        Decision::ImplicitDeny
    );
    assert_eq!(
        evaluate(&[&negated], &r("security")).decision,
        Decision::ImplicitDeny
    );
    assert_eq!(evaluate(&[&negated], &r("dev")).decision, Decision::Allow);
    // Key absent: negated operator is true.
    assert_eq!(
        evaluate(&[&negated], &req("iam:DeleteUser", "*", &[])).decision,
        Decision::Allow
    );
}

/// "Multivalued context key examples"
/// (reference_policies_condition_examples-multi-valued-context-keys.html)
/// and "Set operators for multivalued context keys": `ForAllValues` needs
/// every request value to match a policy value and is also true when the key
/// is absent or empty; `ForAnyValue` needs one match and is false when the
/// key is absent.
#[test]
fn set_operators() {
    let all = policy(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"iam:TagUser","Resource":"*",
        "Condition":{"ForAllValues:StringLike":{"aws:TagKeys":["key1*"]}}}}"#,
    );
    let allow = policy(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:TagUser","Resource":"*"}}"#,
    );
    let tags = |keys: &[&str]| {
        let mut r = Request::new("iam:TagUser", "*");
        for k in keys {
            r.context.insert("aws:TagKeys", *k);
        }
        r
    };
    let ev = |r: &Request| evaluate(&[&all, &allow], r).decision;
    assert_eq!(ev(&tags(&["key1legal"])), Decision::ExplicitDeny);
    assert_eq!(ev(&tags(&["key1legal", "key1hr"])), Decision::ExplicitDeny);
    assert_eq!(ev(&tags(&["key1legal", "key2hr"])), Decision::Allow);
    // No tag keys at all: ForAllValues is vacuously true, so the deny applies.
    assert_eq!(ev(&tags(&[])), Decision::ExplicitDeny);
    let mut empty = Request::new("iam:TagUser", "*");
    empty.context.insert_empty("aws:TagKeys");
    assert_eq!(ev(&empty), Decision::ExplicitDeny);

    let any = policy(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*",
        "Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":["environment","webserver"]}}}}"#,
    );
    let tag = |keys: &[&str]| {
        let mut r = Request::new("ec2:CreateTags", "*");
        for k in keys {
            r.context.insert("aws:TagKeys", *k);
        }
        evaluate(&[&any], &r).decision
    };
    assert_eq!(tag(&["environment"]), Decision::Allow);
    assert_eq!(tag(&["environment", "costcenter"]), Decision::Allow);
    assert_eq!(tag(&["costcenter"]), Decision::ImplicitDeny);
    assert_eq!(tag(&[]), Decision::ImplicitDeny);

    // ForAnyValue:StringNotEquals: true when some request value is outside
    // the list.
    let any_not = policy(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*",
        "Condition":{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["environment"]}}}}"#,
    );
    let mut r = Request::new("ec2:CreateTags", "*");
    r.context.insert("aws:TagKeys", "environment");
    assert_eq!(evaluate(&[&any_not], &r).decision, Decision::ImplicitDeny);
    r.context.insert("aws:TagKeys", "owner");
    assert_eq!(evaluate(&[&any_not], &r).decision, Decision::Allow);
}

/// "IAM policy elements: Variables and tags": `${aws:username}` in
/// `Resource` is replaced with the request's value; with no value the
/// statement does not match. Policies without `Version: 2012-10-17` treat
/// `${…}` literally.
#[test]
fn policy_variables_in_resource() {
    let p = policy(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*"}}"#,
    );
    let mut ctx = Context::new();
    ctx.insert("aws:username", "carlos");
    let mut r = Request::new(
        "s3:GetObject",
        "arn:aws:s3:::amzn-s3-demo-bucket/home/carlos/notes.txt",
    );
    r.context = ctx;
    assert_eq!(evaluate(&[&p], &r).decision, Decision::Allow);
    r.resource = "arn:aws:s3:::amzn-s3-demo-bucket/home/maria/notes.txt".into();
    assert_eq!(evaluate(&[&p], &r).decision, Decision::ImplicitDeny);
    let anonymous = Request::new(
        "s3:GetObject",
        "arn:aws:s3:::amzn-s3-demo-bucket/home/carlos/notes.txt",
    );
    assert_eq!(evaluate(&[&p], &anonymous).decision, Decision::ImplicitDeny);

    let old = policy(
        r#"{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}"}}"#,
    );
    let mut r = Request::new("s3:GetObject", "arn:aws:s3:::b/${aws:username}");
    r.context.insert("aws:username", "carlos");
    assert_eq!(evaluate(&[&old], &r).decision, Decision::Allow);
}

/// "AWS JSON policy elements: Principal": an account ID or
/// `arn:aws:iam::ACCOUNT:root` delegates to every principal of that account;
/// service principals are named by their service name; `NotPrincipal`
/// matches everyone except the listed principals.
#[test]
fn principals_in_resource_based_policies() {
    use eksguard_iam::Principal;
    let trust = policy(
        r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"},
        {"Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com"]},"Action":"sts:AssumeRole"}]}"#,
    );
    let who = |p: Principal| {
        let mut r = Request::new("sts:AssumeRole", "arn:aws:iam::111122223333:role/target");
        r.principal = Some(p);
        evaluate(&[&trust], &r).decision
    };
    assert_eq!(
        who(Principal::aws("arn:aws:iam::123456789012:role/ci")),
        Decision::Allow
    );
    assert_eq!(who(Principal::aws("123456789012")), Decision::Allow);
    assert_eq!(
        who(Principal::aws("arn:aws:iam::444455556666:role/ci")),
        Decision::ImplicitDeny
    );
    assert_eq!(
        who(Principal::service("ec2.amazonaws.com")),
        Decision::Allow
    );
    assert_eq!(
        who(Principal::service("lambda.amazonaws.com")),
        Decision::ImplicitDeny
    );
    let anonymous = Request::new("sts:AssumeRole", "*");
    assert_eq!(
        evaluate(&[&trust], &anonymous).decision,
        Decision::ImplicitDeny
    );

    let not = policy(
        r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"},
        {"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::444455556666:role/reader"},"Action":"s3:GetObject","Resource":"*"}]}"#,
    );
    let get = |p: Principal| {
        let mut r = Request::new("s3:GetObject", "arn:aws:s3:::b/k");
        r.principal = Some(p);
        evaluate(&[&not], &r).decision
    };
    assert_eq!(
        get(Principal::aws("arn:aws:iam::444455556666:role/reader")),
        Decision::Allow
    );
    assert_eq!(
        get(Principal::aws("arn:aws:iam::444455556666:role/writer")),
        Decision::ExplicitDeny
    );
}
