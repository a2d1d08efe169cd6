//! [`Url`]: a URL as ATS's `URLImpl` keeps it (proxy/hdrs/URL.cc), parsed and printed the same
//! way: the path is stored without its leading slashes, the port both as written and as a
//! number, a well-known scheme interned.
#![forbid(unsafe_code)]

use super::text::{non_empty, HStr};
use super::tokens::{self, Kind};

/// ATS's `URL_TYPE_*`: what the scheme makes of the URL (it decides the default port and the
/// scheme reported when none is written).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UrlType {
    #[default]
    None,
    Http,
    Https,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Url {
    /// As written (printed this way).
    scheme: Option<HStr>,
    /// The well-known string of the scheme, if it is one (reported instead of `scheme`).
    scheme_wks: Option<usize>,
    url_type: UrlType,
    user: Option<HStr>,
    password: Option<HStr>,
    host: Option<HStr>,
    port_text: Option<HStr>,
    /// The explicit port (0: none).
    port: u16,
    /// Without the leading slashes.
    path: Option<HStr>,
    /// The URL had no path at all, not even "/" (`http://h?q`): printed without a slash.
    path_is_empty: bool,
    params: Option<HStr>,
    query: Option<HStr>,
    fragment: Option<HStr>,
}

/// The parts of a URL a C plugin reads as (pointer, length).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The scheme as written (TSUrlRawSchemeGet).
    RawScheme,
    User,
    Password,
    Host,
    Path,
    Params,
    Query,
    Fragment,
}

const MAX_COLON: usize = 8;

fn is_host_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'[' | b']' | b'_' | b':' | b'~' | b'%')
}

fn valid_scheme(s: &[u8]) -> bool {
    !s.is_empty()
        && s[0].is_ascii_alphabetic()
        && s.iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
}

