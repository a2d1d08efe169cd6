//! The real tshost binary terminating TLS: curl, `openssl s_client` and a raw openssl client
//! against a TLS port with two certificates in ssl_multicert.config (chosen by SNI), ALPN, and
//! HTTP/1.1 over TLS. Certificates are made with the `openssl` command line; hook_trace is loaded
//! and every test checks the trace's invariants.

mod common;

use std::io::Read;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::proxy::{
    count_events, fnv, make_cert, pattern, run_with_timeout, Client, Origin, Proxy, Setup,
    READ_TIMEOUT,
};
use common::temp_dir;
use openssl::ssl::{ShutdownState, SslConnector, SslMethod, SslStream, SslVerifyMode};

const SETTLE: Duration = Duration::from_secs(10);
const CMD_TIMEOUT: Duration = Duration::from_secs(20);

/// A proxy with two certificates: `other.test` (first line, selected by name) and `example.com`
/// (`dest_ip=*`: the default), in `certs/` and `keys/` of the configuration directory (relative
/// cert.path and private_key.path). Both names are mapped to the origin for https.
struct TlsProxy {
    proxy: Proxy,
    /// CA files for curl/openssl: the certificates themselves.
    example_pem: PathBuf,
    other_pem: PathBuf,
}

fn start(name: &str, origin: &Origin) -> TlsProxy {
    let scratch = temp_dir(&format!("certs-{name}"));
    let (ex_cert, ex_key) = make_cert(&scratch, "example.com");
    let (ot_cert, ot_key) = make_cert(&scratch, "other.test");
    let proxy = Proxy::start(
        name,
        origin,
        Setup {
            records: vec![
                "CONFIG proxy.config.ssl.server.cert.path STRING certs".into(),
                "CONFIG proxy.config.ssl.server.private_key.path STRING keys".into(),
            ],
            remap: vec![format!(
                "map https://other.test/ http://127.0.0.1:{}/",
                origin.port
            )],
            multicert: Some(
                "ssl_cert_name=other.pem ssl_key_name=other.key\n\
                 dest_ip=* ssl_cert_name=example.pem ssl_key_name=example.key\n"
                    .into(),
            ),
            files: vec![
                ("certs/example.pem".into(), ex_cert),
                ("keys/example.key".into(), ex_key),
                ("certs/other.pem".into(), ot_cert),
                ("keys/other.key".into(), ot_key),
            ],
            ..Setup::default()
        },
    );
    TlsProxy {
        example_pem: scratch.join("example.com.pem"),
        other_pem: scratch.join("other.test.pem"),
        proxy,
    }
}

/// curl against the TLS port with `host` resolved to 127.0.0.1: (exit code, stdout, stderr).
fn curl_tls(
    p: &TlsProxy,
    host: &str,
    ca: &Path,
    args: &[&str],
    paths: &[&str],
) -> (i32, Vec<u8>, String) {
    let port = p.proxy.tls_port;
    let mut cmd = Command::new("curl");
    // Host without the port: the remap rules are for the default port (as in ATS).
    cmd.args(["-sS", "-v", "--max-time", "15", "-H"])
        .arg(format!("Host: {host}"))
        .arg("--cacert")
        .arg(ca)
        .arg("--resolve")
        .arg(format!("{host}:{port}:127.0.0.1"))
        .args(args);
    for path in paths {
        cmd.arg(format!("https://{host}:{port}{path}"));
    }
    let (rc, out, err) = run_with_timeout(&mut cmd, b"", CMD_TIMEOUT);
    (rc, out, String::from_utf8_lossy(&err).into_owned())
}

