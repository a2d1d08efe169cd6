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
use crate::tls::client::ClientFiles;
use std::path::PathBuf;

/// Why a connection to an origin could not be made.
#[derive(Debug)]
pub enum ConnectError {
    Timeout,
    Failed(std::io::Error),
    /// The TLS handshake with the origin failed (its reason: a verification failure names it).
    Tls(String),
}

/// TCP or TLS.
pub enum OriginIo {
    Plain(TcpStream),
    Tls(Box<TlsIo>),
    /// A plugin answering as the origin (TSHttpTxnIntercept).
    Intercept(Box<super::intercept::InterceptIo>),
}

/// A TLS connection to an origin, and the origin's name for the log.
pub struct TlsIo {
    pub stream: SslStream<TcpStream>,
    /// `name (address)`.
    name: Box<str>,
    /// Nothing came from the origin yet: a failure then is the origin refusing the connection
    /// (with TLS 1.3 a server that wants a client certificate says so only after the handshake),
    /// logged as a WARNING naming it (ATS logs no ERROR for it).
    fresh: bool,
    /// The origin refused the connection so (its 502 is a connect failure, as in ATS).
    refused: bool,
    /// The connection as plugins know it, when its hooks fire (TS_VCONN_OUTBOUND_CLOSE_HOOK when
    /// it is dropped, while the SSL object lives).
    vc: Option<std::sync::Arc<crate::vconn::VConn>>,
}

impl Drop for TlsIo {
    fn drop(&mut self) {
        if let Some(vc) = &self.vc {
            vc.close(tokio::runtime::Handle::try_current().ok());
        }
    }
}

impl TlsIo {
    pub fn new(
        stream: SslStream<TcpStream>,
        name: String,
        vc: Option<std::sync::Arc<crate::vconn::VConn>>,
    ) -> TlsIo {
        TlsIo {
            stream,
            name: name.into_boxed_str(),
            fresh: true,
            refused: false,
            vc,
        }
    }

    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let r = Pin::new(&mut self.stream).poll_read(cx, buf);
        if self.fresh {
            match &r {
                Poll::Ready(Err(e)) => self.refused(e),
                Poll::Ready(Ok(())) => self.fresh = false,
                Poll::Pending => {}
            }
        }
        r
    }

    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.stream).poll_write(cx, buf);
        if let (true, Poll::Ready(Err(e))) = (self.fresh, &r) {
            self.refused(e);
        }
        r
    }

    /// The first failure before the origin sent anything: an alert (a certificate it wants, or
    /// refuses) or the connection reset.
    fn refused(&mut self, e: &io::Error) {
        self.fresh = false;
        self.refused = true;
        crate::warning!("origin {}: TLS: {e}", self.name);
    }
}

impl OriginIo {
    /// The socket (-1 for an intercept: no socket).
    pub fn fd(&self) -> i32 {
        use std::os::fd::AsRawFd;
        match self {
            OriginIo::Plain(s) => s.as_raw_fd(),
            OriginIo::Tls(t) => t.stream.get_ref().as_raw_fd(),
            OriginIo::Intercept(_) => -1,
        }
    }

    /// The TLS version's protocol tag (None: plain TCP, or an intercept) and whether the peer is
    /// IPv6.
    pub fn layers(&self) -> (Option<&'static std::ffi::CStr>, bool) {
        use super::proto;
        let v6 = |s: &TcpStream| s.peer_addr().is_ok_and(|a| a.is_ipv6());
        match self {
            OriginIo::Plain(s) => (None, v6(s)),
            OriginIo::Tls(t) => {
                let tag = match t.stream.ssl().version2() {
                    Some(openssl::ssl::SslVersion::TLS1_3) => Some(proto::TLS_1_3),
                    Some(openssl::ssl::SslVersion::TLS1_2) => Some(proto::TLS_1_2),
                    Some(openssl::ssl::SslVersion::TLS1_1) => Some(proto::TLS_1_1),
                    Some(openssl::ssl::SslVersion::TLS1) => Some(proto::TLS_1_0),
                    _ => None,
                };
                (tag, v6(t.stream.get_ref()))
            }
            OriginIo::Intercept(_) => (None, false),
        }
    }

