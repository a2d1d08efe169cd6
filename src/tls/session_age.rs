//! proxy.config.tshost.ssl.session_max_age: a bound on the age of a resumption chain, counted from
//! its original full handshake (tshost's own; ATS 9.2 has no such setting). Without it a client
//! that resumes more often than the ticket lifetime never makes a full handshake again: every
//! TLS 1.3 resumption issues new tickets whose lifetime starts again.
//!
//! The time of the full handshake travels with the session as its ticket app data
//! (`SSL_SESSION_set1_ticket_appdata`): OpenSSL puts it inside every ticket and into the
//! serialized session (tshost's cache, a farm's Redis), and copies it when a resumption makes the
//! next session. The generate callback stamps a session that has none (a full handshake) and
//! leaves a resumed one's as it is; the decrypt callback refuses (a full handshake, a new ticket)
//! a ticket whose chain is older than the bound; the cache lookup ([`fresh`], from
//! session.rs) refuses such a session id or TLS 1.3 stateful ticket. Every ticket and TLS 1.3
//! session made while the bound is on carries the stamp; one without it was made before (the
//! bound off, or a farm peer without it), its chain's start unknown, and is not resumed. A TLS 1.2
//! session id has no stamp (no ticket is made for it) and keeps its full handshake's time: it
//! counts from that. Nothing is installed while the record is 0 (the default): no cost.

use std::os::raw::{c_int, c_long, c_uchar, c_void};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use foreign_types_shared::ForeignTypeRef;
use openssl::ssl::{SslContextBuilder, SslSessionRef, SslVersion};
use openssl_sys::{SSL, SSL_CTX, SSL_SESSION};

/// The bound in seconds; 0: off.
static MAX_AGE: AtomicU64 = AtomicU64::new(0);

/// The app data's tag and version, then the full handshake's time (seconds since the epoch, big
/// endian).
const TAG: &[u8; 4] = b"tsa1";
const STAMP_LEN: usize = 12;

const SSL_TICKET_FATAL_ERR_MALLOC: c_int = 0;
const SSL_TICKET_FATAL_ERR_OTHER: c_int = 1;
const SSL_TICKET_SUCCESS: c_int = 5;
const SSL_TICKET_SUCCESS_RENEW: c_int = 6;
const SSL_TICKET_RETURN_ABORT: c_int = 0;
const SSL_TICKET_RETURN_IGNORE_RENEW: c_int = 2;
const SSL_TICKET_RETURN_USE: c_int = 3;
const SSL_TICKET_RETURN_USE_RENEW: c_int = 4;

type GenCb = unsafe extern "C" fn(*mut SSL, *mut c_void) -> c_int;
type DecCb = unsafe extern "C" fn(
    *mut SSL,
    *mut SSL_SESSION,
    *const c_uchar,
    usize,
    c_int,
    *mut c_void,
) -> c_int;

extern "C" {
    fn SSL_CTX_set_session_ticket_cb(
        ctx: *mut SSL_CTX,
        gen: Option<GenCb>,
        dec: Option<DecCb>,
        arg: *mut c_void,
    ) -> c_int;
    fn SSL_SESSION_set1_ticket_appdata(
        s: *mut SSL_SESSION,
        data: *const c_void,
        len: usize,
    ) -> c_int;
    fn SSL_SESSION_get0_ticket_appdata(
        s: *mut SSL_SESSION,
        data: *mut *mut c_void,
        len: *mut usize,
    ) -> c_int;
    fn SSL_get_session(ssl: *const SSL) -> *mut SSL_SESSION;
    fn SSL_SESSION_get_time(s: *const SSL_SESSION) -> c_long;
    fn SSL_CTX_get_timeout(ctx: *const SSL_CTX) -> c_long;
    fn SSL_CTX_set_timeout(ctx: *mut SSL_CTX, t: c_long) -> c_long;
}

/// Set the bound (at start-up, before contexts are built); 0 turns it off.
pub fn configure(max_age_secs: u64) {
    MAX_AGE.store(max_age_secs, Ordering::Release);
}

