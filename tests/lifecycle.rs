//! Plugin lifecycle hooks (TSLifecycleHookAdd), end to end: tshost started for real with
//! tests/c/lifecycle_probe.c, a plugin on every lifecycle hook that logs the events it gets.
//!
//! What ATS 9.2.9 logged for the same plugin (Debian's traffic_server, run beside tshost on
//! 2026-12-07, cache off, then SIGTERM): `init`, `CLIENT_SSL_CTX_INITIALIZED ctx`,
//! `SERVER_SSL_CTX_INITIALIZED ctx` (once per server context), `PORTS_INITIALIZED`,
//! `PORTS_READY`, `CACHE_READY`, `TASK_THREADS_READY`, and `SHUTDOWN` on the stop. tshost fires
//! the same in the same order (its client SSL_CTX is the one it will use for TLS to origins).
mod common;

use std::time::{Duration, Instant};

use common::proxy::{Origin, Proxy, Setup};
use common::{build_plugin, crate_dir, temp_dir, Header};

fn lines_until(path: &std::path::Path, last: &str) -> Vec<String> {
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        let lines: Vec<String> = std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect();
        if lines.iter().any(|l| l == last) || Instant::now() > end {
            return lines;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn lifecycle_hooks_fire_in_ats_order_from_start_to_stop() {
    for header in [Header::Ours, Header::Debian] {
        let dir = temp_dir(&format!("lifecycle-{header:?}"));
        let so = dir.join("lifecycle_probe.so");
        build_plugin(&crate_dir().join("tests/c/lifecycle_probe.c"), &so, header);
        let log = dir.join("events.log");
        let origin = Origin::start();
        let mut proxy = Proxy::start(
            &format!("lifecycle-{header:?}"),
            &origin,
            Setup {
                plugins: vec![format!("{} {}", so.display(), log.display())],
                ..Setup::default()
            },
        );
        let lines = lines_until(&log, "TASK_THREADS_READY");
        // The client SSL_CTX (for origins) first, then each server SSL_CTX tshost made (one TLS
        // port with a self-signed certificate: at least one), between TSPluginInit and the ports.
        assert_eq!(
            lines.get(1).map(String::as_str),
            Some("CLIENT_SSL_CTX_INITIALIZED ctx"),
            "{header:?}: {lines:?}"
        );
        let ctxs = lines
            .iter()
            .skip(2)
            .take_while(|l| l.starts_with("SERVER_SSL_CTX_INITIALIZED"))
            .count();
        assert!(ctxs >= 1, "{header:?}: {lines:?}");
        assert!(
            lines[2..2 + ctxs]
                .iter()
                .all(|l| l == "SERVER_SSL_CTX_INITIALIZED ctx"),
            "{header:?}: {lines:?}"
        );
        let mut rest = vec![lines[0].as_str()];
        rest.extend(lines[ctxs + 2..].iter().map(String::as_str));
        assert_eq!(
            rest,
            [
                "init",
                "PORTS_INITIALIZED",
                "PORTS_READY",
                "CACHE_READY",
                "TASK_THREADS_READY"
            ],
            "{header:?}"
        );
        proxy.terminate(Duration::from_secs(10)).expect("stops");
        assert_eq!(
            lines_until(&log, "SHUTDOWN").last().map(String::as_str),
            Some("SHUTDOWN"),
            "{header:?}"
        );
    }
}

/// TS_LIFECYCLE_MSG_HOOK through the embedding API (`tshost_plugin_msg`, what `traffic_ctl plugin
/// msg TAG DATA` delivers in ATS): the plugin gets TS_EVENT_LIFECYCLE_MSG with the tag and the
/// data's bytes and size; a NULL tag, or NULL data with a size, is refused.
#[test]
fn plugin_messages_reach_the_msg_hook_with_tag_and_data() {
    let dir = temp_dir("lifecycle-msg");
    let so = dir.join("lifecycle_probe.so");
    build_plugin(
        &crate_dir().join("tests/c/lifecycle_probe.c"),
        &so,
        Header::Ours,
    );
    let prog = dir.join("lifecycle_msg");
    common::build_program(&crate_dir().join("tests/c/lifecycle_msg.c"), &prog);
    let log = dir.join("events.log");
    let out = std::process::Command::new(&prog)
        .arg(&so)
        .arg(&log)
        .output()
        .expect("run lifecycle_msg");
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = std::fs::read_to_string(&log).unwrap();
    assert_eq!(lines, "init\nMSG probe 5 hello\nMSG empty 0 \n");
}
