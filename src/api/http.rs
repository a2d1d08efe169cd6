//! Hooks (TSHttpHookAdd, TSHttpSsnHookAdd, TSHttpTxnHookAdd), reenable, session and transaction
//! accessors, and user argument slots.
use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_void};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::cont::cont_arg;
use super::{guard, here};
use crate::args;
use crate::hooks::{self, HOOK_COUNT};
use crate::sys::names;
use crate::sys::types::{
    TSCont, TSEventRaw, TSHttpHookIDRaw, TSHttpSsn, TSHttpStatusRaw, TSHttpTxn,
    TSLifecycleHookIDRaw, TSReturnCodeRaw, TSUserArgTypeRaw,
};
use crate::txn::{ErrorBody, Session, Txn, SSNS, TXNS};

/// Takes ownership of `buf` (`buflength` bytes) and `mimetype`, both freed with free() later;
/// replaces any earlier body. `buf` NULL clears it.
#[no_mangle]
pub extern "C" fn TSHttpTxnErrorBodySet(
    txnp: TSHttpTxn,
    buf: *mut c_char,
    buflength: usize,
    mimetype: *mut c_char,
) {
    guard!((), || {
        let Some(t) = txn_arg(here!(), txnp) else {
            return;
        };
        let len = if buf.is_null() { 0 } else { buflength };
        *t.error_body.lock() = Some(ErrorBody {
            buf,
            len,
            mime: mimetype,
        });
    })
}

use crate::sys::types::{TS_ERROR, TS_SUCCESS};

pub(crate) fn ssn_arg(who: crate::api::Here, ssnp: TSHttpSsn) -> Option<Arc<Session>> {
    let s = SSNS.get(ssnp as usize);
    if s.is_none() {
        crate::error!("{who}: {ssnp:p} is not a live TSHttpSsn");
    }
    s
}

pub(crate) fn txn_arg(who: crate::api::Here, txnp: TSHttpTxn) -> Option<Arc<Txn>> {
    let t = TXNS.get(txnp as usize);
    if t.is_none() {
        crate::error!("{who}: {txnp:p} is not a live TSHttpTxn");
    }
    t
}

fn hook_arg(who: crate::api::Here, id: TSHttpHookIDRaw) -> Option<i32> {
    if (0..HOOK_COUNT as i32).contains(&id) {
        Some(id)
    } else {
        crate::error!("{who}: invalid hook id {id}");
        None
    }
}

/// Adds `contp` to global hook `id`: it is called for that hook of every session or transaction
/// from then on. An invalid hook id or a bad continuation is logged and ignored.
#[no_mangle]
pub extern "C" fn TSHttpHookAdd(id: TSHttpHookIDRaw, contp: TSCont) {
    guard!((), || {
        if let (Some(id), Some(c)) = (hook_arg(here!(), id), cont_arg(here!(), contp)) {
            hooks::warn_if_never_fired(here!().name(), id, &c, true);
            hooks::GLOBAL.add(id, c);
        }
    })
}

/// Add `contp` to plugin lifecycle hook `id` (called, in the order added, when the process reaches
/// that point: see README "Plugin lifecycle hooks"). An unknown id or a dead continuation is
/// refused with a message.
#[no_mangle]
pub extern "C" fn TSLifecycleHookAdd(id: TSLifecycleHookIDRaw, contp: TSCont) {
    guard!((), || {
        let who = here!();
        let Some(c) = cont_arg(who, contp) else {
            return;
        };
        let ok = usize::try_from(id)
            .ok()
            .is_some_and(|i| hooks::lifecycle::add(i, c));
        if !ok {
            crate::error!("{who}: {id} is not a lifecycle hook id");
        }
    })
}

/// Adds `contp` to hook `id` of this session only (its transactions' hooks included). A bad
/// session, hook id or continuation is logged and ignored.
#[no_mangle]
pub extern "C" fn TSHttpSsnHookAdd(ssnp: TSHttpSsn, id: TSHttpHookIDRaw, contp: TSCont) {
    guard!((), || {
        if let (Some(s), Some(id), Some(c)) = (
            ssn_arg(here!(), ssnp),
            hook_arg(here!(), id),
            cont_arg(here!(), contp),
        ) {
            hooks::warn_if_never_fired(here!().name(), id, &c, false);
            s.hooks.add(id, c, false);
        }
    })
}

