//! The real tshost binary as an HTTP/1.1 reverse proxy, driven by curl and raw sockets, with
//! hook_trace loaded; every test checks the hook trace's invariants.

mod common;

use std::time::Duration;

use common::proxy::{curl, pattern, Origin, Proxy, Setup};

#[test]
fn keep_alive_requests_share_one_session() {
    let origin = Origin::start();
    let proxy = Proxy::start("keepalive", &origin, Setup::default());
    let url = format!("http://127.0.0.1:{}/size/100", proxy.port);
    let (rc, out) = curl(&["-H", "Host: example.com", &url, &url, &url]);
    assert_eq!(rc, 0);
    assert_eq!(out, [pattern(100), pattern(100), pattern(100)].concat());
    let t = proxy.settled_trace(1, Duration::from_secs(5));
    assert_eq!(t.iter().filter(|l| l.starts_with("TXN_START")).count(), 3);
}
