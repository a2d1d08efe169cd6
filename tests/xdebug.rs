//! Debian's unmodified xdebug.so (TSHttpTxnMilestoneGet, libtscpputil's ts::svtoi): the response
//! of a request with `X-Debug: X-Milestones` carries the transaction's milestones, seconds after
//! SM_START, in the order the transaction reached them, and none of the points tshost has no part
//! of (cache, DNS); X-Remap names the rule's URLs; X-Debug's forward count (`fwd=N`) goes on one lower.

mod common;

use common::proxy::{raw_request, Origin, Proxy, Setup};

fn field<'a>(resp: &'a str, name: &str) -> Option<&'a str> {
    resp.lines()
        .find(|l| {
            l.to_ascii_lowercase()
                .starts_with(&format!("{}:", name.to_ascii_lowercase()))
        })
        .map(|l| l[name.len() + 1..].trim())
}

#[test]
fn xdebug_reports_the_milestones_in_order() {
    let origin = Origin::start();
    let p = Proxy::start(
        "xdebug",
        &origin,
        Setup {
            plugins: vec!["/usr/lib/trafficserver/modules/xdebug.so".into()],
            ..Default::default()
        },
    );
    let resp = raw_request(
        p.port,
        b"GET /size/10 HTTP/1.1\r\nHost: example.com\r\nX-Debug: X-Milestones, X-Remap\r\nConnection: close\r\n\r\n",
    );
    let resp = String::from_utf8_lossy(&resp).into_owned();
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}\n{}", p.stderr());
    let ms = field(&resp, "X-Milestones").unwrap_or_else(|| panic!("{resp}"));
    let values: Vec<(&str, f64)> = ms
        .split(", ")
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k, v.parse::<f64>().unwrap())
        })
        .collect();
    let order = [
        "UA-BEGIN",
        "UA-FIRST-READ",
        "UA-READ-HEADER-DONE",
        "SERVER-FIRST-CONNECT",
        "SERVER-CONNECT",
        "SERVER-CONNECT-END",
        "SERVER-BEGIN-WRITE",
        "SERVER-FIRST-READ",
        "SERVER-READ-HEADER-DONE",
    ];
    let mut last = 0.0;
    for name in order {
        let v = values
            .iter()
            .find(|(k, _)| *k == name)
            .unwrap_or_else(|| panic!("{name} in {ms}"))
            .1;
        assert!(v >= last && v < 5.0, "{name}={v} after {last}: {ms}");
        last = v;
    }
    for absent in ["CACHE-OPEN-READ-BEGIN", "DNS-LOOKUP-BEGIN", "UA-CLOSE"] {
        assert!(!ms.contains(absent), "{absent}: {ms}");
    }
    let remap = field(&resp, "X-Remap").unwrap_or_else(|| panic!("{resp}"));
    assert!(remap.contains("from=http://example.com/"), "{remap}");
    assert!(
        remap.contains(&format!("to=http://127.0.0.1:{}/", origin.port)),
        "{remap}"
    );
    // ts::svtoi reads X-Debug's forward count: the origin (/echo: the request it got) sees it
    // one lower.
    let ok = raw_request(
        p.port,
        b"GET /echo HTTP/1.1\r\nHost: example.com\r\nX-Debug: fwd=12, X-Milestones\r\nConnection: close\r\n\r\n",
    );
    let ok = String::from_utf8_lossy(&ok);
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    assert!(field(&ok, "X-Milestones").is_some(), "{ok}");
    assert!(ok.contains("fwd=11"), "{ok}");
}
