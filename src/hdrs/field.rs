//! [`Field`]: one MIME field of a header (ATS's `MIMEField`, proxy/hdrs/MIME.cc), and the helpers
//! over field values: the comma-separated list of a list field (`HttpCompat::parse_tok_list`,
//! quotes respected, whitespace trimmed) and ATS's integer parsing of values (`mime_parse_int`).
//!
//! A field is created detached (invisible to counting, lookup and printing) and becomes live when
//! attached; its id is unique in the process. A field name that is a well-known string is
//! interned. The field list itself (slot order, duplicates) is [`HttpHdr`](super::HttpHdr)'s.
//!
//! No `forbid(unsafe_code)`: the test `interned_names` reads through the pointer
//! [`Field::name_ptr`] hands C.

use std::sync::atomic::{AtomicU64, Ordering};

use super::text::HStr;
use super::tokens;
use crate::rt::bytes::Block;

/// Field ids are unique in the process, so a handle to a field that is gone never reaches
/// another field.
static NEXT_FIELD_ID: AtomicU64 = AtomicU64::new(1);
/// Ids are taken from [`NEXT_FIELD_ID`] this many at a time by each thread (a shared counter
/// bumped for every field of every request is a cache line the threads fight over).
const FIELD_ID_BLOCK: u64 = 4096;

thread_local! {
    /// The next id of this thread's block, and the end of the block.
    static FIELD_IDS: std::cell::Cell<(u64, u64)> = const { std::cell::Cell::new((0, 0)) };
}

fn next_field_id() -> u64 {
    FIELD_IDS.with(|c| {
        let (mut next, mut end) = c.get();
        if next == end {
            next = NEXT_FIELD_ID.fetch_add(FIELD_ID_BLOCK, Ordering::Relaxed);
            end = next + FIELD_ID_BLOCK;
        }
        c.set((next + 1, end));
        next
    })
}

#[derive(Debug)]
pub struct Field {
    pub(crate) id: u64,
    /// The well-known string of the name, if it is one.
    wks: Option<usize>,
    /// As written (printed this way); None for a field created without a name.
    pub(super) name: Option<HStr>,
    value: Option<HStr>,
    pub(super) live: bool,
}

fn is_ws(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

pub(super) fn trim(v: &[u8]) -> &[u8] {
    let s = v.iter().position(|c| !is_ws(*c)).unwrap_or(v.len());
    let e = v
        .iter()
        .rposition(|c| !is_ws(*c))
        .map(|e| e + 1)
        .unwrap_or(s);
    &v[s..e.max(s)]
}

/// The elements of a comma-separated value, as byte ranges of it (ATS's
/// `HttpCompat::parse_tok_list` with ',' as the separator): whitespace around an element is
/// trimmed, commas inside double quotes do not separate, and with `trim_quotes` the quotes
/// around an element are dropped. Empty elements count (`a,,b` has three). An empty value has
/// no element.
pub fn tok_list(s: &[u8], trim_quotes: bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let l = s.len();
    if l == 0 {
        return out;
    }
    let mut i = 0;
    let mut hit_sep = false;
    let mut before_ws = 0;
    while i < l {
        while i < l && is_ws(s[i]) {
            i += 1;
        }
        if i < l && s[i] == b',' {
            out.push((before_ws, before_ws));
            before_ws = i + 1;
            i = before_ws;
            hit_sep = true;
            continue;
        }
        if i >= l {
            break;
        }
        let mut start = i;
        let mut in_quote;
        let mut e;
        if s[i] == b'"' {
            in_quote = true;
            e = i + 1;
            if trim_quotes {
                start += 1;
            }
        } else {
            in_quote = false;
            e = i;
        }
        while e < l && (in_quote || s[e] != b',') {
            if s[e] == b'"' {
                in_quote = !in_quote;
            }
            e += 1;
        }
        hit_sep = e < l;
        before_ws = e + 1;
        while e > start && is_ws(s[e - 1]) {
            e -= 1;
        }
        if trim_quotes && e > start && s[e - 1] == b'"' {
            e -= 1;
        }
        out.push((start, e));
        i = before_ws;
    }
    if hit_sep || out.is_empty() {
        let at = before_ws.min(l);
        out.push((at, at));
    }
    out
}

/// Join list elements with ", " (ATS's `mime_field_value_str_from_strlist`).
fn join(parts: &[&[u8]]) -> Vec<u8> {
    let mut v = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            v.extend_from_slice(b", ");
        }
        v.extend_from_slice(p);
    }
    v
}

