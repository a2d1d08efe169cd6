//! HTTP/2 server push (TSHttpTxnServerPush), as ATS 9.2's Http2ConnectionState::
//! send_push_promise_frame: a PUSH_PROMISE for `GET url` (with the client request's
//! Accept-Encoding) on the transaction's stream, then the promised request runs as a transaction
//! of its own on the same session, through the same state machine (hooks, remap, origin), its
//! response sent on the promised stream.
//!
//! The plugin calls from a hook, while the stream's task waits for it: the promise is queued
//! ([`Promise`]) and the stream sends it when it sends its response head (ATS's hook for it is
//! SEND_RESPONSE_HDR, so the PUSH_PROMISE still goes before the response's HEADERS). Whether the
//! push can be made is answered at once, as ATS answers: the session's pushed-URL diary
//! (`proxy.config.http2.push_diary_size`), the client's SETTINGS_ENABLE_PUSH (read by the frame
//! tap) and the connection's state.
#![forbid(unsafe_code)]

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use h2::server::SendResponse;
use h2::Reason;
use parking_lot::Mutex;

use super::tap::Alarms;
use crate::hdrs::url::Url;
use crate::proxy::sm::Proxy;
use crate::proxy::{Session, Txn};

/// One HTTP/2 connection's push state, in its session ([`Session::h2_push`]).
pub(super) struct Port {
    proxy: Arc<Proxy>,
    alarms: Arc<Alarms>,
    idle: Duration,
    /// ATS's `_h2_pushed_urls`: URLs pushed on this connection, at most `diary_size`.
    diary: Mutex<HashSet<Box<[u8]>>>,
    diary_size: usize,
    /// Transactions running on pushed streams (the h2 crate promises on the client's streams
    /// only, so these cannot push).
    pushed: Mutex<Vec<u64>>,
    /// The connection is over (ATS's connection state closed).
    closed: AtomicBool,
}

/// A push asked for and not yet sent.
pub(super) struct Promise {
    /// The transaction whose stream promises it.
    txn: u64,
    req: http::Request<()>,
    ssn: Arc<Session>,
    port: Arc<Port>,
}

impl Port {
    /// Made for a new connection and kept in its session.
    pub(super) fn install(
        ssn: &Session,
        proxy: Arc<Proxy>,
        alarms: Arc<Alarms>,
        idle: Duration,
        diary_size: u32,
    ) -> Arc<Port> {
        let port = Arc::new(Port {
            proxy,
            alarms,
            idle,
            diary: Mutex::new(HashSet::new()),
            diary_size: diary_size as usize,
            pushed: Mutex::new(Vec::new()),
            closed: AtomicBool::new(false),
        });
        let _ = ssn.h2_push.set(port.clone());
        port
    }

    /// The connection is over: no more pushes; promises never sent are dropped.
    pub(super) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        let left = std::mem::take(&mut *self.alarms.promises.lock());
        self.alarms.promised.store(false, Ordering::Release);
        drop(left);
    }

    /// The pushed stream's transaction ended.
    pub(super) fn pushed_done(&self, txn: u64) {
        self.pushed.lock().retain(|&t| t != txn);
    }
}

/// TSHttpTxnServerPush: promise `url` on `txn`'s stream. Err (TS_ERROR) as ATS 9.2: `url` does
/// not parse (or, tshost only, names no host), the transaction is not on an HTTP/2 stream (or is
/// on a pushed one), the connection is closed, `url` was pushed on this connection already, the
/// client disabled push (SETTINGS_ENABLE_PUSH 0), the promised request cannot be encoded.
pub fn promise(txn: &Txn, url: &[u8]) -> Result<(), &'static str> {
    let parsed = Url::parse(url).ok_or("the URL does not parse")?;
    let port = txn
        .ssn
        .h2_push
        .get()
        .and_then(|p| p.clone().downcast::<Port>().ok())
        .ok_or("not an HTTP/2 stream")?;
    if port.pushed.lock().contains(&txn.id) {
        return Err("a pushed stream cannot push");
    }
    if port.closed.load(Ordering::Acquire) {
        return Err("the HTTP/2 connection is closed");
    }
    if port.diary.lock().contains(url) {
        return Err("the URL was pushed on this connection already");
    }
    if port.alarms.push_off.load(Ordering::Acquire) {
        return Err("the client disabled push (SETTINGS_ENABLE_PUSH 0)");
    }
    let accept_encoding = txn
        .headers
        .client_req
        .load_full()
        .and_then(|r| r.with(|h| h.field(b"Accept-Encoding").map(<[u8]>::to_vec)));
    let req = promised_request(&parsed, accept_encoding.as_deref())?;
    port.alarms.promises.lock().push(Promise {
        txn: txn.id,
        req,
        ssn: txn.ssn.clone(),
        port: port.clone(),
    });
    port.alarms.promised.store(true, Ordering::Release);
    let mut diary = port.diary.lock();
    if diary.len() < port.diary_size {
        diary.insert(url.into());
    }
    Ok(())
}

