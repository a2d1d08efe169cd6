//! remap.config beyond `map` rules, end to end: the real tshost binary, a tshost-origin, and curl
//! on 127.0.0.1 (ephemeral ports). The expectations noted "checked on ATS 9.2" were first run
//! on Debian's ATS 9.2.9 with the same rules and `curl -v`; the others follow ATS's source
//! (RemapConfig.cc, UrlRewrite.cc, IPAllow.cc) or are tshost's own (error texts). What
//! differs on purpose: the bodies tshost generates are its own page (ATS's body factory writes
//! "Document Has Moved" / "Access Denied" templates with a `Content-Language` field), and
//! tshost sends no `Server` or `Date` field on them; status lines, `Location`, `Cache-Control`
//! and `Connection` are ATS's.
mod common;

use std::time::{Duration, Instant};

use common::proxy::{curl, run_with_timeout, Origin, Proxy, Setup};
use common::{temp_dir, tshost};

/// `curl -i` of `path` on tshost's plain port with this Host field (and extra curl arguments):
/// the response, head and body, with `\n` line ends.
fn get(proxy: &Proxy, host: &str, path: &str, extra: &[&str]) -> String {
    let url = format!("http://127.0.0.1:{}{path}", proxy.port);
    let host = format!("Host: {host}");
    let mut args = vec!["-i", "-H", &host];
    args.extend_from_slice(extra);
    args.push(&url);
    let (rc, out) = curl(&args);
    assert_eq!(rc, 0, "curl {args:?}");
    dated(String::from_utf8_lossy(&out).replace("\r\n", "\n"))
}

/// A response with its head's Date (now) as a placeholder, `Date: DATE` (its form checked here).
fn dated(text: String) -> String {
    let Some((head, body)) = text.split_once("\n\n") else {
        return text;
    };
    let head: Vec<String> = head
        .lines()
        .map(|l| match l.strip_prefix("Date: ") {
            Some(d) => {
                assert!(d.ends_with(" GMT") && d.len() == 29, "Date: {d}");
                "Date: DATE".to_string()
            }
            None => l.to_string(),
        })
        .collect();
    format!("{}\n\n{body}", head.join("\n"))
}

/// The head tshost sends with its generated page for `status reason` (and a Location), in ATS's
/// order (Date, Connection, Server, Cache-Control, Location, the body's fields).
fn generated(
    version: &str,
    status: u16,
    reason: &str,
    conn: &str,
    location: Option<&str>,
) -> String {
    let body = format!(
        "<HTML>\n<HEAD><TITLE>{status} {reason}</TITLE></HEAD>\n<BODY>\n<H1>{reason}</H1>\n<HR>\n<I>tshost</I>\n</BODY>\n</HTML>\n"
    );
    let loc = location.map_or(String::new(), |l| format!("Location: {l}\n"));
    format!(
        "HTTP/{version} {status} {reason}\nDate: DATE\nConnection: {conn}\nServer: ATS/9.2.9\nCache-Control: no-store\n{loc}Content-Type: text/html\nContent-Length: {}\n\n{body}",
        body.len()
    )
}

fn start(name: &str, origin: &Origin, remap: Vec<String>) -> Proxy {
    Proxy::start(
        name,
        origin,
        Setup {
            remap,
            ..Setup::default()
        },
    )
}

fn hup(p: &Proxy) {
    let st = std::process::Command::new("kill")
        .arg("-HUP")
        .arg(p.pid().to_string())
        .status()
        .unwrap();
    assert!(st.success());
}

/// Wait until `get` answers with something containing `want` (a reload is asynchronous).
fn eventually(proxy: &Proxy, host: &str, want: &str) -> String {
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        let r = get(proxy, host, "/echo", &[]);
        if r.contains(want) || Instant::now() > end {
            return r;
        }
        std::thread::sleep(Duration::from_millis(30));
    }
}

