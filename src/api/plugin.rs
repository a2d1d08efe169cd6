//! TSPluginRegister, version and directory getters.
use std::ffi::CStr;
use std::os::raw::{c_char, c_int};

use super::{guard, here};
use crate::plugin::Registration;
use crate::sys::types::{TSPluginRegistrationInfo, TSReturnCodeRaw};

/// Records the plugin's registration. Only valid while its TSPluginInit runs (TS_ERROR otherwise).
#[no_mangle]
pub unsafe extern "C" fn TSPluginRegister(
    plugin_info: *const TSPluginRegistrationInfo,
) -> TSReturnCodeRaw {
    guard!(-1, || {
        if plugin_info.is_null() {
            crate::error!("{}: NULL plugin_info", here!());
            return -1;
        }
        let Some(p) = crate::plugin::initializing() else {
            crate::error!("{}: called outside TSPluginInit", here!());
            return -1;
        };
        // SAFETY: non-NULL (checked above); the plugin passes a TSPluginRegistrationInfo that
        // lives for the call (TSPluginRegister's contract).
        let info = unsafe { &*plugin_info };
        let s = |c: *const c_char| {
            (!c.is_null()).then(|| {
                // SAFETY: the info's strings are NUL-terminated or NULL; NULL is checked here.
                unsafe { CStr::from_ptr(c) }.to_string_lossy().into_owned()
            })
        };
        *p.registration.lock() = Some(Registration {
            plugin_name: s(info.plugin_name),
            vendor_name: s(info.vendor_name),
            support_email: s(info.support_email),
        });
        0
    })
}

/// tshost presents itself to plugins as the ATS version whose API it implements.
pub const VERSION: &CStr = c"9.2.9";

/// The ATS version tshost implements, "9.2.9" (a static string; tshost_version names tshost's own).
#[no_mangle]
pub extern "C" fn TSTrafficServerVersionGet() -> *const c_char {
    guard!(VERSION.as_ptr(), || { VERSION.as_ptr() })
}

/// The major number of TSTrafficServerVersionGet: 9.
#[no_mangle]
pub extern "C" fn TSTrafficServerVersionGetMajor() -> c_int {
    guard!(9, || 9)
}

/// The minor number of TSTrafficServerVersionGet: 2.
#[no_mangle]
pub extern "C" fn TSTrafficServerVersionGetMinor() -> c_int {
    guard!(2, || 2)
}

/// The patch number of TSTrafficServerVersionGet: 9.
#[no_mangle]
pub extern "C" fn TSTrafficServerVersionGetPatch() -> c_int {
    guard!(9, || 9)
}

/// The configuration directory (absolute).
#[no_mangle]
pub extern "C" fn TSConfigDirGet() -> *const c_char {
    guard!(std::ptr::null(), || { crate::host::dirs().config.as_ptr() })
}

/// The directory relative plugin paths are resolved against (absolute).
#[no_mangle]
pub extern "C" fn TSPluginDirGet() -> *const c_char {
    guard!(std::ptr::null(), || { crate::host::dirs().plugin.as_ptr() })
}

/// The installation prefix (the directory above the one holding the executable).
#[no_mangle]
pub extern "C" fn TSInstallDirGet() -> *const c_char {
    guard!(std::ptr::null(), || {
        crate::host::dirs().install.as_ptr()
    })
}

/// `proxy.config.local_state_dir`, or the configuration directory.
#[no_mangle]
pub extern "C" fn TSRuntimeDirGet() -> *const c_char {
    guard!(std::ptr::null(), || {
        crate::host::dirs().runtime.as_ptr()
    })
}
