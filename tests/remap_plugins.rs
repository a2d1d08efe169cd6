//! Remap plugins from remap.config (`@plugin=`/`@pparam=`), end to end: tshost, a tshost-origin,
//! raw HTTP/1.1 requests, and tests/c/remap_plugin.c (a remap plugin driven by its pparams that
//! logs every call it gets). ATS 9.2's behaviour (RemapPlugins.cc, RemapConfig.cc,
//! PluginFactory.cc) is the reference: the library loaded and initialised once, an instance per
//! rule with argv FROM, TO, pparams; the rule's own mapping first, then each plugin in order;
//! `*_STOP` ends the chain; a redirect or a status a plugin sets is answered by tshost.
mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::proxy::{raw_request, Origin, Proxy, Setup};
use common::{build_plugin, crate_dir, temp_dir, tshost, Header};

/// tests/c/remap_plugin.c built once per test binary against `header`.
fn remap_so(header: Header) -> PathBuf {
    static OURS: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    static DEBIAN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let cell = match header {
        Header::Ours => &OURS,
        Header::Debian => &DEBIAN,
    };
    cell.get_or_init(|| {
        let so = temp_dir(&format!("remap-plugin-{header:?}")).join("remap_plugin.so");
        build_plugin(&crate_dir().join("tests/c/remap_plugin.c"), &so, header);
        so
    })
    .clone()
}

