//! The HTTP header model (ATS's `HdrHeap`/`HTTPHdr`/`MIMEHdr`/`URL`, proxy/hdrs/), shared by the C
//! API (`TSMBuffer`/`TSMLoc`, src/api/hdrs/) and tshost's HTTP state machine.
//!
//! * [`MBuffer`] is one header heap: a mutex-protected set of objects (HTTP headers, URLs) that
//!   plugins may touch from any thread. A transaction's headers ([`TxnHeaders`]) are one heap
//!   each; C plugins can create more (`TSMBufferCreate`). Its `TSMBuffer` handle is a slot of
//!   [`BUFFERS`] that refers to it weakly: when the last `Arc<MBuffer>` goes, the handle dies.
//! * Every `TSMLoc` is a slot of [`LOCS`]: the header and URL objects get one each for their life
//!   (releasing them is a no-op, as in ATS); each field lookup allocates a field handle, freed by
//!   `TSHandleMLocRelease` or with its heap. Handles are validated (pool, owning heap, kind), so a
//!   stale or foreign one is an error, never a crash.
//! * Strings handed to C are [`text::HStr`]s: own allocations that a read never moves, valid
//!   until that string is changed or the heap destroyed (as ATS's). Well-known names and methods
//!   are interned ([`tokens`]).

pub mod date;
pub mod field;
pub mod http;
pub mod parse;
pub mod parser;
pub mod text;
pub mod tokens;
pub mod url;
mod wire;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};

use parking_lot::{Mutex, MutexGuard};

use crate::rt::pool::Pool;

pub use field::Field;
pub use http::{HdrType, HttpHdr};
pub use tokens::{api_error_status, reason};
pub use url::{Url, UrlType};

/// The TSMBuffer handles.
pub(crate) static BUFFERS: Pool<BufSlot> = Pool::new();
/// The TSMLoc handles.
pub(crate) static LOCS: Pool<Loc> = Pool::new();

/// What a TSMBuffer handle refers to.
pub(crate) struct BufSlot {
    buf: Weak<MBuffer>,
    /// The buffer itself for a heap C owns (TSMBufferCreate) until TSMBufferDestroy.
    owned: Mutex<Option<Arc<MBuffer>>>,
}

/// What a TSMLoc refers to inside its heap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// An HTTP header object.
    Hdr(u32),
    /// The URL of an HTTP request header.
    HdrUrl(u32),
    /// A URL of its own (TSUrlCreate).
    Url(u32),
    /// A field handle: a field of a header.
    Field { hdr: u32, field: u64 },
}

/// A TSMLoc: the heap (its TSMBuffer handle) and the object.
pub(crate) struct Loc {
    pub buf: usize,
    /// A URL handle can come to stand for a header's URL (TSHttpHdrUrlSet).
    target: Mutex<Target>,
}

impl Loc {
    pub fn target(&self) -> Target {
        *self.target.lock()
    }
}

/// An HTTP header object of a heap.
pub(crate) struct HdrObj {
    pub id: u32,
    /// Its TSMLoc (0: not made yet; made when C first needs it).
    loc: usize,
    /// The TSMLoc of its URL (0: not made yet).
    url_loc: usize,
    pub hdr: HttpHdr,
}

/// A URL object of its own.
pub(crate) struct UrlObj {
    pub id: u32,
    pub loc: usize,
    pub url: Url,
}

/// The objects of one heap.
pub(crate) struct Heap {
    /// The heap's TSMBuffer handle (stored in every TSMLoc); set by [`MBuffer::lock`], the only
    /// way C's calls reach a heap, so it is there whenever a TSMLoc is made.
    buf: usize,
    next_id: u32,
    /// HTTP headers; the first is the heap's main header (the one [`MBuffer::with`] sees).
    pub hdrs: Vec<HdrObj>,
    pub urls: Vec<UrlObj>,
    /// Field handles not released yet (freed with the heap).
    field_handles: Vec<usize>,
}

impl Heap {
    fn new_loc(&self, t: Target) -> usize {
        debug_assert!(self.buf != 0, "a TSMLoc made before its heap's TSMBuffer");
        LOCS.insert(|_| Loc {
            buf: self.buf,
            target: Mutex::new(t),
        })
        .0
    }

    fn next_id(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id
    }

    /// Add an HTTP header object; returns its id. Its handles are made when C asks for them:
    /// most of a transaction's headers never reach a plugin.
    #[inline(always)]
    fn push_hdr(&mut self, hdr: HttpHdr) -> u32 {
        let id = self.next_id();
        self.hdrs.push(HdrObj {
            id,
            loc: 0,
            url_loc: 0,
            hdr,
        });
        id
    }

