//! A progress line on stderr for long runs: inputs read, objects checked,
//! live list pages done. Shown only when stderr is a terminal and not in CI
//! (`CI` set), and only once the run has taken more than two seconds; the
//! line is erased when the run ends, so reports and logs never see it.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

static INPUTS: AtomicU64 = AtomicU64::new(0);
static OBJECTS: AtomicU64 = AtomicU64::new(0);
static LISTS: AtomicU64 = AtomicU64::new(0);

/// One input (a file, stdin, a rendered chart) was read.
pub fn input_done() {
    INPUTS.fetch_add(1, Ordering::Relaxed);
}

/// One object was checked.
pub fn object_done() {
    OBJECTS.fetch_add(1, Ordering::Relaxed);
}

/// One page of a live list was done.
#[cfg_attr(not(feature = "kube-live"), allow(dead_code))]
pub fn list_done() {
    LISTS.fetch_add(1, Ordering::Relaxed);
}

/// The running display; stops (and erases its line) when finished or dropped.
pub struct Progress {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

const SHOW_AFTER: Duration = Duration::from_secs(2);
const EVERY: Duration = Duration::from_millis(200);

impl Progress {
    pub fn start(what: &'static str) -> Progress {
        let stop = Arc::new(AtomicBool::new(false));
        let show = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        let thread = show.then(|| {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || display(what, &stop))
        });
        Progress { stop, thread }
    }

    pub fn finish(mut self) {
        self.end();
    }

    fn end(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.end();
    }
}

fn display(what: &str, stop: &AtomicBool) {
    let started = Instant::now();
    let mut shown = false;
    while !stop.load(Ordering::Relaxed) {
        std::thread::park_timeout(EVERY);
        if stop.load(Ordering::Relaxed) {
            break;
        }
        if started.elapsed() < SHOW_AFTER {
            continue;
        }
        let mut parts = Vec::new();
        let inputs = INPUTS.load(Ordering::Relaxed);
        let lists = LISTS.load(Ordering::Relaxed);
        if inputs > 0 {
            parts.push(format!("{inputs} inputs read"));
        }
        if lists > 0 {
            parts.push(format!("{lists} pages listed"));
        }
        parts.push(format!(
            "{} objects checked",
            OBJECTS.load(Ordering::Relaxed)
        ));
        let line = format!(
            "{what}: {} ({:.0} s)",
            parts.join(", "),
            started.elapsed().as_secs_f64()
        );
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[K{line}");
        let _ = err.flush();
        shown = true;
    }
    if shown {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[K");
        let _ = err.flush();
    }
}
