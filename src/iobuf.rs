//! IOBuffers as plugins see them (ATS 9.2.9's MIOBuffer, IOBufferReader, IOBufferBlock and
//! IOBufferData, iocore/eventsystem/I_IOBuffer.h): a buffer is a chain of blocks that readers walk.
//!
//! - A **block** is a window `[start, end)` over a reference-counted chunk of memory (its
//!   **data**, 128 << size index bytes; 32 KiB by default). The buffer writes at the end of its
//!   current block (its *writer*) and appends a new block when that one is full. A block copied
//!   into another buffer (TSIOBufferCopy) shares its data: the bytes are not copied.
//! - A **reader** holds its block and an offset in it. It keeps the blocks from there on alive;
//!   the buffer itself keeps only its writer, so a block every reader has passed is freed (a
//!   buffer without readers keeps only what it is writing).
//! - Memory that C writes into (TSIOBufferBlockWriteStart) and reads from (ReadStart) never moves:
//!   a data chunk is allocated once and freed when its last block goes.
//!
//! The handles C holds (TSIOBuffer, TSIOBufferReader, TSIOBufferBlock) are slots of the pools
//! below, so a dead or foreign one is refused, never followed. As in ATS, a buffer and its readers
//! are used under one lock of the plugin's (its VIO's mutex); each Rust operation here locks the
//! buffer for itself.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use parking_lot::Mutex;

use crate::rt::pool::Pool;

/// ATS's BUFFER_SIZE_INDEX_32K: TSIOBufferCreate's block size.
pub const DEFAULT_SIZE_INDEX: u32 = 8;
/// ATS's largest size index (BUFFER_SIZE_INDEX_2M).
pub const MAX_SIZE_INDEX: u32 = 14;
/// At most this many readers per buffer (ATS's MAX_MIOBUFFER_READERS).
pub const MAX_READERS: usize = 5;
/// A copy (TSIOBufferCopy) of fewer bytes than this is copied into the writer instead of sharing
/// the block (ATS's MIOBuffer::write(reader, ...) does the same for small pieces).
const SHARE_MIN: usize = 2048;

/// The live buffers, readers and blocks, by the handles C holds.
pub static BUFFERS: Pool<IoBuffer> = Pool::new();
pub static READERS: Pool<Reader> = Pool::new();
pub static BLOCKS: Pool<Block> = Pool::new();

/// Live objects, for tests (ATS's debug counters): (buffers, readers, blocks, data chunks).
pub fn live() -> (usize, usize, usize, usize) {
    (
        LIVE_BUFFERS.load(Ordering::Relaxed),
        LIVE_READERS.load(Ordering::Relaxed),
        LIVE_BLOCKS.load(Ordering::Relaxed),
        LIVE_DATA.load(Ordering::Relaxed),
    )
}

static LIVE_BUFFERS: AtomicUsize = AtomicUsize::new(0);
static LIVE_READERS: AtomicUsize = AtomicUsize::new(0);
static LIVE_BLOCKS: AtomicUsize = AtomicUsize::new(0);
static LIVE_DATA: AtomicUsize = AtomicUsize::new(0);

/// A chunk of memory blocks are windows over; it never moves while it lives.
struct Data {
    ptr: *mut u8,
    len: usize,
}

// SAFETY: the chunk is plain bytes owned by this value; which ranges are written and read is
// ordered by the buffers' locks on the Rust side and by the plugin's lock (its VIO mutex) in C,
// as in ATS.
unsafe impl Send for Data {}
// SAFETY: as above.
unsafe impl Sync for Data {}

impl Data {
    fn new(len: usize) -> Arc<Data> {
        let ptr = Box::into_raw(vec![0u8; len].into_boxed_slice()) as *mut u8;
        LIVE_DATA.fetch_add(1, Ordering::Relaxed);
        Arc::new(Data { ptr, len })
    }
}

impl Drop for Data {
    fn drop(&mut self) {
        // SAFETY: made by Data::new from a boxed slice of `len` bytes, freed once here.
        drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(self.ptr, self.len)) });
        LIVE_DATA.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A window over a data chunk, and the next block of its chain.
