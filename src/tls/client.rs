//! TLS contexts for connections to origins (ATS's client SSL_CTXs): TLS 1.2 and later, ALPN
//! http/1.1, the system's CAs and the configured ones, and the client certificate tshost presents
//! when an origin asks for one (`proxy.config.ssl.client.cert.filename` and
//! `.private_key.filename`). One context per set of files, made once and kept (as ATS's
//! SSLConfigParams::getCTX): a transaction that names other files (conf_remap,
//! TSHttpTxnConfigStringSet) gets the context of those.
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::LazyLock;

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
    Ok(CONTEXTS.lock().entry(files.clone()).or_insert(made).clone())
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
