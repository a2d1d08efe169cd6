//! ATS 9.2.9's example plugins that move bodies (`example/plugins/c-api/` of the source Debian
//! built its package from), built against tshost's headers alone (`common::ats::build_example`)
//! and run end to end over HTTP/1.1 and HTTP/2 (TLS, curl --http2), with bodies of 0 bytes,
//! 1 byte, 16 KiB and, for one transform, 64 MiB with the resident set bounded.
//!
//! What ATS does was seen on Debian's ATS 9.2.9 with the same plugins (built against these
//! headers: the ABI is ATS's) and the same tshost-origin (2026-12-07); each test says it where
//! it asserts it.
mod common;

use std::time::Duration;

use common::ats::build_example;
use common::proxy::{curl, pattern, raw_request, Origin, Proxy, Setup};
use common::temp_dir;

/// The body sizes every plugin is run with (the 64 MiB one apart).
const SIZES: [u64; 3] = [0, 1, 16384];

/// Split a raw HTTP/1.1 response: (head, body with chunked framing removed).
fn split(resp: &[u8]) -> (String, Vec<u8>) {
    let at = resp
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head");
    let head = String::from_utf8_lossy(&resp[..at]).into_owned();
    let mut rest = &resp[at + 4..];
    if !head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        return (head, rest.to_vec());
    }
    let mut body = Vec::new();
    loop {
        let nl = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("a chunk size");
        let n =
            usize::from_str_radix(std::str::from_utf8(&rest[..nl]).unwrap().trim(), 16).unwrap();
        rest = &rest[nl + 2..];
        if n == 0 {
            return (head, body);
        }
        body.extend_from_slice(&rest[..n]);
        rest = &rest[n + 2..];
    }
}

/// GET `path` for example.com over HTTP/1.1 (the connection closed after it).
fn get1(p: &Proxy, path: &str, extra: &str) -> (String, Vec<u8>) {
    let req =
        format!("GET {path} HTTP/1.1\r\nHost: example.com\r\n{extra}Connection: close\r\n\r\n");
    split(&raw_request(p.port, req.as_bytes()))
}

/// GET `path` for example.com over HTTP/2 with curl: (head as curl wrote it, body).
fn get2(p: &Proxy, dir: &std::path::Path, path: &str, extra: &[&str]) -> (String, Vec<u8>) {
    let head_file = dir.join("h2-head");
    let url = format!("https://127.0.0.1:{}{path}", p.tls_port);
    let mut args = vec![
        "-k",
        "--http2",
        "-sS",
        "-H",
        "Host: example.com",
        "-D",
        head_file.to_str().unwrap(),
    ];
    for e in extra {
        args.extend(["-H", e]);
    }
    args.push(&url);
    let (rc, body) = curl(&args);
    assert_eq!(rc, 0, "curl {path}\n{}", p.stderr());
    let head = std::fs::read_to_string(&head_file).unwrap();
    assert!(head.starts_with("HTTP/2 "), "{head}");
    (head, body)
}

/// The value of `name` in a head (case-insensitive), if there.
fn field(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_string())
    })
}

fn start(name: &str, origin: &Origin, plugins: Vec<String>, debug_tags: &str) -> Proxy {
    let mut records = Vec::new();
    if !debug_tags.is_empty() {
        records.push("CONFIG proxy.config.diags.debug.enabled INT 1".into());
        records.push(format!(
            "CONFIG proxy.config.diags.debug.tags STRING {debug_tags}"
        ));
    }
    Proxy::start(
        name,
        origin,
        Setup {
            records,
            plugins,
            ..Setup::default()
        },
    )
}