impl Url {
    /// Parse a request target or URL as ATS's `url_parse` does: origin-form `/p;x?q#f`,
    /// absolute-form `http://user:pw@h:8080/p?q`, authority-form `h:443`, and `*` (which ATS
    /// itself rejects; here it is a URL with path `*` and no slash). None where ATS's parser
    /// fails (an invalid scheme or host character, a colon without a port, ...).
    pub fn parse(target: &[u8]) -> Option<Url> {
        if target == b"*" {
            return Some(Url {
                path: Some(HStr::new(b"*")),
                path_is_empty: true,
                ..Url::default()
            });
        }
        let mut u = Url::default();
        let t = target;
        let end = t.len();

        // url_parse_scheme
        let mut cur = 0;
        while cur < end && t[cur] == b' ' {
            cur += 1;
        }
        if cur >= end {
            return None;
        }
        let mut start = cur;
        if t[cur] != b'/' {
            let scheme_start = cur;
            while cur < end && t[cur] != b':' {
                cur += 1;
            }
            if cur + 2 < end && t[cur + 1] == b'/' && t[cur + 2] == b'/' {
                let scheme = &t[scheme_start..cur];
                let wks = tokens::lookup(scheme);
                let known =
                    matches!(wks, Some(i) if i > 0 && tokens::token(i).kind == Kind::Scheme);
                if !known && !valid_scheme(scheme) {
                    return None;
                }
                u.set_scheme_wks(Some(scheme), wks);
                start = cur;
            }
        }

        // url_parse_internet
        let mut cur = start;
        if end - cur > 3 && &t[cur..cur + 3] == b"://" {
            cur += 3;
        } else if cur < end && t[cur] == b':' {
            cur += 1;
            if cur >= end {
                return None;
            }
            if t[cur] == b'/' {
                cur += 1;
                if cur >= end {
                    return None;
                }
                if t[cur] == b'/' {
                    cur += 1;
                    if cur >= end {
                        return None;
                    }
                }
            }
        }
        let mut base = cur;
        let mut aend = end;
        let mut bracket: Option<usize> = None;
        let mut n_colon = 0;
        let mut last_colon: Option<usize> = None;
        let mut user: Option<(usize, usize)> = None;
        let mut passw: Option<(usize, usize)> = None;
        let mut host: Option<(usize, usize)> = None;
        while cur < aend {
            match t[cur] {
                b']' => {
                    let b = bracket?;
                    if n_colon >= MAX_COLON {
                        return None;
                    }
                    cur += 1;
                    host = Some((b, cur));
                    if cur >= aend || t[cur] == b'/' {
                        last_colon = None;
                    } else if t[cur] != b':' {
                        return None;
                    } else {
                        n_colon = MAX_COLON;
                        last_colon = Some(cur);
                        cur += 1;
                    }
                }
                b':' => {
                    n_colon += 1;
                    if n_colon > MAX_COLON {
                        return None;
                    }
                    last_colon = Some(cur);
                    cur += 1;
                }
                b'@' => {
                    if user.is_some() || n_colon > 1 {
                        return None;
                    }
                    match last_colon.filter(|_| n_colon > 0) {
                        Some(lc) => {
                            user = Some((base, lc));
                            passw = Some((lc + 1, cur));
                            n_colon = 0;
                            last_colon = None;
                        }
                        None => user = Some((base, cur)),
                    }
                    cur += 1;
                    base = cur;
                }
                b'[' => {
                    if bracket.is_some() || base != cur {
                        return None;
                    }
                    bracket = Some(cur);
                    cur += 1;
                }
                b'/' | b'?' | b'#' => aend = cur,
                _ => cur += 1,
            }
        }
        if let Some((s, e)) = user {
            u.user = non_empty(&t[s..e]);
            if let Some((s, e)) = passw {
                u.password = non_empty(&t[s..e]);
            }
        }
        let (hs, he) = match host {
            Some(h) => h,
            None => match last_colon {
                Some(lc) if n_colon == 1 || n_colon == MAX_COLON => (base, lc),
                _ => {
                    last_colon = None;
                    (base, cur)
                }
            },
        };
        if he > hs {
            if !t[hs..he].iter().all(|&c| is_host_char(c)) {
                return None;
            }
            u.host = non_empty(&t[hs..he]);
        }
        if let Some(lc) = last_colon {
            if lc + 1 >= cur {
                return None;
            }
            u.set_port_text(&t[lc + 1..cur]);
        }

        // url_parse_http
        if cur == end {
            return Some(u);
        }
        let path_start = (t[cur] == b'/').then_some(cur);
        let mut path_end = None;
        let (mut params, mut query, mut fragment) = (None, None, None);
        // The part being scanned and where it started.
        let mut in_part = 0u8; // 0 path, 1 params, 2 query, 3 fragment
        let mut part_start = cur;
        while cur < end {
            let c = t[cur];
            let next = match (in_part, c) {
                (0, b';') => Some(1),
                (0 | 1, b'?') => Some(2),
                (0..=2, b'#') => Some(3),
                _ => None,
            };
            if let Some(n) = next {
                match in_part {
                    0 => path_end = Some(cur),
                    1 => params = Some((part_start, cur)),
                    2 => query = Some((part_start, cur)),
                    _ => {}
                }
                in_part = n;
                part_start = cur + 1;
            }
            cur += 1;
        }
        match in_part {
            1 => params = Some((part_start, end)),
            2 => query = Some((part_start, end)),
            3 => fragment = Some((part_start, end)),
            _ => {}
        }
        match path_start {
            Some(ps) => {
                let pe = path_end.unwrap_or(end);
                if ps == pe {
                    u.path_is_empty = true;
                } else {
                    let mut s = ps;
                    while s < pe && t[s] == b'/' {
                        s += 1;
                    }
                    u.path = non_empty(&t[s..pe]);
                }
            }
            None => u.path_is_empty = true,
        }
        u.params = params.map(|(s, e)| HStr::new(&t[s..e]));
        u.query = query.map(|(s, e)| HStr::new(&t[s..e]));
        u.fragment = fragment.map(|(s, e)| HStr::new(&t[s..e]));
        Some(u)
    }

    // ---------------------------------------------------------------------------------------
    // Reading

    /// The scheme as ATS reports it: the canonical spelling of a well-known scheme (`HTTP` reads
    /// as `http`), else as written; None if the URL has none (see [`Url::effective_scheme`]).
    pub fn scheme(&self) -> Option<&[u8]> {
        match self.scheme_wks {
            Some(i) => Some(tokens::token(i).text()),
            None => self.scheme.as_ref().map(HStr::as_bytes),
        }
    }

