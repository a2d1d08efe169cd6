//! `regex_*` rules: the FROM host as a regular expression and the TO host as a template with
//! `$0`..`$9` (ATS's `process_regex_mapping_config` and `_expandSubstitutions`, RemapConfig.cc
//! and UrlRewrite.cc).
//!
//! As ATS: only the host is a regex (scheme, port and path prefix compare as in `map`); the
//! pattern is the FROM host **lower-cased** (ATS compiles the lower-cased host, so `\D` in a rule
//! is `\d`); it is matched against the request's lower-cased host **unanchored** (`b\.test`
//! matches `ab.test.evil`; write `^...$` to anchor); at most 9 capture groups; in the TO host,
//! `$N` is the text of group N (`$0` the whole match, a group that did not take part is empty),
//! and a `$` followed by anything but the number of an existing group is an error (a `$` ending
//! the host is kept).
//!
//! ATS uses PCRE; tshost uses the `regex` crate in byte mode without Unicode (`(?-u)`: `.`,
//! `\d`, `\w` and `(?i)` are ASCII, as PCRE without UTF-8). What PCRE has and `regex` does not
//! (back-references, look-around, possessive quantifiers, `\K`) fails at load with the rule's
//! file:line, where ATS would accept it.
#![forbid(unsafe_code)]

use regex::bytes::Regex;

/// Most groups ATS allows, `$0` included (UrlRewrite::MAX_REGEX_SUBS).
const MAX_SUBS: usize = 10;

/// A compiled host regex and the TO host template it fills.
#[derive(Clone, Debug)]
pub struct HostRegex {
    pub re: Regex,
    /// The TO host cut at each `$N`: literal text, then the group to insert (None after the last).
    parts: Vec<(String, Option<usize>)>,
}

impl PartialEq for HostRegex {
    fn eq(&self, other: &Self) -> bool {
        self.re.as_str() == other.re.as_str() && self.parts == other.parts
    }
}
impl Eq for HostRegex {}

impl HostRegex {
    /// Compile `from_host` (already lower-cased) and read the `$N` of `to_host`.
    pub fn new(from_host: &str, to_host: &str) -> Result<HostRegex, String> {
        let re = Regex::new(&format!("(?-u){from_host}"))
            .map_err(|e| format!("could not process regex mapping config line: {e}"))?;
        // captures_len counts group 0.
        let groups = re.captures_len() - 1;
        if groups >= MAX_SUBS {
            return Err(format!(
                "could not process regex mapping config line: regex has {} capturing subpatterns (including entire regex); Max allowed: {MAX_SUBS}",
                groups + 1
            ));
        }
        let b = to_host.as_bytes();
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'$' && i + 1 < b.len() {
                let id = (b[i + 1] as i32) - (b'0' as i32);
                if id < 0 || id as usize > groups {
                    return Err(format!(
                        "could not process regex mapping config line: substitution id [{}] has no corresponding capture pattern in regex [{from_host}]",
                        b[i + 1] as char
                    ));
                }
                parts.push((std::mem::take(&mut lit), Some(id as usize)));
                i += 2;
            } else {
                lit.push(b[i] as char);
                i += 1;
            }
        }
        parts.push((lit, None));
        Ok(HostRegex { re, parts })
    }

    /// The TO host for a request host (lower-cased), or None when the regex does not match it.
    pub fn expand(&self, host: &str) -> Option<String> {
        let caps = self.re.captures(host.as_bytes())?;
        let mut out = String::with_capacity(host.len() + 16);
        for (lit, group) in &self.parts {
            out.push_str(lit);
            if let Some(m) = group.and_then(|g| caps.get(g)) {
                out.push_str(&String::from_utf8_lossy(m.as_bytes()));
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutes_groups_and_matches_unanchored() {
        // Checked on ATS 9.2: `regex_redirect http://([a-z]+)-(\d+)\.rr\.test:P/
        // http://$2.$1.example.com/p/` sends abc-42.rr.test to 42.abc.example.com, and
        // `(.*)\.rx\.test` matches the host Foo.RX.test.evil (lower-cased, unanchored).
        let r = HostRegex::new(r"([a-z]+)-(\d+)\.rr\.test", "$2.$1.example.com").unwrap();
        assert_eq!(
            r.expand("abc-42.rr.test").as_deref(),
            Some("42.abc.example.com")
        );
        assert_eq!(r.expand("abc.rr.test"), None);
        let r = HostRegex::new(r"(.*)\.rx\.test", "o-$1-$0").unwrap();
        assert_eq!(
            r.expand("foo.rx.test.evil").as_deref(),
            Some("o-foo-foo.rx.test")
        );
        // A group that did not take part is empty; a final '$' is literal.
        let r = HostRegex::new(r"(a)|(b)", "x$2y$").unwrap();
        assert_eq!(r.expand("a").as_deref(), Some("xy$"));
    }

    #[test]
    fn bad_substitutions_and_patterns_are_errors() {
        for (from, to, want) in [
            ("(a)", "$2.x", "substitution id [2]"),
            ("(a)", "$x", "substitution id [x]"),
            ("(a", "x", "could not process regex mapping config line"),
            (
                "(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)",
                "x",
                "regex has 11 capturing subpatterns",
            ),
            (r"(a)\1", "x", "could not process regex"),
        ] {
            let e = HostRegex::new(from, to).unwrap_err();
            assert!(e.contains(want), "{from} {to}: {e}");
        }
    }
}
