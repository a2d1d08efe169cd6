//! HTTP/2 client sessions on the real tshost binary (ALPN h2 on its TLS port): curl --http2,
//! nghttp, h2load and a raw-frame client (tests/h2/client.py, `pip install h2`) for what a
//! well-behaved client never sends. hook_trace is loaded and every test checks the trace's
//! invariants (per-stream TXN pairs, SSN_CLOSE last, starts == closes).
//!
//! Over 800 lines by design: each file under tests/ is its own test binary, which links all of
//! tshost; one binary per family of behaviours keeps `make test`'s build and link time down
//! (more, smaller files would each link the crate again). Its tests share one set of helpers.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use common::proxy::{
    count_events, fnv, pattern, rss_kb, run_with_timeout, txn_events, Origin, Proxy, Setup,
};
use common::{build_plugin, crate_dir, temp_dir, Header};
use serde_json::Value;

const SETTLE: Duration = Duration::from_secs(10);
const CMD_TIMEOUT: Duration = Duration::from_secs(30);

fn start(name: &str, origin: &Origin, records: &[&str], plugins: Vec<String>) -> Proxy {
    let mut r = vec![
        "CONFIG proxy.config.diags.debug.enabled INT 1".to_string(),
        "CONFIG proxy.config.diags.debug.tags STRING edit_plugin|http2".to_string(),
    ];
    r.extend(records.iter().map(|s| s.to_string()));
    Proxy::start(
        name,
        origin,
        Setup {
            records: r,
            plugins,
            ..Setup::default()
        },
    )
}

fn edit_plugin() -> PathBuf {
    static SO: OnceLock<PathBuf> = OnceLock::new();
    SO.get_or_init(|| {
        let so = temp_dir("h2-plugins").join("edit_plugin.so");
        build_plugin(
            &crate_dir().join("tests/c/edit_plugin.c"),
            &so,
            Header::Ours,
        );
        so
    })
    .clone()
}

/// The raw-frame client: client.py PORT MODE ARGS → its JSON report.
fn raw(proxy: &Proxy, mode: &str, args: &[&str]) -> Value {
    let script = crate_dir().join("tests/h2/client.py");
    let port = proxy.tls_port.to_string();
    let (rc, out, err) = run_with_timeout(
        Command::new("python3")
            .arg(&script)
            .arg(&port)
            .arg(mode)
            .args(args),
        b"",
        CMD_TIMEOUT,
    );
    assert_eq!(
        rc,
        0,
        "client.py {mode} {args:?} (pip install h2): {}\n{}",
        String::from_utf8_lossy(&err),
        String::from_utf8_lossy(&out)
    );
    serde_json::from_slice(&out)
        .unwrap_or_else(|e| panic!("client.py output {e}: {}", String::from_utf8_lossy(&out)))
}

/// curl --http2 to the TLS port: (exit code, stdout, stderr).
fn curl_h2(proxy: &Proxy, args: &[&str], paths: &[&str]) -> (i32, Vec<u8>, String) {
    let port = proxy.tls_port;
    let mut cmd = Command::new("curl");
    cmd.args([
        "-sS",
        "-k",
        "--http2",
        "--max-time",
        "25",
        "-H",
        "Host: example.com",
    ])
    .args(args);
    for p in paths {
        cmd.arg(format!("https://127.0.0.1:{port}{p}"));
    }
    let (rc, out, err) = run_with_timeout(&mut cmd, b"", CMD_TIMEOUT);
    (rc, out, String::from_utf8_lossy(&err).into_owned())
}

/// Memory stays bounded: at most this much growth over an abuse case. Well under every attack
/// it checks (the 12 MB the HPACK bomb decodes to, the 10 MB bodies stalled by a closed window,
/// the 32 MB of CONTINUATIONs offered), so keeping any of them would fail; over what a debug build
/// grows by anyway (seen over three runs of each: 1.1 to 2.9 MB, most of it the first connections'
/// one-time costs: TLS, the runtime's and the allocator's buffers), with 2 MB of margin.
const RSS_SLACK_KB: u64 = 5 * 1024;

fn assert_rss_bounded(proxy: &Proxy, before: u64, what: &str) {
    let after = rss_kb(proxy.pid());
    assert!(
        after <= before + RSS_SLACK_KB,
        "{what}: VmRSS {before} kB -> {after} kB"
    );
}

fn stream(v: &Value, sid: u32) -> &Value {
    &v["streams"][sid.to_string()]
}

const NO_ERROR: u64 = 0x0;
const PROTOCOL_ERROR: u64 = 0x1;
const REFUSED_STREAM: u64 = 0x7;
const CANCEL: u64 = 0x8;
const INTERNAL_ERROR: u64 = 0x2;
const ENHANCE_YOUR_CALM: u64 = 0xb;

/// Stream 1 of a client.py report was reset once no_activity_timeout_in (1 s) had passed: not
/// before it (a timer never fires early), and within 5 s of the start (seen: 1.7 s, the timeout
/// counting from the last DATA written; the rest is slack for a loaded 2-core machine).
fn assert_stalled_for_the_timeout(v: &Value) {
    let t = stream(v, 1)["t"].as_f64().unwrap();
    assert!((1.0..5.0).contains(&t), "reset after {t} s: {v}");
}

/// The trace of `sessions` sessions, settled and checked; every transaction is a TXN pair.
fn settled(proxy: &Proxy, sessions: usize) -> Vec<String> {
    let t = proxy.settled_trace(sessions, SETTLE);
    assert_eq!(
        t.last().map(|l| l.starts_with("SSN_CLOSE")),
        Some(true),
        "SSN_CLOSE last:\n{}",
        t.join("\n")
    );
    t
}

// ---- concurrency ----

#[test]
fn hundred_concurrent_streams_on_one_connection() {
    let origin = Origin::start();
    let proxy = start("h2-100", &origin, &[], vec![]);
    let paths: Vec<String> = (0..100).map(|i| format!("/size/{}", 1000 + i)).collect();
    let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
    let v = raw(&proxy, "get", &refs);
    for i in 0..100u32 {
        let s = stream(&v, 1 + 2 * i);
        assert_eq!(s["status"], 200, "stream {}: {s}", 1 + 2 * i);
        assert_eq!(s["len"], 1000 + i as u64, "{s}");
        assert_eq!(s["fnv"], fnv(&pattern(1000 + i as u64)), "{s}");
    }
    let t = settled(&proxy, 1);
    assert_eq!(count_events(&t, "SSN_START"), 1);
    assert_eq!(count_events(&t, "TXN_START"), 100);
    assert_eq!(count_events(&t, "TXN_CLOSE"), 100);
    // Every stream went the whole way through the state machine.
    for (txn, evs) in txn_events(&t) {
        assert_eq!(evs.first().map(String::as_str), Some("TXN_START"), "{txn}");
        assert_eq!(evs.last().map(String::as_str), Some("TXN_CLOSE"), "{txn}");
        assert!(
            evs.iter().any(|e| e == "SEND_RESPONSE_HDR"),
            "{txn}: {evs:?}"
        );
    }
}

#[test]
fn stream_held_by_plugin_does_not_stall_the_others() {
    let origin = Origin::start();
    let proxy = start(
        "h2-hold",
        &origin,
        &[],
        vec![format!("{} hold=500", edit_plugin().display())],
    );
    let v = raw(
        &proxy,
        "get",
        &["/hold", "/size/10", "/size/20", "/size/30"],
    );
    let held = stream(&v, 1);
    // /hold is answered by the origin's default page once released.
    assert_eq!(held["status"], 200, "{v}");
    let held_t = held["t"].as_f64().unwrap();
    // Held 500 ms by a nanosleep that began after the request was sent (the client's clock
    // starts before): never sooner.
    assert!(held_t >= 0.5, "held stream answered after {held_t} s");
    for sid in [3, 5, 7] {
        let s = stream(&v, sid);
        assert_eq!(s["status"], 200, "{s}");
        let t = s["t"].as_f64().unwrap();
        // The others do not wait for it: answered at least 200 ms before it (seen: 15 ms
        // against 509 ms; 300 ms of slack for a loaded 2-core machine).
        assert!(
            t < held_t - 0.2,
            "stream {sid} at {t} s, held one at {held_t} s"
        );
    }
    assert!(
        proxy.stderr().contains("hold released"),
        "{}",
        proxy.stderr()
    );
    let t = settled(&proxy, 1);
    assert_eq!(count_events(&t, "TXN_CLOSE"), 4);
}

