//! HTTP/2 server push (TSHttpTxnServerPush), end to end: tshost, a tshost-origin, nghttp and curl,
//! tests/c/push_cache_plugin.c (its pushes and return codes) and Debian's unmodified
//! server_push_preload.so. Each expectation was checked beside Debian's ATS 9.2.9 (the plugin
//! built with -DATS_REF, which skips the bad arguments ATS aborts on).
mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use common::proxy::{curl, run_with_timeout, Origin, Proxy, Setup};
use common::{build_plugin, crate_dir, temp_dir, Header};

fn plugin_so() -> PathBuf {
    static SO: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    SO.get_or_init(|| {
        let so = temp_dir("server-push-plugin").join("push_cache_plugin.so");
        build_plugin(
            &crate_dir().join("tests/c/push_cache_plugin.c"),
            &so,
            Header::Ours,
        );
        so
    })
    .clone()
}

fn start(name: &str, origin: &Origin) -> Proxy {
    Proxy::start(
        name,
        origin,
        Setup {
            plugins: vec![plugin_so().display().to_string()],
            ..Setup::default()
        },
    )
}

/// `nghttp -nv` for `path` on example.com over TLS, with `args`; its output.
fn nghttp(proxy: &Proxy, args: &[&str], path: &str) -> String {
    nghttp_to(proxy, "example.com", args, path)
}

/// [`nghttp`] with this `:authority`.
fn nghttp_to(proxy: &Proxy, authority: &str, args: &[&str], path: &str) -> String {
    let url = format!("https://127.0.0.1:{}{path}", proxy.tls_port);
    let authority = format!(":authority: {authority}");
    let (rc, out, err) = run_with_timeout(
        Command::new("nghttp")
            .args(["-nv", "-H", &authority])
            .args(args)
            .arg(&url),
        b"",
        Duration::from_secs(20),
    );
    let out = String::from_utf8_lossy(&out).into_owned();
    assert_eq!(rc, 0, "nghttp: {out}\n{}", String::from_utf8_lossy(&err));
    out
}

#[test]
fn a_push_promises_before_the_response_and_the_pushed_request_runs_through_the_proxy() {
    let origin = Origin::start();
    let proxy = start("push-h2", &origin);
    let out = nghttp(
        &proxy,
        &["-H", "x-push: https://example.com/size/5"],
        "/greet",
    );
    // The PUSH_PROMISE (GET, the URL's authority and path, the client's Accept-Encoding) on the
    // client's stream, before its response's HEADERS.
    let promise = out.find("recv PUSH_PROMISE frame").expect(&out);
    assert!(out.contains("promised_stream_id=2"), "{out}");
    assert!(out.contains("recv (stream_id=13) :path: /size/5"), "{out}");
    assert!(
        out.contains("recv (stream_id=13) :authority: example.com"),
        "{out}"
    );
    assert!(
        out.contains("recv (stream_id=13) accept-encoding: gzip, deflate"),
        "{out}"
    );
    let head = out.find("recv (stream_id=13) :status: 200").expect(&out);
    assert!(promise < head, "{out}");
    // As ATS: the first push succeeds, the same URL again is refused (the session's diary), a
    // NULL url is TS_ERROR; a URL without a host is TS_ERROR in tshost (ATS promises it with an
    // empty :authority, which nghttp calls invalid).
    assert!(out.contains("x-push-result: 0 -1 -1 -1"), "{out}");
    // The pushed stream's response, from the origin through the proxy.
    assert!(out.contains("recv (stream_id=2) :status: 200"), "{out}");
    assert!(
        out.contains("recv (stream_id=2) content-length: 5"),
        "{out}"
    );
    assert!(out.contains("First push response header"), "{out}");
    // The pushed request was a transaction of the session: both got TXN_START and TXN_CLOSE.
    let trace = proxy.settled_trace(1, Duration::from_secs(10));
    let closes = trace.iter().filter(|l| l.contains("TXN_CLOSE")).count();
    assert_eq!(closes, 2, "{trace:#?}");
    assert_eq!(origin.count(), 2);
}

