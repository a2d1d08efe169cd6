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
//! * Options: `@plugin=PATH` adds a remap plugin to the rule's chain, each `@pparam=VALUE` a
//!   parameter to the plugin before it (those before the first `@plugin` go to the first, as
//!   ATS's remap_load_plugin); plugins are loaded by `plugin::remap`. ACL filters
//!   (`@action=`, `@src_ip=`, `@in_ip=`, `@method=`, `@internal`) and the filter directives
//!   (`.definefilter` ... `.deactivatefilter`) are errors too: ignoring them would open access
//!   that the configuration restricts. `@mapid=`, `@strategy=`, `@map_with_referer`
//!   and unknown options are warned about once each and ignored. `.include` is skipped with a
//!   warning; other directives are errors, as in ATS.
//! * Two rules of the same type for the same scheme, host, port and path are an error (ATS:
//!   "unable to add mapping rule to lookup table").
//!
//! Errors are [`ConfigError`]s, `path:line: reason`, with the physical line where the rule
//! starts. A missing file is an empty table (ATS: a warning). The parser is parse.rs; this file
//! holds the table, its rules and the lookup.
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

mod parse;
mod words;

use crate::hdrs::text::{Dec, HStr};

pub use crate::config::records::ConfigError;

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
    /// Its index in [`RemapTable::rules`].
    pub id: usize,
    /// The FROM and TO URLs as written (a remap plugin's argv[0] and argv[1]).
    pub from_text: String,
    pub to_text: String,
    /// The remap plugins of the rule, in chain order (`map` rules only).
    pub plugins: Vec<PluginSpec>,
}

/// A `@plugin=PATH` of a rule and its `@pparam=` values, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginSpec {
    /// As written: relative paths are in the plugin directory.
    pub path: String,
    pub params: Vec<String>,
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
    use std::path::Path;

    fn table(text: &str) -> (RemapTable, Vec<String>) {
        RemapTable::parse(text, Path::new("/etc/ts/remap.config")).unwrap()
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
}
