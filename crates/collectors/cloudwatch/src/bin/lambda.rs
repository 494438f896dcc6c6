//! `eksguard-audit-lambda`: the audit engine as a CloudWatch Logs
//! subscription-filter target. Build with `--features lambda`; package with
//! `cargo lambda` or as the `bootstrap` of a `provided.al2023` function.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    eksguard_cloudwatch::lambda::run().await
}