/// Adding the same continuation twice for one id of a transaction adds it once, as in ATS.
#[no_mangle]
pub extern "C" fn TSHttpTxnHookAdd(txnp: TSHttpTxn, id: TSHttpHookIDRaw, contp: TSCont) {
    guard!((), || {
        if let (Some(t), Some(id), Some(c)) = (
            txn_arg(here!(), txnp),
            hook_arg(here!(), id),
            cont_arg(here!(), contp),
        ) {
            hooks::warn_if_never_fired(here!().name(), id, &c, false);
            t.hooks.add(id, c, true);
        }
    })
}

/// Resumes the transaction's outstanding hook. Legal from any thread at any later time; inside the
/// callback it continues as soon as the callback returns, on the same thread.
#[no_mangle]
pub extern "C" fn TSHttpTxnReenable(txnp: TSHttpTxn, event: TSEventRaw) {
    guard!((), || {
        // Inside the transaction's own callback: its gate is at hand.
        if let Some(Ok(())) = crate::hooks::dispatch::reenable_current(txnp as usize, event) {
            return;
        }
        let Some(t) = TXNS.get(txnp as usize) else {
            crate::error!(
                "{}: {txnp:p} is not a live TSHttpTxn (reenabled after TXN_CLOSE?); ignored",
                here!()
            );
            return;
        };
        if t.gate.reenable(event).is_err() {
            crate::error!(
                "{}: transaction {} has no hook waiting for a reenable (second reenable?); ignored",
                here!(),
                t.id
            );
        }
    })
}

/// Resumes the session's outstanding hook (SSN_START, SSN_CLOSE, ...) with `event`, from any
/// thread. A dead session, or one with no hook waiting, is logged and ignored.
#[no_mangle]
pub extern "C" fn TSHttpSsnReenable(ssnp: TSHttpSsn, event: TSEventRaw) {
    guard!((), || {
        if let Some(Ok(())) = crate::hooks::dispatch::reenable_current(ssnp as usize, event) {
            return;
        }
        let Some(s) = SSNS.get(ssnp as usize) else {
            crate::error!(
                "{}: {ssnp:p} is not a live TSHttpSsn (reenabled after SSN_CLOSE?); ignored",
                here!()
            );
            return;
        };
        if s.gate.reenable(event).is_err() {
            crate::error!(
                "{}: session {} has no hook waiting for a reenable (second reenable?); ignored",
                here!(),
                s.id
            );
        }
    })
}

/// The name of a TSEvent, e.g. "TS_EVENT_HTTP_READ_REQUEST_HDR" (a static string); "unknown event"
/// for a value that is none.
#[no_mangle]
pub extern "C" fn TSHttpEventNameLookup(event: TSEventRaw) -> *const c_char {
    guard!(c"unknown event".as_ptr(), || {
        names::event_name(event).as_ptr()
    })
}

/// The name of a TSHttpHookID, e.g. "TS_HTTP_READ_REQUEST_HDR_HOOK" (a static string); "unknown
/// hook" for a value that is none.
#[no_mangle]
pub extern "C" fn TSHttpHookNameLookup(hook: TSHttpHookIDRaw) -> *const c_char {
    guard!(c"unknown hook".as_ptr(), || {
        names::hook_name(hook).as_ptr()
    })
}

/// The session's id, unique in the process; -1 for a NULL or dead session.
#[no_mangle]
pub extern "C" fn TSHttpSsnIdGet(ssnp: TSHttpSsn) -> i64 {
    guard!(-1, || {
        ssn_arg(here!(), ssnp).map(|s| s.id).unwrap_or(-1)
    })
}

/// The transaction's id, unique in the process; UINT64_MAX for a NULL or dead transaction.
#[no_mangle]
pub extern "C" fn TSHttpTxnIdGet(txnp: TSHttpTxn) -> u64 {
    guard!(u64::MAX, || {
        txn_arg(here!(), txnp).map(|t| t.id).unwrap_or(u64::MAX)
    })
}

