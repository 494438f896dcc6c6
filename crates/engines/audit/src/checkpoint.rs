//! Resume state for following a CloudWatch log group (`--follow`).
//!
//! A checkpoint of "last timestamp" alone either repeats or loses events:
//! CloudWatch timestamps have millisecond resolution and a busy API server
//! logs many events in the same millisecond, so restarting *after* the last
//! timestamp drops the rest of that millisecond (Falco's CloudWatch poller
//! has exactly this bug), and restarting *at* it repeats them. Events also
//! arrive late: streams are ingested independently, so an event stamped
//! earlier can show up after a later one.
//!
//! [`Checkpoint`] therefore keeps the event IDs seen during the last
//! `lag_ms` before the newest timestamp. Polls start at `newest - lag_ms`
//! (inclusive), and [`Checkpoint::admit`] lets each event through exactly
//! once. It serializes to a small JSON state file.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Follow-mode resume state; see the module documentation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// How far behind the newest event late arrivals are still accepted.
    pub lag_ms: i64,
    /// Most IDs kept; when exceeded, the oldest milliseconds are forgotten
    /// (and the watermark moves past them).
    pub max_ids: usize,
    /// Everything before this was handled.
    watermark_ms: i64,
    newest_ms: i64,
    /// Event IDs per millisecond since the watermark.
    seen: BTreeMap<i64, BTreeSet<String>>,
    ids: usize,
}

impl Default for Checkpoint {
    fn default() -> Self {
        Checkpoint::new(5 * 60 * 1000, 200_000)
    }
}

impl Checkpoint {
    /// A fresh checkpoint accepting events up to `lag_ms` late.
    pub fn new(lag_ms: i64, max_ids: usize) -> Self {
        Checkpoint {
            lag_ms: lag_ms.max(0),
            max_ids: max_ids.max(1),
            watermark_ms: i64::MIN,
            newest_ms: i64::MIN,
            seen: BTreeMap::new(),
            ids: 0,
        }
    }

    /// The `startTime` for the next `filter_log_events` call, or `None`
    /// before any event (use `--since`).
    pub fn start_time_ms(&self) -> Option<i64> {
        (self.newest_ms != i64::MIN).then_some(self.watermark_ms)
    }

    /// Whether the event is new (and records it). Events older than the
    /// watermark are assumed handled.
    pub fn admit(&mut self, timestamp_ms: i64, event_id: &str) -> bool {
        if timestamp_ms < self.watermark_ms {
            return false;
        }
        let ids = self.seen.entry(timestamp_ms).or_default();
        if ids.contains(event_id) {
            return false;
        }
        ids.insert(event_id.to_string());
        self.ids += 1;
        self.newest_ms = self.newest_ms.max(timestamp_ms);
        self.prune();
        true
    }

    fn prune(&mut self) {
        // Older than the lag: treated as handled from now on.
        let horizon = self.newest_ms.saturating_sub(self.lag_ms);
        self.watermark_ms = self.watermark_ms.max(horizon);
        while let Some((&ms, _)) = self.seen.first_key_value() {
            if ms >= self.watermark_ms && self.ids <= self.max_ids {
                break;
            }
            if let Some((ms, ids)) = self.seen.pop_first() {
                self.ids -= ids.len();
                // Over the cap, the forgotten millisecond becomes handled.
                self.watermark_ms = self.watermark_ms.max(ms + 1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_millisecond_events_are_neither_lost_nor_repeated() {
        let mut c = Checkpoint::new(1000, 100);
        assert_eq!(c.start_time_ms(), None);
        assert!(c.admit(5000, "a"));
        assert!(c.admit(5000, "b"));
        // The restart polls from inside the lag window, so it sees a and b
        // again plus c from the same millisecond, which arrived late.
        assert_eq!(c.start_time_ms(), Some(4000));
        let restored: Checkpoint =
            serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        let mut c = restored;
        assert!(!c.admit(5000, "a"));
        assert!(!c.admit(5000, "b"));
        assert!(c.admit(5000, "c"));
    }

    #[test]
    fn late_events_within_the_lag_are_admitted_once() {
        let mut c = Checkpoint::new(1000, 100);
        assert!(c.admit(10_000, "x"));
        assert!(c.admit(9_500, "late"));
        assert!(!c.admit(9_500, "late"));
        assert!(c.admit(12_000, "y"));
        // 9 500 is now more than the lag behind 12 000: forgotten, and
        // treated as handled rather than admitted twice.
        assert!(!c.admit(9_500, "late"));
        assert!(!c.admit(10_500, "unseen-but-too-old"));
        assert_eq!(c.start_time_ms(), Some(11_000));
    }

    #[test]
    fn id_cap_moves_the_watermark() {
        let mut c = Checkpoint::new(1_000_000, 3);
        for (t, id) in [(1, "a"), (2, "b"), (3, "c"), (4, "d")] {
            assert!(c.admit(t, id));
        }
        assert!(!c.admit(1, "a"));
        assert!(c.admit(2, "b2"), "2 is still inside the kept window");
    }
}
