//! TLS session cache through the real proxy: OpenSSL's callbacks fire TS_SSL_SESSION_HOOK (NEW
//! after the insert, GET before the lookup), plugins read and fill the cache with TSSslSession*,
//! TLS 1.2 session-id resumption works through it, and TLS 1.3 stays out of it by default.

mod common;

use std::path::Path;

use std::time::{Duration, Instant};

use common::proxy::{Origin, Proxy, Setup};
use common::{build_plugin_with, crate_dir, temp_dir, Header};

/// The test plugin, built once per test binary (tests run in parallel).
fn plugin() -> std::path::PathBuf {
    static SO: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    SO.get_or_init(|| {
        let d = temp_dir("tls-session-plugin");
        let so = d.join("ssl_session_plugin.so");
        build_plugin_with(
            &crate_dir().join("tests/c/ssl_session_plugin.c"),
            &so,
            Header::Ours,
            &["-lpthread"],
        );
        so
    })
    .clone()
}

/// One TLS 1.2 connection without tickets (session ids), saving or reusing the session; returns
/// s_client's output.
fn s_client(port: u16, sess: &Path, reuse: bool, extra: &[&str]) -> String {
    let mut args = vec!["-no_ticket"];
    args.extend_from_slice(extra);
    args.extend([
        if reuse { "-sess_in" } else { "-sess_out" },
        sess.to_str().unwrap(),
    ]);
    common::proxy::s_client(port, &args)
}

