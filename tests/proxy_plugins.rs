//! Plugins in the real tshost binary, between curl (or a raw socket) and tshost-origin: what a
//! plugin changes in the headers is what goes on the wire, in both directions; TS_EVENT_HTTP_ERROR
//! and TSHttpTxnStatusSet make the responses ATS makes; hooks reenabled later from plain pthreads
//! delay but do not break transactions; a client leaving during a held hook closes the
//! transaction only after the reenable; the client connection as plugins see it (plain and TLS).
//!
//! The plugins are tests/c/edit_plugin.c (its header comment lists its features) and the shipped
//! plugins-c/add_header.c, each built against tshost's ts.h and, where the results must be the
//! same, Debian's. hook_trace is always loaded first; every test checks the trace's invariants.
//!
//! Over 800 lines by design: each file under tests/ is its own test binary, which links all of
//! tshost; one binary per family of behaviours keeps `make test`'s build and link time down
//! (more, smaller files would each link the crate again). Its tests share one set of helpers.

mod common;

use std::collections::HashMap;
use std::io::Write;
use std::net::{Shutdown, TcpStream};
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use common::proxy::{curl, fnv, pattern, Client as ProxyClient, Origin, Proxy, Setup};
use common::{build_plugin, crate_dir, temp_dir, Header};

const SETTLE: Duration = Duration::from_secs(5);

/// `name`.so from `src`, built once per header.
fn plugin(src: &str, name: &str, h: Header) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let key = format!("{name}-{h:?}");
    let mut built = BUILT.get_or_init(Default::default).lock().unwrap();
    built
        .entry(key.clone())
        .or_insert_with(|| {
            let so = temp_dir(&format!("plugins-{key}")).join(format!("{name}.so"));
            build_plugin(&crate_dir().join(src), &so, h);
            so
        })
        .clone()
}

fn edit_plugin(h: Header) -> PathBuf {
    plugin("tests/c/edit_plugin.c", "edit_plugin", h)
}

fn add_header(h: Header) -> PathBuf {
    plugin("plugins-c/add_header.c", "add_header", h)
}

/// Proxy with hook_trace, then `plugins` lines, with TSDebug on for the test plugins' tags.
fn start(name: &str, origin: &Origin, plugins: Vec<String>) -> Proxy {
    Proxy::start(
        name,
        origin,
        Setup {
            records: vec![
                "CONFIG proxy.config.diags.debug.enabled INT 1".into(),
                "CONFIG proxy.config.diags.debug.tags STRING edit_plugin|add_header".into(),
                // tshost's Server only where a response has none left: what the plugins removed
                // shows (with ATS's default, 1, every response says ATS/9.2.9).
                "CONFIG proxy.config.http.response_server_enabled INT 2".into(),
            ],
            plugins,
            ..Setup::default()
        },
    )
}

/// A response as curl -i shows it.
struct Resp {
    status_line: String,
    fields: Vec<(String, String)>,
    body: Vec<u8>,
    /// curl's %{local_port}.
    local_port: u16,
}

impl Resp {
    fn status(&self) -> u16 {
        self.status_line.split(' ').nth(1).unwrap().parse().unwrap()
    }

    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn fields_named(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl std::fmt::Debug for Resp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{}", self.status_line)?;
        for (n, v) in &self.fields {
            writeln!(f, "{n}: {v}")?;
        }
        write!(f, "\n{}", self.text())
    }
}

/// One request through curl -i to `url` (Host: example.com), with extra curl arguments.
fn fetch(url: &str, extra: &[&str]) -> Resp {
    let mut args = vec![
        "-i",
        "-H",
        "Host: example.com",
        "-w",
        "\n@@local_port=%{local_port}",
    ];
    args.extend_from_slice(extra);
    args.push(url);
    let (rc, out) = curl(&args);
    assert_eq!(rc, 0, "curl {args:?}: {}", String::from_utf8_lossy(&out));
    const MARK: &[u8] = b"\n@@local_port=";
    let tail = out
        .windows(MARK.len())
        .rposition(|w| w == MARK)
        .expect("curl -w output");
    let local_port = String::from_utf8_lossy(&out[tail + MARK.len()..])
        .trim()
        .parse()
        .unwrap();
    let out = &out[..tail];
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no head in {}", String::from_utf8_lossy(out)));
    let head = String::from_utf8_lossy(&out[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap().to_string();
    let fields = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.to_string(), v.trim().to_string()))
        .collect();
    Resp {
        status_line,
        fields,
        body: out[split + 4..].to_vec(),
        local_port,
    }
}

fn http(proxy: &Proxy, path: &str) -> String {
    format!("http://127.0.0.1:{}{path}", proxy.port)
}

fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    line.split(' ')
        .find_map(|w| w.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
}

/// The transaction ids of a trace, in TXN_START order.
fn txns(trace: &[String]) -> Vec<String> {
    trace
        .iter()
        .filter(|l| l.starts_with("TXN_START "))
        .map(|l| field(l, "txn").unwrap().to_string())
        .collect()
}

/// The hook events of one transaction, in trace order.
fn events_of<'a>(trace: &'a [String], txn: &str) -> Vec<&'a str> {
    trace
        .iter()
        .filter(|l| field(l, "txn") == Some(txn))
        .map(|l| l.split(' ').next().unwrap())
        .collect()
}

/// Every transaction hook, in ATS's order.
const FULL: [&str; 10] = common::proxy::TXN_ORDER;

// ---- (a) header edits on the wire ----

