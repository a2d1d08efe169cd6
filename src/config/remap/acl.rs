//! ACL filters of remap.config (ATS's `acl_filter_rule`, `remap_validate_filter_args` in
//! RemapConfig.cc and `UrlRewrite::PerformACLFiltering`).
//!
//! A filter is made of `@action=allow|deny` (also `1|on|enable`, `0|off|disable`; allow when
//! missing), `@method=M` (repeatable), `@src_ip=RANGE` / `@src_ip=~RANGE` (the client's
//! address, `~` inverts), `@in_ip=RANGE` / `@in_ip=~RANGE` (the address the request arrived
//! on) and `@internal` (a request made by a plugin, TSHttpConnect). A RANGE is an address,
//! `FIRST-LAST` or `ADDR/BITS`. A rule gets the filters active where it is written (named with
//! `.definefilter`, switched with `.activatefilter`/`.deactivatefilter`), then its own.
//!
//! Evaluation, as ATS 9.2, in order while the request is still allowed: a filter *matches* when
//! the method is one it lists (if it lists any), the client address is in one of its `src_ip`
//! ranges (if any), and the local address in one of its `in_ip` ranges (if any); `@internal`
//! replaces all that with "the request is internal". A filter that matches sets the verdict to its
//! action; one that does not match sets it to the opposite. So `@action=allow @src_ip=10.0.0.0/8`
//! alone denies everyone else, and `@action=deny @method=POST` allows the other methods.
//! ATS 9.2 quirk kept: a method outside ATS's well-known list (CONNECT, DELETE, GET, HEAD,
//! OPTIONS, POST, PURGE, PUT, TRACE, PUSH) never matches a filter that lists methods.
#![forbid(unsafe_code)]

use std::net::IpAddr;

/// An address range of `@src_ip=`/`@in_ip=`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpRange {
    pub start: IpAddr,
    pub end: IpAddr,
    /// Written with `~`: matches the addresses outside the range.
    pub invert: bool,
}

impl IpRange {
    /// ATS's `ats_ip_range_parse`: `ADDR`, `FIRST-LAST` (same family, FIRST <= LAST) or
    /// `ADDR/BITS`. An IPv4 address may be one number, as getaddrinfo reads it (`0/0`).
    pub fn parse(s: &str, invert: bool) -> Option<IpRange> {
        let addr = |a: &str| -> Option<IpAddr> {
            a.parse()
                .ok()
                .or_else(|| a.parse::<u32>().ok().map(|n| IpAddr::V4(n.into())))
        };
        let (start, end) = if let Some((a, b)) = s.split_once('-') {
            let (a, b): (IpAddr, IpAddr) = (addr(a)?, addr(b)?);
            if a.is_ipv4() != b.is_ipv4() || a > b {
                return None;
            }
            (a, b)
        } else if let Some((a, bits)) = s.split_once('/') {
            let a = addr(a)?;
            let bits: u32 = bits.parse().ok()?;
            match a {
                IpAddr::V4(v) if bits <= 32 => {
                    let mask = if bits == 0 {
                        0
                    } else {
                        u32::MAX << (32 - bits)
                    };
                    let n = u32::from(v);
                    (
                        IpAddr::V4((n & mask).into()),
                        IpAddr::V4((n | !mask).into()),
                    )
                }
                IpAddr::V6(v) if bits <= 128 => {
                    let mask = if bits == 0 {
                        0
                    } else {
                        u128::MAX << (128 - bits)
                    };
                    let n = u128::from(v);
                    (
                        IpAddr::V6((n & mask).into()),
                        IpAddr::V6((n | !mask).into()),
                    )
                }
                _ => return None,
            }
        } else {
            let a = addr(s)?;
            (a, a)
        };
        Some(IpRange { start, end, invert })
    }

    /// Whether the range holds `ip` (an IPv4-mapped IPv6 address as its IPv4 one).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v) => v.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        ip.is_ipv4() == self.start.is_ipv4() && self.start <= ip && ip <= self.end
    }

    fn matches(&self, ip: IpAddr) -> bool {
        self.contains(ip) != self.invert
    }
}

