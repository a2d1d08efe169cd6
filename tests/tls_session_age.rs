//! proxy.config.tshost.ssl.session_max_age against a real proxy and an in-process OpenSSL client
//! that resumes again and again, always offering the newest session it was given (a TLS 1.3
//! resumption renews the ticket): with the bound at 2 s the chain resumes until it is older than
//! that, then one full handshake starts a new chain; with 0 (the default) it goes on resuming.
//! TLS 1.3 tickets, TLS 1.3 stateful tickets (the session cache), TLS 1.2 session ids and TLS 1.2
//! tickets.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::proxy::{Origin, Proxy, Setup};
use common::temp_dir;
use openssl::ssl::{
    SslConnector, SslMethod, SslOptions, SslSession, SslStream, SslVerifyMode, SslVersion,
};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Tls13Ticket,
    Tls12Id,
    Tls12Ticket,
}

fn connector(kind: Kind) -> SslConnector {
    let mut b = SslConnector::builder(SslMethod::tls_client()).unwrap();
    b.set_verify(SslVerifyMode::NONE);
    let v = match kind {
        Kind::Tls13Ticket => SslVersion::TLS1_3,
        _ => SslVersion::TLS1_2,
    };
    b.set_min_proto_version(Some(v)).unwrap();
    b.set_max_proto_version(Some(v)).unwrap();
    if kind == Kind::Tls12Id {
        b.set_options(SslOptions::NO_TICKET);
    }
    b.build()
}

const BODY: usize = 10;

/// One connection offering `sess`, one request and its whole response (so that TLS 1.3 tickets
/// sent after the handshake are in): whether it resumed, and the newest session.
fn tls_get(c: &SslConnector, port: u16, sess: Option<&SslSession>) -> (bool, SslSession) {
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    tcp.set_nodelay(true).unwrap();
    let mut ssl = c
        .configure()
        .unwrap()
        .verify_hostname(false)
        .into_ssl("example.com")
        .unwrap();
    if let Some(s) = sess {
        // SAFETY: the session comes from the same connector (same SSL_CTX settings).
        unsafe { ssl.set_session(s) }.unwrap();
    }
    let mut s = SslStream::new(ssl, tcp).unwrap();
    s.connect().expect("handshake");
    let req =
        format!("GET /size/{BODY} HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut resp = Vec::new();
    let mut buf = [0u8; 4096];
    let complete = |r: &[u8]| {
        r.windows(4)
            .position(|w| w == b"\r\n\r\n")
            .is_some_and(|h| r.len() >= h + 4 + BODY)
    };
    while !complete(&resp) {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => resp.extend(&buf[..n]),
            Err(e) => panic!("read: {e}"),
        }
    }
    assert!(resp.starts_with(b"HTTP/1.1 200"), "{resp:?}");
    let reused = s.ssl().session_reused();
    let next = s.ssl().session().expect("a session").to_owned();
    let _ = s.shutdown();
    (reused, next)
}

/// A certificate and key for example.com, and a 48-byte ticket key file (keys.bin).
fn material(name: &str) -> Vec<(String, Vec<u8>)> {
    let dir = temp_dir(&format!("{name}-cert"));
    let st = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=example.com", "-keyout"])
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    let file = |n: &str| (n.to_string(), std::fs::read(dir.join(n)).unwrap());
    vec![
        file("cert.pem"),
        file("key.pem"),
        ("keys.bin".to_string(), vec![b'k'; 48]),
    ]
}

/// A proxy for example.com with these records.
fn proxy(name: &str, origin: &Origin, records: &[&str]) -> Proxy {
    proxy_with(name, origin, records, material(name))
}

fn proxy_with(
    name: &str,
    origin: &Origin,
    records: &[&str],
    files: Vec<(String, Vec<u8>)>,
) -> Proxy {
    Proxy::start(
        name,
        origin,
        Setup {
            records: records.iter().map(|r| r.to_string()).collect(),
            multicert: Some("dest_ip=* ssl_cert_name=cert.pem ssl_key_name=key.pem\n".into()),
            files,
            ..Default::default()
        },
    )
}

/// One resumption of a chain: when it started and ended (since the chain's full handshake began)
/// and whether it resumed.
#[derive(Debug)]
struct Try {
    from: Duration,
    to: Duration,
    resumed: bool,
}

/// A full handshake, then a resumption every 250 ms with the newest session, until one does not
/// resume or one starts `until` after the full handshake.
fn chain(kind: Kind, port: u16, until: Duration) -> Vec<Try> {
    let c = connector(kind);
    let t0 = Instant::now();
    let (resumed, mut sess) = tls_get(&c, port, None);
    assert!(!resumed);
    let mut out = Vec::new();
    loop {
        std::thread::sleep(Duration::from_millis(250));
        let from = t0.elapsed();
        if from > until {
            return out;
        }
        let (resumed, next) = tls_get(&c, port, Some(&sess));
        out.push(Try {
            from,
            to: t0.elapsed(),
            resumed,
        });
        if !resumed {
            // A new chain: it resumes again.
            assert!(tls_get(&c, port, Some(&next)).0, "{kind:?}: new chain");
            return out;
        }
        sess = next;
    }
}

