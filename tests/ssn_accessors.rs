//! Session and transaction accessors (ATS 9.2 semantics, ts-api-semantics.md section 4) and the
//! protocol tag data symbols (section 5.5), from a C plugin: tests/c/ssn_plugin.c, built against
//! tshost's ts.h and against Debian's trafficserver-dev ts.h, is driven by tests/c/ssn_test.c
//! (tshost.h harness) through sessions with chosen addresses (IPv4, IPv6), fds, protocol stacks
//! (tcp/ipv4, tls/1.3/tcp/ipv4, tls/1.2/tcp/ipv6, h2/tls/1.3/tcp/ipv4), an internal session and a
//! client abort. Both builds must print the same text; the plugin names every tag by the exported
//! variable it is pointer-equal to.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use common::{build_plugin, build_program, crate_dir, temp_dir, Header};

/// The output of ssn_test with the plugin built against our header, after checking that the
/// Debian-built plugin prints the same.
fn output() -> &'static str {
    static OUT: OnceLock<String> = OnceLock::new();
    OUT.get_or_init(|| {
        let d = temp_dir("ssn-accessors");
        let c = crate_dir().join("tests/c");
        let driver = d.join("ssn_test");
        build_program(&c.join("ssn_test.c"), &driver);
        let run = |h: Header| -> String {
            let so: PathBuf = d.join(format!("ssn_plugin_{h:?}.so"));
            build_plugin(&c.join("ssn_plugin.c"), &so, h);
            let out = Command::new(&driver)
                .arg(&so)
                .output()
                .expect("run ssn_test");
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            assert!(
                out.status.success() && stdout.ends_with("PASS\n"),
                "ssn_test with the {h:?} build failed ({}):\n--- stdout\n{stdout}--- stderr\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
            stdout
        };
        let ours = run(Header::Ours);
        let debian = run(Header::Debian);
        assert_eq!(
            ours, debian,
            "the plugin built against Debian's ts.h sees different values"
        );
        ours
    })
}

/// The lines printed for the session announced by `== name`.
fn section(name: &str) -> Vec<&'static str> {
    let out = output();
    let start = out
        .find(&format!("== {name}\n"))
        .unwrap_or_else(|| panic!("no section {name:?} in:\n{out}"));
    out[start..]
        .lines()
        .skip(1)
        .take_while(|l| !l.starts_with("== ") && *l != "PASS")
        .collect()
}

#[track_caller]
fn expect(lines: &[&str], want: &str) {
    assert!(
        lines.contains(&want),
        "expected line\n  {want}\nin\n{}",
        lines.join("\n")
    );
}

/// The ProtocolStackContains line of `hook`, as a map prefix -> result.
fn contains_of(lines: &[&str], hook: &str, what: &str) -> Vec<(String, String)> {
    let head = format!("{hook} {what}_contains ");
    let l = lines
        .iter()
        .find(|l| l.starts_with(&head))
        .unwrap_or_else(|| panic!("no {head} line"));
    l[head.len()..]
        .split(' ')
        .map(|kv| {
            let (k, v) = kv.rsplit_once('=').unwrap();
            (k.trim_matches('\'').to_string(), v.to_string())
        })
        .collect()
}

fn lookup<'a>(m: &'a [(String, String)], k: &str) -> &'a str {
    &m.iter().find(|(p, _)| p == k).unwrap().1
}

#[test]
fn tag_variables_strings_indices_and_normalization() {
    let out = output();
    for l in [
        "init: TS_PROTO_TAG_HTTP_3=h3-29 TS_PROTO_TAG_HTTP_QUIC=hq-29 D27=h3-27,hq-27 groups=http,http2 same_1_1=1 same_2_0=1",
        "init: indices 0 1 2 3 4 6",
        "init: normalized tls/1.2=TLS_1_2 h2=HTTP_2_0 H2=NULL http/0.9=NULL h3-27=ALPN_HTTP_3_D27 tcp=TCP",
    ] {
        assert!(out.lines().any(|x| x == l), "missing {l:?} in:\n{out}");
    }
}

