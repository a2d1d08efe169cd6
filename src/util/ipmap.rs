//! ATS's IpMap (src/tscore/IpMap.cc) and ats_ip_range_parse (ink_inet.cc), behind the libtscore
//! symbols Debian's header_rewrite.so calls: a map of address ranges to a client pointer, IPv4
//! and IPv6 apart. Marking a range gives every address in it the pointer (cutting what it
//! overlaps); adjacent or overlapping ranges with the same pointer are one range, as in ATS, so
//! [`IpMap::count`] counts what ATS counts.
#![forbid(unsafe_code)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Ranges of one family, as `u128` (IPv4 in the low 32 bits): sorted, disjoint, inclusive.
#[derive(Default, Debug)]
struct Ranges(Vec<(u128, u128, usize)>);

impl Ranges {
    fn mark(&mut self, lo: u128, hi: u128, data: usize) {
        let mut kept = Vec::with_capacity(self.0.len() + 2);
        for &(a, b, d) in &self.0 {
            if b < lo || a > hi {
                kept.push((a, b, d));
                continue;
            }
            if a < lo {
                kept.push((a, lo - 1, d));
            }
            if b > hi {
                kept.push((hi + 1, b, d));
            }
        }
        kept.push((lo, hi, data));
        kept.sort_unstable_by_key(|r| r.0);
        // Coalesce neighbours with the same data.
        let mut out: Vec<(u128, u128, usize)> = Vec::with_capacity(kept.len());
        for r in kept {
            match out.last_mut() {
                Some(last) if last.2 == r.2 && last.1.checked_add(1) == Some(r.0) => last.1 = r.1,
                _ => out.push(r),
            }
        }
        self.0 = out;
    }

    fn find(&self, x: u128) -> Option<usize> {
        let i = self.0.partition_point(|r| r.1 < x);
        self.0.get(i).filter(|r| r.0 <= x).map(|r| r.2)
    }
}

/// An IpMap: ranges of addresses, each with a client pointer (kept as an integer).
#[derive(Default, Debug)]
pub struct IpMap {
    v4: Ranges,
    v6: Ranges,
}

fn key(a: IpAddr) -> (bool, u128) {
    match a {
        IpAddr::V4(v) => (false, u128::from(u32::from(v))),
        IpAddr::V6(v) => (true, u128::from(v)),
    }
}

impl IpMap {
    /// Mark `[min, max]` with `data`; nothing when the two are of different families or
    /// `min > max` (as ATS, which ignores such a range).
    pub fn mark(&mut self, min: IpAddr, max: IpAddr, data: usize) {
        let ((v6, lo), (v6b, hi)) = (key(min), key(max));
        if v6 != v6b || lo > hi {
            return;
        }
        if v6 {
            self.v6.mark(lo, hi, data);
        } else {
            self.v4.mark(lo, hi, data);
        }
    }

    /// The data of the range holding `a`, if one does.
    pub fn find(&self, a: IpAddr) -> Option<usize> {
        let (v6, k) = key(a);
        if v6 {
            self.v6.find(k)
        } else {
            self.v4.find(k)
        }
    }

    /// How many ranges there are.
    pub fn count(&self) -> usize {
        self.v4.0.len() + self.v6.0.len()
    }
}

