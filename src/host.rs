//! The host: configuration, directories and plugins, started once per process (by the `tshost`
//! binary or, for C programs, by `tshost_start`).
#![forbid(unsafe_code)]

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use parking_lot::RwLock;

use crate::config::records::{RecValue, Records};
use crate::layout::Layout;

pub struct Dirs {
    pub config: CString,
    pub plugin: CString,
    pub install: CString,
    pub runtime: CString,
    pub config_path: PathBuf,
    pub plugin_path: PathBuf,
    /// The runtime directory (proxy.config.local_state_dir): the control socket's.
    pub runtime_path: PathBuf,
    /// Where diags.log goes (None: no diags.log, stderr only).
    pub log_path: Option<PathBuf>,
}

static DIRS: OnceLock<Dirs> = OnceLock::new();
static STARTED: AtomicBool = AtomicBool::new(false);

fn cstring(p: &Path) -> CString {
    CString::new(p.as_os_str().as_encoded_bytes().to_vec()).unwrap_or_default()
}

fn absolute(p: &Path) -> PathBuf {
    let p = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    std::fs::canonicalize(&p).unwrap_or(p)
}

/// The directory above the one holding the executable (`TSInstallDirGet` without a layout; the
/// prefix `traffic_server` falls back to when only PROXY_CONFIG_CONFIG_DIR is set).
pub fn install_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().and_then(Path::parent).map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("/"))
}

fn make_dirs(layout: &Layout, records: &Records) -> Dirs {
    let config = absolute(&layout.config);
    let base = layout
        .prefix
        .as_deref()
        .map(absolute)
        .unwrap_or_else(|| config.clone());
    // A directory record, relative to the prefix (or the configuration directory); under a
    // runroot the layout's directory wins unless the value came from the environment.
    let dir = |name: &str, default: Option<&PathBuf>| {
        records
            .get_str(name)
            .filter(|s| !s.is_empty())
            .filter(|_| !layout.runroot || records.from_env().iter().any(|n| n == name))
            .map(|s| absolute(&base.join(s)))
            .or_else(|| default.map(|d| absolute(d)))
    };
    let plugin = dir("proxy.config.plugin.plugin_dir", layout.plugin.as_ref())
        .unwrap_or_else(|| config.clone());
    let runtime = dir("proxy.config.local_state_dir", layout.runtime.as_ref())
        .unwrap_or_else(|| config.clone());
    let log = dir("proxy.config.log.logfile_dir", layout.log.as_ref());
    let install = layout
        .prefix
        .as_deref()
        .map(absolute)
        .unwrap_or_else(install_dir);
    Dirs {
        config: cstring(&config),
        plugin: cstring(&plugin),
        install: cstring(&install),
        runtime: cstring(&runtime),
        config_path: config,
        plugin_path: plugin,
        runtime_path: runtime,
        log_path: log,
    }
}

/// The runtime directory a tshost started with `layout` uses (where its control socket is), as
/// its records.config and the environment say.
pub fn runtime_dir_for(layout: &Layout) -> Result<PathBuf, String> {
    let records =
        Records::load(&layout.config.join("records.config")).map_err(|e| e.to_string())?;
    Ok(make_dirs(layout, &records).runtime_path)
}

/// The directories plugins see (TSConfigDirGet & co). Before a host starts they default to
/// `$PROXY_CONFIG_CONFIG_DIR` or the current directory, as ATS computes them once.
pub fn dirs() -> &'static Dirs {
    DIRS.get_or_init(|| {
        let dir = std::env::var_os("PROXY_CONFIG_CONFIG_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."));
        make_dirs(&Layout::config_dir(&dir), &Records::defaults())
    })
}

/// The records in force. A reload puts a new set in place and never frees the old one: plugins
/// hold pointers into it (TSHttpTxnConfigStringGet's value, TSMgmtStringGet's copy source), and
/// reloads are rare (one set is some tens of KiB).
static RECORDS: RwLock<Option<&'static Records>> = RwLock::new(None);

/// What a reload reads again: records.config's path and the command line's records over it.
static SOURCE: OnceLock<(PathBuf, Vec<(String, RecValue)>)> = OnceLock::new();

/// The records in force (defaults until a host starts).
pub fn records() -> &'static Records {
    if let Some(r) = *RECORDS.read() {
        return r;
    }
    let mut slot = RECORDS.write();
    let r: &'static Records = slot.get_or_insert_with(|| Box::leak(Box::new(Records::defaults())));
    r
}

/// Records whose new value a reload puts to work: the diagnostics (debug on/off and tags), the
/// hook timeout, and how origins are reached over TLS (`proxy.config.ssl.client.*`: the proxy
/// swaps its origin TLS settings, [`crate::proxy::reload`]). Records only plugins read
/// (TSMgmtIntGet, TSHttpTxnConfig*Get of a record the transaction did not set) read the new
/// value after a reload too, as do records tshost does not know. The rest are taken at start.
pub fn reloadable(name: &str) -> bool {
    name.starts_with("proxy.config.diags.debug.")
        || name.starts_with("proxy.config.ssl.client.")
        || name == "proxy.config.tshost.hook_timeout_ms"
        || crate::config::records::is_stored_only(name)
}