#[test]
fn too_many_concurrent_streams_are_refused() {
    let origin = Origin::start();
    let proxy = start(
        "h2-refused",
        &origin,
        &["CONFIG proxy.config.http2.max_concurrent_streams_in INT 4"],
        vec![],
    );
    let paths = ["/slow/400"; 8];
    let v = raw(&proxy, "get", &paths);
    let (mut ok, mut refused) = (0, 0);
    for i in 0..8u32 {
        let s = stream(&v, 1 + 2 * i);
        if s["status"] == 200 {
            ok += 1;
        } else {
            assert_eq!(s["rst"], REFUSED_STREAM, "{v}");
            refused += 1;
        }
    }
    assert_eq!((ok, refused), (4, 4), "{v}");
    let t = settled(&proxy, 1);
    assert_eq!(
        count_events(&t, "TXN_START"),
        4,
        "refused streams never start"
    );
}

// ---- client resets and disconnects ----

#[test]
fn reset_of_one_stream_while_another_keeps_streaming() {
    let origin = Origin::start();
    let proxy = start("h2-rst-one", &origin, &[], vec![]);
    let big = 8 << 20;
    let v = raw(
        &proxy,
        "rst-one",
        &[&format!("/size/{big}"), &format!("/size/{big}")],
    );
    let s1 = stream(&v, 1);
    assert_eq!(s1["status"], 200, "{v}");
    assert_eq!(s1["len"], big, "{s1}");
    assert_eq!(s1["fnv"], fnv(&pattern(big)));
    assert_eq!(stream(&v, 5)["status"], 200, "{v}");
    assert_eq!(v["goaway"], Value::Null, "{v}");
    let t = settled(&proxy, 1);
    assert_eq!(count_events(&t, "TXN_CLOSE"), 3);
}

#[test]
fn client_goaway_and_tcp_reset_with_streams_open() {
    let origin = Origin::start();
    let proxy = start(
        "h2-goaway",
        &origin,
        &[],
        vec![format!("{} hold=800", edit_plugin().display())],
    );
    let paths = ["/slow/1000", "/size/50000000", "/hold", "/size/10"];
    raw(&proxy, "goaway", &paths);
    raw(&proxy, "tcp-reset", &paths);
    let t = settled(&proxy, 2);
    assert_eq!(count_events(&t, "TXN_START"), 8);
    // The proxy still serves.
    let (rc, out, err) = curl_h2(&proxy, &[], &["/size/100"]);
    assert_eq!((rc, out.len()), (0, 100), "{err}");
    settled(&proxy, 3);
}

// ---- abuse ----

#[test]
fn rapid_reset_gets_goaway_enhance_your_calm() {
    let origin = Origin::start();
    let proxy = start(
        "h2-rapid-reset",
        &origin,
        &["CONFIG proxy.config.http2.max_rst_stream_frames_per_minute INT 100"],
        vec![],
    );
    let before = rss_kb(proxy.pid());
    for _ in 0..3 {
        let v = raw(&proxy, "rapid-reset", &["2000"]);
        assert_eq!(v["goaway"], ENHANCE_YOUR_CALM, "{v}");
    }
    assert_rss_bounded(&proxy, before, "rapid reset");
    let t = settled(&proxy, 3);
    let starts = count_events(&t, "TXN_START");
    // No stream past the cap's RST_STREAM starts: on each connection the tap stops handing the
    // client's bytes to the h2 connection at the 101st RST_STREAM (client.py writes each frame
    // in a TLS record of its own and a TLS read returns one record), so at most the 101 streams
    // whose HEADERS came before it start. Which of those do is a race (a stream reset before the
    // h2 connection handed it out never starts): seen 0 or 101 per connection, 101 to 303 in all.
    assert!(starts <= 3 * (100 + 1), "{starts} transactions");
    // A well-behaved client is still served.
    let (rc, out, err) = curl_h2(&proxy, &[], &["/size/100"]);
    assert_eq!((rc, out.len()), (0, 100), "{err}");
    settled(&proxy, 4);
}

#[test]
fn rst_stream_cap_tolerates_exactly_max_rst_stream_frames_per_minute() {
    // The cap is "more than max_rst_stream_frames_per_minute in a minute" (ATS 9.2's
    // rcv_rst_stream_frame: count > configured max, GOAWAY ENHANCE_YOUR_CALM): 100 HEADERS +
    // RST_STREAM pairs leave the connection serving the next request; a 101st RST_STREAM ends it.
    let origin = Origin::start();
    let proxy = start(
        "h2-rst-cap",
        &origin,
        &["CONFIG proxy.config.http2.max_rst_stream_frames_per_minute INT 100"],
        vec![],
    );
    let v = raw(&proxy, "rapid-reset", &["100", "/size/10"]);
    assert_eq!(v["goaway"], Value::Null, "100 tolerated: {v}");
    let s = stream(&v, 201);
    assert_eq!((&s["status"], &s["len"]), (&200.into(), &10.into()), "{v}");
    let v = raw(&proxy, "rapid-reset", &["101", "/size/10"]);
    assert_eq!(v["goaway"], ENHANCE_YOUR_CALM, "the 101st: {v}");
    assert_eq!(stream(&v, 203)["status"], Value::Null, "{v}");
    settled(&proxy, 2);
}

#[test]
fn continuation_flood_gets_goaway_enhance_your_calm() {
    // A header block that never ends: small CONTINUATIONs (the h2 crate's cap on CONTINUATIONs
    // per block, 10 here), empty ones (the same cap) and 16 KB ones (decoded past 4 x
    // max_header_list_size) are each a connection error ENHANCE_YOUR_CALM. ATS 9.2 says the same
    // for a CONTINUATION flood (Http2ConnectionState.cc rcv_continuation_frame: "reset too frequent
    // CONTINUATION frames" past max_continuation_frames_per_minute, "header blocks too large" past
    // 2 x max_header_list_size, both HTTP2_ERROR_ENHANCE_YOUR_CALM).
    let origin = Origin::start();
    let proxy = start("h2-continuation", &origin, &[], vec![]);
    let before = rss_kb(proxy.pid());
    for (n, size) in [("100000", "100"), ("100000", "0"), ("2000", "16000")] {
        let v = raw(&proxy, "continuation", &[n, size]);
        assert_eq!(v["goaway"], ENHANCE_YOUR_CALM, "{n} x {size} bytes: {v}");
        assert_ne!(
            v["sent"].as_u64(),
            Some(n.parse().unwrap()),
            "all sent: {v}"
        );
    }
    assert_rss_bounded(&proxy, before, "CONTINUATION flood");
    let t = settled(&proxy, 3);
    assert_eq!(count_events(&t, "TXN_START"), 0);
}

#[test]
fn hpack_bomb_gets_goaway_enhance_your_calm() {
    let origin = Origin::start();
    let proxy = start("h2-hpack-bomb", &origin, &[], vec![]);
    let before = rss_kb(proxy.pid());
    // 4000-byte field referenced 3000 times: a 7 KB block decoding to 12 MB.
    let v = raw(&proxy, "hpack-bomb", &["4000", "3000"]);
    let s1 = stream(&v, 1);
    // Decoded past 4 x max_header_list_size (the h2 crate's abuse limit; 12 MB against 512 KB) the
    // block is not decoded further: a connection error ENHANCE_YOUR_CALM, the stream never
    // answered nor reset on its own. ATS 9.2 answers a decoded list over max_header_list_size
    // the same way (HTTP2.cc http2_decode_header_blocks: HPACK_ERROR_SIZE_EXCEEDED_ERROR is
    // HTTP2_ERROR_ENHANCE_YOUR_CALM; Http2ConnectionState.cc rcv_headers_frame makes it a
    // connection error, "recv headers enhance your calm").
    assert_eq!(v["goaway"], ENHANCE_YOUR_CALM, "{v}");
    assert_eq!(
        (&s1["status"], &s1["rst"]),
        (&Value::Null, &Value::Null),
        "{v}"
    );
    // A field list under the limit is served.
    let v = raw(&proxy, "hpack-bomb", &["1000", "20"]);
    assert_eq!(stream(&v, 1)["status"], 200, "{v}");
    assert_eq!(stream(&v, 3)["status"], 200, "{v}");
    assert_rss_bounded(&proxy, before, "HPACK bomb");
    settled(&proxy, 2);
}

