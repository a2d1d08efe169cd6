//! Name tables behind `TSHttpEventNameLookup` and `TSHttpHookNameLookup`.
//!
//! ATS 9.2 answers both calls from `proxy/http/HttpDebugNames.cc`
//! (`HttpDebugNames::get_event_name` / `get_api_hook_name`). The tables below reproduce those
//! two functions of tag `9.2.9` (the file is identical in every 9.2.x tag) value for value,
//! with ATS's internal macros resolved to their numbers:
//!
//! * `iocore/eventsystem/I_Event.h` block starts: VC 100, NET 200, HOSTDB 500, DNS 600,
//!   CACHE 1100, TRANSFORM 2000, STAT_PAGES 2100, HTTP_TUNNEL 2300, INK_API 60000, SRV 62000;
//! * `EVENT_HOST_DB_GET_RESPONSE` = 502, `EVENT_SRV_*` = 62000..62002, `DNS_EVENT_LOOKUP` = 600,
//!   `CACHE_EVENT_LOOKUP_FAILED` = 1101, `CACHE_EVENT_UPDATE(_FAILED)` = 1114/1115,
//!   `STAT_PAGE_SUCCESS/FAILURE` = 2100/2101, `TRANSFORM_READ_READY` = 2000,
//!   `HTTP_TUNNEL_EVENT_DONE/PRECOMPLETE/CONSUMER_DETACH` = 2301..2303.
//!
//! Values ATS does not list (e.g. 4 = `TS_EVENT_CONTINUE`, 501, 60208 = `TS_EVENT_SSL_SECRET`)
//! yield `"unknown event"`. Hook aliases print the way ATS's switch prints them
//! (`TS_VCONN_START_HOOK`, `TS_SSL_CERT_HOOK`, `TS_SSL_VERIFY_SERVER_HOOK`), hook 28 prints
//! `"TS_HTTP_LAST_HOOK"` and everything else `"unknown hook"`.
//!
//! Every returned string is a `'static` NUL-terminated literal, so the exported C functions
//! can hand out `.as_ptr()` directly (never NULL, never freed), as ATS does.
#![forbid(unsafe_code)]

use std::ffi::CStr;
use std::os::raw::c_int;

