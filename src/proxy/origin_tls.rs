//! TLS to an origin for one transaction (ATS 9.2.9's HttpSM::do_http_server_open and
//! SSLNetVConnection's client handshake): the SNI `proxy.config.ssl.client.sni_policy` picks, the
//! name the certificate must have, how it is checked, the context (the client certificate and CAs)
//! — each as records.config sets it, or as a plugin set it for the transaction (conf_remap,
//! TSHttpTxnConfigStringSet) — and the handshake, which resumes a cached session to the same
//! origin ([`crate::tls::origin_session`]).
#![forbid(unsafe_code)]

use std::hash::{Hash, Hasher};
use std::net::{IpAddr, SocketAddr};
use std::os::fd::AsRawFd;
use std::sync::Arc;

use foreign_types_shared::ForeignType;
use openssl::ssl::{Ssl, SslContext, SslVerifyMode};
use tokio::net::TcpStream;

use super::origin_io::{ConnectError, OriginIo, OriginTls, SniPolicy, TlsIo, Verify, VerifyPolicy};
use crate::config::sni::SniEntry;
use crate::sys::types::TSOverridableConfigKey as K;
use crate::tls::client::ClientFiles;
use crate::tls::conn_hooks;
use crate::vconn::{self, VConn};

/// The overridable configurations read here.
const POLICY: usize = K::TS_CONFIG_SSL_CLIENT_VERIFY_SERVER_POLICY as usize;
const PROPERTIES: usize = K::TS_CONFIG_SSL_CLIENT_VERIFY_SERVER_PROPERTIES as usize;
const SNI_POLICY: usize = K::TS_CONFIG_SSL_CLIENT_SNI_POLICY as usize;
const CERT: usize = K::TS_CONFIG_SSL_CERT_FILENAME as usize;
const KEY: usize = K::TS_CONFIG_SSL_CLIENT_PRIVATE_KEY_FILENAME as usize;
const CA: usize = K::TS_CONFIG_SSL_CLIENT_CA_CERT_FILENAME as usize;

/// TLS to an origin: the SNI sent, the name its certificate must have, how it is checked, and
/// the context.
pub struct TlsTo {
    /// None for an address (RFC 6066 has no SNI for one).
    sni: Option<Box<str>>,
    /// The name checked against the certificate (the SNI policy's name, else the origin's
    /// address, as ATS), and the origin's name in the log.
    name: Box<str>,
    /// The remapped target's host (ATS's ssl_servername: the `server=` of its log lines).
    server: Box<str>,
    verify: Verify,
    ctx: SslContext,
    /// The pool key of connections with these settings (never 0, which is plain TCP).
    key: u64,
    /// Whether the connection sent the origin a certificate (`pscert`: 0, 1 or 2).
    pub sent_cert: std::sync::Arc<std::sync::atomic::AtomicU8>,
}

/// The names a transaction has for its origin.
pub struct Names<'a> {
    /// The remapped target's host.
    pub remap_host: &'a str,
    /// The SNI the client sent tshost, if any.
    pub client_sni: Option<&'a str>,
}

impl TlsTo {
    /// The transaction's access log reads what this connection sends the origin (`pscert`).
    pub fn logged_in(self, txn: &crate::txn::Txn) -> TlsTo {
        txn.origin.lock().sent_cert = Some(self.sent_cert.clone());
        self
    }