fn request_edits(h: Header) {
    let origin = Origin::start();
    let proxy = start(
        &format!("req-edits-{h:?}"),
        &origin,
        vec![format!("{} edit", edit_plugin(h).display())],
    );
    let r = fetch(
        &http(&proxy, "/echo/orig?x=1"),
        &[
            "-H",
            "X-Replace: old",
            "-H",
            "X-Remove: a",
            "-H",
            "X-Remove: b",
            "-H",
            "X-Keep: k",
            "-H",
            "X-Strip-Upstream: 1",
        ],
    );
    assert_eq!(r.status(), 200, "{r:?}");
    let echo = r.text();
    let lines: Vec<&str> = echo.split("\r\n").collect();
    assert_eq!(
        lines[0], "GET /echo/new?from=plugin HTTP/1.1",
        "path and query set at READ_REQUEST_HDR: {echo}"
    );
    for want in [
        "X-Added: yes",
        "X-Replace: replaced",
        "X-Keep: k",
        "X-Server-Req: sent",
    ] {
        assert!(
            lines.contains(&want),
            "{want:?} not sent to the origin:\n{echo}"
        );
    }
    for gone in ["X-Remove", "X-Strip-Upstream", "X-Replace: old"] {
        assert!(
            !lines.iter().any(|l| l.starts_with(gone)),
            "{gone:?} reached the origin:\n{echo}"
        );
    }
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("X-Replace")).count(),
        1
    );
    // Remap rewrites the client request itself (ATS): POST_REMAP sees the mapped URL and Host,
    // and a path it sets is the one the origin gets.
    let r = fetch(&http(&proxy, "/echo/post-remap?z=3"), &[]);
    let echo = r.text();
    let lines: Vec<&str> = echo.split("\r\n").collect();
    let origin_at = format!("127.0.0.1:{}", origin.port);
    assert_eq!(lines[0], "GET /echo/after-remap?z=3 HTTP/1.1", "{echo}");
    assert!(
        lines.contains(
            &format!("X-Post-Remap-Url: http://{origin_at}/echo/post-remap?z=3").as_str()
        ),
        "{echo}"
    );
    assert!(
        lines.contains(&format!("X-Post-Remap-Host: {origin_at}").as_str()),
        "{echo}"
    );
    assert!(
        lines.contains(&format!("Host: {origin_at}").as_str()),
        "{echo}"
    );
    // A path that stays: only the fields change.
    let r = fetch(&http(&proxy, "/echo/keep?y=2"), &[]);
    assert!(
        r.text().starts_with("GET /echo/keep?y=2 HTTP/1.1\r\n"),
        "{r:?}"
    );
    let t = proxy.settled_trace(3, SETTLE);
    // One transaction per fetch, each through every hook.
    assert_eq!(txns(&t).len(), 3, "{t:?}");
    for id in txns(&t) {
        assert_eq!(events_of(&t, &id), FULL);
    }
}

#[test]
fn request_edits_reach_the_origin() {
    request_edits(Header::Ours);
}

#[test]
fn request_edits_reach_the_origin_debian_header() {
    request_edits(Header::Debian);
}

fn response_edits(h: Header) {
    let origin = Origin::start();
    let proxy = start(
        &format!("resp-edits-{h:?}"),
        &origin,
        vec![
            format!("{} edit", edit_plugin(h).display()),
            format!(
                "{} \"X-Served-By: tshost\" \"X-Other: v\"",
                add_header(h).display()
            ),
        ],
    );
    let url = http(&proxy, "/size/3000");

    // READ_RESPONSE_HDR edits the server response; the client response is made from it.
    let r = fetch(&url, &["-H", "X-Test-Resp: read"]);
    assert_eq!(r.status_line, "HTTP/1.1 201 Created By Plugin", "{r:?}");
    assert_eq!(r.field("X-Read-Resp"), Some("1"));
    assert_eq!(
        r.field("Server"),
        Some("ATS/9.2.9"),
        "the origin's removed at READ_RESPONSE_HDR, tshost's added"
    );
    assert_eq!(r.field("X-Served-By"), Some("tshost"), "add_header");
    assert_eq!(r.field("X-Other"), Some("v"), "add_header");
    assert_eq!(r.body, pattern(3000));

    // SEND_RESPONSE_HDR edits the client response itself.
    let r = fetch(&url, &["-H", "X-Test-Resp: send"]);
    assert_eq!(r.status_line, "HTTP/1.1 202 Accepted By Plugin", "{r:?}");
    assert_eq!(r.field("X-Send-Resp"), Some("1"));
    assert_eq!(r.field("X-Read-Resp"), None);
    assert_eq!(r.fields_named("Content-Type"), ["text/x-plugin"]);
    assert_eq!(r.field("Server"), Some("tshost-origin"));
    assert_eq!(r.body, pattern(3000));

    // Both: SEND_RESPONSE_HDR sees what READ_RESPONSE_HDR made and has the last word.
    let r = fetch(
        &http(&proxy, "/chunked/20000"),
        &["-H", "X-Test-Resp: read,send"],
    );
    assert_eq!(r.status_line, "HTTP/1.1 202 Accepted By Plugin", "{r:?}");
    assert_eq!(
        (r.field("X-Read-Resp"), r.field("X-Send-Resp")),
        (Some("1"), Some("1"))
    );
    assert_eq!(r.fields_named("X-Served-By"), ["tshost"], "added once");
    assert_eq!(r.body, pattern(20000));

    // No edits asked for: the origin's response plus add_header's fields.
    let r = fetch(&url, &[]);
    assert_eq!(r.status_line, "HTTP/1.1 200 OK", "{r:?}");
    assert_eq!(r.field("X-Served-By"), Some("tshost"));
    assert_eq!(r.body, pattern(3000));

    let t = proxy.settled_trace(4, SETTLE);
    // One transaction per fetch, each through every hook.
    assert_eq!(txns(&t).len(), 4, "{t:?}");
    for id in txns(&t) {
        assert_eq!(events_of(&t, &id), FULL);
    }
}

#[test]
fn response_edits_reach_the_client() {
    response_edits(Header::Ours);
}

#[test]
fn response_edits_reach_the_client_debian_header() {
    response_edits(Header::Debian);
}

