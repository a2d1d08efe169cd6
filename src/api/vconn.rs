//! Net VConnections (`TSVConn`) as the TLS hooks and sessions give them: reenabling a connection
//! hook, the connection's TLS object and its properties, its addresses and socket, ALPN protocols
//! per connection, VCONN user arguments (ATS 9.2 InkAPI.cc's TSVConn* functions of a
//! NetVConnection). A NULL, dead or foreign TSVConn is logged and answered with an error value
//! (ATS would crash on most of them).
use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_void};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use foreign_types_shared::ForeignTypeRef;
use openssl::ssl::SslRef;

use super::{guard, here};
use crate::hooks::dispatch::reenable_current;
use crate::proxy::fd_vconn;
use crate::sys::types::{
    TSEvent, TSEventRaw, TSHttpSsn, TSReturnCodeRaw, TSSslConnection, TSSslVerifyCTX, TSVConn,
};
use crate::sys::types::{TS_ERROR, TS_SUCCESS};
use crate::vconn::{proto_bit, VConn, VCONNS};

/// The live connection behind a handle (None, logged, for NULL, dead or foreign handles).
pub(crate) fn vconn_arg(who: crate::api::Here, vc: TSVConn) -> Option<Arc<VConn>> {
    let v = VCONNS.get(vc as usize);
    if v.is_none() {
        crate::error!("{who}: {vc:p} is not a live TSVConn");
    }
    v
}

/// The connection's TLS object, while it lives.
fn ssl_of(vc: &VConn) -> Option<&SslRef> {
    let p = vc.ssl();
    // SAFETY: a non-zero address is the connection's own SSL object, which lives until the
    // connection closes and clears it (before the object is freed); plugins use it during the
    // connection's hooks and session, as ATS's contract says.
    (p != 0).then(|| unsafe { SslRef::from_ptr(p as *mut openssl_sys::SSL) })
}

/// Resume a held connection hook (TS_VCONN_START_HOOK, TS_SSL_CLIENT_HELLO_HOOK,
/// TS_SSL_CERT_HOOK ...) or end the call of one that is not held; from any thread, at any time.
#[no_mangle]
pub extern "C" fn TSVConnReenable(sslvcp: TSVConn) {
    guard!((), || reenable(
        here!(),
        sslvcp,
        TSEvent::TS_EVENT_CONTINUE as i32
    ))
}

/// TSVConnReenable with an event: TS_EVENT_ERROR fails the handshake (the connection closes).
#[no_mangle]
pub extern "C" fn TSVConnReenableEx(sslvcp: TSVConn, event: TSEventRaw) {
    guard!((), || reenable(here!(), sslvcp, event))
}

fn reenable(who: crate::api::Here, vcp: TSVConn, event: i32) {
    let done = match reenable_current(vcp as usize, event) {
        Some(r) => r,
        None => match vconn_arg(who, vcp) {
            Some(vc) => vc.gate.reenable(event),
            None => return,
        },
    };
    if done.is_err() {
        // ATS ignores it too (its state machine has moved on).
        crate::debug!(
            "ssl",
            "{who}: connection {vcp:p} has no hook waiting for a reenable; ignored"
        );
    }
}

/// Turn a TLS connection into a blind tunnel, from one of its handshake hooks (VCONN_START,
/// CLIENT_HELLO, SERVERNAME, CERT): when the callback returns (reenabled or not), tshost stops
/// the handshake and carries the connection's bytes, the ClientHello included, to the
/// `map tunnel://SNI:PORT/ tunnel://HOST:PORT/` rule's destination, else to the SNI at the port
/// the client connected to. TS_ERROR for a connection without TLS.
#[no_mangle]
pub extern "C" fn TSVConnTunnel(sslp: TSVConn) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || match vconn_arg(here!(), sslp) {
        Some(vc) if vc.tls => {
            vc.request_tunnel();
            TS_SUCCESS
        }
        _ => TS_ERROR,
    })
}

/// The connection's `SSL *`; NULL for a connection without TLS (or after it closed).
#[no_mangle]
pub extern "C" fn TSVConnSslConnectionGet(sslp: TSVConn) -> TSSslConnection {
    guard!(std::ptr::null_mut(), || {
        vconn_arg(here!(), sslp).map_or(std::ptr::null_mut(), |vc| vc.ssl() as TSSslConnection)
    })
}

