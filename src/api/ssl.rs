//! TSSslSessionGet, TSSslSessionGetBuffer, TSSslSessionInsert, TSSslSessionRemove: tshost's TLS
//! session cache from plugins. Callable from hooks and from any thread, a plain pthread included;
//! they fire no hook (no echo between peers sharing sessions).
use std::os::raw::{c_char, c_int};

use foreign_types_shared::{ForeignType, ForeignTypeRef};
use openssl::ssl::{SslSession, SslSessionRef};

use super::{guard, here};
use crate::sys::types::{TSReturnCodeRaw, TSSslConnection, TSSslSession, TSSslSessionID};
use crate::tls::cache::SessionId;
use crate::tls::session::cache;

use crate::sys::types::{TS_ERROR, TS_SUCCESS};

/// The id a plugin passed, checked (NULL, length over 32: error).
///
/// # Safety
/// `id` is NULL or points to a TSSslSessionID alive for the call.
unsafe fn id_arg(who: crate::api::Here, id: *const TSSslSessionID) -> Option<SessionId> {
    if id.is_null() {
        crate::error!("{who}: NULL session id");
        return None;
    }
    // SAFETY: non-NULL (checked above), and a live TSSslSessionID (this function's contract).
    let id = unsafe { &*id };
    if id.len > 32 {
        crate::error!("{who}: session id length {} is over 32", id.len);
        return None;
    }
    let bytes: Vec<u8> = id.bytes[..id.len].iter().map(|b| *b as u8).collect();
    SessionId::new(&bytes)
}

/// A new SSL_SESSION for the id (the caller owns it: SSL_SESSION_free), or NULL.
#[no_mangle]
pub unsafe extern "C" fn TSSslSessionGet(session_id: *const TSSslSessionID) -> TSSslSession {
    guard!(std::ptr::null_mut(), || {
        // SAFETY: the plugin passes NULL or a pointer to a TSSslSessionID (the API's contract).
        let Some(id) = (unsafe { id_arg(here!(), session_id) }) else {
            return std::ptr::null_mut();
        };
        let Some(der) = cache().and_then(|c| c.get(&id)) else {
            return std::ptr::null_mut();
        };
        match SslSession::from_der(&der) {
            Ok(s) => {
                // The caller owns this reference now.
                let p = s.as_ptr();
                std::mem::forget(s);
                p as TSSslSession
            }
            Err(_) => std::ptr::null_mut(),
        }
    })
}

/// ATS's length protocol: copies min(size, *len_ptr) bytes of the DER session into `buffer`, sets
/// *len_ptr to the number copied and returns the full size; 0 (nothing touched) on a miss, a NULL
/// argument or a NULL buffer.
#[no_mangle]
pub unsafe extern "C" fn TSSslSessionGetBuffer(
    session_id: *const TSSslSessionID,
    buffer: *mut c_char,
    len_ptr: *mut c_int,
) -> c_int {
    guard!(0, || {
        // SAFETY: the plugin passes NULL or a pointer to a TSSslSessionID (the API's contract).
        let Some(id) = (unsafe { id_arg(here!(), session_id) }) else {
            return 0;
        };
        if len_ptr.is_null() || buffer.is_null() {
            return 0;
        }
        let Some(der) = cache().and_then(|c| c.get(&id)) else {
            return 0;
        };
        // SAFETY: `len_ptr` is non-NULL (checked above) and points to the plugin's int.
        let room = unsafe { *len_ptr }.max(0) as usize;
        let n = room.min(der.len());
        // SAFETY: `buffer` is non-NULL (checked above) and has room for *len_ptr bytes (ATS's
        // length protocol); n is at most that, and `der` is our own Vec, so no overlap.
        unsafe { std::ptr::copy_nonoverlapping(der.as_ptr(), buffer as *mut u8, n) };
        // SAFETY: as above, `len_ptr` is non-NULL and the plugin's.
        unsafe { *len_ptr = n as c_int };
        der.len() as c_int
    })
}

/// Store `add_session` (serialised; the caller keeps its reference) under the given id, replacing
/// an entry of that id. `ssl_conn` may be NULL.
#[no_mangle]
pub unsafe extern "C" fn TSSslSessionInsert(
    session_id: *const TSSslSessionID,
    add_session: TSSslSession,
    _ssl_conn: TSSslConnection,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        // SAFETY: the plugin passes NULL or a pointer to a TSSslSessionID (the API's contract).
        let Some(id) = (unsafe { id_arg(here!(), session_id) }) else {
            return TS_ERROR;
        };
        if add_session.is_null() {
            crate::error!("{}: NULL session", here!());
            return TS_ERROR;
        }
        let Some(c) = cache() else {
            crate::error!(
                "{}: the session cache is off (proxy.config.ssl.session_cache is not 2)",
                here!()
            );
            return TS_ERROR;
        };
        // SAFETY: a non-NULL (checked above) SSL_SESSION the plugin owns and keeps alive for the
        // call; only borrowed for serialisation.
        let s = unsafe { SslSessionRef::from_ptr(add_session as *mut openssl_sys::SSL_SESSION) };
        match s.to_der() {
            Ok(der) => {
                c.insert(&id, der);
                TS_SUCCESS
            }
            Err(e) => {
                crate::error!("{}: cannot serialise the session: {e}", here!());
                TS_ERROR
            }
        }
    })
}

/// Drops the session stored under the id (TS_SUCCESS whether or not there was one). TS_ERROR for a
/// NULL id, one longer than 32 bytes, or when there is no session cache.
#[no_mangle]
pub unsafe extern "C" fn TSSslSessionRemove(session_id: *const TSSslSessionID) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        // SAFETY: the plugin passes NULL or a pointer to a TSSslSessionID (the API's contract).
        let Some(id) = (unsafe { id_arg(here!(), session_id) }) else {
            return TS_ERROR;
        };
        match cache() {
            Some(c) => {
                c.remove(&id);
                TS_SUCCESS
            }
            None => TS_ERROR,
        }
    })
}

/// Install session ticket keys: `ticketDataLen / 48` records (80-byte nginx/HAProxy records are
/// accepted too); record 0 encrypts, all decrypt. NULL or a length <= 0 installs a random key. A
/// length under one record is TS_ERROR and the keys in use stay.
#[no_mangle]
pub unsafe extern "C" fn TSSslTicketKeyUpdate(
    ticketData: *mut c_char,
    ticketDataLen: c_int,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        if ticketData.is_null() || ticketDataLen <= 0 {
            crate::tls::tickets::set_keys(crate::tls::tickets::random_keys());
            return TS_SUCCESS;
        }
        // SAFETY: non-NULL with a positive length (checked above); the plugin's buffer holds
        // ticketDataLen bytes (the API's contract).
        let data =
            unsafe { std::slice::from_raw_parts(ticketData as *const u8, ticketDataLen as usize) };
        match crate::tls::tickets::parse_keys(data) {
            Some(keys) => {
                crate::tls::tickets::set_keys(keys);
                TS_SUCCESS
            }
            None => {
                crate::error!("SSL session ticket key is too short (>= 48 bytes are required)");
                TS_ERROR
            }
        }
    })
}
