//! When a text log rolls: ATS 9.2's rolling settings as `LogObject::_setup_rolling` checks and
//! adjusts them (proxy/logging/LogObject.cc), and the decision of `LogObject::roll_files`, which
//! ATS's flush thread takes every `proxy.config.log.periodic_tasks_interval` seconds.
//!
//! ATS's rules, kept here:
//! - `rolling_enabled` is 0 (no rolling), 1 (on time), 2 (on size), 3 (time or size), 4 (time and
//!   size).
//! - Setting a value re-runs the whole check with the other three as they stand. The interval,
//!   offset and size are only stored by a mode that uses them: with rolling off, setting the
//!   interval changes nothing (which is why ATS's documentation says to set the mode first).
//! - On time: the interval is raised to 30 s, lowered to 86400 s, or raised until it divides a
//!   day (each change a NOTE); an offset outside 0..=23 hours becomes 0 (NOTE); the size is reset
//!   to 0 (a mode with size sets it again right after).
//! - On size: below 10 MB becomes 10 MB (NOTE).
//! - A roll on time is due when the next boundary (the offset hour, then every interval through
//!   the local day) is now or less than 10 s past, and the last roll is more than 10 s away; on
//!   size when the file holds more than the size in MiB; "time and size" needs both.
#![forbid(unsafe_code)]

/// `Log::MIN_ROLLING_INTERVAL_SEC`.
const MIN_INTERVAL_SEC: i32 = 30;
/// `Log::MAX_ROLLING_INTERVAL_SEC`: a day.
const MAX_INTERVAL_SEC: i32 = 86400;
/// roll_files' `missed_window`: how late a periodic check may come and still roll on time.
const MISSED_WINDOW_SEC: i64 = 10;
/// The smallest size to roll at.
const MIN_SIZE_MB: i32 = 10;
/// `LOG_MEGABYTE`.
const MEGABYTE: u64 = 1 << 20;

/// `Log::RollingEnabledValues`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enabled {
    No,
    TimeOnly,
    SizeOnly,
    TimeOrSize,
    TimeAndSize,
}

impl Enabled {
    /// The mode numbered `v` (0 to 4); None for anything else.
    pub fn from_int(v: i64) -> Option<Enabled> {
        Some(match v {
            0 => Enabled::No,
            1 => Enabled::TimeOnly,
            2 => Enabled::SizeOnly,
            3 => Enabled::TimeOrSize,
            4 => Enabled::TimeAndSize,
            _ => return None,
        })
    }

    fn uses_time(self) -> bool {
        matches!(
            self,
            Enabled::TimeOnly | Enabled::TimeOrSize | Enabled::TimeAndSize
        )
    }

    fn uses_size(self) -> bool {
        matches!(
            self,
            Enabled::SizeOnly | Enabled::TimeOrSize | Enabled::TimeAndSize
        )
    }
}

/// A text log's rolling settings (`m_rolling_enabled`, `m_rolling_interval_sec`,
/// `m_rolling_offset_hr`, `m_rolling_size_mb`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rolling {
    pub enabled: Enabled,
    pub interval_sec: i32,
    pub offset_hr: i32,
    pub size_mb: i32,
}

