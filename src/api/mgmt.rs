//! TSMgmt*: the records as plugins read them (ATS's RecGetRecord* over librecords), TSRecordDump,
//! TSMgmtUpdateRegister (the continuations told TS_EVENT_MGMT_UPDATE on a configuration reload:
//! `kill -HUP`, see crate::mgmt), and TSPluginDSOReloadEnable.
//!
//! The records are tshost's (crate::config::records): every record it knows, with ATS 9.2.9's
//! defaults, overlaid by records.config and the environment. A record ATS has and tshost does not
//! know reads as ATS reads a name without a record: TS_ERROR. As in ATS, a getter of one type
//! fails for a record of another (TSMgmtIntGet of a COUNTER is TS_ERROR), and a records.config
//! line for a name tshost does not know makes a record that is not registered: the getters fail
//! for it, TSMgmtSourceGet finds it, TSRecordDump reports it with `registered` 0. The plugin stats
//! of TSStatCreate are records too (ATS: RECT_PLUGIN, INT): TSMgmtIntGet reads one, TSRecordDump
//! lists them after the configuration records. TSMgmtIntCreate and TSMgmtStringCreate add a
//! plugin's own records (crate::mgmt keeps them), which the getters and TSRecordDump see too.
use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int, c_void};

use super::cont::cont_arg;
use super::{guard, here, Here};
use crate::config::records::{RecValue, Source};
use crate::sys::types::{
    TSCont, TSMgmtCounter, TSMgmtFloat, TSMgmtInt, TSMgmtSourceRaw, TSMgmtString,
    TSRecordAccessTypeRaw, TSRecordCheckTypeRaw, TSRecordData, TSRecordDataTypeRaw, TSRecordDumpCb,
    TSRecordTypeRaw, TSRecordUpdateTypeRaw, TSReturnCodeRaw, TS_ERROR, TS_SUCCESS,
};

const TS_RECORDTYPE_CONFIG: c_int = 0x01;
const TS_RECORDTYPE_PLUGIN: c_int = 0x20;
const TS_RECORDTYPE_PROCESS: c_int = 0x02;
const TS_RECORDTYPE_ALL: c_int = 0x3F;
const TS_RECORDDATATYPE_INT: c_int = 1;
const TS_RECORDDATATYPE_FLOAT: c_int = 2;
const TS_RECORDDATATYPE_STRING: c_int = 3;
const TS_RECORDDATATYPE_COUNTER: c_int = 4;

/// The record name `p` (None, logged, for NULL or a name that is not UTF-8).
///
/// # Safety
/// `p` is NULL or a NUL-terminated string.
unsafe fn name_arg<'a>(who: Here, p: *const c_char) -> Option<&'a str> {
    if p.is_null() {
        crate::error!("{who}: NULL var_name");
        return None;
    }
    // SAFETY: non-NULL and NUL-terminated (this function's contract); read during the call.
    let s = unsafe { CStr::from_ptr(p) }.to_str().ok();
    if s.is_none() {
        crate::error!("{who}: var_name is not UTF-8");
    }
    s
}

/// Check `result` and the name, then write what `pick` takes of the record's value.
///
/// # Safety
/// `var_name` is NULL or NUL-terminated; `result` is NULL or writable.
unsafe fn get<T>(
    who: Here,
    var_name: *const c_char,
    result: *mut T,
    pick: impl FnOnce(RecValue) -> Option<T>,
) -> TSReturnCodeRaw {
    // SAFETY: this function's contract.
    let Some(name) = (unsafe { name_arg(who, var_name) }) else {
        return TS_ERROR;
    };
    if result.is_null() {
        crate::error!("{who}: NULL result");
        return TS_ERROR;
    }
    match crate::mgmt::record_value(name).and_then(pick) {
        Some(v) => {
            // SAFETY: non-NULL (checked above) and writable (this function's contract).
            unsafe { result.write(v) };
            TS_SUCCESS
        }
        None => TS_ERROR,
    }
}

