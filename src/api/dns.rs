//! ts.h: host name lookups and IP address text (TSHostLookup, TSHostLookupResultAddrGet,
//! TSIpStringToAddr), as ATS 9.2.9's InkAPI.cc.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::raw::c_char;

use super::cont::cont_arg;
use super::{guard, here};
use crate::proxy::host_lookup::{self, RESULTS};
use crate::rt::sockaddr::CSockAddr;
use crate::sys::types::{
    TSAction, TSCont, TSHostLookupResult, TSReturnCodeRaw, TS_ERROR, TS_SUCCESS,
};

/// Look up `hostname` (`namelen` bytes) asynchronously: `contp` later gets TS_EVENT_HOST_LOOKUP
/// under its mutex with a TSHostLookupResult (read it with TSHostLookupResultAddrGet during the
/// call; it is gone after) or NULL when the name is not found (nor within 30 s). An IP address in
/// text is its own answer. The TSAction cancels the callback while it has not come
/// (TSActionCancel). NULL (logged) for a bad continuation, a NULL or empty name, or when no proxy
/// runs in the process.
#[no_mangle]
pub unsafe extern "C" fn TSHostLookup(
    contp: TSCont,
    hostname: *const c_char,
    namelen: usize,
) -> TSAction {
    guard!(std::ptr::null_mut(), || {
        let who = here!();
        if hostname.is_null() || namelen == 0 {
            crate::error!("{who}: NULL or empty host name");
            return std::ptr::null_mut();
        }
        let Some(cont) = cont_arg(who, contp) else {
            return std::ptr::null_mut();
        };
        // SAFETY: `hostname` has `namelen` readable bytes (the function's contract).
        let name = unsafe { std::slice::from_raw_parts(hostname.cast::<u8>(), namelen) };
        let name = String::from_utf8_lossy(name).into_owned();
        match host_lookup::lookup(cont, name) {
            // A TSAction is an event's handle with bit 0 set (src/api/sched.rs).
            Ok(h) => (h | 1) as TSAction,
            Err(e) => {
                crate::error!("{who}: {e}");
                std::ptr::null_mut()
            }
        }
    })
}

/// The address a TSHostLookup found (a `sockaddr`, AF_INET or AF_INET6, port 0), valid during
/// the TS_EVENT_HOST_LOOKUP call that gave `lookup_result`; NULL (logged) for NULL or a result
/// no longer alive.
#[no_mangle]
pub extern "C" fn TSHostLookupResultAddrGet(
    lookup_result: TSHostLookupResult,
) -> *const libc::sockaddr {
    guard!(std::ptr::null(), || {
        let who = here!();
        match RESULTS.get(lookup_result as usize) {
            // The pool's slot keeps the result (and so its address) until the callback is over.
            Some(r) => r.addr.as_ptr(),
            None => {
                crate::error!("{who}: {lookup_result:p} is not a live TSHostLookupResult");
                std::ptr::null()
            }
        }
    })
}

/// Parse `str_len` bytes of `str` as an IP address, with an optional port, into `*addr`
/// (`a.b.c.d`, `a.b.c.d:port`, an IPv6 address, `[v6]` or `[v6]:port`; leading blanks are
/// skipped, text after the port ignored, as ATS's ats_ip_pton): a `sockaddr_in` or
/// `sockaddr_in6` is written (port 0 when none is given), so `addr` must have room for the
/// family it gets (a `sockaddr_storage` for IPv6). TS_ERROR for text that is no address (then
/// `addr`'s family is AF_UNSPEC) or a NULL pointer.
#[no_mangle]
pub unsafe extern "C" fn TSIpStringToAddr(
    str: *const c_char,
    str_len: usize,
    addr: *mut libc::sockaddr,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        if str.is_null() || addr.is_null() {
            crate::error!("{who}: NULL text or address");
            return TS_ERROR;
        }
        // SAFETY: `str` has `str_len` readable bytes (the function's contract).
        let text = unsafe { std::slice::from_raw_parts(str.cast::<u8>(), str_len) };
        match parse_ip(text) {
            Some(a) => {
                let c = CSockAddr::new(a);
                let len = if a.is_ipv4() {
                    std::mem::size_of::<libc::sockaddr_in>()
                } else {
                    std::mem::size_of::<libc::sockaddr_in6>()
                };
                // SAFETY: `addr` has room for the family written (the function's contract, as
                // ATS's); `c` is at least `len` bytes.
                unsafe { std::ptr::copy_nonoverlapping(c.as_ptr().cast::<u8>(), addr.cast(), len) };
                TS_SUCCESS
            }
            None => {
                // SAFETY: non-NULL, at least a struct sockaddr (the function's contract).
                unsafe { (*addr).sa_family = libc::AF_UNSPEC as libc::sa_family_t };
                TS_ERROR
            }
        }
    })
}