/// append_transform appends its file to 200 text/html bodies. On ATS the client gets
/// `Content-Length: N + file length` (the transform's TSVConnWrite announces it, and ATS's
/// TransformTerminus passes that length on as the response's), over HTTP/1.1 and HTTP/2; a body
/// of 0 bytes becomes the file alone; a body that is not text/html is not transformed (the
/// origin's Content-Length).
#[test]
fn append_transform_appends_the_file_to_html_bodies_over_http1_and_http2() {
    let dir = temp_dir("ex-append");
    let so = build_example("append_transform/append_transform.c", &dir);
    let file = dir.join("append.txt");
    let text: &[u8] = b"<p>appended by the plugin</p>\n";
    std::fs::write(&file, text).unwrap();
    let origin = Origin::start();
    let p = start(
        "ex-append",
        &origin,
        vec![format!("{} {}", so.display(), file.display())],
        "",
    );
    for n in SIZES {
        let mut want = pattern(n);
        want.extend_from_slice(text);
        let len = want.len().to_string();
        let (head, body) = get1(&p, &format!("/html/{n}"), "");
        assert!(head.starts_with("HTTP/1.1 200"), "{head}\n{}", p.stderr());
        assert_eq!(field(&head, "content-length"), Some(len.clone()), "{head}");
        assert!(body == want, "/html/{n}: {} bytes", body.len());
        let (head, body) = get2(&p, &dir, &format!("/html/{n}"), &[]);
        assert_eq!(field(&head, "content-length"), Some(len), "{head}");
        assert!(body == want, "HTTP/2 /html/{n}: {} bytes", body.len());
        // Not text/html: as the origin sent it.
        let (head, body) = get1(&p, &format!("/size/{n}"), "");
        assert_eq!(
            field(&head, "content-length"),
            Some(n.to_string()),
            "{head}"
        );
        assert!(body == pattern(n));
    }
    // HEAD: the plugin adds its transform, which gets no body; tshost closes it at the
    // transaction's end (ATS's transform_cleanup) and the plugin frees it. (ATS 9.2.9 runs the
    // transform on the empty body and answers `Content-Length: 16`, the file's length; tshost
    // keeps the origin's length: a known difference, not asserted here.)
    let r = raw_request(
        p.port,
        b"HEAD /html/5 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
    );
    let r = String::from_utf8_lossy(&r);
    assert!(
        r.starts_with("HTTP/1.1 200") && r.ends_with("\r\n\r\n"),
        "{r}"
    );
    let (_, body) = get1(&p, "/html/1", "");
    assert_eq!(body.len(), 1 + text.len());
}

/// bnull_transform takes the whole body, then gives it out in one TSVConnWrite of its length:
/// on ATS the client gets the body unchanged with that length as Content-Length when the origin
/// sent a length, and chunked (HTTP/1.1) when the origin sent it chunked (the origin's
/// Transfer-Encoding stays on the transformed response); a 404 is not transformed.
#[test]
fn bnull_transform_buffers_the_whole_body_and_passes_it_on_unchanged() {
    let dir = temp_dir("ex-bnull");
    let so = build_example("bnull_transform/bnull_transform.c", &dir);
    let origin = Origin::start();
    let p = start("ex-bnull", &origin, vec![so.display().to_string()], "");
    for n in SIZES {
        let (head, body) = get1(&p, &format!("/size/{n}"), "");
        assert!(head.starts_with("HTTP/1.1 200"), "{head}\n{}", p.stderr());
        assert_eq!(
            field(&head, "content-length"),
            Some(n.to_string()),
            "{head}"
        );
        assert!(body == pattern(n), "/size/{n}: {} bytes", body.len());
        let (head, body) = get1(&p, &format!("/chunked/{n}"), "");
        assert_eq!(
            field(&head, "transfer-encoding").as_deref(),
            Some("chunked")
        );
        assert_eq!(field(&head, "content-length"), None, "{head}");
        assert!(body == pattern(n), "/chunked/{n}: {} bytes", body.len());
        let (head, body) = get2(&p, &dir, &format!("/size/{n}"), &[]);
        assert_eq!(
            field(&head, "content-length"),
            Some(n.to_string()),
            "{head}"
        );
        assert!(body == pattern(n), "HTTP/2 /size/{n}: {} bytes", body.len());
    }
    let (head, body) = get1(&p, "/status/404", "");
    assert!(head.starts_with("HTTP/1.1 404"), "{head}");
    assert_eq!(field(&head, "content-length").as_deref(), Some("7"));
    assert_eq!(body, b"status\n");
}

