//! `Shared<T>`: an `Option<Arc<T>>` that any thread can read and replace, for values replaced a
//! few times per transaction (the handle slots, a transaction's headers). A short mutex: a load is
//! one uncontended lock and a reference-count increment, a store costs the same (arc-swap's store
//! walks every thread's debt list, which showed in profiles of the request path).
#![forbid(unsafe_code)]

use std::sync::Arc;

use parking_lot::Mutex;

pub struct Shared<T>(Mutex<Option<Arc<T>>>);

impl<T> Shared<T> {
    pub const fn empty() -> Self {
        Shared(Mutex::new(None))
    }

    /// The current value (a new reference).
    pub fn load_full(&self) -> Option<Arc<T>> {
        self.0.lock().clone()
    }

    /// Whether it holds a value now.
    pub fn is_some(&self) -> bool {
        self.0.lock().is_some()
    }

    pub fn store(&self, v: Option<Arc<T>>) {
        let old = std::mem::replace(&mut *self.0.lock(), v);
        drop(old); // outside the lock: dropping the last reference may run a destructor
    }

    pub fn swap(&self, v: Option<Arc<T>>) -> Option<Arc<T>> {
        std::mem::replace(&mut *self.0.lock(), v)
    }
}

impl<T> Default for Shared<T> {
    fn default() -> Self {
        Shared::empty()
    }
}
