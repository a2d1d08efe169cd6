//! Reading records.config: its lines (`SCOPE NAME TYPE VALUE`, as ATS's `RecConfigFileParse`),
//! values read by type (`ink_atoi64` made strict for INT and COUNTER), and the file read into
//! [`Records`] over the defaults ([`Records::parse`]), each bad line a [`ConfigError`].
#![forbid(unsafe_code)]

use std::collections::HashSet;
use std::path::Path;

use super::defaults::DEFAULTS;
use super::{ConfigError, RecValue, Records};

/// C `isspace` in the "C" locale.
fn is_c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

/// `ink_atoi64` made strict: the whole value must be consumed.
pub(super) fn parse_int(s: &str) -> Result<i64, String> {
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

pub(super) fn parse_float(s: &str) -> Result<f64, String> {
    s.parse::<f64>().map_err(|_| format!("invalid float '{s}'"))
}

impl Records {
    /// Defaults overlaid by the file at `path`; a missing file gives the defaults.
    pub(super) fn load_file(path: &Path) -> Result<Records, ConfigError> {
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
                let Some((name, mut value)) = parse_line(l).map_err(err)? else {
                    continue;
                };
                if let Some(old) = rec.values.get(name) {
                    if std::mem::discriminant(old) != std::mem::discriminant(&value)
                        && (known.contains(name) || super::defaults::is_builtin(name))
                    {
                        // A record ATS knows takes the value as text of its own type (ATS's
                        // RecSetRecordConvert; gold tests write `STRING 1` for INT records).
                        value = convert(&value, old).map_err(|e| {
                            err(format!("record {name} has type {}: {e}", old.type_name()))
                        })?;
                    }
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
                if rec.explicit.insert(name.to_string()) {
                    rec.file_order.push(name.to_string());
                }
                rec.values.insert(name.to_string(), value);
            }
        }
        Ok(rec)
    }
}

/// `v` as text, read as a value of `like`'s type.
fn convert(v: &RecValue, like: &RecValue) -> Result<RecValue, String> {
    let text = match v {
        RecValue::Int(i) | RecValue::Counter(i) => i.to_string(),
        RecValue::Float(f) => f.to_string(),
        RecValue::String(s) => s.clone(),
    };
    Ok(match like {
        RecValue::Int(_) => RecValue::Int(parse_int(&text)?),
        RecValue::Counter(_) => RecValue::Counter(parse_int(&text)?),
        RecValue::Float(_) => RecValue::Float(parse_float(&text)?),
        RecValue::String(_) => RecValue::String(text),
    })
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
    // An empty STRING is the empty string (ATS 9.2.9 takes `CONFIG x STRING ` the same way, and
    // gold tests write it); any other type needs a value.
    if value.is_empty() && ty != "STRING" {
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
    fn a_known_record_reads_its_value_as_its_own_type() {
        // As ATS (gold tests write `STRING 1` for INT records).
        let r = p("CONFIG proxy.config.http.cache.http STRING 1\n").unwrap();
        assert_eq!(r.get_int("proxy.config.http.cache.http"), Some(1));
        let r = p("CONFIG proxy.config.diags.debug.tags INT 1\n").unwrap();
        assert_eq!(r.get_str("proxy.config.diags.debug.tags"), Some("1"));
        // A record tshost only stores (gold tests write `INT 3` for this STRING record).
        let r = p("CONFIG proxy.config.http.response_via_str INT 3\n").unwrap();
        assert_eq!(r.get_str("proxy.config.http.response_via_str"), Some("3"));
        assert_eq!(
            err("# x\n\nCONFIG proxy.config.http.cache.http STRING yes\n"),
            "/etc/ts/records.config:3: record proxy.config.http.cache.http has type INT: invalid integer 'yes'"
        );
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
    fn an_empty_string_value_is_the_empty_string() {
        let r = Records::parse(
            "CONFIG proxy.config.ssl.CA.cert.path STRING \n",
            Path::new("r"),
        )
        .unwrap();
        assert_eq!(r.get_str("proxy.config.ssl.CA.cert.path"), Some(""));
    }

    #[test]
    fn missing_value() {
        assert_eq!(
            err("CONFIG proxy.config.http.cache.http INT\n"),
            "/etc/ts/records.config:1: missing value for proxy.config.http.cache.http"
        );
        assert_eq!(
            err("CONFIG proxy.config.http.cache.http INT   \t \n"),
            "/etc/ts/records.config:1: missing value for proxy.config.http.cache.http"
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
    fn unknown_names_once_each_in_file_order() {
        let r = p("CONFIG z.one INT 1\nCONFIG proxy.config.http.cache.http INT 0\nCONFIG a.two STRING x\nCONFIG z.one INT 2\n").unwrap();
        assert_eq!(r.unknown_names(), ["z.one", "a.two"]);
        assert_eq!(r.get_int("z.one"), Some(2));
    }
}
