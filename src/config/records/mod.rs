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
//!
//! This file holds the records ([`Records`]: values, the environment's overrides, plugin.config's
//! expansion); the parser of the file is parse.rs, the built-in defaults table defaults.rs.
#![forbid(unsafe_code)]

mod ats;
mod def;
mod defaults;

pub use defaults::is_stored_only;
mod parse;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use parse::{parse_float, parse_int};

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

/// Record name -> value, defaults overlaid by records.config.
#[derive(Clone, Debug)]
pub struct Records {
    values: HashMap<String, RecValue>,
    /// Names set by the file that have no built-in default, in first-seen order.
    unknown: Vec<String>,
    /// Names whose value came from the environment (sorted).
    from_env: Vec<String>,
    /// Names records.config (or [`Records::set`]) gave a value.
    explicit: HashSet<String>,
    /// The names of records.config's lines, in first-seen order.
    file_order: Vec<String>,
}

/// Where a record's value came from (ATS's RecSourceT, as TSMgmtSourceGet reports it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The built-in default.
    Default,
    /// records.config (or the command line).
    Explicit,
    /// An environment variable (`PROXY_CONFIG_...`).
    Env,
    /// The default of a record a plugin created (TSMgmtIntCreate, TSMgmtStringCreate).
    Plugin,
}

/// The environment variable that replaces record `name` (ATS: capitals, `_` for `.`).
pub fn env_var(name: &str) -> String {
    name.to_ascii_uppercase().replace('.', "_")
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
        self.explicit.insert(name.to_string());
        self.values.insert(name.to_string(), v);
    }

    /// Where the value of `name` came from; None for a name with no record.
    pub fn source(&self, name: &str) -> Option<Source> {
        if !self.values.contains_key(name) {
            None
        } else if self
            .from_env
            .binary_search_by(|n| n.as_str().cmp(name))
            .is_ok()
        {
            Some(Source::Env)
        } else if self.explicit.contains(name) {
            Some(Source::Explicit)
        } else {
            Some(Source::Default)
        }
    }

    /// Whether `name` is a record tshost knows (ATS: a registered record). A records.config line
    /// for any other name makes a record that is not registered: ATS's TSMgmt*Get fail for it,
    /// TSRecordDump reports it with `registered` 0.
    pub fn registered(&self, name: &str) -> bool {
        defaults::is_builtin(name)
    }

    /// Every record, in ATS's order (that of its record table): records.config's names in file
    /// order (ATS reads the file before it registers its records), then the other built-in ones
    /// in table order.
    pub fn iter<'a>(&'a self) -> impl Iterator<Item = (&'a str, &'a RecValue)> + 'a {
        let in_file: HashSet<&'a str> = self.file_order.iter().map(String::as_str).collect();
        self.file_order
            .iter()
            .map(String::as_str)
            .chain(
                defaults::names()
                    .filter(move |n| !in_file.contains(n))
                    .map(|n| -> &'a str { n }),
            )
            .filter_map(|n| self.values.get_key_value(n))
            .map(|(n, v)| (n.as_str(), v))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Records, ConfigError> {
        Records::parse(text, Path::new("/etc/ts/records.config"))
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
    fn source_registration_and_order_as_ats_keeps_them() {
        let mut r = p("CONFIG proxy.config.http.cache.http INT 0\n\
                       CONFIG proxy.config.x.unknown INT 7\n\
                       CONFIG proxy.config.url_remap.remap_required INT 1\n")
        .unwrap();
        r.from_env = r
            .override_from(env(&[(
                "PROXY_CONFIG_HTTP_SEND_100_CONTINUE_RESPONSE",
                "1",
            )]))
            .unwrap();
        assert_eq!(
            r.source("proxy.config.http.cache.http"),
            Some(Source::Explicit)
        );
        // Set to its default value in the file: still EXPLICIT.
        assert_eq!(
            r.source("proxy.config.url_remap.remap_required"),
            Some(Source::Explicit)
        );
        assert_eq!(r.source("proxy.config.x.unknown"), Some(Source::Explicit));
        assert_eq!(
            r.source("proxy.config.http.send_100_continue_response"),
            Some(Source::Env)
        );
        assert_eq!(
            r.source("proxy.config.diags.output.note"),
            Some(Source::Default)
        );
        assert_eq!(r.source("no.such.record"), None);
        assert!(r.registered("proxy.config.http.cache.http"));
        assert!(!r.registered("proxy.config.x.unknown"));
        assert!(!r.registered("no.such.record"));
        // The file's names first, in file order, then the others in table order, each once.
        let names: Vec<&str> = r.iter().map(|(n, _)| n).collect();
        assert_eq!(
            names[..3],
            [
                "proxy.config.http.cache.http",
                "proxy.config.x.unknown",
                "proxy.config.url_remap.remap_required"
            ]
        );
        assert_eq!(names[3], "proxy.config.diags.debug.enabled");
        let unique: std::collections::HashSet<&str> = names.iter().copied().collect();
        assert_eq!(unique.len(), names.len());
        assert_eq!(names.len(), Records::defaults().values.len() + 1);
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