#[test]
fn add_header_on_the_server_request_skips_bad_arguments() {
    let origin = Origin::start();
    let proxy = start(
        "add-header-request",
        &origin,
        vec![format!(
            "{} --request \"X-Up: 1\" NoColon \": empty\" \"Bad Name: x\" --bogus \"X-Up2:   spaced  \"",
            add_header(Header::Ours).display()
        )],
    );
    let r = fetch(&http(&proxy, "/echo"), &[]);
    let echo = r.text();
    let lines: Vec<&str> = echo.split("\r\n").collect();
    assert!(lines.contains(&"X-Up: 1"), "{echo}");
    assert!(lines.contains(&"X-Up2: spaced"), "{echo}");
    assert_eq!(r.field("X-Up"), None, "--request: not on the response");
    let err = proxy.stderr();
    // One TSError per bad argument, logged once (at plugin load).
    for bad in ["'NoColon'", "': empty'", "'Bad Name: x'", "'--bogus'"] {
        assert_eq!(
            err.lines()
                .filter(|l| l.contains("ERROR") && l.contains("[add_header]") && l.contains(bad))
                .count(),
            1,
            "TSErrors for {bad}:\n{err}"
        );
    }
    proxy.settled_trace(1, SETTLE);
}

/// A plugin that adds `Connection: close` to the client response (at SEND_RESPONSE_HDR, after
/// tshost wrote its own `Connection: keep-alive`) gets the connection closed after it: the
/// response says close, so keeping the connection would contradict it. (ATS 9.2.9 sends the
/// two fields the same way, seen beside it.)
#[test]
fn connection_close_added_by_a_plugin_closes_the_connection() {
    let origin = Origin::start();
    let proxy = start(
        "plugin-close",
        &origin,
        vec![format!(
            "{} \"Connection: close\"",
            add_header(Header::Ours).display()
        )],
    );
    let mut c = ProxyClient::connect(proxy.port);
    c.send(b"GET /size/10 HTTP/1.1\r\nHost: example.com\r\n\r\n");
    let r = c.response(false);
    assert_eq!(r.status, 200, "{}", r.head);
    assert_eq!(r.body, pattern(10));
    assert!(
        r.head.to_ascii_lowercase().contains("connection: close"),
        "{}",
        r.head
    );
    assert!(c.is_closed(), "connection left open: {}", r.head);
    drop(c);
    // The same for a response tshost makes (a 404 that would keep the connection).
    let mut c = ProxyClient::connect(proxy.port);
    c.send(b"GET /size/10 HTTP/1.1\r\nHost: unknown.example\r\n\r\n");
    let r = c.response(false);
    assert_eq!(r.status, 404, "{}", r.head);
    assert!(c.is_closed(), "connection left open: {}", r.head);
    drop(c);
    proxy.settled_trace(2, SETTLE);
}

/// The host and port a plugin sets in the client request's URL at POST_REMAP are where the
/// request goes (ATS: the request is sent where the URL names after remap): another port of the
/// same host reaches the origin there; another host with the rule's port is looked up on its
/// own, not sent to the rule's address (127.0.0.2, where nothing listens: 502).
#[test]
fn post_remap_host_and_port_set_by_a_plugin_are_where_the_request_goes() {
    let origin = Origin::start();
    let other = Origin::start();
    let proxy = start(
        "post-remap-target",
        &origin,
        vec![format!("{} edit", edit_plugin(Header::Ours).display())],
    );
    let to_other = format!("X-Redirect-To: 127.0.0.1:{}", other.port);
    let r = fetch(&http(&proxy, "/echo/post"), &["-H", &to_other]);
    assert_eq!(r.status(), 200, "{r:?}");
    assert_eq!((origin.count(), other.count()), (0, 1));
    let to_nowhere = format!("X-Redirect-To: 127.0.0.2:{}", origin.port);
    let r = fetch(&http(&proxy, "/echo/post"), &["-H", &to_nowhere]);
    assert_eq!(r.status(), 502, "{r:?}");
    assert_eq!((origin.count(), other.count()), (0, 1));
    proxy.settled_trace(2, SETTLE);
}

/// A remap target on its scheme's default port (`http://127.0.0.1/`) leaves the port out of
/// the rewritten URL, as the rule wrote it: POST_REMAP's TSUrlStringGet says
/// `http://127.0.0.1/echo/post`, not `http://127.0.0.1:80/echo/post`. (Where the request then
/// goes, port 80, does not matter here.)
#[test]
fn remap_to_a_default_port_leaves_it_out_of_the_url() {
    let origin = Origin::start();
    let proxy = Proxy::start(
        "remap-default-port",
        &origin,
        Setup {
            records: vec![
                "CONFIG proxy.config.diags.debug.enabled INT 1".into(),
                "CONFIG proxy.config.diags.debug.tags STRING edit_plugin".into(),
            ],
            plugins: vec![format!("{} edit", edit_plugin(Header::Ours).display())],
            remap: vec!["map http://port80.example/ http://127.0.0.1/".into()],
            ..Setup::default()
        },
    );
    let mut c = ProxyClient::connect(proxy.port);
    c.set_timeout(Duration::from_secs(10));
    c.send(b"GET /echo/post HTTP/1.1\r\nHost: port80.example\r\n\r\n");
    let _ = c.try_response(false);
    assert!(
        proxy.wait_for_stderr(
            "post-remap url=http://127.0.0.1/echo/post\n",
            Duration::from_secs(5)
        ),
        "{}",
        proxy.stderr()
    );
    drop(c);
    proxy.settled_trace(1, SETTLE);
}

