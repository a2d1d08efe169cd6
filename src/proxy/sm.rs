//! The HTTP state machine (ATS's HttpSM): drives one transaction through its hook points, remap,
//! the origin and back. It does not know the client protocol beyond the [`ClientSide`] it is given.
//!
//! Hook order (ATS with the cache off): TXN_START, READ_REQUEST_HDR, PRE_REMAP, POST_REMAP, OS_DNS,
//! CACHE_LOOKUP_COMPLETE, SEND_REQUEST_HDR, READ_RESPONSE_HDR, SEND_RESPONSE_HDR (TXN_CLOSE is run
//! by the session). A hook reenabled with TS_EVENT_HTTP_ERROR, a status set by a plugin before the
//! end of remap, a failed origin, a request that cannot be framed: each produces a response made by
//! tshost, sent after the SEND_RESPONSE_HDR hooks.
#![forbid(unsafe_code)]

use std::borrow::Cow;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use super::body::{
    chunked_prefix_is_valid, BodyError, BodyReader, BodyWriter, Conn, Framing, HeadError, Limit,
    Transport,
};
use super::client::{ClientIo, H1Client, PrefixError};
use super::origin::{ConnectError, OriginConn, OriginPool};
use super::{Session, Txn};
use crate::config::remap::RemapTable;
use crate::hdrs::text::{Dec, HStr};
use crate::hdrs::{HttpHdr, MBuffer};
use crate::hooks::dispatch::{run_point, Outcome};
use crate::hooks::id;

