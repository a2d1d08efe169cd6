//! A buffered HTTP/1.1 connection ([`Conn`]): its transport, its read buffer (heads found in it,
//! lines and pieces taken from it), its gathered writes, and the limits of its waits (a no-activity
//! timeout and a deadline per read or write, on one kept timer).
#![forbid(unsafe_code)]

use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::task::Poll;
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Sleep;

use super::{BodyError, MAX_LINE, READ_CHUNK};
use crate::proxy::deadline::Elapsed;

/// Bytes written are gathered up to this size and go out in one write (one TLS record).
const WRITE_GATHER: usize = 16 * 1024;
/// The first allocation of the write buffer.
const WRITE_FIRST: usize = 2048;

/// A connection with its read buffer (bytes read ahead, e.g. a pipelined request) and its write
/// buffer: small writes (a response head, then its first body piece) are gathered and go out
/// together at the next `write_out`/`flush`, in one system call and one TLS record.
pub struct Conn<S> {
    pub io: S,
    pub buf: BytesMut,
    out: Vec<u8>,
    /// The timer of [`Conn::read_head_within`], kept for the connection's next messages.
    timer: Option<Pin<Box<Sleep>>>,
    /// How long each read or write may wait (None: as long as it takes).
    limit: Option<Limit>,
    /// The timer of the waits bounded by `limit` (made at the first wait, then moved on).
    wait: Option<Pin<Box<Sleep>>>,
    /// Response body bytes written to the client over the connection's life (the access log
    /// takes a transaction's share).
    pub body_out: u64,
}

/// A client connection's transport (TCP, or TLS over TCP): read and written, and its socket's
/// readability can be awaited without reading (to watch for a client that leaves at no cost
/// while it is quiet).
pub trait Transport: AsyncRead + AsyncWrite + Unpin {
    /// Ready once the socket has something to read (bytes, its end, or an error).
    fn poll_read_ready(&self, cx: &mut std::task::Context<'_>) -> Poll<std::io::Result<()>>;
}

impl Transport for tokio::net::TcpStream {
    fn poll_read_ready(&self, cx: &mut std::task::Context<'_>) -> Poll<std::io::Result<()>> {
        tokio::net::TcpStream::poll_read_ready(self, cx)
    }
}

impl Transport for tokio_openssl::SslStream<tokio::net::TcpStream> {
    fn poll_read_ready(&self, cx: &mut std::task::Context<'_>) -> Poll<std::io::Result<()>> {
        self.get_ref().poll_read_ready(cx)
    }
}

/// How long one wait on a connection may last: a read that gets nothing, a write the peer does
/// not take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// Each wait at most this long (a no-activity timeout).
    pub idle: Duration,
    /// And none past this point of the coarse monotonic clock, in ms (a deadline for a whole
    /// phase made of many waits: an active timeout).
    pub until_ms: Option<u64>,
}

impl Limit {
    /// When a wait that started at `start_ms` (coarse clock) must end.
    fn end_ms(&self, start_ms: u64) -> u64 {
        let idle_end = start_ms.saturating_add(self.idle.as_millis() as u64);
        self.until_ms.map_or(idle_end, |u| u.min(idle_end))
    }
}

/// Run one I/O operation of a connection under its limit. The operation is polled first; only
/// once it has to wait is the coarse clock read. The connection keeps one timer for all its
/// waits and moves it only when it fires before the wait in progress is over, so a wait costs
/// no timer registration (a timer armed by an earlier wait always ends no later than this one's
/// limit, or the limit changed, and then it fires early and is moved). Past the limit: a
/// `TimedOut` error.
async fn bounded<T>(
    op: impl Future<Output = std::io::Result<T>>,
    limit: Option<Limit>,
    timer: &mut Option<Pin<Box<Sleep>>>,
) -> std::io::Result<T> {
    let Some(limit) = limit else {
        return op.await;
    };
    let mut op = pin!(op);
    let mut end_ms = None;
    poll_fn(|cx| {
        if let Poll::Ready(r) = op.as_mut().poll(cx) {
            return Poll::Ready(r);
        }
        let end = *end_ms.get_or_insert_with(|| limit.end_ms(crate::rt::clock::coarse_ms()));
        poll_kept_timer(timer, end, cx).map(|()| Err(std::io::ErrorKind::TimedOut.into()))
    })
    .await
}

