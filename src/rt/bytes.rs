//! The storage of the header model's strings ([`crate::hdrs::text::HStr`]), which C reads through
//! pointers: reference-counted blocks of bytes.
//!
//! A [`Bytes`] is 16 bytes: a pointer to its first byte, its length and its offset in its block.
//! A block is one allocation: a header (a reference count and the size) and the bytes. A string
//! of its own is a block by itself; the strings of a parsed head share one block, a copy of the
//! head ([`Block`]), so parsing a head costs one allocation instead of one per string. Static
//! strings have no block. Every string is followed by a NUL that is not part of it, so a plugin
//! that wrongly treats one as a C string still finds a terminator.

use std::alloc::Layout;
use std::ptr::NonNull;
use std::sync::atomic::{fence, AtomicUsize, Ordering};

/// The start of a block.
#[repr(C)]
struct BlockHead {
    refs: AtomicUsize,
    /// How many bytes follow.
    size: usize,
}

const HEAD: usize = std::mem::size_of::<BlockHead>();
/// The offset of a static string (it has no block).
const STATIC: u32 = u32::MAX;
/// The references a [`Block`] holds while strings are taken from it (more than can be taken:
/// a string takes at least one byte of the block, and a block is shorter than u32::MAX).
const RESERVED: usize = 1 << 40;

fn layout(size: usize) -> Layout {
    Layout::from_size_align(HEAD + size, std::mem::align_of::<BlockHead>())
        .expect("a string block's layout")
}

/// A new block holding `src` and a NUL after it, with `refs` references.
fn new_block(src: &[u8], refs: usize) -> NonNull<BlockHead> {
    let size = src.len() + 1;
    assert!(
        size < STATIC as usize,
        "a header string of {size} bytes is too long"
    );
    let l = layout(size);
    // SAFETY: the layout is never zero-sized (it holds the header).
    let p = unsafe { std::alloc::alloc(l) }.cast::<BlockHead>();
    let Some(p) = NonNull::new(p) else {
        std::alloc::handle_alloc_error(l)
    };
    // SAFETY: `p` is a fresh allocation big and aligned enough for the header.
    unsafe {
        p.as_ptr().write(BlockHead {
            refs: AtomicUsize::new(refs),
            size,
        })
    };
    let d = data(p);
    // SAFETY: the block has src.len() + 1 bytes and does not overlap `src`.
    unsafe {
        std::ptr::copy_nonoverlapping(src.as_ptr(), d, src.len());
        d.add(src.len()).write(0);
    }
    p
}

/// The bytes of a block.
fn data(head: NonNull<BlockHead>) -> *mut u8 {
    // SAFETY: the bytes follow the header in the same allocation.
    unsafe { head.as_ptr().cast::<u8>().add(HEAD) }
}

/// Take one more reference to a live block.
fn retain(head: NonNull<BlockHead>) {
    // SAFETY: the caller holds a reference, so the block is alive.
    let old = unsafe { head.as_ref() }
        .refs
        .fetch_add(1, Ordering::Relaxed);
    if old > isize::MAX as usize {
        // As Arc: so many references can only come from leaked ones; do not let it wrap.
        std::process::abort();
    }
}

/// Drop `n` references to a block, freeing it with the last.
fn release(head: NonNull<BlockHead>, n: usize) {
    // SAFETY: the caller holds the references, so the block is alive.
    let h = unsafe { head.as_ref() };
    if h.refs.fetch_sub(n, Ordering::Release) != n {
        return;
    }
    // Every other holder's use of the bytes happens before the free (as Arc's drop).
    fence(Ordering::Acquire);
    let l = layout(h.size);
    // SAFETY: this was the last reference; the block was allocated with this layout.
    unsafe { std::alloc::dealloc(head.as_ptr().cast(), l) };
}

/// Immutable bytes followed by a NUL: in a block, or static. Copies share the bytes.
pub struct Bytes {
    ptr: NonNull<u8>,
    len: u32,
    /// The offset of the bytes in their block; [`STATIC`]: no block.
    off: u32,
}

