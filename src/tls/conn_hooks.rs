//! The client connection hooks inside OpenSSL's server handshake: the connection ([`VConn`]) rides
//! on its SSL object (ex data), and OpenSSL's callbacks walk its hooks: the ClientHello callback
//! TS_SSL_CLIENT_HELLO_HOOK, the servername callback TS_SSL_SERVERNAME_HOOK, the certificate
//! callback TS_SSL_CERT_HOOK, the verify callback TS_SSL_VERIFY_CLIENT_HOOK. A plugin holding a
//! hook makes its callback ask OpenSSL to retry (the handshake returns `WANT_CLIENT_HELLO_CB` or
//! `WANT_X509_LOOKUP`); the network task then waits for the reenable ([`paused_at`]) and goes on.
//! A connection without a [`VConn`] attached (no connection hook had a continuation at accept)
//! costs each callback one ex data lookup.

use std::os::raw::{c_int, c_void};
use std::sync::{Arc, LazyLock};

use foreign_types_shared::ForeignTypeRef;
use openssl::error::ErrorStack;
use openssl::ex_data::Index;
use openssl::ssl::{ClientHelloResponse, ErrorCode, Ssl, SslContextBuilder, SslRef};

use crate::vconn::{hook, Step, VConn};

static VC: LazyLock<Option<Index<Ssl, Arc<VConn>>>> =
    LazyLock::new(|| Ssl::new_ex_index::<Arc<VConn>>().ok());

/// Attach the connection to its SSL object: its callbacks walk its hooks from now on.
pub fn attach(ssl: &mut SslRef, vc: Arc<VConn>) {
    match *VC {
        Some(idx) => ssl.set_ex_data(idx, vc),
        None => crate::error!("TLS: no ex data index for connection hooks; they do not fire"),
    }
}

/// The connection attached to an SSL object, if any.
pub fn attached(ssl: &SslRef) -> Option<&Arc<VConn>> {
    VC.as_ref().and_then(|idx| ssl.ex_data(*idx))
}

/// TS_SSL_CLIENT_HELLO_HOOK, from the ClientHello callback (after the certificate was chosen by
/// SNI, as ATS runs its SNI actions first).
pub fn client_hello(ssl: &SslRef) -> Result<ClientHelloResponse, ErrorStack> {
    let Some(vc) = attached(ssl) else {
        return Ok(ClientHelloResponse::SUCCESS);
    };
    match vc.step(hook::CLIENT_HELLO) {
        Step::Done => Ok(ClientHelloResponse::SUCCESS),
        // A tunnel pauses the handshake too: the network task takes the connection over.
        Step::Held | Step::Tunnel => Ok(ClientHelloResponse::RETRY),
        Step::Failed => Err(ErrorStack::get()),
    }
}

/// TS_SSL_SERVERNAME_HOOK, from the servername callback (false: a callee failed the handshake).
pub fn servername(ssl: &SslRef) -> bool {
    attached(ssl).is_none_or(|vc| vc.run_sync(hook::SERVERNAME))
}

/// TS_SSL_VERIFY_CLIENT_HOOK from OpenSSL's verify callback, for each certificate of the
/// client's chain as ATS calls it (false: a callee failed the check with TS_EVENT_ERROR).
pub fn verify_client_in(ctx: &mut openssl::x509::X509StoreContextRef) -> bool {
    let p = ctx.as_ptr() as usize;
    ssl_of_store(ctx).is_none_or(|ssl| verify_client(ssl, p))
}

/// TS_SSL_VERIFY_SERVER_HOOK, from the verify callback of an origin's certificate (at depth 0,
/// once tshost's own checks passed, as ATS): false if a callee failed it with TS_EVENT_ERROR.
pub fn verify_server(ssl: &SslRef, store_ctx: usize) -> bool {
    let Some(vc) = attached(ssl) else {
        return true;
    };
    vc.set_verify_ctx(store_ctx);
    let ok = vc.run_sync(hook::VERIFY_SERVER);
    vc.set_verify_ctx(0);
    ok
}

/// TS_SSL_VERIFY_SERVER_HOOK for the connection a verify callback's store context verifies (true:
/// no callee failed it).
pub fn verify_server_in(ctx: &openssl::x509::X509StoreContextRef) -> bool {
    let p = ctx.as_ptr() as usize;
    ssl_of_store(ctx).is_none_or(|ssl| verify_server(ssl, p))
}

