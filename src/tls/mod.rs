//! TLS termination: one SSL_CTX per certificate, chosen by SNI; ALPN; self-signed certificates for
//! running without configuration.

pub mod cache;
pub mod client;
pub mod client_cert;
pub mod conn_hooks;
pub mod hostname;
pub mod origin_session;
pub mod sent_cert;
pub mod session;
pub mod session_age;
pub mod sni;
pub mod tickets;

use std::collections::HashMap;
use std::ffi::CStr;
use std::path::Path;
use std::sync::Arc;

use arc_swap::ArcSwapOption;

use foreign_types_shared::ForeignTypeRef;
use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::ssl::{
    AlpnError, ClientHelloResponse, NameType, SniError, Ssl, SslContext, SslContextBuilder,
    SslMethod, SslRef, SslVersion,
};
use openssl::x509::extension::SubjectAlternativeName;
use openssl::x509::{X509NameBuilder, X509};

use crate::proxy::proto;

/// Server-side TLS: the certificates and how to pick one. The certificates can be replaced while
/// connections come (TSSslServerCertUpdate): a handshake takes the set that is current when it
/// starts.
pub struct TlsServer {
    certs: Arc<ArcSwapOption<Certs>>,
}

/// One set of server certificates.
struct Certs {
    default: SslContext,
    /// Exact names (lowercase) and wildcard suffixes ("*.example.com" stored as ".example.com").
    by_name: HashMap<String, SslContext>,
    /// Certificates of `dest_ip=ADDR` lines.
    by_addr: Vec<(std::net::IpAddr, SslContext)>,
    /// The context of the default certificate, which the default context is a twin of: a
    /// connection whose SNI picks it stays on the default one (switching copies the certificate
    /// settings into the connection, 0.5 KiB for its life).
    first_ctx: usize,
}

/// The server TLS configuration in use (TSSslContextFindByName and FindByAddr look there).
static CURRENT: parking_lot::RwLock<Option<Arc<TlsServer>>> = parking_lot::RwLock::new(None);

fn current_certs() -> Option<Arc<Certs>> {
    CURRENT.read().as_ref()?.certs.load_full()
}

/// TSSslContextFindByName: the context of the certificate for a server name (exact, else the
/// wildcard of its parent domain), as an address; None if no certificate has that name.
pub fn context_for_name(name: &str) -> Option<usize> {
    let c = current_certs()?;
    lookup(&c.by_name, &name.to_ascii_lowercase()).map(|c| c.as_ptr() as usize)
}

/// TSSslContextFindByAddr: the context of the `dest_ip` certificate for a local address.
pub fn context_for_addr(ip: std::net::IpAddr) -> Option<usize> {
    let c = current_certs()?;
    c.by_addr
        .iter()
        .find(|(a, _)| *a == ip)
        .map(|(_, c)| c.as_ptr() as usize)
}

/// TSSslServerCertUpdate: the certificate (and key) in these files replaces the one whose name
/// is the new certificate's subject CN, for new handshakes (ATS: the certificate context found
/// by that name gets a new SSL_CTX). Err when nothing is running, the files do not load, or no
/// certificate has that name.
pub fn update_server_cert(cert: &Path, key: Option<&Path>) -> Result<(), String> {
    let server = CURRENT.read().clone().ok_or("no TLS port is configured")?;
    server.update(CertKey::load(cert, key)?)
}

/// ALPN protocols tshost speaks, in preference order (wire format).
const ALPN: &[u8] = b"\x02h2\x08http/1.1";
/// ALPN without h2 (sni.yaml `http2: off`).
const ALPN_H1: &[u8] = b"\x08http/1.1";

/// A server context with tshost's settings and callbacks and no certificate
/// (TSSslServerContextCreate: the plugin adds one).
pub fn new_server_context() -> Result<SslContext, String> {
    Ok(context_builder()?.build())
}

