//! Diagnostics in ATS's format: `[Mon DD HH:MM:SS.mmm] <thread> LEVEL: (tag) message` on stderr
//! (the day space-padded, `Dec  6`, as ATS prints it), and from STATUS up also in `diags.log` once
//! [`open_log`] has opened it (in ATS's log directory; `traffic.out` is stderr bound to a file).
//! `<thread>` is the program's name on the main thread (`traffic_server` when started under that
//! name, else `tshost`) and `[NAME]` on a named thread (`[ET_NET 0]`).
//!
//! The host's own messages and the plugins' (TSDebug, TSError, ...) share this sink. Debug output is
//! enabled by tag as ATS does it: `proxy.config.diags.debug.enabled` must be 1 and the tag must
//! match `proxy.config.diags.debug.tags`, a regular expression anchored at the start only (so
//! `http|dns` enables `http_hdrs` but not `xhttp`).
#![forbid(unsafe_code)]

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::OnceLock;

use arc_swap::ArcSwapOption;
use regex::Regex;

/// Levels in ATS's order; the numbers are shared with `src/api/varargs.c`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Level {
    Diag = 0,
    Debug = 1,
    Status = 2,
    Note = 3,
    Warning = 4,
    Error = 5,
    Fatal = 6,
    Alert = 7,
    Emergency = 8,
}

impl Level {
    pub fn from_int(v: i32) -> Option<Level> {
        Some(match v {
            0 => Level::Diag,
            1 => Level::Debug,
            2 => Level::Status,
            3 => Level::Note,
            4 => Level::Warning,
            5 => Level::Error,
            6 => Level::Fatal,
            7 => Level::Alert,
            8 => Level::Emergency,
            _ => return None,
        })
    }
    fn label(self) -> &'static str {
        match self {
            Level::Diag => "DIAG",
            Level::Debug => "DEBUG",
            Level::Status => "STATUS",
            Level::Note => "NOTE",
            Level::Warning => "WARNING",
            Level::Error => "ERROR",
            Level::Fatal => "FATAL",
            Level::Alert => "ALERT",
            Level::Emergency => "EMERGENCY",
        }
    }
}

static DEBUG_ENABLED: AtomicBool = AtomicBool::new(false);
static TAGS: ArcSwapOption<Regex> = ArcSwapOption::const_empty();
/// Messages below this level are not printed (debug output is gated by tags, not by this).
static MIN_LEVEL: AtomicU8 = AtomicU8::new(Level::Status as u8);

/// Configure debug output: `enabled` is `proxy.config.diags.debug.enabled`, `tags` is
/// `proxy.config.diags.debug.tags`. Returns an error text if the tag expression is invalid.
pub fn configure_debug(enabled: bool, tags: &str) -> Result<(), String> {
    let re = Regex::new(&format!("^(?:{tags})"))
        .map_err(|e| format!("bad debug tag expression {tags:?}: {e}"))?;
    TAGS.store(Some(std::sync::Arc::new(re)));
    DEBUG_ENABLED.store(enabled, Ordering::Release);
    // What the plugins' TSDEBUG macro reads.
    crate::sys::globals::set_diags_on_for_plugins(enabled);
    Ok(())
}

pub fn debug_enabled() -> bool {
    DEBUG_ENABLED.load(Ordering::Acquire)
}

/// ATS's tag predicate: debug on and the tag matches (a missing tag counts as matching).
pub fn tag_enabled(tag: Option<&str>) -> bool {
    if !debug_enabled() {
        return false;
    }
    match tag {
        None => true,
        Some(t) => TAGS
            .load()
            .as_ref()
            .map(|re| re.is_match(t))
            .unwrap_or(false),
    }
}

static PROGRAM: OnceLock<&'static str> = OnceLock::new();
/// diags.log, once opened (and its path, to open it again on SIGUSR2): the levels whose output
/// has L go to it.
static LOG: parking_lot::RwLock<Option<(File, PathBuf)>> = parking_lot::RwLock::new(None);

/// The name the main thread's lines carry (`tshost` unless set; `traffic_server` when started as
/// ATS's traffic_server). Only the first call counts.
pub fn set_program_name(name: &'static str) {
    let _ = PROGRAM.set(name);
}

fn program_name() -> &'static str {
    PROGRAM.get().copied().unwrap_or("tshost")
}

fn thread_label() -> String {
    let t = std::thread::current();
    match t.name() {
        Some("main") | None => program_name().to_string(),
        Some(n) => format!("[{n}]"),
    }
}

/// Open `path` (appending, created 0644 as ATS's `rw-r--r--`) as diags.log and say so in it, as
/// ATS's first line there: `STATUS: opened <path>`. From then on the levels whose output has L
/// (by default every level but DIAG and DEBUG) go to it instead of stderr. Only one diags.log per
/// process: a second call is an error.
pub fn open_log(path: &Path) -> std::io::Result<()> {
    {
        let mut log = LOG.write();
        if log.is_some() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "a diags.log is already open in this process",
            ));
        }
        *log = Some((open_append(path)?, path.to_path_buf()));
    }
    emit(Level::Status, None, &format!("opened {}", path.display()));
    Ok(())
}

fn open_append(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o644)
        .open(path)
}

