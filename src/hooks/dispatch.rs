//! Running one hook point: calling each continuation with its mutex held and waiting for its
//! reenable.
//!
//! A transaction (or session) has one [`Gate`]: the state of its single outstanding hook call. A
//! reenable made inside the callback is recorded there and, when the callback returns, the
//! dispatcher goes on to the next callee in the same loop: same thread, no allocation, no task
//! switch. A reenable from any other thread, at any later time, completes the gate and wakes the
//! task waiting on it, which resumes on its own thread.
#![forbid(unsafe_code)]

use std::future::{poll_fn, Future};
use std::os::raw::c_void;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use futures::future::Either;
use parking_lot::Mutex;

use super::trace;
use super::{event_for, short_name, GLOBAL};
use crate::cont::Cont;
use crate::mutex::thread_token;
use crate::sched;
use crate::sys::types::TSEvent;

// TSEvent's values as plain ints (declared once, in sys/types/hook_enums.rs).
pub const TS_EVENT_NONE: i32 = TSEvent::TS_EVENT_NONE as i32;
pub const TS_EVENT_TIMEOUT: i32 = TSEvent::TS_EVENT_TIMEOUT as i32;
pub const TS_EVENT_HTTP_CONTINUE: i32 = TSEvent::TS_EVENT_HTTP_CONTINUE as i32;
pub const TS_EVENT_HTTP_ERROR: i32 = TSEvent::TS_EVENT_HTTP_ERROR as i32;

/// What the dispatcher needs of a session or a transaction (it knows nothing else of them): the
/// id its messages and the trace name, the handle C knows it by (the callbacks' edata), its own
/// hook list and the gate its hook calls go through.
pub trait HookScope {
    fn scope_id(&self) -> i64;
    fn handle(&self) -> usize;
    fn hooks(&self) -> &super::HookList;
    fn gate(&self) -> &Arc<Gate>;
}

/// A session or transaction behind an `Arc` (as the proxy holds them) is one too.
impl<X: HookScope> HookScope for Arc<X> {
    fn scope_id(&self) -> i64 {
        (**self).scope_id()
    }
    fn handle(&self) -> usize {
        (**self).handle()
    }
    fn hooks(&self) -> &super::HookList {
        (**self).hooks()
    }
    fn gate(&self) -> &Arc<Gate> {
        (**self).gate()
    }
}

/// How a hook point ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Continue,
    /// A callee reenabled with TS_EVENT_HTTP_ERROR; the remaining callees were skipped.
    Error,
}

// The gate's state is one atomic word: phase (8 bits) | the reenabling thread's token (24 bits,
// for traces only) | the event (32 bits). A hook whose callback reenables inline touches no lock.
const IDLE: u64 = 0;
const IN_CALLBACK: u64 = 1;
const WAITING: u64 = 2;
const REENABLED: u64 = 3;
const TOKEN_MASK: u64 = 0xff_ffff;

fn pack(phase: u64, by: u64, event: i32) -> u64 {
    phase | (by & TOKEN_MASK) << 8 | (event as u32 as u64) << 32
}

fn unpack(s: u64) -> (u64, u64, i32) {
    (s & 0xff, (s >> 8) & TOKEN_MASK, (s >> 32) as u32 as i32)
}

/// The outstanding hook call of one transaction or session.
#[derive(Default)]
pub struct Gate {
    state: AtomicU64,
    /// Increases with every callback, so a late watchdog knows whether it is still the same one.
    seq: AtomicU64,
    /// The task waiting for a reenable from elsewhere (the slow path only).
    waker: Mutex<Option<Waker>>,
    /// When a connection hook that is being held was called (for its plugin's hook time).
    held_since: Mutex<Option<std::time::Instant>>,
}

/// Why a reenable was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum ReenableError {
    /// No hook of this object is outstanding (for example a second reenable for one event).
    NotWaiting,
}

impl Gate {
    fn begin(&self) {
        self.seq.fetch_add(1, Ordering::AcqRel);
        self.state.store(IN_CALLBACK, Ordering::Release);
    }

    /// Takes a completed reenable: (event, reenabling thread's token, masked).
    fn take(&self) -> Option<(i32, u64)> {
        let s = self.state.load(Ordering::Acquire);
        let (phase, by, event) = unpack(s);
        (phase == REENABLED
            && self
                .state
                .compare_exchange(s, IDLE, Ordering::AcqRel, Ordering::Acquire)
                .is_ok())
        .then_some((event, by))
    }