/// Poll a timer a connection keeps for many waits, for a wait that ends at `end_ms` (coarse
/// clock): made at the first wait, and moved only when it fires before `end_ms`. A timer armed
/// by an earlier wait ends no later than this one (or its limit changed), so a wait that ends
/// first costs no timer registration.
fn poll_kept_timer(
    timer: &mut Option<Pin<Box<Sleep>>>,
    end_ms: u64,
    cx: &mut std::task::Context<'_>,
) -> Poll<()> {
    let t = timer.get_or_insert_with(|| {
        let left = end_ms.saturating_sub(crate::rt::clock::coarse_ms());
        Box::pin(tokio::time::sleep(Duration::from_millis(left)))
    });
    while t.as_mut().poll(cx).is_ready() {
        let now = crate::rt::clock::coarse_ms();
        if now >= end_ms {
            return Poll::Ready(());
        }
        t.as_mut()
            .reset(tokio::time::Instant::now() + Duration::from_millis(end_ms - now));
    }
    Poll::Pending
}

impl<S: AsyncRead + AsyncWrite + Unpin> Conn<S> {
    pub fn new(io: S) -> Self {
        Conn {
            io,
            buf: BytesMut::new(),
            out: Vec::new(),
            timer: None,
            limit: None,
            wait: None,
            body_out: 0,
        }
    }

    /// Bound each read and write from now on (None: no bound). Waits that outlast the owner's
    /// interest (an idle keep-alive connection, a watch for a client that leaves) are not bound.
    pub fn set_limit(&mut self, limit: Option<Limit>) {
        self.limit = limit;
    }