#[test]
fn header_list_over_the_limit_but_under_four_times_it() {
    let origin = Origin::start();
    let proxy = start("h2-header-list", &origin, &[], vec![]);
    // 4000-byte field referenced 50 times: about 200 KB decoded, over max_header_list_size
    // (131072) and under four times it (the h2 crate's abuse limit).
    let v = raw(&proxy, "hpack-bomb", &["4000", "50"]);
    // A difference from ATS, documented in the README: tshost (the h2 crate) answers the stream
    // 431 Request Header Fields Too Large and keeps the connection, so the next stream is
    // served. ATS 9.2.9, asked with the same client.py run (2026-12-06), sends GOAWAY
    // ENHANCE_YOUR_CALM at once and answers no stream. Pinned so that a change is seen.
    assert_eq!(v["goaway"], Value::Null, "{v}");
    let s1 = stream(&v, 1);
    assert_eq!(
        (&s1["status"], &s1["rst"], &s1["end"]),
        (&Value::from(431), &Value::Null, &Value::Bool(true)),
        "{v}"
    );
    assert_eq!(stream(&v, 3)["status"], 200, "{v}");
    // The refused stream never becomes a transaction (the h2 crate answers it before the
    // request reaches tshost): plugins see one, the served stream.
    let t = settled(&proxy, 1);
    assert_eq!(count_events(&t, "TXN_START"), 1, "{}", t.join("\n"));
}

#[test]
fn settings_ping_and_priority_floods_get_goaway() {
    let origin = Origin::start();
    let proxy = start("h2-floods", &origin, &[], vec![]);
    let before = rss_kb(proxy.pid());
    for kind in ["settings", "ping", "priority"] {
        let v = raw(&proxy, "flood", &[kind, "100000"]);
        assert_eq!(
            v["goaway"],
            ENHANCE_YOUR_CALM,
            "{kind}: {v}\n{}",
            proxy.stderr()
        );
    }
    assert_rss_bounded(&proxy, before, "SETTINGS/PING/PRIORITY floods");
    settled(&proxy, 3);
}

#[test]
fn h2_goaway_reaches_a_client_that_keeps_sending() {
    // A client that floods without reading (300 PINGs, 2 ms apart: the cap of 60 a minute
    // trips at the 61st, the rest arrive after the GOAWAY) still gets the GOAWAY: the proxy
    // reads and drops its input for a while before closing (closing with unread input resets
    // the connection, and the client's read fails before the GOAWAY; seen 5/5 without it).
    let origin = Origin::start();
    let proxy = start("h2-linger", &origin, &[], vec![]);
    for _ in 0..2 {
        let v = raw(&proxy, "flood", &["ping", "300", "blind"]);
        assert_eq!(v["goaway"], ENHANCE_YOUR_CALM, "{v}");
    }
    settled(&proxy, 2);
}

#[test]
fn h2_flood_with_the_close_in_the_same_burst_ends_the_session() {
    // 200 PINGs and the client's close_notify in one TCP write: the PING cap trips in the middle
    // of the burst, and the tap, dropping the rest, reads the end of the connection. The session
    // ends there (a tap that kept reading past the end would spin and never close it): the
    // proxy's side closes cleanly and SSN_CLOSE comes, each time.
    let origin = Origin::start();
    let proxy = start("h2-burst-close", &origin, &[], vec![]);
    for _ in 0..3 {
        let v = raw(&proxy, "burst-close", &["200"]);
        assert_eq!(v["end"], "close_notify", "{v}");
    }
    settled(&proxy, 3);
    let (rc, out, err) = curl_h2(&proxy, &[], &["/size/100"]);
    assert_eq!((rc, out.len()), (0, 100), "{err}");
    settled(&proxy, 4);
}

#[test]
fn zero_window_stall_is_cancelled_after_no_activity_timeout() {
    let origin = Origin::start();
    let proxy = start(
        "h2-zero-window",
        &origin,
        &["CONFIG proxy.config.http2.no_activity_timeout_in INT 1"],
        vec![],
    );
    let before = rss_kb(proxy.pid());
    let v = raw(&proxy, "zero-window", &["/size/10000000", "6"]);
    let s1 = stream(&v, 1);
    assert_eq!(s1["status"], 200, "{v}");
    assert_eq!(s1["len"], 0, "no DATA through a zero window: {v}");
    // The stalled stream is given up after no_activity_timeout_in (1 s): RST_STREAM CANCEL (the
    // proxy no longer wants the stream, RFC 9113 7). (ATS 9.2 sends RST_STREAM NO_ERROR when its
    // HttpSM gives up, Http2ConnectionState::delete_stream; tshost says CANCEL.)
    assert_eq!(s1["rst"], CANCEL, "the stalled stream is ended: {v}");
    assert_stalled_for_the_timeout(&v);
    // Then the connection, without a stream, idles for another no_activity_timeout_in and is
    // closed gracefully: GOAWAY NO_ERROR.
    assert_eq!(v["goaway"], NO_ERROR, "{v}");
    // 2 x 1 s of timeouts, 6 s of slack for a loaded 2-core machine (seen: 2.7 s).
    assert!(v["elapsed"].as_f64().unwrap() < 8.0, "{v}");
    assert_rss_bounded(&proxy, before, "zero window");
    settled(&proxy, 1);
}

/// proxy.config.http2.active_timeout_in: a connection is closed gracefully (GOAWAY NO_ERROR) once
/// it has been open that long, busy or not; until then it serves its requests.
#[test]
fn h2_active_timeout_closes_the_connection_then_not_before() {
    let origin = Origin::start();
    let proxy = start(
        "h2-active",
        &origin,
        &["CONFIG proxy.config.http2.active_timeout_in INT 4"],
        vec![],
    );
    // Three requests 500 ms apart (the last sent after about 1 s, 3 s before the timeout: slack
    // for a loaded 2-core machine's slow answers), then the wait for the GOAWAY.
    let v = raw(&proxy, "spaced", &["500", "3"]);
    for sid in [1, 3, 5] {
        assert_eq!(stream(&v, sid)["status"], 200, "stream {sid}: {v}");
    }
    assert_eq!(v["goaway"], NO_ERROR, "{v}");
    // Timed from the client's end of the TLS handshake, a few ms before the proxy's start of the
    // session: at 4 s; up to 3 s late on a loaded machine.
    let at = v["goaway_t"].as_f64().unwrap_or(-1.0);
    assert!((3.9..7.0).contains(&at), "GOAWAY at {at} s: {v}");
    // Then the connection ends with TLS close_notify (the h2 connection shuts its I/O down), not
    // a bare FIN that a client could take for a truncation.
    assert_eq!(v["end"], "close_notify", "{v}");
    settled(&proxy, 1);
}