    /// After the callback returned: the event if it already reenabled, else start waiting.
    fn end_callback(&self) -> Option<(i32, u64)> {
        loop {
            if let Some(r) = self.take() {
                return Some(r);
            }
            // Still in the callback's phase: wait (unless a reenable lands right now: again).
            if self
                .state
                .compare_exchange(IN_CALLBACK, WAITING, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                return None;
            }
        }
    }

    fn poll_reenabled(&self, cx: &mut Context<'_>) -> Poll<(i32, u64)> {
        if let Some(r) = self.take() {
            *self.waker.lock() = None;
            return Poll::Ready(r);
        }
        {
            let mut w = self.waker.lock();
            if !w.as_ref().map(|w| w.will_wake(cx.waker())).unwrap_or(false) {
                *w = Some(cx.waker().clone());
            }
        }
        // A reenable between the first look and the waker's registration did not see the waker.
        if let Some(r) = self.take() {
            *self.waker.lock() = None;
            return Poll::Ready(r);
        }
        Poll::Pending
    }

    /// TSHttpTxnReenable / TSHttpSsnReenable: complete the outstanding hook call.
    pub fn reenable(&self, event: i32) -> Result<(), ReenableError> {
        let by = thread_token();
        loop {
            let s = self.state.load(Ordering::Acquire);
            let phase = s & 0xff;
            if phase != IN_CALLBACK && phase != WAITING {
                return Err(ReenableError::NotWaiting);
            }
            if self
                .state
                .compare_exchange(
                    s,
                    pack(REENABLED, by, event),
                    Ordering::AcqRel,
                    Ordering::Acquire,
                )
                .is_ok()
            {
                if phase == WAITING {
                    let w = self.waker.lock().take();
                    if let Some(w) = w {
                        w.wake();
                    }
                }
                return Ok(());
            }
        }
    }

    fn still_waiting(&self, seq: u64) -> bool {
        self.seq.load(Ordering::Acquire) == seq
            && self.state.load(Ordering::Acquire) & 0xff == WAITING
    }

    fn seq(&self) -> u64 {
        self.seq.load(Ordering::Acquire)
    }
}

thread_local! {
    /// The transaction or session handle whose hook callback runs on this thread, and its gate: a
    /// reenable made inside the callback (the common case) finds the gate without a handle lookup.
    static CURRENT: std::cell::RefCell<Option<(usize, Arc<Gate>)>> = const { std::cell::RefCell::new(None) };
}

/// Marks the callback running on this thread (nested calls restore the outer one).
struct CurrentCall(Option<(usize, Arc<Gate>)>);

impl CurrentCall {
    fn enter(handle: usize, gate: &Arc<Gate>) -> CurrentCall {
        CurrentCall(CURRENT.with(|c| c.replace(Some((handle, gate.clone())))))
    }
}

impl Drop for CurrentCall {
    fn drop(&mut self) {
        let outer = self.0.take();
        CURRENT.with(|c| *c.borrow_mut() = outer);
    }
}

/// Reenable `handle`'s outstanding hook if it is the one whose callback runs on this thread;
/// None if it is not (the caller then looks the handle up).
pub fn reenable_current(handle: usize, event: i32) -> Option<Result<(), ReenableError>> {
    CURRENT.with(|c| {
        let c = c.borrow();
        match &*c {
            Some((h, gate)) if *h == handle => Some(gate.reenable(event)),
            _ => None,
        }
    })
}

/// What an object is, for messages: "transaction 12" or "session 3".
fn what<S: HookScope, T: HookScope>(ssn: &S, txn: Option<&T>) -> String {
    match txn {
        Some(t) => format!("transaction {} (session {})", t.scope_id(), ssn.scope_id()),
        None => format!("session {}", ssn.scope_id()),
    }
}

/// Run hook point `hook` for a session's own points (SSN_START, SSN_CLOSE).
pub async fn run_session_point<S: HookScope>(ssn: &S, hook: i32) -> Outcome {
    run_point::<S, S>(ssn, None, hook).await
}

/// Whether any continuation is hooked on `hook` for this session or transaction (globally, on
/// the session, on the transaction): three loads. Callers on the request path look before
/// making [`run_point`]'s future, so that a point nobody is hooked on costs no more.
#[inline]
pub fn hooked<S: HookScope, T: HookScope>(ssn: &S, txn: Option<&T>, hook: i32) -> bool {
    GLOBAL.has(hook) || ssn.hooks().has(hook) || txn.is_some_and(|t| t.hooks().has(hook))
}

