//! URLs: create, clone, copy, parse, print, and each part.

use super::*;

// -------------------------------------------------------------------------------------------------
// URLs

/// A new empty URL in the heap.
#[no_mangle]
pub unsafe extern "C" fn TSUrlCreate(bufp: TSMBuffer, locp: *mut TSMLoc) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let Some(locp) = out_arg(here!(), "locp", locp) else {
            return TS_ERROR;
        };
        let Some(b) = heap_arg(here!(), bufp) else {
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
    guard!(TS_ERROR, || {
        let who = here!();
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
    guard!(TS_ERROR, || {
        let Some(u) = copy_url(here!(), src_bufp, src_obj) else {
            return TS_ERROR;
        };
        with_url(here!(), dest_bufp, dest_obj, true, TS_ERROR, |d| {
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
    guard!(TS_PARSE_ERROR, || {
        let who = here!();
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
    guard!(std::ptr::null_mut(), || {
        let who = here!();
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
    guard!(0, || {
        with_url(here!(), bufp, offset, false, 0, |u| u.length() as c_int)
    })
}

/// TSStringPercentEncode of the URL's string (as TSUrlStringGet prints it) into `dst`. A bad
/// heap or URL handle, a NULL `dst`, or a `dst_size` not larger than the URL's string (ATS
/// asserts) is logged, TS_ERROR.
#[no_mangle]
pub unsafe extern "C" fn TSUrlPercentEncode(
    bufp: TSMBuffer,
    offset: TSMLoc,
    dst: *mut c_char,
    dst_size: usize,
    length: *mut usize,
    map: *const std::os::raw::c_uchar,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        let Some(url) = with_url(who, bufp, offset, false, None, |u| Some(u.to_bytes())) else {
            return TS_ERROR;
        };
        // SAFETY: the plugin passes `dst` with room for `dst_size` bytes, `length` NULL or
        // writable, `map` NULL or 32 bytes.
        unsafe { crate::api::util::percent_encode_to(who, &url, dst, dst_size, length, map) }
    })
}

/// A part of the URL, its length in `*length`.
///
/// # Safety
/// `length` is NULL (refused) or writable.
unsafe fn url_part_get(
    who: crate::api::Here,
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
    who: crate::api::Here,
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
    guard!(null(), || {
        let who = here!();
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
    guard!(null(), || {
        let who = here!();
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
    guard!(TS_ERROR, || {
        // SAFETY: the plugin passes NULL or `length` bytes (a C string if `length` < 0).
        unsafe { url_part_set(here!(), bufp, offset, value, length, Url::set_scheme) }
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
    guard!(null(), || {
        // SAFETY: the plugin's `length`: NULL (refused) or writable.
        unsafe { url_part_get(here!(), bufp, offset, length, Part::User) }
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
    guard!(TS_ERROR, || {
        // SAFETY: the plugin passes NULL or `length` bytes (a C string if `length` < 0).
        unsafe { url_part_set(here!(), bufp, offset, value, length, Url::set_user) }
    })
}

/// The password of the URL's authority, as TSUrlUserGet.
#[no_mangle]
pub unsafe extern "C" fn TSUrlPasswordGet(
    bufp: TSMBuffer,
    offset: TSMLoc,
    length: *mut c_int,
) -> *const c_char {
    guard!(null(), || {
        // SAFETY: the plugin's `length`: NULL (refused) or writable.
        unsafe { url_part_get(here!(), bufp, offset, length, Part::Password) }
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
    guard!(TS_ERROR, || {
        // SAFETY: the plugin passes NULL or `length` bytes (a C string if `length` < 0).
        unsafe { url_part_set(here!(), bufp, offset, value, length, Url::set_password) }
    })
}

/// The host; NULL/0 for an origin-form client request before remap.
#[no_mangle]
pub unsafe extern "C" fn TSUrlHostGet(
    bufp: TSMBuffer,
    offset: TSMLoc,
    length: *mut c_int,
) -> *const c_char {
    guard!(null(), || {
        // SAFETY: the plugin's `length`: NULL (refused) or writable.
        unsafe { url_part_get(here!(), bufp, offset, length, Part::Host) }
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
    guard!(TS_ERROR, || {
        // SAFETY: the plugin passes NULL or `length` bytes (a C string if `length` < 0).
        unsafe { url_part_set(here!(), bufp, offset, value, length, Url::set_host) }
    })
}

/// The port, else the default of the scheme (80, 443), else 0.
#[no_mangle]
pub extern "C" fn TSUrlPortGet(bufp: TSMBuffer, offset: TSMLoc) -> c_int {
    guard!(0, || {
        with_url(here!(), bufp, offset, false, 0, |u| {
            u.port_or_default() as c_int
        })
    })
}

/// The port written in the URL (0 if none).
#[no_mangle]
pub extern "C" fn TSUrlRawPortGet(bufp: TSMBuffer, offset: TSMLoc) -> c_int {
    guard!(0, || {
        with_url(here!(), bufp, offset, false, 0, |u| {
            u.port().unwrap_or(0) as c_int
        })
    })
}

/// 0 removes the port; a negative port is TS_ERROR (as ATS), one above 65535 too.
#[no_mangle]
pub extern "C" fn TSUrlPortSet(bufp: TSMBuffer, offset: TSMLoc, port: c_int) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let Ok(p) = u16::try_from(port) else {
            if port > 0 {
                crate::error!("{}: port {port} out of range", here!());
            }
            return TS_ERROR;
        };
        with_url(here!(), bufp, offset, true, TS_ERROR, |u| {
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
    guard!(null(), || {
        // SAFETY: the plugin's `length`: NULL (refused) or writable.
        unsafe { url_part_get(here!(), bufp, offset, length, Part::Path) }
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
    guard!(TS_ERROR, || {
        // SAFETY: the plugin passes NULL or `length` bytes (a C string if `length` < 0).
        unsafe {
            url_part_set(here!(), bufp, offset, value, length, |u, v| {
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
    guard!(null(), || {
        // SAFETY: the plugin's `length`: NULL (refused) or writable.
        unsafe { url_part_get(here!(), bufp, offset, length, Part::Params) }
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
    guard!(TS_ERROR, || {
        // SAFETY: the plugin passes NULL or `length` bytes (a C string if `length` < 0).
        unsafe { url_part_set(here!(), bufp, offset, value, length, Url::set_params) }
    })
}

/// The query without its '?'.
#[no_mangle]
pub unsafe extern "C" fn TSUrlHttpQueryGet(
    bufp: TSMBuffer,
    offset: TSMLoc,
    length: *mut c_int,
) -> *const c_char {
    guard!(null(), || {
        // SAFETY: the plugin's `length`: NULL (refused) or writable.
        unsafe { url_part_get(here!(), bufp, offset, length, Part::Query) }
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
    guard!(TS_ERROR, || {
        // SAFETY: the plugin passes NULL or `length` bytes (a C string if `length` < 0).
        unsafe { url_part_set(here!(), bufp, offset, value, length, Url::set_query) }
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
    guard!(null(), || {
        // SAFETY: the plugin's `length`: NULL (refused) or writable.
        unsafe { url_part_get(here!(), bufp, offset, length, Part::Fragment) }
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
    guard!(TS_ERROR, || {
        // SAFETY: the plugin passes NULL or `length` bytes (a C string if `length` < 0).
        unsafe { url_part_set(here!(), bufp, offset, value, length, Url::set_fragment) }
    })
}