/// Settings the state machine needs (from records.config and remap.config).
pub struct SmConfig {
    pub remap: RemapTable,
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
    pub origin_response_timeout: Duration,
    pub pristine_host: bool,
    pub insert_xff: bool,
    pub via: Option<String>,
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

/// Hop-by-hop fields, never forwarded (RFC 9110 7.6.1, plus the proxy ones).
const HOP_BY_HOP: &[&[u8]] = &[
    b"connection",
    b"keep-alive",
    b"proxy-connection",
    b"te",
    b"trailer",
    b"transfer-encoding",
    b"upgrade",
    b"proxy-authenticate",
];

enum Failure {
    /// Answer with this status (tshost makes the response).
    Respond(u16),
    /// A hook point (this one) ended with TS_EVENT_HTTP_ERROR: the API error response.
    Api(i32),
    /// The client is gone: no response.
    ClientGone,
}

/// Run a transaction whose TXN_START has not run yet; `scheme` ("http", "https") is the client
/// connection's, for remap.
pub async fn run<S: Transport>(
    proxy: &Proxy,
    ssn: &Arc<Session>,
    txn: &Arc<Txn>,
    client: &mut Conn<S>,
    scheme: &str,
) -> Done {
    // TXN_START sees an empty request; the parsed one goes into the same heap, so handles a plugin
    // took at TXN_START stay valid.
    let tls = scheme == "https";
    // Every read and write of the client from here on: each within
    // transaction_no_activity_timeout_in, all within transaction_active_timeout_in.
    let active = proxy.config.client_active_timeout.as_millis() as u64;
    client.set_limit(Some(Limit {
        idle: proxy.config.client_request_timeout,
        until_ms: (active > 0).then(|| crate::abi::handles::coarse_ms() + active),
    }));
    let creq = MBuffer::empty_request();
    txn.headers.client_req.store(Some(creq.clone()));
    if run_point(ssn, Some(txn), id::TXN_START).await == Outcome::Error {
        let mut c = H1Client::new(client, Framing::None, tls);
        return respond_api_error(ssn, txn, &mut c, id::TXN_START, true).await;
    }

    // The request head: usually all here already (it woke the session up), then without a timer.
    let head = match client.buffered_head(proxy.config.request_header_max) {
        Some(r) => Ok(r),
        None => {
            tokio::time::timeout(
                proxy.config.client_request_timeout,
                client.read_head(proxy.config.request_header_max),
            )
            .await
        }
    };
    let head_len = match head {
        Err(_) => {
            let mut c = H1Client::new(client, Framing::None, tls);
            return respond_error(ssn, txn, &mut c, 408, true).await;
        }
        Ok(Ok(Some(n))) => n,
        Ok(Ok(None)) | Ok(Err(HeadError::Truncated)) | Ok(Err(HeadError::Io(_))) => {
            txn.aborted.store(true, Ordering::Release);
            return Done { keep_alive: false };
        }
        Ok(Err(HeadError::TooLarge)) => {
            let mut c = H1Client::new(client, Framing::None, tls);
            return respond_error(ssn, txn, &mut c, 400, true).await;
        }
    };
    // Parsed where it lies (its strings are copied into the header's block), then consumed: no
    // split of the buffer, which would make its storage shared.
    let head = &client.buf[..head_len];
    let parsed = match lines_within(
        head,
        proxy.config.request_line_max,
        proxy.config.header_field_max,
    ) {
        Ok(()) => parse_request(head),
        Err(why) => Err(why),
    };
    // The head ends where the parser says (its first empty line: a bare-LF head may be followed
    // by bytes with a CRLF CRLF in them, which is where the head was found to end).
    let consumed = parsed.as_ref().map_or(head_len, |p| p.len);
    bytes::Buf::advance(&mut client.buf, consumed);
    let mut parsed = match parsed {
        Ok(p) => p,
        Err(why) => {
            crate::debug!("http", "transaction {}: bad request: {why}", txn.id);
            let mut c = H1Client::new(client, Framing::None, tls);
            return respond_error(ssn, txn, &mut c, 400, true).await;
        }
    };
    if scheme_refused(proxy, parsed.hdr.url().scheme(), tls) {
        let mut c = H1Client::new(client, Framing::None, tls);
        return respond_error(ssn, txn, &mut c, 400, true).await;
    }
    parsed.hdr.apply_client_request_defaults(scheme == "https");
    txn.request_version.store(
        ((parsed.version.0 as u32) << 16) | parsed.version.1 as u32,
        Ordering::Release,
    );
    let request_framing = parsed.framing;
    let client_keep_alive = wants_keep_alive(&parsed.hdr);
    let is_head = parsed.hdr.method() == b"HEAD";
    creq.replace(parsed.hdr);

    let mut c = H1Client::new(client, request_framing, tls);
    process(
        proxy,
        ssn,
        txn,
        &mut c,
        scheme,
        request_framing,
        client_keep_alive,
        is_head,
    )
    .await
}

/// The rest of a transaction once its request is in the client request header: hooks, remap,
/// origin, response; or the response tshost makes when any of those fails.
#[allow(clippy::too_many_arguments)]
pub async fn process<C: ClientIo>(
    proxy: &Proxy,
    ssn: &Arc<Session>,
    txn: &Arc<Txn>,
    client: &mut C,
    scheme: &str,
    request_framing: Framing,
    client_keep_alive: bool,
    is_head: bool,
) -> Done {
    let result = forward(proxy, ssn, txn, client, scheme, request_framing, is_head).await;
    match result {
        Ok(done) => Done {
            keep_alive: done.keep_alive && client_keep_alive,
        },
        Err(Failure::ClientGone) => {
            txn.aborted.store(true, Ordering::Release);
            Done { keep_alive: false }
        }
        Err(Failure::Respond(status)) => {
            // A request body not read yet would be taken for the next request: close after. So
            // after a 400 (ATS's build_error_response: the request stream is in an undetermined
            // state), and when the client does not keep alive (the response says close).
            let close = request_framing != Framing::None
                || status == 400
                || !client_keep_alive
                || proxy.draining.load(Ordering::Acquire);
            let d = respond_error(ssn, txn, client, status, close).await;
            Done {
                keep_alive: d.keep_alive && client_keep_alive,
            }
        }
        Err(Failure::Api(at)) => {
            // As ATS 9.2.9 (seen beside it): the connection closes after the response to an
            // ERROR at any hook before SEND_RESPONSE_HDR (its error response has no trusted
            // length when keep-alive is decided); at SEND_RESPONSE_HDR it is kept as decided.
            let close = at != id::SEND_RESPONSE_HDR
                || request_framing != Framing::None
                || !client_keep_alive
                || proxy.draining.load(Ordering::Acquire);
            let d = respond_api_error(ssn, txn, client, at, close).await;
            Done {
                keep_alive: d.keep_alive && client_keep_alive,
            }
        }
    }
}

/// A request whose URL names the other scheme than its connection's (`http` over TLS, `https`
/// in the clear; `ws` and `wss` alike), logged as ATS does; true when
/// ssl.client.scheme_proto_mismatch_policy (2, as ATS's default) refuses it: a 400 before
/// READ_REQUEST_HDR, as ATS's HttpSM.
pub(crate) fn scheme_refused(proxy: &Proxy, scheme: Option<&[u8]>, tls: bool) -> bool {
    let policy = proxy.config.scheme_mismatch_policy;
    let Some(s) = scheme.filter(|_| policy != 0) else {
        return false;
    };
    let others: [&[u8]; 2] = if tls {
        [b"http", b"ws"]
    } else {
        [b"https", b"wss"]
    };
    if !others.iter().any(|o| s.eq_ignore_ascii_case(o)) {
        return false;
    }
    crate::warning!(
        "scheme [{}] vs. protocol [{}] mismatch",
        String::from_utf8_lossy(s),
        if tls { "tls" } else { "plaintext" }
    );
    policy == 2
}

/// The status and reason of the response to TS_EVENT_HTTP_ERROR ([`crate::hdrs::api_error_status`]).
fn api_error_status(txn: &Txn) -> (u16, &'static str) {
    crate::hdrs::api_error_status(txn.status.load(Ordering::Acquire))
}

/// Run a hook point; ERROR becomes the API error response.
async fn hook(ssn: &Session, txn: &Txn, hook: i32) -> Result<(), Failure> {
    match run_point(ssn, Some(txn), hook).await {
        Outcome::Continue => Ok(()),
        Outcome::Error => Err(Failure::Api(hook)),
    }
}

#[allow(clippy::too_many_arguments)]
async fn forward<C: ClientIo>(
    proxy: &Proxy,
    ssn: &Session,
    txn: &Arc<Txn>,
    client: &mut C,
    scheme: &str,
    request_framing: Framing,
    is_head: bool,
) -> Result<Done, Failure> {
    hook(ssn, txn, id::READ_REQUEST_HDR).await?;
    hook(ssn, txn, id::PRE_REMAP).await?;
    let status = txn.status.load(Ordering::Acquire);
    if status != 0 {
        // A status set by a plugin up to the end of remap: tshost answers with it.
        return Err(Failure::Respond(status as u16));
    }
    let client_req = txn.headers.client_req.load_full().expect("client request");
    let target = remap(proxy, &client_req, scheme)?;
    if target.mapped {
        // As ATS, remap rewrites the client request itself (its URL, and Host unless
        // pristine_host_hdr): plugins see the mapped request from POST_REMAP on, and what they
        // change in it is what the server request is made from.
        client_req.with_mut(|h| apply_remap(h, &target, proxy.config.pristine_host));
    }
    hook(ssn, txn, id::POST_REMAP).await?;
    if request_framing == Framing::Chunked && client_req.with(|h| h.version()) < (1, 1) {
        // Transfer-Encoding exists in HTTP/1.1 only; ATS refuses it in older requests with 406
        // after remap (HttpTransact::check_request_validity, UNACCEPTABLE_TE_REQUIRED, #8451).
        return Err(Failure::Respond(406));
    }

    // OS_DNS: resolve the origin, the one the client request names now (POST_REMAP may change it).
    let target = client_req.with(|h| mapped_target(h, target));
    let addr = match target.rule.and_then(|r| r.ip) {
        Some(ip) => SocketAddr::new(ip, target.port),
        None => resolve(&target.host, target.port)
            .await
            .ok_or(Failure::Respond(502))?,
    };
    hook(ssn, txn, id::OS_DNS).await?;
    hook(ssn, txn, id::CACHE_LOOKUP_COMPLETE).await?;

    if request_framing == Framing::Chunked
        && !client_req.with(|h| h.has_token(b"expect", b"100-continue"))
    {
        // Nothing ambiguous reaches the origin: the chunk framing the client already sent is
        // checked before the origin is contacted.
        match client
            .check_body_prefix(proxy.config.client_request_timeout)
            .await
        {
            Ok(()) => {}
            Err(PrefixError::Gone) => return Err(Failure::ClientGone),
            Err(PrefixError::Timeout) => return Err(Failure::Respond(408)),
            Err(PrefixError::Malformed) => return Err(Failure::Respond(400)),
        }
    }
    let (mut origin, reused) = match proxy
        .pool
        .get(addr, proxy.config.origin_connect_timeout)
        .await
    {
        Ok(c) => c,
        Err(ConnectError::Timeout) => return Err(Failure::Respond(504)),
        Err(ConnectError::Failed(e)) => {
            crate::debug!("http", "transaction {}: origin {addr}: {e}", txn.id);
            return Err(Failure::Respond(502));
        }
    };
    // Each read and write of the origin within transaction_no_activity_timeout_out.
    let origin_limit = Some(Limit {
        idle: proxy.config.origin_response_timeout,
        until_ms: None,
    });
    origin.set_limit(origin_limit);

    // The server request: the client request, remapped, with the proxy's fields. Expect:
    // 100-continue goes to the origin, whose answer the client gets (ATS with
    // send_100_continue_response 0), where the client side can tell a body that comes without
    // waiting; else tshost answers 100 itself.
    let relay_continue =
        C::RELAYS_CONTINUE && !proxy.config.send_100_continue && request_framing != Framing::None;
    let (server_req, expect_continue) = client_req.copy_with(|h| {
        prepare_server_request(h, &target, proxy, ssn, request_framing);
        let e = h
            .field(b"expect")
            .map(|v| v.eq_ignore_ascii_case(b"100-continue"))
            .unwrap_or(false);
        if !(e && relay_continue) {
            h.remove_field(b"expect");
        }
        e
    });
    let relay_continue = relay_continue && expect_continue;
    // The origin answered before it had the body (a final response to Expect): the body is not
    // sent, so neither connection can carry another request.
    let mut body_unsent = false;
    txn.headers.server_req.store(Some(server_req.clone()));
    hook(ssn, txn, id::SEND_REQUEST_HDR).await?;

    // An idle connection the origin closed (its keep-alive timeout) fails on the write or ends
    // before the first byte of a response: a request without a body goes once more, on a fresh
    // connection (as ATS retries a request that failed on a reused server session).
    let mut retry = reused && request_framing == Framing::None;
    let (server_resp, resp_framing) = loop {
        let sent = if relay_continue {
            let max = proxy.config.response_header_max;
            // Boxed: the rare path's futures are not part of every transaction's.
            match Box::pin(relay_expect(
                client,
                &mut origin,
                &server_req,
                max,
                proxy.config.origin_response_timeout,
            ))
            .await
            {
                Ok(Expected::FinalFirst) => {
                    body_unsent = true;
                    Ok(())
                }
                Ok(Expected::Body) => {
                    Box::pin(send_body(client, &mut origin, request_framing)).await
                }
                Err(e) => Err(e),
            }
        } else {
            send_request(
                client,
                &mut origin,
                &server_req,
                request_framing,
                expect_continue,
            )
            .await
        };
        let closed = match sent {
            Ok(()) => {
                let head = pin!(read_response_head(proxy, &mut origin, is_head));
                match unless_gone(client, head).await {
                    Some(Ok(r)) => break r,
                    Some(Err(None)) => true,
                    Some(Err(Some(f))) => return Err(f),
                    // The origin connection is dropped: closed, never reused.
                    None => return Err(Failure::ClientGone),
                }
            }
            Err(SendError::Client) => return Err(Failure::ClientGone),
            Err(SendError::ClientTimeout) => return Err(Failure::Respond(408)),
            Err(SendError::BadClientBody) => return Err(Failure::Respond(400)),
            Err(SendError::OriginTimeout) => return Err(Failure::Respond(504)),
            Err(SendError::Origin) => true,
        };
        if !(closed && retry) {
            return Err(Failure::Respond(502));
        }
        retry = false;
        crate::debug!(
            "http",
            "transaction {}: reused origin connection closed, retrying",
            txn.id
        );
        origin = OriginPool::connect(addr, proxy.config.origin_connect_timeout)
            .await
            .map_err(|_| Failure::Respond(502))?;
        origin.set_limit(origin_limit);
    };
    txn.headers.server_resp.store(Some(server_resp.clone()));
    hook(ssn, txn, id::READ_RESPONSE_HDR).await?;

    // The client response.
    let (client_version, client_ka) = client_req.with(|h| (h.version(), wants_keep_alive(h)));
    let draining = proxy.draining.load(Ordering::Acquire);
    let (client_resp, client_framing) = server_resp.copy_with(|h| {
        let keep = client_ka && !body_unsent;
        let framing = prepare_client_response(h, resp_framing, client_version, is_head, keep);
        if draining {
            set_static(h, b"Connection", b"close\0");
        }
        framing
    });
    txn.headers.client_resp.store(Some(client_resp.clone()));
    hook(ssn, txn, id::SEND_RESPONSE_HDR).await?;

    // Each write to the client within its limit (the connection's, or the HTTP/2 stream's): a
    // client that does not take its response in time is let go.
    if client
        .send_head(&client_resp, client_framing)
        .await
        .is_err()
    {
        return Err(Failure::ClientGone);
    }
    let mut reader = BodyReader::new(resp_framing);
    loop {
        // The head (queued) goes out with the first body piece if it is already here; else now.
        if origin.buf.is_empty() && client.push().await.is_err() {
            return Err(Failure::ClientGone);
        }
        let Some(next) = unless_gone(client, pin!(reader.next(&mut origin))).await else {
            return Err(Failure::ClientGone);
        };
        match next {
            Ok(Some(piece)) => {
                if client.send_body(&piece).await.is_err() {
                    return Err(Failure::ClientGone);
                }
            }
            Ok(None) => break,
            Err(e) => {
                // The origin died mid-response, or stalled past its limit: the client cannot get
                // a complete response.
                crate::debug!("http", "transaction {}: origin body: {e:?}", txn.id);
                // ATS counts it as an aborted transaction (TSHttpTxnAborted at TXN_CLOSE).
                txn.aborted.store(true, Ordering::Release);
                client.abort().await;
                return Ok(Done { keep_alive: false });
            }
        }
    }
    if client.finish(&reader.trailers).await.is_err() {
        return Err(Failure::ClientGone);
    }
    let origin_keep_alive =
        resp_framing != Framing::Close && !body_unsent && server_resp.with(wants_keep_alive);
    if origin_keep_alive {
        proxy.pool.put(addr, origin);
    }
    let client_keep_alive = client_framing != Framing::Close
        && !body_unsent
        && client_resp.with(|h| !h.has_token(b"connection", b"close"));
    Ok(Done {
        keep_alive: client_keep_alive,
    })
}

/// Wait for `origin_io` unless the client leaves first (None then). The origin is polled first:
/// bytes already there cost no look at the client. Give it pinned in place (`pin!`): a large
/// future moved in would be copied on every call.
async fn unless_gone<C: ClientIo, T>(
    client: &mut C,
    origin_io: impl Future<Output = T>,
) -> Option<T> {
    let mut origin_io = pin!(origin_io);
    let mut gone = pin!(client.gone());
    std::future::poll_fn(|cx| {
        if let std::task::Poll::Ready(r) = origin_io.as_mut().poll(cx) {
            return std::task::Poll::Ready(Some(r));
        }
        gone.as_mut().poll(cx).map(|()| None)
    })
    .await
}

/// Read the origin's final response head (interim 1xx responses are skipped). `Err(None)`: the
/// connection ended before any byte of a response.
async fn read_response_head(
    proxy: &Proxy,
    origin: &mut OriginConn,
    is_head: bool,
) -> Result<(Arc<MBuffer>, Framing), Option<Failure>> {
    let mut first = true;
    loop {
        let head = origin
            .read_head_within(
                proxy.config.response_header_max,
                proxy.config.origin_response_timeout,
            )
            .await;
        let n = match head {
            Err(_) => return Err(Some(Failure::Respond(504))),
            Ok(Ok(Some(n))) => n,
            // The connection's limit (transaction_no_activity_timeout_out) cut a read.
            Ok(Err(HeadError::Io(std::io::ErrorKind::TimedOut))) => {
                return Err(Some(Failure::Respond(504)))
            }
            Ok(Ok(None)) | Ok(Err(HeadError::Io(_))) if first && origin.buf.is_empty() => {
                return Err(None)
            }
            Ok(_) => return Err(Some(Failure::Respond(502))),
        };
        first = false;
        let parsed = parse_response(&origin.buf[..n], is_head);
        let (resp, framing, status, len) = parsed.map_err(|_| Some(Failure::Respond(502)))?;
        bytes::Buf::advance(&mut origin.buf, len);
        if (100..200).contains(&status) && status != 101 {
            continue; // interim responses are not forwarded
        }
        if framing == Framing::Chunked && !chunked_prefix_is_valid(&origin.buf) {
            // Chunks already here that are malformed: nothing of this response goes out.
            return Err(Some(Failure::Respond(502)));
        }
        return Ok((resp, framing));
    }
}

enum SendError {
    Client,
    /// The client's body did not come in time (no activity, or the transaction's deadline).
    ClientTimeout,
    BadClientBody,
    Origin,
    /// The origin did not take the request in time.
    OriginTimeout,
}

impl SendError {
    fn origin(e: std::io::Error) -> SendError {
        if e.kind() == std::io::ErrorKind::TimedOut {
            SendError::OriginTimeout
        } else {
            SendError::Origin
        }
    }
}

/// Write the request head and stream the client's body to the origin.
async fn send_request<C: ClientIo>(
    client: &mut C,
    origin: &mut OriginConn,
    req: &MBuffer,
    framing: Framing,
    expect_continue: bool,
) -> Result<(), SendError> {
    // Printed into the connection's write queue (again for a retry).
    origin
        .write_with(|out| req.with(|h| h.write_request(out)))
        .await
        .map_err(SendError::origin)?;
    if framing == Framing::None {
        return origin.flush().await.map_err(SendError::origin);
    }
    if expect_continue {
        client
            .send_continue()
            .await
            .map_err(|_| SendError::Client)?;
    }
    send_body(client, origin, framing).await
}

/// What came first after a request with `Expect: 100-continue` went to the origin.
enum Expected {
    /// The origin's 100 (relayed to the client), or the client's body without waiting: the body
    /// follows.
    Body,
    /// The origin's final response (in its buffer, unread): the body is not sent.
    FinalFirst,
}

/// Send the request head, Expect included, and wait for what comes first: the origin's 100
/// (relayed), its final response (417, or any other), or the client's body (a client need not
/// wait for a 100). Interim responses other than 100 are skipped.
async fn relay_expect<C: ClientIo>(
    client: &mut C,
    origin: &mut OriginConn,
    req: &MBuffer,
    head_max: usize,
    head_timeout: Duration,
) -> Result<Expected, SendError> {
    origin
        .write_with(|out| req.with(|h| h.write_request(out)))
        .await
        .map_err(SendError::origin)?;
    origin.flush().await.map_err(SendError::origin)?;
    loop {
        let head = tokio::select! {
            biased;
            r = origin.read_head_within(head_max, head_timeout) => r,
            () = client.body_started() => return Ok(Expected::Body),
        };
        let n = match head {
            Err(_) => return Err(SendError::OriginTimeout),
            Ok(Ok(Some(n))) => n,
            Ok(_) => return Err(SendError::Origin),
        };
        match response_status(&origin.buf[..n]) {
            Some(100) => {
                bytes::Buf::advance(&mut origin.buf, n);
                client
                    .send_continue()
                    .await
                    .map_err(|_| SendError::Client)?;
                return Ok(Expected::Body);
            }
            Some(101..=199) => bytes::Buf::advance(&mut origin.buf, n),
            _ => return Ok(Expected::FinalFirst),
        }
    }
}

/// The status code of a response head (None if the status line is malformed: the full parse
/// says why).
fn response_status(head: &[u8]) -> Option<u16> {
    match head.get(8..13)? {
        [b' ', a, b, c, b' ' | b'\r' | b'\n'] if head.starts_with(b"HTTP/1.") => {
            std::str::from_utf8(&[*a, *b, *c]).ok()?.parse().ok()
        }
        _ => None,
    }
}

/// Stream the client's request body to the origin.
async fn send_body<C: ClientIo>(
    client: &mut C,
    origin: &mut OriginConn,
    framing: Framing,
) -> Result<(), SendError> {
    let mut writer = BodyWriter::new(framing);
    loop {
        // Each read within the client side's limit, each write within the origin's.
        match client.body_piece().await {
            Ok(Some(piece)) => writer
                .write(origin, &piece)
                .await
                .map_err(SendError::origin)?,
            Ok(None) => break,
            Err(BodyError::Malformed(_)) => return Err(SendError::BadClientBody),
            Err(BodyError::Io(std::io::ErrorKind::TimedOut)) => {
                return Err(SendError::ClientTimeout)
            }
            Err(_) => return Err(SendError::Client),
        }
    }
    let trailers = client.request_trailers().await;
    writer
        .finish_with_trailers(origin, &trailers)
        .await
        .map_err(SendError::origin)
}

/// Where a request goes after remap. A mapped request borrows the rule's strings.
pub struct Target<'p> {
    pub host: Cow<'p, str>,
    pub port: u16,
    pub scheme: Cow<'p, str>,
    /// New path (without the leading '/').
    pub path: Vec<u8>,
    /// A remap rule matched (the client request was rewritten to this target).
    pub mapped: bool,
    /// The rule's target, while the host and port are still the rule's (its strings are made
    /// once: the request takes them without a copy, and its IP address without resolving).
    pub rule: Option<&'p crate::config::remap::Target>,
}