/// One filter: the options of a `.definefilter` or of a rule's own line.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct AclFilter {
    /// The name of a `.definefilter` (empty for a rule's own).
    pub name: String,
    pub deny: bool,
    pub methods: Vec<String>,
    pub src_ip: Vec<IpRange>,
    pub in_ip: Vec<IpRange>,
    pub internal: bool,
}

/// ATS's well-known methods (HTTP_WKSIDX_CONNECT .. HTTP_WKSIDX_METHODS_CNT).
const WELL_KNOWN: &[&str] = &[
    "CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "POST", "PURGE", "PUT", "TRACE", "PUSH",
];

/// What a filter checks a request against.
pub struct AclRequest<'a> {
    pub method: &'a [u8],
    pub client: Option<IpAddr>,
    pub local: Option<IpAddr>,
    pub internal: bool,
}

/// Whether an option (without its `@`) is a filter option.
pub fn is_filter_option(opt: &str) -> bool {
    let lo = opt.to_ascii_lowercase();
    ["action=", "method=", "src_ip=", "in_ip="]
        .iter()
        .any(|p| lo.starts_with(p))
        || lo.starts_with("internal")
}

impl AclFilter {
    /// Add filter options (without their `@`) to this filter, as remap_validate_filter_args:
    /// options that are not filter options are left to the caller. Errors are ATS's texts;
    /// warnings (a second `@action=`) are returned.
    pub fn add_args(&mut self, opts: &[&str], warnings: &mut Vec<String>) -> Result<(), String> {
        let mut action_seen = false;
        for o in opts {
            let lo = o.to_ascii_lowercase();
            let arg = |n: usize| -> Result<&str, String> {
                let a = &o[n..];
                if a.is_empty() {
                    Err(format!("Empty argument in \"{o}\""))
                } else {
                    Ok(a)
                }
            };
            if lo.starts_with("method=") {
                self.methods.push(arg(7)?.to_string());
            } else if lo.starts_with("src_ip=") || lo.starts_with("in_ip=") {
                let src = lo.starts_with("src_ip=");
                let mut a = arg(if src { 7 } else { 6 })?;
                let invert = a.starts_with('~');
                if invert {
                    a = &a[1..];
                }
                let r = IpRange::parse(a, invert)
                    .ok_or_else(|| format!("Unable to parse IP value in {o}"))?;
                let list = if src {
                    &mut self.src_ip
                } else {
                    &mut self.in_ip
                };
                if !list.iter().any(|x| x.start == r.start && x.end == r.end) {
                    list.push(r);
                }
            } else if lo.starts_with("action=") {
                if action_seen {
                    warnings.push("Only one @action= is allowed per remap ACL".into());
                }
                action_seen = true;
                self.deny = match arg(7)?.to_ascii_lowercase().as_str() {
                    "0" | "off" | "deny" | "disable" => true,
                    "1" | "on" | "allow" | "enable" => false,
                    _ => return Err(format!("Unknown argument \"{o}\"")),
                };
            } else if lo.starts_with("internal") {
                self.internal = true;
            }
        }
        Ok(())
    }

    fn matches(&self, r: &AclRequest) -> bool {
        if self.internal {
            return r.internal;
        }
        if !self.methods.is_empty() {
            let known = WELL_KNOWN.iter().any(|m| m.as_bytes() == r.method);
            if !known || !self.methods.iter().any(|m| m.as_bytes() == r.method) {
                return false;
            }
        }
        let any = |list: &[IpRange], ip: Option<IpAddr>| {
            list.is_empty() || ip.is_some_and(|ip| list.iter().any(|x| x.matches(ip)))
        };
        any(&self.src_ip, r.client) && any(&self.in_ip, r.local)
    }
}