#[test]
fn http1_cleartext_ipv4() {
    let s = section("http1 tcp ipv4");
    expect(
        &s,
        "SSN_START ssn client=192.0.2.10:51000 incoming=198.51.100.1:8080 fd=ok:100 internal=0",
    );
    expect(
        &s,
        "SSN_START ssn_stack(10) rc=ok actual=2 [tcp=TCP ipv4=IPV4]",
    );
    expect(&s, "SSN_START ssn_stack(1) rc=ok actual=1 [tcp=TCP]");
    expect(&s, "SSN_START ssn_stack(0,NULL) rc=ok actual=0");
    // Until the request is parsed its version reads as HTTP/1.0, as in ATS.
    expect(
        &s,
        "TXN_START txn_stack(10) rc=ok actual=3 [http/1.0=HTTP_1_0 tcp=TCP ipv4=IPV4]",
    );
    // Must hold: http/1.1, tcp, ipv4 with *actual == 3 at READ_REQUEST_HDR.
    expect(
        &s,
        "READ_REQUEST_HDR txn_stack(10) rc=ok actual=3 [http/1.1=HTTP_1_1 tcp=TCP ipv4=IPV4]",
    );
    expect(
        &s,
        "READ_REQUEST_HDR txn_stack(2) rc=ok actual=2 [http/1.1=HTTP_1_1 tcp=TCP]",
    );
    expect(&s, "READ_REQUEST_HDR txn same_ssn=1 same_addr_ptrs=1 client=192.0.2.10:51000 incoming=198.51.100.1:8080 fd=ok:100 internal=0");
    expect(&s, "TXN_CLOSE aborted=TS_ERROR fdp=NULL TS_ERROR");
    // Must hold: at an HTTP/1 SSN_CLOSE the connection is gone: fd TS_ERROR (*fdp untouched),
    // no addresses, empty stack.
    expect(
        &s,
        "SSN_CLOSE ssn client=NULL incoming=NULL fd=TS_ERROR(untouched) internal=0",
    );
    expect(&s, "SSN_CLOSE ssn_stack(10) rc=ok actual=0 []");
    let c = contains_of(&s, "SSN_CLOSE", "ssn");
    assert!(c.iter().all(|(_, v)| v == "NULL"), "{c:?}");
}

#[test]
fn contains_prefix_rules_and_pointer_equality() {
    let s = section("http1 tcp ipv4");
    let c = contains_of(&s, "SSN_START", "ssn");
    // tcp/udp/ipv4/ipv6 compare case-insensitively; "" matches the first layer.
    for (k, v) in [
        ("", "TCP"),
        ("tc", "TCP"),
        ("TCP", "TCP"),
        ("IPv", "IPV4"),
        ("ipv6", "NULL"),
        ("Udp", "NULL"),
        ("tls", "NULL"),
        ("h", "NULL"),
        ("x", "NULL"),
    ] {
        assert_eq!(lookup(&c, k), v, "ssn contains {k:?}");
    }
    let c = contains_of(&s, "READ_REQUEST_HDR", "txn");
    // The request's version tag comes first and is case-sensitive.
    for (k, v) in [
        ("", "HTTP_1_1"),
        ("h", "HTTP_1_1"),
        ("http/1.1", "HTTP_1_1"),
        ("HTTP", "NULL"),
        ("TCP", "TCP"),
    ] {
        assert_eq!(lookup(&c, k), v, "txn contains {k:?}");
    }

    let s = section("http1 tls/1.3 tcp ipv4, request HTTP/1.0");
    expect(
        &s,
        "SSN_START ssn_stack(10) rc=ok actual=3 [tls/1.3=TLS_1_3 tcp=TCP ipv4=IPV4]",
    );
    expect(
        &s,
        "READ_REQUEST_HDR txn_stack(10) rc=ok actual=4 [http/1.0=HTTP_1_0 tls/1.3=TLS_1_3 tcp=TCP ipv4=IPV4]",
    );
    // Must hold: TSHttpTxnClientProtocolStackContains(txn, "tls") on TLS 1.3 is
    // TS_PROTO_TAG_TLS_1_3 (pointer-equal).
    let c = contains_of(&s, "READ_REQUEST_HDR", "txn");
    for (k, v) in [
        ("tls", "TLS_1_3"),
        ("tls/1.3", "TLS_1_3"),
        ("TLS", "NULL"),
        ("tls/1.2x", "NULL"),
        ("http/1.1", "NULL"),
        ("http", "HTTP_1_0"),
    ] {
        assert_eq!(lookup(&c, k), v, "txn contains {k:?}");
    }
    let c = contains_of(&s, "SSN_START", "ssn");
    assert_eq!(lookup(&c, ""), "TLS_1_3");
    assert_eq!(lookup(&c, "http"), "NULL");

    let s = section("h2 tls/1.3 tcp ipv4");
    let c = contains_of(&s, "SSN_START", "ssn");
    for (k, v) in [("h", "HTTP_2_0"), ("h2", "HTTP_2_0"), ("H2", "NULL")] {
        assert_eq!(lookup(&c, k), v, "h2 ssn contains {k:?}");
    }
    // No tag is ever a copy: every entry printed is an exported variable and normalizes to
    // itself.
    let out = output();
    assert!(!out.contains("NOT-A-TAG-VARIABLE"), "{out}");
}

