//! Response transforms (TS_HTTP_RESPONSE_TRANSFORM_HOOK, ATS's TransformVConnection): the
//! VConnections plugins added to the hook (TSTransformCreate, TSHttpTxnHookAdd) are chained in
//! add order, each writing into the next (TSTransformOutputVConnGet), the last into a sink of
//! tshost's ([`crate::proxy::intercept::sink`]). The origin's body is written into the first
//! (its write VIO: NBytes the body's length when known, set to what was written when the body
//! ends), and what reaches the sink goes to the client, framed anew: with the length the last
//! transform's write had when the sink first saw it, as ATS's TransformTerminus, else chunked for
//! HTTP/1.1, the connection's end for 1.0, DATA frames for HTTP/2. At most [`IN_MAX`] bytes wait for the first
//! transform: the origin is read no faster than the chain takes. At the end the first transform
//! is closed, and with it the chain (each sees TSVConnClosedGet and destroys itself).
#![forbid(unsafe_code)]

use std::os::raw::{c_int, c_void};
use std::sync::{Arc, LazyLock};

use bytes::BytesMut;
use parking_lot::Mutex;
use tokio::io::AsyncReadExt;
use tokio::sync::Notify;

use super::relay::Relayed;
use super::*;
use crate::cont::{Cont, CONTS};
use crate::mutex::{TsMutex, MUTEXES};
use crate::sys::types::{TSCont, TSEventRaw};
use crate::vio::PluginVConn;

/// ATS's EHTTP_ERROR: the chain is aborted with it (TSVConnClosedGet: TS_VC_CLOSE_ABORT) when the
/// body cannot be whole: the origin or the client left mid-body, or the chain stalled (ATS's
/// HttpTunnel::chain_abort_all).
const EHTTP_ERROR: i32 = 20_600;

/// The most body bytes that wait for the first transform.
const IN_MAX: usize = 65_536;

/// The most output of the last transform that waits for the proxy's side (the client, or the
/// origin for a request transform) before the chain gets no more input: a transform that gives
/// out at once what it takes (null_transform) cannot pile a body up in memory when the
/// receiving side is slower than the sending one.
const OUT_MAX: usize = 262_144;

/// The proxy side's continuations (they hear the first transform's WRITE_READY/COMPLETE), by
/// handle: what to wake, and the first transform.
type Waiter = (Arc<Notify>, Arc<PluginVConn>);
static WAITERS: LazyLock<Mutex<std::collections::HashMap<usize, Waiter>>> =
    LazyLock::new(Default::default);

const WRITE_COMPLETE: c_int = crate::sys::types::TSEvent::TS_EVENT_VCONN_WRITE_COMPLETE as c_int;

extern "C" fn input_event(contp: TSCont, event: TSEventRaw, _edata: *mut c_void) -> c_int {
    let Some((n, first)) = WAITERS.lock().get(&(contp as usize)).cloned() else {
        return 0;
    };
    if event == WRITE_COMPLETE {
        // As ATS's tunnel (HttpSM::tunnel_handler_transform_write): the write side is shut
        // down, and the transform woken sees TSVIOBufferGet NULL on its input (bnull_transform
        // gives out what it kept only then).
        first.shutdown(false, true);
    }
    n.notify_one();
    0
}

/// The framing to make the client's from: none promised under transforms (the length may
/// change; [`Running::announce`] may give one once the chain has written), the origin's
/// otherwise.
pub(super) fn framing_for_client(chain: &[Arc<PluginVConn>], origin: Framing) -> Framing {
    if chain.is_empty() {
        origin
    } else {
        Framing::Close
    }
}

/// The transforms a plugin added for the response, in add order (live plugin VConnections); none
/// for a response without a body to transform (`head_only`).
#[inline]
pub(super) fn chain_of(txn: &Txn, head_only: bool) -> Chain {
    chain_at(txn, id::RESPONSE_TRANSFORM, head_only)
}

