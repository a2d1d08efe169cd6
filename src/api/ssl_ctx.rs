//! The TLS contexts as plugins find them (ATS 9.2 InkAPI.cc): the server certificates' contexts,
//! made from ssl_multicert.config (TSSslContextFindByName/FindByAddr; a plugin may switch a
//! connection to one with `SSL_set_SSL_CTX`), TSSslServerCertUpdate, a plugin's own server context
//! (TSSslServerContextCreate/TSSslContextDestroy), and the contexts for origins by their names
//! (TSSslClientContextsNamesGet/FindByName) with TSSslClientCertUpdate.
use std::ffi::CStr;
use std::os::raw::c_char;

use super::addr::sockaddr_of;
use super::{guard, here};
use std::os::unix::ffi::OsStrExt;

use crate::sys::types::{TSReturnCodeRaw, TSSslContext, TSSslX509, TS_ERROR, TS_SUCCESS};
use foreign_types_shared::ForeignType;

/// The context of the certificate for server name `name` (exact, else the wildcard of its parent
/// domain); NULL for NULL, "" or a name no certificate has.
#[no_mangle]
pub unsafe extern "C" fn TSSslContextFindByName(name: *const c_char) -> TSSslContext {
    guard!(std::ptr::null_mut(), || {
        if name.is_null() {
            return std::ptr::null_mut();
        }
        // SAFETY: non-NULL, and NUL-terminated (the API's contract).
        let name = unsafe { CStr::from_ptr(name) };
        match name.to_str() {
            Ok(n) if !n.is_empty() => {
                crate::tls::context_for_name(n).map_or(std::ptr::null_mut(), |c| c as TSSslContext)
            }
            _ => std::ptr::null_mut(),
        }
    })
}

/// The context of the certificate ssl_multicert.config gives to local address `addr`
/// (`dest_ip=ADDR`); NULL if none does (the default `dest_ip=*` one is not returned, as ATS).
#[no_mangle]
pub unsafe extern "C" fn TSSslContextFindByAddr(addr: *const libc::sockaddr) -> TSSslContext {
    guard!(std::ptr::null_mut(), || {
        // SAFETY: NULL or a sockaddr of its family (the API's contract).
        match unsafe { sockaddr_of(here!(), addr) } {
            Some(a) => crate::tls::context_for_addr(a.ip())
                .map_or(std::ptr::null_mut(), |c| c as TSSslContext),
            None => std::ptr::null_mut(),
        }
    })
}

/// Replace the server certificate whose name is the subject CN of the certificate in `cert_path`
/// (its key in `key_path`, or in `cert_path` when NULL or ""): new handshakes present the new one.
/// TS_ERROR (logged) when the files do not load or no configured certificate has that name.
#[no_mangle]
pub unsafe extern "C" fn TSSslServerCertUpdate(
    cert_path: *const c_char,
    key_path: *const c_char,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        // SAFETY: NULL or NUL-terminated strings (the API's contract).
        let (cert, key) = unsafe { (opt_path(cert_path), opt_path(key_path)) };
        let Some(cert) = cert else {
            crate::error!("{}: NULL certificate path", here!());
            return TS_ERROR;
        };
        match crate::tls::update_server_cert(&cert, key.as_deref()) {
            Ok(()) => TS_SUCCESS,
            Err(e) => {
                crate::error!("{}: {}: {e}", here!(), cert.display());
                TS_ERROR
            }
        }
    })
}

/// A path argument: None for NULL or "".
///
/// # Safety
/// `p` is NULL or a NUL-terminated string.
unsafe fn opt_path(p: *const c_char) -> Option<std::path::PathBuf> {
    if p.is_null() {
        return None;
    }
    // SAFETY: non-NULL and NUL-terminated (this function's contract).
    let b = unsafe { CStr::from_ptr(p) }.to_bytes();
    (!b.is_empty()).then(|| std::path::PathBuf::from(std::ffi::OsStr::from_bytes(b)))
}

/// A new server context with tshost's settings and callbacks (ALPN, the connection hooks, the
/// session cache) and no certificate; the caller owns it (TSSslContextDestroy). `cert`,
/// `certname` and `rsp_file` are ATS's OCSP stapling arguments: tshost does no stapling, so they
/// are not used. NULL (logged) if it cannot be made.
#[no_mangle]
pub unsafe extern "C" fn TSSslServerContextCreate(
    cert: TSSslX509,
    certname: *const c_char,
    rsp_file: *const c_char,
) -> TSSslContext {
    guard!(std::ptr::null_mut(), || {
        let _ = (cert, certname, rsp_file);
        match crate::tls::new_server_context() {
            Ok(c) => hand_over(c),
            Err(e) => {
                crate::error!("{}: {e}", here!());
                std::ptr::null_mut()
            }
        }
    })
}

