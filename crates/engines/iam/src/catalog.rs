//! The catalog of AWS IAM actions, generated from parliament's
//! `iam_definition.json` by `tools/gen_actions.py` (the header of
//! `data/actions.tsv.gz` records the package version). Parsed lazily once.

use std::collections::HashMap;
use std::io::Read;
use std::sync::OnceLock;

use serde::Serialize;

use crate::pattern::Glob;

static DATA: &[u8] = include_bytes!("../data/actions.tsv.gz");

/// AWS's access-level classification of an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccessLevel {
    List,
    Read,
    Write,
    PermissionsManagement,
    Tagging,
}

/// One catalogued action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionInfo {
    /// Service prefix as AWS spells it (`s3`, `iam`).
    pub service: String,
    /// Action name as AWS spells it (`GetObject`).
    pub name: String,
    pub level: AccessLevel,
    /// The action can be scoped to resources (otherwise it needs `*`).
    pub resource_level: bool,
    /// `service:name` lowercased, for matching.
    lower: String,
}

impl ActionInfo {
    /// `service:Name`.
    pub fn full_name(&self) -> String {
        format!("{}:{}", self.service, self.name)
    }
}

/// The action table plus indexes. Obtain it with [`catalog`].
#[derive(Debug, Default)]
pub struct Catalog {
    /// Header comment lines of the data file (source and version).
    pub source: Vec<String>,
    actions: Vec<ActionInfo>,
    /// Lowercased service prefix → contiguous index range in `actions`.
    services: HashMap<String, (usize, usize)>,
    /// Services in index order: (prefix as spelled, start, end).
    service_list: Vec<(String, usize, usize)>,
    by_name: HashMap<String, usize>,
}

/// The embedded catalog, decompressed and indexed on first use. If the
/// embedded data were unreadable the catalog is empty rather than panicking;
/// a unit test guards against that.
pub fn catalog() -> &'static Catalog {
    static CAT: OnceLock<Catalog> = OnceLock::new();
    CAT.get_or_init(|| {
        let mut text = String::new();
        let ok = flate2::read::GzDecoder::new(DATA)
            .read_to_string(&mut text)
            .is_ok();
        if ok {
            Catalog::parse(&text)
        } else {
            Catalog::default()
        }
    })
}

impl Catalog {
    /// Parses the TSV form (see `tools/gen_actions.py`); malformed lines are
    /// skipped.
    pub fn parse(text: &str) -> Catalog {
        let mut source = Vec::new();
        let mut actions = Vec::new();
        for line in text.lines() {
            if let Some(c) = line.strip_prefix('#') {
                source.push(c.trim().to_string());
                continue;
            }
            let mut f = line.split('\t');
            let (Some(svc), Some(name), Some(level), Some(rl)) =
                (f.next(), f.next(), f.next(), f.next())
            else {
                continue;
            };
            let level = match level {
                "L" => AccessLevel::List,
                "R" => AccessLevel::Read,
                "W" => AccessLevel::Write,
                "P" => AccessLevel::PermissionsManagement,
                "T" => AccessLevel::Tagging,
                _ => continue,
            };
            actions.push(ActionInfo {
                service: svc.to_string(),
                name: name.to_string(),
                level,
                resource_level: rl == "1",
                lower: format!("{svc}:{name}").to_ascii_lowercase(),
            });
        }
        actions.sort_by(|a, b| a.lower.cmp(&b.lower));
        actions.dedup_by(|a, b| a.lower == b.lower);
        let mut services: HashMap<String, (usize, usize)> = HashMap::new();
        let mut by_name = HashMap::with_capacity(actions.len());
        for (i, a) in actions.iter().enumerate() {
            let svc = a.service.to_ascii_lowercase();
            services
                .entry(svc)
                .and_modify(|r| r.1 = i + 1)
                .or_insert((i, i + 1));
            by_name.insert(a.lower.clone(), i);
        }
        let mut service_list: Vec<(String, usize, usize)> = services
            .values()
            .map(|&(a, b)| (actions[a].service.clone(), a, b))
            .collect();
        service_list.sort_by_key(|s| s.1);
        Catalog {
            source,
            actions,
            services,
            service_list,
            by_name,
        }
    }

    pub fn len(&self) -> usize {
        self.actions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// All actions, sorted by lowercased `service:name`.
    pub fn actions(&self) -> &[ActionInfo] {
        &self.actions
    }

    /// Looks up `service:Action` case-insensitively.
    pub fn get(&self, action: &str) -> Option<&ActionInfo> {
        self.index_of(action).map(|i| &self.actions[i])
    }

    pub(crate) fn index_of(&self, action: &str) -> Option<usize> {
        self.by_name.get(&action.to_ascii_lowercase()).copied()
    }

    /// Index range of a service's actions (lowercase prefix).
    pub(crate) fn service_range(&self, prefix_lc: &str) -> Option<(usize, usize)> {
        self.services.get(prefix_lc).copied()
    }

    /// Services as (prefix, start, end) index ranges, in index order.
    pub(crate) fn service_list(&self) -> &[(String, usize, usize)] {
        &self.service_list
    }

    /// Number of catalogued actions for a service prefix.
    pub fn service_len(&self, prefix: &str) -> usize {
        self.service_range(&prefix.to_ascii_lowercase())
            .map_or(0, |(a, b)| b - a)
    }

    /// Every catalogued action an `Action` pattern (with `*`/`?`) matches.
    pub fn expand(&self, pattern: &str) -> Vec<&ActionInfo> {
        let bits = self.expand_bits(pattern);
        bits.iter_ones().map(|i| &self.actions[i]).collect()
    }

    /// Pattern → set of action indexes. A pattern whose service part has no
    /// wildcard only scans that service.
    pub(crate) fn expand_bits(&self, pattern: &str) -> BitSet {
        let lower = pattern.to_ascii_lowercase();
        let glob = Glob::new(&lower, true, false);
        let mut bits = BitSet::new(self.actions.len());
        if glob.is_any() {
            bits.fill();
            return bits;
        }
        if let Some(lit) = glob.literal() {
            if let Some(i) = self.by_name.get(lit) {
                bits.set(*i);
            }
            return bits;
        }
        let range = match lower.split_once(':') {
            Some((svc, _)) if !svc.contains(['*', '?']) => match self.service_range(svc) {
                Some(r) => r,
                None => return bits,
            },
            _ => (0, self.actions.len()),
        };
        for i in range.0..range.1 {
            if glob.matches(&self.actions[i].lower) {
                bits.set(i);
            }
        }
        bits
    }
}

/// A fixed-size bit set over catalog indexes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct BitSet {
    words: Vec<u64>,
    len: usize,
}

