//! IP blocks and the external address ranges they carve out.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Address family of a range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    /// IPv4.
    V4,
    /// IPv6.
    V6,
}

impl Family {
    fn max(self) -> u128 {
        match self {
            Family::V4 => u32::MAX as u128,
            Family::V6 => u128::MAX,
        }
    }
}

/// An inclusive range of addresses of one family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IpRange {
    /// Family of both ends.
    pub family: Family,
    /// First address (as an integer).
    pub start: u128,
    /// Last address (as an integer), inclusive.
    pub end: u128,
}

impl IpRange {
    /// The whole address space of a family.
    pub fn full(family: Family) -> IpRange {
        IpRange {
            family,
            start: 0,
            end: family.max(),
        }
    }

    /// True if `self` lies inside `other`.
    pub fn within(&self, other: &IpRange) -> bool {
        self.family == other.family && other.start <= self.start && self.end <= other.end
    }

    /// True if the address lies in the range.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let (f, v) = ip_to_int(ip);
        f == self.family && self.start <= v && v <= self.end
    }

    /// True if this is the whole IPv4 or IPv6 space.
    pub fn is_full(&self) -> bool {
        self.start == 0 && self.end == self.family.max()
    }

    /// Parses CIDR notation (`10.0.0.0/8`, `::/0`). Host bits are masked off, as
    /// Kubernetes historically accepted non-canonical CIDRs such as `10.0.0.1/8`.
    pub fn parse_cidr(s: &str) -> Option<IpRange> {
        let (addr, len) = s.trim().split_once('/')?;
        let ip: IpAddr = addr.parse().ok()?;
        let len: u32 = len.parse().ok()?;
        let (family, v) = ip_to_int(ip);
        let bits = match family {
            Family::V4 => 32,
            Family::V6 => 128,
        };
        if len > bits {
            return None;
        }
        let host_bits = bits - len;
        let host_mask: u128 = if host_bits == 128 {
            u128::MAX
        } else {
            (1u128 << host_bits) - 1
        };
        let start = v & !host_mask & family.max();
        Some(IpRange {
            family,
            start,
            end: start | host_mask,
        })
    }
}

fn ip_to_int(ip: IpAddr) -> (Family, u128) {
    match ip {
        IpAddr::V4(a) => (Family::V4, u32::from(a) as u128),
        IpAddr::V6(a) => (Family::V6, u128::from(a)),
    }
}

fn int_to_ip(f: Family, v: u128) -> IpAddr {
    match f {
        Family::V4 => IpAddr::V4(Ipv4Addr::from(v as u32)),
        Family::V6 => IpAddr::V6(Ipv6Addr::from(v)),
    }
}

/// Formats as netpol-analyzer does: `first-last`, e.g. `0.0.0.0-255.255.255.255`.
impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}",
            int_to_ip(self.family, self.start),
            int_to_ip(self.family, self.end)
        )
    }
}

/// An `ipBlock` peer: a CIDR minus its `except` CIDRs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpBlock {
    /// The allowed CIDR.
    pub cidr: IpRange,
    /// Excluded CIDRs.
    pub except: Vec<IpRange>,
}

impl IpBlock {
    /// The address set the block denotes, `cidr` minus every `except`, as sorted, disjoint,
    /// non-adjacent inclusive ranges: two adjacent excepts leave one gap, not two. Excepts of
    /// another family, or outside the CIDR, remove nothing.
    pub fn intervals(&self) -> Vec<IpRange> {
        let mut holes: Vec<(u128, u128)> = self
            .except
            .iter()
            .filter(|e| e.family == self.cidr.family)
            .filter(|e| e.end >= self.cidr.start && e.start <= self.cidr.end)
            .map(|e| (e.start.max(self.cidr.start), e.end.min(self.cidr.end)))
            .collect();
        holes.sort_unstable();
        let mut out = Vec::new();
        // `cur` is the first address not yet decided; None once past the end of the space.
        let mut cur = Some(self.cidr.start);
        for (s, e) in holes {
            let Some(c) = cur else { break };
            if s > c {
                out.push(IpRange {
                    family: self.cidr.family,
                    start: c,
                    end: s - 1,
                });
            }
            if e >= c {
                cur = e.checked_add(1).filter(|&n| n <= self.cidr.end);
            }
        }
        if let Some(c) = cur {
            out.push(IpRange {
                family: self.cidr.family,
                start: c,
                end: self.cidr.end,
            });
        }
        out
    }

    /// True if every address of `r` is in the block. `r` must come from [`split_space`]
    /// over a set of blocks including this one, so it is either wholly in or wholly out.
    #[cfg(test)]
    pub fn covers(&self, r: &IpRange) -> bool {
        self.intervals().iter().any(|i| r.within(i))
    }
}

/// Splits the address space at the boundaries of the address sets the blocks denote
/// ([`IpBlock::intervals`]: each `cidr` minus its `except`s), not at every `cidr` and
/// `except` boundary, so two adjacent excepts of one block leave one range. Every range of
/// the result is wholly inside or wholly outside each block. IPv4 is always present (pods
/// talk IPv4 on EKS by default); IPv6 only when a block uses it. Ranges are sorted (IPv4
/// first) and, within a family, contiguous.
pub fn split_space(blocks: &[&IpBlock]) -> Vec<IpRange> {
    let sets: Vec<Vec<IpRange>> = blocks.iter().map(|b| b.intervals()).collect();
    let mut out = Vec::new();
    for fam in [Family::V4, Family::V6] {
        let mut cuts: Vec<u128> = Vec::new();
        let seen = blocks.iter().any(|b| b.cidr.family == fam);
        for r in sets.iter().flatten().filter(|r| r.family == fam) {
            cuts.push(r.start);
            if r.end < fam.max() {
                cuts.push(r.end + 1);
            }
        }
        if fam == Family::V6 && !seen {
            continue;
        }
        cuts.push(0);
        cuts.sort_unstable();
        cuts.dedup();
        for (i, &s) in cuts.iter().enumerate() {
            let e = match cuts.get(i + 1) {
                Some(&n) => n - 1,
                None => fam.max(),
            };
            out.push(IpRange {
                family: fam,
                start: s,
                end: e,
            });
        }
    }
    out
}

