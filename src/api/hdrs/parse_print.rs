//! Heads parsed from bytes and printed into IOBuffers: TSHttpParserCreate/Clear/Destroy,
//! TSHttpHdrParseReq/Resp (a head given in pieces), TSHttpHdrPrint and TSMimeHdrPrint; MIME
//! headers of their own (TSMimeHdrCreate/Destroy/Clone/Copy) and TSMimeParser*/TSMimeHdrParse.

use super::*;
use crate::hdrs::parser::{Feed, HeadParser, PARSERS};
use crate::sys::types::{TSHttpParser, TSIOBuffer, TSMimeParser, TSParseResult};

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
    guard!(std::ptr::null_mut(), || new_parser() as TSHttpParser)
}

/// A parser's handle (HTTP and MIME parsers are the same kind of object).
fn new_parser() -> usize {
    PARSERS.insert(|_| HeadParser::default()).0
}

/// Destroy a parser (logged when it is not a live one).
fn destroy_parser(who: crate::api::Here, parser: TSHttpParser) {
    if parser_arg(who, parser).is_some() {
        PARSERS.release(parser as usize);
    }
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
    guard!((), || destroy_parser(here!(), parser))
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
    // SAFETY: this function's contract on `start` and `end`.
    let (head, from, used) = match unsafe { feed(who, parser, start, end) } {
        Ok(Some(x)) => x,
        Ok(None) => return PARSE_CONT,
        Err(()) => return PARSE_ERROR,
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

// -------------------------------------------------------------------------------------------------
// MIME headers: a header of fields only (an HTTP header of unknown type); an HTTP header's
// location is taken as its MIME header, as ATS does.

/// A header holding only `src`'s fields.
fn fields_of(src: &HttpHdr) -> HttpHdr {
    let mut h = HttpHdr::new(HdrType::Unknown);
    for (n, v) in src.fields() {
        h.append_field(n, v);
    }
    h
}

/// A new MIME parser (for TSMimeHdrParse).
#[no_mangle]
pub extern "C" fn TSMimeParserCreate() -> TSMimeParser {
    guard!(std::ptr::null_mut(), || new_parser() as TSMimeParser)
}

/// Forget the piece of a header the parser keeps.
#[no_mangle]
pub extern "C" fn TSMimeParserClear(parser: TSMimeParser) {
    guard!((), || {
        if let Some(p) = parser_arg(here!(), parser as TSHttpParser) {
            p.clear();
        }
    })
}

/// Destroy a MIME parser.
#[no_mangle]
pub extern "C" fn TSMimeParserDestroy(parser: TSMimeParser) {
    guard!((), || destroy_parser(here!(), parser as TSHttpParser))
}

/// A new, empty MIME header in `bufp`, its location in `*locp`.
#[no_mangle]
pub unsafe extern "C" fn TSMimeHdrCreate(bufp: TSMBuffer, locp: *mut TSMLoc) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        let Some(locp) = out_arg(who, "locp", locp) else {
            return TS_ERROR;
        };
        let Some(b) = heap_arg(who, bufp) else {
            return TS_ERROR;
        };
        if !b.is_writable() {
            return TS_ERROR;
        }
        // SAFETY: `locp` is non-NULL (out_arg above) and the plugin's TSMLoc variable.
        unsafe { *locp = b.lock().add_hdr(HttpHdr::new(HdrType::Unknown)) as TSMLoc };
        TS_SUCCESS
    })
}

/// TS_SUCCESS for a live header (it lives as long as its heap, as in tshost's TSHttpHdrDestroy).
#[no_mangle]
pub extern "C" fn TSMimeHdrDestroy(bufp: TSMBuffer, offset: TSMLoc) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        with_hdr(here!(), bufp, offset, false, TS_ERROR, |_, _| TS_SUCCESS)
    })
}

/// A new MIME header of `dest_bufp` with the fields of `src_hdr`.
#[no_mangle]
pub unsafe extern "C" fn TSMimeHdrClone(
    dest_bufp: TSMBuffer,
    src_bufp: TSMBuffer,
    src_hdr: TSMLoc,
    locp: *mut TSMLoc,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        // SAFETY: the plugin's out-pointer: NULL (refused) or writable.
        unsafe {
            clone_hdr_into(here!(), dest_bufp, src_bufp, src_hdr, locp, |h| {
                fields_of(&h)
            })
        }
    })
}

