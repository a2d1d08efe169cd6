//! Access logs (ATS's logging.yaml): one line per transaction, in each configured log's format,
//! written as the transaction ends (before TXN_CLOSE).
//!
//! The logs are text logs ([`crate::textlog`]): a line is formatted on the network thread and put
//! on the text logs' bounded queue, which one writer thread drains, rolls and keeps open as it
//! does plugins' logs. A full queue drops the line (counted, a WARNING per burst); a log
//! directory deleted or a full disk costs lines and an ERROR, never a request's time. Without
//! logging.yaml, or with no `logs` in it, there is no access log (as ATS) and a transaction's
//! only cost is one load of a flag.
//!
//! logging.yaml is read at start and again by a reload (`tshost ctl config reload`, SIGHUP), as
//! ATS's LogConfig reconfigure: a file that does not load keeps the logs in force; one that does
//! replaces them, a log named again keeping its file open (its format may change), a log no longer
//! named closed.
#![forbid(unsafe_code)]

pub mod config;
pub mod format;
pub mod render;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use arc_swap::ArcSwapOption;

use crate::config::records::Records;
use crate::textlog::{self, TextLog};
use crate::txn::Txn;
use format::Piece;
pub use render::Counts;

/// One access log: its name in logging.yaml, its format and the text log it writes (its handle).
struct AccessLog {
    filename: String,
    pieces: Vec<Piece>,
    log: Arc<TextLog>,
    handle: usize,
}

static ON: AtomicBool = AtomicBool::new(false);
static LOGS: ArcSwapOption<Vec<AccessLog>> = ArcSwapOption::const_empty();
/// Where the logs go (`proxy.config.log.logfile_dir`), as at start.
static LOG_DIR: OnceLock<PathBuf> = OnceLock::new();

/// Whether any access log is written (one load: the cost of a transaction when there is none).
#[inline]
pub fn enabled() -> bool {
    ON.load(Ordering::Relaxed)
}

/// `proxy.config.log.config.filename` (default logging.yaml), relative to `config_dir`.
pub fn path(records: &Records, config_dir: &Path) -> std::path::PathBuf {
    let name = records
        .get_str("proxy.config.log.config.filename")
        .filter(|s| !s.is_empty())
        .unwrap_or("logging.yaml");
    config_dir.join(name)
}

/// Read logging.yaml and open its logs in `log_dir`; an error (naming file:line) for a broken
/// file. No file: no access log.
pub fn start(records: &Records, config_dir: &Path, log_dir: &Path) -> Result<(), String> {
    let _ = LOG_DIR.set(log_dir.to_path_buf());
    let file = path(records, config_dir);
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            crate::note!("{} not found: no access log (as ATS)", file.display());
            return Ok(());
        }
        Err(e) => return Err(format!("{}: cannot read: {e}", file.display())),
    };
    let logs = load(&text, &file, records, log_dir, &[])?;
    install(logs);
    Ok(())
}

/// Read logging.yaml again (ATS's messages: "... loading ...", "... finished loading" or "...
/// failed to load"); false when it did not load (the logs in force stay).
pub fn reload(records: &Records, config_dir: &Path) -> bool {
    let file = path(records, config_dir);
    crate::note!("{} loading ...", file.display());
    let log_dir = LOG_DIR
        .get()
        .cloned()
        .unwrap_or_else(|| config_dir.to_path_buf());
    let current = LOGS.load_full();
    let loaded = std::fs::read_to_string(&file)
        .map_err(|e| format!("{}: cannot read: {e}", file.display()))
        .and_then(|text| {
            load(
                &text,
                &file,
                records,
                &log_dir,
                current.as_deref().map_or(&[], |v| &v[..]),
            )
        });
    match loaded {
        Ok(logs) => {
            // The logs no longer named are closed (what was queued for them written first).
            if let Some(old) = &current {
                for l in old.iter() {
                    if !logs.iter().any(|n| n.handle == l.handle) {
                        textlog::destroy(l.handle);
                    }
                }
            }
            install(logs);
            crate::note!("{} finished loading", file.display());
            true
        }
        Err(e) => {
            crate::error!("{e}");
            crate::note!("{} failed to load", file.display());
            false
        }
    }
}

/// Make `logs` the ones in force.
fn install(logs: Vec<AccessLog>) {
    let on = !logs.is_empty();
    if on {
        // The time fields read the transaction's milestones.
        crate::txn::milestones::enable();
    }
    LOGS.store(Some(Arc::new(logs)));
    ON.store(on, Ordering::Release);
}

/// The logs logging.yaml (`text`, read from `file`) names, each log of `current` with the same
/// name kept open.
fn load(
    text: &str,
    file: &Path,
    records: &Records,
    log_dir: &Path,
    current: &[AccessLog],
) -> Result<Vec<AccessLog>, String> {
    let (specs, warnings) = config::parse(text, file)?;
    for w in warnings {
        crate::warning!("{w}");
    }
    if specs.is_empty() {
        crate::note!("{}: no logs: no access log", file.display());
        return Ok(Vec::new());
    }
    let cfg = textlog::config(|| textlog::Config::from_records(records, log_dir.to_path_buf()));
    let mut logs: Vec<AccessLog> = Vec::new();
    let mut warned: Vec<String> = Vec::new();
    for s in specs {
        let pieces = format::parse(&s.format);
        for u in format::unknown(&pieces) {
            if warned.iter().any(|w| w == u) {
                continue;
            }
            warned.push(u.to_string());
            crate::warning!(
                "{}:{}: log {}: field '{u}' is not known to tshost; logged as '-'",
                file.display(),
                s.line,
                s.filename
            );
        }
        if let Some(kept) = current.iter().find(|l| l.filename == s.filename) {
            logs.push(AccessLog {
                filename: s.filename.clone(),
                pieces,
                log: kept.log.clone(),
                handle: kept.handle,
            });
            continue;
        }
        let made = textlog::create(s.filename.as_bytes(), false, true, cfg.clone())
            .map_err(|e| format!("{}:{}: log {}: {e}", file.display(), s.line, s.filename))
            .and_then(|handle| {
                textlog::get(handle)
                    .map(|log| (handle, log))
                    .ok_or_else(|| "the access log went away".to_string())
            });
        match made {
            Ok((handle, log)) => {
                crate::note!("access log {} ({})", log.name, s.format);
                logs.push(AccessLog {
                    filename: s.filename.clone(),
                    pieces,
                    log,
                    handle,
                });
            }
            Err(e) => {
                // The logs this load opened go again; those in force stay.
                for l in &logs {
                    if !current.iter().any(|c| c.handle == l.handle) {
                        textlog::destroy(l.handle);
                    }
                }
                return Err(e);
            }
        }
    }
    Ok(logs)
}

/// `txn` ended (its milestones stamped, before TXN_CLOSE): a line in each access log.
pub fn txn_done(txn: &Txn, counts: Counts) {
    let logs = LOGS.load();
    let Some(logs) = logs.as_deref() else { return };
    // TSHttpTxnCntlSet(TS_HTTP_CNTL_LOGGING_MODE, off): not logged (as ATS).
    if !txn.cntl.get(crate::txn::origin::cntl::LOGGING_MODE) {
        return;
    }
    let mut line = Vec::with_capacity(256);
    for l in logs.iter() {
        line.clear();
        render::line(&mut line, &l.pieces, txn, counts);
        l.log.write(&line);
    }
}