#[test]
fn redirects_answer_with_the_target_plus_the_rest_of_the_path() {
    let origin = Origin::start();
    let proxy = start(
        "remapcfg-redirect",
        &origin,
        vec![
            "redirect http://old.test/old/ http://new.example.com/base/".into(),
            "redirect_temporary http://tmp.test/ http://t.example.com:8080/x".into(),
            "redirect http://perm.test/ https://p.example.com/".into(),
            format!("map http://both.test/ http://127.0.0.1:{}/", origin.port),
            "redirect http://both.test/ http://never.example.com/".into(),
        ],
    );
    // Checked on ATS 9.2: `HTTP/1.1 301 Redirect`, `Connection: keep-alive`, `Cache-Control:
    // no-store`, `Location: http://new.example.com/base/a/b?q=1` (the query kept).
    assert_eq!(
        get(&proxy, "old.test", "/old/a/b?q=1", &[]),
        generated(
            "1.1",
            301,
            "Redirect",
            "keep-alive",
            Some("http://new.example.com/base/a/b?q=1")
        )
    );
    // Checked on ATS 9.2: redirect_temporary is `307 Redirect` to an HTTP/1.1 client,
    // `Location: http://t.example.com:8080/x/y/z?k` (the target's port kept) ...
    assert_eq!(
        get(&proxy, "tmp.test", "/y/z?k", &[]),
        generated(
            "1.1",
            307,
            "Redirect",
            "keep-alive",
            Some("http://t.example.com:8080/x/y/z?k")
        )
    );
    // ... and `HTTP/1.0 302 Redirect` to an HTTP/1.0 one (ATS sends no Connection field there;
    // tshost's generated responses to HTTP/1.0 say close).
    assert_eq!(
        get(&proxy, "tmp.test", "/y/z?k", &["-0"]),
        generated(
            "1.0",
            302,
            "Redirect",
            "close",
            Some("http://t.example.com:8080/x/y/z?k")
        )
    );
    // Checked on ATS 9.2: another scheme, the path `/`.
    assert_eq!(
        get(&proxy, "perm.test", "/", &[]),
        generated(
            "1.1",
            301,
            "Redirect",
            "keep-alive",
            Some("https://p.example.com/")
        )
    );
    // Checked on ATS 9.2: a map rule of the host wins over its redirect, whatever the order.
    let r = get(&proxy, "both.test", "/echo", &[]);
    assert!(r.starts_with("HTTP/1.1 200 OK\n"), "{r}");
    // No rule: 404 as before.
    assert!(get(&proxy, "none.test", "/", &[]).starts_with("HTTP/1.1 404 "));
}

#[test]
fn regex_rules_match_the_host_and_fill_the_target_host() {
    let origin = Origin::start();
    let port = origin.port;
    let proxy = start(
        "remapcfg-regex",
        &origin,
        vec![
            format!(r"regex_map http://^ip(\d+)\.rx\.test$/ http://127.0.0.$1:{port}/"),
            format!(r"regex_map http://(.*)\.any\.test/ http://127.0.0.1:{port}/"),
            r"regex_redirect http://([a-z]+)-(\d+)\.rr\.test/ http://$2.$1.example.com/p/".into(),
        ],
    );
    // $1 of the host regex makes the target host: ip1.rx.test goes to 127.0.0.1.
    let r = get(&proxy, "ip1.rx.test", "/echo", &[]);
    assert!(r.starts_with("HTTP/1.1 200 OK\n"), "{r}");
    assert!(r.contains(&format!("\nHost: 127.0.0.1:{port}\n")), "{r}");
    // Anchored: no match, no rule, 404.
    assert!(get(&proxy, "ip1.rx.test.x", "/echo", &[]).starts_with("HTTP/1.1 404 "));
    // Checked on ATS 9.2: the host is lower-cased and the regex unanchored, so `(.*)\.rx\.test`
    // maps the host Foo.RX.test.evil (200 from the origin).
    let r = get(&proxy, "Foo.ANY.test.evil", "/echo", &[]);
    assert!(r.starts_with("HTTP/1.1 200 OK\n"), "{r}");
    // Checked on ATS 9.2: `301 Redirect`, `Location: http://42.abc.example.com/p/q/r?s`.
    assert_eq!(
        get(&proxy, "abc-42.rr.test", "/q/r?s", &[]),
        generated(
            "1.1",
            301,
            "Redirect",
            "keep-alive",
            Some("http://42.abc.example.com/p/q/r?s")
        )
    );
}

