//! sni.yaml's routes and outbound keys through the real binary, with real clients and servers:
//! `tunnel_route` (a blind tunnel: the client sees the destination's certificate; `$N` takes the
//! fqdn's Nth `*`; `fqdn: ''` is the entry of a client without SNI), `forward_route` (TLS ends at
//! tshost, the plain bytes, not HTTP, go on over TCP), `partial_blind_route` (TLS ends at tshost,
//! a new TLS connection carries the bytes), the destination port checked against
//! `proxy.config.http.connect_ports`; and `verify_server_policy`/`client_cert` for connections to
//! origins, looked up by the origin's name (its address when it has none), as ATS 9.2.9's
//! SNIConfigParams::get_property_config.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::time::Duration;

use common::proxy::{
    free_port, make_cert, raw_request, run_with_timeout, Origin, Proxy, SServer, Setup,
};
use common::temp_dir;

/// A TCP server that answers each connection's first read with `echo:` and what it read.
fn echo_server() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming().take(8) {
            let Ok(mut s) = s else { continue };
            std::thread::spawn(move || {
                let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
                let mut buf = [0u8; 1024];
                if let Ok(n) = s.read(&mut buf) {
                    let _ = s.write_all(b"echo:");
                    let _ = s.write_all(&buf[..n]);
                }
            });
        }
    });
    port
}

/// `openssl s_client` to tshost's TLS port with `sni` (None: no SNI), sending `send`: the
/// certificate subject it saw, and all it printed.
fn s_client(port: u16, sni: Option<&str>, send: &[u8]) -> (String, String) {
    let mut c = Command::new("openssl");
    c.args([
        "s_client",
        "-connect",
        &format!("127.0.0.1:{port}"),
        "-ign_eof",
    ]);
    match sni {
        Some(n) => c.args(["-servername", n]),
        None => c.arg("-noservername"),
    };
    let (_, out, err) = run_with_timeout(&mut c, send, Duration::from_secs(20));
    let all = String::from_utf8_lossy(&out).into_owned() + &String::from_utf8_lossy(&err);
    let subject = all
        .lines()
        .find(|l| l.starts_with("subject="))
        .unwrap_or("")
        .replace(' ', "");
    (subject, all)
}

/// tshost with `sni` as sni.yaml (its plain origin, unused, lives as long as it).
struct Routed {
    proxy: Proxy,
    _origin: Origin,
}

impl std::ops::Deref for Routed {
    type Target = Proxy;
    fn deref(&self) -> &Proxy {
        &self.proxy
    }
}

fn start(name: &str, sni: String, records: Vec<String>, remap: Vec<String>) -> Routed {
    let origin = Origin::start();
    let proxy = Proxy::start(
        name,
        &origin,
        Setup {
            records,
            remap,
            files: vec![("sni.yaml".into(), sni.into_bytes())],
            ..Setup::default()
        },
    );
    Routed {
        proxy,
        _origin: origin,
    }
}

const GET: &[u8] = b"GET / HTTP/1.0\r\nHost: a.test\r\n\r\n";

