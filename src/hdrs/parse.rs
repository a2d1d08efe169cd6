//! The one HTTP/1 head parser, strict on both sides (the proxy's client and origin, the harness's
//! synthetic request and response): request lines and fields within limits, framing
//! (Content-Length, Transfer-Encoding), origin responses.
#![forbid(unsafe_code)]

use std::sync::Arc;

use super::{HttpHdr, MBuffer};

/// How a body is delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// No body.
    None,
    Length(u64),
    Chunked,
    /// Until the connection closes (responses only).
    Close,
}

pub struct ParsedRequest {
    pub hdr: HttpHdr,
    pub version: (u8, u8),
    pub framing: Framing,
    /// The head's length (up to and with its empty line).
    pub len: usize,
}

/// Parse and validate a request head. Anything that cannot be framed without ambiguity is refused
/// (the caller answers 400 and closes): Content-Length with Transfer-Encoding, differing
/// Content-Lengths, a Transfer-Encoding other than chunked, obs-fold, bad values.
pub fn parse_request(head: &[u8]) -> Result<ParsedRequest, &'static str> {
    // Not initialised: httparse writes the ones it uses (no 4 KiB of zeroes per request).
    let mut headers = [const { std::mem::MaybeUninit::<httparse::Header>::uninit() }; 128];
    let mut req = httparse::Request::new(&mut []);
    let end = match req.parse_with_uninit_headers(head, &mut headers) {
        Ok(httparse::Status::Complete(end)) => end,
        Ok(httparse::Status::Partial) => return Err("incomplete head"),
        Err(httparse::Error::TooManyHeaders) => return Err("too many header fields"),
        Err(_) => return Err("malformed head"),
    };
    let method = req.method.ok_or("no method")?.as_bytes();
    let target = req.path.ok_or("no target")?.as_bytes();
    let version = (1, req.version.ok_or("no version")?);
    let fields: Vec<(&[u8], &[u8])> = req
        .headers
        .iter()
        .map(|h| (h.name.as_bytes(), h.value))
        .collect();
    let framing = request_framing(&fields)?;
    // An HTTP/1.1 request names its host in a Host field, or (as ATS accepts it, gold test
    // body_factory/http204_response_plugin) in an absolute-form target.
    let absolute = target.windows(3).any(|w| w == b"://");
    if version >= (1, 1)
        && !absolute
        && !fields.iter().any(|(n, _)| n.eq_ignore_ascii_case(b"host"))
    {
        return Err("HTTP/1.1 request without Host");
    }
    if fields
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(b"host"))
        .count()
        > 1
    {
        return Err("more than one Host field");
    }
    if target.is_empty() || target.contains(&b' ') {
        return Err("bad request target");
    }
    // A target that is not a URL is refused (found by fuzzing: `http://a:b://c/?` went out as
    // the path `/http://a:b://c/?`, which itself went out differently when parsed again).
    let url = super::url::Url::parse(target).ok_or("bad request target")?;
    let hdr = HttpHdr::parsed_request_url(&head[..end], method, url, version, &fields);
    // CONNECT takes authority-form (host:port) only (RFC 9110 9.3.6). Found by fuzzing: any
    // other target was forwarded with the Host field's value, whatever bytes it held, as the
    // request target; one without a port went out with `:443` added (to a host with colons,
    // which the URL parser takes as IPv6-like: a new target at each pass).
    if method == b"CONNECT" && (hdr.url().host().is_none() || hdr.url().port().is_none()) {
        return Err("CONNECT target not host:port");
    }
    Ok(ParsedRequest {
        hdr,
        version,
        framing,
        len: end,
    })
}

/// A request line no longer than `line_max` and header field lines no longer than `field_max`
/// (ATS's request_line_max_size and header_field_max_size; a longer one makes the request
/// invalid). A head shorter than both limits is not looked at.
pub fn lines_within(head: &[u8], line_max: usize, field_max: usize) -> Result<(), &'static str> {
    if head.len() <= line_max.min(field_max) {
        return Ok(());
    }
    let mut start = 0;
    for (i, end) in memchr::memchr_iter(b'\n', head).enumerate() {
        let len = end - start;
        if i == 0 && len > line_max {
            return Err("request line too long");
        }
        if i > 0 && len > field_max {
            return Err("header field too long");
        }
        start = end + 1;
    }
    Ok(())
}

