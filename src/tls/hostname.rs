//! The name check of an origin's certificate as ATS 9.2.9 makes it (tscore's
//! X509HostnameValidator: OpenSSL's rules for host names, with `_` allowed in what a wildcard
//! matches). tshost lets OpenSSL check the name first; where OpenSSL finds no match, the
//! certificate's DNS names (its common name when it has none) are matched again here, so that a
//! name such as `foo_bar.wild.com` matches `*.wild.com` on tshost as on ATS.
#![forbid(unsafe_code)]

use openssl::nid::Nid;
use openssl::x509::X509Ref;

/// Whether the certificate names `host` by ATS's rules.
pub fn certificate_names(cert: &X509Ref, host: &str) -> bool {
    let dns: Vec<String> = cert
        .subject_alt_names()
        .map(|names| {
            names
                .iter()
                .filter_map(|n| n.dnsname().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if !dns.is_empty() {
        return dns.iter().any(|p| matches(p.as_bytes(), host.as_bytes()));
    }
    cert.subject_name()
        .entries_by_nid(Nid::COMMONNAME)
        .filter_map(|e| {
            std::str::from_utf8(e.data().as_slice())
                .ok()
                .map(str::to_string)
        })
        .any(|cn| matches(cn.as_bytes(), host.as_bytes()))
}

/// One pattern against one host name: equal ignoring ASCII case, or a valid wildcard pattern
/// whose `*` stands for one or more of `[A-Za-z0-9_-]` (no dot) in the first label.
pub fn matches(pattern: &[u8], subject: &[u8]) -> bool {
    if pattern.eq_ignore_ascii_case(subject) {
        return true;
    }
    let Some(star) = wildcard(pattern, subject) else {
        return false;
    };
    // A subject starting with '.' never matches a wildcard (ATS, OpenSSL).
    if subject.len() <= 5 || subject[0] == b'.' {
        return false;
    }
    let (prefix, suffix) = (&pattern[..star], &pattern[star + 1..]);
    if subject.len() < prefix.len() + suffix.len() {
        return false;
    }
    let (head, rest) = subject.split_at(prefix.len());
    let (middle, tail) = rest.split_at(rest.len() - suffix.len());
    if !head.eq_ignore_ascii_case(prefix) || !tail.eq_ignore_ascii_case(suffix) {
        return false;
    }
    // A whole-label wildcard matches at least one character.
    if prefix.is_empty() && suffix.first() == Some(&b'.') && middle.is_empty() {
        return false;
    }
    middle == b"*"
        || middle
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
}

/// Where the pattern's one valid wildcard is: in its first label, at that label's start or end,
/// with at least two labels after it; not in an IDNA (`xn--`) label unless it is the whole label.
fn wildcard(pattern: &[u8], subject: &[u8]) -> Option<usize> {
    let first_dot = pattern.iter().position(|c| *c == b'.')?;
    let last_dot = pattern.iter().rposition(|c| *c == b'.')?;
    if last_dot == first_dot || pattern.iter().filter(|c| **c == b'*').count() != 1 {
        return None;
    }
    let star = pattern.iter().position(|c| *c == b'*')?;
    if star >= first_dot || (star != 0 && star + 1 != first_dot) {
        return None;
    }
    let idna = subject.len() > 4 && subject[..4].eq_ignore_ascii_case(b"xn--");
    if idna && !(star == 0 && first_dot == 1) {
        return None;
    }
    Some(star)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_one_label_with_underscores_as_ats() {
        assert!(matches(b"*.wild.com", b"foo.wild.com"));
        assert!(matches(b"*.wild.com", b"foo_bar.wild.com"));
        assert!(matches(b"*.wild.com", b"FOO-1.Wild.COM"));
        assert!(!matches(b"*.wild.com", b"a.b.wild.com"));
        assert!(!matches(b"*.wild.com", b"wild.com"));
        assert!(!matches(b"*.wild.com", b".wild.com"));
        assert!(
            !matches(b"*.com", b"foo.com"),
            "two labels after the wildcard"
        );
        assert!(
            matches(b"f*.wild.com", b"foo.wild.com"),
            "partial wildcards"
        );
        assert!(!matches(b"f*o.wild.com", b"foo.wild.com"), "not mid-label");
        assert!(!matches(b"a.*.com", b"a.b.com"), "first label only");
        assert!(matches(b"*.wild.com", b"xn--bcher-kva.wild.com"));
        assert!(
            !matches(b"x*.wild.com", b"xn--bcher-kva.wild.com"),
            "IDNA: whole label only"
        );
        assert!(matches(b"Exact.Example.com", b"exact.example.COM"));
        assert!(!matches(b"exact.example.com", b"exact.example.co"));
    }
}