    /// Add an HTTP header object; returns its TSMLoc.
    pub fn add_hdr(&mut self, hdr: HttpHdr) -> usize {
        let id = self.push_hdr(hdr);
        self.hdr_loc(id).expect("just added")
    }

    /// The TSMLoc of header `id`.
    pub fn hdr_loc(&mut self, id: u32) -> Option<usize> {
        let i = self.hdrs.iter().position(|h| h.id == id)?;
        if self.hdrs[i].loc == 0 {
            self.hdrs[i].loc = self.new_loc(Target::Hdr(id));
        }
        Some(self.hdrs[i].loc)
    }

    /// The TSMLoc of header `id`'s URL.
    pub fn hdr_url_loc(&mut self, id: u32) -> Option<usize> {
        let i = self.hdrs.iter().position(|h| h.id == id)?;
        if self.hdrs[i].url_loc == 0 {
            self.hdrs[i].url_loc = self.new_loc(Target::HdrUrl(id));
        }
        Some(self.hdrs[i].url_loc)
    }

    /// Add a URL object; returns its TSMLoc.
    pub fn add_url(&mut self, url: Url) -> usize {
        let id = self.next_id();
        let loc = self.new_loc(Target::Url(id));
        self.urls.push(UrlObj { id, loc, url });
        loc
    }

    /// The main header, created (of unknown type) if the heap has none.
    fn main(&mut self) -> &mut HdrObj {
        if self.hdrs.is_empty() {
            self.push_hdr(HttpHdr::new(HdrType::Unknown));
        }
        &mut self.hdrs[0]
    }

    pub fn hdr(&mut self, id: u32) -> Option<&mut HdrObj> {
        self.hdrs.iter_mut().find(|h| h.id == id)
    }

    /// The URL a URL target stands for (a request header's, or one of its own).
    pub fn url(&mut self, t: Target) -> Option<&mut Url> {
        match t {
            Target::HdrUrl(id) => self
                .hdr(id)
                .filter(|h| h.hdr.hdr_type() == HdrType::Request)
                .map(|h| h.hdr.url_mut()),
            Target::Url(id) => self
                .urls
                .iter_mut()
                .find(|u| u.id == id)
                .map(|u| &mut u.url),
            _ => None,
        }
    }

    /// A new field handle.
    pub fn field_handle(&mut self, hdr: u32, field: u64) -> usize {
        let h = self.new_loc(Target::Field { hdr, field });
        self.field_handles.push(h);
        h
    }

    /// Free a field handle.
    pub fn release_field_handle(&mut self, h: usize) {
        if let Some(i) = self.field_handles.iter().position(|x| *x == h) {
            self.field_handles.swap_remove(i);
        }
        LOCS.release(h);
    }
}

/// One header heap. Thread-safe; C sees it as a TSMBuffer ([`MBuffer::handle`]), made the first
/// time it is asked for.
pub struct MBuffer {
    handle: std::sync::OnceLock<usize>,
    heap: Mutex<Heap>,
    /// Plugins' changes get TS_ERROR when false. Always true today: ATS makes cached headers
    /// read-only, and tshost has no cache yet (the setter was removed as dead code, issue 17).
    writable: AtomicBool,
}

impl MBuffer {
    #[inline(always)]
    fn create(hdr: Option<HttpHdr>) -> Arc<MBuffer> {
        let mut heap = Heap {
            buf: 0,
            next_id: 0,
            // Most heaps hold one header for life.
            hdrs: Vec::with_capacity(1),
            urls: Vec::new(),
            field_handles: Vec::new(),
        };
        if let Some(h) = hdr {
            heap.push_hdr(h);
        }
        Arc::new(MBuffer {
            handle: std::sync::OnceLock::new(),
            heap: Mutex::new(heap),
            writable: AtomicBool::new(true),
        })
    }

    /// A heap holding this header.
    #[inline(always)]
    pub fn from_hdr(hdr: HttpHdr) -> Arc<MBuffer> {
        MBuffer::create(Some(hdr))
    }

    /// A heap holding a request. `target` is origin-form `/p?q`, absolute-form
    /// `http://h:8080/p`, authority-form `h:443` or `*`.
    pub fn new_request(
        method: &[u8],
        target: &[u8],
        version: (u8, u8),
        fields: &[(&[u8], &[u8])],
    ) -> Arc<MBuffer> {
        MBuffer::from_hdr(HttpHdr::request(method, target, version, fields))
    }

