//! What ATS's management layer gives plugins beyond the records themselves: the continuations
//! TSMgmtUpdateRegister collects, told `TS_EVENT_MGMT_UPDATE` when the configuration is reloaded
//! (ATS's ConfigUpdateCbTable), and the plugins that opted out of DSO reloading with
//! `TSPluginDSOReloadEnable(0)` (ATS's PluginDso opt-out table).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

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
