//! Text logs for plugins (TSTextLogObject): ATS 9.2's TextLogObject (proxy/logging/LogObject.cc,
//! LogFile.cc, LogConfig.cc; the API in src/traffic_server/InkAPI.cc), without the C boundary.
//!
//! A log is a file in `proxy.config.log.logfile_dir` (`name.rs`: its name and conflicts). Each
//! write is one line: the text (cut at 16383 bytes with the timestamp, as ATS's 16 KiB entry),
//! prefixed with the local time `%Y%m%d.%Hh%Mm%Ss ` when the log has timestamps, and a newline.
//! ATS's refusals are kept: an empty line (NOTE, error), a line too large for a log buffer of
//! `proxy.config.log.log_buffer_size` bytes (NOTE, error), and a line over
//! `proxy.config.log.max_line_size` is cut (WARNING). The lines go through the writer's bounded
//! queue (`writer.rs`) and never wait for the disk; a full queue drops the line (error) and says
//! so once per burst. The file (`file.rs`) takes the header when it is created and rolls by the
//! rolling settings (`rolling.rs`), which start from `proxy.config.log.rolling_*`.
#![forbid(unsafe_code)]

mod file;
mod name;
pub mod rolling;
pub mod space;
mod writer;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use parking_lot::Mutex;

use crate::config::records::Records;
use crate::rt::clock::coarse_ms;
use crate::rt::pool::Pool;
use file::{timestamp, Target};
use rolling::{Enabled, Rolling};
use writer::Queue;

/// ATS's largest entry (`va_log`'s 16 KiB buffer, its NUL included).
const MAX_ENTRY: usize = 16 * 1024;
/// ATS's log throttling interval (`proxy.config.log.throttling_interval_msec`'s default).
const THROTTLE_MS: u64 = 60_000;

/// What text logs take from records.config (read once, when the first log is created).
#[derive(Clone, Debug)]
pub struct Config {
    /// `proxy.config.log.logfile_dir`.
    pub dir: PathBuf,
    /// `proxy.config.log.hostname` unless `localhost`, else the machine's name: in rolled names.
    pub hostname: String,
    /// `proxy.config.log.rolling_enabled` (out of 0..=4: no rolling, with a WARNING),
    /// `rolling_interval_sec`, `rolling_offset_hr`, `rolling_size_mb`, as given.
    pub rolling: Rolling,
    /// `proxy.config.log.rolling_max_count` when `auto_delete_rolled_files` (0: keep all).
    pub max_count: usize,
    /// `proxy.config.log.rolling_allow_empty`: the file is opened at once and after each roll.
    pub allow_empty: bool,
    /// `proxy.config.log.logfile_perm` (`rw-r--r--`).
    pub perm: u32,
    /// `proxy.config.log.log_buffer_size`.
    pub log_buffer_size: usize,
    /// `proxy.config.log.max_line_size`.
    pub max_line_size: usize,
    /// `proxy.config.log.periodic_tasks_interval`: how often rolling and space are looked at.
    pub periodic_secs: u64,
    /// The log directory's space limits (`max_space_mb_for_logs`, ...).
    pub space: space::Limits,
    /// `proxy.config.log.rolling_min_count`: the rolled files of each log to keep when space is
    /// short (0: as many as can be).
    pub min_count: u32,
}

