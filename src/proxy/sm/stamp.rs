//! The fields ATS 9.2.9 gives the responses it sends, whatever the origin said:
//!
//! - `Date`: an origin's response without one gets the current time (HttpTransact::
//!   check_response_validity), before READ_RESPONSE_HDR, so plugins see it there;
//! - `Age` (`proxy.config.http.insert_age_in_response`, default 1): the response's age by RFC
//!   7234's calculation, from the origin's Date and Age and when the request went and the
//!   response came (HttpTransactHeaders::calculate_document_age);
//! - `Server` (`proxy.config.http.response_server_enabled`: 0 none, 1 (default) set, replacing
//!   the origin's, 2 only where the origin gave none; `proxy.config.http.response_server_str`,
//!   default `ATS/9.2.9`): after the framing and keep-alive fields, as ATS's
//!   add_server_header_to_response, on responses tshost makes too;
//! - the keep-alive field is named `Proxy-Connection` when the client's request had one
//!   (HttpTransact::handle_response_keep_alive_headers).
//!
//! Each is a transaction's own where a plugin set its overridable configuration.
#![forbid(unsafe_code)]

use std::sync::LazyLock;

use super::*;
use crate::hdrs::date;
use crate::hdrs::tokens::lookup;

/// The well-known strings of the fields the proxy sets on responses (their indexes: a field is
/// found by index, and made without looking its name up).
pub(super) struct Names {
    pub date: usize,
    pub age: usize,
    pub server: usize,
    pub connection: usize,
    pub proxy_connection: usize,
    pub transfer_encoding: usize,
}

pub(super) static NAMES: LazyLock<Names> = LazyLock::new(|| {
    let known = |n: &[u8]| lookup(n).expect("a well-known field name");
    Names {
        date: known(b"Date"),
        age: known(b"Age"),
        server: known(b"Server"),
        connection: known(b"Connection"),
        proxy_connection: known(b"Proxy-Connection"),
        transfer_encoding: known(b"Transfer-Encoding"),
    }
});

/// When the request went to the origin and its response head came (seconds since the epoch,
/// ATS's request_sent_time and response_received_time).
#[derive(Clone, Copy, Default)]
pub(super) struct Times {
    pub sent: i64,
    pub received: i64,
}

/// The origin's response has a Date, or gets the current time.
pub(super) fn date_if_missing(h: &mut HttpHdr) {
    let n = &*NAMES;
    if h.known_field(n.date).is_none() {
        h.set_known(n.date, date::now_value());
    }
}

/// `Date: <now>` (a response tshost makes).
pub(super) fn date_now(h: &mut HttpHdr) {
    h.set_known(NAMES.date, date::now_value());
}

/// An Age value as ATS reads one (`MIMEHdr::get_age`): the digits it starts with, a negative or
/// unreadable one as 0.
fn age_of(v: &[u8]) -> i64 {
    let v = v.trim_ascii();
    let (neg, digits) = match v.first() {
        Some(b'-') => (true, &v[1..]),
        _ => (false, v),
    };
    let mut n: i64 = 0;
    for b in digits.iter().take_while(|b| b.is_ascii_digit()) {
        n = n.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    if neg {
        0
    } else {
        n
    }
}

/// The response's current age (HttpTransactHeaders::calculate_document_age): `date` and `age`
/// the origin's Date (0: none or unreadable) and Age, `t` when the request went and the response
/// came, `now` when the client's response is made.
pub(super) fn current_age(date: i64, age: i64, t: Times, now: i64) -> i64 {
    let now = now.max(t.received);
    let apparent = if date > 0 {
        (t.received - date).max(0)
    } else {
        0
    };
    let corrected_received = apparent.max(age);
    let delay = t.received - t.sent;
    corrected_received + delay + (now - t.received)
}

/// The client response's Age (and its Date where the origin's is unreadable), before its framing
/// fields, as ATS's build_response; nothing when insert_age_in_response is off.
pub(super) fn age(h: &mut HttpHdr, proxy: &Proxy, txn: &Txn, t: Times) {
    if !txn_flag(txn, key::INSERT_AGE_IN_RESPONSE, proxy.config.insert_age) {
        return;
    }
    let n = &*NAMES;
    let [d, a] = h.find_known([n.date, n.age]);
    let date = h.known_value(d).map_or(0, date::parse_cached);
    let age_value = h.known_value(a).map_or(0, age_of);
    let now = crate::rt::clock::coarse_unix_secs();
    let current = current_age(date, age_value, t, now).max(0);
    // A fresh response's (the usual case) is a static string.
    let value = match current {
        0 => HStr::from_static_nul(b"0\0"),
        c => HStr::new(Dec::new(c as u64).as_bytes()),
    };
    h.put_known(n.age, a, value);
    if date <= 0 {
        h.set_known(n.date, date::now_value());
    }
}

/// The Server field, as response_server_enabled and response_server_str say for this
/// transaction.
pub(super) fn server(h: &mut HttpHdr, proxy: &Proxy, txn: &Txn) {
    let mode = txn
        .config_int(key::RESPONSE_SERVER_ENABLED)
        .unwrap_or(proxy.config.response_server);
    let n = &*NAMES;
    if mode == 0 || (mode == 2 && h.known_field(n.server).is_some()) {
        return;
    }
    let value = match txn.config_str(key::RESPONSE_SERVER_STR) {
        Some(s) => HStr::new(s.as_bytes()),
        None => proxy.config.response_server_str.clone(),
    };
    h.set_known(n.server, value);
}

/// The client response's keep-alive field (its well-known string's index): `Proxy-Connection`
/// when the client's request had one, else `Connection`.
pub(super) fn connection_name(client_req: &HttpHdr) -> usize {
    let n = &*NAMES;
    if client_req.known_field(n.proxy_connection).is_some() {
        n.proxy_connection
    } else {
        n.connection
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_is_rfc_7234s_current_age_as_ats_computes_it() {
        // What Debian's ATS 9.2 answered (cache off), its origin sending Date and Age, answering
        // at once or after 2 s (the Date made before the wait):
        let at_once = Times {
            sent: 1000,
            received: 1000,
        };
        let slow = Times {
            sent: 1000,
            received: 1002,
        };
        // Date 100 s back, Age 30: Age 100; slow: 104.
        assert_eq!(current_age(900, 30, at_once, 1000), 100);
        assert_eq!(current_age(900, 30, slow, 1002), 104);
        // Date now, no Age: 0; slow: 4.
        assert_eq!(current_age(1000, 0, at_once, 1000), 0);
        assert_eq!(current_age(1000, 0, slow, 1002), 4);
        // Date 50 s ahead: 0; slow: 2.
        assert_eq!(current_age(1050, 0, at_once, 1000), 0);
        assert_eq!(current_age(1050, 0, slow, 1002), 2);
        // The origin's Age counts where it exceeds the apparent age; no Date counts as none.
        assert_eq!(current_age(1000, 30, at_once, 1000), 30);
        assert_eq!(current_age(0, 7, slow, 1002), 9);
        // Time since the response came counts; a clock that went back does not.
        assert_eq!(current_age(1000, 0, at_once, 1005), 5);
        assert_eq!(current_age(1000, 0, at_once, 900), 0);
    }

    #[test]
    fn an_age_field_reads_as_ats_reads_it() {
        assert_eq!(age_of(b"30"), 30);
        assert_eq!(age_of(b" 12abc"), 12);
        assert_eq!(age_of(b"-5"), 0);
        assert_eq!(age_of(b"x"), 0);
        assert_eq!(age_of(b"99999999999999999999999"), i64::MAX);
    }
}
