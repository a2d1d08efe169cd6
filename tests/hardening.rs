//! Hardening (issue 14): every phase of a connection and transaction has a deadline, both parsers
//! are strict, a client that leaves is let go at once. The real tshost binary, raw sockets, raw
//! TLS, scripted origins on loopback; each test is named after the behaviour it pins and every
//! wait is bounded.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::proxy::{count_events, pattern, txn_events, Client, Origin, Proxy, Setup};
use openssl::ssl::{SslConnector, SslMethod, SslStream, SslVerifyMode};

const SETTLE: Duration = Duration::from_secs(10);

fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: example.com\r\n\r\n").into_bytes()
}

/// A TLS client that does not check the proxy's certificate (tshost's default one).
fn tls_connect(port: u16) -> SslStream<TcpStream> {
    let mut b = SslConnector::builder(SslMethod::tls_client()).unwrap();
    b.set_verify(SslVerifyMode::NONE);
    b.set_alpn_protos(b"\x08http/1.1").unwrap();
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    b.build()
        .configure()
        .unwrap()
        .verify_hostname(false)
        .connect("example.com", tcp)
        .expect("TLS handshake")
}

/// Close a socket with a reset (SO_LINGER 0), as a client that crashed or gave up.
fn reset(tcp: &TcpStream) {
    socket2::SockRef::from(tcp)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
}

/// What a scripted origin saw of one connection.
#[derive(Debug)]
enum OriginEvent {
    /// A request head arrived.
    Request(String),
    /// The proxy closed the connection (this long after the request head).
    Closed(Duration),
}

/// An origin on loopback that reads one request head per connection, then answers with
/// `answer` after `delay` (if the proxy is still there), reporting what it saw.
fn scripted_origin(delay: Duration, answer: &'static [u8]) -> (u16, mpsc::Receiver<OriginEvent>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { return };
            let tx = tx.clone();
            std::thread::spawn(move || {
                s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                let end = Instant::now() + Duration::from_secs(20);
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf) {
                        Ok(0) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                        Err(_) if Instant::now() < end => {}
                        Err(_) => return,
                    }
                }
                let t0 = Instant::now();
                let _ = tx.send(OriginEvent::Request(
                    String::from_utf8_lossy(&head).into_owned(),
                ));
                // Until the delay is over, watch for the proxy closing the connection.
                while t0.elapsed() < delay {
                    match s.read(&mut buf) {
                        Ok(0) | Err(_) if t0.elapsed() >= delay => break,
                        Ok(0) => {
                            let _ = tx.send(OriginEvent::Closed(t0.elapsed()));
                            return;
                        }
                        Err(e)
                            if e.kind() == std::io::ErrorKind::WouldBlock
                                || e.kind() == std::io::ErrorKind::TimedOut => {}
                        Err(_) => {
                            let _ = tx.send(OriginEvent::Closed(t0.elapsed()));
                            return;
                        }
                        Ok(_) => {}
                    }
                }
                let _ = s.write_all(answer);
                std::thread::sleep(Duration::from_millis(200));
            });
        }
    });
    (port, rx)
}

const SLOW_ANSWER: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

/// A proxy mapping example.com (http and https) to the scripted origin on `port`.
fn proxy_to(name: &str, port: u16, records: &[&str]) -> (Origin, Proxy) {
    let origin = Origin::start();
    let proxy = Proxy::start(
        name,
        &origin,
        Setup {
            records: records.iter().map(|r| r.to_string()).collect(),
            remap: vec![
                format!("map http://slow.test/ http://127.0.0.1:{port}/"),
                format!("map https://slow.test/ http://127.0.0.1:{port}/"),
            ],
            ..Setup::default()
        },
    );
    (origin, proxy)
}

