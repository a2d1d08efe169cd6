//! TLS resumption through the real proxy with `openssl s_client`: session_peer (plugins-c) shares
//! session-id sessions between two proxies; the cache's expiry and eviction; session cache modes 0
//! and 1; TLS 1.3 stateful resumption (proxy.config.ssl.session_cache.tls13); ticket key rotation
//! with TSSslTicketKeyUpdate; resumption scoped to the certificate.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::proxy::{Origin, Proxy, Setup};
use common::{build_plugin_with, crate_dir, temp_dir, Header};

/// One connection with `-servername sni`; saves (`sess_out`) and/or reuses (`sess_in`) the
/// session; returns s_client's output.
fn conn(
    port: u16,
    sni: &str,
    sess_in: Option<&Path>,
    sess_out: Option<&Path>,
    extra: &[&str],
) -> String {
    let mut args = vec!["-servername", sni];
    args.extend_from_slice(extra);
    if let Some(p) = sess_in {
        args.extend(["-sess_in", p.to_str().unwrap()]);
    }
    if let Some(p) = sess_out {
        args.extend(["-sess_out", p.to_str().unwrap()]);
    }
    common::proxy::s_client(port, &args)
}

/// A full handshake saving the session to `sess`.
fn fresh(port: u16, sess: &Path, extra: &[&str]) -> String {
    let out = conn(port, "example.com", None, Some(sess), extra);
    assert!(out.contains("New, TLSv1."), "{out}");
    out
}

/// Whether `sess` resumes (asserting the connection worked either way).
fn resumes(port: u16, sni: &str, sess: &Path, extra: &[&str]) -> bool {
    let out = conn(port, sni, Some(sess), None, extra);
    assert!(
        out.contains("Reused, TLSv1.") || out.contains("New, TLSv1."),
        "handshake failed:\n{out}"
    );
    out.contains("Reused, TLSv1.")
}

const TLS12_ID: &[&str] = &["-tls1_2", "-no_ticket"];

/// A self-signed certificate for `cn` in `dir` (`<stem>.pem`, `<stem>.key`), as config files.
fn cert(dir: &Path, stem: &str, cn: &str) -> Vec<(String, Vec<u8>)> {
    let (c, k) = (
        dir.join(format!("{stem}.pem")),
        dir.join(format!("{stem}.key")),
    );
    let st = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-days", "2", "-subj", &format!("/CN={cn}")])
        .args(["-addext", &format!("subjectAltName=DNS:{cn}")])
        .arg("-keyout")
        .arg(&k)
        .arg("-out")
        .arg(&c)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    vec![
        (format!("{stem}.pem"), std::fs::read(&c).unwrap()),
        (format!("{stem}.key"), std::fs::read(&k).unwrap()),
    ]
}

/// Config files, and an ssl_multicert.config using them.
type CertSetup = (Vec<(String, Vec<u8>)>, String);

/// example.com's certificate, made once per test binary.
fn example_cert() -> &'static CertSetup {
    static C: OnceLock<CertSetup> = OnceLock::new();
    C.get_or_init(|| {
        let d = temp_dir("resumption-cert");
        (
            cert(&d, "example", "example.com"),
            "dest_ip=* ssl_cert_name=example.pem ssl_key_name=example.key\n".into(),
        )
    })
}

fn so(src: &str, name: &str) -> PathBuf {
    let d = temp_dir(&format!("resumption-so-{name}"));
    let so = d.join(format!("{name}.so"));
    build_plugin_with(&crate_dir().join(src), &so, Header::Ours, &["-lpthread"]);
    so
}

fn peer_so() -> &'static PathBuf {
    static S: OnceLock<PathBuf> = OnceLock::new();
    S.get_or_init(|| so("plugins-c/session_peer.c", "session_peer"))
}

fn probe_so() -> &'static PathBuf {
    static S: OnceLock<PathBuf> = OnceLock::new();
    S.get_or_init(|| so("tests/c/ssl_session_plugin.c", "ssl_session_plugin"))
}

fn start(name: &str, origin: &Origin, records: &[&str], plugins: Vec<String>) -> Proxy {
    let (files, multicert) = example_cert();
    Proxy::start(
        name,
        origin,
        Setup {
            records: records.iter().map(|r| r.to_string()).collect(),
            plugins,
            multicert: Some(multicert.clone()),
            files: files.clone(),
            ..Default::default()
        },
    )
}

