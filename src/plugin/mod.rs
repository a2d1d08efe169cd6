//! Plugins: plugin.config parsing and loading; remap plugins (remap.config's `@plugin=`).
pub mod check;
pub mod config;
pub mod hooktime;
pub mod hostlibs;
pub mod loader;
pub mod remap;

use std::cell::{Cell, RefCell};
use std::marker::PhantomData;
use std::path::PathBuf;
use std::sync::Arc;

use parking_lot::Mutex;

/// What tshost knows about a loaded plugin.
pub struct PluginInfo {
    /// argv[0] as written in plugin.config.
    pub argv0: String,
    pub path: PathBuf,
    /// Where it was listed ("<file>:<line>"), for messages.
    pub origin: String,
    pub registration: Mutex<Option<Registration>>,
    /// How long it held each hook (`tshost ctl metric match hook_time`, Prometheus).
    pub hook_times: hooktime::HookTimes,
}

#[derive(Clone, Debug, Default)]
pub struct Registration {
    pub plugin_name: Option<String>,
    pub vendor_name: Option<String>,
    pub support_email: Option<String>,
}

impl PluginInfo {
    /// The registered name, or argv[0] before registration.
    pub fn name(&self) -> String {
        self.registration
            .lock()
            .as_ref()
            .and_then(|r| r.plugin_name.clone())
            .unwrap_or_else(|| self.argv0.clone())
    }
    pub fn is_registered(&self) -> bool {
        self.registration.lock().is_some()
    }
}

thread_local! {
    /// The running plugin: the `Arc::as_ptr` of a live `Arc<PluginInfo>` (kept alive by the
    /// [`Context`] that set it), or null. A pointer, so entering a plugin's code on every hook
    /// call costs no reference-count traffic.
    static CURRENT: Cell<*const PluginInfo> = const { Cell::new(std::ptr::null()) };
    static IN_INIT: RefCell<Option<Arc<PluginInfo>>> = const { RefCell::new(None) };
}

/// The plugin whose code is running on this thread, if known.
pub fn current() -> Option<Arc<PluginInfo>> {
    let p = CURRENT.with(Cell::get);
    if p.is_null() {
        return None;
    }
    // SAFETY: a non-null CURRENT comes from `Arc::as_ptr` of an Arc that the Context which set it
    // borrows for its whole life (and CURRENT is reset when that Context drops), so the
    // PluginInfo is alive and owned by an Arc: one more strong count makes a new Arc of it.
    unsafe {
        Arc::increment_strong_count(p);
        Some(Arc::from_raw(p))
    }
}

/// The plugin whose TSPluginInit is running on this thread.
pub fn initializing() -> Option<Arc<PluginInfo>> {
    IN_INIT.with(|c| c.borrow().clone())
}

/// Restores the previous current plugin when dropped.
pub struct Context<'a> {
    prev: *const PluginInfo,
    _plugin: PhantomData<&'a Arc<PluginInfo>>,
}

/// Make `p` the current plugin of this thread until the returned guard is dropped.
pub fn enter(p: Option<&Arc<PluginInfo>>) -> Context<'_> {
    let ptr = p.map_or(std::ptr::null(), Arc::as_ptr);
    Context {
        prev: CURRENT.with(|c| c.replace(ptr)),
        _plugin: PhantomData,
    }
}

impl Drop for Context<'_> {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.prev));
    }
}

pub(crate) fn set_initializing(p: Option<Arc<PluginInfo>>) {
    IN_INIT.with(|c| *c.borrow_mut() = p);
}
