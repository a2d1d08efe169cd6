//! An in-memory connection between two tasks of tshost (a plugin's fetch and the internal session
//! that serves it): two ends, each reading what the other writes. At most [`CAP`] bytes wait in
//! each direction (a writer waits for the reader). Shutting an end's writing down is the other
//! end's EOF; dropping an end ends both directions for the other (EOF, then a broken pipe on
//! writes).
#![forbid(unsafe_code)]

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use parking_lot::Mutex;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Most bytes waiting in one direction.
pub const CAP: usize = 64 * 1024;

#[derive(Default)]
struct Half {
    buf: std::collections::VecDeque<u8>,
    /// No more bytes will come (the writer shut down or went away).
    eof: bool,
    /// The reader went away: writes fail.
    reader_gone: bool,
    reader: Option<Waker>,
    writer: Option<Waker>,
}

pub struct End {
    rx: Arc<Mutex<Half>>,
    tx: Arc<Mutex<Half>>,
}

/// Two connected ends.
pub fn pipe() -> (End, End) {
    let (a, b) = (
        Arc::new(Mutex::new(Half::default())),
        Arc::new(Mutex::new(Half::default())),
    );
    (
        End {
            rx: a.clone(),
            tx: b.clone(),
        },
        End { rx: b, tx: a },
    )
}

impl AsyncRead for End {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let mut h = self.rx.lock();
        if h.buf.is_empty() {
            if h.eof {
                return Poll::Ready(Ok(()));
            }
            h.reader = Some(cx.waker().clone());
            return Poll::Pending;
        }
        let n = h.buf.len().min(buf.remaining());
        let (a, b) = h.buf.as_slices();
        let from_a = n.min(a.len());
        buf.put_slice(&a[..from_a]);
        buf.put_slice(&b[..n - from_a]);
        h.buf.drain(..n);
        if let Some(w) = h.writer.take() {
            w.wake();
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for End {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let mut h = self.tx.lock();
        if h.reader_gone || h.eof {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        let room = CAP.saturating_sub(h.buf.len());
        if room == 0 {
            h.writer = Some(cx.waker().clone());
            return Poll::Pending;
        }
        let n = room.min(buf.len());
        h.buf.extend(&buf[..n]);
        if let Some(w) = h.reader.take() {
            w.wake();
        }
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut h = self.tx.lock();
        h.eof = true;
        if let Some(w) = h.reader.take() {
            w.wake();
        }
        Poll::Ready(Ok(()))
    }
}

impl super::body::Transport for End {
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut h = self.rx.lock();
        if !h.buf.is_empty() || h.eof {
            return Poll::Ready(Ok(()));
        }
        h.reader = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for End {
    fn drop(&mut self) {
        let mut t = self.tx.lock();
        t.eof = true;
        if let Some(w) = t.reader.take() {
            w.wake();
        }
        drop(t);
        let mut r = self.rx.lock();
        r.reader_gone = true;
        if let Some(w) = r.writer.take() {
            w.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[test]
    fn bytes_cross_with_backpressure_and_end_at_shutdown() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            let (mut a, mut b) = pipe();
            let data: Vec<u8> = (0..300_000u32).map(|i| i as u8).collect();
            let sent = data.clone();
            let w = tokio::spawn(async move {
                a.write_all(&sent).await.unwrap();
                a.shutdown().await.unwrap();
                a
            });
            let mut got = Vec::new();
            b.read_to_end(&mut got).await.unwrap();
            assert_eq!(got, data);
            let a = w.await.unwrap();
            drop(b);
            let mut a = a;
            assert!(a.write_all(b"x").await.is_err(), "the reader is gone");
        });
    }
}
