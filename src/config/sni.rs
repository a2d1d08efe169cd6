//! sni.yaml: per-server-name settings of client (inbound) TLS connections, in ATS 9.2's format
//! and with its matching rules (iocore/net/YamlSNIConfig.cc, SSLSNIConfig.cc).
//!
//! ```yaml
//! sni:
//!   - fqdn: secure.example.com     # required; `*` matches any run of characters (dots too)
//!     verify_client: STRICT        # NONE | MODERATE | STRICT (certification_level 0/1/2)
//!     verify_client_ca_certs: ca.pem        # or {file: ca.pem, dir: cadir}; relative: config dir
//!     host_sni_policy: ENFORCED    # DISABLED | PERMISSIVE | ENFORCED
//!   - fqdn: '*.example.com'
//!     valid_tls_versions_in: [TLSv1_3]
//!     http2: off
//!   - fqdn: '*.tunnel.test'        # routes: the connection is not proxied as HTTP
//!     tunnel_route: $1.inside:443  # blind: the TLS bytes as they are ($N: the Nth `*`)
//!   # forward_route: HOST:PORT     TLS ends here, the plain bytes go on over TCP
//!   # partial_blind_route: H:P     TLS ends here, the plain bytes go on over a new TLS connection
//!   - fqdn: origin.test            # outbound: matched against the SNI of a connection to an
//!     verify_server_policy: ENFORCED   # origin (its address when it has none)
//!     verify_server_properties: ALL    # NONE | SIGNATURE | NAME | ALL
//!     client_cert: client.pem      # relative: proxy.config.ssl.client.cert.path
//!     client_key: client.key       # relative: proxy.config.ssl.client.private_key.path
//!   - fqdn: in.test
//!     client_sni_policy: remap     # the SNI policy of this connection's origin connections
//! ```
//!
//! A connection's entry is the **first** whose `fqdn` matches its SNI (case-insensitively, the
//! whole name; an empty `fqdn` is the entry of a connection without SNI). Keys tshost does not act
//! on (`ip_allow`, the tunnel pre-warming keys, the HTTP/2 frame limits, ...) are each named once
//! in a warning; a key ATS does not know either gets ATS's `unsupported key` warning. Errors name
//! file:line.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

use super::records::ConfigError;
use super::yaml::{self, Marked, Node};

/// TLS versions of `valid_tls_versions_in`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsVersion {
    V1_0,
    V1_1,
    V1_2,
    V1_3,
}

/// One `sni:` item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SniEntry {
    /// The pattern, lowercase.
    pub fqdn: String,
    pub line: usize,
    /// verify_client: 0 NONE, 1 MODERATE, 2 STRICT.
    pub verify_client: Option<u8>,
    /// verify_client_ca_certs (absolute paths).
    pub ca_file: Option<PathBuf>,
    pub ca_dir: Option<PathBuf>,
    /// valid_tls_versions_in: the versions offered (None: the global ones).
    pub tls_versions: Option<Vec<TlsVersion>>,
    /// http2 (or disable_h2): whether h2 is offered in ALPN.
    pub http2: Option<bool>,
    /// host_sni_policy: 0 DISABLED, 1 PERMISSIVE, 2 ENFORCED.
    pub host_sni_policy: Option<u8>,
    /// tunnel_route, forward_route or partial_blind_route (ATS reads the first of them it finds
    /// in that order).
    pub route: Option<Route>,
    /// client_sni_policy: the SNI policy (`proxy.config.ssl.client.sni_policy`'s values) of the
    /// origin connections of this entry's client connections.
    pub client_sni_policy: Option<String>,
    /// The outbound keys, for connections to origins whose SNI matches `fqdn`:
    /// verify_server_policy (0 DISABLED, 1 PERMISSIVE, 2 ENFORCED).
    pub verify_server_policy: Option<u8>,
    /// verify_server_properties: 0 NONE, 1 SIGNATURE, 2 NAME, 3 ALL (bit 1 the signature, bit 2
    /// the name).
    pub verify_server_properties: Option<u8>,
    /// client_cert and client_key, as written (relative to the client certificate and key
    /// directories).
    pub client_cert: Option<String>,
    pub client_key: Option<String>,
}

