//! The session cache for connections to origins (ATS's `proxy.config.ssl.origin_session_cache`,
//! on by default, and `.size`, 10240): the session of a TLS connection to an origin is kept under
//! the origin's address and the connection's TLS key (SNI, verification settings and context),
//! and a new connection to the same origin with the same settings offers it. A resumed handshake
//! is counted ([`reused`]) and said under the debug tag `ssl.origin_session_cache`, with ATS's
//! words. When the cache is more than full, the oldest origin's session goes.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::LazyLock;

use foreign_types_shared::ForeignTypeRef;
use openssl::ex_data::Index;
use openssl::ssl::{
    Ssl, SslContextBuilder, SslRef, SslSession, SslSessionCacheMode, SslSessionRef,
};
use parking_lot::Mutex;

/// The cache key: the origin's address and the connection's TLS key.
pub type Key = (SocketAddr, u64);

/// How many origins' sessions are kept (0: off).
static SIZE: AtomicUsize = AtomicUsize::new(0);
/// Handshakes that resumed a cached session (ATS's `proxy.process.ssl.origin_session_reused`).
static REUSED: AtomicU64 = AtomicU64::new(0);

/// A session, and the context (its address) of the connection it came from: it is offered only
/// to connections of that context.
struct Entry {
    session: SslSession,
    ctx: usize,
}

#[derive(Default)]
struct Cache {
    map: HashMap<Key, Entry>,
    /// Keys in the order they came in (each once).
    order: VecDeque<Key>,
}

static CACHE: LazyLock<Mutex<Cache>> = LazyLock::new(Default::default);

/// The cache key a connection's sessions are kept under (set on its SSL object before the
/// handshake).
static KEY_INDEX: LazyLock<Option<Index<Ssl, Key>>> =
    LazyLock::new(|| Ssl::new_ex_index::<Key>().ok());

/// Read `proxy.config.ssl.origin_session_cache` and `.size` (at start-up, before any client
/// context is made).
pub fn configure(enabled: bool, size: i64) {
    let size = if enabled { size.max(0) as usize } else { 0 };
    SIZE.store(size, Ordering::Relaxed);
}

/// Whether sessions to origins are cached.
pub fn enabled() -> bool {
    SIZE.load(Ordering::Relaxed) > 0
}

/// How many handshakes with origins resumed a cached session.
pub fn reused() -> u64 {
    REUSED.load(Ordering::Relaxed)
}

/// Make a client context keep its sessions here (when the cache is on): OpenSSL hands each new
/// session (TLS 1.3's come after the handshake, with the server's ticket) to the callback.
pub fn install(b: &mut SslContextBuilder) {
    if !enabled() {
        return;
    }
    b.set_session_cache_mode(SslSessionCacheMode::CLIENT | SslSessionCacheMode::NO_INTERNAL);
    b.set_new_session_callback(store);
}

fn store(ssl: &mut SslRef, session: SslSession) {
    let Some(key) = KEY_INDEX.as_ref().and_then(|i| ssl.ex_data(*i)).copied() else {
        return;
    };
    let Some(session) = copy(&session) else {
        return;
    };
    let ctx = ssl.ssl_context().as_ptr() as usize;
    let size = SIZE.load(Ordering::Relaxed);
    let mut c = CACHE.lock();
    if c.map.insert(key, Entry { session, ctx }).is_none() {
        c.order.push_back(key);
        while c.map.len() > size {
            let Some(old) = c.order.pop_front() else {
                break;
            };
            c.map.remove(&old);
        }
    }
}

/// A copy of a session: OpenSSL marks a connection's session not resumable when the connection
/// is freed without a close_notify (SSL_free's ssl_clear_bad_session), as an origin connection
/// often is (dropped when the origin closed it, or at a timeout), so the cache shares its
/// sessions with no connection.
fn copy(s: &SslSessionRef) -> Option<SslSession> {
    s.to_der().and_then(|d| SslSession::from_der(&d)).ok()
}

/// Before the handshake: mark the connection's sessions as `key`'s and offer the one cached
/// under it, if any.
pub fn offer(ssl: &mut SslRef, key: Key) {
    if !enabled() {
        return;
    }
    let Some(index) = KEY_INDEX.as_ref() else {
        return;
    };
    ssl.set_ex_data(*index, key);
    let ctx = ssl.ssl_context().as_ptr() as usize;
    let cached = CACHE
        .lock()
        .map
        .get(&key)
        .filter(|e| e.ctx == ctx)
        .and_then(|e| copy(&e.session));
    if let Some(session) = cached {
        // SAFETY: the session came from a connection of this same context (checked above), as
        // SSL_set_session requires of a client's session.
        if let Err(e) = unsafe { ssl.set_session(&session) } {
            crate::debug!("ssl.origin_session_cache", "cannot offer the session: {e}");
        }
    }
}

/// After a successful handshake: count and say whether it resumed.
pub fn handshaken(ssl: &SslRef) {
    if !enabled() {
        return;
    }
    if ssl.session_reused() {
        REUSED.fetch_add(1, Ordering::Relaxed);
        crate::debug!(
            "ssl.origin_session_cache",
            "reused session to origin server"
        );
    } else {
        crate::debug!("ssl.origin_session_cache", "new session to origin server");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_by_size_zero() {
        configure(true, 0);
        assert!(!enabled());
        configure(false, 10);
        assert!(!enabled());
        configure(true, 10);
        assert!(enabled());
    }
}
