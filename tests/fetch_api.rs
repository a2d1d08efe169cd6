//! The fetch API and TSNetConnect, driven by a C plugin (tests/c/fetch_api_plugin.c, built once
//! against tshost's header and once against Debian's): TSFetchPages fetches each URL of its list
//! through tshost; TSFetchCreate streams a response (chunked and 1 MiB bodies byte-exact with
//! STREAM|DECHUNK, the chunked framing kept without DECHUNK, a bodiless 204 and HEAD, a cut
//! body, a fetch destroyed in its first BODY_READY, a session not internal) and
//! posts a body with TSFetchWriteData; TSNetConnect connects to a socket (a request written, the
//! reply read to EOS), fails on a closed port and, past proxy.config.http.connect_attempts_timeout,
//! on a peer that never answers the handshake, and calls back nothing once cancelled; bad
//! arguments get error values.

mod common;

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::proxy::{fnv, pattern, Origin, Proxy, Setup};
use common::{build_plugin, crate_dir, temp_dir, tshost, Header};

struct Run {
    p: Proxy,
    origin: Origin,
    log: PathBuf,
}

fn start(name: &str, header: Header) -> Run {
    let dir = temp_dir(name);
    let so = dir.join("fetch_api_plugin.so");
    build_plugin(&crate_dir().join("tests/c/fetch_api_plugin.c"), &so, header);
    let log = dir.join("fetch.log");
    let origin = Origin::start();
    let p = Proxy::start(
        name,
        &origin,
        Setup {
            plugins: vec![format!("{} {}", so.display(), log.display())],
            records: vec!["CONFIG proxy.config.http.connect_attempts_timeout INT 2".into()],
            ..Default::default()
        },
    );
    Run { p, origin, log }
}

impl Run {
    fn send(&self, cmd: &str, arg: &str) {
        let out = tshost()
            .args(["ctl", "--config-dir"])
            .arg(&self.p.dir)
            .args(["plugin", "msg", &format!("fetch_api.{cmd}"), arg])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }

    /// The log's lines starting with `prefix`, once there are `n` (bounded wait).
    fn lines(&self, prefix: &str, n: usize) -> Vec<String> {
        wait_lines(&self.log, prefix, n, &self.p)
    }
}

