//! ATS 9.2.9's TLS example plugins (`example/plugins/c-api/`: ssl_sni, ssl_sni_allowlist,
//! disable_http2), built from ATS's source against tshost's headers alone and against Debian's
//! ts.h (with tshost's stand-ins for the ATS-internal headers Debian does not ship), on tshost's TLS port
//! with real clients: a certificate switched by SNI (TSSslContextFindByName + SSL_set_SSL_CTX), a
//! blind tunnel (TSVConnTunnel) to a TLS server through a `tunnel://` rule, HTTP/2 turned off for
//! a name (TSVConnProtocolDisable); ssl_preaccept (libtscore's IpAddr from tshost's
//! `tscore/ink_inet.h`) tunneling the clients of an address range at VCONN_START; and Debian's
//! certifier.so minting certificates; ATS's test plugin ssl_hook_test built against Debian's header;
//! client_context_dump writing sni.yaml's client certificates to its text log.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::ats::build_example_with;
use common::proxy::{free_port, make_cert, run_with_timeout, Origin, Proxy, SServer, Setup};
use common::{temp_dir, Header};

/// `openssl s_server -www` with a certificate for origin.test: the destination of the tunnels.
fn tunnel_end(dir: &Path) -> SServer {
    SServer::start(dir, "origin.test", &[])
}

/// `openssl s_client` for `sni` sending a GET: the certificate subject it saw and what came back.
fn s_client(port: u16, sni: &str, extra: &[&str]) -> String {
    let (_, out, err) = run_with_timeout(
        Command::new("openssl")
            .args(["s_client", "-connect", &format!("127.0.0.1:{port}")])
            .args(["-servername", sni, "-ign_eof"])
            .args(extra),
        b"GET / HTTP/1.0\r\nHost: a.test\r\n\r\n",
        Duration::from_secs(20),
    );
    String::from_utf8_lossy(&out).into_owned() + &String::from_utf8_lossy(&err)
}

fn subject(out: &str) -> String {
    out.lines()
        .find(|l| l.starts_with("subject="))
        .unwrap_or("")
        .replace(' ', "")
}

/// tshost on a known TLS port, with certificates for a.test (default) and safelyfiled.com, the
/// plugins of `plugin_lines`, and a tunnel rule for www.facebook.com and unknown.test.
/// `connect_ports`: proxy.config.http.connect_ports, else ATS's default (443).
fn start(
    name: &str,
    origin: &Origin,
    tunnel_to: u16,
    plugin_lines: Vec<String>,
    connect_ports: bool,
) -> (Proxy, u16) {
    let certs = temp_dir(&format!("ats-tls-{name}-certs"));
    let (a_cert, a_key) = make_cert(&certs, "a.test");
    let (s_cert, s_key) = make_cert(&certs, "safelyfiled.com");
    let tls_port = free_port();
    let proxy = Proxy::start(
        &format!("ats-tls-{name}"),
        origin,
        Setup {
            records: [
                format!("CONFIG proxy.config.http.server_ports STRING 0:ip-in=127.0.0.1 {tls_port}:ssl:ip-in=127.0.0.1"),
                format!("CONFIG proxy.config.http.connect_ports STRING 443 {tls_port}"),
            ][..1 + connect_ports as usize]
                .to_vec(),
            plugins: plugin_lines,
            remap: vec![
                format!("map https://a.test/ http://127.0.0.1:{}/", origin.port),
                format!("map tunnel://www.facebook.com:{tls_port}/ tunnel://127.0.0.1:{tunnel_to}/"),
                format!("map tunnel://unknown.test:{tls_port}/ tunnel://127.0.0.1:{tunnel_to}/"),
                // A tunnel decided at VCONN_START has no SNI yet: its name is the local address.
                format!("map tunnel://127.0.0.1:{tls_port}/ tunnel://127.0.0.1:{tunnel_to}/"),
            ],
            multicert: Some(
                "dest_ip=* ssl_cert_name=a.pem ssl_key_name=a.key\nssl_cert_name=s.pem ssl_key_name=s.key\n"
                    .into(),
            ),
            files: vec![
                ("a.pem".into(), a_cert),
                ("a.key".into(), a_key),
                ("s.pem".into(), s_cert),
                ("s.key".into(), s_key),
            ],
        },
    );
    assert_eq!(proxy.tls_port, tls_port);
    (proxy, tls_port)
}

