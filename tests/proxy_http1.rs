//! The real tshost binary as an HTTP/1.1 reverse proxy, driven by curl and raw sockets, with
//! hook_trace loaded; every test checks the hook trace's invariants (pairing, nesting, order).
//!
//! Each test runs its own tshost-origin and tshost on ephemeral 127.0.0.1 ports; every wait is
//! bounded (socket read timeouts, deadlines).
//!
//! Over 800 lines by design: each file under tests/ is its own test binary, which links all of
//! tshost; one binary per family of behaviours keeps `make test`'s build and link time down
//! (more, smaller files would each link the crate again). Its tests share one set of helpers.

mod common;

use std::time::{Duration, Instant};

use common::proxy::{
    count_events, curl, fnv, pattern, txn_events, Client, Origin, Proxy, Setup, TXN_ORDER,
};

/// How long a test waits for the trace to settle.
const SETTLE: Duration = Duration::from_secs(10);

fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: example.com\r\n\r\n").into_bytes()
}

/// A body that is not the origin's pattern (so an echo cannot be confused with a download).
fn noise(n: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e3779b97f4a7c15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// The value of `name: ` in an /echo body (the request head the origin received).
fn echoed<'a>(body: &'a str, name: &str) -> Vec<&'a str> {
    body.lines()
        .filter_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then_some(v.trim_end_matches('\r').trim())
        })
        .collect()
}

/// A loopback port where connecting is refused, for as long as this lives: a socket is bound to
/// it but never listens, so the kernel refuses connections and no other process (another test's
/// server) can listen on the port meanwhile. (Binding a listener and dropping it, as before, left
/// a window in which the port was free for anyone to take.)
struct ClosedPort {
    _held: socket2::Socket,
    port: u16,
}

impl ClosedPort {
    /// Binds (without listening) `port`, or a free port if 0; asserts a connect is refused.
    /// `reuse` (SO_REUSEADDR) lets the bind succeed over the TIME_WAIT and closing sockets a
    /// server that just went away leaves on its port; the kernel never hands such a port out to
    /// the `bind(0)` of other servers (automatic port selection ignores SO_REUSEADDR).
    fn bind(port: u16, reuse: bool) -> std::io::Result<ClosedPort> {
        use socket2::{Domain, Socket, Type};
        let s = Socket::new(Domain::IPV4, Type::STREAM, None)?;
        s.set_reuse_address(reuse)?;
        s.bind(&std::net::SocketAddr::from(([127, 0, 0, 1], port)).into())?;
        let port = s.local_addr()?.as_socket().unwrap().port();
        let refused = std::net::TcpStream::connect(("127.0.0.1", port));
        assert_eq!(
            refused.as_ref().map_err(std::io::Error::kind).err(),
            Some(std::io::ErrorKind::ConnectionRefused),
            "a connect to the held port {port} was not refused: {refused:?}"
        );
        Ok(ClosedPort { _held: s, port })
    }

