//! HTTP headers: create, clone, copy, type, method, URL, version, status, reason, length.

use super::*;

// -------------------------------------------------------------------------------------------------
// HTTP headers

/// A new HTTP header of unknown type in the heap (give it a type with TSHttpHdrTypeSet).
#[no_mangle]
pub extern "C" fn TSHttpHdrCreate(bufp: TSMBuffer) -> TSMLoc {
    guard!(NULL_LOC, || {
        let Some(b) = heap_arg(here!(), bufp) else {
            return NULL_LOC;
        };
        let loc = b.lock().add_hdr(HttpHdr::new(HdrType::Unknown));
        loc as TSMLoc
    })
}

/// A no-op, as in ATS (the header lives as long as its heap).
#[no_mangle]
pub extern "C" fn TSHttpHdrDestroy(bufp: TSMBuffer, offset: TSMLoc) {
    guard!((), || {
        with_hdr(here!(), bufp, offset, false, (), |_, _| ())
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
    guard!(TS_ERROR, || {
        // SAFETY: the plugin's out-pointer: NULL (refused) or writable.
        unsafe { clone_hdr_into(here!(), dest_bufp, src_bufp, src_hdr, locp, |h| h) }
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
    guard!(TS_ERROR, || {
        let Some(h) = copy_hdr(here!(), src_bufp, src_obj) else {
            return TS_ERROR;
        };
        with_http(here!(), dest_bufp, dest_obj, true, TS_ERROR, |d| {
            *d = h;
            TS_SUCCESS
        })
    })
}

/// The header's type: TS_HTTP_TYPE_REQUEST, _RESPONSE, or _UNKNOWN (0), also for a bad heap or
/// location.
#[no_mangle]
pub extern "C" fn TSHttpHdrTypeGet(bufp: TSMBuffer, offset: TSMLoc) -> TSHttpTypeRaw {
    guard!(0, || {
        with_http(here!(), bufp, offset, false, 0, |h| match h.hdr_type() {
            HdrType::Unknown => 0,
            HdrType::Request => 1,
            HdrType::Response => 2,
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
    guard!(TS_ERROR, || {
        let t = match type_ {
            0 => HdrType::Unknown,
            1 => HdrType::Request,
            2 => HdrType::Response,
            _ => {
                crate::error!("{}: invalid TSHttpType {type_}", here!());
                return TS_ERROR;
            }
        };
        with_http(here!(), bufp, offset, true, TS_ERROR, |h| {
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
    guard!(null(), || {
        let who = here!();
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
    guard!(TS_ERROR, || {
        let who = here!();
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
    guard!(null(), || {
        let who = here!();
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
    guard!(TS_ERROR, || {
        let who = here!();
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
    guard!(TS_ERROR, || {
        let who = here!();
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
    guard!(0, || {
        with_http(here!(), bufp, offset, false, 0, |h| {
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
    guard!(TS_ERROR, || {
        with_http(here!(), bufp, offset, true, TS_ERROR, |h| {
            h.set_version((((ver >> 16) & 0xff) as u8, (ver & 0xff) as u8));
            TS_SUCCESS
        })
    })
}

/// The status of a response (0 for a request, where ATS reads garbage).
#[no_mangle]
pub extern "C" fn TSHttpHdrStatusGet(bufp: TSMBuffer, offset: TSMLoc) -> TSHttpStatusRaw {
    guard!(0, || {
        with_http(here!(), bufp, offset, false, 0, |h| {
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
    guard!(TS_ERROR, || {
        let Ok(s) = u16::try_from(status) else {
            crate::error!("{}: invalid status {status}", here!());
            return TS_ERROR;
        };
        with_http(here!(), bufp, offset, true, TS_ERROR, |h| {
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
    guard!(null(), || {
        let who = here!();
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
    guard!(TS_ERROR, || {
        let who = here!();
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
    guard!(null(), || {
        tokens::reason_cstr(status).map_or(null(), |c| c.as_ptr())
    })
}

/// The length of the printed header (request line with the URL as stored, fields, blank line).
#[no_mangle]
pub extern "C" fn TSHttpHdrLengthGet(bufp: TSMBuffer, offset: TSMLoc) -> c_int {
    guard!(0, || {
        with_http(here!(), bufp, offset, false, 0, |h| h.length() as c_int)
    })
}

/// The request's effective URL (its URL, with the Host field's host and port when the URL names
/// none, `http` when it names no scheme; scheme and host lower-cased) into `buf`: `*length` gets
/// its length, and it is written (without a NUL) only when it fits in `size` bytes (a smaller
/// buffer is not an error: call with `size` 0 to learn the length). TS_ERROR for a response.
#[no_mangle]
pub unsafe extern "C" fn TSHttpHdrEffectiveUrlBufGet(
    bufp: TSMBuffer,
    offset: TSMLoc,
    buf: *mut c_char,
    size: i64,
    length: *mut i64,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        let Some(length) = out_arg(who, "length", length) else {
            return TS_ERROR;
        };
        if size > 0 && buf.is_null() {
            crate::error!("{who}: NULL buf with size {size}");
            return TS_ERROR;
        }
        with_hdr(who, bufp, offset, false, TS_ERROR, |heap, id| {
            let h = &heap.hdr(id).unwrap().hdr;
            if h.hdr_type() != HdrType::Request {
                return TS_ERROR;
            }
            let url = h.effective_url(true);
            // SAFETY: `length` is non-NULL (out_arg above); `buf` has `size` writable bytes when
            // `size` > 0 (the API contract), and only url.len() <= size of them are written.
            unsafe {
                *length = url.len() as i64;
                if (url.len() as i64) <= size {
                    std::ptr::copy_nonoverlapping(url.as_ptr(), buf.cast(), url.len());
                }
            }
            TS_SUCCESS
        })
    })
}
