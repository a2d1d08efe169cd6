//! Debian's unmodified header_rewrite.so, as a remap plugin and as a global plugin, end to end
//! with raw HTTP/1.1 requests against a tshost-origin. Every expectation was first seen on
//! Debian's ATS 9.2.9 with the same rule files (2026-12-07), noted at each assertion.
mod common;

use std::path::Path;

use common::proxy::{raw_request, Client, Origin, Proxy, Setup};

const SO: &str = "/usr/lib/trafficserver/modules/header_rewrite.so";

/// The remap rule's file: a redirect, a status, client-address conditions (IpMap ranges),
/// origin-side values at READ_RESPONSE_HDR (the server's and the outgoing address, the next hop,
/// the server connection's transaction count) and a status condition at SEND_RESPONSE_HDR.
const REMAP_RULES: &str = r#"
cond %{CLIENT-URL:PATH} /^old/
set-redirect 301 http://example.com/new

cond %{CLIENT-URL:PATH} =forbidden
set-status 403

cond %{IP:CLIENT} {127.0.0.0/8}
set-header X-Loopback-Client yes

cond %{IP:CLIENT} {10.0.0.0/8,192.168.0.0/16}
set-header X-Private-Client yes

cond %{READ_RESPONSE_HDR_HOOK}
set-header X-Server-Ip "%{IP:SERVER}"
set-header X-Outbound-Ip "%{IP:OUTBOUND}"
set-header X-Next-Hop "%{NEXT-HOP:HOST}:%{NEXT-HOP:PORT}"

cond %{READ_RESPONSE_HDR_HOOK}
cond %{SSN-TXN-COUNT} >0
set-header X-Reused yes

cond %{SEND_RESPONSE_HDR_HOOK}
cond %{STATUS} =200
set-header X-Was-200 yes
"#;

/// The global plugin's file: packet marking and a header at SEND_RESPONSE_HDR, skip-remap at
/// READ_REQUEST_HDR.
const GLOBAL_RULES: &str = r#"
cond %{SEND_RESPONSE_HDR_HOOK}
cond %{CLIENT-HEADER:X-Ask} =dscp
set-conn-dscp 8
set-header X-Global dscp

cond %{READ_REQUEST_HDR_HOOK}
cond %{CLIENT-HEADER:X-Ask} =skip
skip-remap TRUE
"#;

fn start(name: &str, origin: &Origin) -> Proxy {
    assert!(Path::new(SO).exists(), "{SO} is missing");
    Proxy::start(
        name,
        origin,
        Setup {
            plugins: vec![format!("{SO} hr_global.conf")],
            remap: vec![format!(
                "map http://hr.example/ http://127.0.0.1:{}/ @plugin={SO} @pparam=hr_remap.conf",
                origin.port
            )],
            files: vec![
                ("hr_remap.conf".into(), REMAP_RULES.as_bytes().to_vec()),
                ("hr_global.conf".into(), GLOBAL_RULES.as_bytes().to_vec()),
            ],
            ..Setup::default()
        },
    )
}

fn request(proxy: &Proxy, host: &str, path: &str, extra: &str) -> String {
    let req = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}Connection: close\r\n\r\n");
    String::from_utf8_lossy(&raw_request(proxy.port, req.as_bytes())).into_owned()
}

#[test]
fn debians_header_rewrite_as_a_remap_plugin_sets_headers_statuses_and_redirects_on_conditions() {
    let origin = Origin::start();
    let port = origin.port;
    let proxy = start("hr-remap", &origin);

    // ATS: the request the origin saw carried X-Loopback-Client (127.0.0.1 is in 127.0.0.0/8)
    // and not X-Private-Client; the client's response had the origin-side values and X-Was-200.
    let resp = request(&proxy, "hr.example", "/echo", "");
    assert!(resp.starts_with("HTTP/1.1 200 OK\r\n"), "{resp}");
    let (head, body) = resp.split_once("\r\n\r\n").unwrap();
    assert!(body.contains("X-Loopback-Client: yes\r\n"), "{resp}");
    assert!(!body.contains("X-Private-Client"), "{resp}");
    assert!(head.contains("\r\nX-Server-Ip: 127.0.0.1\r\n"), "{head}");
    assert!(head.contains("\r\nX-Outbound-Ip: 127.0.0.1\r\n"), "{head}");
    assert!(
        head.contains(&format!("\r\nX-Next-Hop: 127.0.0.1:{port}\r\n")),
        "{head}"
    );
    assert!(head.contains("\r\nX-Was-200: yes"), "{head}");
    assert!(
        !head.contains("X-Reused"),
        "a new server connection: {head}"
    );

    // ATS: 301 with reason "Redirect" and the Location the rule names.
    let resp = request(&proxy, "hr.example", "/old/x", "");
    assert!(resp.starts_with("HTTP/1.1 301 "), "{resp}");
    assert!(
        resp.contains("\r\nLocation: http://example.com/new\r\n"),
        "{resp}"
    );
    // ATS: 403 Forbidden from the status the rule sets.
    let resp = request(&proxy, "hr.example", "/forbidden", "");
    assert!(resp.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{resp}");
    assert!(!resp.contains("X-Was-200"), "{resp}");

    // ATS: the second request of a client connection went on the kept-alive server connection
    // (SSN-TXN-COUNT 1: X-Reused).
    let mut c = Client::connect(proxy.port);
    for i in 0..2 {
        c.send(b"GET / HTTP/1.1\r\nHost: hr.example\r\n\r\n");
        let r = c.response(false);
        assert_eq!(r.status, 200);
        assert_eq!(r.has_header("X-Reused"), i == 1, "request {i}");
    }
}

#[test]
fn debians_header_rewrite_as_a_global_plugin_marks_packets_and_skips_remap() {
    let origin = Origin::start();
    let port = origin.port;
    let proxy = start("hr-global", &origin);
    // ATS: X-Global on the response (set-conn-dscp succeeded), then the remap instance's
    // SEND_RESPONSE_HDR header.
    let resp = request(&proxy, "hr.example", "/", "X-Ask: dscp\r\n");
    assert!(resp.starts_with("HTTP/1.1 200 "), "{resp}");
    let head = resp.split_once("\r\n\r\n").unwrap().0;
    let global = head.find("\r\nX-Global: dscp\r\n").expect(head);
    let remap = head.find("\r\nX-Was-200: yes").expect(head);
    assert!(global < remap, "global hooks first: {head}");

    // ATS: skip-remap at READ_REQUEST_HDR sends the request to the host it names (no rule
    // matches it); without it, the same request gets 404 (remap required).
    let host = format!("127.0.0.1:{port}");
    let resp = request(&proxy, &host, "/echo", "X-Ask: skip\r\n");
    assert!(resp.starts_with("HTTP/1.1 200 "), "{resp}");
    assert!(resp.contains("GET /echo HTTP/1.1\r\n"), "{resp}");
    let resp = request(&proxy, &host, "/echo", "");
    assert!(resp.starts_with("HTTP/1.1 404 "), "{resp}");
}