/// Bytes as text: borrowed when they are UTF-8 (a host name always is), else with U+FFFD.
fn text(b: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

fn remap<'p>(proxy: &'p Proxy, req: &MBuffer, scheme: &str) -> Result<Target<'p>, Failure> {
    req.with(|h| {
        let url = h.url();
        // The URL's scheme: the connection's, unless an absolute-form URL named the other one
        // (let through by scheme_proto_mismatch_policy 0 or 1), which ATS 9.2.9 then follows
        // for the rule and the default port (seen beside it).
        let scheme = match url.effective_scheme() {
            Some(b"https") => "https",
            Some(b"http") => "http",
            _ => scheme,
        };
        let (host, port) = match url.host() {
            Some(host) if !host.is_empty() => (host, url.port()),
            _ => split_host_port(h.field(b"host").unwrap_or_default()),
        };
        let host = text(host);
        let port = port.unwrap_or(if scheme == "https" { 443 } else { 80 });
        match proxy
            .config
            .remap
            .lookup_path(scheme, &host, port, url.path())
        {
            Some((rule, new_path)) => Ok(Target {
                host: Cow::Borrowed(&rule.to.host),
                port: rule.to.port,
                scheme: Cow::Borrowed(&rule.to.scheme),
                path: new_path,
                mapped: true,
                rule: Some(&rule.to),
            }),
            None if proxy.config.remap_required => Err(Failure::Respond(404)),
            None if host.is_empty() => Err(Failure::Respond(400)),
            None => Ok(Target {
                host: Cow::Owned(host.into_owned()),
                port,
                scheme: Cow::Owned(scheme.to_string()),
                path: url.path().to_vec(),
                mapped: false,
                rule: None,
            }),
        }
    })
}