/// Indices of the ranges of `split` (sorted by family and start, as [`split_space`] returns
/// them) that lie inside `set` (sorted disjoint ranges, as [`IpBlock::intervals`] returns).
pub(crate) fn covered_indices(split: &[IpRange], set: &[IpRange]) -> Vec<usize> {
    let mut out = Vec::new();
    for iv in set {
        let first = split.partition_point(|r| (r.family, r.start) < (iv.family, iv.start));
        for (i, r) in split.iter().enumerate().skip(first) {
            if !r.within(iv) {
                break;
            }
            out.push(i);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_parsing_masks_host_bits() {
        let r = IpRange::parse_cidr("10.1.2.3/8").unwrap();
        assert_eq!(r.to_string(), "10.0.0.0-10.255.255.255");
        assert_eq!(
            IpRange::parse_cidr("0.0.0.0/0").unwrap().to_string(),
            "0.0.0.0-255.255.255.255"
        );
        assert!(IpRange::parse_cidr("10.0.0.0/33").is_none());
        assert!(IpRange::parse_cidr("nonsense").is_none());
        assert!(IpRange::parse_cidr("::/0").unwrap().is_full());
    }

    #[test]
    fn split_at_cidr_and_except_boundaries() {
        let b = IpBlock {
            cidr: IpRange::parse_cidr("10.0.0.0/8").unwrap(),
            except: vec![IpRange::parse_cidr("10.1.0.0/16").unwrap()],
        };
        let parts: Vec<String> = split_space(&[&b]).iter().map(|r| r.to_string()).collect();
        assert_eq!(
            parts,
            [
                "0.0.0.0-9.255.255.255",
                "10.0.0.0-10.0.255.255",
                "10.1.0.0-10.1.255.255",
                "10.2.0.0-10.255.255.255",
                "11.0.0.0-255.255.255.255"
            ]
        );
        let covered: Vec<bool> = split_space(&[&b]).iter().map(|r| b.covers(r)).collect();
        assert_eq!(covered, [false, true, false, true, false]);
    }

    fn block(cidr: &str, except: &[&str]) -> IpBlock {
        IpBlock {
            cidr: IpRange::parse_cidr(cidr).unwrap(),
            except: except
                .iter()
                .map(|e| IpRange::parse_cidr(e).unwrap())
                .collect(),
        }
    }

    fn strings(v: &[IpRange]) -> Vec<String> {
        v.iter().map(|r| r.to_string()).collect()
    }

    #[test]
    fn adjacent_excepts_of_one_block_leave_one_range() {
        // 10.0.0.0/9 and 10.128.0.0/9 together are 10.0.0.0/8: one hole, one range.
        let b = block("0.0.0.0/0", &["10.0.0.0/9", "10.128.0.0/9"]);
        assert_eq!(
            strings(&b.intervals()),
            ["0.0.0.0-9.255.255.255", "11.0.0.0-255.255.255.255"]
        );
        assert_eq!(
            strings(&split_space(&[&b])),
            [
                "0.0.0.0-9.255.255.255",
                "10.0.0.0-10.255.255.255",
                "11.0.0.0-255.255.255.255"
            ]
        );
    }

    #[test]
    fn intervals_handle_nested_and_foreign_excepts_and_the_top_of_the_space() {
        let b = block(
            "10.0.0.0/8",
            &["10.1.0.0/16", "10.1.2.0/24", "192.168.0.0/16"],
        );
        assert_eq!(
            strings(&b.intervals()),
            ["10.0.0.0-10.0.255.255", "10.2.0.0-10.255.255.255"]
        );
        assert!(block("10.0.0.0/8", &["10.0.0.0/8"]).intervals().is_empty());
        let v6 = block("::/0", &["ffff::/16"]);
        assert_eq!(
            strings(&v6.intervals()),
            ["::-fffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff"]
        );
        assert_eq!(
            strings(&block("::/0", &[]).intervals()),
            ["::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"]
        );
    }

    #[test]
    fn overlapping_blocks_split_at_their_set_boundaries_only() {
        let a = block("10.0.0.0/8", &["10.1.0.0/16", "10.2.0.0/16"]);
        let b = block("10.0.0.0/16", &[]);
        let split = split_space(&[&a, &b]);
        assert_eq!(
            strings(&split),
            [
                "0.0.0.0-9.255.255.255",
                "10.0.0.0-10.0.255.255",
                "10.1.0.0-10.2.255.255",
                "10.3.0.0-10.255.255.255",
                "11.0.0.0-255.255.255.255"
            ]
        );
        assert_eq!(covered_indices(&split, &a.intervals()), [1, 3]);
        assert_eq!(covered_indices(&split, &b.intervals()), [1]);
        for (i, r) in split.iter().enumerate() {
            assert_eq!(a.covers(r), [1, 3].contains(&i), "{r}");
        }
    }
}