/// Run hook point `hook` for a session (txn None: SSN_START, SSN_CLOSE) or a transaction. Where
/// nobody is hooked (the usual case for most points) that is known at once: the future is ready,
/// nothing is set up.
pub fn run_point<'a, S: HookScope, T: HookScope>(
    ssn: &'a S,
    txn: Option<&'a T>,
    hook: i32,
) -> impl Future<Output = Outcome> + 'a {
    debug_assert!(
        super::is_fired(hook),
        "hook {hook} is fired: add it to hooks::FIRED"
    );
    if hooked(ssn, txn, hook) {
        Either::Left(run_hooked_point(ssn, txn, hook))
    } else {
        Either::Right(std::future::ready(Outcome::Continue))
    }
}

async fn run_hooked_point<S: HookScope, T: HookScope>(
    ssn: &S,
    txn: Option<&T>,
    hook: i32,
) -> Outcome {
    let (gate, edata, scopes) = match txn {
        Some(t) => (t.gate(), t.handle(), 3),
        None => (ssn.gate(), ssn.handle(), 2),
    };
    let event = event_for(hook);
    // At TXN_CLOSE and SSN_CLOSE, ERROR counts as CONTINUE: every callee still gets its close.
    let closing = hook == super::id::TXN_CLOSE || hook == super::id::SSN_CLOSE;
    let mut scope = 0usize;
    let mut i = 0usize;
    let mut version = GLOBAL.version();
    let mut global = GLOBAL.snapshot(hook);
    loop {
        // The global list's continuations are called borrowed from the snapshot (which keeps
        // them alive): no reference count per call. The others are cloned out of their list's
        // lock.
        let owned;
        let cont: &Arc<Cont> = match scope {
            0 => {
                if global.as_ref().is_none_or(|l| i >= l.len())
                    && GLOBAL.changed_since(version)
                    && GLOBAL.longer_than(hook, i)
                {
                    // The end of the snapshot, and continuations were added since.
                    version = GLOBAL.version();
                    global = GLOBAL.snapshot(hook);
                }
                match global.as_ref().and_then(|l| l.get(i)) {
                    Some(c) => c,
                    None => {
                        scope += 1;
                        i = 0;
                        continue;
                    }
                }
            }
            _ => {
                let next = if scope == 1 {
                    ssn.hooks().get(hook, i)
                } else {
                    txn.and_then(|t| t.hooks().get(hook, i))
                };
                match next {
                    Some(c) => {
                        owned = c;
                        &owned
                    }
                    None => {
                        scope += 1;
                        i = 0;
                        if scope >= scopes {
                            return Outcome::Continue;
                        }
                        continue;
                    }
                }
            }
        };
        i += 1;
        if cont.is_deleted() {
            crate::error!(
                "{}: continuation {:#x} on the {} hook was destroyed while still registered; skipped",
                cont.plugin_name(),
                cont.handle,
                short_name(hook)
            );
            continue;
        }
        if call_one(gate, cont, hook, event, edata, scope, ssn, txn).await == Outcome::Error
            && !closing
        {
            return Outcome::Error;
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn call_one<S: HookScope, T: HookScope>(
    gate: &Arc<Gate>,
    cont: &Arc<Cont>,
    hook: i32,
    event: i32,
    edata: usize,
    scope: usize,
    ssn: &S,
    txn: Option<&T>,
) -> Outcome {
    let called = std::time::Instant::now();
    if let Some(m) = &cont.mutex {
        // As ATS: try the lock, retry after 10 ms while another thread holds it.
        while !m.try_lock() {
            sched::sleep(sched::MUTEX_RETRY).await;
        }
    }
    gate.begin();
    let _current = CurrentCall::enter(edata, gate);
    let traced = trace::enabled().then(|| {
        trace::record_call(
            ssn.scope_id(),
            txn.map(|t| t.scope_id()),
            hook,
            event,
            scope,
            cont,
        )
    });
    let me = thread_token();
    cont.call(event, edata as *mut c_void);
    if let Some(m) = &cont.mutex {
        m.unlock();
    }
    let (ev, by, inline) = match gate.end_callback() {
        Some((ev, by)) => (ev, by, true),
        None => {
            arm_watchdog(gate, hook, cont, what(ssn, txn));
            let (ev, by) = poll_fn(|cx| gate.poll_reenabled(cx)).await;
            (ev, by, false)
        }
    };
    if let Some(idx) = traced {
        trace::record_reenable(idx, ev, inline, by != me & TOKEN_MASK);
    }
    held(cont, hook, called);
    interpret(ev, hook, cont, ssn, txn)
}

/// Count how long `cont`'s plugin held `hook` (from its call to its reenable).
fn held(cont: &Cont, hook: i32, since: std::time::Instant) {
    if let Some(p) = &cont.plugin {
        p.hook_times.record(hook, since.elapsed());
    }
}

fn arm_watchdog(gate: &Arc<Gate>, hook: i32, cont: &Arc<Cont>, what: String) {
    let ms = super::hook_timeout_ms();
    if ms == 0 {
        return;
    }
    let seq = gate.seq();
    let gate = gate.clone();
    let plugin = cont.plugin_name();
    sched::after(Duration::from_millis(ms), move || {
        if gate.still_waiting(seq) {
            crate::warning!(
                "plugin {plugin}: {} hook of {what} not reenabled after {ms} ms; still waiting for it",
                short_name(hook)
            );
        }
    });
}

fn interpret<S: HookScope, T: HookScope>(
    ev: i32,
    hook: i32,
    cont: &Cont,
    ssn: &S,
    txn: Option<&T>,
) -> Outcome {
    match ev {
        TS_EVENT_HTTP_CONTINUE | TS_EVENT_NONE | TS_EVENT_TIMEOUT => Outcome::Continue,
        TS_EVENT_HTTP_ERROR => Outcome::Error,
        other => {
            crate::error!(
                "plugin {}: {} reenabled the {} hook of {} with invalid event {other} ({}); treated as TS_EVENT_HTTP_CONTINUE",
                cont.plugin_name(),
                if txn.is_some() { "TSHttpTxnReenable" } else { "TSHttpSsnReenable" },
                short_name(hook),
                what(ssn, txn),
                crate::sys::names::event_name(other).to_string_lossy()
            );
            Outcome::Continue
        }
    }
}

/// Deliver `event` to every global continuation of `hook`, in add order, synchronously, each with
/// its mutex held; no reenable is expected (ATS's APIHook::invoke, used for TS_SSL_SESSION_HOOK).
/// Where ATS aborts on a busy mutex, tshost waits for it.
pub fn invoke_global(hook: i32, event: i32, edata: *mut c_void) {
    debug_assert!(
        super::is_fired(hook),
        "hook {hook} is fired: add it to hooks::FIRED"
    );
    let mut i = 0;
    while let Some(cont) = GLOBAL.get(hook, i) {
        i += 1;
        if cont.is_deleted() {
            continue;
        }
        cont.call_locked(event, edata);
    }
}

/// How a connection hook callee (TS_VCONN_*, TS_SSL_* but the session hook) answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// It reenabled inside the callback, with this event.
    Now(i32),
    /// It holds the hook: the reenable comes later, from any thread ([`Gate::reenabled`]).
    Held,
}

/// Call one continuation of a connection hook (its mutex held, waiting for it as ATS's callers
/// do): the object is `edata` (a TSVConn), reenabled with TSVConnReenable through `gate`.
/// Synchronous, so that OpenSSL's callbacks can use it.
pub fn call_connection_hook(
    gate: &Arc<Gate>,
    cont: &Arc<Cont>,
    hook: i32,
    event: i32,
    edata: usize,
) -> Answer {
    let called = std::time::Instant::now();
    gate.begin();
    let _current = CurrentCall::enter(edata, gate);
    cont.call_locked(event, edata as *mut c_void);
    match gate.end_callback() {
        Some((ev, _)) => {
            held(cont, hook, called);
            Answer::Now(ev)
        }
        None => {
            *gate.held_since.lock() = Some(called);
            Answer::Held
        }
    }
}

impl Gate {
    /// The event of the reenable of a held hook (after [`call_connection_hook`] said
    /// [`Answer::Held`]); warns after the hook timeout, as for transaction hooks.
    pub async fn reenabled(self: &Arc<Self>, hook: i32, cont: &Arc<Cont>, what: String) -> i32 {
        arm_watchdog(self, hook, cont, what);
        let ev = poll_fn(|cx| self.poll_reenabled(cx)).await.0;
        if let Some(called) = self.held_since.lock().take() {
            held(cont, hook, called);
        }
        ev
    }
}
