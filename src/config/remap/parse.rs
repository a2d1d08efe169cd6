//! Reading remap.config ([`RemapTable::parse`], [`RemapTable::load`]): its logical lines, the
//! words of a line, the rule URLs split as ATS splits them, each line checked into a [`RemapRule`]
//! (or skipped with a warning), and duplicate rules refused. The format is described in the
//! module doc (mod.rs).
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::path::Path;

use super::{
    default_port, ConfigError, MapKind, PluginSpec, RemapRule, RemapTable, Target, UrlPattern,
};

/// A URL of a rule, split as ATS's `url_parse_regex` does: scheme (before `://`), host up to the
/// first `/` with a `:port` of up to 5 digits at its end, and the path after the slashes.
struct RawUrl<'a> {
    scheme: Option<&'a str>,
    host: &'a str,
    port: Option<&'a str>,
    path: &'a str,
}

fn split_url(s: &str) -> Option<RawUrl<'_>> {
    let (scheme, rest) = match s.find("://") {
        Some(i) if !s.starts_with('/') && !s[..i].contains('/') => (Some(&s[..i]), &s[i + 3..]),
        _ => (None, s),
    };
    if let Some(sc) = scheme {
        let ok = sc.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && sc
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if !ok {
            return None;
        }
    }
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].trim_start_matches('/')),
        None => (rest, ""),
    };
    let mut host = authority;
    let mut port = None;
    let digits = authority
        .bytes()
        .rev()
        .take_while(u8::is_ascii_digit)
        .count();
    if digits > 0 && digits <= 5 && authority.len() > digits {
        let colon = authority.len() - digits - 1;
        if authority.as_bytes()[colon] == b':' {
            host = &authority[..colon];
            port = Some(&authority[colon + 1..]);
        }
    }
    Some(RawUrl {
        scheme,
        host,
        port,
        path,
    })
}

/// A rule's URL as ATS prints it for a remap plugin's argv (`URL::string_get`): as written, with
/// the path's `/` when the URL has none after its authority (`http://a` -> `http://a/`).
fn printed_url(s: &str) -> String {
    match s.find("://") {
        Some(i) if !s[i + 3..].contains('/') => format!("{s}/"),
        _ => s.to_string(),
    }
}

/// Outcome of reading one line.
enum Line {
    Rule(Box<RemapRule>),
    Skip,
}

struct Parser {
    file: String,
    warnings: Vec<String>,
    warned: Vec<String>,
}

impl Parser {
    fn warn_once(&mut self, key: &str, msg: String) {
        if !self.warned.iter().any(|k| k == key) {
            self.warned.push(key.to_string());
            self.warnings.push(msg);
        }
    }

