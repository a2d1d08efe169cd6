//! TSFile: ATS 9.2's FileImpl (src/traffic_server/InkAPI.cc), a file read or written through a
//! buffer of its own, and the pool of live TSFile handles.
//!
//! ATS's rules, kept here: the mode is exactly "r" (read), "w" (write, created 0644 and, unlike
//! stdio, *not* truncated) or "a" (append); anything else ("rb", "r+", "") fails. Reading fills
//! the buffer with one read(2) of at least 1024 bytes when it holds less than asked, then hands
//! out at most what it holds; 0 at the end of the file, -1 when the file is not open for reading
//! or read(2) fails. Writing goes to a 1024-byte buffer, written out (TSfflush) only when it is
//! full and more remains, so nothing reaches the file before a flush, a full buffer or the close.
//! fgets gives a line with its '\n', NUL-terminated, or the first `length - 1` bytes of a longer
//! one, and NULL at the end of the file.
#![forbid(unsafe_code)]

use std::ffi::{CStr, OsStr};
use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::rt::pool::Pool;

/// The live TSFile handles.
pub static FILES: Pool<TsFile> = Pool::new();

/// The size of a fresh buffer (ATS's `m_bufsize = 1024`).
const BUF_SIZE: usize = 1024;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Closed,
    Read,
    Write,
}

/// Where read bytes go: the caller's buffer (the slice is at most the length asked for).
pub type Sink<'a> = &'a mut dyn FnMut(&[u8]);

/// What [`FileImpl::gets`] came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Gets {
    /// NULL: `length` 0, the end of the file, or a file not open for reading.
    Null,
    /// The line went to the sink (which NUL-terminates it): return the caller's buffer.
    Line,
    /// ATS returns the caller's buffer without writing to it: the second read failed (read(2)
    /// failing, or a file open for writing whose buffer holds `length - 1` bytes or more, which
    /// skips the first read).
    Failed,
}

/// ATS's FileImpl.
pub struct FileImpl {
    file: Option<File>,
    mode: Mode,
    /// ATS's `m_buf`, `m_bufsize` long; empty when not allocated.
    buf: Vec<u8>,
    /// ATS's `m_bufpos`: bytes held (read ahead, or waiting to be written).
    pos: usize,
}

impl FileImpl {
    /// FileImpl::fopen: None when the mode is not exactly "r", "w" or "a", or open(2) fails.
    pub fn open(path: &CStr, mode: &CStr) -> Option<FileImpl> {
        let mut opts = OpenOptions::new();
        // ATS: O_RDONLY; O_WRONLY | O_CREAT (no O_TRUNC); O_WRONLY | O_CREAT | O_APPEND; 0644.
        let mode = match mode.to_bytes() {
            b"r" => {
                opts.read(true);
                Mode::Read
            }
            b"w" => {
                opts.write(true).create(true);
                Mode::Write
            }
            b"a" => {
                opts.append(true).create(true);
                Mode::Write
            }
            _ => return None,
        };
        let file = opts
            .mode(0o644)
            .open(OsStr::from_bytes(path.to_bytes()))
            .ok()?;
        Some(FileImpl {
            file: Some(file),
            mode,
            buf: Vec::new(),
            pos: 0,
        })
    }

    fn allocate(&mut self) {
        if self.buf.is_empty() {
            self.pos = 0;
            self.buf = vec![0; BUF_SIZE];
        }
    }

    /// FileImpl::fread: `sink` (the caller's buffer; None: only fill the buffer) gets at most
    /// `length` bytes. Returns the number handed out (with a sink) or held (without), or -1.
    pub fn read(&mut self, length: usize, sink: Option<Sink<'_>>) -> isize {
        if self.mode != Mode::Read || self.file.is_none() {
            return -1;
        }
        self.allocate();
        if self.pos < length {
            let amount = length.max(BUF_SIZE);
            if amount > self.buf.len() - self.pos {
                let mut size = self.buf.len();
                while amount > size - self.pos {
                    match size.checked_mul(2) {
                        Some(s) if s <= isize::MAX as usize => size = s,
                        _ => return -1,
                    }
                }
                if self.buf.try_reserve_exact(size - self.buf.len()).is_err() {
                    return -1;
                }
                self.buf.resize(size, 0);
            }
            let Some(file) = self.file.as_mut() else {
                return -1;
            };
            let n = loop {
                match file.read(&mut self.buf[self.pos..self.pos + amount]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    Err(_) => return -1,
                }
            };
            self.pos += n;
        }
        match sink {
            Some(sink) => {
                let amount = length.min(self.pos);
                sink(&self.buf[..amount]);
                self.buf.copy_within(amount..self.pos, 0);
                self.pos -= amount;
                amount as isize
            }
            None => self.pos as isize,
        }
    }

