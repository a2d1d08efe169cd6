//! Listeners: accept client connections on the configured ports (plain and TLS) and hand each to
//! an HTTP/1 session; stop gracefully.

use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};

use super::body::Conn;
use super::http2::{self, H2Settings};
use super::proto;
use super::sm::Proxy;
use super::{http1, ClientInfo};
use crate::tls::TlsServer;

/// A listening port.
pub struct Port {
    pub listener: std::net::TcpListener,
    pub tls: Option<Arc<TlsServer>>,
}

/// The running proxy: its listeners' tasks and its sessions.
pub struct Server {
    proxy: Arc<Proxy>,
    stop: watch::Sender<bool>,
    sessions: Arc<Sessions>,
}

#[derive(Default)]
struct Sessions {
    live: AtomicUsize,
    zero: Notify,
}

struct SessionGuard(Arc<Sessions>);

impl Drop for SessionGuard {
    fn drop(&mut self) {
        if self.0.live.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.zero.notify_waiters();
        }
    }
}

/// Timeouts of the client side.
#[derive(Clone, Copy)]
pub struct ClientTimeouts {
    pub keep_alive: Duration,
    pub tls_handshake: Duration,
    /// HTTP/2 sessions (ALPN h2 on TLS ports).
    pub h2: H2Settings,
}

impl Server {
    /// Start accepting on every port (inside a tokio runtime).
    pub fn start(
        proxy: Arc<Proxy>,
        ports: Vec<Port>,
        timeouts: ClientTimeouts,
    ) -> std::io::Result<Server> {
        let (stop, _) = watch::channel(false);
        let sessions = Arc::new(Sessions::default());
        for p in ports {
            p.listener.set_nonblocking(true)?;
            let listener = TcpListener::from_std(p.listener)?;
            let (proxy, tls, sessions, mut stop_rx) =
                (proxy.clone(), p.tls, sessions.clone(), stop.subscribe());
            tokio::spawn(async move {
                loop {
                    let accepted = tokio::select! {
                        a = listener.accept() => a,
                        _ = stop_rx.changed() => break,
                    };
                    match accepted {
                        Ok((stream, peer)) => {
                            sessions.live.fetch_add(1, Ordering::AcqRel);
                            let guard = SessionGuard(sessions.clone());
                            let (proxy, tls, stop) = (proxy.clone(), tls.clone(), stop_rx.clone());
                            tokio::spawn(async move {
                                connection(proxy, stream, peer, tls, timeouts, stop).await;
                                drop(guard);
                            });
                        }
                        Err(e) => {
                            crate::warning!("accept: {e}");
                            tokio::time::sleep(Duration::from_millis(10)).await;
                        }
                    }
                }
            });
        }
        Ok(Server {
            proxy,
            stop,
            sessions,
        })
    }

    /// Stop accepting, end idle sessions, let the others finish their current transaction; waits
    /// at most `timeout` for every session to close. Returns the number still open.
    pub async fn shutdown(&self, timeout: Duration) -> usize {
        // Responses from now on say Connection: close.
        self.proxy.draining.store(true, Ordering::Release);
        let _ = self.stop.send(true);
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.sessions.zero.notified();
            let live = self.sessions.live.load(Ordering::Acquire);
            if live == 0 {
                return 0;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.sessions.live.load(Ordering::Acquire);
            }
        }
    }
}

fn ip_tag(addr: &SocketAddr) -> &'static std::ffi::CStr {
    if addr.is_ipv4() {
        proto::IPV4
    } else {
        proto::IPV6
    }
}

async fn connection(
    proxy: Arc<Proxy>,
    stream: TcpStream,
    peer: SocketAddr,
    tls: Option<Arc<TlsServer>>,
    timeouts: ClientTimeouts,
    stop: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let local = stream.local_addr().ok();
    let fd = stream.as_raw_fd();
    match tls {
        None => {
            let mut conn = Conn::new(stream);
            if !probe(&mut conn, timeouts.keep_alive, &stop).await {
                return;
            }
            let info = ClientInfo::new(Some(peer), local, fd, vec![proto::TCP, ip_tag(&peer)]);
            Box::pin(http1::serve(
                proxy,
                conn,
                info,
                "http",
                timeouts.keep_alive,
                stop,
            ))
            .await;
        }
        Some(tls) => {
            let ssl = match tls.ssl() {
                Ok(s) => s,
                Err(e) => {
                    crate::error!("TLS: {e}");
                    return;
                }
            };
            let Ok(mut s) = tokio_openssl::SslStream::new(ssl, stream) else {
                return;
            };
            let mut stop_handshake = stop.clone();
            let accept = tokio::time::timeout(timeouts.tls_handshake, Pin::new(&mut s).accept());
            let handshake = tokio::select! {
                r = accept => r,
                _ = stop_handshake.changed() => return,
            };
            match handshake {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    crate::debug!("ssl", "handshake with {peer}: {e}");
                    return;
                }
                Err(_) => return,
            }
            let version = crate::tls::version_tag(s.ssl());
            if s.ssl().selected_alpn_protocol() == Some(b"h2") {
                let info = ClientInfo::new(
                    Some(peer),
                    local,
                    fd,
                    vec![proto::HTTP_2_0, version, proto::TCP, ip_tag(&peer)],
                );
                Box::pin(http2::serve(proxy, s, info, timeouts.h2, stop)).await;
                return;
            }
            let mut conn = Conn::new(s);
            // ALPN http/1.1: the session starts now; no ALPN: after the probe (ATS).
            if conn.io.ssl().selected_alpn_protocol().is_none()
                && !probe(&mut conn, timeouts.keep_alive, &stop).await
            {
                return;
            }
            let info = ClientInfo::new(
                Some(peer),
                local,
                fd,
                vec![version, proto::TCP, ip_tag(&peer)],
            );
            Box::pin(http1::serve(
                proxy,
                conn,
                info,
                "https",
                timeouts.keep_alive,
                stop,
            ))
            .await;
        }
    }
}

/// ATS's protocol probe: a session starts only once the client sent a byte (false: it closed, or
/// said nothing within `timeout`). A stop ends the wait: a silent connection must not hold up a
/// graceful stop.
async fn probe<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Conn<S>,
    timeout: Duration,
    stop: &watch::Receiver<bool>,
) -> bool {
    let mut stop = stop.clone();
    let first = tokio::select! {
        r = tokio::time::timeout(timeout, conn.fill_idle()) => r,
        _ = stop.changed() => return false,
    };
    matches!(first, Ok(Ok(n)) if n > 0)
}
