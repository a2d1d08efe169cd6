//! `proxy.config.http.server_ports`: the ports tshost listens on, in ATS 9.2's syntax
//! (`HttpProxyPort::loadValue` / `processOptions`, lib/records/RecHttp.cc).
//!
//! The value is a list of port descriptors separated by spaces or commas. A descriptor is items
//! separated by `:` (a `[...]` bracket protects the colons of an IPv6 address):
//!
//! * a number: the port (ATS allows 1-65535; tshost also takes 0, an ephemeral port, for tests);
//! * `ssl`: a TLS port; `ipv4` / `ipv6`: the address family (IPv4 by default);
//! * `ip-in=ADDR` (also `ip-in-ADDR`, `ip-inADDR`): listen on that address only (IPv6 in brackets:
//!   `ip-in=[::1]`); without `ipv4`/`ipv6` the family follows the address, with one it must agree.
//!
//! Option names are case-insensitive. ATS's other options (`fd`, `ip-out`, `ip-resolve`, `proto`,
//! `compressed`, `blind`, `plugin`, `pp`, `tr-in`, `tr-out`, `tr-full`, `tr-pass`, `mptcp`, `quic`)
//! are not supported: tshost warns once per option and ignores it. An option ATS does not know is
//! warned about and ignored too, as ATS does. An empty value means port 8080 (ATS's default when no
//! port is configured).
//!
//! Where ATS only warns and drops the descriptor (a bad port number, a bad address, an address
//! family that contradicts `ip-in`, no port at all, an unclosed bracket), tshost refuses the whole
//! value with an error naming the descriptor.
#![forbid(unsafe_code)]

use std::net::IpAddr;

/// One listening port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortSpec {
    /// 0: an ephemeral port (tshost's extension).
    pub port: u16,
    pub tls: bool,
    /// Address family: IPv6 (else IPv4).
    pub ipv6: bool,
    /// `ip-in`: the address to bind; None for any address of the family.
    pub addr: Option<IpAddr>,
}

/// ATS's options that tshost recognises but does not implement (flags and prefix options).
const UNSUPPORTED_FLAGS: &[&str] = &[
    "compressed",
    "blind",
    "plugin",
    "pp",
    "tr-in",
    "tr-out",
    "tr-full",
    "tr-pass",
    "mptcp",
    "quic",
];

/// `HttpProxyPort::checkPrefix`: `item` starts with `prefix` (case-insensitive), then an optional
/// `-` or `=`; returns the rest.
fn check_prefix<'a>(item: &'a str, prefix: &str) -> Option<&'a str> {
    let head = item.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let rest = &item[prefix.len()..];
    Some(
        rest.strip_prefix('-')
            .or_else(|| rest.strip_prefix('='))
            .unwrap_or(rest),
    )
}

/// An address as `IpAddr::load` takes it: IPv4, or IPv6 with or without brackets.
fn parse_addr(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    let inner = s
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(s);
    inner.parse().ok()
}

