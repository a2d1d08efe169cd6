//! Headers: `TSMBuffer`/`TSMLoc`, HTTP headers, URLs and MIME fields (ATS 9.2 InkAPI.cc over
//! proxy/hdrs/), the transaction's four headers, and the well-known string data symbols
//! (`TS_MIME_FIELD_*`, `TS_HTTP_METHOD_*`, `TS_HTTP_VALUE_*`, `TS_URL_SCHEME_*` and lengths).
//!
//! The model is src/hdrs/. Where ATS aborts (a NULL, dead or foreign TSMBuffer, a TSMLoc of the
//! wrong kind or heap, a NULL out-pointer or string, a negative index where ATS asserts) tshost
//! logs the call and answers with an error value: TS_ERROR, NULL / TS_NULL_MLOC, 0. Where ATS
//! quietly answers TS_ERROR (a read-only heap, a field handle released against another header) so
//! does tshost. Returned strings are not NUL-terminated slices (tshost stores a NUL after each
//! anyway) valid until that string is changed or its heap destroyed.
use std::os::raw::{c_char, c_int, c_uint};
use std::ptr::null;
use std::sync::Arc;

use super::guard;
use super::http::txn_arg;
use super::types::{
    TSHttpStatusRaw, TSHttpTxn, TSHttpTypeRaw, TSMBuffer, TSMLoc, TSParseResultRaw, TSReturnCodeRaw,
};
use crate::hdrs::http::{parse_int, parse_int64, parse_uint, Field};
use crate::hdrs::tokens::{self, bytes};
use crate::hdrs::url::Part;
use crate::hdrs::{self, HdrType, Heap, HttpHdr, MBuffer, Target, TxnHeaders, Url};

use super::types::{TS_ERROR, TS_SUCCESS};
const TS_PARSE_ERROR: TSParseResultRaw = -1;
const TS_PARSE_DONE: TSParseResultRaw = 0;
const NULL_LOC: TSMLoc = std::ptr::null_mut();

// -------------------------------------------------------------------------------------------------
// Argument checks

/// The live heap behind a TSMBuffer.
fn heap_arg(who: &str, bufp: TSMBuffer) -> Option<Arc<MBuffer>> {
    let b = MBuffer::from_handle(bufp as usize);
    if b.is_none() {
        crate::error!("{who}: {bufp:p} is not a live TSMBuffer");
    }
    b
}

/// What a TSMLoc of heap `b` refers to.
fn loc_arg(who: &str, b: &MBuffer, loc: TSMLoc) -> Option<Target> {
    match hdrs::loc_target(loc as usize) {
        Some((buf, t)) if buf == b.handle_made() => Some(t),
        Some(_) => {
            crate::error!(
                "{who}: TSMLoc {loc:p} belongs to another TSMBuffer than {:#x}",
                b.handle_made()
            );
            None
        }
        None => {
            crate::error!(
                "{who}: {loc:p} is not a live TSMLoc (NULL, released, or its heap destroyed)"
            );
            None
        }
    }
}

/// The HTTP header a TSMLoc names.
fn hdr_arg(who: &str, b: &MBuffer, loc: TSMLoc) -> Option<u32> {
    match loc_arg(who, b, loc)? {
        Target::Hdr(id) => Some(id),
        t => {
            crate::error!("{who}: TSMLoc {loc:p} is not an HTTP header ({t:?})");
            None
        }
    }
}

/// A URL TSMLoc.
fn url_arg(who: &str, b: &MBuffer, loc: TSMLoc) -> Option<Target> {
    match loc_arg(who, b, loc)? {
        t @ (Target::HdrUrl(_) | Target::Url(_)) => Some(t),
        t => {
            crate::error!("{who}: TSMLoc {loc:p} is not a URL ({t:?})");
            None
        }
    }
}

/// A field handle of header `hdr`.
fn field_arg(who: &str, b: &MBuffer, hdr: u32, loc: TSMLoc) -> Option<u64> {
    match loc_arg(who, b, loc)? {
        Target::Field { hdr: h, field } if h == hdr => Some(field),
        Target::Field { .. } => {
            crate::error!("{who}: field {loc:p} is not a field of the header given");
            None
        }
        t => {
            crate::error!("{who}: TSMLoc {loc:p} is not a field ({t:?})");
            None
        }
    }
}

/// Bytes from C: `len < 0` means NUL-terminated. Copied, so that a value taken from the heap
/// itself can be written back.
///
/// # Safety
/// `p` is NULL, or a NUL-terminated string when `len < 0`, or else has `len` readable bytes.
unsafe fn c_bytes(p: *const c_char, len: c_int) -> Option<Vec<u8>> {
    if p.is_null() {
        return None;
    }
    let n = if len < 0 {
        // SAFETY: non-NULL, and NUL-terminated since len < 0 (this function's contract).
        unsafe { libc::strlen(p) }
    } else {
        len as usize
    };
    // SAFETY: non-NULL with n readable bytes (strlen above, or `len`: this function's contract);
    // copied at once, so nothing outlives the call.
    Some(unsafe { std::slice::from_raw_parts(p.cast::<u8>(), n) }.to_vec())
}

/// A string argument ATS requires (it aborts on NULL).
///
/// # Safety
/// As c_bytes.
unsafe fn req_bytes(who: &str, what: &str, p: *const c_char, len: c_int) -> Option<Vec<u8>> {
    // SAFETY: the same arguments, under the same contract.
    let b = unsafe { c_bytes(p, len) };
    if b.is_none() {
        crate::error!("{who}: NULL {what}");
    }
    b
}

/// Check an out-pointer ATS requires.
fn out_arg<T>(who: &str, what: &str, p: *mut T) -> Option<*mut T> {
    if p.is_null() {
        crate::error!("{who}: NULL {what}");
        None
    } else {
        Some(p)
    }
}

/// Hand a (pointer, length) string to C; NULL and 0 for none.
///
/// # Safety
/// `length` is non-NULL and writable (callers check it with out_arg).
unsafe fn give(s: Option<(*const c_char, usize)>, length: *mut c_int) -> *const c_char {
    let (p, n) = s.unwrap_or((null(), 0));
    // SAFETY: non-NULL and writable (this function's contract).
    unsafe { *length = n as c_int };
    p
}

fn hstr(s: Option<&hdrs::text::HStr>) -> Option<(*const c_char, usize)> {
    s.map(|s| (s.as_ptr(), s.len()))
}

/// A slice of a stored string, for C.
fn slice(s: Option<&[u8]>) -> Option<(*const c_char, usize)> {
    s.map(|s| (s.as_ptr().cast(), s.len()))
}

/// Run `f` on heap `bufp` locked and header `hdr` of it. `write`: refused (quietly, as ATS) on a
/// read-only heap.
fn with_hdr<R>(
    who: &str,
    bufp: TSMBuffer,
    hdr: TSMLoc,
    write: bool,
    fallback: R,
    f: impl FnOnce(&mut Heap, u32) -> R,
) -> R {
    let Some(b) = heap_arg(who, bufp) else {
        return fallback;
    };
    let Some(id) = hdr_arg(who, &b, hdr) else {
        return fallback;
    };
    if write && !b.is_writable() {
        return fallback;
    }
    let mut heap = b.lock();
    if heap.hdr(id).is_none() {
        crate::error!("{who}: the header {hdr:p} is gone");
        return fallback;
    }
    f(&mut heap, id)
}

/// Run `f` on header `hdr` of heap `bufp`.
fn with_http<R>(
    who: &str,
    bufp: TSMBuffer,
    hdr: TSMLoc,
    write: bool,
    fallback: R,
    f: impl FnOnce(&mut HttpHdr) -> R,
) -> R {
    with_hdr(who, bufp, hdr, write, fallback, |heap, id| {
        f(&mut heap.hdr(id).unwrap().hdr)
    })
}

/// Run `f` on field `field` of header `hdr` of heap `bufp`.
fn with_field<R>(
    who: &str,
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    write: bool,
    fallback: R,
    f: impl FnOnce(&mut Field) -> R,
) -> R {
    let Some(b) = heap_arg(who, bufp) else {
        return fallback;
    };
    let Some(id) = hdr_arg(who, &b, hdr) else {
        return fallback;
    };
    let Some(fid) = field_arg(who, &b, id, field) else {
        return fallback;
    };
    if write && !b.is_writable() {
        return fallback;
    }
    let mut heap = b.lock();
    match heap.hdr(id).and_then(|o| o.hdr.field_by_id_mut(fid)) {
        Some(fld) => f(fld),
        None => {
            crate::error!("{who}: field {field:p} was destroyed");
            fallback
        }
    }
}

/// Run `f` on URL `url` of heap `bufp`.
fn with_url<R>(
    who: &str,
    bufp: TSMBuffer,
    url: TSMLoc,
    write: bool,
    fallback: R,
    f: impl FnOnce(&mut Url) -> R,
) -> R {
    let Some(b) = heap_arg(who, bufp) else {
        return fallback;
    };
    let Some(t) = url_arg(who, &b, url) else {
        return fallback;
    };
    if write && !b.is_writable() {
        return fallback;
    }
    let mut heap = b.lock();
    match heap.url(t) {
        Some(u) => f(u),
        None => {
            crate::error!("{who}: the URL {url:p} is gone");
            fallback
        }
    }
}

/// A copy of the header or URL behind a TSMLoc of any heap (for the clone and copy calls).
fn copy_hdr(who: &str, bufp: TSMBuffer, hdr: TSMLoc) -> Option<HttpHdr> {
    with_http(who, bufp, hdr, false, None, |h| Some(h.clone()))
}

fn copy_url(who: &str, bufp: TSMBuffer, url: TSMLoc) -> Option<Url> {
    with_url(who, bufp, url, false, None, |u| Some(u.clone()))
}

// -------------------------------------------------------------------------------------------------
// Transaction headers

/// The header `pick` chooses of the transaction, in `*bufp` and `*offset`.
///
/// # Safety
/// `bufp` and `offset` are each NULL (refused) or writable.
unsafe fn txn_hdr(
    who: &str,
    txnp: TSHttpTxn,
    bufp: *mut TSMBuffer,
    offset: *mut TSMLoc,
    pick: fn(&TxnHeaders) -> &crate::shared::Shared<MBuffer>,
) -> TSReturnCodeRaw {
    let Some(t) = txn_arg(who, txnp) else {
        return TS_ERROR;
    };
    let (Some(bufp), Some(offset)) = (out_arg(who, "bufp", bufp), out_arg(who, "offset", offset))
    else {
        return TS_ERROR;
    };
    match pick(&t.headers).load_full() {
        Some(b) => {
            // SAFETY: both non-NULL (out_arg above) and writable (this function's contract).
            unsafe {
                *bufp = b.handle() as TSMBuffer;
                *offset = b.hdr_loc() as TSMLoc;
            }
            TS_SUCCESS
        }
        None => TS_ERROR,
    }
}

/// The client request: from TXN_START (empty until READ_REQUEST_HDR) to TXN_CLOSE.
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnClientReqGet(
    txnp: TSHttpTxn,
    bufp: *mut TSMBuffer,
    offset: *mut TSMLoc,
) -> TSReturnCodeRaw {
    guard("TSHttpTxnClientReqGet", TS_ERROR, || {
        // SAFETY: the plugin's out-pointers: NULL (refused) or writable.
        unsafe {
            txn_hdr("TSHttpTxnClientReqGet", txnp, bufp, offset, |h| {
                &h.client_req
            })
        }
    })
}

/// The request to the origin: from SEND_REQUEST_HDR.
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnServerReqGet(
    txnp: TSHttpTxn,
    bufp: *mut TSMBuffer,
    offset: *mut TSMLoc,
) -> TSReturnCodeRaw {
    guard("TSHttpTxnServerReqGet", TS_ERROR, || {
        // SAFETY: the plugin's out-pointers: NULL (refused) or writable.
        unsafe {
            txn_hdr("TSHttpTxnServerReqGet", txnp, bufp, offset, |h| {
                &h.server_req
            })
        }
    })
}

/// The origin's response: from READ_RESPONSE_HDR.
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnServerRespGet(
    txnp: TSHttpTxn,
    bufp: *mut TSMBuffer,
    offset: *mut TSMLoc,
) -> TSReturnCodeRaw {
    guard("TSHttpTxnServerRespGet", TS_ERROR, || {
        // SAFETY: the plugin's out-pointers: NULL (refused) or writable.
        unsafe {
            txn_hdr("TSHttpTxnServerRespGet", txnp, bufp, offset, |h| {
                &h.server_resp
            })
        }
    })
}

/// The response to the client: from SEND_RESPONSE_HDR.
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnClientRespGet(
    txnp: TSHttpTxn,
    bufp: *mut TSMBuffer,
    offset: *mut TSMLoc,
) -> TSReturnCodeRaw {
    guard("TSHttpTxnClientRespGet", TS_ERROR, || {
        // SAFETY: the plugin's out-pointers: NULL (refused) or writable.
        unsafe {
            txn_hdr("TSHttpTxnClientRespGet", txnp, bufp, offset, |h| {
                &h.client_resp
            })
        }
    })
}

// -------------------------------------------------------------------------------------------------
// Heaps and handles

