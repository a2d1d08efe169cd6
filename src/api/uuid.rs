//! UUIDs: TSUuidCreate & co, the process UUID and TSClientRequestUuidGet (ATS 9.2 InkAPI.cc over
//! ink_uuid.cc's ATSUuid), the work in `crate::util::uuid`.
//!
//! Where ATS asserts or dereferences whatever it is given (a NULL, destroyed or foreign TSUuid, a
//! NULL string, TS_UUID_UNDEFINED to initialize to, a bad transaction) tshost logs the call and
//! returns an error value. The process UUID (TSProcessUuidGet) is read-only here: ATS would let a
//! plugin overwrite, or `delete`, its Machine's UUID; tshost refuses (logged) to initialize,
//! parse into, copy into or destroy it, so it stays the same for the life of the process.
use std::ffi::CStr;
use std::os::raw::c_char;
use std::sync::Arc;

use super::http::txn_arg;
use super::{guard, here, Here};
use crate::sys::types::{
    TSHttpTxn, TSReturnCodeRaw, TSUuid, TSUuidVersion, TSUuidVersionRaw, TS_CRUUID_STRING_LEN,
    TS_ERROR, TS_SUCCESS,
};
use crate::util::uuid::{self, TsUuid};

const UNDEFINED: TSUuidVersionRaw = TSUuidVersion::TS_UUID_UNDEFINED as TSUuidVersionRaw;

/// The live UUID behind a TSUuid; None (logged) for NULL, a destroyed or a foreign handle.
fn uuid_arg(who: Here, h: TSUuid) -> Option<Arc<TsUuid>> {
    let u = uuid::get(h as usize);
    if u.is_none() {
        crate::error!("{who}: {h:p} is not a live TSUuid");
    }
    u
}

/// A UUID the call may change: not the process UUID (refused, logged).
fn writable(who: Here, h: TSUuid) -> Option<Arc<TsUuid>> {
    let u = uuid_arg(who, h)?;
    if u.process {
        crate::error!("{who}: the process UUID (TSProcessUuidGet) cannot be changed");
        return None;
    }
    Some(u)
}

fn version_arg(who: Here, v: TSUuidVersionRaw) -> Option<TSUuidVersion> {
    use TSUuidVersion::*;
    match v {
        1 => Some(TS_UUID_V1),
        2 => Some(TS_UUID_V2),
        3 => Some(TS_UUID_V3),
        4 => Some(TS_UUID_V4),
        5 => Some(TS_UUID_V5),
        _ => {
            crate::error!("{who}: {v} is not a UUID version to initialize to (1 to 5)");
            None
        }
    }
}

/// A new UUID, invalid (no string, version TS_UUID_UNDEFINED) until TSUuidInitialize or
/// TSUuidStringParse. Free it with TSUuidDestroy.
#[no_mangle]
pub extern "C" fn TSUuidCreate() -> TSUuid {
    guard!(std::ptr::null_mut(), || uuid::create() as TSUuid)
}

/// Makes `uuid` a new UUID of version `v`: TS_UUID_V4 is 16 random bytes (OpenSSL) with the
/// version and variant bits set; V1, V2, V3 and V5 are not implemented in ATS and give the nil
/// UUID `00000000-0000-0000-0000-000000000000` with that version. TS_SUCCESS (the UUID is then
/// valid). TS_UUID_UNDEFINED or another value (ATS aborts), a bad handle or the process UUID is
/// logged, TS_ERROR.
#[no_mangle]
pub extern "C" fn TSUuidInitialize(uuid: TSUuid, v: TSUuidVersionRaw) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        let (Some(u), Some(v)) = (writable(who, uuid), version_arg(who, v)) else {
            return TS_ERROR;
        };
        match u.with(|u| u.initialize(v)) {
            Ok(()) => TS_SUCCESS,
            Err(e) => {
                crate::error!("{who}: {e}");
                TS_ERROR
            }
        }
    })
}

/// Frees a UUID from TSUuidCreate: the handle, and the string TSUuidStringGet gave, are dead
/// afterwards. A bad handle or the process UUID is logged and left alone.
#[no_mangle]
pub extern "C" fn TSUuidDestroy(uuid: TSUuid) {
    guard!((), || {
        if let Some(u) = writable(here!(), uuid) {
            uuid::destroy(u.handle);
        }
    })
}

