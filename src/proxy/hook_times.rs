//! Each loaded plugin's hook times ([`crate::plugin::hooktime`]), named for `tshost ctl metric`
//! and the Prometheus endpoint.
#![forbid(unsafe_code)]

use crate::plugin::hooktime::Snapshot;

/// Every loaded plugin's hook times (plugin.config's, then remap.config's): its name (the
/// registered one; characters other than letters, digits, `_` and `-` made `_`), the hook's
/// short name (`read_request_hdr`, `vconn_start`, ...) and what its histogram holds; hooks it was
/// never called on are left out.
pub fn hook_times() -> Vec<(String, String, Snapshot)> {
    let mut out = Vec::new();
    let infos = crate::plugin::loader::loaded().into_iter().chain(
        crate::plugin::remap::loaded()
            .into_iter()
            .map(|p| p.info.clone()),
    );
    for info in infos {
        let name: String = info
            .name()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        for (hook, snap) in info.hook_times.used() {
            let full = crate::sys::names::hook_name(hook).to_string_lossy();
            let short = full
                .trim_start_matches("TS_")
                .trim_start_matches("HTTP_")
                .trim_end_matches("_HOOK")
                .to_ascii_lowercase();
            out.push((name.clone(), short, snap));
        }
    }
    out
}