/// A proxy with the session probe plugin logging to `<dir>/session.log`.
fn start_probed(name: &str, origin: &Origin, records: &[&str]) -> (Proxy, PathBuf) {
    let log = temp_dir(&format!("resumption-log-{name}")).join("session.log");
    let p = start(
        name,
        origin,
        records,
        vec![format!("{} {} keep", probe_so().display(), log.display())],
    );
    (p, log)
}

fn read(log: &Path) -> String {
    std::fs::read_to_string(log).unwrap_or_default()
}

fn events(log: &Path, kind: &str) -> usize {
    read(log).lines().filter(|l| l.starts_with(kind)).count()
}

#[test]
fn session_peer_shares_sessions_between_proxies() {
    // The shipped plugin also builds against Debian's ATS 9.2 headers.
    let d = temp_dir("resumption-peer-debian");
    build_plugin_with(
        &crate_dir().join("plugins-c/session_peer.c"),
        &d.join("session_peer.so"),
        Header::Debian,
        &[],
    );
    let origin = Origin::start();
    let shared = temp_dir("resumption-peer-shared");
    let plugin = || vec![format!("{} {}", peer_so().display(), shared.display())];
    let a = start("peer-a", &origin, &[], plugin());
    let b = start("peer-b", &origin, &[], plugin());
    let lone = start("peer-lone", &origin, &[], vec![]);
    let sess = shared.with_file_name("peer-a.pem");
    fresh(a.tls_port, &sess, TLS12_ID);
    let files: Vec<String> = std::fs::read_dir(&shared)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(
        files.len(),
        1,
        "one session file, no temporary left: {files:?}"
    );
    assert_eq!(files[0].len(), 64, "hex of a 32-byte id: {files:?}");
    assert!(
        !resumes(lone.tls_port, "example.com", &sess, TLS12_ID),
        "a proxy without the plugin does not know the session"
    );
    assert!(
        resumes(b.tls_port, "example.com", &sess, TLS12_ID),
        "b resumes a's session through the directory"
    );
    // And the other way round.
    let sess_b = shared.with_file_name("peer-b.pem");
    fresh(b.tls_port, &sess_b, TLS12_ID);
    assert!(resumes(a.tls_port, "example.com", &sess_b, TLS12_ID));
    assert_eq!(std::fs::read_dir(&shared).unwrap().count(), 2);
}

#[test]
fn sessions_expire_after_the_timeout() {
    // A 4 s timeout (it was 1 s, with three full handshakes and three resumptions inside it).
    // Each session is resumed right after it is made: two s_client runs, ~50 ms on an idle
    // machine, so a loaded 2-core machine may stall them for ~4 s before an unexpired session
    // looks expired. Sessions kept by the timeout, i.e. resumed after it, still fail the test.
    const TIMEOUT: u64 = 4;
    let origin = Origin::start();
    let p = start(
        "expiry",
        &origin,
        &[&format!(
            "CONFIG proxy.config.ssl.session_cache.timeout INT {TIMEOUT}"
        )],
        vec![],
    );
    let dir = temp_dir("resumption-expiry");
    let kinds: [(&str, &[&str], PathBuf); 3] = [
        ("session id", TLS12_ID, dir.join("id.pem")),
        ("TLS 1.2 ticket", &["-tls1_2"], dir.join("t12.pem")),
        ("TLS 1.3 ticket", &["-tls1_3"], dir.join("t13.pem")),
    ];
    let mut made = Instant::now();
    for (what, flags, sess) in &kinds {
        let t = Instant::now();
        fresh(p.tls_port, sess, flags);
        assert!(
            resumes(p.tls_port, "example.com", sess, flags),
            "{what}: not resumed {:?} after the full handshake began (timeout {TIMEOUT} s)",
            t.elapsed()
        );
        made = Instant::now();
    }
    // Past the timeout for the last session made and resumed (and so for all): 1 s more for the
    // sessions' times, which OpenSSL keeps in whole seconds; later is only safer.
    std::thread::sleep(
        (made + Duration::from_secs(TIMEOUT + 1) + Duration::from_millis(100))
            .saturating_duration_since(Instant::now()),
    );
    for (what, flags, sess) in &kinds {
        assert!(
            !resumes(p.tls_port, "example.com", sess, flags),
            "expired {what} resumed"
        );
    }
}

