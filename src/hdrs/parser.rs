//! TSHttpParser: a head given in pieces (TSHttpHdrParseReq/Resp called again with more bytes
//! until TS_PARSE_DONE), kept until its empty line arrives, then parsed whole by the one strict
//! parser ([`super::parse`]). A head longer than [`HEAD_MAX`] is an error, as a head over ATS's
//! limits is.
#![forbid(unsafe_code)]

use parking_lot::Mutex;

use crate::rt::pool::Pool;

/// The longest head a parser keeps (ATS's default request/response header limits are 128 KiB and
/// 64 KiB; a plugin's heads are bounded the same way).
pub const HEAD_MAX: usize = 131_072;

/// The live parsers, by the handle C holds.
pub static PARSERS: Pool<HeadParser> = Pool::new();

#[derive(Default)]
pub struct HeadParser {
    kept: Mutex<Vec<u8>>,
}

/// What a piece did.
#[derive(Debug, PartialEq, Eq)]
pub enum Feed {
    /// The head is not complete: every byte of the piece was taken.
    More,
    /// The head is complete: the whole head, and how many bytes of this piece it took.
    Head(Vec<u8>, usize),
    /// Too long (the parser is cleared).
    TooLong,
}

impl HeadParser {
    /// Take `piece`: up to the end of the head when it ends in it.
    pub fn feed(&self, piece: &[u8]) -> Feed {
        let mut kept = self.kept.lock();
        let before = kept.len();
        // The empty line may start in what was kept: look from 3 bytes back.
        let from = before.saturating_sub(3);
        kept.extend_from_slice(piece);
        match head_end(&kept[from..]) {
            Some(e) => {
                let end = from + e;
                let head = kept[..end].to_vec();
                kept.clear();
                Feed::Head(head, end - before)
            }
            None if kept.len() > HEAD_MAX => {
                kept.clear();
                Feed::TooLong
            }
            None => Feed::More,
        }
    }

    /// Forget what was kept (TSHttpParserClear).
    pub fn clear(&self) {
        self.kept.lock().clear();
    }
}

/// Where the head ends (after its empty line: CRLF CRLF, or LF LF as lenient readers take it).
fn head_end(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\n' {
            if b.get(i + 1) == Some(&b'\n') {
                return Some(i + 2);
            }
            if b.get(i + 1) == Some(&b'\r') && b.get(i + 2) == Some(&b'\n') {
                return Some(i + 3);
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_in_pieces_ends_at_its_empty_line() {
        let p = HeadParser::default();
        assert_eq!(p.feed(b"GET / HTTP/1.1\r\nHost: a\r"), Feed::More);
        assert_eq!(p.feed(b"\n\r"), Feed::More);
        match p.feed(b"\nbody") {
            Feed::Head(h, used) => {
                assert_eq!(h, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
                assert_eq!(used, 1, "the body stays with the caller");
            }
            other => panic!("{other:?}"),
        }
        // Cleared after a head: the next one starts afresh.
        assert_eq!(
            p.feed(b"HTTP/1.0 200 OK\n\nx"),
            Feed::Head(b"HTTP/1.0 200 OK\n\n".to_vec(), 17)
        );
        assert_eq!(p.feed(&vec![b'a'; HEAD_MAX + 1]), Feed::TooLong);
        assert_eq!(p.feed(b"\r\n\r\n"), Feed::Head(b"\r\n\r\n".to_vec(), 4));
    }
}