// SAFETY: the bytes are never written while a Bytes refers to them, and the reference count is
// atomic.
unsafe impl Send for Bytes {}
// SAFETY: as above; a shared Bytes only reads.
unsafe impl Sync for Bytes {}

impl Bytes {
    /// A copy of `b` in a block of its own.
    pub fn copy(b: &[u8]) -> Bytes {
        let head = new_block(b, 1);
        Bytes {
            // SAFETY: a pointer into an allocation is not null.
            ptr: unsafe { NonNull::new_unchecked(data(head)) },
            len: b.len() as u32,
            off: 0,
        }
    }

    /// Static bytes that end with a NUL (not part of the string).
    pub fn from_static_nul(nul: &'static [u8]) -> Bytes {
        assert_eq!(nul.last(), Some(&0), "Bytes::from_static_nul: no NUL");
        assert!(nul.len() <= STATIC as usize, "a static string too long");
        Bytes {
            ptr: NonNull::from(nul).cast(),
            len: (nul.len() - 1) as u32,
            off: STATIC,
        }
    }

    fn block(&self) -> Option<NonNull<BlockHead>> {
        (self.off != STATIC).then(|| {
            // SAFETY: a block's string lies `off` bytes after the block's header.
            unsafe {
                NonNull::new_unchecked(
                    self.ptr
                        .as_ptr()
                        .sub(self.off as usize + HEAD)
                        .cast::<BlockHead>(),
                )
            }
        })
    }

    pub fn as_bytes(&self) -> &[u8] {
        // SAFETY: `len` bytes at `ptr` stay alive and unchanged while self holds its reference.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len as usize) }
    }

    /// The bytes and the NUL after them.
    pub fn with_nul(&self) -> &[u8] {
        // SAFETY: as as_bytes; the NUL after the bytes is written before the Bytes is made and
        // is part of the same block (or static string).
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len as usize + 1) }
    }

    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn as_ptr(&self) -> *const u8 {
        self.ptr.as_ptr()
    }

    /// Whether the two share one allocation.
    #[cfg(test)]
    fn same_block(&self, other: &Bytes) -> bool {
        self.block().is_some() && self.block() == other.block()
    }
}

impl Clone for Bytes {
    fn clone(&self) -> Bytes {
        if let Some(h) = self.block() {
            retain(h);
        }
        Bytes {
            ptr: self.ptr,
            len: self.len,
            off: self.off,
        }
    }
}

impl Drop for Bytes {
    fn drop(&mut self) {
        if let Some(h) = self.block() {
            release(h, 1);
        }
    }
}

/// A block being filled with the strings of one parsed head: a copy of the head's bytes, from
/// which [`Block::take`] makes strings without allocating. The block lives as long as any of
/// them.
///
/// While it is being filled the block holds [`RESERVED`] references, so that taking a string
/// is no atomic operation: the references of the strings taken are counted here and the
/// reservation is given back less them, in one operation, when the Block goes.
pub struct Block {
    head: NonNull<BlockHead>,
    /// Strings taken so far.
    taken: usize,
    /// Where the copied bytes were: a string to take is given as a slice of them.
    src: *const u8,
    size: usize,
    /// The first byte a string may start at: strings are taken in order and none overlaps the
    /// NUL written after another.
    free: usize,
}

impl Block {
    /// A block with a copy of `src` (and one byte more, so that a string that ends `src` still
    /// has a NUL).
    pub fn copy_of(src: &[u8]) -> Block {
        Block {
            head: new_block(src, RESERVED),
            taken: 0,
            src: src.as_ptr(),
            size: src.len(),
            free: 0,
        }
    }