/// One address as ATS's `IpAddr::load` reads it: surrounding spaces ignored, an IPv6 address
/// possibly in brackets, an optional `:port` (ignored).
fn load(text: &str) -> Option<IpAddr> {
    let t = text.trim();
    if let Some(rest) = t.strip_prefix('[') {
        let end = rest.find(']')?;
        return rest[..end].parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    if t.matches(':').count() > 1 {
        return t.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    let host = t.split(':').next().unwrap_or(t);
    host.parse::<Ipv4Addr>().ok().map(IpAddr::V4)
}

/// ats_ip_range_parse: `ADDR`, `ADDR-ADDR` (same family) or `ADDR/CIDR` as the inclusive range
/// it names; None when it names none.
pub fn range_parse(src: &str) -> Option<(IpAddr, IpAddr)> {
    let Some(idx) = src.find(['/', '-']) else {
        let a = load(src)?;
        return Some((a, a));
    };
    if idx + 1 >= src.len() {
        return None;
    }
    let addr = load(&src[..idx])?;
    let rest = &src[idx + 1..];
    if src.as_bytes()[idx] == b'-' {
        let addr2 = load(rest)?;
        return (addr.is_ipv4() == addr2.is_ipv4()).then_some((addr, addr2));
    }
    // A CIDR: the leading digits (ATS's svtoi), at least one.
    let digits = rest.trim_start();
    let n = digits.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 {
        return None;
    }
    let cidr: u32 = digits[..n].parse().ok()?;
    match addr {
        IpAddr::V4(v) if cidr <= 32 => {
            let mask = if cidr == 0 {
                0
            } else {
                u32::MAX << (32 - cidr)
            };
            let a = u32::from(v);
            Some((
                IpAddr::V4((a & mask).into()),
                IpAddr::V4((a | !mask).into()),
            ))
        }
        IpAddr::V6(v) if cidr <= 128 => {
            let mask = if cidr == 0 {
                0
            } else {
                u128::MAX << (128 - cidr)
            };
            let a = u128::from(v);
            Some((
                IpAddr::V6((a & mask).into()),
                IpAddr::V6((a | !mask).into()),
            ))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ranges_parse_as_ats_reads_them() {
        assert_eq!(
            range_parse("192.168.1.7/24"),
            Some((ip("192.168.1.0"), ip("192.168.1.255")))
        );
        assert_eq!(
            range_parse("10.0.0.1-10.0.0.9"),
            Some((ip("10.0.0.1"), ip("10.0.0.9")))
        );
        assert_eq!(
            range_parse(" 127.0.0.1"),
            Some((ip("127.0.0.1"), ip("127.0.0.1")))
        );
        assert_eq!(
            range_parse("0.0.0.0/0"),
            Some((ip("0.0.0.0"), ip("255.255.255.255")))
        );
        assert_eq!(
            range_parse("2001:db8::1/64"),
            Some((ip("2001:db8::"), ip("2001:db8::ffff:ffff:ffff:ffff")))
        );
        assert_eq!(range_parse("10.0.0.1/33"), None);
        assert_eq!(range_parse("10.0.0.1/"), None);
        assert_eq!(range_parse("10.0.0.1/x"), None);
        assert_eq!(range_parse("10.0.0.1-::1"), None);
        assert_eq!(range_parse("nonsense"), None);
    }

    #[test]
    fn marks_cut_what_they_overlap_and_join_equal_neighbours() {
        let mut m = IpMap::default();
        m.mark(ip("10.0.0.0"), ip("10.0.0.255"), 1);
        m.mark(ip("10.0.0.100"), ip("10.0.0.199"), 2);
        assert_eq!(m.count(), 3);
        assert_eq!(m.find(ip("10.0.0.99")), Some(1));
        assert_eq!(m.find(ip("10.0.0.150")), Some(2));
        assert_eq!(m.find(ip("10.0.0.200")), Some(1));
        assert_eq!(m.find(ip("10.0.1.0")), None);
        // The same data again over the middle: one range.
        m.mark(ip("10.0.0.100"), ip("10.0.0.199"), 1);
        assert_eq!(m.count(), 1);
        m.mark(ip("10.0.1.0"), ip("10.0.1.255"), 1);
        assert_eq!(m.count(), 1, "adjacent, same data");
        m.mark(ip("::1"), ip("::1"), 1);
        assert_eq!(m.count(), 2, "IPv6 apart");
        assert_eq!(m.find(ip("::1")), Some(1));
        assert_eq!(m.find(ip("0.0.0.1")), None);
        m.mark(ip("10.0.0.9"), ip("10.0.0.1"), 5);
        assert_eq!(m.count(), 2, "min > max is ignored");
    }
}
