//! Well-known strings exported as data (`TS_MIME_FIELD_*`, `TS_HTTP_METHOD_*`, `TS_HTTP_VALUE_*`, `TS_URL_SCHEME_*` and their lengths).

use super::*;

// -------------------------------------------------------------------------------------------------
// Well-known strings exported as data (ATS assigns them at start-up; here they are initialised
// statically). Each pointer is the interned string the header model itself returns.

const fn wks(b: &'static [u8]) -> *const c_char {
    b.as_ptr().cast()
}

const fn wks_len(b: &'static [u8]) -> c_int {
    (b.len() - 1) as c_int
}

// MIME field names (`TS_MIME_FIELD_*`) and their lengths (`TS_MIME_LEN_*`).
#[no_mangle]
pub static mut TS_MIME_FIELD_ACCEPT: *const c_char = wks(&bytes::ACCEPT);
#[no_mangle]
pub static mut TS_MIME_FIELD_ACCEPT_CHARSET: *const c_char = wks(&bytes::ACCEPT_CHARSET);
#[no_mangle]
pub static mut TS_MIME_FIELD_ACCEPT_ENCODING: *const c_char = wks(&bytes::ACCEPT_ENCODING);
#[no_mangle]
pub static mut TS_MIME_FIELD_ACCEPT_LANGUAGE: *const c_char = wks(&bytes::ACCEPT_LANGUAGE);
#[no_mangle]
pub static mut TS_MIME_FIELD_ACCEPT_RANGES: *const c_char = wks(&bytes::ACCEPT_RANGES);
#[no_mangle]
pub static mut TS_MIME_FIELD_AGE: *const c_char = wks(&bytes::AGE);
#[no_mangle]
pub static mut TS_MIME_FIELD_ALLOW: *const c_char = wks(&bytes::ALLOW);
#[no_mangle]
pub static mut TS_MIME_FIELD_APPROVED: *const c_char = wks(&bytes::APPROVED);
#[no_mangle]
pub static mut TS_MIME_FIELD_AUTHORIZATION: *const c_char = wks(&bytes::AUTHORIZATION);
#[no_mangle]
pub static mut TS_MIME_FIELD_BYTES: *const c_char = wks(&bytes::BYTES);
#[no_mangle]
pub static mut TS_MIME_FIELD_CACHE_CONTROL: *const c_char = wks(&bytes::CACHE_CONTROL);
#[no_mangle]
pub static mut TS_MIME_FIELD_CLIENT_IP: *const c_char = wks(&bytes::CLIENT_IP);
#[no_mangle]
pub static mut TS_MIME_FIELD_CONNECTION: *const c_char = wks(&bytes::CONNECTION);
#[no_mangle]
pub static mut TS_MIME_FIELD_CONTENT_BASE: *const c_char = wks(&bytes::CONTENT_BASE);
#[no_mangle]
pub static mut TS_MIME_FIELD_CONTENT_ENCODING: *const c_char = wks(&bytes::CONTENT_ENCODING);
#[no_mangle]
pub static mut TS_MIME_FIELD_CONTENT_LANGUAGE: *const c_char = wks(&bytes::CONTENT_LANGUAGE);
#[no_mangle]
pub static mut TS_MIME_FIELD_CONTENT_LENGTH: *const c_char = wks(&bytes::CONTENT_LENGTH);
#[no_mangle]
pub static mut TS_MIME_FIELD_CONTENT_LOCATION: *const c_char = wks(&bytes::CONTENT_LOCATION);
#[no_mangle]
pub static mut TS_MIME_FIELD_CONTENT_MD5: *const c_char = wks(&bytes::CONTENT_MD5);
#[no_mangle]
pub static mut TS_MIME_FIELD_CONTENT_RANGE: *const c_char = wks(&bytes::CONTENT_RANGE);
#[no_mangle]
pub static mut TS_MIME_FIELD_CONTENT_TYPE: *const c_char = wks(&bytes::CONTENT_TYPE);
#[no_mangle]
pub static mut TS_MIME_FIELD_CONTROL: *const c_char = wks(&bytes::CONTROL);
#[no_mangle]
pub static mut TS_MIME_FIELD_COOKIE: *const c_char = wks(&bytes::COOKIE);
#[no_mangle]
pub static mut TS_MIME_FIELD_DATE: *const c_char = wks(&bytes::DATE);
#[no_mangle]
pub static mut TS_MIME_FIELD_DISTRIBUTION: *const c_char = wks(&bytes::DISTRIBUTION);
#[no_mangle]
pub static mut TS_MIME_FIELD_ETAG: *const c_char = wks(&bytes::ETAG);
#[no_mangle]
pub static mut TS_MIME_FIELD_EXPECT: *const c_char = wks(&bytes::EXPECT);
#[no_mangle]
pub static mut TS_MIME_FIELD_EXPIRES: *const c_char = wks(&bytes::EXPIRES);
#[no_mangle]
pub static mut TS_MIME_FIELD_FOLLOWUP_TO: *const c_char = wks(&bytes::FOLLOWUP_TO);
#[no_mangle]
pub static mut TS_MIME_FIELD_FROM: *const c_char = wks(&bytes::FROM);
#[no_mangle]
pub static mut TS_MIME_FIELD_HOST: *const c_char = wks(&bytes::HOST);
#[no_mangle]
pub static mut TS_MIME_FIELD_IF_MATCH: *const c_char = wks(&bytes::IF_MATCH);
#[no_mangle]
pub static mut TS_MIME_FIELD_IF_MODIFIED_SINCE: *const c_char = wks(&bytes::IF_MODIFIED_SINCE);
#[no_mangle]
pub static mut TS_MIME_FIELD_IF_NONE_MATCH: *const c_char = wks(&bytes::IF_NONE_MATCH);
#[no_mangle]
pub static mut TS_MIME_FIELD_IF_RANGE: *const c_char = wks(&bytes::IF_RANGE);
#[no_mangle]
pub static mut TS_MIME_FIELD_IF_UNMODIFIED_SINCE: *const c_char = wks(&bytes::IF_UNMODIFIED_SINCE);
#[no_mangle]
pub static mut TS_MIME_FIELD_KEEP_ALIVE: *const c_char = wks(&bytes::KEEP_ALIVE);
#[no_mangle]
pub static mut TS_MIME_FIELD_KEYWORDS: *const c_char = wks(&bytes::KEYWORDS);
#[no_mangle]
pub static mut TS_MIME_FIELD_LAST_MODIFIED: *const c_char = wks(&bytes::LAST_MODIFIED);
#[no_mangle]
pub static mut TS_MIME_FIELD_LINES: *const c_char = wks(&bytes::LINES);
#[no_mangle]
pub static mut TS_MIME_FIELD_LOCATION: *const c_char = wks(&bytes::LOCATION);
#[no_mangle]
pub static mut TS_MIME_FIELD_MAX_FORWARDS: *const c_char = wks(&bytes::MAX_FORWARDS);
#[no_mangle]
pub static mut TS_MIME_FIELD_MESSAGE_ID: *const c_char = wks(&bytes::MESSAGE_ID);
#[no_mangle]
pub static mut TS_MIME_FIELD_NEWSGROUPS: *const c_char = wks(&bytes::NEWSGROUPS);
#[no_mangle]
pub static mut TS_MIME_FIELD_ORGANIZATION: *const c_char = wks(&bytes::ORGANIZATION);
#[no_mangle]
pub static mut TS_MIME_FIELD_PATH: *const c_char = wks(&bytes::PATH);
#[no_mangle]
pub static mut TS_MIME_FIELD_PRAGMA: *const c_char = wks(&bytes::PRAGMA);
#[no_mangle]
pub static mut TS_MIME_FIELD_PROXY_AUTHENTICATE: *const c_char = wks(&bytes::PROXY_AUTHENTICATE);
#[no_mangle]
pub static mut TS_MIME_FIELD_PROXY_AUTHORIZATION: *const c_char = wks(&bytes::PROXY_AUTHORIZATION);
#[no_mangle]
pub static mut TS_MIME_FIELD_PROXY_CONNECTION: *const c_char = wks(&bytes::PROXY_CONNECTION);
#[no_mangle]
pub static mut TS_MIME_FIELD_PUBLIC: *const c_char = wks(&bytes::PUBLIC);
#[no_mangle]
pub static mut TS_MIME_FIELD_RANGE: *const c_char = wks(&bytes::RANGE);
#[no_mangle]
pub static mut TS_MIME_FIELD_REFERENCES: *const c_char = wks(&bytes::REFERENCES);
#[no_mangle]
pub static mut TS_MIME_FIELD_REFERER: *const c_char = wks(&bytes::REFERER);
#[no_mangle]
pub static mut TS_MIME_FIELD_REPLY_TO: *const c_char = wks(&bytes::REPLY_TO);
#[no_mangle]
pub static mut TS_MIME_FIELD_RETRY_AFTER: *const c_char = wks(&bytes::RETRY_AFTER);
#[no_mangle]
pub static mut TS_MIME_FIELD_SENDER: *const c_char = wks(&bytes::SENDER);
#[no_mangle]
pub static mut TS_MIME_FIELD_SERVER: *const c_char = wks(&bytes::SERVER);
#[no_mangle]
pub static mut TS_MIME_FIELD_SET_COOKIE: *const c_char = wks(&bytes::SET_COOKIE);
#[no_mangle]
pub static mut TS_MIME_FIELD_STRICT_TRANSPORT_SECURITY: *const c_char =
    wks(&bytes::STRICT_TRANSPORT_SECURITY);
