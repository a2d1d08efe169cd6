//! Session tickets through the real proxy: TLS 1.2 and 1.3 resume by ticket; a key file shared by
//! two proxies with the same certificate lets each resume the other's tickets (a farm behind a
//! layer-4 balancer), a different key file does not; TSSslTicketKeyUpdate's return codes.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::proxy::{Origin, Proxy, Setup};
use common::{build_plugin_with, crate_dir, temp_dir, Header};

/// One connection; saves (or reuses) the session; returns s_client's output.
fn s_client(port: u16, sess: &Path, reuse: bool, extra: &[&str]) -> String {
    let mut args = vec!["-servername", "example.com"];
    args.extend_from_slice(extra);
    args.extend([
        if reuse { "-sess_in" } else { "-sess_out" },
        sess.to_str().unwrap(),
    ]);
    common::proxy::s_client(port, &args)
}

/// A certificate for example.com and two 48-byte key files, in `dir`.
fn material(dir: &Path) -> (Vec<(String, Vec<u8>)>, String) {
    let st = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=example.com",
        ])
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    let files = vec![
        (
            "cert.pem".to_string(),
            std::fs::read(dir.join("cert.pem")).unwrap(),
        ),
        (
            "key.pem".to_string(),
            std::fs::read(dir.join("key.pem")).unwrap(),
        ),
        ("keys-a.bin".to_string(), vec![b'a'; 48]),
        ("keys-b.bin".to_string(), vec![b'b'; 48]),
    ];
    (
        files,
        "dest_ip=* ssl_cert_name=cert.pem ssl_key_name=key.pem\n".to_string(),
    )
}

fn proxy(
    name: &str,
    origin: &Origin,
    files: &[(String, Vec<u8>)],
    multicert: &str,
    keys: &str,
) -> Proxy {
    Proxy::start(
        name,
        origin,
        Setup {
            records: vec![format!(
                "CONFIG proxy.config.ssl.server.ticket_key.filename STRING {keys}"
            )],
            multicert: Some(multicert.to_string()),
            files: files.to_vec(),
            ..Default::default()
        },
    )
}

#[test]
fn tickets_resume_on_every_box_sharing_the_keys() {
    let origin = Origin::start();
    let dir = temp_dir("tickets-material");
    let (files, multicert) = material(&dir);
    let a = proxy("tickets-a", &origin, &files, &multicert, "keys-a.bin");
    let a2 = proxy("tickets-a2", &origin, &files, &multicert, "keys-a.bin");
    let b = proxy("tickets-b", &origin, &files, &multicert, "keys-b.bin");
    for version in ["-tls1_2", "-tls1_3"] {
        let sess: PathBuf = dir.join(format!("sess{version}.pem"));
        let first = s_client(a.tls_port, &sess, false, &[version]);
        assert!(first.contains("New, TLSv1."), "{first}");
        assert!(first.contains("HTTP/1.1 200 OK"), "{first}");
        let same = s_client(a.tls_port, &sess, true, &[version]);
        assert!(
            same.contains("Reused, TLSv1."),
            "{version}: resumption on the same box:\n{same}"
        );
        let other = s_client(a2.tls_port, &sess, true, &[version]);
        assert!(
            other.contains("Reused, TLSv1."),
            "{version}: another box with the same keys resumes:\n{other}"
        );
        let foreign = s_client(b.tls_port, &sess, true, &[version]);
        assert!(
            foreign.contains("New, TLSv1."),
            "{version}: other keys: full handshake:\n{foreign}"
        );
        assert!(foreign.contains("HTTP/1.1 200 OK"), "{foreign}");
    }
}

#[test]
fn ticket_key_update_return_codes() {
    let origin = Origin::start();
    let d = temp_dir("ticket-key-plugin");
    let so = d.join("ticket_key_plugin.so");
    build_plugin_with(
        &crate_dir().join("tests/c/ticket_key_plugin.c"),
        &so,
        Header::Ours,
        &[],
    );
    let log = d.join("log.txt");
    let p = Proxy::start(
        "ticket-key-plugin",
        &origin,
        Setup {
            plugins: vec![format!("{} {}", so.display(), log.display())],
            ..Default::default()
        },
    );
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "47=-1 48=0 96=0 null=0\n"
    );
    assert!(
        p.stderr()
            .contains("SSL session ticket key is too short (>= 48 bytes are required)"),
        "{}",
        p.stderr()
    );
}
