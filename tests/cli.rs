//! The `tshost` binary as an operator uses it: options, `--check`, plugin.config and
//! records.config handling, plugin loading as ATS 9.2 does it, diagnostics, and running until
//! SIGTERM.
//!
//! The plugins are small C files, `tests/c/cli_*.c`, compiled with gcc against `include/` into
//! each test's own scratch directory; they are loaded by the real binary with the real dlopen and
//! resolve their TS symbols against it. Each plugin writes what it saw into a file named by its
//! argv[1], which the test reads back.
//!
//! Needs gcc.

mod common;

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Output, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use common::{build_plugin_with, crate_dir, temp_dir, tshost, Header};

/// One test's scratch directory, which is also its configuration directory.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(test: &str) -> Scratch {
        Scratch {
            dir: temp_dir(&format!("cli-{test}")),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }

    /// Compile `tests/c/<source>.c` into `<dir>/<rel>` (a shared object); returns its path.
    fn plugin(&self, source: &str, rel: &str) -> PathBuf {
        let src = crate_dir().join("tests/c").join(format!("{source}.c"));
        let out = self.path(rel);
        fs::create_dir_all(out.parent().unwrap()).unwrap();
        build_plugin_with(&src, &out, Header::Ours, &["-lpthread"]);
        out
    }

    /// `tshost --check --config-dir <dir>`.
    fn check(&self) -> Run {
        let out = tshost()
            .arg("--check")
            .arg("--config-dir")
            .arg(&self.dir)
            .output()
            .expect("run tshost");
        Run { out }
    }

    /// Contents of a file the plugins wrote ("" if missing).
    fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).unwrap_or_default()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

struct Run {
    out: Output,
}

impl Run {
    fn code(&self) -> Option<i32> {
        self.out.status.code()
    }
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).into_owned()
    }
    #[track_caller]
    fn expect_code(&self, code: i32) {
        assert_eq!(
            self.code(),
            Some(code),
            "tshost exited with {} (expected {code})\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.out.status,
            self.stdout(),
            self.stderr()
        );
    }
    #[track_caller]
    fn expect_stderr(&self, needle: &str) {
        let e = self.stderr();
        assert!(
            e.contains(needle),
            "stderr does not contain {needle:?}:\n{e}"
        );
    }
    #[track_caller]
    fn expect_no_stderr(&self, needle: &str) {
        let e = self.stderr();
        assert!(
            !e.contains(needle),
            "stderr unexpectedly contains {needle:?}:\n{e}"
        );
    }
}

const DEBUG_ON_PROBE_HTTP: &str = "# debug output for tags starting with probe or http\n\
     CONFIG proxy.config.diags.debug.enabled INT 1\n\
     CONFIG proxy.config.diags.debug.tags STRING probe|http\n";

// ---------------------------------------------------------------------------------------------
// Options

#[test]
fn help_mentions_config_dir_and_check() {
    let out = tshost().arg("--help").output().expect("run tshost");
    let run = Run { out };
    run.expect_code(0);
    let text = run.stdout();
    assert!(
        text.contains("--config-dir"),
        "--help does not mention --config-dir:\n{text}"
    );
    assert!(
        text.contains("--check"),
        "--help does not mention --check:\n{text}"
    );
}

#[test]
fn version_prints_a_version() {
    let out = tshost().arg("--version").output().expect("run tshost");
    let run = Run { out };
    run.expect_code(0);
    let text = run.stdout();
    assert!(
        text.starts_with("tshost ") && text.contains(env!("CARGO_PKG_VERSION")),
        "--version does not print `tshost {}`: {text:?}",
        env!("CARGO_PKG_VERSION")
    );
}

// ---------------------------------------------------------------------------------------------
// --check: what makes start-up fail

#[test]
fn check_with_empty_config_dir_succeeds() {
    let s = Scratch::new("empty");
    let run = s.check();
    run.expect_code(0);
    run.expect_stderr("started");
}

