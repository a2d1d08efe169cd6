//! Header rewriting: the request to the origin (hop-by-hop fields, Via, X-Forwarded-For) and the response to the client (framing, keep-alive).

use super::*;

pub(super) fn prepare_server_request(
    h: &mut HttpHdr,
    target: &Target,
    proxy: &Proxy,
    txn: &Txn,
    framing: Framing,
) {
    {
        let url = h.url_mut();
        // The path stays as it is when remap left it so (no new string).
        if url.path() != target.path.as_slice() {
            url.set_path(&target.path);
        }
        url.set_host(None);
        url.set_scheme(None);
        url.set_port(None);
    }
    strip_hop_by_hop(h);
    // The Host field goes as it is: a mapped request's was set at remap (and is the plugins' to
    // change since); an unmapped one's names the target already (the client's, or the URL's
    // host put there when the request was read), except after `Max-Forwards: 0`, where ATS
    // 9.2.9 forwards the client's Host too (seen beside it).
    h.set_version((1, 1));
    match framing {
        Framing::Length(n) => set_content_length(h, n),
        Framing::Chunked => {
            h.remove_field(b"content-length");
            set_static(h, stamp::NAMES.transfer_encoding, b"chunked\0");
        }
        _ => {
            h.remove_field(b"content-length");
        }
    }
    if !txn_flag(
        txn,
        key::KEEP_ALIVE_ENABLED_OUT,
        proxy.config.keep_alive_out,
    ) {
        set_static(h, stamp::NAMES.connection, b"close\0");
    }
    if txn_flag(
        txn,
        key::INSERT_SQUID_X_FORWARDED_FOR,
        proxy.config.insert_xff,
    ) {
        if let Some(ip) = &txn.ssn.client.client_ip {
            h.append_field(b"X-Forwarded-For", ip);
        }
    }
    // A plugin (conf_remap) may turn Via on or off for this transaction.
    if txn_flag(txn, key::INSERT_REQUEST_VIA_STR, proxy.config.insert_via) {
        // The server request is HTTP/1.1 (just set).
        let via = &*DEFAULT_VIA;
        let mut v = Vec::with_capacity(9 + via.len());
        v.extend_from_slice(b"http/1.1 ");
        v.extend_from_slice(via.as_bytes());
        h.append_field(b"Via", &v);
    }
}

/// Remove hop-by-hop fields, including those the Connection field names. Content-Length is the
/// caller's: it goes with the framing ([`set_content_length`]).
pub(super) fn strip_hop_by_hop(h: &mut HttpHdr) {
    // The fixed list split into well-known strings and other names: a parsed field's name was
    // looked up when it was parsed, so a field with a well-known name is checked against the
    // list by index, and only one without is compared by name.
    type Split = (Vec<u64>, Vec<&'static [u8]>);
    static SPLIT: std::sync::LazyLock<Split> = std::sync::LazyLock::new(|| {
        let mut known = Vec::new();
        let mut other = Vec::new();
        for n in HOP_BY_HOP {
            match crate::hdrs::tokens::lookup(n) {
                Some(i) => {
                    if known.len() <= i / 64 {
                        known.resize(i / 64 + 1, 0);
                    }
                    known[i / 64] |= 1 << (i % 64);
                }
                None => other.push(*n),
            }
        }
        (known, other)
    });
    let (known, other) = &*SPLIT;
    let listed = |t: &[u8]| {
        HOP_BY_HOP.iter().any(|n| n.eq_ignore_ascii_case(t))
            || t.eq_ignore_ascii_case(b"content-length")
    };
    // The fields the Connection field names (beyond the fixed list).
    let mut named: Vec<Vec<u8>> = Vec::new();
    for (n, v) in h.fields() {
        if !n.eq_ignore_ascii_case(b"connection") {
            continue;
        }
        for t in v.split(|b| *b == b',') {
            let t = t.trim_ascii();
            if !t.is_empty() && !listed(t) {
                named.push(t.to_vec());
            }
        }
    }
    h.remove_fields_by(|f| {
        match f.wks() {
            Some(i) => {
                if known.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 != 0) {
                    return true;
                }
            }
            None => {
                if other.iter().any(|n| f.is_named(n)) {
                    return true;
                }
            }
        }
        !named.is_empty() && named.iter().any(|n| f.is_named(n))
    });
}

