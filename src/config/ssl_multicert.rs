//! ssl_multicert.config: the server certificates, in ATS 9.2's format
//! (`SSLMultiCertConfigLoader::load` and `ssl_extract_certificate`, iocore/net/SSLUtils.cc, with
//! the line tokenizer `parseConfigLine`, src/tscore/MatcherUtils.cc).
//!
//! One certificate per line, as `label=value` pairs separated by whitespace; labels are
//! case-insensitive; a value may be double-quoted (`\` escapes the next character inside quotes).
//! Leading whitespace is skipped; lines starting with `#` and blank lines are ignored; there are no
//! continuation lines. Labels:
//!
//! * `ssl_cert_name=FILE[,FILE...]`: the certificate (PEM, optionally followed by its chain). ATS
//!   takes several comma-separated files as alternative certificates for the same names (RSA and
//!   ECDSA); tshost uses the first one and warns about the others. Relative paths are relative to
//!   `proxy.config.ssl.server.cert.path`.
//! * `ssl_key_name=FILE[,FILE...]`: the private key (one per certificate; relative to
//!   `proxy.config.ssl.server.private_key.path`). Without it the key is read from the certificate
//!   file.
//! * `dest_ip=*|ADDR`: `*` makes the certificate the default one; an IPv4 or IPv6 address (IPv6
//!   optionally in brackets) selects it for connections to that local address. Without `dest_ip`
//!   the certificate is chosen by the names it carries (SNI).
//! * `ssl_ca_name`, `ssl_ocsp_name`, `ssl_ticket_enabled`, `ssl_ticket_number`, `ssl_key_dialog`,
//!   `dest_fqdn`: not supported yet: warned about once each and ignored. `action=tunnel` lines
//!   (no certificate: blind tunnel) are not supported: warned about and skipped. Labels ATS does not
//!   know are warned about once each and ignored (ATS ignores them silently).
//!
//! ATS discards a malformed line with a warning and keeps loading; tshost refuses the file: a
//! malformed line, a line without `ssl_cert_name`, an unknown `action`, an invalid `dest_ip`, or
//! certificate and key lists of different lengths are [`ConfigError`]s naming the file and line. A
//! missing file is an empty list (ATS: a warning).
#![forbid(unsafe_code)]

use std::net::IpAddr;
use std::path::{Path, PathBuf};

pub use super::records::ConfigError;

/// `dest_ip`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DestIp {
    /// `*`: the default certificate.
    Any,
    Addr(IpAddr),
}

/// One certificate line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertSpec {
    /// None: selected by name (SNI) only.
    pub dest_ip: Option<DestIp>,
    /// The certificate file (the first of `ssl_cert_name`), resolved against the cert directory.
    pub cert: PathBuf,
    /// Its private key file, resolved against the key directory; None: in `cert`.
    pub key: Option<PathBuf>,
    /// Line number in the file (from 1).
    pub line: usize,
}

const UNSUPPORTED: &[(&str, &str)] = &[
    ("ssl_ca_name", "per-certificate CA chain"),
    ("ssl_ocsp_name", "OCSP stapling response"),
    (
        "ssl_ticket_enabled",
        "per-certificate session ticket setting",
    ),
    ("ssl_ticket_number", "per-certificate session ticket count"),
    ("ssl_key_dialog", "passphrase dialog for encrypted keys"),
    ("dest_fqdn", "server name"),
];

