//! The log directory's space, as ATS's LogConfig::update_space_used keeps it: every
//! `periodic_tasks_interval` the writer adds up the regular files in the directory. When less
//! than the headroom is left (`max_space_mb_for_logs` minus `max_space_mb_headroom`, or less than
//! 10 MB on the partition), rolled logs (`*.old` of a log tshost writes) are deleted until there is
//! room for a log buffer more: first from the log with the most rolled files for its
//! `rolling_min_count`, oldest first. If that is not enough, logging is suspended: lines are
//! dropped (and counted) until there is room again, with ATS's messages.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::time::SystemTime;

const MB: i64 = 1 << 20;
/// ATS's PARTITION_HEADROOM_MB: what must stay free on the partition.
const PARTITION_HEADROOM: i64 = 10 * MB;

/// The limits, from records.config.
#[derive(Clone, Debug)]
pub struct Limits {
    /// `proxy.config.log.max_space_mb_for_logs` (25000), in bytes.
    pub max_space: i64,
    /// `proxy.config.log.max_space_mb_headroom` (1000), in bytes.
    pub headroom: i64,
    /// `proxy.config.log.log_buffer_size`.
    pub buffer: i64,
    /// `proxy.config.log.auto_delete_rolled_files`.
    pub auto_delete: bool,
}

/// Why logging is suspended (ATS's four messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Short {
    ConfigFull,
    PartitionFull,
    ConfigLow,
    PartitionLow,
}

impl Short {
    fn message(self) -> &'static str {
        match self {
            Short::ConfigFull => {
                "Access logging to local log directory suspended - configured space allocation exhausted."
            }
            Short::PartitionFull => {
                "Access logging to local log directory suspended - no more space on the logging partition."
            }
            Short::ConfigLow => {
                "Access logging to local log directory suspended - configured space allocation almost exhausted."
            }
            Short::PartitionLow => {
                "Access logging to local log directory suspended - partition space is low."
            }
        }
    }
}

/// The state between checks.
#[derive(Debug, Default)]
pub struct Space {
    /// Logging is suspended: lines are dropped.
    pub exhausted: bool,
    warned: Option<Short>,
    /// Bytes the directory's files take, and left on the partition, at the last check.
    pub used: i64,
    pub left: i64,
}

/// A log tshost writes, whose rolled files may go: its file name (`squid.log`) and its
/// `rolling_min_count` (0: keep as many as can be kept).
pub struct Kind {
    pub file_name: String,
    pub min_count: u32,
}

/// A rolled file that may be deleted.
struct Candidate {
    path: PathBuf,
    size: i64,
    modified: SystemTime,
}

impl Space {
    fn room_for(&self, limits: &Limits, bytes: i64) -> bool {
        self.used + bytes < limits.max_space && self.left - bytes > PARTITION_HEADROOM
    }