/// transaction_active_timeout_in bounds an HTTP/2 stream as it bounds an HTTP/1 transaction: a
/// request body that trickles on past it is cut off then.
#[test]
fn h2_stream_past_transaction_active_timeout_is_cut_off() {
    let origin = Origin::start();
    let proxy = start(
        "h2-txn-active",
        &origin,
        &["CONFIG proxy.config.http.transaction_active_timeout_in INT 2"],
        vec![],
    );
    // 100 bytes every 200 ms: the 5,000-byte body would take 10 s.
    let v = raw(&proxy, "trickle", &["5000", "200"]);
    let s = stream(&v, 1);
    // Given up at the deadline: RST_STREAM CANCEL, as a stream stalled past its no-activity
    // timeout (zero_window_stall_is_cancelled_after_no_activity_timeout), without a response.
    assert_eq!(s["rst"], CANCEL, "{v}");
    assert_eq!(s["status"], Value::Null, "{v}");
    assert!(v["sent"].as_u64().unwrap() < 5000, "{v}");
    // At 2 s (seen: 2.05 s); up to 3 s late on a loaded 2-core machine, far from the 10 s the
    // body would take.
    let t = s["t"].as_f64().unwrap_or(-1.0);
    assert!((1.9..5.0).contains(&t), "reset at {t} s: {v}");
    settled(&proxy, 1);
}

/// transaction_active_timeout_in 0 is no limit (as in ATS): a stream whose body takes a second
/// is answered.
#[test]
fn h2_transaction_active_timeout_zero_is_no_limit() {
    let origin = Origin::start();
    let proxy = start(
        "h2-txn-active-0",
        &origin,
        &["CONFIG proxy.config.http.transaction_active_timeout_in INT 0"],
        vec![],
    );
    let v = raw(&proxy, "trickle", &["1000", "100"]);
    let s = stream(&v, 1);
    assert_eq!(s["status"], 200, "{v}");
    assert!(
        s["text"]
            .as_str()
            .unwrap_or_default()
            .contains("body-bytes: 1000"),
        "{v}"
    );
    settled(&proxy, 1);
}

// ---- bodies, framing, trailers ----

#[test]
fn large_upload_and_download_checksummed() {
    let origin = Origin::start();
    let proxy = start("h2-bodies", &origin, &[], vec![]);
    let dir = temp_dir("h2-bodies");
    let up = pattern(6 << 20);
    let file = dir.join("up.bin");
    std::fs::write(&file, &up).unwrap();
    let (rc, out, err) = curl_h2(
        &proxy,
        &["--data-binary", &format!("@{}", file.display())],
        &["/echo"],
    );
    assert_eq!(rc, 0, "{err}");
    let echo = String::from_utf8_lossy(&out);
    assert!(
        echo.contains(&format!("body-bytes: {}", up.len())),
        "{echo}"
    );
    assert!(echo.contains(&format!("body-fnv: {}", fnv(&up))), "{echo}");
    let lower = echo.to_ascii_lowercase();
    assert!(!lower.contains("transfer-encoding"), "{echo}");
    assert!(
        lower.contains(&format!("content-length: {}", up.len())),
        "{echo}"
    );
    for path in ["/size/20000000", "/chunked/5000000"] {
        let n: u64 = path.rsplit('/').next().unwrap().parse().unwrap();
        let (rc, out, err) = curl_h2(&proxy, &[], &[path]);
        assert_eq!(rc, 0, "{err}");
        assert_eq!(out.len() as u64, n);
        assert_eq!(fnv(&out), fnv(&pattern(n)), "{path}");
    }
    settled(&proxy, 3);
}

#[test]
fn request_framing_to_the_origin_is_unambiguous() {
    let origin = Origin::start();
    let proxy = start("h2-framing", &origin, &[], vec![]);
    // Content-length agreeing with DATA: forwarded with that length.
    let v = raw(&proxy, "upload", &["30000", "30000"]);
    let s = stream(&v, 1);
    assert_eq!(s["status"], 200, "{v}");
    // DATA shorter or longer than content-length: a stream error, not a request.
    for (size, cl) in [("1000", "2000"), ("3000", "2000")] {
        let v = raw(&proxy, "upload", &[size, cl]);
        let s = stream(&v, 1);
        // Never answered (the echo answers only a whole body): just the reset.
        assert_eq!(s["status"], Value::Null, "{size} vs {cl}: {v}");
        assert_eq!(s["rst"], PROTOCOL_ERROR, "{size} vs {cl}: {v}");
    }
    // Connection-specific fields are malformed in HTTP/2 (RFC 9113 8.2.2).
    for field in [
        "transfer-encoding=chunked",
        "connection=keep-alive",
        "te=gzip",
    ] {
        let v = raw(&proxy, "upload", &["10", "-", field]);
        let s = stream(&v, 1);
        assert_eq!(s["status"], Value::Null, "{field}: {v}");
        assert_eq!(s["rst"], PROTOCOL_ERROR, "{field}: {v}");
    }
    // No content-length: chunked to the origin, by the proxy; the body arrives whole.
    let v = raw(&proxy, "upload", &["20000", "-"]);
    assert_eq!(stream(&v, 1)["status"], 200, "{v}");
    settled(&proxy, 7);
}

#[test]
fn h2_data_payload_is_never_taken_for_frames() {
    // The frame tap reads each frame's 24-bit length and skips the payload. A 768-byte DATA
    // frame (0x000300: a zero low byte) whose body is 85 PING frame headers is an upload like
    // any other: it reaches the origin whole, no GOAWAY (a tap that misread the length would
    // count 85 PINGs, past max_ping_frames_per_minute's 60, and send ENHANCE_YOUR_CALM).
    let origin = Origin::start();
    let proxy = start("h2-data-payload", &origin, &[], vec![]);
    let v = raw(&proxy, "upload", &["768", "768", "ping-body"]);
    let s = stream(&v, 1);
    assert_eq!(s["status"], 200, "{v}");
    let sent = v["sent_fnv"].as_str().unwrap();
    let echo = s["text"].as_str().unwrap();
    assert!(
        echo.ends_with(&format!("\r\n\r\nbody-bytes: 768\nbody-fnv: {sent}\n")),
        "{v}"
    );
    assert_eq!(v["goaway"], Value::Null, "{v}");
    settled(&proxy, 1);
}

/// What an HTTP/2 request may carry and what makes it malformed (RFC 9113 8.2.2, 8.3.1), beyond
/// what the h2 crate checks itself.
#[test]
fn h2_request_fields_accepted_and_refused() {
    let origin = Origin::start();
    let proxy = start("h2-fields", &origin, &[], vec![]);
    // Accepted: TE: trailers (hop-by-hop: not forwarded); content-length twice with one value
    // (forwarded once); a host field instead of :authority.
    for args in [
        &["10", "10", "te=trailers"][..],
        &["10", "10", "content-length=10"],
        &["10", "10", ":authority=", "host=example.com"],
    ] {
        let v = raw(&proxy, "upload", args);
        let s = stream(&v, 1);
        assert_eq!(s["status"], 200, "{args:?}: {v}");
        let seen = s["text"].as_str().unwrap_or_default().to_ascii_lowercase();
        assert!(seen.contains("body-bytes: 10\n"), "{args:?}: {v}");
        assert_eq!(
            seen.matches("content-length: 10\r\n").count(),
            1,
            "{args:?}: {v}"
        );
        assert!(!seen.contains("\r\nte:"), "{args:?}: {v}");
    }
    // Malformed: two different content-length values; neither :authority nor host. A stream
    // error, not a request.
    for args in [
        &["10", "10", "content-length=20"][..],
        &["10", "10", ":authority="],
    ] {
        let v = raw(&proxy, "upload", args);
        let s = stream(&v, 1);
        assert_eq!(s["status"], Value::Null, "{args:?}: {v}");
        assert_eq!(s["rst"], PROTOCOL_ERROR, "{args:?}: {v}");
    }
    // `:scheme: http` over TLS: a 400 on its stream, nothing to the origin (ATS 9.2's
    // ssl.client.scheme_proto_mismatch_policy 2, its default).
    let before = origin.count();
    let v = raw(&proxy, "upload", &["10", "10", ":scheme=http"]);
    assert_eq!(stream(&v, 1)["status"], 400, "{v}");
    assert_eq!(origin.count(), before, "{v}");
    settled(&proxy, 6);
}

