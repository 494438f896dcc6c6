//! Property tests of the evaluator's monotonicity and case rules, and of
//! parser robustness.

use eksguard_iam::{Decision, Policy, Request, evaluate};
use proptest::prelude::*;
use serde_json::{Value, json};

const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "iam:PassRole",
    "iam:CreatePolicyVersion",
    "ec2:RunInstances",
    "sts:AssumeRole",
];
const ACTION_PATTERNS: &[&str] = &[
    "s3:GetObject",
    "s3:*",
    "s3:Get*",
    "iam:*",
    "iam:Pass?ole",
    "ec2:Run*",
    "*",
    "sts:AssumeRole",
    "*:Get*",
];
const RESOURCES: &[&str] = &[
    "arn:aws:s3:::bucket/key",
    "arn:aws:s3:::other/key",
    "arn:aws:iam::111122223333:role/app",
    "*",
];
const RESOURCE_PATTERNS: &[&str] = &[
    "*",
    "arn:aws:s3:::bucket/*",
    "arn:aws:iam::111122223333:role/*",
    "arn:aws:s3:::*",
    "arn:aws:iam::*:role/app",
];

fn pick(xs: &'static [&'static str]) -> impl Strategy<Value = String> {
    proptest::sample::select(xs).prop_map(str::to_string)
}

fn statement(effect: &'static str) -> impl Strategy<Value = Value> {
    (
        any::<bool>(),
        proptest::collection::vec(pick(ACTION_PATTERNS), 1..3),
        any::<bool>(),
        proptest::collection::vec(pick(RESOURCE_PATTERNS), 1..3),
        proptest::option::of((any::<bool>(), pick(&["alice", "bob"]))),
    )
        .prop_map(
            move |(not_action, actions, not_resource, resources, cond)| {
                let mut s = json!({ "Effect": effect });
                s[if not_action { "NotAction" } else { "Action" }] = json!(actions);
                s[if not_resource {
                    "NotResource"
                } else {
                    "Resource"
                }] = json!(resources);
                if let Some((negated, user)) = cond {
                    let op = if negated {
                        "StringNotEquals"
                    } else {
                        "StringEquals"
                    };
                    s["Condition"] = json!({ op: { "aws:username": user } });
                }
                s
            },
        )
}

fn any_statement() -> impl Strategy<Value = Value> {
    prop_oneof![statement("Allow"), statement("Deny")]
}

fn doc(statements: &[Value]) -> Policy {
    let v = json!({ "Version": "2012-10-17", "Statement": statements });
    Policy::from_value(&v).unwrap_or_else(|e| panic!("generated policy must parse: {e}"))
}

fn request() -> impl Strategy<Value = Request> {
    (
        pick(ACTIONS),
        pick(RESOURCES),
        proptest::option::of(pick(&["alice", "bob", "carol"])),
    )
        .prop_map(|(a, r, user)| {
            let mut req = Request::new(a, r);
            if let Some(u) = user {
                req.context.insert("aws:username", u);
            }
            req
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Adding an explicit Deny statement never turns a non-allowed request
    /// into an allowed one.
    #[test]
    fn adding_deny_never_widens(stmts in proptest::collection::vec(any_statement(), 0..4),
                                deny in statement("Deny"), req in request()) {
        let before = evaluate(&[&doc(&stmts)], &req).decision;
        let mut with = stmts.clone();
        with.push(deny);
        let after = evaluate(&[&doc(&with)], &req).decision;
        if after == Decision::Allow {
            prop_assert_eq!(before, Decision::Allow);
        }
        if before == Decision::ExplicitDeny {
            prop_assert_eq!(after, Decision::ExplicitDeny);
        }
    }

    /// Adding an Allow statement never turns an allowed request into a
    /// denied one, and never lifts an explicit deny.
    #[test]
    fn adding_allow_never_narrows(stmts in proptest::collection::vec(any_statement(), 0..4),
                                  allow in statement("Allow"), req in request()) {
        let before = evaluate(&[&doc(&stmts)], &req).decision;
        let mut with = stmts.clone();
        with.push(allow);
        let after = evaluate(&[&doc(&with)], &req).decision;
        if before == Decision::Allow {
            prop_assert_eq!(after, Decision::Allow);
        }
        if before == Decision::ExplicitDeny {
            prop_assert_eq!(after, Decision::ExplicitDeny);
        }
    }

    /// Splitting statements across several policies does not change the
    /// decision (all identity policies are evaluated together).
    #[test]
    fn policy_split_is_irrelevant(stmts in proptest::collection::vec(any_statement(), 1..5),
                                  cut in 0usize..5, req in request()) {
        let cut = cut.min(stmts.len());
        let whole = evaluate(&[&doc(&stmts)], &req).decision;
        let (a, b) = stmts.split_at(cut);
        let split = evaluate(&[&doc(a), &doc(b)], &req).decision;
        prop_assert_eq!(whole, split);
    }

    /// Action matching ignores case, in the request and in the policy.
    #[test]
    fn action_case_is_ignored(stmts in proptest::collection::vec(any_statement(), 0..4),
                              req in request(), flips in proptest::collection::vec(any::<bool>(), 32)) {
        let base = evaluate(&[&doc(&stmts)], &req).decision;
        let mixed: String = req.action.chars().zip(flips.iter().cycle())
            .map(|(c, f)| if *f { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
            .collect();
        let mut req2 = req.clone();
        req2.action = mixed;
        prop_assert_eq!(evaluate(&[&doc(&stmts)], &req2).decision, base);
        // Upper-casing every action pattern in the policy changes nothing.
        let upper: Vec<Value> = stmts.iter().map(|s| {
            let mut s = s.clone();
            for k in ["Action", "NotAction"] {
                if let Some(Value::Array(xs)) = s.get_mut(k) {
                    for x in xs.iter_mut() {
                        if let Value::String(t) = x { *t = t.to_uppercase(); }
                    }
                }
            }
            s
        }).collect();
        prop_assert_eq!(evaluate(&[&doc(&upper)], &req).decision, base);
    }

    /// The parser returns an error, never panics, on arbitrary text.
    #[test]
    fn parse_never_panics(s in ".{0,200}") {
        let _ = Policy::parse(&s);
        let _ = Policy::parse(&format!("%7B{s}"));
    }

    /// Nor on structurally odd JSON.
    #[test]
    fn parse_odd_json_never_panics(effect in prop_oneof![Just(json!("Allow")), Just(json!(1)), Just(json!(null))],
                                   action in prop_oneof![Just(json!("s3:*")), Just(json!([1, 2])), Just(json!({}))],
                                   cond in prop_oneof![Just(json!({"Foo": {"k": "v"}})), Just(json!({"StringEquals": "x"})),
                                                        Just(json!({"NullIfExists": {"k": "true"}})), Just(json!({"StringEquals": {"k": [{}]}}))]) {
        let v = json!({"Statement": [{"Effect": effect, "Action": action, "Resource": "*", "Condition": cond}]});
        let _ = Policy::from_value(&v);
    }
}