#[test]
fn ipv6_client_and_tls_1_2() {
    let s = section("http1 tls/1.2 tcp ipv6");
    expect(
        &s,
        "SSN_START ssn client=[2001:db8::5]:40001 incoming=[2001:db8::1]:443 fd=ok:100 internal=0",
    );
    expect(
        &s,
        "SSN_START ssn_stack(10) rc=ok actual=3 [tls/1.2=TLS_1_2 tcp=TCP ipv6=IPV6]",
    );
    expect(&s, "TXN_CLOSE txn same_ssn=1 same_addr_ptrs=1 client=[2001:db8::5]:40001 incoming=[2001:db8::1]:443 fd=ok:100 internal=0");
    let c = contains_of(&s, "SSN_START", "ssn");
    assert_eq!(lookup(&c, "IPv"), "IPV6");
    assert_eq!(lookup(&c, "ipv6"), "IPV6");
    expect(
        &s,
        "SSN_CLOSE ssn client=NULL incoming=NULL fd=TS_ERROR(untouched) internal=0",
    );
}

#[test]
fn http2_session_keeps_its_connection_at_ssn_close() {
    let s = section("h2 tls/1.3 tcp ipv4");
    expect(
        &s,
        "SSN_START ssn_stack(10) rc=ok actual=4 [h2=HTTP_2_0 tls/1.3=TLS_1_3 tcp=TCP ipv4=IPV4]",
    );
    expect(
        &s,
        "READ_REQUEST_HDR txn_stack(10) rc=ok actual=5 [http/1.1=HTTP_1_1 h2=HTTP_2_0 tls/1.3=TLS_1_3 tcp=TCP ipv4=IPV4]",
    );
    expect(
        &s,
        "SSN_CLOSE ssn client=127.0.0.1:40000 incoming=127.0.0.1:8080 fd=ok:100 internal=0",
    );
    expect(
        &s,
        "SSN_CLOSE ssn_stack(10) rc=ok actual=4 [h2=HTTP_2_0 tls/1.3=TLS_1_3 tcp=TCP ipv4=IPV4]",
    );
}

#[test]
fn internal_session_fd_is_minus_one() {
    let s = section("internal");
    expect(
        &s,
        "SSN_START ssn client=127.0.0.1:40000 incoming=127.0.0.1:8080 fd=ok:-1 internal=1",
    );
    expect(&s, "READ_REQUEST_HDR txn same_ssn=1 same_addr_ptrs=1 client=127.0.0.1:40000 incoming=127.0.0.1:8080 fd=ok:-1 internal=1");
    // No connection any more: not internal either (ATS looks at the connection).
    expect(
        &s,
        "SSN_CLOSE ssn client=NULL incoming=NULL fd=TS_ERROR(untouched) internal=0",
    );
}

#[test]
fn session_without_socket_and_versions_without_tag() {
    let s = section("defaults (no socket)");
    expect(
        &s,
        "SSN_START ssn client=127.0.0.1:40000 incoming=127.0.0.1:8080 fd=TS_ERROR(untouched) internal=0",
    );
    // HTTP/0.9 has a tag (TS_ALPN_PROTOCOL_HTTP_0_9) that ATS does not normalize.
    expect(&s, "READ_REQUEST_HDR txn_stack(10) rc=ok actual=3 [http/0.9=ALPN_HTTP_0_9(not-normalized) tcp=TCP ipv4=IPV4]");
    // HTTP/3.0 in a request header has none: the whole stack is empty and Contains finds nothing.
    expect(&s, "READ_REQUEST_HDR txn_stack(10) rc=ok actual=0 []");
}

#[test]
fn aborted_transaction() {
    let s = section("client aborts the first transaction");
    let aborted: Vec<_> = s
        .iter()
        .filter(|l| l.starts_with("TXN_CLOSE aborted="))
        .collect();
    assert_eq!(
        aborted,
        [
            &"TXN_CLOSE aborted=TS_SUCCESS fdp=NULL TS_ERROR",
            &"TXN_CLOSE aborted=TS_ERROR fdp=NULL TS_ERROR"
        ]
    );
}

#[test]
fn bad_handles_and_arguments_are_refused_without_crashing() {
    let out = output();
    for l in [
        "bad handles (NULL): all refused",
        "bad handles (garbage): all refused",
        "bad handles (small int): all refused",
    ] {
        assert!(out.lines().any(|x| x == l), "missing {l:?}");
    }
    assert_eq!(
        out.lines()
            .filter(|l| *l == "bad handles (previous session): all refused")
            .count(),
        6
    );
    assert_eq!(
        out.lines()
            .filter(|l| *l == "SSN_START misuse: fdp=NULL TS_ERROR, result=NULL TS_ERROR actual=-77, tag=NULL NULL, register=NULL")
            .count(),
        7
    );
    assert!(out.contains("unknown tag in stack: -1\n"));
    assert!(!out.contains("SOME ACCEPTED"));
}
