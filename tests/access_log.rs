//! Access logs (logging.yaml) end to end: tshost started for real with a log format, requests over
//! HTTP/1.1, HTTP/1.1 over TLS and HTTP/2 (curl), and the log read back: one line per
//! transaction, with the status, sizes, method and URL curl saw.
mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::proxy::{curl, raw_request, Origin, Proxy, Setup};

const FORMAT: &str = "%<cqhm> %<cquc> %<pssc> %<pscl> %<psql> %<cqhv> %<cqssl> %<cqtr> %<crc> %<phr> %<shi> %<sssc> %<{X-Tag}cqh> %<chi> %<cqtq> %<ttms> %<nosuchfield> %<cqup> %<pscert> %<cscert>";

fn logging_yaml(format: &str) -> Vec<u8> {
    format!(
        "logging:\n  formats:\n    - name: testformat\n      format: '{format}'\n  logs:\n    - mode: ascii\n      format: testformat\n      filename: access\n      rolling_buffer_count: 3\n"
    )
    .into_bytes()
}

/// The log's lines once it has `n` of them (within 10 s).
fn lines(path: &Path, n: usize) -> Vec<String> {
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let v: Vec<String> = text.lines().map(str::to_string).collect();
        if v.len() >= n || Instant::now() > end {
            return v;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// curl's `status size_download size_header` for one request.
fn curl_sizes(args: &[&str]) -> (u16, u64, u64) {
    let mut a = vec![
        "-o",
        "/dev/null",
        "-w",
        "%{http_code} %{size_download} %{size_header}\\n",
    ];
    a.extend_from_slice(args);
    let (rc, out) = curl(&a);
    assert_eq!(rc, 0, "curl {args:?}");
    let out = String::from_utf8(out).unwrap();
    let v: Vec<u64> = out.split_whitespace().map(|x| x.parse().unwrap()).collect();
    (v[0] as u16, v[1], v[2])
}

#[test]
fn each_transaction_of_http1_tls_and_http2_is_one_line_with_what_the_client_got() {
    let origin = Origin::start();
    let p = Proxy::start(
        "access-log-mixed",
        &origin,
        Setup {
            files: vec![(
                "logging.yaml".into(),
                [
                    logging_yaml(FORMAT),
                    b"    - format: common\n      filename: common\n".to_vec(),
                ]
                .concat(),
            )],
            ..Default::default()
        },
    );
    let log = p.dir.join("access.log");
    let port = p.port.to_string();
    let tls = p.tls_port.to_string();
    // 1: HTTP/1.1, plain.
    let h1 = curl_sizes(&[
        "-H",
        "Host: example.com",
        "-H",
        "X-Tag: one",
        &format!("http://127.0.0.1:{port}/size/100"),
    ]);
    // 2, 3: HTTP/1.1 over TLS, two requests on one connection.
    let u = |n: u32| format!("https://127.0.0.1:{tls}/size/{n}");
    let (rc, out) = curl(&[
        "-k",
        "--http1.1",
        "-H",
        "Host: example.com",
        "-o",
        "/dev/null",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code} %{size_download} %{size_header}\\n",
        &u(10),
        &u(20),
    ]);
    assert_eq!(rc, 0);
    let keep: Vec<Vec<u64>> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| l.split_whitespace().map(|x| x.parse().unwrap()).collect())
        .collect();
    // 4: HTTP/2.
    let h2 = curl_sizes(&["-k", "--http2", "-H", "Host: example.com", &u(3000)]);
    // 5: no remap rule: tshost's 404.
    let nf = curl_sizes(&[
        "-H",
        "Host: nowhere.test",
        &format!("http://127.0.0.1:{port}/x"),
    ]);
    // 6: a POST, raw.
    let r = raw_request(
        p.port,
        b"POST /size/7 HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc",
    );
    assert!(
        r.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&r)
    );

    let got = lines(&log, 6);
    assert_eq!(got.len(), 6, "{got:#?}\n{}", p.stderr());
    let f: Vec<Vec<&str>> = got.iter().map(|l| l.split(' ').collect()).collect();
    let o = format!("127.0.0.1:{}", origin.port);
    let check = |i: usize, method: &str, url: &str, status: u16, body: u64, head: u64| {
        let l = &f[i];
        assert_eq!(l[0], method, "{}", got[i]);
        assert_eq!(l[1], url, "{}", got[i]);
        assert_eq!(l[2], status.to_string(), "{}", got[i]);
        assert_eq!(l[3], body.to_string(), "pscl {}", got[i]);
        if head > 0 {
            assert_eq!(l[4], (head + body).to_string(), "psql {}", got[i]);
        }
    };
    check(0, "GET", &format!("http://{o}/size/100"), h1.0, h1.1, h1.2);
    check(
        1,
        "GET",
        &format!("http://{o}/size/10"),
        keep[0][0] as u16,
        keep[0][1],
        keep[0][2],
    );
    check(
        2,
        "GET",
        &format!("http://{o}/size/20"),
        keep[1][0] as u16,
        keep[1][1],
        keep[1][2],
    );
    // HTTP/2's head is HPACK-coded: curl's size is not the HTTP/1 head ATS counts.
    check(3, "GET", &format!("http://{o}/size/3000"), h2.0, h2.1, 0);
    assert_eq!(f[4][2], nf.0.to_string(), "{}", got[4]);
    assert_eq!(f[4][2], "404");
    check(5, "POST", &format!("http://{o}/size/7"), 200, 7, 0);
    // version, TLS, reuse, cache code, route, origin, its status, a header, client.
    assert_eq!(
        &f[0][5..14],
        [
            "HTTP/1.1",
            "0",
            "0",
            "TCP_MISS",
            "DIRECT",
            "127.0.0.1",
            "200",
            "one",
            "127.0.0.1"
        ]
    );
    assert_eq!(&f[1][6..8], ["1", "0"], "{}", got[1]);
    assert_eq!(
        &f[2][6..8],
        ["1", "1"],
        "the second request on a kept-alive connection: {}",
        got[2]
    );
    assert_eq!(&f[3][5..8], ["HTTP/1.1", "1", "0"], "{}", got[3]);
    assert_eq!(
        &f[4][9..12],
        ["NONE", "0.0.0.0", "0"],
        "no origin: {}",
        got[4]
    );
    assert_eq!(f[0][12], "one");
    assert_eq!(f[1][12], "-");
    // cqtq: seconds.millis near now; ttms a number; the unknown field is `-`; cqup has no `/`.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let t: f64 = f[0][14].parse().unwrap();
    assert!(
        (now - t).abs() < 60.0 && f[0][14].split('.').nth(1).unwrap().len() == 3,
        "{}",
        got[0]
    );
    assert!(f[0][15].parse::<u64>().unwrap() < 10_000);
    assert_eq!(f[0][16], "-");
    assert_eq!(f[0][17], "size/100");
    // No TLS origin: pscert 0; curl sent no client certificate: cscert 0.
    assert_eq!(&f[1][18..20], ["0", "0"], "{}", got[1]);
    // ATS's predefined `common` format: `chi - caun [cqtn] "cqtx" pssc pscl`.
    let common = lines(&p.dir.join("common.log"), 6);
    let c0 = &common[0];
    assert!(
        c0.starts_with("127.0.0.1 - - [")
            && c0.ends_with(&format!("] \"GET http://{o}/size/100 HTTP/1.1\" 200 100")),
        "{c0}"
    );
    let stamp = &c0[15..c0.find(']').unwrap()];
    assert!(
        chrono::DateTime::parse_from_str(stamp, "%d/%b/%Y:%H:%M:%S %z").is_ok(),
        "{stamp}"
    );
    // Each unsupported key and unknown field is named once, with its line.
    let err = p.stderr();
    assert_eq!(
        err.matches("'nosuchfield' is not known").count(),
        1,
        "{err}"
    );
    assert!(
        err.contains("logging.yaml:9: log access: 'rolling_buffer_count' is not supported"),
        "{err}"
    );
}