/// What a records.config reload changed.
#[derive(Debug, Default, PartialEq)]
pub struct RecordsChange {
    /// Changed records whose new value is in force now.
    pub applied: Vec<String>,
    /// Changed records tshost takes at start only: in force at the next start.
    pub restart: Vec<String>,
}

/// Read records.config again (as `traffic_ctl config reload`): the environment's and the command
/// line's records still win; the new records are in force for every later reader; the
/// diagnostics and the hook timeout are applied. A file that does not load keeps the records in
/// force (the error names the file and line).
pub fn reload_records() -> Result<RecordsChange, String> {
    let Some((path, overrides)) = SOURCE.get() else {
        return Err(
            "no records.config: tshost was started without a configuration directory".into(),
        );
    };
    let mut new = Records::load(path).map_err(|e| e.to_string())?;
    for (name, value) in overrides {
        new.set(name, value.clone());
    }
    let old = records();
    let mut change = RecordsChange::default();
    let mut names: Vec<&str> = new.iter().map(|(n, _)| n).collect();
    names.extend(old.iter().map(|(n, _)| n).filter(|n| new.get(n).is_none()));
    names.sort_unstable();
    names.dedup();
    for name in names {
        if old.get(name) != new.get(name) {
            if reloadable(name) || !new.registered(name) {
                change.applied.push(name.to_string());
            } else {
                change.restart.push(name.to_string());
            }
        }
    }
    apply_dynamic(&new)?;
    *RECORDS.write() = Some(Box::leak(Box::new(new)));
    for name in &change.restart {
        crate::note!(
            "records.config: {name} changed; tshost takes this setting at start: in force after \
             the next restart"
        );
    }
    Ok(change)
}

/// The settings a reload applies again (see [`reloadable`]).
fn apply_dynamic(records: &Records) -> Result<(), String> {
    let debug_on = records
        .get_int("proxy.config.diags.debug.enabled")
        .unwrap_or(0)
        != 0;
    let tags = records
        .get_str("proxy.config.diags.debug.tags")
        .unwrap_or("");
    crate::diags::configure_debug(debug_on, tags)?;
    if let Some(ms) = records.get_int("proxy.config.tshost.hook_timeout_ms") {
        crate::hooks::set_hook_timeout_ms(ms.max(0) as u64);
    }
    Ok(())
}

/// Apply records.config settings that take effect process-wide.
fn apply(records: &Records) -> Result<(), String> {
    apply_dynamic(records)?;
    for name in crate::diags::configure_outputs(&|n| records.get_str(n).map(str::to_owned)) {
        crate::note!("{name}: syslog (S) is not supported by tshost; the other outputs apply");
    }
    let int = |name: &str, default: i64| records.get_int(name).unwrap_or(default);
    let timeout = int("proxy.config.ssl.session_cache.timeout", 0);
    crate::tls::session::configure(
        int("proxy.config.ssl.session_cache", 2) as i32,
        crate::tls::cache::CacheConfig {
            size: int("proxy.config.ssl.session_cache.size", 102400).max(1) as usize,
            buckets: int("proxy.config.ssl.session_cache.num_buckets", 256).max(1) as usize,
            timeout: std::time::Duration::from_secs(if timeout > 0 { timeout as u64 } else { 300 }),
            skip_on_contention: int(
                "proxy.config.ssl.session_cache.skip_cache_on_bucket_contention",
                0,
            ) != 0,
        },
        int("proxy.config.ssl.session_cache.tls13", 0) != 0,
    );
    crate::tls::session_age::configure(
        int("proxy.config.tshost.ssl.session_max_age", 0).max(0) as u64
    );
    crate::tls::tickets::configure(
        int("proxy.config.ssl.server.session_ticket.enable", 1) != 0,
        int("proxy.config.ssl.server.session_ticket.number", 2).max(0) as usize,
    );
    if let Some(n) = records.get_int("proxy.config.exec_thread.limit") {
        crate::sched::set_net_threads(n.max(1) as usize);
    }
    Ok(())
}

/// Start the host from a configuration directory: records.config (optional), then every plugin of
/// plugin.config in order. Errors name the file and line.
pub fn start(config_dir: &Path) -> Result<(), String> {
    start_layout(&Layout::config_dir(config_dir), &[])
}

/// Start the host from a layout: [`configure`], then every plugin of plugin.config in order.
pub fn start_layout(layout: &Layout, overrides: &[(&str, RecValue)]) -> Result<(), String> {
    configure(layout, overrides)?;
    crate::mgmt::reconfigured();
    load_plugins()
}

