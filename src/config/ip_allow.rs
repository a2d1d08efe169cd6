//! ip_allow.yaml: which clients may connect and with which methods, in ATS 9.2's format and
//! with its rules (proxy/IPAllow.cc: `YAMLLoadEntry`, `IpAllow::match`, and
//! `HttpTransact::process_quick_http_filter`).
//!
//! ```yaml
//! ip_allow:
//!   - apply: in                 # required: in (clients) or out (origins)
//!     ip_addrs: 127.0.0.1       # an address, FIRST-LAST, ADDR/BITS, or a list of them
//!     action: allow             # required: allow | deny (lower case, as ATS)
//!     methods: ALL              # one method or a list; ALL (any case) or missing: every method
//!   - apply: in
//!     ip_addrs: [0/0, ::/0]
//!     action: deny
//!     methods: [PURGE, PUSH, DELETE]
//! ```
//!
//! The file is `proxy.config.cache.ip_allow.filename` (default `ip_allow.yaml`) in the
//! configuration directory. A client's rule is the **first** rule whose ranges hold its address
//! (ATS fills an IpMap in file order). A client no rule covers, or whose rule denies every method,
//! is closed at accept without an answer, with the WARNING `client 'IP' prohibited by ip-allow
//! policy`, as ATS (a deny-everything rule is left to the per-request check when some remap rule
//! switched the check off with `.deactivatefilter ip_allow`). Any other client's request whose
//! method the rule does not allow (an `allow` rule not listing it, a `deny` rule listing it) gets
//! `403 Access Denied`, after remap and before a missing rule's 404 or a redirect, as ATS.
//! Methods compare case-insensitively.
//!
//! Differences: `apply: out` rules (origin addresses) are not applied: each is warned about
//! with its line. A missing file allows every client (ATS blocks them all: tshost without
//! ip_allow.yaml behaves as before it read one), with a NOTE. A broken file is an error naming
//! file:line (ATS logs it and blocks every client; on reload it keeps the old table, as tshost).
//! For a TLS port the check is made before the handshake (ATS makes it after).
#![forbid(unsafe_code)]

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use super::records::ConfigError;
use super::remap::acl::IpRange;
use super::yaml::{self, Marked, Node};

/// One `apply: in` rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub ranges: Vec<IpRange>,
    pub deny: bool,
    /// The methods listed; None: ALL (or no `methods`).
    pub methods: Option<Vec<String>>,
    /// Where the rule starts in the file.
    pub line: usize,
}

impl Rule {
    /// Whether the rule lets `method` through.
    pub fn allows(&self, method: &[u8]) -> bool {
        let listed = match &self.methods {
            None => true,
            Some(m) => m.iter().any(|m| m.as_bytes().eq_ignore_ascii_case(method)),
        };
        listed != self.deny
    }

    /// A rule that allows no method at all (ATS's isDenyAll).
    pub fn denies_all(&self) -> bool {
        match &self.methods {
            None => self.deny,
            Some(m) => !self.deny && m.is_empty(),
        }
    }