    fn line(&mut self, line: usize, text: &str) -> Result<Line, String> {
        let file = self.file.clone();
        let words = super::words::words(text);
        let mut params = Vec::new();
        let mut opts = Vec::new();
        for w in words {
            match w.strip_prefix('@') {
                Some("") => {}
                Some(o) => opts.push(o),
                None => params.push(w),
            }
        }
        if params.is_empty() || (params.len() < 3 && !params[0].starts_with('.')) {
            return Err("malformed line (expected TYPE FROM TO)".into());
        }
        let kw = params[0];
        if kw.starts_with('.') {
            return match kw {
                ".include" => {
                    self.warnings.push(format!(
                        "{file}:{line}: .include is not supported by tshost yet; line skipped"
                    ));
                    Ok(Line::Skip)
                }
                ".definefilter" | ".deffilter" | ".defflt" | ".deletefilter" | ".delfilter"
                | ".delflt" | ".usefilter" | ".activefilter" | ".activatefilter" | ".useflt"
                | ".unusefilter" | ".deactivatefilter" | ".unactivefilter" | ".deuseflt"
                | ".unuseflt" => Err(format!("{kw}: ACL filters are not supported by tshost yet")),
                _ => Err(format!("unknown directive \"{kw}\"")),
            };
        }
        let lower = kw.to_ascii_lowercase();
        let kind = match lower.as_str() {
            "map" => MapKind::Map,
            "reverse_map" => MapKind::ReverseMap,
            "map_with_referer" | "map_with_recv_port" | "redirect" | "redirect_temporary" => {
                self.warnings.push(format!(
                    "{file}:{line}: {kw} rules are not supported by tshost yet; line skipped"
                ));
                return Ok(Line::Skip);
            }
            t if t.starts_with("regex_")
                && matches!(
                    &t[6..],
                    "map"
                        | "reverse_map"
                        | "map_with_referer"
                        | "map_with_recv_port"
                        | "redirect"
                        | "redirect_temporary"
                ) =>
            {
                self.warnings.push(format!(
                    "{file}:{line}: {kw} rules are not supported by tshost yet; line skipped"
                ));
                return Ok(Line::Skip);
            }
            _ => return Err(format!("unknown mapping type '{kw}'")),
        };
        // @plugin=PATH starts a plugin of the rule's chain; each @pparam=VALUE goes to the plugin
        // before it (ATS's remap_load_plugin: those before the first @plugin go to the first).
        let mut plugins: Vec<PluginSpec> = Vec::new();
        let mut early_params: Vec<String> = Vec::new();
        for o in &opts {
            let lo = o.to_ascii_lowercase();
            let name = lo.split('=').next().unwrap_or("");
            let value = o.split_once('=').map(|(_, v)| v).unwrap_or("");
            match name {
                "plugin" if value.is_empty() => {
                    return Err(format!("Can't find remap plugin file name in \"@{o}\""))
                }
                "plugin" => plugins.push(PluginSpec {
                    path: value.to_string(),
                    params: Vec::new(),
                }),
                "pparam" if value.is_empty() => {}
                "pparam" => match plugins.last_mut() {
                    Some(p) => p.params.push(value.to_string()),
                    None => early_params.push(value.to_string()),
                },
                "action" | "src_ip" | "in_ip" | "method" => {
                    return Err(format!("@{o}: ACL filters are not supported by tshost yet"))
                }
                _ if lo.starts_with("internal") => {
                    return Err(format!("@{o}: ACL filters are not supported by tshost yet"))
                }
                "mapid" | "strategy" | "map_with_referer" => self.warn_once(
                    &format!("@{name}"),
                    format!("{file}:{line}: option @{name} is not supported by tshost; ignored"),
                ),
                _ => self.warn_once(
                    &format!("@{lo}"),
                    format!("{file}:{line}: ignoring invalid remap option '@{o}'"),
                ),
            }
        }
        if let Some(first) = plugins.first_mut() {
            early_params.append(&mut first.params);
            first.params = early_params;
        } else if !early_params.is_empty() {
            self.warn_once(
                "pparam",
                format!("{file}:{line}: @pparam without a @plugin; ignored"),
            );
        }
        if !plugins.is_empty() && kind != MapKind::Map {
            self.warnings.push(format!(
                "{file}:{line}: remap plugins run for map rules only (as ATS); @plugin ignored"
            ));
            plugins.clear();
        }
        if params.len() > 3 {
            self.warn_once(
                "tag",
                format!(
                    "{file}:{line}: extra argument '{}' (rule tag) is not used by tshost; ignored",
                    params[3]
                ),
            );
        }

        // FROM. A trailing "//" marks a "unique" rule in ATS; it is not part of the path.
        let mut from_s = params[1];
        if from_s.len() > 2 && from_s.ends_with("//") {
            from_s = &from_s[..from_s.len() - 2];
        }
        let from = split_url(from_s).ok_or_else(|| format!("malformed From URL: {from_s}"))?;
        let to = split_url(params[2]).ok_or_else(|| format!("malformed To URL: {}", params[2]))?;
        let from_scheme = from.scheme.unwrap_or("http").to_ascii_lowercase();
        let to_scheme = to.scheme.unwrap_or("").to_ascii_lowercase();
        let web = |s: &str| matches!(s, "http" | "https" | "ws" | "wss");
        if from_scheme == "tunnel"
            || from_scheme == "file"
            || (to_scheme == "tunnel" && web(&from_scheme))
        {
            self.warnings.push(format!(
                "{file}:{line}: {from_scheme}:// -> {to_scheme}:// rules are not supported by tshost yet; line skipped"
            ));
            return Ok(Line::Skip);
        }
        if !web(&from_scheme) || !web(&to_scheme) {
            return Err("only http, https, ws, wss, and tunnel remappings are supported".into());
        }
        if matches!(from_scheme.as_str(), "ws" | "wss")
            && !matches!(to_scheme.as_str(), "ws" | "wss")
        {
            return Err("WS or WSS can only be mapped out to WS or WSS.".into());
        }
        if from.host.is_empty() {
            if kind == MapKind::ReverseMap {
                return Err("remap source in reverse mappings requires a hostname".into());
            }
            if !from_s.starts_with('/') {
                return Err("relative remappings must begin with a /".into());
            }
        }
        if to.host.is_empty() {
            return Err("The remap destinations require a hostname".into());
        }
        let port = |p: Option<&str>, scheme: &str, which: &str| -> Result<u16, String> {
            match p {
                None => Ok(default_port(scheme)),
                Some(p) => match p.parse::<u16>() {
                    Ok(n) if n > 0 => Ok(n),
                    _ => Err(format!("invalid port '{p}' in the {which} URL")),
                },
            }
        };
        for (what, u) in [("From", &from), ("To", &to)] {
            if u.path.contains(['?', '#']) {
                self.warn_once(
                    &format!("query {what}"),
                    format!("{file}:{line}: the query or fragment of a {what} URL is not used in remapping; ignored"),
                );
            }
        }
        let to_path = to.path.split(['?', '#']).next().unwrap_or("");
        Ok(Line::Rule(Box::new(RemapRule {
            kind,
            from: UrlPattern {
                port: port(from.port, &from_scheme, "From")?,
                scheme: from_scheme,
                host: from.host.to_ascii_lowercase(),
                path_prefix: from.path.to_string(),
            },
            to: Target::new(
                to_scheme.clone(),
                to.host.to_string(),
                port(to.port, &to_scheme, "To")?,
                to_path.to_string(),
            ),
            line,
            id: 0,
            from_text: printed_url(from_s),
            to_text: printed_url(params[2]),
            plugins,
        })))
    }
}