/// The first half of a start: records.config, the environment's records, then `overrides` (the
/// command line's: `traffic_server -T`, `-p`, `-n`), diags.log opened in the log directory when
/// there is one, settings applied, directories fixed. No plugin is loaded yet ([`load_plugins`]).
pub fn configure(layout: &Layout, overrides: &[(&str, RecValue)]) -> Result<(), String> {
    if STARTED.swap(true, Ordering::AcqRel) {
        return Err("a host is already running in this process".into());
    }
    // The process UUID (TSProcessUuidGet), made at start-up as ATS's Machine makes it.
    crate::util::uuid::process();
    let result = configure_inner(layout, overrides);
    if result.is_err() {
        STARTED.store(false, Ordering::Release);
    }
    result
}

/// Settings tshost reads but has nothing to act on, because it has no cache: ATS's behaviour with
/// the cache disabled is what tshost does. Logged as a NOTE (not a WARNING) when set.
fn cache_setting(name: &str) -> bool {
    name.starts_with("proxy.config.cache.")
        || name.starts_with("proxy.config.http.cache.")
        || name == "proxy.config.http.wait_for_cache"
}

fn configure_inner(layout: &Layout, overrides: &[(&str, RecValue)]) -> Result<(), String> {
    let config_dir = layout.config.as_path();
    if !config_dir.is_dir() {
        return Err(format!("{}: not a directory", config_dir.display()));
    }
    let mut records =
        Records::load(&config_dir.join("records.config")).map_err(|e| e.to_string())?;
    for (name, value) in overrides {
        records.set(name, value.clone());
    }
    let d = make_dirs(layout, &records);
    if let Some(log_dir) = &d.log_path {
        let file = records
            .get_str("proxy.config.diags.logfile.filename")
            .filter(|f| !f.is_empty())
            .unwrap_or("diags.log");
        let path = log_dir.join(file);
        if !crate::diags::log_open() {
            if let Err(e) = crate::diags::open_log(&path) {
                crate::warning!(
                    "cannot open {}: {e}; diagnostics go to stderr only",
                    path.display()
                );
            }
        }
    }
    for name in records.unknown_names() {
        if cache_setting(&name) {
            crate::note!("records.config: {name}: tshost has no cache, setting ignored");
        } else if crate::config::records::is_stored_only(&name) {
            crate::warning!(
                "records.config: {name}: tshost does not act on this setting (plugins read it)"
            );
        } else {
            crate::warning!("records.config: unknown setting {name} (ignored)");
        }
    }
    if records
        .get_int("proxy.config.http.wait_for_cache")
        .unwrap_or(0)
        != 0
    {
        crate::note!(
            "proxy.config.http.wait_for_cache is set: tshost has no cache to wait for (as ATS \
             with the cache disabled), ports open once everything is loaded"
        );
    }
    for name in records.from_env() {
        let var = crate::config::records::env_var(name);
        crate::note!("records.config: {name} from the environment ({var})");
    }
    apply(&records)?;
    if let Some(f) = records
        .get_str("proxy.config.ssl.server.ticket_key.filename")
        .filter(|f| !f.is_empty())
    {
        let cert_dir = config_dir.join(
            records
                .get_str("proxy.config.ssl.server.cert.path")
                .unwrap_or(""),
        );
        crate::tls::tickets::load_file(&cert_dir.join(f))?;
    }
    let config = d.config_path.clone();
    if DIRS.set(d).is_err() && dirs().config_path != config {
        crate::warning!(
            "directories were already fixed at {} before the host started",
            dirs().config_path.display()
        );
    }
    let _ = SOURCE.set((
        config_dir.join("records.config"),
        overrides
            .iter()
            .map(|(n, v)| (n.to_string(), v.clone()))
            .collect(),
    ));
    // Set before the plugins load, so that their TSPluginInit reads the records in force.
    *RECORDS.write() = Some(Box::leak(Box::new(records)));
    Ok(())
}

/// The second half of a start: every plugin of plugin.config (in the configuration directory),
/// in file order; paths relative to the plugin directory.
pub fn load_plugins() -> Result<(), String> {
    let d = dirs();
    let result = crate::plugin::loader::load_config(
        &d.config_path.join("plugin.config"),
        &d.plugin_path,
        records(),
    )
    .map(|_| ());
    if result.is_err() {
        STARTED.store(false, Ordering::Release);
    }
    result
}

/// Mark the host stopped (plugins stay loaded: ATS never unloads them).
pub fn stop() -> bool {
    STARTED.swap(false, Ordering::AcqRel)
}

/// Start with built-in defaults and no plugins (no configuration directory).
pub fn start_with_defaults() -> Result<(), String> {
    if STARTED.swap(true, Ordering::AcqRel) {
        return Err("a host is already running in this process".into());
    }
    apply(records())
}
