//! The CloudWatch Logs subscription-filter Lambda entry point, without the
//! `lambda_runtime` dependency: the runtime glue only has to pass
//! `event.awslogs.data` here and keep the [`Pipeline`] between invocations
//! (a warm Lambda keeps correlation state across batches).

use crate::detection::Detection;
use crate::input::InputFormat;
use crate::pipeline::Pipeline;

/// Decodes one subscription payload (base64 of gzip of the subscription
/// JSON, as Lambda receives it in `awslogs.data`; plain gzip or JSON are
/// accepted too) and returns its detections in order. A payload that cannot
/// be decoded is counted as unparseable in `state`'s summary rather than
/// failing the invocation, so CloudWatch does not retry it forever.
pub fn handle_subscription_payload(base64_gzip: &str, state: &mut Pipeline) -> Vec<Detection> {
    let mut out = Vec::new();
    let result = state.read(
        "cloudwatch-subscription",
        base64_gzip.as_bytes(),
        InputFormat::Subscription,
        &mut |d| out.push(d),
    );
    if let Err(e) = result {
        state.note_unparseable("cloudwatch-subscription", e.to_string());
    }
    out
}

/// Takes the whole Lambda event (`{"awslogs":{"data":"..."}}`) and hands
/// `awslogs.data` to [`handle_subscription_payload`]. An event of another
/// shape is counted as unparseable.
pub fn handle_lambda_event(event_json: &str, state: &mut Pipeline) -> Vec<Detection> {
    #[derive(serde::Deserialize)]
    struct AwsLogs<'a> {
        #[serde(borrow)]
        data: &'a str,
    }
    #[derive(serde::Deserialize)]
    struct LambdaEvent<'a> {
        #[serde(borrow)]
        awslogs: AwsLogs<'a>,
    }
    match serde_json::from_str::<LambdaEvent<'_>>(event_json) {
        Ok(e) => handle_subscription_payload(e.awslogs.data, state),
        Err(e) => {
            state.note_unparseable(
                "cloudwatch-subscription",
                format!("not a CloudWatch Logs Lambda event: {e}"),
            );
            Vec::new()
        }
    }
}