/// The framing of a response tshost makes is settled after the SEND_RESPONSE_HDR hooks (as
/// ATS's setup_internal_transfer): a Content-Length or Transfer-Encoding a plugin adds there to
/// a response without a body is replaced by `Content-Length: 0`, once (ATS 9.2.9 the same,
/// seen beside it).
#[test]
fn framing_a_plugin_adds_to_a_bodiless_error_response_is_settled_after_its_hook() {
    let origin = Origin::start();
    let proxy = start(
        "error-framing",
        &origin,
        vec![
            format!("{} deny", edit_plugin(Header::Ours).display()),
            format!(
                "{} \"Content-Length: 5\" \"Transfer-Encoding: chunked\"",
                add_header(Header::Ours).display()
            ),
        ],
    );
    let r = fetch(&http(&proxy, "/deny-plain"), &[]);
    assert_eq!(r.status_line, "HTTP/1.1 500 INKApi Error", "{r:?}");
    assert_eq!(r.fields_named("Content-Length"), ["0"], "{r:?}");
    assert_eq!(
        r.fields_named("Transfer-Encoding"),
        Vec::<&str>::new(),
        "{r:?}"
    );
    assert!(r.body.is_empty(), "{r:?}");
    proxy.settled_trace(1, SETTLE);
}

// ---- (b) ERROR with a status and a body; errors at later hooks ----

fn error_reenable(h: Header) {
    let origin = Origin::start();
    let proxy = start(
        &format!("error-{h:?}"),
        &origin,
        vec![format!("{} deny", edit_plugin(h).display())],
    );
    let r = fetch(&http(&proxy, "/deny"), &[]);
    assert_eq!(r.status_line, "HTTP/1.1 403 Forbidden", "{r:?}");
    assert_eq!(r.body, b"denied\n");
    assert_eq!(r.fields_named("Content-Type"), ["text/plain"]);
    assert_eq!(r.field("Content-Length"), Some("7"));

    // ERROR without a status or a body: ATS's "500 INKApi Error" with an empty body.
    let r = fetch(&http(&proxy, "/deny-plain"), &[]);
    assert_eq!(r.status_line, "HTTP/1.1 500 INKApi Error", "{r:?}");
    assert_eq!(r.field("Content-Length"), Some("0"));
    assert!(r.body.is_empty(), "{r:?}");

    // ERROR again at the SEND_RESPONSE_HDR of the error response: the API error response is
    // rebuilt (status 429 set there) and sent; SEND_RESPONSE_HDR does not run a second time.
    let r = fetch(&http(&proxy, "/deny-twice"), &[]);
    assert_eq!(r.status_line, "HTTP/1.1 429 Too Many Requests", "{r:?}");
    assert_eq!(r.field("Content-Length"), Some("0"));

    // The connection closes after an API error response (an ERROR before SEND_RESPONSE_HDR),
    // even to a GET that kept alive: curl connects again for its second request (ATS 9.2.9
    // does the same, seen beside it; error_at_later_hooks has the SEND_RESPONSE_HDR case).
    let url = http(&proxy, "/deny");
    let (rc, out) = curl(&[
        "-H",
        "Host: example.com",
        "-w",
        "%{http_code} %{num_connects}\n",
        "-o",
        "/dev/null",
        &url,
        "-o",
        "/dev/null",
        &url,
    ]);
    assert_eq!(rc, 0);
    assert_eq!(String::from_utf8_lossy(&out), "403 1\n403 1\n");

    // And the response says so: to a GET that kept alive, to a request whose body was not read
    // (it would be taken for the next request), and when the client asked for a close.
    let smuggled = "GET /size/1 HTTP/1.1\r\nHost: example.com\r\n\r\n";
    let body_len = smuggled.len();
    for req in [
        "GET /deny HTTP/1.1\r\nHost: example.com\r\n\r\n".to_string(),
        format!("POST /deny HTTP/1.1\r\nHost: example.com\r\nContent-Length: {body_len}\r\n\r\n{smuggled}"),
        "GET /deny HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n".to_string(),
    ] {
        let mut c = ProxyClient::connect(proxy.port);
        c.send(req.as_bytes());
        let r = c.response(false);
        assert_eq!(r.status, 403, "{req}: {}", r.head);
        assert_eq!(r.header("connection"), Some("close"), "{req}: {}", r.head);
        assert!(c.is_closed(), "{req}: connection left open");
    }
    assert_eq!(origin.count(), 0, "the origin saw a denied request");

    let t = proxy.settled_trace(8, SETTLE);
    // /deny, /deny-plain, /deny-twice, curl's two requests, and the three above, each on a
    // connection of its own.
    assert_eq!(txns(&t).len(), 8, "{t:?}");
    for id in txns(&t) {
        assert_eq!(
            events_of(&t, &id),
            [
                "TXN_START",
                "READ_REQUEST_HDR",
                "SEND_RESPONSE_HDR",
                "TXN_CLOSE"
            ]
        );
    }
}

#[test]
fn error_reenable_answers_with_the_plugin_status_and_body() {
    error_reenable(Header::Ours);
}

#[test]
fn error_reenable_answers_with_the_plugin_status_and_body_debian_header() {
    error_reenable(Header::Debian);
}

/// The client side of the ERROR tests: HTTP/1.1 in the clear, or HTTP/2 over TLS.
#[derive(Clone, Copy, PartialEq)]
enum Client {
    H1,
    H2,
}

impl Client {
    fn fetch(self, proxy: &Proxy, path: &str) -> Resp {
        match self {
            Client::H1 => fetch(&http(proxy, path), &[]),
            Client::H2 => fetch(
                &format!("https://127.0.0.1:{}{path}", proxy.tls_port),
                &["-k", "--http2"],
            ),
        }
    }

    /// For the proxy's directory name (tests run in parallel).
    fn name(self) -> &'static str {
        match self {
            Client::H1 => "h1",
            Client::H2 => "h2",
        }
    }

    /// The status line curl shows: HTTP/2 has no reason phrase.
    fn status_line(self, code: u16, reason: &str) -> String {
        match self {
            Client::H1 => format!("HTTP/1.1 {code} {reason}"),
            Client::H2 => format!("HTTP/2 {code}"),
        }
    }
}

