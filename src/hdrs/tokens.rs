//! ATS's well-known strings (`hdrtoken`, proxy/hdrs/HdrToken.cc): the field names, values, URL
//! schemes and methods that ATS interns. Each has exactly one NUL-terminated copy here
//! ([`bytes`]); the header model stores an interned name as a reference to it and the C data
//! symbols of src/api/hdrs/ (`TS_MIME_FIELD_HOST`, ...) point at it, so that
//! `TSMimeHdrFieldNameGet` on a `host` field returns the very pointer in `TS_MIME_FIELD_HOST`.
//!
//! Also the reason phrases of `TSHttpHdrReasonLookup` (`http_hdr_reason_lookup`, HTTP.cc).
#![forbid(unsafe_code)]

use std::ffi::CStr;

/// `s` followed by a NUL byte, as an array of exactly that length (also for src/proxy/proto.rs).
pub(crate) const fn nul_terminated<const N: usize>(s: &str) -> [u8; N] {
    let b = s.as_bytes();
    assert!(b.len() + 1 == N);
    let mut out = [0u8; N];
    let mut i = 0;
    while i < b.len() {
        assert!(b[i] != 0);
        out[i] = b[i];
        i += 1;
    }
    out
}

/// What a well-known string is (ATS's `HdrTokenType`, plus field names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Field,
    Value,
    Scheme,
    Method,
}

/// One well-known string.
pub struct Token {
    /// The canonical spelling, NUL-terminated (one of the [`bytes`] statics).
    nul: &'static [u8],
    pub kind: Kind,
    /// A comma-separated list field (ATS's `HTIF_COMMAS`): its value is split into elements.
    pub commas: bool,
}

impl Token {
    /// The canonical spelling (without the NUL).
    /// The canonical spelling and its NUL.
    pub fn nul(&self) -> &'static [u8] {
        self.nul
    }

    pub fn text(&self) -> &'static [u8] {
        &self.nul[..self.nul.len() - 1]
    }

    /// The canonical spelling as a NUL-terminated C string (the pointer C plugins compare).
    pub fn as_ptr(&self) -> *const std::os::raw::c_char {
        self.nul.as_ptr().cast()
    }
}

macro_rules! tokens {
    ($($name:ident = $s:literal, $kind:ident, $commas:literal;)*) => {
        /// The one copy of every well-known string (NUL-terminated).
        pub mod bytes {
            $(pub static $name: [u8; $s.len() + 1] = super::nul_terminated($s);)*
        }
        /// Every well-known string, in ATS's `_hdrtoken_strs` order (the index is the
        /// "well-known string index").
        pub static TOKENS: &[Token] = &[
            $(Token { nul: &bytes::$name, kind: Kind::$kind, commas: $commas },)*
        ];
    };
}

