//! The origin side: connections to origin servers, kept alive and reused per address.
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use crate::rt::clock::coarse_ms;

use parking_lot::Mutex;
use tokio::net::TcpStream;

use super::body::Conn;
use super::origin_io::{ConnectError, OriginIo};
use super::origin_tls::{handshake, TlsTo};

/// An idle connection is not reused after this long (ms).
const IDLE_MAX_MS: u64 = 30_000;
/// At most this many idle connections are kept per origin and network thread (ATS keeps them
/// without a limit by default; an HTTP/2 client alone may have 100 requests in flight).
const IDLE_PER_ORIGIN: usize = 256;

/// Boxed: a connection moves in and out of the pool and into each transaction's future, and a
/// box moves as one pointer (the connection itself is a few hundred bytes: its buffers and timers).
pub type OriginConn = Box<Origin>;

/// A server connection: the connection, its local address and how many transactions it carried
/// (what TSHttpTxnOutgoingAddrGet and TSHttpTxnServerSsnTransactionCount tell).
pub struct Origin {
    conn: Conn<OriginIo>,
    /// The connection's local address (read once, when it is made).
    pub local: Option<SocketAddr>,
    /// Transactions it carried before the current one.
    pub used: i32,
    /// Bound to an address a plugin chose (TSHttpTxnOutgoingAddrSet): not kept for others.
    pub bound: bool,
    /// Kept under this key with its address: 0 for TCP, else its TLS settings ([`TlsTo::key`]).
    tls_key: u64,
    /// What it sent the origin when asked for a certificate (ATS's `sent_cert`).
    sent_cert: u8,
    /// proxy.process.http.current_server_connections, for as long as it lives (None: an
    /// intercept's, which is no server connection).
    _counted: Option<crate::metrics::Held>,
    /// The current request's head bytes written (ATS's `server_request_hdr_bytes`).
    pub req_hdr: u64,
    /// The current request's body bytes written (`server_request_body_bytes`: the payload).
    pub req_body: u64,
    /// The current response's head bytes read (`server_response_hdr_bytes`).
    pub resp_hdr: u64,
    /// The current response's body bytes read (`server_response_body_bytes`: the payload).
    pub resp_body: u64,
}

impl Origin {
    /// Queue the request head `req` (counted in [`Origin::req_hdr`]; the body count restarts).
    pub async fn write_request(&mut self, req: &crate::hdrs::MBuffer) -> std::io::Result<()> {
        let mut n = 0;
        let r = self
            .conn
            .write_with(|out| {
                let before = out.len();
                req.with(|h| h.write_request(out));
                n = out.len() - before;
            })
            .await;
        self.req_hdr = n as u64;
        self.req_body = 0;
        self.resp_hdr = 0;
        self.resp_body = 0;
        r
    }

    /// The connection's socket (-1 for an intercept's, which has none).
    pub fn fd(&self) -> i32 {
        self.conn.io.fd()
    }

    /// The layers below HTTP, for TSHttpTxnServerProtocolStackGet: the TLS version's tag (None
    /// for TCP) and whether the peer is IPv6.
    pub fn layers(&self) -> (Option<&'static std::ffi::CStr>, bool) {
        self.conn.io.layers()
    }
}

impl std::ops::Deref for Origin {
    type Target = Conn<OriginIo>;
    fn deref(&self) -> &Conn<OriginIo> {
        &self.conn
    }
}

impl std::ops::DerefMut for Origin {
    fn deref_mut(&mut self) -> &mut Conn<OriginIo> {
        &mut self.conn
    }
}
/// An idle connection and when it became idle ([`coarse_ms`]: timed on every request, so without
/// reading the clock).
type IdleConn = (OriginConn, u64);
/// The network thread, the origin's address, and 0 for TCP or the TLS key ([`TlsTo::key`]).
type PoolKey = (usize, SocketAddr, u64);

/// Idle connections are kept per network thread: a connection is registered with its thread's
/// reactor and serves that thread's transactions (threads outside the proxy's share number 0).
///
/// The map hashes with foldhash (seeded per process): SipHash showed as two hundred instructions
/// per request for this one key, looked up twice per request.
#[derive(Default)]
pub struct OriginPool {
    idle: Mutex<HashMap<PoolKey, Vec<IdleConn>, foldhash::fast::RandomState>>,
}

