//! The lifecycle laws with a response transform (tests/c/transform_lifecycle.c, a pass-through
//! transform that writes down when it is closed and how, and when TXN_CLOSE comes): the
//! transform's VConnection is closed, and its plugin told, before TXN_CLOSE, once per
//! transaction; normally when the body went through, aborted (TS_VC_CLOSE_ABORT) when the origin
//! or the client left mid-body, as ATS's HttpTunnel::chain_abort_all closes it with EHTTP_ERROR.
//! Afterwards, no VIO, VConnection, IOBuffer, reader, continuation or mutex is left over
//! (tshost_live_objects, as ATS's debug counters).
mod common;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use common::proxy::{ctl, curl, pattern, raw_request, Origin, Proxy, Setup};
use common::{build_plugin, crate_dir, temp_dir, Header};

/// The plugin's lines: per transaction, its close (how) and TXN_CLOSE, in the order written.
fn events(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Wait until `n` TXN_CLOSEs are written.
fn wait_txn_closes(log: &Path, n: usize) {
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
}

/// Every transaction's transform closed once, before its TXN_CLOSE: how it was closed, by
/// transaction, in order of TXN_CLOSE.
fn closes(log: &Path) -> Vec<i32> {
    let mut how: HashMap<String, Vec<i32>> = HashMap::new();
    let mut out = Vec::new();
    for l in events(log) {
        let w: Vec<&str> = l.split(' ').collect();
        match w[0] {
            "closed" => how
                .entry(w[1].to_string())
                .or_default()
                .push(w[2].parse().unwrap()),
            "txn_close" => {
                let h = how.get(w[1]).cloned().unwrap_or_default();
                assert_eq!(
                    h.len(),
                    1,
                    "transaction {}: one close before TXN_CLOSE: {:#?}",
                    w[1],
                    events(log)
                );
                out.push(h[0]);
            }
            _ => {}
        }
    }
    out
}

/// The live object counts the plugin writes on `plugin msg x live`.
fn live(p: &Proxy, log: &Path) -> String {
    let before = events(log).len();
    let (rc, _, err) = ctl(&p.dir, &["plugin", "msg", "x", "live"]);
    assert_eq!(rc, 0, "{err}");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(l) = events(log)[before..]
            .iter()
            .find(|l| l.starts_with("live "))
        {
            return l.clone();
        }
        assert!(Instant::now() < deadline, "no counts: {}", p.stderr());
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_transform_is_closed_before_txn_close_and_aborted_when_a_side_leaves_mid_body() {
    let dir = temp_dir("transform-lifecycle");
    let so = dir.join("transform_lifecycle.so");
    build_plugin(
        &crate_dir().join("tests/c/transform_lifecycle.c"),
        &so,
        Header::Ours,
    );
    let log = dir.join("events.log");
    let origin = Origin::start();
    let p = Proxy::start(
        "transform-lifecycle",
        &origin,
        Setup {
            plugins: vec![format!("{} {}", so.display(), log.display())],
            ..Setup::default()
        },
    );
    let idle = live(&p, &log);

    // A whole body, over HTTP/1.1 and HTTP/2: closed normally.
    let resp = raw_request(
        p.port,
        b"GET /size/100000 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
    );
    // Chunked under a transform (it ends with the last chunk), or with the length the transform
    // announced if it had set it when tshost first looked (as ATS's TransformTerminus).
    assert!(resp.starts_with(b"HTTP/1.1 200"), "{}", p.stderr());
    let text = String::from_utf8_lossy(&resp);
    assert!(
        resp.ends_with(b"\r\n0\r\n\r\n")
            || (text.contains("Content-Length: 100000\r\n")
                && resp.ends_with(&pattern(100_000)[99_000..])),
        "{}",
        p.stderr()
    );
    let url = format!("https://127.0.0.1:{}/size/100000", p.tls_port);
    let (rc, body) = curl(&["-k", "--http2", "-H", "Host: example.com", &url]);
    assert_eq!(rc, 0);
    assert!(body == pattern(100_000));
    wait_txn_closes(&log, 2);
    assert_eq!(closes(&log), [1, 1], "{:#?}", events(&log));

    // The origin dies mid-body: aborted, and the client's response is cut.
    let resp = raw_request(
        p.port,
        b"GET /die/100000 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
    );
    assert!(
        !resp.ends_with(b"0\r\n\r\n"),
        "a cut body has no last chunk"
    );
    wait_txn_closes(&log, 3);
    assert_eq!(closes(&log)[2], -1, "{:#?}", events(&log));

    // The client leaves after the head and a little of a 64 MiB body: aborted.
    let mut s = TcpStream::connect(("127.0.0.1", p.port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"GET /size/67108864 HTTP/1.1\r\nHost: example.com\r\n\r\n")
        .unwrap();
    let mut got = vec![0u8; 65536];
    let mut n = 0;
    while n < 65536 {
        match s.read(&mut got[n..]) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    assert!(n > 1000, "some of the body came first");
    drop(s);
    wait_txn_closes(&log, 4);
    assert_eq!(closes(&log)[3], -1, "{:#?}", events(&log));

    // Nothing is left over: the counts are what they were before any request.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = live(&p, &log);
        if now == idle {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "before: {idle}\nafter:  {now}\n{}",
            p.stderr()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(idle.contains("txn=0"), "{idle}");
}