impl Config {
    /// The settings from `records`, logs under `dir`; WARNINGs about bad values returned.
    pub fn from_records(r: &Records, dir: PathBuf) -> (Config, Vec<String>) {
        let int = |name: &str, default: i64| r.get_int(name).unwrap_or(default);
        let int32 = |name: &str, default: i64| {
            int(name, default).clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
        };
        let positive = |name: &str, default: i64| match int(name, default) {
            v if v > 0 => v,
            _ => default,
        };
        let mut warnings = Vec::new();
        let name = "proxy.config.log.rolling_enabled";
        let raw = int(name, 1);
        let enabled = Enabled::from_int(raw).unwrap_or_else(|| {
            warnings.push(format!(
                "invalid value '{raw}' for '{name}', disabling log rolling"
            ));
            Enabled::No
        });
        let hostname = r
            .get_str("proxy.config.log.hostname")
            .filter(|h| !h.is_empty() && *h != "localhost")
            .map(str::to_string)
            .unwrap_or_else(machine_hostname);
        let auto_delete = int("proxy.config.log.auto_delete_rolled_files", 1) > 0;
        let config = Config {
            dir,
            hostname,
            rolling: Rolling {
                enabled,
                interval_sec: int32("proxy.config.log.rolling_interval_sec", 86400),
                offset_hr: int32("proxy.config.log.rolling_offset_hr", 0),
                size_mb: int32("proxy.config.log.rolling_size_mb", 10),
            },
            max_count: if auto_delete {
                int("proxy.config.log.rolling_max_count", 0).max(0) as usize
            } else {
                0
            },
            allow_empty: int("proxy.config.log.rolling_allow_empty", 0) > 0,
            perm: r
                .get_str("proxy.config.log.logfile_perm")
                .and_then(parse_perm)
                .unwrap_or(0o644),
            log_buffer_size: positive("proxy.config.log.log_buffer_size", 9216) as usize,
            max_line_size: positive("proxy.config.log.max_line_size", 9216) as usize,
            periodic_secs: positive("proxy.config.log.periodic_tasks_interval", 5) as u64,
            space: space::Limits {
                max_space: int("proxy.config.log.max_space_mb_for_logs", 25000).max(0) << 20,
                headroom: int("proxy.config.log.max_space_mb_headroom", 1000).max(0) << 20,
                buffer: positive("proxy.config.log.log_buffer_size", 9216),
                auto_delete,
            },
            min_count: int("proxy.config.log.rolling_min_count", 0).clamp(0, i64::from(u32::MAX))
                as u32,
        };
        (config, warnings)
    }
}

/// gethostname(2), as ATS's Machine (the kernel's host name).
fn machine_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// `ink_fileperm_parse`: nine characters, `r`, `w`, `x` where they belong set their bit.
fn parse_perm(s: &str) -> Option<u32> {
    let b = s.as_bytes();
    (b.len() == 9).then(|| {
        (0..9)
            .filter(|&i| b[i] == b"rwx"[i % 3])
            .fold(0, |m, i| m | (0o400 >> i))
    })
}

/// At most one message per interval (ATS's throttled diagnostics).
#[derive(Default)]
struct Throttle(AtomicU64);

impl Throttle {
    fn ready(&self) -> bool {
        let now = coarse_ms().max(1);
        let last = self.0.load(Ordering::Relaxed);
        (last == 0 || now.saturating_sub(last) >= THROTTLE_MS)
            && self
                .0
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }
}

/// What a plugin may change after the create.
struct Settings {
    header: Option<String>,
    rolling: Rolling,
}

/// A text log (what a TSTextLogObject points at).
pub struct TextLog {
    id: u64,
    target: Target,
    /// The file's path, for messages.
    pub name: String,
    /// The name with its extension (`m_basename`).
    basename: String,
    timestamps: bool,
    cfg: Arc<Config>,
    settings: Mutex<Settings>,
    queue: Arc<Queue>,
    /// Lines dropped on a full queue, in all.
    dropped: AtomicU64,
    /// `dropped` when the current burst of drops began; whether one is on.
    burst_from: AtomicU64,
    in_burst: AtomicBool,
    said_empty: Throttle,
    said_big: Throttle,
    said_long: Throttle,
}

/// The live TSTextLogObject handles.
static LOGS: Pool<TextLog> = Pool::new();
/// The paths of the live logs (ATS's list of API log objects), for name conflicts.
static LIVE: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);
static CONFIG: OnceLock<Arc<Config>> = OnceLock::new();
static QUEUE: Mutex<Option<Arc<Queue>>> = Mutex::new(None);

/// The configuration, made by `make` the first time (its WARNINGs said then).
pub fn config(make: impl FnOnce() -> (Config, Vec<String>)) -> Arc<Config> {
    CONFIG
        .get_or_init(|| {
            let (c, warnings) = make();
            for w in warnings {
                crate::warning!("{w}");
            }
            Arc::new(c)
        })
        .clone()
}

