//! remap.config: where requests go, in ATS 9.2's format (`remap_parse_config_bti`,
//! proxy/http/remap/RemapConfig.cc) with ATS's lookup (`UrlRewrite::_mappingLookup`,
//! `UrlMappingPathIndex`, `Trie::Search`, `RemapProcessor::setup_for_remap`) and path rewrite
//! (`url_rewrite_remap_request`, UrlRewrite.cc).
//!
//! # File format
//!
//! Lines end at `\n`; a `\` right before the newline joins the next line. Leading and trailing
//! whitespace is removed; blank lines and lines starting with `#` are skipped. A line is words
//! separated by spaces or tabs: words starting with `@` are options (`@` alone is ignored), the
//! others parameters: `TYPE FROM TO [TAG]`, or a directive starting with `.`.
//!
//! * TYPE (case-insensitive): `map` and `reverse_map` are supported (reverse_map rules are kept
//!   for the response side; [`RemapTable::lookup`] uses `map` rules). `map_with_referer`,
//!   `map_with_recv_port`, `redirect`, `redirect_temporary` and every `regex_` type are not
//!   supported yet: the line is skipped with a warning naming the type and line. Any other word is
//!   an error, as in ATS.
//! * FROM: `[scheme://]host[:port][/path]`, or `/path` (a rule for any host, `map` only). The
//!   scheme defaults to http, the port to the scheme's (80 for http/ws, 443 for https/wss); the
//!   host is lower-cased. TO: `scheme://host[:port][/path]`. Schemes: http, https, ws, wss (ws/wss
//!   only to ws/wss); `tunnel` (and `file` in FROM) rules are skipped with a warning; others are an
//!   error. Paths are kept without their leading `/`, as in ATS.
//! * Options: `@plugin=` is an error (remap plugins are not supported yet). ACL filters
//!   (`@action=`, `@src_ip=`, `@in_ip=`, `@method=`, `@internal`) and the filter directives
//!   (`.definefilter` ... `.deactivatefilter`) are errors too: ignoring them would open access
//!   that the configuration restricts. `@pparam=`, `@mapid=`, `@strategy=`, `@map_with_referer`
//!   and unknown options are warned about once each and ignored. `.include` is skipped with a
//!   warning; other directives are errors, as in ATS.
//! * Two rules of the same type for the same scheme, host, port and path are an error (ATS:
//!   "unable to add mapping rule to lookup table").
//!
//! Errors are [`ConfigError`]s, `path:line: reason`, with the physical line where the rule
//! starts. A missing file is an empty table (ATS: a warning).
//!
//! # Lookup
//!
//! A request matches the `map` rules whose host equals its host (case-insensitively), whose
//! scheme and port equal its own, and whose path is a prefix of its path, byte-wise (so
//! `/foo` matches `/foobar`). Among those **the rule written first wins**, not the longest
//! prefix: ATS keeps the rules of one host in a trie and `Trie::Search` returns the lowest-rank
//! (earliest) match on the way down. When no rule of the request's host matches, rules without a
//! host (`map /path ...`) are tried by path alone (scheme and port are not compared).
//! The new path is the target's path followed by the rest of the request's path, with ATS's
//! slash handling.
#![forbid(unsafe_code)]

use crate::hdrs::text::{Dec, HStr};
use std::collections::HashMap;
use std::path::Path;

pub use super::records::ConfigError;

/// `map` or `reverse_map`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MapKind {
    Map,
    ReverseMap,
}

/// What a rule matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlPattern {
    /// Lower case; "http" when the rule gives none.
    pub scheme: String,
    /// Lower case; "" for a rule without a host (matches any host).
    pub host: String,
    /// Explicit, or the scheme's default.
    pub port: u16,
    /// The path prefix, without its leading `/`.
    pub path_prefix: String,
}

/// Where a matching request goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// Lower case.
    pub scheme: String,
    pub host: String,
    /// Explicit, or the scheme's default.
    pub port: u16,
    /// Replaces the matched prefix; without its leading `/`.
    pub path_prefix: String,
    /// Made once for every request the rule maps: the host as a header string, the port in
    /// decimal, the Host field's value (`host` or `host:port` when the port is not the scheme's
    /// default), and the host's address when it is an IP literal (no resolving per request).
    pub host_str: HStr,
    pub port_text: HStr,
    pub host_field: HStr,
    pub ip: Option<std::net::IpAddr>,
}

/// A Host field's value: `host`, or `host:port` when the port is not the scheme's default.
fn host_field(host: &str, port: u16, scheme: &str) -> Vec<u8> {
    let default = if scheme == "https" { 443 } else { 80 };
    let mut v = Vec::with_capacity(host.len() + 6);
    v.extend_from_slice(host.as_bytes());
    if port != default {
        v.push(b':');
        v.extend_from_slice(Dec::new(port.into()).as_bytes());
    }
    v
}

