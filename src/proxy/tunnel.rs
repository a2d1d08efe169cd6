//! Blind tunnels (TSVConnTunnel): a TLS client connection a plugin turned into a tunnel during its
//! handshake is not terminated; its bytes go to a destination as they are, the ClientHello that
//! OpenSSL already read sent first (ATS replays its handshake buffer the same way). The
//! destination is the `map tunnel://NAME:PORT/ tunnel://HOST:PORT/` rule for the client's SNI and
//! the port it connected to, else that name at that port (ATS's HttpSM::setup_blind_tunnel_port
//! and HandleBlindTunnel); never tshost itself. As in ATS, the port the client connected to must
//! be one of `proxy.config.http.connect_ports` (ATS's default: 443); ATS then answers an HTTP
//! error on the raw connection (and 9.2.9 crashed doing so, seen 2026-12-07), tshost closes it.
//!
//! sni.yaml's routes use the same carriage: `tunnel_route` is a blind tunnel to the destination it
//! names; `forward_route` and `partial_blind_route` end TLS here and carry the plain bytes to
//! theirs, over TCP or over a new TLS connection (checked as a connection to an origin is, with
//! sni.yaml's outbound keys for the destination's name). For a route, the port checked against
//! connect_ports is the destination's (the port of the CONNECT request ATS makes for it).
#![forbid(unsafe_code)]

use std::io;
use std::net::SocketAddr;
use std::os::fd::AsFd;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;

use super::body::Transport;
use super::sm::Proxy;
use crate::config::sni::RouteKind;

/// A client's TCP stream under OpenSSL during the handshake, keeping what it reads while
/// recording (so that a tunnel can send it on).
pub struct Tap {
    s: TcpStream,
    rec: Option<Vec<u8>>,
}

impl Tap {
    pub fn new(s: TcpStream, record: bool) -> Tap {
        Tap {
            s,
            rec: record.then(Vec::new),
        }
    }

    /// The handshake is over: nothing more to keep.
    pub fn stop_recording(&mut self) {
        self.rec = None;
    }

    /// What was read so far, and the socket (a second descriptor of it: OpenSSL's stream is
    /// dropped after this).
    pub fn take(&mut self) -> io::Result<(TcpStream, Vec<u8>)> {
        let fd = self.s.as_fd().try_clone_to_owned()?;
        let std = std::net::TcpStream::from(fd);
        std.set_nonblocking(true)?;
        Ok((
            TcpStream::from_std(std)?,
            self.rec.take().unwrap_or_default(),
        ))
    }

    pub fn get_ref(&self) -> &TcpStream {
        &self.s
    }
}

impl AsyncRead for Tap {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        let before = buf.filled().len();
        let r = Pin::new(&mut me.s).poll_read(cx, buf);
        if let (Some(rec), Poll::Ready(Ok(()))) = (me.rec.as_mut(), &r) {
            rec.extend_from_slice(&buf.filled()[before..]);
        }
        r
    }
}

impl AsyncWrite for Tap {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().s).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().s).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().s).poll_shutdown(cx)
    }
}

impl Transport for Tap {
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.s.poll_read_ready(cx)
    }
}

/// Where a tunnel for server name `sni` (None: the client sent none) on local address `local`
/// goes: (host, port).
pub fn destination(proxy: &Proxy, sni: Option<&str>, local: SocketAddr) -> (String, u16) {
    let name = sni
        .map(str::to_string)
        .unwrap_or_else(|| local.ip().to_string());
    let remap = proxy.config.remap.load();
    match remap.table.tunnel_target(&name, local.port()) {
        Some((h, p)) => (h.to_string(), p),
        None => (name, local.port()),
    }
}

/// A client connection to carry blindly.
pub struct Blind {
    pub client: TcpStream,
    /// What the client sent before the tunnel was decided (its ClientHello).
    pub replay: Vec<u8>,
    pub peer: SocketAddr,
    /// The client's SNI, if it sent one.
    pub sni: Option<String>,
    /// The address it connected to.
    pub local: SocketAddr,
    /// sni.yaml's tunnel_route for its SNI: `HOST:PORT`.
    pub route: Option<String>,
}

/// A terminated client connection that sni.yaml routes on (forward_route, partial_blind_route).
pub struct Forward {
    pub kind: RouteKind,
    /// `HOST:PORT`.
    pub to: String,
    pub peer: SocketAddr,
    pub local: SocketAddr,
}

/// A route's `HOST:PORT` (`[V6]:PORT` too), split.
fn host_port(to: &str) -> Option<(String, u16)> {
    let (h, p) = to.rsplit_once(':')?;
    let h = h.trim_start_matches('[').trim_end_matches(']');
    Some((h.to_string(), p.parse().ok().filter(|p| *p > 0)?))
}

