//! The HTTP/1.x wire form of an [`HttpHdr`]: printing a head as it goes on the wire, with the
//! length ATS's printer would produce (TSHttpHdrLengthGet). Heads are parsed by [`super::parse`].
#![forbid(unsafe_code)]

use super::field::Field;
use super::http::split_host_port;
use super::http::{HdrType, HttpHdr};
use super::text::Dec;
use super::url::Url;

impl HttpHdr {
    fn write_fields(&self, out: &mut Vec<u8>) {
        for (n, v) in self.fields() {
            out.extend_from_slice(n);
            out.extend_from_slice(b": ");
            out.extend_from_slice(v);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
    }

    fn write_version(&self, out: &mut Vec<u8>) {
        match self.version() {
            (1, 1) => out.extend_from_slice(b"HTTP/1.1"),
            (1, 0) => out.extend_from_slice(b"HTTP/1.0"),
            (a, b) => {
                out.extend_from_slice(b"HTTP/");
                out.extend_from_slice(Dec::new(a.into()).as_bytes());
                out.push(b'.');
                out.extend_from_slice(Dec::new(b.into()).as_bytes());
            }
        }
    }

    /// The request head as sent to an origin: `GET /p?q HTTP/1.1\r\nName: v\r\n...\r\n\r\n`,
    /// with the origin-form of the URL (`host:port` for CONNECT).
    pub fn write_request(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.method());
        out.push(b' ');
        if self.method() == b"CONNECT" {
            match self.url().host() {
                Some(h) => {
                    out.extend_from_slice(h);
                    out.push(b':');
                    out.extend_from_slice(
                        Dec::new(self.url().port().unwrap_or(443).into()).as_bytes(),
                    );
                }
                None => out.extend_from_slice(self.field(b"Host").unwrap_or_default()),
            }
        } else {
            self.url().write_origin_form(out);
        }
        out.push(b' ');
        self.write_version(out);
        out.extend_from_slice(b"\r\n");
        self.write_fields(out);
    }

    /// The response head: `HTTP/1.1 200 OK\r\nName: v\r\n...\r\n\r\n`.
    pub fn write_response(&self, out: &mut Vec<u8>) {
        self.write_version(out);
        out.push(b' ');
        // Always three digits (`011`, as parsed), as the status-line needs and as `length`
        // counts (found by fuzzing: 11 was printed `11`).
        if self.status() < 100 {
            out.push(b'0');
            if self.status() < 10 {
                out.push(b'0');
            }
        }
        out.extend_from_slice(Dec::new(self.status().into()).as_bytes());
        out.push(b' ');
        out.extend_from_slice(self.reason());
        out.extend_from_slice(b"\r\n");
        self.write_fields(out);
    }

    /// The head as ATS's printer prints it (TSHttpHdrPrint): the request line with the URL as
    /// stored (absolute when it has a scheme and host), or the status line; then the fields and
    /// the empty line. A header of unknown type prints its fields only. [`HttpHdr::length`] is
    /// its length.
    pub fn print(&self, out: &mut Vec<u8>) {
        match self.hdr_type() {
            HdrType::Request => {
                out.extend_from_slice(self.method());
                out.push(b' ');
                out.extend_from_slice(&self.url().to_bytes());
                out.push(b' ');
                self.write_version(out);
                out.extend_from_slice(b"\r\n");
                self.write_fields(out);
            }
            HdrType::Response => self.write_response(out),
            HdrType::Unknown => self.write_fields(out),
        }
    }

    /// The fields and the empty line (TSMimeHdrPrint); [`HttpHdr::fields_length`] is its length.
    pub fn print_fields(&self, out: &mut Vec<u8>) {
        self.write_fields(out);
    }

    /// Length of the MIME part (`mime_hdr_length_get`: every live field and the final CRLF).
    pub fn fields_length(&self) -> usize {
        2 + self.live().map(Field::length).sum::<usize>()
    }

    /// The request's URL, with the Host field's host and port when the URL names no host (ATS's
    /// unmapped_url, and the start of its effective URL).
    pub fn url_with_host_field(&self) -> Url {
        let mut url = self.url().clone();
        if url.host().is_none_or(|h| h.is_empty()) {
            if let Some(v) = self.field(b"host") {
                let (host, port) = split_host_port(v);
                if !host.is_empty() {
                    url.set_host(Some(host));
                    if let Some(p) = port {
                        url.set_port(Some(p));
                    }
                }
            }
        }
        url
    }

