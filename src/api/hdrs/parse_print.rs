//! Heads parsed from bytes and printed into IOBuffers: TSHttpParserCreate/Clear/Destroy,
//! TSHttpHdrParseReq/Resp (a head given in pieces), TSHttpHdrPrint and TSMimeHdrPrint.

use super::*;
use crate::hdrs::parser::{Feed, HeadParser, PARSERS};
use crate::sys::types::{TSHttpParser, TSIOBuffer, TSParseResult};

const PARSE_ERROR: TSParseResultRaw = TSParseResult::TS_PARSE_ERROR as TSParseResultRaw;
const PARSE_DONE: TSParseResultRaw = TSParseResult::TS_PARSE_DONE as TSParseResultRaw;
const PARSE_CONT: TSParseResultRaw = TSParseResult::TS_PARSE_CONT as TSParseResultRaw;

fn parser_arg(who: crate::api::Here, p: TSHttpParser) -> Option<Arc<HeadParser>> {
    let r = PARSERS.get(p as usize);
    if r.is_none() {
        crate::error!("{who}: {p:p} is not a live TSHttpParser");
    }
    r
}

/// A new parser for TSHttpHdrParseReq/Resp.
#[no_mangle]
pub extern "C" fn TSHttpParserCreate() -> TSHttpParser {
    guard!(std::ptr::null_mut(), || {
        PARSERS.insert(|_| HeadParser::default()).0 as TSHttpParser
    })
}

/// Forget the piece of a head the parser keeps (to parse another head).
#[no_mangle]
pub extern "C" fn TSHttpParserClear(parser: TSHttpParser) {
    guard!((), || {
        if let Some(p) = parser_arg(here!(), parser) {
            p.clear();
        }
    })
}

/// Destroy a parser.
#[no_mangle]
pub extern "C" fn TSHttpParserDestroy(parser: TSHttpParser) {
    guard!((), || {
        if parser_arg(here!(), parser).is_some() {
            PARSERS.release(parser as usize);
        }
    })
}

/// Feed `[*start, end)` to the parser. TS_PARSE_CONT: all of it was taken and the head is not
/// complete (call again with more); TS_PARSE_DONE: the head ended, was parsed into header `obj`
/// (of `kind`, replacing what it held) and `*start` points past it; TS_PARSE_ERROR: a malformed
/// head (or a bad argument, logged).
///
/// # Safety
/// `start` points at a pointer to readable bytes up to `end`.
unsafe fn parse_into(
    who: crate::api::Here,
    parser: TSHttpParser,
    bufp: TSMBuffer,
    obj: TSMLoc,
    start: *mut *const c_char,
    end: *const c_char,
    kind: HdrType,
) -> TSParseResultRaw {
    let Some(p) = parser_arg(who, parser) else {
        return PARSE_ERROR;
    };
    // SAFETY: `start` is NULL or a valid pointer (this function's contract).
    if start.is_null() || unsafe { (*start).is_null() } || end.is_null() {
        crate::error!("{who}: NULL start or end");
        return PARSE_ERROR;
    }
    // SAFETY: as above.
    let from = unsafe { *start };
    if (end as usize) < (from as usize) {
        crate::error!("{who}: end {end:p} before start {from:p}");
        return PARSE_ERROR;
    }
    let len = end as usize - from as usize;
    // SAFETY: [from, end) is readable (the API's contract).
    let piece = unsafe { std::slice::from_raw_parts(from as *const u8, len) };
    let (head, used) = match p.feed(piece) {
        Feed::More => {
            // SAFETY: `start` is writable (the API's contract).
            unsafe { *start = end };
            return PARSE_CONT;
        }
        Feed::TooLong => {
            crate::error!(
                "{who}: a head longer than {} bytes",
                crate::hdrs::parser::HEAD_MAX
            );
            return PARSE_ERROR;
        }
        Feed::Head(h, used) => (h, used),
    };
    let parsed = match kind {
        HdrType::Response => {
            crate::hdrs::parse::parse_response(&head, false).map(|(m, ..)| m.with(|h| h.clone()))
        }
        _ => crate::hdrs::parse::parse_request(&head).map(|r| r.hdr),
    };
    let Ok(h) = parsed else {
        crate::debug!("http", "{who}: malformed head");
        return PARSE_ERROR;
    };
    let r = with_http(who, bufp, obj, true, PARSE_ERROR, |d| {
        *d = h;
        PARSE_DONE
    });
    if r == PARSE_DONE {
        // SAFETY: `start` is writable; `used` <= len.
        unsafe { *start = from.add(used) };
    }
    r
}

/// Parse a request head given in pieces into header `obj` ([`parse_into`]'s results).
#[no_mangle]
pub unsafe extern "C" fn TSHttpHdrParseReq(
    parser: TSHttpParser,
    bufp: TSMBuffer,
    obj: TSMLoc,
    start: *mut *const c_char,
    end: *const c_char,
) -> TSParseResultRaw {
    guard!(PARSE_ERROR, || {
        // SAFETY: the API's contract on `start` and `end`.
        unsafe { parse_into(here!(), parser, bufp, obj, start, end, HdrType::Request) }
    })
}

/// Parse a response head given in pieces into header `obj` (the results of TSHttpHdrParseReq).
#[no_mangle]
pub unsafe extern "C" fn TSHttpHdrParseResp(
    parser: TSHttpParser,
    bufp: TSMBuffer,
    obj: TSMLoc,
    start: *mut *const c_char,
    end: *const c_char,
) -> TSParseResultRaw {
    guard!(PARSE_ERROR, || {
        // SAFETY: the API's contract on `start` and `end`.
        unsafe { parse_into(here!(), parser, bufp, obj, start, end, HdrType::Response) }
    })
}

/// Append the header, as ATS prints it (request or status line, fields, empty line), to `iobufp`.
#[no_mangle]
pub extern "C" fn TSHttpHdrPrint(bufp: TSMBuffer, offset: TSMLoc, iobufp: TSIOBuffer) {
    guard!((), || print(here!(), bufp, offset, iobufp, HttpHdr::print))
}

/// Append the header's fields and the empty line to `iobufp`.
#[no_mangle]
pub extern "C" fn TSMimeHdrPrint(bufp: TSMBuffer, offset: TSMLoc, iobufp: TSIOBuffer) {
    guard!((), || print(
        here!(),
        bufp,
        offset,
        iobufp,
        HttpHdr::print_fields
    ))
}

fn print(
    who: crate::api::Here,
    bufp: TSMBuffer,
    offset: TSMLoc,
    iobufp: TSIOBuffer,
    how: fn(&HttpHdr, &mut Vec<u8>),
) {
    let Some(io) = crate::iobuf::BUFFERS.get(iobufp as usize) else {
        crate::error!("{who}: {iobufp:p} is not a live TSIOBuffer");
        return;
    };
    let mut out = Vec::new();
    with_http(who, bufp, offset, false, (), |h| how(h, &mut out));
    io.write(&out);
}
