//! VConnection I/O and VIOs (ATS 9.2 InkAPI.cc, InkIOCoreAPI.cc): TSVConnCreate (a plugin's own
//! VConnection), TSVConnRead/Write, Close/Abort/Shutdown, ClosedGet, Read/WriteVIOGet, and the
//! TSVIO* accessors; the work in `crate::vio`.
//!
//! These act on the VConnections plugins make (TSVConnCreate). On a client connection's TSVConn
//! (the TLS hooks') tshost does not do I/O for plugins yet: the call is logged and returns NULL
//! or does nothing.
use std::sync::Arc;

use super::cont::cont_arg;
use super::{guard, here, Here};
use crate::cont::{Cont, CONTS};
use crate::mutex::{TsMutex, MUTEXES};
use crate::sys::types::{
    TSCont, TSEventFunc, TSHRTime, TSIOBuffer, TSIOBufferReader, TSMutex, TSVConn, TSVIO,
};
use crate::vio::{self, Op, PluginVConn, Vio, VIOS};

fn vconn_arg(who: Here, h: TSVConn) -> Option<Arc<PluginVConn>> {
    let v = vio::get(h as usize);
    if v.is_none() {
        if crate::vconn::VCONNS.get(h as usize).is_some() {
            crate::error!(
                "{who}: {h:p} is a client connection; tshost does no VConnection I/O for plugins on it yet"
            );
        } else {
            crate::error!("{who}: {h:p} is not a live VConnection (TSVConnCreate)");
        }
    }
    v
}

fn vio_arg(who: Here, h: TSVIO) -> Option<Arc<Vio>> {
    let v = VIOS.get(h as usize);
    if v.is_none() {
        crate::error!("{who}: {h:p} is not a live TSVIO");
    }
    v
}

/// A new VConnection of the plugin's: a continuation calling `event_funcp` (under `mutexp`, or a
/// new mutex when NULL) that is also a VConnection. Its handle is a TSCont too (TSContDataSet,
/// TSContDestroy). NULL for a NULL function or a bad mutex.
#[no_mangle]
pub extern "C" fn TSVConnCreate(event_funcp: TSEventFunc, mutexp: TSMutex) -> TSVConn {
    guard!(std::ptr::null_mut(), || {
        let who = here!();
        if event_funcp.is_none() {
            crate::error!("{who}: NULL event function");
            return std::ptr::null_mut();
        }
        let mutex = if mutexp.is_null() {
            MUTEXES.insert(TsMutex::new).1
        } else {
            match MUTEXES.get(mutexp as usize) {
                Some(m) => m,
                None => {
                    crate::error!("{who}: {mutexp:p} is not a live TSMutex");
                    return std::ptr::null_mut();
                }
            }
        };
        let (_, cont) = CONTS.insert(|h| Cont::new(h, event_funcp, Some(mutex)));
        vio::create(cont).handle() as TSVConn
    })
}

/// Read `nbytes` from the VConnection into `bufp` on behalf of `contp` (told of the progress by
/// the VConnection); the read VIO, or NULL on a bad argument.
#[no_mangle]
pub extern "C" fn TSVConnRead(
    connp: TSVConn,
    contp: TSCont,
    bufp: TSIOBuffer,
    nbytes: i64,
) -> TSVIO {
    guard!(std::ptr::null_mut(), || {
        let who = here!();
        let Some(vc) = vconn_arg(who, connp) else {
            return std::ptr::null_mut();
        };
        let Some(c) = cont_arg(who, contp) else {
            return std::ptr::null_mut();
        };
        if crate::iobuf::BUFFERS.get(bufp as usize).is_none() || nbytes < 0 {
            crate::error!("{who}: {bufp:p} is not a live TSIOBuffer, or {nbytes} < 0");
            return std::ptr::null_mut();
        }
        vc.do_read(c.handle, bufp as usize, nbytes).handle as TSVIO
    })
}

/// Write `nbytes` from `readerp` to the VConnection on behalf of `contp`; the write VIO, or NULL
/// on a bad argument.
#[no_mangle]
pub extern "C" fn TSVConnWrite(
    connp: TSVConn,
    contp: TSCont,
    readerp: TSIOBufferReader,
    nbytes: i64,
) -> TSVIO {
    guard!(std::ptr::null_mut(), || {
        let who = here!();
        let Some(vc) = vconn_arg(who, connp) else {
            return std::ptr::null_mut();
        };
        let Some(c) = cont_arg(who, contp) else {
            return std::ptr::null_mut();
        };
        if crate::iobuf::READERS.get(readerp as usize).is_none() || nbytes < 0 {
            crate::error!("{who}: {readerp:p} is not a live TSIOBufferReader, or {nbytes} < 0");
            return std::ptr::null_mut();
        }
        vc.do_write(c.handle, readerp as usize, nbytes).handle as TSVIO
    })
}

