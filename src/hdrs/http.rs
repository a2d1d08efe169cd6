//! [`HttpHdr`]: one HTTP request or response header (ATS's `HTTPHdrImpl` with its `MIMEHdrImpl`):
//! request line or status line, and the MIME fields ([`Field`], in field.rs) in slot (wire) order
//! with duplicates kept. Parsing and printing the wire form are in wire.rs.
//!
//! Fields follow ATS's MIME model (proxy/hdrs/MIME.cc): a field is created detached (invisible
//! to counting, lookup and printing) and becomes live when attached; it keeps the slot it was
//! created in, so a field created early and attached late prints where it was created.
#![forbid(unsafe_code)]

use super::field::trim;
use super::text::{Dec, HStr};
use super::tokens;
use super::url::Url;
use crate::rt::bytes::Block;

/// The field type and its value helpers, at their old paths.
pub use super::field::{parse_int, parse_int64, parse_uint, tok_list, Field};

/// ATS's `TSHttpType`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HdrType {
    #[default]
    Unknown,
    Request,
    Response,
}

/// An HTTP header: method, URL and version of a request, or version, status and reason of a
/// response, and its fields.
#[derive(Debug)]
pub struct HttpHdr {
    htype: HdrType,
    method: Option<HStr>,
    /// The interned well-known method (case-sensitive match).
    method_wks: Option<usize>,
    url: Url,
    version: (u8, u8),
    status: u16,
    reason: Option<HStr>,
    /// Slot order; deleted fields are removed, detached ones stay in their slot.
    fields: Vec<Field>,
}

/// Where [`HttpHdr::find_known`] found the live fields of a name: the first one's index, and
/// whether there are others.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Found {
    pub first: Option<usize>,
    pub more: bool,
}

/// Room for the fields a proxy adds to a header it copies or parses (Via, X-Forwarded-For,
/// Connection, ...) without growing the field list.
const FIELDS_SPARE: usize = 4;

impl Clone for HttpHdr {
    #[inline]
    fn clone(&self) -> HttpHdr {
        let mut fields = Vec::with_capacity(self.fields.len() + FIELDS_SPARE);
        fields.extend(self.fields.iter().cloned());
        HttpHdr {
            htype: self.htype,
            method: self.method.clone(),
            method_wks: self.method_wks,
            url: self.url.clone(),
            version: self.version,
            status: self.status,
            reason: self.reason.clone(),
            fields,
        }
    }
}

impl Default for HttpHdr {
    fn default() -> Self {
        HttpHdr::new(HdrType::Unknown)
    }
}

impl HttpHdr {
    /// A new header of this type (HTTP/1.0, no method, status 0, no fields), as ATS's
    /// `http_hdr_create`.
    pub fn new(htype: HdrType) -> HttpHdr {
        HttpHdr {
            htype,
            method: None,
            method_wks: None,
            url: Url::default(),
            version: (1, 0),
            status: 0,
            reason: None,
            fields: Vec::new(),
        }
    }

    /// A request. `target` is parsed as ATS's request line parser would ([`Url::parse`]); one
    /// that does not parse is kept as the path.
    pub fn request(
        method: &[u8],
        target: &[u8],
        version: (u8, u8),
        fields: &[(&[u8], &[u8])],
    ) -> HttpHdr {
        HttpHdr::request_in(None, method, target, version, fields)
    }

    /// [`HttpHdr::request`] of a parsed head: `method` and `fields` are slices of `head`, and
    /// their strings share one copy of it (one allocation instead of one per string).
    pub fn parsed_request(
        head: &[u8],
        method: &[u8],
        target: &[u8],
        version: (u8, u8),
        fields: &[(&[u8], &[u8])],
    ) -> HttpHdr {
        let mut block = Block::copy_of(head);
        HttpHdr::request_in(Some(&mut block), method, target, version, fields)
    }

    /// [`HttpHdr::parsed_request`] with its target parsed already (the proxy refuses a target
    /// that does not parse instead of taking it as a path).
    pub fn parsed_request_url(
        head: &[u8],
        method: &[u8],
        url: Url,
        version: (u8, u8),
        fields: &[(&[u8], &[u8])],
    ) -> HttpHdr {
        let mut block = Block::copy_of(head);
        HttpHdr::request_in_url(Some(&mut block), method, url, version, fields)
    }