    fn covers(&self, ip: IpAddr) -> bool {
        self.ranges.iter().any(|r| r.contains(ip))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpAllow {
    pub file: PathBuf,
    /// The `apply: in` rules in file order.
    pub rules: Vec<Rule>,
}

impl IpAllow {
    /// The rule of a client address: the first that covers it.
    pub fn rule_for(&self, ip: IpAddr) -> Option<&Rule> {
        self.rules.iter().find(|r| r.covers(ip))
    }

    /// Whether a client may connect at all (`deny_all_at_accept`: a rule denying every method
    /// closes it too).
    pub fn accepts(&self, ip: IpAddr, deny_all_at_accept: bool) -> bool {
        match self.rule_for(ip) {
            None => false,
            Some(r) => !(deny_all_at_accept && r.denies_all()),
        }
    }

    /// Whether a request of `method` from `ip` may go on (ATS's process_quick_http_filter).
    pub fn allows(&self, ip: IpAddr, method: &[u8]) -> bool {
        self.rule_for(ip).is_some_and(|r| r.allows(method))
    }

    /// Parse the file's text; errors name `path` and the line. Returns the table and warnings.
    pub fn parse(text: &str, path: &Path) -> Result<(IpAllow, Vec<String>), ConfigError> {
        let err = |line: usize, reason: String| ConfigError {
            path: path.to_path_buf(),
            line,
            reason,
        };
        let root = yaml::load(text)
            .map_err(|(line, e)| err(line, format!("Invalid config: {e}")))?
            .ok_or_else(|| err(1, "No entries found".into()))?;
        if !matches!(root.node, Node::Map(_)) {
            return Err(err(root.line, "top level object was not a map".into()));
        }
        let data = root
            .get("ip_allow")
            .ok_or_else(|| err(root.line, "root tag 'ip_allow' not found".into()))?;
        let entries: Vec<&Marked> = match &data.node {
            Node::Seq(items) => items.iter().collect(),
            Node::Map(_) => vec![data],
            _ => {
                return Err(err(
                    data.line,
                    "root tag 'ip_allow' is not an map or sequence".into(),
                ))
            }
        };
        let mut rules = Vec::new();
        let mut warnings = Vec::new();
        let mut any_out = false;
        for e in entries {
            match entry(e).map_err(|(line, r)| err(line, r))? {
                Some(r) => rules.push(r),
                None => {
                    any_out = true;
                    warnings.push(format!(
                        "{}:{}: apply: out rules (origin addresses) are not applied by tshost; rule ignored",
                        path.display(),
                        e.line
                    ));
                }
            }
        }
        if rules.is_empty() && !any_out {
            return Err(err(data.line, "No entries found".into()));
        }
        if rules.is_empty() {
            warnings.push(format!(
                "{}: no apply: in rule: every client will be refused (as ATS)",
                path.display()
            ));
        }
        Ok((
            IpAllow {
                file: path.to_path_buf(),
                rules,
            },
            warnings,
        ))
    }

    /// Load the file: None when it does not exist (a NOTE says every client is allowed);
    /// warnings are logged.
    pub fn load(path: &Path) -> Result<Option<IpAllow>, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                crate::note!(
                    "{} not found: every client allowed (ATS would refuse them all)",
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
        let (t, warnings) = IpAllow::parse(&text, path)?;
        for w in warnings {
            crate::warning!("{w}");
        }
        Ok(Some(t))
    }
}

/// One entry: Some(rule) for `apply: in`, None for `apply: out`.
fn entry(e: &Marked) -> Result<Option<Rule>, (usize, String)> {
    if !matches!(e.node, Node::Map(_)) {
        return Err((e.line, "ACL items must be maps.".into()));
    }
    let apply = e
        .get("apply")
        .ok_or((e.line, "Object must have a \"apply\" key.".into()))?;
    match apply.scalar() {
        Some(v) if v.eq_ignore_ascii_case("in") => {}
        Some(v) if v.eq_ignore_ascii_case("out") => return Ok(None),
        _ => {
            return Err((
                apply.line,
                "\"apply\" value must be \"in\" or \"out\"".into(),
            ))
        }
    }
    let mut ranges = Vec::new();
    if let Some(a) = e.get("ip_addrs") {
        let items: Vec<&Marked> = match &a.node {
            Node::Seq(v) => v.iter().collect(),
            _ => vec![a],
        };
        for n in items {
            let r = n
                .scalar()
                .and_then(|s| IpRange::parse(s.trim(), false))
                .ok_or_else(|| {
                    (
                        n.line,
                        format!("'{}' is not a valid range.", n.scalar().unwrap_or("")),
                    )
                })?;
            ranges.push(r);
        }
    }
    let action = e.get("action").ok_or((
        e.line,
        "item ignored, required 'action' key not found.".into(),
    ))?;
    let deny = match action.scalar() {
        Some("allow") => false,
        Some("deny") => true,
        _ => {
            return Err((
                action.line,
                "item ignored, value for tag 'action' must be 'allow' or 'deny'".into(),
            ))
        }
    };
    let methods = match e.get("methods") {
        None => None,
        Some(m) => {
            let items: Vec<&Marked> = match &m.node {
                Node::Seq(v) => v.iter().collect(),
                Node::Scalar(_) => vec![m],
                _ => {
                    return Err((
                        m.line,
                        "item ignored, value for 'methods' must be a single string or a list of strings."
                            .into(),
                    ))
                }
            };
            let mut list = Vec::new();
            let mut all = false;
            for n in items {
                let s = n.scalar().ok_or((
                    n.line,
                    "item ignored, all values for 'methods' must be strings.".to_string(),
                ))?;
                if s.eq_ignore_ascii_case("ALL") {
                    all = true;
                } else {
                    list.push(s.to_string());
                }
            }
            (!all).then_some(list)
        }
    };
    Ok(Some(Rule {
        ranges,
        deny,
        methods,
        line: e.line,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<(IpAllow, Vec<String>), String> {
        IpAllow::parse(text, Path::new("/etc/ts/ip_allow.yaml")).map_err(|e| e.to_string())
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn debian_default_file() {
        let (t, w) = parse(
            "ip_allow:\n  - apply: in\n    ip_addrs: 127.0.0.1\n    action: allow\n    methods: ALL\n\
             \x20 - apply: in\n    ip_addrs: ::1\n    action: allow\n    methods: ALL\n\
             \x20 - apply: in\n    ip_addrs: 0/0\n    action: deny\n    methods:\n      - PURGE\n      - PUSH\n      - DELETE\n      - TRACE\n\
             \x20 - apply: in\n    ip_addrs: ::/0\n    action: deny\n    methods:\n      - PURGE\n",
        )
        .unwrap();
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(t.rules.len(), 4);
        assert_eq!(t.rules[2].line, 10);
        assert!(t.allows(ip("127.0.0.1"), b"DELETE"));
        assert!(t.allows(ip("10.1.1.1"), b"GET"));
        assert!(!t.allows(ip("10.1.1.1"), b"delete"));
        assert!(!t.allows(ip("2001:db8::1"), b"PURGE"));
        assert!(t.accepts(ip("10.1.1.1"), true));
    }

    #[test]
    fn first_rule_covering_the_address_decides() {
        // Checked on ATS 9.2 (127.0.0.1 deny [POST, FROB]; 127.0.0.2 allow GET; 127.0.0.3 deny;
        // 127.0.0.1-127.0.0.10 allow): 127.0.0.1 GET 200, POST and FROB 403; 127.0.0.2 GET 200,
        // HEAD 403; 127.0.0.3 and 127.0.0.20 closed at accept (no response).
        let (t, _) = parse(
            "ip_allow:\n\
             - {apply: in, ip_addrs: 127.0.0.1, action: deny, methods: [POST, FROB]}\n\
             - {apply: in, ip_addrs: 127.0.0.2, action: allow, methods: GET}\n\
             - {apply: in, ip_addrs: 127.0.0.3, action: deny}\n\
             - {apply: in, ip_addrs: 127.0.0.1-127.0.0.10, action: allow}\n",
        )
        .unwrap();
        assert!(t.allows(ip("127.0.0.1"), b"GET"));
        assert!(!t.allows(ip("127.0.0.1"), b"POST"));
        assert!(!t.allows(ip("127.0.0.1"), b"FROB"));
        assert!(t.allows(ip("127.0.0.2"), b"GET"));
        assert!(!t.allows(ip("127.0.0.2"), b"HEAD"));
        assert!(!t.accepts(ip("127.0.0.3"), true));
        assert!(t.accepts(ip("127.0.0.3"), false));
        assert!(!t.allows(ip("127.0.0.3"), b"GET"));
        assert!(t.accepts(ip("127.0.0.4"), true));
        assert!(!t.accepts(ip("127.0.0.20"), true));
        assert!(!t.accepts(ip("127.0.0.20"), false));
    }

    #[test]
    fn out_rules_are_warned_about_and_errors_name_the_line() {
        let (t, w) = parse(
            "ip_allow:\n  - apply: out\n    ip_addrs: 0/0\n    action: allow\n  - apply: in\n    ip_addrs: 0/0\n    action: allow\n",
        )
        .unwrap();
        assert_eq!(t.rules.len(), 1);
        assert!(w[0].contains("ip_allow.yaml:2: apply: out rules"), "{w:?}");
        for (text, want) in [
            (
                "ip_allow:\n  - apply: in\n    action: maybe\n",
                "3: item ignored, value for tag 'action' must be 'allow' or 'deny'",
            ),
            (
                "ip_allow:\n  - apply: in\n    ip_addrs: [1.2.3.4, 1.2.3]\n    action: allow\n",
                "3: '1.2.3' is not a valid range.",
            ),
            (
                "ip_allow:\n  - ip_addrs: 1.2.3.4\n    action: allow\n",
                "2: Object must have a \"apply\" key.",
            ),
            (
                "ip_allow:\n  - apply: sideways\n    action: allow\n",
                "2: \"apply\" value must be",
            ),
            (
                "ip_allow:\n  - apply: in\n",
                "2: item ignored, required 'action' key not found.",
            ),
            (
                "ip_allow:\n  - apply: in\n    action: allow\n    methods: [GET, [PUT]]\n",
                "4: item ignored, all values for 'methods' must be strings.",
            ),
            ("ip_allow:\n  - 3\n", "2: ACL items must be maps."),
            ("other: 1\n", "1: root tag 'ip_allow' not found"),
            ("- 1\n", "1: top level object was not a map"),
            ("ip_allow: [\n", "Invalid config"),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.starts_with("/etc/ts/ip_allow.yaml:"), "{e}");
            assert!(e.contains(want), "{text:?}: {e}");
        }
        let (t, _) =
            parse("ip_allow:\n  apply: in\n  ip_addrs: 10.0.0.0/8\n  action: allow\n").unwrap();
        assert!(t.allows(ip("10.2.3.4"), b"GET"));
        assert!(!t.accepts(ip("11.0.0.1"), true));
    }
}
