//! A text log's file on disk, as ATS 9.2's LogFile and BaseLogFile keep it
//! (proxy/logging/LogFile.cc, src/tscore/BaseLogFile.cc): owned by the writer thread alone.
//!
//! - Opened when there is something to write (or at once, and after each roll, with
//!   `proxy.config.log.rolling_allow_empty`), appending, created with
//!   `proxy.config.log.logfile_perm`. A file that did not exist gets the header as its first
//!   line, and a metafile beside it, `.NAME.meta`, holding `creation_time = T` and
//!   `object_signature = 0` (a text log's signature: ATS hashes a format's field list, and text
//!   has none). A missing directory is created again.
//! - Rolled by renaming it to `NAME_HOST.START-END.old` (`NAME_HOST.START-END.N.old` when that is
//!   taken, N from 1), the times local `%Y%m%d.%Hh%Mm%Ss`: START is when the first line written
//!   since it was opened went in (for a file that was there before it was opened, the metafile's
//!   creation time, else 1970), or the last roll if that is earlier; END is now. A file that is
//!   not there is not rolled. Then it is closed (the next line opens a new one).
//! - `proxy.config.log.rolling_max_count` > 0 (with `auto_delete_rolled_files`): after a roll,
//!   only that many of its rolled files are kept, the newest.
//! - `stdout` and `stderr` are the process's own; never rolled.
#![forbid(unsafe_code)]

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use chrono::TimeZone;

/// Where a text log's lines go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Stdout,
    Stderr,
    Path(PathBuf),
}

/// `%Y%m%d.%Hh%Mm%Ss` in local time (LogUtils::timestamp_to_str): the lines' prefix and the
/// rolled names' times.
pub fn timestamp(secs: i64) -> String {
    chrono::Local
        .timestamp_opt(secs, 0)
        .earliest()
        .map(|t| t.format("%Y%m%d.%Hh%Mm%Ss").to_string())
        .unwrap_or_default()
}

/// The name a file rolls to: `NAME_HOST.START-END.old`, or `...END.N.old` for `version` N > 0.
pub fn rolled_name(name: &Path, host: &str, start: i64, end: i64, version: u32) -> PathBuf {
    let mut s = name.as_os_str().to_owned();
    s.push(format!("_{host}.{}-{}", timestamp(start), timestamp(end)));
    if version > 0 {
        s.push(format!(".{version}"));
    }
    s.push(".old");
    PathBuf::from(s)
}

/// BaseMetaInfo's file: `.NAME.meta` beside `NAME`.
pub fn meta_path(name: &Path) -> PathBuf {
    let file = name.file_name().map(|f| f.as_bytes()).unwrap_or_default();
    let mut meta = b".".to_vec();
    meta.extend_from_slice(file);
    meta.extend_from_slice(b".meta");
    name.with_file_name(std::ffi::OsStr::from_bytes(&meta))
}

/// What a metafile says (BaseMetaInfo).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Meta {
    pub creation_time: Option<i64>,
    pub signature: Option<u64>,
    /// The metafile could be read.
    pub opened: bool,
    /// Read from disk (the log file was there before), rather than written for a new file.
    pub from_file: bool,
}

impl Meta {
    /// BaseMetaInfo's `_read_from_file`: `key = value` lines.
    pub fn read(name: &Path) -> Meta {
        let mut meta = Meta {
            from_file: true,
            ..Meta::default()
        };
        let Ok(text) = std::fs::read_to_string(meta_path(name)) else {
            return meta;
        };
        meta.opened = true;
        for line in text.lines() {
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            match key.trim() {
                "creation_time" => meta.creation_time = value.trim().parse().ok(),
                "object_signature" => meta.signature = value.trim().parse().ok(),
                _ => {}
            }
        }
        meta
    }

    /// BaseMetaInfo's `_write_to_file` for a new log file: its creation time and signature 0.
    fn write(name: &Path, now: i64) -> io::Result<Meta> {
        let text = format!("creation_time = {now}\nobject_signature = 0\n");
        std::fs::write(meta_path(name), text)?;
        Ok(Meta {
            creation_time: Some(now),
            signature: Some(0),
            opened: true,
            from_file: false,
        })
    }
}

/// A text log's file, open or not.
pub struct LogFile {
    pub target: Target,
    host: String,
    perm: u32,
    out: Option<File>,
    /// The header has been written to stdout/stderr (a file gets it when it is created).
    std_header_done: bool,
    /// Bytes in the file: its size when opened plus what was written since (`m_bytes_written`).
    pub bytes: u64,
    /// When the first line written since the file was opened went in (0: none yet).
    start_time: i64,
    /// When the last one went in.
    end_time: i64,
    meta: Option<Meta>,
}

impl LogFile {
    pub fn new(target: Target, host: &str, perm: u32) -> LogFile {
        LogFile {
            target,
            host: host.to_string(),
            perm,
            out: None,
            std_header_done: false,
            bytes: 0,
            start_time: 0,
            end_time: 0,
            meta: None,
        }
    }

