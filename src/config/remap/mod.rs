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
//! * TYPE (case-insensitive): `map`, `reverse_map` (kept for the response side),
//!   `redirect` (301), `redirect_temporary` (307), `map_with_recv_port` (FROM's port is the
//!   local port the request arrived on), and `regex_` before any of them but `reverse_map`: FROM's
//!   host is a regex and TO's host a template with `$0`..`$9` (regex.rs). `map_with_referer`,
//!   `regex_reverse_map` and `regex_map_with_referer` are not supported yet: the line is skipped
//!   with a warning naming the type and line. Any other word is an error, as in ATS.
//! * FROM: `[scheme://]host[:port][/path]`, or `/path` (a rule for any host, `map` only). The
//!   scheme defaults to http, the port to the scheme's (80 for http/ws, 443 for https/wss); the
//!   host is lower-cased. TO: `scheme://host[:port][/path]`. Schemes: http, https, ws, wss (ws/wss
//!   only to ws/wss); `map tunnel://NAME:PORT/ tunnel://HOST:PORT/` gives the destination of a
//!   blind tunnel (TSVConnTunnel); other `tunnel` rules (and `file` in FROM) are skipped with a
//!   warning; others are an
//!   error. Paths are kept without their leading `/`, as in ATS.
//! * Options: `@plugin=PATH` adds a remap plugin to the rule's chain, each `@pparam=VALUE` a
//!   parameter to the plugin before it (those before the first `@plugin` go to the first, as
//!   ATS's remap_load_plugin); plugins are loaded by `plugin::remap`. ACL filters (`@action=`,
//!   `@src_ip=`, `@in_ip=`, `@method=`, `@internal`; acl.rs) make the rule's own filter, after
//!   the named filters active where it is written (`.definefilter` & co, directive.rs); they are
//!   checked for `map` and `map_with_recv_port` rules (on other types, as in ATS, they are not:
//!   a warning says so). `@mapid=`, `@strategy=`, `@map_with_referer` and unknown options are
//!   warned about once each and ignored.
//! * `.include PATH...`: each file (or each file of a directory, by name) is read in place,
//!   relative to remap.config's directory; errors name the included file and line; a file
//!   included while it is being read is an error (ATS recurses until it runs out of stack).
//!   Filter directives carry across files, as in ATS. Other directives are errors.
//! * Two rules of the same type for the same scheme, host, port and path are an error (ATS:
//!   "unable to add mapping rule to lookup table").
//!
//! Errors are [`ConfigError`]s, `path:line: reason`, with the physical line where the rule
//! starts. A missing file is an empty table (ATS: a warning). The parser is parse.rs; this file
//! holds the table, its rules and the lookup.
//!
//! # Lookup
//!
//! As ATS's `RemapProcessor::setup_for_remap` and `HttpTransact::EndRemapRequest`:
//! `map_with_recv_port` rules first (their port compared with the local port the request arrived
//! on), then `map` rules, then (no map rule matched) `redirect_temporary`, then `redirect` rules.
//! Within one type a request matches the rules whose host equals its host (case-insensitively)
//! or whose host regex matches it, whose scheme and port equal its own, and whose path is a
//! prefix of its path, byte-wise (so `/foo` matches `/foobar`). Among those **the rule written
//! first wins**, not the longest prefix: ATS keeps the rules of one host in a trie and
//! `Trie::Search` returns the lowest-rank (earliest) match, then tries the regex rules of lower
//! rank. When no `map` rule of the request's host matches, rules without a host (`map /path
//! ...`) are tried by path alone (scheme and port are not compared). The new path is the
//! target's path followed by the rest of the request's path, with ATS's slash handling. A table
//! without `map_with_recv_port`, redirect or regex rules does no more work per request than
//! before they existed (flags on the table; a regex rule lower-cases the host once).
#![forbid(unsafe_code)]

pub mod acl;
mod directive;
mod parse;
pub mod regex;
mod words;

use std::path::Path;
use std::sync::Arc;

use crate::hdrs::text::{Dec, HStr};

pub use crate::config::records::ConfigError;

/// A rule's type (its `regex_` form is the same type with [`RemapRule::host_regex`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MapKind {
    Map,
    ReverseMap,
    /// `redirect`: 301 to the target.
    Redirect,
    /// `redirect_temporary`: 307 to the target (302 to an HTTP/1.0 client).
    RedirectTemporary,
    /// `map_with_recv_port`: FROM's port is the one the request arrived on.
    MapWithRecvPort,
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
    /// The file the rule is in (remap.config, or a file it includes).
    pub file: Arc<Path>,
    /// A `regex_` rule: FROM's host is this regex, TO's host its template.
    pub host_regex: Option<regex::HostRegex>,
    /// Its ACL filters in order (the active named ones, then its own); empty: all allowed.
    pub filters: Vec<acl::AclFilter>,
    /// ip_allow.yaml's method check applies to its requests (off after `.deactivatefilter
    /// ip_allow`).
    pub ip_allow_check: bool,
}