/// ATS's ats_ip_parse + ats_ip_pton: the address (brackets around IPv6 when a port follows),
/// the port's leading digits, the rest ignored.
fn parse_ip(text: &[u8]) -> Option<SocketAddr> {
    let s = std::str::from_utf8(text).ok()?.trim_start();
    let (host, rest) = if let Some(inner) = s.strip_prefix('[') {
        let end = inner.find(']').unwrap_or(inner.len());
        let after = inner.get(end + 1..).unwrap_or("");
        (&inner[..end], after.strip_prefix(':'))
    } else {
        match (s.find(':'), s.rfind(':')) {
            (Some(a), Some(b)) if a == b => (&s[..a], Some(&s[a + 1..])),
            _ => (s, None),
        }
    };
    let digits: String = rest
        .unwrap_or("")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    // atoi then htons: the port wraps at 16 bits, as ATS's.
    let port = digits.parse::<u64>().map_or(0, |p| p as u16);
    let host = host.trim_end_matches('\0');
    if host.is_empty() {
        return None;
    }
    let ip = if host.contains(':') {
        IpAddr::V6(host.parse::<Ipv6Addr>().ok()?)
    } else {
        IpAddr::V4(inet_aton(host)?)
    };
    Some(SocketAddr::new(ip, port))
}

/// inet_aton's forms: `a.b.c.d`, `a.b.c`, `a.b`, `a`, each part decimal, octal (0...) or hex
/// (0x...); the last part fills the remaining bytes.
fn inet_aton(s: &str) -> Option<Ipv4Addr> {
    let parts: Vec<u32> = s.split('.').map(aton_part).collect::<Option<_>>()?;
    let (last, first) = parts.split_last()?;
    if first.len() > 3 || first.iter().any(|p| *p > 255) {
        return None;
    }
    let room = 32 - 8 * first.len() as u32;
    if room < 32 && *last >> room != 0 {
        return None;
    }
    let mut v = *last;
    for (i, p) in first.iter().enumerate() {
        v |= p << (24 - 8 * i as u32);
    }
    Some(Ipv4Addr::from(v))
}

fn aton_part(p: &str) -> Option<u32> {
    let (digits, radix) = if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
        (h, 16)
    } else if p.len() > 1 && p.starts_with('0') {
        (&p[1..], 8)
    } else {
        (p, 10)
    };
    if digits.is_empty() {
        return None;
    }
    u32::from_str_radix(digits, radix).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_text_parses_as_ats() {
        let p = |s: &str| parse_ip(s.as_bytes()).map(|a| a.to_string());
        assert_eq!(p("127.0.0.1:33333").as_deref(), Some("127.0.0.1:33333"));
        assert_eq!(p("  10.1.2.3").as_deref(), Some("10.1.2.3:0"));
        assert_eq!(p("::1").as_deref(), Some("[::1]:0"));
        assert_eq!(p("[::1]:8080").as_deref(), Some("[::1]:8080"));
        assert_eq!(p("[2001:db8::1]").as_deref(), Some("[2001:db8::1]:0"));
        assert_eq!(p("127.1").as_deref(), Some("127.0.0.1:0"));
        assert_eq!(p("1.2.3.4:80abc").as_deref(), Some("1.2.3.4:80"));
        assert_eq!(p("example.com"), None);
        assert_eq!(p("1.2.3.256"), None);
        assert_eq!(p(""), None);
        assert_eq!(p("[]:80"), None);
    }
}