/// The INT record `var_name` into `*result`. TS_ERROR (nothing written) when there is no such
/// registered record or it is not an INT (a COUNTER, FLOAT or STRING), as ATS.
#[no_mangle]
pub unsafe extern "C" fn TSMgmtIntGet(
    var_name: *const c_char,
    result: *mut TSMgmtInt,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        // SAFETY: the plugin's NUL-terminated name and its variable (or NULL, checked).
        unsafe {
            get(here!(), var_name, result, |v| match v {
                RecValue::Int(i) => Some(i),
                _ => None,
            })
        }
    })
}

/// The COUNTER record `var_name` into `*result`; TS_ERROR when there is no such registered record
/// or it is of another type.
#[no_mangle]
pub unsafe extern "C" fn TSMgmtCounterGet(
    var_name: *const c_char,
    result: *mut TSMgmtCounter,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        // SAFETY: the plugin's NUL-terminated name and its variable (or NULL, checked).
        unsafe {
            get(here!(), var_name, result, |v| match v {
                RecValue::Counter(i) => Some(i),
                _ => None,
            })
        }
    })
}

/// The FLOAT record `var_name` into `*result` (a C `float`, as ATS's RecFloat); TS_ERROR when
/// there is no such registered record or it is of another type.
#[no_mangle]
pub unsafe extern "C" fn TSMgmtFloatGet(
    var_name: *const c_char,
    result: *mut TSMgmtFloat,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        // SAFETY: the plugin's NUL-terminated name and its variable (or NULL, checked).
        unsafe {
            get(here!(), var_name, result, |v| match v {
                RecValue::Float(f) => Some(f as f32),
                _ => None,
            })
        }
    })
}

/// The STRING record `var_name` into `*result`: a copy the caller frees with TSfree. TS_ERROR
/// (nothing written) when there is no such registered record, it is of another type, or its value
/// is ATS's NULL string (`NULL` in records.config, or a default that is NULL such as
/// `proxy.config.diags.debug.client_ip`'s), as ATS.
#[no_mangle]
pub unsafe extern "C" fn TSMgmtStringGet(
    var_name: *const c_char,
    result: *mut TSMgmtString,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        // SAFETY: the plugin's NUL-terminated name and its variable (or NULL, checked).
        unsafe {
            get(here!(), var_name, result, |v| match v {
                RecValue::String(s) if !s.is_empty() => {
                    let c = CString::new(s.replace('\0', "")).ok()?;
                    // SAFETY: a NUL-terminated string of ours; strdup copies it with the C
                    // allocator, which TSfree frees.
                    let p = libc::strdup(c.as_ptr());
                    (!p.is_null()).then_some(p)
                }
                _ => None,
            })
        }
    })
}

/// Where the value of record `var_name` came from into `*source`: TS_MGMT_SOURCE_DEFAULT (the
/// built-in default), TS_MGMT_SOURCE_EXPLICIT (records.config, or a traffic_server option such as
/// `-p`), TS_MGMT_SOURCE_ENV (a `PROXY_CONFIG_...` variable). It finds records.config's
/// unregistered records too (EXPLICIT); TS_ERROR for a name without a record (plugin stats
/// included: tshost keeps no source for them).
#[no_mangle]
pub unsafe extern "C" fn TSMgmtSourceGet(
    var_name: *const c_char,
    source: *mut TSMgmtSourceRaw,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        // SAFETY: the plugin's NUL-terminated name (or NULL, checked).
        let Some(name) = (unsafe { name_arg(who, var_name) }) else {
            return TS_ERROR;
        };
        if source.is_null() {
            crate::error!("{who}: NULL source");
            return TS_ERROR;
        }
        let src = match crate::mgmt::plugin_record(name) {
            Some(p) => Some(p.source),
            None => crate::host::records().source(name),
        };
        let v = match src {
            Some(Source::Default) => 1,
            Some(Source::Plugin) => 2,
            Some(Source::Explicit) => 3,
            Some(Source::Env) => 4,
            None => return TS_ERROR,
        };
        // SAFETY: non-NULL (checked above): the plugin's TSMgmtSource.
        unsafe { source.write(v) };
        TS_SUCCESS
    })
}

