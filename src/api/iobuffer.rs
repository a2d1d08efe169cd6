//! IOBuffers: TSIOBuffer*, TSIOBufferReader* and TSIOBufferBlock* (ATS 9.2 InkIOCoreAPI.cc over
//! MIOBuffer), the work in `crate::iobuf`.
//!
//! Where ATS asserts or follows whatever it is given (a NULL, destroyed or foreign handle, a NULL
//! data pointer, a negative length, an unknown size index) tshost logs the call and returns an
//! error value (NULL, 0 or -1 where ATS returns a count); nothing is written through a pointer it
//! cannot check.
use std::os::raw::{c_char, c_void};
use std::sync::Arc;

use super::{guard, here, Here};
use crate::iobuf::{self, IoBuffer, Link, Reader, BLOCKS, BUFFERS, READERS};
use crate::sys::types::{TSIOBuffer, TSIOBufferBlock, TSIOBufferReader, TSIOBufferSizeIndexRaw};

fn buffer_arg(who: Here, h: TSIOBuffer) -> Option<Arc<IoBuffer>> {
    let b = BUFFERS.get(h as usize);
    if b.is_none() {
        crate::error!("{who}: {h:p} is not a live TSIOBuffer");
    }
    b
}

fn reader_arg(who: Here, h: TSIOBufferReader) -> Option<Arc<Reader>> {
    let r = READERS.get(h as usize);
    if r.is_none() {
        crate::error!("{who}: {h:p} is not a live TSIOBufferReader");
    }
    r
}

fn block_arg(who: Here, h: TSIOBufferBlock) -> Option<Arc<iobuf::Block>> {
    let b = BLOCKS.get(h as usize);
    if b.is_none() {
        crate::error!("{who}: {h:p} is not a live TSIOBufferBlock");
    }
    b
}

/// A length from C: None (logged) when negative.
fn length(who: Here, n: i64) -> Option<usize> {
    if n < 0 {
        crate::error!("{who}: negative length {n}");
        return None;
    }
    Some(n as usize)
}

fn block_handle(l: Option<Link>) -> TSIOBufferBlock {
    l.map_or(std::ptr::null_mut(), |l| l.handle() as TSIOBufferBlock)
}

/// A new buffer of 32 KiB blocks (TS_IOBUFFER_SIZE_INDEX_32K), as ATS's.
#[no_mangle]
pub extern "C" fn TSIOBufferCreate() -> TSIOBuffer {
    guard!(std::ptr::null_mut(), || {
        iobuf::create(iobuf::DEFAULT_SIZE_INDEX)
            .map_or(std::ptr::null_mut(), |b| b.handle() as TSIOBuffer)
    })
}

/// A new buffer whose blocks hold 128 << `index` bytes (TS_IOBUFFER_SIZE_INDEX_128 .. _2M); NULL
/// (logged) for another index.
#[no_mangle]
pub extern "C" fn TSIOBufferSizedCreate(index: TSIOBufferSizeIndexRaw) -> TSIOBuffer {
    guard!(std::ptr::null_mut(), || {
        let b = u32::try_from(index).ok().and_then(iobuf::create);
        if b.is_none() {
            crate::error!("{}: {index} is not a TSIOBufferSizeIndex", here!());
        }
        b.map_or(std::ptr::null_mut(), |b| b.handle() as TSIOBuffer)
    })
}

/// Destroy a buffer and its readers; the blocks a reader no longer holds are freed.
#[no_mangle]
pub extern "C" fn TSIOBufferDestroy(bufp: TSIOBuffer) {
    guard!((), || {
        if let Some(b) = buffer_arg(here!(), bufp) {
            b.destroy();
        }
    })
}

/// The block writing goes to (a new one when the buffer has none or its block is full), for
/// TSIOBufferBlockWriteStart and TSIOBufferProduce.
#[no_mangle]
pub extern "C" fn TSIOBufferStart(bufp: TSIOBuffer) -> TSIOBufferBlock {
    guard!(std::ptr::null_mut(), || {
        block_handle(buffer_arg(here!(), bufp).map(|b| b.start()))
    })
}

/// Append `length` bytes of what `readerp` has, skipping `offset`, without consuming them (large
/// pieces share the reader's blocks); returns how many were appended, -1 on a bad argument.
#[no_mangle]
pub extern "C" fn TSIOBufferCopy(
    bufp: TSIOBuffer,
    readerp: TSIOBufferReader,
    length: i64,
    offset: i64,
) -> i64 {
    guard!(-1, || {
        let who = here!();
        let (Some(b), Some(r)) = (buffer_arg(who, bufp), reader_arg(who, readerp)) else {
            return -1;
        };
        let (Some(len), Some(off)) = (self::length(who, length), self::length(who, offset)) else {
            return -1;
        };
        b.copy_from(&r, len, off) as i64
    })
}