/// Whether a rule's filters let a request through (ATS's PerformACLFiltering).
pub fn allowed(filters: &[AclFilter], r: &AclRequest) -> bool {
    let mut allow = true;
    for f in filters {
        if !allow {
            break;
        }
        allow = f.matches(r) != f.deny;
    }
    allow
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(opts: &[&str]) -> AclFilter {
        let mut f = AclFilter::default();
        f.add_args(opts, &mut Vec::new()).unwrap();
        f
    }

    fn req<'a>(method: &'a str, client: &str) -> AclRequest<'a> {
        AclRequest {
            method: method.as_bytes(),
            client: Some(client.parse().unwrap()),
            local: Some("127.0.0.1".parse().unwrap()),
            internal: false,
        }
    }

    #[test]
    fn ranges_parse_as_ats() {
        let r = IpRange::parse("10.0.0.0/8", false).unwrap();
        assert!(r.matches("10.200.1.1".parse().unwrap()));
        assert!(!r.matches("11.0.0.0".parse().unwrap()));
        assert!(r.matches("::ffff:10.0.0.1".parse().unwrap()));
        let r = IpRange::parse("0/0", false).unwrap();
        assert!(r.matches("1.2.3.4".parse().unwrap()));
        let r = IpRange::parse("10.0.0.1-10.0.0.5", true).unwrap();
        assert!(!r.matches("10.0.0.3".parse().unwrap()));
        assert!(r.matches("10.0.0.6".parse().unwrap()));
        assert!(IpRange::parse("::1", false)
            .unwrap()
            .matches("::1".parse().unwrap()));
        for bad in ["10.0.0.5-10.0.0.1", "x", "10.0.0.0/33", "10.0.0.1-::1"] {
            assert!(IpRange::parse(bad, false).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_filter_that_does_not_match_gives_the_opposite_of_its_action() {
        // Checked on ATS 9.2: `@action=deny @method=POST` answers POST with 403 and lets GET
        // through; `@action=allow @src_ip=10.0.0.0-10.255.255.255` answers 127.0.0.1 with 403.
        let deny_post = [filter(&["action=deny", "method=POST"])];
        assert!(!allowed(&deny_post, &req("POST", "127.0.0.1")));
        assert!(allowed(&deny_post, &req("GET", "127.0.0.1")));
        let allow_ten = [filter(&["action=allow", "src_ip=10.0.0.0-10.255.255.255"])];
        assert!(!allowed(&allow_ten, &req("GET", "127.0.0.1")));
        assert!(allowed(&allow_ten, &req("GET", "10.1.2.3")));
        let inverted = [filter(&["action=deny", "src_ip=~127.0.0.1"])];
        assert!(allowed(&inverted, &req("GET", "127.0.0.1")));
        assert!(!allowed(&inverted, &req("GET", "10.0.0.1")));
        // A denial sticks: later filters are not looked at.
        let two = [
            filter(&["action=deny", "method=GET"]),
            filter(&["action=allow"]),
        ];
        assert!(!allowed(&two, &req("GET", "127.0.0.1")));
        assert!(allowed(&two, &req("PUT", "127.0.0.1")));
        // ATS 9.2: a method outside its list never matches a method filter.
        let odd = [filter(&["action=deny", "method=FROB"])];
        assert!(allowed(&odd, &req("FROB", "127.0.0.1")));
        let internal = [filter(&["action=allow", "internal"])];
        assert!(!allowed(&internal, &req("GET", "127.0.0.1")));
        let mut r = req("GET", "127.0.0.1");
        r.internal = true;
        assert!(allowed(&internal, &r));
        assert!(allowed(&[], &req("GET", "1.2.3.4")));
    }

    #[test]
    fn bad_arguments_are_errors_with_ats_texts() {
        let mut w = Vec::new();
        for (opt, want) in [
            ("action=maybe", "Unknown argument \"action=maybe\""),
            ("src_ip=", "Empty argument in \"src_ip=\""),
            ("in_ip=1.2.3", "Unable to parse IP value in in_ip=1.2.3"),
        ] {
            let e = AclFilter::default().add_args(&[opt], &mut w).unwrap_err();
            assert_eq!(e, want);
        }
        AclFilter::default()
            .add_args(&["action=allow", "action=deny"], &mut w)
            .unwrap();
        assert_eq!(w, ["Only one @action= is allowed per remap ACL"]);
    }
}
