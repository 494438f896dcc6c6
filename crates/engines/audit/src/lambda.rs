//! The CloudWatch Logs subscription-filter Lambda entry point, without the
//! `lambda_runtime` dependency: the runtime glue only has to pass the event
//! here and keep the [`Pipeline`] between invocations (a warm Lambda keeps
//! correlation state across batches).
//!
//! Both entry points decode through the pipeline's own input formats
//! ([`InputFormat::LambdaEvent`] and [`InputFormat::Subscription`]), so an
//! event saved to a file reads the same with `eksguard audit`.
//!
//! The per-owner reports of controller-created pods (see the crate docs)
//! come from the invocation whose events pass the end of their window, not
//! necessarily the one that carried the pods.

use crate::detection::Detection;
use crate::input::InputFormat;
use crate::pipeline::Pipeline;

const INPUT: &str = "cloudwatch-subscription";

/// Decodes one subscription payload (base64 of gzip of the subscription
/// JSON, as Lambda receives it in `awslogs.data`; plain gzip or JSON are
/// accepted too) and returns its detections in order. A payload that cannot
/// be decoded is counted as unparseable in `state`'s summary rather than
/// failing the invocation, so CloudWatch does not retry it forever.
pub fn handle_subscription_payload(base64_gzip: &str, state: &mut Pipeline) -> Vec<Detection> {
    read(base64_gzip, InputFormat::Subscription, state)
}

/// Takes the whole Lambda event (`{"awslogs":{"data":"..."}}`) and reads
/// it like [`handle_subscription_payload`]. An event of another shape, or
/// whose data does not decode, is counted as unparseable.
pub fn handle_lambda_event(event_json: &str, state: &mut Pipeline) -> Vec<Detection> {
    read(event_json, InputFormat::LambdaEvent, state)
}

fn read(text: &str, format: InputFormat, state: &mut Pipeline) -> Vec<Detection> {
    let mut out = Vec::new();
    let result = state.read(INPUT, text.as_bytes(), format, &mut |d| out.push(d));
    if let Err(e) = result {
        state.note_unparseable(INPUT, e.to_string());
    }
    out
}
