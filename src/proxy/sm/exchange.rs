//! The origin side of an exchange: the request head and the client's body sent (with Expect:
//! 100-continue relayed), the response head read (interim responses skipped), and waits that end
//! when the client leaves.

use super::*;
use crate::txn::origin::server_state;

/// Wait for `origin_io` unless the client leaves first (None then). The origin is polled first:
/// bytes already there cost no look at the client. Give it pinned in place (`pin!`): a large
/// future moved in would be copied on every call.
pub(super) async fn unless_gone<C: ClientIo, T>(
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
pub(super) async fn read_response_head(
    origin: &mut OriginConn,
    is_head: bool,
    idle: Duration,
    max: usize,
) -> Result<(Arc<MBuffer>, Framing), Option<Failure>> {
    let mut first = true;
    loop {
        let head = origin.read_head_within(max, idle).await;
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
        origin.resp_hdr = len as u64;
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

pub(super) enum SendError {
    Client,
    /// The client's body did not come in time (no activity, or the transaction's deadline).
    ClientTimeout,
    BadClientBody,
    Origin,
    /// The origin did not take the request in time.
    OriginTimeout,
}

impl SendError {
    pub(super) fn origin(e: std::io::Error) -> SendError {
        if e.kind() == std::io::ErrorKind::TimedOut {
            SendError::OriginTimeout
        } else {
            SendError::Origin
        }
    }
}

/// Write the request head and stream the client's body to the origin.
pub(super) async fn send_request<C: ClientIo>(
    client: &mut C,
    origin: &mut OriginConn,
    req: &MBuffer,
    framing: Framing,
    expect_continue: bool,
) -> Result<(), SendError> {
    // Printed into the connection's write queue (again for a retry).
    origin.write_request(req).await.map_err(SendError::origin)?;
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
pub(super) enum Expected {
    /// The origin's 100 (relayed to the client), or the client's body without waiting: the body
    /// follows.
    Body,
    /// The origin's final response (in its buffer, unread): the body is not sent.
    FinalFirst,
}

/// Send the request head, Expect included, and wait for what comes first: the origin's 100
/// (relayed), its final response (417, or any other), or the client's body (a client need not
/// wait for a 100). Interim responses other than 100 are skipped.
pub(super) async fn relay_expect<C: ClientIo>(
    client: &mut C,
    origin: &mut OriginConn,
    req: &MBuffer,
    head_max: usize,
    head_timeout: Duration,
) -> Result<Expected, SendError> {
    origin.write_request(req).await.map_err(SendError::origin)?;
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
pub(super) fn response_status(head: &[u8]) -> Option<u16> {
    match head.get(8..13)? {
        [b' ', a, b, c, b' ' | b'\r' | b'\n'] if head.starts_with(b"HTTP/1.") => {
            std::str::from_utf8(&[*a, *b, *c]).ok()?.parse().ok()
        }
        _ => None,
    }
}

/// Stream the client's request body to the origin.
pub(super) async fn send_body<C: ClientIo>(
    client: &mut C,
    origin: &mut OriginConn,
    framing: Framing,
) -> Result<(), SendError> {
    let mut writer = BodyWriter::new(framing);
    loop {
        // Each read within the client side's limit, each write within the origin's.
        match client.body_piece().await {
            Ok(Some(piece)) => {
                origin.req_body += piece.len() as u64;
                writer
                    .write(origin, &piece)
                    .await
                    .map_err(SendError::origin)?
            }
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

/// The origin connection is reached (`plugins`: some plugin may ask about it): what
/// TSHttpTxnOutgoingAddrGet, TSHttpTxnServerSsnTransactionCount, TSHttpTxnServerFdGet and
/// TSHttpTxnServerProtocolStackGet read; the packet marks a plugin set for this transaction's
/// server connections (TSHttpTxnServerPacket*Set) go on its socket.
pub(super) fn reached(txn: &Txn, origin: &OriginConn, plugins: bool) {
    if !plugins {
        return;
    }
    {
        let mut o = txn.origin.lock();
        o.connected = Some((origin.local, origin.used));
        o.layers = Some(origin.layers());
    }
    let fd = origin.fd();
    txn.wire.server_fd.store(fd, Ordering::Relaxed);
    if fd >= 0 && txn.has_config.load(Ordering::Acquire) {
        use crate::sys::types::TSOverridableConfigKey as K;
        let tos = txn.config_int(K::TS_CONFIG_NET_SOCK_PACKET_TOS_OUT as usize);
        let mark = txn.config_int(K::TS_CONFIG_NET_SOCK_PACKET_MARK_OUT as usize);
        origin.io.mark(tos, mark);
    }
}

/// The origin's response head is in: the origin side is CONNECTION_ALIVE, and what was counted
/// of the request is the transaction's.
pub(super) fn answered<C: ClientIo>(txn: &Txn, client: &C, origin: &OriginConn) {
    txn.wire.state(server_state::CONNECTION_ALIVE);
    txn.wire.exchanged(
        client.body_read(),
        origin.req_hdr,
        origin.req_body,
        origin.resp_hdr,
    );
}

/// A failure of the origin's response head: the origin side's state as ATS's (a timeout, or a
/// malformed response).
pub(super) fn head_failed(txn: &Txn, f: Failure) -> Failure {
    let s = match f {
        Failure::Respond(504) => server_state::INACTIVE_TIMEOUT,
        _ => server_state::PARSE_ERROR,
    };
    txn.wire.state(s);
    f
}

/// The connection to the origin was not made in time: CONNECTION_ERROR (as ATS's, whose request
/// was not written yet), and a 504.
pub(super) fn connect_timed_out(txn: &Txn) -> Failure {
    txn.wire.state(server_state::CONNECTION_ERROR);
    Failure::Respond(504)
}
