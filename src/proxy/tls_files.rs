//! The TLS files and settings tshost reads from the records, at start and again at a reload:
//! ssl_multicert.config's certificates, and how origins are reached over TLS.
#![forbid(unsafe_code)]

use std::path::Path;

use crate::config::records::Records;
use crate::tls::CertKey;

/// ssl_multicert.config's certificates and keys (files relative to
/// `proxy.config.ssl.server.cert.path` and `private_key.path`, themselves relative to `dir`), the
/// default one (`dest_ip=*`, else the first line's) first.
pub fn load_certificates(records: &Records, dir: &Path) -> Result<Vec<CertKey>, String> {
    let cert_dir = dir.join(
        records
            .get_str("proxy.config.ssl.server.cert.path")
            .unwrap_or(""),
    );
    let key_dir = dir.join(
        records
            .get_str("proxy.config.ssl.server.private_key.path")
            .unwrap_or(""),
    );
    let multicert = records
        .get_str("proxy.config.ssl.server.multicert.filename")
        .unwrap_or("ssl_multicert.config");
    let specs_certs = crate::config::ssl_multicert::load(&dir.join(multicert), &cert_dir, &key_dir)
        .map_err(|e| e.to_string())?;
    let mut certs = Vec::new();
    for c in &specs_certs {
        let mut ck = CertKey::load(&c.cert, c.key.as_deref()).map_err(|e| {
            format!(
                "{multicert} line {}: failed to load certificate {e}",
                c.line
            )
        })?;
        if let Some(crate::config::ssl_multicert::DestIp::Addr(ip)) = c.dest_ip {
            ck.dest_ip = Some(ip);
        }
        certs.push(ck);
    }
    // The `dest_ip=*` certificate is the default one (no SNI, or no name matches), as in ATS;
    // without one, the first line's.
    if let Some(i) = specs_certs
        .iter()
        .position(|c| c.dest_ip == Some(crate::config::ssl_multicert::DestIp::Any))
    {
        let default = certs.remove(i);
        certs.insert(0, default);
    }
    Ok(certs)
}

/// The path of ssl_multicert.config (proxy.config.ssl.server.multicert.filename).
pub fn multicert_path(records: &Records, dir: &Path) -> std::path::PathBuf {
    dir.join(
        records
            .get_str("proxy.config.ssl.server.multicert.filename")
            .unwrap_or("ssl_multicert.config"),
    )
}

/// TLS to origins: proxy.config.ssl.client.verify.server.policy and .properties (ATS's defaults
/// when they do not parse, said once), .sni_policy, the session cache
/// (proxy.config.ssl.origin_session_cache and .size), and the client TLS context with the client
/// certificate (proxy.config.ssl.client.cert.* and .private_key.*) and the CAs
/// (proxy.config.ssl.client.CA.cert.*); a relative file is in its setting's directory, a relative
/// directory in the configuration directory (as ATS's `set_paths_helper`, whose prefix is it).
pub fn origin_tls(
    records: &crate::config::records::Records,
    config_dir: Option<&Path>,
) -> super::origin_io::OriginTls {
    use super::origin_io::{OriginTls, SniPolicy, Verify};
    let get = |n: &str| records.get_str(n).unwrap_or_default().to_string();
    let base = config_dir.unwrap_or(Path::new("."));
    // ATS's default cert.path is its configuration directory (TS_BUILD_SYSCONFDIR).
    let dir = |n: &str| crate::tls::client::setting_dir(records, base, n);
    let (cert_dir, key_dir) = (
        dir("proxy.config.ssl.client.cert.path"),
        dir("proxy.config.ssl.client.private_key.path"),
    );
    let ca_path = get("proxy.config.ssl.client.CA.cert.path");
    let ca_dir = dir("proxy.config.ssl.client.CA.cert.path");
    let file = |d: &Path, n: &str| {
        let name = get(n);
        (!name.is_empty()).then(|| d.join(name))
    };
    let files = crate::tls::client::ClientFiles {
        cert: file(&cert_dir, "proxy.config.ssl.client.cert.filename"),
        key: file(&key_dir, "proxy.config.ssl.client.private_key.filename"),
        ca_file: file(&ca_dir, "proxy.config.ssl.client.CA.cert.filename"),
        ca_path: (!ca_path.is_empty()).then(|| ca_dir.clone()),
    };
    crate::tls::origin_session::configure(
        records
            .get_int("proxy.config.ssl.origin_session_cache")
            .unwrap_or(1)
            == 1,
        records
            .get_int("proxy.config.ssl.origin_session_cache.size")
            .unwrap_or(10240),
    );
    crate::tls::init_client_context(&files);
    let verify = Verify::new(
        &get("proxy.config.ssl.client.verify.server.policy"),
        &get("proxy.config.ssl.client.verify.server.properties"),
    )
    .unwrap_or_else(|e| {
        crate::error!("proxy.config.ssl.client.{e}; using PERMISSIVE and ALL");
        Default::default()
    });
    OriginTls {
        verify,
        sni_policy: SniPolicy::parse(&get("proxy.config.ssl.client.sni_policy")),
        cert_dir,
        key_dir,
        ca_dir,
        files,
    }
}