    /// Holds the port of a server that has just exited (its listener is closed), so that
    /// connecting to it stays refused: nothing else can start listening there.
    fn take_over(port: u16) -> ClosedPort {
        // The exited server's listener is gone once its process was reaped; a bind can still
        // fail briefly while the kernel tears its sockets down: retry, bounded.
        let end = Instant::now() + Duration::from_secs(5);
        loop {
            match ClosedPort::bind(port, true) {
                Ok(c) => return c,
                Err(e) if Instant::now() < end => {
                    eprintln!("holding port {port}: {e}; retrying");
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => panic!("could not hold port {port}: {e}"),
            }
        }
    }
}

fn closed_port() -> ClosedPort {
    ClosedPort::bind(0, false).expect("bind a loopback port")
}

fn assert_no_origin_request(trace: &[String]) {
    assert_eq!(
        count_events(trace, "SEND_REQUEST_HDR"),
        0,
        "a request went to the origin:\n{}",
        trace.join("\n")
    );
}

#[test]
fn keep_alive_requests_share_one_session() {
    let origin = Origin::start();
    let proxy = Proxy::start("keepalive", &origin, Setup::default());
    let url = format!("http://127.0.0.1:{}/size/100", proxy.port);
    let (rc, out) = curl(&["-H", "Host: example.com", &url, &url, &url]);
    assert_eq!(rc, 0);
    assert_eq!(out, [pattern(100), pattern(100), pattern(100)].concat());
    let t = proxy.settled_trace(1, Duration::from_secs(5));
    assert_eq!(t.iter().filter(|l| l.starts_with("TXN_START")).count(), 3);
}

#[test]
fn keep_alive_raw_mixed_framings_one_session() {
    let origin = Origin::start();
    let proxy = Proxy::start("keepalive-raw", &origin, Setup::default());
    let mut c = Client::connect(proxy.port);
    for (path, n) in [
        ("/size/1000", 1000),
        ("/chunked/20000", 20000),
        ("/size/0", 0),
        ("/close/3000", 3000),
        ("/size/7", 7),
    ] {
        c.send(&get(path));
        let r = c.response(false);
        assert_eq!(r.status, 200, "{path}: {}", r.head);
        assert_eq!(r.version, "HTTP/1.1");
        assert_eq!(r.body, pattern(n), "{path}");
        if path.starts_with("/close") {
            // A close-delimited origin body is chunked to an HTTP/1.1 client, which keeps its
            // connection.
            assert!(r.chunked, "{}", r.head);
        }
        // ATS says so to an HTTP/1.1 client whose connection stays.
        assert_eq!(r.header("connection"), Some("keep-alive"), "{}", r.head);
    }
    drop(c);
    let t = proxy.settled_trace(1, SETTLE);
    assert_eq!(count_events(&t, "TXN_START"), 5);
    for (txn, evs) in txn_events(&t) {
        assert_eq!(evs, TXN_ORDER, "transaction {txn}");
    }
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let origin = Origin::start();
    let proxy = Proxy::start("pipeline", &origin, Setup::default());
    let body = noise(5000);
    let mut req = Vec::new();
    req.extend(get("/size/10"));
    req.extend(get("/chunked/30000"));
    // A body-less POST (Content-Length: 0) then a GET: two requests at the origin.
    req.extend(b"POST /echo/a HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\n\r\n");
    req.extend(get("/size/20"));
    // A POST with a body, then a HEAD, then a chunked POST, then a GET.
    req.extend(
        format!(
            "POST /echo/b HTTP/1.1\r\nHost: example.com\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    req.extend(&body);
    req.extend(b"HEAD /size/50 HTTP/1.1\r\nHost: example.com\r\n\r\n");
    req.extend(b"POST /echo/c HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n");
    req.extend(b"3\r\nabc\r\n4;ext=1\r\ndefg\r\n0\r\n\r\n");
    req.extend(get("/size/30"));
    let mut c = Client::connect(proxy.port);
    c.send(&req);

    let r = c.response(false);
    assert_eq!(r.body, pattern(10));
    let r = c.response(false);
    assert_eq!(r.body, pattern(30000));
    let r = c.response(false);
    assert!(
        r.body_str().starts_with("POST /echo/a "),
        "{}",
        r.body_str()
    );
    assert_eq!(echoed(&r.body_str(), "body-bytes"), ["0"]);
    let r = c.response(false);
    assert_eq!(r.body, pattern(20));
    let r = c.response(false);
    assert!(
        r.body_str().starts_with("POST /echo/b "),
        "{}",
        r.body_str()
    );
    assert_eq!(echoed(&r.body_str(), "body-bytes"), ["5000"]);
    assert_eq!(echoed(&r.body_str(), "body-fnv"), [fnv(&body)]);
    let r = c.response(true);
    assert_eq!(r.header("content-length"), Some("50"));
    assert!(r.body.is_empty());
    let r = c.response(false);
    assert!(
        r.body_str().starts_with("POST /echo/c "),
        "{}",
        r.body_str()
    );
    assert_eq!(echoed(&r.body_str(), "body-bytes"), ["7"]);
    assert_eq!(echoed(&r.body_str(), "body-fnv"), [fnv(b"abcdefg")]);
    let r = c.response(false);
    assert_eq!(r.body, pattern(30));
    assert!(c.buffered().is_empty());
    drop(c);

    assert_eq!(origin.count(), 8);
    let t = proxy.settled_trace(1, SETTLE);
    assert_eq!(count_events(&t, "TXN_START"), 8);
    assert_eq!(count_events(&t, "SEND_REQUEST_HDR"), 8);
}

#[test]
fn large_chunked_upload_and_download_are_checksummed() {
    let origin = Origin::start();
    let proxy = Proxy::start("large", &origin, Setup::default());
    let dir = proxy.dir.clone();
    let upload = noise(6 << 20);
    let file = dir.join("upload.bin");
    std::fs::write(&file, &upload).unwrap();
    let data = format!("@{}", file.display());
    let echo = format!("http://127.0.0.1:{}/echo", proxy.port);

    // Chunked upload, without and with Expect: 100-continue.
    for expect in ["Expect:", "Expect: 100-continue"] {
        let (rc, out) = curl(&[
            "-H",
            "Host: example.com",
            "-H",
            "Transfer-Encoding: chunked",
            "-H",
            expect,
            "--data-binary",
            &data,
            &echo,
        ]);
        assert_eq!(rc, 0, "{expect}");
        let out = String::from_utf8_lossy(&out).into_owned();
        assert!(
            out.contains("Transfer-Encoding: chunked\r\n"),
            "not chunked to the origin: {out}"
        );
        assert_eq!(echoed(&out, "body-bytes"), [upload.len().to_string()]);
        assert_eq!(echoed(&out, "body-fnv"), [fnv(&upload)]);
    }
    // The same body with a Content-Length.
    let (rc, out) = curl(&["-H", "Host: example.com", "--data-binary", &data, &echo]);
    assert_eq!(rc, 0);
    let out = String::from_utf8_lossy(&out).into_owned();
    assert_eq!(echoed(&out, "content-length"), [upload.len().to_string()]);
    assert_eq!(echoed(&out, "body-fnv"), [fnv(&upload)]);

    // Downloads: chunked (8 KiB chunks), Content-Length, close-delimited.
    let n = 12 << 20;
    for path in [
        format!("/chunked/{n}"),
        format!("/size/{n}"),
        format!("/close/{n}"),
    ] {
        let (rc, out) = curl(&[
            "-H",
            "Host: example.com",
            &format!("http://127.0.0.1:{}{path}", proxy.port),
        ]);
        assert_eq!(rc, 0, "{path}");
        assert_eq!(out.len(), n as usize, "{path}");
        assert!(out == pattern(n), "{path}: body differs");
    }
    // Raw: the chunked download stays chunked and well framed.
    let mut c = Client::connect(proxy.port);
    c.send(&get(&format!("/chunked/{n}")));
    let r = c.response(false);
    assert!(r.chunked);
    assert_eq!(fnv(&r.body), fnv(&pattern(n)));
    drop(c);
    proxy.settled_trace(7, SETTLE);
}

#[test]
fn head_requests_get_no_body() {
    let origin = Origin::start();
    let proxy = Proxy::start("head", &origin, Setup::default());
    let mut c = Client::connect(proxy.port);
    c.send(b"HEAD /size/1000 HTTP/1.1\r\nHost: example.com\r\n\r\n");
    let r = c.response(true);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-length"), Some("1000"));
    c.send(b"HEAD /chunked/5000 HTTP/1.1\r\nHost: example.com\r\n\r\n");
    let r = c.response(true);
    assert_eq!(r.status, 200);
    // Nothing may follow the heads: the next response must come right after them.
    c.send(&get("/size/33"));
    let r = c.response(false);
    assert_eq!(r.body, pattern(33));
    assert!(c.buffered().is_empty());
    // curl agrees (it would fail on a body after a HEAD response).
    let url = format!("http://127.0.0.1:{}/size/4096", proxy.port);
    let (rc, out) = curl(&["-I", "-H", "Host: example.com", &url, &url]);
    assert_eq!(rc, 0);
    let out = String::from_utf8_lossy(&out).into_owned();
    assert_eq!(out.matches("Content-Length: 4096").count(), 2, "{out}");
    drop(c);
    let t = proxy.settled_trace(2, SETTLE);
    assert_eq!(count_events(&t, "TXN_CLOSE"), 5);
}

#[test]
fn no_body_for_204_and_304() {
    let origin = Origin::start();
    let proxy = Proxy::start("nobody", &origin, Setup::default());
    let mut c = Client::connect(proxy.port);
    for s in [204u16, 304] {
        c.send(&get(&format!("/status/{s}")));
        let r = c.response(false);
        assert_eq!(r.status, s);
        assert!(!r.has_header("transfer-encoding"), "{}", r.head);
        // The origin sends no Content-Length with a 204 or 304 and the proxy adds none (there
        // is no body to frame).
        assert_eq!(r.header("content-length"), None, "{}", r.head);
        // The next response follows at once: no body bytes in between.
        c.send(&get("/size/5"));
        let r = c.response(false);
        assert_eq!(r.body, pattern(5), "after {s}");
        assert!(c.buffered().is_empty());
    }
    drop(c);
    let t = proxy.settled_trace(1, SETTLE);
    assert_eq!(count_events(&t, "TXN_CLOSE"), 4);
}

#[test]
fn expect_100_continue() {
    let origin = Origin::start();
    let proxy = Proxy::start("continue", &origin, Setup::default());
    let body = noise(200_000);
    let mut c = Client::connect(proxy.port);
    c.send(
        format!(
            "POST /echo HTTP/1.1\r\nHost: example.com\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    // The body is held back until the proxy says 100 Continue.
    let r = c.response(false);
    assert_eq!(r.status, 100, "{}", r.head);
    c.send(&body);
    let r = c.final_response();
    assert_eq!(r.status, 200);
    let text = r.body_str();
    assert_eq!(echoed(&text, "body-bytes"), [body.len().to_string()]);
    assert_eq!(echoed(&text, "body-fnv"), [fnv(&body)]);
    // The connection goes on.
    c.send(&get("/size/9"));
    assert_eq!(c.response(false).body, pattern(9));
    drop(c);
    let t = proxy.settled_trace(1, SETTLE);
    assert_eq!(count_events(&t, "TXN_CLOSE"), 2);
}

#[test]
fn client_aborts_before_the_request_header() {
    let origin = Origin::start();
    let proxy = Proxy::start("abort-head", &origin, Setup::default());
    // A connection that sends nothing: no session at all (ATS's protocol probe).
    drop(Client::connect(proxy.port));
    std::thread::sleep(Duration::from_millis(200));
    // Half a request header, then gone.
    let mut c = Client::connect(proxy.port);
    c.send(b"GET /size/10 HTTP/1.1\r\nHo");
    std::thread::sleep(Duration::from_millis(100));
    drop(c);
    let t = proxy.settled_trace(1, SETTLE);
    assert_eq!(count_events(&t, "SSN_START"), 1);
    let txns = txn_events(&t);
    assert_eq!(txns.len(), 1);
    assert_eq!(txns[0].1, ["TXN_START", "TXN_CLOSE"]);
    assert_eq!(origin.count(), 0);
}

#[test]
fn client_aborts_mid_request_body() {
    let origin = Origin::start();
    let proxy = Proxy::start("abort-body", &origin, Setup::default());
    for chunked in [false, true] {
        let mut c = Client::connect(proxy.port);
        if chunked {
            c.send(b"POST /echo HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n10000\r\n");
        } else {
            c.send(b"POST /echo HTTP/1.1\r\nHost: example.com\r\nContent-Length: 10000000\r\n\r\n");
        }
        c.send(&noise(30000));
        std::thread::sleep(Duration::from_millis(200));
        drop(c);
    }
    let t = proxy.settled_trace(2, SETTLE);
    let txns = txn_events(&t);
    assert_eq!(txns.len(), 2, "{t:?}");
    // The request went to the origin (its body streams), no response came back to hooks, and
    // the transaction closed as aborted.
    for (txn, evs) in &txns {
        // Every hook up to SEND_REQUEST_HDR, then TXN_CLOSE.
        assert_eq!(
            evs,
            &[&TXN_ORDER[..7], &["TXN_CLOSE"]].concat(),
            "transaction {txn}"
        );
    }
    assert_eq!(
        t.iter()
            .filter(|l| l.starts_with("TXN_CLOSE") && l.contains(" aborted=1"))
            .count(),
        2,
        "{t:?}"
    );
    // The proxy still works.
    let mut c = Client::connect(proxy.port);
    c.send(&get("/size/100"));
    assert_eq!(c.response(false).body, pattern(100));
    drop(c);
    proxy.settled_trace(3, SETTLE);
}

#[test]
fn client_aborts_mid_response() {
    let origin = Origin::start();
    let proxy = Proxy::start("abort-resp", &origin, Setup::default());
    for path in ["/size/40000000", "/chunked/40000000"] {
        let mut c = Client::connect(proxy.port);
        c.send(&get(path));
        let mut got = 0;
        let mut buf = [0u8; 65536];
        while got < 200_000 {
            let n = std::io::Read::read(&mut c.stream, &mut buf).unwrap();
            assert!(n > 0, "closed early");
            got += n;
        }
        drop(c);
    }
    let t = proxy.settled_trace(2, SETTLE);
    assert_eq!(count_events(&t, "SEND_RESPONSE_HDR"), 2);
    // The proxy and its origin connections still work (the aborted ones are not reused).
    let mut c = Client::connect(proxy.port);
    for _ in 0..3 {
        c.send(&get("/size/1000"));
        assert_eq!(c.response(false).body, pattern(1000));
    }
    drop(c);
    proxy.settled_trace(3, SETTLE);
}

#[test]
fn origin_dies_mid_response() {
    let origin = Origin::start();
    let proxy = Proxy::start("origin-dies", &origin, Setup::default());
    // Content-Length framing: the client gets the head and part of the body, then a close.
    let mut c = Client::connect(proxy.port);
    c.send(&get("/die/100000"));
    // Half the announced body, then the client connection is closed: a truncation, not a reset.
    assert_eq!(
        c.try_response(false).map(|r| r.status),
        Err("connection closed while reading the body".to_string())
    );
    // curl reports the truncation (18: partial file).
    let (rc, out) = curl(&[
        "-H",
        "Host: example.com",
        &format!("http://127.0.0.1:{}/die/50000", proxy.port),
    ]);
    assert_eq!(rc, 18);
    assert_eq!(out, pattern(50000));
    // Chunked framing: no terminating chunk may reach the client.
    let mut c = Client::connect(proxy.port);
    c.send(&get("/die-chunked/100000"));
    let mut head = c.response(true);
    assert_eq!(
        head.header("transfer-encoding"),
        Some("chunked"),
        "{}",
        head.head
    );
    let (rest, closed) = c.read_to_end();
    assert!(closed);
    head.body = rest;
    assert!(
        !head.body.ends_with(b"0\r\n\r\n"),
        "a truncated chunked body was terminated"
    );
    drop(c);
    let t = proxy.settled_trace(3, SETTLE);
    assert_eq!(count_events(&t, "READ_RESPONSE_HDR"), 3);
}

#[test]
fn origin_down_gives_502() {
    let origin = Origin::start();
    // Held until the test ends: nothing can start listening on it meanwhile.
    let dead = closed_port();
    let proxy = Proxy::start(
        "origin-down",
        &origin,
        Setup {
            remap: vec![format!(
                "map http://dead.example/ http://127.0.0.1:{}/",
                dead.port
            )],
            ..Setup::default()
        },
    );
    let mut c = Client::connect(proxy.port);
    c.send(b"GET /x HTTP/1.1\r\nHost: dead.example\r\n\r\n");
    let r = c.response(false);
    assert_eq!(r.status, 502, "{}", r.head);
    // An error response keeps a body-less request's connection.
    c.send(&get("/size/3"));
    assert_eq!(c.response(false).body, pattern(3));
    // The origin goes away: its idle pooled connection and new connections both fail: 502. Its
    // port is held from then on, so that no server of another test can take it and answer.
    let origin_port = origin.port;
    drop(origin);
    let _gone = ClosedPort::take_over(origin_port);
    c.send(&get("/size/3"));
    let r = c.response(false);
    assert_eq!(r.status, 502, "{}", r.head);
    drop(c);
    let t = proxy.settled_trace(1, SETTLE);
    let txns = txn_events(&t);
    assert_eq!(txns.len(), 3);
    // The connect fails after CACHE_LOOKUP_COMPLETE: no SEND_REQUEST_HDR, no READ_RESPONSE_HDR;
    // the 502 goes through SEND_RESPONSE_HDR.
    assert_eq!(
        txns[0].1,
        [
            "TXN_START",
            "READ_REQUEST_HDR",
            "PRE_REMAP",
            "POST_REMAP",
            "OS_DNS",
            "CACHE_LOOKUP_COMPLETE",
            "SEND_RESPONSE_HDR",
            "TXN_CLOSE"
        ]
    );
}

/// An origin on 127.0.0.1 that answers every request of a connection with 200 "ok"
/// (Content-Length: 2, keep-alive); counts the connections it accepted. With `cut`: its first
/// connection answers its second request with those bytes only, then closes.
fn counting_origin(
    cut: Option<&'static [u8]>,
) -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{Read, Write};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let accepted = std::sync::Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { return };
            let first_conn = count.fetch_add(1, Ordering::SeqCst) == 0;
            std::thread::spawn(move || {
                // Bounded: the connection ends when idle for 20 s.
                s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let mut served = 0;
                loop {
                    while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        buf.drain(..end + 4);
                        served += 1;
                        if let (Some(cut), true, 2) = (cut, first_conn, served) {
                            let _ = s.write_all(cut);
                            return;
                        }
                        if s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                            .is_err()
                        {
                            return;
                        }
                    }
                    match s.read(&mut chunk) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
            });
        }
    });
    (port, accepted)
}

/// The origin connection of a keep-alive response goes back to the pool and serves the next
/// request (pools are per network thread: one client connection's requests stay on one).
#[test]
fn origin_connections_are_pooled_and_reused() {
    let origin = Origin::start();
    let (port, accepted) = counting_origin(None);
    let proxy = Proxy::start(
        "origin-pool",
        &origin,
        Setup {
            remap: vec![format!("map http://pool.example/ http://127.0.0.1:{port}/")],
            ..Setup::default()
        },
    );
    let mut c = Client::connect(proxy.port);
    for _ in 0..5 {
        c.send(b"GET /x HTTP/1.1\r\nHost: pool.example\r\n\r\n");
        let r = c.response(false);
        assert_eq!(
            (r.status, r.body.as_slice()),
            (200, &b"ok"[..]),
            "{}",
            r.head
        );
    }
    assert_eq!(
        accepted.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "origin connections for 5 requests"
    );
    drop(c);
    proxy.settled_trace(1, SETTLE);
}

/// A reused origin connection that fails before the first byte of its response is tried again
/// on a fresh one (origin_closing_an_idle_connection_is_retried); one that closes after part of
/// a response head, or after an interim 100, is not (the origin had the request): 502.
#[test]
fn origin_closing_mid_answer_on_a_reused_connection_is_502_not_retried() {
    let origin = Origin::start();
    let cuts: [&'static [u8]; 2] = [
        b"HTTP/1.1 200 OK\r\nContent-Le",
        b"HTTP/1.1 100 Continue\r\n\r\n",
    ];
    for (i, cut) in cuts.into_iter().enumerate() {
        let (port, accepted) = counting_origin(Some(cut));
        let proxy = Proxy::start(
            &format!("origin-cut-{i}"),
            &origin,
            Setup {
                remap: vec![format!("map http://pool.example/ http://127.0.0.1:{port}/")],
                ..Setup::default()
            },
        );
        let mut c = Client::connect(proxy.port);
        c.send(b"GET /a HTTP/1.1\r\nHost: pool.example\r\n\r\n");
        assert_eq!(c.response(false).status, 200);
        c.send(b"GET /b HTTP/1.1\r\nHost: pool.example\r\n\r\n");
        let r = c.response(false);
        assert_eq!(r.status, 502, "cut {i}: {}", r.head);
        assert_eq!(
            accepted.load(std::sync::atomic::Ordering::SeqCst),
            1,
            "cut {i}: origin connections"
        );
        drop(c);
        proxy.settled_trace(1, SETTLE);
    }
}

#[test]
fn origin_closing_an_idle_connection_is_retried() {
    let origin = Origin::start();
    let proxy = Proxy::start("origin-idle-close", &origin, Setup::default());
    let mut c = Client::connect(proxy.port);
    for i in 0..3 {
        // The origin answers, then closes its side without announcing it.
        c.send(&get(&format!("/size/10?then-close={i}")));
        assert_eq!(c.response(false).body, pattern(10));
        std::thread::sleep(Duration::from_millis(100));
        // The pooled connection is dead: the proxy must use a fresh one, not answer 502.
        c.send(&get("/size/11"));
        let r = c.response(false);
        assert_eq!(r.status, 200, "{}", r.head);
        assert_eq!(r.body, pattern(11));
    }
    drop(c);
    proxy.settled_trace(1, SETTLE);
}

#[test]
fn timeouts() {
    let origin = Origin::start();
    let proxy = Proxy::start(
        "timeouts",
        &origin,
        Setup {
            records: vec![
                "CONFIG proxy.config.http.transaction_no_activity_timeout_out INT 1".into(),
                "CONFIG proxy.config.http.transaction_no_activity_timeout_in INT 1".into(),
                "CONFIG proxy.config.http.keep_alive_no_activity_timeout_in INT 1".into(),
            ],
            ..Setup::default()
        },
    );
    // Each timeout is 1 s: 800 ms allows for timer granularity; the upper bound 5 s leaves 4 s
    // for a loaded 2-core debug build and is half the client's 10 s read timeout, which would
    // end the wait if the proxy's timeout did not fire. (For the 504, a proxy without the
    // timeout would relay /slow/3000's 200 at 3 s: the status check catches that.)
    let window = |t: Instant| {
        let e = t.elapsed();
        assert!(
            e >= Duration::from_millis(800) && e < Duration::from_secs(5),
            "{e:?}"
        );
    };
    // Origin slower than transaction_no_activity_timeout_out: 504.
    let t0 = Instant::now();
    let mut c = Client::connect(proxy.port);
    c.send(&get("/slow/3000"));
    let r = c.response(false);
    assert_eq!(r.status, 504, "{}", r.head);
    window(t0);
    drop(c);
    // A request header that never completes: 408, then the connection is closed.
    let t0 = Instant::now();
    let mut c = Client::connect(proxy.port);
    c.send(b"GET /size/10 HTTP/1.1\r\nHost: exa");
    let r = c.response(false);
    assert_eq!(r.status, 408, "{}", r.head);
    assert!(c.is_closed());
    window(t0);
    // An idle keep-alive connection is closed after keep_alive_no_activity_timeout_in.
    let mut c = Client::connect(proxy.port);
    c.send(&get("/size/10"));
    assert_eq!(c.response(false).body, pattern(10));
    let t0 = Instant::now();
    assert!(c.is_closed());
    window(t0);
    let t = proxy.settled_trace(3, SETTLE);
    let txns = txn_events(&t);
    assert_eq!(txns.len(), 3);
    // The 504: the request went out, no response came back to READ_RESPONSE_HDR.
    assert_eq!(
        txns[0].1,
        [
            "TXN_START",
            "READ_REQUEST_HDR",
            "PRE_REMAP",
            "POST_REMAP",
            "OS_DNS",
            "CACHE_LOOKUP_COMPLETE",
            "SEND_REQUEST_HDR",
            "SEND_RESPONSE_HDR",
            "TXN_CLOSE"
        ]
    );
    assert_eq!(txns[1].1, ["TXN_START", "SEND_RESPONSE_HDR", "TXN_CLOSE"]);
}

/// Request smuggling inputs: each gets 400 (406 for Transfer-Encoding in HTTP/1.0, as ATS) and a
/// closed connection, and the origin sees nothing.
#[test]
fn ambiguous_requests_get_400_and_close() {
    let origin = Origin::start();
    let proxy = Proxy::start("smuggling", &origin, Setup::default());
    let smuggled = "GET /size/1 HTTP/1.1\r\nHost: example.com\r\n\r\n";
    let cases: Vec<(&str, String)> = vec![
        (
            "CL.TE",
            format!("POST /echo HTTP/1.1\r\nHost: example.com\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n{smuggled}"),
        ),
        (
            "TE.CL",
            format!("POST /echo HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n5c\r\n{smuggled}\r\n0\r\n\r\n"),
        ),
        (
            "duplicate differing Content-Length",
            format!("POST /echo HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\nContent-Length: 38\r\n\r\n{smuggled}"),
        ),
        (
            "Content-Length list",
            "POST /echo HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3, 4\r\n\r\nabcd".into(),
        ),
        (
            "Content-Length not digits",
            "POST /echo HTTP/1.1\r\nHost: example.com\r\nContent-Length: +3\r\n\r\nabc".into(),
        ),
        (
            "obs-fold",
            "GET /size/1 HTTP/1.1\r\nHost: example.com\r\nX-A: a\r\n b\r\n\r\n".into(),
        ),
        (
            "obs-fold of Transfer-Encoding",
            "POST /echo HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n".into(),
        ),
        (
            "space before colon",
            "POST /echo HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n".into(),
        ),
        (
            "Transfer-Encoding not chunked last",
            "POST /echo HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n".into(),
        ),
        (
            "Transfer-Encoding in HTTP/1.0",
            "POST /echo HTTP/1.0\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".into(),
        ),
        (
            "bad chunk size",
            "POST /echo HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n".into(),
        ),
        (
            "negative chunk size",
            "POST /echo HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n".into(),
        ),
        (
            "0x chunk size",
            "POST /echo HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n".into(),
        ),
        (
            "overflowing chunk size",
            "POST /echo HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000005\r\nhello\r\n0\r\n\r\n".into(),
        ),
        (
            "bare LF after chunk size",
            "POST /echo HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n".into(),
        ),
        (
            "chunk longer than its size",
            format!("POST /echo HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nhello\r\n0\r\n\r\n{smuggled}"),
        ),
        (
            "bad second chunk",
            "POST /echo HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nq\r\n0\r\n\r\n".into(),
        ),
        (
            "two Host fields",
            "GET /size/1 HTTP/1.1\r\nHost: example.com\r\nHost: evil.example\r\n\r\n".into(),
        ),
        ("HTTP/1.1 without Host", "GET /size/1 HTTP/1.1\r\n\r\n".into()),
        ("empty target", "GET  HTTP/1.1\r\nHost: example.com\r\n\r\n".into()),
        // ssl.client.scheme_proto_mismatch_policy 2 (ATS's default; ATS 9.2.9 answers 400
        // "Invalid HTTP Request", seen beside it). Over TLS: scheme_mismatch_is_400_unless_allowed.
        (
            "https URL in the clear",
            "GET https://example.com/size/1 HTTP/1.1\r\nHost: example.com\r\n\r\n".into(),
        ),
        ("garbage", "\x16\x03\x01\x02\x00\x01\x00\x01\x7f\x03\x03\r\n\r\n".into()),
    ];
    for (what, req) in &cases {
        let mut c = Client::connect(proxy.port);
        c.send(req.as_bytes());
        let r = c
            .try_response(false)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        // ATS answers Transfer-Encoding in HTTP/1.0 with 406 (after remap), the others with 400.
        let want = if what.contains("HTTP/1.0") { 406 } else { 400 };
        assert_eq!(r.status, want, "{what}: {}", r.head);
        assert_eq!(r.header("connection"), Some("close"), "{what}: {}", r.head);
        assert!(c.is_closed(), "{what}: connection left open");
    }
    assert_eq!(origin.count(), 0, "the origin saw a request");
    let t = proxy.settled_trace(cases.len(), SETTLE);
    assert_no_origin_request(&t);
    assert_eq!(count_events(&t, "TXN_START"), cases.len());
}

/// A request whose URL names the other scheme than its connection's (`http` over TLS, `https`
/// in the clear) is refused with 400 before READ_REQUEST_HDR, as ATS 9.2.9 with its default
/// ssl.client.scheme_proto_mismatch_policy 2 (seen beside it), and logged; with the policy 0
/// it goes through, to the rule of the URL's scheme (as ATS 9.2.9, seen beside it).
#[test]
fn scheme_mismatch_is_400_unless_allowed() {
    let origin = Origin::start();
    let proxy = Proxy::start("scheme-mismatch", &origin, Setup::default());
    let url = format!("https://127.0.0.1:{}/", proxy.tls_port);
    let (rc, out) = curl(&[
        "-k",
        "--http1.1",
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "-H",
        "Host: example.com",
        "--request-target",
        "http://example.com/size/1",
        &url,
    ]);
    assert_eq!((rc, String::from_utf8_lossy(&out).as_ref()), (0, "400"));
    assert!(
        proxy.wait_for_stderr("scheme [http] vs. protocol [tls] mismatch", SETTLE),
        "{}",
        proxy.stderr()
    );
    let t = proxy.settled_trace(1, SETTLE);
    assert_eq!(
        txn_events(&t)[0].1,
        ["TXN_START", "SEND_RESPONSE_HDR", "TXN_CLOSE"]
    );
    assert_eq!(origin.count(), 0);
    let open = Proxy::start(
        "scheme-mismatch-0",
        &origin,
        Setup {
            records: vec![
                "CONFIG proxy.config.ssl.client.scheme_proto_mismatch_policy INT 0".into(),
            ],
            remap: vec![
                format!(
                    "map http://scheme.example/ http://127.0.0.1:{}/echo/http/",
                    origin.port
                ),
                format!(
                    "map https://scheme.example/ http://127.0.0.1:{}/echo/https/",
                    origin.port
                ),
            ],
            ..Setup::default()
        },
    );
    let mut c = Client::connect(open.port);
    for (target, want) in [
        ("https://scheme.example/x", "GET /echo/https/x "),
        ("http://scheme.example/x", "GET /echo/http/x "),
    ] {
        c.send(format!("GET {target} HTTP/1.1\r\nHost: scheme.example\r\n\r\n").as_bytes());
        let r = c.response(false);
        assert_eq!(r.status, 200, "{target}: {}", r.head);
        let echo = r.body_str();
        assert!(echo.starts_with(want), "{target}: {echo}");
    }
    drop(c);
    open.settled_trace(1, SETTLE);
}

#[test]
fn http10_keep_alive_only_when_asked() {
    let origin = Origin::start();
    let proxy = Proxy::start("http10", &origin, Setup::default());
    // Plain HTTP/1.0: one response, then the proxy closes.
    let mut c = Client::connect(proxy.port);
    c.send(b"GET /size/10 HTTP/1.0\r\nHost: example.com\r\n\r\n");
    let r = c.response(false);
    assert_eq!(r.version, "HTTP/1.0", "{}", r.head);
    assert_eq!(r.body, pattern(10));
    // No Connection field: HTTP/1.0 closes by default, and ATS
    // (handle_response_keep_alive_headers) adds `close` only for HTTP/1.1 clients or those that
    // asked for keep-alive.
    assert_eq!(r.header("connection"), None, "{}", r.head);
    assert!(c.is_closed());
    // HTTP/1.0 with Connection: keep-alive: the connection stays, and the response says so.
    let mut c = Client::connect(proxy.port);
    for n in [11, 12, 13] {
        c.send(
            format!(
                "GET /size/{n} HTTP/1.0\r\nHost: example.com\r\nConnection: keep-alive\r\n\r\n"
            )
            .as_bytes(),
        );
        let r = c.response(false);
        assert_eq!(r.version, "HTTP/1.0", "{}", r.head);
        assert_eq!(r.header("connection"), Some("keep-alive"), "{}", r.head);
        assert_eq!(r.header("content-length"), Some(n.to_string().as_str()));
        assert_eq!(r.body, pattern(n));
    }
    // A response HTTP/1.0 cannot frame (chunked at the origin) is delimited by closing.
    c.send(b"GET /chunked/5000 HTTP/1.0\r\nHost: example.com\r\nConnection: keep-alive\r\n\r\n");
    let r = c.response(false);
    assert!(!r.chunked, "{}", r.head);
    assert_eq!(r.header("connection"), Some("close"), "{}", r.head);
    assert_eq!(r.body, pattern(5000));
    assert!(c.is_closed());
    // curl -0 agrees.
    let url = format!("http://127.0.0.1:{}/size/64", proxy.port);
    let (rc, out) = curl(&["-0", "-H", "Host: example.com", &url, &url]);
    assert_eq!(rc, 0);
    assert_eq!(out, [pattern(64), pattern(64)].concat());
    // tshost's own error responses are in HTTP/1.0 too (ATS 9.2.9: `HTTP/1.0 404`, seen beside
    // it).
    let mut c = Client::connect(proxy.port);
    c.send(b"GET /x HTTP/1.0\r\nHost: unknown.example\r\n\r\n");
    let r = c.response(false);
    assert_eq!(
        (r.version.as_str(), r.status),
        ("HTTP/1.0", 404),
        "{}",
        r.head
    );
    drop(c);
    let t = proxy.settled_trace(5, SETTLE);
    assert_eq!(count_events(&t, "TXN_START"), 8);
}

#[test]
fn connection_close_is_honoured() {
    let origin = Origin::start();
    let proxy = Proxy::start("conn-close", &origin, Setup::default());
    let mut c = Client::connect(proxy.port);
    c.send(b"GET /size/10 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n");
    let r = c.response(false);
    assert_eq!(r.body, pattern(10));
    assert_eq!(r.header("connection"), Some("close"), "{}", r.head);
    assert!(c.is_closed());
    // Pipelined after a Connection: close: never answered, never forwarded.
    let mut c = Client::connect(proxy.port);
    let mut req =
        b"GET /size/20 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n".to_vec();
    req.extend(get("/size/30"));
    c.send(&req);
    assert_eq!(c.response(false).body, pattern(20));
    assert!(c.is_closed());
    assert_eq!(origin.count(), 2);
    // The origin's Connection: close does not close the client connection.
    let mut c = Client::connect(proxy.port);
    c.send(b"GET /size/5 HTTP/1.1\r\nHost: example.com\r\n\r\n");
    assert_eq!(c.response(false).body, pattern(5));
    c.send(&get("/close/5"));
    let r = c.response(false);
    assert_eq!(r.body, pattern(5));
    // The client's connection is kept, and the response says so (ATS).
    assert_eq!(r.header("connection"), Some("keep-alive"), "{}", r.head);
    c.send(&get("/size/6"));
    assert_eq!(c.response(false).body, pattern(6));
    drop(c);
    proxy.settled_trace(3, SETTLE);
}

/// A response that does not wait for the request body (a 404 before it is read) ends the
/// connection; what the client still sends meanwhile is read and dropped for a moment (a
/// lingering close), so the client reads the whole response instead of a reset that takes it away.
#[test]
fn refused_request_with_a_body_still_coming_gets_its_response_not_a_reset() {
    let origin = Origin::start();
    let proxy = Proxy::start("linger", &origin, Setup::default());
    let mut c = Client::connect(proxy.port);
    c.send(b"POST /size/10 HTTP/1.1\r\nHost: unknown.example\r\nContent-Length: 100000\r\n\r\n");
    c.send(&[b'x'; 1000]);
    // The 404 is written and the connection shut down while the body still comes: more of it
    // after 200 ms, in ten pieces 10 ms apart (30 KB, all within the proxy's 500 ms linger and
    // its 256 KiB), read only 200 ms after that. A linger that stopped after a few KB would
    // close with bytes still coming: a reset.
    std::thread::sleep(Duration::from_millis(200));
    for _ in 0..10 {
        c.send(&[b'y'; 3_000]);
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(200));
    let r = c.response(false);
    assert_eq!(r.status, 404, "{}", r.head);
    // As ATS 9.2.9 (asked the same way, 2026-12-06): 404, Connection: close, the whole
    // response, then the end of the connection.
    assert_eq!(r.header("connection"), Some("close"), "{}", r.head);
    assert!(c.is_closed());
    assert_eq!(origin.count(), 0);
    proxy.settled_trace(1, SETTLE);
}

#[test]
fn no_remap_match_is_404() {
    let origin = Origin::start();
    let proxy = Proxy::start("no-remap", &origin, Setup::default());
    let mut c = Client::connect(proxy.port);
    c.send(b"GET /size/10 HTTP/1.1\r\nHost: unknown.example\r\n\r\n");
    let r = c.response(false);
    assert_eq!(r.status, 404, "{}", r.head);
    // HEAD: the 404's head only (its page is not sent), and the connection goes on.
    c.send(b"HEAD /size/10 HTTP/1.1\r\nHost: unknown.example\r\n\r\n");
    let r = c.response(true);
    assert_eq!((r.status, r.body.len()), (404, 0), "{}", r.head);
    // Absolute-form to an unmapped host, on the same connection.
    c.send(b"GET http://other.example/size/10 HTTP/1.1\r\nHost: example.com\r\n\r\n");
    assert_eq!(c.response(false).status, 404);
    c.send(&get("/size/10"));
    assert_eq!(c.response(false).body, pattern(10));
    drop(c);
    assert_eq!(origin.count(), 1);
    let t = proxy.settled_trace(1, SETTLE);
    let txns = txn_events(&t);
    assert_eq!(txns.len(), 4);
    // Remapping fails after PRE_REMAP: the 404 goes straight to SEND_RESPONSE_HDR.
    assert_eq!(
        txns[0].1,
        [
            "TXN_START",
            "READ_REQUEST_HDR",
            "PRE_REMAP",
            "SEND_RESPONSE_HDR",
            "TXN_CLOSE"
        ]
    );
}

/// An error response tshost makes itself closes the connection when what follows the request
/// head is in doubt: a request body not read (it would be taken for the next request), and
/// after a 400 (as ATS's build_error_response); and the client that asked for a close is told
/// so (ATS 9.2.9 answers both 404s below with `Connection: close` too, seen beside it). A
/// body-less request's error keeps the connection otherwise (no_remap_match_is_404,
/// origin_down_gives_502).
#[test]
fn error_responses_close_when_a_body_or_the_request_is_in_doubt() {
    let origin = Origin::start();
    let smuggled = "GET /size/1 HTTP/1.1\r\nHost: example.com\r\n\r\n";
    let proxy = Proxy::start("error-close", &origin, Setup::default());
    // A POST to an unmapped host: 404 before its body is read; the body, a request for a
    // mapped host, is never served.
    let mut c = Client::connect(proxy.port);
    c.send(
        format!(
            "POST /echo HTTP/1.1\r\nHost: unknown.example\r\nContent-Length: {}\r\n\r\n{smuggled}",
            smuggled.len()
        )
        .as_bytes(),
    );
    let r = c.response(false);
    assert_eq!(r.status, 404, "{}", r.head);
    assert_eq!(r.header("connection"), Some("close"), "{}", r.head);
    assert!(c.is_closed(), "connection left open after the 404");
    drop(c);
    // A client that does not keep alive is told so in the error response it gets.
    let mut c = Client::connect(proxy.port);
    c.send(b"GET /size/1 HTTP/1.1\r\nHost: unknown.example\r\nConnection: close\r\n\r\n");
    let r = c.response(false);
    assert_eq!(r.status, 404, "{}", r.head);
    assert_eq!(r.header("connection"), Some("close"), "{}", r.head);
    assert!(c.is_closed(), "connection left open after the 404");
    drop(c);
    proxy.settled_trace(2, SETTLE);
    // With remap not required, an HTTP/1.0 keep-alive request without a host: 400, closed.
    let open = Proxy::start(
        "error-close-400",
        &origin,
        Setup {
            records: vec!["CONFIG proxy.config.url_remap.remap_required INT 0".into()],
            ..Setup::default()
        },
    );
    let mut c = Client::connect(open.port);
    c.send(b"GET /size/1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    let r = c.response(false);
    assert_eq!(r.status, 400, "{}", r.head);
    assert_eq!(r.header("connection"), Some("close"), "{}", r.head);
    assert!(c.is_closed(), "connection left open after the 400");
    drop(c);
    open.settled_trace(1, SETTLE);
    assert_eq!(origin.count(), 0, "the origin saw a request");
}

/// Remap looks up the URL's host, and the Host field when the URL has none (an empty authority
/// too), as ATS 9.2.9 (seen beside it: 404 for an absolute URL to an unmapped host whatever the
/// Host field and Max-Forwards say, which keeps that Host field; 200 for `http:///path` with a
/// mapped Host).
#[test]
fn remap_takes_the_url_host_then_the_host_field() {
    let origin = Origin::start();
    let proxy = Proxy::start("remap-host", &origin, Setup::default());
    let mut c = Client::connect(proxy.port);
    c.send(b"GET http://unknown.example/size/1 HTTP/1.1\r\nHost: example.com\r\nMax-Forwards: 0\r\n\r\n");
    let r = c.response(false);
    assert_eq!(r.status, 404, "{}", r.head);
    c.send(b"GET http:///size/3 HTTP/1.1\r\nHost: example.com\r\n\r\n");
    let r = c.response(false);
    assert_eq!(r.status, 200, "{}", r.head);
    assert_eq!(r.body, pattern(3));
    drop(c);
    assert_eq!(origin.count(), 1);
    proxy.settled_trace(1, SETTLE);
}

/// A rule's path replaces the prefix it matched: `map http://prefix.example/a/ .../echo/`
/// sends `/a/b?q=1` to `/echo/b?q=1`; a request for exactly the rule's path goes there as is.
#[test]
fn remap_replaces_the_path_prefix_it_matched() {
    let origin = Origin::start();
    let proxy = Proxy::start(
        "remap-prefix",
        &origin,
        Setup {
            remap: vec![format!(
                "map http://prefix.example/a/ http://127.0.0.1:{}/echo/",
                origin.port
            )],
            ..Setup::default()
        },
    );
    let mut c = Client::connect(proxy.port);
    for (path, want) in [("/a/b?q=1", "GET /echo/b?q=1 "), ("/a/", "GET /echo/ ")] {
        c.send(format!("GET {path} HTTP/1.1\r\nHost: prefix.example\r\n\r\n").as_bytes());
        let r = c.response(false);
        assert_eq!(r.status, 200, "{path}: {}", r.head);
        let echo = r.body_str();
        assert!(echo.starts_with(want), "{path}: {echo}");
    }
    drop(c);
    proxy.settled_trace(1, SETTLE);
}

/// With url_remap.remap_required 0, a request for a host no rule maps goes to that host (a
/// forward proxy), and one without any host is a 400 (error_responses_close_when_...).
#[test]
fn remap_not_required_forwards_to_the_host_asked_for() {
    let origin = Origin::start();
    let proxy = Proxy::start(
        "remap-not-required",
        &origin,
        Setup {
            records: vec!["CONFIG proxy.config.url_remap.remap_required INT 0".into()],
            ..Setup::default()
        },
    );
    let mut c = Client::connect(proxy.port);
    c.send(
        format!(
            "GET /size/5 HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\r\n",
            origin.port
        )
        .as_bytes(),
    );
    let r = c.response(false);
    assert_eq!(r.status, 200, "{}", r.head);
    assert_eq!(r.body, pattern(5));
    // Absolute-form: the URL's host is where it goes, and the Host field goes with the URL's
    // host; with Max-Forwards: 0 the client's Host is kept (ATS 9.2.9 forwards both so, seen
    // beside it).
    let at = format!("127.0.0.1:{}", origin.port);
    for (extra, want_host) in [("", at.as_str()), ("Max-Forwards: 0\r\n", "other.example")] {
        c.send(
            format!("GET http://{at}/echo HTTP/1.1\r\nHost: other.example\r\n{extra}\r\n")
                .as_bytes(),
        );
        let r = c.response(false);
        assert_eq!(r.status, 200, "{extra}: {}", r.head);
        let echo = r.body_str();
        assert!(
            echo.starts_with(&format!("GET /echo HTTP/1.1\r\nHost: {want_host}\r\n")),
            "{extra}: {echo}"
        );
    }
    drop(c);
    assert_eq!(origin.count(), 3);
    proxy.settled_trace(1, SETTLE);
}

#[test]
fn request_header_too_large_is_400() {
    let origin = Origin::start();
    let proxy = Proxy::start(
        "header-max",
        &origin,
        Setup {
            records: vec!["CONFIG proxy.config.http.request_header_max_size INT 4096".into()],
            ..Setup::default()
        },
    );
    // Just under the limit: fine.
    let mut c = Client::connect(proxy.port);
    c.send(
        format!(
            "GET /size/1 HTTP/1.1\r\nHost: example.com\r\nX-Big: {}\r\n\r\n",
            "a".repeat(3900)
        )
        .as_bytes(),
    );
    assert_eq!(c.response(false).status, 200);
    drop(c);
    // Complete but too large (arrives in one read), and incomplete and too large.
    for (big, end) in [(8000, "\r\n\r\n"), (20000, "")] {
        let mut c = Client::connect(proxy.port);
        c.send(
            format!(
                "GET /size/1 HTTP/1.1\r\nHost: example.com\r\nX-Big: {}{end}",
                "a".repeat(big)
            )
            .as_bytes(),
        );
        let r = c.response(false);
        assert_eq!(r.status, 400, "{}", r.head);
        assert!(c.is_closed());
    }
    assert_eq!(origin.count(), 1);
    let t = proxy.settled_trace(3, SETTLE);
    assert_eq!(count_events(&t, "SEND_REQUEST_HDR"), 1);
}

#[test]
fn origin_sees_host_via_and_forwarded_for() {
    let origin = Origin::start();
    let proxy = Proxy::start("echo-headers", &origin, Setup::default());
    let mut c = Client::connect(proxy.port);
    c.send(
        b"GET /echo?q=1 HTTP/1.1\r\nHost: example.com\r\nConnection: keep-alive, X-Hop\r\nX-Hop: secret\r\nKeep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\nX-Kept: yes\r\n\r\n",
    );
    let r = c.response(false);
    assert_eq!(r.status, 200);
    let text = r.body_str();
    assert!(text.starts_with("GET /echo?q=1 HTTP/1.1\r\n"), "{text}");
    assert_eq!(
        echoed(&text, "host"),
        [format!("127.0.0.1:{}", origin.port)]
    );
    // One Via, ATS's form: the protocol of the server request, then tshost's name and version.
    assert_eq!(
        echoed(&text, "via"),
        [format!(
            "http/1.1 tshost (tshost/{} ATS-API/9.2.9)",
            env!("CARGO_PKG_VERSION")
        )],
        "{text}"
    );
    assert_eq!(echoed(&text, "x-forwarded-for"), ["127.0.0.1"]);
    assert_eq!(echoed(&text, "x-kept"), ["yes"]);
    for hop in [
        "x-hop",
        "keep-alive",
        "proxy-connection",
        "te",
        "connection",
    ] {
        assert!(echoed(&text, hop).is_empty(), "{hop} forwarded: {text}");
    }
    // Absolute-form: the Host the origin sees is still the remapped one.
    c.send(b"GET http://example.com/echo HTTP/1.1\r\nHost: example.com\r\n\r\n");
    let text = c.response(false).body_str();
    assert!(text.starts_with("GET /echo HTTP/1.1\r\n"), "{text}");
    assert_eq!(
        echoed(&text, "host"),
        [format!("127.0.0.1:{}", origin.port)]
    );
    drop(c);
    proxy.settled_trace(1, SETTLE);
}

#[test]
fn graceful_stop_under_load() {
    let origin = Origin::start();
    let mut proxy = Proxy::start(
        "stop",
        &origin,
        Setup {
            records: vec!["CONFIG proxy.config.stop.shutdown_timeout INT 20".into()],
            ..Setup::default()
        },
    );
    // An idle keep-alive session, and a connection that never sends a byte.
    let mut idle = Client::connect(proxy.port);
    idle.send(&get("/size/10"));
    assert_eq!(idle.response(false).body, pattern(10));
    let mut silent = Client::connect(proxy.port);
    // In-flight requests: slow responses, a slow upload, a large download.
    let port = proxy.port;
    let mut workers = Vec::new();
    for i in 0..4 {
        workers.push(std::thread::spawn(move || {
            let mut c = Client::connect(port);
            c.send(&get(&format!("/slow/{}", 1000 + 100 * i)));
            let r = c.response(false);
            let closed = c.is_closed();
            let connection = r.header("connection").map(str::to_string);
            (r.status, r.body, connection, closed)
        }));
    }
    let upload = std::thread::spawn(move || {
        let body = noise(300_000);
        let mut c = Client::connect(port);
        c.send(
            format!(
                "POST /echo HTTP/1.1\r\nHost: example.com\r\nContent-Length: {}\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        );
        c.send(&body[..1000]);
        std::thread::sleep(Duration::from_millis(1200));
        c.send(&body[1000..]);
        let r = c.response(false);
        assert_eq!(r.header("connection"), Some("close"), "{}", r.head);
        (r.status, r.body_str(), fnv(&body))
    });
    // Every in-flight request has reached the origin (the upload: its head).
    let end = Instant::now() + SETTLE;
    while origin.count() < 6 {
        assert!(Instant::now() < end, "requests did not reach the origin");
        std::thread::sleep(Duration::from_millis(20));
    }
    let t0 = Instant::now();
    let status = proxy
        .terminate(Duration::from_secs(15))
        .expect("tshost did not exit");
    assert_eq!(status.code(), Some(0), "exit status {status:?}");
    // The slowest request ends 1.3 s after it was sent and the upload resumes after 1.2 s:
    // draining takes about 1.3 s. 5 s leaves room for a loaded 2-core debug build and is a
    // quarter of shutdown_timeout (20 s), which a drain that waited for idle sessions would hit.
    assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
    for w in workers {
        // Complete, and saying that the connection closes (ATS's draining).
        let (s, body, connection, closed) = w.join().unwrap();
        assert_eq!(s, 200);
        assert_eq!(body, b"slow\n");
        assert_eq!(connection.as_deref(), Some("close"));
        assert!(closed);
    }
    let (s, text, sum) = upload.join().unwrap();
    assert_eq!(s, 200);
    assert_eq!(echoed(&text, "body-fnv"), [sum]);
    assert!(idle.is_closed());
    assert!(silent.is_closed());
    // Nobody listens any more.
    assert_eq!(
        std::net::TcpStream::connect(("127.0.0.1", port))
            .map_err(|e| e.kind())
            .err(),
        Some(std::io::ErrorKind::ConnectionRefused)
    );
    let t = proxy.settled_trace(6, SETTLE);
    assert_eq!(count_events(&t, "TXN_CLOSE"), 6);
    assert!(
        proxy.stderr().contains("all sessions closed"),
        "{}",
        proxy.stderr()
    );
}

#[test]
fn chunked_trailers_pass_through_both_ways() {
    let origin = Origin::start();
    let proxy = Proxy::start("h1-trailers", &origin, Setup::default());
    let r = common::proxy::raw_request(
        proxy.port,
        b"GET /trailers/10 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
    );
    let text = String::from_utf8_lossy(&r);
    let sum = common::proxy::fnv(&pattern(10));
    assert!(
        text.ends_with(&format!("0\r\nX-Checksum: {sum}\r\n\r\n")),
        "{text}"
    );
    let r = common::proxy::raw_request(
        proxy.port,
        b"POST /echo HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Req-Trailer: yes\r\n\r\n",
    );
    let text = String::from_utf8_lossy(&r);
    assert!(text.contains("trailer: X-Req-Trailer: yes"), "{text}");
    proxy.settled_trace(2, Duration::from_secs(5));
}

/// Request trailers that are framing or hop-by-hop fields (Content-Length, Host, ...; RFC 9110
/// 6.5.1) are dropped, the others passed on; a trailer with an empty or spaced name is a
/// malformed body (400, never forwarded whole); the CRLF after a chunk's data may come later.
#[test]
fn request_trailers_are_filtered_and_checked_and_chunk_ends_may_come_late() {
    let origin = Origin::start();
    let proxy = Proxy::start("h1-trailer-rules", &origin, Setup::default());
    let head = "POST /echo HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n";
    let r = common::proxy::raw_request(
        proxy.port,
        format!(
            "{head}5\r\nhello\r\n0\r\nContent-Length: 5\r\nHost: evil.example\r\nX-Ok: 1\r\n\r\n"
        )
        .as_bytes(),
    );
    let text = String::from_utf8_lossy(&r);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains("trailer: X-Ok: 1"), "{text}");
    assert!(!text.contains("trailer: Content-Length"), "{text}");
    assert!(!text.contains("trailer: Host"), "{text}");
    for bad in [": empty-name", "Bad Name: x"] {
        let r = common::proxy::raw_request(
            proxy.port,
            format!("{head}5\r\nhello\r\n0\r\n{bad}\r\n\r\n").as_bytes(),
        );
        let text = String::from_utf8_lossy(&r);
        assert!(
            text.starts_with("HTTP/1.1 400 Bad Request\r\n"),
            "{bad:?}: {text}"
        );
        assert!(!text.contains("trailer: "), "{bad:?} forwarded: {text}");
    }
    // The chunk's data, then its CRLF 200 ms later.
    let mut c = Client::connect(proxy.port);
    c.send(format!("{head}5\r\nhello").as_bytes());
    std::thread::sleep(Duration::from_millis(200));
    c.send(b"\r\n0\r\n\r\n");
    let r = c.response(false);
    assert_eq!(r.status, 200, "{}", r.head);
    assert!(String::from_utf8_lossy(&r.body).contains("\nbody-bytes: 5\n"));
    proxy.settled_trace(4, Duration::from_secs(5));
}