/// The lines of the plugin's log once `last` is among them (bounded wait).
fn log_until(log: &Path, last: &str) -> Vec<String> {
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        let lines: Vec<String> = std::fs::read_to_string(log)
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

fn get(proxy: &Proxy, host: &str, path: &str) -> String {
    let req = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    String::from_utf8_lossy(&raw_request(proxy.port, req.as_bytes())).into_owned()
}

#[test]
fn a_chain_runs_after_the_rule_mapping_in_order_and_pairs_its_instance_calls() {
    for header in [Header::Ours, Header::Debian] {
        let origin = Origin::start();
        let dir = temp_dir(&format!("remap-chain-{header:?}"));
        let log = dir.join("calls.log");
        let so = remap_so(header);
        let (so, log_s) = (so.display(), log.display());
        let rule = format!(
            "map http://chain.example/ http://127.0.0.1:{}/base/ \
             @plugin={so} @pparam=log={log_s} @pparam=name=A @pparam=path=/echo/a @pparam=hdr=X-A \
             @plugin={so} @pparam=log={log_s} @pparam=name=B @pparam=hdr=X-B @pparam=status=1",
            origin.port
        );
        let mut proxy = Proxy::start(
            &format!("remap-chain-{header:?}"),
            &origin,
            Setup {
                remap: vec![rule],
                ..Setup::default()
            },
        );
        let resp = get(&proxy, "chain.example", "/x");
        assert!(resp.starts_with("HTTP/1.1 200 "), "{resp}");
        // A's path and both fields reached the origin (B ran after A, on A's URL).
        assert!(resp.contains("GET /echo/a HTTP/1.1"), "{resp}");
        assert!(resp.contains("X-A: A") && resp.contains("X-B: B"), "{resp}");
        // The Host field follows the URL the plugins left (pristine_host_hdr 0).
        assert!(
            resp.contains(&format!("Host: 127.0.0.1:{}", origin.port)),
            "{resp}"
        );
        let lines = log_until(&log, "os A 3");
        let size = std::mem::size_of::<[std::os::raw::c_ulong; 2]>();
        let from_to = format!(
            "http://chain.example/|http://127.0.0.1:{}/base/",
            origin.port
        );
        assert_eq!(
            lines,
            [
                format!("init size={size} version=196608"),
                format!("new A argc=6 argv={from_to}|log={log_s}|name=A|path=/echo/a|hdr=X-A"),
                format!("new B argc=6 argv={from_to}|log={log_s}|name=B|hdr=X-B|status=1"),
                // A sees the rule's mapping (base/ + x), B sees A's path.
                "doremap A path=base/x to=127.0.0.1".into(),
                "doremap B path=echo/a to=127.0.0.1".into(),
                // Only the chain's first plugin hears of the origin's response.
                "os A 3".into(),
            ],
            "{header:?}"
        );
        proxy.terminate(Duration::from_secs(10)).expect("stops");
        let lines = log_until(&log, "done");
        assert_eq!(
            lines[6..],
            ["delete A", "delete B", "done"],
            "{header:?}: every instance deleted, then TSRemapDone"
        );
    }
}

#[test]
fn stop_statuses_redirects_and_statuses_set_by_a_plugin_end_the_chain_as_in_ats() {
    let origin = Origin::start();
    let dir = temp_dir("remap-stop");
    let log = dir.join("calls.log");
    let so = remap_so(Header::Ours);
    let (so, log_s, port) = (so.display(), log.display(), origin.port);
    let rules = vec![
        // DID_REMAP_STOP (3): the second plugin is not called.
        format!(
            "map http://stop.example/ http://127.0.0.1:{port}/ \
             @plugin={so} @pparam=log={log_s} @pparam=name=S1 @pparam=path=/echo/s @pparam=status=3 \
             @plugin={so} @pparam=log={log_s} @pparam=name=S2 @pparam=hdr=X-S2"
        ),
        // A redirect: 302 to the URL the plugin left, nothing sent to the origin.
        format!(
            "map http://redir.example/ http://127.0.0.1:{port}/ \
             @plugin={so} @pparam=log={log_s} @pparam=name=R @pparam=redirect=elsewhere.example @pparam=status=1"
        ),
        // A redirect with the status the plugin set (301).
        format!(
            "map http://perm.example/ http://127.0.0.1:{port}/ \
             @plugin={so} @pparam=name=P @pparam=redirect=moved.example @pparam=status=1 @pparam=txnstatus=301"
        ),
        // A status set in TSRemapDoRemap: tshost answers with it.
        format!(
            "map http://deny.example/ http://127.0.0.1:{port}/ \
             @plugin={so} @pparam=name=D @pparam=txnstatus=403"
        ),
        // A negative status is TSREMAP_NO_REMAP: the chain goes on.
        format!(
            "map http://neg.example/ http://127.0.0.1:{port}/echo/ \
             @plugin={so} @pparam=name=N1 @pparam=status=-1 \
             @plugin={so} @pparam=name=N2 @pparam=hdr=X-N2"
        ),
    ];
    let proxy = Proxy::start(
        "remap-stop",
        &origin,
        Setup {
            remap: rules,
            ..Setup::default()
        },
    );
    let before = origin.count();
    let resp = get(&proxy, "stop.example", "/x");
    assert!(
        resp.contains("GET /echo/s HTTP/1.1") && !resp.contains("X-S2"),
        "{resp}"
    );
    let resp = get(&proxy, "redir.example", "/a/b?q=1");
    assert!(resp.starts_with("HTTP/1.1 302 Redirect\r\n"), "{resp}");
    // The URL the plugin left: the rule's mapping (the origin's port) with its new host.
    assert!(
        resp.contains(&format!(
            "Location: http://elsewhere.example:{port}/a/b?q=1\r\n"
        )),
        "{resp}"
    );
    let resp = get(&proxy, "perm.example", "/p");
    assert!(resp.starts_with("HTTP/1.1 301 Redirect\r\n"), "{resp}");
    assert!(
        resp.contains(&format!("Location: http://moved.example:{port}/p\r\n")),
        "{resp}"
    );
    let resp = get(&proxy, "deny.example", "/p");
    assert!(resp.starts_with("HTTP/1.1 403 "), "{resp}");
    let resp = get(&proxy, "neg.example", "/n");
    assert!(
        resp.contains("GET /echo/n HTTP/1.1") && resp.contains("X-N2: N2"),
        "{resp}"
    );
    // Only the stop and negative-status requests reached the origin.
    assert_eq!(origin.count() - before, 2);
    let lines = log_until(&log, "doremap R path=a/b to=127.0.0.1");
    assert!(
        lines.iter().any(|l| l == "doremap S1 path=x to=127.0.0.1")
            && !lines.iter().any(|l| l.starts_with("doremap S2")),
        "{lines:?}"
    );
}

#[test]
fn a_plugin_that_refuses_its_instance_stops_start_up_naming_the_rule() {
    let dir = temp_dir("remap-refused");
    let so = remap_so(Header::Ours);
    std::fs::write(
        dir.join("records.config"),
        "CONFIG proxy.config.http.server_ports STRING 0:ip-in=127.0.0.1\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("remap.config"),
        format!(
            "map http://a.example/ http://127.0.0.1:1/\n\
             map http://b.example/ http://127.0.0.1:1/ @plugin={} @pparam=fail\n",
            so.display()
        ),
    )
    .unwrap();
    let out = tshost()
        .arg("--config-dir")
        .arg(&dir)
        .output()
        .expect("run tshost");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    let want = format!(
        "{}:2: failed to create instance for plugin {}: told to fail",
        dir.join("remap.config").display(),
        so.display()
    );
    assert!(stderr.contains(&want), "want {want:?} in:\n{stderr}");

    // A library without TSRemapInit/TSRemapDoRemap is refused the same way.
    let hook_trace = common::proxy::hook_trace_so();
    std::fs::write(
        dir.join("remap.config"),
        format!(
            "map http://b.example/ http://127.0.0.1:1/ @plugin={}\n",
            hook_trace.display()
        ),
    )
    .unwrap();
    let out = tshost().arg("--config-dir").arg(&dir).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("remap.config:1: ")
            && stderr.contains("missing required function TSRemapInit"),
        "{stderr}"
    );
}