    #[inline(always)]
    fn request_in(
        block: Option<&mut Block>,
        method: &[u8],
        target: &[u8],
        version: (u8, u8),
        fields: &[(&[u8], &[u8])],
    ) -> HttpHdr {
        let url = Url::parse(target).unwrap_or_else(|| {
            let mut u = Url::default();
            u.set_path(target);
            u
        });
        HttpHdr::request_in_url(block, method, url, version, fields)
    }

    #[inline(always)]
    fn request_in_url(
        mut block: Option<&mut Block>,
        method: &[u8],
        url: Url,
        version: (u8, u8),
        fields: &[(&[u8], &[u8])],
    ) -> HttpHdr {
        let mut h = HttpHdr::new(HdrType::Request);
        h.fields.reserve_exact(fields.len() + FIELDS_SPARE);
        h.method_wks = tokens::lookup_exact(method);
        h.method = Some(HStr::in_block(block.as_deref_mut(), method));
        h.url = url;
        h.version = version;
        for (n, v) in fields {
            h.fields
                .push(Field::new_in(block.as_deref_mut(), Some(n), Some(v), true));
        }
        h
    }

    /// A response.
    pub fn response(
        version: (u8, u8),
        status: u16,
        reason: &[u8],
        fields: &[(&[u8], &[u8])],
    ) -> HttpHdr {
        HttpHdr::response_in(None, version, status, reason, fields)
    }

    /// [`HttpHdr::response`] of a parsed head: `reason` and `fields` are slices of `head`, and
    /// their strings share one copy of it.
    pub fn parsed_response(
        head: &[u8],
        version: (u8, u8),
        status: u16,
        reason: &[u8],
        fields: &[(&[u8], &[u8])],
    ) -> HttpHdr {
        let mut block = Block::copy_of(head);
        HttpHdr::response_in(Some(&mut block), version, status, reason, fields)
    }

    #[inline(always)]
    fn response_in(
        mut block: Option<&mut Block>,
        version: (u8, u8),
        status: u16,
        reason: &[u8],
        fields: &[(&[u8], &[u8])],
    ) -> HttpHdr {
        let mut h = HttpHdr::new(HdrType::Response);
        h.fields.reserve_exact(fields.len() + FIELDS_SPARE);
        h.version = version;
        h.status = status;
        // The usual reason of the status is the static string (no copy).
        h.reason = Some(match tokens::reason_cstr(status.into()) {
            Some(r) if r.to_bytes() == reason => HStr::from_static_nul(r.to_bytes_with_nul()),
            _ => HStr::in_block(block.as_deref_mut(), reason),
        });
        for (n, v) in fields {
            h.fields
                .push(Field::new_in(block.as_deref_mut(), Some(n), Some(v), true));
        }
        h
    }

    // ---------------------------------------------------------------------------------------
    // Request and status line

    pub fn hdr_type(&self) -> HdrType {
        self.htype
    }

    /// TSHttpHdrTypeSet: only an Unknown header takes a type (a request gets a fresh URL);
    /// later changes are ignored, as in ATS.
    pub fn set_type(&mut self, t: HdrType) {
        if self.htype == HdrType::Unknown && t != HdrType::Unknown {
            self.htype = t;
            if t == HdrType::Request {
                self.url = Url::default();
            }
        }
    }

    /// The method ("" if none yet).
    pub fn method(&self) -> &[u8] {
        match self.method_wks {
            Some(i) => tokens::token(i).text(),
            None => self.method.as_ref().map(HStr::as_bytes).unwrap_or_default(),
        }
    }

    /// The method for C: the interned `TS_HTTP_METHOD_*` string of a well-known method.
    pub(crate) fn method_ptr(&self) -> Option<(*const std::os::raw::c_char, usize)> {
        match (self.method_wks, &self.method) {
            (Some(i), _) => Some((tokens::token(i).as_ptr(), tokens::token(i).text().len())),
            (None, Some(m)) => Some((m.as_ptr(), m.len())),
            (None, None) => None,
        }
    }