/// A Host value's host and port (whitespace around it trimmed; `[v6]:port` for IPv6).
fn split_host_port(v: &[u8]) -> (&[u8], Option<u16>) {
    let s = v.trim_ascii();
    // As `str::parse::<u16>`: an optional `+`, then decimal digits (leading zeros allowed).
    let port = |p: &[u8]| -> Option<u16> {
        let digits = p.strip_prefix(b"+").unwrap_or(p);
        if digits.is_empty() {
            return None;
        }
        let mut n: u32 = 0;
        for &c in digits {
            if !c.is_ascii_digit() {
                return None;
            }
            n = n * 10 + u32::from(c - b'0');
            if n > u32::from(u16::MAX) {
                return None;
            }
        }
        Some(n as u16)
    };
    if let Some(rest) = s.strip_prefix(b"[") {
        if let Some(end) = rest.iter().position(|c| *c == b']') {
            let p = &rest[end + 1..];
            return (&rest[..end], p.strip_prefix(b":").and_then(port));
        }
    }
    match s.iter().rposition(|c| *c == b':') {
        Some(i) if !s[..i].contains(&b':') => (&s[..i], port(&s[i + 1..])),
        _ => (s, None),
    }
}

async fn resolve(host: &str, port: u16) -> Option<SocketAddr> {
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return Some(SocketAddr::new(ip, port));
    }
    tokio::net::lookup_host((host, port)).await.ok()?.next()
}

/// Rewrite a client request to its remap target (ATS's remap: scheme, host, port, path; the Host
/// field too unless `pristine_host`). The rule's strings are shared, not copied.
fn apply_remap(h: &mut HttpHdr, t: &Target, pristine_host: bool) {
    let Some(rule) = t.rule else { return };
    let default = if rule.scheme == "https" { 443 } else { 80 };
    let url = h.url_mut();
    url.set_scheme(Some(rule.scheme.as_bytes()));
    url.set_host_hstr(rule.host_str.clone());
    if rule.port == default {
        url.set_port(None);
    } else {
        url.set_port_hstr(rule.port, rule.port_text.clone());
    }
    if url.path() != t.path.as_slice() {
        url.set_path(&t.path);
    }
    if !pristine_host {
        h.set_field_hstr(b"Host", rule.host_field.clone());
    }
}

/// Where a remapped client request goes: the host, port, scheme and path of its URL (which
/// plugins may have changed since remap); `remapped` if the URL names no host, or names what
/// remap put there.
fn mapped_target<'p>(h: &HttpHdr, remapped: Target<'p>) -> Target<'p> {
    let url = h.url();
    match url.host() {
        Some(host) if remapped.mapped && !host.is_empty() => {
            let port = url.port_or_default();
            let scheme = url.effective_scheme();
            let path = url.path();
            if host == remapped.host.as_bytes()
                && port == remapped.port
                && scheme.is_none_or(|s| s == remapped.scheme.as_bytes())
                && path == remapped.path.as_slice()
            {
                return remapped;
            }
            let same_host = host == remapped.host.as_bytes() && port == remapped.port;
            Target {
                host: Cow::Owned(text(host).into_owned()),
                port,
                scheme: scheme
                    .map(|s| Cow::Owned(text(s).into_owned()))
                    .unwrap_or(remapped.scheme),
                path: path.to_vec(),
                mapped: true,
                rule: remapped.rule.filter(|_| same_host),
            }
        }
        _ => remapped,
    }
}

fn prepare_server_request(
    h: &mut HttpHdr,
    target: &Target,
    proxy: &Proxy,
    ssn: &Session,
    framing: Framing,
) {
    {
        let url = h.url_mut();
        // The path stays as it is when remap left it so (no new string).
        if url.path() != target.path.as_slice() {
            url.set_path(&target.path);
        }
        url.set_host(None);
        url.set_scheme(None);
        url.set_port(None);
    }
    strip_hop_by_hop(h);
    // The Host field goes as it is: a mapped request's was set at remap (and is the plugins' to
    // change since); an unmapped one's names the target already (the client's, or the URL's
    // host put there when the request was read), except after `Max-Forwards: 0`, where ATS
    // 9.2.9 forwards the client's Host too (seen beside it).
    h.set_version((1, 1));
    match framing {
        Framing::Length(n) => set_content_length(h, n),
        Framing::Chunked => {
            h.remove_field(b"content-length");
            set_static(h, b"Transfer-Encoding", b"chunked\0");
        }
        _ => {
            h.remove_field(b"content-length");
        }
    }
    if proxy.config.insert_xff {
        if let Some(ip) = &ssn.client.client_ip {
            h.append_field(b"X-Forwarded-For", ip);
        }
    }
    if let Some(via) = &proxy.config.via {
        // The server request is HTTP/1.1 (just set).
        let mut v = Vec::with_capacity(9 + via.len());
        v.extend_from_slice(b"http/1.1 ");
        v.extend_from_slice(via.as_bytes());
        h.append_field(b"Via", &v);
    }
}

