//! TSContSchedule*, TSAction*, TSThread*.
use std::os::raw::{c_int, c_void};
use std::time::Duration;

use std::sync::Arc;

use super::cont::cont_arg;
use super::http::txn_arg;
use super::{guard, here};
use crate::sched::{
    self, adopt_current_thread, PoolKind, ScheduledEvent, ThreadObj, ACTIONS, SELF, THREADS,
};
use crate::sys::types::{
    TSAction, TSCont, TSEventThread, TSHRTime, TSHttpTxn, TSReturnCodeRaw, TSThread, TSThreadFunc,
    TSThreadPoolRaw, TS_ERROR, TS_SUCCESS,
};

const TS_EVENT_IMMEDIATE: c_int = 1;
const TS_EVENT_TIMEOUT: c_int = 2;

/// ATS's pools: NET 0, TASK 1, DNS 2, UDP 3. tshost has no DNS or UDP pools: one-shot events for
/// them run on NET, periodic ones on TASK (as ATS's ScheduleEveryOnPool falls back).
fn pool_arg(who: crate::api::Here, tp: TSThreadPoolRaw, periodic: bool) -> Option<PoolKind> {
    match tp {
        0 => Some(PoolKind::Net),
        1 => Some(PoolKind::Task),
        2 | 3 if periodic => Some(PoolKind::Task),
        2 | 3 => Some(PoolKind::Net),
        _ => {
            crate::error!("{who}: unknown TSThreadPool {tp}");
            None
        }
    }
}

/// Where TSContSchedule* sends the continuation.
enum Target {
    /// ATS's EventProcessor::schedule on a pool: affinity of that pool, the calling worker of that
    /// pool, else the pool's next worker (the choice becomes the affinity if there was none).
    Pool(PoolKind),
    /// TSContSchedule(Every): the continuation's affinity thread, else the calling event thread.
    Here,
    /// TSContSchedule(Every)OnThread: that thread (the affinity if there was none).
    Thread(TSEventThread),
}

/// An event thread handle from C: one that TSEventThreadSelf or TSContThreadAffinityGet gave.
fn ethread_arg(who: crate::api::Here, ethread: TSEventThread) -> Option<Arc<ThreadObj>> {
    let t = sched::event_thread(ethread as usize);
    if t.is_none() {
        crate::error!("{who}: {ethread:p} is not an event thread (TSEventThreadSelf gives one)");
    }
    t
}

fn schedule(
    who: crate::api::Here,
    contp: TSCont,
    ms: TSHRTime,
    periodic: bool,
    target: Target,
) -> TSAction {
    let null = std::ptr::null_mut();
    let Some(cont) = cont_arg(who, contp) else {
        return null;
    };
    if cont.mutex.is_none() {
        crate::error!("{who}: continuation {contp:p} has no mutex (ATS requires one to schedule)");
        return null;
    }
    if ms < 0 {
        crate::error!("{who}: negative time {ms}");
        return null;
    }
    let thread = match target {
        Target::Pool(kind) => sched::pick_thread(&cont, kind),
        Target::Here => match sched::event_thread(cont.affinity()) {
            Some(t) => t,
            // Not on a pool thread (a hook's network thread, TSPluginInit): a NET pool thread.
            None => sched::pick_thread(&cont, sched::current_pool().unwrap_or(PoolKind::Net)),
        },
        Target::Thread(ethread) => {
            let Some(t) = ethread_arg(who, ethread) else {
                return null;
            };
            if cont.affinity() == 0 {
                cont.set_affinity(t.handle);
            }
            t
        }
    };
    let pool = thread.event.as_ref().map_or(PoolKind::Net, |e| e.kind);
    let delay = Duration::from_millis(ms as u64);
    let (event, period) = match (periodic, ms) {
        (true, 0) => (TS_EVENT_TIMEOUT, None),
        (true, _) => (TS_EVENT_TIMEOUT, Some(delay)),
        (false, 0) => (TS_EVENT_IMMEDIATE, None),
        (false, _) => (TS_EVENT_TIMEOUT, None),
    };
    let (h, ev) = ACTIONS.insert(|h| ScheduledEvent::new(h, cont, event, period, pool));
    sched::schedule_on(ev, thread, delay);
    (h | 1) as TSAction
}

