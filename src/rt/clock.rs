//! The clock the handle pools and the deadlines read.

/// A coarse monotonic clock in ms (CLOCK_MONOTONIC_COARSE: a few ns, no system call, no clock
/// read): the quarantine is timed on every handle's birth and death, and the origin pool's idle
/// connections on every request.
pub fn coarse_ms() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC_COARSE, &mut ts) };
    ts.tv_sec as u64 * 1000 + ts.tv_nsec as u64 / 1_000_000
}

/// Seconds since the epoch from the coarse real-time clock (CLOCK_REALTIME_COARSE: no system
/// call): the times ATS keeps in whole seconds (a response's Date and Age).
pub fn coarse_unix_secs() -> i64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_REALTIME_COARSE, &mut ts) };
    ts.tv_sec
}