/// Expect: 100-continue from an HTTP/2 client: the origin's 100 reaches it as an interim
/// response (a HEADERS frame with :status 100), and it then sends its body.
#[test]
fn h2_expect_100_continue_gets_the_interim_response() {
    let origin = Origin::start();
    let proxy = start("h2-expect", &origin, &[], vec![]);
    let v = raw(
        &proxy,
        "upload",
        &["5000", "5000", "expect=100-continue", "wait-100"],
    );
    let s = stream(&v, 1);
    assert_eq!(s["interim"], serde_json::json!([100]), "{v}");
    // The 100 came at once (seen: a few ms), not after the client's 5 s of waiting for it.
    assert!(s["waited"].as_f64().unwrap_or(9.0) < 3.0, "{v}");
    assert_eq!(s["status"], 200, "{v}");
    assert!(
        s["text"]
            .as_str()
            .unwrap_or_default()
            .contains("body-bytes: 5000\n"),
        "{v}"
    );
    settled(&proxy, 1);
}

/// An origin that dies mid-response (Content-Length or chunked): the HTTP/2 stream ends with
/// RST_STREAM INTERNAL_ERROR (never a clean END_STREAM, which would pass a truncated body for a
/// whole one; what was queued for the stream may be dropped with it), and the transaction counts
/// as aborted.
#[test]
fn h2_origin_dying_mid_body_resets_the_stream_with_internal_error() {
    let origin = Origin::start();
    let proxy = start("h2-origin-dies", &origin, &[], vec![]);
    let v = raw(&proxy, "get", &["/die/5000", "/die-chunked/5000"]);
    for sid in [1, 3] {
        let s = stream(&v, sid);
        assert_eq!(s["end"], false, "stream {sid}: {v}");
        assert_eq!(s["rst"], INTERNAL_ERROR, "stream {sid}: {v}");
    }
    let t = settled(&proxy, 1);
    let closes: Vec<_> = t.iter().filter(|l| l.starts_with("TXN_CLOSE")).collect();
    assert_eq!(closes.len(), 2, "{t:?}");
    assert!(closes.iter().all(|l| l.contains(" aborted=1")), "{t:?}");
}

#[test]
fn request_trailers() {
    let origin = Origin::start();
    let proxy = start("h2-trailers", &origin, &[], vec![]);
    let v = raw(&proxy, "upload", &["5000", "-", "trailers"]);
    let s = stream(&v, 1);
    assert_eq!(s["status"], 200, "{v}");
    // The request's trailer reached the origin (chunked, in its last chunk).
    let text = s["text"].as_str().unwrap_or_default();
    assert!(text.contains("trailer: x-trailer: t1"), "{v}");
    // The origin's trailer reaches the client (a trailer HEADERS frame).
    let v = raw(&proxy, "get", &["/trailers/3000"]);
    let s = stream(&v, 1);
    assert_eq!(s["status"], 200, "{v}");
    let sum = format!("{:016x}", {
        let data: Vec<u8> = (0..3000u64).map(|i| ((i * 31 + 7) % 251) as u8).collect();
        data.iter().fold(0xcbf29ce484222325u64, |h, b| {
            (h ^ *b as u64).wrapping_mul(0x100000001b3)
        })
    });
    assert_eq!(s["trailers"]["x-checksum"], sum.as_str(), "{v}");
    settled(&proxy, 2);
}

/// An origin for one request with a chunked body: it reads the head and the chunks, then for
/// 300 ms whatever else the proxy sends on the connection, and answers "body-bytes: N" and
/// "after-body: M" (bytes past the body's last chunk: none, unless the framing is broken).
fn chunked_tail_origin() -> u16 {
    use std::io::{BufRead, BufReader, Read, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let Ok((s, _)) = l.accept() else { return };
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut w = s.try_clone().unwrap();
        let mut r = BufReader::new(s);
        let mut line = String::new();
        while r.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
            line.clear();
        }
        let mut body = 0usize;
        loop {
            line.clear();
            r.read_line(&mut line).unwrap();
            let size = usize::from_str_radix(line.trim_end(), 16).expect("chunk size");
            let mut data = vec![0u8; size + 2];
            r.read_exact(&mut data).unwrap();
            body += size;
            if size == 0 {
                break; // its "\r\n": no trailers
            }
        }
        r.get_ref()
            .set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        let mut after = r.buffer().len();
        let mut buf = [0u8; 1024];
        while let Ok(n @ 1..) = r.get_mut().read(&mut buf) {
            after += n;
        }
        let text = format!("body-bytes: {body}\nafter-body: {after}\n");
        let _ = write!(
            w,
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
            text.len()
        );
    });
    port
}

/// An upload that ends with an empty DATA frame (END_STREAM, no payload), relayed chunked (it
/// has no content-length): the body's last chunk is sent once, and nothing follows it on the
/// origin connection (an empty piece written as a chunk would be a second last-chunk, taken by
/// the origin as the start of a next request).
#[test]
fn upload_ending_with_an_empty_data_frame_is_ended_once() {
    let origin = Origin::start();
    let port = chunked_tail_origin();
    let proxy = Proxy::start(
        "h2-empty-end",
        &origin,
        Setup {
            remap: vec![format!("map https://tail.test/ http://127.0.0.1:{port}/")],
            ..Setup::default()
        },
    );
    let v = raw(
        &proxy,
        "upload",
        &["20000", "-", ":authority=tail.test", "empty-end"],
    );
    let s = stream(&v, 1);
    assert_eq!(s["status"], 200, "{v}");
    assert_eq!(
        s["text"].as_str().unwrap_or_default(),
        "body-bytes: 20000\nafter-body: 0\n",
        "{v}"
    );
    settled(&proxy, 1);
}

// ---- tools ----

#[test]
fn nghttp_and_curl_http2() {
    let origin = Origin::start();
    let proxy = start("h2-tools", &origin, &[], vec![]);
    let (rc, out, err) = curl_h2(&proxy, &["-w", "%{http_version}"], &["/size/10"]);
    assert_eq!(rc, 0, "{err}");
    assert!(out.ends_with(b"2"), "{}", String::from_utf8_lossy(&out));
    let url = format!("https://127.0.0.1:{}/size/1000", proxy.tls_port);
    let (rc, out, err) = run_with_timeout(
        Command::new("nghttp").args([
            "-n",
            "-s",
            "-m",
            "20",
            "-H",
            ":authority: example.com",
            &url,
        ]),
        b"",
        CMD_TIMEOUT,
    );
    let out = String::from_utf8_lossy(&out);
    assert_eq!(
        rc,
        0,
        "nghttp (apt-get install nghttp2-client): {out}\n{}",
        String::from_utf8_lossy(&err)
    );
    assert!(!out.contains("RST_STREAM"), "{out}");
    let t = settled(&proxy, 2);
    assert_eq!(count_events(&t, "TXN_CLOSE"), 21);
}

fn h2load(proxy: &Proxy, n: u32) {
    let url = format!("https://127.0.0.1:{}/size/100", proxy.tls_port);
    let (rc, out, err) = run_with_timeout(
        Command::new("h2load").args([
            "-n",
            &n.to_string(),
            "-c",
            "10",
            "-m",
            "10",
            "-H",
            ":authority: example.com",
            &url,
        ]),
        b"",
        // The debug build serves 400-2,000 requests per second here depending on the machine's
        // load (2 cores shared with builds): 10,000 take 5-25 s; 120 s is room for a very busy
        // machine, and a hang still fails.
        Duration::from_secs(120),
    );
    let out = String::from_utf8_lossy(&out);
    assert_eq!(rc, 0, "h2load: {out}\n{}", String::from_utf8_lossy(&err));
    assert!(
        out.contains(&format!(
            "requests: {n} total, {n} started, {n} done, {n} succeeded, 0 failed, 0 errored"
        )),
        "{out}"
    );
}

/// The issue's `h2load -n 100000 -c 10 -m 10`, scaled to 10000 for the debug build under
/// `cargo test` (every one a transaction with its TXN_CLOSE); the full run is made by hand
/// against target/release/tshost.
#[test]
fn h2load_many_requests() {
    static ONE: Mutex<()> = Mutex::new(());
    let _g = ONE.lock().unwrap();
    let origin = Origin::start();
    let proxy = start("h2-h2load", &origin, &[], vec![]);
    let t0 = Instant::now();
    h2load(&proxy, 10000);
    eprintln!("h2load 10000 in {:?}", t0.elapsed());
    let t = proxy.settled_trace(10, Duration::from_secs(30));
    assert_eq!(count_events(&t, "TXN_CLOSE"), 10000);
}