/// The session the transaction belongs to; NULL for a NULL or dead transaction.
#[no_mangle]
pub extern "C" fn TSHttpTxnSsnGet(txnp: TSHttpTxn) -> TSHttpSsn {
    guard!(std::ptr::null_mut(), || {
        txn_arg(here!(), txnp)
            .map(|t| t.ssn.handle as TSHttpSsn)
            .unwrap_or(std::ptr::null_mut())
    })
}

/// The number of transactions the session has started so far; 0 for a NULL or dead session.
#[no_mangle]
pub extern "C" fn TSHttpSsnTransactionCount(ssnp: TSHttpSsn) -> c_int {
    guard!(0, || {
        ssn_arg(here!(), ssnp)
            .map(|s| s.txn_count.load(Ordering::Acquire))
            .unwrap_or(0)
    })
}

/// Sets the transaction's status: the error response a hook's TS_EVENT_HTTP_ERROR reenable sends
/// has it when it is >= 400 (else 500). A bad transaction is logged and ignored.
#[no_mangle]
pub extern "C" fn TSHttpTxnStatusSet(txnp: TSHttpTxn, status: TSHttpStatusRaw) {
    guard!((), || {
        if let Some(t) = txn_arg(here!(), txnp) {
            t.status.store(status, Ordering::Release);
        }
    })
}

/// The status last set with TSHttpTxnStatusSet (TS_HTTP_STATUS_NONE, 0, if none); 0 for a bad
/// transaction.
#[no_mangle]
pub extern "C" fn TSHttpTxnStatusGet(txnp: TSHttpTxn) -> TSHttpStatusRaw {
    guard!(0, || {
        txn_arg(here!(), txnp)
            .map(|t| t.status.load(Ordering::Acquire))
            .unwrap_or(0)
    })
}

// -------------------------------------------------------------------------------------------------
// User arguments

fn type_arg(who: crate::api::Here, ty: TSUserArgTypeRaw) -> Option<i32> {
    if (0..4).contains(&ty) {
        Some(ty)
    } else {
        crate::error!("{who}: invalid TSUserArgType {ty}");
        None
    }
}

/// The string a plugin passed; None (logged) for NULL.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string that outlives `'a`.
unsafe fn cstr<'a>(who: crate::api::Here, what: &str, p: *const c_char) -> Option<&'a CStr> {
    if p.is_null() {
        crate::error!("{who}: NULL {what}");
        None
    } else {
        // SAFETY: non-NULL here, NUL-terminated and alive for 'a (this function's contract).
        Some(unsafe { CStr::from_ptr(p) })
    }
}

/// Reserves an argument slot of type `ty` (TS_USER_ARGS_TXN, _SSN, _VCONN, _GLB) named `name`, its
/// index in `*arg_idx`. TS_ERROR for an invalid type, a NULL `name` or `arg_idx`, or when every
/// slot of the type is taken.
#[no_mangle]
pub unsafe extern "C" fn TSUserArgIndexReserve(
    ty: TSUserArgTypeRaw,
    name: *const c_char,
    description: *const c_char,
    arg_idx: *mut c_int,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        // SAFETY: the plugin passes NULL or a NUL-terminated name that lives for the call.
        let (Some(ty), Some(name)) = (type_arg(who, ty), unsafe { cstr(who, "name", name) }) else {
            return TS_ERROR;
        };
        if arg_idx.is_null() {
            crate::error!("{who}: NULL arg_idx");
            return TS_ERROR;
        }
        let desc = if description.is_null() {
            None
        } else {
            // SAFETY: non-NULL (checked); the plugin passes a NUL-terminated description.
            Some(unsafe { CStr::from_ptr(description) })
        };
        match args::reserve(ty, name, desc) {
            Some(i) => {
                // SAFETY: non-NULL (checked above), and the plugin's int.
                unsafe { *arg_idx = i };
                TS_SUCCESS
            }
            None => {
                crate::error!(
                    "{who}: no {} slot left for {:?} (limit {})",
                    args::type_name(ty),
                    name,
                    args::LIMITS[ty as usize]
                );
                TS_ERROR
            }
        }
    })
}

