//! How long each plugin holds each hook: from the call (the continuation's mutex included) to its
//! reenable, so a plugin that reenables later from another thread is counted for the whole wait.
//! A histogram per plugin and hook (ATS's TSHttpHookID values, HTTP and TLS), with fixed buckets
//! from 1 us to 5 s; served by `tshost ctl metric` (calls, total, estimated p50/p99) and the
//! Prometheus endpoint (the buckets). Recording is two relaxed adds and a search of 21 bounds;
//! nothing is recorded where no plugin is hooked.
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The buckets' upper bounds, in microseconds; one more bucket counts what is slower.
pub const BOUNDS_US: [u64; 21] = [
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000,
    200_000, 500_000, 1_000_000, 2_000_000, 5_000_000,
];

/// TSHttpHookID values measured: 0 ..= TS_HTTP_LAST_HOOK (which covers the TLS hooks).
pub const HOOKS: usize = 29;

/// One plugin's and one hook's times.
#[derive(Default)]
pub struct Hist {
    buckets: [AtomicU64; BOUNDS_US.len() + 1],
    calls: AtomicU64,
    total_ns: AtomicU64,
}

/// What a histogram held when read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Counts per bucket (not cumulative), the last one over 5 s.
    pub buckets: Vec<u64>,
    pub calls: u64,
    pub total_ns: u64,
}

impl Snapshot {
    /// The upper bound (us) of the bucket the `q` quantile (0..1) falls in; None with no calls,
    /// u64::MAX when it is in the last, unbounded bucket.
    pub fn quantile_us(&self, q: f64) -> Option<u64> {
        if self.calls == 0 {
            return None;
        }
        let rank = ((self.calls as f64) * q).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, n) in self.buckets.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return Some(BOUNDS_US.get(i).copied().unwrap_or(u64::MAX));
            }
        }
        Some(u64::MAX)
    }
}

impl Hist {
    pub fn record(&self, d: Duration) {
        let us = d.as_micros().min(u64::MAX as u128) as u64;
        let i = BOUNDS_US.partition_point(|b| *b < us);
        self.buckets[i].fetch_add(1, Ordering::Relaxed);
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.total_ns
            .fetch_add(d.as_nanos().min(u64::MAX as u128) as u64, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            buckets: self
                .buckets
                .iter()
                .map(|b| b.load(Ordering::Relaxed))
                .collect(),
            calls: self.calls.load(Ordering::Relaxed),
            total_ns: self.total_ns.load(Ordering::Relaxed),
        }
    }
}

/// A plugin's histograms, one per hook.
pub struct HookTimes(Box<[Hist; HOOKS]>);

impl Default for HookTimes {
    fn default() -> Self {
        HookTimes(Box::new(std::array::from_fn(|_| Hist::default())))
    }
}

impl HookTimes {
    /// Count one hold of `hook` (ignored outside 0..HOOKS).
    pub fn record(&self, hook: i32, d: Duration) {
        if let Some(h) = usize::try_from(hook).ok().and_then(|i| self.0.get(i)) {
            h.record(d);
        }
    }

    /// The hooks with at least one call: (hook id, what they held).
    pub fn used(&self) -> Vec<(i32, Snapshot)> {
        self.0
            .iter()
            .enumerate()
            .map(|(i, h)| (i as i32, h.snapshot()))
            .filter(|(_, s)| s.calls > 0)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_land_in_their_buckets_and_quantiles_read_back() {
        let t = HookTimes::default();
        for _ in 0..98 {
            t.record(0, Duration::from_micros(3)); // the 5 us bucket
        }
        t.record(0, Duration::from_millis(30)); // the 50 ms bucket
        t.record(0, Duration::from_secs(9)); // over 5 s
        t.record(99, Duration::from_secs(1)); // not a hook: ignored
        t.record(-1, Duration::from_secs(1));
        let used = t.used();
        assert_eq!(used.len(), 1);
        let (hook, s) = &used[0];
        assert_eq!(*hook, 0);
        assert_eq!(s.calls, 100);
        assert_eq!(s.buckets[2], 98);
        assert_eq!(s.buckets[BOUNDS_US.len()], 1);
        assert_eq!(s.buckets.iter().sum::<u64>(), 100);
        assert_eq!(s.quantile_us(0.5), Some(5));
        assert_eq!(s.quantile_us(0.99), Some(50_000));
        assert_eq!(s.quantile_us(1.0), Some(u64::MAX));
        assert_eq!(
            s.total_ns,
            98 * 3_000 + 30_000_000 + 9_000_000_000,
            "the sum is exact"
        );
        assert_eq!(Snapshot::default().quantile_us(0.5), None);
    }

    #[test]
    fn a_bound_is_inclusive() {
        let h = Hist::default();
        h.record(Duration::from_micros(1));
        h.record(Duration::from_nanos(1_001)); // 1 us when counted in whole microseconds
        h.record(Duration::from_micros(2));
        let s = h.snapshot();
        assert_eq!(s.buckets[0], 2);
        assert_eq!(s.buckets[1], 1);
    }
}