/// TS_NULL_MLOC: success (any buffer). A header or URL: a no-op. A field handle: freed; TS_ERROR
/// if `parent` is given and is not the field's header.
#[no_mangle]
pub extern "C" fn TSHandleMLocRelease(
    bufp: TSMBuffer,
    parent: TSMLoc,
    mloc: TSMLoc,
) -> TSReturnCodeRaw {
    guard("TSHandleMLocRelease", TS_ERROR, || {
        let who = "TSHandleMLocRelease";
        if mloc.is_null() {
            return TS_SUCCESS;
        }
        let Some(b) = heap_arg(who, bufp) else {
            return TS_ERROR;
        };
        match loc_arg(who, &b, mloc) {
            None => TS_ERROR,
            Some(Target::Field { hdr, .. }) => {
                if !parent.is_null()
                    && hdrs::loc_target(parent as usize) != Some((b.handle(), Target::Hdr(hdr)))
                {
                    return TS_ERROR;
                }
                b.lock().release_field_handle(mloc as usize);
                TS_SUCCESS
            }
            Some(_) => TS_SUCCESS,
        }
    })
}

/// A new empty heap, owned by the plugin until TSMBufferDestroy.
#[no_mangle]
pub extern "C" fn TSMBufferCreate() -> TSMBuffer {
    guard("TSMBufferCreate", std::ptr::null_mut(), || {
        MBuffer::create_owned().handle() as TSMBuffer
    })
}

/// Destroy a heap made by TSMBufferCreate (every TSMLoc of it dies). A transaction's heaps are not
/// the plugin's to destroy: TS_ERROR (ATS would free them under the transaction).
#[no_mangle]
pub extern "C" fn TSMBufferDestroy(bufp: TSMBuffer) -> TSReturnCodeRaw {
    guard("TSMBufferDestroy", TS_ERROR, || {
        let Some(b) = heap_arg("TSMBufferDestroy", bufp) else {
            return TS_ERROR;
        };
        if !b.is_writable() {
            return TS_ERROR;
        }
        if b.destroy_owned() {
            TS_SUCCESS
        } else {
            crate::error!("TSMBufferDestroy: {bufp:p} was not made by TSMBufferCreate (a transaction's header?); not destroyed");
            TS_ERROR
        }
    })
}

// -------------------------------------------------------------------------------------------------
// HTTP headers

/// A new HTTP header of unknown type in the heap (give it a type with TSHttpHdrTypeSet).
#[no_mangle]
pub extern "C" fn TSHttpHdrCreate(bufp: TSMBuffer) -> TSMLoc {
    guard("TSHttpHdrCreate", NULL_LOC, || {
        let Some(b) = heap_arg("TSHttpHdrCreate", bufp) else {
            return NULL_LOC;
        };
        let loc = b.lock().add_hdr(HttpHdr::new(HdrType::Unknown));
        loc as TSMLoc
    })
}

/// A no-op, as in ATS (the header lives as long as its heap).
#[no_mangle]
pub extern "C" fn TSHttpHdrDestroy(bufp: TSMBuffer, offset: TSMLoc) {
    guard("TSHttpHdrDestroy", (), || {
        with_hdr("TSHttpHdrDestroy", bufp, offset, false, (), |_, _| ())
    })
}

/// A copy of `src_hdr` as a new header of `dest_bufp`.
#[no_mangle]
pub unsafe extern "C" fn TSHttpHdrClone(
    dest_bufp: TSMBuffer,
    src_bufp: TSMBuffer,
    src_hdr: TSMLoc,
    locp: *mut TSMLoc,
) -> TSReturnCodeRaw {
    guard("TSHttpHdrClone", TS_ERROR, || {
        let who = "TSHttpHdrClone";
        let Some(locp) = out_arg(who, "locp", locp) else {
            return TS_ERROR;
        };
        let Some(dest) = heap_arg(who, dest_bufp) else {
            return TS_ERROR;
        };
        let Some(h) = copy_hdr(who, src_bufp, src_hdr) else {
            return TS_ERROR;
        };
        if !dest.is_writable() {
            return TS_ERROR;
        }
        // SAFETY: `locp` is non-NULL (out_arg above) and the plugin's TSMLoc variable.
        unsafe { *locp = dest.lock().add_hdr(h) as TSMLoc };
        TS_SUCCESS
    })
}

/// Copy `src_obj` (type, line and fields) onto `dest_obj`.
#[no_mangle]
pub extern "C" fn TSHttpHdrCopy(
    dest_bufp: TSMBuffer,
    dest_obj: TSMLoc,
    src_bufp: TSMBuffer,
    src_obj: TSMLoc,
) -> TSReturnCodeRaw {
    guard("TSHttpHdrCopy", TS_ERROR, || {
        let Some(h) = copy_hdr("TSHttpHdrCopy", src_bufp, src_obj) else {
            return TS_ERROR;
        };
        with_http("TSHttpHdrCopy", dest_bufp, dest_obj, true, TS_ERROR, |d| {
            *d = h;
            TS_SUCCESS
        })
    })
}

/// The header's type: TS_HTTP_TYPE_REQUEST, _RESPONSE, or _UNKNOWN (0), also for a bad heap or
/// location.
#[no_mangle]
pub extern "C" fn TSHttpHdrTypeGet(bufp: TSMBuffer, offset: TSMLoc) -> TSHttpTypeRaw {
    guard("TSHttpHdrTypeGet", 0, || {
        with_http("TSHttpHdrTypeGet", bufp, offset, false, 0, |h| {
            match h.hdr_type() {
                HdrType::Unknown => 0,
                HdrType::Request => 1,
                HdrType::Response => 2,
            }
        })
    })
}

/// Only a header of unknown type takes a type; later calls change nothing (TS_SUCCESS), as ATS.
#[no_mangle]
pub extern "C" fn TSHttpHdrTypeSet(
    bufp: TSMBuffer,
    offset: TSMLoc,
    type_: TSHttpTypeRaw,
) -> TSReturnCodeRaw {
    guard("TSHttpHdrTypeSet", TS_ERROR, || {
        let t = match type_ {
            0 => HdrType::Unknown,
            1 => HdrType::Request,
            2 => HdrType::Response,
            _ => {
                crate::error!("TSHttpHdrTypeSet: invalid TSHttpType {type_}");
                return TS_ERROR;
            }
        };
        with_http("TSHttpHdrTypeSet", bufp, offset, true, TS_ERROR, |h| {
            h.set_type(t);
            TS_SUCCESS
        })
    })
}

/// The method (the interned `TS_HTTP_METHOD_*` pointer for a well-known one); NULL and 0 before
/// the request is read (TXN_START).
#[no_mangle]
pub unsafe extern "C" fn TSHttpHdrMethodGet(
    bufp: TSMBuffer,
    offset: TSMLoc,
    length: *mut c_int,
) -> *const c_char {
    guard("TSHttpHdrMethodGet", null(), || {
        let who = "TSHttpHdrMethodGet";
        let Some(length) = out_arg(who, "length", length) else {
            return null();
        };
        with_http(who, bufp, offset, false, null(), |h| {
            if h.hdr_type() != HdrType::Request {
                crate::error!("{who}: not a request header");
                // SAFETY: `length` is non-NULL (out_arg above) and the plugin's int.
                return unsafe { give(None, length) };
            }
            // SAFETY: `length` is non-NULL (out_arg above) and the plugin's int.
            unsafe { give(h.method_ptr(), length) }
        })
    })
}

/// Sets a request's method (copied; `length` < 0: NUL-terminated). TS_ERROR for a NULL `value`, a
/// bad heap or location, or a read-only heap.
#[no_mangle]
pub unsafe extern "C" fn TSHttpHdrMethodSet(
    bufp: TSMBuffer,
    offset: TSMLoc,
    value: *const c_char,
    length: c_int,
) -> TSReturnCodeRaw {
    guard("TSHttpHdrMethodSet", TS_ERROR, || {
        let who = "TSHttpHdrMethodSet";
        // SAFETY: the plugin passes NULL or `length` bytes (a C string if `length` < 0).
        let Some(v) = (unsafe { req_bytes(who, "value", value, length) }) else {
            return TS_ERROR;
        };
        with_http(who, bufp, offset, true, TS_ERROR, |h| {
            h.set_method(&v);
            TS_SUCCESS
        })
    })
}

/// The host the request is for: the URL's, else the Host field's (without the port).
#[no_mangle]
pub unsafe extern "C" fn TSHttpHdrHostGet(
    bufp: TSMBuffer,
    offset: TSMLoc,
    length: *mut c_int,
) -> *const c_char {
    guard("TSHttpHdrHostGet", null(), || {
        let who = "TSHttpHdrHostGet";
        let Some(length) = out_arg(who, "length", length) else {
            return null();
        };
        with_http(who, bufp, offset, false, null(), |h| {
            // SAFETY: `length` is non-NULL (out_arg above) and the plugin's int.
            unsafe { give(slice(h.host()), length) }
        })
    })
}

/// The URL of a request header (releasing it is a no-op); TS_ERROR for a response.
#[no_mangle]
pub unsafe extern "C" fn TSHttpHdrUrlGet(
    bufp: TSMBuffer,
    offset: TSMLoc,
    locp: *mut TSMLoc,
) -> TSReturnCodeRaw {
    guard("TSHttpHdrUrlGet", TS_ERROR, || {
        let who = "TSHttpHdrUrlGet";
        let Some(locp) = out_arg(who, "locp", locp) else {
            return TS_ERROR;
        };
        with_hdr(who, bufp, offset, false, TS_ERROR, |heap, id| {
            if heap.hdr(id).unwrap().hdr.hdr_type() != HdrType::Request {
                return TS_ERROR;
            }
            // SAFETY: `locp` is non-NULL (out_arg above) and the plugin's TSMLoc variable.
            unsafe { *locp = heap.hdr_url_loc(id).unwrap() as TSMLoc };
            TS_SUCCESS
        })
    })
}

/// Make `url` the request's URL. A URL of the same heap is then that header's URL (the `url`
/// handle reads and changes it); one of another heap is copied.
#[no_mangle]
pub extern "C" fn TSHttpHdrUrlSet(bufp: TSMBuffer, offset: TSMLoc, url: TSMLoc) -> TSReturnCodeRaw {
    guard("TSHttpHdrUrlSet", TS_ERROR, || {
        let who = "TSHttpHdrUrlSet";
        let Some((url_buf, url_t)) = hdrs::loc_target(url as usize) else {
            crate::error!("{who}: {url:p} is not a live TSMLoc");
            return TS_ERROR;
        };
        let Some(u) = copy_url(who, url_buf as TSMBuffer, url) else {
            return TS_ERROR;
        };
        with_hdr(who, bufp, offset, true, TS_ERROR, |heap, id| {
            let o = heap.hdr(id).unwrap();
            if o.hdr.hdr_type() != HdrType::Request {
                crate::error!("{who}: not a request header");
                return TS_ERROR;
            }
            o.hdr.set_url(u);
            if url_buf == bufp as usize && matches!(url_t, Target::Url(_)) {
                hdrs::retarget(url as usize, Target::HdrUrl(id));
            }
            TS_SUCCESS
        })
    })
}

/// `TS_HTTP_VERSION(major, minor)`.
#[no_mangle]
pub extern "C" fn TSHttpHdrVersionGet(bufp: TSMBuffer, offset: TSMLoc) -> c_int {
    guard("TSHttpHdrVersionGet", 0, || {
        with_http("TSHttpHdrVersionGet", bufp, offset, false, 0, |h| {
            let (ma, mi) = h.version();
            ((ma as c_int) << 16) | mi as c_int
        })
    })
}

/// Sets the HTTP version, `ver` as TS_HTTP_VERSION(major, minor). TS_ERROR for a bad heap or
/// location or a read-only heap.
#[no_mangle]
pub extern "C" fn TSHttpHdrVersionSet(
    bufp: TSMBuffer,
    offset: TSMLoc,
    ver: c_int,
) -> TSReturnCodeRaw {
    guard("TSHttpHdrVersionSet", TS_ERROR, || {
        with_http("TSHttpHdrVersionSet", bufp, offset, true, TS_ERROR, |h| {
            h.set_version((((ver >> 16) & 0xff) as u8, (ver & 0xff) as u8));
            TS_SUCCESS
        })
    })
}

/// The status of a response (0 for a request, where ATS reads garbage).
#[no_mangle]
pub extern "C" fn TSHttpHdrStatusGet(bufp: TSMBuffer, offset: TSMLoc) -> TSHttpStatusRaw {
    guard("TSHttpHdrStatusGet", 0, || {
        with_http("TSHttpHdrStatusGet", bufp, offset, false, 0, |h| {
            h.status() as TSHttpStatusRaw
        })
    })
}

/// Sets the status only (the reason stays).
#[no_mangle]
pub extern "C" fn TSHttpHdrStatusSet(
    bufp: TSMBuffer,
    offset: TSMLoc,
    status: TSHttpStatusRaw,
) -> TSReturnCodeRaw {
    guard("TSHttpHdrStatusSet", TS_ERROR, || {
        let Ok(s) = u16::try_from(status) else {
            crate::error!("TSHttpHdrStatusSet: invalid status {status}");
            return TS_ERROR;
        };
        with_http("TSHttpHdrStatusSet", bufp, offset, true, TS_ERROR, |h| {
            h.set_status(s);
            TS_SUCCESS
        })
    })
}

/// The reason phrase of a response, its length in `*length` (not NUL-terminated); NULL and 0 if it
/// has none; NULL for a NULL `length` or a bad heap or location.
#[no_mangle]
pub unsafe extern "C" fn TSHttpHdrReasonGet(
    bufp: TSMBuffer,
    offset: TSMLoc,
    length: *mut c_int,
) -> *const c_char {
    guard("TSHttpHdrReasonGet", null(), || {
        let who = "TSHttpHdrReasonGet";
        let Some(length) = out_arg(who, "length", length) else {
            return null();
        };
        with_http(who, bufp, offset, false, null(), |h| {
            // SAFETY: `length` is non-NULL (out_arg above) and the plugin's int.
            unsafe { give(hstr(h.reason_hstr()), length) }
        })
    })
}