/// The target a matched request goes to: the rule's own, or one its regex made.
#[derive(Debug)]
pub enum RuleTo<'t> {
    Rule(&'t Target),
    Made(Box<Target>),
}

impl std::ops::Deref for RuleTo<'_> {
    type Target = Target;
    fn deref(&self) -> &Target {
        match self {
            RuleTo::Rule(t) => t,
            RuleTo::Made(t) => t,
        }
    }
}

/// A rule a request matched, and what the rule makes of it.
#[derive(Debug)]
pub struct Found<'t> {
    pub rule: &'t RemapRule,
    /// The new path, without its leading `/`.
    pub path: Vec<u8>,
    /// A `regex_` rule's target, its host filled from the request's (None: `rule.to`). Boxed: a
    /// lookup's result moves by value, and most rules are not regex rules.
    pub regex_target: Option<Box<Target>>,
}

impl Found<'_> {
    /// Where the request goes: the rule's target, or the one its regex made.
    pub fn target(&self) -> &Target {
        self.regex_target.as_deref().unwrap_or(&self.rule.to)
    }
}

/// What a lookup compares: the request's scheme, host (from its URL, else its Host field), port,
/// the local port it arrived on, and its path without the leading `/`.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    pub scheme: &'a str,
    pub host: &'a str,
    pub port: u16,
    pub recv_port: u16,
    pub path: &'a [u8],
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
    /// In file order, included files in place (the order is the rank: first wins).
    pub rules: Vec<RemapRule>,
    /// Some rule is `map_with_recv_port`, or a redirect: those lookups cost nothing otherwise.
    pub has_recv_port: bool,
    pub has_redirect: bool,
    /// Some rule is written after `.deactivatefilter ip_allow`: a client whose ip_allow rule
    /// denies every method is not closed at accept (ATS's accept_check_p).
    pub ip_allow_off: bool,
}

fn default_port(scheme: &str) -> u16 {
    match scheme {
        "https" | "wss" => 443,
        _ => 80,
    }
}