/// 1 for a TLS connection, 0 otherwise.
#[no_mangle]
pub extern "C" fn TSVConnIsSsl(sslp: TSVConn) -> c_int {
    guard!(0, || vconn_arg(here!(), sslp)
        .map_or(0, |vc| vc.tls as c_int))
}

/// 1 if the TLS connection resumed a session (a session cache hit or a ticket), else 0.
#[no_mangle]
pub extern "C" fn TSVConnIsSslReused(sslp: TSVConn) -> c_int {
    guard!(0, || {
        vconn_arg(here!(), sslp)
            .and_then(|vc| ssl_of(&vc).map(|s| s.session_reused() as c_int))
            .unwrap_or(0)
    })
}

/// The name of the negotiated cipher suite (OpenSSL's static string), NULL without TLS.
#[no_mangle]
pub extern "C" fn TSVConnSslCipherGet(sslp: TSVConn) -> *const c_char {
    guard!(std::ptr::null(), || {
        let Some(vc) = vconn_arg(here!(), sslp) else {
            return std::ptr::null();
        };
        match ssl_of(&vc) {
            // SAFETY: the connection's live SSL object (ssl_of); the name is OpenSSL's static text.
            Some(s) => unsafe {
                openssl_sys::SSL_CIPHER_get_name(openssl_sys::SSL_get_current_cipher(s.as_ptr()))
            },
            None => std::ptr::null(),
        }
    })
}

/// The negotiated protocol version ("TLSv1.3", OpenSSL's static string), NULL without TLS.
#[no_mangle]
pub extern "C" fn TSVConnSslProtocolGet(sslp: TSVConn) -> *const c_char {
    guard!(std::ptr::null(), || {
        let Some(vc) = vconn_arg(here!(), sslp) else {
            return std::ptr::null();
        };
        match ssl_of(&vc) {
            // SAFETY: the connection's live SSL object; the name is OpenSSL's static text.
            Some(s) => unsafe { openssl_sys::SSL_get_version(s.as_ptr()) },
            None => std::ptr::null(),
        }
    })
}

/// The negotiated key exchange group's short name ("X25519", "prime256v1"), NULL without TLS or
/// when none is known.
#[no_mangle]
pub extern "C" fn TSVConnSslCurveGet(sslp: TSVConn) -> *const c_char {
    guard!(std::ptr::null(), || {
        let Some(vc) = vconn_arg(here!(), sslp) else {
            return std::ptr::null();
        };
        let Some(s) = ssl_of(&vc) else {
            return std::ptr::null();
        };
        let Some(nid) = crate::tls::conn_hooks::negotiated_group(s) else {
            return std::ptr::null();
        };
        // SAFETY: OBJ_nid2sn returns OpenSSL's static name or NULL.
        unsafe { openssl_sys::OBJ_nid2sn(nid) }
    })
}

/// The SNI the client sent (a string owned by the TLS object; "" with length 0 when it sent
/// none); NULL for a connection without TLS. `length` (may be NULL) gets the length.
#[no_mangle]
pub unsafe extern "C" fn TSVConnSslSniGet(sslp: TSVConn, length: *mut c_int) -> *const c_char {
    guard!(std::ptr::null(), || {
        let name: *const c_char = match vconn_arg(here!(), sslp) {
            Some(vc) => match ssl_of(&vc) {
                // SAFETY: the connection's live SSL object; the name is owned by it.
                Some(s) => unsafe {
                    let p = openssl_sys::SSL_get_servername(
                        s.as_ptr(),
                        openssl_sys::TLSEXT_NAMETYPE_host_name,
                    );
                    if p.is_null() {
                        c"".as_ptr()
                    } else {
                        p
                    }
                },
                None => std::ptr::null(),
            },
            None => std::ptr::null(),
        };
        if !length.is_null() {
            let n = if name.is_null() {
                0
            } else {
                // SAFETY: a NUL-terminated string (OpenSSL's, or the literal above).
                unsafe { CStr::from_ptr(name) }.to_bytes().len()
            };
            // SAFETY: non-NULL, the plugin's int.
            unsafe { *length = n as c_int };
        }
        name
    })
}

/// 1 if the client presented a certificate on this TLS connection, else 0.
#[no_mangle]
pub extern "C" fn TSVConnProvidedSslCert(sslp: TSVConn) -> c_int {
    guard!(0, || {
        vconn_arg(here!(), sslp)
            .and_then(|vc| ssl_of(&vc).map(|s| s.peer_certificate().is_some() as c_int))
            .unwrap_or(0)
    })
}

