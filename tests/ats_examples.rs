//! ATS 9.2.9's own example plugins (`example/plugins/c-api/` of the source Debian built its
//! package from, fetched by `tests/gold/run --print-source`), built against tshost's headers
//! alone and run end to end with raw HTTP/1.1 requests. Each expectation was first seen on
//! Debian's ATS 9.2.9 with the same plugins (built against these headers too: the ABI is ATS's)
//! and the same remap.config (2026-12-07).
mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use common::ats::build_example as build;
use common::proxy::{raw_request, Origin, Proxy, Setup};
use common::temp_dir;

fn get(proxy: &Proxy, host: &str, path: &str) -> String {
    let req = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    String::from_utf8_lossy(&raw_request(proxy.port, req.as_bytes())).into_owned()
}

/// ATS's hash in query_remap.c (FNV-1, 32 bits).
fn fnv32(s: &str) -> u32 {
    s.bytes().fold(0x811c9dc5u32, |h, b| {
        h.wrapping_mul(0x01000193) ^ u32::from(b)
    })
}

#[test]
fn atss_example_remap_plugins_build_against_our_headers_and_behave_as_on_ats() {
    let dir = temp_dir("ats-examples");
    let remap = build("remap/remap.cc", &dir);
    let query = build("query_remap/query_remap.c", &dir);
    let header_add = build("remap_header_add/remap_header_add.cc", &dir);
    let secure = build("secure_link/secure_link.c", &dir);
    let lifecycle = build("lifecycle_plugin/lifecycle_plugin.c", &dir);
    let origin = Origin::start();
    let port = origin.port;
    let d = |p: &PathBuf| p.display().to_string();
    let proxy = Proxy::start(
        "ats-examples",
        &origin,
        Setup {
            records: vec![
                "CONFIG proxy.config.diags.debug.enabled INT 1".into(),
                "CONFIG proxy.config.diags.debug.tags STRING lifecycle".into(),
            ],
            plugins: vec![d(&lifecycle)],
            remap: vec![
                format!(
                    "map http://ex.example/ http://127.0.0.1:{port}/ @plugin={} @pparam=p1",
                    d(&remap)
                ),
                format!(
                    "map http://q.example/ http://127.0.0.1:{port}/ @plugin={} @pparam=user \
                     @pparam=127.0.0.1 @pparam=127.0.0.2",
                    d(&query)
                ),
                format!(
                    "map http://h.example/ http://127.0.0.1:{port}/ @plugin={} \
                     @pparam=X-Added:one @pparam=X-Quoted:\"two words\" @pparam=X-Plain:\"q\"",
                    d(&header_add)
                ),
                format!(
                    "map http://s.example/ http://127.0.0.1:{port}/ @plugin={} \
                     @pparam=secret:s3cr3t @pparam=policy:strict",
                    d(&secure)
                ),
            ],
            ..Setup::default()
        },
    );

    // lifecycle_plugin: its hooks fire (ATS fired CACHE_READY first, by a race of its cache
    // thread; tshost, without a cache, fires it after PORTS_READY).
    for line in [
        "(lifecycle) online",
        "(lifecycle) Proxy ports initialized",
        "(lifecycle) Proxy ports active",
        "(lifecycle) Cache ready",
    ] {
        assert!(
            proxy.wait_for_stderr(line, Duration::from_secs(10)),
            "{line}: {}",
            proxy.stderr()
        );
    }

    // remap.cc: the first request goes to the origin; every other one gets the status
    // `100 + n` and the body the plugin set. (Its third request would crash ATS and tshost
    // alike: TSRemapOSResponse reads the counter it stored with TSUserArgSet as a pointer.)
    let resp = get(&proxy, "ex.example", "/echo");
    assert!(resp.starts_with("HTTP/1.1 200 OK\r\n"), "{resp}");
    assert!(resp.contains("GET /echo HTTP/1.1\r\n"), "{resp}");
    let resp = get(&proxy, "ex.example", "/echo");
    assert!(resp.starts_with("HTTP/1.1 100 Continue\r\n"), "{resp}");
    assert!(
        resp.contains("Content-Type: text/html\r\n") && resp.contains("Content-Length: 78\r\n"),
        "{resp}"
    );
    assert!(
        resp.ends_with(
            "\r\n\r\nThis is very small example of TS API usage!\nIteration 0!\nHTTP return code 100\n"
        ),
        "{resp}"
    );

    // query_remap: the `user` parameter's hash picks the host (ATS: bob and carol went to
    // 127.0.0.1, alice and dave to 127.0.0.2, where nothing listens: 502).
    for user in ["alice", "bob", "carol", "dave"] {
        let resp = get(&proxy, "q.example", &format!("/echo?user={user}"));
        let first = fnv32(user).is_multiple_of(2);
        assert_eq!(
            first,
            user == "bob" || user == "carol",
            "{user}: ATS's pick"
        );
        if first {
            assert!(resp.starts_with("HTTP/1.1 200 "), "{user}: {resp}");
            assert!(
                resp.contains(&format!("Host: 127.0.0.1:{port}\r\n")),
                "{user}: {resp}"
            );
        } else {
            assert!(resp.starts_with("HTTP/1.1 502 "), "{user}: {resp}");
        }
    }

    // remap_header_add: each pparam a field of the request the origin gets; a quoted value with
    // a space is one pparam (remap.config keeps quoted spaces; the plugin strips the quotes).
    let resp = get(&proxy, "h.example", "/echo");
    for field in [
        "X-Added: one\r\n",
        "X-Quoted: two words\r\n",
        "X-Plain: q\r\n",
    ] {
        assert!(resp.contains(field), "{field}: {resp}");
    }

    // secure_link: md5(secret, client IP, the path up to its last '/', expiry) in `st`, the
    // expiry (hex) in `ex`: the parameters are taken off and the request goes on; an expired or
    // wrong token gets 403 (policy:strict).
    let token = |ex: &str| {
        let text = format!("s3cr3t127.0.0.1echo/{ex}");
        let out = Command::new("openssl")
            .args(["dgst", "-md5", "-r"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                c.stdin.take().unwrap().write_all(text.as_bytes())?;
                c.wait_with_output()
            })
            .expect("openssl dgst");
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    };
    let ok = token("ffffffff");
    let resp = get(
        &proxy,
        "s.example",
        &format!("/echo/doc?st={ok}&ex=ffffffff"),
    );
    assert!(resp.starts_with("HTTP/1.1 200 "), "{resp}");
    assert!(resp.contains("GET /echo/doc HTTP/1.1\r\n"), "{resp}");
    let expired = token("00000001");
    let resp = get(
        &proxy,
        "s.example",
        &format!("/echo/doc?st={expired}&ex=00000001"),
    );
    assert!(resp.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{resp}");
    let resp = get(&proxy, "s.example", "/echo/doc?st=00&ex=ffffffff");
    assert!(resp.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{resp}");
}