#[test]
fn protocol_stack_seen_by_plugins_has_h2() {
    let origin = Origin::start();
    let proxy = start(
        "h2-probe",
        &origin,
        &[],
        vec![format!("{} probe", edit_plugin().display())],
    );
    let (rc, out, err) = curl_h2(
        &proxy,
        &["--tlsv1.3", "-D", "-", "-o", "/dev/null"],
        &["/size/10"],
    );
    assert_eq!(rc, 0, "{err}");
    let head = String::from_utf8_lossy(&out).to_ascii_lowercase();
    assert!(head.starts_with("http/2 200"), "{head}");
    // ATS 9.2 converts an HTTP/2 request to an HTTP/1.1 header (http2_convert_header_from_2_to_1_1)
    // and HttpSM::populate_client_protocol puts the request's version first, then the session's.
    assert!(
        head.contains("x-probe-stack: http/1.1,h2,tls/1.3,tcp,ipv4"),
        "{head}"
    );
    assert!(
        head.contains("x-probe-start-stack: http/1.0,h2,tls/1.3,tcp,ipv4"),
        "{head}"
    );
    assert!(
        head.contains("x-probe-ssn-stack: h2,tls/1.3,tcp,ipv4"),
        "{head}"
    );
    assert!(head.contains("x-probe-tls: tls/1.3 same-pointer"), "{head}");
    settled(&proxy, 1);
}

#[test]
fn graceful_stop_finishes_open_streams_then_closes() {
    let origin = Origin::start();
    let mut proxy = start("h2-stop", &origin, &[], vec![]);
    // Two streams open when SIGTERM arrives: both are answered, then GOAWAY; tshost exits 0.
    let port = proxy.tls_port.to_string();
    let client = std::thread::spawn(move || {
        let script = crate_dir().join("tests/h2/client.py");
        let out = Command::new("python3")
            .arg(&script)
            .arg(&port)
            .arg("get")
            .args(["/slow/800", "/slow/600"])
            .output()
            .unwrap();
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    });
    // SIGTERM once both streams are in flight (their TXN_STARTs are in the trace).
    let end = std::time::Instant::now() + Duration::from_secs(15);
    while proxy
        .trace_lines()
        .iter()
        .filter(|l| l.starts_with("TXN_START"))
        .count()
        < 2
        && std::time::Instant::now() < end
    {
        std::thread::sleep(Duration::from_millis(10));
    }
    let st = proxy.terminate(Duration::from_secs(10));
    let v = client.join().unwrap();
    assert_eq!(stream(&v, 1)["status"], 200, "{v}");
    assert_eq!(stream(&v, 3)["status"], 200, "{v}");
    assert_eq!(v["goaway"], 0, "GOAWAY NO_ERROR: {v}");
    assert!(
        st.is_some_and(|s| s.success()),
        "exit status {st:?}\n{}",
        proxy.stderr()
    );
    let t = settled(&proxy, 1);
    assert_eq!(
        t.iter().filter(|l| l.starts_with("TXN_CLOSE")).count(),
        2,
        "{}",
        t.join("\n")
    );
}

// ---- deadlines and limits on what the client sends ----

const COMPRESSION_ERROR: u64 = 0x9;
const SETTINGS_TIMEOUT: u64 = 0x4;

#[test]
fn h2_slow_window_updates_get_enhance_your_calm() {
    const BIG: &str = "/size/10000000";
    // The slow read: initial window 0, a large download (10 MB here: the debug-built
    // origin makes 50 MB slowly), 1-byte WINDOW_UPDATEs every 10 ms. With the default min_avg_window_update (2560.0, ATS's) the fifth update makes the
    // average of the last five too small: RST_STREAM ENHANCE_YOUR_CALM (the connection stays
    // and serves the next request). On the connection's window: GOAWAY ENHANCE_YOUR_CALM.
    let origin = Origin::start();
    let proxy = start("h2-slow-window", &origin, &[], vec![]);
    let before = rss_kb(proxy.pid());
    let v = raw(&proxy, "slow-window", &["stream", BIG]);
    let s1 = stream(&v, 1);
    assert_eq!(s1["status"], 200, "{v}");
    assert_eq!(s1["rst"], ENHANCE_YOUR_CALM, "{v}");
    // The fifth update comes 40 ms after the first: reset within 1 s of the first (seen: 42 ms;
    // the rest is slack for a loaded 2-core machine, still far below the 5 s the client would
    // go on for).
    let after = v["calm_after"].as_f64().unwrap();
    assert!(after < 1.0, "reset {after} s after the first update: {v}");
    assert_eq!(v["goaway"], Value::Null, "a stream error only: {v}");
    assert_eq!(
        stream(&v, 3)["status"],
        200,
        "the connection still serves: {v}"
    );
    assert_eq!(stream(&v, 3)["len"], 10, "{v}");
    let v = raw(&proxy, "slow-window", &["conn", BIG]);
    assert_eq!(v["goaway"], ENHANCE_YOUR_CALM, "{v}");
    // As for the stream (seen: 43 ms).
    let after = v["calm_after"].as_f64().unwrap();
    assert!(after < 1.0, "GOAWAY {after} s after the first update: {v}");
    assert_rss_bounded(&proxy, before, "slow WINDOW_UPDATEs");
    let t = settled(&proxy, 2);
    assert_eq!(count_events(&t, "TXN_CLOSE"), 3);
}

#[test]
fn h2_window_updates_averaging_below_the_minimum_reset_the_stream_once_and_at_it_not_at_all() {
    // min_avg_window_update (2560.0 by default, ATS's) against the average of a stream's last
    // five increments, compared with `<` as ATS: five of 1,000 (well above the 1-byte
    // increments of h2_slow_window_updates_get_enhance_your_calm) reset the stream with
    // ENHANCE_YOUR_CALM; 70 more small ones after the reset are not reported again (each report
    // of a stream no task takes any more would count toward the 64 past which the whole
    // connection is cut), and the connection goes on serving. Five of exactly 2,560 are not
    // below the minimum: the stream is served whole.
    let origin = Origin::start();
    let proxy = start("h2-avg-window", &origin, &[], vec![]);
    let v = raw(&proxy, "avg-window", &["1000", "5", "70", "/size/10000000"]);
    assert_eq!(v["rst_before_more"], ENHANCE_YOUR_CALM, "{v}");
    assert_eq!(stream(&v, 1)["rst"], ENHANCE_YOUR_CALM, "{v}");
    assert_eq!(
        v["goaway"],
        Value::Null,
        "a stream error only, reported once: {v}"
    );
    assert_eq!(stream(&v, 3)["status"], 200, "{v}");
    assert_eq!(stream(&v, 3)["len"], 10, "{v}");
    let v = raw(&proxy, "avg-window", &["2560", "5", "0", "/size/100000"]);
    assert_eq!(v["rst_before_more"], Value::Null, "{v}");
    let s1 = stream(&v, 1);
    assert_eq!(
        (&s1["status"], &s1["len"], &s1["end"], &s1["rst"]),
        (
            &Value::from(200),
            &Value::from(100000),
            &Value::Bool(true),
            &Value::Null
        ),
        "{v}"
    );
    assert_eq!(stream(&v, 3)["len"], 10, "{v}");
    assert_eq!(v["goaway"], Value::Null, "{v}");
    // An increment is read whole (all four bytes): 65,537 is 0x00010001, whose last byte alone
    // would be 1.
    let v = raw(&proxy, "avg-window", &["65537", "5", "0", "/size/100000"]);
    assert_eq!(v["rst_before_more"], Value::Null, "{v}");
    assert_eq!(stream(&v, 1)["len"], 100000, "{v}");
    assert_eq!(v["goaway"], Value::Null, "{v}");
    let t = settled(&proxy, 3);
    assert_eq!(count_events(&t, "TXN_CLOSE"), 6);
}

