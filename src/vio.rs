//! A plugin's own VConnections and their VIOs (ATS 9.2.9's INKVConnInternal and VIO, InkAPI.cc):
//! TSVConnCreate makes a continuation that is also a VConnection. Another party reads from it
//! (TSVConnRead: a read VIO naming the buffer the VConnection fills) or writes to it
//! (TSVConnWrite: a write VIO naming the reader it drains); either call, TSVIOReenable on one of
//! its VIOs, a close and a shutdown each send the VConnection's own continuation
//! TS_EVENT_IMMEDIATE, and its event function does the work and tells the VIOs' continuations
//! (TS_EVENT_VCONN_READ_READY, ..._COMPLETE, WRITE_READY, ...) itself, as ATS's transforms do.
//!
//! The VConnection's handle is its continuation's (TSContDataGet/Set, TSContCall and
//! TSContDestroy take it); a VIO is a slot of [`VIOS`]. When the continuation is destroyed, the
//! VConnection and its VIOs go with it ([`forget`]).
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::os::raw::c_int;
use std::sync::atomic::{AtomicI32, AtomicI64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use parking_lot::Mutex;

use crate::cont::{Cont, CONTS};
use crate::rt::pool::Pool;
use crate::sched::{self, PoolKind, ScheduledEvent, ACTIONS};
use crate::sys::types::TSEvent;

/// The live VIOs, by the handle C holds.
pub static VIOS: Pool<Vio> = Pool::new();

/// The plugin VConnections, by their continuation's handle.
static PLUGIN_VCONNS: LazyLock<Mutex<HashMap<usize, Arc<PluginVConn>>>> =
    LazyLock::new(Default::default);

/// ATS's TS_VC_CLOSE_ABORT and TS_VC_CLOSE_NORMAL (TSVConnClosedGet).
pub const CLOSE_ABORT: i32 = -1;
pub const CLOSE_NORMAL: i32 = 1;

/// What a VIO does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    None = 0,
    Read = 1,
    Write = 2,
}

/// A VIO: one direction of I/O on a VConnection, on behalf of a continuation.
pub struct Vio {
    pub handle: usize,
    /// The VConnection it is on (its handle).
    pub vconn: usize,
    op: AtomicU8,
    /// The continuation it reports to (0: none).
    cont: AtomicUsize,
    nbytes: AtomicI64,
    ndone: AtomicI64,
    /// A read VIO: the TSIOBuffer the VConnection fills; a write VIO: the TSIOBufferReader it
    /// drains and that reader's buffer.
    buffer: AtomicUsize,
    reader: AtomicUsize,
}

impl Vio {
    fn new(handle: usize, vconn: usize) -> Vio {
        Vio {
            handle,
            vconn,
            op: AtomicU8::new(Op::None as u8),
            cont: AtomicUsize::new(0),
            nbytes: AtomicI64::new(0),
            ndone: AtomicI64::new(0),
            buffer: AtomicUsize::new(0),
            reader: AtomicUsize::new(0),
        }
    }

    pub fn op(&self) -> Op {
        match self.op.load(Ordering::Acquire) {
            1 => Op::Read,
            2 => Op::Write,
            _ => Op::None,
        }
    }

    pub fn cont(&self) -> usize {
        self.cont.load(Ordering::Acquire)
    }

    pub fn nbytes(&self) -> i64 {
        self.nbytes.load(Ordering::Acquire)
    }

    pub fn set_nbytes(&self, n: i64) {
        self.nbytes.store(n, Ordering::Release);
    }

    pub fn ndone(&self) -> i64 {
        self.ndone.load(Ordering::Acquire)
    }

    pub fn set_ndone(&self, n: i64) {
        self.ndone.store(n, Ordering::Release);
    }

    /// The TSIOBuffer of a read VIO, or of a write VIO's reader (0 once stopped).
    pub fn buffer(&self) -> usize {
        self.buffer.load(Ordering::Acquire)
    }

    /// The TSIOBufferReader of a write VIO (0 otherwise).
    pub fn reader(&self) -> usize {
        self.reader.load(Ordering::Acquire)
    }

