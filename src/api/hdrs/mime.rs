//! The MIME fields of a header: find, walk, create, edit, copy, and their values.

use super::*;

// -------------------------------------------------------------------------------------------------
// MIME fields of a header

/// Live fields, duplicates counted separately; created-but-unappended fields are not.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldsCount(bufp: TSMBuffer, offset: TSMLoc) -> c_int {
    guard!(0, || {
        with_http(here!(), bufp, offset, false, 0, |h| {
            h.field_count() as c_int
        })
    })
}

/// Remove every field.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldsClear(bufp: TSMBuffer, offset: TSMLoc) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        with_http(here!(), bufp, offset, true, TS_ERROR, |h| {
            h.clear_fields();
            TS_SUCCESS
        })
    })
}

/// Length of the printed fields and the final CRLF.
#[no_mangle]
pub extern "C" fn TSMimeHdrLengthGet(bufp: TSMBuffer, offset: TSMLoc) -> c_int {
    guard!(0, || {
        with_http(here!(), bufp, offset, false, 0, |h| {
            h.fields_length() as c_int
        })
    })
}

/// Look a field up with `find` and return a new handle to it (TS_NULL_MLOC if none).
fn field_handle(
    who: crate::api::Here,
    bufp: TSMBuffer,
    hdr: TSMLoc,
    find: impl FnOnce(&HttpHdr) -> Option<u64>,
) -> TSMLoc {
    with_hdr(who, bufp, hdr, false, NULL_LOC, |heap, id| {
        match find(&heap.hdr(id).unwrap().hdr) {
            Some(f) => heap.field_handle(id, f) as TSMLoc,
            None => NULL_LOC,
        }
    })
}

/// The `idx`-th live field in wire order (a new handle), or TS_NULL_MLOC.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldGet(bufp: TSMBuffer, hdr: TSMLoc, idx: c_int) -> TSMLoc {
    guard!(NULL_LOC, || {
        if idx < 0 {
            crate::error!("{}: negative index {idx}", here!());
            return NULL_LOC;
        }
        field_handle(here!(), bufp, hdr, |h| h.field_at(idx as usize))
    })
}

/// The first field of this name (case-insensitive; `length` -1: NUL-terminated), a new handle,
/// or TS_NULL_MLOC.
#[no_mangle]
pub unsafe extern "C" fn TSMimeHdrFieldFind(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    name: *const c_char,
    length: c_int,
) -> TSMLoc {
    guard!(NULL_LOC, || {
        // SAFETY: the plugin passes NULL or `length` bytes (a C string if `length` < 0).
        let Some(n) = (unsafe { req_bytes(here!(), "name", name, length) }) else {
            return NULL_LOC;
        };
        field_handle(here!(), bufp, hdr, |h| h.find(&n))
    })
}

fn related_field(
    who: crate::api::Here,
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    next: fn(&HttpHdr, u64) -> Option<u64>,
) -> TSMLoc {
    let Some(b) = heap_arg(who, bufp) else {
        return NULL_LOC;
    };
    let Some(id) = hdr_arg(who, &b, hdr) else {
        return NULL_LOC;
    };
    let Some(fid) = field_arg(who, &b, id, field) else {
        return NULL_LOC;
    };
    field_handle(who, bufp, hdr, |h| next(h, fid))
}

/// The next live field in wire order (duplicates included), a new handle, or TS_NULL_MLOC.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldNext(bufp: TSMBuffer, hdr: TSMLoc, field: TSMLoc) -> TSMLoc {
    guard!(NULL_LOC, || {
        related_field(here!(), bufp, hdr, field, HttpHdr::next_field)
    })
}

/// The next field of the same name, a new handle, or TS_NULL_MLOC.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldNextDup(bufp: TSMBuffer, hdr: TSMLoc, field: TSMLoc) -> TSMLoc {
    guard!(NULL_LOC, || {
        related_field(here!(), bufp, hdr, field, HttpHdr::next_dup)
    })
}

