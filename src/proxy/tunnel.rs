//! Blind tunnels (TSVConnTunnel): a TLS client connection a plugin turned into a tunnel during its
//! handshake is not terminated; its bytes go to a destination as they are, the ClientHello that
//! OpenSSL already read sent first (ATS replays its handshake buffer the same way). The
//! destination is the `map tunnel://NAME:PORT/ tunnel://HOST:PORT/` rule for the client's SNI and
//! the port it connected to, else that name at that port (ATS's HttpSM::setup_blind_tunnel_port
//! and HandleBlindTunnel); never tshost itself. As in ATS, the port the client connected to must
//! be one of `proxy.config.http.connect_ports` (ATS's default: 443); ATS then answers an HTTP
//! error on the raw connection (and 9.2.9 crashed doing so, seen 2026-12-07), tshost closes it.
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
}

/// Carry the connection to the destination: connect (within `connect`), send what the client
/// already sent, then both ways until either side ends or nothing moves for `idle`.
pub async fn run(proxy: Arc<Proxy>, t: Blind, connect: Duration, idle: Duration) {
    let Blind {
        mut client,
        replay,
        peer,
        sni,
        local,
    } = t;
    // ATS checks the port the client connected to (its tunnel's CONNECT request) first.
    if !proxy.config.connect_ports.allows(local.port()) {
        crate::warning!(
            "blind tunnel from {peer}: port {} is not in proxy.config.http.connect_ports; closed",
            local.port()
        );
        return;
    }
    let (host, port) = destination(&proxy, sni.as_deref(), local);
    let Some(addr) = super::sm::resolve_host(&host, port).await else {
        crate::warning!("blind tunnel from {peer}: cannot resolve {host}");
        return;
    };
    if addr.port() == local.port() && super::local_addr::is_self(addr.ip()) {
        crate::warning!(
            "blind tunnel from {peer} to {host}:{port}: that is tshost itself; closed (map it with a tunnel:// rule in remap.config)"
        );
        return;
    }
    let mut origin = match tokio::time::timeout(connect, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            crate::warning!("blind tunnel from {peer} to {host}:{port} ({addr}): {e}");
            return;
        }
        Err(_) => {
            crate::warning!(
                "blind tunnel from {peer} to {host}:{port} ({addr}): connect timed out"
            );
            return;
        }
    };
    crate::debug!("ssl", "blind tunnel from {peer} to {host}:{port} ({addr})");
    let _ = origin.set_nodelay(true);
    if !replay.is_empty() && origin.write_all(&replay).await.is_err() {
        return;
    }
    copy_both_ways(&mut client, &mut origin, idle).await;
}

/// Copy both ways until both directions ended, one side failed, or nothing moved for `idle`.
async fn copy_both_ways(a: &mut TcpStream, b: &mut TcpStream, idle: Duration) {
    let (mut ar, mut aw) = a.split();
    let (mut br, mut bw) = b.split();
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