/// Sets a response's reason phrase (copied; `length` < 0: NUL-terminated). TS_ERROR for a NULL
/// `value`, a bad heap or location, or a read-only heap.
#[no_mangle]
pub unsafe extern "C" fn TSHttpHdrReasonSet(
    bufp: TSMBuffer,
    offset: TSMLoc,
    value: *const c_char,
    length: c_int,
) -> TSReturnCodeRaw {
    guard("TSHttpHdrReasonSet", TS_ERROR, || {
        let who = "TSHttpHdrReasonSet";
        // SAFETY: the plugin passes NULL or `length` bytes (a C string if `length` < 0).
        let Some(v) = (unsafe { req_bytes(who, "value", value, length) }) else {
            return TS_ERROR;
        };
        with_http(who, bufp, offset, true, TS_ERROR, |h| {
            h.set_reason(&v);
            TS_SUCCESS
        })
    })
}

/// ATS's default reason phrase (with its odd spellings: 203 "Non - Authoritative Information"),
/// or NULL for a code it does not know (211, 451, ...).
#[no_mangle]
pub extern "C" fn TSHttpHdrReasonLookup(status: TSHttpStatusRaw) -> *const c_char {
    guard("TSHttpHdrReasonLookup", null(), || {
        tokens::reason_cstr(status).map_or(null(), |c| c.as_ptr())
    })
}

/// The length of the printed header (request line with the URL as stored, fields, blank line).
#[no_mangle]
pub extern "C" fn TSHttpHdrLengthGet(bufp: TSMBuffer, offset: TSMLoc) -> c_int {
    guard("TSHttpHdrLengthGet", 0, || {
        with_http("TSHttpHdrLengthGet", bufp, offset, false, 0, |h| {
            h.length() as c_int
        })
    })
}

// -------------------------------------------------------------------------------------------------
// URLs

/// A new empty URL in the heap.
#[no_mangle]
pub unsafe extern "C" fn TSUrlCreate(bufp: TSMBuffer, locp: *mut TSMLoc) -> TSReturnCodeRaw {
    guard("TSUrlCreate", TS_ERROR, || {
        let Some(locp) = out_arg("TSUrlCreate", "locp", locp) else {
            return TS_ERROR;
        };
        let Some(b) = heap_arg("TSUrlCreate", bufp) else {
            return TS_ERROR;
        };
        if !b.is_writable() {
            return TS_ERROR;
        }
        // SAFETY: `locp` is non-NULL (out_arg above) and the plugin's TSMLoc variable.
        unsafe { *locp = b.lock().add_url(Url::default()) as TSMLoc };
        TS_SUCCESS
    })
}

/// A copy of `src_url` as a new URL of `dest_bufp`.
#[no_mangle]
pub unsafe extern "C" fn TSUrlClone(
    dest_bufp: TSMBuffer,
    src_bufp: TSMBuffer,
    src_url: TSMLoc,
    locp: *mut TSMLoc,
) -> TSReturnCodeRaw {
    guard("TSUrlClone", TS_ERROR, || {
        let who = "TSUrlClone";
        let Some(locp) = out_arg(who, "locp", locp) else {
            return TS_ERROR;
        };
        let Some(dest) = heap_arg(who, dest_bufp) else {
            return TS_ERROR;
        };
        let Some(u) = copy_url(who, src_bufp, src_url) else {
            return TS_ERROR;
        };
        if !dest.is_writable() {
            return TS_ERROR;
        }
        // SAFETY: `locp` is non-NULL (out_arg above) and the plugin's TSMLoc variable.
        unsafe { *locp = dest.lock().add_url(u) as TSMLoc };
        TS_SUCCESS
    })
}

/// Copy `src_obj` onto `dest_obj`.
#[no_mangle]
pub extern "C" fn TSUrlCopy(
    dest_bufp: TSMBuffer,
    dest_obj: TSMLoc,
    src_bufp: TSMBuffer,
    src_obj: TSMLoc,
) -> TSReturnCodeRaw {
    guard("TSUrlCopy", TS_ERROR, || {
        let Some(u) = copy_url("TSUrlCopy", src_bufp, src_obj) else {
            return TS_ERROR;
        };
        with_url("TSUrlCopy", dest_bufp, dest_obj, true, TS_ERROR, |d| {
            *d = u;
            TS_SUCCESS
        })
    })
}

/// Clear the URL and parse `[*start, end)` into it; `*start` moves to `end` when done.
#[no_mangle]
pub unsafe extern "C" fn TSUrlParse(
    bufp: TSMBuffer,
    offset: TSMLoc,
    start: *mut *const c_char,
    end: *const c_char,
) -> TSParseResultRaw {
    guard("TSUrlParse", TS_PARSE_ERROR, || {
        let who = "TSUrlParse";
        // SAFETY: `start` is read only when non-NULL (||), and is the plugin's pointer variable.
        if start.is_null() || unsafe { (*start).is_null() || end.is_null() || end < *start } {
            crate::error!("{who}: NULL or inverted start/end");
            return TS_PARSE_ERROR;
        }
        // SAFETY: [*start, end) is one readable buffer of the plugin's (TSUrlParse's contract),
        // both non-NULL and in order (checked above); copied at once.
        let text = unsafe {
            std::slice::from_raw_parts((*start).cast::<u8>(), end.offset_from(*start) as usize)
        }
        .to_vec();
        with_url(
            who,
            bufp,
            offset,
            true,
            TS_PARSE_ERROR,
            |u| match Url::parse(&text) {
                Some(p) => {
                    *u = p;
                    // SAFETY: non-NULL (checked above), the plugin's pointer variable.
                    unsafe { *start = end };
                    TS_PARSE_DONE
                }
                None => {
                    *u = Url::default();
                    TS_PARSE_ERROR
                }
            },
        )
    })
}

/// The URL printed (`http:///path` for an origin-form client request), malloc'ed and
/// NUL-terminated: free it with TSfree. `bufp` may be NULL.
#[no_mangle]
pub unsafe extern "C" fn TSUrlStringGet(
    bufp: TSMBuffer,
    offset: TSMLoc,
    length: *mut c_int,
) -> *mut c_char {
    guard("TSUrlStringGet", std::ptr::null_mut(), || {
        let who = "TSUrlStringGet";
        let Some(length) = out_arg(who, "length", length) else {
            return std::ptr::null_mut();
        };
        let bufp = if bufp.is_null() {
            hdrs::loc_target(offset as usize)
                .map(|(b, _)| b as TSMBuffer)
                .unwrap_or(bufp)
        } else {
            bufp
        };
        let Some(s) = with_url(who, bufp, offset, false, None, |u| Some(u.to_bytes())) else {
            return std::ptr::null_mut();
        };
        // SAFETY: malloc takes any size; a NULL answer is handled below.
        let p = unsafe { libc::malloc(s.len() + 1) }.cast::<c_char>();
        if p.is_null() {
            crate::error!("{who}: out of memory");
            return p;
        }
        // SAFETY: `p` is a fresh block of s.len() + 1 bytes, not overlapping `s`.
        unsafe {
            std::ptr::copy_nonoverlapping(s.as_ptr().cast::<c_char>(), p, s.len());
            *p.add(s.len()) = 0;
        }
        // SAFETY: `length` is non-NULL (out_arg above) and the plugin's int.
        unsafe { *length = s.len() as c_int };
        p
    })
}

/// The length of TSUrlStringGet's string.
#[no_mangle]
pub extern "C" fn TSUrlLengthGet(bufp: TSMBuffer, offset: TSMLoc) -> c_int {
    guard("TSUrlLengthGet", 0, || {
        with_url("TSUrlLengthGet", bufp, offset, false, 0, |u| {
            u.length() as c_int
        })
    })
}

/// A part of the URL, its length in `*length`.
///
/// # Safety
/// `length` is NULL (refused) or writable.
unsafe fn url_part_get(
    who: &str,
    bufp: TSMBuffer,
    offset: TSMLoc,
    length: *mut c_int,
    part: Part,
) -> *const c_char {
    let Some(length) = out_arg(who, "length", length) else {
        return null();
    };
    with_url(who, bufp, offset, false, null(), |u| {
        // SAFETY: `length` is non-NULL (out_arg above) and the plugin's int.
        unsafe { give(hstr(u.part(part)), length) }
    })
}

/// A NULL value clears the part; `length < 0`: NUL-terminated.
///
/// # Safety
/// `value` and `length` as for c_bytes.
unsafe fn url_part_set(
    who: &str,
    bufp: TSMBuffer,
    offset: TSMLoc,
    value: *const c_char,
    length: c_int,
    set: fn(&mut Url, Option<&[u8]>),
) -> TSReturnCodeRaw {
    // SAFETY: the same arguments, under the same contract.
    let v = unsafe { c_bytes(value, length) };
    with_url(who, bufp, offset, true, TS_ERROR, |u| {
        set(u, v.as_deref());
        TS_SUCCESS
    })
}

/// The scheme as stored (a well-known one interned: `TS_URL_SCHEME_HTTP`), with no default.
#[no_mangle]
pub unsafe extern "C" fn TSUrlRawSchemeGet(
    bufp: TSMBuffer,
    offset: TSMLoc,
    length: *mut c_int,
) -> *const c_char {
    guard("TSUrlRawSchemeGet", null(), || {
        let who = "TSUrlRawSchemeGet";
        let Some(length) = out_arg(who, "length", length) else {
            return null();
        };
        with_url(who, bufp, offset, false, null(), |u| {
            // SAFETY: `length` is non-NULL (out_arg above) and the plugin's int.
            unsafe { give(scheme_of(u, false), length) }
        })
    })
}

fn scheme_of(u: &Url, implied: bool) -> Option<(*const c_char, usize)> {
    if let Some(i) = u.scheme_wks() {
        let t = tokens::token(i);
        return Some((t.as_ptr(), t.text().len()));
    }
    if let Some(s) = u.part(Part::RawScheme) {
        return Some((s.as_ptr(), s.len()));
    }
    if !implied {
        return None;
    }
    let t = match u.url_type() {
        hdrs::UrlType::Http => &bytes::SCHEME_HTTP[..],
        hdrs::UrlType::Https => &bytes::SCHEME_HTTPS[..],
        hdrs::UrlType::None => return None,
    };
    Some((t.as_ptr().cast(), t.len() - 1))
}

/// The scheme; with none written, `http`/`https` from the URL's type (interned), else NULL/0.
#[no_mangle]
pub unsafe extern "C" fn TSUrlSchemeGet(
    bufp: TSMBuffer,
    offset: TSMLoc,
    length: *mut c_int,
) -> *const c_char {
    guard("TSUrlSchemeGet", null(), || {
        let who = "TSUrlSchemeGet";
        let Some(length) = out_arg(who, "length", length) else {
            return null();
        };
        with_url(who, bufp, offset, false, null(), |u| {
            // SAFETY: `length` is non-NULL (out_arg above) and the plugin's int.
            unsafe { give(scheme_of(u, true), length) }
        })
    })
}

/// Sets the scheme (copied; `length` < 0: NUL-terminated; NULL or "" removes it); as in ATS this
/// also makes the URL an HTTP (or, for https/wss, HTTPS) URL. TS_ERROR for a bad heap or location
/// or a read-only heap.
#[no_mangle]
pub unsafe extern "C" fn TSUrlSchemeSet(
    bufp: TSMBuffer,
    offset: TSMLoc,
    value: *const c_char,
    length: c_int,
) -> TSReturnCodeRaw {
    guard("TSUrlSchemeSet", TS_ERROR, || {
        // SAFETY: the plugin passes NULL or `length` bytes (a C string if `length` < 0).
        unsafe {
            url_part_set(
                "TSUrlSchemeSet",
                bufp,
                offset,
                value,
                length,
                Url::set_scheme,
            )
        }
    })
}

/// The user of the URL's authority, its length in `*length` (not NUL-terminated); NULL and 0 if it
/// has none; NULL for a NULL `length` or a bad heap or location.
#[no_mangle]
pub unsafe extern "C" fn TSUrlUserGet(
    bufp: TSMBuffer,
    offset: TSMLoc,
    length: *mut c_int,
) -> *const c_char {
    guard("TSUrlUserGet", null(), || {
        // SAFETY: the plugin's `length`: NULL (refused) or writable.
        unsafe { url_part_get("TSUrlUserGet", bufp, offset, length, Part::User) }
    })
}

/// Sets the user (copied; `length` < 0: NUL-terminated; NULL removes it). TS_ERROR for a bad heap
/// or location or a read-only heap.
#[no_mangle]
pub unsafe extern "C" fn TSUrlUserSet(
    bufp: TSMBuffer,
    offset: TSMLoc,
    value: *const c_char,
    length: c_int,
) -> TSReturnCodeRaw {
    guard("TSUrlUserSet", TS_ERROR, || {
        // SAFETY: the plugin passes NULL or `length` bytes (a C string if `length` < 0).
        unsafe { url_part_set("TSUrlUserSet", bufp, offset, value, length, Url::set_user) }
    })
}

/// The password of the URL's authority, as TSUrlUserGet.
#[no_mangle]
pub unsafe extern "C" fn TSUrlPasswordGet(
    bufp: TSMBuffer,
    offset: TSMLoc,
    length: *mut c_int,
) -> *const c_char {
    guard("TSUrlPasswordGet", null(), || {
        // SAFETY: the plugin's `length`: NULL (refused) or writable.
        unsafe { url_part_get("TSUrlPasswordGet", bufp, offset, length, Part::Password) }
    })
}