/// The index (and description, each if non-NULL) of the slot of type `ty` reserved as `name`:
/// TS_SUCCESS, or TS_ERROR if there is none, for an invalid type or a NULL name.
#[no_mangle]
pub unsafe extern "C" fn TSUserArgIndexNameLookup(
    ty: TSUserArgTypeRaw,
    name: *const c_char,
    arg_idx: *mut c_int,
    description: *mut *const c_char,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        // SAFETY: the plugin passes NULL or a NUL-terminated name that lives for the call.
        let (Some(ty), Some(name)) = (type_arg(who, ty), unsafe { cstr(who, "name", name) }) else {
            return TS_ERROR;
        };
        match args::lookup_name(ty, name) {
            Some((i, d)) => {
                if !arg_idx.is_null() {
                    // SAFETY: non-NULL, and the plugin's int.
                    unsafe { *arg_idx = i };
                }
                if !description.is_null() {
                    // SAFETY: non-NULL, and the plugin's pointer variable.
                    unsafe { *description = d };
                }
                TS_SUCCESS
            }
            None => TS_ERROR,
        }
    })
}

/// The name and description (each if non-NULL) of the slot of type `ty` at `arg_idx`: TS_SUCCESS,
/// or TS_ERROR if no such slot was reserved or for an invalid type.
#[no_mangle]
pub unsafe extern "C" fn TSUserArgIndexLookup(
    ty: TSUserArgTypeRaw,
    arg_idx: c_int,
    name: *mut *const c_char,
    description: *mut *const c_char,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let Some(ty) = type_arg(here!(), ty) else {
            return TS_ERROR;
        };
        match args::lookup_index(ty, arg_idx) {
            Some((n, d)) => {
                if !name.is_null() {
                    // SAFETY: non-NULL, and the plugin's pointer variable.
                    unsafe { *name = n };
                }
                if !description.is_null() {
                    // SAFETY: non-NULL, and the plugin's pointer variable.
                    unsafe { *description = d };
                }
                TS_SUCCESS
            }
            None => TS_ERROR,
        }
    })
}

/// Where an argument index of an object lives.
enum ArgTarget {
    Txn(Arc<Txn>),
    Ssn(Arc<Session>),
    VConn(Arc<crate::vconn::VConn>),
    Global,
}

fn arg_target(who: crate::api::Here, data: *mut c_void) -> Option<ArgTarget> {
    if data.is_null() {
        return Some(ArgTarget::Global);
    }
    if let Some(t) = TXNS.get(data as usize) {
        return Some(ArgTarget::Txn(t));
    }
    if let Some(s) = SSNS.get(data as usize) {
        return Some(ArgTarget::Ssn(s));
    }
    if let Some(v) = crate::vconn::VCONNS.get(data as usize) {
        return Some(ArgTarget::VConn(v));
    }
    crate::error!("{who}: {data:p} is not a live TSHttpTxn, TSHttpSsn, TSVConn or NULL");
    None
}

fn with_slot<R>(
    who: crate::api::Here,
    target: &ArgTarget,
    idx: c_int,
    f: impl FnOnce(&std::sync::atomic::AtomicPtr<c_void>) -> R,
) -> Option<R> {
    let (ty, slots): (i32, &[std::sync::atomic::AtomicPtr<c_void>]) = match target {
        ArgTarget::Txn(t) => (args::TXN, &t.args),
        ArgTarget::Ssn(s) => (args::SSN, &s.args),
        ArgTarget::VConn(v) => (args::VCONN, &v.args),
        ArgTarget::Global => (args::GLB, &args::GLOBAL),
    };
    match args::slot_of(ty, idx) {
        Some(s) => Some(f(&slots[s])),
        None => {
            let hint = match args::type_of(idx) {
                Some(t) if t != ty => format!(" (a {} index)", args::type_name(t)),
                _ => String::new(),
            };
            crate::error!(
                "{who}: index {idx}{hint} is not a {} argument index",
                args::type_name(ty)
            );
            None
        }
    }
}