/// output_header prints the client request's MIME fields (TSMimeHdrPrint) to the debug log at
/// OS_DNS, where on ATS the Host field is already the remapped origin's. Over HTTP/2 ATS prints
/// the fields of the request it made from the HEADERS frame (the pseudo-headers gone, Host
/// last, from :authority; a field name ATS knows spelt its way). The transaction goes on unchanged.
#[test]
fn output_header_prints_the_client_request_fields_to_the_debug_log() {
    let dir = temp_dir("ex-output-header");
    let so = build_example("output_header/output_header.c", &dir);
    let origin = Origin::start();
    let p = start(
        "ex-output-header",
        &origin,
        vec![so.display().to_string()],
        "output_header",
    );
    // (The test reads tshost's stderr by lines: the fields' CRLFs come as LFs.)
    let host = format!("Host: 127.0.0.1:{}\n", origin.port);
    let (head, body) = get1(&p, "/size/5", "X-First: one\r\nX-Second: two\r\n");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(body == pattern(5));
    let want = format!("{host}X-First: one\nX-Second: two\nConnection: close\n\n");
    assert!(
        p.wait_for_stderr(&want, Duration::from_secs(5)),
        "{}",
        p.stderr()
    );
    let (_, body) = get2(&p, &dir, "/size/3", &["X-Over: h2"]);
    assert!(body == pattern(3));
    // ATS names the fields it knows as it spells them (Accept), others as they came.
    let want = format!("Accept: */*\nx-over: h2\n{host}\n");
    assert!(
        p.wait_for_stderr(&want, Duration::from_secs(5)),
        "{}",
        p.stderr()
    );
}

/// VmHWM (the resident set's high-water mark) of a process, in kB.
fn hwm_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// A 64 MiB text/html body through append_transform, over HTTP/1.1 then HTTP/2: every byte in
/// order and the file after them, with `Content-Length: 64 MiB + file` (announced by the plugin's
/// first TSVConnWrite), and tshost's resident set grows by less than 32 MiB (the body is never
/// held whole).
#[test]
fn append_transform_streams_a_64_mib_body_with_memory_bounded() {
    use std::io::Read;
    let dir = temp_dir("ex-append-64m");
    let so = build_example("append_transform/append_transform.c", &dir);
    let file = dir.join("append.txt");
    std::fs::write(&file, b"-- the end --\n").unwrap();
    let origin = Origin::start();
    let p = start(
        "ex-append-64m",
        &origin,
        vec![format!("{} {}", so.display(), file.display())],
        "",
    );
    // Warm up (pools, buffers), then measure from here.
    let _ = get1(&p, "/html/1000000", "");
    let before = common::proxy::rss_kb(p.pid());
    let n: u64 = 64 * 1024 * 1024;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", p.port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    std::io::Write::write_all(
        &mut s,
        format!("GET /html/{n} HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )
    .unwrap();
    let mut raw = Vec::with_capacity(n as usize + (1 << 20));
    s.read_to_end(&mut raw).unwrap();
    let (head, body) = split(&raw);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}\n{}", p.stderr());
    assert_eq!(
        field(&head, "content-length"),
        Some((n + 14).to_string()),
        "{head}"
    );
    assert_eq!(body.len() as u64, n + 14, "{}", p.stderr());
    assert!(
        body[..n as usize] == pattern(n),
        "the origin's bytes, in order"
    );
    assert_eq!(&body[n as usize..], b"-- the end --\n");
    drop((raw, body));
    // The same over HTTP/2 (curl writes it to a file).
    let out = dir.join("h2-body");
    let url = format!("https://127.0.0.1:{}/html/{n}", p.tls_port);
    let (rc, _) = curl(&[
        "-k",
        "--http2",
        // (64 MiB through a debug build on a loaded 2-core machine: more than curl()'s 20 s.)
        "--max-time",
        "120",
        "-H",
        "Host: example.com",
        "-o",
        out.to_str().unwrap(),
        &url,
    ]);
    assert_eq!(rc, 0, "{}", p.stderr());
    let body = std::fs::read(&out).unwrap();
    std::fs::remove_file(&out).unwrap();
    assert_eq!(body.len() as u64, n + 14);
    assert!(
        body[..n as usize] == pattern(n),
        "HTTP/2: the origin's bytes, in order"
    );
    let grown = hwm_kb(p.pid()).saturating_sub(before);
    assert!(grown < 32 * 1024, "resident set grew by {grown} kB");
}