#[test]
fn ssl_sni_switches_the_certificate_and_tunnels_facebook_blindly() {
    // Built against tshost's headers, then against Debian's ts.h.
    for header in [Header::Ours, Header::Debian] {
        let dir = temp_dir("ats-tls-examples");
        let ssl_sni = build_example_with("ssl_sni/ssl_sni.cc", &dir, header);
        let end = tunnel_end(&dir);
        let origin = Origin::start();
        let (proxy, port) = start(
            "sni",
            &origin,
            end.port,
            vec![ssl_sni.display().to_string()],
            true,
        );

        // www.yahoo.com: tshost has no certificate of that name (the default a.test would do); the
        // plugin switches the connection to safelyfiled.com's context at the CERT hook.
        let out = s_client(port, "www.yahoo.com", &[]);
        assert!(subject(&out).contains("CN=safelyfiled.com"), "{out}");
        // a.test: the plugin leaves it alone; proxied as usual.
        let out = s_client(port, "a.test", &[]);
        assert!(subject(&out).contains("CN=a.test"), "{out}");
        assert!(out.contains(" 200 OK"), "{out}");
        // www.facebook.com: a blind tunnel: the client's TLS is the s_server's, untouched.
        let out = s_client(port, "www.facebook.com", &[]);
        assert!(subject(&out).contains("CN=origin.test"), "{out}");
        assert!(out.contains("HTTP/1.0 200 ok"), "{out}");
        assert!(out.contains("s_server"), "{out}");
        drop(proxy);
    }
}

#[test]
fn ssl_preaccept_tunnels_the_clients_of_its_address_range_at_vconn_start() {
    // Built against tshost's headers, then against Debian's ts.h.
    for header in [Header::Ours, Header::Debian] {
        let dir = temp_dir("ats-tls-preaccept");
        let preaccept = build_example_with("ssl_preaccept/ssl_preaccept.cc", &dir, header);
        let end = tunnel_end(&dir);
        let origin = Origin::start();
        // The clients (127.0.0.1) are in the range: every connection is tunneled blindly before its
        // handshake, to the tunnel rule of its SNI.
        let (proxy, port) = start(
            "preaccept-in",
            &origin,
            end.port,
            vec![format!("{} 127.0.0.1-127.0.0.2", preaccept.display())],
            true,
        );
        let out = s_client(port, "unknown.test", &[]);
        assert!(subject(&out).contains("CN=origin.test"), "{out}");
        assert!(out.contains("HTTP/1.0 200 ok"), "{out}");
        drop(proxy);
        // Out of the range (one address): terminated and proxied by tshost.
        let (_proxy, port) = start(
            "preaccept-out",
            &origin,
            end.port,
            vec![format!("{} 10.9.8.7", preaccept.display())],
            true,
        );
        let out = s_client(port, "a.test", &[]);
        assert!(subject(&out).contains("CN=a.test"), "{out}");
        assert!(out.contains(" 200 OK"), "{out}");
    }
}

#[test]
fn ssl_sni_allowlist_tunnels_names_without_a_certificate() {
    // Built against tshost's headers, then against Debian's ts.h.
    for header in [Header::Ours, Header::Debian] {
        let dir = temp_dir("ats-tls-allowlist");
        let allow = build_example_with("ssl_sni_allowlist/ssl_sni_allowlist.cc", &dir, header);
        let end = tunnel_end(&dir);
        let origin = Origin::start();
        // The port the client came to must be a connect port (ATS's default: 443 only), else the
        // tunnel is refused (closed).
        let (refusing, port) = start(
            "allow-443",
            &origin,
            end.port,
            vec![allow.display().to_string()],
            false,
        );
        let out = s_client(port, "unknown.test", &[]);
        assert!(!out.contains("CN=origin.test"), "{out}");
        assert!(
            refusing.wait_for_stderr(
                "not in proxy.config.http.connect_ports",
                Duration::from_secs(5)
            ),
            "{}",
            refusing.stderr()
        );
        drop(refusing);
        let (_proxy, port) = start(
            "allow",
            &origin,
            end.port,
            vec![allow.display().to_string()],
            true,
        );
        // A name with a certificate is terminated by tshost.
        let out = s_client(port, "safelyfiled.com", &[]);
        assert!(subject(&out).contains("CN=safelyfiled.com"), "{out}");
        // A name without one goes, blind, to the tunnel rule's destination.
        let out = s_client(port, "unknown.test", &[]);
        assert!(subject(&out).contains("CN=origin.test"), "{out}");
        assert!(out.contains("HTTP/1.0 200 ok"), "{out}");
    }
}

