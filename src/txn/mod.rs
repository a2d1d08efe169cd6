//! Client sessions and transactions (ATS's ProxySession / ProxyTransaction) as plugins see them,
//! with their handle pools, and the transaction machine without I/O ([`machine`]) that the proxy
//! and the harness both drive.
#![deny(unsafe_code)]

pub mod config;
mod error_body;
pub mod machine;
pub mod milestones;
pub mod origin;

pub use error_body::ErrorBody;

use std::ffi::CStr;
use std::future::poll_fn;
use std::net::SocketAddr;
use std::os::fd::RawFd;
use std::os::raw::c_void;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicI64, AtomicPtr, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Poll, Waker};

use parking_lot::Mutex;
use socket2::SockAddr;

use crate::hooks::dispatch::{Gate, HookScope};
use crate::hooks::HookList;
use crate::rt::pool::Pool;

/// Session (connection) ids: one process-wide counter from 0, as ATS's.
static NEXT_SSN_ID: AtomicI64 = AtomicI64::new(0);
/// Transaction ids: one process-wide counter from 0.
static NEXT_TXN_ID: AtomicU64 = AtomicU64::new(0);

pub const SSN_ARGS: usize = 8;
pub const TXN_ARGS: usize = 16;

pub struct Session {
    /// The TSHttpSsn handle given to C.
    pub handle: usize,
    pub id: i64,
    pub hooks: HookList,
    pub gate: Arc<Gate>,
    pub args: [AtomicPtr<c_void>; SSN_ARGS],
    /// Transactions started (TSHttpSsnTransactionCount).
    pub txn_count: AtomicI32,
    /// Live transactions and the tasks waiting for them to end; `closing` once close began.
    live: Mutex<Live>,
    pub client: ClientInfo,
    /// The client connection is gone (HTTP/1 at SSN_CLOSE): no address, no fd.
    detached: AtomicBool,
    /// An HTTP/2 session's server push state (TSHttpTxnServerPush), set by the HTTP/2 driver
    /// (which alone knows its type); unset for HTTP/1.
    pub h2_push: std::sync::OnceLock<Arc<dyn std::any::Any + Send + Sync>>,
}

/// What a session knows of its client connection.
pub struct ClientInfo {
    pub client_addr: Option<SockAddr>,
    pub local_addr: Option<SockAddr>,
    /// The client socket (-1 if none).
    pub fd: RawFd,
    /// Protocol stack, outermost application protocol first (canonical tags).
    pub stack: Vec<&'static CStr>,
    /// Created by a plugin (TSHttpConnect), not a real client.
    pub internal: bool,
    /// TSHttpConnectWithPluginId's tag and id (TSHttpTxnPluginTagGet, TSHttpTxnPluginIdGet).
    pub plugin_tag: Option<std::ffi::CString>,
    pub plugin_id: i64,
    /// The client's IP address as text (X-Forwarded-For), made once per session.
    pub client_ip: Option<Box<[u8]>>,
    /// The connection as plugins know it (TSHttpSsnClientVConnGet): a TLS connection's from its
    /// accept; a plain one's made when first asked for.
    pub vconn: std::sync::OnceLock<Arc<crate::vconn::VConn>>,
    /// A TLS connection, and the server name its ClientHello gave (lowercase), if any.
    pub tls: bool,
    pub sni: Option<Box<str>>,
    /// The TLS client sent a certificate (ATS's client_provided_certificate).
    pub peer_cert: bool,
}

impl ClientInfo {
    pub fn new(
        client: Option<SocketAddr>,
        local: Option<SocketAddr>,
        fd: RawFd,
        stack: Vec<&'static CStr>,
    ) -> Self {
        ClientInfo {
            client_addr: client.map(SockAddr::from),
            local_addr: local.map(SockAddr::from),
            fd,
            stack,
            internal: false,
            plugin_tag: None,
            plugin_id: 0,
            client_ip: client.map(|a| a.ip().to_string().into_bytes().into_boxed_slice()),
            vconn: std::sync::OnceLock::new(),
            tls: false,
            sni: None,
            peer_cert: false,
        }
    }

