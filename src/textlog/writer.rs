//! The text logs' writer: one thread (`[LOG_FLUSH]`, as ATS's flush thread) that owns every text
//! log's file, fed by a bounded queue.
//!
//! A plugin's write formats its line and puts it on the queue without waiting: when the queue is
//! full (`QUEUE_LINES` lines or `QUEUE_BYTES` bytes waiting) the line is dropped and counted,
//! never blocking a network thread on the disk. The writer takes what is queued, appends each
//! log's lines to its file with one write per file, and every `periodic_tasks_interval` seconds
//! looks at each log's rolling. A flush (TSTextLogObjectFlush) or a close (Destroy) waits, with a
//! bound, until the writer has written everything queued before it.
//!
//! A file that cannot be opened or written (the disk full) costs the lines of that attempt: an
//! ERROR once per failing spell, a NOTE when writing works again. As in ATS, a file moved or
//! deleted while open is written on until a log rotation is signalled (SIGUSR2,
//! [`Msg::Reopen`]): then it is opened again at its path (created again, with its directory).
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Timelike};
use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, Sender, TrySendError};

use super::file::LogFile;
use super::space::{Kind, Limits, Space};
use super::TextLog;

/// Lines the queue holds at most.
pub const QUEUE_LINES: usize = 65536;
/// Bytes of lines the queue holds at most.
pub const QUEUE_BYTES: usize = 32 << 20;
/// How long a flush or a close waits for the writer.
pub const CONTROL_WAIT: Duration = Duration::from_secs(10);
/// Messages the writer takes before it writes what it has.
const BATCH: usize = 4096;

/// What goes to the writer.
pub enum Msg {
    /// A new log: the writer keeps its file from now on.
    Add(Arc<TextLog>),
    /// A line (newline included) and when it was written (seconds since the epoch).
    Line(Arc<TextLog>, Vec<u8>, i64),
    /// Everything queued before this is written: then say so.
    Flush(Sender<()>),
    /// Write this log's lines, close its file, forget it: then say so.
    Close(Arc<TextLog>, Sender<()>),
    /// A log rotation (SIGUSR2): write what is queued, then each file no longer at its path
    /// (moved or deleted by the rotation) is opened again there for its next lines; then say so.
    Reopen(Sender<()>),
}

/// The writer's queue.
pub struct Queue {
    tx: Sender<Msg>,
    /// Bytes of the lines waiting.
    bytes: Arc<AtomicUsize>,
    max_bytes: usize,
}

impl Queue {
    /// A queue and the writer thread that drains it, looking at rolling every `tick`.
    /// With `space` (the log directory and its limits), the directory's space is looked at then
    /// too ([`super::space`]).
    pub fn spawn(
        lines: usize,
        max_bytes: usize,
        tick: Duration,
        space: Option<(std::path::PathBuf, Limits)>,
    ) -> std::io::Result<Queue> {
        let (queue, rx) = Queue::detached(lines, max_bytes);
        let bytes = queue.bytes.clone();
        std::thread::Builder::new()
            .name("LOG_FLUSH".into())
            .spawn(move || Writer::new(bytes, space).run(rx, tick))?;
        Ok(queue)
    }

    /// A queue without a writer (the receiving end returned).
    pub fn detached(lines: usize, max_bytes: usize) -> (Queue, Receiver<Msg>) {
        let (tx, rx) = bounded(lines);
        let queue = Queue {
            tx,
            bytes: Arc::new(AtomicUsize::new(0)),
            max_bytes,
        };
        (queue, rx)
    }