    /// Look at `dir` (the logs of `kinds` in it): delete rolled logs if space is short, and say
    /// whether logging is suspended. A directory that cannot be read leaves things as they were.
    pub fn check(&mut self, dir: &Path, kinds: &[Kind], limits: &Limits) -> bool {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return self.exhausted;
        };
        let mut used = 0i64;
        let mut candidates: Vec<Vec<Candidate>> = kinds.iter().map(|_| Vec::new()).collect();
        for e in entries.flatten() {
            let Ok(meta) = e.metadata() else { continue };
            if !meta.is_file() {
                continue;
            }
            let size = meta.len() as i64;
            used += size;
            let name = e.file_name();
            let name = name.to_string_lossy();
            if !limits.auto_delete || !name.ends_with(".old") {
                continue;
            }
            let of = kinds.iter().position(|k| {
                name.strip_prefix(k.file_name.as_str())
                    .is_some_and(|rest| rest.starts_with('_') || rest.starts_with('.'))
            });
            if let Some(i) = of {
                candidates[i].push(Candidate {
                    path: e.path(),
                    size,
                    modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                });
            }
        }
        self.used = used;
        self.left = crate::rt::disk::free_bytes(dir).unwrap_or(i64::MAX / 2);
        if !self.room_for(limits, limits.headroom) {
            crate::debug!("logspace", "headroom reached, trying to clear space ...");
            if candidates.iter().all(Vec::is_empty) {
                crate::note!(
                    "Cannot clear space because there are no recognized Traffic Server rolled logs for auto deletion."
                );
            }
            for c in candidates.iter_mut() {
                // Oldest last: popped first.
                c.sort_by_key(|x| std::cmp::Reverse(x.modified));
            }
            while !self.room_for(limits, limits.headroom + limits.buffer) {
                // The log with the most rolled files for what it wants kept (ATS's
                // RolledLogDeleter): a min_count of 0 keeps them for as long as can be.
                let pick = (0..kinds.len())
                    .filter(|i| !candidates[*i].is_empty())
                    .max_by(|a, b| {
                        let ratio = |i: usize| {
                            let min = match kinds[i].min_count {
                                0 => f64::from(u32::MAX),
                                n => f64::from(n),
                            };
                            candidates[i].len() as f64 / min
                        };
                        ratio(*a).total_cmp(&ratio(*b))
                    });
                let Some(i) = pick else { break };
                let victim = candidates[i].pop().expect("not empty");
                match std::fs::remove_file(&victim.path) {
                    Ok(()) => {
                        crate::debug!(
                            "logspace",
                            "The rolled logfile, {}, was auto-deleted; {} bytes were reclaimed.",
                            victim.path.display(),
                            victim.size
                        );
                        self.used -= victim.size;
                        self.left += victim.size;
                    }
                    Err(e) => crate::note!(
                        "Traffic Server was unable to auto-delete rolled logfile {}: {e}.",
                        victim.path.display()
                    ),
                }
            }
        }
        if !self.room_for(limits, limits.headroom) {
            if !self.exhausted {
                crate::note!(
                    "Logging space exhausted, any logs writing to local disk will be dropped!"
                );
            }
            self.exhausted = true;
            let why = if self.used >= limits.max_space {
                Short::ConfigFull
            } else if self.left <= 0 {
                Short::PartitionFull
            } else if self.used + limits.headroom >= limits.max_space {
                Short::ConfigLow
            } else {
                Short::PartitionLow
            };
            if self.warned != Some(why) {
                crate::warning!("{}", why.message());
                self.warned = Some(why);
            }
        } else {
            if self.exhausted {
                crate::note!("Logging space is no longer exhausted.");
            }
            self.exhausted = false;
            if self.warned.take().is_some() {
                crate::note!(
                    "Logging disk is no longer full; access logging to local log directory resumed."
                );
            }
        }
        self.exhausted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn file(dir: &Path, name: &str, kb: usize, age_s: u64) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, vec![b'x'; kb * 1024]).unwrap();
        let f = std::fs::File::options().write(true).open(&p).unwrap();
        f.set_modified(SystemTime::now() - Duration::from_secs(age_s))
            .unwrap();
        p
    }

    fn limits(max_mb: i64) -> Limits {
        Limits {
            max_space: max_mb * MB,
            headroom: 0,
            buffer: 9216,
            auto_delete: true,
        }
    }

    fn kinds() -> Vec<Kind> {
        vec![
            Kind {
                file_name: "a.log".into(),
                min_count: 0,
            },
            Kind {
                file_name: "b.log".into(),
                min_count: 1,
            },
        ]
    }

    #[test]
    fn the_oldest_rolled_file_of_the_log_with_most_to_spare_goes_first() {
        let dir = std::env::temp_dir().join(format!("tshost-logspace-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        file(&dir, "a.log", 100, 0);
        let a_old = file(&dir, "a.log_h.1-2.old", 300, 300);
        let b_oldest = file(&dir, "b.log_h.1-2.old", 300, 200);
        let b_newer = file(&dir, "b.log_h.2-3.old", 300, 100);
        let foreign = file(&dir, "other.old", 300, 1000);
        // 1300 KB in a 1 MB allowance: b.log wants 1 kept and has 2 (a.log wants all kept), so
        // b's oldest goes, and then 1000 KB fit (with room for a log buffer).
        let mut s = Space::default();
        assert!(!s.check(&dir, &kinds(), &limits(1)));
        assert!(!b_oldest.exists() && b_newer.exists());
        assert!(a_old.exists() && foreign.exists(), "not a log of ours");
        assert_eq!(s.used, 1000 * 1024);
        // 1100 KB more that is not ours: b's last goes, then a's, and it still does not fit:
        // logging is suspended until there is room again.
        let big = file(&dir, "other.bin", 1100, 0);
        assert!(s.check(&dir, &kinds(), &limits(1)));
        assert!(!b_newer.exists() && !a_old.exists() && foreign.exists());
        assert!(s.exhausted);
        std::fs::remove_file(&big).unwrap();
        assert!(!s.check(&dir, &kinds(), &limits(1)), "room again");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn nothing_is_deleted_when_auto_delete_is_off() {
        let dir = std::env::temp_dir().join(format!("tshost-logspace-off-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let old = file(&dir, "a.log_h.1-2.old", 1200, 10);
        let mut s = Space::default();
        let l = Limits {
            auto_delete: false,
            ..limits(1)
        };
        assert!(s.check(&dir, &kinds(), &l));
        assert!(old.exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
