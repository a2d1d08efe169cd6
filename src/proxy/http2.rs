//! HTTP/2 client sessions (the h2 crate): one connection is one session; each stream is one
//! transaction, driven by the same state machine as HTTP/1 (requests are converted to HTTP/1.1
//! headers, as ATS does). Streams run concurrently; a stream held by a plugin hook stalls only
//! that stream. SSN_CLOSE comes once, after every stream's TXN_CLOSE, however the connection ends.
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures::stream::{FuturesUnordered, StreamExt};
use futures::FutureExt;
use h2::server::SendResponse;
use h2::{Reason, RecvStream, SendStream};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{watch, Notify};
use tokio::time::Instant;

use super::body::{BodyError, Framing, Trailers};
use super::client::{ClientIo, PrefixError};
use super::deadline::limited;
use super::sm::{self, Proxy};
use super::{ClientInfo, Session, Txn};
use crate::hdrs::{HttpHdr, MBuffer};
use crate::hooks::dispatch::{run_point, run_session_point, Outcome};
use crate::hooks::id;
use crate::txn::machine::{Machine, Step, Work};

/// `proxy.config.http2.*` settings.
#[derive(Clone, Copy, Debug)]
pub struct H2Settings {
    pub max_concurrent_streams: u32,
    pub initial_window_size: u32,
    pub max_header_list_size: u32,
    pub no_activity_timeout: Duration,
    /// 0: none.
    pub active_timeout: Duration,
    /// Streams reset by the client before they were accepted, tolerated by the h2 crate.
    pub max_pending_resets: usize,
    /// Per-minute caps on frames received from the client (ATS's
    /// `proxy.config.http2.max_*_frames_per_minute`); past one, GOAWAY ENHANCE_YOUR_CALM. 0: no
    /// cap. RST_STREAM is the rapid-reset (CVE-2023-44487) guard.
    pub max_rst_stream_frames_per_minute: u32,
    pub max_settings_frames_per_minute: u32,
    pub max_ping_frames_per_minute: u32,
    pub max_priority_frames_per_minute: u32,
    /// `min_avg_window_update`: the least average of a stream's (or the connection's) last five
    /// WINDOW_UPDATE increments; below it, RST_STREAM (or GOAWAY) ENHANCE_YOUR_CALM. 0: none.
    pub min_avg_window_update: f64,
    /// `incomplete_header_timeout_in`: a header block must be finished within this, else GOAWAY
    /// COMPRESSION_ERROR. 0: none.
    pub incomplete_header_timeout: Duration,
    /// tshost's `settings_ack_timeout_in`: our SETTINGS must be acknowledged within this, else
    /// GOAWAY SETTINGS_TIMEOUT (RFC 9113 6.5.3). 0: none.
    pub settings_ack_timeout: Duration,
}

/// Fields that are connection-specific in HTTP/1.1 and forbidden in HTTP/2 (RFC 9113 8.2.2).
const CONNECTION_SPECIFIC: &[&[u8]] = &[
    b"connection",
    b"keep-alive",
    b"proxy-connection",
    b"transfer-encoding",
    b"upgrade",
];

