//! Response transforms (TS_HTTP_RESPONSE_TRANSFORM_HOOK) with ATS 9.2.9's example
//! `null_transform` (example/plugins/c-api, built from ATS's source against tshost's headers
//! alone): the body goes through the plugin's VConnection unchanged, re-framed for the client
//! (with the length the transform announced, else chunked for HTTP/1.1; DATA frames for
//! HTTP/2), for origin bodies with a length, chunked, and of 0 bytes to 1 MB.
mod common;

use common::ats::build_example;
use common::proxy::{curl, pattern, raw_request, Origin, Proxy, Setup};
use common::temp_dir;

/// Split a raw HTTP/1.1 response: (head, body with chunked framing removed).
fn dechunk(resp: &[u8]) -> (String, Vec<u8>) {
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
        let Some(nl) = rest.windows(2).position(|w| w == b"\r\n") else {
            panic!(
                "no chunk size: {} bytes of body in, {} left: {:?}",
                resp.len() - at - 4,
                rest.len(),
                String::from_utf8_lossy(&rest[..rest.len().min(40)])
            );
        };
        let n =
            usize::from_str_radix(std::str::from_utf8(&rest[..nl]).unwrap().trim(), 16).unwrap();
        rest = &rest[nl + 2..];
        if n == 0 {
            break;
        }
        body.extend_from_slice(&rest[..n]);
        rest = &rest[n + 2..];
    }
    (head, body)
}

#[test]
fn null_transform_passes_bodies_through_unchanged_over_http1_and_http2() {
    let dir = temp_dir("transform-null");
    let so = build_example("null_transform/null_transform.c", &dir);
    let origin = Origin::start();
    let p = Proxy::start(
        "transform-null",
        &origin,
        Setup {
            plugins: vec![so.display().to_string()],
            ..Setup::default()
        },
    );
    for path in ["size", "chunked"] {
        for n in [0u64, 1, 16384, 1_000_000] {
            let req = format!(
                "GET /{path}/{n} HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n"
            );
            eprintln!("case /{path}/{n}");
            let (head, body) = dechunk(&raw_request(p.port, req.as_bytes()));
            assert!(head.starts_with("HTTP/1.1 200"), "{head}\n{}", p.stderr());
            // As ATS's TransformTerminus: the length null_transform's output has when tshost
            // first looks at it is the client's Content-Length. It writes INT64_MAX and sets the
            // length at the body's end: known at once for 0 and 1 byte (the whole body in its
            // first call), a race for larger ones (on ATS 9.2.9 too: 1000 bytes got a length,
            // 16384 were chunked), and never for a chunked origin (its Transfer-Encoding wins).
            let cl = format!("Content-Length: {n}");
            let chunked = head.contains("Transfer-Encoding: chunked");
            if path == "chunked" {
                assert!(chunked && !head.contains("Content-Length"), "{head}");
            } else if n <= 1 {
                assert!(head.contains(&cl) && !chunked, "{head}");
            } else {
                assert!(head.contains(&cl) != chunked, "{head}");
            }
            assert_eq!(body.len() as u64, n, "/{path}/{n}");
            assert!(
                body == pattern(n),
                "/{path}/{n}: the bytes are the origin's"
            );
        }
    }
    // HTTP/2.
    let url = format!("https://127.0.0.1:{}/size/100000", p.tls_port);
    let (rc, body) = curl(&["-k", "--http2", "-H", "Host: example.com", &url]);
    assert_eq!(rc, 0);
    assert!(body == pattern(100_000), "HTTP/2: {} bytes", body.len());
}

