//! TSStatCreate, TSStatInt*, TSStatFindName.
use std::ffi::CStr;
use std::os::raw::{c_char, c_int};

use super::{guard, here};
use crate::stats::{self, CreateError};
use crate::sys::types::{
    TSMgmtInt, TSRecordDataTypeRaw, TSReturnCodeRaw, TSStatPersistenceRaw, TSStatSyncRaw,
};

const TS_RECORDDATATYPE_INT: c_int = 1;
const TS_RECORDDATATYPE_COUNTER: c_int = 4;

/// Returns the new stat's id (from 0), or TS_ERROR (-1). A name that already exists is an error
/// (ATS exits the process; guard with TSStatFindName).
#[no_mangle]
pub unsafe extern "C" fn TSStatCreate(
    the_name: *const c_char,
    the_type: TSRecordDataTypeRaw,
    persist: TSStatPersistenceRaw,
    sync: TSStatSyncRaw,
) -> c_int {
    guard!(-1, || {
        if the_name.is_null() {
            crate::error!("{}: NULL name", here!());
            return -1;
        }
        // SAFETY: the caller passes a NUL-terminated string or NULL; NULL is checked above.
        let name = unsafe { CStr::from_ptr(the_name) }.to_string_lossy();
        if the_type != TS_RECORDDATATYPE_INT && the_type != TS_RECORDDATATYPE_COUNTER {
            crate::error!(
                "{}: {name}: only TS_RECORDDATATYPE_INT stats are supported (got type {the_type})",
                here!()
            );
            return -1;
        }
        if persist != 1 && persist != 2 {
            crate::error!("{}: {name}: invalid TSStatPersistence {persist}", here!());
            return -1;
        }
        if !(0..=3).contains(&sync) {
            crate::error!("{}: {name}: invalid TSStatSync {sync}", here!());
            return -1;
        }
        match stats::create(&name) {
            Ok(id) => id as c_int,
            Err(CreateError::Duplicate) => {
                crate::error!("{}: attempted to register {name} twice", here!());
                -1
            }
            Err(CreateError::Full) => {
                crate::error!(
                    "{}: {name}: all {} plugin stats are in use",
                    here!(),
                    stats::MAX_STATS
                );
                -1
            }
        }
    })
}

fn bad_id(who: crate::api::Here, id: c_int) {
    crate::error!("{who}: no stat with id {id}");
}

/// Adds `amount` to the stat (wrapping). An id TSStatCreate did not return is logged and ignored.
#[no_mangle]
pub extern "C" fn TSStatIntIncrement(the_stat: c_int, amount: TSMgmtInt) {
    guard!((), || {
        if !stats::add(the_stat, amount) {
            bad_id(here!(), the_stat);
        }
    })
}

/// Subtracts `amount` from the stat (wrapping). An id TSStatCreate did not return is logged and
/// ignored.
#[no_mangle]
pub extern "C" fn TSStatIntDecrement(the_stat: c_int, amount: TSMgmtInt) {
    guard!((), || {
        if !stats::add(the_stat, amount.wrapping_neg()) {
            bad_id(here!(), the_stat);
        }
    })
}

/// The stat's current value; 0 (logged) for an id TSStatCreate did not return.
#[no_mangle]
pub extern "C" fn TSStatIntGet(the_stat: c_int) -> TSMgmtInt {
    guard!(0, || {
        stats::get(the_stat).unwrap_or_else(|| {
            bad_id(here!(), the_stat);
            0
        })
    })
}

/// Sets the stat to `value`. An id TSStatCreate did not return is logged and ignored.
#[no_mangle]
pub extern "C" fn TSStatIntSet(the_stat: c_int, value: TSMgmtInt) {
    guard!((), || {
        if !stats::set(the_stat, value) {
            bad_id(here!(), the_stat);
        }
    })
}

/// The id of the stat named `name` in `*idp`: TS_SUCCESS, or TS_ERROR if there is none or an
/// argument is NULL (`*idp` untouched).
#[no_mangle]
pub unsafe extern "C" fn TSStatFindName(name: *const c_char, idp: *mut c_int) -> TSReturnCodeRaw {
    guard!(-1, || {
        if name.is_null() || idp.is_null() {
            crate::error!("{}: NULL argument", here!());
            return -1;
        }
        // SAFETY: the caller passes a NUL-terminated string or NULL; NULL is checked above.
        let name = unsafe { CStr::from_ptr(name) };
        match stats::find(&name.to_string_lossy()) {
            Some(id) => {
                // SAFETY: `idp` is non-NULL (checked above) and points to an int the caller owns.
                unsafe { *idp = id as c_int };
                0
            }
            None => -1,
        }
    })
}