pub struct Block {
    handle: usize,
    data: Arc<Data>,
    start: usize,
    /// Where the written bytes end (grows as the buffer writes).
    end: AtomicUsize,
    /// Where writing must stop: the chunk's end for a block its buffer writes, `end` for a copy.
    limit: usize,
    next: OnceLock<Link>,
}

/// An owner's hold on a block (the chain, a reader, a buffer's writer); when the last goes, the
/// block's handle stops resolving and the block is freed.
#[derive(Clone)]
pub struct Link(Arc<Hold>);

struct Hold(Arc<Block>);

impl Drop for Hold {
    fn drop(&mut self) {
        BLOCKS.release(self.0.handle);
        LIVE_BLOCKS.fetch_sub(1, Ordering::Relaxed);
    }
}

impl std::ops::Deref for Link {
    type Target = Block;
    fn deref(&self) -> &Block {
        &self.0 .0
    }
}

impl Link {
    fn new(data: Arc<Data>, start: usize, end: usize, limit: usize) -> Link {
        let (_, b) = BLOCKS.insert(|handle| Block {
            handle,
            data,
            start,
            end: AtomicUsize::new(end),
            limit,
            next: OnceLock::new(),
        });
        LIVE_BLOCKS.fetch_add(1, Ordering::Relaxed);
        Link(Arc::new(Hold(b)))
    }
}

impl Block {
    /// The handle C holds.
    pub fn handle(&self) -> usize {
        self.handle
    }

    /// Bytes written in it.
    pub fn read_avail(&self) -> usize {
        self.end.load(Ordering::Acquire) - self.start
    }

    /// Room left to write.
    pub fn write_avail(&self) -> usize {
        self.limit - self.end.load(Ordering::Acquire)
    }

    /// The address of its first byte (`start()` in ATS).
    pub fn start_ptr(&self) -> *mut u8 {
        // SAFETY: start <= len: an offset inside the chunk (or its end).
        unsafe { self.data.ptr.add(self.start) }
    }

    /// The address where writing goes on (`end()` in ATS).
    pub fn end_ptr(&self) -> *mut u8 {
        // SAFETY: end <= limit <= len: an offset inside the chunk (or its end).
        unsafe { self.data.ptr.add(self.end.load(Ordering::Acquire)) }
    }

    /// The next block's handle (0: none).
    pub fn next_handle(&self) -> usize {
        self.next.get().map_or(0, |l| l.handle)
    }

    /// The written bytes from `offset` on.
    fn bytes(&self, offset: usize) -> &[u8] {
        let end = self.end.load(Ordering::Acquire);
        let from = (self.start + offset).min(end);
        // SAFETY: [from, end) lies in the chunk and was written (by the buffer, or by C before
        // TSIOBufferProduce); the chunk lives as long as `self`.
        unsafe { std::slice::from_raw_parts(self.data.ptr.add(from), end - from) }
    }

    /// Append `src` at the end, as much as fits; returns how much did.
    fn append(&self, src: &[u8]) -> usize {
        let n = src.len().min(self.write_avail());
        let end = self.end.load(Ordering::Acquire);
        // SAFETY: [end, end + n) is free room of the chunk (n <= limit - end), which no block
        // reads before `end` moves past it.
        unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), self.data.ptr.add(end), n) };
        self.end.store(end + n, Ordering::Release);
        n
    }
}

/// A buffer: its writer block and its readers.
pub struct IoBuffer {
    handle: usize,
    inner: Mutex<Inner>,
}

struct Inner {
    size_index: u32,
    water_mark: i64,
    writer: Option<Link>,
    /// Its readers' handles (ATS allows 5).
    readers: Vec<usize>,
}

/// A reader: where it is in its buffer's chain.
pub struct Reader {
    handle: usize,
    buffer: usize,
    pos: Mutex<Pos>,
}

struct Pos {
    block: Option<Link>,
    offset: usize,
}