#[test]
fn check_with_missing_config_dir_fails() {
    let s = Scratch::new("no_dir");
    let out = tshost()
        .arg("--check")
        .arg("--config-dir")
        .arg(s.path("does-not-exist"))
        .output()
        .expect("run tshost");
    let run = Run { out };
    // 70 (EX_SOFTWARE), what tshost exits with when start-up fails; a crash (no exit code) or
    // another code is a failure of this test, not the expected refusal.
    run.expect_code(70);
    run.expect_stderr("does-not-exist");
}

#[test]
fn missing_plugin_on_line_3_exits_70_naming_line_and_path() {
    let s = Scratch::new("missing_so");
    let probe = s.plugin("cli_probe", "cli_probe.so");
    let missing = s.path("no-such-plugin.so");
    s.write(
        "plugin.config",
        &format!(
            "# line 1 is a comment\n{} {}\n{}\n",
            probe.display(),
            s.path("out.txt").display(),
            missing.display()
        ),
    );
    let run = s.check();
    run.expect_code(70);
    run.expect_stderr("plugin.config:3");
    run.expect_stderr(&missing.display().to_string());
    assert!(
        s.read("out.txt").contains("init 1"),
        "the plugin on line 2 was not initialised first"
    );
}

#[test]
fn shared_object_without_tsplugininit_exits_70() {
    let s = Scratch::new("no_init");
    let so = s.plugin("cli_no_init", "cli_no_init.so");
    s.write("plugin.config", &format!("{}\n", so.display()));
    let run = s.check();
    run.expect_code(70);
    run.expect_stderr("TSPluginInit");
    run.expect_stderr("plugin.config:1");
}

#[test]
fn plugin_that_does_not_register_exits_70() {
    let s = Scratch::new("no_register");
    let so = s.plugin("cli_no_register", "cli_no_register.so");
    s.write(
        "plugin.config",
        &format!("{} {}\n", so.display(), s.path("out.txt").display()),
    );
    let run = s.check();
    run.expect_code(70);
    run.expect_stderr("TSPluginRegister");
    assert_eq!(s.read("out.txt"), "init ran\n", "TSPluginInit did not run");
}

#[test]
fn dlopen_failure_exits_70_with_dlerror_text() {
    let s = Scratch::new("undefined_symbol");
    let so = s.plugin("cli_undefined_symbol", "cli_undefined_symbol.so");
    s.write("plugin.config", &format!("{}\n", so.display()));
    let run = s.check();
    run.expect_code(70);
    // dlerror(): "<path>: undefined symbol: <name>"
    run.expect_stderr("undefined symbol: cli_no_such_function_anywhere");
    run.expect_stderr(&so.display().to_string());
}

#[test]
fn malformed_records_config_line_fails_naming_file_and_line() {
    let s = Scratch::new("bad_records");
    s.write(
        "records.config",
        "# a comment\nCONFIG proxy.config.diags.debug.enabled INT 1\nCONFIG proxy.config.diags.debug.tags\n",
    );
    let run = s.check();
    run.expect_code(70);
    run.expect_stderr("records.config:3");
    run.expect_no_stderr("started");

    let s = Scratch::new("bad_records_int");
    s.write(
        "records.config",
        "CONFIG proxy.config.diags.debug.enabled INT yes\n",
    );
    let run = s.check();
    run.expect_code(70);
    run.expect_stderr("records.config:1");
}

/// ATS's rule: an environment variable named as a record in capitals with `_` for `.`
/// replaces its value (records.config's line too), is said once at start-up, and a value
/// of the wrong type stops start-up naming the variable.
#[test]
fn records_are_replaced_from_the_environment_as_in_ats() {
    let s = Scratch::new("records_env");
    s.write(
        "records.config",
        "CONFIG proxy.config.diags.debug.enabled INT 0\n",
    );
    let run = |var: &str, value: &str| Run {
        out: tshost()
            .arg("--check")
            .arg("--config-dir")
            .arg(s.path(""))
            .env(var, value)
            .output()
            .expect("run tshost"),
    };
    let ok = run("PROXY_CONFIG_DIAGS_DEBUG_ENABLED", "1");
    ok.expect_code(0);
    ok.expect_stderr(
        "proxy.config.diags.debug.enabled from the environment (PROXY_CONFIG_DIAGS_DEBUG_ENABLED)",
    );
    let bad = run("PROXY_CONFIG_DIAGS_DEBUG_ENABLED", "yes");
    bad.expect_code(70);
    bad.expect_stderr(
        "environment variable PROXY_CONFIG_DIAGS_DEBUG_ENABLED: invalid integer 'yes'",
    );
    bad.expect_no_stderr("started");
}