/// Serve one HTTP/2 connection (ALPN h2 was negotiated).
pub async fn serve<S>(
    proxy: Arc<Proxy>,
    io: S,
    info: ClientInfo,
    settings: H2Settings,
    mut stop: watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let ssn = Session::create(info);
    // ATS fires SSN_START for HTTP/2 right after the session is made, before the preface.
    if run_session_point(&ssn, id::SSN_START).await == Outcome::Continue {
        let mut builder = h2::server::Builder::new();
        builder
            .max_concurrent_streams(settings.max_concurrent_streams)
            .initial_window_size(settings.initial_window_size)
            .max_header_list_size(settings.max_header_list_size)
            .max_pending_accept_reset_streams(settings.max_pending_resets)
            .max_local_error_reset_streams(Some(1024))
            .max_send_buffer_size(256 * 1024);
        let alarms = Arc::new(Alarms::default());
        let mut io = FrameCaps::new(io, &settings, alarms.clone());
        // (A connection error before the preface was through ends it: no GOAWAY to say it on.)
        if let Some(mut conn) = tokio::select! {
            h = tokio::time::timeout(
                settings.no_activity_timeout,
                builder.handshake::<_, Bytes>(&mut io),
            ) => h.ok().and_then(Result::ok),
            _ = alarms.session.notified() => None,
        } {
            // The streams run inside the connection's task, not as tasks of their own: they share
            // the h2 connection's state, and on the connection's thread they neither contend for
            // its lock nor wake another worker (a profile under h2load showed both).
            let mut streams = FuturesUnordered::new();
            let mut stopping = false;
            // Set when the connection was shut down abruptly: it may take this long to flush.
            let mut closing_by: Option<Instant> = None;
            let started = Instant::now();
            loop {
                // Every stream that can finish now does, before the connection is polled: their
                // responses then go out together, in one write (one TLS record, one send)
                // instead of one each. (The select below polls the streams again with this
                // task's waker.)
                while let Some(Some(())) = streams.next().now_or_never() {}
                let closing = async {
                    match closing_by {
                        Some(t) => tokio::time::sleep_until(t).await,
                        None => std::future::pending::<()>().await,
                    }
                };
                let idle = tokio::time::sleep(settings.no_activity_timeout);
                let active = async {
                    if settings.active_timeout.is_zero() {
                        std::future::pending::<()>().await
                    } else {
                        tokio::time::sleep_until(started + settings.active_timeout).await
                    }
                };
                tokio::select! {
                    biased;
                    Some(()) = streams.next(), if !streams.is_empty() => {}
                    next = conn.accept() => match next {
                        Some(Ok((req, respond))) => {
                            let (proxy, ssn) = (proxy.clone(), ssn.clone());
                            let idle = settings.no_activity_timeout;
                            let alarms = alarms.clone();
                            streams.push(Box::pin(stream(proxy, ssn, req, respond, idle, alarms)));
                        }
                        Some(Err(e)) => {
                            crate::debug!("http2", "session {}: {e}", ssn.id);
                            break;
                        }
                        None => break,
                    },
                    _ = alarms.session.notified(), if closing_by.is_none() => {
                        // A connection error found by the tap: a frame cap passed, WINDOW_UPDATEs
                        // too small, a header block or our SETTINGS' ACK overdue. GOAWAY, close.
                        let reason = Reason::from(alarms.goaway.load(Ordering::Acquire));
                        crate::debug!("http2", "session {}: GOAWAY {reason:?}", ssn.id);
                        conn.abrupt_shutdown(reason);
                        stopping = true;
                        closing_by = Some(Instant::now() + Duration::from_secs(2));
                    }
                    _ = closing => break,
                    _ = idle, if streams.is_empty() => {
                        // No stream and no activity: close gracefully.
                        conn.graceful_shutdown();
                        stopping = true;
                    }
                    _ = active => {
                        conn.graceful_shutdown();
                        stopping = true;
                    }
                    _ = stop.changed(), if !stopping => {
                        // Graceful stop: GOAWAY, let open streams finish.
                        conn.graceful_shutdown();
                        stopping = true;
                    }
                }
            }
            // The connection is over (or broken): every stream still running finishes on its own
            // (its I/O fails); each gets its TXN_CLOSE before SSN_CLOSE.
            drop(conn);
            while streams.next().await.is_some() {}
        }
        if io.tripped {
            // Lingering close after a connection error's GOAWAY: a flooding client still has
            // frames in flight, and closing with unread input would reset the connection
            // and lose the GOAWAY (RFC 9113 6.8: the sender should give it a chance to
            // arrive). Bounded: at most a second.
            let _ = tokio::time::timeout(Duration::from_secs(1), io.linger()).await;
        }
    }
    ssn.close_transactions().await;
    run_session_point(&ssn, id::SSN_CLOSE).await;
    ssn.free();
}

