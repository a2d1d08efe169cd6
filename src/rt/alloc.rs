//! The binary's memory allocator (mimalloc) and its process settings.

/// The `tshost` binary's global allocator: mimalloc, asked for plain `mi_malloc` when the
/// alignment is one `malloc` gives anyway (as Rust's `System` allocator does for `malloc`). The
/// `mimalloc` crate's allocator always takes the aligned entry points, which cost more
/// instructions per call on a request path that allocates a few dozen times per request.
pub struct MiAlloc;

/// Does a plain `mi_malloc` block of `size` bytes have alignment `align`? Every block of at
/// least 16 bytes is 16-aligned (MI_MAX_ALIGN_SIZE), a smaller one aligned to its size class.
fn plain_block_aligns(align: usize, size: usize) -> bool {
    align <= 16 && align <= size
}

// SAFETY: every call goes to mimalloc with a size and alignment it accepts; a block is freed and
// reallocated by the allocator that made it (mi_free takes aligned and unaligned blocks alike).
unsafe impl std::alloc::GlobalAlloc for MiAlloc {
    #[inline]
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: mimalloc takes any size; the alignment of a Layout is a power of two, which is
        // what mi_malloc_aligned needs (and mi_malloc's own blocks have it, plain_block_aligns).
        unsafe {
            if plain_block_aligns(layout.align(), layout.size()) {
                libmimalloc_sys::mi_malloc(layout.size()).cast()
            } else {
                libmimalloc_sys::mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: as in `alloc`.
        unsafe {
            if plain_block_aligns(layout.align(), layout.size()) {
                libmimalloc_sys::mi_zalloc(layout.size()).cast()
            } else {
                libmimalloc_sys::mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: std::alloc::Layout) {
        // SAFETY: `ptr` is a live block of this allocator (GlobalAlloc::dealloc's contract);
        // mi_free takes aligned and unaligned blocks alike.
        unsafe { libmimalloc_sys::mi_free(ptr.cast()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` is a live block of this allocator allocated with `layout`
        // (GlobalAlloc::realloc's contract); the alignment is a power of two, as in `alloc`.
        unsafe {
            if plain_block_aligns(layout.align(), new_size) {
                libmimalloc_sys::mi_realloc(ptr.cast(), new_size).cast()
            } else {
                libmimalloc_sys::mi_realloc_aligned(ptr.cast(), new_size, layout.align()).cast()
            }
        }
    }
}

/// No transparent huge pages for this process (the `tshost` binary calls it first thing): mimalloc
/// commits its arenas eagerly, and huge pages behind them made every idle connection cost about
/// 26 KiB more resident memory (bench/memory).
pub fn disable_transparent_huge_pages() {
    // SAFETY: prctl with integer arguments only.
    unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
}
