//! Encoding utilities: TSBase64Encode/TSBase64Decode (ATS's ats_base64_encode/decode) and
//! TSStringPercentEncode/TSStringPercentDecode (InkAPI.cc over LogUtils::pure_escapify_url and
//! URL.cc's unescape_str); TSUrlPercentEncode (src/api/hdrs/url.rs) shares the encoder's checks.
//! The work is in `crate::util::codec`.
//!
//! Where ATS asserts (a NULL string or destination; a destination no longer than the string to
//! percent-encode) tshost logs the call and returns TS_ERROR. The input is copied before the
//! output is written, so the string and the destination may overlap (TSStringPercentDecode
//! documents decoding in place).
use std::os::raw::{c_char, c_int, c_uchar};

use super::{guard, here, Here};
use crate::sys::types::{TSReturnCodeRaw, TS_ERROR, TS_SUCCESS};
use crate::util::codec;

/// `len` bytes at `p`, copied; None (logged) for NULL.
///
/// # Safety
/// `p` is NULL or has `len` readable bytes.
unsafe fn input(who: Here, what: &str, p: *const c_char, len: usize) -> Option<Vec<u8>> {
    if p.is_null() {
        crate::error!("{who}: NULL {what}");
        return None;
    }
    if len > isize::MAX as usize {
        crate::error!("{who}: {what} length {len} is not a size");
        return None;
    }
    // SAFETY: non-NULL with `len` readable bytes (this function's contract), len <= isize::MAX;
    // copied at once.
    Some(unsafe { std::slice::from_raw_parts(p.cast::<u8>(), len) }.to_vec())
}

/// Write `out` (NUL included) to `dst` and its length without the NUL to `*length` (if non-NULL).
///
/// # Safety
/// `dst` is non-NULL with room for `out.len()` bytes; `length` is NULL or writable.
unsafe fn output(out: &[u8], n: usize, dst: *mut c_char, length: *mut usize) {
    // SAFETY: `dst` has room for out.len() bytes (this function's contract); `out` is ours.
    unsafe { std::ptr::copy_nonoverlapping(out.as_ptr(), dst.cast::<u8>(), out.len()) };
    if !length.is_null() {
        // SAFETY: non-NULL and writable (this function's contract).
        unsafe { *length = n };
    }
}

fn null_dst(who: Here, dst: *const c_char) -> bool {
    if dst.is_null() {
        crate::error!("{who}: NULL dst");
    }
    dst.is_null()
}

// -------------------------------------------------------------------------------------------------
// Base64

/// Base64-decodes `str_len` bytes of `str` into `dst`, NUL-terminated, `*length` (if non-NULL)
/// the decoded length without the NUL. TS_ERROR if `dst_size` < `((str_len + 3) / 4) * 3 + 1`
/// (nothing written). Both alphabets decode (`+` or `-`, `/` or `_`); decoding stops at the first
/// other character (`=` included), with ATS's arithmetic for a partial last group (1 left-over
/// character gives 1 or 2 bytes, 2 give 1, 3 give 2). A NULL `str` or `dst` is logged, TS_ERROR.
#[no_mangle]
pub unsafe extern "C" fn TSBase64Decode(
    str: *const c_char,
    str_len: usize,
    dst: *mut c_uchar,
    dst_size: usize,
    length: *mut usize,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        // SAFETY: the plugin passes `str` with `str_len` readable bytes.
        let Some(src) = (unsafe { input(who, "str", str, str_len) }) else {
            return TS_ERROR;
        };
        if null_dst(who, dst.cast()) {
            return TS_ERROR;
        }
        let Some(need) = codec::base64_decode_dstlen(src.len()) else {
            return TS_ERROR;
        };
        if dst_size < need {
            return TS_ERROR;
        }
        let mut out = vec![0u8; need];
        let Some((n, written)) = codec::base64_decode(&src, &mut out) else {
            return TS_ERROR;
        };
        // SAFETY: `dst` is non-NULL (checked) with dst_size >= need >= written bytes (the API's
        // contract); `length` is NULL or the plugin's size_t.
        unsafe { output(&out[..written], n, dst.cast(), length) };
        TS_SUCCESS
    })
}

/// Base64-encodes `str_len` bytes of `str` into `dst` (standard alphabet, `=` padding, no line
/// breaks), NUL-terminated, `*length` (if non-NULL) the encoded length without the NUL. TS_ERROR
/// if `dst_size` < `((str_len + 2) / 3) * 4 + 1` (nothing written). A NULL `str` or `dst` is
/// logged, TS_ERROR.
#[no_mangle]
pub unsafe extern "C" fn TSBase64Encode(
    str: *const c_char,
    str_len: usize,
    dst: *mut c_char,
    dst_size: usize,
    length: *mut usize,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        // SAFETY: the plugin passes `str` with `str_len` readable bytes.
        let Some(src) = (unsafe { input(who, "str", str, str_len) }) else {
            return TS_ERROR;
        };
        if null_dst(who, dst) {
            return TS_ERROR;
        }
        let Some(need) = codec::base64_encode_dstlen(src.len()) else {
            return TS_ERROR;
        };
        if dst_size < need {
            return TS_ERROR;
        }
        let mut out = vec![0u8; need];
        let Some(n) = codec::base64_encode(&src, &mut out) else {
            return TS_ERROR;
        };
        // SAFETY: `dst` is non-NULL (checked) with dst_size >= need = out.len() bytes (the API's
        // contract); `length` is NULL or the plugin's size_t.
        unsafe { output(&out, n, dst, length) };
        TS_SUCCESS
    })
}