fn error_at_txn_start(client: Client) {
    let origin = Origin::start();
    let proxy = start(
        &format!("error-start-{}", client.name()),
        &origin,
        vec![format!(
            "{} deny-start",
            edit_plugin(Header::Ours).display()
        )],
    );
    let r = client.fetch(&proxy, "/echo");
    assert_eq!(
        r.status_line.trim_end(),
        client.status_line(503, "Service Unavailable"),
        "{r:?}"
    );
    assert_eq!(r.field("Content-Length"), Some("0"));
    assert_eq!(origin.count(), 0);
    let t = proxy.settled_trace(1, SETTLE);
    let ids = txns(&t);
    assert_eq!(ids.len(), 1, "{t:?}");
    assert_eq!(
        events_of(&t, &ids[0]),
        ["TXN_START", "SEND_RESPONSE_HDR", "TXN_CLOSE"]
    );
}

#[test]
fn error_reenable_at_txn_start() {
    error_at_txn_start(Client::H1);
}

#[test]
fn error_reenable_at_txn_start_over_http2() {
    error_at_txn_start(Client::H2);
}

fn error_at_later_hooks(client: Client) {
    let origin = Origin::start();
    let proxy = start(
        &format!("error-later-{}", client.name()),
        &origin,
        vec![format!("{} deny", edit_plugin(Header::Ours).display())],
    );
    // SEND_REQUEST_HDR: nothing goes to the origin; 451 has no reason in ATS's table: "Error".
    let r = client.fetch(&proxy, "/echo/deny-send-req");
    assert_eq!(
        r.status_line.trim_end(),
        client.status_line(451, "Error"),
        "{r:?}"
    );
    assert_eq!(r.field("Content-Length"), Some("0"));
    assert_eq!(origin.count(), 0, "the origin saw the request");
    // Over HTTP/1.1 the connection closes after an ERROR before SEND_RESPONSE_HDR, and is kept
    // after one at SEND_RESPONSE_HDR (as ATS 9.2.9, seen beside it for these three paths).
    let connection = |r: &Resp, want: &str| {
        if client == Client::H1 {
            assert_eq!(r.field("Connection"), Some(want), "{r:?}");
        }
    };
    connection(&r, "close");

    // READ_RESPONSE_HDR: the origin's response is dropped for the plugin's.
    let r = client.fetch(&proxy, "/echo/deny-response");
    assert_eq!(
        r.status_line.trim_end(),
        client.status_line(502, "Bad Gateway"),
        "{r:?}"
    );
    assert_eq!(r.body, b"bad origin answer\n");
    assert_eq!(r.fields_named("Content-Type"), ["text/plain"]);
    connection(&r, "close");

    // SEND_RESPONSE_HDR: an error response, and SEND_RESPONSE_HDR does not run again for it.
    let r = client.fetch(&proxy, "/echo/deny-late");
    assert_eq!(
        r.status_line.trim_end(),
        client.status_line(403, "Forbidden"),
        "{r:?}"
    );
    assert_eq!(r.field("Content-Length"), Some("0"));
    assert!(r.body.is_empty());
    assert_eq!(
        r.field("Server"),
        Some("ATS/9.2.9"),
        "the origin's fields are gone, tshost's are there"
    );
    connection(&r, "keep-alive");
    let r = client.fetch(&proxy, "/echo/deny-late-body");
    assert_eq!(
        r.status_line.trim_end(),
        client.status_line(403, "Forbidden"),
        "{r:?}"
    );
    assert_eq!(r.body, b"late\n");
    assert_eq!(
        r.fields_named("Content-Type"),
        ["text/html"],
        "no type given: ATS's text/html"
    );

    let t = proxy.settled_trace(4, SETTLE);
    let ids = txns(&t);
    assert_eq!(ids.len(), 4, "{t:?}");
    let upto = |last: &str| -> Vec<&str> {
        let n = FULL.iter().position(|h| *h == last).unwrap();
        let mut v = FULL[..=n].to_vec();
        if last != "SEND_RESPONSE_HDR" {
            v.push("SEND_RESPONSE_HDR");
        }
        v.push("TXN_CLOSE");
        v
    };
    assert_eq!(events_of(&t, &ids[0]), upto("SEND_REQUEST_HDR"));
    assert_eq!(events_of(&t, &ids[1]), upto("READ_RESPONSE_HDR"));
    assert_eq!(events_of(&t, &ids[2]), upto("SEND_RESPONSE_HDR"));
    assert_eq!(events_of(&t, &ids[3]), upto("SEND_RESPONSE_HDR"));
}

#[test]
fn error_reenable_at_later_hooks() {
    error_at_later_hooks(Client::H1);
}

#[test]
fn error_reenable_at_later_hooks_over_http2() {
    error_at_later_hooks(Client::H2);
}

/// ERROR (no status, no body) at each transaction hook from READ_REQUEST_HDR on, over HTTP/1.1
/// and HTTP/2: before SEND_RESPONSE_HDR, ATS's "500 INKApi Error" with an empty body, the hooks
/// up to that one, then SEND_RESPONSE_HDR (of the error response) and TXN_CLOSE; the origin
/// sees the request only when the ERROR comes after SEND_REQUEST_HDR. ERROR at
/// SEND_RESPONSE_HDR replaces the origin's response (that hook does not run again); at
/// TXN_CLOSE it counts as CONTINUE. TXN_START is `error_at_txn_start`.
fn error_at_each_hook(client: Client) {
    let origin = Origin::start();
    let proxy = start(
        &format!("error-at-{}", client.name()),
        &origin,
        vec![format!("{} error-at", edit_plugin(Header::Ours).display())],
    );
    let hooks = &FULL[1..];
    for hook in hooks {
        let r = client.fetch(&proxy, &format!("/echo/error-at-{hook}"));
        if *hook == "TXN_CLOSE" {
            assert_eq!(
                r.status_line.trim_end(),
                client.status_line(200, "OK"),
                "{hook}: {r:?}"
            );
        } else {
            assert_eq!(
                r.status_line.trim_end(),
                client.status_line(500, "INKApi Error"),
                "{hook}: {r:?}"
            );
            assert_eq!(r.field("Content-Length"), Some("0"), "{hook}: {r:?}");
            assert!(r.body.is_empty(), "{hook}: {r:?}");
        }
    }
    // READ_RESPONSE_HDR, SEND_RESPONSE_HDR and TXN_CLOSE come after the request went out.
    assert_eq!(origin.count(), 3);
    let t = proxy.settled_trace(hooks.len(), SETTLE);
    let ids = txns(&t);
    assert_eq!(ids.len(), hooks.len(), "{t:?}");
    for (id, hook) in ids.iter().zip(hooks) {
        let n = FULL.iter().position(|h| h == hook).unwrap();
        let want: Vec<&str> = if n >= FULL.len() - 2 {
            FULL.to_vec()
        } else {
            let mut v = FULL[..=n].to_vec();
            v.extend(["SEND_RESPONSE_HDR", "TXN_CLOSE"]);
            v
        };
        assert_eq!(events_of(&t, id), want, "ERROR at {hook}");
    }
}

