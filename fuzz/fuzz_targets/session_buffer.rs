//! Buffers a plugin hands tshost's TLS session API: a serialised session (what
//! `ssl_session_share` and `session_peer` decode with d2i_SSL_SESSION and pass to
//! `TSSslSessionInsert`; what the cache's GET callback decodes again), through the C ABI
//! `TSSslSessionInsert` / `TSSslSessionGetBuffer` / `TSSslSessionGet` / `TSSslSessionRemove`
//! and the cache; and the ticket key block of `TSSslTicketKeyUpdate` (`tls::tickets::parse_keys`).
#![no_main]

use std::os::raw::{c_char, c_int};
use std::sync::Once;

use foreign_types_shared::ForeignType;
use libfuzzer_sys::fuzz_target;
use openssl::ssl::SslSession;
use tshost::api::ssl::{
    TSSslSessionGet, TSSslSessionGetBuffer, TSSslSessionInsert, TSSslSessionRemove,
    TSSslTicketKeyUpdate,
};
use tshost::sys::types::{TSSslSession, TSSslSessionID};
use tshost::tls::cache::{CacheConfig, SessionId};
use tshost::tls::tickets::{keys, parse_keys};

static INIT: Once = Once::new();

fn c_id(id: &[u8]) -> TSSslSessionID {
    tshost::tls::session::c_id(id)
}

fn session(id: &[u8], der_in: &[u8], room: usize) {
    // The cache's own entries are whatever bytes were stored: a GET decodes them (session.rs).
    let Ok(s) = SslSession::from_der(der_in) else {
        return;
    };
    let der = s.to_der().expect("a decoded session serialises");
    // Serialising is stable where OpenSSL decodes its own bytes again: decoded, they serialise
    // to the same bytes. OpenSSL does not always: a session whose peer certificate it took
    // leniently can serialise to bytes it refuses (found by this target, an X509 whose sig_alg
    // ends early: the seed `openssl-refuses-its-own-bytes`). Then tshost stores the bytes and a
    // lookup misses: TSSslSessionGet gives NULL (a full handshake), nothing else breaks.
    let decodes_again = match SslSession::from_der(&der) {
        Ok(s2) => {
            assert_eq!(s2.to_der().unwrap(), der);
            true
        }
        Err(_) => false,
    };

    let cid = c_id(id);
    // SAFETY: a valid id and session; the session stays the caller's.
    unsafe {
        assert_eq!(
            TSSslSessionInsert(&cid, s.as_ptr() as TSSslSession, std::ptr::null_mut()),
            0
        );
        // ATS's length protocol: min(room, size) bytes copied, the full size returned.
        let mut buf = vec![0u8; room];
        let mut len = room as c_int;
        let full = TSSslSessionGetBuffer(&cid, buf.as_mut_ptr() as *mut c_char, &mut len);
        assert_eq!(full as usize, der.len());
        assert_eq!(len as usize, room.min(der.len()));
        assert_eq!(&buf[..len as usize], &der[..len as usize]);
        // A new reference the caller owns, serialising to the bytes stored.
        let got = TSSslSessionGet(&cid);
        if decodes_again {
            assert!(!got.is_null());
            let got = SslSession::from_ptr(got as *mut openssl_sys::SSL_SESSION);
            assert_eq!(got.to_der().unwrap(), der);
            drop(got);
        } else {
            assert!(got.is_null());
        }
        assert_eq!(TSSslSessionRemove(&cid), 0);
        let mut len = room as c_int;
        assert_eq!(
            TSSslSessionGetBuffer(&cid, buf.as_mut_ptr() as *mut c_char, &mut len),
            0
        );
        assert!(TSSslSessionGet(&cid).is_null());
    }
}

fn ticket_keys(data: &[u8]) {
    let record = if data.len() % 48 != 0 && data.len() % 80 == 0 {
        80
    } else {
        48
    };
    match parse_keys(data) {
        None => assert!(data.len() < record),
        Some(k) => {
            assert_eq!(k.len(), data.len() / record);
            for (i, key) in k.iter().enumerate() {
                assert_eq!(&key.name[..], &data[i * record..i * record + 16]);
            }
        }
    }
    if data.is_empty() {
        return;
    }
    // SAFETY: a buffer of that length; read only.
    let rc = unsafe { TSSslTicketKeyUpdate(data.as_ptr() as *mut c_char, data.len() as c_int) };
    if data.len() >= record {
        assert_eq!(rc, 0);
        assert_eq!(keys().len(), data.len() / record);
    } else {
        assert_eq!(rc, -1);
    }
}

fuzz_target!(|data: &[u8]| {
    INIT.call_once(|| {
        tshost::tls::session::configure(2, CacheConfig::default(), false);
    });
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    if ctl & 1 == 1 {
        return ticket_keys(rest);
    }
    // An id of 0..=32 bytes from the front, a buffer size from the control byte.
    let id_len = ((ctl >> 1) as usize % 33).min(rest.len());
    let (id, der) = rest.split_at(id_len);
    assert!(SessionId::new(id).is_some_and(|s| s.as_bytes() == id));
    let room = [0, 1, 16, 64, 4096][(ctl >> 6) as usize % 4 + usize::from(ctl & 0x20 != 0)];
    session(id, der, room);
});
