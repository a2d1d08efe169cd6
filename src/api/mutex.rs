//! TSMutex*: recursive mutexes.
use super::{guard, here};
use crate::mutex::{TsMutex, MUTEXES};
use crate::sys::types::{TSMutex, TSReturnCodeRaw};
use std::sync::atomic::Ordering;

use crate::sys::types::{TS_ERROR, TS_SUCCESS};

fn mutex_arg(who: crate::api::Here, m: TSMutex) -> Option<std::sync::Arc<TsMutex>> {
    let r = MUTEXES.get(m as usize);
    if r.is_none() {
        crate::error!("{who}: {m:p} is not a live TSMutex");
    }
    r
}

/// A new recursive mutex (free it with TSMutexDestroy unless a continuation owns it).
#[no_mangle]
pub extern "C" fn TSMutexCreate() -> TSMutex {
    guard!(std::ptr::null_mut(), || {
        MUTEXES.insert(TsMutex::new).0 as TSMutex
    })
}

/// Frees a mutex no continuation uses. A mutex owned by a continuation dies with it (ATS aborts
/// here; tshost logs and leaves it alone).
#[no_mangle]
pub extern "C" fn TSMutexDestroy(mutexp: TSMutex) {
    guard!((), || {
        if let Some(m) = mutex_arg(here!(), mutexp) {
            if m.users.load(Ordering::Acquire) != 0 {
                crate::error!(
                    "{}: mutex {mutexp:p} belongs to a continuation; not destroyed",
                    here!()
                );
                return;
            }
            MUTEXES.release(mutexp as usize);
        }
    })
}

/// Locks the mutex, waiting for it; the thread already holding it locks it again (recursive). A
/// handle that is not a live TSMutex is logged and ignored.
#[no_mangle]
pub extern "C" fn TSMutexLock(mutexp: TSMutex) {
    guard!((), || {
        if let Some(m) = mutex_arg(here!(), mutexp) {
            m.lock()
        }
    })
}

/// Locks the mutex if that needs no waiting: TS_SUCCESS when locked, TS_ERROR if another thread
/// holds it or for a bad handle.
#[no_mangle]
pub extern "C" fn TSMutexLockTry(mutexp: TSMutex) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        match mutex_arg(here!(), mutexp) {
            Some(m) if m.try_lock() => TS_SUCCESS,
            _ => TS_ERROR,
        }
    })
}

/// Undoes one TSMutexLock of the calling thread. A mutex held by another thread, or a bad handle,
/// is logged and ignored.
#[no_mangle]
pub extern "C" fn TSMutexUnlock(mutexp: TSMutex) {
    guard!((), || {
        if let Some(m) = mutex_arg(here!(), mutexp) {
            if !m.unlock() {
                crate::error!(
                    "{}: mutex {mutexp:p} is held by another thread; ignored",
                    here!()
                );
            }
        }
    })
}
