//! The overridable settings the proxy acts on per transaction (TSHttpTxnConfig*Set, conf_remap):
//! a transaction's own value where a plugin set one, else the process's. Reading one costs a
//! load when no plugin set any.

use super::*;

/// The TSOverridableConfigKey values read here.
pub(super) mod key {
    use crate::sys::types::TSOverridableConfigKey as K;
    pub const KEEP_ALIVE_ENABLED_IN: usize = K::TS_CONFIG_HTTP_KEEP_ALIVE_ENABLED_IN as usize;
    pub const KEEP_ALIVE_ENABLED_OUT: usize = K::TS_CONFIG_HTTP_KEEP_ALIVE_ENABLED_OUT as usize;
    pub const INSERT_SQUID_X_FORWARDED_FOR: usize =
        K::TS_CONFIG_HTTP_INSERT_SQUID_X_FORWARDED_FOR as usize;
    pub const INSERT_REQUEST_VIA_STR: usize = K::TS_CONFIG_HTTP_INSERT_REQUEST_VIA_STR as usize;
    pub const CONNECT_ATTEMPTS_TIMEOUT: usize = K::TS_CONFIG_HTTP_CONNECT_ATTEMPTS_TIMEOUT as usize;
    pub const RESPONSE_HEADER_MAX_SIZE: usize = K::TS_CONFIG_HTTP_RESPONSE_HEADER_MAX_SIZE as usize;
    pub const TRANSACTION_NO_ACTIVITY_TIMEOUT_OUT: usize =
        K::TS_CONFIG_HTTP_TRANSACTION_NO_ACTIVITY_TIMEOUT_OUT as usize;
    pub const REQUEST_BUFFER_ENABLED: usize = K::TS_CONFIG_HTTP_REQUEST_BUFFER_ENABLED as usize;
    pub const INSERT_AGE_IN_RESPONSE: usize = K::TS_CONFIG_HTTP_INSERT_AGE_IN_RESPONSE as usize;
    pub const RESPONSE_SERVER_ENABLED: usize = K::TS_CONFIG_HTTP_RESPONSE_SERVER_ENABLED as usize;
    pub const RESPONSE_SERVER_STR: usize = K::TS_CONFIG_HTTP_RESPONSE_SERVER_STR as usize;
}

/// The Via tshost inserts (after `http/1.1 `).
pub static DEFAULT_VIA: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "tshost (tshost/{} ATS-API/9.2.9)",
        env!("CARGO_PKG_VERSION")
    )
});

/// A switch: the transaction's value if a plugin set one (non-zero: on), else `default`.
#[inline]
pub(super) fn txn_flag(txn: &Txn, key: usize, default: bool) -> bool {
    txn.config_int(key).map_or(default, |v| v != 0)
}

/// A timeout in seconds a plugin set for the transaction (a positive value), if it set one.
#[inline]
pub(super) fn txn_secs(txn: &Txn, key: usize) -> Option<Duration> {
    txn.config_int(key)
        .filter(|s| *s > 0)
        .map(|s| Duration::from_secs(s as u64))
}