    /// The request's effective URL (ATS's `HTTPHdr::url_string_get`): its URL, with the Host
    /// field's host and port when the URL names no host, and `http` when it names no scheme.
    /// `normalize` lower-cases the scheme and host (TSHttpHdrEffectiveUrlBufGet's
    /// LC_SCHEME_HOST); otherwise they are as written (TSHttpTxnEffectiveUrlStringGet).
    pub fn effective_url(&self, normalize: bool) -> Vec<u8> {
        let mut u = self.url_with_host_field();
        if u.scheme().is_none() && u.host().is_some() {
            u.set_scheme(Some(b"http"));
        }
        if normalize {
            if let Some(s) = u.scheme().map(<[u8]>::to_ascii_lowercase) {
                u.set_scheme(Some(&s));
            }
            if let Some(h) = u.host().map(<[u8]>::to_ascii_lowercase) {
                u.set_host(Some(&h));
            }
        }
        u.to_bytes()
    }

    /// TSHttpHdrLengthGet: the length ATS's printer would produce (with the URL as stored).
    pub fn length(&self) -> usize {
        let line = match self.hdr_type() {
            HdrType::Request => self.method().len() + 1 + self.url().length() + 1 + 8 + 2,
            HdrType::Response => self.reason().len() + 8 + 1 + 3 + 1 + 2,
            HdrType::Unknown => 0,
        };
        line + self.fields_length()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(raw: &[u8]) -> Result<HttpHdr, &'static str> {
        super::super::parse::parse_request(raw).map(|p| p.hdr)
    }

    fn response(raw: &[u8]) -> HttpHdr {
        let (m, ..) = super::super::parse::parse_response(raw, false).unwrap();
        m.with(|h| h.clone())
    }

    #[test]
    fn effective_url_takes_the_host_field_when_the_url_has_none() {
        let h = request(b"GET /a?b HTTP/1.1\r\nHost: mYhOsT.teSt:8080\r\n\r\n").unwrap();
        assert_eq!(h.effective_url(false), b"http://mYhOsT.teSt:8080/a?b");
        assert_eq!(h.effective_url(true), b"http://myhost.test:8080/a?b");
        let h = request(b"GET HTTPS://Other.Test/x HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
        assert_eq!(h.effective_url(true), b"https://other.test/x");
    }

    #[test]
    fn parse_and_write() {
        let h = request(b"GET http://Example.com:8080/a/b?x=1#f HTTP/1.1\r\nhost: example.com:8080\r\nX-A: 1 \r\nX-A:2\r\n\r\nbody").unwrap();
        assert_eq!(h.method(), b"GET");
        assert_eq!(h.version(), (1, 1));
        assert_eq!(h.url().host(), Some(&b"Example.com"[..]));
        assert_eq!(h.url().port(), Some(8080));
        assert_eq!(h.field_values(b"x-a"), [&b"1"[..], b"2"]);
        let mut out = Vec::new();
        h.write_request(&mut out);
        assert_eq!(
            out,
            b"GET /a/b?x=1 HTTP/1.1\r\nhost: example.com:8080\r\nX-A: 1\r\nX-A: 2\r\n\r\n"
        );
        let c =
            request(b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n").unwrap();
        let mut out = Vec::new();
        c.write_request(&mut out);
        assert!(out.starts_with(b"CONNECT example.com:443 HTTP/1.1\r\n"));
        assert!(request(b"GET / HTTP/1.1\r\n").is_err());
        let r = response(b"HTTP/1.0 404 Not Found\r\nA: b\r\n\r\n");
        assert_eq!(
            (r.version(), r.status(), r.reason()),
            ((1, 0), 404, &b"Not Found"[..])
        );
        let mut out = Vec::new();
        r.write_response(&mut out);
        assert_eq!(out, b"HTTP/1.0 404 Not Found\r\nA: b\r\n\r\n");
        assert_eq!(r.length(), out.len());
    }

    #[test]
    fn status_under_100_is_printed_with_three_digits() {
        // Found by fuzzing: `011` parsed as 11 and printed as `11`, unlike its length (the
        // parser now refuses a status under 100; a plugin can still set one).
        let r = HttpHdr::response((1, 0), 11, b"", &[]);
        let mut out = Vec::new();
        r.write_response(&mut out);
        assert_eq!(out, b"HTTP/1.0 011 \r\n\r\n");
        assert_eq!(r.length(), out.len());
        let mut out = Vec::new();
        HttpHdr::response((1, 1), 5, b"x", &[]).write_response(&mut out);
        assert!(out.starts_with(b"HTTP/1.1 005 x\r\n"));
    }
}
