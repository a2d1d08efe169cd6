//! A farm of three tshost processes sharing TLS 1.2 session-id sessions through a real
//! redis-server with plugins-c/ssl_session_share.c: resumption on any box, a box started late
//! (GET fallback), forged and replayed messages rejected, Redis killed and restarted; ticket keys (STEK) made by
//! an elected master and rotated through Redis, so TLS 1.2 and 1.3 tickets resume on any box.
//!
//! Stats are read through tests/c/stat_dump.c, a tiny plugin that writes the plugin's TSStat
//! values to a file every 20 ms.

mod common;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::proxy::{s_client, Origin, Proxy, Setup};
use common::{build_plugin_with, crate_dir, temp_dir, Header};

const CLUSTER: &str = "farm";
const STATS: [&str; 9] = [
    "published",
    "received",
    "inserted",
    "dropped",
    "auth_failures",
    "reconnects",
    "stek_updates",
    "replays",
    "stek_master",
];

/// A redis-server on a loopback port, without persistence, in its own directory.
struct Redis {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

impl Redis {
    fn start(name: &str) -> Redis {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut r = Redis {
            child: None,
            port,
            dir: temp_dir(&format!("farm-redis-{name}")),
        };
        r.restart();
        r
    }

    /// Starts (again) on the same port; waits until it answers PING.
    fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server (apt-get install redis-server)");
        self.child = Some(child);
        let end = Instant::now() + Duration::from_secs(10);
        while Instant::now() < end {
            if let Ok(mut c) = TcpStream::connect(("127.0.0.1", self.port)) {
                let mut pong = [0u8; 5];
                if c.write_all(b"PING\r\n").is_ok()
                    && c.read_exact(&mut pong).is_ok()
                    && &pong == b"+PONG"
                {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("redis-server did not start on port {}", self.port);
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One RESP command on a new connection; the raw reply (up to its first line's end).
fn resp(port: u16, args: &[&[u8]]) -> Vec<u8> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect to redis");
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
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

/// Waits (at most 3 s) until Redis holds the session's key.
fn wait_stored(redis: &Redis, hex_id: &str) -> bool {
    let key = session_key(hex_id);
    let end = Instant::now() + Duration::from_secs(3);
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
                records: vec![
                    "CONFIG proxy.config.diags.debug.enabled INT 1".into(),
                    "CONFIG proxy.config.diags.debug.tags STRING ssl_session_share".into(),
                ],
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
        assert!(
            !proxy.stderr().contains("ERROR"),
            "plugin error:\n{}",
            proxy.stderr()
        );
        Box_ { proxy, stats }
    }

    fn tls_port(&self) -> u16 {
        self.proxy.tls_port
    }

    /// The plugin's stats, by short name.
    fn stats(&self) -> HashMap<String, i64> {
        let end = Instant::now() + Duration::from_secs(2);
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

/// Waits (at most `secs`) until `f` holds.
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
    let conf = share_conf("any", &redis);
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
    let conf = share_conf("late", &redis);
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
        eventually(2, || {
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
    let mut blob = Vec::new();
    s.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut buf = [0u8; 4096];
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            break;
        }
        blob.extend(&buf[..n]);
    }
    assert!(blob.starts_with(b"$"), "{}", String::from_utf8_lossy(&blob));
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
    let mut forged = b"TS\x02N".to_vec();
    forged.extend([0xee; 8]); // a box id of nobody
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    forged.extend(now_ms.to_be_bytes()); // a current timestamp
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
    let ok = eventually(3, || {
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
        eventually(3, || boxes[1..].iter().all(|b| b.stat("inserted") == 1)),
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
    let ok = eventually(3, || boxes[1..].iter().all(|b| b.stat("replays") == 2));
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
        eventually(3, || boxes[0].stat("inserted") == 1
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
    assert!(resumes(boxes[1].tls_port(), &s0));

    redis.kill();
    // Every handshake and request still succeeds, and a box resumes its own sessions.
    for (i, b) in boxes.iter().enumerate() {
        for j in 0..3 {
            let sess = dir.join(format!("down-{i}-{j}.pem"));
            let t = Instant::now();
            fresh(b.tls_port(), &sess);
            assert!(resumes(b.tls_port(), &sess), "local resumption failed");
            assert!(
                t.elapsed() < Duration::from_secs(2),
                "handshakes slowed down: {:?}",
                t.elapsed()
            );
        }
    }
    // A session made before the outage still resumes on the box that inserted it.
    assert!(resumes(boxes[1].tls_port(), &s0));

    redis.restart();
    let t = Instant::now();
    let mut n = 0;
    let recovered = eventually(10, || {
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
        eventually(5, || boxes.iter().all(|b| b.stat("reconnects") >= 1)),
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
    let rounds = 40;
    let mut resumed = 0;
    let start = Instant::now();
    for round in 0..rounds {
        // Paced over ~6 s: several rotations happen during the run.
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
        eventually(5, || late.stat("stek_updates") >= 1),
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
    // ring, and tickets still resume across the boxes that are left.
    let m = boxes
        .iter()
        .position(|b| b.stat("stek_master") == 1)
        .unwrap();
    drop(boxes.remove(m));
    boxes.push(late);
    let at: Vec<i64> = boxes.iter().map(|b| b.stat("stek_updates")).collect();
    let t = Instant::now();
    assert!(
        eventually(6, || boxes
            .iter()
            .map(|b| b.stat("stek_master"))
            .sum::<i64>()
            == 1),
        "no new master: {:?}",
        boxes.iter().map(Box_::stats).collect::<Vec<_>>()
    );
    eprintln!("a new master after {:?}", t.elapsed());
    assert!(
        eventually(5, || boxes
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