#[test]
fn map_with_recv_port_matches_the_port_the_request_arrived_on() {
    let origin = Origin::start();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let proxy = Proxy::start(
        "remapcfg-recv-port",
        &origin,
        Setup {
            records: vec![format!(
                "CONFIG proxy.config.http.server_ports STRING {port}:ip-in=127.0.0.1 0:ssl:ip-in=127.0.0.1"
            )],
            remap: vec![
                format!("map_with_recv_port http://any.test:{port}/ http://127.0.0.1:{}/recv/", origin.port),
                format!("map http://any.test:9999/ http://127.0.0.1:{}/map/", origin.port),
            ],
            ..Setup::default()
        },
    );
    assert_eq!(proxy.port, port);
    // Checked on ATS 9.2: `Host: any.test:9999` on port P is mapped by the map_with_recv_port
    // rule for port P (the origin sees /recv/echo, not /echo).
    let r = get(&proxy, "any.test:9999", "/echo", &[]);
    assert!(r.starts_with("HTTP/1.1 200 OK\n"), "{r}");
    assert!(r.ends_with("hello from tshost-origin\n"), "{r}");
    // Another host falls to the map rules (none for it here).
    assert!(get(&proxy, "other.test:9999", "/echo", &[]).starts_with("HTTP/1.1 404 "));
}

#[test]
fn acl_filters_answer_403_access_denied() {
    let origin = Origin::start();
    let o = format!("http://127.0.0.1:{}/", origin.port);
    let proxy = start(
        "remapcfg-acl",
        &origin,
        vec![
            format!("map http://deny-post.test/ {o} @action=deny @method=POST"),
            format!("map http://allow-ten.test/ {o} @action=allow @src_ip=10.0.0.0-10.255.255.255"),
            format!("map http://not-me.test/ {o} @action=deny @src_ip=~127.0.0.1"),
            format!("map http://in-ip.test/ {o} @action=deny @in_ip=127.0.0.0/8"),
            ".definefilter local_only @action=allow @src_ip=127.0.0.1".into(),
            ".definefilter no_put @action=deny @method=PUT".into(),
            ".activatefilter local_only".into(),
            ".activatefilter no_put".into(),
            format!("map http://named.test/ {o}"),
            ".deactivatefilter no_put".into(),
            format!("map http://named2.test/ {o} @action=allow @internal"),
        ],
    );
    let denied = generated("1.1", 403, "Access Denied", "keep-alive", None);
    // Checked on ATS 9.2: `@action=deny @method=POST`: GET passes (200); POST gets
    // `HTTP/1.1 403 Access Denied` (ATS says `Connection: close` there: the body was not read).
    assert!(get(&proxy, "deny-post.test", "/echo", &[]).starts_with("HTTP/1.1 200 OK\n"));
    assert_eq!(
        get(
            &proxy,
            "deny-post.test",
            "/echo",
            &["-X", "POST", "-d", "x"]
        ),
        generated("1.1", 403, "Access Denied", "close", None)
    );
    // Checked on ATS 9.2: `@action=allow @src_ip=10.0.0.0-10.255.255.255` denies 127.0.0.1,
    // `HTTP/1.1 403 Access Denied`, `Connection: keep-alive`, `Cache-Control: no-store`.
    assert_eq!(get(&proxy, "allow-ten.test", "/echo", &[]), denied);
    // Checked on ATS 9.2 (as each case below): `~` inverts: deny whoever is not 127.0.0.1.
    assert!(get(&proxy, "not-me.test", "/echo", &[]).starts_with("HTTP/1.1 200 OK\n"));
    // @in_ip is the address the request arrived on.
    assert_eq!(get(&proxy, "in-ip.test", "/echo", &[]), denied);
    // Named filters, in activation order: local_only allows 127.0.0.1, no_put then denies PUT.
    assert!(get(&proxy, "named.test", "/echo", &[]).starts_with("HTTP/1.1 200 OK\n"));
    assert_eq!(get(&proxy, "named.test", "/echo", &["-X", "PUT"]), denied);
    // no_put deactivated: PUT passes local_only; then the rule's own `@internal` filter denies
    // a request from a real client.
    assert_eq!(get(&proxy, "named2.test", "/echo", &[]), denied);
}

