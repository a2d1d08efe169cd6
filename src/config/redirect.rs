//! `proxy.config.http.redirect.actions` as ATS 9.2 reads it (HttpConfig::parse_redirect_actions):
//! what to do with a redirect whose new origin is of an address class: follow it, return the
//! origin's response to the client, or reject the request (403). Classes: `self` (this host's
//! addresses), `private`, `loopback`, `multicast`, `linklocal`, `routable`, `default` (the action
//! for classes not named; `return` unless given).
#![forbid(unsafe_code)]

use std::net::IpAddr;

use crate::util::ipmap::IpMap;

/// What to do with a redirect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Return = 1,
    Reject = 2,
    Follow = 3,
}

/// The parsed setting.
#[derive(Debug)]
pub struct RedirectActions {
    /// The private, loopback, multicast and link-local ranges, each with its action.
    map: IpMap,
    self_action: Action,
    /// Every other address.
    routable: Action,
}

impl Default for RedirectActions {
    /// ATS's default, `routable:follow`.
    fn default() -> Self {
        RedirectActions::parse("routable:follow").expect("the default parses")
    }
}

fn action(s: &str) -> Option<Action> {
    match s {
        "return" => Some(Action::Return),
        "reject" => Some(Action::Reject),
        "follow" => Some(Action::Follow),
        _ => None,
    }
}

const CLASSES: [&str; 7] = [
    "self",
    "private",
    "loopback",
    "multicast",
    "linklocal",
    "routable",
    "default",
];

impl RedirectActions {
    /// Parse `class:action` rules separated by commas or spaces; an error names the bad rule.
    pub fn parse(text: &str) -> Result<RedirectActions, String> {
        let mut given: [Option<Action>; 7] = [None; 7];
        for rule in text.split([',', ' ']).filter(|r| !r.is_empty()) {
            let (c, a) = rule.split_once(':').ok_or_else(|| {
                format!("'{rule}': a rule is an address class and an action separated by a colon")
            })?;
            let ci = CLASSES
                .iter()
                .position(|k| *k == c)
                .ok_or_else(|| format!("'{c}' is not a valid address class"))?;
            given[ci] = Some(action(a).ok_or_else(|| format!("'{a}' is not a valid action"))?);
        }
        let default = given[6].unwrap_or(Action::Return);
        let of = |i: usize| given[i].unwrap_or(default) as usize;
        let ip = |s: &str| s.parse::<IpAddr>().expect("a literal address");
        let mut map = IpMap::default();
        // In ATS's order: the last mark wins; `routable` fills what is left.
        for (lo, hi) in [
            ("10.0.0.0", "10.255.255.255"),
            ("100.64.0.0", "100.127.255.255"),
            ("172.16.0.0", "172.31.255.255"),
            ("192.168.0.0", "192.168.255.255"),
            ("fc00::", "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
        ] {
            map.mark(ip(lo), ip(hi), of(1));
        }
        for (lo, hi) in [("127.0.0.0", "127.255.255.255"), ("::1", "::1")] {
            map.mark(ip(lo), ip(hi), of(2));
        }
        for (lo, hi) in [
            ("224.0.0.0", "239.255.255.255"),
            ("ff00::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
        ] {
            map.mark(ip(lo), ip(hi), of(3));
        }
        for (lo, hi) in [
            ("169.254.0.0", "169.254.255.255"),
            ("fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
        ] {
            map.mark(ip(lo), ip(hi), of(4));
        }
        Ok(RedirectActions {
            map,
            self_action: given[0].unwrap_or(default),
            routable: given[5].unwrap_or(default),
        })
    }

    /// The action for a redirect to `ip` (`is_self`: one of this host's addresses).
    pub fn action(&self, ip: IpAddr, is_self: bool) -> Action {
        if is_self {
            return self.self_action;
        }
        match self.map.find(ip) {
            Some(1) => Action::Return,
            Some(2) => Action::Reject,
            Some(3) => Action::Follow,
            _ => self.routable,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_default_follows_routable_addresses_only() {
        let r = RedirectActions::default();
        assert_eq!(r.action(ip("93.184.216.34"), false), Action::Follow);
        assert_eq!(r.action(ip("127.0.0.1"), false), Action::Return);
        assert_eq!(r.action(ip("10.1.1.1"), false), Action::Return);
        assert_eq!(r.action(ip("fe80::1"), false), Action::Return);
        assert_eq!(r.action(ip("93.184.216.34"), true), Action::Return, "self");
    }

    #[test]
    fn classes_take_their_own_action_and_default_the_rest() {
        let r = RedirectActions::parse("loopback:follow, private:reject,default:follow").unwrap();
        assert_eq!(r.action(ip("127.0.0.1"), false), Action::Follow);
        assert_eq!(r.action(ip("::1"), false), Action::Follow);
        assert_eq!(r.action(ip("192.168.1.1"), false), Action::Reject);
        assert_eq!(r.action(ip("224.0.0.1"), false), Action::Follow);
        assert_eq!(
            r.action(ip("127.0.0.1"), true),
            Action::Follow,
            "self: the default"
        );
        assert!(RedirectActions::parse("loopback")
            .unwrap_err()
            .contains("colon"));
        assert!(RedirectActions::parse("lan:follow")
            .unwrap_err()
            .contains("'lan'"));
        assert!(RedirectActions::parse("self:go")
            .unwrap_err()
            .contains("'go'"));
    }
}
