//! sni.yaml applied to client connections: the entry of the ClientHello's server name sets the
//! client certificate policy ([`SniVerify`]), the TLS versions offered and whether h2 is in ALPN;
//! after the handshake, a request whose Host has an entry with a client certificate policy and
//! differs from the SNI is refused under host_sni_policy ENFORCED ([`host_denied`]), as ATS
//! 9.2.9's HttpSM::check_sni_host. An entry's route (`tunnel_route`, `forward_route`,
//! `partial_blind_route`) is decided in the ClientHello callback ([`route`]); its outbound keys are
//! looked up by the SNI of a connection to an origin ([`outbound`]). The table is swapped whole on
//! a reload (SIGHUP).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use arc_swap::ArcSwap;
use foreign_types_shared::ForeignTypeRef;
use openssl::error::ErrorStack;
use openssl::ssl::{Ssl, SslOptions, SslRef};

use super::client_cert::SniVerify;
use crate::config::sni::{fill_destination, RouteKind, SniConfig, SniEntry, TlsVersion};

/// One entry, ready for connections.
pub struct Entry {
    pub entry: SniEntry,
    verify: Option<SniVerify>,
}

#[derive(Default)]
struct Table {
    entries: Vec<Arc<Entry>>,
}

impl Table {
    fn find(&self, name: &str) -> Option<&Arc<Entry>> {
        self.entries.iter().find(|e| e.entry.matches(name))
    }
}

static TABLE: OnceLock<ArcSwap<Table>> = OnceLock::new();
/// proxy.config.http.host_sni_policy.
static HOST_SNI_POLICY: AtomicU8 = AtomicU8::new(2);
/// Some entry sets `verify_client` (else host_sni_policy has nothing to check: a request costs
/// one load).
static VERIFYING: AtomicBool = AtomicBool::new(false);
/// Some entry has a route: a TLS accept keeps what the client sends until the route is known.
static ROUTING: AtomicBool = AtomicBool::new(false);

fn install(t: Table) {
    VERIFYING.store(
        t.entries.iter().any(|e| e.entry.verify_client.is_some()),
        Ordering::Release,
    );
    ROUTING.store(
        t.entries.iter().any(|e| e.entry.route.is_some()),
        Ordering::Release,
    );
    table().store(Arc::new(t));
}
/// The file and the configuration directory, for a reload.
static FILE: Mutex<Option<(PathBuf, PathBuf)>> = Mutex::new(None);

fn table() -> &'static ArcSwap<Table> {
    TABLE.get_or_init(|| ArcSwap::from_pointee(Table::default()))
}

fn ex_index() -> openssl::ex_data::Index<Ssl, Arc<Entry>> {
    static I: OnceLock<openssl::ex_data::Index<Ssl, Arc<Entry>>> = OnceLock::new();
    *I.get_or_init(|| Ssl::new_ex_index().expect("SSL ex_data index"))
}

/// A connection's route: its kind and destination (`$N` filled in).
fn route_index() -> openssl::ex_data::Index<Ssl, (RouteKind, String)> {
    static I: OnceLock<openssl::ex_data::Index<Ssl, (RouteKind, String)>> = OnceLock::new();
    *I.get_or_init(|| Ssl::new_ex_index().expect("SSL ex_data index"))
}

/// The server name of a connection's ClientHello, kept when sni.yaml has entries.
fn name_index() -> openssl::ex_data::Index<Ssl, Box<str>> {
    static I: OnceLock<openssl::ex_data::Index<Ssl, Box<str>>> = OnceLock::new();
    *I.get_or_init(|| Ssl::new_ex_index().expect("SSL ex_data index"))
}

/// The server name the client sent (lowercase). OpenSSL's SSL_get_servername gives, on a resumed
/// TLS 1.2 session, the name of the handshake that made the session, which may be another name of
/// the same verify policy: host_sni_policy compares the Host with the name sent.
pub fn server_name(ssl: &SslRef) -> Option<String> {
    match ssl.ex_data(name_index()) {
        Some(n) => Some(n.to_string()),
        None => ssl
            .servername(openssl::ssl::NameType::HOST_NAME)
            .map(str::to_ascii_lowercase),
    }
}