#[test]
fn tunnel_route_carries_the_tls_bytes_blindly_with_fqdn_groups_and_checks_the_port() {
    let dir = temp_dir("sni-routes-tunnel");
    let end = SServer::start(&dir, "origin.test", &[]);
    let sni = format!(
        "sni:\n\
         - fqdn: '*.tun.test'\n  tunnel_route: $1:{p}\n\
         - fqdn: closed.test\n  tunnel_route: 127.0.0.1:{closed}\n\
         - fqdn: ''\n  tunnel_route: 127.0.0.1:{p}\n",
        p = end.port,
        closed = free_port(),
    );
    let p = start(
        "sni-routes-tunnel",
        sni,
        vec![format!(
            "CONFIG proxy.config.http.connect_ports STRING 443 {}",
            end.port
        )],
        vec![],
    );
    // `$1` is what `*` matched: 127.0.0.1, the destination. The client talks TLS with the
    // destination itself: its certificate, its page.
    let (subject, all) = s_client(p.tls_port, Some("127.0.0.1.tun.test"), GET);
    assert!(subject.contains("CN=origin.test"), "{all}");
    assert!(all.contains("HTTP/1.0 200 ok"), "s_server's page: {all}");
    // A client without SNI has the entry of the empty name.
    let (subject, all) = s_client(p.tls_port, None, GET);
    assert!(subject.contains("CN=origin.test"), "{all}");
    // Another name is not routed: tshost's own certificate and its HTTP.
    let (subject, all) = s_client(p.tls_port, Some("other.test"), GET);
    assert!(
        !subject.contains("origin.test") && !subject.is_empty(),
        "{all}"
    );
    assert!(all.contains(" 404 "), "tshost answers (no rule): {all}");
    drop(p);

    // The destination port must be one of proxy.config.http.connect_ports (ATS's default: 443).
    let sni = format!(
        "sni:\n- fqdn: a.tun.test\n  tunnel_route: 127.0.0.1:{}\n",
        end.port
    );
    let p = start("sni-routes-tunnel-port", sni, vec![], vec![]);
    let (subject, all) = s_client(p.tls_port, Some("a.tun.test"), GET);
    assert!(!subject.contains("origin.test"), "{all}");
    assert!(
        p.wait_for_stderr(
            &format!(
                "port {} is not in proxy.config.http.connect_ports",
                end.port
            ),
            Duration::from_secs(5)
        ),
        "{}",
        p.stderr()
    );
}

#[test]
fn forward_route_ends_tls_and_carries_the_plain_bytes_over_tcp() {
    let echo = echo_server();
    let sni = format!("sni:\n- fqdn: fwd.test\n  forward_route: 127.0.0.1:{echo}\n");
    let p = start(
        "sni-routes-forward",
        sni,
        vec![format!(
            "CONFIG proxy.config.http.connect_ports STRING 443 {echo}"
        )],
        vec![],
    );
    // Not HTTP: the bytes go as they are, and the answer comes back through TLS.
    let (subject, all) = s_client(p.tls_port, Some("fwd.test"), b"not http at all\n");
    assert!(!subject.is_empty(), "{all}");
    assert!(all.contains("echo:not http at all"), "{all}");
}

#[test]
fn partial_blind_route_ends_tls_and_opens_tls_to_the_destination() {
    let dir = temp_dir("sni-routes-partial");
    let end = SServer::start(&dir, "origin.test", &[]);
    let sni = format!(
        "sni:\n- fqdn: pb.test\n  partial_blind_route: 127.0.0.1:{}\n",
        end.port
    );
    let p = start(
        "sni-routes-partial",
        sni,
        vec![format!(
            "CONFIG proxy.config.http.connect_ports STRING 443 {}",
            end.port
        )],
        vec![],
    );
    let (subject, all) = s_client(p.tls_port, Some("pb.test"), GET);
    // tshost's certificate to the client; s_server's page through the second TLS connection.
    assert!(
        !subject.contains("origin.test") && !subject.is_empty(),
        "{all}"
    );
    assert!(all.contains("HTTP/1.0 200 ok"), "{all}");
}

