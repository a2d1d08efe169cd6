//! The built-in defaults of records.config: every record tshost knows, with its type and ATS
//! 9.2.9's default value (mgmt/RecordsConfig.cc), and [`Records::defaults`], the records made of
//! them.
#![forbid(unsafe_code)]

use super::def::Def::{self, F, I, S};
use super::{RecValue, Records};

/// Built-in defaults, from ATS 9.2.9 mgmt/RecordsConfig.cc. Layout-dependent defaults (directories)
/// are left empty for the caller to decide; ATS's NULL strings are "".
pub(super) const DEFAULTS: &[(&str, Def)] = &[
    ("proxy.config.diags.debug.enabled", I(0)),
    ("proxy.config.diags.debug.tags", S("http|dns")),
    ("proxy.config.diags.debug.client_ip", S("")),
    ("proxy.config.diags.output.diag", S("E")),
    ("proxy.config.diags.output.debug", S("E")),
    ("proxy.config.diags.output.status", S("L")),
    ("proxy.config.diags.output.note", S("L")),
    ("proxy.config.diags.output.warning", S("L")),
    ("proxy.config.diags.output.error", S("L")),
    ("proxy.config.diags.output.fatal", S("L")),
    ("proxy.config.diags.output.alert", S("L")),
    ("proxy.config.diags.output.emergency", S("L")),
    ("proxy.config.diags.logfile.filename", S("diags.log")),
    ("proxy.config.admin.user_id", S("")),
    ("proxy.config.plugin.plugin_dir", S("")),
    ("proxy.config.plugin.load_elevated", I(0)),
    ("proxy.config.plugin.dynamic_reload_mode", I(1)),
    ("proxy.config.stat_api.max_stats_allowed", I(256)),
    ("proxy.config.http.cache.http", I(1)),
    // Read so that it is known (tshost has no cache: it never waits for one; a NOTE says so).
    ("proxy.config.http.wait_for_cache", I(0)),
    ("proxy.config.http.server_ports", S("8080 8080:ipv6")),
    ("proxy.config.url_remap.remap_required", I(1)),
    ("proxy.config.url_remap.pristine_host_hdr", I(0)),
    ("proxy.config.cache.ip_allow.filename", S("ip_allow.yaml")),
    ("proxy.config.stop.shutdown_timeout", I(30)),
    ("proxy.config.http.request_header_max_size", I(131072)),
    ("proxy.config.http.response_header_max_size", I(131072)),
    ("proxy.config.http.request_line_max_size", I(65535)),
    ("proxy.config.http.send_100_continue_response", I(0)),
    ("proxy.config.ssl.client.scheme_proto_mismatch_policy", I(2)),
    ("proxy.config.http.header_field_max_size", I(131070)),
    ("proxy.config.http.insert_squid_x_forwarded_for", I(1)),
    ("proxy.config.http.insert_request_via_str", I(1)),
    ("proxy.config.http.response_server_enabled", I(1)),
    ("proxy.config.http.response_server_str", S("ATS/9.2.9")),
    ("proxy.config.http.insert_age_in_response", I(1)),
    // TLS to origins (per transaction too: conf_remap, TSHttpTxnConfigStringSet).
    (
        "proxy.config.ssl.client.verify.server.policy",
        S("PERMISSIVE"),
    ),
    ("proxy.config.ssl.client.verify.server.properties", S("ALL")),
    ("proxy.config.ssl.client.CA.cert.filename", S("")),
    ("proxy.config.ssl.client.CA.cert.path", S("")),
    // Client certificates on TLS listeners; CA.cert.path empty: the configuration directory
    // (ATS's default is its sysconfdir).
    ("proxy.config.ssl.client.certification_level", I(0)),
    ("proxy.config.ssl.CA.cert.filename", S("")),
    ("proxy.config.ssl.CA.cert.path", S("")),
    ("proxy.config.ssl.servername.filename", S("sni.yaml")),
    ("proxy.config.http.host_sni_policy", I(2)),
    ("proxy.config.ssl.client.private_key.path", S("")),
    ("proxy.config.ssl.client.private_key.filename", S("")),
    ("proxy.config.ssl.client.cert.filename", S("")),
    (
        "proxy.config.ssl.client.cert.path",
        S("TS_BUILD_SYSCONFDIR"),
    ),
    ("proxy.config.ssl.client.sni_policy", S("host")),
    ("proxy.config.http.keep_alive_enabled_in", I(1)),
    ("proxy.config.http.keepalive_internal_vc", I(0)),
    ("proxy.config.http.request_buffer_enabled", I(0)),
    ("proxy.config.http.post_copy_size", I(2048)),
    ("proxy.config.http.keep_alive_enabled_out", I(1)),
    ("proxy.config.http.insert_response_via_str", I(0)),
    ("proxy.config.ssl.handshake_timeout_in", I(30)),
    ("proxy.config.http2.max_settings_frames_per_minute", I(14)),
    ("proxy.config.http2.max_ping_frames_per_minute", I(60)),
    ("proxy.config.http2.max_priority_frames_per_minute", I(120)),
    // tshost's own: TLS 1.3 sessions through the session cache and its hooks (ATS: tickets only).
    ("proxy.config.ssl.session_cache.tls13", I(0)),
    // tshost's own (ATS has none): seconds a resumption chain may last after its full handshake,
    // renewed tickets included; 0 = no bound (src/tls/session_age.rs).
    ("proxy.config.tshost.ssl.session_max_age", I(0)),
    (
        "proxy.config.http.keep_alive_no_activity_timeout_in",
        I(120),
    ),
    (
        "proxy.config.http.transaction_no_activity_timeout_in",
        I(30),
    ),
    (
        "proxy.config.http.transaction_no_activity_timeout_out",
        I(30),
    ),
    ("proxy.config.http.transaction_active_timeout_in", I(900)),
    ("proxy.config.http.connect_attempts_timeout", I(30)),
    ("proxy.config.http.drop_chunked_trailers", I(0)),
    ("proxy.config.http.strict_chunk_parsing", I(1)),
    ("proxy.config.net.max_connections_in", I(30000)),
    ("proxy.config.ssl.session_cache", I(2)),
    ("proxy.config.ssl.session_cache.size", I(102400)),
    ("proxy.config.ssl.session_cache.num_buckets", I(256)),
    ("proxy.config.ssl.session_cache.timeout", I(0)),
    (
        "proxy.config.ssl.session_cache.skip_cache_on_bucket_contention",
        I(0),
    ),
    ("proxy.config.ssl.session_cache.auto_clear", I(1)),
    ("proxy.config.ssl.origin_session_cache", I(1)),
    ("proxy.config.ssl.origin_session_cache.size", I(10240)),
    ("proxy.config.ssl.server.session_ticket.enable", I(1)),
    ("proxy.config.ssl.server.session_ticket.number", I(2)),
    ("proxy.config.ssl.server.ticket_key.filename", S("")),
    ("proxy.config.ssl.server.cert.path", S("")),
    ("proxy.config.ssl.server.private_key.path", S("")),
    (
        "proxy.config.ssl.server.multicert.filename",
        S("ssl_multicert.config"),
    ),
    ("proxy.config.ssl.server.multicert.exit_on_load_fail", I(1)),
    ("proxy.config.exec_thread.limit", I(2)),
    ("proxy.config.exec_thread.autoconfig", I(1)),
    ("proxy.config.exec_thread.autoconfig.scale", F(1.0)),
    ("proxy.config.log.logfile_dir", S("")),
    ("proxy.config.local_state_dir", S("")),
    ("proxy.config.http2.max_concurrent_streams_in", I(100)),
    ("proxy.config.http2.initial_window_size_in", I(65535)),
    ("proxy.config.http2.max_header_list_size", I(131072)),
    ("proxy.config.http2.no_activity_timeout_in", I(120)),
    ("proxy.config.http2.active_timeout_in", I(0)),
    (
        "proxy.config.http2.max_rst_stream_frames_per_minute",
        I(200),
    ),
    ("proxy.config.http2.min_avg_window_update", F(2560.0)),
    ("proxy.config.http2.incomplete_header_timeout_in", I(10)),
    // tshost's own (ATS 9.2 has no deadline for it): seconds for the client to acknowledge our
    // SETTINGS (RFC 9113 6.5.3), else GOAWAY SETTINGS_TIMEOUT; 0 = none.
    ("proxy.config.http2.settings_ack_timeout_in", I(10)),
    // tshost's own: a hook not reenabled within this many ms is reported once (0 = never).
    ("proxy.config.tshost.hook_timeout_ms", I(10000)),
    // tshost's Prometheus endpoint (src/proxy/prometheus.rs): 0 is off.
    ("proxy.config.tshost.metrics_port", I(0)),
];