/// Release a context: one made by TSSslServerContextCreate, or one TSSslClientContextFindByName
/// returned (a reference). NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn TSSslContextDestroy(ctx: TSSslContext) {
    guard!((), || {
        if !ctx.is_null() {
            // SAFETY: a context handed out with a reference of its own (the API's contract).
            unsafe { openssl_sys::SSL_CTX_free(ctx.cast()) };
        }
    })
}

/// The names of the contexts for origins, two strings per context (its CA files,
/// `CA_FILE:CA_PATH`, then its certificate file; empty when not set), into `result` (room for
/// `n` strings; only whole pairs are written); `*actual` gets how many strings there are. The
/// strings live as long as the process.
#[no_mangle]
pub unsafe extern "C" fn TSSslClientContextsNamesGet(
    n: std::os::raw::c_int,
    result: *mut *const c_char,
    actual: *mut std::os::raw::c_int,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        if n < 0 || (n > 0 && result.is_null()) {
            crate::error!("{}: {n} names into NULL", here!());
            return TS_ERROR;
        }
        let names = crate::tls::client::names();
        let mut i = 0usize;
        for (top, second) in &names {
            if i + 1 < n as usize {
                // SAFETY: `result` has room for `n` pointers (the API's contract); i + 1 < n.
                unsafe {
                    *result.add(i) = *top;
                    *result.add(i + 1) = *second;
                }
                i += 2;
            }
        }
        if !actual.is_null() {
            // SAFETY: a non-NULL out pointer (the API's contract).
            unsafe { *actual = (names.len() * 2) as std::os::raw::c_int };
        }
        TS_SUCCESS
    })
}

/// The context for origins of these two names (TSSslClientContextsNamesGet's), with a reference
/// the caller releases (TSSslContextDestroy); NULL for NULL or "" names or names no context has.
#[no_mangle]
pub unsafe extern "C" fn TSSslClientContextFindByName(
    ca_paths: *const c_char,
    ck_paths: *const c_char,
) -> TSSslContext {
    guard!(std::ptr::null_mut(), || {
        if ca_paths.is_null() || ck_paths.is_null() {
            return std::ptr::null_mut();
        }
        // SAFETY: non-NULL NUL-terminated strings (the API's contract).
        let (top, second) = unsafe { (CStr::from_ptr(ca_paths), CStr::from_ptr(ck_paths)) };
        if top.is_empty() || second.is_empty() {
            return std::ptr::null_mut();
        }
        match crate::tls::client::find_by_name(top.to_bytes(), second.to_bytes()) {
            // The clone's reference goes to the caller.
            Some(c) => hand_over(c),
            None => std::ptr::null_mut(),
        }
    })
}

/// Load again, from `cert_path` (and `key_path`, when not NULL or ""), every context for origins
/// whose certificate file is `cert_path` (and key file `key_path`): new connections to origins
/// present the certificate now in those files. TS_ERROR (logged) when no context uses that
/// certificate or the files do not load (the old contexts stay).
#[no_mangle]
pub unsafe extern "C" fn TSSslClientCertUpdate(
    cert_path: *const c_char,
    key_path: *const c_char,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        // SAFETY: NULL or NUL-terminated strings (the API's contract).
        let (cert, key) = unsafe { (opt_path(cert_path), opt_path(key_path)) };
        let Some(cert) = cert else {
            crate::error!("{}: NULL certificate path", here!());
            return TS_ERROR;
        };
        match crate::tls::client::update_cert(&cert, key.as_deref()) {
            Ok(n) => {
                crate::note!("{}: {} reloaded ({n} contexts)", here!(), cert.display());
                TS_SUCCESS
            }
            Err(e) => {
                crate::error!("{}: {}: {e}", here!(), cert.display());
                TS_ERROR
            }
        }
    })
}

/// A context's pointer with its reference, which the caller now owns (TSSslContextDestroy).
fn hand_over(c: openssl::ssl::SslContext) -> TSSslContext {
    let p = c.as_ptr();
    std::mem::forget(c);
    p.cast()
}
