//! tshost-origin: a small HTTP/1.1 origin server for `make run` and the integration tests.
//!
//! Usage: tshost-origin [ADDR]   (default 127.0.0.1:8081; port 0 picks one)
//! Prints "listening on ADDR" on stdout, then serves, keep-alive, one thread per connection:
//!   /size/N     N bytes (a fixed pattern) with Content-Length
//!   /html/N     the same bytes as text/html, with Content-Length
//!   /chunked/N  the same bytes, chunked
//!   /close/N    the same bytes, delimited by closing the connection
//!   /die/N      announces 2N bytes, sends N, closes (an origin dying mid-response)
//!   /die-chunked/N  N bytes in chunks, then closes without the last chunk
//!   /slow/MS    answers after MS milliseconds
//!   /status/N   answers with status N
//!   /trailers/N the same bytes, chunked, with a trailer "X-Checksum: <FNV-1a 64 of them>"
//!   /echo       the request head as received, then "body-bytes: N" and "body-fnv: X" (FNV-1a 64
//!               of the request body) and "trailer: Name: value" per request trailer, so tests can see what the
//!               proxy forwarded
//!   /range/N    N bytes, cacheable (max-age=3600); a `Range: bytes=A-B` request gets those bytes
//!               in a 206 with Content-Range
//!   /count      how many requests (other than /count) this origin has received
//!   /preload?L&!M  an HTML page with `Link: <L>; rel=preload` for each `&`-separated target of
//!               its query (`; nopush` added for one starting with `!`), for HTTP/2 server push
//!   /esi?SRC    an ESI document (text/html, `X-Esi: 1`): `Hello, <esi:include src="SRC"/>`
//!   anything else: a short greeting
//! A query containing `then-close` makes the origin close the connection after its response
//! without announcing it (as an origin whose keep-alive timeout expired).
//! HEAD gets the same head without a body; Expect: 100-continue gets a 100 first.
#![forbid(unsafe_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

static REQUESTS: AtomicU64 = AtomicU64::new(0);

/// Byte `i` of the body pattern.
fn pattern(i: u64) -> u8 {
    ((i * 31 + 7) % 251) as u8
}

fn body(n: u64) -> Vec<u8> {
    (0..n).map(pattern).collect()
}

fn fnv(acc: u64, data: &[u8]) -> u64 {
    data.iter()
        .fold(acc, |h, b| (h ^ *b as u64).wrapping_mul(0x100000001b3))
}

const FNV_INIT: u64 = 0xcbf29ce484222325;

