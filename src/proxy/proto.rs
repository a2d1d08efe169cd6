//! Protocol tags (ATS's `IP_PROTO_TAG_*`, exported to C as `TS_PROTO_TAG_*` and
//! `TS_ALPN_PROTOCOL_*`): one static NUL-terminated string per tag, compared by pointer by
//! plugins.
//!
//! Each tag's bytes live in exactly one static array ([`bytes`]); the `&CStr` statics below and the
//! C data symbols of src/api/ssn.rs both point at it, so a tag returned by
//! `TSHttpSsnClientProtocolStackGet` is pointer-equal to the matching `TS_PROTO_TAG_*` variable.
//! Strings as in ATS 9.2.9 src/tscore/ink_inet.cc.
#![forbid(unsafe_code)]
use std::ffi::CStr;

use crate::hdrs::tokens::nul_terminated;

/// The bytes of a tag array as a `&CStr` (the array is NUL-terminated with no inner NUL).
const fn as_cstr(b: &'static [u8]) -> &'static CStr {
    match CStr::from_bytes_with_nul(b) {
        Ok(c) => c,
        Err(_) => panic!("tag without NUL"),
    }
}

macro_rules! tags {
    ($($name:ident = $s:literal;)*) => {
        /// The one copy of every tag's bytes (NUL-terminated).
        pub mod bytes {
            $(pub static $name: [u8; $s.len() + 1] = super::nul_terminated($s);)*
        }
        $(
            #[doc = concat!("`", $s, "`")]
            pub static $name: &CStr = as_cstr(&bytes::$name);
        )*
        /// Every tag tshost knows.
        pub static ALL: &[&CStr] = &[$(as_cstr(&bytes::$name)),*];
    };
}

tags! {
    HTTP_0_9 = "http/0.9";
    HTTP_1_0 = "http/1.0";
    HTTP_1_1 = "http/1.1";
    HTTP_2_0 = "h2";
    HTTP_3 = "h3-29";
    HTTP_QUIC = "hq-29";
    HTTP_3_D27 = "h3-27";
    HTTP_QUIC_D27 = "hq-27";
    TLS_1_0 = "tls/1.0";
    TLS_1_1 = "tls/1.1";
    TLS_1_2 = "tls/1.2";
    TLS_1_3 = "tls/1.3";
    TCP = "tcp";
    UDP = "udp";
    IPV4 = "ipv4";
    IPV6 = "ipv6";
}

/// The canonical tag equal to `s` (case-sensitive), if any.
pub fn canonical(s: &str) -> Option<&'static CStr> {
    ALL.iter().copied().find(|t| t.to_bytes() == s.as_bytes())
}

/// `TSNormalizedProtocolTag`: the canonical tag equal to `s` among the tags ATS 9.2 registers
/// (`TSProtoTags` in lib/records/RecHttp.cc: every tag except `http/0.9`), else None.
pub fn normalized(s: &[u8]) -> Option<&'static CStr> {
    ALL.iter()
        .copied()
        .find(|t| t.to_bytes() == s && !std::ptr::eq(t.as_ptr(), HTTP_0_9.as_ptr()))
}

/// The tag of an HTTP version (`major << 16 | minor`), as ATS's `HttpSM::find_proto_string`:
/// 0.9, 1.0, 1.1 and 2.0 have one, other versions none.
pub fn http_version_tag(version: u32) -> Option<&'static CStr> {
    match (version >> 16, version & 0xffff) {
        (0, 9) => Some(HTTP_0_9),
        (1, 0) => Some(HTTP_1_0),
        (1, 1) => Some(HTTP_1_1),
        (2, 0) => Some(HTTP_2_0),
        _ => None,
    }
}

/// A tag of the network layers (`tcp`, `udp`, `ipv4`, `ipv6`): ATS matches prefixes of these
/// case-insensitively (UnixNetVConnection::protocol_contains), the others case-sensitively.
pub fn is_net_layer(tag: &CStr) -> bool {
    [TCP, UDP, IPV4, IPV6]
        .iter()
        .any(|t| std::ptr::eq(t.as_ptr(), tag.as_ptr()))
}

/// A tag of the session (application) layer that stays when the client connection is gone
/// (`h2`, HTTP/3): ATS's Http2ClientSession reports it itself, not its network connection.
pub fn is_session_layer(tag: &CStr) -> bool {
    [HTTP_2_0, HTTP_3, HTTP_QUIC, HTTP_3_D27, HTTP_QUIC_D27]
        .iter()
        .any(|t| std::ptr::eq(t.as_ptr(), tag.as_ptr()))
}

/// Does `prefix` start `tag`, with ATS's case rule for that tag?
pub fn tag_has_prefix(tag: &CStr, prefix: &[u8]) -> bool {
    let t = tag.to_bytes();
    if prefix.len() > t.len() {
        return false;
    }
    if is_net_layer(tag) {
        t[..prefix.len()].eq_ignore_ascii_case(prefix)
    } else {
        &t[..prefix.len()] == prefix
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statics_point_at_the_one_copy() {
        assert!(std::ptr::eq(TCP.as_ptr().cast::<u8>(), bytes::TCP.as_ptr()));
        assert!(std::ptr::eq(
            canonical("tls/1.3").unwrap().as_ptr(),
            TLS_1_3.as_ptr()
        ));
        assert_eq!(HTTP_3.to_bytes(), b"h3-29");
        assert_eq!(ALL.len(), 16);
    }

    #[test]
    fn normalized_is_exact_and_excludes_http_0_9() {
        assert!(std::ptr::eq(
            normalized(b"h2").unwrap().as_ptr(),
            HTTP_2_0.as_ptr()
        ));
        assert_eq!(normalized(b"H2"), None);
        assert_eq!(normalized(b"tls/1"), None);
        assert_eq!(normalized(b"http/0.9"), None);
        assert!(normalized(b"hq-27").is_some());
    }

    #[test]
    fn prefix_rules() {
        assert!(tag_has_prefix(TLS_1_3, b"tls"));
        assert!(!tag_has_prefix(TLS_1_3, b"TLS"));
        assert!(tag_has_prefix(TCP, b"TC"));
        assert!(tag_has_prefix(IPV4, b"IPv"));
        assert!(!tag_has_prefix(HTTP_2_0, b"H"));
        assert!(tag_has_prefix(HTTP_2_0, b""));
        assert!(!tag_has_prefix(TCP, b"tcpx"));
    }

    #[test]
    fn version_tags() {
        assert_eq!(http_version_tag(0x10001), Some(HTTP_1_1));
        assert_eq!(http_version_tag(0x10000), Some(HTTP_1_0));
        assert_eq!(http_version_tag(9), Some(HTTP_0_9));
        assert_eq!(http_version_tag(0x20000), Some(HTTP_2_0));
        assert_eq!(http_version_tag(0x30000), None);
    }
}
