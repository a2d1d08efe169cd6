//! ts.h: a transaction's origin side (TSHttpTxnServerAddrGet/Set, TSHttpTxnOutgoingAddrGet/Set,
//! TSHttpTxnNextHop*, TSHttpTxnServerSsnTransactionCount, TSHttpTxnServerFdGet,
//! TSHttpTxnServerStateGet, TSHttpTxnServerProtocolStackGet, TSHttpTxnParentProxyGet/Set), the
//! packet marking of both connections (TSHttpTxnClientPacket*Set, TSHttpTxnServerPacket*Set) and
//! the transaction controls (TSHttpTxnCntlSet/Get).
//! Each as ATS 9.2.9's InkAPI.cc; where tshost does not act on a control, it is stored and read
//! back (said at the function).

use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int};
use std::sync::atomic::Ordering;

use super::http::txn_arg;
use super::{guard, here};
use crate::proxy::proto;
use crate::rt::sockaddr::CSockAddr;
use crate::sys::types::{
    TSCont, TSHttpCntlTypeRaw, TSHttpTxn, TSReturnCodeRaw, TSServerStateRaw, TS_ERROR, TS_SUCCESS,
};
use crate::txn::origin::cntl;

/// The origin server's address (a `sockaddr` owned by the transaction): all zero (AF_UNSPEC)
/// until the origin is known (from TS_HTTP_OS_DNS_HOOK on), the address TSHttpTxnServerAddrSet
/// gave once one was set. NULL for a NULL or dead transaction.
#[no_mangle]
pub extern "C" fn TSHttpTxnServerAddrGet(txnp: TSHttpTxn) -> *const libc::sockaddr {
    guard!(std::ptr::null(), || {
        let Some(t) = txn_arg(here!(), txnp) else {
            return std::ptr::null();
        };
        let mut o = t.origin.lock();
        let addr = o.steered().and_then(|s| s.api_server_addr).or(o.next_hop);
        let v = o.views();
        v.server = addr.map_or_else(CSockAddr::unspecified, CSockAddr::new);
        v.server.as_ptr()
    })
}

/// Send the transaction to `addr` (an AF_INET or AF_INET6 `sockaddr` with a port) instead of
/// resolving the host: as in ATS, set before the origin is found (by TS_HTTP_POST_REMAP_HOOK).
/// TS_ERROR for a NULL or dead transaction or a NULL or non-IP address.
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnServerAddrSet(
    txnp: TSHttpTxn,
    addr: *const libc::sockaddr,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        // SAFETY: `addr` is NULL or a sockaddr of the family it names (the function's contract).
        unsafe {
            steer(here!(), txnp, addr, |o, a| {
                o.steer().api_server_addr = Some(a)
            })
        }
    })
}

/// Record an address a plugin chose for the transaction's origin side.
///
/// # Safety
/// `addr` is NULL or a sockaddr of the family it names.
unsafe fn steer(
    who: super::Here,
    txnp: TSHttpTxn,
    addr: *const libc::sockaddr,
    set: impl FnOnce(&mut crate::txn::origin::OriginSide, std::net::SocketAddr),
) -> TSReturnCodeRaw {
    let Some(t) = txn_arg(who, txnp) else {
        return TS_ERROR;
    };
    // SAFETY: NULL or a sockaddr of the family it names (this function's contract).
    let Some(a) = (unsafe { super::addr::sockaddr_of(who, addr) }) else {
        crate::error!("{who}: NULL or non-IP address");
        return TS_ERROR;
    };
    set(&mut t.origin.lock(), a);
    t.origin_steered.store(true, Ordering::Release);
    TS_SUCCESS
}

/// The address the transaction goes to next (ATS's `current.server->dst_addr`): NULL before the
/// origin is found (before TS_HTTP_OS_DNS_HOOK) and for a NULL or dead transaction.
#[no_mangle]
pub extern "C" fn TSHttpTxnNextHopAddrGet(txnp: TSHttpTxn) -> *const libc::sockaddr {
    guard!(std::ptr::null(), || {
        let Some(t) = txn_arg(here!(), txnp) else {
            return std::ptr::null();
        };
        let mut o = t.origin.lock();
        let Some(a) = o.next_hop else {
            return std::ptr::null();
        };
        let v = o.views();
        v.next_hop = CSockAddr::new(a);
        v.next_hop.as_ptr()
    })
}