/// The bound, if on.
pub fn max_age() -> Option<u64> {
    match MAX_AGE.load(Ordering::Acquire) {
        0 => None,
        n => Some(n),
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Install the bound on a server context being built (nothing when it is off). Also caps the
/// session timeout at the bound: a session older than that can never resume (a session id keeps
/// its full handshake's time, so OpenSSL's own cache, mode 1, enforces it too).
pub fn install(b: &mut SslContextBuilder) {
    let Some(max) = max_age() else {
        return;
    };
    let ctx = b.as_ptr();
    // SAFETY: a context being built; the callbacks are plain functions without state (their
    // argument is unused).
    unsafe {
        let max = max.min(c_long::MAX as u64) as c_long;
        if SSL_CTX_get_timeout(ctx) > max {
            SSL_CTX_set_timeout(ctx, max);
        }
        if SSL_CTX_set_session_ticket_cb(ctx, Some(generate), Some(decrypt), std::ptr::null_mut())
            != 1
        {
            crate::error!(
                "TLS: cannot install proxy.config.tshost.ssl.session_max_age's ticket callbacks"
            );
        }
    }
}

/// The full handshake's time stamped on a session, if any.
///
/// # Safety
/// `s` is a live SSL_SESSION.
unsafe fn stamp_of(s: *mut SSL_SESSION) -> Option<u64> {
    let mut p: *mut c_void = std::ptr::null_mut();
    let mut len = 0usize;
    // SAFETY: per the caller; the data is the session's own, read before anything changes it.
    unsafe {
        if SSL_SESSION_get0_ticket_appdata(s, &mut p, &mut len) != 1
            || p.is_null()
            || len != STAMP_LEN
        {
            return None;
        }
        let d = std::slice::from_raw_parts(p as *const u8, len);
        (&d[..4] == TAG).then(|| u64::from_be_bytes(d[4..].try_into().unwrap_or_default()))
    }
}

/// When a session's resumption chain started: its stamp, else, for a TLS 1.2 session id
/// (`own_time`), its own time; None if unknown.
///
/// # Safety
/// `s` is a live SSL_SESSION.
unsafe fn chain_start(s: *mut SSL_SESSION, own_time: bool) -> Option<u64> {
    // SAFETY: per the caller.
    unsafe { stamp_of(s).or_else(|| own_time.then(|| SSL_SESSION_get_time(s).max(0) as u64)) }
}

fn too_old(start: u64, max: u64) -> bool {
    now().saturating_sub(start) > max
}

/// Whether a session found in the cache (a session id, or a TLS 1.3 stateful ticket) may resume:
/// always while the bound is off.
pub fn fresh(session: &SslSessionRef) -> bool {
    let Some(max) = max_age() else {
        return true;
    };
    let tls12 = session.protocol_version() != SslVersion::TLS1_3;
    // SAFETY: a live session (borrowed); chain_start only reads it.
    let start = unsafe { chain_start(session.as_ptr(), tls12) };
    if start.is_none_or(|t| too_old(t, max)) {
        crate::debug!(
            "ssl",
            "a session whose chain started {} ago is not resumed (session_max_age {max})",
            start.map_or("at an unknown time".into(), |t| format!(
                "{} s",
                now().saturating_sub(t)
            ))
        );
        return false;
    }
    true
}

/// OpenSSL's generate callback, before each ticket (and, in TLS 1.3, before a stateful ticket's
/// session is cached): a session without a stamp made a full handshake now.
unsafe extern "C" fn generate(ssl: *mut SSL, _arg: *mut c_void) -> c_int {
    // SAFETY: OpenSSL calls this with the connection's live SSL object, whose session is the one
    // the ticket is made of.
    unsafe {
        let s = SSL_get_session(ssl);
        if s.is_null() || stamp_of(s).is_some() {
            return 1;
        }
        let mut d = [0u8; STAMP_LEN];
        d[..4].copy_from_slice(TAG);
        d[4..].copy_from_slice(&now().to_be_bytes());
        SSL_SESSION_set1_ticket_appdata(s, d.as_ptr() as *const c_void, d.len())
    }
}

/// OpenSSL's decrypt callback, after a ticket was decrypted (or not): a decrypted ticket whose
/// chain is too old, or unknown (no stamp), makes a full handshake (and a new ticket); everything
/// else as OpenSSL does without a callback.
unsafe extern "C" fn decrypt(
    _ssl: *mut SSL,
    ss: *mut SSL_SESSION,
    _keyname: *const c_uchar,
    _keyname_len: usize,
    status: c_int,
    _arg: *mut c_void,
) -> c_int {
    match status {
        SSL_TICKET_FATAL_ERR_MALLOC | SSL_TICKET_FATAL_ERR_OTHER => SSL_TICKET_RETURN_ABORT,
        SSL_TICKET_SUCCESS | SSL_TICKET_SUCCESS_RENEW if !ss.is_null() => {
            let max = max_age().unwrap_or(u64::MAX);
            // SAFETY: the session OpenSSL decrypted from the ticket, live during the callback.
            if unsafe { chain_start(ss, false) }.is_none_or(|t| too_old(t, max)) {
                SSL_TICKET_RETURN_IGNORE_RENEW
            } else if status == SSL_TICKET_SUCCESS {
                SSL_TICKET_RETURN_USE
            } else {
                SSL_TICKET_RETURN_USE_RENEW
            }
        }
        // Empty, not decrypted: a full handshake and a new ticket, as without a callback.
        _ => SSL_TICKET_RETURN_IGNORE_RENEW,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_by_default_and_a_chain_is_too_old_only_past_the_bound() {
        assert_eq!(max_age(), None);
        let t = now();
        assert!(!too_old(t, 2));
        assert!(!too_old(t - 2, 2));
        assert!(too_old(t - 3, 2));
        assert!(
            !too_old(t + 5, 2),
            "a clock ahead on another box is not an age"
        );
    }
}