#[test]
fn the_oldest_session_is_evicted_at_the_size() {
    let origin = Origin::start();
    let p = start(
        "evict",
        &origin,
        &[
            "CONFIG proxy.config.ssl.session_cache.size INT 2",
            "CONFIG proxy.config.ssl.session_cache.num_buckets INT 1",
        ],
        vec![],
    );
    let dir = temp_dir("resumption-evict");
    let s: Vec<PathBuf> = (1..=3).map(|n| dir.join(format!("s{n}.pem"))).collect();
    for f in &s {
        fresh(p.tls_port, f, TLS12_ID);
    }
    assert!(
        resumes(p.tls_port, "example.com", &s[2], TLS12_ID),
        "the 3rd is there"
    );
    assert!(
        resumes(p.tls_port, "example.com", &s[1], TLS12_ID),
        "the 2nd is there"
    );
    assert!(
        !resumes(p.tls_port, "example.com", &s[0], TLS12_ID),
        "the 1st was evicted"
    );
}

#[test]
fn modes_0_and_1_fire_no_events_and_the_api_is_off() {
    let origin = Origin::start();
    let dir = temp_dir("resumption-modes");
    for (mode, resumable) in [(0, false), (1, true), (2, true)] {
        let rec = format!("CONFIG proxy.config.ssl.session_cache INT {mode}");
        let (p, log) = start_probed(&format!("mode{mode}"), &origin, &[&rec]);
        let sess = dir.join(format!("mode{mode}.pem"));
        fresh(p.tls_port, &sess, TLS12_ID);
        // Mode 0: no session id, nothing for s_client to save.
        assert_eq!(
            sess.exists() && resumes(p.tls_port, "example.com", &sess, TLS12_ID),
            resumable,
            "mode {mode}"
        );
        std::thread::sleep(Duration::from_millis(100));
        let t = read(&log);
        let api = t
            .lines()
            .find(|l| l.starts_with("API"))
            .unwrap_or_default()
            .to_string();
        if mode == 2 {
            assert_eq!((events(&log, "NEW"), events(&log, "GET")), (1, 1), "{t}");
            assert!(api.ends_with("remove=0"), "{t}");
        } else {
            assert!(
                !t.contains("NEW") && !t.contains("GET") && !t.contains("REMOVE"),
                "mode {mode}: {t}"
            );
            assert_eq!(
                api, "API insert=-1 get=no buffer=0 remove=-1",
                "mode {mode}: {t}"
            );
        }
    }
}

#[test]
fn tls13_stateful_resumption_is_opt_in() {
    let origin = Origin::start();
    let dir = temp_dir("resumption-tls13");
    for opt_in in [true, false] {
        let rec = format!(
            "CONFIG proxy.config.ssl.session_cache.tls13 INT {}",
            opt_in as i32
        );
        let (p, log) = start_probed(&format!("tls13-{opt_in}"), &origin, &[&rec]);
        let sess = dir.join(format!("{opt_in}.pem"));
        let first = fresh(p.tls_port, &sess, &["-tls1_3"]);
        assert!(first.contains("New, TLSv1.3"), "{first}");
        let again = conn(p.tls_port, "example.com", Some(&sess), None, &["-tls1_3"]);
        assert!(
            again.contains("Reused, TLSv1.3"),
            "opt-in {opt_in}:\n{again}"
        );
        std::thread::sleep(Duration::from_millis(100));
        let t = read(&log);
        if opt_in {
            assert!(events(&log, "NEW") >= 1, "{t}");
            assert!(
                t.lines()
                    .filter(|l| l.starts_with("NEW"))
                    .all(|l| l.starts_with("NEW len=32 ")),
                "{t}"
            );
            assert_eq!(events(&log, "GET"), 1, "{t}");
        } else {
            assert_eq!((events(&log, "NEW"), events(&log, "GET")), (0, 0), "{t}");
        }
        // TLS 1.2 keeps its tickets either way: no session-cache events for them.
        let before = (events(&log, "NEW"), events(&log, "GET"));
        let t12 = dir.join(format!("{opt_in}-12.pem"));
        fresh(p.tls_port, &t12, &["-tls1_2"]);
        assert!(resumes(p.tls_port, "example.com", &t12, &["-tls1_2"]));
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(
            before,
            (events(&log, "NEW"), events(&log, "GET")),
            "{}",
            read(&log)
        );
    }
}

/// Install `keys` through the rotation plugin and wait for its answer.
fn install(trigger: &Path, keys: &[u8]) {
    let done = trigger.with_extension("done");
    let _ = std::fs::remove_file(&done);
    let tmp = trigger.with_extension("tmp");
    std::fs::write(&tmp, keys).unwrap();
    std::fs::rename(&tmp, trigger).unwrap();
    let end = Instant::now() + Duration::from_secs(5);
    while !done.exists() {
        assert!(Instant::now() < end, "the plugin did not install the keys");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        std::fs::read_to_string(&done).unwrap(),
        format!("rc=0 len={}\n", keys.len())
    );
}

