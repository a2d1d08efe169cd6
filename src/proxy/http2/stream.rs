//! One HTTP/2 stream as one transaction: its request converted to an HTTP/1.1 header for the state
//! machine, and [`H2Client`], the stream's side of [`ClientIo`] (the request body with flow
//! control, the response head, body and trailers, resets).
#![forbid(unsafe_code)]

use std::collections::VecDeque;
use std::future::{poll_fn, Future};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use h2::server::{SendPushedResponse, SendResponse};
use h2::{Reason, RecvStream, SendStream};

use super::tap::Alarms;
use super::CONNECTION_SPECIFIC;
use crate::hdrs::{HttpHdr, MBuffer};
use crate::hooks::dispatch::run_point;
use crate::hooks::id;
use crate::proxy::body::{BodyError, Framing, Trailers};
use crate::proxy::client::{ClientIo, PrefixError};
use crate::proxy::deadline::limited;
use crate::proxy::sm::{self, Proxy};
use crate::proxy::{Session, Txn};
use crate::txn::machine::{Machine, Step};

/// One stream: one transaction.
pub(super) async fn stream(
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
    let (parts, body) = req.into_parts();
    let end = body.is_end_stream();
    let respond = Respond::Client(respond);
    run(
        proxy,
        ssn,
        txn,
        parts,
        Some(body),
        end,
        respond,
        idle,
        alarms,
    )
    .await;
}

/// A pushed stream (TSHttpTxnServerPush): its promised request, with no body, as a transaction
/// of the session (`txn`, made when the promise was sent), as ATS runs one.
#[allow(clippy::too_many_arguments)]
pub(super) async fn pushed(
    proxy: Arc<Proxy>,
    ssn: Arc<Session>,
    txn: Arc<Txn>,
    req: http::Request<()>,
    respond: SendPushedResponse<Bytes>,
    idle: Duration,
    alarms: Arc<Alarms>,
) {
    let (parts, ()) = req.into_parts();
    let respond = Respond::Pushed(respond);
    run(proxy, ssn, txn, parts, None, true, respond, idle, alarms).await;
}

