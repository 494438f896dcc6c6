//! Input text, held whole or read as a stream.
//!
//! Small inputs are read whole and checked as before (no NUL byte, valid
//! UTF-8, BOM removed, CRLF normalised). Larger ones are read in chunks with
//! the same checks applied chunk by chunk, so a dump of any size is parsed
//! without holding its text; standard input above the threshold is copied
//! to an unlinked temporary file as it is read, so a second pass (a JSON
//! dump that turns out to be YAML, a re-indented quoted scalar) can read it
//! again.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

/// Inputs up to this size are read whole (tests stream from 64 KiB on, to
/// exercise streaming on small inputs).
pub(crate) const WHOLE_UP_TO: u64 = if cfg!(test) {
    64 * 1024
} else {
    8 * 1024 * 1024
};

/// Bytes read per chunk when streaming.
const CHUNK: usize = 1 << 20;

/// Where streamed text comes from; it can be read again from the start.
pub(crate) enum Origin {
    File(PathBuf),
    /// Standard input: what was read so far is in `spool`; `rest` is
    /// whether standard input still has unread bytes.
    Stdin {
        spool: File,
        rest: bool,
    },
}

impl Origin {
    /// A reader from the start of the input.
    pub(crate) fn open(&mut self) -> std::io::Result<Box<dyn Read + Send>> {
        match self {
            Origin::File(p) => Ok(Box::new(File::open(p)?)),
            Origin::Stdin { spool, rest } => {
                if *rest {
                    // The first pass stopped early: spool the rest first.
                    spool.seek(SeekFrom::End(0))?;
                    std::io::copy(&mut std::io::stdin().lock(), spool)?;
                    *rest = false;
                }
                let mut f = spool.try_clone()?;
                f.seek(SeekFrom::Start(0))?;
                Ok(Box::new(f))
            }
        }
    }
}

/// Standard input copied to the spool as it is read.
pub(crate) struct TeeStdin {
    spool: File,
}

impl Read for TeeStdin {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = std::io::stdin().lock().read(buf)?;
        self.spool.write_all(&buf[..n])?;
        Ok(n)
    }
}

/// Reads standard input: whole when it is at most [`WHOLE_UP_TO`] bytes,
/// else the bytes read so far, the spool holding them and a reader that
/// continues (and keeps spooling).
pub(crate) enum StdinText {
    Whole(Vec<u8>),
    Stream {
        prefix: Vec<u8>,
        spool: File,
        rest: TeeStdin,
    },
}

pub(crate) fn read_stdin() -> std::io::Result<StdinText> {
    let mut prefix = Vec::new();
    std::io::stdin()
        .lock()
        .take(WHOLE_UP_TO + 1)
        .read_to_end(&mut prefix)?;
    if prefix.len() as u64 <= WHOLE_UP_TO {
        return Ok(StdinText::Whole(prefix));
    }
    let mut spool = tempfile::tempfile()?;
    spool.write_all(&prefix)?;
    let rest = TeeStdin {
        spool: spool.try_clone()?,
    };
    Ok(StdinText::Stream {
        prefix,
        spool,
        rest,
    })
}

/// Why the text of an input is refused (the same messages as for a whole
/// input): binary data or invalid UTF-8, at a byte offset, line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DecodeError {
    pub message: String,
    pub line: u32,
    pub column: u32,
}

/// Text read chunk by chunk: each chunk is valid UTF-8 without NUL bytes,
/// with the BOM removed and CRLF turned into LF (a CR at the end of a chunk
/// waits for the next one).
pub(crate) struct Reader {
    src: Box<dyn Read + Send>,
    /// Bytes read but not handed out yet (an incomplete UTF-8 sequence, a
    /// trailing CR).
    carry: Vec<u8>,
    raw: Vec<u8>,
    started: bool,
    eof: bool,
    /// Bytes handed out so far (after the BOM), for error offsets.
    offset: u64,
    line: u32,
    /// Bytes since the last line break.
    column: u32,
    pub(crate) error: Option<DecodeError>,
    /// Set on an I/O error.
    pub(crate) io_error: Option<String>,
}

impl Reader {
    pub(crate) fn new(src: Box<dyn Read + Send>) -> Reader {
        Reader {
            src,
            carry: Vec::new(),
            raw: vec![0; CHUNK],
            started: false,
            eof: false,
            offset: 0,
            line: 1,
            column: 1,
            error: None,
            io_error: None,
        }
    }

    #[cfg(test)]
    pub(crate) fn set_chunk(&mut self, n: usize) {
        self.raw = vec![0; n];
    }