    /// Mark the packets sent on the connection as a plugin set for its transaction
    /// (TS_CONFIG_NET_SOCK_PACKET_TOS_OUT: IP_TOS or IPV6_TCLASS; ..._MARK_OUT: SO_MARK). A
    /// refusal of the system is noted in the debug log (tag `http`), as ATS goes on without.
    pub fn mark(&self, tos: Option<i64>, mark: Option<i64>) {
        let s = match self {
            OriginIo::Plain(s) => s,
            OriginIo::Tls(t) => t.stream.get_ref(),
            OriginIo::Intercept(_) => return,
        };
        let sock = socket2::SockRef::from(s);
        let v6 = s.peer_addr().is_ok_and(|a| a.is_ipv6());
        if let Some(t) = tos {
            let r = if v6 {
                sock.set_tclass_v6(t as u32)
            } else {
                sock.set_tos(t as u32)
            };
            if let Err(e) = r {
                crate::debug!("http", "origin socket: TOS {t}: {e}");
            }
        }
        if let Some(m) = mark {
            if let Err(e) = sock.set_mark(m as u32) {
                crate::debug!("http", "origin socket: mark {m}: {e}");
            }
        }
    }

    /// The origin refused this TLS connection before sending anything (an alert, a reset).
    pub fn refused(&self) -> bool {
        matches!(self, OriginIo::Tls(t) if t.refused)
    }
}

impl AsyncRead for OriginIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            OriginIo::Plain(s) => Pin::new(s).poll_read(cx, buf),
            OriginIo::Tls(s) => s.poll_read(cx, buf),
            OriginIo::Intercept(s) => Pin::new(&mut **s).poll_read(cx, buf),
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
            OriginIo::Tls(s) => s.poll_write(cx, buf),
            OriginIo::Intercept(s) => Pin::new(&mut **s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            OriginIo::Plain(s) => Pin::new(s).poll_flush(cx),
            OriginIo::Tls(s) => Pin::new(&mut s.stream).poll_flush(cx),
            OriginIo::Intercept(s) => Pin::new(&mut **s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            OriginIo::Plain(s) => Pin::new(s).poll_shutdown(cx),
            OriginIo::Tls(s) => Pin::new(&mut s.stream).poll_shutdown(cx),
            OriginIo::Intercept(s) => Pin::new(&mut **s).poll_shutdown(cx),
        }
    }
}

impl Transport for OriginIo {
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            OriginIo::Plain(s) => s.poll_read_ready(cx),
            OriginIo::Tls(s) => s.stream.get_ref().poll_read_ready(cx),
            OriginIo::Intercept(s) => s.poll_read_ready(cx),
        }
    }
}

/// `proxy.config.ssl.client.verify.server.policy`: what a failed verification of an origin's
/// certificate does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VerifyPolicy {
    /// Not checked.
    Disabled,
    /// Checked; a failure is logged and the connection goes on (ATS's default).
    Permissive,
    /// Checked; a failure fails the connection (502).
    Enforced,
}

/// How an origin's certificate is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Verify {
    pub policy: VerifyPolicy,
    /// `...verify.server.properties`: ALL or NAME checks the name against SNI's; SIGNATURE, the
    /// chain only; NONE, nothing (as DISABLED).
    pub check_name: bool,
    pub check_chain: bool,
}

impl Verify {
    /// `...verify.server.policy` (as ATS, exactly DISABLED, PERMISSIVE or ENFORCED).
    pub fn policy(policy: &str) -> Result<VerifyPolicy, String> {
        match policy {
            "DISABLED" => Ok(VerifyPolicy::Disabled),
            "PERMISSIVE" | "" => Ok(VerifyPolicy::Permissive),
            "ENFORCED" => Ok(VerifyPolicy::Enforced),
            p => Err(format!(
                "verify.server.policy {p}: not DISABLED, PERMISSIVE or ENFORCED"
            )),
        }
    }

