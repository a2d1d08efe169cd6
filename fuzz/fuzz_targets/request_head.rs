//! Request heads: the proxy's head finder (`find_head_end`, `Conn::buffered_head`,
//! `Conn::read_head` over a stream cut in fuzzer-chosen pieces), its parser
//! (`hdrs::parse::parse_request`, the one HTTP/1 parser: the proxy's and the harness's).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tshost::proxy::body::{find_head_end, Conn, HeadError};
use tshost::proxy::sm::parse_request;
use tshost_fuzz::{split_input, Pieces};

/// A head that ends with an empty line: LF LF or LF CR LF.
fn ends_with_empty_line(h: &[u8]) -> bool {
    h.ends_with(b"\n\n") || h.ends_with(b"\n\r\n")
}

fuzz_target!(|data: &[u8]| {
    let (ctl, sizes, head) = split_input(data);

    // The finder: an end within the input, just past an empty line.
    let end = find_head_end(head, 0);
    if let Some(e) = end {
        assert!(e >= 2 && e <= head.len());
        assert!(ends_with_empty_line(&head[..e]));
    }
    // Scanning on from 3 bytes before where the last read ended (as read_head does) finds what
    // a scan of the whole buffer finds.
    for &k in &sizes {
        let k = k.min(head.len());
        if find_head_end(&head[..k], 0).is_none() {
            assert_eq!(find_head_end(head, k.saturating_sub(3)), end, "k={k}");
        }
    }

    // The buffered head, and the same head read from a stream in pieces.
    let max = if ctl & 0x80 != 0 {
        head.len() / 2
    } else {
        64 * 1024
    };
    let mut conn = Conn::new(Pieces::new(b"", Vec::new()));
    conn.buf.extend_from_slice(head);
    match conn.buffered_head(max) {
        None => assert!(end.is_none()),
        Some(Ok(Some(n))) => assert!(Some(n) == end && n <= max),
        Some(Err(HeadError::TooLarge)) => assert!(end.unwrap() > max),
        Some(other) => panic!("buffered_head: {other:?}"),
    }
    let mut conn = Conn::new(Pieces::new(head, sizes.clone()));
    match futures::executor::block_on(conn.read_head(max)) {
        Ok(None) => assert!(head.is_empty()),
        Ok(Some(n)) => {
            assert!(n <= max && n <= conn.buf.len());
            assert!(ends_with_empty_line(&conn.buf[..n]));
            // Never past the first end of the bytes buffered.
            assert!(find_head_end(&conn.buf[..n], 0) == Some(n));
        }
        Err(HeadError::Truncated) => assert!(end.is_none() && !head.is_empty()),
        Err(HeadError::TooLarge) => {}
        Err(e) => panic!("read_head: {e:?}"),
    }

    // The proxy's parser. It is given the bytes up to the head end found (sm.rs), so that cut
    // must not change what it parses; the head ends at its first empty line.
    if let Ok(p) = parse_request(head) {
        assert!(p.len <= head.len());
        assert!(ends_with_empty_line(&head[..p.len]));
        assert!(p.version == (1, 0) || p.version == (1, 1));
        // (httparse skips empty lines before a request line; the finder does not: a head that
        // starts with two is refused by the proxy, which answers 400.)
        if !head.starts_with(b"\r") && !head.starts_with(b"\n") {
            let e = end.expect("a parsed head has an end");
            assert!(p.len <= e);
            let again = parse_request(&head[..e]).expect("reparse up to the found end");
            assert_eq!(again.len, p.len);
            assert_eq!(again.framing, p.framing);
        }
        // What goes to the origin parses, and is a fixed point of parse -> write. The proxy
        // writes it after ATS's request defaults (an absolute-form request, which needs no Host
        // field, gets one from its URL), in origin form.
        let mut hdr = p.hdr.clone();
        hdr.apply_client_request_defaults(false);
        if hdr.version() >= (1, 1) && hdr.field(b"host").is_none() {
            // Max-Forwards: 0 keeps ATS from adding Host: nothing to reparse in origin form.
            return;
        }
        let mut out = Vec::new();
        hdr.write_request(&mut out);
        let q = match parse_request(&out) {
            Ok(q) => q,
            Err(why) => panic!(
                "written head does not parse ({why}): {:?}",
                String::from_utf8_lossy(&out)
            ),
        };
        assert_eq!(q.len, out.len());
        assert_eq!(q.framing, p.framing);
        assert_eq!(q.version, p.version);
        let mut out2 = Vec::new();
        q.hdr.write_request(&mut out2);
        assert_eq!(out, out2);
    }
});
