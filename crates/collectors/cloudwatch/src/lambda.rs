//! The subscription-filter Lambda: one warm [`Pipeline`] per execution
//! environment, so correlation spans deliveries, and detections written as
//! JSON lines to stdout (the function's own log group) for alarms or a
//! metric filter to pick up.
//!
//! [`Handler`] is plain Rust and always built (it is what the tests drive);
//! [`run`] adds the `lambda_runtime` event loop behind the `lambda` feature.

use eksguard_audit::{AuditConfig, ConfigError, Detection, Options, Pipeline, handle_lambda_event};
use serde::Serialize;

/// Environment variable holding the `audit:` configuration as JSON.
pub const CONFIG_ENV: &str = "EKSGUARD_AUDIT_CONFIG";

/// What one invocation found; the runtime returns it without the
/// detections (they go to the log).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Invocation {
    #[serde(skip)]
    pub detections: Vec<Detection>,
    /// Counts of this invocation only.
    pub records: u64,
    pub events: u64,
    pub duplicates: u64,
    pub truncated: u64,
    pub unparseable: u64,
    pub control_messages: u64,
    pub detection_count: usize,
}

/// Keeps the pipeline between invocations.
pub struct Handler {
    pipeline: Pipeline,
}

impl Handler {
    /// Runs on the invoking thread only: a Lambda has one or two vCPUs and
    /// small payloads, so a thread pool would cost more than it saves.
    pub fn new(config: &AuditConfig) -> Result<Handler, ConfigError> {
        let options = Options {
            parallel: false,
            ..Options::default()
        };
        Ok(Handler {
            pipeline: Pipeline::with_options(config, options)?,
        })
    }

    /// Reads the configuration from [`CONFIG_ENV`] (defaults when unset).
    pub fn from_env() -> Result<Handler, String> {
        let config = match std::env::var(CONFIG_ENV) {
            Ok(json) => serde_json::from_str::<AuditConfig>(&json)
                .map_err(|e| format!("{CONFIG_ENV}: invalid audit configuration: {e}"))?,
            Err(_) => AuditConfig::default(),
        };
        Handler::new(&config).map_err(|e| format!("{CONFIG_ENV}: {e}"))
    }

    /// Handles one Lambda event (`{"awslogs":{"data":"<base64 gzip>"}}`).
    /// Never fails: a payload that cannot be decoded is counted as
    /// unparseable, so CloudWatch does not redeliver it forever.
    pub fn handle(&mut self, event_json: &str) -> Invocation {
        let before = self.pipeline.summary().clone();
        let detections = handle_lambda_event(event_json, &mut self.pipeline);
        let after = self.pipeline.summary();
        Invocation {
            records: after.records - before.records,
            events: after.events - before.events,
            duplicates: after.duplicates - before.duplicates,
            truncated: after.truncated - before.truncated,
            unparseable: after.unparseable - before.unparseable,
            control_messages: after.control_messages - before.control_messages,
            detection_count: detections.len(),
            detections,
        }
    }
}

/// Serves Lambda invocations until the runtime stops the process.
#[cfg(feature = "lambda")]
pub async fn run() -> Result<(), lambda_runtime::Error> {
    use lambda_runtime::{LambdaEvent, service_fn};
    use std::sync::{Arc, Mutex};

    let handler = Arc::new(Mutex::new(Handler::from_env()?));
    let serve = move |event: LambdaEvent<serde_json::Value>| {
        let handler = Arc::clone(&handler);
        async move {
            let text = event.payload.to_string();
            let invocation = handler
                .lock()
                .map_err(|_| "handler state poisoned by an earlier panic")?
                .handle(&text);
            let mut out = std::io::stdout().lock();
            for d in &invocation.detections {
                eksguard_audit::write_jsonl(&mut out, d)?;
            }
            Ok::<Invocation, lambda_runtime::Error>(invocation)
        }
    };
    lambda_runtime::run(service_fn(serve)).await
}
