//! The cache functions of the transaction API, answered as ATS 9.2.9 answers them with
//! `proxy.config.http.cache.http 0`: tshost has no cache (see the README's differences).
//!
//! With the cache off ATS never looks a request up: `cache_lookup_result` stays NONE until the
//! CACHE_LOOKUP_COMPLETE point, where HttpTransact::DecideCacheLookup makes it SKIPPED, and the
//! cache key URL (`cache_info.lookup_url`) is only what a plugin set (TSCacheUrlSet,
//! TSHttpTxnCacheLookupUrlSet). The same holds for the parent selection URL. There is never a
//! cached response, a disk path, or a cacheable response (is_response_cacheable needs a
//! cache-lookupable request, which needs `cache.http`).
use std::os::raw::{c_char, c_int};
use std::sync::atomic::Ordering;

use super::hdrs::{copy_url, with_url};
use super::http::txn_arg;
use super::{guard, here, Here};
use crate::hdrs::url::Url;
use crate::sys::types::{
    TSHttpAltInfo, TSHttpTxn, TSHttpTxnInfoKeyRaw, TSMBuffer, TSMLoc, TSMgmtInt, TSReturnCodeRaw,
    TS_ERROR, TS_SUCCESS,
};
use crate::txn::CACHE_LOOKUP_NONE;

const TS_CACHE_LOOKUP_MISS: c_int = 0;
const TS_CACHE_LOOKUP_HIT_FRESH: c_int = 2;

/// Which of the transaction's two URLs.
#[derive(Clone, Copy)]
enum Which {
    CacheLookup,
    ParentSelection,
}

fn slot(t: &crate::txn::Txn, w: Which) -> &parking_lot::Mutex<Option<Box<Url>>> {
    match w {
        Which::CacheLookup => &t.cache_lookup_url,
        Which::ParentSelection => &t.parent_selection_url,
    }
}

/// Copy the transaction's URL `w` into the URL `obj` of `bufp` (ATS: `u.copy(l_url)`); TS_ERROR
/// when none was set.
fn url_get(who: Here, txnp: TSHttpTxn, bufp: TSMBuffer, obj: TSMLoc, w: Which) -> TSReturnCodeRaw {
    let Some(t) = txn_arg(who, txnp) else {
        return TS_ERROR;
    };
    // ATS checks the destination URL before it looks for the transaction's.
    let ok = with_url(who, bufp, obj, false, false, |_| true);
    if !ok {
        return TS_ERROR;
    }
    let Some(u) = slot(&t, w).lock().clone() else {
        return TS_ERROR;
    };
    with_url(who, bufp, obj, true, TS_ERROR, |d| {
        *d = *u;
        TS_SUCCESS
    })
}

/// Set the transaction's URL `w` to a copy of `obj` (ATS creates its storage if needed and
/// copies, however many times it is called).
fn url_set(who: Here, txnp: TSHttpTxn, bufp: TSMBuffer, obj: TSMLoc, w: Which) -> TSReturnCodeRaw {
    let Some(t) = txn_arg(who, txnp) else {
        return TS_ERROR;
    };
    let Some(u) = copy_url(who, bufp, obj) else {
        return TS_ERROR;
    };
    *slot(&t, w).lock() = Some(Box::new(u));
    TS_SUCCESS
}

/// Copies the cache key URL into `obj` (a URL of `bufp`). With no cache (as ATS with
/// `proxy.config.http.cache.http 0`) there is one only when a plugin set it (TSCacheUrlSet,
/// TSHttpTxnCacheLookupUrlSet), at any hook; otherwise TS_ERROR, `obj` untouched.
#[no_mangle]
pub extern "C" fn TSHttpTxnCacheLookupUrlGet(
    txnp: TSHttpTxn,
    bufp: TSMBuffer,
    obj: TSMLoc,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || url_get(
        here!(),
        txnp,
        bufp,
        obj,
        Which::CacheLookup
    ))
}

/// Sets the cache key URL to a copy of `obj` (again and again if called again; it also makes a
/// later TSCacheUrlSet fail). tshost has no cache: the URL is kept for
/// TSHttpTxnCacheLookupUrlGet and changes nothing else, as in ATS with the cache off.
#[no_mangle]
pub extern "C" fn TSHttpTxnCacheLookupUrlSet(
    txnp: TSHttpTxn,
    bufp: TSMBuffer,
    obj: TSMLoc,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || url_set(
        here!(),
        txnp,
        bufp,
        obj,
        Which::CacheLookup
    ))
}