// -------------------------------------------------------------------------------------------------
// Percent coding

/// TSStringPercentEncode's work on `src` (also TSUrlPercentEncode's, on the URL's string):
/// ATS's assertion that `src` is shorter than `dst_size` logged as an error; the encoding as
/// LogUtils::pure_escapify_url; `*length` = 0 on failure.
///
/// # Safety
/// `dst` is NULL (refused) or has room for `dst_size` bytes; `length` is NULL or writable; `map`
/// is NULL or 32 readable bytes.
pub(super) unsafe fn percent_encode_to(
    who: Here,
    src: &[u8],
    dst: *mut c_char,
    dst_size: usize,
    length: *mut usize,
    map: *const c_uchar,
) -> TSReturnCodeRaw {
    let fail = || {
        if !length.is_null() {
            // SAFETY: non-NULL and writable (this function's contract).
            unsafe { *length = 0 };
        }
        TS_ERROR
    };
    if null_dst(who, dst) {
        return fail();
    }
    if src.len() >= dst_size {
        crate::error!(
            "{who}: a string of {} bytes needs more than dst_size {dst_size}",
            src.len()
        );
        return fail();
    }
    let map: [u8; 32] = if map.is_null() {
        codec::DEFAULT_ESCAPE_MAP
    } else {
        // SAFETY: non-NULL, 32 readable bytes (the API's contract: a 256-bit map).
        unsafe { *map.cast::<[u8; 32]>() }
    };
    // The result is at most 3 bytes per input byte, and a NUL.
    let room = dst_size.min(src.len().saturating_mul(3).saturating_add(1));
    let mut out = vec![0u8; room];
    let Some(n) = codec::percent_encode(src, &mut out, &map) else {
        return fail();
    };
    let written = if n == src.len() {
        // Nothing escaped: copied up to an embedded NUL.
        out.iter()
            .position(|&c| c == 0)
            .map_or(out.len(), |p| p + 1)
    } else {
        n + 1
    };
    // SAFETY: `dst` is non-NULL (checked) with dst_size >= room >= written bytes (this
    // function's contract); `length` is NULL or writable.
    unsafe { output(&out[..written], n, dst, length) };
    TS_SUCCESS
}

/// Percent-encodes `str` (`str_len` < 0: up to its NUL) into `dst`, NUL-terminated: each byte
/// that `map` (32 bytes, one bit per byte value, most significant bit first) marks becomes `%XX`
/// (upper-case hex). With a NULL `map`: the controls, space, `"`, `#`, `%`, `<`, `>`, `[`, `\`,
/// `]`, `^`, `` ` ``, `{`, `|`, `}`, `~` and DEL; nothing above 0x7F. `*length` (if non-NULL) =
/// the encoded length, 0 on failure. TS_ERROR if the result and its NUL do not fit; a `dst_size`
/// not larger than the string (ATS asserts) or a NULL `str`/`dst` is logged, TS_ERROR.
#[no_mangle]
pub unsafe extern "C" fn TSStringPercentEncode(
    str: *const c_char,
    str_len: c_int,
    dst: *mut c_char,
    dst_size: usize,
    length: *mut usize,
    map: *const c_uchar,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        let len = if str_len < 0 && !str.is_null() {
            // SAFETY: non-NULL, and NUL-terminated when str_len < 0 (the API's contract).
            unsafe { libc::strlen(str) }
        } else {
            str_len.max(0) as usize
        };
        // SAFETY: the plugin passes `str` with `len` readable bytes.
        let Some(src) = (unsafe { input(who, "str", str, len) }) else {
            if !length.is_null() {
                // SAFETY: non-NULL; the plugin's size_t.
                unsafe { *length = 0 };
            }
            return TS_ERROR;
        };
        // SAFETY: the plugin passes `dst` with room for `dst_size` bytes, `length` NULL or
        // writable, `map` NULL or 32 bytes.
        unsafe { percent_encode_to(who, &src, dst, dst_size, length, map) }
    })
}