#[no_mangle]
pub static mut TS_MIME_FIELD_SUBJECT: *const c_char = wks(&bytes::SUBJECT);
#[no_mangle]
pub static mut TS_MIME_FIELD_SUMMARY: *const c_char = wks(&bytes::SUMMARY);
#[no_mangle]
pub static mut TS_MIME_FIELD_TE: *const c_char = wks(&bytes::TE);
#[no_mangle]
pub static mut TS_MIME_FIELD_TRANSFER_ENCODING: *const c_char = wks(&bytes::TRANSFER_ENCODING);
#[no_mangle]
pub static mut TS_MIME_FIELD_UPGRADE: *const c_char = wks(&bytes::UPGRADE);
#[no_mangle]
pub static mut TS_MIME_FIELD_USER_AGENT: *const c_char = wks(&bytes::USER_AGENT);
#[no_mangle]
pub static mut TS_MIME_FIELD_VARY: *const c_char = wks(&bytes::VARY);
#[no_mangle]
pub static mut TS_MIME_FIELD_VIA: *const c_char = wks(&bytes::VIA);
#[no_mangle]
pub static mut TS_MIME_FIELD_WARNING: *const c_char = wks(&bytes::WARNING);
#[no_mangle]
pub static mut TS_MIME_FIELD_WWW_AUTHENTICATE: *const c_char = wks(&bytes::WWW_AUTHENTICATE);
#[no_mangle]
pub static mut TS_MIME_FIELD_XREF: *const c_char = wks(&bytes::XREF);
#[no_mangle]
pub static mut TS_MIME_FIELD_X_FORWARDED_FOR: *const c_char = wks(&bytes::X_FORWARDED_FOR);
#[no_mangle]
pub static mut TS_MIME_FIELD_FORWARDED: *const c_char = wks(&bytes::FORWARDED);
#[no_mangle]
pub static mut TS_MIME_LEN_ACCEPT: c_int = wks_len(&bytes::ACCEPT);
#[no_mangle]
pub static mut TS_MIME_LEN_ACCEPT_CHARSET: c_int = wks_len(&bytes::ACCEPT_CHARSET);
#[no_mangle]
pub static mut TS_MIME_LEN_ACCEPT_ENCODING: c_int = wks_len(&bytes::ACCEPT_ENCODING);
#[no_mangle]
pub static mut TS_MIME_LEN_ACCEPT_LANGUAGE: c_int = wks_len(&bytes::ACCEPT_LANGUAGE);
#[no_mangle]
pub static mut TS_MIME_LEN_ACCEPT_RANGES: c_int = wks_len(&bytes::ACCEPT_RANGES);
#[no_mangle]
pub static mut TS_MIME_LEN_AGE: c_int = wks_len(&bytes::AGE);
#[no_mangle]
pub static mut TS_MIME_LEN_ALLOW: c_int = wks_len(&bytes::ALLOW);
#[no_mangle]
pub static mut TS_MIME_LEN_APPROVED: c_int = wks_len(&bytes::APPROVED);
#[no_mangle]
pub static mut TS_MIME_LEN_AUTHORIZATION: c_int = wks_len(&bytes::AUTHORIZATION);
#[no_mangle]
pub static mut TS_MIME_LEN_BYTES: c_int = wks_len(&bytes::BYTES);
#[no_mangle]
pub static mut TS_MIME_LEN_CACHE_CONTROL: c_int = wks_len(&bytes::CACHE_CONTROL);
#[no_mangle]
pub static mut TS_MIME_LEN_CLIENT_IP: c_int = wks_len(&bytes::CLIENT_IP);
#[no_mangle]
pub static mut TS_MIME_LEN_CONNECTION: c_int = wks_len(&bytes::CONNECTION);
#[no_mangle]
pub static mut TS_MIME_LEN_CONTENT_BASE: c_int = wks_len(&bytes::CONTENT_BASE);
#[no_mangle]
pub static mut TS_MIME_LEN_CONTENT_ENCODING: c_int = wks_len(&bytes::CONTENT_ENCODING);
#[no_mangle]
pub static mut TS_MIME_LEN_CONTENT_LANGUAGE: c_int = wks_len(&bytes::CONTENT_LANGUAGE);
#[no_mangle]
pub static mut TS_MIME_LEN_CONTENT_LENGTH: c_int = wks_len(&bytes::CONTENT_LENGTH);
#[no_mangle]
pub static mut TS_MIME_LEN_CONTENT_LOCATION: c_int = wks_len(&bytes::CONTENT_LOCATION);
#[no_mangle]
pub static mut TS_MIME_LEN_CONTENT_MD5: c_int = wks_len(&bytes::CONTENT_MD5);
#[no_mangle]
pub static mut TS_MIME_LEN_CONTENT_RANGE: c_int = wks_len(&bytes::CONTENT_RANGE);
#[no_mangle]
pub static mut TS_MIME_LEN_CONTENT_TYPE: c_int = wks_len(&bytes::CONTENT_TYPE);
#[no_mangle]
pub static mut TS_MIME_LEN_CONTROL: c_int = wks_len(&bytes::CONTROL);
#[no_mangle]
pub static mut TS_MIME_LEN_COOKIE: c_int = wks_len(&bytes::COOKIE);
#[no_mangle]
pub static mut TS_MIME_LEN_DATE: c_int = wks_len(&bytes::DATE);
#[no_mangle]
pub static mut TS_MIME_LEN_DISTRIBUTION: c_int = wks_len(&bytes::DISTRIBUTION);
#[no_mangle]
pub static mut TS_MIME_LEN_ETAG: c_int = wks_len(&bytes::ETAG);
#[no_mangle]
pub static mut TS_MIME_LEN_EXPECT: c_int = wks_len(&bytes::EXPECT);
#[no_mangle]
pub static mut TS_MIME_LEN_EXPIRES: c_int = wks_len(&bytes::EXPIRES);
#[no_mangle]
pub static mut TS_MIME_LEN_FOLLOWUP_TO: c_int = wks_len(&bytes::FOLLOWUP_TO);
#[no_mangle]
pub static mut TS_MIME_LEN_FROM: c_int = wks_len(&bytes::FROM);
#[no_mangle]
pub static mut TS_MIME_LEN_HOST: c_int = wks_len(&bytes::HOST);
#[no_mangle]
pub static mut TS_MIME_LEN_IF_MATCH: c_int = wks_len(&bytes::IF_MATCH);
#[no_mangle]
pub static mut TS_MIME_LEN_IF_MODIFIED_SINCE: c_int = wks_len(&bytes::IF_MODIFIED_SINCE);
#[no_mangle]
pub static mut TS_MIME_LEN_IF_NONE_MATCH: c_int = wks_len(&bytes::IF_NONE_MATCH);
#[no_mangle]
pub static mut TS_MIME_LEN_IF_RANGE: c_int = wks_len(&bytes::IF_RANGE);
#[no_mangle]
pub static mut TS_MIME_LEN_IF_UNMODIFIED_SINCE: c_int = wks_len(&bytes::IF_UNMODIFIED_SINCE);
#[no_mangle]
pub static mut TS_MIME_LEN_KEEP_ALIVE: c_int = wks_len(&bytes::KEEP_ALIVE);
#[no_mangle]
pub static mut TS_MIME_LEN_KEYWORDS: c_int = wks_len(&bytes::KEYWORDS);
#[no_mangle]
pub static mut TS_MIME_LEN_LAST_MODIFIED: c_int = wks_len(&bytes::LAST_MODIFIED);
#[no_mangle]
pub static mut TS_MIME_LEN_LINES: c_int = wks_len(&bytes::LINES);
#[no_mangle]
pub static mut TS_MIME_LEN_LOCATION: c_int = wks_len(&bytes::LOCATION);
#[no_mangle]
pub static mut TS_MIME_LEN_MAX_FORWARDS: c_int = wks_len(&bytes::MAX_FORWARDS);
#[no_mangle]
pub static mut TS_MIME_LEN_MESSAGE_ID: c_int = wks_len(&bytes::MESSAGE_ID);
#[no_mangle]
pub static mut TS_MIME_LEN_NEWSGROUPS: c_int = wks_len(&bytes::NEWSGROUPS);
#[no_mangle]
pub static mut TS_MIME_LEN_ORGANIZATION: c_int = wks_len(&bytes::ORGANIZATION);
#[no_mangle]
pub static mut TS_MIME_LEN_PATH: c_int = wks_len(&bytes::PATH);
#[no_mangle]
pub static mut TS_MIME_LEN_PRAGMA: c_int = wks_len(&bytes::PRAGMA);
#[no_mangle]
pub static mut TS_MIME_LEN_PROXY_AUTHENTICATE: c_int = wks_len(&bytes::PROXY_AUTHENTICATE);
#[no_mangle]
pub static mut TS_MIME_LEN_PROXY_AUTHORIZATION: c_int = wks_len(&bytes::PROXY_AUTHORIZATION);
#[no_mangle]
pub static mut TS_MIME_LEN_PROXY_CONNECTION: c_int = wks_len(&bytes::PROXY_CONNECTION);
#[no_mangle]
pub static mut TS_MIME_LEN_PUBLIC: c_int = wks_len(&bytes::PUBLIC);
#[no_mangle]
pub static mut TS_MIME_LEN_RANGE: c_int = wks_len(&bytes::RANGE);
#[no_mangle]
pub static mut TS_MIME_LEN_REFERENCES: c_int = wks_len(&bytes::REFERENCES);
#[no_mangle]
pub static mut TS_MIME_LEN_REFERER: c_int = wks_len(&bytes::REFERER);
#[no_mangle]
pub static mut TS_MIME_LEN_REPLY_TO: c_int = wks_len(&bytes::REPLY_TO);
#[no_mangle]
pub static mut TS_MIME_LEN_RETRY_AFTER: c_int = wks_len(&bytes::RETRY_AFTER);
#[no_mangle]
pub static mut TS_MIME_LEN_SENDER: c_int = wks_len(&bytes::SENDER);
#[no_mangle]
pub static mut TS_MIME_LEN_SERVER: c_int = wks_len(&bytes::SERVER);
#[no_mangle]
pub static mut TS_MIME_LEN_SET_COOKIE: c_int = wks_len(&bytes::SET_COOKIE);
#[no_mangle]
pub static mut TS_MIME_LEN_STRICT_TRANSPORT_SECURITY: c_int =
    wks_len(&bytes::STRICT_TRANSPORT_SECURITY);