fn create_field(
    who: crate::api::Here,
    bufp: TSMBuffer,
    hdr: TSMLoc,
    name: Option<&[u8]>,
    locp: *mut TSMLoc,
) -> TSReturnCodeRaw {
    let Some(locp) = out_arg(who, "locp", locp) else {
        return TS_ERROR;
    };
    with_hdr(who, bufp, hdr, true, TS_ERROR, |heap, id| {
        let f = heap.hdr(id).unwrap().hdr.create_field(name);
        // SAFETY: checked non-NULL; the caller's out-pointer.
        unsafe { *locp = heap.field_handle(id, f) as TSMLoc };
        TS_SUCCESS
    })
}

/// A new field without a name, not in the header until TSMimeHdrFieldAppend.
#[no_mangle]
pub unsafe extern "C" fn TSMimeHdrFieldCreate(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    locp: *mut TSMLoc,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        create_field(here!(), bufp, hdr, None, locp)
    })
}

/// A new named field (well-known names interned), not in the header until TSMimeHdrFieldAppend.
#[no_mangle]
pub unsafe extern "C" fn TSMimeHdrFieldCreateNamed(
    bufp: TSMBuffer,
    mh_mloc: TSMLoc,
    name: *const c_char,
    name_len: c_int,
    locp: *mut TSMLoc,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        // SAFETY: the plugin passes NULL or `name_len` bytes (a C string if `name_len` < 0).
        let Some(n) = (unsafe { req_bytes(who, "name", name, name_len) }) else {
            return TS_ERROR;
        };
        create_field(who, bufp, mh_mloc, Some(&n), locp)
    })
}

fn set_live(
    who: crate::api::Here,
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    live: bool,
) -> TSReturnCodeRaw {
    let Some(b) = heap_arg(who, bufp) else {
        return TS_ERROR;
    };
    let Some(id) = hdr_arg(who, &b, hdr) else {
        return TS_ERROR;
    };
    let Some(fid) = field_arg(who, &b, id, field) else {
        return TS_ERROR;
    };
    with_http(who, bufp, hdr, true, TS_ERROR, |h| {
        if h.set_live(fid, live) {
            TS_SUCCESS
        } else {
            crate::error!("{who}: field {field:p} was destroyed");
            TS_ERROR
        }
    })
}

/// Put a created (or removed) field into the header. It takes the place it was created at (in
/// ATS a field's slot is fixed at creation); after others of its name it is a duplicate.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldAppend(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || { set_live(here!(), bufp, hdr, field, true) })
}

/// Take this field (only this duplicate) out of the header; it can be appended again.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldRemove(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || { set_live(here!(), bufp, hdr, field, false) })
}

/// Delete this field (not its duplicates). The handle must still be released.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldDestroy(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        let Some(b) = heap_arg(who, bufp) else {
            return TS_ERROR;
        };
        let Some(id) = hdr_arg(who, &b, hdr) else {
            return TS_ERROR;
        };
        let Some(fid) = field_arg(who, &b, id, field) else {
            return TS_ERROR;
        };
        with_http(who, bufp, hdr, true, TS_ERROR, |h| {
            if h.delete_field(fid) {
                TS_SUCCESS
            } else {
                crate::error!("{who}: field {field:p} was already destroyed");
                TS_ERROR
            }
        })
    })
}

/// 1 if both handles are the same field.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldEqual(
    bufp: TSMBuffer,
    hdr_obj: TSMLoc,
    field1_obj: TSMLoc,
    field2_obj: TSMLoc,
) -> c_int {
    guard!(0, || {
        let who = here!();
        let Some(b) = heap_arg(who, bufp) else {
            return 0;
        };
        let Some(id) = hdr_arg(who, &b, hdr_obj) else {
            return 0;
        };
        match (
            field_arg(who, &b, id, field1_obj),
            field_arg(who, &b, id, field2_obj),
        ) {
            (Some(a), Some(c)) => (a == c) as c_int,
            _ => 0,
        }
    })
}