    /// A heap holding a response.
    pub fn new_response(
        version: (u8, u8),
        status: u16,
        reason: &[u8],
        fields: &[(&[u8], &[u8])],
    ) -> Arc<MBuffer> {
        MBuffer::from_hdr(HttpHdr::response(version, status, reason, fields))
    }

    /// The client request as TXN_START sees it: a request with no method, no URL and no fields,
    /// HTTP/1.0.
    pub fn empty_request() -> Arc<MBuffer> {
        MBuffer::from_hdr(HttpHdr::new(HdrType::Request))
    }

    /// An empty heap owned by C (TSMBufferCreate), alive until [`MBuffer::destroy_owned`].
    pub(crate) fn create_owned() -> Arc<MBuffer> {
        let b = MBuffer::create(None);
        if let Some(slot) = BUFFERS.get(b.handle()) {
            *slot.owned.lock() = Some(b.clone());
        }
        b
    }

    /// TSMBufferDestroy: drop C's ownership. False if C does not own this heap.
    pub(crate) fn destroy_owned(&self) -> bool {
        let Some(slot) = BUFFERS.get(self.handle_made()) else {
            return false;
        };
        let owned = slot.owned.lock().take();
        owned.is_some()
    }

    /// The live heap behind a TSMBuffer handle.
    pub(crate) fn from_handle(h: usize) -> Option<Arc<MBuffer>> {
        BUFFERS.get(h)?.buf.upgrade()
    }

    /// Its TSMBuffer, made the first time it is asked for (the slot refers to the heap weakly).
    pub fn handle(self: &Arc<Self>) -> usize {
        *self.handle.get_or_init(|| {
            BUFFERS
                .insert(|_| BufSlot {
                    buf: Arc::downgrade(self),
                    owned: Mutex::new(None),
                })
                .0
        })
    }

    /// Its TSMBuffer if it has one already (0: none).
    pub fn handle_made(&self) -> usize {
        self.handle.get().copied().unwrap_or(0)
    }

    /// The TSMLoc of the main header (what TSHttpTxnClientReqGet & co return).
    pub fn hdr_loc(self: &Arc<Self>) -> usize {
        let mut heap = self.lock();
        let id = heap.main().id;
        heap.hdr_loc(id).expect("the main header")
    }

    /// The TSMLoc of the main header's URL (a request's; what TSHttpHdrUrlGet returns).
    pub fn url_loc(self: &Arc<Self>) -> usize {
        let mut heap = self.lock();
        let id = heap.main().id;
        heap.hdr_url_loc(id).expect("the main header")
    }

    /// A new heap with a copy of the main header (the server request from the client request).
    pub fn deep_copy(&self) -> Arc<MBuffer> {
        self.copy_with(|_| ()).0
    }

    /// [`MBuffer::deep_copy`], the copy changed by `f` before it is shared (so without taking
    /// its lock).
    pub fn copy_with<R>(&self, f: impl FnOnce(&mut HttpHdr) -> R) -> (Arc<MBuffer>, R) {
        let mut h = self.with(|h| h.clone());
        let r = f(&mut h);
        (MBuffer::from_hdr(h), r)
    }

    /// Replace the main header's content; the heap and its handles stay (a plugin that kept
    /// the TSMBuffer and TSMLoc from TXN_START still reaches the parsed request).
    pub fn replace(&self, hdr: HttpHdr) {
        self.with_mut(|h| *h = hdr);
    }

    /// Read the main header.
    pub fn with<R>(&self, f: impl FnOnce(&HttpHdr) -> R) -> R {
        let mut heap = self.heap.lock();
        f(&heap.main().hdr)
    }

    /// Change the main header.
    pub fn with_mut<R>(&self, f: impl FnOnce(&mut HttpHdr) -> R) -> R {
        let mut heap = self.heap.lock();
        f(&mut heap.main().hdr)
    }

    pub fn is_writable(&self) -> bool {
        self.writable.load(Ordering::Acquire)
    }

    /// The heap, for C's calls (its TSMBuffer exists from now on).
    pub(crate) fn lock(self: &Arc<Self>) -> MutexGuard<'_, Heap> {
        let buf = self.handle();
        let mut heap = self.heap.lock();
        heap.buf = buf;
        heap
    }
}