#[test]
fn disable_http2_turns_h2_off_for_the_names_it_is_given() {
    // Built against tshost's headers, then against Debian's ts.h.
    for header in [Header::Ours, Header::Debian] {
        let dir = temp_dir("ats-tls-h2");
        let no_h2 = build_example_with("disable_http2/disable_http2.cc", &dir, header);
        let end = tunnel_end(&dir);
        let origin = Origin::start();
        let (proxy, port) = start(
            "h2",
            &origin,
            end.port,
            vec![format!("{} safelyfiled.com", no_h2.display())],
            false,
        );
        let alpn = |sni: &str| {
            let out = s_client(port, sni, &["-alpn", "h2,http/1.1"]);
            out.lines()
                .find(|l| l.starts_with("ALPN protocol:"))
                .unwrap_or("")
                .to_string()
        };
        assert_eq!(alpn("safelyfiled.com"), "ALPN protocol: http/1.1");
        assert_eq!(alpn("a.test"), "ALPN protocol: h2");
        drop(proxy);
    }
}

/// Debian's unmodified certifier.so (TS_SSL_CERT_HOOK held while a task thread mints a
/// certificate signed by the plugin's CA, then SSL_set_SSL_CTX and TSVConnReenable from that
/// thread): every SNI gets a minted certificate, kept in its store, as on ATS 9.2.9 (seen with the
/// same options: a.test too, although ssl_multicert.config has a certificate for it).
#[test]
fn debians_certifier_mints_a_certificate_for_a_new_name() {
    let so = Path::new("/usr/lib/trafficserver/modules/certifier.so");
    assert!(
        so.is_file(),
        "{so:?}: apt-get install trafficserver (make test does)"
    );
    let dir = temp_dir("ats-tls-certifier");
    let ok = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=Test-CA", "-keyout"])
        .arg(dir.join("ca.key"))
        .arg("-out")
        .arg(dir.join("ca.pem"))
        .stderr(Stdio::null())
        .status()
        .expect("openssl req");
    assert!(ok.success());
    std::fs::write(dir.join("serial.txt"), "1000\n").unwrap();
    let store = dir.join("store");
    std::fs::create_dir_all(&store).unwrap();
    let origin = Origin::start();
    let end = tunnel_end(&dir);
    let d = |p: &Path| p.display().to_string();
    let (proxy, port) = start(
        "certifier",
        &origin,
        end.port,
        vec![format!(
            "{} --sign-cert {} --sign-key {} --sign-serial {} --max 100 --store {}",
            d(so),
            d(&dir.join("ca.pem")),
            d(&dir.join("ca.key")),
            d(&dir.join("serial.txt")),
            d(&store)
        )],
        false,
    );
    for name in ["new.test", "new.test", "a.test"] {
        let out = s_client(port, name, &["-CAfile", &d(&dir.join("ca.pem"))]);
        assert!(subject(&out).contains(&format!("CN={name}")), "{out}");
        assert!(out.contains("issuer=CN = Test-CA"), "{out}");
        assert!(out.contains("Verify return code: 0 (ok)"), "{out}");
    }
    // The minted certificates are in the store (one directory per name hash).
    let kept: Vec<String> = std::fs::read_dir(&store)
        .unwrap()
        .flat_map(|e| std::fs::read_dir(e.unwrap().path()).unwrap())
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(kept.contains(&"new.test.crt".to_string()), "{kept:?}");
    assert!(kept.contains(&"a.test.crt".to_string()), "{kept:?}");
    drop(proxy);
}