    /// The settings of one transaction's connection to `addr`: `cfg` (records.config), with what
    /// `txn_str` says a plugin set for the transaction; `host_field` is the host of the Host
    /// field of the request to the origin (read only when the SNI policy needs it).
    pub fn new(
        cfg: &OriginTls,
        txn_str: impl Fn(usize) -> Option<String>,
        names: Names<'_>,
        host_field: impl FnOnce() -> Option<String>,
        addr: SocketAddr,
    ) -> Result<TlsTo, String> {
        // sni.yaml's client_sni_policy for the client's SNI comes first (ATS's
        // get_outbound_sni), then the transaction's, then the records'.
        let inbound = names
            .client_sni
            .and_then(crate::tls::sni::outbound)
            .and_then(|e| e.entry.client_sni_policy.clone());
        let policy = inbound
            .or_else(|| txn_str(SNI_POLICY))
            .map(|p| SniPolicy::parse(&p));
        let policy = policy.as_ref().unwrap_or(&cfg.sni_policy);
        let host_name = |n: &str| (!n.is_empty() && !is_address(n)).then(|| Box::<str>::from(n));
        // ATS's sni_servername (the certificate's name too) and, for verify_with_name_source,
        // sni_hostname (sent instead).
        let (servername, hostname) = match policy {
            SniPolicy::Host => (host_field().as_deref().and_then(host_name), None),
            SniPolicy::ServerName => (names.client_sni.and_then(host_name), None),
            SniPolicy::Literal(n) => (host_name(n), None),
            SniPolicy::Remap => (host_name(names.remap_host), None),
            SniPolicy::VerifyWithNameSource => (
                host_name(names.remap_host),
                host_field().as_deref().and_then(host_name),
            ),
        };
        let name = match &servername {
            Some(n) => n.clone(),
            None => addr.ip().to_string().into_boxed_str(),
        };
        let sni = hostname.or(servername);
        // sni.yaml's outbound keys: the entry of the name (ATS's server key: the SNI name, else
        // the address).
        let next_hop = crate::tls::sni::outbound(&name);
        let next_hop = next_hop.as_ref().map(|e| &e.entry);
        let verify = txn_verify(&sni_verify(&cfg.verify, next_hop), &txn_str);
        let ctx = txn_context(cfg, &txn_str, next_hop)?;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (&sni, &name, verify, ctx.as_ptr() as usize).hash(&mut h);
        Ok(TlsTo {
            sni,
            name,
            server: names.remap_host.into(),
            verify,
            ctx,
            key: h.finish() | 1,
            sent_cert: Default::default(),
        })
    }

    /// The pool key of connections with these settings.
    pub fn key(&self) -> u64 {
        self.key
    }
}

/// An IP address literal (an IPv6 one with or without its brackets).
fn is_address(n: &str) -> bool {
    n.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .is_ok()
}

/// The host of a Host field's value (without its port).
pub fn host_of(v: &[u8]) -> Option<String> {
    let v = std::str::from_utf8(v).ok()?.trim();
    let host = match v.strip_prefix('[') {
        Some(rest) => &v[..rest.find(']')? + 2],
        None => v.split(':').next()?,
    };
    Some(host.to_ascii_lowercase())
}

/// The process's verification settings with those of sni.yaml's entry for the origin's name.
fn sni_verify(global: &Verify, next_hop: Option<&SniEntry>) -> Verify {
    let mut v = *global;
    if let Some(e) = next_hop {
        if let Some(p) = e.verify_server_policy {
            v.policy = match p {
                0 => VerifyPolicy::Disabled,
                1 => VerifyPolicy::Permissive,
                _ => VerifyPolicy::Enforced,
            };
        }
        if let Some(p) = e.verify_server_properties {
            (v.check_chain, v.check_name) = (p & 1 != 0, p & 2 != 0);
        }
    }
    v
}

/// The verification settings with a transaction's own (ATS's set_tls_options: an unknown policy
/// leaves the process's, unknown properties check nothing).
fn txn_verify(global: &Verify, txn_str: &impl Fn(usize) -> Option<String>) -> Verify {
    let mut v = *global;
    if let Some(p) = txn_str(POLICY) {
        match Verify::policy(&p) {
            Ok(p) => v.policy = p,
            Err(e) => crate::warning!("proxy.config.ssl.client.{e} (for one transaction)"),
        }
    }
    if let Some(p) = txn_str(PROPERTIES) {
        (v.check_chain, v.check_name) = Verify::properties(&p).unwrap_or_else(|e| {
            crate::warning!("proxy.config.ssl.client.{e} (for one transaction): NONE");
            (false, false)
        });
    }
    v
}

