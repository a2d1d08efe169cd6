//! ts.h: requests a plugin makes itself (TSHttpConnect, TSHttpConnectWithPluginId, TSFetchUrl with
//! TSFetchRespGet and TSFetchPageRespGet) and the tag of such a transaction
//! (TSHttpTxnPluginTagGet); the work in `crate::proxy::connect` and `crate::proxy::fetch`.
use std::ffi::CStr;
use std::os::raw::{c_char, c_int};

use super::addr::sockaddr_of;
use super::cont::cont_arg;
use super::http::txn_arg;
use super::{guard, here, Here};
use crate::proxy::fetch;
use crate::sys::types::{
    TSCont, TSFetchEvent, TSFetchSM, TSFetchWakeUpOptionsRaw, TSHttpTxn, TSMBuffer, TSMLoc,
    TSReturnCodeRaw, TSVConn, TS_ERROR, TS_SUCCESS,
};

/// Make the session; NULL (logged) when no proxy runs.
fn connect(who: Here, addr: *const libc::sockaddr, tag: Option<&str>, id: i64) -> TSVConn {
    // SAFETY: the plugin's sockaddr, or NULL (checked by sockaddr_of).
    let Some(client) = (unsafe { sockaddr_of(who, addr) }) else {
        return std::ptr::null_mut();
    };
    match crate::proxy::connect::connect(client, tag, id) {
        Ok(h) => h as TSVConn,
        Err(e) => {
            crate::error!("{who}: {e}");
            std::ptr::null_mut()
        }
    }
}

/// A VConnection to tshost's HTTP engine: the plugin writes HTTP/1 requests into it
/// (TSVConnWrite) and reads the responses (TSVConnRead), as from a client connecting from
/// `addr`. The session is internal (TSHttpSsnIsInternal/TSHttpTxnIsInternal 1, no client
/// socket) and runs every hook. As in ATS, its first response closes it (`Connection: close`)
/// unless proxy.config.http.keepalive_internal_vc is 1; then it is kept alive between requests
/// until the plugin closes the VConnection or proxy.config.http.keep_alive_no_activity_timeout_in
/// passes. The plugin's read then gets TS_EVENT_VCONN_EOS. NULL (logged) for a NULL or unusable address, or when no proxy
/// runs in the process.
#[no_mangle]
pub unsafe extern "C" fn TSHttpConnect(addr: *const libc::sockaddr) -> TSVConn {
    guard!(std::ptr::null_mut(), || connect(here!(), addr, None, 0))
}

/// TSHttpConnect, with the plugin's `tag` and `id` on the session (TSHttpTxnPluginTagGet; ATS
/// logs them). `tag` NULL: none.
#[no_mangle]
pub unsafe extern "C" fn TSHttpConnectWithPluginId(
    addr: *const libc::sockaddr,
    tag: *const c_char,
    id: i64,
) -> TSVConn {
    guard!(std::ptr::null_mut(), || {
        let who = here!();
        let tag = if tag.is_null() {
            None
        } else {
            // SAFETY: non-NULL and NUL-terminated (the function's contract).
            Some(
                unsafe { CStr::from_ptr(tag) }
                    .to_string_lossy()
                    .into_owned(),
            )
        };
        connect(who, addr, tag.as_deref(), id)
    })
}

/// The tag of the plugin that made the transaction's session (TSHttpConnectWithPluginId); NULL
/// for other sessions and (logged) for a dead transaction. Valid while the session lives.
#[no_mangle]
pub extern "C" fn TSHttpTxnPluginTagGet(txnp: TSHttpTxn) -> *const c_char {
    guard!(std::ptr::null(), || {
        txn_arg(here!(), txnp)
            .and_then(|t| t.ssn.client.plugin_tag.as_ref().map(|c| c.as_ptr()))
            .unwrap_or(std::ptr::null())
    })
}

