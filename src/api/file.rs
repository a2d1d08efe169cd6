//! TSfopen, TSfclose, TSfread, TSfwrite, TSfflush, TSfgets: ATS 9.2's buffered plugin files
//! (InkAPI.cc's FileImpl), the work in `crate::util::file`.
//!
//! Where ATS dereferences whatever it is given (a NULL, closed or foreign TSFile; a NULL file
//! name, mode or buffer) tshost logs the call and returns an error value (NULL, -1, nothing).
//! What ATS answers quietly (a mode other than "r", "w", "a"; a file that does not open; reading a
//! file opened for writing and the reverse) tshost answers the same way, quietly.
use std::ffi::CStr;
use std::os::raw::{c_char, c_void};
use std::sync::Arc;

use super::{guard, here, Here};
use crate::sys::types::TSFile;
use crate::util::file::{self, Gets, TsFile};

/// The live file behind a TSFile; None (logged) for NULL, a closed or a foreign handle.
fn file_arg(who: Here, filep: TSFile) -> Option<Arc<TsFile>> {
    let f = file::get(filep as usize);
    if f.is_none() {
        crate::error!("{who}: {filep:p} is not a live TSFile");
    }
    f
}

/// Opens `filename`: `mode` "r" for reading, "w" for writing (created with mode 0644 if missing;
/// not truncated: bytes past what is written stay), "a" for appending (created if missing). Any
/// other mode ("rb", "r+", "") or a file that does not open: NULL. A NULL name or mode is
/// logged, NULL.
#[no_mangle]
pub unsafe extern "C" fn TSfopen(filename: *const c_char, mode: *const c_char) -> TSFile {
    guard!(std::ptr::null_mut(), || {
        if filename.is_null() || mode.is_null() {
            crate::error!("{}: NULL file name or mode", here!());
            return std::ptr::null_mut();
        }
        // SAFETY: both non-NULL (checked) and NUL-terminated (the API's contract), read during the
        // call only.
        let (name, mode) = unsafe { (CStr::from_ptr(filename), CStr::from_ptr(mode)) };
        file::open(name, mode).map_or(std::ptr::null_mut(), |h| h as TSFile)
    })
}

/// Flushes what TSfwrite buffered, closes the file and ends the handle. A NULL, closed or
/// foreign handle is logged.
#[no_mangle]
pub extern "C" fn TSfclose(filep: TSFile) {
    guard!((), || {
        if !file::close(filep as usize) {
            crate::error!("{}: {filep:p} is not a live TSFile", here!());
        }
    })
}

/// Reads up to `length` bytes into `buf`: what the file's buffer holds, after one read(2) of at
/// least 1024 bytes into it when it holds fewer than `length`. Returns the number of bytes given,
/// 0 at the end of the file, -1 if the file is not open for reading or the read fails. With a
/// NULL `buf` nothing is given: the buffer is filled the same way and the number of bytes it
/// holds is returned. A NULL, closed or foreign handle is logged, -1.
#[no_mangle]
pub unsafe extern "C" fn TSfread(filep: TSFile, buf: *mut c_void, length: usize) -> libc::ssize_t {
    guard!(-1, || {
        let Some(f) = file_arg(here!(), filep) else {
            return -1;
        };
        f.with(|f| {
            if buf.is_null() {
                return f.read(length, None);
            }
            let mut sink = |b: &[u8]| {
                // SAFETY: `buf` is non-NULL with room for `length` bytes (the API's contract),
                // and b.len() <= length; `b` is the file's own buffer.
                unsafe { std::ptr::copy_nonoverlapping(b.as_ptr(), buf.cast::<u8>(), b.len()) }
            };
            f.read(length, Some(&mut sink))
        })
    })
}

/// Writes `length` bytes of `buf` through the file's 1024-byte buffer, which goes to the file
/// when it is full and more is left (else at TSfflush or TSfclose). Returns the number of bytes
/// taken (fewer when the file refuses them), -1 if the file is not open for writing. A NULL,
/// closed or foreign handle, or a NULL `buf` with a `length`, is logged, -1.
#[no_mangle]
pub unsafe extern "C" fn TSfwrite(
    filep: TSFile,
    buf: *const c_void,
    length: usize,
) -> libc::ssize_t {
    guard!(-1, || {
        let who = here!();
        let Some(f) = file_arg(who, filep) else {
            return -1;
        };
        if length == 0 {
            return f.with(|f| f.write(&[]));
        }
        if buf.is_null() {
            crate::error!("{who}: NULL buf for {length} bytes");
            return -1;
        }
        if length > isize::MAX as usize {
            crate::error!("{who}: length {length} is not a size");
            return -1;
        }
        // SAFETY: non-NULL (checked) with `length` readable bytes (the API's contract), length <=
        // isize::MAX; read during the call only.
        let data = unsafe { std::slice::from_raw_parts(buf.cast::<u8>(), length) };
        f.with(|f| f.write(data))
    })
}

/// Writes out what TSfwrite buffered. Nothing for a file open for reading. A NULL, closed or
/// foreign handle is logged.
#[no_mangle]
pub extern "C" fn TSfflush(filep: TSFile) {
    guard!((), || {
        if let Some(f) = file_arg(here!(), filep) {
            f.with(|f| f.flush());
        }
    })
}

/// Reads a line into `buf`: up to and with its '\n', at most `length - 1` bytes (the rest of a
/// longer line comes next), NUL-terminated; returns `buf`. NULL at the end of the file, for a
/// `length` of 0 and for a file open for writing, except when `length - 1` bytes or more wait in
/// its buffer: then `buf`, as ATS (which leaves it as it was; tshost makes it ""). A NULL, closed
/// or foreign handle, or a NULL `buf`, is logged, NULL.
#[no_mangle]
pub unsafe extern "C" fn TSfgets(filep: TSFile, buf: *mut c_char, length: usize) -> *mut c_char {
    guard!(std::ptr::null_mut(), || {
        let who = here!();
        let Some(f) = file_arg(who, filep) else {
            return std::ptr::null_mut();
        };
        if length == 0 {
            return std::ptr::null_mut();
        }
        if buf.is_null() {
            crate::error!("{who}: NULL buf");
            return std::ptr::null_mut();
        }
        let mut sink = |b: &[u8]| {
            // SAFETY: `buf` is non-NULL with room for `length` bytes (the API's contract), and
            // b.len() <= length - 1, so the NUL fits; `b` is the file's own buffer.
            unsafe {
                std::ptr::copy_nonoverlapping(b.as_ptr(), buf.cast::<u8>(), b.len());
                *buf.add(b.len()) = 0;
            }
        };
        match f.with(|f| f.gets(length, &mut sink)) {
            Gets::Null => std::ptr::null_mut(),
            Gets::Line => buf,
            Gets::Failed => {
                // ATS returns `buf` untouched there; an empty string is at least a string.
                // SAFETY: non-NULL with room for length >= 1 bytes (the API's contract).
                unsafe { *buf = 0 };
                buf
            }
        }
    })
}
