//! records.config (the subset tshost uses), with ATS 9.2's built-in defaults.
//!
//! Line format, as `RecConfigFileParse()` (lib/records/RecConfigParse.cc) reads it:
//! `SCOPE NAME TYPE VALUE`, the first three words separated by SP/HT, SCOPE one of `CONFIG`,
//! `PROCESS`, `NODE`, `LOCAL`, TYPE one of `INT`, `FLOAT`, `STRING`, `COUNTER`. VALUE is the rest of
//! the line with surrounding whitespace removed; it may contain spaces and is **not** unquoted
//! (quotes are part of a STRING value, as in ATS). A STRING value of exactly `NULL` is ATS's null
//! string, kept here as "". Lines whose first word starts with `#` and blank lines are skipped.
//! INT and COUNTER values are read like `ink_atoi64`: decimal with an optional `-` and an optional
//! binary multiplier suffix `K` (2^10), `M` (2^20), `G` (2^30), `T` (2^40), or `0x` hexadecimal.
//!
//! ATS only warns about bad lines and skips them (and silently ignores a value of the wrong type
//! for a registered record); tshost refuses them: every such line is a [`ConfigError`] naming the
//! file and line.
#![forbid(unsafe_code)]

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, PartialEq)]
pub enum RecValue {
    Int(i64),
    Float(f64),
    String(String),
    Counter(i64),
}

impl RecValue {
    /// The records.config type keyword.
    pub fn type_name(&self) -> &'static str {
        match self {
            RecValue::Int(_) => "INT",
            RecValue::Float(_) => "FLOAT",
            RecValue::String(_) => "STRING",
            RecValue::Counter(_) => "COUNTER",
        }
    }
}

/// A records.config error: `<path>:<line>: <reason>` (line 0 = the file as a whole, shown as
/// `<path>: <reason>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: usize,
    pub reason: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.path.display(), self.reason)
        } else {
            write!(f, "{}:{}: {}", self.path.display(), self.line, self.reason)
        }
    }
}

impl std::error::Error for ConfigError {}

enum Def {
    I(i64),
    F(f64),
    S(&'static str),
}

use Def::{F, I, S};

/// Built-in defaults, from ATS 9.2.9 mgmt/RecordsConfig.cc. Layout-dependent defaults (directories)
/// are left empty for the caller to decide; ATS's NULL strings are "".
const DEFAULTS: &[(&str, Def)] = &[
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
    ("proxy.config.stop.shutdown_timeout", I(30)),
    ("proxy.config.http.request_header_max_size", I(131072)),
    ("proxy.config.http.response_header_max_size", I(131072)),
    ("proxy.config.http.request_line_max_size", I(65535)),
    ("proxy.config.http.send_100_continue_response", I(0)),
    ("proxy.config.ssl.client.scheme_proto_mismatch_policy", I(2)),
    ("proxy.config.http.header_field_max_size", I(131070)),
    ("proxy.config.http.insert_squid_x_forwarded_for", I(1)),
    ("proxy.config.http.insert_request_via_str", I(1)),
    ("proxy.config.http.insert_response_via_str", I(0)),
    ("proxy.config.ssl.handshake_timeout_in", I(30)),
    ("proxy.config.http2.max_settings_frames_per_minute", I(14)),
    ("proxy.config.http2.max_ping_frames_per_minute", I(60)),
    ("proxy.config.http2.max_priority_frames_per_minute", I(120)),
    // tshost's own: TLS 1.3 sessions through the session cache and its hooks (ATS: tickets only).
    ("proxy.config.ssl.session_cache.tls13", I(0)),
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
];

/// Record name -> value, defaults overlaid by records.config.
#[derive(Clone, Debug)]
pub struct Records {
    values: HashMap<String, RecValue>,
    /// Names set by the file that have no built-in default, in first-seen order.
    unknown: Vec<String>,
    /// Names whose value came from the environment (sorted).
    from_env: Vec<String>,
}

/// The environment variable that replaces record `name` (ATS: capitals, `_` for `.`).
pub fn env_var(name: &str) -> String {
    name.to_ascii_uppercase().replace('.', "_")
}

/// C `isspace` in the "C" locale.
fn is_c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

/// `ink_atoi64` made strict: the whole value must be consumed.
fn parse_int(s: &str) -> Result<i64, String> {
    let bad = || format!("invalid integer '{s}'");
    if let Some(hex) = s.strip_prefix("0x") {
        if hex.is_empty() || hex.len() > 16 || !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Err(bad());
        }
        // ATS shifts into an int64_t: 16 hex digits wrap to a negative value.
        return u64::from_str_radix(hex, 16)
            .map(|v| v as i64)
            .map_err(|_| bad());
    }
    let (neg, rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let digits_end = rest
        .bytes()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (digits, suffix) = rest.split_at(digits_end);
    if digits.is_empty() {
        return Err(bad());
    }
    let mult: i64 = match suffix {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        _ => return Err(bad()),
    };
    // Accumulate negatively (as ATS does) so that i64::MIN parses.
    let mut n: i64 = 0;
    for c in digits.bytes() {
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_sub(i64::from(c - b'0')))
            .ok_or_else(|| format!("integer out of range '{s}'"))?;
    }
    let n = n
        .checked_mul(mult)
        .ok_or_else(|| format!("integer out of range '{s}'"))?;
    if neg {
        Ok(n)
    } else {
        n.checked_neg()
            .ok_or_else(|| format!("integer out of range '{s}'"))
    }
}