impl Drop for IoBuffer {
    fn drop(&mut self) {
        LIVE_BUFFERS.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        LIVE_READERS.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A new buffer whose blocks hold 128 << `size_index` bytes (None: an index ATS does not have).
pub fn create(size_index: u32) -> Option<Arc<IoBuffer>> {
    if size_index > MAX_SIZE_INDEX {
        return None;
    }
    let (_, b) = BUFFERS.insert(|handle| IoBuffer {
        handle,
        inner: Mutex::new(Inner {
            size_index,
            water_mark: 0,
            writer: None,
            readers: Vec::new(),
        }),
    });
    LIVE_BUFFERS.fetch_add(1, Ordering::Relaxed);
    Some(b)
}

impl IoBuffer {
    pub fn handle(&self) -> usize {
        self.handle
    }

    /// The end of its life (TSIOBufferDestroy): its readers go with it.
    pub fn destroy(&self) {
        let readers = {
            let mut i = self.inner.lock();
            i.writer = None;
            std::mem::take(&mut i.readers)
        };
        for r in readers {
            READERS.release(r);
        }
        BUFFERS.release(self.handle);
    }

    pub fn water_mark(&self) -> i64 {
        self.inner.lock().water_mark
    }

    pub fn set_water_mark(&self, w: i64) {
        self.inner.lock().water_mark = w;
    }

    /// Append a new empty block and make it the writer.
    fn add_block(i: &mut Inner) -> Link {
        let len = 128usize << i.size_index;
        let b = Link::new(Data::new(len), 0, 0, len);
        Self::append_link(i, b.clone());
        b
    }

    /// Put `b` at the end of the chain; readers that had no block yet start at it.
    fn append_link(i: &mut Inner, b: Link) {
        match &i.writer {
            Some(w) => {
                let _ = w.next.set(b.clone());
            }
            None => {
                for r in &i.readers {
                    if let Some(r) = READERS.get(*r) {
                        let mut p = r.pos.lock();
                        if p.block.is_none() {
                            p.block = Some(b.clone());
                            p.offset = 0;
                        }
                    }
                }
            }
        }
        i.writer = Some(b);
    }

    /// The block writing goes to (TSIOBufferStart: a new one when there is none or it is full).
    pub fn start(&self) -> Link {
        let mut i = self.inner.lock();
        match &i.writer {
            Some(w) if w.write_avail() > 0 => w.clone(),
            _ => Self::add_block(&mut i),
        }
    }

    /// Copy `src` in, block after block (TSIOBufferWrite); returns how much was written (all).
    pub fn write(&self, mut src: &[u8]) -> usize {
        let total = src.len();
        let mut i = self.inner.lock();
        while !src.is_empty() {
            let w = match &i.writer {
                Some(w) if w.write_avail() > 0 => w.clone(),
                _ => Self::add_block(&mut i),
            };
            let n = w.append(src);
            src = &src[n..];
        }
        total
    }

    /// `n` bytes were written by C at the writer's end (TSIOBufferProduce): they become readable.
    /// More than the writer's room is cut to it (returns how much was taken).
    pub fn produce(&self, n: usize) -> usize {
        let i = self.inner.lock();
        let Some(w) = &i.writer else { return 0 };
        let n = n.min(w.write_avail());
        w.end.fetch_add(n, Ordering::AcqRel);
        n
    }

    /// Append `len` bytes of what `reader` has, from `offset` on (TSIOBufferCopy): large pieces
    /// share the reader's blocks, small ones are copied. Returns how many bytes were appended.
    pub fn copy_from(&self, reader: &Reader, len: usize, offset: usize) -> usize {
        let pieces = reader.pieces(offset, len);
        let mut done = 0;
        for (link, from, n) in pieces {
            if n >= SHARE_MIN {
                let start = link.start + from;
                let shared = Link::new(link.data.clone(), start, start + n, start + n);
                let mut i = self.inner.lock();
                Self::append_link(&mut i, shared);
            } else {
                self.write(&link.bytes(from)[..n]);
            }
            done += n;
        }
        done
    }

    /// A new reader at the buffer's writer (TSIOBufferReaderAlloc); None when it has 5.
    pub fn alloc_reader(&self) -> Option<Arc<Reader>> {
        let mut i = self.inner.lock();
        if i.readers.len() >= MAX_READERS {
            return None;
        }
        // As ATS's IOBufferReader::reset: at the writer block's start (what is already in it is
        // readable; earlier blocks are not).
        let block = i.writer.clone();
        let (h, r) = READERS.insert(|handle| Reader {
            handle,
            buffer: self.handle,
            pos: Mutex::new(Pos { block, offset: 0 }),
        });
        LIVE_READERS.fetch_add(1, Ordering::Relaxed);
        i.readers.push(h);
        Some(r)
    }

    fn forget_reader(&self, r: usize) {
        self.inner.lock().readers.retain(|x| *x != r);
    }
}

impl Reader {
    pub fn handle(&self) -> usize {
        self.handle
    }

    /// Its buffer's handle.
    pub fn buffer_handle(&self) -> usize {
        self.buffer
    }

    /// Its buffer, while it lives.
    pub fn buffer(&self) -> Option<Arc<IoBuffer>> {
        BUFFERS.get(self.buffer)
    }

    /// A second reader of the same buffer at the same place (TSIOBufferReaderClone).
    pub fn clone_reader(&self) -> Option<Arc<Reader>> {
        let buf = self.buffer()?;
        let r = buf.alloc_reader()?;
        let (block, offset) = {
            let p = self.pos.lock();
            (p.block.clone(), p.offset)
        };
        *r.pos.lock() = Pos { block, offset };
        Some(r)
    }

    /// The end of its life (TSIOBufferReaderFree): the blocks it held may go.
    pub fn free(&self) {
        if let Some(b) = self.buffer() {
            b.forget_reader(self.handle);
        }
        self.pos.lock().block = None;
        READERS.release(self.handle);
    }

    /// Bytes it can read.
    pub fn avail(&self) -> usize {
        let p = self.pos.lock();
        let mut n = 0;
        let mut b = p.block.clone();
        let mut skip = p.offset;
        while let Some(l) = b {
            n += l.read_avail().saturating_sub(skip);
            skip = 0;
            b = l.next.get().cloned();
        }
        n
    }

    /// Pass `n` bytes (TSIOBufferReaderConsume); more than it has is cut to what it has. The
    /// blocks it leaves behind may go.
    pub fn consume(&self, mut n: usize) {
        let mut p = self.pos.lock();
        loop {
            let Some(b) = p.block.clone() else { return };
            let here = b.read_avail().saturating_sub(p.offset);
            if n < here {
                p.offset += n;
                return;
            }
            n -= here;
            match b.next.get() {
                Some(next) => {
                    p.block = Some(next.clone());
                    p.offset = 0;
                }
                None => {
                    // The last block: stay at the end of what was counted (more may be written
                    // there meanwhile, by another thread: reading its end again would skip that).
                    p.offset += here;
                    return;
                }
            }
        }
    }

    /// Its current block, past blocks it has read whole (TSIOBufferReaderStart).
    pub fn start(&self) -> Option<Link> {
        let mut p = self.pos.lock();
        loop {
            let b = p.block.clone()?;
            if p.offset < b.read_avail() {
                return Some(b);
            }
            match b.next.get() {
                Some(next) => {
                    p.block = Some(next.clone());
                    p.offset = 0;
                }
                None => return Some(b),
            }
        }
    }

    /// How far into `block` it has read, if `block` is its current block (else 0).
    pub fn offset_in(&self, block: &Block) -> usize {
        let p = self.pos.lock();
        match &p.block {
            Some(b) if b.handle == block.handle => p.offset,
            _ => 0,
        }
    }

    /// Copy up to `out.len()` bytes it has into `out` without consuming them
    /// (TSIOBufferReaderCopy); returns how many.
    pub fn copy_to(&self, out: &mut [u8]) -> usize {
        let mut done = 0;
        for (l, from, n) in self.pieces(0, out.len()) {
            out[done..done + n].copy_from_slice(&l.bytes(from)[..n]);
            done += n;
        }
        done
    }

    /// The pieces (block, offset in it, length) of `len` bytes from `skip` bytes on.
    fn pieces(&self, mut skip: usize, mut len: usize) -> Vec<(Link, usize, usize)> {
        let p = self.pos.lock();
        let mut out = Vec::new();
        let mut b = p.block.clone();
        let mut off = p.offset;
        while let (Some(l), true) = (b, len > 0) {
            let have = l.read_avail().saturating_sub(off);
            if skip >= have {
                skip -= have;
            } else {
                let n = (have - skip).min(len);
                out.push((l.clone(), off + skip, n));
                len -= n;
                skip = 0;
            }
            off = 0;
            b = l.next.get().cloned();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The live counters are the process's: these tests run one at a time.
    static SERIAL: Mutex<()> = Mutex::new(());

    fn read_all(r: &Reader) -> Vec<u8> {
        let mut v = vec![0u8; r.avail()];
        let n = r.copy_to(&mut v);
        v.truncate(n);
        v
    }

    #[test]
    fn writes_span_blocks_and_readers_walk_and_free_them() {
        let _one = SERIAL.lock();
        let (b0, r0, k0, d0) = live();
        let buf = create(0).unwrap(); // 128-byte blocks
        let r = buf.alloc_reader().unwrap();
        let data: Vec<u8> = (0..1000u32).map(|i| i as u8).collect();
        assert_eq!(buf.write(&data), 1000);
        assert_eq!(r.avail(), 1000);
        assert_eq!(read_all(&r), data);
        // 1000 bytes in 128-byte blocks: 8 blocks, all held by the reader.
        assert_eq!(live().2 - k0, 8);
        r.consume(300);
        assert_eq!(r.avail(), 700);
        assert_eq!(read_all(&r), data[300..]);
        // The two blocks it passed whole are gone.
        assert_eq!(live().2 - k0, 6);
        let c = r.clone_reader().unwrap();
        assert_eq!(read_all(&c), data[300..]);
        r.consume(10_000);
        assert_eq!(r.avail(), 0);
        assert_eq!(c.avail(), 700, "a clone reads on its own");
        c.free();
        r.free();
        buf.destroy();
        drop((r, c, buf));
        assert_eq!(live(), (b0, r0, k0, d0), "nothing outlives the buffer");
    }

    #[test]
    fn produce_makes_what_c_wrote_readable_and_start_gives_room() {
        let _one = SERIAL.lock();
        let buf = create(0).unwrap();
        let r = buf.alloc_reader().unwrap();
        let w = buf.start();
        assert_eq!(w.write_avail(), 128);
        // SAFETY (test): 5 bytes of the block's room, as C writes them.
        unsafe { std::ptr::copy_nonoverlapping(b"hello".as_ptr(), w.end_ptr(), 5) };
        assert_eq!(r.avail(), 0, "not readable before it is produced");
        assert_eq!(buf.produce(5), 5);
        assert_eq!(read_all(&r), b"hello");
        assert_eq!(buf.produce(1000), 123, "cut to the room left");
        // A full writer: start() appends a block.
        let w2 = buf.start();
        assert_ne!(w.handle(), w2.handle());
        assert_eq!(w.next_handle(), w2.handle());
        buf.destroy();
    }

    #[test]
    fn copies_share_large_pieces_and_copy_small_ones() {
        let _one = SERIAL.lock();
        let src = create(DEFAULT_SIZE_INDEX).unwrap();
        let r = src.alloc_reader().unwrap();
        let data = vec![7u8; 10_000];
        src.write(&data);
        let dst = create(DEFAULT_SIZE_INDEX).unwrap();
        let dr = dst.alloc_reader().unwrap();
        let chunks = live().3;
        assert_eq!(dst.copy_from(&r, 6000, 1000), 6000);
        assert_eq!(live().3, chunks, "a large piece shares its data");
        assert_eq!(dr.avail(), 6000);
        assert_eq!(dst.copy_from(&r, 10, 0), 10);
        assert_eq!(
            live().3,
            chunks + 1,
            "a small one is copied into a new block"
        );
        assert_eq!(dr.avail(), 6010);
        assert_eq!(r.avail(), 10_000, "copying does not consume");
        // More than the reader has: what it has.
        assert_eq!(dst.copy_from(&r, 50_000, 9_990), 10);
        src.destroy();
        dst.destroy();
    }

    #[test]
    fn readers_are_five_at_most_and_die_with_their_buffer() {
        let _one = SERIAL.lock();
        let buf = create(1).unwrap();
        let rs: Vec<_> = (0..5).map(|_| buf.alloc_reader().unwrap()).collect();
        assert!(buf.alloc_reader().is_none());
        let h = rs[0].handle();
        assert!(READERS.get(h).is_some());
        buf.destroy();
        assert!(READERS.get(h).is_none());
        assert!(BUFFERS.get(buf.handle()).is_none());
        assert!(create(MAX_SIZE_INDEX + 1).is_none());
    }
}
