//! _TSmalloc & co: the C library allocator, since memory crosses the boundary both ways.
use std::os::raw::{c_char, c_void};

use super::{guard, here};

/// `size` bytes from the C allocator (free with TSfree), zeroed. NULL for size 0, as ATS, and NULL
/// (logged) when out of memory. ATS does not promise zeroes, but its plugins are loaded while its
/// heap is fresh, and some depend on that: esi.so placement-news an options struct whose flags
/// have no initializer into TSmalloc's memory (with garbage there, it reads "disable gzip").
#[no_mangle]
pub unsafe extern "C" fn _TSmalloc(size: usize, _path: *const c_char) -> *mut c_void {
    guard!(std::ptr::null_mut(), || {
        if size == 0 {
            return std::ptr::null_mut();
        }
        // SAFETY: calloc takes any size; a NULL answer is handled below.
        let p = unsafe { libc::calloc(1, size) };
        if p.is_null() {
            crate::error!("{}: out of memory allocating {size} bytes", here!());
        }
        p
    })
}

/// C `realloc` of a block from TSmalloc/TSrealloc/TSstrdup (NULL `ptr`: a new block). NULL (logged)
/// when out of memory, the old block then left untouched.
#[no_mangle]
pub unsafe extern "C" fn _TSrealloc(
    ptr: *mut c_void,
    size: usize,
    _path: *const c_char,
) -> *mut c_void {
    guard!(std::ptr::null_mut(), || {
        // SAFETY: `ptr` is NULL or a live block from the C allocator (TSmalloc, TSrealloc,
        // TSstrdup: this function's contract); on failure realloc leaves it untouched.
        let p = unsafe { libc::realloc(ptr, size) };
        if p.is_null() && size != 0 {
            crate::error!("{}: out of memory reallocating to {size} bytes", here!());
        }
        p
    })
}

/// Copies at most `length` bytes (all of it if `length` < 0), stopping at a NUL, and terminates.
#[no_mangle]
pub unsafe extern "C" fn _TSstrdup(
    str: *const c_char,
    length: i64,
    _path: *const c_char,
) -> *mut c_char {
    guard!(std::ptr::null_mut(), || {
        if str.is_null() {
            return std::ptr::null_mut();
        }
        // As ATS's _xstrdup, whose length is an int: truncated first, then negative means "up to
        // the NUL" (checking before the truncation let 2^31..2^32 through as a huge size: a
        // len + 1 that wrapped to malloc(0) in a release build, then a copy past it).
        let length = length as i32;
        let len = if length < 0 {
            // SAFETY: non-NULL (checked above); with a negative length the caller passes a
            // NUL-terminated string.
            unsafe { libc::strlen(str) }
        } else {
            length as usize
        };
        // SAFETY: non-NULL; strnlen reads no further than a NUL or `len` bytes, which the caller
        // guarantees are readable.
        let n = unsafe { libc::strnlen(str, len) };
        // SAFETY: malloc takes any size; a NULL answer is handled below.
        let p = unsafe { libc::malloc(len + 1) } as *mut c_char;
        if p.is_null() {
            crate::error!("{}: out of memory", here!());
            return p;
        }
        // SAFETY: `p` is a fresh block of len + 1 bytes and n <= len; `str` has n readable bytes
        // (strnlen above) and cannot overlap the new block.
        unsafe {
            std::ptr::copy_nonoverlapping(str, p, n);
            std::ptr::write_bytes(p.add(n), 0, len + 1 - n);
        }
        p
    })
}

/// BSD strlcpy.
#[no_mangle]
pub unsafe extern "C" fn _TSstrlcpy(dst: *mut c_char, src: *const c_char, siz: usize) -> usize {
    guard!(0, || {
        if src.is_null() {
            crate::error!("{}: NULL source; nothing copied", here!());
            return 0;
        }
        // SAFETY: `src` is a non-NULL (checked), NUL-terminated string (strlcpy's contract).
        let n = unsafe { libc::strlen(src) };
        if siz > 0 && !dst.is_null() {
            let c = n.min(siz - 1);
            // SAFETY: `dst` is non-NULL (checked) with room for `siz` bytes (strlcpy's contract),
            // and c < siz; `src` has n >= c readable bytes. `copy` allows overlap.
            unsafe {
                std::ptr::copy(src, dst, c);
                *dst.add(c) = 0;
            }
        }
        n
    })
}

