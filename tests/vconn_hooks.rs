//! The client connection hooks (TS_VCONN_START_HOOK, TS_SSL_CLIENT_HELLO_HOOK,
//! TS_SSL_SERVERNAME_HOOK, TS_SSL_CERT_HOOK, TS_VCONN_CLOSE_HOOK) and the TSVConn API, with the
//! real tshost, real clients (curl, openssl s_client, raw sockets) and a C plugin built against
//! Debian's ts.h (tests/c/vconn_hooks_plugin.c). Orders and edata were first seen on ATS 9.2.9
//! with the same plugin.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use common::proxy::{check_invariants, make_cert, run_with_timeout, Origin, Proxy, Setup};
use common::{build_plugin_with, crate_dir, temp_dir, Header};
use openssl::ssl::{HandshakeError, SslConnector, SslMethod, SslVerifyMode};

fn plugin_so() -> PathBuf {
    static SO: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    SO.get_or_init(|| {
        let so = temp_dir("vconn-hooks-build").join("vconn_hooks_plugin.so");
        build_plugin_with(
            &crate_dir().join("tests/c/vconn_hooks_plugin.c"),
            &so,
            Header::Debian,
            &["-lpthread", "-lssl"],
        );
        so
    })
    .clone()
}

struct Hooked {
    proxy: Proxy,
    log: PathBuf,
    ca: PathBuf,
}

/// tshost with certificates for a.test (the default) and b.test, and the plugin with `args`.
fn start(name: &str, origin: &Origin, args: &str, records: &[&str]) -> Hooked {
    start_with(name, origin, args, records, Vec::new(), Vec::new())
}

/// [`start`], with more plugin.config lines.
fn start_with(
    name: &str,
    origin: &Origin,
    args: &str,
    records: &[&str],
    more_plugins: Vec<String>,
    more_remap: Vec<String>,
) -> Hooked {
    let scratch = temp_dir(&format!("vconn-{name}-certs"));
    let (a_cert, a_key) = make_cert(&scratch, "a.test");
    let (b_cert, b_key) = make_cert(&scratch, "b.test");
    let ca = scratch.join("ca.pem");
    std::fs::write(&ca, [a_cert.clone(), b_cert.clone()].concat()).unwrap();
    let log = scratch.join("hooks.log");
    let _ = std::fs::remove_file(&log);
    let proxy = Proxy::start(
        &format!("vconn-{name}"),
        origin,
        Setup {
            records: records.iter().map(|r| r.to_string()).collect(),
            plugins: [
                vec![format!("{} {} {args}", plugin_so().display(), log.display())],
                more_plugins,
            ]
            .concat(),
            remap: vec![
                format!("map https://a.test/ http://127.0.0.1:{}/", origin.port),
                format!("map https://b.test/ http://127.0.0.1:{}/", origin.port),
                format!("map https://c.test/ http://127.0.0.1:{}/", origin.port),
            ]
            .into_iter()
            .chain(more_remap)
            .collect(),
            multicert: Some(
                "dest_ip=* ssl_cert_name=a.pem ssl_key_name=a.key\nssl_cert_name=b.pem ssl_key_name=b.key\n"
                    .into(),
            ),
            files: vec![
                ("a.pem".into(), a_cert),
                ("a.key".into(), a_key),
                ("b.pem".into(), b_cert),
                ("b.key".into(), b_key),
            ],
        },
    );
    Hooked { proxy, log, ca }
}