// `commas` as `_hdrtoken_strs_field_initializers` (HTIF_COMMAS); names without an entry there
// (Expect, MIME-Version, ...) are not lists. Note: the field names Bytes, Keep-Alive and Public
// are also the values "bytes", "keep-alive" and "public" (ATS interns them case-insensitively,
// so TS_HTTP_VALUE_KEEP_ALIVE is the "Keep-Alive" string).
tokens! {
    ACCEPT_CHARSET = "Accept-Charset", Field, true;
    ACCEPT_ENCODING = "Accept-Encoding", Field, true;
    ACCEPT_LANGUAGE = "Accept-Language", Field, true;
    ACCEPT_RANGES = "Accept-Ranges", Field, true;
    ACCEPT = "Accept", Field, true;
    AGE = "Age", Field, false;
    ALLOW = "Allow", Field, true;
    APPROVED = "Approved", Field, false;
    AUTHORIZATION = "Authorization", Field, false;
    BYTES = "Bytes", Field, false;
    CACHE_CONTROL = "Cache-Control", Field, true;
    CLIENT_IP = "Client-ip", Field, false;
    CONNECTION = "Connection", Field, true;
    CONTENT_BASE = "Content-Base", Field, false;
    CONTENT_ENCODING = "Content-Encoding", Field, true;
    CONTENT_LANGUAGE = "Content-Language", Field, true;
    CONTENT_LENGTH = "Content-Length", Field, false;
    CONTENT_LOCATION = "Content-Location", Field, false;
    CONTENT_MD5 = "Content-MD5", Field, false;
    CONTENT_RANGE = "Content-Range", Field, false;
    CONTENT_TYPE = "Content-Type", Field, false;
    CONTROL = "Control", Field, false;
    COOKIE = "Cookie", Field, false;
    DATE = "Date", Field, false;
    DISTRIBUTION = "Distribution", Field, false;
    ETAG = "Etag", Field, false;
    EXPECT = "Expect", Field, false;
    EXPIRES = "Expires", Field, false;
    FOLLOWUP_TO = "Followup-To", Field, false;
    FROM = "From", Field, false;
    HOST = "Host", Field, false;
    IF_MATCH = "If-Match", Field, true;
    IF_MODIFIED_SINCE = "If-Modified-Since", Field, false;
    IF_NONE_MATCH = "If-None-Match", Field, true;
    IF_RANGE = "If-Range", Field, false;
    IF_UNMODIFIED_SINCE = "If-Unmodified-Since", Field, false;
    KEEP_ALIVE = "Keep-Alive", Field, false;
    KEYWORDS = "Keywords", Field, false;
    LAST_MODIFIED = "Last-Modified", Field, false;
    LINES = "Lines", Field, false;
    LOCATION = "Location", Field, false;
    MAX_FORWARDS = "Max-Forwards", Field, false;
    MESSAGE_ID = "Message-ID", Field, false;
    MIME_VERSION = "MIME-Version", Field, false;
    NEWSGROUPS = "Newsgroups", Field, false;
    ORGANIZATION = "Organization", Field, false;
    PATH = "Path", Field, false;
    PRAGMA = "Pragma", Field, true;
    PROXY_AUTHENTICATE = "Proxy-Authenticate", Field, false;
    PROXY_AUTHORIZATION = "Proxy-Authorization", Field, false;
    PROXY_CONNECTION = "Proxy-Connection", Field, true;
    PUBLIC = "Public", Field, true;
    RANGE = "Range", Field, true;
    REFERENCES = "References", Field, false;
    REFERER = "Referer", Field, false;
    REPLY_TO = "Reply-To", Field, false;
    RETRY_AFTER = "Retry-After", Field, false;
    SENDER = "Sender", Field, false;
    SERVER = "Server", Field, false;
    SET_COOKIE = "Set-Cookie", Field, false;
    SUBJECT = "Subject", Field, false;
    SUMMARY = "Summary", Field, false;
    TRANSFER_ENCODING = "Transfer-Encoding", Field, true;
    UPGRADE = "Upgrade", Field, true;
    USER_AGENT = "User-Agent", Field, false;
    VARY = "Vary", Field, true;
    VIA = "Via", Field, true;
    WARNING = "Warning", Field, true;
    WWW_AUTHENTICATE = "Www-Authenticate", Field, false;
    XREF = "Xref", Field, false;
    ATS_INTERNAL = "@Ats-Internal", Field, false;
    COMPRESS = "compress", Value, false;
    DEFLATE = "deflate", Value, false;
    GZIP = "gzip", Value, false;
    IDENTITY = "identity", Value, false;
    MAX_AGE = "max-age", Value, false;
    MAX_STALE = "max-stale", Value, false;
    MIN_FRESH = "min-fresh", Value, false;
    MUST_REVALIDATE = "must-revalidate", Value, false;
    NO_CACHE = "no-cache", Value, false;
    NO_STORE = "no-store", Value, false;
    NO_TRANSFORM = "no-transform", Value, false;
    ONLY_IF_CACHED = "only-if-cached", Value, false;
    PRIVATE = "private", Value, false;
    PROXY_REVALIDATE = "proxy-revalidate", Value, false;
    S_MAXAGE = "s-maxage", Value, false;
    NEED_REVALIDATE_ONCE = "need-revalidate-once", Value, false;
    NONE = "none", Value, false;
    CHUNKED = "chunked", Value, false;
    CLOSE = "close", Value, false;
    WEBSOCKET = "websocket", Value, false;
    SEC_WEBSOCKET_KEY = "Sec-WebSocket-Key", Field, false;
    SEC_WEBSOCKET_VERSION = "Sec-WebSocket-Version", Field, false;
    H2C = "h2c", Value, false;
    HTTP2_SETTINGS = "HTTP2-Settings", Field, false;
    SCHEME_FILE = "file", Scheme, false;
    SCHEME_FTP = "ftp", Scheme, false;
    SCHEME_GOPHER = "gopher", Scheme, false;
    SCHEME_HTTPS = "https", Scheme, false;
    SCHEME_HTTP = "http", Scheme, false;
    SCHEME_MAILTO = "mailto", Scheme, false;
    SCHEME_NEWS = "news", Scheme, false;
    SCHEME_NNTP = "nntp", Scheme, false;
    SCHEME_PROSPERO = "prospero", Scheme, false;
    SCHEME_TELNET = "telnet", Scheme, false;
    SCHEME_TUNNEL = "tunnel", Scheme, false;
    SCHEME_WAIS = "wais", Scheme, false;
    SCHEME_PNM = "pnm", Scheme, false;
    SCHEME_RTSPU = "rtspu", Scheme, false;
    SCHEME_RTSP = "rtsp", Scheme, false;
    SCHEME_MMSU = "mmsu", Scheme, false;
    SCHEME_MMST = "mmst", Scheme, false;
    SCHEME_MMS = "mms", Scheme, false;
    SCHEME_WSS = "wss", Scheme, false;
    SCHEME_WS = "ws", Scheme, false;
    METHOD_CONNECT = "CONNECT", Method, false;
    METHOD_DELETE = "DELETE", Method, false;
    METHOD_GET = "GET", Method, false;
    METHOD_POST = "POST", Method, false;
    METHOD_HEAD = "HEAD", Method, false;
    METHOD_OPTIONS = "OPTIONS", Method, false;
    METHOD_PURGE = "PURGE", Method, false;
    METHOD_PUT = "PUT", Method, false;
    METHOD_TRACE = "TRACE", Method, false;
    METHOD_PUSH = "PUSH", Method, false;
    X_ID = "X-ID", Field, true;
    X_FORWARDED_FOR = "X-Forwarded-For", Field, true;
    TE = "TE", Field, true;
    STRICT_TRANSPORT_SECURITY = "Strict-Transport-Security", Field, false;
    CONTINUE_100 = "100-continue", Value, false;
    FORWARDED = "Forwarded", Field, true;
    EARLY_DATA = "Early-Data", Field, false;
    BROTLI = "br", Value, false;
}

