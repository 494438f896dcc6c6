//! Prometheus metrics in the text exposition format, kept in atomics so the
//! request path never takes a lock.

use crate::settings::Mode;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// How a `/validate` request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Allowed,
    Denied,
    /// 4xx: not an AdmissionReview, too large.
    BadRequest,
    /// The per-request timeout fired.
    Timeout,
}

const OUTCOMES: [(Outcome, &str); 4] = [
    (Outcome::Allowed, "allowed"),
    (Outcome::Denied, "denied"),
    (Outcome::BadRequest, "bad_request"),
    (Outcome::Timeout, "timeout"),
];
const MODES: [Mode; 3] = [Mode::Enforce, Mode::Warn, Mode::Audit];
/// Latency bucket upper bounds in seconds; the admission budget is
/// milliseconds, so the resolution is there.
const BUCKETS: [f64; 12] = [
    0.000_25, 0.000_5, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0,
];

pub struct Metrics {
    requests: [AtomicU64; 4],
    /// Per control (catalog order), per mode.
    decisions: Vec<(&'static str, [AtomicU64; 3])>,
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_nanos: AtomicU64,
    cert_reloads: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            requests: Default::default(),
            decisions: eksguard_controls::all()
                .iter()
                .map(|c| (c.meta().id, Default::default()))
                .collect(),
            buckets: Default::default(),
            count: AtomicU64::new(0),
            sum_nanos: AtomicU64::new(0),
            cert_reloads: AtomicU64::new(0),
        }
    }
}

impl Metrics {
    pub fn request(&self, outcome: Outcome, took: Duration) {
        if let Some(i) = OUTCOMES.iter().position(|(o, _)| *o == outcome) {
            self.requests[i].fetch_add(1, Relaxed);
        }
        let secs = took.as_secs_f64();
        for (i, le) in BUCKETS.iter().enumerate() {
            if secs <= *le {
                self.buckets[i].fetch_add(1, Relaxed);
            }
        }
        self.count.fetch_add(1, Relaxed);
        self.sum_nanos
            .fetch_add(u64::try_from(took.as_nanos()).unwrap_or(u64::MAX), Relaxed);
    }

    /// Counts a violated control in `mode`.
    pub fn decision(&self, control: &str, mode: Mode) {
        if let Some((_, by_mode)) = self.decisions.iter().find(|(id, _)| *id == control)
            && let Some(m) = MODES.iter().position(|x| *x == mode)
        {
            by_mode[m].fetch_add(1, Relaxed);
        }
    }

    pub fn cert_reloaded(&self) {
        self.cert_reloads.fetch_add(1, Relaxed);
    }

    /// The text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let mut s = String::with_capacity(4096);
        s.push_str("# HELP eksguard_webhook_requests_total AdmissionReview requests by outcome.\n");
        s.push_str("# TYPE eksguard_webhook_requests_total counter\n");
        for (i, (_, name)) in OUTCOMES.iter().enumerate() {
            let _ = writeln!(
                s,
                "eksguard_webhook_requests_total{{outcome=\"{name}\"}} {}",
                self.requests[i].load(Relaxed)
            );
        }
        s.push_str(
            "# HELP eksguard_webhook_decisions_total Violated controls by control ID and mode.\n",
        );
        s.push_str("# TYPE eksguard_webhook_decisions_total counter\n");
        for (id, by_mode) in &self.decisions {
            for (m, mode) in MODES.iter().enumerate() {
                let _ = writeln!(
                    s,
                    "eksguard_webhook_decisions_total{{control=\"{id}\",mode=\"{}\"}} {}",
                    mode.as_str(),
                    by_mode[m].load(Relaxed)
                );
            }
        }
        s.push_str(
            "# HELP eksguard_webhook_request_duration_seconds Time from request to response.\n",
        );
        s.push_str("# TYPE eksguard_webhook_request_duration_seconds histogram\n");
        for (i, le) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                s,
                "eksguard_webhook_request_duration_seconds_bucket{{le=\"{le}\"}} {}",
                self.buckets[i].load(Relaxed)
            );
        }
        let count = self.count.load(Relaxed);
        let _ = writeln!(
            s,
            "eksguard_webhook_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            s,
            "eksguard_webhook_request_duration_seconds_sum {}",
            self.sum_nanos.load(Relaxed) as f64 / 1e9
        );
        let _ = writeln!(s, "eksguard_webhook_request_duration_seconds_count {count}");
        s.push_str(
            "# HELP eksguard_webhook_certificate_reloads_total Serving certificate reloads.\n",
        );
        s.push_str("# TYPE eksguard_webhook_certificate_reloads_total counter\n");
        let _ = writeln!(
            s,
            "eksguard_webhook_certificate_reloads_total {}",
            self.cert_reloads.load(Relaxed)
        );
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_is_cumulative_and_counts_match() {
        let m = Metrics::default();
        m.request(Outcome::Allowed, Duration::from_micros(300));
        m.request(Outcome::Denied, Duration::from_millis(3));
        m.decision("IMG-002", Mode::Warn);
        let text = m.render();
        assert!(text.contains("eksguard_webhook_requests_total{outcome=\"allowed\"} 1\n"));
        assert!(text.contains("eksguard_webhook_requests_total{outcome=\"denied\"} 1\n"));
        assert!(text.contains("le=\"0.00025\"} 0\n"));
        assert!(text.contains("le=\"0.0005\"} 1\n"));
        assert!(text.contains("le=\"0.002\"} 1\n"));
        assert!(text.contains("le=\"0.005\"} 2\n"));
        assert!(text.contains("le=\"+Inf\"} 2\n"));
        assert!(
            text.contains(
                "eksguard_webhook_decisions_total{control=\"IMG-002\",mode=\"warn\"} 1\n"
            )
        );
    }
}
