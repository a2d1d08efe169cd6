//! What a file system has left (statvfs(2)).

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// The bytes the file system of `dir` has left for an unprivileged user (f_bavail x f_frsize);
/// None when it cannot be asked.
pub fn free_bytes(dir: &Path) -> Option<i64> {
    let path = CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut s = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: a NUL-terminated path and a statvfs struct to fill; it is read only on success.
    let s = unsafe {
        if libc::statvfs(path.as_ptr(), s.as_mut_ptr()) != 0 {
            return None;
        }
        s.assume_init()
    };
    Some((s.f_bavail as i64).saturating_mul(s.f_frsize as i64))
}
