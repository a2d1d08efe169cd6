//! The state machine's unit tests.
use super::*;
use crate::hdrs::parse::*;

fn framing(head: &str) -> Result<Framing, &'static str> {
    parse_request(head.as_bytes()).map(|p| p.framing)
}

#[test]
fn a_bare_lf_head_ends_at_its_first_empty_line() {
    // Found to end at the later CRLF CRLF (the fast search), parsed to its real end.
    let two = b"GET /a HTTP/1.1\nHost: a\n\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n";
    let p = parse_request(two).unwrap();
    assert_eq!(p.len, b"GET /a HTTP/1.1\nHost: a\n\n".len());
    let resp = b"HTTP/1.1 200 OK\nContent-Length: 0\n\nHTTP/1.1 200 OK\r\n\r\n";
    let (_, _, status, len) = parse_response(resp, false).unwrap();
    assert_eq!(
        (status, len),
        (200, b"HTTP/1.1 200 OK\nContent-Length: 0\n\n".len())
    );
}

#[test]
fn connect_target_not_authority_form_is_refused() {
    // Found by fuzzing: the Host field's bytes became the forwarded request target.
    assert!(
        parse_request(b"CONNECT uxampQlA.com:]43 HTTP/1.1\r\nHost: exos\xe3om:886\r\n\r\n")
            .is_err()
    );
    assert!(parse_request(b"CONNECT /p HTTP/1.1\r\nHost: a:443\r\n\r\n").is_err());
    // Without a port (colons in the host: no port at all), it went out as host:443, a
    // different target each time it was parsed and written.
    assert!(parse_request(b"CONNECT a.com:4.com:443 HTTP/1.1\r\nHost: a\r\n\r\n").is_err());
    assert!(parse_request(b"CONNECT a.example HTTP/1.1\r\nHost: a\r\n\r\n").is_err());
    let p =
        parse_request(b"CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n").unwrap();
    let mut out = Vec::new();
    p.hdr.write_request(&mut out);
    assert!(out.starts_with(b"CONNECT a.example:443 HTTP/1.1\r\n"));
}

#[test]
fn request_target_that_is_not_a_url_is_refused() {
    // Found by fuzzing: it was taken as a path, and forwarded as `/` + the target.
    assert!(parse_request(b"GET http://amtp://o.example/? HTTP/1.0\r\n\r\n").is_err());
    let p = parse_request(b"GET http://o.example/a?b HTTP/1.0\r\n\r\n").unwrap();
    let mut out = Vec::new();
    p.hdr.write_request(&mut out);
    assert!(out.starts_with(b"GET /a?b HTTP/1.0\r\n"));
}

#[test]
fn origin_status_under_100_is_refused() {
    // Found by fuzzing: `011` parsed as 11 and was printed to the client as `11`.
    assert!(parse_response(b"HTTP/1.0 011\n\n", false).is_err());
    assert!(parse_response(b"HTTP/1.1 000 x\r\n\r\n", false).is_err());
    let (_, _, status, _) = parse_response(b"HTTP/1.1 100 Continue\r\n\r\n", false).unwrap();
    assert_eq!(status, 100);
}

