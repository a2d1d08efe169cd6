//! `tshost ctl` (traffic_ctl's commands) against a running proxy: plugin messages reach the MSG
//! hook with traffic_ctl's data and size, metrics are the plugins' stats, records are read, a
//! reload under load applies new remap rules and certificates without a failed request and old
//! tickets still resume, drain and stop act, and only the proxy's user may use the socket.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::proxy::{ctl, make_cert, Origin, Proxy, Setup};
use common::{build_plugin, crate_dir, temp_dir, Header};

/// One HTTP/1.1 request for `host` on a new connection: the status line.
fn status_of(port: u16, host: &str) -> String {
    let req = format!("GET /size/5 HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    let out = common::proxy::raw_request(port, req.as_bytes());
    String::from_utf8_lossy(&out)
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}

#[test]
fn plugin_msg_reaches_the_msg_hook_and_metrics_are_the_plugins_stats() {
    let origin = Origin::start();
    let dir = temp_dir("ctl-msg");
    let so = dir.join("ctl_plugin.so");
    build_plugin(&crate_dir().join("tests/c/ctl_plugin.c"), &so, Header::Ours);
    let log = dir.join("msgs.log");
    let p = Proxy::start(
        "ctl-msg",
        &origin,
        Setup {
            plugins: vec![format!("{} {}", so.display(), log.display())],
            ..Default::default()
        },
    );
    // As traffic_ctl: the data is sent with its NUL (data_size 3 for "42"); a tag alone has none.
    assert_eq!(ctl(&p.dir, &["plugin", "msg", "ctl_test.set", "42"]).0, 0);
    assert_eq!(ctl(&p.dir, &["plugin", "msg", "ctl_test.tagonly"]).0, 0);
    let msgs = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        msgs, "MSG ctl_test.set 3 42\nMSG ctl_test.tagonly 0 (null)\n",
        "the message is delivered before ctl returns"
    );
    let (rc, out, _) = ctl(
        &p.dir,
        &["metric", "get", "ctl_test.msgs", "ctl_test.value"],
    );
    assert_eq!(rc, 0);
    assert_eq!(out, "ctl_test.msgs 2\nctl_test.value 42\n");
    let (rc, out, _) = ctl(&p.dir, &["metric", "match", "ctl_test\\.v"]);
    assert_eq!((rc, out.as_str()), (0, "ctl_test.value 42\n"));
    let (rc, out, err) = ctl(&p.dir, &["metric", "get", "ctl_test.nope"]);
    assert_eq!(rc, 2, "{out}");
    assert!(err.contains("failed to fetch ctl_test.nope"), "{err}");
    let (rc, out, _) = ctl(&p.dir, &["config", "get", "proxy.config.exec_thread.limit"]);
    assert_eq!(
        (rc, out.as_str()),
        (0, "proxy.config.exec_thread.limit: 2\n")
    );
    let (rc, _, err) = ctl(&p.dir, &["server", "restart"]);
    assert_eq!(rc, 3);
    assert!(err.contains("not implemented"), "{err}");
    // traffic_ctl's name works too (tshost started through a link of that name).
    let link = dir.join("traffic_ctl");
    std::os::unix::fs::symlink(common::tshost_bin(), &link).unwrap();
    let out = Command::new(&link)
        .env("TSHOST_CONFIG_DIR", &p.dir)
        .args(["metric", "get", "ctl_test.msgs"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "ctl_test.msgs 2\n");
}

#[test]
fn config_reload_under_load_applies_new_rules_without_a_failed_request() {
    let origin = Origin::start();
    let p = Proxy::start("ctl-reload", &origin, Setup::default());
    assert!(status_of(p.port, "new.example").contains(" 404 "));
    let remap = std::fs::read_to_string(p.dir.join("remap.config")).unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let load = {
        let (done, port) = (done.clone(), p.port);
        std::thread::spawn(move || {
            let mut statuses = Vec::new();
            // Bounded: the reloads below take well under this many requests.
            for _ in 0..5000 {
                if done.load(Ordering::Acquire) {
                    break;
                }
                statuses.push(status_of(port, "example.com"));
            }
            statuses
        })
    };
    for round in 0..4 {
        let with_new = round % 2 == 0;
        let mut text = remap.clone();
        if with_new {
            text.push_str(&format!(
                "map http://new.example/ http://127.0.0.1:{}/\n",
                origin.port
            ));
        }
        std::fs::write(p.dir.join("remap.config"), text).unwrap();
        let (rc, out, err) = ctl(&p.dir, &["config", "reload"]);
        assert_eq!(rc, 0, "{out}{err}");
        assert!(out.contains("remap.config: reloaded"), "{out}");
        let st = status_of(p.port, "new.example");
        assert_eq!(st.contains(" 200 "), with_new, "round {round}: {st}");
    }
    done.store(true, Ordering::Release);
    let statuses = load.join().unwrap();
    assert!(statuses.len() > 4, "the load ran: {}", statuses.len());
    let failed: Vec<_> = statuses.iter().filter(|s| !s.contains(" 200 ")).collect();
    assert!(failed.is_empty(), "{} failed: {failed:?}", failed.len());
}

#[test]
fn a_broken_file_fails_the_reload_and_keeps_the_old_rules() {
    let origin = Origin::start();
    let p = Proxy::start("ctl-broken", &origin, Setup::default());
    std::fs::write(p.dir.join("remap.config"), "map http://x/\n").unwrap();
    let (rc, out, err) = ctl(&p.dir, &["config", "reload"]);
    assert_eq!(rc, 2, "{out}{err}");
    assert!(out.contains("remap.config: not reloaded"), "{out}");
    assert!(p.wait_for_stderr("remap.config:1", Duration::from_secs(5)));
    assert!(status_of(p.port, "example.com").contains(" 200 "));
}

/// The certificate's subject as s_client prints it (`subject=CN = NAME`).
fn served_name(out: &str) -> Option<&str> {
    out.lines()
        .find_map(|l| l.strip_prefix("subject=CN = "))
        .map(str::trim)
}

#[test]
fn config_reload_under_tls_load_serves_new_certificates_and_old_tickets_still_resume() {
    let origin = Origin::start();
    let dir = temp_dir("ctl-certs");
    let (a_cert, a_key) = make_cert(&dir, "a.test");
    let (b_cert, b_key) = make_cert(&dir, "b.test");
    let p = Proxy::start(
        "ctl-certs",
        &origin,
        Setup {
            multicert: Some("dest_ip=* ssl_cert_name=a.pem ssl_key_name=a.key\n".into()),
            files: vec![("a.pem".into(), a_cert), ("a.key".into(), a_key)],
            ..Default::default()
        },
    );
    let sess = dir.join("a.sess");
    let s = sess.to_str().unwrap();
    let first = common::proxy::s_client(p.tls_port, &["-servername", "a.test", "-sess_out", s]);
    assert_eq!(served_name(&first), Some("a.test"), "{first}");
    let b = common::proxy::s_client(p.tls_port, &["-servername", "b.test"]);
    assert_eq!(served_name(&b), Some("a.test"), "only a.test before: {b}");
    // Load over TLS while the certificates change: a new handshake per request.
    let done = Arc::new(AtomicBool::new(false));
    let load = {
        let (done, port) = (done.clone(), p.tls_port);
        std::thread::spawn(move || {
            let url = format!("https://127.0.0.1:{port}/size/10");
            let mut codes = Vec::new();
            for _ in 0..2000 {
                if done.load(Ordering::Acquire) {
                    break;
                }
                let (rc, out) = common::proxy::curl(&[
                    "-k",
                    "-o",
                    "/dev/null",
                    "-w",
                    "%{http_code}",
                    "-H",
                    "Host: example.com",
                    &url,
                ]);
                codes.push((rc, String::from_utf8_lossy(&out).into_owned()));
            }
            codes
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    std::fs::write(p.dir.join("b.pem"), b_cert).unwrap();
    std::fs::write(p.dir.join("b.key"), b_key).unwrap();
    std::fs::write(
        p.dir.join("ssl_multicert.config"),
        "dest_ip=* ssl_cert_name=a.pem ssl_key_name=a.key\nssl_cert_name=b.pem ssl_key_name=b.key\n",
    )
    .unwrap();
    let (rc, out, err) = ctl(&p.dir, &["config", "reload"]);
    assert_eq!(rc, 0, "{out}{err}");
    assert!(out.contains("ssl_multicert.config: reloaded (2"), "{out}");
    let b = common::proxy::s_client(p.tls_port, &["-servername", "b.test"]);
    assert_eq!(served_name(&b), Some("b.test"), "{b}");
    assert!(b.contains("HTTP/1.1 200 OK"), "{b}");
    let again = common::proxy::s_client(p.tls_port, &["-servername", "a.test", "-sess_in", s]);
    assert!(again.contains("Reused, TLSv1."), "{again}");
    std::thread::sleep(Duration::from_millis(300));
    done.store(true, Ordering::Release);
    let codes = load.join().unwrap();
    assert!(codes.len() > 4, "the load ran: {}", codes.len());
    let failed: Vec<_> = codes
        .iter()
        .filter(|(rc, c)| *rc != 0 || c != "200")
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} failed: {failed:?}",
        failed.len(),
        codes.len()
    );
}

#[test]
fn server_drain_closes_connections_and_server_stop_stops_the_proxy() {
    let origin = Origin::start();
    let mut p = Proxy::start("ctl-drain", &origin, Setup::default());
    let keep_alive = |port: u16| {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(b"GET /size/5 HTTP/1.1\r\nHost: example.com\r\n\r\n")
            .unwrap();
        let mut buf = vec![0; 4096];
        let n = s.read(&mut buf).unwrap();
        String::from_utf8_lossy(&buf[..n]).to_ascii_lowercase()
    };
    assert!(!keep_alive(p.port).contains("connection: close"));
    assert_eq!(ctl(&p.dir, &["server", "drain"]).0, 0);
    assert!(keep_alive(p.port).contains("connection: close"));
    assert_eq!(ctl(&p.dir, &["server", "drain", "--undo"]).0, 0);
    assert!(!keep_alive(p.port).contains("connection: close"));
    let socket = p.dir.join("tshost_ctl.sock");
    assert!(socket.exists());
    assert_eq!(ctl(&p.dir, &["server", "stop"]).0, 0);
    let st = p.terminate(Duration::from_secs(10));
    assert!(st.is_some_and(|s| s.success()), "{st:?}");
    assert!(
        p.stderr().contains("stopping (control socket)"),
        "{}",
        p.stderr()
    );
    assert!(!socket.exists(), "the socket is removed at the end");
    let (rc, _, err) = ctl(&p.dir, &["config", "reload"]);
    assert_eq!(rc, 2);
    assert!(err.contains("cannot reach tshost"), "{err}");
}

#[test]
fn only_the_proxys_user_may_use_the_control_socket() {
    use std::os::unix::fs::PermissionsExt;
    let origin = Origin::start();
    let p = Proxy::start("ctl-private", &origin, Setup::default());
    let socket = p.dir.join("tshost_ctl.sock");
    let mode = std::fs::metadata(&socket).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    // As another user (when the tests run as root: `nobody`), connecting is refused.
    let root = std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap();
    if root {
        std::fs::set_permissions(&p.dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let out = Command::new("setpriv")
            .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
            .arg(common::tshost_bin())
            .args(["ctl", "--config-dir"])
            .arg(&p.dir)
            .args(["config", "reload"])
            .output()
            .expect("setpriv (util-linux)");
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("Permission denied"), "{err}");
        assert!(!p.stderr().contains("reloading"));
    }
}

/// A client of the control socket that connects and sends nothing is answered with an error
/// after 5 s and let go; the proxy goes on answering others meanwhile.
#[test]
fn a_silent_control_client_is_let_go_after_5_s() {
    use std::io::Read;
    let origin = Origin::start();
    let p = Proxy::start("ctl-silent", &origin, Setup::default());
    let t = std::time::Instant::now();
    let mut s = std::os::unix::net::UnixStream::connect(p.dir.join("tshost_ctl.sock")).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    // Meanwhile another command is answered.
    let (rc, out, _) = ctl(&p.dir, &["config", "get", "proxy.config.exec_thread.limit"]);
    assert_eq!(
        (rc, out.as_str()),
        (0, "proxy.config.exec_thread.limit: 2\n")
    );
    let mut reply = Vec::new();
    s.read_to_end(&mut reply).unwrap();
    let took = t.elapsed();
    let reply = String::from_utf8_lossy(&reply);
    assert!(reply.contains("did not arrive within 5 s"), "{reply}");
    assert!(
        took >= Duration::from_millis(4900) && took < Duration::from_secs(10),
        "{took:?}"
    );
}
