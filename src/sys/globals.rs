//! The data ATS exports to plugins, and the one place that writes it.

use std::os::raw::c_int;

/// ATS's `diags_on_for_plugins`: non-zero while debug output is enabled (used by `TSDEBUG`).
#[no_mangle]
pub static mut diags_on_for_plugins: c_int = 0;

/// Keep `diags_on_for_plugins` in step with the debug setting ([`crate::diags`] calls it).
pub fn set_diags_on_for_plugins(on: bool) {
    // SAFETY: a plain int that plugins only read; a volatile write of a whole int, made at
    // configuration time.
    unsafe { std::ptr::addr_of_mut!(diags_on_for_plugins).write_volatile(on as c_int) };
}
