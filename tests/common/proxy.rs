//! Running the real proxy in tests: a `tshost-origin`, a `tshost` configured to forward to it on
//! ephemeral loopback ports with `hook_trace` loaded, and the checks every test makes on the hook
//! trace (starts == closes, nesting, order).
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use super::{build_plugin, crate_dir, temp_dir, tshost, Header};

/// A running tshost-origin.
pub struct Origin {
    child: Child,
    pub port: u16,
}

impl Origin {
    pub fn start() -> Origin {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tshost-origin"))
            .arg("127.0.0.1:0")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start tshost-origin");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .rsplit(':')
            .next()
            .unwrap()
            .parse()
            .expect("origin port");
        Origin { child, port }
    }

    /// Requests it has received (other than /count).
    pub fn count(&self) -> u64 {
        let r = raw_request(
            self.port,
            b"GET /count HTTP/1.1\r\nHost: o\r\nConnection: close\r\n\r\n",
        );
        let text = String::from_utf8_lossy(&r);
        text.rsplit("\r\n\r\n")
            .next()
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }
}

impl Drop for Origin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a test wants in its configuration directory besides the defaults.
#[derive(Default)]
pub struct Setup {
    /// Extra records.config lines.
    pub records: Vec<String>,
    /// Extra plugin.config lines (after hook_trace).
    pub plugins: Vec<String>,
    /// Extra remap.config lines (after the default rules).
    pub remap: Vec<String>,
    /// ssl_multicert.config content.
    pub multicert: Option<String>,
    /// Files to write into the directory (name, content).
    pub files: Vec<(String, Vec<u8>)>,
}

/// A running tshost with hook_trace, forwarding `example.com` (http and https) to an origin.
pub struct Proxy {
    child: Child,
    stderr: Arc<(Mutex<String>, Condvar)>,
    pub dir: PathBuf,
    pub port: u16,
    pub tls_port: u16,
    pub trace: PathBuf,
}

/// hook_trace.so built once per test binary.
pub fn hook_trace_so() -> PathBuf {
    static SO: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    SO.get_or_init(|| {
        let d = temp_dir("proxy-plugins");
        let so = d.join("hook_trace.so");
        build_plugin(
            &crate_dir().join("plugins-c/hook_trace.c"),
            &so,
            Header::Ours,
        );
        so
    })
    .clone()
}

