//! `--follow`: polling with a resumable checkpoint in a state file.

use crate::error::Error;
use crate::source::{LogEvent, LogSource, ReadStats};
use eksguard_audit::{Checkpoint, Detection, Pipeline, Position};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How far back to start and how to resume.
#[derive(Debug, Clone)]
pub struct FollowOptions {
    /// Without a saved checkpoint, start this far back from now.
    pub since: Duration,
    /// How late an event may arrive (behind the newest one seen) and still
    /// be read; each poll re-reads this window, filtered by event ID.
    pub lag: Duration,
    /// Where the checkpoint is kept between runs (none: memory only).
    pub state_file: Option<PathBuf>,
}

impl Default for FollowOptions {
    fn default() -> Self {
        FollowOptions {
            since: Duration::from_secs(3600),
            lag: Duration::from_secs(300),
            state_file: None,
        }
    }
}

/// Counters of one poll.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PollStats {
    pub read: ReadStats,
    /// Events pushed into the pipeline (not seen before).
    pub new_events: u64,
    /// Events already handled by this run or an earlier one.
    pub already_seen: u64,
}

/// The state file's content. The log group is kept so one file is never
/// applied to another cluster.
#[derive(Deserialize)]
struct State {
    version: u32,
    log_group: String,
    checkpoint: Checkpoint,
}

const STATE_VERSION: u32 = 1;

/// How often a long read saves its progress.
const SAVE_EVERY: Duration = Duration::from_secs(5);

/// Reads a cluster's audit log into a [`Pipeline`], each event exactly once
/// across polls and restarts (see [`Checkpoint`]).
pub struct Follower {
    source: LogSource,
    checkpoint: Checkpoint,
    options: FollowOptions,
    /// Events pushed so far, for detection positions.
    pushed: u64,
}

impl Follower {
    /// Loads the checkpoint from the state file when it exists.
    pub fn new(source: LogSource, options: FollowOptions) -> Result<Follower, Error> {
        let lag_ms = i64::try_from(options.lag.as_millis()).unwrap_or(i64::MAX);
        let mut checkpoint = match &options.state_file {
            Some(path) => load(path, source.log_group())?,
            None => None,
        }
        .unwrap_or_default();
        checkpoint.lag_ms = lag_ms.max(0);
        Ok(Follower {
            source,
            checkpoint,
            options,
            pushed: 0,
        })
    }

    pub fn checkpoint(&self) -> &Checkpoint {
        &self.checkpoint
    }

    pub fn log_group(&self) -> &str {
        self.source.log_group()
    }

    /// Reads everything new since the checkpoint (or `since`), pushing each
    /// message into `pipeline`. After every page the pipeline is flushed
    /// (its detections reach `sink`); the checkpoint is saved only after
    /// that, so a crash may repeat the detections of the last few seconds
    /// but never loses an event.
    pub fn poll(
        &mut self,
        pipeline: &mut Pipeline,
        sink: &mut dyn FnMut(Detection),
    ) -> Result<PollStats, Error> {
        let start = self.checkpoint.start_time_ms().unwrap_or_else(|| {
            let since = i64::try_from(self.options.since.as_millis()).unwrap_or(i64::MAX);
            now_ms().saturating_sub(since)
        });
        let mut stats = PollStats::default();
        let log_group = self.source.log_group().to_string();
        let (checkpoint, pushed, state_file) = (
            &mut self.checkpoint,
            &mut self.pushed,
            self.options.state_file.as_deref(),
        );
        let mut last_save = Instant::now();
        let mut on_page = |page: Vec<LogEvent>| -> Result<(), Error> {
            for e in page {
                if !checkpoint.admit(e.timestamp_ms, &e.event_id) {
                    stats.already_seen += 1;
                    continue;
                }
                stats.new_events += 1;
                *pushed += 1;
                let input = format!("{log_group}/{}", e.log_stream);
                let position = Position {
                    line: 0,
                    item: Some(*pushed),
                };
                pipeline.push_message(&input, &e.message, position, sink);
            }
            pipeline.flush(sink);
            // The checkpoint can hold many IDs: saved every few seconds
            // during a long read and always at its end, not per page.
            match state_file {
                Some(path) if last_save.elapsed() >= SAVE_EVERY => {
                    last_save = Instant::now();
                    save(path, &log_group, checkpoint)
                }
                _ => Ok(()),
            }
        };
        let read = self.source.read_since(start, &mut on_page);
        // Also after a failed page: what was read before it is done.
        if let Some(path) = state_file {
            save(path, &log_group, checkpoint)?;
        }
        stats.read = read?;
        Ok(stats)
    }

    /// Polls every `interval` until `after_poll` returns `false` or the
    /// process gets Ctrl-C (SIGINT); the state is saved after every page.
    /// A Ctrl-C during a poll lets the poll finish first.
    pub fn follow(
        &mut self,
        pipeline: &mut Pipeline,
        sink: &mut dyn FnMut(Detection),
        interval: Duration,
        after_poll: &mut dyn FnMut(&PollStats) -> bool,
    ) -> Result<(), Error> {
        // One listener for the whole run, registered before the first poll,
        // so a signal that arrives mid-poll is kept until the wait.
        // Without signal support the run just never ends by Ctrl-C.
        let mut interrupt = Box::pin(async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        });
        let mut interrupted = self.source.runtime().block_on(async {
            tokio::select! {
                biased;
                _ = &mut interrupt => true,
                _ = std::future::ready(()) => false,
            }
        });
        while !interrupted {
            let stats = self.poll(pipeline, sink)?;
            if !after_poll(&stats) {
                break;
            }
            interrupted = self.source.runtime().block_on(async {
                tokio::select! {
                    _ = tokio::time::sleep(interval) => false,
                    _ = &mut interrupt => true,
                }
            });
        }
        Ok(())
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn load(path: &Path, log_group: &str) -> Result<Option<Checkpoint>, Error> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(Error::StateIo {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let state: State = serde_json::from_str(&text).map_err(|source| Error::StateFormat {
        path: path.to_path_buf(),
        source,
    })?;
    if state.version != STATE_VERSION {
        return Err(Error::StateVersion {
            path: path.to_path_buf(),
            found: state.version,
        });
    }
    if state.log_group != log_group {
        return Err(Error::StateMismatch {
            path: path.to_path_buf(),
            expected: log_group.to_string(),
            found: state.log_group,
        });
    }
    Ok(Some(state.checkpoint))
}

/// Writes a sibling temporary file and renames it over the state file, so
/// an interrupted write never leaves a half-written checkpoint.
fn save(path: &Path, log_group: &str, checkpoint: &Checkpoint) -> Result<(), Error> {
    let io = |source| Error::StateIo {
        path: path.to_path_buf(),
        source,
    };
    #[derive(Serialize)]
    struct StateRef<'a> {
        version: u32,
        log_group: &'a str,
        checkpoint: &'a Checkpoint,
    }
    let state = StateRef {
        version: STATE_VERSION,
        log_group,
        checkpoint,
    };
    let text = serde_json::to_vec(&state).map_err(|e| io(std::io::Error::other(e)))?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, text).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}