/// One stream: one transaction.
async fn stream(
    proxy: Arc<Proxy>,
    ssn: Arc<Session>,
    req: http::Request<RecvStream>,
    mut respond: SendResponse<Bytes>,
    idle: Duration,
    alarms: Arc<Alarms>,
) {
    let Some(txn) = Txn::create(&ssn) else {
        respond.send_reset(Reason::REFUSED_STREAM);
        return;
    };
    let creq = MBuffer::empty_request();
    txn.headers.client_req.store(Some(creq.clone()));
    let (parts, body) = req.into_parts();
    let mut client = H2Client {
        id: respond.stream_id().into(),
        recv: body,
        respond,
        send: None,
        idle,
        until_ms: {
            let active = proxy.config.client_active_timeout.as_millis() as u64;
            (active > 0).then(|| crate::rt::clock::coarse_ms() + active)
        },
        alarms,
    };
    // The transaction machine says what comes next; this drives it with the stream.
    let mut m = Machine::new();
    let outcome = run_point(&ssn, Some(&txn), id::TXN_START).await;
    m.hooks_ran(
        outcome,
        txn.status.load(std::sync::atomic::Ordering::Acquire),
    );
    if m.next() != Step::Work(Work::ReadRequest) {
        sm::respond(&ssn, &txn, &mut client, &mut m, false).await;
    } else {
        match convert_request(&parts, client.recv.is_end_stream()) {
            Ok(_)
                if sm::scheme_refused(&proxy, parts.uri.scheme_str().map(str::as_bytes), true) =>
            {
                // `:scheme: http` over TLS: 400 on this stream (ATS's HttpSM, the same check).
                m.failed(400);
                sm::respond(&ssn, &txn, &mut client, &mut m, false).await;
            }
            Ok((mut hdr, framing)) => {
                hdr.apply_client_request_defaults(true);
                let is_head = hdr.method() == b"HEAD";
                // Stored as HTTP/1.1, as ATS converts HTTP/2 requests.
                txn.request_version
                    .store(0x10001, std::sync::atomic::Ordering::Release);
                creq.replace(hdr);
                m.worked();
                sm::process(
                    &proxy,
                    &ssn,
                    &txn,
                    &mut client,
                    m,
                    "https",
                    framing,
                    true,
                    is_head,
                )
                .await;
            }
            Err(why) => {
                crate::debug!("http2", "transaction {}: malformed request: {why}", txn.id);
                m.client_gone();
                client.respond.send_reset(Reason::PROTOCOL_ERROR);
            }
        }
    }
    // ERROR at TXN_CLOSE counts as CONTINUE.
    run_point(&ssn, Some(&txn), id::TXN_CLOSE).await;
    txn.free();
}

/// An HTTP/2 request as an HTTP/1.1 request header, and how its body is framed to the origin.
fn convert_request(
    parts: &http::request::Parts,
    end_of_stream: bool,
) -> Result<(HttpHdr, Framing), &'static str> {
    let target = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let mut fields: Vec<(&[u8], &[u8])> = Vec::with_capacity(parts.headers.len() + 1);
    let authority = parts.uri.authority().map(|a| a.as_str().as_bytes());
    if let Some(a) = authority {
        if !parts.headers.contains_key(http::header::HOST) {
            fields.push((b"Host", a));
        }
    }
    let mut length = None;
    for (name, value) in &parts.headers {
        let n = name.as_str().as_bytes();
        if CONNECTION_SPECIFIC.contains(&n) {
            return Err("connection-specific header field");
        }
        if n == b"te" && value.as_bytes() != b"trailers" {
            return Err("TE other than trailers");
        }
        if n == b"content-length" {
            let v = std::str::from_utf8(value.as_bytes())
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .ok_or("bad content-length")?;
            if length.is_some_and(|l| l != v) {
                return Err("differing content-length values");
            }
            length = Some(v);
        }
        fields.push((n, value.as_bytes()));
    }
    if authority.is_none() && !parts.headers.contains_key(http::header::HOST) {
        return Err("no :authority and no host");
    }
    let framing = match (end_of_stream, length) {
        (true, _) => Framing::None,
        (false, Some(0)) => Framing::None,
        (false, Some(n)) => Framing::Length(n),
        (false, None) => Framing::Chunked,
    };
    let hdr = HttpHdr::request(
        parts.method.as_str().as_bytes(),
        target.as_bytes(),
        (1, 1),
        &fields,
    );
    Ok((hdr, framing))
}

/// The client side of one stream.
pub struct H2Client {
    recv: RecvStream,
    respond: SendResponse<Bytes>,
    send: Option<SendStream<Bytes>>,
    /// `no_activity_timeout_in`: the longest a stream waits for the client's DATA or for window
    /// (a zero-window stall ends the stream, as in ATS).
    idle: Duration,
    /// transaction_active_timeout_in: no wait of the stream goes past this (coarse ms).
    until_ms: Option<u64>,
    id: u32,
    alarms: Arc<Alarms>,
}

