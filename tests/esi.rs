//! Debian's unmodified esi.so (a global plugin) with tshost, which has no cache: it loads (its
//! cache key calls, TSCacheKeyCreate & co, resolve) and processes an ESI document as Debian's
//! ATS 9.2.9 does with `proxy.config.http.cache.http 0` (checked beside it: the same body and,
//! with `--private-response`, the same Expires and Cache-Control).
//!
//! esi.so's options live in TSmalloc'd memory that it never initializes: without options, ATS's
//! behaviour depends on what the heap held (a run beside it sent the private fields and no gzip,
//! its gold test saw neither). tshost's TSmalloc zeroes, so no option means off.
mod common;

use common::proxy::{curl, Origin, Proxy, Setup};

#[test]
fn debian_esi_inserts_the_included_document() {
    let origin = Origin::start();
    let proxy = Proxy::start(
        "esi",
        &origin,
        Setup {
            plugins: vec!["/usr/lib/trafficserver/modules/esi.so --private-response".to_string()],
            ..Setup::default()
        },
    );
    // The origin's document is text/html with `X-Esi: 1` (what esi.so processes); its
    // <esi:include> is fetched through the proxy (example.com maps to the origin).
    let (rc, out) = curl(&[
        "-D-",
        "-H",
        "Host: example.com",
        &format!(
            "http://127.0.0.1:{}/esi?http://example.com/greet",
            proxy.port
        ),
    ]);
    assert_eq!(rc, 0);
    let out = String::from_utf8_lossy(&out);
    let (head, body) = out.split_once("\r\n\r\n").expect(&out);
    let head = format!("{head}\r\n");
    assert_eq!(
        body,
        "<html>\n<body>\nHello, hello from tshost-origin\n\n</body>\n</html>\n"
    );
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    assert!(head.contains("\r\nExpires: -1\r\n"), "{head}");
    assert!(
        head.contains("\r\nCache-Control: max-age=0, private\r\n"),
        "{head}"
    );
    assert!(!head.to_ascii_lowercase().contains("x-esi"), "{head}");
    assert_eq!(origin.count(), 2);
}

#[test]
fn debian_esi_leaves_a_document_without_x_esi_alone() {
    let origin = Origin::start();
    let proxy = Proxy::start(
        "esi-plain",
        &origin,
        Setup {
            plugins: vec!["/usr/lib/trafficserver/modules/esi.so".to_string()],
            ..Setup::default()
        },
    );
    let (rc, out) = curl(&[
        "-H",
        "Host: example.com",
        &format!("http://127.0.0.1:{}/html/3", proxy.port),
    ]);
    assert_eq!(rc, 0);
    assert_eq!(out.len(), 3);
    assert_eq!(origin.count(), 1);
}