/// The logical lines of a remap.config: `(first physical line, text)`, `\`-newline joined.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cur: Option<(usize, String)> = None;
    for (i, l) in text.split('\n').enumerate() {
        let (start, mut acc) = cur.take().unwrap_or((i + 1, String::new()));
        match l.strip_suffix('\\') {
            Some(body) => {
                acc.push_str(body);
                acc.push_str("  ");
                cur = Some((start, acc));
            }
            None => {
                acc.push_str(l);
                out.push((start, acc));
            }
        }
    }
    if let Some(c) = cur {
        out.push(c);
    }
    out
}

impl RemapTable {
    /// Parse remap.config text; errors name `path`. Returns the table and the warnings.
    pub fn parse(text: &str, path: &Path) -> Result<(RemapTable, Vec<String>), ConfigError> {
        let mut p = Parser {
            file: path.display().to_string(),
            warnings: Vec::new(),
            warned: Vec::new(),
        };
        let mut rules: Vec<RemapRule> = Vec::new();
        let mut seen: HashMap<(MapKind, String, String, u16, String), usize> = HashMap::new();
        for (line, raw) in logical_lines(text) {
            let t = raw.trim_matches(|c: char| c.is_ascii_whitespace());
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let err = |reason: String| ConfigError {
                path: path.to_path_buf(),
                line,
                reason,
            };
            match p.line(line, t).map_err(err)? {
                Line::Skip => {}
                Line::Rule(r) => {
                    let f = &r.from;
                    // Rules without a host share one path index, whatever their scheme and port.
                    let key = if f.host.is_empty() {
                        (
                            r.kind,
                            String::new(),
                            String::new(),
                            0,
                            f.path_prefix.clone(),
                        )
                    } else {
                        (
                            r.kind,
                            f.host.clone(),
                            f.scheme.clone(),
                            f.port,
                            f.path_prefix.clone(),
                        )
                    };
                    if let Some(first) = seen.get(&key) {
                        return Err(err(format!(
                            "duplicate rule: line {first} already maps this scheme, host, port and path"
                        )));
                    }
                    seen.insert(key, line);
                    let mut r = *r;
                    r.id = rules.len();
                    rules.push(r);
                }
            }
        }
        Ok((RemapTable { rules }, p.warnings))
    }

