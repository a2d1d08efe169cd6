//! TSHttpTxnConfig*: ATS's overridable configurations, per transaction (config/overridable.rs
//! names them). A value set for a transaction is what that transaction reads back; a key not set
//! reads the record's value (records.config, else ATS 9.2.9's default). Which of them change what
//! tshost does is in the README ("Overridable configurations"); the others are stored and read
//! back, as plugins expect.

use std::os::raw::{c_char, c_int};
use std::sync::Arc;

use super::http::txn_arg;
use super::{guard, here};
use crate::config::overridable::{self, Kind};
use crate::config::records::RecValue;
use crate::sys::types::{
    TSHttpTxn, TSMgmtFloat, TSMgmtInt, TSOverridableConfigKeyRaw, TSRecordDataType,
    TSRecordDataTypeRaw, TSReturnCodeRaw, TS_ERROR, TS_SUCCESS,
};
use crate::txn::config::Value;
use crate::txn::{ApiTimeout, Txn};

/// The transaction and the record behind `conf`, when `conf` is a key of `kind` (ATS: a key of
/// another type, or without a record, is TS_ERROR).
fn txn_key(
    who: crate::api::Here,
    txnp: TSHttpTxn,
    conf: TSOverridableConfigKeyRaw,
    kind: Kind,
) -> Option<(Arc<Txn>, usize, &'static str)> {
    let t = txn_arg(who, txnp)?;
    let key = usize::try_from(conf).ok();
    match key.and_then(|k| {
        overridable::OVERRIDABLE
            .get(k)
            .copied()
            .flatten()
            .map(|e| (k, e))
    }) {
        Some((k, (name, kd))) if kd == kind => Some((t, k, name)),
        Some((_, (name, kd))) => {
            crate::error!("{who}: {name} is of type {kd:?}, not {kind:?}");
            None
        }
        None => {
            crate::error!("{who}: {conf} is not an overridable configuration key");
            None
        }
    }
}

/// The INT a STRING record behind an INT key reads as: ATS converts
/// `proxy.config.http.per_server.connection.match` to its TSOutboundConnectionMatchType (`ip` 0,
/// `port` 1, `host` 2, `both` 3; seen on ATS 9.2.9: `both` reads 3, `host` 2); anything else is 0.
fn int_of_string_record(key: usize, s: &str) -> i64 {
    const MATCH: usize =
        crate::sys::types::TSOverridableConfigKey::TS_CONFIG_HTTP_PER_SERVER_CONNECTION_MATCH
            as usize;
    if key != MATCH {
        return 0;
    }
    ["ip", "port", "host", "both"]
        .iter()
        .position(|n| n.eq_ignore_ascii_case(s.trim()))
        .map_or(0, |i| i as i64)
}

/// Set an integer configuration for this transaction only.
#[no_mangle]
pub extern "C" fn TSHttpTxnConfigIntSet(
    txnp: TSHttpTxn,
    conf: TSOverridableConfigKeyRaw,
    value: TSMgmtInt,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let Some((t, key, _)) = txn_key(here!(), txnp, conf, Kind::Int) else {
            return TS_ERROR;
        };
        t.config_set(key, Value::Int(value));
        TS_SUCCESS
    })
}

/// The integer configuration as this transaction sees it: the value set for it, else the record's.
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnConfigIntGet(
    txnp: TSHttpTxn,
    conf: TSOverridableConfigKeyRaw,
    value: *mut TSMgmtInt,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        if value.is_null() {
            crate::error!("{}: NULL value", here!());
            return TS_ERROR;
        }
        let Some((t, key, name)) = txn_key(here!(), txnp, conf, Kind::Int) else {
            return TS_ERROR;
        };
        let v = match t.config.lock().as_ref().and_then(|c| c.get(key).cloned()) {
            Some(Value::Int(i)) => i,
            _ => match crate::host::records().get(name) {
                Some(RecValue::Int(i) | RecValue::Counter(i)) => *i,
                Some(RecValue::Float(f)) => *f as i64,
                Some(RecValue::String(s)) => int_of_string_record(key, s),
                _ => 0,
            },
        };
        // SAFETY: non-NULL (checked above): the plugin's TSMgmtInt.
        unsafe { *value = v };
        TS_SUCCESS
    })
}

/// Set a float configuration for this transaction only.
#[no_mangle]
pub extern "C" fn TSHttpTxnConfigFloatSet(
    txnp: TSHttpTxn,
    conf: TSOverridableConfigKeyRaw,
    value: TSMgmtFloat,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let Some((t, key, _)) = txn_key(here!(), txnp, conf, Kind::Float) else {
            return TS_ERROR;
        };
        t.config_set(key, Value::Float(value));
        TS_SUCCESS
    })
}

/// The float configuration as this transaction sees it: the value set for it, else the record's.
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnConfigFloatGet(
    txnp: TSHttpTxn,
    conf: TSOverridableConfigKeyRaw,
    value: *mut TSMgmtFloat,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        if value.is_null() {
            crate::error!("{}: NULL value", here!());
            return TS_ERROR;
        }
        let Some((t, key, name)) = txn_key(here!(), txnp, conf, Kind::Float) else {
            return TS_ERROR;
        };
        let v = match t.config.lock().as_ref().and_then(|c| c.get(key).cloned()) {
            Some(Value::Float(f)) => f,
            _ => crate::host::records().get_float(name).unwrap_or(0.0) as f32,
        };
        // SAFETY: non-NULL (checked above): the plugin's TSMgmtFloat.
        unsafe { *value = v };
        TS_SUCCESS
    })
}