/// Stores `arg` in slot `arg_idx` of `data` (a TSHttpTxn, a TSHttpSsn, a TSVConn, or NULL for the global
/// slots). An object that is none of these, or an index not reserved for its type, is logged and
/// ignored.
#[no_mangle]
pub extern "C" fn TSUserArgSet(data: *mut c_void, arg_idx: c_int, arg: *mut c_void) {
    guard!((), || {
        if let Some(t) = arg_target(here!(), data) {
            with_slot(here!(), &t, arg_idx, |s| s.store(arg, Ordering::Release));
        }
    })
}

/// The pointer in slot `arg_idx` of `data` (as TSUserArgSet), NULL if none was stored; NULL for a
/// bad object or index.
#[no_mangle]
pub extern "C" fn TSUserArgGet(data: *mut c_void, arg_idx: c_int) -> *mut c_void {
    guard!(std::ptr::null_mut(), || {
        arg_target(here!(), data)
            .and_then(|t| with_slot(here!(), &t, arg_idx, |s| s.load(Ordering::Acquire)))
            .unwrap_or(std::ptr::null_mut())
    })
}

/// Deprecated: TSUserArgIndexReserve(TS_USER_ARGS_TXN, ...).
#[no_mangle]
#[deprecated]
pub unsafe extern "C" fn TSHttpTxnArgIndexReserve(
    name: *const c_char,
    description: *const c_char,
    arg_idx: *mut c_int,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        // SAFETY: the same arguments, under the same contract.
        unsafe { TSUserArgIndexReserve(args::TXN, name, description, arg_idx) }
    })
}

/// Deprecated: TSUserArgIndexReserve(TS_USER_ARGS_SSN, ...).
#[no_mangle]
#[deprecated]
pub unsafe extern "C" fn TSHttpSsnArgIndexReserve(
    name: *const c_char,
    description: *const c_char,
    arg_idx: *mut c_int,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        // SAFETY: the same arguments, under the same contract.
        unsafe { TSUserArgIndexReserve(args::SSN, name, description, arg_idx) }
    })
}

/// Deprecated: TSUserArgSet for a transaction; a bad transaction or index is logged and ignored.
#[no_mangle]
#[deprecated]
pub extern "C" fn TSHttpTxnArgSet(txnp: TSHttpTxn, arg_idx: c_int, arg: *mut c_void) {
    guard!((), || {
        if let Some(t) = txn_arg(here!(), txnp) {
            with_slot(here!(), &ArgTarget::Txn(t), arg_idx, |s| {
                s.store(arg, Ordering::Release)
            });
        }
    })
}

/// Deprecated: TSUserArgGet for a transaction; NULL for a bad transaction or index.
#[no_mangle]
#[deprecated]
pub extern "C" fn TSHttpTxnArgGet(txnp: TSHttpTxn, arg_idx: c_int) -> *mut c_void {
    guard!(std::ptr::null_mut(), || {
        txn_arg(here!(), txnp)
            .and_then(|t| {
                with_slot(here!(), &ArgTarget::Txn(t), arg_idx, |s| {
                    s.load(Ordering::Acquire)
                })
            })
            .unwrap_or(std::ptr::null_mut())
    })
}

/// Deprecated: TSUserArgSet for a session; a bad session or index is logged and ignored.
#[no_mangle]
#[deprecated]
pub extern "C" fn TSHttpSsnArgSet(ssnp: TSHttpSsn, arg_idx: c_int, arg: *mut c_void) {
    guard!((), || {
        if let Some(s) = ssn_arg(here!(), ssnp) {
            with_slot(here!(), &ArgTarget::Ssn(s), arg_idx, |s| {
                s.store(arg, Ordering::Release)
            });
        }
    })
}

/// Deprecated: TSUserArgGet for a session; NULL for a bad session or index.
#[no_mangle]
#[deprecated]
pub extern "C" fn TSHttpSsnArgGet(ssnp: TSHttpSsn, arg_idx: c_int) -> *mut c_void {
    guard!(std::ptr::null_mut(), || {
        ssn_arg(here!(), ssnp)
            .and_then(|s| {
                with_slot(here!(), &ArgTarget::Ssn(s), arg_idx, |s| {
                    s.load(Ordering::Acquire)
                })
            })
            .unwrap_or(std::ptr::null_mut())
    })
}