/// Debian's unmodified compress.so: it adds its transform at READ_RESPONSE_HDR and changes the
/// client's head from inside it (TSHttpTxnTransformRespGet: Content-Encoding, Vary), which works
/// because the head waits for the transform's first output, as in ATS. With both algorithms
/// configured it answers `Accept-Encoding: gzip` with gzip and `br` with brotli (its source:
/// plugins/compress/misc.cc, `normalize_accept_encoding`). What curl receives is decoded (gzip by the gzip program, brotli
/// by curl's own decoder, `--compressed`) and compared with the origin's bytes, over HTTP/1.1 and
/// HTTP/2.
#[test]
fn compress_gzips_and_brotlis_the_body_and_sets_the_head_from_its_transform() {
    let dir = temp_dir("transform-compress");
    let conf = dir.join("compress.config");
    std::fs::write(
        &conf,
        "enabled true\ncache false\nremove-accept-encoding true\n\
         compressible-content-type application/octet-stream\nminimum-content-length 0\n\
         supported-algorithms br,gzip\n",
    )
    .unwrap();
    let origin = Origin::start();
    let p = Proxy::start(
        "transform-compress",
        &origin,
        Setup {
            plugins: vec![format!(
                "/usr/lib/trafficserver/modules/compress.so {}",
                conf.display()
            )],
            ..Setup::default()
        },
    );
    let h1 = format!("http://127.0.0.1:{}", p.port);
    let h2 = format!("https://127.0.0.1:{}", p.tls_port);
    for (base, proto) in [(&h1, "--http1.1"), (&h2, "--http2")] {
        for algo in ["gzip", "br"] {
            for n in [1u64, 16384, 1_000_000] {
                let case = format!("{proto} {algo} {n}");
                let url = format!("{base}/size/{n}");
                let head_file = dir.join("head");
                let accept = format!("Accept-Encoding: {algo}");
                let mut args = vec![
                    "-k",
                    proto,
                    "-H",
                    "Host: example.com",
                    "-H",
                    &accept,
                    "-D",
                    head_file.to_str().unwrap(),
                ];
                let (rc, raw) = curl(&[&args[..], &[url.as_str()]].concat());
                assert_eq!(rc, 0, "{case}: {}", p.stderr());
                let head = std::fs::read_to_string(&head_file)
                    .unwrap()
                    .to_ascii_lowercase();
                assert!(
                    head.contains(&format!("content-encoding: {algo}")),
                    "{case}: {head}\n{}",
                    p.stderr()
                );
                assert!(head.contains("vary: accept-encoding"), "{case}: {head}");
                // compress writes INT64_MAX and sets its output's length at the end: 1 byte is
                // done in one call, so the length is known when tshost first looks and becomes
                // the client's Content-Length (ATS 9.2.9: `Content-Length: 21`); larger bodies
                // race with that look (ATS: chunked for 16384 and 1000000). A length given is
                // the body's.
                let cl = format!("content-length: {}", raw.len());
                if n == 1 || head.contains("content-length") {
                    assert!(head.contains(&cl), "{case}: {head}");
                } else if proto == "--http1.1" {
                    assert!(
                        head.contains("transfer-encoding: chunked"),
                        "{case}: {head}"
                    );
                }
                assert!(
                    (raw.len() as u64) < n.max(64),
                    "{case}: compressed to {}",
                    raw.len()
                );
                let decoded = if algo == "gzip" {
                    let gz = dir.join("body.gz");
                    std::fs::write(&gz, &raw).unwrap();
                    let out = std::process::Command::new("gzip")
                        .args(["-dc"])
                        .arg(&gz)
                        .output()
                        .unwrap();
                    assert!(
                        out.status.success(),
                        "{case}: gunzip: {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                    out.stdout
                } else {
                    // The same response again, decoded by curl (built with brotli).
                    args.push("--compressed");
                    let (rc, body) = curl(&[&args[..], &[url.as_str()]].concat());
                    assert_eq!(rc, 0, "{case}: curl --compressed");
                    body
                };
                assert!(decoded == pattern(n), "{case}: the origin's bytes, encoded");
            }
        }
    }
    // Without Accept-Encoding: the origin's bytes as they are.
    let url = format!("http://127.0.0.1:{}/size/5000", p.port);
    let (rc, body) = curl(&["-H", "Host: example.com", &url]);
    assert_eq!(rc, 0);
    assert!(body == pattern(5000));
}

/// FNV-1a 64, as tshost-origin's /echo reports a body.
fn fnv(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ *b as u64).wrapping_mul(0x100000001b3)
    })
}

