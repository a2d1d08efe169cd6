//! An origin connection's transport: TCP, or TLS over TCP for an `https://` target (ATS's
//! `proxy.config.ssl.client.*`: the verify policy and properties, the CA, SNI, ALPN http/1.1).
#![forbid(unsafe_code)]

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_openssl::SslStream;

use super::body::Transport;

/// TCP or TLS.
pub enum OriginIo {
    Plain(TcpStream),
    Tls(Box<SslStream<TcpStream>>),
}

impl AsyncRead for OriginIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            OriginIo::Plain(s) => Pin::new(s).poll_read(cx, buf),
            OriginIo::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for OriginIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            OriginIo::Plain(s) => Pin::new(s).poll_write(cx, buf),
            OriginIo::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            OriginIo::Plain(s) => Pin::new(s).poll_flush(cx),
            OriginIo::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            OriginIo::Plain(s) => Pin::new(s).poll_shutdown(cx),
            OriginIo::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

impl Transport for OriginIo {
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            OriginIo::Plain(s) => s.poll_read_ready(cx),
            OriginIo::Tls(s) => s.get_ref().poll_read_ready(cx),
        }
    }
}

/// `proxy.config.ssl.client.verify.server.policy`: what a failed verification of an origin's
/// certificate does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyPolicy {
    /// Not checked.
    Disabled,
    /// Checked; a failure is logged and the connection goes on (ATS's default).
    Permissive,
    /// Checked; a failure fails the connection (502).
    Enforced,
}

/// How origins' certificates are checked (records.config).
#[derive(Clone, Debug)]
pub struct OriginTls {
    pub policy: VerifyPolicy,
    /// `...verify.server.properties`: ALL or NAME checks the name against SNI's; SIGNATURE, the
    /// chain only; NONE, nothing (as DISABLED).
    pub check_name: bool,
    pub check_chain: bool,
}

impl OriginTls {
    /// Read from the records' text values (unknown values: ATS's defaults, said by the caller).
    pub fn new(policy: &str, properties: &str) -> Result<OriginTls, String> {
        let policy = match policy.to_ascii_uppercase().as_str() {
            "DISABLED" => VerifyPolicy::Disabled,
            "PERMISSIVE" | "" => VerifyPolicy::Permissive,
            "ENFORCED" => VerifyPolicy::Enforced,
            p => {
                return Err(format!(
                    "verify.server.policy {p}: not DISABLED, PERMISSIVE or ENFORCED"
                ))
            }
        };
        let (check_chain, check_name) = match properties.to_ascii_uppercase().as_str() {
            "ALL" | "" => (true, true),
            "SIGNATURE" => (true, false),
            "NAME" => (false, true),
            "NONE" => (false, false),
            p => {
                return Err(format!(
                    "verify.server.properties {p}: not ALL, SIGNATURE, NAME or NONE"
                ))
            }
        };
        Ok(OriginTls {
            policy,
            check_name,
            check_chain,
        })
    }
}

impl Default for OriginTls {
    fn default() -> Self {
        OriginTls {
            policy: VerifyPolicy::Permissive,
            check_name: true,
            check_chain: true,
        }
    }
}