/// A copy is a new field (with an id of its own).
impl Clone for Field {
    #[inline]
    fn clone(&self) -> Field {
        Field {
            id: next_field_id(),
            wks: self.wks,
            name: self.name.clone(),
            value: self.value.clone(),
            live: self.live,
        }
    }
}

impl Field {
    pub(super) fn new(name: Option<&[u8]>, value: Option<&[u8]>, live: bool) -> Field {
        Field::new_in(None, name, value, live)
    }

    /// A live field named by well-known string `wks` (its canonical spelling, interned: no name
    /// lookup, no copy) with `value`.
    pub(super) fn known(wks: usize, value: HStr) -> Field {
        Field {
            id: next_field_id(),
            wks: Some(wks),
            name: Some(HStr::from_static_nul(tokens::token(wks).nul())),
            value: Some(value),
            live: true,
        }
    }

    /// A field whose strings are taken from `block` (a parsed head's) when there is one.
    #[inline(always)]
    pub(super) fn new_in(
        mut block: Option<&mut Block>,
        name: Option<&[u8]>,
        value: Option<&[u8]>,
        live: bool,
    ) -> Field {
        let spelled = name.and_then(tokens::lookup_spelled);
        let wks = spelled.map(|(i, _)| i);
        let mut text = |b: &[u8]| HStr::in_block(block.as_deref_mut(), b);
        Field {
            id: next_field_id(),
            wks,
            // A name spelled as its well-known string is that string (no copy).
            name: name.map(|n| match spelled {
                Some((i, true)) => HStr::from_static_nul(tokens::token(i).nul()),
                _ => text(n),
            }),
            value: value.map(text),
            live,
        }
    }

    /// The name as written ("" if it has none).
    pub fn raw_name(&self) -> &[u8] {
        self.name.as_ref().map(HStr::as_bytes).unwrap_or_default()
    }

    /// The name as ATS reports it (`MIMEField::name_get`): the interned canonical string of a
    /// well-known name (`hOsT` reads as `Host`, at the address of `TS_MIME_FIELD_HOST`), else as
    /// written; None for a field without a name.
    pub fn name_ptr(&self) -> Option<(*const std::os::raw::c_char, usize)> {
        match (self.wks, &self.name) {
            (Some(i), _) => Some((tokens::token(i).as_ptr(), tokens::token(i).text().len())),
            (None, Some(n)) => Some((n.as_ptr(), n.len())),
            (None, None) => None,
        }
    }

    pub fn value(&self) -> &[u8] {
        self.value.as_ref().map(HStr::as_bytes).unwrap_or_default()
    }

    pub(crate) fn value_hstr(&self) -> Option<&HStr> {
        self.value.as_ref()
    }

    /// The well-known string of the name, if it is one ([`tokens::lookup`]).
    pub fn wks(&self) -> Option<usize> {
        self.wks
    }

    /// Does this field have this name (ASCII case-insensitive)?
    pub fn is_named(&self, name: &[u8]) -> bool {
        self.name
            .as_ref()
            .is_some_and(|n| n.as_bytes().eq_ignore_ascii_case(name))
    }

    /// Is the value a comma-separated list (`MIMEField::supports_commas`)?
    pub fn supports_commas(&self) -> bool {
        tokens::name_supports_commas(self.wks)
    }

    pub fn set_name(&mut self, name: &[u8]) {
        self.wks = tokens::lookup(name);
        self.name = Some(HStr::known_or_new(name, self.wks));
    }

    /// Replace the whole value (None: no value, as TSMimeHdrFieldValuesClear).
    pub fn set_value(&mut self, value: Option<&[u8]>) {
        self.value = value.map(HStr::new);
    }