/// The certificate store context of the client certificate being verified (during
/// TS_SSL_VERIFY_CLIENT_HOOK), else NULL.
#[no_mangle]
pub extern "C" fn TSVConnSslVerifyCTXGet(sslp: TSVConn) -> TSSslVerifyCTX {
    guard!(std::ptr::null_mut(), || {
        vconn_arg(here!(), sslp)
            .map_or(std::ptr::null_mut(), |vc| vc.verify_ctx() as TSSslVerifyCTX)
    })
}

/// The protocol bit of an ALPN name this connection can stop offering; None for others.
fn alpn_bit(name: &[u8]) -> Option<u8> {
    match name {
        b"h2" => Some(proto_bit::H2),
        b"http/1.1" => Some(proto_bit::HTTP_1_1),
        _ => None,
    }
}

/// Stop offering ALPN protocol `protocol_name` ("h2", "http/1.1") on this TLS connection (before
/// ALPN is negotiated: at VCONN_START, CLIENT_HELLO or SERVERNAME). TS_ERROR for a connection
/// without TLS. A name tshost does not offer anyway is accepted, as ATS accepts any.
#[no_mangle]
pub unsafe extern "C" fn TSVConnProtocolDisable(
    connp: TSVConn,
    protocol_name: *const c_char,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        // SAFETY: the plugin passes NULL or a NUL-terminated string (the API's contract).
        unsafe { protocol_switch(here!(), connp, protocol_name, true) }
    })
}

/// Offer ALPN protocol `protocol_name` again on this TLS connection (undoes
/// TSVConnProtocolDisable). TS_ERROR for a connection without TLS.
#[no_mangle]
pub unsafe extern "C" fn TSVConnProtocolEnable(
    connp: TSVConn,
    protocol_name: *const c_char,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        // SAFETY: the plugin passes NULL or a NUL-terminated string (the API's contract).
        unsafe { protocol_switch(here!(), connp, protocol_name, false) }
    })
}

/// # Safety
/// `name` is NULL or a NUL-terminated string.
unsafe fn protocol_switch(
    who: crate::api::Here,
    connp: TSVConn,
    name: *const c_char,
    off: bool,
) -> TSReturnCodeRaw {
    let Some(vc) = vconn_arg(who, connp) else {
        return TS_ERROR;
    };
    if name.is_null() {
        crate::error!("{who}: NULL protocol name");
        return TS_ERROR;
    }
    if !vc.tls {
        return TS_ERROR;
    }
    // SAFETY: non-NULL (checked) and NUL-terminated (this function's contract).
    let name = unsafe { CStr::from_ptr(name) }.to_bytes();
    if let Some(bit) = alpn_bit(name) {
        vc.set_disabled(bit, off);
    }
    TS_SUCCESS
}

/// The connection's socket; -1 for a NULL or dead connection. A socket VConnection's
/// (TSVConnFdCreate, TSPortDescriptorAccept) too.
#[no_mangle]
pub extern "C" fn TSVConnFdGet(sslp: TSVConn) -> c_int {
    guard!(-1, || {
        if let Some(fd) = fd_vconn::with_addrs(sslp as usize, |a| a.fd) {
            return fd;
        }
        vconn_arg(here!(), sslp).map_or(-1, |vc| vc.fd)
    })
}

/// The peer's address (owned by the connection); NULL for a NULL or dead connection. A socket
/// VConnection's (TSVConnFdCreate, TSPortDescriptorAccept) too.
#[no_mangle]
pub extern "C" fn TSNetVConnRemoteAddrGet(vc: TSVConn) -> *const libc::sockaddr {
    guard!(std::ptr::null(), || {
        if let Some(p) = fd_vconn::with_addrs(vc as usize, |a| a.peer.as_ref().map(|s| s.as_ptr()))
        {
            return p.unwrap_or(std::ptr::null());
        }
        vconn_arg(here!(), vc)
            .and_then(|v| v.peer.as_ref().map(|a| a.as_ptr()))
            .unwrap_or(std::ptr::null())
    })
}