/// The transforms a plugin added for the request's body (TS_HTTP_REQUEST_TRANSFORM_HOOK); none
/// for a request without a body.
#[inline]
pub(super) fn request_chain_of(txn: &Txn, framing: Framing) -> Chain {
    chain_at(txn, id::REQUEST_TRANSFORM, framing == Framing::None)
}

/// The response agents a plugin added (TS_HTTP_RESPONSE_CLIENT_HOOK), in add order.
#[inline]
pub(super) fn agents_of(txn: &Txn) -> Vec<Arc<PluginVConn>> {
    chain_at(txn, id::RESPONSE_CLIENT, false)
        .0
        .unwrap_or_default()
}

/// The VConnections on one hook: none (the usual case) costs nothing to make or to drop.
#[derive(Default)]
pub(super) struct Chain(Option<Vec<Arc<PluginVConn>>>);

impl std::ops::Deref for Chain {
    type Target = [Arc<PluginVConn>];
    #[inline]
    fn deref(&self) -> &Self::Target {
        self.0.as_deref().unwrap_or(&[])
    }
}

#[inline]
fn chain_at(txn: &Txn, hook: i32, no_body: bool) -> Chain {
    if no_body || !txn.hooks.has(hook) {
        return Chain(None);
    }
    Chain(Some(chain_of_hook(txn, hook)))
}

fn chain_of_hook(txn: &Txn, hook: i32) -> Vec<Arc<PluginVConn>> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(c) = txn.hooks.get(hook, i) {
        i += 1;
        match crate::vio::get(c.handle) {
            Some(vc) => out.push(vc),
            None => crate::warning!(
                "transaction {}: a continuation on {} is not a transform (TSTransformCreate); skipped",
                txn.id,
                crate::sys::names::hook_name(hook).to_string_lossy()
            ),
        }
    }
    out
}

/// A chain at work: the origin's body going in, the sink's output coming out.
pub(super) struct Running {
    first: Arc<PluginVConn>,
    sink: crate::proxy::intercept::InterceptIo,
    buf: Arc<crate::iobuf::IoBuffer>,
    rd: Arc<crate::iobuf::Reader>,
    input: Arc<crate::vio::Vio>,
    me: usize,
    notify: Arc<Notify>,
    reader: BodyReader,
    written: i64,
    origin_done: bool,
    origin_error: Option<String>,
    /// The length the client was promised ([`Running::announce`]), and what it got so far.
    announced: Option<u64>,
    sent: u64,
    /// The longest the chain may go without taking input or giving output
    /// (transaction_no_activity_timeout_out): a transform that stalls fails the transaction.
    idle: std::time::Duration,
}

/// Ready once `idle` has passed since `since` (the chain's last progress).
async fn stalled(since: tokio::time::Instant, idle: std::time::Duration) {
    tokio::time::sleep_until(since + idle).await;
}

/// Start the chain: each transform writes into the next, the last into the sink; the first
/// gets its write VIO (the origin's body). None if no buffer could be made.
pub(super) fn start(
    chain: &[Arc<PluginVConn>],
    framing: Framing,
    idle: std::time::Duration,
) -> Option<Running> {
    let known_length = match framing {
        Framing::Length(n) => Some(n),
        Framing::None => Some(0),
        _ => None,
    };
    let first = chain[0].clone();
    let sink = crate::proxy::intercept::sink();
    for w in chain.windows(2) {
        w[0].set_output(w[1].handle());
    }
    chain[chain.len() - 1].set_output(sink.handle());
    // The proxy side: a buffer the body goes into, and a continuation told of the first
    // transform's progress.
    let buf = crate::iobuf::create(crate::iobuf::DEFAULT_SIZE_INDEX)?;
    let rd = buf.alloc_reader()?;
    let notify = Arc::new(Notify::new());
    let mutex = MUTEXES.insert(TsMutex::new).1;
    let (me, _cont) = CONTS.insert(|h| Cont::new(h, Some(input_event), Some(mutex)));
    WAITERS.lock().insert(me, (notify.clone(), first.clone()));
    let nbytes = known_length.map_or(i64::MAX, |n| n as i64);
    let input = first.do_write(me, rd.handle(), nbytes);
    Some(Running {
        first,
        sink,
        buf,
        rd,
        input,
        me,
        notify,
        reader: BodyReader::new(framing),
        written: 0,
        origin_done: false,
        origin_error: None,
        announced: None,
        sent: 0,
        idle,
    })
}

