//! Session and transaction accessors: client and local addresses, the client fd, internal
//! sessions, the client protocol stack, protocol tags (ATS 9.2 InkAPI.cc, ProxySession,
//! UnixNetVConnection/SSLNetVConnection/Http2ClientSession::populate_protocol and
//! protocol_contains, HttpSM::populate_client_protocol), `TSHttpTxnAborted`, and the protocol tag
//! data symbols (`TS_PROTO_TAG_*`, `TS_ALPN_PROTOCOL_*`, lib/records/RecHttp.cc).
//!
//! Where ATS aborts (a NULL or dead transaction, a NULL `fdp`, NULL `result` with `count > 0`)
//! tshost logs the call and answers with an error value. Where ATS quietly answers NULL/0 for a
//! NULL session (the address, fd and internal queries) tshost does the same without a log line.
use std::ffi::CStr;
use std::os::raw::{c_char, c_int};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::http::{ssn_arg, txn_arg};
use super::{guard, here};
use crate::proxy::proto;
use crate::sys::types::{TSHttpSsn, TSHttpTxn, TSReturnCodeRaw};
use crate::txn::{Session, Txn};

use crate::sys::types::{TS_ERROR, TS_SUCCESS};

// -------------------------------------------------------------------------------------------------
// Protocol tag data symbols

/// A `const char *` variable that is itself `const` (`const char *const` in C). cbindgen cannot
/// express a const pointer, so cbindgen.toml renames this (excluded) type to `char *const`: after
/// the `const ` cbindgen writes before an immutable static, the declaration reads
/// `extern const char *const NAME;`, exactly as ATS's apidefs.h.
#[repr(transparent)]
pub struct CharConstPtr(pub *const c_char);

// SAFETY: points at immutable static bytes.
unsafe impl Sync for CharConstPtr {}

impl CharConstPtr {
    const fn of(bytes: &'static [u8]) -> CharConstPtr {
        CharConstPtr(bytes.as_ptr() as *const c_char)
    }
}

/// `"http/0.9"`.
#[no_mangle]
pub static TS_ALPN_PROTOCOL_HTTP_0_9: CharConstPtr = CharConstPtr::of(&proto::bytes::HTTP_0_9);
/// `"http/1.0"`.
#[no_mangle]
pub static TS_ALPN_PROTOCOL_HTTP_1_0: CharConstPtr = CharConstPtr::of(&proto::bytes::HTTP_1_0);
/// `"http/1.1"`.
#[no_mangle]
pub static TS_ALPN_PROTOCOL_HTTP_1_1: CharConstPtr = CharConstPtr::of(&proto::bytes::HTTP_1_1);
/// `"h2"`.
#[no_mangle]
pub static TS_ALPN_PROTOCOL_HTTP_2_0: CharConstPtr = CharConstPtr::of(&proto::bytes::HTTP_2_0);
/// `"h3-29"`.
#[no_mangle]
pub static TS_ALPN_PROTOCOL_HTTP_3: CharConstPtr = CharConstPtr::of(&proto::bytes::HTTP_3);
/// `"h3-27"`.
#[no_mangle]
pub static TS_ALPN_PROTOCOL_HTTP_3_D27: CharConstPtr = CharConstPtr::of(&proto::bytes::HTTP_3_D27);
/// `"hq-29"`.
#[no_mangle]
pub static TS_ALPN_PROTOCOL_HTTP_QUIC: CharConstPtr = CharConstPtr::of(&proto::bytes::HTTP_QUIC);
/// `"hq-27"`.
#[no_mangle]
pub static TS_ALPN_PROTOCOL_HTTP_QUIC_D27: CharConstPtr =
    CharConstPtr::of(&proto::bytes::HTTP_QUIC_D27);

/// `"http"`: the protocol group of HTTP/0.9, 1.0 and 1.1 (server_ports `proto=` values).
#[no_mangle]
pub static TS_ALPN_PROTOCOL_GROUP_HTTP: CharConstPtr = CharConstPtr::of(b"http\0");
/// `"http2"`: the protocol group of HTTP/2.
#[no_mangle]
pub static TS_ALPN_PROTOCOL_GROUP_HTTP2: CharConstPtr = CharConstPtr::of(b"http2\0");

