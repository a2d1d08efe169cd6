//! TSMutex*: recursive mutexes.
use super::guard;
use super::handles::Pool;
use super::types::{TSMutex, TSReturnCodeRaw};
use crate::mutex::TsMutex;
use std::sync::atomic::Ordering;

pub static MUTEXES: Pool<TsMutex> = Pool::new();

const TS_SUCCESS: TSReturnCodeRaw = 0;
const TS_ERROR: TSReturnCodeRaw = -1;

fn mutex_arg(who: &str, m: TSMutex) -> Option<std::sync::Arc<TsMutex>> {
    let r = MUTEXES.get(m as usize);
    if r.is_none() {
        crate::error!("{who}: {m:p} is not a live TSMutex");
    }
    r
}

#[no_mangle]
pub extern "C" fn TSMutexCreate() -> TSMutex {
    guard("TSMutexCreate", std::ptr::null_mut(), || {
        MUTEXES.insert(TsMutex::new).0 as TSMutex
    })
}

/// Frees a mutex no continuation uses. A mutex owned by a continuation dies with it (ATS aborts
/// here; tshost logs and leaves it alone).
#[no_mangle]
pub extern "C" fn TSMutexDestroy(mutexp: TSMutex) {
    guard("TSMutexDestroy", (), || {
        if let Some(m) = mutex_arg("TSMutexDestroy", mutexp) {
            if m.users.load(Ordering::Acquire) != 0 {
                crate::error!(
                    "TSMutexDestroy: mutex {mutexp:p} belongs to a continuation; not destroyed"
                );
                return;
            }
            MUTEXES.release(mutexp as usize);
        }
    })
}

#[no_mangle]
pub extern "C" fn TSMutexLock(mutexp: TSMutex) {
    guard("TSMutexLock", (), || {
        if let Some(m) = mutex_arg("TSMutexLock", mutexp) {
            m.lock()
        }
    })
}

#[no_mangle]
pub extern "C" fn TSMutexLockTry(mutexp: TSMutex) -> TSReturnCodeRaw {
    guard("TSMutexLockTry", TS_ERROR, || {
        match mutex_arg("TSMutexLockTry", mutexp) {
            Some(m) if m.try_lock() => TS_SUCCESS,
            _ => TS_ERROR,
        }
    })
}

#[no_mangle]
pub extern "C" fn TSMutexUnlock(mutexp: TSMutex) {
    guard("TSMutexUnlock", (), || {
        if let Some(m) = mutex_arg("TSMutexUnlock", mutexp) {
            if !m.unlock() {
                crate::error!("TSMutexUnlock: mutex {mutexp:p} is held by another thread; ignored");
            }
        }
    })
}
