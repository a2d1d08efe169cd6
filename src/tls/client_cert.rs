//! Client certificates (mTLS) on TLS listeners, as ATS 9.2.9 (iocore/net/SSLUtils.cc):
//! proxy.config.ssl.client.certification_level 0 (none asked), 1 (asked; one presented must
//! verify), 2 (required), checked against proxy.config.ssl.CA.cert.filename (relative to
//! proxy.config.ssl.CA.cert.path), the hashed directory CA.cert.path and the system's CAs; or,
//! per server name, sni.yaml's `verify_client` and `verify_client_ca_certs` ([`SniVerify`]).
//!
//! Sessions are scoped to the verify policy: a session made under one policy (or CA set) has
//! another session id context than one made under another, so OpenSSL does not resume it there
//! (a resumed handshake asks for no certificate: without this, a session made without a
//! certificate would skip a STRICT name's check).

use std::path::{Path, PathBuf};

use arc_swap::ArcSwapOption;
use foreign_types_shared::{ForeignType, ForeignTypeRef};

extern "C" {
    fn X509_STORE_up_ref(store: *mut openssl_sys::X509_STORE) -> std::os::raw::c_int;
    fn SSL_set_session_id_context(
        ssl: *mut openssl_sys::SSL,
        sid: *const u8,
        len: std::os::raw::c_uint,
    ) -> std::os::raw::c_int;
}
use openssl::hash::{Hasher, MessageDigest};
use openssl::ssl::{SslContextBuilder, SslRef, SslVerifyMode};
use openssl::stack::Stack;
use openssl::x509::store::{X509Lookup, X509Store, X509StoreBuilder};
use openssl::x509::{X509Name, X509NameRef, X509Ref, X509StoreContextRef};

/// ATS's verify depth (fixed there too).
const VERIFY_DEPTH: u32 = 7;

/// The verify mode of a certification level (ATS's setClientCertLevel).
pub fn mode(level: u8) -> SslVerifyMode {
    match level {
        0 => SslVerifyMode::NONE,
        1 => SslVerifyMode::PEER | SslVerifyMode::CLIENT_ONCE,
        _ => SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT | SslVerifyMode::CLIENT_ONCE,
    }
}

/// The verify callback of every client certificate check (ATS's ssl_verify_client_callback):
/// OpenSSL's verdict stands, so a certificate that does not verify fails the handshake at level
/// 1 too (checked on ATS 9.2.9).
pub fn verify_client_cert(preverify_ok: bool, ctx: &mut X509StoreContextRef) -> bool {
    // TS_SSL_VERIFY_CLIENT_HOOK: a plugin may fail the check (ATS: then the handshake fails
    // whatever OpenSSL said).
    if !super::conn_hooks::verify_client_in(ctx) {
        crate::warning!("TS_EVENT_SSL_VERIFY_CLIENT plugin failed the client certificate check");
        return false;
    }
    if !preverify_ok {
        crate::debug!(
            "ssl",
            "client certificate (depth {}) does not verify: {}",
            ctx.error_depth(),
            ctx.error()
        );
    }
    preverify_ok
}

/// The listener's settings (records.config).
pub struct Listener {
    pub level: u8,
    ca_file: Option<PathBuf>,
    ca_path: PathBuf,
    /// The CAs: the file, the hashed directory and the system's; made when first needed (the
    /// system's CAs are not loaded by a proxy that asks for no certificate).
    store: std::sync::OnceLock<Result<X509Store, String>>,
    /// The subject names of the file's CAs, sent in the CertificateRequest.
    names: Vec<X509Name>,
    /// What the session id context mixes in (empty at level 0).
    tag: Vec<u8>,
}

static LISTENER: ArcSwapOption<Listener> = ArcSwapOption::const_empty();