thread_local! {
    static WORKER: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Mark the current thread as network thread `n` (1-based) for the origin pools.
pub fn set_worker(n: usize) {
    WORKER.with(|w| w.set(n));
}

fn worker() -> usize {
    WORKER.with(|w| w.get())
}

impl OriginPool {
    /// An idle connection to `addr` if one is there (true: reused), else a new one.
    pub async fn get(
        &self,
        addr: SocketAddr,
        tls: Option<&TlsTo>,
        connect_timeout: Duration,
    ) -> Result<(OriginConn, bool), ConnectError> {
        if let Some(c) = self.take_idle(addr, tls.map_or(0, |t| t.key())) {
            if let Some(t) = tls {
                t.sent_cert
                    .store(c.sent_cert, std::sync::atomic::Ordering::Relaxed);
            }
            return Ok((c, true));
        }
        Ok((
            Self::connect_from(addr, None, tls, connect_timeout).await?,
            false,
        ))
    }

    /// A new connection to `addr`, from the local address `from` when given (its port too, unless
    /// 0); such a connection is not kept for others ([`OriginPool::put`]).
    pub async fn connect_from(
        addr: SocketAddr,
        from: Option<SocketAddr>,
        tls: Option<&TlsTo>,
        connect_timeout: Duration,
    ) -> Result<OriginConn, ConnectError> {
        let connecting = async {
            match from {
                None => TcpStream::connect(addr).await,
                Some(from) => {
                    let socket = if addr.is_ipv4() {
                        tokio::net::TcpSocket::new_v4()?
                    } else {
                        tokio::net::TcpSocket::new_v6()?
                    };
                    socket.bind(from)?;
                    socket.connect(addr).await
                }
            }
        };
        let deadline = tokio::time::Instant::now() + connect_timeout;
        let s = match tokio::time::timeout_at(deadline, connecting).await {
            Err(_) => return Err(ConnectError::Timeout),
            Ok(Err(e)) => return Err(ConnectError::Failed(e)),
            Ok(Ok(s)) => s,
        };
        let _ = s.set_nodelay(true);
        let local = s.local_addr().ok();
        let sent_cert = || {
            tls.map_or(0, |t| {
                t.sent_cert.load(std::sync::atomic::Ordering::Relaxed)
            })
        };
        let (io, tls_key) = match tls {
            None => (OriginIo::Plain(s), 0),
            Some(t) => {
                let io = tokio::time::timeout_at(deadline, handshake(s, addr, t))
                    .await
                    .map_err(|_| ConnectError::Timeout)??;
                (io, t.key())
            }
        };
        Ok(Box::new(Origin {
            conn: Conn::new(io),
            local,
            used: 0,
            bound: from.is_some(),
            tls_key,
            sent_cert: sent_cert(),
            _counted: Some(crate::metrics::Held::new(
                crate::metrics::M::TotalServerConnections,
                crate::metrics::M::CurrentServerConnections,
            )),
            req_hdr: 0,
            resp_hdr: 0,
            resp_body: 0,
            req_body: 0,
        }))
    }

    /// The origin connection of an intercepted transaction: the plugin's continuation `plugin`
    /// is given a VConnection ([`super::intercept`]). Never kept for others.
    pub fn intercepted(plugin: usize, txn: usize) -> Option<OriginConn> {
        let io = super::intercept::accept(plugin, txn)?;
        Some(Box::new(Origin {
            conn: Conn::new(OriginIo::Intercept(Box::new(io))),
            local: None,
            used: 0,
            bound: true,
            tls_key: 0,
            sent_cert: 0,
            _counted: None,
            req_hdr: 0,
            resp_hdr: 0,
            resp_body: 0,
            req_body: 0,
        }))
    }

    fn take_idle(&self, addr: SocketAddr, tls_key: u64) -> Option<OriginConn> {
        let mut idle = self.idle.lock();
        let list = idle.get_mut(&(worker(), addr, tls_key))?;
        let now = coarse_ms();
        while let Some((c, at)) = list.pop() {
            if now.saturating_sub(at) < IDLE_MAX_MS && c.buf.is_empty() {
                return Some(c);
            }
        }
        None
    }

    /// Keep a connection whose last response was complete, for the next request to `addr`.
    pub fn put(&self, addr: SocketAddr, mut conn: OriginConn) {
        if conn.bound {
            return;
        }
        conn.used += 1;
        let mut idle = self.idle.lock();
        let list = idle.entry((worker(), addr, conn.tls_key)).or_default();
        let now = coarse_ms();
        list.retain(|(_, at)| now.saturating_sub(*at) < IDLE_MAX_MS);
        if list.len() < IDLE_PER_ORIGIN {
            list.push((conn, now));
        }
    }
}
