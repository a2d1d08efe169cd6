//! The proxy's settings for the transaction machine's driver (records.config and remap.config),
//! the proxy object the driver runs with, and how a transaction ended.
#![forbid(unsafe_code)]

use std::time::Duration;

use super::remap_state::RemapState;
use crate::proxy::origin::OriginPool;
use crate::proxy::origin_io::OriginTls;

/// Settings the state machine needs (from records.config and remap.config).
pub struct SmConfig {
    /// remap.config's rules and their remap plugins: replaced whole by a reload; a transaction
    /// keeps the one it started remap with.
    pub remap: arc_swap::ArcSwap<RemapState>,
    pub remap_required: bool,
    pub request_header_max: usize,
    pub response_header_max: usize,
    /// Longest request line (proxy.config.http.request_line_max_size).
    pub request_line_max: usize,
    /// Longest request header field line (proxy.config.http.header_field_max_size).
    pub header_field_max: usize,
    /// transaction_no_activity_timeout_in: the longest wait for the client (a request head, a
    /// read of its body, a write of its response).
    pub client_request_timeout: Duration,
    /// transaction_active_timeout_in: the longest a transaction may take (0: no limit).
    pub client_active_timeout: Duration,
    /// send_100_continue_response: tshost answers `Expect: 100-continue` itself (and does not
    /// forward it); else (ATS's default) the origin's answer is relayed.
    pub send_100_continue: bool,
    /// ssl.client.scheme_proto_mismatch_policy: a request whose URL says `http` over TLS, or
    /// `https` in the clear: 0 let through, 1 logged, 2 (ATS's default) logged and refused (400).
    pub scheme_mismatch_policy: i64,
    pub origin_connect_timeout: Duration,
    /// proxy.config.http.connect_ports: where a blind tunnel may go.
    pub connect_ports: crate::config::connect_ports::ConnectPorts,
    pub origin_response_timeout: Duration,
    pub pristine_host: bool,
    pub insert_xff: bool,
    /// keep_alive_enabled_in / _out: client connections and origin connections kept alive.
    pub keep_alive_in: bool,
    pub keep_alive_out: bool,
    /// proxy.config.http.keepalive_internal_vc: an internal session's (TSHttpConnect) client
    /// may keep its connection; ATS's default 0: every response to one closes it
    /// (HttpTransact::initialize_state_variables_from_request).
    pub keepalive_internal_vc: bool,
    /// proxy.config.http.request_buffer_enabled: request bodies read whole before the origin is
    /// asked (`super::buffer`); a transaction's own setting wins.
    pub request_buffer: bool,
    /// insert_age_in_response: the client response gets an Age ([`super::stamp`]).
    pub insert_age: bool,
    /// response_server_enabled (0 no Server field, 1 set, 2 only where the origin gave none)
    /// and response_server_str ([`super::stamp`]).
    pub response_server: i64,
    pub response_server_str: crate::hdrs::text::HStr,
    /// insert_request_via_str: the server request gets tshost's Via ([`super::overrides::DEFAULT_VIA`]).
    pub insert_via: bool,
    /// proxy.config.http.redirect.actions: whether a redirect is followed, by the new origin's
    /// address class.
    pub redirect_actions: crate::config::redirect::RedirectActions,
    /// How origins' certificates are checked (proxy.config.ssl.client.verify.server.*): replaced
    /// whole by a records.config reload.
    pub origin_tls: arc_swap::ArcSwap<OriginTls>,
}

pub struct Proxy {
    pub config: SmConfig,
    pub pool: OriginPool,
    /// Stopping (SIGTERM): every response says `Connection: close` (ATS's draining state,
    /// HttpTransact::build_response).
    pub draining: std::sync::atomic::AtomicBool,
}

/// How the transaction ended, for the session.
pub struct Done {
    /// The client connection can carry another request.
    pub keep_alive: bool,
}
