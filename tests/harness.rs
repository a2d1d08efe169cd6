//! The hook dispatcher's tests, run from C through the harness of tshost.h (tests/c/harness_test.c
//! drives tests/c/probe_plugin.c and the shipped plugins). Every scenario runs three times: with
//! the plugin built against tshost's ts.h, against Debian's trafficserver-dev ts.h, and that
//! Debian-built plugin loaded through a plugin.config; the three outputs must be identical.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use common::proxy::run_with_timeout;
use common::{build_plugin, build_program, crate_dir, temp_dir, Header};

struct Built {
    harness: PathBuf,
    probe_ours: PathBuf,
    probe_debian: PathBuf,
}

fn built() -> &'static Built {
    static B: OnceLock<Built> = OnceLock::new();
    B.get_or_init(|| {
        let d = temp_dir("harness-build");
        let c = crate_dir().join("tests/c");
        let b = Built {
            harness: d.join("harness_test"),
            probe_ours: d.join("probe_ours.so"),
            probe_debian: d.join("probe_debian.so"),
        };
        build_program(&c.join("harness_test.c"), &b.harness);
        build_plugin(&c.join("probe_plugin.c"), &b.probe_ours, Header::Ours);
        build_plugin(&c.join("probe_plugin.c"), &b.probe_debian, Header::Debian);
        b
    })
}

/// The longest scenario takes 0.5 s (`delay`: ten hooks reenabled 40 ms late); a hook that never
/// proceeds is a failure after this long (40 times that, for a loaded 2-core debug build) rather
/// than a test binary that never ends.
const SCENARIO_TIMEOUT: Duration = Duration::from_secs(20);

/// Run one scenario; returns stdout. Panics with the whole output if it did not pass.
fn run(scenario: &str, plugin: &PathBuf, config_dir: Option<&PathBuf>, extra: &[&str]) -> String {
    run_with_stderr(scenario, plugin, config_dir, extra).0
}

/// [`run`], with stderr (tshost's log) too.
fn run_with_stderr(
    scenario: &str,
    plugin: &PathBuf,
    config_dir: Option<&PathBuf>,
    extra: &[&str],
) -> (String, String) {
    let mut cmd = Command::new(&built().harness);
    cmd.arg(scenario).arg(plugin).args(extra);
    if let Some(d) = config_dir {
        cmd.env("HARNESS_CONFIG_DIR", d);
    }
    let (code, out, err) = run_with_timeout(&mut cmd, b"", SCENARIO_TIMEOUT);
    let stdout = String::from_utf8_lossy(&out).into_owned();
    let stderr = String::from_utf8_lossy(&err).into_owned();
    assert!(
        code == 0 && stdout.ends_with("PASS\n"),
        "scenario {scenario} with {} failed (exit {code}; -1: killed after {SCENARIO_TIMEOUT:?}, a \
         hook that never proceeded):\n--- stdout\n{stdout}--- stderr\n{stderr}",
        plugin.display(),
    );
    (stdout, stderr)
}

/// Run a probe scenario with all three builds; returns stderr-free stdout of the first.
fn scenario(name: &str) -> String {
    let b = built();
    let ours = run(name, &b.probe_ours, None, &[]);
    let debian = run(name, &b.probe_debian, None, &[]);
    assert_eq!(
        ours, debian,
        "plugin built against Debian's ts.h behaves differently"
    );
    let dir = temp_dir(&format!("harness-cfg-{name}"));
    let via_config = run(name, &b.probe_debian, Some(&dir), &[]);
    assert_eq!(
        ours, via_config,
        "plugin loaded through plugin.config behaves differently"
    );
    ours
}

#[test]
fn hook_order_global_session_txn_and_same_hook_additions() {
    let out = scenario("order");
    assert!(out.contains("ok order: global, then session, then transaction hooks"));
}

#[test]
fn reenable_of_another_transaction_inside_a_callback_reaches_that_transaction() {
    let out = scenario("cross");
    assert!(out.contains("ok the first transaction, reenabled from inside another"));
}

#[test]
fn reused_handle_reenabled_from_the_thread_of_its_old_callbacks_reaches_the_new_transaction() {
    let out = scenario("reuse");
    assert!(out.contains("ok the reenable reached the second transaction"));
}

#[test]
fn session_and_transaction_hooks_run_where_no_global_hook_is() {
    let out = scenario("sparse");
    assert!(out.contains("ok a hook point with no global hook still runs"));
}

#[test]
fn reenable_from_plain_pthread_after_delay_sessions_and_transactions() {
    let out = scenario("delay");
    assert!(out.contains("all reenabled later from another thread"));
    // The hook watchdog (400 ms in this scenario) reports only hooks still held when it fires:
    // these were reenabled after 40 ms.
    let (_, stderr) = run_with_stderr("delay", &built().probe_ours, None, &[]);
    assert!(
        !stderr.contains("not reenabled after"),
        "a hook reenabled in time was reported:\n{stderr}"
    );
}

#[test]
fn concurrent_transactions_close_before_session_close() {
    scenario("concurrent");
}

#[test]
fn continuation_mutex_held_during_callbacks() {
    scenario("mutex");
}

#[test]
fn error_at_read_request_hdr_gives_500() {
    scenario("error_read_request");
}

#[test]
fn error_with_plugin_status_gives_that_status() {
    scenario("error_status");
}