/// Records tshost keeps for plugins but does not act on: the overridable configurations
/// (config/overridable.rs) it does not implement, with ATS 9.2.9's defaults, so that
/// TSHttpTxnConfig*Get reads what ATS would. Set in records.config, each is still reported at
/// start-up as a setting tshost does not act on.
pub(super) const STORED: &[(&str, Def)] = &[
    ("proxy.config.http.chunking_enabled", I(1)),
    ("proxy.config.http.negative_caching_enabled", I(0)),
    ("proxy.config.http.negative_caching_lifetime", I(1800)),
    ("proxy.config.http.cache.when_to_revalidate", I(0)),
    ("proxy.config.http.keep_alive_post_out", I(1)),
    ("proxy.config.http.server_session_sharing.match", S("both")),
    ("proxy.config.net.sock_recv_buffer_size_out", I(0)),
    ("proxy.config.net.sock_send_buffer_size_out", I(0)),
    ("proxy.config.net.sock_option_flag_out", I(1)),
    ("proxy.config.http.forward.proxy_auth_to_parent", I(0)),
    ("proxy.config.http.anonymize_remove_from", I(0)),
    ("proxy.config.http.anonymize_remove_referer", I(0)),
    ("proxy.config.http.anonymize_remove_user_agent", I(0)),
    ("proxy.config.http.anonymize_remove_cookie", I(0)),
    ("proxy.config.http.anonymize_remove_client_ip", I(0)),
    ("proxy.config.http.insert_client_ip", I(1)),
    ("proxy.config.http.send_http11_requests", I(1)),
    ("proxy.config.http.cache.ignore_client_no_cache", I(1)),
    ("proxy.config.http.cache.ignore_client_cc_max_age", I(1)),
    ("proxy.config.http.cache.ims_on_client_no_cache", I(1)),
    ("proxy.config.http.cache.ignore_server_no_cache", I(0)),
    ("proxy.config.http.cache.cache_responses_to_cookies", I(1)),
    ("proxy.config.http.cache.ignore_authentication", I(0)),
    ("proxy.config.http.cache.cache_urls_that_look_dynamic", I(1)),
    ("proxy.config.http.cache.required_headers", I(2)),
    ("proxy.config.http.cache.heuristic_min_lifetime", I(3600)),
    ("proxy.config.http.cache.heuristic_max_lifetime", I(86400)),
    ("proxy.config.http.cache.guaranteed_min_lifetime", I(0)),
    (
        "proxy.config.http.cache.guaranteed_max_lifetime",
        I(31536000),
    ),
    ("proxy.config.http.cache.max_stale_age", I(604800)),
    (
        "proxy.config.http.keep_alive_no_activity_timeout_out",
        I(120),
    ),
    ("proxy.config.http.transaction_active_timeout_out", I(0)),
    ("proxy.config.http.connect_attempts_max_retries", I(3)),
    (
        "proxy.config.http.connect_attempts_max_retries_dead_server",
        I(1),
    ),
    ("proxy.config.http.connect_attempts_rr_retries", I(3)),
    ("proxy.config.http.post_connect_attempts_timeout", I(1800)),
    ("proxy.config.http.down_server.cache_time", I(60)),
    ("proxy.config.http.down_server.abort_threshold", I(10)),
    ("proxy.config.http.doc_in_cache_skip_dns", I(1)),
    ("proxy.config.http.background_fill_active_timeout", I(0)),
    ("proxy.config.http.cache.heuristic_lm_factor", F(0.1)),
    (
        "proxy.config.http.background_fill_completed_threshold",
        F(0.0),
    ),
    ("proxy.config.net.sock_packet_mark_out", I(0)),
    ("proxy.config.net.sock_packet_tos_out", I(0)),
    ("proxy.config.http.chunking.size", I(4096)),
    ("proxy.config.http.flow_control.enabled", I(0)),
    ("proxy.config.http.flow_control.low_water", I(0)),
    ("proxy.config.http.flow_control.high_water", I(0)),
    ("proxy.config.http.cache.range.lookup", I(1)),
    ("proxy.config.http.default_buffer_size", I(8)),
    ("proxy.config.http.default_buffer_water_mark", I(32768)),
    ("proxy.config.http.negative_revalidating_enabled", I(1)),
    ("proxy.config.http.negative_revalidating_lifetime", I(1800)),
    ("proxy.config.ssl.hsts_max_age", I(-1)),
    ("proxy.config.ssl.hsts_include_subdomains", I(0)),
    ("proxy.config.http.cache.open_read_retry_time", I(10)),
    ("proxy.config.http.cache.max_open_read_retries", I(-1)),
    ("proxy.config.http.cache.range.write", I(0)),
    ("proxy.config.http.post.check.content_length.enabled", I(1)),
    ("proxy.config.http.global_user_agent_header", S("")),
    ("proxy.config.http.auth_server_session_private", I(1)),
    ("proxy.config.http.slow.log.threshold", I(0)),
    ("proxy.config.http.cache.generation", I(-1)),
    ("proxy.config.body_factory.template_base", S("NONE")),
    ("proxy.config.http.cache.open_write_fail_action", I(0)),
    ("proxy.config.http.number_of_redirections", I(0)),
    ("proxy.config.http.cache.max_open_write_retries", I(1)),
    ("proxy.config.http.redirect_use_orig_cache_key", I(0)),
    ("proxy.config.http.redirect_host_no_port", I(1)),
    ("proxy.config.http.redirect.actions", S("routable:follow")),
    ("proxy.config.http.attach_server_session_to_client", I(0)),
    ("proxy.config.websocket.no_activity_timeout", I(600)),
    ("proxy.config.websocket.active_timeout", I(3600)),
    ("proxy.config.http.uncacheable_requests_bypass_parent", I(1)),
    (
        "proxy.config.http.parent_proxy.total_connect_attempts",
        I(4),
    ),
    ("proxy.config.srv_enabled", I(0)),
    ("proxy.config.http.forward_connect_method", I(0)),
    ("proxy.config.http.parent_proxy.mark_down_hostdb", I(0)),
    ("proxy.config.http.cache.ignore_accept_mismatch", I(2)),
    (
        "proxy.config.http.cache.ignore_accept_language_mismatch",
        I(2),
    ),
    (
        "proxy.config.http.cache.ignore_accept_encoding_mismatch",
        I(2),
    ),
    (
        "proxy.config.http.cache.ignore_accept_charset_mismatch",
        I(2),
    ),
    ("proxy.config.http.parent_proxy.fail_threshold", I(10)),
    ("proxy.config.http.parent_proxy.retry_time", I(300)),
    (
        "proxy.config.http.parent_proxy.per_parent_connect_attempts",
        I(2),
    ),
    (
        "proxy.config.http.parent_proxy.connect_attempts_timeout",
        I(30),
    ),
    ("proxy.config.http.normalize_ae", I(1)),
    ("proxy.config.http.insert_forwarded", S("none")),
    ("proxy.config.http.proxy_protocol_out", I(-1)),
    ("proxy.config.http.allow_multi_range", I(0)),
    ("proxy.config.http.allow_half_open", I(1)),
    ("proxy.config.http.per_server.connection.min", I(0)),
    ("proxy.config.http.per_server.connection.max", I(0)),
    ("proxy.config.http.per_server.connection.match", S("both")),
    ("proxy.config.hostdb.ip_resolve", S("")),
    ("proxy.config.http.connect.dead.policy", I(2)),
    ("proxy.config.http.max_proxy_cycles", I(0)),
    ("proxy.config.plugin.vc.default_buffer_index", I(8)),
    ("proxy.config.plugin.vc.default_buffer_water_mark", I(0)),
    ("proxy.config.net.sock_notsent_lowat", I(32768)),
    ("proxy.config.body_factory.response_suppression_mode", I(0)),
    (
        "proxy.config.http.parent_proxy.enable_parent_timeout_markdowns",
        I(0),
    ),
    (
        "proxy.config.http.parent_proxy.disable_parent_markdowns",
        I(0),
    ),
];