/// ATS's Diags::reseat_diagslog (SIGUSR2, after a log rotation moved it): diags.log is opened
/// again at its path. None when there is no diags.log; Some(its file name, whether it worked).
pub fn reseat_log() -> Option<(String, bool)> {
    let mut log = LOG.write();
    let (_, path) = log.as_ref()?;
    let path = path.clone();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match open_append(&path) {
        Ok(f) => {
            *log = Some((f, path));
            Some((name, true))
        }
        Err(_) => Some((name, false)),
    }
}

/// Whether diags.log is open.
pub fn log_open() -> bool {
    LOG.read().is_some()
}

/// Where a level's lines go: `proxy.config.diags.output.<level>`, letters as ATS's: O stdout, E
/// stderr, L diags.log (S, syslog, is not supported: configure() says so).
const TO_STDOUT: u8 = 1;
const TO_STDERR: u8 = 2;
const TO_LOG: u8 = 4;
/// ATS 9.2's defaults (RecordsConfig.cc): DIAG and DEBUG on stderr, every other level in
/// diags.log only. Without a diags.log (`tshost --config-dir` with no log directory) L means
/// stderr, so nothing is lost.
static OUTPUTS: [AtomicU8; 9] = [
    AtomicU8::new(TO_STDERR),
    AtomicU8::new(TO_STDERR),
    AtomicU8::new(TO_LOG),
    AtomicU8::new(TO_LOG),
    AtomicU8::new(TO_LOG),
    AtomicU8::new(TO_LOG),
    AtomicU8::new(TO_LOG),
    AtomicU8::new(TO_LOG),
    AtomicU8::new(TO_LOG),
];

/// Set where each level's lines go from `proxy.config.diags.output.<level>` (`setting` gives a
/// record's string by name, None when unset: the level keeps ATS's default). Returns the
/// settings that asked for syslog, which tshost does not write to.
pub fn configure_outputs(setting: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
    let mut syslog = Vec::new();
    for level in (0..OUTPUTS.len() as i32).filter_map(Level::from_int) {
        let name = format!(
            "proxy.config.diags.output.{}",
            level.label().to_ascii_lowercase()
        );
        let Some(letters) = setting(&name) else {
            continue;
        };
        let mut mask = 0;
        for c in letters.chars() {
            match c.to_ascii_uppercase() {
                'O' => mask |= TO_STDOUT,
                'E' => mask |= TO_STDERR,
                'L' => mask |= TO_LOG,
                'S' => syslog.push(name.clone()),
                _ => {}
            }
        }
        OUTPUTS[level as usize].store(mask, Ordering::Relaxed);
    }
    syslog
}

/// Print one diagnostic line where its level goes (configure_outputs). FATAL and ALERT end the
/// process with status 70, EMERGENCY with 33, as ATS does.
pub fn emit(level: Level, tag: Option<&str>, msg: &str) {
    if level == Level::Diag || (level as u8) >= MIN_LEVEL.load(Ordering::Relaxed) {
        let now = chrono::Local::now();
        let mut line = format!(
            "[{}] {} {}: ",
            now.format("%b %e %H:%M:%S%.3f"),
            thread_label(),
            level.label()
        );
        if let Some(t) = tag {
            line.push('(');
            line.push_str(t);
            line.push_str(") ");
        }
        line.push_str(msg.trim_end_matches('\n'));
        line.push('\n');
        let mut to = OUTPUTS[level as usize].load(Ordering::Relaxed);
        let log = LOG.read();
        if to & TO_LOG != 0 && log.is_none() {
            to |= TO_STDERR;
        }
        if to & TO_STDOUT != 0 {
            let _ = std::io::stdout().lock().write_all(line.as_bytes());
        }
        if to & TO_STDERR != 0 {
            let _ = std::io::stderr().lock().write_all(line.as_bytes());
        }
        if let (true, Some((mut file, _))) = (to & TO_LOG != 0, log.as_ref().map(|(f, p)| (f, p))) {
            // One write per line on an O_APPEND file: lines from threads never interleave.
            let _ = file.write_all(line.as_bytes());
        }
        drop(log);
    }
    match level {
        Level::Fatal | Level::Alert => std::process::exit(70),
        Level::Emergency => std::process::exit(33),
        _ => {}
    }
}

#[macro_export]
macro_rules! note { ($($a:tt)*) => { $crate::diags::emit($crate::diags::Level::Note, None, &format!($($a)*)) } }
#[macro_export]
macro_rules! status { ($($a:tt)*) => { $crate::diags::emit($crate::diags::Level::Status, None, &format!($($a)*)) } }
#[macro_export]
macro_rules! warning { ($($a:tt)*) => { $crate::diags::emit($crate::diags::Level::Warning, None, &format!($($a)*)) } }
#[macro_export]
macro_rules! error { ($($a:tt)*) => { $crate::diags::emit($crate::diags::Level::Error, None, &format!($($a)*)) } }
/// Debug output under a tag, printed only when the tag is enabled.
#[macro_export]
macro_rules! debug {
    ($tag:expr, $($a:tt)*) => {
        if $crate::diags::tag_enabled(Some($tag)) {
            $crate::diags::emit($crate::diags::Level::Diag, Some($tag), &format!($($a)*))
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_prefix_anchored_alternatives() {
        configure_debug(true, "probe|http").unwrap();
        assert!(tag_enabled(Some("probe_x")));
        assert!(tag_enabled(Some("http_hdrs")));
        assert!(!tag_enabled(Some("xprobe")));
        assert!(tag_enabled(None));
        configure_debug(false, "probe").unwrap();
        assert!(!tag_enabled(Some("probe")));
    }
}