    #[cfg(test)]
    pub fn is_open(&self) -> bool {
        match self.target {
            Target::Path(_) => self.out.is_some(),
            Target::Stdout | Target::Stderr => self.std_header_done,
        }
    }

    /// Open the file for appending if it is not open: a new one gets its metafile and `header`
    /// (a newline added if it has none). A missing directory is created first.
    pub fn open(&mut self, header: Option<&str>, now: i64) -> io::Result<()> {
        let path = match &self.target {
            Target::Path(p) => p.clone(),
            Target::Stdout | Target::Stderr => {
                if !self.std_header_done {
                    self.std_header_done = true;
                    if let Some(h) = header.filter(|h| !h.is_empty()) {
                        self.write_std(&with_newline(h))?;
                    }
                }
                return Ok(());
            }
        };
        if self.out.is_some() {
            return Ok(());
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.is_dir() {
                std::fs::create_dir_all(dir)?;
            }
        }
        let existed = path.exists();
        if existed {
            if self.meta.is_none() {
                self.meta = Some(Meta::read(&path));
            }
        } else {
            // ATS logs a metafile it cannot write and goes on with the log file.
            self.meta = Some(Meta::write(&path, now).unwrap_or_default());
        }
        let mut file = OpenOptions::new()
            .append(true)
            .create(true)
            .mode(self.perm)
            .open(&path)?;
        // ATS chmods the file to the configured permissions whatever the umask did.
        let _ = file.set_permissions(std::fs::Permissions::from_mode(self.perm));
        self.bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
        if !existed {
            if let Some(h) = header.filter(|h| !h.is_empty()) {
                let h = with_newline(h);
                file.write_all(h.as_bytes())?;
                self.bytes += h.len() as u64;
            }
        }
        self.out = Some(file);
        Ok(())
    }

    fn write_std(&self, text: &str) -> io::Result<()> {
        match self.target {
            Target::Stdout => io::stdout().lock().write_all(text.as_bytes()),
            _ => io::stderr().lock().write_all(text.as_bytes()),
        }
    }

    /// Append `data` (whole lines), which went in between `first` and `last` (seconds).
    pub fn write(&mut self, data: &[u8], first: i64, last: i64) -> io::Result<()> {
        if self.start_time == 0 {
            self.start_time = first;
        }
        self.end_time = last;
        match (&self.target, self.out.as_mut()) {
            (Target::Stdout, _) => io::stdout().lock().write_all(data),
            (Target::Stderr, _) => io::stderr().lock().write_all(data),
            (Target::Path(_), Some(f)) => {
                f.write_all(data)?;
                self.bytes += data.len() as u64;
                Ok(())
            }
            (Target::Path(_), None) => Err(io::Error::other("the file is not open")),
        }
    }

    /// Close the file (the next [`open`](Self::open) makes a new one if it is gone).
    pub fn close(&mut self) {
        self.out = None;
        self.meta = None;
    }

    /// Is the file open but no longer at its path (deleted, moved, its directory removed)?
    pub fn moved(&self) -> bool {
        matches!((&self.target, &self.out), (Target::Path(p), Some(_)) if !p.exists())
    }

    /// BaseLogFile::roll then LogFile's close: rename the file to its rolled name. None when
    /// there is nothing to roll (no file, stdout/stderr).
    pub fn roll(&mut self, interval_start: i64, interval_end: i64) -> io::Result<Option<PathBuf>> {
        let Target::Path(path) = &self.target else {
            return Ok(None);
        };
        if !path.exists() {
            return Ok(None);
        }
        let meta = *self.meta.get_or_insert_with(|| Meta::read(path));
        let start = if meta.from_file {
            meta.creation_time.unwrap_or(0)
        } else if interval_start == 0 {
            self.start_time
        } else {
            self.start_time.min(interval_start)
        };
        let end = interval_end.max(self.end_time);
        let mut version = 0;
        let mut rolled = rolled_name(path, &self.host, start, end, version);
        while rolled.exists() {
            version += 1;
            rolled = rolled_name(path, &self.host, start, end, version);
        }
        std::fs::rename(path, &rolled)?;
        self.start_time = 0;
        self.bytes = 0;
        self.close();
        Ok(Some(rolled))
    }

    /// LogFile::trim_rolled: keep the `max` newest rolled files of this log (by modification
    /// time), delete the others. Returns the deleted ones; errors are returned with their path.
    pub fn trim_rolled(&self, max: usize) -> Vec<io::Result<PathBuf>> {
        let Target::Path(path) = &self.target else {
            return Vec::new();
        };
        let (Some(dir), Some(stem)) = (path.parent(), path.file_name()) else {
            return Vec::new();
        };
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut rolled: Vec<(std::time::SystemTime, PathBuf)> = entries
            .flatten()
            .filter(|e| {
                let n = e.file_name();
                let n = n.as_bytes();
                n.len() > stem.len() && n.starts_with(stem.as_bytes()) && n.ends_with(b".old")
            })
            .filter_map(|e| {
                let m = e.metadata().ok().filter(|m| m.is_file())?;
                Some((m.modified().ok()?, e.path()))
            })
            .collect();
        rolled.sort_by_key(|r| std::cmp::Reverse(r.0));
        rolled
            .into_iter()
            .skip(max)
            .map(|(_, p)| std::fs::remove_file(&p).map(|()| p))
            .collect()
    }
}