/// Debian's unmodified regex_remap.so, loaded from remap.config. What ATS 9.2.9 (Debian's
/// traffic_server, run beside it with the same remap.config and regex file on 2026-12-07)
/// answered, and tshost must too:
/// - `/foo/x?y=1` (rule `^/foo/(.*)$ .../echo/$1`): the origin gets `GET /echo/x?y=1` with
///   `Host: 127.0.0.1:<origin>`;
/// - `/bar/z` (`@status=302`): `302 Redirect` with `Location: http://127.0.0.1:<origin>/echo/bar-/z`;
/// - `/deny` (`@status=403`): `403 Forbidden`;
/// - `/other` (no rule matches): the rule's own mapping, the origin's `/other`.
#[test]
fn debians_regex_remap_rewrites_redirects_and_denies_as_ats() {
    let so = Path::new("/usr/lib/trafficserver/modules/regex_remap.so");
    assert!(
        so.exists(),
        "{} is missing: install Debian's trafficserver (make test does)",
        so.display()
    );
    let origin = Origin::start();
    let port = origin.port;
    let rules = format!(
        "^/foo/(.*)$  http://127.0.0.1:{port}/echo/$1\n\
         ^/bar(.*)$  http://127.0.0.1:{port}/echo/bar-$1 @status=302\n\
         ^/deny  http://127.0.0.1:{port}/ @status=403\n"
    );
    let proxy = Proxy::start(
        "regex-remap",
        &origin,
        Setup {
            remap: vec![format!(
                "map http://regex.example/ http://127.0.0.1:{port}/ @plugin={} @pparam=regex.conf",
                so.display()
            )],
            files: vec![("regex.conf".into(), rules.into_bytes())],
            ..Setup::default()
        },
    );
    let resp = get(&proxy, "regex.example", "/foo/x?y=1");
    assert!(resp.starts_with("HTTP/1.1 200 OK\r\n"), "{resp}");
    assert!(resp.contains("GET /echo/x?y=1 HTTP/1.1\r\n"), "{resp}");
    assert!(
        resp.contains(&format!("Host: 127.0.0.1:{port}\r\n")),
        "{resp}"
    );
    let resp = get(&proxy, "regex.example", "/bar/z");
    assert!(resp.starts_with("HTTP/1.1 302 Redirect\r\n"), "{resp}");
    assert!(
        resp.contains(&format!(
            "Location: http://127.0.0.1:{port}/echo/bar-/z\r\n"
        )),
        "{resp}"
    );
    let resp = get(&proxy, "regex.example", "/deny");
    assert!(resp.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{resp}");
    let resp = get(&proxy, "regex.example", "/other");
    assert!(resp.ends_with("hello from tshost-origin\n"), "{resp}");
}

/// Debian's unmodified conf_remap.so changes a setting for its rule's transactions only. What ATS
/// 9.2.9 did beside tshost (2026-12-07): with `@pparam=proxy.config.url_remap.pristine_host_hdr=1`
/// on one rule, the origin saw the client's Host field for that rule (`Host: <client's>`) and the
/// origin's own for another rule without the plugin. With `insert_request_via_str=0`,
/// `insert_squid_x_forwarded_for=0` and `keep_alive_enabled_in=0` on a rule, the origin saw
/// neither Via nor X-Forwarded-For and the client got `Connection: close`; another rule kept all
/// three (`Connection: keep-alive`).
#[test]
fn debians_conf_remap_overrides_a_setting_for_its_rule_only() {
    let so = Path::new("/usr/lib/trafficserver/modules/conf_remap.so");
    assert!(so.exists(), "{} is missing", so.display());
    let origin = Origin::start();
    let port = origin.port;
    let proxy = Proxy::start(
        "conf-remap",
        &origin,
        Setup {
            remap: vec![
                format!(
                    "map http://pristine.example/ http://127.0.0.1:{port}/ @plugin={} \
                     @pparam=proxy.config.url_remap.pristine_host_hdr=1",
                    so.display()
                ),
                format!("map http://plain.example/ http://127.0.0.1:{port}/"),
            ],
            ..Setup::default()
        },
    );
    let resp = get(&proxy, "pristine.example", "/echo");
    assert!(resp.contains("Host: pristine.example\r\n"), "{resp}");
    let resp = get(&proxy, "plain.example", "/echo");
    assert!(
        resp.contains(&format!("Host: 127.0.0.1:{port}\r\n")),
        "{resp}"
    );
    drop(proxy);

    let proxy = Proxy::start(
        "conf-remap-via",
        &origin,
        Setup {
            remap: vec![
                format!(
                    "map http://novia.example/ http://127.0.0.1:{port}/ @plugin={} \
                     @pparam=proxy.config.http.insert_request_via_str=0 \
                     @pparam=proxy.config.http.insert_squid_x_forwarded_for=0 \
                     @pparam=proxy.config.http.keep_alive_enabled_in=0",
                    so.display()
                ),
                format!("map http://plain.example/ http://127.0.0.1:{port}/"),
            ],
            ..Setup::default()
        },
    );
    let keep_alive = |host: &str| {
        let req = format!("GET /echo HTTP/1.1\r\nHost: {host}\r\n\r\n");
        let mut c = common::proxy::Client::connect(proxy.port);
        c.send(req.as_bytes());
        c.response(false)
    };
    let r = keep_alive("novia.example");
    let body = r.body_str();
    assert!(
        !body.contains("Via:") && !body.contains("X-Forwarded-For:"),
        "{body}"
    );
    assert_eq!(r.header("Connection"), Some("close"), "{}", r.head);
    let r = keep_alive("plain.example");
    let body = r.body_str();
    assert!(
        body.contains("\r\nVia: http/1.1 tshost") && body.contains("X-Forwarded-For: 127.0.0.1"),
        "{body}"
    );
    assert_eq!(r.header("Connection"), Some("keep-alive"), "{}", r.head);
    // ATS: with response_header_max_size=60 on a rule, an origin head longer than that is a
    // 502 ("Invalid HTTP Response"); another rule gets the response.
    drop(proxy);
    let proxy = Proxy::start(
        "conf-remap-head-max",
        &origin,
        Setup {
            remap: vec![
                format!(
                    "map http://small.example/ http://127.0.0.1:{port}/ @plugin={} \
                     @pparam=proxy.config.http.response_header_max_size=60",
                    so.display()
                ),
                format!("map http://plain.example/ http://127.0.0.1:{port}/"),
            ],
            ..Setup::default()
        },
    );
    let resp = get(&proxy, "small.example", "/size/10");
    assert!(resp.starts_with("HTTP/1.1 502 "), "{resp}");
    let resp = get(&proxy, "plain.example", "/size/10");
    assert!(resp.starts_with("HTTP/1.1 200 "), "{resp}");
}

/// Debian's unmodified s3_auth.so signs the request the origin gets (AWS signature v2). What ATS
/// 9.2.9 sent beside tshost (2026-12-07) for `--access_key AKID --secret_key SECRET --version 2`:
/// a `Date` field (`Mon, 07 Dec 2026 02:31:09 +0000`) and `Authorization: AWS AKID:<signature>`,
/// the signature being base64(HMAC-SHA1(secret, "GET\n\n\n<Date>\n<path>")) (checked with
/// `openssl dgst`). The test recomputes it from the Date the origin saw.
#[test]
fn debians_s3_auth_signs_the_origin_request() {
    let so = Path::new("/usr/lib/trafficserver/modules/s3_auth.so");
    assert!(so.exists(), "{} is missing", so.display());
    let origin = Origin::start();
    let port = origin.port;
    let proxy = Proxy::start(
        "s3-auth",
        &origin,
        Setup {
            remap: vec![format!(
                "map http://s3.example/ http://127.0.0.1:{port}/ @plugin={} \
                 @pparam=--access_key @pparam=AKID @pparam=--secret_key @pparam=SECRET \
                 @pparam=--version @pparam=2",
                so.display()
            )],
            ..Setup::default()
        },
    );
    let resp = get(&proxy, "s3.example", "/echo/bucket/key");
    // The origin's echo of the request it got (after the response's own head).
    let echoed = resp.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    let field = |name: &str| {
        echoed
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("no {name} field reached the origin:\n{resp}"))
            .to_string()
    };
    let date = field("Date");
    assert!(date.ends_with(" +0000"), "{date}");
    let key = openssl::pkey::PKey::hmac(b"SECRET").unwrap();
    let mut signer =
        openssl::sign::Signer::new(openssl::hash::MessageDigest::sha1(), &key).unwrap();
    signer
        .update(format!("GET\n\n\n{date}\n/echo/bucket/key").as_bytes())
        .unwrap();
    let sig = openssl::base64::encode_block(&signer.sign_to_vec().unwrap());
    assert_eq!(field("Authorization"), format!("AWS AKID:{sig}"));
}