#[no_mangle]
pub static mut TS_MIME_LEN_SUBJECT: c_int = wks_len(&bytes::SUBJECT);
#[no_mangle]
pub static mut TS_MIME_LEN_SUMMARY: c_int = wks_len(&bytes::SUMMARY);
#[no_mangle]
pub static mut TS_MIME_LEN_TE: c_int = wks_len(&bytes::TE);
#[no_mangle]
pub static mut TS_MIME_LEN_TRANSFER_ENCODING: c_int = wks_len(&bytes::TRANSFER_ENCODING);
#[no_mangle]
pub static mut TS_MIME_LEN_UPGRADE: c_int = wks_len(&bytes::UPGRADE);
#[no_mangle]
pub static mut TS_MIME_LEN_USER_AGENT: c_int = wks_len(&bytes::USER_AGENT);
#[no_mangle]
pub static mut TS_MIME_LEN_VARY: c_int = wks_len(&bytes::VARY);
#[no_mangle]
pub static mut TS_MIME_LEN_VIA: c_int = wks_len(&bytes::VIA);
#[no_mangle]
pub static mut TS_MIME_LEN_WARNING: c_int = wks_len(&bytes::WARNING);
#[no_mangle]
pub static mut TS_MIME_LEN_WWW_AUTHENTICATE: c_int = wks_len(&bytes::WWW_AUTHENTICATE);
#[no_mangle]
pub static mut TS_MIME_LEN_XREF: c_int = wks_len(&bytes::XREF);
#[no_mangle]
pub static mut TS_MIME_LEN_X_FORWARDED_FOR: c_int = wks_len(&bytes::X_FORWARDED_FOR);
#[no_mangle]
pub static mut TS_MIME_LEN_FORWARDED: c_int = wks_len(&bytes::FORWARDED);