    /// [`Conn::read_head`] within `timeout`. The connection keeps one timer for all its
    /// messages and moves it on only when it fires early, so a message (an origin's response on
    /// a kept-alive connection) costs no timer registration.
    pub async fn read_head_within(
        &mut self,
        max: usize,
        timeout: std::time::Duration,
    ) -> Result<Result<Option<usize>, HeadError>, Elapsed> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut timer = match self.timer.take() {
            Some(t) => t,
            None => Box::pin(tokio::time::sleep_until(deadline)),
        };
        // (Each read in it is bounded by the connection's limit too.)
        if timer.deadline() > deadline {
            // Never later than asked (a shorter timeout than the last one).
            timer.as_mut().reset(deadline);
        }
        let result = loop {
            tokio::select! {
                biased;
                r = self.read_head(max) => break Ok(r),
                _ = timer.as_mut() => {
                    if tokio::time::Instant::now() >= deadline {
                        break Err(Elapsed);
                    }
                    timer.as_mut().reset(deadline);
                }
            }
        };
        self.timer = Some(timer);
        result
    }

    /// Wait for the first bytes of an idle connection without holding a heap buffer (they land
    /// in a small array in the future); a large read buffer left by a transaction is dropped.
    pub async fn fill_idle(&mut self) -> std::io::Result<usize> {
        if !self.buf.is_empty() {
            return self.fill().await;
        }
        if self.buf.capacity() > 4096 {
            self.buf = BytesMut::new();
        }
        let mut small = [0u8; 256];
        let n = tokio::io::AsyncReadExt::read(&mut self.io, &mut small).await?;
        self.buf.extend_from_slice(&small[..n]);
        Ok(n)
    }

    /// Completes when the peer is known to have left: a read error (a reset), or the end of its
    /// stream when `eof_is_gone` (a TLS peer; a plain TCP peer may have only half-closed, and
    /// still reads, as ATS's allow_half_open). Bytes it sends meanwhile (a pipelined request)
    /// are kept, up to `keep` in the buffer; past that it is no longer read. Cancel-safe.
    pub async fn watch_gone(&mut self, eof_is_gone: bool, keep: usize) {
        while self.buf.len() < keep {
            match self.fill_unbounded().await {
                Ok(0) if !eof_is_gone => break,
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
        std::future::pending().await
    }

    /// Read and drop what the peer sends, up to `max` bytes, until the end of its stream.
    pub async fn drain(&mut self, max: usize) {
        let mut dropped = 0;
        while dropped < max {
            self.buf.clear();
            match self.fill_unbounded().await {
                Ok(n) if n > 0 => dropped += n,
                _ => return,
            }
        }
    }

    /// Read more bytes into the buffer, within the connection's limit; Ok(0) at end of stream.
    pub async fn fill(&mut self) -> std::io::Result<usize> {
        self.buf.reserve(READ_CHUNK);
        bounded(self.io.read_buf(&mut self.buf), self.limit, &mut self.wait).await
    }

    /// [`Conn::fill`] without the connection's limit (for a wait bounded as a whole).
    async fn fill_raw(&mut self) -> std::io::Result<usize> {
        self.buf.reserve(READ_CHUNK);
        self.io.read_buf(&mut self.buf).await
    }

    /// Read more bytes into the buffer, however long it takes (a wait raced against another).
    /// Small reads land in a small array first: watching a quiet connection makes no buffer (and
    /// the array is part of the watching future: kept small).
    pub async fn fill_unbounded(&mut self) -> std::io::Result<usize> {
        let mut small = [0u8; 64];
        let n = self.io.read(&mut small).await?;
        self.buf.extend_from_slice(&small[..n]);
        Ok(n)
    }

    /// Read until the buffer holds a complete message head (ends with CRLF CRLF). Returns its
    /// length, None at a clean end of stream before any byte, or an error (TooLarge, Truncated).
    /// The head already in the buffer, if a whole one is (as [`Conn::read_head`], without
    /// waiting, so with no timer either).
    pub fn buffered_head(&self, max: usize) -> Option<Result<Option<usize>, HeadError>> {
        find_head_end(&self.buf, 0).map(|pos| head_within(pos, max))
    }

    pub async fn read_head(&mut self, max: usize) -> Result<Option<usize>, HeadError> {
        let mut scanned = 0;
        loop {
            if let Some(pos) = find_head_end(&self.buf, scanned) {
                return head_within(pos, max);
            }
            scanned = self.buf.len().saturating_sub(3);
            if self.buf.len() > max {
                return Err(HeadError::TooLarge);
            }
            // Not under the connection's limit: the callers bound the whole head.
            match self.fill_raw().await {
                Ok(0) if self.buf.is_empty() => return Ok(None),
                Ok(0) => return Err(HeadError::Truncated),
                Ok(_) => {}
                Err(e) => return Err(HeadError::Io(e.kind())),
            }
        }
    }

    /// Take up to `max` buffered or newly read bytes; empty at end of stream.
    pub(super) async fn take_some(&mut self, max: usize) -> std::io::Result<BytesMut> {
        if self.buf.is_empty() && self.fill().await? == 0 {
            return Ok(BytesMut::new());
        }
        let n = self.buf.len().min(max);
        Ok(self.buf.split_to(n))
    }

    /// Read one CRLF-terminated line (without the CRLF), bounded.
    pub(super) async fn read_line(&mut self) -> Result<BytesMut, BodyError> {
        loop {
            if let Some(i) = memchr::memchr(b'\n', &self.buf) {
                if i > MAX_LINE {
                    // However the bytes arrived (in pieces, or with their CRLF at once).
                    return Err(BodyError::Malformed("line too long"));
                }
                let mut line = self.buf.split_to(i + 1);
                line.truncate(i);
                if line.last() != Some(&b'\r') {
                    return Err(BodyError::Malformed("line not ended by CRLF"));
                }
                line.truncate(i - 1);
                return Ok(line);
            }
            if self.buf.len() > MAX_LINE {
                return Err(BodyError::Malformed("line too long"));
            }
            if self.fill().await? == 0 {
                return Err(BodyError::Truncated);
            }
        }
    }

    /// Queue `data`; it goes out at the next `write_out` or `flush` (or now, if the queue is full).
    pub async fn write_all(&mut self, data: &[u8]) -> std::io::Result<()> {
        if self.out.len() + data.len() <= WRITE_GATHER {
            self.queue(data.len()).extend_from_slice(data);
            return Ok(());
        }
        self.write_out().await?;
        if data.len() <= WRITE_GATHER {
            self.queue(data.len()).extend_from_slice(data);
            Ok(())
        } else {
            self.write_bounded(data).await
        }
    }

    /// Write all of `data`, each wait for the peer to take more within the connection's limit
    /// (TimedOut past it). The stream's writes are polled directly, with no future around them:
    /// this runs for every head and body piece, and a write that completes (the usual case)
    /// looks at no clock.
    async fn write_bounded(&mut self, data: &[u8]) -> std::io::Result<()> {
        let (io, limit, wait) = (&mut self.io, self.limit, &mut self.wait);
        let mut done = 0;
        let mut end_ms = None;
        poll_fn(|cx| {
            while done < data.len() {
                match Pin::new(&mut *io).poll_write(cx, &data[done..]) {
                    Poll::Ready(Ok(0)) => {
                        return Poll::Ready(Err(std::io::ErrorKind::WriteZero.into()))
                    }
                    Poll::Ready(Ok(n)) => done += n,
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => {
                        let Some(limit) = limit else {
                            return Poll::Pending;
                        };
                        let end = *end_ms
                            .get_or_insert_with(|| limit.end_ms(crate::rt::clock::coarse_ms()));
                        return poll_kept_timer(wait, end, cx)
                            .map(|()| Err(std::io::ErrorKind::TimedOut.into()));
                    }
                }
            }
            Poll::Ready(Ok(()))
        })
        .await
    }

    /// Queue what `put` writes into the queue itself (a head printed in place, not copied);
    /// written out now if the queue grows past what is gathered.
    pub async fn write_with(&mut self, put: impl FnOnce(&mut Vec<u8>)) -> std::io::Result<()> {
        put(self.queue(0));
        if self.out.len() > WRITE_GATHER {
            self.write_out().await?;
        }
        Ok(())
    }

    /// The write queue, about to take `n` bytes: its first allocation has room for a head and a
    /// small body at once (no regrowth).
    fn queue(&mut self, n: usize) -> &mut Vec<u8> {
        if self.out.capacity() == 0 {
            self.out.reserve(n.max(WRITE_FIRST));
        }
        &mut self.out
    }

    /// Write what is queued.
    pub async fn write_out(&mut self) -> std::io::Result<()> {
        if !self.out.is_empty() {
            // Taken, so an idle connection keeps no write buffer.
            let out = std::mem::take(&mut self.out);
            self.write_bounded(&out).await?;
        }
        Ok(())
    }

    /// Write what is queued (within the limit), then flush the stream (TCP: nothing to do; TLS:
    /// what OpenSSL holds, written by `write_out` already).
    pub async fn flush(&mut self) -> std::io::Result<()> {
        self.write_out().await?;
        self.io.flush().await
    }

    /// Close the sending side (after what is queued): a TLS close_notify (then FIN), or a FIN.
    pub async fn shutdown(&mut self) -> std::io::Result<()> {
        let _ = self.write_out().await;
        self.io.shutdown().await
    }
}

/// A complete head of `pos` bytes, or TooLarge: a complete head counts against the limit too,
/// however it arrived (ATS: client_request_hdr_bytes > request_hdr_max_size is a parse error).
fn head_within(pos: usize, max: usize) -> Result<Option<usize>, HeadError> {
    if pos > max {
        Err(HeadError::TooLarge)
    } else {
        Ok(Some(pos))
    }
}

#[cfg(test)]
#[test]
fn head_end_is_found_from_where_the_last_read_ended() {
    let head = b"GET / HTTP/1.1\r\nHost: a\r\n\r\nbody";
    assert_eq!(find_head_end(head, 0), Some(head.len() - 4));
    assert_eq!(find_head_end(head, 20), Some(head.len() - 4));
    assert_eq!(find_head_end(&head[..head.len() - 5], 0), None);
    assert_eq!(find_head_end(b"\r\n\r\n", 0), Some(4));
    assert_eq!(find_head_end(b"ab", 7), None);
    // Bare LF line ends, and a mix.
    let lf = b"GET / HTTP/1.1\nHost: a\n\nbody";
    assert_eq!(find_head_end(lf, 0), Some(lf.len() - 4));
    let mixed = b"GET / HTTP/1.1\r\nHost: a\n\r\nbody";
    assert_eq!(find_head_end(mixed, 0), Some(mixed.len() - 4));
    assert_eq!(find_head_end(b"GET / HTTP/1.1\r\nHost: a\r\n\r", 0), None);
    assert_eq!(find_head_end(b"a\r\r\n", 0), None);
}

#[derive(Debug, PartialEq, Eq)]
pub enum HeadError {
    TooLarge,
    Truncated,
    Io(std::io::ErrorKind),
}

/// The end of a head (just past an empty line) found in `buf` from `from` on: the first CRLF CRLF
/// (one vectorised search: this runs on every head read). Lines may also end in a bare LF (RFC
/// 9112 2.2, as ATS): without a CRLF CRLF, the first LF followed by LF or CRLF ends it. Where a
/// bare-LF head is followed by bytes with a CRLF CRLF, the parser, which stops at the first
/// empty line, says where the head really ends.
///
/// Public only for the fuzz targets (fuzz/, docs/fuzzing.md), which check it against the
/// parser; not part of tshost's API.
#[doc(hidden)]
pub fn find_head_end(buf: &[u8], from: usize) -> Option<usize> {
    use std::sync::LazyLock;
    static CRLFCRLF: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new(b"\r\n\r\n"));
    static LF_CRLF: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new(b"\n\r\n"));
    static LF_LF: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new(b"\n\n"));
    let from = from.min(buf.len());
    let rest = &buf[from..];
    if let Some(p) = CRLFCRLF.find(rest) {
        return Some(from + p + 4);
    }
    let lf_lf = LF_LF.find(rest).map(|q| q + 2);
    let lf_crlf = LF_CRLF.find(rest).map(|q| q + 3);
    match (lf_lf, lf_crlf) {
        (Some(a), Some(b)) => Some(from + a.min(b)),
        (a, b) => a.or(b).map(|e| from + e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn head_is_bounded() {
        let (mut a, b) = tokio::io::duplex(1 << 20);
        a.write_all(&vec![b'a'; 5000]).await.unwrap();
        let mut conn = Conn::new(b);
        assert_eq!(conn.read_head(4096).await, Err(HeadError::TooLarge));
        // Complete, and in the buffer at once, but larger than the limit.
        let (mut a, b) = tokio::io::duplex(1 << 20);
        let mut head = b"GET / HTTP/1.1\r\nX: ".to_vec();
        head.extend(vec![b'a'; 5000]);
        head.extend(b"\r\n\r\n");
        a.write_all(&head).await.unwrap();
        let mut conn = Conn::new(b);
        assert_eq!(conn.read_head(4096).await, Err(HeadError::TooLarge));
        assert_eq!(conn.read_head(8192).await, Ok(Some(head.len())));
    }
}