/// The name of the host the transaction goes to next (the request's host after remap and the
/// plugins, as the proxy resolved it), a NUL-terminated string owned by the transaction: NULL
/// before the origin is found (before TS_HTTP_OS_DNS_HOOK) and for a NULL or dead transaction.
#[no_mangle]
pub extern "C" fn TSHttpTxnNextHopNameGet(txnp: TSHttpTxn) -> *const c_char {
    guard!(std::ptr::null(), || {
        let Some(t) = txn_arg(here!(), txnp) else {
            return std::ptr::null();
        };
        if t.origin.lock().next_hop.is_none() {
            return std::ptr::null();
        }
        let host = t
            .headers
            .client_req
            .load_full()
            .map(|b| b.with(|h| h.host().map(<[u8]>::to_vec)))
            .unwrap_or_default()
            .unwrap_or_default();
        let name = CString::new(host).unwrap_or_default();
        let mut o = t.origin.lock();
        let v = o.views();
        if v.name != name {
            v.name = name;
        }
        v.name.as_ptr()
    })
}

/// The port the transaction goes to next (host order): -1 before the origin is found (before
/// TS_HTTP_OS_DNS_HOOK) and for a NULL or dead transaction.
#[no_mangle]
pub extern "C" fn TSHttpTxnNextHopPortGet(txnp: TSHttpTxn) -> c_int {
    guard!(-1, || {
        txn_arg(here!(), txnp)
            .and_then(|t| t.origin.lock().next_hop)
            .map_or(-1, |a| c_int::from(a.port()))
    })
}

/// The local address of the server connection (a `sockaddr` owned by the transaction): NULL
/// before the origin is reached (before TS_HTTP_SEND_REQUEST_HDR_HOOK) and for a NULL or dead
/// transaction.
#[no_mangle]
pub extern "C" fn TSHttpTxnOutgoingAddrGet(txnp: TSHttpTxn) -> *const libc::sockaddr {
    guard!(std::ptr::null(), || {
        let Some(t) = txn_arg(here!(), txnp) else {
            return std::ptr::null();
        };
        let mut o = t.origin.lock();
        let Some((Some(local), _)) = o.connected else {
            return std::ptr::null();
        };
        let v = o.views();
        v.outgoing = CSockAddr::new(local);
        v.outgoing.as_ptr()
    })
}

/// Bind the server connection to `addr` (its address, and its port unless 0): the transaction
/// then gets a connection of its own (not one kept alive from another). Set before the origin is
/// reached. TS_ERROR for a NULL or dead transaction or a NULL or non-IP address.
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnOutgoingAddrSet(
    txnp: TSHttpTxn,
    addr: *const libc::sockaddr,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        // SAFETY: `addr` is NULL or a sockaddr of the family it names (the function's contract).
        unsafe {
            steer(here!(), txnp, addr, |o, a| {
                o.steer().api_outgoing_addr = Some(a)
            })
        }
    })
}

/// How many transactions the server connection carried before this one (0 on a new connection;
/// more than 0 means it was reused), as ATS's `server_transact_count`: 0 before the origin is
/// reached and for a NULL or dead transaction.
#[no_mangle]
pub extern "C" fn TSHttpTxnServerSsnTransactionCount(txnp: TSHttpTxn) -> c_int {
    guard!(0, || {
        txn_arg(here!(), txnp)
            .and_then(|t| t.origin.lock().connected)
            .map_or(0, |(_, n)| n)
    })
}

/// Set the DSCP bits of the packets sent to the client (IP_TOS / IPV6_TCLASS = `dscp << 2`).
/// TS_ERROR for a NULL or dead transaction or a session without a socket (plugin-made); as ATS,
/// TS_SUCCESS even when the system refuses the option (noted in the debug log, tag `http`).
#[no_mangle]
pub extern "C" fn TSHttpTxnClientPacketDscpSet(txnp: TSHttpTxn, dscp: c_int) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || client_packets(
        here!(),
        txnp,
        Mark::Tos((dscp as u32) << 2)
    ))
}

/// Set the TOS byte of the packets sent to the client (IP_TOS / IPV6_TCLASS = `tos`). Same rules
/// as TSHttpTxnClientPacketDscpSet.
#[no_mangle]
pub extern "C" fn TSHttpTxnClientPacketTosSet(txnp: TSHttpTxn, tos: c_int) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || client_packets(
        here!(),
        txnp,
        Mark::Tos(tos as u32)
    ))
}