impl Drop for MBuffer {
    fn drop(&mut self) {
        if let Some(&h) = self.handle.get() {
            BUFFERS.release(h);
        }
        let heap = self.heap.get_mut();
        for h in &heap.hdrs {
            for loc in [h.loc, h.url_loc] {
                if loc != 0 {
                    LOCS.release(loc);
                }
            }
        }
        for u in &heap.urls {
            LOCS.release(u.loc);
        }
        for f in heap.field_handles.drain(..) {
            LOCS.release(f);
        }
    }
}

impl std::fmt::Debug for MBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MBuffer({:#x})", self.handle_made())
    }
}

/// The heap and target of a TSMLoc, if it is a live one.
pub(crate) fn loc_target(loc: usize) -> Option<(usize, Target)> {
    LOCS.get(loc).map(|l| (l.buf, l.target()))
}

/// Make a URL handle stand for a header's URL (after TSHttpHdrUrlSet within one heap, as in ATS
/// where the header then uses that very URL object).
pub(crate) fn retarget(loc: usize, t: Target) {
    if let Some(l) = LOCS.get(loc) {
        *l.target.lock() = t;
    }
}

/// The four headers of a transaction, each there from the hook point ATS makes it available:
/// client request from TXN_START (empty until READ_REQUEST_HDR), server request from
/// SEND_REQUEST_HDR, server response from READ_RESPONSE_HDR, client response from
/// SEND_RESPONSE_HDR.
#[derive(Default)]
pub struct TxnHeaders {
    pub client_req: crate::rt::shared::Shared<MBuffer>,
    pub server_req: crate::rt::shared::Shared<MBuffer>,
    pub server_resp: crate::rt::shared::Shared<MBuffer>,
    pub client_resp: crate::rt::shared::Shared<MBuffer>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_live_and_die_with_the_heap() {
        let b = MBuffer::new_request(b"GET", b"/x?y", (1, 1), &[(b"Host", b"h")]);
        let h = b.handle();
        let loc = b.hdr_loc();
        assert!(MBuffer::from_handle(h).is_some());
        assert_eq!(loc_target(loc).map(|(buf, _)| buf), Some(h));
        let fh = {
            let mut heap = b.lock();
            let id = heap.hdrs[0].id;
            let f = heap.hdrs[0].hdr.find(b"host").unwrap();
            heap.field_handle(id, f)
        };
        assert!(loc_target(fh).is_some());
        let c = b.deep_copy();
        assert_ne!(c.handle(), h);
        assert_eq!(c.with(|h| h.url().path().to_vec()), b"x");
        drop(b);
        assert!(
            MBuffer::from_handle(h).is_none(),
            "the TSMBuffer dies with the heap"
        );
        assert!(loc_target(loc).is_none());
        assert!(
            loc_target(fh).is_none(),
            "unreleased field handles are freed with the heap"
        );
        assert!(MBuffer::from_handle(c.handle()).is_some());
    }

    #[test]
    fn owned_heaps_live_until_destroyed() {
        let b = MBuffer::create_owned();
        let h = b.handle();
        drop(b);
        let b = MBuffer::from_handle(h).expect("C owns it");
        assert!(b.destroy_owned());
        assert!(!b.destroy_owned());
        drop(b);
        assert!(MBuffer::from_handle(h).is_none());
        let t = MBuffer::empty_request();
        assert!(
            !t.destroy_owned(),
            "a transaction's heap is not C's to destroy"
        );
        assert_eq!(
            t.with(|h| (h.method().len(), h.version(), h.hdr_type())),
            (0, (1, 0), HdrType::Request)
        );
    }

    #[test]
    fn heaps_are_shared_between_threads() {
        let b = MBuffer::new_response((1, 1), 200, b"OK", &[]);
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let b = b.clone();
                std::thread::spawn(move || {
                    for i in 0..100 {
                        b.with_mut(|h| {
                            h.append_field(format!("X-{t}").as_bytes(), i.to_string().as_bytes())
                        });
                        b.with(|h| assert!(h.field(format!("x-{t}").as_bytes()).is_some()));
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(b.with(|h| h.field_count()), 400);
        assert_eq!(b.with(|h| h.field_values(b"X-3").len()), 100);
    }

    #[test]
    fn replace_keeps_the_handles() {
        let b = MBuffer::empty_request();
        let (h, loc) = (b.handle(), b.hdr_loc());
        b.replace(HttpHdr::request(b"POST", b"/p", (1, 1), &[]));
        assert_eq!((b.handle(), b.hdr_loc()), (h, loc));
        assert_eq!(b.with(|h| h.method().to_vec()), b"POST");
    }
}