    /// The same, for a connection plugins already know (a TLS connection, from its accept).
    pub fn with_vconn(mut self, vc: Arc<crate::vconn::VConn>) -> Self {
        self.vconn = std::sync::OnceLock::from(vc);
        self
    }

    /// TSHttpSsnClientVConnGet: the connection's handle, made now for a plain connection.
    pub fn vconn(&self) -> &Arc<crate::vconn::VConn> {
        self.vconn.get_or_init(|| {
            crate::vconn::VConn::create(
                self.client_addr.clone(),
                self.local_addr.clone(),
                self.fd,
                false,
                0,
            )
        })
    }

    /// Whether the TLS client sent a certificate.
    pub fn with_peer_cert(mut self, sent: bool) -> Self {
        self.peer_cert = sent;
        self
    }

    /// The same, for a TLS connection with this SNI.
    pub fn with_tls(mut self, sni: Option<&str>) -> Self {
        self.tls = true;
        self.sni = sni.map(|s| s.to_ascii_lowercase().into_boxed_str());
        self
    }
}

impl Session {
    pub fn create(client: ClientInfo) -> Arc<Session> {
        let id = NEXT_SSN_ID.fetch_add(1, Ordering::Relaxed);
        SSNS.insert(|handle| Session {
            handle,
            id,
            hooks: HookList::default(),
            gate: Arc::new(Gate::default()),
            args: Default::default(),
            txn_count: AtomicI32::new(0),
            live: Mutex::new(Live::default()),
            client,
            detached: AtomicBool::new(false),
            h2_push: std::sync::OnceLock::new(),
        })
        .1
    }

    /// The client connection went away; address and fd queries fail from now on (as ATS's at an
    /// HTTP/1 SSN_CLOSE).
    pub fn detach(&self) {
        self.detached.store(true, Ordering::Release);
    }

    /// The client connection, unless detached.
    pub fn connection(&self) -> Option<&ClientInfo> {
        (!self.detached.load(Ordering::Acquire)).then_some(&self.client)
    }