fn context_builder() -> Result<SslContextBuilder, String> {
    let mut b = SslContextBuilder::new(SslMethod::tls_server()).map_err(|e| e.to_string())?;
    b.set_min_proto_version(Some(SslVersion::TLS1_2))
        .map_err(|e| e.to_string())?;
    b.set_alpn_select_callback(|ssl, client| {
        // A client that offers ALPN without a protocol tshost speaks is refused with a fatal
        // no_application_protocol alert (RFC 7301 3.2; ATS 9.2, #7981).
        use crate::vconn::proto_bit::{H2, HTTP_1_1};
        // TSVConnProtocolDisable, and sni.yaml's http2, turn protocols off for a connection.
        let vc = conn_hooks::attached(ssl);
        let h2_off = vc.is_some_and(|v| v.is_disabled(H2)) || !sni::h2_allowed(ssl);
        let h1_off = vc.is_some_and(|v| v.is_disabled(HTTP_1_1));
        openssl::ssl::select_next_proto(offered(h2_off, h1_off), client)
            .ok_or(AlpnError::ALERT_FATAL)
    });
    // TS_SSL_CERT_HOOK; and TS_SSL_CLIENT_HELLO_HOOK on every context, for a handshake that a
    // plugin paused after the ClientHello callback switched its context: OpenSSL calls the new
    // context's callback when it goes on.
    conn_hooks::install(&mut b);
    b.set_client_hello_callback(|ssl, _alert| conn_hooks::client_hello(ssl));
    client_cert::setup_context(&mut b)?;
    // OpenSSL frees a connection's read and write buffers (about 34 KiB) when they are empty.
    b.set_mode(openssl::ssl::SslMode::RELEASE_BUFFERS);
    // Read as much as the socket has, not a record header and then its body: one read per
    // request instead of two or three (what is read beyond a record waits in OpenSSL's buffer,
    // and every read goes through SSL_read first).
    b.set_read_ahead(true);
    session::install(&mut b);
    let (tickets, number) = tickets::config();
    if tickets {
        tickets::install(&mut b);
        b.set_num_tickets(number).map_err(|e| e.to_string())?;
    } else {
        b.set_options(openssl::ssl::SslOptions::NO_TICKET);
    }
    session_age::install(&mut b);
    Ok(b)
}

/// The session id context of a certificate: sessions resume only in a context with the same
/// certificate (on this host or another with the same configuration) and the same client
/// certificate policy.
fn session_id_context(cert: &X509) -> Result<Vec<u8>, String> {
    client_cert::session_id_context(cert, &client_cert::listener_tag())
}

/// Names a certificate is valid for: its DNS subjectAltNames, else its subject CN.
fn names_of(cert: &X509) -> Vec<String> {
    let mut names: Vec<String> = cert
        .subject_alt_names()
        .map(|sans| {
            sans.iter()
                .filter_map(|n| n.dnsname().map(|s| s.to_ascii_lowercase()))
                .collect()
        })
        .unwrap_or_default();
    if names.is_empty() {
        names.extend(
            cert.subject_name()
                .entries_by_nid(Nid::COMMONNAME)
                .filter_map(|e| e.data().to_string().ok().map(|s| s.to_ascii_lowercase())),
        );
    }
    names
}

/// One certificate (with its chain) and key, loaded from PEM files.
pub struct CertKey {
    pub chain: Vec<X509>,
    pub key: PKey<Private>,
    /// ssl_multicert.config's `dest_ip=ADDR` (TSSslContextFindByAddr finds it by that address).
    pub dest_ip: Option<std::net::IpAddr>,
}

