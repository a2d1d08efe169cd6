//! Running one hook point: calling each continuation with its mutex held and waiting for its
//! reenable.
//!
//! A transaction (or session) has one [`Gate`]: the state of its single outstanding hook call. A
//! reenable made inside the callback is recorded there and, when the callback returns, the
//! dispatcher goes on to the next callee in the same loop: same thread, no allocation, no task
//! switch. A reenable from any other thread, at any later time, completes the gate and wakes the
//! task waiting on it, which resumes on its own thread.

use std::future::poll_fn;
use std::os::raw::c_void;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use parking_lot::Mutex;

use super::trace;
use super::{event_for, short_name, GLOBAL};
use crate::cont::Cont;
use crate::mutex::thread_token;
use crate::proxy::{Session, Txn};
use crate::sched;

pub const TS_EVENT_NONE: i32 = 0;
pub const TS_EVENT_TIMEOUT: i32 = 2;
pub const TS_EVENT_HTTP_CONTINUE: i32 = 60000;
pub const TS_EVENT_HTTP_ERROR: i32 = 60001;

/// How a hook point ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Continue,
    /// A callee reenabled with TS_EVENT_HTTP_ERROR; the remaining callees were skipped.
    Error,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum Phase {
    #[default]
    Idle,
    InCallback,
    Waiting,
    Reenabled,
}

#[derive(Default)]
struct GateState {
    phase: Phase,
    event: i32,
    /// Thread that reenabled.
    by: u64,
    /// Increases with every callback, so a late watchdog knows whether it is still the same one.
    seq: u64,
    waker: Option<Waker>,
}

/// The outstanding hook call of one transaction or session.
#[derive(Default)]
pub struct Gate {
    st: Mutex<GateState>,
}

/// Why a reenable was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum ReenableError {
    /// No hook of this object is outstanding (for example a second reenable for one event).
    NotWaiting,
}

impl Gate {
    fn begin(&self) {
        let mut st = self.st.lock();
        st.phase = Phase::InCallback;
        st.seq += 1;
    }

    /// After the callback returned: the event if it already reenabled, else start waiting.
    fn end_callback(&self) -> Option<(i32, u64)> {
        let mut st = self.st.lock();
        if st.phase == Phase::Reenabled {
            st.phase = Phase::Idle;
            Some((st.event, st.by))
        } else {
            st.phase = Phase::Waiting;
            None
        }
    }

    fn poll_reenabled(&self, cx: &mut Context<'_>) -> Poll<(i32, u64)> {
        let mut st = self.st.lock();
        if st.phase == Phase::Reenabled {
            st.phase = Phase::Idle;
            st.waker = None;
            Poll::Ready((st.event, st.by))
        } else {
            if !st
                .waker
                .as_ref()
                .map(|w| w.will_wake(cx.waker()))
                .unwrap_or(false)
            {
                st.waker = Some(cx.waker().clone());
            }
            Poll::Pending
        }
    }

    /// TSHttpTxnReenable / TSHttpSsnReenable: complete the outstanding hook call.
    pub fn reenable(&self, event: i32) -> Result<(), ReenableError> {
        let waker = {
            let mut st = self.st.lock();
            match st.phase {
                Phase::InCallback | Phase::Waiting => {
                    st.phase = Phase::Reenabled;
                    st.event = event;
                    st.by = thread_token();
                    st.waker.take()
                }
                Phase::Idle | Phase::Reenabled => return Err(ReenableError::NotWaiting),
            }
        };
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }

    fn still_waiting(&self, seq: u64) -> bool {
        let st = self.st.lock();
        st.seq == seq && st.phase == Phase::Waiting
    }

    fn seq(&self) -> u64 {
        self.st.lock().seq
    }
}

/// What an object is, for messages: "transaction 12" or "session 3".
fn what(ssn: &Session, txn: Option<&Txn>) -> String {
    match txn {
        Some(t) => format!("transaction {} (session {})", t.id, ssn.id),
        None => format!("session {}", ssn.id),
    }
}

/// Run hook point `hook` for a session (txn None: SSN_START, SSN_CLOSE) or a transaction.
pub async fn run_point(ssn: &Session, txn: Option<&Txn>, hook: i32) -> Outcome {
    let (gate, edata, scopes) = match txn {
        Some(t) => (&t.gate, t.handle, 3),
        None => (&ssn.gate, ssn.handle, 2),
    };
    let event = event_for(hook);
    // At TXN_CLOSE and SSN_CLOSE, ERROR counts as CONTINUE: every callee still gets its close.
    let closing = hook == super::id::TXN_CLOSE || hook == super::id::SSN_CLOSE;
    let mut scope = 0usize;
    let mut i = 0usize;
    loop {
        let next = match scope {
            0 => GLOBAL.get(hook, i),
            1 => ssn.hooks.get(hook, i),
            _ => txn.and_then(|t| t.hooks.get(hook, i)),
        };
        let Some(cont) = next else {
            scope += 1;
            i = 0;
            if scope >= scopes {
                return Outcome::Continue;
            }
            continue;
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
        if call_one(gate, &cont, hook, event, edata, scope, ssn, txn).await == Outcome::Error
            && !closing
        {
            return Outcome::Error;
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn call_one(
    gate: &Arc<Gate>,
    cont: &Arc<Cont>,
    hook: i32,
    event: i32,
    edata: usize,
    scope: usize,
    ssn: &Session,
    txn: Option<&Txn>,
) -> Outcome {
    if let Some(m) = &cont.mutex {
        // As ATS: try the lock, retry after 10 ms while another thread holds it.
        while !m.try_lock() {
            sched::sleep(sched::MUTEX_RETRY).await;
        }
    }
    gate.begin();
    let traced = trace::enabled()
        .then(|| trace::record_call(ssn.id, txn.map(|t| t.id as i64), hook, event, scope, cont));
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
        trace::record_reenable(idx, ev, inline, by != me);
    }
    interpret(ev, hook, cont, ssn, txn)
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

fn interpret(ev: i32, hook: i32, cont: &Cont, ssn: &Session, txn: Option<&Txn>) -> Outcome {
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
                crate::abi::names::event_name(other).to_string_lossy()
            );
            Outcome::Continue
        }
    }
}

/// Deliver `event` to every global continuation of `hook`, in add order, synchronously, each with
/// its mutex held; no reenable is expected (ATS's APIHook::invoke, used for TS_SSL_SESSION_HOOK).
/// Where ATS aborts on a busy mutex, tshost waits for it.
pub fn invoke_global(hook: i32, event: i32, edata: *mut c_void) {
    let mut i = 0;
    while let Some(cont) = GLOBAL.get(hook, i) {
        i += 1;
        if cont.is_deleted() {
            continue;
        }
        if let Some(m) = &cont.mutex {
            m.lock();
        }
        cont.call(event, edata);
        if let Some(m) = &cont.mutex {
            m.unlock();
        }
    }
}