/// Reset the stream if the tap flagged its WINDOW_UPDATEs as too small.
fn calm(
    alarms: &Alarms,
    id: u32,
    send: &mut Option<SendStream<Bytes>>,
    respond: &mut SendResponse<Bytes>,
) -> bool {
    if !alarms.take_calm(id) {
        return false;
    }
    crate::debug!(
        "http2",
        "stream {id}: WINDOW_UPDATEs too small, RST_STREAM ENHANCE_YOUR_CALM"
    );
    match send.as_mut() {
        Some(s) => s.send_reset(Reason::ENHANCE_YOUR_CALM),
        None => respond.send_reset(Reason::ENHANCE_YOUR_CALM),
    }
    true
}

impl ClientIo for H2Client {
    async fn body_piece(&mut self) -> Result<Option<Bytes>, BodyError> {
        let next = match limited(self.idle, self.until_ms, self.recv.data()).await {
            Ok(next) => next,
            Err(_) => return Err(BodyError::Truncated),
        };
        match next {
            Some(Ok(data)) => {
                // Flow control: the client may send as much again.
                let _ = self.recv.flow_control().release_capacity(data.len());
                Ok(Some(data))
            }
            Some(Err(e)) => {
                crate::debug!("http2", "request body: {e}");
                Err(if e.is_reset() {
                    BodyError::Truncated
                } else {
                    BodyError::Malformed("HTTP/2 stream error")
                })
            }
            None => Ok(None),
        }
    }

    async fn check_body_prefix(&mut self, _timeout: Duration) -> Result<(), PrefixError> {
        Ok(()) // HTTP/2 frames the body itself
    }

    async fn send_continue(&mut self) -> std::io::Result<()> {
        let resp = http::Response::builder()
            .status(100)
            .body(())
            .map_err(std::io::Error::other)?;
        self.respond
            .send_informational(resp)
            .map_err(std::io::Error::other)
    }

    async fn send_head(&mut self, resp: &MBuffer, framing: Framing) -> std::io::Result<()> {
        let head = resp.with(|resp| {
            let mut b = http::Response::builder().status(resp.status());
            for (name, value) in resp.fields() {
                let lower = name.to_ascii_lowercase();
                if CONNECTION_SPECIFIC.contains(&lower.as_slice()) || lower == b"te" {
                    continue;
                }
                if let (Ok(n), Ok(v)) = (
                    http::HeaderName::from_bytes(&lower),
                    http::HeaderValue::from_bytes(value),
                ) {
                    b = b.header(n, v);
                }
            }
            b.body(())
        });
        let head = head.map_err(std::io::Error::other)?;
        let end = framing == Framing::None;
        let send = self
            .respond
            .send_response(head, end)
            .map_err(std::io::Error::other)?;
        if !end {
            self.send = Some(send);
        }
        Ok(())
    }

    async fn send_body(&mut self, mut data: &[u8]) -> std::io::Result<()> {
        let H2Client {
            send: send_slot,
            respond,
            alarms,
            id,
            idle,
            until_ms,
            ..
        } = self;
        if send_slot.is_none() {
            return Ok(());
        }
        while !data.is_empty() {
            // Made before the check: a flag raised after it wakes the wait below.
            let alarm = alarms.streams.notified();
            if calm(alarms, *id, send_slot, respond) {
                return Err(std::io::ErrorKind::ConnectionAborted.into());
            }
            let Some(send) = send_slot.as_mut() else {
                return Ok(());
            };
            // Flow control: send only what the client's window allows; waiting for it is
            // bounded by the idle timeout (a window left at 0 ends the stream).
            send.reserve_capacity(data.len());
            let mut alarm = std::pin::pin!(alarm);
            let wait = poll_fn(|cx| match send.poll_capacity(cx) {
                Poll::Ready(c) => Poll::Ready(Some(c)),
                Poll::Pending => alarm.as_mut().poll(cx).map(|()| None),
            });
            let cap = match limited(*idle, *until_ms, wait).await {
                Err(_) => return Err(std::io::ErrorKind::TimedOut.into()),
                Ok(None) => continue, // some stream was flagged: this one?
                Ok(Some(Some(Ok(n)))) => n,
                Ok(Some(Some(Err(e)))) => return Err(std::io::Error::other(e)),
                Ok(Some(None)) => return Err(std::io::ErrorKind::BrokenPipe.into()),
            };
            let n = cap.min(data.len());
            if n == 0 {
                continue;
            }
            send.send_data(Bytes::copy_from_slice(&data[..n]), false)
                .map_err(std::io::Error::other)?;
            data = &data[n..];
        }
        Ok(())
    }

