//! TLS to origins, second part (issue 19): the client certificate tshost presents
//! (`proxy.config.ssl.client.cert.*`, `.private_key.*`), `proxy.config.ssl.client.sni_policy`,
//! the origin session cache (`proxy.config.ssl.origin_session_cache`), kept-alive TLS origin
//! connections, and the per-transaction settings (conf_remap). The origin is a TLS server made in
//! the test with the openssl crate: its response body says what it saw of the connection (SNI,
//! whether the session was resumed, the client certificate's CN, which connection and request).
mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use openssl::nid::Nid;
use openssl::ssl::{NameType, SslAcceptor, SslFiletype, SslMethod, SslVerifyMode};

use common::proxy::{curl, Client, Origin, Proxy, Setup};
use common::{build_plugin, crate_dir, temp_dir, Header};

/// A self-signed certificate (a CA too) for `cn` with these subjectAltNames, as `name.pem` and
/// `name.key` in `dir`.
fn make_cert(dir: &Path, name: &str, cn: &str, san: &str) -> (PathBuf, PathBuf) {
    let (cert, key) = (
        dir.join(format!("{name}.pem")),
        dir.join(format!("{name}.key")),
    );
    let ok = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .arg("-subj")
        .arg(format!("/CN={cn}"))
        .arg("-addext")
        .arg(format!("subjectAltName={san}"))
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(Stdio::null())
        .status()
        .expect("openssl req");
    assert!(ok.success());
    (cert, key)
}

/// A TLS origin on 127.0.0.1 (TLS 1.2 and 1.3, session tickets): every response is
/// `sni=<SNI or ->;reused=<0|1>;client=<client certificate's CN or ->;conn=<n>;req=<k>`, kept
/// alive, except for a path with `close` in it.
struct TlsOrigin {
    port: u16,
    cert: PathBuf,
    conns: Arc<AtomicUsize>,
}

impl TlsOrigin {
    /// `client_ca`: a client certificate signed by it is required.
    fn start(dir: &Path, client_ca: Option<&Path>) -> TlsOrigin {
        let (cert, key) = make_cert(dir, "origin", "tls-origin", "DNS:127.0.0.1,DNS:localhost");
        let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server()).unwrap();
        b.set_certificate_chain_file(&cert).unwrap();
        b.set_private_key_file(&key, SslFiletype::PEM).unwrap();
        b.set_session_id_context(b"tls-origin").unwrap();
        if let Some(ca) = client_ca {
            b.set_ca_file(ca).unwrap();
            b.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT);
        }
        let acceptor = Arc::new(b.build());
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let conns = Arc::new(AtomicUsize::new(0));
        let count = conns.clone();
        std::thread::spawn(move || {
            for tcp in listener.incoming() {
                let Ok(tcp) = tcp else { break };
                let n = count.fetch_add(1, Ordering::SeqCst) + 1;
                let acceptor = acceptor.clone();
                std::thread::spawn(move || serve(&acceptor, tcp, n));
            }
        });
        TlsOrigin { port, cert, conns }
    }

    fn connections(&self) -> usize {
        self.conns.load(Ordering::SeqCst)
    }
}

fn serve(acceptor: &SslAcceptor, tcp: TcpStream, conn: usize) {
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let Ok(mut s) = acceptor.accept(tcp) else {
        return;
    };
    let sni = s
        .ssl()
        .servername(NameType::HOST_NAME)
        .unwrap_or("-")
        .to_string();
    let reused = s.ssl().session_reused() as u8;
    let client = s
        .ssl()
        .peer_certificate()
        .and_then(|c| {
            let cn = c.subject_name().entries_by_nid(Nid::COMMONNAME).next()?;
            Some(String::from_utf8_lossy(cn.data().as_slice()).into_owned())
        })
        .unwrap_or_else(|| "-".into());
    let mut buf = Vec::new();
    for req in 1.. {
        let head = loop {
            if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break buf.drain(..p + 4).collect::<Vec<u8>>();
            }
            let mut tmp = [0u8; 4096];
            match s.read(&mut tmp) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&tmp[..n]),
            }
        };
        let close = String::from_utf8_lossy(&head)
            .lines()
            .next()
            .unwrap_or("")
            .contains("close");
        let body = format!("sni={sni};reused={reused};client={client};conn={conn};req={req}\n");
        let resp = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: {}\r\n\r\n{body}",
            body.len(),
            if close { "close" } else { "keep-alive" }
        );
        if s.write_all(resp.as_bytes()).is_err() || close {
            let _ = s.shutdown();
            return;
        }
    }
}