// HTTP values (`TS_HTTP_VALUE_*`, `TS_HTTP_LEN_*`). BYTES, KEEP_ALIVE and PUBLIC are the field names
// "Bytes", "Keep-Alive" and "Public": ATS interns strings case-insensitively. S_MAXAGE is exported
// by ATS but not declared by its ts.h.
#[no_mangle]
pub static mut TS_HTTP_VALUE_BYTES: *const c_char = wks(&bytes::BYTES);
#[no_mangle]
pub static mut TS_HTTP_VALUE_CHUNKED: *const c_char = wks(&bytes::CHUNKED);
#[no_mangle]
pub static mut TS_HTTP_VALUE_CLOSE: *const c_char = wks(&bytes::CLOSE);
#[no_mangle]
pub static mut TS_HTTP_VALUE_COMPRESS: *const c_char = wks(&bytes::COMPRESS);
#[no_mangle]
pub static mut TS_HTTP_VALUE_DEFLATE: *const c_char = wks(&bytes::DEFLATE);
#[no_mangle]
pub static mut TS_HTTP_VALUE_GZIP: *const c_char = wks(&bytes::GZIP);
#[no_mangle]
pub static mut TS_HTTP_VALUE_BROTLI: *const c_char = wks(&bytes::BROTLI);
#[no_mangle]
pub static mut TS_HTTP_VALUE_IDENTITY: *const c_char = wks(&bytes::IDENTITY);
#[no_mangle]
pub static mut TS_HTTP_VALUE_KEEP_ALIVE: *const c_char = wks(&bytes::KEEP_ALIVE);
#[no_mangle]
pub static mut TS_HTTP_VALUE_MAX_AGE: *const c_char = wks(&bytes::MAX_AGE);
#[no_mangle]
pub static mut TS_HTTP_VALUE_MAX_STALE: *const c_char = wks(&bytes::MAX_STALE);
#[no_mangle]
pub static mut TS_HTTP_VALUE_MIN_FRESH: *const c_char = wks(&bytes::MIN_FRESH);
#[no_mangle]
pub static mut TS_HTTP_VALUE_MUST_REVALIDATE: *const c_char = wks(&bytes::MUST_REVALIDATE);
#[no_mangle]
pub static mut TS_HTTP_VALUE_NONE: *const c_char = wks(&bytes::NONE);
#[no_mangle]
pub static mut TS_HTTP_VALUE_NO_CACHE: *const c_char = wks(&bytes::NO_CACHE);
#[no_mangle]
pub static mut TS_HTTP_VALUE_NO_STORE: *const c_char = wks(&bytes::NO_STORE);
#[no_mangle]
pub static mut TS_HTTP_VALUE_NO_TRANSFORM: *const c_char = wks(&bytes::NO_TRANSFORM);
#[no_mangle]
pub static mut TS_HTTP_VALUE_ONLY_IF_CACHED: *const c_char = wks(&bytes::ONLY_IF_CACHED);
#[no_mangle]
pub static mut TS_HTTP_VALUE_PRIVATE: *const c_char = wks(&bytes::PRIVATE);
#[no_mangle]
pub static mut TS_HTTP_VALUE_PROXY_REVALIDATE: *const c_char = wks(&bytes::PROXY_REVALIDATE);
#[no_mangle]
pub static mut TS_HTTP_VALUE_PUBLIC: *const c_char = wks(&bytes::PUBLIC);
#[no_mangle]
pub static mut TS_HTTP_VALUE_S_MAXAGE: *const c_char = wks(&bytes::S_MAXAGE);
#[no_mangle]
pub static mut TS_HTTP_LEN_BYTES: c_int = wks_len(&bytes::BYTES);
#[no_mangle]
pub static mut TS_HTTP_LEN_CHUNKED: c_int = wks_len(&bytes::CHUNKED);
#[no_mangle]
pub static mut TS_HTTP_LEN_CLOSE: c_int = wks_len(&bytes::CLOSE);
#[no_mangle]
pub static mut TS_HTTP_LEN_COMPRESS: c_int = wks_len(&bytes::COMPRESS);
#[no_mangle]
pub static mut TS_HTTP_LEN_DEFLATE: c_int = wks_len(&bytes::DEFLATE);
#[no_mangle]
pub static mut TS_HTTP_LEN_GZIP: c_int = wks_len(&bytes::GZIP);
#[no_mangle]
pub static mut TS_HTTP_LEN_BROTLI: c_int = wks_len(&bytes::BROTLI);
#[no_mangle]
pub static mut TS_HTTP_LEN_IDENTITY: c_int = wks_len(&bytes::IDENTITY);
#[no_mangle]
pub static mut TS_HTTP_LEN_KEEP_ALIVE: c_int = wks_len(&bytes::KEEP_ALIVE);
#[no_mangle]
pub static mut TS_HTTP_LEN_MAX_AGE: c_int = wks_len(&bytes::MAX_AGE);
#[no_mangle]
pub static mut TS_HTTP_LEN_MAX_STALE: c_int = wks_len(&bytes::MAX_STALE);
#[no_mangle]
pub static mut TS_HTTP_LEN_MIN_FRESH: c_int = wks_len(&bytes::MIN_FRESH);
#[no_mangle]
pub static mut TS_HTTP_LEN_MUST_REVALIDATE: c_int = wks_len(&bytes::MUST_REVALIDATE);
#[no_mangle]
pub static mut TS_HTTP_LEN_NONE: c_int = wks_len(&bytes::NONE);
#[no_mangle]
pub static mut TS_HTTP_LEN_NO_CACHE: c_int = wks_len(&bytes::NO_CACHE);
#[no_mangle]
pub static mut TS_HTTP_LEN_NO_STORE: c_int = wks_len(&bytes::NO_STORE);
#[no_mangle]
pub static mut TS_HTTP_LEN_NO_TRANSFORM: c_int = wks_len(&bytes::NO_TRANSFORM);
#[no_mangle]
pub static mut TS_HTTP_LEN_ONLY_IF_CACHED: c_int = wks_len(&bytes::ONLY_IF_CACHED);
#[no_mangle]
pub static mut TS_HTTP_LEN_PRIVATE: c_int = wks_len(&bytes::PRIVATE);
#[no_mangle]
pub static mut TS_HTTP_LEN_PROXY_REVALIDATE: c_int = wks_len(&bytes::PROXY_REVALIDATE);
#[no_mangle]
pub static mut TS_HTTP_LEN_PUBLIC: c_int = wks_len(&bytes::PUBLIC);
#[no_mangle]
pub static mut TS_HTTP_LEN_S_MAXAGE: c_int = wks_len(&bytes::S_MAXAGE);