    /// Set the value to a string made before (shared, not copied).
    pub fn set_value_hstr(&mut self, value: HStr) {
        self.value = Some(value);
    }

    /// TSMimeHdrFieldValueStringGet: `idx < 0` the whole value; else element `idx` of a list
    /// field (quotes and whitespace trimmed), or of a non-list field the whole value as element
    /// 0. The slice points into the stored value.
    pub fn value_get(&self, idx: i32) -> Option<&[u8]> {
        let v = self.value.as_ref()?.as_bytes();
        if idx < 0 {
            return Some(v);
        }
        if !self.supports_commas() {
            return (idx == 0).then_some(v);
        }
        tok_list(v, true).get(idx as usize).map(|&(s, e)| &v[s..e])
    }

    /// TSMimeHdrFieldValuesCount: elements of a list field; 0 or 1 for a non-list field.
    pub fn values_count(&self) -> usize {
        let v = self.value();
        if !self.supports_commas() {
            return usize::from(!v.is_empty());
        }
        tok_list(v, true).len()
    }

    /// The elements with their quotes (what ATS re-joins after changing one).
    fn elements(&self) -> Vec<&[u8]> {
        let v = self.value();
        tok_list(v, false)
            .into_iter()
            .map(|(s, e)| &v[s..e])
            .collect()
    }

    /// TSMimeHdrFieldValueStringSet: `idx < 0` replaces the whole value; otherwise element
    /// `idx` is replaced and the list re-joined with ", " (whatever the field, as ATS); an index
    /// past the end changes nothing.
    pub fn value_set(&mut self, idx: i32, value: &[u8]) {
        if idx < 0 {
            self.set_value(Some(value));
            return;
        }
        let mut el = self.elements();
        let Some(slot) = el.get_mut(idx as usize) else {
            return;
        };
        *slot = value;
        let v = join(&el);
        self.set_value(Some(&v));
    }

    /// TSMimeHdrFieldValueStringInsert: a new element before element `idx`; `idx < 0` or the
    /// element count appends; beyond that nothing changes.
    pub fn value_insert(&mut self, idx: i32, value: &[u8]) {
        let mut el = self.elements();
        let at = if idx < 0 { el.len() } else { idx as usize };
        if at > el.len() {
            return;
        }
        el.insert(at, value);
        let v = join(&el);
        self.set_value(Some(&v));
    }

    /// TSMimeHdrFieldValueAppend: `value` is appended to element `idx` (inside its quotes if it
    /// is quoted); it adds no element. An index past the end changes nothing.
    pub fn value_extend(&mut self, idx: i32, value: &[u8]) {
        let el = self.elements();
        let Some(cell) = usize::try_from(idx).ok().and_then(|i| el.get(i)) else {
            return;
        };
        let mut ext = Vec::with_capacity(cell.len() + value.len());
        if cell.len() >= 2 && cell[0] == b'"' && cell[cell.len() - 1] == b'"' {
            ext.extend_from_slice(&cell[..cell.len() - 1]);
            ext.extend_from_slice(value);
            ext.push(b'"');
        } else {
            ext.extend_from_slice(cell);
            ext.extend_from_slice(value);
        }
        let i = idx as usize;
        let mut parts = el.clone();
        parts[i] = &ext;
        let v = join(&parts);
        self.set_value(Some(&v));
    }

    /// TSMimeHdrFieldValueDelete: remove element `idx` (none left: no value).
    pub fn value_delete(&mut self, idx: i32) {
        let mut el = self.elements();
        let Some(i) = usize::try_from(idx).ok().filter(|i| *i < el.len()) else {
            return;
        };
        el.remove(i);
        if el.is_empty() {
            self.set_value(None);
        } else {
            let v = join(&el);
            self.set_value(Some(&v));
        }
    }

    /// Length of the field printed (`Name: value\r\n`), as TSMimeHdrFieldLengthGet.
    pub fn length(&self) -> usize {
        self.raw_name().len() + self.value().len() + 4
    }
}

