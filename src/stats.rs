//! Plugin statistics (TSStatCreate & co): named 64-bit integers.
//!
//! ATS sums per-thread slots every 5 s, so its TSStatIntGet lags behind; tshost keeps one atomic per
//! stat, so a read reflects every increment made before it. Negative totals read as 0, as ATS's sync
//! clamps them.
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};

use parking_lot::Mutex;

/// Size of ATS's plugin stat block by default.
pub const MAX_STATS: usize = 1400;

static NAMES: Mutex<Vec<String>> = Mutex::new(Vec::new());
static COUNT: AtomicUsize = AtomicUsize::new(0);
static VALUES: [AtomicI64; MAX_STATS] = [const { AtomicI64::new(0) }; MAX_STATS];

#[derive(Debug, PartialEq, Eq)]
pub enum CreateError {
    Duplicate,
    Full,
}

pub fn create(name: &str) -> Result<usize, CreateError> {
    let mut names = NAMES.lock();
    if names.iter().any(|n| n == name) {
        return Err(CreateError::Duplicate);
    }
    if names.len() >= MAX_STATS {
        return Err(CreateError::Full);
    }
    names.push(name.to_string());
    let id = names.len() - 1;
    VALUES[id].store(0, Ordering::Relaxed);
    COUNT.store(names.len(), Ordering::Release);
    Ok(id)
}

/// Every stat's name and value, in creation order (TSRecordDump).
pub fn all() -> Vec<(String, i64)> {
    let names = NAMES.lock();
    names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.clone(), VALUES[i].load(Ordering::Relaxed).max(0)))
        .collect()
}

pub fn find(name: &str) -> Option<usize> {
    NAMES.lock().iter().position(|n| n == name)
}

fn slot(id: i32) -> Option<&'static AtomicI64> {
    (id >= 0 && (id as usize) < COUNT.load(Ordering::Acquire)).then(|| &VALUES[id as usize])
}

pub fn add(id: i32, amount: i64) -> bool {
    slot(id)
        .map(|s| s.fetch_add(amount, Ordering::Relaxed))
        .is_some()
}

pub fn get(id: i32) -> Option<i64> {
    slot(id).map(|s| s.load(Ordering::Relaxed).max(0))
}

pub fn set(id: i32, v: i64) -> bool {
    slot(id).map(|s| s.store(v, Ordering::Relaxed)).is_some()
}
