//! HTTP dates in MIME fields (ATS's mime_parse_date / mime_format_date): the three forms of RFC
//! 9110 read (IMF-fixdate, RFC 850, asctime), IMF-fixdate written. Through the `httpdate` crate.
#![forbid(unsafe_code)]

use std::cell::RefCell;
use std::time::{Duration, UNIX_EPOCH};

use super::text::HStr;

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

/// The current second as an IMF-fixdate field value (the `Date` ATS gives a response), made once
/// a second on each thread and shared after that.
pub fn now_value() -> HStr {
    thread_local! {
        static NOW: RefCell<(i64, Option<HStr>)> = const { RefCell::new((0, None)) };
    }
    let t = crate::rt::clock::coarse_unix_secs();
    NOW.with(|c| {
        let mut c = c.borrow_mut();
        match &c.1 {
            Some(v) if c.0 == t => v.clone(),
            _ => {
                let v = HStr::new(format(t).as_bytes());
                *c = (t, Some(v.clone()));
                v
            }
        }
    })
}

/// [`parse`], remembering the last value read on this thread: the origins of a second all say
/// the same Date.
pub fn parse_cached(value: &[u8]) -> i64 {
    thread_local! {
        static LAST: RefCell<([u8; 40], usize, i64)> = const { RefCell::new(([0; 40], 0, 0)) };
    }
    if value.len() > 40 {
        return parse(value);
    }
    LAST.with(|c| {
        let mut c = c.borrow_mut();
        if c.1 == value.len() && c.0[..c.1] == *value {
            return c.2;
        }
        let t = parse(value);
        c.0[..value.len()].copy_from_slice(value);
        c.1 = value.len();
        c.2 = t;
        t
    })
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

    #[test]
    fn the_cached_parse_and_now_agree_with_the_plain_ones() {
        let t = 784111777;
        assert_eq!(parse_cached(b"Sun, 06 Nov 1994 08:49:37 GMT"), t);
        assert_eq!(parse_cached(b"Sun, 06 Nov 1994 08:49:38 GMT"), t + 1);
        assert_eq!(parse_cached(b"Sun, 06 Nov 1994 08:49:37 GMT"), t);
        assert_eq!(parse_cached(b"no date"), 0);
        let before = crate::rt::clock::coarse_unix_secs();
        let now = parse(now_value().as_bytes());
        assert!(now >= before && now <= crate::rt::clock::coarse_unix_secs());
    }
}
