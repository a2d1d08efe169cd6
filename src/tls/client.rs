//! TLS contexts for connections to origins (ATS's client SSL_CTXs): TLS 1.2 and later, ALPN
//! http/1.1, the system's CAs and the configured ones, and the client certificate tshost presents
//! when an origin asks for one (`proxy.config.ssl.client.cert.filename` and
//! `.private_key.filename`). One context per set of files, made once and kept (as ATS's
//! SSLConfigParams::getCTX): a transaction that names other files (conf_remap,
//! TSHttpTxnConfigStringSet) gets the context of those.
//!
//! Plugins see them by ATS's two-level names ([`names`], [`find_by_name`]): the CA files
//! (`CA_FILE:CA_PATH`, each empty when not set) and the certificate file (empty for none); and
//! TSSslClientCertUpdate reloads the contexts of a certificate from its files ([`update_cert`]).
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, OnceLock};

use openssl::ssl::{SslContext, SslContextBuilder, SslFiletype, SslMethod, SslVersion};
use parking_lot::Mutex;

/// The files a client context is made of (full paths).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ClientFiles {
    /// The certificate (PEM, its chain after it), and its key when `key` is None.
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    /// CA certificates origins' certificates are checked against, besides the system's.
    pub ca_file: Option<PathBuf>,
    pub ca_path: Option<PathBuf>,
}

static CONTEXTS: LazyLock<Mutex<HashMap<ClientFiles, SslContext>>> =
    LazyLock::new(Default::default);

/// The context made of `files` (made at the first call, then kept).
pub fn context_for(files: &ClientFiles) -> Result<SslContext, String> {
    if let Some(c) = CONTEXTS.lock().get(files) {
        return Ok(c.clone());
    }
    let made = make(files)?;
    let mut all = CONTEXTS.lock();
    if !all.contains_key(files) {
        NAMED.lock().push(Named::of(files));
    }
    Ok(all.entry(files.clone()).or_insert(made).clone())
}

/// A context's names as plugins see them (they keep pointers to these strings: entries are never
/// removed, and there is one per set of files).
struct Named {
    top: CString,
    second: CString,
    files: ClientFiles,
}

impl Named {
    fn of(files: &ClientFiles) -> Named {
        let text = |p: &Option<PathBuf>| {
            p.as_ref()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        let c = |s: String| CString::new(s).unwrap_or_default();
        Named {
            top: c(format!("{}:{}", text(&files.ca_file), text(&files.ca_path))),
            second: c(text(&files.cert)),
            files: files.clone(),
        }
    }
}

static NAMED: LazyLock<Mutex<Vec<Named>>> = LazyLock::new(Default::default);
/// The directory a `*.path` record names (`setting`), relative to `base` (the configuration
/// directory); `base` itself when it is empty or ATS's `TS_BUILD_SYSCONFDIR`.
pub fn setting_dir(
    records: &crate::config::records::Records,
    base: &Path,
    setting: &str,
) -> PathBuf {
    match records.get_str(setting).unwrap_or_default() {
        "" | "TS_BUILD_SYSCONFDIR" => base.to_path_buf(),
        d => base.join(d),
    }
}

/// The files of the process's context (proxy.config.ssl.client.*).
static DEFAULT: OnceLock<ClientFiles> = OnceLock::new();

pub(super) fn set_default(files: &ClientFiles) {
    let _ = DEFAULT.set(files.clone());
}

/// The files of the process's context (the CAs every other context takes too), once set.
pub fn default_files() -> Option<ClientFiles> {
    DEFAULT.get().cloned()
}

/// Every context's two names, in the order they were made: (CA files, certificate file), as
/// pointers to NUL-terminated strings that live as long as the process.
pub fn names() -> Vec<(*const std::os::raw::c_char, *const std::os::raw::c_char)> {
    NAMED
        .lock()
        .iter()
        .map(|n| (n.top.as_ptr(), n.second.as_ptr()))
        .collect()
}

/// The context of these two names, if one was made.
pub fn find_by_name(top: &[u8], second: &[u8]) -> Option<SslContext> {
    let files = NAMED
        .lock()
        .iter()
        .find(|n| n.top.as_bytes() == top && n.second.as_bytes() == second)
        .map(|n| n.files.clone())?;
    CONTEXTS.lock().get(&files).cloned()
}

/// Make again, from the files as they are now, every context whose certificate file is `cert`
/// (and whose key file is `key`, when given): new connections to origins present the new
/// certificate. Returns how many were remade; an error when none uses that certificate or the
/// files do not load (the old contexts then stay).
pub fn update_cert(cert: &Path, key: Option<&Path>) -> Result<usize, String> {
    let targets: Vec<ClientFiles> = CONTEXTS
        .lock()
        .keys()
        .filter(|f| {
            f.cert.as_deref() == Some(cert) && key.is_none_or(|k| f.key.as_deref() == Some(k))
        })
        .cloned()
        .collect();
    if targets.is_empty() {
        return Err("no client context uses this certificate".into());
    }
    let mut made = Vec::new();
    for files in &targets {
        made.push((files.clone(), make(files)?));
    }
    let n = made.len();
    for (files, ctx) in made {
        if DEFAULT.get() == Some(&files) {
            super::replace_client_context(ctx.clone());
        }
        CONTEXTS.lock().insert(files, ctx);
    }
    Ok(n)
}

/// A new context of `files`; an error names the setting whose file failed.
pub fn make(files: &ClientFiles) -> Result<SslContext, String> {
    let mut b = SslContext::builder(SslMethod::tls_client()).map_err(|e| e.to_string())?;
    b.set_min_proto_version(Some(SslVersion::TLS1_2))
        .map_err(|e| e.to_string())?;
    b.set_alpn_protos(b"\x08http/1.1")
        .map_err(|e| e.to_string())?;
    b.set_default_verify_paths().map_err(|e| e.to_string())?;
    if let Some(f) = &files.ca_file {
        b.set_ca_file(f).map_err(|e| {
            format!(
                "proxy.config.ssl.client.CA.cert.filename {}: {e}",
                f.display()
            )
        })?;
    }
    if let Some(p) = &files.ca_path {
        b.load_verify_locations(None, Some(p))
            .map_err(|e| format!("proxy.config.ssl.client.CA.cert.path {}: {e}", p.display()))?;
    }
    if let Some(cert) = &files.cert {
        add_certificate(&mut b, cert, files.key.as_ref())?;
    }
    super::origin_session::install(&mut b);
    Ok(b.build())
}

/// The client certificate (and the chain after it in the file) and its key (from `key`, else
/// from the certificate's file).
fn add_certificate(
    b: &mut SslContextBuilder,
    cert: &PathBuf,
    key: Option<&PathBuf>,
) -> Result<(), String> {
    let cert_err = |e: &dyn std::fmt::Display| {
        format!(
            "proxy.config.ssl.client.cert.filename {}: {e}",
            cert.display()
        )
    };
    b.set_certificate_chain_file(cert)
        .map_err(|e| cert_err(&e))?;
    let key_file = key.unwrap_or(cert);
    b.set_private_key_file(key_file, SslFiletype::PEM)
        .map_err(|e| {
            format!(
                "proxy.config.ssl.client.private_key.filename {}: {e}",
                key_file.display()
            )
        })?;
    b.check_private_key().map_err(|_| {
        format!(
            "proxy.config.ssl.client.private_key.filename {}: does not match the certificate {}",
            key_file.display(),
            cert.display()
        )
    })
}