/// The transaction of a stream whose request head is `parts` (`end`: no body follows).
#[allow(clippy::too_many_arguments)]
async fn run(
    proxy: Arc<Proxy>,
    ssn: Arc<Session>,
    txn: Arc<Txn>,
    parts: http::request::Parts,
    body: Option<RecvStream>,
    end: bool,
    respond: Respond,
    idle: Duration,
    alarms: Arc<Alarms>,
) {
    let creq = MBuffer::empty_request();
    txn.headers.client_req.store(Some(creq.clone()));
    crate::metrics::request_started();
    // The stream's head came whole (HEADERS and CONTINUATIONs) before the stream was accepted.
    txn.milestones.stamp_all(&[
        crate::txn::milestones::UA_FIRST_READ,
        crate::txn::milestones::UA_READ_HEADER_DONE,
    ]);
    let mut client = H2Client {
        id: respond.stream_id(),
        txn: txn.id,
        recv: body,
        respond,
        send: None,
        idle,
        until_ms: {
            let active = proxy.config.client_active_timeout.as_millis() as u64;
            (active > 0).then(|| crate::rt::clock::coarse_ms() + active)
        },
        alarms,
        body_out: 0,
        ahead: None,
        body_read: 0,
    };
    // The transaction machine says what comes next; this drives it with the stream.
    let mut m = Machine::new();
    let outcome = run_point(&ssn, Some(&txn), id::TXN_START).await;
    m.hooks_ran(outcome, || {
        txn.status.load(std::sync::atomic::Ordering::Acquire)
    });
    if m.next() != Step::ReadRequest {
        sm::respond(&proxy, &ssn, &txn, &mut client, &mut m, false).await;
    } else {
        match convert_request(&parts, end) {
            Ok(_)
                if sm::scheme_refused(&proxy, parts.uri.scheme_str().map(str::as_bytes), true) =>
            {
                // `:scheme: http` over TLS: 400 on this stream (ATS's HttpSM, the same check).
                m.failed(400);
                sm::respond(&proxy, &ssn, &txn, &mut client, &mut m, false).await;
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
    super::super::http1::close_transaction(&ssn, &txn, client.body_out).await;
    if client
        .alarms
        .promised
        .load(std::sync::atomic::Ordering::Acquire)
    {
        super::push::forget(&client.alarms, txn.id);
    }
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
        // As ATS's HPACK decoding (MIMEField::name_set): a name ATS knows is its well-known
        // string (`user-agent` is `User-Agent`), others as they came.
        let n = crate::hdrs::tokens::lookup(n).map_or(n, |i| crate::hdrs::tokens::token(i).text());
        fields.push((n, value.as_bytes()));
    }
    // As ATS's http2_convert_header_from_2_to_1_1: Host from :authority, after the others.
    if let Some(a) = authority {
        if !parts.headers.contains_key(http::header::HOST) {
            fields.push((b"Host", a));
        }
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
    let mut hdr = HttpHdr::request(
        parts.method.as_str().as_bytes(),
        target.as_bytes(),
        (1, 1),
        &fields,
    );
    // As ATS's http2_convert_header_from_2_to_1_1: the URL takes its host (and port) from
    // :authority (gold test pluginTest/tsapi: TSUrlPortGet and TSUrlRawPortGet say 123 for
    // `:authority myhost.test:123`).
    if let (Some(a), Some(auth)) = (authority, parts.uri.authority()) {
        if parts.method != http::Method::CONNECT && !a.is_empty() {
            let url = hdr.url_mut();
            url.set_host(Some(auth.host().as_bytes()));
            if let Some(p) = auth.port_u16() {
                url.set_port(Some(p));
            }
        }
    }
    Ok((hdr, framing))
}

/// How a stream's response is sent: on a stream the client opened, or on one promised to it.
enum Respond {
    Client(SendResponse<Bytes>),
    Pushed(SendPushedResponse<Bytes>),
}

impl Respond {
    fn stream_id(&self) -> u32 {
        match self {
            Respond::Client(r) => r.stream_id().into(),
            Respond::Pushed(r) => r.stream_id().into(),
        }
    }

    fn send_reset(&mut self, reason: Reason) {
        match self {
            Respond::Client(r) => r.send_reset(reason),
            Respond::Pushed(r) => r.send_reset(reason),
        }
    }

    fn send_response(
        &mut self,
        head: http::Response<()>,
        end: bool,
    ) -> Result<SendStream<Bytes>, h2::Error> {
        match self {
            Respond::Client(r) => r.send_response(head, end),
            Respond::Pushed(r) => r.send_response(head, end),
        }
    }

    fn poll_reset(&mut self, cx: &mut std::task::Context<'_>) -> Poll<Result<Reason, h2::Error>> {
        match self {
            Respond::Client(r) => r.poll_reset(cx),
            Respond::Pushed(r) => r.poll_reset(cx),
        }
    }
}

/// The client side of one stream.
pub struct H2Client {
    /// The request body (None on a pushed stream: its request has none).
    recv: Option<RecvStream>,
    respond: Respond,
    /// The transaction's id (for the promises it queued, TSHttpTxnServerPush).
    txn: u64,
    send: Option<SendStream<Bytes>>,
    /// `no_activity_timeout_in`: the longest a stream waits for the client's DATA or for window
    /// (a zero-window stall ends the stream, as in ATS).
    idle: Duration,
    /// transaction_active_timeout_in: no wait of the stream goes past this (coarse ms).
    until_ms: Option<u64>,
    id: u32,
    alarms: Arc<Alarms>,
    /// Response body bytes sent (for the access log).
    body_out: u64,
    /// The request body's pieces read ahead ([`ClientIo::read_ahead`]).
    ahead: Option<VecDeque<Bytes>>,
    /// [`ClientIo::body_read`].
    body_read: u64,
}

/// Reset the stream if the tap flagged its WINDOW_UPDATEs as too small.
fn calm(
    alarms: &Alarms,
    id: u32,
    send: &mut Option<SendStream<Bytes>>,
    respond: &mut Respond,
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
        if let Some(ahead) = &mut self.ahead {
            return Ok(ahead.pop_front());
        }
        let Some(recv) = &mut self.recv else {
            return Ok(None);
        };
        let next = match limited(self.idle, self.until_ms, recv.data()).await {
            Ok(next) => next,
            Err(_) => return Err(BodyError::Truncated),
        };
        match next {
            Some(Ok(data)) => {
                // Flow control: the client may send as much again.
                let _ = recv.flow_control().release_capacity(data.len());
                self.body_read += data.len() as u64;
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
        match &mut self.respond {
            Respond::Client(r) => r.send_informational(resp).map_err(std::io::Error::other),
            Respond::Pushed(_) => Ok(()),
        }
    }

    async fn send_head(&mut self, resp: &MBuffer, framing: Framing) -> std::io::Result<u64> {
        // Pushes a plugin asked for (TSHttpTxnServerPush) go before the response's HEADERS.
        if self
            .alarms
            .promised
            .load(std::sync::atomic::Ordering::Acquire)
        {
            if let Respond::Client(r) = &mut self.respond {
                super::push::send(&self.alarms, self.txn, r);
            }
        }
        // ATS's HTTP/2 streams count the head as the HTTP/1 text the transaction wrote.
        let (text_len, head) = resp.with(|resp| {
            let text_len = resp.length() as u64;
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
            (text_len, b.body(()))
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
        Ok(text_len)
    }

    async fn send_body(&mut self, mut data: &[u8]) -> std::io::Result<()> {
        self.body_out += data.len() as u64;
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
        let Some(recv) = &mut self.recv else {
            return Vec::new();
        };
        let trailers = match limited(self.idle, self.until_ms, recv.trailers()).await {
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

    fn read_ahead(&mut self, pieces: VecDeque<Bytes>) {
        self.ahead = Some(pieces);
    }

    fn body_read(&self) -> u64 {
        self.body_read
    }

    async fn body_started(&mut self) {
        if self.ahead.is_none() {
            std::future::pending::<()>().await
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