    /// FileImpl::fwrite: `data` into the buffer, flushing it whenever it is full and more is left.
    /// Returns the number of bytes taken (fewer if a flush wrote nothing), or -1.
    pub fn write(&mut self, data: &[u8]) -> isize {
        if self.mode != Mode::Write || self.file.is_none() {
            return -1;
        }
        self.allocate();
        let mut p = 0;
        while p != data.len() {
            let avail = (self.buf.len() - self.pos).min(data.len() - p);
            self.buf[self.pos..self.pos + avail].copy_from_slice(&data[p..p + avail]);
            self.pos += avail;
            p += avail;
            if p < data.len() && self.pos > 0 && self.flush() <= 0 {
                break;
            }
        }
        p as isize
    }

    /// FileImpl::fflush: the buffer written out (write(2) until done or it fails). Returns the
    /// number of bytes written, or -1 when the file is not open for writing.
    pub fn flush(&mut self) -> isize {
        if self.mode != Mode::Write {
            return -1;
        }
        let Some(file) = self.file.as_mut() else {
            return -1;
        };
        if self.buf.is_empty() {
            return 0;
        }
        let mut p = 0;
        while p != self.pos {
            match file.write(&self.buf[p..self.pos]) {
                // ATS would loop for ever on a write(2) of 0.
                Ok(0) => break,
                Ok(n) => p += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => break,
            }
        }
        self.buf.copy_within(p..self.pos, 0);
        self.pos -= p;
        p as isize
    }

    /// FileImpl::fgets for a buffer of `length` bytes: the sink gets the line (up to and with its
    /// '\n', at most `length - 1` bytes) and NUL-terminates it.
    pub fn gets(&mut self, length: usize, sink: Sink<'_>) -> Gets {
        if length == 0 {
            return Gets::Null;
        }
        if self.buf.is_empty() || self.pos < length - 1 {
            let pos = self.pos;
            if self.read(length - 1, None) < 0 {
                return Gets::Null;
            }
            if self.pos == 0 && pos == self.pos {
                return Gets::Null;
            }
        }
        let mut length = length;
        if let Some(e) = memchr::memchr(b'\n', &self.buf[..self.pos]) {
            length = length.min(e + 2);
        }
        if self.read(length - 1, Some(sink)) >= 0 {
            Gets::Line
        } else {
            Gets::Failed
        }
    }

    /// FileImpl::fclose: flush, close; the buffer is freed.
    pub fn close(&mut self) {
        if self.file.is_some() {
            self.flush();
            self.file = None;
            self.mode = Mode::Closed;
        }
        self.buf = Vec::new();
        self.pos = 0;
    }
}

impl Drop for FileImpl {
    fn drop(&mut self) {
        self.close();
    }
}

/// What a TSFile handle stands for.
pub struct TsFile {
    /// The TSFile handle given to C.
    pub handle: usize,
    file: Mutex<FileImpl>,
}

impl TsFile {
    /// Run `f` on the file (one call at a time).
    pub fn with<R>(&self, f: impl FnOnce(&mut FileImpl) -> R) -> R {
        f(&mut self.file.lock())
    }
}

/// TSfopen: the new handle, or None (see [`FileImpl::open`]).
pub fn open(path: &CStr, mode: &CStr) -> Option<usize> {
    let f = FileImpl::open(path, mode)?;
    let (handle, _) = FILES.insert(|handle| TsFile {
        handle,
        file: Mutex::new(f),
    });
    Some(handle)
}

/// The live file behind a handle.
pub fn get(handle: usize) -> Option<Arc<TsFile>> {
    FILES.get(handle)
}