#[test]
fn include_reads_other_files_from_the_config_dir() {
    // Checked on ATS 9.2: the same files (a file that includes a directory) give 200 for
    // inc.test and `301 Redirect`, `Location: http://elsewhere.test/x` for more.test.
    let origin = Origin::start();
    let proxy = Proxy::start(
        "remapcfg-include",
        &origin,
        Setup {
            remap: vec![".include inc/rules.config".into()],
            files: vec![
                (
                    "inc/rules.config".into(),
                    format!(
                        ".include inc/more\nmap http://inc.test/ http://127.0.0.1:{}/\n",
                        origin.port
                    )
                    .into_bytes(),
                ),
                (
                    "inc/more/a.config".into(),
                    b"redirect http://more.test/ http://elsewhere.test/\n".to_vec(),
                ),
            ],
            ..Setup::default()
        },
    );
    assert!(get(&proxy, "inc.test", "/echo", &[]).starts_with("HTTP/1.1 200 OK\n"));
    assert_eq!(
        get(&proxy, "more.test", "/x", &[]),
        generated(
            "1.1",
            301,
            "Redirect",
            "keep-alive",
            Some("http://elsewhere.test/x")
        )
    );
}

#[test]
fn a_broken_rule_stops_start_up_naming_file_and_line() {
    let dir = temp_dir("remapcfg-broken");
    std::fs::write(
        dir.join("records.config"),
        "CONFIG proxy.config.http.server_ports STRING 0:ip-in=127.0.0.1\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("remap.config"),
        "map http://a/ http://b/\n.include loop.config\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("loop.config"),
        "\nregex_map http://(a/ http://b/\n",
    )
    .unwrap();
    let (code, _, err) = run_with_timeout(
        tshost().arg("--config-dir").arg(&dir),
        b"",
        Duration::from_secs(20),
    );
    let err = String::from_utf8_lossy(&err);
    assert_ne!(code, 0, "{err}");
    assert_ne!(code, -1, "still running: {err}");
    let want = format!(
        "{}:2: could not process regex mapping config line",
        dir.join("loop.config").display()
    );
    assert!(err.contains(&want), "{err}");
}

#[test]
fn sighup_picks_up_a_new_filter_and_keeps_it_when_the_next_file_is_broken() {
    let origin = Origin::start();
    let rule = format!("map http://hup.test/ http://127.0.0.1:{}/", origin.port);
    let proxy = start("remapcfg-hup", &origin, vec![rule.clone()]);
    assert!(get(&proxy, "hup.test", "/echo", &[]).starts_with("HTTP/1.1 200 OK\n"));
    let file = proxy.dir.join("remap.config");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replace(
            &rule,
            &format!(".definefilter nobody @action=deny\n.activatefilter nobody\n{rule}"),
        ),
    )
    .unwrap();
    hup(&proxy);
    let r = eventually(&proxy, "hup.test", "403 Access Denied");
    assert!(r.starts_with("HTTP/1.1 403 Access Denied\n"), "{r}");
    // A broken file: the filter stays, with an error naming file:line.
    let broken = std::fs::read_to_string(&file).unwrap() + ".activatefilter nosuch\n";
    let lines = broken.lines().count();
    std::fs::write(&file, broken).unwrap();
    hup(&proxy);
    let want = format!(
        "{}:{lines}: Undefined filter \"nosuch\" in directive \".activatefilter\"",
        file.display()
    );
    assert!(
        proxy.wait_for_stderr(&want, Duration::from_secs(10)),
        "{}",
        proxy.stderr()
    );
    assert!(get(&proxy, "hup.test", "/echo", &[]).starts_with("HTTP/1.1 403 Access Denied\n"));
}

/// The ip_allow.yaml checked on ATS 9.2 (etc-extra/ip_allow.yaml of /work/ref-ats.sh).
const IP_ALLOW: &str = "ip_allow:
  - apply: in
    ip_addrs: 127.0.0.1
    action: deny
    methods: [POST, FROB]
  - apply: in
    ip_addrs: 127.0.0.2
    action: allow
    methods: GET
  - apply: in
    ip_addrs: 127.0.0.3
    action: deny
  - apply: in
    ip_addrs: 127.0.0.1-127.0.0.10
    action: allow
";