    pub fn set_method(&mut self, m: &[u8]) {
        self.method_wks = tokens::lookup_exact(m);
        self.method = Some(HStr::new(m));
    }

    pub fn url(&self) -> &Url {
        &self.url
    }

    pub fn url_mut(&mut self) -> &mut Url {
        &mut self.url
    }

    pub fn set_url(&mut self, url: Url) {
        self.url = url;
    }

    pub fn version(&self) -> (u8, u8) {
        self.version
    }

    pub fn set_version(&mut self, v: (u8, u8)) {
        self.version = v;
    }

    /// The status of a response (0 for a request).
    pub fn status(&self) -> u16 {
        self.status
    }

    pub fn set_status(&mut self, s: u16) {
        self.status = s;
    }

    pub fn reason(&self) -> &[u8] {
        self.reason.as_ref().map(HStr::as_bytes).unwrap_or_default()
    }

    pub(crate) fn reason_hstr(&self) -> Option<&HStr> {
        self.reason.as_ref()
    }

    pub fn set_reason(&mut self, r: &[u8]) {
        self.reason = Some(HStr::new(r));
    }

    // ---------------------------------------------------------------------------------------
    // Fields by name

    pub(super) fn live(&self) -> impl Iterator<Item = &Field> {
        self.fields.iter().filter(|f| f.live)
    }

    /// The value of the first field of this name (ASCII case-insensitive).
    pub fn field(&self, name: &[u8]) -> Option<&[u8]> {
        self.live().find(|f| f.is_named(name)).map(Field::value)
    }

    /// The fields as they go on the wire: (name as written, value), in order, duplicates
    /// included. Fields without a name and ATS-internal ones (`@...`) are not sent.
    pub fn fields(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.live()
            .filter(|f| !f.raw_name().is_empty() && f.raw_name()[0] != b'@')
            .map(|f| (f.raw_name(), f.value()))
    }

    /// The values of every field of this name, in order.
    pub fn field_values(&self, name: &[u8]) -> Vec<&[u8]> {
        self.live()
            .filter(|f| f.is_named(name))
            .map(Field::value)
            .collect()
    }

    /// Give this name exactly one field with this value (ATS's `value_set`): a single field
    /// keeps its place, duplicates are replaced by one new field at the end.
    pub fn set_field(&mut self, name: &[u8], value: &[u8]) {
        if let Some(f) = self.single_field_mut(name) {
            f.set_value(Some(value));
            return;
        }
        self.remove_field(name);
        self.append_field(name, value);
    }

    /// [`HttpHdr::set_field`] with a value made before (shared, not copied).
    pub fn set_field_hstr(&mut self, name: &[u8], value: HStr) {
        if let Some(f) = self.single_field_mut(name) {
            f.set_value_hstr(value);
            return;
        }
        self.remove_field(name);
        let mut f = Field::new(Some(name), None, true);
        f.set_value_hstr(value);
        self.fields.push(f);
    }

    /// For each well-known string of `wks` (their indexes), where its live fields are: the first
    /// one's index and whether there is another; in one pass. A field's name is looked up once,
    /// when it is made or renamed: this compares indexes only.
    pub fn find_known<const N: usize>(&self, wks: [usize; N]) -> [Found; N] {
        let mut found = [Found::default(); N];
        for (i, f) in self.fields.iter().enumerate() {
            let Some(w) = f.wks().filter(|_| f.live) else {
                continue;
            };
            for (k, x) in wks.iter().enumerate() {
                if *x == w {
                    match found[k].first {
                        None => found[k].first = Some(i),
                        Some(_) => found[k].more = true,
                    }
                }
            }
        }
        found
    }

    /// [`HttpHdr::field`] for a well-known name (`wks`, its index): no name compared.
    pub fn known_field(&self, wks: usize) -> Option<&[u8]> {
        self.known_value(self.find_known([wks])[0])
    }

    /// The value of the first field [`HttpHdr::find_known`] found.
    pub fn known_value(&self, found: Found) -> Option<&[u8]> {
        found.first.map(|i| self.fields[i].value())
    }

