//! TSContSchedule*, TSAction*, TSThread*.
use std::os::raw::{c_int, c_void};
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

use super::cont::cont_arg;
use super::{guard, here};
use crate::sched::{
    self, adopt_current_thread, PoolKind, ScheduledEvent, ThreadObj, ACTIONS, SELF, THREADS,
};
use crate::sys::types::{TSAction, TSCont, TSHRTime, TSThread, TSThreadFunc, TSThreadPoolRaw};

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

fn schedule(
    who: crate::api::Here,
    contp: TSCont,
    ms: TSHRTime,
    periodic: bool,
    pool: Option<PoolKind>,
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
    let pool = pool.unwrap_or_else(|| sched::current_pool().unwrap_or(PoolKind::Net));
    let delay = Duration::from_millis(ms as u64);
    let (event, period) = match (periodic, ms) {
        (true, 0) => (TS_EVENT_TIMEOUT, None),
        (true, _) => (TS_EVENT_TIMEOUT, Some(delay)),
        (false, 0) => (TS_EVENT_IMMEDIATE, None),
        (false, _) => (TS_EVENT_TIMEOUT, None),
    };
    let (h, ev) = ACTIONS.insert(|h| ScheduledEvent::new(h, cont, event, period, pool));
    sched::schedule(ev, delay);
    (h | 1) as TSAction
}

/// Runs the continuation after `timeout` ms on the calling pool thread's pool (NET otherwise,
/// including from TSPluginInit, where ATS would never run it).
#[no_mangle]
pub extern "C" fn TSContSchedule(contp: TSCont, timeout: TSHRTime) -> TSAction {
    guard!(std::ptr::null_mut(), || {
        schedule(here!(), contp, timeout, false, None)
    })
}

/// TSContSchedule on pool `tp` (TS_THREAD_POOL_NET or _TASK; DNS and UDP run on NET). NULL for a
/// bad continuation, one without a mutex, a negative timeout or an unknown pool.
#[no_mangle]
pub extern "C" fn TSContScheduleOnPool(
    contp: TSCont,
    timeout: TSHRTime,
    tp: TSThreadPoolRaw,
) -> TSAction {
    guard!(
        std::ptr::null_mut(),
        || match pool_arg(here!(), tp, false) {
            Some(p) => schedule(here!(), contp, timeout, false, Some(p)),
            None => std::ptr::null_mut(),
        },
    )
}

/// Sends the continuation TS_EVENT_TIMEOUT every `every` ms (0: once, at once) on the calling
/// pool thread's pool (NET otherwise) until TSActionCancel. NULL for a bad continuation, one
/// without a mutex or a negative period.
#[no_mangle]
pub extern "C" fn TSContScheduleEvery(contp: TSCont, every: TSHRTime) -> TSAction {
    guard!(std::ptr::null_mut(), || {
        schedule(here!(), contp, every, true, None)
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
    guard!(std::ptr::null_mut(), || match pool_arg(here!(), tp, true) {
        Some(p) => schedule(here!(), contp, every, true, Some(p)),
        None => std::ptr::null_mut(),
    },)
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
        let (h, obj) = THREADS.insert(|h| ThreadObj {
            handle: h,
            created: true,
            finished: Mutex::new(false),
            cv: Condvar::new(),
        });
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