/// curl's exit code and output for a request from the source address `from`.
fn get_from(proxy: &Proxy, from: &str, host: &str, extra: &[&str]) -> (i32, String) {
    let url = format!("http://127.0.0.1:{}/echo", proxy.port);
    let host = format!("Host: {host}");
    let mut args = vec!["-i", "--interface", from, "-H", &host];
    args.extend_from_slice(extra);
    args.push(&url);
    let (rc, out) = curl(&args);
    (
        rc,
        dated(String::from_utf8_lossy(&out).replace("\r\n", "\n")),
    )
}

/// Closed without an answer: curl's "Empty reply from server" (52), or 56 when the close
/// reached it as a reset (the request was still unread in tshost's socket).
fn assert_closed((rc, out): (i32, String)) {
    assert!(rc == 52 || rc == 56, "curl exit {rc}: {out}");
    assert_eq!(out, "");
}

#[test]
fn ip_allow_refuses_clients_at_accept_and_methods_with_403() {
    let origin = Origin::start();
    let o = format!("http://127.0.0.1:{}/", origin.port);
    let proxy = Proxy::start(
        "remapcfg-ip-allow",
        &origin,
        Setup {
            remap: vec![
                format!("map http://a.test/ {o}"),
                "redirect http://r.test/ http://elsewhere.test/".into(),
                ".deactivatefilter ip_allow".into(),
                format!("map http://b.test/ {o}"),
                ".activatefilter ip_allow".into(),
                format!("map http://c.test/ {o}"),
            ],
            files: vec![("ip_allow.yaml".into(), IP_ALLOW.as_bytes().to_vec())],
            ..Setup::default()
        },
    );
    let denied = generated("1.1", 403, "Access Denied", "keep-alive", None);
    let ok = |(rc, r): (i32, String)| rc == 0 && r.starts_with("HTTP/1.1 200 OK\n");
    // Checked on ATS 9.2: 127.0.0.1 (deny [POST, FROB]): GET 200; POST `403 Access Denied`
    // (`Connection: close`: the body was not read); FROB 403 keep-alive.
    assert!(ok(get_from(&proxy, "127.0.0.1", "a.test", &[])));
    assert_eq!(
        get_from(&proxy, "127.0.0.1", "a.test", &["-X", "POST", "-d", "x"]).1,
        generated("1.1", 403, "Access Denied", "close", None)
    );
    assert_eq!(
        get_from(&proxy, "127.0.0.1", "a.test", &["-X", "FROB"]).1,
        denied
    );
    // Checked on ATS 9.2: without a rule PUT is 404 but POST 403 (the method check comes
    // before), and POST to a redirect rule's host is 403 too.
    assert!(get_from(&proxy, "127.0.0.1", "none.test", &["-X", "PUT"])
        .1
        .starts_with("HTTP/1.1 404 "));
    assert_eq!(
        get_from(&proxy, "127.0.0.1", "none.test", &["-X", "POST"]).1,
        denied
    );
    assert_eq!(
        get_from(&proxy, "127.0.0.1", "r.test", &["-X", "POST"]).1,
        denied
    );
    // Checked on ATS 9.2: 127.0.0.2 (allow GET): GET 200, HEAD `403 Access Denied`.
    assert!(ok(get_from(&proxy, "127.0.0.2", "a.test", &[])));
    let (_, head) = get_from(&proxy, "127.0.0.2", "a.test", &["-I"]);
    assert_eq!(head, denied[..denied.find("\n\n").unwrap() + 2]);
    // Checked on ATS 9.2: 127.0.0.4 is covered by the last rule (allow): 200.
    assert!(ok(get_from(&proxy, "127.0.0.4", "a.test", &[])));
    // Checked on ATS 9.2: a client no rule covers (127.0.0.20) is closed without an answer
    // (curl: "Empty reply from server", exit 52), with the WARNING `client '127.0.0.20'
    // prohibited by ip-allow policy`.
    assert_closed(get_from(&proxy, "127.0.0.20", "b.test", &[]));
    assert!(proxy.wait_for_stderr(
        "WARNING: client '127.0.0.20' prohibited by ip-allow policy",
        Duration::from_secs(5)
    ));
    // Checked on ATS 9.2: 127.0.0.3's rule denies everything, but a rule written after
    // `.deactivatefilter ip_allow` lets it connect: b.test (check off) 200, a.test and c.test 403.
    assert!(ok(get_from(&proxy, "127.0.0.3", "b.test", &[])));
    assert_eq!(get_from(&proxy, "127.0.0.3", "a.test", &[]).1, denied);
    assert_eq!(get_from(&proxy, "127.0.0.3", "c.test", &[]).1, denied);
}

