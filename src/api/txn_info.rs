//! ts.h: what a transaction counted and what it is (TSHttpTxn{Client,Server}{Req,Resp}*BytesGet, the
//! connections' error codes, TSHttpTxnIsWebsocket, TSHttpTxnGetMaxAge), as ATS 9.2.9's InkAPI.cc.

use std::os::raw::c_int;
use std::sync::atomic::{AtomicI64, Ordering};

use super::http::txn_arg;
use super::{guard, here};
use crate::hdrs::{HdrType, HttpHdr, MBuffer};
use crate::sys::types::{TSHttpTxn, TSMBuffer};
use crate::txn::Txn;

fn count(who: super::Here, txnp: TSHttpTxn, which: fn(&Txn) -> &AtomicI64) -> i64 {
    txn_arg(who, txnp).map_or(0, |t| which(&t).load(Ordering::Relaxed))
}

/// The client request head's size in bytes as it was read (request line, fields, the empty line;
/// ATS's `client_request_hdr_bytes`). 0 for an HTTP/2 request (tshost reads no HTTP/1 text for
/// it) and for a NULL or dead transaction.
#[no_mangle]
pub extern "C" fn TSHttpTxnClientReqHdrBytesGet(txnp: TSHttpTxn) -> c_int {
    guard!(0, || count(here!(), txnp, |t| &t.wire.client_req_hdr)
        as c_int)
}

/// The client request body's bytes read so far (the payload, without chunk framing), as counted
/// when the origin's response head came in; 0 before that and for a NULL or dead transaction.
#[no_mangle]
pub extern "C" fn TSHttpTxnClientReqBodyBytesGet(txnp: TSHttpTxn) -> i64 {
    guard!(0, || count(here!(), txnp, |t| &t.wire.client_req_body))
}

/// The server request head's size in bytes as written to the origin (ATS's
/// `server_request_hdr_bytes`), from the origin's response head on; 0 before and for a NULL or
/// dead transaction.
#[no_mangle]
pub extern "C" fn TSHttpTxnServerReqHdrBytesGet(txnp: TSHttpTxn) -> c_int {
    guard!(0, || count(here!(), txnp, |t| &t.wire.server_req_hdr)
        as c_int)
}

/// The request body bytes written to the origin (the payload), from the origin's response head
/// on; 0 before and for a NULL or dead transaction.
#[no_mangle]
pub extern "C" fn TSHttpTxnServerReqBodyBytesGet(txnp: TSHttpTxn) -> i64 {
    guard!(0, || count(here!(), txnp, |t| &t.wire.server_req_body))
}

/// The origin response head's size in bytes as read (status line, fields, the empty line; ATS's
/// `server_response_hdr_bytes`), from READ_RESPONSE_HDR on; 0 before, for a response tshost
/// made itself, and for a NULL or dead transaction.
#[no_mangle]
pub extern "C" fn TSHttpTxnServerRespHdrBytesGet(txnp: TSHttpTxn) -> c_int {
    guard!(0, || count(here!(), txnp, |t| &t.wire.server_resp_hdr)
        as c_int)
}

/// The origin response body's bytes read (the payload, without chunk framing; ATS's
/// `server_response_body_bytes`), once the response was relayed to the client (TXN_CLOSE); 0
/// before, for a response tshost made itself, and for a NULL or dead transaction.
#[no_mangle]
pub extern "C" fn TSHttpTxnServerRespBodyBytesGet(txnp: TSHttpTxn) -> i64 {
    guard!(0, || count(here!(), txnp, |t| &t.wire.server_resp_body))
}

/// The client response head's size in bytes as written (ATS's `client_response_hdr_bytes`; for
/// HTTP/2, the head's size as HTTP/1 text, as ATS counts it), from the moment it is sent; 0
/// before and for a NULL or dead transaction.
#[no_mangle]
pub extern "C" fn TSHttpTxnClientRespHdrBytesGet(txnp: TSHttpTxn) -> c_int {
    guard!(0, || count(here!(), txnp, |t| &t.wire.client_resp_hdr)
        as c_int)
}

