//! The fields ATS gives every response it sends: Date (the origin's, else now), Age (RFC 7234's
//! current age), Server (ATS/9.2.9, replacing the origin's), and `Proxy-Connection` for a
//! client that sent one; their records and their order. Each expectation is what Debian's ATS
//! 9.2 answered for the same origin response (cache off), noted at the case.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::proxy::{Client, Origin, Proxy, Setup};

/// An origin answering every request with `head` (its fields, `{DATE-N}` replaced by the date N
/// seconds back) and the body `hi`.
fn fixed_origin(head: &'static str) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming().take(64) {
            let Ok(mut s) = s else { continue };
            std::thread::spawn(move || {
                s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match s.read(&mut chunk) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let end = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
                    buf.drain(..end);
                    let mut h = head.to_string();
                    if let Some(i) = h.find("{DATE-") {
                        let j = i + h[i..].find('}').unwrap();
                        let back: u64 = h[i + 6..j].parse().unwrap();
                        let now = SystemTime::now()
                            .duration_since(UNIX_EPOCH)
                            .unwrap()
                            .as_secs();
                        h.replace_range(i..=j, &http_date(now - back));
                    }
                    let resp = format!("HTTP/1.1 200 OK\r\n{h}Content-Length: 2\r\n\r\nhi");
                    if s.write_all(resp.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

/// `t` as an IMF-fixdate (through curl's own parser's counterpart: the date command).
fn http_date(t: u64) -> String {
    let out = std::process::Command::new("date")
        .args(["-u", "-d", &format!("@{t}"), "+%a, %d %b %Y %H:%M:%S GMT"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The response head's field names and values, in order.
fn fields(p: &Proxy, host: &str, extra: &str) -> Vec<(String, String)> {
    let mut c = Client::connect(p.port);
    c.send(format!("GET /x HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n").as_bytes());
    let r = c.response(false);
    r.headers.clone()
}

fn names(f: &[(String, String)]) -> Vec<&str> {
    f.iter().map(|(n, _)| n.as_str()).collect()
}

fn value<'a>(f: &'a [(String, String)], name: &str) -> &'a str {
    f.iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} in {f:?}"))
}

fn setup(records: &[&str], maps: &[(&str, u16)]) -> Setup {
    Setup {
        records: records.iter().map(|s| s.to_string()).collect(),
        remap: maps
            .iter()
            .flat_map(|(h, p)| {
                ["http", "https"].map(|s| format!("map {s}://{h}/ http://127.0.0.1:{p}/"))
            })
            .collect(),
        ..Default::default()
    }
}

#[test]
fn responses_get_date_age_and_server_in_atss_order() {
    let origin = Origin::start();
    let bare = fixed_origin("");
    let full = fixed_origin("Server: nginx/1\r\nDate: {DATE-100}\r\nAge: 30\r\n");
    let p = Proxy::start(
        "response-fields",
        &origin,
        setup(&[], &[("bare.test", bare), ("full.test", full)]),
    );

    // ATS: `Content-Length: 2, Date: <now>, Age: 0, Connection: keep-alive, Server: ATS/9.2.9`.
    let f = fields(&p, "bare.test", "");
    assert_eq!(
        names(&f),
        ["Content-Length", "Date", "Age", "Connection", "Server"],
        "{f:?}"
    );
    assert_eq!(value(&f, "Age"), "0");
    assert_eq!(value(&f, "Server"), "ATS/9.2.9");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let date = value(&f, "Date");
    assert!(
        date == http_date(now) || date == http_date(now - 1) || date == http_date(now - 2),
        "Date {date} is not now"
    );

    // ATS: the origin's Server replaced where it stood, its Date kept, Age the apparent age
    // (Date 100 s back, Age 30: 100).
    let f = fields(&p, "full.test", "");
    assert_eq!(
        names(&f),
        ["Server", "Date", "Age", "Content-Length", "Connection"],
        "{f:?}"
    );
    assert_eq!(value(&f, "Server"), "ATS/9.2.9");
    let age: u64 = value(&f, "Age").parse().unwrap();
    assert!((100..=102).contains(&age), "Age {age}");

    // A client that sent Proxy-Connection gets Proxy-Connection (ATS's handle_response_keep_alive
    // _headers), in Connection's place.
    let f = fields(&p, "bare.test", "Proxy-Connection: keep-alive\r\n");
    assert_eq!(
        names(&f),
        [
            "Content-Length",
            "Date",
            "Age",
            "Proxy-Connection",
            "Server"
        ],
        "{f:?}"
    );

    // A response tshost makes (no rule for the host): ATS's order, `Date, Connection, Server,
    // Cache-Control, ...`.
    let f = fields(&p, "unmapped.test", "");
    assert_eq!(
        &names(&f)[..4],
        ["Date", "Connection", "Server", "Cache-Control"],
        "{f:?}"
    );
}

#[test]
fn the_records_turn_server_and_age_off_or_keep_the_origins_server() {
    let origin = Origin::start();
    let full = fixed_origin("Server: nginx/1\r\nDate: {DATE-100}\r\nAge: 30\r\n");
    let bare = fixed_origin("");
    let maps = [("full.test", full), ("bare.test", bare)];
    // 2: only where the origin gave none.
    let p = Proxy::start(
        "response-fields-2",
        &origin,
        setup(
            &[
                "CONFIG proxy.config.http.response_server_enabled INT 2",
                "CONFIG proxy.config.http.response_server_str STRING edge/1",
                "CONFIG proxy.config.http.insert_age_in_response INT 0",
            ],
            &maps,
        ),
    );
    let f = fields(&p, "full.test", "");
    assert_eq!(value(&f, "Server"), "nginx/1");
    assert_eq!(
        names(&f),
        ["Server", "Date", "Age", "Content-Length", "Connection"]
    );
    // With insert_age_in_response 0 the origin's Age goes as it came.
    assert_eq!(value(&f, "Age"), "30");
    let f = fields(&p, "bare.test", "");
    assert_eq!(
        names(&f),
        ["Content-Length", "Date", "Connection", "Server"]
    );
    assert_eq!(value(&f, "Server"), "edge/1");
    drop(p);

    // 0: no Server field of tshost's.
    let p = Proxy::start(
        "response-fields-0",
        &origin,
        setup(
            &["CONFIG proxy.config.http.response_server_enabled INT 0"],
            &maps,
        ),
    );
    let f = fields(&p, "bare.test", "");
    assert_eq!(names(&f), ["Content-Length", "Date", "Age", "Connection"]);
    let f = fields(&p, "full.test", "");
    assert_eq!(value(&f, "Server"), "nginx/1");
}

#[test]
fn http2_responses_carry_date_age_and_server_too() {
    let origin = Origin::start();
    let bare = fixed_origin("");
    let p = Proxy::start(
        "response-fields-h2",
        &origin,
        setup(&[], &[("bare.test", bare)]),
    );
    // (The rule's host without a port: curl's :authority from the Host given.)
    let url = format!("https://127.0.0.1:{}/x", p.tls_port);
    let (code, out) = common::proxy::curl(&[
        "-k",
        "--http2",
        "-H",
        "Host: bare.test",
        "-D",
        "-",
        "-o",
        "/dev/null",
        &url,
    ]);
    assert_eq!(code, 0);
    let head = String::from_utf8_lossy(&out).to_ascii_lowercase();
    assert!(head.starts_with("http/2 200"), "{head}");
    for f in ["date: ", "age: 0", "server: ats/9.2.9"] {
        assert!(head.contains(f), "no {f} in {head}");
    }
    assert!(!head.contains("connection:"), "{head}");
}