impl Hooked {
    fn lines(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// The log once `n` VCONN_CLOSE lines are in it (at most 10 s).
    fn settled(&self, n: usize) -> Vec<String> {
        let end = Instant::now() + Duration::from_secs(10);
        loop {
            let l = self.lines();
            if l.iter().filter(|l| l.starts_with("VCONN_CLOSE")).count() >= n
                || Instant::now() > end
            {
                return l;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// curl to https://HOST/size/5 (resolved to tshost's TLS port); (exit code, head + body).
    fn curl(&self, host: &str, extra: &[&str]) -> (i32, String) {
        let port = self.proxy.tls_port;
        let mut cmd = Command::new("curl");
        cmd.args([
            "-sS",
            "-i",
            "--max-time",
            "10",
            "--cacert",
            self.ca.to_str().unwrap(),
            "--resolve",
            &format!("{host}:{port}:127.0.0.1"),
            // The rules map the host on port 443.
            "-H",
            &format!("Host: {host}"),
        ])
        .args(extra)
        .arg(format!("https://{host}:{port}/size/5"));
        let (rc, out, err) = run_with_timeout(&mut cmd, b"", Duration::from_secs(20));
        (
            rc,
            String::from_utf8_lossy(&out).into_owned() + &String::from_utf8_lossy(&err),
        )
    }
}

/// The value of `key=` in a log line.
fn field<'a>(line: &'a str, key: &str) -> &'a str {
    line.split(' ')
        .find_map(|w| w.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
        .unwrap_or("")
}

fn events(lines: &[String]) -> Vec<&str> {
    lines
        .iter()
        .map(|l| l.split(' ').next().unwrap_or(""))
        .collect()
}

/// Every VCONN_START has one VCONN_CLOSE of the same connection, after every other hook of it
/// (SSN_CLOSE comes after it, with no connection).
fn check_pairs(lines: &[String]) {
    let dump = || lines.join("\n");
    let mut open: std::collections::HashMap<&str, bool> = Default::default();
    for l in lines {
        let vc = field(l, "vc");
        match l.split(' ').next().unwrap() {
            "VCONN_START" => {
                assert!(
                    open.insert(vc, true).is_none(),
                    "second VCONN_START:\n{}",
                    dump()
                )
            }
            "VCONN_CLOSE" => {
                assert_eq!(
                    open.insert(vc, false),
                    Some(true),
                    "VCONN_CLOSE without VCONN_START:\n{}",
                    dump()
                )
            }
            "CLIENT_HELLO" | "SERVERNAME" | "CERT" | "SSN_START" if open.contains_key(vc) => {
                assert!(open[vc], "{l} after VCONN_CLOSE:\n{}", dump())
            }
            _ => {}
        }
    }
    assert!(
        open.values().all(|o| !o),
        "a VCONN_START without VCONN_CLOSE:\n{}",
        dump()
    );
}

#[test]
fn connection_hooks_fire_in_ats_order_with_one_tsvconn_for_the_whole_connection() {
    let origin = Origin::start();
    let h = start("order", &origin, "", &[]);
    let (rc, out) = h.curl("a.test", &["--http1.1"]);
    assert_eq!(rc, 0, "{out}");
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    let lines = h.settled(1);
    assert_eq!(
        events(&lines),
        [
            "VCONN_START",
            "CLIENT_HELLO",
            "SERVERNAME",
            "CERT",
            "SSN_START",
            "VCONN_CLOSE",
            "SSN_CLOSE"
        ],
        "{lines:#?}"
    );
    // ATS 9.2.9 gives the same lines: VCONN_CLOSE when the connection closes, then SSN_CLOSE,
    // where TSHttpSsnClientVConnGet is NULL (the connection is gone).
    let vc = field(&lines[0], "vc");
    assert!(
        lines[..6].iter().all(|l| field(l, "vc") == vc),
        "{lines:#?}"
    );
    assert_eq!(field(&lines[6], "vc"), "(nil)", "{lines:#?}");
    // The connection's addresses and socket, from the first hook on.
    assert_eq!(field(&lines[0], "peer"), "127.0.0.1");
    assert_eq!(field(&lines[0], "lport"), h.proxy.tls_port.to_string());
    assert_eq!(field(&lines[0], "ssl"), "1");
    assert_ne!(field(&lines[0], "fd"), "-1");
    // SSL_get_servername knows the client's SNI from SERVERNAME on (ATS 9.2.9: the same).
    assert_eq!(field(&lines[0], "sni"), "");
    assert_eq!(field(&lines[1], "sni"), "");
    assert_eq!(field(&lines[2], "sni"), "a.test");
    // The session sees the same TSVConn: the VCONN argument set at VCONN_START, the TLS facts.
    let ssn = &lines[4];
    assert_eq!(field(ssn, "arg"), "1", "{ssn}");
    assert_eq!(field(ssn, "proto"), "TLSv1.3", "{ssn}");
    assert_eq!(field(ssn, "cipher"), "TLS_AES_256_GCM_SHA384", "{ssn}");
    assert_eq!(field(ssn, "curve"), "X25519", "{ssn}");
    assert_eq!(field(ssn, "sni"), "a.test", "{ssn}");
    assert_eq!(field(ssn, "len"), "6", "{ssn}");
    assert_eq!(field(ssn, "reused"), "0", "{ssn}");
    check_pairs(&lines);
    check_invariants(&h.proxy.settled_trace(1, Duration::from_secs(10)));
}

/// ATS 9.2.9 with the same plugin: the same lines, except that it calls the held CLIENT_HELLO
/// callee a second time when it goes on (OpenSSL calls its ClientHello callback again after the
/// retry, and ATS walks its hook list again); tshost calls each callee once.
#[test]
fn a_plugin_holds_vconn_start_client_hello_and_cert_from_a_thread_and_the_handshake_completes() {
    let origin = Origin::start();
    let h = start(
        "hold",
        &origin,
        "hold=VCONN_START,CLIENT_HELLO,CERT ms=200",
        &[],
    );
    let t = Instant::now();
    let (rc, out) = h.curl("b.test", &["--http1.1"]);
    let took = t.elapsed();
    assert_eq!(rc, 0, "{out}");
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert!(took >= Duration::from_millis(600), "{took:?}");
    let lines = h.settled(1);
    assert_eq!(
        events(&lines),
        [
            "VCONN_START",
            "REENABLE",
            "CLIENT_HELLO",
            "REENABLE",
            "SERVERNAME",
            "CERT",
            "REENABLE",
            "SSN_START",
            "VCONN_CLOSE",
            "SSN_CLOSE"
        ],
        "{lines:#?}"
    );
    check_pairs(&lines);
}

/// ATS 9.2.9 with the same plugin: after ERROR at VCONN_START or CERT it leaves the client
/// waiting until a timeout (and fires VCONN_CLOSE only then); after ERROR at CLIENT_HELLO it calls
/// SERVERNAME before it fails the handshake. tshost fails the handshake at once, every time.
#[test]
fn a_reenable_with_ts_event_error_fails_the_handshake_at_each_holdable_hook() {
    let origin = Origin::start();
    for (k, hook) in ["VCONN_START", "CLIENT_HELLO", "CERT"].iter().enumerate() {
        let h = start(&format!("fail{k}"), &origin, &format!("fail={hook}"), &[]);
        let (rc, out) = h.curl("a.test", &["--http1.1"]);
        assert_ne!(rc, 0, "{hook}: {out}");
        let lines = h.settled(1);
        assert!(
            lines.iter().any(|l| l.starts_with(&format!("FAIL {hook}"))),
            "{lines:#?}"
        );
        // No session for a handshake that never completed; the pair still closes.
        assert!(!lines.iter().any(|l| l.starts_with("SSN_")), "{lines:#?}");
        let after: Vec<&str> = events(&lines)
            .into_iter()
            .skip_while(|e| *e != "FAIL")
            .collect();
        assert_eq!(after, ["FAIL", "VCONN_CLOSE"], "{hook}: {lines:#?}");
        check_pairs(&lines);
    }
}

#[test]
fn a_cert_hook_plugin_switches_the_certificate_by_sni() {
    let origin = Origin::start();
    let h = start("cert", &origin, "cert=c.test:b.test", &[]);
    // c.test has no certificate: tshost would give the default (a.test); the plugin gives b.test.
    let out = s_client_subject(h.proxy.tls_port, "c.test");
    assert!(
        out.contains("CN=b.test") || out.contains("CN = b.test"),
        "{out}"
    );
    let out = s_client_subject(h.proxy.tls_port, "d.test");
    assert!(
        out.contains("CN=a.test") || out.contains("CN = a.test"),
        "{out}"
    );
    let lines = h.settled(2);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("SWITCH") && field(l, "found") == "1"),
        "{lines:#?}"
    );
    check_pairs(&lines);
}

/// The subject of the certificate tshost presents for `sni`.
fn s_client_subject(port: u16, sni: &str) -> String {
    let (_, out, err) = run_with_timeout(
        Command::new("openssl").args([
            "s_client",
            "-connect",
            &format!("127.0.0.1:{port}"),
            "-servername",
            sni,
        ]),
        b"",
        Duration::from_secs(20),
    );
    String::from_utf8_lossy(&out)
        .lines()
        .chain(String::from_utf8_lossy(&err).lines())
        .filter(|l| l.contains("subject="))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn tsvconnprotocoldisable_at_servername_makes_an_h2_client_speak_http_1_1() {
    let origin = Origin::start();
    let h = start("alpn", &origin, "noh2=b.test", &[]);
    let (rc, out) = h.curl("b.test", &["--http2"]);
    assert_eq!(rc, 0, "{out}");
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    let (rc, out) = h.curl("a.test", &["--http2"]);
    assert_eq!(rc, 0, "{out}");
    assert!(out.starts_with("HTTP/2 200"), "{out}");
    let lines = h.settled(2);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("DISABLE h2") && field(l, "rc") == "1"),
        "{lines:#?}"
    );
    check_pairs(&lines);
}