/// Remove hop-by-hop fields, including those the Connection field names. Content-Length is the
/// caller's: it goes with the framing ([`set_content_length`]).
fn strip_hop_by_hop(h: &mut HttpHdr) {
    // The fixed list split into well-known strings and other names: a parsed field's name was
    // looked up when it was parsed, so a field with a well-known name is checked against the
    // list by index, and only one without is compared by name.
    type Split = (Vec<u64>, Vec<&'static [u8]>);
    static SPLIT: std::sync::LazyLock<Split> = std::sync::LazyLock::new(|| {
        let mut known = Vec::new();
        let mut other = Vec::new();
        for n in HOP_BY_HOP {
            match crate::hdrs::tokens::lookup(n) {
                Some(i) => {
                    if known.len() <= i / 64 {
                        known.resize(i / 64 + 1, 0);
                    }
                    known[i / 64] |= 1 << (i % 64);
                }
                None => other.push(*n),
            }
        }
        (known, other)
    });
    let (known, other) = &*SPLIT;
    let listed = |t: &[u8]| {
        HOP_BY_HOP.iter().any(|n| n.eq_ignore_ascii_case(t))
            || t.eq_ignore_ascii_case(b"content-length")
    };
    // The fields the Connection field names (beyond the fixed list).
    let mut named: Vec<Vec<u8>> = Vec::new();
    for (n, v) in h.fields() {
        if !n.eq_ignore_ascii_case(b"connection") {
            continue;
        }
        for t in v.split(|b| *b == b',') {
            let t = t.trim_ascii();
            if !t.is_empty() && !listed(t) {
                named.push(t.to_vec());
            }
        }
    }
    h.remove_fields_by(|f| {
        match f.wks() {
            Some(i) => {
                if known.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 != 0) {
                    return true;
                }
            }
            None => {
                if other.iter().any(|n| f.is_named(n)) {
                    return true;
                }
            }
        }
        !named.is_empty() && named.iter().any(|n| f.is_named(n))
    });
}

/// [`HttpHdr::set_field`] with a value the proxy always writes the same way: a static string
/// (NUL-terminated, the NUL not part of the value), not a new one per response.
fn set_static(h: &mut HttpHdr, name: &[u8], value_nul: &'static [u8]) {
    h.set_field_hstr(name, HStr::from_static_nul(value_nul));
}

/// Give the header exactly one Content-Length, `n`; a single field that says so already stays
/// as it is (no new string).
fn set_content_length(h: &mut HttpHdr, n: u64) {
    let dec = Dec::new(n);
    if h.only_field(b"content-length") != Some(dec.as_bytes()) {
        h.set_field(b"Content-Length", dec.as_bytes());
    }
}

/// Make the client response from the origin's: hop-by-hop fields out, the client's HTTP version,
/// framing for this client, and the Connection field ATS puts in
/// (`HttpTransact::handle_response_keep_alive_headers`): `keep-alive` when the connection stays
/// (for HTTP/1.0 and 1.1 alike), `close` when it does not and the client is HTTP/1.1 or asked
/// for keep-alive.
fn prepare_client_response(
    h: &mut HttpHdr,
    origin: Framing,
    client_version: (u8, u8),
    is_head: bool,
    client_keep_alive: bool,
) -> Framing {
    let http11 = client_version >= (1, 1);
    // ATS answers in the client's version (HttpTransactHeaders::convert_response).
    h.set_version(if http11 { (1, 1) } else { (1, 0) });
    let framing = client_body_framing(h, origin, http11, is_head);
    if client_keep_alive && framing != Framing::Close {
        set_static(h, b"Connection", b"keep-alive\0");
    } else if client_keep_alive || http11 {
        set_static(h, b"Connection", b"close\0");
    }
    framing
}

fn client_body_framing(h: &mut HttpHdr, origin: Framing, http11: bool, is_head: bool) -> Framing {
    let status = h.status();
    strip_hop_by_hop(h);
    let no_body = is_head || status == 204 || status == 304 || (100..200).contains(&status);
    if no_body {
        // The Content-Length the origin gave (a HEAD response's says what a GET would get),
        // made one field.
        if let Some(cl) = h.field(b"content-length") {
            if h.only_field(b"content-length").is_none() {
                let cl = cl.to_vec();
                h.set_field(b"Content-Length", &cl);
            }
        }
        return Framing::None;
    }
    match origin {
        Framing::Length(n) => {
            set_content_length(h, n);
            Framing::Length(n)
        }
        Framing::None => {
            set_content_length(h, 0);
            Framing::None
        }
        Framing::Chunked | Framing::Close if http11 => {
            h.remove_field(b"content-length");
            set_static(h, b"Transfer-Encoding", b"chunked\0");
            Framing::Chunked
        }
        _ => {
            h.remove_field(b"content-length");
            Framing::Close
        }
    }
}

fn wants_keep_alive(h: &HttpHdr) -> bool {
    if h.version() >= (1, 1) {
        !h.has_token(b"connection", b"close")
    } else {
        h.has_token(b"connection", b"keep-alive")
    }
}

/// Send a response made by tshost for `status` (ATS's build_error_response: the standard reason or
/// "Unknown HTTP Status", a generated page unless a plugin set a body, `Cache-Control: no-store`).
pub(crate) async fn respond_error<C: ClientIo>(
    ssn: &Session,
    txn: &Arc<Txn>,
    client: &mut C,
    status: u16,
    close_after: bool,
) -> Done {
    respond(ssn, txn, client, Generated::Status(status), close_after).await
}

/// Send the response to TS_EVENT_HTTP_ERROR at hook point `at` (ATS's HandleApiErrorJump).
pub(crate) async fn respond_api_error<C: ClientIo>(
    ssn: &Session,
    txn: &Arc<Txn>,
    client: &mut C,
    at: i32,
    close_after: bool,
) -> Done {
    respond(ssn, txn, client, Generated::Api(at), close_after).await
}

/// A response tshost makes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Generated {
    /// Its own status (bad request, origin failure, a status a plugin set before remap ended).
    Status(u16),
    /// TS_EVENT_HTTP_ERROR at this hook point.
    Api(i32),
}

/// Send a response made by tshost, after the SEND_RESPONSE_HDR hooks (not run again when the
/// ERROR came from SEND_RESPONSE_HDR itself, as in ATS). As ATS's setup_internal_transfer, the body
/// and its Content-Length and Content-Type are settled after those hooks: a body set with
/// TSHttpTxnErrorBodySet (its type, or text/html), else the generated page of a `Status`
/// response, else none (`Content-Length: 0`).
async fn respond<C: ClientIo>(
    ssn: &Session,
    txn: &Arc<Txn>,
    client: &mut C,
    what: Generated,
    close_after: bool,
) -> Done {
    let (status, reason, mut page) = match what {
        Generated::Status(s) => {
            let reason = crate::hdrs::reason(s).unwrap_or("Unknown HTTP Status");
            (s, reason, Some(default_body(s, reason).into_bytes()))
        }
        Generated::Api(_) => {
            let (s, reason) = api_error_status(txn);
            (s, reason, None)
        }
    };
    let is_head = txn
        .headers
        .client_req
        .load_full()
        .map(|r| r.with(|h| h.method() == b"HEAD"))
        .unwrap_or(false);
    // In the client's HTTP version once its request was parsed (as ATS).
    let version = match txn.request_version.load(Ordering::Acquire) {
        0x10000 => (1, 0),
        _ => (1, 1),
    };
    let connection: &[u8] = if close_after { b"close" } else { b"keep-alive" };
    let plugin_body = |page: &Option<Vec<u8>>| -> Option<(Vec<u8>, Vec<u8>)> {
        match txn.error_body.lock().as_ref() {
            Some(b) => Some((
                b.body().to_vec(),
                b.mime()
                    .map(|m| m.to_bytes().to_vec())
                    .unwrap_or_else(|| b"text/html".to_vec()),
            )),
            None => page.clone().map(|p| (p, b"text/html".to_vec())),
        }
    };
    let build = |h: &mut HttpHdr, status: u16, reason: &str, page: &Option<Vec<u8>>| {
        h.clear_fields();
        h.set_version(version);
        h.set_status(status);
        h.set_reason(reason.as_bytes());
        match plugin_body(page) {
            Some((body, ctype)) => {
                h.set_field(b"Content-Type", &ctype);
                h.set_field(b"Content-Length", body.len().to_string().as_bytes());
            }
            None => h.set_field(b"Content-Length", b"0"),
        }
        if matches!(what, Generated::Status(_)) {
            h.set_field(b"Cache-Control", b"no-store");
        }
        h.set_field(b"Connection", connection);
    };
    let resp = match txn.headers.client_resp.load_full() {
        // ERROR at SEND_RESPONSE_HDR: ATS rebuilds the client response in place (fields cleared).
        Some(r) if what == Generated::Api(id::SEND_RESPONSE_HDR) => r,
        _ => {
            let r = MBuffer::new_response(version, status, reason.as_bytes(), &[]);
            txn.headers.client_resp.store(Some(r.clone()));
            r
        }
    };
    resp.with_mut(|h| build(h, status, reason, &page));
    if what != Generated::Api(id::SEND_RESPONSE_HDR)
        && run_point(ssn, Some(txn), id::SEND_RESPONSE_HDR).await == Outcome::Error
    {
        // ERROR at SEND_RESPONSE_HDR of this response: the API error response instead, without
        // running those hooks again (ATS).
        let (status, reason) = api_error_status(txn);
        page = None;
        resp.with_mut(|h| build(h, status, reason, &page));
    }
    let body = match plugin_body(&page) {
        Some((body, ctype)) => {
            resp.with_mut(|h| {
                h.set_field(b"Content-Length", body.len().to_string().as_bytes());
                h.remove_field(b"transfer-encoding");
                h.set_field(b"Content-Type", &ctype);
            });
            body
        }
        None => {
            resp.with_mut(|h| {
                if !matches!(h.status(), 100..=199 | 204 | 304) {
                    h.set_field(b"Content-Length", b"0");
                    h.remove_field(b"transfer-encoding");
                }
            });
            Vec::new()
        }
    };
    let keep = !close_after && !resp.with(|h| h.has_token(b"connection", b"close"));
    let framing = if is_head || body.is_empty() {
        Framing::None
    } else {
        Framing::Length(body.len() as u64)
    };
    let sent = async {
        client.send_head(&resp, framing).await?;
        if framing != Framing::None {
            client.send_body(&body).await?;
        }
        client.finish(&[]).await
    };
    if sent.await.is_err() {
        txn.aborted.store(true, Ordering::Release);
        return Done { keep_alive: false };
    }
    Done { keep_alive: keep }
}