#[test]
fn ticket_keys_rotate_through_ts_ssl_ticket_key_update() {
    let origin = Origin::start();
    let dir = temp_dir("resumption-rotate");
    let trigger = dir.join("keys");
    let plugin = so("tests/c/ticket_rotate_plugin.c", "ticket_rotate_plugin");
    let p = start(
        "rotate",
        &origin,
        &[],
        vec![format!("{} {}", plugin.display(), trigger.display())],
    );
    let key = |c: u8| {
        let mut k = vec![c; 48];
        k[..16].copy_from_slice(
            format!(
                "key-name-{}{}{}{}{}{}{}",
                c as char, c as char, c as char, c as char, c as char, c as char, c as char
            )
            .as_bytes(),
        );
        k
    };
    let (k0, k1) = (key(b'0'), key(b'1'));
    for v in ["-tls1_2", "-tls1_3"] {
        install(&trigger, &k1);
        let old = dir.join(format!("old{v}.pem"));
        fresh(p.tls_port, &old, &[v]);
        install(&trigger, &[k0.clone(), k1.clone()].concat());
        let renewed = dir.join(format!("renewed{v}.pem"));
        let out = conn(p.tls_port, "example.com", Some(&old), Some(&renewed), &[v]);
        assert!(
            out.contains("Reused, TLSv1."),
            "{v}: a K1 ticket resumes under [K0, K1]:\n{out}"
        );
        // The ticket s_client holds after the resumption was renewed under K0.
        assert_eq!(ticket_name(&out), k0[..16], "{v}: renewed under K0:\n{out}");
        install(&trigger, &k0);
        if v == "-tls1_3" {
            // s_client saves the tickets a resumed TLS 1.3 connection receives (not the renewed
            // TLS 1.2 ticket): that one resumes under [K0] alone.
            assert_eq!(ticket_name(&sess_text(&renewed)), k0[..16]);
            assert!(
                resumes(p.tls_port, "example.com", &renewed, &[v]),
                "{v}: the renewed ticket resumes under [K0]"
            );
        }
        assert!(
            !resumes(p.tls_port, "example.com", &old, &[v]),
            "{v}: the K1 ticket is refused under [K0]"
        );
    }
}

/// A saved session as text.
fn sess_text(sess: &Path) -> String {
    let out = Command::new("openssl")
        .args(["sess_id", "-noout", "-text", "-in"])
        .arg(sess)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// The key name (first 16 bytes) of the last ticket in a session printout.
fn ticket_name(text: &str) -> Vec<u8> {
    // "TLS session ticket:\n    0000 - 6b 65 79 ...   key-..."
    let dump = text
        .rsplit("TLS session ticket:")
        .next()
        .filter(|_| text.contains("TLS session ticket:"))
        .unwrap_or_else(|| panic!("no ticket:\n{text}"));
    let line = dump
        .lines()
        .find(|l| l.trim_start().starts_with("0000 - "))
        .unwrap();
    let hex = &line.trim_start()["0000 - ".len()..];
    hex.split([' ', '-'])
        .filter(|s| s.len() == 2)
        .take(16)
        .map(|h| u8::from_str_radix(h, 16).unwrap())
        .collect()
}
#[test]
fn resumption_is_scoped_to_the_certificate() {
    let origin = Origin::start();
    let dir = temp_dir("resumption-scope");
    let (mut files, _) = example_cert().clone();
    files.extend(cert(&dir, "other", "other.test"));
    let p = Proxy::start(
        "scope",
        &origin,
        Setup {
            multicert: Some(
                "dest_ip=* ssl_cert_name=example.pem ssl_key_name=example.key\n\
                 ssl_cert_name=other.pem ssl_key_name=other.key\n"
                    .into(),
            ),
            files,
            ..Default::default()
        },
    );
    for (what, flags) in [
        ("TLS 1.2 session id", TLS12_ID),
        ("TLS 1.2 ticket", &["-tls1_2"][..]),
        ("TLS 1.3 ticket", &["-tls1_3"][..]),
    ] {
        for (from, to) in [("example.com", "other.test"), ("other.test", "example.com")] {
            let sess = dir.join(format!("{}-{from}.pem", what.replace(' ', "_")));
            let out = conn(p.tls_port, from, None, Some(&sess), flags);
            assert!(
                out.contains(&format!("CN = {from}")) || out.contains(&format!("CN={from}")),
                "{out}"
            );
            assert!(
                resumes(p.tls_port, from, &sess, flags),
                "{what}: same name resumes"
            );
            assert!(
                !resumes(p.tls_port, to, &sess, flags),
                "{what}: a session of {from} must not resume for {to}"
            );
        }
    }
}
