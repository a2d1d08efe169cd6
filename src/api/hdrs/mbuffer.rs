//! Heaps (`TSMBuffer`) and handles (`TSMLoc`): create, destroy, release.

use super::*;

// -------------------------------------------------------------------------------------------------
// Heaps and handles

/// TS_NULL_MLOC: success (any buffer). A header or URL: a no-op. A field handle: freed; TS_ERROR
/// if `parent` is given and is not the field's header.
#[no_mangle]
pub extern "C" fn TSHandleMLocRelease(
    bufp: TSMBuffer,
    parent: TSMLoc,
    mloc: TSMLoc,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        if mloc.is_null() {
            return TS_SUCCESS;
        }
        let Some(b) = heap_arg(who, bufp) else {
            return TS_ERROR;
        };
        match loc_arg(who, &b, mloc) {
            None => TS_ERROR,
            Some(Target::Field { hdr, .. }) => {
                if !parent.is_null()
                    && hdrs::loc_target(parent as usize) != Some((b.handle(), Target::Hdr(hdr)))
                {
                    return TS_ERROR;
                }
                b.lock().release_field_handle(mloc as usize);
                TS_SUCCESS
            }
            Some(_) => TS_SUCCESS,
        }
    })
}

/// A new empty heap, owned by the plugin until TSMBufferDestroy.
#[no_mangle]
pub extern "C" fn TSMBufferCreate() -> TSMBuffer {
    guard!(std::ptr::null_mut(), || {
        MBuffer::create_owned().handle() as TSMBuffer
    })
}

/// Destroy a heap made by TSMBufferCreate (every TSMLoc of it dies). A transaction's heaps are not
/// the plugin's to destroy: TS_ERROR (ATS would free them under the transaction).
#[no_mangle]
pub extern "C" fn TSMBufferDestroy(bufp: TSMBuffer) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let Some(b) = heap_arg(here!(), bufp) else {
            return TS_ERROR;
        };
        if !b.is_writable() {
            return TS_ERROR;
        }
        if b.destroy_owned() {
            TS_SUCCESS
        } else {
            crate::error!("{}: {bufp:p} was not made by TSMBufferCreate (a transaction's header?); not destroyed", here!());
            TS_ERROR
        }
    })
}