#[test]
fn h2_window_update_of_zero_is_a_protocol_error_not_a_small_increment() {
    // An increment of 0 is a PROTOCOL_ERROR (RFC 9113 6.9): on the connection a connection
    // error; on a stream the h2 crate makes it a connection error too, as nghttp2 does (the RFC
    // allows a stream error there). It is not counted as a (very) small increment: after four
    // of 1,000, a fifth of 0 would bring the average to 800, below min_avg_window_update, and
    // the answer could become ENHANCE_YOUR_CALM.
    let origin = Origin::start();
    let proxy = start("h2-zero-increment", &origin, &[], vec![]);
    let v = raw(&proxy, "zero-increment", &["conn"]);
    assert_eq!(v["goaway"], PROTOCOL_ERROR, "{v}");
    let v = raw(&proxy, "zero-increment", &["stream"]);
    assert_eq!(v["goaway"], PROTOCOL_ERROR, "{v}");
    assert_eq!(stream(&v, 1)["rst"], Value::Null, "{v}");
    settled(&proxy, 2);
}

#[test]
fn h2_window_update_history_of_a_stream_outlives_255_other_streams() {
    // The increments of 256 streams are remembered (the lowest id is forgotten first when a
    // 257th comes). Stream 1 gets one update of 1,000, then 255 other streams are answered and
    // get one each (the table is now full), then stream 1 gets four more: its last five
    // average 1,000, below the minimum, so it is reset with ENHANCE_YOUR_CALM. Forgetting
    // stream 1 on the way (too early, or on an update of a stream already known) would let it
    // go on.
    let origin = Origin::start();
    let proxy = start("h2-evict-window", &origin, &[], vec![]);
    let v = raw(&proxy, "evict-window", &["255", "/size/10000000"]);
    assert_eq!(v["answered"], 255, "{v}");
    assert_eq!(stream(&v, 1)["status"], 200, "{v}");
    assert_eq!(stream(&v, 1)["rst"], ENHANCE_YOUR_CALM, "{v}");
    assert_eq!(v["goaway"], Value::Null, "{v}");
    let t = settled(&proxy, 1);
    assert_eq!(count_events(&t, "TXN_CLOSE"), 256);
}

#[test]
fn h2_header_block_never_finished_is_closed() {
    // A header block left open (HEADERS without END_HEADERS, then nothing; CONTINUATIONs that
    // never end it, dripped slower than any flood cap; a HEADERS frame cut short) is closed
    // once incomplete_header_timeout_in has passed since it began, with GOAWAY
    // COMPRESSION_ERROR as ATS (the HPACK state is lost with the block).
    let origin = Origin::start();
    let proxy = start(
        "h2-incomplete-header",
        &origin,
        &["CONFIG proxy.config.http2.incomplete_header_timeout_in INT 1"],
        vec![],
    );
    for how in ["open", "drip", "partial"] {
        let v = raw(&proxy, "hdr-stall", &[how, "6"]);
        assert_eq!(v["goaway"], COMPRESSION_ERROR, "{how}: {v}");
        // At the 1 s deadline (seen: 1.01 to 1.05 s), counted from when the block was seen open,
        // a little after the client's clock started (hence 0.9); 2 s of slack for a loaded
        // 2-core machine.
        let t = v["elapsed"].as_f64().unwrap();
        assert!((0.9..3.0).contains(&t), "{how}: closed after {t} s: {v}");
        if how == "drip" {
            assert!(v["drips"].as_u64().unwrap() >= 2, "{v}");
        }
    }
    let t = settled(&proxy, 3);
    assert_eq!(count_events(&t, "TXN_START"), 0);
    // A well-behaved client is still served.
    let (rc, out, err) = curl_h2(&proxy, &[], &["/size/100"]);
    assert_eq!((rc, out.len()), (0, 100), "{err}");
    settled(&proxy, 4);
    // A block split over HEADERS and a CONTINUATION with END_HEADERS (one with the rest of the
    // block, or an empty one) is finished: no deadline runs on after it (2.5 s: past the 1 s
    // one, with slack), and the connection serves on.
    for (i, how) in ["split", "split-empty"].into_iter().enumerate() {
        let v = raw(&proxy, "hdr-stall", &[how, "2.5"]);
        assert_eq!(v["goaway"], Value::Null, "{how}: {v}");
        assert_eq!(stream(&v, 1)["len"], 10, "{how}: {v}");
        assert_eq!(stream(&v, 3)["len"], 10, "{how}: {v}");
        settled(&proxy, 5 + i);
    }
}

#[test]
fn h2_header_block_deadline_holds_whatever_the_settings_deadline() {
    // The header-block deadline (1 s here) shares one timer with the SETTINGS-ACK deadline:
    // it is kept when the ACK deadline is off, and it moves the timer forward when the ACK
    // deadline (5 s) is still pending (the client never acknowledges).
    let origin = Origin::start();
    for (ack, args) in [
        ("0", &["open", "4"][..]),
        ("5", &["open", "4", "noack"][..]),
    ] {
        let proxy = start(
            "h2-header-deadline",
            &origin,
            &[
                "CONFIG proxy.config.http2.incomplete_header_timeout_in INT 1",
                &format!("CONFIG proxy.config.http2.settings_ack_timeout_in INT {ack}"),
            ],
            vec![],
        );
        let v = raw(&proxy, "hdr-stall", args);
        assert_eq!(v["goaway"], COMPRESSION_ERROR, "ACK deadline {ack}: {v}");
        // As in h2_header_block_never_finished_is_closed (seen: about 1.0 s); well before the
        // 5 s ACK deadline.
        let t = v["elapsed"].as_f64().unwrap();
        assert!(
            (0.9..3.0).contains(&t),
            "ACK deadline {ack}: closed after {t} s: {v}"
        );
        settled(&proxy, 1);
    }
}

#[test]
fn h2_settings_never_acked_times_out() {
    // A client that never acknowledges the proxy's SETTINGS while it opens stream after stream
    // (500, 10 ms apart) is cut off with GOAWAY SETTINGS_TIMEOUT once
    // settings_ack_timeout_in has passed (RFC 9113 6.5.3).
    let origin = Origin::start();
    let proxy = start(
        "h2-settings-timeout",
        &origin,
        &["CONFIG proxy.config.http2.settings_ack_timeout_in INT 1"],
        vec![],
    );
    let v = raw(&proxy, "no-ack", &["500", "0.01"]);
    assert_eq!(v["goaway"], SETTINGS_TIMEOUT, "{v}");
    // Streams are served while the ACK is awaited (seen: 69 within the second; how many depends
    // on the machine's speed), and the connection is cut at the deadline, not once all 500 were
    // sent (that alone takes 5 s of intervals).
    let answered = v["answered"].as_u64().unwrap();
    assert!((1..500).contains(&answered), "{v}");
    // At the 1 s deadline, counted from the connection's start, a little before the client's
    // clock (seen: 1.005 s); 2 s of slack for a loaded 2-core machine.
    let t = v["elapsed"].as_f64().unwrap();
    assert!((0.9..3.0).contains(&t), "cut off after {t} s: {v}");
    settled(&proxy, 1);
    // One that acknowledges is served past the deadline.
    let v = raw(&proxy, "get", &["/slow/1500", "/size/10"]);
    assert_eq!(stream(&v, 1)["status"], 200, "{v}");
    assert_eq!(v["goaway"], Value::Null, "{v}");
    settled(&proxy, 2);
}