/// Sets the password (copied; `length` < 0: NUL-terminated; NULL removes it). TS_ERROR for a bad
/// heap or location or a read-only heap.
#[no_mangle]
pub unsafe extern "C" fn TSUrlPasswordSet(
    bufp: TSMBuffer,
    offset: TSMLoc,
    value: *const c_char,
    length: c_int,
) -> TSReturnCodeRaw {
    guard("TSUrlPasswordSet", TS_ERROR, || {
        // SAFETY: the plugin passes NULL or `length` bytes (a C string if `length` < 0).
        unsafe {
            url_part_set(
                "TSUrlPasswordSet",
                bufp,
                offset,
                value,
                length,
                Url::set_password,
            )
        }
    })
}

/// The host; NULL/0 for an origin-form client request before remap.
#[no_mangle]
pub unsafe extern "C" fn TSUrlHostGet(
    bufp: TSMBuffer,
    offset: TSMLoc,
    length: *mut c_int,
) -> *const c_char {
    guard("TSUrlHostGet", null(), || {
        // SAFETY: the plugin's `length`: NULL (refused) or writable.
        unsafe { url_part_get("TSUrlHostGet", bufp, offset, length, Part::Host) }
    })
}

/// Sets the host (copied; `length` < 0: NUL-terminated; NULL or "" removes it). TS_ERROR for a bad
/// heap or location or a read-only heap.
#[no_mangle]
pub unsafe extern "C" fn TSUrlHostSet(
    bufp: TSMBuffer,
    offset: TSMLoc,
    value: *const c_char,
    length: c_int,
) -> TSReturnCodeRaw {
    guard("TSUrlHostSet", TS_ERROR, || {
        // SAFETY: the plugin passes NULL or `length` bytes (a C string if `length` < 0).
        unsafe { url_part_set("TSUrlHostSet", bufp, offset, value, length, Url::set_host) }
    })
}

/// The port, else the default of the scheme (80, 443), else 0.
#[no_mangle]
pub extern "C" fn TSUrlPortGet(bufp: TSMBuffer, offset: TSMLoc) -> c_int {
    guard("TSUrlPortGet", 0, || {
        with_url("TSUrlPortGet", bufp, offset, false, 0, |u| {
            u.port_or_default() as c_int
        })
    })
}

/// The port written in the URL (0 if none).
#[no_mangle]
pub extern "C" fn TSUrlRawPortGet(bufp: TSMBuffer, offset: TSMLoc) -> c_int {
    guard("TSUrlRawPortGet", 0, || {
        with_url("TSUrlRawPortGet", bufp, offset, false, 0, |u| {
            u.port().unwrap_or(0) as c_int
        })
    })
}

/// 0 removes the port; a negative port is TS_ERROR (as ATS), one above 65535 too.
#[no_mangle]
pub extern "C" fn TSUrlPortSet(bufp: TSMBuffer, offset: TSMLoc, port: c_int) -> TSReturnCodeRaw {
    guard("TSUrlPortSet", TS_ERROR, || {
        let Ok(p) = u16::try_from(port) else {
            if port > 0 {
                crate::error!("TSUrlPortSet: port {port} out of range");
            }
            return TS_ERROR;
        };
        with_url("TSUrlPortSet", bufp, offset, true, TS_ERROR, |u| {
            u.set_port(Some(p));
            TS_SUCCESS
        })
    })
}

/// The path without its leading '/' (no params, query or fragment).
#[no_mangle]
pub unsafe extern "C" fn TSUrlPathGet(
    bufp: TSMBuffer,
    offset: TSMLoc,
    length: *mut c_int,
) -> *const c_char {
    guard("TSUrlPathGet", null(), || {
        // SAFETY: the plugin's `length`: NULL (refused) or writable.
        unsafe { url_part_get("TSUrlPathGet", bufp, offset, length, Part::Path) }
    })
}

/// Leading slashes of the value are dropped (the path is stored without them).
#[no_mangle]
pub unsafe extern "C" fn TSUrlPathSet(
    bufp: TSMBuffer,
    offset: TSMLoc,
    value: *const c_char,
    length: c_int,
) -> TSReturnCodeRaw {
    guard("TSUrlPathSet", TS_ERROR, || {
        // SAFETY: the plugin passes NULL or `length` bytes (a C string if `length` < 0).
        unsafe {
            url_part_set("TSUrlPathSet", bufp, offset, value, length, |u, v| {
                u.set_path(v.unwrap_or_default())
            })
        }
    })
}

/// The params (after ';', without it), its length in `*length` (not NUL-terminated); NULL and 0 if
/// there are none; NULL for a NULL `length` or a bad heap or location.
#[no_mangle]
pub unsafe extern "C" fn TSUrlHttpParamsGet(
    bufp: TSMBuffer,
    offset: TSMLoc,
    length: *mut c_int,
) -> *const c_char {
    guard("TSUrlHttpParamsGet", null(), || {
        // SAFETY: the plugin's `length`: NULL (refused) or writable.
        unsafe { url_part_get("TSUrlHttpParamsGet", bufp, offset, length, Part::Params) }
    })
}

/// Sets the params (copied; `length` < 0: NUL-terminated; NULL removes them). TS_ERROR for a bad
/// heap or location or a read-only heap.
#[no_mangle]
pub unsafe extern "C" fn TSUrlHttpParamsSet(
    bufp: TSMBuffer,
    offset: TSMLoc,
    value: *const c_char,
    length: c_int,
) -> TSReturnCodeRaw {
    guard("TSUrlHttpParamsSet", TS_ERROR, || {
        // SAFETY: the plugin passes NULL or `length` bytes (a C string if `length` < 0).
        unsafe {
            url_part_set(
                "TSUrlHttpParamsSet",
                bufp,
                offset,
                value,
                length,
                Url::set_params,
            )
        }
    })
}

/// The query without its '?'.
#[no_mangle]
pub unsafe extern "C" fn TSUrlHttpQueryGet(
    bufp: TSMBuffer,
    offset: TSMLoc,
    length: *mut c_int,
) -> *const c_char {
    guard("TSUrlHttpQueryGet", null(), || {
        // SAFETY: the plugin's `length`: NULL (refused) or writable.
        unsafe { url_part_get("TSUrlHttpQueryGet", bufp, offset, length, Part::Query) }
    })
}

/// Sets the query, without its '?' (copied; `length` < 0: NUL-terminated; NULL removes it).
/// TS_ERROR for a bad heap or location or a read-only heap.
#[no_mangle]
pub unsafe extern "C" fn TSUrlHttpQuerySet(
    bufp: TSMBuffer,
    offset: TSMLoc,
    value: *const c_char,
    length: c_int,
) -> TSReturnCodeRaw {
    guard("TSUrlHttpQuerySet", TS_ERROR, || {
        // SAFETY: the plugin passes NULL or `length` bytes (a C string if `length` < 0).
        unsafe {
            url_part_set(
                "TSUrlHttpQuerySet",
                bufp,
                offset,
                value,
                length,
                Url::set_query,
            )
        }
    })
}

/// The fragment without its '#', its length in `*length` (not NUL-terminated); NULL and 0 if there
/// is none; NULL for a NULL `length` or a bad heap or location.
#[no_mangle]
pub unsafe extern "C" fn TSUrlHttpFragmentGet(
    bufp: TSMBuffer,
    offset: TSMLoc,
    length: *mut c_int,
) -> *const c_char {
    guard("TSUrlHttpFragmentGet", null(), || {
        // SAFETY: the plugin's `length`: NULL (refused) or writable.
        unsafe { url_part_get("TSUrlHttpFragmentGet", bufp, offset, length, Part::Fragment) }
    })
}

/// Sets the fragment, without its '#' (copied; `length` < 0: NUL-terminated; NULL removes it).
/// TS_ERROR for a bad heap or location or a read-only heap.
#[no_mangle]
pub unsafe extern "C" fn TSUrlHttpFragmentSet(
    bufp: TSMBuffer,
    offset: TSMLoc,
    value: *const c_char,
    length: c_int,
) -> TSReturnCodeRaw {
    guard("TSUrlHttpFragmentSet", TS_ERROR, || {
        // SAFETY: the plugin passes NULL or `length` bytes (a C string if `length` < 0).
        unsafe {
            url_part_set(
                "TSUrlHttpFragmentSet",
                bufp,
                offset,
                value,
                length,
                Url::set_fragment,
            )
        }
    })
}

// -------------------------------------------------------------------------------------------------
// MIME fields of a header

/// Live fields, duplicates counted separately; created-but-unappended fields are not.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldsCount(bufp: TSMBuffer, offset: TSMLoc) -> c_int {
    guard("TSMimeHdrFieldsCount", 0, || {
        with_http("TSMimeHdrFieldsCount", bufp, offset, false, 0, |h| {
            h.field_count() as c_int
        })
    })
}

/// Remove every field.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldsClear(bufp: TSMBuffer, offset: TSMLoc) -> TSReturnCodeRaw {
    guard("TSMimeHdrFieldsClear", TS_ERROR, || {
        with_http("TSMimeHdrFieldsClear", bufp, offset, true, TS_ERROR, |h| {
            h.clear_fields();
            TS_SUCCESS
        })
    })
}

/// Length of the printed fields and the final CRLF.
#[no_mangle]
pub extern "C" fn TSMimeHdrLengthGet(bufp: TSMBuffer, offset: TSMLoc) -> c_int {
    guard("TSMimeHdrLengthGet", 0, || {
        with_http("TSMimeHdrLengthGet", bufp, offset, false, 0, |h| {
            h.fields_length() as c_int
        })
    })
}

/// Look a field up with `find` and return a new handle to it (TS_NULL_MLOC if none).
fn field_handle(
    who: &str,
    bufp: TSMBuffer,
    hdr: TSMLoc,
    find: impl FnOnce(&HttpHdr) -> Option<u64>,
) -> TSMLoc {
    with_hdr(who, bufp, hdr, false, NULL_LOC, |heap, id| {
        match find(&heap.hdr(id).unwrap().hdr) {
            Some(f) => heap.field_handle(id, f) as TSMLoc,
            None => NULL_LOC,
        }
    })
}

/// The `idx`-th live field in wire order (a new handle), or TS_NULL_MLOC.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldGet(bufp: TSMBuffer, hdr: TSMLoc, idx: c_int) -> TSMLoc {
    guard("TSMimeHdrFieldGet", NULL_LOC, || {
        if idx < 0 {
            crate::error!("TSMimeHdrFieldGet: negative index {idx}");
            return NULL_LOC;
        }
        field_handle("TSMimeHdrFieldGet", bufp, hdr, |h| h.field_at(idx as usize))
    })
}

/// The first field of this name (case-insensitive; `length` -1: NUL-terminated), a new handle,
/// or TS_NULL_MLOC.
#[no_mangle]
pub unsafe extern "C" fn TSMimeHdrFieldFind(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    name: *const c_char,
    length: c_int,
) -> TSMLoc {
    guard("TSMimeHdrFieldFind", NULL_LOC, || {
        // SAFETY: the plugin passes NULL or `length` bytes (a C string if `length` < 0).
        let Some(n) = (unsafe { req_bytes("TSMimeHdrFieldFind", "name", name, length) }) else {
            return NULL_LOC;
        };
        field_handle("TSMimeHdrFieldFind", bufp, hdr, |h| h.find(&n))
    })
}

fn related_field(
    who: &str,
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    next: fn(&HttpHdr, u64) -> Option<u64>,
) -> TSMLoc {
    let Some(b) = heap_arg(who, bufp) else {
        return NULL_LOC;
    };
    let Some(id) = hdr_arg(who, &b, hdr) else {
        return NULL_LOC;
    };
    let Some(fid) = field_arg(who, &b, id, field) else {
        return NULL_LOC;
    };
    field_handle(who, bufp, hdr, |h| next(h, fid))
}

/// The next live field in wire order (duplicates included), a new handle, or TS_NULL_MLOC.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldNext(bufp: TSMBuffer, hdr: TSMLoc, field: TSMLoc) -> TSMLoc {
    guard("TSMimeHdrFieldNext", NULL_LOC, || {
        related_field("TSMimeHdrFieldNext", bufp, hdr, field, HttpHdr::next_field)
    })
}

/// The next field of the same name, a new handle, or TS_NULL_MLOC.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldNextDup(bufp: TSMBuffer, hdr: TSMLoc, field: TSMLoc) -> TSMLoc {
    guard("TSMimeHdrFieldNextDup", NULL_LOC, || {
        related_field("TSMimeHdrFieldNextDup", bufp, hdr, field, HttpHdr::next_dup)
    })
}

fn create_field(
    who: &str,
    bufp: TSMBuffer,
    hdr: TSMLoc,
    name: Option<&[u8]>,
    locp: *mut TSMLoc,
) -> TSReturnCodeRaw {
    let Some(locp) = out_arg(who, "locp", locp) else {
        return TS_ERROR;
    };
    with_hdr(who, bufp, hdr, true, TS_ERROR, |heap, id| {
        let f = heap.hdr(id).unwrap().hdr.create_field(name);
        // SAFETY: checked non-NULL; the caller's out-pointer.
        unsafe { *locp = heap.field_handle(id, f) as TSMLoc };
        TS_SUCCESS
    })
}