impl Running {
    /// Take a piece of the origin's response body into the chain (counted as the origin's).
    fn took_response(
        &mut self,
        piece: Result<Option<BytesMut>, BodyError>,
        origin: &mut super::super::origin::OriginConn,
    ) {
        if let Ok(Some(p)) = &piece {
            origin.resp_body += p.len() as u64;
        }
        self.took(piece);
    }

    /// Take a piece of a body into the chain.
    fn took(&mut self, piece: Result<Option<BytesMut>, BodyError>) {
        match piece {
            Ok(Some(p)) => {
                self.buf.write(&p);
                self.written += p.len() as i64;
            }
            Ok(None) => {
                self.origin_done = true;
                // The body's end: NBytes is what was written (ATS's tunnel does the same).
                self.input.set_nbytes(self.written);
            }
            Err(e) => {
                self.origin_done = true;
                self.origin_error = Some(format!("{e:?}"));
                // ATS aborts the chain at a truncated body: the transforms see
                // TS_VC_CLOSE_ABORT, never a complete write.
                self.abort();
                return;
            }
        }
        self.first.wake();
    }

    /// Abort the chain (each transform sees TSVConnClosedGet TS_VC_CLOSE_ABORT); the close at the
    /// end then changes nothing.
    fn abort(&self) {
        self.first.close(Some(EHTTP_ERROR));
    }

    /// Feed the chain until its first output (or its end) is there, as ATS waits for the
    /// transform before the client's head: a transform may still change that head
    /// (TSHttpTxnTransformRespGet).
    /// False when the chain stalled (nothing in or out for its limit).
    pub(super) async fn until_output(
        &mut self,
        origin: &mut super::super::origin::OriginConn,
    ) -> bool {
        let mut since = tokio::time::Instant::now();
        loop {
            let room = self.rd.avail() < IN_MAX;
            let origin_done = self.origin_done;
            tokio::select! {
                piece = self.reader.next(origin), if !origin_done && room => self.took_response(piece, origin),
                _ = std::future::poll_fn(|cx| self.sink.poll_read_ready(cx)) => return true,
                _ = self.notify.notified() => {}
                _ = stalled(since, self.idle) => return self.stall(),
            }
            since = tokio::time::Instant::now();
        }
    }

    /// ATS's TransformTerminus: the length the last transform announced for its output (its
    /// TSVConnWrite's NBytes, unless INT64_MAX) becomes the client response's Content-Length
    /// (HttpSM::state_response_wait_for_transform_read), except when the origin's body came
    /// chunked (its Transfer-Encoding stays on the response and wins, as seen on ATS 9.2.9).
    /// Changes `resp`; returns the client's framing. The body is then held to that length.
    pub(super) fn announce(&mut self, origin: Framing, resp: &MBuffer, client: Framing) -> Framing {
        let Some(n) = self.sink.announced().filter(|_| origin != Framing::Chunked) else {
            return client;
        };
        resp.with_mut(|h| {
            h.remove_field(b"transfer-encoding");
            set_content_length(h, n);
        });
        self.announced = Some(n);
        Framing::Length(n)
    }

    /// The chain made no progress for its limit: said once.
    fn stall(&self) -> bool {
        self.abort();
        crate::warning!(
            "a transform made no progress for {} s (transaction_no_activity_timeout_out): the \
             transaction fails (input: ndone {} nbytes {} waiting {}; output: {})",
            self.idle.as_secs(),
            self.input.ndone(),
            self.input.nbytes(),
            self.rd.avail(),
            self.sink.describe()
        );
        false
    }

