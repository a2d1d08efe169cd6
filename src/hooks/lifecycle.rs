//! Plugin lifecycle hooks (TSLifecycleHookAdd): continuations called, in the order they were
//! added, when the process reaches a point of its life. tshost fires them where ATS 9.2.9 does
//! (checked beside Debian's traffic_server with a plugin on every hook): the client SSL_CTX (for
//! origins), each server SSL_CTX made (edata the SSL_CTX), then PORTS_INITIALIZED (ports bound,
//! not accepting yet), PORTS_READY (accepting), CACHE_READY (ATS fires it with the cache off
//! too), TASK_THREADS_READY, and SHUTDOWN when a stop begins. MSG carries a TSPluginMsg (fired by
//! `tshost_plugin_msg` and `tshost ctl plugin msg`).
//!
//! Each call holds the continuation's mutex, as ATS's APIHook::invoke does.
#![forbid(unsafe_code)]

use std::os::raw::c_void;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::cont::Cont;
use crate::sys::types::{TSEvent, TSLifecycleHookID};

/// The lifecycle hooks ATS 9.2 fires (TSLifecycleHookID's values up to SHUTDOWN).
pub const COUNT: usize = TSLifecycleHookID::TS_LIFECYCLE_SHUTDOWN_HOOK as usize + 1;

static HOOKS: [Mutex<Vec<Arc<Cont>>>; COUNT] = [const { Mutex::new(Vec::new()) }; COUNT];

/// Add `cont` to lifecycle hook `id` (a valid TSLifecycleHookID below TS_LIFECYCLE_LAST_HOOK);
/// false for an id tshost does not know.
pub fn add(id: usize, cont: Arc<Cont>) -> bool {
    match HOOKS.get(id) {
        Some(list) => {
            list.lock().push(cont);
            true
        }
        None => false,
    }
}

/// Call every continuation of hook `id` with its event and `edata`, in order, on this thread.
pub fn fire(id: TSLifecycleHookID, edata: *mut c_void) {
    let Some(list) = HOOKS.get(id as usize) else {
        return;
    };
    let conts = list.lock().clone();
    let event = TSEvent::TS_EVENT_LIFECYCLE_PORTS_INITIALIZED as i32 + id as i32;
    for cont in conts {
        if cont.is_deleted() {
            continue;
        }
        cont.call_locked(event, edata);
    }
}

/// Deliver a plugin message, as ATS's `traffic_ctl plugin msg TAG [DATA]`: the continuations of
/// TS_LIFECYCLE_MSG_HOOK get TS_EVENT_LIFECYCLE_MSG with a TSPluginMsg, on this thread, in add
/// order. As traffic_ctl sends it, the data is NUL-terminated and `data_size` counts the NUL;
/// without data, `data` is NULL and `data_size` 0. An error for a tag or data with a NUL byte.
pub fn plugin_msg(tag: &str, data: Option<&str>) -> Result<(), String> {
    let tag = std::ffi::CString::new(tag).map_err(|_| "the tag has a NUL byte".to_string())?;
    let data = data
        .map(std::ffi::CString::new)
        .transpose()
        .map_err(|_| "the data has a NUL byte".to_string())?;
    let mut msg = crate::sys::types::TSPluginMsg {
        tag: tag.as_ptr(),
        data: data
            .as_ref()
            .map_or(std::ptr::null(), |d| d.as_ptr().cast()),
        data_size: data.as_ref().map_or(0, |d| d.as_bytes_with_nul().len()),
    };
    fire(
        TSLifecycleHookID::TS_LIFECYCLE_MSG_HOOK,
        (&mut msg as *mut crate::sys::types::TSPluginMsg).cast(),
    );
    Ok(())
}

/// Whether any continuation waits on hook `id` (so a caller can skip making its edata).
pub fn has(id: TSLifecycleHookID) -> bool {
    HOOKS.get(id as usize).is_some_and(|l| !l.lock().is_empty())
}
