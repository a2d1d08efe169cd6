//! ts.h and experimental.h: fetches, requests tshost makes through its own HTTP engine for a
//! plugin. TSFetchUrl and TSFetchPages take a whole request and give the whole response
//! (TSFetchRespGet, TSFetchPageRespGet; `crate::proxy::fetch`); TSFetchCreate and its family build
//! the request piece by piece and stream the response (TSFetchReadData, TSFetchRespHdrMBufGet;
//! `crate::proxy::fetch_stream`). A TSFetchSM is either kind; TSFetchFlagSet and the user data
//! work on both.
use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_void};
use std::sync::Arc;

use super::addr::sockaddr_of;
use super::cont::cont_arg;
use super::{guard, here, Here};
use crate::proxy::fetch::{self, Fetch, FETCHES};
use crate::proxy::fetch_stream::{self, Stream, STREAMS};
use crate::sys::types::{
    TSCont, TSFetchEvent, TSFetchSM, TSFetchUrlParams_t, TSFetchWakeUpOptionsRaw, TSHttpTxn,
    TSMBuffer, TSMLoc, TSReturnCodeRaw, TS_ERROR, TS_SUCCESS,
};

/// The most entries of a TSFetchPages list taken (a longer one is cut, logged: a cycle).
const MAX_PAGES: usize = 10_000;

/// A live fetch of either kind.
enum AnyFetch {
    Url(Arc<Fetch>),
    Stream(Arc<Stream>),
}

/// The fetch of a handle; None (logged) for one that is not a live fetch.
fn fetch_arg(who: Here, h: TSFetchSM) -> Option<AnyFetch> {
    if let Some(f) = FETCHES.get(h as usize) {
        return Some(AnyFetch::Url(f));
    }
    if let Some(s) = STREAMS.get(h as usize) {
        return Some(AnyFetch::Stream(s));
    }
    if h.is_null() {
        crate::error!("{who}: NULL fetch");
    } else if FETCHES.owns(h as usize) || STREAMS.owns(h as usize) {
        crate::error!("{who}: fetch {h:p} is over (destroyed, or its TSFetchUrl ended)");
    } else {
        crate::error!("{who}: {h:p} is not a TSFetchSM");
    }
    None
}

/// The streaming fetch of a handle (TSFetchCreate's); None (logged) otherwise.
fn stream_arg(who: Here, h: TSFetchSM) -> Option<Arc<Stream>> {
    match fetch_arg(who, h)? {
        AnyFetch::Stream(s) => Some(s),
        AnyFetch::Url(_) => {
            crate::error!("{who}: {h:p} is a TSFetchUrl fetch, not a TSFetchCreate one");
            None
        }
    }
}

/// `len` bytes at `p` (`len` -1: up to its NUL, as ATS), copied; None (logged) for NULL or a bad
/// length.
///
/// # Safety
/// `p` is NULL, or has `len` readable bytes (NUL-terminated for -1).
unsafe fn bytes_arg(who: Here, what: &str, p: *const c_char, len: c_int) -> Option<Vec<u8>> {
    if p.is_null() || len < -1 {
        crate::error!("{who}: NULL {what} or length {len}");
        return None;
    }
    if len == -1 {
        // SAFETY: non-NULL and NUL-terminated (this function's contract).
        return Some(unsafe { CStr::from_ptr(p) }.to_bytes().to_vec());
    }
    // SAFETY: non-NULL with `len` readable bytes (this function's contract).
    Some(unsafe { std::slice::from_raw_parts(p.cast::<u8>(), len as usize) }.to_vec())
}