/// The context of the files a plugin named for the transaction, else of sni.yaml's
/// `client_cert` for the origin's name, else the process's (relative names are taken from the
/// records' directories, as ATS).
fn txn_context(
    cfg: &OriginTls,
    txn_str: &impl Fn(usize) -> Option<String>,
    next_hop: Option<&SniEntry>,
) -> Result<SslContext, String> {
    let file = |dir: &std::path::Path, n: String| (!n.is_empty()).then(|| dir.join(n));
    let (cert, key, ca) = (txn_str(CERT), txn_str(KEY), txn_str(CA));
    if cert.is_none() && key.is_none() && ca.is_none() {
        if let Some((e, c)) = next_hop.and_then(|e| Some((e, e.client_cert.clone()?))) {
            let files = ClientFiles {
                cert: file(&cfg.cert_dir, c),
                key: e.client_key.clone().and_then(|k| file(&cfg.key_dir, k)),
                ca_file: cfg.files.ca_file.clone(),
                ca_path: cfg.files.ca_path.clone(),
            };
            return crate::tls::client::context_for(&files)
                .map_err(|err| format!("sni.yaml:{}: client_cert: {err}", e.line));
        }
        return crate::tls::client_context().ok_or_else(|| "no client TLS context".to_string());
    }
    let files = ClientFiles {
        cert: cert.map_or(cfg.files.cert.clone(), |n| file(&cfg.cert_dir, n)),
        key: key.map_or(cfg.files.key.clone(), |n| file(&cfg.key_dir, n)),
        ca_file: ca.map_or(cfg.files.ca_file.clone(), |n| file(&cfg.ca_dir, n)),
        ca_path: cfg.files.ca_path.clone(),
    };
    crate::tls::client::context_for(&files)
}

