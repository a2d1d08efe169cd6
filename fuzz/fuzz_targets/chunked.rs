//! Chunked bodies: `proxy::body::BodyReader` (chunked, and Content-Length / until-close) reading
//! from a stream cut at fuzzer-chosen points, and `chunked_prefix_is_valid`, the check of the
//! chunks that arrived with a response head.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tshost::proxy::body::{
    chunked_prefix_is_valid, BodyError, BodyReader, BodyWriter, Conn, Framing, Trailers,
};
use tshost_fuzz::{split_input, Pieces};

/// Read one body; the decoded bytes, its trailers, how many input bytes it took (or the error).
fn decode(
    input: &[u8],
    sizes: Vec<usize>,
    framing: Framing,
) -> (Result<(Vec<u8>, Trailers), BodyError>, usize) {
    let mut conn = Conn::new(Pieces::new(input, sizes));
    let mut r = BodyReader::new(framing);
    let mut out = Vec::new();
    let res = futures::executor::block_on(async {
        loop {
            match r.next(&mut conn).await {
                Ok(Some(p)) => {
                    assert!(!p.is_empty(), "an empty piece before the end");
                    out.extend_from_slice(&p);
                }
                Ok(None) => {
                    // The end is final: no more pieces, no more reads.
                    let unread = conn.io.unread() + conn.buf.len();
                    assert!(
                        matches!(r.next(&mut conn).await, Ok(None)),
                        "the end is final"
                    );
                    assert_eq!(unread, conn.io.unread() + conn.buf.len());
                    break Ok(());
                }
                Err(e) => break Err(e),
            }
            // A decoder never yields more bytes than it was fed.
            assert!(out.len() <= input.len() - conn.io.unread() - conn.buf.len());
        }
    });
    assert_eq!(r.received, out.len() as u64);
    let consumed = input.len() - conn.io.unread() - conn.buf.len();
    (
        res.map(|()| (out, std::mem::take(&mut r.trailers))),
        consumed,
    )
}

fuzz_target!(|data: &[u8]| {
    let (ctl, sizes, body) = split_input(data);
    let framing = match ctl >> 6 {
        0 | 1 => Framing::Chunked,
        2 => Framing::Length(u64::from(ctl & 0x3f) * 3),
        _ => Framing::Close,
    };

    let (res, consumed) = decode(body, sizes.clone(), framing);
    assert!(consumed <= body.len());
    // However the bytes arrive, the same body (or the same error).
    let (whole, consumed_whole) = decode(body, Vec::new(), framing);
    assert_eq!(res, whole);
    if res.is_ok() {
        assert_eq!(consumed, consumed_whole);
    }

    match framing {
        Framing::Chunked => {
            let prefix_ok = chunked_prefix_is_valid(body);
            if let Ok((out, trailers)) = &res {
                assert!(
                    out.len() + 5 <= consumed,
                    "at least the last chunk and the end"
                );
                // Every prefix of a valid body passes the prefix check (else the proxy would
                // refuse a good response whose first chunks came with its head).
                assert!(prefix_ok);
                let step = (consumed / 64).max(1);
                for k in (0..=consumed)
                    .step_by(step)
                    .chain(sizes.iter().map(|s| (*s).min(consumed)))
                {
                    assert!(
                        chunked_prefix_is_valid(&body[..k]),
                        "prefix {k} of a valid body refused"
                    );
                }
                // Re-encoded (one chunk, the trailers) and decoded again: the same body.
                let mut conn = Conn::new(Pieces::new(b"", Vec::new()));
                let mut w = BodyWriter::new(Framing::Chunked);
                futures::executor::block_on(async {
                    w.write(&mut conn, out).await.unwrap();
                    w.finish_with_trailers(&mut conn, trailers).await.unwrap();
                });
                let enc = std::mem::take(&mut conn.io.written);
                let (again, used) = decode(&enc, Vec::new(), Framing::Chunked);
                assert_eq!(again.as_ref(), Ok(&(out.clone(), trailers.clone())));
                assert_eq!(used, enc.len());
            }
            // A refused prefix is a refused body.
            if !prefix_ok {
                assert!(
                    res.is_err(),
                    "prefix check refuses a body the decoder takes"
                );
            }
        }
        Framing::Length(n) => match &res {
            Ok((out, _)) => assert_eq!(out.as_slice(), &body[..n as usize]),
            Err(e) => assert!(*e == BodyError::Truncated && (body.len() as u64) < n),
        },
        Framing::Close => assert_eq!(res.as_ref().map(|(o, _)| o.as_slice()), Ok(body)),
        Framing::None => unreachable!(),
    }
});