// HTTP methods (`TS_HTTP_METHOD_*`, `TS_HTTP_LEN_*`).
#[no_mangle]
pub static mut TS_HTTP_METHOD_CONNECT: *const c_char = wks(&bytes::METHOD_CONNECT);
#[no_mangle]
pub static mut TS_HTTP_METHOD_DELETE: *const c_char = wks(&bytes::METHOD_DELETE);
#[no_mangle]
pub static mut TS_HTTP_METHOD_GET: *const c_char = wks(&bytes::METHOD_GET);
#[no_mangle]
pub static mut TS_HTTP_METHOD_HEAD: *const c_char = wks(&bytes::METHOD_HEAD);
#[no_mangle]
pub static mut TS_HTTP_METHOD_OPTIONS: *const c_char = wks(&bytes::METHOD_OPTIONS);
#[no_mangle]
pub static mut TS_HTTP_METHOD_POST: *const c_char = wks(&bytes::METHOD_POST);
#[no_mangle]
pub static mut TS_HTTP_METHOD_PURGE: *const c_char = wks(&bytes::METHOD_PURGE);
#[no_mangle]
pub static mut TS_HTTP_METHOD_PUT: *const c_char = wks(&bytes::METHOD_PUT);
#[no_mangle]
pub static mut TS_HTTP_METHOD_TRACE: *const c_char = wks(&bytes::METHOD_TRACE);
#[no_mangle]
pub static mut TS_HTTP_METHOD_PUSH: *const c_char = wks(&bytes::METHOD_PUSH);
#[no_mangle]
pub static mut TS_HTTP_LEN_CONNECT: c_int = wks_len(&bytes::METHOD_CONNECT);
#[no_mangle]
pub static mut TS_HTTP_LEN_DELETE: c_int = wks_len(&bytes::METHOD_DELETE);
#[no_mangle]
pub static mut TS_HTTP_LEN_GET: c_int = wks_len(&bytes::METHOD_GET);
#[no_mangle]
pub static mut TS_HTTP_LEN_HEAD: c_int = wks_len(&bytes::METHOD_HEAD);
#[no_mangle]
pub static mut TS_HTTP_LEN_OPTIONS: c_int = wks_len(&bytes::METHOD_OPTIONS);
#[no_mangle]
pub static mut TS_HTTP_LEN_POST: c_int = wks_len(&bytes::METHOD_POST);
#[no_mangle]
pub static mut TS_HTTP_LEN_PURGE: c_int = wks_len(&bytes::METHOD_PURGE);
#[no_mangle]
pub static mut TS_HTTP_LEN_PUT: c_int = wks_len(&bytes::METHOD_PUT);
#[no_mangle]
pub static mut TS_HTTP_LEN_TRACE: c_int = wks_len(&bytes::METHOD_TRACE);
#[no_mangle]
pub static mut TS_HTTP_LEN_PUSH: c_int = wks_len(&bytes::METHOD_PUSH);

