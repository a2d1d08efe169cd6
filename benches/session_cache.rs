//! TLS session cache micro-benchmark: TSSslSessionGetBuffer (hits) and TSSslSessionInsert through
//! the C ABI, on tshost's cache (proxy.config.ssl.session_cache 2, default size 102400 in 256
//! buckets), single-threaded and with 2 threads hammering at once.
//!
//! The session is a real server-side SSL_SESSION from an in-memory TLS 1.2 handshake (no tickets,
//! so it has a session id), inserted under N different ids. Variants:
//!  * `1_thread`: one thread, ids cycling over the N entries;
//!  * `2_threads`: two threads at once, each on its own id sequence (mostly different buckets);
//!    the time reported per operation is that of one thread (wall time / ops per thread), so with
//!    no contention it equals the single-threaded figure;
//!  * `2_threads_same_id`: both threads on one id (one bucket lock: the worst case);
//!  * `get_while_inserting`: GetBuffer on one thread while the other inserts.
//!
//! `cargo bench --bench session_cache` (about 40 s).

use std::net::{TcpListener, TcpStream};
use std::os::raw::{c_char, c_int};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use criterion::{criterion_group, BenchmarkId, Criterion};
use foreign_types_shared::ForeignType;
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::ssl::{
    SslAcceptor, SslConnector, SslMethod, SslOptions, SslSession, SslVerifyMode, SslVersion,
};
use openssl::x509::{X509Name, X509};

use tshost::api::ssl::{TSSslSessionGetBuffer, TSSslSessionInsert};
use tshost::sys::types::{TSSslSession, TSSslSessionID};
use tshost::tls::cache::CacheConfig;
use tshost::tls::session::{c_id, configure};

/// Entries inserted before measuring.
const N: usize = 10_000;

/// A server-side TLS 1.2 session from a real handshake over loopback.
fn real_session() -> SslSession {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    let key = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
    let mut name = X509Name::builder().unwrap();
    name.append_entry_by_text("CN", "bench.example").unwrap();
    let name = name.build();
    let mut cert = X509::builder().unwrap();
    cert.set_version(2).unwrap();
    cert.set_serial_number(&BigNum::from_u32(1).unwrap().to_asn1_integer().unwrap())
        .unwrap();
    cert.set_subject_name(&name).unwrap();
    cert.set_issuer_name(&name).unwrap();
    cert.set_pubkey(&key).unwrap();
    cert.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    cert.set_not_after(&Asn1Time::days_from_now(2).unwrap())
        .unwrap();
    cert.sign(&key, MessageDigest::sha256()).unwrap();
    let cert = cert.build();

    let mut acc = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).unwrap();
    acc.set_private_key(&key).unwrap();
    acc.set_certificate(&cert).unwrap();
    acc.set_max_proto_version(Some(SslVersion::TLS1_2)).unwrap();
    acc.set_options(SslOptions::NO_TICKET);
    acc.set_session_id_context(b"bench").unwrap();
    let acc = acc.build();

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (sock, _) = listener.accept().unwrap();
        let mut s = acc.accept(sock).expect("server handshake");
        // One read so the client's handshake is surely complete.
        let mut b = [0u8; 1];
        let _ = std::io::Read::read(&mut s, &mut b);
        let sess = s.ssl().session().expect("server session").to_owned();
        let _ = s.shutdown();
        sess
    });
    let mut con = SslConnector::builder(SslMethod::tls()).unwrap();
    con.set_verify(SslVerifyMode::NONE);
    con.set_options(SslOptions::NO_TICKET);
    let con = con.build();
    let mut s = con
        .configure()
        .unwrap()
        .verify_hostname(false)
        .connect("bench.example", TcpStream::connect(addr).unwrap())
        .expect("client handshake");
    std::io::Write::write_all(&mut s, b"x").unwrap();
    let sess = server.join().unwrap();
    assert!(
        !sess.id().is_empty(),
        "TLS 1.2 session without tickets has an id"
    );
    sess
}

fn id_of(n: usize) -> TSSslSessionID {
    let mut b = [0u8; 32];
    b[..8].copy_from_slice(&(n as u64).to_be_bytes());
    // Spread the rest like a random id would be.
    for (i, x) in b[8..].iter_mut().enumerate() {
        *x = (n as u64)
            .wrapping_mul(0x9e3779b97f4a7c15)
            .rotate_left(i as u32) as u8;
    }
    c_id(&b)
}

struct Fixture {
    session: SslSession,
    ids: Vec<TSSslSessionID>,
    der_len: usize,
}