/// Set the firewall mark of the client connection (SO_MARK = `mark`; the system allows it only
/// with CAP_NET_ADMIN). Same rules as TSHttpTxnClientPacketDscpSet.
#[no_mangle]
pub extern "C" fn TSHttpTxnClientPacketMarkSet(txnp: TSHttpTxn, mark: c_int) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || client_packets(
        here!(),
        txnp,
        Mark::Mark(mark as u32)
    ))
}

/// Set the DSCP bits of the packets sent to the origin (IP_TOS / IPV6_TCLASS = `dscp << 2`), as
/// ATS: on the server connection the transaction holds now, and (the transaction's
/// TS_CONFIG_NET_SOCK_PACKET_TOS_OUT) on each one it reaches later. TS_SUCCESS, also when the
/// system refuses the option (noted in the debug log, tag `http`); TS_ERROR for a NULL or dead
/// transaction.
#[no_mangle]
pub extern "C" fn TSHttpTxnServerPacketDscpSet(txnp: TSHttpTxn, dscp: c_int) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || server_packets(
        here!(),
        txnp,
        Mark::Tos((dscp as u32) << 2)
    ))
}

/// Set the TOS byte of the packets sent to the origin (IP_TOS / IPV6_TCLASS = `tos`). Same rules
/// as TSHttpTxnServerPacketDscpSet.
#[no_mangle]
pub extern "C" fn TSHttpTxnServerPacketTosSet(txnp: TSHttpTxn, tos: c_int) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || server_packets(
        here!(),
        txnp,
        Mark::Tos(tos as u32)
    ))
}

/// Set the firewall mark of the server connection (SO_MARK = `mark`; the system allows it only
/// with CAP_NET_ADMIN; TS_CONFIG_NET_SOCK_PACKET_MARK_OUT for later ones). Same rules as
/// TSHttpTxnServerPacketDscpSet.
#[no_mangle]
pub extern "C" fn TSHttpTxnServerPacketMarkSet(txnp: TSHttpTxn, mark: c_int) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || server_packets(
        here!(),
        txnp,
        Mark::Mark(mark as u32)
    ))
}

#[derive(Clone, Copy)]
enum Mark {
    Tos(u32),
    Mark(u32),
}

fn client_packets(who: super::Here, txnp: TSHttpTxn, what: Mark) -> TSReturnCodeRaw {
    let Some(t) = txn_arg(who, txnp) else {
        return TS_ERROR;
    };
    let Some(c) = t.ssn.connection() else {
        return TS_ERROR;
    };
    if c.internal || c.fd < 0 {
        return TS_ERROR;
    }
    let v6 = c.local_addr.as_ref().is_some_and(|a| a.is_ipv6());
    // SAFETY: `c.fd` is the session's open client socket (the session is live while its
    // transaction is).
    unsafe { set_mark(who, c.fd, v6, what, "client") };
    TS_SUCCESS
}

fn server_packets(who: super::Here, txnp: TSHttpTxn, what: Mark) -> TSReturnCodeRaw {
    use crate::sys::types::TSOverridableConfigKey as K;
    let Some(t) = txn_arg(who, txnp) else {
        return TS_ERROR;
    };
    let fd = t.wire.server_fd.load(Ordering::Relaxed);
    if fd >= 0 {
        let v6 = t.origin.lock().layers.is_some_and(|(_, v6)| v6);
        // SAFETY: `fd` is the origin socket the transaction holds (it is set to -1 before the
        // transaction lets the connection go).
        unsafe { set_mark(who, fd, v6, what, "origin") };
    }
    let (key, v) = match what {
        Mark::Tos(v) => (K::TS_CONFIG_NET_SOCK_PACKET_TOS_OUT, v),
        Mark::Mark(v) => (K::TS_CONFIG_NET_SOCK_PACKET_MARK_OUT, v),
    };
    t.config_set(
        key as usize,
        crate::txn::config::Value::Int(i64::from(v as i32)),
    );
    TS_SUCCESS
}

