//! Plugins' text logs (TSTextLogObject*) end to end: tshost with tests/c/textlog_plugin.c (see its
//! header comment for what each scenario does), ATS's own test plugin test_log_interface.cc and
//! Debian's tcpinfo.so, the log files read back from `proxy.config.log.logfile_dir`.
//!
//! What is checked is ATS 9.2's behaviour as its source has it (proxy/logging/LogObject.cc,
//! LogFile.cc, BaseLogFile.cc, src/traffic_server/InkAPI.cc): the `.log` naming, the header, the
//! timestamp prefix, the newline, the `_1` rename and TS_LOG_MODE_DO_NOT_RENAME, rolled names
//! `NAME_HOST.START-END.old`, what is refused.
mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::proxy::{curl, Origin, Proxy, Setup};
use common::{build_plugin, crate_dir, temp_dir, Header};

/// tests/c/textlog_plugin.c built against `header`, once per header and test binary.
fn plugin_so(header: Header) -> PathBuf {
    static OURS: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    static DEBIAN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let cell = match header {
        Header::Ours => &OURS,
        Header::Debian => &DEBIAN,
    };
    cell.get_or_init(|| {
        let so = temp_dir(&format!("textlog-plugin-{header:?}")).join("textlog_plugin.so");
        build_plugin(&crate_dir().join("tests/c/textlog_plugin.c"), &so, header);
        so
    })
    .clone()
}