/// The client response body's bytes written (the payload, without chunk framing; ATS's
/// `client_response_body_bytes`), at the transaction's end (TXN_CLOSE); 0 before and for a
/// NULL or dead transaction.
#[no_mangle]
pub extern "C" fn TSHttpTxnClientRespBodyBytesGet(txnp: TSHttpTxn) -> i64 {
    guard!(0, || count(here!(), txnp, |t| &t.wire.client_resp_body))
}

/// Set the client's incoming (local) port as the transaction sees it (ATS's
/// `client_info.dst_addr` port): `map_with_recv_port` rules are looked up by it from then on.
/// The connection's own address (TSHttpTxnIncomingAddrGet, TSNetVConnLocalAddrGet) does not
/// change, as in ATS. A port outside 0..=65535 (which ATS truncates to 16 bits) is logged and
/// ignored, as is a NULL or dead transaction.
#[no_mangle]
pub extern "C" fn TSHttpTxnClientIncomingPortSet(txnp: TSHttpTxn, port: c_int) {
    guard!((), || {
        let who = here!();
        let Some(t) = txn_arg(who, txnp) else { return };
        if !(0..=65535).contains(&port) {
            crate::error!("{who}: port {port} is out of range");
            return;
        }
        t.wire.incoming_port.store(port, Ordering::Relaxed);
    })
}

/// Write an error class and code (tshost's connections carry no HTTP/2 or QUIC error codes to a
/// transaction: 0 and 0, ATS's "no error").
///
/// # Safety
/// Each pointer is NULL or writable.
unsafe fn no_error(who: super::Here, txnp: TSHttpTxn, class: *mut u32, code: *mut u64) {
    if class.is_null() || code.is_null() {
        crate::error!("{who}: NULL error_class or error_code");
        return;
    }
    let _ = txn_arg(who, txnp);
    // SAFETY: both non-NULL and writable (this function's contract).
    unsafe {
        *class = 0;
        *code = 0;
    }
}

/// The error the client connection received (class, code): 0 and 0, as ATS when there was none;
/// tshost does not keep the HTTP/2 error codes of a stream for its transaction. Nothing is
/// written (logged) for a NULL pointer.
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnClientReceivedErrorGet(
    txnp: TSHttpTxn,
    error_class: *mut u32,
    error_code: *mut u64,
) {
    // SAFETY: the caller's pointers, checked for NULL in no_error.
    guard!((), || unsafe {
        no_error(here!(), txnp, error_class, error_code)
    })
}

/// The error sent on the client connection: as TSHttpTxnClientReceivedErrorGet.
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnClientSentErrorGet(
    txnp: TSHttpTxn,
    error_class: *mut u32,
    error_code: *mut u64,
) {
    // SAFETY: the caller's pointers, checked for NULL in no_error.
    guard!((), || unsafe {
        no_error(here!(), txnp, error_class, error_code)
    })
}

/// The error the server connection received: 0 and 0 (origins are HTTP/1), as ATS for them.
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnServerReceivedErrorGet(
    txnp: TSHttpTxn,
    error_class: *mut u32,
    error_code: *mut u64,
) {
    // SAFETY: the caller's pointers, checked for NULL in no_error.
    guard!((), || unsafe {
        no_error(here!(), txnp, error_class, error_code)
    })
}

/// The error sent on the server connection: 0 and 0, as TSHttpTxnServerReceivedErrorGet.
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnServerSentErrorGet(
    txnp: TSHttpTxn,
    error_class: *mut u32,
    error_code: *mut u64,
) {
    // SAFETY: the caller's pointers, checked for NULL in no_error.
    guard!((), || unsafe {
        no_error(here!(), txnp, error_class, error_code)
    })
}

/// Is the client request a WebSocket upgrade, by ATS's test (HTTP/1.1, `Connection: Upgrade`,
/// `Upgrade: websocket`, `Sec-WebSocket-Key`, `Sec-WebSocket-Version: 13`): 1 or 0; 0 for a
/// NULL or dead transaction. (tshost itself forwards no upgrades.)
#[no_mangle]
pub extern "C" fn TSHttpTxnIsWebsocket(txnp: TSHttpTxn) -> c_int {
    guard!(0, || {
        let Some(t) = txn_arg(here!(), txnp) else {
            return 0;
        };
        t.headers
            .client_req
            .load_full()
            .is_some_and(|r| r.with(is_websocket)) as c_int
    })
}