/// `parseConfigLine`: the `label=value` pairs of a line (labels as written).
fn pairs(line: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut rest = line;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
        if rest.is_empty() {
            return Ok(out);
        }
        let Some(eq) = rest.find('=') else {
            return Err(format!("malformed entry: '{}' has no '='", rest.trim_end()));
        };
        let label = rest[..eq].to_string();
        rest = &rest[eq + 1..];
        let mut value = String::new();
        if let Some(q) = rest.strip_prefix('"') {
            let mut chars = q.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => match chars.next() {
                        Some((_, e)) => value.push(e),
                        None => break,
                    },
                    '"' => {
                        end = Some(i + 1);
                        break;
                    }
                    c => value.push(c),
                }
            }
            let Some(end) = end else {
                return Err(format!(
                    "malformed entry: unterminated quote in the value of '{label}'"
                ));
            };
            rest = &q[end..];
        } else {
            let end = rest
                .find(|c: char| c.is_ascii_whitespace())
                .unwrap_or(rest.len());
            value = rest[..end].to_string();
            rest = &rest[end..];
            if value.bytes().any(|b| !(0x20..0x7f).contains(&b)) {
                return Err(format!(
                    "unrecognized encoding in the value of '{label}' (non-ASCII characters must be quoted)"
                ));
            }
        }
        out.push((label, value));
    }
}

/// A comma-separated list (`SimpleTokenizer`): empty elements dropped.
fn list(v: &str) -> Vec<&str> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// `Layout::relative_to`: absolute paths as they are, others under `dir`.
fn under(dir: &Path, name: &str) -> PathBuf {
    let p = Path::new(name);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        dir.join(p)
    }
}

fn parse_dest_ip(v: &str) -> Option<DestIp> {
    if v == "*" {
        return Some(DestIp::Any);
    }
    let inner = v
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(v);
    inner.parse().ok().map(DestIp::Addr)
}

/// Parse the text of an ssl_multicert.config; errors name `path`. Returns the certificates and
/// the warnings (once per label).
pub fn parse(
    text: &str,
    path: &Path,
    cert_dir: &Path,
    key_dir: &Path,
) -> Result<(Vec<CertSpec>, Vec<String>), ConfigError> {
    let mut certs = Vec::new();
    let mut warnings = Vec::new();
    let mut warned: Vec<String> = Vec::new();
    let file = path.display().to_string();
    for (idx, raw) in text.split('\n').enumerate() {
        let line = idx + 1;
        let err = |reason: String| ConfigError {
            path: path.to_path_buf(),
            line,
            reason,
        };
        let l = raw.trim_start_matches(|c: char| c.is_ascii_whitespace());
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let mut warn_once = |key: &str, msg: String| {
            if !warned.iter().any(|w| w == key) {
                warned.push(key.to_string());
                warnings.push(msg);
            }
        };
        let mut dest_ip = None;
        let mut cert_names = None;
        let mut key_names = None;
        let mut tunnel = false;
        for (label, value) in pairs(l).map_err(err)? {
            let lower = label.to_ascii_lowercase();
            match lower.as_str() {
                "dest_ip" => {
                    dest_ip = Some(parse_dest_ip(&value).ok_or_else(|| {
                        err(format!(
                            "'{value}' is not a valid IPv4 or IPv6 address (dest_ip)"
                        ))
                    })?)
                }
                "ssl_cert_name" => cert_names = Some(value),
                "ssl_key_name" => key_names = Some(value),
                "action" => {
                    if value.eq_ignore_ascii_case("tunnel") {
                        tunnel = true;
                    } else {
                        return Err(err(format!(
                            "unrecognized action '{value}' (only 'tunnel' exists)"
                        )));
                    }
                }
                other => match UNSUPPORTED.iter().find(|(n, _)| *n == other) {
                    Some((n, what)) => warn_once(
                        n,
                        format!(
                            "{file}:{line}: {n} ({what}) is not supported by tshost yet; ignored"
                        ),
                    ),
                    None => warn_once(
                        &lower,
                        format!("{file}:{line}: unknown label '{label}'; ignored"),
                    ),
                },
            }
        }
        if tunnel {
            warn_once(
                "action=tunnel",
                format!("{file}:{line}: action=tunnel (blind tunnel for this address) is not supported by tshost yet; line skipped"),
            );
            continue;
        }
        let Some(cert_names) = cert_names else {
            return Err(err(
                "no ssl_cert_name specified and no tunnel action set".into()
            ));
        };
        let cert_list = list(&cert_names);
        let Some(first) = cert_list.first() else {
            return Err(err("empty ssl_cert_name".into()));
        };
        let key_list = key_names.as_deref().map(list);
        if let Some(k) = &key_list {
            if k.len() != cert_list.len() {
                return Err(err(format!(
                    "the number of certificates in ssl_cert_name ({}) and ssl_key_name ({}) do not match",
                    cert_list.len(),
                    k.len()
                )));
            }
        }
        if cert_list.len() > 1 {
            warn_once(
                "dual certificates",
                format!(
                    "{file}:{line}: ssl_cert_name lists {} certificates; tshost uses the first ({first}) only for now",
                    cert_list.len()
                ),
            );
        }
        certs.push(CertSpec {
            dest_ip,
            cert: under(cert_dir, first),
            key: key_list.map(|k| under(key_dir, k[0])),
            line,
        });
    }
    Ok((certs, warnings))
}