    /// Relay the rest: the origin's body in, the chain's output to the client.
    /// The chain is closed as `self` goes ([`Drop`]).
    pub(super) async fn finish<C: ClientIo>(
        mut self,
        client: &mut C,
        origin: &mut super::super::origin::OriginConn,
    ) -> Relayed {
        if client.push().await.is_err() {
            self.abort();
            return Relayed::ClientGone;
        }
        let mut out = vec![0u8; 16384];
        let mut since = tokio::time::Instant::now();
        loop {
            let room = self.rd.avail() < IN_MAX && self.sink.pending() < OUT_MAX;
            let origin_done = self.origin_done;
            tokio::select! {
                _ = stalled(since, self.idle) => {
                    self.stall();
                    return Relayed::OriginFailed("a response transform stalled".into());
                }
                piece = self.reader.next(origin), if !origin_done && room => self.took_response(piece, origin),
                n = self.sink.read(&mut out) => match n {
                    Ok(0) | Err(_) => {
                        let short = self.announced.is_some_and(|a| self.sent < a);
                        return match self.origin_error.take() {
                            Some(e) => Relayed::OriginFailed(e),
                            // Fewer bytes than the Content-Length said: the client cannot take
                            // the response as complete (ATS aborts it too).
                            None if short => Relayed::OriginFailed(format!(
                                "a response transform gave {} of the {} bytes it announced",
                                self.sent,
                                self.announced.unwrap_or(0)
                            )),
                            None => Relayed::Done {
                                trailers: Vec::new(),
                                origin_read: self.origin_done,
                            },
                        };
                    }
                    Ok(n) => {
                        // Never more than announced.
                        let n = self.announced.map_or(n as u64, |a| (a - self.sent).min(n as u64));
                        self.sent += n;
                        if n > 0 && client.send_body(&out[..n as usize]).await.is_err() {
                            self.abort();
                            return Relayed::ClientGone;
                        }
                    }
                },
                _ = self.notify.notified() => {}
            }
            since = tokio::time::Instant::now();
        }
    }
}

/// The server request of a body going through request transforms: no Content-Length (the
/// transforms may change the length), chunked.
pub(super) fn chunked_if(h: &mut crate::hdrs::http::HttpHdr, chain: &[Arc<PluginVConn>]) {
    if !chain.is_empty() {
        h.remove_field(b"content-length");
        h.remove_field(b"transfer-encoding");
        h.set_field(b"Transfer-Encoding", b"chunked");
    }
}

/// Send the request head, then the client's body through the request transforms `chain` (as
/// ATS's request transform: the chain's output, chunked, is the body the origin gets).
/// (Boxed: the request transforms' futures are not part of every transaction's.)
pub(super) fn send_through<'a, C: ClientIo>(
    chain: &'a [Arc<PluginVConn>],
    client: &'a mut C,
    origin: &'a mut super::super::origin::OriginConn,
    req: &'a MBuffer,
    expect_continue: bool,
    idle: std::time::Duration,
) -> impl std::future::Future<Output = Result<(), super::exchange::SendError>> + 'a {
    Box::pin(send_through_now(
        chain,
        client,
        origin,
        req,
        expect_continue,
        idle,
    ))
}

async fn send_through_now<C: ClientIo>(
    chain: &[Arc<PluginVConn>],
    client: &mut C,
    origin: &mut super::super::origin::OriginConn,
    req: &MBuffer,
    expect_continue: bool,
    idle: std::time::Duration,
) -> Result<(), super::exchange::SendError> {
    use super::exchange::SendError;
    let Some(run) = start(chain, Framing::Chunked, idle) else {
        return Err(SendError::Origin);
    };
    origin.write_request(req).await.map_err(SendError::origin)?;
    if expect_continue {
        client
            .send_continue()
            .await
            .map_err(|_| SendError::Client)?;
    }
    run.finish_request(client, origin).await
}

