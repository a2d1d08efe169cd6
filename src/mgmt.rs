//! What ATS's management layer gives plugins beyond the records themselves: the continuations
//! TSMgmtUpdateRegister collects, told `TS_EVENT_MGMT_UPDATE` when the configuration is reloaded
//! (ATS's ConfigUpdateCbTable), and the plugins that opted out of DSO reloading with
//! `TSPluginDSOReloadEnable(0)` (ATS's PluginDso opt-out table), and the records plugins create
//! (TSMgmtIntCreate, TSMgmtStringCreate).
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use crate::config::records::{RecValue, Source};
use crate::cont::Cont;
use crate::sched::{self, PoolKind, ScheduledEvent, ACTIONS};

/// TS_EVENT_MGMT_UPDATE.
pub const TS_EVENT_MGMT_UPDATE: i32 = 60300;

/// Registered continuations by plugin name, in registration order. As ATS's table (a map by
/// name), a second registration under a name already there is ignored.
static UPDATE: Mutex<Vec<(String, Arc<Cont>)>> = Mutex::new(Vec::new());

/// Remember `cont` under `plugin_name`; false when that name already had one (kept, as ATS).
pub fn register_update(cont: Arc<Cont>, plugin_name: &str) -> bool {
    let mut t = UPDATE.lock();
    if t.iter().any(|(n, _)| n == plugin_name) {
        return false;
    }
    t.push((plugin_name.to_string(), cont));
    true
}

/// The configuration was reloaded: every registered continuation gets `TS_EVENT_MGMT_UPDATE`
/// (edata NULL) on a task thread, under its mutex (a busy mutex is tried again 10 ms later), as
/// ATS's ConfigUpdateCallback delivers it. Destroyed continuations are skipped. Returns how many
/// were scheduled.
pub fn config_updated() -> usize {
    let conts: Vec<Arc<Cont>> = UPDATE
        .lock()
        .iter()
        .filter(|(_, c)| !c.is_deleted())
        .map(|(_, c)| c.clone())
        .collect();
    for cont in &conts {
        let (_, ev) = ACTIONS.insert(|h| {
            ScheduledEvent::new(h, cont.clone(), TS_EVENT_MGMT_UPDATE, None, PoolKind::Task)
                .with_null_edata()
        });
        sched::schedule(ev, Duration::ZERO);
    }
    conts.len()
}

/// Canonical paths of the plugins that called `TSPluginDSOReloadEnable(0)` in TSPluginInit.
static DSO_OPT_OUT: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Put the plugin library at `path` in the opt-out table (its canonical path, as ATS); the error
/// when the path has none.
pub fn dso_reload_opt_out(path: &Path) -> std::io::Result<()> {
    let p = std::fs::canonicalize(path)?;
    let mut t = DSO_OPT_OUT.lock();
    if !t.contains(&p) {
        t.push(p);
    }
    Ok(())
}

/// Whether the library at `path` opted out of DSO reloading. tshost never reloads a library
/// (it loads each once, as ATS with `proxy.config.plugin.dynamic_reload_mode 0`), so this is
/// only reported.
pub fn dso_reload_opted_out(path: &Path) -> bool {
    std::fs::canonicalize(path).is_ok_and(|p| DSO_OPT_OUT.lock().contains(&p))
}

/// A record a plugin created (TSMgmtIntCreate, TSMgmtStringCreate): ATS registers it in its
/// record table; tshost keeps it here, beside the records of records.config.
#[derive(Clone, Debug)]
pub struct PluginRecord {
    pub name: String,
    /// TSRecordType as given (TS_RECORDTYPE_CONFIG usually).
    pub rec_type: i32,
    pub value: RecValue,
    pub source: Source,
}

static PLUGIN_RECORDS: parking_lot::RwLock<Vec<PluginRecord>> =
    parking_lot::RwLock::new(Vec::new());

/// Register record `name` with `default` as ATS's RecRegisterConfig does: a record records.config
/// set (unregistered until now) keeps the file's value when the type agrees (else it takes the
/// default) and its EXPLICIT source; one this plugin or another created already keeps its value
/// when the type agrees (else the default); a new one has the default and the PLUGIN source.
/// A built-in record is left as it is when the type agrees; of another type it is an error
/// (ATS would change the record's type).
pub fn create_record(rec_type: i32, name: &str, default: RecValue) -> Result<(), String> {
    let records = crate::host::records();
    if records.registered(name) {
        return match records.get(name) {
            Some(v) if std::mem::discriminant(v) == std::mem::discriminant(&default) => Ok(()),
            Some(v) => Err(format!("{name} is a record of type {}", v.type_name())),
            None => Ok(()),
        };
    }
    let same = |v: &RecValue| std::mem::discriminant(v) == std::mem::discriminant(&default);
    let mut t = PLUGIN_RECORDS.write();
    if let Some(r) = t.iter_mut().find(|r| r.name == name) {
        if !same(&r.value) {
            r.value = default;
        }
        r.rec_type = rec_type;
        return Ok(());
    }
    let (value, source) = match records.get(name) {
        Some(v) if same(v) => (v.clone(), Source::Explicit),
        Some(_) => (default, Source::Explicit),
        None => (default, Source::Plugin),
    };
    t.push(PluginRecord {
        name: name.to_string(),
        rec_type,
        value,
        source,
    });
    Ok(())
}

/// The record a plugin created under `name`, if any.
pub fn plugin_record(name: &str) -> Option<PluginRecord> {
    PLUGIN_RECORDS
        .read()
        .iter()
        .find(|r| r.name == name)
        .cloned()
}

/// `proxy.node.config.reconfigure_time`: when the configuration was last read (seconds since
/// the epoch), as ATS's traffic_server registers it at start and sets it at each reload; 0
/// before start-up. tslua reads it to tell a script loaded by this configuration.
static RECONFIGURED: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

/// The configuration was read (at start, or by a reload): `proxy.node.config.reconfigure_time`
/// is now.
pub fn reconfigured() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    RECONFIGURED.store(now, std::sync::atomic::Ordering::Release);
}

/// The value of registered record `name`, as plugins read it (TSMgmt*Get, TSRecordDump) and
/// `tshost ctl` prints it: a built-in record, then one a plugin created, then tshost's metrics
/// (a gauge as INT, the rest COUNTER), then a plugin stat (INT).
pub fn record_value(name: &str) -> Option<RecValue> {
    if name == "proxy.node.config.reconfigure_time" {
        let t = RECONFIGURED.load(std::sync::atomic::Ordering::Acquire);
        return (t != 0).then_some(RecValue::Int(t));
    }
    let r = crate::host::records();
    if r.registered(name) {
        return r.get(name).cloned();
    }
    if let Some(p) = plugin_record(name) {
        return Some(p.value);
    }
    if let Some((v, gauge)) = crate::metrics::value(name) {
        return Some(if gauge {
            RecValue::Int(v)
        } else {
            RecValue::Counter(v)
        });
    }
    let id = crate::stats::find(name)?;
    crate::stats::get(id as i32).map(RecValue::Int)
}

/// Every record plugins created, in creation order.
pub fn plugin_records() -> Vec<PluginRecord> {
    PLUGIN_RECORDS.read().clone()
}