/// Replace the fields of `dest_offset` with those of `src_offset` (its type and first line stay).
#[no_mangle]
pub extern "C" fn TSMimeHdrCopy(
    dest_bufp: TSMBuffer,
    dest_offset: TSMLoc,
    src_bufp: TSMBuffer,
    src_offset: TSMLoc,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        let Some(src) = copy_hdr(who, src_bufp, src_offset) else {
            return TS_ERROR;
        };
        with_http(who, dest_bufp, dest_offset, true, TS_ERROR, |d| {
            d.clear_fields();
            for (n, v) in src.fields() {
                d.append_field(n, v);
            }
            TS_SUCCESS
        })
    })
}

/// Feed `[*start, end)` to the parser: fields up to an empty line, appended to header `offset`
/// once it arrives (TS_PARSE_DONE, `*start` past it); TS_PARSE_CONT while it has not;
/// TS_PARSE_ERROR for malformed fields or a bad argument.
#[no_mangle]
pub unsafe extern "C" fn TSMimeHdrParse(
    parser: TSMimeParser,
    bufp: TSMBuffer,
    offset: TSMLoc,
    start: *mut *const c_char,
    end: *const c_char,
) -> TSParseResultRaw {
    guard!(PARSE_ERROR, || {
        let who = here!();
        // SAFETY: the API's contract on `start` and `end`.
        let fed = unsafe { feed(who, parser as TSHttpParser, start, end) };
        let (head, from, used) = match fed {
            Ok(Some(x)) => x,
            Ok(None) => return PARSE_CONT,
            Err(()) => return PARSE_ERROR,
        };
        let mut slots = [httparse::EMPTY_HEADER; 128];
        let fields = match httparse::parse_headers(&head, &mut slots) {
            Ok(httparse::Status::Complete((_, f))) => f,
            _ => {
                crate::debug!("http", "{who}: malformed fields");
                return PARSE_ERROR;
            }
        };
        let r = with_http(who, bufp, offset, true, PARSE_ERROR, |d| {
            for f in fields.iter() {
                d.append_field(f.name.as_bytes(), f.value);
            }
            PARSE_DONE
        });
        if r == PARSE_DONE {
            // SAFETY: `start` is writable; `used` <= the piece's length.
            unsafe { *start = from.add(used) };
        }
        r
    })
}

/// A complete head: its bytes, where the piece started, and how many bytes of the piece it took.
type Fed = (Vec<u8>, *const c_char, usize);

/// Feed a piece to a parser: Ok(None) when the head is not complete yet (`*start` moved to
/// `end`), Ok(Some((head, piece start, bytes of the piece used))) when it is, Err after logging.
///
/// # Safety
/// `start` points at a pointer to readable bytes up to `end`.
unsafe fn feed(
    who: crate::api::Here,
    parser: TSHttpParser,
    start: *mut *const c_char,
    end: *const c_char,
) -> Result<Option<Fed>, ()> {
    let p = parser_arg(who, parser).ok_or(())?;
    // SAFETY: `start` is NULL or a valid pointer (this function's contract).
    if start.is_null() || unsafe { (*start).is_null() } || end.is_null() {
        crate::error!("{who}: NULL start or end");
        return Err(());
    }
    // SAFETY: as above.
    let from = unsafe { *start };
    if (end as usize) < (from as usize) {
        crate::error!("{who}: end {end:p} before start {from:p}");
        return Err(());
    }
    // SAFETY: [from, end) is readable (the API's contract).
    let piece =
        unsafe { std::slice::from_raw_parts(from as *const u8, end as usize - from as usize) };
    match p.feed(piece) {
        Feed::More => {
            // SAFETY: `start` is writable (the API's contract).
            unsafe { *start = end };
            Ok(None)
        }
        Feed::TooLong => {
            crate::error!(
                "{who}: a head longer than {} bytes",
                crate::hdrs::parser::HEAD_MAX
            );
            Err(())
        }
        Feed::Head(h, used) => Ok(Some((h, from, used))),
    }
}