/// TSfclose: the handle dies, then the file is flushed and closed. False for a handle that is not
/// a live TSFile.
pub fn close(handle: usize) -> bool {
    let Some(f) = FILES.get(handle) else {
        return false;
    };
    FILES.release(handle);
    f.with(FileImpl::close);
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CString;

    fn tmp(name: &str) -> (std::path::PathBuf, CString) {
        let dir = std::env::temp_dir().join(format!("tshost-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        let c = CString::new(p.as_os_str().as_bytes()).unwrap();
        (p, c)
    }

    fn line(f: &mut FileImpl, length: usize) -> Option<Vec<u8>> {
        let mut out = None;
        match f.gets(length, &mut |b| out = Some(b.to_vec())) {
            Gets::Line => out,
            _ => None,
        }
    }

    #[test]
    fn modes_are_exactly_r_w_a() {
        let (p, c) = tmp("modes");
        for m in [c"rb", c"r+", c"", c"x", c"wa"] {
            assert!(FileImpl::open(&c, m).is_none(), "{m:?}");
        }
        assert!(FileImpl::open(&c, c"r").is_none(), "no such file yet");
        assert!(FileImpl::open(&c, c"w").is_some());
        assert!(p.exists());
        assert!(FileImpl::open(&c, c"r").is_some());
        std::fs::remove_file(p).unwrap();
    }

    #[test]
    fn writes_are_buffered_and_w_does_not_truncate() {
        let (p, c) = tmp("buffered");
        std::fs::write(&p, b"0123456789").unwrap();
        let mut f = FileImpl::open(&c, c"w").unwrap();
        assert_eq!(f.write(b"abc"), 3);
        assert_eq!(
            std::fs::read(&p).unwrap(),
            b"0123456789",
            "still in the buffer"
        );
        assert_eq!(f.flush(), 3);
        assert_eq!(
            std::fs::read(&p).unwrap(),
            b"abc3456789",
            "written over, not truncated"
        );
        assert_eq!(f.read(4, None), -1, "not open for reading");
        // More than the buffer: flushed when full and more is left.
        let big = vec![b'x'; 2500];
        assert_eq!(f.write(&big), 2500);
        assert_eq!(std::fs::metadata(&p).unwrap().len(), 3 + 2048);
        f.close();
        assert_eq!(std::fs::metadata(&p).unwrap().len(), 2503);
        assert_eq!(f.write(b"x"), -1, "closed");
        let mut a = FileImpl::open(&c, c"a").unwrap();
        assert_eq!(a.write(b"END"), 3);
        drop(a);
        assert!(std::fs::read(&p).unwrap().ends_with(b"xEND"));
        std::fs::remove_file(p).unwrap();
    }

    #[test]
    fn reads_and_lines() {
        let (p, c) = tmp("lines");
        std::fs::write(&p, b"one\ntwo two\n\nlast").unwrap();
        let mut f = FileImpl::open(&c, c"r").unwrap();
        assert_eq!(f.write(b"x"), -1, "not open for writing");
        assert_eq!(f.flush(), -1);
        assert_eq!(line(&mut f, 64).unwrap(), b"one\n");
        // A long line: length - 1 bytes, then the rest.
        assert_eq!(line(&mut f, 4).unwrap(), b"two");
        assert_eq!(line(&mut f, 64).unwrap(), b" two\n");
        assert_eq!(line(&mut f, 64).unwrap(), b"\n");
        assert_eq!(line(&mut f, 1).unwrap(), b"", "length 1: an empty string");
        assert_eq!(line(&mut f, 64).unwrap(), b"last", "no '\\n' at the end");
        assert_eq!(f.gets(64, &mut |_| ()), Gets::Null, "end of file");
        assert_eq!(f.gets(0, &mut |_| ()), Gets::Null);
        let mut got: Vec<u8> = Vec::new();
        assert_eq!(f.read(10, Some(&mut |b: &[u8]| got.extend(b))), 0);
        std::fs::remove_file(p).unwrap();
    }

    #[test]
    fn read_peeks_without_a_sink() {
        let (p, c) = tmp("peek");
        std::fs::write(&p, vec![7u8; 3000]).unwrap();
        let mut f = FileImpl::open(&c, c"r").unwrap();
        assert_eq!(f.read(10, None), 1024, "one read of at least 1024 bytes");
        let mut got: Vec<u8> = Vec::new();
        assert_eq!(f.read(2000, Some(&mut |b: &[u8]| got.extend(b))), 2000);
        assert_eq!(got.len(), 2000);
        assert_eq!(f.read(5000, Some(&mut |b: &[u8]| got.extend(b))), 1000);
        assert_eq!(f.read(5000, Some(&mut |_: &[u8]| ())), 0);
        std::fs::remove_file(p).unwrap();
    }

    #[test]
    fn handles_die_on_close() {
        let (p, c) = tmp("handle");
        let h = open(&c, c"w").unwrap();
        assert_eq!(get(h).unwrap().with(|f| f.write(b"hi")), 2);
        assert!(close(h));
        assert!(get(h).is_none());
        assert!(!close(h), "closed twice");
        assert_eq!(std::fs::read(&p).unwrap(), b"hi", "flushed by the close");
        std::fs::remove_file(p).unwrap();
    }
}