impl Running {
    /// A request body through the chain: the client's body in, the chain's output to the origin,
    /// chunked (its length may change). At most [`IN_MAX`] bytes of the client's body wait for
    /// the first transform. The chain is closed as `self` goes.
    pub(super) async fn finish_request<C: ClientIo>(
        mut self,
        client: &mut C,
        origin: &mut super::super::origin::OriginConn,
    ) -> Result<(), super::exchange::SendError> {
        use super::exchange::SendError;
        let mut writer = BodyWriter::new(Framing::Chunked);
        let mut out = vec![0u8; 16384];
        let mut client_done = false;
        let mut since = tokio::time::Instant::now();
        loop {
            let room = self.rd.avail() < IN_MAX && self.sink.pending() < OUT_MAX;
            tokio::select! {
                _ = stalled(since, self.idle) => {
                    self.stall();
                    return Err(SendError::OriginTimeout);
                }
                piece = client.body_piece(), if !client_done && room => match piece {
                    Ok(Some(p)) => self.took(Ok(Some(BytesMut::from(&p[..])))),
                    Ok(None) => {
                        client_done = true;
                        self.took(Ok(None));
                    }
                    Err(e) => {
                        self.abort();
                        return Err(match e {
                            BodyError::Malformed(_) => SendError::BadClientBody,
                            BodyError::Io(std::io::ErrorKind::TimedOut) => SendError::ClientTimeout,
                            _ => SendError::Client,
                        });
                    }
                },
                n = self.sink.read(&mut out) => match n {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        origin.req_body += n as u64;
                        if let Err(e) = writer.write(origin, &out[..n]).await {
                            self.abort();
                            return Err(SendError::origin(e));
                        }
                    }
                },
                _ = self.notify.notified() => {}
            }
            since = tokio::time::Instant::now();
        }
        if !client_done {
            // The chain ended before the client's body: the rest is not sent.
            crate::debug!("http", "request transform ended before the client's body");
        }
        writer
            .finish_with_trailers(origin, &[])
            .await
            .map_err(SendError::origin)
    }
}

impl Drop for Running {
    /// However the transaction ends (the body relayed, the client gone before its head): the
    /// first transform is closed, and the chain with it.
    fn drop(&mut self) {
        self.first.close(None);
        WAITERS.lock().remove(&self.me);
        if let Some(c) = CONTS.get(self.me) {
            c.mark_deleted();
        }
        CONTS.release(self.me);
        self.rd.free();
        self.buf.destroy();
    }
}

/// The hooks whose continuations are VConnections the transaction closes at its end.
const VCONN_HOOKS: [i32; 3] = [
    id::REQUEST_TRANSFORM,
    id::RESPONSE_TRANSFORM,
    id::RESPONSE_CLIENT,
];

/// Whether the transaction has transforms or response agents to close at its end (one load).
#[inline]
pub(crate) fn any_to_close(txn: &Txn) -> bool {
    txn.hooks.has_any(&VCONN_HOOKS)
}

/// The transaction is ending: each transform or response agent a plugin added that is still open
/// (the response ended before it was started, or a chain never ran) is closed, as ATS's
/// transform_cleanup and plugin_agents_cleanup do, and each one's plugin is told (its
/// continuation called since, or it destroyed itself) before TXN_CLOSE, as the lifecycle laws
/// want. A plugin not told within [`TOLD_LIMIT`] (its mutex held elsewhere) is named; TXN_CLOSE
/// then goes on.
pub(crate) async fn close_all(txn: &Txn) {
    let deadline = tokio::time::Instant::now() + TOLD_LIMIT;
    for hook in VCONN_HOOKS {
        let mut i = 0;
        while let Some(c) = txn.hooks.get(hook, i) {
            i += 1;
            // The same continuation (not another that took its handle since), not destroyed.
            let Some(vc) =
                crate::vio::get(c.handle).filter(|vc| Arc::ptr_eq(&vc.cont, &c) && !c.is_deleted())
            else {
                continue;
            };
            vc.close(None);
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if !vc.told_of_close(left).await {
                crate::warning!(
                    "transaction {}: {}'s {} was not told of its close within {} s; TXN_CLOSE goes on",
                    txn.id,
                    vc.cont.plugin_name(),
                    crate::sys::names::hook_name(hook).to_string_lossy(),
                    TOLD_LIMIT.as_secs()
                );
            }
        }
    }
}

/// How long the end of a transaction waits for its transforms to hear of their close.
const TOLD_LIMIT: std::time::Duration = std::time::Duration::from_secs(5);