// ---------------------------------------------------------------------------------------------
// Loading plugins as ATS does

#[test]
fn relative_paths_use_plugin_dir_and_absolute_paths_are_verbatim() {
    let s = Scratch::new("plugin_dir");
    s.plugin("cli_probe", "plugins/rel_probe.so");
    let abs = s.plugin("cli_probe", "elsewhere/abs_probe.so");
    // A decoy with the relative name in the config directory itself must not be the one loaded.
    s.plugin("cli_no_register", "rel_probe.so");
    s.write(
        "records.config",
        "CONFIG proxy.config.plugin.plugin_dir STRING plugins\n",
    );
    let out = s.path("out.txt");
    s.write(
        "plugin.config",
        &format!(
            "rel_probe.so {}\n{} {}\n",
            out.display(),
            abs.display(),
            out.display()
        ),
    );
    let run = s.check();
    run.expect_code(0);
    let text = s.read("out.txt");
    assert!(
        text.contains("init 1 argv0=rel_probe.so "),
        "relative plugin not loaded from plugin_dir:\n{text}"
    );
    assert!(
        text.contains(&format!("init 1 argv0={} ", abs.display())),
        "absolute plugin path not used verbatim:\n{text}"
    );
    run.expect_stderr(&format!(
        "loading plugin '{}'",
        s.path("plugins/rel_probe.so").display()
    ));
}

