//! Shared by the tests that need moto.
#![allow(dead_code)] // each test binary uses part of it

use eksguard_controls::{Config, Context, Sink};
use eksguard_core::Inventory;
use eksguard_core::aws::AwsFacts;

/// The moto server `scripts/test.sh` started, or `None` (with the reason
/// printed) when running locally without it. In CI a missing server fails
/// the test rather than skipping it.
pub fn moto_url() -> Option<String> {
    match std::env::var("EKSGUARD_MOTO_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("EKSGUARD_MOTO_URL is not set in CI: scripts/test.sh must start moto_server")
        }
        _ => {
            eprintln!(
                "skipped: EKSGUARD_MOTO_URL is not set (run scripts/test.sh, or start moto_server and export it)"
            );
            None
        }
    }
}

/// SDK configuration for moto: fixed test credentials, one endpoint.
pub async fn moto_config(url: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("eu-west-1"))
        .endpoint_url(url)
        .credentials_provider(aws_sdk_sts::config::Credentials::new(
            "testing", "testing", None, None, "moto",
        ))
        .load()
        .await
}

/// A unique suffix so tests sharing one moto server do not collide.
pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{prefix}-{:x}", nanos % 0xffff_ffff)
}

/// Findings of the whole catalog on `facts`, without positions (a live scan
/// has none), sorted: what must agree between a live and a snapshot scan.
pub fn findings(facts: AwsFacts) -> Vec<(String, String, String, String)> {
    let mut inv = Inventory::new(Vec::new());
    inv.aws = Some(facts);
    let config = Config::default();
    let mut sink = Sink::new();
    eksguard_controls::check_inventory(&inv, &Context::new(&config), &mut sink);
    let mut out: Vec<_> = sink
        .into_findings()
        .into_iter()
        .map(|f| {
            (
                f.control.to_owned(),
                f.object.arn.clone().unwrap_or_default(),
                f.path,
                f.message,
            )
        })
        .collect();
    out.sort();
    out
}
