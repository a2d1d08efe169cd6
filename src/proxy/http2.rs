//! HTTP/2 client sessions (the h2 crate): one connection is one session; each stream is one
//! transaction, driven by the same state machine as HTTP/1 (requests are converted to HTTP/1.1
//! headers, as ATS does). Streams run concurrently; a stream held by a plugin hook stalls only
//! that stream. SSN_CLOSE comes once, after every stream's TXN_CLOSE, however the connection ends.

use std::future::poll_fn;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use h2::server::SendResponse;
use h2::{Reason, RecvStream, SendStream};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::body::{BodyError, Framing};
use super::client::{ClientIo, PrefixError};
use super::sm::{self, Proxy};
use super::{ClientInfo, Session, Txn};
use crate::hdrs::{HttpHdr, MBuffer};
use crate::hooks::dispatch::{run_point, Outcome};
use crate::hooks::id;

/// `proxy.config.http2.*` settings.
#[derive(Clone, Copy, Debug)]
pub struct H2Settings {
    pub max_concurrent_streams: u32,
    pub initial_window_size: u32,
    pub max_header_list_size: u32,
    pub no_activity_timeout: Duration,
    /// 0: none.
    pub active_timeout: Duration,
    /// Client resets (RST_STREAM) tolerated before GOAWAY ENHANCE_YOUR_CALM (rapid reset).
    pub max_pending_resets: usize,
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
    if run_point(&ssn, None, id::SSN_START).await == Outcome::Continue {
        let mut builder = h2::server::Builder::new();
        builder
            .max_concurrent_streams(settings.max_concurrent_streams)
            .initial_window_size(settings.initial_window_size)
            .max_header_list_size(settings.max_header_list_size)
            .max_pending_accept_reset_streams(settings.max_pending_resets)
            .max_local_error_reset_streams(Some(1024))
            .max_send_buffer_size(256 * 1024);
        let handshake = tokio::time::timeout(
            settings.no_activity_timeout,
            builder.handshake::<_, Bytes>(io),
        )
        .await;
        if let Ok(Ok(mut conn)) = handshake {
            let mut streams = JoinSet::new();
            let mut stopping = false;
            let started = tokio::time::Instant::now();
            loop {
                let idle = tokio::time::sleep(settings.no_activity_timeout);
                let active = async {
                    if settings.active_timeout.is_zero() {
                        std::future::pending::<()>().await
                    } else {
                        tokio::time::sleep_until(started + settings.active_timeout).await
                    }
                };
                tokio::select! {
                    next = conn.accept() => match next {
                        Some(Ok((req, respond))) => {
                            let (proxy, ssn) = (proxy.clone(), ssn.clone());
                            streams.spawn(async move { stream(proxy, ssn, req, respond).await });
                        }
                        Some(Err(e)) => {
                            crate::debug!("http2", "session {}: {e}", ssn.id);
                            break;
                        }
                        None => break,
                    },
                    Some(_) = streams.join_next(), if !streams.is_empty() => {}
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
            while streams.join_next().await.is_some() {}
        }
    }
    ssn.close_transactions().await;
    run_point(&ssn, None, id::SSN_CLOSE).await;
    ssn.free();
}

/// One stream: one transaction.
async fn stream(
    proxy: Arc<Proxy>,
    ssn: Arc<Session>,
    req: http::Request<RecvStream>,
    mut respond: SendResponse<Bytes>,
) {
    let Some(txn) = Txn::create(&ssn) else {
        respond.send_reset(Reason::REFUSED_STREAM);
        return;
    };
    let creq = MBuffer::empty_request();
    txn.headers.client_req.store(Some(creq.clone()));
    let (parts, body) = req.into_parts();
    let mut client = H2Client {
        recv: body,
        respond,
        send: None,
    };
    if run_point(&ssn, Some(&txn), id::TXN_START).await == Outcome::Error {
        sm::respond_api_error(&ssn, &txn, &mut client, id::TXN_START, false).await;
    } else {
        match convert_request(&parts, client.recv.is_end_stream()) {
            Ok((mut hdr, framing)) => {
                hdr.apply_client_request_defaults(true);
                let is_head = hdr.method() == b"HEAD";
                // Stored as HTTP/1.1, as ATS converts HTTP/2 requests.
                txn.request_version
                    .store(0x10001, std::sync::atomic::Ordering::Release);
                creq.replace(hdr);
                sm::process(
                    &proxy,
                    &ssn,
                    &txn,
                    &mut client,
                    "https",
                    framing,
                    true,
                    is_head,
                )
                .await;
            }
            Err(why) => {
                crate::debug!("http2", "transaction {}: malformed request: {why}", txn.id);
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
}

impl ClientIo for H2Client {
    async fn body_piece(&mut self) -> Result<Option<Bytes>, BodyError> {
        match self.recv.data().await {
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

    async fn send_head(&mut self, resp: &HttpHdr, framing: Framing) -> std::io::Result<()> {
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
        let head = b.body(()).map_err(std::io::Error::other)?;
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
        let Some(send) = self.send.as_mut() else {
            return Ok(());
        };
        while !data.is_empty() {
            // Flow control: send only what the client's window allows.
            send.reserve_capacity(data.len());
            let cap = match poll_fn(|cx| send.poll_capacity(cx)).await {
                Some(Ok(n)) => n,
                Some(Err(e)) => return Err(std::io::Error::other(e)),
                None => return Err(std::io::ErrorKind::BrokenPipe.into()),
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

    async fn finish(&mut self) -> std::io::Result<()> {
        match self.send.take() {
            Some(mut s) => s
                .send_data(Bytes::new(), true)
                .map_err(std::io::Error::other),
            None => Ok(()),
        }
    }

    async fn abort(&mut self) {
        match self.send.as_mut() {
            Some(s) => s.send_reset(Reason::INTERNAL_ERROR),
            None => self.respond.send_reset(Reason::INTERNAL_ERROR),
        }
    }
}