fn default_body(status: u16, reason: &str) -> String {
    format!("<HTML>\n<HEAD><TITLE>{status} {reason}</TITLE></HEAD>\n<BODY>\n<H1>{reason}</H1>\n<HR>\n<I>tshost</I>\n</BODY>\n</HTML>\n")
}

pub struct ParsedRequest {
    pub hdr: HttpHdr,
    pub version: (u8, u8),
    pub framing: Framing,
    /// The head's length (up to and with its empty line).
    pub len: usize,
}

/// Parse and validate a request head. Anything that cannot be framed without ambiguity is refused
/// (the caller answers 400 and closes): Content-Length with Transfer-Encoding, differing
/// Content-Lengths, a Transfer-Encoding other than chunked, obs-fold, bad values.
pub fn parse_request(head: &[u8]) -> Result<ParsedRequest, &'static str> {
    // Not initialised: httparse writes the ones it uses (no 4 KiB of zeroes per request).
    let mut headers = [const { std::mem::MaybeUninit::<httparse::Header>::uninit() }; 128];
    let mut req = httparse::Request::new(&mut []);
    let end = match req.parse_with_uninit_headers(head, &mut headers) {
        Ok(httparse::Status::Complete(end)) => end,
        Ok(httparse::Status::Partial) => return Err("incomplete head"),
        Err(httparse::Error::TooManyHeaders) => return Err("too many header fields"),
        Err(_) => return Err("malformed head"),
    };
    let method = req.method.ok_or("no method")?.as_bytes();
    let target = req.path.ok_or("no target")?.as_bytes();
    let version = (1, req.version.ok_or("no version")?);
    let fields: Vec<(&[u8], &[u8])> = req
        .headers
        .iter()
        .map(|h| (h.name.as_bytes(), h.value))
        .collect();
    let framing = request_framing(&fields)?;
    if version >= (1, 1) && !fields.iter().any(|(n, _)| n.eq_ignore_ascii_case(b"host")) {
        return Err("HTTP/1.1 request without Host");
    }
    if fields
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(b"host"))
        .count()
        > 1
    {
        return Err("more than one Host field");
    }
    if target.is_empty() || target.contains(&b' ') {
        return Err("bad request target");
    }
    // A target that is not a URL is refused (found by fuzzing: `http://a:b://c/?` went out as
    // the path `/http://a:b://c/?`, which itself went out differently when parsed again).
    let url = crate::hdrs::url::Url::parse(target).ok_or("bad request target")?;
    let hdr = HttpHdr::parsed_request_url(&head[..end], method, url, version, &fields);
    // CONNECT takes authority-form (host:port) only (RFC 9110 9.3.6). Found by fuzzing: any
    // other target was forwarded with the Host field's value, whatever bytes it held, as the
    // request target; one without a port went out with `:443` added (to a host with colons,
    // which the URL parser takes as IPv6-like: a new target at each pass).
    if method == b"CONNECT" && (hdr.url().host().is_none() || hdr.url().port().is_none()) {
        return Err("CONNECT target not host:port");
    }
    Ok(ParsedRequest {
        hdr,
        version,
        framing,
        len: end,
    })
}

/// A request line no longer than `line_max` and header field lines no longer than `field_max`
/// (ATS's request_line_max_size and header_field_max_size; a longer one makes the request
/// invalid). A head shorter than both limits is not looked at.
fn lines_within(head: &[u8], line_max: usize, field_max: usize) -> Result<(), &'static str> {
    if head.len() <= line_max.min(field_max) {
        return Ok(());
    }
    let mut start = 0;
    for (i, end) in memchr::memchr_iter(b'\n', head).enumerate() {
        let len = end - start;
        if i == 0 && len > line_max {
            return Err("request line too long");
        }
        if i > 0 && len > field_max {
            return Err("header field too long");
        }
        start = end + 1;
    }
    Ok(())
}

fn request_framing(fields: &[(&[u8], &[u8])]) -> Result<Framing, &'static str> {
    let te: Vec<&[u8]> = fields
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(b"transfer-encoding"))
        .map(|(_, v)| *v)
        .collect();
    let cl: Vec<&[u8]> = fields
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(b"content-length"))
        .map(|(_, v)| *v)
        .collect();
    if !te.is_empty() {
        if !cl.is_empty() {
            return Err("both Content-Length and Transfer-Encoding");
        }
        let codings: Vec<Vec<u8>> = te
            .iter()
            .flat_map(|v| v.split(|b| *b == b','))
            .map(|t| t.trim_ascii().to_ascii_lowercase())
            .filter(|t| !t.is_empty())
            .collect();
        if codings != [b"chunked".to_vec()] {
            return Err("Transfer-Encoding other than chunked");
        }
        return Ok(Framing::Chunked);
    }
    Ok(match content_length(cl)? {
        Some(0) | None => Framing::None,
        Some(n) => Framing::Length(n),
    })
}

/// The length the Content-Length values (fields, comma-separated lists) agree on; an error when
/// one is not a number or they differ.
fn content_length<'a>(
    values: impl IntoIterator<Item = &'a [u8]>,
) -> Result<Option<u64>, &'static str> {
    let mut length = None;
    for v in values {
        for part in v.split(|b| *b == b',') {
            let n = parse_length(part.trim_ascii()).ok_or("bad Content-Length")?;
            if length.is_some_and(|l| l != n) {
                return Err("differing Content-Length values");
            }
            length = Some(n);
        }
    }
    Ok(length)
}

fn parse_length(v: &[u8]) -> Option<u64> {
    if v.is_empty() || v.len() > 18 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(v).ok()?.parse().ok()
}