impl Target {
    pub fn new(scheme: String, host: String, port: u16, path_prefix: String) -> Target {
        Target {
            host_str: HStr::new(host.as_bytes()),
            port_text: HStr::new(Dec::new(port.into()).as_bytes()),
            host_field: HStr::new(&host_field(&host, port, &scheme)),
            ip: host.parse().ok(),
            scheme,
            host,
            port,
            path_prefix,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemapRule {
    pub kind: MapKind,
    pub from: UrlPattern,
    pub to: Target,
    /// Line in remap.config (from 1).
    pub line: usize,
}

#[derive(Clone, Debug, Default)]
pub struct RemapTable {
    /// In file order (the order is the rank: first wins).
    pub rules: Vec<RemapRule>,
}

fn default_port(scheme: &str) -> u16 {
    match scheme {
        "https" | "wss" => 443,
        _ => 80,
    }
}

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
        let words: Vec<&str> = text.split([' ', '\t']).filter(|w| !w.is_empty()).collect();
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
        for o in &opts {
            let lo = o.to_ascii_lowercase();
            let name = lo.split('=').next().unwrap_or("");
            match name {
                "plugin" => return Err(format!("@{o}: remap plugins are not supported yet")),
                "action" | "src_ip" | "in_ip" | "method" => {
                    return Err(format!("@{o}: ACL filters are not supported by tshost yet"))
                }
                _ if lo.starts_with("internal") => {
                    return Err(format!("@{o}: ACL filters are not supported by tshost yet"))
                }
                "pparam" | "mapid" | "strategy" | "map_with_referer" => self.warn_once(
                    &format!("@{name}"),
                    format!("{file}:{line}: option @{name} is not supported by tshost; ignored"),
                ),
                _ => self.warn_once(
                    &format!("@{lo}"),
                    format!("{file}:{line}: ignoring invalid remap option '@{o}'"),
                ),
            }
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

/// ATS's `url_rewrite_remap_request` path arithmetic on paths without their leading `/`.
fn rewrite_path(from_path: &[u8], to_path: &[u8], req: &[u8]) -> Vec<u8> {
    let mut from_len = from_path.len();
    let mut new = Vec::with_capacity(to_path.len() + 1 + req.len());
    new.extend_from_slice(to_path);
    if from_len == 0 && !req.is_empty() && !new.is_empty() && new.last() != Some(&b'/') {
        new.push(b'/');
    }
    if !req.is_empty() {
        let to_slash = to_path.last() == Some(&b'/');
        if req.len() < from_len {
            if to_slash && req.last() == Some(&b'/') {
                from_len += 1;
            }
        } else if to_slash && req.get(from_len) == Some(&b'/') {
            from_len += 1;
        }
        if req.len() > from_len {
            new.extend_from_slice(&req[from_len..]);
        }
    }
    if new.first() == Some(&b'/') {
        new.remove(0);
    }
    new
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
                    rules.push(*r);
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

    /// The `map` rule for a request and the request's new path (with a leading `/`). `path` is
    /// the request's URL path (the query excluded), with or without its leading `/`; `host` is
    /// compared case-insensitively, `scheme` too.
    pub fn lookup(
        &self,
        scheme: &str,
        host: &str,
        port: u16,
        path: &str,
    ) -> Option<(&RemapRule, String)> {
        let req = path.strip_prefix('/').unwrap_or(path).as_bytes();
        let (rule, new) = self.lookup_path(scheme, host, port, req)?;
        Some((rule, format!("/{}", String::from_utf8_lossy(&new))))
    }

    /// [`RemapTable::lookup`] for a request path given without its leading '/'; the new path
    /// comes without it too.
    pub fn lookup_path(
        &self,
        scheme: &str,
        host: &str,
        port: u16,
        req: &[u8],
    ) -> Option<(&RemapRule, Vec<u8>)> {
        let prefix_ok = |r: &RemapRule| req.starts_with(r.from.path_prefix.as_bytes());
        let maps = || self.rules.iter().filter(|r| r.kind == MapKind::Map);
        let found = if host.is_empty() {
            None
        } else {
            maps().find(|r| {
                r.from.host.eq_ignore_ascii_case(host)
                    && r.from.scheme.eq_ignore_ascii_case(scheme)
                    && r.from.port == port
                    && prefix_ok(r)
            })
        }
        .or_else(|| maps().find(|r| r.from.host.is_empty() && prefix_ok(r)))?;
        let new = rewrite_path(
            found.from.path_prefix.as_bytes(),
            found.to.path_prefix.as_bytes(),
            req,
        );
        Some((found, new))
    }

    /// The `reverse_map` rules, in file order.
    pub fn reverse_rules(&self) -> impl Iterator<Item = &RemapRule> {
        self.rules.iter().filter(|r| r.kind == MapKind::ReverseMap)
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

    fn go(
        t: &RemapTable,
        scheme: &str,
        host: &str,
        port: u16,
        path: &str,
    ) -> Option<(usize, String)> {
        t.lookup(scheme, host, port, path).map(|(r, p)| (r.line, p))
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
                line: 3
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
    fn lookup_matches_host_scheme_port_and_path_prefix() {
        let (t, _) = table(
            "map http://www.example.com/ http://o1/\n\
             map https://www.example.com/ https://o2/\n\
             map http://www.example.com:8080/ http://o3/\n",
        );
        assert_eq!(
            go(&t, "http", "WWW.Example.COM", 80, "/a"),
            Some((1, "/a".into()))
        );
        assert_eq!(
            go(&t, "HTTPS", "www.example.com", 443, "/a"),
            Some((2, "/a".into()))
        );
        assert_eq!(
            go(&t, "http", "www.example.com", 8080, "/a"),
            Some((3, "/a".into()))
        );
        assert_eq!(go(&t, "http", "www.example.com", 81, "/a"), None);
        assert_eq!(go(&t, "https", "www.example.com", 80, "/a"), None);
        assert_eq!(go(&t, "http", "other.example.com", 80, "/a"), None);
        assert_eq!(go(&t, "http", "", 80, "/a"), None);
    }

    #[test]
    fn first_rule_wins_not_the_longest_prefix() {
        // ATS's Trie::Search keeps the lowest rank (earliest rule) among the matching prefixes.
        let (t, _) = table(
            "map http://h/ http://root/\n\
             map http://h/api/ http://api/\n",
        );
        assert_eq!(
            go(&t, "http", "h", 80, "/api/x"),
            Some((1, "/api/x".into()))
        );
        let (t, _) = table(
            "map http://h/api/ http://api/\n\
             map http://h/ http://root/\n",
        );
        assert_eq!(go(&t, "http", "h", 80, "/api/x"), Some((1, "/x".into())));
        assert_eq!(
            go(&t, "http", "h", 80, "/other"),
            Some((2, "/other".into()))
        );
        // Byte-wise prefix, not by path segment.
        assert_eq!(go(&t, "http", "h", 80, "/api"), Some((2, "/api".into())));
        let (t, _) = table("map http://h/foo http://o/bar\n");
        assert_eq!(
            go(&t, "http", "h", 80, "/foobar"),
            Some((1, "/barbar".into()))
        );
    }

    #[test]
    fn hostless_rules_are_the_fallback() {
        let (t, _) = table(
            "map / http://default/\n\
             map http://h/ http://o/\n\
             map /img/ http://images/pics/\n",
        );
        // The host's own rules first, whatever their rank.
        assert_eq!(
            go(&t, "http", "h", 80, "/img/a.png"),
            Some((2, "/img/a.png".into()))
        );
        // Then the hostless ones by path only (scheme and port not compared), first wins.
        assert_eq!(
            go(&t, "https", "x", 443, "/img/a.png"),
            Some((1, "/img/a.png".into()))
        );
        assert_eq!(go(&t, "http", "", 80, "/z"), Some((1, "/z".into())));
        let (t, _) = table("map /img/ http://images/pics/\n");
        assert_eq!(
            go(&t, "http", "x", 80, "/img/a.png"),
            Some((1, "/pics/a.png".into()))
        );
        assert_eq!(go(&t, "http", "x", 80, "/im"), None);
    }

    #[test]
    fn path_rewrite_follows_ats_slash_rules() {
        let cases: &[(&str, &str, &str, &str)] = &[
            // from, to, request, new path
            ("http://h/", "http://o/", "/a/b", "/a/b"),
            ("http://h/", "http://o/base", "/a/b", "/base/a/b"),
            ("http://h/", "http://o/base/", "/a/b", "/base/a/b"),
            ("http://h/", "http://o/base", "/", "/base"),
            ("http://h/foo/", "http://o/bar/", "/foo/x", "/bar/x"),
            ("http://h/foo", "http://o/bar/", "/foo/x", "/bar/x"),
            ("http://h/foo", "http://o/bar", "/foo/x", "/bar/x"),
            ("http://h/foo/", "http://o/", "/foo/x", "/x"),
            ("http://h/foo", "http://o/", "/foo", "/"),
            ("http://h/foo", "http://o/", "/foo/", "/"),
            ("http://h/foo/", "http://o/bar", "/foo/", "/bar"),
        ];
        for (from, to, req, want) in cases {
            let (t, _) = table(&format!("map {from} {to}\n"));
            let got = t.lookup("http", "h", 80, req).map(|(_, p)| p);
            assert_eq!(
                got.as_deref(),
                Some(*want),
                "map {from} {to}, request {req}"
            );
        }
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
    fn errors_name_file_line_and_reason() {
        let p = "/etc/ts/remap.config";
        for (text, want) in [
            (
                "map http://a/ http://b/ @plugin=foo.so @pparam=x\n",
                "1: @plugin=foo.so: remap plugins are not supported yet",
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
