//! [`HStr`]: the storage of every string of the header model.

use std::fmt;
use std::os::raw::c_char;

/// Bytes in an allocation of their own, followed by a NUL that is not part of them. A pointer to
/// them handed to C stays valid until this value is replaced or dropped (reading never moves
/// it), and a plugin that wrongly treats it as a C string still finds the terminator.
#[derive(Clone, PartialEq, Eq)]
pub struct HStr(Box<[u8]>);

impl HStr {
    pub fn new(b: &[u8]) -> HStr {
        let mut v = Vec::with_capacity(b.len() + 1);
        v.extend_from_slice(b);
        v.push(0);
        HStr(v.into_boxed_slice())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0[..self.0.len() - 1]
    }

    pub fn len(&self) -> usize {
        self.0.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn as_ptr(&self) -> *const c_char {
        self.0.as_ptr().cast()
    }
}

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