fn with_newline(h: &str) -> String {
    if h.ends_with('\n') {
        h.to_string()
    } else {
        format!("{h}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("tshost-textlog-file-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn the_metafile_is_hidden_beside_the_log() {
        assert_eq!(
            meta_path(Path::new("/var/log/ts/a.log")),
            Path::new("/var/log/ts/.a.log.meta")
        );
    }

    #[test]
    fn rolled_names_carry_host_and_local_times_and_a_version_when_taken() {
        let t = chrono::Local
            .with_ymd_and_hms(2024, 3, 9, 7, 5, 2)
            .unwrap()
            .timestamp();
        let n = rolled_name(Path::new("/l/a.log"), "box", t, t + 3600, 0);
        assert_eq!(
            n,
            Path::new("/l/a.log_box.20240309.07h05m02s-20240309.08h05m02s.old")
        );
        let n = rolled_name(Path::new("/l/a.log"), "box", t, t, 2);
        assert_eq!(
            n,
            Path::new("/l/a.log_box.20240309.07h05m02s-20240309.07h05m02s.2.old")
        );
    }

    #[test]
    fn a_new_file_gets_header_and_metafile_an_existing_one_neither() {
        let d = scratch("header");
        let p = d.join("sub/x.log");
        let mut f = LogFile::new(Target::Path(p.clone()), "h", 0o640);
        f.open(Some("# header"), 1234).unwrap();
        f.write(b"one\n", 1, 1).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "# header\none\n");
        assert_eq!(
            std::fs::read_to_string(meta_path(&p)).unwrap(),
            "creation_time = 1234\nobject_signature = 0\n"
        );
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o640
        );
        f.close();
        let mut g = LogFile::new(Target::Path(p.clone()), "h", 0o644);
        g.open(Some("# header"), 99).unwrap();
        g.write(b"two\n", 1, 1).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "# header\none\ntwo\n");
        assert_eq!(g.bytes, 17, "the size it had counts toward rolling");
    }

    #[test]
    fn a_roll_renames_closes_and_versions_and_a_preexisting_file_starts_at_its_metafile() {
        let d = scratch("roll");
        let p = d.join("r.log");
        std::fs::write(&p, "old\n").unwrap();
        std::fs::write(meta_path(&p), "creation_time = 100\nobject_signature = 0\n").unwrap();
        let mut f = LogFile::new(Target::Path(p.clone()), "h", 0o644);
        f.open(None, 5000).unwrap();
        f.write(b"new\n", 4000, 4500).unwrap();
        let rolled = f.roll(0, 5000).unwrap().unwrap();
        assert_eq!(rolled, rolled_name(&p, "h", 100, 5000, 0));
        assert_eq!(std::fs::read_to_string(&rolled).unwrap(), "old\nnew\n");
        assert!(!p.exists() && !f.is_open() && f.bytes == 0);
        // Nothing to roll until a line opens the file again.
        assert_eq!(f.roll(5000, 6000).unwrap(), None);
        f.open(Some("H"), 6000).unwrap();
        f.write(b"x\n", 6001, 6002).unwrap();
        let again = f.roll(5000, 6003).unwrap().unwrap();
        assert_eq!(again, rolled_name(&p, "h", 5000, 6003, 0));
        assert_eq!(std::fs::read_to_string(&again).unwrap(), "H\nx\n");
        // The same name taken: a version.
        f.open(None, 6004).unwrap();
        f.write(b"y\n", 6001, 6002).unwrap();
        let third = f.roll(5000, 6003).unwrap().unwrap();
        assert_eq!(third, rolled_name(&p, "h", 5000, 6003, 1));
    }

    #[test]
    fn trimming_keeps_the_newest_rolled_files_of_this_log_only() {
        let d = scratch("trim");
        let p = d.join("t.log");
        for (i, n) in ["t.log_h.1-1.old", "t.log_h.2-2.old", "t.log_h.3-3.old"]
            .iter()
            .enumerate()
        {
            let f = d.join(n);
            std::fs::write(&f, "x").unwrap();
            let at =
                std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1000 + i as u64);
            File::options()
                .write(true)
                .open(&f)
                .unwrap()
                .set_modified(at)
                .unwrap();
        }
        std::fs::write(d.join("other.log_h.1-1.old"), "x").unwrap();
        let f = LogFile::new(Target::Path(p), "h", 0o644);
        let gone: Vec<PathBuf> = f.trim_rolled(1).into_iter().map(Result::unwrap).collect();
        assert_eq!(gone.len(), 2);
        assert!(d.join("t.log_h.3-3.old").exists());
        assert!(!d.join("t.log_h.1-1.old").exists() && !d.join("t.log_h.2-2.old").exists());
        assert!(d.join("other.log_h.1-1.old").exists());
    }
}