#[test]
fn h2_zero_connection_window_stall_is_cancelled_after_no_activity_timeout() {
    // Waiting for window is bounded whichever window is at 0: here the connection's (the
    // stream's is large), never updated. The stream ends after no_activity_timeout_in.
    let origin = Origin::start();
    let proxy = start(
        "h2-zero-conn-window",
        &origin,
        &[
            "CONFIG proxy.config.http2.no_activity_timeout_in INT 1",
            "CONFIG proxy.config.http2.min_avg_window_update FLOAT 0.0",
        ],
        vec![],
    );
    let v = raw(&proxy, "zero-conn-window", &["/size/10000000", "6"]);
    let s1 = stream(&v, 1);
    assert_eq!(s1["status"], 200, "{v}");
    assert_eq!(s1["len"], 65535, "one connection window's worth: {v}");
    // As for a stream window at 0 (zero_window_stall_is_cancelled_after_no_activity_timeout).
    assert_eq!(s1["rst"], CANCEL, "the stalled stream is ended: {v}");
    assert_stalled_for_the_timeout(&v);
    settled(&proxy, 1);
}

// ---- a client that leaves while the origin works ----

/// Established connections the origin holds (its side of them: local port `port`), read from
/// /proc/net/tcp.
fn origin_connections(port: u16) -> usize {
    let local = format!(":{port:04X}");
    std::fs::read_to_string("/proc/net/tcp")
        .unwrap_or_default()
        .lines()
        .skip(1)
        .filter(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.len() > 3 && f[1].ends_with(&local) && f[3] == "01"
        })
        .count()
}

/// Poll `f` every 5 ms until it is true; how long that took (None: not within `limit`).
fn time_until(limit: Duration, mut f: impl FnMut() -> bool) -> Option<Duration> {
    let t0 = Instant::now();
    while t0.elapsed() < limit {
        if f() {
            return Some(t0.elapsed());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    f().then(|| t0.elapsed())
}

/// What a client that leaves was seen to cause, timed from its leaving.
struct Leaving {
    txn_closes: Duration,
    ssn_close: Option<Duration>,
    origin_released: Duration,
    client: Value,
}

/// client.py `cancel HOW N PATH HOLD`: once the N requests hold N origin connections, the
/// client leaves (every stream reset, or the TCP connection reset); then the N TXN_CLOSEs, the
/// SSN_CLOSE (within `ssn_within`) and the origin connections' release are timed.
fn leave_while_origin_works(
    proxy: &Proxy,
    origin: &Origin,
    how: &str,
    n: usize,
    ssn_within: Duration,
) -> Leaving {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::Stdio;
    let script = crate_dir().join("tests/h2/client.py");
    let mut child = Command::new("python3")
        .arg(&script)
        .arg(proxy.tls_port.to_string())
        .args(["cancel", how, &n.to_string(), "/slow/8000", "1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "open", "client.py: {line}");
    let held = time_until(Duration::from_secs(15), || {
        origin_connections(origin.port) >= n
            && count_events(&proxy.trace_lines(), "SEND_REQUEST_HDR") >= n
    });
    assert!(
        held.is_some(),
        "{} origin connections\n{}",
        origin_connections(origin.port),
        proxy.trace_lines().join("\n")
    );
    // The requests are written once SEND_REQUEST_HDR is done; give them a moment to arrive.
    std::thread::sleep(Duration::from_millis(200));
    let closes = || count_events(&proxy.trace_lines(), "TXN_CLOSE");
    assert_eq!(closes(), 0, "nothing closed before the client left");
    child.stdin.take().unwrap().write_all(b"go\n").unwrap();
    let t0 = Instant::now();
    let txn_closes = time_until(Duration::from_secs(12), || closes() >= n)
        .unwrap_or_else(|| panic!("{} TXN_CLOSEs of {n}", closes()));
    let origin_released = time_until(Duration::from_secs(12), || {
        origin_connections(origin.port) == 0
    })
    .map(|_| t0.elapsed())
    .unwrap_or_else(|| {
        panic!(
            "{} origin connections left",
            origin_connections(origin.port)
        )
    });
    let ssn_close = time_until(ssn_within, || {
        count_events(&proxy.trace_lines(), "SSN_CLOSE") >= 1
    })
    .map(|_| t0.elapsed());
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    let _ = child.wait();
    let client = serde_json::from_str(rest.trim()).unwrap_or(Value::Null);
    eprintln!(
        "{how} x{n}: TXN_CLOSEs after {txn_closes:?}, origin released after \
         {origin_released:?}, SSN_CLOSE after {ssn_close:?}"
    );
    Leaving {
        txn_closes,
        ssn_close,
        origin_released,
        client,
    }
}

/// Every transaction ended without a response: no response hooks, and TSHttpTxnAborted true at
/// TXN_CLOSE (hook_trace's `aborted=`).
fn assert_aborted_without_response(proxy: &Proxy, n: usize) {
    let t = proxy.trace_lines();
    for (txn, evs) in txn_events(&t) {
        assert!(
            !evs.iter()
                .any(|e| e == "READ_RESPONSE_HDR" || e == "SEND_RESPONSE_HDR"),
            "{txn}: {evs:?}"
        );
    }
    let aborted = t
        .iter()
        .filter(|l| l.starts_with("TXN_CLOSE") && l.contains(" aborted=1"))
        .count();
    assert_eq!(
        aborted,
        n,
        "TSHttpTxnAborted at TXN_CLOSE:\n{}",
        t.join("\n")
    );
}

#[test]
fn h2_rst_stream_while_origin_slow_closes_txn_at_once_aborted() {
    let origin = Origin::start();
    let proxy = start("h2-rst-slow", &origin, &[], vec![]);
    let l = leave_while_origin_works(&proxy, &origin, "rst", 1, Duration::from_secs(5));
    // "At once": the origin would answer only after 8 s. Seen: TXN_CLOSE 0.07 ms and the origin
    // connection closed 10 ms after the RST_STREAM; the bounds leave slack for a loaded 2-core
    // machine and are still far from the origin's 8 s.
    assert!(
        l.txn_closes < Duration::from_millis(500),
        "TXN_CLOSE {:?} after RST_STREAM",
        l.txn_closes
    );
    assert!(
        l.origin_released < Duration::from_secs(1),
        "{:?}",
        l.origin_released
    );
    assert_eq!(l.client["goaway"], Value::Null, "{}", l.client);
    assert_aborted_without_response(&proxy, 1);
    settled(&proxy, 1);
}

#[test]
fn h2_connection_reset_while_origin_slow_closes_txn_and_ssn_at_once() {
    let origin = Origin::start();
    let proxy = start("h2-reset-slow", &origin, &[], vec![]);
    let l = leave_while_origin_works(&proxy, &origin, "tcp-reset", 1, Duration::from_secs(10));
    // Seen: TXN_CLOSE 5 ms, SSN_CLOSE and the origin connection closed 20 ms after the reset;
    // the bounds as in h2_rst_stream_while_origin_slow_closes_txn_at_once_aborted.
    assert!(
        l.txn_closes < Duration::from_millis(500),
        "TXN_CLOSE {:?} after the reset",
        l.txn_closes
    );
    let ssn = l.ssn_close.expect("SSN_CLOSE");
    assert!(
        ssn < Duration::from_millis(500),
        "SSN_CLOSE {ssn:?} after the reset"
    );
    assert!(
        l.origin_released < Duration::from_secs(1),
        "{:?}",
        l.origin_released
    );
    assert_aborted_without_response(&proxy, 1);
    settled(&proxy, 1);
}

#[test]
fn h2_hundred_cancelled_streams_release_their_origin_connections() {
    let origin = Origin::start();
    let proxy = start("h2-cancel-100", &origin, &[], vec![]);
    let l = leave_while_origin_works(&proxy, &origin, "rst", 100, Duration::from_secs(5));
    // Seen: the 100 TXN_CLOSEs 35 ms and the origin connections closed 48 ms after the resets;
    // twice the one-stream bounds for 100 of them on a loaded 2-core machine, far from 8 s.
    assert!(
        l.txn_closes < Duration::from_secs(1),
        "100 TXN_CLOSEs {:?} after the resets",
        l.txn_closes
    );
    assert!(
        l.origin_released < Duration::from_secs(2),
        "origin connections released {:?} after the resets",
        l.origin_released
    );
    assert_aborted_without_response(&proxy, 100);
    let t = settled(&proxy, 1);
    assert_eq!(count_events(&t, "TXN_CLOSE"), 100);
}