/// BSD strlcat.
#[no_mangle]
pub unsafe extern "C" fn _TSstrlcat(dst: *mut c_char, src: *const c_char, siz: usize) -> usize {
    guard!(0, || {
        if dst.is_null() || src.is_null() {
            crate::error!("{}: NULL destination or source; nothing appended", here!());
            return 0;
        }
        // SAFETY: `dst` is non-NULL (checked) with `siz` readable bytes (strlcat's contract);
        // strnlen reads no further.
        let dlen = unsafe { libc::strnlen(dst, siz) };
        if dlen == siz {
            // SAFETY: `src` is a non-NULL (checked), NUL-terminated string (strlcat's contract).
            return siz + unsafe { libc::strlen(src) };
        }
        // SAFETY: dlen < siz, so dst + dlen is inside the caller's buffer with siz - dlen bytes of
        // room left; `src` is NUL-terminated (strlcat's contract).
        dlen + unsafe { _TSstrlcpy(dst.add(dlen), src, siz - dlen) }
    })
}

/// Free a block from TSmalloc/TSrealloc/TSstrdup or one the API handed over; NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn _TSfree(ptr: *mut c_void) {
    guard!((), || {
        // SAFETY: `ptr` is NULL or a block of the C allocator not yet freed (this function's
        // contract).
        unsafe { libc::free(ptr) }
    })
}

#[cfg(test)]
mod string_tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn tsmalloc_gives_zeroed_memory_even_where_the_heap_held_bytes() {
        // SAFETY: blocks from _TSmalloc, written within their size, freed once.
        unsafe {
            let p = _TSmalloc(256, std::ptr::null()) as *mut u8;
            std::ptr::write_bytes(p, 0xAB, 256);
            libc::free(p.cast());
            for _ in 0..8 {
                let q = _TSmalloc(256, std::ptr::null()) as *mut u8;
                assert!(std::slice::from_raw_parts(q, 256).iter().all(|b| *b == 0));
                libc::free(q.cast());
            }
            assert!(_TSmalloc(0, std::ptr::null()).is_null());
        }
    }

    fn dup(s: &CStr, length: i64) -> Option<String> {
        // SAFETY: a NUL-terminated literal; the copy is freed here.
        unsafe {
            let p = _TSstrdup(s.as_ptr(), length, std::ptr::null());
            if p.is_null() {
                return None;
            }
            let out = CStr::from_ptr(p).to_string_lossy().into_owned();
            _TSfree(p.cast());
            Some(out)
        }
    }

    #[test]
    fn strdup_length_is_an_int_as_in_ats() {
        assert_eq!(dup(c"hello", -1).as_deref(), Some("hello"));
        assert_eq!(dup(c"hello", 3).as_deref(), Some("hel"));
        // 2^32 - 1 is -1 as an int: up to the NUL (it was taken as a size of 2^64 - 1).
        assert_eq!(dup(c"hello", 0xFFFF_FFFF).as_deref(), Some("hello"));
        // 2^32 + 3 is 3 as an int.
        assert_eq!(dup(c"hello", 0x1_0000_0003).as_deref(), Some("hel"));
    }

    #[test]
    fn strlcpy_and_strlcat_refuse_null_instead_of_crashing() {
        let mut buf = [0 as c_char; 8];
        // SAFETY: NULL is what is tested; `buf` has 8 bytes.
        unsafe {
            assert_eq!(_TSstrlcpy(buf.as_mut_ptr(), std::ptr::null(), buf.len()), 0);
            assert_eq!(_TSstrlcat(std::ptr::null_mut(), c"x".as_ptr(), 8), 0);
            assert_eq!(_TSstrlcat(buf.as_mut_ptr(), std::ptr::null(), buf.len()), 0);
            assert_eq!(_TSstrlcpy(buf.as_mut_ptr(), c"abc".as_ptr(), buf.len()), 3);
            assert_eq!(
                _TSstrlcat(buf.as_mut_ptr(), c"defgh".as_ptr(), buf.len()),
                8
            );
            assert_eq!(CStr::from_ptr(buf.as_ptr()).to_bytes(), b"abcdefg");
        }
    }
}