/// setsockopt of the mark on `fd` (a refusal is noted in the debug log).
///
/// # Safety
/// `fd` is an open socket.
unsafe fn set_mark(who: super::Here, fd: c_int, v6: bool, what: Mark, side: &str) {
    let (level, name, value) = match what {
        Mark::Tos(v) if v6 => (libc::IPPROTO_IPV6, libc::IPV6_TCLASS, v),
        Mark::Tos(v) => (libc::IPPROTO_IP, libc::IP_TOS, v),
        Mark::Mark(v) => (libc::SOL_SOCKET, libc::SO_MARK, v),
    };
    let value = value as c_int;
    // SAFETY: `fd` is an open socket (this function's contract); the option value is a c_int of
    // the size given.
    let r = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&value as *const c_int).cast(),
            std::mem::size_of::<c_int>() as libc::socklen_t,
        )
    };
    if r != 0 {
        crate::debug!(
            "http",
            "{who}: setsockopt({level}, {name}, {value}) on the {side} socket: {}",
            std::io::Error::last_os_error()
        );
    }
}

/// The socket of the origin connection the transaction holds, in `*fdp`: TS_SUCCESS from the
/// moment the origin is reached (TS_HTTP_SEND_REQUEST_HDR_HOOK) until the response is sent;
/// TS_ERROR with `*fdp` = -1 before and after (at TS_HTTP_TXN_CLOSE_HOOK the connection is back
/// in the pool or closed, as ATS's), for an intercepted transaction (no socket), and for a NULL
/// or dead transaction or a NULL `fdp` (then nothing is written).
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnServerFdGet(txnp: TSHttpTxn, fdp: *mut c_int) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        if fdp.is_null() {
            crate::error!("{who}: NULL fdp");
            return TS_ERROR;
        }
        let fd = txn_arg(who, txnp).map_or(-1, |t| t.wire.server_fd.load(Ordering::Relaxed));
        // SAFETY: non-NULL: where the caller wants the descriptor.
        unsafe { *fdp = fd };
        if fd < 0 {
            TS_ERROR
        } else {
            TS_SUCCESS
        }
    })
}

/// The origin side's state (TSServerState), as ATS's `current.state`: TS_SRVSTATE_STATE_UNDEFINED
/// until the origin's response head is in, then TS_SRVSTATE_CONNECTION_ALIVE;
/// TS_SRVSTATE_CONNECTION_ERROR when the origin could not be reached (refused, its TLS handshake
/// failed, or the connect timed out); TS_SRVSTATE_INACTIVE_TIMEOUT when its response head did
/// not come in time; TS_SRVSTATE_PARSE_ERROR for a malformed one. UNDEFINED (0) for a NULL or
/// dead transaction.
#[no_mangle]
pub extern "C" fn TSHttpTxnServerStateGet(txnp: TSHttpTxn) -> TSServerStateRaw {
    guard!(0, || txn_arg(here!(), txnp)
        .map_or(0, |t| t.wire.server_state.load(Ordering::Relaxed)))
}

/// Up to `count` tags of the server connection's protocol stack, as ATS's
/// populate_server_protocol: the server request's HTTP version (`http/1.1`), then, once the
/// origin is reached, `tls/1.x` for a TLS origin, `tcp`, and `ipv4` or `ipv6` (pointer-equal to
/// the `TS_PROTO_TAG_*` variables). Nothing before the server request is made (before
/// TS_HTTP_SEND_REQUEST_HDR_HOOK). `*actual` (if non-NULL) = the number filled. TS_ERROR for a
/// NULL or dead transaction, or a NULL `result` with `count` > 0.
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnServerProtocolStackGet(
    txnp: TSHttpTxn,
    count: c_int,
    result: *mut *const c_char,
    actual: *mut c_int,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        let Some(t) = txn_arg(who, txnp) else {
            return TS_ERROR;
        };
        let mut stack: Vec<&'static CStr> = Vec::new();
        let version = t.headers.server_req.load_full().map(|r| {
            r.with(|h| {
                let (a, b) = h.version();
                (u32::from(a) << 16) | u32::from(b)
            })
        });
        if let Some(tag) = version.and_then(proto::http_version_tag) {
            stack.push(tag);
            if t.wire.server_fd.load(Ordering::Relaxed) >= 0 {
                if let Some((tls, v6)) = t.origin.lock().layers {
                    stack.extend(tls);
                    stack.push(proto::TCP);
                    stack.push(if v6 { proto::IPV6 } else { proto::IPV4 });
                }
            }
        }
        // SAFETY: the plugin passes `result` with room for `count` tags and `actual` NULL or
        // writable (the API's contract).
        unsafe { super::ssn::fill_stack(who, stack.into_iter(), count, result, actual) }
    })
}