    /// Queue a line without waiting; false (the line dropped) when the queue is full.
    pub fn line(&self, log: &Arc<TextLog>, line: Vec<u8>, now: i64) -> bool {
        let n = line.len();
        if self.bytes.fetch_add(n, Ordering::AcqRel) + n > self.max_bytes {
            self.bytes.fetch_sub(n, Ordering::AcqRel);
            return false;
        }
        match self.tx.try_send(Msg::Line(log.clone(), line, now)) {
            Ok(()) => true,
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.bytes.fetch_sub(n, Ordering::AcqRel);
                false
            }
        }
    }

    /// Send `msg`, waiting for room, then for the writer's answer on the channel `make` built
    /// into it; false if either took longer than `wait`.
    pub fn control(&self, wait: Duration, make: impl FnOnce(Sender<()>) -> Msg) -> bool {
        let (ack, done) = bounded(1);
        let end = Instant::now() + wait;
        self.tx.send_timeout(make(ack), wait).is_ok()
            && done
                .recv_timeout(end.saturating_duration_since(Instant::now()))
                .is_ok()
    }

    /// Hand a new log to the writer (waiting for room, as long as `wait`).
    pub fn add(&self, log: &Arc<TextLog>, wait: Duration) -> bool {
        self.tx.send_timeout(Msg::Add(log.clone()), wait).is_ok()
    }
}

/// One log as the writer keeps it.
struct Entry {
    log: Arc<TextLog>,
    file: LogFile,
    /// `m_last_roll_time`: when the last roll was looked for and due (0: never).
    last_roll: i64,
    pending: Vec<u8>,
    lines: u64,
    first: i64,
    last: i64,
    /// Opening or writing fails: said once, lines lost since.
    failing: Option<u64>,
}

struct Writer {
    entries: HashMap<u64, Entry>,
    bytes: Arc<AtomicUsize>,
    /// The log directory and its limits; what the last look found.
    limits: Option<(std::path::PathBuf, Limits)>,
    space: Space,
    /// Lines dropped while logging space is exhausted.
    space_lost: u64,
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn local_secs_of_day(t: i64) -> i64 {
    chrono::Local
        .timestamp_opt(t, 0)
        .earliest()
        .map(|d| i64::from(d.num_seconds_from_midnight()))
        .unwrap_or(0)
}

impl Writer {
    fn new(bytes: Arc<AtomicUsize>, limits: Option<(std::path::PathBuf, Limits)>) -> Writer {
        Writer {
            entries: HashMap::new(),
            bytes,
            limits,
            space: Space::default(),
            space_lost: 0,
        }
    }

    /// LogConfig::update_space_used: look at the directory's space, delete rolled logs of ours
    /// if it is short, suspend writing if that was not enough.
    fn check_space(&mut self) {
        let Some((dir, limits)) = &self.limits else {
            return;
        };
        let kinds: Vec<Kind> = self
            .entries
            .values()
            .map(|e| Kind {
                file_name: e.log.basename.clone(),
                min_count: e.log.cfg.min_count,
            })
            .collect();
        let was = self.space.exhausted;
        if was && !self.space.check(dir, &kinds, limits) && self.space_lost > 0 {
            crate::note!(
                "{} log line(s) were dropped while logging space was exhausted",
                self.space_lost
            );
            self.space_lost = 0;
        } else if !was {
            self.space.check(dir, &kinds, limits);
        }
    }