/// Start one TSFetchUrl-style fetch: its handle, or NULL (logged).
fn start_fetch(
    who: Here,
    request: Vec<u8>,
    client: std::net::SocketAddr,
    contp: TSCont,
    options: TSFetchWakeUpOptionsRaw,
    event: TSFetchEvent,
) -> TSFetchSM {
    if request.is_empty() {
        crate::error!("{who}: empty request");
        return std::ptr::null_mut();
    }
    if !(0..=2).contains(&options) {
        crate::error!("{who}: {options} is not a TSFetchWakeUpOptions");
        return std::ptr::null_mut();
    }
    let cont = if options == fetch::NO_CALLBACK && contp.is_null() {
        None
    } else {
        match cont_arg(who, contp) {
            Some(c) => Some(c),
            None => return std::ptr::null_mut(),
        }
    };
    let wake = fetch::Wakeup {
        cont,
        options,
        success: event.success_event_id,
        failure: event.failure_event_id,
    };
    match fetch::fetch_url(request, client, wake) {
        Ok(h) => h as TSFetchSM,
        Err(e) => {
            crate::error!("{who}: {e}");
            std::ptr::null_mut()
        }
    }
}

/// Make the request `request` (`request_len` bytes of a raw HTTP/1 request; -1: up to its NUL)
/// through tshost as an internal session from `addr` (tag `fetchSM`), and read its response to
/// the session's end: with AFTER_BODY `contp` gets `event.success_event_id` with the fetch
/// (TSFetchRespGet reads the response) then; with AFTER_HEADER, once the head is in
/// (TSFetchPageRespGet) and again at the end; `event.failure_event_id` (edata NULL) when no
/// response came; NO_CALLBACK, nothing (`contp` may be NULL). Each call holds `contp`'s mutex;
/// the fetch lives until the last one returns. A request without a `Connection` field should
/// say `Connection: close` (or be HTTP/1.0): the fetch ends when the session does. NULL (logged)
/// for bad arguments or when no proxy runs.
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
        // SAFETY: `request_len` readable bytes, or NUL-terminated for -1 (the contract).
        let Some(bytes) = (unsafe { bytes_arg(who, "request", request, request_len) }) else {
            return std::ptr::null_mut();
        };
        // SAFETY: the plugin's sockaddr, or NULL (checked by sockaddr_of).
        let Some(client) = (unsafe { sockaddr_of(who, addr) }) else {
            crate::error!("{who}: NULL or non-IP client address");
            return std::ptr::null_mut();
        };
        start_fetch(who, bytes, client, contp, callback_options, event)
    })
}

/// TSFetchUrl for each entry of the list `params` (through `next`, at most 10000): its
/// `request` and `request_len`, the client address `ip` (`port` is not used: `ip`'s port is),
/// `contp`, `options` and `events`. An entry with bad arguments is logged and skipped; the
/// others go on.
#[no_mangle]
pub unsafe extern "C" fn TSFetchPages(params: *mut TSFetchUrlParams_t) {
    guard!((), || {
        let who = here!();
        if params.is_null() {
            crate::error!("{who}: NULL params");
            return;
        }
        let mut p = params.cast_const();
        let mut n = 0;
        while !p.is_null() {
            if n == MAX_PAGES {
                crate::error!("{who}: more than {MAX_PAGES} fetches (a cycle?): the rest dropped");
                return;
            }
            n += 1;
            // SAFETY: non-NULL, a TSFetchUrlParams_t of the plugin's list (the contract).
            let e = unsafe { &*p };
            // SAFETY: the plugin's request (`request_len` bytes, or NUL-terminated for -1).
            let bytes = unsafe { bytes_arg(who, "request", e.request, e.request_len) };
            let ip = std::ptr::addr_of!(e.ip).cast::<libc::sockaddr>();
            // SAFETY: a sockaddr_storage, large enough for any family sockaddr_of reads.
            let client = unsafe { sockaddr_of(who, ip) };
            match (bytes, client) {
                (Some(b), Some(c)) => {
                    let _ = start_fetch(who, b, c, e.contp, e.options, e.events);
                }
                (_, None) => crate::error!("{who}: entry {n}: non-IP client address; skipped"),
                _ => crate::error!("{who}: entry {n} skipped"),
            }
            p = e.next.cast_const();
        }
    })
}