#[test]
fn ambiguous_requests_are_refused() {
    assert!(framing(
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .is_err());
    assert!(framing(
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"
    )
    .is_err());
    assert!(framing("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n").is_err());
    assert!(
        framing("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n").is_err()
    );
    assert!(
        framing("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n").is_err()
    );
    assert!(framing("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n").is_err());
    assert!(
        framing("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n").is_err(),
        "obs-fold"
    );
    assert!(
        framing("GET / HTTP/1.1\r\nX: a\r\n\r\n").is_err(),
        "1.1 without Host"
    );
    // An absolute-form target names the host: no Host field needed (as ATS).
    assert_eq!(
        framing("GET HTTP://www.example.test/ HTTP/1.1\r\n\r\n"),
        Ok(Framing::None)
    );
    assert_eq!(
        framing("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"),
        Ok(Framing::Length(5))
    );
    assert_eq!(
        framing("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n"),
        Ok(Framing::Chunked)
    );
    assert_eq!(framing("GET / HTTP/1.0\r\n\r\n"), Ok(Framing::None));
}

fn names(h: &HttpHdr) -> Vec<String> {
    h.fields()
        .map(|(n, _)| String::from_utf8_lossy(n).to_ascii_lowercase())
        .collect()
}

#[test]
fn hop_by_hop_fields_and_the_ones_connection_names_are_stripped() {
    // Every name of the fixed list (well-known strings and others alike, any case), the
    // names the Connection field lists (a well-known one and others, blanks and empty
    // items skipped), and nothing else: Content-Length stays even when Connection names it
    // (the framing is the caller's).
    let mut fields: Vec<(&[u8], &[u8])> = HOP_BY_HOP
        .iter()
        .filter(|n| **n != b"connection")
        .map(|n| (*n, &b"x"[..]))
        .collect();
    fields.extend([
        (
            &b"CONNECTION"[..],
            &b" , X-One ,cache-control,, content-length"[..],
        ),
        (b"Connection", b"x-two"),
        (b"X-One", b"1"),
        (b"x-two", b"2"),
        (b"Cache-Control", b"no-cache"),
        (b"Content-Length", b"3"),
        (b"X-Kept", b"k"),
        (b"Date", b"d"),
        (b"PROXY-AUTHENTICATE", b"p"),
        (b"Keep-Alive", b"timeout=5"),
    ]);
    let mut h = HttpHdr::response((1, 1), 200, b"OK", &fields);
    strip_hop_by_hop(&mut h);
    assert_eq!(names(&h), ["content-length", "x-kept", "date"]);
    // Without a Connection field only the fixed list goes.
    let mut h = HttpHdr::response(
        (1, 1),
        200,
        b"OK",
        &[
            (b"TE", b"trailers"),
            (b"X-A", b"a"),
            (b"Upgrade", b"h2c"),
            (b"X-B", b"b"),
        ],
    );
    strip_hop_by_hop(&mut h);
    assert_eq!(names(&h), ["x-a", "x-b"]);
}

#[test]
fn request_and_field_lines_are_limited_exactly() {
    // A line's length counts up to its LF (the CR included), as ATS counts.
    let head = b"GET /abcdef HTTP/1.1\r\nHost: a.example\r\nX-Long: 0123456789\r\n\r\n";
    let line = b"GET /abcdef HTTP/1.1\r".len();
    let field = b"X-Long: 0123456789\r".len();
    assert_eq!(lines_within(head, line, field), Ok(()));
    assert_eq!(
        lines_within(head, line - 1, field),
        Err("request line too long")
    );
    assert_eq!(
        lines_within(head, line, field - 1),
        Err("header field too long")
    );
    // A head no longer than both limits is not looked at.
    assert_eq!(lines_within(b"GET / HTTP/1.1\r\n\r\n", 19, 19), Ok(()));
    assert_eq!(lines_within(b"GET / HTTP/1.1\r\n\r\n", 18, 19), Ok(()));
    assert_eq!(
        lines_within(b"GET / HTTP/1.1\r\n\r\n", 14, 30),
        Err("request line too long")
    );
}

#[test]
fn content_lengths_are_decimal_and_agree() {
    assert_eq!(parse_length(b"0"), Some(0));
    assert_eq!(
        parse_length(b"999999999999999999"),
        Some(999_999_999_999_999_999)
    );
    assert_eq!(parse_length(b"1000000000000000000"), None, "19 digits");
    for bad in [&b""[..], b"+1", b"-1", b"1 ", b"0x1", b"1.0"] {
        assert_eq!(parse_length(bad), None, "{bad:?}");
    }
    assert_eq!(content_length([&b"5"[..], b" 5 , 5"]), Ok(Some(5)));
    assert_eq!(content_length(Vec::<&[u8]>::new()), Ok(None));
    assert_eq!(
        content_length([&b"5"[..], b"6"]),
        Err("differing Content-Length values")
    );
    assert_eq!(content_length([&b"5,,5"[..]]), Err("bad Content-Length"));
    assert_eq!(
        framing("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"),
        Ok(Framing::None)
    );
    assert_eq!(
        framing("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked,\r\n\r\n"),
        Ok(Framing::Chunked)
    );
    assert_eq!(
        framing(
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
        ),
        Err("Transfer-Encoding other than chunked")
    );
}

#[test]
fn response_framing_follows_status_codings_and_length() {
    let f = |head: &str, is_head: bool| parse_response(head.as_bytes(), is_head).map(|r| r.1);
    let cl = "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n";
    assert_eq!(f(cl, false), Ok(Framing::Length(7)));
    assert_eq!(f(cl, true), Ok(Framing::None), "HEAD");
    for status in ["100", "199", "204", "304"] {
        let head = format!("HTTP/1.1 {status} X\r\nContent-Length: 7\r\n\r\n");
        assert_eq!(f(&head, false), Ok(Framing::None), "{status}");
    }
    for status in ["200", "203", "205", "303", "305"] {
        let head = format!("HTTP/1.1 {status} X\r\nContent-Length: 7\r\n\r\n");
        assert_eq!(f(&head, false), Ok(Framing::Length(7)), "{status}");
    }
    let te = |v: &str| {
        f(
            &format!("HTTP/1.1 200 OK\r\nTransfer-Encoding: {v}\r\n\r\n"),
            false,
        )
    };
    assert_eq!(te("gzip, Chunked "), Ok(Framing::Chunked));
    assert_eq!(te("chunked, gzip"), Ok(Framing::Close));
    assert_eq!(te("gzip"), Ok(Framing::Close));
    assert_eq!(te(""), Ok(Framing::Close));
    // The last Transfer-Encoding field counts.
    assert_eq!(
        f(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
            false
        ),
        Ok(Framing::Chunked)
    );
    assert_eq!(f("HTTP/1.1 200 OK\r\n\r\n", false), Ok(Framing::Close));
    assert_eq!(
        f(
            "HTTP/1.1 200 OK\r\nContent-Length: 7\r\nTransfer-Encoding: chunked\r\n\r\n",
            false
        ),
        Err("both Content-Length and Transfer-Encoding")
    );
    assert_eq!(
        f(
            "HTTP/1.1 204 OK\r\nContent-Length: 7\r\nContent-Length: 8\r\n\r\n",
            false
        ),
        Err("differing Content-Length values")
    );
    assert!(last_coding_is_chunked(b" x ,chunked"));
    assert!(!last_coding_is_chunked(b""));
    assert!(!last_coding_is_chunked(b"chunkedx"));
}

#[test]
fn keep_alive_is_asked_as_the_version_says() {
    let req = |head: &str| parse_request(head.as_bytes()).unwrap().hdr;
    assert!(wants_keep_alive(&req("GET / HTTP/1.1\r\nHost: a\r\n\r\n")));
    assert!(!wants_keep_alive(&req(
        "GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, Close\r\n\r\n"
    )));
    assert!(!wants_keep_alive(&req("GET / HTTP/1.0\r\n\r\n")));
    assert!(wants_keep_alive(&req(
        "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"
    )));
}

#[test]
fn client_framing_for_each_origin_framing_and_version() {
    let resp =
        |status: u16, fields: &[(&[u8], &[u8])]| HttpHdr::response((1, 1), status, b"X", fields);
    // A length: exactly one Content-Length.
    let mut h = resp(200, &[(b"Content-Length", b"5"), (b"Content-Length", b"5")]);
    assert_eq!(
        client_body_framing(&mut h, Framing::Length(5), true, false),
        Framing::Length(5)
    );
    assert_eq!(h.only_field(b"content-length"), Some(&b"5"[..]));
    // No body: Content-Length 0.
    let mut h = resp(200, &[]);
    assert_eq!(
        client_body_framing(&mut h, Framing::None, true, false),
        Framing::None
    );
    assert_eq!(h.only_field(b"content-length"), Some(&b"0"[..]));
    // Chunked or close-delimited: chunked for HTTP/1.1, close for HTTP/1.0 (no length).
    for origin in [Framing::Chunked, Framing::Close] {
        let mut h = resp(200, &[(b"Transfer-Encoding", b"chunked")]);
        assert_eq!(
            client_body_framing(&mut h, origin, true, false),
            Framing::Chunked
        );
        assert_eq!(h.field(b"transfer-encoding"), Some(&b"chunked"[..]));
        let mut h = resp(200, &[(b"Transfer-Encoding", b"chunked")]);
        assert_eq!(
            client_body_framing(&mut h, origin, false, false),
            Framing::Close
        );
        assert_eq!(names(&h), Vec::<String>::new());
    }
    // Bodiless statuses and HEAD keep the origin's length, made one field.
    for (status, is_head) in [
        (204, false),
        (304, false),
        (100, false),
        (199, false),
        (200, true),
    ] {
        let mut h = resp(
            status,
            &[(b"Content-Length", b"9"), (b"Content-Length", b"9")],
        );
        assert_eq!(
            client_body_framing(&mut h, Framing::Length(9), true, is_head),
            Framing::None,
            "{status}"
        );
        assert_eq!(h.only_field(b"content-length"), Some(&b"9"[..]), "{status}");
    }
    let mut h = resp(200, &[(b"Content-Length", b"9")]);
    assert_eq!(
        client_body_framing(&mut h, Framing::Length(9), true, false),
        Framing::Length(9)
    );
}

#[test]
fn status_of_a_response_head_is_read_from_its_status_line_only() {
    assert_eq!(response_status(b"HTTP/1.1 200 OK\r\n"), Some(200));
    assert_eq!(response_status(b"HTTP/1.0 404\r\n"), Some(404));
    assert_eq!(response_status(b"HTTP/1.1 100\n"), Some(100));
    assert_eq!(response_status(b"HTTP/2.0 200 OK\r\n"), None);
    assert_eq!(response_status(b"HTTP/1.1 20 OK\r\n"), None);
    assert_eq!(response_status(b"HTTP/1.1 2000 OK\r\n"), None);
    assert_eq!(response_status(b"HTTP/1.1 2x0 OK\r\n"), None);
    assert_eq!(response_status(b"HTTP/1.1 200"), None, "cut short");
}

#[test]
fn host_and_port() {
    assert_eq!(
        split_host_port(b" a.example:8080 "),
        (&b"a.example"[..], Some(8080))
    );
    assert_eq!(split_host_port(b"a.example"), (&b"a.example"[..], None));
    assert_eq!(split_host_port(b"a.example:x"), (&b"a.example"[..], None));
    assert_eq!(split_host_port(b"[::1]:81"), (&b"::1"[..], Some(81)));
    assert_eq!(split_host_port(b"[::1]"), (&b"::1"[..], None));
    assert_eq!(split_host_port(b"::1"), (&b"::1"[..], None));
    for p in [
        "80",
        "+80",
        "0080",
        "65535",
        "65536",
        "",
        "+",
        "8a",
        "-1",
        "99999999999",
    ] {
        let host = format!("h:{p}");
        assert_eq!(
            split_host_port(host.as_bytes()).1,
            p.parse::<u16>().ok(),
            "{p:?}"
        );
    }
}