/// Parse an origin response head; the framing of its body (HEAD responses have none).
/// The parsed response's heap, framing, status and the head's length (up to and with its empty
/// line).
pub fn parse_response(
    head: &[u8],
    is_head: bool,
) -> Result<(Arc<MBuffer>, Framing, u16, usize), &'static str> {
    // Not initialised: httparse writes the ones it uses (no 4 KiB of zeroes per response).
    let mut headers = [const { std::mem::MaybeUninit::<httparse::Header>::uninit() }; 128];
    let mut resp = httparse::Response::new(&mut []);
    // `Foo : 1` from an origin is taken as `Foo: 1`, as RFC 9112 5.1 asks of a proxy ("MUST
    // remove any such whitespace from a response message before forwarding") and as ATS does
    // (its gold test headers/field_name_space). In a request the same is a 400.
    let mut config = httparse::ParserConfig::default();
    config.allow_spaces_after_header_name_in_responses(true);
    let end = match config.parse_response_with_uninit_headers(&mut resp, head, &mut headers) {
        Ok(httparse::Status::Complete(end)) => end,
        _ => return Err("malformed response head"),
    };
    let status = resp.code.ok_or("no status")?;
    // Three digits, the first 1-9 (RFC 9110 15): httparse takes `011` as 11, which has no class
    // and would go to the client as a two-digit status (found by fuzzing).
    if status < 100 {
        return Err("status under 100");
    }
    let version = (1, resp.version.ok_or("no version")?);
    let fields: Vec<(&[u8], &[u8])> = resp
        .headers
        .iter()
        .map(|h| (h.name.as_bytes(), h.value))
        .collect();
    let hdr = MBuffer::from_hdr(HttpHdr::parsed_response(
        &head[..end],
        version,
        status,
        resp.reason.unwrap_or("").as_bytes(),
        &fields,
    ));
    // As strict as a request's framing: Content-Length with Transfer-Encoding, differing or bad
    // lengths are refused (the caller answers 502 and never reuses the connection), whatever the
    // status (a bodiless response with ambiguous framing says the origin is confused).
    let te = fields
        .iter()
        .rfind(|(n, _)| n.eq_ignore_ascii_case(b"transfer-encoding"))
        .map(|(_, v)| *v);
    let cl = fields
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(b"content-length"))
        .map(|(_, v)| *v);
    let length = content_length(cl)?;
    if te.is_some() && length.is_some() {
        return Err("both Content-Length and Transfer-Encoding");
    }
    let framing = if is_head || status == 204 || status == 304 || (100..200).contains(&status) {
        Framing::None
    } else if te.is_some_and(last_coding_is_chunked) {
        Framing::Chunked
    } else if te.is_some() {
        // Codings without chunked last: the body ends with the connection (RFC 9112 6.3).
        Framing::Close
    } else if let Some(n) = length {
        Framing::Length(n)
    } else {
        Framing::Close
    };
    Ok((hdr, framing, status, end))
}

