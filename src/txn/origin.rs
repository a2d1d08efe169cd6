//! What a transaction knows of its origin side, as plugins read and steer it
//! (TSHttpTxnServerAddrGet/Set, TSHttpTxnOutgoingAddrGet/Set, TSHttpTxnNextHop*,
//! TSHttpTxnServerSsnTransactionCount), and the transaction controls of TSHttpTxnCntlSet.
//!
//! The proxy records two things per transaction (the origin's address once it is found, then the
//! server connection's local address and use count once it is reached): one uncontended lock
//! each. The C views (`sockaddr`s whose pointers a plugin keeps for the transaction's life) are
//! made only when a plugin asks.
#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicI32, AtomicI64, AtomicU8, Ordering};

use crate::rt::sockaddr::CSockAddr;

/// The origin side of one transaction.
#[derive(Default)]
pub struct OriginSide {
    /// The address the request goes to, from OS_DNS on (ATS's `current.server->dst_addr`).
    pub next_hop: Option<SocketAddr>,
    /// Once the server connection is reached: its local address and how many transactions it
    /// carried before this one (ATS's `server_transact_count`: 0 on a new connection).
    pub connected: Option<(Option<SocketAddr>, i32)>,
    /// What plugins set (made at the first setter: a transaction nobody steers carries a NULL).
    pub steer: Option<Box<Steer>>,
    /// The C views handed out (made at the first call that needs one; their addresses stay for
    /// the transaction's life, their contents follow the transaction).
    pub views: Option<Box<CViews>>,
    /// What its TLS connection to the origin sent when asked for a certificate (ATS's
    /// `server_connection_provided_cert`, the access log's `pscert`); None: no TLS origin.
    pub sent_cert: Option<std::sync::Arc<std::sync::atomic::AtomicU8>>,
    /// The server connection's protocol layers below HTTP (TSHttpTxnServerProtocolStackGet):
    /// its TLS tag (None: TCP) and whether it is IPv6; None before it is reached.
    pub layers: Option<(Option<&'static std::ffi::CStr>, bool)>,
    /// TSHttpTxnParentProxySet's host and port (tshost has no parent selection: kept and read
    /// back only).
    pub parent_proxy: Option<(std::ffi::CString, i32)>,
}

/// The origin side as plugins set it.
#[derive(Default)]
pub struct Steer {
    /// TSHttpTxnServerAddrSet: the origin address to use instead of resolving the host.
    pub api_server_addr: Option<SocketAddr>,
    /// TSHttpTxnOutgoingAddrSet: the local address to bind the server connection to.
    pub api_outgoing_addr: Option<SocketAddr>,
    /// TSHttpTxnRedirectUrlSet: the URL to send the request to once the origin's response head
    /// is in (followed before SEND_RESPONSE_HDR, as ATS's do_redirect).
    pub redirect_url: Option<Vec<u8>>,
    /// Redirects followed so far (TSHttpTxnRedirectRetries).
    pub redirect_tries: i32,
}

/// `sockaddr`s and the name handed to C.
#[derive(Default)]
pub struct CViews {
    /// TSHttpTxnServerAddrGet: all zero (AF_UNSPEC) until the origin is known, as ATS's
    /// `server_info.dst_addr`.
    pub server: CSockAddr,
    /// TSHttpTxnNextHopAddrGet.
    pub next_hop: CSockAddr,
    /// TSHttpTxnOutgoingAddrGet.
    pub outgoing: CSockAddr,
    /// TSHttpTxnNextHopNameGet.
    pub name: std::ffi::CString,
}

impl OriginSide {
    /// The C views, made on first use.
    pub fn views(&mut self) -> &mut CViews {
        self.views.get_or_insert_with(Box::default)
    }

    /// What plugins set, made on first use.
    pub fn steer(&mut self) -> &mut Steer {
        self.steer.get_or_insert_with(Box::default)
    }