#[test]
fn error_at_each_hook_answers_500_and_skips_to_the_response() {
    error_at_each_hook(Client::H1);
}

#[test]
fn error_at_each_hook_answers_500_and_skips_to_the_response_over_http2() {
    error_at_each_hook(Client::H2);
}

/// ERROR at SSN_START: the session ends without a transaction (ATS closes the client
/// connection), and SSN_CLOSE still comes once, over HTTP/1.1 and HTTP/2.
#[test]
fn error_at_ssn_start_closes_the_session_without_a_transaction() {
    let origin = Origin::start();
    let proxy = start(
        "error-ssn-start",
        &origin,
        vec![format!(
            "{} error-ssn-start",
            edit_plugin(Header::Ours).display()
        )],
    );
    let h1 = common::proxy::raw_request(
        proxy.port,
        b"GET /size/10 HTTP/1.1\r\nHost: example.com\r\n\r\n",
    );
    assert!(h1.is_empty(), "{}", String::from_utf8_lossy(&h1));
    // HTTP/2 (TLS, ALPN h2): SSN_START comes before tshost sends its SETTINGS, so the client
    // gets nothing at all, then the end of the stream (curl's exit code would race: 55 or 56,
    // depending on whether its preface was written before the close).
    let mut b = openssl::ssl::SslConnector::builder(openssl::ssl::SslMethod::tls_client()).unwrap();
    b.set_verify(openssl::ssl::SslVerifyMode::NONE);
    b.set_alpn_protos(b"\x02h2").unwrap();
    let tcp = TcpStream::connect(("127.0.0.1", proxy.tls_port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut tls = b
        .build()
        .configure()
        .unwrap()
        .verify_hostname(false)
        .connect("example.com", tcp)
        .expect("TLS handshake");
    assert_eq!(tls.ssl().selected_alpn_protocol(), Some(&b"h2"[..]));
    let mut got = Vec::new();
    let end = std::io::Read::read_to_end(&mut tls, &mut got);
    assert!(got.is_empty(), "{got:?}");
    // The end of the stream, with a close_notify (a clean TLS close, as for any session).
    assert_eq!(end.unwrap(), 0);
    assert_eq!(origin.count(), 0);
    let t = proxy.settled_trace(2, SETTLE);
    assert_eq!(txns(&t).len(), 0, "{t:?}");
    let events: Vec<&str> = t
        .iter()
        .map(|l| l.split(' ').next().unwrap())
        .filter(|e| !e.starts_with("VCONN_"))
        .collect();
    assert_eq!(
        events,
        ["SSN_START", "SSN_CLOSE", "SSN_START", "SSN_CLOSE"],
        "{t:?}"
    );
}

/// The second-reenable rule (README, differences from ATS): a plugin that reenables twice for
/// one event has the second logged and ignored: every hook of the transaction still runs once,
/// in order, and the response is the origin's, over HTTP/1.1 and HTTP/2.
fn second_reenable(client: Client) {
    let origin = Origin::start();
    let proxy = start(
        &format!("twice-{}", client.name()),
        &origin,
        vec![format!("{} twice", edit_plugin(Header::Ours).display())],
    );
    let r = client.fetch(&proxy, "/size/100");
    assert_eq!(
        r.status_line.trim_end(),
        client.status_line(200, "OK"),
        "{r:?}"
    );
    assert_eq!(r.body, pattern(100));
    assert_eq!(origin.count(), 1);
    let t = proxy.settled_trace(1, SETTLE);
    let ids = txns(&t);
    assert_eq!(ids.len(), 1, "{t:?}");
    assert_eq!(events_of(&t, &ids[0]), FULL);
    // One ignored reenable per hook edit_plugin saw: SSN_START, the ten transaction hooks,
    // SSN_CLOSE (the trace is settled: SSN_CLOSE's callback has returned).
    let log = proxy.stderr();
    let count = |what: &str| log.matches(what).count();
    assert_eq!(count("has no hook waiting for a reenable"), 12, "{log}");
    assert_eq!(count("TSHttpSsnReenable: session"), 2, "{log}");
}

#[test]
fn second_reenable_is_logged_and_ignored() {
    second_reenable(Client::H1);
}

#[test]
fn second_reenable_is_logged_and_ignored_over_http2() {
    second_reenable(Client::H2);
}

// ---- (c) a status set at PRE_REMAP ----

#[test]
fn status_set_before_remap_answers_with_it() {
    let origin = Origin::start();
    let proxy = start(
        "status",
        &origin,
        vec![format!("{} status", edit_plugin(Header::Ours).display())],
    );
    let r = fetch(&http(&proxy, "/pre-remap/403"), &[]);
    assert_eq!(r.status_line, "HTTP/1.1 403 Forbidden", "{r:?}");
    assert_eq!(r.fields_named("Content-Type"), ["text/html"]);
    // tshost's generated page for the status (ATS's body factory's, with tshost's name).
    let page = "<HTML>\n<HEAD><TITLE>403 Forbidden</TITLE></HEAD>\n<BODY>\n<H1>Forbidden</H1>\n\
                <HR>\n<I>tshost</I>\n</BODY>\n</HTML>\n";
    assert_eq!(String::from_utf8_lossy(&r.body), page, "{r:?}");
    assert_eq!(
        r.field("Content-Length"),
        Some(page.len().to_string().as_str())
    );

    // With a plugin body; a status without a standard reason is ATS's "Unknown HTTP Status".
    let r = fetch(&http(&proxy, "/pre-remap/451/body"), &[]);
    assert_eq!(r.status_line, "HTTP/1.1 451 Unknown HTTP Status", "{r:?}");
    assert_eq!(r.body, b"set at pre-remap\n");
    assert_eq!(r.fields_named("Content-Type"), ["text/plain"]);
    assert_eq!(origin.count(), 0, "the origin saw a request");

    // Set after remap without ERROR: no effect on the response (ATS).
    let r = fetch(&http(&proxy, "/echo/late-status"), &[]);
    assert_eq!(r.status_line, "HTTP/1.1 200 OK", "{r:?}");
    assert_eq!(origin.count(), 1);

    let t = proxy.settled_trace(3, SETTLE);
    let ids = txns(&t);
    assert_eq!(ids.len(), 3, "{t:?}");
    let early = [
        "TXN_START",
        "READ_REQUEST_HDR",
        "PRE_REMAP",
        "SEND_RESPONSE_HDR",
        "TXN_CLOSE",
    ];
    assert_eq!(events_of(&t, &ids[0]), early);
    assert_eq!(events_of(&t, &ids[1]), early);
    assert_eq!(events_of(&t, &ids[2]), FULL);
}

// ---- (d) every hook reenabled later from a plain pthread ----

#[test]
fn every_hook_reenabled_later_from_a_thread() {
    const DELAY_MS: u64 = 50;
    let origin = Origin::start();
    let proxy = start(
        "slow",
        &origin,
        vec![format!(
            "{} slow={DELAY_MS}",
            edit_plugin(Header::Ours).display()
        )],
    );
    let dir = temp_dir("proxy-plugins-slow");
    let upload: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 253) as u8).collect();
    let up = dir.join("upload");
    std::fs::write(&up, &upload).unwrap();
    let (o1, o2, o3) = (dir.join("o1"), dir.join("o2"), dir.join("o3"));
    let base = format!("http://127.0.0.1:{}", proxy.port);
    let began = Instant::now();
    let (rc, _) = curl(&[
        "-H",
        "Host: example.com",
        "-o",
        o1.to_str().unwrap(),
        &format!("{base}/size/5000"),
        "-o",
        o2.to_str().unwrap(),
        &format!("{base}/chunked/70000"),
        "--next",
        "-H",
        "Host: example.com",
        "--data-binary",
        &format!("@{}", up.display()),
        "-o",
        o3.to_str().unwrap(),
        &format!("{base}/echo"),
    ]);
    let elapsed = began.elapsed();
    assert_eq!(rc, 0);
    assert_eq!(std::fs::read(&o1).unwrap(), pattern(5000));
    assert_eq!(std::fs::read(&o2).unwrap(), pattern(70000));
    let echo = String::from_utf8_lossy(&std::fs::read(&o3).unwrap()).into_owned();
    assert!(echo.starts_with("POST /echo HTTP/1.1\r\n"), "{echo}");
    assert!(echo.contains("body-bytes: 100000\n"), "{echo}");
    assert!(
        echo.contains(&format!("body-fnv: {}\n", fnv(&upload))),
        "{echo}"
    );

    let t = proxy.settled_trace(1, SETTLE);
    let ids = txns(&t);
    assert_eq!(ids.len(), 3, "keep-alive: three transactions, one session");
    for id in &ids {
        assert_eq!(events_of(&t, id), FULL);
    }
    // SSN_START, then 9 hooks per transaction before its response, and the TXN_CLOSEs of the
    // first two before the next request is read: each waits DELAY_MS.
    let waits = 1 + 3 * 9 + 2;
    assert!(
        elapsed >= Duration::from_millis(waits * DELAY_MS * 9 / 10),
        "{elapsed:?} for {waits} waits of {DELAY_MS} ms"
    );
    // The waits add up to 29 * 50 ms = 1.45 s, the transfers to a few ms more: 10 s is slack for
    // a loaded 2-core debug build (the lower bound above is what pins that every hook waited).
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
}