/// ATS's test plugin `ssl_hook_test` (tests/tools/plugins, from ATS's source) built against
/// Debian's ts.h alone, on every client connection hook at once: VCONN_START held for 2 s (its
/// reenable is scheduled with TSContScheduleOnPool and calls TSVConnReenable), CLIENT_HELLO held
/// and reenabled, CLIENT_HELLO immediate, SNI, CERT held and immediate, VCONN_CLOSE. Each callee
/// is called once, in ATS's order, and the request goes through.
#[test]
fn atss_ssl_hook_test_built_against_debians_header_sees_every_hook_in_order() {
    common::debian_header_present();
    let dir = temp_dir("ats-ssl-hook-test");
    let so = common::ats::build_test_plugin_with("ssl_hook_test.cc", &dir, common::Header::Debian);
    let origin = Origin::start();
    let p = Proxy::start(
        "ats-ssl-hook-test",
        &origin,
        Setup {
            records: vec![
                "CONFIG proxy.config.diags.debug.enabled INT 1".into(),
                "CONFIG proxy.config.diags.debug.tags STRING ssl_hook_test".into(),
            ],
            plugins: vec![format!(
                "{} -preaccept=1 -client_hello=1 -client_hello_imm=1 -sni=1 -cert=1 -i=1 -close=1",
                so.display()
            )],
            ..Default::default()
        },
    );
    let started = std::time::Instant::now();
    let out = common::proxy::s_client(p.tls_port, &["-servername", "example.com"]);
    assert!(out.contains("HTTP/1.1 200 OK"), "{out}");
    assert!(
        started.elapsed() >= Duration::from_millis(1900),
        "VCONN_START was held for 2 s: {:?}",
        started.elapsed()
    );
    assert!(
        p.wait_for_stderr("Close callback 0", Duration::from_secs(5)),
        "{}",
        p.stderr()
    );
    let log = p.stderr();
    let order = [
        "Pre accept callback 0",
        "Callback reenable ssl_vc=",
        "Client Hello callback 0",
        "SNI callback 0",
        "Cert callback 0",
        "Close callback 0",
    ];
    let mut at = 0;
    for what in order {
        let found = log[at..].find(what);
        assert!(found.is_some(), "{what} after byte {at}:\n{log}");
        at += found.unwrap() + what.len();
    }
    assert!(!log.contains("event is bad"), "{log}");
    for once in [
        "Pre accept callback 0",
        "SNI callback 0",
        "Close callback 0",
    ] {
        assert_eq!(log.matches(once).count(), 1, "{once}:\n{log}");
    }
    // Held and immediate: two Client Hello callees and two Cert callees, each once.
    assert_eq!(log.matches("Client Hello callback 0").count(), 2, "{log}");
    assert_eq!(log.matches("Cert callback 0").count(), 2, "{log}");
}

/// ATS's example `client_context_dump` (built against tshost's headers, then Debian's ts.h): at
/// `tshost ctl plugin msg client_context_dump.t 1` it walks the client contexts
/// (TSSslClientContextsNamesGet, TSSslClientContextFindByName) and writes each certificate's
/// subject to its text log (TSTextLogObjectWrite, Flush): sni.yaml's two client certificates are
/// there, made when sni.yaml loaded, as in ATS's gold test pluginTest/client_context_dump.
#[test]
fn client_context_dump_writes_the_client_certificates_to_its_log() {
    for header in [Header::Ours, Header::Debian] {
        let dir = temp_dir("ats-client-context-dump");
        let so = build_example_with("client_context_dump/client_context_dump.cc", &dir, header);
        let (one_cert, one_key) = make_cert(&dir, "one.test");
        let (two_cert, two_key) = make_cert(&dir, "two.test");
        let origin = Origin::start();
        let p = Proxy::start(
            "client-context-dump",
            &origin,
            Setup {
                records: vec!["CONFIG proxy.config.log.logfile_dir STRING logs".into()],
                plugins: vec![so.display().to_string()],
                multicert: Some("dest_ip=* ssl_cert_name=one.pem ssl_key_name=one.key\n".into()),
                files: vec![
                    ("one.pem".into(), one_cert),
                    ("one.key".into(), one_key),
                    ("two.pem".into(), two_cert),
                    ("two.key".into(), two_key),
                    (
                        "sni.yaml".into(),
                        b"sni:\n- fqdn: \"*one.test\"\n  client_cert: one.pem\n  client_key: one.key\n- fqdn: \"*two.test\"\n  client_cert: two.pem\n  client_key: two.key\n".to_vec(),
                    ),
                ],
                ..Default::default()
            },
        );
        let out = common::tshost()
            .args(["ctl", "--config-dir"])
            .arg(&p.dir)
            .args(["plugin", "msg", "client_context_dump.t", "1"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let log = p.dir.join("logs/client_context_dump.log");
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        for cn in ["CN=one.test", "CN=two.test"] {
            assert!(
                text.contains(cn),
                "{header:?}: {cn} in {}:\n{text}\n{}",
                log.display(),
                p.stderr()
            );
        }
        assert!(text.contains("LookupName: "), "{text}");
    }
}
