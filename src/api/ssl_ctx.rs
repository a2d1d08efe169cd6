//! The server certificates' TLS contexts as plugins find them: TSSslContextFindByName and
//! TSSslContextFindByAddr (ATS 9.2 InkAPI.cc over SSLCertLookup). The contexts are tshost's, made
//! from ssl_multicert.config; a plugin may switch a connection to one with `SSL_set_SSL_CTX`.
use std::ffi::CStr;
use std::os::raw::c_char;

use super::addr::sockaddr_of;
use super::{guard, here};
use std::os::unix::ffi::OsStrExt;

use crate::sys::types::{TSReturnCodeRaw, TSSslContext, TS_ERROR, TS_SUCCESS};

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