// URL schemes (`TS_URL_SCHEME_*`, `TS_URL_LEN_*`). ATS never assigns TUNNEL, PNM, RTSP, RTSPU, MMS,
// MMSU and MMST: NULL and 0 (their lengths are exported by ATS but not declared by its ts.h).
#[no_mangle]
pub static mut TS_URL_SCHEME_FILE: *const c_char = wks(&bytes::SCHEME_FILE);
#[no_mangle]
pub static mut TS_URL_SCHEME_FTP: *const c_char = wks(&bytes::SCHEME_FTP);
#[no_mangle]
pub static mut TS_URL_SCHEME_GOPHER: *const c_char = wks(&bytes::SCHEME_GOPHER);
#[no_mangle]
pub static mut TS_URL_SCHEME_HTTP: *const c_char = wks(&bytes::SCHEME_HTTP);
#[no_mangle]
pub static mut TS_URL_SCHEME_HTTPS: *const c_char = wks(&bytes::SCHEME_HTTPS);
#[no_mangle]
pub static mut TS_URL_SCHEME_MAILTO: *const c_char = wks(&bytes::SCHEME_MAILTO);
#[no_mangle]
pub static mut TS_URL_SCHEME_NEWS: *const c_char = wks(&bytes::SCHEME_NEWS);
#[no_mangle]
pub static mut TS_URL_SCHEME_NNTP: *const c_char = wks(&bytes::SCHEME_NNTP);
#[no_mangle]
pub static mut TS_URL_SCHEME_PROSPERO: *const c_char = wks(&bytes::SCHEME_PROSPERO);
#[no_mangle]
pub static mut TS_URL_SCHEME_TELNET: *const c_char = wks(&bytes::SCHEME_TELNET);
#[no_mangle]
pub static mut TS_URL_SCHEME_TUNNEL: *const c_char = std::ptr::null();
#[no_mangle]
pub static mut TS_URL_SCHEME_WAIS: *const c_char = wks(&bytes::SCHEME_WAIS);
#[no_mangle]
pub static mut TS_URL_SCHEME_PNM: *const c_char = std::ptr::null();
#[no_mangle]
pub static mut TS_URL_SCHEME_RTSP: *const c_char = std::ptr::null();
#[no_mangle]
pub static mut TS_URL_SCHEME_RTSPU: *const c_char = std::ptr::null();
#[no_mangle]
pub static mut TS_URL_SCHEME_MMS: *const c_char = std::ptr::null();
#[no_mangle]
pub static mut TS_URL_SCHEME_MMSU: *const c_char = std::ptr::null();
#[no_mangle]
pub static mut TS_URL_SCHEME_MMST: *const c_char = std::ptr::null();
#[no_mangle]
pub static mut TS_URL_SCHEME_WS: *const c_char = wks(&bytes::SCHEME_WS);
#[no_mangle]
pub static mut TS_URL_SCHEME_WSS: *const c_char = wks(&bytes::SCHEME_WSS);
#[no_mangle]
pub static mut TS_URL_LEN_FILE: c_int = wks_len(&bytes::SCHEME_FILE);
#[no_mangle]
pub static mut TS_URL_LEN_FTP: c_int = wks_len(&bytes::SCHEME_FTP);
#[no_mangle]
pub static mut TS_URL_LEN_GOPHER: c_int = wks_len(&bytes::SCHEME_GOPHER);
#[no_mangle]
pub static mut TS_URL_LEN_HTTP: c_int = wks_len(&bytes::SCHEME_HTTP);
#[no_mangle]
pub static mut TS_URL_LEN_HTTPS: c_int = wks_len(&bytes::SCHEME_HTTPS);
#[no_mangle]
pub static mut TS_URL_LEN_MAILTO: c_int = wks_len(&bytes::SCHEME_MAILTO);
#[no_mangle]
pub static mut TS_URL_LEN_NEWS: c_int = wks_len(&bytes::SCHEME_NEWS);
#[no_mangle]
pub static mut TS_URL_LEN_NNTP: c_int = wks_len(&bytes::SCHEME_NNTP);
#[no_mangle]
pub static mut TS_URL_LEN_PROSPERO: c_int = wks_len(&bytes::SCHEME_PROSPERO);
#[no_mangle]
pub static mut TS_URL_LEN_TELNET: c_int = wks_len(&bytes::SCHEME_TELNET);
#[no_mangle]
pub static mut TS_URL_LEN_TUNNEL: c_int = 0;
#[no_mangle]
pub static mut TS_URL_LEN_WAIS: c_int = wks_len(&bytes::SCHEME_WAIS);
#[no_mangle]
pub static mut TS_URL_LEN_PNM: c_int = 0;
#[no_mangle]
pub static mut TS_URL_LEN_RTSP: c_int = 0;
#[no_mangle]
pub static mut TS_URL_LEN_RTSPU: c_int = 0;
#[no_mangle]
pub static mut TS_URL_LEN_MMS: c_int = 0;
#[no_mangle]
pub static mut TS_URL_LEN_MMSU: c_int = 0;
#[no_mangle]
pub static mut TS_URL_LEN_MMST: c_int = 0;
#[no_mangle]
pub static mut TS_URL_LEN_WS: c_int = wks_len(&bytes::SCHEME_WS);
#[no_mangle]
pub static mut TS_URL_LEN_WSS: c_int = wks_len(&bytes::SCHEME_WSS);