/// `"http/1.0"` (the same pointer as `TS_ALPN_PROTOCOL_HTTP_1_0`).
#[no_mangle]
pub static TS_PROTO_TAG_HTTP_1_0: CharConstPtr = CharConstPtr::of(&proto::bytes::HTTP_1_0);
/// `"http/1.1"`.
#[no_mangle]
pub static TS_PROTO_TAG_HTTP_1_1: CharConstPtr = CharConstPtr::of(&proto::bytes::HTTP_1_1);
/// `"h2"`.
#[no_mangle]
pub static TS_PROTO_TAG_HTTP_2_0: CharConstPtr = CharConstPtr::of(&proto::bytes::HTTP_2_0);
/// `"h3-29"`.
#[no_mangle]
pub static TS_PROTO_TAG_HTTP_3: CharConstPtr = CharConstPtr::of(&proto::bytes::HTTP_3);
/// `"hq-29"`.
#[no_mangle]
pub static TS_PROTO_TAG_HTTP_QUIC: CharConstPtr = CharConstPtr::of(&proto::bytes::HTTP_QUIC);
/// `"tls/1.3"`.
#[no_mangle]
pub static TS_PROTO_TAG_TLS_1_3: CharConstPtr = CharConstPtr::of(&proto::bytes::TLS_1_3);
/// `"tls/1.2"`.
#[no_mangle]
pub static TS_PROTO_TAG_TLS_1_2: CharConstPtr = CharConstPtr::of(&proto::bytes::TLS_1_2);
/// `"tls/1.1"`.
#[no_mangle]
pub static TS_PROTO_TAG_TLS_1_1: CharConstPtr = CharConstPtr::of(&proto::bytes::TLS_1_1);
/// `"tls/1.0"`.
#[no_mangle]
pub static TS_PROTO_TAG_TLS_1_0: CharConstPtr = CharConstPtr::of(&proto::bytes::TLS_1_0);
/// `"tcp"`.
#[no_mangle]
pub static TS_PROTO_TAG_TCP: CharConstPtr = CharConstPtr::of(&proto::bytes::TCP);
/// `"udp"`.
#[no_mangle]
pub static TS_PROTO_TAG_UDP: CharConstPtr = CharConstPtr::of(&proto::bytes::UDP);
/// `"ipv4"`.
#[no_mangle]
pub static TS_PROTO_TAG_IPV4: CharConstPtr = CharConstPtr::of(&proto::bytes::IPV4);
/// `"ipv6"`.
#[no_mangle]
pub static TS_PROTO_TAG_IPV6: CharConstPtr = CharConstPtr::of(&proto::bytes::IPV6);

// The session protocol name registry's indices. ATS registers the well-known names at start-up
// in this order (ts_session_protocol_well_known_name_indices_init): http/0.9, http/1.0,
// http/1.1, h2, h3-29, h3-27, hq-29, hq-27, so the values are fixed. Plain `int` variables in
// ATS's header, so `static mut`; tshost never writes them.

/// Registry index of `http/0.9` (0).
#[no_mangle]
pub static mut TS_ALPN_PROTOCOL_INDEX_HTTP_0_9: c_int = 0;
/// Registry index of `http/1.0` (1).
#[no_mangle]
pub static mut TS_ALPN_PROTOCOL_INDEX_HTTP_1_0: c_int = 1;
/// Registry index of `http/1.1` (2).
#[no_mangle]
pub static mut TS_ALPN_PROTOCOL_INDEX_HTTP_1_1: c_int = 2;
/// Registry index of `h2` (3).
#[no_mangle]
pub static mut TS_ALPN_PROTOCOL_INDEX_HTTP_2_0: c_int = 3;
/// Registry index of `h3-29` (4).
#[no_mangle]
pub static mut TS_ALPN_PROTOCOL_INDEX_HTTP_3: c_int = 4;
/// Registry index of `hq-29` (6; `h3-27` is 5).
#[no_mangle]
pub static mut TS_ALPN_PROTOCOL_INDEX_HTTP_QUIC: c_int = 6;