fn is_websocket(h: &HttpHdr) -> bool {
    let upgrade = h.field(b"upgrade").map(|v| v.trim_ascii());
    h.version() == (1, 1)
        && h.has_token(b"connection", b"upgrade")
        && upgrade.is_some_and(|u| u.eq_ignore_ascii_case(b"websocket"))
        && h.field(b"sec-websocket-key").is_some()
        && h.field(b"sec-websocket-version").map(|v| v.trim_ascii()) == Some(b"13")
}

/// The freshness lifetime a response gives, in seconds: Cache-Control `s-maxage` (first), else
/// `max-age` (a negative value reads 0), else -1, as ATS's HttpTransact::get_max_age. Of
/// `response` (a TSMBuffer holding a response, as TSHttpTxnServerRespGet gives), or of the
/// origin's response when it is NULL; -1 when there is no such response (before
/// READ_RESPONSE_HDR, or not a response) and for a NULL or dead transaction.
#[no_mangle]
pub extern "C" fn TSHttpTxnGetMaxAge(txnp: TSHttpTxn, response: TSMBuffer) -> c_int {
    guard!(-1, || {
        let who = here!();
        let Some(t) = txn_arg(who, txnp) else {
            return -1;
        };
        let resp = if response.is_null() {
            t.headers.server_resp.load_full()
        } else {
            let b = MBuffer::from_handle(response as usize);
            if b.is_none() {
                crate::error!("{who}: {response:p} is not a live TSMBuffer");
            }
            b
        };
        resp.map_or(-1, |r| r.with(max_age))
    })
}

fn max_age(h: &HttpHdr) -> c_int {
    if h.hdr_type() != HdrType::Response {
        return -1;
    }
    let mut s_maxage = None;
    let mut maxage = None;
    for v in h.field_values(b"cache-control") {
        for d in v.split(|b| *b == b',') {
            let d = d.trim_ascii();
            let Some(eq) = d.iter().position(|b| *b == b'=') else {
                continue;
            };
            let (name, val) = (d[..eq].trim_ascii(), d[eq + 1..].trim_ascii());
            let val = val.strip_prefix(b"\"").unwrap_or(val);
            let val = val.strip_suffix(b"\"").unwrap_or(val);
            let n = parse_secs(val);
            if name.eq_ignore_ascii_case(b"s-maxage") && s_maxage.is_none() {
                s_maxage = Some(n);
            } else if name.eq_ignore_ascii_case(b"max-age") && maxage.is_none() {
                maxage = Some(n);
            }
        }
    }
    match s_maxage.or(maxage) {
        Some(n) => n.max(0),
        None => -1,
    }
}

/// A delta-seconds value as ATS cooks it (leading digits, an optional `-`; capped).
fn parse_secs(v: &[u8]) -> c_int {
    let (neg, digits) = match v.strip_prefix(b"-") {
        Some(rest) => (true, rest),
        None => (false, v),
    };
    let mut n: i64 = 0;
    for d in digits.iter().take_while(|b| b.is_ascii_digit()) {
        n = (n * 10 + i64::from(d - b'0')).min(i64::from(c_int::MAX));
    }
    if neg {
        -(n as c_int)
    } else {
        n as c_int
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(cc: &[&str]) -> c_int {
        let mut text = b"HTTP/1.1 200 OK\r\n".to_vec();
        for v in cc {
            text.extend_from_slice(format!("Cache-Control: {v}\r\n").as_bytes());
        }
        text.extend_from_slice(b"\r\n");
        crate::hdrs::parse::parse_response(&text, false)
            .unwrap()
            .0
            .with(max_age)
    }

    #[test]
    fn max_age_prefers_s_maxage_and_reads_negative_as_zero() {
        assert_eq!((resp(&[])), -1);
        assert_eq!((resp(&["public, max-age=60"])), 60);
        assert_eq!((resp(&["max-age=60", "s-maxage=5"])), 5);
        assert_eq!((resp(&["max-age=-3"])), 0);
        assert_eq!((resp(&["no-cache"])), -1);
    }
}
