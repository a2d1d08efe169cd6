//! The response side's byte counts (TSHttpTxn{Server,Client}Resp{Hdr,Body}BytesGet) with the
//! request side's, against the values Debian's ATS 9.2.9 gives for the same exchange; the
//! cached-request and alternate-info getters' TS_ERROR (no cache).

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use common::proxy::{raw_request, Origin, Proxy, Setup};
use common::{build_plugin, crate_dir, temp_dir, Header};

/// The origin's fixed answer: a 47-byte head, an 11-byte body.
const ANSWER: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\nX-A: 1\r\n\r\nhello world";

/// An origin that answers every request (head, then `Content-Length` bytes of body) with
/// [`ANSWER`] and closes.
fn fixed_origin() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut c in l.incoming().flatten() {
            c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut got = Vec::new();
            let mut b = [0u8; 4096];
            let head_end = loop {
                match c.read(&mut b) {
                    Ok(n) if n > 0 => got.extend_from_slice(&b[..n]),
                    _ => break None,
                }
                if let Some(i) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                    break Some(i + 4);
                }
            };
            let Some(head_end) = head_end else { continue };
            let head = String::from_utf8_lossy(&got[..head_end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            while got.len() < head_end + len {
                match c.read(&mut b) {
                    Ok(n) if n > 0 => got.extend_from_slice(&b[..n]),
                    _ => break,
                }
            }
            let _ = c.write_all(ANSWER);
        }
    });
    port
}

/// A POST with a 6-byte body through a C plugin that prints the eight counts at
/// READ_RESPONSE_HDR, SEND_RESPONSE_HDR and TXN_CLOSE. On Debian's ATS 9.2.9 (the same plugin,
/// the same origin answer): the origin's head (47) from READ_RESPONSE_HDR on; the client head 0
/// until it is written (after SEND_RESPONSE_HDR), then its size as sent; both bodies (11) at
/// TXN_CLOSE. TSHttpTxnCachedReqGet and the TSHttpAltInfo getters say TS_ERROR.
#[test]
fn response_byte_counts_are_atss_and_cache_getters_fail() {
    let d = temp_dir("resp-bytes");
    let so = d.join("resp_bytes.so");
    build_plugin(
        &crate_dir().join("tests/c/resp_bytes.c"),
        &so,
        Header::Debian,
    );
    let origin = Origin::start();
    let fixed = fixed_origin();
    let p = Proxy::start(
        "resp-bytes",
        &origin,
        Setup {
            plugins: vec![so.display().to_string()],
            remap: vec![format!("map http://fixed.test/ http://127.0.0.1:{fixed}/")],
            ..Default::default()
        },
    );
    let req: &[u8] =
        b"POST /plain HTTP/1.1\r\nHost: fixed.test\r\nContent-Length: 6\r\nConnection: close\r\n\r\nabcdef";
    let r = raw_request(p.port, req);
    let text = String::from_utf8_lossy(&r).to_string();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}\n{}", p.stderr());
    assert!(text.ends_with("\r\n\r\nhello world"), "{text}");
    let client_head = text.find("\r\n\r\n").unwrap() + 4;
    let creq_hdr = req.len() - 6;
    let wait = |s: &str| {
        assert!(
            p.wait_for_stderr(s, Duration::from_secs(5)),
            "missing {s:?}\n{}",
            p.stderr()
        )
    };
    for alt in ["alt client_req", "alt cached_req", "alt cached_resp"] {
        wait(&format!("{alt}: error"));
    }
    wait("cached_req: error");
    // The server request head is tshost's own (its length is what it wrote): read it back.
    let err = p.stderr();
    let sreq_hdr: usize = err
        .split("sreq_hdr=")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{err}"));
    assert!(sreq_hdr > 0, "{err}");
    let common = format!("creq_hdr={creq_hdr} creq_body=6 sreq_hdr={sreq_hdr} sreq_body=6");
    wait(&format!(
        "bytes read_response_hdr: {common} sresp_hdr=47 sresp_body=0 cresp_hdr=0 cresp_body=0"
    ));
    wait(&format!(
        "bytes send_response_hdr: {common} sresp_hdr=47 sresp_body=0 cresp_hdr=0 cresp_body=0"
    ));
    wait(&format!(
        "bytes txn_close: {common} sresp_hdr=47 sresp_body=11 cresp_hdr={client_head} cresp_body=11"
    ));
    wait("TSHttpTxnClientIncomingPortSet: port 70000 is out of range");
    wait("TSHttpAltInfoCachedRespGet: NULL alternate info");
}
