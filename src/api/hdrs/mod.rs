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

use super::http::txn_arg;
use super::{guard, here};
use crate::hdrs::field::{parse_int, parse_int64, parse_uint, Field};
use crate::hdrs::tokens::{self, bytes};
use crate::hdrs::url::Part;
use crate::hdrs::{self, HdrType, Heap, HttpHdr, MBuffer, Target, TxnHeaders, Url};
use crate::sys::types::{
    TSHttpStatusRaw, TSHttpTxn, TSHttpTypeRaw, TSMBuffer, TSMLoc, TSParseResultRaw, TSReturnCodeRaw,
};

use crate::sys::types::{TS_ERROR, TS_SUCCESS};
const TS_PARSE_ERROR: TSParseResultRaw = -1;
const TS_PARSE_DONE: TSParseResultRaw = 0;
const NULL_LOC: TSMLoc = std::ptr::null_mut();

// -------------------------------------------------------------------------------------------------
// Argument checks

/// The live heap behind a TSMBuffer.
fn heap_arg(who: crate::api::Here, bufp: TSMBuffer) -> Option<Arc<MBuffer>> {
    let b = MBuffer::from_handle(bufp as usize);
    if b.is_none() {
        crate::error!("{who}: {bufp:p} is not a live TSMBuffer");
    }
    b
}

/// What a TSMLoc of heap `b` refers to.
fn loc_arg(who: crate::api::Here, b: &MBuffer, loc: TSMLoc) -> Option<Target> {
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
fn hdr_arg(who: crate::api::Here, b: &MBuffer, loc: TSMLoc) -> Option<u32> {
    match loc_arg(who, b, loc)? {
        Target::Hdr(id) => Some(id),
        t => {
            crate::error!("{who}: TSMLoc {loc:p} is not an HTTP header ({t:?})");
            None
        }
    }
}

/// A URL TSMLoc.
fn url_arg(who: crate::api::Here, b: &MBuffer, loc: TSMLoc) -> Option<Target> {
    match loc_arg(who, b, loc)? {
        t @ (Target::HdrUrl(_) | Target::Url(_)) => Some(t),
        t => {
            crate::error!("{who}: TSMLoc {loc:p} is not a URL ({t:?})");
            None
        }
    }
}

/// A field handle of header `hdr`.
fn field_arg(who: crate::api::Here, b: &MBuffer, hdr: u32, loc: TSMLoc) -> Option<u64> {
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
unsafe fn req_bytes(
    who: crate::api::Here,
    what: &str,
    p: *const c_char,
    len: c_int,
) -> Option<Vec<u8>> {
    // SAFETY: the same arguments, under the same contract.
    let b = unsafe { c_bytes(p, len) };
    if b.is_none() {
        crate::error!("{who}: NULL {what}");
    }
    b
}

/// Check an out-pointer ATS requires.
fn out_arg<T>(who: crate::api::Here, what: &str, p: *mut T) -> Option<*mut T> {
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
    who: crate::api::Here,
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
    who: crate::api::Here,
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
    who: crate::api::Here,
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
pub(crate) fn with_url<R>(
    who: crate::api::Here,
    bufp: TSMBuffer,
    url: TSMLoc,
    write: bool,
    fallback: R,
    f: impl FnOnce(&mut Url) -> R,
) -> R {
    let Some(mut b) = heap_arg(who, bufp) else {
        return fallback;
    };
    // As ATS, a URL is read through its TSMLoc whatever TSMBuffer comes with it: a remap plugin
    // reads the rule's FROM and TO URLs with the request's buffer. Writes need the URL's own.
    if !write {
        if let Some(other) = hdrs::loc_target(url as usize)
            .filter(|(buf, _)| *buf != b.handle_made())
            .and_then(|(buf, _)| MBuffer::from_handle(buf))
        {
            b = other;
        }
    }
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
fn copy_hdr(who: crate::api::Here, bufp: TSMBuffer, hdr: TSMLoc) -> Option<HttpHdr> {
    with_http(who, bufp, hdr, false, None, |h| Some(h.clone()))
}

/// `make` of a copy of header `src_hdr` as a new header of `dest_bufp`, its location in `*locp`
/// (TSHttpHdrClone, TSMimeHdrClone).
///
/// # Safety
/// `locp` is NULL (refused) or the plugin's writable TSMLoc variable.
unsafe fn clone_hdr_into(
    who: crate::api::Here,
    dest_bufp: TSMBuffer,
    src_bufp: TSMBuffer,
    src_hdr: TSMLoc,
    locp: *mut TSMLoc,
    make: impl FnOnce(HttpHdr) -> HttpHdr,
) -> TSReturnCodeRaw {
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
    unsafe { *locp = dest.lock().add_hdr(make(h)) as TSMLoc };
    TS_SUCCESS
}

pub(crate) fn copy_url(who: crate::api::Here, bufp: TSMBuffer, url: TSMLoc) -> Option<Url> {
    with_url(who, bufp, url, false, None, |u| Some(u.clone()))
}

mod http_hdr;
mod mbuffer;
mod mime;
mod parse_print;
mod txn;
mod url;
mod wks;
