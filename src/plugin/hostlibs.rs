//! The system libraries ATS's `traffic_server` links and its plugins therefore find in the
//! process without linking them themselves: Debian's regex_remap.so, header_rewrite.so and
//! cachekey.so call `pcre_*`, compress.so and stats_over_http.so zlib. tshost opens them with
//! RTLD_GLOBAL before the first plugin loads, when the system has them (libcrypto and libssl,
//! which s3_auth.so and others call, are tshost's own dependencies already). A library that is
//! missing is noted once; a plugin that needs it then fails to load naming the symbol.

use libloading::os::unix::{Library, RTLD_GLOBAL, RTLD_NOW};
use parking_lot::Mutex;

/// What `traffic_server` links that plugins call (sonames as Debian ships them).
pub const HOST_LIBRARIES: &[&str] = &["libpcre.so.3", "libz.so.1"];

/// Kept open for the life of the process.
static OPENED: Mutex<Option<Vec<Library>>> = Mutex::new(None);

/// Open the host libraries (once).
pub fn open() {
    let mut opened = OPENED.lock();
    if opened.is_some() {
        return;
    }
    let mut libs = Vec::new();
    for name in HOST_LIBRARIES {
        // SAFETY: a system library (its initialisers are the library's own), opened so that
        // plugins resolve against it as they do in traffic_server.
        match unsafe { Library::open(Some(name), RTLD_NOW | RTLD_GLOBAL) } {
            Ok(l) => libs.push(l),
            Err(e) => crate::note!(
                "{name} is not available ({e}): plugins that call it (as they may in ATS) will not load"
            ),
        }
    }
    *opened = Some(libs);
}