    fn run(mut self, rx: Receiver<Msg>, tick: Duration) {
        let mut next_tick = Instant::now() + tick;
        loop {
            let first = match rx.recv_timeout(next_tick.saturating_duration_since(Instant::now())) {
                Ok(first) => Some(first),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => break,
            };
            let due = Instant::now() >= next_tick;
            // A bug here costs the work at hand (a flush or close waiting for it is answered by
            // its channel closing), not every text log.
            let step = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                if let Some(first) = first {
                    self.take(first);
                    for msg in rx.try_iter().take(BATCH) {
                        self.take(msg);
                    }
                    self.write_all();
                }
                if due {
                    self.roll_due(now_secs());
                    self.check_space();
                }
            }));
            if step.is_err() {
                crate::error!("text logs: internal error (panic) in the log writer; lines lost");
            }
            if due {
                next_tick = Instant::now() + tick;
            }
        }
        self.write_all();
    }

    fn take(&mut self, msg: Msg) {
        match msg {
            Msg::Add(log) => {
                let file = LogFile::new(log.target.clone(), &log.cfg.hostname, log.cfg.perm);
                let mut e = Entry {
                    log,
                    file,
                    last_roll: 0,
                    pending: Vec::new(),
                    lines: 0,
                    first: 0,
                    last: 0,
                    failing: None,
                };
                if e.log.cfg.allow_empty {
                    e.open();
                }
                self.entries.insert(e.log.id, e);
            }
            Msg::Line(log, line, at) => {
                self.bytes.fetch_sub(line.len(), Ordering::AcqRel);
                // A line that raced its log's Destroy finds nothing: it goes.
                if let Some(e) = self.entries.get_mut(&log.id) {
                    if e.pending.is_empty() {
                        e.first = at;
                    }
                    e.last = at;
                    e.lines += 1;
                    e.pending.extend_from_slice(&line);
                }
            }
            Msg::Flush(ack) => {
                self.write_all();
                let _ = ack.send(());
            }
            Msg::Reopen(ack) => {
                self.write_all();
                for e in self.entries.values_mut() {
                    if e.file.moved() {
                        crate::debug!("log", "{} was moved: opened again", e.log.name);
                        e.file.close();
                        if e.log.cfg.allow_empty {
                            e.open();
                        }
                    }
                }
                let _ = ack.send(());
            }
            Msg::Close(log, ack) => {
                if let Some(mut e) = self.entries.remove(&log.id) {
                    e.write_out();
                    e.file.close();
                }
                let _ = ack.send(());
            }
        }
    }

    fn write_all(&mut self) {
        let suspended = self.space.exhausted;
        for e in self.entries.values_mut() {
            if suspended {
                // Logging space exhausted: dropped, as ATS drops them.
                self.space_lost += e.lines;
                e.pending.clear();
                e.lines = 0;
            } else {
                e.write_out();
            }
        }
    }

    /// LogObjectManager::roll_files: each log whose roll is due rolls.
    fn roll_due(&mut self, now: i64) {
        let day = local_secs_of_day(now);
        for e in self.entries.values_mut() {
            let rolling = e.log.rolling();
            if !rolling.due(now, day, e.last_roll, e.file.bytes) {
                continue;
            }
            match e.file.roll(e.last_roll, now) {
                Ok(Some(to)) => crate::debug!(
                    "log-file",
                    "The logfile {} was rolled to {}.",
                    e.log.name,
                    to.display()
                ),
                Ok(None) => {}
                Err(err) => crate::error!(
                    "Traffic Server could not rename logfile {}: {err}",
                    e.log.name
                ),
            }
            let max = e.log.cfg.max_count;
            if max > 0 {
                for r in e.file.trim_rolled(max) {
                    match r {
                        Ok(p) => crate::debug!(
                            "log-file",
                            "rolled logfile, {}, was auto-deleted",
                            p.display()
                        ),
                        Err(err) => crate::error!(
                            "unable to auto-delete a rolled logfile of {}: {err}",
                            e.log.name
                        ),
                    }
                }
            }
            e.last_roll = now;
            if e.log.cfg.allow_empty {
                e.open();
            }
        }
    }
}

impl Entry {
    fn open(&mut self) -> bool {
        let header = self.log.header();
        match self.file.open(header.as_deref(), now_secs()) {
            Ok(()) => true,
            Err(err) => {
                self.fail("could not open", &err);
                false
            }
        }
    }

    /// A failure: said once per failing spell.
    fn fail(&mut self, what: &str, err: &std::io::Error) {
        if self.failing.is_none() {
            crate::error!(
                "text log {}: {what} the file: {err}; its lines are lost until it works again",
                self.log.name
            );
            self.failing = Some(0);
        }
    }

    /// Write the pending lines (opening the file first; again if it was deleted or moved).
    fn write_out(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let written = self.open()
            && match self.file.write(&self.pending, self.first, self.last) {
                Ok(()) => true,
                Err(err) => {
                    self.fail("could not write", &err);
                    // Opened again next time: it may be somewhere else by then.
                    self.file.close();
                    false
                }
            };
        match (written, self.failing) {
            (true, Some(lost)) => {
                crate::note!(
                    "text log {}: writing again ({lost} line(s) lost)",
                    self.log.name
                );
                self.failing = None;
            }
            (false, Some(lost)) => self.failing = Some(lost + self.lines),
            _ => {}
        }
        self.pending.clear();
        self.lines = 0;
    }
}
