//! A transaction's milestones (TSHttpTxnMilestoneGet): when it reached each point of its life, in
//! nanoseconds since the epoch (TShrtime's clock), 0 for a point it did not reach. tshost stamps
//! the client side (UA_BEGIN, UA_FIRST_READ, UA_READ_HEADER_DONE, UA_BEGIN_WRITE, UA_CLOSE), the
//! origin side (SERVER_FIRST_CONNECT, SERVER_CONNECT, SERVER_CONNECT_END, SERVER_BEGIN_WRITE,
//! SERVER_FIRST_READ, SERVER_READ_HEADER_DONE, SERVER_CLOSE) and SM_START/SM_FINISH; it has no
//! cache and no DNS lookups of its own, so those stay 0 (as ATS's with the cache off and an
//! address for a host), and it does not time plugins (PLUGIN_ACTIVE, PLUGIN_TOTAL: 0).
//!
//! Reading the clock a dozen times per transaction costs; tshost stamps only once a plugin that
//! imports TSHttpTxnMilestoneGet is loaded (or calls it first), and otherwise pays one relaxed
//! load per point.
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::OnceLock;

/// TS_MILESTONE_LAST_ENTRY.
pub const COUNT: usize = 24;

pub const UA_BEGIN: usize = 0;
pub const UA_FIRST_READ: usize = 1;
pub const UA_READ_HEADER_DONE: usize = 2;
pub const UA_BEGIN_WRITE: usize = 3;
pub const UA_CLOSE: usize = 4;
pub const SERVER_FIRST_CONNECT: usize = 5;
pub const SERVER_CONNECT: usize = 6;
pub const SERVER_CONNECT_END: usize = 7;
pub const SERVER_BEGIN_WRITE: usize = 8;
pub const SERVER_FIRST_READ: usize = 9;
pub const SERVER_READ_HEADER_DONE: usize = 10;
pub const SERVER_CLOSE: usize = 11;
pub const SM_START: usize = 18;
pub const SM_FINISH: usize = 19;

static ON: AtomicBool = AtomicBool::new(false);

/// Stamp milestones from now on.
pub fn enable() {
    if !ON.swap(true, Ordering::AcqRel) {
        crate::debug!(
            "milestones",
            "transaction milestones are stamped from now on"
        );
    }
}

/// Whether milestones are stamped.
pub fn enabled() -> bool {
    ON.load(Ordering::Relaxed)
}

/// TShrtime's clock: nanoseconds since the epoch.
pub fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}

/// The stamps, made on the first stamp (none at all while stamping is off: a transaction then
/// pays no allocation and no zeroing for them).
#[derive(Default)]
pub struct Milestones(OnceLock<Box<[AtomicI64; COUNT]>>);

impl Milestones {
    fn stamps(&self) -> &[AtomicI64; COUNT] {
        self.0
            .get_or_init(|| Box::new([const { AtomicI64::new(0) }; COUNT]))
    }

    /// Stamp `m` now (when stamping is on).
    #[inline]
    pub fn stamp(&self, m: usize) {
        if enabled() {
            self.stamps()[m].store(now_ns(), Ordering::Relaxed);
        }
    }

    /// Stamp `m` now unless it was stamped already (the FIRST_ milestones, the ends).
    #[inline]
    pub fn stamp_once(&self, m: usize) {
        if enabled() {
            let s = self.stamps();
            if s[m].load(Ordering::Relaxed) == 0 {
                s[m].store(now_ns(), Ordering::Relaxed);
            }
        }
    }

    /// Stamp several at one reading of the clock.
    #[inline]
    pub fn stamp_all(&self, ms: &[usize]) {
        if enabled() {
            let now = now_ns();
            let s = self.stamps();
            for m in ms {
                if s[*m].load(Ordering::Relaxed) == 0 {
                    s[*m].store(now, Ordering::Relaxed);
                }
            }
        }
    }

    /// The time of `m` (0: not reached, or not stamped); None for an index out of range.
    pub fn get(&self, m: usize) -> Option<i64> {
        if m >= COUNT {
            return None;
        }
        Some(self.0.get().map_or(0, |s| s[m].load(Ordering::Relaxed)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_only_when_on_and_firsts_stay_first() {
        let m = Milestones::default();
        // (Other unit tests may turn stamping on; this one does too.)
        enable();
        m.stamp(SM_START);
        let t = m.get(SM_START).unwrap();
        assert!(t > 1_600_000_000_000_000_000, "{t}");
        m.stamp_once(SERVER_FIRST_CONNECT);
        let first = m.get(SERVER_FIRST_CONNECT).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(2));
        m.stamp_once(SERVER_FIRST_CONNECT);
        assert_eq!(m.get(SERVER_FIRST_CONNECT), Some(first));
        m.stamp_all(&[UA_CLOSE, SM_FINISH]);
        assert_eq!(m.get(UA_CLOSE), m.get(SM_FINISH));
        assert_eq!(m.get(COUNT), None);
        assert_eq!(m.get(12), Some(0), "no cache: never stamped");
    }
}
