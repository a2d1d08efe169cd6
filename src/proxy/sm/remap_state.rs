//! remap.config as a transaction sees it: the rules, their remap plugins' instances, ip_allow.yaml,
//! and what only plugins read (the rules' URLs as TSMLocs). Replaced whole by a reload.

use super::*;

/// remap.config as loaded: its rules, their remap plugins' instances, and whether any plugin is
/// loaded at all (then what only plugins read is kept, such as the pristine URL).
pub struct RemapState {
    pub table: RemapTable,
    pub plugins: crate::plugin::remap::Chains,
    pub any_plugin: bool,
    /// ip_allow.yaml, read and reloaded with remap.config (None: no file, every client allowed).
    pub ip_allow: Option<crate::config::ip_allow::IpAllow>,
    /// Every rule's FROM and TO URLs as TSMLocs of one heap, by rule id, for
    /// TSRemapFromUrlGet/ToUrlGet (made when a plugin is loaded).
    pub rule_urls: Option<RuleUrls>,
}

/// The heap of the rules' URLs and, by rule id, the TSMLocs of each rule's FROM and TO URLs.
pub type RuleUrls = (Arc<MBuffer>, Vec<(usize, usize)>);

impl RemapState {
    /// The state of a remap table and its plugins' instances.
    pub fn new(table: RemapTable, plugins: crate::plugin::remap::Chains) -> RemapState {
        let any_plugin = !crate::plugin::loader::loaded().is_empty() || !plugins.is_empty();
        let rule_urls = any_plugin.then(|| {
            let heap = MBuffer::create_owned();
            let locs = table
                .rules
                .iter()
                .map(|r| crate::plugin::remap::rule_url_locs(&heap, r))
                .collect();
            (heap, locs)
        });
        RemapState {
            table,
            plugins,
            any_plugin,
            ip_allow: None,
            rule_urls,
        }
    }

    /// The same state with ip_allow.yaml's rules.
    pub fn with_ip_allow(mut self, ip_allow: Option<crate::config::ip_allow::IpAllow>) -> Self {
        self.ip_allow = ip_allow;
        self
    }

    /// Whether a client may connect (ip_allow.yaml; no file: yes). A refused one is logged as
    /// ATS logs it.
    pub fn accepts(&self, client: std::net::IpAddr) -> bool {
        let Some(a) = &self.ip_allow else { return true };
        let ok = a.accepts(client, !self.table.ip_allow_off);
        if !ok {
            crate::warning!("client '{client}' prohibited by ip-allow policy");
        }
        ok
    }
}