fn parse_float(s: &str) -> Result<f64, String> {
    s.parse::<f64>().map_err(|_| format!("invalid float '{s}'"))
}

/// C's `printf("%f", (double)(float)v)`: ATS's RecFloat is a `float`.
fn format_c_float(v: f64) -> String {
    let v = f64::from(v as f32);
    if v.is_nan() {
        if v.is_sign_negative() { "-nan" } else { "nan" }.to_string()
    } else if v.is_infinite() {
        if v < 0.0 { "-inf" } else { "inf" }.to_string()
    } else {
        format!("{v:.6}")
    }
}

impl Records {
    /// The built-in defaults table.
    pub fn defaults() -> Records {
        let values = DEFAULTS
            .iter()
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
        }
    }

    /// Defaults overlaid by the file at `path` (a missing file gives the defaults), then by the
    /// environment (ATS's RecConfigOverrideFromEnvironment: [`Records::override_from`]).
    pub fn load(path: &Path) -> Result<Records, ConfigError> {
        let mut rec = Records::load_file(path)?;
        rec.from_env = rec
            .override_from(
                std::env::vars_os()
                    .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))),
            )
            .map_err(|reason| ConfigError {
                path: path.to_path_buf(),
                line: 0,
                reason,
            })?;
        Ok(rec)
    }

    /// ATS's rule for the environment: a variable named as a record, in capitals with `_` for
    /// `.` (`PROXY_CONFIG_HTTP_SERVER_PORTS` for proxy.config.http.server_ports), replaces that
    /// record's value, for every record there is a default or a records.config line for. Its text
    /// is read as the record's type; one that is not is an error naming the variable. Returns the
    /// names of the records replaced.
    pub fn override_from(
        &mut self,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Vec<String>, String> {
        let by_env: HashMap<String, String> = self
            .values
            .keys()
            .map(|n| (env_var(n), n.clone()))
            .collect();
        let mut replaced = Vec::new();
        for (var, text) in vars {
            let Some(name) = by_env.get(&var) else {
                continue;
            };
            let bad = |e: String| format!("environment variable {var}: {e}");
            let v = match &self.values[name] {
                RecValue::Int(_) => RecValue::Int(parse_int(text.trim()).map_err(bad)?),
                RecValue::Counter(_) => RecValue::Counter(parse_int(text.trim()).map_err(bad)?),
                RecValue::Float(_) => RecValue::Float(parse_float(text.trim()).map_err(bad)?),
                RecValue::String(_) => RecValue::String(text.clone()),
            };
            self.values.insert(name.clone(), v);
            replaced.push(name.clone());
        }
        replaced.sort();
        Ok(replaced)
    }

    /// Defaults overlaid by the file at `path`; a missing file gives the defaults.
    fn load_file(path: &Path) -> Result<Records, ConfigError> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Records::defaults()),
            Err(e) => {
                return Err(ConfigError {
                    path: path.to_path_buf(),
                    line: 0,
                    reason: format!("cannot read: {e}"),
                })
            }
        };
        match std::str::from_utf8(&bytes) {
            Ok(text) => Records::parse(text, path),
            Err(e) => {
                let line = 1 + bytes[..e.valid_up_to()]
                    .iter()
                    .filter(|&&c| c == b'\n')
                    .count();
                Err(ConfigError {
                    path: path.to_path_buf(),
                    line,
                    reason: "invalid UTF-8".to_string(),
                })
            }
        }
    }

    /// Defaults overlaid by `text`; errors name `path_for_errors`.
    pub fn parse(text: &str, path_for_errors: &Path) -> Result<Records, ConfigError> {
        let mut rec = Records::defaults();
        let known: HashSet<&str> = DEFAULTS.iter().map(|(n, _)| *n).collect();
        let mut seen_unknown: HashSet<String> = HashSet::new();
        for (idx, physical) in text.split('\n').enumerate() {
            let line = idx + 1;
            let err = |reason: String| ConfigError {
                path: path_for_errors.to_path_buf(),
                line,
                reason,
            };
            // ATS splits lines at every CR and LF; a CR therefore ends a line too (same number here).
            for l in physical.split('\r') {
                let Some((name, value)) = parse_line(l).map_err(err)? else {
                    continue;
                };
                if let Some(old) = rec.values.get(name) {
                    if std::mem::discriminant(old) != std::mem::discriminant(&value) {
                        return Err(err(format!(
                            "record {name} has type {}, not {}",
                            old.type_name(),
                            value.type_name()
                        )));
                    }
                }
                if !known.contains(name) && seen_unknown.insert(name.to_string()) {
                    rec.unknown.push(name.to_string());
                }
                rec.values.insert(name.to_string(), value);
            }
        }
        Ok(rec)
    }

    pub fn get(&self, name: &str) -> Option<&RecValue> {
        self.values.get(name)
    }

    /// INT or COUNTER value.
    pub fn get_int(&self, name: &str) -> Option<i64> {
        match self.values.get(name)? {
            RecValue::Int(i) | RecValue::Counter(i) => Some(*i),
            _ => None,
        }
    }

    pub fn get_float(&self, name: &str) -> Option<f64> {
        match self.values.get(name)? {
            RecValue::Float(f) => Some(*f),
            _ => None,
        }
    }

    pub fn get_str(&self, name: &str) -> Option<&str> {
        match self.values.get(name)? {
            RecValue::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn set(&mut self, name: &str, v: RecValue) {
        self.values.insert(name.to_string(), v);
    }

    /// The text plugin.config's `$name` becomes (ATS `plugin_expand`): STRING as is, INT/COUNTER as
    /// `%ld`, FLOAT as `%f` of the value as a C `float`.
    pub fn expand(&self, name: &str) -> Option<String> {
        Some(match self.values.get(name)? {
            RecValue::Int(i) | RecValue::Counter(i) => i.to_string(),
            RecValue::Float(f) => format_c_float(*f),
            RecValue::String(s) => s.clone(),
        })
    }

    /// Names set by the file that have no built-in default, in file order, each once.
    pub fn unknown_names(&self) -> Vec<String> {
        self.unknown.clone()
    }

    /// Names whose value [`Records::load`] took from the environment, sorted.
    pub fn from_env(&self) -> &[String] {
        &self.from_env
    }
}

/// One line (no CR/LF in it). Ok(None) for blank and comment lines.
fn parse_line(l: &str) -> Result<Option<(&str, RecValue)>, String> {
    let l = l.trim_start_matches(is_c_space);
    let mut words = l.split([' ', '\t']).filter(|w| !w.is_empty());
    let scope = match words.next() {
        None => return Ok(None),
        Some(w) if w.starts_with('#') => return Ok(None),
        Some(w) => w,
    };
    let name = words
        .next()
        .ok_or_else(|| "missing record name, type and value".to_string())?;
    let ty = words
        .next()
        .ok_or_else(|| format!("missing type and value for {name}"))?;
    // The value: everything after the type word, trimmed.
    let ty_end = ty.as_ptr() as usize + ty.len() - l.as_ptr() as usize;
    let value = l[ty_end..].trim_matches(is_c_space);
    if value.is_empty() {
        return Err(format!("missing value for {name}"));
    }
    if !matches!(scope, "CONFIG" | "LOCAL" | "PROCESS" | "NODE") {
        return Err(format!(
            "unknown record scope '{scope}' (expected CONFIG or LOCAL)"
        ));
    }
    let v = match ty {
        "INT" => RecValue::Int(parse_int(value)?),
        "COUNTER" => RecValue::Counter(parse_int(value)?),
        "FLOAT" => RecValue::Float(parse_float(value)?),
        "STRING" => RecValue::String(if value == "NULL" {
            String::new()
        } else {
            value.to_string()
        }),
        _ => {
            return Err(format!(
                "unknown data type '{ty}' (expected INT, FLOAT, STRING or COUNTER)"
            ))
        }
    };
    Ok(Some((name, v)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Records, ConfigError> {
        Records::parse(text, Path::new("/etc/ts/records.config"))
    }

    fn err(text: &str) -> String {
        p(text).expect_err("expected an error").to_string()
    }

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn environment_replaces_records_named_in_capitals_with_underscores() {
        let mut r = p("CONFIG proxy.config.some.unknown_one STRING file\n").unwrap();
        let replaced = r
            .override_from(env(&[
                ("PROXY_CONFIG_HTTP_SERVER_PORTS", "9090 9443:ssl"),
                ("PROXY_CONFIG_URL_REMAP_REMAP_REQUIRED", "0"),
                ("PROXY_CONFIG_SOME_UNKNOWN_ONE", "env"),
                ("PROXY_CONFIG_NOT_A_RECORD", "1"),
                ("proxy.config.url_remap.remap_required", "5"),
                ("HOME", "/root"),
            ]))
            .unwrap();
        assert_eq!(
            replaced,
            [
                "proxy.config.http.server_ports",
                "proxy.config.some.unknown_one",
                "proxy.config.url_remap.remap_required"
            ]
        );
        assert_eq!(
            r.get_str("proxy.config.http.server_ports"),
            Some("9090 9443:ssl")
        );
        assert_eq!(r.get_int("proxy.config.url_remap.remap_required"), Some(0));
        assert_eq!(r.get_str("proxy.config.some.unknown_one"), Some("env"));
        assert_eq!(r.get("proxy.config.not.a_record"), None);
    }

    #[test]
    fn environment_value_of_the_wrong_type_is_an_error_naming_the_variable() {
        let mut r = Records::defaults();
        let e = r
            .override_from(env(&[("PROXY_CONFIG_URL_REMAP_REMAP_REQUIRED", "yes")]))
            .unwrap_err();
        assert!(
            e.contains("PROXY_CONFIG_URL_REMAP_REMAP_REQUIRED") && e.contains("'yes'"),
            "{e}"
        );
        assert_eq!(r.get_int("proxy.config.url_remap.remap_required"), Some(1));
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

    #[test]
    fn comments_and_blank_lines() {
        let r = p(
            "# comment\n\n   \t\n  # CONFIG proxy.config.http.cache.http INT 0\n#CONFIG x INT\n",
        )
        .unwrap();
        assert_eq!(r.get_int("proxy.config.http.cache.http"), Some(1));
        assert!(r.unknown_names().is_empty());
    }

    #[test]
    fn each_type() {
        let r = p("CONFIG proxy.config.http.cache.http INT 0\n\
                   CONFIG proxy.config.exec_thread.autoconfig.scale FLOAT 1.5\n\
                   LOCAL proxy.config.diags.debug.tags STRING  http.*|ssl  \n\
                   CONFIG proxy.process.x COUNTER 7\n")
        .unwrap();
        assert_eq!(
            r.get("proxy.config.http.cache.http"),
            Some(&RecValue::Int(0))
        );
        assert_eq!(
            r.get_float("proxy.config.exec_thread.autoconfig.scale"),
            Some(1.5)
        );
        assert_eq!(
            r.get_str("proxy.config.diags.debug.tags"),
            Some("http.*|ssl")
        );
        assert_eq!(r.get("proxy.process.x"), Some(&RecValue::Counter(7)));
        assert_eq!(r.get_int("proxy.process.x"), Some(7));
    }

    #[test]
    fn string_keeps_inner_spaces_and_quotes() {
        let r = p(
            "CONFIG proxy.config.http.server_ports STRING \"8080 8443:ssl\"\n\
                   CONFIG proxy.config.log.logfile_dir STRING /var/log/ts # not a comment\n",
        )
        .unwrap();
        assert_eq!(
            r.get_str("proxy.config.http.server_ports"),
            Some("\"8080 8443:ssl\"")
        );
        assert_eq!(
            r.get_str("proxy.config.log.logfile_dir"),
            Some("/var/log/ts # not a comment")
        );
    }

    #[test]
    fn string_null_is_empty() {
        let r = p("CONFIG proxy.config.diags.debug.tags STRING NULL\n").unwrap();
        assert_eq!(r.get_str("proxy.config.diags.debug.tags"), Some(""));
    }

    #[test]
    fn separators_tabs_and_crlf() {
        let r = p("CONFIG\tproxy.config.http.cache.http\t\tINT\t0\r\n\
                   CONFIG proxy.config.diags.debug.tags STRING a b\r\n")
        .unwrap();
        assert_eq!(r.get_int("proxy.config.http.cache.http"), Some(0));
        assert_eq!(r.get_str("proxy.config.diags.debug.tags"), Some("a b"));
    }

    #[test]
    fn int_suffixes_and_hex() {
        let r = p("CONFIG a.k INT 4K\nCONFIG a.m INT 2M\nCONFIG a.g INT 1G\nCONFIG a.t INT 3T\n\
                   CONFIG a.neg INT -2K\nCONFIG a.hex INT 0x1f\nCONFIG a.min INT -9223372036854775808\n\
                   CONFIG a.c COUNTER 1K\n")
        .unwrap();
        assert_eq!(r.get_int("a.k"), Some(4096));
        assert_eq!(r.get_int("a.m"), Some(2 << 20));
        assert_eq!(r.get_int("a.g"), Some(1 << 30));
        assert_eq!(r.get_int("a.t"), Some(3 << 40));
        assert_eq!(r.get_int("a.neg"), Some(-2048));
        assert_eq!(r.get_int("a.hex"), Some(31));
        assert_eq!(r.get_int("a.min"), Some(i64::MIN));
        assert_eq!(r.get("a.c"), Some(&RecValue::Counter(1024)));
    }

    #[test]
    fn bad_ints() {
        for v in [
            "abc",
            "12x",
            "1k",
            "1KB",
            "",
            "0x",
            "0xg",
            "+1",
            "1.5",
            "9223372036854775808",
            "9000000T",
            "1 # c",
        ] {
            let text = format!("CONFIG proxy.config.http.cache.http INT {v}\n");
            let e = p(&text);
            assert!(e.is_err(), "{v:?} accepted");
        }
        assert_eq!(
            err("\nCONFIG proxy.config.http.cache.http INT yes\n"),
            "/etc/ts/records.config:2: invalid integer 'yes'"
        );
    }

    #[test]
    fn bad_float() {
        assert_eq!(
            err("CONFIG proxy.config.exec_thread.autoconfig.scale FLOAT 1.5x\n"),
            "/etc/ts/records.config:1: invalid float '1.5x'"
        );
    }

    #[test]
    fn wrong_type_for_known_record() {
        assert_eq!(
            err("# x\n\nCONFIG proxy.config.http.cache.http STRING 1\n"),
            "/etc/ts/records.config:3: record proxy.config.http.cache.http has type INT, not STRING"
        );
        assert!(p("CONFIG proxy.config.http.cache.http COUNTER 1\n").is_err());
        assert!(p("CONFIG proxy.config.diags.debug.tags INT 1\n").is_err());
    }

    #[test]
    fn unknown_record_keeps_its_first_type() {
        assert!(p("CONFIG a.b INT 1\nCONFIG a.b INT 2\n").is_ok());
        assert_eq!(
            err("CONFIG a.b INT 1\nCONFIG a.b STRING x\n"),
            "/etc/ts/records.config:2: record a.b has type INT, not STRING"
        );
    }

    #[test]
    fn missing_value() {
        assert_eq!(
            err("CONFIG proxy.config.http.cache.http INT\n"),
            "/etc/ts/records.config:1: missing value for proxy.config.http.cache.http"
        );
        assert_eq!(
            err("CONFIG proxy.config.diags.debug.tags STRING   \t \n"),
            "/etc/ts/records.config:1: missing value for proxy.config.diags.debug.tags"
        );
        assert!(err("CONFIG proxy.config.http.cache.http\n").contains(":1: missing type and value"));
        assert!(err("CONFIG\n").contains(":1: missing record name"));
    }

    #[test]
    fn unknown_scope_and_type() {
        assert_eq!(
            err("\n\n\nSTAT proxy.config.http.cache.http INT 0\n"),
            "/etc/ts/records.config:4: unknown record scope 'STAT' (expected CONFIG or LOCAL)"
        );
        assert!(
            err("config proxy.config.http.cache.http INT 0\n").contains(":1: unknown record scope")
        );
        assert_eq!(
            err("CONFIG proxy.config.http.cache.http int 0\n"),
            "/etc/ts/records.config:1: unknown data type 'int' (expected INT, FLOAT, STRING or COUNTER)"
        );
        // PROCESS and NODE are scopes ATS accepts too.
        let r = p("PROCESS proxy.config.http.cache.http INT 0\nNODE proxy.config.url_remap.remap_required INT 0\n").unwrap();
        assert_eq!(r.get_int("proxy.config.http.cache.http"), Some(0));
        assert_eq!(r.get_int("proxy.config.url_remap.remap_required"), Some(0));
    }

    #[test]
    fn later_line_wins() {
        let r = p("CONFIG proxy.config.http.cache.http INT 0\nCONFIG proxy.config.http.cache.http INT 1\n").unwrap();
        assert_eq!(r.get_int("proxy.config.http.cache.http"), Some(1));
    }

    #[test]
    fn missing_file_gives_defaults() {
        let r = Records::load(Path::new("/nonexistent/dir/records.config")).unwrap();
        assert_eq!(r.get_int("proxy.config.http.cache.http"), Some(1));
    }

    #[test]
    fn load_from_file_and_errors_name_the_path() {
        let dir = std::env::temp_dir().join(format!("tshost-records-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("records.config");
        std::fs::write(&f, "CONFIG proxy.config.diags.debug.enabled INT 1\n").unwrap();
        assert_eq!(
            Records::load(&f)
                .unwrap()
                .get_int("proxy.config.diags.debug.enabled"),
            Some(1)
        );
        std::fs::write(
            &f,
            "CONFIG proxy.config.diags.debug.enabled INT 1\nCONFIG x\n",
        )
        .unwrap();
        let e = Records::load(&f).err().unwrap();
        assert_eq!(e.line, 2);
        assert_eq!(
            e.to_string(),
            format!("{}:2: missing type and value for x", f.display())
        );
        std::fs::write(&f, b"# ok\n\xff\n").unwrap();
        assert_eq!(Records::load(&f).err().unwrap().line, 2);
        // A directory is not a missing file.
        assert!(Records::load(&dir).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn expand_values() {
        let r = p("CONFIG a.f FLOAT 0.1\nCONFIG a.neg INT -5\nCONFIG a.c COUNTER 3\nCONFIG a.s STRING x y\n").unwrap();
        assert_eq!(
            r.expand("proxy.config.http.cache.http").as_deref(),
            Some("1")
        );
        assert_eq!(
            r.expand("proxy.config.diags.debug.tags").as_deref(),
            Some("http|dns")
        );
        assert_eq!(
            r.expand("proxy.config.exec_thread.autoconfig.scale")
                .as_deref(),
            Some("1.000000")
        );
        assert_eq!(r.expand("a.f").as_deref(), Some("0.100000"));
        assert_eq!(r.expand("a.neg").as_deref(), Some("-5"));
        assert_eq!(r.expand("a.c").as_deref(), Some("3"));
        assert_eq!(r.expand("a.s").as_deref(), Some("x y"));
        assert_eq!(r.expand("no.such.record"), None);
    }

    #[test]
    fn expand_float_goes_through_c_float() {
        let mut r = Records::defaults();
        // 16777217 is not representable as a float: ATS prints 16777216.000000.
        r.set("f", RecValue::Float(16777217.0));
        assert_eq!(r.expand("f").as_deref(), Some("16777216.000000"));
        r.set("f", RecValue::Float(f64::INFINITY));
        assert_eq!(r.expand("f").as_deref(), Some("inf"));
        r.set("f", RecValue::Float(-0.5));
        assert_eq!(r.expand("f").as_deref(), Some("-0.500000"));
    }

    #[test]
    fn unknown_names_once_each_in_file_order() {
        let r = p("CONFIG z.one INT 1\nCONFIG proxy.config.http.cache.http INT 0\nCONFIG a.two STRING x\nCONFIG z.one INT 2\n").unwrap();
        assert_eq!(r.unknown_names(), ["z.one", "a.two"]);
        assert_eq!(r.get_int("z.one"), Some(2));
    }

    #[test]
    fn set_and_getters_by_type() {
        let mut r = Records::defaults();
        r.set("proxy.config.tshost.hook_timeout_ms", RecValue::Int(0));
        assert_eq!(r.get_int("proxy.config.tshost.hook_timeout_ms"), Some(0));
        assert_eq!(r.get_str("proxy.config.tshost.hook_timeout_ms"), None);
        assert_eq!(r.get_int("proxy.config.diags.debug.tags"), None);
        assert!(r.unknown_names().is_empty());
    }
}