// ---- (e) the client leaves while a hook is held ----

fn wait_for_trace(proxy: &Proxy, what: &str, timeout: Duration) -> Option<Instant> {
    let end = Instant::now() + timeout;
    loop {
        if proxy.trace_lines().iter().any(|l| l.starts_with(what)) {
            return Some(Instant::now());
        }
        if Instant::now() >= end {
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn client_leaving_during_a_held_hook_closes_after_the_reenable() {
    const HOLD_MS: u64 = 600;
    let origin = Origin::start();
    let proxy = start(
        "hold",
        &origin,
        vec![format!(
            "{} hold={HOLD_MS}",
            edit_plugin(Header::Ours).display()
        )],
    );
    let mut s = TcpStream::connect(("127.0.0.1", proxy.port)).unwrap();
    let sent = Instant::now();
    s.write_all(b"GET /hold HTTP/1.1\r\nHost: example.com\r\n\r\n")
        .unwrap();
    wait_for_trace(&proxy, "READ_REQUEST_HDR", Duration::from_secs(5)).expect("READ_REQUEST_HDR");
    s.shutdown(Shutdown::Both).unwrap();
    drop(s);

    // Well before the plugin's thread reenables (HOLD_MS after the hook began).
    std::thread::sleep(Duration::from_millis(HOLD_MS / 4));
    let t = proxy.trace_lines();
    assert!(
        !t.iter()
            .any(|l| l.starts_with("TXN_CLOSE") || l.starts_with("SSN_CLOSE")),
        "closed while the hook was held:\n{}",
        t.join("\n")
    );
    let closed = wait_for_trace(&proxy, "TXN_CLOSE", Duration::from_secs(5)).expect("TXN_CLOSE");
    assert!(
        closed - sent >= Duration::from_millis(HOLD_MS),
        "TXN_CLOSE {:?} after the request was sent",
        closed - sent
    );
    let t = proxy.settled_trace(1, SETTLE);
    let id = &txns(&t)[0];
    let ev = events_of(&t, id);
    assert_eq!(
        ev.iter().filter(|e| **e == "TXN_CLOSE").count(),
        1,
        "{ev:?}"
    );
    assert_eq!(ev[..2], ["TXN_START", "READ_REQUEST_HDR"]);
    assert!(
        proxy.wait_for_stderr(&format!("hold released txn={id}"), SETTLE),
        "{}",
        proxy.stderr()
    );
    // Still exactly one of each a little later.
    std::thread::sleep(Duration::from_millis(100));
    let t = proxy.trace_lines();
    assert_eq!(t.iter().filter(|l| l.starts_with("TXN_CLOSE")).count(), 1);
    assert_eq!(t.iter().filter(|l| l.starts_with("SSN_CLOSE")).count(), 1);
}

// ---- (f) the client connection as plugins see it ----

fn probe(proxy: &Proxy, url: &str, curl_tls: &[&str], want_stack: &str, want_tls: &str) {
    let mut extra = vec!["-k"];
    extra.extend_from_slice(curl_tls);
    let r = fetch(url, &extra);
    assert_eq!(r.status(), 200, "{r:?}");
    let client = format!("127.0.0.1:{}", r.local_port);
    assert_eq!(r.field("X-Probe-Stack"), Some(want_stack), "{r:?}");
    let ssn_stack = want_stack.strip_prefix("http/1.1,").unwrap();
    assert_eq!(r.field("X-Probe-Ssn-Stack"), Some(ssn_stack), "{r:?}");
    assert_eq!(
        r.field("X-Probe-Start-Stack"),
        Some(format!("http/1.0,{ssn_stack}").as_str()),
        "TXN_START: the request is not parsed yet (HTTP/1.0)"
    );
    assert_eq!(r.field("X-Probe-Client"), Some(client.as_str()));
    // The client request's URL has the connection's scheme by READ_REQUEST_HDR (ATS's
    // HttpTransact::ModifyRequest, before that hook), for an origin-form request too (seen on
    // ATS 9.2.9: "http" and "https").
    let scheme = url.split("://").next().unwrap();
    assert_eq!(r.field("X-Probe-Read-Scheme"), Some(scheme), "{r:?}");
    let port = url.split(':').nth(2).unwrap().split('/').next().unwrap();
    assert_eq!(
        r.field("X-Probe-Incoming"),
        Some(format!("127.0.0.1:{port}").as_str())
    );
    assert_eq!(r.field("X-Probe-Fd"), Some("peer-match"));
    assert_eq!(r.field("X-Probe-Tls"), Some(want_tls));
    // Every string of the parsed request and response (which share one copy of their head) is
    // followed by a NUL: method and reason, names and values. curl sends 3 fields (Host,
    // User-Agent, Accept), the origin's /size answer 3 (Server, Content-Type, Content-Length),
    // and tshost gives it a Date (as ATS, to a response without one).
    let unterminated = r.field("X-Probe-Unterminated").unwrap_or_default();
    let (bad, checked) = unterminated.split_once(" of ").expect("B of N");
    assert_eq!(bad, "0", "{r:?}");
    assert_eq!(
        checked.parse::<u32>().unwrap(),
        1 + 2 * 3 + 1 + 2 * 4,
        "{r:?}"
    );
    let layers = ssn_stack.split(',').count();
    assert!(
        proxy.wait_for_stderr(
            &format!("addr={client} fd=ok stack={layers}"),
            Duration::from_secs(2)
        ),
        "SSN_START probe for {client}:\n{}",
        proxy.stderr()
    );
}

#[test]
fn client_connection_as_plugins_see_it() {
    let origin = Origin::start();
    let proxy = start(
        "probe",
        &origin,
        vec![format!("{} probe", edit_plugin(Header::Ours).display())],
    );
    let plain = http(&proxy, "/size/10");
    let tls = format!("https://127.0.0.1:{}/size/10", proxy.tls_port);
    probe(&proxy, &plain, &[], "http/1.1,tcp,ipv4", "none");
    probe(
        &proxy,
        &tls,
        &["--tlsv1.3", "--http1.1"],
        "http/1.1,tls/1.3,tcp,ipv4",
        "tls/1.3 same-pointer",
    );
    probe(
        &proxy,
        &tls,
        &["--tlsv1.2", "--tls-max", "1.2", "--http1.1"],
        "http/1.1,tls/1.2,tcp,ipv4",
        "tls/1.2 same-pointer",
    );
    proxy.settled_trace(3, SETTLE);
    // HTTP/1 SSN_CLOSE: the connection is gone (ATS: address NULL, fd TS_ERROR, empty stack).
    // The probe's SSN_CLOSE hook runs after the tracer's, whose line settled_trace saw: wait
    // for the probe's line too. It follows the tracer's in the same hook dispatch: 2 s is
    // slack for a loaded 2-core debug build, not a wait that is expected.
    let deadline = Instant::now() + Duration::from_secs(2);
    let err = loop {
        let err = proxy.stderr();
        let n = err
            .lines()
            .filter(|l| l.contains("probe SSN_CLOSE"))
            .count();
        if n >= 3 || Instant::now() >= deadline {
            break err;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let closes: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("probe SSN_CLOSE"))
        .collect();
    assert_eq!(closes.len(), 3, "{err}");
    for l in closes {
        assert!(l.ends_with("addr=NULL fd=TS_ERROR stack=0"), "{l}");
    }
}
