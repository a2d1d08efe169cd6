//! A text log's file name, as ATS 9.2 makes it and settles conflicts (proxy/logging/LogObject.cc:
//! `LogObject::generate_filenames`, `LogObjectManager::_solve_internal_filename_conflicts` and
//! `_solve_filename_conflicts`).
//!
//! - The name is appended to the log directory with a `/` (as text: an absolute name or `..`
//!   stays inside the string). Without a `.` anywhere in it, `.log` is added; a name ending in
//!   `.` loses that dot and gets no extension (`a.` -> `a`, `a..` -> `a.`). `stdout` and `stderr`
//!   are the process's own streams.
//! - A name a live text log already has: with renaming allowed, `_1`, `_2`, ... up to `_99` is
//!   added to the whole path (`x.log_1`), with a WARNING; with `TS_LOG_MODE_DO_NOT_RENAME` (or past
//!   99) the create fails: "Cannot solve filename conflicts for log file NAME".
//! - A file already at that path is kept (appended to) when its metafile says it is a text log's
//!   (`object_signature = 0`). Otherwise it is rolled out of the way with a WARNING (its rolled
//!   name starting at the metafile's creation time, else 1970), or, with
//!   `TS_LOG_MODE_DO_NOT_RENAME`, the create fails.
#![forbid(unsafe_code)]

use std::collections::HashSet;
use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use super::file::{LogFile, Meta, Target};

/// Renames tried for a name in use (`maxConflicts`).
const MAX_CONFLICTS: u32 = 99;

/// `generate_filenames`: where a log named `name` goes under `dir`, and its base name (the name
/// with the extension it got).
pub fn generate(dir: &Path, name: &[u8]) -> (Target, String) {
    match name {
        b"stdout" => return (Target::Stdout, "stdout".into()),
        b"stderr" => return (Target::Stderr, "stderr".into()),
        _ => {}
    }
    let dot = name.iter().rposition(|&c| c == b'.');
    let mut base = name.to_vec();
    if dot.is_some_and(|i| i + 1 == name.len()) {
        base.pop();
    }
    if dot.is_none() {
        base.extend_from_slice(b".log");
    }
    let mut full = dir.as_os_str().as_bytes().to_vec();
    full.push(b'/');
    full.extend_from_slice(&base);
    (
        Target::Path(PathBuf::from(OsString::from_vec(full))),
        String::from_utf8_lossy(&base).into_owned(),
    )
}

/// How a create settles the name it wants.
pub struct Settle<'a> {
    /// Renaming allowed (no TS_LOG_MODE_DO_NOT_RENAME).
    pub rename: bool,
    /// The paths of the live text logs.
    pub live: &'a HashSet<PathBuf>,
    /// For rolling a file out of the way: the host name, the rolling interval, now.
    pub host: &'a str,
    pub interval_sec: i64,
    pub now: i64,
}