/// What tshost wrote on stderr after `from` bytes once `needle` is there `count` times in all
/// (within 5 s).
fn stderr_after(p: &Proxy, from: usize, needle: &str, count: usize) -> String {
    let end = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let all = p.stderr();
        if all.matches(needle).count() >= count || std::time::Instant::now() > end {
            return all[from..].to_string();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The bytes txn_data_sink says it consumed in `log` ("Consumed N bytes" lines).
fn consumed(log: &str) -> usize {
    log.lines()
        .filter_map(|l| l.split("(txn_data_sink) Consumed ").nth(1))
        .filter_map(|r| r.strip_suffix(" bytes")?.parse::<usize>().ok())
        .sum()
}

/// txn_data_sink adds a response agent (TS_HTTP_RESPONSE_CLIENT_HOOK) when the request has a
/// TS-Agent field: it is written the bytes the client gets after the head, consumes them and
/// logs them. On ATS 9.2.9: a body of N bytes with a length is consumed whole ("Consumed the
/// following body"); a chunked one to an HTTP/1.1 client with its chunked framing (20 bytes in
/// one chunk are 31: `14\r\n`, the bytes, `\r\n0\r\n\r\n`), to an HTTP/2 client without; a body
/// of 0 bytes is never written to it (no event at all). The client's response is unchanged, and
/// without TS-Agent no agent is added.
#[test]
fn txn_data_sink_sees_the_body_the_client_gets() {
    let dir = temp_dir("ex-sink");
    let so = build_example("txn_data_sink/txn_data_sink.cc", &dir);
    let origin = Origin::start();
    let p = start(
        "ex-sink",
        &origin,
        vec![so.display().to_string()],
        "txn_data_sink",
    );
    const DONE: &str = "Consumed the following body";
    const ADDED: &str = "Adding data sink";
    let (mut done, mut added) = (0, 0);
    let agent = "TS-Agent: yes\r\n";
    for n in SIZES {
        for h2 in [false, true] {
            let from = p.stderr().len();
            let (_, body) = if h2 {
                get2(&p, &dir, &format!("/size/{n}"), &["TS-Agent: yes"])
            } else {
                get1(&p, &format!("/size/{n}"), agent)
            };
            assert!(body == pattern(n), "/size/{n} h2 {h2}");
            if n > 0 {
                done += 1;
            }
            added += 1;
            stderr_after(&p, from, ADDED, added);
            let log = stderr_after(&p, from, DONE, done);
            assert!(log.contains(ADDED), "{log}");
            assert_eq!(consumed(&log), n as usize, "/size/{n} h2 {h2}: {log}");
            assert_eq!(log.contains(DONE), n > 0, "/size/{n} h2 {h2}: {log}");
        }
    }
    // A chunked body: its framing too for HTTP/1.1.
    for (h2, want) in [(false, 31), (true, 20)] {
        let from = p.stderr().len();
        let (_, body) = if h2 {
            get2(&p, &dir, "/chunked/20", &["TS-Agent: yes"])
        } else {
            get1(&p, "/chunked/20", agent)
        };
        assert!(body == pattern(20));
        done += 1;
        let log = stderr_after(&p, from, DONE, done);
        assert_eq!(consumed(&log), want, "h2 {h2}: {log}");
    }
    // Text the log can show: what the agent consumed is what the client got.
    let from = p.stderr().len();
    let (_, body) = get1(&p, "/echo", agent);
    done += 1;
    let log = stderr_after(&p, from, DONE, done);
    let text = String::from_utf8(body).unwrap().replace("\r\n", "\n");
    assert!(log.contains(&format!("{DONE}: \"{text}\"")), "{log}");
    // No TS-Agent: no agent.
    const CHECKING: &str = "Checking transaction";
    let (from, checked) = (p.stderr().len(), p.stderr().matches(CHECKING).count());
    let (_, body) = get1(&p, "/size/10", "");
    assert!(body == pattern(10));
    let log = stderr_after(&p, from, CHECKING, checked + 1);
    assert!(log.contains(CHECKING), "{log}");
    assert!(!log.contains(ADDED), "{log}");
}

/// A tshost-origin on 127.0.0.1:`port` (the intercept example's server is at a fixed port):
/// waits up to 10 s for the port to be free.
struct FixedOrigin(std::process::Child);

impl FixedOrigin {
    fn start(port: u16) -> FixedOrigin {
        use std::io::BufRead;
        let end = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tshost-origin"))
                .arg(format!("127.0.0.1:{port}"))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            // It says "listening on ..." once bound, or exits.
            let mut line = String::new();
            let out = child.stdout.take().unwrap();
            let _ = std::io::BufReader::new(out).read_line(&mut line);
            if line.starts_with("listening") {
                return FixedOrigin(child);
            }
            let _ = child.wait();
            assert!(
                std::time::Instant::now() < end,
                "127.0.0.1:{port} stays taken: the intercept example's server cannot listen"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for FixedOrigin {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// intercept makes itself the origin of every transaction that is not a cache hit
/// (TSHttpTxnServerIntercept at CACHE_LOOKUP_COMPLETE) and relays it, byte for byte, to a
/// server it connects to itself at 127.0.0.1:60000 (a blocking connect() wrapped with
/// TSVConnFdCreate). With tshost-origin there, the client gets that server's response over
/// HTTP/1.1 and HTTP/2, and the remapped origin is never asked.
#[test]
fn intercept_relays_transactions_to_its_own_server_over_a_socket_vconn() {
    let dir = temp_dir("ex-intercept");
    let so = build_example("intercept/intercept.cc", &dir);
    let server = FixedOrigin::start(60000);
    let origin = Origin::start();
    let p = start("ex-intercept", &origin, vec![so.display().to_string()], "");
    for n in SIZES {
        let (head, body) = get1(&p, &format!("/size/{n}"), "");
        assert!(head.starts_with("HTTP/1.1 200"), "{head}\n{}", p.stderr());
        assert_eq!(field(&head, "content-length"), Some(n.to_string()));
        assert!(body == pattern(n), "/size/{n}: {} bytes", body.len());
        let (_, body) = get2(&p, &dir, &format!("/chunked/{n}"), &[]);
        assert!(
            body == pattern(n),
            "HTTP/2 /chunked/{n}: {} bytes",
            body.len()
        );
    }
    // What the plugin's server got is what tshost would have sent the origin.
    let (_, body) = get1(&p, "/echo", "X-Probe: through the plugin\r\n");
    let text = String::from_utf8_lossy(&body);
    assert!(text.starts_with("GET /echo HTTP/1.1\r\n"), "{text}");
    assert!(text.contains("X-Probe: through the plugin\r\n"), "{text}");
    assert_eq!(origin.count(), 0, "the remapped origin was asked");
    drop(server);
}

/// passthru listens on its own port (config.plugin.passthru.server_ports, a record it creates;
/// TSPortDescriptorParse and TSPortDescriptorAccept) and passes what it accepts into tshost's
/// HTTP engine with TSHttpConnectWithPluginId from the client's own address: HTTP/1.1 requests
/// sent to that port are answered as on the proxy's. As on ATS 9.2.9, such an internal session
/// answers once, with `Connection: close`, and closes (proxy.config.http.keepalive_internal_vc
/// is 0), so a second request on the connection is not answered. (Its port is plain TCP into an
/// HTTP/1 session, on ATS too: no HTTP/2 there.)
#[test]
fn passthru_serves_its_own_port_through_the_http_engine() {
    let dir = temp_dir("ex-passthru");
    let so = build_example("passthru/passthru.cc", &dir);
    let origin = Origin::start();
    let port = common::proxy::free_port();
    let p = Proxy::start(
        "ex-passthru",
        &origin,
        Setup {
            records: vec![format!(
                "CONFIG config.plugin.passthru.server_ports STRING {port}:ip-in=127.0.0.1"
            )],
            plugins: vec![so.display().to_string()],
            ..Setup::default()
        },
    );
    for n in SIZES {
        for close in ["Connection: close\r\n", ""] {
            let req = format!("GET /size/{n} HTTP/1.1\r\nHost: example.com\r\n{close}\r\n");
            let raw = raw_request(port, req.as_bytes());
            let (head, body) = split(&raw);
            assert!(head.starts_with("HTTP/1.1 200"), "{head}\n{}", p.stderr());
            assert_eq!(field(&head, "content-length"), Some(n.to_string()));
            assert_eq!(field(&head, "connection").as_deref(), Some("close"));
            assert!(body == pattern(n), "/size/{n}: {} bytes", body.len());
        }
    }
    // Two requests at once: one answer, then the connection closes.
    let two = b"GET /size/3 HTTP/1.1\r\nHost: example.com\r\n\r\n\
                GET /size/4 HTTP/1.1\r\nHost: example.com\r\n\r\n";
    let raw = raw_request(port, two);
    let text = String::from_utf8_lossy(&raw);
    assert_eq!(text.matches("HTTP/1.1 ").count(), 1, "{text}");
    assert!(text.ends_with("\r\n\r\n\u{7}&E"), "{text:?}");
    assert_eq!(origin.count(), 2 * SIZES.len() as u64 + 1);
}

/// request_buffer turns request buffering on for POSTs (TS_CONFIG_HTTP_REQUEST_BUFFER_ENABLED)
/// and adds TS_HTTP_REQUEST_BUFFER_READ_COMPLETE_HOOK. As on ATS 9.2.9: the hook runs once the
/// whole body is read, before the origin is asked, with event 60029 (the hook's generic event,
/// not TS_EVENT_HTTP_REQUEST_BUFFER_COMPLETE, so the plugin logs "event[60029]" and not the
/// body's length); the origin gets the body whole, over HTTP/1.1 (a length or chunked) and
/// HTTP/2; a POST without a body is not buffered (no hook); a body larger than
/// proxy.config.http.post_copy_size (2048) is refused by closing the connection without a
/// response (ATS: "post exceeds buffer limit"), so the 16 KiB one gets nothing (the bodies go
/// with their heads, without Expect: 100-continue).
#[test]
fn request_buffer_buffers_small_post_bodies_before_the_origin_is_asked() {
    let dir = temp_dir("ex-request-buffer");
    let so = build_example("request_buffer/request_buffer.c", &dir);
    let origin = Origin::start();
    let p = start(
        "ex-request-buffer",
        &origin,
        vec![so.display().to_string()],
        "request_buffer",
    );
    const HOOK: &str = "request_buffer_plugin starting, event[60029]";
    let post = |n: usize, chunked: bool| {
        let body = vec![b'q'; n];
        let mut req = b"POST /echo HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n".to_vec();
        if chunked {
            req.extend_from_slice(
                format!("Transfer-Encoding: chunked\r\n\r\n{n:x}\r\n").as_bytes(),
            );
            req.extend_from_slice(&body);
            req.extend_from_slice(b"\r\n0\r\n\r\n");
        } else {
            req.extend_from_slice(format!("Content-Length: {n}\r\n\r\n").as_bytes());
            req.extend_from_slice(&body);
        }
        String::from_utf8_lossy(&raw_request(p.port, &req)).into_owned()
    };
    let fnv = |n: usize| common::proxy::fnv(&vec![b'q'; n]);
    // No body: no buffering, no hook.
    let from = p.stderr().len();
    let r = post(0, false);
    assert!(r.contains("body-bytes: 0\n"), "{r}");
    std::thread::sleep(Duration::from_millis(200));
    let mut hooks = p.stderr().matches(HOOK).count();
    assert_eq!(hooks, 0, "{}", p.stderr());
    // 1 byte, and 2048 (the limit), with a length and chunked: buffered, then sent.
    for (n, chunked) in [(1, false), (1, true), (2048, false)] {
        let r = post(n, chunked);
        assert!(r.starts_with("HTTP/1.1 200"), "{r}\n{}", p.stderr());
        assert!(
            r.contains(&format!("body-bytes: {n}\nbody-fnv: {}", fnv(n))),
            "{r}"
        );
        hooks += 1;
        let log = stderr_after(&p, from, HOOK, hooks);
        assert_eq!(log.matches(HOOK).count(), hooks, "{log}");
    }
    // HTTP/2.
    let url = format!("https://127.0.0.1:{}/echo", p.tls_port);
    let args = [
        "-k",
        "--http2",
        "-H",
        "Host: example.com",
        "--data-binary",
        "x",
    ];
    let (rc, body) = curl(&[&args[..], &[url.as_str()]].concat());
    assert_eq!(rc, 0);
    assert!(String::from_utf8_lossy(&body).contains("body-bytes: 1\n"));
    hooks += 1;
    let log = stderr_after(&p, from, HOOK, hooks);
    assert_eq!(log.matches(HOOK).count(), hooks, "{log}");
    // Past post_copy_size (seen on ATS: 2048 bytes buffered, 2049 refused): no response.
    for n in [2049, 16384] {
        assert_eq!(post(n, false), "", "{n}: {}", p.stderr());
    }
    assert!(p.wait_for_stderr(
        "exceeds proxy.config.http.post_copy_size",
        Duration::from_secs(5)
    ));
}