// -------------------------------------------------------------------------------------------------
// Helpers

/// The session behind `ssnp`: None without a log line for NULL (ATS answers NULL/0/TS_ERROR
/// quietly there), logged for a dead or foreign handle.
fn ssn_quiet(who: crate::api::Here, ssnp: TSHttpSsn) -> Option<Arc<Session>> {
    if ssnp.is_null() {
        None
    } else {
        ssn_arg(who, ssnp)
    }
}

fn client_addr(s: &Session) -> *const libc::sockaddr {
    s.connection()
        .and_then(|c| c.client_addr.as_ref())
        .map_or(std::ptr::null(), |a| a.as_ptr())
}

fn local_addr(s: &Session) -> *const libc::sockaddr {
    s.connection()
        .and_then(|c| c.local_addr.as_ref())
        .map_or(std::ptr::null(), |a| a.as_ptr())
}

fn client_fd(who: crate::api::Here, s: &Session, fdp: *mut c_int) -> TSReturnCodeRaw {
    if fdp.is_null() {
        crate::error!("{who}: NULL fdp");
        return TS_ERROR;
    }
    let Some(c) = s.connection() else {
        return TS_ERROR;
    };
    let fd = if c.internal {
        // A plugin-made connection has no socket: ATS's PluginVC answers -1.
        -1
    } else if c.fd < 0 {
        return TS_ERROR;
    } else {
        c.fd
    };
    // SAFETY: checked non-NULL; the caller passes a writable int.
    unsafe { *fdp = fd };
    TS_SUCCESS
}

/// The session's protocol stack as ATS reports it: outermost first; once the client connection
/// is gone only the session-level tag (h2) remains.
fn ssn_stack(s: &Session) -> impl Iterator<Item = &'static CStr> + '_ {
    let attached = s.connection().is_some();
    s.client
        .stack
        .iter()
        .copied()
        .take_while(move |t| attached || proto::is_session_layer(t))
}

/// The transaction's stack: the client request's HTTP version tag, then the session's; empty if
/// the version has no tag (ATS's HttpSM::populate_client_protocol).
fn txn_stack(t: &Txn) -> Vec<&'static CStr> {
    let v = t.request_version.load(Ordering::Acquire);
    let v = if v == 0 { 0x10000 } else { v };
    match proto::http_version_tag(v) {
        Some(tag) => std::iter::once(tag).chain(ssn_stack(&t.ssn)).collect(),
        None => Vec::new(),
    }
}

/// Fill `result[..count]` from `stack`; `*actual` = number filled.
///
/// # Safety
/// `result` has room for `count` pointers when `count > 0`; `actual` is NULL or writable.
pub(super) unsafe fn fill_stack(
    who: crate::api::Here,
    stack: impl Iterator<Item = &'static CStr>,
    count: c_int,
    result: *mut *const c_char,
    actual: *mut c_int,
) -> TSReturnCodeRaw {
    if count > 0 && result.is_null() {
        crate::error!("{who}: NULL result with count {count}");
        return TS_ERROR;
    }
    let mut n = 0;
    if count > 0 {
        for tag in stack.take(count as usize) {
            // SAFETY: `result` is non-NULL (checked above) with room for `count` pointers (this
            // function's contract), and n < count.
            unsafe { *result.add(n) = tag.as_ptr() };
            n += 1;
        }
    }
    if !actual.is_null() {
        // SAFETY: non-NULL, and writable (this function's contract).
        unsafe { *actual = n as c_int };
    }
    TS_SUCCESS
}

/// The bytes of the tag a plugin passed; None (logged) for NULL.
///
/// # Safety
/// `tag` is NULL or a NUL-terminated string that outlives `'a`.
unsafe fn tag_arg<'a>(who: crate::api::Here, tag: *const c_char) -> Option<&'a [u8]> {
    if tag.is_null() {
        crate::error!("{who}: NULL tag");
        None
    } else {
        // SAFETY: non-NULL here, NUL-terminated and alive for 'a (this function's contract).
        Some(unsafe { CStr::from_ptr(tag) }.to_bytes())
    }
}