impl Proxy {
    /// Start tshost for `origin` in a fresh config dir named after the test.
    pub fn start(name: &str, origin: &Origin, setup: Setup) -> Proxy {
        let dir = temp_dir(&format!("proxy-{name}"));
        let trace = dir.join("trace.log");
        let mut records = vec![
            "CONFIG proxy.config.http.server_ports STRING 0:ip-in=127.0.0.1 0:ssl:ip-in=127.0.0.1"
                .to_string(),
            "CONFIG proxy.config.exec_thread.limit INT 2".to_string(),
        ];
        records.extend(setup.records);
        std::fs::write(dir.join("records.config"), records.join("\n") + "\n").unwrap();
        // --vconn: the connection hooks too, so that check_invariants checks their laws.
        let mut plugins = vec![format!(
            "{} --vconn {}",
            hook_trace_so().display(),
            trace.display()
        )];
        plugins.extend(setup.plugins);
        std::fs::write(dir.join("plugin.config"), plugins.join("\n") + "\n").unwrap();
        let mut remap = vec![
            format!("map http://example.com/ http://127.0.0.1:{}/", origin.port),
            format!("map https://example.com/ http://127.0.0.1:{}/", origin.port),
        ];
        remap.extend(setup.remap);
        std::fs::write(dir.join("remap.config"), remap.join("\n") + "\n").unwrap();
        if let Some(m) = setup.multicert {
            std::fs::write(dir.join("ssl_multicert.config"), m).unwrap();
        }
        for (name, content) in setup.files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, content).unwrap();
        }
        let mut child = tshost()
            .arg("--config-dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start tshost");
        let pipe = child.stderr.take().unwrap();
        let stderr = Arc::new((Mutex::new(String::new()), Condvar::new()));
        let sink = stderr.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                let (t, cv) = &*sink;
                t.lock().unwrap().push_str(&(line + "\n"));
                cv.notify_all();
            }
        });
        let mut p = Proxy {
            child,
            stderr,
            dir,
            port: 0,
            tls_port: 0,
            trace,
        };
        assert!(
            p.wait_for_stderr("started", Duration::from_secs(20)),
            "tshost did not start:\n{}",
            p.stderr()
        );
        for line in p.stderr().lines().filter(|l| l.contains("listening on")) {
            let port: u16 = line
                .split("listening on ")
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap()
                .rsplit(':')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            if line.contains("(tls)") {
                p.tls_port = port;
            } else {
                p.port = port;
            }
        }
        assert!(
            p.port != 0 && p.tls_port != 0,
            "ports not found:\n{}",
            p.stderr()
        );
        p
    }

    /// The tshost process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn stderr(&self) -> String {
        self.stderr.0.lock().unwrap().clone()
    }

    pub fn wait_for_stderr(&self, needle: &str, timeout: Duration) -> bool {
        let end = Instant::now() + timeout;
        let (text, cv) = &*self.stderr;
        let mut t = text.lock().unwrap();
        while !t.contains(needle) {
            let now = Instant::now();
            if now >= end {
                return false;
            }
            t = cv.wait_timeout(t, end - now).unwrap().0;
        }
        true
    }

    /// SIGTERM and wait for the exit (None: still running after `timeout`).
    pub fn terminate(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let end = Instant::now() + timeout;
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return Some(st);
            }
            if Instant::now() >= end {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The hook trace lines so far.
    pub fn trace_lines(&self) -> Vec<String> {
        std::fs::read_to_string(&self.trace)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Wait until the trace shows `sessions` SSN_CLOSEs (sessions close asynchronously after a
    /// client leaves) and then stays quiet for [`TRACE_QUIET`], so that an event written after
    /// the last expected one (a second TXN_CLOSE or SSN_CLOSE) is in what is checked; then check
    /// the invariants and the exact SSN_CLOSE count. Returns the trace.
    pub fn settled_trace(&self, sessions: usize, timeout: Duration) -> Vec<String> {
        let end = Instant::now() + timeout;
        let (mut len, mut changed) = (usize::MAX, Instant::now());
        loop {
            let t = self.trace_lines();
            if t.len() != len {
                (len, changed) = (t.len(), Instant::now());
            }
            let closes = t.iter().filter(|l| l.starts_with("SSN_CLOSE")).count();
            let quiet = changed.elapsed() >= TRACE_QUIET;
            if (closes >= sessions && quiet) || Instant::now() >= end {
                check_invariants(&t);
                assert_eq!(
                    closes,
                    sessions,
                    "SSN_CLOSE count; trace:\n{}",
                    t.join("\n")
                );
                return t;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// How long a trace must stay unchanged to count as settled. A duplicate close would be written
/// by the same task microseconds after the first; 250 ms is that with room for a loaded 2-core
/// machine descheduling the proxy, and costs 250 ms per settled trace.
pub const TRACE_QUIET: Duration = Duration::from_millis(250);

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// ATS's transaction hook order; a transaction may skip hooks but never reorder them.
pub const TXN_ORDER: [&str; 10] = [
    "TXN_START",
    "READ_REQUEST_HDR",
    "PRE_REMAP",
    "POST_REMAP",
    "OS_DNS",
    "CACHE_LOOKUP_COMPLETE",
    "SEND_REQUEST_HDR",
    "READ_RESPONSE_HDR",
    "SEND_RESPONSE_HDR",
    "TXN_CLOSE",
];

fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    line.split(' ')
        .find_map(|w| w.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
}

/// The lifecycle laws on a hook_trace log: every SSN_START has one SSN_CLOSE, every TXN_START one
/// TXN_CLOSE; a session's transactions start after its SSN_START and close before its SSN_CLOSE;
/// nothing about a transaction after its TXN_CLOSE; hooks of a transaction in ATS's order; a TLS
/// connection's VCONN_START once, its VCONN_CLOSE once and after it, and its session's SSN_START
/// between the two (`--vconn` lines).
pub fn check_invariants(trace: &[String]) {
    let dump = || trace.join("\n");
    let mut vconns: HashMap<String, u8> = HashMap::new(); // 1 open, 2 closed
    let mut ssn_state: HashMap<String, u8> = HashMap::new(); // 1 open, 2 closed
    let mut txn_pos: HashMap<String, usize> = HashMap::new(); // index in TXN_ORDER, 99 closed
    let mut txn_ssn: HashMap<String, String> = HashMap::new();
    for line in trace {
        let ev = line.split(' ').next().unwrap_or("");
        let ssn = field(line, "ssn").unwrap_or("-").to_string();
        let txn = field(line, "txn").unwrap_or("-").to_string();
        let vc = field(line, "vc").unwrap_or("-").to_string();
        match ev {
            "VCONN_START" => {
                // A handle is used again after its connection closed (and a quarantine).
                assert_ne!(
                    vconns.insert(vc.clone(), 1),
                    Some(1),
                    "second VCONN_START of open connection {vc}:\n{}",
                    dump()
                );
            }
            "VCONN_CLOSE" => {
                assert_eq!(
                    vconns.insert(vc.clone(), 2),
                    Some(1),
                    "VCONN_CLOSE of {vc} not after one VCONN_START:\n{}",
                    dump()
                );
            }
            "SSN_START" => {
                // A TLS session starts inside its connection's VCONN_START/VCONN_CLOSE (a plain
                // one's connection has no such hooks).
                if let Some(state) = vconns.get(&vc) {
                    assert_eq!(*state, 1, "{line}: its connection closed:\n{}", dump());
                }
                assert!(
                    ssn_state.insert(ssn.clone(), 1).is_none(),
                    "second SSN_START of {ssn}:\n{}",
                    dump()
                );
            }
            "SSN_CLOSE" => {
                assert_eq!(
                    ssn_state.insert(ssn.clone(), 2),
                    Some(1),
                    "SSN_CLOSE of {ssn} not after one SSN_START:\n{}",
                    dump()
                );
                for (t, s) in &txn_ssn {
                    if *s == ssn {
                        assert_eq!(
                            txn_pos.get(t),
                            Some(&99),
                            "SSN_CLOSE of {ssn} before TXN_CLOSE of {t}:\n{}",
                            dump()
                        );
                    }
                }
            }
            _ => {
                let pos = TXN_ORDER
                    .iter()
                    .position(|h| *h == ev)
                    .unwrap_or_else(|| panic!("unknown event line {line}"));
                assert_eq!(
                    ssn_state.get(&ssn),
                    Some(&1),
                    "{line}: session not open:\n{}",
                    dump()
                );
                if ev == "TXN_START" {
                    assert!(
                        txn_pos.insert(txn.clone(), 0).is_none(),
                        "second TXN_START of {txn}:\n{}",
                        dump()
                    );
                    txn_ssn.insert(txn.clone(), ssn.clone());
                    continue;
                }
                let prev = *txn_pos
                    .get(&txn)
                    .unwrap_or_else(|| panic!("{line} without TXN_START:\n{}", dump()));
                assert!(prev != 99, "{line} after TXN_CLOSE:\n{}", dump());
                assert!(
                    pos > prev || (ev == "SEND_REQUEST_HDR" && prev == pos),
                    "{line} out of order:\n{}",
                    dump()
                );
                txn_pos.insert(txn.clone(), if ev == "TXN_CLOSE" { 99 } else { pos });
            }
        }
    }
    for (t, p) in &txn_pos {
        assert_eq!(*p, 99, "transaction {t} never closed:\n{}", dump());
    }
    let starts = trace.iter().filter(|l| l.starts_with("TXN_START")).count();
    let closes = trace.iter().filter(|l| l.starts_with("TXN_CLOSE")).count();
    assert_eq!(starts, closes, "TXN_START vs TXN_CLOSE:\n{}", dump());
}

/// Send raw bytes, read until the peer closes (or 5 s pass); returns what came back.
pub fn raw_request(port: u16, req: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(req).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

/// Run curl with these arguments; returns (exit status, stdout).
pub fn curl(args: &[&str]) -> (i32, Vec<u8>) {
    let out = Command::new("curl")
        .args(["-s", "--max-time", "20"])
        .args(args)
        .output()
        .expect("curl (apt-get install curl)");
    (out.status.code().unwrap_or(-1), out.stdout)
}

/// Byte `i` of tshost-origin's body pattern.
pub fn pattern(n: u64) -> Vec<u8> {
    (0..n).map(|i| ((i * 31 + 7) % 251) as u8).collect()
}

/// FNV-1a 64 as tshost-origin's /echo reports it.
pub fn fnv(data: &[u8]) -> String {
    let h = data.iter().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ *b as u64).wrapping_mul(0x100000001b3)
    });
    format!("{h:016x}")
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// An HTTP/1.x response as read off the wire by [`Client`].
#[derive(Debug)]
pub struct Response {
    /// "HTTP/1.1", "HTTP/1.0".
    pub version: String,
    pub status: u16,
    /// The head as received (status line and fields, CRLFs included).
    pub head: String,
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
    /// The body was chunked.
    pub chunked: bool,
}

impl Response {
    /// The first field named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn has_header(&self, name: &str) -> bool {
        self.header(name).is_some()
    }

    pub fn body_str(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A raw HTTP/1.x client over any byte stream (TCP, TLS): sends bytes, reads responses with
/// their framing checked strictly, tells whether the peer closed. Every read has a timeout (set
/// on the socket), so a test never hangs.
pub struct Client<S> {
    pub stream: S,
    buf: Vec<u8>,
}

/// How long one read may wait before a [`Client`] gives up.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);

impl Client<TcpStream> {
    /// Connect to 127.0.0.1:`port`.
    pub fn connect(port: u16) -> Client<TcpStream> {
        let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        s.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
        s.set_write_timeout(Some(READ_TIMEOUT)).unwrap();
        let _ = s.set_nodelay(true);
        Client::new(s)
    }

    /// Change the read timeout of the socket.
    pub fn set_timeout(&mut self, t: Duration) {
        self.stream.set_read_timeout(Some(t)).unwrap();
    }
}

impl<S: Read + Write> Client<S> {
    pub fn new(stream: S) -> Self {
        Client {
            stream,
            buf: Vec::new(),
        }
    }

    pub fn send(&mut self, data: &[u8]) {
        self.stream.write_all(data).expect("send to the proxy");
        self.stream.flush().expect("flush");
    }

    /// More bytes into the buffer; Ok(0) at end of stream.
    fn fill(&mut self) -> std::io::Result<usize> {
        let mut tmp = [0u8; 65536];
        let n = self.stream.read(&mut tmp)?;
        self.buf.extend_from_slice(&tmp[..n]);
        Ok(n)
    }

    fn fill_or_err(&mut self, what: &str) -> Result<(), String> {
        match self.fill() {
            Ok(0) => Err(format!("connection closed while reading {what}")),
            Ok(_) => Ok(()),
            Err(e) => Err(format!("reading {what}: {e}")),
        }
    }

    fn line(&mut self, what: &str) -> Result<Vec<u8>, String> {
        loop {
            if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = self.buf[..i].to_vec();
                self.buf.drain(..i + 2);
                return Ok(line);
            }
            self.fill_or_err(what)?;
        }
    }

    fn exact(&mut self, n: usize, what: &str) -> Result<Vec<u8>, String> {
        while self.buf.len() < n {
            self.fill_or_err(what)?;
        }
        Ok(self.buf.drain(..n).collect())
    }

    /// Read one response. `head_request`: it answers a HEAD (no body whatever the fields say).
    /// Interim (1xx) responses are returned like any other.
    pub fn try_response(&mut self, head_request: bool) -> Result<Response, String> {
        let end = loop {
            if let Some(p) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break p + 4;
            }
            self.fill_or_err("a response head")?;
        };
        let head = String::from_utf8_lossy(&self.buf[..end]).into_owned();
        self.buf.drain(..end);
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next().unwrap_or_default().to_string();
        let status: u16 = parts
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("bad status line {status_line:?}"))?;
        let headers: Vec<(String, String)> = lines
            .filter(|l| !l.is_empty())
            .map(|l| {
                let (n, v) = l.split_once(':').unwrap_or((l, ""));
                (n.to_string(), v.trim().to_string())
            })
            .collect();
        let mut r = Response {
            version,
            status,
            head,
            headers,
            body: Vec::new(),
            chunked: false,
        };
        let te = r.header("transfer-encoding").map(str::to_ascii_lowercase);
        let cl = r.header("content-length").map(|v| v.parse::<usize>());
        if head_request || status < 200 || status == 204 || status == 304 {
            return Ok(r);
        }
        if let Some(te) = te {
            if te != "chunked" {
                return Err(format!("unexpected Transfer-Encoding {te}"));
            }
            if cl.is_some() {
                return Err("both Content-Length and Transfer-Encoding".into());
            }
            r.chunked = true;
            loop {
                let line = self.line("a chunk size")?;
                let line = String::from_utf8_lossy(&line).into_owned();
                let size = usize::from_str_radix(line.split(';').next().unwrap().trim(), 16)
                    .map_err(|_| format!("bad chunk size line {line:?}"))?;
                if size == 0 {
                    while !self.line("trailers")?.is_empty() {}
                    return Ok(r);
                }
                let data = self.exact(size, "chunk data")?;
                r.body.extend_from_slice(&data);
                if !self.line("a chunk end")?.is_empty() {
                    return Err("chunk data not followed by CRLF".into());
                }
            }
        }
        match cl {
            Some(Ok(n)) => {
                r.body = self.exact(n, "the body")?;
            }
            Some(Err(_)) => return Err("bad Content-Length".into()),
            None => loop {
                // Delimited by the end of the connection.
                r.body.append(&mut self.buf);
                match self.fill() {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) => return Err(format!("reading a close-delimited body: {e}")),
                }
            },
        }
        Ok(r)
    }

    /// Read one response; panics (with the reason) if there is none.
    pub fn response(&mut self, head_request: bool) -> Response {
        self.try_response(head_request)
            .unwrap_or_else(|e| panic!("no response: {e}"))
    }

    /// Read one final response, skipping interim (1xx) ones.
    pub fn final_response(&mut self) -> Response {
        loop {
            let r = self.response(false);
            if r.status >= 200 {
                return r;
            }
        }
    }

    /// Everything until the peer closes: (bytes, closed). `closed` is false when a read timed out
    /// first (the peer kept the connection open). A reset counts as closed.
    pub fn read_to_end(&mut self) -> (Vec<u8>, bool) {
        loop {
            match self.fill() {
                Ok(0) => return (std::mem::take(&mut self.buf), true),
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    return (std::mem::take(&mut self.buf), false)
                }
                // A reset is a close too: a server that closes while client bytes it never read
                // sit in its socket makes the kernel send RST instead of FIN (ATS and tshost
                // alike), so which one arrives says nothing about the server.
                Err(_) => return (std::mem::take(&mut self.buf), true),
            }
        }
    }

    /// The peer closed the connection with nothing more sent (within the read timeout).
    pub fn is_closed(&mut self) -> bool {
        let (rest, closed) = self.read_to_end();
        assert!(
            rest.is_empty(),
            "unexpected bytes: {:?}",
            String::from_utf8_lossy(&rest)
        );
        closed
    }

    /// Bytes already read but not consumed.
    pub fn buffered(&self) -> &[u8] {
        &self.buf
    }
}

/// Count the trace lines of one event (`TXN_START`, `SSN_CLOSE`, ...).
pub fn count_events(trace: &[String], event: &str) -> usize {
    trace
        .iter()
        .filter(|l| l.split(' ').next() == Some(event))
        .count()
}

/// The events of each transaction, in order, keyed by transaction id (in order of TXN_START).
pub fn txn_events(trace: &[String]) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for line in trace {
        let ev = line.split(' ').next().unwrap_or("");
        let Some(txn) = field(line, "txn").filter(|t| *t != "-") else {
            continue;
        };
        match out.iter_mut().find(|(t, _)| t == txn) {
            Some((_, evs)) => evs.push(ev.to_string()),
            None => out.push((txn.to_string(), vec![ev.to_string()])),
        }
    }
    out
}