/// CAs of a file and/or a hashed directory (and the system's when `system`).
fn store(file: Option<&Path>, dir: Option<&Path>, system: bool) -> Result<X509Store, String> {
    let e = |e: openssl::error::ErrorStack| e.to_string();
    let mut b = X509StoreBuilder::new().map_err(e)?;
    if let Some(f) = file {
        b.add_lookup(X509Lookup::file())
            .map_err(e)?
            .load_cert_file(f, openssl::ssl::SslFiletype::PEM)
            .map_err(|err| format!("{}: no CA certificate loaded: {err}", f.display()))?;
    }
    if let Some(d) = dir {
        let s = d.to_str().ok_or("a CA directory that is not UTF-8")?;
        b.add_lookup(X509Lookup::hash_dir())
            .map_err(e)?
            .add_dir(s, openssl::ssl::SslFiletype::PEM)
            .map_err(|err| format!("{}: {err}", d.display()))?;
    }
    if system {
        b.set_default_paths().map_err(e)?;
    }
    Ok(b.build())
}

/// Subject names of a file's certificates, and what identifies them.
fn ca_names(file: Option<&Path>) -> Result<(Vec<X509Name>, Vec<u8>), String> {
    let Some(f) = file else {
        return Ok((Vec::new(), Vec::new()));
    };
    let list = X509Name::load_client_ca_file(f)
        .map_err(|e| format!("{}: no CA certificate loaded: {e}", f.display()))?;
    let mut tag = Vec::new();
    let mut names = Vec::new();
    for n in list {
        tag.extend(n.to_der().map_err(|e| e.to_string())?);
        names.push(n);
    }
    Ok((names, tag))
}

fn name_stack(names: &[X509Name]) -> Option<Stack<X509Name>> {
    let mut s = Stack::new().ok()?;
    for n in names {
        let n: &X509NameRef = n;
        s.push(n.to_owned().ok()?).ok()?;
    }
    Some(s)
}

/// Another reference to a store (the SSL object takes one).
fn share(store: &X509Store) -> X509Store {
    // SAFETY: a valid store; the new reference is owned by the returned value, which frees it.
    unsafe {
        X509_STORE_up_ref(store.as_ptr());
        X509Store::from_ptr(store.as_ptr())
    }
}

/// Read proxy.config.ssl.client.certification_level and the CA records (before the listener
/// contexts are made). `ca_file` is relative to `ca_path`, itself relative to `config_dir`.
pub fn configure(
    level: i64,
    ca_file: &str,
    ca_path: &str,
    config_dir: Option<&Path>,
) -> Result<(), String> {
    let level = match level {
        0..=2 => level as u8,
        _ => {
            crate::error!(
                "illegal client certification level {level} in records.config \
                 (proxy.config.ssl.client.certification_level): no client certificate asked"
            );
            0
        }
    };
    let base = config_dir.map(Path::to_path_buf).unwrap_or_default();
    let ca_path = if ca_path.is_empty() {
        base.clone()
    } else {
        base.join(ca_path)
    };
    let ca_file = (!ca_file.is_empty()).then(|| ca_path.join(ca_file));
    let (names, mut tag) = ca_names(ca_file.as_deref())
        .map_err(|e| format!("proxy.config.ssl.CA.cert.filename: {e}"))?;
    if level == 0 {
        tag.clear();
    } else {
        tag.splice(0..0, [b'L', level]);
    }
    let l = Listener {
        level,
        ca_file,
        ca_path,
        store: std::sync::OnceLock::new(),
        names,
        tag,
    };
    if level > 0 {
        l.store()?;
    }
    LISTENER.store(Some(std::sync::Arc::new(l)));
    Ok(())
}

/// The listener's settings (None before [`configure`]: no client certificates).
pub fn listener() -> Option<std::sync::Arc<Listener>> {
    LISTENER.load_full()
}

impl Listener {
    /// Another reference to the listener's CA store (made on the first call).
    pub fn store(&self) -> Result<X509Store, String> {
        let made = self.store.get_or_init(|| {
            let dir = self.ca_path.is_dir().then_some(self.ca_path.as_path());
            store(self.ca_file.as_deref(), dir, true)
                .map_err(|e| format!("proxy.config.ssl.CA.cert.filename/path: {e}"))
        });
        made.as_ref().map(share).map_err(Clone::clone)
    }

