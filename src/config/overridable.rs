//! ATS 9.2's overridable configurations: the records a plugin may change for one transaction
//! (TSHttpTxnConfigFind, TSHttpTxnConfig{Int,Float,String}{Get,Set}), by `TSOverridableConfigKey`
//! value, with the record's name and type as ATS's `Overridable_Txn_Vars`
//! (src/shared/overridable_txn_vars.cc of Debian's 9.2 source, whose numbering Debian's header
//! has: TS_CONFIG_HTTP_STRICT_CHUNK_PARSING is 128). Their defaults are the records' (records/
//! defaults.rs). A key without a name (TS_CONFIG_SSL_CLIENT_VERIFY_SERVER, unused in 9.2) can be
//! neither read nor set, as in ATS.
#![forbid(unsafe_code)]

/// A record's type (TSRecordDataType's INT, FLOAT, STRING).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Int,
    Float,
    String,
}

/// `OVERRIDABLE[key]`: the record behind overridable configuration `key`, and its type.
pub const OVERRIDABLE: [Option<(&str, Kind)>; 129] = [
    Some(("proxy.config.url_remap.pristine_host_hdr", Kind::Int)), // 0: TS_CONFIG_URL_REMAP_PRISTINE_HOST_HDR
    Some(("proxy.config.http.chunking_enabled", Kind::Int)), // 1: TS_CONFIG_HTTP_CHUNKING_ENABLED
    Some(("proxy.config.http.negative_caching_enabled", Kind::Int)), // 2: TS_CONFIG_HTTP_NEGATIVE_CACHING_ENABLED
    Some(("proxy.config.http.negative_caching_lifetime", Kind::Int)), // 3: TS_CONFIG_HTTP_NEGATIVE_CACHING_LIFETIME
    Some(("proxy.config.http.cache.when_to_revalidate", Kind::Int)), // 4: TS_CONFIG_HTTP_CACHE_WHEN_TO_REVALIDATE
    Some(("proxy.config.http.keep_alive_enabled_in", Kind::Int)), // 5: TS_CONFIG_HTTP_KEEP_ALIVE_ENABLED_IN
    Some(("proxy.config.http.keep_alive_enabled_out", Kind::Int)), // 6: TS_CONFIG_HTTP_KEEP_ALIVE_ENABLED_OUT
    Some(("proxy.config.http.keep_alive_post_out", Kind::Int)), // 7: TS_CONFIG_HTTP_KEEP_ALIVE_POST_OUT
    Some((
        "proxy.config.http.server_session_sharing.match",
        Kind::String,
    )), // 8: TS_CONFIG_HTTP_SERVER_SESSION_SHARING_MATCH
    Some(("proxy.config.net.sock_recv_buffer_size_out", Kind::Int)), // 9: TS_CONFIG_NET_SOCK_RECV_BUFFER_SIZE_OUT
    Some(("proxy.config.net.sock_send_buffer_size_out", Kind::Int)), // 10: TS_CONFIG_NET_SOCK_SEND_BUFFER_SIZE_OUT
    Some(("proxy.config.net.sock_option_flag_out", Kind::Int)), // 11: TS_CONFIG_NET_SOCK_OPTION_FLAG_OUT
    Some(("proxy.config.http.forward.proxy_auth_to_parent", Kind::Int)), // 12: TS_CONFIG_HTTP_FORWARD_PROXY_AUTH_TO_PARENT
    Some(("proxy.config.http.anonymize_remove_from", Kind::Int)), // 13: TS_CONFIG_HTTP_ANONYMIZE_REMOVE_FROM
    Some(("proxy.config.http.anonymize_remove_referer", Kind::Int)), // 14: TS_CONFIG_HTTP_ANONYMIZE_REMOVE_REFERER
    Some(("proxy.config.http.anonymize_remove_user_agent", Kind::Int)), // 15: TS_CONFIG_HTTP_ANONYMIZE_REMOVE_USER_AGENT
    Some(("proxy.config.http.anonymize_remove_cookie", Kind::Int)), // 16: TS_CONFIG_HTTP_ANONYMIZE_REMOVE_COOKIE
    Some(("proxy.config.http.anonymize_remove_client_ip", Kind::Int)), // 17: TS_CONFIG_HTTP_ANONYMIZE_REMOVE_CLIENT_IP
    Some(("proxy.config.http.insert_client_ip", Kind::Int)), // 18: TS_CONFIG_HTTP_ANONYMIZE_INSERT_CLIENT_IP
    Some(("proxy.config.http.response_server_enabled", Kind::Int)), // 19: TS_CONFIG_HTTP_RESPONSE_SERVER_ENABLED
    Some(("proxy.config.http.insert_squid_x_forwarded_for", Kind::Int)), // 20: TS_CONFIG_HTTP_INSERT_SQUID_X_FORWARDED_FOR
    Some(("proxy.config.http.send_http11_requests", Kind::Int)), // 21: TS_CONFIG_HTTP_SEND_HTTP11_REQUESTS
    Some(("proxy.config.http.cache.http", Kind::Int)),           // 22: TS_CONFIG_HTTP_CACHE_HTTP
    Some(("proxy.config.http.cache.ignore_client_no_cache", Kind::Int)), // 23: TS_CONFIG_HTTP_CACHE_IGNORE_CLIENT_NO_CACHE
    Some((
        "proxy.config.http.cache.ignore_client_cc_max_age",
        Kind::Int,
    )), // 24: TS_CONFIG_HTTP_CACHE_IGNORE_CLIENT_CC_MAX_AGE
    Some(("proxy.config.http.cache.ims_on_client_no_cache", Kind::Int)), // 25: TS_CONFIG_HTTP_CACHE_IMS_ON_CLIENT_NO_CACHE
    Some(("proxy.config.http.cache.ignore_server_no_cache", Kind::Int)), // 26: TS_CONFIG_HTTP_CACHE_IGNORE_SERVER_NO_CACHE
    Some((
        "proxy.config.http.cache.cache_responses_to_cookies",
        Kind::Int,
    )), // 27: TS_CONFIG_HTTP_CACHE_CACHE_RESPONSES_TO_COOKIES
    Some(("proxy.config.http.cache.ignore_authentication", Kind::Int)), // 28: TS_CONFIG_HTTP_CACHE_IGNORE_AUTHENTICATION
    Some((
        "proxy.config.http.cache.cache_urls_that_look_dynamic",
        Kind::Int,
    )), // 29: TS_CONFIG_HTTP_CACHE_CACHE_URLS_THAT_LOOK_DYNAMIC
    Some(("proxy.config.http.cache.required_headers", Kind::Int)), // 30: TS_CONFIG_HTTP_CACHE_REQUIRED_HEADERS
    Some(("proxy.config.http.insert_request_via_str", Kind::Int)), // 31: TS_CONFIG_HTTP_INSERT_REQUEST_VIA_STR
    Some(("proxy.config.http.insert_response_via_str", Kind::Int)), // 32: TS_CONFIG_HTTP_INSERT_RESPONSE_VIA_STR
    Some(("proxy.config.http.cache.heuristic_min_lifetime", Kind::Int)), // 33: TS_CONFIG_HTTP_CACHE_HEURISTIC_MIN_LIFETIME
    Some(("proxy.config.http.cache.heuristic_max_lifetime", Kind::Int)), // 34: TS_CONFIG_HTTP_CACHE_HEURISTIC_MAX_LIFETIME
    Some(("proxy.config.http.cache.guaranteed_min_lifetime", Kind::Int)), // 35: TS_CONFIG_HTTP_CACHE_GUARANTEED_MIN_LIFETIME
    Some(("proxy.config.http.cache.guaranteed_max_lifetime", Kind::Int)), // 36: TS_CONFIG_HTTP_CACHE_GUARANTEED_MAX_LIFETIME
    Some(("proxy.config.http.cache.max_stale_age", Kind::Int)), // 37: TS_CONFIG_HTTP_CACHE_MAX_STALE_AGE
    Some((
        "proxy.config.http.keep_alive_no_activity_timeout_in",
        Kind::Int,
    )), // 38: TS_CONFIG_HTTP_KEEP_ALIVE_NO_ACTIVITY_TIMEOUT_IN
    Some((
        "proxy.config.http.keep_alive_no_activity_timeout_out",
        Kind::Int,
    )), // 39: TS_CONFIG_HTTP_KEEP_ALIVE_NO_ACTIVITY_TIMEOUT_OUT
    Some((
        "proxy.config.http.transaction_no_activity_timeout_in",
        Kind::Int,
    )), // 40: TS_CONFIG_HTTP_TRANSACTION_NO_ACTIVITY_TIMEOUT_IN
    Some((
        "proxy.config.http.transaction_no_activity_timeout_out",
        Kind::Int,
    )), // 41: TS_CONFIG_HTTP_TRANSACTION_NO_ACTIVITY_TIMEOUT_OUT
    Some((
        "proxy.config.http.transaction_active_timeout_out",
        Kind::Int,
    )), // 42: TS_CONFIG_HTTP_TRANSACTION_ACTIVE_TIMEOUT_OUT
    Some(("proxy.config.http.connect_attempts_max_retries", Kind::Int)), // 43: TS_CONFIG_HTTP_CONNECT_ATTEMPTS_MAX_RETRIES
    Some((
        "proxy.config.http.connect_attempts_max_retries_dead_server",
        Kind::Int,
    )), // 44: TS_CONFIG_HTTP_CONNECT_ATTEMPTS_MAX_RETRIES_DEAD_SERVER
    Some(("proxy.config.http.connect_attempts_rr_retries", Kind::Int)), // 45: TS_CONFIG_HTTP_CONNECT_ATTEMPTS_RR_RETRIES
    Some(("proxy.config.http.connect_attempts_timeout", Kind::Int)), // 46: TS_CONFIG_HTTP_CONNECT_ATTEMPTS_TIMEOUT
    Some(("proxy.config.http.post_connect_attempts_timeout", Kind::Int)), // 47: TS_CONFIG_HTTP_POST_CONNECT_ATTEMPTS_TIMEOUT
    Some(("proxy.config.http.down_server.cache_time", Kind::Int)), // 48: TS_CONFIG_HTTP_DOWN_SERVER_CACHE_TIME
    Some(("proxy.config.http.down_server.abort_threshold", Kind::Int)), // 49: TS_CONFIG_HTTP_DOWN_SERVER_ABORT_THRESHOLD
    Some(("proxy.config.http.doc_in_cache_skip_dns", Kind::Int)), // 50: TS_CONFIG_HTTP_DOC_IN_CACHE_SKIP_DNS
    Some((
        "proxy.config.http.background_fill_active_timeout",
        Kind::Int,
    )), // 51: TS_CONFIG_HTTP_BACKGROUND_FILL_ACTIVE_TIMEOUT
    Some(("proxy.config.http.response_server_str", Kind::String)), // 52: TS_CONFIG_HTTP_RESPONSE_SERVER_STR
    Some(("proxy.config.http.cache.heuristic_lm_factor", Kind::Float)), // 53: TS_CONFIG_HTTP_CACHE_HEURISTIC_LM_FACTOR
    Some((
        "proxy.config.http.background_fill_completed_threshold",
        Kind::Float,
    )), // 54: TS_CONFIG_HTTP_BACKGROUND_FILL_COMPLETED_THRESHOLD
    Some(("proxy.config.net.sock_packet_mark_out", Kind::Int)), // 55: TS_CONFIG_NET_SOCK_PACKET_MARK_OUT
    Some(("proxy.config.net.sock_packet_tos_out", Kind::Int)), // 56: TS_CONFIG_NET_SOCK_PACKET_TOS_OUT
    Some(("proxy.config.http.insert_age_in_response", Kind::Int)), // 57: TS_CONFIG_HTTP_INSERT_AGE_IN_RESPONSE
    Some(("proxy.config.http.chunking.size", Kind::Int)), // 58: TS_CONFIG_HTTP_CHUNKING_SIZE
    Some(("proxy.config.http.flow_control.enabled", Kind::Int)), // 59: TS_CONFIG_HTTP_FLOW_CONTROL_ENABLED
    Some(("proxy.config.http.flow_control.low_water", Kind::Int)), // 60: TS_CONFIG_HTTP_FLOW_CONTROL_LOW_WATER_MARK
    Some(("proxy.config.http.flow_control.high_water", Kind::Int)), // 61: TS_CONFIG_HTTP_FLOW_CONTROL_HIGH_WATER_MARK
    Some(("proxy.config.http.cache.range.lookup", Kind::Int)), // 62: TS_CONFIG_HTTP_CACHE_RANGE_LOOKUP
    Some(("proxy.config.http.default_buffer_size", Kind::Int)), // 63: TS_CONFIG_HTTP_DEFAULT_BUFFER_SIZE
    Some(("proxy.config.http.default_buffer_water_mark", Kind::Int)), // 64: TS_CONFIG_HTTP_DEFAULT_BUFFER_WATER_MARK
    Some(("proxy.config.http.request_header_max_size", Kind::Int)), // 65: TS_CONFIG_HTTP_REQUEST_HEADER_MAX_SIZE
    Some(("proxy.config.http.response_header_max_size", Kind::Int)), // 66: TS_CONFIG_HTTP_RESPONSE_HEADER_MAX_SIZE
    Some(("proxy.config.http.negative_revalidating_enabled", Kind::Int)), // 67: TS_CONFIG_HTTP_NEGATIVE_REVALIDATING_ENABLED
    Some((
        "proxy.config.http.negative_revalidating_lifetime",
        Kind::Int,
    )), // 68: TS_CONFIG_HTTP_NEGATIVE_REVALIDATING_LIFETIME
    Some(("proxy.config.ssl.hsts_max_age", Kind::Int)), // 69: TS_CONFIG_SSL_HSTS_MAX_AGE
    Some(("proxy.config.ssl.hsts_include_subdomains", Kind::Int)), // 70: TS_CONFIG_SSL_HSTS_INCLUDE_SUBDOMAINS
    Some(("proxy.config.http.cache.open_read_retry_time", Kind::Int)), // 71: TS_CONFIG_HTTP_CACHE_OPEN_READ_RETRY_TIME
    Some(("proxy.config.http.cache.max_open_read_retries", Kind::Int)), // 72: TS_CONFIG_HTTP_CACHE_MAX_OPEN_READ_RETRIES
    Some(("proxy.config.http.cache.range.write", Kind::Int)), // 73: TS_CONFIG_HTTP_CACHE_RANGE_WRITE
    Some((
        "proxy.config.http.post.check.content_length.enabled",
        Kind::Int,
    )), // 74: TS_CONFIG_HTTP_POST_CHECK_CONTENT_LENGTH_ENABLED
    Some(("proxy.config.http.global_user_agent_header", Kind::String)), // 75: TS_CONFIG_HTTP_GLOBAL_USER_AGENT_HEADER
    Some(("proxy.config.http.auth_server_session_private", Kind::Int)), // 76: TS_CONFIG_HTTP_AUTH_SERVER_SESSION_PRIVATE
    Some(("proxy.config.http.slow.log.threshold", Kind::Int)), // 77: TS_CONFIG_HTTP_SLOW_LOG_THRESHOLD
    Some(("proxy.config.http.cache.generation", Kind::Int)), // 78: TS_CONFIG_HTTP_CACHE_GENERATION
    Some(("proxy.config.body_factory.template_base", Kind::String)), // 79: TS_CONFIG_BODY_FACTORY_TEMPLATE_BASE
    Some(("proxy.config.http.cache.open_write_fail_action", Kind::Int)), // 80: TS_CONFIG_HTTP_CACHE_OPEN_WRITE_FAIL_ACTION
    Some(("proxy.config.http.number_of_redirections", Kind::Int)), // 81: TS_CONFIG_HTTP_NUMBER_OF_REDIRECTIONS
    Some(("proxy.config.http.cache.max_open_write_retries", Kind::Int)), // 82: TS_CONFIG_HTTP_CACHE_MAX_OPEN_WRITE_RETRIES
    Some(("proxy.config.http.redirect_use_orig_cache_key", Kind::Int)), // 83: TS_CONFIG_HTTP_REDIRECT_USE_ORIG_CACHE_KEY
    Some((
        "proxy.config.http.attach_server_session_to_client",
        Kind::Int,
    )), // 84: TS_CONFIG_HTTP_ATTACH_SERVER_SESSION_TO_CLIENT
    Some(("proxy.config.websocket.no_activity_timeout", Kind::Int)), // 85: TS_CONFIG_WEBSOCKET_NO_ACTIVITY_TIMEOUT
    Some(("proxy.config.websocket.active_timeout", Kind::Int)), // 86: TS_CONFIG_WEBSOCKET_ACTIVE_TIMEOUT
    Some((
        "proxy.config.http.uncacheable_requests_bypass_parent",
        Kind::Int,
    )), // 87: TS_CONFIG_HTTP_UNCACHEABLE_REQUESTS_BYPASS_PARENT
    Some((
        "proxy.config.http.parent_proxy.total_connect_attempts",
        Kind::Int,
    )), // 88: TS_CONFIG_HTTP_PARENT_PROXY_TOTAL_CONNECT_ATTEMPTS
    Some(("proxy.config.http.transaction_active_timeout_in", Kind::Int)), // 89: TS_CONFIG_HTTP_TRANSACTION_ACTIVE_TIMEOUT_IN
    Some(("proxy.config.srv_enabled", Kind::Int)), // 90: TS_CONFIG_SRV_ENABLED
    Some(("proxy.config.http.forward_connect_method", Kind::Int)), // 91: TS_CONFIG_HTTP_FORWARD_CONNECT_METHOD
    Some(("proxy.config.ssl.client.cert.filename", Kind::String)), // 92: TS_CONFIG_SSL_CERT_FILENAME
    Some(("proxy.config.ssl.client.cert.path", Kind::String)), // 93: TS_CONFIG_SSL_CERT_FILEPATH
    Some(("proxy.config.http.parent_proxy.mark_down_hostdb", Kind::Int)), // 94: TS_CONFIG_PARENT_FAILURES_UPDATE_HOSTDB
    Some(("proxy.config.http.cache.ignore_accept_mismatch", Kind::Int)), // 95: TS_CONFIG_HTTP_CACHE_IGNORE_ACCEPT_MISMATCH
    Some((
        "proxy.config.http.cache.ignore_accept_language_mismatch",
        Kind::Int,
    )), // 96: TS_CONFIG_HTTP_CACHE_IGNORE_ACCEPT_LANGUAGE_MISMATCH
    Some((
        "proxy.config.http.cache.ignore_accept_encoding_mismatch",
        Kind::Int,
    )), // 97: TS_CONFIG_HTTP_CACHE_IGNORE_ACCEPT_ENCODING_MISMATCH
    Some((
        "proxy.config.http.cache.ignore_accept_charset_mismatch",
        Kind::Int,
    )), // 98: TS_CONFIG_HTTP_CACHE_IGNORE_ACCEPT_CHARSET_MISMATCH
    Some(("proxy.config.http.parent_proxy.fail_threshold", Kind::Int)), // 99: TS_CONFIG_HTTP_PARENT_PROXY_FAIL_THRESHOLD
    Some(("proxy.config.http.parent_proxy.retry_time", Kind::Int)), // 100: TS_CONFIG_HTTP_PARENT_PROXY_RETRY_TIME
    Some((
        "proxy.config.http.parent_proxy.per_parent_connect_attempts",
        Kind::Int,
    )), // 101: TS_CONFIG_HTTP_PER_PARENT_CONNECT_ATTEMPTS
    Some((
        "proxy.config.http.parent_proxy.connect_attempts_timeout",
        Kind::Int,
    )), // 102: TS_CONFIG_HTTP_PARENT_CONNECT_ATTEMPT_TIMEOUT
    Some(("proxy.config.http.normalize_ae", Kind::Int)), // 103: TS_CONFIG_HTTP_NORMALIZE_AE
    Some(("proxy.config.http.insert_forwarded", Kind::String)), // 104: TS_CONFIG_HTTP_INSERT_FORWARDED
    Some(("proxy.config.http.proxy_protocol_out", Kind::Int)), // 105: TS_CONFIG_HTTP_PROXY_PROTOCOL_OUT
    Some(("proxy.config.http.allow_multi_range", Kind::Int)), // 106: TS_CONFIG_HTTP_ALLOW_MULTI_RANGE
    Some(("proxy.config.http.request_buffer_enabled", Kind::Int)), // 107: TS_CONFIG_HTTP_REQUEST_BUFFER_ENABLED
    Some(("proxy.config.http.allow_half_open", Kind::Int)), // 108: TS_CONFIG_HTTP_ALLOW_HALF_OPEN
    Some(("proxy.config.http.per_server.connection.min", Kind::Int)), // 109: TS_CONFIG_HTTP_SERVER_MIN_KEEP_ALIVE_CONNS
    Some(("proxy.config.http.per_server.connection.max", Kind::Int)), // 110: TS_CONFIG_HTTP_PER_SERVER_CONNECTION_MAX
    Some(("proxy.config.http.per_server.connection.match", Kind::Int)), // 111: TS_CONFIG_HTTP_PER_SERVER_CONNECTION_MATCH
    None, // 112: TS_CONFIG_SSL_CLIENT_VERIFY_SERVER
    Some(("proxy.config.ssl.client.verify.server.policy", Kind::String)), // 113: TS_CONFIG_SSL_CLIENT_VERIFY_SERVER_POLICY
    Some((
        "proxy.config.ssl.client.verify.server.properties",
        Kind::String,
    )), // 114: TS_CONFIG_SSL_CLIENT_VERIFY_SERVER_PROPERTIES
    Some(("proxy.config.ssl.client.sni_policy", Kind::String)), // 115: TS_CONFIG_SSL_CLIENT_SNI_POLICY
    Some(("proxy.config.ssl.client.private_key.filename", Kind::String)), // 116: TS_CONFIG_SSL_CLIENT_PRIVATE_KEY_FILENAME
    Some(("proxy.config.ssl.client.CA.cert.filename", Kind::String)), // 117: TS_CONFIG_SSL_CLIENT_CA_CERT_FILENAME
    Some(("proxy.config.hostdb.ip_resolve", Kind::String)), // 118: TS_CONFIG_HTTP_HOST_RESOLUTION_PREFERENCE
    Some(("proxy.config.http.connect.dead.policy", Kind::Int)), // 119: TS_CONFIG_HTTP_CONNECT_DEAD_POLICY
    Some(("proxy.config.http.max_proxy_cycles", Kind::Int)), // 120: TS_CONFIG_HTTP_MAX_PROXY_CYCLES
    Some(("proxy.config.plugin.vc.default_buffer_index", Kind::Int)), // 121: TS_CONFIG_PLUGIN_VC_DEFAULT_BUFFER_INDEX
    Some((
        "proxy.config.plugin.vc.default_buffer_water_mark",
        Kind::Int,
    )), // 122: TS_CONFIG_PLUGIN_VC_DEFAULT_BUFFER_WATER_MARK
    Some(("proxy.config.net.sock_notsent_lowat", Kind::Int)), // 123: TS_CONFIG_NET_SOCK_NOTSENT_LOWAT
    Some((
        "proxy.config.body_factory.response_suppression_mode",
        Kind::Int,
    )), // 124: TS_CONFIG_BODY_FACTORY_RESPONSE_SUPPRESSION_MODE
    Some((
        "proxy.config.http.parent_proxy.enable_parent_timeout_markdowns",
        Kind::Int,
    )), // 125: TS_CONFIG_HTTP_ENABLE_PARENT_TIMEOUT_MARKDOWNS
    Some((
        "proxy.config.http.parent_proxy.disable_parent_markdowns",
        Kind::Int,
    )), // 126: TS_CONFIG_HTTP_DISABLE_PARENT_MARKDOWNS
    Some(("proxy.config.http.drop_chunked_trailers", Kind::Int)), // 127: TS_CONFIG_HTTP_DROP_CHUNKED_TRAILERS
    Some(("proxy.config.http.strict_chunk_parsing", Kind::Int)), // 128: TS_CONFIG_HTTP_STRICT_CHUNK_PARSING
];

