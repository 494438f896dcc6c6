//! Paged reads of an EKS cluster's audit log streams.

use crate::error::{self, Error};
use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::config::Region;
use aws_sdk_cloudwatchlogs::error::{DisplayErrorContext, ProvideErrorMetadata};

/// EKS writes the API server's audit log to streams named
/// `kube-apiserver-audit-<id>` in the cluster's log group.
pub const AUDIT_STREAM_PREFIX: &str = "kube-apiserver-audit-";

/// The log group EKS writes control-plane logs to.
pub fn log_group_for(cluster: &str) -> String {
    format!("/aws/eks/{cluster}/cluster")
}

/// Where to connect; `None` fields come from the SDK's default chain
/// (environment, shared config, instance role).
#[derive(Debug, Clone, Default)]
pub struct Connect {
    pub cluster: String,
    pub region: Option<String>,
    pub profile: Option<String>,
    /// A CloudWatch Logs compatible endpoint (a VPC endpoint, moto).
    pub endpoint_url: Option<String>,
}

/// One audit log event as CloudWatch Logs returned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    /// CloudWatch's ID, unique within the log group.
    pub event_id: String,
    /// Milliseconds since the epoch.
    pub timestamp_ms: i64,
    pub log_stream: String,
    pub message: String,
}

/// Counters of one read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// `filter_log_events` calls made.
    pub pages: u64,
    /// Events returned from audit streams.
    pub events: u64,
    /// Events from other streams (only when the endpoint ignores
    /// `logStreamNamePrefix`, as moto does).
    pub other_streams: u64,
    /// Events without an ID, timestamp or message (never from real
    /// CloudWatch; skipped).
    pub incomplete: u64,
}

/// A client bound to one cluster's audit streams. Blocking: it owns a small
/// runtime so the synchronous CLI and tests can use it directly.
pub struct LogSource {
    runtime: tokio::runtime::Runtime,
    client: Client,
    log_group: String,
    page_limit: Option<i32>,
}

impl LogSource {
    /// Loads the AWS configuration (flags over environment over profile)
    /// and builds the client.
    pub fn connect(c: &Connect) -> Result<LogSource, Error> {
        let runtime = runtime()?;
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
        if let Some(r) = &c.region {
            loader = loader.region(Region::new(r.clone()));
        }
        if let Some(p) = &c.profile {
            loader = loader.profile_name(p);
        }
        if let Some(u) = &c.endpoint_url {
            loader = loader.endpoint_url(u);
        }
        let sdk = runtime.block_on(loader.load());
        if sdk.region().is_none() {
            return Err(Error::NoRegion);
        }
        Ok(LogSource {
            client: Client::new(&sdk),
            runtime,
            log_group: log_group_for(&c.cluster),
            page_limit: None,
        })
    }

    /// Uses a client configured by the caller (custom credentials, tests).
    pub fn with_client(client: Client, cluster: &str) -> Result<LogSource, Error> {
        Ok(LogSource {
            runtime: runtime()?,
            client,
            log_group: log_group_for(cluster),
            page_limit: None,
        })
    }

    /// Asks for at most `n` events per page (CloudWatch's default and
    /// maximum is 10,000); mostly for tests of pagination.
    pub fn page_limit(mut self, n: i32) -> LogSource {
        self.page_limit = Some(n.clamp(1, 10_000));
        self
    }

    pub fn log_group(&self) -> &str {
        &self.log_group
    }

    /// Reads every audit event stamped at or after `start_ms`, following
    /// `nextToken` to the end, and hands each page's events to `on_page`
    /// (which may stop the read with an error). Pages can be empty while
    /// more follow: CloudWatch searches streams in slices.
    pub fn read_since(
        &self,
        start_ms: i64,
        on_page: &mut dyn FnMut(Vec<LogEvent>) -> Result<(), Error>,
    ) -> Result<ReadStats, Error> {
        let mut stats = ReadStats::default();
        let mut token: Option<String> = None;
        loop {
            let request = self
                .client
                .filter_log_events()
                .log_group_name(&self.log_group)
                .log_stream_name_prefix(AUDIT_STREAM_PREFIX)
                .start_time(start_ms)
                .set_limit(self.page_limit)
                .set_next_token(token.take());
            let out = self
                .runtime
                .block_on(request.send())
                .map_err(|e| self.sdk_error("FilterLogEvents", e))?;
            stats.pages += 1;
            let mut page = Vec::with_capacity(out.events().len());
            for e in out.events() {
                let stream = e.log_stream_name().unwrap_or_default();
                // Guard against endpoints that ignore the prefix filter.
                if !stream.starts_with(AUDIT_STREAM_PREFIX) {
                    stats.other_streams += 1;
                    continue;
                }
                let (Some(id), Some(ts), Some(msg)) = (e.event_id(), e.timestamp(), e.message())
                else {
                    stats.incomplete += 1;
                    continue;
                };
                page.push(LogEvent {
                    event_id: id.to_string(),
                    timestamp_ms: ts,
                    log_stream: stream.to_string(),
                    message: msg.to_string(),
                });
            }
            stats.events += page.len() as u64;
            on_page(page)?;
            match out.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => return Ok(stats),
            }
        }
    }

    pub(crate) fn runtime(&self) -> &tokio::runtime::Runtime {
        &self.runtime
    }

    fn sdk_error<E, R>(
        &self,
        operation: &'static str,
        e: aws_sdk_cloudwatchlogs::error::SdkError<E, R>,
    ) -> Error
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        match e.as_service_error() {
            Some(service) => {
                let code = service.code().unwrap_or("UnknownError").to_string();
                Error::Service {
                    operation,
                    log_group: self.log_group.clone(),
                    hint: error::hint(&code, &self.log_group),
                    code,
                    message: service.message().unwrap_or("no message").to_string(),
                }
            }
            None => Error::Request {
                operation,
                log_group: self.log_group.clone(),
                detail: DisplayErrorContext(&e).to_string(),
            },
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)
}