/// Copy `length` bytes at `buf` into the buffer; returns how many (all), -1 on a bad argument.
#[no_mangle]
pub unsafe extern "C" fn TSIOBufferWrite(bufp: TSIOBuffer, buf: *const c_void, length: i64) -> i64 {
    guard!(-1, || {
        let who = here!();
        let Some(b) = buffer_arg(who, bufp) else {
            return -1;
        };
        let Some(len) = self::length(who, length) else {
            return -1;
        };
        if len == 0 {
            return 0;
        }
        if buf.is_null() {
            crate::error!("{who}: NULL data");
            return -1;
        }
        // SAFETY: `buf` holds `length` bytes (the API's contract).
        let src = unsafe { std::slice::from_raw_parts(buf as *const u8, len) };
        b.write(src) as i64
    })
}

/// `nbytes` bytes written at TSIOBufferBlockWriteStart of the buffer's current block become
/// readable (cut to the block's room).
#[no_mangle]
pub extern "C" fn TSIOBufferProduce(bufp: TSIOBuffer, nbytes: i64) {
    guard!((), || {
        let who = here!();
        if let (Some(b), Some(n)) = (buffer_arg(who, bufp), length(who, nbytes)) {
            let done = b.produce(n);
            if done < n {
                crate::error!("{who}: {n} bytes produced, the block had room for {done}");
            }
        }
    })
}

/// The block after this one in its chain; NULL at the end.
#[no_mangle]
pub extern "C" fn TSIOBufferBlockNext(blockp: TSIOBufferBlock) -> TSIOBufferBlock {
    guard!(std::ptr::null_mut(), || {
        block_arg(here!(), blockp)
            .map_or(std::ptr::null_mut(), |b| b.next_handle() as TSIOBufferBlock)
    })
}

/// Where the block's readable bytes start for this reader (past what it consumed when this is its
/// current block), and in `*avail` how many there are; NULL on a bad argument.
#[no_mangle]
pub unsafe extern "C" fn TSIOBufferBlockReadStart(
    blockp: TSIOBufferBlock,
    readerp: TSIOBufferReader,
    avail: *mut i64,
) -> *const c_char {
    guard!(std::ptr::null(), || {
        let who = here!();
        let (Some(b), Some(r)) = (block_arg(who, blockp), reader_arg(who, readerp)) else {
            return std::ptr::null();
        };
        let skip = r.offset_in(&b).min(b.read_avail());
        if !avail.is_null() {
            // SAFETY: a non-NULL out pointer (the API's contract).
            unsafe { *avail = (b.read_avail() - skip) as i64 };
        }
        // SAFETY: skip <= read_avail: inside the block's written bytes.
        unsafe { b.start_ptr().add(skip) as *const c_char }
    })
}

/// How many of the block's bytes this reader can read (past what it consumed when this is its
/// current block); -1 on a bad argument.
#[no_mangle]
pub extern "C" fn TSIOBufferBlockReadAvail(
    blockp: TSIOBufferBlock,
    readerp: TSIOBufferReader,
) -> i64 {
    guard!(-1, || {
        let who = here!();
        let (Some(b), Some(r)) = (block_arg(who, blockp), reader_arg(who, readerp)) else {
            return -1;
        };
        b.read_avail().saturating_sub(r.offset_in(&b)) as i64
    })
}

/// Where writing into the block goes on, and in `*avail` the room left; NULL on a bad argument.
#[no_mangle]
pub unsafe extern "C" fn TSIOBufferBlockWriteStart(
    blockp: TSIOBufferBlock,
    avail: *mut i64,
) -> *mut c_char {
    guard!(std::ptr::null_mut(), || {
        let Some(b) = block_arg(here!(), blockp) else {
            return std::ptr::null_mut();
        };
        if !avail.is_null() {
            // SAFETY: a non-NULL out pointer (the API's contract).
            unsafe { *avail = b.write_avail() as i64 };
        }
        b.end_ptr() as *mut c_char
    })
}

/// The room left in the block; -1 on a bad argument.
#[no_mangle]
pub extern "C" fn TSIOBufferBlockWriteAvail(blockp: TSIOBufferBlock) -> i64 {
    guard!(-1, || {
        block_arg(here!(), blockp).map_or(-1, |b| b.write_avail() as i64)
    })
}

/// The buffer's water mark (0 until set); -1 on a bad argument.
#[no_mangle]
pub extern "C" fn TSIOBufferWaterMarkGet(bufp: TSIOBuffer) -> i64 {
    guard!(-1, || {
        buffer_arg(here!(), bufp).map_or(-1, |b| b.water_mark())
    })
}

