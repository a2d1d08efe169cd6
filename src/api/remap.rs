//! ts.h: the URLs of the remap rule a transaction matched, for global plugins
//! (TSRemapFromUrlGet, TSRemapToUrlGet), as ATS 9.2.9's InkAPI.cc: read-only TSMLocs a plugin
//! reads with any TSMBuffer of the transaction (the client request's, typically).

use super::http::txn_arg;
use super::{guard, here};
use crate::sys::types::{TSHttpTxn, TSMLoc, TSReturnCodeRaw, TS_ERROR, TS_SUCCESS};

fn rule_url(who: super::Here, txnp: TSHttpTxn, out: *mut TSMLoc, to: bool) -> TSReturnCodeRaw {
    if out.is_null() {
        crate::error!("{who}: NULL urlLocp");
        return TS_ERROR;
    }
    let Some(t) = txn_arg(who, txnp) else {
        return TS_ERROR;
    };
    let Some(loc) = t
        .remap_urls
        .lock()
        .as_ref()
        .map(|(_, from, to_loc)| if to { *to_loc } else { *from })
    else {
        return TS_ERROR;
    };
    // SAFETY: non-NULL (checked above): where the caller wants the TSMLoc.
    unsafe { *out = loc as TSMLoc };
    TS_SUCCESS
}

/// The FROM URL of the remap rule the transaction matched, in `*urlLocp` (read-only; valid for
/// the transaction's life). TS_ERROR before remap, when no rule matched, for a NULL `urlLocp` or
/// a NULL or dead transaction.
#[no_mangle]
pub unsafe extern "C" fn TSRemapFromUrlGet(
    txnp: TSHttpTxn,
    urlLocp: *mut TSMLoc,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || rule_url(here!(), txnp, urlLocp, false))
}

/// The TO URL of the remap rule the transaction matched; as TSRemapFromUrlGet.
#[no_mangle]
pub unsafe extern "C" fn TSRemapToUrlGet(txnp: TSHttpTxn, urlLocp: *mut TSMLoc) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || rule_url(here!(), txnp, urlLocp, true))
}