/// Close the VConnection: its VIOs stop and its continuation is woken (TS_EVENT_IMMEDIATE) to
/// see TSVConnClosedGet return 1 and destroy itself.
#[no_mangle]
pub extern "C" fn TSVConnClose(connp: TSVConn) {
    guard!((), || {
        if let Some(vc) = vconn_arg(here!(), connp) {
            vc.close(None);
        }
    })
}

/// Close the VConnection on an error: TSVConnClosedGet returns -1 (TS_VC_CLOSE_ABORT).
#[no_mangle]
pub extern "C" fn TSVConnAbort(connp: TSVConn, error: std::os::raw::c_int) {
    guard!((), || {
        if let Some(vc) = vconn_arg(here!(), connp) {
            vc.close(Some(error));
        }
    })
}

/// Stop reading (`read` non-zero) and/or writing (`write` non-zero); the continuation is woken.
#[no_mangle]
pub extern "C" fn TSVConnShutdown(
    connp: TSVConn,
    read: std::os::raw::c_int,
    write: std::os::raw::c_int,
) {
    guard!((), || {
        if let Some(vc) = vconn_arg(here!(), connp) {
            vc.shutdown(read != 0, write != 0);
        }
    })
}

/// 0 while the VConnection is open, 1 once closed, -1 once aborted; -1 (logged) for a bad handle.
#[no_mangle]
pub extern "C" fn TSVConnClosedGet(connp: TSVConn) -> std::os::raw::c_int {
    guard!(-1, || {
        vconn_arg(here!(), connp).map_or(-1, |vc| vc.closed())
    })
}

/// A timeout in nanoseconds, as a duration; None (cancel) for 0 or less.
fn timeout_of(ns: TSHRTime) -> Option<std::time::Duration> {
    (ns > 0).then(|| std::time::Duration::from_nanos(ns as u64))
}

/// The VIO in progress on the VConnection (its read VIO first) times out `timeout` nanoseconds
/// from now: its continuation gets TS_EVENT_VCONN_ACTIVE_TIMEOUT with the VIO, once (as ATS's
/// PluginVC). 0 or less cancels; a new call replaces the timer. Logged and ignored for a bad
/// handle or a client connection (whose timeouts are the proxy's settings).
#[no_mangle]
pub extern "C" fn TSVConnActiveTimeoutSet(connp: TSVConn, timeout: TSHRTime) {
    guard!((), || {
        if let Some(vc) = vconn_arg(here!(), connp) {
            match timeout_of(timeout) {
                Some(d) => vc.set_active_timeout(d),
                None => vc.cancel_active_timeout(),
            }
        }
    })
}

/// Cancels TSVConnActiveTimeoutSet's timer.
#[no_mangle]
pub extern "C" fn TSVConnActiveTimeoutCancel(connp: TSVConn) {
    guard!((), || {
        if let Some(vc) = vconn_arg(here!(), connp) {
            vc.cancel_active_timeout();
        }
    })
}

/// The VIO in progress on the VConnection times out once no I/O happened on it (TSVConnRead,
/// TSVConnWrite, TSVIOReenable) for `timeout` nanoseconds: its continuation gets
/// TS_EVENT_VCONN_INACTIVITY_TIMEOUT with the VIO, once. 0 or less cancels. Logged and ignored
/// for a bad handle or a client connection.
#[no_mangle]
pub extern "C" fn TSVConnInactivityTimeoutSet(connp: TSVConn, timeout: TSHRTime) {
    guard!((), || {
        if let Some(vc) = vconn_arg(here!(), connp) {
            match timeout_of(timeout) {
                Some(d) => vc.set_inactivity_timeout(d),
                None => vc.cancel_inactivity_timeout(),
            }
        }
    })
}

/// Cancels TSVConnInactivityTimeoutSet's timer.
#[no_mangle]
pub extern "C" fn TSVConnInactivityTimeoutCancel(connp: TSVConn) {
    guard!((), || {
        if let Some(vc) = vconn_arg(here!(), connp) {
            vc.cancel_inactivity_timeout();
        }
    })
}

/// The VConnection's read VIO (what another party reads from it).
#[no_mangle]
pub extern "C" fn TSVConnReadVIOGet(connp: TSVConn) -> TSVIO {
    guard!(std::ptr::null_mut(), || {
        vconn_arg(here!(), connp).map_or(std::ptr::null_mut(), |vc| vc.read.handle as TSVIO)
    })
}

/// The VConnection's write VIO (what another party writes to it).
#[no_mangle]
pub extern "C" fn TSVConnWriteVIOGet(connp: TSVConn) -> TSVIO {
    guard!(std::ptr::null_mut(), || {
        vconn_arg(here!(), connp).map_or(std::ptr::null_mut(), |vc| vc.write.handle as TSVIO)
    })
}

/// Wake the VIO's VConnection (its continuation gets TS_EVENT_IMMEDIATE) to go on with it.
#[no_mangle]
pub extern "C" fn TSVIOReenable(viop: TSVIO) {
    guard!((), || {
        let who = here!();
        if let Some(v) = vio_arg(who, viop) {
            if !vio::reenable(&v) {
                crate::error!("{who}: the VConnection of {viop:p} is gone");
            }
        }
    })
}