// SAFETY (Send/Sync): an SSL_SESSION is reference counted and only read (serialised) here;
// OpenSSL allows concurrent i2d_SSL_SESSION on one session.
struct SessionPtr(TSSslSession);
unsafe impl Send for SessionPtr {}
unsafe impl Sync for SessionPtr {}

fn setup() -> Fixture {
    configure(2, CacheConfig::default(), false);
    let session = real_session();
    let der_len = session.to_der().unwrap().len();
    let ids: Vec<_> = (0..N).map(id_of).collect();
    for id in &ids {
        assert_eq!(insert(id, session.as_ptr() as TSSslSession), 0);
    }
    Fixture {
        session,
        ids,
        der_len,
    }
}

fn get_buffer(id: &TSSslSessionID, buf: &mut [u8; 4096]) -> c_int {
    let mut len = buf.len() as c_int;
    // SAFETY: valid id, buffer and length.
    unsafe { TSSslSessionGetBuffer(id, buf.as_mut_ptr() as *mut c_char, &mut len) }
}

fn insert(id: &TSSslSessionID, s: TSSslSession) -> c_int {
    // SAFETY: a live SSL_SESSION; NULL connection is allowed.
    unsafe { TSSslSessionInsert(id, s, std::ptr::null_mut()) }
}

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Get,
    Insert,
}

/// `iters` operations on each of `threads` threads started together; the slowest thread's time.
fn run(f: &Fixture, ops: &[(Op, usize, usize)], iters: u64) -> Duration {
    // (op, first id, id stride: 0 = always the same id)
    let barrier = Arc::new(Barrier::new(ops.len()));
    let s = SessionPtr(f.session.as_ptr() as TSSslSession);
    let s = &s;
    let want = f.der_len as c_int;
    std::thread::scope(|scope| {
        let hs: Vec<_> = ops
            .iter()
            .map(|&(op, first, stride)| {
                let barrier = barrier.clone();
                let ids = &f.ids;
                scope.spawn(move || {
                    let mut buf = [0u8; 4096];
                    let mut k = first;
                    barrier.wait();
                    let start = Instant::now();
                    for _ in 0..iters {
                        let id = &ids[k % N];
                        match op {
                            Op::Get => {
                                let r = get_buffer(id, &mut buf);
                                debug_assert_eq!(r, want);
                                std::hint::black_box(r);
                            }
                            Op::Insert => {
                                let r = insert(id, s.0);
                                debug_assert_eq!(r, 0);
                                std::hint::black_box(r);
                            }
                        }
                        k += stride;
                    }
                    start.elapsed()
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).max().unwrap()
    })
}

fn bench_cache(c: &mut Criterion) {
    let f = setup();
    eprintln!(
        "session cache: {N} entries of a {}-byte DER session (TLS 1.2, server side)",
        f.der_len
    );
    // Hits are real hits.
    let mut buf = [0u8; 4096];
    assert_eq!(get_buffer(&f.ids[0], &mut buf), f.der_len as c_int);

    for (group, op) in [("get_buffer_hit", Op::Get), ("insert", Op::Insert)] {
        let mut g = c.benchmark_group(group);
        for (name, ops) in [
            ("1_thread", vec![(op, 0, 1)]),
            // Different ids: thread 2 starts half way round and walks backwards-ish (stride 7).
            ("2_threads", vec![(op, 0, 1), (op, N / 2, 7)]),
            ("2_threads_same_id", vec![(op, 42, 0), (op, 42, 0)]),
        ] {
            g.bench_function(BenchmarkId::from_parameter(name), |b| {
                b.iter_custom(|iters| run(&f, &ops, iters))
            });
        }
        g.finish();
    }
    let mut g = c.benchmark_group("mixed");
    g.bench_function("get_while_other_thread_inserts", |b| {
        b.iter_custom(|iters| run(&f, &[(Op::Get, 0, 1), (Op::Insert, N / 2, 7)], iters))
    });
    g.finish();

    let cache = tshost::tls::session::cache().unwrap();
    let n = &cache.counters;
    use std::sync::atomic::Ordering::Relaxed;
    eprintln!(
        "session cache counters: hits {} misses {} inserts {} evictions {} lock_contention {}",
        n.hits.load(Relaxed),
        n.misses.load(Relaxed),
        n.inserts.load(Relaxed),
        n.evictions.load(Relaxed),
        n.lock_contention.load(Relaxed)
    );
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_cache
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
