//! Listeners: accept client connections on the configured ports (plain and TLS) and hand each to
//! an HTTP/1 session; stop gracefully.
#![forbid(unsafe_code)]

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
use super::client_tls::ClientTls;
use super::http2::{self, H2Settings};
use super::proto;
use super::sm::Proxy;
use super::tunnel::Tap;
use super::{http1, ClientInfo};
use crate::config::sni::RouteKind;
use crate::tls::{conn_hooks, TlsServer};
use crate::vconn::{self, Step, VConn};

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
    /// A blind tunnel (TSVConnTunnel) in which nothing moves this long is closed
    /// (proxy.config.net.default_inactivity_timeout).
    pub tunnel_idle: Duration,
}

/// A network thread's runtime: connections accepted on any port are handed to the worker with
/// the fewest live sessions, and live on it (with their origin connections) until they close.
pub struct Worker {
    pub handle: tokio::runtime::Handle,
    live: Arc<AtomicUsize>,
}

impl Worker {
    pub fn new(handle: tokio::runtime::Handle) -> Worker {
        Worker {
            handle,
            live: Arc::new(AtomicUsize::new(0)),
        }
    }
}

struct WorkerGuard(Arc<AtomicUsize>);

impl Drop for WorkerGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The worker for a new connection: the least loaded; of equals, the next after `last`.
fn pick(workers: &[Worker], last: &mut usize) -> usize {
    let n = workers.len();
    let mut best = (*last + 1) % n;
    let mut best_live = workers[best].live.load(Ordering::Relaxed);
    for k in 1..n {
        let i = (*last + 1 + k) % n;
        let live = workers[i].live.load(Ordering::Relaxed);
        if live < best_live {
            (best, best_live) = (i, live);
        }
    }
    *last = best;
    best
}

impl Server {
    /// Start accepting on every port, in the current tokio runtime (connections live in it).
    pub fn start(
        proxy: Arc<Proxy>,
        ports: Vec<Port>,
        timeouts: ClientTimeouts,
    ) -> std::io::Result<Server> {
        let workers = vec![Worker::new(tokio::runtime::Handle::current())];
        Self::start_on(proxy, ports, timeouts, Arc::new(workers))
    }