fn on_pool(who: crate::api::Here, tp: TSThreadPoolRaw, periodic: bool) -> Option<Target> {
    pool_arg(who, tp, periodic).map(Target::Pool)
}

/// Runs the continuation after `timeout` ms on its affinity thread, else on the calling pool
/// thread, which becomes its affinity. From a thread that is not a pool thread (a hook on a
/// network thread, TSPluginInit, where ATS would not run it) it goes to a NET pool thread.
#[no_mangle]
pub extern "C" fn TSContSchedule(contp: TSCont, timeout: TSHRTime) -> TSAction {
    guard!(std::ptr::null_mut(), || {
        schedule(here!(), contp, timeout, false, Target::Here)
    })
}

/// TSContSchedule on pool `tp` (TS_THREAD_POOL_NET or _TASK; DNS and UDP run on NET): on the
/// continuation's affinity thread if it is of that pool, else on the calling thread if it is one
/// of the pool's, else on the pool's next thread; that thread becomes the affinity if there was
/// none. NULL for a bad continuation, one without a mutex, a negative timeout or an unknown pool.
#[no_mangle]
pub extern "C" fn TSContScheduleOnPool(
    contp: TSCont,
    timeout: TSHRTime,
    tp: TSThreadPoolRaw,
) -> TSAction {
    guard!(std::ptr::null_mut(), || match on_pool(here!(), tp, false) {
        Some(t) => schedule(here!(), contp, timeout, false, t),
        None => std::ptr::null_mut(),
    },)
}

/// TSContSchedule on event thread `ethread` (from TSEventThreadSelf); it becomes the
/// continuation's affinity if it had none. NULL as TSContSchedule, or for a NULL or unknown
/// thread (ATS aborts on NULL).
#[no_mangle]
pub extern "C" fn TSContScheduleOnThread(
    contp: TSCont,
    timeout: TSHRTime,
    ethread: TSEventThread,
) -> TSAction {
    guard!(std::ptr::null_mut(), || {
        schedule(here!(), contp, timeout, false, Target::Thread(ethread))
    })
}

/// TSContScheduleEvery on event thread `ethread`, which becomes the continuation's affinity if
/// it had none. NULL as TSContScheduleOnThread.
#[no_mangle]
pub extern "C" fn TSContScheduleEveryOnThread(
    contp: TSCont,
    every: TSHRTime,
    ethread: TSEventThread,
) -> TSAction {
    guard!(std::ptr::null_mut(), || {
        schedule(here!(), contp, every, true, Target::Thread(ethread))
    })
}

/// Sends the continuation TS_EVENT_TIMEOUT every `every` ms (0: once, at once) until
/// TSActionCancel, on the thread TSContSchedule would choose. NULL for a bad continuation, one
/// without a mutex or a negative period.
#[no_mangle]
pub extern "C" fn TSContScheduleEvery(contp: TSCont, every: TSHRTime) -> TSAction {
    guard!(std::ptr::null_mut(), || {
        schedule(here!(), contp, every, true, Target::Here)
    })
}

/// TSContScheduleEvery on pool `tp` (DNS and UDP run on TASK). NULL as TSContScheduleEvery, or for
/// an unknown pool.
#[no_mangle]
pub extern "C" fn TSContScheduleEveryOnPool(
    contp: TSCont,
    every: TSHRTime,
    tp: TSThreadPoolRaw,
) -> TSAction {
    guard!(std::ptr::null_mut(), || match on_pool(here!(), tp, true) {
        Some(t) => schedule(here!(), contp, every, true, t),
        None => std::ptr::null_mut(),
    },)
}