/// Parse an integer as ATS's `mime_parse_int`/`mime_parse_int64`: leading digits (after
/// whitespace, with an optional '-'); 0 if there are none.
pub fn parse_int64(v: &[u8]) -> i64 {
    let mut i = 0;
    while i < v.len() && matches!(v[i], b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c) {
        i += 1;
    }
    let neg = i < v.len() && v[i] == b'-';
    if neg {
        i += 1;
    }
    let mut n: i64 = 0;
    while i < v.len() && v[i].is_ascii_digit() {
        n = n.wrapping_mul(10).wrapping_sub((v[i] - b'0') as i64);
        i += 1;
    }
    if neg {
        n
    } else {
        n.wrapping_neg()
    }
}

/// `mime_parse_int`: as [`parse_int64`], saturated to the `int` range.
pub fn parse_int(v: &[u8]) -> i32 {
    let mut i = 0;
    while i < v.len() && matches!(v[i], b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c) {
        i += 1;
    }
    let neg = i < v.len() && v[i] == b'-';
    if neg {
        i += 1;
    }
    let mut n: i64 = 0;
    while i < v.len() && v[i].is_ascii_digit() {
        n = (n * 10 + (v[i] - b'0') as i64).min(i32::MAX as i64 + 1);
        i += 1;
    }
    let n = if neg { -n } else { n };
    n.clamp(i32::MIN as i64, i32::MAX as i64) as i32
}

