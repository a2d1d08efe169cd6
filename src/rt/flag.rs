//! A flag set once, that a task can wait for with a bound (the lifecycle laws' "the plugin was
//! told before TXN_CLOSE").
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

#[derive(Default)]
pub struct Flag {
    set: AtomicBool,
    notify: tokio::sync::Notify,
}

impl Flag {
    /// Set it (the first time wakes the waiters).
    pub fn set(&self) {
        if !self.set.swap(true, Ordering::AcqRel) {
            self.notify.notify_waiters();
        }
    }

    pub fn is_set(&self) -> bool {
        self.set.load(Ordering::Acquire)
    }

    /// Wait until it is set, or `ready` says there is nothing to wait for, at most `limit`:
    /// false if it was not set in time.
    pub async fn wait(&self, limit: Duration, ready: impl Fn() -> bool) -> bool {
        let set = self.notify.notified();
        tokio::pin!(set);
        set.as_mut().enable();
        if self.is_set() || ready() {
            return true;
        }
        tokio::time::timeout(limit, set).await.is_ok()
    }
}