/// Make the request `request` (`request_len` bytes of a raw HTTP/1 request) through tshost as an
/// internal session from `addr`, and read its response to the session's end: with AFTER_BODY
/// `contp` gets `event.success_event_id` with the fetch (TSFetchRespGet reads the response)
/// then; with AFTER_HEADER, once the head is in (TSFetchPageRespGet) and again at the end;
/// `event.failure_event_id` (edata NULL) when no response came; NO_CALLBACK, nothing
/// (`contp` may be NULL). Each call holds `contp`'s mutex; the fetch lives until the last one
/// returns. A request without a `Connection` field should say `Connection: close` (or be
/// HTTP/1.0): the fetch ends when the session does. NULL (logged) for bad arguments or when no
/// proxy runs.
#[no_mangle]
pub unsafe extern "C" fn TSFetchUrl(
    request: *const c_char,
    request_len: c_int,
    addr: *const libc::sockaddr,
    contp: TSCont,
    callback_options: TSFetchWakeUpOptionsRaw,
    event: TSFetchEvent,
) -> TSFetchSM {
    guard!(std::ptr::null_mut(), || {
        let who = here!();
        if request.is_null() || request_len <= 0 {
            crate::error!("{who}: NULL or empty request");
            return std::ptr::null_mut();
        }
        if !(0..=2).contains(&callback_options) {
            crate::error!("{who}: {callback_options} is not a TSFetchWakeUpOptions");
            return std::ptr::null_mut();
        }
        let cont = if callback_options == fetch::NO_CALLBACK && contp.is_null() {
            None
        } else {
            match cont_arg(who, contp) {
                Some(c) => Some(c),
                None => return std::ptr::null_mut(),
            }
        };
        // SAFETY: the plugin's sockaddr, or NULL (checked by sockaddr_of).
        let Some(client) = (unsafe { sockaddr_of(who, addr) }) else {
            return std::ptr::null_mut();
        };
        // SAFETY: `request_len` readable bytes (the function's contract), copied now.
        let bytes =
            unsafe { std::slice::from_raw_parts(request.cast::<u8>(), request_len as usize) }
                .to_vec();
        let wake = fetch::Wakeup {
            cont,
            options: callback_options,
            success: event.success_event_id,
            failure: event.failure_event_id,
        };
        match fetch::fetch_url(bytes, client, wake) {
            Ok(h) => h as TSFetchSM,
            Err(e) => {
                crate::error!("{who}: {e}");
                std::ptr::null_mut()
            }
        }
    })
}

/// The response a fetch got, head and body as received (NUL-terminated), and its length in
/// `*length`; valid during the fetch's callback. NULL (logged, `*length` 0) for a handle that is
/// not a live fetch.
#[no_mangle]
pub unsafe extern "C" fn TSFetchRespGet(txnp: TSHttpTxn, length: *mut c_int) -> *mut c_char {
    guard!(std::ptr::null_mut(), || {
        let who = here!();
        if length.is_null() {
            crate::error!("{who}: NULL length");
            return std::ptr::null_mut();
        }
        let Some(f) = fetch::FETCHES.get(txnp as usize) else {
            crate::error!("{who}: {txnp:p} is not a live fetch (TSFetchUrl)");
            // SAFETY: non-NULL (checked above).
            unsafe { *length = 0 };
            return std::ptr::null_mut();
        };
        let (p, n) = f.response();
        // SAFETY: non-NULL (checked above).
        unsafe { *length = n.min(c_int::MAX as usize) as c_int };
        p.cast_mut().cast()
    })
}

/// The response head of a fetch (in an AFTER_HEADER or later callback): `*bufp` and `*offset`.
/// TS_ERROR before the head came, or (logged) for a handle that is not a live fetch.
#[no_mangle]
pub unsafe extern "C" fn TSFetchPageRespGet(
    txnp: TSHttpTxn,
    bufp: *mut TSMBuffer,
    offset: *mut TSMLoc,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        if bufp.is_null() || offset.is_null() {
            crate::error!("{who}: NULL bufp or offset");
            return TS_ERROR;
        }
        let Some(f) = fetch::FETCHES.get(txnp as usize) else {
            crate::error!("{who}: {txnp:p} is not a live fetch (TSFetchUrl)");
            return TS_ERROR;
        };
        match f.head() {
            Some(h) => {
                // SAFETY: both non-NULL (checked above) and writable (the function's contract).
                unsafe {
                    *bufp = h.handle() as TSMBuffer;
                    *offset = h.hdr_loc() as TSMLoc;
                }
                TS_SUCCESS
            }
            None => TS_ERROR,
        }
    })
}