/// ATS's HttpDebugNames::get_event_name as TSHttpEventNameLookup returns it; "unknown event" otherwise.
pub fn event_name(event: c_int) -> &'static CStr {
    match event {
        // Basic event-system events.
        0 => c"EVENT_NONE/VC_EVENT_NONE",
        1 => c"EVENT_IMMEDIATE/TS_EVENT_IMMEDIATE/VC_EVENT_IMMEDIATE",
        2 => c"EVENT_INTERVAL",
        3 => c"EVENT_ERROR/TS_EVENT_ERROR/VC_EVENT_ERROR",

        // VConnection events.
        100 => c"VC_EVENT_READ_READY/TS_EVENT_VCONN_READ_READY",
        101 => c"VC_EVENT_WRITE_READY/TS_EVENT_VCONN_WRITE_READY",
        102 => c"VC_EVENT_READ_COMPLETE/TS_EVENT_VCONN_READ_COMPLETE",
        103 => c"VC_EVENT_WRITE_COMPLETE/TS_EVENT_VCONN_WRITE_COMPLETE",
        104 => c"VC_EVENT_EOS/TS_EVENT_VCONN_EOS",
        105 => c"VC_EVENT_INACTIVITY_TIMEOUT/TS_EVENT_VCONN_INACTIVITY_TIMEOUT",
        106 => c"VC_EVENT_ACTIVE_TIMEOUT/TS_EVENT_VCONN_ACTIVE_TIMEOUT",
        107 => c"TS_EVENT_VCONN_START",
        108 => c"TS_EVENT_VCONN_CLOSE",
        109 => c"TS_EVENT_VCONN_OUTBOUND_START",
        110 => c"TS_EVENT_VCONN_OUTBOUND_CLOSE",

        // Net events (203 = NET_EVENT_ACCEPT_SUCCEED is not listed by ATS).
        200 => c"NET_EVENT_OPEN/TS_EVENT_NET_CONNECT",
        201 => c"NET_EVENT_OPEN_FAILED/TS_EVENT_NET_CONNECT_FAILED",
        202 => c"NET_EVENT_ACCEPT/TS_EVENT_NET_ACCEPT",
        204 => c"TS_EVENT_NET_ACCEPT_FAILED",
        206 => c"TS_EVENT_INTERNAL_206",
        207 => c"TS_EVENT_INTERNAL_207",
        208 => c"TS_EVENT_INTERNAL_208",
        209 => c"TS_EVENT_INTERNAL_209",
        210 => c"TS_EVENT_INTERNAL_210",
        211 => c"TS_EVENT_INTERNAL_211",
        212 => c"TS_EVENT_INTERNAL_212",

        // HostDB / DNS events (501 = EVENT_HOST_DB_IP_REMOVED is not listed).
        500 => c"EVENT_HOST_DB_LOOKUP/TS_EVENT_HOST_LOOKUP",
        502 => c"EVENT_HOST_DB_GET_RESPONSE",
        600 => c"DNS_EVENT_LOOKUP",

        // Cache events (1100 = CACHE_EVENT_LOOKUP is not listed).
        1101 => c"CACHE_EVENT_LOOKUP_FAILED",
        1102 => c"CACHE_EVENT_OPEN_READ/TS_EVENT_CACHE_OPEN_READ",
        1103 => c"CACHE_EVENT_OPEN_READ_FAILED/TS_EVENT_CACHE_OPEN_READ_FAILED",
        1108 => c"CACHE_EVENT_OPEN_WRITE/TS_EVENT_CACHE_OPEN_WRITE",
        1109 => c"CACHE_EVENT_OPEN_WRITE_FAILED/TS_EVENT_CACHE_OPEN_WRITE_FAILED",
        1112 => c"CACHE_EVENT_REMOVE/TS_EVENT_CACHE_REMOVE",
        1113 => c"CACHE_EVENT_REMOVE_FAILED/TS_EVENT_CACHE_REMOVE_FAILED",
        1114 => c"CACHE_EVENT_UPDATE",
        1115 => c"CACHE_EVENT_UPDATE_FAILED",
        1120 => c"TS_EVENT_CACHE_SCAN",
        1121 => c"TS_EVENT_CACHE_SCAN_FAILED",
        1122 => c"TS_EVENT_CACHE_SCAN_OBJECT",
        1123 => c"TS_EVENT_CACHE_SCAN_OPERATION_BLOCKED",
        1124 => c"TS_EVENT_CACHE_SCAN_OPERATION_FAILED",
        1125 => c"TS_EVENT_CACHE_SCAN_DONE",
        1126 => c"TS_EVENT_CACHE_LOOKUP",
        1127 => c"TS_EVENT_CACHE_READ",
        1128 => c"TS_EVENT_CACHE_DELETE",
        1129 => c"TS_EVENT_CACHE_WRITE",
        1130 => c"TS_EVENT_CACHE_WRITE_HEADER",
        1131 => c"TS_EVENT_CACHE_CLOSE",
        1132 => c"TS_EVENT_CACHE_LOOKUP_READY",
        1133 => c"TS_EVENT_CACHE_LOOKUP_COMPLETE",
        1134 => c"TS_EVENT_CACHE_READ_READY",
        1135 => c"TS_EVENT_CACHE_READ_COMPLETE",
        1200 => c"TS_EVENT_INTERNAL_1200",

        // Transform / SSL session cache (2000 is shared by both).
        2000 => c"TRANSFORM_READ_READY/TS_EVENT_SSL_SESSION_GET",
        2001 => c"TS_EVENT_SSL_SESSION_NEW",
        2002 => c"TS_EVENT_SSL_SESSION_REMOVE",

        // Stat pages.
        2100 => c"STAT_PAGE_SUCCESS",
        2101 => c"STAT_PAGE_FAILURE",

        // HttpTunnel (2304 = HTTP_TUNNEL_EVENT_ACTIVITY_CHECK is not listed).
        2301 => c"HTTP_TUNNEL_EVENT_DONE",
        2302 => c"HTTP_TUNNEL_EVENT_PRECOMPLETE",
        2303 => c"HTTP_TUNNEL_EVENT_CONSUMER_DETACH",

        3900 => c"TS_EVENT_AIO_DONE",

        // HTTP plugin events.
        60000 => c"HTTP_API_CONTINUE/TS_EVENT_HTTP_CONTINUE",
        60001 => c"HTTP_API_ERROR/TS_EVENT_HTTP_ERROR",
        60002 => c"TS_EVENT_HTTP_READ_REQUEST_HDR",
        60003 => c"TS_EVENT_HTTP_OS_DNS",
        60004 => c"TS_EVENT_HTTP_SEND_REQUEST_HDR",
        60005 => c"TS_EVENT_HTTP_READ_CACHE_HDR",
        60006 => c"TS_EVENT_HTTP_READ_RESPONSE_HDR",
        60007 => c"TS_EVENT_HTTP_SEND_RESPONSE_HDR",
        60008 => c"TS_EVENT_HTTP_REQUEST_TRANSFORM",
        60009 => c"TS_EVENT_HTTP_RESPONSE_TRANSFORM",
        60010 => c"TS_EVENT_HTTP_SELECT_ALT",
        60011 => c"TS_EVENT_HTTP_TXN_START",
        60012 => c"TS_EVENT_HTTP_TXN_CLOSE",
        60013 => c"TS_EVENT_HTTP_SSN_START",
        60014 => c"TS_EVENT_HTTP_SSN_CLOSE",
        60015 => c"TS_EVENT_HTTP_CACHE_LOOKUP_COMPLETE",
        60016 => c"TS_EVENT_HTTP_PRE_REMAP",
        60017 => c"TS_EVENT_HTTP_POST_REMAP",
        60018 => c"TS_EVENT_HTTP_REQUEST_BUFFER_COMPLETE",

        // Lifecycle events.
        60100 => c"TS_EVENT_LIFECYCLE_PORTS_INITIALIZED",
        60101 => c"TS_EVENT_LIFECYCLE_PORTS_READY",
        60102 => c"TS_EVENT_LIFECYCLE_CACHE_READY",
        60103 => c"TS_EVENT_LIFECYCLE_SERVER_SSL_CTX_INITIALIZED",
        60104 => c"TS_EVENT_LIFECYCLE_CLIENT_SSL_CTX_INITIALIZED",
        60105 => c"TS_EVENT_LIFECYCLE_MSG",
        60106 => c"TS_EVENT_LIFECYCLE_TASK_THREADS_READY",
        60107 => c"TS_EVENT_LIFECYCLE_SHUTDOWN",

        // TLS hook events (60208 = TS_EVENT_SSL_SECRET is not listed).
        60200 => c"TS_EVENT_INTERNAL_60200",
        60201 => c"TS_EVENT_INTERNAL_60201",
        60202 => c"TS_EVENT_INTERNAL_60202",
        60203 => c"TS_EVENT_SSL_CERT",
        60204 => c"TS_EVENT_SSL_SERVERNAME",
        60205 => c"TS_EVENT_SSL_VERIFY_SERVER",
        60206 => c"TS_EVENT_SSL_VERIFY_CLIENT",
        60207 => c"TS_EVENT_SSL_CLIENT_HELLO",

        60300 => c"TS_EVENT_MGMT_UPDATE",

        // SRV lookups.
        62000 => c"EVENT_SRV_LOOKUP",
        62001 => c"EVENT_SRV_IP_REMOVED",
        62002 => c"EVENT_SRV_GET_RESPONSE",

        _ => c"unknown event",
    }
}