impl CertKey {
    pub fn load(cert: &Path, key: Option<&Path>) -> Result<CertKey, String> {
        let pem = std::fs::read(cert).map_err(|e| format!("{}: {e}", cert.display()))?;
        let chain = X509::stack_from_pem(&pem)
            .map_err(|e| format!("{}: not a PEM certificate: {e}", cert.display()))?;
        if chain.is_empty() {
            return Err(format!("{}: no certificate in it", cert.display()));
        }
        let key_pem = match key {
            Some(k) => std::fs::read(k).map_err(|e| format!("{}: {e}", k.display()))?,
            None => pem.clone(),
        };
        let key = PKey::private_key_from_pem(&key_pem).map_err(|e| {
            format!(
                "{}: not a PEM private key: {e}",
                key.unwrap_or(cert).display()
            )
        })?;
        Ok(CertKey {
            chain,
            key,
            dest_ip: None,
        })
    }

    /// A self-signed certificate for `names` (RSA-2048, valid one year).
    pub fn self_signed(names: &[&str]) -> Result<CertKey, String> {
        let e = |e: openssl::error::ErrorStack| e.to_string();
        let key = PKey::from_rsa(Rsa::generate(2048).map_err(e)?).map_err(e)?;
        let mut name = X509NameBuilder::new().map_err(e)?;
        name.append_entry_by_nid(
            Nid::COMMONNAME,
            names.first().copied().unwrap_or("localhost"),
        )
        .map_err(e)?;
        let name = name.build();
        let mut b = X509::builder().map_err(e)?;
        b.set_version(2).map_err(e)?;
        let mut serial = BigNum::new().map_err(e)?;
        serial.rand(64, MsbOption::MAYBE_ZERO, false).map_err(e)?;
        let serial = serial.to_asn1_integer().map_err(e)?;
        b.set_serial_number(&serial).map_err(e)?;
        b.set_subject_name(&name).map_err(e)?;
        b.set_issuer_name(&name).map_err(e)?;
        b.set_pubkey(&key).map_err(e)?;
        let (from, until) = (
            Asn1Time::days_from_now(0).map_err(e)?,
            Asn1Time::days_from_now(365).map_err(e)?,
        );
        b.set_not_before(&from).map_err(e)?;
        b.set_not_after(&until).map_err(e)?;
        let mut san = SubjectAlternativeName::new();
        for n in names {
            if n.parse::<std::net::IpAddr>().is_ok() {
                san.ip(n);
            } else {
                san.dns(n);
            }
        }
        let san = san.build(&b.x509v3_context(None, None)).map_err(e)?;
        b.append_extension(san).map_err(e)?;
        b.sign(&key, MessageDigest::sha256()).map_err(e)?;
        Ok(CertKey {
            chain: vec![b.build()],
            key,
            dest_ip: None,
        })
    }

    fn context(&self) -> Result<SslContext, String> {
        let mut b = context_builder()?;
        b.set_certificate(&self.chain[0])
            .map_err(|e| e.to_string())?;
        for c in &self.chain[1..] {
            b.add_extra_chain_cert(c.clone())
                .map_err(|e| e.to_string())?;
        }
        b.set_private_key(&self.key).map_err(|e| e.to_string())?;
        b.set_session_id_context(&session_id_context(&self.chain[0])?)
            .map_err(|e| e.to_string())?;
        b.check_private_key()
            .map_err(|e| format!("certificate and key do not match: {e}"))?;
        Ok(b.build())
    }
}

impl TlsServer {
    /// Every SSL_CTX it made, the default's first, each once (what
    /// TS_LIFECYCLE_SERVER_SSL_CTX_INITIALIZED_HOOK is given).
    pub fn contexts(&self) -> Vec<*mut openssl_sys::SSL_CTX> {
        use foreign_types_shared::ForeignType;
        let Some(c) = self.certs.load_full() else {
            return Vec::new();
        };
        let mut out = vec![c.default.as_ptr()];
        for c in c.by_name.values() {
            if !out.contains(&c.as_ptr()) {
                out.push(c.as_ptr());
            }
        }
        out
    }

