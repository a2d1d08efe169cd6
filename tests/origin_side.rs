//! A transaction's origin side through the C API (tests/c/origin_side_plugin.c): what the getters
//! say before and after the origin is found and reached, TSHttpTxnServerAddrSet sending the
//! request elsewhere, TSHttpTxnOutgoingAddrSet binding the server connection, the controls and
//! bad arguments. Each expectation as Debian's ATS 9.2.9 gave it with the same plugin and rule
//! (2026-12-07).
mod common;

use std::path::PathBuf;

use common::proxy::{raw_request, Origin, Proxy, Setup};
use common::{build_plugin, crate_dir, temp_dir, Header};

fn plugin() -> PathBuf {
    let so = temp_dir("origin-side").join("origin_side_plugin.so");
    build_plugin(
        &crate_dir().join("tests/c/origin_side_plugin.c"),
        &so,
        Header::Ours,
    );
    so
}

fn get(proxy: &Proxy, extra: &str) -> String {
    let req = format!("GET /echo HTTP/1.1\r\nHost: os.example\r\n{extra}Connection: close\r\n\r\n");
    String::from_utf8_lossy(&raw_request(proxy.port, req.as_bytes())).into_owned()
}

#[test]
fn plugins_read_and_steer_the_origin_side_as_in_ats() {
    let (a, b) = (Origin::start(), Origin::start());
    let proxy = Proxy::start(
        "origin-side",
        &a,
        Setup {
            plugins: vec![plugin().display().to_string()],
            remap: vec![format!(
                "map http://os.example/ http://127.0.0.1:{}/",
                a.port
            )],
            ..Setup::default()
        },
    );
    let has = |resp: &str, field: &str| resp.contains(&format!("\r\n{field}\r\n"));

    // Before the origin is found (POST_REMAP): the server address all zero, no next hop, no
    // outgoing address. After: the rule's origin, reached from 127.0.0.1.
    let resp = get(&proxy, "");
    assert!(resp.starts_with("HTTP/1.1 200 "), "{resp}");
    assert!(
        has(&resp, "X-Before: family=0 name=null port=-1 outgoing=null"),
        "{resp}"
    );
    assert!(
        has(&resp, &format!("X-Server-Addr: 127.0.0.1:{}", a.port)),
        "{resp}"
    );
    assert!(
        has(&resp, &format!("X-Next-Hop: 127.0.0.1:{}", a.port)),
        "{resp}"
    );
    assert!(has(&resp, "X-Outgoing: 127.0.0.1"), "{resp}");
    // Logging on, skip-remap off; an unknown control and a NULL address are TS_ERROR; no
    // redirect pending.
    assert!(
        has(&resp, "X-Cntl: logging=1 skip=0 unknown=-1 null-addr=-1"),
        "{resp}"
    );
    assert!(has(&resp, "X-Redirect-Pending: 0"), "{resp}");
    // TSRemapFromUrlGet/ToUrlGet: the rule's URLs as written.
    assert!(
        has(
            &resp,
            &format!("X-Rule: http://os.example/ -> http://127.0.0.1:{}/", a.port)
        ),
        "{resp}"
    );
    assert!(!resp.contains("X-Rule-Null"), "{resp}");
    // A NULL out pointer: TS_ERROR (ATS 9.2.9 aborts on its sdk_assert).
    let resp = get(&proxy, "X-Null: 1\r\n");
    assert!(has(&resp, "X-Rule-Null: -1"), "{resp}");

    // TSHttpTxnServerAddrSet at POST_REMAP: B answers (the Host field stays the rule's).
    let (served_a, served_b) = (a.count(), b.count());
    let resp = get(&proxy, &format!("X-Server: {}\r\n", b.port));
    assert!(resp.starts_with("HTTP/1.1 200 "), "{resp}");
    assert_eq!((a.count(), b.count()), (served_a, served_b + 1));
    assert!(
        has(&resp, &format!("X-Server-Addr: 127.0.0.1:{}", b.port)),
        "{resp}"
    );
    assert!(
        has(&resp, &format!("X-Next-Hop: 127.0.0.1:{}", b.port)),
        "{resp}"
    );

    // TSHttpTxnOutgoingAddrSet: the server connection comes from 127.0.0.2; the next request
    // does not get that connection. (ATS 9.2.9 gave the same on a fresh start; with an idle
    // server connection at hand, it used that one and ignored the address: tshost always binds.)
    let resp = get(&proxy, "X-Bind: 127.0.0.2\r\n");
    assert!(has(&resp, "X-Outgoing: 127.0.0.2"), "{resp}");
    let resp = get(&proxy, "");
    assert!(has(&resp, "X-Outgoing: 127.0.0.1"), "{resp}");
}