/// tshost with these rules and records (the default rules go to a plain origin).
fn proxy(
    name: &str,
    remap: Vec<String>,
    records: Vec<String>,
    files: Vec<(String, Vec<u8>)>,
) -> (Proxy, Origin) {
    let plain = Origin::start();
    let p = Proxy::start(
        name,
        &plain,
        Setup {
            records,
            remap,
            files,
            ..Setup::default()
        },
    );
    (p, plain)
}

fn rec(s: &str) -> String {
    format!("CONFIG {s}")
}

/// GET `path` with `host` on a new connection: (status, body).
fn get(proxy: &Proxy, host: &str, path: &str) -> (u16, String) {
    let mut c = Client::connect(proxy.port);
    let mut k = KeptAlive(&mut c);
    k.get(host, path)
}

/// Requests on one client connection.
struct KeptAlive<'a>(&'a mut Client<TcpStream>);

impl KeptAlive<'_> {
    fn get(&mut self, host: &str, path: &str) -> (u16, String) {
        self.0
            .send(format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n").as_bytes());
        let r = self.0.try_response(false).expect("a response");
        (r.status, r.body_str())
    }
}

fn conf_remap() -> &'static str {
    let so = "/usr/lib/trafficserver/modules/conf_remap.so";
    assert!(Path::new(so).exists(), "{so} is missing");
    so
}

/// The origin asks for a client certificate: without `proxy.config.ssl.client.cert.filename`
/// the connection fails (502, a WARNING naming the origin); with it (relative to `.cert.path`,
/// its key to `.private_key.path`) tshost presents it and the request goes through. Checked on
/// ATS 9.2.9 (2026-12-07) with `openssl s_server -Verify 1 -CAfile client.pem -www` as the
/// origin: 502 without the setting, 200 with `cert.path`/`cert.filename` and
/// `private_key.path`/`private_key.filename` (ATS's default cert.path is its build's
/// sysconfdir, /etc/trafficserver; tshost's is its configuration directory).
#[test]
fn the_client_certificate_is_presented_when_the_origin_asks_for_one() {
    let dir = temp_dir("origin-client-cert");
    let (client_cert, client_key) = make_cert(&dir, "client", "tshost-client", "DNS:tshost");
    let origin = TlsOrigin::start(&dir, Some(&client_cert));
    let rule = vec![format!(
        "map http://tls.example/ https://127.0.0.1:{}/",
        origin.port
    )];

    // The access log's pscert says what went (ATS's sent_cert): 1 asked without a certificate.
    let logging = (
        "logging.yaml".to_string(),
        b"logging:\n  formats:\n    - name: f\n      format: '%<pssc> %<pscert>'\n  logs:\n    - mode: ascii\n      format: f\n      filename: access\n".to_vec(),
    );
    let (p, _plain) = proxy(
        "origin-client-cert-none",
        rule.clone(),
        vec![],
        vec![logging.clone()],
    );
    let (status, _) = get(&p, "tls.example", "/");
    assert_eq!(status, 502);
    assert_eq!(access_log(&p.dir.join("access.log")), "502 1\n");
    let line = format!("origin 127.0.0.1 (127.0.0.1:{}): TLS: ", origin.port);
    assert!(
        p.wait_for_stderr(&line, Duration::from_secs(5)),
        "{}",
        p.stderr()
    );
    // A WARNING, as ATS logs nothing at ERROR level for an origin that refuses the connection.
    assert!(
        p.stderr().contains(&format!("WARNING: {line}")),
        "{}",
        p.stderr()
    );
    assert!(!p.stderr().contains("ERROR"), "{}", p.stderr());
    drop(p);

    let files = vec![
        (
            "certs/client.pem".to_string(),
            std::fs::read(&client_cert).unwrap(),
        ),
        (
            "keys/client.key".to_string(),
            std::fs::read(&client_key).unwrap(),
        ),
        logging,
    ];
    let records = vec![
        rec("proxy.config.ssl.client.cert.path STRING certs"),
        rec("proxy.config.ssl.client.cert.filename STRING client.pem"),
        rec("proxy.config.ssl.client.private_key.path STRING keys"),
        rec("proxy.config.ssl.client.private_key.filename STRING client.key"),
    ];
    let (p, _plain) = proxy("origin-client-cert", rule, records, files);
    let (status, body) = get(&p, "tls.example", "/");
    assert_eq!(status, 200, "{body}\n{}", p.stderr());
    assert!(body.contains("client=tshost-client;"), "{body}");
    // 2: asked, and the certificate went.
    assert_eq!(access_log(&p.dir.join("access.log")), "200 2\n");
}