/// tshost with `plugin` (a plugin.config line) and the text logs in `logs/` under the
/// configuration directory, diagnostics on stderr, `proxy.config.log.hostname` testhost and
/// rolling looked at every second; `records` on top.
fn start(name: &str, origin: &Origin, plugin: String, records: &[&str]) -> Proxy {
    let mut r: Vec<String> = [
        "CONFIG proxy.config.log.logfile_dir STRING logs",
        "CONFIG proxy.config.log.hostname STRING testhost",
        "CONFIG proxy.config.log.periodic_tasks_interval INT 1",
        "CONFIG proxy.config.diags.output.status STRING E",
        "CONFIG proxy.config.diags.output.note STRING E",
        "CONFIG proxy.config.diags.output.warning STRING E",
        "CONFIG proxy.config.diags.output.error STRING E",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    r.extend(records.iter().map(|s| s.to_string()));
    Proxy::start(
        name,
        origin,
        Setup {
            records: r,
            plugins: vec![plugin],
            files: vec![("logs/.keep".into(), Vec::new())],
            ..Setup::default()
        },
    )
}

fn scenario(header: Header, name: &str) -> String {
    format!("{} {name}", plugin_so(header).display())
}

fn logs(p: &Proxy) -> PathBuf {
    p.dir.join("logs")
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The stderr line holding `needle` (waiting for it).
fn line_with(p: &Proxy, needle: &str) -> String {
    assert!(
        p.wait_for_stderr(needle, Duration::from_secs(30)),
        "no {needle:?} in:\n{}",
        p.stderr()
    );
    p.stderr()
        .lines()
        .find(|l| l.contains(needle))
        .unwrap()
        .to_string()
}

/// A GET for `path` through the proxy: the HTTP status.
fn get(p: &Proxy, path: &str) -> String {
    let url = format!("http://127.0.0.1:{}{path}", p.port);
    let (rc, out) = curl(&[
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "-H",
        "Host: example.com",
        &url,
    ]);
    assert_eq!(rc, 0, "curl {url}");
    String::from_utf8_lossy(&out).into_owned()
}

/// Seconds since the epoch of a local `%Y%m%d.%Hh%Mm%Ss`, as ATS prints them.
fn local_time(stamp: &str) -> i64 {
    let t = chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%d.%Hh%Mm%Ss")
        .unwrap_or_else(|e| panic!("{stamp:?}: {e}"));
    t.and_local_timezone(chrono::Local)
        .earliest()
        .unwrap()
        .timestamp()
}

fn now() -> i64 {
    chrono::Local::now().timestamp()
}

/// Wait until `f` gives Some (at most `secs` seconds).
fn wait_for<T>(secs: u64, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let end = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() >= end {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn lines_from_four_threads_and_the_network_threads_in_order(header: Header, name: &str) {
    let origin = Origin::start();
    let mut p = start(name, &origin, scenario(header, "threads"), &[]);
    // The plugin flushed before it said so: every line is in the file.
    let done = line_with(&p, "textlog: threads done");
    assert!(done.ends_with("done, 0 refused"), "{done}");
    let text = read(&logs(&p).join("threads.log"));
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("# threads header"));
    let mut next = [0; 4];
    for l in lines.by_ref() {
        let (t, i) = l
            .strip_prefix('t')
            .and_then(|l| l.split_once(' '))
            .unwrap_or_else(|| panic!("{l:?}"));
        let (t, i): (usize, u32) = (t.parse().unwrap(), i.parse().unwrap());
        assert_eq!(i, next[t], "thread {t}'s lines in order");
        next[t] += 1;
    }
    assert_eq!(next, [1000; 4]);
    // From the network threads, at READ_REQUEST_HDR, one request after the other.
    for path in ["/a", "/b", "/flush"] {
        assert_eq!(get(&p, path), "200");
    }
    let text = read(&logs(&p).join("threads.log"));
    assert!(
        text.ends_with("request /a\nrequest /b\nrequest /flush\n"),
        "{}",
        &text[text.len() - 60..]
    );
    assert_eq!(text.lines().count(), 4004);
    assert!(p.terminate(Duration::from_secs(10)).is_some());
}

#[test]
fn lines_from_several_threads_reach_the_file_in_order_after_its_header() {
    lines_from_four_threads_and_the_network_threads_in_order(Header::Ours, "textlog-threads");
}

#[test]
fn a_plugin_built_against_debians_header_logs_the_same() {
    lines_from_four_threads_and_the_network_threads_in_order(
        Header::Debian,
        "textlog-threads-debian",
    );
}

#[test]
fn names_get_log_added_timestamps_and_numbered_renames_as_in_ats() {
    let origin = Origin::start();
    let before = now();
    let p = start(
        "textlog-names",
        &origin,
        scenario(Header::Ours, "names"),
        &[],
    );
    let done = line_with(&p, "textlog: names done");
    // "twice" a third time with TS_LOG_MODE_DO_NOT_RENAME: TS_ERROR, the handle NULL.
    assert!(done.ends_with("rc=0,0,0,0,0,-1,0 f=NULL"), "{done}");
    let d = logs(&p);
    // A name with an extension keeps it; ADD_TIMESTAMP: the local time and a space.
    let stamped = read(&d.join("stamped.txt"));
    let (stamp, rest) = stamped.split_once(' ').unwrap();
    assert_eq!(rest, "hello 42\n");
    let t = local_time(stamp);
    assert!(t >= before - 1 && t <= now() + 1, "{stamp}");
    assert!(!d.join("stamped.txt.log").exists());
    // The other logs' lines are written soon after (only stamped.txt was flushed).
    let plain = d.join("plain.log");
    wait_for(5, || plain.exists().then_some(())).expect("plain.log");
    get(&p, "/flush");
    assert_eq!(read(&plain), "plain line\nrequest /flush\n");
    assert_eq!(
        read(&d.join("dotted")),
        "dotted\n",
        "a final dot: no extension"
    );
    assert_eq!(read(&d.join("twice.log")), "first twice\n");
    assert_eq!(read(&d.join("twice.log_1")), "second twice\n");
    // ATS 9.2 gives any non-zero mode timestamps ((bool)mode & TS_LOG_MODE_ADD_TIMESTAMP).
    let quirk = read(&d.join("quirk.log"));
    assert_eq!(
        quirk.split_once(' ').map(|(s, r)| (s.len(), r)),
        Some((18, "quirk\n"))
    );
    // The metafile ATS keeps beside each log: its creation time, a text log's signature 0.
    let meta = read(&d.join(".plain.log.meta"));
    let created: i64 = meta
        .strip_prefix("creation_time = ")
        .and_then(|m| m.strip_suffix("\nobject_signature = 0\n"))
        .unwrap_or_else(|| panic!("{meta:?}"))
        .parse()
        .unwrap();
    assert!(created >= before - 1 && created <= now());
    let err = p.stderr();
    let twice = d.join("twice.log").display().to_string();
    assert!(err.contains(&format!(
        "WARNING: The full path for the (twice.log) LogObject with signature 0 has been set to \
         {twice}_1 rather than {twice} because the latter is being used by another LogObject"
    )));
    assert!(err.contains(&format!(
        "ERROR: TSTextLogObjectCreate: Cannot solve filename conflicts for log file {twice}"
    )));
}

#[test]
fn bad_arguments_and_a_destroyed_handle_are_refused_and_logged_once_each() {
    let origin = Origin::start();
    let p = start("textlog-bad", &origin, scenario(Header::Ours, "bad"), &[]);
    let done = line_with(&p, "textlog: bad done");
    let want = "create_null=-1 log_nulled=1 create_mode4=-1 create_neg=-1 create_nowhere=-1 \
                write_null_obj=-1 write_null_fmt=-1 write_empty=-1 enabled9=-1 write_live=0 \
                destroy=0 write_dead=-1 enabled_dead=-1 destroy_dead=-1 destroy_null=-1 foreign=-1";
    assert!(done.ends_with(want), "{done}");
    let err = p.stderr();
    for (msg, times) in [
        ("ERROR: TSTextLogObjectCreate: NULL filename", 1),
        ("ERROR: TSTextLogObjectCreate: mode 4 is not", 1),
        ("ERROR: TSTextLogObjectCreate: mode -1 is not", 1),
        ("ERROR: TSTextLogObjectCreate: NULL new_log_obj", 1),
        (
            "ERROR: TSTextLogObjectWrite: 0x0 is not a live TSTextLogObject",
            1,
        ),
        ("ERROR: TSTextLogObjectWrite: NULL format", 1),
        (
            "NOTE: Call to LogAccess without LAD or text entry; skipping",
            1,
        ),
        (
            "ERROR: TSTextLogObjectRollingEnabledSet: 9 is not a rolling mode (0 to 4)",
            1,
        ),
        (
            "NOTE: Rolling interval adjusted from 5 sec to 30 sec for ",
            1,
        ),
        ("is not a live TSTextLogObject", 9),
        ("ERROR: TSTextLogObjectFlush: 0x", 1),
        ("ERROR: TSTextLogObjectHeaderSet: 0x", 1),
        ("ERROR: TSTextLogObjectRollingSizeMbSet: 0x", 1),
        ("ERROR: TSTextLogObjectDestroy: 0x0 is not a live", 1),
    ] {
        assert_eq!(err.matches(msg).count(), times, "{msg:?} in:\n{err}");
    }
    // Destroy wrote what came before it; nothing after.
    assert_eq!(read(&logs(&p).join("bad.log")), "before destroy\n");
    assert!(!logs(&p).join("badmode.log").exists());
    // tshost goes on.
    assert_eq!(get(&p, "/after"), "200");
}

#[test]
fn a_log_rolls_by_size_to_atss_rolled_name_and_starts_again_with_its_header() {
    let origin = Origin::start();
    let before = now();
    let p = start("textlog-roll", &origin, scenario(Header::Ours, "roll"), &[]);
    let done = line_with(&p, "textlog: roll done");
    assert!(done.ends_with("enabled=0 refused=0"), "{done}");
    let d = logs(&p);
    let re = regex::Regex::new(
        r"^rolling\.log_testhost\.([0-9]{8}\.[0-9]{2}h[0-9]{2}m[0-9]{2}s)-([0-9]{8}\.[0-9]{2}h[0-9]{2}m[0-9]{2}s)\.old$",
    )
    .unwrap();
    let rolled = |d: &Path| -> Vec<(String, String, String)> {
        let mut v: Vec<_> = std::fs::read_dir(d)
            .unwrap()
            .flatten()
            .filter_map(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                let c = re.captures(&n)?;
                Some((n.clone(), c[1].to_string(), c[2].to_string()))
            })
            .collect();
        v.sort();
        v
    };
    // Looked at every second (periodic_tasks_interval 1): 11 MiB is over 10 MB.
    let found = wait_for(15, || Some(rolled(&d)).filter(|v| !v.is_empty())).unwrap_or_else(|| {
        panic!(
            "no rolled file in {:?}:\n{}",
            std::fs::read_dir(&d)
                .unwrap()
                .flatten()
                .map(|e| e.file_name())
                .collect::<Vec<_>>(),
            p.stderr()
        )
    });
    let after = now();
    // Every line in order across the rolled file(s) then the live one, each file with its
    // header; the first rolled file holds more than 10 MiB.
    let mut all = String::new();
    for (i, (name, start, end)) in found.iter().enumerate() {
        let (s, e) = (local_time(start), local_time(end));
        assert!(before - 1 <= s && s <= e && e <= after + 1, "{name}");
        let text = read(&d.join(name));
        assert!(text.starts_with("# rolling header\n"), "{name}");
        if i == 0 {
            assert!(text.len() as u64 > 10 << 20, "{name}: {} bytes", text.len());
        }
        all.push_str(&text);
    }
    get(&p, "/flush");
    let live = read(&d.join("rolling.log"));
    assert!(
        live.starts_with("# rolling header\n"),
        "a new file, a new header"
    );
    assert!(live.ends_with("request /flush\n"));
    all.push_str(&live);
    let numbers: Vec<u32> = all
        .lines()
        .filter(|l| l.starts_with('r') && !l.starts_with("request"))
        .map(|l| {
            assert_eq!(l.len(), 1023);
            l[1018..].parse().unwrap()
        })
        .collect();
    assert_eq!(numbers, (0..11 * 1024).collect::<Vec<u32>>());
}

#[test]
fn atss_test_log_interface_plugin_logs_each_get_with_a_timestamp() {
    let dir = temp_dir("textlog-ats-plugin");
    let so = common::ats::build_test_plugin("test_log_interface.cc", &dir);
    let origin = Origin::start();
    let p = start("textlog-ats", &origin, so.display().to_string(), &[]);
    let before = now();
    assert_eq!(get(&p, "/get"), "200");
    let log = logs(&p).join("test_log_interface.log");
    let text = wait_for(5, || {
        std::fs::read_to_string(&log).ok().filter(|t| !t.is_empty())
    })
    .expect("test_log_interface.log");
    let (stamp, rest) = text.split_once(' ').unwrap();
    assert!(local_time(stamp) >= before - 1);
    assert_eq!(
        rest,
        format!(
            "Got a GET request. Writing a long line: {}\n",
            "s".repeat(5000)
        )
    );
}

#[test]
fn debians_tcpinfo_logs_sessions_with_its_header() {
    let module = "/usr/lib/trafficserver/modules/tcpinfo.so";
    assert!(
        Path::new(module).exists(),
        "{module}: apt-get install trafficserver"
    );
    let origin = Origin::start();
    let p = start(
        "textlog-tcpinfo",
        &origin,
        format!("{module} --log-file=tcp --hooks=ssn_start,txn_close --rolling-enabled=1"),
        &[],
    );
    assert_eq!(get(&p, "/x"), "200");
    let log = logs(&p).join("tcp.log");
    let text = wait_for(5, || {
        std::fs::read_to_string(&log)
            .ok()
            .filter(|t| t.contains("txn_close"))
    })
    .unwrap_or_else(|| panic!("no txn_close in {}:\n{}", log.display(), p.stderr()));
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("timestamp event client server rtt"));
    let events: Vec<Vec<&str>> = lines.map(|l| l.split(' ').collect()).collect();
    assert_eq!(events.len(), 2, "{text}");
    for (e, name) in events.iter().zip(["ssn_start", "txn_close"]) {
        assert_eq!(e.len(), 5, "{e:?}");
        local_time(e[0]);
        assert_eq!(&e[1..4], [name, "127.0.0.1", "127.0.0.1"]);
        e[4].parse::<u32>().expect("rtt");
    }
}

/// proxy.config.log.max_space_mb_for_logs, as ATS's LogConfig::update_space_used: when the log
/// directory holds more than the allowance less the headroom, rolled logs of ours are deleted
/// (an old `threads.log_...old` here); when that is not enough (a file that is not ours fills
/// the allowance), lines are dropped, with ATS's NOTE and WARNING, until there is room again.
#[test]
fn log_space_limits_delete_rolled_logs_and_suspend_logging_until_there_is_room() {
    let origin = Origin::start();
    let rolled = "logs/threads.log_testhost.20260101.00h00m00s-20260101.01h00m00s.old";
    let p = Proxy::start(
        "textlog-space",
        &origin,
        Setup {
            records: [
                "CONFIG proxy.config.log.logfile_dir STRING logs",
                "CONFIG proxy.config.log.hostname STRING testhost",
                "CONFIG proxy.config.log.periodic_tasks_interval INT 1",
                "CONFIG proxy.config.log.max_space_mb_for_logs INT 1",
                "CONFIG proxy.config.log.max_space_mb_headroom INT 0",
                "CONFIG proxy.config.diags.output.status STRING E",
                "CONFIG proxy.config.diags.output.note STRING E",
                "CONFIG proxy.config.diags.output.warning STRING E",
                "CONFIG proxy.config.diags.output.error STRING E",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            plugins: vec![scenario(Header::Ours, "threads")],
            files: vec![(rolled.into(), vec![b'x'; 1_500_000])],
            ..Setup::default()
        },
    );
    line_with(&p, "textlog: threads done");
    let d = logs(&p);
    assert!(
        wait_for(10, || (!p.dir.join(rolled).exists()).then_some(())).is_some(),
        "the rolled log is deleted:\n{}",
        p.stderr()
    );
    assert!(read(&d.join("threads.log")).contains("t3 0999"));
    // Not ours and too big: logging is suspended.
    let big = d.join("big.bin");
    std::fs::write(&big, vec![b'y'; 1_200_000]).unwrap();
    line_with(
        &p,
        "NOTE: Logging space exhausted, any logs writing to local disk will be dropped!",
    );
    line_with(
        &p,
        "WARNING: Access logging to local log directory suspended - configured space allocation exhausted.",
    );
    assert_eq!(get(&p, "/while-full"), "200");
    assert_eq!(get(&p, "/flush"), "200");
    assert!(!read(&d.join("threads.log")).contains("request /while-full"));
    std::fs::remove_file(&big).unwrap();
    line_with(&p, "NOTE: Logging space is no longer exhausted.");
    line_with(&p, "were dropped while logging space was exhausted");
    assert_eq!(get(&p, "/after"), "200");
    assert_eq!(get(&p, "/flush"), "200");
    let text = read(&d.join("threads.log"));
    assert!(text.contains("request /after"), "{text}");
    assert!(!text.contains("request /while-full"));
}

/// Debian's regex_revalidate.so with `--log revalidate`: at start it writes its rules to
/// revalidate.log through the text log API, each line with ATS's timestamp (as Debian's ATS 9.2
/// wrote them on 2026-12-07: `20261207.17h52m19s Current config:` then `http://example.com/foo.*
/// epoch: <load time> expiry: <expiry> result: STALE`), and again when `tshost ctl config reload`
/// tells it (TS_EVENT_MGMT_UPDATE) and its file changed.
#[test]
fn regex_revalidate_logs_its_rules_at_start_and_after_a_reload() {
    let origin = Origin::start();
    let dir = temp_dir("textlog-revalidate-rules");
    let rules = dir.join("rules.conf");
    let expiry = now() + 3600;
    std::fs::write(&rules, format!("http://example.com/foo.* {expiry}\n")).unwrap();
    let before = now();
    let p = start(
        "textlog-revalidate",
        &origin,
        format!(
            "/usr/lib/trafficserver/modules/regex_revalidate.so --config {} --log revalidate",
            rules.display()
        ),
        &[],
    );
    let log = logs(&p).join("revalidate.log");
    let text = wait_for(10, || {
        let t = std::fs::read_to_string(&log).ok()?;
        t.contains("result: STALE").then_some(t)
    })
    .unwrap_or_else(|| panic!("no revalidate.log lines:\n{}", p.stderr()));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    let (stamp, first) = lines[0].split_at(18);
    let t = local_time(stamp);
    assert!(before - 1 <= t && t <= now() + 1, "{text}");
    assert_eq!(first, " Current config:");
    let rule = &lines[1][19..];
    assert!(
        rule.starts_with("http://example.com/foo.* epoch: "),
        "{text}"
    );
    assert!(
        rule.ends_with(&format!(" expiry: {expiry} result: STALE")),
        "{text}"
    );
    // A second rule, then a reload: the rules again, the new one with them.
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(
        &rules,
        format!("http://example.com/foo.* {expiry}\nhttp://example.com/bar.* {expiry} MISS\n"),
    )
    .unwrap();
    let (rc, out, err) = common::proxy::ctl(&p.dir, &["config", "reload"]);
    assert_eq!(rc, 0, "{out}{err}");
    let text = wait_for(10, || {
        let t = std::fs::read_to_string(&log).ok()?;
        t.contains("bar.*").then_some(t)
    })
    .unwrap_or_else(|| panic!("the reload was not logged:\n{}", p.stderr()));
    assert_eq!(text.matches("Current config:").count(), 2, "{text}");
    assert!(text.contains("http://example.com/bar.* epoch: "), "{text}");
    assert!(
        text.contains(&format!(" expiry: {expiry} result: MISS")),
        "{text}"
    );
}