/// The first tag of `stack` that `prefix` starts, with ATS's case rules.
fn contains(mut stack: impl Iterator<Item = &'static CStr>, prefix: &[u8]) -> *const c_char {
    stack
        .find(|t| proto::tag_has_prefix(t, prefix))
        .map_or(std::ptr::null(), |t| t.as_ptr())
}

// -------------------------------------------------------------------------------------------------
// Addresses, fd, internal

/// The client's address (a `struct sockaddr_in` or `sockaddr_in6` owned by the session), NULL
/// for a NULL session or once the client connection is gone (HTTP/1 SSN_CLOSE).
#[no_mangle]
pub extern "C" fn TSHttpSsnClientAddrGet(ssnp: TSHttpSsn) -> *const libc::sockaddr {
    guard!(std::ptr::null(), || {
        ssn_quiet(here!(), ssnp).map_or(std::ptr::null(), |s| client_addr(&s))
    })
}

/// The local (proxy) address the client connected to; same rules as TSHttpSsnClientAddrGet.
#[no_mangle]
pub extern "C" fn TSHttpSsnIncomingAddrGet(ssnp: TSHttpSsn) -> *const libc::sockaddr {
    guard!(std::ptr::null(), || {
        ssn_quiet(here!(), ssnp).map_or(std::ptr::null(), |s| local_addr(&s))
    })
}

/// TSHttpSsnClientAddrGet of the transaction's session. NULL for a NULL or dead transaction.
#[no_mangle]
pub extern "C" fn TSHttpTxnClientAddrGet(txnp: TSHttpTxn) -> *const libc::sockaddr {
    guard!(std::ptr::null(), || {
        txn_arg(here!(), txnp).map_or(std::ptr::null(), |t| client_addr(&t.ssn))
    })
}

/// TSHttpSsnIncomingAddrGet of the transaction's session. NULL for a NULL or dead transaction.
#[no_mangle]
pub extern "C" fn TSHttpTxnIncomingAddrGet(txnp: TSHttpTxn) -> *const libc::sockaddr {
    guard!(std::ptr::null(), || {
        txn_arg(here!(), txnp).map_or(std::ptr::null(), |t| local_addr(&t.ssn))
    })
}

/// The client socket in `*fdp`. TS_ERROR for a NULL or dead session, a NULL `fdp`, once the
/// client connection is gone (`*fdp` untouched) or when the session has no socket; an internal
/// (plugin-made) session gives TS_SUCCESS with -1, as ATS.
#[no_mangle]
pub extern "C" fn TSHttpSsnClientFdGet(ssnp: TSHttpSsn, fdp: *mut c_int) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        if fdp.is_null() {
            crate::error!("{who}: NULL fdp");
            return TS_ERROR;
        }
        ssn_quiet(who, ssnp).map_or(TS_ERROR, |s| client_fd(who, &s, fdp))
    })
}

/// TSHttpSsnClientFdGet of the transaction's session; TS_ERROR also for a NULL or dead transaction.
#[no_mangle]
pub extern "C" fn TSHttpTxnClientFdGet(txnp: TSHttpTxn, fdp: *mut c_int) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        txn_arg(who, txnp).map_or(TS_ERROR, |t| client_fd(who, &t.ssn, fdp))
    })
}

/// 1 if the session was created by a plugin (TSHttpConnect), 0 otherwise, for a NULL session and
/// once the client connection is gone.
#[no_mangle]
pub extern "C" fn TSHttpSsnIsInternal(ssnp: TSHttpSsn) -> c_int {
    guard!(0, || {
        ssn_quiet(here!(), ssnp)
            .and_then(|s| s.connection().map(|c| c.internal as c_int))
            .unwrap_or(0)
    })
}

/// TSHttpSsnIsInternal of the transaction's session: 0 also for a NULL or dead transaction.
#[no_mangle]
pub extern "C" fn TSHttpTxnIsInternal(txnp: TSHttpTxn) -> c_int {
    guard!(0, || {
        txn_arg(here!(), txnp)
            .and_then(|t| t.ssn.connection().map(|c| c.internal as c_int))
            .unwrap_or(0)
    })
}