fn last_coding_is_chunked(v: &[u8]) -> bool {
    v.split(|b| *b == b',')
        .next_back()
        .map(|t| t.trim_ascii().eq_ignore_ascii_case(b"chunked"))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framing(head: &str) -> Result<Framing, &'static str> {
        parse_request(head.as_bytes()).map(|p| p.framing)
    }

    #[test]
    fn a_bare_lf_head_ends_at_its_first_empty_line() {
        // Found to end at the later CRLF CRLF (the fast search), parsed to its real end.
        let two = b"GET /a HTTP/1.1\nHost: a\n\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n";
        let p = parse_request(two).unwrap();
        assert_eq!(p.len, b"GET /a HTTP/1.1\nHost: a\n\n".len());
        let resp = b"HTTP/1.1 200 OK\nContent-Length: 0\n\nHTTP/1.1 200 OK\r\n\r\n";
        let (_, _, status, len) = parse_response(resp, false).unwrap();
        assert_eq!(
            (status, len),
            (200, b"HTTP/1.1 200 OK\nContent-Length: 0\n\n".len())
        );
    }

    #[test]
    fn connect_target_not_authority_form_is_refused() {
        // Found by fuzzing: the Host field's bytes became the forwarded request target.
        assert!(parse_request(
            b"CONNECT uxampQlA.com:]43 HTTP/1.1\r\nHost: exos\xe3om:886\r\n\r\n"
        )
        .is_err());
        assert!(parse_request(b"CONNECT /p HTTP/1.1\r\nHost: a:443\r\n\r\n").is_err());
        // Without a port (colons in the host: no port at all), it went out as host:443, a
        // different target each time it was parsed and written.
        assert!(parse_request(b"CONNECT a.com:4.com:443 HTTP/1.1\r\nHost: a\r\n\r\n").is_err());
        assert!(parse_request(b"CONNECT a.example HTTP/1.1\r\nHost: a\r\n\r\n").is_err());
        let p = parse_request(b"CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n")
            .unwrap();
        let mut out = Vec::new();
        p.hdr.write_request(&mut out);
        assert!(out.starts_with(b"CONNECT a.example:443 HTTP/1.1\r\n"));
    }

    #[test]
    fn request_target_that_is_not_a_url_is_refused() {
        // Found by fuzzing: it was taken as a path, and forwarded as `/` + the target.
        assert!(parse_request(b"GET http://amtp://o.example/? HTTP/1.0\r\n\r\n").is_err());
        let p = parse_request(b"GET http://o.example/a?b HTTP/1.0\r\n\r\n").unwrap();
        let mut out = Vec::new();
        p.hdr.write_request(&mut out);
        assert!(out.starts_with(b"GET /a?b HTTP/1.0\r\n"));
    }

    #[test]
    fn origin_status_under_100_is_refused() {
        // Found by fuzzing: `011` parsed as 11 and was printed to the client as `11`.
        assert!(parse_response(b"HTTP/1.0 011\n\n", false).is_err());
        assert!(parse_response(b"HTTP/1.1 000 x\r\n\r\n", false).is_err());
        let (_, _, status, _) = parse_response(b"HTTP/1.1 100 Continue\r\n\r\n", false).unwrap();
        assert_eq!(status, 100);
    }

    #[test]
    fn ambiguous_requests_are_refused() {
        assert!(framing(
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        .is_err());
        assert!(framing(
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"
        )
        .is_err());
        assert!(framing("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n").is_err());
        assert!(
            framing("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")
                .is_err()
        );
        assert!(
            framing("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n")
                .is_err()
        );
        assert!(framing("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n").is_err());
        assert!(
            framing("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n").is_err(),
            "obs-fold"
        );
        assert!(
            framing("GET / HTTP/1.1\r\nX: a\r\n\r\n").is_err(),
            "1.1 without Host"
        );
        assert_eq!(
            framing("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"),
            Ok(Framing::Length(5))
        );
        assert_eq!(
            framing("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n"),
            Ok(Framing::Chunked)
        );
        assert_eq!(framing("GET / HTTP/1.0\r\n\r\n"), Ok(Framing::None));
    }

    fn names(h: &HttpHdr) -> Vec<String> {
        h.fields()
            .map(|(n, _)| String::from_utf8_lossy(n).to_ascii_lowercase())
            .collect()
    }

    #[test]
    fn hop_by_hop_fields_and_the_ones_connection_names_are_stripped() {
        // Every name of the fixed list (well-known strings and others alike, any case), the
        // names the Connection field lists (a well-known one and others, blanks and empty
        // items skipped), and nothing else: Content-Length stays even when Connection names it
        // (the framing is the caller's).
        let mut fields: Vec<(&[u8], &[u8])> = HOP_BY_HOP
            .iter()
            .filter(|n| **n != b"connection")
            .map(|n| (*n, &b"x"[..]))
            .collect();
        fields.extend([
            (
                &b"CONNECTION"[..],
                &b" , X-One ,cache-control,, content-length"[..],
            ),
            (b"Connection", b"x-two"),
            (b"X-One", b"1"),
            (b"x-two", b"2"),
            (b"Cache-Control", b"no-cache"),
            (b"Content-Length", b"3"),
            (b"X-Kept", b"k"),
            (b"Date", b"d"),
            (b"PROXY-AUTHENTICATE", b"p"),
            (b"Keep-Alive", b"timeout=5"),
        ]);
        let mut h = HttpHdr::response((1, 1), 200, b"OK", &fields);
        strip_hop_by_hop(&mut h);
        assert_eq!(names(&h), ["content-length", "x-kept", "date"]);
        // Without a Connection field only the fixed list goes.
        let mut h = HttpHdr::response(
            (1, 1),
            200,
            b"OK",
            &[
                (b"TE", b"trailers"),
                (b"X-A", b"a"),
                (b"Upgrade", b"h2c"),
                (b"X-B", b"b"),
            ],
        );
        strip_hop_by_hop(&mut h);
        assert_eq!(names(&h), ["x-a", "x-b"]);
    }

    #[test]
    fn request_and_field_lines_are_limited_exactly() {
        // A line's length counts up to its LF (the CR included), as ATS counts.
        let head = b"GET /abcdef HTTP/1.1\r\nHost: a.example\r\nX-Long: 0123456789\r\n\r\n";
        let line = b"GET /abcdef HTTP/1.1\r".len();
        let field = b"X-Long: 0123456789\r".len();
        assert_eq!(lines_within(head, line, field), Ok(()));
        assert_eq!(
            lines_within(head, line - 1, field),
            Err("request line too long")
        );
        assert_eq!(
            lines_within(head, line, field - 1),
            Err("header field too long")
        );
        // A head no longer than both limits is not looked at.
        assert_eq!(lines_within(b"GET / HTTP/1.1\r\n\r\n", 19, 19), Ok(()));
        assert_eq!(lines_within(b"GET / HTTP/1.1\r\n\r\n", 18, 19), Ok(()));
        assert_eq!(
            lines_within(b"GET / HTTP/1.1\r\n\r\n", 14, 30),
            Err("request line too long")
        );
    }

    #[test]
    fn content_lengths_are_decimal_and_agree() {
        assert_eq!(parse_length(b"0"), Some(0));
        assert_eq!(
            parse_length(b"999999999999999999"),
            Some(999_999_999_999_999_999)
        );
        assert_eq!(parse_length(b"1000000000000000000"), None, "19 digits");
        for bad in [&b""[..], b"+1", b"-1", b"1 ", b"0x1", b"1.0"] {
            assert_eq!(parse_length(bad), None, "{bad:?}");
        }
        assert_eq!(content_length([&b"5"[..], b" 5 , 5"]), Ok(Some(5)));
        assert_eq!(content_length(Vec::<&[u8]>::new()), Ok(None));
        assert_eq!(
            content_length([&b"5"[..], b"6"]),
            Err("differing Content-Length values")
        );
        assert_eq!(content_length([&b"5,,5"[..]]), Err("bad Content-Length"));
        assert_eq!(
            framing("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"),
            Ok(Framing::None)
        );
        assert_eq!(
            framing("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked,\r\n\r\n"),
            Ok(Framing::Chunked)
        );
        assert_eq!(
            framing(
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
            ),
            Err("Transfer-Encoding other than chunked")
        );
    }

    #[test]
    fn response_framing_follows_status_codings_and_length() {
        let f = |head: &str, is_head: bool| parse_response(head.as_bytes(), is_head).map(|r| r.1);
        let cl = "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n";
        assert_eq!(f(cl, false), Ok(Framing::Length(7)));
        assert_eq!(f(cl, true), Ok(Framing::None), "HEAD");
        for status in ["100", "199", "204", "304"] {
            let head = format!("HTTP/1.1 {status} X\r\nContent-Length: 7\r\n\r\n");
            assert_eq!(f(&head, false), Ok(Framing::None), "{status}");
        }
        for status in ["200", "203", "205", "303", "305"] {
            let head = format!("HTTP/1.1 {status} X\r\nContent-Length: 7\r\n\r\n");
            assert_eq!(f(&head, false), Ok(Framing::Length(7)), "{status}");
        }
        let te = |v: &str| {
            f(
                &format!("HTTP/1.1 200 OK\r\nTransfer-Encoding: {v}\r\n\r\n"),
                false,
            )
        };
        assert_eq!(te("gzip, Chunked "), Ok(Framing::Chunked));
        assert_eq!(te("chunked, gzip"), Ok(Framing::Close));
        assert_eq!(te("gzip"), Ok(Framing::Close));
        assert_eq!(te(""), Ok(Framing::Close));
        // The last Transfer-Encoding field counts.
        assert_eq!(
            f(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
                false
            ),
            Ok(Framing::Chunked)
        );
        assert_eq!(f("HTTP/1.1 200 OK\r\n\r\n", false), Ok(Framing::Close));
        assert_eq!(
            f(
                "HTTP/1.1 200 OK\r\nContent-Length: 7\r\nTransfer-Encoding: chunked\r\n\r\n",
                false
            ),
            Err("both Content-Length and Transfer-Encoding")
        );
        assert_eq!(
            f(
                "HTTP/1.1 204 OK\r\nContent-Length: 7\r\nContent-Length: 8\r\n\r\n",
                false
            ),
            Err("differing Content-Length values")
        );
        assert!(last_coding_is_chunked(b" x ,chunked"));
        assert!(!last_coding_is_chunked(b""));
        assert!(!last_coding_is_chunked(b"chunkedx"));
    }

    #[test]
    fn keep_alive_is_asked_as_the_version_says() {
        let req = |head: &str| parse_request(head.as_bytes()).unwrap().hdr;
        assert!(wants_keep_alive(&req("GET / HTTP/1.1\r\nHost: a\r\n\r\n")));
        assert!(!wants_keep_alive(&req(
            "GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, Close\r\n\r\n"
        )));
        assert!(!wants_keep_alive(&req("GET / HTTP/1.0\r\n\r\n")));
        assert!(wants_keep_alive(&req(
            "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"
        )));
    }

    #[test]
    fn client_framing_for_each_origin_framing_and_version() {
        let resp = |status: u16, fields: &[(&[u8], &[u8])]| {
            HttpHdr::response((1, 1), status, b"X", fields)
        };
        // A length: exactly one Content-Length.
        let mut h = resp(200, &[(b"Content-Length", b"5"), (b"Content-Length", b"5")]);
        assert_eq!(
            client_body_framing(&mut h, Framing::Length(5), true, false),
            Framing::Length(5)
        );
        assert_eq!(h.only_field(b"content-length"), Some(&b"5"[..]));
        // No body: Content-Length 0.
        let mut h = resp(200, &[]);
        assert_eq!(
            client_body_framing(&mut h, Framing::None, true, false),
            Framing::None
        );
        assert_eq!(h.only_field(b"content-length"), Some(&b"0"[..]));
        // Chunked or close-delimited: chunked for HTTP/1.1, close for HTTP/1.0 (no length).
        for origin in [Framing::Chunked, Framing::Close] {
            let mut h = resp(200, &[(b"Transfer-Encoding", b"chunked")]);
            assert_eq!(
                client_body_framing(&mut h, origin, true, false),
                Framing::Chunked
            );
            assert_eq!(h.field(b"transfer-encoding"), Some(&b"chunked"[..]));
            let mut h = resp(200, &[(b"Transfer-Encoding", b"chunked")]);
            assert_eq!(
                client_body_framing(&mut h, origin, false, false),
                Framing::Close
            );
            assert_eq!(names(&h), Vec::<String>::new());
        }
        // Bodiless statuses and HEAD keep the origin's length, made one field.
        for (status, is_head) in [
            (204, false),
            (304, false),
            (100, false),
            (199, false),
            (200, true),
        ] {
            let mut h = resp(
                status,
                &[(b"Content-Length", b"9"), (b"Content-Length", b"9")],
            );
            assert_eq!(
                client_body_framing(&mut h, Framing::Length(9), true, is_head),
                Framing::None,
                "{status}"
            );
            assert_eq!(h.only_field(b"content-length"), Some(&b"9"[..]), "{status}");
        }
        let mut h = resp(200, &[(b"Content-Length", b"9")]);
        assert_eq!(
            client_body_framing(&mut h, Framing::Length(9), true, false),
            Framing::Length(9)
        );
    }

    #[test]
    fn status_of_a_response_head_is_read_from_its_status_line_only() {
        assert_eq!(response_status(b"HTTP/1.1 200 OK\r\n"), Some(200));
        assert_eq!(response_status(b"HTTP/1.0 404\r\n"), Some(404));
        assert_eq!(response_status(b"HTTP/1.1 100\n"), Some(100));
        assert_eq!(response_status(b"HTTP/2.0 200 OK\r\n"), None);
        assert_eq!(response_status(b"HTTP/1.1 20 OK\r\n"), None);
        assert_eq!(response_status(b"HTTP/1.1 2000 OK\r\n"), None);
        assert_eq!(response_status(b"HTTP/1.1 2x0 OK\r\n"), None);
        assert_eq!(response_status(b"HTTP/1.1 200"), None, "cut short");
    }

    #[test]
    fn host_and_port() {
        assert_eq!(
            split_host_port(b" a.example:8080 "),
            (&b"a.example"[..], Some(8080))
        );
        assert_eq!(split_host_port(b"a.example"), (&b"a.example"[..], None));
        assert_eq!(split_host_port(b"a.example:x"), (&b"a.example"[..], None));
        assert_eq!(split_host_port(b"[::1]:81"), (&b"::1"[..], Some(81)));
        assert_eq!(split_host_port(b"[::1]"), (&b"::1"[..], None));
        assert_eq!(split_host_port(b"::1"), (&b"::1"[..], None));
        for p in [
            "80",
            "+80",
            "0080",
            "65535",
            "65536",
            "",
            "+",
            "8a",
            "-1",
            "99999999999",
        ] {
            let host = format!("h:{p}");
            assert_eq!(
                split_host_port(host.as_bytes()).1,
                p.parse::<u16>().ok(),
                "{p:?}"
            );
        }
    }
}