/// `openssl s_client` to the TLS port with these arguments, sending `input` (then waiting for the
/// server to close): (exit code, stdout and stderr).
fn s_client(p: &TlsProxy, args: &[&str], input: &[u8]) -> (i32, String) {
    let mut cmd = Command::new("openssl");
    cmd.args(["s_client", "-connect"])
        .arg(format!("127.0.0.1:{}", p.proxy.tls_port))
        .args(args);
    if !input.is_empty() {
        cmd.arg("-ign_eof");
    }
    let (rc, out, err) = run_with_timeout(&mut cmd, input, CMD_TIMEOUT);
    (
        rc,
        String::from_utf8_lossy(&out).into_owned() + &String::from_utf8_lossy(&err),
    )
}

/// A TLS client (openssl crate) verifying the proxy's certificate for `sni` against `ca`.
fn tls_connect(port: u16, sni: &str, ca: &Path, alpn: &[u8]) -> SslStream<TcpStream> {
    let mut b = SslConnector::builder(SslMethod::tls_client()).unwrap();
    b.set_ca_file(ca).unwrap();
    b.set_verify(SslVerifyMode::PEER);
    if !alpn.is_empty() {
        b.set_alpn_protos(alpn).unwrap();
    }
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
    tcp.set_write_timeout(Some(READ_TIMEOUT)).unwrap();
    b.build().connect(sni, tcp).expect("TLS handshake")
}

fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: example.com\r\n\r\n").into_bytes()
}

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

