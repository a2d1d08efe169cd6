//! An optional record of every hook call and how it was reenabled, for the test harness
//! (tshost_trace_* in tshost.h). Off by default; when off it costs one atomic load per call.
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use parking_lot::Mutex;

use crate::cont::Cont;

#[derive(Clone, Debug)]
pub struct TraceEntry {
    /// Unique per entry (survives `clear`).
    pub seq: u64,
    pub ssn_id: i64,
    /// -1 for session hooks.
    pub txn_id: i64,
    pub hook: i32,
    pub event: i32,
    /// 0 global, 1 session, 2 transaction.
    pub scope: i32,
    pub cont: usize,
    pub plugin: String,
    /// The event the plugin reenabled with; -1 while outstanding.
    pub reenable_event: i32,
    /// Reenabled before the callback returned.
    pub inline: bool,
    /// Reenabled by another thread than the one that ran the callback.
    pub other_thread: bool,
}

static ENABLED: AtomicBool = AtomicBool::new(false);
static SEQ: AtomicU64 = AtomicU64::new(1);
static ENTRIES: Mutex<Vec<TraceEntry>> = Mutex::new(Vec::new());

pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

pub fn set_enabled(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

pub fn clear() {
    ENTRIES.lock().clear();
}

pub fn snapshot() -> Vec<TraceEntry> {
    ENTRIES.lock().clone()
}

pub fn len() -> usize {
    ENTRIES.lock().len()
}

pub fn get(i: usize) -> Option<TraceEntry> {
    ENTRIES.lock().get(i).cloned()
}

pub(crate) fn record_call(
    ssn_id: i64,
    txn_id: Option<i64>,
    hook: i32,
    event: i32,
    scope: usize,
    cont: &Cont,
) -> u64 {
    let seq = SEQ.fetch_add(1, Ordering::Relaxed);
    let mut e = ENTRIES.lock();
    e.push(TraceEntry {
        seq,
        ssn_id,
        txn_id: txn_id.unwrap_or(-1),
        hook,
        event,
        scope: scope as i32,
        cont: cont.handle,
        plugin: cont.plugin_name(),
        reenable_event: -1,
        inline: false,
        other_thread: false,
    });
    seq
}

pub(crate) fn record_reenable(seq: u64, event: i32, inline: bool, other_thread: bool) {
    if let Some(e) = ENTRIES.lock().iter_mut().rev().find(|e| e.seq == seq) {
        e.reenable_event = event;
        e.inline = inline;
        e.other_thread = other_thread;
    }
}