/// The parent proxy TSHttpTxnParentProxySet gave (`*hostname`, owned by the transaction, and
/// `*port`), else NULL and -1 as ATS without parent proxying (tshost has no parent selection).
/// TS_ERROR for a NULL or dead transaction or a NULL pointer to write to.
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnParentProxyGet(
    txnp: TSHttpTxn,
    hostname: *mut *const c_char,
    port: *mut c_int,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        if hostname.is_null() || port.is_null() {
            crate::error!("{who}: NULL hostname or port pointer");
            return TS_ERROR;
        }
        let Some(t) = txn_arg(who, txnp) else {
            return TS_ERROR;
        };
        let o = t.origin.lock();
        let (h, p) = o
            .parent_proxy
            .as_ref()
            .map_or((std::ptr::null(), -1), |(h, p)| (h.as_ptr(), *p));
        // SAFETY: both non-NULL: where the caller wants the values. The name lives in the
        // transaction (replaced only by another Set, as ATS's arena copy).
        unsafe {
            *hostname = h;
            *port = p;
        }
        TS_SUCCESS
    })
}

/// Keep `hostname` (copied) and `port` as the transaction's parent proxy, read back by
/// TSHttpTxnParentProxyGet. tshost has no parent selection: the request still goes to the origin
/// (said once in the log, as a NOTE). Ignored (logged) for a NULL or dead transaction, a NULL
/// hostname or a port not above 0 (ATS asserts these).
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnParentProxySet(
    txnp: TSHttpTxn,
    hostname: *const c_char,
    port: c_int,
) {
    guard!((), || {
        let who = here!();
        if hostname.is_null() || port <= 0 {
            crate::error!("{who}: NULL hostname or port {port} not above 0");
            return;
        }
        let Some(t) = txn_arg(who, txnp) else {
            return;
        };
        // SAFETY: non-NULL, a NUL-terminated string (the function's contract).
        let name = unsafe { CStr::from_ptr(hostname) }.to_owned();
        static SAID: std::sync::Once = std::sync::Once::new();
        SAID.call_once(|| {
            crate::note!(
                "{who}: tshost has no parent selection; the parent proxy is kept for \
                 TSHttpTxnParentProxyGet only, requests go to the origin"
            )
        });
        t.origin.lock().parent_proxy = Some((name, port));
    })
}

/// Set a transaction control (TSHttpCntlType). tshost acts on TS_HTTP_CNTL_SKIP_REMAPPING (set by
/// the end of TS_HTTP_READ_REQUEST_HDR_HOOK, the request skips PRE_REMAP, remap and POST_REMAP and
/// goes to the host it names, as ATS); the others are stored and read back (tshost has no cache,
/// no transaction log yet and no per-transaction debug). TS_ERROR for a NULL or dead transaction
/// or an unknown control.
#[no_mangle]
pub extern "C" fn TSHttpTxnCntlSet(
    txnp: TSHttpTxn,
    ctrl: TSHttpCntlTypeRaw,
    data: bool,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        let Some(t) = txn_arg(who, txnp) else {
            return TS_ERROR;
        };
        if ctrl < 0 || !t.cntl.set(ctrl as u32, data) {
            crate::error!("{who}: unknown TSHttpCntlType {ctrl}");
            return TS_ERROR;
        }
        TS_SUCCESS
    })
}

/// A transaction control (TSHttpCntlType) as set (TS_HTTP_CNTL_LOGGING_MODE starts true, the
/// others false); false for a NULL or dead transaction or an unknown control.
#[no_mangle]
pub extern "C" fn TSHttpTxnCntlGet(txnp: TSHttpTxn, ctrl: TSHttpCntlTypeRaw) -> bool {
    guard!(false, || {
        let who = here!();
        let Some(t) = txn_arg(who, txnp) else {
            return false;
        };
        if ctrl < 0 || ctrl as u32 >= cntl::COUNT {
            crate::error!("{who}: unknown TSHttpCntlType {ctrl}");
            return false;
        }
        t.cntl.get(ctrl as u32)
    })
}