/// The longest well-known string a lookup can find, in 8-byte words (the table asserts it).
const MAX_WORDS: usize = 8;

/// The lookup table of [`lookup`]: tokens grouped by length and first letter (ASCII letters of
/// either case share a group: `& 31`), each group in table order (so the first match is the same
/// as a scan's), each token with its text in 8-byte words, lowercased and as spelled.
struct Table {
    /// Group `len * 32 + (first & 31)` is `entries[start[g]..start[g + 1]]`.
    start: Vec<u32>,
    entries: Vec<Entry>,
}

#[derive(Clone)]
struct Entry {
    index: usize,
    lower: [u64; MAX_WORDS],
    spelled: [u64; MAX_WORDS],
}

static TABLE: std::sync::LazyLock<Table> = std::sync::LazyLock::new(|| {
    let max = TOKENS.iter().map(|t| t.text().len()).max().unwrap_or(0);
    assert!(
        max <= 8 * MAX_WORDS,
        "a well-known string longer than the lookup's words"
    );
    let mut groups: Vec<Vec<Entry>> = vec![Vec::new(); (max + 1) * 32];
    for (index, t) in TOKENS.iter().enumerate() {
        let n = t.text().len();
        if n == 0 {
            continue;
        }
        let mut spelled = [0u64; MAX_WORDS];
        for (k, w) in spelled.iter_mut().enumerate().take(n.div_ceil(8)) {
            *w = word(t.text(), k);
        }
        groups[n * 32 + (t.text()[0] & 31) as usize].push(Entry {
            index,
            lower: spelled.map(lower8),
            spelled,
        });
    }
    let mut start = vec![0u32];
    let mut entries = Vec::new();
    for g in groups {
        entries.extend(g);
        start.push(entries.len() as u32);
    }
    Table { start, entries }
});