/// SIGHUP reads remap.config again under load: no request fails; new transactions take the new
/// rules; each plugin hears TSRemapPreConfigReload, then TSRemapPostConfigReload (1: the new rules
/// use it); the old rule's instance is deleted; a broken file keeps the rules in force with an
/// error naming file:line (and PostConfigReload 0). Instances made and deleted pair up at stop.
#[test]
fn sighup_reloads_remap_config_under_load_without_failing_a_request() {
    let origin = Origin::start();
    let port = origin.port;
    let dir = temp_dir("remap-reload");
    let log = dir.join("calls.log");
    let so = remap_so(Header::Ours);
    let rule = |name: &str| {
        format!(
            "map http://reload.example/ http://127.0.0.1:{port}/ @plugin={} @pparam=log={} \
             @pparam=name={name} @pparam=path=/echo/{name}",
            so.display(),
            log.display()
        )
    };
    let mut proxy = Proxy::start(
        "remap-reload",
        &origin,
        Setup {
            remap: vec![rule("A")],
            ..Setup::default()
        },
    );
    let file = proxy.dir.join("remap.config");
    let text = std::fs::read_to_string(&file).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let port_p = proxy.port;
    let load = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let (mut ok, mut failed, mut saw_b) = (0, Vec::new(), false);
            for _ in 0..20_000 {
                if stop.load(std::sync::atomic::Ordering::Acquire) {
                    break;
                }
                let resp = String::from_utf8_lossy(&raw_request(
                    port_p,
                    b"GET /x HTTP/1.1\r\nHost: reload.example\r\nConnection: close\r\n\r\n",
                ))
                .into_owned();
                if resp.starts_with("HTTP/1.1 200 ") {
                    ok += 1;
                    saw_b |= resp.contains("GET /echo/B HTTP/1.1");
                } else {
                    failed.push(resp);
                }
            }
            (ok, failed, saw_b)
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    std::fs::write(&file, text.replace(&rule("A"), &rule("B"))).unwrap();
    let hup = |p: &Proxy| {
        let _ = std::process::Command::new("kill")
            .arg("-HUP")
            .arg(p.pid().to_string())
            .status();
    };
    hup(&proxy);
    assert!(
        proxy.wait_for_stderr("reloaded", Duration::from_secs(10)),
        "{}",
        proxy.stderr()
    );
    // New transactions take rule B.
    let end = Instant::now() + Duration::from_secs(10);
    while !get(&proxy, "reload.example", "/x").contains("GET /echo/B HTTP/1.1") {
        assert!(
            Instant::now() < end,
            "rule B never applied:\n{}",
            proxy.stderr()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // A broken file: the rules in force stay, with file:line.
    std::fs::write(&file, format!("{text}map http://broken.example/\n")).unwrap();
    hup(&proxy);
    let end = Instant::now() + Duration::from_secs(10);
    while !proxy.stderr().contains("previous remap.config stays") {
        assert!(Instant::now() < end, "{}", proxy.stderr());
        std::thread::sleep(Duration::from_millis(20));
    }
    let stderr = proxy.stderr();
    assert!(
        stderr.contains(&format!("{}:", file.display())) && stderr.contains("malformed line"),
        "{stderr}"
    );
    assert!(get(&proxy, "reload.example", "/x").contains("GET /echo/B HTTP/1.1"));
    std::thread::sleep(Duration::from_millis(200));
    stop.store(true, std::sync::atomic::Ordering::Release);
    let (ok, failed, saw_b) = load.join().unwrap();
    assert!(
        failed.is_empty(),
        "{} of {} failed: {:?}",
        failed.len(),
        ok + failed.len(),
        &failed[..failed.len().min(3)]
    );
    assert!(ok > 10 && saw_b, "{ok} requests, rule B seen: {saw_b}");
    proxy.terminate(Duration::from_secs(10)).expect("stops");
    let lines = log_until(&log, "done");
    let count = |prefix: &str| lines.iter().filter(|l| l.starts_with(prefix)).count();
    assert_eq!(count("init"), 1, "{lines:?}");
    assert_eq!((count("new A"), count("new B")), (1, 1), "{lines:?}");
    assert_eq!((count("delete A"), count("delete B")), (1, 1), "{lines:?}");
    // The first reload: pre, then post 1 (used); the broken one: pre, then post 0 (failure).
    let reloads: Vec<&str> = lines
        .iter()
        .map(String::as_str)
        .filter(|l| *l == "pre" || l.starts_with("post"))
        .collect();
    assert_eq!(reloads, ["pre", "post 1", "pre", "post 0"], "{lines:?}");
    // A's instance goes after B's is made; both before TSRemapDone.
    let at = |l: &str| lines.iter().position(|x| x.starts_with(l)).unwrap();
    assert!(
        at("new B") < at("delete A") && at("delete B") < at("done"),
        "{lines:?}"
    );
}

/// Debian's unmodified escalate.so retries another origin when the first answers with a status
/// it names (TSHttpTxnRedirectUrlSet at READ_RESPONSE_HDR, TSHttpTxnRedirectRetries). What ATS
/// 9.2.9 did beside tshost (2026-12-07) with `@pparam=500,502:http://127.0.0.1:<B>/echo/escalated`:
/// - by default (redirect.actions `routable:follow`; a loopback origin is not routable) the
///   redirect is not followed: the client gets the first origin's 500 head with
///   `Content-Length: 0` (ATS's build_response_copy);
/// - with `redirect.actions self:follow,loopback:follow`, a 500 from A becomes B's answer to
///   `GET /echo/escalated` with `Host: 127.0.0.1:<B>`; a 404 from A (not named) goes to the client
///   as it is.
///
/// ATS re-sent a POST and timed out (504 after 30 s); tshost does not re-send a request with a
/// body and gives the client the first origin's response.
#[test]
fn debians_escalate_retries_another_origin_on_a_named_status() {
    let so = Path::new("/usr/lib/trafficserver/modules/escalate.so");
    assert!(so.exists(), "{} is missing", so.display());
    let (a, b) = (Origin::start(), Origin::start());
    let rule = format!(
        "map http://esc.example/ http://127.0.0.1:{}/ @plugin={} \
         @pparam=500,502:http://127.0.0.1:{}/echo/escalated",
        a.port,
        so.display(),
        b.port
    );
    let setup = |records: Vec<String>| Setup {
        records,
        remap: vec![rule.clone()],
        ..Setup::default()
    };
    let proxy = Proxy::start("escalate-default", &a, setup(vec![]));
    let resp = get(&proxy, "esc.example", "/status/500");
    assert!(
        resp.starts_with("HTTP/1.1 500 ") && resp.contains("Content-Length: 0\r\n"),
        "{resp}"
    );
    assert!(resp.ends_with("\r\n\r\n"), "no body: {resp}");
    drop(proxy);

    let proxy = Proxy::start(
        "escalate-follow",
        &a,
        setup(vec![
            "CONFIG proxy.config.http.redirect.actions STRING self:follow,loopback:follow".into(),
        ]),
    );
    let resp = get(&proxy, "esc.example", "/status/500");
    assert!(resp.starts_with("HTTP/1.1 200 "), "{resp}");
    assert!(resp.contains("GET /echo/escalated HTTP/1.1\r\n"), "{resp}");
    assert!(
        resp.contains(&format!("Host: 127.0.0.1:{}\r\n", b.port)),
        "{resp}"
    );
    let resp = get(&proxy, "esc.example", "/status/404");
    assert!(
        resp.starts_with("HTTP/1.1 404 ") && resp.contains("\r\n\r\nstatus"),
        "{resp}"
    );
    // A request with a body is not sent again.
    let req = "POST /status/500 HTTP/1.1\r\nHost: esc.example\r\nContent-Length: 3\r\n\
               Connection: close\r\n\r\nabc";
    let resp = String::from_utf8_lossy(&raw_request(proxy.port, req.as_bytes())).into_owned();
    assert!(
        resp.starts_with("HTTP/1.1 500 ") && resp.contains("\r\n\r\nstatus"),
        "{resp}"
    );
}