#[test]
fn a_deleted_log_directory_costs_lines_not_requests() {
    let origin = Origin::start();
    let mut p = Proxy::start(
        "access-log-deleted",
        &origin,
        Setup {
            records: vec![],
            files: vec![
                ("logging.yaml".into(), logging_yaml("%<pssc> %<cqup>")),
                ("logs/.keep".into(), Vec::new()),
            ],
            ..Default::default()
        },
    );
    let _ = &mut p;
    let log = p.dir.join("access.log");
    let url = format!("http://127.0.0.1:{}/size/5", p.port);
    assert_eq!(curl_sizes(&["-H", "Host: example.com", &url]).0, 200);
    assert_eq!(lines(&log, 1), ["200 size/5"]);
    // The directory the log is in goes away: requests go on at their pace.
    std::fs::remove_dir_all(&p.dir).ok();
    let start = Instant::now();
    for _ in 0..30 {
        assert_eq!(curl_sizes(&["-H", "Host: example.com", &url]).0, 200);
    }
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn a_broken_logging_yaml_stops_the_start_naming_file_and_line() {
    let dir = common::temp_dir("access-log-broken");
    std::fs::write(
        dir.join("records.config"),
        "CONFIG proxy.config.http.server_ports STRING 0:ip-in=127.0.0.1\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("logging.yaml"),
        "logging:\n  logs:\n    - mode: ascii\n      format: nosuchformat\n      filename: x\n",
    )
    .unwrap();
    let mut child = common::tshost()
        .arg("--config-dir")
        .arg(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let end = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if Instant::now() > end {
            let _ = child.kill();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(status.is_some_and(|s| !s.success()), "{status:?}\n{err}");
    assert!(
        err.contains("logging.yaml:3: log x: no format named 'nosuchformat'"),
        "{err}"
    );
}

/// `tshost ctl config reload` reads logging.yaml again, as ATS's LogConfig reconfigure: a log
/// named again keeps its file and takes its new format, a new log opens, a log no longer named is
/// closed; a broken file fails the reload (exit 2, ATS's "... failed to load") and the logs in
/// force stay.
#[test]
fn a_reload_reads_logging_yaml_again_and_a_broken_one_keeps_the_logs() {
    let origin = Origin::start();
    let two = |a: &str, b: &str| {
        format!(
            "logging:\n  formats:\n    - name: fa\n      format: '{a}'\n    - name: fb\n      format: '{b}'\n  logs:\n    - mode: ascii\n      format: fa\n      filename: first\n    - mode: ascii\n      format: fb\n      filename: second\n"
        )
    };
    let p = Proxy::start(
        "access-log-reload",
        &origin,
        Setup {
            files: vec![(
                "logging.yaml".into(),
                "logging:\n  formats:\n    - name: fa\n      format: '%<pssc> %<cqup>'\n  logs:\n    - mode: ascii\n      format: fa\n      filename: first\n    - mode: ascii\n      format: fa\n      filename: gone\n"
                    .into(),
            )],
            ..Default::default()
        },
    );
    let get = |path: &str| {
        let url = format!("http://127.0.0.1:{}{path}", p.port);
        assert_eq!(curl_sizes(&["-H", "Host: example.com", &url]).0, 200);
    };
    get("/size/1");
    assert_eq!(lines(&p.dir.join("first.log"), 1), ["200 size/1"]);
    assert_eq!(lines(&p.dir.join("gone.log"), 1), ["200 size/1"]);
    std::fs::write(
        p.dir.join("logging.yaml"),
        two("%<cqup> %<pssc>", "second %<cqup>"),
    )
    .unwrap();
    let (rc, out, err) = common::proxy::ctl(&p.dir, &["config", "reload"]);
    assert_eq!(rc, 0, "{out}{err}\n{}", p.stderr());
    assert!(
        p.wait_for_stderr("logging.yaml finished loading", Duration::from_secs(5)),
        "{}",
        p.stderr()
    );
    get("/size/2");
    assert_eq!(
        lines(&p.dir.join("first.log"), 2),
        ["200 size/1", "size/2 200"],
        "the same file, the new format"
    );
    assert_eq!(lines(&p.dir.join("second.log"), 1), ["second size/2"]);
    assert_eq!(
        lines(&p.dir.join("gone.log"), 1),
        ["200 size/1"],
        "closed, nothing more"
    );
    // Broken: the reload fails and the logs stay as they are.
    std::fs::write(
        p.dir.join("logging.yaml"),
        "logging:\n  logs:\n    - format: nosuch\n      filename: x\n",
    )
    .unwrap();
    let (rc, _, _) = common::proxy::ctl(&p.dir, &["config", "reload"]);
    assert_eq!(rc, 2);
    assert!(
        p.wait_for_stderr("logging.yaml failed to load", Duration::from_secs(5)),
        "{}",
        p.stderr()
    );
    get("/size/3");
    assert_eq!(lines(&p.dir.join("first.log"), 3)[2], "size/3 200");
    assert_eq!(lines(&p.dir.join("second.log"), 2)[1], "second size/3");
    assert!(!p.dir.join("x.log").exists());
}

/// External log rotation, as ATS: after the files are moved (`mv`), lines go on into the moved
/// access log until SIGUSR2; then diags.log is opened again at its path ("Reseated diags.log", in
/// the new file) and so is the access log, for the lines after the signal (ATS's sigusr2 gold
/// test, its second part).
#[test]
fn sigusr2_reopens_moved_logs_for_the_lines_after_it() {
    let origin = Origin::start();
    let p = Proxy::start(
        "access-log-sigusr2",
        &origin,
        Setup {
            records: [
                "CONFIG proxy.config.log.logfile_dir STRING logs",
                "CONFIG proxy.config.diags.output.status STRING E",
                "CONFIG proxy.config.diags.output.note STRING EL",
                "CONFIG proxy.config.diags.output.warning STRING EL",
                "CONFIG proxy.config.diags.output.error STRING EL",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            files: vec![
                (
                    "logging.yaml".into(),
                    "logging:\n  formats:\n    - name: p\n      format: '%<cqup>'\n  logs:\n    - filename: rot\n      format: p\n".into(),
                ),
                ("logs/.keep".into(), Vec::new()),
            ],
            ..Default::default()
        },
    );
    let d = p.dir.join("logs");
    let get = |path: &str| {
        let url = format!("http://127.0.0.1:{}{path}", p.port);
        assert_eq!(curl_sizes(&["-H", "Host: example.com", &url]).0, 200);
    };
    get("/size/1");
    assert_eq!(lines(&d.join("rot.log"), 1), ["size/1"]);
    std::fs::rename(d.join("rot.log"), d.join("rot.log_old")).unwrap();
    std::fs::rename(d.join("diags.log"), d.join("diags.log_old")).unwrap();
    get("/size/2");
    assert_eq!(lines(&d.join("rot.log_old"), 2), ["size/1", "size/2"]);
    assert!(!d.join("rot.log").exists(), "written on in the moved file");
    let st = std::process::Command::new("kill")
        .args(["-USR2", &p.pid().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    assert!(
        p.wait_for_stderr("NOTE: Reseated diags.log", Duration::from_secs(10)),
        "{}",
        p.stderr()
    );
    let end = Instant::now() + Duration::from_secs(10);
    while !std::fs::read_to_string(d.join("diags.log"))
        .unwrap_or_default()
        .contains("Reseated diags.log")
    {
        assert!(
            Instant::now() < end,
            "the new diags.log says it was reseated"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    get("/size/3");
    assert_eq!(lines(&d.join("rot.log"), 1), ["size/3"]);
    assert_eq!(lines(&d.join("rot.log_old"), 2), ["size/1", "size/2"]);
    assert!(!std::fs::read_to_string(d.join("diags.log_old"))
        .unwrap()
        .contains("Reseated"));
}