/// The promised request, as ATS makes it: GET, `:scheme` the URL's (https if none),
/// `:authority` its host and port, `:path` its path (ATS 9.2 drops the query), and the client
/// request's Accept-Encoding.
fn promised_request(
    url: &Url,
    accept_encoding: Option<&[u8]>,
) -> Result<http::Request<()>, &'static str> {
    let host = url
        .host()
        .filter(|h| !h.is_empty())
        .ok_or("the URL has no host")?;
    let mut authority = host.to_vec();
    if let Some(p) = url.port() {
        authority.extend_from_slice(format!(":{p}").as_bytes());
    }
    let mut path = b"/".to_vec();
    path.extend_from_slice(url.path());
    let uri = http::Uri::builder()
        .scheme(url.scheme().unwrap_or(b"https"))
        .authority(authority)
        .path_and_query(path)
        .build()
        .map_err(|_| "the promised request cannot be encoded")?;
    let mut b = http::Request::builder().method(http::Method::GET).uri(uri);
    if let Some(v) = accept_encoding {
        b = b.header(http::header::ACCEPT_ENCODING, v);
    }
    b.body(())
        .map_err(|_| "the promised request cannot be encoded")
}

/// Send the promises transaction `txn` queued (PUSH_PROMISE frames on its stream) and start
/// their streams; called by the client stream before its response head.
pub(super) fn send(alarms: &Alarms, txn: u64, respond: &mut SendResponse<Bytes>) {
    for p in take(alarms, txn) {
        let Promise { req, ssn, port, .. } = p;
        let what = req.uri().to_string();
        let pushed = match respond.push_request(req.clone()) {
            Ok(pushed) => pushed,
            Err(e) => {
                crate::debug!("http2", "transaction {txn}: push of {what} failed: {e}");
                continue;
            }
        };
        crate::debug!(
            "http2",
            "transaction {txn}: PUSH_PROMISE {what} (stream {})",
            u32::from(pushed.stream_id())
        );
        let Some(ptxn) = Txn::create(&ssn) else {
            let mut pushed = pushed;
            pushed.send_reset(Reason::REFUSED_STREAM);
            continue;
        };
        port.pushed.lock().push(ptxn.id);
        let (proxy, alarms, idle) = (port.proxy.clone(), port.alarms.clone(), port.idle);
        tokio::spawn(async move {
            let id = ptxn.id;
            super::stream::pushed(proxy, ssn, ptxn, req, pushed, idle, alarms).await;
            port.pushed_done(id);
        });
    }
}

/// Promises of transaction `txn` that were never sent (asked for after its response head):
/// dropped when its stream ends.
pub(super) fn forget(alarms: &Alarms, txn: u64) {
    for p in take(alarms, txn) {
        crate::debug!(
            "http2",
            "transaction {txn}: push of {} not sent: the response was sent already",
            p.req.uri()
        );
    }
}

fn take(alarms: &Alarms, txn: u64) -> Vec<Promise> {
    let mut all = alarms.promises.lock();
    let mine: Vec<Promise>;
    (mine, *all) = std::mem::take(&mut *all)
        .into_iter()
        .partition(|p| p.txn == txn);
    if all.is_empty() {
        alarms.promised.store(false, Ordering::Release);
    }
    mine
}