/// Run a command with a deadline; returns (exit code, stdout, stderr). Killed after `timeout`
/// (exit code -1 then).
pub fn run_with_timeout(
    cmd: &mut Command,
    stdin: &[u8],
    timeout: Duration,
) -> (i32, Vec<u8>, Vec<u8>) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn command");
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let mut out_pipe = child.stdout.take().unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out_pipe.read_to_end(&mut v);
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err_pipe.read_to_end(&mut v);
        v
    });
    let end = Instant::now() + timeout;
    let code = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st.code().unwrap_or(-1);
        }
        if Instant::now() >= end {
            let _ = child.kill();
            let _ = child.wait();
            break -1;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let _ = writer.join();
    (code, out_t.join().unwrap(), err_t.join().unwrap())
}

/// One `openssl s_client` connection to 127.0.0.1:`port` that sends `GET /size/5` for
/// example.com and reads the answer; `args` are further s_client options (-servername, -tls1_2,
/// -no_ticket, -sess_in FILE, ...). Returns stdout and stderr together.
pub fn s_client(port: u16, args: &[&str]) -> String {
    let mut child = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &format!("127.0.0.1:{port}"),
            "-ign_eof",
        ])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("openssl (apt-get install openssl)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"GET /size/5 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// VmRSS of a process in kB.
pub fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// A self-signed certificate for `name` (EC P-256, SAN DNS:name) made with the openssl command
/// line: (certificate PEM, key PEM).
pub fn make_cert(dir: &Path, name: &str) -> (Vec<u8>, Vec<u8>) {
    let cert = dir.join(format!("{name}.pem"));
    let key = dir.join(format!("{name}.key"));
    let (rc, _, err) = run_with_timeout(
        Command::new("openssl").args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            &format!("/CN={name}"),
            "-addext",
            &format!("subjectAltName=DNS:{name}"),
            "-keyout",
            key.to_str().unwrap(),
            "-out",
            cert.to_str().unwrap(),
        ]),
        b"",
        Duration::from_secs(20),
    );
    assert_eq!(
        rc,
        0,
        "openssl req (apt-get install openssl): {}",
        String::from_utf8_lossy(&err)
    );
    (std::fs::read(cert).unwrap(), std::fs::read(key).unwrap())
}