/// Load ssl_multicert.config from `path` (missing: no certificates), resolving certificate paths
/// against `cert_dir` and key paths against `key_dir`; warnings are logged.
pub fn load(path: &Path, cert_dir: &Path, key_dir: &Path) -> Result<Vec<CertSpec>, ConfigError> {
    let text = match std::fs::read(path) {
        Ok(b) => String::from_utf8(b).map_err(|e| {
            let bytes = e.as_bytes();
            let valid = e.utf8_error().valid_up_to();
            ConfigError {
                path: path.to_path_buf(),
                line: 1 + bytes[..valid].iter().filter(|&&c| c == b'\n').count(),
                reason: "invalid UTF-8".into(),
            }
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(ConfigError {
                path: path.to_path_buf(),
                line: 0,
                reason: format!("cannot read: {e}"),
            })
        }
    };
    let (certs, warnings) = parse(&text, path, cert_dir, key_dir)?;
    for w in warnings {
        crate::warning!("{w}");
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Result<(Vec<CertSpec>, Vec<String>), ConfigError> {
        parse(
            text,
            Path::new("/etc/ts/ssl_multicert.config"),
            Path::new("/certs"),
            Path::new("/keys"),
        )
    }

    fn err(text: &str) -> String {
        run(text).unwrap_err().to_string()
    }

    #[test]
    fn typical_lines() {
        let (c, w) = run(
            "# comment\n\n  dest_ip=* ssl_cert_name=default.pem ssl_key_name=default.key\n\
             ssl_cert_name=/abs/a.pem\n\
             DEST_IP=192.0.2.1 SSL_CERT_NAME=b.pem\n\
             dest_ip=[2001:db8::1] ssl_cert_name=c.pem\tssl_key_name=/abs/c.key\n\
             dest_ip=2001:db8::2 ssl_cert_name=d.pem\n",
        )
        .unwrap();
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(
            c[0],
            CertSpec {
                dest_ip: Some(DestIp::Any),
                cert: "/certs/default.pem".into(),
                key: Some("/keys/default.key".into()),
                line: 3
            }
        );
        assert_eq!(c[1].dest_ip, None);
        assert_eq!(c[1].cert, PathBuf::from("/abs/a.pem"));
        assert_eq!(c[1].key, None);
        assert_eq!(c[1].line, 4);
        assert_eq!(
            c[2].dest_ip,
            Some(DestIp::Addr("192.0.2.1".parse().unwrap()))
        );
        assert_eq!(
            c[3].dest_ip,
            Some(DestIp::Addr("2001:db8::1".parse().unwrap()))
        );
        assert_eq!(c[3].key, Some(PathBuf::from("/abs/c.key")));
        assert_eq!(
            c[4].dest_ip,
            Some(DestIp::Addr("2001:db8::2".parse().unwrap()))
        );
        assert_eq!(c.len(), 5);
    }

    #[test]
    fn quoted_values() {
        let (c, _) = run(r#"ssl_cert_name="my certs/a \"x\".pem" ssl_key_name="k.key""#).unwrap();
        assert_eq!(c[0].cert, PathBuf::from(r#"/certs/my certs/a "x".pem"#));
        assert_eq!(c[0].key, Some(PathBuf::from("/keys/k.key")));
    }

    #[test]
    fn dual_certificates_use_the_first_and_warn() {
        let (c, w) =
            run("ssl_cert_name=rsa.pem,ecdsa.pem ssl_key_name=rsa.key,ecdsa.key\n").unwrap();
        assert_eq!(c[0].cert, PathBuf::from("/certs/rsa.pem"));
        assert_eq!(c[0].key, Some(PathBuf::from("/keys/rsa.key")));
        assert_eq!(w.len(), 1);
        assert!(
            w[0].contains("ssl_multicert.config:1: ssl_cert_name lists 2 certificates"),
            "{w:?}"
        );
    }

    #[test]
    fn unsupported_and_unknown_labels_warn_once() {
        let (c, w) = run(
            "ssl_cert_name=a.pem ssl_ca_name=ca.pem ssl_key_dialog=builtin\n\
             ssl_cert_name=b.pem ssl_ca_name=ca2.pem Frobnicate=1 ssl_ticket_enabled=0\n\
             ssl_cert_name=c.pem frobnicate=2 action=TUNNEL\n",
        )
        .unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(w.len(), 5, "{w:?}");
        assert!(
            w[0].contains(":1: ssl_ca_name (per-certificate CA chain) is not supported"),
            "{w:?}"
        );
        assert!(w[1].contains(":1: ssl_key_dialog"), "{w:?}");
        assert!(w[2].contains(":2: unknown label 'Frobnicate'"), "{w:?}");
        assert!(w[3].contains(":2: ssl_ticket_enabled"), "{w:?}");
        assert!(w[4].contains(":3: action=tunnel"), "{w:?}");
    }

    #[test]
    fn tunnel_without_certificate_is_skipped() {
        let (c, w) = run("dest_ip=192.0.2.9 action=tunnel\n").unwrap();
        assert!(c.is_empty());
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn errors_name_file_and_line() {
        assert_eq!(
            err("\n dest_ip=*\n"),
            "/etc/ts/ssl_multicert.config:2: no ssl_cert_name specified and no tunnel action set"
        );
        assert_eq!(
            err("ssl_cert_name=a.pem action=deny"),
            "/etc/ts/ssl_multicert.config:1: unrecognized action 'deny' (only 'tunnel' exists)"
        );
        assert_eq!(
            err("ssl_cert_name=a.pem dest_ip=1.2.3"),
            "/etc/ts/ssl_multicert.config:1: '1.2.3' is not a valid IPv4 or IPv6 address (dest_ip)"
        );
        assert_eq!(
            err("ssl_cert_name=a.pem,b.pem ssl_key_name=a.key"),
            "/etc/ts/ssl_multicert.config:1: the number of certificates in ssl_cert_name (2) and ssl_key_name (1) do not match"
        );
        assert!(err("ssl_cert_name=a.pem junk").contains(":1: malformed entry: 'junk' has no '='"));
        assert!(err("ssl_cert_name=\"a.pem").contains(":1: malformed entry: unterminated quote"));
        assert!(err("ssl_cert_name=caf\u{e9}.pem").contains(":1: unrecognized encoding"));
        assert!(err("ssl_cert_name=,").contains(":1: empty ssl_cert_name"));
    }

    #[test]
    fn load_missing_file_is_empty_and_reads_files() {
        let d = std::env::temp_dir().join(format!("tshost-multicert-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        assert_eq!(
            load(&d.join("none.config"), &d, &d).unwrap(),
            Vec::<CertSpec>::new()
        );
        let f = d.join("ssl_multicert.config");
        std::fs::write(&f, "dest_ip=* ssl_cert_name=x.pem\r\n").unwrap();
        let c = load(&f, Path::new("/c"), Path::new("/k")).unwrap();
        assert_eq!(c[0].cert, PathBuf::from("/c/x.pem"));
        std::fs::write(&f, b"# ok\nssl_cert_name=\xff\n").unwrap();
        let e = load(&f, &d, &d).unwrap_err();
        assert_eq!((e.line, e.reason.as_str()), (2, "invalid UTF-8"));
        let _ = std::fs::remove_dir_all(&d);
    }
}
