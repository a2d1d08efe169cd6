//! The control socket between a running tshost and `tshost ctl` (or tshost started as
//! `traffic_ctl`): where it is, and what goes over it.
//!
//! The socket is `tshost_ctl.sock` in the runtime directory (`proxy.config.local_state_dir`, the
//! configuration directory when unset), mode 0600; the proxy also checks the peer's user (its own
//! or root). One request per connection: the command's words, each followed by a NUL byte, at
//! most [`MAX_REQUEST`] bytes, then the client shuts its side. The reply: a line
//! `EXIT OUTLEN ERRLEN`, then OUTLEN bytes for stdout and ERRLEN bytes for stderr.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

/// The socket's file name in the runtime directory.
pub const SOCKET_NAME: &str = "tshost_ctl.sock";

/// The longest request accepted.
pub const MAX_REQUEST: usize = 64 * 1024;

/// The longest reply read back (a `metric match` of every record fits many times over).
pub const MAX_REPLY: usize = 16 * 1024 * 1024;

/// Exit codes, traffic_ctl's: success, an error, a command tshost does not implement.
pub const EXIT_OK: u8 = 0;
pub const EXIT_ERROR: u8 = 2;
pub const EXIT_UNIMPLEMENTED: u8 = 3;

/// Where the socket of the process whose runtime directory is `runtime_dir` is.
pub fn socket_path(runtime_dir: &Path) -> PathBuf {
    runtime_dir.join(SOCKET_NAME)
}

/// The longest path a unix socket address holds (sun_path is 108 bytes with its NUL).
const SUN_PATH_MAX: usize = 107;

/// A path to bind or connect `path` by that fits a socket address: `path` itself when it is short
/// enough, else the same file reached through `/proc/self/fd/N/` of its directory opened as
/// `dir` (kept open by the caller while it binds or connects).
pub fn addressable(path: &Path, dir: &std::fs::File) -> PathBuf {
    use std::os::fd::AsRawFd;
    if path.as_os_str().len() <= SUN_PATH_MAX {
        return path.to_path_buf();
    }
    let name = path.file_name().unwrap_or_default();
    Path::new(&format!("/proc/self/fd/{}", dir.as_raw_fd())).join(name)
}

/// A request's bytes.
pub fn encode_request(words: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    for w in words {
        out.extend_from_slice(w.as_bytes());
        out.push(0);
    }
    out
}

/// A request's words; an error for one that is not NUL-terminated words of UTF-8.
pub fn decode_request(bytes: &[u8]) -> Result<Vec<String>, String> {
    let Some(body) = bytes.strip_suffix(&[0]) else {
        return Err(if bytes.is_empty() {
            "empty request".into()
        } else {
            "request not NUL-terminated".into()
        });
    };
    body.split(|b| *b == 0)
        .map(|w| {
            String::from_utf8(w.to_vec()).map_err(|_| "a request word is not UTF-8".to_string())
        })
        .collect()
}

/// What a command printed and how it exited.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Reply {
    pub out: String,
    pub err: String,
    pub code: u8,
}

impl Reply {
    /// A failed command: `message` on stderr, exit 2.
    pub fn error(message: impl Into<String>) -> Reply {
        let mut err = message.into();
        err.push('\n');
        Reply {
            out: String::new(),
            err,
            code: EXIT_ERROR,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut v = format!("{} {} {}\n", self.code, self.out.len(), self.err.len()).into_bytes();
        v.extend_from_slice(self.out.as_bytes());
        v.extend_from_slice(self.err.as_bytes());
        v
    }

    pub fn decode(bytes: &[u8]) -> Result<Reply, String> {
        let bad = || "malformed reply".to_string();
        let nl = bytes.iter().position(|b| *b == b'\n').ok_or_else(bad)?;
        let head = std::str::from_utf8(&bytes[..nl]).map_err(|_| bad())?;
        let mut it = head.split(' ').map(str::parse::<usize>);
        let (Some(Ok(code)), Some(Ok(out)), Some(Ok(err)), None) =
            (it.next(), it.next(), it.next(), it.next())
        else {
            return Err(bad());
        };
        let rest = &bytes[nl + 1..];
        if rest.len() != out.checked_add(err).ok_or_else(bad)? || code > 255 {
            return Err(bad());
        }
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        Ok(Reply {
            out: text(&rest[..out]),
            err: text(&rest[out..]),
            code: code as u8,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip_and_bad_ones_are_refused() {
        let words = vec!["plugin".to_string(), "msg".into(), "a b\nc".into()];
        assert_eq!(decode_request(&encode_request(&words)).unwrap(), words);
        assert!(decode_request(b"").is_err());
        assert!(decode_request(b"config\0reload").is_err());
        assert!(decode_request(b"\xff\0").is_err());
        assert_eq!(decode_request(b"\0").unwrap(), vec![String::new()]);
    }

    #[test]
    fn replies_round_trip_and_truncated_ones_are_refused() {
        let r = Reply {
            out: "a 1\nb 2\n".into(),
            err: "oops\n".into(),
            code: 2,
        };
        let bytes = r.encode();
        assert_eq!(Reply::decode(&bytes).unwrap(), r);
        assert!(Reply::decode(&bytes[..bytes.len() - 1]).is_err());
        assert!(Reply::decode(b"0 1\n").is_err());
        assert!(Reply::decode(b"300 0 0\n").is_err());
        assert!(Reply::decode(b"0 18446744073709551615 1\n").is_err());
    }

    #[test]
    fn a_long_socket_path_is_reached_through_its_directory() {
        let dir = std::env::temp_dir();
        let f = std::fs::File::open(&dir).unwrap();
        let short = dir.join("x.sock");
        assert_eq!(addressable(&short, &f), short);
        let long = dir.join("d".repeat(120)).join(SOCKET_NAME);
        let p = addressable(&long, &f);
        assert!(p.starts_with("/proc/self/fd/"), "{}", p.display());
        assert!(p.ends_with(SOCKET_NAME));
    }
}
