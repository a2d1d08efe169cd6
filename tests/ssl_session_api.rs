//! The TSSslSession* functions called directly, as a plugin calls them (no proxy), on inputs the
//! fuzzer found (`fuzz/corpus/session_buffer`, docs/fuzzing.md).

use std::os::raw::{c_char, c_int};

use foreign_types_shared::ForeignType;
use openssl::ssl::SslSession;
use tshost::api::ssl::{
    TSSslSessionGet, TSSslSessionGetBuffer, TSSslSessionInsert, TSSslSessionRemove,
};
use tshost::sys::types::TSSslSession;
use tshost::tls::cache::CacheConfig;

/// The cache is the process's, and configuring it makes a new one: done once, or a test running
/// in parallel would lose the other's entries.
fn configure_once() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| tshost::tls::session::configure(2, CacheConfig::default(), false));
}

/// A session from a seed of the fuzz target: control byte, id of (ctl >> 1) % 33 bytes, DER.
fn seed(name: &str) -> (Vec<u8>, Vec<u8>) {
    let input = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/corpus/session_buffer")
            .join(name),
    )
    .unwrap();
    let (ctl, rest) = input.split_first().unwrap();
    let (id, der) = rest.split_at((ctl >> 1) as usize % 33);
    (id.to_vec(), der.to_vec())
}

/// The bytes `TSSslSessionGetBuffer` gives for `id` (None on a miss).
fn get_buffer(id: &[u8]) -> Option<Vec<u8>> {
    let cid = tshost::tls::session::c_id(id);
    let mut buf = vec![0u8; 8192];
    let mut len = buf.len() as c_int;
    // SAFETY: a valid id and a buffer of the length given.
    let full = unsafe { TSSslSessionGetBuffer(&cid, buf.as_mut_ptr() as *mut c_char, &mut len) };
    if full == 0 {
        return None;
    }
    assert_eq!(full, len, "the whole session fits in 8 KiB");
    buf.truncate(len as usize);
    Some(buf)
}

/// A documented difference from ATS 9.2 (README): `TSSslSessionInsert` of an id that is present
/// replaces the entry (ATS keeps the old one), through the C API a plugin calls, and the
/// session `TSSslSessionGet` returns is the new one.
#[test]
fn session_insert_of_a_present_id_replaces_the_entry() {
    configure_once();
    let (id, der12) = seed("tls12_session");
    let (_, der13) = seed("tls13_session_small_buffer");
    let first = SslSession::from_der(&der12).unwrap();
    let second = SslSession::from_der(&der13).unwrap();
    let (first_der, second_der) = (first.to_der().unwrap(), second.to_der().unwrap());
    assert_ne!(first_der, second_der);
    let cid = tshost::tls::session::c_id(&id);
    // SAFETY: a valid id and sessions that stay ours.
    unsafe {
        assert_eq!(
            TSSslSessionInsert(&cid, first.as_ptr() as TSSslSession, std::ptr::null_mut()),
            0
        );
        assert_eq!(get_buffer(&id).as_deref(), Some(&first_der[..]));
        assert_eq!(
            TSSslSessionInsert(&cid, second.as_ptr() as TSSslSession, std::ptr::null_mut()),
            0
        );
        assert_eq!(get_buffer(&id).as_deref(), Some(&second_der[..]));
        let got = TSSslSessionGet(&cid);
        assert!(!got.is_null());
        let got = SslSession::from_ptr(got as *mut openssl_sys::SSL_SESSION);
        assert_eq!(got.to_der().unwrap(), second_der);
        assert_eq!(TSSslSessionRemove(&cid), 0);
    }
    assert_eq!(get_buffer(&id), None);
}

/// Found by the `session_buffer` target's long run: OpenSSL decodes this session (its peer
/// certificate leniently) but refuses the bytes it serialises it to. tshost stores those bytes;
/// a plugin that asks for them gets them (ATS's length protocol), a lookup that needs a session
/// misses (NULL: the handshake is a full one), and nothing crashes.
#[test]
fn session_openssl_cannot_decode_again_is_a_miss_not_a_crash() {
    let (id, der_in) = seed("openssl-refuses-its-own-bytes");
    // A different id from the other test's (the cache is the process's).
    assert_eq!(id.len(), 16);
    let session = SslSession::from_der(&der_in).expect("OpenSSL decodes the input");
    let der = session.to_der().unwrap();
    assert!(
        SslSession::from_der(&der).is_err(),
        "this OpenSSL decodes its own serialisation of the session: the input no longer pins it"
    );

    configure_once();
    let cid = tshost::tls::session::c_id(&id);
    // SAFETY: a valid id and session (which stays ours); buffers of the lengths given.
    unsafe {
        assert_eq!(
            TSSslSessionInsert(&cid, session.as_ptr() as TSSslSession, std::ptr::null_mut()),
            0
        );
        assert_eq!(get_buffer(&id).as_deref(), Some(&der[..]));
        assert!(TSSslSessionGet(&cid).is_null());
        assert_eq!(TSSslSessionRemove(&cid), 0);
    }
    assert_eq!(get_buffer(&id), None);
}
