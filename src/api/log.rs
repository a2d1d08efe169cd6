//! TSDebug & co (the variadic front ends are in varargs.c), TSIsDebugTagSet, assertions.
use std::ffi::CStr;
use std::os::raw::{c_char, c_int};

use super::guard;
use crate::diags::{self, Level};

/// `p` as text, None for NULL.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string that outlives `'a`.
unsafe fn opt_str<'a>(p: *const c_char) -> Option<std::borrow::Cow<'a, str>> {
    if p.is_null() {
        None
    } else {
        // SAFETY: non-NULL here, NUL-terminated and alive for 'a (this function's contract).
        Some(unsafe { CStr::from_ptr(p) }.to_string_lossy())
    }
}

/// Called by varargs.c: is debug output on for this tag?
/// cbindgen:ignore
#[no_mangle]
pub unsafe extern "C" fn __tshost_debug_tag_enabled(tag: *const c_char) -> c_int {
    guard!(0, || {
        // SAFETY: the caller (varargs.c, passing the plugin's tag) gives NULL or a NUL-terminated
        // string that lives for the call.
        let tag = unsafe { opt_str(tag) };
        diags::tag_enabled(tag.as_deref()) as c_int
    })
}

/// Called by varargs.c: is debug output on at all?
/// cbindgen:ignore
#[no_mangle]
pub extern "C" fn __tshost_debug_enabled() -> c_int {
    guard!(0, || { diags::debug_enabled() as c_int })
}

/// Called by varargs.c with a formatted message.
/// cbindgen:ignore
#[no_mangle]
pub unsafe extern "C" fn __tshost_diag_emit(level: c_int, tag: *const c_char, msg: *const c_char) {
    guard!((), || {
        let level = Level::from_int(level).unwrap_or(Level::Error);
        // SAFETY: varargs.c passes the plugin's tag and the message it formatted: each NULL or a
        // NUL-terminated string that lives for the call.
        let (tag, msg) = unsafe { (opt_str(tag), opt_str(msg).unwrap_or_default()) };
        diags::emit(level, tag.as_deref(), &msg);
    })
}

/// 1 if debug output is on and `t` matches `proxy.config.diags.debug.tags` (a NULL tag matches).
#[no_mangle]
pub unsafe extern "C" fn TSIsDebugTagSet(t: *const c_char) -> c_int {
    guard!(0, || {
        // SAFETY: the plugin passes NULL or a NUL-terminated tag: that function's contract.
        unsafe { __tshost_debug_tag_enabled(t) }
    })
}

/// TSReleaseAssert's failure path: prints `Fatal: <file>:<line>: failed assertion `<text>``
/// and aborts, as ATS.
#[no_mangle]
pub unsafe extern "C" fn _TSReleaseAssert(txt: *const c_char, f: *const c_char, l: c_int) -> ! {
    // The message goes through the boundary; the abort comes whether or not it could be written.
    guard!((), || {
        // SAFETY: TSReleaseAssert passes its stringified condition and __FILE__: NULL or
        // NUL-terminated strings that live for the call.
        let (txt, f) = unsafe {
            (
                opt_str(txt).unwrap_or_default(),
                opt_str(f).unwrap_or_default(),
            )
        };
        diags::emit(
            Level::Error,
            None,
            &format!("Fatal: {f}:{l}: failed assertion `{txt}`"),
        );
    });
    std::process::abort()
}

/// TSAssert's failure path: a no-op returning 0 (ATS release builds).
#[no_mangle]
pub extern "C" fn _TSAssert(_txt: *const c_char, _f: *const c_char, _l: c_int) -> c_int {
    guard!(0, || 0)
}