/// The SSL object a verify callback's store context belongs to.
pub fn ssl_of_store(ctx: &openssl::x509::X509StoreContextRef) -> Option<&SslRef> {
    // SAFETY: in a verify callback of a handshake, the store context's SSL ex data slot holds the
    // connection's SSL object (OpenSSL sets it before verifying), alive for the callback.
    unsafe {
        let p = openssl_sys::X509_STORE_CTX_get_ex_data(
            ctx.as_ptr(),
            openssl_sys::SSL_get_ex_data_X509_STORE_CTX_idx(),
        ) as *mut openssl_sys::SSL;
        (!p.is_null()).then(|| SslRef::from_ptr(p))
    }
}

/// TS_SSL_VERIFY_CLIENT_HOOK, from the verify callback of a client certificate, `store_ctx`
/// its X509_STORE_CTX (TSVConnSslVerifyCTXGet during the hook); false: a callee failed the check.
pub fn verify_client(ssl: &SslRef, store_ctx: usize) -> bool {
    let Some(vc) = attached(ssl) else {
        return true;
    };
    vc.set_verify_ctx(store_ctx);
    let ok = vc.run_sync(hook::VERIFY_CLIENT);
    vc.set_verify_ctx(0);
    ok
}

extern "C" {
    fn SSL_ctrl(
        ssl: *mut openssl_sys::SSL,
        cmd: c_int,
        larg: std::os::raw::c_long,
        parg: *mut c_void,
    ) -> std::os::raw::c_long;
    fn SSL_CTX_set_cert_cb(
        ctx: *mut openssl_sys::SSL_CTX,
        cb: Option<unsafe extern "C" fn(*mut openssl_sys::SSL, *mut c_void) -> c_int>,
        arg: *mut c_void,
    );
}

/// Install the certificate callback (TS_SSL_CERT_HOOK) on a server context.
pub fn install(b: &mut SslContextBuilder) {
    // SAFETY: a context being built; the callback is a plain function without state.
    unsafe { SSL_CTX_set_cert_cb(b.as_ptr(), Some(cert_cb), std::ptr::null_mut()) };
}

/// OpenSSL's certificate callback: 1 go on, -1 retry (a plugin holds the hook), 0 fail.
unsafe extern "C" fn cert_cb(ssl: *mut openssl_sys::SSL, _arg: *mut c_void) -> c_int {
    // Nothing unwinds into OpenSSL: a panic fails the handshake.
    std::panic::catch_unwind(|| {
        // SAFETY: OpenSSL calls this with the connection's own live SSL object.
        let ssl = unsafe { SslRef::from_ptr(ssl) };
        let Some(vc) = attached(ssl) else {
            return 1;
        };
        match vc.step(hook::CERT) {
            Step::Done => 1,
            Step::Held | Step::Tunnel => -1,
            Step::Failed => 0,
        }
    })
    .unwrap_or(0)
}

/// SSL_ERROR_WANT_X509_LOOKUP: the certificate callback asked for a retry.
const WANT_X509_LOOKUP: c_int = 4;

/// The hook a handshake that stopped with this error waits for (a plugin holds it), if it is
/// one of those.
pub fn paused_at(code: ErrorCode) -> Option<i32> {
    if code == ErrorCode::WANT_CLIENT_HELLO_CB {
        Some(hook::CLIENT_HELLO)
    } else if code == ErrorCode::from_raw(WANT_X509_LOOKUP) {
        Some(hook::CERT)
    } else {
        None
    }
}

/// The `SSL *` of an SSL object, as an address.
pub fn address(ssl: &SslRef) -> usize {
    ssl.as_ptr() as usize
}

/// SSL_CTRL_GET_NEGOTIATED_GROUP (SSL_get_negotiated_group is a macro over it).
const SSL_CTRL_GET_NEGOTIATED_GROUP: c_int = 134;

/// The NID of the key exchange group a connection negotiated, if known.
pub fn negotiated_group(ssl: &SslRef) -> Option<c_int> {
    // SAFETY: a live SSL object; this control only reads it.
    let nid = unsafe {
        SSL_ctrl(
            ssl.as_ptr(),
            SSL_CTRL_GET_NEGOTIATED_GROUP,
            0,
            std::ptr::null_mut(),
        )
    };
    (nid > 0).then_some(nid as c_int)
}