/// The path a new log at `path` ends up with, or why it cannot be created; WARNINGs on the way go
/// to `warnings`.
pub fn settle(path: &Path, s: &Settle, warnings: &mut Vec<String>) -> Result<PathBuf, String> {
    let mut chosen = path.to_path_buf();
    let mut n = 0;
    while s.live.contains(&chosen) {
        if !s.rename || n >= MAX_CONFLICTS {
            return Err(format!(
                "Cannot solve filename conflicts for log file {}",
                chosen.display()
            ));
        }
        n += 1;
        let mut renamed = path.as_os_str().to_owned();
        renamed.push(format!("_{n}"));
        chosen = PathBuf::from(renamed);
    }
    if chosen != path {
        warnings.push(format!(
            "The full path for the ({}) LogObject with signature 0 has been set to {} rather than \
             {} because the latter is being used by another LogObject",
            path.file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default(),
            chosen.display(),
            path.display()
        ));
    }
    match std::fs::metadata(&chosen) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(chosen),
        Err(e) => return Err(format!("Cannot access log file {}: {e}", chosen.display())),
        Ok(_) => {}
    }
    let meta = Meta::read(&chosen);
    if meta.opened && meta.signature == Some(0) {
        return Ok(chosen);
    }
    if !s.rename {
        return Err(format!(
            "Cannot solve filename conflicts for log file {}",
            chosen.display()
        ));
    }
    warnings.push(format!(
        "File {} will be rolled because a LogObject with different format is requesting the \
         same filename",
        chosen.display()
    ));
    let mut old = LogFile::new(Target::Path(chosen.clone()), s.host, 0o644);
    match old.roll(s.now - s.interval_sec, s.now) {
        Ok(Some(_)) => Ok(chosen),
        Ok(None) => Err(format!(
            "Cannot roll log file {} to fix log conflicts (filename or log format): it is gone",
            chosen.display()
        )),
        Err(e) => Err(format!(
            "Cannot roll log file {} to fix log conflicts (filename or log format): {e}",
            chosen.display()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::super::file::{meta_path, rolled_name};
    use super::*;

    fn path_of(t: Target) -> PathBuf {
        match t {
            Target::Path(p) => p,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn log_is_added_without_an_extension_and_a_final_dot_is_dropped() {
        let d = Path::new("/logs");
        let (t, base) = generate(d, b"plugin");
        assert_eq!(
            (path_of(t), base.as_str()),
            (PathBuf::from("/logs/plugin.log"), "plugin.log")
        );
        assert_eq!(
            path_of(generate(d, b"plugin.txt").0),
            Path::new("/logs/plugin.txt")
        );
        assert_eq!(
            path_of(generate(d, b"plugin.").0),
            Path::new("/logs/plugin")
        );
        assert_eq!(
            path_of(generate(d, b"plugin..").0),
            Path::new("/logs/plugin.")
        );
        // Any dot counts, a directory's too; the name is text after the directory.
        assert_eq!(path_of(generate(d, b"v1.2/x").0), Path::new("/logs/v1.2/x"));
        assert_eq!(path_of(generate(d, b"/abs").0), Path::new("/logs//abs.log"));
        assert_eq!(generate(d, b"stderr").0, Target::Stderr);
        assert_eq!(generate(d, b"stdout").0, Target::Stdout);
    }

    fn scratch(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("tshost-textlog-name-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn settle_with(
        p: &Path,
        rename: bool,
        live: &HashSet<PathBuf>,
    ) -> (Result<PathBuf, String>, Vec<String>) {
        let s = Settle {
            rename,
            live,
            host: "h",
            interval_sec: 60,
            now: 1000,
        };
        let mut w = Vec::new();
        (settle(p, &s, &mut w), w)
    }

    #[test]
    fn a_name_in_use_is_renamed_with_a_number_unless_renaming_is_off() {
        let d = scratch("live");
        let p = d.join("a.log");
        let mut live = HashSet::new();
        live.insert(p.clone());
        live.insert(d.join("a.log_1"));
        let (r, w) = settle_with(&p, true, &live);
        assert_eq!(r.unwrap(), d.join("a.log_2"));
        assert_eq!(w.len(), 1);
        let (r, _) = settle_with(&p, false, &live);
        assert_eq!(
            r.unwrap_err(),
            format!(
                "Cannot solve filename conflicts for log file {}",
                p.display()
            )
        );
    }

    #[test]
    fn a_text_logs_file_is_kept_another_is_rolled_away_or_refused() {
        let d = scratch("disk");
        let p = d.join("b.log");
        std::fs::write(&p, "mine\n").unwrap();
        std::fs::write(meta_path(&p), "creation_time = 5\nobject_signature = 0\n").unwrap();
        let none = HashSet::new();
        assert_eq!(settle_with(&p, false, &none).0.unwrap(), p);
        assert!(p.exists(), "kept");
        // No metafile: someone else's file.
        std::fs::remove_file(meta_path(&p)).unwrap();
        assert!(settle_with(&p, false, &none).0.is_err());
        let (r, w) = settle_with(&p, true, &none);
        assert_eq!(r.unwrap(), p);
        assert!(w[0].contains("will be rolled"), "{w:?}");
        assert!(!p.exists());
        let rolled = rolled_name(&p, "h", 0, 1000, 0);
        assert_eq!(std::fs::read_to_string(rolled).unwrap(), "mine\n");
    }
}
