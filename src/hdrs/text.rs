//! [`HStr`]: the storage of every string of the header model.
#![forbid(unsafe_code)]

use std::fmt;
use std::os::raw::c_char;

use crate::rt::bytes::{Block, Bytes};

/// Immutable bytes followed by a NUL that is not part of them ([`Bytes`]): in an allocation of
/// their own, or in the one block that holds the strings of a parsed head. A pointer to them handed to C stays valid until this value is replaced or dropped (reading never
/// moves it), and a plugin that wrongly treats it as a C string still finds the terminator.
///
/// Copies share the allocation (a reference count): copying a header (the server request from
/// the client request, the client response from the server response) allocates no strings. A
/// change to a copy replaces its string and leaves the other copies' alone.
///
/// A well-known name written in its canonical spelling is not copied at all: it is the interned
/// string ([`super::tokens`]).
#[derive(Clone)]
pub struct HStr(Bytes);

impl HStr {
    pub fn new(b: &[u8]) -> HStr {
        HStr(Bytes::copy(b))
    }

    /// The string `b` of a parsed head whose bytes `block` copies, with no allocation of its own
    /// ([`Block::take`]); a copy of its own without a block.
    pub fn in_block(block: Option<&mut Block>, b: &[u8]) -> HStr {
        match block {
            Some(blk) => HStr(blk.take(b)),
            None => HStr::new(b),
        }
    }

    /// The interned string of well-known string `wks` when `b` is spelled exactly as it (no
    /// allocation), else a copy of `b`.
    pub fn known_or_new(b: &[u8], wks: Option<usize>) -> HStr {
        match wks.map(super::tokens::token) {
            Some(t) if t.text() == b => HStr::from_static_nul(t.nul()),
            _ => HStr::new(b),
        }
    }

    /// Static bytes that end with a NUL (not part of the string).
    pub fn from_static_nul(nul: &'static [u8]) -> HStr {
        HStr(Bytes::from_static_nul(nul))
    }

    /// The bytes and the NUL after them.
    #[cfg(test)]
    fn raw(&self) -> &[u8] {
        self.0.with_nul()
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn as_ptr(&self) -> *const c_char {
        self.0.as_ptr().cast()
    }
}

impl PartialEq for HStr {
    fn eq(&self, other: &HStr) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for HStr {}

impl Default for HStr {
    fn default() -> Self {
        HStr::new(b"")
    }
}

impl fmt::Debug for HStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_bytes()))
    }
}

/// `Some(HStr)` unless `b` is empty (ATS stores an empty URL part or name as NULL).
pub fn non_empty(b: &[u8]) -> Option<HStr> {
    (!b.is_empty()).then(|| HStr::new(b))
}

/// A number in decimal ASCII, made without the formatting machinery (headers are written on
/// every request).
pub struct Dec {
    buf: [u8; 20],
    start: usize,
}

impl Dec {
    pub fn new(mut n: u64) -> Dec {
        let mut buf = [0u8; 20];
        let mut start = buf.len();
        loop {
            start -= 1;
            buf[start] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        Dec { buf, start }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[self.start..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal() {
        for n in [0, 7, 10, 99, 100, 65535, 1234567890, u64::MAX] {
            assert_eq!(Dec::new(n).as_bytes(), n.to_string().as_bytes());
        }
    }

    #[test]
    fn copies_share_and_terminate() {
        let a = HStr::new(b"abc");
        let b = a.clone();
        assert_eq!(a.as_ptr(), b.as_ptr(), "a copy shares the bytes");
        assert_eq!(b.as_bytes(), b"abc");
        assert_eq!(HStr::new(b"").len(), 0);
        // The NUL after the bytes.
        let c = std::ffi::CStr::from_bytes_until_nul(a.raw()).unwrap();
        assert_eq!(c.to_bytes(), b"abc");
        let s = HStr::from_static_nul(b"Host\0");
        assert_eq!((s.as_bytes(), s.len()), (&b"Host"[..], 4));
        assert_eq!(s, HStr::new(b"Host"));
    }
}