    fn set(&self, op: Op, cont: usize, nbytes: i64, buffer: usize, reader: usize) {
        self.cont.store(cont, Ordering::Release);
        self.nbytes.store(nbytes, Ordering::Release);
        self.ndone.store(0, Ordering::Release);
        self.buffer.store(buffer, Ordering::Release);
        self.reader.store(reader, Ordering::Release);
        self.op.store(op as u8, Ordering::Release);
    }

    /// No more I/O (a close or a shutdown): the VIO names no buffer any more.
    fn stop(&self) {
        self.op.store(Op::None as u8, Ordering::Release);
        self.buffer.store(0, Ordering::Release);
        self.reader.store(0, Ordering::Release);
    }
}

/// A plugin's VConnection.
pub struct PluginVConn {
    pub cont: Arc<Cont>,
    pub read: Arc<Vio>,
    pub write: Arc<Vio>,
    closed: AtomicI32,
    /// The VConnection it writes to (a transform's output; 0: none).
    output: AtomicUsize,
    /// tshost's own VConnection (an intercept's, ATS's PluginVC): a write wakes it even with
    /// nothing to write yet (it then asks the writer for data with WRITE_READY).
    hosted: bool,
    timeouts: Mutex<Timeouts>,
    /// Its continuation has been called since its close (or is gone): the plugin was told.
    told: crate::rt::flag::Flag,
}

/// TSVConnActiveTimeoutSet and TSVConnInactivityTimeoutSet, as ATS's PluginVC keeps them: when one
/// expires, the continuation of the VIO in progress (the read one first) gets
/// TS_EVENT_VCONN_ACTIVE_TIMEOUT or TS_EVENT_VCONN_INACTIVITY_TIMEOUT with the VIO, once. A new
/// setting or a cancel replaces the timer (a generation number retires the old one); I/O
/// (TSVConnRead/Write, TSVIOReenable) restarts the inactivity clock.
struct Timeouts {
    active_gen: u64,
    inactivity: Option<Duration>,
    inactive_gen: u64,
    last_activity: std::time::Instant,
}

/// Make `cont` a VConnection (TSVConnCreate).
pub fn create(cont: Arc<Cont>) -> Arc<PluginVConn> {
    make(cont, false)
}

/// Make `cont`, whose event function is tshost's, a VConnection (an intercept's).
pub fn create_hosted(cont: Arc<Cont>) -> Arc<PluginVConn> {
    make(cont, true)
}

fn make(cont: Arc<Cont>, hosted: bool) -> Arc<PluginVConn> {
    let h = cont.handle;
    let (_, read) = VIOS.insert(|vh| Vio::new(vh, h));
    let (_, write) = VIOS.insert(|vh| Vio::new(vh, h));
    let vc = Arc::new(PluginVConn {
        cont,
        read,
        write,
        closed: AtomicI32::new(0),
        output: AtomicUsize::new(0),
        hosted,
        timeouts: Mutex::new(Timeouts {
            active_gen: 0,
            inactivity: None,
            inactive_gen: 0,
            last_activity: std::time::Instant::now(),
        }),
        told: Default::default(),
    });
    PLUGIN_VCONNS.lock().insert(h, vc.clone());
    vc
}

/// The plugin VConnection of a handle, if it is one.
pub fn get(handle: usize) -> Option<Arc<PluginVConn>> {
    PLUGIN_VCONNS.lock().get(&handle).cloned()
}

/// The continuation of `handle` was destroyed: if it was a VConnection, it and its VIOs go.
pub fn forget(handle: usize) {
    if let Some(vc) = PLUGIN_VCONNS.lock().remove(&handle) {
        VIOS.release(vc.read.handle);
        VIOS.release(vc.write.handle);
    }
}

/// Live plugin VConnections (for tests: nothing leaks).
pub fn live() -> usize {
    PLUGIN_VCONNS.lock().len()
}

impl PluginVConn {
    pub fn handle(&self) -> usize {
        self.cont.handle
    }

