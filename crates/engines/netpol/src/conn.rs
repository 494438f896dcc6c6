//! Connection sets: per protocol, a set of destination port ranges.

use std::fmt;

/// A transport protocol a NetworkPolicy port can name.
///
/// The API reference (`NetworkPolicyPort.protocol`) allows exactly TCP, UDP
/// and SCTP and defaults to TCP when the field is absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    /// SCTP. Listed first because np-guard's netpol-analyzer orders protocols alphabetically.
    Sctp,
    /// TCP, the default protocol of a `NetworkPolicyPort`.
    Tcp,
    /// UDP.
    Udp,
}

impl Protocol {
    /// All protocols in output order (SCTP, TCP, UDP).
    pub const ALL: [Protocol; 3] = [Protocol::Sctp, Protocol::Tcp, Protocol::Udp];

    /// Parses a protocol name as written in manifests (`TCP`, `udp`, ...).
    pub fn parse(s: &str) -> Option<Protocol> {
        match s.to_ascii_uppercase().as_str() {
            "TCP" => Some(Protocol::Tcp),
            "UDP" => Some(Protocol::Udp),
            "SCTP" => Some(Protocol::Sctp),
            _ => None,
        }
    }

    /// The upper-case name used in manifests and outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Sctp => "SCTP",
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
        }
    }

    fn index(self) -> usize {
        match self {
            Protocol::Sctp => 0,
            Protocol::Tcp => 1,
            Protocol::Udp => 2,
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Lowest and highest port a policy can name (port 0 is not a valid destination port).
pub const MIN_PORT: u16 = 1;
/// Highest port number.
pub const MAX_PORT: u16 = 65535;

/// A set of allowed connections: for each protocol, sorted disjoint inclusive port ranges.
///
/// Kept canonical (sorted, merged, non-adjacent) so that equality is set equality,
/// which lets the engine intern identical sets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnSet {
    ranges: [Vec<(u16, u16)>; 3],
}

impl ConnSet {
    /// The empty set: nothing allowed.
    pub fn none() -> ConnSet {
        ConnSet::default()
    }

    /// Every port of every protocol ("All Connections").
    pub fn all() -> ConnSet {
        ConnSet {
            ranges: [
                vec![(MIN_PORT, MAX_PORT)],
                vec![(MIN_PORT, MAX_PORT)],
                vec![(MIN_PORT, MAX_PORT)],
            ],
        }
    }

    /// Every port of one protocol.
    pub fn protocol(p: Protocol) -> ConnSet {
        ConnSet::range(p, MIN_PORT, MAX_PORT)
    }

    /// One port of one protocol.
    pub fn port(p: Protocol, port: u16) -> ConnSet {
        ConnSet::range(p, port, port)
    }

    /// An inclusive port range of one protocol; empty if `lo > hi`. Port 0 is clamped to 1.
    pub fn range(p: Protocol, lo: u16, hi: u16) -> ConnSet {
        let mut c = ConnSet::none();
        let lo = lo.max(MIN_PORT);
        if lo <= hi {
            c.ranges[p.index()].push((lo, hi));
        }
        c
    }

    /// True if nothing is allowed.
    pub fn is_empty(&self) -> bool {
        self.ranges.iter().all(Vec::is_empty)
    }

    /// True if every port of every protocol is allowed.
    pub fn is_all(&self) -> bool {
        self.ranges
            .iter()
            .all(|r| r.len() == 1 && r[0] == (MIN_PORT, MAX_PORT))
    }

    /// The port ranges of one protocol.
    pub fn ranges(&self, p: Protocol) -> &[(u16, u16)] {
        &self.ranges[p.index()]
    }

    /// True if `port` of protocol `p` is in the set.
    pub fn contains(&self, p: Protocol, port: u16) -> bool {
        self.ranges[p.index()]
            .iter()
            .any(|&(lo, hi)| lo <= port && port <= hi)
    }

    /// True if every connection of `other` is also in `self`.
    pub fn is_superset(&self, other: &ConnSet) -> bool {
        other.subtract(self).is_empty()
    }

    /// Set union.
    pub fn union(&self, other: &ConnSet) -> ConnSet {
        let mut out = self.clone();
        out.union_with(other);
        out
    }

    /// In-place set union.
    pub fn union_with(&mut self, other: &ConnSet) {
        for i in 0..3 {
            if other.ranges[i].is_empty() {
                continue;
            }
            if self.ranges[i].is_empty() {
                self.ranges[i] = other.ranges[i].clone();
                continue;
            }
            let mut all: Vec<(u16, u16)> = self.ranges[i]
                .iter()
                .chain(other.ranges[i].iter())
                .copied()
                .collect();
            all.sort_unstable();
            self.ranges[i] = merge_sorted(all);
        }
    }

    /// Set intersection.
    pub fn intersect(&self, other: &ConnSet) -> ConnSet {
        let mut out = ConnSet::none();
        for i in 0..3 {
            let (a, b) = (&self.ranges[i], &other.ranges[i]);
            let (mut x, mut y) = (0, 0);
            while x < a.len() && y < b.len() {
                let lo = a[x].0.max(b[y].0);
                let hi = a[x].1.min(b[y].1);
                if lo <= hi {
                    out.ranges[i].push((lo, hi));
                }
                if a[x].1 < b[y].1 {
                    x += 1;
                } else {
                    y += 1;
                }
            }
        }
        out
    }

    /// Set difference `self \ other`.
    pub fn subtract(&self, other: &ConnSet) -> ConnSet {
        let mut out = ConnSet::none();
        for i in 0..3 {
            for &(lo, hi) in &self.ranges[i] {
                let mut cur = lo as u32;
                let hi = hi as u32;
                for &(olo, ohi) in &other.ranges[i] {
                    let (olo, ohi) = (olo as u32, ohi as u32);
                    if ohi < cur || olo > hi {
                        continue;
                    }
                    if olo > cur {
                        out.ranges[i].push((cur as u16, (olo - 1) as u16));
                    }
                    cur = ohi + 1;
                    if cur > hi {
                        break;
                    }
                }
                if cur <= hi {
                    out.ranges[i].push((cur as u16, hi as u16));
                }
            }
        }
        out
    }
}

fn merge_sorted(sorted: Vec<(u16, u16)>) -> Vec<(u16, u16)> {
    let mut out: Vec<(u16, u16)> = Vec::with_capacity(sorted.len());
    for (lo, hi) in sorted {
        match out.last_mut() {
            Some(last) if (lo as u32) <= last.1 as u32 + 1 => last.1 = last.1.max(hi),
            _ => out.push((lo, hi)),
        }
    }
    out
}

/// Formats like np-guard's netpol-analyzer: `All Connections`, `No Connections`, or
/// protocols in order SCTP, TCP, UDP with comma-joined ports and ranges,
/// e.g. `TCP 80,443,8000-8080,UDP 53`.
impl fmt::Display for ConnSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_all() {
            return f.write_str("All Connections");
        }
        if self.is_empty() {
            return f.write_str("No Connections");
        }
        let mut first = true;
        for p in Protocol::ALL {
            let r = self.ranges(p);
            if r.is_empty() {
                continue;
            }
            if !first {
                f.write_str(",")?;
            }
            first = false;
            write!(f, "{p} ")?;
            for (i, &(lo, hi)) in r.iter().enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                if lo == hi {
                    write!(f, "{lo}")?;
                } else {
                    write!(f, "{lo}-{hi}")?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_follows_netpol_analyzer_convention() {
        let c = ConnSet::port(Protocol::Tcp, 443)
            .union(&ConnSet::port(Protocol::Tcp, 80))
            .union(&ConnSet::port(Protocol::Udp, 53))
            .union(&ConnSet::range(Protocol::Sctp, 9000, 9010));
        assert_eq!(c.to_string(), "SCTP 9000-9010,TCP 80,443,UDP 53");
        assert_eq!(ConnSet::all().to_string(), "All Connections");
    }

    #[test]
    fn adjacent_ranges_merge_and_subtract_splits() {
        let c = ConnSet::range(Protocol::Tcp, 1, 10).union(&ConnSet::range(Protocol::Tcp, 11, 20));
        assert_eq!(c.ranges(Protocol::Tcp), &[(1, 20)]);
        let d = c.subtract(&ConnSet::port(Protocol::Tcp, 15));
        assert_eq!(d.ranges(Protocol::Tcp), &[(1, 14), (16, 20)]);
        assert!(ConnSet::all().subtract(&ConnSet::all()).is_empty());
        let i = d.intersect(&ConnSet::range(Protocol::Tcp, 14, 16));
        assert_eq!(i.ranges(Protocol::Tcp), &[(14, 14), (16, 16)]);
    }
}