/// The candidates for `s`: the tokens of its length and first letter.
fn group(s: &[u8]) -> &'static [Entry] {
    let Some(first) = s.first() else { return &[] };
    let g = s.len() * 32 + (first & 31) as usize;
    let t = &*TABLE;
    match (t.start.get(g), t.start.get(g + 1)) {
        (Some(&a), Some(&b)) => &t.entries[a as usize..b as usize],
        _ => &[],
    }
}

/// Bytes 8k..8k+8 of `s` as a little-endian word, zero-padded past the end.
fn word(s: &[u8], k: usize) -> u64 {
    let at = 8 * k;
    match s.get(at..at + 8) {
        Some(w) => u64::from_le_bytes(w.try_into().expect("8 bytes")),
        None => tail_word(&s[at..]),
    }
}

/// The well-known string equal to `s` ignoring ASCII case (ATS's `hdrtoken_tokenize`, used for
/// field names and URL schemes). It runs for every parsed field: the candidates of its group
/// (rarely more than two) are compared with `s` a word at a time.
pub fn lookup(s: &[u8]) -> Option<usize> {
    lookup_spelled(s).map(|(i, _)| i)
}

/// [`lookup`], and whether `s` is spelled exactly as the well-known string (then a header can
/// store the interned string instead of a copy).
pub fn lookup_spelled(s: &[u8]) -> Option<(usize, bool)> {
    let cands = group(s);
    if cands.is_empty() {
        return None;
    }
    // Most names are one or two words long: those are read once, outside the loop.
    let w0 = word(s, 0);
    let l0 = lower8(w0);
    if s.len() <= 8 {
        return cands
            .iter()
            .find(|e| e.lower[0] == l0)
            .map(|e| (e.index, e.spelled[0] == w0));
    }
    let w1 = word(s, 1);
    let l1 = lower8(w1);
    if s.len() <= 16 {
        return cands
            .iter()
            .find(|e| e.lower[0] == l0 && e.lower[1] == l1)
            .map(|e| (e.index, e.spelled[0] == w0 && e.spelled[1] == w1));
    }
    let words = s.len().div_ceil(8);
    cands.iter().find_map(|e| {
        let mut exact = true;
        for k in 0..words {
            let w = word(s, k);
            if lower8(w) != e.lower[k] {
                return None;
            }
            exact &= w == e.spelled[k];
        }
        Some((e.index, exact))
    })
}

/// The well-known string exactly equal to `s` (ATS's `hdrtoken_method_tokenize`: methods are
/// case-sensitive).
pub fn lookup_exact(s: &[u8]) -> Option<usize> {
    let words = s.len().div_ceil(8);
    group(s)
        .iter()
        .find(|e| (0..words).all(|k| word(s, k) == e.spelled[k]))
        .map(|e| e.index)
}

/// 1 to 7 bytes as a little-endian word, zero-padded: two overlapping loads, no byte loop.
fn tail_word(t: &[u8]) -> u64 {
    let n = t.len();
    if n >= 4 {
        let lo = u32::from_le_bytes(t[..4].try_into().expect("4 bytes")) as u64;
        let hi = u32::from_le_bytes(t[n - 4..].try_into().expect("4 bytes")) as u64;
        lo | hi << (8 * (n - 4))
    } else if n >= 2 {
        let lo = u16::from_le_bytes(t[..2].try_into().expect("2 bytes")) as u64;
        let hi = u16::from_le_bytes(t[n - 2..].try_into().expect("2 bytes")) as u64;
        lo | hi << (8 * (n - 2))
    } else {
        t[0] as u64
    }
}

/// ASCII lowercase of the 8 bytes of a word at once (as `to_ascii_lowercase`: only `A`-`Z`
/// change).
fn lower8(x: u64) -> u64 {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let low7 = x & !HIGH;
    // Bit 7 of each byte: its low 7 bits are >= 'A' (0x41 + 0x3f = 0x80), > 'Z' (0x5b + 0x25).
    // No carry crosses a byte: 0x7f + 0x3f < 0x100.
    let ge_a = low7.wrapping_add(0x3f3f_3f3f_3f3f_3f3f);
    let gt_z = low7.wrapping_add(0x2525_2525_2525_2525);
    let upper = ge_a & !gt_z & !x & HIGH;
    x | (upper >> 2)
}

