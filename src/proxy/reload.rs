//! Reloading the configuration without a restart (`tshost ctl config reload`, ATS's `traffic_ctl
//! config reload`, and SIGHUP), file by file, each keeping the old one when the new one does not
//! load (an error naming file:line):
//! - records.config: the records in force change, and the ones tshost applies at once
//!   ([`crate::host::reloadable`]) are applied: debug tags, the hook timeout, and TLS to origins
//!   (new connections to origins check certificates as the new records say);
//! - remap.config, as ATS's UrlRewrite reload: each loaded remap plugin hears
//!   TSRemapPreConfigReload; the file is read and every rule's plugins get new instances; the new
//!   rules replace the old ones for new transactions (a transaction in flight finishes on the
//!   rules it started remap with, and the old instances get TSRemapDeleteInstance when the last of
//!   those transactions ends); each plugin hears TSRemapPostConfigReload with how it went.
//!   ip_allow.yaml is read again first: a broken one keeps the old remap.config and ip_allow.yaml
//!   both (remap.config is then not read, and plugins hear nothing);
//! - logging.yaml (the access logs), when there is one;
//! - sni.yaml, ssl_multicert.config (new certificates for new handshakes) and the session ticket
//!   key file (proxy.config.ssl.server.ticket_key.filename);
//! - then TSMgmtUpdateRegister's continuations hear TS_EVENT_MGMT_UPDATE.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::sm::{Proxy, RemapState};
use crate::tls::TlsServer;

/// What a reload needs to know of the running proxy.
pub struct Reloader {
    pub proxy: Arc<Proxy>,
    /// The configuration directory (None: built-in defaults, nothing to read again).
    pub config_dir: Option<PathBuf>,
    /// remap.config and the plugin directory.
    pub remap_file: Option<(PathBuf, PathBuf)>,
    pub ip_allow_file: Option<PathBuf>,
    /// The TLS listeners' certificates.
    pub tls: Option<Arc<TlsServer>>,
}

impl Reloader {
    /// Read every file again; returns one line per file read, and whether all loaded.
    pub fn reload(&self) -> (Vec<String>, bool) {
        let mut said = Vec::new();
        let mut ok = true;
        if self.config_dir.is_none() {
            return (
                vec!["no configuration directory: nothing to reload".into()],
                false,
            );
        }
        crate::mgmt::reconfigured();
        match crate::host::reload_records() {
            Ok(change) => {
                said.push(format!(
                    "records.config: {} changed record(s) in force, {} taken at the next start{}",
                    change.applied.len(),
                    change.restart.len(),
                    if change.restart.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", change.restart.join(", "))
                    }
                ));
                if change
                    .applied
                    .iter()
                    .any(|n| n.starts_with("proxy.config.ssl.client."))
                {
                    let records = crate::host::records();
                    let tls = super::tls_files::origin_tls(records, self.config_dir.as_deref());
                    self.proxy.config.origin_tls.store(Arc::new(tls));
                }
            }
            Err(e) => {
                crate::error!("{e}; the previous records stay in force");
                said.push(format!("records.config: not reloaded: {e}"));
                ok = false;
            }
        }
        if let Some((file, plugin_dir)) = &self.remap_file {
            let r = reload_remap(&self.proxy, file, plugin_dir, self.ip_allow_file.as_deref());
            said.push(format!(
                "remap.config: {}",
                if r {
                    "reloaded"
                } else {
                    "not reloaded (see the log)"
                }
            ));
            ok &= r;
        }
        if let Some(dir) = &self.config_dir {
            let records = crate::host::records();
            let file = crate::accesslog::path(records, dir);
            // No logging.yaml now: nothing to read (the logs in force, if any, stay).
            if file.exists() {
                let r = crate::accesslog::reload(records, dir);
                said.push(format!(
                    "logging.yaml: {}",
                    if r {
                        "reloaded"
                    } else {
                        "not reloaded (see the log)"
                    }
                ));
                ok &= r;
            }
        }
        if let Some(tls) = &self.tls {
            let sni = crate::tls::sni::reload();
            said.push(format!(
                "sni.yaml: {}",
                if sni {
                    "reloaded"
                } else {
                    "not reloaded (see the log)"
                }
            ));
            ok &= sni;
            let certs = self.reload_certificates(tls);
            said.push(certs.clone().unwrap_or_else(|e| e));
            ok &= certs.is_ok();
        }
        // As ATS's config reload: TSMgmtUpdateRegister's continuations hear TS_EVENT_MGMT_UPDATE.
        crate::mgmt::config_updated();
        (said, ok)
    }

    /// ssl_multicert.config and the ticket key file, as the records in force name them.
    fn reload_certificates(&self, tls: &TlsServer) -> Result<String, String> {
        let dir = self.config_dir.as_deref().unwrap_or(Path::new("."));
        let records = crate::host::records();
        let certs = super::tls_files::load_certificates(records, dir)
            .and_then(|c| {
                if c.is_empty() {
                    // As at start: the self-signed certificate for localhost stays.
                    return Ok(0);
                }
                tls.reload(&c).map(|_| c.len())
            })
            .map_err(|e| {
                // ATS's words (SSLCertificateConfig::reconfigure), then what failed.
                crate::error!(
                    "{} failed to load: {e}; the previous certificates stay in force",
                    super::tls_files::multicert_path(records, dir).display()
                );
                format!("ssl_multicert.config: not reloaded: {e}")
            })?;
        crate::note!(
            "{} finished loading ({certs} certificate(s))",
            super::tls_files::multicert_path(records, dir).display()
        );
        if let Some(f) = records
            .get_str("proxy.config.ssl.server.ticket_key.filename")
            .filter(|f| !f.is_empty())
        {
            let cert_dir = dir.join(
                records
                    .get_str("proxy.config.ssl.server.cert.path")
                    .unwrap_or(""),
            );
            crate::tls::tickets::load_file(&cert_dir.join(f)).map_err(|e| {
                crate::error!("{e}; the previous ticket keys stay in force");
                format!("ticket keys: not reloaded: {e}")
            })?;
        }
        Ok(format!(
            "ssl_multicert.config: reloaded ({certs} certificate(s))"
        ))
    }
}

/// Read `file` again and, if it loads, make it the remap configuration of `proxy`.
/// Returns whether the new rules are in force.
pub fn reload_remap(
    proxy: &Proxy,
    file: &Path,
    plugin_dir: &Path,
    ip_allow_file: Option<&Path>,
) -> bool {
    crate::note!("{}: reloading", file.display());
    let ip_allow = match ip_allow_file.map(crate::config::ip_allow::IpAllow::load) {
        None => None,
        Some(Ok(a)) => a,
        Some(Err(e)) => {
            crate::error!("{e}; the previous remap.config and ip_allow.yaml stay in force");
            return false;
        }
    };
    crate::plugin::remap::pre_reload();
    match crate::plugin::remap::load(file, plugin_dir) {
        Ok((table, plugins)) => {
            let state = Arc::new(RemapState::new(table, plugins).with_ip_allow(ip_allow));
            proxy.config.remap.store(state.clone());
            crate::plugin::remap::post_reload(Some(&state.plugins));
            crate::note!(
                "{}: reloaded ({} rules)",
                file.display(),
                state.table.rules.len()
            );
            true
        }
        Err(e) => {
            crate::error!("{e}; the previous remap.config stays in force");
            crate::plugin::remap::post_reload(None);
            false
        }
    }
}