/// Makes `ethread` the continuation's affinity thread: TSContSchedule* run it there.
/// TS_ERROR for a bad continuation or a NULL or unknown thread (ATS aborts on NULL).
#[no_mangle]
pub extern "C" fn TSContThreadAffinitySet(
    contp: TSCont,
    ethread: TSEventThread,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        match (cont_arg(who, contp), ethread_arg(who, ethread)) {
            (Some(c), Some(t)) => {
                c.set_affinity(t.handle);
                TS_SUCCESS
            }
            _ => TS_ERROR,
        }
    })
}

/// The continuation's affinity thread: the one set, or the one its first scheduling chose; NULL
/// for none or a bad continuation.
#[no_mangle]
pub extern "C" fn TSContThreadAffinityGet(contp: TSCont) -> TSEventThread {
    guard!(std::ptr::null_mut(), || {
        cont_arg(here!(), contp).map_or(std::ptr::null_mut(), |c| c.affinity() as TSEventThread)
    })
}

/// Clears the continuation's affinity thread (its next scheduling chooses again).
#[no_mangle]
pub extern "C" fn TSContThreadAffinityClear(contp: TSCont) {
    guard!((), || {
        if let Some(c) = cont_arg(here!(), contp) {
            c.set_affinity(0);
        }
    })
}

/// Sends the continuation TS_EVENT_IMMEDIATE (`timeout` 0) or TS_EVENT_TIMEOUT after `timeout`
/// ms with the transaction as edata, on a NET thread, holding the continuation's mutex if it has
/// one (the plugin then reenables the transaction's hook). NULL for a bad continuation or
/// transaction or a negative timeout.
#[no_mangle]
pub extern "C" fn TSHttpSchedule(contp: TSCont, txnp: TSHttpTxn, timeout: TSHRTime) -> TSAction {
    guard!(std::ptr::null_mut(), || {
        let who = here!();
        let (Some(cont), Some(txn)) = (cont_arg(who, contp), txn_arg(who, txnp)) else {
            return std::ptr::null_mut();
        };
        if timeout < 0 {
            crate::error!("{who}: negative time {timeout}");
            return std::ptr::null_mut();
        }
        let event = if timeout == 0 {
            TS_EVENT_IMMEDIATE
        } else {
            TS_EVENT_TIMEOUT
        };
        let thread = sched::pool_thread(PoolKind::Net);
        let (h, ev) = ACTIONS.insert(|h| {
            ScheduledEvent::new(h, cont, event, None, PoolKind::Net).with_edata(txn.handle)
        });
        sched::schedule_on(ev, thread, Duration::from_millis(timeout as u64));
        (h | 1) as TSAction
    })
}

/// Cancels a scheduled event before delivery (and stops a periodic one). NULL, or an action whose
/// event was already delivered, is harmless.
#[no_mangle]
pub extern "C" fn TSActionCancel(actionp: TSAction) {
    guard!((), || {
        let a = actionp as usize;
        if a == 0 {
            return;
        }
        if a & 1 == 0 || !ACTIONS.owns(a & !1) {
            crate::error!("{}: {actionp:p} is not an action tshost returned", here!());
            return;
        }
        if let Some(ev) = ACTIONS.get(a & !1) {
            ev.cancel();
        }
    })
}

/// 1 only for ATS's ACTION_RESULT_DONE ((TSAction)3), as in ATS.
#[no_mangle]
pub extern "C" fn TSActionDone(actionp: TSAction) -> c_int {
    guard!(0, || (actionp as usize == 3) as c_int)
}

// ---------------------------------------------------------------------------------------------
// Threads

struct SendPtr(*mut c_void);
// SAFETY: the plugin hands this pointer to its own thread function; tshost never dereferences it.
unsafe impl Send for SendPtr {}