    async fn request_trailers(&mut self) -> Trailers {
        let trailers = match limited(self.idle, self.until_ms, self.recv.trailers()).await {
            Ok(Ok(Some(map))) => map,
            _ => return Vec::new(),
        };
        trailers
            .iter()
            .map(|(n, v)| (n.as_str().as_bytes().to_vec(), v.as_bytes().to_vec()))
            .collect()
    }

    async fn finish(&mut self, trailers: &[(Vec<u8>, Vec<u8>)]) -> std::io::Result<()> {
        let Some(mut s) = self.send.take() else {
            return Ok(());
        };
        let mut map = http::HeaderMap::new();
        for (n, v) in trailers {
            let lower = n.to_ascii_lowercase();
            if let (Ok(n), Ok(v)) = (
                http::HeaderName::from_bytes(&lower),
                http::HeaderValue::from_bytes(v),
            ) {
                map.append(n, v);
            }
        }
        if map.is_empty() {
            s.send_data(Bytes::new(), true)
                .map_err(std::io::Error::other)
        } else {
            s.send_trailers(map).map_err(std::io::Error::other)
        }
    }

    async fn abort(&mut self) {
        match self.send.as_mut() {
            Some(s) => s.send_reset(Reason::INTERNAL_ERROR),
            None => self.respond.send_reset(Reason::INTERNAL_ERROR),
        }
    }

    /// The client reset the stream, or the connection is gone (the h2 connection then fails every
    /// stream), or the stream is reset for its WINDOW_UPDATEs (flagged before this wait; one
    /// flagged during it is reset by its next send, not woken here: a waiter on the alarms would
    /// cost two locks on every wait for the origin).
    async fn gone(&mut self) {
        let H2Client {
            send,
            respond,
            alarms,
            id,
            ..
        } = self;
        if calm(alarms, *id, send, respond) {
            return;
        }
        // Ready with the client's reason, or with an error once the connection is gone.
        let _ = poll_fn(|cx| match send.as_mut() {
            Some(s) => s.poll_reset(cx),
            None => respond.poll_reset(cx),
        })
        .await;
    }
}

/// What the frame tap found that the session or a stream must act on: the tap runs inside the h2
/// connection's reads and writes, which cannot reach either.
#[derive(Default)]
struct Alarms {
    /// The connection error to end the session with (GOAWAY with this code, then close); 0 until
    /// one is raised (NO_ERROR is never an alarm). The first one raised stays.
    goaway: AtomicU32,
    /// Wakes the session for `goaway` (one permit: it may not be waiting yet).
    session: Notify,
    /// Streams whose WINDOW_UPDATEs average below `min_avg_window_update`: each is reset with
    /// ENHANCE_YOUR_CALM by its own task, which takes its id out.
    calm: Mutex<Vec<u32>>,
    /// `calm` is not empty (checked without the lock on every wait for window).
    any_calm: AtomicBool,
    /// Wakes every stream waiting on the client when `calm` grows.
    streams: Notify,
}

/// Streams flagged and not yet reset past which the whole connection is cut instead (the flags of
/// streams that are already closed are never taken).
const MAX_CALM_STREAMS: usize = 64;

impl Alarms {
    fn raise(&self, reason: Reason) {
        let _ = self
            .goaway
            .compare_exchange(0, reason.into(), Ordering::AcqRel, Ordering::Acquire);
        self.session.notify_one();
    }

    fn calm_stream(&self, id: u32) {
        let mut calm = self.calm.lock().unwrap_or_else(|e| e.into_inner());
        if calm.len() >= MAX_CALM_STREAMS {
            drop(calm);
            self.raise(Reason::ENHANCE_YOUR_CALM);
            return;
        }
        calm.push(id);
        self.any_calm.store(true, Ordering::Release);
        drop(calm);
        self.streams.notify_waiters();
    }