    /// The CA file and directory, for messages.
    pub fn describe(&self) -> String {
        match &self.ca_file {
            Some(f) => format!("{} and {}", f.display(), self.ca_path.display()),
            None => self.ca_path.display().to_string(),
        }
    }
}

/// What a listener context's session id context mixes in: empty when no certificate is asked.
pub fn listener_tag() -> Vec<u8> {
    listener().map(|l| l.tag.clone()).unwrap_or_default()
}

/// A session id context: the certificate's digest, and the verify policy's tag if any.
pub fn session_id_context(cert: &X509Ref, tag: &[u8]) -> Result<Vec<u8>, String> {
    let d = cert
        .digest(MessageDigest::sha256())
        .map_err(|e| e.to_string())?;
    if tag.is_empty() {
        return Ok(d[..32].to_vec());
    }
    let mut h = Hasher::new(MessageDigest::sha256()).map_err(|e| e.to_string())?;
    h.update(&d).map_err(|e| e.to_string())?;
    h.update(tag).map_err(|e| e.to_string())?;
    Ok(h.finish().map_err(|e| e.to_string())?[..32].to_vec())
}

/// Ask for client certificates on a listener context, as the records say.
pub fn setup_context(b: &mut SslContextBuilder) -> Result<(), String> {
    let Some(l) = listener() else { return Ok(()) };
    if l.level == 0 {
        return Ok(());
    }
    b.set_verify_cert_store(l.store()?)
        .map_err(|e| e.to_string())?;
    if let Some(s) = name_stack(&l.names) {
        b.set_client_ca_list(s);
    }
    b.set_verify_callback(mode(l.level), verify_client_cert);
    b.set_verify_depth(VERIFY_DEPTH);
    Ok(())
}

/// A server name's client certificate policy (sni.yaml `verify_client`,
/// `verify_client_ca_certs`).
pub struct SniVerify {
    level: u8,
    /// Its own CAs, else the listener's (None: level 0, none needed).
    store: Option<X509Store>,
    names: Option<Vec<X509Name>>,
    tag: Vec<u8>,
}

impl SniVerify {
    pub fn new(level: u8, ca_file: Option<&Path>, ca_dir: Option<&Path>) -> Result<Self, String> {
        let own = ca_file.is_some() || ca_dir.is_some();
        let mut tag = vec![b'S', level];
        let (store, names) = if own {
            let (names, t) = ca_names(ca_file)?;
            tag.extend(t);
            for p in [ca_file, ca_dir].into_iter().flatten() {
                tag.extend(p.as_os_str().as_encoded_bytes());
                tag.push(0);
            }
            (Some(store(ca_file, ca_dir, false)?), ca_file.map(|_| names))
        } else if level > 0 {
            let l = listener().ok_or("no client certificate settings")?;
            (Some(l.store()?), None)
        } else {
            (None, None)
        };
        Ok(SniVerify {
            level,
            store,
            names,
            tag,
        })
    }

    /// Apply it to a connection (in the ClientHello callback, after its certificate's context
    /// was chosen), with its session id context.
    pub fn apply(&self, ssl: &mut SslRef) -> Result<(), String> {
        ssl.set_verify_callback(mode(self.level), verify_client_cert);
        ssl.param_mut().set_depth(VERIFY_DEPTH as i32);
        if let Some(s) = &self.store {
            ssl.set_verify_cert_store(share(s))
                .map_err(|e| e.to_string())?;
        }
        if let Some(s) = self.names.as_deref().and_then(name_stack) {
            ssl.set_client_ca_list(s);
        }
        if let Some(cert) = ssl.certificate() {
            let sid = session_id_context(cert, &self.tag)?;
            // SAFETY: the connection's own SSL object; OpenSSL copies the bytes (at most 32).
            let ok =
                unsafe { SSL_set_session_id_context(ssl.as_ptr(), sid.as_ptr(), sid.len() as _) };
            if ok != 1 {
                return Err("SSL_set_session_id_context failed".into());
            }
        }
        Ok(())
    }
}