struct Request {
    method: String,
    path: String,
    head: Vec<u8>,
    headers: Vec<(String, String)>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn read_head(r: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut head = Vec::new();
    loop {
        let mut line = Vec::new();
        if r.read_until(b'\n', &mut line).ok()? == 0 {
            return None;
        }
        head.extend_from_slice(&line);
        if line == b"\r\n" || line == b"\n" {
            break;
        }
        if head.len() > 1 << 20 {
            return None;
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let mut lines = text.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, path) = (first.next()?.to_string(), first.next()?.to_string());
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Some(Request {
        method,
        path,
        head,
        headers,
    })
}

/// Read the request body; returns (bytes, fnv).
fn read_body(
    r: &mut BufReader<TcpStream>,
    req: &Request,
    trailers: &mut Vec<String>,
) -> Option<(u64, u64)> {
    let mut n = 0u64;
    let mut h = FNV_INIT;
    if req
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        loop {
            let mut line = String::new();
            r.read_line(&mut line).ok()?;
            let size = u64::from_str_radix(line.trim().split(';').next()?, 16).ok()?;
            if size == 0 {
                loop {
                    let mut t = String::new();
                    r.read_line(&mut t).ok()?;
                    if t == "\r\n" || t.is_empty() {
                        break;
                    }
                    trailers.push(t.trim_end().to_string());
                }
                break;
            }
            let mut buf = vec![0; size as usize];
            r.read_exact(&mut buf).ok()?;
            h = fnv(h, &buf);
            n += size;
            let mut crlf = [0; 2];
            r.read_exact(&mut crlf).ok()?;
        }
    } else if let Some(cl) = req.header("content-length") {
        let mut left: u64 = cl.parse().ok()?;
        let mut buf = vec![0; 65536];
        while left > 0 {
            let k = r.read(&mut buf[..left.min(65536) as usize]).ok()?;
            if k == 0 {
                return None;
            }
            h = fnv(h, &buf[..k]);
            n += k as u64;
            left -= k as u64;
        }
    }
    Some((n, h))
}

fn respond(
    w: &mut TcpStream,
    status: u16,
    extra: &str,
    body: &[u8],
    head_only: bool,
) -> std::io::Result<()> {
    let mut out = format!(
        "HTTP/1.1 {status} {}\r\nServer: tshost-origin\r\n{extra}",
        reason(status)
    )
    .into_bytes();
    if !extra.contains("Transfer-Encoding")
        && !extra.contains("Content-Length")
        && status != 204
        && status != 304
    {
        out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    if !head_only {
        out.extend_from_slice(body);
    }
    w.write_all(&out)
}

/// `bytes=A-B` (or `bytes=A-`) within `n` bytes: the first and last byte.
fn byte_range(v: &str, n: u64) -> Option<(u64, u64)> {
    let (a, b) = v.trim().strip_prefix("bytes=")?.split_once('-')?;
    let a: u64 = a.trim().parse().ok()?;
    let b: u64 = match b.trim() {
        "" => n.checked_sub(1)?,
        b => b.parse::<u64>().ok()?.min(n.checked_sub(1)?),
    };
    (a <= b).then_some((a, b))
}

fn reason(s: u16) -> &'static str {
    match s {
        200 => "OK",
        204 => "No Content",
        206 => "Partial Content",
        304 => "Not Modified",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "Status",
    }
}

fn number(path: &str, prefix: &str) -> Option<u64> {
    path.strip_prefix(prefix)?
        .split(['?', '/'])
        .next()?
        .parse()
        .ok()
}

fn serve(stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let mut w = match stream.try_clone() {
        Ok(w) => w,
        Err(_) => return,
    };
    let mut r = BufReader::new(stream);
    while let Some(req) = read_head(&mut r) {
        if !req.path.starts_with("/count") {
            REQUESTS.fetch_add(1, Ordering::SeqCst);
        }
        if req
            .header("expect")
            .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
            && w.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").is_err()
        {
            return;
        }
        let mut trailers = Vec::new();
        let Some((n, h)) = read_body(&mut r, &req, &mut trailers) else {
            return;
        };
        let head_only = req.method == "HEAD";
        let p = req.path.as_str();
        let res = if let Some(n) = number(p, "/size/") {
            respond(
                &mut w,
                200,
                "Content-Type: application/octet-stream\r\n",
                &body(n),
                head_only,
            )
        } else if let Some(n) = number(p, "/range/") {
            let data = body(n);
            match req.header("range").and_then(|r| byte_range(r, n)) {
                Some((a, b)) => respond(
                    &mut w,
                    206,
                    &format!("Cache-Control: max-age=3600\r\nContent-Range: bytes {a}-{b}/{n}\r\n"),
                    &data[a as usize..=b as usize],
                    head_only,
                ),
                None => respond(
                    &mut w,
                    200,
                    "Cache-Control: max-age=3600\r\n",
                    &data,
                    head_only,
                ),
            }
        } else if let Some(n) = number(p, "/html/") {
            respond(
                &mut w,
                200,
                "Content-Type: text/html\r\n",
                &body(n),
                head_only,
            )
        } else if let Some(n) = number(p, "/trailers/") {
            // N bytes chunked, then a trailer with their FNV-1a checksum.
            let data = body(n);
            let mut out = b"HTTP/1.1 200 OK\r\nServer: tshost-origin\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n".to_vec();
            if !head_only {
                for c in data.chunks(8192) {
                    out.extend_from_slice(format!("{:x}\r\n", c.len()).as_bytes());
                    out.extend_from_slice(c);
                    out.extend_from_slice(b"\r\n");
                }
                out.extend_from_slice(
                    format!("0\r\nX-Checksum: {:016x}\r\n\r\n", fnv(FNV_INIT, &data)).as_bytes(),
                );
            }
            w.write_all(&out)
        } else if let Some(n) = number(p, "/chunked/") {
            let mut out =
                b"HTTP/1.1 200 OK\r\nServer: tshost-origin\r\nTransfer-Encoding: chunked\r\n\r\n"
                    .to_vec();
            if !head_only {
                for c in body(n).chunks(8192) {
                    out.extend_from_slice(format!("{:x}\r\n", c.len()).as_bytes());
                    out.extend_from_slice(c);
                    out.extend_from_slice(b"\r\n");
                }
                out.extend_from_slice(b"0\r\n\r\n");
            }
            w.write_all(&out)
        } else if let Some(n) = number(p, "/close/") {
            let mut out =
                b"HTTP/1.1 200 OK\r\nServer: tshost-origin\r\nConnection: close\r\n\r\n".to_vec();
            out.extend_from_slice(&body(n));
            let _ = w.write_all(&out);
            return;
        } else if let Some(n) = number(p, "/die/") {
            let mut out = format!(
                "HTTP/1.1 200 OK\r\nServer: tshost-origin\r\nContent-Length: {}\r\n\r\n",
                2 * n
            )
            .into_bytes();
            out.extend_from_slice(&body(n));
            let _ = w.write_all(&out);
            return;
        } else if let Some(n) = number(p, "/die-chunked/") {
            let mut out =
                b"HTTP/1.1 200 OK\r\nServer: tshost-origin\r\nTransfer-Encoding: chunked\r\n\r\n"
                    .to_vec();
            for c in body(n).chunks(8192) {
                out.extend_from_slice(format!("{:x}\r\n", c.len()).as_bytes());
                out.extend_from_slice(c);
                out.extend_from_slice(b"\r\n");
            }
            let _ = w.write_all(&out);
            return;
        } else if let Some(ms) = number(p, "/slow/") {
            std::thread::sleep(Duration::from_millis(ms));
            respond(&mut w, 200, "", b"slow\n", head_only)
        } else if let Some(s) = number(p, "/status/") {
            let b: &[u8] = if s == 204 || s == 304 {
                b""
            } else {
                b"status\n"
            };
            respond(&mut w, s as u16, "", b, head_only)
        } else if p.starts_with("/echo") {
            let mut b = req.head.clone();
            b.extend_from_slice(format!("body-bytes: {n}\nbody-fnv: {h:016x}\n").as_bytes());
            for t in &trailers {
                b.extend_from_slice(format!("trailer: {t}\n").as_bytes());
            }
            respond(&mut w, 200, "Content-Type: text/plain\r\n", &b, head_only)
        } else if let Some(q) = p.strip_prefix("/preload?") {
            let mut links = String::new();
            for l in q.split('&').filter(|l| !l.is_empty()) {
                match l.strip_prefix('!') {
                    Some(l) => links += &format!("Link: <{l}>; rel=preload; nopush\r\n"),
                    None => links += &format!("Link: <{l}>; rel=preload\r\n"),
                }
            }
            respond(
                &mut w,
                200,
                &format!("Content-Type: text/html\r\n{links}"),
                b"<html>preload</html>\n",
                head_only,
            )
        } else if let Some(src) = p.strip_prefix("/esi?") {
            let doc =
                format!("<html>\n<body>\nHello, <esi:include src=\"{src}\"/>\n</body>\n</html>\n");
            respond(
                &mut w,
                200,
                "Content-Type: text/html\r\nX-Esi: 1\r\n",
                doc.as_bytes(),
                head_only,
            )
        } else if p.starts_with("/count") {
            respond(
                &mut w,
                200,
                "",
                format!("{}\n", REQUESTS.load(Ordering::SeqCst)).as_bytes(),
                head_only,
            )
        } else {
            respond(
                &mut w,
                200,
                "Content-Type: text/plain\r\n",
                b"hello from tshost-origin\n",
                head_only,
            )
        };
        if res.is_err()
            || p.contains("then-close")
            || req
                .header("connection")
                .is_some_and(|v| v.eq_ignore_ascii_case("close"))
        {
            return;
        }
    }
}

fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8081".into());
    let listener = match TcpListener::bind(&addr) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("tshost-origin: cannot listen on {addr}: {e}");
            std::process::exit(1);
        }
    };
    println!("listening on {}", listener.local_addr().unwrap());
    let _ = std::io::stdout().flush();
    for s in listener.incoming().flatten() {
        std::thread::spawn(move || serve(s));
    }
}