    /// Whether stream `id` was flagged (the flag is taken).
    fn take_calm(&self, id: u32) -> bool {
        if !self.any_calm.load(Ordering::Acquire) {
            return false;
        }
        let mut calm = self.calm.lock().unwrap_or_else(|e| e.into_inner());
        let Some(i) = calm.iter().position(|&s| s == id) else {
            return false;
        };
        calm.swap_remove(i);
        if calm.is_empty() {
            self.any_calm.store(false, Ordering::Release);
        }
        true
    }
}

/// The last five WINDOW_UPDATE increments of a stream or of the connection (ATS keeps five,
/// starting as "huge", so the average can fall below the minimum only after five small ones).
#[derive(Clone, Copy)]
struct Increments {
    last: [u32; 5],
    next: u8,
    /// Already reported: later updates are ignored.
    tripped: bool,
}

impl Increments {
    const NEW: Increments = Increments {
        last: [u32::MAX; 5],
        next: 0,
        tripped: false,
    };

    /// Record one increment; whether the average of the last five is now below `min`.
    fn below(&mut self, increment: u32, min: f64) -> bool {
        self.last[self.next as usize] = increment;
        self.next = (self.next + 1) % 5;
        let sum: u64 = self.last.iter().map(|&i| i as u64).sum();
        let below = !self.tripped && (sum as f64 / 5.0) < min;
        self.tripped |= below;
        below
    }
}

/// Streams whose increments are remembered at most (the lowest id, most likely closed, is
/// forgotten first; it then starts over as "huge").
const MAX_STREAM_INCREMENTS: usize = 256;

/// What the end of the current frame's payload means to the tap.
#[derive(Clone, Copy, PartialEq, Eq)]
enum AtEnd {
    Nothing,
    /// A HEADERS, PUSH_PROMISE or CONTINUATION frame with END_HEADERS: the header block is done.
    BlockDone,
    /// A WINDOW_UPDATE (its 4-byte payload is collected in `increment`).
    Window,
}

/// The client's byte stream, its frame headers read as they pass (never the payloads, but for a
/// WINDOW_UPDATE's 4 bytes):
/// - frames counted by type, per minute (ATS's `Http2FrequencyCounter` caps);
/// - WINDOW_UPDATE increments averaged over the last five, per stream and for the connection
///   (ATS's `min_avg_window_update`): a stream below the minimum is reset, the connection gets
///   GOAWAY (both ENHANCE_YOUR_CALM);
/// - a header block (HEADERS or PUSH_PROMISE without END_HEADERS, a frame not whole yet) must be
///   finished within `incomplete_header_timeout` of being seen open, else GOAWAY
///   COMPRESSION_ERROR (ATS's `incomplete_header_timeout_in`);
/// - our SETTINGS must be acknowledged within `settings_ack_timeout`, else GOAWAY SETTINGS_TIMEOUT
///   (RFC 9113 6.5.3).
///
/// A timer runs only while a deadline is pending (before the ACK, while a header block is open).
/// On a connection error it raises the alarm (the session sends GOAWAY) and reads nothing more
/// from the client.
struct FrameCaps<S> {
    io: S,
    /// Bytes of the client preface still to pass.
    preface: usize,
    head: [u8; 9],
    head_len: usize,
    /// Payload bytes of the current frame still to pass.
    skip: usize,
    at_end: AtEnd,
    /// The WINDOW_UPDATE payload read so far.
    increment: u32,
    /// (cap, count in this window) for RST_STREAM, SETTINGS, PING, PRIORITY.
    caps: [(u32, u32); 4],
    window: Instant,
    tripped: bool,
    alarms: Arc<Alarms>,
    /// 0: no minimum.
    min_avg_window_update: f64,
    conn_increments: Increments,
    stream_increments: HashMap<u32, Increments>,
    /// Until the client acknowledges our SETTINGS.
    settings_ack_by: Option<Instant>,
    /// 0: none.
    header_timeout: Duration,
    /// A header block has begun and has not ended.
    block_open: bool,
    /// Its deadline, from when it was first seen open at the end of a read.
    block_by: Option<Instant>,
    /// The earliest pending deadline's timer.
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
}

const PREFACE_LEN: usize = 24;