/// The name: for a well-known name the interned string (`TS_MIME_FIELD_HOST` itself for `host`).
#[no_mangle]
pub unsafe extern "C" fn TSMimeHdrFieldNameGet(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    length: *mut c_int,
) -> *const c_char {
    guard!(null(), || {
        let who = here!();
        let Some(length) = out_arg(who, "length", length) else {
            return null();
        };
        with_field(who, bufp, hdr, field, false, null(), |f| {
            // SAFETY: `length` is non-NULL (out_arg above) and the plugin's int.
            unsafe { give(f.name_ptr(), length) }
        })
    })
}

/// Renames the field (copied; `length` < 0: NUL-terminated). TS_ERROR for a NULL `name`, a bad
/// heap, header or field, or a read-only heap.
#[no_mangle]
pub unsafe extern "C" fn TSMimeHdrFieldNameSet(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    name: *const c_char,
    length: c_int,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        // SAFETY: the plugin passes NULL or `length` bytes (a C string if `length` < 0).
        let Some(n) = (unsafe { req_bytes(who, "name", name, length) }) else {
            return TS_ERROR;
        };
        with_field(who, bufp, hdr, field, true, TS_ERROR, |f| {
            f.set_name(&n);
            TS_SUCCESS
        })
    })
}

/// `idx < 0`: the whole value of this field (not its duplicates). Else element `idx` of a list
/// field (trimmed, unquoted: `a, "b,c" , d` has `b,c` at 1), or the whole value as element 0 of a
/// non-list field (Date, Cookie, Set-Cookie, ...); NULL and 0 past the end.
#[no_mangle]
pub unsafe extern "C" fn TSMimeHdrFieldValueStringGet(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    idx: c_int,
    value_len_ptr: *mut c_int,
) -> *const c_char {
    guard!(null(), || {
        let who = here!();
        let Some(length) = out_arg(who, "value_len_ptr", value_len_ptr) else {
            return null();
        };
        with_field(who, bufp, hdr, field, false, null(), |f| {
            // SAFETY: `length` is non-NULL (out_arg above) and the plugin's int.
            unsafe { give(slice(f.value_get(idx)), length) }
        })
    })
}

/// `idx < 0` replaces the whole value; else element `idx` (the list re-joined with ", "); an
/// index past the end changes nothing (TS_SUCCESS).
#[no_mangle]
pub unsafe extern "C" fn TSMimeHdrFieldValueStringSet(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    idx: c_int,
    value: *const c_char,
    length: c_int,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        // SAFETY: the plugin passes NULL or `length` bytes (a C string if `length` < 0).
        let Some(v) = (unsafe { req_bytes(who, "value", value, length) }) else {
            return TS_ERROR;
        };
        with_field(who, bufp, hdr, field, true, TS_ERROR, |f| {
            f.value_set(idx, &v);
            TS_SUCCESS
        })
    })
}

/// A new element before element `idx` (`idx < 0` or the count: at the end).
#[no_mangle]
pub unsafe extern "C" fn TSMimeHdrFieldValueStringInsert(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    idx: c_int,
    value: *const c_char,
    length: c_int,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        // SAFETY: the plugin passes NULL or `length` bytes (a C string if `length` < 0).
        let Some(v) = (unsafe { req_bytes(who, "value", value, length) }) else {
            return TS_ERROR;
        };
        with_field(who, bufp, hdr, field, true, TS_ERROR, |f| {
            f.value_insert(idx, &v);
            TS_SUCCESS
        })
    })
}

/// Appends `value` to element `idx` (`a, b` + (0, "ZZ") gives `aZZ, b`); adds no element.
#[no_mangle]
pub unsafe extern "C" fn TSMimeHdrFieldValueAppend(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    idx: c_int,
    value: *const c_char,
    length: c_int,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        if idx < 0 {
            crate::error!("{who}: negative index {idx}");
            return TS_ERROR;
        }
        // SAFETY: the plugin passes NULL or `length` bytes (a C string if `length` < 0).
        let Some(v) = (unsafe { req_bytes(who, "value", value, length) }) else {
            return TS_ERROR;
        };
        with_field(who, bufp, hdr, field, true, TS_ERROR, |f| {
            f.value_extend(idx, &v);
            TS_SUCCESS
        })
    })
}