/// Copies `src` (UUID, version and string) into `dest`. TS_ERROR if `src` is not valid (`dest`
/// unchanged). A bad handle, or the process UUID as `dest`, is logged, TS_ERROR.
#[no_mangle]
pub extern "C" fn TSUuidCopy(dest: TSUuid, src: TSUuid) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        let (Some(d), Some(s)) = (writable(who, dest), uuid_arg(who, src)) else {
            return TS_ERROR;
        };
        let value = s.with(|s| *s);
        if !value.valid() {
            return TS_ERROR;
        }
        d.with(|d| *d = value);
        TS_SUCCESS
    })
}

/// The UUID as a string: 36 lower-case hex digits and dashes (8-4-4-4-12), NUL-terminated, owned
/// by the UUID (valid until it changes or is destroyed). NULL while the UUID is not valid; a bad
/// handle is logged, NULL.
#[no_mangle]
pub extern "C" fn TSUuidStringGet(uuid: TSUuid) -> *const c_char {
    guard!(std::ptr::null(), || {
        uuid_arg(here!(), uuid).map_or(std::ptr::null(), |u| u.string_ptr())
    })
}

/// The UUID's version: TS_UUID_UNDEFINED until it is initialized or parsed. A bad handle is
/// logged, TS_UUID_UNDEFINED.
#[no_mangle]
pub extern "C" fn TSUuidVersionGet(uuid: TSUuid) -> TSUuidVersionRaw {
    guard!(UNDEFINED, || {
        uuid_arg(here!(), uuid).map_or(UNDEFINED, |u| u.with(|u| u.version() as TSUuidVersionRaw))
    })
}

/// Sets `uuid` from a string, as ATS: C's `sscanf` with the format TSUuidStringGet prints (so
/// either case, fewer digits per field, and trailing text are accepted), then the version is the
/// string's version digit. TS_ERROR, the UUID left invalid, when fewer than 11 fields are read
/// or the version digit is not 1 to 5. A NULL string, a bad handle or the process UUID is logged,
/// TS_ERROR.
#[no_mangle]
pub unsafe extern "C" fn TSUuidStringParse(
    uuid: TSUuid,
    uuid_str: *const c_char,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        let Some(u) = writable(who, uuid) else {
            return TS_ERROR;
        };
        if uuid_str.is_null() {
            crate::error!("{who}: NULL uuid_str");
            return TS_ERROR;
        }
        // SAFETY: non-NULL (checked) and NUL-terminated (the API's contract), read during the call.
        let s = unsafe { CStr::from_ptr(uuid_str) };
        if u.with(|u| u.parse(s)) {
            TS_SUCCESS
        } else {
            TS_ERROR
        }
    })
}

/// "<process UUID>-<transaction id>" (the id as TSHttpTxnIdGet gives it, printed as a signed
/// 64-bit number, as ATS) into `uuid_str`, which has room for TS_CRUUID_STRING_LEN + 1 bytes;
/// NUL-terminated. TS_ERROR if it had to be cut to TS_CRUUID_STRING_LEN characters. A NULL
/// `uuid_str` or a bad transaction is logged, TS_ERROR.
#[no_mangle]
pub unsafe extern "C" fn TSClientRequestUuidGet(
    txnp: TSHttpTxn,
    uuid_str: *mut c_char,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        if uuid_str.is_null() {
            crate::error!("{who}: NULL uuid_str");
            return TS_ERROR;
        }
        let Some(t) = txn_arg(who, txnp) else {
            return TS_ERROR;
        };
        let (s, fits) = uuid::client_request_uuid(t.id);
        debug_assert!(s.len() <= TS_CRUUID_STRING_LEN as usize);
        // SAFETY: non-NULL (checked) with room for TS_CRUUID_STRING_LEN + 1 bytes (the API's
        // contract); s.len() <= TS_CRUUID_STRING_LEN, so the NUL fits.
        unsafe {
            std::ptr::copy_nonoverlapping(s.as_ptr(), uuid_str.cast::<u8>(), s.len());
            *uuid_str.add(s.len()) = 0;
        }
        if fits {
            TS_SUCCESS
        } else {
            TS_ERROR
        }
    })
}

/// The process UUID: one v4 UUID made at start-up, the same for the life of the process. Owned by
/// tshost: reading it is fine; changing or destroying it is refused (logged).
#[no_mangle]
pub extern "C" fn TSProcessUuidGet() -> TSUuid {
    guard!(std::ptr::null_mut(), || uuid::process().handle as TSUuid)
}