#[test]
fn plugins_initialise_in_file_order() {
    let s = Scratch::new("order");
    let mut config = String::new();
    let out = s.path("out.txt");
    for name in ["first", "second", "third"] {
        let so = s.plugin("cli_probe", &format!("{name}.so"));
        config.push_str(&format!("{} {}\n", so.display(), out.display()));
    }
    s.write("plugin.config", &config);
    s.check().expect_code(0);
    let order: Vec<String> = s
        .read("out.txt")
        .lines()
        .filter(|l| l.starts_with("init "))
        .map(|l| {
            let argv0 = l
                .split_whitespace()
                .nth(2)
                .unwrap()
                .trim_start_matches("argv0=");
            Path::new(argv0)
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(order, ["first", "second", "third"]);
}

#[test]
fn argv_arrives_as_ats_passes_it() {
    let s = Scratch::new("argv");
    s.plugin("cli_probe", "plugins/cli_probe.so");
    s.write(
        "records.config",
        "CONFIG proxy.config.plugin.plugin_dir STRING plugins\n",
    );
    let out = s.path("out.txt");
    s.write(
        "plugin.config",
        &format!(
            "cli_probe.so {} \"a b\" $proxy.config.http.cache.http $no.such.record plain\n\
             cli_probe.so {}\n",
            out.display(),
            out.display()
        ),
    );
    let run = s.check();
    run.expect_code(0);
    let text = s.read("out.txt");
    let expected_first = "init 1 argv0=cli_probe.so optind=0 argc=6\n\
                          arg[2]=<a b>\n\
                          arg[3]=<1>\n\
                          arg[4]=<$no.such.record>\n\
                          arg[5]=<plain>\n\
                          argv[argc]=NULL\n\
                          register=0\n";
    // The first init left optind at 5: the host resets it to 0 before the next TSPluginInit.
    let expected_second =
        "init 2 argv0=cli_probe.so optind=0 argc=2\nargv[argc]=NULL\nregister=0\n";
    assert_eq!(text, format!("{expected_first}{expected_second}"));
    run.expect_stderr("no.such.record");
}

#[test]
fn same_plugin_listed_twice_runs_init_twice_in_one_instance() {
    let s = Scratch::new("twice");
    let so = s.plugin("cli_probe", "cli_probe.so");
    let out = s.path("out.txt");
    s.write(
        "plugin.config",
        &format!(
            "{so} {out} one\n{so} {out} two\n",
            so = so.display(),
            out = out.display()
        ),
    );
    let run = s.check();
    run.expect_code(0);
    let inits: Vec<String> = s
        .read("out.txt")
        .lines()
        .filter(|l| l.starts_with("init "))
        .map(String::from)
        .collect();
    assert_eq!(inits.len(), 2, "TSPluginInit did not run twice: {inits:?}");
    // The static counter is shared: one DSO instance, initialised twice.
    assert!(
        inits[0].starts_with("init 1 ") && inits[1].starts_with("init 2 "),
        "{inits:?}"
    );
    run.expect_stderr("multiple loading of plugin");
}

// ---------------------------------------------------------------------------------------------
// Diagnostics

#[test]
fn debug_output_needs_enabled_and_a_matching_tag() {
    let cases: &[(&str, Option<&str>, bool, bool)] = &[
        // (name, records.config, probe_x shown, xprobe shown)
        ("no_records", None, false, false),
        ("enabled_probe_http", Some(DEBUG_ON_PROBE_HTTP), true, false),
        (
            "disabled_probe_http",
            Some(
                "CONFIG proxy.config.diags.debug.enabled INT 0\n\
                 CONFIG proxy.config.diags.debug.tags STRING probe|http\n",
            ),
            false,
            false,
        ),
        (
            "enabled_default_tags",
            Some("CONFIG proxy.config.diags.debug.enabled INT 1\n"),
            false,
            false,
        ),
        (
            "enabled_xprobe",
            Some(
                "CONFIG proxy.config.diags.debug.enabled INT 1\n\
                 CONFIG proxy.config.diags.debug.tags STRING xprobe\n",
            ),
            false,
            true,
        ),
    ];
    for (name, records, probe_x, xprobe) in cases {
        let s = Scratch::new(&format!("debug_{name}"));
        let so = s.plugin("cli_diag", "cli_diag.so");
        if let Some(r) = records {
            s.write("records.config", r);
        }
        s.write("plugin.config", &format!("{}\n", so.display()));
        let run = s.check();
        run.expect_code(0);
        let err = run.stderr();
        assert_eq!(
            err.contains("(probe_x) debug line for probe_x"),
            *probe_x,
            "case {name}: TSDebug(\"probe_x\") shown should be {probe_x}:\n{err}"
        );
        assert_eq!(
            err.contains("(xprobe) debug line for xprobe"),
            *xprobe,
            "case {name}: TSDebug(\"xprobe\") shown should be {xprobe}:\n{err}"
        );
        // TSError always appears.
        run.expect_stderr("ERROR: error line from cli_diag");
    }
}

#[test]
fn tsfatal_exits_70() {
    let s = Scratch::new("fatal");
    let so = s.plugin("cli_diag", "cli_diag.so");
    s.write("plugin.config", &format!("{} fatal\n", so.display()));
    let run = s.check();
    run.expect_code(70);
    run.expect_stderr("FATAL: fatal line from cli_diag");
    run.expect_no_stderr("still running after TSFatal");
}

/// As traffic_server: TSEmergency ends the process with 33 (UNRECOVERABLE_EXIT).
#[test]
fn tsemergency_exits_33() {
    let s = Scratch::new("emergency");
    let so = s.plugin("cli_diag", "cli_diag.so");
    s.write("plugin.config", &format!("{} emergency\n", so.display()));
    let run = s.check();
    run.expect_code(33);
    run.expect_stderr("EMERGENCY: emergency line from cli_diag");
    run.expect_no_stderr("still running after TSEmergency");
}

// ---------------------------------------------------------------------------------------------
// Running

/// A running `tshost` whose stderr is collected.
struct Daemon {
    child: Child,
    stderr: Arc<(Mutex<String>, Condvar)>,
}

impl Daemon {
    /// Serves on an ephemeral loopback port unless the test wrote its own records.config.
    fn start(config_dir: &Path) -> Daemon {
        let records = config_dir.join("records.config");
        if !records.exists() {
            fs::write(
                &records,
                "CONFIG proxy.config.http.server_ports STRING 0:ip-in=127.0.0.1\n",
            )
            .unwrap();
        }
        let mut child = tshost()
            .arg("--config-dir")
            .arg(config_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start tshost");
        let pipe = child.stderr.take().unwrap();
        let stderr = Arc::new((Mutex::new(String::new()), Condvar::new()));
        let sink = stderr.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                let (text, cv) = &*sink;
                let mut t = text.lock().unwrap();
                t.push_str(&line);
                t.push('\n');
                cv.notify_all();
            }
        });
        Daemon { child, stderr }
    }

    fn stderr(&self) -> String {
        self.stderr.0.lock().unwrap().clone()
    }

    /// Wait until stderr contains `needle` (false after `timeout` or if tshost exits first).
    fn wait_for_stderr(&mut self, needle: &str, timeout: Duration) -> bool {
        let end = Instant::now() + timeout;
        let (text, cv) = &*self.stderr;
        let mut t = text.lock().unwrap();
        while !t.contains(needle) {
            let now = Instant::now();
            if now >= end {
                return false;
            }
            t = cv
                .wait_timeout(t, (end - now).min(Duration::from_millis(50)))
                .unwrap()
                .0;
            drop(t);
            if let Ok(Some(_)) = self.child.try_wait() {
                return self.stderr().contains(needle);
            }
            t = text.lock().unwrap();
        }
        true
    }

    /// SIGTERM, then wait up to `timeout` for the exit status (None if it did not exit).
    fn terminate(&mut self, timeout: Duration) -> Option<ExitStatus> {
        // SAFETY: signalling the child we started.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        let end = Instant::now() + timeout;
        loop {
            if let Some(st) = self.child.try_wait().expect("wait for tshost") {
                return Some(st);
            }
            if Instant::now() >= end {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[test]
fn runs_until_sigterm_then_exits_0() {
    let s = Scratch::new("sigterm");
    let so = s.plugin("cli_probe", "cli_probe.so");
    s.write(
        "plugin.config",
        &format!("{} {}\n", so.display(), s.path("out.txt").display()),
    );
    let mut d = Daemon::start(&s.dir);
    assert!(
        d.wait_for_stderr("started", Duration::from_secs(10)),
        "tshost did not log \"started\":\n{}",
        d.stderr()
    );
    // It keeps running (no --check).
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        matches!(d.child.try_wait(), Ok(None)),
        "tshost exited on its own:\n{}",
        d.stderr()
    );
    assert!(
        s.read("out.txt").contains("register=0"),
        "the plugin was not initialised"
    );
    let st = d.terminate(Duration::from_secs(5));
    assert!(
        st.is_some(),
        "tshost did not exit within 5 s of SIGTERM:\n{}",
        d.stderr()
    );
    assert_eq!(
        st.unwrap().code(),
        Some(0),
        "exit status after SIGTERM:\n{}",
        d.stderr()
    );
}

/// An operator (or a supervisor) may send SIGTERM as soon as the "started" line appears: tshost
/// must already handle it then. Ten rounds, so that a window between logging "started" and
/// installing the signal handlers cannot hide.
#[test]
fn sigterm_right_after_started_line_exits_0() {
    let s = Scratch::new("sigterm_early");
    let so = s.plugin("cli_probe", "cli_probe.so");
    s.write(
        "plugin.config",
        &format!("{} {}\n", so.display(), s.path("out.txt").display()),
    );
    for round in 1..=10 {
        let mut d = Daemon::start(&s.dir);
        assert!(
            d.wait_for_stderr("started", Duration::from_secs(10)),
            "round {round}: tshost did not log \"started\":\n{}",
            d.stderr()
        );
        let st = d.terminate(Duration::from_secs(5));
        assert!(
            st.is_some(),
            "round {round}: no exit within 5 s of SIGTERM:\n{}",
            d.stderr()
        );
        let st = st.unwrap();
        assert_eq!(
            st.code(),
            Some(0),
            "round {round}: SIGTERM sent right after the \"started\" line: {st}\n{}",
            d.stderr()
        );
    }
}

#[test]
fn tsplugin_register_outside_init_returns_ts_error() {
    let s = Scratch::new("late_register");
    let so = s.plugin("cli_late_register", "cli_late_register.so");
    s.write(
        "plugin.config",
        &format!("{} {}\n", so.display(), s.path("out.txt").display()),
    );
    let mut d = Daemon::start(&s.dir);
    assert!(
        d.wait_for_stderr("started", Duration::from_secs(10)),
        "tshost did not start:\n{}",
        d.stderr()
    );
    let end = Instant::now() + Duration::from_secs(5);
    while s.read("out.txt").lines().count() < 4 && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut lines: Vec<String> = s.read("out.txt").lines().map(String::from).collect();
    let st = d.terminate(Duration::from_secs(5));
    assert_eq!(
        lines.first().map(String::as_str),
        Some("init=0"),
        "TSPluginRegister inside TSPluginInit"
    );
    lines.sort();
    assert_eq!(
        lines,
        ["event=-1", "init=0", "pthread=-1", "thread=-1"],
        "TSPluginRegister from a scheduled continuation, a TSThread and a pthread after init\nstderr:\n{}",
        d.stderr()
    );
    assert_eq!(
        st.and_then(|s| s.code()),
        Some(0),
        "exit after SIGTERM:\n{}",
        d.stderr()
    );
}

impl Daemon {
    /// The plain HTTP port from the "listening on" line.
    fn port(&self) -> u16 {
        let text = self.stderr();
        let line = text
            .lines()
            .find(|l| l.contains("listening on") && !l.contains("(tls)"))
            .unwrap_or_else(|| panic!("no \"listening on\" line:\n{text}"));
        line.split("listening on ")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .and_then(|a| a.rsplit(':').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {line:?}"))
    }

    fn send(&self, sig: libc::c_int) {
        // SAFETY: signalling the child we started (still running: checked by the callers).
        assert_eq!(
            unsafe { libc::kill(self.child.id() as libc::pid_t, sig) },
            0
        );
    }

    #[track_caller]
    fn assert_running(&mut self, after: &str) {
        assert!(
            matches!(self.child.try_wait(), Ok(None)),
            "tshost exited after {after}: {:?}\n{}",
            self.child.try_wait(),
            self.stderr()
        );
    }
}

/// One request on a new connection; the status line of the answer ("" if none).
fn status_line(port: u16) -> String {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return String::new();
    };
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let _ = s.write_all(b"GET / HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n");
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Issue 14 item 12: `kill -HUP` (logrotate sends it) killed tshost, the signal's default action.
/// ATS's traffic_server ignores SIGHUP and acts on SIGUSR1 and SIGUSR2; tshost logs each (what ATS
/// would do, that tshost does not yet) and keeps serving. SIGTERM still stops it cleanly.
#[test]
fn sighup_usr1_usr2_are_logged_and_survived() {
    let s = Scratch::new("sighup");
    let mut d = Daemon::start(&s.dir);
    assert!(
        d.wait_for_stderr("started", Duration::from_secs(10)),
        "tshost did not start:\n{}",
        d.stderr()
    );
    let port = d.port();
    assert!(status_line(port).starts_with("HTTP/1.1 "), "{}", d.stderr());
    for (sig, name) in [
        (libc::SIGHUP, "SIGHUP"),
        (libc::SIGUSR1, "SIGUSR1"),
        (libc::SIGUSR2, "SIGUSR2"),
        (libc::SIGHUP, "SIGHUP"),
    ] {
        let before = d.stderr().matches(&format!("{name} received")).count();
        d.send(sig);
        let end = Instant::now() + Duration::from_secs(5);
        while d.stderr().matches(&format!("{name} received")).count() == before
            && Instant::now() < end
            && matches!(d.child.try_wait(), Ok(None))
        {
            std::thread::sleep(Duration::from_millis(10));
        }
        d.assert_running(name);
        assert_eq!(
            d.stderr().matches(&format!("{name} received")).count(),
            before + 1,
            "{name} not logged once:\n{}",
            d.stderr()
        );
        let line = d.stderr();
        let line = line
            .lines()
            .rfind(|l| l.contains(&format!("{name} received")))
            .unwrap();
        assert!(
            line.contains("NOTE") && line.contains("ATS") && line.contains("still running"),
            "{line}"
        );
        let status = status_line(port);
        assert!(
            status.starts_with("HTTP/1.1 "),
            "no answer after {name}: {status:?}\n{}",
            d.stderr()
        );
    }
    let st = d.terminate(Duration::from_secs(5));
    assert_eq!(st.and_then(|s| s.code()), Some(0), "{}", d.stderr());
}

/// Issue 14 item 12: SIGPIPE never kills: sent outright, raised by a log line written to a stderr
/// pipe nobody reads any more, or by responses written to clients that left.
#[test]
fn sigpipe_never_kills() {
    let s = Scratch::new("sigpipe");
    fs::write(
        s.path("records.config"),
        "CONFIG proxy.config.http.server_ports STRING 0:ip-in=127.0.0.1\n",
    )
    .unwrap();
    let mut child = tshost()
        .arg("--config-dir")
        .arg(&s.dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start tshost");
    let mut text = String::new();
    {
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        while !text.contains("started") {
            match lines.next() {
                Some(Ok(l)) => text.push_str(&(l + "\n")),
                _ => panic!("tshost did not start:\n{text}"),
            }
        }
        // The reading end of tshost's stderr closes here.
    }
    let port: u16 = text
        .lines()
        .find_map(|l| l.split("listening on ").nth(1))
        .and_then(|r| r.split(' ').next())
        .and_then(|a| a.rsplit(':').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port:\n{text}"));
    let pid = child.id() as libc::pid_t;
    let alive = |child: &mut Child, after: &str| {
        assert!(
            matches!(child.try_wait(), Ok(None)),
            "tshost died after {after}: {:?}",
            child.try_wait()
        );
    };
    // SAFETY: signalling the child we started.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGPIPE) }, 0);
    std::thread::sleep(Duration::from_millis(200));
    alive(&mut child, "SIGPIPE");
    // Log lines into the closed pipe (each SIGHUP logs one).
    for _ in 0..3 {
        // SAFETY: as above.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGHUP) }, 0);
        std::thread::sleep(Duration::from_millis(100));
    }
    alive(&mut child, "writing to a closed stderr pipe");
    // Clients that send a request and leave at once (a reset, so the answer hits a dead socket).
    for _ in 0..20 {
        use std::io::Write;
        let mut c = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        let _ = c.write_all(b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n");
        let _ = socket2::SockRef::from(&c).set_linger(Some(Duration::ZERO));
    }
    std::thread::sleep(Duration::from_millis(200));
    alive(&mut child, "clients that left");
    assert!(
        status_line(port).starts_with("HTTP/1.1 "),
        "no answer after the SIGPIPEs"
    );
    // SAFETY: as above.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let end = Instant::now() + Duration::from_secs(5);
    let st = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break Some(st);
        }
        if Instant::now() >= end {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(st.and_then(|s| s.code()), Some(0));
}

/// Issue 14 item 13: a continuation added for a hook tshost never fires (VCONN, SSL, cache hooks)
/// was silently accepted. Now one warning per plugin and hook, naming both, from TSHttpHookAdd,
/// TSHttpSsnHookAdd and TSHttpTxnHookAdd alike; none for the hooks tshost fires.
#[test]
fn hook_tshost_never_fires_is_warned_once_naming_plugin_and_hook() {
    let s = Scratch::new("unfired_hook");
    let so = s.plugin("cli_unfired_hook", "cli_unfired_hook.so");
    s.write(
        "plugin.config",
        &format!("{} {}\n", so.display(), s.path("out.txt").display()),
    );
    let mut d = Daemon::start(&s.dir);
    assert!(
        d.wait_for_stderr("started", Duration::from_secs(10)),
        "tshost did not start:\n{}",
        d.stderr()
    );
    let port = d.port();
    for _ in 0..3 {
        assert!(status_line(port).starts_with("HTTP/1.1 "), "{}", d.stderr());
    }
    let end = Instant::now() + Duration::from_secs(5);
    while s.read("out.txt").lines().count() < 3 && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(s.read("out.txt").lines().count(), 3, "{}", d.stderr());
    let st = d.terminate(Duration::from_secs(5));
    assert_eq!(st.and_then(|s| s.code()), Some(0), "{}", d.stderr());
    let log = d.stderr();
    let lines = |hook: &str| -> Vec<&str> {
        log.lines()
            .filter(|l| l.contains(hook) && l.contains("never fires"))
            .collect()
    };
    for (hook, api) in [
        ("TS_VCONN_START_HOOK", "TSHttpHookAdd"),
        ("TS_SSL_CERT_HOOK", "TSHttpSsnHookAdd"),
        ("TS_HTTP_READ_CACHE_HDR_HOOK", "TSHttpTxnHookAdd"),
    ] {
        let l = lines(hook);
        assert_eq!(l.len(), 1, "{hook}: not warned exactly once:\n{log}");
        assert!(
            l[0].contains("WARNING")
                && l[0].contains("plugin cli_unfired_hook")
                && l[0].contains(api),
            "{}",
            l[0]
        );
    }
    for fired in ["TS_HTTP_SSN_START_HOOK", "TS_HTTP_TXN_START_HOOK"] {
        assert!(lines(fired).is_empty(), "{fired} warned:\n{log}");
    }
    assert_eq!(
        log.matches("never fires").count(),
        3,
        "other warnings:\n{log}"
    );
}

// ---------------------------------------------------------------------------------------------
// diags.log

/// `[Mmm dd hh:mm:ss.mmm] ` with the day space-padded, as ATS prints it.
#[track_caller]
fn assert_ats_timestamp(line: &str) {
    let b = line.as_bytes();
    let ok = b.len() > 22
        && b[0] == b'['
        && b[1].is_ascii_uppercase()
        && b[2].is_ascii_lowercase()
        && b[3].is_ascii_lowercase()
        && b[4] == b' '
        && (b[5] == b' ' || b[5].is_ascii_digit())
        && b[6].is_ascii_digit()
        && b[7] == b' '
        && b[10] == b':'
        && b[13] == b':'
        && b[16] == b'.'
        && b[20] == b']'
        && b[21] == b' ';
    assert!(ok, "not ATS's timestamp: {line:?}");
}

#[test]
fn tshost_writes_diags_log_when_logfile_dir_is_set_relative_to_the_config_dir() {
    let s = Scratch::new("diags_log");
    fs::create_dir_all(s.path("logs")).unwrap();
    s.write(
        "records.config",
        "CONFIG proxy.config.log.logfile_dir STRING logs\n",
    );
    let run = s.check();
    run.expect_code(0);
    let diags = s.read("logs/diags.log");
    let first = diags.lines().next().unwrap_or_default();
    assert_ats_timestamp(first);
    assert!(
        first.ends_with(&format!(
            "] tshost STATUS: opened {}/logs/diags.log",
            s.dir.canonicalize().unwrap().display()
        )),
        "{diags}"
    );
    assert!(diags.contains("tshost NOTE: tshost "), "{diags}");
    // Without the setting, no diags.log: stderr only, as before.
    let s = Scratch::new("no_diags_log");
    s.check().expect_code(0);
    assert!(fs::read_dir(&s.dir).unwrap().all(|e| e
        .unwrap()
        .file_name()
        .to_str()
        .is_some_and(|n| !n.ends_with(".log"))));
}