/// How a routed connection goes on (ATS's SNIRoutingType).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteKind {
    /// tunnel_route: not terminated; the bytes (the ClientHello first) go to the destination.
    Blind,
    /// forward_route: terminated; the plain bytes go on over TCP.
    Forward,
    /// partial_blind_route: terminated; the plain bytes go on over TLS to the destination.
    PartialBlind,
}

/// A route: its kind and its destination as written (`HOST:PORT`, with `$N` for the fqdn's Nth
/// `*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub kind: RouteKind,
    pub destination: String,
}

impl SniEntry {
    /// Whether `name` (lowercase) is this entry's.
    pub fn matches(&self, name: &str) -> bool {
        glob(self.fqdn.as_bytes(), name.as_bytes())
    }

    /// What each `*` of the fqdn matched in `name`, in order, if `name` is this entry's (as
    /// ATS's `(.{0,})` groups: greedy, the first takes the most).
    pub fn captures<'a>(&self, name: &'a str) -> Option<Vec<&'a str>> {
        let mut spans = Vec::new();
        captures(self.fqdn.as_bytes(), name.as_bytes(), 0, &mut spans).then(|| {
            spans
                .iter()
                .map(|&(a, b)| name.get(a..b).unwrap_or(""))
                .collect()
        })
    }
}

/// [`glob`] keeping where each `*` matched (`at`: the offset of `name` in the whole name).
fn captures(pattern: &[u8], name: &[u8], at: usize, spans: &mut Vec<(usize, usize)>) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some((b'*', rest)) => (0..=name.len()).rev().any(|i| {
            spans.push((at, at + i));
            let ok = captures(rest, &name[i..], at + i, spans);
            if !ok {
                spans.pop();
            }
            ok
        }),
        Some((c, rest)) => name.split_first().is_some_and(|(n, tail)| {
            c.eq_ignore_ascii_case(n) && captures(rest, tail, at + 1, spans)
        }),
    }
}