    /// TSVConnClosedGet: 0 while open, [`CLOSE_NORMAL`] or [`CLOSE_ABORT`].
    pub fn closed(&self) -> i32 {
        self.closed.load(Ordering::Acquire)
    }

    pub fn output(&self) -> usize {
        self.output.load(Ordering::Acquire)
    }

    pub fn set_output(&self, vc: usize) {
        self.output.store(vc, Ordering::Release);
    }

    /// Send the VConnection's own continuation TS_EVENT_IMMEDIATE (on a network thread, under
    /// its mutex), as ATS's `eventProcessor.schedule_imm(this, ET_NET)`.
    pub fn wake(&self) {
        sched::schedule(self.immediate(), Duration::ZERO);
    }

    /// [`PluginVConn::wake`] for a call of the plugin's (TSVConnRead/Write, TSVIOReenable, close,
    /// shutdown): after the plugin's code returns ([`sched::schedule_soon`]).
    fn wake_soon(&self) {
        sched::schedule_soon(self.immediate());
    }

    fn immediate(&self) -> Arc<ScheduledEvent> {
        let event = TSEvent::TS_EVENT_IMMEDIATE as c_int;
        ACTIONS
            .insert(|h| ScheduledEvent::new(h, self.cont.clone(), event, None, PoolKind::Net))
            .1
    }

    /// TSVConnActiveTimeoutSet: the VIO in progress times out `after` from now.
    pub fn set_active_timeout(self: &Arc<Self>, after: Duration) {
        let gen = {
            let mut t = self.timeouts.lock();
            t.active_gen += 1;
            t.active_gen
        };
        let weak = Arc::downgrade(self);
        sched::after(after, move || {
            if let Some(vc) = weak.upgrade() {
                if vc.timeouts.lock().active_gen == gen {
                    vc.timed_out(TSEvent::TS_EVENT_VCONN_ACTIVE_TIMEOUT);
                }
            }
        });
    }

    /// TSVConnActiveTimeoutCancel.
    pub fn cancel_active_timeout(&self) {
        self.timeouts.lock().active_gen += 1;
    }

    /// TSVConnInactivityTimeoutSet: the VIO in progress times out once nothing happened on the
    /// VConnection for `after`.
    pub fn set_inactivity_timeout(self: &Arc<Self>, after: Duration) {
        let gen = {
            let mut t = self.timeouts.lock();
            t.inactive_gen += 1;
            t.inactivity = Some(after);
            t.last_activity = std::time::Instant::now();
            t.inactive_gen
        };
        self.arm_inactivity(gen, after);
    }

    /// TSVConnInactivityTimeoutCancel.
    pub fn cancel_inactivity_timeout(&self) {
        let mut t = self.timeouts.lock();
        t.inactive_gen += 1;
        t.inactivity = None;
    }

    /// One timer per setting: when it fires early (there was I/O since), it waits the rest.
    fn arm_inactivity(self: &Arc<Self>, gen: u64, delay: Duration) {
        let weak = Arc::downgrade(self);
        sched::after(delay, move || {
            let Some(vc) = weak.upgrade() else { return };
            let rest = {
                let mut t = vc.timeouts.lock();
                let Some(limit) = t.inactivity.filter(|_| t.inactive_gen == gen) else {
                    return;
                };
                let idle = t.last_activity.elapsed();
                if idle >= limit {
                    t.inactivity = None;
                    None
                } else {
                    Some(limit - idle)
                }
            };
            match rest {
                Some(rest) => vc.arm_inactivity(gen, rest),
                None => vc.timed_out(TSEvent::TS_EVENT_VCONN_INACTIVITY_TIMEOUT),
            }
        });
    }

    /// I/O happened: the inactivity clock starts again.
    fn touch(&self) {
        let mut t = self.timeouts.lock();
        if t.inactivity.is_some() {
            t.last_activity = std::time::Instant::now();
        }
    }

