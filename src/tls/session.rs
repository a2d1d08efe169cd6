//! OpenSSL's server session cache callbacks bridged to TS_SSL_SESSION_HOOK and tshost's cache
//! (proxy.config.ssl.session_cache 2, ATS's mode): NEW after the insert, GET before the lookup,
//! REMOVE before the removal, synchronously inside the handshake, with no cache lock held while
//! plugin code runs. TLS 1.3 sessions stay out of the cache unless
//! proxy.config.ssl.session_cache.tls13 is 1.

use std::os::raw::{c_long, c_void};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;

use arc_swap::ArcSwapOption;
use openssl::ssl::{SslContextBuilder, SslSession, SslSessionCacheMode, SslVersion};

use super::cache::{CacheConfig, SessionCache, SessionId};
use crate::hooks::dispatch::invoke_global;
use crate::sys::types::TSSslSessionID;

/// TS_SSL_SESSION_HOOK and its events.
pub const TS_SSL_SESSION_HOOK: i32 = crate::hooks::id::SSL_SESSION;
pub const TS_EVENT_SSL_SESSION_GET: i32 = 2000;
pub const TS_EVENT_SSL_SESSION_NEW: i32 = 2001;
pub const TS_EVENT_SSL_SESSION_REMOVE: i32 = 2002;

static CACHE: ArcSwapOption<SessionCache> = ArcSwapOption::const_empty();
/// proxy.config.ssl.session_cache: 0 off, 1 OpenSSL's, 2 tshost's.
static MODE: AtomicI32 = AtomicI32::new(2);
static TLS13: AtomicBool = AtomicBool::new(false);
/// Session lifetime in seconds (proxy.config.ssl.session_cache.timeout, OpenSSL's 300 when 0).
static TIMEOUT: AtomicU32 = AtomicU32::new(300);
/// proxy.config.ssl.session_cache.size (OpenSSL's internal cache size in mode 1).
static SIZE: AtomicUsize = AtomicUsize::new(102400);

extern "C" {
    fn SSL_CTX_set_timeout(ctx: *mut openssl_sys::SSL_CTX, t: c_long) -> c_long;
}

/// Set the cache mode and settings (at start-up, before contexts are built).
pub fn configure(mode: i32, config: CacheConfig, tls13: bool) {
    MODE.store(mode, Ordering::Release);
    TLS13.store(tls13, Ordering::Release);
    SIZE.store(config.size, Ordering::Release);
    TIMEOUT.store(
        config.timeout.as_secs().clamp(1, u32::MAX as u64) as u32,
        Ordering::Release,
    );
    CACHE.store((mode == 2).then(|| Arc::new(SessionCache::new(config))));
}

/// TLS 1.3 resumes statefully through tshost's cache (mode 2 and
/// proxy.config.ssl.session_cache.tls13 1): connections that negotiate TLS 1.3 get
/// SSL_OP_NO_TICKET, so OpenSSL's TLS 1.3 tickets are session ids looked up in the cache.
pub fn tls13_stateful() -> bool {
    MODE.load(Ordering::Acquire) == 2 && TLS13.load(Ordering::Acquire)
}

/// tshost's cache, in mode 2.
pub fn cache() -> Option<Arc<SessionCache>> {
    CACHE.load_full()
}

/// The C view of a session id (edata of the session events).
pub fn c_id(id: &[u8]) -> TSSslSessionID {
    let mut c = TSSslSessionID {
        len: id.len().min(32),
        bytes: [0; 32],
    };
    for (d, s) in c.bytes.iter_mut().zip(id) {
        *d = *s as std::os::raw::c_char;
    }
    c
}

fn fire(event: i32, id: &[u8]) {
    let mut cid = c_id(id);
    invoke_global(
        TS_SSL_SESSION_HOOK,
        event,
        &mut cid as *mut TSSslSessionID as *mut c_void,
    );
}

/// Install the session cache on a server context.
pub fn install(ctx: &mut SslContextBuilder) {
    // Sessions and tickets live as long as cache entries (ATS: SSL_CTX_set_timeout when the
    // record is set; OpenSSL's default is the same 300 s).
    // SAFETY: a valid context being built.
    unsafe {
        SSL_CTX_set_timeout(ctx.as_ptr(), TIMEOUT.load(Ordering::Acquire) as c_long);
    }
    match MODE.load(Ordering::Acquire) {
        0 => {
            ctx.set_session_cache_mode(SslSessionCacheMode::OFF);
        }
        1 => {
            ctx.set_session_cache_mode(SslSessionCacheMode::SERVER);
            ctx.set_session_cache_size(SIZE.load(Ordering::Acquire).min(i32::MAX as usize) as i32);
        }
        _ => {
            ctx.set_session_cache_mode(
                SslSessionCacheMode::SERVER | SslSessionCacheMode::NO_INTERNAL,
            );
            ctx.set_new_session_callback(|_ssl, session| {
                if session.protocol_version() == SslVersion::TLS1_3
                    && !TLS13.load(Ordering::Acquire)
                {
                    return;
                }
                let id = session.id().to_vec();
                let (Some(cache), Some(sid)) = (cache(), SessionId::new(&id)) else {
                    return;
                };
                if sid.as_bytes().is_empty() {
                    return;
                }
                if let Ok(der) = session.to_der() {
                    cache.insert(&sid, der);
                }
                fire(TS_EVENT_SSL_SESSION_NEW, &id);
            });
            // SAFETY: sessions returned come from this cache, made by tshost's own contexts; the
            // session id context scopes them to the certificate context that made them.
            unsafe {
                ctx.set_get_session_callback(|_ssl, id| {
                    let sid = SessionId::new(id)?;
                    // GET first: a plugin may insert the session (from a peer) now.
                    fire(TS_EVENT_SSL_SESSION_GET, id);
                    let cache = cache()?;
                    // proxy.process.ssl.ssl_session_cache_hit / _miss, as ATS counts its cache.
                    let Some(der) = cache.get(&sid) else {
                        crate::metrics::add(crate::metrics::M::SslSessionCacheMiss, 1);
                        return None;
                    };
                    crate::metrics::add(crate::metrics::M::SslSessionCacheHit, 1);
                    let session = SslSession::from_der(&der).ok()?;
                    // proxy.config.tshost.ssl.session_max_age: a chain too old does not resume.
                    super::session_age::fresh(&session).then_some(session)
                });
            }
            ctx.set_remove_session_callback(|_ctx, session| {
                if session.protocol_version() == SslVersion::TLS1_3
                    && !TLS13.load(Ordering::Acquire)
                {
                    return;
                }
                let id = session.id();
                fire(TS_EVENT_SSL_SESSION_REMOVE, id);
                if let (Some(cache), Some(sid)) = (cache(), SessionId::new(id)) {
                    cache.remove(&sid);
                }
            });
        }
    }
}