    /// Contexts for every certificate; the first is the default (no SNI, or no name matches).
    pub fn new(certs: &[CertKey]) -> Result<Arc<TlsServer>, String> {
        let server = Arc::new(TlsServer {
            certs: Arc::new(ArcSwapOption::empty()),
        });
        server
            .certs
            .store(Some(Arc::new(certs_of(certs, &server.certs)?)));
        *CURRENT.write() = Some(server.clone());
        Ok(server)
    }

    /// Put a new set of certificates in place (ssl_multicert.config read again): new handshakes
    /// use it, connections made before keep theirs. Sessions and tickets of a certificate that
    /// is still there resume (the session id context is the certificate's, the ticket keys are
    /// the process's). The old set stays when the new one does not load.
    pub fn reload(&self, certs: &[CertKey]) -> Result<(), String> {
        self.certs
            .store(Some(Arc::new(certs_of(certs, &self.certs)?)));
        Ok(())
    }
    /// Replace the certificate whose name is `new`'s subject CN (every name and address it
    /// served; the default too if it is the default one).
    fn update(&self, new: CertKey) -> Result<(), String> {
        let cn = new.chain[0]
            .subject_name()
            .entries_by_nid(Nid::COMMONNAME)
            .next()
            .and_then(|e| e.data().to_string().ok())
            .ok_or("the certificate has no subject CN")?
            .to_ascii_lowercase();
        let cur = self.certs.load_full().ok_or("no certificates")?;
        let old = lookup(&cur.by_name, &cn)
            .map(|c| c.as_ptr() as usize)
            .ok_or_else(|| format!("no certificate is configured for {cn}"))?;
        let ctx = new.context()?;
        let swap = |c: &SslContext| {
            if c.as_ptr() as usize == old {
                ctx.clone()
            } else {
                c.clone()
            }
        };
        let by_name = cur
            .by_name
            .iter()
            .map(|(n, c)| (n.clone(), swap(c)))
            .collect();
        let by_addr = cur.by_addr.iter().map(|(a, c)| (*a, swap(c))).collect();
        let (default, first_ctx) = if cur.first_ctx == old {
            (default_context(&new, &self.certs)?, ctx.as_ptr() as usize)
        } else {
            (cur.default.clone(), cur.first_ctx)
        };
        self.certs.store(Some(Arc::new(Certs {
            default,
            by_name,
            by_addr,
            first_ctx,
        })));
        crate::note!("TLS: the certificate for {cn} was replaced (new handshakes use it)");
        Ok(())
    }

    /// A new server-side SSL object for one connection.
    pub fn ssl(&self) -> Result<Ssl, String> {
        let c = self.certs.load();
        let c = c.as_ref().ok_or("no certificates")?;
        Ssl::new(&c.default).map_err(|e| e.to_string())
    }

    /// Number of names certificates were registered for (diagnostics).
    pub fn names(&self) -> usize {
        self.certs.load().as_ref().map_or(0, |c| c.by_name.len())
    }
}

/// The contexts of `certs` (the first is the default), for the set in `slot`.
fn certs_of(certs: &[CertKey], slot: &Arc<ArcSwapOption<Certs>>) -> Result<Certs, String> {
    let mut by_name = HashMap::new();
    let mut by_addr = Vec::new();
    let mut first_ctx = 0usize;
    let Some(first) = certs.first() else {
        return Err("no certificate".into());
    };
    for (i, c) in certs.iter().enumerate() {
        let ctx = c.context()?;
        if i == 0 {
            first_ctx = ctx.as_ptr() as usize;
        }
        if let Some(ip) = c.dest_ip {
            by_addr.push((ip, ctx.clone()));
        }
        for n in names_of(&c.chain[0]) {
            let key = n.strip_prefix('*').map(str::to_string).unwrap_or(n);
            by_name.entry(key).or_insert_with(|| ctx.clone());
        }
    }
    Ok(Certs {
        default: default_context(first, slot)?,
        by_name,
        by_addr,
        first_ctx,
    })
}