/// The file of an entry's `client_cert` or `client_key` (relative names are in the directory of
/// `setting`, itself relative to the configuration directory `dir`), checked readable as ATS
/// checks them when it loads sni.yaml.
fn client_file(dir: &Path, setting: &str, name: &str) -> Result<PathBuf, String> {
    let path = super::client::setting_dir(crate::host::records(), dir, setting).join(name);
    std::fs::File::open(&path)
        .map(|_| path.clone())
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn build(config: SniConfig, dir: &Path) -> Result<Table, String> {
    let mut entries = Vec::new();
    for e in config.entries {
        let at = |what: &str, err: String| {
            format!("{}:{}: {what}: {err}", config.file.display(), e.line)
        };
        // As ATS, the context of an entry's client certificate is made when the file loads
        // (TSSslClientContextsNamesGet lists it; a file that does not load fails the load).
        // The certificate first, then its key (ATS's order: a missing certificate is named).
        let cert = match &e.client_cert {
            Some(c) => Some(
                client_file(dir, "proxy.config.ssl.client.cert.path", c)
                    .map_err(|err| at("client_cert", err))?,
            ),
            None => None,
        };
        let key = match &e.client_key {
            Some(k) => Some(
                client_file(dir, "proxy.config.ssl.client.private_key.path", k)
                    .map_err(|err| at("client_key", err))?,
            ),
            None => None,
        };
        if let Some(cert) = cert {
            let cas = super::client::default_files().unwrap_or_default();
            let files = super::client::ClientFiles {
                cert: Some(cert),
                key,
                ca_file: cas.ca_file,
                ca_path: cas.ca_path,
            };
            super::client::context_for(&files).map_err(|err| at("client_cert", err))?;
        }
        let verify = match e.verify_client {
            Some(level) => Some(
                SniVerify::new(level, e.ca_file.as_deref(), e.ca_dir.as_deref()).map_err(
                    |err| format!("{}:{}: verify_client: {err}", config.file.display(), e.line),
                )?,
            ),
            None => None,
        };
        if let Some(v) = &e.tls_versions {
            if v.iter()
                .any(|v| matches!(v, TlsVersion::V1_0 | TlsVersion::V1_1))
            {
                crate::warning!(
                    "{}:{}: valid_tls_versions_in: tshost speaks TLS 1.2 and 1.3 only; \
                     TLSv1 and TLSv1_1 are never offered",
                    config.file.display(),
                    e.line
                );
            }
        }
        entries.push(Arc::new(Entry { entry: e, verify }));
    }
    Ok(Table { entries })
}

fn load(file: &Path, dir: &Path) -> Result<Table, String> {
    match SniConfig::load(file, dir).map_err(|e| e.to_string())? {
        Some(c) => build(c, dir),
        None => Ok(Table::default()),
    }
}

/// Read sni.yaml (`file`; relative CA paths from `dir`) at start-up, with
/// proxy.config.http.host_sni_policy.
pub fn configure(file: &Path, dir: &Path, host_sni_policy: i64) -> Result<(), String> {
    HOST_SNI_POLICY.store(host_sni_policy.clamp(0, 2) as u8, Ordering::Release);
    let t = load(file, dir)?;
    if !t.entries.is_empty() {
        crate::note!("{}: {} entries", file.display(), t.entries.len());
    }
    install(t);
    *FILE.lock().unwrap_or_else(|p| p.into_inner()) = Some((file.to_path_buf(), dir.to_path_buf()));
    Ok(())
}

/// Read sni.yaml again (SIGHUP): new connections get the new table; a file that does not load
/// keeps the old one, with an error naming file:line. Returns whether the new one is in force.
pub fn reload() -> bool {
    let Some((file, dir)) = FILE.lock().unwrap_or_else(|p| p.into_inner()).clone() else {
        return false;
    };
    // ATS's words (SNIConfig::reconfigure).
    crate::note!("{} loading ...", file.display());
    match load(&file, &dir) {
        Ok(t) => {
            let n = t.entries.len();
            install(t);
            crate::note!("{} finished loading ({n} entries)", file.display());
            true
        }
        Err(e) => {
            crate::error!(
                "{} failed to load: {e}; the previous sni.yaml stays in force",
                file.display()
            );
            false
        }
    }
}

extern "C" {
    fn SSL_set_options(ssl: *mut openssl_sys::SSL, op: u64) -> u64;
}

/// Apply the entry of the ClientHello's server name (lowercase) to the connection: called in the
/// ClientHello callback once the certificate's context is chosen, before OpenSSL looks up the
/// session and picks the version.
pub fn on_client_hello(ssl: &mut SslRef, name: Option<&str>) -> Result<(), ErrorStack> {
    let t = table().load();
    if t.entries.is_empty() {
        return Ok(());
    }
    if let Some(name) = name {
        ssl.set_ex_data(name_index(), name.into());
    }
    // A connection without SNI has the entry of the empty name (`fqdn: ''`), as in ATS.
    let name = name.unwrap_or("");
    let Some(e) = t.find(name) else { return Ok(()) };
    if let Some(r) = &e.entry.route {
        let groups = e.entry.captures(name).unwrap_or_default();
        let destination = fill_destination(&r.destination, &groups);
        crate::debug!(
            "ssl_sni",
            "{name}: {:?} route to {destination} (sni.yaml:{})",
            r.kind,
            e.entry.line
        );
        ssl.set_ex_data(route_index(), (r.kind, destination));
    }
    if let Some(v) = &e.verify {
        v.apply(ssl).map_err(|err| {
            crate::error!("TLS: client certificate policy of {name}: {err}");
            ErrorStack::get()
        })?;
    }
    if let Some(versions) = &e.entry.tls_versions {
        let mut off = SslOptions::empty();
        if !versions.contains(&TlsVersion::V1_2) {
            off |= SslOptions::NO_TLSV1_2;
        }
        if !versions.contains(&TlsVersion::V1_3) {
            off |= SslOptions::NO_TLSV1_3;
        }
        if !off.is_empty() {
            // SAFETY: the connection's own SSL object, inside its handshake.
            unsafe {
                SSL_set_options(ssl.as_ptr(), off.bits());
            }
        }
    }
    ssl.set_ex_data(ex_index(), e.clone());
    Ok(())
}

/// Whether some entry has a route (a TLS accept then keeps the ClientHello for a blind tunnel).
pub fn routing() -> bool {
    ROUTING.load(Ordering::Acquire)
}

/// The route of a connection whose ClientHello was read: its kind and `HOST:PORT`.
pub fn route(ssl: &SslRef) -> Option<(RouteKind, String)> {
    if !routing() {
        return None;
    }
    ssl.ex_data(route_index()).cloned()
}

/// Whether the connection's route is a blind tunnel (the handshake stops at the ClientHello).
pub fn blind(ssl: &SslRef) -> bool {
    routing()
        && ssl
            .ex_data(route_index())
            .is_some_and(|r| r.0 == RouteKind::Blind)
}

/// `client_sni_policy` of the entry of a client connection's SNI, if it has one.
pub fn client_sni_policy(ssl: &SslRef) -> Option<String> {
    ssl.ex_data(ex_index())
        .and_then(|e| e.entry.client_sni_policy.clone())
}

/// The entry of a connection to an origin, by its SNI (its address as text when it has none):
/// the first whose fqdn matches, as ATS's next-hop list (its outbound keys may be unset).
pub fn outbound(server_key: &str) -> Option<Arc<Entry>> {
    let t = table().load();
    if t.entries.is_empty() {
        return None;
    }
    t.find(&server_key.to_ascii_lowercase()).cloned()
}

/// Whether h2 may be offered in ALPN on this connection (sni.yaml `http2: off` says no).
pub fn h2_allowed(ssl: &SslRef) -> bool {
    ssl.ex_data(ex_index())
        .is_none_or(|e| e.entry.http2 != Some(false))
}

/// ATS 9.2.9's check_sni_host, for a request on a TLS connection: when the Host's sni.yaml entry
/// has a client certificate policy (`verify_client`) and the policy (its `host_sni_policy`, else
/// proxy.config.http.host_sni_policy) is not DISABLED, a request without SNI or with another SNI
/// is warned about; under ENFORCED it is refused (true: answer 403). Checked on ATS 9.2.9.
pub fn host_denied(host: &str, sni: Option<&str>) -> bool {
    if host.is_empty() || !VERIFYING.load(Ordering::Acquire) {
        return false;
    }
    let t = table().load();
    let Some(e) = t.find(host) else { return false };
    if e.entry.verify_client.is_none() {
        return false;
    }
    let policy = e
        .entry
        .host_sni_policy
        .unwrap_or_else(|| HOST_SNI_POLICY.load(Ordering::Acquire));
    if policy == 0 {
        return false;
    }
    let action = if policy == 2 { "terminate" } else { "continue" };
    match sni {
        None | Some("") => {
            crate::warning!("No SNI for TLS request with hostname {host} action={action}")
        }
        Some(s) if !s.eq_ignore_ascii_case(host) => {
            crate::warning!("SNI/hostname mismatch sni={s} host={host} action={action}")
        }
        Some(_) => return false,
    }
    policy == 2
}
