//! The cache API proper (ATS 9.2 InkAPI.cc's TSCacheKey* and TSCacheRemove), as ATS answers it
//! when its cache is not ready: tshost has no cache. Keys are real handles; removing an object
//! calls back at once with TS_EVENT_CACHE_REMOVE_FAILED (ATS's Cache::remove when the cache is
//! not ready) and returns ATS's ACTION_RESULT_DONE.
use std::os::raw::c_void;

use super::cont::cont_arg;
use super::{guard, here, Here};
use crate::sys::types::{
    TSAction, TSCacheKey, TSCont, TSMLoc, TSReturnCodeRaw, TS_ERROR, TS_SUCCESS,
};
use crate::util::cache_key::{CacheKey, CACHE_KEYS};

/// TS_EVENT_CACHE_REMOVE_FAILED.
const CACHE_REMOVE_FAILED: i32 = 1113;
/// ATS's ACTION_RESULT_DONE: the operation completed (its callback already ran).
const ACTION_RESULT_DONE: usize = 3;

fn key_arg(who: Here, key: TSCacheKey) -> Option<std::sync::Arc<CacheKey>> {
    let k = CACHE_KEYS.get(key as usize);
    if k.is_none() {
        if key.is_null() {
            crate::error!("{who}: NULL cache key");
        } else {
            crate::error!("{who}: {key:p} is not a live TSCacheKey");
        }
    }
    k
}

/// A new cache key (free it with TSCacheKeyDestroy), its digest unset.
#[no_mangle]
pub extern "C" fn TSCacheKeyCreate() -> TSCacheKey {
    guard!(std::ptr::null_mut(), || {
        CACHE_KEYS.insert(|_| CacheKey::default()).0 as TSCacheKey
    })
}

/// Sets the key's digest to the URL `url`'s (a TSMLoc of any live buffer, as ATS reads it
/// without one): the MD5 of its text. TS_ERROR (logged) for a bad key or URL.
#[no_mangle]
pub extern "C" fn TSCacheKeyDigestFromUrlSet(key: TSCacheKey, url: TSMLoc) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        let Some(k) = key_arg(who, key) else {
            return TS_ERROR;
        };
        let Some((buf, _)) = crate::hdrs::loc_target(url as usize) else {
            crate::error!("{who}: {url:p} is not a live URL TSMLoc");
            return TS_ERROR;
        };
        let text = super::hdrs::with_url(who, buf as _, url, false, None, |u| Some(u.to_bytes()));
        match text {
            Some(t) => {
                k.set_digest_of(&t);
                TS_SUCCESS
            }
            None => TS_ERROR,
        }
    })
}

/// Frees the key: TS_SUCCESS; TS_ERROR (logged) for a NULL, destroyed or foreign key (ATS
/// asserts).
#[no_mangle]
pub extern "C" fn TSCacheKeyDestroy(key: TSCacheKey) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        if key_arg(here!(), key).is_none() {
            return TS_ERROR;
        }
        CACHE_KEYS.release(key as usize);
        TS_SUCCESS
    })
}

/// Removes the object of `key` from the cache: tshost has no cache, so, as ATS's when its cache
/// is not ready, `contp` is called back at once (under its mutex) with
/// TS_EVENT_CACHE_REMOVE_FAILED and NULL edata, and the action returned is done
/// (TSActionDone: 1). A bad continuation or key: logged, NULL, no call.
#[no_mangle]
pub extern "C" fn TSCacheRemove(contp: TSCont, key: TSCacheKey) -> TSAction {
    guard!(std::ptr::null_mut(), || {
        let who = here!();
        let (Some(c), Some(_)) = (cont_arg(who, contp), key_arg(who, key)) else {
            return std::ptr::null_mut();
        };
        c.call_locked(CACHE_REMOVE_FAILED, std::ptr::null_mut::<c_void>());
        ACTION_RESULT_DONE as TSAction
    })
}