/// The key and type of the overridable configuration named `name` (TSHttpTxnConfigFind).
pub fn find(name: &[u8]) -> Option<(usize, Kind)> {
    OVERRIDABLE
        .iter()
        .position(|e| e.is_some_and(|(n, _)| n.as_bytes() == name))
        .and_then(|i| OVERRIDABLE[i].map(|(_, k)| (i, k)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_debians_numbering() {
        use crate::sys::types::TSOverridableConfigKey as K;
        assert_eq!(OVERRIDABLE.len(), K::TS_CONFIG_LAST_ENTRY as usize);
        assert_eq!(
            find(b"proxy.config.url_remap.pristine_host_hdr").map(|f| f.0),
            Some(K::TS_CONFIG_URL_REMAP_PRISTINE_HOST_HDR as usize)
        );
        assert_eq!(
            find(b"proxy.config.http.strict_chunk_parsing"),
            Some((128, Kind::Int))
        );
        assert_eq!(
            find(b"proxy.config.http.insert_forwarded").map(|f| f.1),
            Some(Kind::String)
        );
        assert_eq!(
            find(b"proxy.config.http.background_fill_completed_threshold").map(|f| f.1),
            Some(Kind::Float)
        );
        assert_eq!(find(b"proxy.config.http.no_such_thing"), None);
        assert!(OVERRIDABLE[K::TS_CONFIG_SSL_CLIENT_VERIFY_SERVER as usize].is_none());
    }

    #[test]
    fn every_overridable_record_has_a_default() {
        let r = crate::config::records::Records::defaults();
        for (name, _) in OVERRIDABLE.iter().flatten() {
            assert!(r.get(name).is_some(), "{name}: no default");
        }
    }

    /// docs/overridable.md has a row for every key, with its record; "stored only" exactly for
    /// the stored-only records; "acted on" per transaction exactly for the keys src/proxy/'s code
    /// names (`TS_CONFIG_...`).
    #[test]
    fn docs_table_matches_the_keys_and_what_the_proxy_reads() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let doc = std::fs::read_to_string(root.join("docs/overridable.md")).unwrap();
        let rows: Vec<Vec<&str>> = doc
            .lines()
            .filter(|l| l.starts_with("| ") && l.as_bytes().get(2).is_some_and(u8::is_ascii_digit))
            .map(|l| l.split(" | ").collect())
            .collect();
        assert_eq!(rows.len(), OVERRIDABLE.len());
        let mut read = std::collections::BTreeSet::new();
        let mut dirs = vec![root.join("src/proxy")];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    dirs.push(p);
                } else {
                    let text = std::fs::read_to_string(&p).unwrap();
                    for line in text.lines() {
                        // Code only: a key named in a comment is not read.
                        let mut t = line.split("//").next().unwrap_or("");
                        while let Some(at) = t.find("TS_CONFIG_") {
                            t = &t[at..];
                            let end = t
                                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                                .unwrap_or(t.len());
                            read.insert(t[..end].to_string());
                            t = &t[end..];
                        }
                    }
                }
            }
        }
        for (k, row) in rows.iter().enumerate() {
            assert_eq!(row[0], format!("| {k}"), "row {k}");
            let key = row[1].trim_matches('`');
            match OVERRIDABLE[k] {
                Some((name, _)) => {
                    assert_eq!(row[2], format!("`{name}`"), "row {k}");
                    assert_eq!(
                        row[6].starts_with("stored only"),
                        crate::config::records::is_stored_only(name),
                        "row {k}: {}",
                        row[6]
                    );
                }
                None => assert_eq!(row[2], "(none)"),
            }
            assert_eq!(
                row[5].starts_with("acted on"),
                read.contains(key),
                "row {k} ({key}): per transaction"
            );
        }
    }
}
