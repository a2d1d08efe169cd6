//! Helpers shared by the fuzz targets: an in-memory stream that hands its bytes out in pieces of
//! fuzzer-chosen sizes, and a byte splitter for the choices themselves.

use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A stream over fixed bytes, each read returning at most the next of `sizes` (cycled; all the
/// rest when empty). Writes are kept in `written`. Never pending, so a future driven by it
/// completes under `futures::executor::block_on` without a runtime (no timers are armed: the
/// connections it backs have no limit).
pub struct Pieces {
    data: Vec<u8>,
    pos: usize,
    sizes: Vec<usize>,
    next: usize,
    pub written: Vec<u8>,
}

impl Pieces {
    pub fn new(data: &[u8], sizes: Vec<usize>) -> Pieces {
        Pieces {
            data: data.to_vec(),
            pos: 0,
            sizes: sizes.into_iter().map(|s| s.max(1)).collect(),
            next: 0,
            written: Vec::new(),
        }
    }

    /// Bytes not read yet.
    pub fn unread(&self) -> usize {
        self.data.len() - self.pos
    }
}

impl AsyncRead for Pieces {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        let left = this.data.len() - this.pos;
        let mut n = left.min(buf.remaining());
        if !this.sizes.is_empty() {
            n = n.min(this.sizes[this.next % this.sizes.len()]);
            this.next += 1;
        }
        buf.put_slice(&this.data[this.pos..this.pos + n]);
        this.pos += n;
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Pieces {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.written.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// The fuzzer's choices at the front of an input: `ctl` (flags), then `ctl & 7` piece sizes of
/// one byte each; the rest is the payload.
pub fn split_input(data: &[u8]) -> (u8, Vec<usize>, &[u8]) {
    let Some((&ctl, rest)) = data.split_first() else {
        return (0, Vec::new(), data);
    };
    let k = (ctl & 7) as usize;
    let k = k.min(rest.len());
    let sizes = rest[..k].iter().map(|b| *b as usize + 1).collect();
    (ctl, sizes, &rest[k..])
}