/// Resolve and connect to a tunnel's destination (never tshost's own port), within `connect`;
/// failures are logged with `what`.
async fn connect_to(
    proxy: &Proxy,
    what: &str,
    host: &str,
    port: u16,
    local: SocketAddr,
) -> Option<(TcpStream, SocketAddr)> {
    let Some(addr) = super::sm::resolve_host(host, port).await else {
        crate::warning!("{what}: cannot resolve {host}");
        return None;
    };
    if addr.port() == local.port() && super::local_addr::is_self(addr.ip()) {
        crate::warning!(
            "{what} to {host}:{port}: that is tshost itself; closed (map it with a tunnel:// rule in remap.config)"
        );
        return None;
    }
    let connect = proxy.config.origin_connect_timeout;
    match tokio::time::timeout(connect, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => {
            let _ = s.set_nodelay(true);
            Some((s, addr))
        }
        Ok(Err(e)) => {
            crate::warning!("{what} to {host}:{port} ({addr}): {e}");
            None
        }
        Err(_) => {
            crate::warning!("{what} to {host}:{port} ({addr}): connect timed out");
            None
        }
    }
}

/// Whether the CONNECT port of a tunnel is allowed (proxy.config.http.connect_ports).
fn port_allowed(proxy: &Proxy, what: &str, port: u16) -> bool {
    let ok = proxy.config.connect_ports.allows(port);
    if !ok {
        crate::warning!("{what}: port {port} is not in proxy.config.http.connect_ports; closed");
    }
    ok
}

/// Carry the connection to the destination: connect (within `connect`), send what the client
/// already sent, then both ways until either side ends or nothing moves for `idle`.
pub async fn run(proxy: Arc<Proxy>, t: Blind, idle: Duration) {
    let Blind {
        client,
        replay,
        peer,
        sni,
        local,
        route,
    } = t;
    let what = format!("blind tunnel from {peer}");
    // ATS checks the port of its tunnel's CONNECT request: the route's destination, else the
    // port the client connected to (before remap.config's tunnel:// rules).
    let (host, port) = match route {
        Some(r) => match host_port(&r) {
            Some((h, p)) if port_allowed(&proxy, &what, p) => (h, p),
            Some(_) => return,
            None => {
                crate::warning!("{what}: bad tunnel_route destination {r}");
                return;
            }
        },
        None if port_allowed(&proxy, &what, local.port()) => {
            destination(&proxy, sni.as_deref(), local)
        }
        None => return,
    };
    let Some((mut origin, addr)) = connect_to(&proxy, &what, &host, port, local).await else {
        return;
    };
    crate::debug!("ssl", "{what} to {host}:{port} ({addr})");
    if !replay.is_empty() && origin.write_all(&replay).await.is_err() {
        return;
    }
    copy_both_ways(client, origin, idle).await;
}

/// Carry a terminated client connection's plain bytes to its route's destination: over TCP
/// (forward_route) or over TLS (partial_blind_route), until either side ends or nothing moves for
/// `idle`.
pub async fn forward<C>(proxy: Arc<Proxy>, client: C, t: Forward, idle: Duration)
where
    C: AsyncRead + AsyncWrite + Unpin,
{
    let what = format!("{:?} route from {}", t.kind, t.peer);
    let Some((host, port)) = host_port(&t.to) else {
        crate::warning!("{what}: bad destination {}", t.to);
        return;
    };
    if !port_allowed(&proxy, &what, port) {
        return;
    }
    let Some((tcp, addr)) = connect_to(&proxy, &what, &host, port, t.local).await else {
        return;
    };
    crate::debug!("ssl", "{what} to {host}:{port} ({addr})");
    if t.kind != RouteKind::PartialBlind {
        copy_both_ways(client, tcp, idle).await;
        return;
    }
    let names = super::origin_tls::Names {
        remap_host: &host,
        client_sni: None,
    };
    let tls = match super::origin_tls::TlsTo::new(
        &proxy.config.origin_tls.load(),
        |_| None,
        names,
        || Some(host.to_ascii_lowercase()),
        addr,
    ) {
        Ok(t) => t,
        Err(e) => {
            crate::error!("{what} to {host}:{port}: {e}");
            return;
        }
    };
    match super::origin_tls::handshake(tcp, addr, &tls).await {
        Ok(origin) => copy_both_ways(client, origin, idle).await,
        Err(e) => crate::warning!("{what} to {host}:{port}: {e:?}"),
    }
}

/// Copy both ways until both directions ended, one side failed, or nothing moved for `idle`.
async fn copy_both_ways<A, B>(a: A, b: B, idle: Duration)
where
    A: AsyncRead + AsyncWrite + Unpin,
    B: AsyncRead + AsyncWrite + Unpin,
{
    let (mut ar, mut aw) = tokio::io::split(a);
    let (mut br, mut bw) = tokio::io::split(b);
    let mut up = vec![0u8; 16384];
    let mut down = vec![0u8; 16384];
    let (mut up_done, mut down_done) = (false, false);
    use tokio::io::AsyncReadExt;
    while !(up_done && down_done) {
        let step = tokio::time::timeout(idle, async {
            tokio::select! {
                r = ar.read(&mut up), if !up_done => match r {
                    Ok(0) => { up_done = true; bw.shutdown().await.is_ok() }
                    Ok(n) => bw.write_all(&up[..n]).await.is_ok(),
                    Err(_) => false,
                },
                r = br.read(&mut down), if !down_done => match r {
                    Ok(0) => { down_done = true; aw.shutdown().await.is_ok() }
                    Ok(n) => aw.write_all(&down[..n]).await.is_ok(),
                    Err(_) => false,
                },
            }
        })
        .await;
        if !matches!(step, Ok(true)) {
            return;
        }
    }
}