    /// Load remap.config (missing: an empty table); warnings are logged.
    pub fn load(path: &Path) -> Result<RemapTable, ConfigError> {
        let text = match std::fs::read(path) {
            Ok(b) => String::from_utf8(b).map_err(|e| {
                let valid = e.utf8_error().valid_up_to();
                ConfigError {
                    path: path.to_path_buf(),
                    line: 1 + e.as_bytes()[..valid]
                        .iter()
                        .filter(|&&c| c == b'\n')
                        .count(),
                    reason: "invalid UTF-8".into(),
                }
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(RemapTable::default()),
            Err(e) => {
                return Err(ConfigError {
                    path: path.to_path_buf(),
                    line: 0,
                    reason: format!("cannot read: {e}"),
                })
            }
        };
        let (t, warnings) = RemapTable::parse(&text, path)?;
        for w in warnings {
            crate::warning!("{w}");
        }
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> (RemapTable, Vec<String>) {
        RemapTable::parse(text, Path::new("/etc/ts/remap.config")).unwrap()
    }

    fn err(text: &str) -> String {
        RemapTable::parse(text, Path::new("/etc/ts/remap.config"))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn parses_rules_with_defaults() {
        let (t, w) = table(
            "# comment\n\
             \n\
             map http://www.Example.com/ http://origin.internal:8080/app/\n\
             \tMAP https://secure.example.com:8443/api https://10.0.0.1/v2 \n\
             reverse_map http://origin.internal:8080/app/ http://www.example.com/\n\
             map /static/ http://static.internal/\n\
             map ws://ws.example.com/ wss://ws.internal/\n\
             map www.noscheme.com/x http://o/\n",
        );
        assert!(w.is_empty(), "{w:?}");
        let r = &t.rules;
        assert_eq!(r.len(), 6);
        assert_eq!(
            r[0],
            RemapRule {
                kind: MapKind::Map,
                from: UrlPattern {
                    scheme: "http".into(),
                    host: "www.example.com".into(),
                    port: 80,
                    path_prefix: "".into()
                },
                to: Target::new("http".into(), "origin.internal".into(), 8080, "app/".into()),
                line: 3,
                id: 0,
                from_text: "http://www.Example.com/".into(),
                to_text: "http://origin.internal:8080/app/".into(),
                plugins: Vec::new(),
            }
        );
        assert_eq!(
            (r[1].from.port, r[1].from.path_prefix.as_str()),
            (8443, "api")
        );
        assert_eq!(
            (
                r[1].to.scheme.as_str(),
                r[1].to.port,
                r[1].to.path_prefix.as_str()
            ),
            ("https", 443, "v2")
        );
        assert_eq!(r[2].kind, MapKind::ReverseMap);
        assert_eq!(t.reverse_rules().count(), 1);
        assert_eq!(
            (
                r[3].from.host.as_str(),
                r[3].from.scheme.as_str(),
                r[3].from.port
            ),
            ("", "http", 80)
        );
        assert_eq!((r[4].from.port, r[4].to.port), (80, 443));
        assert_eq!(
            (
                r[5].from.scheme.as_str(),
                r[5].from.host.as_str(),
                r[5].from.path_prefix.as_str()
            ),
            ("http", "www.noscheme.com", "x")
        );
    }

    #[test]
    fn continuation_lines_and_line_numbers() {
        let (t, _) =
            table("map http://a.com/ \\\n   http://b.com/\n\nmap http://c.com/ http://d.com/\n");
        assert_eq!(t.rules[0].line, 1);
        assert_eq!(t.rules[0].to.host, "b.com");
        assert_eq!(t.rules[1].line, 4);
        let e = err("map http://a.com/ \\\n http://b.com/\nbogus x y\n");
        assert_eq!(e, "/etc/ts/remap.config:3: unknown mapping type 'bogus'");
    }

    #[test]
    fn unsupported_types_and_directives_are_skipped_with_a_warning() {
        let (t, w) = table(
            "redirect http://a/ http://b/\n\
             regex_map http://(.*).example.com/ http://o/\n\
             map_with_recv_port http://a:81/ http://b/\n\
             .include other.config\n\
             map tunnel://t.example.com:443/ tunnel://o:443/\n\
             map http://ok/ http://o/\n",
        );
        assert_eq!(t.rules.len(), 1);
        assert_eq!(w.len(), 5, "{w:?}");
        assert!(
            w[0].contains("remap.config:1: redirect rules are not supported"),
            "{w:?}"
        );
        assert!(w[1].contains(":2: regex_map rules"), "{w:?}");
        assert!(w[2].contains(":3: map_with_recv_port"), "{w:?}");
        assert!(w[3].contains(":4: .include"), "{w:?}");
        assert!(w[4].contains(":5: tunnel://"), "{w:?}");
    }

    #[test]
    fn options_warn_once_by_name() {
        let (t, w) = table(
            "map http://a/ http://b/ @mapid=1 @Frob\n\
             map http://c/ http://d/ @mapid=2 @frob @\n\
             map http://e/ http://f/ tag\n",
        );
        assert_eq!(t.rules.len(), 3);
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(w[0].contains(":1: option @mapid is not supported"), "{w:?}");
        assert!(
            w[1].contains(":1: ignoring invalid remap option '@Frob'"),
            "{w:?}"
        );
        assert!(w[2].contains(":3: extra argument 'tag'"), "{w:?}");
    }

    #[test]
    fn plugin_chains_take_their_pparams_as_ats_does() {
        let (t, w) = table(
            "map http://a/ http://b/ @pparam=early @plugin=one.so @pparam=x @PParam=y \\\n  @Plugin=/abs/two.so @pparam=z\n\
             map http://c/ http://d/ @pparam=lonely\n\
             reverse_map http://b/ http://a/ @plugin=one.so\n",
        );
        let spec = |p: &str, params: &[&str]| PluginSpec {
            path: p.into(),
            params: params.iter().map(|s| s.to_string()).collect(),
        };
        assert_eq!(
            t.rules[0].plugins,
            [
                spec("one.so", &["early", "x", "y"]),
                spec("/abs/two.so", &["z"])
            ]
        );
        assert_eq!(
            (t.rules[0].from_text.as_str(), t.rules[0].to_text.as_str()),
            ("http://a/", "http://b/")
        );
        // As ATS prints them for argv: the path's '/' added when the URL has none.
        let (printed, _) = table("map http://myhost.test https://o.test:8443 @plugin=x.so\n");
        assert_eq!(
            (
                printed.rules[0].from_text.as_str(),
                printed.rules[0].to_text.as_str()
            ),
            ("http://myhost.test/", "https://o.test:8443/")
        );
        assert!(t.rules[1].plugins.is_empty() && t.rules[2].plugins.is_empty());
        assert_eq!((t.rules[1].id, t.rules[2].id), (1, 2));
        assert!(
            w.iter()
                .any(|w| w.contains(":3: @pparam without a @plugin")),
            "{w:?}"
        );
        assert!(
            w.iter()
                .any(|w| w.contains(":4: remap plugins run for map rules only")),
            "{w:?}"
        );
    }

    #[test]
    fn errors_name_file_line_and_reason() {
        let p = "/etc/ts/remap.config";
        for (text, want) in [
            (
                "map http://a/ http://b/ @plugin= @pparam=x\n",
                "1: Can't find remap plugin file name in \"@plugin=\"",
            ),
            (
                "\nmap http://a/ http://b/ @action=deny @src_ip=10.0.0.1\n",
                "2: @action=deny: ACL filters are not supported by tshost yet",
            ),
            (
                "map http://a/ http://b/ @internal\n",
                "1: @internal: ACL filters",
            ),
            (
                ".definefilter x @action=allow\n",
                "1: .definefilter: ACL filters are not supported by tshost yet",
            ),
            (".frobnicate\n", "1: unknown directive \".frobnicate\""),
            (
                "map http://a/\n",
                "1: malformed line (expected TYPE FROM TO)",
            ),
            (
                "mapp http://a/ http://b/\n",
                "1: unknown mapping type 'mapp'",
            ),
            (
                "map ftp://a/ http://b/\n",
                "1: only http, https, ws, wss, and tunnel remappings are supported",
            ),
            (
                "map http://a/ b/\n",
                "1: only http, https, ws, wss, and tunnel remappings are supported",
            ),
            (
                "map ws://a/ http://b/\n",
                "1: WS or WSS can only be mapped out to WS or WSS.",
            ),
            (
                "reverse_map /x http://b/\n",
                "1: remap source in reverse mappings requires a hostname",
            ),
            (
                "map http:///x http://b/\n",
                "1: relative remappings must begin with a /",
            ),
            (
                "map http://a/ http:///x\n",
                "1: The remap destinations require a hostname",
            ),
            (
                "map http://a:0/ http://b/\n",
                "1: invalid port '0' in the From URL",
            ),
            (
                "map http://a/ http://b:70000/\n",
                "1: invalid port '70000' in the To URL",
            ),
            (
                "map 1http://a/ http://b/\n",
                "1: malformed From URL: 1http://a/",
            ),
            (
                "map http://a/x http://b/\nmap http://A:80/x http://c/\n",
                "2: duplicate rule: line 1 already maps",
            ),
            ("map /x http://b/\nmap /x http://c/\n", "2: duplicate rule"),
        ] {
            let e = err(text);
            assert!(e.starts_with(&format!("{p}:{want}")), "{text:?}: {e}");
        }
        // The same FROM may be used by map and reverse_map.
        table("map http://a/ http://b/\nreverse_map http://a/ http://b/\n");
    }

    #[test]
    fn load_missing_file_is_empty() {
        let t = RemapTable::load(Path::new("/nonexistent/tshost/remap.config")).unwrap();
        assert!(t.rules.is_empty());
        assert!(t.lookup("http", "h", 80, "/").is_none());
    }
}