/// [`HttpHdr::set_field`] for a well-known name (`wks`, its index: [`stamp::NAMES`]) with a
/// value the proxy always writes the same way: a static string (NUL-terminated, the NUL not part
/// of the value), not a new one per response.
pub(super) fn set_static(h: &mut HttpHdr, wks: usize, value_nul: &'static [u8]) {
    h.set_known(wks, HStr::from_static_nul(value_nul));
}

/// Give the header exactly one Content-Length, `n`; a single field that says so already stays
/// as it is (no new string).
pub(super) fn set_content_length(h: &mut HttpHdr, n: u64) {
    let dec = Dec::new(n);
    if h.only_field(b"content-length") != Some(dec.as_bytes()) {
        h.set_field(b"Content-Length", dec.as_bytes());
    }
}

/// Make the client response from the origin's: hop-by-hop fields out, the client's HTTP version,
/// framing for this client, and the keep-alive field ATS puts in (`conn`: `Connection`, or
/// `Proxy-Connection` for a client that sent one; `HttpTransact::handle_response_keep_alive_headers`):
/// `keep-alive` when the connection stays (for HTTP/1.0 and 1.1 alike), `close` when it does not
/// and the client is HTTP/1.1 or asked for keep-alive. `how`: the client's version, a HEAD
/// request, the connection kept, `conn`.
pub(super) fn prepare_client_response(
    h: &mut HttpHdr,
    origin: Framing,
    how: ((u8, u8), bool, bool, usize),
) -> Framing {
    let (client_version, is_head, client_keep_alive, conn) = how;
    let http11 = client_version >= (1, 1);
    // ATS answers in the client's version (HttpTransactHeaders::convert_response).
    h.set_version(if http11 { (1, 1) } else { (1, 0) });
    let framing = client_body_framing(h, origin, http11, is_head);
    if client_keep_alive && framing != Framing::Close {
        set_static(h, conn, b"keep-alive\0");
    } else if client_keep_alive || http11 {
        set_static(h, conn, b"close\0");
    }
    framing
}

pub(super) fn client_body_framing(
    h: &mut HttpHdr,
    origin: Framing,
    http11: bool,
    is_head: bool,
) -> Framing {
    let status = h.status();
    strip_hop_by_hop(h);
    let no_body = is_head || status == 204 || status == 304 || (100..200).contains(&status);
    if no_body {
        // The Content-Length the origin gave (a HEAD response's says what a GET would get),
        // made one field.
        if let Some(cl) = h.field(b"content-length") {
            if h.only_field(b"content-length").is_none() {
                let cl = cl.to_vec();
                h.set_field(b"Content-Length", &cl);
            }
        }
        return Framing::None;
    }
    match origin {
        Framing::Length(n) => {
            set_content_length(h, n);
            Framing::Length(n)
        }
        Framing::None => {
            set_content_length(h, 0);
            Framing::None
        }
        Framing::Chunked | Framing::Close if http11 => {
            h.remove_field(b"content-length");
            set_static(h, stamp::NAMES.transfer_encoding, b"chunked\0");
            Framing::Chunked
        }
        _ => {
            h.remove_field(b"content-length");
            Framing::Close
        }
    }
}

pub(super) fn wants_keep_alive(h: &HttpHdr) -> bool {
    if h.version() >= (1, 1) {
        !h.has_token(b"connection", b"close")
    } else {
        h.has_token(b"connection", b"keep-alive")
    }
}