/// TSHttpHookNameLookup: enumerator names, aliases printed as in ATS, "TS_HTTP_LAST_HOOK" for 28, "unknown hook" otherwise.
pub fn hook_name(hook: c_int) -> &'static CStr {
    match hook {
        0 => c"TS_HTTP_READ_REQUEST_HDR_HOOK",
        1 => c"TS_HTTP_OS_DNS_HOOK",
        2 => c"TS_HTTP_SEND_REQUEST_HDR_HOOK",
        3 => c"TS_HTTP_READ_CACHE_HDR_HOOK",
        4 => c"TS_HTTP_READ_RESPONSE_HDR_HOOK",
        5 => c"TS_HTTP_SEND_RESPONSE_HDR_HOOK",
        6 => c"TS_HTTP_REQUEST_TRANSFORM_HOOK",
        7 => c"TS_HTTP_RESPONSE_TRANSFORM_HOOK",
        8 => c"TS_HTTP_SELECT_ALT_HOOK",
        9 => c"TS_HTTP_TXN_START_HOOK",
        10 => c"TS_HTTP_TXN_CLOSE_HOOK",
        11 => c"TS_HTTP_SSN_START_HOOK",
        12 => c"TS_HTTP_SSN_CLOSE_HOOK",
        13 => c"TS_HTTP_CACHE_LOOKUP_COMPLETE_HOOK",
        14 => c"TS_HTTP_PRE_REMAP_HOOK",
        15 => c"TS_HTTP_POST_REMAP_HOOK",
        16 => c"TS_HTTP_RESPONSE_CLIENT_HOOK",
        // 17 = TS_SSL_FIRST_HOOK = TS_VCONN_START_HOOK = TS_VCONN_PRE_ACCEPT_HOOK
        17 => c"TS_VCONN_START_HOOK",
        18 => c"TS_VCONN_CLOSE_HOOK",
        19 => c"TS_SSL_CLIENT_HELLO_HOOK",
        // 20 = TS_SSL_SNI_HOOK = TS_SSL_CERT_HOOK
        20 => c"TS_SSL_CERT_HOOK",
        21 => c"TS_SSL_SERVERNAME_HOOK",
        // 22 = TS_SSL_SERVER_VERIFY_HOOK = TS_SSL_VERIFY_SERVER_HOOK
        22 => c"TS_SSL_VERIFY_SERVER_HOOK",
        23 => c"TS_SSL_VERIFY_CLIENT_HOOK",
        24 => c"TS_SSL_SESSION_HOOK",
        25 => c"TS_VCONN_OUTBOUND_START_HOOK",
        // 26 = TS_VCONN_OUTBOUND_CLOSE_HOOK = TS_SSL_LAST_HOOK
        26 => c"TS_VCONN_OUTBOUND_CLOSE_HOOK",
        27 => c"TS_HTTP_REQUEST_BUFFER_READ_COMPLETE_HOOK",
        28 => c"TS_HTTP_LAST_HOOK",
        _ => c"unknown hook",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(e: c_int) -> &'static str {
        event_name(e).to_str().unwrap()
    }

    fn hk(h: c_int) -> &'static str {
        hook_name(h).to_str().unwrap()
    }

    #[test]
    fn observed_event_names() {
        // Values observed on the Debian 9.2.9 traffic_server (ts-api-semantics.md §4).
        assert_eq!(ev(0), "EVENT_NONE/VC_EVENT_NONE");
        assert_eq!(ev(2), "EVENT_INTERVAL");
        assert_eq!(ev(4), "unknown event");
        assert_eq!(ev(2000), "TRANSFORM_READ_READY/TS_EVENT_SSL_SESSION_GET");
        assert_eq!(ev(60000), "HTTP_API_CONTINUE/TS_EVENT_HTTP_CONTINUE");
        assert_eq!(ev(60018), "TS_EVENT_HTTP_REQUEST_BUFFER_COMPLETE");
        assert_eq!(ev(60208), "unknown event");
    }

    #[test]
    fn documented_event_names() {
        assert_eq!(
            ev(1),
            "EVENT_IMMEDIATE/TS_EVENT_IMMEDIATE/VC_EVENT_IMMEDIATE"
        );
        assert_eq!(ev(3), "EVENT_ERROR/TS_EVENT_ERROR/VC_EVENT_ERROR");
        assert_eq!(ev(100), "VC_EVENT_READ_READY/TS_EVENT_VCONN_READ_READY");
        assert_eq!(ev(104), "VC_EVENT_EOS/TS_EVENT_VCONN_EOS");
        assert_eq!(
            ev(106),
            "VC_EVENT_ACTIVE_TIMEOUT/TS_EVENT_VCONN_ACTIVE_TIMEOUT"
        );
        assert_eq!(ev(107), "TS_EVENT_VCONN_START");
        assert_eq!(ev(110), "TS_EVENT_VCONN_OUTBOUND_CLOSE");
        assert_eq!(ev(200), "NET_EVENT_OPEN/TS_EVENT_NET_CONNECT");
        assert_eq!(ev(201), "NET_EVENT_OPEN_FAILED/TS_EVENT_NET_CONNECT_FAILED");
        assert_eq!(ev(202), "NET_EVENT_ACCEPT/TS_EVENT_NET_ACCEPT");
        assert_eq!(ev(204), "TS_EVENT_NET_ACCEPT_FAILED");
        assert_eq!(ev(209), "TS_EVENT_INTERNAL_209");
        assert_eq!(ev(500), "EVENT_HOST_DB_LOOKUP/TS_EVENT_HOST_LOOKUP");
        assert_eq!(ev(1102), "CACHE_EVENT_OPEN_READ/TS_EVENT_CACHE_OPEN_READ");
        assert_eq!(
            ev(1113),
            "CACHE_EVENT_REMOVE_FAILED/TS_EVENT_CACHE_REMOVE_FAILED"
        );
        assert_eq!(ev(1122), "TS_EVENT_CACHE_SCAN_OBJECT");
        assert_eq!(ev(1200), "TS_EVENT_INTERNAL_1200");
        assert_eq!(ev(2001), "TS_EVENT_SSL_SESSION_NEW");
        assert_eq!(ev(2002), "TS_EVENT_SSL_SESSION_REMOVE");
        assert_eq!(ev(3900), "TS_EVENT_AIO_DONE");
        assert_eq!(ev(60001), "HTTP_API_ERROR/TS_EVENT_HTTP_ERROR");
        assert_eq!(ev(60002), "TS_EVENT_HTTP_READ_REQUEST_HDR");
        assert_eq!(ev(60011), "TS_EVENT_HTTP_TXN_START");
        assert_eq!(ev(60013), "TS_EVENT_HTTP_SSN_START");
        assert_eq!(ev(60016), "TS_EVENT_HTTP_PRE_REMAP");
        assert_eq!(ev(60105), "TS_EVENT_LIFECYCLE_MSG");
        assert_eq!(ev(60107), "TS_EVENT_LIFECYCLE_SHUTDOWN");
        assert_eq!(ev(60203), "TS_EVENT_SSL_CERT");
        assert_eq!(ev(60207), "TS_EVENT_SSL_CLIENT_HELLO");
        assert_eq!(ev(60300), "TS_EVENT_MGMT_UPDATE");
    }

    #[test]
    fn internal_only_event_names() {
        assert_eq!(ev(502), "EVENT_HOST_DB_GET_RESPONSE");
        assert_eq!(ev(600), "DNS_EVENT_LOOKUP");
        assert_eq!(ev(1101), "CACHE_EVENT_LOOKUP_FAILED");
        assert_eq!(ev(1114), "CACHE_EVENT_UPDATE");
        assert_eq!(ev(1115), "CACHE_EVENT_UPDATE_FAILED");
        assert_eq!(ev(2100), "STAT_PAGE_SUCCESS");
        assert_eq!(ev(2101), "STAT_PAGE_FAILURE");
        assert_eq!(ev(2301), "HTTP_TUNNEL_EVENT_DONE");
        assert_eq!(ev(2303), "HTTP_TUNNEL_EVENT_CONSUMER_DETACH");
        assert_eq!(ev(62000), "EVENT_SRV_LOOKUP");
        assert_eq!(ev(62002), "EVENT_SRV_GET_RESPONSE");
    }

    #[test]
    fn unknown_event_names() {
        for e in [
            -1,
            4,
            5,
            99,
            111,
            203,
            205,
            213,
            501,
            1100,
            1116,
            1136,
            2003,
            2304,
            60019,
            60029,
            60108,
            60208,
            60301,
            62003,
            c_int::MIN,
            c_int::MAX,
        ] {
            assert_eq!(ev(e), "unknown event", "event {e}");
        }
    }

    #[test]
    fn every_hook_event_has_a_name() {
        for e in 60000..=60018 {
            assert_ne!(ev(e), "unknown event", "event {e}");
        }
        for e in 60100..=60107 {
            assert_ne!(ev(e), "unknown event", "event {e}");
        }
        for e in 60200..=60207 {
            assert_ne!(ev(e), "unknown event", "event {e}");
        }
    }

    #[test]
    fn hook_names() {
        assert_eq!(hk(0), "TS_HTTP_READ_REQUEST_HDR_HOOK");
        assert_eq!(hk(9), "TS_HTTP_TXN_START_HOOK");
        assert_eq!(hk(11), "TS_HTTP_SSN_START_HOOK");
        assert_eq!(hk(13), "TS_HTTP_CACHE_LOOKUP_COMPLETE_HOOK");
        assert_eq!(hk(16), "TS_HTTP_RESPONSE_CLIENT_HOOK");
        assert_eq!(hk(17), "TS_VCONN_START_HOOK");
        assert_eq!(hk(20), "TS_SSL_CERT_HOOK");
        assert_eq!(hk(22), "TS_SSL_VERIFY_SERVER_HOOK");
        assert_eq!(hk(24), "TS_SSL_SESSION_HOOK");
        assert_eq!(hk(26), "TS_VCONN_OUTBOUND_CLOSE_HOOK");
        assert_eq!(hk(27), "TS_HTTP_REQUEST_BUFFER_READ_COMPLETE_HOOK");
        assert_eq!(hk(28), "TS_HTTP_LAST_HOOK");
        assert_eq!(hk(29), "unknown hook");
        assert_eq!(hk(-1), "unknown hook");
        assert_eq!(hk(c_int::MAX), "unknown hook");
    }

    #[test]
    fn hook_names_are_distinct() {
        let mut seen = std::collections::HashSet::new();
        for h in 0..=28 {
            assert!(seen.insert(hk(h)), "duplicate name for hook {h}");
        }
    }
}
