//! The lifecycle law with an intercept (tests/c/intercept_lifecycle.c, a server intercept that
//! answers `/N` with N bytes and writes down when it hears its VConnection's end and when
//! TXN_CLOSE comes): the intercepting plugin is told its VConnection ended (TS_EVENT_VCONN_EOS or
//! TS_EVENT_ERROR), once, before TXN_CLOSE; after a whole response, and when the client left
//! mid-body, over HTTP/1.1 and HTTP/2.
mod common;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use common::proxy::{curl, raw_request, Origin, Proxy, Setup};
use common::{build_plugin, crate_dir, temp_dir, Header};

fn events(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Wait for `n` TXN_CLOSEs, then check each transaction heard its end once before it: the events
/// of each, in TXN_CLOSE order.
fn ends_before_txn_close(log: &Path, n: usize) -> Vec<i32> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while events(log)
        .iter()
        .filter(|l| l.starts_with("txn_close"))
        .count()
        < n
    {
        assert!(Instant::now() < deadline, "{:#?}", events(log));
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut ends: HashMap<String, Vec<i32>> = HashMap::new();
    let mut out = Vec::new();
    for l in events(log) {
        let w: Vec<&str> = l.split(' ').collect();
        match w[0] {
            "end" => ends
                .entry(w[1].into())
                .or_default()
                .push(w[2].parse().unwrap()),
            "txn_close" => {
                let e = ends.get(w[1]).cloned().unwrap_or_default();
                assert_eq!(
                    e.len(),
                    1,
                    "transaction {}: one end before TXN_CLOSE: {:#?}",
                    w[1],
                    events(log)
                );
                out.push(e[0]);
            }
            _ => {}
        }
    }
    out
}

#[test]
fn an_intercepting_plugin_hears_its_end_before_txn_close() {
    let dir = temp_dir("intercept-lifecycle");
    let so = dir.join("intercept_lifecycle.so");
    build_plugin(
        &crate_dir().join("tests/c/intercept_lifecycle.c"),
        &so,
        Header::Debian,
    );
    let log = dir.join("events.log");
    let origin = Origin::start();
    let p = Proxy::start(
        "intercept-lifecycle",
        &origin,
        Setup {
            plugins: vec![format!("{} {}", so.display(), log.display())],
            ..Setup::default()
        },
    );
    // A whole response over HTTP/1.1, then HTTP/2.
    let resp = raw_request(
        p.port,
        b"GET /100 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
    );
    assert!(resp.starts_with(b"HTTP/1.1 200"), "{}", p.stderr());
    assert!(resp.ends_with(&[b'x'; 100]));
    let url = format!("https://127.0.0.1:{}/1000", p.tls_port);
    let (rc, body) = curl(&["-k", "--http2", "-H", "Host: example.com", &url]);
    assert_eq!((rc, body.len()), (0, 1000), "{}", p.stderr());
    assert_eq!(ends_before_txn_close(&log, 2).len(), 2);
    // The client leaves after a little of a 64 MiB body.
    let mut s = TcpStream::connect(("127.0.0.1", p.port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"GET /67108864 HTTP/1.1\r\nHost: example.com\r\n\r\n")
        .unwrap();
    let mut got = vec![0u8; 65536];
    let mut n = 0;
    while n < got.len() {
        match s.read(&mut got[n..]) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    assert!(n > 1000, "some of the body came first");
    drop(s);
    assert_eq!(ends_before_txn_close(&log, 3).len(), 3);
}