/// The names of the built-in records, in table order (DEFAULTS, then STORED, then the rest of
/// ATS's).
pub(super) fn names() -> impl Iterator<Item = &'static str> {
    DEFAULTS
        .iter()
        .chain(STORED)
        .chain(super::ats::ATS_ONLY)
        .map(|(n, _)| *n)
}

/// Whether `name` is a built-in record (ATS: a registered one).
pub(super) fn is_builtin(name: &str) -> bool {
    static NAMES: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
        std::sync::LazyLock::new(|| names().collect());
    NAMES.contains(name)
}

/// A record tshost keeps (for plugins to read) but does not act on.
pub fn is_stored_only(name: &str) -> bool {
    STORED
        .iter()
        .chain(super::ats::ATS_ONLY)
        .any(|(n, _)| *n == name)
}

impl Records {
    /// The built-in defaults table.
    pub fn defaults() -> Records {
        let values = DEFAULTS
            .iter()
            .chain(STORED)
            .chain(super::ats::ATS_ONLY)
            .map(|(name, d)| {
                let v = match d {
                    I(i) => RecValue::Int(*i),
                    F(f) => RecValue::Float(*f),
                    S(s) => RecValue::String((*s).to_string()),
                };
                ((*name).to_string(), v)
            })
            .collect();
        Records {
            values,
            unknown: Vec::new(),
            from_env: Vec::new(),
            explicit: Default::default(),
            file_order: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_record_is_in_both_tables() {
        let all: Vec<&str> = names().collect();
        let unique: std::collections::HashSet<&str> = all.iter().copied().collect();
        assert_eq!(unique.len(), all.len());
        assert!(!is_stored_only(
            "proxy.config.http.transaction_no_activity_timeout_in"
        ));
        assert!(is_builtin(
            "proxy.config.http.transaction_no_activity_timeout_in"
        ));
        assert!(is_stored_only("proxy.config.http.cache.generation"));
        assert!(!is_builtin("proxy.config.x.unknown"));
    }

    #[test]
    fn defaults_table() {
        let r = Records::defaults();
        assert_eq!(r.get_int("proxy.config.diags.debug.enabled"), Some(0));
        assert_eq!(r.get_str("proxy.config.diags.debug.tags"), Some("http|dns"));
        assert_eq!(r.get_str("proxy.config.plugin.plugin_dir"), Some(""));
        assert_eq!(r.get_int("proxy.config.http.cache.http"), Some(1));
        assert_eq!(
            r.get_str("proxy.config.http.server_ports"),
            Some("8080 8080:ipv6")
        );
        assert_eq!(
            r.get_int("proxy.config.ssl.session_cache.size"),
            Some(102400)
        );
        assert_eq!(
            r.get_int("proxy.config.http2.max_header_list_size"),
            Some(131072)
        );
        assert_eq!(
            r.get_int("proxy.config.tshost.hook_timeout_ms"),
            Some(10000)
        );
        assert_eq!(
            r.get_float("proxy.config.http2.min_avg_window_update"),
            Some(2560.0)
        );
        assert_eq!(
            r.get_int("proxy.config.http2.incomplete_header_timeout_in"),
            Some(10)
        );
        assert_eq!(
            r.get_int("proxy.config.http2.settings_ack_timeout_in"),
            Some(10)
        );
        assert_eq!(
            r.get("proxy.config.exec_thread.autoconfig.scale"),
            Some(&RecValue::Float(1.0))
        );
        assert_eq!(r.get("no.such"), None);
        assert!(r.unknown_names().is_empty());
    }
}