/// The response a TSFetchUrl fetch got, head and body as received (NUL-terminated; with
/// TS_FETCH_FLAGS_DECHUNK set by TSFetchFlagSet, a chunked body's payload alone), and its length
/// in `*length`; valid during the fetch's callback. NULL (logged, `*length` 0) for a handle that
/// is not a live TSFetchUrl fetch.
#[no_mangle]
pub unsafe extern "C" fn TSFetchRespGet(txnp: TSHttpTxn, length: *mut c_int) -> *mut c_char {
    guard!(std::ptr::null_mut(), || {
        let who = here!();
        if length.is_null() {
            crate::error!("{who}: NULL length");
            return std::ptr::null_mut();
        }
        let Some(f) = FETCHES.get(txnp as usize) else {
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

/// The response head of a TSFetchUrl fetch (in an AFTER_HEADER or later callback): `*bufp` and
/// `*offset`. TS_ERROR before the head came, or (logged) for a handle that is not a live fetch.
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
        let Some(f) = FETCHES.get(txnp as usize) else {
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

/// Sets a fetch's TS_FETCH_FLAGS_* (replacing them, as ATS). On a TSFetchUrl fetch, DECHUNK (or
/// STREAM) makes TSFetchRespGet give a chunked body's payload alone, if set before the response
/// is complete; its events stay TSFetchUrl's. On a TSFetchCreate fetch STREAM stays set, and
/// DECHUNK counts if set before the response head arrives. Unknown bits, or a handle that is not
/// a live fetch, are logged and change nothing.
#[no_mangle]
pub extern "C" fn TSFetchFlagSet(fetch_sm: TSFetchSM, flags: c_int) {
    guard!((), || {
        let who = here!();
        if flags & !fetch_stream::flags::ALL != 0 {
            crate::error!("{who}: {flags:#x} has bits that are not TSFetchFlags");
            return;
        }
        match fetch_arg(who, fetch_sm) {
            Some(AnyFetch::Url(f)) => f.set_flags(flags),
            Some(AnyFetch::Stream(s)) => s.set_flags(flags),
            None => {}
        }
    })
}

/// A C string argument; None (logged) for NULL.
///
/// # Safety
/// `p` is NULL or NUL-terminated.
unsafe fn cstr_arg<'a>(who: Here, what: &str, p: *const c_char) -> Option<&'a [u8]> {
    if p.is_null() {
        crate::error!("{who}: NULL {what}");
        return None;
    }
    // SAFETY: non-NULL and NUL-terminated (this function's contract).
    Some(unsafe { CStr::from_ptr(p) }.to_bytes())
}

/// A streaming fetch (ATS's FetchSM with TS_FETCH_FLAGS_STREAM, always set): the request line
/// `method url version` from `client_addr`; add fields with TSFetchHeaderAdd, then TSFetchLaunch,
/// then the body with TSFetchWriteData (as much as its Content-Length field says). `contp` gets,
/// with the fetch as edata and its mutex held: TS_FETCH_EVENT_EXT_HEAD_DONE when the response
/// head is in (TSFetchRespHdrMBufGet, TSFetchRespHdrMLocGet); TS_FETCH_EVENT_EXT_BODY_READY as
/// body bytes come (TSFetchReadData takes them; the fetch reads on while fewer than 1 MiB wait);
/// TS_FETCH_EVENT_EXT_BODY_DONE when the body is complete, or the session ended after the head;
/// TS_EVENT_VCONN_EOS if the session ended before a head, TS_EVENT_ERROR if the response is
/// malformed. `flags`: TS_FETCH_FLAGS_DECHUNK (a chunked body reads as its payload alone),
/// TS_FETCH_FLAGS_NOT_INTERNAL_REQUEST (the session is not internal), TS_FETCH_FLAGS_NEWLOCK
/// (accepted: events always hold `contp`'s mutex). The session's plugin tag is `fetchSM`. Free
/// with TSFetchDestroy. NULL (logged) for bad arguments or when no proxy runs.
#[no_mangle]
pub unsafe extern "C" fn TSFetchCreate(
    contp: TSCont,
    method: *const c_char,
    url: *const c_char,
    version: *const c_char,
    client_addr: *const libc::sockaddr,
    flags: c_int,
) -> TSFetchSM {
    guard!(std::ptr::null_mut(), || {
        let who = here!();
        let Some(cont) = cont_arg(who, contp) else {
            return std::ptr::null_mut();
        };
        if flags & !fetch_stream::flags::ALL != 0 {
            crate::error!("{who}: {flags:#x} has bits that are not TSFetchFlags");
            return std::ptr::null_mut();
        }
        // SAFETY: each NULL or NUL-terminated (the function's contract).
        let (Some(m), Some(u), Some(v)) = (unsafe {
            (
                cstr_arg(who, "method", method),
                cstr_arg(who, "url", url),
                cstr_arg(who, "version", version),
            )
        }) else {
            return std::ptr::null_mut();
        };
        // SAFETY: the plugin's sockaddr, or NULL (checked by sockaddr_of).
        let Some(client) = (unsafe { sockaddr_of(who, client_addr) }) else {
            crate::error!("{who}: NULL or non-IP client address");
            return std::ptr::null_mut();
        };
        match fetch_stream::create(cont, m, u, v, client, flags) {
            Ok(h) => h as TSFetchSM,
            Err(e) => {
                crate::error!("{who}: {e}");
                std::ptr::null_mut()
            }
        }
    })
}

/// Adds the field `name: value` (`name_len` and `value_len` bytes) to a TSFetchCreate fetch's
/// request, before TSFetchLaunch; a `Content-Length` field says how much TSFetchWriteData sends.
/// Logged and ignored: NULL or negative lengths, a launched fetch, a handle that is not a live
/// TSFetchCreate fetch.
#[no_mangle]
pub unsafe extern "C" fn TSFetchHeaderAdd(
    fetch_sm: TSFetchSM,
    name: *const c_char,
    name_len: c_int,
    value: *const c_char,
    value_len: c_int,
) {
    guard!((), || {
        let who = here!();
        let Some(s) = stream_arg(who, fetch_sm) else {
            return;
        };
        if name_len < 0 || value_len < 0 {
            crate::error!("{who}: negative length");
            return;
        }
        // SAFETY: `name_len`/`value_len` readable bytes (the contract); lengths checked >= 0.
        let (Some(n), Some(v)) = (unsafe {
            (
                bytes_arg(who, "name", name, name_len),
                bytes_arg(who, "value", value, value_len),
            )
        }) else {
            return;
        };
        if let Err(e) = s.add_header(&n, &v) {
            crate::error!("{who}: {e}");
        }
    })
}

/// Sends `len` bytes at `data` as the request body of a launched TSFetchCreate fetch (after
/// TSFetchLaunch, as in ATS), up to the Content-Length field it has (bytes beyond it are dropped,
/// logged; no field: nothing is sent, as ATS). Logged and ignored: NULL data with a length, a
/// fetch not launched, a handle that is not a live TSFetchCreate fetch.
#[no_mangle]
pub unsafe extern "C" fn TSFetchWriteData(fetch_sm: TSFetchSM, data: *const c_void, len: usize) {
    guard!((), || {
        let who = here!();
        let Some(s) = stream_arg(who, fetch_sm) else {
            return;
        };
        if len == 0 {
            return;
        }
        if data.is_null() || len > isize::MAX as usize {
            crate::error!("{who}: NULL data or bad length {len}");
            return;
        }
        // SAFETY: non-NULL with `len` readable bytes (the function's contract).
        let bytes = unsafe { std::slice::from_raw_parts(data.cast::<u8>(), len) };
        match s.write(bytes) {
            Ok(n) if n < len => crate::error!(
                "{who}: {} bytes beyond the request's Content-Length dropped",
                len - n
            ),
            Ok(_) => {}
            Err(e) => crate::error!("{who}: {e}"),
        }
    })
}

/// Copies up to `len` response body bytes of a TSFetchCreate fetch into `buf` and returns how
/// many (0: none waiting, or the head has not come). With TS_FETCH_FLAGS_DECHUNK a chunked body's
/// payload. -1 (logged) for a NULL `buf` with a length or a handle that is not a live
/// TSFetchCreate fetch.
#[no_mangle]
pub unsafe extern "C" fn TSFetchReadData(
    fetch_sm: TSFetchSM,
    buf: *mut c_void,
    len: usize,
) -> libc::ssize_t {
    guard!(-1, || {
        let who = here!();
        let Some(s) = stream_arg(who, fetch_sm) else {
            return -1;
        };
        if len == 0 {
            return 0;
        }
        if buf.is_null() || len > isize::MAX as usize {
            crate::error!("{who}: NULL buffer or bad length {len}");
            return -1;
        }
        // SAFETY: non-NULL with `len` writable bytes (the function's contract).
        let out = unsafe { std::slice::from_raw_parts_mut(buf.cast::<u8>(), len) };
        s.read(out) as libc::ssize_t
    })
}

/// Ends a TSFetchCreate fetch's head and sends it: the fetch runs. Logged and ignored: a fetch
/// launched already, a handle that is not a live TSFetchCreate fetch. When the proxy is gone,
/// logged, and the continuation gets TS_EVENT_ERROR.
#[no_mangle]
pub extern "C" fn TSFetchLaunch(fetch_sm: TSFetchSM) {
    guard!((), || {
        let who = here!();
        let Some(s) = stream_arg(who, fetch_sm) else {
            return;
        };
        if let Err(e) = fetch_stream::launch(&s) {
            crate::error!("{who}: {e}");
        }
    })
}

/// Ends a TSFetchCreate fetch: no event comes after it (also when called in one), its session
/// ends, and the handle is dead. Logged and ignored: a TSFetchUrl fetch (tshost frees it at its
/// end), a handle that is not a live fetch.
#[no_mangle]
pub extern "C" fn TSFetchDestroy(fetch_sm: TSFetchSM) {
    guard!((), || {
        if let Some(s) = stream_arg(here!(), fetch_sm) {
            s.destroy();
        }
    })
}

/// Keeps `data` with a fetch (either kind) for TSFetchUserDataGet. A handle that is not a live
/// fetch is logged and ignored.
#[no_mangle]
pub extern "C" fn TSFetchUserDataSet(fetch_sm: TSFetchSM, data: *mut c_void) {
    guard!((), || match fetch_arg(here!(), fetch_sm) {
        Some(AnyFetch::Url(f)) => f.set_user_data(data as usize),
        Some(AnyFetch::Stream(s)) => s.set_user_data(data as usize),
        None => {}
    })
}

/// The data TSFetchUserDataSet kept with a fetch (NULL if none; NULL, logged, for a handle that
/// is not a live fetch).
#[no_mangle]
pub extern "C" fn TSFetchUserDataGet(fetch_sm: TSFetchSM) -> *mut c_void {
    guard!(std::ptr::null_mut(), || {
        match fetch_arg(here!(), fetch_sm) {
            Some(AnyFetch::Url(f)) => f.user_data() as *mut c_void,
            Some(AnyFetch::Stream(s)) => s.user_data() as *mut c_void,
            None => std::ptr::null_mut(),
        }
    })
}

/// The response head of a fetch (either kind), once it came: the head's parsed form lives with
/// the fetch.
fn resp_head(who: Here, fetch_sm: TSFetchSM) -> Option<Arc<crate::hdrs::MBuffer>> {
    match fetch_arg(who, fetch_sm)? {
        AnyFetch::Url(f) => f.head(),
        AnyFetch::Stream(s) => s.head(),
    }
}

/// The TSMBuffer of a fetch's response head (from TS_FETCH_EVENT_EXT_HEAD_DONE on; valid while
/// the fetch lives). NULL before the head came and (logged) for a handle that is not a live
/// fetch.
#[no_mangle]
pub extern "C" fn TSFetchRespHdrMBufGet(fetch_sm: TSFetchSM) -> TSMBuffer {
    guard!(std::ptr::null_mut(), || {
        resp_head(here!(), fetch_sm).map_or(std::ptr::null_mut(), |h| h.handle() as TSMBuffer)
    })
}

/// The TSMLoc of a fetch's response head, with TSFetchRespHdrMBufGet's buffer. TS_NULL_MLOC
/// before the head came and (logged) for a handle that is not a live fetch.
#[no_mangle]
pub extern "C" fn TSFetchRespHdrMLocGet(fetch_sm: TSFetchSM) -> TSMLoc {
    guard!(std::ptr::null_mut(), || {
        resp_head(here!(), fetch_sm).map_or(std::ptr::null_mut(), |h| h.hdr_loc() as TSMLoc)
    })
}
