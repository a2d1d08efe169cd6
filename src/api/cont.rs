//! TSCont*: continuations.
use std::os::raw::{c_int, c_void};

use super::{guard, here};
use crate::cont::{Cont, CONTS};
use crate::mutex::MUTEXES;
use crate::sys::types::{TSCont, TSEventFunc, TSEventRaw, TSMutex};

/// A new continuation that calls `funcp` with its events, holding `mutexp` (NULL: no mutex; it
/// cannot then be scheduled). NULL for a NULL `funcp` or a `mutexp` that is not a live TSMutex.
#[no_mangle]
pub extern "C" fn TSContCreate(funcp: TSEventFunc, mutexp: TSMutex) -> TSCont {
    guard!(std::ptr::null_mut(), || {
        if funcp.is_none() {
            crate::error!("{}: NULL event function", here!());
            return std::ptr::null_mut();
        }
        let mutex = if mutexp.is_null() {
            None
        } else {
            match MUTEXES.get(mutexp as usize) {
                Some(m) => Some(m),
                None => {
                    crate::error!("{}: {mutexp:p} is not a live TSMutex", here!());
                    return std::ptr::null_mut();
                }
            }
        };
        let (h, _) = CONTS.insert(|h| Cont::new(h, funcp, mutex));
        h as TSCont
    })
}

/// The live continuation behind a handle, or an error logged in `who`'s name.
pub(crate) fn cont_arg(who: crate::api::Here, contp: TSCont) -> Option<std::sync::Arc<Cont>> {
    let c = CONTS.get(contp as usize);
    if c.is_none() {
        if contp.is_null() {
            crate::error!("{who}: NULL continuation");
        } else if CONTS.owns(contp as usize) {
            crate::error!("{who}: continuation {contp:p} was destroyed");
        } else {
            crate::error!("{who}: {contp:p} is not a TSCont");
        }
    }
    c
}

/// Destroys the continuation: events and hooks still pending for it are dropped, never delivered. A
/// NULL, destroyed or foreign handle is logged and ignored. Its mutex stays live until the calling
/// code is done (as ATS frees the continuation, and drops its mutex reference, from an immediate
/// event on the calling thread): another continuation may still take it meanwhile.
#[no_mangle]
pub extern "C" fn TSContDestroy(contp: TSCont) {
    guard!((), || {
        if let Some(c) = cont_arg(here!(), contp) {
            // Pending events and hooks still holding it see the mark and never call it again.
            c.mark_deleted();
            CONTS.release(contp as usize);
            // A plugin VConnection (TSVConnCreate) goes with its continuation.
            crate::vio::forget(contp as usize);
            if c.mutex.is_some() {
                crate::sched::later(Box::new(move || drop(c)));
            }
        }
    })
}

/// Stores the plugin's pointer `data` on the continuation (read back with TSContDataGet). A bad
/// handle is logged and ignored.
#[no_mangle]
pub extern "C" fn TSContDataSet(contp: TSCont, data: *mut c_void) {
    guard!((), || {
        if let Some(c) = CONTS.get(contp as usize) {
            c.set_data(data);
        } else {
            cont_arg(here!(), contp);
        }
    })
}

/// The pointer last given to TSContDataSet (NULL if none); NULL for a bad handle.
#[no_mangle]
pub extern "C" fn TSContDataGet(contp: TSCont) -> *mut c_void {
    guard!(std::ptr::null_mut(), || {
        match CONTS.get(contp as usize) {
            Some(c) => c.data(),
            None => {
                cont_arg(here!(), contp);
                std::ptr::null_mut()
            }
        }
    })
}

/// The mutex the continuation was created with; NULL if it has none or for a bad handle. A
/// transaction (a TSHttpTxn given as a TSCont, as ATS's HttpSM is a continuation) has one too,
/// made when first asked for: continuations a plugin creates with it live on after the
/// transaction, and the mutex with them.
#[no_mangle]
pub extern "C" fn TSContMutexGet(contp: TSCont) -> TSMutex {
    guard!(std::ptr::null_mut(), || {
        if let Some(t) = crate::txn::TXNS.get(contp as usize) {
            return t.mutex.handle() as TSMutex;
        }
        match cont_arg(here!(), contp) {
            Some(c) => c
                .mutex
                .as_ref()
                .map(|m| m.handle as TSMutex)
                .unwrap_or(std::ptr::null_mut()),
            None => std::ptr::null_mut(),
        }
    })
}

/// Calls the continuation synchronously with its mutex held and returns what it returns. (ATS
/// aborts if another thread holds the mutex; tshost waits for it.)
#[no_mangle]
pub extern "C" fn TSContCall(contp: TSCont, event: TSEventRaw, edata: *mut c_void) -> c_int {
    guard!(0, || {
        let Some(c) = cont_arg(here!(), contp) else {
            return 0;
        };
        c.call_locked(event, edata)
    })
}
