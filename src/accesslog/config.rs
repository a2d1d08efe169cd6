//! logging.yaml (ATS 9.2's format): `logging: formats: [{name, format}]`, `logs: [{mode: ascii,
//! format: NAME, filename: NAME}]`. Errors name file:line; what tshost does not do (binary and
//! pipe modes, filters, per-log rolling keys, ...) is named once each in a WARNING with its line.
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::path::Path;

use crate::config::yaml::{self, Marked, Node};

/// One log to write: its file name (as given, `.log` added later) and its format's text.
#[derive(Debug, Clone, PartialEq)]
pub struct LogSpec {
    pub filename: String,
    pub format: String,
    /// The line of the log's entry, for messages.
    pub line: usize,
}

/// ATS's predefined formats (LogConfig's, usable without a `formats` entry).
fn predefined(name: &str) -> Option<&'static str> {
    Some(match name {
        "squid" => "%<cqtq> %<ttms> %<chi> %<crc>/%<pssc> %<psql> %<cqhm> %<cquc> %<caun> %<phr>/%<shn> %<psct>",
        "common" => "%<chi> - %<caun> [%<cqtn>] \"%<cqtx>\" %<pssc> %<pscl>",
        "extended" => "%<chi> - %<caun> [%<cqtn>] \"%<cqtx>\" %<pssc> %<pscl> %<sssc> %<sscl> %<cqcl> %<pqcl> %<cqhl> %<pshl> %<pqhl> %<sshl> %<tts>",
        "extended2" => "%<chi> - %<caun> [%<cqtn>] \"%<cqtx>\" %<pssc> %<pscl> %<sssc> %<sscl> %<cqcl> %<pqcl> %<cqhl> %<pshl> %<pqhl> %<sshl> %<tts> %<phr> %<cfsc> %<pfsc> %<crc>",
        _ => return None,
    })
}

/// The logs `text` (the file at `path`) asks for, and WARNINGs; an error names path:line.
pub fn parse(text: &str, path: &Path) -> Result<(Vec<LogSpec>, Vec<String>), String> {
    let at = |line: usize| format!("{}:{line}", path.display());
    let root = match yaml::load(text).map_err(|(l, e)| format!("{}: {e}", at(l)))? {
        Some(r) => r,
        None => return Ok((Vec::new(), Vec::new())),
    };
    let mut warnings = Vec::new();
    let unsupported = |w: &mut Vec<String>, m: &Marked, what: &str| {
        w.push(format!(
            "{}: {what} is not supported by tshost; ignored",
            at(m.line)
        ))
    };
    let Node::Map(top) = &root.node else {
        return Err(format!("{}: the top level is not a map", at(root.line)));
    };
    let mut logging = None;
    for (k, v) in top {
        match k.as_str() {
            "logging" => logging = Some(v),
            other => unsupported(&mut warnings, v, &format!("top-level key '{other}'")),
        }
    }
    let Some(logging) = logging else {
        return Ok((Vec::new(), warnings));
    };
    let Node::Map(sections) = &logging.node else {
        return Err(format!("{}: 'logging' is not a map", at(logging.line)));
    };
    let mut formats: HashMap<String, String> = HashMap::new();
    let mut logs = Vec::new();
    for (k, v) in sections {
        match k.as_str() {
            "formats" => {
                for f in seq(v, "formats", &at)? {
                    let name = string(f, "name", &at)?;
                    let format = string(f, "format", &at)?;
                    for (k, x) in entries(f, &at)? {
                        if !matches!(k.as_str(), "name" | "format") {
                            unsupported(&mut warnings, x, &format!("formats: '{k}'"));
                        }
                    }
                    formats.insert(name, format);
                }
            }
            "logs" => logs.extend(seq(v, "logs", &at)?),
            "filters" => unsupported(&mut warnings, v, "'filters'"),
            other => unsupported(&mut warnings, v, &format!("logging: '{other}'")),
        }
    }
    let mut specs = Vec::new();
    for l in logs {
        let filename = string(l, "filename", &at)?;
        let fname = string(l, "format", &at)?;
        let mut skip = false;
        for (k, x) in entries(l, &at)? {
            match k.as_str() {
                "filename" | "format" => {}
                "mode" => match x.scalar() {
                    Some("ascii") => {}
                    Some(m @ ("binary" | "ascii_pipe")) => {
                        warnings.push(format!(
                            "{}: log {filename}: mode {m} is not supported by tshost; written as ascii",
                            at(x.line)
                        ));
                    }
                    other => {
                        return Err(format!(
                            "{}: log {filename}: invalid mode {other:?}",
                            at(x.line)
                        ))
                    }
                },
                "filters" => {
                    unsupported(&mut warnings, x, &format!("log {filename}: 'filters'"));
                    skip = true;
                }
                other => unsupported(&mut warnings, x, &format!("log {filename}: '{other}'")),
            }
        }
        if skip {
            warnings.push(format!(
                "{}: log {filename} has filters tshost does not apply: not written",
                at(l.line)
            ));
            continue;
        }
        let format = match formats.get(&fname) {
            Some(f) => f.clone(),
            None => predefined(&fname)
                .ok_or_else(|| {
                    format!("{}: log {filename}: no format named '{fname}'", at(l.line))
                })?
                .to_string(),
        };
        specs.push(LogSpec {
            filename,
            format,
            line: l.line,
        });
    }
    Ok((specs, warnings))
}