/// Sets the cache key URL to `url` parsed (`length` bytes; `length` < 0: up to the NUL), once:
/// TS_ERROR when the transaction has one already (an earlier TSCacheUrlSet or
/// TSHttpTxnCacheLookupUrlSet), as ATS. A string that does not parse as a URL still succeeds,
/// leaving an empty URL (ATS ignores the parse result too). Kept for TSHttpTxnCacheLookupUrlGet
/// only: tshost has no cache.
#[no_mangle]
pub unsafe extern "C" fn TSCacheUrlSet(
    txnp: TSHttpTxn,
    url: *const c_char,
    length: c_int,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        let Some(t) = txn_arg(who, txnp) else {
            return TS_ERROR;
        };
        if url.is_null() {
            crate::error!("{who}: NULL url");
            return TS_ERROR;
        }
        let mut slot = t.cache_lookup_url.lock();
        if slot.is_some() {
            return TS_ERROR;
        }
        let len = if length < 0 {
            // SAFETY: non-NULL (checked above); with a negative length the caller passes a
            // NUL-terminated string.
            unsafe { libc::strlen(url) }
        } else {
            length as usize
        };
        // SAFETY: non-NULL with `len` readable bytes (TSCacheUrlSet's contract); copied at once.
        let text = unsafe { std::slice::from_raw_parts(url.cast::<u8>(), len) };
        crate::debug!(
            "cache_url",
            "[TSCacheUrlSet] changing the cache url to: {}",
            String::from_utf8_lossy(text)
        );
        *slot = Some(Box::new(Url::parse(text).unwrap_or_default()));
        TS_SUCCESS
    })
}

/// Copies the parent selection URL into `obj` (a URL of `bufp`): there is one only when a plugin
/// set it (TSHttpTxnParentSelectionUrlSet); otherwise TS_ERROR, `obj` untouched.
#[no_mangle]
pub extern "C" fn TSHttpTxnParentSelectionUrlGet(
    txnp: TSHttpTxn,
    bufp: TSMBuffer,
    obj: TSMLoc,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || url_get(
        here!(),
        txnp,
        bufp,
        obj,
        Which::ParentSelection
    ))
}

/// Sets the URL parent selection hashes on (parent.config's consistent hash) to a copy of `obj`.
/// tshost has no parent proxies: the URL is kept for TSHttpTxnParentSelectionUrlGet and changes
/// nothing else.
#[no_mangle]
pub extern "C" fn TSHttpTxnParentSelectionUrlSet(
    txnp: TSHttpTxn,
    bufp: TSMBuffer,
    obj: TSMLoc,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || url_set(
        here!(),
        txnp,
        bufp,
        obj,
        Which::ParentSelection
    ))
}

/// The cache lookup's result into `*lookup_status`: TS_CACHE_LOOKUP_SKIPPED from the
/// CACHE_LOOKUP_COMPLETE hook on (tshost has no cache, as ATS with `proxy.config.http.cache.http
/// 0`), or what TSHttpTxnCacheLookupStatusSet set; TS_ERROR before CACHE_LOOKUP_COMPLETE (no
/// lookup decided yet: ATS's CACHE_LOOKUP_NONE), and in a transaction that never got there (a
/// remap miss, a response made before the origin).
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnCacheLookupStatusGet(
    txnp: TSHttpTxn,
    lookup_status: *mut c_int,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        let Some(t) = txn_arg(who, txnp) else {
            return TS_ERROR;
        };
        if lookup_status.is_null() {
            crate::error!("{who}: NULL lookup_status");
            return TS_ERROR;
        }
        match t.cache_lookup_status.load(Ordering::Acquire) {
            CACHE_LOOKUP_NONE => TS_ERROR,
            s => {
                // SAFETY: non-NULL (checked above): the plugin's int.
                unsafe { *lookup_status = s };
                TS_SUCCESS
            }
        }
    })
}