/// One rule for the response to an ERROR after TSHttpTxnStatusSet(N), in the proxy and in the
/// harness alike (`hdrs::api_error_status`): N itself when it is a three-digit error status, else
/// 500 INKApi Error. The harness used to answer any N >= 400 (1000 included) where the proxy
/// answered 500; the same probe plugin, with the same arguments, now gets the same status from
/// both.
#[test]
fn api_error_status_is_one_rule_in_the_proxy_and_the_harness() {
    use common::proxy::{Origin, Proxy, Setup};
    let origin = Origin::start();
    for (n, status, reason) in [
        (451, 451, "Error"),
        (999, 999, "Error"),
        (399, 500, "INKApi Error"),
        (1000, 500, "INKApi Error"),
    ] {
        run(
            "error_status_n",
            &built().probe_ours,
            None,
            &[&n.to_string(), &status.to_string()],
        );
        let proxy = Proxy::start(
            &format!("api-error-{n}"),
            &origin,
            Setup {
                plugins: vec![format!(
                    "{} error=14,status={n}",
                    built().probe_ours.display()
                )],
                ..Setup::default()
            },
        );
        let head = common::proxy::raw_request(
            proxy.port,
            b"GET /size/1 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
        );
        let head = String::from_utf8_lossy(&head).into_owned();
        assert!(
            head.starts_with(&format!("HTTP/1.1 {status} {reason}\r\n")),
            "status {n} set, the proxy answered:\n{head}"
        );
    }
}

/// The proxy and the harness drive one transaction machine (src/txn/machine.rs): an ERROR at
/// PRE_REMAP after TSHttpTxnStatusSet skips remap, the origin and their hook points in both. The
/// harness's scenario checks its trace in C (TXN_START READ_REQUEST_HDR PRE_REMAP
/// SEND_RESPONSE_HDR TXN_CLOSE); here hook_trace, loaded before the probe, logs the points the
/// proxy ran for the same plugin.
#[test]
fn the_proxy_and_the_harness_skip_the_same_points_after_an_error() {
    use common::proxy::{Origin, Proxy, Setup};
    run("error_status_n", &built().probe_ours, None, &["451", "451"]);
    let origin = Origin::start();
    let trace = shipped_plugin("hook_trace", Header::Ours);
    let log = temp_dir("machine-shared").join("trace.log");
    let proxy = Proxy::start(
        "machine-shared",
        &origin,
        Setup {
            plugins: vec![
                format!("{} {}", trace.display(), log.display()),
                format!("{} error=14,status=451", built().probe_ours.display()),
            ],
            ..Setup::default()
        },
    );
    let head = common::proxy::raw_request(
        proxy.port,
        b"GET /size/1 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
    );
    assert!(
        head.starts_with(b"HTTP/1.1 451 "),
        "{}",
        String::from_utf8_lossy(&head)
    );
    // TXN_CLOSE is logged once the transaction is over, a moment after the response.
    let mut points = Vec::new();
    for _ in 0..100 {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        points = text
            .lines()
            .filter_map(|l| l.split(' ').next())
            .filter(|p| !p.starts_with("SSN_"))
            .map(str::to_owned)
            .collect::<Vec<_>>();
        if points.last().map(String::as_str) == Some("TXN_CLOSE") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(
        points,
        [
            "TXN_START",
            "READ_REQUEST_HDR",
            "PRE_REMAP",
            "SEND_RESPONSE_HDR",
            "TXN_CLOSE"
        ],
        "the proxy's points after an ERROR at PRE_REMAP"
    );
}

#[test]
fn error_at_send_response_hdr_is_not_rerun() {
    scenario("error_send_response");
}

#[test]
fn error_at_txn_close_counts_as_continue() {
    scenario("error_txn_close");
}

#[test]
fn error_at_ssn_start_closes_the_session() {
    scenario("error_ssn_start");
}

#[test]
fn double_reenable_is_ignored() {
    scenario("double");
}

#[test]
fn invalid_reenable_event_and_bad_handles_do_not_crash() {
    scenario("invalid");
}

#[test]
fn user_args_txn_ssn_global() {
    let out = scenario("args");
    assert!(
        out.contains("probe: arg indices txn=1000 again=1000 ssn=2000 glb=4000"),
        "{out}"
    );
}

#[test]
fn held_hook_waits_and_is_reported_once() {
    let b = built();
    let out = Command::new(&b.harness)
        .arg("hold")
        .arg(&b.probe_ours)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{}\n{stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
    let reports: Vec<_> = stderr
        .lines()
        .filter(|l| l.contains("not reenabled after 100 ms"))
        .collect();
    assert_eq!(reports.len(), 1, "one watchdog report expected:\n{stderr}");
    assert!(
        reports[0].contains("plugin probe: READ_REQUEST_HDR hook of transaction"),
        "{}",
        reports[0]
    );
    scenario("hold");
}

#[test]
fn client_abort_while_hook_held_closes_after_reenable() {
    scenario("hold_abort");
}

fn shipped_plugin(name: &str, header: Header) -> PathBuf {
    let d = temp_dir(&format!("shipped-{name}-{header:?}"));
    let so = d.join(format!("{name}.so"));
    build_plugin(
        &crate_dir().join(format!("plugins-c/{name}.c")),
        &so,
        header,
    );
    so
}

#[test]
fn session_count_plugin_counts_sessions_and_transactions() {
    for h in [Header::Ours, Header::Debian] {
        run(
            "session_count",
            &shipped_plugin("session_count", h),
            None,
            &[],
        );
    }
}

#[test]
fn hook_trace_plugin_logs_every_event_in_order() {
    for h in [Header::Ours, Header::Debian] {
        let so = shipped_plugin("hook_trace", h);
        let log = so.with_extension("log");
        run("hook_trace", &so, None, &[log.to_str().unwrap()]);
    }
}