#[test]
fn curl_over_tls_alpn_sni_and_transfers() {
    let origin = Origin::start();
    let p = start("tls-curl", &origin);
    // curl offers h2 and http/1.1; tshost prefers h2 (HTTP/2 has its own tests).
    let (rc, _, err) = curl_tls(&p, "example.com", &p.example_pem, &[], &["/size/10"]);
    assert_eq!(rc, 0, "{err}");
    assert!(
        err.contains("ALPN: server accepted h2"),
        "h2 not selected:\n{err}"
    );
    // Offering http/1.1 only: http/1.1. Two requests share the connection.
    let (rc, out, err) = curl_tls(
        &p,
        "example.com",
        &p.example_pem,
        &["--http1.1"],
        &["/size/1000", "/size/2000"],
    );
    assert_eq!(rc, 0, "{err}");
    assert!(out == [pattern(1000), pattern(2000)].concat(), "{err}");
    assert!(
        err.contains("ALPN: server accepted http/1.1"),
        "http/1.1 not selected:\n{err}"
    );
    assert!(err.contains("Re-using existing connection"), "{err}");
    // The certificate for other.test is chosen by SNI (curl verifies it against other.test's).
    let (rc, out, err) = curl_tls(&p, "other.test", &p.other_pem, &[], &["/size/10"]);
    assert_eq!(rc, 0, "{err}");
    assert!(out == pattern(10), "{err}");
    // ... and example.com does not get it: verifying with other.test's certificate fails.
    let (rc, _, err) = curl_tls(&p, "example.com", &p.other_pem, &[], &["/size/10"]);
    assert_eq!(rc, 60, "{err}");
    // A chunked upload and chunked and Content-Length downloads, checksummed.
    let upload: Vec<u8> = (0..3_000_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let file = p.proxy.dir.join("upload.bin");
    std::fs::write(&file, &upload).unwrap();
    let data = format!("@{}", file.display());
    let (rc, out, err) = curl_tls(
        &p,
        "example.com",
        &p.example_pem,
        &["-H", "Transfer-Encoding: chunked", "--data-binary", &data],
        &["/echo"],
    );
    assert_eq!(rc, 0, "{err}");
    let text = String::from_utf8_lossy(&out).into_owned();
    assert_eq!(echoed(&text, "body-bytes"), [upload.len().to_string()]);
    assert_eq!(echoed(&text, "body-fnv"), [fnv(&upload)]);
    let n = 8_000_000;
    let (rc, out, err) = curl_tls(
        &p,
        "example.com",
        &p.example_pem,
        &[],
        &[&format!("/chunked/{n}"), &format!("/size/{n}")],
    );
    assert_eq!(rc, 0, "{err}");
    assert_eq!(out.len(), 2 * n as usize);
    assert!(out == [pattern(n), pattern(n)].concat(), "body differs");
    // The failed handshake made no session.
    let t = p.proxy.settled_trace(5, SETTLE);
    assert_eq!(count_events(&t, "SSN_START"), 5);
    assert_eq!(count_events(&t, "TXN_START"), 7);
}

#[test]
fn s_client_alpn_and_certificate_by_sni() {
    let origin = Origin::start();
    let p = start("tls-s-client", &origin);
    let req = b"GET / HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n";
    let cases: [(&[&str], &str, &str); 5] = [
        (
            &["-servername", "example.com", "-alpn", "http/1.1"],
            "CN = example.com",
            "ALPN protocol: http/1.1",
        ),
        (
            &["-servername", "other.test", "-alpn", "http/1.1"],
            "CN = other.test",
            "ALPN protocol: http/1.1",
        ),
        (
            &["-servername", "example.com", "-alpn", "http/1.1,http/1.0"],
            "CN = example.com",
            "ALPN protocol: http/1.1",
        ),
        // No SNI: the dest_ip=* certificate (not the first line's).
        (
            &["-noservername", "-alpn", "http/1.1"],
            "CN = example.com",
            "ALPN protocol: http/1.1",
        ),
        // No ALPN: HTTP/1.1 all the same.
        (
            &["-servername", "other.test"],
            "CN = other.test",
            "No ALPN negotiated",
        ),
    ];
    for (args, subject, alpn) in cases {
        let (rc, out) = s_client(&p, args, req);
        assert_eq!(rc, 0, "{args:?}: {out}");
        assert!(
            out.contains(&format!("subject={subject}")),
            "{args:?}: {out}"
        );
        assert!(out.contains(alpn), "{args:?}: {out}");
        assert!(out.contains("HTTP/1.1 200 OK\r\n"), "{args:?}: {out}");
        assert!(out.contains("hello from tshost-origin"), "{args:?}: {out}");
        assert!(out.contains("Connection: close\r\n"), "{args:?}: {out}");
    }
    // ALPN offered without a protocol tshost speaks: refused with no_application_protocol.
    let (rc, out) = s_client(&p, &["-servername", "example.com", "-alpn", "spdy/3"], req);
    // s_client's exit code for a failed handshake.
    assert_eq!(rc, 1, "{out}");
    assert!(out.contains("no application protocol"), "{out}");
    assert!(!out.contains("HTTP/1.1"), "{out}");
    let t = p.proxy.settled_trace(cases.len(), SETTLE);
    assert_eq!(count_events(&t, "TXN_START"), cases.len());
    assert_eq!(origin.count(), cases.len() as u64);
}

#[test]
fn raw_tls_keep_alive_pipelining_and_close() {
    let origin = Origin::start();
    let p = start("tls-raw", &origin);
    let port = p.proxy.tls_port;

    // Keep-alive and pipelining over one TLS connection.
    let s = tls_connect(port, "example.com", &p.example_pem, b"\x08http/1.1");
    assert_eq!(s.ssl().selected_alpn_protocol(), Some(&b"http/1.1"[..]));
    let mut c = Client::new(s);
    c.send(&get("/size/100"));
    assert_eq!(c.response(false).body, pattern(100));
    let mut req = get("/chunked/50000");
    req.extend(b"POST /echo HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\n\r\nhello");
    req.extend(b"HEAD /size/77 HTTP/1.1\r\nHost: example.com\r\n\r\n");
    req.extend(get("/size/300"));
    c.send(&req);
    let r = c.response(false);
    assert!(r.chunked);
    assert_eq!(r.body, pattern(50000));
    let r = c.response(false);
    assert!(r.body_str().starts_with("POST /echo HTTP/1.1\r\n"));
    assert_eq!(echoed(&r.body_str(), "body-fnv"), [fnv(b"hello")]);
    let r = c.response(true);
    assert_eq!(r.header("content-length"), Some("77"));
    let r = c.response(false);
    assert_eq!(r.body, pattern(300));
    // Connection: close: the response says so, then a clean TLS close (close_notify).
    c.send(b"GET /size/5 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n");
    let r = c.response(false);
    assert_eq!(r.body, pattern(5));
    assert_eq!(r.header("connection"), Some("close"));
    let mut buf = [0u8; 16];
    assert_eq!(
        c.stream.read(&mut buf).map_err(|e| e.to_string()),
        Ok(0),
        "no clean TLS close"
    );
    assert!(
        c.stream.get_shutdown().contains(ShutdownState::RECEIVED),
        "the connection ended without a close_notify"
    );

    // HTTP/1.0 over TLS: a close-delimited body ends with a clean close, not a truncation.
    let mut c = Client::new(tls_connect(port, "example.com", &p.example_pem, b""));
    c.send(b"GET /chunked/20000 HTTP/1.0\r\nHost: example.com\r\n\r\n");
    let mut head = c.response(true);
    assert_eq!(head.version, "HTTP/1.0");
    assert!(!head.has_header("content-length") && !head.has_header("transfer-encoding"));
    let mut body = c.buffered().to_vec();
    loop {
        let mut buf = [0u8; 65536];
        match c.stream.read(&mut buf) {
            Ok(0) => {
                assert!(
                    c.stream.get_shutdown().contains(ShutdownState::RECEIVED),
                    "a close-delimited body ended without a close_notify"
                );
                break;
            }
            Ok(n) => body.extend_from_slice(&buf[..n]),
            Err(e) => panic!("after {} bytes: {e} (no close_notify)", body.len()),
        }
    }
    head.body = body;
    assert_eq!(head.body, pattern(20000));

    // A smuggling input over TLS: 400 and close, nothing at the origin.
    let before = origin.count();
    let mut c = Client::new(tls_connect(
        port,
        "other.test",
        &p.other_pem,
        b"\x08http/1.1",
    ));
    c.send(b"POST /echo HTTP/1.1\r\nHost: other.test\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /size/1 HTTP/1.1\r\nHost: other.test\r\n\r\n");
    let r = c.response(false);
    assert_eq!(r.status, 400);
    assert!(c.is_closed());
    assert_eq!(origin.count(), before);

    let t = p.proxy.settled_trace(3, SETTLE);
    assert_eq!(count_events(&t, "TXN_START"), 8);
}

#[test]
fn tls_sessions_without_requests_and_failed_handshakes() {
    let origin = Origin::start();
    let p = start("tls-no-request", &origin);
    let port = p.proxy.tls_port;
    // Plain HTTP on the TLS port: the handshake fails, no session.
    let mut c = Client::connect(port);
    c.send(b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n");
    let (rest, closed) = c.read_to_end();
    // Not a TLS record: OpenSSL gives up without an alert (SSL_R_HTTP_REQUEST), so nothing at
    // all is sent back before the close.
    assert_eq!(rest, b"", "{}", String::from_utf8_lossy(&rest));
    assert!(closed, "the TLS port kept a plaintext connection");
    // A TCP connection that never says anything, closed by the client.
    drop(Client::connect(port));
    // A handshake without ALPN, then nothing: no session (ATS probes for a first byte then).
    let mut s = tls_connect(port, "example.com", &p.example_pem, b"");
    assert_eq!(s.ssl().selected_alpn_protocol(), None);
    std::thread::sleep(Duration::from_millis(200));
    let _ = s.shutdown();
    drop(s);
    // A handshake, then nothing: with ALPN http/1.1 the session starts after the handshake
    // (ATS's SSN_START without a request), and closes when the client goes.
    let mut s = tls_connect(port, "example.com", &p.example_pem, b"\x08http/1.1");
    std::thread::sleep(Duration::from_millis(200));
    let _ = s.shutdown();
    drop(s);
    let t = p.proxy.settled_trace(1, SETTLE);
    assert_eq!(count_events(&t, "SSN_START"), 1);
    assert_eq!(count_events(&t, "TXN_START"), 0);
    assert_eq!(origin.count(), 0);
}