/// Percent-decodes `str_len` bytes of `str` (0: up to its NUL) into `dst`, NUL-terminated; `str`
/// and `dst` may be the same buffer. `%` and two hex digits (either case) give that byte; a `%`
/// without two hex digits after it is kept as it is, except at the very end of the string (`%`
/// or `%X` there is dropped). Decoding stops when `dst_size` bytes are made; the result is then
/// cut to `dst_size - 1` for the NUL. `*length` (if non-NULL) = the decoded length. Always
/// TS_SUCCESS, as ATS, but for a NULL `str`/`dst` or a `dst_size` of 0 (logged, TS_ERROR).
#[no_mangle]
pub unsafe extern "C" fn TSStringPercentDecode(
    str: *const c_char,
    str_len: usize,
    dst: *mut c_char,
    dst_size: usize,
    length: *mut usize,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        let len = if str_len == 0 && !str.is_null() {
            // SAFETY: non-NULL, and NUL-terminated when str_len is 0 (the API's contract).
            unsafe { libc::strlen(str) }
        } else {
            str_len
        };
        // SAFETY: the plugin passes `str` with `len` readable bytes.
        let Some(src) = (unsafe { input(who, "str", str, len) }) else {
            return TS_ERROR;
        };
        if null_dst(who, dst) {
            return TS_ERROR;
        }
        if dst_size == 0 {
            crate::error!("{who}: dst_size 0 leaves no room for the NUL");
            return TS_ERROR;
        }
        // Decoding never makes more bytes than it reads: len + 1 is all `dst` can get.
        let mut out = vec![0u8; dst_size.min(len.saturating_add(1))];
        let n = codec::percent_decode(&src, &mut out);
        // SAFETY: `dst` is non-NULL (checked) with room for dst_size >= n + 1 bytes (the API's
        // contract); `length` is NULL or the plugin's size_t.
        unsafe { output(&out[..=n], n, dst, length) };
        TS_SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn base64_boundaries() {
        let mut d = [0x55u8; 16];
        let mut n = 99usize;
        // SAFETY: literals and local buffers of the sizes given.
        unsafe {
            assert_eq!(
                TSBase64Encode(c"fo".as_ptr(), 2, d.as_mut_ptr().cast(), 4, &mut n),
                TS_ERROR
            );
            assert_eq!(n, 99, "untouched on failure");
            assert_eq!(d[0], 0x55, "nothing written on failure");
            assert_eq!(
                TSBase64Encode(c"fo".as_ptr(), 2, d.as_mut_ptr().cast(), 5, &mut n),
                TS_SUCCESS
            );
            assert_eq!((n, &d[..5]), (4, &b"Zm8=\0"[..]));
            assert_eq!(d[5], 0x55, "nothing past the size needed");
            assert_eq!(
                TSBase64Decode(c"Zm8=".as_ptr(), 4, d.as_mut_ptr(), 3, &mut n),
                TS_ERROR
            );
            assert_eq!(
                TSBase64Decode(c"Zm8=".as_ptr(), 4, d.as_mut_ptr(), 4, std::ptr::null_mut()),
                TS_SUCCESS
            );
            assert_eq!(&d[..3], b"fo\0");
            assert_eq!(
                TSBase64Decode(std::ptr::null(), 0, d.as_mut_ptr(), 4, &mut n),
                TS_ERROR
            );
            assert_eq!(
                TSBase64Encode(c"".as_ptr(), 0, std::ptr::null_mut(), 4, &mut n),
                TS_ERROR
            );
        }
    }

    #[test]
    fn percent_decode_in_place() {
        let mut b = *b"a%41%zz%4\0";
        let mut n = 0usize;
        let p = b.as_mut_ptr().cast::<c_char>();
        // SAFETY: one local buffer as source and destination, NUL-terminated.
        unsafe {
            assert_eq!(TSStringPercentDecode(p, 0, p, b.len(), &mut n), TS_SUCCESS);
            assert_eq!(CStr::from_ptr(p).to_bytes(), b"aA%zz");
            assert_eq!(n, 5);
        }
    }

    #[test]
    fn percent_encode_checks_the_size_first() {
        let mut d = [0x55u8; 8];
        let mut n = 7usize;
        let dp = d.as_mut_ptr().cast::<c_char>();
        // SAFETY: literals and a local buffer of 8 bytes.
        unsafe {
            assert_eq!(
                TSStringPercentEncode(c"abc".as_ptr(), -1, dp, 3, &mut n, std::ptr::null()),
                TS_ERROR
            );
            assert_eq!(n, 0);
            assert_eq!(
                TSStringPercentEncode(c"abc".as_ptr(), -1, dp, 4, &mut n, std::ptr::null()),
                TS_SUCCESS
            );
            assert_eq!((n, &d[..4]), (3, &b"abc\0"[..]));
            assert_eq!(
                TSStringPercentEncode(c"a b".as_ptr(), 3, dp, 5, &mut n, std::ptr::null()),
                TS_ERROR,
                "a%20b needs 6"
            );
            assert_eq!(n, 0);
            assert_eq!(
                TSStringPercentEncode(c"a b".as_ptr(), 3, dp, 6, &mut n, std::ptr::null()),
                TS_SUCCESS
            );
            assert_eq!((n, &d[..6]), (5, &b"a%20b\0"[..]));
            // str_len shorter than the string: only str_len bytes.
            assert_eq!(
                TSStringPercentEncode(c"abcdef".as_ptr(), 2, dp, 8, &mut n, std::ptr::null()),
                TS_SUCCESS
            );
            assert_eq!((n, &d[..3]), (2, &b"ab\0"[..]));
        }
    }
}