/// Split a descriptor at `:` outside brackets (empty items are dropped, as ATS does).
fn split_items(desc: &str) -> Result<Vec<&str>, String> {
    let mut items = Vec::new();
    let mut start = 0;
    let mut bracket = false;
    for (i, c) in desc.char_indices() {
        match c {
            ']' if bracket => bracket = false,
            '[' if !bracket => bracket = true,
            ':' if !bracket => {
                items.push(&desc[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if bracket {
        return Err(format!(
            "invalid port descriptor '{desc}': left bracket without closing right bracket"
        ));
    }
    items.push(&desc[start..]);
    items.retain(|s| !s.is_empty());
    Ok(items)
}

/// Parse one descriptor; warnings go to `warn` as (option name, message).
fn parse_descriptor(desc: &str, warn: &mut dyn FnMut(&str, String)) -> Result<PortSpec, String> {
    let mut port: Option<u16> = None;
    let mut tls = false;
    let mut family: Option<bool> = None; // Some(true) = ipv6
    let mut addr: Option<IpAddr> = None;
    for item in split_items(desc)? {
        if item.as_bytes()[0].is_ascii_digit() {
            if port.is_some() {
                return Err(format!(
                    "port descriptor '{desc}' has more than one port ('{item}')"
                ));
            }
            match item.parse::<u32>() {
                Ok(p) if p <= 65535 => port = Some(p as u16),
                Ok(_) => {
                    return Err(format!(
                        "port value '{item}' out of range (1..65535) in port descriptor '{desc}'"
                    ))
                }
                Err(_) => {
                    return Err(format!(
                        "mangled port value '{item}' in port descriptor '{desc}'"
                    ))
                }
            }
        } else if check_prefix(item, "fd").is_some() {
            warn("fd", format!("server_ports: option '{item}' (listen on an inherited file descriptor) is not supported by tshost; ignored"));
        } else if let Some(v) = check_prefix(item, "ip-in") {
            match parse_addr(v) {
                Some(a) => addr = Some(a),
                None => {
                    return Err(format!(
                        "invalid IP address value '{item}' in port descriptor '{desc}'"
                    ))
                }
            }
        } else if check_prefix(item, "ip-out").is_some() {
            warn("ip-out", format!("server_ports: option '{item}' (outbound address) is not supported by tshost; ignored"));
        } else if item.eq_ignore_ascii_case("ipv6") {
            family = Some(true);
        } else if item.eq_ignore_ascii_case("ipv4") {
            family = Some(false);
        } else if item.eq_ignore_ascii_case("ssl") {
            tls = true;
        } else if let Some(name) = UNSUPPORTED_FLAGS
            .iter()
            .find(|f| item.eq_ignore_ascii_case(f))
        {
            warn(
                name,
                format!("server_ports: option '{item}' is not supported by tshost; ignored"),
            );
        } else if check_prefix(item, "ip-resolve").is_some() {
            warn("ip-resolve", format!("server_ports: option '{item}' (origin address resolution order) is not supported by tshost; ignored"));
        } else if check_prefix(item, "proto").is_some() {
            warn("proto", format!("server_ports: option '{item}' (session protocols) is not supported by tshost; ignored"));
        } else {
            warn(
                item,
                format!(
                    "server_ports: invalid option '{item}' in port descriptor '{desc}'; ignored"
                ),
            );
        }
    }
    let Some(port) = port else {
        return Err(format!("no port number in port descriptor '{desc}'"));
    };
    let ipv6 = match (family, addr) {
        (Some(v6), Some(a)) if v6 != a.is_ipv6() => {
            return Err(format!(
                "invalid port descriptor '{desc}': the inbound address family [{}] is not the same as the explicit family [{}]",
                if a.is_ipv6() { "ipv6" } else { "ipv4" },
                if v6 { "ipv6" } else { "ipv4" }
            ))
        }
        (Some(v6), _) => v6,
        (None, Some(a)) => a.is_ipv6(),
        (None, None) => false,
    };
    Ok(PortSpec {
        port,
        tls,
        ipv6,
        addr,
    })
}

/// Parse a `proxy.config.http.server_ports` value; the second element lists the warnings (one
/// per option name).
pub fn parse_server_ports_with_warnings(s: &str) -> Result<(Vec<PortSpec>, Vec<String>), String> {
    let mut warnings: Vec<String> = Vec::new();
    let mut warned: Vec<String> = Vec::new();
    let mut ports = Vec::new();
    for desc in s.split([' ', ',']).filter(|d| !d.is_empty()) {
        let mut warn = |name: &str, msg: String| {
            let key = name.to_ascii_lowercase();
            if !warned.contains(&key) {
                warned.push(key);
                warnings.push(msg);
            }
        };
        ports.push(parse_descriptor(desc, &mut warn)?);
    }
    if ports.is_empty() {
        ports.push(PortSpec {
            port: 8080,
            tls: false,
            ipv6: false,
            addr: None,
        });
    }
    Ok((ports, warnings))
}

/// Parse a `proxy.config.http.server_ports` value, logging a warning for each unsupported or
/// unknown option (once per option).
pub fn parse_server_ports(s: &str) -> Result<Vec<PortSpec>, String> {
    let (ports, warnings) = parse_server_ports_with_warnings(s)?;
    for w in warnings {
        crate::warning!("{w}");
    }
    Ok(ports)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn p(port: u16, tls: bool, ipv6: bool, addr: Option<IpAddr>) -> PortSpec {
        PortSpec {
            port,
            tls,
            ipv6,
            addr,
        }
    }

    fn ok(s: &str) -> Vec<PortSpec> {
        let (v, w) = parse_server_ports_with_warnings(s).unwrap();
        assert!(w.is_empty(), "{w:?}");
        v
    }

    #[test]
    fn ats_default_value() {
        assert_eq!(
            ok("8080 8080:ipv6"),
            [p(8080, false, false, None), p(8080, false, true, None)]
        );
    }

    #[test]
    fn separators_are_spaces_and_commas() {
        assert_eq!(
            ok(" 80,443:ssl  ,, 8443:ssl:ipv6 "),
            [
                p(80, false, false, None),
                p(443, true, false, None),
                p(8443, true, true, None)
            ]
        );
    }

    #[test]
    fn empty_value_is_port_8080() {
        assert_eq!(ok(""), [p(8080, false, false, None)]);
        assert_eq!(ok("  , "), [p(8080, false, false, None)]);
    }

    #[test]
    fn options_are_case_insensitive_in_any_order() {
        assert_eq!(ok("SSL:443"), [p(443, true, false, None)]);
        assert_eq!(ok("IPv6:SsL:8443"), [p(8443, true, true, None)]);
        assert_eq!(ok("8080::ipv4:"), [p(8080, false, false, None)]);
    }

    #[test]
    fn zero_is_an_ephemeral_port() {
        assert_eq!(ok("0"), [p(0, false, false, None)]);
    }

    #[test]
    fn inbound_address_sets_the_family() {
        let v4 = Some(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)));
        let v6 = Some(IpAddr::V6(Ipv6Addr::LOCALHOST));
        assert_eq!(ok("8080:ip-in=127.0.0.1"), [p(8080, false, false, v4)]);
        assert_eq!(ok("ip-in-127.0.0.1:8080"), [p(8080, false, false, v4)]);
        assert_eq!(ok("8080:IP-IN127.0.0.1"), [p(8080, false, false, v4)]);
        assert_eq!(ok("8443:ssl:ip-in=[::1]"), [p(8443, true, true, v6)]);
        assert_eq!(ok("8443:ip-in=[::1]:ipv6"), [p(8443, false, true, v6)]);
        assert_eq!(ok("8080:ipv4:ip-in=127.0.0.1"), [p(8080, false, false, v4)]);
    }

    #[test]
    fn family_contradicting_the_address_is_an_error() {
        let e = parse_server_ports("8080:ipv6:ip-in=127.0.0.1").unwrap_err();
        assert!(e.contains("'8080:ipv6:ip-in=127.0.0.1'"), "{e}");
        assert!(e.contains("inbound address family [ipv4]"), "{e}");
        assert!(parse_server_ports("8080:ipv4:ip-in=[::1]").is_err());
    }

    #[test]
    fn bad_descriptors_are_errors_naming_them() {
        for (s, want) in [
            (
                "80 99999",
                "port value '99999' out of range (1..65535) in port descriptor '99999'",
            ),
            (
                "8080x",
                "mangled port value '8080x' in port descriptor '8080x'",
            ),
            ("ssl", "no port number in port descriptor 'ssl'"),
            (
                "8080:ip-in=1.2.3",
                "invalid IP address value 'ip-in=1.2.3' in port descriptor '8080:ip-in=1.2.3'",
            ),
            (
                "8080:ip-in=[::1",
                "left bracket without closing right bracket",
            ),
            ("80:81", "more than one port ('81')"),
            ("fd=3", "no port number in port descriptor 'fd=3'"),
        ] {
            let e = parse_server_ports_with_warnings(s).unwrap_err();
            assert!(e.contains(want), "{s}: {e}");
        }
    }

    #[test]
    fn unsupported_and_unknown_options_warn_once_by_name() {
        let (v, w) = parse_server_ports_with_warnings(
            "80:tr-full 81:TR-FULL:pp 82:proto=http 83:bogus 84:bogus:blind:ip-out=1.2.3.4",
        )
        .unwrap();
        assert_eq!(v.len(), 5);
        assert_eq!(v[0], p(80, false, false, None));
        assert_eq!(w.len(), 6, "{w:?}");
        assert!(w[0].contains("'tr-full' is not supported"), "{w:?}");
        assert!(w[1].contains("'pp' is not supported"), "{w:?}");
        assert!(w[2].contains("'proto=http' (session protocols)"), "{w:?}");
        assert!(
            w[3].contains("invalid option 'bogus' in port descriptor '83:bogus'"),
            "{w:?}"
        );
        assert!(w[4].contains("'blind'"), "{w:?}");
        assert!(w[5].contains("'ip-out=1.2.3.4'"), "{w:?}");
    }
}