/// A new field without a name, not in the header until TSMimeHdrFieldAppend.
#[no_mangle]
pub unsafe extern "C" fn TSMimeHdrFieldCreate(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    locp: *mut TSMLoc,
) -> TSReturnCodeRaw {
    guard("TSMimeHdrFieldCreate", TS_ERROR, || {
        create_field("TSMimeHdrFieldCreate", bufp, hdr, None, locp)
    })
}

/// A new named field (well-known names interned), not in the header until TSMimeHdrFieldAppend.
#[no_mangle]
pub unsafe extern "C" fn TSMimeHdrFieldCreateNamed(
    bufp: TSMBuffer,
    mh_mloc: TSMLoc,
    name: *const c_char,
    name_len: c_int,
    locp: *mut TSMLoc,
) -> TSReturnCodeRaw {
    guard("TSMimeHdrFieldCreateNamed", TS_ERROR, || {
        let who = "TSMimeHdrFieldCreateNamed";
        // SAFETY: the plugin passes NULL or `name_len` bytes (a C string if `name_len` < 0).
        let Some(n) = (unsafe { req_bytes(who, "name", name, name_len) }) else {
            return TS_ERROR;
        };
        create_field(who, bufp, mh_mloc, Some(&n), locp)
    })
}

fn set_live(who: &str, bufp: TSMBuffer, hdr: TSMLoc, field: TSMLoc, live: bool) -> TSReturnCodeRaw {
    let Some(b) = heap_arg(who, bufp) else {
        return TS_ERROR;
    };
    let Some(id) = hdr_arg(who, &b, hdr) else {
        return TS_ERROR;
    };
    let Some(fid) = field_arg(who, &b, id, field) else {
        return TS_ERROR;
    };
    with_http(who, bufp, hdr, true, TS_ERROR, |h| {
        if h.set_live(fid, live) {
            TS_SUCCESS
        } else {
            crate::error!("{who}: field {field:p} was destroyed");
            TS_ERROR
        }
    })
}

/// Put a created (or removed) field into the header. It takes the place it was created at (in
/// ATS a field's slot is fixed at creation); after others of its name it is a duplicate.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldAppend(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
) -> TSReturnCodeRaw {
    guard("TSMimeHdrFieldAppend", TS_ERROR, || {
        set_live("TSMimeHdrFieldAppend", bufp, hdr, field, true)
    })
}

/// Take this field (only this duplicate) out of the header; it can be appended again.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldRemove(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
) -> TSReturnCodeRaw {
    guard("TSMimeHdrFieldRemove", TS_ERROR, || {
        set_live("TSMimeHdrFieldRemove", bufp, hdr, field, false)
    })
}

/// Delete this field (not its duplicates). The handle must still be released.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldDestroy(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
) -> TSReturnCodeRaw {
    guard("TSMimeHdrFieldDestroy", TS_ERROR, || {
        let who = "TSMimeHdrFieldDestroy";
        let Some(b) = heap_arg(who, bufp) else {
            return TS_ERROR;
        };
        let Some(id) = hdr_arg(who, &b, hdr) else {
            return TS_ERROR;
        };
        let Some(fid) = field_arg(who, &b, id, field) else {
            return TS_ERROR;
        };
        with_http(who, bufp, hdr, true, TS_ERROR, |h| {
            if h.delete_field(fid) {
                TS_SUCCESS
            } else {
                crate::error!("{who}: field {field:p} was already destroyed");
                TS_ERROR
            }
        })
    })
}

/// 1 if both handles are the same field.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldEqual(
    bufp: TSMBuffer,
    hdr_obj: TSMLoc,
    field1_obj: TSMLoc,
    field2_obj: TSMLoc,
) -> c_int {
    guard("TSMimeHdrFieldEqual", 0, || {
        let who = "TSMimeHdrFieldEqual";
        let Some(b) = heap_arg(who, bufp) else {
            return 0;
        };
        let Some(id) = hdr_arg(who, &b, hdr_obj) else {
            return 0;
        };
        match (
            field_arg(who, &b, id, field1_obj),
            field_arg(who, &b, id, field2_obj),
        ) {
            (Some(a), Some(c)) => (a == c) as c_int,
            _ => 0,
        }
    })
}

/// The name: for a well-known name the interned string (`TS_MIME_FIELD_HOST` itself for `host`).
#[no_mangle]
pub unsafe extern "C" fn TSMimeHdrFieldNameGet(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    length: *mut c_int,
) -> *const c_char {
    guard("TSMimeHdrFieldNameGet", null(), || {
        let who = "TSMimeHdrFieldNameGet";
        let Some(length) = out_arg(who, "length", length) else {
            return null();
        };
        with_field(who, bufp, hdr, field, false, null(), |f| {
            // SAFETY: `length` is non-NULL (out_arg above) and the plugin's int.
            unsafe { give(f.name_ptr(), length) }
        })
    })
}

/// Renames the field (copied; `length` < 0: NUL-terminated). TS_ERROR for a NULL `name`, a bad
/// heap, header or field, or a read-only heap.
#[no_mangle]
pub unsafe extern "C" fn TSMimeHdrFieldNameSet(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    name: *const c_char,
    length: c_int,
) -> TSReturnCodeRaw {
    guard("TSMimeHdrFieldNameSet", TS_ERROR, || {
        let who = "TSMimeHdrFieldNameSet";
        // SAFETY: the plugin passes NULL or `length` bytes (a C string if `length` < 0).
        let Some(n) = (unsafe { req_bytes(who, "name", name, length) }) else {
            return TS_ERROR;
        };
        with_field(who, bufp, hdr, field, true, TS_ERROR, |f| {
            f.set_name(&n);
            TS_SUCCESS
        })
    })
}

/// `idx < 0`: the whole value of this field (not its duplicates). Else element `idx` of a list
/// field (trimmed, unquoted: `a, "b,c" , d` has `b,c` at 1), or the whole value as element 0 of a
/// non-list field (Date, Cookie, Set-Cookie, ...); NULL and 0 past the end.
#[no_mangle]
pub unsafe extern "C" fn TSMimeHdrFieldValueStringGet(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    idx: c_int,
    value_len_ptr: *mut c_int,
) -> *const c_char {
    guard("TSMimeHdrFieldValueStringGet", null(), || {
        let who = "TSMimeHdrFieldValueStringGet";
        let Some(length) = out_arg(who, "value_len_ptr", value_len_ptr) else {
            return null();
        };
        with_field(who, bufp, hdr, field, false, null(), |f| {
            // SAFETY: `length` is non-NULL (out_arg above) and the plugin's int.
            unsafe { give(slice(f.value_get(idx)), length) }
        })
    })
}

/// `idx < 0` replaces the whole value; else element `idx` (the list re-joined with ", "); an
/// index past the end changes nothing (TS_SUCCESS).
#[no_mangle]
pub unsafe extern "C" fn TSMimeHdrFieldValueStringSet(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    idx: c_int,
    value: *const c_char,
    length: c_int,
) -> TSReturnCodeRaw {
    guard("TSMimeHdrFieldValueStringSet", TS_ERROR, || {
        let who = "TSMimeHdrFieldValueStringSet";
        // SAFETY: the plugin passes NULL or `length` bytes (a C string if `length` < 0).
        let Some(v) = (unsafe { req_bytes(who, "value", value, length) }) else {
            return TS_ERROR;
        };
        with_field(who, bufp, hdr, field, true, TS_ERROR, |f| {
            f.value_set(idx, &v);
            TS_SUCCESS
        })
    })
}

/// A new element before element `idx` (`idx < 0` or the count: at the end).
#[no_mangle]
pub unsafe extern "C" fn TSMimeHdrFieldValueStringInsert(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    idx: c_int,
    value: *const c_char,
    length: c_int,
) -> TSReturnCodeRaw {
    guard("TSMimeHdrFieldValueStringInsert", TS_ERROR, || {
        let who = "TSMimeHdrFieldValueStringInsert";
        // SAFETY: the plugin passes NULL or `length` bytes (a C string if `length` < 0).
        let Some(v) = (unsafe { req_bytes(who, "value", value, length) }) else {
            return TS_ERROR;
        };
        with_field(who, bufp, hdr, field, true, TS_ERROR, |f| {
            f.value_insert(idx, &v);
            TS_SUCCESS
        })
    })
}

/// Appends `value` to element `idx` (`a, b` + (0, "ZZ") gives `aZZ, b`); adds no element.
#[no_mangle]
pub unsafe extern "C" fn TSMimeHdrFieldValueAppend(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    idx: c_int,
    value: *const c_char,
    length: c_int,
) -> TSReturnCodeRaw {
    guard("TSMimeHdrFieldValueAppend", TS_ERROR, || {
        let who = "TSMimeHdrFieldValueAppend";
        if idx < 0 {
            crate::error!("{who}: negative index {idx}");
            return TS_ERROR;
        }
        // SAFETY: the plugin passes NULL or `length` bytes (a C string if `length` < 0).
        let Some(v) = (unsafe { req_bytes(who, "value", value, length) }) else {
            return TS_ERROR;
        };
        with_field(who, bufp, hdr, field, true, TS_ERROR, |f| {
            f.value_extend(idx, &v);
            TS_SUCCESS
        })
    })
}

/// Remove element `idx`.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldValueDelete(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    idx: c_int,
) -> TSReturnCodeRaw {
    guard("TSMimeHdrFieldValueDelete", TS_ERROR, || {
        let who = "TSMimeHdrFieldValueDelete";
        if idx < 0 {
            crate::error!("{who}: negative index {idx}");
            return TS_ERROR;
        }
        with_field(who, bufp, hdr, field, true, TS_ERROR, |f| {
            f.value_delete(idx);
            TS_SUCCESS
        })
    })
}

/// Elements of a list field; 0 or 1 for a non-list field.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldValuesCount(bufp: TSMBuffer, hdr: TSMLoc, field: TSMLoc) -> c_int {
    guard("TSMimeHdrFieldValuesCount", 0, || {
        with_field(
            "TSMimeHdrFieldValuesCount",
            bufp,
            hdr,
            field,
            false,
            0,
            |f| f.values_count() as c_int,
        )
    })
}

/// The value becomes empty.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldValuesClear(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
) -> TSReturnCodeRaw {
    guard("TSMimeHdrFieldValuesClear", TS_ERROR, || {
        with_field(
            "TSMimeHdrFieldValuesClear",
            bufp,
            hdr,
            field,
            true,
            TS_ERROR,
            |f| {
                f.set_value(None);
                TS_SUCCESS
            },
        )
    })
}

/// `Name: value\r\n` length.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldLengthGet(bufp: TSMBuffer, hdr: TSMLoc, field: TSMLoc) -> c_int {
    guard("TSMimeHdrFieldLengthGet", 0, || {
        with_field("TSMimeHdrFieldLengthGet", bufp, hdr, field, false, 0, |f| {
            f.length() as c_int
        })
    })
}

fn value_num<R: Default>(
    who: &str,
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    idx: c_int,
    parse: fn(&[u8]) -> R,
) -> R {
    with_field(who, bufp, hdr, field, false, None, |f| {
        f.value_get(idx).map(parse)
    })
    .unwrap_or_default()
}

/// The element `idx` (or the whole value for `idx < 0`) as an int; 0 if none.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldValueIntGet(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    idx: c_int,
) -> c_int {
    guard("TSMimeHdrFieldValueIntGet", 0, || {
        value_num(
            "TSMimeHdrFieldValueIntGet",
            bufp,
            hdr,
            field,
            idx,
            parse_int,
        )
    })
}

/// The element `idx` (or the whole value for `idx < 0`) as an unsigned int; 0 if none or for a bad
/// heap, header or field.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldValueUintGet(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    idx: c_int,
) -> c_uint {
    guard("TSMimeHdrFieldValueUintGet", 0, || {
        value_num(
            "TSMimeHdrFieldValueUintGet",
            bufp,
            hdr,
            field,
            idx,
            parse_uint,
        )
    })
}

/// The element `idx` (or the whole value for `idx < 0`) as an int64; 0 if none or for a bad heap,
/// header or field.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldValueInt64Get(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    idx: c_int,
) -> i64 {
    guard("TSMimeHdrFieldValueInt64Get", 0, || {
        value_num(
            "TSMimeHdrFieldValueInt64Get",
            bufp,
            hdr,
            field,
            idx,
            parse_int64,
        )
    })
}

fn value_set_text(
    who: &str,
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    idx: c_int,
    text: String,
    insert: bool,
) -> TSReturnCodeRaw {
    with_field(who, bufp, hdr, field, true, TS_ERROR, |f| {
        if insert {
            f.value_insert(idx, text.as_bytes());
        } else {
            f.value_set(idx, text.as_bytes());
        }
        TS_SUCCESS
    })
}

/// As TSMimeHdrFieldValueStringSet with the number in decimal.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldValueIntSet(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    idx: c_int,
    value: c_int,
) -> TSReturnCodeRaw {
    guard("TSMimeHdrFieldValueIntSet", TS_ERROR, || {
        value_set_text(
            "TSMimeHdrFieldValueIntSet",
            bufp,
            hdr,
            field,
            idx,
            value.to_string(),
            false,
        )
    })
}

/// As TSMimeHdrFieldValueStringSet with the number in decimal.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldValueUintSet(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    idx: c_int,
    value: c_uint,
) -> TSReturnCodeRaw {
    guard("TSMimeHdrFieldValueUintSet", TS_ERROR, || {
        value_set_text(
            "TSMimeHdrFieldValueUintSet",
            bufp,
            hdr,
            field,
            idx,
            value.to_string(),
            false,
        )
    })
}

