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
//! logging.yaml is read at start only (not by `tshost ctl config reload`).
#![forbid(unsafe_code)]

pub mod config;
pub mod format;
pub mod render;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use crate::config::records::Records;
use crate::textlog::{self, TextLog};
use crate::txn::Txn;
use format::Piece;
pub use render::Counts;

/// One access log: its format and the text log it writes.
struct AccessLog {
    pieces: Vec<Piece>,
    log: Arc<TextLog>,
}

static ON: AtomicBool = AtomicBool::new(false);
static LOGS: OnceLock<Vec<AccessLog>> = OnceLock::new();

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
    let file = path(records, config_dir);
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            crate::note!("{} not found: no access log (as ATS)", file.display());
            return Ok(());
        }
        Err(e) => return Err(format!("{}: cannot read: {e}", file.display())),
    };
    let (specs, warnings) = config::parse(&text, &file)?;
    for w in warnings {
        crate::warning!("{w}");
    }
    if specs.is_empty() {
        crate::note!("{}: no logs: no access log", file.display());
        return Ok(());
    }
    let cfg = textlog::config(|| textlog::Config::from_records(records, log_dir.to_path_buf()));
    let mut logs = Vec::new();
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
        let handle = textlog::create(s.filename.as_bytes(), false, true, cfg.clone())
            .map_err(|e| format!("{}:{}: log {}: {e}", file.display(), s.line, s.filename))?;
        let log = textlog::get(handle).ok_or("the access log went away")?;
        crate::note!("access log {} ({})", log.name, s.format);
        logs.push(AccessLog { pieces, log });
    }
    if LOGS.set(logs).is_ok() {
        // The time fields read the transaction's milestones.
        crate::txn::milestones::enable();
        ON.store(true, Ordering::Release);
    }
    Ok(())
}

/// `txn` ended (its milestones stamped, before TXN_CLOSE): a line in each access log.
pub fn txn_done(txn: &Txn, counts: Counts) {
    let Some(logs) = LOGS.get() else { return };
    // TSHttpTxnCntlSet(TS_HTTP_CNTL_LOGGING_MODE, off): not logged (as ATS).
    if !txn.cntl.get(crate::txn::origin::cntl::LOGGING_MODE) {
        return;
    }
    let mut line = Vec::with_capacity(256);
    for l in logs {
        line.clear();
        render::line(&mut line, &l.pieces, txn, counts);
        l.log.write(&line);
    }
}