/// The access log's text once it has a line (within 5 s).
fn access_log(path: &std::path::Path) -> String {
    let end = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let t = std::fs::read_to_string(path).unwrap_or_default();
        if !t.is_empty() || std::time::Instant::now() > end {
            return t;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `proxy.config.ssl.client.sni_policy` as ATS 9.2.9's HttpSM::get_outbound_sni: `host` (the
/// default) sends the host of the Host field going to the origin (the remapped target's unless
/// pristine_host_hdr), `remap` the target's host, `@name` the name, `server_name` the client's
/// SNI; an address is never sent. `verify_with_name_source` sends the Host field's host but checks
/// the certificate against the target's host. Checked on ATS 9.2.9 (2026-12-07) with s_server
/// and a certificate for `DNS:127.0.0.1`, pristine_host_hdr 1, ENFORCED with the certificate as
/// CA: `verify_with_name_source` sent SNI `tls.example` and answered 200; `host` sent the same
/// SNI and answered 502 ("SNI (tls.example) not in certificate. Action=Terminate").
#[test]
fn the_sni_to_the_origin_follows_sni_policy() {
    let dir = temp_dir("origin-sni");
    let origin = TlsOrigin::start(&dir, None);
    let rule = vec![
        format!("map http://tls.example/ https://127.0.0.1:{}/", origin.port),
        format!(
            "map https://tls.example/ https://127.0.0.1:{}/",
            origin.port
        ),
    ];
    let pristine = rec("proxy.config.url_remap.pristine_host_hdr INT 1");
    let policy = |p: &str| rec(&format!("proxy.config.ssl.client.sni_policy STRING {p}"));
    let sni_of = |records: Vec<String>, name: &str| {
        let (p, _plain) = proxy(name, rule.clone(), records, vec![]);
        let (status, body) = get(&p, "tls.example", "/");
        assert_eq!(status, 200, "{body}");
        body.split(';').next().unwrap().to_string()
    };
    // The target is an address: no SNI.
    assert_eq!(sni_of(vec![], "origin-sni-host"), "sni=-");
    assert_eq!(
        sni_of(vec![pristine.clone()], "origin-sni-pristine"),
        "sni=tls.example"
    );
    assert_eq!(
        sni_of(vec![pristine.clone(), policy("remap")], "origin-sni-remap"),
        "sni=-"
    );
    assert_eq!(
        sni_of(vec![policy("@named.example")], "origin-sni-literal"),
        "sni=named.example"
    );

    // server_name: the client's SNI (none over plain HTTP).
    let (p, _plain) = proxy(
        "origin-sni-server-name",
        rule.clone(),
        vec![policy("server_name")],
        vec![],
    );
    let url = format!("https://tls.example:{}/", p.tls_port);
    let resolve = format!("tls.example:{}:127.0.0.1", p.tls_port);
    let (code, body) = curl(&["-k", "-H", "Host: tls.example", "--resolve", &resolve, &url]);
    assert_eq!(code, 0);
    assert!(
        String::from_utf8_lossy(&body).starts_with("sni=tls.example;"),
        "{}",
        String::from_utf8_lossy(&body)
    );
    assert!(get(&p, "tls.example", "/").1.starts_with("sni=-;"));
    drop(p);

    // The certificate names 127.0.0.1 (as a DNS name), not tls.example: with the Host field's
    // name as SNI, `host` checks that name and fails; `verify_with_name_source` checks the
    // target's.
    let enforced = vec![
        pristine.clone(),
        rec("proxy.config.ssl.client.verify.server.policy STRING ENFORCED"),
        format!(
            "CONFIG proxy.config.ssl.client.CA.cert.filename STRING {}",
            origin.cert.display()
        ),
    ];
    let (p, _plain) = proxy(
        "origin-sni-host-enforced",
        rule.clone(),
        enforced.clone(),
        vec![],
    );
    assert_eq!(get(&p, "tls.example", "/").0, 502);
    drop(p);
    let mut records = enforced;
    records.push(policy("verify_with_name_source"));
    let (p, _plain) = proxy("origin-sni-name-source", rule, records, vec![]);
    let (status, body) = get(&p, "tls.example", "/");
    assert_eq!(status, 200, "{body}\n{}", p.stderr());
    assert!(body.starts_with("sni=tls.example;"), "{body}");
}

/// Kept-alive TLS origin connections are reused (two requests, one origin connection); a new
/// connection to the same origin resumes the session of an earlier one (counted, and said under
/// the debug tag `ssl.origin_session_cache`, in ATS's words); with
/// `proxy.config.ssl.origin_session_cache 0` it does not. ATS 9.2.9 beside it (2026-12-07): its
/// second connection to an `s_server -www` origin was "Reused, TLSv1.3".
#[test]
fn origin_tls_connections_are_kept_alive_and_new_ones_resume_the_session() {
    let dir = temp_dir("origin-resume");
    let origin = TlsOrigin::start(&dir, None);
    let rule = vec![format!(
        "map http://tls.example/ https://127.0.0.1:{}/",
        origin.port
    )];
    let debug = vec![
        rec("proxy.config.diags.debug.enabled INT 1"),
        rec("proxy.config.diags.debug.tags STRING ssl.origin_session_cache"),
    ];
    let (p, _plain) = proxy("origin-resume", rule.clone(), debug.clone(), vec![]);
    let mut c = Client::connect(p.port);
    let mut k = KeptAlive(&mut c);
    let (_, first) = k.get("tls.example", "/a");
    let (_, second) = k.get("tls.example", "/b");
    assert!(first.ends_with(";conn=1;req=1\n"), "{first}");
    assert!(second.ends_with(";conn=1;req=2\n"), "{second}");
    // The origin closes this one; the next request needs a new connection, which resumes.
    let (_, third) = k.get("tls.example", "/close");
    assert!(third.ends_with(";conn=1;req=3\n"), "{third}");
    let (_, fourth) = k.get("tls.example", "/d");
    assert!(
        fourth.contains(";reused=1;") && fourth.contains(";conn=2;"),
        "{fourth}\n{}",
        p.stderr()
    );
    assert_eq!(origin.connections(), 2);
    assert!(
        p.wait_for_stderr("reused session to origin server", Duration::from_secs(5)),
        "{}",
        p.stderr()
    );
    assert!(p.stderr().contains("new session to origin server"));
    drop(p);

    let mut records = debug;
    records.push(rec("proxy.config.ssl.origin_session_cache INT 0"));
    let (p, _plain) = proxy("origin-resume-off", rule, records, vec![]);
    let mut c = Client::connect(p.port);
    let mut k = KeptAlive(&mut c);
    k.get("tls.example", "/close");
    let (_, again) = k.get("tls.example", "/e");
    assert!(again.contains(";reused=0;"), "{again}");
    assert!(!p.stderr().contains("session to origin server"));
}

/// conf_remap (Debian's binary) sets the TLS settings for its rule's transactions only, and a
/// connection made under one rule's settings is not reused under another's: PERMISSIVE's
/// connection (kept alive) does not serve an ENFORCED rule, which fails on the untrusted
/// certificate; a client certificate named for one rule is presented for that rule only; an SNI
/// policy for one rule. ATS 9.2.9 (2026-12-07), with a kept-alive nginx TLS origin: a PERMISSIVE
/// rule's request (200) and then a rule with conf_remap's `verify.server.policy=ENFORCED` to the
/// same origin: 502, the origin seeing no second request on the first connection.
#[test]
fn conf_remap_sets_tls_settings_for_its_rule_only() {
    let dir = temp_dir("origin-tls-conf-remap");
    let so = conf_remap();
    let (client_cert, client_key) = make_cert(&dir, "client", "rule-client", "DNS:tshost");
    let origin = TlsOrigin::start(&dir, None);
    let asks = TlsOrigin::start(&temp_dir("origin-tls-conf-remap-asks"), Some(&client_cert));
    let (o, a) = (origin.port, asks.port);
    let remap = vec![
        format!("map http://plain.example/ https://127.0.0.1:{o}/"),
        format!(
            "map http://enforced.example/ https://127.0.0.1:{o}/ @plugin={so} \
             @pparam=proxy.config.ssl.client.verify.server.policy=ENFORCED"
        ),
        format!(
            "map http://named.example/ https://127.0.0.1:{o}/ @plugin={so} \
             @pparam=proxy.config.ssl.client.sni_policy=@rule.example"
        ),
        format!("map http://nocert.example/ https://127.0.0.1:{a}/"),
        format!(
            "map http://cert.example/ https://127.0.0.1:{a}/ @plugin={so} \
             @pparam=proxy.config.ssl.client.cert.filename=client.pem \
             @pparam=proxy.config.ssl.client.private_key.filename=client.key"
        ),
    ];
    let files = vec![
        (
            "client.pem".to_string(),
            std::fs::read(&client_cert).unwrap(),
        ),
        (
            "client.key".to_string(),
            std::fs::read(&client_key).unwrap(),
        ),
    ];
    let (p, _plain) = proxy("origin-tls-conf-remap", remap, vec![], files);
    let mut c = Client::connect(p.port);
    let mut k = KeptAlive(&mut c);
    let (status, body) = k.get("plain.example", "/");
    assert_eq!(status, 200, "{body}");
    assert!(body.starts_with("sni=-;"), "{body}");
    // The PERMISSIVE connection is idle in the pool now; the ENFORCED rule makes its own.
    let (status, _) = k.get("enforced.example", "/");
    assert_eq!(status, 502, "{}", p.stderr());
    let (status, body) = get(&p, "named.example", "/");
    assert_eq!(status, 200, "{body}");
    assert!(body.starts_with("sni=rule.example;"), "{body}");
    let (status, body) = get(&p, "plain.example", "/");
    assert_eq!(status, 200, "{body}");
    assert!(body.starts_with("sni=-;"), "{body}");

    assert_eq!(get(&p, "nocert.example", "/").0, 502);
    let (status, body) = get(&p, "cert.example", "/");
    assert_eq!(status, 200, "{body}\n{}", p.stderr());
    assert!(body.contains(";client=rule-client;"), "{body}");
}

/// The contexts for origins through the API, from a plugin built against Debian's ts.h
/// (`tests/c/client_ctx_plugin.c`): TSSslClientContextsNamesGet gives each context's two names
/// (its CA files `CA_FILE:CA_PATH`, its certificate file), TSSslClientContextFindByName finds
/// each, bad arguments get NULL / TS_ERROR, TSSslServerContextCreate makes a context; and
/// TSSslClientCertUpdate reloads the certificate the origin connections present: an origin that
/// trusts only the new one refuses tshost before the update and answers after it.
#[test]
fn client_contexts_are_named_found_and_their_certificate_reloaded() {
    let dir = temp_dir("origin-client-ctx");
    let (a_cert, a_key) = make_cert(&dir, "a", "tshost-a", "DNS:a");
    let (b_cert, b_key) = make_cert(&dir, "b", "tshost-b", "DNS:b");
    let (live_cert, live_key) = (dir.join("live.pem"), dir.join("live.key"));
    std::fs::copy(&a_cert, &live_cert).unwrap();
    std::fs::copy(&a_key, &live_key).unwrap();
    let origin = TlsOrigin::start(&dir, Some(&b_cert));
    let so = dir.join("client_ctx_plugin.so");
    build_plugin(
        &crate_dir().join("tests/c/client_ctx_plugin.c"),
        &so,
        Header::Debian,
    );
    let plain = Origin::start();
    let p = Proxy::start(
        "origin-client-ctx",
        &plain,
        Setup {
            records: vec![
                rec(&format!(
                    "proxy.config.ssl.client.cert.filename STRING {}",
                    live_cert.display()
                )),
                rec(&format!(
                    "proxy.config.ssl.client.private_key.filename STRING {}",
                    live_key.display()
                )),
            ],
            remap: vec![format!(
                "map http://tls.example/ https://127.0.0.1:{}/",
                origin.port
            )],
            plugins: vec![format!(
                "{} {} {}",
                so.display(),
                live_cert.display(),
                live_key.display()
            )],
            ..Setup::default()
        },
    );
    // The origin trusts only b: a's certificate is refused.
    let (status, _) = get(&p, "tls.example", "/");
    assert_eq!(status, 502, "{}", p.stderr());

    get(&p, "tls.example", "/client-ctx");
    let name = format!(
        "[client_ctx] name ca=<:> cert=<{}> found=1",
        live_cert.display()
    );
    assert!(
        p.wait_for_stderr(&name, Duration::from_secs(5)),
        "{}",
        p.stderr()
    );
    let err = p.stderr();
    assert!(err.contains("[client_ctx] count=2 again=2"), "{err}");
    assert!(
        err.contains("[client_ctx] bad args: find(NULL)=0 find(\"\")=0 update(NULL)=0"),
        "{err}"
    );
    assert!(err.contains("[client_ctx] server context=1"), "{err}");

    // The files now hold b; the update loads them for new connections.
    std::fs::copy(&b_cert, &live_cert).unwrap();
    std::fs::copy(&b_key, &live_key).unwrap();
    get(&p, "tls.example", "/client-cert-update");
    assert!(
        p.wait_for_stderr("[client_ctx] update: ok", Duration::from_secs(5)),
        "{}",
        p.stderr()
    );
    let (status, body) = get(&p, "tls.example", "/");
    assert_eq!(status, 200, "{body}\n{}", p.stderr());
    assert!(body.contains("client=tshost-b;"), "{body}");
}

/// ATS's test plugin `ssl_verify_test` (tests/tools/plugins, from ATS's source) built against
/// Debian's ts.h alone: at TS_SSL_VERIFY_SERVER_HOOK it fails the origin certificate of a name it
/// is told is bad (`-bad=NAME`, reading the SNI with SSL_get_servername on
/// TSVConnSslConnectionGet); ENFORCED makes that a 502, logged in ATS's words, and the good name
/// goes through. The SNI of each rule is set by conf_remap (`sni_policy=@NAME`).
#[test]
fn atss_ssl_verify_test_built_against_debians_header_fails_a_bad_name() {
    let dir = temp_dir("origin-ssl-verify-test");
    let so =
        common::ats::build_test_plugin_with("ssl_verify_test.cc", &dir, common::Header::Debian);
    let origin = TlsOrigin::start(&dir, None);
    let conf = conf_remap();
    let rule = |host: &str, sni: &str| {
        format!(
            "map http://{host}/ https://127.0.0.1:{}/ @plugin={conf} @pparam=proxy.config.ssl.client.sni_policy=@{sni}",
            origin.port
        )
    };
    let plain = Origin::start();
    let p = Proxy::start(
        "origin-ssl-verify-test",
        &plain,
        Setup {
            records: vec![
                rec("proxy.config.ssl.client.verify.server.policy STRING ENFORCED"),
                rec("proxy.config.ssl.client.verify.server.properties STRING SIGNATURE"),
                rec(&format!(
                    "proxy.config.ssl.client.CA.cert.filename STRING {}",
                    dir.join("origin.pem").display()
                )),
            ],
            remap: vec![
                rule("good.example", "good.test"),
                rule("bad.example", "bad.test"),
            ],
            plugins: vec![format!("{} -count=1 -bad=bad.test", so.display())],
            ..Setup::default()
        },
    );
    let (status, body) = get(&p, "good.example", "/");
    assert_eq!(status, 200, "{body}\n{}", p.stderr());
    assert!(body.contains("sni=good.test;"), "{body}");
    let (status, _) = get(&p, "bad.example", "/");
    assert_eq!(status, 502, "{}", p.stderr());
    assert!(
        p.wait_for_stderr(
            "WARNING: TS_EVENT_SSL_VERIFY_SERVER plugin failed the origin certificate check for 127.0.0.1.  Action=Terminate SNI=bad.test",
            Duration::from_secs(5)
        ),
        "{}",
        p.stderr()
    );
}