    /// [`HttpHdr::set_field_hstr`] for a well-known name (`wks`, its index): one pass over the
    /// fields, no name compared; a new field is named in the canonical spelling.
    pub fn set_known(&mut self, wks: usize, value: HStr) {
        let found = self.find_known([wks])[0];
        self.put_known(wks, found, value);
    }

    /// [`HttpHdr::set_known`] where [`HttpHdr::find_known`] found the fields already (and
    /// nothing changed the list since).
    pub fn put_known(&mut self, wks: usize, found: Found, value: HStr) {
        match found {
            Found {
                first: Some(i),
                more: false,
            } => self.fields[i].set_value_hstr(value),
            Found { first: None, .. } => self.fields.push(Field::known(wks, value)),
            Found { .. } => {
                self.fields.retain(|f| !(f.live && f.wks() == Some(wks)));
                self.fields.push(Field::known(wks, value));
            }
        }
    }

    /// The live field of this name if there is exactly one.
    fn single_field_mut(&mut self, name: &[u8]) -> Option<&mut Field> {
        let mut named = self
            .fields
            .iter_mut()
            .filter(|f| f.live && f.is_named(name));
        let first = named.next()?;
        named.next().is_none().then_some(first)
    }

    /// Add a field at the end (after any of the same name).
    pub fn append_field(&mut self, name: &[u8], value: &[u8]) {
        self.fields.push(Field::new(Some(name), Some(value), true));
    }

    /// Delete every live field `pred` accepts, in one pass.
    pub fn remove_fields_by(&mut self, mut pred: impl FnMut(&Field) -> bool) {
        self.fields.retain(|f| !(f.live && pred(f)));
    }

    /// The value of the field of this name if there is exactly one.
    pub fn only_field(&self, name: &[u8]) -> Option<&[u8]> {
        let mut named = self.live().filter(|f| f.is_named(name));
        let first = named.next()?;
        named.next().is_none().then(|| first.value())
    }

    /// Delete every field of this name; false if there was none.
    pub fn remove_field(&mut self, name: &[u8]) -> bool {
        let before = self.fields.len();
        self.fields.retain(|f| !(f.live && f.is_named(name)));
        self.fields.len() != before
    }

    /// Does a comma-separated element of any field of this name equal `token` (ASCII
    /// case-insensitive)? (`Connection: close`, `Transfer-Encoding: chunked`.)
    #[inline]
    pub fn has_token(&self, name: &[u8], token: &[u8]) -> bool {
        self.live().filter(|f| f.is_named(name)).any(|f| {
            let v = f.value();
            if v.is_empty() {
                return false;
            }
            if !v.iter().any(|&c| c == b',' || c == b'"') {
                // One element: the value, trimmed (what tok_list gives, without a list).
                return trim(v).eq_ignore_ascii_case(token);
            }
            tok_list(v, true)
                .into_iter()
                .any(|(s, e)| v[s..e].eq_ignore_ascii_case(token))
        })
    }

    /// Remove every field (TSMimeHdrFieldsClear).
    pub fn clear_fields(&mut self) {
        self.fields.clear();
    }

    // ---------------------------------------------------------------------------------------
    // Fields by id (the C API's field handles)

    pub fn field_by_id(&self, id: u64) -> Option<&Field> {
        self.fields.iter().find(|f| f.id == id)
    }

    pub(crate) fn field_by_id_mut(&mut self, id: u64) -> Option<&mut Field> {
        self.fields.iter_mut().find(|f| f.id == id)
    }

    /// Live fields (TSMimeHdrFieldsCount).
    pub fn field_count(&self) -> usize {
        self.live().count()
    }

    /// The `idx`-th live field.
    pub(crate) fn field_at(&self, idx: usize) -> Option<u64> {
        self.live().nth(idx).map(|f| f.id)
    }

    /// The first live field of this name.
    pub(crate) fn find(&self, name: &[u8]) -> Option<u64> {
        self.live().find(|f| f.is_named(name)).map(|f| f.id)
    }