/// `mime_parse_uint`: leading digits after whitespace (no sign), wrapping.
pub fn parse_uint(v: &[u8]) -> u32 {
    let mut i = 0;
    while i < v.len() && matches!(v[i], b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c) {
        i += 1;
    }
    let mut n: u32 = 0;
    while i < v.len() && v[i].is_ascii_digit() {
        n = n.wrapping_mul(10).wrapping_add((v[i] - b'0') as u32);
        i += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hdrs::HttpHdr;

    fn els(v: &str, trim_quotes: bool) -> Vec<String> {
        let b = v.as_bytes();
        tok_list(b, trim_quotes)
            .into_iter()
            .map(|(s, e)| String::from_utf8(b[s..e].to_vec()).unwrap())
            .collect()
    }

    #[test]
    fn value_lists_split_like_ats() {
        assert_eq!(els(r#"a, "b,c" , d"#, true), ["a", "b,c", "d"]);
        assert_eq!(els(r#"a, "b,c" , d"#, false), ["a", "\"b,c\"", "d"]);
        assert_eq!(els("a,,b", true), ["a", "", "b"]);
        assert_eq!(els("a,", true), ["a", ""]);
        assert_eq!(els("   ", true), [""]);
        assert_eq!(els("", true), Vec::<String>::new());
        assert_eq!(els(" x ", true), ["x"]);
        // No backslash escapes inside quotes (as ATS): the second quote closes.
        assert_eq!(els(r#""a\"b", c"#, true).len(), 1);
    }

    fn field(name: &str, value: &str) -> Field {
        Field::new(Some(name.as_bytes()), Some(value.as_bytes()), true)
    }

    fn get(f: &Field, i: i32) -> Option<String> {
        f.value_get(i)
            .map(|v| String::from_utf8(v.to_vec()).unwrap())
    }

    #[test]
    fn list_and_non_list_fields() {
        let f = field("X-List", r#"a, "b,c" , d"#);
        assert_eq!(get(&f, 1).as_deref(), Some("b,c"));
        assert_eq!(get(&f, 3), None);
        assert_eq!(get(&f, -1).as_deref(), Some(r#"a, "b,c" , d"#));
        assert_eq!(f.values_count(), 3);

        let d = field("Date", "Tue, 01 Jan 2030 00:00:00 GMT");
        assert_eq!(get(&d, 0).as_deref(), Some("Tue, 01 Jan 2030 00:00:00 GMT"));
        assert_eq!(get(&d, 1), None);
        assert_eq!(d.values_count(), 1);
        let c = field("cookie", "a=1, b=2");
        assert_eq!(c.values_count(), 1, "Cookie is not a list for ATS");
        let mut e = field("Cookie", "");
        assert_eq!(e.values_count(), 0);
        e.set_value(None);
        assert_eq!(get(&e, 0), None);
        assert_eq!(field("Accept", "").values_count(), 0);
    }

    #[test]
    fn value_edits_by_index() {
        let mut f = field("X", r#"a,  "b,c" ,d"#);
        f.value_set(1, b"B");
        assert_eq!(f.value(), b"a, B, d", "re-joined with \", \"");
        f.value_set(7, b"zz");
        assert_eq!(f.value(), b"a, B, d", "out of range: unchanged");
        f.value_insert(0, b"first");
        assert_eq!(f.value(), b"first, a, B, d");
        f.value_insert(-1, b"last");
        assert_eq!(f.value(), b"first, a, B, d, last");
        f.value_insert(5, b"end");
        assert_eq!(f.value(), b"first, a, B, d, last, end");
        f.value_insert(9, b"no");
        assert_eq!(f.value(), b"first, a, B, d, last, end");
        f.value_delete(0);
        f.value_delete(4);
        assert_eq!(f.value(), b"a, B, d, last");
        f.value_set(-1, b"a, b");
        f.value_extend(0, b"ZZ");
        assert_eq!(f.value(), b"aZZ, b", "append extends an element");
        assert_eq!(f.values_count(), 2);
        let mut q = field("X", r#""q", r"#);
        q.value_extend(0, b"x");
        assert_eq!(q.value(), br#""qx", r"#, "inside the quotes");
        q.value_extend(2, b"x");
        assert_eq!(q.value(), br#""qx", r"#);
        let mut one = field("X", "only");
        one.value_delete(0);
        assert_eq!(one.value_hstr(), None);
        let mut empty = field("X", "");
        empty.set_value(None);
        empty.value_insert(-1, b"a");
        assert_eq!(empty.value(), b"a");
        // Set by index splits even a non-list field, as ATS does.
        let mut d = field("Date", "Tue, 01 Jan");
        d.value_set(0, b"Wed");
        assert_eq!(d.value(), b"Wed, 01 Jan");
    }

    #[test]
    fn interned_names() {
        let f = field("hOsT", "x");
        let (p, n) = f.name_ptr().unwrap();
        assert!(std::ptr::eq(p.cast::<u8>(), tokens::bytes::HOST.as_ptr()));
        assert_eq!(n, 4);
        assert_eq!(f.raw_name(), b"hOsT", "printed as written");
        let g = field("X-Mine", "y");
        let (p, n) = g.name_ptr().unwrap();
        assert_eq!(
            unsafe { std::slice::from_raw_parts(p.cast::<u8>(), n) },
            b"X-Mine"
        );
        let mut h = HttpHdr::request(b"GET", b"/", (1, 1), &[]);
        assert_eq!(
            h.method_ptr().unwrap().0.cast::<u8>(),
            tokens::bytes::METHOD_GET.as_ptr()
        );
        h.set_method(b"get");
        assert_ne!(
            h.method_ptr().unwrap().0.cast::<u8>(),
            tokens::bytes::METHOD_GET.as_ptr(),
            "methods are case-sensitive"
        );
    }

    #[test]
    fn tokens_and_ints() {
        let h = HttpHdr::response(
            (1, 1),
            200,
            b"OK",
            &[
                (b"Connection", b"keep-alive, Close"),
                (b"Transfer-Encoding", b"gzip"),
                (b"transfer-encoding", b"chunked"),
            ],
        );
        assert!(h.has_token(b"connection", b"close"));
        assert!(h.has_token(b"Transfer-Encoding", b"CHUNKED"));
        assert!(!h.has_token(b"Connection", b"upgrade"));
        assert_eq!(parse_int(b" 42x"), 42);
        assert_eq!(parse_int(b"-7"), -7);
        assert_eq!(parse_int(b"99999999999"), i32::MAX);
        assert_eq!(parse_int64(b"12345678901"), 12345678901);
        assert_eq!(parse_int64(b"-5"), -5);
        assert_eq!(parse_uint(b" 17"), 17);
        assert_eq!(parse_int(b""), 0);
    }
}
