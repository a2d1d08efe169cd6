//! Continuations (TSCont): a C event function, a data pointer and an optional mutex.

use std::os::raw::{c_int, c_void};
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use std::sync::Arc;

use crate::mutex::TsMutex;
use crate::plugin::{self, PluginInfo};
use crate::rt::pool::Pool;
use crate::sys::types::{TSCont, TSEventFunc};

/// The live TSCont handles.
pub static CONTS: Pool<Cont> = Pool::new();

pub struct Cont {
    /// The TSCont handle given to C.
    pub handle: usize,
    pub(crate) func: TSEventFunc,
    data: AtomicPtr<c_void>,
    pub mutex: Option<Arc<TsMutex>>,
    deleted: AtomicBool,
    /// The plugin that created it (for diagnostics), if known.
    pub plugin: Option<Arc<PluginInfo>>,
    /// Its thread affinity: the TSThread handle of an event thread, 0 for none.
    affinity: AtomicUsize,
}

impl Cont {
    pub fn new(handle: usize, func: TSEventFunc, mutex: Option<Arc<TsMutex>>) -> Cont {
        if let Some(m) = &mutex {
            m.hold();
        }
        Cont {
            handle,
            func,
            data: AtomicPtr::new(std::ptr::null_mut()),
            mutex,
            deleted: AtomicBool::new(false),
            plugin: plugin::current(),
            affinity: AtomicUsize::new(0),
        }
    }

    pub fn data(&self) -> *mut c_void {
        self.data.load(Ordering::Acquire)
    }

    pub fn set_data(&self, p: *mut c_void) {
        self.data.store(p, Ordering::Release)
    }

    /// The event thread (TSThread handle) its events go to first, 0 for none.
    pub fn affinity(&self) -> usize {
        self.affinity.load(Ordering::Acquire)
    }

    /// Set (a TSThread handle) or clear (0) its thread affinity.
    pub fn set_affinity(&self, thread: usize) {
        self.affinity.store(thread, Ordering::Release)
    }

    pub fn is_deleted(&self) -> bool {
        self.deleted.load(Ordering::Acquire)
    }

    pub fn mark_deleted(&self) -> bool {
        !self.deleted.swap(true, Ordering::AcqRel)
    }

    /// The plugin's name for log messages.
    pub fn plugin_name(&self) -> String {
        self.plugin
            .as_ref()
            .map(|p| p.name())
            .unwrap_or_else(|| "unknown plugin".to_string())
    }

    /// Call the event function holding the continuation's mutex (waiting for it if another
    /// thread holds it), as ATS's APIHook::invoke and TSContCall do. A continuation destroyed
    /// before the mutex was got (by its own event function on another thread, as a transform
    /// destroys itself once closed) is not called: 0.
    pub fn call_locked(&self, event: c_int, edata: *mut c_void) -> c_int {
        if let Some(m) = &self.mutex {
            m.lock();
        }
        let r = if self.is_deleted() {
            0
        } else {
            self.call(event, edata)
        };
        if let Some(m) = &self.mutex {
            m.unlock();
        }
        r
    }

    /// Call the event function (the caller holds the mutex if there is one). Continuations created
    /// during the call are attributed to this continuation's plugin.
    pub fn call(&self, event: c_int, edata: *mut c_void) -> c_int {
        let _ctx = plugin::enter(self.plugin.as_ref());
        call_event_func(self.func, self.handle, event, edata)
    }
}

impl Drop for Cont {
    fn drop(&mut self) {
        if let Some(m) = &self.mutex {
            m.let_go();
        }
    }
}

/// Call a plugin's event function. The one place tshost jumps into a continuation.
fn call_event_func(func: TSEventFunc, handle: usize, event: c_int, edata: *mut c_void) -> c_int {
    match func {
        // SAFETY: `func` is the function the plugin gave TSContCreate, with ATS's signature.
        Some(f) => unsafe { f(handle as TSCont, event, edata) },
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    static CALLS: AtomicUsize = AtomicUsize::new(0);

    extern "C" fn count(_: TSCont, _: c_int, _: *mut c_void) -> c_int {
        CALLS.fetch_add(1, Ordering::SeqCst);
        7
    }

    /// The bug compress.so's brotli transform hit: the sink told the transform's write VIO of
    /// progress after the transform had destroyed itself on another thread, and compress
    /// asserted on its freed data. A destroyed continuation is never called again.
    #[test]
    fn a_destroyed_continuation_is_not_called_under_its_mutex() {
        let mutex = crate::mutex::MUTEXES.insert(TsMutex::new).1;
        let (h, c) = CONTS.insert(|h| Cont::new(h, Some(count), Some(mutex)));
        assert_eq!(c.call_locked(1, std::ptr::null_mut()), 7);
        assert_eq!(CALLS.load(Ordering::SeqCst), 1);
        assert!(c.mark_deleted());
        CONTS.release(h);
        assert_eq!(c.call_locked(1, std::ptr::null_mut()), 0);
        assert_eq!(CALLS.load(Ordering::SeqCst), 1);
    }
}