/// A request transform (TS_HTTP_REQUEST_TRANSFORM_HOOK; a C plugin built against Debian's ts.h,
/// written as ATS's null_transform is): the origin gets the client's body upper-cased with "!"
/// appended, chunked and without Content-Length, for bodies with a length or chunked, of 0 bytes
/// (chunked) to 1 MB, over HTTP/1.1 and HTTP/2; a request without a body is not transformed.
#[test]
fn a_request_transform_changes_the_body_the_origin_gets() {
    let dir = temp_dir("transform-request");
    let so = dir.join("req_transform.so");
    common::build_plugin(
        &common::crate_dir().join("tests/c/req_transform.c"),
        &so,
        common::Header::Debian,
    );
    let origin = Origin::start();
    let p = Proxy::start(
        "transform-request",
        &origin,
        Setup {
            plugins: vec![so.display().to_string()],
            ..Setup::default()
        },
    );
    for n in [0usize, 1, 16384, 1_000_000] {
        let body: Vec<u8> = (0..n).map(|i| b"abcxyz 019"[i % 10]).collect();
        let mut want: Vec<u8> = body.to_ascii_uppercase();
        want.push(b'!');
        for chunked in [false, true] {
            let mut req =
                b"POST /echo HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n".to_vec();
            if chunked {
                req.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
                if n > 0 {
                    req.extend_from_slice(format!("{n:x}\r\n").as_bytes());
                    req.extend_from_slice(&body);
                    req.extend_from_slice(b"\r\n");
                }
                req.extend_from_slice(b"0\r\n\r\n");
            } else {
                req.extend_from_slice(format!("Content-Length: {n}\r\n\r\n").as_bytes());
                req.extend_from_slice(&body);
            }
            let resp = String::from_utf8_lossy(&raw_request(p.port, &req)).into_owned();
            assert!(
                resp.starts_with("HTTP/1.1 200"),
                "{n} {chunked}: {resp}\n{}",
                p.stderr()
            );
            if n == 0 && !chunked {
                // `Content-Length: 0` is no body: nothing to transform (ATS sets up no body
                // tunnel either).
                assert!(resp.contains("body-bytes: 0\n"), "{resp}");
                continue;
            }
            assert!(
                resp.contains(&format!("body-bytes: {}\n", want.len())),
                "{n} {chunked}: {}",
                &resp[..resp.len().min(600)]
            );
            assert!(
                resp.contains(&format!("body-fnv: {:016x}", fnv(&want))),
                "{n} {chunked}"
            );
            // What the origin received: the body of its /echo answer.
            let echoed = resp[resp.find("\r\n\r\n").unwrap()..].to_ascii_lowercase();
            assert!(echoed.contains("transfer-encoding: chunked"), "{resp}");
            assert!(
                !echoed.contains("content-length: "),
                "the origin's head: {resp}"
            );
        }
    }
    // A GET is not transformed.
    let resp = raw_request(
        p.port,
        b"GET /echo HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
    );
    assert!(String::from_utf8_lossy(&resp).contains("body-bytes: 0\n"));
    // HTTP/2.
    let url = format!("https://127.0.0.1:{}/echo", p.tls_port);
    let (rc, body) = curl(&[
        "-k",
        "--http2",
        "-H",
        "Host: example.com",
        "--data-binary",
        "h2 body",
        &url,
    ]);
    let body = String::from_utf8_lossy(&body);
    assert_eq!(rc, 0, "{body}");
    assert!(
        body.contains(&format!("body-fnv: {:016x}", fnv(b"H2 BODY!"))),
        "{body}"
    );
}

/// A transform that takes its input and never gives output fails its transaction once
/// transaction_no_activity_timeout_out passes (a 504: no head was sent), response or request
/// side; other transactions go on meanwhile.
#[test]
fn a_stalled_transform_fails_its_transaction_at_the_no_activity_timeout() {
    let dir = temp_dir("transform-stall");
    let so = dir.join("stall_transform.so");
    common::build_plugin(
        &common::crate_dir().join("tests/c/stall_transform.c"),
        &so,
        common::Header::Debian,
    );
    let origin = Origin::start();
    let p = Proxy::start(
        "transform-stall",
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
        b"GET /size/100000 HTTP/1.1\r\nHost: example.com\r\nX-Stall: resp\r\nConnection: close\r\n\r\n",
        2,
    );
    let t = std::time::Instant::now();
    let r = raw_request(
        p.port,
        b"POST /echo HTTP/1.1\r\nHost: example.com\r\nX-Stall: req\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
    );
    let r = String::from_utf8_lossy(&r);
    assert!(r.starts_with("HTTP/1.1 504"), "{r}\n{}", p.stderr());
    assert!(t.elapsed() < std::time::Duration::from_secs(8));
    assert!(
        p.stderr().contains("a transform made no progress for 2 s"),
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

/// A 64 MiB body through ATS's null_transform: memory follows the watermarks, not the body
/// (tshost's resident set grows by less than 32 MiB), and every byte arrives, in order.
#[test]
fn a_64_mib_body_through_a_transform_keeps_memory_bounded() {
    use std::io::Read;
    let dir = temp_dir("transform-64m");
    let so = build_example("null_transform/null_transform.c", &dir);
    let origin = Origin::start();
    let p = Proxy::start(
        "transform-64m",
        &origin,
        Setup {
            plugins: vec![so.display().to_string()],
            ..Setup::default()
        },
    );
    // Warm up (pools, buffers), then measure from here.
    let _ = raw_request(
        p.port,
        b"GET /size/1000000 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
    );
    let before = common::proxy::rss_kb(p.pid());
    let n: u64 = 64 * 1024 * 1024;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", p.port)).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    std::io::Write::write_all(
        &mut s,
        format!("GET /size/{n} HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )
    .unwrap();
    // Read whole (the test's memory, not tshost's), then checked byte for byte: an IOBuffer
    // reader that skipped bytes a writer added on another thread while it consumed lost some
    // in the middle of large bodies (found by this test).
    let mut raw = Vec::with_capacity(n as usize + (1 << 20));
    s.read_to_end(&mut raw).unwrap();
    let (head, body) = dechunk(&raw);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}\n{}", p.stderr());
    assert_eq!(body.len() as u64, n, "{}", p.stderr());
    assert!(body == pattern(n), "the bytes are the origin's");
    let grown = hwm_kb(p.pid()).saturating_sub(before);
    assert!(grown < 32 * 1024, "resident set grew by {grown} kB");
}
