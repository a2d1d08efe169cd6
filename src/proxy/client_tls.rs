//! A client's TLS connection, with the connection (`TSVConn`) plugins know it by: when it is
//! dropped (the session is over), TS_VCONN_CLOSE_HOOK fires while the TLS object still lives, as
//! ATS fires it in do_io_close before freeing its SSL object.
#![forbid(unsafe_code)]

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_openssl::SslStream;

use super::body::Transport;
use super::tunnel::Tap;
use crate::vconn::VConn;

pub struct ClientTls {
    s: SslStream<Tap>,
    vc: Arc<VConn>,
}

impl ClientTls {
    pub fn new(s: SslStream<Tap>, vc: Arc<VConn>) -> ClientTls {
        ClientTls { s, vc }
    }

    pub fn ssl(&self) -> &openssl::ssl::SslRef {
        self.s.ssl()
    }
}

impl Drop for ClientTls {
    fn drop(&mut self) {
        self.vc.close(tokio::runtime::Handle::try_current().ok());
    }
}

impl AsyncRead for ClientTls {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().s).poll_read(cx, buf)
    }
}

impl AsyncWrite for ClientTls {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().s).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().s).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.s.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().s).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().s).poll_shutdown(cx)
    }
}

impl Transport for ClientTls {
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.s.get_ref().poll_read_ready(cx)
    }
}