/// As TSMimeHdrFieldValueStringSet with the number in decimal.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldValueInt64Set(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    idx: c_int,
    value: i64,
) -> TSReturnCodeRaw {
    guard("TSMimeHdrFieldValueInt64Set", TS_ERROR, || {
        value_set_text(
            "TSMimeHdrFieldValueInt64Set",
            bufp,
            hdr,
            field,
            idx,
            value.to_string(),
            false,
        )
    })
}

/// As TSMimeHdrFieldValueStringInsert with the number in decimal.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldValueIntInsert(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    idx: c_int,
    value: c_int,
) -> TSReturnCodeRaw {
    guard("TSMimeHdrFieldValueIntInsert", TS_ERROR, || {
        value_set_text(
            "TSMimeHdrFieldValueIntInsert",
            bufp,
            hdr,
            field,
            idx,
            value.to_string(),
            true,
        )
    })
}

/// As TSMimeHdrFieldValueStringInsert with the number in decimal.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldValueUintInsert(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    idx: c_int,
    value: c_uint,
) -> TSReturnCodeRaw {
    guard("TSMimeHdrFieldValueUintInsert", TS_ERROR, || {
        value_set_text(
            "TSMimeHdrFieldValueUintInsert",
            bufp,
            hdr,
            field,
            idx,
            value.to_string(),
            true,
        )
    })
}

/// Name and value of a field, for the copy calls.
fn field_content(
    who: &str,
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
    with_field(who, bufp, hdr, field, false, None, |f| {
        Some((
            f.raw_name().to_vec(),
            f.value_hstr().map(|v| v.as_bytes().to_vec()),
        ))
    })
}

/// Give `dest_field` the name and value of `src_field` (any heaps).
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldCopy(
    dest_bufp: TSMBuffer,
    dest_hdr: TSMLoc,
    dest_field: TSMLoc,
    src_bufp: TSMBuffer,
    src_hdr: TSMLoc,
    src_field: TSMLoc,
) -> TSReturnCodeRaw {
    guard("TSMimeHdrFieldCopy", TS_ERROR, || {
        let who = "TSMimeHdrFieldCopy";
        let Some((n, v)) = field_content(who, src_bufp, src_hdr, src_field) else {
            return TS_ERROR;
        };
        with_field(who, dest_bufp, dest_hdr, dest_field, true, TS_ERROR, |f| {
            f.set_name(&n);
            f.set_value(v.as_deref());
            TS_SUCCESS
        })
    })
}

/// Give `dest_field` the value of `src_field`.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldCopyValues(
    dest_bufp: TSMBuffer,
    dest_hdr: TSMLoc,
    dest_field: TSMLoc,
    src_bufp: TSMBuffer,
    src_hdr: TSMLoc,
    src_field: TSMLoc,
) -> TSReturnCodeRaw {
    guard("TSMimeHdrFieldCopyValues", TS_ERROR, || {
        let who = "TSMimeHdrFieldCopyValues";
        let Some((_, v)) = field_content(who, src_bufp, src_hdr, src_field) else {
            return TS_ERROR;
        };
        with_field(who, dest_bufp, dest_hdr, dest_field, true, TS_ERROR, |f| {
            f.set_value(v.as_deref());
            TS_SUCCESS
        })
    })
}

/// A new (unappended) field of `dest_hdr` with the name and value of `src_field`.
#[no_mangle]
pub unsafe extern "C" fn TSMimeHdrFieldClone(
    dest_bufp: TSMBuffer,
    dest_hdr: TSMLoc,
    src_bufp: TSMBuffer,
    src_hdr: TSMLoc,
    src_field: TSMLoc,
    locp: *mut TSMLoc,
) -> TSReturnCodeRaw {
    guard("TSMimeHdrFieldClone", TS_ERROR, || {
        let who = "TSMimeHdrFieldClone";
        let Some(locp) = out_arg(who, "locp", locp) else {
            return TS_ERROR;
        };
        let Some((n, v)) = field_content(who, src_bufp, src_hdr, src_field) else {
            return TS_ERROR;
        };
        with_hdr(who, dest_bufp, dest_hdr, true, TS_ERROR, |heap, id| {
            let h = &mut heap.hdr(id).unwrap().hdr;
            let f = h.create_field(Some(&n));
            if let Some(fld) = h.field_by_id_mut(f) {
                fld.set_value(v.as_deref());
            }
            // SAFETY: `locp` is non-NULL (out_arg above) and the plugin's TSMLoc variable.
            unsafe { *locp = heap.field_handle(id, f) as TSMLoc };
            TS_SUCCESS
        })
    })
}

// -------------------------------------------------------------------------------------------------
// Well-known strings exported as data (ATS assigns them at start-up; here they are initialised
// statically). Each pointer is the interned string the header model itself returns.

const fn wks(b: &'static [u8]) -> *const c_char {
    b.as_ptr().cast()
}

const fn wks_len(b: &'static [u8]) -> c_int {
    (b.len() - 1) as c_int
}

// MIME field names (`TS_MIME_FIELD_*`) and their lengths (`TS_MIME_LEN_*`).
#[no_mangle]
pub static mut TS_MIME_FIELD_ACCEPT: *const c_char = wks(&bytes::ACCEPT);
#[no_mangle]
pub static mut TS_MIME_FIELD_ACCEPT_CHARSET: *const c_char = wks(&bytes::ACCEPT_CHARSET);
#[no_mangle]
pub static mut TS_MIME_FIELD_ACCEPT_ENCODING: *const c_char = wks(&bytes::ACCEPT_ENCODING);
#[no_mangle]
pub static mut TS_MIME_FIELD_ACCEPT_LANGUAGE: *const c_char = wks(&bytes::ACCEPT_LANGUAGE);
#[no_mangle]
pub static mut TS_MIME_FIELD_ACCEPT_RANGES: *const c_char = wks(&bytes::ACCEPT_RANGES);
#[no_mangle]
pub static mut TS_MIME_FIELD_AGE: *const c_char = wks(&bytes::AGE);
#[no_mangle]
pub static mut TS_MIME_FIELD_ALLOW: *const c_char = wks(&bytes::ALLOW);
#[no_mangle]
pub static mut TS_MIME_FIELD_APPROVED: *const c_char = wks(&bytes::APPROVED);
#[no_mangle]
pub static mut TS_MIME_FIELD_AUTHORIZATION: *const c_char = wks(&bytes::AUTHORIZATION);
#[no_mangle]
pub static mut TS_MIME_FIELD_BYTES: *const c_char = wks(&bytes::BYTES);
#[no_mangle]
pub static mut TS_MIME_FIELD_CACHE_CONTROL: *const c_char = wks(&bytes::CACHE_CONTROL);
#[no_mangle]
pub static mut TS_MIME_FIELD_CLIENT_IP: *const c_char = wks(&bytes::CLIENT_IP);
#[no_mangle]
pub static mut TS_MIME_FIELD_CONNECTION: *const c_char = wks(&bytes::CONNECTION);
#[no_mangle]
pub static mut TS_MIME_FIELD_CONTENT_BASE: *const c_char = wks(&bytes::CONTENT_BASE);
#[no_mangle]
pub static mut TS_MIME_FIELD_CONTENT_ENCODING: *const c_char = wks(&bytes::CONTENT_ENCODING);
#[no_mangle]
pub static mut TS_MIME_FIELD_CONTENT_LANGUAGE: *const c_char = wks(&bytes::CONTENT_LANGUAGE);
#[no_mangle]
pub static mut TS_MIME_FIELD_CONTENT_LENGTH: *const c_char = wks(&bytes::CONTENT_LENGTH);
#[no_mangle]
pub static mut TS_MIME_FIELD_CONTENT_LOCATION: *const c_char = wks(&bytes::CONTENT_LOCATION);
#[no_mangle]
pub static mut TS_MIME_FIELD_CONTENT_MD5: *const c_char = wks(&bytes::CONTENT_MD5);
#[no_mangle]
pub static mut TS_MIME_FIELD_CONTENT_RANGE: *const c_char = wks(&bytes::CONTENT_RANGE);
#[no_mangle]
pub static mut TS_MIME_FIELD_CONTENT_TYPE: *const c_char = wks(&bytes::CONTENT_TYPE);
#[no_mangle]
pub static mut TS_MIME_FIELD_CONTROL: *const c_char = wks(&bytes::CONTROL);
#[no_mangle]
pub static mut TS_MIME_FIELD_COOKIE: *const c_char = wks(&bytes::COOKIE);
#[no_mangle]
pub static mut TS_MIME_FIELD_DATE: *const c_char = wks(&bytes::DATE);
#[no_mangle]
pub static mut TS_MIME_FIELD_DISTRIBUTION: *const c_char = wks(&bytes::DISTRIBUTION);
#[no_mangle]
pub static mut TS_MIME_FIELD_ETAG: *const c_char = wks(&bytes::ETAG);
#[no_mangle]
pub static mut TS_MIME_FIELD_EXPECT: *const c_char = wks(&bytes::EXPECT);
#[no_mangle]
pub static mut TS_MIME_FIELD_EXPIRES: *const c_char = wks(&bytes::EXPIRES);
#[no_mangle]
pub static mut TS_MIME_FIELD_FOLLOWUP_TO: *const c_char = wks(&bytes::FOLLOWUP_TO);
#[no_mangle]
pub static mut TS_MIME_FIELD_FROM: *const c_char = wks(&bytes::FROM);
#[no_mangle]
pub static mut TS_MIME_FIELD_HOST: *const c_char = wks(&bytes::HOST);
#[no_mangle]
pub static mut TS_MIME_FIELD_IF_MATCH: *const c_char = wks(&bytes::IF_MATCH);
#[no_mangle]
pub static mut TS_MIME_FIELD_IF_MODIFIED_SINCE: *const c_char = wks(&bytes::IF_MODIFIED_SINCE);
#[no_mangle]
pub static mut TS_MIME_FIELD_IF_NONE_MATCH: *const c_char = wks(&bytes::IF_NONE_MATCH);
#[no_mangle]
pub static mut TS_MIME_FIELD_IF_RANGE: *const c_char = wks(&bytes::IF_RANGE);
#[no_mangle]
pub static mut TS_MIME_FIELD_IF_UNMODIFIED_SINCE: *const c_char = wks(&bytes::IF_UNMODIFIED_SINCE);
#[no_mangle]
pub static mut TS_MIME_FIELD_KEEP_ALIVE: *const c_char = wks(&bytes::KEEP_ALIVE);
#[no_mangle]
pub static mut TS_MIME_FIELD_KEYWORDS: *const c_char = wks(&bytes::KEYWORDS);
#[no_mangle]
pub static mut TS_MIME_FIELD_LAST_MODIFIED: *const c_char = wks(&bytes::LAST_MODIFIED);
#[no_mangle]
pub static mut TS_MIME_FIELD_LINES: *const c_char = wks(&bytes::LINES);
#[no_mangle]
pub static mut TS_MIME_FIELD_LOCATION: *const c_char = wks(&bytes::LOCATION);
#[no_mangle]
pub static mut TS_MIME_FIELD_MAX_FORWARDS: *const c_char = wks(&bytes::MAX_FORWARDS);
#[no_mangle]
pub static mut TS_MIME_FIELD_MESSAGE_ID: *const c_char = wks(&bytes::MESSAGE_ID);
#[no_mangle]
pub static mut TS_MIME_FIELD_NEWSGROUPS: *const c_char = wks(&bytes::NEWSGROUPS);
#[no_mangle]
pub static mut TS_MIME_FIELD_ORGANIZATION: *const c_char = wks(&bytes::ORGANIZATION);
#[no_mangle]
pub static mut TS_MIME_FIELD_PATH: *const c_char = wks(&bytes::PATH);
#[no_mangle]
pub static mut TS_MIME_FIELD_PRAGMA: *const c_char = wks(&bytes::PRAGMA);
#[no_mangle]
pub static mut TS_MIME_FIELD_PROXY_AUTHENTICATE: *const c_char = wks(&bytes::PROXY_AUTHENTICATE);
#[no_mangle]
pub static mut TS_MIME_FIELD_PROXY_AUTHORIZATION: *const c_char = wks(&bytes::PROXY_AUTHORIZATION);
#[no_mangle]
pub static mut TS_MIME_FIELD_PROXY_CONNECTION: *const c_char = wks(&bytes::PROXY_CONNECTION);
#[no_mangle]
pub static mut TS_MIME_FIELD_PUBLIC: *const c_char = wks(&bytes::PUBLIC);
#[no_mangle]
pub static mut TS_MIME_FIELD_RANGE: *const c_char = wks(&bytes::RANGE);
#[no_mangle]
pub static mut TS_MIME_FIELD_REFERENCES: *const c_char = wks(&bytes::REFERENCES);
#[no_mangle]
pub static mut TS_MIME_FIELD_REFERER: *const c_char = wks(&bytes::REFERER);
#[no_mangle]
pub static mut TS_MIME_FIELD_REPLY_TO: *const c_char = wks(&bytes::REPLY_TO);
#[no_mangle]
pub static mut TS_MIME_FIELD_RETRY_AFTER: *const c_char = wks(&bytes::RETRY_AFTER);
#[no_mangle]
pub static mut TS_MIME_FIELD_SENDER: *const c_char = wks(&bytes::SENDER);
#[no_mangle]
pub static mut TS_MIME_FIELD_SERVER: *const c_char = wks(&bytes::SERVER);
#[no_mangle]
pub static mut TS_MIME_FIELD_SET_COOKIE: *const c_char = wks(&bytes::SET_COOKIE);
#[no_mangle]
pub static mut TS_MIME_FIELD_STRICT_TRANSPORT_SECURITY: *const c_char =
    wks(&bytes::STRICT_TRANSPORT_SECURITY);