/// The default context: `first`'s certificate, and the callbacks that pick the certificate by
/// SNI from the set current in `certs`. They switch in the ClientHello callback: that runs before
/// OpenSSL looks up the offered session or ticket, so the lookup compares it with the chosen
/// certificate's session id context and a session of one certificate never resumes under
/// another (the servername callback runs after the lookup).
fn default_context(
    first: &CertKey,
    certs: &Arc<ArcSwapOption<Certs>>,
) -> Result<SslContext, String> {
    let mut b = context_builder()?;
    b.set_certificate(&first.chain[0])
        .map_err(|e| e.to_string())?;
    for c in &first.chain[1..] {
        b.add_extra_chain_cert(c.clone())
            .map_err(|e| e.to_string())?;
    }
    b.set_private_key(&first.key).map_err(|e| e.to_string())?;
    b.set_session_id_context(&session_id_context(&first.chain[0])?)
        .map_err(|e| e.to_string())?;
    let set = certs.clone();
    b.set_client_hello_callback(move |ssl, _alert| {
        let name = client_hello_sni(ssl);
        if let (Some(name), Some(c)) = (&name, &*set.load()) {
            if let Some(ctx) = lookup(&c.by_name, name) {
                if ctx.as_ptr() as usize != c.first_ctx {
                    ssl.set_ssl_context(ctx)?;
                }
            }
        }
        sni::on_client_hello(ssl, name.as_deref())?;
        if session::tls13_stateful() && client_hello_offers_tls13(ssl) {
            // Stateful TLS 1.3 tickets: the ticket is a session id, stored and looked up
            // through tshost's cache and TS_SSL_SESSION_HOOK.
            // SAFETY: the connection's own SSL object.
            unsafe {
                SSL_set_options(ssl.as_ptr(), openssl_sys::SSL_OP_NO_TICKET);
            }
        }
        let r = conn_hooks::client_hello(ssl)?;
        // sni.yaml's tunnel_route: the handshake stops here and the network task carries the
        // connection blindly (after the CLIENT_HELLO hooks, as ATS runs them after its SNI
        // actions).
        if r == ClientHelloResponse::SUCCESS && sni::blind(ssl) {
            return Ok(ClientHelloResponse::RETRY);
        }
        Ok(r)
    });
    let set = certs.clone();
    b.set_servername_callback(move |ssl, _alert| {
        if let (Some(name), Some(c)) = (
            ssl.servername(NameType::HOST_NAME)
                .map(str::to_ascii_lowercase),
            &*set.load(),
        ) {
            if let Some(ctx) = lookup(&c.by_name, &name) {
                if ctx.as_ptr() as usize != c.first_ctx {
                    ssl.set_ssl_context(ctx)
                        .map_err(|_| SniError::ALERT_FATAL)?;
                }
            }
        }
        if !conn_hooks::servername(ssl) {
            return Err(SniError::ALERT_FATAL);
        }
        Ok(())
    });
    Ok(b.build())
}

extern "C" {
    fn SSL_set_options(ssl: *mut openssl_sys::SSL, op: u64) -> u64;
}

/// The ALPN protocols a connection offers, with h2 or http/1.1 turned off.
fn offered(h2_off: bool, h1_off: bool) -> &'static [u8] {
    match (h2_off, h1_off) {
        (false, false) => ALPN,
        (true, false) => ALPN_H1,
        (false, true) => b"\x02h2",
        (true, true) => b"",
    }
}

/// The context for a server name: exact, else the wildcard of its parent domain.
fn lookup<'a>(by_name: &'a HashMap<String, SslContext>, name: &str) -> Option<&'a SslContext> {
    let wildcard = name.find('.').map(|i| &name[i..]);
    by_name
        .get(name)
        .or_else(|| wildcard.and_then(|w| by_name.get(w)))
}