impl BitSet {
    pub(crate) fn new(len: usize) -> BitSet {
        BitSet {
            words: vec![0; len.div_ceil(64)],
            len,
        }
    }
    pub(crate) fn fill(&mut self) {
        for w in &mut self.words {
            *w = u64::MAX;
        }
        let extra = self.words.len() * 64 - self.len;
        if extra > 0
            && let Some(last) = self.words.last_mut()
        {
            *last >>= extra;
        }
    }
    pub(crate) fn set(&mut self, i: usize) {
        if let Some(w) = self.words.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }
    pub(crate) fn get(&self, i: usize) -> bool {
        self.words
            .get(i / 64)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
    pub(crate) fn union_with(&mut self, o: &BitSet) {
        for (a, b) in self.words.iter_mut().zip(&o.words) {
            *a |= b;
        }
    }
    pub(crate) fn intersect_with(&mut self, o: &BitSet) {
        for (a, b) in self.words.iter_mut().zip(&o.words) {
            *a &= b;
        }
    }
    pub(crate) fn subtract(&mut self, o: &BitSet) {
        for (a, b) in self.words.iter_mut().zip(&o.words) {
            *a &= !b;
        }
    }
    /// Complement within `0..len`.
    pub(crate) fn complement(&self) -> BitSet {
        let mut all = BitSet::new(self.len);
        all.fill();
        all.subtract(self);
        all
    }
    /// Number of set bits in `lo..hi`.
    pub(crate) fn count_range(&self, lo: usize, hi: usize) -> usize {
        let hi = hi.min(self.len);
        if lo >= hi {
            return 0;
        }
        let (wl, wh) = (lo / 64, (hi - 1) / 64);
        let mut n = 0;
        for w in wl..=wh {
            let mut word = self.words[w];
            if w == wl {
                word &= u64::MAX << (lo % 64);
            }
            if w == wh && !hi.is_multiple_of(64) {
                word &= u64::MAX >> (64 - hi % 64);
            }
            n += word.count_ones() as usize;
        }
        n
    }
    pub(crate) fn count(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }
    pub(crate) fn iter_ones(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(wi, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let b = w.trailing_zeros() as usize;
                w &= w - 1;
                Some(wi * 64 + b)
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalog_loads_with_known_actions() {
        let c = catalog();
        assert!(c.len() > 15_000, "catalog has {} actions", c.len());
        assert!(c.source.iter().any(|l| l.contains("parliament")));
        let pr = c.get("IAM:passrole").expect("iam:PassRole present");
        assert_eq!(pr.full_name(), "iam:PassRole");
        let cpv = c.get("iam:CreatePolicyVersion").expect("present");
        assert_eq!(cpv.level, AccessLevel::PermissionsManagement);
        assert_eq!(
            c.get("s3:GetObject").map(|a| a.level),
            Some(AccessLevel::Read)
        );
        assert!(c.get("s3:NoSuchAction").is_none());
    }

    #[test]
    fn expansion_respects_wildcards_and_case() {
        let c = catalog();
        let gets: Vec<String> = c
            .expand("S3:GetObject*")
            .iter()
            .map(|a| a.full_name())
            .collect();
        assert!(gets.contains(&"s3:GetObject".to_string()));
        assert!(gets.contains(&"s3:GetObjectAcl".to_string()));
        assert!(gets.iter().all(|a| a.starts_with("s3:GetObject")));
        assert_eq!(c.expand("*").len(), c.len());
        let all_s3 = c.expand("s3:*").len();
        assert_eq!(all_s3, c.service_len("s3"));
        let describes = c.expand("*:Describe*");
        assert!(describes.iter().any(|a| a.service == "ec2"));
        assert!(describes.iter().all(|a| a.name.starts_with("Describe")));
        assert_eq!(c.expand("sts:AssumeRol?").len(), 1);
    }

    #[test]
    fn bitset_ops() {
        let mut a = BitSet::new(130);
        a.fill();
        assert_eq!(a.count(), 130);
        let mut b = BitSet::new(130);
        b.set(0);
        b.set(129);
        a.subtract(&b);
        assert_eq!(a.count(), 128);
        assert!(!a.get(129));
        assert_eq!(b.complement().count(), 128);
        assert_eq!(b.iter_ones().collect::<Vec<_>>(), vec![0, 129]);
        let mut c = BitSet::new(200);
        for i in [0, 63, 64, 127, 128, 199] {
            c.set(i);
        }
        for (lo, hi) in [
            (0, 200),
            (0, 64),
            (63, 65),
            (64, 128),
            (1, 63),
            (128, 199),
            (5, 5),
            (199, 200),
        ] {
            let slow = (lo..hi).filter(|&i| c.get(i)).count();
            assert_eq!(c.count_range(lo, hi), slow, "{lo}..{hi}");
        }
    }
}