/// Remove element `idx`.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldValueDelete(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    idx: c_int,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        if idx < 0 {
            crate::error!("{who}: negative index {idx}");
            return TS_ERROR;
        }
        with_field(who, bufp, hdr, field, true, TS_ERROR, |f| {
            f.value_delete(idx);
            TS_SUCCESS
        })
    })
}

/// Elements of a list field; 0 or 1 for a non-list field.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldValuesCount(bufp: TSMBuffer, hdr: TSMLoc, field: TSMLoc) -> c_int {
    guard!(0, || {
        with_field(here!(), bufp, hdr, field, false, 0, |f| {
            f.values_count() as c_int
        })
    })
}

/// The value becomes empty.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldValuesClear(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        with_field(here!(), bufp, hdr, field, true, TS_ERROR, |f| {
            f.set_value(None);
            TS_SUCCESS
        })
    })
}

/// `Name: value\r\n` length.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldLengthGet(bufp: TSMBuffer, hdr: TSMLoc, field: TSMLoc) -> c_int {
    guard!(0, || {
        with_field(here!(), bufp, hdr, field, false, 0, |f| f.length() as c_int)
    })
}

fn value_num<R: Default>(
    who: crate::api::Here,
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    idx: c_int,
    parse: fn(&[u8]) -> R,
) -> R {
    with_field(who, bufp, hdr, field, false, None, |f| {
        f.value_get(idx).map(parse)
    })
    .unwrap_or_default()
}

/// The element `idx` (or the whole value for `idx < 0`) as an int; 0 if none.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldValueIntGet(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    idx: c_int,
) -> c_int {
    guard!(0, || {
        value_num(here!(), bufp, hdr, field, idx, parse_int)
    })
}

/// The element `idx` (or the whole value for `idx < 0`) as an unsigned int; 0 if none or for a bad
/// heap, header or field.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldValueUintGet(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    idx: c_int,
) -> c_uint {
    guard!(0, || {
        value_num(here!(), bufp, hdr, field, idx, parse_uint)
    })
}

/// The element `idx` (or the whole value for `idx < 0`) as an int64; 0 if none or for a bad heap,
/// header or field.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldValueInt64Get(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    idx: c_int,
) -> i64 {
    guard!(0, || {
        value_num(here!(), bufp, hdr, field, idx, parse_int64)
    })
}

/// The field's whole value as an HTTP date, in seconds since the epoch; 0 when it is not one, or
/// for a bad heap, header or field (as ATS's mime_parse_date).
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldValueDateGet(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
) -> libc::time_t {
    guard!(0, || {
        value_num(here!(), bufp, hdr, field, -1, crate::hdrs::date::parse)
    })
}

/// Replace the field's values with `value` as an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`).
/// TS_ERROR for a read-only heap or a bad header or field.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldValueDateSet(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    value: libc::time_t,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let text = crate::hdrs::date::format(value);
        value_set_text(here!(), bufp, hdr, field, -1, text, false)
    })
}

/// As TSMimeHdrFieldValueDateSet (ATS clears the values, then sets the date as the only one).
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldValueDateInsert(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    value: libc::time_t,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || TSMimeHdrFieldValueDateSet(
        bufp, hdr, field, value
    ))
}

fn value_set_text(
    who: crate::api::Here,
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    idx: c_int,
    text: String,
    insert: bool,
) -> TSReturnCodeRaw {
    with_field(who, bufp, hdr, field, true, TS_ERROR, |f| {
        if insert {
            f.value_insert(idx, text.as_bytes());
        } else {
            f.value_set(idx, text.as_bytes());
        }
        TS_SUCCESS
    })
}

/// As TSMimeHdrFieldValueStringSet with the number in decimal.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldValueIntSet(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    idx: c_int,
    value: c_int,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        value_set_text(here!(), bufp, hdr, field, idx, value.to_string(), false)
    })
}

