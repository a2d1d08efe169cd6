//! `traffic_server -C verify_global_plugin PATH` and `-C verify_remap_plugin PATH`: open a plugin's
//! shared object and check that it has the functions ATS requires, without calling any of them,
//! with ATS 9.2.9's lines on stderr, its ERRORs in the diagnostics (diags.log) and its exit codes
//! (0 verified, 1 not).
//!
//! Global: `dlopen(RTLD_NOW)` must succeed and `TSPluginInit` must be there. Remap:
//! `dlopen(RTLD_NOW | RTLD_LOCAL)`, then `TSRemapInit` and `TSRemapDoRemap` are required, and
//! `TSRemapNewInstance` and `TSRemapDeleteInstance` come as a pair. ATS opens a remap plugin from a
//! copy in a temporary directory (its dynamic reload), so its dlopen errors name the copy; tshost
//! opens the file itself and names it.

use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_void};
use std::path::Path;

/// Which entry points to check for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PluginKind {
    Global,
    Remap,
}

fn dlerror_text() -> String {
    // SAFETY: dlerror returns NULL or a NUL-terminated string valid until the next dl* call.
    let e = unsafe { libc::dlerror() };
    if e.is_null() {
        "Unknown dlopen() error".to_string()
    } else {
        // SAFETY: non-NULL, NUL-terminated (above).
        unsafe { CStr::from_ptr(e) }.to_string_lossy().into_owned()
    }
}

/// An open shared object, closed when dropped.
struct Dso(*mut c_void);

impl Dso {
    fn open(path: &str, flags: libc::c_int) -> Result<Dso, String> {
        let c = CString::new(path).map_err(|_| "path contains a NUL byte".to_string())?;
        // SAFETY: opening the shared object runs its initialisers, which is what verification
        // means in ATS too.
        let h = unsafe { libc::dlopen(c.as_ptr(), flags) };
        if h.is_null() {
            Err(dlerror_text())
        } else {
            Ok(Dso(h))
        }
    }

    /// Ok when the symbol is there; Err(dlerror text) when not.
    fn symbol(&self, name: &str) -> Result<(), String> {
        let c = CString::new(name).expect("symbol name");
        // SAFETY: clearing the error state, then looking a symbol up in a handle we hold.
        unsafe { libc::dlerror() };
        let p = unsafe { libc::dlsym(self.0, c.as_ptr() as *const c_char) };
        if p.is_null() {
            Err(dlerror_text())
        } else {
            Ok(())
        }
    }
}

impl Drop for Dso {
    fn drop(&mut self) {
        // SAFETY: a handle from dlopen, closed once.
        unsafe { libc::dlclose(self.0) };
    }
}

/// Check the global plugin at `path`: Err(message) as ATS words it (and logs it as an ERROR).
fn check_global(path: &str) -> Result<(), String> {
    let dso =
        Dso::open(path, libc::RTLD_NOW).map_err(|e| format!("unable to load '{path}': {e}"))?;
    dso.symbol("TSPluginInit")
        .map_err(|e| format!("unable to find TSPluginInit function in '{path}': {e}"))
}

/// ATS's message for a missing remap function. ATS builds it with the plugin's configuration
/// path, which is empty when verifying: hence `plugin  missing` with two spaces, kept as ATS
/// prints it.
fn missing(required: &str, requiring: Option<&str>) -> String {
    match requiring {
        Some(r) => format!("plugin  missing required function {required} if {r} is defined"),
        None => format!("plugin  missing required function {required}"),
    }
}

/// Check the remap plugin at `path`: Err(message for stderr). ATS's ERROR lines (failed to load,
/// callbacks validation failed) are logged here.
fn check_remap(path: &str) -> Result<(), String> {
    let dso = match Dso::open(path, libc::RTLD_NOW | libc::RTLD_LOCAL) {
        Ok(d) => d,
        Err(e) => {
            crate::error!("plugin '' failed to load: {e}");
            return Err(e);
        }
    };
    let has = |name: &str| dso.symbol(name).is_ok();
    let new_instance = has("TSRemapNewInstance");
    let delete_instance = has("TSRemapDeleteInstance");
    let problem = if !has("TSRemapInit") {
        Some(missing("TSRemapInit", None))
    } else if !has("TSRemapDoRemap") {
        Some(missing("TSRemapDoRemap", None))
    } else if !new_instance && delete_instance {
        Some(missing("TSRemapNewInstance", Some("TSRemapDeleteInstance")))
    } else if new_instance && !delete_instance {
        Some(missing("TSRemapDeleteInstance", Some("TSRemapNewInstance")))
    } else {
        None
    };
    match problem {
        Some(e) => {
            crate::error!("plugin '' callbacks validation failed: {e}");
            Err(e)
        }
        None => Ok(()),
    }
}

/// Run `verify_global_plugin` / `verify_remap_plugin` with the command's argument (`None`: the
/// command had none). Prints ATS's lines on stderr; returns the exit code (0 or 1).
pub fn verify_plugin(argument: Option<&str>, kind: PluginKind) -> i32 {
    let Some(path) = argument else {
        eprintln!("ERROR: verifying a plugin requires a plugin SO file path argument");
        return 1;
    };
    eprintln!("NOTE: verifying plugin '{path}'...");
    if !Path::new(path).exists() {
        eprintln!("ERROR: verifying plugin '{path}' Fail: No such file or directory");
        return 1;
    }
    let result = match kind {
        PluginKind::Global => check_global(path).inspect_err(|e| crate::error!("{e}")),
        PluginKind::Remap => check_remap(path),
    };
    match result {
        Ok(()) => {
            eprintln!("NOTE: verifying plugin '{path}' Success");
            0
        }
        Err(e) => {
            eprintln!("ERROR: verifying plugin '{path}' Fail: {e}");
            1
        }
    }
}
