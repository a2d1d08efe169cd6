//! The transaction's four headers (TSHttpTxnClientReqGet & co).

use super::*;

// -------------------------------------------------------------------------------------------------
// Transaction headers

/// The header `pick` chooses of the transaction, in `*bufp` and `*offset`.
///
/// # Safety
/// `bufp` and `offset` are each NULL (refused) or writable.
unsafe fn txn_hdr(
    who: crate::api::Here,
    txnp: TSHttpTxn,
    bufp: *mut TSMBuffer,
    offset: *mut TSMLoc,
    pick: fn(&TxnHeaders) -> &crate::rt::shared::Shared<MBuffer>,
) -> TSReturnCodeRaw {
    let Some(t) = txn_arg(who, txnp) else {
        return TS_ERROR;
    };
    let (Some(bufp), Some(offset)) = (out_arg(who, "bufp", bufp), out_arg(who, "offset", offset))
    else {
        return TS_ERROR;
    };
    match pick(&t.headers).load_full() {
        Some(b) => {
            // SAFETY: both non-NULL (out_arg above) and writable (this function's contract).
            unsafe {
                *bufp = b.handle() as TSMBuffer;
                *offset = b.hdr_loc() as TSMLoc;
            }
            TS_SUCCESS
        }
        None => TS_ERROR,
    }
}

/// The client request: from TXN_START (empty until READ_REQUEST_HDR) to TXN_CLOSE.
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnClientReqGet(
    txnp: TSHttpTxn,
    bufp: *mut TSMBuffer,
    offset: *mut TSMLoc,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        // SAFETY: the plugin's out-pointers: NULL (refused) or writable.
        unsafe { txn_hdr(here!(), txnp, bufp, offset, |h| &h.client_req) }
    })
}

/// The request to the origin: from SEND_REQUEST_HDR.
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnServerReqGet(
    txnp: TSHttpTxn,
    bufp: *mut TSMBuffer,
    offset: *mut TSMLoc,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        // SAFETY: the plugin's out-pointers: NULL (refused) or writable.
        unsafe { txn_hdr(here!(), txnp, bufp, offset, |h| &h.server_req) }
    })
}

/// The origin's response: from READ_RESPONSE_HDR.
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnServerRespGet(
    txnp: TSHttpTxn,
    bufp: *mut TSMBuffer,
    offset: *mut TSMLoc,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        // SAFETY: the plugin's out-pointers: NULL (refused) or writable.
        unsafe { txn_hdr(here!(), txnp, bufp, offset, |h| &h.server_resp) }
    })
}

/// The response to the client: from SEND_RESPONSE_HDR.
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnClientRespGet(
    txnp: TSHttpTxn,
    bufp: *mut TSMBuffer,
    offset: *mut TSMLoc,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        // SAFETY: the plugin's out-pointers: NULL (refused) or writable.
        unsafe { txn_hdr(here!(), txnp, bufp, offset, |h| &h.client_resp) }
    })
}

/// The client request's URL as it was before remap (`*bufp` is the client request's heap), with
/// the Host field's host when the URL named none; before remap, the client request's URL itself.
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnPristineUrlGet(
    txnp: TSHttpTxn,
    bufp: *mut TSMBuffer,
    url_loc: *mut TSMLoc,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        let Some(t) = txn_arg(who, txnp) else {
            return TS_ERROR;
        };
        let (Some(bufp), Some(url_loc)) =
            (out_arg(who, "bufp", bufp), out_arg(who, "url_loc", url_loc))
        else {
            return TS_ERROR;
        };
        let Some(req) = t.headers.client_req.load_full() else {
            return TS_ERROR;
        };
        let loc = match t.pristine_url.lock().as_ref() {
            Some(url) => {
                let made = t.pristine_loc.load(std::sync::atomic::Ordering::Acquire);
                if made != 0 {
                    made
                } else {
                    let loc = req.lock().add_url((**url).clone());
                    t.pristine_loc
                        .store(loc, std::sync::atomic::Ordering::Release);
                    loc
                }
            }
            None => req.url_loc(),
        };
        // SAFETY: both non-NULL (out_arg above) and the plugin's variables.
        unsafe {
            *bufp = req.handle() as TSMBuffer;
            *url_loc = loc as TSMLoc;
        }
        TS_SUCCESS
    })
}

/// The client request's effective URL (its URL, with the Host field's host and port when the URL
/// names none, `http` when it names no scheme; as written), in memory the caller frees with
/// TSfree, NUL-terminated; `*length` gets its length. NULL before the request is read.
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnEffectiveUrlStringGet(
    txnp: TSHttpTxn,
    length: *mut c_int,
) -> *mut c_char {
    guard!(std::ptr::null_mut(), || {
        let who = here!();
        let Some(t) = txn_arg(who, txnp) else {
            return std::ptr::null_mut();
        };
        let Some(length) = out_arg(who, "length", length) else {
            return std::ptr::null_mut();
        };
        let Some(req) = t.headers.client_req.load_full() else {
            return std::ptr::null_mut();
        };
        let url = req.with(|h| h.effective_url(false));
        // SAFETY: malloc of len + 1 bytes, filled with the URL and a NUL; the caller frees it
        // (TSfree); `length` is non-NULL (out_arg above).
        unsafe {
            let p = libc::malloc(url.len() + 1).cast::<u8>();
            if p.is_null() {
                return std::ptr::null_mut();
            }
            std::ptr::copy_nonoverlapping(url.as_ptr(), p, url.len());
            *p.add(url.len()) = 0;
            *length = url.len().min(c_int::MAX as usize) as c_int;
            p.cast()
        }
    })
}

/// The response as a response transform makes it (ATS's transform response): with a transform
/// on TS_HTTP_RESPONSE_TRANSFORM_HOOK, the client's response, which the transforms may still
/// change until their first output (the head is sent after it, as ATS does). TS_ERROR without a
/// transform or before the response is made.
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnTransformRespGet(
    txnp: TSHttpTxn,
    bufp: *mut TSMBuffer,
    offset: *mut TSMLoc,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        let Some(t) = txn_arg(who, txnp) else {
            return TS_ERROR;
        };
        if !t.hooks.has(crate::hooks::id::RESPONSE_TRANSFORM) {
            return TS_ERROR;
        }
        // SAFETY: the plugin's out-pointers: NULL (refused) or writable.
        unsafe { txn_hdr(who, txnp, bufp, offset, |h| &h.client_resp) }
    })
}