    /// The next live field after this one in slot order (also for a detached field, which has
    /// a slot too).
    pub(crate) fn next_field(&self, id: u64) -> Option<u64> {
        let pos = self.fields.iter().position(|f| f.id == id)?;
        self.fields[pos + 1..].iter().find(|f| f.live).map(|f| f.id)
    }

    /// The next live field with the same name (none for a detached field, as ATS's dup chain).
    pub(crate) fn next_dup(&self, id: u64) -> Option<u64> {
        let pos = self.fields.iter().position(|f| f.id == id)?;
        let f = &self.fields[pos];
        if !f.live {
            return None;
        }
        let name = f.name.as_ref()?.as_bytes();
        self.fields[pos + 1..]
            .iter()
            .find(|g| g.live && g.is_named(name))
            .map(|g| g.id)
    }

    /// A new detached field in the next slot (TSMimeHdrFieldCreate/CreateNamed).
    pub(crate) fn create_field(&mut self, name: Option<&[u8]>) -> u64 {
        let f = Field::new(name, None, false);
        let id = f.id;
        self.fields.push(f);
        id
    }

    /// Attach (TSMimeHdrFieldAppend) or detach (TSMimeHdrFieldRemove) a field; it keeps its slot.
    pub(crate) fn set_live(&mut self, id: u64, live: bool) -> bool {
        match self.field_by_id_mut(id) {
            Some(f) => {
                f.live = live;
                true
            }
            None => false,
        }
    }

    /// Delete one field (not its duplicates).
    pub(crate) fn delete_field(&mut self, id: u64) -> bool {
        let before = self.fields.len();
        self.fields.retain(|f| f.id != id);
        self.fields.len() != before
    }

    // ---------------------------------------------------------------------------------------
    // ATS behaviour around the header

    /// What ATS does to a client request before READ_REQUEST_HDR (`HttpTransact::ModifyRequest`):
    /// a URL without a well-known scheme gets `http` (`https` on a TLS connection), except for
    /// CONNECT; and for an absolute-form request the Host field is set to the URL's host[:port]
    /// unless Max-Forwards is 0.
    pub fn apply_client_request_defaults(&mut self, tls: bool) {
        let connect = self.method() == b"CONNECT";
        if self.url.scheme_wks().is_none() && !connect {
            self.url
                .set_scheme(Some(if tls { b"https" } else { b"http" }));
        }
        let max_forwards = self.field(b"Max-Forwards").map(parse_int);
        if let (Some(host), false, false) = (self.url.host(), max_forwards == Some(0), connect) {
            let mut hostname = host.to_vec();
            if let Some(p) = self.url.port() {
                hostname.push(b':');
                hostname.extend_from_slice(Dec::new(p.into()).as_bytes());
            }
            if self
                .field(b"Host")
                .map(|v| v.eq_ignore_ascii_case(&hostname))
                != Some(true)
            {
                self.set_field(b"Host", &hostname);
            }
        }
    }

    /// The host a request is for, as ATS's `HTTPHdr::host_get` (TSHttpHdrHostGet): the URL's
    /// host, else the host part of the Host field. The slice points into stored strings.
    pub fn host(&self) -> Option<&[u8]> {
        if let Some(h) = self.url.host() {
            return Some(h);
        }
        let v = self.live().find(|f| f.is_named(b"Host"))?.value();
        let v = trim(v);
        if v.first() == Some(&b'[') {
            let end = v
                .iter()
                .position(|c| *c == b']')
                .map(|e| e + 1)
                .unwrap_or(v.len());
            return Some(&v[..end]);
        }
        let colons = v.iter().filter(|c| **c == b':').count();
        let host = if colons == 1 {
            &v[..v.iter().position(|c| *c == b':').unwrap()]
        } else {
            v
        };
        (!host.is_empty()).then_some(host)
    }
}