// -------------------------------------------------------------------------------------------------
// Protocol stacks and tags

/// Up to `count` tags of the session's client protocol stack, outermost first (`h2` for HTTP/2,
/// then `tls/1.x`, `tcp`/`udp`, `ipv4`/`ipv6`), pointer-equal to the `TS_PROTO_TAG_*` variables;
/// `*actual` (if non-NULL) = the number filled. Always TS_SUCCESS for a live session.
#[no_mangle]
pub unsafe extern "C" fn TSHttpSsnClientProtocolStackGet(
    ssnp: TSHttpSsn,
    count: c_int,
    result: *mut *const c_char,
    actual: *mut c_int,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        let Some(s) = ssn_arg(who, ssnp) else {
            return TS_ERROR;
        };
        // SAFETY: the plugin passes `result` with room for `count` tags and `actual` NULL or
        // writable (the API's contract).
        unsafe { fill_stack(who, ssn_stack(&s), count, result, actual) }
    })
}

/// The client request's HTTP version tag (`http/1.0` until the request is parsed), then the
/// session's stack; nothing if the version has no tag.
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnClientProtocolStackGet(
    txnp: TSHttpTxn,
    count: c_int,
    result: *mut *const c_char,
    actual: *mut c_int,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        let Some(t) = txn_arg(who, txnp) else {
            return TS_ERROR;
        };
        // SAFETY: the plugin passes `result` with room for `count` tags and `actual` NULL or
        // writable (the API's contract).
        unsafe { fill_stack(who, txn_stack(&t).into_iter(), count, result, actual) }
    })
}

/// The first tag of the session's stack that `tag` is a prefix of (`"tls"` gives `"tls/1.3"`),
/// NULL if none. Case-sensitive for `h2` and TLS, case-insensitive for tcp/udp/ipv4/ipv6.
#[no_mangle]
pub unsafe extern "C" fn TSHttpSsnClientProtocolStackContains(
    ssnp: TSHttpSsn,
    tag: *const c_char,
) -> *const c_char {
    guard!(std::ptr::null(), || {
        let who = here!();
        // SAFETY: the plugin passes NULL or a NUL-terminated tag that lives for the call.
        let (Some(s), Some(prefix)) = (ssn_arg(who, ssnp), unsafe { tag_arg(who, tag) }) else {
            return std::ptr::null();
        };
        contains(ssn_stack(&s), prefix)
    },)
}

/// As TSHttpSsnClientProtocolStackContains, the request's HTTP version tag checked first.
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnClientProtocolStackContains(
    txnp: TSHttpTxn,
    tag: *const c_char,
) -> *const c_char {
    guard!(std::ptr::null(), || {
        let who = here!();
        // SAFETY: the plugin passes NULL or a NUL-terminated tag that lives for the call.
        let (Some(t), Some(prefix)) = (txn_arg(who, txnp), unsafe { tag_arg(who, tag) }) else {
            return std::ptr::null();
        };
        contains(txn_stack(&t).into_iter(), prefix)
    },)
}

/// The canonical (static, pointer-comparable) copy of a protocol tag, matched exactly; NULL if
/// ATS 9.2 does not know it (`http/0.9` included, as in ATS).
#[no_mangle]
pub unsafe extern "C" fn TSNormalizedProtocolTag(tag: *const c_char) -> *const c_char {
    guard!(std::ptr::null(), || {
        // SAFETY: the plugin passes NULL or a NUL-terminated tag that lives for the call.
        unsafe { tag_arg(here!(), tag) }
            .and_then(proto::normalized)
            .map_or(std::ptr::null(), CStr::as_ptr)
    })
}

/// Not implemented in ATS 9.2: always NULL.
#[no_mangle]
pub extern "C" fn TSRegisterProtocolTag(tag: *const c_char) -> *const c_char {
    guard!(std::ptr::null(), || {
        let _ = tag;
        std::ptr::null()
    })
}