/// The writer's queue, the writer started the first time.
fn queue(cfg: &Config) -> Result<Arc<Queue>, String> {
    let mut q = QUEUE.lock();
    if let Some(q) = &*q {
        return Ok(q.clone());
    }
    let tick = Duration::from_secs(cfg.periodic_secs);
    let made = Arc::new(
        Queue::spawn(
            writer::QUEUE_LINES,
            writer::QUEUE_BYTES,
            tick,
            Some((cfg.dir.clone(), cfg.space.clone())),
        )
        .map_err(|e| format!("cannot start the log writer thread: {e}"))?,
    );
    *q = Some(made.clone());
    Ok(made)
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// TSTextLogObjectCreate: a log named `name` (with timestamps or not; renamed on a conflict or
/// refused), its handle; the reason it cannot be made otherwise. WARNINGs and NOTEs are logged.
pub fn create(
    name: &[u8],
    timestamps: bool,
    rename: bool,
    cfg: Arc<Config>,
) -> Result<usize, String> {
    let queue = queue(&cfg)?;
    create_on(queue, name, timestamps, rename, cfg)
}

fn create_on(
    queue: Arc<Queue>,
    name: &[u8],
    timestamps: bool,
    rename: bool,
    cfg: Arc<Config>,
) -> Result<usize, String> {
    let (target, basename) = name::generate(&cfg.dir, name);
    let mut notes = Vec::new();
    let wanted = match &target {
        Target::Path(p) => p.display().to_string(),
        Target::Stdout | Target::Stderr => basename.clone(),
    };
    let r = cfg.rolling;
    let rolling = r.setup(
        r.enabled,
        r.interval_sec,
        r.offset_hr,
        r.size_mb,
        &wanted,
        &mut notes,
    );
    let mut live = LIVE.lock();
    let live = live.get_or_insert_with(HashSet::new);
    let target = match target {
        Target::Path(p) => {
            let mut warnings = Vec::new();
            let settle = name::Settle {
                rename,
                live,
                host: &cfg.hostname,
                interval_sec: i64::from(rolling.interval_sec),
                now: now_secs(),
            };
            let chosen = name::settle(&p, &settle, &mut warnings);
            for w in warnings {
                crate::warning!("{w}");
            }
            Target::Path(chosen?)
        }
        std => std,
    };
    for n in notes {
        crate::note!("{n}");
    }
    static NEXT_ID: AtomicU64 = AtomicU64::new(1);
    let log = TextLog {
        id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        name: match &target {
            Target::Path(p) => p.display().to_string(),
            Target::Stdout | Target::Stderr => basename.clone(),
        },
        target,
        basename,
        timestamps,
        cfg,
        settings: Mutex::new(Settings {
            header: None,
            rolling,
        }),
        queue: queue.clone(),
        dropped: AtomicU64::new(0),
        burst_from: AtomicU64::new(0),
        in_burst: AtomicBool::new(false),
        said_empty: Throttle::default(),
        said_big: Throttle::default(),
        said_long: Throttle::default(),
    };
    let path = match &log.target {
        Target::Path(p) => Some(p.clone()),
        Target::Stdout | Target::Stderr => None,
    };
    let (handle, log) = LOGS.insert(|_| log);
    if !queue.add(&log, writer::CONTROL_WAIT) {
        LOGS.release(handle);
        return Err("the log writer is not taking new logs".into());
    }
    if let Some(p) = path {
        live.insert(p);
    }
    Ok(handle)
}

/// The live log behind a handle (None: NULL, destroyed or not a TSTextLogObject).
pub fn get(handle: usize) -> Option<Arc<TextLog>> {
    LOGS.get(handle)
}

/// TSTextLogObjectDestroy: the handle dies, the log's lines are written and its file closed
/// (false: not a live handle).
pub fn destroy(handle: usize) -> bool {
    let Some(log) = LOGS.get(handle) else {
        return false;
    };
    LOGS.release(handle);
    if !log.queue.control(writer::CONTROL_WAIT, |ack| {
        writer::Msg::Close(log.clone(), ack)
    }) {
        crate::warning!(
            "text log {}: the log writer did not close it within {:?}",
            log.name,
            writer::CONTROL_WAIT
        );
    }
    if let (Target::Path(p), Some(live)) = (&log.target, LIVE.lock().as_mut()) {
        live.remove(p);
    }
    true
}

/// Everything written so far to every text log is in its file (at exit), within `wait`.
/// A log rotation was signalled (SIGUSR2, ATS's Log::handle_log_rotation_request): every log
/// whose file was moved or deleted is opened again at its path. Waits for the writer (bounded).
pub fn reopen_moved() {
    let q = QUEUE.lock().clone();
    if let Some(q) = q {
        if !q.control(writer::CONTROL_WAIT, writer::Msg::Reopen) {
            crate::warning!("text logs: the log writer did not reopen the logs in time");
        }
    }
}

pub fn flush_all(wait: Duration) -> bool {
    let q = QUEUE.lock().clone();
    q.is_none_or(|q| q.control(wait, writer::Msg::Flush))
}

impl TextLog {
    /// `va_log` then `log`: one line, now. False (ATS's Log::FAIL or FULL): not written.
    pub fn write(self: &Arc<Self>, text: &[u8]) -> bool {
        let now = now_secs();
        // ATS copies the entry as a C string.
        let text = text.split(|&c| c == 0).next().unwrap_or_default();
        let mut entry = Vec::with_capacity(text.len() + 21);
        if self.timestamps {
            entry.extend_from_slice(timestamp(now).as_bytes());
            entry.push(b' ');
        }
        entry.extend_from_slice(text);
        entry.truncate(MAX_ENTRY - 1);
        if entry.is_empty() {
            if self.said_empty.ready() {
                crate::note!("Call to LogAccess without LAD or text entry; skipping");
            }
            return false;
        }
        if let Err(size) = self.fits(entry.len()) {
            if self.said_big.ready() {
                crate::note!(
                    "Skipping the current log entry for {} because its size ({size}) exceeds the \
                     maximum payload space in a log buffer",
                    self.basename
                );
            }
            return false;
        }
        let longest = self.cfg.max_line_size.saturating_sub(2).max(1);
        if entry.len() > longest {
            if self.said_long.ready() {
                crate::warning!(
                    "Log is too long({}), it would be truncated. max_len:{}",
                    entry.len(),
                    self.cfg.max_line_size
                );
            }
            entry.truncate(longest);
        }
        entry.push(b'\n');
        if self.queue.line(self, entry, now) {
            self.burst_over();
            true
        } else {
            self.drop_line();
            false
        }
    }

    /// Does an entry of `len` bytes fit a log buffer (ATS's LogBuffer: its header with the format
    /// name `text`, the host name and the base name, then the entry with its 16-byte header, each
    /// 8-aligned)? Err: the bytes it needs.
    fn fits(&self, len: usize) -> Result<(), usize> {
        let align = |n: usize| (n + 7) & !7;
        let header = align(64 + 5 + self.cfg.hostname.len() + 1 + self.basename.len() + 1);
        let needed = align(len + 1);
        if header + align(needed + 16) <= self.cfg.log_buffer_size {
            Ok(())
        } else {
            Err(needed)
        }
    }

    fn drop_line(&self) {
        let before = self.dropped.fetch_add(1, Ordering::Relaxed);
        if !self.in_burst.swap(true, Ordering::AcqRel) {
            self.burst_from.store(before, Ordering::Relaxed);
            crate::warning!(
                "text log {}: the log writer is behind, lines are dropped until it catches up",
                self.name
            );
        }
    }

    fn burst_over(&self) {
        if self.in_burst.load(Ordering::Relaxed) && self.in_burst.swap(false, Ordering::AcqRel) {
            let n = self.dropped.load(Ordering::Relaxed) - self.burst_from.load(Ordering::Relaxed);
            crate::warning!(
                "text log {}: {n} line(s) dropped while the log writer was behind",
                self.name
            );
        }
    }

    /// Lines dropped on a full queue since the log was created.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// TSTextLogObjectFlush: wait (bounded) until every line written before is in the file.
    pub fn flush(&self) -> bool {
        self.queue.control(writer::CONTROL_WAIT, writer::Msg::Flush)
    }

    /// The header a new file starts with.
    pub fn header(&self) -> Option<String> {
        self.settings.lock().header.clone()
    }

    pub fn set_header(&self, header: Option<String>) {
        self.settings.lock().header = header;
    }

    pub fn rolling(&self) -> Rolling {
        self.settings.lock().rolling
    }

    /// Re-run ATS's rolling set-up with one value changed (`change` gets the values as they
    /// stand); its NOTEs logged.
    pub fn set_rolling(&self, change: impl FnOnce(&mut Rolling)) {
        let mut notes = Vec::new();
        {
            let mut s = self.settings.lock();
            let mut want = s.rolling;
            change(&mut want);
            s.rolling = s.rolling.setup(
                want.enabled,
                want.interval_sec,
                want.offset_hr,
                want.size_mb,
                &self.name,
                &mut notes,
            );
        }
        for n in notes {
            crate::note!("{n}");
        }
    }
}

#[cfg(test)]
mod tests;