    /// `...verify.server.properties`: (check the chain, check the name).
    pub fn properties(properties: &str) -> Result<(bool, bool), String> {
        match properties {
            "ALL" | "" => Ok((true, true)),
            "SIGNATURE" => Ok((true, false)),
            "NAME" => Ok((false, true)),
            "NONE" => Ok((false, false)),
            p => Err(format!(
                "verify.server.properties {p}: not ALL, SIGNATURE, NAME or NONE"
            )),
        }
    }

    /// Read from the records' text values.
    pub fn new(policy: &str, properties: &str) -> Result<Verify, String> {
        let policy = Self::policy(policy)?;
        let (check_chain, check_name) = Self::properties(properties)?;
        Ok(Verify {
            policy,
            check_name,
            check_chain,
        })
    }
}

impl Default for Verify {
    fn default() -> Self {
        Verify {
            policy: VerifyPolicy::Permissive,
            check_name: true,
            check_chain: true,
        }
    }
}

/// `proxy.config.ssl.client.sni_policy` (ATS 9.2.9's HttpSM::get_outbound_sni): which name goes
/// to the origin as SNI, and which one its certificate must have.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum SniPolicy {
    /// The host of the Host field of the request to the origin (the default; without
    /// pristine_host_hdr, the remapped target's host).
    #[default]
    Host,
    /// The SNI the client sent tshost (none over plain HTTP).
    ServerName,
    /// The remapped target's host (`remap`, and any value ATS does not know).
    Remap,
    /// SNI as `Host`; the certificate's name checked against the remapped target's host.
    VerifyWithNameSource,
    /// `@name`: that name.
    Literal(Box<str>),
}

impl SniPolicy {
    pub fn parse(s: &str) -> SniPolicy {
        match s {
            "" | "host" => SniPolicy::Host,
            "server_name" => SniPolicy::ServerName,
            "verify_with_name_source" => SniPolicy::VerifyWithNameSource,
            _ => match s.strip_prefix('@') {
                Some(name) => SniPolicy::Literal(name.into()),
                None => SniPolicy::Remap,
            },
        }
    }
}

/// TLS to origins as records.config sets it for the process.
#[derive(Clone, Debug, Default)]
pub struct OriginTls {
    pub verify: Verify,
    pub sni_policy: SniPolicy,
    /// Where a transaction's own file names (conf_remap, TSHttpTxnConfigStringSet) are looked up:
    /// `proxy.config.ssl.client.cert.path`, `.private_key.path`, `.CA.cert.path` (the
    /// configuration directory when empty).
    pub cert_dir: PathBuf,
    pub key_dir: PathBuf,
    pub ca_dir: PathBuf,
    /// The process's files (their context is [`crate::tls::client_context`]).
    pub files: ClientFiles,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sni_policies_read_as_atss_get_outbound_sni() {
        assert_eq!(SniPolicy::parse(""), SniPolicy::Host);
        assert_eq!(SniPolicy::parse("host"), SniPolicy::Host);
        assert_eq!(SniPolicy::parse("server_name"), SniPolicy::ServerName);
        assert_eq!(SniPolicy::parse("remap"), SniPolicy::Remap);
        assert_eq!(SniPolicy::parse("Host"), SniPolicy::Remap);
        assert_eq!(
            SniPolicy::parse("verify_with_name_source"),
            SniPolicy::VerifyWithNameSource
        );
        assert_eq!(
            SniPolicy::parse("@apache.org"),
            SniPolicy::Literal("apache.org".into())
        );
    }

    #[test]
    fn verify_settings_are_atss_words_exactly() {
        assert_eq!(
            Verify::new("ENFORCED", "NAME").unwrap().policy,
            VerifyPolicy::Enforced
        );
        assert!(Verify::new("enforced", "ALL").is_err());
        assert_eq!(Verify::properties("SIGNATURE"), Ok((true, false)));
    }
}