/// A ClientHello extension's bytes (in the ClientHello callback).
fn client_hello_ext(ssl: &SslRef, ext: u32) -> Option<&[u8]> {
    let mut p: *const u8 = std::ptr::null();
    let mut len = 0usize;
    // SAFETY: called inside the ClientHello callback; the bytes live as long as the handshake.
    unsafe {
        if openssl_sys::SSL_client_hello_get0_ext(ssl.as_ptr(), ext as _, &mut p, &mut len) != 1
            || p.is_null()
        {
            return None;
        }
        Some(std::slice::from_raw_parts(p, len))
    }
}

/// The host_name of the server_name extension, lowercase.
fn client_hello_sni(ssl: &SslRef) -> Option<String> {
    let e = client_hello_ext(ssl, 0)?;
    // ServerNameList: u16 length, then (u8 type, u16 length, name)...
    let list = e.get(2..2 + u16::from_be_bytes([*e.first()?, *e.get(1)?]) as usize)?;
    let mut rest = list;
    while rest.len() >= 3 {
        let (t, n) = (rest[0], u16::from_be_bytes([rest[1], rest[2]]) as usize);
        let name = rest.get(3..3 + n)?;
        if t == 0 {
            return std::str::from_utf8(name).ok().map(str::to_ascii_lowercase);
        }
        rest = &rest[3 + n..];
    }
    None
}

/// Whether supported_versions lists TLS 1.3 (tshost then negotiates it).
fn client_hello_offers_tls13(ssl: &SslRef) -> bool {
    client_hello_ext(ssl, 43)
        .and_then(|e| e.get(1..1 + *e.first()? as usize))
        .is_some_and(|v| v.chunks_exact(2).any(|c| c == [3, 4]))
}

/// The protocol tag of a negotiated TLS version.
pub fn version_tag(ssl: &openssl::ssl::SslRef) -> &'static CStr {
    match ssl.version_str() {
        "TLSv1.3" => proto::TLS_1_3,
        "TLSv1.2" => proto::TLS_1_2,
        "TLSv1.1" => proto::TLS_1_1,
        _ => proto::TLS_1_0,
    }
}

/// The TLS context for connections to origins (ATS's client SSL_CTX, made at start-up and given
/// to TS_LIFECYCLE_CLIENT_SSL_CTX_INITIALIZED_HOOK): the files of proxy.config.ssl.client.*
/// ([`init_client_context`], [`client::make`]; made with the system's CAs alone if nothing called
/// it).
/// TSSslClientCertUpdate replaces it when its certificate is reloaded.
pub fn client_context() -> Option<SslContext> {
    CLIENT_CTX
        .get_or_init(|| {
            let files = client::ClientFiles::default();
            client::set_default(&files);
            arc_swap::ArcSwapOption::from(make_client_context(&files).map(std::sync::Arc::new))
        })
        .load()
        .as_deref()
        .cloned()
}

static CLIENT_CTX: std::sync::OnceLock<arc_swap::ArcSwapOption<SslContext>> =
    std::sync::OnceLock::new();

/// Make the client context of these files (the first call counts).
pub fn init_client_context(files: &client::ClientFiles) {
    CLIENT_CTX.get_or_init(|| {
        client::set_default(files);
        arc_swap::ArcSwapOption::from(make_client_context(files).map(std::sync::Arc::new))
    });
}

/// The process's client context was remade (TSSslClientCertUpdate): new origin connections use it.
pub(crate) fn replace_client_context(ctx: SslContext) {
    if let Some(c) = CLIENT_CTX.get() {
        c.store(Some(std::sync::Arc::new(ctx)));
    }
}

fn make_client_context(files: &client::ClientFiles) -> Option<SslContext> {
    match client::context_for(files) {
        Ok(c) => Some(c),
        Err(e) => {
            crate::error!("cannot make the TLS context for origins: {e}");
            None
        }
    }
}
