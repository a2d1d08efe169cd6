//! Intercepts (TSHttpTxnIntercept / TSHttpTxnServerIntercept) with Debian's unmodified plugin
//! binaries: stats_over_http.so answers `/_stats` with the process's records as JSON, and
//! healthchecks.so answers its configured path from a status file. The plugin is the origin: it
//! reads the request from a TSVConn and writes a raw HTTP/1 response, which reaches the client
//! through the proxy, over HTTP/1.1 and HTTP/2.
mod common;

use std::time::Duration;

use common::proxy::{curl, raw_request, Origin, Proxy, Setup};
use common::temp_dir;

const MODULES: &str = "/usr/lib/trafficserver/modules";

fn start(name: &str, plugin_line: String) -> (Proxy, Origin) {
    let origin = Origin::start();
    let p = Proxy::start(
        name,
        &origin,
        Setup {
            plugins: vec![plugin_line],
            ..Setup::default()
        },
    );
    (p, origin)
}

#[test]
fn stats_over_http_answers_as_the_origin_over_http1_and_http2() {
    let (p, _o) = start("intercept-stats", format!("{MODULES}/stats_over_http.so"));
    let resp = raw_request(
        p.port,
        b"GET /_stats HTTP/1.1\r\nHost: anything.example\r\nConnection: close\r\n\r\n",
    );
    let resp = String::from_utf8_lossy(&resp);
    // The plugin's own head (HTTP/1.0, no length: the body ends with its close), re-framed for
    // the HTTP/1.1 client.
    assert!(
        resp.starts_with("HTTP/1.1 200 OK\r\n"),
        "{resp}\n{}",
        p.stderr()
    );
    assert!(resp.contains("Content-Type: text/json\r\n"), "{resp}");
    assert!(resp.contains("Cache-Control: no-cache\r\n"), "{resp}");
    // Its JSON: the records dump (tshost has no process metrics yet: issue 21) and the version.
    assert!(resp.contains("{ \"global\": {"), "{resp}");
    assert!(resp.contains("\"server\": \"9.2.9\""), "{resp}");
    // Another path is not intercepted: no remap rule, 404 as usual.
    let other = raw_request(
        p.port,
        b"GET /other HTTP/1.1\r\nHost: anything.example\r\nConnection: close\r\n\r\n",
    );
    assert!(String::from_utf8_lossy(&other).starts_with("HTTP/1.1 404"));
    // HTTP/2.
    let url = format!("https://127.0.0.1:{}/_stats", p.tls_port);
    let (rc, body) = curl(&["-k", "--http2", &url]);
    let body = String::from_utf8_lossy(&body);
    assert_eq!(rc, 0, "{body}");
    assert!(body.contains("\"server\": \"9.2.9\""), "{body}");
}

#[test]
fn healthchecks_answers_from_its_status_file() {
    let dir = temp_dir("intercept-hc");
    let alive = dir.join("alive");
    std::fs::write(&alive, "I am alive\n").unwrap();
    let conf = dir.join("hc.conf");
    std::fs::write(
        &conf,
        format!("/__hc {} text/plain 200 403\n", alive.display()),
    )
    .unwrap();
    let (p, _o) = start(
        "intercept-hc",
        format!("{MODULES}/healthchecks.so {}", conf.display()),
    );
    let get = || {
        String::from_utf8_lossy(&raw_request(
            p.port,
            b"GET /__hc HTTP/1.1\r\nHost: lb.example\r\nConnection: close\r\n\r\n",
        ))
        .into_owned()
    };
    let resp = get();
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}\n{}", p.stderr());
    assert!(resp.contains("text/plain"), "{resp}");
    assert!(resp.ends_with("I am alive\n"), "{resp}");
    // The file goes: the plugin notices (inotify) and answers 403.
    std::fs::remove_file(&alive).unwrap();
    let end = std::time::Instant::now() + Duration::from_secs(10);
    let mut last = get();
    while !last.starts_with("HTTP/1.1 403") && std::time::Instant::now() < end {
        std::thread::sleep(Duration::from_millis(100));
        last = get();
    }
    assert!(last.starts_with("HTTP/1.1 403"), "{last}");
}

#[test]
fn generator_serves_bodies_of_the_size_asked_as_a_server_intercept() {
    let origin = Origin::start();
    let p = Proxy::start(
        "intercept-generator",
        &origin,
        Setup {
            remap: vec![format!(
                "map http://gen.example/ http://127.0.0.1:{}/ @plugin={MODULES}/generator.so",
                origin.port
            )],
            ..Setup::default()
        },
    );
    for size in [0usize, 1, 16384, 1_000_000] {
        let req = format!(
            "GET /nocache/{size} HTTP/1.1\r\nHost: gen.example\r\nConnection: close\r\n\r\n"
        );
        let resp = raw_request(p.port, req.as_bytes());
        let at = resp
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a head");
        let head = String::from_utf8_lossy(&resp[..at]);
        assert!(head.starts_with("HTTP/1.1 200"), "{head}\n{}", p.stderr());
        let body = &resp[at + 4..];
        assert_eq!(body.len(), size, "{head}\n{}", p.stderr());
        assert!(body.iter().all(|b| *b == b'x'), "generator's body is x's");
    }
}

/// An intercepting plugin that never answers holds its transaction no longer than
/// transaction_no_activity_timeout_out (a 504, as for a silent origin); other transactions go on
/// meanwhile, and the plugin hears EOS.
#[test]
fn a_silent_intercept_fails_at_the_no_activity_timeout() {
    let dir = temp_dir("intercept-stall");
    let so = dir.join("stall_intercept.so");
    common::build_plugin(
        &common::crate_dir().join("tests/c/stall_intercept.c"),
        &so,
        common::Header::Debian,
    );
    let origin = Origin::start();
    let p = Proxy::start(
        "intercept-stall",
        &origin,
        Setup {
            records: vec![
                "CONFIG proxy.config.http.transaction_no_activity_timeout_out INT 2".into(),
            ],
            plugins: vec![so.display().to_string()],
            ..Setup::default()
        },
    );
    common::proxy::stalled_request_gets_504(
        &p,
        b"GET / HTTP/1.1\r\nHost: example.com\r\nX-Stall: 1\r\nConnection: close\r\n\r\n",
        2,
    );
    assert!(
        p.wait_for_stderr("[stall_intercept] EOS", Duration::from_secs(5)),
        "{}",
        p.stderr()
    );
}
