//! HTTP dates in MIME fields (ATS's mime_parse_date / mime_format_date): the three forms of RFC
//! 9110 read (IMF-fixdate, RFC 850, asctime), IMF-fixdate written. Through the `httpdate` crate.
#![forbid(unsafe_code)]

use std::time::{Duration, UNIX_EPOCH};

/// Seconds since the epoch of the date `value` writes; 0 when it is not one (as ATS).
pub fn parse(value: &[u8]) -> i64 {
    std::str::from_utf8(value)
        .ok()
        .and_then(|s| httpdate::parse_http_date(s.trim()).ok())
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs() as i64)
}

/// `t` (seconds since the epoch; before it reads as the epoch) as an IMF-fixdate,
/// `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn format(t: i64) -> String {
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(t.max(0) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_forms_read_and_the_fixdate_written() {
        let t = 784111777;
        assert_eq!(parse(b"Sun, 06 Nov 1994 08:49:37 GMT"), t);
        assert_eq!(parse(b"Sunday, 06-Nov-94 08:49:37 GMT"), t);
        assert_eq!(parse(b"Sun Nov  6 08:49:37 1994"), t);
        assert_eq!(parse(b" Sun, 06 Nov 1994 08:49:37 GMT "), t);
        assert_eq!(parse(b"yesterday"), 0);
        assert_eq!(format(t), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(format(-5), "Thu, 01 Jan 1970 00:00:00 GMT");
    }
}