/// A route's destination with `$N` replaced by the Nth capture (ATS's
/// TunnelDestination::replace_match_groups: `$N` runs to the next `.` or `:` or the end; a `$`
/// not followed by a group number there, or by one beyond the captures, stays as written).
pub fn fill_destination(destination: &str, groups: &[&str]) -> String {
    let mut out = String::with_capacity(destination.len());
    let mut rest = destination;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let end = after.find(['.', ':']).unwrap_or(after.len());
        let digits = &after[..end];
        match digits.parse::<usize>() {
            Ok(n) if n >= 1 && n <= groups.len() && digits.bytes().all(|b| b.is_ascii_digit()) => {
                out.push_str(groups[n - 1]);
                rest = &after[end..];
            }
            _ => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `*` matches any run of bytes (as ATS's `(.{0,})`); the rest compares ASCII case-insensitively.
fn glob(pattern: &[u8], name: &[u8]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some((b'*', rest)) => (0..=name.len()).any(|i| glob(rest, &name[i..])),
        Some((c, rest)) => name
            .split_first()
            .is_some_and(|(n, tail)| c.eq_ignore_ascii_case(n) && glob(rest, tail)),
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SniConfig {
    pub file: PathBuf,
    pub entries: Vec<SniEntry>,
}

/// Keys tshost reads.
const SUPPORTED: &[&str] = &[
    "fqdn",
    "verify_client",
    "verify_client_ca_certs",
    "valid_tls_versions_in",
    "http2",
    "disable_h2",
    "host_sni_policy",
    "tunnel_route",
    "forward_route",
    "partial_blind_route",
    "verify_server_policy",
    "verify_server_properties",
    "client_cert",
    "client_key",
    "client_sni_policy",
];

/// Keys ATS 9.2.9 knows that tshost does not act on.
const NOT_SUPPORTED: &[&str] = &[
    "ip_allow",
    "tunnel_alpn",
    "tunnel_prewarm",
    "tunnel_prewarm_min",
    "tunnel_prewarm_max",
    "tunnel_prewarm_rate",
    "tunnel_prewarm_connect_timeout",
    "tunnel_prewarm_inactive_timeout",
    "tunnel_prewarm_srv",
    "http2_buffer_water_mark",
    "http2_max_settings_frames_per_minute",
    "http2_max_ping_frames_per_minute",
    "http2_max_priority_frames_per_minute",
    "http2_max_rst_stream_frames_per_minute",
    "http2_max_continuation_frames_per_minute",
];

type Fail = (usize, String);

impl SniConfig {
    /// The entry of a server name (lowercase): the first that matches.
    pub fn find(&self, name: &str) -> Option<&SniEntry> {
        self.entries.iter().find(|e| e.matches(name))
    }

    /// Parse the file's text; relative CA paths are taken from `config_dir`. Errors name `path`
    /// and the line. Returns the configuration and its warnings.
    pub fn parse(
        text: &str,
        path: &Path,
        config_dir: &Path,
    ) -> Result<(SniConfig, Vec<String>), ConfigError> {
        let err = |line: usize, reason: String| ConfigError {
            path: path.to_path_buf(),
            line,
            reason,
        };
        let mut config = SniConfig {
            file: path.to_path_buf(),
            entries: Vec::new(),
        };
        let Some(root) = yaml::load(text).map_err(|(line, e)| err(line, e))? else {
            return Ok((config, Vec::new()));
        };
        let sni = root
            .get("sni")
            .ok_or_else(|| err(root.line, "expected a toplevel 'sni' node".into()))?;
        let Node::Seq(items) = &sni.node else {
            return Err(err(sni.line, "expected sequence".into()));
        };
        let mut warnings = Vec::new();
        let mut warned: Vec<String> = Vec::new();
        for item in items {
            let Node::Map(keys) = &item.node else {
                return Err(err(item.line, "an sni item must be a map".into()));
            };
            for (k, v) in keys {
                if SUPPORTED.contains(&k.as_str()) || warned.contains(k) {
                    continue;
                }
                warned.push(k.clone());
                warnings.push(if NOT_SUPPORTED.contains(&k.as_str()) {
                    format!(
                        "{}:{}: sni.yaml key '{k}' is not supported by tshost; ignored",
                        path.display(),
                        v.line
                    )
                } else {
                    format!(
                        "{}:{}: unsupported key '{k}' in SNI config",
                        path.display(),
                        v.line
                    )
                });
            }
            let e = entry(item, config_dir).map_err(|(line, r)| err(line, r))?;
            if e.verify_client.is_none() && (e.ca_file.is_some() || e.ca_dir.is_some()) {
                warnings.push(format!(
                    "{}:{}: verify_client_ca_certs without verify_client has no effect (as in ATS)",
                    path.display(),
                    e.line
                ));
            }
            config.entries.push(e);
        }
        Ok((config, warnings))
    }

    /// Load the file: None when it does not exist (as ATS, a warning says so); warnings are
    /// logged.
    pub fn load(path: &Path, config_dir: &Path) -> Result<Option<SniConfig>, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                crate::debug!(
                    "ssl",
                    "{} does not exist: no per-SNI settings",
                    path.display()
                );
                return Ok(None);
            }
            Err(e) => {
                return Err(ConfigError {
                    path: path.to_path_buf(),
                    line: 0,
                    reason: format!("cannot read: {e}"),
                })
            }
        };
        let (c, warnings) = SniConfig::parse(&text, path, config_dir)?;
        for w in warnings {
            crate::warning!("{w}");
        }
        Ok(Some(c))
    }
}

fn string(n: &Marked, key: &str) -> Result<String, Fail> {
    n.scalar()
        .map(str::to_string)
        .ok_or_else(|| (n.line, format!("'{key}' must be a string")))
}

/// yaml-cpp's booleans.
fn boolean(n: &Marked, key: &str) -> Result<bool, Fail> {
    let s = string(n, key)?;
    match s.to_ascii_lowercase().as_str() {
        "y" | "yes" | "true" | "on" => Ok(true),
        "n" | "no" | "false" | "off" => Ok(false),
        _ => Err((n.line, format!("'{key}': not a boolean: \"{s}\""))),
    }
}

fn one_of(n: &Marked, key: &str, names: &[&str]) -> Result<u8, Fail> {
    let s = string(n, key)?;
    names
        .iter()
        .position(|v| *v == s)
        .map(|i| i as u8)
        .ok_or_else(|| {
            (
                n.line,
                format!("unknown value \"{s}\" for '{key}' ({})", names.join(", ")),
            )
        })
}

fn config_path(dir: &Path, p: String) -> PathBuf {
    if p.starts_with('/') {
        PathBuf::from(p)
    } else {
        dir.join(p)
    }
}

fn entry(item: &Marked, config_dir: &Path) -> Result<SniEntry, Fail> {
    let fqdn = item
        .get("fqdn")
        .ok_or((item.line, "an sni item must have a 'fqdn'".to_string()))?;
    let mut e = SniEntry {
        fqdn: string(fqdn, "fqdn")?.to_ascii_lowercase(),
        line: item.line,
        verify_client: None,
        ca_file: None,
        ca_dir: None,
        tls_versions: None,
        http2: None,
        host_sni_policy: None,
        route: None,
        client_sni_policy: None,
        verify_server_policy: None,
        verify_server_properties: None,
        client_cert: None,
        client_key: None,
    };
    for (key, kind) in [
        ("tunnel_route", RouteKind::Blind),
        ("forward_route", RouteKind::Forward),
        ("partial_blind_route", RouteKind::PartialBlind),
    ] {
        if let Some(n) = item.get(key) {
            let destination = string(n, key)?;
            let port = destination.rsplit_once(':').map(|(_, p)| p);
            if !port.is_some_and(|p| p.parse::<u16>().is_ok_and(|p| p > 0)) {
                return Err((
                    n.line,
                    format!("'{key}' must be HOST:PORT: \"{destination}\""),
                ));
            }
            e.route = Some(Route { kind, destination });
            break;
        }
    }
    if let Some(n) = item.get("verify_server_policy") {
        e.verify_server_policy = Some(one_of(
            n,
            "verify_server_policy",
            &["DISABLED", "PERMISSIVE", "ENFORCED"],
        )?);
    }
    if let Some(n) = item.get("verify_server_properties") {
        e.verify_server_properties = Some(one_of(
            n,
            "verify_server_properties",
            &["NONE", "SIGNATURE", "NAME", "ALL"],
        )?);
    }
    for (key, slot) in [
        ("client_cert", &mut e.client_cert),
        ("client_key", &mut e.client_key),
        ("client_sni_policy", &mut e.client_sni_policy),
    ] {
        if let Some(n) = item.get(key) {
            *slot = Some(string(n, key)?);
        }
    }
    if item.get("disable_h2").is_some() {
        e.http2 = Some(false);
    }
    if let Some(n) = item.get("http2") {
        e.http2 = Some(boolean(n, "http2")?);
    }
    if let Some(n) = item.get("verify_client") {
        e.verify_client = Some(one_of(n, "verify_client", &["NONE", "MODERATE", "STRICT"])?);
    }
    if let Some(n) = item.get("host_sni_policy") {
        e.host_sni_policy = Some(one_of(
            n,
            "host_sni_policy",
            &["DISABLED", "PERMISSIVE", "ENFORCED"],
        )?);
    }
    if let Some(n) = item.get("verify_client_ca_certs") {
        match &n.node {
            Node::Map(keys) => {
                for (k, v) in keys {
                    let slot = match k.as_str() {
                        "file" => &mut e.ca_file,
                        "dir" => &mut e.ca_dir,
                        _ => return Err((v.line, format!("unsupported key {k}"))),
                    };
                    if slot.is_some() {
                        return Err((v.line, format!("duplicate key \"{k}\"")));
                    }
                    *slot = Some(config_path(config_dir, string(v, k)?));
                }
                if e.ca_file.is_none() && e.ca_dir.is_none() {
                    return Err((n.line, "verify_client_ca_certs: no file or dir".into()));
                }
            }
            _ => {
                e.ca_file = Some(config_path(
                    config_dir,
                    string(n, "verify_client_ca_certs")?,
                ))
            }
        }
    }
    if let Some(n) = item.get("valid_tls_versions_in") {
        let Node::Seq(list) = &n.node else {
            return Err((n.line, "'valid_tls_versions_in' must be a list".into()));
        };
        let mut versions = Vec::new();
        for v in list {
            let i = one_of(
                v,
                "valid_tls_versions_in",
                &["TLSv1", "TLSv1_1", "TLSv1_2", "TLSv1_3"],
            )?;
            versions.push(
                [
                    TlsVersion::V1_0,
                    TlsVersion::V1_1,
                    TlsVersion::V1_2,
                    TlsVersion::V1_3,
                ][i as usize],
            );
        }
        e.tls_versions = Some(versions);
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<(SniConfig, Vec<String>), String> {
        SniConfig::parse(text, Path::new("/etc/ts/sni.yaml"), Path::new("/etc/ts"))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn entries_keys_and_first_match() {
        let (c, w) = parse(
            "sni:\n\
             - fqdn: Secure.Example.com\n  verify_client: STRICT\n  verify_client_ca_certs: ca/a.pem\n  host_sni_policy: PERMISSIVE\n\
             - fqdn: '*.example.com'\n  http2: off\n  valid_tls_versions_in: [TLSv1_3]\n\
             - fqdn: other.test\n  verify_client_ca_certs: {file: /x/ca.pem, dir: cadir}\n  verify_client: MODERATE\n  disable_h2: true\n",
        )
        .unwrap();
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(c.entries.len(), 3);
        let s = c.find("secure.example.com").unwrap();
        assert_eq!(
            (s.line, s.verify_client, s.host_sni_policy),
            (2, Some(2), Some(1))
        );
        assert_eq!(s.ca_file.as_deref(), Some(Path::new("/etc/ts/ca/a.pem")));
        let w = c.find("a.b.example.com").unwrap();
        assert_eq!(w.line, 6);
        assert_eq!(w.http2, Some(false));
        assert_eq!(w.tls_versions, Some(vec![TlsVersion::V1_3]));
        assert!(c.find("example.com").is_none());
        let o = c.find("other.test").unwrap();
        assert_eq!(o.ca_file.as_deref(), Some(Path::new("/x/ca.pem")));
        assert_eq!(o.ca_dir.as_deref(), Some(Path::new("/etc/ts/cadir")));
        assert_eq!(o.http2, Some(false));
        assert!(c.find("other.testx").is_none());
        assert_eq!(parse("").unwrap().0.entries.len(), 0);
    }

    #[test]
    fn unsupported_keys_are_named_once() {
        let (c, w) = parse(
            "sni:\n- fqdn: a\n  ip_allow: 1.2.3.4\n  frob: 1\n- fqdn: b\n  ip_allow: 1.2.3.5\n  tunnel_alpn: [h2]\n",
        )
        .unwrap();
        assert_eq!(c.entries.len(), 2);
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(w[0].contains("sni.yaml:3: sni.yaml key 'ip_allow' is not supported"));
        assert!(w[1].contains("sni.yaml:4: unsupported key 'frob' in SNI config"));
        assert!(w[2].contains("sni.yaml:7: sni.yaml key 'tunnel_alpn'"));
        let (_, w) = parse("sni:\n- fqdn: a\n  verify_client_ca_certs: ca.pem\n").unwrap();
        assert!(
            w[0].contains("without verify_client has no effect"),
            "{w:?}"
        );
    }

    #[test]
    fn errors_name_the_file_and_line() {
        for (text, want) in [
            (
                "sni:\n- fqdn: a\n  verify_client: SOMETIMES\n",
                "sni.yaml:3: unknown value \"SOMETIMES\" for 'verify_client'",
            ),
            (
                "sni:\n- fqdn: a\n- verify_client: NONE\n",
                "sni.yaml:3: an sni item must have a 'fqdn'",
            ),
            (
                "sni:\n- fqdn: a\n  valid_tls_versions_in: [TLSv1_2, SSLv3]\n",
                "sni.yaml:3: unknown value \"SSLv3\"",
            ),
            (
                "sni:\n- fqdn: a\n  http2: maybe\n",
                "sni.yaml:3: 'http2': not a boolean",
            ),
            (
                "sni:\n- fqdn: a\n  host_sni_policy: STRICT\n",
                "sni.yaml:3: unknown value \"STRICT\" for 'host_sni_policy'",
            ),
            (
                "sni:\n- fqdn: a\n  verify_client_ca_certs: {file: a, path: b}\n",
                "sni.yaml:3: unsupported key path",
            ),
            ("other: 1\n", "sni.yaml:1: expected a toplevel 'sni' node"),
            ("sni: {fqdn: a}\n", "sni.yaml:1: expected sequence"),
            ("sni:\n- 3\n", "sni.yaml:2: an sni item must be a map"),
            ("sni: [\n", "/etc/ts/sni.yaml:"),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.starts_with("/etc/ts/sni.yaml:"), "{e}");
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }

    #[test]
    fn routes_and_outbound_keys() {
        let (c, w) = parse(
            "sni:\n\
             - fqdn: '*.ok.*.com'\n  tunnel_route: $2.example.$1:4443\n  forward_route: f:1\n\
             - fqdn: fwd.test\n  forward_route: 127.0.0.1:8080\n  client_sni_policy: remap\n\
             - fqdn: pb.test\n  partial_blind_route: o.test:443\n\
             - fqdn: origin.test\n  verify_server_policy: ENFORCED\n  verify_server_properties: NAME\n  client_cert: c.pem\n  client_key: k.pem\n\
             - fqdn: ''\n  tunnel_route: nosni:443\n",
        )
        .unwrap();
        assert!(w.is_empty(), "{w:?}");
        let t = c.find("a.ok.b.com").unwrap();
        // ATS reads tunnel_route first and ignores the others.
        assert_eq!(
            t.route,
            Some(Route {
                kind: RouteKind::Blind,
                destination: "$2.example.$1:4443".into()
            })
        );
        assert_eq!(t.captures("a.ok.b.com"), Some(vec!["a", "b"]));
        let groups = t.captures("x.y.ok.z.com").unwrap();
        assert_eq!(groups, vec!["x.y", "z"], "greedy, as ATS's (.{{0,}})");
        assert_eq!(
            fill_destination("$2.example.$1:4443", &groups),
            "z.example.x.y:4443"
        );
        let f = c.find("fwd.test").unwrap();
        assert_eq!(f.route.as_ref().unwrap().kind, RouteKind::Forward);
        assert_eq!(f.client_sni_policy.as_deref(), Some("remap"));
        let p = c.find("pb.test").unwrap();
        assert_eq!(p.route.as_ref().unwrap().kind, RouteKind::PartialBlind);
        let o = c.find("origin.test").unwrap();
        assert_eq!(
            (o.verify_server_policy, o.verify_server_properties),
            (Some(2), Some(2))
        );
        assert_eq!(
            (o.client_cert.as_deref(), o.client_key.as_deref()),
            (Some("c.pem"), Some("k.pem"))
        );
        assert_eq!(
            c.find("").unwrap().route.as_ref().unwrap().destination,
            "nosni:443"
        );
        let e = parse("sni:\n- fqdn: a\n  tunnel_route: nohost\n").unwrap_err();
        assert!(
            e.contains("sni.yaml:3: 'tunnel_route' must be HOST:PORT"),
            "{e}"
        );
        let e = parse("sni:\n- fqdn: a\n  verify_server_properties: SOME\n").unwrap_err();
        assert!(e.contains("sni.yaml:3: unknown value \"SOME\""), "{e}");
    }

    #[test]
    fn destinations_take_groups_as_ats_does() {
        let g = ["one", "two"];
        assert_eq!(fill_destination("$1.example:443", &g), "one.example:443");
        assert_eq!(fill_destination("$2:443", &g), "two:443");
        assert_eq!(fill_destination("a.$1", &g), "a.one");
        // Not a group number, or one beyond the captures: kept as written.
        assert_eq!(fill_destination("$3.x:1", &g), "$3.x:1");
        assert_eq!(fill_destination("$a.x:1", &g), "$a.x:1");
        assert_eq!(fill_destination("plain:1", &[]), "plain:1");
    }

    #[test]
    fn globs_match_as_ats_regexes() {
        assert!(glob(b"*.example.com", b"a.example.com"));
        assert!(glob(b"*.example.com", b"a.b.example.com"));
        assert!(glob(b"*.example.com", b".example.com"));
        assert!(!glob(b"*.example.com", b"example.com"));
        assert!(glob(b"*.bar.*.com", b"x.bar.y.com"));
        assert!(glob(b"ABC.com", b"abc.COM"));
        assert!(!glob(b"abc.com", b"abc.com.evil"));
    }
}