/// The data type of record `var_name` into `*result` (TS_RECORDDATATYPE_INT, FLOAT, STRING or
/// COUNTER; a plugin stat is INT); TS_ERROR for a name without a registered record (a
/// records.config line for a name tshost does not know included, as ATS).
#[no_mangle]
pub unsafe extern "C" fn TSMgmtDataTypeGet(
    var_name: *const c_char,
    result: *mut TSRecordDataTypeRaw,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        // SAFETY: the plugin's NUL-terminated name (or NULL, checked).
        let Some(name) = (unsafe { name_arg(who, var_name) }) else {
            return TS_ERROR;
        };
        if result.is_null() {
            crate::error!("{who}: NULL result");
            return TS_ERROR;
        }
        let r = crate::host::records();
        let t = match r.get(name).filter(|_| r.registered(name)) {
            Some(v) => data_type(v),
            None if let Some(p) = crate::mgmt::plugin_record(name) => data_type(&p.value),
            None if crate::stats::find(name).is_some() => TS_RECORDDATATYPE_INT,
            None => return TS_ERROR,
        };
        // SAFETY: non-NULL (checked above): the plugin's TSRecordDataType.
        unsafe { result.write(t) };
        TS_SUCCESS
    })
}

fn data_type(v: &RecValue) -> c_int {
    match v {
        RecValue::Int(_) => TS_RECORDDATATYPE_INT,
        RecValue::Float(_) => TS_RECORDDATATYPE_FLOAT,
        RecValue::String(_) => TS_RECORDDATATYPE_STRING,
        RecValue::Counter(_) => TS_RECORDDATATYPE_COUNTER,
    }
}

/// Register `contp` to be called with TS_EVENT_MGMT_UPDATE (edata NULL) whenever the configuration
/// is reloaded (tshost: `kill -HUP`, which reloads remap.config; ATS: `traffic_ctl config reload`),
/// on a task thread, holding its mutex. One continuation per `plugin_name`: a second registration
/// under the same name is ignored, as ATS's table keeps the first. A NULL or dead continuation or
/// a NULL name (ATS aborts) is logged and ignored.
#[no_mangle]
pub unsafe extern "C" fn TSMgmtUpdateRegister(contp: TSCont, plugin_name: *const c_char) {
    guard!((), || {
        let who = here!();
        let Some(cont) = cont_arg(who, contp) else {
            return;
        };
        if plugin_name.is_null() {
            crate::error!("{who}: NULL plugin_name");
            return;
        }
        // SAFETY: non-NULL (checked above), NUL-terminated (TSMgmtUpdateRegister's contract).
        let name = unsafe { CStr::from_ptr(plugin_name) }.to_string_lossy();
        if !crate::mgmt::register_update(cont, &name) {
            crate::debug!(
                "mgmt",
                "{who}: {name} already has a continuation registered (kept)"
            );
        }
    })
}