fn seq<'a>(
    v: &'a Marked,
    what: &str,
    at: &dyn Fn(usize) -> String,
) -> Result<Vec<&'a Marked>, String> {
    match &v.node {
        Node::Seq(items) => Ok(items.iter().collect()),
        _ => Err(format!("{}: '{what}' is not a sequence", at(v.line))),
    }
}

fn entries<'a>(
    v: &'a Marked,
    at: &dyn Fn(usize) -> String,
) -> Result<&'a [(String, Marked)], String> {
    match &v.node {
        Node::Map(m) => Ok(m),
        _ => Err(format!("{}: an entry is not a map", at(v.line))),
    }
}

fn string(v: &Marked, key: &str, at: &dyn Fn(usize) -> String) -> Result<String, String> {
    entries(v, at)?;
    match v.get(key) {
        Some(x) => x
            .scalar()
            .map(str::to_string)
            .ok_or_else(|| format!("{}: '{key}' is not a string", at(x.line))),
        None => Err(format!("{}: '{key}' is missing", at(v.line))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(t: &str) -> Result<(Vec<LogSpec>, Vec<String>), String> {
        parse(t, Path::new("logging.yaml"))
    }

    #[test]
    fn formats_and_logs_are_read_and_unsupported_keys_named_with_their_line() {
        let (logs, w) = p("logging:\n  formats:\n    - name: f\n      format: '%<chi> %<pssc>'\n  logs:\n    - mode: ascii\n      format: f\n      filename: squid\n      rolling_enabled: 1\n    - mode: binary\n      format: squid\n      filename: b\n")
            .unwrap();
        assert_eq!(logs.len(), 2);
        assert_eq!(logs[0].filename, "squid");
        assert_eq!(logs[0].format, "%<chi> %<pssc>");
        assert!(logs[1].format.starts_with("%<cqtq>"));
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(
            w[0].contains("logging.yaml:9") && w[0].contains("rolling_enabled"),
            "{w:?}"
        );
        assert!(
            w[1].contains("logging.yaml:10") && w[1].contains("binary"),
            "{w:?}"
        );
    }

    #[test]
    fn a_broken_file_names_its_line() {
        let e = p("logging:\n  logs:\n    - format: nope\n      filename: x\n").unwrap_err();
        assert!(e.contains("logging.yaml:3") && e.contains("nope"), "{e}");
        let e = p("logging:\n  logs: [\n").unwrap_err();
        assert!(e.starts_with("logging.yaml:"), "{e}");
        assert_eq!(p("").unwrap().0, vec![]);
    }
}
