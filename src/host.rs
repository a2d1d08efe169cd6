//! The host: configuration, directories and plugins, started once per process (by the `tshost`
//! binary or, for C programs, by `tshost_start`).

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use crate::config::records::Records;

pub struct Dirs {
    pub config: CString,
    pub plugin: CString,
    pub install: CString,
    pub runtime: CString,
    pub config_path: PathBuf,
    pub plugin_path: PathBuf,
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

fn make_dirs(config_dir: &Path, records: &Records) -> Dirs {
    let config = absolute(config_dir);
    let rel = |v: Option<&str>| {
        v.filter(|s| !s.is_empty())
            .map(|s| absolute(&config.join(s)))
    };
    let plugin =
        rel(records.get_str("proxy.config.plugin.plugin_dir")).unwrap_or_else(|| config.clone());
    let runtime =
        rel(records.get_str("proxy.config.local_state_dir")).unwrap_or_else(|| config.clone());
    let install = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().and_then(Path::parent).map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("/"));
    Dirs {
        config: cstring(&config),
        plugin: cstring(&plugin),
        install: cstring(&install),
        runtime: cstring(&runtime),
        config_path: config,
        plugin_path: plugin,
    }
}

/// The directories plugins see (TSConfigDirGet & co). Before a host starts they default to
/// `$PROXY_CONFIG_CONFIG_DIR` or the current directory, as ATS computes them once.
pub fn dirs() -> &'static Dirs {
    DIRS.get_or_init(|| {
        let dir = std::env::var_os("PROXY_CONFIG_CONFIG_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."));
        make_dirs(&dir, &Records::defaults())
    })
}

static RECORDS: OnceLock<Records> = OnceLock::new();

/// The records in force (defaults until a host starts).
pub fn records() -> &'static Records {
    RECORDS.get_or_init(Records::defaults)
}

/// Apply records.config settings that take effect process-wide.
fn apply(records: &Records) -> Result<(), String> {
    let debug_on = records
        .get_int("proxy.config.diags.debug.enabled")
        .unwrap_or(0)
        != 0;
    let tags = records
        .get_str("proxy.config.diags.debug.tags")
        .unwrap_or("");
    crate::diags::configure_debug(debug_on, tags)?;
    crate::abi::log::set_diags_on_for_plugins(debug_on);
    if let Some(ms) = records.get_int("proxy.config.tshost.hook_timeout_ms") {
        crate::hooks::set_hook_timeout_ms(ms.max(0) as u64);
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
    if STARTED.swap(true, Ordering::AcqRel) {
        return Err("a host is already running in this process".into());
    }
    let result = start_inner(config_dir);
    if result.is_err() {
        STARTED.store(false, Ordering::Release);
    }
    result
}

fn start_inner(config_dir: &Path) -> Result<(), String> {
    if !config_dir.is_dir() {
        return Err(format!("{}: not a directory", config_dir.display()));
    }
    let records = Records::load(&config_dir.join("records.config")).map_err(|e| e.to_string())?;
    for name in records.unknown_names() {
        crate::warning!("records.config: unknown setting {name} (ignored)");
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
    let d = make_dirs(config_dir, &records);
    let plugin_dir = d.plugin_path.clone();
    let config = d.config_path.clone();
    if DIRS.set(d).is_err() && dirs().config_path != config {
        crate::warning!(
            "directories were already fixed at {} before the host started",
            dirs().config_path.display()
        );
    }
    crate::plugin::loader::load_config(&config.join("plugin.config"), &plugin_dir, &records)?;
    let _ = RECORDS.set(records);
    Ok(())
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