/// A read VIO's buffer (the one the VConnection fills), or a write VIO's (the one its reader
/// reads); NULL once the VIO is stopped (closed, shut down).
#[no_mangle]
pub extern "C" fn TSVIOBufferGet(viop: TSVIO) -> TSIOBuffer {
    guard!(std::ptr::null_mut(), || {
        vio_arg(here!(), viop).map_or(std::ptr::null_mut(), |v| v.buffer() as TSIOBuffer)
    })
}

/// A write VIO's reader (the one the VConnection drains); NULL for a read VIO or a stopped one.
#[no_mangle]
pub extern "C" fn TSVIOReaderGet(viop: TSVIO) -> TSIOBufferReader {
    guard!(std::ptr::null_mut(), || {
        vio_arg(here!(), viop).map_or(std::ptr::null_mut(), |v| v.reader() as TSIOBufferReader)
    })
}

/// The bytes the VIO is to move; -1 for a bad handle.
#[no_mangle]
pub extern "C" fn TSVIONBytesGet(viop: TSVIO) -> i64 {
    guard!(-1, || vio_arg(here!(), viop).map_or(-1, |v| v.nbytes()))
}

/// Set the bytes the VIO is to move (a transform learns its input's length).
#[no_mangle]
pub extern "C" fn TSVIONBytesSet(viop: TSVIO, nbytes: i64) {
    guard!((), || {
        if let Some(v) = vio_arg(here!(), viop) {
            v.set_nbytes(nbytes);
        }
    })
}

/// The bytes the VIO has moved; -1 for a bad handle.
#[no_mangle]
pub extern "C" fn TSVIONDoneGet(viop: TSVIO) -> i64 {
    guard!(-1, || vio_arg(here!(), viop).map_or(-1, |v| v.ndone()))
}

/// Set the bytes the VIO has moved (the VConnection doing its work says so).
#[no_mangle]
pub extern "C" fn TSVIONDoneSet(viop: TSVIO, ndone: i64) {
    guard!((), || {
        if let Some(v) = vio_arg(here!(), viop) {
            v.set_ndone(ndone);
        }
    })
}

/// The bytes left to move (NBytes - NDone); -1 for a bad handle.
#[no_mangle]
pub extern "C" fn TSVIONTodoGet(viop: TSVIO) -> i64 {
    guard!(-1, || {
        vio_arg(here!(), viop).map_or(-1, |v| v.nbytes() - v.ndone())
    })
}

/// The mutex of the VIO's continuation; NULL when it has none or for a bad handle.
#[no_mangle]
pub extern "C" fn TSVIOMutexGet(viop: TSVIO) -> TSMutex {
    guard!(std::ptr::null_mut(), || {
        vio_arg(here!(), viop)
            .and_then(|v| vio::vio_cont(&v))
            .and_then(|c| c.mutex.as_ref().map(|m| m.handle as TSMutex))
            .unwrap_or(std::ptr::null_mut())
    })
}

/// The continuation the VIO reports to (NULL before a read or write).
#[no_mangle]
pub extern "C" fn TSVIOContGet(viop: TSVIO) -> TSCont {
    guard!(std::ptr::null_mut(), || {
        vio_arg(here!(), viop).map_or(std::ptr::null_mut(), |v| {
            if v.op() == Op::None && v.cont() == 0 {
                std::ptr::null_mut()
            } else {
                v.cont() as TSCont
            }
        })
    })
}

/// The VConnection the VIO is on.
#[no_mangle]
pub extern "C" fn TSVIOVConnGet(viop: TSVIO) -> TSVConn {
    guard!(std::ptr::null_mut(), || {
        vio_arg(here!(), viop).map_or(std::ptr::null_mut(), |v| v.vconn as TSVConn)
    })
}

/// A response or request transform for the transaction: a VConnection of the plugin's
/// (TSVConnCreate with a new mutex) to add with TSHttpTxnHookAdd(txnp,
/// TS_HTTP_RESPONSE_TRANSFORM_HOOK, ...). NULL for a NULL function or a bad transaction.
#[no_mangle]
pub extern "C" fn TSTransformCreate(
    event_funcp: TSEventFunc,
    txnp: crate::sys::types::TSHttpTxn,
) -> TSVConn {
    guard!(std::ptr::null_mut(), || {
        if super::http::txn_arg(here!(), txnp).is_none() {
            return std::ptr::null_mut();
        }
        TSVConnCreate(event_funcp, std::ptr::null_mut())
    })
}

/// The VConnection a transform writes its output into (the next transform, or tshost's way to
/// the client); NULL before the transaction's body starts or for a bad handle.
#[no_mangle]
pub extern "C" fn TSTransformOutputVConnGet(connp: TSVConn) -> TSVConn {
    guard!(std::ptr::null_mut(), || {
        vconn_arg(here!(), connp).map_or(std::ptr::null_mut(), |vc| vc.output() as TSVConn)
    })
}