    /// Appends the next chunk of text to `out`; `false` at the end of the
    /// input or on an error ([`Reader::error`], [`Reader::io_error`]).
    pub(crate) fn next_chunk(&mut self, out: &mut String) -> bool {
        loop {
            if self.eof || self.error.is_some() || self.io_error.is_some() {
                return false;
            }
            let n = loop {
                match self.src.read(&mut self.raw) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        self.io_error = Some(e.to_string());
                        return false;
                    }
                }
            };
            if n == 0 {
                self.eof = true;
            }
            let mut bytes = std::mem::take(&mut self.carry);
            bytes.extend_from_slice(&self.raw[..n]);
            if !self.started {
                if bytes.len() < 3 && !self.eof {
                    self.carry = bytes;
                    continue;
                }
                self.started = true;
                if bytes.starts_with(b"\xEF\xBB\xBF") {
                    bytes.drain(..3);
                }
            }
            if let Some(at) = memchr::memchr(0, &bytes) {
                let (line, column) = self.advance_to(&bytes[..at]);
                self.error = Some(DecodeError {
                    message: format!(
                        "binary data (NUL byte at offset {}); expected YAML or JSON text",
                        self.offset + at as u64
                    ),
                    line,
                    column,
                });
                return false;
            }
            let valid = match std::str::from_utf8(&bytes) {
                Ok(_) => bytes.len(),
                Err(e) if e.error_len().is_none() && !self.eof => e.valid_up_to(),
                Err(e) => {
                    let at = e.valid_up_to();
                    let (line, column) = self.advance_to(&bytes[..at]);
                    self.error = Some(DecodeError {
                        message: format!(
                            "not UTF-8 text (invalid byte at offset {}); expected YAML or JSON",
                            self.offset + at as u64
                        ),
                        line,
                        column,
                    });
                    return false;
                }
            };
            // A CR at the end may start a CRLF split across chunks.
            let mut take = valid;
            if !self.eof && take > 0 && bytes[take - 1] == b'\r' {
                take -= 1;
            }
            self.carry = bytes.split_off(take);
            if bytes.is_empty() {
                continue;
            }
            self.count(&bytes);
            let text = std::str::from_utf8(&bytes).expect("validated above");
            if text.contains('\r') {
                out.push_str(&text.replace("\r\n", "\n"));
            } else {
                out.push_str(text);
            }
            return true;
        }
    }

    /// Line and column (in bytes, 1-based) after `prefix`, which follows
    /// what was handed out so far.
    fn advance_to(&self, prefix: &[u8]) -> (u32, u32) {
        let newlines = memchr::memchr_iter(b'\n', prefix).count() as u32;
        let column = match memchr::memrchr(b'\n', prefix) {
            Some(i) => (prefix.len() - i) as u32,
            None => self.column + prefix.len() as u32,
        };
        (self.line + newlines, column)
    }

    fn count(&mut self, handed: &[u8]) {
        let (line, column) = self.advance_to(handed);
        self.line = line;
        self.column = column;
        self.offset += handed.len() as u64;
    }
}

/// The characters of a [`Reader`], for the YAML parser.
pub(crate) struct Chars<'r> {
    reader: &'r mut Reader,
    buf: String,
    pos: usize,
    /// Characters handed out so far.
    pub(crate) index: usize,
}

impl<'r> Chars<'r> {
    pub(crate) fn new(reader: &'r mut Reader) -> Self {
        Chars {
            reader,
            buf: String::new(),
            pos: 0,
            index: 0,
        }
    }
}

impl Iterator for Chars<'_> {
    type Item = char;

    #[inline]
    fn next(&mut self) -> Option<char> {
        if self.pos >= self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            if !self.reader.next_chunk(&mut self.buf) {
                return None;
            }
        }
        let c = self.buf[self.pos..].chars().next()?;
        self.pos += c.len_utf8();
        self.index += 1;
        Some(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(bytes: &[u8], chunk: usize) -> (String, Option<DecodeError>) {
        let mut r = Reader::new(Box::new(std::io::Cursor::new(bytes.to_vec())));
        r.raw = vec![0; chunk];
        let mut out = String::new();
        while r.next_chunk(&mut out) {}
        (out, r.error)
    }

    #[test]
    fn chunks_join_into_the_normalised_text() {
        let text = "\u{feff}a: é\r\nb: 😀\r\nc: d\r\n";
        for chunk in 1..8 {
            let (out, err) = read_all(text.as_bytes(), chunk);
            assert_eq!(err, None);
            assert_eq!(out, "a: é\nb: 😀\nc: d\n", "chunk {chunk}");
        }
    }

    #[test]
    fn binary_and_invalid_utf8_are_located_as_for_whole_input() {
        for chunk in [1, 3, 1024] {
            let (_, err) = read_all(b"a: 1\nbb\0", chunk);
            let err = err.unwrap();
            assert!(err.message.contains("offset 7"), "{err:?}");
            assert_eq!((err.line, err.column), (2, 3));
            let (_, err) = read_all(b"a: 1\nb: \xff", chunk);
            let err = err.unwrap();
            assert!(err.message.contains("not UTF-8"), "{err:?}");
            assert_eq!((err.line, err.column), (2, 4));
        }
    }
}