#[no_mangle]
pub static mut TS_MIME_FIELD_SUBJECT: *const c_char = wks(&bytes::SUBJECT);
#[no_mangle]
pub static mut TS_MIME_FIELD_SUMMARY: *const c_char = wks(&bytes::SUMMARY);
#[no_mangle]
pub static mut TS_MIME_FIELD_TE: *const c_char = wks(&bytes::TE);
#[no_mangle]
pub static mut TS_MIME_FIELD_TRANSFER_ENCODING: *const c_char = wks(&bytes::TRANSFER_ENCODING);
#[no_mangle]
pub static mut TS_MIME_FIELD_UPGRADE: *const c_char = wks(&bytes::UPGRADE);
#[no_mangle]
pub static mut TS_MIME_FIELD_USER_AGENT: *const c_char = wks(&bytes::USER_AGENT);
#[no_mangle]
pub static mut TS_MIME_FIELD_VARY: *const c_char = wks(&bytes::VARY);
#[no_mangle]
pub static mut TS_MIME_FIELD_VIA: *const c_char = wks(&bytes::VIA);
#[no_mangle]
pub static mut TS_MIME_FIELD_WARNING: *const c_char = wks(&bytes::WARNING);
#[no_mangle]
pub static mut TS_MIME_FIELD_WWW_AUTHENTICATE: *const c_char = wks(&bytes::WWW_AUTHENTICATE);
#[no_mangle]
pub static mut TS_MIME_FIELD_XREF: *const c_char = wks(&bytes::XREF);
#[no_mangle]
pub static mut TS_MIME_FIELD_X_FORWARDED_FOR: *const c_char = wks(&bytes::X_FORWARDED_FOR);
#[no_mangle]
pub static mut TS_MIME_FIELD_FORWARDED: *const c_char = wks(&bytes::FORWARDED);
#[no_mangle]
pub static mut TS_MIME_LEN_ACCEPT: c_int = wks_len(&bytes::ACCEPT);
#[no_mangle]
pub static mut TS_MIME_LEN_ACCEPT_CHARSET: c_int = wks_len(&bytes::ACCEPT_CHARSET);
#[no_mangle]
pub static mut TS_MIME_LEN_ACCEPT_ENCODING: c_int = wks_len(&bytes::ACCEPT_ENCODING);
#[no_mangle]
pub static mut TS_MIME_LEN_ACCEPT_LANGUAGE: c_int = wks_len(&bytes::ACCEPT_LANGUAGE);
#[no_mangle]
pub static mut TS_MIME_LEN_ACCEPT_RANGES: c_int = wks_len(&bytes::ACCEPT_RANGES);
#[no_mangle]
pub static mut TS_MIME_LEN_AGE: c_int = wks_len(&bytes::AGE);
#[no_mangle]
pub static mut TS_MIME_LEN_ALLOW: c_int = wks_len(&bytes::ALLOW);
#[no_mangle]
pub static mut TS_MIME_LEN_APPROVED: c_int = wks_len(&bytes::APPROVED);
#[no_mangle]
pub static mut TS_MIME_LEN_AUTHORIZATION: c_int = wks_len(&bytes::AUTHORIZATION);
#[no_mangle]
pub static mut TS_MIME_LEN_BYTES: c_int = wks_len(&bytes::BYTES);
#[no_mangle]
pub static mut TS_MIME_LEN_CACHE_CONTROL: c_int = wks_len(&bytes::CACHE_CONTROL);
#[no_mangle]
pub static mut TS_MIME_LEN_CLIENT_IP: c_int = wks_len(&bytes::CLIENT_IP);
#[no_mangle]
pub static mut TS_MIME_LEN_CONNECTION: c_int = wks_len(&bytes::CONNECTION);
#[no_mangle]
pub static mut TS_MIME_LEN_CONTENT_BASE: c_int = wks_len(&bytes::CONTENT_BASE);
#[no_mangle]
pub static mut TS_MIME_LEN_CONTENT_ENCODING: c_int = wks_len(&bytes::CONTENT_ENCODING);
#[no_mangle]
pub static mut TS_MIME_LEN_CONTENT_LANGUAGE: c_int = wks_len(&bytes::CONTENT_LANGUAGE);
#[no_mangle]
pub static mut TS_MIME_LEN_CONTENT_LENGTH: c_int = wks_len(&bytes::CONTENT_LENGTH);
#[no_mangle]
pub static mut TS_MIME_LEN_CONTENT_LOCATION: c_int = wks_len(&bytes::CONTENT_LOCATION);
#[no_mangle]
pub static mut TS_MIME_LEN_CONTENT_MD5: c_int = wks_len(&bytes::CONTENT_MD5);
#[no_mangle]
pub static mut TS_MIME_LEN_CONTENT_RANGE: c_int = wks_len(&bytes::CONTENT_RANGE);
#[no_mangle]
pub static mut TS_MIME_LEN_CONTENT_TYPE: c_int = wks_len(&bytes::CONTENT_TYPE);
#[no_mangle]
pub static mut TS_MIME_LEN_CONTROL: c_int = wks_len(&bytes::CONTROL);
#[no_mangle]
pub static mut TS_MIME_LEN_COOKIE: c_int = wks_len(&bytes::COOKIE);
#[no_mangle]
pub static mut TS_MIME_LEN_DATE: c_int = wks_len(&bytes::DATE);
#[no_mangle]
pub static mut TS_MIME_LEN_DISTRIBUTION: c_int = wks_len(&bytes::DISTRIBUTION);
#[no_mangle]
pub static mut TS_MIME_LEN_ETAG: c_int = wks_len(&bytes::ETAG);
#[no_mangle]
pub static mut TS_MIME_LEN_EXPECT: c_int = wks_len(&bytes::EXPECT);
#[no_mangle]
pub static mut TS_MIME_LEN_EXPIRES: c_int = wks_len(&bytes::EXPIRES);
#[no_mangle]
pub static mut TS_MIME_LEN_FOLLOWUP_TO: c_int = wks_len(&bytes::FOLLOWUP_TO);
#[no_mangle]
pub static mut TS_MIME_LEN_FROM: c_int = wks_len(&bytes::FROM);
#[no_mangle]
pub static mut TS_MIME_LEN_HOST: c_int = wks_len(&bytes::HOST);
#[no_mangle]
pub static mut TS_MIME_LEN_IF_MATCH: c_int = wks_len(&bytes::IF_MATCH);
#[no_mangle]
pub static mut TS_MIME_LEN_IF_MODIFIED_SINCE: c_int = wks_len(&bytes::IF_MODIFIED_SINCE);
#[no_mangle]
pub static mut TS_MIME_LEN_IF_NONE_MATCH: c_int = wks_len(&bytes::IF_NONE_MATCH);
#[no_mangle]
pub static mut TS_MIME_LEN_IF_RANGE: c_int = wks_len(&bytes::IF_RANGE);
#[no_mangle]
pub static mut TS_MIME_LEN_IF_UNMODIFIED_SINCE: c_int = wks_len(&bytes::IF_UNMODIFIED_SINCE);
#[no_mangle]
pub static mut TS_MIME_LEN_KEEP_ALIVE: c_int = wks_len(&bytes::KEEP_ALIVE);
#[no_mangle]
pub static mut TS_MIME_LEN_KEYWORDS: c_int = wks_len(&bytes::KEYWORDS);
#[no_mangle]
pub static mut TS_MIME_LEN_LAST_MODIFIED: c_int = wks_len(&bytes::LAST_MODIFIED);
#[no_mangle]
pub static mut TS_MIME_LEN_LINES: c_int = wks_len(&bytes::LINES);
#[no_mangle]
pub static mut TS_MIME_LEN_LOCATION: c_int = wks_len(&bytes::LOCATION);
#[no_mangle]
pub static mut TS_MIME_LEN_MAX_FORWARDS: c_int = wks_len(&bytes::MAX_FORWARDS);
#[no_mangle]
pub static mut TS_MIME_LEN_MESSAGE_ID: c_int = wks_len(&bytes::MESSAGE_ID);
#[no_mangle]
pub static mut TS_MIME_LEN_NEWSGROUPS: c_int = wks_len(&bytes::NEWSGROUPS);
#[no_mangle]
pub static mut TS_MIME_LEN_ORGANIZATION: c_int = wks_len(&bytes::ORGANIZATION);
#[no_mangle]
pub static mut TS_MIME_LEN_PATH: c_int = wks_len(&bytes::PATH);
#[no_mangle]
pub static mut TS_MIME_LEN_PRAGMA: c_int = wks_len(&bytes::PRAGMA);
#[no_mangle]
pub static mut TS_MIME_LEN_PROXY_AUTHENTICATE: c_int = wks_len(&bytes::PROXY_AUTHENTICATE);
#[no_mangle]
pub static mut TS_MIME_LEN_PROXY_AUTHORIZATION: c_int = wks_len(&bytes::PROXY_AUTHORIZATION);
#[no_mangle]
pub static mut TS_MIME_LEN_PROXY_CONNECTION: c_int = wks_len(&bytes::PROXY_CONNECTION);
#[no_mangle]
pub static mut TS_MIME_LEN_PUBLIC: c_int = wks_len(&bytes::PUBLIC);
#[no_mangle]
pub static mut TS_MIME_LEN_RANGE: c_int = wks_len(&bytes::RANGE);
#[no_mangle]
pub static mut TS_MIME_LEN_REFERENCES: c_int = wks_len(&bytes::REFERENCES);
#[no_mangle]
pub static mut TS_MIME_LEN_REFERER: c_int = wks_len(&bytes::REFERER);
#[no_mangle]
pub static mut TS_MIME_LEN_REPLY_TO: c_int = wks_len(&bytes::REPLY_TO);
#[no_mangle]
pub static mut TS_MIME_LEN_RETRY_AFTER: c_int = wks_len(&bytes::RETRY_AFTER);
#[no_mangle]
pub static mut TS_MIME_LEN_SENDER: c_int = wks_len(&bytes::SENDER);
#[no_mangle]
pub static mut TS_MIME_LEN_SERVER: c_int = wks_len(&bytes::SERVER);
#[no_mangle]
pub static mut TS_MIME_LEN_SET_COOKIE: c_int = wks_len(&bytes::SET_COOKIE);
#[no_mangle]
pub static mut TS_MIME_LEN_STRICT_TRANSPORT_SECURITY: c_int =
    wks_len(&bytes::STRICT_TRANSPORT_SECURITY);
#[no_mangle]
pub static mut TS_MIME_LEN_SUBJECT: c_int = wks_len(&bytes::SUBJECT);
#[no_mangle]
pub static mut TS_MIME_LEN_SUMMARY: c_int = wks_len(&bytes::SUMMARY);
#[no_mangle]
pub static mut TS_MIME_LEN_TE: c_int = wks_len(&bytes::TE);
#[no_mangle]
pub static mut TS_MIME_LEN_TRANSFER_ENCODING: c_int = wks_len(&bytes::TRANSFER_ENCODING);
#[no_mangle]
pub static mut TS_MIME_LEN_UPGRADE: c_int = wks_len(&bytes::UPGRADE);
#[no_mangle]
pub static mut TS_MIME_LEN_USER_AGENT: c_int = wks_len(&bytes::USER_AGENT);
#[no_mangle]
pub static mut TS_MIME_LEN_VARY: c_int = wks_len(&bytes::VARY);
#[no_mangle]
pub static mut TS_MIME_LEN_VIA: c_int = wks_len(&bytes::VIA);
#[no_mangle]
pub static mut TS_MIME_LEN_WARNING: c_int = wks_len(&bytes::WARNING);
#[no_mangle]
pub static mut TS_MIME_LEN_WWW_AUTHENTICATE: c_int = wks_len(&bytes::WWW_AUTHENTICATE);
#[no_mangle]
pub static mut TS_MIME_LEN_XREF: c_int = wks_len(&bytes::XREF);
#[no_mangle]
pub static mut TS_MIME_LEN_X_FORWARDED_FOR: c_int = wks_len(&bytes::X_FORWARDED_FOR);
#[no_mangle]
pub static mut TS_MIME_LEN_FORWARDED: c_int = wks_len(&bytes::FORWARDED);