impl<S> FrameCaps<S> {
    fn new(io: S, s: &H2Settings, alarms: Arc<Alarms>) -> Self {
        let now = Instant::now();
        FrameCaps {
            io,
            preface: PREFACE_LEN,
            head: [0; 9],
            head_len: 0,
            skip: 0,
            at_end: AtEnd::Nothing,
            increment: 0,
            caps: [
                (s.max_rst_stream_frames_per_minute, 0),
                (s.max_settings_frames_per_minute, 0),
                (s.max_ping_frames_per_minute, 0),
                (s.max_priority_frames_per_minute, 0),
            ],
            window: now,
            tripped: false,
            alarms,
            min_avg_window_update: s.min_avg_window_update,
            conn_increments: Increments::NEW,
            stream_increments: HashMap::new(),
            settings_ack_by: (!s.settings_ack_timeout.is_zero())
                .then(|| now + s.settings_ack_timeout),
            header_timeout: s.incomplete_header_timeout,
            block_open: false,
            block_by: None,
            timer: None,
        }
    }

    /// End the connection with GOAWAY `reason` (once).
    fn trip(&mut self, reason: Reason) {
        if !self.tripped {
            self.tripped = true;
            self.timer = None;
            self.alarms.raise(reason);
        }
    }

    /// A frame header, whole: what it starts.
    fn frame(&mut self, kind: u8, flags: u8, len: usize) {
        const END_HEADERS: u8 = 0x4;
        self.at_end = AtEnd::Nothing;
        let i = match kind {
            0x1 | 0x5 => {
                // HEADERS, PUSH_PROMISE
                self.block_open = true;
                if flags & END_HEADERS != 0 {
                    self.at_end = AtEnd::BlockDone;
                }
                return;
            }
            0x9 => {
                // CONTINUATION
                if flags & END_HEADERS != 0 {
                    self.at_end = AtEnd::BlockDone;
                }
                return;
            }
            0x8 => {
                // WINDOW_UPDATE (another length is the h2 crate's FRAME_SIZE_ERROR)
                if len == 4 {
                    self.at_end = AtEnd::Window;
                    self.increment = 0;
                }
                return;
            }
            0x3 => 0, // RST_STREAM
            0x4 => {
                if flags & 0x1 != 0 {
                    // SETTINGS ACK: ours arrived.
                    self.settings_ack_by = None;
                }
                1
            }
            0x6 => 2, // PING
            0x2 => 3, // PRIORITY
            _ => return,
        };
        let now = Instant::now();
        if now.duration_since(self.window) >= Duration::from_secs(60) {
            self.window = now;
            for c in &mut self.caps {
                c.1 = 0;
            }
        }
        let (cap, count) = &mut self.caps[i];
        *count += 1;
        if *cap != 0 && *count > *cap {
            self.trip(Reason::ENHANCE_YOUR_CALM);
        }
    }

    /// The current frame's payload has passed.
    fn payload_end(&mut self) {
        match std::mem::replace(&mut self.at_end, AtEnd::Nothing) {
            AtEnd::Nothing => {}
            AtEnd::BlockDone => {
                self.block_open = false;
                self.block_by = None;
            }
            AtEnd::Window => {
                let h = self.head;
                let stream = u32::from_be_bytes([h[5], h[6], h[7], h[8]]) & 0x7fff_ffff;
                self.window_update(stream, self.increment & 0x7fff_ffff);
            }
        }
    }

    fn window_update(&mut self, stream: u32, increment: u32) {
        let min = self.min_avg_window_update;
        // An increment of 0 is the h2 crate's PROTOCOL_ERROR.
        if min <= 0.0 || increment == 0 {
            return;
        }
        if stream == 0 {
            if self.conn_increments.below(increment, min) {
                self.trip(Reason::ENHANCE_YOUR_CALM);
            }
            return;
        }
        let map = &mut self.stream_increments;
        if map.len() >= MAX_STREAM_INCREMENTS && !map.contains_key(&stream) {
            if let Some(&oldest) = map.keys().min() {
                map.remove(&oldest);
            }
        }
        if map
            .entry(stream)
            .or_insert(Increments::NEW)
            .below(increment, min)
        {
            self.alarms.calm_stream(stream);
        }
    }