/// Overrides the cache lookup's result (ATS: at CACHE_LOOKUP_COMPLETE or READ_CACHE_HDR) with
/// TS_CACHE_LOOKUP_MISS, HIT_STALE or HIT_FRESH (SKIPPED and other values: TS_ERROR); a MISS
/// cannot become a hit (TS_ERROR). As with ATS's cache off, the transaction goes to the origin
/// whatever is set: the value is only what TSHttpTxnCacheLookupStatusGet reads back.
#[no_mangle]
pub extern "C" fn TSHttpTxnCacheLookupStatusSet(
    txnp: TSHttpTxn,
    cachelookup: c_int,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let Some(t) = txn_arg(here!(), txnp) else {
            return TS_ERROR;
        };
        let cur = t.cache_lookup_status.load(Ordering::Acquire);
        if cur == TS_CACHE_LOOKUP_MISS && cachelookup != TS_CACHE_LOOKUP_MISS {
            return TS_ERROR;
        }
        if !(TS_CACHE_LOOKUP_MISS..=TS_CACHE_LOOKUP_HIT_FRESH).contains(&cachelookup) {
            return TS_ERROR;
        }
        t.cache_lookup_status.store(cachelookup, Ordering::Release);
        TS_SUCCESS
    })
}

/// How many cache lookups this transaction made into `*lookup_count`: always 0 (tshost has no
/// cache).
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnCacheLookupCountGet(
    txnp: TSHttpTxn,
    lookup_count: *mut c_int,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        if txn_arg(who, txnp).is_none() {
            return TS_ERROR;
        }
        if lookup_count.is_null() {
            crate::error!("{who}: NULL lookup_count");
            return TS_ERROR;
        }
        // SAFETY: non-NULL (checked above): the plugin's int.
        unsafe { *lookup_count = 0 };
        TS_SUCCESS
    })
}

/// Checks the transaction and the out-pointers of the cached-response getters.
fn cached_resp(
    who: Here,
    txnp: TSHttpTxn,
    bufp: *mut TSMBuffer,
    obj: *mut TSMLoc,
) -> TSReturnCodeRaw {
    if txn_arg(who, txnp).is_some() && (bufp.is_null() || obj.is_null()) {
        crate::error!("{who}: NULL bufp or obj");
    }
    // No cached object, ever: ATS's TS_ERROR when cache_info.object_read is NULL.
    TS_ERROR
}

/// The cached response: TS_ERROR always (tshost has no cache, as ATS with the cache off: there is
/// no object read from it); `*bufp` and `*obj` untouched.
#[no_mangle]
pub extern "C" fn TSHttpTxnCachedRespGet(
    txnp: TSHttpTxn,
    bufp: *mut TSMBuffer,
    obj: *mut TSMLoc,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || cached_resp(here!(), txnp, bufp, obj))
}

/// A modifiable copy of the cached response: TS_ERROR always (no cache, so nothing was read from
/// it).
#[no_mangle]
pub extern "C" fn TSHttpTxnCachedRespModifiableGet(
    txnp: TSHttpTxn,
    bufp: *mut TSMBuffer,
    obj: *mut TSMLoc,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || cached_resp(here!(), txnp, bufp, obj))
}

/// The request of the cached object: TS_ERROR always (no cache, so no object was read from it,
/// as ATS when `cache_info.object_read` is NULL); `*bufp` and `*obj` untouched.
#[no_mangle]
pub extern "C" fn TSHttpTxnCachedReqGet(
    txnp: TSHttpTxn,
    bufp: *mut TSMBuffer,
    obj: *mut TSMLoc,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || cached_resp(here!(), txnp, bufp, obj))
}

/// An alternate-selection handle (TS_HTTP_SELECT_ALT_HOOK's `edata`) can never be live in
/// tshost: without a cache the hook never fires. Any handle is a bad argument: logged.
fn no_alt_info(who: Here, infop: TSHttpAltInfo) -> TSReturnCodeRaw {
    if infop.is_null() {
        crate::error!("{who}: NULL alternate info");
    } else {
        crate::error!(
            "{who}: {infop:p} is no alternate info (tshost has no cache: TS_HTTP_SELECT_ALT_HOOK \
             never fires)"
        );
    }
    TS_ERROR
}

/// The client request of an alternate selection (TS_HTTP_SELECT_ALT_HOOK): TS_ERROR, logged, for
/// any handle (tshost has no cache, so the hook never fires and no handle exists); `*bufp` and
/// `*obj` untouched.
#[no_mangle]
pub extern "C" fn TSHttpAltInfoClientReqGet(
    infop: TSHttpAltInfo,
    bufp: *mut TSMBuffer,
    obj: *mut TSMLoc,
) -> TSReturnCodeRaw {
    let _ = (bufp, obj); // never written: no handle is live
    guard!(TS_ERROR, || no_alt_info(here!(), infop))
}

/// The cached request of an alternate selection: TS_ERROR, logged, for any handle, as
/// TSHttpAltInfoClientReqGet.
#[no_mangle]
pub extern "C" fn TSHttpAltInfoCachedReqGet(
    infop: TSHttpAltInfo,
    bufp: *mut TSMBuffer,
    obj: *mut TSMLoc,
) -> TSReturnCodeRaw {
    let _ = (bufp, obj); // never written: no handle is live
    guard!(TS_ERROR, || no_alt_info(here!(), infop))
}

