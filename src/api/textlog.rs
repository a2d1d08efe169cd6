//! TSTextLogObjectCreate & co: plugins' text logs (ATS 9.2 InkAPI.cc's logging API over
//! TextLogObject), the work in `crate::textlog`. TSTextLogObjectWrite is variadic: varargs.c
//! formats the line and hands it to `__tshost_textlog_write` here.
//!
//! Where ATS asserts (a NULL name, result pointer or format; a NULL, destroyed or foreign
//! TSTextLogObject) tshost logs the call and returns TS_ERROR, or nothing for the functions that
//! return nothing. A mode out of 0..=3 is TS_ERROR as in ATS, logged here. One difference:
//! TSTextLogObjectRollingEnabledSet refuses a value out of 0..=4 (TS_ERROR, logged), which is
//! what ATS means to do; ATS 9.2's check (`LogRollingEnabledIsValid`) lets every value through.
use std::ffi::CStr;
use std::os::raw::{c_char, c_int};
use std::sync::Arc;

use super::{guard, here, Here};
use crate::sys::types::{
    TSReturnCodeRaw, TSTextLogObject, TS_ERROR, TS_LOG_MODE_DO_NOT_RENAME,
    TS_LOG_MODE_INVALID_FLAG, TS_SUCCESS,
};
use crate::textlog::rolling::Enabled;
use crate::textlog::{self, TextLog};

/// The live log behind a TSTextLogObject; None (logged) for NULL, a destroyed or a foreign one.
fn log_arg(who: Here, h: TSTextLogObject) -> Option<Arc<TextLog>> {
    let log = textlog::get(h as usize);
    if log.is_none() {
        crate::error!("{who}: {h:p} is not a live TSTextLogObject");
    }
    log
}

/// The text logs' settings: records.config's, the logs in `proxy.config.log.logfile_dir` (without
/// one, as `tshost --config-dir` without it, in the configuration directory).
fn config() -> Arc<textlog::Config> {
    textlog::config(|| {
        let d = crate::host::dirs();
        let dir = d.log_path.clone().unwrap_or_else(|| d.config_path.clone());
        textlog::Config::from_records(crate::host::records(), dir)
    })
}

/// Creates a text log named `filename` in `proxy.config.log.logfile_dir` (`.log` added when the
/// name has no `.`; a final `.` is dropped instead; `stdout` and `stderr` are the process's) and
/// sets `*new_log_obj` to it. `mode` is 0 or an OR of TS_LOG_MODE_ADD_TIMESTAMP (each line starts
/// with the local time, `20240309.07h05m02s `) and TS_LOG_MODE_DO_NOT_RENAME. As in ATS 9.2, any
/// non-zero mode adds the timestamp (ATS tests `(bool)mode & TS_LOG_MODE_ADD_TIMESTAMP`). A name
/// another live log has gets `_1`, `_2`, ... (a WARNING), and a file already there that is not a
/// text log's is rolled away (a WARNING); with TS_LOG_MODE_DO_NOT_RENAME either is TS_ERROR
/// instead. Rolling starts from `proxy.config.log.rolling_enabled` & co. The file is created
/// with the first line (at once with `proxy.config.log.rolling_allow_empty`). A mode out of
/// 0..=3 or a conflict: TS_ERROR, `*new_log_obj` NULL. A NULL name or `new_log_obj` is logged,
/// TS_ERROR.
#[no_mangle]
pub unsafe extern "C" fn TSTextLogObjectCreate(
    filename: *const c_char,
    mode: c_int,
    new_log_obj: *mut TSTextLogObject,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        if new_log_obj.is_null() {
            crate::error!("{who}: NULL new_log_obj");
            return TS_ERROR;
        }
        // SAFETY: non-NULL (checked), pointing at the plugin's TSTextLogObject (the API's
        // contract); written during the call only.
        unsafe { *new_log_obj = std::ptr::null_mut() };
        if filename.is_null() {
            crate::error!("{who}: NULL filename");
            return TS_ERROR;
        }
        if !(0..TS_LOG_MODE_INVALID_FLAG).contains(&mode) {
            crate::error!(
                "{who}: mode {mode} is not 0 or an OR of TS_LOG_MODE_ADD_TIMESTAMP (1) and \
                 TS_LOG_MODE_DO_NOT_RENAME (2)"
            );
            return TS_ERROR;
        }
        // SAFETY: non-NULL (checked) and NUL-terminated (the API's contract), read during the
        // call only.
        let name = unsafe { CStr::from_ptr(filename) }.to_bytes();
        let rename = mode & TS_LOG_MODE_DO_NOT_RENAME == 0;
        match textlog::create(name, mode != 0, rename, config()) {
            Ok(h) => {
                // SAFETY: as above.
                unsafe { *new_log_obj = h as TSTextLogObject };
                TS_SUCCESS
            }
            Err(e) => {
                crate::error!("{who}: {e}");
                TS_ERROR
            }
        }
    })
}