/// A free port on 127.0.0.1 (bound and let go).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `openssl s_server -www` on 127.0.0.1 with a certificate made for `name` ([`make_cert`]),
/// `extra` arguments after it: it answers a GET with its status page (`HTTP/1.0 200 ok`).
pub struct SServer {
    child: Child,
    pub port: u16,
}

impl SServer {
    pub fn start(dir: &Path, name: &str, extra: &[&str]) -> SServer {
        make_cert(dir, name);
        let port = free_port();
        let child = Command::new("openssl")
            .args(["s_server", "-www", "-quiet", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("-cert")
            .arg(dir.join(format!("{name}.pem")))
            .arg("-key")
            .arg(dir.join(format!("{name}.key")))
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl s_server");
        let end = std::time::Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(std::time::Instant::now() < end, "s_server did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
        SServer { child, port }
    }
}

impl Drop for SServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `tshost ctl --config-dir DIR ARGS`: (exit code, stdout, stderr).
pub fn ctl(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = super::tshost()
        .arg("ctl")
        .arg("--config-dir")
        .arg(dir)
        .args(args)
        .output()
        .expect("run tshost ctl");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `tshost ctl metric get NAME` as a number (-1 when it cannot be read).
pub fn metric(dir: &Path, name: &str) -> i64 {
    let (_, out, _) = ctl(dir, &["metric", "get", name]);
    out.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(-1)
}

/// Send `stalled` (a request a plugin will hold) on its own connection, and meanwhile a plain
/// request for example.com, which must be answered 200; then assert the held one got a 504 after
/// about `limit_s` seconds (the no-activity timeout), not before, and within 8 s.
pub fn stalled_request_gets_504(p: &Proxy, stalled: &'static [u8], limit_s: u64) {
    let port = p.port;
    let held = std::thread::spawn(move || {
        let t = Instant::now();
        let r = raw_request(port, stalled);
        (String::from_utf8_lossy(&r).into_owned(), t.elapsed())
    });
    std::thread::sleep(Duration::from_millis(300));
    let ok = raw_request(
        p.port,
        b"GET /size/10 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
    );
    assert!(ok.starts_with(b"HTTP/1.1 200"), "others go on meanwhile");
    let (r, took) = held.join().unwrap();
    assert!(r.starts_with("HTTP/1.1 504"), "{r}\n{}", p.stderr());
    assert!(
        took >= Duration::from_millis(limit_s * 1000 - 100) && took < Duration::from_secs(8),
        "{took:?}"
    );
}