/// Call `callback(rec_type, edata, registered, name, data_type, &datum)` for every record whose
/// type is in the mask `rec_type` (TS_RECORDTYPE_NULL: all): the configuration records
/// (TS_RECORDTYPE_CONFIG; records.config's names tshost does not know with `registered` 0), then
/// tshost's own metrics (`proxy.process.*`, TS_RECORDTYPE_PROCESS: gauges INT, the rest COUNTER),
/// then the plugin stats (TS_RECORDTYPE_PLUGIN, INT). A STRING's `rec_string` is NULL for ATS's
/// NULL string and valid during the call only. ATS's other process statistics are not
/// records in tshost. A NULL callback is logged and nothing is called.
#[no_mangle]
pub unsafe extern "C" fn TSRecordDump(
    rec_type: c_int,
    callback: TSRecordDumpCb,
    edata: *mut c_void,
) {
    guard!((), || {
        let Some(cb) = callback else {
            crate::error!("{}: NULL callback", here!());
            return;
        };
        let wants = |t: c_int| rec_type == 0 || rec_type & t & TS_RECORDTYPE_ALL != 0;
        let call = |t: c_int, registered: bool, name: &str, v: &RecValue| {
            let Ok(cname) = CString::new(name) else {
                return;
            };
            let text;
            let mut datum = match v {
                RecValue::Int(i) => TSRecordData { rec_int: *i },
                RecValue::Counter(i) => TSRecordData { rec_counter: *i },
                RecValue::Float(f) => TSRecordData {
                    rec_float: *f as f32,
                },
                RecValue::String(s) if s.is_empty() => TSRecordData {
                    rec_string: std::ptr::null_mut(),
                },
                RecValue::String(s) => {
                    text = CString::new(s.replace('\0', "")).unwrap_or_default();
                    TSRecordData {
                        rec_string: text.as_ptr().cast_mut(),
                    }
                }
            };
            // SAFETY: the plugin's callback with its edata; the name and the datum (and its
            // string) live for the call.
            unsafe {
                cb(
                    t,
                    edata,
                    c_int::from(registered),
                    cname.as_ptr(),
                    data_type(v),
                    &mut datum,
                )
            };
        };
        // records.config's and the built-in records (a plugin's record in the place of a
        // records.config line it registered), then the records plugins created, then the stats.
        let created = crate::mgmt::plugin_records();
        let r = crate::host::records();
        for (name, v) in r.iter() {
            match created.iter().find(|p| p.name == name) {
                Some(p) if wants(p.rec_type) => call(p.rec_type, true, name, &p.value),
                Some(_) => {}
                None if wants(TS_RECORDTYPE_CONFIG) => {
                    call(TS_RECORDTYPE_CONFIG, r.registered(name), name, v)
                }
                None => {}
            }
        }
        for p in created.iter().filter(|p| r.get(&p.name).is_none()) {
            if wants(p.rec_type) {
                call(p.rec_type, true, &p.name, &p.value);
            }
        }
        if wants(TS_RECORDTYPE_PROCESS) {
            for (name, v, gauge) in crate::metrics::all() {
                let v = if gauge {
                    RecValue::Int(v)
                } else {
                    RecValue::Counter(v)
                };
                call(TS_RECORDTYPE_PROCESS, true, name, &v);
            }
        }
        if wants(TS_RECORDTYPE_PLUGIN) {
            for (name, v) in crate::stats::all() {
                call(TS_RECORDTYPE_PLUGIN, true, &name, &RecValue::Int(v));
            }
        }
    })
}

/// Check the arguments of the Create calls; the name.
///
/// # Safety
/// `name` and `check_regex` are NULL or NUL-terminated.
unsafe fn create_args<'a>(
    who: Here,
    rec_type: c_int,
    name: *const c_char,
    check_type: c_int,
    check_regex: *const c_char,
) -> Option<&'a str> {
    if check_regex.is_null() && check_type != 0 {
        // ATS's answer, without a message.
        return None;
    }
    if rec_type & !TS_RECORDTYPE_ALL != 0 || rec_type == 0 {
        crate::error!("{who}: {rec_type} is not a TSRecordType");
        return None;
    }
    // SAFETY: this function's contract.
    unsafe { name_arg(who, name) }
}

