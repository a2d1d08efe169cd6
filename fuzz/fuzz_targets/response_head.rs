//! Origin response heads: the one HTTP/1 parser (`hdrs::parse::parse_response`, which the proxy
//! and the harness use), with the framing it derives.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tshost::proxy::body::{find_head_end, Framing};
use tshost::proxy::sm::parse_response;

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, head)) = data.split_first() else {
        return;
    };
    let is_head = ctl & 1 != 0;

    if let Ok((hdr, framing, status, len)) = parse_response(head, is_head) {
        assert!(len <= head.len());
        assert!(head[..len].ends_with(b"\n\n") || head[..len].ends_with(b"\n\r\n"));
        assert!((100..=999).contains(&status));
        if is_head || status == 204 || status == 304 || (100..200).contains(&status) {
            assert_eq!(framing, Framing::None);
        }
        // The proxy parses up to the end its finder gives (sm.rs read_response_head). (httparse
        // skips empty lines before a status line; the finder does not: such a head is refused,
        // 502.)
        if !head.starts_with(b"\r") && !head.starts_with(b"\n") {
            let e = find_head_end(head, 0).expect("a parsed head has an end");
            assert!(len <= e);
            let (_, f2, s2, l2) =
                parse_response(&head[..e], is_head).expect("reparse up to the end");
            assert_eq!((f2, s2, l2), (framing, status, len));
        }
        // The head as the proxy writes it to the client: parses to the same, a fixed point.
        let out = hdr.with(|h| {
            assert_eq!(h.status(), status);
            let mut out = Vec::new();
            h.write_response(&mut out);
            // TSHttpHdrLengthGet is the printed length.
            assert_eq!(h.length(), out.len(), "{:?}", String::from_utf8_lossy(&out));
            out
        });
        let (hdr2, f3, s3, l3) = match parse_response(&out, is_head) {
            Ok(r) => r,
            Err(why) => panic!(
                "written head does not parse ({why}): {:?}",
                String::from_utf8_lossy(&out)
            ),
        };
        assert_eq!((f3, s3, l3), (framing, status, out.len()));
        let out2 = hdr2.with(|h| {
            let mut o = Vec::new();
            h.write_response(&mut o);
            o
        });
        assert_eq!(out, out2);
    }
});
