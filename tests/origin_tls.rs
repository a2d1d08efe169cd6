//! `https://` remap targets reached over TLS (issue 19's first part): a real `openssl s_server`
//! origin with a certificate made for the test, and ATS's
//! `proxy.config.ssl.client.verify.server.policy` (PERMISSIVE: a failed check is logged and the
//! request goes on, ATS's default; ENFORCED: 502 with a log line naming the origin and the reason;
//! DISABLED), `.properties` and `proxy.config.ssl.client.CA.cert.filename`. What Debian's ATS
//! 9.2.9 did with the same s_server and rule (2026-12-07): PERMISSIVE 200 with a WARNING
//! ("Core server certificate verification failed ... Action=Continue Error=self-signed
//! certificate"); ENFORCED 502; ENFORCED with the CA 200 when the certificate names the target
//! `127.0.0.1` as a DNS name, 502 when it has it only as an IP address ("SNI (127.0.0.1) not in
//! certificate"), and 200 for the latter with `.properties SIGNATURE`.
mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::proxy::{raw_request, Origin, Proxy, Setup};
use common::temp_dir;

/// `openssl s_server -www` on 127.0.0.1 with a certificate for `san`: it answers a GET with a
/// status page (`HTTP/1.0 200 ok`).
struct TlsOrigin {
    child: Child,
    port: u16,
    cert: PathBuf,
}

impl TlsOrigin {
    fn start(dir: &Path, san: &str) -> TlsOrigin {
        let (cert, key) = (dir.join("origin.pem"), dir.join("origin.key"));
        let ok = Command::new("openssl")
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            ])
            .args(["-subj", "/CN=tls-origin", "-addext"])
            .arg(format!("subjectAltName={san}"))
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .stderr(Stdio::null())
            .status()
            .expect("openssl req");
        assert!(ok.success());
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("openssl")
            .args(["s_server", "-www", "-quiet", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("-cert")
            .arg(&cert)
            .arg("-key")
            .arg(&key)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl s_server");
        let end = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < end, "s_server did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
        TlsOrigin { child, port, cert }
    }
}

impl Drop for TlsOrigin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn proxy(name: &str, tls: &TlsOrigin, records: Vec<String>) -> Proxy {
    let plain = Origin::start();
    Proxy::start(
        name,
        &plain,
        Setup {
            records,
            remap: vec![format!(
                "map http://tls.example/ https://127.0.0.1:{}/",
                tls.port
            )],
            ..Setup::default()
        },
    )
}

fn get(proxy: &Proxy) -> String {
    let req = b"GET / HTTP/1.1\r\nHost: tls.example\r\nConnection: close\r\n\r\n";
    String::from_utf8_lossy(&raw_request(proxy.port, req)).into_owned()
}

#[test]
fn an_https_target_is_reached_over_tls_with_atss_verify_policies() {
    let dir = temp_dir("origin-tls");
    let origin = TlsOrigin::start(&dir, "DNS:127.0.0.1");
    let policy =
        |p: &str| format!("CONFIG proxy.config.ssl.client.verify.server.policy STRING {p}");
    let ca = format!(
        "CONFIG proxy.config.ssl.client.CA.cert.filename STRING {}",
        origin.cert.display()
    );

    // PERMISSIVE (the default): an untrusted certificate is logged, the request goes on.
    let p = proxy("origin-tls-permissive", &origin, vec![]);
    let resp = get(&p);
    assert!(resp.starts_with("HTTP/1.1 200 "), "{resp}");
    assert!(resp.contains("<HTML>"), "s_server's page: {resp}");
    // ATS's words, seen beside it.
    assert!(
        p.wait_for_stderr(
            "WARNING: Core server certificate verification failed for (127.0.0.1). Action=Continue Error=self-signed certificate server=127.0.0.1(127.0.0.1) depth=0",
            Duration::from_secs(5)
        ),
        "{}",
        p.stderr()
    );
    drop(p);

    // ENFORCED without the origin's CA: 502, and the log names the origin and why.
    let p = proxy("origin-tls-enforced", &origin, vec![policy("ENFORCED")]);
    let resp = get(&p);
    assert!(resp.starts_with("HTTP/1.1 502 "), "{resp}");
    let line = format!(
        "origin 127.0.0.1 (127.0.0.1:{}): TLS: its certificate was refused: self-signed certificate",
        origin.port
    );
    assert!(
        p.wait_for_stderr(
            "Core server certificate verification failed for (127.0.0.1). Action=Terminate",
            Duration::from_secs(5)
        ),
        "{}",
        p.stderr()
    );
    assert!(
        p.wait_for_stderr(&line, Duration::from_secs(5)),
        "{}",
        p.stderr()
    );
    drop(p);

    // ENFORCED with the CA: the name (the target's address) is in the certificate: 200.
    let p = proxy(
        "origin-tls-enforced-ca",
        &origin,
        vec![policy("ENFORCED"), ca.clone()],
    );
    let resp = get(&p);
    assert!(resp.starts_with("HTTP/1.1 200 "), "{resp}");
    drop(p);

    // DISABLED: nothing is checked.
    let p = proxy("origin-tls-disabled", &origin, vec![policy("DISABLED")]);
    assert!(get(&p).starts_with("HTTP/1.1 200 "));
    assert!(
        !p.stderr().contains("verification failed"),
        "{}",
        p.stderr()
    );
}

#[test]
fn an_address_only_in_the_ip_entries_fails_enforced_name_verification_as_in_ats() {
    let dir = temp_dir("origin-tls-name");
    let origin = TlsOrigin::start(&dir, "IP:127.0.0.1");
    let p = proxy(
        "origin-tls-name",
        &origin,
        vec![
            "CONFIG proxy.config.ssl.client.verify.server.policy STRING ENFORCED".into(),
            format!(
                "CONFIG proxy.config.ssl.client.CA.cert.filename STRING {}",
                origin.cert.display()
            ),
        ],
    );
    let resp = get(&p);
    assert!(resp.starts_with("HTTP/1.1 502 "), "{resp}");
    assert!(
        p.wait_for_stderr(
            "WARNING: SNI (127.0.0.1) not in certificate. Action=Terminate server=127.0.0.1(127.0.0.1)",
            Duration::from_secs(5)
        ),
        "{}",
        p.stderr()
    );
    drop(p);
    // SIGNATURE checks the chain only: the same origin is accepted.
    let p = proxy(
        "origin-tls-signature",
        &origin,
        vec![
            "CONFIG proxy.config.ssl.client.verify.server.policy STRING ENFORCED".into(),
            "CONFIG proxy.config.ssl.client.verify.server.properties STRING SIGNATURE".into(),
            format!(
                "CONFIG proxy.config.ssl.client.CA.cert.filename STRING {}",
                origin.cert.display()
            ),
        ],
    );
    assert!(get(&p).starts_with("HTTP/1.1 200 "));
}