    fn scan(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            if self.preface > 0 {
                let n = self.preface.min(data.len());
                self.preface -= n;
                data = &data[n..];
            } else if self.skip > 0 {
                let n = self.skip.min(data.len());
                if self.at_end == AtEnd::Window {
                    for &b in &data[..n] {
                        self.increment = self.increment << 8 | b as u32;
                    }
                }
                self.skip -= n;
                data = &data[n..];
                if self.skip == 0 && self.at_end != AtEnd::Nothing {
                    self.payload_end();
                }
            } else {
                let n = (9 - self.head_len).min(data.len());
                self.head[self.head_len..self.head_len + n].copy_from_slice(&data[..n]);
                self.head_len += n;
                data = &data[n..];
                if self.head_len == 9 {
                    self.head_len = 0;
                    let h = self.head;
                    self.skip = (h[0] as usize) << 16 | (h[1] as usize) << 8 | h[2] as usize;
                    self.frame(h[3], h[4], self.skip);
                    if self.skip == 0 && self.at_end != AtEnd::Nothing {
                        self.payload_end();
                    }
                }
            }
        }
    }

    /// Whether a deadline may be pending (a few loads: checked on every read and write).
    fn deadlines(&self) -> bool {
        self.settings_ack_by.is_some() || self.block_open || self.timer.is_some()
    }

    /// Run the timer for the earliest pending deadline (none pending: no timer); past one, trip.
    fn poll_deadlines(&mut self, cx: &mut Context<'_>) {
        if self.tripped {
            self.timer = None;
            return;
        }
        if self.block_open && self.block_by.is_none() && !self.header_timeout.is_zero() {
            self.block_by = Some(Instant::now() + self.header_timeout);
        }
        let next = match (self.settings_ack_by, self.block_by) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => {
                self.timer = None;
                return;
            }
        };
        let timer = match &mut self.timer {
            Some(t) => {
                if t.deadline() != next {
                    t.as_mut().reset(next);
                }
                t
            }
            None => self.timer.insert(Box::pin(tokio::time::sleep_until(next))),
        };
        if timer.as_mut().poll(cx).is_pending() {
            return;
        }
        let now = Instant::now();
        if self.settings_ack_by.is_some_and(|t| t <= now) {
            crate::debug!(
                "http2",
                "SETTINGS not acknowledged in time: GOAWAY SETTINGS_TIMEOUT"
            );
            self.trip(Reason::SETTINGS_TIMEOUT);
        } else if self.block_by.is_some_and(|t| t <= now) {
            // ATS: the stream's incomplete-header timeout is a connection error (its HPACK state
            // is lost with the unfinished block).
            crate::debug!(
                "http2",
                "header block not finished in time: GOAWAY COMPRESSION_ERROR"
            );
            self.trip(Reason::COMPRESSION_ERROR);
        } else {
            // Fired early for a deadline since moved: start over.
            self.timer = None;
            cx.waker().wake_by_ref();
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> FrameCaps<S> {
    /// Drop the client's input until it closes (the GOAWAY and close_notify are already sent:
    /// the h2 connection shut the stream down).
    async fn linger(&mut self) {
        use tokio::io::AsyncReadExt;
        let mut scratch = [0u8; 8192];
        let mut total = 0;
        let end = loop {
            match self.io.read(&mut scratch).await {
                Ok(0) => break "closed".to_string(),
                Ok(n) => total += n,
                Err(e) => break e.to_string(),
            }
        };
        crate::debug!("http2", "linger: {total} bytes dropped, {end}");
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for FrameCaps<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if self.tripped {
            // The session is closing: what the client still sends is read and dropped (so its
            // flood cannot fill the socket buffers and stall the GOAWAY).
            let mut scratch = [0u8; 8192];
            loop {
                let mut b = ReadBuf::new(&mut scratch);
                match Pin::new(&mut self.io).poll_read(cx, &mut b) {
                    Poll::Ready(Ok(())) if !b.filled().is_empty() => continue,
                    other => return other,
                }
            }
        }
        let before = buf.filled().len();
        let me = &mut *self;
        let r = Pin::new(&mut me.io).poll_read(cx, buf);
        if r.is_ready() {
            me.scan(&buf.filled()[before..]);
        }
        if me.deadlines() {
            me.poll_deadlines(cx);
        }
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for FrameCaps<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        // Deadlines are polled on writes too: the h2 connection does not read while its writes
        // are blocked (a client that does not read either).
        if self.deadlines() {
            self.poll_deadlines(cx);
        }
        Pin::new(&mut self.io).poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        if self.deadlines() {
            self.poll_deadlines(cx);
        }
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