fn wait_lines(log: &Path, prefix: &str, n: usize, p: &Proxy) -> Vec<String> {
    let end = Instant::now() + Duration::from_secs(30);
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let got: Vec<String> = text
            .lines()
            .filter(|l| l.starts_with(prefix))
            .map(str::to_string)
            .collect();
        if got.len() >= n {
            return got;
        }
        assert!(
            Instant::now() < end,
            "waited for {n} lines `{prefix}`:\n{text}\n{}",
            p.stderr()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn body_fnv(n: u64) -> String {
    fnv(&pattern(n))
}

#[test]
fn tsfetchpages_fetches_every_url_of_its_list() {
    // Debian's header: its TSFetchUrlParams_t layout, read by tshost.
    let r = start("fetch-pages", Header::Debian);
    r.send("pages", "/size/100 /chunked/3000");
    let lines = r.lines("pages ", 2);
    // The second entry's request_len is -1 (up to its NUL). HTTP/1.0 requests: the chunked
    // body comes to the fetch without framing, to the session's end.
    assert!(
        lines.contains(&format!(
            "pages 1 status=200 len={} body=100 fnv={}",
            lines_len(&lines, 1),
            body_fnv(100)
        )),
        "{lines:?}"
    );
    assert!(
        lines.contains(&format!(
            "pages 2 status=200 len={} body=3000 fnv={}",
            lines_len(&lines, 2),
            body_fnv(3000)
        )),
        "{lines:?}"
    );
    // TSFetchUrl of an HTTP/1.1 request: the body comes chunked; TSFetchFlagSet(DECHUNK) gives
    // TSFetchRespGet its payload; the user data and the head are the fetch's.
    r.send("url", "/chunked/50000");
    let l = r.lines("url ", 1);
    assert_eq!(
        l,
        [format!(
            "url status=200 body=50000 fnv={} user=mine",
            body_fnv(50000)
        )],
        "{}",
        r.p.stderr()
    );
    let txns = r.lines("txn ", 3);
    for path in ["/size/100", "/chunked/3000"] {
        assert!(
            txns.contains(&format!("txn internal=1 tag=fetchSM path={path}")),
            "{txns:?}"
        );
    }
}

/// The `len=` of fetch `id`'s line (head and body: the head's size is tshost's business).
fn lines_len(lines: &[String], id: u32) -> String {
    lines
        .iter()
        .find(|l| l.starts_with(&format!("pages {id} ")))
        .and_then(|l| l.split("len=").nth(1))
        .and_then(|s| s.split(' ').next())
        .unwrap_or("?")
        .to_string()
}

/// The `stream F PATH ...` line of one fetch.
fn stream_line(r: &Run, flags: i32, path: &str) -> String {
    let prefix = format!("stream {flags} {path} ");
    r.lines(&prefix, 1).remove(0)
}

#[test]
fn streaming_fetches_dechunk_and_stream_large_bodies_byte_exact() {
    // Debian's header: the TSFetchCreate family and its enums from experimental.h.
    let r = start("fetch-stream", Header::Debian);
    const STREAM_DECHUNK: i32 = 2 | 4;
    r.send("stream", "6 /chunked/100000");
    let l = stream_line(&r, STREAM_DECHUNK, "/chunked/100000");
    assert!(
        l.contains(&format!(
            "head=200 done bytes=100000 fnv={} ",
            body_fnv(100000)
        )),
        "{l}\n{}",
        r.p.stderr()
    );
    assert!(l.ends_with("user=OK"), "{l}");
    r.send("stream", "6 /size/1048576");
    let l = stream_line(&r, STREAM_DECHUNK, "/size/1048576");
    assert!(
        l.contains(&format!(
            "head=200 done bytes=1048576 fnv={} ",
            body_fnv(1048576)
        )),
        "{l}"
    );
    let ready: u32 = l
        .split("ready=")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap();
    assert!(ready >= 2, "1 MiB comes in several BODY_READY events: {l}");
    // Without DECHUNK the chunked framing stays, to the last chunk.
    r.send("stream", "2 /chunked/20000");
    let l = stream_line(&r, 2, "/chunked/20000");
    let bytes: usize = l
        .split("bytes=")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap();
    assert!(bytes > 20000 + 10 && l.contains("head=200"), "{l}");
    let raw = r.lines("stream 2 /chunked/20000 raw-", 1);
    assert!(raw[0].ends_with("raw-end=last-chunk"), "{raw:?}");
    // A response without a body: HEAD_DONE then BODY_DONE.
    r.send("stream", "6 /status/204");
    let l = stream_line(&r, STREAM_DECHUNK, "/status/204");
    assert!(
        l.contains("head=204 done bytes=0 ") && l.contains("ready=0"),
        "{l}"
    );
    // HEAD: the head only, then BODY_DONE (the Content-Length is not a body).
    r.send("stream", "6 /size/777 HEAD");
    let l = stream_line(&r, STREAM_DECHUNK, "/size/777");
    assert!(
        l.contains("head=200 done bytes=0 ") && l.contains("ready=0"),
        "{l}"
    );
    // A body cut short by the origin: as ATS's FetchSM, BODY_DONE with what came.
    r.send("stream", "6 /die/5000");
    let l = stream_line(&r, STREAM_DECHUNK, "/die/5000");
    assert!(
        l.contains(&format!("head=200 done bytes=5000 fnv={} ", body_fnv(5000))),
        "{l}"
    );
    // TSFetchDestroy in the first BODY_READY of a 5 MB body: no event after it, and the
    // proxy goes on (the next fetch below works).
    r.send("stream", "6 /size/5000000 GET early");
    let l = stream_line(&r, STREAM_DECHUNK, "/size/5000000");
    assert!(l.contains(" destroyed after "), "{l}");
    // NOT_INTERNAL_REQUEST: the session is not internal.
    r.send("stream", "22 /size/10");
    let l = stream_line(&r, 22, "/size/10");
    assert!(l.contains("head=200 done bytes=10 "), "{l}");
    let txns = r.lines("txn ", 8);
    assert!(
        txns.contains(&"txn internal=0 tag=fetchSM path=/size/10".to_string()),
        "{txns:?}"
    );
    assert!(
        txns.contains(&"txn internal=1 tag=fetchSM path=/chunked/100000".to_string()),
        "{txns:?}"
    );
    // Nothing reached the destroyed fetch meanwhile.
    std::thread::sleep(Duration::from_millis(300));
    let text = std::fs::read_to_string(&r.log).unwrap();
    assert!(!text.contains("after TSFetchDestroy"), "{text}");
}

#[test]
fn a_streaming_fetch_posts_its_body_with_tsfetchwritedata() {
    let r = start("fetch-post", Header::Ours);
    r.send("post", "100000");
    let l = r.lines("post ", 1).remove(0);
    assert!(
        l.starts_with("post head=200 body="),
        "{l}\n{}",
        r.p.stderr()
    );
    assert!(l.contains("POST /echo HTTP/1.1|"), "{l}");
    assert!(
        l.contains(&format!(
            "body-bytes: 100000|body-fnv: {}|",
            body_fnv(100000)
        )),
        "{l}"
    );
    r.send("badargs", "x");
    let l = r.lines("badargs", 1);
    assert_eq!(l, ["badargs ok"], "{}", r.p.stderr());
}

#[test]
fn tsnetconnect_connects_fails_on_a_closed_port_and_times_out() {
    let r = start("fetch-netconnect", Header::Ours);
    r.send("connect", &r.origin.port.to_string());
    let l = r.lines("connect ", 1).remove(0);
    let got: usize = l
        .strip_prefix("connect got ")
        .and_then(|s| s.split(':').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{l}\n{}", r.p.stderr()));
    // The origin's head and 10 bytes, then its close: EOS (event 104).
    assert!((10..400).contains(&got), "{l}");
    assert!(l.ends_with(": HTTP/1.1 200 OK (event 104)"), "{l}");
    // A closed port: ECONNREFUSED.
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    r.send("connect", &closed.to_string());
    let l = r.lines("connect ", 2);
    assert_eq!(l[1], format!("connect failed errno={}", libc::ECONNREFUSED));
    // A listener whose accept queue is full drops the handshake: the connect fails at
    // connect_attempts_timeout (2 s) with ETIMEDOUT, not later.
    let sock = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    sock.bind(
        &"127.0.0.1:0"
            .parse::<std::net::SocketAddr>()
            .unwrap()
            .into(),
    )
    .unwrap();
    sock.listen(0).unwrap();
    let port = sock.local_addr().unwrap().as_socket().unwrap().port();
    let addr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..4 {
        if let Ok(s) = TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
            fillers.push(s);
        }
    }
    let t0 = Instant::now();
    r.send("connect", &port.to_string());
    let l = r.lines("connect ", 3);
    let took = t0.elapsed();
    assert_eq!(
        l[2],
        format!("connect failed errno={}", libc::ETIMEDOUT),
        "{l:?}"
    );
    assert!(
        took >= Duration::from_millis(1500) && took < Duration::from_secs(10),
        "{took:?}"
    );
    // A cancelled connect to the same peer: no callback, also after the deadline passed.
    r.send("cancel", &port.to_string());
    assert_eq!(r.lines("cancel ", 1), ["cancel issued: action returned"]);
    std::thread::sleep(Duration::from_millis(3500));
    let text = std::fs::read_to_string(&r.log).unwrap();
    assert!(!text.contains("cancelled "), "{text}");
    // TSNetConnectTransparent: IP_TRANSPARENT needs CAP_NET_ADMIN; with it the connection is
    // made, without it the connect fails with EPERM.
    r.send("transparent", &r.origin.port.to_string());
    let l = r.lines("transparent ", 1).remove(0);
    assert!(
        l.ends_with(": HTTP/1.1 200 OK (event 104)")
            || l == format!("transparent failed errno={}", libc::EPERM),
        "{l}"
    );
    drop(fillers);
}
