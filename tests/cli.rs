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
//!
//! Over 800 lines by design: each file under tests/ is its own test binary, which links all of
//! tshost; one binary per family of behaviours keeps `make test`'s build and link time down
//! (more, smaller files would each link the crate again). Its tests share one set of helpers.

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
    /// A needle may start with "\n" to say "at the start of a line" (the first line included).
    #[track_caller]
    fn expect_stderr(&self, needle: &str) {
        let e = format!("\n{}", self.stderr());
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
/// does) and keeps serving (on SIGHUP it also reads remap.config again: tests/remap_plugins.rs).
/// SIGTERM still stops it cleanly.
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
        ("TS_HTTP_SELECT_ALT_HOOK", "TSHttpHookAdd"),
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
// Started as `traffic_server` (a symlink), the way ATS's autest starts ATS: traffic_server's
// command line, ATS's layout from TS_ROOT and PROXY_CONFIG_*, diags.log, traffic.out. Messages
// and exit codes as Debian's ATS 9.2.9 gave them, run the same way beside it.

/// An autest-style TS_ROOT (tests/gold_tests/autest-site/trafficserver.test.ext): bin/ with a
/// `traffic_server` symlink to tshost, config/, plugin/, log/, runtime/, and autest's environment.
struct TsRoot {
    s: Scratch,
}

impl TsRoot {
    fn new(test: &str) -> TsRoot {
        let s = Scratch::new(test);
        for d in [
            "bin", "config", "plugin", "log", "runtime", "ssl", "storage", "cache",
        ] {
            fs::create_dir_all(s.path(d)).unwrap();
        }
        std::os::unix::fs::symlink(common::tshost_bin(), s.path("bin/traffic_server")).unwrap();
        TsRoot { s }
    }

    fn root(&self) -> &Path {
        &self.s.dir
    }

    /// `traffic_server ARGS` found on PATH in bin/ (argv[0] is `traffic_server`), with the
    /// environment autest gives ATS.
    fn command(&self, args: &[&str]) -> std::process::Command {
        let root = self.root();
        let path = format!(
            "{}:{}",
            self.s.path("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut c = std::process::Command::new("traffic_server");
        c.args(args)
            .env_remove("TSHOST_CONFIG_DIR")
            .env_remove("TS_RUNROOT")
            .env("PATH", path)
            .env("LC_ALL", "C")
            .env("TS_ROOT", root)
            .env("PROXY_CONFIG_BIN_PATH", "bin")
            .env("PROXY_CONFIG_CONFIG_DIR", root.join("config"))
            .env(
                "PROXY_CONFIG_BODY_FACTORY_TEMPLATE_SETS_DIR",
                root.join("config/body_factory"),
            )
            .env("PROXY_CONFIG_CACHE_DIR", root.join("cache"))
            .env("PROXY_CONFIG_PLUGIN_PLUGIN_DIR", root.join("plugin"))
            .env("PROXY_CONFIG_LOG_LOGFILE_DIR", root.join("log"))
            .env("PROXY_CONFIG_LOCAL_STATE_DIR", root.join("runtime"))
            .env("PROXY_CONFIG_HOSTDB_STORAGE_PATH", root.join("runtime"))
            .env("PROXY_CONFIG_SNAPSHOT_DIR", root.join("config/snapshots"))
            .env("PROXY_CONFIG_SSL_DIR", root.join("ssl"))
            .env("PROXY_CONFIG_STORAGE_DIR", root.join("storage"))
            .env("PROXY_CONFIG_PROCESS_MANAGER_MGMT_PORT", "1")
            .env("PROXY_CONFIG_ADMIN_SYNTHETIC_PORT", "2")
            .env("PROXY_CONFIG_ADMIN_AUTOCONF_PORT", "2")
            .stdin(Stdio::null());
        c
    }

    fn run(&self, args: &[&str]) -> Run {
        Run {
            out: self.command(args).output().expect("run traffic_server"),
        }
    }

    fn diags(&self) -> String {
        self.s.read("log/diags.log")
    }
}

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

/// Index of the first line containing `needle` (panics if none).
#[track_caller]
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in:\n{text}"))
}

#[test]
fn traffic_server_started_as_autest_does_binds_traffic_out_writes_diags_log_and_stops_on_sigint() {
    let t = TsRoot::new("ts_autest");
    let origin = common::proxy::Origin::start();
    build_plugin_with(
        &crate_dir().join("plugins-c/session_count.c"),
        &t.s.path("plugin/session_count.so"),
        Header::Ours,
        &["-lpthread"],
    );
    t.s.write("config/plugin.config", "session_count.so\n");
    // As autest writes it: the ports, wait_for_cache, debug tags, and settings tshost does not
    // know (one from the cache family, one not).
    t.s.write(
        "config/records.config",
        "CONFIG proxy.config.diags.debug.enabled INT 1\n\
         CONFIG proxy.config.diags.debug.tags STRING session_count\n\
         CONFIG proxy.config.http.wait_for_cache INT 1\n\
         CONFIG proxy.config.cache.ram_cache.size INT 1048576\n\
         CONFIG proxy.config.log.max_secs_per_buffer INT 1\n\
         CONFIG proxy.config.url_remap.remap_required INT 0\n\
         CONFIG proxy.config.http.server_ports STRING 0:ip-in=127.0.0.1 0:ipv6:ip-in=[::1]\n",
    );
    let traffic_out = t.s.path("log/traffic.out");
    let out = traffic_out.to_str().unwrap();
    let mut child = t
        .command(&["--bind_stderr", out, "--bind_stdout", out])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start traffic_server");
    let end = Instant::now() + Duration::from_secs(20);
    while !t
        .diags()
        .contains("NOTE: Traffic Server is fully initialized")
    {
        if Instant::now() > end || child.try_wait().unwrap().is_some() {
            let _ = child.kill();
            panic!(
                "not ready:\n--- diags.log\n{}\n--- traffic.out\n{}",
                t.diags(),
                t.s.read("log/traffic.out")
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let port: u16 = t
        .diags()
        .lines()
        .find_map(|l| l.split("listening on 127.0.0.1:").nth(1))
        .expect("an IPv4 port in diags.log")
        .trim()
        .parse()
        .unwrap();
    let reply = common::proxy::raw_request(
        port,
        format!(
            "GET /echo HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            origin.port
        )
        .as_bytes(),
    );
    assert!(
        reply.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&reply)
    );
    // SAFETY: signalling the child we started.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let end = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        assert!(Instant::now() < end, "still running 10 s after SIGINT");
        std::thread::sleep(Duration::from_millis(20));
    };
    let run = Run {
        out: child.wait_with_output().unwrap(),
    };
    assert_eq!(status.code(), Some(0), "SIGINT: {status}");
    // Only the banner and the root went to the stdout it was started with (ATS prints them
    // before it binds its outputs); everything else went to traffic.out.
    let root = t.root().canonicalize().unwrap();
    let stdout = run.stdout();
    assert!(stdout.starts_with("Traffic Server 9.2.9"), "{stdout}");
    assert!(
        stdout.ends_with(&format!(
            "\ntraffic_server: using root directory '{}'\n",
            t.root().display()
        )),
        "{stdout}"
    );
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert_eq!(run.stderr(), "", "printed on the unbound stderr");

    let diags = t.diags();
    let traffic = t.s.read("log/traffic.out");
    let first = diags.lines().next().unwrap();
    assert_ats_timestamp(first);
    assert!(
        first.ends_with(&format!(
            "] traffic_server STATUS: opened {}/log/diags.log",
            root.display()
        )),
        "{first}"
    );
    for line in diags.lines() {
        assert_ats_timestamp(line);
        assert!(
            !line.contains(" DIAG: "),
            "debug output in diags.log: {line}"
        );
    }
    // What autest checks.
    for bad in ["ERROR:", "FATAL:", "Unrecognized configuration value"] {
        assert!(!diags.contains(bad), "{bad} in diags.log:\n{diags}");
    }
    assert!(diags.contains(
        "traffic_server NOTE: records.config: proxy.config.cache.ram_cache.size: tshost has no cache"
    ));
    assert!(diags.contains("traffic_server NOTE: proxy.config.http.wait_for_cache is set"));
    assert!(diags.contains(
        "traffic_server WARNING: records.config: proxy.config.log.max_secs_per_buffer: tshost does not act on this setting (plugins read it)"
    ));
    // Ready only once the plugin is initialised and both ports listen; in both files.
    let ready = line_of(&diags, "NOTE: Traffic Server is fully initialized.");
    assert!(line_of(&diags, "loading plugin") < ready);
    assert!(line_of(&diags, "listening on 127.0.0.1:") < ready);
    assert!(line_of(&diags, "listening on [::1]:") < ready);
    // traffic.out: as ATS's by default, only the debug output (proxy.config.diags.output.diag
    // and .debug E; every other level L), in ATS's format: the plugin's init on the main thread
    // and its sessions on the ET_NET threads.
    assert!(!traffic.contains("fully initialized"), "{traffic}");
    for line in traffic.lines() {
        assert!(
            line.contains(" DIAG: ("),
            "not a debug line in traffic.out: {line}"
        );
    }
    let init = traffic
        .lines()
        .find(|l| l.contains("DIAG: (session_count) counting sessions"))
        .unwrap_or_else(|| panic!("no init debug line:\n{traffic}"));
    assert_ats_timestamp(init);
    assert!(
        init.contains("] traffic_server DIAG: (session_count) "),
        "{init}"
    );
    let ssn = traffic
        .lines()
        .find(|l| l.contains("DIAG: (session_count) session 0 started"))
        .unwrap_or_else(|| panic!("no session debug line:\n{traffic}"));
    assert!(ssn.contains("] [ET_NET "), "{ssn}");
    assert!(
        diags.contains("traffic_server NOTE: SIGINT: stopping"),
        "{diags}"
    );
}

#[test]
fn traffic_server_verify_global_plugin_messages_and_exit_codes_as_ats() {
    let t = TsRoot::new("ts_verify_global");
    let no_init = t.s.plugin("cli_no_init", "plugin/no_init.so");
    let undefined = t.s.plugin("cli_undefined_symbol", "plugin/undefined.so");
    let probe = t.s.plugin("cli_probe", "plugin/probe.so");
    let remap = t.s.plugin("cli_remap", "plugin/remap.so");
    let verify = |path: &Path| t.run(&["-C", &format!("verify_global_plugin {}", path.display())]);

    let r = t.run(&["-C", "verify_global_plugin"]);
    r.expect_code(1);
    r.expect_stderr("\nERROR: verifying a plugin requires a plugin SO file path argument\n");

    let r = t.run(&["-C", "verify_global_plugin /this/file/does/not/exist.so"]);
    r.expect_code(1);
    r.expect_stderr("\nNOTE: verifying plugin '/this/file/does/not/exist.so'...\n");
    r.expect_stderr(
        "\nERROR: verifying plugin '/this/file/does/not/exist.so' Fail: No such file or directory\n",
    );

    for (so, why) in [
        (
            &no_init,
            format!(
                "unable to find TSPluginInit function in '{0}': {0}: undefined symbol: TSPluginInit",
                no_init.display()
            ),
        ),
        (
            &remap,
            format!(
                "unable to find TSPluginInit function in '{0}': {0}: undefined symbol: TSPluginInit",
                remap.display()
            ),
        ),
        (
            &undefined,
            format!(
                "unable to load '{0}': {0}: undefined symbol: cli_no_such_function_anywhere",
                undefined.display()
            ),
        ),
    ] {
        let r = verify(so);
        r.expect_code(1);
        r.expect_stderr(&format!(
            "\nERROR: verifying plugin '{}' Fail: {why}\n",
            so.display()
        ));
        // autest checks diags.log for the ERROR too.
        let diags = t.diags();
        assert!(
            diags.contains(&format!("] traffic_server ERROR: {why}\n")),
            "{diags}"
        );
    }

    // Verified, and not initialised (cli_probe's TSPluginInit would complain about its argv).
    let r = verify(&probe);
    r.expect_code(0);
    r.expect_stderr(&format!(
        "\nNOTE: verifying plugin '{}' Success\n",
        probe.display()
    ));
    r.expect_no_stderr("cli_probe: usage");
    assert!(!t.diags().contains("cli_probe"));
}

#[test]
fn traffic_server_verify_remap_plugin_messages_and_exit_codes_as_ats() {
    let t = TsRoot::new("ts_verify_remap");
    let no_init = t.s.plugin("cli_no_init", "plugin/no_init.so");
    let global = t.s.plugin("cli_probe", "plugin/probe.so");
    let undefined = t.s.plugin("cli_undefined_symbol", "plugin/undefined.so");
    let remap = t.s.plugin("cli_remap", "plugin/remap.so");
    let new_only = t.s.path("plugin/new_only.so");
    build_plugin_with(
        &crate_dir().join("tests/c/cli_remap.c"),
        &new_only,
        Header::Ours,
        &["-DCLI_REMAP_NEW_ONLY"],
    );
    let verify = |path: &Path| t.run(&["-C", &format!("verify_remap_plugin {}", path.display())]);

    let r = t.run(&["-C", "verify_remap_plugin"]);
    r.expect_code(1);
    r.expect_stderr("\nERROR: verifying a plugin requires a plugin SO file path argument\n");

    // ATS's wording, its two spaces included (it names the plugin by an empty config path).
    for (so, why) in [
        (&no_init, "plugin  missing required function TSRemapInit"),
        (&global, "plugin  missing required function TSRemapInit"),
        (
            &new_only,
            "plugin  missing required function TSRemapDeleteInstance if TSRemapNewInstance is \
             defined",
        ),
    ] {
        let r = verify(so);
        r.expect_code(1);
        r.expect_stderr(&format!(
            "\nERROR: verifying plugin '{}' Fail: {why}\n",
            so.display()
        ));
        assert!(t.diags().contains(&format!(
            "] traffic_server ERROR: plugin '' callbacks validation failed: {why}\n"
        )));
    }

    let r = verify(&undefined);
    r.expect_code(1);
    let dlerror = format!(
        "{}: undefined symbol: cli_no_such_function_anywhere",
        undefined.display()
    );
    r.expect_stderr(&format!(
        "\nERROR: verifying plugin '{}' Fail: {dlerror}\n",
        undefined.display()
    ));
    assert!(t.diags().contains(&format!(
        "] traffic_server ERROR: plugin '' failed to load: {dlerror}\n"
    )));

    // Verified without calling TSRemapInit (this one fails if called).
    let r = verify(&remap);
    r.expect_code(0);
    r.expect_stderr(&format!(
        "\nNOTE: verifying plugin '{}' Success\n",
        remap.display()
    ));
}

#[test]
fn traffic_server_verify_config_reports_each_file_and_exits_with_ats_bit_mask() {
    let t = TsRoot::new("ts_verify_config");
    t.s.plugin("cli_probe", "plugin/probe.so");
    t.s.write(
        "config/plugin.config",
        &format!("probe.so {}\n", t.s.path("probe.out").display()),
    );
    let config = t.s.path("config");
    let ok = t.run(&["-C", "verify_config"]);
    ok.expect_code(0);
    let e = ok.stderr();
    let expected = [
        "NOTE: VERIFY\n\n".to_string(),
        format!("NOTE: VERIFY config dir: {}...\n\n", config.display()),
        "INFO: Successfully loaded plugin.config\n\n".to_string(),
        "INFO: Successfully loaded remap.config\n\n".to_string(),
        "INFO: Successfully loaded records.config\n\n".to_string(),
        "INFO: Successfully loaded ssl multicert.config\n\n".to_string(),
        "INFO: Successfully initialized SSL client context\n\n".to_string(),
    ];
    let mut at = 0;
    for x in &expected {
        let found = e[at..]
            .find(x.as_str())
            .unwrap_or_else(|| panic!("{x:?} missing or out of order in:\n{e}"));
        at += found + x.len();
    }
    // As ATS: the plugins are initialised.
    assert!(t.s.read("probe.out").contains("init 1"));

    // A plugin that cannot load (4) and a remap rule tshost refuses (1).
    t.s.write(
        "config/plugin.config",
        &format!(
            "probe.so {}\nno_such_plugin.so\n",
            t.s.path("probe.out").display()
        ),
    );
    t.s.write(
        "config/remap.config",
        "map http://a.example/ http://b.example/ @plugin=x.so\n",
    );
    let bad = t.run(&["-C", "verify_config"]);
    bad.expect_code(5);
    bad.expect_stderr("\nERROR: Failed to load plugin.config, exitStatus 4\n\n");
    bad.expect_stderr("\nERROR: Failed to load remap.config, exitStatus 5\n\n");
    bad.expect_stderr("\nINFO: Successfully loaded records.config\n\n");

    // A records.config tshost cannot read (2); -D names the directory to verify.
    let other = t.s.path("other");
    t.s.write(
        "other/records.config",
        "CONFIG proxy.config.x INT not-a-number\n",
    );
    let bad = t.run(&["-C", "verify_config", "-D", other.to_str().unwrap()]);
    bad.expect_code(2 | 4);
    bad.expect_stderr(&format!(
        "NOTE: VERIFY config dir: {}...\n\n",
        other.display()
    ));
    bad.expect_stderr("\nERROR: Failed to load records.config, exitStatus 6\n\n");
    bad.expect_stderr("\nINFO: Successfully loaded remap.config\n\n");
}

#[test]
fn traffic_server_options_usage_version_ignored_flags_and_other_commands() {
    let t = TsRoot::new("ts_options");
    // An unknown option, or one without its value: the usage, exit 64 (EX_USAGE), as ATS.
    for args in [&["--bogus"][..], &["-Z"], &["--bind_stdout"], &["--help"]] {
        let r = t.run(args);
        r.expect_code(64);
        let e = r.stderr();
        assert!(
            e.starts_with("Usage: traffic_server [--SWITCH [ARG]]\n"),
            "{args:?}: {e}"
        );
        r.expect_stderr(
            "\n      --bind_stdout       str             Regular file to bind stdout to\n",
        );
    }
    let r = t.run(&["-V"]);
    r.expect_code(0);
    assert!(r
        .stdout()
        .starts_with("Apache Traffic Server - traffic_server - 9.2.9 - "));

    // Options tshost has nothing to do for are noted, not refused; a file that cannot be bound
    // is reported on stdout as ATS words it and the stream stays.
    let r = t.run(&[
        "-K",
        "--block",
        "--bind_stdout",
        "/no/such/dir/traffic.out",
        "-C",
        "clear_cache",
    ]);
    r.expect_code(0);
    assert!(r.stdout().contains(
        "[Warning]: TS unable to open log file \"/no/such/dir/traffic.out\" [2 'No such file or directory']"
    ));
    r.expect_stderr("NOTE: traffic_server option -K ignored: tshost has no cache");
    r.expect_stderr("NOTE: traffic_server option --block ignored:");
    // Once diags.log is open, a NOTE goes there only (ATS's proxy.config.diags.output.note L).
    assert!(t
        .diags()
        .contains("NOTE: -C clear_cache: tshost has no cache or HostDB, nothing to do"));
    r.expect_no_stderr("clear_cache: tshost has no cache");

    let r = t.run(&["-C", "help"]);
    r.expect_code(0);
    // After the banner and the root, as ATS.
    assert!(r.stdout().starts_with("Traffic Server 9.2.9"));
    assert!(r.stdout().contains("'\nHELP\n\n"), "{}", r.stdout());
    assert!(r
        .stdout()
        .contains("\n     verify_global_plugin  Verify a global plugin's shared object file\n"));

    let r = t.run(&["-C", "no_such_command"]);
    r.expect_code(1);
    assert!(r
        .stdout()
        .contains("'\n\nWARNING: Unrecognized command: 'no_such_command'\n\n"));
    assert!(t
        .diags()
        .contains("traffic_server WARNING: unrecognized command: 'no_such_command'"));
}

#[test]
fn traffic_server_layout_relative_to_ts_root_and_runroot_yaml() {
    // TS_ROOT alone: ATS's default layout under it (etc/trafficserver, var/log/trafficserver);
    // a relative PROXY_CONFIG_PLUGIN_PLUGIN_DIR is relative to TS_ROOT.
    let t = TsRoot::new("ts_layout");
    let no_init = t.s.plugin("cli_no_init", "plugins/no_init.so");
    fs::create_dir_all(t.s.path("etc/trafficserver")).unwrap();
    fs::create_dir_all(t.s.path("var/log/trafficserver")).unwrap();
    t.s.write("etc/trafficserver/plugin.config", "no_init.so\n");
    let r = Run {
        out: t
            .command(&["-C", "verify_config"])
            .env_remove("PROXY_CONFIG_CONFIG_DIR")
            .env_remove("PROXY_CONFIG_LOG_LOGFILE_DIR")
            .env("PROXY_CONFIG_PLUGIN_PLUGIN_DIR", "plugins")
            .output()
            .unwrap(),
    };
    r.expect_code(4);
    let root = t.root().canonicalize().unwrap();
    let diags = t.s.read("var/log/trafficserver/diags.log");
    assert!(
        diags.contains(&format!("loading plugin '{}'", no_init.display())),
        "{diags}"
    );
    assert!(
        diags.contains(&format!(
            "unable to find TSPluginInit function in '{}'",
            no_init.display()
        )),
        "{diags}"
    );
    assert!(diags.contains(&format!(
        "STATUS: opened {}/var/log/trafficserver/diags.log",
        root.display()
    )));

    // A runroot.yaml (--run-root=PATH) gives the directories, relative ones to its own
    // directory; its log directory wins over records.config's.
    let rr = t.s.path("rr");
    t.s.write(
        "rr/runroot.yaml",
        &format!("prefix: {}\nsysconfdir: conf\nlogdir: logs\n", rr.display()),
    );
    t.s.write(
        "rr/conf/records.config",
        &format!(
            "CONFIG proxy.config.log.logfile_dir STRING {}\n",
            t.s.path("log").display()
        ),
    );
    fs::create_dir_all(t.s.path("rr/logs")).unwrap();
    let mut c = t.command(&[
        &format!("--run-root={}", rr.join("runroot.yaml").display()),
        "-C",
        "verify_global_plugin /nowhere.so",
    ]);
    for v in [
        "TS_ROOT",
        "PROXY_CONFIG_CONFIG_DIR",
        "PROXY_CONFIG_LOG_LOGFILE_DIR",
        "PROXY_CONFIG_PLUGIN_PLUGIN_DIR",
        "PROXY_CONFIG_LOCAL_STATE_DIR",
    ] {
        c.env_remove(v);
    }
    let r = Run {
        out: c.output().unwrap(),
    };
    r.expect_code(1);
    assert!(r.stdout().contains(&format!(
        "traffic_server: using root directory '{}'",
        rr.display()
    )));
    r.expect_stderr("traffic_server NOTE: using command line path as RUNROOT");
    let diags = t.s.read("rr/logs/diags.log");
    assert!(
        diags.contains("traffic_server ERROR: verifying")
            || diags.contains(&format!("STATUS: opened {}/logs/diags.log", rr.display())),
        "{diags}"
    );
    assert_eq!(
        t.diags(),
        "",
        "records.config's log directory used under a runroot"
    );
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
