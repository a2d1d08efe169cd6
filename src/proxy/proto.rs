//! Protocol tags (TS_PROTO_TAG_*): canonical static strings, compared by pointer by plugins.
use std::ffi::CStr;

pub static HTTP_1_0: &CStr = c"http/1.0";
pub static HTTP_1_1: &CStr = c"http/1.1";
pub static HTTP_0_9: &CStr = c"http/0.9";
pub static HTTP_2_0: &CStr = c"h2";
pub static TLS_1_0: &CStr = c"tls/1.0";
pub static TLS_1_1: &CStr = c"tls/1.1";
pub static TLS_1_2: &CStr = c"tls/1.2";
pub static TLS_1_3: &CStr = c"tls/1.3";
pub static TCP: &CStr = c"tcp";
pub static UDP: &CStr = c"udp";
pub static IPV4: &CStr = c"ipv4";
pub static IPV6: &CStr = c"ipv6";

pub static ALL: [&CStr; 12] = [
    HTTP_1_0, HTTP_1_1, HTTP_0_9, HTTP_2_0, TLS_1_0, TLS_1_1, TLS_1_2, TLS_1_3, TCP, UDP, IPV4,
    IPV6,
];

/// The canonical tag equal to `s`, if any.
pub fn canonical(s: &str) -> Option<&'static CStr> {
    ALL.iter().copied().find(|t| t.to_bytes() == s.as_bytes())
}