    /// Start accepting on every port; each connection goes to one of `workers` (least loaded
    /// first) and stays there. Port k's accept loop runs on worker k mod n.
    pub fn start_on(
        proxy: Arc<Proxy>,
        ports: Vec<Port>,
        timeouts: ClientTimeouts,
        workers: Arc<Vec<Worker>>,
    ) -> std::io::Result<Server> {
        assert!(!workers.is_empty(), "Server::start_on: no workers");
        let (stop, _) = watch::channel(false);
        let sessions = Arc::new(Sessions::default());
        for (k, p) in ports.into_iter().enumerate() {
            p.listener.set_nonblocking(true)?;
            let home = k % workers.len();
            let listener = {
                let _in = workers[home].handle.enter();
                TcpListener::from_std(p.listener)?
            };
            let (proxy, tls, sessions, mut stop_rx, workers) = (
                proxy.clone(),
                p.tls,
                sessions.clone(),
                stop.subscribe(),
                workers.clone(),
            );
            workers.clone()[home].handle.spawn(async move {
                let mut last = home;
                loop {
                    let accepted = tokio::select! {
                        a = listener.accept() => a,
                        _ = stop_rx.changed() => break,
                    };
                    match accepted {
                        Ok((stream, peer)) => {
                            sessions.live.fetch_add(1, Ordering::AcqRel);
                            let guard = SessionGuard(sessions.clone());
                            let w = pick(&workers, &mut last);
                            workers[w].live.fetch_add(1, Ordering::AcqRel);
                            let wguard = WorkerGuard(workers[w].live.clone());
                            let (proxy, tls, stop) = (proxy.clone(), tls.clone(), stop_rx.clone());
                            if w == home {
                                tokio::spawn(async move {
                                    connection(proxy, stream, peer, tls, timeouts, stop).await;
                                    drop((wguard, guard));
                                });
                                continue;
                            }
                            // Another worker's: the socket moves to that runtime's reactor.
                            let std = match stream.into_std() {
                                Ok(s) => s,
                                Err(e) => {
                                    crate::warning!("accept: {e}");
                                    continue;
                                }
                            };
                            workers[w].handle.spawn(async move {
                                match TcpStream::from_std(std) {
                                    Ok(stream) => {
                                        connection(proxy, stream, peer, tls, timeouts, stop).await
                                    }
                                    Err(e) => crate::warning!("accept: {e}"),
                                }
                                drop((wguard, guard));
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
        // Plugin-made sessions (TSHttpConnect) go to the same workers and count for the stop.
        let counted = sessions.clone();
        install(Runner {
            proxy: proxy.clone(),
            workers: workers.clone(),
            timeouts,
            stop: stop.subscribe(),
            guard: Arc::new(move || {
                counted.live.fetch_add(1, Ordering::AcqRel);
                Box::new(SessionGuard(counted.clone())) as Box<dyn Send>
            }),
            next: Default::default(),
        });
        Ok(Server {
            proxy,
            stop,
            sessions,
        })
    }

    /// Stop accepting, end idle sessions, let the others finish their current transaction; waits
    /// at most `timeout` for every session to close. Returns the number still open.
    pub async fn shutdown(&self, timeout: Duration) -> usize {
        // Responses from now on say Connection: close; plugins make no new sessions.
        self.proxy.draining.store(true, Ordering::Release);
        uninstall();
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
    // ip_allow.yaml: a client no rule allows anything is closed at once (ATS closes it at its
    // session accept, after a TLS handshake; here before).
    if !proxy.config.remap.load().accepts(peer.ip()) {
        // FIN first: a client that already sent its request reads an empty reply, not a reset.
        let _ = socket2::SockRef::from(&stream).shutdown(std::net::Shutdown::Write);
        return;
    }
    let _ = stream.set_nodelay(true);
    // proxy.process.http.current_client_connections, for the connection's life.
    let _counted = crate::metrics::Held::new(
        crate::metrics::M::TotalClientConnections,
        crate::metrics::M::CurrentClientConnections,
    );
    let local = stream.local_addr().ok();
    let fd = stream.as_raw_fd();
    match tls {
        None => {
            let mut conn = Conn::new(stream);
            if !Box::pin(probe(&mut conn, timeouts.keep_alive, &stop)).await {
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
            let vc = VConn::create(Some(peer.into()), local.map(Into::into), fd, true, 0);
            // The handshake's state is large and only lives until it ends: boxed, it is freed
            // before the session starts (an idle connection keeps only what it needs).
            let s = match Box::pin(tls_accept(tls, stream, &vc, peer, timeouts, &stop)).await {
                Accepted::Tls(s) => s,
                Accepted::Failed => return,
                Accepted::Tunnel(client, replay, sni, route) => {
                    if let Some(local) = local {
                        let idle = timeouts.tunnel_idle;
                        let t = super::tunnel::Blind {
                            client,
                            replay,
                            peer,
                            sni,
                            local,
                            route,
                        };
                        // Boxed: its buffers must not grow every connection's future.
                        Box::pin(super::tunnel::run(proxy, t, idle)).await;
                    }
                    vc.close(tokio::runtime::Handle::try_current().ok());
                    return;
                }
            };
            // sni.yaml's forward_route and partial_blind_route: the plain bytes go on as
            // they are, not as HTTP.
            if let Some((kind, to)) = crate::tls::sni::route(s.ssl()) {
                if let Some(local) = local {
                    let s = ClientTls::new(s, vc.clone());
                    let t = super::tunnel::Forward {
                        kind,
                        to,
                        peer,
                        local,
                    };
                    let idle = timeouts.tunnel_idle;
                    Box::pin(super::tunnel::forward(proxy, s, t, idle)).await;
                    return;
                }
            }
            let s = ClientTls::new(s, vc.clone());
            let version = crate::tls::version_tag(s.ssl());
            let sni = crate::tls::sni::server_name(s.ssl());
            if s.ssl().selected_alpn_protocol() == Some(b"h2") {
                let info = ClientInfo::new(
                    Some(peer),
                    local,
                    fd,
                    vec![proto::HTTP_2_0, version, proto::TCP, ip_tag(&peer)],
                )
                .with_vconn(vc)
                .with_tls(sni.as_deref())
                .with_peer_cert(s.ssl().peer_certificate().is_some());
                Box::pin(http2::serve(proxy, s, info, timeouts.h2, stop)).await;
                return;
            }
            let mut conn = Conn::new(s);
            // ALPN http/1.1: the session starts now; no ALPN: after the probe (ATS).
            if conn.io.ssl().selected_alpn_protocol().is_none()
                && !Box::pin(probe(&mut conn, timeouts.keep_alive, &stop)).await
            {
                return;
            }
            let info = ClientInfo::new(
                Some(peer),
                local,
                fd,
                vec![version, proto::TCP, ip_tag(&peer)],
            )
            .with_vconn(vc)
            .with_tls(sni.as_deref())
            .with_peer_cert(conn.io.ssl().peer_certificate().is_some());
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

/// How a TLS accept ended.
enum Accepted {
    Tls(tokio_openssl::SslStream<Tap>),
    /// A plugin failed it, it timed out, a stop came, or it failed; VCONN_CLOSE has fired.
    Failed,
    /// A plugin asked for a blind tunnel (TSVConnTunnel), or sni.yaml routes the name blindly:
    /// the socket, what the client sent so far, its SNI, and the route's `HOST:PORT`.
    Tunnel(TcpStream, Vec<u8>, Option<String>, Option<String>),
}

/// The TLS handshake of a new client connection, with the connection hooks when any has a
/// continuation.
async fn tls_accept(
    tls: Arc<TlsServer>,
    stream: TcpStream,
    vc: &Arc<VConn>,
    peer: SocketAddr,
    timeouts: ClientTimeouts,
    stop: &watch::Receiver<bool>,
) -> Accepted {
    let mut ssl = match tls.ssl() {
        Ok(s) => s,
        Err(e) => {
            crate::error!("TLS: {e}");
            vc.close(None);
            return Accepted::Failed;
        }
    };
    vc.set_ssl(conn_hooks::address(&ssl));
    let hooks = VConn::hooks_wanted();
    if hooks {
        conn_hooks::attach(&mut ssl, vc.clone());
        vc.begin_hooks();
    }
    // With hooks or sni.yaml routes, what the client sends during the handshake is kept (a
    // tunnel replays it).
    let record = hooks || crate::tls::sni::routing();
    let Ok(mut s) = tokio_openssl::SslStream::new(ssl, Tap::new(stream, record)) else {
        vc.close(None);
        return Accepted::Failed;
    };
    let work = async {
        // TS_VCONN_START_HOOK: after the accept, before the handshake reads anything.
        if hooks {
            match vc.run(vconn::hook::VCONN_START).await {
                Step::Done => {}
                Step::Tunnel => return Ok(true),
                _ => return Err("a plugin failed it at VCONN_START".to_string()),
            }
        }
        loop {
            match Pin::new(&mut s).accept().await {
                Ok(()) => return Ok(false),
                Err(e) => match conn_hooks::paused_at(e.code()) {
                    // A plugin holds CLIENT_HELLO or CERT (or asked for a tunnel there): wait
                    // for its reenable, call the rest of that hook's plugins, go on. A
                    // tunnel_route of sni.yaml stops the handshake after CLIENT_HELLO.
                    Some(h) if hooks || crate::tls::sni::blind(s.ssl()) => {
                        if hooks {
                            match vc.run(h).await {
                                Step::Done => {}
                                Step::Tunnel => return Ok(true),
                                _ => {
                                    return Err(format!(
                                        "a plugin failed it at {}",
                                        crate::hooks::short_name(h)
                                    ))
                                }
                            }
                        }
                        if h == vconn::hook::CLIENT_HELLO && crate::tls::sni::blind(s.ssl()) {
                            return Ok(true);
                        }
                    }
                    _ => return Err(e.to_string()),
                },
            }
        }
    };
    let mut stop = stop.clone();
    let handshake = tokio::select! {
        r = tokio::time::timeout(timeouts.tls_handshake, work) => r,
        _ = stop.changed() => Ok(Err("stopping".to_string())),
    };
    match handshake {
        Ok(Ok(false)) => {
            s.get_mut().stop_recording();
            crate::metrics::add(crate::metrics::M::SslHandshakesIn, 1);
            return Accepted::Tls(s);
        }
        Ok(Ok(true)) => {
            let sni = s
                .ssl()
                .servername(openssl::ssl::NameType::HOST_NAME)
                .map(str::to_string);
            // A plugin's TSVConnTunnel goes where remap.config says; a tunnel_route where it
            // names.
            let route = crate::tls::sni::route(s.ssl())
                .filter(|r| r.0 == RouteKind::Blind)
                .map(|r| r.1);
            match s.get_mut().take() {
                Ok((client, replay)) => {
                    // OpenSSL lets go of the connection; the tunnel has its own descriptor.
                    vc.set_ssl(0);
                    drop(s);
                    return Accepted::Tunnel(client, replay, sni, route);
                }
                Err(e) => crate::warning!("blind tunnel from {peer}: {e}"),
            }
        }
        Ok(Err(e)) => crate::debug!("ssl", "handshake with {peer}: {e}"),
        Err(_) => crate::debug!("ssl", "handshake with {peer}: timed out"),
    }
    // VCONN_CLOSE while the TLS object lives.
    vc.close(tokio::runtime::Handle::try_current().ok());
    Accepted::Failed
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

/// What a plugin-made session needs of the running proxy.
pub(super) struct Runner {
    pub proxy: Arc<Proxy>,
    pub workers: Arc<Vec<Worker>>,
    pub timeouts: ClientTimeouts,
    pub stop: watch::Receiver<bool>,
    /// Held while the session lives (the proxy's graceful stop waits for it).
    pub guard: Arc<dyn Fn() -> Box<dyn Send> + Send + Sync>,
    pub next: AtomicUsize,
}

static RUNNER: parking_lot::Mutex<Option<Arc<Runner>>> = parking_lot::Mutex::new(None);

/// The running proxy takes plugin-made sessions from now on.
fn install(r: Runner) {
    *RUNNER.lock() = Some(Arc::new(r));
}

/// The running proxy's, if one runs.
pub(super) fn runner() -> Option<Arc<Runner>> {
    RUNNER.lock().clone()
}

/// The proxy is stopping: no new plugin-made sessions.
fn uninstall() {
    *RUNNER.lock() = None;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_connections_go_to_the_least_loaded_worker() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let workers: Vec<Worker> = (0..3).map(|_| Worker::new(rt.handle().clone())).collect();
        let mut last = 0;
        // All idle: round robin, starting after `last`.
        let picks: Vec<usize> = (0..3)
            .map(|_| {
                let w = pick(&workers, &mut last);
                workers[w].live.fetch_add(1, Ordering::Relaxed);
                w
            })
            .collect();
        assert_eq!(picks, vec![1, 2, 0]);
        // Worker 2 lost its connections: it gets the next ones until it catches up.
        workers[2].live.store(0, Ordering::Relaxed);
        workers[0].live.store(3, Ordering::Relaxed);
        assert_eq!(pick(&workers, &mut last), 2);
        workers[2].live.fetch_add(1, Ordering::Relaxed);
        assert_eq!(pick(&workers, &mut last), 1);
    }
}
