//! The error body a plugin hands over with TSHttpTxnErrorBodySet (C memory tshost then owns).
#![allow(unsafe_code)]

use std::ffi::CStr;
use std::os::raw::{c_char, c_void};

/// A body given with TSHttpTxnErrorBodySet: tshost owns the plugin's malloc'ed buffer and type
/// string and frees them with free(), as ATS does.
pub struct ErrorBody {
    pub(crate) buf: *mut c_char,
    pub(crate) len: usize,
    pub(crate) mime: *mut c_char,
}

// SAFETY: the buffers were handed over by the plugin; only tshost touches them afterwards.
unsafe impl Send for ErrorBody {}

impl ErrorBody {
    pub fn body(&self) -> &[u8] {
        if self.buf.is_null() {
            &[]
        } else {
            // SAFETY: the plugin gave `len` bytes at `buf` and handed them over.
            unsafe { std::slice::from_raw_parts(self.buf as *const u8, self.len) }
        }
    }

    /// The Content-Type the plugin gave, if any.
    pub fn mime(&self) -> Option<&CStr> {
        // SAFETY: a NUL-terminated string handed over by the plugin.
        (!self.mime.is_null()).then(|| unsafe { CStr::from_ptr(self.mime) })
    }
}

impl Drop for ErrorBody {
    fn drop(&mut self) {
        // SAFETY: both come from the C allocator (TSmalloc/TSstrdup/malloc) per the API contract.
        unsafe {
            libc::free(self.buf as *mut c_void);
            libc::free(self.mime as *mut c_void);
        }
    }
}
