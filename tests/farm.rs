//! A farm of three tshost processes sharing TLS 1.2 session-id sessions through a real
//! redis-server with plugins-c/ssl_session_share.c: resumption on any box, a box started late
//! (GET fallback), forged and replayed messages rejected, Redis killed and restarted; ticket keys (STEK) made by
//! an elected master and rotated through Redis, so TLS 1.2 and 1.3 tickets resume on any box.
//!
//! Stats are read through tests/c/stat_dump.c, a tiny plugin that writes the plugin's TSStat
//! values to a file every 20 ms.
//!
//! Over 800 lines by design: each file under tests/ is its own test binary, which links all of
//! tshost; one binary per family of behaviours keeps `make test`'s build and link time down
//! (more, smaller files would each link the crate again). Its tests share one set of helpers.

mod common;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::proxy::{s_client, Origin, Proxy, Setup};
use common::{build_plugin_with, crate_dir, temp_dir, Header};
use openssl::ssl::{
    SslConnector, SslMethod, SslOptions, SslSession, SslStream, SslVerifyMode, SslVersion,
};

const CLUSTER: &str = "farm";
const STATS: [&str; 16] = [
    "published",
    "received",
    "inserted",
    "dropped",
    "auth_failures",
    "reconnects",
    "stek_updates",
    "replays",
    "stek_master",
    "propagation_us",
    "propagation_us_avg",
    "stek_generation",
    "get_timeouts",
    "get_skipped",
    "get_errors",
    "held",
];

/// A redis-server on a loopback port, without persistence, in its own directory.
///
/// redis-server binds its port itself, so a port cannot be handed over to it ready-bound.
/// Instead the test holds the port with a socket bound (SO_REUSEADDR) but not listening whenever
/// the server is not up: before the first start, and between [`Redis::kill`] and
/// [`Redis::restart`]. Connections to it are refused meanwhile (as to a port nobody uses), and no
/// other process can take it: automatic port selection (`bind` to port 0, as every other server
/// of the tests does) never picks a port someone holds, and an explicit bind with SO_REUSEADDR
/// (redis-server's) may share the port with the held socket, but only one socket can listen. The
/// held socket is closed once this test's redis-server answers on the port.
struct Redis {
    child: Option<Child>,
    port: u16,
    /// The port, held while the server is down.
    hold: Option<socket2::Socket>,
    dir: PathBuf,
    /// Extra redis-server arguments.
    args: Vec<String>,
    /// Held by every farm (they run in parallel) but the one that measures latencies, which
    /// waits for the others and runs alone ([`EXCLUSIVE`]).
    _shared: Option<std::sync::RwLockReadGuard<'static, ()>>,
}

/// Farm tests run in parallel, each with several tshost processes busy on the machine's cores; a
/// test that measures latencies takes this for writing, so that it measures tshost and not its
/// neighbours.
static EXCLUSIVE: std::sync::RwLock<()> = std::sync::RwLock::new(());

/// A socket bound to loopback `port` (0: a free port, chosen by the kernel) with SO_REUSEADDR,
/// not listening: it holds the port (see [`Redis`]).
fn hold_port(port: u16) -> std::io::Result<socket2::Socket> {
    use socket2::{Domain, Socket, Type};
    let s = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    s.set_reuse_address(true)?;
    s.bind(&std::net::SocketAddr::from(([127, 0, 0, 1], port)).into())?;
    Ok(s)
}

/// A loopback port where connections are refused, held (bound, not listening) for as long as the
/// socket lives, so that no server another test starts meanwhile can take it.
fn refused_port() -> (tokio::net::TcpSocket, u16) {
    let s = tokio::net::TcpSocket::new_v4().unwrap();
    s.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let port = s.local_addr().unwrap().port();
    (s, port)
}

impl Redis {
    fn start(name: &str) -> Redis {
        Redis::start_with(name, &[])
    }

    fn start_with(name: &str, args: &[&str]) -> Redis {
        let shared = EXCLUSIVE.read().unwrap_or_else(|e| e.into_inner());
        Redis::launch(name, args, Some(shared))
    }

    /// A Redis for a test that holds [`EXCLUSIVE`] for writing.
    fn start_alone(name: &str) -> Redis {
        Redis::launch(name, &[], None)
    }

    /// Starts on a free port. Should redis-server not come up there anyway (it could not listen:
    /// the hold in [`Redis`] makes that unexpected), another port is tried, up to 5 in all.
    fn launch(
        name: &str,
        args: &[&str],
        shared: Option<std::sync::RwLockReadGuard<'static, ()>>,
    ) -> Redis {
        let mut r = Redis {
            child: None,
            port: 0,
            hold: None,
            dir: temp_dir(&format!("farm-redis-{name}")),
            args: args.iter().map(|a| a.to_string()).collect(),
            _shared: shared,
        };
        for attempt in 1..=5 {
            let hold = hold_port(0).expect("bind a loopback port");
            r.port = hold.local_addr().unwrap().as_socket().unwrap().port();
            r.hold = Some(hold);
            match r.spawn() {
                Ok(()) => return r,
                Err(e) => eprintln!(
                    "redis-server did not start on port {} ({e}), attempt {attempt} of 5",
                    r.port
                ),
            }
        }
        panic!("redis-server did not start on 5 ports");
    }