/// The token at a well-known string index.
pub fn token(idx: usize) -> &'static Token {
    &TOKENS[idx]
}

/// Index of one of the [`bytes`] statics in [`TOKENS`].
pub fn index_of(nul: &'static [u8]) -> usize {
    TOKENS
        .iter()
        .position(|t| std::ptr::eq(t.nul.as_ptr(), nul.as_ptr()))
        .expect("a well-known string")
}

/// Is `s` a comma-separated list field for ATS (`MIMEField::supports_commas`): unknown names
/// are, well-known ones only if flagged.
pub fn name_supports_commas(wks: Option<usize>) -> bool {
    wks.map(|i| TOKENS[i].commas).unwrap_or(true)
}

macro_rules! reasons {
    ($($code:literal => $text:literal,)*) => {
        /// `TSHttpHdrReasonLookup` as a NUL-terminated static, or None for codes ATS does not
        /// know (ATS's `http_hdr_reason_lookup`, including its odd spellings).
        pub fn reason_cstr(status: i32) -> Option<&'static CStr> {
            match status {
                $($code => Some($text),)*
                _ => None,
            }
        }
    };
}

// The spaces around '-' come from ATS stringifying `Non-Authoritative Information` & co with the
// preprocessor. 226 is IM Used (TS_HTTP_STATUS_IM_USED is 211, which has none).
reasons! {
    0 => c"None",
    100 => c"Continue",
    101 => c"Switching Protocols",
    102 => c"Processing",
    103 => c"Early Hints",
    200 => c"OK",
    201 => c"Created",
    202 => c"Accepted",
    203 => c"Non - Authoritative Information",
    204 => c"No Content",
    205 => c"Reset Content",
    206 => c"Partial Content",
    207 => c"Multi - Status",
    208 => c"Already Reported",
    226 => c"IM Used",
    300 => c"Multiple Choices",
    301 => c"Moved Permanently",
    302 => c"Found",
    303 => c"See Other",
    304 => c"Not Modified",
    305 => c"Use Proxy",
    307 => c"Temporary Redirect",
    308 => c"Permanent Redirect",
    400 => c"Bad Request",
    401 => c"Unauthorized",
    402 => c"Payment Required",
    403 => c"Forbidden",
    404 => c"Not Found",
    405 => c"Method Not Allowed",
    406 => c"Not Acceptable",
    407 => c"Proxy Authentication Required",
    408 => c"Request Timeout",
    409 => c"Conflict",
    410 => c"Gone",
    411 => c"Length Required",
    412 => c"Precondition Failed",
    413 => c"Request Entity Too Large",
    414 => c"Request - URI Too Long",
    415 => c"Unsupported Media Type",
    416 => c"Requested Range Not Satisfiable",
    417 => c"Expectation Failed",
    422 => c"Unprocessable Entity",
    423 => c"Locked",
    424 => c"Failed Dependency",
    426 => c"Upgrade Required",
    428 => c"Precondition Required",
    429 => c"Too Many Requests",
    431 => c"Request Header Fields Too Large",
    500 => c"Internal Server Error",
    501 => c"Not Implemented",
    502 => c"Bad Gateway",
    503 => c"Service Unavailable",
    504 => c"Gateway Timeout",
    505 => c"HTTP Version Not Supported",
    506 => c"Variant Also Negotiates",
    507 => c"Insufficient Storage",
    508 => c"Loop Detected",
    510 => c"Not Extended",
    511 => c"Network Authentication Required",
}

/// The default reason phrase of a status, as `TSHttpHdrReasonLookup` (None if ATS has none).
pub fn reason(status: u16) -> Option<&'static str> {
    reason_cstr(status as i32).and_then(|c| c.to_str().ok())
}