/// Send the request to `url` (`url_len` bytes; an absolute URL, or a path on the same origin)
/// once the origin's response head is in: called by TS_HTTP_READ_RESPONSE_HDR_HOOK, the origin's
/// response is dropped and the request goes to `url` (OS_DNS, SEND_REQUEST_HDR and
/// READ_RESPONSE_HDR run again; the client gets the new origin's response), as ATS's redirect
/// following. As in ATS the plugin gives up `url`, which must come from TSmalloc/TSstrdup: tshost
/// frees it. A request with a body is not sent again (its body is not kept): its response goes
/// to the client as it is. Ignored (with a logged error) for a NULL or dead transaction, a NULL
/// `url` or a negative length.
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnRedirectUrlSet(
    txnp: TSHttpTxn,
    url: *const c_char,
    url_len: c_int,
) {
    guard!((), || {
        let who = here!();
        if url.is_null() || url_len < 0 {
            crate::error!("{who}: NULL url or negative length");
            return;
        }
        // SAFETY: `url` has `url_len` readable bytes (the function's contract).
        let bytes =
            unsafe { std::slice::from_raw_parts(url.cast::<u8>(), url_len as usize) }.to_vec();
        // SAFETY: ownership passes to tshost (ATS frees it with ats_free): a TSmalloc'd pointer,
        // not used by the plugin again.
        unsafe { libc::free(url as *mut libc::c_void) };
        let Some(t) = txn_arg(who, txnp) else {
            return;
        };
        {
            let mut o = t.origin.lock();
            let s = o.steer();
            s.redirect_url = Some(bytes);
            s.redirect_tries = 0;
        }
        t.origin_steered.store(true, Ordering::Release);
    })
}

/// The URL TSHttpTxnRedirectUrlSet set, not yet followed (`*url_len_ptr` = its length; not
/// NUL-terminated), or NULL (length 0) when none is pending or for a NULL or dead transaction.
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnRedirectUrlGet(
    txnp: TSHttpTxn,
    url_len_ptr: *mut c_int,
) -> *const c_char {
    guard!(std::ptr::null(), || {
        let (p, len) = txn_arg(here!(), txnp)
            .and_then(|t| {
                let o = t.origin.lock();
                o.steered()
                    .and_then(|s| s.redirect_url.as_ref())
                    .map(|u| (u.as_ptr().cast::<c_char>(), u.len() as c_int))
            })
            .unwrap_or((std::ptr::null(), 0));
        if !url_len_ptr.is_null() {
            // SAFETY: non-NULL: where the caller wants the length.
            unsafe { *url_len_ptr = len };
        }
        p
    })
}

/// How many redirects the transaction has followed (0 before any; TSHttpTxnRedirectUrlSet resets
/// it, as ATS); 0 for a NULL or dead transaction.
#[no_mangle]
pub extern "C" fn TSHttpTxnRedirectRetries(txnp: TSHttpTxn) -> c_int {
    guard!(0, || {
        txn_arg(here!(), txnp).map_or(0, |t| {
            t.origin.lock().steered().map_or(0, |s| s.redirect_tries)
        })
    })
}

/// Take the transaction over as its origin: where it would connect to the origin (after the
/// hooks up to CACHE_LOOKUP_COMPLETE; no DNS, no TLS), `contp` gets TS_EVENT_NET_ACCEPT with a
/// TSVConn to read the server request from and write a raw HTTP/1 response to. Call it from
/// READ_REQUEST_HDR (ATS's rule). A bad continuation or transaction is logged and ignored.
#[no_mangle]
pub extern "C" fn TSHttpTxnIntercept(contp: TSCont, txnp: TSHttpTxn) {
    guard!((), || intercept(here!(), contp, txnp))
}

/// As TSHttpTxnIntercept, callable until the origin connection is made; tshost has no cache, so
/// the two behave alike (the response is not stored).
#[no_mangle]
pub extern "C" fn TSHttpTxnServerIntercept(contp: TSCont, txnp: TSHttpTxn) {
    guard!((), || intercept(here!(), contp, txnp))
}

fn intercept(who: crate::api::Here, contp: TSCont, txnp: TSHttpTxn) {
    let Some(c) = super::cont::cont_arg(who, contp) else {
        return;
    };
    if let Some(t) = txn_arg(who, txnp) {
        t.intercept.store(c.handle, Ordering::Release);
    }
}