fn found<'t>(rule: &'t RemapRule, req: &[u8], regex_target: Option<Box<Target>>) -> Found<'t> {
    let path = rewrite_path(
        rule.from.path_prefix.as_bytes(),
        rule.to.path_prefix.as_bytes(),
        req,
    );
    Found {
        rule,
        path,
        regex_target,
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
    /// The destination of a blind tunnel for a server name and port: the first
    /// `map tunnel://NAME:PORT/ tunnel://HOST:PORT/` rule (file order).
    pub fn tunnel_target(&self, name: &str, port: u16) -> Option<(&str, u16)> {
        self.rules
            .iter()
            .find(|r| {
                r.kind == MapKind::Map
                    && r.from.scheme == "tunnel"
                    && r.from.port == port
                    && r.from.host.eq_ignore_ascii_case(name)
            })
            .map(|r| (r.to.host.as_str(), r.to.port))
    }

    /// The `map` rule for a request and the request's new path (with a leading `/`). `path` is
    /// the request's URL path (the query excluded), with or without its leading `/`; `host` is
    /// compared case-insensitively, `scheme` too. (A test helper: the request arrived on `port`.)
    pub fn lookup(
        &self,
        scheme: &str,
        host: &str,
        port: u16,
        path: &str,
    ) -> Option<(&RemapRule, String)> {
        let req = path.strip_prefix('/').unwrap_or(path).as_bytes();
        let found = self.lookup_path(&Request {
            scheme,
            host,
            port,
            recv_port: port,
            path: req,
        })?;
        Some((
            found.rule,
            format!("/{}", String::from_utf8_lossy(&found.path)),
        ))
    }

    /// The first rule of `kind` (file order) whose host is the request's (or whose regex
    /// matches it), with the same scheme and `port`, and whose path is a prefix of the
    /// request's; `host` empty: the rules without a host, by path alone.
    fn find(&self, kind: MapKind, q: &Request, port: u16) -> Option<Found<'_>> {
        let mut lower: Option<String> = None;
        for r in self.rules.iter().filter(|r| r.kind == kind) {
            if !q.path.starts_with(r.from.path_prefix.as_bytes()) {
                continue;
            }
            if q.host.is_empty() {
                if r.from.host.is_empty() {
                    return Some(found(r, q.path, None));
                }
                continue;
            }
            if r.from.host.is_empty()
                || !r.from.scheme.eq_ignore_ascii_case(q.scheme)
                || r.from.port != port
            {
                continue;
            }
            match &r.host_regex {
                None if r.from.host.eq_ignore_ascii_case(q.host) => {
                    return Some(found(r, q.path, None))
                }
                None => {}
                Some(re) => {
                    let host = lower.get_or_insert_with(|| q.host.to_ascii_lowercase());
                    if let Some(to_host) = re.expand(host) {
                        let t = &r.to;
                        let to =
                            Target::new(t.scheme.clone(), to_host, t.port, t.path_prefix.clone());
                        return Some(found(r, q.path, Some(Box::new(to))));
                    }
                }
            }
        }
        None
    }

    /// The rule for a request, as ATS's lookup: `map_with_recv_port` rules by the port the
    /// request arrived on, then `map` rules (then, for a request with a host, the `map` rules
    /// without one), then `redirect_temporary` and `redirect` rules.
    pub fn lookup_path(&self, q: &Request) -> Option<Found<'_>> {
        if self.has_recv_port {
            if let Some(f) = self.find(MapKind::MapWithRecvPort, q, q.recv_port) {
                return Some(f);
            }
        }
        let mapped = self.find(MapKind::Map, q, q.port).or_else(|| {
            (!q.host.is_empty())
                .then(|| self.find(MapKind::Map, &Request { host: "", ..*q }, q.port))
                .flatten()
        });
        if mapped.is_some() || !self.has_redirect || q.host.is_empty() {
            return mapped;
        }
        self.find(MapKind::RedirectTemporary, q, q.port)
            .or_else(|| self.find(MapKind::Redirect, q, q.port))
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

    fn find(t: &RemapTable, host: &str, port: u16, recv_port: u16, path: &str) -> Option<String> {
        let f = t.lookup_path(&Request {
            scheme: "http",
            host,
            port,
            recv_port,
            path: path.as_bytes(),
        })?;
        let to = f.target();
        Some(format!(
            "{}:{:?} {}:{}/{}",
            f.rule.line,
            f.rule.kind,
            to.host,
            to.port,
            String::from_utf8_lossy(&f.path)
        ))
    }

    #[test]
    fn recv_port_rules_then_map_then_redirects() {
        // Checked on ATS 9.2: a map rule wins over a redirect of the same host; a redirect
        // applies when no map rule matches; map_with_recv_port matches the port the request
        // arrived on whatever the Host field's port.
        let (t, _) = table(
            "redirect http://h/ http://r/\n\
             redirect_temporary http://t/ http://tt/x\n\
             redirect http://t/ http://never/\n\
             map http://h/ http://m/\n\
             map_with_recv_port http://h:8000/ http://recv/\n",
        );
        assert_eq!(
            find(&t, "h", 80, 8000, "a").unwrap(),
            "5:MapWithRecvPort recv:80/a"
        );
        assert_eq!(
            find(&t, "h", 9999, 8000, "a").unwrap(),
            "5:MapWithRecvPort recv:80/a"
        );
        assert_eq!(find(&t, "h", 80, 80, "a").unwrap(), "4:Map m:80/a");
        assert_eq!(
            find(&t, "t", 80, 80, "a").unwrap(),
            "2:RedirectTemporary tt:80/x/a"
        );
        assert_eq!(find(&t, "x", 80, 80, "a"), None);
    }

    #[test]
    fn regex_rules_take_their_place_in_file_order() {
        let (t, _) = table(
            "map http://a.test/ http://plain/\n\
             regex_map http://(.*)\\.test/ http://$1.o/\n\
             map http://b.test/ http://never/\n",
        );
        assert_eq!(find(&t, "a.test", 80, 80, "x").unwrap(), "1:Map plain:80/x");
        assert_eq!(find(&t, "B.Test", 80, 80, "x").unwrap(), "2:Map b.o:80/x");
        assert_eq!(find(&t, "b.test", 81, 81, "x"), None);
        let (t, _) = table("regex_redirect http://^(\\w+)\\.r$/ http://$1.example/p/\n");
        assert_eq!(
            find(&t, "abc.r", 80, 80, "q").unwrap(),
            "1:Redirect abc.example:80/p/q"
        );
        assert_eq!(find(&t, "abc.r.x", 80, 80, "q"), None);
    }
}