/// The status line of the response to TS_EVENT_HTTP_ERROR (ATS's HandleApiErrorJump): the status a
/// plugin set with TSHttpTxnStatusSet when it is an error status (400 to 999: three digits), with
/// its standard reason or "Error"; else `500 INKApi Error`. The proxy and the harness (tshost.h)
/// both answer with this (they had two rules: 400..=999 and any value >= 400).
pub fn api_error_status(set: i32) -> (u16, &'static str) {
    match set {
        s @ 400..=999 => (s as u16, reason(s as u16).unwrap_or("Error")),
        _ => (500, "INKApi Error"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_error_status_takes_three_digit_error_statuses_only() {
        assert_eq!(api_error_status(403), (403, "Forbidden"));
        assert_eq!(api_error_status(451), (451, "Error"));
        assert_eq!(api_error_status(999), (999, "Error"));
        for s in [0, 200, 399, 1000, 65_936, -1] {
            assert_eq!(api_error_status(s), (500, "INKApi Error"), "{s}");
        }
    }

    #[test]
    fn lookups() {
        let host = lookup(b"hOsT").unwrap();
        assert_eq!(token(host).text(), b"Host");
        assert!(std::ptr::eq(
            token(host).as_ptr().cast(),
            bytes::HOST.as_ptr()
        ));
        assert_eq!(index_of(&bytes::HOST), host);
        assert_eq!(lookup(b"X-Custom"), None);
        assert_eq!(token(lookup(b"keep-alive").unwrap()).text(), b"Keep-Alive");
        assert_eq!(lookup_exact(b"get"), None);
        assert_eq!(token(lookup_exact(b"GET").unwrap()).kind, Kind::Method);
        assert_eq!(token(lookup(b"HTTP").unwrap()).text(), b"http");
        assert!(name_supports_commas(None));
        assert!(name_supports_commas(lookup(b"accept")));
        assert!(!name_supports_commas(lookup(b"cookie")));
        assert!(!name_supports_commas(lookup(b"date")));
        assert!(name_supports_commas(lookup(b"transfer-encoding")));
        // The table has no duplicates (case-insensitively).
        for (i, t) in TOKENS.iter().enumerate() {
            assert_eq!(
                lookup(t.text()),
                Some(i),
                "{:?}",
                std::str::from_utf8(t.text())
            );
            assert_eq!(lookup(&t.text().to_ascii_uppercase()), Some(i));
            assert_eq!(lookup(&t.text().to_ascii_lowercase()), Some(i));
        }
        assert_eq!(lookup(b""), None);
        assert_eq!(lookup_exact(b""), None);
        assert_eq!(lookup_spelled(b"hOsT").map(|(_, e)| e), Some(false));
        assert_eq!(lookup_spelled(b"Host").map(|(_, e)| e), Some(true));
        for (i, t) in TOKENS.iter().enumerate() {
            let first_exact = TOKENS.iter().position(|u| u.text() == t.text());
            assert_eq!(lookup_exact(t.text()), first_exact, "{:?}", t.text());
            let first = lookup(t.text());
            assert_eq!(
                lookup_spelled(t.text()),
                first.map(|f| (f, TOKENS[f].text() == t.text())),
                "{i}"
            );
        }
        assert_eq!(lookup(&[b'a'; 100]), None);
        assert_eq!(lookup(&[b'a'; 64]), None);
        // Against the plain definition, on names around the tokens (case, a changed byte,
        // bytes outside ASCII).
        let reference = |s: &[u8]| TOKENS.iter().position(|t| t.text().eq_ignore_ascii_case(s));
        for t in TOKENS.iter() {
            let text = t.text();
            for k in 0..text.len() {
                for c in [b'-', b'@', b'[', b'`', b'{', 0x80, 0xc1, 0xe1, b'\r', 0] {
                    let mut v = text.to_vec();
                    v[k] = c;
                    assert_eq!(lookup(&v), reference(&v), "{v:?}");
                }
                let mut v = text.to_vec();
                v[k] ^= 0x20;
                assert_eq!(lookup(&v), reference(&v), "{v:?}");
            }
        }
        for b in 0..=255u8 {
            let w = lower8(u64::from_le_bytes([b; 8]));
            assert_eq!(w, u64::from_le_bytes([b.to_ascii_lowercase(); 8]), "{b:#x}");
        }
    }

    #[test]
    fn reasons() {
        assert_eq!(reason(203), Some("Non - Authoritative Information"));
        assert_eq!(reason(207), Some("Multi - Status"));
        assert_eq!(reason(414), Some("Request - URI Too Long"));
        assert_eq!(reason(211), None);
        assert_eq!(reason(226), Some("IM Used"));
        assert_eq!(reason(451), None);
        assert_eq!(reason(0), Some("None"));
        assert_eq!(reason(302), Some("Found"));
    }
}