    /// What plugins set, if they set anything.
    pub fn steered(&self) -> Option<&Steer> {
        self.steer.as_deref()
    }
}

/// ATS's `HttpTransact::ServerState_t` (TSServerState): the origin side's `current.state`.
pub mod server_state {
    pub const UNDEFINED: i32 = 0;
    pub const CONNECTION_ALIVE: i32 = 3;
    pub const CONNECTION_ERROR: i32 = 5;
    pub const INACTIVE_TIMEOUT: i32 = 6;
    pub const PARSE_ERROR: i32 = 8;
}

/// What the proxy counted of a transaction's connections, as ATS's HttpSM keeps it: each a plain
/// store at a point the request path passes anyway (no work per byte).
pub struct Wire {
    /// The client request head's bytes as read (ATS's `client_request_hdr_bytes`).
    pub client_req_hdr: AtomicI64,
    /// The client request body's bytes read (`client_request_body_bytes`).
    pub client_req_body: AtomicI64,
    /// The server request head's bytes as written (`server_request_hdr_bytes`).
    pub server_req_hdr: AtomicI64,
    /// The request body bytes written to the origin (`server_request_body_bytes`).
    pub server_req_body: AtomicI64,
    /// The origin response head's bytes as read (`server_response_hdr_bytes`).
    pub server_resp_hdr: AtomicI64,
    /// The origin response body's bytes read (`server_response_body_bytes`: the payload), at the
    /// response's end.
    pub server_resp_body: AtomicI64,
    /// The client response head's bytes as written, HTTP/1 text (`client_response_hdr_bytes`).
    pub client_resp_hdr: AtomicI64,
    /// The client response body's bytes written (`client_response_body_bytes`: the payload), at
    /// the response's end.
    pub client_resp_body: AtomicI64,
    /// The client's incoming (local) port as the transaction sees it, set by
    /// TSHttpTxnClientIncomingPortSet (ATS's `client_info.dst_addr` port); -1: the connection's.
    pub incoming_port: AtomicI32,
    /// The origin connection's socket while the transaction holds it (TSHttpTxnServerFdGet);
    /// -1: none.
    pub server_fd: AtomicI32,
    /// The origin side's state ([`server_state`]; TSHttpTxnServerStateGet).
    pub server_state: AtomicI32,
}

impl Default for Wire {
    fn default() -> Self {
        Wire {
            client_req_hdr: AtomicI64::new(0),
            client_req_body: AtomicI64::new(0),
            server_req_hdr: AtomicI64::new(0),
            server_req_body: AtomicI64::new(0),
            server_resp_hdr: AtomicI64::new(0),
            server_resp_body: AtomicI64::new(0),
            client_resp_hdr: AtomicI64::new(0),
            client_resp_body: AtomicI64::new(0),
            incoming_port: AtomicI32::new(-1),
            server_fd: AtomicI32::new(-1),
            server_state: AtomicI32::new(server_state::UNDEFINED),
        }
    }
}

impl Wire {
    /// What one exchange with the origin counted: the client body read so far, the server
    /// request's head and body written, the origin response's head read.
    #[inline]
    pub fn exchanged(&self, client_body: u64, server_hdr: u64, server_body: u64, resp_hdr: u64) {
        self.server_resp_hdr
            .store(resp_hdr as i64, Ordering::Relaxed);
        self.client_req_body
            .store(client_body as i64, Ordering::Relaxed);
        self.server_req_hdr
            .store(server_hdr as i64, Ordering::Relaxed);
        self.server_req_body
            .store(server_body as i64, Ordering::Relaxed);
    }

    /// The origin side's state is now `s` ([`server_state`]).
    #[inline]
    pub fn state(&self, s: i32) {
        self.server_state.store(s, Ordering::Relaxed);
    }
}

/// TSHttpCntlType values (ATS 9.2's apidefs.h), as bits of [`Controls`].
pub mod cntl {
    pub const LOGGING_MODE: u32 = 0;
    pub const INTERCEPT_RETRY_MODE: u32 = 1;
    pub const RESPONSE_CACHEABLE: u32 = 2;
    pub const REQUEST_CACHEABLE: u32 = 3;
    pub const SERVER_NO_STORE: u32 = 4;
    pub const TXN_DEBUG: u32 = 5;
    pub const SKIP_REMAPPING: u32 = 6;
    /// One past the last.
    pub const COUNT: u32 = 7;
}

/// The TSHttpTxnCntlSet switches of a transaction, with ATS's initial values (logging on, the
/// rest off).
pub struct Controls(AtomicU8);

impl Default for Controls {
    fn default() -> Self {
        Controls(AtomicU8::new(1 << cntl::LOGGING_MODE))
    }
}

impl Controls {
    /// The switch `which` (a [`cntl`] value below [`cntl::COUNT`]).
    #[inline]
    pub fn get(&self, which: u32) -> bool {
        which < cntl::COUNT && self.0.load(Ordering::Acquire) & (1 << which) != 0
    }

    /// Set or clear the switch `which`; false for an unknown switch.
    pub fn set(&self, which: u32, on: bool) -> bool {
        if which >= cntl::COUNT {
            return false;
        }
        if on {
            self.0.fetch_or(1 << which, Ordering::AcqRel);
        } else {
            self.0.fetch_and(!(1 << which), Ordering::AcqRel);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_start_as_ats_and_refuse_unknown_switches() {
        let c = Controls::default();
        assert!(c.get(cntl::LOGGING_MODE));
        assert!(!c.get(cntl::SKIP_REMAPPING));
        assert!(c.set(cntl::SKIP_REMAPPING, true));
        assert!(c.get(cntl::SKIP_REMAPPING));
        assert!(c.set(cntl::LOGGING_MODE, false));
        assert!(!c.get(cntl::LOGGING_MODE));
        assert!(!c.set(cntl::COUNT, true));
        assert!(!c.get(cntl::COUNT));
    }
}