/// Set the buffer's water mark: how much data its reader side wants before it is woken.
#[no_mangle]
pub extern "C" fn TSIOBufferWaterMarkSet(bufp: TSIOBuffer, water_mark: i64) {
    guard!((), || {
        if let Some(b) = buffer_arg(here!(), bufp) {
            b.set_water_mark(water_mark);
        }
    })
}

/// A new reader of the buffer, at its current block's start; NULL (logged) when the buffer has
/// five already (ATS's limit) or on a bad argument.
#[no_mangle]
pub extern "C" fn TSIOBufferReaderAlloc(bufp: TSIOBuffer) -> TSIOBufferReader {
    guard!(std::ptr::null_mut(), || {
        let who = here!();
        let Some(b) = buffer_arg(who, bufp) else {
            return std::ptr::null_mut();
        };
        match b.alloc_reader() {
            Some(r) => r.handle() as TSIOBufferReader,
            None => {
                crate::error!(
                    "{who}: the buffer has {} readers already",
                    iobuf::MAX_READERS
                );
                std::ptr::null_mut()
            }
        }
    })
}

/// A second reader of the same buffer at the same place; NULL when the buffer has five readers or
/// on a bad argument.
#[no_mangle]
pub extern "C" fn TSIOBufferReaderClone(readerp: TSIOBufferReader) -> TSIOBufferReader {
    guard!(std::ptr::null_mut(), || {
        reader_arg(here!(), readerp)
            .and_then(|r| r.clone_reader())
            .map_or(std::ptr::null_mut(), |r| r.handle() as TSIOBufferReader)
    })
}

/// Free a reader; the blocks only it held are freed.
#[no_mangle]
pub extern "C" fn TSIOBufferReaderFree(readerp: TSIOBufferReader) {
    guard!((), || {
        if let Some(r) = reader_arg(here!(), readerp) {
            r.free();
        }
    })
}

/// The reader's current block (past blocks it has read whole); NULL when its buffer has none yet.
#[no_mangle]
pub extern "C" fn TSIOBufferReaderStart(readerp: TSIOBufferReader) -> TSIOBufferBlock {
    guard!(std::ptr::null_mut(), || {
        block_handle(reader_arg(here!(), readerp).and_then(|r| r.start()))
    })
}

/// Pass `nbytes` bytes (at most what the reader has).
#[no_mangle]
pub extern "C" fn TSIOBufferReaderConsume(readerp: TSIOBufferReader, nbytes: i64) {
    guard!((), || {
        let who = here!();
        if let (Some(r), Some(n)) = (reader_arg(who, readerp), length(who, nbytes)) {
            r.consume(n);
        }
    })
}

/// How many bytes the reader can read; -1 on a bad argument.
#[no_mangle]
pub extern "C" fn TSIOBufferReaderAvail(readerp: TSIOBufferReader) -> i64 {
    guard!(-1, || {
        reader_arg(here!(), readerp).map_or(-1, |r| r.avail() as i64)
    })
}

/// Copy up to `length` bytes the reader has into `buf`, without consuming them; returns how many,
/// -1 on a bad argument.
#[no_mangle]
pub unsafe extern "C" fn TSIOBufferReaderCopy(
    readerp: TSIOBufferReader,
    buf: *mut c_void,
    length: i64,
) -> i64 {
    guard!(-1, || {
        let who = here!();
        let (Some(r), Some(len)) = (reader_arg(who, readerp), self::length(who, length)) else {
            return -1;
        };
        if len == 0 {
            return 0;
        }
        if buf.is_null() {
            crate::error!("{who}: NULL destination");
            return -1;
        }
        // SAFETY: `buf` has room for `length` bytes (the API's contract).
        let out = unsafe { std::slice::from_raw_parts_mut(buf as *mut u8, len) };
        r.copy_to(out) as i64
    })
}

/// A new reader on the transaction's buffered request body (the caller frees it with
/// TSIOBufferReaderFree): from TS_HTTP_REQUEST_BUFFER_READ_COMPLETE_HOOK on, when the transaction
/// buffers its body (TS_CONFIG_HTTP_REQUEST_BUFFER_ENABLED). NULL (logged) for a dead transaction
/// or one whose body is not buffered (ATS would crash).
#[no_mangle]
pub extern "C" fn TSHttpTxnPostBufferReaderGet(
    txnp: crate::sys::types::TSHttpTxn,
) -> TSIOBufferReader {
    guard!(std::ptr::null_mut(), || {
        let who = here!();
        let Some(txn) = super::http::txn_arg(who, txnp) else {
            return std::ptr::null_mut();
        };
        match crate::proxy::sm::buffer::post_reader(txn.handle) {
            Some(r) => r.handle() as TSIOBufferReader,
            None => {
                crate::error!("{who}: the transaction's request body is not buffered");
                std::ptr::null_mut()
            }
        }
    })
}
