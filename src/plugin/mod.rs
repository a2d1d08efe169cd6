//! Plugins: plugin.config parsing and loading.
pub mod config;
pub mod loader;

use std::cell::RefCell;
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
    static CURRENT: RefCell<Option<Arc<PluginInfo>>> = const { RefCell::new(None) };
    static IN_INIT: RefCell<Option<Arc<PluginInfo>>> = const { RefCell::new(None) };
}

/// The plugin whose code is running on this thread, if known.
pub fn current() -> Option<Arc<PluginInfo>> {
    CURRENT.with(|c| c.borrow().clone())
}

/// The plugin whose TSPluginInit is running on this thread.
pub fn initializing() -> Option<Arc<PluginInfo>> {
    IN_INIT.with(|c| c.borrow().clone())
}

/// Restores the previous current plugin when dropped.
pub struct Context {
    prev: Option<Arc<PluginInfo>>,
}

/// Make `p` the current plugin of this thread until the returned guard is dropped.
pub fn enter(p: Option<Arc<PluginInfo>>) -> Context {
    let prev = CURRENT.with(|c| std::mem::replace(&mut *c.borrow_mut(), p));
    Context { prev }
}

impl Drop for Context {
    fn drop(&mut self) {
        let prev = self.prev.take();
        CURRENT.with(|c| *c.borrow_mut() = prev);
    }
}

pub(crate) fn set_initializing(p: Option<Arc<PluginInfo>>) {
    IN_INIT.with(|c| *c.borrow_mut() = p);
}
