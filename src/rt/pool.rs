//! Handle pools: the pointers tshost gives to C (TSCont, TSMutex, TSHttpSsn, TSHttpTxn, TSAction,
//! TSThread) point at slots of these pools.
//!
//! Slots live in chunks that are never freed, so any pointer a plugin holds stays dereferenceable
//! forever, and a pointer can be validated exactly: it must fall on a slot boundary inside one of the
//! pool's chunks. A slot holds the Rust object while it is alive and `None` afterwards; a released
//! slot is reused only after a quarantine, so a stale handle used shortly after its object died
//! finds nothing (and is reported) instead of reaching a new object. ATS recycles its objects the
//! same way (freelists), without the checks.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

use super::clock::coarse_ms;

const CHUNKS: usize = 32;
const FIRST_CHUNK: usize = 64;
/// A released slot is not reused before this much time has passed (ms).
const QUARANTINE_MS: u64 = 2000;

pub struct Slot<T> {
    inner: crate::rt::shared::Shared<T>,
}

pub struct Pool<T> {
    /// Chunk k holds FIRST_CHUNK << k slots; chunks are allocated in order and never freed.
    chunks: [AtomicPtr<Slot<T>>; CHUNKS],
    /// Slots handed out so far (fresh ones come from the end).
    used: AtomicUsize,
    free: Mutex<VecDeque<(usize, u64)>>,
    grow: Mutex<()>,
}

fn chunk_len(k: usize) -> usize {
    FIRST_CHUNK << k
}

/// Position of global slot index `i`: (chunk, offset).
fn locate(i: usize) -> (usize, usize) {
    // Chunk k starts at FIRST_CHUNK * (2^k - 1).
    let q = i / FIRST_CHUNK + 1;
    let k = (usize::BITS - 1 - q.leading_zeros()) as usize;
    (k, i - FIRST_CHUNK * ((1 << k) - 1))
}

impl<T> Pool<T> {
    pub const fn new() -> Self {
        Pool {
            chunks: [const { AtomicPtr::new(std::ptr::null_mut()) }; CHUNKS],
            used: AtomicUsize::new(0),
            free: Mutex::new(VecDeque::new()),
            grow: Mutex::new(()),
        }
    }
}

impl<T: 'static> Pool<T> {
    fn slot_at(&self, i: usize) -> &'static Slot<T> {
        let (k, off) = locate(i);
        let mut base = self.chunks[k].load(Ordering::Acquire);
        if base.is_null() {
            let _g = self.grow.lock();
            base = self.chunks[k].load(Ordering::Acquire);
            if base.is_null() {
                let chunk: Vec<Slot<T>> = (0..chunk_len(k))
                    .map(|_| Slot {
                        inner: crate::rt::shared::Shared::empty(),
                    })
                    .collect();
                base = Box::leak(chunk.into_boxed_slice()).as_mut_ptr();
                self.chunks[k].store(base, Ordering::Release);
            }
        }
        // SAFETY: chunk k has chunk_len(k) slots, off < chunk_len(k), chunks are never freed.
        unsafe { &*base.add(off) }
    }

    /// Store `make(handle)` in a free slot and return the handle (the slot's address).
    pub fn insert(&self, make: impl FnOnce(usize) -> T) -> (usize, Arc<T>) {
        let reuse = {
            let mut free = self.free.lock();
            match free.front() {
                Some(&(i, at)) if coarse_ms().saturating_sub(at) >= QUARANTINE_MS => {
                    free.pop_front();
                    Some(i)
                }
                _ => None,
            }
        };
        let i = reuse.unwrap_or_else(|| self.used.fetch_add(1, Ordering::Relaxed));
        let slot = self.slot_at(i);
        let handle = slot as *const Slot<T> as usize;
        // Made in its allocation: `Arc::new(make(..))` would make it on the stack and copy it in
        // (a transaction is large; bench/instructions counted the copy).
        let mut obj = Arc::new_uninit();
        Arc::get_mut(&mut obj)
            .expect("a new Arc is unique")
            .write(make(handle));
        // SAFETY: the value was written just above.
        let obj = unsafe { obj.assume_init() };
        slot.inner.store(Some(obj.clone()));
        (handle, obj)
    }

    /// The slot a handle points at, if it is one of this pool's slots.
    pub fn slot(&self, handle: usize) -> Option<(usize, &'static Slot<T>)> {
        if handle == 0 {
            return None;
        }
        let size = std::mem::size_of::<Slot<T>>();
        let mut start_index = 0;
        for k in 0..CHUNKS {
            let base = self.chunks[k].load(Ordering::Acquire);
            if base.is_null() {
                return None;
            }
            let lo = base as usize;
            let hi = lo + chunk_len(k) * size;
            if handle >= lo && handle < hi && (handle - lo).is_multiple_of(size) {
                let off = (handle - lo) / size;
                // SAFETY: in bounds and on a slot boundary of a chunk that is never freed.
                return Some((start_index + off, unsafe { &*(handle as *const Slot<T>) }));
            }
            start_index += chunk_len(k);
        }
        None
    }

    /// The live object behind a handle (None for NULL, foreign or dead handles).
    pub fn get(&self, handle: usize) -> Option<Arc<T>> {
        self.slot(handle).and_then(|(_, s)| s.inner.load_full())
    }

    /// Is this a handle of this pool (live or dead)?
    pub fn owns(&self, handle: usize) -> bool {
        self.slot(handle).is_some()
    }

    /// End the object's life as far as C is concerned: the handle stops resolving.
    pub fn release(&self, handle: usize) {
        if let Some((i, s)) = self.slot(handle) {
            if s.inner.swap(None).is_some() {
                let now = coarse_ms();
                self.free.lock().push_back((i, now));
            }
        }
    }
}

impl<T> Pool<T> {
    /// How many handles are live now (exact when no insert or release runs meanwhile): for
    /// tests that count objects, as ATS's debug counters.
    pub fn live(&self) -> usize {
        let free = self.free.lock().len();
        self.used.load(Ordering::Relaxed).saturating_sub(free)
    }
}

impl<T> Default for Pool<T> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_covers_chunks() {
        assert_eq!(locate(0), (0, 0));
        assert_eq!(locate(63), (0, 63));
        assert_eq!(locate(64), (1, 0));
        assert_eq!(locate(64 + 127), (1, 127));
        assert_eq!(locate(192), (2, 0));
    }

    #[test]
    fn handles_validate_and_die() {
        static P: Pool<u32> = Pool::new();
        let mut hs = Vec::new();
        for n in 0..300u32 {
            let (h, v) = P.insert(|_| n);
            assert_eq!(*v, n);
            hs.push(h);
        }
        for (n, h) in hs.iter().enumerate() {
            assert_eq!(*P.get(*h).unwrap(), n as u32);
        }
        assert!(P.get(hs[5] + 1).is_none(), "misaligned pointer rejected");
        assert!(P.get(0).is_none());
        let x = 5u64;
        assert!(
            P.get(&x as *const u64 as usize).is_none(),
            "foreign pointer rejected"
        );
        P.release(hs[7]);
        assert!(P.get(hs[7]).is_none());
        assert!(P.owns(hs[7]));
        // Quarantine: the released slot is not handed out again right away.
        let (h, _) = P.insert(|_| 1000);
        assert_ne!(h, hs[7]);
    }
}
