//! Reloading remap.config without a restart (SIGHUP; the control command of a later issue takes
//! the same path), as ATS's UrlRewrite reload: each loaded remap plugin hears
//! TSRemapPreConfigReload; the file is read and every rule's plugins get new instances; the new
//! rules replace the old ones for new transactions (a transaction in flight finishes on the rules
//! it started remap with, and the old instances get TSRemapDeleteInstance when the last of those
//! transactions ends); each plugin hears TSRemapPostConfigReload with how it went. A file that
//! does not load, or a plugin that refuses its new instance, keeps the old rules, with an error
//! naming file:line. ip_allow.yaml is read again first: a broken one keeps the old remap.config
//! and ip_allow.yaml both (remap.config is then not read, and plugins hear nothing).
#![forbid(unsafe_code)]

use std::path::Path;
use std::sync::Arc;

use super::sm::{Proxy, RemapState};

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
    // As ATS's config reload: TSMgmtUpdateRegister's continuations hear TS_EVENT_MGMT_UPDATE.
    crate::mgmt::config_updated();
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
