//! Fingerprints of what a cached analysis read: the NetworkPolicy model and
//! the identity view are rebuilt only when these change.

use serde_json::Value;
use std::hash::Hasher;

/// Feeds a JSON value into a hasher, tagging each node with its type so
/// that, e.g., `"1"` and `1` differ.
pub(crate) fn hash_value(v: &Value, h: &mut FxHasher) {
    match v {
        Value::Null => h.write_u8(0),
        Value::Bool(b) => h.write_u8(1 + u8::from(*b)),
        Value::Number(n) => {
            h.write_u8(3);
            match (n.as_u64(), n.as_i64(), n.as_f64()) {
                (Some(u), _, _) => h.write_u64(u),
                (_, Some(i), _) => h.write_i64(i),
                (_, _, f) => h.write_u64(f.unwrap_or_default().to_bits()),
            }
        }
        Value::String(s) => {
            h.write_u8(4);
            h.write_str_bytes(s);
        }
        Value::Array(a) => {
            h.write_u8(5);
            h.write_usize(a.len());
            a.iter().for_each(|x| hash_value(x, h));
        }
        Value::Object(m) => {
            h.write_u8(6);
            h.write_usize(m.len());
            for (k, x) in m {
                h.write_str_bytes(k);
                hash_value(x, h);
            }
        }
    }
}

/// The multiply-rotate hash rustc uses (FxHash), eight bytes at a time: a
/// few times faster than SipHash, which matters because every workload of
/// the scan is hashed (SipHash's per-write cost was a third of the identity
/// controls' time). Not keyed: the caches only need to tell scans apart,
/// not resist an attacker (whose manifests could as well contain what they
/// want reported).
#[derive(Default)]
pub(crate) struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    /// Length-prefixed, so `["ab", "c"]` and `["a", "bc"]` differ.
    pub(crate) fn write_str_bytes(&mut self, s: &str) {
        self.write_usize(s.len());
        self.write(s.as_bytes());
    }
}

impl Hasher for FxHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
}

/// [`hash_value`] of an optional value, `None` distinct from every value.
pub(crate) fn hash_opt_value(v: Option<&Value>, h: &mut FxHasher) {
    match v {
        None => h.write_u8(0xff),
        Some(v) => hash_value(v, h),
    }
}
