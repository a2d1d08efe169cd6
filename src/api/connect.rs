//! ts.h: connections a plugin makes itself: to tshost's HTTP engine (TSHttpConnect,
//! TSHttpConnectWithPluginId) and the tag of such a transaction (TSHttpTxnPluginTagGet), and raw
//! TCP connections (TSNetConnect, and experimental.h's TSNetConnectTransparent); the work in
//! `crate::proxy::connect` and `crate::proxy::net_connect`. The fetch API is in `fetch.rs`.
use std::ffi::CStr;
use std::os::raw::c_char;

use super::addr::sockaddr_of;
use super::cont::cont_arg;
use super::http::txn_arg;
use super::{guard, here, Here};
use crate::sys::types::{TSAction, TSCont, TSHttpTxn, TSVConn};

/// Make the session; NULL (logged) when no proxy runs.
fn connect(who: Here, addr: *const libc::sockaddr, tag: Option<&str>, id: i64) -> TSVConn {
    // SAFETY: the plugin's sockaddr, or NULL (checked by sockaddr_of).
    let Some(client) = (unsafe { sockaddr_of(who, addr) }) else {
        return std::ptr::null_mut();
    };
    match crate::proxy::connect::connect(client, tag, id) {
        Ok(h) => h as TSVConn,
        Err(e) => {
            crate::error!("{who}: {e}");
            std::ptr::null_mut()
        }
    }
}

/// A VConnection to tshost's HTTP engine: the plugin writes HTTP/1 requests into it
/// (TSVConnWrite) and reads the responses (TSVConnRead), as from a client connecting from
/// `addr`. The session is internal (TSHttpSsnIsInternal/TSHttpTxnIsInternal 1, no client
/// socket) and runs every hook. As in ATS, its first response closes it (`Connection: close`)
/// unless proxy.config.http.keepalive_internal_vc is 1; then it is kept alive between requests
/// until the plugin closes the VConnection or proxy.config.http.keep_alive_no_activity_timeout_in
/// passes. The plugin's read then gets TS_EVENT_VCONN_EOS. NULL (logged) for a NULL or unusable address, or when no proxy
/// runs in the process.
#[no_mangle]
pub unsafe extern "C" fn TSHttpConnect(addr: *const libc::sockaddr) -> TSVConn {
    guard!(std::ptr::null_mut(), || connect(here!(), addr, None, 0))
}

/// TSHttpConnect, with the plugin's `tag` and `id` on the session (TSHttpTxnPluginTagGet; ATS
/// logs them). `tag` NULL: none.
#[no_mangle]
pub unsafe extern "C" fn TSHttpConnectWithPluginId(
    addr: *const libc::sockaddr,
    tag: *const c_char,
    id: i64,
) -> TSVConn {
    guard!(std::ptr::null_mut(), || {
        let who = here!();
        let tag = if tag.is_null() {
            None
        } else {
            // SAFETY: non-NULL and NUL-terminated (the function's contract).
            Some(
                unsafe { CStr::from_ptr(tag) }
                    .to_string_lossy()
                    .into_owned(),
            )
        };
        connect(who, addr, tag.as_deref(), id)
    })
}

/// The tag of the plugin that made the transaction's session (TSHttpConnectWithPluginId); NULL
/// for other sessions and (logged) for a dead transaction. Valid while the session lives.
#[no_mangle]
pub extern "C" fn TSHttpTxnPluginTagGet(txnp: TSHttpTxn) -> *const c_char {
    guard!(std::ptr::null(), || {
        txn_arg(here!(), txnp)
            .and_then(|t| t.ssn.client.plugin_tag.as_ref().map(|c| c.as_ptr()))
            .unwrap_or(std::ptr::null())
    })
}

/// Open the connection of TSNetConnect or TSNetConnectTransparent: the TSAction, or NULL (logged)
/// for a bad argument or when no proxy runs.
fn net_connect(
    who: Here,
    contp: TSCont,
    to: *const libc::sockaddr,
    from: Option<*const libc::sockaddr>,
) -> TSAction {
    let Some(cont) = cont_arg(who, contp) else {
        return std::ptr::null_mut();
    };
    // SAFETY: the plugin's sockaddr, or NULL (checked by sockaddr_of).
    let Some(to) = (unsafe { sockaddr_of(who, to) }) else {
        crate::error!("{who}: NULL or non-IP address to connect to");
        return std::ptr::null_mut();
    };
    let from = match from {
        // SAFETY: the plugin's sockaddr, or NULL (checked by sockaddr_of).
        Some(p) => match unsafe { sockaddr_of(who, p) } {
            Some(a) if a.is_ipv4() == to.is_ipv4() => Some(a),
            _ => {
                crate::error!("{who}: the client address is NULL, not IP, or not of {to}'s family");
                return std::ptr::null_mut();
            }
        },
        None => None,
    };
    match crate::proxy::net_connect::connect(cont, to, from) {
        // A TSAction is an event's handle with bit 0 set (src/api/sched.rs).
        Ok(h) => (h | 1) as TSAction,
        Err(e) => {
            crate::error!("{who}: {e}");
            std::ptr::null_mut()
        }
    }
}

/// Opens a TCP connection to `to` (IPv4 or IPv6, with its port) on a network thread, within
/// proxy.config.http.connect_attempts_timeout. `contp` then gets, under its mutex, either
/// TS_EVENT_NET_CONNECT with a TSVConn of the connection (TSVConnRead/TSVConnWrite move its
/// bytes; the peer's end of stream is TS_EVENT_VCONN_EOS on the read VIO; TSVConnShutdown of the
/// writing sends a FIN; TSVConnClose ends the connection), or TS_EVENT_NET_CONNECT_FAILED with
/// `-errno` as edata (-ETIMEDOUT at the deadline). The TSAction cancels the callback while it has
/// not come (TSActionCancel; the connection is then dropped). NULL (logged) for a bad
/// continuation or address, or when no proxy runs in the process.
#[no_mangle]
pub unsafe extern "C" fn TSNetConnect(contp: TSCont, to: *const libc::sockaddr) -> TSAction {
    guard!(std::ptr::null_mut(), || net_connect(
        here!(),
        contp,
        to,
        None
    ))
}

/// TSNetConnect from `client_addr`, bound with IP_TRANSPARENT (a foreign address needs
/// CAP_NET_ADMIN and routing as for TPROXY; without them the connect fails: `contp` gets
/// TS_EVENT_NET_CONNECT_FAILED with -EPERM or the bind's error). `client_addr` must be of
/// `server_addr`'s family; NULL (logged) otherwise, as for TSNetConnect's bad arguments.
/// Declared in ATS's experimental.h.
#[no_mangle]
pub unsafe extern "C" fn TSNetConnectTransparent(
    contp: TSCont,
    client_addr: *const libc::sockaddr,
    server_addr: *const libc::sockaddr,
) -> TSAction {
    guard!(std::ptr::null_mut(), || net_connect(
        here!(),
        contp,
        server_addr,
        Some(client_addr)
    ))
}