/// The local (proxy) address of the connection; NULL for a NULL or dead connection. A socket
/// VConnection's (TSVConnFdCreate, TSPortDescriptorAccept) too.
#[no_mangle]
pub extern "C" fn TSNetVConnLocalAddrGet(vc: TSVConn) -> *const libc::sockaddr {
    guard!(std::ptr::null(), || {
        if let Some(p) = fd_vconn::with_addrs(vc as usize, |a| a.local.as_ref().map(|s| s.as_ptr()))
        {
            return p.unwrap_or(std::ptr::null());
        }
        vconn_arg(here!(), vc)
            .and_then(|v| v.local.as_ref().map(|a| a.as_ptr()))
            .unwrap_or(std::ptr::null())
    })
}

/// The client connection of a session (a TLS connection's handle is the one its TLS hooks saw);
/// NULL once the connection is gone (at an HTTP/1 session's SSN_CLOSE, as ATS).
#[no_mangle]
pub extern "C" fn TSHttpSsnClientVConnGet(ssnp: TSHttpSsn) -> TSVConn {
    guard!(std::ptr::null_mut(), || {
        super::http::ssn_arg(here!(), ssnp)
            .and_then(|s| s.connection().map(|c| c.vconn().handle as TSVConn))
            .unwrap_or(std::ptr::null_mut())
    })
}

/// Deprecated: TSUserArgSet for a connection; a bad connection or index is logged and ignored.
#[no_mangle]
#[deprecated]
pub extern "C" fn TSVConnArgSet(connp: TSVConn, arg_idx: c_int, arg: *mut c_void) {
    guard!((), || {
        if let Some(vc) = vconn_arg(here!(), connp) {
            if let Some(s) = vconn_slot(here!(), arg_idx) {
                vc.args[s].store(arg, Ordering::Release);
            }
        }
    })
}

/// Deprecated: TSUserArgGet for a connection; NULL for a bad connection or index.
#[no_mangle]
#[deprecated]
pub extern "C" fn TSVConnArgGet(connp: TSVConn, arg_idx: c_int) -> *mut c_void {
    guard!(std::ptr::null_mut(), || {
        let Some(vc) = vconn_arg(here!(), connp) else {
            return std::ptr::null_mut();
        };
        vconn_slot(here!(), arg_idx)
            .map_or(std::ptr::null_mut(), |s| vc.args[s].load(Ordering::Acquire))
    })
}

fn vconn_slot(who: crate::api::Here, idx: c_int) -> Option<usize> {
    let s = crate::args::slot_of(crate::args::VCONN, idx);
    if s.is_none() {
        crate::error!("{who}: index {idx} is not a VCONN argument index");
    }
    s
}

/// Deprecated: TSUserArgIndexReserve(TS_USER_ARGS_VCONN, ...).
#[no_mangle]
#[deprecated]
pub unsafe extern "C" fn TSVConnArgIndexReserve(
    name: *const c_char,
    description: *const c_char,
    arg_idx: *mut c_int,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        // SAFETY: the same arguments, under the same contract.
        unsafe {
            super::http::TSUserArgIndexReserve(crate::args::VCONN, name, description, arg_idx)
        }
    })
}

/// Deprecated: TSUserArgIndexNameLookup(TS_USER_ARGS_VCONN, ...).
#[no_mangle]
#[deprecated]
pub unsafe extern "C" fn TSVConnArgIndexNameLookup(
    name: *const c_char,
    arg_idx: *mut c_int,
    description: *mut *const c_char,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        // SAFETY: the same arguments, under the same contract.
        unsafe {
            super::http::TSUserArgIndexNameLookup(crate::args::VCONN, name, arg_idx, description)
        }
    })
}

/// Deprecated: TSUserArgIndexLookup(TS_USER_ARGS_VCONN, ...).
#[no_mangle]
#[deprecated]
pub unsafe extern "C" fn TSVConnArgIndexLookup(
    arg_idx: c_int,
    name: *mut *const c_char,
    description: *mut *const c_char,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        // SAFETY: the same arguments, under the same contract.
        unsafe { super::http::TSUserArgIndexLookup(crate::args::VCONN, arg_idx, name, description) }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_alpn_protocols_tshost_offers_can_be_switched() {
        assert_eq!(super::alpn_bit(b"h2"), Some(super::proto_bit::H2));
        assert_eq!(
            super::alpn_bit(b"http/1.1"),
            Some(super::proto_bit::HTTP_1_1)
        );
        assert_eq!(super::alpn_bit(b"h3"), None);
    }
}