/// A Host value's host and port (whitespace around it trimmed; `[v6]:port` for IPv6).
pub fn split_host_port(v: &[u8]) -> (&[u8], Option<u16>) {
    let s = v.trim_ascii();
    // As `str::parse::<u16>`: an optional `+`, then decimal digits (leading zeros allowed).
    let port = |p: &[u8]| -> Option<u16> {
        let digits = p.strip_prefix(b"+").unwrap_or(p);
        if digits.is_empty() {
            return None;
        }
        let mut n: u32 = 0;
        for &c in digits {
            if !c.is_ascii_digit() {
                return None;
            }
            n = n * 10 + u32::from(c - b'0');
            if n > u32::from(u16::MAX) {
                return None;
            }
        }
        Some(n as u16)
    };
    if let Some(rest) = s.strip_prefix(b"[") {
        if let Some(end) = rest.iter().position(|c| *c == b']') {
            let p = &rest[end + 1..];
            return (&rest[..end], p.strip_prefix(b":").and_then(port));
        }
    }
    match s.iter().rposition(|c| *c == b':') {
        Some(i) if !s[..i].contains(&b':') => (&s[..i], port(&s[i + 1..])),
        _ => (s, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_and_slots() {
        let mut h = HttpHdr::request(
            b"GET",
            b"/",
            (1, 1),
            &[(b"A", b"1"), (b"B", b"2"), (b"a", b"3")],
        );
        assert_eq!(h.field_values(b"a"), [&b"1"[..], b"3"]);
        assert_eq!(h.field_count(), 3);
        let first = h.find(b"A").unwrap();
        let dup = h.next_dup(first).unwrap();
        assert_eq!(h.field_by_id(dup).unwrap().value(), b"3");
        assert_eq!(h.next_dup(dup), None);
        assert_eq!(
            h.field_by_id(h.next_field(first).unwrap()).unwrap().value(),
            b"2"
        );
        // Destroying the first leaves the second.
        h.delete_field(first);
        assert_eq!(h.field(b"a"), Some(&b"3"[..]));
        // Created fields are invisible until attached, and keep their slot.
        let c1 = h.create_field(Some(b"C1"));
        let c2 = h.create_field(Some(b"C2"));
        assert_eq!(h.field_count(), 2);
        assert_eq!(h.find(b"C1"), None);
        h.set_live(c2, true);
        h.append_field(b"D", b"4");
        h.set_live(c1, true);
        let names: Vec<&[u8]> = h.fields().map(|(n, _)| n).collect();
        assert_eq!(names, [&b"B"[..], b"a", b"C1", b"C2", b"D"]);
        // set_field: a single field keeps its place; duplicates collapse to one at the end.
        h.set_field(b"b", b"two");
        h.append_field(b"C1", b"again");
        h.set_field(b"c1", b"once");
        let all: Vec<(Vec<u8>, Vec<u8>)> =
            h.fields().map(|(n, v)| (n.to_vec(), v.to_vec())).collect();
        assert_eq!(all[0], (b"B".to_vec(), b"two".to_vec()));
        assert_eq!(all.last().unwrap(), &(b"c1".to_vec(), b"once".to_vec()));
        assert_eq!(h.field_values(b"C1").len(), 1);
        assert!(h.remove_field(b"D"));
        assert!(!h.remove_field(b"D"));
    }

    #[test]
    fn client_request_defaults() {
        let mut h = super::super::parse::parse_request(b"GET /p HTTP/1.1\r\nHost: a\r\n\r\n")
            .unwrap()
            .hdr;
        h.apply_client_request_defaults(false);
        assert_eq!(h.url().to_bytes(), b"http:///p");
        assert_eq!(h.url().port_or_default(), 80);
        assert_eq!(h.url().host(), None);
        let mut h =
            super::super::parse::parse_request(b"GET http://b:81/p HTTP/1.1\r\nHost: a\r\n\r\n")
                .unwrap()
                .hdr;
        h.apply_client_request_defaults(true);
        assert_eq!(h.field(b"host"), Some(&b"b:81"[..]));
        assert_eq!(h.url().scheme(), Some(&b"http"[..]));
        let mut h = super::super::parse::parse_request(b"GET /p HTTP/1.1\r\nHost: a\r\n\r\n")
            .unwrap()
            .hdr;
        h.apply_client_request_defaults(true);
        assert_eq!(h.url().port_or_default(), 443);
        assert_eq!(h.host(), Some(&b"a"[..]));
    }
}