/// Starts a thread running `func(data)` with a TSThread of its own (wait for it with TSThreadWait).
/// NULL for a NULL `func` or when the thread cannot be spawned.
#[no_mangle]
pub extern "C" fn TSThreadCreate(func: TSThreadFunc, data: *mut c_void) -> TSThread {
    guard!(std::ptr::null_mut(), || {
        let Some(f) = func else {
            crate::error!("{}: NULL thread function", here!());
            return std::ptr::null_mut();
        };
        let (h, obj) = THREADS.insert(|h| ThreadObj::new(h, true));
        let plugin = crate::plugin::current().or_else(crate::plugin::initializing);
        let data = SendPtr(data);
        let spawned = std::thread::Builder::new()
            .name("plugin thread".into())
            .spawn(move || {
                let data = data;
                SELF.with(|s| s.set(h));
                let _ctx = crate::plugin::enter(plugin.as_ref());
                // SAFETY: the plugin's thread function with the data it gave us.
                unsafe { f(data.0) };
                *obj.finished.lock() = true;
                obj.cv.notify_all();
            });
        match spawned {
            Ok(_) => h as TSThread,
            Err(e) => {
                crate::error!("{}: {e}", here!());
                THREADS.release(h);
                std::ptr::null_mut()
            }
        }
    })
}

/// Makes the calling thread a tshost thread (TSThreadSelf then returns it).
#[no_mangle]
pub extern "C" fn TSThreadInit() -> TSThread {
    guard!(std::ptr::null_mut(), || {
        adopt_current_thread() as TSThread
    })
}

/// The calling event thread (a NET or TASK pool thread, or a network thread serving
/// connections); NULL for any other thread (TSThreadCreate's, TSPluginInit's).
#[no_mangle]
pub extern "C" fn TSEventThreadSelf() -> TSEventThread {
    guard!(std::ptr::null_mut(), || {
        sched::current_event_thread().map_or(std::ptr::null_mut(), |t| t.handle as TSEventThread)
    })
}

/// The calling thread's TSThread: one tshost made (event pools, TSThreadCreate) or adopted with
/// TSThreadInit; NULL for any other thread.
#[no_mangle]
pub extern "C" fn TSThreadSelf() -> TSThread {
    guard!(std::ptr::null_mut(), || {
        SELF.with(|s| s.get()) as TSThread
    })
}

/// Waits until the function of a TSThreadCreate thread has returned.
#[no_mangle]
pub extern "C" fn TSThreadWait(thread: TSThread) {
    guard!((), || {
        let Some(t) = THREADS.get(thread as usize) else {
            crate::error!("{}: {thread:p} is not a live TSThread", here!());
            return;
        };
        if !t.created {
            crate::error!("{}: {thread:p} was not made by TSThreadCreate", here!());
            return;
        }
        let mut fin = t.finished.lock();
        while !*fin {
            t.cv.wait(&mut fin);
        }
    })
}

/// Frees a TSThread (of TSThreadCreate once its function returned, or of TSThreadInit). A thread
/// still running or a handle that is not a live TSThread is logged and left alone.
#[no_mangle]
pub extern "C" fn TSThreadDestroy(thread: TSThread) {
    guard!((), || {
        let Some(t) = THREADS.get(thread as usize) else {
            crate::error!("{}: {thread:p} is not a live TSThread", here!());
            return;
        };
        if t.created && !*t.finished.lock() {
            crate::error!(
                "{}: thread {thread:p} is still running (call TSThreadWait first); not destroyed",
                here!()
            );
            return;
        }
        SELF.with(|s| {
            if s.get() == t.handle {
                s.set(0)
            }
        });
        THREADS.release(thread as usize);
    })
}

/// The time now in nanoseconds since the epoch (ATS's ink_get_hrtime: CLOCK_REALTIME); declared
/// in ATS's experimental.h.
#[no_mangle]
pub extern "C" fn TShrtime() -> TSHRTime {
    guard!(0, || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as TSHRTime)
    })
}
