//! ts.h: sockets a plugin brings (TSVConnFdCreate) and ports it listens on itself
//! (TSPortDescriptorParse, TSPortDescriptorAccept); the work in `crate::proxy::fd_vconn`.
use std::ffi::CStr;
use std::os::fd::{FromRawFd, IntoRawFd};
use std::os::raw::{c_char, c_int};

use super::{guard, here};
use crate::proxy::fd_vconn;
use crate::sys::types::{TSCont, TSPortDescriptor, TSReturnCodeRaw, TSVConn, TS_ERROR, TS_SUCCESS};

/// A VConnection over the plugin's connected socket `fd`: what the peer sends is read with
/// TSVConnRead (its end is TS_EVENT_VCONN_EOS), what the plugin writes with TSVConnWrite goes
/// out. tshost owns the socket from here and closes it when the VConnection is closed. NULL
/// (logged; the socket is then still the plugin's) for a negative `fd`, one that cannot be made
/// non-blocking, or when no proxy runs in the process.
#[no_mangle]
pub extern "C" fn TSVConnFdCreate(fd: c_int) -> TSVConn {
    guard!(std::ptr::null_mut(), || {
        let who = here!();
        if fd < 0 {
            crate::error!("{who}: {fd} is not a socket");
            return std::ptr::null_mut();
        }
        if !fd_vconn::can_carry() {
            crate::error!("{who}: no proxy is running in this process");
            return std::ptr::null_mut();
        }
        // SAFETY: the plugin hands its connected socket over (TSVConnFdCreate's contract):
        // nothing else closes it from here on.
        let tcp = unsafe { std::net::TcpStream::from_raw_fd(fd) };
        match fd_vconn::wrap(tcp) {
            Ok(h) => h as TSVConn,
            Err((e, back)) => {
                // Still the plugin's to close (it was not made non-blocking).
                if let Some(tcp) = back {
                    let _ = tcp.into_raw_fd();
                }
                crate::error!("{who}: {e}");
                std::ptr::null_mut()
            }
        }
    })
}

/// One port as proxy.config.http.server_ports describes them (`8080`,
/// `8080:ipv4:ip-in=127.0.0.1`; options tshost does not implement are warned about); NULL
/// (logged) for NULL, an empty or malformed descriptor, or more than one. It lives as long as
/// the process (as ATS's).
#[no_mangle]
pub unsafe extern "C" fn TSPortDescriptorParse(descriptor: *const c_char) -> TSPortDescriptor {
    guard!(std::ptr::null_mut(), || {
        let who = here!();
        if descriptor.is_null() {
            crate::error!("{who}: NULL descriptor");
            return std::ptr::null_mut();
        }
        // SAFETY: non-NULL and NUL-terminated (the function's contract).
        let text = unsafe { CStr::from_ptr(descriptor) }.to_string_lossy();
        match fd_vconn::parse_port(&text) {
            Ok(h) => h as TSPortDescriptor,
            Err(e) => {
                crate::error!("{who}: {e}");
                std::ptr::null_mut()
            }
        }
    })
}

/// Listen on the port (from TSPortDescriptorParse); each connection accepted is given to `contp`
/// with TS_EVENT_NET_ACCEPT and its VConnection (as TSVConnFdCreate's), on a network thread,
/// once the proxy runs. TS_ERROR (logged) for a bad descriptor or continuation, a port that
/// cannot be bound, or a TLS one (not implemented).
#[no_mangle]
pub extern "C" fn TSPortDescriptorAccept(
    descp: TSPortDescriptor,
    contp: TSCont,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        if super::cont::cont_arg(who, contp).is_none() {
            return TS_ERROR;
        }
        match fd_vconn::accept(descp as usize, contp as usize) {
            Ok(()) => TS_SUCCESS,
            Err(e) => {
                crate::error!("{who}: {e}");
                TS_ERROR
            }
        }
    })
}