// HTTP values (`TS_HTTP_VALUE_*`, `TS_HTTP_LEN_*`). BYTES, KEEP_ALIVE and PUBLIC are the field names
// "Bytes", "Keep-Alive" and "Public": ATS interns strings case-insensitively. S_MAXAGE is exported
// by ATS but not declared by its ts.h.
#[no_mangle]
pub static mut TS_HTTP_VALUE_BYTES: *const c_char = wks(&bytes::BYTES);
#[no_mangle]
pub static mut TS_HTTP_VALUE_CHUNKED: *const c_char = wks(&bytes::CHUNKED);
#[no_mangle]
pub static mut TS_HTTP_VALUE_CLOSE: *const c_char = wks(&bytes::CLOSE);
#[no_mangle]
pub static mut TS_HTTP_VALUE_COMPRESS: *const c_char = wks(&bytes::COMPRESS);
#[no_mangle]
pub static mut TS_HTTP_VALUE_DEFLATE: *const c_char = wks(&bytes::DEFLATE);
#[no_mangle]
pub static mut TS_HTTP_VALUE_GZIP: *const c_char = wks(&bytes::GZIP);
#[no_mangle]
pub static mut TS_HTTP_VALUE_BROTLI: *const c_char = wks(&bytes::BROTLI);
#[no_mangle]
pub static mut TS_HTTP_VALUE_IDENTITY: *const c_char = wks(&bytes::IDENTITY);
#[no_mangle]
pub static mut TS_HTTP_VALUE_KEEP_ALIVE: *const c_char = wks(&bytes::KEEP_ALIVE);
#[no_mangle]
pub static mut TS_HTTP_VALUE_MAX_AGE: *const c_char = wks(&bytes::MAX_AGE);
#[no_mangle]
pub static mut TS_HTTP_VALUE_MAX_STALE: *const c_char = wks(&bytes::MAX_STALE);
#[no_mangle]
pub static mut TS_HTTP_VALUE_MIN_FRESH: *const c_char = wks(&bytes::MIN_FRESH);
#[no_mangle]
pub static mut TS_HTTP_VALUE_MUST_REVALIDATE: *const c_char = wks(&bytes::MUST_REVALIDATE);
#[no_mangle]
pub static mut TS_HTTP_VALUE_NONE: *const c_char = wks(&bytes::NONE);
#[no_mangle]
pub static mut TS_HTTP_VALUE_NO_CACHE: *const c_char = wks(&bytes::NO_CACHE);
#[no_mangle]
pub static mut TS_HTTP_VALUE_NO_STORE: *const c_char = wks(&bytes::NO_STORE);
#[no_mangle]
pub static mut TS_HTTP_VALUE_NO_TRANSFORM: *const c_char = wks(&bytes::NO_TRANSFORM);
#[no_mangle]
pub static mut TS_HTTP_VALUE_ONLY_IF_CACHED: *const c_char = wks(&bytes::ONLY_IF_CACHED);
#[no_mangle]
pub static mut TS_HTTP_VALUE_PRIVATE: *const c_char = wks(&bytes::PRIVATE);
#[no_mangle]
pub static mut TS_HTTP_VALUE_PROXY_REVALIDATE: *const c_char = wks(&bytes::PROXY_REVALIDATE);
#[no_mangle]
pub static mut TS_HTTP_VALUE_PUBLIC: *const c_char = wks(&bytes::PUBLIC);
#[no_mangle]
pub static mut TS_HTTP_VALUE_S_MAXAGE: *const c_char = wks(&bytes::S_MAXAGE);
#[no_mangle]
pub static mut TS_HTTP_LEN_BYTES: c_int = wks_len(&bytes::BYTES);
#[no_mangle]
pub static mut TS_HTTP_LEN_CHUNKED: c_int = wks_len(&bytes::CHUNKED);
#[no_mangle]
pub static mut TS_HTTP_LEN_CLOSE: c_int = wks_len(&bytes::CLOSE);
#[no_mangle]
pub static mut TS_HTTP_LEN_COMPRESS: c_int = wks_len(&bytes::COMPRESS);
#[no_mangle]
pub static mut TS_HTTP_LEN_DEFLATE: c_int = wks_len(&bytes::DEFLATE);
#[no_mangle]
pub static mut TS_HTTP_LEN_GZIP: c_int = wks_len(&bytes::GZIP);
#[no_mangle]
pub static mut TS_HTTP_LEN_BROTLI: c_int = wks_len(&bytes::BROTLI);
#[no_mangle]
pub static mut TS_HTTP_LEN_IDENTITY: c_int = wks_len(&bytes::IDENTITY);
#[no_mangle]
pub static mut TS_HTTP_LEN_KEEP_ALIVE: c_int = wks_len(&bytes::KEEP_ALIVE);
#[no_mangle]
pub static mut TS_HTTP_LEN_MAX_AGE: c_int = wks_len(&bytes::MAX_AGE);
#[no_mangle]
pub static mut TS_HTTP_LEN_MAX_STALE: c_int = wks_len(&bytes::MAX_STALE);
#[no_mangle]
pub static mut TS_HTTP_LEN_MIN_FRESH: c_int = wks_len(&bytes::MIN_FRESH);
#[no_mangle]
pub static mut TS_HTTP_LEN_MUST_REVALIDATE: c_int = wks_len(&bytes::MUST_REVALIDATE);
#[no_mangle]
pub static mut TS_HTTP_LEN_NONE: c_int = wks_len(&bytes::NONE);
#[no_mangle]
pub static mut TS_HTTP_LEN_NO_CACHE: c_int = wks_len(&bytes::NO_CACHE);
#[no_mangle]
pub static mut TS_HTTP_LEN_NO_STORE: c_int = wks_len(&bytes::NO_STORE);
#[no_mangle]
pub static mut TS_HTTP_LEN_NO_TRANSFORM: c_int = wks_len(&bytes::NO_TRANSFORM);
#[no_mangle]
pub static mut TS_HTTP_LEN_ONLY_IF_CACHED: c_int = wks_len(&bytes::ONLY_IF_CACHED);
#[no_mangle]
pub static mut TS_HTTP_LEN_PRIVATE: c_int = wks_len(&bytes::PRIVATE);
#[no_mangle]
pub static mut TS_HTTP_LEN_PROXY_REVALIDATE: c_int = wks_len(&bytes::PROXY_REVALIDATE);
#[no_mangle]
pub static mut TS_HTTP_LEN_PUBLIC: c_int = wks_len(&bytes::PUBLIC);
#[no_mangle]
pub static mut TS_HTTP_LEN_S_MAXAGE: c_int = wks_len(&bytes::S_MAXAGE);

// HTTP methods (`TS_HTTP_METHOD_*`, `TS_HTTP_LEN_*`).
#[no_mangle]
pub static mut TS_HTTP_METHOD_CONNECT: *const c_char = wks(&bytes::METHOD_CONNECT);
#[no_mangle]
pub static mut TS_HTTP_METHOD_DELETE: *const c_char = wks(&bytes::METHOD_DELETE);
#[no_mangle]
pub static mut TS_HTTP_METHOD_GET: *const c_char = wks(&bytes::METHOD_GET);
#[no_mangle]
pub static mut TS_HTTP_METHOD_HEAD: *const c_char = wks(&bytes::METHOD_HEAD);
#[no_mangle]
pub static mut TS_HTTP_METHOD_OPTIONS: *const c_char = wks(&bytes::METHOD_OPTIONS);
#[no_mangle]
pub static mut TS_HTTP_METHOD_POST: *const c_char = wks(&bytes::METHOD_POST);
#[no_mangle]
pub static mut TS_HTTP_METHOD_PURGE: *const c_char = wks(&bytes::METHOD_PURGE);
#[no_mangle]
pub static mut TS_HTTP_METHOD_PUT: *const c_char = wks(&bytes::METHOD_PUT);
#[no_mangle]
pub static mut TS_HTTP_METHOD_TRACE: *const c_char = wks(&bytes::METHOD_TRACE);
#[no_mangle]
pub static mut TS_HTTP_METHOD_PUSH: *const c_char = wks(&bytes::METHOD_PUSH);
#[no_mangle]
pub static mut TS_HTTP_LEN_CONNECT: c_int = wks_len(&bytes::METHOD_CONNECT);
#[no_mangle]
pub static mut TS_HTTP_LEN_DELETE: c_int = wks_len(&bytes::METHOD_DELETE);
#[no_mangle]
pub static mut TS_HTTP_LEN_GET: c_int = wks_len(&bytes::METHOD_GET);
#[no_mangle]
pub static mut TS_HTTP_LEN_HEAD: c_int = wks_len(&bytes::METHOD_HEAD);
#[no_mangle]
pub static mut TS_HTTP_LEN_OPTIONS: c_int = wks_len(&bytes::METHOD_OPTIONS);
#[no_mangle]
pub static mut TS_HTTP_LEN_POST: c_int = wks_len(&bytes::METHOD_POST);
#[no_mangle]
pub static mut TS_HTTP_LEN_PURGE: c_int = wks_len(&bytes::METHOD_PURGE);
#[no_mangle]
pub static mut TS_HTTP_LEN_PUT: c_int = wks_len(&bytes::METHOD_PUT);
#[no_mangle]
pub static mut TS_HTTP_LEN_TRACE: c_int = wks_len(&bytes::METHOD_TRACE);
#[no_mangle]
pub static mut TS_HTTP_LEN_PUSH: c_int = wks_len(&bytes::METHOD_PUSH);

// URL schemes (`TS_URL_SCHEME_*`, `TS_URL_LEN_*`). ATS never assigns TUNNEL, PNM, RTSP, RTSPU, MMS,
// MMSU and MMST: NULL and 0 (their lengths are exported by ATS but not declared by its ts.h).
#[no_mangle]
pub static mut TS_URL_SCHEME_FILE: *const c_char = wks(&bytes::SCHEME_FILE);
#[no_mangle]
pub static mut TS_URL_SCHEME_FTP: *const c_char = wks(&bytes::SCHEME_FTP);
#[no_mangle]
pub static mut TS_URL_SCHEME_GOPHER: *const c_char = wks(&bytes::SCHEME_GOPHER);
#[no_mangle]
pub static mut TS_URL_SCHEME_HTTP: *const c_char = wks(&bytes::SCHEME_HTTP);
#[no_mangle]
pub static mut TS_URL_SCHEME_HTTPS: *const c_char = wks(&bytes::SCHEME_HTTPS);
#[no_mangle]
pub static mut TS_URL_SCHEME_MAILTO: *const c_char = wks(&bytes::SCHEME_MAILTO);
#[no_mangle]
pub static mut TS_URL_SCHEME_NEWS: *const c_char = wks(&bytes::SCHEME_NEWS);
#[no_mangle]
pub static mut TS_URL_SCHEME_NNTP: *const c_char = wks(&bytes::SCHEME_NNTP);
#[no_mangle]
pub static mut TS_URL_SCHEME_PROSPERO: *const c_char = wks(&bytes::SCHEME_PROSPERO);
#[no_mangle]
pub static mut TS_URL_SCHEME_TELNET: *const c_char = wks(&bytes::SCHEME_TELNET);
#[no_mangle]
pub static mut TS_URL_SCHEME_TUNNEL: *const c_char = std::ptr::null();
#[no_mangle]
pub static mut TS_URL_SCHEME_WAIS: *const c_char = wks(&bytes::SCHEME_WAIS);
#[no_mangle]
pub static mut TS_URL_SCHEME_PNM: *const c_char = std::ptr::null();
#[no_mangle]
pub static mut TS_URL_SCHEME_RTSP: *const c_char = std::ptr::null();
#[no_mangle]
pub static mut TS_URL_SCHEME_RTSPU: *const c_char = std::ptr::null();
#[no_mangle]
pub static mut TS_URL_SCHEME_MMS: *const c_char = std::ptr::null();
#[no_mangle]
pub static mut TS_URL_SCHEME_MMSU: *const c_char = std::ptr::null();
#[no_mangle]
pub static mut TS_URL_SCHEME_MMST: *const c_char = std::ptr::null();
#[no_mangle]
pub static mut TS_URL_SCHEME_WS: *const c_char = wks(&bytes::SCHEME_WS);
#[no_mangle]
pub static mut TS_URL_SCHEME_WSS: *const c_char = wks(&bytes::SCHEME_WSS);
#[no_mangle]
pub static mut TS_URL_LEN_FILE: c_int = wks_len(&bytes::SCHEME_FILE);
#[no_mangle]
pub static mut TS_URL_LEN_FTP: c_int = wks_len(&bytes::SCHEME_FTP);
#[no_mangle]
pub static mut TS_URL_LEN_GOPHER: c_int = wks_len(&bytes::SCHEME_GOPHER);
#[no_mangle]
pub static mut TS_URL_LEN_HTTP: c_int = wks_len(&bytes::SCHEME_HTTP);
#[no_mangle]
pub static mut TS_URL_LEN_HTTPS: c_int = wks_len(&bytes::SCHEME_HTTPS);
#[no_mangle]
pub static mut TS_URL_LEN_MAILTO: c_int = wks_len(&bytes::SCHEME_MAILTO);
#[no_mangle]
pub static mut TS_URL_LEN_NEWS: c_int = wks_len(&bytes::SCHEME_NEWS);
#[no_mangle]
pub static mut TS_URL_LEN_NNTP: c_int = wks_len(&bytes::SCHEME_NNTP);
#[no_mangle]
pub static mut TS_URL_LEN_PROSPERO: c_int = wks_len(&bytes::SCHEME_PROSPERO);
#[no_mangle]
pub static mut TS_URL_LEN_TELNET: c_int = wks_len(&bytes::SCHEME_TELNET);
#[no_mangle]
pub static mut TS_URL_LEN_TUNNEL: c_int = 0;
#[no_mangle]
pub static mut TS_URL_LEN_WAIS: c_int = wks_len(&bytes::SCHEME_WAIS);
#[no_mangle]
pub static mut TS_URL_LEN_PNM: c_int = 0;
#[no_mangle]
pub static mut TS_URL_LEN_RTSP: c_int = 0;
#[no_mangle]
pub static mut TS_URL_LEN_RTSPU: c_int = 0;
#[no_mangle]
pub static mut TS_URL_LEN_MMS: c_int = 0;
#[no_mangle]
pub static mut TS_URL_LEN_MMSU: c_int = 0;
#[no_mangle]
pub static mut TS_URL_LEN_MMST: c_int = 0;
#[no_mangle]
pub static mut TS_URL_LEN_WS: c_int = wks_len(&bytes::SCHEME_WS);
#[no_mangle]
pub static mut TS_URL_LEN_WSS: c_int = wks_len(&bytes::SCHEME_WSS);