/// As TSMimeHdrFieldValueStringSet with the number in decimal.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldValueUintSet(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    idx: c_int,
    value: c_uint,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        value_set_text(here!(), bufp, hdr, field, idx, value.to_string(), false)
    })
}

/// As TSMimeHdrFieldValueStringSet with the number in decimal.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldValueInt64Set(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    idx: c_int,
    value: i64,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        value_set_text(here!(), bufp, hdr, field, idx, value.to_string(), false)
    })
}

/// As TSMimeHdrFieldValueStringInsert with the number in decimal.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldValueIntInsert(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    idx: c_int,
    value: c_int,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        value_set_text(here!(), bufp, hdr, field, idx, value.to_string(), true)
    })
}

/// As TSMimeHdrFieldValueStringInsert with the number in decimal.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldValueUintInsert(
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
    idx: c_int,
    value: c_uint,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        value_set_text(here!(), bufp, hdr, field, idx, value.to_string(), true)
    })
}

/// Name and value of a field, for the copy calls.
fn field_content(
    who: crate::api::Here,
    bufp: TSMBuffer,
    hdr: TSMLoc,
    field: TSMLoc,
) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
    with_field(who, bufp, hdr, field, false, None, |f| {
        Some((
            f.raw_name().to_vec(),
            f.value_hstr().map(|v| v.as_bytes().to_vec()),
        ))
    })
}

/// Give `dest_field` the name and value of `src_field` (any heaps).
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldCopy(
    dest_bufp: TSMBuffer,
    dest_hdr: TSMLoc,
    dest_field: TSMLoc,
    src_bufp: TSMBuffer,
    src_hdr: TSMLoc,
    src_field: TSMLoc,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        let Some((n, v)) = field_content(who, src_bufp, src_hdr, src_field) else {
            return TS_ERROR;
        };
        with_field(who, dest_bufp, dest_hdr, dest_field, true, TS_ERROR, |f| {
            f.set_name(&n);
            f.set_value(v.as_deref());
            TS_SUCCESS
        })
    })
}

/// Give `dest_field` the value of `src_field`.
#[no_mangle]
pub extern "C" fn TSMimeHdrFieldCopyValues(
    dest_bufp: TSMBuffer,
    dest_hdr: TSMLoc,
    dest_field: TSMLoc,
    src_bufp: TSMBuffer,
    src_hdr: TSMLoc,
    src_field: TSMLoc,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        let Some((_, v)) = field_content(who, src_bufp, src_hdr, src_field) else {
            return TS_ERROR;
        };
        with_field(who, dest_bufp, dest_hdr, dest_field, true, TS_ERROR, |f| {
            f.set_value(v.as_deref());
            TS_SUCCESS
        })
    })
}

/// A new (unappended) field of `dest_hdr` with the name and value of `src_field`.
#[no_mangle]
pub unsafe extern "C" fn TSMimeHdrFieldClone(
    dest_bufp: TSMBuffer,
    dest_hdr: TSMLoc,
    src_bufp: TSMBuffer,
    src_hdr: TSMLoc,
    src_field: TSMLoc,
    locp: *mut TSMLoc,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        let Some(locp) = out_arg(who, "locp", locp) else {
            return TS_ERROR;
        };
        let Some((n, v)) = field_content(who, src_bufp, src_hdr, src_field) else {
            return TS_ERROR;
        };
        with_hdr(who, dest_bufp, dest_hdr, true, TS_ERROR, |heap, id| {
            let h = &mut heap.hdr(id).unwrap().hdr;
            let f = h.create_field(Some(&n));
            if let Some(fld) = h.field_by_id_mut(f) {
                fld.set_value(v.as_deref());
            }
            // SAFETY: `locp` is non-NULL (out_arg above) and the plugin's TSMLoc variable.
            unsafe { *locp = heap.field_handle(id, f) as TSMLoc };
            TS_SUCCESS
        })
    })
}