/// The TLS handshake with an origin over `tcp`: SNI, ALPN http/1.1, a cached session offered,
/// and the certificate checked as `t` says. A failure names the origin and why.
pub async fn handshake(
    tcp: TcpStream,
    addr: SocketAddr,
    t: &TlsTo,
) -> Result<OriginIo, ConnectError> {
    // A failed handshake is a WARNING (the request gets a 502): ATS logs the reason of a refused
    // certificate from its verify callback and nothing at ERROR level.
    let tls_err = |e: &dyn std::fmt::Display| {
        let m = format!("origin {} ({addr}): TLS: {e}", t.name);
        crate::warning!("{m}");
        ConnectError::Tls(m)
    };
    let mut ssl = Ssl::new(&t.ctx).map_err(|e| tls_err(&e))?;
    crate::tls::sent_cert::track(&mut ssl, t.sent_cert.clone());
    if let Some(sni) = &t.sni {
        ssl.set_hostname(sni).map_err(|e| tls_err(&e))?;
    }
    // The connection's hooks (TS_VCONN_OUTBOUND_START/CLOSE, TS_SSL_VERIFY_SERVER), when any
    // has a continuation: the connection as plugins know it rides on the SSL object.
    let vc = VConn::outbound_hooks_wanted().then(|| {
        let vc = VConn::create_outbound(
            Some(addr.into()),
            tcp.local_addr().ok().map(Into::into),
            tcp.as_raw_fd(),
            conn_hooks::address(&ssl),
        );
        conn_hooks::attach(&mut ssl, vc.clone());
        vc.begin_hooks();
        vc
    });
    let v = t.verify;
    if v.policy == VerifyPolicy::Disabled || (!(v.check_chain || v.check_name) && vc.is_none()) {
        ssl.set_verify(SslVerifyMode::NONE);
    } else {
        if v.check_name {
            // As ATS: the name is checked as a host name, an address too (its text against the
            // certificate's DNS names: an IP address entry alone does not match, seen beside it).
            ssl.param_mut().set_host(&t.name).map_err(|e| tls_err(&e))?;
        }
        let (permissive, check_chain) = (v.policy == VerifyPolicy::Permissive, v.check_chain);
        let name = t.name.clone();
        let server = t.server.clone();
        let sni_text = t
            .sni
            .clone()
            .unwrap_or_else(|| addr.ip().to_string().into());
        ssl.set_verify_callback(SslVerifyMode::PEER, move |ok, store| {
            if ok {
                // At depth 0, once the checks above passed: TS_SSL_VERIFY_SERVER_HOOK; a callee
                // that fails it fails the certificate under ENFORCED, and is logged (ATS).
                if store.error_depth() == 0 && !conn_hooks::verify_server_in(store) {
                    // ATS's words.
                    crate::warning!(
                        "TS_EVENT_SSL_VERIFY_SERVER plugin failed the origin certificate check for {server}.  Action={} SNI={sni_text}",
                        if permissive { "Continue" } else { "Terminate" }
                    );
                    return permissive;
                }
                return true;
            }
            let err = store.error();
            let name_error = err.as_raw() == openssl_sys::X509_V_ERR_HOSTNAME_MISMATCH;
            // OpenSSL's name check refuses a wildcard matching `_`; ATS's accepts it: the name is
            // matched again by ATS's rules (the chain was checked before the name).
            if name_error
                && store
                    .current_cert()
                    .is_some_and(|c| crate::tls::hostname::certificate_names(c, &name))
            {
                return true;
            }
            if !check_chain && !name_error {
                return true;
            }
            // ATS's words (SSLClientUtils.cc's verify_callback).
            let action = if permissive { "Continue" } else { "Terminate" };
            let ip = addr.ip();
            if name_error {
                crate::warning!(
                    "SNI ({name}) not in certificate. Action={action} server={server}({ip})"
                );
            } else {
                crate::warning!(
                    "Core server certificate verification failed for ({name}). Action={action} Error={} server={server}({ip}) depth={}",
                    err.error_string(),
                    store.error_depth()
                );
            }
            permissive
        });
    }
    crate::tls::origin_session::offer(&mut ssl, (addr, t.key));
    let close = |vc: &Option<Arc<VConn>>| {
        if let Some(vc) = vc {
            vc.close(tokio::runtime::Handle::try_current().ok());
        }
    };
    let mut stream = match tokio_openssl::SslStream::new(ssl, tcp) {
        Ok(s) => s,
        Err(e) => {
            close(&vc);
            return Err(tls_err(&e));
        }
    };
    // TS_VCONN_OUTBOUND_START_HOOK: before the handshake; a plugin may hold it.
    if let Some(vc) = &vc {
        if vc.run(vconn::hook::OUTBOUND_START).await != vconn::Step::Done {
            close(&Some(vc.clone()));
            return Err(tls_err(&"a plugin failed it at VCONN_OUTBOUND_START"));
        }
    }
    if let Err(e) = std::pin::Pin::new(&mut stream).connect().await {
        let verify = stream.ssl().verify_result();
        let by_plugin = vc.as_ref().is_some_and(|v| v.failed());
        close(&vc);
        return Err(if by_plugin {
            tls_err(&"a plugin failed the certificate (TS_SSL_VERIFY_SERVER_HOOK)")
        } else if verify.as_raw() != 0 {
            tls_err(&format!(
                "its certificate was refused: {}",
                verify.error_string()
            ))
        } else {
            tls_err(&e)
        });
    }
    crate::tls::origin_session::handshaken(stream.ssl());
    let name = format!("{} ({addr})", t.name);
    Ok(OriginIo::Tls(Box::new(TlsIo::new(stream, name, vc))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_fields_host_is_without_its_port() {
        assert_eq!(host_of(b"Example.com:8443").as_deref(), Some("example.com"));
        assert_eq!(host_of(b"example.com").as_deref(), Some("example.com"));
        assert_eq!(host_of(b"[::1]:443").as_deref(), Some("[::1]"));
        assert!(is_address("[::1]") && is_address("127.0.0.1") && !is_address("a.example"));
    }
}