    /// Begin closing: no transaction starts any more; completes when every transaction of the
    /// session has been freed (after its TXN_CLOSE).
    pub async fn close_transactions(&self) {
        self.live.lock().closing = true;
        poll_fn(|cx| {
            let mut l = self.live.lock();
            if l.count == 0 {
                Poll::Ready(())
            } else {
                l.waiters.push(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }

    /// The handle stops resolving (after SSN_CLOSE); so does a plain connection's TSVConn (a TLS
    /// connection's lives until the connection closes, for TS_VCONN_CLOSE_HOOK).
    pub fn free(&self) {
        if let Some(vc) = self.client.vconn.get().filter(|vc| !vc.tls) {
            vc.close(None);
        }
        SSNS.release(self.handle);
    }
}

#[derive(Default)]
struct Live {
    count: usize,
    closing: bool,
    waiters: Vec<Waker>,
}

pub struct Txn {
    /// The TSHttpTxn handle given to C.
    pub handle: usize,
    pub id: u64,
    pub ssn: Arc<Session>,
    pub hooks: HookList,
    pub gate: Arc<Gate>,
    pub args: [AtomicPtr<c_void>; TXN_ARGS],
    /// TSHttpTxnStatusSet.
    pub status: AtomicI32,
    /// When it reached each point of its life (TSHttpTxnMilestoneGet).
    pub milestones: milestones::Milestones,
    /// TSHttpTxnErrorBodySet: the body (and type) of a response tshost generates.
    pub error_body: Mutex<Option<ErrorBody>>,
    /// The overridable configurations a plugin set for this transaction (TSHttpTxnConfig*Set).
    pub config: Mutex<Option<Box<config::TxnConfig>>>,
    /// A plugin set one (so the request path reads `config` only then).
    pub has_config: AtomicBool,
    /// The client request's URL before remap (kept when a plugin is loaded), and the TSMLoc
    /// TSHttpTxnPristineUrlGet made of it in the client request's heap (0: none yet).
    pub pristine_url: Mutex<Option<Box<crate::hdrs::url::Url>>>,
    /// Timeouts a plugin set for this transaction's origin side, in ms (-1: not set), by
    /// [`ApiTimeout`]: TSHttpTxnActiveTimeoutSet & co.
    pub api_timeouts: [AtomicI32; 4],
    pub pristine_loc: std::sync::atomic::AtomicUsize,
    /// Where a remap plugin redirected the request (its `rri->redirect`): the Location of the
    /// redirect tshost answers with.
    pub redirect_to: Mutex<Option<Vec<u8>>>,
    /// A remap.config ACL filter denied the request: its 403 says `Access Denied`, as ATS's.
    pub access_denied: AtomicBool,
    /// TSHttpTxnIntercept / TSHttpTxnServerIntercept: the continuation that answers as the origin
    /// (its TSCont handle; 0: none).
    pub intercept: std::sync::atomic::AtomicUsize,
    /// The origin could not be reached (refused, or its TLS handshake failed): its 502's page says
    /// `Could Not Connect`, as ATS's connect#failed_connect.
    pub connect_failed: AtomicBool,
    /// The client went away before the response was complete (TSHttpTxnAborted).
    pub aborted: AtomicBool,
    /// HTTP version of the client request (`major << 16 | minor`); 0 until the request header is
    /// parsed, which reads as HTTP/1.0 as in ATS (TSHttpTxnClientProtocolStackGet).
    pub request_version: std::sync::atomic::AtomicU32,
    /// The transaction's headers (TSHttpTxnClientReqGet & co), each set when ATS has it.
    pub headers: crate::hdrs::TxnHeaders,
    /// The cache key URL a plugin set (TSCacheUrlSet, TSHttpTxnCacheLookupUrlSet). tshost has no
    /// cache: it is kept for TSHttpTxnCacheLookupUrlGet only.
    pub cache_lookup_url: Mutex<Option<Box<crate::hdrs::url::Url>>>,
    /// The parent selection URL a plugin set (TSHttpTxnParentSelectionUrlSet); kept for
    /// TSHttpTxnParentSelectionUrlGet only (tshost has no parents).
    pub parent_selection_url: Mutex<Option<Box<crate::hdrs::url::Url>>>,
    /// The cache lookup's result as TSHttpTxnCacheLookupStatusGet reports it: -1 before the
    /// CACHE_LOOKUP_COMPLETE point (ATS's CACHE_LOOKUP_NONE), then TS_CACHE_LOOKUP_SKIPPED (3),
    /// or what a plugin set (TSHttpTxnCacheLookupStatusSet).
    pub cache_lookup_status: AtomicI32,
    /// Its origin side as plugins read and steer it (TSHttpTxnServerAddrGet & co).
    pub origin: Mutex<origin::OriginSide>,
    /// TSHttpTxnServerAddrSet, TSHttpTxnOutgoingAddrSet or TSHttpTxnRedirectUrlSet was called (so
    /// the request path reads `origin` only then).
    pub origin_steered: AtomicBool,
    /// TSHttpTxnCntlSet's switches.
    pub cntl: origin::Controls,
    /// The FROM and TO URLs (TSMLocs of the heap held) of the remap rule the request matched
    /// (TSRemapFromUrlGet/ToUrlGet; kept when a plugin is loaded).
    pub remap_urls: Mutex<Option<(Arc<crate::hdrs::MBuffer>, usize, usize)>>,
    /// Transactions of its session started before it (0: the first; ATS's client_tcp_reused).
    pub nth: i32,
    /// Byte counts, the origin socket and state (TSHttpTxn*BytesGet, TSHttpTxnServerFdGet & co).
    pub wire: origin::Wire,
    /// Its mutex, made when a plugin asks for it (TSContMutexGet on the transaction).
    pub mutex: crate::mutex::LazyMutex,
}

/// [`Txn::cache_lookup_status`] before the cache lookup point.
pub const CACHE_LOOKUP_NONE: i32 = -1;
/// TS_CACHE_LOOKUP_SKIPPED: tshost has no cache, so the lookup is skipped (as ATS with
/// `proxy.config.http.cache.http 0`).
pub const CACHE_LOOKUP_SKIPPED: i32 = 3;

impl Txn {
    /// The transaction reached CACHE_LOOKUP_COMPLETE without a cache: as ATS's DecideCacheLookup
    /// when the request is not cache-lookupable, the result is SKIPPED (whatever was set before).
    pub fn cache_lookup_skipped(&self) {
        self.cache_lookup_status
            .store(CACHE_LOOKUP_SKIPPED, Ordering::Release);
    }

    /// The timeout a plugin set for this transaction, if it set one (a positive number of ms).
    #[inline]
    pub fn api_timeout(&self, which: ApiTimeout) -> Option<std::time::Duration> {
        let ms = self.api_timeouts[which as usize].load(Ordering::Acquire);
        (ms > 0).then(|| std::time::Duration::from_millis(ms as u64))
    }

    /// The integer value a plugin set for this transaction's overridable configuration `key`
    /// (TSHttpTxnConfigIntSet), if any: one load when none was set.
    #[inline]
    pub fn config_int(&self, key: usize) -> Option<i64> {
        if !self.has_config.load(Ordering::Acquire) {
            return None;
        }
        match self.config.lock().as_ref()?.get(key)? {
            config::Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The string a plugin set for this transaction's overridable configuration `key`
    /// (TSHttpTxnConfigStringSet, conf_remap), if any: one load when none was set.
    pub fn config_str(&self, key: usize) -> Option<String> {
        if !self.has_config.load(Ordering::Acquire) {
            return None;
        }
        match self.config.lock().as_ref()?.get(key)? {
            config::Value::Str(s) => Some(String::from_utf8_lossy(s).into_owned()),
            _ => None,
        }
    }

    /// Set `key` for this transaction only (TSHttpTxnConfig*Set).
    pub fn config_set(&self, key: usize, v: config::Value) {
        self.config
            .lock()
            .get_or_insert_with(Box::default)
            .set(key, v);
        self.has_config.store(true, Ordering::Release);
    }

    /// The origin could not be reached: its 502's page says `Could Not Connect`, and the origin
    /// side is CONNECTION_ERROR (TSHttpTxnServerStateGet).
    pub fn failed_connect(&self) {
        self.connect_failed.store(true, Ordering::Release);
        self.wire.state(origin::server_state::CONNECTION_ERROR);
    }

    /// A new transaction of `ssn` (counted before TXN_START, as ATS); None once the session is
    /// closing.
    pub fn create(ssn: &Arc<Session>) -> Option<Arc<Txn>> {
        {
            let mut l = ssn.live.lock();
            if l.closing {
                return None;
            }
            l.count += 1;
        }
        let nth = ssn.txn_count.fetch_add(1, Ordering::AcqRel);
        let id = NEXT_TXN_ID.fetch_add(1, Ordering::Relaxed);
        let txn = TXNS
            .insert(|handle| Txn {
                handle,
                id,
                ssn: ssn.clone(),
                hooks: HookList::default(),
                gate: Arc::new(Gate::default()),
                args: Default::default(),
                status: AtomicI32::new(0),
                milestones: Default::default(),
                redirect_to: Mutex::new(None),
                access_denied: AtomicBool::new(false),
                intercept: std::sync::atomic::AtomicUsize::new(0),
                connect_failed: AtomicBool::new(false),
                config: Mutex::new(None),
                has_config: AtomicBool::new(false),
                pristine_url: Mutex::new(None),
                api_timeouts: [const { AtomicI32::new(-1) }; 4],
                pristine_loc: std::sync::atomic::AtomicUsize::new(0),
                error_body: Mutex::new(None),
                aborted: AtomicBool::new(false),
                request_version: std::sync::atomic::AtomicU32::new(0),
                headers: crate::hdrs::TxnHeaders::default(),
                cache_lookup_url: Mutex::new(None),
                parent_selection_url: Mutex::new(None),
                cache_lookup_status: AtomicI32::new(CACHE_LOOKUP_NONE),
                origin: Mutex::new(origin::OriginSide::default()),
                origin_steered: AtomicBool::new(false),
                cntl: origin::Controls::default(),
                remap_urls: Mutex::new(None),
                nth,
                wire: origin::Wire::default(),
                mutex: Default::default(),
            })
            .1;
        txn.milestones
            .stamp_all(&[milestones::SM_START, milestones::UA_BEGIN]);
        Some(txn)
    }

    /// The transaction is over for the client (before TXN_CLOSE): UA_CLOSE, SERVER_CLOSE when it
    /// had an origin connection and no earlier close, SM_FINISH.
    pub fn closing(&self) {
        use milestones::*;
        if !milestones::enabled() {
            return;
        }
        if self.milestones.get(SERVER_CONNECT_END).unwrap_or(0) != 0 {
            self.milestones
                .stamp_all(&[SERVER_CLOSE, UA_CLOSE, SM_FINISH]);
        } else {
            self.milestones.stamp_all(&[UA_CLOSE, SM_FINISH]);
        }
    }

    /// After TXN_CLOSE: the handle stops resolving and the session may close.
    pub fn free(&self) {
        TXNS.release(self.handle);
        // proxy.process.http.completed_requests and the status classes, for a transaction
        // whose request was read.
        if let Some(req) = self.headers.client_req.load_full() {
            let status = self
                .headers
                .client_resp
                .load_full()
                .map_or(0, |r| r.with(|h| i32::from(h.status())));
            req.with(|h| crate::metrics::request_completed(h.method(), status));
        }
        let wakers = {
            let mut l = self.ssn.live.lock();
            l.count -= 1;
            if l.count == 0 {
                std::mem::take(&mut l.waiters)
            } else {
                Vec::new()
            }
        };
        wakers.into_iter().for_each(Waker::wake);
    }
}

impl HookScope for Session {
    fn scope_id(&self) -> i64 {
        self.id
    }
    fn handle(&self) -> usize {
        self.handle
    }
    fn hooks(&self) -> &HookList {
        &self.hooks
    }
    fn gate(&self) -> &Arc<Gate> {
        &self.gate
    }
}

impl HookScope for Txn {
    fn scope_id(&self) -> i64 {
        self.id as i64
    }
    fn handle(&self) -> usize {
        self.handle
    }
    fn hooks(&self) -> &HookList {
        &self.hooks
    }
    fn gate(&self) -> &Arc<Gate> {
        &self.gate
    }
}

/// The origin-side timeouts a plugin can set for one transaction (ATS's api_txn_*_timeout_value).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiTimeout {
    /// TSHttpTxnActiveTimeoutSet (proxy.config.http.transaction_active_timeout_out).
    Active = 0,
    /// TSHttpTxnConnectTimeoutSet (proxy.config.http.connect_attempts_timeout).
    Connect = 1,
    /// TSHttpTxnDNSTimeoutSet (proxy.config.dns.lookup_timeout).
    Dns = 2,
    /// TSHttpTxnNoActivityTimeoutSet (proxy.config.http.transaction_no_activity_timeout_out).
    NoActivity = 3,
}

/// The TSHttpSsn and TSHttpTxn handles C is given: each session and transaction, by handle.
pub static SSNS: Pool<Session> = Pool::new();
pub static TXNS: Pool<Txn> = Pool::new();
