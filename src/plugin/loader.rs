//! Loading plugins as ATS does: dlopen(RTLD_NOW, local scope), TSPluginInit(argc, argv) on the
//! loading thread with getopt's globals reset, and TSPluginRegister required during init.

use std::ffi::CString;
use std::os::raw::{c_char, c_int};
use std::path::Path;
use std::sync::Arc;

use libloading::os::unix::{Library, RTLD_NOW};
use parking_lot::Mutex;

use super::config::{parse_plugin_config, resolve_plugin_path};
use super::PluginInfo;
use crate::config::records::Records;

/// Libraries stay open for the life of the process, as in ATS.
static LIBRARIES: Mutex<Vec<Library>> = Mutex::new(Vec::new());
static LOADED: Mutex<Vec<Arc<PluginInfo>>> = Mutex::new(Vec::new());

// glibc's getopt state (not in the libc crate).
extern "C" {
    static mut optind: c_int;
    static mut opterr: c_int;
    static mut optarg: *mut c_char;
}

/// Reset glibc's getopt state as ATS does before it calls TSPluginInit and TSRemapNewInstance
/// (`optind = 0`, which also makes glibc reinitialise; `opterr = 0`; `optarg = NULL`), so that a
/// plugin can parse its argv with getopt_long.
///
/// # Safety
/// No other thread may be running getopt (plugins are initialised on one thread, as in ATS).
pub(crate) unsafe fn reset_getopt() {
    // SAFETY: glibc's globals, written while no getopt runs (this function's contract).
    unsafe {
        optind = 0;
        opterr = 0;
        optarg = std::ptr::null_mut();
    }
}

type InitFn = unsafe extern "C" fn(c_int, *const *const c_char);

/// Every plugin loaded so far, in load order.
pub fn loaded() -> Vec<Arc<PluginInfo>> {
    LOADED.lock().clone()
}

/// Load every plugin listed in `config` (plugin.config), in file order. A missing plugin.config
/// means no plugins (as ATS); any plugin that fails stops loading with "<file>:<line>: <reason>".
pub fn load_config(
    config: &Path,
    plugin_dir: &Path,
    records: &Records,
) -> Result<Vec<Arc<PluginInfo>>, String> {
    let text = match std::fs::read(config) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            crate::note!("{} not found: no plugins loaded", config.display());
            return Ok(Vec::new());
        }
        Err(e) => return Err(format!("{}: cannot read: {e}", config.display())),
    };
    let parsed = parse_plugin_config(&text, &|name| records.expand(name));
    for w in &parsed.warnings {
        crate::warning!("{w}");
    }
    let mut out = Vec::new();
    for line in &parsed.plugins {
        let origin = format!("{}:{}", config.display(), line.line);
        out.push(load(&origin, plugin_dir, &line.argv).map_err(|e| format!("{origin}: {e}"))?);
    }
    Ok(out)
}

/// Load one plugin: `argv[0]` as written (resolved against `plugin_dir` unless absolute), the rest
/// its arguments. `origin` names where it was listed, for messages.
pub fn load(origin: &str, plugin_dir: &Path, argv: &[Vec<u8>]) -> Result<Arc<PluginInfo>, String> {
    let Some(argv0) = argv.first() else {
        return Err("empty plugin line".into());
    };
    let path = resolve_plugin_path(plugin_dir, argv0);
    super::hostlibs::open();
    crate::note!("loading plugin '{}'", path.display());
    if LOADED.lock().iter().any(|p| p.path == path) {
        crate::warning!("multiple loading of plugin {}", path.display());
    }
    if !path.exists() {
        return Err(format!("unable to load '{}': no such file", path.display()));
    }
    super::check::enable_features_for(&path);
    // SAFETY: loading a plugin runs its initialisers; that is what the operator asked for.
    let lib = unsafe { Library::open(Some(&path), RTLD_NOW) }
        .map_err(|e| format!("unable to load '{}': {e}", path.display()))?;
    // SAFETY: ATS's entry point signature.
    let init: InitFn = match unsafe { lib.get::<InitFn>(b"TSPluginInit\0") } {
        Ok(f) => *f,
        Err(e) => {
            return Err(format!(
                "unable to find TSPluginInit function in '{}': {e}",
                path.display()
            ))
        }
    };
    let info = Arc::new(PluginInfo {
        argv0: String::from_utf8_lossy(argv0).into_owned(),
        path: path.clone(),
        origin: origin.to_string(),
        registration: Mutex::new(None),
        hook_times: Default::default(),
    });
    LIBRARIES.lock().push(lib);

    let args: Vec<CString> = argv
        .iter()
        .map(|a| CString::new(a.split(|b| *b == 0).next().unwrap_or(&[]).to_vec()).unwrap())
        .collect();
    let mut ptrs: Vec<*const c_char> = args.iter().map(|a| a.as_ptr()).collect();
    ptrs.push(std::ptr::null());
    if ptrs.len() > super::config::MAX_PLUGIN_ARGS {
        // ATS keeps argc at 64 but overwrites argv[63] with NULL.
        ptrs[super::config::MAX_PLUGIN_ARGS - 1] = std::ptr::null();
    }

    crate::sched::adopt_current_thread();
    super::set_initializing(Some(info.clone()));
    let ctx = super::enter(Some(&info));
    // SAFETY: glibc's getopt state is reset the way ATS resets it before each TSPluginInit, so
    // plugins can parse their argv with getopt_long; then the plugin's init runs with argv[argc]
    // NULL and strings valid for the duration of the call.
    unsafe {
        reset_getopt();
        init(args.len() as c_int, ptrs.as_ptr());
    }
    drop(ctx);
    super::set_initializing(None);

    if !info.is_registered() {
        return Err(format!(
            "plugin '{}' not registered by calling TSPluginRegister",
            path.display()
        ));
    }
    LOADED.lock().push(info.clone());
    Ok(info)
}
