//! Event threads, with a C plugin built against Debian's ts.h (`tests/c/event_threads_plugin.c`):
//! TSEventThreadSelf is the calling NET/TASK pool thread or network thread and NULL elsewhere;
//! TSContScheduleOnThread runs the continuation on that thread (a TASK thread, and the network
//! thread of a hook) and makes it the affinity; TSContThreadAffinitySet/Get/Clear, TSContSchedule
//! honouring the affinity; TSHttpSchedule calls its continuation after the delay with the
//! transaction, which goes on (with the continuation's request field) after TSHttpTxnReenable.

mod common;

use std::time::Duration;

use common::proxy::{curl, Origin, Proxy, Setup};
use common::{build_plugin, crate_dir, temp_dir, Header};

const CHECKS: &[&str] = &[
    "init_is_no_event_thread",
    "task_thread_self",
    "schedule_on_thread",
    "on_thread_sets_affinity",
    "on_thread_first",
    "on_thread_second",
    "affinity_set",
    "affinity_set_null",
    "affinity_set_unknown",
    "on_unknown_thread",
    "affinity_honoured",
    "affinity_get",
    "affinity_clear",
    "plain_thread_is_no_event_thread",
];

const HOOK_CHECKS: &[&str] = &[
    "hook_thread_self",
    "http_schedule_bad_txn",
    "http_schedule_action",
    "on_network_thread",
    "http_schedule",
    "http_schedule_edata",
];

#[test]
fn continuations_run_on_the_event_thread_they_are_scheduled_on() {
    let dir = temp_dir("event_threads");
    let so = dir.join("event_threads_plugin.so");
    build_plugin(
        &crate_dir().join("tests/c/event_threads_plugin.c"),
        &so,
        Header::Debian,
    );
    let origin = Origin::start();
    let p = Proxy::start(
        "event_threads",
        &origin,
        Setup {
            plugins: vec![so.display().to_string()],
            ..Default::default()
        },
    );
    let ok = |name: &str| format!("event_threads: {name} ok");
    for name in CHECKS {
        assert!(
            p.wait_for_stderr(&ok(name), Duration::from_secs(5)),
            "{name}:\n{}",
            p.stderr()
        );
    }
    let url = format!("http://127.0.0.1:{}/echo", p.port);
    let (rc, body) = curl(&["-H", "Host: example.com", &url]);
    let body = String::from_utf8_lossy(&body);
    assert_eq!(rc, 0, "{body}\n{}", p.stderr());
    assert!(body.contains("X-Scheduled: yes"), "{body}\n{}", p.stderr());
    for name in HOOK_CHECKS {
        assert!(
            p.wait_for_stderr(&ok(name), Duration::from_secs(5)),
            "{name}:\n{}",
            p.stderr()
        );
    }
    assert!(!p.stderr().contains(" FAIL "), "{}", p.stderr());
}