    /// The string `s`, a slice of the copied bytes: the block's copy of it, with a NUL written
    /// over the byte after it (a delimiter of the head that belongs to no string). A slice from
    /// elsewhere, or one that starts before the end of the last one taken, gets a block of its
    /// own.
    pub fn take(&mut self, s: &[u8]) -> Bytes {
        let start = (s.as_ptr() as usize).wrapping_sub(self.src as usize);
        let end = start.wrapping_add(s.len());
        if start < self.free || start > self.size || end > self.size || end < start {
            return Bytes::copy(s);
        }
        let d = data(self.head);
        // SAFETY: end <= size, and the block has size + 1 bytes; no string handed out covers
        // byte `end`: those taken before end before `free` <= start, and later ones start
        // after it.
        unsafe { d.add(end).write(0) };
        self.free = end + 1;
        // Its reference is one of the reservation's.
        self.taken += 1;
        Bytes {
            // SAFETY: a pointer into an allocation is not null.
            ptr: unsafe { NonNull::new_unchecked(d.add(start)) },
            len: s.len() as u32,
            off: start as u32,
        }
    }
}

impl Drop for Block {
    fn drop(&mut self) {
        // The reservation back, but for the strings taken (which may be gone already).
        release(self.head, RESERVED - self.taken);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_of_a_block_share_it_and_end_with_nul() {
        let head = b"GET / HTTP/1.1\r\nHost: a.example\r\nX: 1\r\n\r\n".to_vec();
        let mut b = Block::copy_of(&head);
        let host = b.take(&head[16..20]);
        let v = b.take(&head[22..31]);
        let x = b.take(&head[33..34]);
        drop(b);
        assert_eq!(host.with_nul(), b"Host\0");
        assert_eq!(v.with_nul(), b"a.example\0");
        assert_eq!(x.as_bytes(), b"X");
        assert!(host.same_block(&v) && v.same_block(&x));
        let copy = v.clone();
        drop(v);
        drop(host);
        assert_eq!(copy.as_bytes(), b"a.example");
        drop(x);
        assert_eq!(copy.clone().as_bytes(), b"a.example");
    }

    #[test]
    fn out_of_order_or_foreign_slices_get_their_own_block() {
        let head = b"abc:def\r\n".to_vec();
        let other = b"zz".to_vec();
        let mut b = Block::copy_of(&head);
        let def = b.take(&head[4..7]);
        let abc = b.take(&head[0..3]);
        let zz = b.take(&other);
        let whole_end = b.take(&head[8..9]);
        assert!(!abc.same_block(&def) && !zz.same_block(&def));
        assert!(
            whole_end.same_block(&def),
            "a string may end the copied bytes"
        );
        assert_eq!(whole_end.with_nul(), b"\n\0");
        assert_eq!((abc.as_bytes(), def.as_bytes()), (&b"abc"[..], &b"def"[..]));
        assert_eq!(head, b"abc:def\r\n", "the source is not touched");
        let s = Bytes::from_static_nul(b"Host\0");
        assert_eq!(
            (s.as_bytes(), s.clone().with_nul()),
            (&b"Host"[..], &b"Host\0"[..])
        );
        assert_eq!(Bytes::copy(b"").with_nul(), b"\0");
    }

    #[test]
    fn strings_may_go_before_their_block() {
        let head = b"a b c d".to_vec();
        let mut b = Block::copy_of(&head);
        drop(b.take(&head[0..1]));
        let c = b.take(&head[4..5]);
        drop(b.take(&head[6..7]));
        drop(b);
        assert_eq!(c.with_nul(), b"c\0");
        drop(Block::copy_of(&head));
    }

    #[test]
    fn copies_cross_threads() {
        let head = vec![b'x'; 1000];
        let mut b = Block::copy_of(&head);
        let strs: Vec<Bytes> = (0..10)
            .map(|i| b.take(&head[i * 100..i * 100 + 99]))
            .collect();
        drop(b);
        let ts: Vec<_> = (0..4)
            .map(|_| {
                let strs = strs.clone();
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        let c: Vec<Bytes> = strs.to_vec();
                        assert!(c.iter().all(|s| s.len() == 99));
                    }
                })
            })
            .collect();
        for t in ts {
            t.join().unwrap();
        }
        assert!(strs.iter().all(|s| s.with_nul()[99] == 0));
    }
}
