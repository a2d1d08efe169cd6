//! The body of a fetch's response, as it arrives in pieces: where it ends (its Content-Length, the
//! last chunk and trailer section of a chunked body, or the end of the session), and, with
//! TS_FETCH_FLAGS_DECHUNK, the chunk payloads alone (the chunk sizes, extensions and trailers
//! dropped, as ATS's ChunkedHandler with DROP_CHUNKED_TRAILERS). Without it a chunked body is
//! passed on as received, framing and all.
#![forbid(unsafe_code)]

use crate::hdrs::parse::Framing;

/// Longest chunk-size or trailer line taken.
const MAX_LINE: usize = 4096;

/// Where a chunked body's parse is.
enum Chunk {
    /// The chunk-size line so far.
    Size(Vec<u8>),
    /// Payload bytes left in the chunk.
    Data(u64),
    /// The CRLF after a chunk's payload (`true`: its CR seen).
    DataEnd(bool),
    /// A trailer line so far (an empty one ends the body).
    Trailer(Vec<u8>),
    Done,
}

enum State {
    Length(u64),
    Close,
    Chunked(Chunk),
    Done,
}

/// A body decoder: feed it what arrives, it says what to pass on and when the body is complete.
pub struct Decoder {
    state: State,
    dechunk: bool,
}

impl Decoder {
    /// A decoder for a body framed as `framing`; `dechunk`: pass only a chunked body's payload.
    pub fn new(framing: Framing, dechunk: bool) -> Decoder {
        let state = match framing {
            Framing::None | Framing::Length(0) => State::Done,
            Framing::Length(n) => State::Length(n),
            Framing::Close => State::Close,
            Framing::Chunked => State::Chunked(Chunk::Size(Vec::new())),
        };
        Decoder { state, dechunk }
    }

    /// The body is complete (bytes after it are not the body's).
    pub fn done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Take `input`, appending to `out` what the body passes on. An error for malformed chunked
    /// framing.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), &'static str> {
        match &mut self.state {
            State::Done => Ok(()),
            State::Close => {
                out.extend_from_slice(input);
                Ok(())
            }
            State::Length(left) => {
                let n = (*left).min(input.len() as u64) as usize;
                out.extend_from_slice(&input[..n]);
                *left -= n as u64;
                if *left == 0 {
                    self.state = State::Done;
                }
                Ok(())
            }
            State::Chunked(c) => {
                let used = chunked(c, input, self.dechunk, out)?;
                if !self.dechunk {
                    out.extend_from_slice(&input[..used]);
                }
                if matches!(c, Chunk::Done) {
                    self.state = State::Done;
                }
                Ok(())
            }
        }
    }
}

/// Parse chunked framing from `input`: the bytes used (all of them, or up to the body's end);
/// payload bytes go to `out` when `dechunk`.
fn chunked(
    c: &mut Chunk,
    input: &[u8],
    dechunk: bool,
    out: &mut Vec<u8>,
) -> Result<usize, &'static str> {
    let mut i = 0;
    while i < input.len() {
        match c {
            Chunk::Done => break,
            Chunk::Size(line) | Chunk::Trailer(line) => {
                let rest = &input[i..];
                let Some(nl) = rest.iter().position(|b| *b == b'\n') else {
                    line.extend_from_slice(rest);
                    i = input.len();
                    if line.len() > MAX_LINE {
                        return Err("chunk-size or trailer line too long");
                    }
                    break;
                };
                line.extend_from_slice(&rest[..nl]);
                i += nl + 1;
                if line.len() > MAX_LINE {
                    return Err("chunk-size or trailer line too long");
                }
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                *c = match c {
                    Chunk::Size(line) => match chunk_size(line)? {
                        0 => Chunk::Trailer(Vec::new()),
                        n => Chunk::Data(n),
                    },
                    Chunk::Trailer(line) if line.is_empty() => Chunk::Done,
                    _ => Chunk::Trailer(Vec::new()),
                };
            }
            Chunk::Data(left) => {
                let n = (*left).min((input.len() - i) as u64) as usize;
                if dechunk {
                    out.extend_from_slice(&input[i..i + n]);
                }
                i += n;
                *left -= n as u64;
                if *left == 0 {
                    *c = Chunk::DataEnd(false);
                }
            }
            Chunk::DataEnd(cr) => {
                match (input[i], *cr) {
                    (b'\r', false) => *cr = true,
                    (b'\n', _) => *c = Chunk::Size(Vec::new()),
                    _ => return Err("chunk payload not followed by CRLF"),
                }
                i += 1;
            }
        }
    }
    Ok(i)
}

/// The size of a chunk-size line (hex digits, then perhaps `;extensions`).
fn chunk_size(line: &[u8]) -> Result<u64, &'static str> {
    let digits = line.split(|b| *b == b';').next().unwrap_or_default();
    let digits = digits.trim_ascii();
    if digits.is_empty() || digits.len() > 15 || !digits.iter().all(u8::is_ascii_hexdigit) {
        return Err("bad chunk size");
    }
    let text = std::str::from_utf8(digits).map_err(|_| "bad chunk size")?;
    u64::from_str_radix(text, 16).map_err(|_| "bad chunk size")
}

/// A whole chunked body's payload (TSFetchRespGet with TS_FETCH_FLAGS_DECHUNK); None if its
/// framing is bad. An unfinished body gives what arrived.
pub fn dechunk_all(body: &[u8]) -> Option<Vec<u8>> {
    let mut d = Decoder::new(Framing::Chunked, true);
    let mut out = Vec::with_capacity(body.len());
    d.feed(body, &mut out).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 1\r\n\r\nNEXT";

    #[test]
    fn dechunks_byte_by_byte_and_whole() {
        for step in [1, 2, 7, BODY.len()] {
            let mut d = Decoder::new(Framing::Chunked, true);
            let mut out = Vec::new();
            for piece in BODY.chunks(step) {
                d.feed(piece, &mut out).unwrap();
            }
            assert!(d.done(), "step {step}");
            assert_eq!(out, b"hello world", "step {step}");
        }
    }

    #[test]
    fn raw_chunked_passes_the_framing_up_to_its_end() {
        let mut d = Decoder::new(Framing::Chunked, false);
        let mut out = Vec::new();
        for piece in BODY.chunks(3) {
            d.feed(piece, &mut out).unwrap();
        }
        assert!(d.done());
        assert_eq!(out, &BODY[..BODY.len() - 4]);
    }

    #[test]
    fn length_and_close() {
        let mut d = Decoder::new(Framing::Length(4), true);
        let mut out = Vec::new();
        d.feed(b"ab", &mut out).unwrap();
        assert!(!d.done());
        d.feed(b"cdef", &mut out).unwrap();
        assert!(d.done());
        assert_eq!(out, b"abcd");
        let mut d = Decoder::new(Framing::Close, true);
        d.feed(b"xyz", &mut out).unwrap();
        assert!(!d.done());
        assert_eq!(out, b"abcdxyz");
        assert!(Decoder::new(Framing::None, true).done());
    }

    #[test]
    fn bad_framing_is_an_error() {
        let mut out = Vec::new();
        assert!(Decoder::new(Framing::Chunked, true)
            .feed(b"zz\r\n", &mut out)
            .is_err());
        assert!(Decoder::new(Framing::Chunked, true)
            .feed(b"1\r\nab\r\n", &mut out)
            .is_err());
        assert_eq!(dechunk_all(b"3\r\nabc\r\n0\r\n\r\n").unwrap(), b"abc");
    }
}