    /// Starts again on the same port (after [`Redis::kill`]); waits until it answers.
    ///
    /// The same port, because the boxes' plugin config names this address: the tests are about
    /// the plugin reconnecting to the Redis it was configured with. The port was held since the
    /// kill, so nobody else can be listening there; should redis-server still fail to come up,
    /// it is started again, for at most 20 s, then the test fails (loudly: never a pass).
    fn restart(&mut self) {
        let end = Instant::now() + Duration::from_secs(20);
        loop {
            if self.hold.is_none() {
                // A bind over the killed server's closing connections (SO_REUSEADDR) succeeds;
                // a server another process started there (it got the port before we held it:
                // never, see Redis) would make this fail until the deadline.
                self.hold = hold_port(self.port).ok();
            }
            match self.spawn() {
                Ok(()) => return,
                Err(e) if Instant::now() < end => {
                    eprintln!("redis-server did not restart on port {} ({e})", self.port);
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => panic!("redis-server did not restart on port {}: {e}", self.port),
            }
        }
    }

    /// Spawns redis-server on `self.port`; waits (at most 20 s: a loaded machine, a debug build
    /// of everything else) until it answers as itself: `INFO server` names its process id. Then
    /// the port is no longer held.
    fn spawn(&mut self) -> Result<(), String> {
        let mut child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .args(&self.args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server (apt-get install redis-server)");
        let end = Instant::now() + Duration::from_secs(20);
        let result = loop {
            if let Ok(Some(st)) = child.try_wait() {
                // redis-server exits at once when it cannot listen on its port.
                break Err(format!("exited ({st})"));
            }
            if self.server_pid() == Some(child.id()) {
                break Ok(());
            }
            if Instant::now() >= end {
                let _ = child.kill();
                let _ = child.wait();
                break Err("did not answer within 20 s".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        if result.is_ok() {
            self.child = Some(child);
            self.hold = None;
        }
        result
    }

    /// The process id of the redis-server answering on the port (after AUTH, if it has a
    /// password), if one answers.
    fn server_pid(&self) -> Option<u32> {
        let mut c = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        c.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        let mut req = Vec::new();
        if let Some(i) = self.args.iter().position(|a| a == "--requirepass") {
            req.extend(format!("AUTH {}\r\n", self.args[i + 1]).as_bytes());
        }
        req.extend(b"INFO server\r\n");
        c.write_all(&req).ok()?;
        let mut text = String::new();
        let mut buf = [0u8; 4096];
        loop {
            if let Some(pid) = text
                .lines()
                .find_map(|l| l.strip_prefix("process_id:"))
                .filter(|_| text.contains("\r\nrun_id:"))
            {
                return pid.trim().parse().ok();
            }
            let n = c.read(&mut buf).ok()?;
            if n == 0 || text.starts_with('-') {
                return None;
            }
            text.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    }

    /// Kills the server; its port is held until [`Redis::restart`] (connections are refused).
    fn kill(&mut self) {
        self.stop();
        // A bind over the killed server's closing connections (SO_REUSEADDR) succeeds at once:
        // bounded retries in case the kernel is slow to release the listener.
        let end = Instant::now() + Duration::from_secs(5);
        while self.hold.is_none() {
            match hold_port(self.port) {
                Ok(s) => self.hold = Some(s),
                Err(e) if Instant::now() < end => {
                    eprintln!("holding redis port {}: {e}; retrying", self.port);
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => panic!("could not hold redis port {}: {e}", self.port),
            }
        }
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One RESP command on a new connection; the raw reply (up to its first line's end).
fn resp(port: u16, args: &[&[u8]]) -> Vec<u8> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect to redis");
    // A bound on a reply that takes microseconds, not a measurement: slack for a loaded machine.
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut req = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        req.extend(format!("${}\r\n", a.len()).as_bytes());
        req.extend(*a);
        req.extend(b"\r\n");
    }
    s.write_all(&req).unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 512];
    while !out.ends_with(b"\r\n") {
        let n = s.read(&mut buf).expect("redis reply");
        assert!(n > 0, "redis closed the connection");
        out.extend(&buf[..n]);
    }
    out
}

fn session_key(hex_id: &str) -> String {
    format!("tshost:{CLUSTER}:sess:{}", hex_id.to_ascii_lowercase())
}

/// Waits (at most 10 s: publishing takes milliseconds, the rest is slack for a loaded 2-core
/// machine; it returns as soon as the key is there) until Redis holds the session's key.
fn wait_stored(redis: &Redis, hex_id: &str) -> bool {
    let key = session_key(hex_id);
    let end = Instant::now() + Duration::from_secs(10);
    while Instant::now() < end {
        if resp(redis.port, &[b"EXISTS", key.as_bytes()]).starts_with(b":1") {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

/// One TLS 1.2 connection without tickets, saving and/or reusing a session; s_client's output.
fn conn(port: u16, sess_in: Option<&Path>, sess_out: Option<&Path>) -> String {
    let mut args = vec!["-servername", "example.com", "-tls1_2", "-no_ticket"];
    if let Some(p) = sess_in {
        args.extend(["-sess_in", p.to_str().unwrap()]);
    }
    if let Some(p) = sess_out {
        args.extend(["-sess_out", p.to_str().unwrap()]);
    }
    s_client(port, &args)
}

/// A full handshake (and request) saving the session to `sess`; the session id in hex.
fn fresh(port: u16, sess: &Path) -> String {
    let out = conn(port, None, Some(sess));
    assert!(out.contains("New, TLSv1.2"), "{out}");
    assert!(out.contains("HTTP/1.1 200"), "request failed:\n{out}");
    out.lines()
        .find_map(|l| l.trim().strip_prefix("Session-ID: "))
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| panic!("no session id:\n{out}"))
        .to_string()
}

/// Whether `sess` resumes on `port` (asserting the handshake and request worked either way).
fn resumes(port: u16, sess: &Path) -> bool {
    let out = conn(port, Some(sess), None);
    assert!(
        out.contains("Reused, TLSv1.2") || out.contains("New, TLSv1.2"),
        "handshake failed:\n{out}"
    );
    assert!(out.contains("HTTP/1.1 200"), "request failed:\n{out}");
    out.contains("Reused, TLSv1.2")
}

fn so(src: &str, name: &str, libs: &[&str]) -> PathBuf {
    let d = temp_dir(&format!("farm-so-{name}"));
    let so = d.join(format!("{name}.so"));
    build_plugin_with(&crate_dir().join(src), &so, Header::Ours, libs);
    so
}

fn share_so() -> &'static PathBuf {
    static S: OnceLock<PathBuf> = OnceLock::new();
    S.get_or_init(|| {
        so(
            "plugins-c/ssl_session_share.c",
            "ssl_session_share",
            &["-lhiredis", "-lcrypto", "-lpthread"],
        )
    })
}

fn stat_so() -> &'static PathBuf {
    static S: OnceLock<PathBuf> = OnceLock::new();
    S.get_or_init(|| so("tests/c/stat_dump.c", "stat_dump", &["-lpthread"]))
}

/// Config files, and an ssl_multicert.config using them.
type CertSetup = (Vec<(String, Vec<u8>)>, String);

/// example.com's certificate and key (config files) and the ssl_multicert line, made once.
fn example_cert() -> &'static CertSetup {
    static C: OnceLock<CertSetup> = OnceLock::new();
    C.get_or_init(|| {
        let d = temp_dir("farm-cert");
        let (c, k) = (d.join("example.pem"), d.join("example.key"));
        let st = Command::new("openssl")
            .args(["req", "-x509", "-newkey", "ec"])
            .args([
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-days",
                "2",
            ])
            .args(["-subj", "/CN=example.com"])
            .args(["-addext", "subjectAltName=DNS:example.com"])
            .arg("-keyout")
            .arg(&k)
            .arg("-out")
            .arg(&c)
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(st.success());
        (
            vec![
                ("example.pem".into(), std::fs::read(&c).unwrap()),
                ("example.key".into(), std::fs::read(&k).unwrap()),
            ],
            "dest_ip=* ssl_cert_name=example.pem ssl_key_name=example.key\n".into(),
        )
    })
}

/// The plugin's config file (and a 32-byte key file next to it) for a farm on `redis`.
fn share_conf(name: &str, redis: &Redis) -> PathBuf {
    share_conf_with(name, redis, "")
}

/// share_conf with `extra` lines appended.
fn share_conf_with(name: &str, redis: &Redis, extra: &str) -> PathBuf {
    let d = temp_dir(&format!("farm-conf-{name}"));
    let key: Vec<u8> = (0..32u8)
        .map(|i| i.wrapping_mul(37).wrapping_add(11))
        .collect();
    std::fs::write(d.join("farm.key"), key).unwrap();
    let conf = d.join("share.conf");
    std::fs::write(
        &conf,
        format!(
            "# farm test\nredis 127.0.0.1:{}\ncluster {CLUSTER}\nkey_file farm.key\n\
             session_ttl 120   # seconds\nqueue_max 1000\n{extra}",
            redis.port
        ),
    )
    .unwrap();
    conf
}

/// A box of the farm, with the plugin and stat_dump.
struct Box_ {
    proxy: Proxy,
    stats: PathBuf,
}

impl Box_ {
    fn start(name: &str, origin: &Origin, conf: &Path) -> Box_ {
        Box_::start_with(name, origin, conf, true, &[]).clean()
    }

    /// A box with the plugin's debug output on or off and extra records.config lines.
    fn start_with(name: &str, origin: &Origin, conf: &Path, debug: bool, records: &[&str]) -> Box_ {
        let (files, multicert) = example_cert();
        let stats = temp_dir(&format!("farm-stats-{name}")).join("stats.txt");
        let names: Vec<String> = STATS
            .iter()
            .map(|s| format!("ssl_session_share.{s}"))
            .collect();
        let proxy = Proxy::start(
            name,
            origin,
            Setup {
                records: [
                    format!(
                        "CONFIG proxy.config.diags.debug.enabled INT {}",
                        debug as i32
                    ),
                    "CONFIG proxy.config.diags.debug.tags STRING ssl_session_share".into(),
                ]
                .into_iter()
                .chain(records.iter().map(|r| r.to_string()))
                .collect(),
                plugins: vec![
                    format!("{} {}", share_so().display(), conf.display()),
                    format!(
                        "{} {} {}",
                        stat_so().display(),
                        stats.display(),
                        names.join(" ")
                    ),
                ],
                multicert: Some(multicert.clone()),
                files: files.clone(),
                ..Default::default()
            },
        );
        Box_ { proxy, stats }
    }

    /// Asserts that the plugin reported no error.
    fn clean(self) -> Box_ {
        assert!(
            !self.proxy.stderr().contains("ERROR"),
            "plugin error:\n{}",
            self.proxy.stderr()
        );
        self
    }

    fn tls_port(&self) -> u16 {
        self.proxy.tls_port
    }

    /// The plugin's stats, by short name. stat_dump rewrites the file every 20 ms; until it has
    /// written every stat once (a box just started), this waits, at most 10 s (slack for a loaded
    /// machine; it returns as soon as the file is complete).
    fn stats(&self) -> HashMap<String, i64> {
        let end = Instant::now() + Duration::from_secs(10);
        loop {
            let text = std::fs::read_to_string(&self.stats).unwrap_or_default();
            let m: HashMap<String, i64> = text
                .lines()
                .filter_map(|l| {
                    let (k, v) = l.split_once(' ')?;
                    Some((
                        k.strip_prefix("ssl_session_share.")?.to_string(),
                        v.parse().ok()?,
                    ))
                })
                .collect();
            if m.len() == STATS.len() || Instant::now() >= end {
                return m;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn stat(&self, name: &str) -> i64 {
        *self.stats().get(name).unwrap_or(&-1)
    }
}

/// Waits (at most `secs`) until `f` holds. The deadlines given are slack for a loaded 2-core
/// machine running debug builds (what they wait for takes milliseconds when the machine is idle):
/// `eventually` returns as soon as `f` holds, so slack costs nothing when a test passes.
fn eventually(secs: u64, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    f()
}

/// A small deterministic generator (xorshift), seeded per test.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

#[test]
fn plugin_config_errors_name_the_line_and_disable_it() {
    let origin = Origin::start();
    let d = temp_dir("farm-badconf");
    let conf = d.join("bad.conf");
    std::fs::write(&conf, "redis 127.0.0.1:6379\n# fine\nqueue_max lots\n").unwrap();
    let (files, multicert) = example_cert();
    let p = Proxy::start(
        "farm-badconf",
        &origin,
        Setup {
            plugins: vec![format!("{} {}", share_so().display(), conf.display())],
            multicert: Some(multicert.clone()),
            files: files.clone(),
            ..Default::default()
        },
    );
    let want = format!("{}:3: queue_max: expected", conf.display());
    assert!(p.stderr().contains(&want), "{}", p.stderr());
    assert!(p.stderr().contains("plugin disabled"), "{}", p.stderr());
    // The proxy still serves TLS.
    let sess = d.join("s.pem");
    fresh(p.tls_port, &sess);
}

#[test]
fn sessions_resume_on_any_box() {
    let redis = Redis::start("any");
    // Box b may look the session up (GET fallback) before its subscriber has inserted it; this
    // test is about sessions resuming anywhere, not about the lookup's budget (5 ms by default,
    // which a loaded 2-core machine may exceed: hung_redis_costs_a_handshake_at_most_the_budget
    // is about the budget).
    let conf = share_conf_with("any", &redis, "get_timeout_ms 200\n");
    let origin = Origin::start();
    let boxes: Vec<Box_> = (0..3)
        .map(|i| Box_::start(&format!("farm-any-{i}"), &origin, &conf))
        .collect();
    let dir = temp_dir("farm-any-sess");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let rounds = 60;
    let mut resumed = 0;
    for round in 0..rounds {
        let a = rng.below(3);
        let b = (a + 1 + rng.below(2)) % 3;
        let sess = dir.join(format!("{round}.pem"));
        let id = fresh(boxes[a].tls_port(), &sess);
        assert!(wait_stored(&redis, &id), "session {id} never reached Redis");
        if resumes(boxes[b].tls_port(), &sess) {
            resumed += 1;
        }
    }
    assert!(
        resumed * 100 >= rounds * 99,
        "{resumed}/{rounds} resumed on another box"
    );
    // The last round's publish is in Redis (wait_stored) before its counter is in a stat_dump
    // (every 20 ms): a loaded machine read 59 of 60 once. Read once the dump has caught up.
    eventually(10, || {
        boxes.iter().map(|b| b.stat("published")).sum::<i64>() >= rounds as i64
    });
    let stats: Vec<_> = boxes.iter().map(Box_::stats).collect();
    let total = |k: &str| stats.iter().map(|s| s[k]).sum::<i64>();
    assert_eq!(total("published"), rounds as i64, "{stats:?}");
    assert!(total("received") > 0 && total("inserted") > 0, "{stats:?}");
    assert_eq!(total("auth_failures"), 0, "{stats:?}");
    assert_eq!(total("dropped"), 0, "{stats:?}");
}

#[test]
fn a_box_started_late_resumes_earlier_sessions() {
    let redis = Redis::start("late");
    // This test is about the GET fallback finding the sessions, not about its budget (5 ms by
    // default, which a test machine busy with the other farms may exceed).
    let conf = share_conf_with("late", &redis, "get_timeout_ms 200\n");
    let origin = Origin::start();
    let a = Box_::start("farm-late-a", &origin, &conf);
    let _b = Box_::start("farm-late-b", &origin, &conf);
    let dir = temp_dir("farm-late-sess");
    let sessions: Vec<PathBuf> = (0..5)
        .map(|i| {
            let sess = dir.join(format!("{i}.pem"));
            let id = fresh(a.tls_port(), &sess);
            assert!(wait_stored(&redis, &id));
            sess
        })
        .collect();
    // Box c never saw these publications: it finds them with the GET fallback.
    let c = Box_::start("farm-late-c", &origin, &conf);
    for s in &sessions {
        assert!(resumes(c.tls_port(), s), "late box did not resume");
    }
    // Each came from the GET fallback (the stats file lags by up to 20 ms).
    assert!(
        eventually(10, || {
            let st = c.stats();
            st["inserted"] == 5 && st["received"] == 5
        }),
        "{:?}",
        c.stats()
    );
}

/// Waits (at most 10 s) until `n` subscribers listen on the sessions channel.
fn wait_subscribers(redis: &Redis, n: usize) {
    let channel = format!("tshost:{CLUSTER}:sessions");
    let want = n.to_string();
    assert!(
        eventually(10, || {
            let out = Command::new("redis-cli")
                .args(["-p", &redis.port.to_string(), "PUBSUB", "NUMSUB", &channel])
                .output()
                .expect("redis-cli");
            String::from_utf8_lossy(&out.stdout).lines().last() == Some(want.as_str())
        }),
        "not {n} subscribers"
    );
}

/// The sealed message Redis stores for a session (GET of its key), as published.
fn stored_message(redis: &Redis, hex_id: &str) -> Vec<u8> {
    let mut s = TcpStream::connect(("127.0.0.1", redis.port)).unwrap();
    let k = session_key(hex_id);
    write!(s, "*2\r\n$3\r\nGET\r\n${}\r\n{k}\r\n", k.len()).unwrap();
    // The reply is read up to the length it announces (no idle window that a loaded machine
    // could exceed); the timeout only bounds a hang.
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut blob = Vec::new();
    let mut buf = [0u8; 4096];
    // The reply's length: a bulk string's head, its length and CRLF; another reply's line.
    let want = |b: &[u8]| {
        let eol = b.windows(2).position(|w| w == b"\r\n")?;
        let len: i64 = match b[0] {
            b'$' => std::str::from_utf8(&b[1..eol]).ok()?.parse().ok()?,
            _ => -1,
        };
        Some(eol + 2 + usize::try_from(len).map_or(0, |n| n + 2))
    };
    while want(&blob).is_none_or(|n| blob.len() < n) {
        let n = s.read(&mut buf).expect("redis GET reply");
        assert!(n > 0, "{}", String::from_utf8_lossy(&blob));
        blob.extend(&buf[..n]);
    }
    assert!(
        blob.starts_with(b"$") && !blob.starts_with(b"$-"),
        "{}",
        String::from_utf8_lossy(&blob)
    );
    let body_start = blob.iter().position(|&c| c == b'\n').unwrap() + 1;
    blob[body_start..blob.len() - 2].to_vec()
}

#[test]
fn forged_messages_are_rejected() {
    let redis = Redis::start("forged");
    let conf = share_conf("forged", &redis);
    let origin = Origin::start();
    let boxes: Vec<Box_> = (0..3)
        .map(|i| Box_::start(&format!("farm-forged-{i}"), &origin, &conf))
        .collect();
    // Every subscriber is up before anything is published.
    let channel = format!("tshost:{CLUSTER}:sessions");
    wait_subscribers(&redis, 3);
    let before: Vec<_> = boxes.iter().map(Box_::stats).collect();
    // A well-formed message from someone without the key: header, a session id, a nonce, a
    // "ciphertext" and a tag that cannot verify.
    let mut forged = b"TS\x03N".to_vec();
    forged.extend([0xee; 8]); // a box id of nobody
    let now_us = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_micros() as u64;
    forged.extend(now_us.to_be_bytes()); // a current timestamp
    forged.push(32);
    forged.extend([0x42; 32]); // the session id
    forged.extend([7; 12]); // nonce
    forged.extend((0..200u32).map(|i| (i * 13) as u8)); // "DER session"
    forged.extend([0; 16]); // tag
    let r = resp(redis.port, &[b"PUBLISH", channel.as_bytes(), &forged]);
    assert!(r.starts_with(b":3"), "{}", String::from_utf8_lossy(&r));
    // A tampered authentic message: a real session's stored blob with one byte flipped.
    let dir = temp_dir("farm-forged-sess");
    let sess = dir.join("real.pem");
    let id = fresh(boxes[0].tls_port(), &sess);
    assert!(wait_stored(&redis, &id));
    let mut tampered = stored_message(&redis, &id);
    let last = tampered.len() - 20;
    tampered[last] ^= 1;
    let r = resp(redis.port, &[b"PUBLISH", channel.as_bytes(), &tampered]);
    assert!(r.starts_with(b":3"));
    // Box 0 skips the tampered copy of its own message (its box id); 1 and 2 reject it. Nothing
    // of the forgeries is inserted: 1 and 2 hold just the real session, from the subscription.
    let want = |i: usize| (if i == 0 { 1 } else { 2 }, if i == 0 { 0 } else { 1 });
    let ok = eventually(10, || {
        boxes.iter().enumerate().all(|(i, b)| {
            let s = b.stats();
            (s["auth_failures"], s["inserted"]) == want(i)
        })
    });
    std::thread::sleep(Duration::from_millis(200));
    let after: Vec<_> = boxes.iter().map(Box_::stats).collect();
    assert!(ok, "before {before:?}\nafter {after:?}");
    for (i, s) in after.iter().enumerate() {
        assert_eq!((s["auth_failures"], s["inserted"]), want(i), "{after:?}");
        assert_eq!(s["received"], want(i).1, "{after:?}");
    }
}

#[test]
fn replayed_messages_are_rejected() {
    let redis = Redis::start("replay");
    let conf = share_conf("replay", &redis);
    let origin = Origin::start();
    let boxes: Vec<Box_> = (0..3)
        .map(|i| Box_::start(&format!("farm-replay-{i}"), &origin, &conf))
        .collect();
    wait_subscribers(&redis, 3);
    let channel = format!("tshost:{CLUSTER}:sessions");
    let dir = temp_dir("farm-replay-sess");
    // A session made on box 0 reaches boxes 1 and 2 through the subscription.
    let sess = dir.join("a.pem");
    let id = fresh(boxes[0].tls_port(), &sess);
    assert!(wait_stored(&redis, &id));
    assert!(
        eventually(10, || boxes[1..].iter().all(|b| b.stat("inserted") == 1)),
        "{:?}",
        boxes.iter().map(Box_::stats).collect::<Vec<_>>()
    );
    // The authentic message, captured from Redis, published again twice.
    let captured = stored_message(&redis, &id);
    for _ in 0..2 {
        let r = resp(redis.port, &[b"PUBLISH", channel.as_bytes(), &captured]);
        assert!(r.starts_with(b":3"), "{}", String::from_utf8_lossy(&r));
    }
    // Boxes 1 and 2 count both copies as replays and insert nothing; box 0 skips its own.
    let ok = eventually(10, || boxes[1..].iter().all(|b| b.stat("replays") == 2));
    std::thread::sleep(Duration::from_millis(200));
    let after: Vec<_> = boxes.iter().map(Box_::stats).collect();
    assert!(ok, "{after:?}");
    assert_eq!(after[0]["replays"], 0, "{after:?}");
    for s in &after[1..] {
        assert_eq!(
            (
                s["replays"],
                s["inserted"],
                s["received"],
                s["auth_failures"]
            ),
            (2, 1, 1, 0),
            "{after:?}"
        );
    }
    // Normal traffic is unaffected: the captured session resumes on box 1, and a new session
    // made on box 2 reaches the others and resumes on box 0.
    assert!(resumes(boxes[1].tls_port(), &sess), "box 1 did not resume");
    let sess2 = dir.join("b.pem");
    let id2 = fresh(boxes[2].tls_port(), &sess2);
    assert!(wait_stored(&redis, &id2));
    assert!(
        eventually(10, || boxes[0].stat("inserted") == 1
            && boxes[1].stat("inserted") == 2),
        "{:?}",
        boxes.iter().map(Box_::stats).collect::<Vec<_>>()
    );
    assert!(resumes(boxes[0].tls_port(), &sess2), "box 0 did not resume");
    let end: Vec<_> = boxes.iter().map(Box_::stats).collect();
    let replays: Vec<i64> = end.iter().map(|s| s["replays"]).collect();
    assert_eq!(replays, [0, 2, 2], "{end:?}");
    assert!(end.iter().all(|s| s["auth_failures"] == 0), "{end:?}");
}

#[test]
fn redis_down_keeps_serving_and_recovers() {
    let mut redis = Redis::start("down");
    let conf = share_conf("down", &redis);
    let origin = Origin::start();
    let boxes: Vec<Box_> = (0..3)
        .map(|i| Box_::start(&format!("farm-down-{i}"), &origin, &conf))
        .collect();
    let dir = temp_dir("farm-down-sess");
    let s0 = dir.join("before.pem");
    let id = fresh(boxes[0].tls_port(), &s0);
    assert!(wait_stored(&redis, &id));
    // Box 1 gets it from its subscription (or the GET fallback, within its 5 ms budget): on a
    // loaded machine either may lag behind the store, so a miss is retried.
    assert!(eventually(10, || resumes(boxes[1].tls_port(), &s0)));

    redis.kill();
    // Every handshake and request still succeeds, and a box resumes its own sessions, without
    // waiting for Redis. A pair (two s_client runs: full handshake, resumption) takes ~50 ms on
    // an idle machine; a plugin that waited for a dead Redis on the handshake path (a connect
    // timeout, a reconnect backoff: 50-400 ms) would slow every pair. Bounds: the median pair
    // under 2 s, any pair under 5 s: slack for a loaded 2-core machine, where one pair may be
    // stalled for seconds by its neighbours but not most of them.
    let mut pairs = Vec::new();
    for (i, b) in boxes.iter().enumerate() {
        for j in 0..3 {
            let sess = dir.join(format!("down-{i}-{j}.pem"));
            let t = Instant::now();
            fresh(b.tls_port(), &sess);
            assert!(resumes(b.tls_port(), &sess), "local resumption failed");
            pairs.push(t.elapsed());
        }
    }
    eprintln!("with redis down, full handshake + resumption: {pairs:?}");
    assert!(
        percentile(&pairs, 50) < Duration::from_secs(2)
            && percentile(&pairs, 100) < Duration::from_secs(5),
        "handshakes slowed down: {pairs:?}"
    );
    // A session made before the outage still resumes on the box that inserted it.
    assert!(resumes(boxes[1].tls_port(), &s0));

    redis.restart();
    let t = Instant::now();
    let mut n = 0;
    let recovered = eventually(20, || {
        n += 1;
        let sess = dir.join(format!("after-{n}.pem"));
        let id = fresh(boxes[2].tls_port(), &sess);
        wait_stored(&redis, &id)
            && resumes(boxes[0].tls_port(), &sess)
            && resumes(boxes[1].tls_port(), &sess)
    });
    assert!(recovered, "no propagation after Redis restarted");
    eprintln!("propagation recovered {:?} after the restart", t.elapsed());
    assert!(
        eventually(10, || boxes.iter().all(|b| b.stat("reconnects") >= 1)),
        "{:?}",
        boxes.iter().map(Box_::stats).collect::<Vec<_>>()
    );
}

/// One connection with tickets (`-tls1_2` or `-tls1_3`), saving and/or reusing the session.
fn ticket_conn(port: u16, sess_in: Option<&Path>, sess_out: Option<&Path>, ver: &str) -> String {
    let mut args = vec!["-servername", "example.com", ver];
    if let Some(p) = sess_in {
        args.extend(["-sess_in", p.to_str().unwrap()]);
    }
    if let Some(p) = sess_out {
        args.extend(["-sess_out", p.to_str().unwrap()]);
    }
    let out = s_client(port, &args);
    assert!(
        out.contains("Reused, TLSv1.") || out.contains("New, TLSv1."),
        "handshake failed:\n{out}"
    );
    assert!(out.contains("HTTP/1.1 200"), "request failed:\n{out}");
    out
}

/// A full handshake saving a ticket to `sess`.
fn fresh_ticket(port: u16, sess: &Path, ver: &str) {
    let out = ticket_conn(port, None, Some(sess), ver);
    assert!(out.contains("New, TLSv1."), "{out}");
    assert!(
        std::fs::metadata(sess)
            .map(|m| m.len() > 0)
            .unwrap_or(false),
        "no session saved:\n{out}"
    );
}

fn resumes_ticket(port: u16, sess: &Path, ver: &str) -> bool {
    ticket_conn(port, Some(sess), None, ver).contains("Reused, TLSv1.")
}

#[test]
fn ticket_keys_rotate_through_redis_and_resume_anywhere() {
    let redis = Redis::start("stek");
    let conf = share_conf_with(
        "stek",
        &redis,
        "stek_interval 1\nstek_overlap 4\nstek_master auto\n",
    );
    let origin = Origin::start();
    let mut boxes: Vec<Box_> = (0..3)
        .map(|i| Box_::start(&format!("farm-stek-{i}"), &origin, &conf))
        .collect();
    // One master is elected; every box installs its rings (the first, then a pending key).
    assert!(
        eventually(10, || boxes.iter().all(|b| b.stat("stek_updates") >= 2)),
        "{:?}",
        boxes.iter().map(Box_::stats).collect::<Vec<_>>()
    );
    let masters = || boxes.iter().map(|b| b.stat("stek_master")).sum::<i64>();
    assert_eq!(masters(), 1);
    let before: Vec<i64> = boxes.iter().map(|b| b.stat("stek_updates")).collect();

    let dir = temp_dir("farm-stek-sess");
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut resumed = 0;
    let start = Instant::now();
    // At least 40 rounds paced 150 ms apart (~6 s: about 6 rotations on an idle machine), and
    // on until every box has installed at least 3 more rings, so that tickets are made and
    // resumed across several rotations however slow the machine is (on a loaded 2-core machine
    // the master's timer and the ring's delivery lag). The run stops extending after 30 s: with
    // rotations every second, fewer than 3 in 30 s means rotation is broken, not slow.
    let rotated = |boxes: &[Box_]| {
        boxes
            .iter()
            .zip(&before)
            .all(|(b, n)| b.stat("stek_updates") - n >= 3)
    };
    let mut rounds = 0;
    while rounds < 40 || (!rotated(&boxes) && start.elapsed() < Duration::from_secs(30)) {
        let round = rounds;
        rounds += 1;
        let due = start + Duration::from_millis(150 * round as u64);
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
        let ver = if round % 2 == 0 { "-tls1_3" } else { "-tls1_2" };
        let a = rng.below(3);
        let b = (a + 1 + rng.below(2)) % 3;
        let sess = dir.join(format!("{round}.pem"));
        fresh_ticket(boxes[a].tls_port(), &sess, ver);
        if resumes_ticket(boxes[b].tls_port(), &sess, ver) {
            resumed += 1;
        } else {
            eprintln!("round {round} {ver}: box {a} -> {b} not resumed");
        }
    }
    let elapsed = start.elapsed();
    let stats: Vec<_> = boxes.iter().map(Box_::stats).collect();
    eprintln!("{resumed}/{rounds} resumed in {elapsed:?}; {stats:?}");
    assert!(
        resumed * 100 >= rounds * 99,
        "{resumed}/{rounds} resumed on another box"
    );
    for (b, s) in before.iter().zip(&stats) {
        assert!(
            s["stek_updates"] - b >= 3,
            "too few rotations during the run: {before:?} {stats:?}"
        );
        assert_eq!(s["auth_failures"], 0, "{stats:?}");
    }
    assert_eq!(masters(), 1);

    // A box started after the tickets were made loads the ring from Redis and resumes them.
    let early: Vec<(PathBuf, &str)> = ["-tls1_3", "-tls1_2"]
        .iter()
        .map(|&ver| {
            let sess = dir.join(format!("early{ver}.pem"));
            fresh_ticket(boxes[0].tls_port(), &sess, ver);
            (sess, ver)
        })
        .collect();
    let late = Box_::start("farm-stek-late", &origin, &conf);
    assert!(
        eventually(10, || late.stat("stek_updates") >= 1),
        "{:?}",
        late.stats()
    );
    for (sess, ver) in &early {
        assert!(
            resumes_ticket(late.tls_port(), sess, ver),
            "{ver}: the late box did not resume a ticket made before it started"
        );
    }
    assert_eq!(late.stat("stek_master"), 0);
    assert_eq!(masters(), 1);

    // The master dies: another box takes over within 3 intervals (its key expires), continues the
    // ring, and tickets still resume across the boxes that are left. Waited for up to 15 s (3 s
    // nominally, slack for a loaded 2-core machine); no failover at all still fails.
    let m = boxes
        .iter()
        .position(|b| b.stat("stek_master") == 1)
        .unwrap();
    drop(boxes.remove(m));
    boxes.push(late);
    let at: Vec<i64> = boxes.iter().map(|b| b.stat("stek_updates")).collect();
    let t = Instant::now();
    assert!(
        eventually(15, || boxes
            .iter()
            .map(|b| b.stat("stek_master"))
            .sum::<i64>()
            == 1),
        "no new master: {:?}",
        boxes.iter().map(Box_::stats).collect::<Vec<_>>()
    );
    eprintln!("a new master after {:?}", t.elapsed());
    assert!(
        eventually(15, || boxes
            .iter()
            .zip(&at)
            .all(|(b, a)| b.stat("stek_updates") >= a + 2)),
        "no rotation after the failover: {at:?} {:?}",
        boxes.iter().map(Box_::stats).collect::<Vec<_>>()
    );
    for (i, ver) in ["-tls1_3", "-tls1_2", "-tls1_3", "-tls1_2"]
        .iter()
        .enumerate()
    {
        let sess = dir.join(format!("after-failover-{i}.pem"));
        fresh_ticket(boxes[i % 3].tls_port(), &sess, ver);
        assert!(
            resumes_ticket(boxes[(i + 1) % 3].tls_port(), &sess, ver),
            "{ver}: not resumed after the failover"
        );
    }
    let stats: Vec<_> = boxes.iter().map(Box_::stats).collect();
    assert!(stats.iter().all(|s| s["auth_failures"] == 0), "{stats:?}");
}

// ---- At scale: an in-process TLS client (the openssl crate), thousands of handshakes ----

/// What a client resumes with.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    /// TLS 1.2 without tickets: session ids through the session cache.
    Tls12Id,
    /// TLS 1.3 tickets (shared ticket keys).
    Tls13Ticket,
    /// TLS 1.3 against boxes with proxy.config.ssl.session_cache.tls13 1: stateful sessions.
    Tls13Stateful,
}

fn connector(kind: Kind) -> SslConnector {
    let mut b = SslConnector::builder(SslMethod::tls_client()).unwrap();
    b.set_verify(SslVerifyMode::NONE);
    let v = if kind == Kind::Tls12Id {
        SslVersion::TLS1_2
    } else {
        SslVersion::TLS1_3
    };
    b.set_min_proto_version(Some(v)).unwrap();
    b.set_max_proto_version(Some(v)).unwrap();
    if kind == Kind::Tls12Id {
        b.set_options(SslOptions::NO_TICKET);
    }
    b.build()
}

const BODY: usize = 100;

/// One TLS connection to `port` offering `sess`, one request and its whole response: whether the
/// session was resumed, and the session to offer next time.
fn tls_get(
    c: &SslConnector,
    port: u16,
    sess: Option<&SslSession>,
) -> Result<(bool, SslSession), String> {
    let tcp = TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("connect: {e}"))?;
    tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    tcp.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
    // Else the request, written right after the client's Finished, waits for its ACK (Nagle
    // against the server's delayed ACK: 40 ms per connection).
    tcp.set_nodelay(true).unwrap();
    let mut ssl = c
        .configure()
        .map_err(|e| e.to_string())?
        .verify_hostname(false)
        .into_ssl("example.com")
        .map_err(|e| e.to_string())?;
    if let Some(s) = sess {
        // SAFETY: the session comes from a connector of the same kind (same SSL_CTX settings).
        unsafe { ssl.set_session(s) }.map_err(|e| e.to_string())?;
    }
    let mut s = SslStream::new(ssl, tcp).map_err(|e| e.to_string())?;
    s.connect().map_err(|e| format!("handshake: {e}"))?;
    let req =
        format!("GET /size/{BODY} HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes())
        .map_err(|e| format!("write: {e}"))?;
    let mut resp = Vec::new();
    let mut buf = [0u8; 4096];
    let complete = |r: &[u8]| {
        r.windows(4)
            .position(|w| w == b"\r\n\r\n")
            .is_some_and(|h| r.len() >= h + 4 + BODY)
    };
    while !complete(&resp) {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => resp.extend(&buf[..n]),
            Err(e) => return Err(format!("read: {e}")),
        }
    }
    if !resp.starts_with(b"HTTP/1.1 200") || !complete(&resp) {
        return Err(format!(
            "bad response: {:?}",
            String::from_utf8_lossy(&resp[..resp.len().min(200)])
        ));
    }
    let reused = s.ssl().session_reused();
    let next = s.ssl().session().ok_or("no session")?.to_owned();
    let _ = s.shutdown();
    Ok((reused, next))
}

/// One cross-box resumption attempt.
struct Attempt {
    at: Instant,
    kind: Kind,
    resumed: bool,
}

#[derive(Default)]
struct Run {
    attempts: Vec<Attempt>,
    failures: Vec<String>,
}

impl Run {
    fn resumed(&self, kind: Kind) -> (usize, usize) {
        let of: Vec<_> = self.attempts.iter().filter(|a| a.kind == kind).collect();
        (of.iter().filter(|a| a.resumed).count(), of.len())
    }
}

/// `n` sessions per kind, spread over `threads` clients: each is made (full handshake and a
/// request) on a random box and offered, `age` later, to a random other box. A client makes at
/// most one session per `pace`; the kinds alternate. Every handshake and request must work.
fn cross_box_run(
    ports: &[u16],
    kinds: &[Kind],
    n: usize,
    threads: usize,
    age: Duration,
    pace: Duration,
) -> Run {
    let per_thread = n * kinds.len() / threads;
    let runs: Vec<Run> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                sc.spawn(move || {
                    let conns: Vec<(Kind, SslConnector)> =
                        kinds.iter().map(|&k| (k, connector(k))).collect();
                    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ ((t as u64 + 1) * 0x1234_5677));
                    let mut run = Run::default();
                    let mut waiting = std::collections::VecDeque::new();
                    let start = Instant::now();
                    let offer = |run: &mut Run,
                                 (made, a, ci, sess): (Instant, usize, usize, SslSession),
                                 rng: &mut Rng| {
                        let sleep = (made + age).saturating_duration_since(Instant::now());
                        std::thread::sleep(sleep);
                        let b = (a + 1 + rng.below(ports.len() - 1)) % ports.len();
                        let (kind, c) = &conns[ci];
                        match tls_get(c, ports[b], Some(&sess)) {
                            Ok((resumed, _)) => run.attempts.push(Attempt {
                                at: Instant::now(),
                                kind: *kind,
                                resumed,
                            }),
                            Err(e) => run
                                .failures
                                .push(format!("{kind:?} resume on box {b}: {e}")),
                        }
                    };
                    for i in 0..per_thread {
                        let due = start + pace * i as u32;
                        std::thread::sleep(due.saturating_duration_since(Instant::now()));
                        let ci = i % conns.len();
                        let a = rng.below(ports.len());
                        match tls_get(&conns[ci].1, ports[a], None) {
                            Ok((_, sess)) => waiting.push_back((Instant::now(), a, ci, sess)),
                            Err(e) => run
                                .failures
                                .push(format!("{:?} new on box {a}: {e}", conns[ci].0)),
                        }
                        while waiting.front().is_some_and(|w| w.0.elapsed() >= age) {
                            let w = waiting.pop_front().unwrap();
                            offer(&mut run, w, &mut rng);
                        }
                    }
                    while let Some(w) = waiting.pop_front() {
                        offer(&mut run, w, &mut rng);
                    }
                    run
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut all = Run::default();
    for r in runs {
        all.attempts.extend(r.attempts);
        all.failures.extend(r.failures);
    }
    all
}

/// A farm of three boxes without debug output.
fn quiet_farm(name: &str, origin: &Origin, conf: &Path, records: &[&str]) -> Vec<Box_> {
    (0..3)
        .map(|i| Box_::start_with(&format!("{name}-{i}"), origin, conf, false, records).clean())
        .collect()
}

fn all_stats(boxes: &[Box_]) -> Vec<HashMap<String, i64>> {
    boxes.iter().map(Box_::stats).collect()
}

/// A quiet farm of three boxes whose ticket keys rotate every second (an elected master), with
/// every subscriber up and the first rings installed.
struct RotatingFarm {
    boxes: Vec<Box_>,
    ports: Vec<u16>,
    _origin: Origin,
    redis: Redis,
}

fn rotating_farm(name: &str) -> RotatingFarm {
    let redis = Redis::start(name);
    let conf = share_conf_with(
        name,
        &redis,
        "stek_interval 1\nstek_overlap 2\nstek_master auto\n",
    );
    let origin = Origin::start();
    let boxes = quiet_farm(&format!("farm-{name}"), &origin, &conf, &[]);
    let ports: Vec<u16> = boxes.iter().map(Box_::tls_port).collect();
    wait_subscribers(&redis, 3);
    assert!(
        eventually(10, || boxes.iter().all(|b| b.stat("stek_updates") >= 2)),
        "{:?}",
        all_stats(&boxes)
    );
    RotatingFarm {
        boxes,
        ports,
        _origin: origin,
        redis,
    }
}

#[test]
fn a_thousand_tls12_sessions_and_tls13_tickets_resume_on_other_boxes() {
    let RotatingFarm { boxes, ports, .. } = &rotating_farm("scale");

    // TLS 1.2 session ids: each resumes through the sessions the plugin shares.
    let t = Instant::now();
    let run = cross_box_run(ports, &[Kind::Tls12Id], 1000, 4, SHARED_AGE, ms(0));
    let (ok, n) = run.resumed(Kind::Tls12Id);
    eprintln!(
        "TLS 1.2 session ids: {ok}/{n} resumed on another box in {:?}",
        t.elapsed()
    );
    assert!(run.failures.is_empty(), "{:?}", run.failures);
    assert_eq!(n, 1000);
    assert!(ok * 100 >= n * 99, "{ok}/{n} resumed");

    // TLS 1.3 tickets, paced over about 5 s: the ticket keys rotate every second meanwhile. The
    // tickets must resume across at least 3 rotations on every box: on a loaded 2-core machine
    // the master's timer and the rings' delivery lag, so batches of 200 more follow until every
    // box has installed 3 more rings (nominally done within the first 5 s), for at most 30 s in
    // all: rotations every second and fewer than 3 in 30 s is broken rotation, not a slow one.
    let before: Vec<i64> = boxes.iter().map(|b| b.stat("stek_updates")).collect();
    let rotations = || {
        boxes
            .iter()
            .zip(&before)
            .map(|(b, n)| b.stat("stek_updates") - n)
            .min()
            .unwrap()
    };
    let t = Instant::now();
    let mut run = cross_box_run(ports, &[Kind::Tls13Ticket], 1000, 4, ms(150), ms(20));
    let mut total = 1000;
    while rotations() < 3 && t.elapsed() < Duration::from_secs(30) {
        let more = cross_box_run(ports, &[Kind::Tls13Ticket], 200, 4, ms(150), ms(20));
        run.attempts.extend(more.attempts);
        run.failures.extend(more.failures);
        total += 200;
    }
    let (ok, n) = run.resumed(Kind::Tls13Ticket);
    let stats = all_stats(boxes);
    eprintln!(
        "TLS 1.3 tickets: {ok}/{n} resumed on another box in {:?}; {stats:?}",
        t.elapsed()
    );
    assert!(run.failures.is_empty(), "{:?}", run.failures);
    assert_eq!(n, total);
    assert_eq!(ok, n, "tickets lost to a rotation");
    for (b, s) in before.iter().zip(&stats) {
        assert!(
            s["stek_updates"] - b >= 3,
            "too few rotations: {before:?} {stats:?}"
        );
    }
    assert!(
        stats
            .iter()
            .all(|s| s["auth_failures"] == 0 && s["dropped"] == 0),
        "{stats:?}"
    );
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// How long after its full handshake a session (id or TLS 1.3 stateful) is offered to another
/// box: the time the plugin has to share it (publish, Redis, the peers' subscribers). A few
/// milliseconds on an idle machine (see propagation_latency); 500 ms (it was 150 ms) lets a
/// loaded 2-core machine stall a box's subscriber thread for that long without failing a
/// resumption. A session that is not shared at all still fails.
const SHARED_AGE: Duration = Duration::from_millis(500);

#[test]
fn a_thousand_tls13_stateful_sessions_resume_on_other_boxes() {
    let redis = Redis::start("stateful");
    // No shared ticket keys: a TLS 1.3 resumption on another box can only come from a session
    // the plugin shared.
    let conf = share_conf("stateful", &redis);
    let origin = Origin::start();
    let boxes = quiet_farm(
        "farm-stateful",
        &origin,
        &conf,
        &["CONFIG proxy.config.ssl.session_cache.tls13 INT 1"],
    );
    let ports: Vec<u16> = boxes.iter().map(Box_::tls_port).collect();
    wait_subscribers(&redis, 3);
    let t = Instant::now();
    let run = cross_box_run(&ports, &[Kind::Tls13Stateful], 1000, 4, SHARED_AGE, ms(0));
    let (ok, n) = run.resumed(Kind::Tls13Stateful);
    let stats = all_stats(&boxes);
    eprintln!(
        "TLS 1.3 stateful: {ok}/{n} resumed on another box in {:?}; {stats:?}",
        t.elapsed()
    );
    assert!(run.failures.is_empty(), "{:?}", run.failures);
    assert_eq!(n, 1000);
    assert!(ok * 100 >= n * 99, "{ok}/{n} resumed");
    // Each of the 1000 full handshakes (and the resumptions, which get a new session in TLS 1.3)
    // was published; the peers inserted them.
    let total = |k: &str| stats.iter().map(|s| s[k]).sum::<i64>();
    assert!(total("published") >= 1000, "{stats:?}");
    assert!(total("inserted") >= 1000, "{stats:?}");
}

#[test]
fn redis_killed_mid_run_fails_nothing_and_resumption_recovers_within_2s() {
    let RotatingFarm {
        boxes,
        ports,
        redis,
        ..
    } = &mut rotating_farm("kill");
    // About 12 s of cross-box resumptions (session ids and tickets, alternating); Redis is
    // killed 2 s in and restarted 2 s later (its port held meanwhile, see Redis). The run lasts
    // until ~6 s after the recovery deadline (restart + 2 s) on an idle machine, ~150 session-id
    // attempts after it of which at least 50 are required: a slow restart or a stalled load
    // (loaded 2-core machine) leaves enough (8 s of load, as before, left ~50 on an idle
    // machine: no slack at all).
    let start = Instant::now();
    let (run, restarted) = std::thread::scope(|sc| {
        let load = sc.spawn(|| {
            cross_box_run(
                ports,
                &[Kind::Tls12Id, Kind::Tls13Ticket],
                300,
                2,
                SHARED_AGE,
                ms(40),
            )
        });
        std::thread::sleep(ms(2000));
        redis.kill();
        eprintln!("redis-server killed at {:?}", start.elapsed());
        std::thread::sleep(ms(2000));
        redis.restart();
        let restarted = Instant::now();
        eprintln!("redis-server restarted at {:?}", start.elapsed());
        (load.join().unwrap(), restarted)
    });
    let stats = all_stats(boxes);
    eprintln!("run of {:?}; {stats:?}", start.elapsed());
    assert!(
        run.failures.is_empty(),
        "failed handshakes or requests: {:?}",
        run.failures
    );
    let ids_after = |from: Instant| {
        run.attempts
            .iter()
            .filter(|a| a.kind == Kind::Tls12Id && a.at >= from)
            .collect::<Vec<_>>()
    };
    // Recovery: the last cross-box session-id resumption that failed after the restart.
    let last_miss = ids_after(restarted)
        .iter()
        .filter(|a| !a.resumed)
        .map(|a| a.at.duration_since(restarted))
        .max();
    eprintln!("last missed session-id resumption after the restart: {last_miss:?}");
    // Recovery within 2 s of the restart (Redis answering): the plugin reconnects with a backoff
    // capped at 400 ms (then a session made is offered SHARED_AGE later), so 2 s leaves over a
    // second for a loaded machine; the test's name promises it.
    let late = ids_after(restarted + ms(2000));
    assert!(
        late.len() >= 50,
        "too few attempts after recovery: {}",
        late.len()
    );
    assert!(
        late.iter().all(|a| a.resumed),
        "resumption not recovered 2 s after the restart: last miss {last_miss:?}"
    );
    // Tickets never needed Redis on the handshake path: they resumed throughout.
    let (ok, n) = run.resumed(Kind::Tls13Ticket);
    assert!(ok * 100 >= n * 99, "tickets: {ok}/{n}");
    assert!(stats.iter().all(|s| s["reconnects"] >= 1), "{stats:?}");
    assert!(stats.iter().all(|s| s["auth_failures"] == 0), "{stats:?}");
}

/// A SIGSTOPped process (a hung server: its sockets stay open, nothing answers); SIGCONT when
/// dropped, so a failing test leaves nothing stopped.
struct Stopped(libc::pid_t);

impl Stopped {
    fn new(pid: u32) -> Stopped {
        let pid = pid as libc::pid_t;
        // SAFETY: signalling a child this test started (and still owns).
        assert_eq!(unsafe { libc::kill(pid, libc::SIGSTOP) }, 0, "SIGSTOP");
        Stopped(pid)
    }
}

impl Drop for Stopped {
    fn drop(&mut self) {
        // SAFETY: as in new(); the process is still ours (Redis kills it only after this drops).
        unsafe { libc::kill(self.0, libc::SIGCONT) };
    }
}

/// Latencies seen by clients of one box during one phase.
#[derive(Default)]
struct Latencies {
    /// TCP connect, a TLS 1.2 handshake offering a session id the box does not know, one
    /// request and its response.
    handshakes: Vec<Duration>,
    /// One request and its response on an established keep-alive TLS connection.
    requests: Vec<Duration>,
    failures: Vec<String>,
}

/// The `p`th percentile of `v`.
fn percentile(v: &[Duration], p: usize) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    v[(v.len() * p / 100).min(v.len() - 1)]
}

impl Latencies {
    fn report(&self, what: &str) {
        let h = &self.handshakes;
        let r = &self.requests;
        eprintln!(
            "{what}: {} handshakes offering an unknown session id: median {:?} p90 {:?} max {:?}; \
             {} keep-alive requests: median {:?} p90 {:?} max {:?}",
            h.len(),
            percentile(h, 50),
            percentile(h, 90),
            percentile(h, 100),
            r.len(),
            percentile(r, 50),
            percentile(r, 90),
            percentile(r, 100),
        );
    }
}

/// A keep-alive TLS 1.2 connection to `port`.
fn keepalive(c: &SslConnector, port: u16) -> common::proxy::Client<SslStream<TcpStream>> {
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    tcp.set_nodelay(true).unwrap();
    let ssl = c
        .configure()
        .unwrap()
        .verify_hostname(false)
        .into_ssl("example.com")
        .unwrap();
    let mut s = SslStream::new(ssl, tcp).unwrap();
    s.connect().expect("keep-alive handshake");
    common::proxy::Client::new(s)
}

/// Two clients make `n` handshakes each on every port of `ports` in turn, offering `unknown`
/// (a session none of them knows), while a third sends requests in turn on four keep-alive TLS
/// connections per port, opened beforehand. Turn by turn, so that every box is measured under the
/// same load of the machine. The latencies per port.
fn handshakes_and_keepalive(ports: &[u16], unknown: &SslSession, n: usize) -> Vec<Latencies> {
    let c = connector(Kind::Tls12Id);
    let mut conns: Vec<_> = (0..4)
        .flat_map(|_| ports.iter().map(|&p| keepalive(&c, p)))
        .collect();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let mut out: Vec<Latencies> = ports.iter().map(|_| Latencies::default()).collect();
    std::thread::scope(|sc| {
        let clients: Vec<_> = (0..2)
            .map(|_| {
                sc.spawn(|| {
                    let mut out: Vec<Latencies> =
                        ports.iter().map(|_| Latencies::default()).collect();
                    for _ in 0..n {
                        for (i, &port) in ports.iter().enumerate() {
                            let t = Instant::now();
                            match tls_get(&c, port, Some(unknown)) {
                                Ok((false, _)) => out[i].handshakes.push(t.elapsed()),
                                Ok((true, _)) => {
                                    out[i].failures.push("an unknown session resumed".into())
                                }
                                Err(e) => out[i].failures.push(format!("handshake: {e}")),
                            }
                        }
                    }
                    done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    out
                })
            })
            .collect();
        let mut k = 0;
        while done.load(std::sync::atomic::Ordering::SeqCst) < 2 {
            let i = k % ports.len();
            let n_conns = conns.len();
            let client = &mut conns[k % n_conns];
            k += 1;
            let t = Instant::now();
            client.send(b"GET /size/100 HTTP/1.1\r\nHost: example.com\r\n\r\n");
            match client.try_response(false) {
                Ok(r) if r.status == 200 && r.body.len() == 100 => {
                    out[i].requests.push(t.elapsed())
                }
                Ok(r) => out[i]
                    .failures
                    .push(format!("keep-alive: status {}", r.status)),
                Err(e) => out[i].failures.push(format!("keep-alive: {e}")),
            }
            std::thread::sleep(ms(2));
        }
        for h in clients {
            for (o, l) in out.iter_mut().zip(h.join().unwrap()) {
                o.handshakes.extend(l.handshakes);
                o.failures.extend(l.failures);
            }
        }
    });
    out
}

/// Issue 14 item 14: a hung Redis (SIGSTOP: connections are accepted by the kernel, nothing
/// answers) must cost handshakes and unrelated connections no more than the lookup budget, and
/// only until the circuit breaker opens. After SIGCONT a probe (after the cooldown) closes the
/// breaker and sessions are shared again. The plugin runs with its defaults (5 ms budget, 3
/// timeouts, 5 s cooldown), in either lookup mode: sync (the GET on the network thread, in the
/// session hook) and async (the default: the handshake held at the ClientHello hook while a worker
/// asks Redis; the same budget and breaker).
///
/// Box a (the plugin) is measured against box `control` (no plugin) turn by turn, under the same
/// load: this machine may be busy (a debug build, cores shared with other work), so the bounds are
/// relative to the control's latencies. Before the fix every miss on box a waited 50 ms or more
/// (and made the other connections of its network thread wait as long).
#[test]
fn hung_redis_costs_a_handshake_at_most_the_budget_sync() {
    hung_redis_costs_a_handshake_at_most_the_budget("sync");
}

#[test]
fn hung_redis_costs_a_handshake_at_most_the_budget_async() {
    hung_redis_costs_a_handshake_at_most_the_budget("async");
}

fn hung_redis_costs_a_handshake_at_most_the_budget(mode: &str) {
    let _alone = EXCLUSIVE.write().unwrap_or_else(|e| e.into_inner());
    let name = format!("hung-{mode}");
    let redis = Redis::start_alone(&name);
    let conf = share_conf_with(&name, &redis, &format!("lookup {mode}\n"));
    let origin = Origin::start();
    let a = Box_::start(&format!("farm-{name}-a"), &origin, &conf);
    let b = Box_::start(&format!("farm-{name}-b"), &origin, &conf);
    wait_subscribers(&redis, 2);
    // Boxes with the same certificate and no plugin: the control, and one whose sessions are
    // unknown to every other box and never in Redis (offering one makes box a look it up).
    let (files, multicert) = example_cert();
    let plain = |name: &str| {
        Proxy::start(
            name,
            &origin,
            Setup {
                multicert: Some(multicert.clone()),
                files: files.clone(),
                ..Default::default()
            },
        )
    };
    let control = plain(&format!("farm-{name}-control"));
    let source = plain(&format!("farm-{name}-source"));
    let c = connector(Kind::Tls12Id);
    let (_, unknown) = tls_get(&c, source.tls_port, None).expect("source box");
    drop(source);
    let ports = [a.tls_port(), control.tls_port];

    let start = a.stats();
    let healthy = handshakes_and_keepalive(&ports, &unknown, 30);
    healthy[0].report(&format!("healthy redis, box a ({mode})"));
    healthy[1].report("healthy redis, control");
    assert!(healthy[0].failures.is_empty(), "{:?}", healthy[0].failures);
    let lines = |what: &str| a.proxy.stderr().matches(what).count();
    let now = a.stats();
    eprintln!(
        "healthy redis: {} lookups took the budget (a busy machine), breaker opened {} time(s)",
        now["get_timeouts"] - start["get_timeouts"],
        lines("circuit breaker open")
    );
    // A busy machine may have made lookups to a healthy Redis take the whole budget: the breaker
    // closes again after its cooldown, at the next miss.
    assert!(
        eventually(15, || {
            let _ = tls_get(&c, a.tls_port(), Some(&unknown));
            lines("circuit breaker open") == lines("circuit breaker closed")
        }),
        "{}",
        a.proxy.stderr()
    );

    let opened_before = lines("circuit breaker open");
    let before = a.stats();
    let stopped = Stopped::new(redis.child.as_ref().unwrap().id());
    let t = Instant::now();
    let hung = handshakes_and_keepalive(&ports, &unknown, 30);
    let took = t.elapsed();
    hung[0].report(&format!("hung redis, box a ({mode})"));
    hung[1].report("hung redis, control");
    assert!(hung[0].failures.is_empty(), "{:?}", hung[0].failures);
    // Latencies: box a's medians within 25 ms of the control's (a few handshakes pay the 5 ms
    // budget, the others nothing; before, every miss paid 50 ms or more). Percentiles above the median are reported, not bounded: on a
    // busy machine either box sees stalls of its own (up to a second, measured without a single
    // lookup under way).
    for (x, c, what) in [
        (&hung[0].handshakes, &hung[1].handshakes, "handshakes"),
        (&hung[0].requests, &hung[1].requests, "keep-alive requests"),
    ] {
        let (x, c) = (percentile(x, 50), percentile(c, 50));
        assert!(
            x <= c + ms(25),
            "{what} with a hung redis: median {x:?} on box a, {c:?} on the control"
        );
    }
    // What the plugin did meanwhile: breaker_failures (3) lookups took the budget (one more
    // may have been under way on the other network thread), then one probe per cooldown (5 s);
    // every other miss was not looked up (the breaker open, or a reconnect waiting after a
    // failed one) or failed at once: each of box a's 60 misses is one of the three. stat_dump
    // writes the file every 20 ms: the last counts may take a moment (at most 2 s here).
    let counted = |s: &HashMap<String, i64>| {
        ["get_timeouts", "get_skipped", "get_errors"]
            .iter()
            .map(|k| s[*k] - before[*k])
            .sum::<i64>()
    };
    let mut after = a.stats();
    let wait = Instant::now() + Duration::from_secs(2);
    while counted(&after) < 60 && Instant::now() < wait {
        std::thread::sleep(Duration::from_millis(20));
        after = a.stats();
    }
    let delta = |k: &str| after[k] - before[k];
    eprintln!(
        "hung redis: {} lookups took the budget, {} misses not looked up, {} failed at once, \
         in {took:?}",
        delta("get_timeouts"),
        delta("get_skipped"),
        delta("get_errors")
    );
    let probes = took.as_secs() as i64 / 5 + 1;
    assert!(
        (3..=4 + probes).contains(&delta("get_timeouts")),
        "{before:?} {after:?}"
    );
    assert_eq!(counted(&after), 60, "{before:?} {after:?}");
    // The box still resumes its own sessions, and said once that the breaker opened.
    let (_, own) = tls_get(&c, a.tls_port(), None).unwrap();
    assert!(tls_get(&c, a.tls_port(), Some(&own)).unwrap().0);
    assert_eq!(
        lines("circuit breaker open"),
        opened_before + 1,
        "{}",
        a.proxy.stderr()
    );

    // Redis answers again: after the cooldown the next lookup is a probe, it is answered and
    // closes the breaker; sessions made on box b resume on box a again.
    drop(stopped);
    let resumed_at = Instant::now();
    assert!(
        eventually(15, || {
            let _ = tls_get(&c, a.tls_port(), Some(&unknown));
            lines("circuit breaker closed") == opened_before + 1
        }),
        "{}",
        a.proxy.stderr()
    );
    eprintln!("breaker closed {:?} after SIGCONT", resumed_at.elapsed());
    // Up to 15 s (slack for a loaded machine; milliseconds when idle): new sessions from box b,
    // each offered to box a for up to 1 s.
    assert!(
        eventually(15, || {
            let (_, s) = tls_get(&c, b.tls_port(), None).unwrap();
            eventually(1, || tls_get(&c, a.tls_port(), Some(&s)).unwrap().0)
        }),
        "sessions not shared after redis resumed"
    );
}

#[test]
fn two_ticket_key_masters_converge_and_tickets_still_resume() {
    let redis = Redis::start("split");
    let conf = |name: &str, master: &str| {
        share_conf_with(
            name,
            &redis,
            &format!("stek_interval 1\nstek_overlap 2\nstek_master {master}\n"),
        )
    };
    let (yes_a, yes_b, no) = (
        conf("split-a", "yes"),
        conf("split-b", "yes"),
        conf("split-c", "no"),
    );
    let origin = Origin::start();
    // Two boxes both configured as the master (a split brain), started at the same moment so
    // their first rings collide; a third follows.
    let boxes: Vec<Box_> = std::thread::scope(|sc| {
        let a = sc.spawn(|| Box_::start_with("farm-split-a", &origin, &yes_a, true, &[]));
        let b = sc.spawn(|| Box_::start_with("farm-split-b", &origin, &yes_b, true, &[]));
        let c = Box_::start_with("farm-split-c", &origin, &no, true, &[]);
        vec![a.join().unwrap(), b.join().unwrap(), c]
    });
    let ports: Vec<u16> = boxes.iter().map(Box_::tls_port).collect();
    assert!(
        eventually(10, || boxes.iter().all(|b| b.stat("stek_updates") >= 2)),
        "{:?}",
        all_stats(&boxes)
    );
    let run = cross_box_run(&ports, &[Kind::Tls13Ticket], 300, 2, ms(150), ms(20));
    let (ok, n) = run.resumed(Kind::Tls13Ticket);
    let stats = all_stats(&boxes);
    eprintln!("two masters: {ok}/{n} resumed; {stats:?}");
    assert!(run.failures.is_empty(), "{:?}", run.failures);
    assert!(ok * 100 >= n * 99, "{ok}/{n} resumed");
    assert_eq!(
        stats.iter().map(|s| s["stek_master"]).collect::<Vec<_>>(),
        [1, 1, 0]
    );
    // Whatever collided, the boxes agree on the ring's generation.
    assert!(
        eventually(5, || {
            let g: Vec<i64> = boxes.iter().map(|b| b.stat("stek_generation")).collect();
            g[0] > 0 && g.iter().all(|&x| x == g[0])
        }),
        "{:?}",
        all_stats(&boxes)
    );
}

#[test]
fn failover_list_and_auth_password_file() {
    let redis = Redis::start_with("auth", &["--requirepass", "s3cret-farm"]);
    let port = redis.port;
    let (_held, dead) = refused_port();
    let d = temp_dir("farm-auth-conf");
    let key: Vec<u8> = (0..32u8).map(|i| i ^ 0x5a).collect();
    std::fs::write(d.join("farm.key"), key).unwrap();
    std::fs::write(d.join("good.pass"), "s3cret-farm\n").unwrap();
    std::fs::write(d.join("bad.pass"), "wrong\n").unwrap();
    let conf = |name: &str, pass: &str| {
        let p = d.join(format!("{name}.conf"));
        // The first endpoint is down: every connection fails over to the second.
        std::fs::write(
            &p,
            format!(
                "redis 127.0.0.1:{dead}\nredis 127.0.0.1:{port}\ncluster {CLUSTER}\n\
                 key_file farm.key\nauth_file {pass}\n"
            ),
        )
        .unwrap();
        p
    };
    let origin = Origin::start();
    let good = conf("good", "good.pass");
    let boxes: Vec<Box_> = (0..2)
        .map(|i| Box_::start(&format!("farm-auth-{i}"), &origin, &good))
        .collect();
    let sess_dir = temp_dir("farm-auth-sess");
    for i in 0..6 {
        let sess = sess_dir.join(format!("{i}.pem"));
        fresh(boxes[i % 2].tls_port(), &sess);
        assert!(
            eventually(10, || resumes(boxes[(i + 1) % 2].tls_port(), &sess)),
            "session {i} not resumed on the other box"
        );
    }
    // The stat file is written every 20 ms: the last publish may not be in it yet (a box
    // published 2 while the other had received 3 of its sessions).
    assert!(
        eventually(5, || all_stats(&boxes)
            .iter()
            .all(|s| s["published"] >= 3 && s["auth_failures"] == 0)),
        "{:?}",
        all_stats(&boxes)
    );
    // A box with the wrong password says so, and keeps serving TLS on its own.
    let bad = Box_::start_with(
        "farm-auth-bad",
        &origin,
        &conf("bad", "bad.pass"),
        true,
        &[],
    );
    let sess = sess_dir.join("bad.pem");
    fresh(bad.tls_port(), &sess);
    assert!(resumes(bad.tls_port(), &sess));
    assert!(
        eventually(5, || bad.proxy.stderr().contains("AUTH failed")),
        "{}",
        bad.proxy.stderr()
    );
    assert!(
        !resumes(boxes[0].tls_port(), &sess),
        "published without AUTH?"
    );
}

/// The propagation benchmark (bench/farm-latency runs it on the release build; not part of
/// `make test`): a session is made on one box (TLS 1.2, session id), then a client immediately
/// offers it to another box, again and again until it resumes. Reported, p50 and p99:
/// - client view: from the end of the full handshake on box A to the end of the first handshake
///   on box B that resumed it (an upper bound: it includes that handshake and failed tries);
/// - plugin view: box B's `propagation_us`, from A's NEW hook (the sender's timestamp in the
///   message) to B's subscriber receiving it.
#[test]
#[ignore = "a benchmark: bench/farm-latency runs it on the release build"]
fn propagation_latency() {
    let samples: usize = std::env::var("FARM_LATENCY_SAMPLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let redis = Redis::start("latency");
    let conf = share_conf("latency", &redis);
    let origin = Origin::start();
    let boxes = quiet_farm("farm-latency", &origin, &conf, &[]);
    wait_subscribers(&redis, 3);
    let c = connector(Kind::Tls12Id);
    let (mut client, mut plugin, mut tries) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..samples {
        let (a, b) = (i % 3, (i + 1 + i / 3 % 2) % 3);
        let (_, sess) = tls_get(&c, boxes[a].tls_port(), None).expect("full handshake");
        let made = Instant::now();
        let mut n = 0;
        loop {
            n += 1;
            let (resumed, _) = tls_get(&c, boxes[b].tls_port(), Some(&sess)).expect("handshake");
            if resumed {
                break;
            }
            assert!(made.elapsed() < Duration::from_secs(5), "never resumed");
        }
        client.push(made.elapsed());
        tries.push(n);
        // B's last received message is this session's (its own sessions go to A and C).
        std::thread::sleep(ms(40));
        plugin.push(Duration::from_micros(boxes[b].stat("propagation_us") as u64));
    }
    let pct = |v: &mut Vec<Duration>, p: usize| {
        v.sort();
        v[(v.len() * p / 100).min(v.len() - 1)]
    };
    let first = tries.iter().filter(|&&n| n == 1).count();
    println!("propagation over {samples} sessions (3 boxes, one redis-server, loopback):");
    println!(
        "  client view (NEW on box A -> resumed on box B): p50 {:?}  p99 {:?}  ({first}/{samples} resumed at the first try)",
        pct(&mut client, 50),
        pct(&mut client, 99)
    );
    println!(
        "  plugin view (A's NEW hook -> B's subscriber):  p50 {:?}  p99 {:?}",
        pct(&mut plugin, 50),
        pct(&mut plugin, 99)
    );
}

// ---- The async lookup: TS_SSL_CLIENT_HELLO_HOOK held while a worker thread asks Redis ----

/// A box that never received a PUBLISH (the farm runs with `publish no`: sessions are only
/// stored) resumes, at the first offer, sessions made on the other boxes: its ClientHello hook
/// holds the handshake while a worker GETs the session (TLS 1.2 session ids, and TLS 1.3 stateful
/// tickets, whose PSK identity is the session id the lookup asks for).
#[test]
fn with_publishing_off_a_box_resumes_another_boxs_session_through_the_async_lookup() {
    let redis = Redis::start("async-get");
    // A generous budget: only the held handshake waits for it (a loaded machine may take more
    // than the default 5 ms).
    let conf = share_conf_with(
        "async-get",
        &redis,
        "publish no\nlookup async\nget_timeout_ms 2000\n",
    );
    let origin = Origin::start();
    let boxes = quiet_farm(
        "farm-async-get",
        &origin,
        &conf,
        &["CONFIG proxy.config.ssl.session_cache.tls13 INT 1"],
    );
    wait_subscribers(&redis, 3);
    let before = all_stats(&boxes);
    let mut offers = [0i64; 3];
    for (kind, tickets) in [(Kind::Tls12Id, 1), (Kind::Tls13Stateful, 2)] {
        let c = connector(kind);
        for i in 0..12 {
            let (a, b) = (i % 3, (i + 1 + i / 3 % 2) % 3);
            let published = boxes[a].stat("published");
            let (resumed, sess) = tls_get(&c, boxes[a].tls_port(), None).expect("full handshake");
            assert!(!resumed);
            // Stored in Redis (one session per TLS 1.2 handshake, one per TLS 1.3 ticket).
            assert!(
                eventually(10, || boxes[a].stat("published") >= published + tickets),
                "{kind:?}: not stored"
            );
            let (resumed, _) = tls_get(&c, boxes[b].tls_port(), Some(&sess)).expect("handshake");
            assert!(
                resumed,
                "{kind:?} session {i}: made on box {a}, not resumed on box {b}"
            );
            offers[b] += 1;
        }
    }
    // stat_dump writes every 20 ms: the last counts may take a moment.
    let counted = |b: usize| {
        let s = boxes[b].stats();
        ["held", "inserted", "received"]
            .iter()
            .all(|k| s[*k] - before[b][*k] >= offers[b])
    };
    assert!(eventually(5, || (0..3).all(counted)));
    let after = all_stats(&boxes);
    eprintln!("publish off, async lookup: {after:?}");
    for (i, (x, y)) in before.iter().zip(&after).enumerate() {
        let d = |k: &str| y[k] - x[k];
        // Every offer was held for a lookup; each found and inserted its session.
        assert_eq!(d("held"), offers[i], "box {i}: {x:?} {y:?}");
        assert_eq!(d("inserted"), offers[i], "box {i}: {x:?} {y:?}");
        assert_eq!(d("received"), offers[i], "box {i}: nothing came by pub/sub");
        assert_eq!(d("get_timeouts") + d("get_errors"), 0, "box {i}: {y:?}");
    }
}

/// Handshake durations on one box during a hung-Redis phase.
#[derive(Default)]
struct HungRun {
    /// Offering a session id no box knows (looked up: held, or the network thread blocked).
    unknown: Vec<Duration>,
    /// Offering nothing (nothing to look up), at the same time on the same box.
    plain: Vec<Duration>,
}

/// Four clients offer `unknown` five times each to `port` while four others make plain
/// handshakes (no session offered) until they are done.
fn hung_phase(port: u16, unknown: &SslSession) -> HungRun {
    let c = connector(Kind::Tls12Id);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let mut run = HungRun::default();
    std::thread::scope(|sc| {
        let offering: Vec<_> = (0..4)
            .map(|_| {
                sc.spawn(|| {
                    let mut v = Vec::new();
                    for _ in 0..5 {
                        let t = Instant::now();
                        let (resumed, _) = tls_get(&c, port, Some(unknown)).expect("handshake");
                        v.push(t.elapsed());
                        assert!(!resumed, "an unknown session resumed");
                    }
                    done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    v
                })
            })
            .collect();
        let plain: Vec<_> = (0..4)
            .map(|_| {
                sc.spawn(|| {
                    let mut v = Vec::new();
                    while done.load(std::sync::atomic::Ordering::SeqCst) < 4 {
                        let t = Instant::now();
                        tls_get(&c, port, None).expect("plain handshake");
                        v.push(t.elapsed());
                        std::thread::sleep(ms(5));
                    }
                    v
                })
            })
            .collect();
        for h in offering {
            run.unknown.extend(h.join().unwrap());
        }
        for h in plain {
            run.plain.extend(h.join().unwrap());
        }
    });
    run
}

impl HungRun {
    fn report(&self, what: &str) {
        eprintln!(
            "{what}: {} handshakes offering an unknown session: p50 {:?} max {:?}; {} plain \
             handshakes meanwhile: p50 {:?} p90 {:?} max {:?}",
            self.unknown.len(),
            percentile(&self.unknown, 50),
            percentile(&self.unknown, 100),
            self.plain.len(),
            percentile(&self.plain, 50),
            percentile(&self.plain, 90),
            percentile(&self.plain, 100),
        );
    }
}

/// With a hung Redis (SIGSTOP) the async lookup holds a handshake that offers an unknown session
/// for the budget (300 ms here, the breaker kept closed so that every lookup waits it out) and not
/// longer: it then completes as a full handshake; handshakes that offer nothing, on the same box
/// at the same time, are not delayed. A box in sync mode with the same budget is measured beside
/// it (reported: there the network thread waits, and its other handshakes with it).
#[test]
fn hung_redis_holds_an_async_handshake_at_most_the_budget_and_delays_no_other() {
    let _alone = EXCLUSIVE.write().unwrap_or_else(|e| e.into_inner());
    let redis = Redis::start_alone("hung-async");
    let budget = "get_timeout_ms 300\nbreaker_failures 1000\n";
    let conf_async = share_conf_with("hung-async", &redis, budget);
    let conf_sync = share_conf_with("hung-sync", &redis, &format!("{budget}lookup sync\n"));
    let origin = Origin::start();
    let a = Box_::start_with("farm-hung-async", &origin, &conf_async, false, &[]).clean();
    let s = Box_::start_with("farm-hung-sync", &origin, &conf_sync, false, &[]).clean();
    wait_subscribers(&redis, 2);
    // A session from a box with the same certificate and no plugin: unknown to the farm.
    let (files, multicert) = example_cert();
    let source = Proxy::start(
        "farm-hung-async-source",
        &origin,
        Setup {
            multicert: Some(multicert.clone()),
            files: files.clone(),
            ..Default::default()
        },
    );
    let c = connector(Kind::Tls12Id);
    let (_, unknown) = tls_get(&c, source.tls_port, None).expect("source box");
    drop(source);

    let healthy = hung_phase(a.tls_port(), &unknown);
    healthy.report("healthy redis, async");
    // stat_dump writes every 20 ms: the healthy phase's 20 offers first.
    assert!(eventually(5, || a.stat("held") >= 20), "{:?}", a.stats());
    let before = a.stats();
    let stopped = Stopped::new(redis.child.as_ref().unwrap().id());
    let hung_async = hung_phase(a.tls_port(), &unknown);
    let hung_sync = hung_phase(s.tls_port(), &unknown);
    drop(stopped);
    hung_async.report("hung redis, async (budget 300 ms)");
    hung_sync.report("hung redis, sync (budget 300 ms)");
    assert!(eventually(5, || a.stat("held") >= before["held"] + 20));
    let after = a.stats();

    // Each offer waited for the budget (the lookup ran and timed out) and then went on: held
    // no longer than the budget plus slack for a loaded machine.
    let budget = ms(300);
    for d in &hung_async.unknown {
        assert!(*d >= budget - ms(10), "not held for the lookup: {d:?}");
        assert!(*d < budget + ms(700), "held past the budget: {d:?}");
    }
    // Nothing else waited: 90% of the plain handshakes take far less than the budget (in sync
    // mode, those that land on a network thread blocked in a lookup wait for it: reported).
    let p90 = percentile(&hung_async.plain, 90);
    assert!(p90 < ms(100), "plain handshakes delayed: p90 {p90:?}");
    let d = |k: &str| after[k] - before[k];
    assert_eq!(d("held"), 20, "{before:?} {after:?}");
    assert_eq!(d("get_timeouts"), 20, "{before:?} {after:?}");
}

/// A client that gives up while its handshake is held (a hung Redis, a 1 s budget): tshost keeps
/// the connection until the worker reenables it at the budget (so the plugin's guard against
/// reenabling a closed TSVConn, for hosts that close a held connection earlier, is not needed
/// here), then closes it; the request is freed on VCONN_CLOSE and the box serves on.
#[test]
fn a_client_that_gives_up_while_held_costs_one_bounded_lookup() {
    let redis = Redis::start_alone("held-close");
    let conf = share_conf_with("held-close", &redis, "get_timeout_ms 1000\n");
    let origin = Origin::start();
    let a = Box_::start_with("farm-held-close", &origin, &conf, true, &[]).clean();
    wait_subscribers(&redis, 1);
    let c = connector(Kind::Tls12Id);
    // A session from a box with the same certificate and no plugin: unknown to the farm.
    let (_, unknown) = {
        let (files, multicert) = example_cert();
        let source = Proxy::start(
            "farm-held-close-source",
            &origin,
            Setup {
                multicert: Some(multicert.clone()),
                files: files.clone(),
                ..Default::default()
            },
        );
        tls_get(&c, source.tls_port, None).expect("source box")
    };
    let stopped = Stopped::new(redis.child.as_ref().unwrap().id());
    let tcp = TcpStream::connect(("127.0.0.1", a.tls_port())).unwrap();
    tcp.set_read_timeout(Some(ms(100))).unwrap();
    let mut ssl = c
        .configure()
        .unwrap()
        .verify_hostname(false)
        .into_ssl("example.com")
        .unwrap();
    // SAFETY: the session comes from a connector of the same kind.
    unsafe { ssl.set_session(&unknown) }.unwrap();
    let held = ssl.connect(tcp);
    assert!(held.is_err(), "the handshake was not held");
    drop(held); // the client gives up: the connection closes while held
    assert!(
        eventually(5, || a.stat("get_timeouts") == 1),
        "{:?}",
        a.stats()
    );
    drop(stopped);
    let (resumed, _) = tls_get(&c, a.tls_port(), None).expect("the box serves on");
    assert!(!resumed);
    assert_eq!(a.stat("held"), 1);
    let line = "a held connection closed before its lookup ended: not reenabled";
    assert!(!a.proxy.stderr().contains(line), "{}", a.proxy.stderr());
}

/// Only what OpenSSL will look up is looked up: a TLS 1.3 ClientHello's legacy session id
/// (random, for middlebox compatibility) is not, nor a stateless TLS 1.3 ticket (no lookup
/// needed), nor a session id offered without a miss (the box's own session): none of these
/// handshakes is held.
#[test]
fn handshakes_with_nothing_to_look_up_are_not_held() {
    let redis = Redis::start("not-held");
    let conf = share_conf("not-held", &redis);
    let origin = Origin::start();
    let a = Box_::start("farm-not-held", &origin, &conf);
    wait_subscribers(&redis, 1);
    for kind in [Kind::Tls13Ticket, Kind::Tls12Id] {
        let c = connector(kind);
        let (_, s) = tls_get(&c, a.tls_port(), None).expect("full handshake");
        for _ in 0..3 {
            let (resumed, _) = tls_get(&c, a.tls_port(), Some(&s)).expect("handshake");
            assert!(resumed, "{kind:?}");
        }
    }
    std::thread::sleep(ms(100)); // stat_dump writes every 20 ms
    assert_eq!(a.stat("held"), 0, "{:?}", a.stats());
}
