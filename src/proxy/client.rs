//! The client side of a transaction as the state machine sees it: a request body to read and a
//! response to write. HTTP/1 sessions implement it on the connection (with its framing); HTTP/2
//! on a stream. The state machine does not know which.
#![forbid(unsafe_code)]

use std::collections::VecDeque;
use std::future::poll_fn;
use std::time::Duration;

use bytes::Bytes;

use super::body::{
    chunked_prefix_is_valid, BodyError, BodyReader, BodyWriter, Conn, Framing, Trailers, Transport,
};
use crate::hdrs::MBuffer;

/// Why the check of a request body's first bytes failed.
pub enum PrefixError {
    /// The client is gone.
    Gone,
    /// It sent nothing within the timeout.
    Timeout,
    /// The body's framing is malformed.
    Malformed,
}

#[allow(async_fn_in_trait)]
pub trait ClientIo {
    /// The next piece of the request body; None at its end.
    async fn body_piece(&mut self) -> Result<Option<Bytes>, BodyError>;
    /// Check the framing of what the client already sent of its body, before anything goes to
    /// the origin (nothing ambiguous is forwarded).
    async fn check_body_prefix(&mut self, timeout: Duration) -> Result<(), PrefixError>;
    /// Tell a client that waits (Expect: 100-continue) to send its body.
    async fn send_continue(&mut self) -> std::io::Result<()>;
    /// The response head; its body follows with this framing. Its size as HTTP/1 text (ATS's
    /// `client_response_hdr_bytes`).
    async fn send_head(&mut self, resp: &MBuffer, framing: Framing) -> std::io::Result<u64>;
    async fn send_body(&mut self, data: &[u8]) -> std::io::Result<()>;
    /// The request body's trailer fields (after its end).
    async fn request_trailers(&mut self) -> Trailers;
    /// The response is complete, with these trailer fields (dropped where the framing has no
    /// room for them).
    async fn finish(&mut self, trailers: &[(Vec<u8>, Vec<u8>)]) -> std::io::Result<()>;
    /// The response ends incomplete (the origin died mid-body): make that visible to the client.
    async fn abort(&mut self);
    /// Send what is queued now (the response head, when its body is not there yet).
    async fn push(&mut self) -> std::io::Result<()> {
        Ok(())
    }
    /// The client side can tell when a client that sent `Expect: 100-continue` starts its body
    /// without waiting (so the origin's answer to Expect can be relayed).
    const RELAYS_CONTINUE: bool = false;
    /// Completes when the client has begun to send its request body, or left (the body read
    /// that follows tells). Cancel-safe.
    async fn body_started(&mut self) {
        std::future::pending::<()>().await
    }
    /// The request body was read ahead (request buffering, `super::sm::buffer`): from now on
    /// [`ClientIo::body_piece`] gives these pieces, then the end; the body is here already
    /// ([`ClientIo::check_body_prefix`] and [`ClientIo::body_started`] complete at once).
    fn read_ahead(&mut self, pieces: VecDeque<Bytes>);
    /// The request body's bytes read from the client so far (ATS's
    /// `client_request_body_bytes`; pieces given again after a read-ahead count once).
    fn body_read(&self) -> u64;
    /// Completes when the client is known to have left (connection reset, stream reset, TLS
    /// closed) while tshost waits on the origin; pending otherwise. Cancel-safe: it is raced
    /// against origin reads and dropped when they finish first.
    async fn gone(&mut self) {
        std::future::pending::<()>().await
    }
}

/// HTTP/1.x: the connection, the request body's framing and the response's.
pub struct H1Client<'a, S> {
    conn: &'a mut Conn<S>,
    reader: BodyReader,
    request_chunked: bool,
    writer: BodyWriter,
    /// The end of the client's stream means it left (TLS); else it may be a half-close.
    eof_is_gone: bool,
    /// The request body's pieces read ahead ([`ClientIo::read_ahead`]).
    ahead: Option<VecDeque<Bytes>>,
    /// [`ClientIo::body_read`].
    body_read: u64,
}

/// Bytes a client may send ahead (its next requests) while its response is being made; past
/// that they stay in the socket.
const READ_AHEAD: usize = 64 * 1024;