/// The bound is whole seconds (the stamp and the clock in seconds): a chain 2 s old or less
/// resumes, one 3 s old or more does not.
fn check_bounded(kind: Kind, tries: &[Try]) {
    for t in tries {
        if t.to < Duration::from_secs(2) {
            assert!(t.resumed, "{kind:?}: refused before 2 s: {tries:?}");
        }
        if t.from >= Duration::from_secs(3) {
            assert!(!t.resumed, "{kind:?}: resumed after 3 s: {tries:?}");
        }
    }
    let last = tries.last().unwrap();
    assert!(!last.resumed, "{kind:?}: never refused: {tries:?}");
    assert!(
        tries.iter().filter(|t| t.resumed).count() >= 5,
        "{kind:?}: {tries:?}"
    );
}

#[test]
fn with_max_age_2s_a_chain_of_resumptions_makes_a_full_handshake_once_older_than_2s() {
    let origin = Origin::start();
    let bound = "CONFIG proxy.config.tshost.ssl.session_max_age INT 2";
    let p = proxy("age-bound", &origin, &[bound]);
    // TLS 1.3 stateful tickets: sessions in tshost's cache, looked up by the ticket.
    let stateful = proxy(
        "age-stateful",
        &origin,
        &[bound, "CONFIG proxy.config.ssl.session_cache.tls13 INT 1"],
    );
    let until = Duration::from_millis(4500);
    std::thread::scope(|sc| {
        let runs: Vec<_> = [
            (Kind::Tls13Ticket, p.tls_port, "TLS 1.3 tickets"),
            (Kind::Tls12Id, p.tls_port, "TLS 1.2 session ids"),
            (Kind::Tls12Ticket, p.tls_port, "TLS 1.2 tickets"),
            (Kind::Tls13Ticket, stateful.tls_port, "TLS 1.3 stateful"),
        ]
        .into_iter()
        .map(|(kind, port, what)| sc.spawn(move || (kind, what, chain(kind, port, until))))
        .collect();
        for r in runs {
            let (kind, what, tries) = r.join().unwrap();
            let refused = tries.last().map(|t| t.from);
            eprintln!(
                "{what}: {} resumptions, refused at {refused:?}",
                tries.len() - 1
            );
            check_bounded(kind, &tries);
        }
    });
    assert!(!p.stderr().contains("session_max_age"), "{}", p.stderr());
}

#[test]
fn without_max_age_renewed_tls13_tickets_resume_past_it() {
    let origin = Origin::start();
    let p = proxy("age-off", &origin, &[]);
    let stateful = proxy(
        "age-off-stateful",
        &origin,
        &["CONFIG proxy.config.ssl.session_cache.tls13 INT 1"],
    );
    std::thread::scope(|sc| {
        let runs: Vec<_> = [p.tls_port, stateful.tls_port]
            .into_iter()
            .map(|port| sc.spawn(move || chain(Kind::Tls13Ticket, port, Duration::from_secs(4))))
            .collect();
        for r in runs {
            let tries = r.join().unwrap();
            assert!(tries.iter().all(|t| t.resumed), "{tries:?}");
            assert!(
                tries.last().unwrap().from >= Duration::from_secs(3),
                "{tries:?}"
            );
        }
    });
}

/// A ticket made without the bound carries no full-handshake time: a proxy with the bound (the
/// same certificate and ticket keys, as after a restart or on a farm peer) does not resume it,
/// since its chain may be older than the bound; its own tickets resume. Both TLS versions.
#[test]
fn a_ticket_made_without_the_bound_does_not_resume_under_it() {
    let origin = Origin::start();
    let files = material("age-unstamped");
    let keys = "CONFIG proxy.config.ssl.server.ticket_key.filename STRING keys.bin";
    let off = proxy_with("age-unstamped-off", &origin, &[keys], files.clone());
    let on = proxy_with(
        "age-unstamped-on",
        &origin,
        &[
            keys,
            "CONFIG proxy.config.tshost.ssl.session_max_age INT 60",
        ],
        files,
    );
    for kind in [Kind::Tls13Ticket, Kind::Tls12Ticket] {
        let c = connector(kind);
        let (_, old) = tls_get(&c, off.tls_port, None);
        assert!(
            tls_get(&c, off.tls_port, Some(&old)).0,
            "{kind:?}: keys shared?"
        );
        assert!(!tls_get(&c, on.tls_port, Some(&old)).0, "{kind:?}: resumed");
        let (_, stamped) = tls_get(&c, on.tls_port, None);
        assert!(
            tls_get(&c, on.tls_port, Some(&stamped)).0,
            "{kind:?}: own ticket"
        );
        // The proxy without the bound ignores the stamp.
        assert!(
            tls_get(&c, off.tls_port, Some(&stamped)).0,
            "{kind:?}: without the bound"
        );
    }
}