/// TS_SUCCESS if the transaction was aborted (the client went away before the response was
/// complete), TS_ERROR otherwise or for a bad transaction.
#[no_mangle]
pub extern "C" fn TSHttpTxnAborted(txnp: TSHttpTxn) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        match txn_arg(here!(), txnp) {
            Some(t) if t.aborted.load(Ordering::Acquire) => TS_SUCCESS,
            _ => TS_ERROR,
        }
    })
}

/// Pushes `url` (`url_len` bytes; negative: up to the NUL) to the client of an HTTP/2
/// transaction (ATS 9.2 InkAPI.cc): a PUSH_PROMISE for `GET url` (with the client request's
/// Accept-Encoding) on the transaction's stream, sent before its response's HEADERS, then the
/// promised request runs through the proxy as a transaction of its own on the same session, its
/// response on the promised stream. TS_SUCCESS when promised; TS_ERROR (with a debug line, tag
/// `http2`) when `url` does not parse, the transaction is not on an HTTP/2 stream (HTTP/1: nothing
/// is sent), the client set SETTINGS_ENABLE_PUSH 0, the URL was pushed on this connection already
/// (its diary holds `proxy.config.http2.push_diary_size` URLs) or the connection is closed.
/// tshost also answers TS_ERROR for a URL with no host and on a pushed stream (ATS would promise
/// on it, which RFC 9113 forbids). A bad transaction or a NULL `url`: TS_ERROR, logged.
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnServerPush(
    txnp: TSHttpTxn,
    url: *const c_char,
    url_len: c_int,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        let Some(t) = txn_arg(who, txnp) else {
            return TS_ERROR;
        };
        if url.is_null() {
            crate::error!("{who}: NULL url");
            return TS_ERROR;
        }
        let len = match usize::try_from(url_len) {
            Ok(n) => n,
            // SAFETY: non-NULL (checked above); with a negative length the caller passes a
            // NUL-terminated string (ATS's URL::parse takes its strlen too).
            Err(_) => unsafe { libc::strlen(url) },
        };
        // SAFETY: non-NULL with `len` readable bytes (the call's contract); copied at once.
        let text = unsafe { std::slice::from_raw_parts(url.cast::<u8>(), len) };
        match crate::proxy::http2::server_push(&t, text) {
            Ok(()) => TS_SUCCESS,
            Err(why) => {
                crate::debug!("http2", "{who}: {}: {why}", String::from_utf8_lossy(text));
                TS_ERROR
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_symbols_are_the_proto_statics() {
        assert_eq!(TS_PROTO_TAG_TLS_1_3.0, proto::TLS_1_3.as_ptr());
        assert_eq!(TS_PROTO_TAG_TCP.0, proto::TCP.as_ptr());
        assert_eq!(TS_PROTO_TAG_HTTP_2_0.0, TS_ALPN_PROTOCOL_HTTP_2_0.0);
        assert_eq!(TS_PROTO_TAG_HTTP_1_1.0, proto::HTTP_1_1.as_ptr());
        assert_eq!(TS_ALPN_PROTOCOL_HTTP_0_9.0, proto::HTTP_0_9.as_ptr());
        // SAFETY: static NUL-terminated strings.
        unsafe {
            assert_eq!(CStr::from_ptr(TS_PROTO_TAG_HTTP_3.0), c"h3-29");
            assert_eq!(CStr::from_ptr(TS_ALPN_PROTOCOL_HTTP_QUIC_D27.0), c"hq-27");
            assert_eq!(CStr::from_ptr(TS_ALPN_PROTOCOL_GROUP_HTTP2.0), c"http2");
        }
    }

    #[test]
    fn normalized_returns_the_exported_pointer() {
        // SAFETY: a NUL-terminated literal.
        let p = unsafe { TSNormalizedProtocolTag(c"ipv6".as_ptr()) };
        assert_eq!(p, TS_PROTO_TAG_IPV6.0);
        // SAFETY: a NUL-terminated literal.
        assert!(unsafe { TSNormalizedProtocolTag(c"IPV6".as_ptr()) }.is_null());
        // SAFETY: NULL is allowed (and refused).
        assert!(unsafe { TSNormalizedProtocolTag(std::ptr::null()) }.is_null());
        assert!(TSRegisterProtocolTag(c"x".as_ptr()).is_null());
    }
}