/// The TXN_CLOSE line of the only transaction, waited for up to `within`.
fn wait_txn_close(proxy: &Proxy, within: Duration) -> Option<String> {
    let end = Instant::now() + within;
    loop {
        if let Some(l) = proxy
            .trace_lines()
            .into_iter()
            .find(|l| l.starts_with("TXN_CLOSE"))
        {
            return Some(l);
        }
        if Instant::now() >= end {
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Item 5: a TLS HTTP/1.1 client resets its connection while the origin works: TXN_CLOSE comes
/// at once with TSHttpTxnAborted true, no response hook runs, the origin connection is closed.
#[test]
fn tls_client_reset_while_origin_works_closes_txn_at_once_aborted() {
    let (port, seen) = scripted_origin(Duration::from_secs(8), SLOW_ANSWER);
    let (_o, proxy) = proxy_to("gone-tls", port, &[]);
    let mut c = tls_connect(proxy.tls_port);
    c.write_all(b"GET /x HTTP/1.1\r\nHost: slow.test\r\n\r\n")
        .unwrap();
    match seen.recv_timeout(Duration::from_secs(5)) {
        Ok(OriginEvent::Request(head)) => assert!(head.starts_with("GET /x "), "{head}"),
        other => panic!("origin: {other:?}"),
    }
    let t0 = Instant::now();
    reset(c.get_ref());
    drop(c);
    let close = wait_txn_close(&proxy, Duration::from_secs(3)).expect("no TXN_CLOSE within 3 s");
    let late = t0.elapsed();
    assert!(
        late < Duration::from_millis(1000),
        "TXN_CLOSE after {late:?}"
    );
    assert!(close.contains(" aborted=1"), "{close}");
    match seen.recv_timeout(Duration::from_secs(2)) {
        Ok(OriginEvent::Closed(after)) => assert!(after < Duration::from_secs(2), "{after:?}"),
        other => panic!("the origin connection stayed open: {other:?}"),
    }
    let t = proxy.settled_trace(1, SETTLE);
    assert_eq!(count_events(&t, "READ_RESPONSE_HDR"), 0, "{t:?}");
    assert_eq!(count_events(&t, "SEND_RESPONSE_HDR"), 0, "{t:?}");
}

/// Item 5, the plain-TCP half: a client that only half-closes (FIN after its request) may still
/// read, as ATS's allow_half_open: it gets its response, and the transaction is not aborted.
#[test]
fn plain_client_half_close_still_gets_its_response() {
    let (port, _seen) = scripted_origin(Duration::from_millis(300), SLOW_ANSWER);
    let (_o, proxy) = proxy_to("half-close", port, &[]);
    let mut c = Client::connect(proxy.port);
    c.send(b"GET /x HTTP/1.1\r\nHost: slow.test\r\nConnection: close\r\n\r\n");
    c.stream.shutdown(std::net::Shutdown::Write).unwrap();
    let r = c.response(false);
    assert_eq!((r.status, r.body.as_slice()), (200, &b"ok"[..]));
    let t = proxy.settled_trace(1, SETTLE);
    let close = t.iter().find(|l| l.starts_with("TXN_CLOSE")).unwrap();
    assert!(close.contains(" aborted=0"), "{close}");
}

/// Item 5, during the response body: a client that resets while the origin's body stalls is let
/// go at once too.
#[test]
fn client_reset_while_origin_body_stalls_closes_txn_at_once() {
    let (port, seen) = scripted_origin(
        Duration::ZERO,
        b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nfirst bytes",
    );
    let (_o, proxy) = proxy_to("gone-body", port, &[]);
    let mut c = Client::connect(proxy.port);
    c.send(b"GET /x HTTP/1.1\r\nHost: slow.test\r\n\r\n");
    let mut buf = [0u8; 1024];
    let n = c.stream.read(&mut buf).unwrap();
    assert!(n > 0);
    assert!(matches!(
        seen.recv_timeout(Duration::from_secs(5)),
        Ok(OriginEvent::Request(_))
    ));
    let t0 = Instant::now();
    reset(&c.stream);
    drop(c);
    let close = wait_txn_close(&proxy, Duration::from_secs(3)).expect("no TXN_CLOSE within 3 s");
    assert!(
        t0.elapsed() < Duration::from_millis(1000),
        "{:?}",
        t0.elapsed()
    );
    assert!(close.contains(" aborted=1"), "{close}");
    proxy.settled_trace(1, SETTLE);
}

/// Item 11: the origin dies mid-response (promises more than it sends): the transaction is
/// aborted, as ATS says at TXN_CLOSE.
#[test]
fn origin_dying_mid_body_marks_the_transaction_aborted() {
    let origin = Origin::start();
    let proxy = Proxy::start("origin-dies-aborted", &origin, Setup::default());
    let mut c = Client::connect(proxy.port);
    c.send(&get("/die/100000"));
    assert!(c.try_response(false).is_err());
    drop(c);
    let mut c = Client::connect(proxy.port);
    c.send(&get("/size/10"));
    assert_eq!(c.response(false).body, pattern(10));
    drop(c);
    let t = proxy.settled_trace(2, SETTLE);
    let closes: Vec<_> = t.iter().filter(|l| l.starts_with("TXN_CLOSE")).collect();
    assert_eq!(closes.len(), 2);
    assert!(closes[0].contains(" aborted=1"), "{closes:?}");
    assert!(closes[1].contains(" aborted=0"), "{closes:?}");
    assert_eq!(txn_events(&t).len(), 2);
}