impl<'a, S> H1Client<'a, S> {
    /// `tls`: the connection is TLS, where the end of the client's stream means it left. Its
    /// reads and writes are bounded by the connection's limit ([`Conn::set_limit`]).
    pub fn new(conn: &'a mut Conn<S>, request_framing: Framing, tls: bool) -> Self {
        H1Client {
            conn,
            reader: BodyReader::new(request_framing),
            request_chunked: request_framing == Framing::Chunked,
            writer: BodyWriter::new(Framing::None),
            eof_is_gone: tls,
            ahead: None,
            body_read: 0,
        }
    }
}

impl<S: Transport> ClientIo for H1Client<'_, S> {
    async fn body_piece(&mut self) -> Result<Option<Bytes>, BodyError> {
        if let Some(ahead) = &mut self.ahead {
            return Ok(ahead.pop_front());
        }
        let piece = self.reader.next(self.conn).await?;
        self.body_read += piece.as_ref().map_or(0, |b| b.len() as u64);
        Ok(piece.map(|b| b.freeze()))
    }

    fn body_read(&self) -> u64 {
        self.body_read
    }

    async fn check_body_prefix(&mut self, timeout: Duration) -> Result<(), PrefixError> {
        if !self.request_chunked || self.ahead.is_some() {
            return Ok(());
        }
        let conn = &mut *self.conn;
        let wait = async {
            while !conn.buf.contains(&b'\n') && conn.buf.len() < 4096 {
                match conn.fill().await {
                    Ok(0) | Err(_) => return Err(PrefixError::Gone),
                    Ok(_) => {}
                }
            }
            Ok(())
        };
        match tokio::time::timeout(timeout, wait).await {
            Err(_) => return Err(PrefixError::Timeout),
            Ok(r) => r?,
        }
        if chunked_prefix_is_valid(&self.conn.buf) {
            Ok(())
        } else {
            Err(PrefixError::Malformed)
        }
    }

    async fn send_continue(&mut self) -> std::io::Result<()> {
        if self.conn.buf.is_empty() {
            self.conn
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .await?;
            self.conn.flush().await?;
        }
        Ok(())
    }

    async fn send_head(&mut self, resp: &MBuffer, framing: Framing) -> std::io::Result<u64> {
        self.writer = BodyWriter::new(framing);
        let mut n = 0;
        self.conn
            .write_with(|out| {
                let before = out.len();
                resp.with(|h| h.write_response(out));
                n = out.len() - before;
            })
            .await?;
        Ok(n as u64)
    }

    async fn send_body(&mut self, data: &[u8]) -> std::io::Result<()> {
        self.conn.body_out += data.len() as u64;
        self.writer.write(self.conn, data).await
    }

    async fn request_trailers(&mut self) -> Trailers {
        std::mem::take(&mut self.reader.trailers)
    }

    async fn finish(&mut self, trailers: &[(Vec<u8>, Vec<u8>)]) -> std::io::Result<()> {
        self.writer.finish_with_trailers(self.conn, trailers).await
    }

    async fn abort(&mut self) {
        let _ = self.conn.flush().await;
    }

    async fn push(&mut self) -> std::io::Result<()> {
        self.conn.write_out().await
    }

    const RELAYS_CONTINUE: bool = true;

    fn read_ahead(&mut self, pieces: VecDeque<Bytes>) {
        self.ahead = Some(pieces);
    }

    async fn body_started(&mut self) {
        while self.ahead.is_none() && self.conn.buf.is_empty() {
            if !matches!(self.conn.fill_unbounded().await, Ok(n) if n > 0) {
                return;
            }
        }
    }

    async fn gone(&mut self) {
        // Awaited only once the request body is sent, or when it never will be (the origin gave
        // a final answer to Expect: 100-continue first): body bytes the client still sends are
        // then read ahead like a next request's, bounded, and dropped by the close that follows.
        // Nothing is read while the client is quiet (the usual case): its socket's readiness is
        // awaited, which costs no system call and no timer.
        if poll_fn(|cx| self.conn.io.poll_read_ready(cx))
            .await
            .is_err()
        {
            return;
        }
        self.conn.watch_gone(self.eof_is_gone, READ_AHEAD).await
    }
}