impl Rolling {
    /// `_setup_rolling(enabled, interval_sec, offset_hr, size_mb)` over the settings `self`
    /// holds; ATS's NOTEs about adjusted values (naming `file`) go to `notes`.
    pub fn setup(
        self,
        enabled: Enabled,
        interval_sec: i32,
        offset_hr: i32,
        size_mb: i32,
        file: &str,
        notes: &mut Vec<String>,
    ) -> Rolling {
        let mut r = self;
        if enabled.uses_time() {
            r.interval_sec = if interval_sec < MIN_INTERVAL_SEC {
                MIN_INTERVAL_SEC
            } else if interval_sec > MAX_INTERVAL_SEC {
                MAX_INTERVAL_SEC
            } else {
                let mut i = interval_sec;
                while MAX_INTERVAL_SEC % i != 0 {
                    i += 1;
                }
                i
            };
            if r.interval_sec != interval_sec {
                notes.push(format!(
                    "Rolling interval adjusted from {interval_sec} sec to {} sec for {file}",
                    r.interval_sec
                ));
            }
            r.offset_hr = if (0..=23).contains(&offset_hr) {
                offset_hr
            } else {
                notes.push(format!(
                    "Rolling offset out of bounds for {file}, setting it to 0"
                ));
                0
            };
            r.size_mb = 0;
        }
        if enabled.uses_size() {
            r.size_mb = if size_mb < MIN_SIZE_MB {
                notes.push(format!(
                    "Rolling size invalid({size_mb}) for {file}, setting it to {MIN_SIZE_MB} MB"
                ));
                MIN_SIZE_MB
            } else {
                size_mb
            };
        }
        r.enabled = enabled;
        r
    }

    /// Is a roll due? `now` in seconds since the epoch, `local_secs_of_day` the local time of day
    /// at `now` in seconds, `last_roll` the time of the last roll (0: none yet), `bytes` what the
    /// file holds (what was there when it was opened, and what was written since).
    pub fn due(&self, now: i64, local_secs_of_day: i64, last_roll: i64, bytes: u64) -> bool {
        let on_time = self.enabled != Enabled::SizeOnly && self.interval_sec > 0 && {
            let to_next =
                seconds_to_next_roll(local_secs_of_day, self.offset_hr, self.interval_sec);
            let since_last = (now - last_roll).abs();
            (to_next == 0 || to_next >= i64::from(self.interval_sec) - MISSED_WINDOW_SEC)
                && since_last > MISSED_WINDOW_SEC
        };
        let on_size = self.enabled != Enabled::TimeOnly
            && self.size_mb > 0
            && bytes > self.size_mb as u64 * MEGABYTE;
        match self.enabled {
            Enabled::No => false,
            Enabled::TimeOnly => on_time,
            Enabled::SizeOnly => on_size,
            Enabled::TimeOrSize => on_time || on_size,
            Enabled::TimeAndSize => on_time && on_size,
        }
    }
}

