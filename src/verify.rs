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

use std::os::raw::c_void;
use std::path::Path;

use libloading::os::unix::Library;

/// Which entry points to check for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PluginKind {
    Global,
    Remap,
}

/// Open `path` as the plugin loader does (libloading), with `flags`; Err(dlerror's text).
fn open(path: &str, flags: libc::c_int) -> Result<Library, String> {
    // SAFETY: opening the shared object runs its initialisers, which is what verification means
    // in ATS too.
    unsafe { Library::open(Some(path), flags) }.map_err(|e| e.to_string())
}

/// Ok when `lib` has the symbol `name`; Err(dlerror's text) when not.
fn symbol(lib: &Library, name: &str) -> Result<(), String> {
    // SAFETY: only the symbol's presence is checked; it is never read or called.
    unsafe { lib.get::<*const c_void>(name.as_bytes()) }
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Check the global plugin at `path`: Err(message) as ATS words it (and logs it as an ERROR).
fn check_global(path: &str) -> Result<(), String> {
    let lib = open(path, libc::RTLD_NOW).map_err(|e| format!("unable to load '{path}': {e}"))?;
    symbol(&lib, "TSPluginInit")
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
    let lib = match open(path, libc::RTLD_NOW | libc::RTLD_LOCAL) {
        Ok(d) => d,
        Err(e) => {
            crate::error!("plugin '' failed to load: {e}");
            return Err(e);
        }
    };
    let has = |name: &str| symbol(&lib, name).is_ok();
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