#[test]
fn no_push_when_the_client_disables_it_nor_over_http1() {
    let origin = Origin::start();
    let proxy = start("push-off", &origin);
    // SETTINGS_ENABLE_PUSH 0: TS_ERROR, nothing promised (as ATS).
    let out = nghttp(
        &proxy,
        &["--no-push", "-H", "x-push: https://example.com/size/5"],
        "/greet",
    );
    assert!(!out.contains("PUSH_PROMISE"), "{out}");
    assert!(out.contains("x-push-result: -1 -1 -1 -1"), "{out}");
    // HTTP/1.1: not an HTTP/2 stream, TS_ERROR (as ATS).
    let (rc, out) = curl(&[
        "-D-",
        "-o/dev/null",
        "-H",
        "Host: example.com",
        "-H",
        "X-Push: https://example.com/size/5",
        &format!("http://127.0.0.1:{}/greet", proxy.port),
    ]);
    assert_eq!(rc, 0);
    let out = String::from_utf8_lossy(&out);
    assert!(out.contains("X-Push-Result: -1 -1 -1 -1"), "{out}");
    assert_eq!(origin.count(), 2);
}

#[test]
fn bad_arguments_are_errors_and_the_cache_key_api_answers_as_ats_without_a_cache() {
    let origin = Origin::start();
    let proxy = start("push-args", &origin);
    // ATS 9.2.9 (cache ready, the object absent) gave the same for the good arguments: the
    // remove calls back at once with TS_EVENT_CACHE_REMOVE_FAILED (1113), NULL edata, and its
    // action is done. tshost logs and refuses the bad ones (ATS aborts).
    assert!(
        proxy.wait_for_stderr(
            "push_cache init: key=1 digest_null=-1 digest_url=0 remove_event=1113 edata_null=1 \
             done=1 bad_remove=NULL destroy=0 destroy_again=-1 digest_dead=-1 push_null_txn=-1",
            Duration::from_secs(10)
        ),
        "{}",
        proxy.stderr()
    );
}

/// Debian's server_push_preload.so as a remap plugin: the origin's `Link: <...>; rel=preload`
/// headers are pushed (`nopush` ones not), as on ATS 9.2.9 (checked: PUSH_PROMISE for /size/7
/// and /html/3 before the response's HEADERS, then their responses on streams 2 and 4). Ignored:
/// Debian's libtscppapi.so.9, which the plugin links, needs six transaction accessors tshost does
/// not export yet (TSHttpTxnClientIncomingPortSet, TSHttpTxnIsWebsocket and the
/// client/server response header/body byte counts); it passed with them supplied by a
/// preloaded stub library.
#[test]
fn debian_server_push_preload_pushes_the_link_preload_targets() {
    let origin = Origin::start();
    let proxy = Proxy::start(
        "push-preload",
        &origin,
        Setup {
            remap: vec![format!(
                "map https://preload.test/ http://127.0.0.1:{}/ @plugin=/usr/lib/trafficserver/modules/server_push_preload.so",
                origin.port
            )],
            ..Setup::default()
        },
    );
    let out = nghttp_to(
        &proxy,
        "preload.test",
        &[],
        "/preload?/size/7&!/size/9&/html/3",
    );
    assert!(out.contains("recv (stream_id=13) :path: /size/7"), "{out}");
    assert!(!out.contains("recv (stream_id=13) :path: /size/9"), "{out}");
    assert!(out.contains("recv (stream_id=13) :path: /html/3"), "{out}");
    assert!(
        out.contains("recv (stream_id=2) content-length: 7"),
        "{out}"
    );
    assert!(
        out.contains("recv (stream_id=4) content-length: 3"),
        "{out}"
    );
}