#[test]
fn a_plain_connection_has_a_tsvconn_too_with_its_own_user_arguments() {
    let origin = Origin::start();
    let h = start("plain", &origin, "", &[]);
    let mut s = TcpStream::connect(("127.0.0.1", h.proxy.port)).unwrap();
    s.write_all(b"GET /size/5 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut buf = Vec::new();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let _ = std::io::Read::read_to_end(&mut s, &mut buf);
    assert!(buf.starts_with(b"HTTP/1.1 200"));
    let end = Instant::now() + Duration::from_secs(10);
    let lines = loop {
        let l = h.lines();
        if l.iter().any(|l| l.starts_with("SSN_CLOSE")) || Instant::now() > end {
            break l;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // No connection hook for a plain connection (ATS fires them for TLS ones only).
    assert_eq!(
        events(&lines),
        ["SSN_START", "PLAIN", "SSN_CLOSE"],
        "{lines:#?}"
    );
    assert_eq!(field(&lines[0], "ssl"), "0");
    assert_eq!(field(&lines[0], "proto"), "-");
    assert_eq!(field(&lines[0], "sni"), "(null)");
    assert_eq!(field(&lines[1], "arg"), "1");
    assert_eq!(field(&lines[1], "fd_ok"), "1");
}

/// Garbage, connections closed before or during the ClientHello, silent ones cut by the handshake
/// timeout, and clients that leave while a plugin holds a hook: every VCONN_START has its
/// VCONN_CLOSE, and none of them has a session.
#[test]
fn vconn_start_and_close_pair_up_under_garbage_abandoned_and_timed_out_connections() {
    let origin = Origin::start();
    let h = start(
        "pairs",
        &origin,
        "hold=CERT ms=300",
        &["CONFIG proxy.config.ssl.handshake_timeout_in INT 1"],
    );
    let port = h.proxy.tls_port;
    let n = 20;
    for _ in 0..n {
        // Closed at once.
        drop(TcpStream::connect(("127.0.0.1", port)).unwrap());
        // Garbage instead of a ClientHello.
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let _ = s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    }
    // Silent: cut by the 1 s handshake timeout.
    let silent: Vec<TcpStream> = (0..n)
        .map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap())
        .collect();
    // A ClientHello, then gone while the plugin holds CERT.
    let mut leavers = Vec::new();
    for _ in 0..n {
        let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_nonblocking(true).unwrap();
        let mut b = SslConnector::builder(SslMethod::tls_client()).unwrap();
        b.set_verify(SslVerifyMode::NONE);
        let ssl = b.build().configure().unwrap().into_ssl("a.test").unwrap();
        match ssl.connect(s) {
            Err(HandshakeError::WouldBlock(mid)) => leavers.push(mid),
            other => panic!(
                "the handshake did not wait for the server: {:?}",
                other.err()
            ),
        }
    }
    // Every leaver's CERT is held now; they go.
    let end = Instant::now() + Duration::from_secs(10);
    while h.lines().iter().filter(|l| l.starts_with("CERT")).count() < n && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(leavers);
    let lines = h.settled(4 * n);
    drop(silent);
    let starts = lines
        .iter()
        .filter(|l| l.starts_with("VCONN_START"))
        .count();
    assert_eq!(starts, 4 * n, "{lines:#?}");
    check_pairs(&lines);
    assert!(!lines.iter().any(|l| l.starts_with("SSN_")), "{lines:#?}");
    // tshost is still fine.
    let (rc, out) = h.curl("a.test", &["--http1.1"]);
    assert_eq!(rc, 0, "{out}");
}

/// proxy.config.ssl.handshake_timeout_in bounds the whole handshake, held hooks included: a
/// client that drips its ClientHello is closed, and so is one whose CERT a plugin holds past the
/// timeout (ATS 9.2.9 cuts that one too, at the same time, but never fires its VCONN_CLOSE: seen
/// with this plugin; tshost fires it). A silent client is closed at the same timeout (ATS waits
/// for proxy.config.http.accept_no_activity_timeout, 120 s: tshost is stricter).
#[test]
fn the_handshake_timeout_closes_dripping_silent_and_held_handshakes_with_their_vconn_close() {
    let origin = Origin::start();
    let h = start(
        "timeout",
        &origin,
        "hold=CERT ms=4000",
        &["CONFIG proxy.config.ssl.handshake_timeout_in INT 1"],
    );
    let port = h.proxy.tls_port;
    let closed_within = |mut s: TcpStream, drip: bool| -> Duration {
        let t = Instant::now();
        s.set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        // A TLS record header that announces far more than ever comes.
        let hello = [0x16u8, 0x03, 0x01, 0x02, 0x00, 0x01];
        let mut sent = 0;
        loop {
            assert!(t.elapsed() < Duration::from_secs(10), "never closed");
            if drip && sent < hello.len() {
                let _ = s.write_all(&hello[sent..sent + 1]);
                sent += 1;
            }
            let mut b = [0u8; 64];
            match std::io::Read::read(&mut s, &mut b) {
                Ok(0) => return t.elapsed(),
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(_) => return t.elapsed(),
            }
            if drip {
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    };
    let silent = closed_within(TcpStream::connect(("127.0.0.1", port)).unwrap(), false);
    assert!(
        silent >= Duration::from_millis(900) && silent < Duration::from_secs(3),
        "{silent:?}"
    );
    let dripping = closed_within(TcpStream::connect(("127.0.0.1", port)).unwrap(), true);
    assert!(
        dripping >= Duration::from_millis(900) && dripping < Duration::from_secs(3),
        "{dripping:?}"
    );
    // CERT held for 4 s: the client is let go at about 1 s.
    let t = Instant::now();
    let (rc, out) = h.curl("a.test", &["--http1.1"]);
    let held = t.elapsed();
    assert_ne!(rc, 0, "{out}");
    assert!(held < Duration::from_secs(3), "{held:?}");
    let lines = h.settled(3);
    check_pairs(&lines);
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("VCONN_CLOSE"))
            .count(),
        3,
        "{lines:#?}"
    );
    assert!(!lines.iter().any(|l| l.starts_with("SSN_")), "{lines:#?}");
}

/// The SHA-256 fingerprint of the certificate tshost presents for `sni`.
fn fingerprint(port: u16, sni: &str) -> String {
    let (_, out, _) = run_with_timeout(
        Command::new("sh").arg("-c").arg(format!(
            "openssl s_client -connect 127.0.0.1:{port} -servername {sni} </dev/null 2>/dev/null \
             | openssl x509 -noout -fingerprint -sha256"
        )),
        b"",
        Duration::from_secs(20),
    );
    String::from_utf8_lossy(&out).trim().to_string()
}

/// TSSslServerCertUpdate (what ATS's cert_update test plugin calls): the certificate named by the
/// new one's CN is replaced for new handshakes, the default one included; a name no certificate
/// has is refused.
#[test]
fn tssslservercertupdate_replaces_a_certificate_for_new_handshakes() {
    let dir = temp_dir("vconn-cert-update");
    let so = dir.join("cert_update_plugin.so");
    build_plugin_with(
        &crate_dir().join("tests/c/cert_update_plugin.c"),
        &so,
        Header::Debian,
        &[],
    );
    for n in ["a.test", "b.test", "z.test"] {
        let (c, k) = make_cert(&dir, n);
        std::fs::write(dir.join(format!("{n}.both.pem")), [c, k].concat()).unwrap();
    }
    for (n, (target, sni)) in [
        ("b.test", "b.test"),
        ("a.test", "nothing.test"),
        ("z.test", "a.test"),
    ]
    .into_iter()
    .enumerate()
    {
        let origin = Origin::start();
        let both = dir.join(format!("{target}.both.pem"));
        let h = start_with(
            &format!("cert-update{n}"),
            &origin,
            "",
            &[],
            vec![format!("{} {}", so.display(), both.display())],
            Vec::new(),
        );
        let before = fingerprint(h.proxy.tls_port, sni);
        let other = fingerprint(
            h.proxy.tls_port,
            if sni == "b.test" { "a.test" } else { "b.test" },
        );
        assert!(before.contains("Fingerprint"), "{before}");
        let mut s = TcpStream::connect(("127.0.0.1", h.proxy.port)).unwrap();
        s.write_all(b"GET /update-cert HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut buf = Vec::new();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let _ = std::io::Read::read_to_end(&mut s, &mut buf);
        let verdict = if target == "z.test" { "error" } else { "ok" };
        assert!(
            h.proxy.wait_for_stderr(
                &format!("TSSslServerCertUpdate({}): {verdict}", both.display()),
                Duration::from_secs(5)
            ),
            "{}",
            h.proxy.stderr()
        );
        let after = fingerprint(h.proxy.tls_port, sni);
        if target == "z.test" {
            assert_eq!(before, after, "{target}");
            assert!(h
                .proxy
                .stderr()
                .contains("no certificate is configured for z.test"));
        } else {
            assert_ne!(before, after, "{target}");
            let want = fingerprint_of(&both);
            assert_eq!(after, want, "{target}");
        }
        // The other certificate is untouched.
        let other_after = fingerprint(
            h.proxy.tls_port,
            if sni == "b.test" { "a.test" } else { "b.test" },
        );
        assert_eq!(other, other_after);
    }
}

/// The SHA-256 fingerprint of a PEM certificate file.
fn fingerprint_of(pem: &std::path::Path) -> String {
    let (_, out, _) = run_with_timeout(
        Command::new("openssl")
            .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
            .arg(pem),
        b"",
        Duration::from_secs(20),
    );
    String::from_utf8_lossy(&out).trim().to_string()
}

/// `openssl s_server -www` on 127.0.0.1 with a certificate for DNS:127.0.0.1 (its PEM is the CA
/// a test trusts): an HTTPS origin.
struct TlsOrigin {
    child: std::process::Child,
    port: u16,
    cert: PathBuf,
}

impl TlsOrigin {
    fn start(dir: &std::path::Path) -> TlsOrigin {
        make_cert(dir, "127.0.0.1");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("openssl")
            .args(["s_server", "-www", "-quiet", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("-cert")
            .arg(dir.join("127.0.0.1.pem"))
            .arg("-key")
            .arg(dir.join("127.0.0.1.key"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("openssl s_server");
        let end = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < end, "s_server did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
        TlsOrigin {
            child,
            port,
            cert: dir.join("127.0.0.1.pem"),
        }
    }
}

impl Drop for TlsOrigin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// GET https://o.test/ through tshost's plain port (to an HTTPS origin): the status line.
fn get_tls_origin(h: &Hooked) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", h.proxy.port)).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: o.test\r\nConnection: close\r\n\r\n")
        .unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut buf = Vec::new();
    let _ = std::io::Read::read_to_end(&mut s, &mut buf);
    String::from_utf8_lossy(&buf)
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}

/// The origin side's hooks (ATS's SSLNetVConnection as a client): TS_VCONN_OUTBOUND_START_HOOK
/// before the handshake (a plugin may hold it), TS_SSL_VERIFY_SERVER_HOOK at the origin's
/// certificate once tshost's own checks passed (the store context given), and
/// TS_VCONN_OUTBOUND_CLOSE_HOOK when the connection closes, paired with the start. A callee that
/// fails the certificate makes a 502 under ENFORCED and is only logged under PERMISSIVE (ATS's
/// verify_callback).
#[test]
fn origin_connections_fire_outbound_start_verify_server_and_outbound_close() {
    let dir = temp_dir("vconn-outbound");
    let origin_tls = TlsOrigin::start(&dir);
    let records = |policy: &str| {
        vec![
            format!(
                "CONFIG proxy.config.ssl.client.CA.cert.filename STRING {}",
                origin_tls.cert.display()
            ),
            format!("CONFIG proxy.config.ssl.client.verify.server.policy STRING {policy}"),
        ]
    };
    let remap = format!("map http://o.test/ https://127.0.0.1:{}/", origin_tls.port);
    let run = |name: &str, args: &str, policy: &str| -> (Hooked, String, Duration) {
        let origin = Origin::start();
        let recs = records(policy);
        let recs: Vec<&str> = recs.iter().map(String::as_str).collect();
        let h = start_with(name, &origin, args, &recs, Vec::new(), vec![remap.clone()]);
        let t = Instant::now();
        let status = get_tls_origin(&h);
        (h, status, t.elapsed())
    };
    let events_of = |h: &Hooked| -> Vec<String> {
        let end = Instant::now() + Duration::from_secs(10);
        loop {
            let l = h.lines();
            if l.iter().any(|l| l.starts_with("OUT_CLOSE")) || Instant::now() > end {
                return l
                    .iter()
                    .map(|l| l.split(' ').next().unwrap().to_string())
                    .filter(|e| {
                        matches!(
                            e.as_str(),
                            "OUT_START"
                                | "VERIFY_SERVER"
                                | "VERIFY_CTX"
                                | "REENABLE"
                                | "FAIL"
                                | "OUT_CLOSE"
                        )
                    })
                    .collect();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    };

    // All pass; OUTBOUND_START held 200 ms from a thread.
    let (h, status, took) = run("outbound", "outbound hold=OUT_START ms=200", "ENFORCED");
    assert!(status.contains(" 200"), "{status}\n{}", h.proxy.stderr());
    assert!(took >= Duration::from_millis(200), "{took:?}");
    assert_eq!(
        events_of(&h),
        [
            "OUT_START",
            "REENABLE",
            "VERIFY_SERVER",
            "VERIFY_CTX",
            "OUT_CLOSE"
        ],
        "{:#?}",
        h.lines()
    );
    let lines = h.lines();
    let ctx = lines.iter().find(|l| l.starts_with("VERIFY_CTX")).unwrap();
    assert_eq!(field(ctx, "ctx"), "1", "{ctx}");
    let out: Vec<&String> = lines.iter().filter(|l| l.starts_with("OUT_")).collect();
    assert_eq!(field(out[0], "vc"), field(out[1], "vc"));
    assert_eq!(field(out[0], "ssl"), "1");
    // The remote address is the origin's; the local one tshost's side of the connection.
    assert_eq!(field(out[0], "peer"), "127.0.0.1");
    assert_ne!(field(out[0], "lport"), "0");
    assert_ne!(field(out[0], "lport"), origin_tls.port.to_string());
    drop(h);

    // A plugin fails the certificate: 502 under ENFORCED, logged and carried on under PERMISSIVE.
    let (h, status, _) = run("outbound-fail", "outbound fail=VERIFY_SERVER", "ENFORCED");
    assert!(status.contains(" 502"), "{status}");
    // The log line is read from tshost's stderr by a thread: waited for, not raced.
    assert!(h.proxy.wait_for_stderr(
        "TS_EVENT_SSL_VERIFY_SERVER plugin failed",
        std::time::Duration::from_secs(5)
    ));
    assert_eq!(
        events_of(&h),
        [
            "OUT_START",
            "VERIFY_SERVER",
            "VERIFY_CTX",
            "FAIL",
            "OUT_CLOSE"
        ]
    );
    drop(h);
    let (h, status, _) = run("outbound-perm", "outbound fail=VERIFY_SERVER", "PERMISSIVE");
    assert!(status.contains(" 200"), "{status}");
    // The log line is read from tshost's stderr by a thread: waited for, not raced.
    assert!(h.proxy.wait_for_stderr(
        "TS_EVENT_SSL_VERIFY_SERVER plugin failed",
        std::time::Duration::from_secs(5)
    ));
}
