//! tshost's own metrics (`proxy.process.*`) against what curl saw: completed requests, responses
//! by status class, client connections (HTTP/1.1, HTTP/2 over TLS), TLS handshakes, server
//! connections; read with `tshost ctl metric get` and served by Debian's unmodified
//! stats_over_http.so, which agree.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::proxy::{curl, metric, raw_request, Origin, Proxy, Setup};

/// Wait (bounded) until `name` reads `want`.
fn settles(dir: &Path, name: &str, want: i64) -> i64 {
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        let v = metric(dir, name);
        if v == want || Instant::now() > end {
            return v;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn metrics_count_what_curl_saw_and_stats_over_http_agrees() {
    let origin = Origin::start();
    let p = Proxy::start(
        "metrics",
        &origin,
        Setup {
            plugins: vec!["/usr/lib/trafficserver/modules/stats_over_http.so".into()],
            ..Default::default()
        },
    );
    let d = &p.dir;
    // 5 requests on one HTTP/1.1 connection, 2 on new ones; 2 that get a 404.
    let url = format!("http://127.0.0.1:{}/size/10", p.port);
    let many: Vec<&str> = std::iter::repeat_n(url.as_str(), 5).collect();
    let mut args = vec![
        "-H",
        "Host: example.com",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}\n",
    ];
    args.extend(many);
    let (rc, codes) = curl(&args);
    assert_eq!(
        (rc, String::from_utf8_lossy(&codes).matches("200").count()),
        (0, 5)
    );
    for _ in 0..2 {
        let r = raw_request(
            p.port,
            b"GET /size/3 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
        );
        assert!(r.starts_with(b"HTTP/1.1 200"));
    }
    for _ in 0..2 {
        let r = raw_request(
            p.port,
            b"GET / HTTP/1.1\r\nHost: nowhere.example\r\nConnection: close\r\n\r\n",
        );
        assert!(r.starts_with(b"HTTP/1.1 404"));
    }
    // 3 HTTP/2 connections over TLS, one request each.
    for _ in 0..3 {
        let u = format!("https://127.0.0.1:{}/size/7", p.tls_port);
        let (rc, body) = curl(&["-k", "--http2", "-H", "Host: example.com", &u]);
        assert_eq!((rc, body.len()), (0, 7));
    }
    assert_eq!(settles(d, "proxy.process.http.completed_requests", 12), 12);
    assert_eq!(metric(d, "proxy.process.http.incoming_requests"), 12);
    assert_eq!(metric(d, "proxy.process.http.2xx_responses"), 10);
    assert_eq!(metric(d, "proxy.process.http.4xx_responses"), 2);
    assert_eq!(metric(d, "proxy.process.http.5xx_responses"), 0);
    assert_eq!(metric(d, "proxy.process.http.200_responses"), 10);
    assert_eq!(metric(d, "proxy.process.http.404_responses"), 2);
    assert_eq!(metric(d, "proxy.process.http.get_requests"), 12);
    assert_eq!(metric(d, "proxy.process.http.post_requests"), 0);
    assert_eq!(metric(d, "proxy.process.http.total_client_connections"), 8);
    assert_eq!(metric(d, "proxy.process.http2.total_client_connections"), 3);
    assert_eq!(
        metric(d, "proxy.process.ssl.total_success_handshake_count_in"),
        3
    );
    assert_eq!(
        settles(d, "proxy.process.http.current_client_connections", 0),
        0
    );
    assert_eq!(
        settles(d, "proxy.process.http.current_client_transactions", 0),
        0
    );
    let servers = metric(d, "proxy.process.http.total_server_connections");
    assert!((1..=10).contains(&servers), "{servers}");
    // stats_over_http (an intercept: its own transaction is not complete while it answers).
    let r = raw_request(
        p.port,
        b"GET /_stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    let r = String::from_utf8_lossy(&r);
    assert!(
        r.contains("\"proxy.process.http.completed_requests\": \"12\""),
        "{r}"
    );
    assert!(
        r.contains("\"proxy.process.http.2xx_responses\": \"10\""),
        "{r}"
    );
    assert!(
        r.contains("\"proxy.process.http2.total_client_connections\": \"3\""),
        "{r}"
    );
    assert_eq!(settles(d, "proxy.process.http.completed_requests", 13), 13);
    assert_eq!(metric(d, "proxy.process.http.2xx_responses"), 11);
}

/// proxy.config.tshost.metrics_port: the same metrics in Prometheus's text format on
/// 127.0.0.1, agreeing with `tshost ctl`; another path is a 404.
#[test]
fn the_prometheus_endpoint_serves_the_same_counts() {
    let origin = Origin::start();
    let mport = common::proxy::free_port();
    let p = Proxy::start(
        "metrics-prometheus",
        &origin,
        Setup {
            records: vec![format!(
                "CONFIG proxy.config.tshost.metrics_port INT {mport}"
            )],
            ..Default::default()
        },
    );
    for _ in 0..3 {
        let r = raw_request(
            p.port,
            b"GET /size/3 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
        );
        assert!(r.starts_with(b"HTTP/1.1 200"));
    }
    assert_eq!(
        settles(&p.dir, "proxy.process.http.completed_requests", 3),
        3
    );
    let page = String::from_utf8_lossy(&raw_request(
        mport,
        b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
    ))
    .into_owned();
    assert!(page.starts_with("HTTP/1.1 200 OK"), "{page}");
    assert!(
        page.contains(
            "# TYPE proxy_process_http_completed_requests counter\nproxy_process_http_completed_requests 3\n"
        ),
        "{page}"
    );
    assert!(
        page.contains("# TYPE proxy_process_http_current_client_connections gauge\n"),
        "{page}"
    );
    let other = raw_request(mport, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(other.starts_with(b"HTTP/1.1 404"));
}

/// A client of the Prometheus endpoint that sends no request is let go after 5 s.
#[test]
fn a_silent_prometheus_client_is_let_go_after_5_s() {
    use std::io::Read;
    let origin = Origin::start();
    let mport = common::proxy::free_port();
    let _p = Proxy::start(
        "metrics-silent",
        &origin,
        Setup {
            records: vec![format!(
                "CONFIG proxy.config.tshost.metrics_port INT {mport}"
            )],
            ..Default::default()
        },
    );
    let t = Instant::now();
    let mut s = std::net::TcpStream::connect(("127.0.0.1", mport)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    let mut got = Vec::new();
    s.read_to_end(&mut got).unwrap();
    let took = t.elapsed();
    assert!(got.is_empty(), "closed without an answer: {got:?}");
    assert!(
        took >= Duration::from_millis(4900) && took < Duration::from_secs(10),
        "{took:?}"
    );
}

/// Per-plugin hook times: a plugin that holds READ_REQUEST_HDR for 50 ms (reenabling from
/// another continuation) and reenables SEND_RESPONSE_HDR at once. `tshost ctl metric match`
/// counts each hook's calls, the total held and the quantiles' buckets; the Prometheus endpoint
/// serves the same as one histogram per plugin and hook.
#[test]
fn hook_times_show_how_long_each_plugin_held_each_hook() {
    let dir = common::temp_dir("metrics-hook-time");
    let so = dir.join("hold_hook.so");
    common::build_plugin(
        &common::crate_dir().join("tests/c/hold_hook.c"),
        &so,
        common::Header::Debian,
    );
    let origin = Origin::start();
    let mport = common::proxy::free_port();
    let p = Proxy::start(
        "metrics-hook-time",
        &origin,
        Setup {
            records: vec![format!(
                "CONFIG proxy.config.tshost.metrics_port INT {mport}"
            )],
            plugins: vec![format!("{} 50", so.display())],
            ..Default::default()
        },
    );
    let started = Instant::now();
    for _ in 0..10 {
        let r = raw_request(
            p.port,
            b"GET /size/3 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
        );
        assert!(r.starts_with(b"HTTP/1.1 200"), "{}", p.stderr());
    }
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(500),
        "each request held 50 ms"
    );
    let base = "proxy.process.tshost.hook_time.hold_hook";
    assert_eq!(
        settles(&p.dir, &format!("{base}.read_request_hdr.calls"), 10),
        10
    );
    assert_eq!(
        metric(&p.dir, &format!("{base}.send_response_hdr.calls")),
        10
    );
    let held = metric(&p.dir, &format!("{base}.read_request_hdr.total_us"));
    assert!(
        (500_000..=took.as_micros() as i64).contains(&held),
        "10 holds of 50 ms: {held} us in {took:?}"
    );
    // 50 ms and a little: the bucket up to 100 ms.
    assert_eq!(
        metric(&p.dir, &format!("{base}.read_request_hdr.p50_us")),
        100_000
    );
    let quick = metric(&p.dir, &format!("{base}.send_response_hdr.p99_us"));
    assert!((1..=50_000).contains(&quick), "an inline reenable: {quick}");
    let (rc, out, _) = common::proxy::ctl(&p.dir, &["metric", "match", "hook_time.hold_hook"]);
    assert_eq!(rc, 0);
    assert_eq!(out.lines().count(), 8, "2 hooks x 4 values:\n{out}");
    // hook_trace (loaded by every test proxy) has its own, for every hook it was called on.
    assert_eq!(
        metric(
            &p.dir,
            "proxy.process.tshost.hook_time.hook_trace.txn_close.calls"
        ),
        10
    );
    let page = String::from_utf8_lossy(&raw_request(
        mport,
        b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
    ))
    .into_owned();
    assert!(
        page.contains("# TYPE tshost_plugin_hook_seconds histogram\n"),
        "{page}"
    );
    for line in [
        "tshost_plugin_hook_seconds_bucket{plugin=\"hold_hook\",hook=\"read_request_hdr\",le=\"0.05\"} 0\n",
        "tshost_plugin_hook_seconds_bucket{plugin=\"hold_hook\",hook=\"read_request_hdr\",le=\"0.1\"} 10\n",
        "tshost_plugin_hook_seconds_bucket{plugin=\"hold_hook\",hook=\"read_request_hdr\",le=\"+Inf\"} 10\n",
        "tshost_plugin_hook_seconds_count{plugin=\"hold_hook\",hook=\"read_request_hdr\"} 10\n",
        "tshost_plugin_hook_seconds_count{plugin=\"hold_hook\",hook=\"send_response_hdr\"} 10\n",
    ] {
        assert!(page.contains(line), "{line}\n{page}");
    }
}