#[test]
fn ip_allow_deny_all_closes_at_accept_without_deactivatefilter() {
    // Checked on ATS 9.2: with no `.deactivatefilter ip_allow`, 127.0.0.3 (a deny rule without
    // methods) is closed at accept: "Empty reply from server".
    let origin = Origin::start();
    let proxy = Proxy::start(
        "remapcfg-ip-allow-closed",
        &origin,
        Setup {
            remap: vec![format!(
                "map http://a.test/ http://127.0.0.1:{}/",
                origin.port
            )],
            files: vec![("ip_allow.yaml".into(), IP_ALLOW.as_bytes().to_vec())],
            ..Setup::default()
        },
    );
    assert_closed(get_from(&proxy, "127.0.0.3", "a.test", &[]));
    let (rc, r) = get_from(&proxy, "127.0.0.2", "a.test", &[]);
    assert!(rc == 0 && r.starts_with("HTTP/1.1 200 OK\n"), "{r}");
}

#[test]
fn sighup_reads_ip_allow_yaml_again_and_keeps_it_when_broken() {
    let origin = Origin::start();
    let proxy = start(
        "remapcfg-ip-allow-hup",
        &origin,
        vec![format!(
            "map http://a.test/ http://127.0.0.1:{}/",
            origin.port
        )],
    );
    // No ip_allow.yaml: every client and method (a NOTE says so).
    assert!(proxy
        .stderr()
        .contains("ip_allow.yaml not found: every client allowed"));
    let post = |p: &Proxy| get(p, "a.test", "/echo", &["-X", "POST", "-d", "x"]);
    assert!(post(&proxy).starts_with("HTTP/1.1 200 OK\n"));
    let file = proxy.dir.join("ip_allow.yaml");
    std::fs::write(&file, IP_ALLOW).unwrap();
    hup(&proxy);
    let end = Instant::now() + Duration::from_secs(10);
    while !post(&proxy).starts_with("HTTP/1.1 403 Access Denied\n") {
        assert!(Instant::now() < end, "{}", proxy.stderr());
        std::thread::sleep(Duration::from_millis(30));
    }
    // A broken file: the old rules stay, with file:line.
    std::fs::write(
        &file,
        "ip_allow:\n  - apply: in\n    ip_addrs: 1.2.3\n    action: allow\n",
    )
    .unwrap();
    hup(&proxy);
    let want = format!("{}:3: '1.2.3' is not a valid range.", file.display());
    assert!(
        proxy.wait_for_stderr(&want, Duration::from_secs(10)),
        "{}",
        proxy.stderr()
    );
    assert!(post(&proxy).starts_with("HTTP/1.1 403 Access Denied\n"));
    assert!(get(&proxy, "a.test", "/echo", &[]).starts_with("HTTP/1.1 200 OK\n"));
}

#[test]
fn a_broken_ip_allow_yaml_stops_start_up_naming_file_and_line() {
    let dir = temp_dir("remapcfg-ip-allow-broken");
    std::fs::write(
        dir.join("records.config"),
        "CONFIG proxy.config.http.server_ports STRING 0:ip-in=127.0.0.1\n\
         CONFIG proxy.config.cache.ip_allow.filename STRING acl/mine.yaml\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("acl")).unwrap();
    std::fs::write(
        dir.join("acl/mine.yaml"),
        "ip_allow:\n  - apply: in\n    ip_addrs: 0/0\n    action: perhaps\n",
    )
    .unwrap();
    let (code, _, err) = run_with_timeout(
        tshost().arg("--config-dir").arg(&dir),
        b"",
        Duration::from_secs(20),
    );
    let err = String::from_utf8_lossy(&err);
    assert!(code != 0 && code != -1, "{code}: {err}");
    let want = format!(
        "{}:4: item ignored, value for tag 'action' must be 'allow' or 'deny'",
        dir.join("acl/mine.yaml").display()
    );
    assert!(err.contains(&want), "{err}");
}