pub fn request_framing(fields: &[(&[u8], &[u8])]) -> Result<Framing, &'static str> {
    let te: Vec<&[u8]> = fields
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(b"transfer-encoding"))
        .map(|(_, v)| *v)
        .collect();
    let cl: Vec<&[u8]> = fields
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(b"content-length"))
        .map(|(_, v)| *v)
        .collect();
    if !te.is_empty() {
        if !cl.is_empty() {
            return Err("both Content-Length and Transfer-Encoding");
        }
        let codings: Vec<Vec<u8>> = te
            .iter()
            .flat_map(|v| v.split(|b| *b == b','))
            .map(|t| t.trim_ascii().to_ascii_lowercase())
            .filter(|t| !t.is_empty())
            .collect();
        if codings != [b"chunked".to_vec()] {
            return Err("Transfer-Encoding other than chunked");
        }
        return Ok(Framing::Chunked);
    }
    Ok(match content_length(cl)? {
        Some(0) | None => Framing::None,
        Some(n) => Framing::Length(n),
    })
}

/// The length the Content-Length values (fields, comma-separated lists) agree on; an error when
/// one is not a number or they differ.
pub fn content_length<'a>(
    values: impl IntoIterator<Item = &'a [u8]>,
) -> Result<Option<u64>, &'static str> {
    let mut length = None;
    for v in values {
        for part in v.split(|b| *b == b',') {
            let n = parse_length(part.trim_ascii()).ok_or("bad Content-Length")?;
            if length.is_some_and(|l| l != n) {
                return Err("differing Content-Length values");
            }
            length = Some(n);
        }
    }
    Ok(length)
}

pub fn parse_length(v: &[u8]) -> Option<u64> {
    if v.is_empty() || v.len() > 18 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(v).ok()?.parse().ok()
}

/// Parse an origin response head; the framing of its body (HEAD responses have none).
/// The parsed response's heap, framing, status and the head's length (up to and with its empty
/// line).
pub fn parse_response(
    head: &[u8],
    is_head: bool,
) -> Result<(Arc<MBuffer>, Framing, u16, usize), &'static str> {
    // Not initialised: httparse writes the ones it uses (no 4 KiB of zeroes per response).
    let mut headers = [const { std::mem::MaybeUninit::<httparse::Header>::uninit() }; 128];
    let mut resp = httparse::Response::new(&mut []);
    // `Foo : 1` from an origin is taken as `Foo: 1`, as RFC 9112 5.1 asks of a proxy ("MUST
    // remove any such whitespace from a response message before forwarding") and as ATS does
    // (its gold test headers/field_name_space). In a request the same is a 400.
    let mut config = httparse::ParserConfig::default();
    config.allow_spaces_after_header_name_in_responses(true);
    let end = match config.parse_response_with_uninit_headers(&mut resp, head, &mut headers) {
        Ok(httparse::Status::Complete(end)) => end,
        _ => return Err("malformed response head"),
    };
    let status = resp.code.ok_or("no status")?;
    // Three digits, the first 1-9 (RFC 9110 15): httparse takes `011` as 11, which has no class
    // and would go to the client as a two-digit status (found by fuzzing).
    if status < 100 {
        return Err("status under 100");
    }
    let version = (1, resp.version.ok_or("no version")?);
    let fields: Vec<(&[u8], &[u8])> = resp
        .headers
        .iter()
        .map(|h| (h.name.as_bytes(), h.value))
        .collect();
    let hdr = MBuffer::from_hdr(HttpHdr::parsed_response(
        &head[..end],
        version,
        status,
        resp.reason.unwrap_or("").as_bytes(),
        &fields,
    ));
    // As strict as a request's framing: Content-Length with Transfer-Encoding, differing or bad
    // lengths are refused (the caller answers 502 and never reuses the connection), whatever the
    // status (a bodiless response with ambiguous framing says the origin is confused).
    let te = fields
        .iter()
        .rfind(|(n, _)| n.eq_ignore_ascii_case(b"transfer-encoding"))
        .map(|(_, v)| *v);
    let cl = fields
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(b"content-length"))
        .map(|(_, v)| *v);
    let length = content_length(cl)?;
    if te.is_some() && length.is_some() {
        return Err("both Content-Length and Transfer-Encoding");
    }
    let framing = if is_head || status == 204 || status == 304 || (100..200).contains(&status) {
        Framing::None
    } else if te.is_some_and(last_coding_is_chunked) {
        Framing::Chunked
    } else if te.is_some() {
        // Codings without chunked last: the body ends with the connection (RFC 9112 6.3).
        Framing::Close
    } else if let Some(n) = length {
        Framing::Length(n)
    } else {
        Framing::Close
    };
    Ok((hdr, framing, status, end))
}

pub fn last_coding_is_chunked(v: &[u8]) -> bool {
    v.split(|b| *b == b',')
        .next_back()
        .map(|t| t.trim_ascii().eq_ignore_ascii_case(b"chunked"))
        .unwrap_or(false)
}