/// Called by varargs.c's TSTextLogObjectWrite with the line it formatted (`len` bytes; NULL for a
/// NULL format).
/// cbindgen:ignore
#[no_mangle]
pub unsafe extern "C" fn __tshost_textlog_write(
    the_object: TSTextLogObject,
    text: *const c_char,
    len: usize,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = Here("TSTextLogObjectWrite");
        let Some(log) = log_arg(who, the_object) else {
            return TS_ERROR;
        };
        if text.is_null() {
            crate::error!("{who}: NULL format");
            return TS_ERROR;
        }
        // SAFETY: varargs.c passes its own buffer, `len` bytes formatted into it, alive for the
        // call.
        let line = unsafe { std::slice::from_raw_parts(text.cast::<u8>(), len) };
        if log.write(line) {
            TS_SUCCESS
        } else {
            TS_ERROR
        }
    })
}

/// Waits until every line written to `the_object` before this call is in its file (at most 10
/// s; longer is a WARNING). A NULL, destroyed or foreign handle is logged.
#[no_mangle]
pub extern "C" fn TSTextLogObjectFlush(the_object: TSTextLogObject) {
    guard!((), || {
        let who = here!();
        if let Some(log) = log_arg(who, the_object) {
            if !log.flush() {
                crate::warning!("{who}: {}: the log writer did not finish in time", log.name);
            }
        }
    })
}

/// Writes what is left of the log's lines, closes its file and ends the handle: using it again is
/// an error (logged). TS_SUCCESS; a NULL, destroyed or foreign handle is logged, TS_ERROR.
#[no_mangle]
pub extern "C" fn TSTextLogObjectDestroy(the_object: TSTextLogObject) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        if textlog::destroy(the_object as usize) {
            TS_SUCCESS
        } else {
            crate::error!("{}: {the_object:p} is not a live TSTextLogObject", here!());
            TS_ERROR
        }
    })
}

/// The line a new file of this log starts with (a newline added if it has none); NULL: none.
/// Files already there keep theirs. A NULL, destroyed or foreign handle is logged.
#[no_mangle]
pub unsafe extern "C" fn TSTextLogObjectHeaderSet(
    the_object: TSTextLogObject,
    header: *const c_char,
) {
    guard!((), || {
        let Some(log) = log_arg(here!(), the_object) else {
            return;
        };
        let header = (!header.is_null()).then(|| {
            // SAFETY: non-NULL (checked) and NUL-terminated (the API's contract), copied now.
            unsafe { CStr::from_ptr(header) }
                .to_string_lossy()
                .into_owned()
        });
        log.set_header(header);
    })
}

/// Sets the rolling mode, `proxy.config.log.rolling_enabled`'s values: 0 none, 1 on time, 2 on
/// size, 3 time or size, 4 time and size. Call it before the other rolling setters: as in ATS, an
/// interval, offset or size is only kept by a mode that uses it (values out of range are
/// adjusted, with a NOTE). TS_SUCCESS; another value, or a NULL, destroyed or foreign handle, is
/// logged, TS_ERROR.
#[no_mangle]
pub extern "C" fn TSTextLogObjectRollingEnabledSet(
    the_object: TSTextLogObject,
    rolling_enabled: c_int,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        let Some(log) = log_arg(who, the_object) else {
            return TS_ERROR;
        };
        let Some(enabled) = Enabled::from_int(i64::from(rolling_enabled)) else {
            crate::error!("{who}: {rolling_enabled} is not a rolling mode (0 to 4)");
            return TS_ERROR;
        };
        log.set_rolling(|r| r.enabled = enabled);
        TS_SUCCESS
    })
}

/// Rolls every `rolling_interval_sec` seconds from the offset hour (with a mode on time): raised
/// to 30, lowered to 86400, or raised until it divides a day, with a NOTE. A NULL, destroyed or
/// foreign handle is logged.
#[no_mangle]
pub extern "C" fn TSTextLogObjectRollingIntervalSecSet(
    the_object: TSTextLogObject,
    rolling_interval_sec: c_int,
) {
    guard!((), || {
        if let Some(log) = log_arg(here!(), the_object) {
            log.set_rolling(|r| r.interval_sec = rolling_interval_sec);
        }
    })
}

/// The local hour (0 to 23) rolls on time are counted from (with a mode on time); another value
/// is 0, with a NOTE. A NULL, destroyed or foreign handle is logged.
#[no_mangle]
pub extern "C" fn TSTextLogObjectRollingOffsetHrSet(
    the_object: TSTextLogObject,
    rolling_offset_hr: c_int,
) {
    guard!((), || {
        if let Some(log) = log_arg(here!(), the_object) {
            log.set_rolling(|r| r.offset_hr = rolling_offset_hr);
        }
    })
}

/// Rolls once the file holds more than `rolling_size_mb` MiB (with a mode on size; looked at every
/// `proxy.config.log.periodic_tasks_interval` seconds); below 10 it is 10, with a NOTE. A NULL,
/// destroyed or foreign handle is logged.
#[no_mangle]
pub extern "C" fn TSTextLogObjectRollingSizeMbSet(
    the_object: TSTextLogObject,
    rolling_size_mb: c_int,
) {
    guard!((), || {
        if let Some(log) = log_arg(here!(), the_object) {
            log.set_rolling(|r| r.size_mb = rolling_size_mb);
        }
    })
}