    /// The scheme, else the one implied by the URL's type (`http`/`https`), as TSUrlSchemeGet.
    pub fn effective_scheme(&self) -> Option<&'static [u8]> {
        if let Some(i) = self.scheme_wks {
            return Some(tokens::token(i).text());
        }
        match self.url_type {
            UrlType::Http => Some(b"http"),
            UrlType::Https => Some(b"https"),
            UrlType::None => None,
        }
    }

    pub fn url_type(&self) -> UrlType {
        self.url_type
    }

    pub fn user(&self) -> Option<&[u8]> {
        self.user.as_ref().map(HStr::as_bytes)
    }

    pub fn password(&self) -> Option<&[u8]> {
        self.password.as_ref().map(HStr::as_bytes)
    }

    pub fn host(&self) -> Option<&[u8]> {
        self.host.as_ref().map(HStr::as_bytes)
    }

    /// The port written in the URL, if any.
    pub fn port(&self) -> Option<u16> {
        (self.port != 0).then_some(self.port)
    }

    /// The port, else the default of the URL's type (80, 443), else 0 (TSUrlPortGet).
    pub fn port_or_default(&self) -> u16 {
        match (self.port, self.url_type) {
            (0, UrlType::Http) => 80,
            (0, UrlType::Https) => 443,
            (p, _) => p,
        }
    }

    /// The path without its leading slash (empty if none).
    pub fn path(&self) -> &[u8] {
        self.path.as_ref().map(HStr::as_bytes).unwrap_or_default()
    }

    pub fn params(&self) -> Option<&[u8]> {
        self.params.as_ref().map(HStr::as_bytes)
    }

    pub fn query(&self) -> Option<&[u8]> {
        self.query.as_ref().map(HStr::as_bytes)
    }

    pub fn fragment(&self) -> Option<&[u8]> {
        self.fragment.as_ref().map(HStr::as_bytes)
    }

    /// The stored string of a part (for C: a stable pointer and its length).
    pub(crate) fn part(&self, p: Part) -> Option<&HStr> {
        match p {
            Part::RawScheme => self.scheme.as_ref(),
            Part::User => self.user.as_ref(),
            Part::Password => self.password.as_ref(),
            Part::Host => self.host.as_ref(),
            Part::Path => self.path.as_ref(),
            Part::Params => self.params.as_ref(),
            Part::Query => self.query.as_ref(),
            Part::Fragment => self.fragment.as_ref(),
        }
    }

    /// The interned well-known scheme, if the scheme is one.
    pub(crate) fn scheme_wks(&self) -> Option<usize> {
        self.scheme_wks
    }

    // ---------------------------------------------------------------------------------------
    // Writing

    fn set_scheme_wks(&mut self, scheme: Option<&[u8]>, wks: Option<usize>) {
        // A scheme spelled as its well-known string is that string (no copy).
        self.scheme = scheme
            .filter(|s| !s.is_empty())
            .map(|s| HStr::known_or_new(s, wks));
        self.scheme_wks = if self.scheme.is_some() { wks } else { None };
        let known = self.scheme_wks.map(|i| tokens::token(i).text());
        // As ATS's URLImpl::set_scheme: any scheme (or none) makes an HTTP URL, https/wss HTTPS.
        self.url_type = match known {
            Some(b"https") | Some(b"wss") => UrlType::Https,
            _ => UrlType::Http,
        };
    }

    /// Set (or with None or "" remove) the scheme; as in ATS this also makes the URL an HTTP
    /// (or, for https/wss, HTTPS) URL.
    pub fn set_scheme(&mut self, scheme: Option<&[u8]>) {
        let wks = scheme.and_then(tokens::lookup);
        self.set_scheme_wks(scheme, wks);
    }

    pub fn set_user(&mut self, user: Option<&[u8]>) {
        self.user = user.and_then(non_empty);
    }

    pub fn set_password(&mut self, password: Option<&[u8]>) {
        self.password = password.and_then(non_empty);
    }

    pub fn set_host(&mut self, host: Option<&[u8]>) {
        self.host = host.and_then(non_empty);
    }

    /// Set the host to a string made before (shared, not copied); an empty one removes it.
    pub fn set_host_hstr(&mut self, host: HStr) {
        self.host = (!host.is_empty()).then_some(host);
    }

    /// Set (or with None or 0 remove) the explicit port.
    pub fn set_port(&mut self, port: Option<u16>) {
        match port.filter(|p| *p != 0) {
            Some(p) => {
                self.port_text = Some(HStr::new(super::text::Dec::new(p.into()).as_bytes()));
                self.port = p;
            }
            None => {
                self.port_text = None;
                self.port = 0;
            }
        }
    }

    /// Set the explicit port with its text made before (shared, not copied): `text` must be
    /// `port` in decimal. Port 0 removes it.
    pub fn set_port_hstr(&mut self, port: u16, text: HStr) {
        debug_assert_eq!(
            text.as_bytes(),
            super::text::Dec::new(port.into()).as_bytes()
        );
        if port == 0 {
            self.set_port(None);
            return;
        }
        self.port_text = Some(text);
        self.port = port;
    }

    /// The port as written: the number is its leading digits (as ATS's).
    fn set_port_text(&mut self, text: &[u8]) {
        let mut p: u16 = 0;
        for &c in text.iter().take_while(|c| c.is_ascii_digit()) {
            p = p.wrapping_mul(10).wrapping_add((c - b'0') as u16);
        }
        self.port_text = non_empty(text);
        self.port = p;
    }

    /// Set the path. Leading slashes are dropped (the path is stored without them; ATS would
    /// keep them and print `//p`), and a URL parsed without a path gets one.
    pub fn set_path(&mut self, path: &[u8]) {
        let start = path.iter().take_while(|c| **c == b'/').count();
        self.path = non_empty(&path[start..]);
        if !path.is_empty() {
            self.path_is_empty = false;
        }
    }

    /// Set the params (`;x`); None removes them, Some("") keeps an empty part (never printed).
    pub fn set_params(&mut self, params: Option<&[u8]>) {
        self.params = params.map(HStr::new);
    }

    pub fn set_query(&mut self, query: Option<&[u8]>) {
        self.query = query.map(HStr::new);
    }

    pub fn set_fragment(&mut self, fragment: Option<&[u8]>) {
        self.fragment = fragment.map(HStr::new);
    }

    /// Drop scheme, user, password, host and port (ATS's `url_nuke_proxy_stuff`: the origin-form
    /// URL of a request sent to an origin server). The URL keeps its type.
    pub fn nuke_proxy_stuff(&mut self) {
        self.scheme = None;
        self.scheme_wks = None;
        self.user = None;
        self.password = None;
        self.host = None;
        self.port_text = None;
        self.port = 0;
    }

    // ---------------------------------------------------------------------------------------
    // Printing

    /// The URL as ATS prints it (`url_print`, TSUrlStringGet): an origin-form request URL whose
    /// scheme was defaulted prints as `http:///path`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        if let Some(s) = &self.scheme {
            out.extend_from_slice(s.as_bytes());
            out.extend_from_slice(b"://");
        }
        if let Some(u) = &self.user {
            out.extend_from_slice(u.as_bytes());
            if let Some(p) = &self.password {
                out.push(b':');
                out.extend_from_slice(p.as_bytes());
            }
            out.push(b'@');
        }
        if let Some(h) = &self.host {
            let h = h.as_bytes();
            let bracket = h[0] != b'[' && h[..h.len().min(5)].contains(&b':');
            if bracket {
                out.push(b'[');
            }
            out.extend_from_slice(h);
            if bracket {
                out.push(b']');
            }
            if let (Some(p), true) = (&self.port_text, self.port != 0) {
                out.push(b':');
                out.extend_from_slice(p.as_bytes());
            }
        }
        if !self.path_is_empty {
            out.push(b'/');
        }
        out.extend_from_slice(self.path());
        self.write_tail(&mut out, true);
        out
    }

    fn write_tail(&self, out: &mut Vec<u8>, fragment: bool) {
        for (sep, part) in [(b';', &self.params), (b'?', &self.query)] {
            if let Some(p) = part.as_ref().filter(|p| !p.is_empty()) {
                out.push(sep);
                out.extend_from_slice(p.as_bytes());
            }
        }
        if let Some(f) = self.fragment.as_ref().filter(|f| fragment && !f.is_empty()) {
            out.push(b'#');
            out.extend_from_slice(f.as_bytes());
        }
    }

    /// The request target to send to an origin server: `/path;params?query` (never the
    /// fragment), or `*` for an asterisk-form URL.
    pub fn write_origin_form(&self, out: &mut Vec<u8>) {
        if self.path_is_empty && self.host.is_none() && self.path() == b"*" {
            out.push(b'*');
            return;
        }
        out.push(b'/');
        out.extend_from_slice(self.path());
        self.write_tail(out, false);
    }

    /// Length of [`Url::to_bytes`] (TSUrlLengthGet).
    pub fn length(&self) -> usize {
        self.to_bytes().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Url {
        Url::parse(s.as_bytes()).unwrap_or_else(|| panic!("{s} does not parse"))
    }

    fn s(b: Option<&[u8]>) -> Option<&str> {
        b.map(|b| std::str::from_utf8(b).unwrap())
    }

    #[test]
    fn origin_form() {
        let u = p("/a/b;x=1?q=2#frag");
        assert_eq!(u.path(), b"a/b");
        assert_eq!(s(u.params()), Some("x=1"));
        assert_eq!(s(u.query()), Some("q=2"));
        assert_eq!(s(u.fragment()), Some("frag"));
        assert_eq!(u.host(), None);
        assert_eq!(u.scheme(), None);
        assert_eq!(u.effective_scheme(), None);
        assert_eq!(u.port(), None);
        assert_eq!(u.port_or_default(), 0);
        assert_eq!(u.to_bytes(), b"/a/b;x=1?q=2#frag");
        let mut o = Vec::new();
        u.write_origin_form(&mut o);
        assert_eq!(o, b"/a/b;x=1?q=2");
    }

    #[test]
    fn leading_slashes_are_stripped() {
        assert_eq!(p("//a//b").path(), b"a//b");
        assert_eq!(p("/").path(), b"");
        assert_eq!(p("/").to_bytes(), b"/");
        assert_eq!(p("http://h///x").path(), b"x");
        let mut u = p("/x");
        u.set_path(b"///y/z");
        assert_eq!(u.path(), b"y/z");
        assert_eq!(u.to_bytes(), b"/y/z");
    }

    #[test]
    fn absolute_form_and_ports() {
        let u = p("http://user:pw@Example.com:8080/p?q");
        assert_eq!(s(u.scheme()), Some("http"));
        assert_eq!(s(u.user()), Some("user"));
        assert_eq!(s(u.password()), Some("pw"));
        assert_eq!(s(u.host()), Some("Example.com"));
        assert_eq!(u.port(), Some(8080));
        assert_eq!(u.port_or_default(), 8080);
        assert_eq!(u.path(), b"p");
        assert_eq!(u.to_bytes(), b"http://user:pw@Example.com:8080/p?q");

        let u = p("HTTPS://h");
        assert_eq!(
            s(u.scheme()),
            Some("https"),
            "well-known scheme reads canonical"
        );
        assert_eq!(u.port(), None);
        assert_eq!(u.port_or_default(), 443);
        assert_eq!(
            u.to_bytes(),
            b"HTTPS://h/",
            "printed as written, with a slash"
        );

        let u = p("http://h?q=1");
        assert_eq!(u.to_bytes(), b"http://h?q=1", "no path: no slash");
        let u = p("http://[::1]:81/x");
        assert_eq!(s(u.host()), Some("[::1]"));
        assert_eq!(u.port(), Some(81));
        let u = p("http://::1/x");
        assert_eq!(s(u.host()), Some("::1"));
        assert_eq!(u.port(), None);
        assert_eq!(u.to_bytes(), b"http://[::1]/x");
        let u = p("ws://h:1/");
        assert_eq!(u.url_type(), UrlType::Http);
        let u = p("wss://h/");
        assert_eq!(u.port_or_default(), 443);
        let u = p("foo+bar://h/");
        assert_eq!(s(u.scheme()), Some("foo+bar"));
        assert_eq!(u.url_type(), UrlType::Http);
    }

    #[test]
    fn authority_and_asterisk() {
        let u = p("example.com:443");
        assert_eq!(s(u.host()), Some("example.com"));
        assert_eq!(u.port(), Some(443));
        assert_eq!(u.scheme(), None);
        let u = p("*");
        assert_eq!(u.path(), b"*");
        assert_eq!(u.host(), None);
        let mut o = Vec::new();
        u.write_origin_form(&mut o);
        assert_eq!(o, b"*");
        assert_eq!(u.to_bytes(), b"*");
    }

    #[test]
    fn parse_errors() {
        for bad in [
            "",
            "   ",
            "1http://h/",
            "ht tp://h/",
            "http://h:/x",
            "http://h^/x",
            "http://a@b@c/",
        ] {
            assert!(
                Url::parse(bad.as_bytes()).is_none(),
                "{bad:?} should not parse"
            );
        }
    }

    #[test]
    fn setters() {
        let mut u = p("/p?q");
        assert_eq!(u.url_type(), UrlType::None);
        u.set_scheme(Some(b"http"));
        assert_eq!(
            u.to_bytes(),
            b"http:///p?q",
            "as ATS prints a defaulted origin-form URL"
        );
        assert_eq!(u.port_or_default(), 80);
        u.set_host(Some(b"h"));
        u.set_port(Some(8081));
        u.set_query(None);
        u.set_fragment(Some(b"f"));
        assert_eq!(u.to_bytes(), b"http://h:8081/p#f");
        u.set_port(None);
        assert_eq!(u.port(), None);
        u.set_scheme(None);
        assert_eq!(u.scheme(), None);
        assert_eq!(
            u.effective_scheme(),
            Some(&b"http"[..]),
            "removing the scheme keeps an HTTP URL"
        );
        u.set_host(Some(b""));
        assert_eq!(u.host(), None);
        u.set_query(Some(b""));
        assert_eq!(u.query(), Some(&b""[..]));
        assert_eq!(u.to_bytes(), b"/p#f", "an empty query is not printed");
        let mut u = p("http://h/x");
        u.nuke_proxy_stuff();
        assert_eq!(u.to_bytes(), b"/x");
        assert_eq!(u.port_or_default(), 80);
    }
}
