//! The text logs' core against real files: lines through the writer, ATS's refusals, the queue
//! that drops rather than waits, handles that die.
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::writer::{Msg, Queue};
use super::*;
use crate::config::records::RecValue;

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tshost-textlog-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn cfg(dir: &Path) -> Arc<Config> {
    let (mut c, _) = Config::from_records(&Records::defaults(), dir.to_path_buf());
    c.hostname = "host".into();
    Arc::new(c)
}

fn spawned() -> Arc<Queue> {
    Arc::new(Queue::spawn(1024, 1 << 20, Duration::from_secs(3600), None).unwrap())
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

#[test]
fn records_give_atss_defaults_and_a_bad_rolling_mode_turns_rolling_off() {
    let (c, w) = Config::from_records(&Records::defaults(), "/l".into());
    assert!(w.is_empty());
    assert_eq!(
        c.rolling,
        Rolling {
            enabled: Enabled::TimeOnly,
            interval_sec: 86400,
            offset_hr: 0,
            size_mb: 10
        }
    );
    assert_eq!(
        (c.perm, c.log_buffer_size, c.max_line_size, c.periodic_secs),
        (0o644, 9216, 9216, 5)
    );
    let kernel = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    assert_eq!(
        c.hostname,
        kernel.trim(),
        "the machine's name when the record is localhost"
    );
    let mut r = Records::defaults();
    r.set("proxy.config.log.rolling_enabled", RecValue::Int(7));
    r.set(
        "proxy.config.log.hostname",
        RecValue::String("named".into()),
    );
    r.set(
        "proxy.config.log.logfile_perm",
        RecValue::String("rw-rw----".into()),
    );
    let (c, w) = Config::from_records(&r, "/l".into());
    assert_eq!(c.rolling.enabled, Enabled::No);
    assert_eq!(
        w,
        ["invalid value '7' for 'proxy.config.log.rolling_enabled', disabling log rolling"]
    );
    assert_eq!((c.hostname.as_str(), c.perm), ("named", 0o660));
}

#[test]
fn permissions_parse_as_ls_prints_them() {
    assert_eq!(parse_perm("rw-r--r--"), Some(0o644));
    assert_eq!(parse_perm("rwxr-x--x"), Some(0o751));
    assert_eq!(parse_perm("rw-"), None);
}

#[test]
fn lines_reach_the_file_in_order_after_the_header_with_timestamps() {
    let d = scratch("order");
    let q = spawned();
    let h = create_on(q, b"ordered", true, true, cfg(&d)).unwrap();
    let log = get(h).unwrap();
    log.set_header(Some("# the header".into()));
    for i in 0..500 {
        assert!(log.write(format!("line {i}").as_bytes()));
    }
    assert!(log.flush());
    let text = read(&d.join("ordered.log"));
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("# the header"));
    for (i, l) in lines.enumerate() {
        let (stamp, rest) = l.split_once(' ').unwrap();
        assert_eq!(rest, format!("line {i}"));
        assert_eq!(stamp.len(), 18, "{stamp}");
        assert!(chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%d.%Hh%Mm%Ss").is_ok());
    }
    assert_eq!(text.lines().count(), 501);
    assert!(destroy(h));
}

#[test]
fn atss_refusals_empty_too_big_for_a_buffer_and_long_lines_cut() {
    let d = scratch("refuse");
    let mut c = (*cfg(&d)).clone();
    c.max_line_size = 64;
    let h = create_on(spawned(), b"r", false, true, Arc::new(c)).unwrap();
    let log = get(h).unwrap();
    assert!(!log.write(b""), "an empty entry is ATS's Log::FAIL");
    assert!(
        !log.write(&vec![b'x'; 9200]),
        "larger than a 9216-byte log buffer"
    );
    assert!(log.write(&[b'y'; 100]));
    assert!(log.write(b"cut\0here"), "a C string ends at its NUL");
    assert!(log.flush());
    assert_eq!(read(&d.join("r.log")), format!("{}\ncut\n", "y".repeat(62)));
    // What fits: the buffer less its header (64 bytes, then "text", "host", "r.log", each
    // NUL-ended: 80, 8-aligned) and the entry's 16-byte header, the entry NUL-ended.
    assert!(log.fits(9216 - 80 - 16 - 1).is_ok());
    assert!(log.fits(9216 - 80 - 16).is_err());
    destroy(h);
}

#[test]
fn a_full_queue_drops_and_counts_and_never_blocks() {
    let d = scratch("full");
    let (q, rx) = Queue::detached(4, 1 << 20);
    let q = Arc::new(q);
    // No writer: the create's Add waits in the queue too.
    let h = create_on(q, b"full", false, true, cfg(&d)).unwrap();
    let log = get(h).unwrap();
    let start = std::time::Instant::now();
    let taken: Vec<bool> = (0..10)
        .map(|i| log.write(format!("{i}").as_bytes()))
        .collect();
    assert!(start.elapsed() < Duration::from_secs(1));
    assert_eq!(taken.iter().filter(|t| **t).count(), 3);
    assert_eq!(log.dropped(), 7);
    assert!(log.in_burst.load(Ordering::Relaxed));
    let lines: Vec<Vec<u8>> = rx
        .try_iter()
        .filter_map(|m| match m {
            Msg::Line(_, l, _) => Some(l),
            _ => None,
        })
        .collect();
    assert_eq!(lines, [b"0\n".to_vec(), b"1\n".to_vec(), b"2\n".to_vec()]);
    assert!(log.write(b"again"));
    assert!(!log.in_burst.load(Ordering::Relaxed), "the burst is over");
    LOGS.release(h);
}

#[test]
fn the_queue_is_bounded_in_bytes_too() {
    let d = scratch("bytes");
    let (q, _rx) = Queue::detached(100, 64);
    let h = create_on(Arc::new(q), b"b", false, true, cfg(&d)).unwrap();
    let log = get(h).unwrap();
    assert!(log.write(&[b'a'; 40]));
    assert!(!log.write(&[b'b'; 40]));
    assert!(log.write(&[b'c'; 10]));
    LOGS.release(h);
}

#[test]
fn a_destroyed_handle_is_dead_and_its_name_free_again() {
    let d = scratch("destroy");
    let q = spawned();
    let a = create_on(q.clone(), b"same", false, true, cfg(&d)).unwrap();
    let b = create_on(q.clone(), b"same", false, true, cfg(&d)).unwrap();
    assert_eq!(get(b).unwrap().name, format!("{}/same.log_1", d.display()));
    assert!(create_on(q.clone(), b"same", false, false, cfg(&d)).is_err());
    get(a).unwrap().write(b"from a");
    assert!(destroy(a));
    assert!(get(a).is_none() && !destroy(a));
    assert_eq!(read(&d.join("same.log")), "from a\n");
    // The file is a text log's (its metafile says so): the name is free and the file kept.
    let c = create_on(q, b"same", false, false, cfg(&d)).unwrap();
    get(c).unwrap().write(b"from c");
    get(c).unwrap().flush();
    assert_eq!(read(&d.join("same.log")), "from a\nfrom c\n");
    destroy(b);
    destroy(c);
}

#[test]
fn a_moved_file_is_written_on_until_a_rotation_reopens_it() {
    let d = scratch("rotated");
    let h = create_on(spawned(), b"g", false, true, cfg(&d)).unwrap();
    let log = get(h).unwrap();
    log.write(b"one");
    log.flush();
    // A rotation moves the file: lines go on into the moved file (as ATS), until SIGUSR2.
    std::fs::rename(d.join("g.log"), d.join("g.log_old")).unwrap();
    log.write(b"two");
    log.flush();
    assert_eq!(read(&d.join("g.log_old")), "one\ntwo\n");
    assert!(log
        .queue
        .control(super::writer::CONTROL_WAIT, super::writer::Msg::Reopen));
    log.write(b"three");
    log.flush();
    assert_eq!(read(&d.join("g.log")), "three\n");
    assert_eq!(read(&d.join("g.log_old")), "one\ntwo\n");
    // Its directory deleted: made again at the next rotation signal.
    std::fs::remove_dir_all(&d).unwrap();
    log.write(b"lost");
    log.flush();
    assert!(log
        .queue
        .control(super::writer::CONTROL_WAIT, super::writer::Msg::Reopen));
    log.write(b"four");
    log.flush();
    assert_eq!(read(&d.join("g.log")), "four\n");
    destroy(h);
}

#[test]
fn rolling_setters_rerun_atss_checks_from_the_values_in_force() {
    let d = scratch("setters");
    let h = create_on(spawned(), b"s", false, true, cfg(&d)).unwrap();
    let log = get(h).unwrap();
    log.set_rolling(|r| r.enabled = Enabled::No);
    log.set_rolling(|r| r.interval_sec = 60);
    assert_eq!(
        log.rolling().interval_sec,
        86400,
        "not stored with rolling off"
    );
    log.set_rolling(|r| r.enabled = Enabled::TimeOrSize);
    log.set_rolling(|r| r.interval_sec = 35);
    let r = log.rolling();
    assert_eq!(
        (r.interval_sec, r.size_mb),
        (36, 10),
        "raised to divide a day"
    );
    destroy(h);
}