fn wait_log(log: &Path, needle: &str) -> String {
    let end = Instant::now() + Duration::from_secs(5);
    loop {
        let t = std::fs::read_to_string(log).unwrap_or_default();
        if t.contains(needle) || Instant::now() > end {
            return t;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn start(name: &str, origin: &Origin, mode: &str) -> (Proxy, std::path::PathBuf) {
    start_with(name, origin, mode, &[])
}

/// `start` with extra records.config lines.
fn start_with(
    name: &str,
    origin: &Origin,
    mode: &str,
    records: &[&str],
) -> (Proxy, std::path::PathBuf) {
    let so = plugin();
    let dir = temp_dir(&format!("tls-session-{name}"));
    let log = dir.join("session.log");
    let p = Proxy::start(
        name,
        origin,
        Setup {
            plugins: vec![format!("{} {} {mode}", so.display(), log.display())],
            records: records.iter().map(|r| r.to_string()).collect(),
            ..Default::default()
        },
    );
    (p, log)
}

#[test]
fn tls12_session_id_resumption_fires_new_then_get() {
    let origin = Origin::start();
    let (p, log) = start("keep", &origin, "keep");
    let sess = log.with_file_name("sess.pem");
    let first = s_client(p.tls_port, &sess, false, &["-tls1_2"]);
    assert!(first.contains("New, TLSv1.2"), "{first}");
    assert!(first.contains("HTTP/1.1 200 OK"), "{first}");
    let second = s_client(p.tls_port, &sess, true, &["-tls1_2"]);
    assert!(
        second.contains("Reused, TLSv1.2"),
        "resumption through the cache:\n{second}"
    );
    let t = wait_log(&log, "GET");
    assert!(
        t.contains("INIT bad_id=-1 null_id=-1 null_get=no"),
        "bad arguments are errors:\n{t}"
    );
    let new: Vec<&str> = t.lines().filter(|l| l.starts_with("NEW")).collect();
    assert_eq!(new.len(), 1, "{t}");
    // Inside NEW the session is already there; ATS's length protocol.
    let n = new[0];
    assert!(n.starts_with("NEW len=32 size="), "{n}");
    let size: i32 = n
        .split("size=")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(size > 50, "{n}");
    assert!(n.contains(" query_len=0 null=0/77 "), "{n}");
    assert!(
        n.contains(&format!(
            " small={size}/8 full={size}/{size} der0=30 get=yes"
        )),
        "{n}"
    );
    let get: Vec<&str> = t.lines().filter(|l| l.starts_with("GET")).collect();
    assert_eq!(get, ["GET len=32"], "{t}");
    p.settled_trace(2, Duration::from_secs(5));
}

#[test]
fn removed_session_does_not_resume_and_reinserted_one_does() {
    let origin = Origin::start();
    let (p, log) = start("forget", &origin, "forget");
    let sess = log.with_file_name("sess.pem");
    s_client(p.tls_port, &sess, false, &["-tls1_2"]);
    let second = s_client(p.tls_port, &sess, true, &["-tls1_2"]);
    assert!(
        second.contains("New, TLSv1.2"),
        "a removed session must not resume:\n{second}"
    );
    assert!(wait_log(&log, "REMOVE-API rc=0").contains("REMOVE-API rc=0"));
    drop(p);

    // Removed in NEW, re-inserted 100 ms later from a plain pthread (TSSslSessionInsert with a
    // NULL connection): resumption works, and the API's insert fires no hook.
    let (p, log) = start("thread", &origin, "thread");
    let sess = log.with_file_name("sess.pem");
    s_client(p.tls_port, &sess, false, &["-tls1_2"]);
    let t = wait_log(&log, "REINSERT");
    assert!(t.contains("REINSERT rc=0"), "{t}");
    let second = s_client(p.tls_port, &sess, true, &["-tls1_2"]);
    assert!(second.contains("Reused, TLSv1.2"), "{second}");
    let t = wait_log(&log, "GET");
    assert_eq!(
        t.lines().filter(|l| l.starts_with("NEW")).count(),
        1,
        "no NEW for the API insert:\n{t}"
    );
}

/// Positive controls, so that the exclusion cannot pass on a plugin or log that records nothing:
/// the same proxy and plugin log NEW for a TLS 1.2 session-id connection made right after, and
/// the same TLS 1.3 connection logs NEW on a proxy with proxy.config.ssl.session_cache.tls13 1.
#[test]
fn tls13_stays_out_of_the_cache() {
    let origin = Origin::start();
    let (p, log) = start("tls13", &origin, "keep");
    let sess = log.with_file_name("sess.pem");
    let first = s_client(p.tls_port, &sess, false, &["-tls1_3"]);
    assert!(first.contains("New, TLSv1.3"), "{first}");
    assert!(first.contains("HTTP/1.1 200 OK"), "{first}");
    // The plugin writes (and flushes) its line in the hook, which runs before the server's
    // response is sent: had the TLS 1.3 connection fired NEW, the line would be there now.
    let t = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        !t.contains("NEW"),
        "TLS 1.3 sessions never enter the cache or fire NEW:\n{t}"
    );
    // The same proxy and plugin record a TLS 1.2 session-id connection: exactly one NEW (the
    // TLS 1.3 connection's, had it come late, would make two).
    let sess12 = log.with_file_name("sess12.pem");
    let tls12 = s_client(p.tls_port, &sess12, false, &["-tls1_2"]);
    assert!(tls12.contains("New, TLSv1.2"), "{tls12}");
    let t = wait_log(&log, "NEW");
    let new: Vec<&str> = t.lines().filter(|l| l.starts_with("NEW")).collect();
    assert_eq!(new.len(), 1, "one NEW, the TLS 1.2 session's:\n{t}");
    assert!(new[0].starts_with("NEW len=32 "), "{t}");
    drop(p);

    // The same plugin and TLS 1.3 connection, on a proxy that lets TLS 1.3 sessions into the
    // cache: NEW fires.
    let (p, log) = start_with(
        "tls13-cached",
        &origin,
        "keep",
        &["CONFIG proxy.config.ssl.session_cache.tls13 INT 1"],
    );
    let sess = log.with_file_name("sess.pem");
    let first = s_client(p.tls_port, &sess, false, &["-tls1_3"]);
    assert!(first.contains("New, TLSv1.3"), "{first}");
    let t = wait_log(&log, "NEW");
    assert!(
        t.lines().any(|l| l.starts_with("NEW len=32 ")),
        "with session_cache.tls13 1 a TLS 1.3 session enters the cache and fires NEW:\n{t}"
    );
}

/// A TLS 1.2 session a plugin put in the cache past its timeout (as one from a peer can be):
/// the GET finds it, OpenSSL refuses to resume it and removes it, and tshost fires REMOVE for it
/// (TLS 1.2 sessions are the cache's) and drops it: a full handshake, and the next lookup
/// misses.
#[test]
fn tls12_expired_session_from_the_cache_is_removed_with_a_remove_event() {
    let origin = Origin::start();
    let (p, log) = start("stale", &origin, "stale");
    let sess = log.with_file_name("sess.pem");
    let first = s_client(p.tls_port, &sess, false, &["-tls1_2"]);
    assert!(first.contains("New, TLSv1.2"), "{first}");
    assert!(wait_log(&log, "STALE").contains("STALE rc=0"));
    let second = s_client(p.tls_port, &sess, true, &["-tls1_2"]);
    assert!(
        second.contains("New, TLSv1.2"),
        "an expired session resumed:\n{second}"
    );
    let t = wait_log(&log, "REMOVE");
    let events: Vec<&str> = t
        .lines()
        .filter(|l| !l.starts_with("INIT") && !l.starts_with("API"))
        .collect();
    assert_eq!(events.len(), 6, "{t}");
    assert!(events[0].starts_with("NEW len=32 "), "{t}");
    assert_eq!(events[1], "STALE rc=0", "{t}");
    assert_eq!(events[2..4], ["GET len=32", "REMOVE len=32"], "{t}");
    // The second connection's own new session (made stale in turn).
    assert!(events[4].starts_with("NEW len=32 "), "{t}");
    assert_eq!(events[5], "STALE rc=0", "{t}");
    p.settled_trace(2, Duration::from_secs(5));
}