#[test]
fn verify_server_policy_and_client_cert_of_sni_yaml_apply_by_the_origins_name() {
    let dir = temp_dir("sni-routes-outbound");
    // An origin that asks for a client certificate signed by the CA it trusts (client.test's
    // self-signed certificate).
    make_cert(&dir, "client.test");
    let ca = dir.join("client.test.pem");
    let ca_arg = ca.display().to_string();
    let origin = SServer::start(
        &dir,
        "origin.test",
        &["-Verify", "1", "-CAfile", &ca_arg, "-verify_return_error"],
    );
    let remap = vec![format!(
        "map http://tls.example/ https://127.0.0.1:{}/",
        origin.port
    )];
    let get = |p: &Proxy| {
        let req = b"GET / HTTP/1.1\r\nHost: tls.example\r\nConnection: close\r\n\r\n";
        String::from_utf8_lossy(&raw_request(p.port, req)).into_owned()
    };
    let client_dir = format!(
        "CONFIG proxy.config.ssl.client.cert.path STRING {}",
        dir.display()
    );

    // The entry of the origin's address sends client.test's certificate; the default
    // (PERMISSIVE) lets the self-signed origin through: 200.
    let sni =
        "sni:\n- fqdn: 127.0.0.1\n  client_cert: client.test.pem\n  client_key: client.test.key\n";
    let p = start(
        "sni-routes-client-cert",
        sni.to_string(),
        vec![
            client_dir.clone(),
            format!(
                "CONFIG proxy.config.ssl.client.private_key.path STRING {}",
                dir.display()
            ),
        ],
        remap.clone(),
    );
    let resp = get(&p);
    assert!(resp.starts_with("HTTP/1.1 200 "), "{resp}\n{}", p.stderr());
    drop(p);

    // Without it, no certificate: the origin refuses it (TLS 1.3: after the handshake), a 502
    // with ATS's connect failure page, and a WARNING naming the origin (no ERROR, as ATS).
    // (The other name's entry must load: as ATS, sni.yaml makes every client_cert's context when
    // it loads, and a certificate without its key fails the load.)
    let sni =
        "sni:\n- fqdn: other.test\n  client_cert: client.test.pem\n  client_key: client.test.key\n";
    let p = start(
        "sni-routes-no-client-cert",
        sni.to_string(),
        vec![
            client_dir.clone(),
            format!(
                "CONFIG proxy.config.ssl.client.private_key.path STRING {}",
                dir.display()
            ),
        ],
        remap.clone(),
    );
    let resp = get(&p);
    assert!(resp.starts_with("HTTP/1.1 502 "), "{resp}");
    assert!(resp.contains("Could Not Connect"), "{resp}");
    assert!(
        p.wait_for_stderr(
            &format!(
                "WARNING: origin 127.0.0.1 (127.0.0.1:{}): TLS:",
                origin.port
            ),
            Duration::from_secs(5)
        ),
        "{}",
        p.stderr()
    );
    assert!(!p.stderr().contains("ERROR"), "{}", p.stderr());
    drop(p);

    // verify_server_policy ENFORCED for the origin's address: its self-signed certificate fails,
    // where the records' PERMISSIVE let it through.
    let sni = "sni:\n- fqdn: 127.0.0.1\n  client_cert: client.test.pem\n  client_key: client.test.key\n  verify_server_policy: ENFORCED\n";
    let p = start(
        "sni-routes-enforced",
        sni.to_string(),
        vec![
            client_dir.clone(),
            format!(
                "CONFIG proxy.config.ssl.client.private_key.path STRING {}",
                dir.display()
            ),
        ],
        remap.clone(),
    );
    let resp = get(&p);
    assert!(resp.starts_with("HTTP/1.1 502 "), "{resp}");
    // ATS's page title, and a WARNING (ATS logs no ERROR for a refused certificate).
    assert!(resp.contains("Could Not Connect"), "{resp}");
    assert!(
        p.wait_for_stderr(
            "Core server certificate verification failed for (127.0.0.1). Action=Terminate",
            Duration::from_secs(5)
        ),
        "{}",
        p.stderr()
    );
    assert!(!p.stderr().contains("ERROR"), "{}", p.stderr());
    drop(p);

    // And the other way: the records say ENFORCED, the entry DISABLED: 200.
    let sni = "sni:\n- fqdn: '127.0.0.*'\n  client_cert: client.test.pem\n  client_key: client.test.key\n  verify_server_policy: DISABLED\n";
    let p = start(
        "sni-routes-disabled",
        sni.to_string(),
        vec![
            client_dir,
            format!(
                "CONFIG proxy.config.ssl.client.private_key.path STRING {}",
                dir.display()
            ),
            "CONFIG proxy.config.ssl.client.verify.server.policy STRING ENFORCED".into(),
        ],
        remap,
    );
    let resp = get(&p);
    assert!(resp.starts_with("HTTP/1.1 200 "), "{resp}\n{}", p.stderr());
}
