//! Whether tshost sent a client certificate to an origin, as ATS's SSLNetVConnection `sent_cert`
//! that the access log's `pscert` reads: 0 the origin did not ask for one, 1 it asked and the
//! context has none, 2 it asked and the certificate went (ATS's ssl_client_cert_callback, set
//! when the origin's CertificateRequest arrives, before the handshake may still fail).

use std::os::raw::{c_int, c_void};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, OnceLock};

use foreign_types_shared::ForeignTypeRef;
use openssl::ex_data::Index;
use openssl::ssl::{Ssl, SslRef};

extern "C" {
    fn SSL_set_cert_cb(
        ssl: *mut openssl_sys::SSL,
        cb: Option<unsafe extern "C" fn(*mut openssl_sys::SSL, *mut c_void) -> c_int>,
        arg: *mut c_void,
    );
}

fn index() -> Option<Index<Ssl, Arc<AtomicU8>>> {
    static INDEX: OnceLock<Option<Index<Ssl, Arc<AtomicU8>>>> = OnceLock::new();
    *INDEX.get_or_init(|| Ssl::new_ex_index().ok())
}

/// Record into `into` what this origin connection sends when asked for a certificate.
pub fn track(ssl: &mut SslRef, into: Arc<AtomicU8>) {
    let Some(i) = index() else { return };
    ssl.set_ex_data(i, into);
    // SAFETY: the connection's own SSL object, not yet handshaking; the callback is a plain
    // function that reads the ex_data set above.
    unsafe { SSL_set_cert_cb(ssl.as_ptr(), Some(cert_cb), std::ptr::null_mut()) };
}

/// OpenSSL's client certificate callback: the origin asked; always go on (1).
unsafe extern "C" fn cert_cb(ssl: *mut openssl_sys::SSL, _arg: *mut c_void) -> c_int {
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: OpenSSL calls this with the connection's own live SSL object.
        let ssl = unsafe { SslRef::from_ptr(ssl) };
        if let Some(v) = index().and_then(|i| ssl.ex_data(i)) {
            v.store(
                if ssl.certificate().is_some() { 2 } else { 1 },
                Ordering::Relaxed,
            );
        }
    });
    1
}
