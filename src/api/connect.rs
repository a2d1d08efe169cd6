//! ts.h: requests a plugin makes itself (TSHttpConnect, TSHttpConnectWithPluginId) and the tag of
//! such a transaction (TSHttpTxnPluginTagGet); the work in `crate::proxy::connect`.
use std::ffi::CStr;
use std::os::raw::c_char;

use super::addr::sockaddr_of;
use super::http::txn_arg;
use super::{guard, here, Here};
use crate::sys::types::{TSHttpTxn, TSVConn};

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
/// socket), runs every hook, and is kept alive between requests until the plugin closes the
/// VConnection or proxy.config.http.keep_alive_no_activity_timeout_in passes; the plugin's read
/// then gets TS_EVENT_VCONN_EOS. NULL (logged) for a NULL or unusable address, or when no proxy
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