/// Create (register) the INT configuration record `name` with `data_default` (ATS's
/// RecRegisterConfigInt, source TS_MGMT_SOURCE_PLUGIN): TSMgmtIntGet reads it, TSRecordDump lists
/// it. A records.config line for `name` gives its value (and the source EXPLICIT), as in ATS.
/// TS_ERROR when `check_type` is not TS_RECORDCHECK_NULL and `check_regex` is NULL (as ATS), and
/// (logged) for a NULL name, a `rec_type` that is not a TSRecordType mask, or a name of one of
/// tshost's records of another type. `update_type`, `check_type` and `access_type` are
/// recorded by ATS for traffic_ctl; tshost keeps none of them (`tshost ctl config get` shows the value).
#[no_mangle]
pub unsafe extern "C" fn TSMgmtIntCreate(
    rec_type: TSRecordTypeRaw,
    name: *const c_char,
    data_default: TSMgmtInt,
    _update_type: TSRecordUpdateTypeRaw,
    check_type: TSRecordCheckTypeRaw,
    check_regex: *const c_char,
    _access_type: TSRecordAccessTypeRaw,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        // SAFETY: the plugin's NUL-terminated strings, or NULL (checked).
        let Some(name) = (unsafe { create_args(who, rec_type, name, check_type, check_regex) })
        else {
            return TS_ERROR;
        };
        match crate::mgmt::create_record(rec_type, name, RecValue::Int(data_default)) {
            Ok(()) => TS_SUCCESS,
            Err(e) => {
                crate::error!("{who}: {e}");
                TS_ERROR
            }
        }
    })
}

/// Create (register) the STRING configuration record `name` with `data_default` (copied; NULL:
/// ATS's NULL string), as TSMgmtIntCreate does for an INT.
#[no_mangle]
pub unsafe extern "C" fn TSMgmtStringCreate(
    rec_type: TSRecordTypeRaw,
    name: *const c_char,
    data_default: TSMgmtString,
    _update_type: TSRecordUpdateTypeRaw,
    check_type: TSRecordCheckTypeRaw,
    check_regex: *const c_char,
    _access_type: TSRecordAccessTypeRaw,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        // SAFETY: the plugin's NUL-terminated strings, or NULL (checked).
        let Some(name) = (unsafe { create_args(who, rec_type, name, check_type, check_regex) })
        else {
            return TS_ERROR;
        };
        let default = if data_default.is_null() {
            String::new()
        } else {
            // SAFETY: non-NULL, NUL-terminated (TSMgmtStringCreate's contract); copied.
            unsafe { CStr::from_ptr(data_default) }
                .to_string_lossy()
                .into_owned()
        };
        match crate::mgmt::create_record(rec_type, name, RecValue::String(default)) {
            Ok(()) => TS_SUCCESS,
            Err(e) => {
                crate::error!("{who}: {e}");
                TS_ERROR
            }
        }
    })
}

/// Add `fileName` as a configuration file that belongs to `parent` (ATS: traffic_ctl's reload
/// watches it beside its parent). tshost reloads on SIGHUP and watches no file: TS_SUCCESS,
/// nothing kept.
#[no_mangle]
pub extern "C" fn TSMgmtConfigFileAdd(
    _parent: *const c_char,
    _fileName: *const c_char,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || TS_SUCCESS)
}

/// Called in TSPluginInit with 0: this plugin's library is not to be reloaded with the
/// configuration (ATS puts its canonical path in the DSO opt-out table, so that remap.config's
/// rules using the same library keep the loaded copy). tshost never reloads a library (each is
/// loaded once, as ATS with `proxy.config.plugin.dynamic_reload_mode 0`): the choice is recorded
/// and changes nothing. TS_ERROR outside a TSPluginInit (from TSRemapInit too, as ATS), and for 0
/// when the plugin's path has no canonical form; any other value is TS_SUCCESS and does nothing.
#[no_mangle]
pub extern "C" fn TSPluginDSOReloadEnable(enabled: c_int) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        let Some(p) = crate::plugin::initializing() else {
            crate::error!("{who}: called outside TSPluginInit");
            return TS_ERROR;
        };
        if enabled != 0 {
            return TS_SUCCESS;
        }
        match crate::mgmt::dso_reload_opt_out(&p.path) {
            Ok(()) => TS_SUCCESS,
            Err(e) => {
                crate::error!("{who}: {}: {e}", p.path.display());
                TS_ERROR
            }
        }
    })
}