/// `LogUtils::seconds_to_next_roll`: seconds from the local time of day `secs_of_day` to the next
/// roll boundary (the offset hour, then every `interval` seconds through the day).
pub fn seconds_to_next_roll(secs_of_day: i64, offset_hr: i32, interval: i32) -> i64 {
    let boundary = i64::from(offset_hr) * 3600;
    let interval = i64::from(interval.max(1));
    if boundary >= secs_of_day {
        (boundary - secs_of_day) % interval
    } else {
        (86400 - (secs_of_day - boundary)) % interval
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFF: Rolling = Rolling {
        enabled: Enabled::No,
        interval_sec: 86400,
        offset_hr: 0,
        size_mb: 10,
    };

    fn setup(from: Rolling, e: Enabled, i: i32, o: i32, s: i32) -> (Rolling, Vec<String>) {
        let mut notes = Vec::new();
        (from.setup(e, i, o, s, "/l/x.log", &mut notes), notes)
    }

    #[test]
    fn the_interval_is_clamped_to_30_s_and_a_day_and_made_to_divide_a_day() {
        let (r, n) = setup(OFF, Enabled::TimeOnly, 5, 0, 10);
        assert_eq!(r.interval_sec, 30);
        assert_eq!(
            n,
            ["Rolling interval adjusted from 5 sec to 30 sec for /l/x.log"]
        );
        assert_eq!(
            setup(OFF, Enabled::TimeOnly, 90000, 0, 10).0.interval_sec,
            86400
        );
        // 7000 does not divide 86400; the next that does is 7200.
        assert_eq!(
            setup(OFF, Enabled::TimeOnly, 7000, 0, 10).0.interval_sec,
            7200
        );
        let (r, n) = setup(OFF, Enabled::TimeOnly, 3600, 0, 10);
        assert_eq!((r.interval_sec, n.len()), (3600, 0));
        assert_eq!(r.size_mb, 0, "a mode on time alone keeps no size");
    }

    #[test]
    fn an_offset_outside_the_day_becomes_0_and_a_small_size_10_mb() {
        let (r, n) = setup(OFF, Enabled::TimeOrSize, 60, 24, 3);
        assert_eq!((r.offset_hr, r.size_mb), (0, 10));
        assert_eq!(
            n,
            [
                "Rolling offset out of bounds for /l/x.log, setting it to 0",
                "Rolling size invalid(3) for /l/x.log, setting it to 10 MB"
            ]
        );
        assert_eq!(setup(OFF, Enabled::SizeOnly, 60, 5, 12).0.size_mb, 12);
    }

    #[test]
    fn with_rolling_off_the_other_settings_are_not_stored() {
        let (r, n) = setup(OFF, Enabled::No, 60, 5, 20);
        assert_eq!(r, OFF);
        assert!(n.is_empty());
        // On size only: the interval and offset given are not taken either.
        let (r, _) = setup(OFF, Enabled::SizeOnly, 60, 5, 20);
        assert_eq!((r.interval_sec, r.offset_hr, r.size_mb), (86400, 0, 20));
    }

    #[test]
    fn seconds_to_the_next_boundary_follow_the_offset_through_the_day() {
        assert_eq!(seconds_to_next_roll(0, 0, 3600), 0);
        assert_eq!(seconds_to_next_roll(10, 0, 3600), 3590);
        assert_eq!(seconds_to_next_roll(3 * 3600 - 5, 3, 86400), 5);
        assert_eq!(seconds_to_next_roll(3 * 3600 + 5, 3, 86400), 86395);
        assert_eq!(seconds_to_next_roll(125, 0, 60), 55);
    }

    #[test]
    fn a_roll_on_time_is_due_within_ten_seconds_after_a_boundary_once() {
        let r = setup(OFF, Enabled::TimeOnly, 60, 0, 10).0;
        let now = 1_000_000;
        // 3 s after a minute boundary: 57 s to the next, within the window.
        assert!(r.due(now, 123, 0, 0));
        // 15 s after it: too late for this boundary.
        assert!(!r.due(now, 135, 0, 0));
        // Rolled 5 s ago: not again.
        assert!(!r.due(now, 123, now - 5, 0));
        assert!(!r.due(now, 123, now + 5, 0), "time going back counts too");
        assert!(r.due(now, 120, now - 60, 0));
    }

    #[test]
    fn a_roll_on_size_is_due_past_the_size_and_time_and_size_needs_both() {
        let size = setup(OFF, Enabled::SizeOnly, 60, 0, 10).0;
        assert!(!size.due(0, 135, 0, 10 * MEGABYTE));
        assert!(size.due(0, 135, 0, 10 * MEGABYTE + 1));
        let both = setup(OFF, Enabled::TimeAndSize, 60, 0, 10).0;
        assert!(!both.due(1000, 123, 0, 1));
        assert!(!both.due(1000, 135, 0, 11 * MEGABYTE));
        assert!(both.due(1000, 123, 0, 11 * MEGABYTE));
        let either = setup(OFF, Enabled::TimeOrSize, 60, 0, 10).0;
        assert!(either.due(1000, 135, 0, 11 * MEGABYTE));
        assert!(either.due(1000, 123, 0, 1));
        assert!(!OFF.due(1000, 0, 0, u64::MAX));
    }

    #[test]
    fn modes_are_0_to_4() {
        assert_eq!(Enabled::from_int(0), Some(Enabled::No));
        assert_eq!(Enabled::from_int(4), Some(Enabled::TimeAndSize));
        assert_eq!(Enabled::from_int(5), None);
        assert_eq!(Enabled::from_int(-1), None);
    }
}