    /// A timeout expired: tell the continuation of the VIO in progress (on a network thread,
    /// under its mutex); nothing when the VConnection is closed or no VIO is in progress.
    fn timed_out(&self, event: TSEvent) {
        if self.closed() != 0 {
            return;
        }
        let vio = [&self.read, &self.write]
            .into_iter()
            .find(|v| v.op() != Op::None);
        let Some(vio) = vio else { return };
        let Some(cont) = vio_cont(vio) else { return };
        let (_, ev) = ACTIONS.insert(|h| {
            ScheduledEvent::new(h, cont, event as c_int, None, PoolKind::Net).with_edata(vio.handle)
        });
        sched::schedule(ev, Duration::ZERO);
    }

    /// Another party reads from it (TSVConnRead): `cont` is told, `buffer` is filled.
    pub fn do_read(&self, cont: usize, buffer: usize, nbytes: i64) -> Arc<Vio> {
        self.touch();
        self.read.set(Op::Read, cont, nbytes, buffer, 0);
        self.wake_soon();
        self.read.clone()
    }

    /// Another party writes to it (TSVConnWrite): `cont` is told, `reader` is drained. A plugin's
    /// VConnection is woken when the reader already has data (ATS's INKVConnInternal), tshost's
    /// own always (ATS's PluginVC).
    pub fn do_write(&self, cont: usize, reader: usize, nbytes: i64) -> Arc<Vio> {
        self.touch();
        // As ATS's `buffer.reader_for`: the VIO's buffer is the reader's (TSVIOBufferGet on a
        // write VIO is the buffer it drains; transforms test it for the input's end).
        let buffer = crate::iobuf::READERS
            .get(reader)
            .map_or(0, |r| r.buffer_handle());
        self.write.set(Op::Write, cont, nbytes, buffer, reader);
        if self.hosted
            || crate::iobuf::READERS
                .get(reader)
                .is_some_and(|r| r.avail() > 0)
        {
            self.wake_soon();
        }
        self.write.clone()
    }

    /// TSVConnClose (`error` None) or TSVConnAbort: the VIOs stop, its output is closed the same
    /// way, and it is woken to see TSVConnClosedGet. The first close is the one that counts (as
    /// ATS's INKVConnInternal::do_io_close): an abort stays an abort.
    pub fn close(self: &Arc<Self>, error: Option<i32>) {
        let how = if error.is_some() {
            CLOSE_ABORT
        } else {
            CLOSE_NORMAL
        };
        if self
            .closed
            .compare_exchange(0, how, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return;
        }
        self.read.stop();
        self.write.stop();
        let out = self.output.swap(0, Ordering::AcqRel);
        if let Some(o) = get(out) {
            o.close(error);
        }
        // Woken to see the close; once its event function returned, the plugin was told.
        let weak = Arc::downgrade(self);
        let event = TSEvent::TS_EVENT_IMMEDIATE as c_int;
        let ev = ACTIONS.insert(|h| {
            ScheduledEvent::new(h, self.cont.clone(), event, None, PoolKind::Net).with_then(
                move || {
                    if let Some(vc) = weak.upgrade() {
                        vc.told.set();
                    }
                },
            )
        });
        sched::schedule_soon(ev.1);
    }

    /// Wait until the plugin has been told of the close (its continuation called since, or
    /// destroyed), at most `limit`: false if it was not in time.
    pub async fn told_of_close(&self, limit: Duration) -> bool {
        self.told.wait(limit, || self.cont.is_deleted()).await
    }

    /// TSVConnShutdown: stop reading and/or writing, and wake it.
    pub fn shutdown(&self, read: bool, write: bool) {
        if read {
            self.read.stop();
        }
        if write {
            self.write.stop();
        }
        self.wake_soon();
    }
}

/// TSVIOReenable: the VConnection of the VIO is woken (a plugin VConnection's continuation gets
/// TS_EVENT_IMMEDIATE). False when the VIO is on no live plugin VConnection.
pub fn reenable(vio: &Vio) -> bool {
    match get(vio.vconn) {
        Some(vc) => {
            vc.touch();
            vc.wake_soon();
            true
        }
        None => false,
    }
}

/// The continuation a VIO reports to, while it lives.
pub fn vio_cont(vio: &Vio) -> Option<Arc<Cont>> {
    CONTS.get(vio.cont())
}