/// Set a string configuration for this transaction only (`length` < 0: up to the NUL). The
/// string is copied.
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnConfigStringSet(
    txnp: TSHttpTxn,
    conf: TSOverridableConfigKeyRaw,
    value: *const c_char,
    length: c_int,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let Some((t, key, _)) = txn_key(here!(), txnp, conf, Kind::String) else {
            return TS_ERROR;
        };
        let bytes: Box<[u8]> = if value.is_null() {
            Box::default()
        } else if length < 0 {
            // SAFETY: non-NULL, and NUL-terminated when the length is negative (the API contract).
            unsafe { std::ffi::CStr::from_ptr(value) }.to_bytes().into()
        } else {
            // SAFETY: non-NULL, with `length` readable bytes (the API contract).
            unsafe { std::slice::from_raw_parts(value.cast::<u8>(), length as usize) }.into()
        };
        t.config_set(key, Value::Str(bytes));
        TS_SUCCESS
    })
}

/// The string configuration as this transaction sees it: the value set for it (valid until it is
/// set again or the transaction ends), else the record's. Not NUL-terminated: use `*length`.
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnConfigStringGet(
    txnp: TSHttpTxn,
    conf: TSOverridableConfigKeyRaw,
    value: *mut *const c_char,
    length: *mut c_int,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        if value.is_null() {
            crate::error!("{}: NULL value", here!());
            return TS_ERROR;
        }
        let Some((t, key, name)) = txn_key(here!(), txnp, conf, Kind::String) else {
            return TS_ERROR;
        };
        let (p, n) = match t.config.lock().as_ref().and_then(|c| c.get(key)) {
            // The bytes live in the transaction's config until it is set again or freed.
            Some(Value::Str(s)) => (s.as_ptr(), s.len()),
            _ => {
                let s = crate::host::records().get_str(name).unwrap_or("");
                (s.as_ptr(), s.len())
            }
        };
        // SAFETY: `value` is non-NULL (checked above); `length` is NULL or the plugin's int.
        unsafe {
            *value = p.cast();
            if !length.is_null() {
                *length = n.min(c_int::MAX as usize) as c_int;
            }
        }
        TS_SUCCESS
    })
}

/// The key and type of the overridable configuration named by `name` (`length` < 0: up to the
/// NUL). TS_ERROR if no such configuration is overridable.
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnConfigFind(
    name: *const c_char,
    length: c_int,
    conf: *mut TSOverridableConfigKeyRaw,
    type_: *mut TSRecordDataTypeRaw,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        if name.is_null() || conf.is_null() {
            crate::error!("{}: NULL name or conf", here!());
            return TS_ERROR;
        }
        let bytes = if length < 0 {
            // SAFETY: non-NULL and NUL-terminated when the length is negative (the API contract).
            unsafe { std::ffi::CStr::from_ptr(name) }.to_bytes()
        } else {
            // SAFETY: non-NULL with `length` readable bytes (the API contract).
            unsafe { std::slice::from_raw_parts(name.cast::<u8>(), length as usize) }
        };
        let Some((key, kind)) = overridable::find(bytes) else {
            return TS_ERROR;
        };
        let t = match kind {
            Kind::Int => TSRecordDataType::TS_RECORDDATATYPE_INT,
            Kind::Float => TSRecordDataType::TS_RECORDDATATYPE_FLOAT,
            Kind::String => TSRecordDataType::TS_RECORDDATATYPE_STRING,
        };
        // SAFETY: `conf` is non-NULL (checked above); `type_` is NULL or the plugin's variable.
        unsafe {
            *conf = key as TSOverridableConfigKeyRaw;
            if !type_.is_null() {
                *type_ = t as TSRecordDataTypeRaw;
            }
        }
        TS_SUCCESS
    })
}

/// Set timeout `which` of transaction `txnp` (ms).
fn set_timeout(who: crate::api::Here, txnp: TSHttpTxn, which: ApiTimeout, ms: c_int) {
    if let Some(t) = txn_arg(who, txnp) {
        t.api_timeouts[which as usize].store(ms, std::sync::atomic::Ordering::Release);
    }
}

/// The longest this transaction's origin exchange may take, in ms (over
/// proxy.config.http.transaction_active_timeout_out). Stored: tshost has no origin-side active
/// timeout yet.
#[no_mangle]
pub extern "C" fn TSHttpTxnActiveTimeoutSet(txnp: TSHttpTxn, timeout: c_int) {
    guard!((), || set_timeout(
        here!(),
        txnp,
        ApiTimeout::Active,
        timeout
    ))
}

/// The longest a connection to the origin may take for this transaction, in ms (over
/// proxy.config.http.connect_attempts_timeout).
#[no_mangle]
pub extern "C" fn TSHttpTxnConnectTimeoutSet(txnp: TSHttpTxn, timeout: c_int) {
    guard!((), || set_timeout(
        here!(),
        txnp,
        ApiTimeout::Connect,
        timeout
    ))
}

/// The longest this transaction's DNS lookup may take, in ms (over proxy.config.dns.lookup_timeout).
/// Stored: tshost's lookups have no timeout of their own yet.
#[no_mangle]
pub extern "C" fn TSHttpTxnDNSTimeoutSet(txnp: TSHttpTxn, timeout: c_int) {
    guard!((), || set_timeout(here!(), txnp, ApiTimeout::Dns, timeout))
}

/// The longest the origin may stay silent for this transaction, in ms (over
/// proxy.config.http.transaction_no_activity_timeout_out).
#[no_mangle]
pub extern "C" fn TSHttpTxnNoActivityTimeoutSet(txnp: TSHttpTxn, timeout: c_int) {
    guard!((), || set_timeout(
        here!(),
        txnp,
        ApiTimeout::NoActivity,
        timeout
    ))
}
