//! Structured JSON logs, one object per line: `{"ts":…,"level":…,"msg":…,…}`.
//! Hand-written so the hot path pays for one small serialisation and one
//! locked write, and so tests can capture audit lines.

use serde_json::{Map, Value};
use std::io::Write;
use std::sync::{Arc, Mutex};

/// Where log lines go. Cheap to clone.
#[derive(Clone)]
pub struct Logger {
    out: Arc<Mutex<Box<dyn Write + Send>>>,
}

impl std::fmt::Debug for Logger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Logger")
    }
}

/// A log kept in memory, for tests.
#[derive(Clone, Default)]
pub struct MemoryLog(Arc<Mutex<Vec<u8>>>);

impl MemoryLog {
    /// Every line written so far, parsed.
    pub fn lines(&self) -> Vec<Value> {
        let buf = self.0.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&buf)
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}

impl Write for MemoryLog {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(b);
        }
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logger {
    pub fn stdout() -> Logger {
        Logger::to_writer(std::io::stdout())
    }

    pub fn to_writer(w: impl Write + Send + 'static) -> Logger {
        Logger {
            out: Arc::new(Mutex::new(Box::new(w))),
        }
    }

    /// A logger writing to memory, and the handle to read it back.
    pub fn memory() -> (Logger, MemoryLog) {
        let m = MemoryLog::default();
        (Logger::to_writer(m.clone()), m)
    }

    /// Writes one line with `fields` after `ts`, `level` and `msg`.
    pub fn event(&self, level: &str, msg: &str, fields: Map<String, Value>) {
        let mut line = Map::with_capacity(fields.len() + 3);
        line.insert("ts".into(), Value::String(timestamp()));
        line.insert("level".into(), Value::String(level.into()));
        line.insert("msg".into(), Value::String(msg.into()));
        line.extend(fields);
        let mut bytes = serde_json::to_vec(&Value::Object(line)).unwrap_or_default();
        bytes.push(b'\n');
        if let Ok(mut out) = self.out.lock() {
            // A log sink that fails (closed stdout) must not fail requests.
            let _ = out.write_all(&bytes);
            let _ = out.flush();
        }
    }

    fn simple(&self, level: &str, msg: &str, fields: &[(&str, &str)]) {
        let map = fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::String((*v).to_owned())))
            .collect();
        self.event(level, msg, map);
    }

    pub fn info(&self, msg: &str, fields: &[(&str, &str)]) {
        self.simple("info", msg, fields);
    }

    pub fn warn(&self, msg: &str, fields: &[(&str, &str)]) {
        self.simple("warn", msg, fields);
    }

    pub fn error(&self, msg: &str, fields: &[(&str, &str)]) {
        self.simple("error", msg, fields);
    }
}

/// RFC 3339 UTC with milliseconds.
fn timestamp() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs();
    let date = eksguard_controls::config::Date::from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "{date}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        now.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_json_with_fields() {
        let (log, mem) = Logger::memory();
        log.info("hello \"x\"", &[("k", "v\nw")]);
        let lines = mem.lines();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0]["msg"], "hello \"x\"");
        assert_eq!(lines[0]["k"], "v\nw");
        let ts = lines[0]["ts"].as_str().unwrap();
        assert_eq!(ts.len(), "2026-01-01T00:00:00.000Z".len(), "{ts}");
        assert!(ts.ends_with('Z'));
    }
}