/// The cached response of an alternate selection: TS_ERROR, logged, for any handle, as
/// TSHttpAltInfoClientReqGet.
#[no_mangle]
pub extern "C" fn TSHttpAltInfoCachedRespGet(
    infop: TSHttpAltInfo,
    bufp: *mut TSMBuffer,
    obj: *mut TSMLoc,
) -> TSReturnCodeRaw {
    let _ = (bufp, obj); // never written: no handle is live
    guard!(TS_ERROR, || no_alt_info(here!(), infop))
}

/// Set the quality of an alternate: nothing to set for any handle (logged), as
/// TSHttpAltInfoClientReqGet.
#[no_mangle]
pub extern "C" fn TSHttpAltInfoQualitySet(infop: TSHttpAltInfo, quality: f32) {
    let _ = quality; // nothing to set it on
    guard!((), || {
        no_alt_info(here!(), infop);
    })
}

/// The path of the cache disk the object was read from: NULL, `*length` (if non-NULL) 0, as ATS
/// when there was no cache read.
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnCacheDiskPathGet(
    txnp: TSHttpTxn,
    length: *mut c_int,
) -> *const c_char {
    guard!(std::ptr::null(), || {
        if txn_arg(here!(), txnp).is_none() {
            return std::ptr::null();
        }
        if !length.is_null() {
            // SAFETY: non-NULL: the plugin's int.
            unsafe { *length = 0 };
        }
        std::ptr::null()
    })
}

/// Whether the response would be cached: 0 always (ATS's is_response_cacheable needs a request
/// that can be looked up in the cache, which needs `proxy.config.http.cache.http` 1; tshost has no
/// cache). `request` and `response` (NULL: the transaction's) are not looked at.
#[no_mangle]
pub extern "C" fn TSHttpTxnIsCacheable(
    txnp: TSHttpTxn,
    _request: TSMBuffer,
    _response: TSMBuffer,
) -> c_int {
    guard!(0, || {
        let _ = txn_arg(here!(), txnp);
        0
    })
}

/// Look the request up in the cache again under `url`: TS_ERROR always, logged (ATS allows it
/// only where the state machine is about to look the cache up, which never happens without a
/// cache; there ATS aborts).
#[no_mangle]
pub extern "C" fn TSHttpTxnRedoCacheLookup(
    txnp: TSHttpTxn,
    _url: *const c_char,
    _length: c_int,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        if txn_arg(who, txnp).is_some() {
            crate::error!("{who}: tshost has no cache: there is no cache lookup to redo");
        }
        TS_ERROR
    })
}

/// Whether the transformed response is to be cached: accepted and ignored (tshost has no cache
/// and no transforms).
#[no_mangle]
pub extern "C" fn TSHttpTxnTransformedRespCache(txnp: TSHttpTxn, _on: c_int) {
    guard!((), || {
        let _ = txn_arg(here!(), txnp);
    })
}

/// Whether the untransformed response is to be cached: accepted and ignored (tshost has no
/// cache and no transforms).
#[no_mangle]
pub extern "C" fn TSHttpTxnUntransformedRespCache(txnp: TSHttpTxn, _on: c_int) {
    guard!((), || {
        let _ = txn_arg(here!(), txnp);
    })
}

/// The cache facts of the transaction into `*value`: TS_TXN_INFO_CACHE_HIT_RAM,
/// COMPRESSED_IN_RAM, HIT_RWW, OPEN_READ_TRIES and OPEN_WRITE_TRIES are 0 and
/// TS_TXN_INFO_CACHE_VOLUME is -1 (no cache read or write, as ATS with the cache off); another key
/// is TS_ERROR, as ATS.
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnInfoIntGet(
    txnp: TSHttpTxn,
    key: TSHttpTxnInfoKeyRaw,
    value: *mut TSMgmtInt,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        if txn_arg(who, txnp).is_none() {
            return TS_ERROR;
        }
        if value.is_null() {
            crate::error!("{who}: NULL value");
            return TS_ERROR;
        }
        let v = match key {
            0..=4 => 0,
            5 => -1,
            _ => return TS_ERROR,
        };
        // SAFETY: non-NULL (checked above): the plugin's TSMgmtInt.
        unsafe { *value = v };
        TS_SUCCESS
    })
}
